/* Writes the seed corpora of the fuzz targets: OUTDIR/inbound/ (byte
 * streams a client sends to iedd, TPKT after TPKT) and OUTDIR/ber/ (single
 * BER encodings). Every inbound stream is produced by the iso client API
 * while a real server association (mms_assoc) answers it, so each seed is
 * known to reach as deep as it claims; the tool fails if it does not.
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
#include "iso.h"
#include "mms.h"
#include "mms_server.h"

static const char *outdir;
static int failures;

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

/* A client and the server it talks to; `seed` records everything the
 * client sends. */
struct session {
	struct iso_conn cli;
	struct mms_server srv;
	struct mms_assoc a;
	struct buf seed, out, srv_out;
	const char *name;
	int last;		/* the server's last result */
	struct iso_event ev;	/* the client's last event */
};

static void s_init(struct session *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	iso_init(&s->cli, true, 0x4001);
	mms_server_init(&s->srv, 65000, 16, 10);
	mms_assoc_init(&s->a, 0x0001);
	buf_init(&s->seed, 0, 0);
	buf_init(&s->out, 0, 0);
	buf_init(&s->srv_out, 0, 0);
}

/* Hands what the client wrote (s->out) to the server TPKT by TPKT, and the
 * server's answer to the client. */
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
	}
	buf_reset(&s->out, 0);

	/* the client reads the answer */
	const uint8_t *q = buf_data(&s->srv_out);
	struct buf ignored;
	buf_init(&ignored, 0, 0);
	memset(&s->ev, 0, sizeof(s->ev));
	for (off = 0; off < s->srv_out.len;) {
		size_t n;
		struct iso_event ev;
		struct proto_err err = { 0 };
		if (tpkt_header(q + off, s->srv_out.len - off, 65535, &n, &err) ||
		    n > s->srv_out.len - off ||
		    iso_input(&s->cli, q + off, n, &ignored, &ev, &err)) {
			fail("%s: client cannot read the answer (%s)", s->name,
			     err.layer ? err.reason : "framing");
			break;
		}
		if (ev.type != ISO_EV_NONE)
			s->ev = ev;
		off += n;
	}
	buf_clear(&ignored);
}

static void expect(struct session *s, int result, const char *what)
{
	if (s->last != result)
		fail("%s: %s: server returned %d, expected %d", s->name, what, s->last, result);
}

static void s_done(struct session *s, const char *file)
{
	write_seed("inbound", file, &s->seed);
	iso_clear(&s->cli);
	mms_assoc_clear(&s->a);
	mms_server_clear(&s->srv);
	buf_clear(&s->seed);
	buf_clear(&s->out);
	buf_clear(&s->srv_out);
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

/* listOfVariable [0] { SEQUENCE { name [0] ObjectName } } */
static void put_varlist(struct buf *b, const char *domain, const char *item)
{
	size_t ml = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	size_t ms = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t mn = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	put_objname(b, domain, item);
	ber_end(b, mn);
	ber_end(b, ms);
	ber_end(b, ml);
}

/* The data access requests an IEC 61850 client sends first. */
static void data_access(struct session *s, uint32_t *id)
{
	struct buf b;
	struct mms_marks m;
	size_t x, y;

	/* GetNameList of the domains (logical devices) */
	buf_init(&b, ISO_HEADROOM, 0);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_GET_NAME_LIST, &m);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_int(&b, BER_CONTEXT, 0, 9); /* domain */
	ber_end(&b, x);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_null(&b, BER_CONTEXT, 0); /* vmdSpecific */
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "GetNameList");

	/* GetNameList of the named variables of a domain, continuing after one */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_GET_NAME_LIST, &m);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_int(&b, BER_CONTEXT, 0, 0);
	ber_end(&b, x);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_str(&b, BER_CONTEXT, 1, "IED1LD0");
	ber_end(&b, x);
	ber_put_str(&b, BER_CONTEXT, 2, "LLN0$ST");
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "GetNameList (variables)");

	/* GetVariableAccessAttributes of a logical node */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_GET_VAR_ACCESS_ATTR, &m);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	put_objname(&b, "IED1LD0", "LLN0");
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "GetVariableAccessAttributes");

	/* Read of one attribute, and of a component with alternate access */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_READ, &m);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	put_varlist(&b, "IED1LD0", "LLN0$ST$Mod$stVal");
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "Read");

	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_READ, &m);
	ber_put_bool(&b, BER_CONTEXT, 0, true); /* specificationWithResult */
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	size_t ml = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	size_t ms = ber_begin(&b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t mn = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	put_objname(&b, "IED1LD0", "MMXU1$MX");
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

	/* Read of a data set */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_READ, &m);
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	y = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1); /* variableListName */
	put_objname(&b, "IED1LD0", "LLN0$DataSet1");
	ber_end(&b, y);
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "Read (data set)");

	/* Write of a boolean */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_WRITE, &m);
	put_varlist(&b, "IED1LD0", "LLN0$CO$Mod$Oper$Test");
	x = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_bool(&b, BER_CONTEXT, 3, false);
	ber_end(&b, x);
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "Write");

	/* GetNamedVariableListAttributes */
	buf_reset(&b, ISO_HEADROOM);
	mms_begin_confirmed(&b, false, (*id)++, MMS_SVC_GET_NVL_ATTR, &m);
	put_objname(&b, "IED1LD0", "LLN0$DataSet1");
	mms_end_confirmed(&b, &m);
	request_ok(s, &b, "GetNamedVariableListAttributes");
	buf_clear(&b);
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
	buf_clear(&b);
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
	inbound_seeds();
	ber_seeds();
	return failures ? 1 : 0;
}
