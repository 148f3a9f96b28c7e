/* SPDX-License-Identifier: Apache-2.0 */
/* Report control blocks, triggers and InformationReports (report.h). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"
#include "mms_access.h"
#include "mms_codes.h"
#include "mms_report.h"
#include "observe.h"
#include "report_buf.h"

/* TrgOps / ReasonCode bits on the wire (bit 0 first), 8-1 §17.2 */
enum { TRG_DCHG = 1, TRG_QCHG = 2, TRG_DUPD = 3, TRG_INTEGRITY = 4, TRG_GI = 5 };
/* OptFlds bits */
enum { OPT_SEQNUM = 1, OPT_TIME = 2, OPT_REASON = 3, OPT_DATASET = 4, OPT_DATAREF = 5,
       OPT_BUFOVFL = 6, OPT_ENTRYID = 7, OPT_CONFREV = 8, OPT_SEGMENT = 9 };
#define BIT(i) (1u << (i))

/* MMS Data tags (ISO 9506-2 Data CHOICE), context class */
enum { D_BOOL = 3, D_BITS = 4, D_INT = 5, D_UINT = 6, D_OCTETS = 9, D_VIS = 10, D_BTIME = 12 };

/* Entries the resync of a BRCB sends per turn of the loop, so a client
 * catching up on a full buffer does not hold the loop (others are served
 * between two batches). */
#define RESYNC_BATCH 64

/* One change or whole-data-set report in preparation: per member of the
 * data set its reason bits and a snapshot of its value taken when the
 * change happened (so a second change within BufTm does not overwrite
 * what the first one reported). */
struct pending {
	uint32_t n;		/* members with a reason */
	uint8_t *reason;	/* by member index; 0: not included */
	uint32_t *off, *len;	/* snapshot in data */
	struct buf data;
};

struct rcb {
	struct acsi_reports *R;
	const struct mrcb *mr;
	struct acsi_rpt_client *owner;	/* reserved or enabled by; NULL: free */
	char owner_peer[64];		/* BRCB kept for an absent owner (ResvTms) */
	bool kept;			/* owner_peer holds it, owner is gone */
	bool enabled;
	const struct mdataset *ds;	/* DatSet resolved; NULL: none */
	struct model_observer *obs;
	struct pending pend;		/* BufTm collection */
	uint8_t *touched;		/* members touched by the update in progress */
	uint32_t *touched_list, n_touched;
	struct timer buftm, intg, resv, resync;
	/* BRCB */
	struct rpt_buf *buf;
	bool buffering;			/* entries are being made */
	bool ovfl;			/* the next report carries BufOvfl=true */
	uint64_t sent;			/* id of the last entry sent (the cursor) */
	bool catching_up;		/* entries after `sent` wait for the resync */
	char key[200];			/* persistence: "LD/LN$BR$name" */
};

struct acsi_reports {
	struct model *m;
	struct acsi_clock clk;
	struct acsi_report_cfg cfg;
	const struct rpt_persist *persist;
	uint32_t n;
	struct rcb *rcbs;
	struct buf scratch;		/* one InformationReport segment */
	struct buf tmp;			/* head of a report */
	struct acsi_reports_stats st;
	struct rpt_persist persist_ops;	/* copy of the caller's; persist points here */
};

/* ---- the RCB's attributes in the model's value store (model.h layout) ---- */

static uint8_t *aptr(const struct rcb *b, int a)
{
	return b->R->m->values + b->mr->a[a].voff;
}

static bool has(const struct rcb *b, int a)
{
	return b->mr->a[a].type != NULL;
}

static uint64_t get_u(const struct rcb *b, int a)
{
	if (!has(b, a))
		return 0;
	const struct mtype *t = b->mr->a[a].type;
	if (t->btype == MB_BOOLEAN)
		return *aptr(b, a) != 0;
	uint64_t v;
	memcpy(&v, aptr(b, a), sizeof(v));
	return v;
}

static void set_u(struct rcb *b, int a, uint64_t v)
{
	if (!has(b, a))
		return;
	if (b->mr->a[a].type->btype == MB_BOOLEAN)
		*aptr(b, a) = v != 0;
	else
		memcpy(aptr(b, a), &v, sizeof(v));
}

static const char *get_s(const struct rcb *b, int a)
{
	return has(b, a) ? (const char *)aptr(b, a) : "";
}

static void set_s(struct rcb *b, int a, const char *s)
{
	if (!has(b, a))
		return;
	uint32_t max = b->mr->a[a].type->max_len;
	size_t n = strlen(s);
	if (n > max)
		n = max;
	memcpy(aptr(b, a), s, n);
	aptr(b, a)[n] = '\0';
}

/* Bit string as a mask, bit i of the wire = 1u << i. */
static uint32_t get_bits(const struct rcb *b, int a)
{
	if (!has(b, a))
		return 0;
	const uint8_t *p = aptr(b, a);
	uint32_t n = b->mr->a[a].type->max_len, v = 0;
	for (uint32_t i = 0; i < n && i < 32; i++)
		if (p[1 + i / 8] & (0x80 >> (i % 8)))
			v |= BIT(i);
	return v;
}

static void set_octets(struct rcb *b, int a, const uint8_t *d, uint16_t len)
{
	if (!has(b, a))
		return;
	uint32_t max = b->mr->a[a].type->max_len;
	if (len > max)
		len = (uint16_t)max;
	memcpy(aptr(b, a), &len, sizeof(len));
	memset(aptr(b, a) + 2, 0, max);
	memcpy(aptr(b, a) + 2, d, len);
}

static void id_octets(uint64_t id, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, id >>= 8)
		out[i] = (uint8_t)id;
}

static uint64_t octets_id(const uint8_t in[8])
{
	uint64_t id = 0;
	for (int i = 0; i < 8; i++)
		id = id << 8 | in[i];
	return id;
}

/* EntryTime / TimeOfEntry (8-1 §8.1.3.6, binary-time with date): ms of
 * the day and days since 1984-01-01. */
static void entry_time(uint64_t utc_ns, uint8_t out[6])
{
	const uint64_t day_ms = 86400000ull, epoch_1984_ms = 441763200000ull;
	uint64_t ms = utc_ns / 1000000u;
	uint64_t since = ms > epoch_1984_ms ? ms - epoch_1984_ms : 0;
	uint32_t in_day = (uint32_t)(since % day_ms);
	uint16_t days = (uint16_t)(since / day_ms);
	out[0] = (uint8_t)(in_day >> 24);
	out[1] = (uint8_t)(in_day >> 16);
	out[2] = (uint8_t)(in_day >> 8);
	out[3] = (uint8_t)in_day;
	out[4] = (uint8_t)(days >> 8);
	out[5] = (uint8_t)days;
}

static uint64_t now_us(const struct acsi_reports *R)
{
	return R->clk.mono_us(R->clk.ctx);
}

static void tarm(struct acsi_reports *R, struct timer *t, uint64_t deadline)
{
	(void)R->clk.arm(R->clk.ctx, t, deadline);
}

static void tcancel(struct acsi_reports *R, struct timer *t)
{
	R->clk.cancel(R->clk.ctx, t);
}

/* The RCB's object reference in MMS form: "LD/LLN0$RP$name". */
static void rcb_ref(const struct rcb *b, char *out, size_t n)
{
	int k = snprintf(out, n, "%s/%s$%s$%s", b->mr->ld->name, b->mr->ln->name,
			 b->mr->buffered ? "BR" : "RP", b->mr->name);
	if (k < 0 || (size_t)k >= n)
		out[n - 1] = '\0'; /* longer than any RptID: cut (names are at most 64) */
}

/* ---- persistence (report_buf.h, struct rpt_persist) ---- */

static bool persisting(const struct rcb *b)
{
	return b->R->persist && b->mr->buffered;
}

/* What a client wrote into the BRCB, as it outlives a restart. */
static void persist_cfg(struct rcb *b);

static void persist_entry(struct rcb *b, const struct rpt_entry *e)
{
	if (persisting(b) && b->R->persist->entry_added)
		b->R->persist->entry_added(b->R->persist->ctx, b->key, e);
}

static void persist_dropped(struct rcb *b, uint64_t through)
{
	if (persisting(b) && b->R->persist->dropped)
		b->R->persist->dropped(b->R->persist->ctx, b->key, through);
}

/* DatSet value of a data set: "LD/LN$name", or "@name" (8-1 §14). */
static void ds_ref(const struct mdataset *ds, char *out, size_t n)
{
	if (ds->owner || !ds->ln)
		snprintf(out, n, "@%s", ds->name);
	else
		snprintf(out, n, "%s/%s", ds->ln->ld->name, ds->name);
}

/* The data set a DatSet value names, for association `c`; NULL: none it
 * may use. Takes "LD/LN$name" and "LD/LN.name", and "@name". */
static const struct mdataset *find_ds(const struct acsi_reports *R, const struct acsi_rpt_client *c,
				      const char *v)
{
	if (v[0] == '@')
		return c ? model_find_aa_dataset(R->m, c, v + 1) : NULL;
	const char *slash = strchr(v, '/');
	char ld[MMS_MAX_DOMAIN + 1], item[140];
	if (!slash || (size_t)(slash - v) > MMS_MAX_DOMAIN || strlen(slash + 1) >= sizeof(item))
		return NULL;
	memcpy(ld, v, (size_t)(slash - v));
	ld[slash - v] = '\0';
	strcpy(item, slash + 1);
	for (char *p = item; *p; p++)
		if (*p == '.')
			*p = '$';
	const struct mld *l = model_find_ld(R->m, ld);
	return l ? model_find_dataset(l, item) : NULL;
}

/* ---- pending members ---- */

static int pending_size(struct pending *p, uint32_t n)
{
	free(p->reason);
	free(p->off);
	free(p->len);
	p->reason = calloc(n ? n : 1, 1);
	p->off = calloc(n ? n : 1, sizeof(*p->off));
	p->len = calloc(n ? n : 1, sizeof(*p->len));
	p->n = 0;
	buf_reset(&p->data, 0);
	return p->reason && p->off && p->len ? 0 : -ENOMEM;
}

static void pending_free(struct pending *p)
{
	free(p->reason);
	free(p->off);
	free(p->len);
	buf_clear(&p->data);
	memset(p, 0, sizeof(*p));
}

static void pending_reset(struct pending *p, uint32_t n_members)
{
	if (p->n)
		memset(p->reason, 0, n_members);
	p->n = 0;
	buf_reset(&p->data, 0);
}

/* Adds member `i` with `reason` and the value it has now. */
static void pending_add(struct rcb *b, struct pending *p, uint32_t i, uint8_t reason)
{
	const struct mfcda *f = &b->ds->members[i];
	if (!p->reason[i])
		p->n++;
	p->reason[i] |= reason;
	p->off[i] = (uint32_t)p->data.len;
	model_encode_data(b->R->m, f->type, f->voff, &p->data);
	p->len[i] = (uint32_t)(p->data.len - p->off[i]);
}

/* ---- encoding and sending ---- */

/* One report's content, whatever its origin (a pending set or a buffered
 * entry): the included members in data set order. */
struct content {
	uint32_t n;
	struct rpt_member *m;
};

static void put_head(const struct rcb *b, struct buf *o, uint32_t opt, uint32_t sqnum,
		     const uint8_t toe[6], bool ovfl, uint64_t entry_id, bool segmented,
		     uint32_t sub, bool more)
{
	char s[200];
	const char *id = get_s(b, MRCB_RPTID);
	if (!id[0]) {
		rcb_ref(b, s, sizeof(s));
		id = s;
	}
	ber_put_str(o, BER_CONTEXT, D_VIS, id);
	uint8_t bits[2] = { 0, 0 };
	for (int i = 0; i < 10; i++)
		if (opt & BIT(i))
			bits[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	ber_put_bitstring(o, BER_CONTEXT, D_BITS, bits, 10);
	if (opt & BIT(OPT_SEQNUM))
		ber_put_uint(o, BER_CONTEXT, D_UINT, sqnum);
	if (opt & BIT(OPT_TIME))
		ber_put_raw(o, BER_CONTEXT, D_BTIME, toe, 6);
	if (opt & BIT(OPT_DATASET)) {
		ds_ref(b->ds, s, sizeof(s));
		ber_put_str(o, BER_CONTEXT, D_VIS, s);
	}
	if (opt & BIT(OPT_BUFOVFL))
		ber_put_bool(o, BER_CONTEXT, D_BOOL, ovfl);
	if (opt & BIT(OPT_ENTRYID)) {
		uint8_t e[8];
		id_octets(entry_id, e);
		ber_put_raw(o, BER_CONTEXT, D_OCTETS, e, 8);
	}
	if (opt & BIT(OPT_CONFREV))
		ber_put_uint(o, BER_CONTEXT, D_UINT, get_u(b, MRCB_CONFREV));
	if (segmented) {
		ber_put_uint(o, BER_CONTEXT, D_UINT, sub);
		ber_put_bool(o, BER_CONTEXT, D_BOOL, more);
	}
}

static size_t tlv_size(size_t len)
{
	return 1 + ber_len_size(len) + len;
}

static void member_ref(const struct rcb *b, uint32_t i, char *out, size_t n)
{
	const struct mfcda *f = &b->ds->members[i];
	snprintf(out, n, "%s/%s", f->ld->name, f->mms_item);
}

/* Octets member k of `c` adds to a segment: reference, value, reason. */
static size_t member_cost(const struct rcb *b, uint32_t opt, const struct rpt_member *m)
{
	size_t n = m->len;
	if (opt & BIT(OPT_DATAREF)) {
		char ref[200];
		member_ref(b, m->index, ref, sizeof(ref));
		n += tlv_size(strlen(ref));
	}
	if (opt & BIT(OPT_REASON))
		n += tlv_size(2);
	return n;
}

static void put_segment(struct acsi_reports *R, const struct rcb *b, struct buf *o, uint32_t opt,
			const struct content *c, uint32_t from, uint32_t to)
{
	uint32_t nm = b->ds->n;
	/* Inclusion: one bit per member, set for those in this segment */
	size_t nb = (nm + 7) / 8;
	(void)R;
	uint8_t small[64];
	uint8_t *incl = nb <= sizeof(small) ? small : calloc(nb, 1);
	if (!incl) {
		o->err = -ENOMEM;
		return;
	}
	memset(incl, 0, nb);
	for (uint32_t k = from; k < to; k++)
		incl[c->m[k].index / 8] |= (uint8_t)(0x80 >> (c->m[k].index % 8));
	ber_put_bitstring(o, BER_CONTEXT, D_BITS, incl, nm);
	if (incl != small)
		free(incl);
	if (opt & BIT(OPT_DATAREF))
		for (uint32_t k = from; k < to; k++) {
			char ref[200];
			member_ref(b, c->m[k].index, ref, sizeof(ref));
			ber_put_str(o, BER_CONTEXT, D_VIS, ref);
		}
	for (uint32_t k = from; k < to; k++)
		buf_put(o, c->m[k].data, c->m[k].len);
	if (opt & BIT(OPT_REASON))
		for (uint32_t k = from; k < to; k++) {
			uint8_t r = c->m[k].reason;
			/* ReasonCode: 7 bits, bit i of the wire = reason bit i */
			uint8_t bits[1] = { 0 };
			for (int i = 0; i < 7; i++)
				if (r & BIT(i))
					bits[0] |= (uint8_t)(0x80 >> i);
			ber_put_bitstring(o, BER_CONTEXT, D_BITS, bits, 7);
		}
}

static int send_pdu(struct acsi_reports *R, struct acsi_rpt_client *cl, struct buf *o)
{
	if (o->err || !cl || !cl->send)
		return o->err ? o->err : -ENOTCONN;
	int r = cl->send(cl->ctx, o);
	if (!r)
		R->st.reports++;
	return r;
}

/* Sends one report of `c` to the owner, segmented to the negotiated PDU
 * size when it does not fit (8-1 §17.2.3.2). Returns 0 or a negative
 * errno (nothing sent, or the client went away in between). */
static int send_report(struct rcb *b, const struct content *c, const uint8_t toe[6], bool ovfl,
		       uint64_t entry_id)
{
	struct acsi_reports *R = b->R;
	struct acsi_rpt_client *cl = b->owner;
	if (!cl || !c->n || !b->ds)
		return -ENOTCONN;
	uint32_t opt = get_bits(b, MRCB_OPTFLDS) & ~BIT(OPT_SEGMENT) & ~BIT(0);
	if (!b->mr->buffered)
		opt &= ~(BIT(OPT_BUFOVFL) | BIT(OPT_ENTRYID));
	uint32_t sq = (uint32_t)get_u(b, MRCB_SQNUM);
	size_t limit = cl->max_pdu ? cl->max_pdu : 65000;

	/* the fixed part's size, with the largest SubSeqNum it may carry */
	buf_reset(&R->tmp, 0);
	put_head(b, &R->tmp, opt, sq, toe, ovfl, entry_id, false, 0, false);
	size_t head = R->tmp.len + tlv_size((b->ds->n + 7) / 8 + 1);
	size_t total = head;
	for (uint32_t k = 0; k < c->n; k++)
		total += member_cost(b, opt, &c->m[k]);
	bool seg = total + mms_report_overhead(total) > limit;
	size_t seg_extra = seg ? tlv_size(5) + tlv_size(1) + 2 : 0; /* SubSeqNum, More; bit string grows by 0 */
	uint32_t from = 0, sub = 0;
	int r = 0;
	while (from < c->n) {
		size_t sz = head + seg_extra;
		uint32_t to = from;
		while (to < c->n) {
			size_t add = member_cost(b, opt, &c->m[to]);
			if (sz + add + mms_report_overhead(sz + add) > limit)
				break;
			sz += add;
			to++;
		}
		if (to == from) {
			/* one member alone does not fit the PDU size: cannot be
			 * reported to this client (7-2 has no way to split a value) */
			R->st.lost++;
			from++;
			continue;
		}
		struct buf *o = &R->scratch;
		buf_reset(o, ISO_HEADROOM); /* the sender frames it in place */
		struct mms_report_enc e;
		mms_report_begin(o, &e);
		put_head(b, o, seg ? opt | BIT(OPT_SEGMENT) : opt, sq, toe, ovfl, entry_id, seg, sub,
			 to < c->n);
		put_segment(R, b, o, opt, c, from, to);
		mms_report_end(o, &e);
		r = send_pdu(R, cl, o);
		if (r)
			break;
		sub++;
		from = to;
	}
	/* SqNum: INT8U for a URCB, INT16U for a BRCB (8-1 §17) */
	set_u(b, MRCB_SQNUM, (sq + 1) & (b->mr->buffered ? 0xFFFFu : 0xFFu));
	return r;
}

/* ---- BRCB: entries and the cursor ---- */

static void entry_content(const struct rpt_entry *e, struct content *c, struct rpt_member *m)
{
	c->n = rpt_entry_n(e);
	c->m = m;
	for (uint32_t i = 0; i < c->n; i++)
		rpt_entry_member(e, i, &m[i]);
}

/* Sends the entry after the cursor; true when one was sent. */
static bool send_next_entry(struct rcb *b)
{
	const struct rpt_entry *e = rpt_buf_after(b->buf, b->sent);
	if (!e)
		return false;
	uint32_t n = rpt_entry_n(e);
	struct rpt_member small[16], *m = n <= 16 ? small : calloc(n, sizeof(*m));
	if (!m)
		return false;
	struct content c;
	entry_content(e, &c, m);
	uint64_t id = rpt_entry_id(e);
	int r = send_report(b, &c, rpt_entry_toe(e), b->ovfl, id);
	if (m != small)
		free(m);
	if (r)
		return false;
	b->ovfl = false;
	b->sent = id;
	uint8_t oct[8];
	id_octets(id, oct);
	set_octets(b, MRCB_ENTRYID, oct, 8);
	if (has(b, MRCB_TIMEOFENTRY))
		memcpy(aptr(b, MRCB_TIMEOFENTRY), rpt_entry_toe(e), 6);
	return true;
}

static void resync_fire(struct timer_queue *q, struct timer *t, void *arg)
{
	struct rcb *b = arg;
	(void)q;
	(void)t;
	if (!b->enabled || !b->owner)
		return;
	for (int k = 0; k < RESYNC_BATCH; k++)
		if (!send_next_entry(b)) {
			if (!rpt_buf_after(b->buf, b->sent))
				b->catching_up = false;
			return;
		}
	tarm(b->R, &b->resync, now_us(b->R));
}

static void resync_start(struct rcb *b)
{
	b->catching_up = true;
	tarm(b->R, &b->resync, now_us(b->R));
}

/* ---- making reports ---- */

static void content_of_pending(const struct rcb *b, const struct pending *p, struct content *c,
			       struct rpt_member *m)
{
	c->m = m;
	c->n = 0;
	for (uint32_t i = 0; i < b->ds->n; i++)
		if (p->reason[i])
			m[c->n++] = (struct rpt_member){ .index = i, .reason = p->reason[i],
							 .len = p->len[i],
							 .data = p->data.base + p->off[i] };
}

/* A report of `p` is made now: sent (URCB), or made an entry and sent
 * when the client is there and caught up (BRCB). */
static void emit(struct rcb *b, struct pending *p)
{
	struct acsi_reports *R = b->R;
	if (!p->n || !b->ds)
		return;
	struct rpt_member small[32], *m = p->n <= 32 ? small : calloc(p->n, sizeof(*m));
	if (!m) {
		R->st.lost++;
		return;
	}
	struct content c;
	content_of_pending(b, p, &c, m);
	uint8_t toe[6];
	entry_time(R->clk.utc_ns(R->clk.ctx), toe);
	if (!b->mr->buffered) {
		if (send_report(b, &c, toe, false, 0))
			R->st.lost++;
	} else if (b->buffering) {
		uint32_t dropped = 0;
		const struct rpt_entry *e = rpt_buf_add(b->buf, toe, c.m, c.n, &dropped);
		if (!e) {
			R->st.lost++;
		} else {
			R->st.entries++;
			if (dropped) {
				R->st.overflows += dropped;
				/* entries the client had not received are gone */
				const struct rpt_entry *old = rpt_buf_oldest(b->buf);
				if (old && rpt_entry_id(old) > b->sent + 1)
					b->ovfl = true;
				persist_dropped(b, rpt_entry_id(old) - 1);
			}
			persist_entry(b, e);
			if (b->enabled && b->owner && !b->catching_up && !send_next_entry(b))
				resync_start(b);
		}
	}
	if (m != small)
		free(m);
	pending_reset(p, b->ds->n);
}

static void flush(struct rcb *b)
{
	tcancel(b->R, &b->buftm);
	emit(b, &b->pend);
}

static void buftm_fire(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	emit(arg, &((struct rcb *)arg)->pend);
}

/* A report of every member with `reason` (GI, integrity). */
static void whole(struct rcb *b, uint8_t reason)
{
	if (!b->ds)
		return;
	flush(b); /* what BufTm holds goes first (7-2 §17.2.2) */
	struct pending w = { 0 };
	if (pending_size(&w, b->ds->n)) {
		b->R->st.lost++;
		pending_free(&w);
		return;
	}
	for (uint32_t i = 0; i < b->ds->n; i++)
		pending_add(b, &w, i, reason);
	emit(b, &w);
	pending_free(&w);
}

static void intg_arm(struct rcb *b)
{
	struct acsi_reports *R = b->R;
	uint64_t pd = get_u(b, MRCB_INTGPD);
	if (!b->enabled || !pd || !(get_bits(b, MRCB_TRGOPS) & BIT(TRG_INTEGRITY))) {
		tcancel(R, &b->intg);
		return;
	}
	/* aligned to multiples of IntgPd on the UTC clock */
	uint64_t utc_ms = R->clk.utc_ns(R->clk.ctx) / 1000000u;
	uint64_t wait_ms = pd - utc_ms % pd;
	tarm(R, &b->intg, now_us(R) + wait_ms * 1000u);
}

static void intg_fire(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct rcb *b = arg;
	whole(b, (uint8_t)BIT(TRG_INTEGRITY));
	intg_arm(b);
}

/* ---- change observers ---- */

static void on_change(void *ctx, struct model *m, const struct model_change *ch)
{
	(void)m;
	struct rcb *b = ctx;
	if (!b->ds || ch->member >= b->ds->n)
		return;
	uint8_t r = 0;
	uint32_t trg = get_bits(b, MRCB_TRGOPS);
	if ((ch->reason & MODEL_TRG_DCHG) && (trg & BIT(TRG_DCHG)))
		r |= BIT(TRG_DCHG);
	if ((ch->reason & MODEL_TRG_QCHG) && (trg & BIT(TRG_QCHG)))
		r |= BIT(TRG_QCHG);
	if ((ch->reason & MODEL_TRG_DUPD) && (trg & BIT(TRG_DUPD)))
		r |= BIT(TRG_DUPD);
	if (!r)
		return;
	if (!b->touched[ch->member])
		b->touched_list[b->n_touched++] = ch->member;
	b->touched[ch->member] |= r;
}

/* After the last change of one update: the touched members join the
 * pending report (taking their values now); a member already pending
 * first sends what is pending (7-2 §17.2.2.x: a second change of the same
 * member within BufTm). */
static void on_end(void *ctx, struct model *m)
{
	(void)m;
	struct rcb *b = ctx;
	if (!b->n_touched)
		return;
	for (uint32_t k = 0; k < b->n_touched; k++)
		if (b->pend.reason[b->touched_list[k]]) {
			flush(b);
			break;
		}
	for (uint32_t k = 0; k < b->n_touched; k++) {
		uint32_t i = b->touched_list[k];
		pending_add(b, &b->pend, i, b->touched[i]);
		b->touched[i] = 0;
	}
	b->n_touched = 0;
	uint64_t bt = get_u(b, MRCB_BUFTM);
	if (!bt)
		emit(b, &b->pend);
	else if (!timer_armed(&b->buftm))
		tarm(b->R, &b->buftm, now_us(b->R) + bt * 1000u);
}

static void unobserve(struct rcb *b)
{
	model_observe_remove(b->R->m, b->obs);
	b->obs = NULL;
	tcancel(b->R, &b->buftm);
	if (b->ds)
		pending_reset(&b->pend, b->ds->n);
	free(b->touched);
	free(b->touched_list);
	b->touched = NULL;
	b->touched_list = NULL;
	b->n_touched = 0;
}

/* Watches the data set's changes (a URCB while enabled, a BRCB while
 * buffering). */
static int observe(struct rcb *b)
{
	if (b->obs || !b->ds)
		return 0;
	uint32_t n = b->ds->n;
	b->touched = calloc(n ? n : 1, 1);
	b->touched_list = calloc(n ? n : 1, sizeof(*b->touched_list));
	if (!b->touched || !b->touched_list || pending_size(&b->pend, n)) {
		unobserve(b);
		return -ENOMEM;
	}
	struct model_observer_desc d = { .ds = b->ds, .change = on_change, .end = on_end, .ctx = b };
	b->obs = model_observe_add(b->R->m, &d);
	if (!b->obs) {
		unobserve(b);
		return -ENOMEM;
	}
	return 0;
}

/* ---- pre-assigned RCBs (SCL RptEnabled/ClientLN, 7-2 Ed.2 §17.2.2) ---- */

static bool preassigned(const struct rcb *b)
{
	return b->mr->preassigned_len != 0;
}

/* An address as 4 octets when it is IPv4 or IPv4-mapped IPv6
 * (::ffff:a.b.c.d, what a dual-stack listener sees of an IPv4 peer). */
static const uint8_t *ip_norm(const uint8_t *a, uint8_t len, uint8_t *out_len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (len == 16 && !memcmp(a, mapped, 12)) {
		*out_len = 4;
		return a + 12;
	}
	*out_len = len;
	return a;
}

/* Whether `c` is the client the RCB is pre-assigned to: its peer address
 * is the ClientLN's address from the SCL Communication section. */
static bool is_assigned(const struct rcb *b, const struct acsi_rpt_client *c)
{
	if (!c || !c->addr_len)
		return false;
	uint8_t la, lb;
	const uint8_t *x = ip_norm(b->mr->preassigned_addr, b->mr->preassigned_len, &la);
	const uint8_t *y = ip_norm(c->addr, c->addr_len, &lb);
	return la == lb && !memcmp(x, y, la);
}

/* ---- state changes ---- */

static void set_owner(struct rcb *b, struct acsi_rpt_client *c)
{
	if (b->owner == c)
		return;
	if (b->owner)
		b->owner->n_rcbs--;
	b->owner = c;
	if (c)
		c->n_rcbs++;
	b->kept = false;
	tcancel(b->R, &b->resv);
	if (has(b, MRCB_OWNER)) {
		/* a pre-assigned RCB names its configured client throughout */
		if (preassigned(b))
			set_octets(b, MRCB_OWNER, b->mr->preassigned_addr, b->mr->preassigned_len);
		else if (c)
			set_octets(b, MRCB_OWNER, c->addr, c->addr_len);
		else
			set_octets(b, MRCB_OWNER, NULL, 0);
	}
	/* a URCB reserved by configuration reads Resv = true throughout */
	if (!b->mr->buffered)
		set_u(b, MRCB_RESV, c != NULL || preassigned(b));
}

static void disable(struct rcb *b)
{
	if (!b->enabled)
		return;
	flush(b);
	b->enabled = false;
	set_u(b, MRCB_RPTENA, false);
	tcancel(b->R, &b->intg);
	tcancel(b->R, &b->resync);
	b->catching_up = false;
	if (!b->mr->buffered)
		unobserve(b); /* a BRCB keeps buffering */
}

/* Stops buffering and empties the buffer (a configuration change). */
static void purge(struct rcb *b)
{
	if (!b->mr->buffered)
		return;
	if (b->buffering)
		unobserve(b);
	b->buffering = false;
	rpt_buf_purge(b->buf);
	b->sent = rpt_buf_last_id(b->buf);
	b->ovfl = false;
	persist_dropped(b, b->sent);
}

static int enable(struct rcb *b, struct acsi_rpt_client *c)
{
	if (!b->ds)
		return MMS_DAE_OBJECT_VALUE_INVALID;
	if (!b->mr->buffered || !b->buffering) {
		if (observe(b))
			return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	}
	set_owner(b, c);
	b->enabled = true;
	set_u(b, MRCB_RPTENA, true);
	if (b->mr->buffered) {
		b->buffering = true;
		if (rpt_buf_after(b->buf, b->sent))
			resync_start(b);
	}
	intg_arm(b);
	return 0;
}

/* Undoes what a client did when it goes away or frees the RCB. */
static void release(struct rcb *b)
{
	disable(b);
	set_owner(b, NULL);
}

static void resv_fire(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	struct rcb *b = arg;
	b->kept = false;
	b->owner_peer[0] = '\0';
	set_u(b, MRCB_RESVTMS, 0);
	if (has(b, MRCB_OWNER))
		set_octets(b, MRCB_OWNER, NULL, 0);
}

/* ---- writes ---- */

static bool tag_is(const struct ber_tlv *d, uint32_t tag)
{
	return d->cls == BER_CONTEXT && !d->constructed && d->tag == tag;
}

static int get_bool(const struct ber_tlv *d, bool *v)
{
	if (!tag_is(d, D_BOOL) || ber_get_bool(d, v, NULL))
		return MMS_DAE_TYPE_INCONSISTENT;
	return 0;
}

/* Who may write: the owner; anyone while free; nobody else. A BRCB kept
 * for an absent owner (ResvTms) takes the same peer back. A pre-assigned
 * RCB only ever its configured client (another association of that
 * client while one holds it: refused as for any owner). */
static bool may_write(const struct rcb *b, const struct acsi_rpt_client *c)
{
	if (preassigned(b) && !is_assigned(b, c))
		return false;
	if (b->owner)
		return b->owner == c;
	if (b->kept)
		return c && !strcmp(c->peer, b->owner_peer);
	return true;
}

static int write_attr(struct rcb *b, struct acsi_rpt_client *c, int a, const struct ber_cur *parent,
		      const struct ber_tlv *d)
{
	struct acsi_reports *R = b->R;
	bool v;
	int code;

	if (!may_write(b, c))
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	switch (a) {
	case MRCB_CONFREV: case MRCB_SQNUM: case MRCB_TIMEOFENTRY: case MRCB_OWNER:
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	case MRCB_RPTENA:
		if ((code = get_bool(d, &v)))
			return code;
		if (v == b->enabled) {
			if (v)
				set_owner(b, c);
			return 0;
		}
		if (!v) {
			disable(b);
			/* a URCB stays reserved when Resv was set; one reserved
			 * by the enable alone is released with it */
			return 0;
		}
		return enable(b, c);
	case MRCB_RESV:
		if ((code = get_bool(d, &v)))
			return code;
		if (v) {
			set_owner(b, c);
		} else {
			if (b->enabled)
				return MMS_DAE_TEMPORARILY_UNAVAILABLE;
			set_owner(b, NULL);
		}
		return 0;
	case MRCB_GI:
		if ((code = get_bool(d, &v)))
			return code;
		if (v && b->enabled) {
			set_owner(b, c);
			whole(b, (uint8_t)BIT(TRG_GI));
		}
		/* GI reads false again once the report is made; a GI while
		 * disabled is accepted and ignored (7-2 §17.2.2.x) */
		return 0;
	case MRCB_RESVTMS: {
		int64_t s;
		if (!tag_is(d, D_INT) && !tag_is(d, D_UINT))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_int_range(d, -1, 32767, &s, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		/* reserved by configuration: ResvTms stays -1 (writing -1 again
		 * is accepted and changes nothing; the client has it already) */
		if (preassigned(b)) {
			if (s >= 0)
				return MMS_DAE_OBJECT_ACCESS_DENIED;
			set_owner(b, c);
			return 0;
		}
		if (s < 0)
			return MMS_DAE_OBJECT_ACCESS_DENIED; /* -1: reserved by configuration */
		set_u(b, MRCB_RESVTMS, (uint64_t)s);
		set_owner(b, s ? c : (b->enabled ? b->owner : NULL));
		return 0;
	}
	default:
		break;
	}
	/* configuration: only while disabled */
	if (b->enabled)
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	switch (a) {
	case MRCB_PURGEBUF:
		if ((code = get_bool(d, &v)))
			return code;
		if (v) {
			rpt_buf_purge(b->buf);
			b->sent = rpt_buf_last_id(b->buf);
			b->ovfl = false;
			persist_dropped(b, b->sent);
		}
		set_owner(b, b->owner ? b->owner : NULL);
		return 0;
	case MRCB_ENTRYID: {
		if (!tag_is(d, D_OCTETS) || d->len != 8)
			return MMS_DAE_TYPE_INCONSISTENT;
		uint64_t id = octets_id(d->val);
		/* 7-2 Ed.2 §17.2.4.x: an EntryID the buffer does not hold is
		 * refused (the client then resynchronises from the start by
		 * writing zero); zero: every entry held */
		if (id && !rpt_buf_find(b->buf, id))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (!id) {
			const struct rpt_entry *o = rpt_buf_oldest(b->buf);
			b->sent = o ? rpt_entry_id(o) - 1 : rpt_buf_last_id(b->buf);
		} else {
			b->sent = id;
		}
		set_octets(b, MRCB_ENTRYID, d->val, 8);
		return 0;
	}
	case MRCB_DATSET: {
		char s[160];
		if (!tag_is(d, D_VIS) || ber_get_visible(d, s, sizeof(s), NULL))
			return MMS_DAE_TYPE_INCONSISTENT;
		const struct mdataset *ds = s[0] ? find_ds(R, c, s) : NULL;
		if (s[0] && !ds)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (ds && ds->owner && b->mr->buffered)
			return MMS_DAE_OBJECT_VALUE_INVALID; /* 7-2 §17.2.4: a BRCB outlives the association */
		if (!c && ds && ds->owner)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (ds != b->ds || strcmp(get_s(b, MRCB_DATSET), s)) {
			purge(b);
			unobserve(b);
			b->ds = ds;
			char canon[200] = "";
			if (ds)
				ds_ref(ds, canon, sizeof(canon));
			set_s(b, MRCB_DATSET, canon);
			/* 7-2 §17.2.2.x: ConfRev counts changes of the data set */
			set_u(b, MRCB_CONFREV, get_u(b, MRCB_CONFREV) + 1);
		}
		set_owner(b, c);
		return 0;
	}
	case MRCB_RPTID: case MRCB_OPTFLDS: case MRCB_BUFTM: case MRCB_TRGOPS: case MRCB_INTGPD:
	{
		/* the same value written again (a client configuring on every
		 * connection) changes nothing; another one purges the buffer */
		uint8_t old[160];
		uint32_t sz = b->mr->a[a].type->size;
		if (sz > sizeof(old))
			return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
		memcpy(old, aptr(b, a), sz);
		code = model_store_data_unhooked(R->m, b->mr->a[a].type, b->mr->a[a].voff, parent, d);
		if (code)
			return code;
		if (memcmp(old, aptr(b, a), sz))
			purge(b);
		set_owner(b, c);
		return 0;
	}
	default:
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	}
}

int acsi_reports_write(struct acsi_reports *R, struct acsi_rpt_client *c, const struct mref *ref,
		       const struct mtype *t, uint32_t voff, const struct ber_cur *parent,
		       const struct ber_tlv *data)
{
	(void)ref;
	if (!R)
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	const struct mrcb *mr = model_rcb_at(R->m, voff);
	if (!mr)
		return MMS_DAE_OBJECT_NON_EXISTENT;
	int a = model_rcb_attr_at(mr, t, voff);
	if (a < 0)
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED; /* several attributes at once */
	struct rcb *b = &R->rcbs[mr->no];
	int code = write_attr(b, c, a, parent, data);
	if (!code && a != MRCB_GI)
		persist_cfg(b);
	return code;
}

void acsi_reports_client_end(struct acsi_reports *R, struct acsi_rpt_client *c)
{
	if (!R || !c)
		return;
	for (uint32_t i = 0; i < R->n && (c->n_rcbs || true); i++) {
		struct rcb *b = &R->rcbs[i];
		if (b->ds && b->ds->owner == c) {
			release(b);
			b->ds = NULL;
			set_s(b, MRCB_DATSET, "");
			continue;
		}
		if (b->owner != c)
			continue;
		if (!b->mr->buffered) {
			release(b);
			continue;
		}
		disable(b);
		uint64_t tms = get_u(b, MRCB_RESVTMS);
		set_owner(b, NULL);
		/* a pre-assigned BRCB waits for its client with no time limit */
		if (tms && !preassigned(b)) {
			b->kept = true;
			snprintf(b->owner_peer, sizeof(b->owner_peer), "%s", c->peer);
			if (has(b, MRCB_OWNER))
				set_octets(b, MRCB_OWNER, c->addr, c->addr_len);
			tarm(R, &b->resv, now_us(R) + tms * 1000000u);
		}
	}
}

bool acsi_reports_uses_dataset(const struct acsi_reports *R, const struct mdataset *ds)
{
	if (!R)
		return false;
	for (uint32_t i = 0; i < R->n; i++)
		if (R->rcbs[i].ds == ds)
			return true;
	return false;
}

void acsi_reports_stats(const struct acsi_reports *R, struct acsi_reports_stats *out)
{
	*out = R ? R->st : (struct acsi_reports_stats){ 0 };
}

static void persist_cfg(struct rcb *b)
{
	if (!persisting(b) || !b->R->persist->config)
		return;
	struct rpt_persist_cfg pc = {
		.conf_rev = (uint32_t)get_u(b, MRCB_CONFREV),
		.opt_flds = (uint16_t)get_bits(b, MRCB_OPTFLDS),
		.trg_ops = (uint8_t)get_bits(b, MRCB_TRGOPS),
		.intg_pd = (uint32_t)get_u(b, MRCB_INTGPD),
		.buf_tm = (uint32_t)get_u(b, MRCB_BUFTM),
		.resv_tms = (int16_t)get_u(b, MRCB_RESVTMS),
		.entry_pos = b->sent,
	};
	snprintf(pc.rpt_id, sizeof(pc.rpt_id), "%s", get_s(b, MRCB_RPTID));
	snprintf(pc.datset, sizeof(pc.datset), "%s", get_s(b, MRCB_DATSET));
	if (b->owner && pc.resv_tms > 0)
		snprintf(pc.owner, sizeof(pc.owner), "%s", b->owner->peer);
	else if (b->kept)
		snprintf(pc.owner, sizeof(pc.owner), "%s", b->owner_peer);
	b->R->persist->config(b->R->persist->ctx, b->key, &pc);
}

static void set_bits(struct rcb *b, int a, uint32_t mask)
{
	if (!has(b, a))
		return;
	uint8_t *p = aptr(b, a);
	uint32_t n = b->mr->a[a].type->max_len;
	memset(p + 1, 0, (n + 7) / 8);
	for (uint32_t i = 0; i < n && i < 32; i++)
		if (mask & BIT(i))
			p[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* The state a BRCB had before the restart: what clients wrote, its
 * entries, where its client was. */
static void restore(struct rcb *b)
{
	struct acsi_reports *R = b->R;
	struct rpt_persist_state st;
	memset(&st, 0, sizeof(st));
	if (R->persist->load(R->persist->ctx, b->key, (uint32_t)get_u(b, MRCB_CONFREV), b->buf,
			     &st))
		return;
	if (st.has_cfg) {
		const struct rpt_persist_cfg *pc = &st.cfg;
		set_s(b, MRCB_RPTID, pc->rpt_id);
		const struct mdataset *ds = pc->datset[0] ? find_ds(R, NULL, pc->datset) : NULL;
		if (ds || !pc->datset[0]) {
			b->ds = ds;
			set_s(b, MRCB_DATSET, pc->datset);
		}
		set_u(b, MRCB_CONFREV, pc->conf_rev);
		set_bits(b, MRCB_OPTFLDS, pc->opt_flds);
		set_bits(b, MRCB_TRGOPS, pc->trg_ops);
		set_u(b, MRCB_INTGPD, pc->intg_pd);
		set_u(b, MRCB_BUFTM, pc->buf_tm);
		if (pc->resv_tms > 0 && pc->owner[0] && !preassigned(b)) {
			/* the client it was kept for may come back within ResvTms */
			set_u(b, MRCB_RESVTMS, (uint64_t)pc->resv_tms);
			b->kept = true;
			snprintf(b->owner_peer, sizeof(b->owner_peer), "%.63s", pc->owner);
			tarm(R, &b->resv, now_us(R) + (uint64_t)pc->resv_tms * 1000000u);
		}
		b->sent = pc->entry_pos;
	}
	const struct rpt_entry *old = rpt_buf_oldest(b->buf);
	if (old && rpt_entry_id(old) > b->sent + 1 && b->sent)
		b->ovfl = true;
	if (b->sent > rpt_buf_last_id(b->buf))
		b->sent = rpt_buf_last_id(b->buf);
	/* 7-2 §17.2.4: after a loss of entries the next report says so */
	if (st.unclean)
		b->ovfl = true;
	/* it was buffering: it goes on */
	if (b->ds && (rpt_buf_last_id(b->buf) || st.has_cfg) && !observe(b))
		b->buffering = true;
}

/* Client-defined persistent data sets kept from before the restart. */
static void define_kept(void *arg, const char *ld, const char *name, const char *const *refs,
			uint32_t n)
{
	struct acsi_reports *R = arg;
	const struct mld *l = model_find_ld(R->m, ld);
	struct mfcda *f = calloc(n ? n : 1, sizeof(*f));
	bool ok = l && f && n;
	for (uint32_t i = 0; ok && i < n; i++) {
		/* "DOMAIN/ITEM", "DOMAIN/ITEM(ix)" or "DOMAIN/ITEM(ix)$alt" */
		char dom[MMS_MAX_DOMAIN + 1], item[MMS_MAX_ITEM + 1], alt[130] = "";
		const char *slash = strchr(refs[i], '/');
		int32_t ix = -1;
		if (!slash || (size_t)(slash - refs[i]) > MMS_MAX_DOMAIN) {
			ok = false;
			break;
		}
		memcpy(dom, refs[i], (size_t)(slash - refs[i]));
		dom[slash - refs[i]] = '\0';
		snprintf(item, sizeof(item), "%s", slash + 1);
		char *par = strchr(item, '(');
		if (par) {
			char *end;
			ix = (int32_t)strtol(par + 1, &end, 10);
			if (*end != ')' || ix < 0) {
				ok = false;
				break;
			}
			if (end[1] == '$')
				snprintf(alt, sizeof(alt), "%s", end + 2);
			*par = '\0';
		}
		ok = !model_fcda_from_mms(R->m, dom, item, ix, alt, &f[i]);
	}
	const struct mdataset *ds;
	if (!ok || model_dataset_add(R->m, l, NULL, name, f, n, &ds)) {
		if (R->persist->dataset_deleted)
			R->persist->dataset_deleted(R->persist->ctx, ld, name);
	}
	free(f);
}

/* A member as the store keeps it: "DOMAIN/ITEM", "DOMAIN/ITEM(ix)$alt". */
#define REF_TEXT 400

void acsi_reports_dataset_defined(struct acsi_reports *R, const struct mdataset *ds)
{
	if (!R || !R->persist || !R->persist->dataset_defined || ds->owner || !ds->ln)
		return;
	const char **refs = calloc(ds->n ? ds->n : 1, sizeof(*refs));
	char *text = calloc(ds->n ? ds->n : 1, REF_TEXT);
	if (!refs || !text) {
		free(refs);
		free(text);
		return;
	}
	for (uint32_t i = 0; i < ds->n; i++) {
		const struct mfcda *f = &ds->members[i];
		char *t = text + (size_t)i * REF_TEXT;
		if (f->arr_index < 0)
			snprintf(t, REF_TEXT, "%s/%s", f->ld->name, f->mms_item);
		else
			snprintf(t, REF_TEXT, "%s/%s(%d)%s%s", f->ld->name, f->mms_item, (int)f->arr_index,
				 f->alt_item[0] ? "$" : "", f->alt_item);
		refs[i] = t;
	}
	R->persist->dataset_defined(R->persist->ctx, ds->ln->ld->name, ds->name, refs, ds->n);
	free(refs);
	free(text);
}

void acsi_reports_dataset_deleted(struct acsi_reports *R, const char *ld, const char *name)
{
	if (R && R->persist && R->persist->dataset_deleted)
		R->persist->dataset_deleted(R->persist->ctx, ld, name);
}

struct acsi_reports *acsi_reports_new(struct model *m, const struct acsi_clock *clk,
				      const struct acsi_report_cfg *cfg,
				      const struct rpt_persist *persist)
{
	struct acsi_reports *R = calloc(1, sizeof(*R));
	if (!R)
		return NULL;
	R->m = m;
	R->clk = *clk;
	if (cfg)
		R->cfg = *cfg;
	if (!R->cfg.buf_entries)
		R->cfg.buf_entries = ACSI_REPORT_BUF_ENTRIES;
	if (!R->cfg.buf_bytes)
		R->cfg.buf_bytes = ACSI_REPORT_BUF_BYTES;
	if (persist) {
		R->persist_ops = *persist;
		R->persist = &R->persist_ops;
		if (R->persist->datasets && m)
			R->persist->datasets(R->persist->ctx, define_kept, R);
	}
	R->n = m ? model_n_rcbs(m) : 0;
	R->rcbs = calloc(R->n ? R->n : 1, sizeof(*R->rcbs));
	if (!R->rcbs) {
		free(R);
		return NULL;
	}
	const struct rpt_buf_cfg bc = { .max_entries = R->cfg.buf_entries,
					.max_bytes = R->cfg.buf_bytes };
	for (uint32_t i = 0; i < R->n; i++) {
		struct rcb *b = &R->rcbs[i];
		b->R = R;
		b->mr = model_rcb(m, i);
		timer_init(&b->buftm, buftm_fire, b);
		timer_init(&b->intg, intg_fire, b);
		timer_init(&b->resv, resv_fire, b);
		timer_init(&b->resync, resync_fire, b);
		const char *dsv = get_s(b, MRCB_DATSET);
		b->ds = dsv[0] ? find_ds(R, NULL, dsv) : NULL;
		if (b->mr->buffered && !(b->buf = rpt_buf_new(&bc))) {
			acsi_reports_free(R);
			return NULL;
		}
		rcb_ref(b, b->key, sizeof(b->key));
		if (b->mr->buffered && R->persist && R->persist->load)
			restore(b);
	}
	return R;
}

void acsi_reports_flush(struct acsi_reports *R)
{
	if (!R)
		return;
	for (uint32_t i = 0; i < R->n; i++) {
		struct rcb *b = &R->rcbs[i];
		if (b->R && (b->pend.n || timer_armed(&b->buftm)))
			flush(b);
	}
}

void acsi_reports_free(struct acsi_reports *R)
{
	if (!R)
		return;
	for (uint32_t i = 0; i < R->n; i++) {
		struct rcb *b = &R->rcbs[i];
		if (!b->R)
			continue;
		tcancel(R, &b->intg);
		tcancel(R, &b->resv);
		tcancel(R, &b->resync);
		unobserve(b);
		pending_free(&b->pend);
		rpt_buf_free(b->buf);
	}
	free(R->rcbs);
	buf_clear(&R->scratch);
	buf_clear(&R->tmp);
	free(R);
}
