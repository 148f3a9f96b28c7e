/* SPDX-License-Identifier: Apache-2.0 */
/* Reporting (acsi/report.c) and client-defined data sets (acsi/datasets.c)
 * end to end through the association, on the embedded sample model and a
 * fake clock: reservation, enable, GI, dchg/qchg through model_update,
 * BufTm, IntgPd, segmentation, two clients, BRCB buffering across an
 * association's end, EntryID resync, BufOvfl, association-specific data
 * sets and the refusals of datasets.h. */
#include <errno.h>

#include "datasets.h"
#include "embedded.h"
#include "mms_client.h"
#include "mms_nvl.h"
#include "mms_report.h"
#include "observe.h"
#include "report_buf.h"
#include "srv_clients.h"
#include "report.h"
#include "timer.h"
#include "update.h"

/* ---- the server and its clients ---- */

struct env {
	struct fake f;
	struct model *m;
	struct acsi_reports *R;
};

static struct env E;

/* The service over `scl` (NULL: the embedded sample), persisting through
 * `persist` (NULL: nothing). */
static void env_up_with(const char *scl, uint32_t buf_entries, const struct rpt_persist *persist)
{
	char err[512];
	memset(&E, 0, sizeof(E));
	timer_queue_init(&E.f.q);
	E.f.utc0 = 1700000000ull * 1000000000ull; /* a full minute: 2023-11-14T22:13:20Z */
	ck_assert_msg(model_load_scl_mem("sample.icd", scl ? scl : (const char *)embedded_sample_icd,
					 scl ? strlen(scl) : embedded_sample_icd_len, NULL, &E.m, err,
					 sizeof(err)) == 0, "%s", err);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &E.f };
	const struct acsi_report_cfg cfg = { .buf_entries = buf_entries };
	E.R = acsi_reports_new(E.m, &clk, &cfg, persist);
	ck_assert_ptr_nonnull(E.R);
}

static void env_up(uint32_t buf_entries)
{
	env_up_with(NULL, buf_entries, NULL);
}

static void env_down(void)
{
	acsi_reports_free(E.R);
	model_free(E.m);
	timer_queue_clear(&E.f.q);
}

static void cl_up(struct cl *c, uint32_t max_pdu)
{
	cl_up_srv(c, max_pdu, E.m, E.R, NULL);
}

static int wr_bool(struct cl *c, const char *item, bool v)
{
	const uint8_t d[] = { 0x83, 0x01, v ? 0xFF : 0x00 };
	return wr(c, item, d, sizeof(d));
}

static int wr_uint(struct cl *c, const char *item, uint32_t v)
{
	uint8_t d[8] = { 0x86, 0x04, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			 (uint8_t)v };
	if (v < 0x80) {
		d[1] = 1;
		d[2] = (uint8_t)v;
		return wr(c, item, d, 3);
	}
	d[1] = 5;
	memmove(d + 3, d + 2, 4);
	d[2] = 0;
	return wr(c, item, d, 7);
}

static int wr_str(struct cl *c, const char *item, const char *s)
{
	uint8_t d[200];
	size_t n = strlen(s);
	d[0] = 0x8A;
	d[1] = (uint8_t)n;
	memcpy(d + 2, s, n);
	return wr(c, item, d, n + 2);
}

/* TrgOps bits: dchg 1, qchg 2, dupd 3, period 4, gi 5 */
static int wr_trgops(struct cl *c, const char *item, unsigned mask)
{
	uint8_t d[4] = { 0x84, 0x02, 0x02, 0x00 };
	for (int i = 0; i < 6; i++)
		if (mask & (1u << i))
			d[3] |= (uint8_t)(0x80 >> i);
	return wr(c, item, d, sizeof(d));
}

static int wr_optflds(struct cl *c, const char *item, unsigned mask)
{
	uint8_t d[5] = { 0x84, 0x03, 0x06, 0x00, 0x00 };
	for (int i = 0; i < 10; i++)
		if (mask & (1u << i))
			d[3 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return wr(c, item, d, sizeof(d));
}

static int wr_entry(struct cl *c, const char *item, const uint8_t id[8])
{
	uint8_t d[10] = { 0x89, 0x08 };
	memcpy(d + 2, id, 8);
	return wr(c, item, d, sizeof(d));
}

/* Decodes report k of `c`. */
static struct mms_report_member MEM[4096];
static struct mms_report REP;
static const struct mms_report *rep(struct cl *c, uint32_t k)
{
	ck_assert_uint_lt(k, c->rx.n);
	struct mms_pdu pdu;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.rep[k]), c->rx.rep[k].len, &pdu, NULL), 0);
	memset(&REP, 0, sizeof(REP));
	REP.members = MEM;
	REP.cap = 4096;
	const uint8_t *body;
	size_t len;
	ck_assert_int_eq(mms_unconfirmed_report(&pdu, &body, &len, NULL), 1);
	ck_assert_int_eq(mms_report_decode(body, len, &REP, NULL), 0);
	return &REP;
}

/* A value update through the model, as pv makes it. */
static void upd(const char *ref, double v, uint16_t q)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	struct model_val val = { .kind = MODEL_V_FLOAT, .v.f = v };
	uint8_t ts[8];
	model_timestamp(f_utc(&E.f), 0, ts);
	model_update(E.m, &a, &val, q, ts);
}

static void upd_int(const char *ref, int64_t v)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	struct model_val val = { .kind = MODEL_V_INT, .v.i = v };
	uint8_t ts[8];
	model_timestamp(f_utc(&E.f), 0, ts);
	model_update(E.m, &a, &val, 0, ts);
}

#define U1 "LLN0$RP$urcbMeas01$"
#define B1 "LLN0$BR$brcbStatus01$"
#define RD 1
#define RGI 5

START_TEST(urcb_gi_and_dchg)
{
	env_up(0);
	struct cl c;
	cl_up(&c, 65000);
	ck_assert_int_eq(wr_bool(&c, U1 "Resv", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_uint(&c, U1 "BufTm", 0), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_optflds(&c, U1 "OptFlds", 0x2 | 0x8 | 0x10 | 0x20 | 0x100),
			 MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(c.rx.n, 0);
	ck_assert_int_eq(wr_bool(&c, U1 "GI", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(c.rx.n, 1);
	const struct mms_report *r = rep(&c, 0);
	ck_assert_str_eq(r->rpt_id, "IEDD1BAY/LLN0$RP$urcbMeas");
	ck_assert(r->has_seq);
	ck_assert_uint_eq(r->seq_num, 0);
	ck_assert(r->has_dataset);
	ck_assert_str_eq(r->dataset, "IEDD1BAY/LLN0$dsMeas");
	ck_assert_uint_eq(r->n_members, 5);
	ck_assert_uint_eq(r->n_included, 5);
	ck_assert(r->has_conf_rev);
	ck_assert_uint_eq(r->conf_rev, 1);
	ck_assert(!r->has_segment);
	for (uint32_t i = 0; i < 5; i++) {
		ck_assert_uint_eq(r->members[i].index, i);
		ck_assert_uint_eq(r->members[i].reason, 1u << RGI);
	}
	ck_assert_str_eq(r->members[0].ref, "IEDD1BAY/MMXU1$MX$TotW");

	/* a change of Hz (member 2) reports that member only, reason dchg */
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.02, 0);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 2);
	r = rep(&c, 1);
	ck_assert_uint_eq(r->seq_num, 1);
	ck_assert_uint_eq(r->n_included, 1);
	ck_assert_uint_eq(r->members[0].index, 2);
	ck_assert_uint_eq(r->members[0].reason, 1u << RD);
	/* quality only: qchg */
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.02, MODEL_Q_INVALID);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 3);
	ck_assert_uint_eq(rep(&c, 2)->members[0].reason, 1u << 2);

	/* disabled: no more reports */
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", false), MMS_DAE_SUCCESS);
	upd("BAY/MMXU1.Hz.mag.f[MX]", 49.0, 0);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 3);
	cl_down(&c);
	env_down();
}
END_TEST

START_TEST(buftm_collects_and_second_change_flushes)
{
	env_up(0);
	struct cl c;
	cl_up(&c, 65000);
	ck_assert_int_eq(wr_uint(&c, U1 "BufTm", 100), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_trgops(&c, U1 "TrgOps", 0x2 | 0x20), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", true), MMS_DAE_SUCCESS);
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.1, 0);
	advance(&E.f, 40000);
	upd("BAY/MMXU1.TotW.mag.f[MX]", 1000.0, 0);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 0); /* BufTm still running */
	advance(&E.f, 60000);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 1);
	ck_assert_uint_eq(rep(&c, 0)->n_included, 2);

	/* Hz twice within BufTm: the first value goes out at the second change */
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.2, 0);
	advance(&E.f, 10000);
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.3, 0);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 2);
	const struct mms_report *r = rep(&c, 1);
	ck_assert_uint_eq(r->n_included, 1);
	/* the report sent at the second change holds the first value (50.2):
	 * the one BufTm sends later holds 50.3, so the two differ */
	struct buf first;
	buf_init(&first, 0, 0);
	buf_put(&first, r->members[0].data, r->members[0].data_len);
	advance(&E.f, 100000);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 3);
	r = rep(&c, 2);
	ck_assert_uint_eq(r->n_included, 1);
	ck_assert(r->members[0].data_len != first.len ||
		  memcmp(r->members[0].data, buf_data(&first), first.len));
	buf_clear(&first);
	/* GI during BufTm: the pending change first, then the GI */
	upd("BAY/MMXU1.A.phsA.cVal.mag.f[MX]", 12.0, 0);
	ck_assert_int_eq(wr_bool(&c, U1 "GI", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(c.rx.n, 5);
	ck_assert_uint_eq(rep(&c, 3)->n_included, 1);
	ck_assert_uint_eq(rep(&c, 4)->n_included, 5);
	cl_down(&c);
	env_down();
}
END_TEST

START_TEST(integrity_aligned)
{
	env_up(0);
	struct cl c;
	cl_up(&c, 65000);
	ck_assert_int_eq(wr_uint(&c, U1 "IntgPd", 1000), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_trgops(&c, U1 "TrgOps", 0x10), MMS_DAE_SUCCESS);
	advance(&E.f, 300000); /* enable 0.3 s after a full second */
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", true), MMS_DAE_SUCCESS);
	advance(&E.f, 699000);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 0);
	advance(&E.f, 1000); /* the full second */
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 1);
	ck_assert_uint_eq(rep(&c, 0)->members[0].reason, 1u << 4);
	advance(&E.f, 3000000);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 4);
	cl_down(&c);
	env_down();
}
END_TEST

START_TEST(two_clients_one_urcb)
{
	env_up(0);
	struct cl a, b;
	cl_up(&a, 65000);
	cl_up(&b, 65000);
	ck_assert_int_eq(wr_bool(&a, U1 "Resv", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&b, U1 "Resv", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_bool(&b, U1 "RptEna", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_uint(&b, U1 "IntgPd", 5), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* b takes the second instance */
	ck_assert_int_eq(wr_bool(&b, "LLN0$RP$urcbMeas02$RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a, U1 "RptEna", true), MMS_DAE_SUCCESS);
	/* configuration while enabled: refused, also for the owner */
	ck_assert_int_eq(wr_uint(&a, U1 "IntgPd", 5), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* read-only attributes */
	ck_assert_int_eq(wr_uint(&a, U1 "ConfRev", 7), MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(wr_uint(&a, U1 "SqNum", 7), MMS_DAE_OBJECT_ACCESS_DENIED);
	upd("BAY/MMXU1.Hz.mag.f[MX]", 51.0, 0);
	advance(&E.f, 200000);
	drain(&a);
	drain(&b);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert_uint_eq(b.rx.n, 1);
	/* a goes away: its URCB is free for b */
	cl_down(&a);
	ck_assert_int_eq(wr_bool(&b, U1 "Resv", true), MMS_DAE_SUCCESS);
	cl_down(&b);
	env_down();
}
END_TEST

START_TEST(segmented_at_small_pdu)
{
	env_up(0);
	struct cl c;
	cl_up(&c, 500); /* too small for the five MVs/WYEs with references */
	ck_assert_int_eq(wr_optflds(&c, U1 "OptFlds", 0x2 | 0x8 | 0x10 | 0x20 | 0x100),
			 MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, U1 "GI", true), MMS_DAE_SUCCESS);
	if (c.rx.n == 1)
		fprintf(stderr, "one report: %zu octets, %u included, max_pdu %u\n", c.rx.rep[0].len,
			rep(&c, 0)->n_included, c.p.a.max_pdu);
	ck_assert_uint_gt(c.rx.n, 1);
	uint32_t seen = 0;
	for (uint32_t k = 0; k < c.rx.n; k++) {
		ck_assert_uint_le(c.rx.rep[k].len, 500);
		const struct mms_report *r = rep(&c, k);
		ck_assert(r->has_segment);
		ck_assert_uint_eq(r->sub_seq_num, k);
		ck_assert_uint_eq(r->seq_num, 0);
		ck_assert(r->more_segments == (k + 1 < c.rx.n));
		ck_assert(r->opt_flds & (1u << 9));
		for (uint32_t i = 0; i < r->n_included; i++) {
			ck_assert_uint_eq(r->members[i].index, seen);
			seen++;
		}
	}
	ck_assert_uint_eq(seen, 5);
	cl_down(&c);
	env_down();
}
END_TEST

static void pos(int v)
{
	upd_int("BAY/XCBR1.Pos.stVal[ST]", v);
}

START_TEST(brcb_resync_after_absence)
{
	env_up(0);
	struct cl a;
	cl_up(&a, 65000);
	ck_assert_int_eq(wr_bool(&a, B1 "RptEna", true), MMS_DAE_SUCCESS);
	pos(1);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	const struct mms_report *r = rep(&a, 0);
	ck_assert(r->has_entry_id);
	uint8_t last[8];
	memcpy(last, r->entry_id, 8);
	cl_down(&a);
	/* 100 changes while nobody listens */
	for (int i = 0; i < 100; i++)
		pos(i % 2 ? 1 : 2);
	struct cl b;
	cl_up(&b, 65000);
	ck_assert_int_eq(wr_entry(&b, B1 "EntryID", last), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&b, B1 "RptEna", true), MMS_DAE_SUCCESS);
	for (int k = 0; k < 10; k++)
		advance(&E.f, 1);
	drain(&b);
	ck_assert_uint_eq(b.rx.n, 100);
	uint64_t prev = 0;
	for (uint32_t k = 0; k < 100; k++) {
		r = rep(&b, k);
		uint64_t id = 0;
		for (int i = 0; i < 8; i++)
			id = id << 8 | r->entry_id[i];
		ck_assert_uint_gt(id, prev);
		prev = id;
		ck_assert(!r->has_bufovfl || !r->buf_ovfl);
	}
	/* live again (the last of the 100 was 1) */
	pos(2);
	drain(&b);
	ck_assert_uint_eq(b.rx.n, 101);
	/* an EntryID the buffer does not hold is refused while disabled */
	ck_assert_int_eq(wr_bool(&b, B1 "RptEna", false), MMS_DAE_SUCCESS);
	const uint8_t bogus[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1 };
	ck_assert_int_eq(wr_entry(&b, B1 "EntryID", bogus), MMS_DAE_OBJECT_VALUE_INVALID);
	cl_down(&b);
	env_down();
}
END_TEST

START_TEST(brcb_overflow_sets_bufovfl)
{
	env_up(10);
	struct cl a;
	cl_up(&a, 65000);
	ck_assert_int_eq(wr_optflds(&a, B1 "OptFlds", 0x2 | 0x40 | 0x80), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a, B1 "RptEna", true), MMS_DAE_SUCCESS);
	pos(1);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert(rep(&a, 0)->has_bufovfl);
	ck_assert(!rep(&a, 0)->buf_ovfl);
	ck_assert_int_eq(wr_bool(&a, B1 "RptEna", false), MMS_DAE_SUCCESS);
	for (int i = 0; i < 30; i++)
		pos(i % 2 ? 1 : 2);
	ck_assert_int_eq(wr_bool(&a, B1 "RptEna", true), MMS_DAE_SUCCESS);
	for (int k = 0; k < 5; k++)
		advance(&E.f, 1);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 11); /* the ten the buffer kept */
	ck_assert(rep(&a, 1)->buf_ovfl);
	ck_assert(!rep(&a, 2)->buf_ovfl);
	cl_down(&a);
	env_down();
}
END_TEST

/* DefineNamedVariableList of `name` (scope, LD IEDD1BAY) with members
 * "LN$FC$DO..." of IEDD1BAY; returns 0 or the ServiceError code (class in
 * *cls). */
static int define(struct cl *c, uint8_t scope, const char *name, const char *const *mem,
		  uint32_t n, int *cls)
{
	struct mms_objname on = { .scope = scope };
	snprintf(on.domain, sizeof(on.domain), "IEDD1BAY");
	snprintf(on.item, sizeof(on.item), "%s", name);
	struct mms_varspec v[8];
	memset(v, 0, sizeof(v));
	for (uint32_t i = 0; i < n; i++) {
		v[i].name.scope = MMS_SCOPE_DOMAIN;
		snprintf(v[i].name.domain, sizeof(v[i].name.domain), "IEDD1BAY");
		snprintf(v[i].name.item, sizeof(v[i].name.item), "%s", mem[i]);
	}
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_definenvl_req_encode(&b, ++c->invoke, &on, v, n);
	call(c, &b);
	buf_clear(&b);
	struct mms_pdu pdu;
	struct mms_client_refusal ref;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.resp), c->rx.resp.len, &pdu, NULL), 0);
	int r = mms_client_check(&pdu, c->invoke, MMS_SVC_DEFINE_NVL, &ref, NULL);
	if (!r)
		return 0;
	ck_assert_int_eq(r, -EREMOTEIO);
	ck_assert_uint_eq(ref.kind, MMS_CONFIRMED_ERROR);
	*cls = ref.error_class;
	return ref.code;
}

static int delete(struct cl *c, uint8_t scope, const char *name, int *cls)
{
	struct mms_objname on = { .scope = scope };
	snprintf(on.domain, sizeof(on.domain), "IEDD1BAY");
	snprintf(on.item, sizeof(on.item), "%s", name);
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_deletenvl_req_encode(&b, ++c->invoke, &on);
	call(c, &b);
	buf_clear(&b);
	struct mms_pdu pdu;
	struct mms_client_refusal ref;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.resp), c->rx.resp.len, &pdu, NULL), 0);
	int r = mms_client_check(&pdu, c->invoke, MMS_SVC_DELETE_NVL, &ref, NULL);
	if (!r) {
		uint32_t matched, deleted;
		ck_assert_int_eq(mms_deletenvl_resp_decode(pdu.body, pdu.body_len, &matched,
							   &deleted, NULL), 0);
		ck_assert_uint_eq(matched, 1);
		ck_assert_uint_eq(deleted, 1);
		return 0;
	}
	ck_assert_uint_eq(ref.kind, MMS_CONFIRMED_ERROR);
	*cls = ref.error_class;
	return ref.code;
}

START_TEST(datasets_define_use_delete)
{
	env_up(0);
	struct cl a, b;
	cl_up(&a, 65000);
	cl_up(&b, 65000);
	int cls = -1;
	const char *mem[] = { "XCBR1$ST$Pos", "MMXU1$MX$Hz$mag$f" };
	const char *bad[] = { "XCBR1$ST$Nope" };
	const char *ln[] = { "XCBR1$ST" };
	ck_assert_int_eq(define(&a, MMS_SCOPE_AA, "mine", mem, 2, &cls), 0);
	ck_assert_int_eq(define(&a, MMS_SCOPE_AA, "mine", mem, 2, &cls),
			 MMS_DEFINITION_OBJECT_EXISTS);
	ck_assert_int_eq(cls, MMS_ERR_DEFINITION);
	ck_assert_int_eq(define(&a, MMS_SCOPE_AA, "bad", bad, 1, &cls),
			 MMS_DEFINITION_OBJECT_UNDEFINED);
	ck_assert_int_eq(define(&a, MMS_SCOPE_AA, "fc", ln, 1, &cls),
			 MMS_DEFINITION_OBJECT_ATTRIBUTE_INCONSISTENT);
	ck_assert_int_eq(define(&a, MMS_SCOPE_DOMAIN, "LLN0$dsMeas", mem, 2, &cls),
			 MMS_DEFINITION_OBJECT_EXISTS);
	ck_assert_int_eq(define(&a, MMS_SCOPE_DOMAIN, "LLN0$persist", mem, 2, &cls), 0);
	for (int i = 0; i < 9; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "aa%d", i);
		ck_assert_int_eq(define(&a, MMS_SCOPE_AA, nm, mem, 1, &cls), i < 9 ? 0 : -1);
	}
	ck_assert_int_eq(define(&a, MMS_SCOPE_AA, "eleventh", mem, 1, &cls),
			 MMS_RESOURCE_CAPABILITY_UNAVAILABLE);
	ck_assert_int_eq(cls, MMS_ERR_RESOURCE);

	/* the association's set on a URCB; a BRCB refuses it */
	ck_assert_int_eq(wr_str(&a, U1 "DatSet", "@mine"), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_str(&a, B1 "DatSet", "@mine"), MMS_DAE_OBJECT_VALUE_INVALID);
	ck_assert_int_eq(wr_str(&b, "LLN0$RP$urcbMeas02$DatSet", "@mine"),
			 MMS_DAE_OBJECT_VALUE_INVALID); /* another association's */
	ck_assert_int_eq(wr_str(&a, U1 "DatSet", "IEDD1BAY/LLN0$nothing"),
			 MMS_DAE_OBJECT_VALUE_INVALID);
	ck_assert_int_eq(wr_bool(&a, U1 "RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a, U1 "GI", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(a.rx.n, 1);
	const struct mms_report *r = rep(&a, 0);
	ck_assert_uint_eq(r->n_members, 2);
	ck_assert_str_eq(r->dataset, "@mine");
	ck_assert_uint_eq(r->conf_rev, 2); /* DatSet changed once */

	/* deletion refusals: SCL set, set an RCB names, another's, unknown */
	ck_assert_int_eq(delete(&a, MMS_SCOPE_DOMAIN, "LLN0$dsMeas", &cls),
			 MMS_ACCESS_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(cls, MMS_ERR_ACCESS);
	ck_assert_int_eq(delete(&a, MMS_SCOPE_AA, "mine", &cls), MMS_ACCESS_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(delete(&b, MMS_SCOPE_AA, "mine", &cls), MMS_ACCESS_OBJECT_NON_EXISTENT);
	ck_assert_int_eq(delete(&a, MMS_SCOPE_AA, "aa0", &cls), 0);
	ck_assert_int_eq(delete(&b, MMS_SCOPE_DOMAIN, "LLN0$persist", &cls), 0);

	/* the association ends: the URCB is disabled, DatSet cleared */
	cl_down(&a);
	const struct mrcb *mr = NULL;
	for (uint32_t i = 0; i < model_n_rcbs(E.m); i++)
		if (!strcmp(model_rcb(E.m, i)->name, "urcbMeas01"))
			mr = model_rcb(E.m, i);
	ck_assert_ptr_nonnull(mr);
	ck_assert_str_eq((const char *)E.m->values + mr->a[MRCB_DATSET].voff, "");
	ck_assert_int_eq(E.m->values[mr->a[MRCB_RPTENA].voff], 0);
	ck_assert_int_eq(wr_bool(&b, U1 "Resv", true), MMS_DAE_SUCCESS);
	cl_down(&b);
	env_down();
}
END_TEST

/* ---- pre-assigned RCBs (SCL RptEnabled/ClientLN) ---- */

/* The sample with urcbMeas01 and brcbStatus01 pre-assigned to SCADA1
 * (10.0.0.50 in the Communication section) and urcbMeas02 to an IED whose
 * address the file does not give (so it stays free). */
static char *preassigned_scl(void)
{
	const char *src = (const char *)embedded_sample_icd;
	size_t n = embedded_sample_icd_len;
	static const struct { const char *from, *to; } ed[] = {
		{ "  </Communication>",
		  "    <SubNetwork name=\"Ctl\"><ConnectedAP iedName=\"SCADA1\" apName=\"S1\">"
		  "<Address><P type=\"IP\">10.0.0.50</P></Address></ConnectedAP></SubNetwork>\n"
		  "  </Communication>" },
		{ "<RptEnabled max=\"4\"/>",
		  "<RptEnabled max=\"4\"><ClientLN iedName=\"SCADA1\" apRef=\"S1\" ldInst=\"LD0\""
		  " lnClass=\"ITCI\" lnInst=\"1\"/><ClientLN iedName=\"NOWHERE\" apRef=\"S1\""
		  " ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/></RptEnabled>" },
		{ "<RptEnabled max=\"2\"/>",
		  "<RptEnabled max=\"2\"><ClientLN iedName=\"SCADA1\" apRef=\"S1\" ldInst=\"LD0\""
		  " lnClass=\"ITCI\" lnInst=\"1\"/></RptEnabled>" },
	};
	char *out = malloc(n + 2048), *o = out;
	ck_assert_ptr_nonnull(out);
	size_t at = 0;
	for (size_t k = 0; k < sizeof(ed) / sizeof(ed[0]); k++) {
		const char *hit = strstr(src + at, ed[k].from);
		ck_assert_ptr_nonnull(hit); /* in this order in the sample */
		size_t pre = (size_t)(hit - (src + at));
		memcpy(o, src + at, pre);
		o += pre;
		o += sprintf(o, "%s", ed[k].to);
		at += pre + strlen(ed[k].from);
	}
	memcpy(o, src + at, n - at);
	o[n - at] = '\0';
	return out;
}

static void set_addr(struct cl *c, const uint8_t *a, uint8_t len)
{
	memcpy(c->p.a.rpt.addr, a, len);
	c->p.a.rpt.addr_len = len;
}

static const uint8_t SCADA1[4] = { 10, 0, 0, 50 }, OTHER[4] = { 10, 0, 0, 51 };
static const uint8_t SCADA1_MAPPED[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 50 };

/* The text of an RCB attribute ("urcbMeas01", MRCB_RESV). */
static const char *attr(const char *rcb, int a)
{
	static char out[64];
	for (uint32_t i = 0; i < model_n_rcbs(E.m); i++) {
		const struct mrcb *r = model_rcb(E.m, i);
		if (!strcmp(r->name, rcb)) {
			ck_assert_ptr_nonnull(r->a[a].type);
			model_get_text(E.m, r->a[a].type, r->a[a].voff, out, sizeof(out));
			return out;
		}
	}
	ck_abort_msg("no RCB %s", rcb);
	return NULL;
}

static int wr_int(struct cl *c, const char *item, int8_t v)
{
	const uint8_t d[] = { 0x85, 0x01, (uint8_t)v };
	return wr(c, item, d, sizeof(d));
}

START_TEST(preassigned_urcb)
{
	char *scl = preassigned_scl();
	env_up_with(scl, 0, NULL);
	struct cl a, b;
	cl_up(&a, 65000);
	cl_up(&b, 65000);
	set_addr(&a, SCADA1, 4);
	set_addr(&b, OTHER, 4);
	/* reserved by configuration from the start (7-2 Ed.2 §17.2.2) */
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RESV), "true");
	/* another client: every write refused as for a reservation, nothing changes */
	ck_assert_int_eq(wr_bool(&b, U1 "Resv", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_bool(&b, U1 "RptEna", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_uint(&b, U1 "BufTm", 0), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_bool(&b, U1 "GI", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_str_eq(attr("urcbMeas01", MRCB_BUFTM), "100");
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RPTENA), "false");
	/* the unresolved ClientLN leaves urcbMeas02 free for anyone */
	ck_assert_str_eq(attr("urcbMeas02", MRCB_RESV), "false");
	ck_assert_int_eq(wr_bool(&b, "LLN0$RP$urcbMeas02$RptEna", true), MMS_DAE_SUCCESS);
	/* the assigned client enables at once, without reserving */
	ck_assert_int_eq(wr_bool(&a, U1 "RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a, U1 "GI", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert_uint_eq(rep(&a, 0)->n_included, 5);
	ck_assert_int_eq(wr_bool(&b, U1 "RptEna", false), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RPTENA), "true");
	/* Resv=false ends this association's use, not the configuration's */
	ck_assert_int_eq(wr_bool(&a, U1 "RptEna", false), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a, U1 "Resv", false), MMS_DAE_SUCCESS);
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RESV), "true");
	ck_assert_int_eq(wr_bool(&b, U1 "Resv", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* the assigned client leaves: still reserved for it, still refused to others */
	ck_assert_int_eq(wr_bool(&a, U1 "RptEna", true), MMS_DAE_SUCCESS);
	cl_down(&a);
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RPTENA), "false");
	ck_assert_str_eq(attr("urcbMeas01", MRCB_RESV), "true");
	ck_assert_int_eq(wr_bool(&b, U1 "RptEna", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* it comes back through a dual-stack listener (IPv4-mapped IPv6) */
	struct cl a2;
	cl_up(&a2, 65000);
	set_addr(&a2, SCADA1_MAPPED, 16);
	ck_assert_int_eq(wr_bool(&a2, U1 "RptEna", true), MMS_DAE_SUCCESS);
	/* a second association of the same client while the first holds it */
	struct cl a3;
	cl_up(&a3, 65000);
	set_addr(&a3, SCADA1, 4);
	ck_assert_int_eq(wr_bool(&a3, U1 "RptEna", false), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	cl_down(&a3);
	cl_down(&a2);
	cl_down(&b);
	env_down();
	free(scl);
}
END_TEST

START_TEST(preassigned_brcb)
{
	char *scl = preassigned_scl();
	env_up_with(scl, 0, NULL);
	struct cl a, b;
	cl_up(&a, 65000);
	cl_up(&b, 65000);
	set_addr(&a, SCADA1, 4);
	set_addr(&b, OTHER, 4);
	/* 7-2 Ed.2: ResvTms = -1, reserved by configuration */
	ck_assert_str_eq(attr("brcbStatus01", MRCB_RESVTMS), "-1");
	ck_assert_str_eq(attr("brcbStatus02", MRCB_RESVTMS), "0");
	const uint8_t zero[8] = { 0 };
	ck_assert_int_eq(wr_bool(&b, B1 "RptEna", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_int(&b, B1 "ResvTms", 10), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_bool(&b, B1 "PurgeBuf", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(wr_entry(&b, B1 "EntryID", zero), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* the assigned client cannot change ResvTms either (-1 again: accepted) */
	ck_assert_int_eq(wr_int(&a, B1 "ResvTms", 10), MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(wr_int(&a, B1 "ResvTms", -1), MMS_DAE_SUCCESS);
	ck_assert_str_eq(attr("brcbStatus01", MRCB_RESVTMS), "-1");
	ck_assert_int_eq(wr_bool(&a, B1 "RptEna", true), MMS_DAE_SUCCESS);
	pos(1);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	uint8_t last[8];
	memcpy(last, rep(&a, 0)->entry_id, 8);
	/* it goes away; the BRCB buffers, and waits for it with no time limit */
	cl_down(&a);
	pos(2);
	pos(1);
	advance(&E.f, 3600ull * 1000000u);
	ck_assert_str_eq(attr("brcbStatus01", MRCB_RESVTMS), "-1");
	ck_assert_int_eq(wr_bool(&b, B1 "RptEna", true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	struct cl a2;
	cl_up(&a2, 65000);
	set_addr(&a2, SCADA1, 4);
	ck_assert_int_eq(wr_entry(&a2, B1 "EntryID", last), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&a2, B1 "RptEna", true), MMS_DAE_SUCCESS);
	for (int k = 0; k < 4; k++)
		advance(&E.f, 1);
	drain(&a2);
	ck_assert_uint_eq(a2.rx.n, 2);
	/* the free instance works as before, for anyone */
	ck_assert_int_eq(wr_bool(&b, "LLN0$BR$brcbStatus02$RptEna", true), MMS_DAE_SUCCESS);
	cl_down(&a2);
	cl_down(&b);
	env_down();
	free(scl);
}
END_TEST

/* ---- acsi_reports_flush: the clean stop ends BufTm ---- */

struct cap_persist {
	uint32_t entries;
	char key[200];
};

static void cap_entry(void *ctx, const char *key, const struct rpt_entry *e)
{
	struct cap_persist *p = ctx;
	(void)e;
	p->entries++;
	snprintf(p->key, sizeof(p->key), "%s", key);
}

START_TEST(flush_ends_buftm)
{
	struct cap_persist cp = { 0 };
	const struct rpt_persist persist = { .ctx = &cp, .entry_added = cap_entry };
	env_up_with(NULL, 0, &persist);
	struct cl c;
	cl_up(&c, 65000);
	/* a URCB collecting within BufTm */
	ck_assert_int_eq(wr_uint(&c, U1 "BufTm", 500), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_trgops(&c, U1 "TrgOps", 0x2 | 0x20), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, U1 "RptEna", true), MMS_DAE_SUCCESS);
	/* a BRCB collecting within BufTm, its client away */
	ck_assert_int_eq(wr_uint(&c, B1 "BufTm", 500), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, B1 "RptEna", true), MMS_DAE_SUCCESS);
	ck_assert_int_eq(wr_bool(&c, B1 "RptEna", false), MMS_DAE_SUCCESS);
	acsi_reports_flush(E.R); /* nothing pending: nothing made */
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 0);
	ck_assert_uint_eq(cp.entries, 0);
	upd("BAY/MMXU1.Hz.mag.f[MX]", 50.4, 0);
	pos(1);
	advance(&E.f, 100000);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 0);
	ck_assert_uint_eq(cp.entries, 0);
	struct acsi_reports_stats st;
	acsi_reports_stats(E.R, &st);
	ck_assert_uint_eq(st.entries, 0);
	/* the stop: both BufTm end now, 400 ms early */
	acsi_reports_flush(E.R);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 1);
	ck_assert_uint_eq(rep(&c, 0)->n_included, 1);
	ck_assert_uint_eq(rep(&c, 0)->members[0].index, 2);
	ck_assert_uint_eq(cp.entries, 1);
	ck_assert_str_eq(cp.key, "IEDD1BAY/LLN0$BR$brcbStatus01");
	acsi_reports_stats(E.R, &st);
	ck_assert_uint_eq(st.entries, 1);
	/* and nothing twice: the timers are gone with what they held */
	advance(&E.f, 1000000);
	acsi_reports_flush(E.R);
	drain(&c);
	ck_assert_uint_eq(c.rx.n, 1);
	ck_assert_uint_eq(cp.entries, 1);
	cl_down(&c);
	env_down();
	acsi_reports_flush(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("report");
	TCase *t = tcase_create("report");
	tcase_add_test(t, urcb_gi_and_dchg);
	tcase_add_test(t, buftm_collects_and_second_change_flushes);
	tcase_add_test(t, integrity_aligned);
	tcase_add_test(t, two_clients_one_urcb);
	tcase_add_test(t, segmented_at_small_pdu);
	tcase_add_test(t, brcb_resync_after_absence);
	tcase_add_test(t, brcb_overflow_sets_bufovfl);
	tcase_add_test(t, datasets_define_use_delete);
	tcase_add_test(t, preassigned_urcb);
	tcase_add_test(t, preassigned_brcb);
	tcase_add_test(t, flush_ends_buftm);
	suite_add_tcase(s, t);
	return s;
}

TEST_MAIN(suite)
