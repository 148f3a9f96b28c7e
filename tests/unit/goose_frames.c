/* SPDX-License-Identifier: Apache-2.0 */
/* Writes GOOSE frames made by goose_encode for outside referees:
 *
 *   goose_frames PCAP [SEEDDIR]
 *
 * PCAP gets a classic pcap file (link type 1, Ethernet) of every frame; on
 * stdout one JSON object per frame says what was encoded, for
 * tests/integration/test_goose_codec.py to compare with what tshark
 * decodes. With SEEDDIR each frame is also written there as one file (the
 * seed corpus of tests/fuzz/fuzz_goose.c, tests/fuzz/corpus/goose/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "goose.h"

static FILE *pcap;
static const char *seeddir;
static unsigned count;

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void json_str(const char *k, const char *s)
{
	printf("\"%s\": ", k);
	if (!s) {
		printf("null, ");
		return;
	}
	printf("\"%s\", ", s);	/* visible ASCII without quotes or backslashes here */
}

static void emit(const char *name, const struct goose_frame *f)
{
	struct buf b;
	struct proto_err e = { 0 };
	char msg[200];

	buf_init(&b, 0, 0);
	if (goose_encode(f, &b, &e)) {
		fprintf(stderr, "goose_frames: %s: %s\n", name, proto_err_str(&e, msg, sizeof(msg)));
		exit(1);
	}
	uint8_t rec[16];
	put32le(rec, 1700000000u + count);
	put32le(rec + 4, 0);
	put32le(rec + 8, (uint32_t)b.len);
	put32le(rec + 12, (uint32_t)b.len);
	if (fwrite(rec, 1, 16, pcap) != 16 || fwrite(buf_data(&b), 1, b.len, pcap) != b.len) {
		fprintf(stderr, "goose_frames: write: %s\n", strerror(errno));
		exit(1);
	}
	if (seeddir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", seeddir, name);
		FILE *s = fopen(path, "wb");
		if (!s || fwrite(buf_data(&b), 1, b.len, s) != b.len || fclose(s)) {
			fprintf(stderr, "goose_frames: %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	printf("{\"name\": \"%s\", \"len\": %zu, ", name, b.len);
	json_str("gocbRef", f->gocb_ref);
	json_str("datSet", f->dat_set);
	json_str("goID", f->go_id);
	printf("\"appid\": %u, \"vlan\": %s, \"priority\": %u, \"vid\": %u, \"simbit\": %s, "
	       "\"tal\": %u, \"stNum\": %u, \"sqNum\": %u, \"test\": %s, \"confRev\": %u, "
	       "\"ndsCom\": %s, \"n\": %u}\n",
	       f->appid, f->vlan ? "true" : "false", f->priority, f->vid,
	       f->simulation ? "true" : "false", f->tal_ms, f->st_num, f->sq_num,
	       f->test ? "true" : "false", f->conf_rev, f->nds_com ? "true" : "false",
	       f->n_entries);
	count++;
	buf_clear(&b);
}

/* Ten members, one of each kind a data set carries: stVal, q, t of an SPS;
 * a Dbpos; INT32; INT32U; FLOAT32; an octet string; a visible string; a
 * structure (an MV's mag.f, q, t) with an array and a binary-time inside. */
static size_t ten_members(struct buf *d)
{
	static const uint8_t q[2] = { 0x00, 0x00 }, dbpos[1] = { 0x80 };
	struct ber_utctime t = { .secs = 1700000000u, .frac = 0x400000, .quality = 0x0A };
	buf_reset(d, 0);
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
	size_t arr = ber_begin(d, BER_CONTEXT | BER_CONSTRUCTED, 1);
	for (int i = 0; i < 3; i++)
		ber_put_int(d, BER_CONTEXT, 5, i);
	ber_end(d, arr);
	ber_put_raw(d, BER_CONTEXT, 12, "\x02\x00\x00\x00\x3A\x5B", 6);
	ber_end(d, m);
	return 10;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s PCAP [SEEDDIR]\n", argv[0]);
		return 2;
	}
	pcap = fopen(argv[1], "wb");
	if (!pcap) {
		fprintf(stderr, "goose_frames: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	seeddir = argc == 3 ? argv[2] : NULL;
	uint8_t hdr[24] = { 0 };
	put32le(hdr, 0xA1B2C3D4u);
	hdr[4] = 2;	/* version 2.4 */
	hdr[6] = 4;
	put32le(hdr + 16, 65535);	/* snaplen */
	put32le(hdr + 20, 1);	/* LINKTYPE_ETHERNET */
	if (fwrite(hdr, 1, 24, pcap) != 24)
		return 1;

	struct buf d;
	buf_init(&d, 0, 0);
	size_t n = ten_members(&d);
	if (d.err)
		return 1;

	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 },
		.src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		.vlan = true, .priority = 4, .vid = 5, .appid = 0x3001,
		.gocb_ref = "IED1LD0/LLN0$GO$gcb1", .dat_set = "IED1LD0/LLN0$DS1", .go_id = "gcb1",
		.tal_ms = 2000, .t = { 0x65, 0x53, 0xF1, 0x00, 0x40, 0x00, 0x00, 0x0A },
		.st_num = 1, .sq_num = 0, .conf_rev = 1, .n_entries = (uint32_t)n,
		.all_data = buf_data(&d), .all_data_len = d.len,
	};
	emit("ten_members_vlan", &f);

	f.vlan = false;
	f.go_id = NULL;
	f.st_num = 17;
	f.sq_num = 4242;
	f.tal_ms = 40;
	emit("untagged_no_goid", &f);

	f.vlan = true;
	f.go_id = "gcb1";
	f.simulation = true;
	f.test = true;
	f.reserved1 = 0;
	emit("ed2_simulation", &f);

	f.simulation = false;
	f.test = true;	/* Ed.1 test flag, no simulation bit */
	f.nds_com = true;
	f.priority = 0;
	f.vid = 0;	/* priority-tagged */
	emit("ed1_test_priority_tagged", &f);

	char ref[GOOSE_MAX_STRING + 1];
	memset(ref, 'R', GOOSE_MAX_STRING);
	ref[GOOSE_MAX_STRING] = 0;
	struct buf big;
	buf_init(&big, 0, 0);
	for (int i = 0; i < 60; i++) {
		size_t m = ber_begin(&big, BER_CONTEXT | BER_CONSTRUCTED, 2);
		ber_put_bool(&big, BER_CONTEXT, 3, i & 1);
		ber_put_bitstring(&big, BER_CONTEXT, 4, (const uint8_t *)"\0\0", 13);
		ber_put_float32(&big, BER_CONTEXT, 7, (float)i);
		ber_end(&big, m);
	}
	struct goose_frame w = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x01, 0xFF },
		.src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
		.vlan = true, .priority = 7, .vid = 4095, .appid = 0x3FFF,
		.gocb_ref = ref, .dat_set = ref, .go_id = ref,
		.tal_ms = 0xFFFFFFFFu, .st_num = 0xFFFFFFFFu, .sq_num = 0x80000000u,
		.conf_rev = 0x7FFFFFFFu, .n_entries = 60,
		.all_data = buf_data(&big), .all_data_len = big.len,
	};
	emit("widest_values", &w);

	static const uint8_t none[1];
	struct goose_frame z = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x00 }, .appid = 0,
		.gocb_ref = "", .dat_set = "", .all_data = none,
	};
	emit("smallest", &z);

	buf_clear(&d);
	buf_clear(&big);
	return fclose(pcap) ? 1 : 0;
}
