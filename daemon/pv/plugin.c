/* SPDX-License-Identifier: Apache-2.0 */
#include "plugin.h"

#include <assert.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct plugin {
	void *dl;
	const struct iedd_source *src;	/* points at desc */
	struct iedd_source desc;	/* the plugin's, copied; fields past its struct_size NULL */
	unsigned n_instances;
	char path[];
};

struct plugin_instance {
	struct plugin *plugin;
	void *ctx;
	struct iedd_host host; /* the copy the plugin was given */
};

/* The message a plugin callback may write; longer ones are cut. */
#define PLUGIN_ERR_MAX 512

/* Every flag this iedd knows; anything else was built for a newer ABI that
 * forgot to bump the version. */
#define PLUGIN_KNOWN_FLAGS (IEDD_SOURCE_BLOCKING | IEDD_SOURCE_CHECK | IEDD_SOURCE_HOST_CLOCK | \
			    IEDD_SOURCE_CONTROL)
/* The descriptor of ABI 1 before control() was appended. */
#define PLUGIN_SIZE_BEFORE_CONTROL offsetof(struct iedd_source, control)

/* The plugins a missing one's message lists, at most. */
#define PLUGIN_LIST_MAX 32

int pv_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool bare_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Edit distance of two short names (optimal string alignment: insert,
 * delete, substitute, swap two neighbours; "smi" is one swap from "sim").
 * A plugin name is a file name part: at most 255 octets; longer is "far". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 255 || lb > 255)
		return SIZE_MAX;
	size_t r0[256], r1[256], r2[256];	/* rows i-2, i-1, i */
	size_t *pp = r0, *prev = r1, *cur = r2;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* Whether `have` is what a user who typed `want` probably meant: a name
 * one or two edits away ("shn", "modbsu"), or one that starts the other
 * ("shmem" for shm, "mod" for modbus). */
static bool close_name(const char *want, const char *have)
{
	size_t lw = strlen(want), lh = strlen(have);
	size_t lmin = lw < lh ? lw : lh;
	if (lmin >= 2 && !strncasecmp(want, have, lmin))
		return true;
	size_t d = edit_distance(want, have);
	return d <= 2 && d < (lw > lh ? lw : lh);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* For a bare name that is not there: "the plugin directory DIR has: a, b,
 * c; did you mean 'b'?" or that it has none, into out[n]. */
static void plugin_list_dir(const char *dir, const char *want, char *out, size_t n)
{
	static const char pre[] = "iedd-source-", suf[] = ".so";
	char names[PLUGIN_LIST_MAX][256];
	const char *sorted[PLUGIN_LIST_MAX];
	size_t k = 0, more = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(out, n,
			 "the plugin directory %s cannot be read (%s): give --plugin-dir DIR or "
			 "IEDD_PLUGIN_DIR, or a path to the .so",
			 dir, strerror(errno));
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= sizeof(pre) - 1 + sizeof(suf) - 1 ||
		    strncmp(e->d_name, pre, sizeof(pre) - 1) ||
		    strcmp(e->d_name + len - (sizeof(suf) - 1), suf))
			continue;
		if (k == PLUGIN_LIST_MAX) {
			more++;
			continue;
		}
		size_t nl = len - (sizeof(pre) - 1) - (sizeof(suf) - 1);
		if (nl >= sizeof(names[0]))
			continue;
		memcpy(names[k], e->d_name + sizeof(pre) - 1, nl);
		names[k][nl] = 0;
		sorted[k] = names[k];
		k++;
	}
	closedir(d);
	if (!k) {
		snprintf(out, n,
			 "the plugin directory %s holds no plugin (iedd-source-*.so): give "
			 "--plugin-dir DIR or IEDD_PLUGIN_DIR, or a path to the .so",
			 dir);
		return;
	}
	qsort(sorted, k, sizeof(sorted[0]), cmp_str);
	size_t used = (size_t)snprintf(out, n, "the plugin directory %s has:", dir);
	for (size_t i = 0; i < k && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s %s", i ? "," : "", sorted[i]);
	if (more && used < n)
		used += (size_t)snprintf(out + used, n - used, " and %zu more", more);
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < k; i++) {
		size_t dd = edit_distance(want, sorted[i]);
		if (close_name(want, sorted[i]) && dd < best_d) {
			best = sorted[i];
			best_d = dd;
		}
	}
	if (best && used < n)
		snprintf(out + used, n - used, "; did you mean '%s'?", best);
}

/* The descriptor checks, in the order source.h promises: version and size
 * first (the only fields every ABI version keeps in place), then the rest. */
static int check_descriptor(const char *path, const struct iedd_source *src, char *err,
			    size_t errlen)
{
	if (src->abi_version != IEDD_SOURCE_ABI_VERSION)
		return pv_fail(err, errlen, -EPROTO,
			    "%s: built for iedd source ABI %u, this iedd speaks %u: rebuild the "
			    "plugin against this iedd's include/iedd/source.h",
			    path, src->abi_version, IEDD_SOURCE_ABI_VERSION);
	if (src->struct_size != sizeof(struct iedd_source) &&
	    src->struct_size != PLUGIN_SIZE_BEFORE_CONTROL)
		return pv_fail(err, errlen, -EPROTO,
			    "%s: descriptor is %u octets, this iedd's is %zu although both speak "
			    "ABI %u (built against a modified source.h?): rebuild the plugin "
			    "against this iedd's include/iedd/source.h",
			    path, src->struct_size, sizeof(struct iedd_source),
			    IEDD_SOURCE_ABI_VERSION);
	if (!src->name || !*src->name)
		return pv_fail(err, errlen, -EPROTO, "%s: descriptor has no name", path);
	const char *missing = !src->open	? "open"
			      : !src->close	? "close"
			      : !src->resolve ? "resolve"
			      : !src->read	? "read"
					      : NULL;
	if (missing)
		return pv_fail(err, errlen, -EPROTO,
			    "%s: plugin '%s' has no %s() callback, which every source must have",
			    path, src->name, missing);
	if (src->flags & ~(uint32_t)PLUGIN_KNOWN_FLAGS)
		return pv_fail(err, errlen, -EPROTO,
			    "%s: plugin '%s' sets unknown flags 0x%x for ABI %u: rebuild the "
			    "plugin against this iedd's include/iedd/source.h",
			    path, src->name, src->flags & ~(uint32_t)PLUGIN_KNOWN_FLAGS,
			    IEDD_SOURCE_ABI_VERSION);
	if (src->flags & IEDD_SOURCE_CONTROL) {
		if (src->struct_size < sizeof(struct iedd_source))
			return pv_fail(err, errlen, -EPROTO,
				    "%s: plugin '%s' sets IEDD_SOURCE_CONTROL but its descriptor "
				    "ends before control(): rebuild it against this iedd's "
				    "include/iedd/source.h", path, src->name);
		/* control() is read only now that the descriptor is known to have it */
		if (!((const struct iedd_source *)src)->control)
			return pv_fail(err, errlen, -EPROTO,
				    "%s: plugin '%s' sets IEDD_SOURCE_CONTROL but has no control() "
				    "callback", path, src->name);
	}
	return 0;
}

int plugin_load(const char *name_or_path, const char *searchdir, struct plugin **out, char *err,
		size_t errlen)
{
	*out = NULL;
	char path[4096];
	if (strchr(name_or_path, '/')) {
		if (strlen(name_or_path) >= sizeof(path))
			return pv_fail(err, errlen, -ENAMETOOLONG, "%.64s...: path too long",
				    name_or_path);
		strcpy(path, name_or_path);
	} else if (bare_name(name_or_path)) {
		if (!searchdir || !*searchdir)
			return pv_fail(err, errlen, -EINVAL,
				    "plugin '%s': no plugin directory to look in; give a path",
				    name_or_path);
		int n = snprintf(path, sizeof(path), "%s/iedd-source-%s.so", searchdir,
				 name_or_path);
		if (n < 0 || (size_t)n >= sizeof(path))
			return pv_fail(err, errlen, -ENAMETOOLONG,
				    "plugin '%s': path in %.64s... too long", name_or_path,
				    searchdir);
	} else {
		return pv_fail(err, errlen, -EINVAL,
			    "plugin '%s': not a name (letters, digits, '-', '_') nor a path "
			    "(containing '/', e.g. ./%s)",
			    name_or_path, name_or_path);
	}

	/* dlopen's message for a missing file is vague; say it plainly */
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		if (e == ENOENT && !strchr(name_or_path, '/')) {
			char have[1024];
			plugin_list_dir(searchdir, name_or_path, have, sizeof(have));
			return pv_fail(err, errlen, -ENOENT,
				    "%s: no such file (plugin '%s' is looked up as "
				    "<plugin dir>/iedd-source-%s.so); %s",
				    path, name_or_path, name_or_path, have);
		}
		return pv_fail(err, errlen, -e, "%s: %s", path, strerror(e));
	}

	dlerror();
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		const char *why = dlerror();
		return pv_fail(err, errlen, -ELIBBAD, "%s: cannot load: %s", path,
			    why ? why : "dlopen failed");
	}
	int rc;
	dlerror();
	void *sym = dlsym(dl, IEDD_SOURCE_SYMBOL);
	if (!sym) {
		rc = pv_fail(err, errlen, -ELIBBAD,
			  "%s: not an iedd source plugin: it exports no %s() (define it with "
			  "IEDD_SOURCE_DEFINE from <iedd/source.h>)",
			  path, IEDD_SOURCE_SYMBOL);
		goto out_close;
	}
	const struct iedd_source *(*descriptor)(void);
	/* POSIX: a data pointer from dlsym converts to a function pointer */
	memcpy(&descriptor, &sym, sizeof(descriptor));
	const struct iedd_source *src = descriptor();
	if (!src) {
		rc = pv_fail(err, errlen, -ELIBBAD, "%s: %s() returned NULL", path,
			  IEDD_SOURCE_SYMBOL);
		goto out_close;
	}
	if ((rc = check_descriptor(path, src, err, errlen)))
		goto out_close;

	size_t plen = strlen(path) + 1;
	struct plugin *p = calloc(1, sizeof(*p) + plen);
	if (!p) {
		rc = pv_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto out_close;
	}
	p->dl = dl;
	/* a descriptor built before control() existed is shorter: the copy
	 * has NULL there */
	memcpy(&p->desc, src, src->struct_size);
	p->src = &p->desc;
	memcpy(p->path, path, plen);
	*out = p;
	return 0;

out_close:
	dlclose(dl);
	return rc;
}

void plugin_unload(struct plugin *p)
{
	if (!p)
		return;
	assert(p->n_instances == 0);
	dlclose(p->dl);
	free(p);
}

const struct iedd_source *plugin_source(const struct plugin *p)
{
	return p->src;
}

const char *plugin_path(const struct plugin *p)
{
	return p->path;
}

bool plugin_blocking(const struct plugin *p)
{
	return p->src->flags & IEDD_SOURCE_BLOCKING;
}

bool plugin_checks(const struct plugin *p)
{
	return p->src->flags & IEDD_SOURCE_CHECK;
}

struct plugin *plugin_instance_plugin(const struct plugin_instance *inst)
{
	return inst->plugin;
}

/* Turns a callback's result into ours: "<path>: <its message>", with a
 * fallback message when it said nothing, and -EPROTO for a positive return
 * (the contract is 0 or a negative errno). */
static int callback_result(const struct plugin *p, const char *what, int rc, char *msg,
			   char *err, size_t errlen)
{
	if (rc == 0)
		return 0;
	msg[PLUGIN_ERR_MAX - 1] = 0;
	if (rc > 0)
		return pv_fail(err, errlen, -EPROTO, "%s: %s returned %d, not 0 or a negative errno%s%s",
			    p->path, what, rc, *msg ? ": " : "", msg);
	if (!*msg)
		return pv_fail(err, errlen, rc, "%s: %s failed: %s", p->path, what, strerror(-rc));
	return pv_fail(err, errlen, rc, "%s: %s", p->path, msg);
}

int plugin_open(struct plugin *p, const struct iedd_param *params, size_t n_params,
		const struct iedd_host *host, struct plugin_instance **out, char *err,
		size_t errlen)
{
	*out = NULL;
	struct plugin_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return pv_fail(err, errlen, -ENOMEM, "%s: out of memory", p->path);
	inst->plugin = p;
	inst->host = *host;
	char msg[PLUGIN_ERR_MAX] = "";
	int rc = p->src->open(params, n_params, &inst->host, &inst->ctx, msg, sizeof(msg));
	if (rc) {
		/* close() never follows a failed open(), also for a positive rc */
		rc = callback_result(p, "open()", rc, msg, err, errlen);
		free(inst);
		return rc;
	}
	p->n_instances++;
	*out = inst;
	return 0;
}

void plugin_close(struct plugin_instance *inst)
{
	if (!inst)
		return;
	assert(inst->plugin->n_instances > 0);
	inst->plugin->src->close(inst->ctx);
	inst->plugin->n_instances--;
	free(inst);
}

int plugin_resolve(struct plugin_instance *inst, const char *address, enum iedd_kind kind,
		   bool writable, void **point, char *err, size_t errlen)
{
	const struct plugin *p = inst->plugin;
	*point = NULL;
	if (writable && !p->src->write)
		return pv_fail(err, errlen, -EROFS,
			    "%s: address '%s' is mapped writable but plugin '%s' is read-only",
			    p->path, address, p->src->name);
	char msg[PLUGIN_ERR_MAX] = "";
	int rc = p->src->resolve(inst->ctx, address, kind, writable, point, msg, sizeof(msg));
	return callback_result(p, "resolve()", rc, msg, err, errlen);
}

int plugin_read(struct plugin_instance *inst, struct iedd_point *points, size_t n)
{
	int rc = inst->plugin->src->read(inst->ctx, points, n);
	if (rc > 0)
		rc = -EPROTO;
	for (size_t i = 0; i < n; i++) {
		struct iedd_value *v = &points[i].value;
		if (v->kind > IEDD_KIND_STRING) {
			v->kind = IEDD_KIND_NONE;
			v->quality = IEDD_Q_INVALID | IEDD_Q_INCONSISTENT;
		} else if (v->kind == IEDD_KIND_STRING) {
			v->v.s[IEDD_STRING_MAX - 1] = 0;
		}
	}
	return rc;
}

bool plugin_controls(const struct plugin *p)
{
	return (p->src->flags & IEDD_SOURCE_CONTROL) && p->src->control;
}

int plugin_control(struct plugin_instance *inst, void *point, const struct iedd_command *cmd,
		   char *err, size_t errlen)
{
	const struct plugin *p = inst->plugin;
	if (!plugin_controls(p))
		return pv_fail(err, errlen, -EOPNOTSUPP, "%s: plugin '%s' has no control()",
			    p->path, p->src->name);
	char msg[PLUGIN_ERR_MAX] = "";
	int rc = p->src->control(inst->ctx, point, cmd, msg, sizeof(msg));
	if (rc > 0) {
		/* an AddCause: a refusal, not a failure of the callback */
		snprintf(err, errlen, "%s", msg[0] ? msg : "refused");
		return rc;
	}
	return callback_result(p, "control()", rc, msg, err, errlen);
}

int plugin_write(struct plugin_instance *inst, void *point, const struct iedd_value *value,
		 char *err, size_t errlen)
{
	const struct plugin *p = inst->plugin;
	if (!p->src->write)
		return pv_fail(err, errlen, -EROFS, "%s: plugin '%s' is read-only", p->path,
			    p->src->name);
	char msg[PLUGIN_ERR_MAX] = "";
	int rc = p->src->write(inst->ctx, point, value, msg, sizeof(msg));
	return callback_result(p, "write()", rc, msg, err, errlen);
}
