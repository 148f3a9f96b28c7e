/* SPDX-License-Identifier: Apache-2.0 */
/* The control model (acsi/control.c) through in-memory associations on the
 * embedded sample model and a fake clock: direct and SBO with enhanced
 * security, LastApplError and its AddCause for every refusal path the
 * sample reaches, CommandTermination + and -, sboTimeout, operTimeout,
 * Cancel, two associations, association loss, Beh and Loc. A test hook
 * stands for the source: it records what reaches it, and the test plays
 * the process by updating the status. */
#include <errno.h>

#include "embedded.h"
#include "mms_access.h"
#include "mms_report.h"
#include "srv_clients.h"
#include "update.h"

#define LD "IEDD1BAY"

struct env {
	struct fake f;
	struct model *m;
	struct acsi_controls *C;
	/* the source */
	uint32_t hook_voff[8];
	uint32_t hook_id[8];
	struct model_write_hooks hooks;
	uint32_t writes;		/* commands that reached the source */
	int64_t last_ctl;
	bool nested;			/* nested_up's model: the hook counts only */
};

static struct env E;

/* A source with control(): what it was offered, and its answer. */
static struct {
	uint32_t calls;
	struct model_command last;
	int answer;		/* AddCause to refuse with; 0 accepts */
	bool later;		/* answer later, through c->wait (a blocking plugin) */
	struct model_write_wait *wait;
} S;

static void cmd_hook(void *ctx, struct model *m, const struct model_command *c,
		     struct model_command_result *out)
{
	(void)ctx;
	(void)m;
	S.calls++;
	S.last = *c;
	out->handled = true;
	if (S.later && c->wait) {
		S.wait = c->wait;
		out->pending = true;
		return;
	}
	out->add_cause = S.answer;
	out->dae = S.answer ? MMS_DAE_OBJECT_ACCESS_DENIED : 0;
}

static int hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	(void)ctx;
	(void)call;
	struct model_val v;
	struct mref r;
	if (E.nested) {
		E.writes++;
		return 0;
	}
	ck_assert_int_eq(model_resolve_mms(m, LD, id ? "XSWI1$CO$Pos$Oper$ctlVal" :
						      "XCBR1$CO$Pos$Oper$ctlVal", &r), 0);
	ck_assert_int_eq(model_load_val(m, r.type, r.voff, &v, NULL, 0), 0);
	E.writes++;
	E.last_ctl = v.v.b;
	return 0;
}

static void env_up_cfg(const struct acsi_control_cfg *cfg);

static void env_up(void)
{
	env_up_cfg(NULL);
}

static void env_up_cfg(const struct acsi_control_cfg *cfg)
{
	char err[512];
	memset(&E, 0, sizeof(E));
	timer_queue_init(&E.f.q);
	E.f.utc0 = 1700000000ull * 1000000000ull;
	ck_assert_int_eq(model_load_scl_mem("sample.icd", embedded_sample_icd,
					    embedded_sample_icd_len, NULL, &E.m, err, sizeof(err)),
			 0);
	/* the source carries XCBR1.Pos and XSWI1.Pos (map rows with w) */
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(E.m, LD, "XCBR1$CO$Pos$Oper$ctlVal", &r), 0);
	uint32_t a = r.voff;
	ck_assert_int_eq(model_resolve_mms(E.m, LD, "XSWI1$CO$Pos$Oper$ctlVal", &r), 0);
	uint32_t b = r.voff;
	E.hook_voff[0] = a < b ? a : b;
	E.hook_id[0] = a < b ? 0 : 1;
	E.hook_voff[1] = a < b ? b : a;
	E.hook_id[1] = a < b ? 1 : 0;
	E.hooks = (struct model_write_hooks){ .fn = hook, .n = 2, .voff = E.hook_voff,
					      .id = E.hook_id };
	model_set_write_hooks(E.m, &E.hooks);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &E.f };
	E.C = acsi_controls_new(E.m, &clk, cfg);
	memset(&S, 0, sizeof(S));
	ck_assert_ptr_nonnull(E.C);
}

static void env_down(void)
{
	acsi_controls_free(E.C);
	model_set_write_hooks(E.m, NULL);
	model_free(E.m);
	timer_queue_clear(&E.f.q);
}

static void cl_up(struct cl *c)
{
	cl_up_srv(c, 65000, E.m, NULL, E.C);
}

/* ---- commands ---- */

struct cmd {
	bool val;
	uint8_t or_cat;
	const char *or_ident;
	uint8_t ctl_num;
	bool test;
	uint8_t check;	/* bit 1 synchrocheck, bit 0 interlock (as stored) */
	bool cancel;	/* Cancel has no Check */
};

static size_t enc_cmd(const struct cmd *k, uint8_t *d)
{
	size_t n = 0, id = strlen(k->or_ident);
	d[n++] = 0xA2;
	size_t lenat = n++;
	d[n++] = 0x83, d[n++] = 1, d[n++] = k->val ? 0xFF : 0;
	d[n++] = 0xA2, d[n++] = (uint8_t)(5 + id);
	d[n++] = 0x85, d[n++] = 1, d[n++] = k->or_cat;
	d[n++] = 0x89, d[n++] = (uint8_t)id;
	memcpy(d + n, k->or_ident, id);
	n += id;
	d[n++] = 0x86, d[n++] = 2, d[n++] = 0, d[n++] = k->ctl_num;
	d[n++] = 0x91, d[n++] = 8;
	static const uint8_t T[8] = { 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 0x0A };
	memcpy(d + n, T, 8);
	n += 8;
	d[n++] = 0x83, d[n++] = 1, d[n++] = k->test ? 0xFF : 0;
	if (!k->cancel)
		d[n++] = 0x84, d[n++] = 2, d[n++] = 6, d[n++] = (uint8_t)(k->check << 6);
	d[lenat] = (uint8_t)(n - 2);
	return n;
}

static int cmd(struct cl *c, const char *item, const struct cmd *k)
{
	uint8_t d[128];
	return wr(c, item, d, enc_cmd(k, d));
}

static struct cmd K(bool val, uint8_t num)
{
	return (struct cmd){ .val = val, .or_cat = 3, .or_ident = "scada", .ctl_num = num };
}

/* ---- what came back unasked ---- */

/* The report k of c: its variable names (vmd "LastApplError" or
 * domain/item) and AccessResults. */
struct got {
	uint32_t n;
	char names[2][200];
	const uint8_t *res;	/* the listOfAccessResult contents */
	size_t res_len;
};

static void got(struct cl *c, uint32_t k, struct got *g)
{
	memset(g, 0, sizeof(*g));
	ck_assert_uint_lt(k, c->rx.n);
	struct mms_pdu p;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.rep[k]), c->rx.rep[k].len, &p, NULL), 0);
	const uint8_t *body;
	size_t len;
	ck_assert_int_eq(mms_unconfirmed_report(&p, &body, &len, NULL), 1);
	struct ber_cur cur, lc, ic, vc;
	struct ber_tlv t, it, vs, nm;
	ber_cur_init(&cur, body, len);
	ck_assert_int_eq(ber_next(&cur, &t, NULL), 0);
	ck_assert_uint_eq(t.tag, 0); /* listOfVariable */
	ck_assert_int_eq(ber_enter(&cur, &t, &lc, NULL), 0);
	while (!ber_next(&lc, &it, NULL)) {
		ck_assert_uint_lt(g->n, 2);
		ck_assert_int_eq(ber_enter(&lc, &it, &ic, NULL), 0);
		ck_assert_int_eq(ber_next(&ic, &vs, NULL), 0);
		ck_assert_int_eq(ber_enter(&ic, &vs, &vc, NULL), 0);
		ck_assert_int_eq(ber_next(&vc, &nm, NULL), 0);
		struct mms_objname on;
		ck_assert_int_eq(mms_objname_decode(&vc, &nm, &on, NULL), 0);
		if (on.scope == MMS_SCOPE_VMD)
			snprintf(g->names[g->n], sizeof(g->names[0]), "%s", on.item);
		else
			snprintf(g->names[g->n], sizeof(g->names[0]), "%s/%s", on.domain, on.item);
		g->n++;
	}
	ck_assert_int_eq(ber_next(&cur, &t, NULL), 0);
	ck_assert_uint_eq(t.tag, 0); /* listOfAccessResult */
	g->res = t.val;
	g->res_len = t.len;
}

/* The LastApplError structure's fields (the first AccessResult). */
struct lae {
	char obj[200];
	int64_t error, or_cat, ctl_num, cause;
};

static void lae_of(const struct got *g, struct lae *o)
{
	struct ber_cur cur, sc, oc;
	struct ber_tlv s, f;
	ber_cur_init(&cur, g->res, g->res_len);
	ck_assert_int_eq(ber_next(&cur, &s, NULL), 0);
	ck_assert_int_eq(ber_enter(&cur, &s, &sc, NULL), 0);
	ck_assert_int_eq(ber_next(&sc, &f, NULL), 0);
	ck_assert_int_eq(ber_get_visible(&f, o->obj, sizeof(o->obj), NULL), 0);
	ck_assert_int_eq(ber_next(&sc, &f, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&f, &o->error, NULL), 0);
	ck_assert_int_eq(ber_next(&sc, &f, NULL), 0);
	ck_assert_int_eq(ber_enter(&sc, &f, &oc, NULL), 0);
	struct ber_tlv cat;
	ck_assert_int_eq(ber_next(&oc, &cat, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&cat, &o->or_cat, NULL), 0);
	ck_assert_int_eq(ber_next(&sc, &f, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&f, &o->ctl_num, NULL), 0);
	ck_assert_int_eq(ber_next(&sc, &f, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&f, &o->cause, NULL), 0);
}

/* Exactly one LastApplError arrived since `from`, with this AddCause. */
static void expect_lae(struct cl *c, uint32_t from, const char *obj, int cause)
{
	ck_assert_uint_eq(c->rx.n, from + 1);
	struct got g;
	struct lae l;
	got(c, from, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.names[0], "LastApplError");
	lae_of(&g, &l);
	ck_assert_str_eq(l.obj, obj);
	ck_assert_int_eq(l.cause, cause);
	ck_assert_int_eq(l.error, 0);
}

static int64_t val(const char *item)
{
	struct mref r;
	struct model_val v;
	ck_assert_int_eq(model_resolve_mms(E.m, LD, item, &r), 0);
	ck_assert_int_eq(model_load_val(E.m, r.type, r.voff, &v, NULL, 0), 0);
	return v.kind == MODEL_V_BOOL ? v.v.b : v.kind == MODEL_V_UINT ? (int64_t)v.v.u : v.v.i;
}

static void set(const char *ref, const char *text)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(E.m, ref, &r), 0);
	ck_assert_int_eq(model_set_text(E.m, r.type, r.voff, text), 0);
}

/* The process moves: a status value from the source. */
static void feedback(const char *ref, int64_t v)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	struct model_val mv = { .kind = MODEL_V_INT, .v.i = v };
	uint8_t ts[8];
	model_timestamp(f_utc(&E.f), 0, ts);
	ck_assert_int_ge(model_update(E.m, &a, &mv, 0, ts), 0);
}

#define CB "XCBR1$CO$Pos$"
#define CB_OBJ LD "/XCBR1$CO$Pos$"

/* ---- tests ---- */

START_TEST(finds_the_controls)
{
	env_up();
	/* XCBR1.Pos, XSWI1.Pos, BlkOpn and BlkCls of both, WTUR1.SetTurOp */
	ck_assert_uint_ge(acsi_controls_count(E.C), 5);
	env_down();
}
END_TEST

START_TEST(direct_normal_operates)
{
	env_up();
	struct cl a;
	cl_up(&a);
	/* XSWI1.Pos: direct-with-normal-security */
	struct cmd k = K(false, 7);
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 1);
	ck_assert_int_eq(E.last_ctl, 0);
	ck_assert_uint_eq(a.rx.n, 0); /* no LastApplError, no termination */
	/* normal security ends at Oper+: nothing later either */
	advance(&E.f, 20000000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 0);
	/* status-only refuses */
	set(LD "/XSWI1.Pos.ctlModel[CF]", "status-only");
	k.ctl_num = 8;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_NOT_SUPPORTED);
	ck_assert_uint_eq(E.writes, 1);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(sbo_enhanced_full_cycle)
{
	env_up();
	struct cl a;
	cl_up(&a);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stVal"), 2); /* on */
	struct cmd k = K(false, 1);
	/* Oper before a select */
	ck_assert_int_eq(cmd(&a, CB "Oper", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&a, 0, CB_OBJ "Oper", IEC_ADDCAUSE_OBJECT_NOT_SELECTED);
	ck_assert_uint_eq(E.writes, 0);
	/* SelectWithValue */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 1);
	/* Oper with the selection's parameters */
	ck_assert_int_eq(cmd(&a, CB "Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert_uint_eq(E.writes, 1);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0); /* operate-once */
	/* nothing until the process moves */
	advance(&E.f, 50000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	/* a second command meanwhile */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&a, 1, CB_OBJ "SBOw", IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION);
	/* intermediate position, then off: CommandTermination+ */
	feedback(LD "/XCBR1.Pos.stVal[ST]", 0);
	advance(&E.f, 1000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 2);
	feedback(LD "/XCBR1.Pos.stVal[ST]", 1);
	advance(&E.f, 1000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 3);
	struct got g;
	got(&a, 2, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.names[0], LD "/XCBR1$CO$Pos$Oper");
	struct acsi_controls_stats st;
	acsi_controls_stats(E.C, &st);
	ck_assert_uint_eq(st.terminations_ok, 1);
	/* the status shows the command's originator */
	ck_assert_int_eq(val("XCBR1$ST$Pos$stVal"), 1);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(sbo_enhanced_refusals)
{
	env_up();
	struct cl a;
	cl_up(&a);
	struct cmd k = K(false, 1);
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	/* selecting again */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&a, 0, CB_OBJ "SBOw", IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED);
	/* Oper with another ctlNum: inconsistent, and the selection ends */
	struct cmd other = K(false, 2);
	ck_assert_int_eq(cmd(&a, CB "Oper", &other), MMS_DAE_TYPE_INCONSISTENT);
	expect_lae(&a, 1, CB_OBJ "Oper", IEC_ADDCAUSE_INCONSISTENT_PARAMETERS);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	ck_assert_uint_eq(E.writes, 0);
	/* another ctlVal: the same */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	other = K(true, 1);
	ck_assert_int_eq(cmd(&a, CB "Oper", &other), MMS_DAE_TYPE_INCONSISTENT);
	expect_lae(&a, 2, CB_OBJ "Oper", IEC_ADDCAUSE_INCONSISTENT_PARAMETERS);
	/* Cancel with nothing selected */
	struct cmd c = k;
	c.cancel = true;
	ck_assert_int_eq(cmd(&a, CB "Cancel", &c), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&a, 3, CB_OBJ "Cancel", IEC_ADDCAUSE_OBJECT_NOT_SELECTED);
	/* a structure that is not Oper's changes nothing */
	const uint8_t bad[] = { 0x85, 0x01, 0x01 };
	ck_assert_int_eq(wr(&a, CB "Oper", bad, sizeof(bad)), MMS_DAE_TYPE_INCONSISTENT);
	ck_assert_uint_eq(a.rx.n, 4);
	/* an orCat that OrCatKind does not have: not a value of Oper's
	 * type, so no command either (no LastApplError) */
	struct cmd cat = k;
	cat.or_cat = 42;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &cat), MMS_DAE_OBJECT_VALUE_INVALID);
	ck_assert_uint_eq(a.rx.n, 4);
	/* writing a part of Oper */
	const uint8_t part[] = { 0x83, 0x01, 0x00 };
	ck_assert_int_eq(wr(&a, CB "Oper$ctlVal", part, sizeof(part)), MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_uint_eq(E.writes, 0);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(timeouts)
{
	env_up();
	struct cl a;
	cl_up(&a);
	struct cmd k = K(false, 3);
	/* sboTimeout (30000 ms in the sample) */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	advance(&E.f, 29900000);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 1);
	advance(&E.f, 200000);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	ck_assert_int_eq(cmd(&a, CB "Oper", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&a, 0, CB_OBJ "Oper", IEC_ADDCAUSE_OBJECT_NOT_SELECTED);
	/* operTimeout (10 s by default): CommandTermination- Time-limit-over */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	ck_assert_int_eq(cmd(&a, CB "Oper", &k), MMS_DAE_SUCCESS);
	advance(&E.f, 9900000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	advance(&E.f, 200000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 2);
	struct got g;
	struct lae l;
	got(&a, 1, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_str_eq(g.names[0], "LastApplError");
	ck_assert_str_eq(g.names[1], LD "/XCBR1$CO$Pos$Oper");
	lae_of(&g, &l);
	ck_assert_int_eq(l.cause, IEC_ADDCAUSE_TIME_LIMIT_OVER);
	ck_assert_int_eq(l.error, 2); /* timeout-test-not-ok */
	ck_assert_int_eq(l.ctl_num, 3);
	ck_assert_int_eq(l.or_cat, 3);
	/* free again */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(two_associations_and_loss)
{
	env_up();
	struct cl a, b;
	cl_up(&a);
	cl_up(&b);
	struct cmd k = K(false, 1);
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	ck_assert_int_eq(cmd(&b, CB "SBOw", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&b, 0, CB_OBJ "SBOw", IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT);
	ck_assert_int_eq(cmd(&b, CB "Oper", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&b, 1, CB_OBJ "Oper", IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT);
	struct cmd c = k;
	c.cancel = true;
	ck_assert_int_eq(cmd(&b, CB "Cancel", &c), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&b, 2, CB_OBJ "Cancel", IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT);
	/* A's own Cancel ends the selection */
	ck_assert_int_eq(cmd(&a, CB "Cancel", &c), MMS_DAE_SUCCESS);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	/* A selects and goes away: the selection ends with it */
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	cl_down(&a);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	ck_assert_int_eq(cmd(&b, CB "SBOw", &k), MMS_DAE_SUCCESS);
	/* B operates and goes away before the termination: nothing is sent
	 * and the object is free for the next */
	ck_assert_int_eq(cmd(&b, CB "Oper", &k), MMS_DAE_SUCCESS);
	cl_down(&b);
	feedback(LD "/XCBR1.Pos.stVal[ST]", 1);
	advance(&E.f, 20000000);
	struct acsi_controls_stats st;
	acsi_controls_stats(E.C, &st);
	ck_assert_uint_eq(st.terminations_ok + st.terminations_failed, 0);
	cl_up(&a);
	k = K(true, 9);
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(behaviour_and_local)
{
	env_up();
	struct cl a;
	cl_up(&a);
	struct cmd k = K(true, 1);
	/* Beh off */
	set(LD "/XSWI1.Beh.stVal[ST]", "5");
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_MODE);
	/* test: only Test=true */
	set(LD "/XSWI1.Beh.stVal[ST]", "3");
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 1, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_MODE);
	k.test = true;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 1);
	/* on: Test=true is refused */
	set(LD "/XSWI1.Beh.stVal[ST]", "1");
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 2, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_MODE);
	k.test = false;
	/* local: remote (orCat 3) refused, bay control (1) accepted */
	set(LD "/XSWI1.Loc.stVal[ST]", "true");
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 3, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_SWITCHING_HIERARCHY);
	k.or_cat = 1;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 2);
	/* an object no source carries (BlkOpn has no map row here) */
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$BlkOpn$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 4, LD "/XSWI1$CO$BlkOpn$Oper", IEC_ADDCAUSE_BLOCKED_BY_PROCESS);
	cl_down(&a);
	env_down();
}
END_TEST

START_TEST(source_with_control)
{
	env_up();
	model_set_command_hook(E.m, cmd_hook, NULL);
	struct cl a;
	cl_up(&a);
	/* the source takes the operate with its parameters, instead of the
	 * plain write */
	struct cmd k = K(false, 42);
	k.check = 1; /* interlock-check */
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(S.calls, 1);
	ck_assert_uint_eq(S.last.step, MODEL_CMD_OPERATE);
	ck_assert_uint_eq(S.last.ctl_num, 42);
	ck_assert_uint_eq(S.last.or_cat, 3);
	ck_assert_uint_eq(S.last.or_ident_len, 5);
	ck_assert_mem_eq(S.last.or_ident, "scada", 5);
	ck_assert_uint_eq(S.last.check, 0x02);
	ck_assert_uint_eq(E.writes, 0);
	/* and refuses one: its AddCause reaches the client */
	S.answer = IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING;
	k.ctl_num = 43;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING);
	/* it checks at SelectWithValue, with the SBOw's value */
	S.answer = IEC_ADDCAUSE_BLOCKED_BY_SYNCHROCHECK;
	k = K(true, 44);
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 1, CB_OBJ "SBOw", IEC_ADDCAUSE_BLOCKED_BY_SYNCHROCHECK);
	ck_assert_uint_eq(S.last.step, MODEL_CMD_SELECT);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	S.answer = 0;
	ck_assert_int_eq(cmd(&a, CB "SBOw", &k), MMS_DAE_SUCCESS);
	struct cmd c = k;
	c.cancel = true;
	ck_assert_int_eq(cmd(&a, CB "Cancel", &c), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(S.last.step, MODEL_CMD_CANCEL);
	cl_down(&a);
	model_set_command_hook(E.m, NULL, NULL);
	env_down();
}
END_TEST

/* The Write result of the response in c->rx.resp. */
static int resp_result(struct cl *c)
{
	struct mms_pdu pdu;
	ck_assert_uint_gt(c->rx.resp.len, 0);
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.resp), c->rx.resp.len, &pdu, NULL), 0);
	int res[2];
	size_t n;
	ck_assert_int_eq(mms_client_write_decode(pdu.body, pdu.body_len, res, 2, &n, NULL), 0);
	return res[0];
}

/* Sends an Oper of XSWI1.Pos and collects what comes back at once. */
static void send_oper(struct cl *a, const struct cmd *k)
{
	uint8_t d[128];
	size_t n = enc_cmd(k, d);
	struct buf b;
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), LD);
	snprintf(on.item, sizeof(on.item), "XSWI1$CO$Pos$Oper");
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, ++a->invoke, &on, d, n);
	buf_reset(&a->rx.resp, 0);
	call(a, &b);
	buf_clear(&b);
}

/* A blocking source's control() answers on its thread: the Write response
 * waits for it, and carries its AddCause (LastApplError first). */
START_TEST(source_answers_later)
{
	env_up();
	model_set_command_hook(E.m, cmd_hook, NULL);
	S.later = true;
	struct cl a, b;
	cl_up(&a);
	cl_up(&b);
	struct cmd k = K(true, 11);
	send_oper(&a, &k);
	ck_assert_uint_eq(a.rx.resp.len, 0); /* no response yet */
	ck_assert_ptr_nonnull(S.wait);
	/* meanwhile the object is busy */
	k.ctl_num = 12;
	ck_assert_int_eq(cmd(&b, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	expect_lae(&b, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT);
	/* the source refuses: LastApplError, then the negative response */
	model_write_done(S.wait, MODEL_CMD_CAUSE(IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING));
	S.wait = NULL;
	drain(&a);
	expect_lae(&a, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING);
	ck_assert_int_eq(resp_result(&a), MMS_DAE_OBJECT_ACCESS_DENIED);
	/* the next one it accepts: success, and the plain write never happens */
	k.ctl_num = 13;
	send_oper(&a, &k);
	ck_assert_uint_eq(a.rx.resp.len, 0);
	model_write_done(S.wait, 0);
	S.wait = NULL;
	drain(&a);
	ck_assert_int_eq(resp_result(&a), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(a.rx.n, 1);
	ck_assert_uint_eq(E.writes, 0);
	/* a SelectWithValue it checks on its thread: selected when it says so */
	k = K(false, 20);
	uint8_t d[128];
	size_t n = enc_cmd(&k, d);
	struct buf rq;
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), LD);
	snprintf(on.item, sizeof(on.item), "XCBR1$CO$Pos$SBOw");
	buf_init(&rq, ISO_HEADROOM, 0);
	mms_client_write_req(&rq, ++a.invoke, &on, d, n);
	buf_reset(&a.rx.resp, 0);
	call(&a, &rq);
	buf_clear(&rq);
	ck_assert_uint_eq(a.rx.resp.len, 0);
	ck_assert_uint_eq(S.last.step, MODEL_CMD_SELECT);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 0);
	model_write_done(S.wait, 0);
	S.wait = NULL;
	drain(&a);
	ck_assert_int_eq(resp_result(&a), MMS_DAE_SUCCESS);
	ck_assert_int_eq(val("XCBR1$ST$Pos$stSeld"), 1);
	struct cmd c = k;
	c.cancel = true;
	S.later = false; /* a cancel does not wait */
	ck_assert_int_eq(cmd(&a, CB "Cancel", &c), MMS_DAE_SUCCESS);
	S.later = true;
	/* the client goes before the answer: nothing is sent, nothing leaks */
	k.ctl_num = 14;
	send_oper(&a, &k);
	cl_down(&a);
	model_write_done(S.wait, 0);
	S.wait = NULL;
	/* and one pending when the service goes is answered then */
	k.ctl_num = 15;
	send_oper(&b, &k);
	ck_assert_ptr_nonnull(S.wait);
	acsi_controls_free(E.C);
	E.C = NULL;
	b.p.srv.controls = NULL; /* the association outlives the service here */
	drain(&b);
	ck_assert_int_eq(resp_result(&b), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	model_write_done(S.wait, 0); /* the source's late answer finds nobody */
	S.wait = NULL;
	cl_down(&b);
	model_set_command_hook(E.m, NULL, NULL);
	env_down();
}
END_TEST

START_TEST(unchecked_interlock_refused_when_configured)
{
	const struct acsi_control_cfg cfg = { .refuse_unchecked = true };
	env_up_cfg(&cfg);
	struct cl a;
	cl_up(&a);
	struct cmd k = K(false, 1);
	k.check = 1;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 0, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING);
	k.check = 2;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_OBJECT_ACCESS_DENIED);
	expect_lae(&a, 1, LD "/XSWI1$CO$Pos$Oper", IEC_ADDCAUSE_BLOCKED_BY_SYNCHROCHECK);
	ck_assert_uint_eq(E.writes, 0);
	k.check = 0;
	ck_assert_int_eq(cmd(&a, "XSWI1$CO$Pos$Oper", &k), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 1);
	cl_down(&a);
	env_down();
}
END_TEST

/* IEC 61400-25-2 style: the controllable part is an SDO (WTUR.SetTurOp.actSt,
 * an INC with its own ctlModel) inside a command class data object. */
static const char nested_icd[] =
	"<?xml version=\"1.0\"?><SCL xmlns=\"http://www.iec.ch/61850/2003/SCL\" version=\"2007\" "
	"revision=\"B\"><Header id=\"n\"/><IED name=\"W\"><AccessPoint name=\"AP\"><Server>"
	"<Authentication/><LDevice inst=\"TG\"><LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\"/>"
	"<LN lnClass=\"WTUR\" inst=\"1\" lnType=\"WT\"><DOI name=\"SetTurOp\"><SDI name=\"actSt\">"
	"<DAI name=\"ctlModel\"><Val>direct-with-enhanced-security</Val></DAI></SDI></DOI></LN>"
	"</LDevice></Server></AccessPoint></IED><DataTypeTemplates>"
	"<LNodeType id=\"L0\" lnClass=\"LLN0\"/>"
	"<LNodeType id=\"WT\" lnClass=\"WTUR\"><DO name=\"SetTurOp\" type=\"CMD\"/></LNodeType>"
	"<DOType id=\"CMD\" cdc=\"CMD\"><SDO name=\"actSt\" type=\"INC\"/></DOType>"
	"<DOType id=\"INC\" cdc=\"INC\"><DA name=\"Oper\" bType=\"Struct\" type=\"IOp\" fc=\"CO\"/>"
	"<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"true\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"ST\"/><DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/>"
	"<DA name=\"ctlModel\" bType=\"Enum\" type=\"CM\" fc=\"CF\"/></DOType>"
	"<DAType id=\"IOp\"><BDA name=\"ctlVal\" bType=\"INT32\"/>"
	"<BDA name=\"origin\" bType=\"Struct\" type=\"Or\"/><BDA name=\"ctlNum\" bType=\"INT8U\"/>"
	"<BDA name=\"T\" bType=\"Timestamp\"/><BDA name=\"Test\" bType=\"BOOLEAN\"/>"
	"<BDA name=\"Check\" bType=\"Check\"/></DAType>"
	"<DAType id=\"Or\"><BDA name=\"orCat\" bType=\"Enum\" type=\"OC\"/>"
	"<BDA name=\"orIdent\" bType=\"Octet64\"/></DAType>"
	"<EnumType id=\"CM\"><EnumVal ord=\"0\">status-only</EnumVal>"
	"<EnumVal ord=\"1\">direct-with-normal-security</EnumVal>"
	"<EnumVal ord=\"3\">direct-with-enhanced-security</EnumVal>"
	"<EnumVal ord=\"4\">sbo-with-enhanced-security</EnumVal></EnumType>"
	"<EnumType id=\"OC\"><EnumVal ord=\"3\">remote-control</EnumVal></EnumType>"
	"</DataTypeTemplates></SCL>";

/* Loads `icd` (nested_icd or a variant) with the map row of
 * WTUR1.SetTurOp.actSt.Oper.ctlVal hooked and the control service up. */
static void nested_up(const char *icd)
{
	char err[512];
	memset(&E, 0, sizeof(E));
	timer_queue_init(&E.f.q);
	E.f.utc0 = 1700000000ull * 1000000000ull;
	ck_assert_int_eq(model_load_scl_mem("nested.icd", icd, strlen(icd), NULL, &E.m, err,
					    sizeof(err)), 0);
	E.nested = true;
	/* the map row of Oper.ctlVal (its source has control()) */
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(E.m, "WTG", "WTUR1$CO$SetTurOp$actSt$Oper$ctlVal", &r), 0);
	E.hook_voff[0] = r.voff;
	E.hooks = (struct model_write_hooks){ .fn = hook, .n = 1, .voff = E.hook_voff,
					      .id = E.hook_id };
	model_set_write_hooks(E.m, &E.hooks);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &E.f };
	E.C = acsi_controls_new(E.m, &clk, NULL);
	ck_assert_uint_eq(acsi_controls_count(E.C), 1);
	memset(&S, 0, sizeof(S));
}

/* Writes WTUR1.SetTurOp.actSt.Oper (or Cancel) of WTG: an INCOperate with
 * ctlVal 7, ctlNum 5 and, when at_s, operTm at_s seconds after the fake
 * clock's UTC (NOW_TM: operTm 0, "not time-activated"). Returns the
 * Write's result. */
#define NOW_TM UINT32_MAX
static int nested_cmd(struct cl *a, const char *var, uint32_t at_s, bool check)
{
	uint8_t d[64];
	size_t n = 0;
	d[n++] = 0xA2, d[n++] = 0;
	d[n++] = 0x85, d[n++] = 1, d[n++] = 7;
	if (at_s) {
		uint32_t sec = at_s == NOW_TM ? 0 : (uint32_t)(f_utc(&E.f) / 1000000000u) + at_s;
		d[n++] = 0x91, d[n++] = 8;
		d[n++] = (uint8_t)(sec >> 24), d[n++] = (uint8_t)(sec >> 16);
		d[n++] = (uint8_t)(sec >> 8), d[n++] = (uint8_t)sec;
		d[n++] = 0, d[n++] = 0, d[n++] = 0, d[n++] = 0x0A;
	}
	d[n++] = 0xA2, d[n++] = 7, d[n++] = 0x85, d[n++] = 1, d[n++] = 3, d[n++] = 0x89, d[n++] = 2,
	d[n++] = 'o', d[n++] = 'p';
	d[n++] = 0x86, d[n++] = 1, d[n++] = 5;
	d[n++] = 0x91, d[n++] = 8;
	memset(d + n, 0, 8);
	n += 8;
	d[n++] = 0x83, d[n++] = 1, d[n++] = 0;
	if (check)
		d[n++] = 0x84, d[n++] = 2, d[n++] = 6, d[n++] = 0;
	d[1] = (uint8_t)(n - 2);
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "WTG");
	snprintf(on.item, sizeof(on.item), "WTUR1$CO$SetTurOp$actSt$%s", var);
	char item[140];
	snprintf(item, sizeof(item), "%s", on.item);
	/* wr() writes in IEDD1BAY: the request by hand */
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, ++a->invoke, &on, d, n);
	call(a, &b);
	buf_clear(&b);
	struct mms_pdu pdu;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&a->rx.resp), a->rx.resp.len, &pdu, NULL), 0);
	int res[2];
	size_t k;
	ck_assert_int_eq(mms_client_write_decode(pdu.body, pdu.body_len, res, 2, &k, NULL), 0);
	return res[0];
}

START_TEST(nested_sdo_control)
{
	nested_up(nested_icd);
	model_set_command_hook(E.m, cmd_hook, NULL);
	struct cl a;
	cl_up(&a);
	ck_assert_int_eq(nested_cmd(&a, "Oper", 0, true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(S.calls, 1); /* the source has it (it has control()) */
	ck_assert_uint_eq(E.writes, 0); /* and no plain write */
	ck_assert_uint_eq(S.last.ctl_num, 5);
	/* enhanced: the status reaching 7 ends it with CommandTermination+ */
	feedback("WTG/WTUR1.SetTurOp.actSt.stVal[ST]", 7);
	advance(&E.f, 1000);
	drain(&a);
	ck_assert_uint_eq(a.rx.n, 1);
	struct got g;
	got(&a, 0, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.names[0], "WTG/WTUR1$CO$SetTurOp$actSt$Oper");
	cl_down(&a);
	model_set_command_hook(E.m, NULL, NULL);
	env_down();
}
END_TEST

/* A variant of nested_icd: Oper with operTm (time-activated operate),
 * Cancel, direct-with-normal-security. */
static char *timed_icd(void)
{
	static char out[sizeof(nested_icd) + 512];
	const char *s = nested_icd;
	char *o = out;
	for (; *s; s++) {
		if (!strncmp(s, "direct-with-enhanced-security</Val>", 35)) {
			o += sprintf(o, "direct-with-normal-security</Val>");
			s += 34;
		} else if (!strncmp(s, "<DA name=\"Oper\"", 15)) {
			o += sprintf(o, "<DA name=\"Cancel\" bType=\"Struct\" type=\"ICa\" fc=\"CO\"/>");
			*o++ = *s;
		} else if (!strncmp(s, "<BDA name=\"ctlVal\" bType=\"INT32\"/>", 34)) {
			o += sprintf(o, "<BDA name=\"ctlVal\" bType=\"INT32\"/>"
				     "<BDA name=\"operTm\" bType=\"Timestamp\"/>");
			s += 33;
		} else if (!strncmp(s, "<DAType id=\"Or\">", 16)) {
			o += sprintf(o, "<DAType id=\"ICa\"><BDA name=\"ctlVal\" bType=\"INT32\"/>"
				     "<BDA name=\"operTm\" bType=\"Timestamp\"/>"
				     "<BDA name=\"origin\" bType=\"Struct\" type=\"Or\"/>"
				     "<BDA name=\"ctlNum\" bType=\"INT8U\"/>"
				     "<BDA name=\"T\" bType=\"Timestamp\"/>"
				     "<BDA name=\"Test\" bType=\"BOOLEAN\"/></DAType>");
			*o++ = *s;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	ck_assert_ptr_nonnull(strstr(out, "operTm"));
	ck_assert_ptr_nonnull(strstr(out, "direct-with-normal-security</Val></DAI>"));
	return out;
}

START_TEST(time_activated_operate)
{
	nested_up(timed_icd());
	struct cl a, b;
	cl_up(&a);
	/* operTm 5 s ahead: accepted now, carried out then */
	ck_assert_int_eq(nested_cmd(&a, "Oper", 5, true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 0);
	advance(&E.f, 4900000);
	ck_assert_uint_eq(E.writes, 0);
	/* a second command meanwhile: in execution */
	ck_assert_int_eq(nested_cmd(&a, "Oper", 5, true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
	advance(&E.f, 200000);
	ck_assert_uint_eq(E.writes, 1);
	/* cancelled while it waits: never carried out */
	ck_assert_int_eq(nested_cmd(&a, "Oper", 5, true), MMS_DAE_SUCCESS);
	advance(&E.f, 1000000);
	ck_assert_int_eq(nested_cmd(&a, "Cancel", 5, false), MMS_DAE_SUCCESS);
	advance(&E.f, 10000000);
	ck_assert_uint_eq(E.writes, 1);
	/* the association goes while it waits: dropped */
	cl_up(&b);
	ck_assert_int_eq(nested_cmd(&b, "Oper", 5, true), MMS_DAE_SUCCESS);
	cl_down(&b);
	advance(&E.f, 10000000);
	ck_assert_uint_eq(E.writes, 1);
	/* operTm 0: at once */
	ck_assert_int_eq(nested_cmd(&a, "Oper", NOW_TM, true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.writes, 2);
	cl_down(&a);
	env_down();
}
END_TEST

/* nested_icd with each (from, to) replaced once, in order. */
static char *variant(const char *const (*pairs)[2], size_t n)
{
	static char out[sizeof(nested_icd) + 1024];
	snprintf(out, sizeof(out), "%s", nested_icd);
	for (size_t i = 0; i < n; i++) {
		char *at = strstr(out, pairs[i][0]);
		ck_assert_ptr_nonnull(at);
		char rest[sizeof(out)];
		snprintf(rest, sizeof(rest), "%s", at + strlen(pairs[i][0]));
		snprintf(at, sizeof(out) - (size_t)(at - out), "%s%s", pairs[i][1], rest);
	}
	return out;
}

/* A select of an object another association holds: Ed.1 (SCL 2003) has
 * no Locked-by-other-client, so it is Object-already-selected there. */
START_TEST(selected_by_other_per_edition)
{
	static const char *const ed1[][2] = {
		{ "version=\"2007\" revision=\"B\"", "" },
		{ "direct-with-enhanced-security</Val>", "sbo-with-enhanced-security</Val>" },
		{ "<DA name=\"Oper\"", "<DA name=\"SBOw\" bType=\"Struct\" type=\"IOp\" fc=\"CO\"/>"
					"<DA name=\"Oper\"" },
	};
	for (int ed = 1; ed <= 2; ed++) {
		nested_up(variant(ed == 1 ? ed1 : ed1 + 1, ed == 1 ? 3 : 2));
		ck_assert_uint_eq(model_edition(E.m), (unsigned)ed);
		struct cl a, b;
		cl_up(&a);
		cl_up(&b);
		ck_assert_int_eq(nested_cmd(&a, "SBOw", 0, true), MMS_DAE_SUCCESS);
		ck_assert_int_eq(nested_cmd(&b, "SBOw", 0, true), MMS_DAE_TEMPORARILY_UNAVAILABLE);
		struct got g;
		struct lae l;
		got(&b, 0, &g);
		lae_of(&g, &l);
		ck_assert_int_eq(l.cause, ed == 1 ? IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED :
						    IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT);
		cl_down(&b);
		cl_down(&a);
		env_down();
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");
	tcase_add_test(tc, finds_the_controls);
	tcase_add_test(tc, direct_normal_operates);
	tcase_add_test(tc, sbo_enhanced_full_cycle);
	tcase_add_test(tc, sbo_enhanced_refusals);
	tcase_add_test(tc, timeouts);
	tcase_add_test(tc, two_associations_and_loss);
	tcase_add_test(tc, behaviour_and_local);
	tcase_add_test(tc, source_with_control);
	tcase_add_test(tc, source_answers_later);
	tcase_add_test(tc, unchecked_interlock_refused_when_configured);
	tcase_add_test(tc, nested_sdo_control);
	tcase_add_test(tc, time_activated_operate);
	tcase_add_test(tc, selected_by_other_per_edition);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
