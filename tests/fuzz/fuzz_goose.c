/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as a GOOSE frame (daemon/proto/goose.c)
 * and as allData contents. A decoded frame's strings are bounded, its
 * allData lies inside the input and holds numDatSetEntries members; it is
 * encoded again and must decode to the same fields; goose_patch on a copy
 * either refuses or yields a frame that decodes to the patched values with
 * everything else unchanged. Any inconsistency is a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "goose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Every field both frames carry, header and PDU. */
static bool same(const struct goose_frame *a, const struct goose_frame *b, bool counters)
{
	if (memcmp(a->dst, b->dst, 6) || memcmp(a->src, b->src, 6) || a->vlan != b->vlan ||
	    a->appid != b->appid || a->simulation != b->simulation ||
	    a->reserved1 != b->reserved1 || a->reserved2 != b->reserved2)
		return false;
	if (a->vlan && (a->priority != b->priority || a->vid != b->vid || a->dei != b->dei))
		return false;
	if (!same_str(a->gocb_ref, b->gocb_ref) || !same_str(a->dat_set, b->dat_set) ||
	    !same_str(a->go_id, b->go_id))
		return false;
	if (counters && (a->tal_ms != b->tal_ms || a->st_num != b->st_num ||
			 a->sq_num != b->sq_num || memcmp(a->t, b->t, 8)))
		return false;
	return a->test == b->test && a->conf_rev == b->conf_rev && a->nds_com == b->nds_com &&
	       a->n_entries == b->n_entries && a->all_data_len == b->all_data_len &&
	       (!a->all_data_len || !memcmp(a->all_data, b->all_data, a->all_data_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct goose_frame f, g;
	uint32_t n;

	if (!goose_data_check(data, size, &n, NULL))
		CHECK(size == 0 || n > 0);
	if (goose_decode(data, size, &f, NULL))
		return 0;
	CHECK(f.gocb_ref && f.dat_set);
	CHECK(strlen(f.gocb_ref) <= GOOSE_MAX_STRING && strlen(f.dat_set) <= GOOSE_MAX_STRING);
	CHECK(!f.go_id || strlen(f.go_id) <= GOOSE_MAX_STRING);
	CHECK(f.simulation == !!(f.reserved1 & GOOSE_RESERVED1_SIM));
	CHECK(!f.all_data_len || (f.all_data >= data && f.all_data + f.all_data_len <= data + size));
	struct ber_cur c;
	struct ber_tlv m;
	n = 0;
	goose_members(&f, &c);
	while (goose_member_next(&c, &m))
		n++;
	CHECK(n == f.n_entries && ber_cur_done(&c));

	/* encode again: the same fields come back */
	struct buf b;
	buf_init(&b, 0, 0);
	int r = goose_encode(&f, &b, NULL);
	if (f.simulation && !f.test) {
		CHECK(r == -EINVAL);
	} else if (r == 0) {
		CHECK(b.len <= (f.vlan ? GOOSE_MAX_FRAME_VLAN : GOOSE_MAX_FRAME));
		CHECK(goose_decode(buf_data(&b), b.len, &g, NULL) == 0);
		CHECK(same(&f, &g, true));
	} else {
		CHECK(r == -EMSGSIZE);
	}
	buf_clear(&b);

	/* patch a copy */
	uint8_t *p = malloc(size);
	CHECK(p);
	memcpy(p, data, size);
	static const uint8_t t[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t st = f.st_num + 1, sq = f.sq_num ^ 1, tal = f.tal_ms ^ 1;
	r = goose_patch(p, size, tal, t, st, sq);
	if (r == 0) {
		CHECK(goose_decode(p, size, &g, NULL) == 0);
		CHECK(g.st_num == st && g.sq_num == sq && g.tal_ms == tal && !memcmp(g.t, t, 8));
		/* all_data points into p now: compare against the original */
		CHECK(g.all_data_len == f.all_data_len);
		g.all_data = f.all_data;
		CHECK(same(&f, &g, false));
	} else {
		CHECK(r == -ERANGE || r == -EBADMSG);
		CHECK(!memcmp(p, data, size));
	}
	free(p);
	return 0;
}
