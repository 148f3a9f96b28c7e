/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define L "mms"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)
#define SEQ (BER_UNIVERSAL | BER_CONSTRUCTED)

const char *mms_file_error_name(int code)
{
	static char other[24];
	const char *n = mms_error_code_str(MMS_ERR_FILE, code);
	if (n)
		return n;
	snprintf(other, sizeof(other), "file-error-%d", code);
	return other;
}

/* ---- GeneralizedTime ---- */

void mms_file_time_format(int64_t ms, char out[24])
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)s * 1000);
	struct tm tm;
	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		snprintf(out, 24, "19700101000000.000Z");
		return;
	}
	/* the modulos bound every field for the compiler; gmtime_r already did */
	snprintf(out, 24, "%04u%02u%02u%02u%02u%02u.%03uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000u);
}

static int digits(const uint8_t *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int mms_file_time_parse(const uint8_t *p, size_t n, int64_t *ms)
{
	if (n < 14)
		return -EINVAL;
	int y = digits(p, 4), mo = digits(p + 4, 2), d = digits(p + 6, 2), h = digits(p + 8, 2),
	    mi = digits(p + 10, 2), s = digits(p + 12, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return -EINVAL;
	size_t i = 14;
	int frac = 0;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		int scale = 100;
		if (++i >= n || p[i] < '0' || p[i] > '9')
			return -EINVAL;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, scale /= 10)
			frac += (p[i] - '0') * scale;
	}
	if (i < n && p[i] == 'Z')
		i++;
	if (i != n)
		return -EINVAL;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

/* ---- FileName ---- */

/* The contents of a FileName (SEQUENCE OF GraphicString) at `t`. */
static int name_decode(const struct ber_cur *parent, const struct ber_tlv *t,
		       struct mms_file_name *out, const char *what, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv g;
	int r;
	unsigned parts = 0;

	memset(out, 0, sizeof(*out));
	out->syntax_ok = true;
	if ((r = ber_enter(parent, t, &c, err)))
		return proto_relayer(err, L, r);
	while ((r = ber_next(&c, &g, err)) == 0) {
		if (!ber_is(&g, BER_UNIVERSAL, MMS_TAG_GraphicString))
			return proto_fail(err, L, "%s: component %u is not a GraphicString", what,
					  parts + 1);
		if (parts++) {
			if (out->len < MMS_FILE_NAME_MAX)
				out->s[out->len++] = '/';
			else
				out->syntax_ok = false;
		}
		for (size_t i = 0; i < g.len; i++) {
			uint8_t ch = g.val[i];
			if (ch < 0x20 || ch == 0x7F)
				out->syntax_ok = false;
			if (out->len < MMS_FILE_NAME_MAX)
				out->s[out->len++] = (char)ch;
			else
				out->syntax_ok = false;
		}
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	out->s[out->len] = 0;
	if (!out->len)
		out->syntax_ok = false;
	return 0;
}

static void name_encode(struct buf *b, uint8_t clsc, uint32_t tag, const char *name)
{
	size_t m = ber_begin(b, clsc, tag);
	ber_put_str(b, BER_UNIVERSAL, MMS_TAG_GraphicString, name);
	ber_end(b, m);
}

/* ---- server side: requests ---- */

int mms_file_dir_req_decode(const uint8_t *body, size_t len, struct mms_file_dir_req *out,
			    struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r, last = -1;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (ber_is(&t, CTXC, 0) && last < 0) {
			out->has_spec = true;
			r = name_decode(&c, &t, &out->spec, "fileSpecification", err);
			last = 0;
		} else if (ber_is(&t, CTXC, 1) && last < 1) {
			out->has_continue_after = true;
			r = name_decode(&c, &t, &out->continue_after, "continueAfter", err);
			last = 1;
		} else {
			return proto_fail(err, L, "FileDirectory-Request: unexpected element");
		}
		if (r)
			return r;
	}
	return r == -ENODATA ? 0 : proto_relayer(err, L, r);
}

int mms_file_open_req_decode(const uint8_t *body, size_t len, struct mms_file_open_req *out,
			     struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int64_t v;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTXC, 0, &t, "fileName", err)))
		return proto_relayer(err, L, r);
	if ((r = name_decode(&c, &t, &out->name, "fileName", err)))
		return r;
	if ((r = ber_expect(&c, CTX, 1, &t, "initialPosition", err)) ||
	    (r = ber_get_int_range(&t, 0, UINT32_MAX, &v, err)))
		return proto_relayer(err, L, r);
	out->initial_position = (uint32_t)v;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileOpen-Request: unexpected element after initialPosition");
	return 0;
}

int mms_file_frsm_decode(const uint8_t *body, size_t len, int32_t *frsm, struct proto_err *err)
{
	struct ber_tlv t = { .cls = CTX, .val = body, .len = len, .start = body };
	int64_t v;
	int r = ber_get_int_range(&t, INT32_MIN, INT32_MAX, &v, err);
	if (r)
		return proto_relayer(err, L, r);
	*frsm = (int32_t)v;
	return 0;
}

int mms_file_delete_req_decode(const uint8_t *body, size_t len, struct mms_file_name *out,
			       struct proto_err *err)
{
	struct ber_cur c;
	/* the service tag itself is the FileName: a constructed TLV around body */
	struct ber_tlv t = { .cls = CTX, .constructed = true, .val = body, .len = len,
			     .start = body };
	ber_cur_init(&c, body, len);
	return name_decode(&c, &t, out, "fileName", err);
}

int mms_file_rename_req_decode(const uint8_t *body, size_t len, struct mms_file_rename_req *out,
			       struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTXC, 0, &t, "currentFileName", err)))
		return proto_relayer(err, L, r);
	if ((r = name_decode(&c, &t, &out->from, "currentFileName", err)))
		return r;
	if ((r = ber_expect(&c, CTXC, 1, &t, "newFileName", err)))
		return proto_relayer(err, L, r);
	if ((r = name_decode(&c, &t, &out->to, "newFileName", err)))
		return r;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileRename-Request: unexpected element after newFileName");
	return 0;
}

int mms_file_obtain_req_decode(const uint8_t *body, size_t len, struct mms_file_obtain_req *out,
			       struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "ObtainFile-Request without sourceFile") : r);
	if (ber_is(&t, CTXC, 0)) {
		out->has_source_server = true;
		if ((r = ber_next(&c, &t, err)))
			return proto_relayer(err, L, r == -ENODATA ?
					     proto_fail(err, L, "ObtainFile-Request without sourceFile") : r);
	}
	if (!ber_is(&t, CTXC, 1))
		return proto_fail(err, L, "ObtainFile-Request: expected sourceFile [1]");
	if ((r = name_decode(&c, &t, &out->source, "sourceFile", err)))
		return r;
	if ((r = ber_expect(&c, CTXC, 2, &t, "destinationFile", err)))
		return proto_relayer(err, L, r);
	if ((r = name_decode(&c, &t, &out->destination, "destinationFile", err)))
		return r;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "ObtainFile-Request: unexpected element after destinationFile");
	return 0;
}

void mms_file_obtain_req_encode(struct buf *b, uint32_t invoke_id, const char *source,
				const char *destination)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_OBTAIN_FILE, &m);
	name_encode(b, CTXC, 1, source);
	name_encode(b, CTXC, 2, destination);
	mms_end_confirmed(b, &m);
}

/* ---- server side: responses ---- */

static void attr_encode(struct buf *b, uint8_t clsc, uint32_t tag, const struct mms_file_attr *a)
{
	size_t m = ber_begin(b, clsc, tag);
	ber_put_uint(b, CTX, 0, a->size);
	if (a->has_mtime) {
		char t[24];
		mms_file_time_format(a->mtime_ms, t);
		ber_put_str(b, CTX, 1, t);
	}
	ber_end(b, m);
}

void mms_file_dir_resp_begin(struct buf *b, uint32_t invoke_id, struct mms_file_dir_marks *m)
{
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_FILE_DIRECTORY, &m->pdu);
	/* listOfDirectoryEntry [0] SEQUENCE OF DirectoryEntry: the module has
	 * no IMPLICIT TAGS default and the field no IMPLICIT, so [0] is an
	 * explicit tag around a universal SEQUENCE (ISO 9506-2 Annex D) */
	m->list = ber_begin(b, CTXC, 0);
	m->seq = ber_begin(b, SEQ, BER_TAG_SEQUENCE);
}

void mms_file_dir_resp_entry(struct buf *b, const char *name, const struct mms_file_attr *a)
{
	size_t e = ber_begin(b, SEQ, BER_TAG_SEQUENCE);
	name_encode(b, CTXC, 0, name);
	attr_encode(b, CTXC, 1, a);
	ber_end(b, e);
}

void mms_file_dir_resp_end(struct buf *b, const struct mms_file_dir_marks *m, bool more_follows)
{
	ber_end(b, m->seq);
	ber_end(b, m->list);
	if (more_follows)
		ber_put_bool(b, CTX, 1, true);
	mms_end_confirmed(b, &m->pdu);
}

size_t mms_file_dir_entry_size(const char *name, const struct mms_file_attr *a)
{
	size_t n = strlen(name);
	/* GraphicString + FileName wrapper; Unsigned32 (<= 7); time (<= 25);
	 * attributes and entry wrappers: headers of up to 4 octets each */
	return (n + 4) + 4 + 7 + (a->has_mtime ? 25 : 0) + 4 + 4;
}

void mms_file_open_resp_encode(struct buf *b, uint32_t invoke_id, int32_t frsm,
			       const struct mms_file_attr *a)
{
	struct mms_marks m;
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_FILE_OPEN, &m);
	ber_put_int(b, CTX, 0, frsm);
	attr_encode(b, CTXC, 1, a);
	mms_end_confirmed(b, &m);
}

static size_t uint_size(uint32_t v)
{
	/* contents octets of a non-negative INTEGER */
	size_t n = 1;
	while (n < 5 && (v >> (8 * n - 1)) != 0)
		n++;
	return n;
}

void mms_file_read_resp_encode(struct buf *b, uint32_t invoke_id, const uint8_t *data, size_t n,
			       bool more_follows)
{
	/* lengths computed first: a chunk of 64 kB is not moved by ber_end */
	size_t data_tlv = 1 + ber_len_size(n) + n;
	size_t svc = data_tlv + 3; /* moreFollows [1] BOOLEAN, always sent */
	size_t svc_tlv = 2 + ber_len_size(svc) + svc; /* tag 73: two octets */
	size_t id_tlv = 2 + uint_size(invoke_id);
	ber_put_hdr(b, CTXC, MMS_CONFIRMED_RESPONSE, id_tlv + svc_tlv);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	ber_put_hdr(b, CTXC, MMS_SVC_FILE_READ, svc);
	ber_put_raw(b, CTX, 0, data, n);
	ber_put_bool(b, CTX, 1, more_follows);
}

void mms_file_null_resp_encode(struct buf *b, uint32_t invoke_id, uint32_t service)
{
	size_t m = ber_begin(b, CTXC, MMS_CONFIRMED_RESPONSE);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	ber_put_null(b, CTX, service);
	ber_end(b, m);
}

/* ---- client side: requests ---- */

void mms_file_dir_req_encode(struct buf *b, uint32_t invoke_id, const char *spec,
			     const char *continue_after)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_FILE_DIRECTORY, &m);
	if (spec)
		name_encode(b, CTXC, 0, spec);
	if (continue_after)
		name_encode(b, CTXC, 1, continue_after);
	mms_end_confirmed(b, &m);
}

void mms_file_open_req_encode(struct buf *b, uint32_t invoke_id, const char *name,
			      uint32_t initial_position)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_FILE_OPEN, &m);
	name_encode(b, CTXC, 0, name);
	ber_put_uint(b, CTX, 1, initial_position);
	mms_end_confirmed(b, &m);
}

void mms_file_frsm_req_encode(struct buf *b, uint32_t invoke_id, uint32_t service, int32_t frsm)
{
	size_t m = ber_begin(b, CTXC, MMS_CONFIRMED_REQUEST);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	ber_put_int(b, CTX, service, frsm);
	ber_end(b, m);
}

void mms_file_delete_req_encode(struct buf *b, uint32_t invoke_id, const char *name)
{
	size_t m = ber_begin(b, CTXC, MMS_CONFIRMED_REQUEST);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	name_encode(b, CTXC, MMS_SVC_FILE_DELETE, name);
	ber_end(b, m);
}

void mms_file_rename_req_encode(struct buf *b, uint32_t invoke_id, const char *from,
				const char *to)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_FILE_RENAME, &m);
	name_encode(b, CTXC, 0, from);
	name_encode(b, CTXC, 1, to);
	mms_end_confirmed(b, &m);
}

/* ---- client side: responses ---- */

static int attr_decode(const struct ber_cur *parent, const struct ber_tlv *t,
		       struct mms_file_attr *a, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int64_t v;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, CTX, 0, &f, "sizeOfFile", err)) ||
	    (r = ber_get_int_range(&f, 0, UINT32_MAX, &v, err)))
		return proto_relayer(err, L, r);
	a->size = (uint32_t)v;
	if ((r = ber_next(&c, &f, err)) == -ENODATA)
		return 0;
	if (r)
		return proto_relayer(err, L, r);
	if (!ber_is(&f, CTX, 1))
		return proto_fail(err, L, "FileAttributes: unexpected element after sizeOfFile");
	if (mms_file_time_parse(f.val, f.len, &a->mtime_ms))
		return proto_fail(err, L, "FileAttributes: lastModified is no GeneralizedTime");
	a->has_mtime = true;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileAttributes: unexpected element after lastModified");
	return 0;
}

static int entry_decode(const struct ber_cur *parent, const struct ber_tlv *t,
			struct mms_file_name *name, struct mms_file_attr *a, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;

	if (!ber_is(t, SEQ, BER_TAG_SEQUENCE))
		return proto_fail(err, L, "DirectoryEntry is not a SEQUENCE");
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, CTXC, 0, &f, "fileName", err)))
		return proto_relayer(err, L, r);
	if ((r = name_decode(&c, &f, name, "fileName", err)))
		return r;
	if ((r = ber_expect(&c, CTXC, 1, &f, "fileAttributes", err)))
		return proto_relayer(err, L, r);
	if ((r = attr_decode(&c, &f, a, err)))
		return r;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "DirectoryEntry: unexpected element after fileAttributes");
	return 0;
}

int mms_file_dir_resp_decode(const uint8_t *body, size_t len, struct mms_file_dir_resp *out,
			     struct proto_err *err)
{
	struct ber_cur c, l, k;
	struct ber_tlv t;
	struct mms_file_name name;
	struct mms_file_attr a;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTXC, 0, &t, "listOfDirectoryEntry", err)) ||
	    (r = ber_enter(&c, &t, &l, err)) ||
	    (r = ber_expect(&l, SEQ, BER_TAG_SEQUENCE, &t, "listOfDirectoryEntry", err)) ||
	    (r = ber_enter(&l, &t, &out->entries, err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&l))
		return proto_fail(err, L, "listOfDirectoryEntry: more than one SEQUENCE OF");
	k = out->entries;
	while ((r = ber_next(&k, &t, err)) == 0) {
		if ((r = entry_decode(&k, &t, &name, &a, err)))
			return r;
		out->count++;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if ((r = ber_next(&c, &t, err)) == -ENODATA)
		return 0;
	if (r)
		return proto_relayer(err, L, r);
	if (!ber_is(&t, CTX, 1) || (r = ber_get_bool(&t, &out->more_follows, err)))
		return r ? proto_relayer(err, L, r) :
			   proto_fail(err, L, "FileDirectory-Response: unexpected element");
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileDirectory-Response: unexpected element after moreFollows");
	return 0;
}

int mms_file_dir_resp_next(struct mms_file_dir_resp *r, struct mms_file_name *name,
			   struct mms_file_attr *a, struct proto_err *err)
{
	struct ber_tlv t;
	const struct ber_cur at = r->entries;
	int e = ber_next(&r->entries, &t, err);
	if (e == -ENODATA)
		return 0;
	if (e)
		return proto_relayer(err, L, e);
	e = entry_decode(&at, &t, name, a, err);
	return e ? e : 1;
}

int mms_file_open_resp_decode(const uint8_t *body, size_t len, int32_t *frsm,
			      struct mms_file_attr *a, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int64_t v;
	int r;

	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTX, 0, &t, "frsmID", err)) ||
	    (r = ber_get_int_range(&t, INT32_MIN, INT32_MAX, &v, err)))
		return proto_relayer(err, L, r);
	*frsm = (int32_t)v;
	if ((r = ber_expect(&c, CTXC, 1, &t, "fileAttributes", err)))
		return proto_relayer(err, L, r);
	if ((r = attr_decode(&c, &t, a, err)))
		return r;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileOpen-Response: unexpected element after fileAttributes");
	return 0;
}

int mms_file_read_resp_decode(const uint8_t *body, size_t len, const uint8_t **data, size_t *n,
			      bool *more_follows, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	*more_follows = true; /* DEFAULT TRUE */
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTX, 0, &t, "fileData", err)))
		return proto_relayer(err, L, r);
	*data = t.val;
	*n = t.len;
	if ((r = ber_next(&c, &t, err)) == -ENODATA)
		return 0;
	if (r)
		return proto_relayer(err, L, r);
	if (!ber_is(&t, CTX, 1) || (r = ber_get_bool(&t, more_follows, err)))
		return r ? proto_relayer(err, L, r) :
			   proto_fail(err, L, "FileRead-Response: unexpected element after fileData");
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "FileRead-Response: unexpected element after moreFollows");
	return 0;
}
