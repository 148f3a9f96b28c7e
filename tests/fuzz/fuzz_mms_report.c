/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as the body of an InformationReport
 * (client side), of a DefineNamedVariableList and a DeleteNamedVariableList
 * request (server side) and of a DeleteNamedVariableList response
 * (daemon/proto/mms_report.c, mms_nvl.c), and as the contents of an
 * Unconfirmed-PDU. A decoded report's members lie inside the input in
 * ascending order; a decoded DefineNamedVariableList is encoded again by the
 * client encoder and must decode to the same list. Any inconsistency is a
 * crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"
#include "mms_nvl.h"
#include "mms_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static bool same_name(const struct mms_objname *a, const struct mms_objname *b)
{
	return a->scope == b->scope && !strcmp(a->domain, b->domain) && !strcmp(a->item, b->item);
}

static bool same_var(const struct mms_varspec *a, const struct mms_varspec *b)
{
	if (!same_name(&a->name, &b->name) || a->n_alt != b->n_alt)
		return false;
	for (uint32_t i = 0; i < a->n_alt; i++) {
		const struct mms_alt_step *x = &a->alt[i], *y = &b->alt[i];
		if (x->kind != y->kind || strcmp(x->component, y->component) ||
		    x->index != y->index || x->count != y->count)
			return false;
	}
	return true;
}

static void report(const uint8_t *data, size_t size)
{
	static struct mms_report_member mem[64];
	struct mms_report r = { .members = mem, .cap = 64 };
	int k = mms_report_decode(data, size, &r, NULL);
	if (k == -ENOSPC) {
		CHECK(r.n_included > r.cap && r.n_included <= r.n_members);
		return;
	}
	if (k)
		return;
	CHECK(r.n_members <= MMS_RPT_MAX_MEMBERS && r.n_included <= r.n_members);
	CHECK(strlen(r.rpt_id) < sizeof(r.rpt_id) && strlen(r.dataset) < sizeof(r.dataset));
	CHECK(r.has_seq == !!(r.opt_flds & (1u << MMS_OPT_SEQ_NUM)));
	CHECK(r.has_segment == !!(r.opt_flds & (1u << MMS_OPT_SEGMENTATION)));
	for (uint32_t i = 0; i < r.n_included; i++) {
		CHECK(mem[i].index < r.n_members);
		CHECK(i == 0 || mem[i].index > mem[i - 1].index);
		CHECK(mem[i].data >= data && mem[i].data_len >= 2 &&
		      mem[i].data + mem[i].data_len <= data + size);
		CHECK(strlen(mem[i].ref) < sizeof(mem[i].ref));
		CHECK(mem[i].has_reason == !!(r.opt_flds & (1u << MMS_OPT_REASON)));
	}
}

static void define(const uint8_t *data, size_t size)
{
	struct mms_definenvl_req q, q2;
	struct mms_pdu p;
	struct buf b;
	int k;

	if (mms_definenvl_req_decode(data, size, &q, NULL))
		return;
	/* decode validated every member: iteration cannot fail */
	struct mms_varspec *v = calloc(q.vars.n_vars + 1, sizeof(*v));
	CHECK(v);
	uint32_t n = 0;
	while ((k = mms_varlist_next(&q.vars, &v[n], NULL)) == 1)
		CHECK(++n <= q.vars.n_vars);
	CHECK(k == 0 && n == q.vars.n_vars);
	buf_init(&b, ISO_HEADROOM, 0);
	mms_definenvl_req_encode(&b, 1, &q.name, v, n);
	CHECK(!b.err);
	CHECK(mms_pdu_decode(buf_data(&b), b.len, &p, NULL) == 0);
	CHECK(p.service == MMS_SVC_DEFINE_NVL);
	CHECK(mms_definenvl_req_decode(p.body, p.body_len, &q2, NULL) == 0);
	CHECK(same_name(&q.name, &q2.name) && q2.vars.n_vars == n);
	struct mms_varspec w;
	for (uint32_t i = 0; i < n; i++) {
		CHECK(mms_varlist_next(&q2.vars, &w, NULL) == 1);
		CHECK(same_var(&v[i], &w));
	}
	buf_clear(&b);
	free(v);
}

static void delete(const uint8_t *data, size_t size)
{
	struct mms_deletenvl_req q, q2;
	struct mms_pdu p;
	struct buf b;
	uint32_t m, d;

	if (!mms_deletenvl_req_decode(data, size, &q, NULL)) {
		CHECK(q.scope >= 0 && q.scope <= 3);
		CHECK(strlen(q.domain) <= MMS_MAX_DOMAIN);
		if (q.n == 1 && q.scope == 0 && !q.has_domain) {
			buf_init(&b, ISO_HEADROOM, 0);
			mms_deletenvl_req_encode(&b, 2, &q.names[0]);
			CHECK(!b.err && mms_pdu_decode(buf_data(&b), b.len, &p, NULL) == 0);
			CHECK(mms_deletenvl_req_decode(p.body, p.body_len, &q2, NULL) == 0);
			CHECK(q2.n == 1 && same_name(&q.names[0], &q2.names[0]));
			buf_clear(&b);
		}
	}
	if (!mms_deletenvl_resp_decode(data, size, &m, &d, NULL)) {
		buf_init(&b, ISO_HEADROOM, 0);
		mms_deletenvl_resp_encode(&b, 3, m, d);
		CHECK(!b.err && mms_pdu_decode(buf_data(&b), b.len, &p, NULL) == 0);
		uint32_t m2, d2;
		CHECK(mms_deletenvl_resp_decode(p.body, p.body_len, &m2, &d2, NULL) == 0);
		CHECK(m2 == m && d2 == d);
		buf_clear(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	report(data, size);
	define(data, size);
	delete(data, size);
	/* the same bytes as an Unconfirmed-PDU's contents */
	struct mms_pdu p = { .kind = MMS_UNCONFIRMED, .pdu = data, .pdu_len = size };
	const uint8_t *body;
	size_t len;
	if (mms_unconfirmed_report(&p, &body, &len, NULL) == 1) {
		CHECK(body >= data && body + len <= data + size);
		report(body, len);
	}
	return 0;
}
