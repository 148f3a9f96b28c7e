/* SPDX-License-Identifier: Apache-2.0 */
/* Decoder error reports: which layer refused the input and why. */
#pragma once
#include <stddef.h>

/* Filled by a decoder that refuses its input. `layer` is a static string
 * ("tpkt", "cotp", "session", "presentation", "acse", "mms", "ber");
 * `reason` is a short human sentence. Callers may pass NULL when they do
 * not want the detail. */
struct proto_err {
	const char *layer;
	char reason[128];
};

/* Records layer and reason (printf format) in `err` (may be NULL) and
 * returns -EBADMSG, so a decoder can `return proto_fail(...)`. */
int proto_fail(struct proto_err *err, const char *layer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "layer: reason" into `out` (always NUL-terminated); returns out. */
const char *proto_err_str(const struct proto_err *err, char *out, size_t n);

/* A layer that called the BER decoder claims its errors as its own, so the
 * message names the protocol layer ("acse: ...") rather than "ber". Returns r. */
int proto_relayer(struct proto_err *err, const char *layer, int r);
