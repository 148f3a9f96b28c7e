/* SPDX-License-Identifier: Apache-2.0 */
/* iedc report and iedc dataset (tools/iedc/report.c) against a scripted
 * server on a loopback socket: a thread that speaks the real ISO stack
 * (daemon/proto) and answers each request from a script, so the order of
 * the RCB writes, the cleanup at the end, reports that arrive while a Write
 * waits for its response, and the error messages are checked without iedd.
 * Each test forks (CK_FORK), so a hung client fails that test alone. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ber.h"
#include "iedc.h"
#include "mms_access.h"
#include "mms_nvl.h"
#include "mms_report.h"
#include "testutil.h"

struct fake {
	int lfd, fd;
	uint16_t port;
	pthread_t th;
	char log[4096];		/* "Resv=true;OptFlds=0111111111;..." */
	int refuse_dae;		/* answer the Write of `refuse_attr` with this DataAccessError */
	const char *refuse_attr;
	unsigned reports_after_enable;
	bool buffered;		/* serve the RCB as BR, refuse RP */
	bool sigint;		/* SIGINT to the process once the reports are sent */
	uint32_t seq;
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

/* One report of the data set's two members, only the first included. */
static void send_report(struct fake *f, struct iso_conn *iso)
{
	struct buf b;
	struct mms_report_enc e;
	static const uint8_t opt[] = { 0x50, 0x00 }; /* SqNum, ReasonCode */
	static const uint8_t incl[] = { 0x80 };
	static const uint8_t reason[] = { 0x40 };

	uint32_t seq = f->seq++;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_report_begin(&b, &e);
	ber_put_str(&b, BER_CONTEXT, 10, "rptA");
	ber_put_bitstring(&b, BER_CONTEXT, 4, opt, 10);
	ber_put_uint(&b, BER_CONTEXT, 6, seq);
	ber_put_bitstring(&b, BER_CONTEXT, 4, incl, 2);
	ber_put_bool(&b, BER_CONTEXT, 3, seq & 1);
	ber_put_bitstring(&b, BER_CONTEXT, 4, reason, 7);
	mms_report_end(&b, &e);
	send_pdu(f, iso, &b);
	buf_clear(&b);
}

/* TypeSpecification of an URCB (IEC 61850-8-1 §17.1), or of a BRCB. */
static void rcb_type(struct buf *b, bool buffered)
{
	static const struct {
		const char *name;
		uint8_t tag;
		int size;
	} urcb[] = { { "RptID", 10, -129 }, { "RptEna", 3, 0 }, { "Resv", 3, 0 },
		     { "DatSet", 10, -129 }, { "ConfRev", 6, 32 }, { "OptFlds", 4, 10 },
		     { "BufTm", 6, 32 }, { "SqNum", 6, 8 }, { "TrgOps", 4, 6 },
		     { "IntgPd", 6, 32 }, { "GI", 3, 0 }, { "EntryID", 9, 8 } };
	size_t s = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	size_t l = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	for (size_t i = 0; i < sizeof(urcb) / sizeof(urcb[0]); i++) {
		if ((buffered && !strcmp(urcb[i].name, "Resv")) ||
		    (!buffered && !strcmp(urcb[i].name, "EntryID")))
			continue;
		size_t c = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_str(b, BER_CONTEXT, 0, urcb[i].name);
		size_t t = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
		if (urcb[i].tag == 3)
			ber_put_null(b, BER_CONTEXT, 3);
		else
			ber_put_int(b, BER_CONTEXT, urcb[i].tag, urcb[i].size);
		ber_end(b, t);
		ber_end(b, c);
	}
	ber_end(b, l);
	ber_end(b, s);
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
	case MMS_SVC_GET_VAR_ACCESS_ATTR:
		ck_assert_int_eq(mms_gvaa_req_decode(p->body, p->body_len, &on, NULL), 0);
		if (strstr(on.item, f->buffered ? "$BR$" : "$RP$"))
			rcb_type(&td, f->buffered);
		else if (strstr(on.item, "$RP$") || strstr(on.item, "$BR$"))
			td.len = 0;
		else
			ber_put_null(&td, BER_CONTEXT, 3); /* a member: boolean */
		if (td.len)
			mms_gvaa_resp_encode(&b, p->invoke_id, buf_data(&td), td.len);
		else
			mms_encode_confirmed_error(&b, p->invoke_id, MMS_ERR_ACCESS,
						   MMS_ACCESS_OBJECT_NON_EXISTENT);
		break;
	case MMS_SVC_READ: /* only of DatSet */
		mms_read_resp_begin(&b, p->invoke_id, NULL, 0, &m, &list);
		ber_put_str(&b, BER_CONTEXT, 10, "LD/LLN0$ds");
		mms_read_resp_end(&b, &m, list);
		break;
	case MMS_SVC_GET_NVL_ATTR:
		mms_nvl_attr_resp_begin(&b, p->invoke_id, false, &m, &list);
		mms_nvl_attr_resp_add(&b, "LD", "GGIO1$ST$Ind1$stVal");
		mms_nvl_attr_resp_add(&b, "LD", "GGIO1$ST$Ind2$stVal");
		mms_nvl_attr_resp_end(&b, &m, list);
		break;
	case MMS_SVC_DEFINE_NVL: {
		struct mms_definenvl_req q;
		ck_assert_int_eq(mms_definenvl_req_decode(p->body, p->body_len, &q, NULL), 0);
		snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log),
			 "define %s%s/%u;", q.name.scope == MMS_SCOPE_AA ? "@" : "", q.name.item,
			 q.vars.n_vars);
		mms_definenvl_resp_encode(&b, p->invoke_id);
		break;
	}
	case MMS_SVC_DELETE_NVL:
		mms_deletenvl_resp_encode(&b, p->invoke_id, 1, 0);
		break;
	case MMS_SVC_WRITE: {
		struct mms_write_req w;
		struct mms_varspec v;
		struct ber_tlv t;
		ck_assert_int_eq(mms_write_req_decode(p->body, p->body_len, &w, NULL), 0);
		ck_assert_int_eq(mms_varlist_next(&w.vas, &v, NULL), 1);
		ck_assert_int_eq(ber_next(&w.data, &t, NULL), 0);
		mms_data_format(&td, t.start, (size_t)(t.val + t.len - t.start), NULL, MMS_FMT_TEXT,
				NULL);
		const char *attr = strrchr(v.name.item, '$') + 1;
		snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log), "%s=%.*s;",
			 attr, (int)td.len, (const char *)buf_data(&td));
		bool enable = !strcmp(attr, "RptEna") && td.len == 4;
		bool refuse = f->refuse_attr && !strcmp(attr, f->refuse_attr);
		/* IEC 61850-8-1 §17.2.3: a report may overtake the Write response */
		if (enable && !refuse)
			send_report(f, iso);
		mms_write_resp_begin(&b, p->invoke_id, &m);
		mms_write_result(&b, refuse ? f->refuse_dae : MMS_DAE_SUCCESS);
		mms_write_resp_end(&b, &m);
		send_pdu(f, iso, &b);
		buf_reset(&b, ISO_HEADROOM);
		for (unsigned i = 0; enable && !refuse && i < f->reports_after_enable; i++)
			send_report(f, iso);
		if (enable && f->sigint)
			kill(getpid(), SIGINT);
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
	uint8_t rb[70000];
	size_t rl = 0;

	/* SIGINT is for the client's handler, in the main thread */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
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
			struct buf m;
			buf_init(&m, 0, 0);
			mms_initiate_encode(&m, true, &in);
			iso_accept(&iso, &ev, 65000, buf_data(&m), m.len, &out);
			buf_clear(&m);
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
			rl -= pkt;
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

static void fake_join(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
}

/* Runs cmd_report (or, with report NULL, cmd_dataset) against f with
 * stdout captured into out[n]; returns the status as iedc_run would. */
static int run(struct fake *f, const struct report_opts *o, bool json, const char *ds_sub,
	       char **ds_args, int ds_n, char *out, size_t n, char *err, size_t en)
{
	struct client c;
	char host[32];
	snprintf(host, sizeof(host), "127.0.0.1:%u", f->port);
	fflush(stdout);
	int saved = dup(1);
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	dup2(fileno(tmp), 1);
	int r = client_open(&c, host, NULL, 5000);
	if (!r)
		r = o ? cmd_report(&c, json, o) : cmd_dataset(&c, json, ds_sub, ds_args, ds_n);
	snprintf(err, en, "%s", c.errmsg);
	int rc = client_close(&c);
	if (!r)
		r = rc;
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	size_t k = fread(out, 1, n - 1, tmp);
	out[k] = 0;
	fclose(tmp);
	if (r)
		fprintf(stderr, "iedc: status %d: %s\n", r, err);
	return r;
}

START_TEST(report_urcb)
{
	struct fake f = { .reports_after_enable = 3 };
	struct report_opts o = { .rcb = "LD/LLN0.urcb01", .gi = true, .trgops = "dchg,gi",
				 .has_intgpd = true, .intgpd = 1000, .count = 2 };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, false, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_OK);
	fake_join(&f);
	/* reserve, configure, enable, GI; at the end disable and release */
	ck_assert_str_eq(f.log, "Resv=true;OptFlds=0111111111;TrgOps=010001;IntgPd=1000;"
				"RptEna=true;GI=true;RptEna=false;Resv=false;");
	/* the report that overtook the RptEna response is the first printed;
	 * the references come from the data set's directory */
	ck_assert_str_eq(out, "rptA SqNum=0: LD/GGIO1.Ind1.stVal[ST]=false (dchg)\n"
			      "rptA SqNum=1: LD/GGIO1.Ind1.stVal[ST]=true (dchg)\n");
}
END_TEST

START_TEST(report_brcb_json)
{
	struct fake f = { .reports_after_enable = 1, .buffered = true };
	struct report_opts o = { .rcb = "LD/LLN0.brcb01", .entry_id = "0000000000000007",
				 .count = 1 };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, true, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_OK);
	fake_join(&f);
	/* found as BR after RP was refused; no Resv on a BRCB */
	ck_assert_str_eq(f.log, "OptFlds=0111111111;EntryID=0000000000000007;RptEna=true;"
				"RptEna=false;");
	ck_assert_str_eq(out, "{\"rptId\":\"rptA\",\"sqNum\":0,\"members\":[{\"index\":0,"
			      "\"ref\":\"LD/GGIO1.Ind1.stVal[ST]\",\"value\":false,"
			      "\"reasons\":[\"dchg\"]}]}\n");
}
END_TEST

START_TEST(report_own_dataset)
{
	struct fake f = { .reports_after_enable = 1 };
	char *members[] = { "LD/GGIO1.Ind1.stVal[ST]", "LD/GGIO1$ST$Ind2$stVal" };
	struct report_opts o = { .rcb = "LD/LLN0$RP$urcb01", .count = 1, .use_dataset = true,
				 .members = members, .n_members = 2 };
	char out[4096], err[600], expect[200];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, false, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_OK);
	fake_join(&f);
	snprintf(expect, sizeof(expect), "Resv=true;OptFlds=0111111111;define @iedc%04u/2;"
		 "DatSet=@iedc%04u;RptEna=true;RptEna=false;Resv=false;",
		 (unsigned)getpid() % 10000, (unsigned)getpid() % 10000);
	ck_assert_str_eq(f.log, expect);
}
END_TEST

/* Without --count, SIGINT ends it: disabled and released, exit status 0. */
START_TEST(report_sigint)
{
	struct fake f = { .reports_after_enable = 2, .sigint = true };
	struct report_opts o = { .rcb = "LD/LLN0.RP.urcb01" };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, false, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_OK);
	fake_join(&f);
	ck_assert_str_eq(f.log, "Resv=true;OptFlds=0111111111;RptEna=true;RptEna=false;"
				"Resv=false;");
	/* what arrived before the signal was seen is printed, nothing after */
	ck_assert_msg(!strncmp(out, "rptA SqNum=0: ", 14), "%s", out);
	/* the default disposition is back */
	struct sigaction sa;
	sigaction(SIGINT, NULL, &sa);
	ck_assert_ptr_eq(sa.sa_handler, SIG_DFL);
}
END_TEST

/* A refused RptEna: the attribute and the DataAccessError in words, the
 * reservation released again, exit status 7. */
START_TEST(report_refused)
{
	struct fake f = { .refuse_attr = "RptEna", .refuse_dae = MMS_DAE_TEMPORARILY_UNAVAILABLE };
	struct report_opts o = { .rcb = "LD/LLN0.RP.urcb01", .count = 1 };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, false, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_SERVICE);
	fake_join(&f);
	ck_assert_str_eq(err, "RptEna: temporarily-unavailable (reserved by another client)");
	ck_assert_str_eq(f.log, "Resv=true;OptFlds=0111111111;RptEna=true;Resv=false;");
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(report_no_rcb)
{
	struct fake f = { .buffered = true };
	struct report_opts o = { .rcb = "LD/LLN0.RP.urcb01", .count = 1 };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, &o, false, NULL, NULL, 0, out, sizeof(out), err, sizeof(err)),
			 IEDC_SERVICE);
	fake_join(&f);
	ck_assert_msg(strstr(err, "object-non-existent"), "%s", err);
	ck_assert_str_eq(f.log, "");
}
END_TEST

START_TEST(dataset_cmds)
{
	struct fake f = { 0 };
	char *args[] = { "LD/LLN0.dsNew", "LD/GGIO1.Ind1.stVal[ST]" };
	char out[4096], err[600];

	fake_start(&f);
	ck_assert_int_eq(run(&f, NULL, false, "create", args, 2, out, sizeof(out), err,
			     sizeof(err)), IEDC_OK);
	fake_join(&f);
	ck_assert_str_eq(f.log, "define LLN0$dsNew/1;");
	ck_assert_str_eq(out, "ok\n");

	/* the scripted server matches and does not delete: a service error */
	memset(&f, 0, sizeof(f));
	fake_start(&f);
	ck_assert_int_eq(run(&f, NULL, true, "delete", args, 1, out, sizeof(out), err,
			     sizeof(err)), IEDC_SERVICE);
	fake_join(&f);
	ck_assert_msg(strstr(err, "LD/LLN0.dsNew: not deletable"), "%s", err);
}
END_TEST

START_TEST(args)
{
	char why[400];
	char *m[] = { "LD/GGIO1.Ind1.stVal" };
	struct report_opts o = { .rcb = "LD/LLN0.urcb01" };
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_OK);
	o.trgops = "dchg,bad";
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	ck_assert_str_eq(why, "--trgops: 'bad' is none of dchg, qchg, dupd, period, gi");
	o.trgops = NULL;
	o.entry_id = "00112233445566";
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	o.entry_id = NULL;
	o.members = m;
	o.n_members = 1;
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	ck_assert_msg(strstr(why, "follow --dataset"), "%s", why);
	o.use_dataset = true;
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_USAGE);
	ck_assert_msg(strstr(why, "[FC]"), "%s", why);
	o.rcb = "LD/LLN0";
	ck_assert_int_eq(report_args_check(&o, why, sizeof(why)), IEDC_USAGE);

	char *ds[] = { "@x", "LD/GGIO1.Ind1.stVal[ST]" };
	ck_assert_int_eq(dataset_args_check("create", ds, 2, why, sizeof(why)), IEDC_OK);
	ds[0] = "@toolongtoolongtoolongtoolongtoolong";
	ck_assert_int_eq(dataset_args_check("create", ds, 2, why, sizeof(why)), IEDC_USAGE);
	ds[0] = "LD/LLN0.ds";
	ds[1] = "LD/GGIO1.Ind1";
	ck_assert_int_eq(dataset_args_check("create", ds, 2, why, sizeof(why)), IEDC_USAGE);
	ck_assert_int_eq(dataset_args_check("delete", ds, 1, why, sizeof(why)), IEDC_OK);
}
END_TEST

static Suite *iedc_report_suite(void)
{
	Suite *s = suite_create("iedc_report");
	TCase *tc = tcase_create("scripted server");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, report_urcb);
	tcase_add_test(tc, report_brcb_json);
	tcase_add_test(tc, report_own_dataset);
	tcase_add_test(tc, report_sigint);
	tcase_add_test(tc, report_refused);
	tcase_add_test(tc, report_no_rcb);
	tcase_add_test(tc, dataset_cmds);
	tcase_add_test(tc, args);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(iedc_report_suite)
