/* SPDX-License-Identifier: Apache-2.0 */
#include "perr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int proto_fail(struct proto_err *err, const char *layer, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->layer = layer;
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

const char *proto_err_str(const struct proto_err *err, char *out, size_t n)
{
	if (!err || !err->layer)
		snprintf(out, n, "unknown error");
	else
		snprintf(out, n, "%s: %s", err->layer, err->reason);
	return out;
}

int proto_relayer(struct proto_err *err, const char *layer, int r)
{
	if (r && err && err->layer && !strcmp(err->layer, "ber"))
		err->layer = layer;
	return r;
}
