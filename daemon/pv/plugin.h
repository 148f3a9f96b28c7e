/* SPDX-License-Identifier: Apache-2.0 */
/* The source plugin loader: dlopen()s a plugin, checks its descriptor
 * against this iedd's ABI (include/iedd/source.h) and opens instances.
 * The built-in simulator is a plugin like any other (iedd-source-sim.so).
 *
 * Thread: load, open, close and unload run on the event loop's thread;
 * plugin_resolve/read/write of one instance run on that instance's thread
 * (the loop for a non-blocking source, its own thread for a blocking one),
 * as source.h promises the plugin.
 *
 * Errors: functions return 0 or a negative errno and write a message into
 * err[errlen] (always NUL-terminated when errlen > 0) that starts with the
 * plugin file's path, so the log says which file to look at:
 *   -ENOENT  the file does not exist
 *   -ELIBBAD dlopen() failed, no iedd_source_descriptor symbol, or it returned NULL
 *   -EPROTO  the descriptor does not match this iedd (ABI version, struct
 *            size, missing mandatory callback, unknown flags) or a callback
 *            broke the contract (returned a positive number)
 * and whatever a plugin callback returns. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <iedd/source.h>

struct plugin;		/* one loaded .so */
struct plugin_instance; /* one opened instance of a plugin */

/* Loads a plugin. name_or_path is either a path (it contains a '/', e.g.
 * "./my.so" or "/opt/x/iedd-source-x.so") or a bare name made of letters,
 * digits, '-' and '_' ("modbus"), which means
 * "<searchdir>/iedd-source-<name>.so". searchdir is the installed
 * $libdir/iedd/plugins, or the build tree's plugins folder in tests; it is
 * only used for bare names. A bare name that is not there gets -ENOENT
 * with the plugins searchdir does have and, for a close one, "did you
 * mean 'shm'?". The .so is opened RTLD_NOW | RTLD_LOCAL; its
 * descriptor's abi_version and struct_size are checked before anything
 * else is read, then the mandatory callbacks (open, close, resolve, read).
 * Returns 0 and *out (the caller's, released with plugin_unload), or a
 * negative errno with a message; nothing stays loaded on failure. */
int plugin_load(const char *name_or_path, const char *searchdir, struct plugin **out, char *err,
		size_t errlen);

/* Unloads the plugin (dlclose). Every instance must be closed first. NULL
 * is a no-op. */
void plugin_unload(struct plugin *p);

/* The checked descriptor, valid until plugin_unload. */
const struct iedd_source *plugin_source(const struct plugin *p);
/* The path the plugin was loaded from (as given or as built from the bare
 * name), valid until plugin_unload. */
const char *plugin_path(const struct plugin *p);
/* Whether the plugin asks for a thread of its own (IEDD_SOURCE_BLOCKING). */
bool plugin_blocking(const struct plugin *p);
/* Whether the plugin takes commands (IEDD_SOURCE_CONTROL with control()). */
bool plugin_controls(const struct plugin *p);
/* Whether the plugin honours IEDD_HOST_CHECK (IEDD_SOURCE_CHECK): only
 * then may iedd --check open it. */
bool plugin_checks(const struct plugin *p);

/* Opens an instance with the parameters from iedd.xml. params and their
 * strings are the caller's and only need to live during the call. The host
 * struct is copied: the plugin receives a pointer to the instance's own
 * copy, valid until plugin_close. Returns 0 and *out, or a negative errno
 * with "<path>: <the plugin's message>". */
int plugin_open(struct plugin *p, const struct iedd_param *params, size_t n_params,
		const struct iedd_host *host, struct plugin_instance **out, char *err,
		size_t errlen);

/* Closes the instance (the plugin's close()); its points become invalid.
 * NULL is a no-op. */
void plugin_close(struct plugin_instance *inst);

/* The plugin the instance belongs to. */
struct plugin *plugin_instance_plugin(const struct plugin_instance *inst);

/* Resolves a map address to an opaque point (the plugin's resolve()). A
 * writable row on a plugin without write() is refused here (-EROFS). */
int plugin_resolve(struct plugin_instance *inst, const char *address, enum iedd_kind kind,
		   bool writable, void **point, char *err, size_t errlen);

/* Reads a batch (the plugin's read()), then makes sure every value is sane
 * for the rest of iedd: a kind outside enum iedd_kind becomes
 * IEDD_KIND_NONE with quality invalid+inconsistent, strings are
 * NUL-terminated. Returns 0 or the plugin's negative errno. */
int plugin_read(struct plugin_instance *inst, struct iedd_point *points, size_t n);

/* Writes one value (the plugin's write()); -EROFS when the plugin has none. */
/* A command through control(): 0, a positive AddCause (refused; err says
 * why when the plugin said), or a negative errno (err says where). */
int plugin_control(struct plugin_instance *inst, void *point, const struct iedd_command *cmd,
		   char *err, size_t errlen);
int plugin_write(struct plugin_instance *inst, void *point, const struct iedd_value *value,
		 char *err, size_t errlen);

/* Writes a printf-style message into err[errlen] (when errlen > 0) and
 * returns rc: the one error-reporting helper of daemon/pv. */
int pv_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
