/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the seed corpora of the fuzz targets: OUTDIR/inbound/ (byte
 * streams a client sends to iedd, TPKT after TPKT) and OUTDIR/ber/ (single
 * BER encodings). Every inbound stream is produced by the iso client API
 * while a real server association (mms_assoc) answers it from the embedded
 * sample model (etc/sample.icd) with the write hooks of fuzz_hooks.h, as
 * fuzz_inbound serves it, so each seed is known to reach as deep as it
 * claims; the tool fails if it does not.
 *
 *   make_seeds OUTDIR        e.g. build/tests/unit/make_seeds tests/fuzz/corpus
 *
 * The corpus in the tree was made this way; regenerate it after a codec
 * change that alters what clients send. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ber.h"
#include "control.h"
#include "embedded.h"
#include "fuzz_hooks.h"
#include "iso.h"
#include "mms.h"
#include "mms_client.h"
#include "mms_control.h"
#include "mms_server.h"
#include "model.h"
#include "mms_nvl.h"
#include "report.h"
#include "timer.h"

static const char *outdir;
static int failures;
/* the sample model every session serves, its values at load, its hooks */
static struct model *model;
static uint8_t *snapshot;
static struct fuzz_hooks hooks;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "make_seeds: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failures++;
}

static void write_seed(const char *corpus, const char *name, const struct buf *b)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, corpus, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf_data(b), 1, b->len, f) != b->len || fclose(f)) {
		fail("%s: %s", path, strerror(errno));
		return;
	}
	printf("%s (%zu octets)\n", path, b->len);
}

/* ---- inbound streams ---- */

/* A Write-Response that came after its source answered. */
struct late_answer {
	uint32_t invoke_id;
	int result;		/* -1 success, else the DataAccessError */
};

/* A client and the server it talks to; `seed` records everything the
 * client sends. */
struct session {
	struct iso_conn cli;
	struct mms_server srv;
	struct mms_assoc a;
	struct buf seed, out, srv_out;
	const char *name;
	int last;		/* the server's last result */
	struct iso_event ev;	/* the client's last event (data in `answer`) */
	struct buf answer;
	struct buf late;	/* what the association sent later (emit) */
	struct late_answer lates[16];	/* read from `late`, not yet expected */
	size_t n_lates;
	bool half_answered;	/* sources_answer(FUZZ_ANSWER_HALF) was called */
	bool gone;		/* the association was cleared */
	uint32_t reports;	/* InformationReports received */
};

/* Reporting on a clock that stands still (a seed's reports come from its
 * writes: GI, changes with BufTm 0). */
static struct timer_queue tq;
static uint64_t f_mono(void *c)
{
	(void)c;
	return 1000;
}
static uint64_t f_utc(void *c)
{
	(void)c;
	return 1700000000000000000ull;
}
static int f_arm(void *c, struct timer *t, uint64_t d)
{
	(void)c;
	return timer_arm(&tq, t, d);
}
static void f_cancel(void *c, struct timer *t)
{
	(void)c;
	timer_cancel(&tq, t);
}

/* mms_assoc_set_emit: a response that waited for its source. */
static void emit(void *ctx, const uint8_t *data, size_t len)
{
	struct session *s = ctx;
	if (s->gone)
		fail("%s: a response was sent after the client went", s->name);
	buf_put(&s->late, data, len);
}

static void s_init(struct session *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	/* every session starts from the values at load, as every fuzz input */
	memcpy(model->values, snapshot, model->values_size);
	hooks.calls = hooks.deferred = hooks.refused = 0;
	iso_init(&s->cli, true, 0x4001);
	mms_server_init(&s->srv, 65000, 16, 10);
	s->srv.model = model;
	timer_queue_init(&tq);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel };
	s->srv.reports = acsi_reports_new(model, &clk, NULL, NULL);
	if (!s->srv.reports)
		fail("%s: no memory for reporting", name);
	s->srv.controls = acsi_controls_new(model, &clk, NULL);
	if (!s->srv.controls)
		fail("%s: no memory for the controls", name);
	mms_assoc_init(&s->a, 0x0001);
	mms_assoc_set_emit(&s->a, &s->srv, emit, NULL, s);
	buf_init(&s->seed, 0, 0);
	buf_init(&s->out, 0, 0);
	buf_init(&s->srv_out, 0, 0);
	buf_init(&s->answer, 0, 0);
	buf_init(&s->late, 0, 0);
}

/* The client reads TPKTs in[0..len); calls `got` for each data event. */
static void client_read(struct session *s, const struct buf *in,
			void (*got)(struct session *s, const struct iso_event *ev))
{
	const uint8_t *q = buf_data(in);
	struct buf ignored;
	buf_init(&ignored, 0, 0);
	for (size_t off = 0; off < in->len;) {
		size_t n;
		struct iso_event ev;
		struct proto_err err = { 0 };
		if (tpkt_header(q + off, in->len - off, 65535, &n, &err) || n > in->len - off ||
		    iso_input(&s->cli, q + off, n, &ignored, &ev, &err)) {
			fail("%s: client cannot read the answer (%s)", s->name,
			     err.layer ? err.reason : "framing");
			break;
		}
		if (ev.type != ISO_EV_NONE)
			got(s, &ev);
		off += n;
	}
	buf_clear(&ignored);
}

/* The answer to the last request. */
static void got_answer(struct session *s, const struct iso_event *ev)
{
	s->ev = *ev;
	buf_reset(&s->answer, 0);
	if (ev->type == ISO_EV_DATA) {
		buf_put(&s->answer, ev->data, ev->len);
		s->ev.data = buf_data(&s->answer);
	}
}

/* A late answer: Write-Responses, and InformationReports (counted). */
static void got_late(struct session *s, const struct iso_event *ev)
{
	struct mms_pdu p;
	int res[2];
	size_t n;
	if (ev->type == ISO_EV_DATA && !mms_pdu_decode(ev->data, ev->len, &p, NULL) &&
	    p.kind == MMS_UNCONFIRMED) {
		s->reports++;
		return;
	}
	if (ev->type != ISO_EV_DATA || mms_pdu_decode(ev->data, ev->len, &p, NULL) ||
	    p.kind != MMS_CONFIRMED_RESPONSE || p.service != MMS_SVC_WRITE ||
	    mms_client_write_decode(p.body, p.body_len, res, 2, &n, NULL) || n != 1) {
		fail("%s: a late answer is not a Write-Response of one result", s->name);
		return;
	}
	if (s->n_lates == sizeof(s->lates) / sizeof(s->lates[0])) {
		fail("%s: too many late answers", s->name);
		return;
	}
	s->lates[s->n_lates++] = (struct late_answer){ .invoke_id = p.invoke_id, .result = res[0] };
}

/* The sources answer the `which` tickets (fuzz_hooks_answer); the client
 * reads what the association sends for them. */
static size_t sources_answer(struct session *s, enum fuzz_answer which)
{
	size_t n = fuzz_hooks_answer(&hooks, which);
	s->half_answered |= which == FUZZ_ANSWER_HALF;
	client_read(s, &s->late, got_late);
	buf_reset(&s->late, 0);
	return n;
}

/* The Write `invoke_id` was answered later with `result`. */
static void expect_late(struct session *s, uint32_t invoke_id, int result, const char *what)
{
	for (size_t i = 0; i < s->n_lates; i++) {
		if (s->lates[i].invoke_id != invoke_id)
			continue;
		if (s->lates[i].result != result)
			fail("%s: %s: answered later with %d, expected %d", s->name, what,
			     s->lates[i].result, result);
		s->lates[i] = s->lates[--s->n_lates];
		return;
	}
	fail("%s: %s: no late answer", s->name, what);
}

/* Hands what the client wrote (s->out) to the server TPKT by TPKT, and the
 * server's answer to the client. Between TPKTs the sources answer the
 * tickets marked soon, as fuzz_inbound does. */
static void exchange(struct session *s)
{
	const uint8_t *p = buf_data(&s->out);
	size_t off = 0;

	buf_put(&s->seed, p, s->out.len);
	buf_reset(&s->srv_out, 0);
	while (off < s->out.len) {
		size_t n;
		struct proto_err err = { 0 };
		if (tpkt_header(p + off, s->out.len - off, mms_assoc_max_tpkt(&s->a), &n, &err) ||
		    n > s->out.len - off) {
			fail("%s: client output is not framed", s->name);
			break;
		}
		s->last = mms_assoc_input(&s->a, &s->srv, p + off, n, &s->srv_out, &err, NULL, NULL);
		off += n;
		if (s->last < 0 || s->last == MMS_STEP_CLOSE)
			break;
		fuzz_hooks_answer(&hooks, FUZZ_ANSWER_SOON);
	}
	buf_reset(&s->out, 0);

	/* the client reads the answer, then what came later */
	memset(&s->ev, 0, sizeof(s->ev));
	client_read(s, &s->srv_out, got_answer);
	client_read(s, &s->late, got_late);
	buf_reset(&s->late, 0);
}

static void expect(struct session *s, int result, const char *what)
{
	if (s->last != result)
		fail("%s: %s: server returned %d, expected %d", s->name, what, s->last, result);
}

/* Ends the session as fuzz_inbound ends an input: half of the waiting
 * Writes are answered while the association exists (a session that cares
 * has done that and checked the answers), then it is cleared and the
 * sources answer the rest: nothing may be sent then. */
static void s_done(struct session *s, const char *file)
{
	write_seed("inbound", file, &s->seed);
	if (!s->half_answered)
		sources_answer(s, FUZZ_ANSWER_HALF);
	if (s->n_lates)
		fail("%s: %zu late answers nobody expected", s->name, s->n_lates);
	mms_assoc_clear(&s->a);
	s->gone = true;
	fuzz_hooks_answer(&hooks, FUZZ_ANSWER_ALL);
	if (hooks.n)
		fail("%s: tickets left unanswered", s->name);
	iso_clear(&s->cli);
	acsi_controls_free(s->srv.controls);
	acsi_reports_free(s->srv.reports);
	timer_queue_clear(&tq);
	for (uint32_t l = 0; l < model->n_ld; l++) /* what the seed defined in domains */
		for (uint32_t i = model_ld_n_datasets(&model->lds[l]); i-- > 0;)
			if (model_ld_dataset(&model->lds[l], i)->deletable)
				model_dataset_remove(model, model_ld_dataset(&model->lds[l], i));
	mms_server_clear(&s->srv);
	buf_clear(&s->seed);
	buf_clear(&s->out);
	buf_clear(&s->srv_out);
	buf_clear(&s->answer);
	buf_clear(&s->late);
}

static struct mms_initiate initiate_request(void)
{
	struct mms_initiate in = {
		.has_local_detail = true, .local_detail = 65000,
		.max_serv_calling = 10, .max_serv_called = 10,
		.has_nesting = true, .nesting = 10, .version = 1,
		.param_cbb = { 0xF1, 0x00 },
	};
	static const int services[] = { MMS_SVC_STATUS, MMS_SVC_GET_NAME_LIST, MMS_SVC_IDENTIFY,
					MMS_SVC_READ, MMS_SVC_WRITE, MMS_SVC_GET_VAR_ACCESS_ATTR,
					MMS_SVC_GET_NVL_ATTR, MMS_SVCBIT_INFORMATION_REPORT,
					MMS_SVCBIT_CONCLUDE };
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		mms_set_bit(in.services, (unsigned)services[i]);
	return in;
}

static void transport_connect(struct session *s, uint8_t tpdu_code)
{
	iso_connect(&s->cli, tpdu_code, &s->out);
	exchange(s);
	expect(s, MMS_STEP_CONTINUE, "CR");
	if (s->ev.type != ISO_EV_CONNECTED)
		fail("%s: no CC", s->name);
}

static void associate(struct session *s, const struct mms_initiate *req, const char *password,
		      int result)
{
	struct buf m;
	buf_init(&m, 0, 0);
	mms_initiate_encode(&m, false, req);
	iso_associate(&s->cli, password, buf_data(&m), m.len, &s->out);
	buf_clear(&m);
	exchange(s);
	expect(s, result, "associate");
}

/* Sends one MMS PDU built by the caller in `pdu` (ISO_HEADROOM head room). */
static void request(struct session *s, struct buf *pdu, const char *what)
{
	if (pdu->err || iso_send_data(&s->cli, pdu, &s->out))
		fail("%s: cannot send %s", s->name, what);
	exchange(s);
	expect(s, MMS_STEP_CONTINUE, what);
	if (s->ev.type != ISO_EV_DATA)
		fail("%s: %s not answered", s->name, what);
}

/* For requests the seed means to be valid: the answer must not be a Reject
 * (which would say the seed's own encoding is wrong). */
static void request_ok(struct session *s, struct buf *pdu, const char *what)
{
	struct mms_pdu m;
	request(s, pdu, what);
	if (s->ev.type == ISO_EV_DATA &&
	    (mms_pdu_decode(s->ev.data, s->ev.len, &m, NULL) || m.kind == MMS_REJECT))
		fail("%s: %s answered with a Reject", s->name, what);
}

static void request_raw(struct session *s, const void *p, size_t n, const char *what)
{
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	buf_put(&b, p, n);
	request(s, &b, what);
	buf_clear(&b);
}

static void release(struct session *s)
{
	iso_release(&s->cli, &s->out);
	exchange(s);
	expect(s, MMS_STEP_CLOSE, "release");
	if (s->ev.type != ISO_EV_RELEASED)
		fail("%s: release not confirmed", s->name);
}

/* A domain-specific ObjectName. */
static void put_objname(struct buf *b, const char *domain, const char *item)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_str(b, BER_UNIVERSAL, BER_TAG_VisibleString, domain);
	ber_put_str(b, BER_UNIVERSAL, BER_TAG_VisibleString, item);
	ber_end(b, m);
}

/* The body of the response to `service` `invoke_id` that the last request
 * got, or NULL (and a failure) when it got something else. */
static const uint8_t *response(struct session *s, uint32_t invoke_id, uint32_t service,
			       size_t *len, const char *what)
{
	struct mms_pdu p;
	struct mms_client_refusal ref;
	char text[128];

	if (s->ev.type != ISO_EV_DATA || mms_pdu_decode(s->ev.data, s->ev.len, &p, NULL)) {
		fail("%s: %s: no MMS answer", s->name, what);
		return NULL;
	}
	int r = mms_client_check(&p, invoke_id, service, &ref, NULL);
	if (r) {
		fail("%s: %s: %s", s->name, what,
		     r == -EREMOTEIO ? mms_client_refusal_str(&ref, text, sizeof(text)) :
				       "not its response");
		return NULL;
	}
	*len = p.body_len;
	return p.body;
}

/* The last request got an MMS PDU of `kind` (a Reject, a Conclude-Error). */
static void expect_pdu(struct session *s, uint8_t kind, const char *what)
{
	struct mms_pdu p;
	if (s->ev.type != ISO_EV_DATA || mms_pdu_decode(s->ev.data, s->ev.len, &p, NULL) ||
	    p.kind != kind)
		fail("%s: %s: not answered with MMS PDU %u", s->name, what, kind);
}

static void identify(struct session *s, uint32_t id)
{
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_encode_identify_request(&b, id);
	request(s, &b, "Identify");
	buf_clear(&b);
}

static void conclude(struct session *s)
{
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_encode_conclude(&b, false);
	request(s, &b, "Conclude");
	expect_pdu(s, MMS_CONCLUDE_RESPONSE, "Conclude");
	buf_clear(&b);
}

static struct mms_objname objname(const char *domain, const char *item)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(n.domain, sizeof(n.domain), "%s", domain);
	snprintf(n.item, sizeof(n.item), "%s", item);
	return n;
}

/* Sends a Write of one variable with Data data[0..len). */
static void send_write(struct session *s, uint32_t id, const char *item, const struct buf *data,
		       const char *what)
{
	struct mms_objname n = objname("IEDD1BAY", item);
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, id, &n, buf_data(data), data->len);
	if (b.err || data->err || iso_send_data(&s->cli, &b, &s->out))
		fail("%s: cannot send %s", s->name, what);
	buf_clear(&b);
	exchange(s);
	expect(s, MMS_STEP_CONTINUE, what);
}

/* A Write answered at once with `result` (-1 success, else the
 * DataAccessError). */
static void write_now(struct session *s, uint32_t id, const char *item, const struct buf *data,
		      int result, const char *what)
{
	int res[2];
	size_t len, n;
	send_write(s, id, item, data, what);
	const uint8_t *body = response(s, id, MMS_SVC_WRITE, &len, what);
	if (body && (mms_client_write_decode(body, len, res, 2, &n, NULL) || n != 1 ||
		     res[0] != result))
		fail("%s: %s: not answered with result %d", s->name, what, result);
}

/* A Write whose source does not answer at once: no response yet, and
 * `tickets` more tickets taken. */
static void write_waits(struct session *s, uint32_t id, const char *item, const struct buf *data,
			uint32_t tickets, const char *what)
{
	uint32_t before = hooks.deferred;
	send_write(s, id, item, data, what);
	if (s->ev.type != ISO_EV_NONE)
		fail("%s: %s: answered at once", s->name, what);
	if (hooks.deferred - before != tickets)
		fail("%s: %s: %u tickets, expected %u", s->name, what, hooks.deferred - before,
		     tickets);
}

/* An INT32U as MMS Data: unsigned [6]. */
static void data_u32(struct buf *d, uint32_t v)
{
	buf_reset(d, 0);
	ber_put_uint(d, BER_CONTEXT, MMS_TYPE_UNSIGNED, v);
}

static const char *value_text(const char *ref)
{
	static char text[64];
	struct mref r;
	if (model_resolve_ref(model, ref, &r))
		return "(none)";
	model_get_text(model, r.type, r.voff, text, sizeof(text));
	return text;
}

/* The data access requests an IEC 61850 client sends first, on objects of
 * the sample model (etc/sample.icd: LDs IEDD1BAY and IEDD1WTG). */
static void data_access(struct session *s, uint32_t *id)
{
	struct buf b, d;
	struct mms_marks m;
	struct mms_namelist_resp nl;
	struct mms_read_resp rr;
	struct mms_access_result ar;
	struct mms_nvl_attr_resp na;
	struct mms_varspec v;
	char name[MMS_MAX_ITEM + 1];
	const uint8_t *body;
	size_t len, x, y;
	uint32_t n;

	/* GetNameList of the domains (logical devices) */
	buf_init(&b, ISO_HEADROOM, 0);
	struct mms_getnamelist_req q = { .object_class = MMS_CLASS_DOMAIN,
					 .scope = MMS_SCOPE_VMD };
	mms_client_getnamelist_req(&b, *id, &q);
	request_ok(s, &b, "GetNameList (domains)");
	body = response(s, (*id)++, MMS_SVC_GET_NAME_LIST, &len, "GetNameList (domains)");
	n = 0;
	if (body && !mms_client_namelist_decode(body, len, &nl, NULL))
		while (mms_client_namelist_next(&nl, name, NULL) > 0)
			n += !strcmp(name, "IEDD1BAY") || !strcmp(name, "IEDD1WTG");
	if (n != 2)
		fail("%s: GetNameList (domains): not IEDD1BAY and IEDD1WTG", s->name);

	/* GetNameList of the named variables of a domain, continuing after
	 * one (the FC "ST" of LLN0: its data objects follow) */
	buf_reset(&b, ISO_HEADROOM);
	q = (struct mms_getnamelist_req){ .object_class = MMS_CLASS_NAMED_VARIABLE,
					  .scope = MMS_SCOPE_DOMAIN, .domain = "IEDD1BAY",
					  .has_continue_after = true, .continue_after = "LLN0$ST" };
	mms_client_getnamelist_req(&b, *id, &q);
	request_ok(s, &b, "GetNameList (variables)");
	body = response(s, (*id)++, MMS_SVC_GET_NAME_LIST, &len, "GetNameList (variables)");
	if (!body || mms_client_namelist_decode(body, len, &nl, NULL) ||
	    mms_client_namelist_next(&nl, name, NULL) <= 0 || strncmp(name, "LLN0$ST$", 8))
		fail("%s: GetNameList (variables): does not continue inside LLN0$ST", s->name);

	/* ... and after an attribute's parent: the walk resumes in its subtree */
	buf_reset(&b, ISO_HEADROOM);
	q = (struct mms_getnamelist_req){ .object_class = MMS_CLASS_NAMED_VARIABLE,
					  .scope = MMS_SCOPE_DOMAIN, .domain = "IEDD1BAY",
					  .has_continue_after = true,
					  .continue_after = "MMXU1$CF$TotW" };
	mms_client_getnamelist_req(&b, *id, &q);
	request_ok(s, &b, "GetNameList (variables, deep)");
	body = response(s, (*id)++, MMS_SVC_GET_NAME_LIST, &len, "GetNameList (variables, deep)");
	if (!body || mms_client_namelist_decode(body, len, &nl, NULL) ||
	    mms_client_namelist_next(&nl, name, NULL) <= 0 || strncmp(name, "MMXU1$CF$TotW$", 14))
		fail("%s: GetNameList (variables, deep): does not continue inside TotW", s->name);

	/* GetNameList of the data sets of a domain */
	buf_reset(&b, ISO_HEADROOM);
	q = (struct mms_getnamelist_req){ .object_class = MMS_CLASS_NAMED_VARIABLE_LIST,
					  .scope = MMS_SCOPE_DOMAIN, .domain = "IEDD1BAY" };
	mms_client_getnamelist_req(&b, *id, &q);
	request_ok(s, &b, "GetNameList (data sets)");
	body = response(s, (*id)++, MMS_SVC_GET_NAME_LIST, &len, "GetNameList (data sets)");
	if (!body || mms_client_namelist_decode(body, len, &nl, NULL) || nl.count != 2)
		fail("%s: GetNameList (data sets): not the two of IEDD1BAY", s->name);

	/* GetVariableAccessAttributes of a logical node */
	buf_reset(&b, ISO_HEADROOM);
	struct mms_objname on = objname("IEDD1BAY", "MMXU1");
	mms_client_gvaa_req(&b, *id, &on);
	request_ok(s, &b, "GetVariableAccessAttributes");
	response(s, (*id)++, MMS_SVC_GET_VAR_ACCESS_ATTR, &len, "GetVariableAccessAttributes");

	/* Read of one attribute, and of a component with alternate access */
	buf_reset(&b, ISO_HEADROOM);
	on = objname("IEDD1BAY", "LLN0$ST$Mod$stVal");
	mms_client_read_req(&b, *id, &on, 1);
	request_ok(s, &b, "Read");
	body = response(s, (*id)++, MMS_SVC_READ, &len, "Read");
	if (!body || mms_client_read_decode(body, len, &rr, NULL) ||
	    mms_client_read_next(&rr, &ar, NULL) <= 0 || ar.failure != -1)
		fail("%s: Read: LLN0$ST$Mod$stVal not read", s->name);

	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, *id, MMS_SVC_READ, &m);
	ber_put_bool(&b, BER_CONTEXT, 0, true); /* specificationWithResult */
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	size_t ml = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	size_t ms = ber_begin(&b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t mn = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	put_objname(&b, "IEDD1BAY", "MMXU1$MX");
	ber_end(&b, mn);
	/* alternateAccess: selectAlternateAccess { component TotW, { component mag } } */
	y = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 5);
	size_t mc = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_str(&b, BER_CONTEXT, 0, "TotW");
	size_t mi = ber_begin(&b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_str(&b, BER_CONTEXT, 1, "mag");
	ber_end(&b, mi);
	ber_end(&b, mc);
	ber_end(&b, y);
	ber_end(&b, ms);
	ber_end(&b, ml);
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "Read (alternate access)");
	body = response(s, (*id)++, MMS_SVC_READ, &len, "Read (alternate access)");
	if (!body || mms_client_read_decode(body, len, &rr, NULL) ||
	    mms_client_read_next(&rr, &ar, NULL) <= 0 || ar.failure != -1 ||
	    ar.data[0] != (BER_CONTEXT | BER_CONSTRUCTED | MMS_TYPE_STRUCTURE))
		fail("%s: Read (alternate access): MMXU1$MX TotW.mag not read", s->name);

	/* Read of a whole logical node: every FC, most basic types */
	buf_reset(&b, ISO_HEADROOM);
	on = objname("IEDD1BAY", "XCBR1");
	mms_client_read_req(&b, *id, &on, 1);
	request_ok(s, &b, "Read (LN)");
	body = response(s, (*id)++, MMS_SVC_READ, &len, "Read (LN)");
	if (!body || mms_client_read_decode(body, len, &rr, NULL) ||
	    mms_client_read_next(&rr, &ar, NULL) <= 0 || ar.failure != -1)
		fail("%s: Read (LN): XCBR1 not read", s->name);

	/* Read of a data set: its five members */
	buf_reset(&b, ISO_HEADROOM);
	on = objname("IEDD1BAY", "LLN0$dsMeas");
	mms_client_read_nvl_req(&b, *id, &on);
	request_ok(s, &b, "Read (data set)");
	body = response(s, (*id)++, MMS_SVC_READ, &len, "Read (data set)");
	n = 0;
	if (body && !mms_client_read_decode(body, len, &rr, NULL))
		while (mms_client_read_next(&rr, &ar, NULL) > 0)
			n += ar.failure == -1;
	if (n != 5)
		fail("%s: Read (data set): %u of the 5 members of LLN0$dsMeas read", s->name, n);

	/* Write of a configuration attribute (INT32U); its hook defers, and
	 * the source answers success right after the TPKT (fuzz_hooks.h) */
	buf_init(&d, 0, 0);
	data_u32(&d, 1001);
	write_waits(s, *id, "MMXU1$CF$TotW$db", &d, 1, "Write");
	expect_late(s, (*id)++, -1, "Write");
	if (strcmp(value_text("BAY/MMXU1.TotW.db[CF]"), "1001"))
		fail("%s: Write: the model does not hold the value written", s->name);

	/* Write of a status attribute: refused (IEC 61850-7-2 §6.2.1) */
	buf_reset(&d, 0);
	static const uint8_t on_bits[1] = { 0x80 };
	ber_put_bitstring(&d, BER_CONTEXT, MMS_TYPE_BIT_STRING, on_bits, 2);
	write_now(s, *id, "XCBR1$ST$Pos$stVal", &d, MMS_DAE_OBJECT_ACCESS_DENIED,
		  "Write (ST)");
	(*id)++;
	/* Write of a value of the wrong type: an Enum written as a boolean */
	buf_reset(&d, 0);
	ber_put_bool(&d, BER_CONTEXT, MMS_TYPE_BOOLEAN, true);
	write_now(s, *id, "XCBR1$CF$Pos$ctlModel", &d, MMS_DAE_TYPE_INCONSISTENT,
		  "Write (type)");
	(*id)++;
	buf_clear(&d);

	/* GetNamedVariableListAttributes: the four members of dsStatus */
	buf_reset(&b, ISO_HEADROOM);
	on = objname("IEDD1BAY", "LLN0$dsStatus");
	mms_client_nvl_attr_req(&b, *id, &on);
	request_ok(s, &b, "GetNamedVariableListAttributes");
	body = response(s, (*id)++, MMS_SVC_GET_NVL_ATTR, &len, "GetNamedVariableListAttributes");
	n = 0;
	if (body && !mms_client_nvl_attr_decode(body, len, &na, NULL))
		while (mms_varlist_next(&na.vars, &v, NULL) > 0)
			n++;
	if (n != 4)
		fail("%s: GetNamedVariableListAttributes: %u members, expected 4", s->name, n);
	buf_clear(&b);
}

/* Writes to the hooked attributes (fuzz_hooks.h) that wait for their
 * sources, requests while they wait, and answers in and out of order. */
static void write_deferred(struct session *s)
{
	struct buf d;
	buf_init(&d, 0, 0);

	/* 4000: waits, success when the input has been fed */
	data_u32(&d, 4000);
	write_waits(s, 1, "MMXU1$CF$TotW$db", &d, 1, "Write db");
	/* 2001: waits, hardware-fault right after its TPKT */
	data_u32(&d, 2001);
	write_waits(s, 2, "MMXU1$CF$TotW$zeroDb", &d, 1, "Write zeroDb");
	expect_late(s, 2, MMS_DAE_HARDWARE_FAULT, "Write zeroDb");
	/* the whole MMXU1$CF$TotW as read: two hooked attributes in one
	 * value, one write waiting for two answers (db 1000: success, zeroDb
	 * 500: temporarily-unavailable) */
	struct mref r, u;
	buf_reset(&d, 0);
	if (model_resolve_mms(model, "IEDD1BAY", "MMXU1$CF$TotW", &r) ||
	    model_resolve_ref(model, "BAY/MMXU1.TotW.units.SIUnit[CF]", &u)) {
		fail("%s: no MMXU1$CF$TotW", s->name);
	} else {
		/* with a unit: the sample sets none, and the 0 the model then
		 * holds is no member of SIUnitKind (a write of it is refused,
		 * object-value-invalid) */
		uint8_t old[sizeof(int32_t)];
		memcpy(old, model->values + u.voff, sizeof(old));
		if (model_set_text(model, u.type, u.voff, "W"))
			fail("%s: SIUnit W", s->name);
		model_encode_data(model, r.type, r.voff, &d);
		memcpy(model->values + u.voff, old, sizeof(old));
	}
	write_waits(s, 3, "MMXU1$CF$TotW", &d, 2, "Write TotW");
	/* a string the source refuses at once: temporarily-unavailable */
	buf_reset(&d, 0);
	ber_put_str(&d, BER_CONTEXT, MMS_TYPE_VISIBLE_STRING, "Bay Q01");
	write_now(s, 4, "LLN0$DC$NamPlt$d", &d, MMS_DAE_TEMPORARILY_UNAVAILABLE, "Write d");
	/* the invokeID of a waiting Write: Reject invalid-invokeID */
	data_u32(&d, 4000);
	send_write(s, 1, "MMXU1$CF$TotW$db", &d, "Write (invokeID in use)");
	expect_pdu(s, MMS_REJECT, "Write (invokeID in use)");
	buf_clear(&d);

	/* ISO 9506-1 §8.4: no Conclude while requests are outstanding */
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_encode_conclude(&b, false);
	request(s, &b, "Conclude (Writes waiting)");
	expect_pdu(s, MMS_CONCLUDE_ERROR, "Conclude (Writes waiting)");
	buf_clear(&b);
	/* other requests are served meanwhile */
	identify(s, 5);

	/* half of the rest while the client is there, newest first: zeroDb of
	 * the TotW write (not its last answer yet), and db: success */
	if (sources_answer(s, FUZZ_ANSWER_HALF) != 2)
		fail("%s: not two tickets answered", s->name);
	expect_late(s, 1, -1, "Write db");
	if (strcmp(value_text("BAY/MMXU1.TotW.db[CF]"), "4000"))
		fail("%s: Write db: the model does not hold the value written", s->name);
	/* the TotW write's db is answered after the client went (s_done) */
	if (hooks.n != 1)
		fail("%s: %zu tickets left, expected 1", s->name, hooks.n);
}

static void data_bool(struct buf *d, bool v)
{
	buf_reset(d, 0);
	ber_put_bool(d, BER_CONTEXT, MMS_TYPE_BOOLEAN, v);
}

static void data_str(struct buf *d, const char *v)
{
	buf_reset(d, 0);
	ber_put_str(d, BER_CONTEXT, MMS_TYPE_VISIBLE_STRING, v);
}

static void data_bits(struct buf *d, const uint8_t *bits, size_t n)
{
	buf_reset(d, 0);
	ber_put_bitstring(d, BER_CONTEXT, MMS_TYPE_BIT_STRING, bits, n);
}

/* DefineNamedVariableList of `name` in scope with members of IEDD1BAY. */
static void define_nvl(struct session *s, uint32_t id, uint8_t scope, const char *name,
		       const char *const *items, uint32_t n, bool ok)
{
	struct mms_objname on = objname("IEDD1BAY", name);
	on.scope = scope;
	struct mms_varspec v[4];
	memset(v, 0, sizeof(v));
	for (uint32_t i = 0; i < n && i < 4; i++)
		v[i].name = objname("IEDD1BAY", items[i]);
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_definenvl_req_encode(&b, id, &on, v, n);
	if (b.err || iso_send_data(&s->cli, &b, &s->out))
		fail("%s: cannot send DefineNamedVariableList", s->name);
	buf_clear(&b);
	exchange(s);
	expect(s, MMS_STEP_CONTINUE, "DefineNamedVariableList");
	struct mms_pdu p;
	if (s->ev.type != ISO_EV_DATA || mms_pdu_decode(s->ev.data, s->ev.len, &p, NULL) ||
	    (p.kind == MMS_CONFIRMED_RESPONSE) != ok)
		fail("%s: DefineNamedVariableList %s: not answered as expected", s->name, name);
}

/* Reporting: RCB configuration and enable, GI, a change, a client's data
 * sets, a BRCB's EntryID and PurgeBuf. */
/* An Oper/SBOw (check) or Cancel (no Check) of the sample's DPCOperate. */
static void data_oper(struct buf *d, bool val, uint8_t ctl_num, bool check)
{
	static const uint8_t T[8] = { 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 0x0A };
	buf_reset(d, 0);
	mms_ctl_bool_cmd_encode(d, val, 3, "seed", ctl_num, T, false, check ? 0 : -1);
}

/* The control model (acsi/control.c): direct operate, SBOw then Oper
 * (enhanced security, waiting for the status), a refused Oper with its
 * LastApplError, Cancel with nothing selected. */
static void control(struct session *s, uint32_t *id)
{
	struct buf d;
	buf_init(&d, 0, 0);
	uint32_t before = s->reports;
	data_oper(&d, false, 1, true);
	write_now(s, (*id)++, "XSWI1$CO$Pos$Oper", &d, MMS_DAE_SUCCESS, "direct Oper");
	write_now(s, (*id)++, "XCBR1$CO$Pos$Oper", &d, MMS_DAE_TEMPORARILY_UNAVAILABLE,
		  "Oper not selected");
	if (s->reports - before != 1)
		fail("%s: %u reports for a refused Oper, expected 1 (LastApplError)", s->name,
		     s->reports - before);
	write_now(s, (*id)++, "XCBR1$CO$Pos$SBOw", &d, MMS_DAE_SUCCESS, "SBOw");
	write_now(s, (*id)++, "XCBR1$CO$Pos$Oper", &d, MMS_DAE_SUCCESS, "Oper after SBOw");
	data_oper(&d, true, 2, false);
	write_now(s, (*id)++, "XSWI1$CO$Pos$Cancel", &d, MMS_DAE_TEMPORARILY_UNAVAILABLE,
		  "Cancel with nothing selected");
	buf_clear(&d);
}

static void reporting(struct session *s, uint32_t *id)
{
	struct buf d;
	buf_init(&d, 0, 0);
	static const char *const mem[] = { "LLN0$CF$Mod$ctlModel", "MMXU1$MX$Hz" };
	define_nvl(s, (*id)++, MMS_SCOPE_AA, "mine", mem, 2, true);
	define_nvl(s, (*id)++, MMS_SCOPE_AA, "mine", mem, 2, false);
	define_nvl(s, (*id)++, MMS_SCOPE_DOMAIN, "LLN0$persist", mem, 1, true);
	data_bool(&d, true);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$Resv", &d, MMS_DAE_SUCCESS, "Resv");
	data_str(&d, "@mine");
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$DatSet", &d, MMS_DAE_SUCCESS, "DatSet");
	static const uint8_t opt[2] = { 0x7F, 0xC0 }, trg[1] = { 0x7C };
	data_bits(&d, opt, 10);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$OptFlds", &d, MMS_DAE_SUCCESS, "OptFlds");
	data_bits(&d, trg, 6);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$TrgOps", &d, MMS_DAE_SUCCESS, "TrgOps");
	data_u32(&d, 0);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$BufTm", &d, MMS_DAE_SUCCESS, "BufTm");
	data_u32(&d, 1000);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$IntgPd", &d, MMS_DAE_SUCCESS, "IntgPd");
	data_bool(&d, true);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$RptEna", &d, MMS_DAE_SUCCESS, "RptEna");
	uint32_t before = s->reports;
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$GI", &d, MMS_DAE_SUCCESS, "GI");
	/* a change of a member: ctlModel is CF, dchg */
	buf_reset(&d, 0);
	ber_put_int(&d, BER_CONTEXT, MMS_TYPE_INTEGER, 2);
	write_now(s, (*id)++, "LLN0$CF$Mod$ctlModel", &d, MMS_DAE_SUCCESS, "ctlModel");
	if (s->reports - before != 2)
		fail("%s: %u reports for a GI and a change, expected 2", s->name,
		     s->reports - before);
	data_u32(&d, 5);
	write_now(s, (*id)++, "LLN0$RP$urcbMeas01$IntgPd", &d, MMS_DAE_TEMPORARILY_UNAVAILABLE,
		  "IntgPd while enabled");
	/* a BRCB */
	static const uint8_t entry[8] = { 0 };
	buf_reset(&d, 0);
	ber_put_raw(&d, BER_CONTEXT, MMS_TYPE_OCTET_STRING, entry, 8);
	write_now(s, (*id)++, "LLN0$BR$brcbStatus01$EntryID", &d, MMS_DAE_SUCCESS, "EntryID");
	data_bool(&d, true);
	write_now(s, (*id)++, "LLN0$BR$brcbStatus01$PurgeBuf", &d, MMS_DAE_SUCCESS, "PurgeBuf");
	write_now(s, (*id)++, "LLN0$BR$brcbStatus01$RptEna", &d, MMS_DAE_SUCCESS, "BRCB RptEna");
	write_now(s, (*id)++, "LLN0$BR$brcbStatus01$GI", &d, MMS_DAE_SUCCESS, "BRCB GI");
	buf_clear(&d);
}

static void inbound_seeds(void)
{
	struct session s;
	struct mms_initiate req = initiate_request();
	uint32_t id = 1;

	s_init(&s, "cr");
	transport_connect(&s, 11);
	s_done(&s, "cr");

	/* libiec61850's CR: TPDU size 8192, TSAP parameters in the other order */
	static const uint8_t cr_iec[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00,
					  0x00, 0x01, 0x00, 0xC0, 0x01, 0x0D, 0xC2, 0x02,
					  0x00, 0x01, 0xC1, 0x02, 0x00, 0x01 };
	s_init(&s, "cr-libiec61850");
	buf_put(&s.out, cr_iec, sizeof(cr_iec));
	exchange(&s);
	expect(&s, MMS_STEP_CONTINUE, "CR");
	s_done(&s, "cr-libiec61850");

	s_init(&s, "associate");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	s_done(&s, "associate");

	s_init(&s, "identify-conclude-release");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	identify(&s, 1);
	conclude(&s);
	release(&s);
	s_done(&s, "identify-conclude-release");

	/* 128-octet TPDUs: the AARQ and a 600-octet request are segmented */
	s_init(&s, "segmented");
	transport_connect(&s, 7);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	uint8_t big[14 + 600] = { 0xA0, 0x82, 0x02, 0x62, 0x02, 0x03, 0x01, 0x23, 0x45,
				  0x9F, 0x64, 0x82, 0x02, 0x58 };
	memset(big + 14, 0x5A, 600);
	request_raw(&s, big, sizeof(big), "segmented request");
	identify(&s, 2);
	release(&s);
	s_done(&s, "segmented");

	s_init(&s, "data-access");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	identify(&s, id++);
	data_access(&s, &id);
	conclude(&s);
	release(&s);
	s_done(&s, "data-access");

	s_init(&s, "reporting");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	reporting(&s, &id);
	conclude(&s);
	release(&s);
	s_done(&s, "reporting");

	s_init(&s, "control");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	control(&s, &id);
	conclude(&s);
	release(&s);
	s_done(&s, "control");

	s_init(&s, "write-deferred");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	write_deferred(&s);
	s_done(&s, "write-deferred");

	s_init(&s, "password");
	transport_connect(&s, 10);
	associate(&s, &req, "secret", MMS_STEP_ASSOCIATED);
	identify(&s, 9);
	s_done(&s, "password");

	/* requests the server rejects or answers with errors */
	s_init(&s, "rejects");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	static const uint8_t unknown_tag[] = { 0xA0, 0x06, 0x02, 0x01, 0x09, 0x9F, 0x64, 0x00 };
	static const uint8_t rename[] = { 0xA0, 0x07, 0x02, 0x01, 0x0B, 0xA3, 0x02, 0x05, 0x00 };
	static const uint8_t neg_id[] = { 0xA0, 0x05, 0x02, 0x01, 0xFF, 0x82, 0x00 };
	static const uint8_t modifier[] = { 0xA0, 0x07, 0x02, 0x01, 0x0B, 0x30, 0x00, 0x82, 0x00 };
	static const uint8_t response[] = { 0xA1, 0x05, 0x02, 0x01, 0x0D, 0x82, 0x00 };
	static const uint8_t tag14[] = { 0xAE, 0x00 };
	request_raw(&s, unknown_tag, sizeof(unknown_tag), "unknown service");
	request_raw(&s, rename, sizeof(rename), "Rename");
	request_raw(&s, neg_id, sizeof(neg_id), "negative invokeID");
	request_raw(&s, modifier, sizeof(modifier), "modifier");
	request_raw(&s, response, sizeof(response), "confirmed response");
	request_raw(&s, tag14, sizeof(tag14), "PDU tag 14");
	s_done(&s, "rejects");

	/* an Initiate the server refuses */
	s_init(&s, "initiate-error");
	transport_connect(&s, 11);
	struct mms_initiate bad = req;
	bad.max_serv_calling = 0;
	associate(&s, &bad, NULL, -EBADMSG);
	if (s.ev.type != ISO_EV_REFUSED)
		fail("initiate-error: not refused");
	s_done(&s, "initiate-error");

	/* the client aborts an association */
	s_init(&s, "abort");
	transport_connect(&s, 11);
	associate(&s, &req, NULL, MMS_STEP_ASSOCIATED);
	iso_abort(&s.cli, &s.out);
	exchange(&s);
	expect(&s, MMS_STEP_CLOSE, "abort");
	s_done(&s, "abort");
}

/* ---- BER seeds ---- */

static void ber_seeds(void)
{
	struct buf b, u;
	struct mms_initiate req = initiate_request();

	buf_init(&b, 0, 0);
	buf_init(&u, 0, 0);

	mms_initiate_encode(&u, false, &req);
	write_seed("ber", "initiate-request", &u);
	acse_encode_aarq(&b, "secret", PRES_CTX_MMS, buf_data(&u), u.len);
	write_seed("ber", "aarq", &b);
	buf_reset(&u, 0);
	pres_encode_cp(&u, buf_data(&b), b.len);
	write_seed("ber", "cp-type", &u);

	buf_reset(&b, 0);
	struct mms_identify id = { .vendor = "iedd", .model = "software IED", .revision = "0" };
	mms_encode_identify_response(&b, 0x12345678, &id);
	write_seed("ber", "identify-response", &b);

	buf_reset(&b, 0);
	mms_encode_confirmed_error(&b, 7, MMS_ERR_SERVICE, MMS_SERVICE_OTHER);
	write_seed("ber", "confirmed-error", &b);

	/* every primitive kind the getters read, in one SEQUENCE */
	buf_reset(&b, 0);
	static const uint32_t oid[] = { 1, 0, 9506, 2, 3 };
	static const uint8_t bits[2] = { 0xF1, 0x00 };
	struct ber_utctime t = { .secs = 0x5F000000u, .frac = 0x800000, .quality = 0x0A };
	size_t m = ber_begin(&b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_int(&b, BER_UNIVERSAL, BER_TAG_INTEGER, INT64_MIN);
	ber_put_int(&b, BER_UNIVERSAL, BER_TAG_INTEGER, -129);
	ber_put_uint(&b, BER_UNIVERSAL, BER_TAG_INTEGER, UINT64_MAX);
	ber_put_bool(&b, BER_UNIVERSAL, BER_TAG_BOOLEAN, true);
	ber_put_bitstring(&b, BER_UNIVERSAL, BER_TAG_BIT_STRING, bits, 11);
	ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, oid, 5);
	ber_put_str(&b, BER_UNIVERSAL, BER_TAG_VisibleString, "LLN0$ST$Mod$stVal");
	ber_put_float32(&b, BER_CONTEXT, 7, 1.5f);
	ber_put_float64(&b, BER_CONTEXT, 7, -2.25);
	ber_put_utctime(&b, BER_CONTEXT, 17, &t);
	ber_put_raw(&b, BER_CONTEXT, 12, "\x00\x00\x03\xE8\x01\x02", 6); /* BinaryTime */
	ber_put_null(&b, BER_CONTEXT, 0x0FFFFFFF);			   /* widest tag */
	ber_end(&b, m);
	write_seed("ber", "primitives", &b);

	/* nesting to BER_MAX_DEPTH */
	buf_reset(&b, 0);
	size_t marks[BER_MAX_DEPTH];
	for (int i = 0; i < BER_MAX_DEPTH; i++)
		marks[i] = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, (uint32_t)(i % 3));
	ber_put_int(&b, BER_CONTEXT, 0, 1);
	for (int i = BER_MAX_DEPTH - 1; i >= 0; i--)
		ber_end(&b, marks[i]);
	write_seed("ber", "deep", &b);

	/* a long length (two octets) */
	buf_reset(&b, 0);
	static uint8_t filler[300];
	ber_put_raw(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, filler, sizeof(filler));
	write_seed("ber", "long-length", &b);

	if (b.err || u.err)
		fail("BER seeds: encoder error");
	buf_clear(&b);
	buf_clear(&u);
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	const char *sub[] = { "", "/inbound", "/ber" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", outdir, sub[i]);
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "make_seeds: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	char err[512];
	if (model_load_scl_mem("sample.icd", embedded_sample_icd, embedded_sample_icd_len, NULL,
			       &model, err, sizeof(err))) {
		fprintf(stderr, "make_seeds: %s\n", err);
		return 1;
	}
	snapshot = malloc(model->values_size);
	if (!snapshot || fuzz_hooks_install(&hooks, model)) {
		fprintf(stderr, "make_seeds: cannot hook the sample model\n");
		return 1;
	}
	memcpy(snapshot, model->values, model->values_size);
	inbound_seeds();
	ber_seeds();
	model_set_write_hooks(model, NULL);
	model_free(model);
	free(snapshot);
	return failures ? 1 : 0;
}
