/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE publisher (goose_svc.h; IEC 61850-7-2 §15, 8-1 §18 and Annex C).
 *
 * Per GoCB one encoded frame is cached. An event (a member of the GoCB's
 * data set changed: dchg or qchg from the model's change observers; a
 * refresh with the same value, dupd, is no event) marks the GoCB dirty and
 * wakes the caller once; acsi_gpub_flush then re-encodes allData
 * (model_encode_data of each member) with stNum + 1, sqNum 0 and t = now
 * (the clock's UTC) and sends at once. However many changes came before a
 * flush, they give one stNum.
 *
 * Retransmission curve (8-1 §18.1.2.5, Fig. 8; the doubling is the
 * common choice where 8-1 leaves the curve to the publisher): with the
 * event frame (sqNum 0) at T0, the retransmissions go at
 *   T0 + Min, + 2·Min, + 4·Min, ... (each interval twice the one before,
 *   capped at MaxTime), then every MaxTime,
 * e.g. Min 10, Max 1000 ms: frames at 0, 10, 30, 70, 150, 310, 630, 1270
 * (intervals 10, 20, 40, 80, 160, 320, 640), then 2270, 3270, ... ms
 * (the next doubling, 1280, is capped at 1000).
 * Deadlines are laid from the previous deadline, not from the moment a
 * timer fired, so a late loop does not stretch the curve.
 * timeAllowedtoLive is twice the interval to the next frame: 8-1 Ed.2
 * §18.1.2.5 (the note under Fig. 8, kept as practice by the TISSUE 2029
 * discussion of Ed.2.1) recommends that a retransmission go when about
 * half the TAL has run out, so one lost frame does not expire a
 * subscriber.
 *
 * Counters: stNum starts at 1 with acsi_gpub_start (a start is an event:
 * the curve starts at MinTime) and wraps from 2^32-1 to 1, never 0; sqNum
 * is 0 in the frame of a new stNum and wraps from 2^32-1 to 1 (8-1 Ed.2
 * goosePdu: "If the counter SqNum overruns it shall be set to 1").
 * Retransmissions rewrite TAL and sqNum in place (goose_patch) and
 * re-encode when a field grows (-ERANGE) or the simulation/test flag
 * changed.
 *
 * Simulation and test, read at each frame (a bound offset): Ed.2 (SCL
 * 2007) LPHD.Sim.stVal of the GoCB's LD's LPHD (else the IED's first
 * LPHD) sets the Reserved1 simulation bit and the PDU's simulation
 * BOOLEAN; Ed.1 (SCL 2003) sets the PDU's test BOOLEAN while the LD's
 * LLN0.Beh.stVal (else Mod.stVal) is test (3) or test/blocked (4).
 *
 * GoCB writes (FC GO; 7-2 Ed.2 §15.2.1 and 8-1 §18):
 * - GoEna: false stops publishing (timers cancelled, the last frame's TAL
 *   runs out at the subscribers); true starts again with a new stNum and
 *   the curve from MinTime. true is refused for a GoCB without a GSE
 *   address (object-access-denied: configuration) or without a data set
 *   (object-value-invalid).
 * - GoID and DatSet: writable while GoEna is false (7-2 makes them r/w
 *   configuration), temporarily-unavailable while it is true. DatSet takes
 *   "" (no data set: NdsCom true) or "LD/LN$name" of a domain-specific data
 *   set (SCL or client-defined); another name, an association-specific set
 *   or one whose largest frame would not fit is object-value-invalid. A
 *   new DatSet increments ConfRev (7-2: ConfRev counts configuration
 *   changes) and moves the observer; writing the same DatSet changes
 *   nothing.
 * - ConfRev, NdsCom, DstAddress (and its parts), MinTime, MaxTime,
 *   FixedOffs: read-only (7-2 Ed.2 §15.2.1 "r"): object-access-denied; a
 *   write of the whole GoCB too.
 * NdsCom is true when the GoCB has no data set or its frame cannot be
 * encoded; then nothing is sent. */
#include "goose_svc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/goose.h"
#include "gse.h"
#include "log.h"
#include "mms_codes.h"
#include "observe.h"
#include "timer.h"
#include "update.h"

enum { SIM_NONE, SIM_LPHD, SIM_BEH };

struct gcb {
	struct acsi_gpub *P;
	const struct mgocb *g;
	const struct mdataset *ds;	/* its data set now (DatSet may be written) */
	struct model_observer *obs;
	struct timer tm;
	struct buf frame;		/* the last frame encoded */
	struct buf data;		/* allData scratch */
	uint64_t next_us;		/* deadline of the next frame */
	uint32_t st_num, sq_num;
	uint32_t interval_ms;		/* from the last frame sent to the next one */
	uint8_t t[8];
	bool running;			/* frames go out (started, GoEna, a frame) */
	bool changed;			/* observer saw a change in this update */
	bool dirty;			/* an event waits for the flush */
	bool sim;			/* the flag in `frame` */
	uint8_t sim_kind;		/* SIM_* */
	uint32_t sim_voff;
	struct gcb *next_dirty;
	uint64_t dirty_us;		/* when it became dirty (the change), clk.mono_us */
};

/* change -> frame sent, 1 µs buckets; the last one counts everything above */
#define LAT_BUCKETS 2048

struct acsi_gpub {
	struct model *m;
	struct acsi_clock clk;
	struct acsi_gpub_io io;
	uint32_t n;
	struct gcb *cbs;
	struct gcb *dirty;
	bool started;
	bool wake_pending;
	struct acsi_gpub_stats st;
	uint32_t lat[LAT_BUCKETS];
	uint32_t lat_max;
};

/* ---- model values of the GoCB ---- */

static uint8_t *aval(const struct gcb *b, int a)
{
	return b->P->m->values + b->g->a[a].voff;
}

static bool goena(const struct gcb *b)
{
	return *aval(b, MGOCB_GOENA) != 0;
}

static void set_bool(struct gcb *b, int a, bool v)
{
	*aval(b, a) = v;
}

static uint32_t conf_rev(const struct gcb *b)
{
	uint64_t v;
	memcpy(&v, aval(b, MGOCB_CONFREV), 8);
	return (uint32_t)v;
}

/* The simulation (Ed.2) / test (Ed.1) flag now. */
static bool sim_now(const struct gcb *b)
{
	const uint8_t *v = b->P->m->values + b->sim_voff;
	if (b->sim_kind == SIM_LPHD)
		return v[0] != 0;
	if (b->sim_kind == SIM_BEH) {
		int32_t e;
		memcpy(&e, v, 4);
		return e == 3 || e == 4; /* test, test/blocked (7-4 Beh) */
	}
	return false;
}

static void find_sim(struct gcb *b)
{
	const struct model *m = b->P->m;
	struct mref r;
	char item[100];
	if (model_edition(m) >= 2) {
		for (int pass = 0; pass < 2; pass++)
			for (uint32_t l = 0; l < m->n_ld; l++) {
				const struct mld *ld = &m->lds[l];
				if (!pass && ld != b->g->ld)
					continue;
				for (uint32_t i = 0; i < ld->n_ln; i++) {
					if (strcmp(ld->lns[i].ln_class, "LPHD"))
						continue;
					snprintf(item, sizeof(item), "%s$ST$Sim$stVal", ld->lns[i].name);
					if (!model_resolve_mms(m, ld->name, item, &r) &&
					    r.type->btype == MB_BOOLEAN) {
						b->sim_kind = SIM_LPHD;
						b->sim_voff = r.voff;
						return;
					}
				}
			}
		return;
	}
	static const char *const beh[2] = { "ST$Beh$stVal", "ST$Mod$stVal" };
	for (int i = 0; i < 2; i++) {
		snprintf(item, sizeof(item), "%s$%s", b->g->ln->name, beh[i]);
		if (!model_resolve_mms(m, b->g->ld->name, item, &r) && r.type->btype == MB_ENUM) {
			b->sim_kind = SIM_BEH;
			b->sim_voff = r.voff;
			return;
		}
	}
}

/* ---- frame size ---- */

static size_t tlv_size(size_t content)
{
	size_t ll = content < 0x80 ? 1 : content < 0x100 ? 2 : content < 0x10000 ? 3 : 4;
	return 1 + ll + content;
}

/* The longest MMS Data model_encode_data writes for `t` (strings full). */
static size_t max_data(const struct mtype *t)
{
	static const uint8_t ints[MB_COUNT] = {
		[MB_INT8] = 1, [MB_INT16] = 2, [MB_INT24] = 3, [MB_INT32] = 4, [MB_INT64] = 8,
		[MB_INT128] = 8, [MB_INT8U] = 2, [MB_INT16U] = 3, [MB_INT24U] = 4, [MB_INT32U] = 5,
		[MB_ENUM] = 4,
	};
	size_t n = 0;
	switch (t->btype) {
	case MB_STRUCT:
		for (uint32_t i = 0; i < t->n; i++)
			n += max_data(t->comp[i].type);
		return tlv_size(n);
	case MB_ARRAY:
		return tlv_size((size_t)t->count * max_data(t->elem));
	case MB_BOOLEAN: return 3;
	case MB_FLOAT32: return 7;
	case MB_FLOAT64: return 11;
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: return 4;
	case MB_QUALITY: return 5;
	case MB_TIMESTAMP: return 10;
	case MB_ENTRYTIME: return 8;
	case MB_VISSTRING: case MB_UNICODE: case MB_OCTET: return tlv_size(t->max_len);
	case MB_BITSTRING: return tlv_size(1 + (t->max_len + 7) / 8);
	default:
		return 2 + (t->btype < MB_COUNT ? ints[t->btype] : 9);
	}
}

/* The longest frame of GoCB `b` with data set `ds`: every INT32U field at
 * 5 octets, the strings as they are now (GoID at its full size: it may be
 * written), the members at their longest. */
static size_t max_frame(const struct gcb *b, const struct mdataset *ds, const char *dat_set)
{
	const struct mgocb *g = b->g;
	size_t all = 0;
	for (uint32_t i = 0; ds && i < ds->n; i++)
		all += max_data(ds->members[i].type);
	size_t pdu = tlv_size(strlen(g->ref)) + tlv_size(5) + tlv_size(strlen(dat_set)) +
		     tlv_size(g->a[MGOCB_GOID].type->max_len) + tlv_size(8) + 2 * tlv_size(5) +
		     tlv_size(1) + tlv_size(5) + tlv_size(1) + tlv_size(5) + tlv_size(all);
	return 12 + (g->addr.vlan ? 4 : 0) + 2 + 8 + tlv_size(pdu);
}

static size_t frame_limit(const struct gcb *b)
{
	return b->g->addr.vlan ? GOOSE_MAX_FRAME_VLAN : GOOSE_MAX_FRAME;
}

/* ---- frames ---- */

static uint32_t tal_of(uint32_t interval_ms)
{
	uint64_t t = 2ull * interval_ms;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* Encodes the frame for the current counters; false (NdsCom set, nothing
 * to send) when it cannot be built. */
static bool encode(struct gcb *b)
{
	struct acsi_gpub *P = b->P;
	const struct mgocb *g = b->g;
	if (!b->ds)
		goto fail;
	buf_reset(&b->data, 0);
	for (uint32_t i = 0; i < b->ds->n; i++)
		model_encode_data(P->m, b->ds->members[i].type, b->ds->members[i].voff, &b->data);
	if (b->data.err)
		goto fail;
	b->sim = sim_now(b);
	bool ed2 = model_edition(P->m) >= 2;
	struct goose_frame f = {
		.vlan = g->addr.vlan, .priority = g->addr.priority, .vid = g->addr.vid,
		.appid = g->addr.appid, .simulation = ed2 && b->sim,
		.gocb_ref = g->ref, .dat_set = (const char *)aval(b, MGOCB_DATSET),
		.go_id = (const char *)aval(b, MGOCB_GOID), .tal_ms = tal_of(b->interval_ms),
		.st_num = b->st_num, .sq_num = b->sq_num, .test = b->sim,
		.conf_rev = conf_rev(b), .nds_com = false, .n_entries = b->ds->n,
		.all_data = buf_data(&b->data), .all_data_len = b->data.len,
	};
	memcpy(f.dst, g->addr.mac, 6);
	memcpy(f.src, P->io.src_mac, 6);
	memcpy(f.t, b->t, 8);
	buf_reset(&b->frame, 0);
	struct proto_err e = { 0 };
	int rc = goose_encode(&f, &b->frame, &e);
	if (rc) {
		log_msg(LOGL_ERR, LOGC_GOOSE, "GoCB %s: frame not built (%s): not published", g->ref,
			e.reason[0] ? e.reason : "out of memory");
		goto fail;
	}
	set_bool(b, MGOCB_NDSCOM, false);
	return true;
fail:
	set_bool(b, MGOCB_NDSCOM, true);
	return false;
}

static void send_frame(struct gcb *b)
{
	struct acsi_gpub *P = b->P;
	int rc = P->io.send(P->io.ctx, buf_data(&b->frame), b->frame.len);
	if (rc)
		P->st.send_errors++;
	else
		P->st.frames++;
}

static void arm(struct gcb *b)
{
	const struct acsi_clock *c = &b->P->clk;
	b->next_us += (uint64_t)b->interval_ms * 1000u;
	(void)c->arm(c->ctx, &b->tm, b->next_us);
}

static void stop(struct gcb *b)
{
	const struct acsi_clock *c = &b->P->clk;
	c->cancel(c->ctx, &b->tm);
	b->running = false;
}

/* A new state: stNum + 1, sqNum 0, t now, sent at once, the curve from
 * MinTime. */
static void event(struct gcb *b)
{
	struct acsi_gpub *P = b->P;
	const struct acsi_clock *c = &P->clk;
	b->st_num = b->st_num == UINT32_MAX ? 1 : b->st_num + 1;
	b->sq_num = 0;
	b->interval_ms = b->g->addr.min_time_ms;
	model_timestamp(c->utc_ns(c->ctx), 0, b->t);
	P->st.events++;
	if (!encode(b)) {
		stop(b);
		return;
	}
	b->running = true;
	b->next_us = c->mono_us(c->ctx);
	send_frame(b);
	arm(b);
}

static void retransmit(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q, (void)t;
	struct gcb *b = arg;
	if (!b->running)
		return;
	b->sq_num = b->sq_num == UINT32_MAX ? 1 : b->sq_num + 1;
	uint64_t next = 2ull * b->interval_ms;
	b->interval_ms = next > b->g->addr.max_time_ms ? b->g->addr.max_time_ms : (uint32_t)next;
	bool ok = b->sim == sim_now(b) &&
		  goose_patch(buf_data(&b->frame), b->frame.len, tal_of(b->interval_ms), b->t,
			      b->st_num, b->sq_num) == 0;
	if (!ok && !encode(b)) {
		stop(b);
		return;
	}
	send_frame(b);
	arm(b);
}

/* ---- change observers ---- */

static void on_change(void *ctx, struct model *m, const struct model_change *c)
{
	(void)m, (void)c;
	((struct gcb *)ctx)->changed = true;
}

static void on_end(void *ctx, struct model *m)
{
	(void)m;
	struct gcb *b = ctx;
	if (!b->changed)
		return;
	b->changed = false;
	if (!b->running || b->dirty)
		return;
	struct acsi_gpub *P = b->P;
	b->dirty = true;
	b->dirty_us = P->clk.mono_us(P->clk.ctx);
	b->next_dirty = P->dirty;
	P->dirty = b;
	if (!P->wake_pending && P->io.wake) {
		P->wake_pending = true;
		P->io.wake(P->io.ctx);
	}
}

static int observe(struct gcb *b, const struct mdataset *ds)
{
	if (b->obs)
		model_observe_remove(b->P->m, b->obs);
	b->obs = NULL;
	b->ds = ds;
	if (!ds)
		return 0;
	const struct model_observer_desc d = { .reasons = MODEL_TRG_DCHG | MODEL_TRG_QCHG,
					       .ds = ds, .change = on_change, .end = on_end,
					       .ctx = b };
	b->obs = model_observe_add(b->P->m, &d);
	return b->obs ? 0 : -ENOMEM;
}

/* ---- the service ---- */

int acsi_gpub_new(struct model *m, const struct acsi_clock *clk, const struct acsi_gpub_io *io,
		  struct acsi_gpub **out, char *err, size_t errlen)
{
	struct acsi_gpub *P = calloc(1, sizeof(*P));
	uint32_t n = model_n_gocbs(m);
	if (!P || !(P->cbs = calloc(n ? n : 1, sizeof(*P->cbs)))) {
		free(P);
		snprintf(err, errlen, "GOOSE publisher: out of memory");
		return -ENOMEM;
	}
	P->m = m;
	P->clk = *clk;
	P->io = *io;
	P->n = n;
	int rc = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct gcb *b = &P->cbs[i];
		b->P = P;
		b->g = model_gocb(m, i);
		buf_init(&b->frame, 0, 0);
		buf_init(&b->data, 0, 0);
		timer_init(&b->tm, retransmit, b);
		find_sim(b);
	}
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct gcb *b = &P->cbs[i];
		const struct mgocb *g = b->g;
		if (!g->has_addr || !g->ds) {
			set_bool(b, MGOCB_NDSCOM, !g->ds);
			log_msg(LOGL_NOTICE, LOGC_GOOSE, "GoCB %s (%s:%u) is not published: %s", g->ref,
				m->scl_file, (unsigned)g->line,
				!g->has_addr ? "no GSE address for it in the SCL's Communication section"
					     : "it has no data set (NdsCom true)");
			continue;
		}
		size_t sz = max_frame(b, g->ds, g->dat_set);
		if (sz > frame_limit(b)) {
			snprintf(err, errlen, "%s:%u: GoCB %s: its data set %s needs frames of up to %zu"
				 " octets, more than the %zu Ethernet allows (make the data set"
				 " smaller or split it over two GoCBs)", m->scl_file,
				 (unsigned)g->line, g->ref, g->dat_set, sz, frame_limit(b));
			rc = -EMSGSIZE;
			break;
		}
		if ((rc = observe(b, g->ds))) {
			snprintf(err, errlen, "GOOSE publisher: out of memory");
			break;
		}
		set_bool(b, MGOCB_GOENA, true);
		set_bool(b, MGOCB_NDSCOM, false);
	}
	if (rc) {
		acsi_gpub_free(P);
		return rc;
	}
	*out = P;
	return 0;
}

void acsi_gpub_free(struct acsi_gpub *P)
{
	if (!P)
		return;
	for (uint32_t i = 0; i < P->n; i++) {
		struct gcb *b = &P->cbs[i];
		P->clk.cancel(P->clk.ctx, &b->tm);
		if (b->obs)
			model_observe_remove(P->m, b->obs);
		buf_clear(&b->frame);
		buf_clear(&b->data);
	}
	free(P->cbs);
	free(P);
}

void acsi_gpub_start(struct acsi_gpub *P)
{
	if (!P || P->started)
		return;
	P->started = true;
	for (uint32_t i = 0; i < P->n; i++) {
		struct gcb *b = &P->cbs[i];
		if (b->g->has_addr && b->ds && goena(b))
			event(b);
	}
}

void acsi_gpub_flush(struct acsi_gpub *P)
{
	if (!P)
		return;
	P->wake_pending = false;
	struct gcb *b = P->dirty;
	P->dirty = NULL;
	while (b) {
		struct gcb *nx = b->next_dirty;
		b->dirty = false;
		b->next_dirty = NULL;
		if (b->running) {
			event(b);
			uint64_t d = P->clk.mono_us(P->clk.ctx) - b->dirty_us;
			P->lat[d < LAT_BUCKETS ? d : LAT_BUCKETS - 1]++;
			if (d > P->lat_max)
				P->lat_max = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
			P->st.lat_n++;
		}
		b = nx;
	}
}

bool acsi_gpub_uses_dataset(const struct acsi_gpub *P, const struct mdataset *ds)
{
	for (uint32_t i = 0; P && ds && i < P->n; i++)
		if (P->cbs[i].ds == ds)
			return true;
	return false;
}

/* The smallest bucket at or below which `frac` of the samples lie. */
static uint32_t lat_quantile(const struct acsi_gpub *P, double frac)
{
	uint64_t want = (uint64_t)(frac * (double)P->st.lat_n + 0.999999), sum = 0;
	for (uint32_t i = 0; i < LAT_BUCKETS; i++) {
		sum += P->lat[i];
		if (sum >= want && sum)
			return i == LAT_BUCKETS - 1 ? P->lat_max : i;
	}
	return P->lat_max;
}

void acsi_gpub_stats(const struct acsi_gpub *P, struct acsi_gpub_stats *out)
{
	if (!P) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = P->st;
	if (P->st.lat_n) {
		out->lat_p50_us = lat_quantile(P, 0.5);
		out->lat_p99_us = lat_quantile(P, 0.99);
		out->lat_max_us = P->lat_max;
	}
}

/* ---- SetDataValues of FC GO ---- */

/* The visible-string [10] in `data`, into s[n]; false if it is none or
 * longer than max. */
static bool vstring(const struct ber_tlv *data, uint32_t max, char *s, size_t n)
{
	if (data->cls != BER_CONTEXT || data->constructed || data->tag != 10 || data->len > max ||
	    data->len >= n)
		return false;
	memcpy(s, data->val, data->len);
	s[data->len] = '\0';
	return true;
}

static int write_goena(struct gcb *b, const struct ber_cur *parent, const struct ber_tlv *data)
{
	struct acsi_gpub *P = b->P;
	if (data->cls != BER_CONTEXT || data->constructed || data->tag != 3 || data->len != 1)
		return MMS_DAE_TYPE_INCONSISTENT;
	bool on = data->val[0] != 0, was = goena(b);
	if (on && !b->g->has_addr)
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	if (on && !b->ds)
		return MMS_DAE_OBJECT_VALUE_INVALID;
	int code = model_write(P->m, b->g->a[MGOCB_GOENA].type, b->g->a[MGOCB_GOENA].voff, parent,
			       data, NULL);
	if (code)
		return code;
	if (on == was)
		return 0;
	if (!on) {
		stop(b);
		log_msg(LOGL_INFO, LOGC_GOOSE, "GoCB %s: GoEna false, publishing stopped", b->g->ref);
	} else if (P->started) {
		log_msg(LOGL_INFO, LOGC_GOOSE, "GoCB %s: GoEna true, publishing", b->g->ref);
		event(b);
	}
	return 0;
}

/* "LD/LN$name" or "" -> the data set (NULL for ""); false: none such. */
static bool find_ds(const struct model *m, const char *s, const struct mdataset **out)
{
	*out = NULL;
	if (!s[0])
		return true;
	const char *slash = strchr(s, '/');
	char ld[65];
	if (!slash || (size_t)(slash - s) >= sizeof(ld))
		return false;
	memcpy(ld, s, (size_t)(slash - s));
	ld[slash - s] = '\0';
	const struct mld *l = model_find_ld(m, ld);
	*out = l ? model_find_dataset(l, slash + 1) : NULL;
	return *out != NULL;
}

static int write_datset(struct gcb *b, const struct ber_cur *parent, const struct ber_tlv *data)
{
	struct acsi_gpub *P = b->P;
	const struct mtype *t = b->g->a[MGOCB_DATSET].type;
	char s[GOOSE_MAX_STRING + 2];
	if (!vstring(data, t->max_len, s, sizeof(s)))
		return MMS_DAE_TYPE_INCONSISTENT;
	const struct mdataset *ds;
	if (!find_ds(P->m, s, &ds))
		return MMS_DAE_OBJECT_VALUE_INVALID;
	if (ds == b->ds)
		return model_write(P->m, t, b->g->a[MGOCB_DATSET].voff, parent, data, NULL);
	if (ds && b->g->has_addr && max_frame(b, ds, s) > frame_limit(b))
		return MMS_DAE_OBJECT_VALUE_INVALID;
	int code = model_write(P->m, t, b->g->a[MGOCB_DATSET].voff, parent, data, NULL);
	if (code)
		return code;
	if (observe(b, ds)) {
		/* out of memory: the GoCB keeps no data set */
		b->ds = NULL;
		memset(aval(b, MGOCB_DATSET), 0, t->max_len + 1);
	}
	uint64_t cr = conf_rev(b) + 1ull;
	memcpy(aval(b, MGOCB_CONFREV), &cr, 8);
	set_bool(b, MGOCB_NDSCOM, !b->ds);
	log_msg(LOGL_INFO, LOGC_GOOSE, "GoCB %s: DatSet '%s', ConfRev %u", b->g->ref, s,
		(unsigned)cr);
	return 0;
}

int acsi_gpub_write(struct acsi_gpub *P, const struct mref *ref, const struct mtype *t,
		    uint32_t voff, const struct ber_cur *parent, const struct ber_tlv *data)
{
	(void)ref;
	if (!P)
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	const struct mgocb *g = model_gocb_at(P->m, voff);
	if (!g)
		return MMS_DAE_OBJECT_NON_EXISTENT;
	struct gcb *b = &P->cbs[g->no];
	switch (model_gocb_attr_at(g, t, voff)) {
	case MGOCB_GOENA:
		return write_goena(b, parent, data);
	case MGOCB_GOID:
		if (goena(b))
			return MMS_DAE_TEMPORARILY_UNAVAILABLE;
		return model_write(P->m, t, voff, parent, data, NULL);
	case MGOCB_DATSET:
		if (goena(b))
			return MMS_DAE_TEMPORARILY_UNAVAILABLE;
		return write_datset(b, parent, data);
	default:
		/* ConfRev, NdsCom, DstAddress and its parts, MinTime, MaxTime,
		 * FixedOffs, the whole GoCB: read-only */
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	}
}
