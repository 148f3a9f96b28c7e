/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE subscriber (goose_svc.h): every subscription of the model
 * (model/gse.h, struct mgoose_sub) matched, supervised and delivered.
 *
 * Matching: a hash on gocbRef (the frame's strings are decoded anyway);
 * a subscription with an address (has_addr) then takes only frames with
 * its APPID and destination MAC, others are counted in wrong_addr (and
 * unmatched). O(1) per frame, no allocation.
 *
 * Supervision, in this order, for a frame that decodes and matches (every
 * such frame re-arms the TAL timer, the publisher is alive, except a
 * simulated frame that a valid subscription ignores):
 * 1. Simulation (7-2 Ed.2 §15.2.3.2, 8-1 Ed.2 §18.1.2.6, 7-4 LPHD.Sim): a
 *    frame is simulated when the Reserved1 simulation bit or the PDU's
 *    simulation (Ed.1 test) BOOLEAN is set. LPHD.Sim false (or no
 *    LPHD.Sim): simulated frames are ignored. LPHD.Sim true: simulated
 *    frames are taken, and once one came for a GoCB the real ones of that
 *    GoCB are ignored until Sim goes false again. An ignored frame leaves a
 *    valid subscription valid (the real publisher still sends); a
 *    subscription not valid then is in GSUB_SIMULATION.
 * 2. confRev different from the SCL's (when the publisher is in the file),
 *    3. ndsCom true, 4. structure: datSet different from the SCL's,
 *    numDatSetEntries different from the data set, or a member whose MMS
 *    Data tags do not have the member type's shape (checked member by
 *    member against member_type where known) -> GSUB_CONFREV, NDSCOM,
 *    STRUCTURE.
 * 5. Sequence: against the last frame taken, a frame with the same stNum,
 *    sqNum and t is a duplicate (redundant paths, PRP/HSR): dropped and
 *    counted, nothing changes. stNum and sqNum compare as serial numbers
 *    (they wrap). The same stNum with an older sqNum, a newer stNum with an
 *    older t, or an older stNum with a t that is not newer (a replay) ->
 *    GSUB_SEQUENCE. An older stNum with a newer t is a publisher restart
 *    and taken.
 * A refused frame delivers nothing. The inputs' quality on supervision
 * failures (7-3 §6.2 Quality):
 * - TAL expired: validity questionable + detailQual oldData: the values
 *   are the last ones received and may have changed since (7-3: oldData
 *   "not updated during a specific time interval"; the usual vendor
 *   choice, and what tells an interlocking the value is stale, not wrong).
 * - Waiting (no valid frame since start): validity invalid + detailQual
 *   oldData: the inputs hold their SCL or default values, nothing the
 *   publisher sent.
 * - confRev, ndsCom, structure, simulation, sequence: validity invalid +
 *   detailQual inconsistent: what arrives is not what the SCL describes.
 * The other bits of q are kept; on the next valid frame q is restored to
 * what it was, and then the frame's values (and q, when subscribed)
 * written. Every change of q goes through model_update (qchg for
 * observers, t updated).
 * Delivery: each input's member stored with model_store_data_observed
 * (update.h): a DO member (FCD) writes its q and t with it. For a DA
 * member (FCDA) the data object's q and t are what other inputs bring
 * (bind q and t too, or subscribe the whole DO); the subscriber itself
 * only changes q on supervision failures (above). LGOS (where
 * bound and modelled): St.stVal (valid), SimSt.stVal (simulated frames
 * taken), LastStNum.stVal, ConfRevNum.stVal, NdsCom.stVal, updated on
 * change. RcvdDataSet is not kept (not in 7-4 Ed.2's LGOS).
 * Logging: each state change of a subscription one line (LOGC_GOOSE);
 * acsi_gsub_sub_state gives the state for status pages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* proto/goose.h (the frame codec) and this folder's goose.h share a name */
#include "../proto/goose.h"
#include "goose_svc.h"
#include "gse.h"
#include "log.h"
#include "timer.h"
#include "update.h"

#define Q_QUESTIONABLE 0xC000
#define Q_OLDDATA 0x0100	/* detailQual oldData: wire bit 7 */

/* One distinct q that supervision sets. */
struct qtarget {
	struct model_attr a;	/* has_q, q_voff, q_trgops, has_t, t_voff */
	uint16_t saved;		/* q before supervision marked it */
	bool covered;		/* a delivered input carries it: not restored */
};

struct lgos_attr {
	struct model_attr a;
	bool ok;
	int64_t last;
	bool known;
};
enum { LG_ST, LG_SIMST, LG_LASTST, LG_CONFREV, LG_NDSCOM, LG_N };

struct one {
	struct acsi_gsub *S;
	const struct mgoose_sub *sub;
	struct one *next;		/* hash chain */
	struct timer tal;
	uint8_t state;
	bool seen;			/* a frame was taken: last_* hold */
	bool sim_seen;			/* LPHD.Sim true and a simulated frame came */
	bool marked;			/* qt[] hold supervision's q */
	uint32_t last_st, last_sq;
	uint8_t last_t[8];
	uint32_t n_qt;
	struct qtarget *qt;
	struct lgos_attr lg[LG_N];
};

struct acsi_gsub {
	struct model *m;
	struct acsi_clock clk;
	uint32_t n;
	struct one *subs;
	struct one **bucket;
	uint32_t mask;
	bool has_sim;
	uint32_t sim_voff;
	uint32_t max_members;
	struct ber_tlv *mem;		/* scratch: the members of one frame */
	struct acsi_gsub_stats st;
};

static const char *const state_names[] = {
	[GSUB_WAITING] = "waiting", [GSUB_VALID] = "valid",
	[GSUB_TAL_EXPIRED] = "TAL expired", [GSUB_CONFREV] = "confRev mismatch",
	[GSUB_NDSCOM] = "ndsCom", [GSUB_STRUCTURE] = "structure mismatch",
	[GSUB_SIMULATION] = "simulation mismatch", [GSUB_SEQUENCE] = "sequence (replay)",
};

const char *acsi_gsub_state_name(unsigned st)
{
	return st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static uint32_t hash_ref(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint64_t now_us(const struct acsi_gsub *S)
{
	return S->clk.mono_us(S->clk.ctx);
}

static void now_ts(const struct acsi_gsub *S, uint8_t ts[8])
{
	uint64_t ns = S->clk.utc_ns ? S->clk.utc_ns(S->clk.ctx) : 0;
	model_timestamp(ns, 0, ts);
}

/* ---- LGOS ---- */

static void lgos_set(struct one *o, unsigned k, int64_t v)
{
	struct lgos_attr *l = &o->lg[k];
	if (!l->ok || (l->known && l->last == v))
		return;
	l->known = true;
	l->last = v;
	struct model_val mv = { .kind = MODEL_V_INT, .v.i = v };
	uint8_t ts[8];
	now_ts(o->S, ts);
	(void)model_update(o->S->m, &l->a, &mv, 0, ts);
}

static void lgos_bind(struct acsi_gsub *S, struct one *o)
{
	static const char *const names[LG_N] = { "St", "SimSt", "LastStNum", "ConfRevNum",
						 "NdsCom" };
	const struct mln *ln = o->sub->lgos;
	if (!ln)
		return;
	for (unsigned k = 0; k < LG_N; k++) {
		char ref[200];
		snprintf(ref, sizeof(ref), "%s/%s.%s.stVal[ST]", ln->ld->inst, ln->name, names[k]);
		o->lg[k].ok = model_attr_bind(S->m, ref, &o->lg[k].a) == 0;
	}
}

/* ---- quality on supervision ---- */

static void q_apply(struct one *o, struct qtarget *t, uint16_t q)
{
	uint8_t ts[8];
	now_ts(o->S, ts);
	(void)model_update(o->S->m, &t->a, NULL, q, ts);
}

static void mark(struct one *o, uint8_t state)
{
	for (uint32_t i = 0; i < o->n_qt; i++) {
		struct qtarget *t = &o->qt[i];
		if (!o->marked)
			memcpy(&t->saved, o->S->m->values + t->a.q_voff, 2);
		uint16_t q = t->saved & (uint16_t)~(MODEL_Q_VALIDITY_MASK | Q_OLDDATA |
						    MODEL_Q_INCONSISTENT);
		q |= state == GSUB_TAL_EXPIRED ? (Q_QUESTIONABLE | Q_OLDDATA) :
		     state == GSUB_WAITING    ? (MODEL_Q_INVALID | Q_OLDDATA) :
						 (MODEL_Q_INVALID | MODEL_Q_INCONSISTENT);
		q_apply(o, t, q);
	}
	o->marked = o->n_qt != 0;
}

static void unmark(struct one *o)
{
	if (!o->marked)
		return;
	for (uint32_t i = 0; i < o->n_qt; i++)
		if (!o->qt[i].covered)
			q_apply(o, &o->qt[i], o->qt[i].saved);
	o->marked = false;
}

static void set_state(struct one *o, uint8_t st)
{
	if (o->state == st)
		return;
	uint8_t was = o->state;
	o->state = st;
	if (st == GSUB_VALID)
		log_msg(LOGL_NOTICE, LOGC_GOOSE, "GOOSE %s from IED %s: valid (was %s)",
			o->sub->gocb_ref, o->sub->ied, acsi_gsub_state_name(was));
	else
		log_msg(LOGL_WARNING, LOGC_GOOSE, "GOOSE %s from IED %s: %s; its %u input%s marked"
			" %s", o->sub->gocb_ref, o->sub->ied, acsi_gsub_state_name(st),
			(unsigned)o->sub->n_inputs, o->sub->n_inputs == 1 ? "" : "s",
			st == GSUB_TAL_EXPIRED ? "questionable (oldData)" : "invalid");
	if (st != GSUB_VALID && st != GSUB_WAITING)
		mark(o, st);
	lgos_set(o, LG_ST, st == GSUB_VALID);
}

static void tal_fired(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct one *o = arg;
	o->S->st.tal_expiries++;
	set_state(o, GSUB_TAL_EXPIRED);
}

/* ---- set-up ---- */

static bool covers(const struct mgoose_input *in, uint32_t voff)
{
	return in->dst_type && voff >= in->dst_voff && voff < in->dst_voff + in->dst_type->size;
}

static int setup_one(struct acsi_gsub *S, struct one *o, const struct mgoose_sub *sub)
{
	o->S = S;
	o->sub = sub;
	o->state = GSUB_WAITING;
	timer_init(&o->tal, tal_fired, o);
	o->qt = calloc(sub->n_inputs ? sub->n_inputs : 1, sizeof(*o->qt));
	if (!o->qt)
		return -ENOMEM;
	for (uint32_t i = 0; i < sub->n_inputs; i++) {
		const struct mgoose_input *in = &sub->inputs[i];
		if (!in->dst_type || !in->has_q)
			continue;
		uint32_t k;
		for (k = 0; k < o->n_qt; k++)
			if (o->qt[k].a.q_voff == in->q_voff)
				break;
		if (k < o->n_qt)
			continue;
		struct qtarget *t = &o->qt[o->n_qt++];
		t->a = (struct model_attr){ .type = in->dst_type, .voff = in->dst_voff,
					    .has_q = true, .q_voff = in->q_voff,
					    .q_trgops = in->q_trgops, .has_t = in->has_t,
					    .t_voff = in->t_voff };
		for (uint32_t j = 0; j < sub->n_inputs; j++)
			t->covered |= covers(&sub->inputs[j], in->q_voff);
	}
	lgos_bind(S, o);
	lgos_set(o, LG_ST, 0);
	/* nothing received yet: the inputs hold no value of the publisher's */
	mark(o, GSUB_WAITING);
	return 0;
}

static void find_sim(struct acsi_gsub *S)
{
	for (uint32_t i = 0; i < S->m->n_ld && !S->has_sim; i++) {
		const struct mld *ld = &S->m->lds[i];
		for (uint32_t k = 0; k < ld->n_ln && !S->has_sim; k++) {
			const struct mln *ln = &ld->lns[k];
			char ref[160];
			struct mref r;
			if (strcmp(ln->ln_class, "LPHD"))
				continue;
			snprintf(ref, sizeof(ref), "%s/%s.Sim.stVal[ST]", ld->inst, ln->name);
			if (!model_resolve_ref(S->m, ref, &r) && r.type->btype == MB_BOOLEAN) {
				S->has_sim = true;
				S->sim_voff = r.voff;
			}
		}
	}
}

struct acsi_gsub *acsi_gsub_new(struct model *m, const struct acsi_clock *clk)
{
	struct acsi_gsub *S = calloc(1, sizeof(*S));
	if (!S)
		return NULL;
	S->m = m;
	S->clk = *clk;
	S->n = model_n_goose_subs(m);
	uint32_t nb = 16;
	while (nb < 2 * S->n)
		nb *= 2;
	S->mask = nb - 1;
	S->subs = calloc(S->n ? S->n : 1, sizeof(*S->subs));
	S->bucket = calloc(nb, sizeof(*S->bucket));
	if (!S->subs || !S->bucket)
		goto fail;
	for (uint32_t i = 0; i < S->n; i++) {
		const struct mgoose_sub *sub = model_goose_sub(m, i);
		struct one *o = &S->subs[i];
		if (setup_one(S, o, sub))
			goto fail;
		uint32_t h = hash_ref(sub->gocb_ref) & S->mask;
		o->next = S->bucket[h];
		S->bucket[h] = o;
		if (sub->n_members > S->max_members)
			S->max_members = sub->n_members;
	}
	S->mem = calloc(S->max_members ? S->max_members : 1, sizeof(*S->mem));
	if (!S->mem)
		goto fail;
	find_sim(S);
	return S;
fail:
	acsi_gsub_free(S);
	return NULL;
}

void acsi_gsub_free(struct acsi_gsub *S)
{
	if (!S)
		return;
	for (uint32_t i = 0; S->subs && i < S->n; i++) {
		struct one *o = &S->subs[i];
		if (o->S && timer_armed(&o->tal))
			S->clk.cancel(S->clk.ctx, &o->tal);
		free(o->qt);
	}
	free(S->subs);
	free(S->bucket);
	free(S->mem);
	free(S);
}

/* ---- receiving ---- */

static void count_malformed(struct acsi_gsub *S, const struct proto_err *e)
{
	S->st.malformed++;
	const char *r = e->reason;
	if (!strncmp(r, "allData", 7) || !strncmp(r, "numDatSetEntries", 16))
		S->st.malformed_data++;
	else if (!strncmp(r, "frame of", 8) || !strncmp(r, "Length", 6) ||
		 !strncmp(r, "EtherType", 9))
		S->st.malformed_header++;
	else
		S->st.malformed_pdu++;
}

/* Whether Data `v` has the shape of type `t` (tags, counts). */
static bool shape_ok(const struct mtype *t, const struct ber_cur *parent, const struct ber_tlv *v)
{
	static const uint8_t tag[MB_COUNT] = {
		[MB_STRUCT] = 2, [MB_ARRAY] = 1, [MB_BOOLEAN] = 3,
		[MB_INT8] = 5, [MB_INT16] = 5, [MB_INT24] = 5, [MB_INT32] = 5, [MB_INT64] = 5,
		[MB_INT128] = 5, [MB_INT8U] = 6, [MB_INT16U] = 6, [MB_INT24U] = 6,
		[MB_INT32U] = 6, [MB_FLOAT32] = 7, [MB_FLOAT64] = 7, [MB_ENUM] = 5,
		[MB_DBPOS] = 4, [MB_TCMD] = 4, [MB_CHECK] = 4, [MB_QUALITY] = 4,
		[MB_TIMESTAMP] = 17, [MB_ENTRYTIME] = 12, [MB_VISSTRING] = 10, [MB_UNICODE] = 16,
		[MB_OCTET] = 9, [MB_BITSTRING] = 4,
	};
	if (t->btype >= MB_COUNT || v->cls != BER_CONTEXT || v->tag != tag[t->btype])
		return false;
	if (t->btype != MB_STRUCT && t->btype != MB_ARRAY)
		return !v->constructed;
	struct ber_cur c;
	struct ber_tlv k;
	if (!v->constructed || ber_enter(parent, v, &c, NULL))
		return false;
	uint32_t n = t->btype == MB_STRUCT ? t->n : t->count, i = 0;
	while (ber_next(&c, &k, NULL) == 0) {
		if (i >= n)
			return false;
		const struct mtype *kt = t->btype == MB_STRUCT ? t->comp[i].type : t->elem;
		if (!shape_ok(kt, &c, &k))
			return false;
		i++;
	}
	return i == n && c.pos == c.end;
}

/* serial-number order of a and b: 1 newer, 0 same, -1 older */
static int serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;
	return d == 0 ? 0 : d < 0x80000000u ? 1 : -1;
}

/* Compares the seconds and fraction of two UtcTimes (not the quality). */
static int t_cmp(const uint8_t a[8], const uint8_t b[8])
{
	int r = memcmp(a, b, 7);
	return (r > 0) - (r < 0);
}

static bool sim_on(const struct acsi_gsub *S)
{
	return S->has_sim && S->m->values[S->sim_voff] != 0;
}

/* The supervision verdict: GSUB_VALID to take the frame, another state to
 * refuse it, or IGNORE (drop without a state change). */
#define IGNORE 0xFF
#define IGNORE_SIM 0xFE	/* a valid subscription's simulation mismatch: the TAL keeps running */
static uint8_t judge(struct acsi_gsub *S, struct one *o, const struct goose_frame *f,
		     const struct ber_cur *all, uint32_t nmem)
{
	const struct mgoose_sub *sub = o->sub;
	bool simulated = f->simulation || f->test;
	if (!sim_on(S)) {
		o->sim_seen = false;
		if (simulated)
			return o->state == GSUB_VALID ? IGNORE_SIM : GSUB_SIMULATION;
	} else if (simulated) {
		o->sim_seen = true;
	} else if (o->sim_seen) {
		return o->state == GSUB_VALID ? IGNORE_SIM : GSUB_SIMULATION;
	}
	if (sub->n_members && f->conf_rev != sub->conf_rev)
		return GSUB_CONFREV;
	if (f->nds_com)
		return GSUB_NDSCOM;
	if (sub->dat_set[0] && strcmp(f->dat_set, sub->dat_set))
		return GSUB_STRUCTURE;
	if (sub->n_members) {
		if (nmem != sub->n_members)
			return GSUB_STRUCTURE;
		for (uint32_t i = 0; i < nmem; i++)
			if (sub->member_type[i] && !shape_ok(sub->member_type[i], all, &S->mem[i]))
				return GSUB_STRUCTURE;
	}
	if (o->seen) {
		int st = serial_cmp(f->st_num, o->last_st), tc = t_cmp(f->t, o->last_t);
		if (st == 0) {
			int sq = serial_cmp(f->sq_num, o->last_sq);
			if (sq == 0 && tc == 0) {
				S->st.duplicates++;
				return IGNORE;
			}
			if (sq < 0 || tc < 0)
				return GSUB_SEQUENCE;
		} else if (st > 0) {
			if (tc < 0)
				return GSUB_SEQUENCE;
		} else if (tc <= 0) {
			return GSUB_SEQUENCE;
		}
	}
	return GSUB_VALID;
}

static void deliver(struct acsi_gsub *S, struct one *o, const struct goose_frame *f,
		    const struct ber_cur *all, uint32_t nmem)
{
	const struct mgoose_sub *sub = o->sub;
	unmark(o);
	for (uint32_t i = 0; i < sub->n_inputs; i++) {
		const struct mgoose_input *in = &sub->inputs[i];
		if (!in->dst_type || in->member >= nmem || in->member >= S->max_members)
			continue;
		if (model_store_data_observed(S->m, in->dst_type, in->dst_voff, all,
					      &S->mem[in->member]))
			S->st.store_errors++;
	}
	o->seen = true;
	o->last_st = f->st_num;
	o->last_sq = f->sq_num;
	memcpy(o->last_t, f->t, 8);
	set_state(o, GSUB_VALID);
	lgos_set(o, LG_SIMST, f->simulation || f->test);
	lgos_set(o, LG_LASTST, (int64_t)f->st_num);
	lgos_set(o, LG_CONFREV, (int64_t)f->conf_rev);
	lgos_set(o, LG_NDSCOM, f->nds_com);
}

static struct one *lookup(struct acsi_gsub *S, const struct goose_frame *f)
{
	for (struct one *o = S->bucket[hash_ref(f->gocb_ref) & S->mask]; o; o = o->next) {
		if (strcmp(o->sub->gocb_ref, f->gocb_ref))
			continue;
		if ((o->sub->has_addr &&
		     (o->sub->addr.appid != f->appid || memcmp(o->sub->addr.mac, f->dst, 6))) ||
		    (o->sub->appid_only && o->sub->addr.appid != f->appid)) {
			S->st.wrong_addr++;
			return NULL;
		}
		return o;
	}
	return NULL;
}

void acsi_gsub_receive(struct acsi_gsub *S, const uint8_t *frame, size_t len)
{
	struct goose_frame f;
	struct proto_err e = { 0 };
	S->st.frames++;
	if (goose_decode(frame, len, &f, &e)) {
		count_malformed(S, &e);
		return;
	}
	struct one *o = lookup(S, &f);
	if (!o) {
		S->st.unmatched++;
		return;
	}
	struct ber_cur all, c;
	struct ber_tlv m;
	uint32_t nmem = 0;
	goose_members(&f, &all);
	c = all;
	while (goose_member_next(&c, &m)) {
		if (nmem < S->max_members)
			S->mem[nmem] = m;
		nmem++;
	}
	uint8_t v = judge(S, o, &f, &all, nmem);
	/* the publisher is alive: TAL runs from this frame -- unless it is a
	 * simulated frame a valid subscription ignores (a test set beside a
	 * publisher that has gone must not keep the inputs valid) */
	if (v != IGNORE_SIM)
		(void)S->clk.arm(S->clk.ctx, &o->tal, now_us(S) + (uint64_t)f.tal_ms * 1000u);
	if (v == IGNORE || v == IGNORE_SIM) {
		S->st.refused++;
		return;
	}
	if (v != GSUB_VALID) {
		S->st.refused++;
		set_state(o, v);
		return;
	}
	deliver(S, o, &f, &all, nmem);
	S->st.delivered++;
}

void acsi_gsub_stats(const struct acsi_gsub *S, struct acsi_gsub_stats *out)
{
	*out = S->st;
}

enum acsi_gsub_state acsi_gsub_sub_state(const struct acsi_gsub *S, uint32_t no)
{
	return no < S->n ? (enum acsi_gsub_state)S->subs[no].state : GSUB_WAITING;
}
