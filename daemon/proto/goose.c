/* SPDX-License-Identifier: Apache-2.0 */
#include "goose.h"

#include <errno.h>
#include <string.h>

#define L "goose"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

/* goosePdu field tags (8-1 Annex A, IECGoosePdu). */
enum {
	F_GOCB_REF = 0, F_TAL = 1, F_DAT_SET = 2, F_GO_ID = 3, F_T = 4, F_ST_NUM = 5,
	F_SQ_NUM = 6, F_SIMULATION = 7, F_CONF_REV = 8, F_NDS_COM = 9, F_N_ENTRIES = 10,
	F_ALL_DATA = 11, F_SECURITY = 12,
};
static const char *const field_name[] = {
	"gocbRef", "timeAllowedtoLive", "datSet", "goID", "t", "stNum", "sqNum",
	"simulation", "confRev", "ndsCom", "numDatSetEntries", "allData", "security",
};
#define MANDATORY                                                                       \
	((1u << F_GOCB_REF) | (1u << F_TAL) | (1u << F_DAT_SET) | (1u << F_T) |          \
	 (1u << F_ST_NUM) | (1u << F_SQ_NUM) | (1u << F_CONF_REV) | (1u << F_N_ENTRIES) | \
	 (1u << F_ALL_DATA))

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- allData members ---- */

static bool visible(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7E)
			return false;
	return true;
}

static int bits_ok(const struct ber_tlv *t, const char *what, struct proto_err *err)
{
	if (t->len == 0)
		return proto_fail(err, L, "allData: %s without its unused-bits octet", what);
	if (t->val[0] > 7)
		return proto_fail(err, L, "allData: %s with %u unused bits (at most 7)", what,
				  t->val[0]);
	if (t->len == 1 && t->val[0])
		return proto_fail(err, L, "allData: empty %s with %u unused bits", what,
				  t->val[0]);
	return 0;
}

/* One level of Data TLVs in c; recursion only through structures and
 * arrays, at most GOOSE_MAX_NESTING deep. */
static int check_level(struct ber_cur *c, unsigned depth, uint32_t *count, struct proto_err *err)
{
	struct ber_tlv t;
	uint32_t n = 0;
	int r;

	while ((r = ber_next(c, &t, err)) == 0) {
		n++;
		if (t.cls != BER_CONTEXT)
			return proto_fail(err, L, "allData: member %u is not a Data CHOICE", n);
		bool want_constructed = t.tag == 1 || t.tag == 2;
		if (t.constructed != want_constructed && t.tag <= 17)
			return proto_fail(err, L, "allData: Data [%u] %s", t.tag,
					  t.constructed ? "constructed" : "primitive");
		switch (t.tag) {
		case 1: /* array */
		case 2: /* structure */
			if (depth + 1 > GOOSE_MAX_NESTING)
				return proto_fail(err, L, "allData: nested deeper than %d levels",
						  GOOSE_MAX_NESTING);
			struct ber_cur in;
			ber_cur_init(&in, t.val, t.len);
			if ((r = check_level(&in, depth + 1, NULL, err)))
				return r;
			break;
		case 3:
			if (t.len != 1)
				return proto_fail(err, L, "allData: boolean of %zu octets", t.len);
			break;
		case 4:
			if ((r = bits_ok(&t, "bit-string", err)))
				return r;
			break;
		case 14:
			if ((r = bits_ok(&t, "booleanArray", err)))
				return r;
			break;
		case 5:
		case 13:
			if (t.len == 0 || t.len > 8)
				return proto_fail(err, L, "allData: %s of %zu octets (1..8)",
						  t.tag == 5 ? "integer" : "bcd", t.len);
			break;
		case 6:
			if (t.len == 0 || t.len > 9 || (t.len == 9 && t.val[0]))
				return proto_fail(err, L, "allData: unsigned of %zu octets", t.len);
			if (t.val[0] & 0x80)
				return proto_fail(err, L, "allData: negative unsigned");
			break;
		case 7:
			if (!(t.len == 5 && t.val[0] == 8) && !(t.len == 9 && t.val[0] == 11))
				return proto_fail(err, L,
						  "allData: floating-point of %zu octets, exponent "
						  "width %u",
						  t.len, t.len ? t.val[0] : 0);
			break;
		case 9:
		case 15:
		case 16:
			break;
		case 10:
			if (!visible(t.val, t.len))
				return proto_fail(err, L, "allData: visible-string not visible ASCII");
			break;
		case 12:
			if (t.len != 4 && t.len != 6)
				return proto_fail(err, L, "allData: binary-time of %zu octets (4 or 6)",
						  t.len);
			break;
		case 17:
			if (t.len != 8)
				return proto_fail(err, L, "allData: utc-time of %zu octets (8)", t.len);
			break;
		default:
			return proto_fail(err, L, "allData: Data tag [%u] is not used by 8-1", t.tag);
		}
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (count)
		*count = n;
	return 0;
}

int goose_data_check(const uint8_t *p, size_t len, uint32_t *n, struct proto_err *err)
{
	struct ber_cur c;
	ber_cur_init(&c, p, len);
	return check_level(&c, 0, n, err);
}

/* ---- decoding ---- */

/* An INT32U field in 1..5 octets (leading zeros allowed, see goose.h). */
static int get_u32(const struct ber_tlv *t, const char *what, uint32_t *v, struct proto_err *err)
{
	const uint8_t *p = t->val;
	size_t n = t->len;

	if (n == 0)
		return proto_fail(err, L, "%s: INTEGER of 0 octets", what);
	if (p[0] & 0x80)
		return proto_fail(err, L, "%s: negative INTEGER", what);
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > 4 || t->len > 5)
		return proto_fail(err, L, "%s: INTEGER of %zu octets exceeds INT32U", what, t->len);
	uint32_t u = 0;
	for (size_t i = 0; i < n; i++)
		u = u << 8 | p[i];
	*v = u;
	return 0;
}

static int get_bool(const struct ber_tlv *t, const char *what, bool *v, struct proto_err *err)
{
	if (t->len != 1)
		return proto_fail(err, L, "%s: BOOLEAN of %zu octets", what, t->len);
	*v = t->val[0] != 0;
	return 0;
}

static int get_str(const struct ber_tlv *t, const char *what, char *out, struct proto_err *err)
{
	if (t->len > GOOSE_MAX_STRING)
		return proto_fail(err, L, "%s of %zu characters (at most %d)", what, t->len,
				  GOOSE_MAX_STRING);
	if (!visible(t->val, t->len))
		return proto_fail(err, L, "%s is not visible ASCII", what);
	memcpy(out, t->val, t->len);
	out[t->len] = 0;
	return 0;
}

/* The Ethernet and GOOSE headers: *apdu, *apdu_len = the octets after
 * Reserved2 up to Length. Fills the header fields of o when o != NULL. */
static int decode_header(const uint8_t *f, size_t len, struct goose_frame *o,
			 const uint8_t **apdu, size_t *apdu_len, struct proto_err *err)
{
	size_t off = 12;

	if (len < 14)
		return proto_fail(err, L, "frame of %zu octets truncated in the Ethernet header",
				  len);
	uint16_t type = get16(f + 12);
	bool vlan = type == GOOSE_TPID;
	if (vlan) {
		if (len < 18)
			return proto_fail(err, L, "frame of %zu octets truncated in the 802.1Q tag",
					  len);
		off = 16;
		type = get16(f + 16);
	}
	if (type != GOOSE_ETHERTYPE)
		return proto_fail(err, L, "EtherType 0x%04x is not GOOSE (0x88b8)", type);
	off += 2;
	if (len - off < 8)
		return proto_fail(err, L, "frame of %zu octets truncated in the GOOSE header", len);
	const uint8_t *h = f + off;
	uint16_t length = get16(h + 2);
	if (length < 8)
		return proto_fail(err, L, "Length %u is shorter than the GOOSE header (8)", length);
	if (length > len - off)
		return proto_fail(err, L, "Length %u runs past the frame (%zu octets from APPID)",
				  length, len - off);
	if (length < len - off)
		return proto_fail(err, L, "Length %u but %zu octets follow from APPID", length,
				  len - off);
	if (o) {
		memcpy(o->dst, f, 6);
		memcpy(o->src, f + 6, 6);
		o->vlan = vlan;
		if (vlan) {
			uint16_t tci = get16(f + 14);
			o->priority = (uint8_t)(tci >> 13);
			o->dei = tci & 0x1000;
			o->vid = tci & 0x0FFF;
		} else {
			o->priority = 0;
			o->dei = false;
			o->vid = 0;
		}
		o->appid = get16(h);
		o->reserved1 = get16(h + 4);
		o->simulation = o->reserved1 & GOOSE_RESERVED1_SIM;
		o->reserved2 = get16(h + 6);
	}
	*apdu = h + 8;
	*apdu_len = length - 8u;
	return 0;
}

/* The goosePdu's contents (cursor c) from the APDU octets. */
static int enter_pdu(const uint8_t *apdu, size_t n, struct ber_cur *c, struct proto_err *err)
{
	struct ber_cur a;
	struct ber_tlv t;
	int r;

	ber_cur_init(&a, apdu, n);
	if ((r = ber_next(&a, &t, err)))
		return r == -ENODATA ? proto_fail(err, L, "no goosePdu after the header")
				     : proto_relayer(err, L, r);
	if (!ber_is(&t, BER_APPLICATION | BER_CONSTRUCTED, 1))
		return proto_fail(err, L, "APDU is not a goosePdu [APPLICATION 1] (first octet 0x%02x)",
				  *t.start);
	if (!ber_cur_done(&a))
		return proto_fail(err, L, "%zu octets after the goosePdu within Length",
				  (size_t)(a.end - a.pos));
	ber_cur_init(c, t.val, t.len);
	return 0;
}

int goose_decode(const uint8_t *frame, size_t len, struct goose_frame *o, struct proto_err *err)
{
	const uint8_t *apdu;
	size_t apdu_len;
	struct ber_cur c;
	struct ber_tlv t;
	uint32_t seen = 0;
	int last = -1, r;

	if ((r = decode_header(frame, len, o, &apdu, &apdu_len, err)) ||
	    (r = enter_pdu(apdu, apdu_len, &c, err)))
		return r;
	o->gocb_ref = o->dat_set = o->go_id = NULL;
	o->test = o->nds_com = o->has_security = false;
	o->all_data = NULL;
	o->all_data_len = 0;

	while ((r = ber_next(&c, &t, err)) == 0) {
		if (t.cls != BER_CONTEXT || t.tag > F_SECURITY)
			return proto_fail(err, L, "goosePdu: unknown field (first octet 0x%02x)",
					  *t.start);
		const char *what = field_name[t.tag];
		if ((int)t.tag <= last)
			return proto_fail(err, L, "goosePdu: %s %s", what,
					  seen & (1u << t.tag) ? "repeated" : "out of order");
		last = (int)t.tag;
		seen |= 1u << t.tag;
		if (t.constructed != (t.tag == F_ALL_DATA) && t.tag != F_SECURITY)
			return proto_fail(err, L, "goosePdu: %s is %s", what,
					  t.constructed ? "constructed" : "primitive");
		switch (t.tag) {
		case F_GOCB_REF:
			r = get_str(&t, what, o->text.gocb_ref, err);
			o->gocb_ref = o->text.gocb_ref;
			break;
		case F_DAT_SET:
			r = get_str(&t, what, o->text.dat_set, err);
			o->dat_set = o->text.dat_set;
			break;
		case F_GO_ID:
			r = get_str(&t, what, o->text.go_id, err);
			o->go_id = o->text.go_id;
			break;
		case F_TAL:
			r = get_u32(&t, what, &o->tal_ms, err);
			break;
		case F_T:
			if (t.len != 8)
				return proto_fail(err, L, "goosePdu: t of %zu octets, 8 expected",
						  t.len);
			memcpy(o->t, t.val, 8);
			break;
		case F_ST_NUM:
			r = get_u32(&t, what, &o->st_num, err);
			break;
		case F_SQ_NUM:
			r = get_u32(&t, what, &o->sq_num, err);
			break;
		case F_SIMULATION:
			r = get_bool(&t, what, &o->test, err);
			break;
		case F_CONF_REV:
			r = get_u32(&t, what, &o->conf_rev, err);
			break;
		case F_NDS_COM:
			r = get_bool(&t, what, &o->nds_com, err);
			break;
		case F_N_ENTRIES:
			r = get_u32(&t, what, &o->n_entries, err);
			break;
		case F_ALL_DATA: {
			uint32_t n;
			if ((r = goose_data_check(t.val, t.len, &n, err)))
				return r;
			if (n != o->n_entries)
				return proto_fail(err, L,
						  "numDatSetEntries %u but allData has %u members",
						  o->n_entries, n);
			o->all_data = t.val;
			o->all_data_len = t.len;
			break;
		}
		case F_SECURITY:
			o->has_security = true;
			break;
		}
		if (r)
			return r;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	uint32_t missing = MANDATORY & ~seen;
	if (missing)
		return proto_fail(err, L, "goosePdu without %s",
				  field_name[__builtin_ctz(missing)]);
	return 0;
}

/* ---- encoding ---- */

static int check_str(const char *s, const char *what, bool optional, struct proto_err *err)
{
	if (!s) {
		if (optional)
			return 0;
		proto_fail(err, L, "%s missing", what);
		return -EINVAL;
	}
	size_t n = strlen(s);
	if (n > GOOSE_MAX_STRING) {
		proto_fail(err, L, "%s of %zu characters (at most %d)", what, n, GOOSE_MAX_STRING);
		return -EINVAL;
	}
	if (!visible((const uint8_t *)s, n)) {
		proto_fail(err, L, "%s is not visible ASCII", what);
		return -EINVAL;
	}
	return 0;
}

int goose_encode(const struct goose_frame *f, struct buf *b, struct proto_err *err)
{
	size_t start = b->len;
	uint32_t n;
	int r;

	if ((r = check_str(f->gocb_ref, "gocbRef", false, err)) ||
	    (r = check_str(f->dat_set, "datSet", false, err)) ||
	    (r = check_str(f->go_id, "goID", true, err)))
		return r;
	if (f->vlan && (f->priority > 7 || f->vid > 4095)) {
		proto_fail(err, L, "802.1Q priority %u / VLAN-ID %u out of range (0..7 / 0..4095)",
			   f->priority, f->vid);
		return -EINVAL;
	}
	if (f->simulation && !f->test) {
		proto_fail(err, L, "the simulation bit of Reserved1 needs simulation TRUE in the PDU");
		return -EINVAL;
	}
	if (f->all_data_len && !f->all_data) {
		proto_fail(err, L, "allData of %zu octets without data", f->all_data_len);
		return -EINVAL;
	}
	if (goose_data_check(f->all_data ? f->all_data : (const uint8_t *)"", f->all_data_len, &n,
			     err))
		return -EINVAL;
	if (n != f->n_entries) {
		proto_fail(err, L, "numDatSetEntries %u but allData has %u members", f->n_entries, n);
		return -EINVAL;
	}

	uint8_t hdr[18 + 8];
	size_t h = 12;
	memcpy(hdr, f->dst, 6);
	memcpy(hdr + 6, f->src, 6);
	if (f->vlan) {
		put16(hdr + 12, GOOSE_TPID);
		put16(hdr + 14, (uint16_t)(f->priority << 13 | (f->dei ? 0x1000 : 0) | f->vid));
		h = 16;
	}
	put16(hdr + h, GOOSE_ETHERTYPE);
	h += 2;
	size_t appid_off = start + h;
	put16(hdr + h, f->appid);
	put16(hdr + h + 2, 0); /* Length, below */
	put16(hdr + h + 4, (uint16_t)((f->reserved1 & ~GOOSE_RESERVED1_SIM) |
				      (f->simulation ? GOOSE_RESERVED1_SIM : 0)));
	put16(hdr + h + 6, f->reserved2);
	buf_put(b, hdr, h + 8);

	size_t pdu = ber_begin(b, BER_APPLICATION | BER_CONSTRUCTED, 1);
	ber_put_str(b, CTX, F_GOCB_REF, f->gocb_ref);
	ber_put_uint(b, CTX, F_TAL, f->tal_ms);
	ber_put_str(b, CTX, F_DAT_SET, f->dat_set);
	if (f->go_id)
		ber_put_str(b, CTX, F_GO_ID, f->go_id);
	ber_put_raw(b, CTX, F_T, f->t, 8);
	ber_put_uint(b, CTX, F_ST_NUM, f->st_num);
	ber_put_uint(b, CTX, F_SQ_NUM, f->sq_num);
	ber_put_bool(b, CTX, F_SIMULATION, f->test);
	ber_put_uint(b, CTX, F_CONF_REV, f->conf_rev);
	ber_put_bool(b, CTX, F_NDS_COM, f->nds_com);
	ber_put_uint(b, CTX, F_N_ENTRIES, f->n_entries);
	ber_put_raw(b, CTXC, F_ALL_DATA, f->all_data, f->all_data_len);
	ber_end(b, pdu);
	if (b->err)
		return b->err;

	size_t frame_len = b->len - start;
	size_t max = f->vlan ? GOOSE_MAX_FRAME_VLAN : GOOSE_MAX_FRAME;
	if (frame_len > max) {
		b->len = start;
		proto_fail(err, L, "frame of %zu octets exceeds %zu (IEEE 802.3 maximum%s)",
			   frame_len, max, f->vlan ? " with the 802.1Q tag" : "");
		return -EMSGSIZE;
	}
	put16(buf_data(b) + appid_off + 2, (uint16_t)(b->len - appid_off));
	return 0;
}

/* ---- patching ---- */

static size_t uint_width(uint32_t v)
{
	/* minimal INTEGER octets of a non-negative value (with a leading zero
	 * when the top bit would be set) */
	size_t n = 1;
	while (n < 5 && (v >> (8 * n - 1)))
		n++;
	return n;
}

static void put_be(uint8_t *p, size_t n, uint32_t v)
{
	for (size_t i = n; i-- > 0;) {
		p[i] = (uint8_t)v;
		v >>= 8;	/* 0 after four octets: a fifth is the leading zero */
	}
}

int goose_patch(uint8_t *frame, size_t len, uint32_t tal_ms, const uint8_t t[8],
		uint32_t st_num, uint32_t sq_num)
{
	const uint8_t *apdu;
	size_t apdu_len;
	struct ber_cur c;
	struct ber_tlv tlv;
	uint8_t *at[F_SQ_NUM + 1] = { 0 };
	size_t width[F_SQ_NUM + 1] = { 0 };
	int r;

	if ((r = decode_header(frame, len, NULL, &apdu, &apdu_len, NULL)) ||
	    (r = enter_pdu(apdu, apdu_len, &c, NULL)))
		return r;
	while (!at[F_SQ_NUM] && (r = ber_next(&c, &tlv, NULL)) == 0) {
		if (tlv.cls != BER_CONTEXT || tlv.constructed || tlv.tag > F_SQ_NUM)
			return -EBADMSG;
		at[tlv.tag] = frame + (tlv.val - frame);
		width[tlv.tag] = tlv.len;
	}
	if (!at[F_TAL] || !at[F_T] || !at[F_ST_NUM] || !at[F_SQ_NUM] || width[F_T] != 8)
		return -EBADMSG;
	if (width[F_TAL] != uint_width(tal_ms) || width[F_ST_NUM] != uint_width(st_num) ||
	    width[F_SQ_NUM] != uint_width(sq_num))
		return -ERANGE;
	put_be(at[F_TAL], width[F_TAL], tal_ms);
	memcpy(at[F_T], t, 8);
	put_be(at[F_ST_NUM], width[F_ST_NUM], st_num);
	put_be(at[F_SQ_NUM], width[F_SQ_NUM], sq_num);
	return 0;
}
