/* SPDX-License-Identifier: Apache-2.0 */
/* iedd-source-example.so: a complete, small iedd source plugin to start
 * yours from. It serves values kept in text files, one value per file (the
 * way Linux sysfs does: /sys/class/thermal/thermal_zone0/temp), which makes
 * it useful as it is for a quick integration, and short enough to read in
 * one go. Build it out of tree with nothing but the SDK:
 *
 *     make                 # uses $(pkg-config --cflags iedd-source)
 *
 * and name it in a source of iedd.xml, by bare name ("example", once
 * installed into $(pkg-config --variable=plugindir iedd-source)) or by path,
 * with its parameters as <param name="dir" value="/run/site/values"/>.
 *
 * Parameters:  dir=DIR   the folder the addresses are in (default ".")
 * Address:     a file name inside DIR (no '/', not "." or ".."); the first
 *              line of the file is the value, parsed for the row's kind
 * Writes:      replace the file's content with the value and a newline
 *
 * What it shows: one exported descriptor (IEDD_SOURCE_DEFINE), all state in
 * the instance context (no globals), parameters checked in open() with
 * messages that name the parameter and the fix, addresses checked once in
 * resolve(), per-point quality in read() (a missing file is one invalid
 * point, not a failed batch), and ownership: iedd's strings are copied,
 * everything allocated here is freed in close(). File I/O may block (NFS,
 * a slow disk), so the descriptor says IEDD_SOURCE_BLOCKING and iedd gives
 * every instance a thread of its own. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iedd/source.h>

struct ex_point {
	struct ex_point *next;
	enum iedd_kind kind;
	char path[4096];
};

struct ex {
	char dir[4096];
	struct iedd_host host;	/* copied: the plugin keeps what it needs */
	struct ex_point *points;
};

static int ex_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ex_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int ex_open(const struct iedd_param *params, size_t n_params, const struct iedd_host *host,
		   void **ctx, char *err, size_t errlen)
{
	const char *dir = ".";
	for (size_t i = 0; i < n_params; i++) {
		if (!strcmp(params[i].name, "dir"))
			dir = params[i].value;
		else
			return ex_err(err, errlen, -EINVAL,
				      "unknown parameter \"%s\"; this plugin takes dir=DIR",
				      params[i].name);
	}
	struct ex *x = calloc(1, sizeof(*x));
	if (!x)
		return ex_err(err, errlen, -ENOMEM, "out of memory");
	if (snprintf(x->dir, sizeof(x->dir), "%s", dir) >= (int)sizeof(x->dir)) {
		free(x);	/* close() is never called after a failed open() */
		return ex_err(err, errlen, -ENAMETOOLONG, "parameter dir: path too long");
	}
	x->host = *host;
	if (x->host.log)	/* levels by name: IEDD_LOG_ERR .. IEDD_LOG_DEBUG */
		x->host.log(x->host.host_ctx, IEDD_LOG_DEBUG, "example: values are files in %s",
			    x->dir);
	*ctx = x;
	return 0;
}

static void ex_close(void *ctx)
{
	struct ex *x = ctx;
	while (x->points) {
		struct ex_point *p = x->points;
		x->points = p->next;
		free(p);
	}
	free(x);
}

static int ex_resolve(void *ctx, const char *address, enum iedd_kind kind, bool writable,
		      void **point, char *err, size_t errlen)
{
	struct ex *x = ctx;
	(void)writable;	/* any file may be written; a real plugin checks */
	if (!*address || strchr(address, '/') || !strcmp(address, ".") || !strcmp(address, ".."))
		return ex_err(err, errlen, -EINVAL,
			      "address \"%s\": expected a file name inside dir=%s (no '/')", address,
			      x->dir);
	if (kind < IEDD_KIND_BOOL || kind > IEDD_KIND_STRING)
		return ex_err(err, errlen, -EINVAL, "address \"%s\": unsupported kind %d", address,
			      (int)kind);
	struct ex_point *p = calloc(1, sizeof(*p));
	if (!p)
		return ex_err(err, errlen, -ENOMEM, "out of memory");
	if (snprintf(p->path, sizeof(p->path), "%s/%s", x->dir, address) >= (int)sizeof(p->path)) {
		free(p);
		return ex_err(err, errlen, -ENAMETOOLONG, "address \"%s\": path too long", address);
	}
	p->kind = kind;
	p->next = x->points;
	x->points = p;
	*point = p;
	return 0;
}

/* Parses text as a value of kind; false if it is not one. */
static bool ex_parse(const char *text, enum iedd_kind kind, struct iedd_value *v)
{
	char *end;
	errno = 0;
	switch (kind) {
	case IEDD_KIND_BOOL:
		if (!strcasecmp(text, "1") || !strcasecmp(text, "true"))
			v->v.b = true;
		else if (!strcasecmp(text, "0") || !strcasecmp(text, "false"))
			v->v.b = false;
		else
			return false;
		return true;
	case IEDD_KIND_INT:
		v->v.i = strtoll(text, &end, 10);
		break;
	case IEDD_KIND_UINT:
		if (text[0] == '-')
			return false;
		v->v.u = strtoull(text, &end, 10);
		break;
	case IEDD_KIND_FLOAT:
		v->v.f = strtod(text, &end);
		break;
	case IEDD_KIND_STRING:
		snprintf(v->v.s, sizeof(v->v.s), "%s", text);
		return true;
	default:
		return false;
	}
	return end != text && !*end && !errno;
}

static int ex_read(void *ctx, struct iedd_point *points, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		struct ex_point *p = points[i].point;
		struct iedd_value *v = &points[i].value;
		memset(v, 0, sizeof(*v));
		v->time_ns = 0;	/* "now": iedd stamps it */
		char line[IEDD_STRING_MAX];
		FILE *f = fopen(p->path, "r");
		if (!f) {
			v->quality = IEDD_Q_INVALID | IEDD_Q_FAILURE;	/* this point only */
			continue;
		}
		bool ok = fgets(line, sizeof(line), f) != NULL;
		fclose(f);
		line[strcspn(line, "\r\n")] = 0;
		if (ok && ex_parse(line, p->kind, v)) {
			v->kind = (uint8_t)p->kind;
			v->quality = IEDD_Q_GOOD;
		} else {
			v->quality = IEDD_Q_INVALID | IEDD_Q_INCONSISTENT;
		}
	}
	return 0;
}

static int ex_write(void *ctx, void *point, const struct iedd_value *value, char *err,
		    size_t errlen)
{
	(void)ctx;
	struct ex_point *p = point;
	FILE *f = fopen(p->path, "w");
	if (!f)
		return ex_err(err, errlen, -errno, "%s: %s", p->path, strerror(errno));
	switch (value->kind) {
	case IEDD_KIND_BOOL:
		fprintf(f, "%d\n", value->v.b ? 1 : 0);
		break;
	case IEDD_KIND_INT:
		fprintf(f, "%" PRId64 "\n", value->v.i);
		break;
	case IEDD_KIND_UINT:
		fprintf(f, "%" PRIu64 "\n", value->v.u);
		break;
	case IEDD_KIND_FLOAT:
		fprintf(f, "%.17g\n", value->v.f);
		break;
	case IEDD_KIND_STRING:
		fprintf(f, "%s\n", value->v.s);
		break;
	default:
		fclose(f);
		return ex_err(err, errlen, -EINVAL, "%s: no value to write", p->path);
	}
	if (fclose(f) != 0)
		return ex_err(err, errlen, -errno, "%s: %s", p->path, strerror(errno));
	return 0;
}

IEDD_SOURCE_DEFINE(.name = "example", .version = "1.0", .flags = IEDD_SOURCE_BLOCKING,
		   .open = ex_open, .close = ex_close, .resolve = ex_resolve, .read = ex_read,
		   .write = ex_write);
