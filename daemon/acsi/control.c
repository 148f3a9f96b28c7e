/* SPDX-License-Identifier: Apache-2.0 */
/* The control model: see control.h. */
#include "control.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_access.h"
#include "iso.h"
#include "log.h"
#include "mms_access.h"
#include "mms_codes.h"
#include "mms_report.h"
#include "observe.h"
#include "timer.h"
#include "update.h"

#define BIT(n) (1u << (n))
#define DEFAULT_SBO_TIMEOUT_MS 30000u
#define DEFAULT_OPER_TIMEOUT_MS 10000u
/* SDOs nest; a controllable part is at most this deep below the DO */
#define MAX_CTL_DEPTH 4

/* The AddCause in words for the log ("?" for none the table has). */
static const char *cause_name(int ac)
{
	const char *n = iec_addcause_str(ac);
	return n ? n : "?";
}

/* IEC 61850-7-3 CtlModelKind */
enum { CM_STATUS_ONLY, CM_DIRECT_NORMAL, CM_SBO_NORMAL, CM_DIRECT_ENHANCED, CM_SBO_ENHANCED };
/* IEC 61850-7-4 BehaviourModeKind */
enum { BEH_ON = 1, BEH_ON_BLOCKED = 2, BEH_TEST = 3, BEH_TEST_BLOCKED = 4, BEH_OFF = 5 };
/* What the status holds, to tell that the process reached the command. */
enum { ST_NONE, ST_EQUAL, ST_DBPOS, ST_ANALOG, ST_STEP };
/* The state machine (7-2 §20, figures 30-33). */
enum { S_UNSELECTED, S_READY, S_WAIT_OPER_TM, S_EXECUTING,
       S_ANSWER /* the operate waits for its source's control() answer */ };
enum { SVC_SELECT, SVC_SELECT_VALUE, SVC_OPERATE, SVC_CANCEL, SVC_TERMINATION };
static const char *const svc_names[] = { "select", "select-with-value", "operate", "cancel",
					 "command-termination" };
static const char *const svc_vars[] = { "SBO", "SBOw", "Oper", "Cancel", "Oper" };

struct attr {
	const struct mtype *t;	/* NULL: absent */
	uint32_t voff;
};

/* Oper, SBOw or Cancel and where its components are. */
struct cmd_layout {
	struct attr whole;
	struct attr ctl_val, oper_tm, or_cat, or_ident, origin, ctl_num, t, test, check;
};

struct acsi_controls;

struct ctl_obj {
	struct acsi_controls *C;
	const struct mld *ld;
	const struct mln *ln;
	char path[130];		/* below the FC: "Pos", "SetTurOp$actSt" */
	char ref[200];		/* "LD/LN.Pos" */
	struct cmd_layout oper, sbow, cancel;
	struct attr sbo;	/* VisString65 */
	struct attr ctl_model, sbo_timeout, oper_timeout, sbo_class;
	struct attr min_val, max_val;	/* CF minVal/maxVal (.f of an analogue): step limits */
	struct attr status;	/* stVal, valWTr.posVal, mxVal.f/.i */
	char status_item[260];	/* its MMS name in ld */
	uint8_t status_kind;
	bool is_mod;		/* the LN's Mod: carried out by the server */
	struct model_attr st_seld, op_rcvd, op_ok, t_op_ok, st_val_upd;
	bool has_st_seld, has_op_rcvd, has_op_ok, has_t_op_ok;
	struct attr st_origin, st_ctl_num;
	/* the LN's and its LD's LLN0's mode, behaviour, switching hierarchy
	 * and health (stVal of each; type NULL: the LN has none), found at
	 * start so that a command resolves no names */
	struct ln_state { struct attr beh, mod, loc, loc_sta, health; } ln_st, l0_st;
	/* state */
	uint8_t state;
	uint8_t pending_svc;		/* S_WAIT_OPER_TM: what runs at operTm */
	struct acsi_rpt_client *owner;	/* selecting / commanding association */
	uint8_t baseline[16];		/* ST_STEP: the status before the command */
	struct timer sel_tmr, op_tmr, done_tmr, tm_tmr;	/* sboTimeout, operTimeout, termination, operTm */
	bool done_ok;			/* done_tmr: the termination to send */
	uint8_t done_cause;
	uint32_t member;		/* index in C->ds, or UINT32_MAX */
	/* S_ANSWER: the source's ticket, the client's Write response waiting
	 * for it, and the ctlModel the operate runs under */
	struct model_write_wait *pend_src, *pend_resp;
	int pend_cm;
	uint8_t pend_step;		/* MODEL_CMD_SELECT or MODEL_CMD_OPERATE */
};

struct acsi_controls {
	struct model *m;
	struct acsi_clock clk;
	struct acsi_control_cfg cfg;
	uint32_t n;
	struct ctl_obj *objs;		/* sorted by oper.whole.voff ... */
	struct { uint32_t lo, hi; struct ctl_obj *o; } *ranges;	/* CO ranges, sorted */
	uint32_t n_ranges;
	const struct mdataset *ds;	/* the statuses watched (owner: this service) */
	struct ctl_obj **by_member;	/* ds member -> its object */
	uint32_t n_members;
	struct model_observer *obs;
	struct buf out;
	struct acsi_controls_stats st;
};

/* ---- small helpers ---- */

static uint64_t now_us(const struct acsi_controls *C)
{
	return C->clk.mono_us(C->clk.ctx);
}

static void tarm(struct acsi_controls *C, struct timer *t, uint64_t deadline)
{
	(void)C->clk.arm(C->clk.ctx, t, deadline);
}

static void tcancel(struct acsi_controls *C, struct timer *t)
{
	C->clk.cancel(C->clk.ctx, t);
}

static bool get_i64(const struct model *m, const struct attr *a, int64_t *out)
{
	struct model_val v;
	if (!a->t || model_load_val(m, a->t, a->voff, &v, NULL, 0))
		return false;
	switch (v.kind) {
	case MODEL_V_BOOL: *out = v.v.b; return true;
	case MODEL_V_INT: *out = v.v.i; return true;
	case MODEL_V_UINT: *out = (int64_t)v.v.u; return true;
	case MODEL_V_FLOAT: *out = (int64_t)llround(v.v.f); return true;
	default: return false;
	}
}

static bool get_f(const struct model *m, const struct attr *a, double *out)
{
	struct model_val v;
	if (!a->t || model_load_val(m, a->t, a->voff, &v, NULL, 0))
		return false;
	switch (v.kind) {
	case MODEL_V_BOOL: *out = v.v.b; return true;
	case MODEL_V_INT: *out = (double)v.v.i; return true;
	case MODEL_V_UINT: *out = (double)v.v.u; return true;
	case MODEL_V_FLOAT: *out = v.v.f; return true;
	default: return false;
	}
}

static const uint8_t *raw(const struct model *m, const struct attr *a)
{
	return m->values + a->voff;
}

static bool resolve(const struct model *m, const struct ctl_obj *o, const char *fc,
		    const char *tail, struct attr *out)
{
	char item[260];
	struct mref r;
	out->t = NULL;
	if ((size_t)snprintf(item, sizeof(item), "%s$%s$%s%s%s", o->ln->name, fc, o->path,
			     tail[0] ? "$" : "", tail) >= sizeof(item))
		return false;
	if (model_resolve_mms(m, o->ld->name, item, &r))
		return false;
	out->t = r.type;
	out->voff = r.voff;
	return true;
}

static bool bind(const struct model *m, const struct ctl_obj *o, const char *da, const char *fc,
		 struct model_attr *out)
{
	char ref[300], dotted[140];
	size_t k = 0;
	for (const char *p = o->path; *p && k + 1 < sizeof(dotted); p++)
		dotted[k++] = *p == '$' ? '.' : *p;
	dotted[k] = 0;
	if ((size_t)snprintf(ref, sizeof(ref), "%s/%s.%s.%s[%s]", o->ld->name, o->ln->name,
			     dotted, da, fc) >= sizeof(ref))
		return false;
	return !model_attr_bind(m, ref, out);
}

static void layout(const struct mtype *t, uint32_t voff, struct cmd_layout *l)
{
	memset(l, 0, sizeof(*l));
	if (!t || t->btype != MB_STRUCT)
		return;
	l->whole.t = t;
	l->whole.voff = voff;
	static const struct { const char *name; size_t at; } parts[] = {
		{ "ctlVal", offsetof(struct cmd_layout, ctl_val) },
		{ "operTm", offsetof(struct cmd_layout, oper_tm) },
		{ "origin", offsetof(struct cmd_layout, origin) },
		{ "ctlNum", offsetof(struct cmd_layout, ctl_num) },
		{ "T", offsetof(struct cmd_layout, t) },
		{ "Test", offsetof(struct cmd_layout, test) },
		{ "Check", offsetof(struct cmd_layout, check) },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const struct mcomp *c = mtype_find(t, parts[i].name, strlen(parts[i].name));
		if (!c)
			continue;
		struct attr *a = (struct attr *)((char *)l + parts[i].at);
		a->t = c->type;
		a->voff = voff + c->off;
	}
	if (l->origin.t && l->origin.t->btype == MB_STRUCT) {
		const struct mcomp *c = mtype_find(l->origin.t, "orCat", 5);
		if (c) {
			l->or_cat.t = c->type;
			l->or_cat.voff = l->origin.voff + c->off;
		}
		c = mtype_find(l->origin.t, "orIdent", 7);
		if (c) {
			l->or_ident.t = c->type;
			l->or_ident.voff = l->origin.voff + c->off;
		}
	}
}

/* ---- finding the controllable objects ---- */

struct found {
	struct ctl_obj *v;
	uint32_t n, cap;
};

static int add_obj(struct found *f, const struct mld *ld, const struct mln *ln, const char *path)
{
	if (f->n == f->cap) {
		uint32_t nc = f->cap ? f->cap * 2 : 16;
		struct ctl_obj *v = realloc(f->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = nc;
	}
	struct ctl_obj *o = &f->v[f->n++];
	memset(o, 0, sizeof(*o));
	o->ld = ld;
	o->ln = ln;
	snprintf(o->path, sizeof(o->path), "%s", path);
	return 0;
}

static int walk_co(struct found *f, const struct mld *ld, const struct mln *ln,
		   const struct mtype *t, char *path, size_t plen, unsigned depth)
{
	if (t->btype != MB_STRUCT || depth > MAX_CTL_DEPTH)
		return 0;
	if (depth > 0 && (mtype_find(t, "Oper", 4) || mtype_find(t, "SBOw", 4) ||
			  mtype_find(t, "SBO", 3) || mtype_find(t, "Cancel", 6)))
		return add_obj(f, ld, ln, path);
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mcomp *c = &t->comp[i];
		size_t nl = strlen(c->name);
		if (plen + nl + 2 >= 130)
			continue;
		size_t at = plen;
		if (plen)
			path[at++] = '$';
		memcpy(path + at, c->name, nl + 1);
		int r = walk_co(f, ld, ln, c->type, path, at + nl, depth + 1);
		path[plen] = 0;
		if (r)
			return r;
	}
	return 0;
}

static const struct mln *lln0(const struct mld *ld);
static void ln_state(const struct model *m, const struct mld *ld, const struct mln *ln,
		     struct ln_state *out);

static void setup_obj(struct acsi_controls *C, struct ctl_obj *o)
{
	struct model *m = C->m;
	struct attr a;
	o->C = C;
	o->member = UINT32_MAX;
	size_t k = (size_t)snprintf(o->ref, sizeof(o->ref), "%s/%s.", o->ld->name, o->ln->name);
	for (const char *p = o->path; *p && k + 1 < sizeof(o->ref); p++)
		o->ref[k++] = *p == '$' ? '.' : *p;
	o->ref[k] = 0;
	if (resolve(m, o, "CO", "Oper", &a))
		layout(a.t, a.voff, &o->oper);
	if (resolve(m, o, "CO", "SBOw", &a))
		layout(a.t, a.voff, &o->sbow);
	if (resolve(m, o, "CO", "Cancel", &a))
		layout(a.t, a.voff, &o->cancel);
	if (resolve(m, o, "CO", "SBO", &a) && a.t->btype == MB_VISSTRING)
		o->sbo = a;
	resolve(m, o, "CF", "ctlModel", &o->ctl_model);
	resolve(m, o, "CF", "sboTimeout", &o->sbo_timeout);
	resolve(m, o, "CF", "operTimeout", &o->oper_timeout);
	resolve(m, o, "CF", "sboClass", &o->sbo_class);
	if ((!resolve(m, o, "CF", "minVal", &o->min_val) || o->min_val.t->btype == MB_STRUCT) &&
	    !resolve(m, o, "CF", "minVal$f", &o->min_val))
		resolve(m, o, "CF", "minVal$i", &o->min_val);
	if ((!resolve(m, o, "CF", "maxVal", &o->max_val) || o->max_val.t->btype == MB_STRUCT) &&
	    !resolve(m, o, "CF", "maxVal$f", &o->max_val))
		resolve(m, o, "CF", "maxVal$i", &o->max_val);
	int64_t cm;
	if (get_i64(m, &o->ctl_model, &cm) && ((cm == CM_SBO_ENHANCED && !o->sbow.whole.t) ||
					       (cm == CM_SBO_NORMAL && !o->sbo.t)))
		log_msg(LOGL_WARNING, LOGC_MODEL,
			"%s: ctlModel %s but the DO has no %s: every select of it fails "
			"(add the attribute to its DOType or change ctlModel)",
			o->ref, cm == CM_SBO_ENHANCED ? "sbo-with-enhanced-security" :
			"sbo-with-normal-security", cm == CM_SBO_ENHANCED ? "SBOw" : "SBO");
	o->is_mod = !strcmp(o->path, "Mod");
	/* the status the command shows up in (7-3 §7.5) */
	const struct attr *cv = &o->oper.ctl_val;
	if (resolve(m, o, "ST", "stVal", &o->status)) {
		if (o->status.t->btype == MB_DBPOS)
			o->status_kind = ST_DBPOS;
		else
			o->status_kind = ST_EQUAL;
	} else if (resolve(m, o, "ST", "valWTr$posVal", &o->status)) {
		o->status_kind = cv->t && cv->t->btype == MB_TCMD ? ST_STEP : ST_EQUAL;
	} else if (resolve(m, o, "MX", "mxVal$f", &o->status) ||
		   resolve(m, o, "MX", "mxVal$i", &o->status)) {
		o->status_kind = cv->t && cv->t->btype == MB_TCMD ? ST_STEP : ST_ANALOG;
	}
	static const struct { const char *fc, *tail; } st_names[] = {
		{ "ST", "stVal" }, { "ST", "valWTr$posVal" }, { "MX", "mxVal$f" }, { "MX", "mxVal$i" },
	};
	struct attr probe;
	for (size_t i = 0; o->status.t && i < sizeof(st_names) / sizeof(st_names[0]); i++)
		if (resolve(m, o, st_names[i].fc, st_names[i].tail, &probe) &&
		    probe.voff == o->status.voff) {
			snprintf(o->status_item, sizeof(o->status_item), "%s$%s$%s$%s", o->ln->name,
				 st_names[i].fc, o->path, st_names[i].tail);
			break;
		}
	if (o->status.t && o->status.t->size > sizeof(o->baseline))
		o->status.t = NULL;
	if (!o->status.t)
		o->status_kind = ST_NONE;
	o->has_st_seld = bind(m, o, "stSeld", "ST", &o->st_seld);
	o->has_op_rcvd = bind(m, o, "opRcvd", "ST", &o->op_rcvd);
	o->has_op_ok = bind(m, o, "opOk", "ST", &o->op_ok);
	o->has_t_op_ok = bind(m, o, "tOpOk", "ST", &o->t_op_ok);
	if (o->is_mod)
		bind(m, o, "stVal", "ST", &o->st_val_upd);
	resolve(m, o, "ST", "origin", &o->st_origin);
	resolve(m, o, "ST", "ctlNum", &o->st_ctl_num);
	ln_state(m, o->ld, o->ln, &o->ln_st);
	ln_state(m, o->ld, lln0(o->ld), &o->l0_st);
}

/* ---- LastApplError and CommandTermination (8-1 §20.7) ---- */

static void put_vmd_name(struct buf *b, const char *name)
{
	size_t seq = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, 16);
	size_t vs = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0); /* name [0] ObjectName */
	ber_put_str(b, BER_CONTEXT, 0, name);			   /* vmd-specific */
	ber_end(b, vs);
	ber_end(b, seq);
}

static void put_oper_name(struct buf *b, const struct ctl_obj *o)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(n.domain, sizeof(n.domain), "%s", o->ld->name);
	if ((size_t)snprintf(n.item, sizeof(n.item), "%s$CO$%s$Oper", o->ln->name, o->path) >=
	    sizeof(n.item))
		n.item[0] = 0; /* cannot be: the Oper variable was found by this name */
	size_t seq = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, 16);
	size_t vs = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	mms_objname_encode(b, &n);
	ber_end(b, vs);
	ber_end(b, seq);
}

/* The LastApplError structure (8-1 §20.7.2) for a command held in `l`. */
static void put_last_appl_error(struct acsi_controls *C, struct buf *b, const struct ctl_obj *o,
				int svc, const struct cmd_layout *l, int error, int cause)
{
	char obj[400];
	if ((size_t)snprintf(obj, sizeof(obj), "%s/%s$CO$%s$%s", o->ld->name, o->ln->name, o->path,
			     svc_vars[svc]) >= sizeof(obj))
		obj[0] = 0;
	size_t s = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	ber_put_str(b, BER_CONTEXT, 10, obj);
	ber_put_int(b, BER_CONTEXT, 5, error);
	size_t og = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	int64_t v = 0;
	if (l && l->or_cat.t)
		get_i64(C->m, &l->or_cat, &v);
	ber_put_int(b, BER_CONTEXT, 5, v);
	if (l && l->or_ident.t && l->or_ident.t->btype == MB_OCTET) {
		model_encode_data(C->m, l->or_ident.t, l->or_ident.voff, b);
	} else {
		ber_put_raw(b, BER_CONTEXT, 9, "", 0);
	}
	ber_end(b, og);
	v = 0;
	if (l && l->ctl_num.t)
		get_i64(C->m, &l->ctl_num, &v);
	ber_put_uint(b, BER_CONTEXT, 6, (uint64_t)v);
	ber_put_int(b, BER_CONTEXT, 5, cause);
	ber_end(b, s);
}

static int send_out(struct acsi_controls *C, struct acsi_rpt_client *cl)
{
	if (C->out.err || !cl || !cl->send)
		return C->out.err ? C->out.err : -ENOTCONN;
	return cl->send(cl->ctx, &C->out);
}

static void send_last_appl_error(struct acsi_controls *C, struct acsi_rpt_client *cl,
				 const struct ctl_obj *o, int svc, const struct cmd_layout *l,
				 int cause)
{
	struct buf *b = &C->out;
	buf_reset(b, ISO_HEADROOM);
	size_t outer = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_UNCONFIRMED);
	size_t svcm = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0); /* informationReport */
	size_t lov = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);  /* listOfVariable */
	put_vmd_name(b, "LastApplError");
	ber_end(b, lov);
	size_t lar = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0); /* listOfAccessResult */
	put_last_appl_error(C, b, o, svc, l, 0, cause);
	ber_end(b, lar);
	ber_end(b, svcm);
	ber_end(b, outer);
	(void)send_out(C, cl);
}

static void send_termination(struct acsi_controls *C, struct ctl_obj *o, bool ok, int cause)
{
	struct buf *b = &C->out;
	buf_reset(b, ISO_HEADROOM);
	size_t outer = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_UNCONFIRMED);
	size_t svcm = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	size_t lov = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	if (!ok)
		put_vmd_name(b, "LastApplError");
	put_oper_name(b, o);
	ber_end(b, lov);
	size_t lar = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	/* Error (7-2 §20.2.2): 2 timeout-test-not-ok when the process did not
	 * get there in time; 0 otherwise, the AddCause telling why */
	if (!ok)
		put_last_appl_error(C, b, o, SVC_OPERATE, &o->oper,
				    cause == IEC_ADDCAUSE_TIME_LIMIT_OVER ? 2 : 0, cause);
	model_encode_data(C->m, o->oper.whole.t, o->oper.whole.voff, b);
	ber_end(b, lar);
	ber_end(b, svcm);
	ber_end(b, outer);
	(void)send_out(C, o->owner);
}

/* ---- the log line of every command ---- */

static void log_cmd(struct acsi_controls *C, const struct ctl_obj *o, int svc,
		    const struct acsi_rpt_client *cl, const struct cmd_layout *l, bool ok,
		    int cause, int dae)
{
	int64_t cat = -1, num = -1;
	char ident[140] = "", val[64] = "";
	if (l) {
		if (l->or_cat.t)
			get_i64(C->m, &l->or_cat, &cat);
		if (l->ctl_num.t)
			get_i64(C->m, &l->ctl_num, &num);
		if (l->or_ident.t && l->or_ident.t->btype == MB_OCTET) {
			/* as text when it is (most clients send a name), else hex */
			uint16_t n;
			const uint8_t *p = raw(C->m, &l->or_ident);
			memcpy(&n, p, 2);
			bool text = n > 0 && n < sizeof(ident) - 2;
			for (uint16_t i = 0; text && i < n; i++)
				text = p[2 + i] >= 0x20 && p[2 + i] < 0x7F;
			if (text)
				snprintf(ident, sizeof(ident), "\"%.*s\"", (int)n, (const char *)p + 2);
			else
				model_get_text(C->m, l->or_ident.t, l->or_ident.voff, ident,
					       sizeof(ident));
		}
		if (l->ctl_val.t && l->ctl_val.t->btype != MB_STRUCT)
			model_get_text(C->m, l->ctl_val.t, l->ctl_val.voff, val, sizeof(val));
	}
	if (C->cfg.audit) {
		char detail[300];
		snprintf(detail, sizeof(detail), "ctlVal %s, orCat %lld, orIdent %s, ctlNum %lld%s%s",
			 val[0] ? val : "-", (long long)cat, ident[0] ? ident : "-", (long long)num,
			 ok || dae < 0 ? "" : ", ", ok || dae < 0 ? "" : mms_dae_str(dae));
		char result[96];
		snprintf(result, sizeof(result), "%s", ok ? "ok" : cause_name(cause));
		const struct acsi_audit_rec r = { .kind = ACSI_AUDIT_CONTROL,
						   .peer = cl ? cl->peer : NULL,
						   .client = cl && cl->client[0] ? cl->client : NULL,
						   .action = svc_names[svc], .ref = o->ref, .ok = ok,
						   .result = result, .detail = detail };
		acsi_audit(C->cfg.audit, &r);
	}
	if (ok)
		log_msg(LOGL_INFO, LOGC_MMS,
			"control %s %s from %s: ctlVal %s, orCat %lld, orIdent %s, ctlNum %lld: ok",
			svc_names[svc], o->ref, cl ? cl->peer : "-", val[0] ? val : "-",
			(long long)cat, ident[0] ? ident : "-", (long long)num);
	else
		log_msg(LOGL_INFO, LOGC_MMS,
			"control %s %s from %s: ctlVal %s, orCat %lld, orIdent %s, ctlNum %lld: "
			"refused, %s (%d)%s%s",
			svc_names[svc], o->ref, cl ? cl->peer : "-", val[0] ? val : "-",
			(long long)cat, ident[0] ? ident : "-", (long long)num,
			cause_name(cause), cause, dae >= 0 ? ", " : "",
			dae >= 0 ? mms_dae_str(dae) : "");
}

/* Refuses a command: LastApplError, the log line, the DataAccessError. */
static int refuse(struct acsi_controls *C, struct acsi_rpt_client *cl, const struct ctl_obj *o,
		  int svc, const struct cmd_layout *l, int cause, int dae)
{
	C->st.refused++;
	send_last_appl_error(C, cl, o, svc, l, cause);
	log_cmd(C, o, svc, cl, l, false, cause, dae);
	return dae;
}

/* ---- status attributes the control sets ---- */

static void set_bool(struct acsi_controls *C, const struct model_attr *a, bool v)
{
	uint16_t q = 0;
	if (a->has_q)
		memcpy(&q, C->m->values + a->q_voff, 2);
	uint8_t ts[8];
	model_timestamp(C->clk.utc_ns(C->clk.ctx), 0, ts);
	struct model_val mv = { .kind = MODEL_V_BOOL, .v.b = v };
	(void)model_update(C->m, a, &mv, q, ts);
}

static void set_seld(struct ctl_obj *o, bool v)
{
	if (o->has_st_seld)
		set_bool(o->C, &o->st_seld, v);
}

/* origin and ctlNum of the status DO follow the command (7-3 §7.5.2) */
static void copy_origin(struct acsi_controls *C, struct ctl_obj *o, const struct cmd_layout *l)
{
	if (o->st_origin.t && l->origin.t && o->st_origin.t->size == l->origin.t->size)
		memcpy(C->m->values + o->st_origin.voff, raw(C->m, &l->origin), l->origin.t->size);
	if (o->st_ctl_num.t && l->ctl_num.t && o->st_ctl_num.t->size == l->ctl_num.t->size)
		memcpy(C->m->values + o->st_ctl_num.voff, raw(C->m, &l->ctl_num), l->ctl_num.t->size);
}

/* ---- Beh, Mod, Loc ---- */

static bool ln_attr(const struct model *m, const struct mld *ld, const struct mln *ln,
		    const char *item_tail, struct attr *out)
{
	char item[140];
	struct mref r;
	snprintf(item, sizeof(item), "%s$%s", ln->name, item_tail);
	if (model_resolve_mms(m, ld->name, item, &r))
		return false;
	out->t = r.type;
	out->voff = r.voff;
	return true;
}

static const struct mln *lln0(const struct mld *ld)
{
	return model_find_ln(ld, "LLN0", 4);
}

static void ln_state(const struct model *m, const struct mld *ld, const struct mln *ln,
		     struct ln_state *out)
{
	memset(out, 0, sizeof(*out));
	if (!ln)
		return;
	ln_attr(m, ld, ln, "ST$Beh$stVal", &out->beh);
	ln_attr(m, ld, ln, "ST$Mod$stVal", &out->mod);
	ln_attr(m, ld, ln, "ST$Loc$stVal", &out->loc);
	ln_attr(m, ld, ln, "ST$LocSta$stVal", &out->loc_sta);
	ln_attr(m, ld, ln, "ST$Health$stVal", &out->health);
}

/* A BehaviourModeKind held in `a`, or 0: absent, or holding none (unset
 * in the SCL: 0), which says nothing. */
static int mode_in(const struct model *m, const struct attr *a)
{
	int64_t v;
	return a->t && get_i64(m, a, &v) && v >= BEH_ON && v <= BEH_OFF ? (int)v : 0;
}

static int combine(int ld_mod, int ln_mod);

/* The LN's behaviour: its Beh, else its LD's LLN0.Beh combined with its
 * own Mod, else the LD's and the LN's Mod combined (7-4 Annex A). */
static int behaviour(const struct model *m, const struct ctl_obj *o)
{
	int v = mode_in(m, &o->ln_st.beh);
	if (v)
		return v;
	int ln_mod = o->ln == lln0(o->ld) ? BEH_ON : mode_in(m, &o->ln_st.mod);
	if (!ln_mod)
		ln_mod = BEH_ON;
	if ((v = mode_in(m, &o->l0_st.beh)))
		return combine(v, ln_mod);
	v = mode_in(m, &o->l0_st.mod);
	return combine(v ? v : BEH_ON, ln_mod);
}

/* A BOOLEAN (or integer) status that is there and true. */
static bool flag(const struct model *m, const struct attr *a)
{
	int64_t v;
	return a->t && get_i64(m, a, &v) && v;
}

/* 7-4 Annex A: the behaviour of an LN from its LD's mode and its own. */
static int combine(int ld_mod, int ln_mod)
{
	if (ld_mod == BEH_OFF || ln_mod == BEH_OFF)
		return BEH_OFF;
	bool blocked = ld_mod == BEH_ON_BLOCKED || ld_mod == BEH_TEST_BLOCKED ||
		       ln_mod == BEH_ON_BLOCKED || ln_mod == BEH_TEST_BLOCKED;
	bool test = ld_mod == BEH_TEST || ld_mod == BEH_TEST_BLOCKED || ln_mod == BEH_TEST ||
		    ln_mod == BEH_TEST_BLOCKED;
	if (test)
		return blocked ? BEH_TEST_BLOCKED : BEH_TEST;
	return blocked ? BEH_ON_BLOCKED : BEH_ON;
}

static void set_enum(struct acsi_controls *C, const struct mld *ld, const struct mln *ln,
		     const char *da_ref, int v)
{
	struct model_attr a;
	char ref[300];
	snprintf(ref, sizeof(ref), "%s/%s.%s", ld->name, ln->name, da_ref);
	if (model_attr_bind(C->m, ref, &a))
		return;
	uint16_t q = 0;
	if (a.has_q)
		memcpy(&q, C->m->values + a.q_voff, 2);
	uint8_t ts[8];
	model_timestamp(C->clk.utc_ns(C->clk.ctx), 0, ts);
	struct model_val mv = { .kind = MODEL_V_INT, .v.i = v };
	(void)model_update(C->m, &a, &mv, q, ts);
}

/* A Mod changed: Beh of the LN (of every LN of the LD for LLN0) follows. */
static void mod_changed(struct acsi_controls *C, const struct ctl_obj *o)
{
	const struct mln *l0 = lln0(o->ld);
	struct attr a;
	int64_t ld_mod = BEH_ON, v;
	if (l0 && ln_attr(C->m, o->ld, l0, "ST$Mod$stVal", &a) && get_i64(C->m, &a, &v))
		ld_mod = v;
	for (uint32_t i = 0; i < o->ld->n_ln; i++) {
		const struct mln *ln = &o->ld->lns[i];
		if (ln != o->ln && o->ln != l0)
			continue;
		int64_t ln_mod = BEH_ON;
		if (ln_attr(C->m, o->ld, ln, "ST$Mod$stVal", &a) && get_i64(C->m, &a, &v))
			ln_mod = v;
		if (ln_attr(C->m, o->ld, ln, "ST$Beh$stVal", &a))
			set_enum(C, o->ld, ln, "Beh.stVal[ST]",
				 combine((int)ld_mod, ln == l0 ? (int)ld_mod : (int)ln_mod));
	}
}

/* ---- checks shared by select-with-value and operate ---- */

static int ctl_model(const struct acsi_controls *C, const struct ctl_obj *o)
{
	int64_t v;
	if (!o->ctl_model.t || !get_i64(C->m, &o->ctl_model, &v))
		return CM_DIRECT_NORMAL; /* no ctlModel: 7-3's default */
	return v >= CM_STATUS_ONLY && v <= CM_SBO_ENHANCED ? (int)v : CM_STATUS_ONLY;
}

static uint64_t timeout_us(const struct acsi_controls *C, const struct attr *a, uint32_t dflt)
{
	int64_t v;
	if (a->t && get_i64(C->m, a, &v) && v > 0)
		return (uint64_t)v * 1000u;
	return (uint64_t)dflt * 1000u;
}

/* Step commands at their end positions (7-3 BSC, BAC: a Tcmd higher at
 * maxVal, lower at minVal) and a position set outside minVal..maxVal
 * (ISC): Step-limit. 0 when within or with no limits configured. */
static int step_limit(const struct acsi_controls *C, const struct ctl_obj *o,
		      const struct cmd_layout *l)
{
	double v, lo = -INFINITY, hi = INFINITY, cur;
	if (!l->ctl_val.t || (!o->min_val.t && !o->max_val.t))
		return 0;
	if (o->min_val.t)
		get_f(C->m, &o->min_val, &lo);
	if (o->max_val.t)
		get_f(C->m, &o->max_val, &hi);
	if (l->ctl_val.t->btype == MB_TCMD) {
		uint8_t t = raw(C->m, &l->ctl_val)[0]; /* 1 lower, 2 higher */
		if (!o->status.t || !get_f(C->m, &o->status, &cur))
			return 0;
		if ((t == 2 && cur >= hi) || (t == 1 && cur <= lo))
			return IEC_ADDCAUSE_STEP_LIMIT;
		return 0;
	}
	if (o->status_kind == ST_EQUAL && l->ctl_val.t->btype != MB_STRUCT &&
	    get_f(C->m, &l->ctl_val, &v) && (v < lo || v > hi))
		return IEC_ADDCAUSE_STEP_LIMIT;
	return 0;
}

/* The checks 7-2 §20 makes of a command in `l` (already in the model):
 * 0 or the AddCause, with *dae the DataAccessError to answer. */
static int check_command(struct acsi_controls *C, const struct ctl_obj *o,
			 const struct cmd_layout *l, int *dae)
{
	int64_t cat = 0, test = 0;
	*dae = MMS_DAE_OBJECT_ACCESS_DENIED;
	if (l->or_cat.t && get_i64(C->m, &l->or_cat, &cat) && (cat < 0 || cat > 8)) {
		*dae = MMS_DAE_OBJECT_VALUE_INVALID;
		return IEC_ADDCAUSE_NOT_SUPPORTED;
	}
	if (l->test.t)
		get_i64(C->m, &l->test, &test);
	if (!o->is_mod) {
		int beh = behaviour(C->m, o);
		if (beh == BEH_OFF || beh == BEH_ON_BLOCKED)
			return IEC_ADDCAUSE_BLOCKED_BY_MODE;
		bool test_mode = beh == BEH_TEST || beh == BEH_TEST_BLOCKED;
		if (test_mode != (test != 0))
			return IEC_ADDCAUSE_BLOCKED_BY_MODE;
	}
	/* switching hierarchy: Loc (local) blocks station and remote, LocSta
	 * (Ed.2) blocks station level */
	bool remote = cat == 2 || cat == 3 || cat == 5 || cat == 6;
	bool station = cat == 2 || cat == 5;
	if (remote && (flag(C->m, &o->ln_st.loc) || flag(C->m, &o->l0_st.loc)))
		return IEC_ADDCAUSE_BLOCKED_BY_SWITCHING_HIERARCHY;
	if (station && (flag(C->m, &o->ln_st.loc_sta) || flag(C->m, &o->l0_st.loc_sta)))
		return IEC_ADDCAUSE_BLOCKED_BY_SWITCHING_HIERARCHY;
	/* Health alarm (7-4: the LN's Health, else the LD's LLN0): refused
	 * where <controls healthBlocks="true"> asks for it */
	if (C->cfg.health_blocks && !o->is_mod) {
		const struct attr *h = o->ln_st.health.t ? &o->ln_st.health : &o->l0_st.health;
		int64_t hv;
		if (h->t && get_i64(C->m, h, &hv) && hv == 3)
			return IEC_ADDCAUSE_BLOCKED_BY_HEALTH;
	}
	int step = step_limit(C, o, l);
	if (step) {
		*dae = MMS_DAE_OBJECT_VALUE_INVALID;
		return step;
	}
	if (!o->is_mod && !model_write_hooked(C->m, o->oper.whole.voff, o->oper.whole.t->size))
		return IEC_ADDCAUSE_BLOCKED_BY_PROCESS;
	return 0;
}

/* Whether the parameters of the Oper in the model are those of the
 * selection (SBOw): ctlVal, origin, ctlNum, Test, Check (7-2 §20.5.4). */
static bool same_as_selected(const struct acsi_controls *C, const struct ctl_obj *o)
{
	const struct attr *a[] = { &o->oper.ctl_val, &o->oper.origin, &o->oper.ctl_num,
				   &o->oper.test, &o->oper.check };
	const struct attr *b[] = { &o->sbow.ctl_val, &o->sbow.origin, &o->sbow.ctl_num,
				   &o->sbow.test, &o->sbow.check };
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		if (!a[i]->t != !b[i]->t)
			return false;
		if (!a[i]->t)
			continue;
		if (a[i]->t->size != b[i]->t->size ||
		    memcmp(raw(C->m, a[i]), raw(C->m, b[i]), a[i]->t->size))
			return false;
	}
	return true;
}

/* ---- the source's part: model_command (update.h) ---- */

/* Offers the command held in `l` to the source of the object's
 * Oper.ctlVal row (a plugin with control()). */
static void offer(struct acsi_controls *C, const struct ctl_obj *o, int step,
		  const struct cmd_layout *l, struct model_write_wait *wait,
		  struct model_command_result *res)
{
	struct model *m = C->m;
	struct model_command mc = { .step = (uint8_t)step, .wait = wait };
	*res = (struct model_command_result){ 0 };
	if (!o->oper.ctl_val.t || !l->ctl_val.t || o->is_mod)
		return;
	mc.row_voff = o->oper.ctl_val.voff;
	mc.val_type = l->ctl_val.t;
	mc.val_voff = l->ctl_val.voff;
	int64_t v;
	if (l->or_cat.t && get_i64(m, &l->or_cat, &v))
		mc.or_cat = (uint8_t)v;
	if (l->or_ident.t && l->or_ident.t->btype == MB_OCTET) {
		uint16_t n;
		memcpy(&n, raw(m, &l->or_ident), 2);
		if (n > sizeof(mc.or_ident))
			n = sizeof(mc.or_ident);
		memcpy(mc.or_ident, raw(m, &l->or_ident) + 2, n);
		mc.or_ident_len = (uint8_t)n;
	}
	if (l->ctl_num.t && get_i64(m, &l->ctl_num, &v))
		mc.ctl_num = (uint8_t)v;
	if (l->test.t && get_i64(m, &l->test, &v))
		mc.test = v != 0;
	if (l->check.t && l->check.t->btype == MB_CHECK) {
		uint8_t c = raw(m, &l->check)[0]; /* 2 bits, wire bit 0 is 0x2 */
		mc.check = (uint8_t)((c & 2 ? 0x01 : 0) | (c & 1 ? 0x02 : 0));
	}
	if (l->t.t && l->t.t->btype == MB_TIMESTAMP) {
		const uint8_t *ts = raw(m, &l->t);
		uint64_t sec = (uint64_t)ts[0] << 24 | (uint64_t)ts[1] << 16 |
			       (uint64_t)ts[2] << 8 | ts[3];
		uint64_t frac = (uint64_t)ts[4] << 16 | (uint64_t)ts[5] << 8 | ts[6];
		mc.t_ns = sec * 1000000000ull + (frac * 1000000000ull >> 24);
	}
	model_command(m, &mc, res);
}

/* Interlock and synchro checks asked for (Check) with no source to make
 * them: acsi_control_cfg.unchecked decides. 0 or the AddCause. */
static int unchecked(const struct acsi_controls *C, const struct cmd_layout *l)
{
	if (!C->cfg.refuse_unchecked || !l->check.t || l->check.t->btype != MB_CHECK)
		return 0;
	uint8_t c = raw(C->m, &l->check)[0];
	if (c & 1)
		return IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING;
	if (c & 2)
		return IEC_ADDCAUSE_BLOCKED_BY_SYNCHROCHECK;
	return 0;
}

/* ---- the process side: has the status reached the command? ---- */

static bool reached(const struct acsi_controls *C, const struct ctl_obj *o)
{
	const struct model *m = C->m;
	switch (o->status_kind) {
	case ST_EQUAL: {
		int64_t s, c;
		return get_i64(m, &o->status, &s) && get_i64(m, &o->oper.ctl_val, &c) && s == c;
	}
	case ST_DBPOS: {
		int64_t s, c;
		/* 7-3 DPC: ctlVal true = on (Dbpos 2), false = off (1) */
		return get_i64(m, &o->status, &s) && get_i64(m, &o->oper.ctl_val, &c) &&
		       s == (c ? 2 : 1);
	}
	case ST_ANALOG: {
		double s, c;
		struct attr cv = o->oper.ctl_val;
		if (cv.t && cv.t->btype == MB_STRUCT) {
			const struct mcomp *k = mtype_find(cv.t, "f", 1);
			if (!k)
				k = mtype_find(cv.t, "i", 1);
			if (!k)
				return false;
			cv.t = k->type;
			cv.voff += k->off;
		}
		return get_f(m, &o->status, &s) && get_f(m, &cv, &c) &&
		       fabs(s - c) <= 1e-6 * fmax(1.0, fabs(c));
	}
	case ST_STEP:
		return memcmp(raw(m, &o->status), o->baseline, o->status.t->size) != 0;
	default:
		return false;
	}
}

static void end_command(struct ctl_obj *o)
{
	struct acsi_controls *C = o->C;
	tcancel(C, &o->op_tmr);
	tcancel(C, &o->done_tmr);
	o->state = S_UNSELECTED;
	o->owner = NULL;
}

static void on_done(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct ctl_obj *o = arg;
	struct acsi_controls *C = o->C;
	if (o->state != S_EXECUTING)
		return;
	tcancel(C, &o->op_tmr);
	if (o->owner)
		send_termination(C, o, o->done_ok, o->done_cause);
	if (o->done_ok) {
		C->st.terminations_ok++;
		if (o->has_op_ok)
			set_bool(C, &o->op_ok, false);
	} else {
		C->st.terminations_failed++;
	}
	log_cmd(C, o, SVC_TERMINATION, o->owner, &o->oper, o->done_ok, o->done_cause, -1);
	end_command(o);
}

static void on_oper_timeout(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct ctl_obj *o = arg;
	if (o->state != S_EXECUTING)
		return;
	o->done_ok = false;
	o->done_cause = IEC_ADDCAUSE_TIME_LIMIT_OVER;
	on_done(NULL, NULL, o);
}

static void on_status(void *ctx, struct model *m, const struct model_change *c)
{
	(void)m;
	struct acsi_controls *C = ctx;
	if (c->member >= C->n_members)
		return;
	struct ctl_obj *o = C->by_member[c->member];
	if (o->state == S_EXECUTING && !timer_armed(&o->done_tmr) && reached(C, o)) {
		/* the model may not change inside a delivery: finish on the loop */
		o->done_ok = true;
		o->done_cause = IEC_ADDCAUSE_NONE;
		tarm(C, &o->done_tmr, now_us(C));
	}
}

/* ---- selection ---- */

static void on_sbo_timeout(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct ctl_obj *o = arg;
	if (o->state != S_READY)
		return;
	log_msg(LOGL_INFO, LOGC_MMS, "control %s: selection by %s ended (sboTimeout)", o->ref,
		o->owner ? o->owner->peer : "-");
	o->state = S_UNSELECTED;
	o->owner = NULL;
	set_seld(o, false);
}

static void select_ok(struct ctl_obj *o, struct acsi_rpt_client *cl)
{
	struct acsi_controls *C = o->C;
	o->state = S_READY;
	o->owner = cl;
	tarm(C, &o->sel_tmr, now_us(C) + timeout_us(C, &o->sbo_timeout, C->cfg.sbo_timeout_ms));
	set_seld(o, true);
	C->st.selects++;
}

static void unselect(struct ctl_obj *o)
{
	tcancel(o->C, &o->sel_tmr);
	if (o->state == S_READY) {
		o->state = S_UNSELECTED;
		o->owner = NULL;
	}
	set_seld(o, false);
}

/* ---- operate ---- */

/* Oper as written, through model_write: its hooks carry ctlVal to the
 * row's source (and the change observers see it). 0 or a DataAccessError. */
static int write_oper(struct acsi_controls *C, const struct ctl_obj *o)
{
	struct model *m = C->m;
	struct ber_cur cur;
	struct ber_tlv tlv;
	struct buf enc = { 0 };
	model_encode_data(m, o->oper.whole.t, o->oper.whole.voff, &enc);
	ber_cur_init(&cur, buf_data(&enc), enc.len);
	int r = enc.err ? MMS_DAE_TEMPORARILY_UNAVAILABLE :
		ber_next(&cur, &tlv, NULL) ? MMS_DAE_TYPE_INCONSISTENT :
		model_write(m, o->oper.whole.t, o->oper.whole.voff, &cur, &tlv, NULL);
	buf_clear(&enc);
	return r;
}

/* What follows an operate the plant took: the status parts, the
 * selection (operate-once ends it), and for enhanced security the wait
 * for the status within operTimeout. `cl` may be NULL (the association
 * went while the source answered). */
static void operated(struct ctl_obj *o, struct acsi_rpt_client *cl, int cm)
{
	struct acsi_controls *C = o->C;
	struct model *m = C->m;
	copy_origin(C, o, &o->oper);
	if (o->has_op_rcvd)
		set_bool(C, &o->op_rcvd, true);
	C->st.operates++;
	log_cmd(C, o, SVC_OPERATE, cl, &o->oper, true, IEC_ADDCAUSE_NONE, -1);
	int64_t cls = 0;	/* sboClass: 0 operate-once, 1 operate-many */
	if (o->sbo_class.t)
		get_i64(m, &o->sbo_class, &cls);
	bool keep = cl && (cm == CM_SBO_NORMAL || cm == CM_SBO_ENHANCED) && cls == 1;
	tcancel(C, &o->sel_tmr);
	if (keep)
		tarm(C, &o->sel_tmr, now_us(C) + timeout_us(C, &o->sbo_timeout,
							       C->cfg.sbo_timeout_ms));
	else if (cm == CM_SBO_NORMAL || cm == CM_SBO_ENHANCED)
		set_seld(o, false);
	if (cm == CM_DIRECT_ENHANCED || cm == CM_SBO_ENHANCED) {
		o->state = S_EXECUTING;
		o->owner = cl;
		tarm(C, &o->op_tmr, now_us(C) + timeout_us(C, &o->oper_timeout,
							      C->cfg.oper_timeout_ms));
		if (o->is_mod || reached(C, o)) {
			o->done_ok = true;
			o->done_cause = IEC_ADDCAUSE_NONE;
			tarm(C, &o->done_tmr, now_us(C));
		}
	} else {
		o->state = keep ? S_READY : S_UNSELECTED;
		o->owner = keep ? cl : NULL;
		if (o->has_op_ok)
			set_bool(C, &o->op_ok, true);
		if (o->has_t_op_ok && o->t_op_ok.type->btype == MB_TIMESTAMP)
			/* tOpOk (Ed.2): when the operate went out */
			model_timestamp(C->clk.utc_ns(C->clk.ctx), 0, m->values + o->t_op_ok.voff);
	}
}

static void on_source_answer(void *ctx, int x);

/* A command the source answers later: the object waits (S_ANSWER) and the
 * client's Write response with it. false when there is no memory to wait
 * (the caller goes on as if accepted; the answer reaches the log). */
static bool await_source(struct ctl_obj *o, struct acsi_rpt_client *cl, int cm, int step,
			 struct model_write_wait *src, struct model_write_wait **wait)
{
	struct model_write_wait *resp = model_wait_new(o->C->m);
	if (!resp)
		return false;
	o->state = S_ANSWER;
	o->owner = cl;
	o->pend_cm = cm;
	o->pend_step = (uint8_t)step;
	o->pend_src = src;
	o->pend_resp = resp;
	model_write_wait_on(src, on_source_answer, o);
	*wait = resp;
	return true;
}

/* The source's control() answered an operate that waited (S_ANSWER):
 * x is 0, MODEL_CMD_CAUSE(add_cause) or a DataAccessError (update.h). The
 * client's Write response goes now. */
static void on_source_answer(void *ctx, int x)
{
	struct ctl_obj *o = ctx;
	struct acsi_controls *C = o->C;
	struct model_write_wait *resp = o->pend_resp;
	struct acsi_rpt_client *cl = o->owner;
	int cm = o->pend_cm, dae = 0;
	o->pend_src = o->pend_resp = NULL;
	o->state = S_UNSELECTED;
	o->owner = NULL;
	if (o->pend_step == MODEL_CMD_SELECT) {
		/* a SelectWithValue the source checked */
		if (x) {
			bool cause_given = x >= MODEL_CMD_CAUSE_BASE;
			int cause = cause_given ? x - MODEL_CMD_CAUSE_BASE :
						  IEC_ADDCAUSE_BLOCKED_BY_PROCESS;
			dae = cause_given ? MMS_DAE_OBJECT_ACCESS_DENIED : x;
			if (cl)
				refuse(C, cl, o, SVC_SELECT_VALUE, &o->sbow, cause, dae);
			else
				C->st.refused++;
		} else if (cl) {
			select_ok(o, cl);
			log_cmd(C, o, SVC_SELECT_VALUE, cl, &o->sbow, true, IEC_ADDCAUSE_NONE, -1);
		}
		if (resp)
			model_write_done(resp, dae);
		return;
	}
	if (x) {
		bool cause_given = x >= MODEL_CMD_CAUSE_BASE;
		int cause = cause_given ? x - MODEL_CMD_CAUSE_BASE : IEC_ADDCAUSE_BLOCKED_BY_PROCESS;
		dae = cause_given ? MMS_DAE_OBJECT_ACCESS_DENIED : x;
		if (cl) {
			refuse(C, cl, o, SVC_OPERATE, &o->oper, cause, dae);
		} else {
			C->st.refused++;
			log_cmd(C, o, SVC_OPERATE, NULL, &o->oper, false, cause, dae);
		}
		if (cm == CM_SBO_NORMAL || cm == CM_SBO_ENHANCED)
			unselect(o);
	} else {
		operated(o, cl, cm);
	}
	if (resp)
		model_write_done(resp, dae);
}

/* Carries out the Oper held in the model: the write path to the source
 * (or, for Mod, the server's own), the status, enhanced security's wait.
 * With `wait` (the caller can wait), a source that answers later makes it
 * MODEL_WRITE_PENDING with *wait, answered by on_source_answer. */
static int execute(struct ctl_obj *o, struct acsi_rpt_client *cl, int cm,
		   struct model_write_wait **wait)
{
	struct acsi_controls *C = o->C;
	struct model *m = C->m;
	if (o->status_kind == ST_STEP)
		memcpy(o->baseline, raw(m, &o->status), o->status.t->size);
	if (o->is_mod) {
		int64_t v;
		if (get_i64(m, &o->oper.ctl_val, &v) && o->st_val_upd.type) {
			uint16_t q = 0;
			if (o->st_val_upd.has_q)
				memcpy(&q, m->values + o->st_val_upd.q_voff, 2);
			uint8_t ts[8];
			model_timestamp(C->clk.utc_ns(C->clk.ctx), 0, ts);
			struct model_val mv = { .kind = MODEL_V_INT, .v.i = v };
			if (model_update(m, &o->st_val_upd, &mv, q, ts) < 0)
				return refuse(C, cl, o, SVC_OPERATE, &o->oper, IEC_ADDCAUSE_NOT_SUPPORTED,
					      MMS_DAE_OBJECT_VALUE_INVALID);
			mod_changed(C, o);
		}
	} else {
		/* a source with control() takes the command with its parameters;
		 * any other gets Oper written (the hooks pass ctlVal on), and
		 * the source answers through the status */
		struct model_command_result res;
		struct model_write_wait *src = wait ? model_wait_new(m) : NULL;
		offer(C, o, MODEL_CMD_OPERATE, &o->oper, src, &res);
		if (res.pending) {
			if (await_source(o, cl, cm, MODEL_CMD_OPERATE, src, wait))
				return MODEL_WRITE_PENDING;
			/* no memory to wait: the source still answers, into the log */
		} else if (src) {
			model_write_done(src, 0); /* not taken: freed */
		}
		if (res.handled && res.add_cause)
			return refuse(C, cl, o, SVC_OPERATE, &o->oper, res.add_cause, res.dae);
		if (!res.handled) {
			int cause = unchecked(C, &o->oper);
			if (cause)
				return refuse(C, cl, o, SVC_OPERATE, &o->oper, cause,
					      MMS_DAE_OBJECT_ACCESS_DENIED);
			int r = write_oper(C, o);
			if (r)
				return refuse(C, cl, o, SVC_OPERATE, &o->oper,
					      IEC_ADDCAUSE_BLOCKED_BY_PROCESS, r);
		}
	}
	operated(o, cl, cm);
	return 0;
}

static void on_oper_tm(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct ctl_obj *o = arg;
	if (o->state != S_WAIT_OPER_TM)
		return;
	struct acsi_rpt_client *cl = o->owner;
	int cm = ctl_model(o->C, o);
	o->state = S_UNSELECTED;
	if (execute(o, cl, cm, NULL) && cm >= CM_DIRECT_ENHANCED && cl) {
		/* refused at operTm: the client hears it as a termination */
		o->owner = cl;
		o->state = S_EXECUTING;
		o->done_ok = false;
		o->done_cause = IEC_ADDCAUSE_BLOCKED_BY_PROCESS;
		on_done(NULL, NULL, o);
	}
}

/* ---- the services ---- */

static struct ctl_obj *find_range(const struct acsi_controls *C, uint32_t voff)
{
	uint32_t lo = 0, hi = C->n_ranges;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (voff < C->ranges[mid].lo)
			hi = mid;
		else if (voff >= C->ranges[mid].hi)
			lo = mid + 1;
		else
			return C->ranges[mid].o;
	}
	return NULL;
}

/* Decodes a written Oper/SBOw/Cancel into its place in the model; on a
 * refusal the caller puts `save` back. */
static int take(struct acsi_controls *C, const struct cmd_layout *l, const struct ber_cur *parent,
		const struct ber_tlv *data, uint8_t **save)
{
	size_t n = l->whole.t->size;
	*save = malloc(n ? n : 1);
	if (!*save)
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	memcpy(*save, C->m->values + l->whole.voff, n);
	return model_store_data_unhooked(C->m, l->whole.t, l->whole.voff, parent, data);
}

static void put_back(struct acsi_controls *C, const struct cmd_layout *l, uint8_t *save)
{
	if (save)
		memcpy(C->m->values + l->whole.voff, save, l->whole.t->size);
}

/* A command waits for operTm, is in execution, or waits for its source. */
static bool busy(const struct ctl_obj *o)
{
	return o->state == S_WAIT_OPER_TM || o->state == S_EXECUTING || o->state == S_ANSWER;
}

/* A select of an object another association has selected: Ed.2 7-2 says
 * Locked-by-other-client (an AddCause Ed.1 does not have); Ed.1,
 * Object-already-selected. */
static int selected_by_other(const struct acsi_controls *C)
{
	return model_edition(C->m) >= 2 ? IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT : IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED;
}

static int do_sbow(struct acsi_controls *C, struct ctl_obj *o, struct acsi_rpt_client *cl, int cm,
		   struct model_write_wait **wait)
{
	int dae;
	const struct cmd_layout *l = &o->sbow;
	if (cm != CM_SBO_ENHANCED)
		return refuse(C, cl, o, SVC_SELECT_VALUE, l, IEC_ADDCAUSE_NOT_SUPPORTED,
			      MMS_DAE_OBJECT_ACCESS_DENIED);
	if (busy(o))
		return refuse(C, cl, o, SVC_SELECT_VALUE, l, IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION,
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	if (o->state == S_READY)
		return refuse(C, cl, o, SVC_SELECT_VALUE, l,
			      o->owner == cl ? IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED : selected_by_other(C),
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	int cause = check_command(C, o, l, &dae);
	if (cause)
		return refuse(C, cl, o, SVC_SELECT_VALUE, l, cause, dae);
	/* the source checks at select (interlocking, synchrocheck); one on
	 * its own thread answers later (on_source_answer) */
	struct model_command_result res;
	struct model_write_wait *src = wait ? model_wait_new(C->m) : NULL;
	offer(C, o, MODEL_CMD_SELECT, l, src, &res);
	if (res.pending && await_source(o, cl, cm, MODEL_CMD_SELECT, src, wait))
		return MODEL_WRITE_PENDING;
	if (!res.pending && src)
		model_write_done(src, 0); /* not taken: freed */
	if (res.handled && res.add_cause)
		return refuse(C, cl, o, SVC_SELECT_VALUE, l, res.add_cause, res.dae);
	if (!res.handled && (cause = unchecked(C, l)))
		return refuse(C, cl, o, SVC_SELECT_VALUE, l, cause, MMS_DAE_OBJECT_ACCESS_DENIED);
	select_ok(o, cl);
	log_cmd(C, o, SVC_SELECT_VALUE, cl, l, true, IEC_ADDCAUSE_NONE, -1);
	return 0;
}

static int do_oper(struct acsi_controls *C, struct ctl_obj *o, struct acsi_rpt_client *cl, int cm,
		   struct model_write_wait **wait)
{
	int dae;
	const struct cmd_layout *l = &o->oper;
	if (cm == CM_STATUS_ONLY)
		return refuse(C, cl, o, SVC_OPERATE, l, IEC_ADDCAUSE_NOT_SUPPORTED,
			      MMS_DAE_OBJECT_ACCESS_DENIED);
	if (busy(o))
		return refuse(C, cl, o, SVC_OPERATE, l,
			      o->owner == cl ? IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION : IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT,
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	bool sbo = cm == CM_SBO_NORMAL || cm == CM_SBO_ENHANCED;
	if (sbo) {
		if (o->state != S_READY)
			return refuse(C, cl, o, SVC_OPERATE, l, IEC_ADDCAUSE_OBJECT_NOT_SELECTED,
				      MMS_DAE_TEMPORARILY_UNAVAILABLE);
		if (o->owner != cl)
			return refuse(C, cl, o, SVC_OPERATE, l, IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT,
				      MMS_DAE_TEMPORARILY_UNAVAILABLE);
		if (cm == CM_SBO_ENHANCED && !same_as_selected(C, o)) {
			unselect(o);
			return refuse(C, cl, o, SVC_OPERATE, l, IEC_ADDCAUSE_INCONSISTENT_PARAMETERS,
				      MMS_DAE_TYPE_INCONSISTENT);
		}
	}
	int cause = check_command(C, o, l, &dae);
	if (cause) {
		if (sbo)
			unselect(o);
		return refuse(C, cl, o, SVC_OPERATE, l, cause, dae);
	}
	/* time-activated operate: operTm in the future waits on the clock */
	if (l->oper_tm.t && l->oper_tm.t->btype == MB_TIMESTAMP) {
		const uint8_t *ts = raw(C->m, &l->oper_tm);
		uint64_t sec = (uint64_t)ts[0] << 24 | (uint64_t)ts[1] << 16 | (uint64_t)ts[2] << 8 |
			       ts[3];
		uint64_t frac = (uint64_t)ts[4] << 16 | (uint64_t)ts[5] << 8 | ts[6];
		uint64_t at_ns = sec * 1000000000ull + (frac * 1000000000ull >> 24);
		uint64_t now_ns = C->clk.utc_ns(C->clk.ctx);
		if (sec && at_ns > now_ns) {
			tcancel(C, &o->sel_tmr);
			o->state = S_WAIT_OPER_TM;
			o->owner = cl;
			tarm(C, &o->tm_tmr, now_us(C) + (at_ns - now_ns) / 1000u);
			log_msg(LOGL_INFO, LOGC_MMS,
				"control operate %s from %s: waits for operTm (%llu ms)", o->ref,
				cl ? cl->peer : "-",
				(unsigned long long)((at_ns - now_ns) / 1000000u));
			return 0;
		}
	}
	int r = execute(o, cl, cm, wait);
	if (r && r != MODEL_WRITE_PENDING && sbo)
		unselect(o);
	return r;
}

static int do_cancel(struct acsi_controls *C, struct ctl_obj *o, struct acsi_rpt_client *cl)
{
	const struct cmd_layout *l = &o->cancel;
	if (o->state == S_UNSELECTED)
		return refuse(C, cl, o, SVC_CANCEL, l, IEC_ADDCAUSE_OBJECT_NOT_SELECTED,
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	if (o->owner != cl)
		return refuse(C, cl, o, SVC_CANCEL, l, IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT,
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	if (o->state == S_EXECUTING || o->state == S_ANSWER)
		return refuse(C, cl, o, SVC_CANCEL, l, IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION,
			      MMS_DAE_TEMPORARILY_UNAVAILABLE);
	if (o->state == S_WAIT_OPER_TM) {
		tcancel(C, &o->tm_tmr);
		o->state = S_UNSELECTED;
		o->owner = NULL;
		set_seld(o, false);
	} else {
		unselect(o);
	}
	/* the source hears of it (a refusal cannot keep a cancelled command) */
	struct model_command_result res;
	offer(C, o, MODEL_CMD_CANCEL, l, NULL, &res);
	C->st.cancels++;
	log_cmd(C, o, SVC_CANCEL, cl, l, true, IEC_ADDCAUSE_NONE, -1);
	return 0;
}

int acsi_controls_write(struct acsi_controls *C, struct acsi_rpt_client *cl,
			const struct mref *ref, const struct mtype *t, uint32_t voff,
			const struct ber_cur *parent, const struct ber_tlv *data,
			struct model_write_wait **wait)
{
	return acsi_controls_write_as(C, cl, true, ref, t, voff, parent, data, wait);
}

int acsi_controls_write_as(struct acsi_controls *C, struct acsi_rpt_client *cl, bool allowed,
			   const struct mref *ref, const struct mtype *t, uint32_t voff,
			   const struct ber_cur *parent, const struct ber_tlv *data,
			   struct model_write_wait **wait)
{
	(void)ref;
	struct ctl_obj *o = C ? find_range(C, voff) : NULL;
	if (!o)
		return ACSI_WRITE_NOT_MINE;
	const struct cmd_layout *l = NULL;
	int svc;
	if (o->oper.whole.t && voff == o->oper.whole.voff && t == o->oper.whole.t) {
		l = &o->oper;
		svc = SVC_OPERATE;
	} else if (o->sbow.whole.t && voff == o->sbow.whole.voff && t == o->sbow.whole.t) {
		l = &o->sbow;
		svc = SVC_SELECT_VALUE;
	} else if (o->cancel.whole.t && voff == o->cancel.whole.voff && t == o->cancel.whole.t) {
		l = &o->cancel;
		svc = SVC_CANCEL;
	} else {
		/* a part of Oper, or SBO: 8-1 writes the structure as a whole */
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	}
	uint8_t *save = NULL;
	int r = take(C, l, parent, data, &save);
	if (r) {
		put_back(C, l, save);
		free(save);
		C->st.refused++;
		log_msg(LOGL_INFO, LOGC_MMS, "control %s %s from %s: refused, %s (not the %s type)",
			svc_names[svc], o->ref, cl ? cl->peer : "-", mms_dae_str(r),
			svc_vars[svc]);
		return r;
	}
	if (!allowed) {
		/* IEC 62351-8: the caller lacks CONTROL (authz.h) */
		r = refuse(C, cl, o, svc, l, IEC_ADDCAUSE_NO_ACCESS_AUTHORITY,
			   MMS_DAE_OBJECT_ACCESS_DENIED);
		put_back(C, l, save);
		free(save);
		return r;
	}
	int cm = ctl_model(C, o);
	switch (svc) {
	case SVC_SELECT_VALUE: r = do_sbow(C, o, cl, cm, wait); break;
	case SVC_OPERATE: r = do_oper(C, o, cl, cm, wait); break;
	default: r = do_cancel(C, o, cl); break;
	}
	/* a refused command changes nothing: the model keeps the last
	 * accepted one (a selection's parameters, the Oper in execution that
	 * CommandTermination carries) */
	if (r && r != MODEL_WRITE_PENDING)
		put_back(C, l, save);
	free(save);
	return r;
}

bool acsi_controls_read(struct acsi_controls *C, struct acsi_rpt_client *cl,
			const struct mtype *t, uint32_t voff, struct buf *resp)
{
	return acsi_controls_read_as(C, cl, true, t, voff, resp);
}

bool acsi_controls_read_as(struct acsi_controls *C, struct acsi_rpt_client *cl, bool allowed,
			   const struct mtype *t, uint32_t voff, struct buf *resp)
{
	struct ctl_obj *o = C ? find_range(C, voff) : NULL;
	if (!o || !o->sbo.t || voff != o->sbo.voff || t != o->sbo.t)
		return false;
	int cm = ctl_model(C, o);
	int cause = 0;
	struct cmd_layout none = { 0 };
	if (!allowed)
		cause = IEC_ADDCAUSE_NO_ACCESS_AUTHORITY;
	else if (cm != CM_SBO_NORMAL)
		cause = IEC_ADDCAUSE_NOT_SUPPORTED;
	else if (busy(o))
		cause = IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION;
	else if (o->state == S_READY)
		cause = o->owner == cl ? IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED : selected_by_other(C);
	else {
		/* a Read carries no Test or origin: the checks see an operate
		 * with Test false from an unknown originator (orCat 0) */
		if (o->is_mod)
			; /* Mod is the server's own, in every behaviour */
		else if (behaviour(C->m, o) != BEH_ON)
			cause = IEC_ADDCAUSE_BLOCKED_BY_MODE;
		else if (!model_write_hooked(C->m, o->oper.whole.voff,
					     o->oper.whole.t ? o->oper.whole.t->size : 0))
			cause = IEC_ADDCAUSE_BLOCKED_BY_PROCESS;
	}
	if (cause) {
		C->st.refused++;
		send_last_appl_error(C, cl, o, SVC_SELECT, &none, cause);
		log_cmd(C, o, SVC_SELECT, cl, NULL, false, cause, -1);
		ber_put_str(resp, BER_CONTEXT, 10, "");
		return true;
	}
	select_ok(o, cl);
	log_cmd(C, o, SVC_SELECT, cl, NULL, true, IEC_ADDCAUSE_NONE, -1);
	/* 8-1 §20.5.2: the object reference of the selected object */
	char r[200];
	snprintf(r, sizeof(r), "%s", o->ref);
	ber_put_str(resp, BER_CONTEXT, 10, r);
	return true;
}

void acsi_controls_client_end(struct acsi_controls *C, struct acsi_rpt_client *cl)
{
	if (!C || !cl)
		return;
	for (uint32_t i = 0; i < C->n; i++) {
		struct ctl_obj *o = &C->objs[i];
		if (o->owner != cl)
			continue;
		switch (o->state) {
		case S_READY:
			log_msg(LOGL_INFO, LOGC_MMS, "control %s: selection by %s ended (association "
				"ended)", o->ref, cl->peer);
			unselect(o);
			break;
		case S_WAIT_OPER_TM:
			log_msg(LOGL_INFO, LOGC_MMS, "control %s: time-activated operate of %s "
				"dropped (association ended)", o->ref, cl->peer);
			tcancel(C, &o->tm_tmr);
			o->state = S_UNSELECTED;
			set_seld(o, false);
			break;
		case S_ANSWER:
			/* the source still answers; the Write response then goes
			 * nowhere (its job knows the association ended) */
			break;
		case S_EXECUTING:
			/* the command goes on; nobody to tell how it ended */
			tcancel(C, &o->done_tmr);
			tcancel(C, &o->op_tmr);
			o->state = S_UNSELECTED;
			break;
		default:
			break;
		}
		o->owner = NULL;
	}
}

/* ---- life cycle ---- */

static int cmp_range(const void *a, const void *b)
{
	const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void add_range(struct acsi_controls *C, const struct attr *a, struct ctl_obj *o)
{
	if (!a->t)
		return;
	C->ranges[C->n_ranges].lo = a->voff;
	C->ranges[C->n_ranges].hi = a->voff + (a->t->size ? a->t->size : 1);
	C->ranges[C->n_ranges].o = o;
	C->n_ranges++;
}

static int watch_statuses(struct acsi_controls *C)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < C->n; i++)
		if (C->objs[i].status_kind != ST_NONE && !C->objs[i].is_mod)
			n++;
	if (!n)
		return 0;
	struct mfcda *mb = calloc(n, sizeof(*mb));
	C->by_member = calloc(n, sizeof(*C->by_member));
	if (!mb || !C->by_member) {
		free(mb);
		return -ENOMEM;
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < C->n; i++) {
		struct ctl_obj *o = &C->objs[i];
		if (o->status_kind == ST_NONE || o->is_mod)
			continue;
		if (model_fcda_from_mms(C->m, o->ld->name, o->status_item, -1, NULL, &mb[k]))
			continue;
		C->by_member[k] = o;
		o->member = k++;
	}
	int r = 0;
	C->n_members = k;
	if (k) {
		r = model_dataset_add(C->m, NULL, C, "iedd_control_status", mb, k, &C->ds);
		if (!r) {
			struct model_observer_desc d = { .reasons = MODEL_TRG_DCHG | MODEL_TRG_DUPD,
							 .ds = C->ds, .change = on_status, .ctx = C };
			C->obs = model_observe_add(C->m, &d);
			if (!C->obs)
				r = -ENOMEM;
		}
	}
	free(mb);
	return r;
}

struct acsi_controls *acsi_controls_new(struct model *m, const struct acsi_clock *clk,
					const struct acsi_control_cfg *cfg)
{
	struct acsi_controls *C = calloc(1, sizeof(*C));
	if (!C)
		return NULL;
	C->m = m;
	C->clk = *clk;
	if (cfg)
		C->cfg = *cfg;
	if (!C->cfg.sbo_timeout_ms)
		C->cfg.sbo_timeout_ms = DEFAULT_SBO_TIMEOUT_MS;
	if (!C->cfg.oper_timeout_ms)
		C->cfg.oper_timeout_ms = DEFAULT_OPER_TIMEOUT_MS;
	struct found f = { 0 };
	char path[130];
	for (uint32_t i = 0; m && i < m->n_ld; i++) {
		const struct mld *ld = &m->lds[i];
		for (uint32_t j = 0; j < ld->n_ln; j++) {
			const struct mln *ln = &ld->lns[j];
			const struct mcomp *co = mtype_find(ln->type, "CO", 2);
			path[0] = 0;
			if (co && walk_co(&f, ld, ln, co->type, path, 0, 0)) {
				free(f.v);
				free(C);
				return NULL;
			}
		}
	}
	C->objs = f.v;
	C->n = f.n;
	C->ranges = calloc(C->n * 4 + 1, sizeof(*C->ranges));
	if (!C->ranges) {
		acsi_controls_free(C);
		return NULL;
	}
	for (uint32_t i = 0; i < C->n; i++) {
		struct ctl_obj *o = &C->objs[i];
		setup_obj(C, o);
		timer_init(&o->sel_tmr, on_sbo_timeout, o);
		timer_init(&o->op_tmr, on_oper_timeout, o);
		timer_init(&o->done_tmr, on_done, o);
		timer_init(&o->tm_tmr, on_oper_tm, o);
		add_range(C, &o->oper.whole, o);
		add_range(C, &o->sbow.whole, o);
		add_range(C, &o->cancel.whole, o);
		add_range(C, &o->sbo, o);
	}
	qsort(C->ranges, C->n_ranges, sizeof(*C->ranges), cmp_range);
	if (watch_statuses(C)) {
		acsi_controls_free(C);
		return NULL;
	}
	return C;
}

void acsi_controls_free(struct acsi_controls *C)
{
	if (!C)
		return;
	for (uint32_t i = 0; i < C->n; i++) {
		struct ctl_obj *o = &C->objs[i];
		if (!o->C)
			continue;
		tcancel(C, &o->sel_tmr);
		tcancel(C, &o->op_tmr);
		tcancel(C, &o->done_tmr);
		tcancel(C, &o->tm_tmr);
		if (o->state == S_ANSWER) {
			/* the source's late answer finds nobody; the Write is
			 * answered now */
			model_write_wait_on(o->pend_src, NULL, NULL);
			if (o->pend_resp)
				model_write_done(o->pend_resp, MMS_DAE_TEMPORARILY_UNAVAILABLE);
		}
	}
	if (C->ds)
		model_dataset_remove(C->m, C->ds);
	buf_clear(&C->out);
	free(C->by_member);
	free(C->ranges);
	free(C->objs);
	free(C);
}

uint32_t acsi_controls_count(const struct acsi_controls *C)
{
	return C ? C->n : 0;
}

int acsi_controls_info(const struct acsi_controls *C, uint32_t i, struct acsi_control_info *out)
{
	if (!C || i >= C->n)
		return -ENOENT;
	const struct ctl_obj *o = &C->objs[i];
	int64_t cm;
	out->ref = o->ref;
	out->ctl_model = get_i64(C->m, &o->ctl_model, &cm) ? (int)cm : -1;
	out->has_sbo = o->sbo.t != NULL;
	out->has_sbow = o->sbow.whole.t != NULL;
	out->has_cancel = o->cancel.whole.t != NULL;
	out->timed = o->oper.oper_tm.t != NULL;
	return 0;
}

void acsi_controls_stats(const struct acsi_controls *C, struct acsi_controls_stats *out)
{
	if (C)
		*out = C->st;
	else
		memset(out, 0, sizeof(*out));
}
