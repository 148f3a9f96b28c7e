/* SPDX-License-Identifier: Apache-2.0 */
/* iedd source plugin SDK: the one public ABI of iedd.
 *
 * A source plugin is a shared object that gives iedd process variables: it
 * reads values (polled by iedd's scan scheduler in batches), writes values a
 * client sets, and may push changes on its own (the application trigger).
 * Build one with nothing but this header:
 *
 *     cc -shared -fPIC -o mysource.so mysource.c $(pkg-config --cflags iedd-source)
 *
 * Licence: this header is Apache-2.0, like iedd; a plugin that includes it
 * may be distributed under any licence, proprietary ones included (it is a
 * separate work that iedd loads at run time).
 *
 * and export exactly one symbol, iedd_source_descriptor(), returning a
 * struct iedd_source (see IEDD_SOURCE_DEFINE below). iedd checks
 * abi_version and struct_size before it touches anything else and refuses a
 * mismatch with a message saying what to rebuild.
 *
 * Threading: iedd calls every callback of one instance from one thread. An
 * instance whose descriptor sets IEDD_SOURCE_BLOCKING (it may block: serial
 * lines, TCP peers) gets a thread of its own; a non-blocking one (shared
 * memory, simulator) is called on iedd's event loop and must return within
 * microseconds. host->push may be called from any thread of the plugin.
 *
 * Ownership: strings and arrays iedd passes are iedd's and valid only during
 * the call; the plugin copies what it keeps. Everything the plugin allocates
 * is the plugin's, released in close(). No global mutable state: keep state
 * in the instance context.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of the structures below. */
#define IEDD_SOURCE_ABI_VERSION 1

/* Value kinds exchanged with a plugin. iedd converts between these and the
 * data attribute's IEC 61850 type (with scale and offset from the map). */
enum iedd_kind {
	IEDD_KIND_NONE = 0,	/* no value (read failed; see quality) */
	IEDD_KIND_BOOL,
	IEDD_KIND_INT,		/* int64_t */
	IEDD_KIND_UINT,		/* uint64_t */
	IEDD_KIND_FLOAT,	/* double */
	IEDD_KIND_STRING,	/* UTF-8, NUL-terminated, at most IEDD_STRING_MAX - 1 octets */
};
#define IEDD_STRING_MAX 256

/* Quality as IEC 61850-7-3 defines it, bit 0 = validity MSB as on the wire.
 * A plugin sets IEDD_Q_GOOD or IEDD_Q_INVALID plus detail bits. The first
 * two bits are the validity, one value of the four (good 00, invalid 01,
 * reserved 10, questionable 11): test it as
 * (q & IEDD_Q_VALIDITY_MASK) == IEDD_Q_INVALID, not as a flag. */
#define IEDD_Q_VALIDITY_MASK	0xC000	/* the 2-bit validity field */
#define IEDD_Q_GOOD		0x0000	/* validity = good (00) */
#define IEDD_Q_INVALID		0x4000	/* validity = invalid (01) */
#define IEDD_Q_VALIDITY_QUESTIONABLE 0xC000	/* validity = questionable (11) */
/* Deprecated: the old spelling, kept so that plugins written against it
 * still compile. It is the value questionable (11), which is also all
 * bits of the field: write IEDD_Q_VALIDITY_MASK where it masks and
 * IEDD_Q_VALIDITY_QUESTIONABLE where it sets questionable. */
#define IEDD_Q_QUESTIONABLE	IEDD_Q_VALIDITY_QUESTIONABLE
#define IEDD_Q_OVERFLOW		0x2000
#define IEDD_Q_OUT_OF_RANGE	0x1000
#define IEDD_Q_BAD_REFERENCE	0x0800
#define IEDD_Q_OSCILLATORY	0x0400
#define IEDD_Q_FAILURE		0x0200
#define IEDD_Q_OLD_DATA		0x0100
#define IEDD_Q_INCONSISTENT	0x0080
#define IEDD_Q_INACCURATE	0x0040
#define IEDD_Q_SUBSTITUTED	0x0020	/* source = substituted */
#define IEDD_Q_TEST		0x0010
#define IEDD_Q_OPERATOR_BLOCKED	0x0008

struct iedd_value {
	uint8_t kind;		/* enum iedd_kind */
	uint16_t quality;	/* IEDD_Q_* */
	uint64_t time_ns;	/* UTC ns since 1970 when the value was taken; 0 = now */
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double f;
		char s[IEDD_STRING_MAX];
	} v;
};

/* One mapped point as the plugin sees it in a read batch. `point` is what
 * the plugin's resolve() returned for the address. */
struct iedd_point {
	void *point;
	struct iedd_value value;	/* filled by read() */
};

/* Levels of host->log, numbered as syslog(3) priorities and named apart
 * from <syslog.h>'s macros, so a plugin may include both. iedd asserts at
 * build time that they are its own logger's levels. */
enum iedd_log_level {
	IEDD_LOG_ERR = 3,	/* the instance cannot do its work */
	IEDD_LOG_WARNING = 4,	/* a condition that loses values starts (say it once) */
	IEDD_LOG_NOTICE = 5,	/* ... and clears; a normal but notable event */
	IEDD_LOG_INFO = 6,
	IEDD_LOG_DEBUG = 7,
};

/* What iedd offers a plugin instance. */
struct iedd_host {
	void *host_ctx;		/* iedd's; pass back unchanged */
	/* Pushes a new value of `point` now (application trigger). Thread-safe;
	 * returns 0, or -EAGAIN when iedd's queue is full (the value is dropped
	 * and the next scan reads it again). */
	int (*push)(void *host_ctx, void *point, const struct iedd_value *value);
	/* Logs through iedd's logger at an IEDD_LOG_* level (levels beyond
	 * them are taken as the nearest one). */
	void (*log)(void *host_ctx, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* IEDD_HOST_* for this instance. Appended to ABI 1: a plugin reads it
	 * only when its descriptor sets IEDD_SOURCE_CHECK, which an iedd
	 * older than this field refuses at load (unknown flag), so such a
	 * plugin never meets a host struct without it. */
	uint32_t flags;
	/* iedd's clocks, the ones its scan schedule and timestamps use (a test
	 * runs iedd on a fake one): nanoseconds of a monotonic clock, and UTC
	 * nanoseconds since 1970 (the iedd_value.time_ns scale). Thread-safe.
	 * Appended to ABI 1 as flags was: a plugin reads them only when its
	 * descriptor sets IEDD_SOURCE_HOST_CLOCK, which an iedd older than
	 * these fields refuses at load (unknown flag). iedd sets both; a
	 * plugin still treats NULL as "read your own clock". */
	uint64_t (*mono_ns)(void *host_ctx);
	uint64_t (*utc_ns)(void *host_ctx);
};

/* iedd --check: open() only checks the parameters and resolve() only
 * checks the addresses; the instance creates, attaches, connects and
 * starts nothing (no segment, no socket, no serial port, no thread, no
 * file), and iedd calls neither read() nor write() before close(). */
#define IEDD_HOST_CHECK 0x01

/* A parameter of the instance, from iedd.xml: <param name="..." value="..."/>. */
struct iedd_param {
	const char *name;
	const char *value;
};

#define IEDD_SOURCE_BLOCKING 0x01	/* callbacks may block: give it a thread */
/* The plugin honours IEDD_HOST_CHECK in host->flags. iedd --check opens
 * only instances of plugins that set it; a plugin without it (built
 * before the flag existed) is not opened by --check, which says so and
 * leaves its parameters and addresses unchecked. */
#define IEDD_SOURCE_CHECK 0x02
/* The plugin reads time through host->mono_ns and host->utc_ns (a
 * simulator whose values are functions of time, a source that stamps its
 * values): its time is then iedd's. */
#define IEDD_SOURCE_HOST_CLOCK 0x04
/* The plugin has control() (below): commands of the IEC 61850 control
 * model reach it with their parameters, and it may refuse them with an
 * AddCause. control() was appended to struct iedd_source within ABI 1; an
 * iedd older than it refuses this flag at load (unknown flag), and this
 * iedd loads descriptors built before it (their struct_size ends at
 * write, and they have no control()). */
#define IEDD_SOURCE_CONTROL 0x08

/* A command of the control model (IEC 61850-7-2 §20) for a data object
 * whose Oper.ctlVal is mapped to a point of this plugin. */
enum iedd_control_step {
	IEDD_CONTROL_SELECT = 1,	/* SelectWithValue (SBOw): check, do nothing yet */
	IEDD_CONTROL_OPERATE = 2,	/* carry it out */
	IEDD_CONTROL_CANCEL = 3,	/* a selection or a pending operate ends */
};
#define IEDD_CHECK_SYNCHRO 0x01		/* Check: synchrocheck asked for */
#define IEDD_CHECK_INTERLOCK 0x02	/* Check: interlock-check asked for */
struct iedd_command {
	uint8_t step;			/* enum iedd_control_step */
	struct iedd_value value;	/* ctlVal, converted to the map row's kind */
	uint8_t or_cat;			/* originator category (7-3 orCategory) */
	uint8_t or_ident[64];		/* originator identification ... */
	uint8_t or_ident_len;		/* ... of this many octets */
	uint8_t ctl_num;
	bool test;			/* a test command (Test=true) */
	uint8_t check;			/* IEDD_CHECK_* */
	uint64_t t_ns;			/* T: when the client issued it, UTC ns; 0 unknown */
};

struct iedd_source {
	uint32_t abi_version;	/* IEDD_SOURCE_ABI_VERSION */
	uint32_t struct_size;	/* sizeof(struct iedd_source) */
	const char *name;	/* short name, e.g. "modbus" */
	const char *version;	/* the plugin's own version */
	uint32_t flags;		/* IEDD_SOURCE_* */

	/* Creates an instance. Returns 0 and *ctx, or a negative errno with a
	 * message in err[errlen] naming the parameter and the fix. close() is
	 * never called after a failed open(). Runs once per <source> when
	 * iedd starts (iedd has no reload yet: SIGHUP is ignored). With
	 * IEDD_HOST_CHECK in host->flags (IEDD_SOURCE_CHECK plugins only) it
	 * checks every parameter as usual but touches nothing outside the
	 * process. */
	int (*open)(const struct iedd_param *params, size_t n_params, const struct iedd_host *host,
		    void **ctx, char *err, size_t errlen);
	void (*close)(void *ctx);

	/* Parses and checks a map address ("40001:f32:abcd", "sine:period=10")
	 * once at start, for a value of kind `kind`; returns 0 and an opaque
	 * *point, or a negative errno with a message. writable tells whether the
	 * map row may write. Points live until close(). */
	int (*resolve)(void *ctx, const char *address, enum iedd_kind kind, bool writable,
		       void **point, char *err, size_t errlen);

	/* Reads a batch: fills points[i].value for every i (quality INVALID
	 * with detail bits when a point could not be read). Returns 0, or a
	 * negative errno when the whole source is unreachable (then iedd marks
	 * every point invalid and calls read again at the next scan). */
	int (*read)(void *ctx, struct iedd_point *points, size_t n);

	/* Writes one value. 0, or a negative errno with a message. Optional
	 * (NULL: the source is read-only). The client's MMS Write is answered
	 * after this returns (for a blocking source too: the response waits
	 * for the source's thread), and a failure becomes the item's
	 * DataAccessError (ISO 9506-2) and a log line with the message:
	 *   -EAGAIN -EBUSY -ETIMEDOUT -ENOTCONN -ECONNREFUSED -ECONNRESET
	 *   -EHOSTUNREACH -ENETUNREACH -EPIPE     temporarily-unavailable (2)
	 *   -EINVAL -ERANGE -EDOM -EOVERFLOW      object-value-invalid (11)
	 *   -EACCES -EPERM -EROFS                 object-access-denied (3)
	 *   -EOPNOTSUPP                           object-access-unsupported (9)
	 *   anything else (-EIO, -ENXIO, ...)     hardware-fault (1)
	 * The model takes the written value only when the write succeeded. */
	int (*write)(void *ctx, void *point, const struct iedd_value *value, char *err,
		     size_t errlen);
	/* A command for `point` (the map row of Oper.ctlVal); only with
	 * IEDD_SOURCE_CONTROL. Called on the instance's thread like write(),
	 * and instead of write() for an operate: the plugin carries the
	 * command out (or starts it) itself. Returns 0 (accepted), a positive
	 * IEC 61850-7-2 AddCause to refuse it (10 Blocked-by-interlocking,
	 * 11 Blocked-by-synchrocheck, 9 Blocked-by-process, 7 Step-limit,
	 * 5 Position-reached, ...; the client gets LastApplError with it), or
	 * a negative errno with a message (write()'s table). iedd enforces the
	 * control model itself (ctlModel, selection, timeouts, Beh, Loc); the
	 * plugin answers for the plant: interlocking, synchrocheck, whether
	 * the command can be carried out. A blocking plugin's command is
	 * queued to its thread; the client's Write response to a select or
	 * an operate waits for the answer, as for write(). A cancel counts
	 * as done once queued (a cancelled command cannot be kept). */
	int (*control)(void *ctx, void *point, const struct iedd_command *cmd, char *err,
		       size_t errlen);
};

/* The one symbol a plugin exports. Declared with default visibility so a
 * plugin built with -fvisibility=hidden still exports it. */
__attribute__((visibility("default"))) const struct iedd_source *iedd_source_descriptor(void);
#define IEDD_SOURCE_SYMBOL "iedd_source_descriptor"

/* Defines iedd_source_descriptor() returning a static descriptor with the
 * ABI version and struct size of this header filled in; the arguments are
 * the remaining designated initialisers:
 *
 *     IEDD_SOURCE_DEFINE(.name = "mysource", .version = "1.0",
 *                        .open = my_open, .close = my_close,
 *                        .resolve = my_resolve, .read = my_read);
 *
 * (C++ needs C++20 designated initialisers, in declaration order.)
 */
#define IEDD_SOURCE_DEFINE(...)                                                 \
	const struct iedd_source *iedd_source_descriptor(void)                 \
	{                                                                       \
		static const struct iedd_source iedd_source_descriptor_ = {     \
			.abi_version = IEDD_SOURCE_ABI_VERSION,                 \
			.struct_size = sizeof(struct iedd_source),              \
			__VA_ARGS__                                             \
		};                                                              \
		return &iedd_source_descriptor_;                                \
	}                                                                       \
	struct iedd_source /* takes the ';' after the macro (-Wpedantic) */

#ifdef __cplusplus
}
#endif
