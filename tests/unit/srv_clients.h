/* SPDX-License-Identifier: Apache-2.0 */
/* A fake clock and in-memory MMS clients of one server (pair.h) for the
 * tests of the services that send on their own (reports, controls): what
 * the server sends unasked is kept apart from the responses. */
#pragma once
#include "control.h"
#include "mms_client.h"
#include "pair.h"
#include "report.h"
#include "timer.h"

/* ---- a fake clock ---- */

struct fake {
	struct timer_queue q;
	uint64_t now;		/* µs */
	uint64_t utc0;		/* ns at now == 0 */
};

static inline uint64_t f_mono(void *c)
{
	return ((struct fake *)c)->now;
}

static inline uint64_t f_utc(void *c)
{
	const struct fake *f = c;
	return f->utc0 + f->now * 1000u;
}

static inline int f_arm(void *c, struct timer *t, uint64_t d)
{
	return timer_arm(&((struct fake *)c)->q, t, d);
}

static inline void f_cancel(void *c, struct timer *t)
{
	timer_cancel(&((struct fake *)c)->q, t);
}

/* Moves the clock by `us`, firing what falls due on the way. */
static inline void advance(struct fake *f, uint64_t us)
{
	uint64_t end = f->now + us;
	for (;;) {
		uint64_t nx = timer_next(&f->q);
		if (nx > end)
			break;
		if (nx > f->now)
			f->now = nx;
		timer_process(&f->q, f->now);
	}
	f->now = end;
}

/* What a client received. */
#define MAXR 400
struct rx {
	uint32_t n;		/* reports */
	struct buf rep[MAXR];	/* each a whole MMS PDU */
	struct buf resp;	/* the last other PDU */
};

struct cl {
	struct pair p;
	struct rx rx;
	uint32_t invoke;
};

static inline void emit_cap(void *ctx, const uint8_t *d, size_t n)
{
	struct cl *c = ctx;
	buf_put(&c->p.wire, d, n);
}

static inline void cl_up_srv(struct cl *c, uint32_t max_pdu, struct model *m,
			     struct acsi_reports *R, struct acsi_controls *ctl)
{
	memset(c, 0, sizeof(*c));
	pair_init(&c->p, max_pdu);
	c->p.srv.model = m;
	c->p.srv.reports = R;
	c->p.srv.controls = ctl;
	mms_assoc_set_emit(&c->p.a, &c->p.srv, emit_cap, NULL, c);
	snprintf(c->p.a.rpt.peer, sizeof(c->p.a.rpt.peer), "10.0.0.%u", (unsigned)(uintptr_t)c % 200);
	struct mms_initiate req = initiate_request();
	req.local_detail = (int32_t)max_pdu;
	pair_connect(&c->p, 0x0D);
	ck_assert_int_eq(pair_associate(&c->p, &req), MMS_STEP_ASSOCIATED);
	ck_assert_int_eq(to_client(&c->p), 0);
	ck_assert_uint_eq(c->p.a.iso.state, ISO_ASSOCIATED);
}

static inline void rx_clear(struct rx *x)
{
	for (uint32_t i = 0; i < MAXR; i++)
		buf_clear(&x->rep[i]);
	buf_clear(&x->resp);
	x->n = 0;
}

static inline void cl_down(struct cl *c)
{
	pair_clear(&c->p);
	rx_clear(&c->rx);
}

/* Delivers what is on the wire to the client, sorting reports from
 * responses. */
static inline void drain(struct cl *c)
{
	struct pair *p = &c->p;
	struct buf in = p->wire, out;
	const uint8_t *d = bytes_of(&in);
	size_t off = 0;
	buf_init(&p->wire, 0, 0);
	buf_init(&out, 0, 0);
	while (off < in.len) {
		size_t n;
		struct iso_event ev;
		ck_assert_int_eq(tpkt_header(d + off, in.len - off, iso_max_tpkt(&p->cli), &n, NULL),
				 0);
		uint8_t *keep = dup_exact(d + off, n);
		ck_assert_int_eq(iso_input(&p->cli, keep, n, &out, &ev, &p->err), 0);
		off += n;
		if (ev.type == ISO_EV_DATA) {
			struct mms_pdu pdu;
			ck_assert_int_eq(mms_pdu_decode(ev.data, ev.len, &pdu, NULL), 0);
			struct buf *dst;
			if (pdu.kind == MMS_UNCONFIRMED) {
				ck_assert_uint_lt(c->rx.n, MAXR);
				dst = &c->rx.rep[c->rx.n++];
			} else {
				dst = &c->rx.resp;
			}
			buf_reset(dst, 0);
			buf_put(dst, ev.data, ev.len);
		}
		free(keep);
	}
	buf_clear(&out);
	buf_clear(&in);
}

/* Sends one request PDU built in `b` and collects what comes back. */
static inline void call(struct cl *c, struct buf *b)
{
	ck_assert_int_eq(b->err, 0);
	ck_assert_int_eq(iso_send_data(&c->p.cli, b, &c->p.wire), 0);
	ck_assert_int_eq(to_server(&c->p), MMS_STEP_CONTINUE);
	drain(c);
}

/* Writes one attribute of an RCB ("LLN0$RP$urcbMeas01$RptEna") in domain
 * IEDD1BAY; returns MMS_DAE_SUCCESS (-1) or the DataAccessError. */
static inline int wr(struct cl *c, const char *item, const uint8_t *data, size_t len)
{
	struct buf b;
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "IEDD1BAY");
	snprintf(on.item, sizeof(on.item), "%s", item);
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, ++c->invoke, &on, data, len);
	call(c, &b);
	buf_clear(&b);
	struct mms_pdu pdu;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&c->rx.resp), c->rx.resp.len, &pdu, NULL), 0);
	ck_assert_int_eq(mms_client_check(&pdu, c->invoke, MMS_SVC_WRITE, NULL, NULL), 0);
	int res[2];
	size_t n;
	ck_assert_int_eq(mms_client_write_decode(pdu.body, pdu.body_len, res, 2, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	return res[0];
}

