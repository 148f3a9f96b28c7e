/* SPDX-License-Identifier: Apache-2.0 */
/* A mock blocking source for tests/pvrt: read() sleeps `delay_ms` (to show
 * that a stalled source does not delay MMS traffic) and then returns a
 * counter that grows by one per read; write() stores the value, which the
 * next read returns, and refuses negative values and values of a million
 * or more with EIO (a device error the client must see). Addresses: any
 * text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iedd/source.h>

struct slow {
	long delay_ms;
	int64_t count;
};

static int slow_open(const struct iedd_param *params, size_t n, const struct iedd_host *host,
		     void **ctx, char *err, size_t errlen)
{
	(void)host;
	struct slow *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(params[i].name, "delay_ms")) {
			s->delay_ms = atol(params[i].value);
		} else {
			snprintf(err, errlen, "unknown parameter '%s'", params[i].name);
			free(s);
			return -EINVAL;
		}
	}
	*ctx = s;
	return 0;
}

static void slow_close(void *ctx)
{
	free(ctx);
}

static int slow_resolve(void *ctx, const char *address, enum iedd_kind kind, bool writable,
			void **point, char *err, size_t errlen)
{
	(void)address;
	(void)writable;
	if (kind != IEDD_KIND_INT && kind != IEDD_KIND_UINT && kind != IEDD_KIND_FLOAT) {
		snprintf(err, errlen, "only numbers");
		return -EINVAL;
	}
	*point = ctx;
	return 0;
}

static int slow_read(void *ctx, struct iedd_point *points, size_t n)
{
	struct slow *s = ctx;
	struct timespec ts = { s->delay_ms / 1000, (s->delay_ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	s->count++;
	for (size_t i = 0; i < n; i++) {
		points[i].value.kind = IEDD_KIND_INT;
		points[i].value.quality = IEDD_Q_GOOD;
		points[i].value.v.i = s->count;
	}
	return 0;
}

static int slow_write(void *ctx, void *point, const struct iedd_value *v, char *err,
		      size_t errlen)
{
	struct slow *s = ctx;
	(void)point;
	if ((v->kind == IEDD_KIND_INT && (v->v.i < 0 || v->v.i >= 1000000)) ||
	    (v->kind == IEDD_KIND_UINT && v->v.u >= 1000000)) {
		snprintf(err, errlen, "the device refuses values outside 0..999999");
		return -EIO;
	}
	s->count = v->kind == IEDD_KIND_INT ? v->v.i : (int64_t)v->v.u;
	return 0;
}

IEDD_SOURCE_DEFINE(.name = "slow", .version = "1", .flags = IEDD_SOURCE_BLOCKING,
		   .open = slow_open, .close = slow_close, .resolve = slow_resolve,
		   .read = slow_read, .write = slow_write);
