/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE subscriber (acsi/goose_sub.c) on the two-IED test SCD
 * (tests/model/scl/goose_two_ied.scd, served as BIED, subscribing to
 * AIED's GCB1 and GCB2) and a fake clock: delivery into the model, TAL
 * expiry and recovery, confRev, ndsCom, structure, simulation, replay,
 * addresses, and the malformed-frame classes (counted, dropped, nothing
 * written). Valid frames come from goose_encode, malformed ones are built
 * by hand. */
#include <errno.h>

#include "testutil.h"
#include "../../daemon/proto/goose.h"
#include "../../daemon/acsi/goose_svc.h"
#include "gse.h"
#include "observe.h"
#include "timer.h"
#include "update.h"
#include "srv_clients.h"

/* the fake clock of srv_clients.h (f_mono, f_utc, f_arm, f_cancel, advance) */

static struct fake F;
static struct model *M;
static struct acsi_gsub *S;

static void up(void)
{
	char err[512];
	memset(&F, 0, sizeof(F));
	F.utc0 = 1700000000ull * 1000000000ull;
	timer_queue_init(&F.q);
	const char *p = getenv("IEDD_GSUB_SCD");
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(model_load_scl(p, "BIED", &M, err, sizeof(err)) == 0, "%s", err);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &F };
	S = acsi_gsub_new(M, &clk);
	ck_assert_ptr_nonnull(S);
}

static void down(void)
{
	acsi_gsub_free(S);
	model_free(M);
	timer_queue_clear(&F.q);
}

static uint32_t voff(const char *ref)
{
	struct mref r;
	ck_assert_msg(model_resolve_ref(M, ref, &r) == 0, "%s", ref);
	return r.voff;
}

static bool v_bool(const char *ref) { return M->values[voff(ref)] != 0; }
static uint16_t v_q(const char *ref)
{
	uint16_t q;
	memcpy(&q, M->values + voff(ref), 2);
	return q;
}
static float v_f(const char *ref)
{
	float f;
	memcpy(&f, M->values + voff(ref), 4);
	return f;
}
static int64_t v_i32(const char *ref)
{
	int64_t v;
	memcpy(&v, M->values + voff(ref), 8);
	return v;
}

#define IND1 "LD0/GGIO1.Ind1.stVal[ST]"
#define IND1Q "LD0/GGIO1.Ind1.q[ST]"
#define POSV "LD0/GGIO1.Pos.stVal[ST]"
#define POSQ "LD0/GGIO1.Pos.q[ST]"
#define MAG "LD0/GGIO1.AnIn1.mag.f[MX]"
#define MAGQ "LD0/GGIO1.AnIn1.q[MX]"
#define Q_OLD (0xC000 | 0x0100)		/* questionable + oldData */
#define Q_BAD (0x4000 | 0x0080)		/* invalid + inconsistent */
#define Q_WAIT (0x4000 | 0x0100)	/* invalid + oldData: nothing received yet */

/* ---- frames ---- */

struct fr {
	bool ind1;
	uint8_t pos;		/* Dbpos 0..3 */
	float mag;
	uint16_t q;		/* Ind1.q on the wire (13 bits, MSB first in 16) */
	uint32_t st, sq, conf_rev, tal_ms;
	uint8_t tsec;		/* t: seconds (low octet) */
	bool nds_com, sim;
	uint32_t n;		/* members to send (5) */
	const char *gocb, *dat_set;
	uint16_t appid;
	uint8_t dst_last;	/* last octet of the destination MAC */
};

static struct fr good(uint32_t st, uint32_t sq)
{
	return (struct fr){ .ind1 = true, .pos = 2, .mag = 12.5f, .st = st, .sq = sq,
			    .conf_rev = 3, .tal_ms = 1000, .tsec = (uint8_t)st, .n = 5,
			    .gocb = "AIEDLD0/LLN0$GO$GCB1", .dat_set = "AIEDLD0/LLN0$DS1",
			    .appid = 0x1001, .dst_last = 0x01 };
}

static size_t members(const struct fr *x, uint8_t *d)
{
	size_t o = 0;
	uint8_t qb[5] = { 0x84, 0x03, 0x03, (uint8_t)(x->q >> 8), (uint8_t)x->q };
	uint8_t b[3] = { 0x83, 0x01, x->ind1 ? 0xFF : 0x00 };
	uint8_t pos[21] = { 0xA2, 0x13, 0x84, 0x02, 0x06, (uint8_t)(x->pos << 6),
			    0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x65, 0, 0, 1, 0, 0, 0, 0x0A };
	uint8_t f[7] = { 0x87, 0x05, 0x08 };
	uint32_t bits;
	memcpy(&bits, &x->mag, 4);
	for (int i = 0; i < 4; i++)
		f[3 + i] = (uint8_t)(bits >> (24 - 8 * i));
	uint8_t q0[5] = { 0x84, 0x03, 0x03, 0x00, 0x00 };
	const struct { const uint8_t *p; size_t n; } m[5] = {
		{ b, 3 }, { qb, 5 }, { pos, 21 }, { f, 7 }, { q0, 5 } };
	for (uint32_t i = 0; i < x->n && i < 5; i++) {
		memcpy(d + o, m[i].p, m[i].n);
		o += m[i].n;
	}
	return o;
}

static struct buf enc(const struct fr *x)
{
	uint8_t data[64];
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, x->dst_last },
		.src = { 0x02, 0, 0, 0, 0, 0x0A }, .vlan = true, .priority = 4, .vid = 5,
		.appid = x->appid, .simulation = x->sim, .test = x->sim,
		.gocb_ref = x->gocb, .dat_set = x->dat_set, .go_id = "AIED_GCB1",
		.tal_ms = x->tal_ms, .t = { 0x65, 0, 0, x->tsec, 0, 0, 0, 0x0A },
		.st_num = x->st, .sq_num = x->sq, .conf_rev = x->conf_rev, .nds_com = x->nds_com,
		.n_entries = x->n, .all_data = data,
	};
	f.all_data_len = members(x, data);
	struct buf b;
	struct proto_err e;
	buf_init(&b, 0, 0);
	ck_assert_msg(goose_encode(&f, &b, &e) == 0, "%s", e.reason);
	return b;
}

static void rx(const struct fr *x)
{
	struct buf b = enc(x);
	acsi_gsub_receive(S, buf_data(&b), b.len);
	buf_clear(&b);
}

static struct acsi_gsub_stats stats(void)
{
	struct acsi_gsub_stats s;
	acsi_gsub_stats(S, &s);
	return s;
}

#define STATE(no) acsi_gsub_sub_state(S, no)

/* ---- delivery and supervision ---- */

START_TEST(delivers_into_the_model)
{
	up();
	ck_assert_uint_eq(model_n_goose_subs(M), 2);
	ck_assert_int_eq(STATE(0), GSUB_WAITING);
	ck_assert(!v_bool(IND1));
	struct fr x = good(1, 0);
	x.q = 0x0010;	/* test bit: the q member is delivered as sent */
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	ck_assert(v_bool(IND1));
	ck_assert_uint_eq(v_q(IND1Q), 0x0010);
	ck_assert_uint_eq(M->values[voff(POSV)], 2);	/* on */
	ck_assert(v_f(MAG) == 12.5f);
	ck_assert_uint_eq(M->values[voff("LD0/GGIO1.Pos.t[ST]") + 3], 1);	/* the DO's t */
	/* LGOS */
	ck_assert(v_bool("LD0/LGOS1.St.stVal[ST]"));
	ck_assert_int_eq(v_i32("LD0/LGOS1.LastStNum.stVal[ST]"), 1);
	ck_assert_int_eq(v_i32("LD0/LGOS1.ConfRevNum.stVal[ST]"), 3);
	struct acsi_gsub_stats s = stats();
	ck_assert_uint_eq(s.frames, 1);
	ck_assert_uint_eq(s.delivered, 1);
	/* a new state */
	x = good(2, 0);
	x.ind1 = false;
	x.mag = -1.0f;
	rx(&x);
	ck_assert(!v_bool(IND1));
	ck_assert(v_f(MAG) == -1.0f);
	ck_assert_int_eq(v_i32("LD0/LGOS1.LastStNum.stVal[ST]"), 2);
	/* the Ed.1 subscription (GCB2): no address in the file, any APPID */
	ck_assert(!v_bool("LD0/GGIO1.Ind3.stVal[ST]"));
	x = good(1, 0);
	x.gocb = "AIEDLD0/LLN0$GO$GCB2";
	x.dat_set = "AIEDLD0/LLN0$DS2";
	x.conf_rev = 1;
	x.n = 1;
	x.appid = 0x0777;
	x.dst_last = 0x77;
	rx(&x);
	ck_assert_int_eq(STATE(1), GSUB_VALID);
	ck_assert(v_bool("LD0/GGIO1.Ind3.stVal[ST]"));
	down();
}
END_TEST

/* ---- observers (what reports attach to) ---- */

static uint32_t n_dchg, n_qchg, n_end;

static void on_change(void *ctx, struct model *m, const struct model_change *c)
{
	(void)ctx;
	(void)m;
	n_dchg += (c->reason & MODEL_TRG_DCHG) != 0;
	n_qchg += (c->reason & MODEL_TRG_QCHG) != 0;
}

static void on_end(void *ctx, struct model *m)
{
	(void)ctx;
	(void)m;
	n_end++;
}

START_TEST(observers_see_it)
{
	up();
	const struct model_observer_desc d = { .change = on_change, .end = on_end };
	ck_assert_ptr_nonnull(model_observe_add(M, &d));
	n_dchg = n_qchg = n_end = 0;
	struct fr x = good(1, 0);
	/* Ind1.stVal false -> true: dchg; mag.f 0 -> 12.5: dchg; Ind1.q from
	 * the frame and AnIn1.q restored: from invalid (waiting) to good, qchg */
	rx(&x);
	ck_assert_uint_eq(n_dchg, 2);
	ck_assert_uint_eq(n_qchg, 2);
	uint32_t ends = n_end;
	ck_assert_uint_gt(ends, 0);
	x = good(1, 1);	/* the same values again: nothing changes */
	rx(&x);
	ck_assert_uint_eq(n_dchg, 2);
	ck_assert_uint_eq(n_qchg, 2);
	advance(&F, 1001000);	/* TAL: Ind1.q and AnIn1.q go questionable */
	ck_assert_uint_eq(n_qchg, 4);
	ck_assert_uint_eq(n_dchg, 2);
	down();
}
END_TEST

START_TEST(tal_expiry_and_recovery)
{
	up();
	/* before the first frame the inputs are invalid + oldData */
	ck_assert_int_eq(STATE(0), GSUB_WAITING);
	ck_assert_uint_eq(v_q(IND1Q), Q_WAIT);
	ck_assert_uint_eq(v_q(MAGQ), Q_WAIT);
	struct fr x = good(1, 0);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	advance(&F, 999000);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	advance(&F, 2000);
	ck_assert_int_eq(STATE(0), GSUB_TAL_EXPIRED);
	ck_assert_uint_eq(stats().tal_expiries, 1);
	ck_assert(v_bool(IND1));	/* the last value stays */
	ck_assert_uint_eq(v_q(IND1Q), Q_OLD);
	ck_assert_uint_eq(v_q(POSQ), Q_OLD);
	ck_assert_uint_eq(v_q(MAGQ), Q_OLD);	/* the q of mag.f's data object */
	ck_assert(!v_bool("LD0/LGOS1.St.stVal[ST]"));
	/* a retransmission brings it back */
	x = good(1, 1);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	ck_assert_uint_eq(v_q(IND1Q), 0);	/* from the frame */
	ck_assert_uint_eq(v_q(POSQ), 0);	/* from the frame (inside Pos) */
	ck_assert_uint_eq(v_q(MAGQ), 0);	/* restored: not subscribed */
	ck_assert(v_bool("LD0/LGOS1.St.stVal[ST]"));
	/* a frame re-arms TAL */
	advance(&F, 900000);
	x = good(1, 2);
	rx(&x);
	advance(&F, 900000);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	down();
}
END_TEST

/* A frame `x` that supervision refuses with `st`: nothing written. */
static void refused_with(struct fr *x, int st)
{
	uint64_t ref0 = stats().refused, del0 = stats().delivered;
	x->ind1 = false;
	x->mag = 99.0f;
	rx(x);
	ck_assert_int_eq(STATE(0), st);
	ck_assert_uint_eq(stats().refused, ref0 + 1);
	ck_assert_uint_eq(stats().delivered, del0);
	ck_assert(v_bool(IND1));
	ck_assert(v_f(MAG) == 12.5f);
}

START_TEST(confrev_ndscom_structure)
{
	up();
	struct fr x = good(1, 0);
	rx(&x);
	x = good(2, 0);
	x.conf_rev = 4;
	refused_with(&x, GSUB_CONFREV);
	ck_assert_uint_eq(v_q(IND1Q), Q_BAD);
	ck_assert_uint_eq(v_q(MAGQ), Q_BAD);
	x = good(2, 0);
	x.nds_com = true;
	refused_with(&x, GSUB_NDSCOM);
	x = good(2, 0);
	x.n = 4;	/* fewer members than the data set */
	refused_with(&x, GSUB_STRUCTURE);
	x = good(2, 0);
	x.dat_set = "AIEDLD0/LLN0$DS9";
	refused_with(&x, GSUB_STRUCTURE);
	/* recovery */
	x = good(2, 0);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	ck_assert_uint_eq(v_q(MAGQ), 0);
	down();
}
END_TEST

START_TEST(member_type_mismatch)
{
	up();
	struct fr x = good(1, 0);
	rx(&x);
	/* Ind1.stVal sent as an integer, as a 6-member frame: by hand */
	uint8_t data[64];
	size_t n = members(&x, data);
	data[0] = 0x85;
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 }, .appid = 0x1001,
		.gocb_ref = x.gocb, .dat_set = x.dat_set, .go_id = "AIED_GCB1", .tal_ms = 1000,
		.t = { 0x65, 0, 0, 2 }, .st_num = 2, .conf_rev = 3, .n_entries = 5,
		.all_data = data, .all_data_len = n,
	};
	struct buf b;
	buf_init(&b, 0, 0);
	ck_assert_int_eq(goose_encode(&f, &b, NULL), 0);
	acsi_gsub_receive(S, buf_data(&b), b.len);
	ck_assert_int_eq(STATE(0), GSUB_STRUCTURE);
	ck_assert(v_bool(IND1));
	/* one member more than the data set */
	buf_reset(&b, 0);
	data[0] = 0x83;
	memcpy(data + n, "\x83\x01\x00", 3);
	f.all_data_len = n + 3;
	f.n_entries = 6;
	f.st_num = 3;
	ck_assert_int_eq(goose_encode(&f, &b, NULL), 0);
	x = good(1, 1);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	acsi_gsub_receive(S, buf_data(&b), b.len);
	ck_assert_int_eq(STATE(0), GSUB_STRUCTURE);
	buf_clear(&b);
	down();
}
END_TEST

static void set_sim(bool on)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LPHD1.Sim.stVal[ST]", &r), 0);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, on ? "true" : "false"), 0);
}

START_TEST(simulation)
{
	up();
	/* Sim false: a simulated frame first leaves the subscription waiting
	 * for a real one */
	struct fr x = good(1, 0);
	x.sim = true;
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_SIMULATION);
	ck_assert(!v_bool(IND1));
	x = good(1, 0);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	/* ... and, once valid, simulated frames are dropped, the state stays */
	x = good(2, 0);
	x.sim = true;
	x.ind1 = false;
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	ck_assert(v_bool(IND1));
	ck_assert(!v_bool("LD0/LGOS1.SimSt.stVal[ST]"));
	/* simulated frames alone do not keep it alive: TAL expires */
	advance(&F, 600000);
	x.sq = 1;
	rx(&x);
	advance(&F, 600000);
	ck_assert_int_eq(STATE(0), GSUB_TAL_EXPIRED);
	x.sq = 2;
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_SIMULATION);
	ck_assert(v_bool(IND1));
	x = good(2, 0);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	/* Sim true: real frames are taken until a simulated one comes */
	set_sim(true);
	x = good(2, 1);
	rx(&x);
	ck_assert_uint_eq(stats().delivered, 3);
	x = good(3, 0);
	x.sim = true;
	x.ind1 = false;
	rx(&x);
	ck_assert(!v_bool(IND1));
	ck_assert(v_bool("LD0/LGOS1.SimSt.stVal[ST]"));
	x = good(4, 0);	/* real: ignored now */
	rx(&x);
	ck_assert(!v_bool(IND1));
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	/* Sim false again: real frames count again */
	set_sim(false);
	x = good(5, 0);
	rx(&x);
	ck_assert(v_bool(IND1));
	down();
}
END_TEST

START_TEST(replay_and_duplicates)
{
	up();
	struct fr x = good(5, 0);
	rx(&x);
	x = good(5, 0);	/* the same frame again (a second path) */
	rx(&x);
	ck_assert_uint_eq(stats().duplicates, 1);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	x = good(4, 0);	/* older stNum, older t: a replay */
	refused_with(&x, GSUB_SEQUENCE);
	ck_assert_uint_eq(v_q(IND1Q), Q_BAD);
	x = good(5, 1);
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	x = good(5, 0);	/* older sqNum */
	refused_with(&x, GSUB_SEQUENCE);
	x = good(6, 0);
	x.tsec = 1;	/* newer stNum, t going back */
	refused_with(&x, GSUB_SEQUENCE);
	/* a publisher restart: stNum 1 with a newer t */
	x = good(1, 0);
	x.tsec = 50;
	x.ind1 = false;
	rx(&x);
	ck_assert_int_eq(STATE(0), GSUB_VALID);
	ck_assert(!v_bool(IND1));
	down();
}
END_TEST

START_TEST(addresses)
{
	up();
	struct fr x = good(1, 0);
	x.dst_last = 0x02;	/* another MAC */
	rx(&x);
	x = good(1, 0);
	x.appid = 0x1002;	/* another APPID */
	rx(&x);
	x = good(1, 0);
	x.gocb = "AIEDLD0/LLN0$GO$GCB9";	/* nobody's */
	rx(&x);
	struct acsi_gsub_stats s = stats();
	ck_assert_uint_eq(s.frames, 3);
	ck_assert_uint_eq(s.unmatched, 3);
	ck_assert_uint_eq(s.wrong_addr, 2);
	ck_assert_uint_eq(s.delivered, 0);
	ck_assert_int_eq(STATE(0), GSUB_WAITING);
	ck_assert(!v_bool(IND1));
	down();
}
END_TEST

/* ---- malformed frames, by hand ---- */

static size_t tlv(uint8_t *o, uint8_t tag, const void *v, size_t n)
{
	size_t k = 0;
	o[k++] = tag;
	if (n < 128) {
		o[k++] = (uint8_t)n;
	} else {
		o[k++] = 0x82;
		o[k++] = (uint8_t)(n >> 8);
		o[k++] = (uint8_t)n;
	}
	memcpy(o + k, v, n);
	return k + n;
}

struct raw {
	const char *gocb, *go_id;
	int t_len;			/* 8; -1: no t */
	const uint8_t *data;
	size_t dlen;
	uint32_t n_entries;
};

/* A whole untagged frame for GCB1 with the given fields. */
static size_t raw_frame(const struct raw *r, uint8_t *out)
{
	uint8_t pdu[1600], body[1600];
	size_t b = 0;
	const uint8_t tal[] = { 0x03, 0xE8 }, st[] = { 0x09 }, zero[] = { 0x00 }, cr[] = { 0x03 };
	const uint8_t t[8] = { 0x65, 0, 0, 0x09, 0, 0, 0, 0x0A };
	uint8_t ne = (uint8_t)r->n_entries;
	b += tlv(body + b, 0x80, r->gocb, strlen(r->gocb));
	b += tlv(body + b, 0x81, tal, 2);
	b += tlv(body + b, 0x82, "AIEDLD0/LLN0$DS1", 16);
	b += tlv(body + b, 0x83, r->go_id, strlen(r->go_id));
	if (r->t_len >= 0)
		b += tlv(body + b, 0x84, t, (size_t)r->t_len);
	b += tlv(body + b, 0x85, st, 1);
	b += tlv(body + b, 0x86, zero, 1);
	b += tlv(body + b, 0x87, zero, 1);
	b += tlv(body + b, 0x88, cr, 1);
	b += tlv(body + b, 0x89, zero, 1);
	b += tlv(body + b, 0x8A, &ne, 1);
	b += tlv(body + b, 0xAB, r->data, r->dlen);
	size_t p = tlv(pdu, 0x61, body, b);
	const uint8_t hdr[14] = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01, 2, 0, 0, 0, 0, 0x0A,
				  0x88, 0xB8 };
	memcpy(out, hdr, 14);
	size_t len = 8 + p;
	const uint8_t gh[8] = { 0x10, 0x01, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, 0 };
	memcpy(out + 14, gh, 8);
	memcpy(out + 22, pdu, p);
	return 22 + p;
}

static struct raw raw_good(uint8_t *data)
{
	struct fr x = good(9, 0);
	size_t n = members(&x, data);
	return (struct raw){ .gocb = "AIEDLD0/LLN0$GO$GCB1", .go_id = "AIED_GCB1", .t_len = 8,
			     .data = data, .dlen = n, .n_entries = 5 };
}

/* Feeds frame[len]; it must be counted malformed and change nothing. */
static void malformed(const uint8_t *frame, size_t len, const char *what)
{
	uint8_t *before = malloc(M->values_size);
	ck_assert_ptr_nonnull(before);
	memcpy(before, M->values, M->values_size);
	struct acsi_gsub_stats s0 = stats();
	acsi_gsub_receive(S, frame, len);
	struct acsi_gsub_stats s1 = stats();
	ck_assert_msg(s1.malformed == s0.malformed + 1, "%s (%zu octets): not counted malformed",
		      what, len);
	ck_assert_uint_eq(s1.delivered, s0.delivered);
	ck_assert_msg(!memcmp(before, M->values, M->values_size), "%s: the model changed", what);
	ck_assert_uint_eq(s1.malformed, s1.malformed_header + s1.malformed_pdu + s1.malformed_data);
	free(before);
}

START_TEST(malformed_frames)
{
	up();
	uint8_t data[200], fr[1600], fr2[1600];
	struct raw r = raw_good(data);
	size_t n = raw_frame(&r, fr);
	/* the hand-made frame itself is good */
	acsi_gsub_receive(S, fr, n);
	ck_assert_uint_eq(stats().delivered, 1);
	ck_assert(v_bool(IND1));
	model_set_text(M, model_goose_sub(M, 0)->inputs[0].dst_type, voff(IND1), "false");

	/* truncated at every length, 22 (the headers without a goosePdu) included */
	for (size_t k = 0; k < n; k++)
		malformed(fr, k, "truncated");
	/* beyond 22 octets the Length field disagrees with the frame */
	ck_assert_uint_eq(stats().malformed_header, n);
	/* an inner length past the outer one: a member longer than allData */
	memcpy(fr2, fr, n);
	ck_assert_uint_eq(fr2[n - r.dlen], 0x83);
	fr2[n - r.dlen + 1] = 0x05;
	malformed(fr2, n, "member past allData");
	/* the goosePdu's length past the frame's Length */
	memcpy(fr2, fr, n);
	fr2[23]++;
	malformed(fr2, n, "Length");
	/* t missing, t of 7 octets */
	struct raw x = r;
	x.t_len = -1;
	malformed(fr2, raw_frame(&x, fr2), "no t");
	x.t_len = 7;
	malformed(fr2, raw_frame(&x, fr2), "short t");
	/* a boolean of zero octets */
	uint8_t d2[200];
	memcpy(d2, data, r.dlen);
	static const uint8_t bool0[] = { 0x83, 0x00 };
	x = r;
	memcpy(d2, bool0, 2);
	memcpy(d2 + 2, data + 3, r.dlen - 3);
	x.data = d2;
	x.dlen = r.dlen - 1;
	malformed(fr2, raw_frame(&x, fr2), "boolean of 0 octets");
	/* a bit string with 8 unused bits (Ind1.q) */
	memcpy(d2, data, r.dlen);
	d2[5] = 0x08;
	x = r;
	x.data = d2;
	malformed(fr2, raw_frame(&x, fr2), "bit string padding 8");
	/* an integer of 9 octets in place of the boolean */
	static const uint8_t int9[] = { 0x85, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	memcpy(d2, int9, sizeof(int9));
	memcpy(d2 + sizeof(int9), data + 3, r.dlen - 3);
	x = r;
	x.data = d2;
	x.dlen = r.dlen - 3 + sizeof(int9);
	malformed(fr2, raw_frame(&x, fr2), "integer of 9 octets");
	/* numDatSetEntries disagreeing with allData: more and fewer */
	x = r;
	x.n_entries = 6;
	malformed(fr2, raw_frame(&x, fr2), "more entries than members");
	x.n_entries = 4;
	malformed(fr2, raw_frame(&x, fr2), "fewer entries than members");
	/* over-long gocbRef and goID (130 characters) */
	char longs[131];
	memset(longs, 'A', 130);
	longs[130] = 0;
	x = r;
	x.gocb = longs;
	malformed(fr2, raw_frame(&x, fr2), "gocbRef of 130");
	x = r;
	x.go_id = longs;
	malformed(fr2, raw_frame(&x, fr2), "goID of 130");
	/* not GOOSE at all */
	memcpy(fr2, fr, n);
	fr2[12] = 0x08;
	fr2[13] = 0x00;
	malformed(fr2, n, "EtherType");
	struct acsi_gsub_stats s = stats();
	ck_assert_uint_gt(s.malformed_data, 0);
	ck_assert_uint_gt(s.malformed_pdu, 0);
	ck_assert(!v_bool(IND1));
	down();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("goose_sub");
	TCase *tc = tcase_create("subscriber");
	tcase_add_test(tc, delivers_into_the_model);
	tcase_add_test(tc, observers_see_it);
	tcase_add_test(tc, tal_expiry_and_recovery);
	tcase_add_test(tc, confrev_ndscom_structure);
	tcase_add_test(tc, member_type_mismatch);
	tcase_add_test(tc, simulation);
	tcase_add_test(tc, replay_and_duplicates);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, malformed_frames);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
