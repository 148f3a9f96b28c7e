/* SPDX-License-Identifier: Apache-2.0 */
/* iedc control (tools/iedc/control.c) against a scripted server on a
 * loopback socket: a thread that speaks the real ISO stack (daemon/proto)
 * and answers from a script, so each ctlModel's sequence (SBO read, SBOw,
 * Oper, Cancel, the wait for CommandTermination), a LastApplError that
 * overtakes the negative Write response, CommandTermination+ and -, the
 * timeout, and the Oper structure built from the server's type are checked
 * without a server control model. Each test forks (CK_FORK). */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ber.h"
#include "iedc.h"
#include "mms_access.h"
#include "mms_control.h"
#include "testutil.h"

#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

enum ctlval_kind { CV_BOOL, CV_INT32, CV_TCMD, CV_ANALOGUE };

struct fake {
	int lfd, fd;
	uint16_t port;
	pthread_t th;
	char log[8192];		/* "read LN$CF$DO$ctlModel;write LN$CO$DO$Oper=[...];" */
	int ctl_model;
	int ctlval;		/* enum ctlval_kind */
	bool oper_tm;		/* the Oper type has operTm */
	const char *sbo;	/* the SBO read's value */
	int refuse_dae;		/* answer the Write of `refuse_var` with this DataAccessError... */
	const char *refuse_var;
	int add_cause;		/* ...after a LastApplError with this AddCause */
	int termination;	/* after Oper+: 0 none, 1 positive, 2 negative (AddCause 16) */
};

static void put_tpkts(struct fake *f, struct buf *out)
{
	size_t off = 0;
	while (off < out->len) {
		ssize_t n = send(f->fd, buf_data(out) + off, out->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
	buf_reset(out, 0);
}

static void send_pdu(struct fake *f, struct iso_conn *iso, struct buf *pdu)
{
	struct buf out;
	buf_init(&out, 0, 0);
	ck_assert_int_eq(iso_send_data(iso, pdu, &out), 0);
	put_tpkts(f, &out);
	buf_clear(&out);
}

static void logf_(struct fake *f, const char *fmt, const char *a, const char *b)
{
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof(f->log) - l, fmt, a, b);
}

/* ---- TypeSpecification ---- */

static void comp_begin(struct buf *b, const char *name, size_t *c, size_t *t)
{
	*c = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_str(b, BER_CONTEXT, 0, name);
	*t = ber_begin(b, CTXC, 1);
}

static void comp_end(struct buf *b, size_t c, size_t t)
{
	ber_end(b, t);
	ber_end(b, c);
}

static void basic(struct buf *b, const char *name, int tag, int size)
{
	size_t c, t;
	comp_begin(b, name, &c, &t);
	if (tag == MMS_TYPE_BOOLEAN || tag == MMS_TYPE_UTC_TIME) {
		ber_put_null(b, BER_CONTEXT, (uint32_t)tag);
	} else if (tag == MMS_TYPE_FLOAT) {
		size_t fl = ber_begin(b, CTXC, MMS_TYPE_FLOAT);
		ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, 32);
		ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, 8);
		ber_end(b, fl);
	} else {
		ber_put_int(b, BER_CONTEXT, (uint32_t)tag, size);
	}
	comp_end(b, c, t);
}

static size_t struct_begin(struct buf *b, size_t *list)
{
	size_t s = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
	*list = ber_begin(b, CTXC, 1);
	return s;
}

static void struct_end(struct buf *b, size_t s, size_t list)
{
	ber_end(b, list);
	ber_end(b, s);
}

/* Oper/SBOw (check) or Cancel (no Check): IEC 61850-8-1 §20 */
static void oper_type(const struct fake *f, struct buf *b, bool check)
{
	size_t l, s = struct_begin(b, &l), c, t, l2, s2;
	switch (f->ctlval) {
	case CV_BOOL:
		basic(b, "ctlVal", MMS_TYPE_BOOLEAN, 0);
		break;
	case CV_INT32:
		basic(b, "ctlVal", MMS_TYPE_INTEGER, 32);
		break;
	case CV_TCMD:
		basic(b, "ctlVal", MMS_TYPE_BIT_STRING, 2);
		break;
	case CV_ANALOGUE:
		comp_begin(b, "ctlVal", &c, &t);
		s2 = struct_begin(b, &l2);
		basic(b, "f", MMS_TYPE_FLOAT, 0);
		struct_end(b, s2, l2);
		comp_end(b, c, t);
		break;
	}
	if (f->oper_tm)
		basic(b, "operTm", MMS_TYPE_UTC_TIME, 0);
	comp_begin(b, "origin", &c, &t);
	s2 = struct_begin(b, &l2);
	basic(b, "orCat", MMS_TYPE_INTEGER, 8);
	basic(b, "orIdent", MMS_TYPE_OCTET_STRING, -64);
	struct_end(b, s2, l2);
	comp_end(b, c, t);
	basic(b, "ctlNum", MMS_TYPE_UNSIGNED, 8);
	basic(b, "T", MMS_TYPE_UTC_TIME, 0);
	basic(b, "Test", MMS_TYPE_BOOLEAN, 0);
	if (check)
		basic(b, "Check", MMS_TYPE_BIT_STRING, -2);
	struct_end(b, s, l);
}

/* ---- the reports ---- */

static void name_seq(struct buf *b, const struct mms_objname *on)
{
	size_t q = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t n = ber_begin(b, CTXC, 0);
	mms_objname_encode(b, on);
	ber_end(b, n);
	ber_end(b, q);
}

static void lae_value(struct buf *b, const char *cntrl, int add_cause)
{
	size_t s = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
	ber_put_str(b, BER_CONTEXT, MMS_TYPE_VISIBLE_STRING, cntrl);
	ber_put_int(b, BER_CONTEXT, MMS_TYPE_INTEGER, 1);	/* Error: Unknown */
	size_t o = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
	ber_put_int(b, BER_CONTEXT, MMS_TYPE_INTEGER, 3);
	ber_put_raw(b, BER_CONTEXT, MMS_TYPE_OCTET_STRING, "op", 2);
	ber_end(b, o);
	ber_put_uint(b, BER_CONTEXT, MMS_TYPE_UNSIGNED, 42);
	ber_put_int(b, BER_CONTEXT, MMS_TYPE_INTEGER, add_cause);
	ber_end(b, s);
}

/* An InformationReport of LastApplError (lae), the Oper (oper, its value
 * data[len]) or both. */
static void send_ctl_report(struct fake *f, struct iso_conn *iso, const char *cntrl,
			    int add_cause, const struct mms_objname *oper, const uint8_t *data,
			    size_t len)
{
	struct buf b;
	struct mms_objname lae = { .scope = MMS_SCOPE_VMD, .item = "LastApplError" };
	buf_init(&b, ISO_HEADROOM, 0);
	size_t u = ber_begin(&b, CTXC, MMS_UNCONFIRMED);
	size_t ir = ber_begin(&b, CTXC, 0);
	size_t l = ber_begin(&b, CTXC, 0);
	if (cntrl)
		name_seq(&b, &lae);
	if (oper)
		name_seq(&b, oper);
	ber_end(&b, l);
	l = ber_begin(&b, CTXC, 0);
	if (cntrl)
		lae_value(&b, cntrl, add_cause);
	if (oper)
		buf_put(&b, data, len);
	ber_end(&b, l);
	ber_end(&b, ir);
	ber_end(&b, u);
	ck_assert_int_eq(b.err, 0);
	send_pdu(f, iso, &b);
	buf_clear(&b);
}

static void answer(struct fake *f, struct iso_conn *iso, const struct mms_pdu *p)
{
	struct buf b, td;
	struct mms_objname on;
	struct mms_marks m;
	size_t list;

	buf_init(&b, ISO_HEADROOM, 0);
	buf_init(&td, 0, 0);
	switch (p->service) {
	case MMS_SVC_GET_VAR_ACCESS_ATTR: {
		ck_assert_int_eq(mms_gvaa_req_decode(p->body, p->body_len, &on, NULL), 0);
		logf_(f, "type %s%s;", on.item, "");
		const char *var = strrchr(on.item, '$') + 1;
		if (!strcmp(var, "Oper") || !strcmp(var, "SBOw") || !strcmp(var, "Cancel")) {
			oper_type(f, &td, strcmp(var, "Cancel"));
			mms_gvaa_resp_encode(&b, p->invoke_id, buf_data(&td), td.len);
		} else {
			mms_encode_confirmed_error(&b, p->invoke_id, MMS_ERR_ACCESS,
						   MMS_ACCESS_OBJECT_NON_EXISTENT);
		}
		break;
	}
	case MMS_SVC_READ: {
		struct mms_read_req q;
		struct mms_varspec v;
		ck_assert_int_eq(mms_read_req_decode(p->body, p->body_len, &q, NULL), 0);
		ck_assert_int_eq(mms_varlist_next(&q.vas, &v, NULL), 1);
		logf_(f, "read %s%s;", v.name.item, "");
		const char *var = strrchr(v.name.item, '$') + 1;
		if (!strcmp(var, "SBO") && !f->sbo[0])
			send_ctl_report(f, iso, "LD/GGIO1$CO$SPCSO1$SBO", f->add_cause, NULL, NULL, 0);
		mms_read_resp_begin(&b, p->invoke_id, NULL, 0, &m, &list);
		if (!strcmp(var, "ctlModel"))
			ber_put_int(&b, BER_CONTEXT, MMS_TYPE_INTEGER, f->ctl_model);
		else
			ber_put_str(&b, BER_CONTEXT, MMS_TYPE_VISIBLE_STRING, f->sbo);
		mms_read_resp_end(&b, &m, list);
		break;
	}
	case MMS_SVC_WRITE: {
		struct mms_write_req w;
		struct mms_varspec v;
		struct ber_tlv t;
		ck_assert_int_eq(mms_write_req_decode(p->body, p->body_len, &w, NULL), 0);
		ck_assert_int_eq(mms_varlist_next(&w.vas, &v, NULL), 1);
		ck_assert_int_eq(ber_next(&w.data, &t, NULL), 0);
		const uint8_t *data = t.start;
		size_t len = (size_t)(t.val + t.len - t.start);
		ck_assert_int_eq(mms_data_format(&td, data, len, NULL, MMS_FMT_JSON, NULL), 0);
		buf_put(&td, "", 1);
		const char *var = strrchr(v.name.item, '$') + 1;
		logf_(f, "write %s=%s;", var, (const char *)buf_data(&td));
		bool refuse = f->refuse_var && !strcmp(var, f->refuse_var);
		char cntrl[200];
		snprintf(cntrl, sizeof(cntrl), "%s/%s", v.name.domain, v.name.item);
		/* IEC 61850-8-1 §20: LastApplError before the negative response */
		if (refuse)
			send_ctl_report(f, iso, cntrl, f->add_cause, NULL, NULL, 0);
		mms_write_resp_begin(&b, p->invoke_id, &m);
		mms_write_result(&b, refuse ? f->refuse_dae : MMS_DAE_SUCCESS);
		mms_write_resp_end(&b, &m);
		send_pdu(f, iso, &b);
		buf_reset(&b, ISO_HEADROOM);
		if (!refuse && !strcmp(var, "Oper") && f->termination)
			send_ctl_report(f, iso, f->termination == 2 ? cntrl : NULL, 16, &v.name, data,
					len);
		break;
	}
	default:
		ck_abort_msg("unexpected service %u", p->service);
	}
	if (b.len)
		send_pdu(f, iso, &b);
	buf_clear(&b);
	buf_clear(&td);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	struct iso_conn iso;
	struct buf out;
	static uint8_t rb[70000];
	size_t rl = 0;

	f->fd = accept(f->lfd, NULL, NULL);
	ck_assert_int_ge(f->fd, 0);
	iso_init(&iso, false, 0x0555);
	buf_init(&out, 0, 0);
	for (;;) {
		size_t pkt;
		if (tpkt_header(rb, rl, sizeof(rb), &pkt, NULL) || rl < pkt) {
			ssize_t n = recv(f->fd, rb + rl, sizeof(rb) - rl, 0);
			if (n <= 0)
				break;
			rl += (size_t)n;
			continue;
		}
		struct iso_event ev = { 0 };
		ck_assert_int_eq(iso_input(&iso, rb, pkt, &out, &ev, NULL), 0);
		put_tpkts(f, &out);
		if (ev.type == ISO_EV_ASSOCIATE) {
			struct mms_initiate in = {
				.has_local_detail = true, .local_detail = 65000,
				.max_serv_calling = 10, .max_serv_called = 10,
				.has_nesting = true, .nesting = 10, .version = 1,
			};
			struct buf mb;
			buf_init(&mb, 0, 0);
			mms_initiate_encode(&mb, true, &in);
			iso_accept(&iso, &ev, 65000, buf_data(&mb), mb.len, &out);
			buf_clear(&mb);
			put_tpkts(f, &out);
		} else if (ev.type == ISO_EV_DATA) {
			struct mms_pdu p;
			ck_assert_int_eq(mms_pdu_decode(ev.data, ev.len, &p, NULL), 0);
			if (p.kind == MMS_CONCLUDE_REQUEST) {
				struct buf b;
				buf_init(&b, ISO_HEADROOM, 0);
				mms_encode_conclude(&b, true);
				send_pdu(f, &iso, &b);
				buf_clear(&b);
			} else {
				ck_assert_uint_eq(p.kind, MMS_CONFIRMED_REQUEST);
				answer(f, &iso, &p);
			}
		} else if (ev.type == ISO_EV_RELEASED) {
			break;
		}
		memmove(rb, rb + pkt, rl - pkt);
		rl -= pkt;
	}
	buf_clear(&out);
	iso_clear(&iso);
	close(f->fd);
	return NULL;
}

static void fake_start(struct fake *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(f->lfd, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(f->lfd, 1), 0);
	ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&f->th, NULL, serve, f), 0);
}

/* iedc control REF VALUE with options `o` (ref and value set) against f,
 * stdout captured into out[n], the message into err[en]; the status as
 * iedc_run would return it. */
static int run(struct fake *f, struct control_opts *o, bool json, char *out, size_t n,
	       char *err, size_t en)
{
	struct client c;
	char host[32], why[300];
	if (!o->term_timeout)
		o->term_timeout = 5000;
	ck_assert_msg(control_args_check(o, why, sizeof(why)) == IEDC_OK, "%s", why);
	fake_start(f);
	snprintf(host, sizeof(host), "127.0.0.1:%u", f->port);
	fflush(stdout);
	int saved = dup(1);
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	dup2(fileno(tmp), 1);
	int r = client_open(&c, host, NULL, 5000);
	if (!r)
		r = cmd_control(&c, json, o);
	snprintf(err, en, "%s", c.errmsg);
	int rc = r == IEDC_OK || r == IEDC_SERVICE || r == IEDC_USAGE ? client_close(&c) : 0;
	if (r != IEDC_OK && r != IEDC_SERVICE && r != IEDC_USAGE)
		client_drop(&c);
	if (!r)
		r = rc;
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	size_t k = fread(out, 1, n - 1, tmp);
	out[k] = 0;
	fclose(tmp);
	pthread_join(f->th, NULL);
	close(f->lfd);
	return r;
}

#define REF "LD/GGIO1.SPCSO1"

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* The JSON text of the n-th (from 0) write of `var` in the log, or "". */
static const char *written(const struct fake *f, const char *var, int nth)
{
	static char v[2000];
	char key[40];
	snprintf(key, sizeof(key), "write %s=", var);
	const char *p = f->log;
	v[0] = 0;
	for (int i = 0; (p = strstr(p, key)); i++, p++)
		if (i == nth) {
			p += strlen(key);
			size_t l = strcspn(p, ";");
			snprintf(v, sizeof(v), "%.*s", (int)l, p);
			break;
		}
	return v;
}

START_TEST(direct)
{
	struct fake f = { .ctl_model = 1 };
	struct control_opts o = { .ref = REF, .value = "on", .orident = "me" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "operate " REF ": ok\n");
	ck_assert_msg(ends(f.log, ",false,\"00\"];"), "%s", f.log);
	ck_assert_msg(starts(f.log, "read GGIO1$CF$SPCSO1$ctlModel;type GGIO1$CO$SPCSO1$Oper;"
				    "write Oper=[true,[3,\"6d65\"],"), "%s", f.log);
	/* ctlNum, T (2026-...Z), Test, Check */
	const char *v = written(&f, "Oper", 0);
	unsigned num;
	char t[40];
	ck_assert_int_eq(sscanf(v, "[true,[3,\"6d65\"],%u,\"%39[^\"]\"", &num, t), 2);
	ck_assert_uint_le(num, 255);
	ck_assert_uint_eq(strlen(t), 24);
	ck_assert_uint_eq(t[23], 'Z');
}
END_TEST

START_TEST(status_only)
{
	struct fake f = { .ctl_model = 0 };
	struct control_opts o = { .ref = "LD/GGIO1$CO$SPCSO1$Oper", .value = "on" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_str_eq(f.log, "read GGIO1$CF$SPCSO1$ctlModel;");
	ck_assert_str_eq(out, "");
	ck_assert_msg(strstr(err, REF ": status-only (ctlModel 0)"), "%s", err);
}
END_TEST

START_TEST(sbo_normal)
{
	struct fake f = { .ctl_model = 2, .sbo = REF };
	struct control_opts o = { .ref = REF ".Oper", .value = "off" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "select " REF ": ok\noperate " REF ": ok\n");
	ck_assert_msg(starts(f.log, "read GGIO1$CF$SPCSO1$ctlModel;read GGIO1$CO$SPCSO1$SBO;"
				    "type GGIO1$CO$SPCSO1$Oper;write Oper=[false,"), "%s", f.log);
}
END_TEST

START_TEST(sbo_normal_fails)
{
	struct fake f = { .ctl_model = 2, .sbo = "", .add_cause = 19 };
	struct control_opts o = { .ref = REF, .value = "off" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	/* the LastApplError came before the Read response */
	ck_assert_str_eq(out, "select " REF ": refused: Object-already-selected (AddCause 19); "
			      "LastApplError LD/GGIO1$CO$SPCSO1$SBO, Error 1 (Unknown), origin 3 "
			      "remote-control op, ctlNum 42\n");
	ck_assert_str_eq(err, REF ": select refused: Object-already-selected (AddCause 19)");
	ck_assert_str_eq(f.log, "read GGIO1$CF$SPCSO1$ctlModel;read GGIO1$CO$SPCSO1$SBO;");
}
END_TEST

START_TEST(sbo_enhanced)
{
	struct fake f = { .ctl_model = 4, .termination = 1 };
	struct control_opts o = { .ref = REF, .value = "1", .test = true, .check_text = "interlock",
				  .orcat_text = "bay-control" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "select " REF ": ok\noperate " REF ": ok\ntermination " REF ": ok\n");
	/* IEC 61850-8-1 §20: the Oper repeats the SBOw (ctlVal, origin, ctlNum, T, Test, Check) */
	char sbow[2000];
	snprintf(sbow, sizeof(sbow), "%s", written(&f, "SBOw", 0));
	ck_assert_str_eq(sbow, written(&f, "Oper", 0));
	ck_assert_msg(starts(sbow, "[true,[1,") && ends(sbow, ",true,\"01\"]"), "%s", sbow);
	ck_assert_msg(strstr(f.log, "type GGIO1$CO$SPCSO1$SBOw;write SBOw=") &&
		      strstr(f.log, ";type GGIO1$CO$SPCSO1$Oper;write Oper="), "%s", f.log);
}
END_TEST

START_TEST(operate_refused)
{
	struct fake f = { .ctl_model = 4, .termination = 1, .refuse_var = "Oper",
			  .refuse_dae = MMS_DAE_OBJECT_ACCESS_DENIED, .add_cause = 8 };
	struct control_opts o = { .ref = REF, .value = "on" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_str_eq(out, "select " REF ": ok\noperate " REF ": refused: Blocked-by-Mode "
			      "(AddCause 8), object-access-denied; LastApplError "
			      "LD/GGIO1$CO$SPCSO1$Oper, Error 1 (Unknown), origin 3 remote-control op, "
			      "ctlNum 42\n");
	ck_assert_str_eq(err, REF ": operate refused: Blocked-by-Mode (AddCause 8), "
			      "object-access-denied");
}
END_TEST

START_TEST(select_refused_json)
{
	struct fake f = { .ctl_model = 4, .refuse_var = "SBOw",
			  .refuse_dae = MMS_DAE_TEMPORARILY_UNAVAILABLE, .add_cause = 27 };
	struct control_opts o = { .ref = REF, .value = "on" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, true, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_msg(!strstr(f.log, "Oper"), "%s", f.log);
	ck_assert_msg(strstr(out, "\"ctlModel\":4,\"ctlModelName\":\"sbo-with-enhanced-security\""),
		      "%s", out);
	ck_assert_msg(strstr(out, "\"steps\":[{\"step\":\"select\",\"variable\":"
				  "\"LD/GGIO1$CO$SPCSO1$SBOw\",\"result\":\"refused\","
				  "\"dataAccessError\":\"temporarily-unavailable\",\"lastApplError\":"
				  "{\"cntrlObj\":\"LD/GGIO1$CO$SPCSO1$SBOw\",\"error\":1,\"errorText\":"
				  "\"Unknown\",\"orCat\":3,\"orCatText\":\"remote-control\",\"orIdent\":"
				  "\"op\",\"orIdentHex\":\"6f70\",\"ctlNum\":42,\"addCause\":27,"
				  "\"addCauseText\":\"Locked-by-other-client\"}"), "%s", out);
	ck_assert_msg(strstr(out, "],\"result\":\"refused\",\"error\":"), "%s", out);
	ck_assert_msg(ends(out, ",\"exitStatus\":7}\n"), "%s", out);
}
END_TEST

START_TEST(termination_negative)
{
	struct fake f = { .ctl_model = 3, .termination = 2 };
	struct control_opts o = { .ref = REF, .value = "off" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_str_eq(out, "operate " REF ": ok\ntermination " REF ": refused: Time-limit-over "
			      "(AddCause 16); LastApplError LD/GGIO1$CO$SPCSO1$Oper, Error 1 "
			      "(Unknown), origin 3 remote-control op, ctlNum 42\n");
	ck_assert_str_eq(err, REF ": termination refused: Time-limit-over (AddCause 16)");
	f = (struct fake){ .ctl_model = 3, .termination = 2 };
	ck_assert_int_eq(run(&f, &o, true, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_msg(strstr(out, "{\"step\":\"termination\",\"variable\":\"LD/GGIO1$CO$SPCSO1$Oper\","
				  "\"result\":\"refused\",\"lastApplError\":"), "%s", out);
	ck_assert_msg(strstr(out, "\"addCause\":16,\"addCauseText\":\"Time-limit-over\"}"), "%s", out);
}
END_TEST

START_TEST(termination_timeout)
{
	struct fake f = { .ctl_model = 3 };
	struct control_opts o = { .ref = REF, .value = "off", .term_timeout = 300 };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_TIMEOUT);
	ck_assert_str_eq(out, "operate " REF ": ok\ntermination " REF
			      ": timeout: no CommandTermination within 300 ms\n");
	ck_assert_str_eq(err, REF ": no CommandTermination within 300 ms");
}
END_TEST

START_TEST(select_and_cancel)
{
	struct fake f = { .ctl_model = 4 };
	struct control_opts o = { .ref = REF, .value = "on", .select_only = true };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "select " REF ": ok\n");
	ck_assert_msg(strstr(f.log, "write SBOw=") && !strstr(f.log, "Oper"), "%s", f.log);
	f = (struct fake){ .ctl_model = 4 };
	o.cancel = true;
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "select " REF ": ok\ncancel " REF ": ok\n");
	/* Cancel: the SBOw's parameters without Check */
	char sbow[2000];
	snprintf(sbow, sizeof(sbow), "%s", written(&f, "SBOw", 0));
	const char *cancel = written(&f, "Cancel", 0);
	size_t k = strlen(cancel);
	ck_assert_uint_gt(k, 10);
	ck_assert_int_eq(strncmp(sbow, cancel, k - 1), 0);
	ck_assert_str_eq(sbow + k - 1, ",\"00\"]");
	/* --cancel alone: only the Cancel */
	f = (struct fake){ .ctl_model = 4 };
	o.select_only = false;
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_str_eq(out, "cancel " REF ": ok\n");
	ck_assert_msg(!strstr(f.log, "SBOw"), "%s", f.log);
	/* no select on a direct-control object: nothing written */
	f = (struct fake){ .ctl_model = 1 };
	o.select_only = true;
	o.cancel = false;
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_SERVICE);
	ck_assert_msg(strstr(err, "direct-with-normal-security (ctlModel 1) has no select"), "%s",
		      err);
	ck_assert_str_eq(f.log, "read GGIO1$CF$SPCSO1$ctlModel;");
}
END_TEST

START_TEST(ctlval_types)
{
	static const struct {
		int kind;
		const char *value, *want;
	} cases[] = {
		{ CV_INT32, "-5", "[-5," },
		{ CV_TCMD, "higher", "[\"10\"," },
		{ CV_TCMD, "lower", "[\"01\"," },
		{ CV_ANALOGUE, "1.5", "[[1.5]," },
		{ CV_BOOL, "off", "[false," },
	};
	char out[4096], err[600];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { .ctl_model = 1, .ctlval = cases[i].kind };
		struct control_opts o = { .ref = REF, .value = cases[i].value };
		ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
		const char *w = written(&f, "Oper", 0);
		ck_assert_msg(starts(w, cases[i].want), "%s: %s",
			      cases[i].value, w);
	}
	/* a VALUE the type does not take: a usage error, nothing written */
	static const struct {
		int kind;
		const char *value;
	} bad[] = { { CV_BOOL, "maybe" }, { CV_INT32, "1.5" }, { CV_INT32, "3000000000" },
		    { CV_TCMD, "up" }, { CV_ANALOGUE, "x" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake f = { .ctl_model = 1, .ctlval = bad[i].kind };
		struct control_opts o = { .ref = REF, .value = bad[i].value };
		ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_USAGE);
		ck_assert_msg(!strstr(f.log, "write"), "%s: %s", bad[i].value, f.log);
		ck_assert_msg(strstr(err, "ctlVal"), "%s", err);
	}
}
END_TEST

START_TEST(time_activated)
{
	struct fake f = { .ctl_model = 1, .oper_tm = true };
	struct control_opts o = { .ref = REF, .value = "on", .at = "2026-01-02T03:04:05.250Z" };
	char out[4096], err[600];
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_msg(starts(written(&f, "Oper", 0), "[true,\"2026-01-02T03:04:05.250Z\",[3,"), "%s",
		      written(&f, "Oper", 0));
	/* without --at operTm is 0: operate at once */
	f = (struct fake){ .ctl_model = 1, .oper_tm = true };
	o.at = NULL;
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_OK);
	ck_assert_msg(starts(written(&f, "Oper", 0), "[true,\"1970-01-01T00:00:00.000Z\","), "%s",
		      written(&f, "Oper", 0));
	/* --at on an Oper without operTm: refused before writing */
	f = (struct fake){ .ctl_model = 1 };
	o.at = "+1000";
	ck_assert_int_eq(run(&f, &o, false, out, sizeof(out), err, sizeof(err)), IEDC_USAGE);
	ck_assert_msg(strstr(err, "no operTm"), "%s", err);
	ck_assert_msg(!strstr(f.log, "write"), "%s", f.log);
}
END_TEST

START_TEST(args)
{
	char why[300];
	struct control_opts o = { .ref = "LD/LN1.DO1.SDO2", .value = "1" };
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_OK);
	ck_assert_str_eq(o.dopath, "DO1$SDO2");
	o = (struct control_opts){ .ref = "LD/WTUR1$CO$SetTurOp$actSt$Oper", .value = "1" };
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_OK);
	ck_assert_str_eq(o.ld, "LD");
	ck_assert_str_eq(o.ln, "WTUR1");
	ck_assert_str_eq(o.dopath, "SetTurOp$actSt");
	o = (struct control_opts){ .ref = "LD/LN1.Pos[CO]", .value = "1", .orcat_text = "automatic-remote",
				   .check_text = "synchro" };
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_OK);
	ck_assert_int_eq(o.or_cat, 6);
	ck_assert_uint_eq(o.check, 1);
	static const char *const bad_refs[] = { "LD/LN1", "LD/LN1.Pos[ST]", "LD/LN1$ST$Pos",
						"LD/LN1.Pos(1)", "LN1.Pos", "LD/LN1.Cancel" };
	for (size_t i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		o = (struct control_opts){ .ref = bad_refs[i], .value = "1" };
		ck_assert_msg(control_args_check(&o, why, sizeof(why)) == IEDC_USAGE, "%s", bad_refs[i]);
	}
	o = (struct control_opts){ .ref = "LD/LN1.Pos", .value = "1", .at = "2026-13-01T00:00:00Z" };
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	o.at = "2026-12-01T00:00:00.5Z";
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_OK);
	o.at = "+";
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	o.at = NULL;
	o.orcat_text = "-1";
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_OK);
	ck_assert_int_eq(o.or_cat, -1);
	o.orcat_text = "sideways";
	ck_assert_int_eq(control_args_check(&o, why, sizeof(why)), IEDC_USAGE);
}
END_TEST

static Suite *iedc_control_suite(void)
{
	Suite *s = suite_create("iedc_control");
	TCase *tc = tcase_create("scripted server");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, direct);
	tcase_add_test(tc, status_only);
	tcase_add_test(tc, sbo_normal);
	tcase_add_test(tc, sbo_normal_fails);
	tcase_add_test(tc, sbo_enhanced);
	tcase_add_test(tc, operate_refused);
	tcase_add_test(tc, select_refused_json);
	tcase_add_test(tc, termination_negative);
	tcase_add_test(tc, termination_timeout);
	tcase_add_test(tc, select_and_cancel);
	tcase_add_test(tc, ctlval_types);
	tcase_add_test(tc, time_activated);
	tcase_add_test(tc, args);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(iedc_control_suite)
