/* SPDX-License-Identifier: Apache-2.0 */
/* Micro-benchmark of the GOOSE frame codec (daemon/proto/goose.c) on a
 * 10-member data set (SPS stVal/q/t, a Dbpos, INT32, INT32U, FLOAT32, an
 * octet string, a visible string, an MV-like structure): ns per frame for
 * goose_decode, goose_encode and goose_patch, best of five runs.
 *
 *   <builddir>/tests/unit/goose_bench [ITERATIONS]     (default 1000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ber.h"
#include "goose.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void members(struct buf *d)
{
	static const uint8_t q[2], dbpos[1] = { 0x80 };
	struct ber_utctime t = { .secs = 1700000000u, .frac = 0x400000, .quality = 0x0A };
	ber_put_bool(d, BER_CONTEXT, 3, true);
	ber_put_bitstring(d, BER_CONTEXT, 4, q, 13);
	ber_put_utctime(d, BER_CONTEXT, 17, &t);
	ber_put_bitstring(d, BER_CONTEXT, 4, dbpos, 2);
	ber_put_int(d, BER_CONTEXT, 5, -123456);
	ber_put_uint(d, BER_CONTEXT, 6, 4000000000u);
	ber_put_float32(d, BER_CONTEXT, 7, 50.125f);
	ber_put_raw(d, BER_CONTEXT, 9, "\x01\x02\x03\x04", 4);
	ber_put_str(d, BER_CONTEXT, 10, "breaker 1");
	size_t m = ber_begin(d, BER_CONTEXT | BER_CONSTRUCTED, 2);
	size_t mag = ber_begin(d, BER_CONTEXT | BER_CONSTRUCTED, 2);
	ber_put_float32(d, BER_CONTEXT, 7, 230.5f);
	ber_end(d, mag);
	ber_put_bitstring(d, BER_CONTEXT, 4, q, 13);
	ber_put_utctime(d, BER_CONTEXT, 17, &t);
	ber_end(d, m);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 1000000;
	struct buf d, b;
	struct proto_err e;
	char msg[200];

	if (iters <= 0)
		iters = 1000000;
	buf_init(&d, 0, 0);
	buf_init(&b, 0, 0);
	members(&d);
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 },
		.src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		.vlan = true, .priority = 4, .vid = 5, .appid = 0x3001,
		.gocb_ref = "IED1LD0/LLN0$GO$gcb1", .dat_set = "IED1LD0/LLN0$DS1", .go_id = "gcb1",
		.tal_ms = 2000, .st_num = 1, .sq_num = 0, .conf_rev = 1, .n_entries = 10,
		.all_data = buf_data(&d), .all_data_len = d.len,
	};
	if (d.err || goose_encode(&f, &b, &e)) {
		fprintf(stderr, "goose_bench: %s\n", proto_err_str(&e, msg, sizeof(msg)));
		return 1;
	}
	size_t len = b.len;
	uint8_t *frame = malloc(len);
	if (!frame)
		return 1;
	memcpy(frame, buf_data(&b), len);

	double best_dec = 1e30, best_enc = 1e30, best_patch = 1e30;
	volatile uint32_t sink = 0;
	for (int run = 0; run < 5; run++) {
		struct goose_frame g;
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			if (goose_decode(frame, len, &g, NULL))
				return 1;
			sink += g.sq_num;
		}
		double t1 = now_ns();
		for (long i = 0; i < iters; i++) {
			buf_reset(&b, 0);
			f.sq_num = (uint32_t)i & 0x7F;
			if (goose_encode(&f, &b, NULL))
				return 1;
		}
		double t2 = now_ns();
		uint8_t t[8] = { 0 };
		for (long i = 0; i < iters; i++) {
			t[3] = (uint8_t)i;
			if (goose_patch(frame, len, 2000, t, 1, (uint32_t)i & 0x7F))
				return 1;
		}
		double t3 = now_ns();
		if ((t1 - t0) / (double)iters < best_dec)
			best_dec = (t1 - t0) / (double)iters;
		if ((t2 - t1) / (double)iters < best_enc)
			best_enc = (t2 - t1) / (double)iters;
		if ((t3 - t2) / (double)iters < best_patch)
			best_patch = (t3 - t2) / (double)iters;
	}
	printf("GOOSE frame of %zu octets, 10 members, %ld iterations, best of 5:\n", len, iters);
	printf("  decode  %7.1f ns/frame  (%.0f frames/s)\n", best_dec, 1e9 / best_dec);
	printf("  encode  %7.1f ns/frame  (%.0f frames/s)\n", best_enc, 1e9 / best_enc);
	printf("  patch   %7.1f ns/frame  (%.0f frames/s)\n", best_patch, 1e9 / best_patch);
	free(frame);
	buf_clear(&b);
	buf_clear(&d);
	return sink == 0xFFFFFFFFu;
}
