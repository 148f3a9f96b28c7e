/* SPDX-License-Identifier: Apache-2.0 */
/* iedd source plugin: Modbus TCP and RTU through libmodbus.
 *
 * One instance talks to one Modbus server (TCP) or one slave on a serial
 * line (RTU). iedd gives the instance a thread of its own
 * (IEDD_SOURCE_BLOCKING) and calls every callback from it, so the instance
 * needs no lock. Parameters, address syntax and quality rules are in
 * doc/modbus.md.
 *
 * Connection handling, in the manner of collectd's read plugins: connect
 * lazily at the first read or write; on a connection error close, mark the
 * batch invalid, and try again no sooner than the back-off, which doubles
 * from backoff_min_ms to backoff_max_ms while attempts keep failing. During
 * the back-off read() returns at once. Complaints are logged when the state
 * changes (connected -> unreachable, point readable -> refused), not on
 * every scan.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include <modbus.h>

#include "iedd/source.h"
#include "mb_plan.h"
#include "mb_point.h"

#define MB_PLUGIN_VERSION "0.1.0"

enum mb_mode { MB_MODE_TCP, MB_MODE_RTU };

struct mb_pt {
	struct mb_addr a;
	uint8_t kind;		/* enum iedd_kind asked for at resolve */
	bool writable;
	/* An address exception (illegal data address/value) hit a request
	 * that merged this point with others: read it alone from now on. */
	bool solo;
	/* The error of this point's last read, 0 when it was read: logs are
	 * written when it changes, not on every scan. */
	int last_err;
	char text[];		/* the address as written in the map */
};

struct mb_ctx {
	struct iedd_host host;
	modbus_t *mb;
	char peer[192];		/* "127.0.0.1:502 unit 1", for messages */
	bool rtu;
	bool check;		/* IEDD_HOST_CHECK: iedd --check, never connect */
	unsigned timeout_ms;
	unsigned backoff_min_ms;
	unsigned backoff_max_ms;
	struct mb_plan_limits lim;

	bool connected;
	bool alive;		/* the device answered on this connection */
	bool down;		/* unreachable has been logged */
	unsigned fails;		/* consecutive failed connection attempts */
	unsigned backoff_ms;	/* the wait after the next failure */
	uint64_t next_try_ms;	/* CLOCK_MONOTONIC: no attempt before */

	struct mb_pt **pts;	/* every resolved point, freed in close() */
	size_t n_pts, cap_pts;
	struct mb_plan_item *items;	/* read() scratch */
	struct mb_req *reqs;
	size_t cap_scratch;
};

/* ---- small helpers ---- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 3, 4)))
static void mb_log(const struct mb_ctx *ctx, enum iedd_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx->host.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ctx->host.log(ctx->host.host_ctx, level, "modbus %s: %s", ctx->peer, msg);
}

static bool is_exception(int e)
{
	return (e > MODBUS_ENOBASE && e <= EMBXGTAR) || e == EMBBADEXC || e == EMBUNKEXC;
}

static int exception_code(int e)
{
	return e > MODBUS_ENOBASE && e <= EMBXGTAR ? e - MODBUS_ENOBASE : 0;
}

/* The peer closed a connection that had been working: worth one immediate
 * reconnect before declaring the source unreachable (many devices drop
 * idle connections). */
static bool is_stale(int e)
{
	return e == ECONNRESET || e == EPIPE || e == ENOTCONN || e == ECONNABORTED || e == EBADF;
}

/* libmodbus' own error numbers mean nothing to iedd's strerror. */
static int to_errno(int e)
{
	return e >= MODBUS_ENOBASE ? EPROTO : e;
}

static void set_invalid(struct iedd_value *v, uint64_t now_ns)
{
	/* IEC 61850-7-3 §6.2: validity invalid; detailQual failure: "a
	 * supervision function has detected an internal or external failure". */
	v->kind = IEDD_KIND_NONE;
	v->quality = IEDD_Q_INVALID | IEDD_Q_FAILURE;
	v->time_ns = now_ns;
}

static void fail_all(struct iedd_point *pts, size_t n)
{
	uint64_t now = real_ns();

	for (size_t i = 0; i < n; i++)
		set_invalid(&pts[i].value, now);
}

/* ---- connection ---- */

static void note_failure(struct mb_ctx *ctx, int e, const char *what)
{
	modbus_close(ctx->mb);
	ctx->connected = false;
	ctx->alive = false;
	ctx->next_try_ms = mono_ms() + ctx->backoff_ms;
	ctx->fails++;
	if (!ctx->down) {
		mb_log(ctx, IEDD_LOG_WARNING, "%s: %s; the source's points are invalid, next attempt in %u ms", what,
		       modbus_strerror(e), ctx->backoff_ms);
		ctx->down = true;
	} else {
		mb_log(ctx, IEDD_LOG_DEBUG, "%s: %s (attempt %u); next attempt in %u ms", what,
		       modbus_strerror(e), ctx->fails, ctx->backoff_ms);
	}
	ctx->backoff_ms = ctx->backoff_ms > ctx->backoff_max_ms / 2 ? ctx->backoff_max_ms
								    : ctx->backoff_ms * 2;
}

static int do_connect(struct mb_ctx *ctx)
{
	/* iedd --check: a check connects nothing (iedd reads and writes
	 * nothing then either; this is the one place a connection starts) */
	if (ctx->check)
		return -ENOTCONN;
	if (modbus_connect(ctx->mb) == -1) {
		int e = errno;

		note_failure(ctx, e, "cannot connect");
		return -to_errno(e);
	}
	/* Two masters on one serial line garble each other's frames: take an
	 * advisory lock so a second instance on the same port (or a tool that
	 * locks likewise) is told so instead. */
	if (ctx->rtu && flock(modbus_get_socket(ctx->mb), LOCK_EX | LOCK_NB) == -1) {
		int e = errno == EWOULDBLOCK ? EBUSY : errno;

		note_failure(ctx, e, "serial port in use by another instance or program (one "
			     "instance per line)");
		return -e;
	}
	ctx->connected = true;
	mb_log(ctx, IEDD_LOG_DEBUG, "connection open");
	return 0;
}

/* The device answered (a value or an exception): the link works. The
 * back-off restarts only here, not at connect, so a peer that accepts
 * connections but never answers is still backed off from, and complained
 * about once. */
static void mark_alive(struct mb_ctx *ctx)
{
	if (ctx->alive)
		return;
	ctx->alive = true;
	if (ctx->down)
		mb_log(ctx, IEDD_LOG_NOTICE, "connected again after %u failed attempt%s", ctx->fails,
		       ctx->fails == 1 ? "" : "s");
	else
		mb_log(ctx, IEDD_LOG_INFO, "connected");
	ctx->down = false;
	ctx->fails = 0;
	ctx->backoff_ms = ctx->backoff_min_ms;
}

/* 0 when connected (*fresh set when it connected just now), or a negative
 * errno: -ENOTCONN at once while the back-off runs. */
static int ensure_connected(struct mb_ctx *ctx, bool *fresh)
{
	if (ctx->connected)
		return 0;
	if (mono_ms() < ctx->next_try_ms)
		return -ENOTCONN;
	*fresh = true;
	return do_connect(ctx);
}

/* ---- reads ---- */

static int issue_read(struct mb_ctx *ctx, const struct mb_req *r, uint16_t *regs, uint8_t *bits)
{
	int rc = -1;

	switch (r->table) {
	case MB_COIL:
		rc = modbus_read_bits(ctx->mb, r->start, r->count, bits);
		break;
	case MB_DI:
		rc = modbus_read_input_bits(ctx->mb, r->start, r->count, bits);
		break;
	case MB_HR:
		rc = modbus_read_registers(ctx->mb, r->start, r->count, regs);
		break;
	case MB_IR:
		rc = modbus_read_input_registers(ctx->mb, r->start, r->count, regs);
		break;
	}
	if (rc == r->count)
		return 0;
	return rc < 0 ? -errno : -EMBBADDATA;
}

static struct mb_pt *item_pt(const struct iedd_point *pts, const struct mb_plan_item *it)
{
	return pts[it->index].point;
}

static void describe_req(const struct mb_req *r, char *buf, size_t len)
{
	if (r->count == 1)
		snprintf(buf, len, "%s:%u", mb_table_name((enum mb_table)r->table),
			 (unsigned)r->start);
	else
		snprintf(buf, len, "%s:%u..%u", mb_table_name((enum mb_table)r->table),
			 (unsigned)r->start, (unsigned)r->start + r->count - 1u);
}

static int run_req(struct mb_ctx *ctx, const struct mb_req *r, struct iedd_point *pts, bool *fresh);

/* An exception response: the device is there, these points are not. */
static int on_exception(struct mb_ctx *ctx, const struct mb_req *r, struct iedd_point *pts,
			bool *fresh, int e)
{
	const struct mb_plan_item *items = ctx->items;
	int code = exception_code(e);
	char where[40];

	describe_req(r, where, sizeof where);
	if (r->n > 1 && (code == MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS ||
			 code == MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE)) {
		/* The merged range may cross a hole in the device's map: find
		 * out which points the device refuses by reading each alone. */
		mb_log(ctx, IEDD_LOG_DEBUG, "%s: %s; reading its %zu points one by one from now on", where,
		       modbus_strerror(e), r->n);
		for (size_t j = r->first; j < r->first + r->n; j++)
			item_pt(pts, &items[j])->solo = true;
		for (size_t j = r->first; j < r->first + r->n; j++) {
			struct mb_req one = {
				.table = items[j].table,
				.start = items[j].addr,
				.count = items[j].width,
				.first = j,
				.n = 1,
			};
			int rc = run_req(ctx, &one, pts, fresh);

			if (rc < 0)
				return rc;
		}
		return 0;
	}

	uint64_t now = real_ns();
	const struct mb_pt *changed = NULL;
	size_t n_changed = 0;

	for (size_t j = r->first; j < r->first + r->n; j++) {
		struct mb_pt *pt = item_pt(pts, &items[j]);

		set_invalid(&pts[items[j].index].value, now);
		if (pt->last_err != e) {
			pt->last_err = e;
			changed = pt;
			n_changed++;
		}
	}
	if (n_changed == 1 && r->n == 1)
		mb_log(ctx, IEDD_LOG_WARNING, "%s (%s): the device answers exception %d (%s); the point is "
		       "invalid until it answers", changed->text,
		       mb_type_name((enum mb_type)changed->a.type), code, modbus_strerror(e));
	else if (n_changed > 0)
		mb_log(ctx, IEDD_LOG_WARNING, "%s (%zu points): the device answers exception %d (%s); the "
		       "points are invalid until it answers", where, r->n, code,
		       modbus_strerror(e));
	return 0;
}

static void decode_req(struct mb_ctx *ctx, const struct mb_req *r, struct iedd_point *pts,
		       const uint16_t *regs, const uint8_t *bits)
{
	const struct mb_plan_item *items = ctx->items;
	uint64_t now = real_ns();
	const struct mb_pt *back = NULL;
	size_t n_back = 0;

	for (size_t j = r->first; j < r->first + r->n; j++) {
		struct mb_pt *pt = item_pt(pts, &items[j]);
		struct iedd_value *v = &pts[items[j].index].value;
		unsigned off = (unsigned)items[j].addr - r->start;
		struct mb_num num;

		if (pt->a.type == MB_BOOL) {
			num.kind = IEDD_KIND_BOOL;
			num.v.u = bits[off] != 0;
		} else {
			mb_decode_regs(&pt->a, regs + off, &num);
		}
		mb_num_to_value(&num, (enum iedd_kind)pt->kind, v);
		v->time_ns = now;
		if (pt->last_err) {
			pt->last_err = 0;
			back = pt;
			n_back++;
		}
	}
	if (n_back == 1) {
		mb_log(ctx, IEDD_LOG_NOTICE, "%s: readable again", back->text);
	} else if (n_back > 1) {
		char where[40];

		describe_req(r, where, sizeof where);
		mb_log(ctx, IEDD_LOG_NOTICE, "%s: %zu points readable again", where, n_back);
	}
}

static int run_req(struct mb_ctx *ctx, const struct mb_req *r, struct iedd_point *pts, bool *fresh)
{
	uint16_t regs[MODBUS_MAX_READ_REGISTERS];
	uint8_t bits[MODBUS_MAX_READ_BITS];
	int rc;

	for (;;) {
		rc = issue_read(ctx, r, regs, bits);
		if (rc == 0) {
			mark_alive(ctx);
			break;
		}
		if (is_exception(-rc)) {
			mark_alive(ctx);
			return on_exception(ctx, r, pts, fresh, -rc);
		}
		if (!*fresh && is_stale(-rc)) {
			modbus_close(ctx->mb);
			ctx->connected = false;
			ctx->alive = false;
			*fresh = true;
			mb_log(ctx, IEDD_LOG_DEBUG, "connection closed by the peer (%s); reconnecting",
			       modbus_strerror(-rc));
			rc = do_connect(ctx);
			if (rc < 0)
				return rc;
			continue;
		}
		char where[40], what[80];

		describe_req(r, where, sizeof where);
		snprintf(what, sizeof what, "reading %s", where);
		note_failure(ctx, -rc, what);
		return -to_errno(-rc);
	}
	decode_req(ctx, r, pts, regs, bits);
	return 0;
}

static int grow_scratch(struct mb_ctx *ctx, size_t n)
{
	if (n <= ctx->cap_scratch)
		return 0;

	size_t cap = ctx->cap_scratch ? ctx->cap_scratch : 16;

	while (cap < n)
		cap *= 2;
	struct mb_plan_item *items = realloc(ctx->items, cap * sizeof *items);

	if (!items)
		return -ENOMEM;
	ctx->items = items;
	struct mb_req *reqs = realloc(ctx->reqs, cap * sizeof *reqs);

	if (!reqs)
		return -ENOMEM;
	ctx->reqs = reqs;
	ctx->cap_scratch = cap;
	return 0;
}

static int mb_read(void *vctx, struct iedd_point *pts, size_t n)
{
	struct mb_ctx *ctx = vctx;
	bool fresh = false;
	int rc;

	if (n == 0)
		return 0;
	rc = grow_scratch(ctx, n);
	if (rc == 0)
		rc = ensure_connected(ctx, &fresh);
	if (rc < 0) {
		fail_all(pts, n);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mb_pt *pt = pts[i].point;

		ctx->items[i] = (struct mb_plan_item){
			.table = pt->a.table,
			.width = pt->a.width,
			.solo = pt->solo,
			.addr = pt->a.addr,
			.index = i,
		};
	}
	size_t nr = mb_plan(ctx->items, n, &ctx->lim, ctx->reqs);

	for (size_t r = 0; r < nr; r++) {
		rc = run_req(ctx, &ctx->reqs[r], pts, &fresh);
		if (rc < 0) {
			/* The whole source is unreachable: every point of the
			 * batch, also those read before, is invalid. */
			fail_all(pts, n);
			return rc;
		}
	}
	return 0;
}

/* ---- writes ---- */

static int exception_errno(int e)
{
	switch (exception_code(e)) {
	case MODBUS_EXCEPTION_ILLEGAL_FUNCTION:
		return EOPNOTSUPP;
	case MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS:
		return ENXIO;
	case MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE:
		return EINVAL;
	case MODBUS_EXCEPTION_SLAVE_OR_SERVER_BUSY:
		return EBUSY;
	default:
		return EIO;
	}
}

static int mb_write(void *vctx, void *vpt, const struct iedd_value *value, char *err,
		    size_t errlen)
{
	struct mb_ctx *ctx = vctx;
	const struct mb_pt *pt = vpt;
	uint16_t regs[4] = { 0 };
	bool bit = false, fresh = false;
	int rc;

	if (!pt->writable) {
		snprintf(err, errlen, "modbus address '%s' was resolved read-only", pt->text);
		return -EPERM;
	}
	rc = mb_encode(&pt->a, pt->text, value, regs, &bit, err, errlen);
	if (rc < 0)
		return rc;
	rc = ensure_connected(ctx, &fresh);
	if (rc == -ENOTCONN) {
		uint64_t now = mono_ms();

		snprintf(err, errlen, "%s not written: modbus %s is unreachable; next connection "
			 "attempt in %" PRIu64 " ms", pt->text, ctx->peer,
			 ctx->next_try_ms > now ? ctx->next_try_ms - now : 0);
		return rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s not written: cannot connect to modbus %s: %s", pt->text,
			 ctx->peer, strerror(-rc));
		return rc;
	}
	for (;;) {
		if (pt->a.table == MB_COIL)
			rc = modbus_write_bit(ctx->mb, pt->a.addr, bit ? 1 : 0);
		else if (pt->a.width == 1)
			rc = modbus_write_register(ctx->mb, pt->a.addr, regs[0]);
		else
			rc = modbus_write_registers(ctx->mb, pt->a.addr, pt->a.width, regs);
		if (rc == (pt->a.table == MB_COIL || pt->a.width == 1 ? 1 : pt->a.width)) {
			mark_alive(ctx);
			return 0;
		}

		int e = rc < 0 ? errno : EMBBADDATA;

		if (is_exception(e)) {
			mark_alive(ctx);
			snprintf(err, errlen, "%s not written: modbus %s refused it: %s "
				 "(exception %d)", pt->text, ctx->peer, modbus_strerror(e),
				 exception_code(e));
			return -exception_errno(e);
		}
		/* Coil and register writes set a value: repeating one on a
		 * new connection is safe. */
		if (!fresh && is_stale(e)) {
			modbus_close(ctx->mb);
			ctx->connected = false;
			ctx->alive = false;
			fresh = true;
			rc = do_connect(ctx);
			if (rc == 0)
				continue;
			snprintf(err, errlen, "%s not written: modbus %s closed the connection and "
				 "a new one failed: %s", pt->text, ctx->peer, strerror(-rc));
			return rc;
		}
		char what[96];

		snprintf(what, sizeof what, "writing %s", pt->text);
		note_failure(ctx, e, what);
		snprintf(err, errlen, "%s not written: modbus %s: %s", pt->text, ctx->peer,
			 modbus_strerror(e));
		return -to_errno(e);
	}
}

/* ---- resolve ---- */

static int mb_resolve(void *vctx, const char *address, enum iedd_kind kind, bool writable,
		      void **point, char *err, size_t errlen)
{
	struct mb_ctx *ctx = vctx;
	struct mb_addr a;
	int rc;

	rc = mb_addr_parse(address, &a, err, errlen);
	if (rc == 0)
		rc = mb_addr_check(&a, address, kind, writable, err, errlen);
	if (rc < 0)
		return rc;
	bool bits = a.table == MB_COIL || a.table == MB_DI;

	if (!bits && a.width > ctx->lim.max_regs) {
		snprintf(err, errlen, "modbus address '%s': a %s needs %u registers in one "
			 "request, but the instance has max_batch=%u", address,
			 mb_type_name((enum mb_type)a.type), (unsigned)a.width,
			 (unsigned)ctx->lim.max_regs);
		return -EINVAL;
	}
	if (ctx->n_pts == ctx->cap_pts) {
		size_t cap = ctx->cap_pts ? 2 * ctx->cap_pts : 16;
		struct mb_pt **p = realloc(ctx->pts, cap * sizeof *p);

		if (!p) {
			snprintf(err, errlen, "modbus address '%s': out of memory", address);
			return -ENOMEM;
		}
		ctx->pts = p;
		ctx->cap_pts = cap;
	}
	size_t len = strlen(address);
	struct mb_pt *pt = calloc(1, sizeof *pt + len + 1);

	if (!pt) {
		snprintf(err, errlen, "modbus address '%s': out of memory", address);
		return -ENOMEM;
	}
	pt->a = a;
	pt->kind = (uint8_t)kind;
	pt->writable = writable;
	memcpy(pt->text, address, len + 1);
	ctx->pts[ctx->n_pts++] = pt;
	*point = pt;
	return 0;
}

/* ---- open / close ---- */

static const char *const mb_param_names[] = {
	"mode", "host", "port", "unit", "device", "baud", "parity", "data_bits", "stop_bits",
	"timeout_ms", "max_batch", "max_batch_bits", "max_gap", "max_gap_bits",
	"backoff_min_ms", "backoff_max_ms",
};

static const char *param(const struct iedd_param *params, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (params[i].name && strcmp(params[i].name, name) == 0)
			return params[i].value ? params[i].value : "";
	return NULL;
}

/* An unsigned decimal parameter in [min, max], `def` when absent. */
static int param_uint(const struct iedd_param *params, size_t n, const char *name,
		      unsigned long def, unsigned long min, unsigned long max, const char *what,
		      unsigned long *out, char *err, size_t errlen)
{
	const char *s = param(params, n, name);
	char *end;

	if (!s) {
		*out = def;
		return 0;
	}
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);

	if (s[0] < '0' || s[0] > '9' || *end || errno || v < min || v > max) {
		snprintf(err, errlen, "modbus: parameter %s=\"%s\": expected %s, an integer "
			 "%lu..%lu", name, s, what, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int check_names(const struct iedd_param *params, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = params[i].name ? params[i].name : "";
		size_t k;

		for (k = 0; k < sizeof mb_param_names / sizeof mb_param_names[0]; k++)
			if (strcmp(name, mb_param_names[k]) == 0)
				break;
		if (k == sizeof mb_param_names / sizeof mb_param_names[0]) {
			snprintf(err, errlen, "modbus: unknown parameter \"%s\"; known: mode, host, "
				 "port, unit, device, baud, parity, data_bits, stop_bits, "
				 "timeout_ms, max_batch, max_batch_bits, max_gap, max_gap_bits, "
				 "backoff_min_ms, backoff_max_ms", name);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (params[j].name && strcmp(params[j].name, name) == 0) {
				snprintf(err, errlen, "modbus: parameter %s is given twice; keep one",
					 name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int not_for_mode(const struct iedd_param *params, size_t n, const char *const *names,
			size_t nn, const char *mode, char *err, size_t errlen)
{
	for (size_t i = 0; i < nn; i++) {
		if (param(params, n, names[i])) {
			snprintf(err, errlen, "modbus: parameter %s does not apply to mode=%s; "
				 "remove it or set mode=%s", names[i], mode,
				 strcmp(mode, "tcp") == 0 ? "rtu" : "tcp");
			return -EINVAL;
		}
	}
	return 0;
}

static int open_tcp(struct mb_ctx *ctx, const struct iedd_param *params, size_t n, char *err,
		    size_t errlen)
{
	static const char *const rtu_only[] = { "device", "baud", "parity", "data_bits",
						"stop_bits" };
	const char *host = param(params, n, "host");
	unsigned long port, unit;
	char service[8];
	int rc;

	rc = not_for_mode(params, n, rtu_only, sizeof rtu_only / sizeof rtu_only[0], "tcp", err,
			  errlen);
	if (rc < 0)
		return rc;
	if (!host || !host[0]) {
		snprintf(err, errlen, "modbus: mode=tcp needs parameter host (the server's "
			 "address, e.g. 192.0.2.10)");
		return -EINVAL;
	}
	rc = param_uint(params, n, "port", 502, 1, 65535, "the server's TCP port", &port, err,
			errlen);
	if (rc == 0)
		rc = param_uint(params, n, "unit", 1, 0, 255, "the unit identifier", &unit, err,
				errlen);
	if (rc < 0)
		return rc;
	if (unit > 247 && unit != 255) {
		snprintf(err, errlen, "modbus: parameter unit=%lu: expected 0..247 or 255", unit);
		return -EINVAL;
	}
	snprintf(service, sizeof service, "%lu", port);
	ctx->mb = modbus_new_tcp_pi(host, service);
	if (!ctx->mb) {
		snprintf(err, errlen, "modbus: host=\"%s\" port=%lu: %s", host, port,
			 modbus_strerror(errno));
		return -EINVAL;
	}
	if (strchr(host, ':'))
		snprintf(ctx->peer, sizeof ctx->peer, "[%s]:%lu unit %lu", host, port, unit);
	else
		snprintf(ctx->peer, sizeof ctx->peer, "%s:%lu unit %lu", host, port, unit);
	if (modbus_set_slave(ctx->mb, (int)unit) == -1) {
		snprintf(err, errlen, "modbus: unit=%lu: %s", unit, modbus_strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int open_rtu(struct mb_ctx *ctx, const struct iedd_param *params, size_t n, char *err,
		    size_t errlen)
{
	static const char *const tcp_only[] = { "host", "port" };
	const char *device = param(params, n, "device");
	const char *par = param(params, n, "parity");
	unsigned long baud, data_bits, stop_bits, unit;
	char parity = 'E';
	int rc;

	rc = not_for_mode(params, n, tcp_only, sizeof tcp_only / sizeof tcp_only[0], "rtu", err,
			  errlen);
	if (rc < 0)
		return rc;
	if (!device || !device[0]) {
		snprintf(err, errlen, "modbus: mode=rtu needs parameter device (the serial port, "
			 "e.g. /dev/ttyUSB0)");
		return -EINVAL;
	}
	rc = param_uint(params, n, "baud", 19200, 50, 4000000, "the line speed in bit/s", &baud,
			err, errlen);
	if (rc == 0)
		rc = param_uint(params, n, "data_bits", 8, 5, 8, "the data bits per character",
				&data_bits, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n, "stop_bits", 1, 1, 2, "the stop bits", &stop_bits, err,
				errlen);
	if (rc == 0)
		rc = param_uint(params, n, "unit", 1, 1, 247, "the slave address", &unit, err,
				errlen);
	if (rc < 0)
		return rc;
	if (par) {
		if (strcmp(par, "none") == 0 || strcmp(par, "N") == 0)
			parity = 'N';
		else if (strcmp(par, "even") == 0 || strcmp(par, "E") == 0)
			parity = 'E';
		else if (strcmp(par, "odd") == 0 || strcmp(par, "O") == 0)
			parity = 'O';
		else {
			snprintf(err, errlen, "modbus: parameter parity=\"%s\": expected none, even "
				 "or odd", par);
			return -EINVAL;
		}
	}
	ctx->mb = modbus_new_rtu(device, (int)baud, parity, (int)data_bits, (int)stop_bits);
	if (!ctx->mb) {
		snprintf(err, errlen, "modbus: device=\"%s\" baud=%lu: %s", device, baud,
			 modbus_strerror(errno));
		return -EINVAL;
	}
	snprintf(ctx->peer, sizeof ctx->peer, "%s unit %lu", device, unit);
	ctx->rtu = true;
	if (modbus_set_slave(ctx->mb, (int)unit) == -1) {
		snprintf(err, errlen, "modbus: unit=%lu: %s", unit, modbus_strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static void mb_close(void *vctx)
{
	struct mb_ctx *ctx = vctx;

	if (!ctx)
		return;
	if (ctx->mb) {
		modbus_close(ctx->mb);
		modbus_free(ctx->mb);
	}
	for (size_t i = 0; i < ctx->n_pts; i++)
		free(ctx->pts[i]);
	free(ctx->pts);
	free(ctx->items);
	free(ctx->reqs);
	free(ctx);
}

static int mb_open(const struct iedd_param *params, size_t n_params, const struct iedd_host *host,
		   void **out, char *err, size_t errlen)
{
	struct mb_ctx *ctx;
	const char *mode;
	unsigned long timeout, max_regs, max_bits, gap_regs, gap_bits, bo_min, bo_max;
	int rc;

	rc = check_names(params, n_params, err, errlen);
	if (rc < 0)
		return rc;
	rc = param_uint(params, n_params, "timeout_ms", 1000, 1, 600000,
			"the response timeout in ms", &timeout, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "max_batch", MODBUS_MAX_READ_REGISTERS, 1,
				MODBUS_MAX_READ_REGISTERS, "the registers per read request",
				&max_regs, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "max_batch_bits", MODBUS_MAX_READ_BITS, 1,
				MODBUS_MAX_READ_BITS, "the coils or inputs per read request",
				&max_bits, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "max_gap", 8, 0, MODBUS_MAX_READ_REGISTERS - 1,
				"the unused registers one request may span", &gap_regs, err,
				errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "max_gap_bits", 128, 0, MODBUS_MAX_READ_BITS - 1,
				"the unused bits one request may span", &gap_bits, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "backoff_min_ms", 500, 1, 3600000,
				"the first reconnection delay in ms", &bo_min, err, errlen);
	if (rc == 0)
		rc = param_uint(params, n_params, "backoff_max_ms", 30000, 1, 3600000,
				"the longest reconnection delay in ms", &bo_max, err, errlen);
	if (rc < 0)
		return rc;
	if (bo_max < bo_min) {
		snprintf(err, errlen, "modbus: backoff_max_ms=%lu is less than backoff_min_ms=%lu",
			 bo_max, bo_min);
		return -EINVAL;
	}
	mode = param(params, n_params, "mode");
	if (!mode)
		mode = "tcp";
	if (strcmp(mode, "tcp") != 0 && strcmp(mode, "rtu") != 0) {
		snprintf(err, errlen, "modbus: parameter mode=\"%s\": expected tcp or rtu", mode);
		return -EINVAL;
	}

	ctx = calloc(1, sizeof *ctx);
	if (!ctx) {
		snprintf(err, errlen, "modbus: out of memory");
		return -ENOMEM;
	}
	if (host) {
		ctx->host = *host;
		ctx->check = host->flags & IEDD_HOST_CHECK;
	}
	ctx->timeout_ms = (unsigned)timeout;
	ctx->backoff_min_ms = (unsigned)bo_min;
	ctx->backoff_max_ms = (unsigned)bo_max;
	ctx->backoff_ms = (unsigned)bo_min;
	ctx->lim = (struct mb_plan_limits){
		.max_regs = (uint16_t)max_regs,
		.max_bits = (uint16_t)max_bits,
		.gap_regs = (uint16_t)gap_regs,
		.gap_bits = (uint16_t)gap_bits,
	};
	if (strcmp(mode, "tcp") == 0)
		rc = open_tcp(ctx, params, n_params, err, errlen);
	else
		rc = open_rtu(ctx, params, n_params, err, errlen);
	if (rc < 0) {
		mb_close(ctx);
		return rc;
	}
	/* The timeout bounds connect() (TCP) and the wait for a response;
	 * between the bytes of one response allow as much, at most 500 ms. */
	modbus_set_response_timeout(ctx->mb, (uint32_t)(timeout / 1000),
				    (uint32_t)(timeout % 1000 * 1000));
	unsigned long bt = timeout < 500 ? timeout : 500;

	modbus_set_byte_timeout(ctx->mb, 0, (uint32_t)(bt * 1000));
	modbus_set_error_recovery(ctx->mb, MODBUS_ERROR_RECOVERY_NONE);
	*out = ctx;
	return 0;
}

static const struct iedd_source mb_source = {
	.abi_version = IEDD_SOURCE_ABI_VERSION,
	.struct_size = sizeof(struct iedd_source),
	.name = "modbus",
	.version = MB_PLUGIN_VERSION " (libmodbus " LIBMODBUS_VERSION_STRING ")",
	/* IEDD_SOURCE_CHECK: with IEDD_HOST_CHECK open() checks the
	 * parameters, resolve() the addresses, and nothing connects */
	.flags = IEDD_SOURCE_BLOCKING | IEDD_SOURCE_CHECK,
	.open = mb_open,
	.close = mb_close,
	.resolve = mb_resolve,
	.read = mb_read,
	.write = mb_write,
};

__attribute__((visibility("default")))
const struct iedd_source *iedd_source_descriptor(void)
{
	return &mb_source;
}
