/* SPDX-License-Identifier: Apache-2.0 */
/* Change observers (observe.h): the index from value offsets to data set
 * members, and what model_update and model_write tell observers. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model.h"
#include "observe.h"
#include "update.h"

/* GGIO1 with an SPS-like Ind (stVal dchg, q qchg, t, d in DC with dchg),
 * an MV-like AnIn (mag dchg dupd, q qchg, db in CF with dchg dupd) and a
 * Cnt whose stVal has dchg and dupd.
 *   dsA: Ind[ST] (a whole DO), Ind.stVal[ST] (a DA inside it),
 *        AnIn.mag[MX] (a DA with a BDA f)
 *   dsB: Ind.stVal[ST] (the same DA as in dsA), Ind.d[DC] (another FC of
 *        the same DO), AnIn.db[CF], Cnt[ST]
 * rcbA and gcbA name dsA, rcbB names dsB. */
static const char scl[] =
	"<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\" version=\"2007\" revision=\"B\">\n"
	"<Header id=\"x\"/>\n"
	"<IED name=\"E\"><AccessPoint name=\"A\"><Server>\n<LDevice inst=\"L\">\n"
	"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"
	"<DataSet name=\"dsA\">\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" fc=\"ST\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" daName=\"stVal\" fc=\"ST\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn\" daName=\"mag\" fc=\"MX\"/>\n"
	"</DataSet>\n"
	"<DataSet name=\"dsB\">\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" daName=\"stVal\" fc=\"ST\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" daName=\"d\" fc=\"DC\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn\" daName=\"db\" fc=\"CF\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Cnt\" fc=\"ST\"/>\n"
	"</DataSet>\n"
	"<ReportControl name=\"rcbA\" datSet=\"dsA\" rptID=\"a\" confRev=\"1\" buffered=\"false\">"
	"<TrgOps dchg=\"true\"/><RptEnabled max=\"1\"/></ReportControl>\n"
	"<ReportControl name=\"rcbB\" datSet=\"dsB\" rptID=\"b\" confRev=\"1\" buffered=\"true\">"
	"<TrgOps dchg=\"true\"/><RptEnabled max=\"1\"/></ReportControl>\n"
	"<GSEControl name=\"gcbA\" datSet=\"dsA\" appID=\"g\" confRev=\"1\"/>\n"
	"</LN0>\n"
	"<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"G\"/>\n"
	"</LDevice>\n</Server></AccessPoint></IED>\n"
	"<DataTypeTemplates>\n"
	"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/></LNodeType>\n"
	"<LNodeType id=\"G\" lnClass=\"GGIO\"><DO name=\"Ind\" type=\"SPS\"/>"
	"<DO name=\"AnIn\" type=\"MV\"/><DO name=\"Cnt\" type=\"INS\"/></LNodeType>\n"
	"<DOType id=\"INC\" cdc=\"INC\">"
	"<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"true\"/></DOType>\n"
	"<DOType id=\"SPS\" cdc=\"SPS\">"
	"<DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\" dchg=\"true\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/>"
	"<DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/>"
	"<DA name=\"d\" bType=\"VisString255\" fc=\"DC\" dchg=\"true\"/></DOType>\n"
	"<DOType id=\"MV\" cdc=\"MV\">"
	"<DA name=\"mag\" bType=\"Struct\" type=\"AV\" fc=\"MX\" dchg=\"true\" dupd=\"true\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"MX\" qchg=\"true\"/>"
	"<DA name=\"t\" bType=\"Timestamp\" fc=\"MX\"/>"
	"<DA name=\"db\" bType=\"INT32U\" fc=\"CF\" dchg=\"true\" dupd=\"true\"/></DOType>\n"
	"<DOType id=\"INS\" cdc=\"INS\">"
	"<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"true\" dupd=\"true\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/>"
	"<DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/></DOType>\n"
	"<DAType id=\"AV\"><BDA name=\"f\" bType=\"FLOAT32\"/></DAType>\n"
	"</DataTypeTemplates>\n</SCL>\n";

static struct model *M;
static const struct mdataset *dsA, *dsB;

/* What one observer was told, in order. */
#define MAX_SEEN 32
struct seen {
	int n, ends;
	struct model_change c[MAX_SEEN];
	/* what the member's leaf held when told (the value is in the model) */
	char text[MAX_SEEN][32];
	struct model_observer *self;	/* removes itself on its first call, when set */
	bool remove_self;
};

static void on_change(void *ctx, struct model *m, const struct model_change *c)
{
	struct seen *s = ctx;
	if (s->n < MAX_SEEN) {
		s->c[s->n] = *c;
		model_get_text(m, c->leaf, c->voff, s->text[s->n], sizeof(s->text[0]));
	}
	s->n++;
	if (s->remove_self)
		model_observe_remove(m, s->self);
}

static void on_end(void *ctx, struct model *m)
{
	(void)m;
	((struct seen *)ctx)->ends++;
}

static struct model_observer *watch(struct seen *s, const struct mdataset *ds, uint16_t reasons)
{
	memset(s, 0, sizeof(*s));
	const struct model_observer_desc d = { .reasons = reasons, .ds = ds, .change = on_change,
					       .end = on_end, .ctx = s };
	struct model_observer *o = model_observe_add(M, &d);
	ck_assert_ptr_nonnull(o);
	s->self = o;
	return o;
}

/* Whether `s` was told (ds, member, reason) about the leaf at `ref`. */
static bool told(const struct seen *s, const struct mdataset *ds, uint32_t member,
		 uint16_t reason, const char *ref)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(M, ref, &r), 0);
	for (int i = 0; i < s->n && i < MAX_SEEN; i++)
		if (s->c[i].ds == ds && s->c[i].member == member && s->c[i].reason == reason &&
		    s->c[i].voff == r.voff && s->c[i].leaf == r.type)
			return true;
	return false;
}

static struct model_attr bind(const char *ref)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(M, ref, &a), 0);
	return a;
}

static int update_bool(const char *ref, bool v, uint16_t q)
{
	struct model_attr a = bind(ref);
	struct model_val mv = { .kind = MODEL_V_BOOL, .v.b = v };
	uint8_t ts[8];
	model_timestamp(1700000000ull * 1000000000ull, 0, ts);
	return model_update(M, &a, &mv, q, ts);
}

static int update_num(const char *ref, double v, uint16_t q)
{
	struct model_attr a = bind(ref);
	struct model_val mv = { .kind = MODEL_V_FLOAT, .v.f = v };
	uint8_t ts[8];
	model_timestamp(1700000000ull * 1000000000ull, 0, ts);
	return model_update(M, &a, &mv, q, ts);
}

/* A client's write of MMS Data `data` into `ref`, as acsi does it. */
static int write_ref(const char *ref, const uint8_t *data, size_t n,
		     struct model_write_wait **wait)
{
	struct mref r;
	struct ber_cur cur;
	struct ber_tlv tlv;
	ck_assert_int_eq(model_resolve_ref(M, ref, &r), 0);
	ber_cur_init(&cur, data, n);
	ck_assert_int_eq(ber_next(&cur, &tlv, NULL), 0);
	return model_write(M, r.type, r.voff, &cur, &tlv, wait);
}

static void setup(void)
{
	char err[512];
	ck_assert_msg(model_load_scl_mem("obs.icd", scl, sizeof(scl) - 1, NULL, &M, err,
					 sizeof(err)) == 0, "%s", err);
	const struct mld *ld = model_find_ld_inst(M, "L");
	ck_assert_ptr_nonnull(ld);
	dsA = model_find_dataset(ld, "LLN0$dsA");
	dsB = model_find_dataset(ld, "LLN0$dsB");
	ck_assert_ptr_nonnull(dsA);
	ck_assert_ptr_nonnull(dsB);
	ck_assert_uint_eq(dsA->n, 3);
	ck_assert_uint_eq(dsB->n, 4);
}

static void teardown(void)
{
	model_free(M);	/* frees observers still registered */
	M = NULL;
}

START_TEST(index_and_control_blocks)
{
	ck_assert_uint_eq(model_n_datasets(M), 2);
	ck_assert_ptr_eq(model_dataset_no(M, 0), dsA);
	ck_assert_ptr_eq(model_dataset_no(M, 1), dsB);
	ck_assert_ptr_null(model_dataset_no(M, 2));
	uint32_t n;
	const struct mcb *const *cbs = model_dataset_cbs(M, dsA, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(cbs[0]->name, "rcbA");
	ck_assert_str_eq(cbs[1]->name, "gcbA");
	ck_assert_uint_eq(cbs[1]->kind, MCB_GOCB);
	cbs = model_dataset_cbs(M, dsB, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(cbs[0]->name, "rcbB");
	ck_assert_uint_gt(model_observe_index_size(M), 0);
	/* a data set of no model is refused, and so is no callback */
	struct mdataset other = { 0 };
	struct model_observer_desc d = { .ds = &other, .change = on_change };
	ck_assert_ptr_null(model_observe_add(M, &d));
	d = (struct model_observer_desc){ .ds = dsA };
	ck_assert_ptr_null(model_observe_add(M, &d));
}
END_TEST

START_TEST(update_dchg_reaches_overlapping_members)
{
	struct seen s;
	watch(&s, NULL, 0);
	const char *st = "L/GGIO1.Ind.stVal[ST]";
	ck_assert_int_eq(update_bool(st, true, 0) & MODEL_TRG_DCHG, MODEL_TRG_DCHG);
	/* the whole DO (dsA 0), the DA under it (dsA 1), the same DA in dsB
	 * (dsB 0); not dsB's Ind.d[DC], another FC of the same DO */
	ck_assert_int_eq(s.n, 3);
	ck_assert(told(&s, dsA, 0, MODEL_TRG_DCHG, st));
	ck_assert(told(&s, dsA, 1, MODEL_TRG_DCHG, st));
	ck_assert(told(&s, dsB, 0, MODEL_TRG_DCHG, st));
	ck_assert_str_eq(s.text[0], "true");	/* the new value is in the model */
	ck_assert_int_eq(s.ends, 1);
	for (int i = 0; i < s.n; i++)
		ck_assert_uint_eq(s.c[i].ds_no, s.c[i].ds == dsA ? 0 : 1);
	/* the same value again: no dchg, and stVal has no dupd: nothing */
	s.n = s.ends = 0;
	ck_assert_int_eq(update_bool(st, true, 0), MODEL_TRG_DUPD);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(s.ends, 0);
}
END_TEST

START_TEST(update_qchg_only_to_members_holding_q)
{
	struct seen s;
	watch(&s, NULL, 0);
	const char *st = "L/GGIO1.Ind.stVal[ST]";
	/* IEC 61850-7-3 §6.2 validity invalid: q changes, the value not */
	ck_assert_int_eq(update_bool(st, false, 0x4000), MODEL_TRG_QCHG | MODEL_TRG_DUPD);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsA, 0, MODEL_TRG_QCHG, "L/GGIO1.Ind.q[ST]"));
	ck_assert_int_eq(s.ends, 1);
	/* value and q at once: one end after both */
	s.n = s.ends = 0;
	ck_assert_int_eq(update_bool(st, true, 0), MODEL_TRG_DCHG | MODEL_TRG_QCHG | MODEL_TRG_DUPD);
	ck_assert_int_eq(s.n, 4);
	ck_assert(told(&s, dsA, 0, MODEL_TRG_QCHG, "L/GGIO1.Ind.q[ST]"));
	ck_assert(told(&s, dsA, 0, MODEL_TRG_DCHG, st));
	ck_assert_int_eq(s.ends, 1);
}
END_TEST

START_TEST(update_dupd_where_the_da_has_it)
{
	struct seen s;
	watch(&s, NULL, 0);
	/* Cnt.stVal: dchg and dupd; Cnt is a whole DO in dsB (member 3) */
	const char *cnt = "L/GGIO1.Cnt.stVal[ST]";
	update_num(cnt, 5, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 3, MODEL_TRG_DCHG | MODEL_TRG_DUPD, cnt));
	s.n = 0;
	update_num(cnt, 5, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 3, MODEL_TRG_DUPD, cnt));
	/* a BDA inherits its DA's options: AnIn.mag.f in dsA's AnIn.mag */
	const char *f = "L/GGIO1.AnIn.mag.f[MX]";
	s.n = 0;
	update_num(f, 1.5, 0);
	update_num(f, 1.5, 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert(told(&s, dsA, 2, MODEL_TRG_DCHG | MODEL_TRG_DUPD, f));
	ck_assert(told(&s, dsA, 2, MODEL_TRG_DUPD, f));
	/* AnIn.q changes: the member is AnIn.mag, which does not hold q */
	s.n = 0;
	update_num(f, 1.5, 0x4000);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsA, 2, MODEL_TRG_DUPD, f));
	ck_assert_int_eq(s.ends, 5);
	/* a value that does not fit: q invalid (not in a member), no dupd */
	s.n = 0;
	struct model_attr a = bind(cnt);
	struct model_val v = { .kind = MODEL_V_FLOAT, .v.f = 1e300 };
	uint8_t ts[8] = { 0 };
	ck_assert_int_eq(model_update(M, &a, &v, 0, ts), -ERANGE);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 3, MODEL_TRG_QCHG, "L/GGIO1.Cnt.q[ST]"));
}
END_TEST

START_TEST(reasons_and_data_set_filters)
{
	struct seen all, onlyB, onlyQ;
	watch(&all, NULL, 0);
	watch(&onlyB, dsB, 0);
	watch(&onlyQ, NULL, MODEL_TRG_QCHG);
	const char *st = "L/GGIO1.Ind.stVal[ST]";
	update_bool(st, true, 0x4000);
	ck_assert_int_eq(all.n, 4);
	ck_assert_int_eq(onlyB.n, 1);
	ck_assert(told(&onlyB, dsB, 0, MODEL_TRG_DCHG, st));
	ck_assert_int_eq(onlyQ.n, 1);
	ck_assert(told(&onlyQ, dsA, 0, MODEL_TRG_QCHG, "L/GGIO1.Ind.q[ST]"));
	ck_assert_int_eq(all.ends + onlyB.ends + onlyQ.ends, 3);
	/* an update that concerns none of onlyB's members: not told, no end */
	onlyB.n = onlyB.ends = 0;
	update_num("L/GGIO1.AnIn.mag.f[MX]", 7, 0);
	ck_assert_int_eq(onlyB.n, 0);
	ck_assert_int_eq(onlyB.ends, 0);
	/* reasons filter what is passed: dchg|dupd told as dupd only */
	struct seen dupd;
	watch(&dupd, NULL, MODEL_TRG_DUPD);
	update_num("L/GGIO1.AnIn.mag.f[MX]", 8, 0);
	ck_assert_int_eq(dupd.n, 1);
	ck_assert_uint_eq(dupd.c[0].reason, MODEL_TRG_DUPD);
}
END_TEST

START_TEST(unregister_and_two_observers)
{
	struct seen a, b;
	struct model_observer *oa = watch(&a, NULL, 0);
	struct model_observer *ob = watch(&b, dsA, 0);
	const char *st = "L/GGIO1.Ind.stVal[ST]";
	update_bool(st, true, 0);
	ck_assert_int_eq(a.n, 3);
	ck_assert_int_eq(b.n, 2);
	model_observe_remove(M, oa);
	update_bool(st, false, 0);
	ck_assert_int_eq(a.n, 3);
	ck_assert_int_eq(b.n, 4);
	model_observe_remove(M, ob);
	model_observe_remove(M, NULL);
	update_bool(st, true, 0);
	ck_assert_int_eq(b.n, 4);
	/* removed from inside its own callback: not called again, even for the
	 * other members of the same change, and no end */
	struct seen c;
	watch(&c, NULL, 0);
	c.remove_self = true;
	update_bool(st, false, 0);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.ends, 0);
	update_bool(st, true, 0);
	ck_assert_int_eq(c.n, 1);
	/* registered again after all that: works */
	struct seen d;
	watch(&d, dsB, 0);
	update_bool(st, false, 0);
	ck_assert_int_eq(d.n, 1);
}
END_TEST

START_TEST(client_write)
{
	struct seen s;
	watch(&s, NULL, 0);
	/* AnIn.db[CF]: dchg, dupd; dsB member 2 */
	const char *db = "L/GGIO1.AnIn.db[CF]";
	static const uint8_t u42[] = { 0x86, 0x01, 0x2A };
	ck_assert_int_eq(write_ref(db, u42, sizeof(u42), NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 2, MODEL_TRG_DCHG | MODEL_TRG_DUPD, db));
	ck_assert_str_eq(s.text[0], "42");
	ck_assert_int_eq(s.ends, 1);
	/* the same value: dupd only */
	s.n = 0;
	ck_assert_int_eq(write_ref(db, u42, sizeof(u42), NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 2, MODEL_TRG_DUPD, db));
	/* a write that fails tells nobody */
	s.n = 0;
	static const uint8_t wrong[] = { 0x83, 0x01, 0x00 };
	ck_assert_int_eq(write_ref(db, wrong, sizeof(wrong), NULL), 7 /* type-inconsistent */);
	ck_assert_int_eq(s.n, 0);
	/* Ind.d[DC] (dchg): dsB member 1, only; the ST members of Ind are not
	 * concerned by a DC write */
	static const uint8_t vs[] = { 0x8A, 0x02, 'h', 'i' };
	ck_assert_int_eq(write_ref("L/GGIO1.Ind.d[DC]", vs, sizeof(vs), NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 1, MODEL_TRG_DCHG, "L/GGIO1.Ind.d[DC]"));
	/* a structure written whole (GGIO1$CF: AnIn { db }): per leaf */
	s.n = 0;
	static const uint8_t cf[] = { 0xA2, 0x05, 0xA2, 0x03, 0x86, 0x01, 0x07 };
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(M, model_find_ld_inst(M, "L")->name, "GGIO1$CF", &r), 0);
	struct ber_cur cur;
	struct ber_tlv tlv;
	ber_cur_init(&cur, cf, sizeof(cf));
	ck_assert_int_eq(ber_next(&cur, &tlv, NULL), 0);
	ck_assert_int_eq(model_write(M, r.type, r.voff, &cur, &tlv, NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 2, MODEL_TRG_DCHG | MODEL_TRG_DUPD, db));
	ck_assert_str_eq(s.text[0], "7");
}
END_TEST

/* A hook that defers, as a blocking source does. */
static int defer_hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	(void)id;
	(void)m;
	*(struct model_write_wait **)ctx = model_wcall_defer(call);
	return 0;
}

START_TEST(deferred_write_told_when_applied)
{
	struct seen s;
	watch(&s, NULL, 0);
	const char *db = "L/GGIO1.AnIn.db[CF]";
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(M, db, &r), 0);
	struct model_write_wait *ticket = NULL, *wait = NULL;
	const uint32_t voff = r.voff, id = 0;
	const struct model_write_hooks h = { .fn = defer_hook, .ctx = &ticket, .n = 1,
					     .voff = &voff, .id = &id };
	model_set_write_hooks(M, &h);
	static const uint8_t u9[] = { 0x86, 0x01, 0x09 };
	ck_assert_int_eq(write_ref(db, u9, sizeof(u9), &wait), MODEL_WRITE_PENDING);
	ck_assert_ptr_nonnull(ticket);
	ck_assert_int_eq(s.n, 0);	/* the model still shows the old value */
	model_write_done(ticket, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 2, MODEL_TRG_DCHG | MODEL_TRG_DUPD, db));
	ck_assert_str_eq(s.text[0], "9");
	/* the source refuses: nobody is told */
	s.n = 0;
	ck_assert_int_eq(write_ref(db, u9, sizeof(u9), &wait), MODEL_WRITE_PENDING);
	model_write_done(ticket, 1 /* hardware-fault */);
	ck_assert_int_eq(s.n, 0);
	/* a hook that answers at once: told after the hook */
	ticket = NULL;
	ck_assert_int_eq(write_ref(db, u9, sizeof(u9), NULL), 0);
	ck_assert_ptr_null(ticket);
	ck_assert_int_eq(s.n, 1);
	ck_assert(told(&s, dsB, 2, MODEL_TRG_DUPD, db));
	model_set_write_hooks(M, NULL);
}
END_TEST

START_TEST(no_data_sets)
{
	/* a model without data sets: an empty index, observers still work */
	static const char bare[] =
		"<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\">\n<Header id=\"x\"/>\n"
		"<IED name=\"E\"><AccessPoint name=\"A\"><Server>\n<LDevice inst=\"L\">\n"
		"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\"/>\n"
		"</LDevice>\n</Server></AccessPoint></IED>\n<DataTypeTemplates>\n"
		"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/></LNodeType>\n"
		"<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" "
		"dchg=\"true\"/><DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/></DOType>\n"
		"</DataTypeTemplates>\n</SCL>\n";
	struct model *m;
	char err[512];
	ck_assert_int_eq(model_load_scl_mem("bare.icd", bare, sizeof(bare) - 1, NULL, &m, err,
					    sizeof(err)), 0);
	ck_assert_uint_eq(model_n_datasets(m), 0);
	struct seen s = { 0 };
	struct model_observer_desc d = { .change = on_change, .ctx = &s };
	ck_assert_ptr_nonnull(model_observe_add(m, &d));
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(m, "L/LLN0.Mod.stVal[ST]", &a), 0);
	struct model_val v = { .kind = MODEL_V_INT, .v.i = 3 };
	uint8_t ts[8] = { 0 };
	ck_assert_int_eq(model_update(m, &a, &v, 0x4000, ts), MODEL_TRG_DCHG | MODEL_TRG_QCHG |
				 MODEL_TRG_DUPD);
	ck_assert_int_eq(s.n, 0);
	model_free(m);
}
END_TEST

/* A callback that changes a value breaks the contract (observe.h): the
 * delivery is not reentrant, and says so. */
static void changes_a_value(void *ctx, struct model *m, const struct model_change *c)
{
	(void)ctx;
	(void)m;
	(void)c;
	update_bool("L/GGIO1.Ind.stVal[ST]", false, 0);
}

START_TEST(callback_may_not_change_values)
{
	const struct model_observer_desc d = { .change = changes_a_value };
	ck_assert_ptr_nonnull(model_observe_add(M, &d));
	update_bool("L/GGIO1.Ind.stVal[ST]", true, 0);	/* aborts */
}
END_TEST

/* The generated 1,000-LN model (tools/gen-scl.py): data set Events holds
 * MMXUk.TotW[MX], GGIOk.Ind1[ST], XCBRk.Pos[ST] for k = 1..10, in that
 * order. Each member is reached by a change of its leaf, nothing else is,
 * and the index stays small. */
START_TEST(generated_model)
{
	const char *path = getenv("IEDD_GEN1000");
	ck_assert_msg(path != NULL, "IEDD_GEN1000 is not set (meson sets it)");
	char err[512];
	struct model *saved = M;
	ck_assert_int_eq(model_load_scl(path, NULL, &M, err, sizeof(err)), 0);
	const struct mdataset *ev = model_find_dataset(model_find_ld_inst(M, "LD0"),
						       "LLN0$Events");
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->n, 30);
	size_t bytes = model_observe_index_size(M);
	printf("# change index of the 1000-LN model: %zu octets for %u members\n", bytes, ev->n);
	ck_assert_uint_le(bytes, 512 + 64 * ev->n);
	struct seen s;
	watch(&s, NULL, 0);
	for (uint32_t i = 0; i < 30; i++) {
		char ref[96];
		uint32_t k = i / 3 + 1;
		s.n = 0;
		if (i % 3 == 0) {
			snprintf(ref, sizeof(ref), "LD0/MMXU%u.TotW.mag.f[MX]", k);
			update_num(ref, 100 + i, 0);
			ck_assert(told(&s, ev, i, MODEL_TRG_DCHG | MODEL_TRG_DUPD, ref));
		} else if (i % 3 == 1) {
			snprintf(ref, sizeof(ref), "LD0/GGIO%u.Ind1.stVal[ST]", k);
			update_bool(ref, true, 0);
			ck_assert(told(&s, ev, i, MODEL_TRG_DCHG, ref));
		} else {
			snprintf(ref, sizeof(ref), "LD0/XCBR%u.Pos.stVal[ST]", k);
			update_num(ref, 2 /* on */, 0x4000);
			ck_assert_int_eq(s.n, 2);
			ck_assert(told(&s, ev, i, MODEL_TRG_DCHG, ref));
			snprintf(ref, sizeof(ref), "LD0/XCBR%u.Pos.q[ST]", k);
			ck_assert(told(&s, ev, i, MODEL_TRG_QCHG, ref));
		}
		ck_assert_int_ge(s.n, 1);
	}
	/* the 11th of each class is not in the data set */
	s.n = 0;
	update_num("LD0/MMXU11.TotW.mag.f[MX]", 5, 0);
	update_bool("LD0/GGIO11.Ind1.stVal[ST]", true, 0);
	update_num("LD0/MMXU1.TotVAr.mag.f[MX]", 5, 0);
	ck_assert_int_eq(s.n, 0);
	model_free(M);
	M = saved;
}
END_TEST

static Suite *observe_suite(void)
{
	Suite *s = suite_create("observe");
	TCase *tc = tcase_create("observe");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, index_and_control_blocks);
	tcase_add_test(tc, update_dchg_reaches_overlapping_members);
	tcase_add_test(tc, update_qchg_only_to_members_holding_q);
	tcase_add_test(tc, update_dupd_where_the_da_has_it);
	tcase_add_test(tc, reasons_and_data_set_filters);
	tcase_add_test(tc, unregister_and_two_observers);
	tcase_add_test(tc, client_write);
	tcase_add_test(tc, deferred_write_told_when_applied);
	tcase_add_test(tc, no_data_sets);
	tcase_add_test_raise_signal(tc, callback_may_not_change_values, SIGABRT);
	tcase_add_test(tc, generated_model);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(observe_suite)
