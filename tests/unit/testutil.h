/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the Check unit tests: byte-exact comparison with a hex
 * dump on failure, exact-size copies of inputs (so AddressSanitizer catches
 * a decoder that reads one octet too far), TPKT walking, and a TAP main. */
#pragma once
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cotp.h"

/* Hex of p[n] into one of two rotating static buffers, so a message can
 * show "got" and "expected" side by side. */
static inline const char *hex(const void *p, size_t n)
{
	static char out[2][3 * 600 + 8];
	static int which;
	char *s = out[which ^= 1];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < sizeof(out[0]) - 4; i++)
		k += (size_t)snprintf(s + k, sizeof(out[0]) - k, "%02X ", ((const uint8_t *)p)[i]);
	if (k + 4 >= sizeof(out[0]) - 4)
		k += (size_t)snprintf(s + k, sizeof(out[0]) - k, "...");
	s[k] = 0;
	return s;
}

/* Asserts that p[n] equals the array `exp` octet for octet. */
#define ck_assert_bytes(p, n, exp)                                                              \
	do {                                                                                    \
		const void *p_ = (p);                                                           \
		size_t n_ = (n);                                                                \
		ck_assert_msg(n_ == sizeof(exp) && !memcmp(p_, (exp), n_),                     \
			      "got      (%zu) %s\nexpected (%zu) %s", n_, hex(p_, n_), sizeof(exp), \
			      hex((exp), sizeof(exp)));                                         \
	} while (0)

/* The data of b, also when nothing was ever written (base is NULL then,
 * and NULL + 0 is undefined). */
static inline const uint8_t *bytes_of(const struct buf *b)
{
	return b->base ? buf_data(b) : (const uint8_t *)"";
}

#define ck_assert_buf(b, exp) ck_assert_bytes(bytes_of(b), (b)->len, exp)

/* Encodes with `stmt` into a fresh buffer named b (with headroom, as the
 * daemon's buffers have) and compares with the octets given. */
#define ENCODES(stmt, ...)                                                                      \
	do {                                                                                    \
		static const uint8_t exp_[] = { __VA_ARGS__ };                                  \
		struct buf b;                                                                   \
		buf_init(&b, 32, 0);                                                            \
		stmt;                                                                           \
		ck_assert_int_eq(b.err, 0);                                                     \
		ck_assert_buf(&b, exp_);                                                        \
		buf_clear(&b);                                                                  \
	} while (0)

/* A heap copy of exactly n octets (never NULL; n may be 0). */
static inline uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

/* Walks the TPKTs in p[n]: asserts that they frame the bytes exactly and
 * returns how many there are. If `last` is given it receives the offset of
 * the last one. */
static inline size_t tpkt_count(const uint8_t *p, size_t n, size_t *last)
{
	size_t off = 0, k = 0;
	while (off < n) {
		size_t len;
		ck_assert_int_eq(tpkt_header(p + off, n - off, 65535, &len, NULL), 0);
		ck_assert_msg(len <= n - off, "TPKT of %zu octets, %zu left", len, n - off);
		if (last)
			*last = off;
		off += len;
		k++;
	}
	return k;
}

/* One test runner per file; TAP on stdout for meson. */
#define TEST_MAIN(suite_fn)                                                                     \
	int main(void)                                                                          \
	{                                                                                       \
		SRunner *sr = srunner_create(suite_fn());                                       \
		srunner_set_tap(sr, "-");                                                       \
		srunner_run_all(sr, CK_SILENT);                                                 \
		int failed = srunner_ntests_failed(sr);                                         \
		srunner_free(sr);                                                               \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                    \
	}
