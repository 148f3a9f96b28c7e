/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_report.h"

#include <errno.h>
#include <string.h>

#include "ber.h"
#include "mms_client.h"

#define L "mms"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

/* variableAccessSpecification: variableListName [1] { vmd-specific [0] "RPT" } */
static const uint8_t rpt_name[] = { CTXC | 1, 5, CTX | 0, 3, 'R', 'P', 'T' };

void mms_report_begin(struct buf *b, struct mms_report_enc *e)
{
	e->outer = ber_begin(b, CTXC, MMS_UNCONFIRMED);
	e->svc = ber_begin(b, CTXC, 0);	/* informationReport [0] */
	buf_put(b, rpt_name, sizeof(rpt_name));
	e->list = ber_begin(b, CTXC, 0);	/* listOfAccessResult [0] */
}

void mms_report_end(struct buf *b, struct mms_report_enc *e)
{
	ber_end(b, e->list);
	ber_end(b, e->svc);
	ber_end(b, e->outer);
}

size_t mms_report_overhead(size_t content)
{
	size_t list = 1 + ber_len_size(content) + content;
	size_t svc = sizeof(rpt_name) + list;
	size_t outer = 1 + ber_len_size(svc) + svc;
	return 1 + ber_len_size(outer) + outer - content;
}

int mms_unconfirmed_report(const struct mms_pdu *p, const uint8_t **body, size_t *len,
			   struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	if (p->kind != MMS_UNCONFIRMED)
		return proto_fail(err, L, "not an unconfirmed PDU");
	ber_cur_init(&c, p->pdu, p->pdu_len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "unconfirmed PDU without a service") : r);
	if (t.cls != BER_CONTEXT)
		return proto_fail(err, L, "unconfirmed service is not a context-specific CHOICE");
	if (t.tag != 0)
		return 0;	/* unsolicitedStatus, eventNotification */
	if (!t.constructed)
		return proto_fail(err, L, "informationReport is not constructed");
	*body = t.val;
	*len = t.len;
	return 1;
}

/* The next AccessResult of the list, which must be a success of Data
 * type `type` (enum mms_type). */
static int field(struct ber_cur *l, uint32_t type, const char *what, struct ber_tlv *t,
		 struct proto_err *err)
{
	int r = ber_next(l, t, err);
	if (r == -ENODATA)
		return proto_fail(err, L, "report without %s", what);
	if (r)
		return proto_relayer(err, L, r);
	if (t->cls == BER_CONTEXT && t->tag == 0)
		return proto_fail(err, L, "report: %s is an access failure", what);
	if (!ber_is(t, CTX, type))
		return proto_fail(err, L, "report: %s with Data tag [%u]%s", what, t->tag,
				  t->constructed ? " constructed" : "");
	return 0;
}

static int u32_field(struct ber_cur *l, const char *what, uint32_t *v, struct proto_err *err)
{
	struct ber_tlv t;
	uint64_t u;
	int r;

	if ((r = field(l, MMS_TYPE_UNSIGNED, what, &t, err)))
		return r;
	if ((r = ber_get_uint64(&t, &u, err)))
		return proto_relayer(err, L, r);
	if (u > UINT32_MAX)
		return proto_fail(err, L, "report: %s %llu does not fit 32 bits", what,
				  (unsigned long long)u);
	*v = (uint32_t)u;
	return 0;
}

static int bool_field(struct ber_cur *l, const char *what, bool *v, struct proto_err *err)
{
	struct ber_tlv t;
	int r;

	if ((r = field(l, MMS_TYPE_BOOLEAN, what, &t, err)))
		return r;
	return proto_relayer(err, L, ber_get_bool(&t, v, err));
}

static int str_field(struct ber_cur *l, const char *what, char *out, size_t n,
		     struct proto_err *err)
{
	struct ber_tlv t;
	int r;

	if ((r = field(l, MMS_TYPE_VISIBLE_STRING, what, &t, err)))
		return r;
	if (t.len >= n)
		return proto_fail(err, L, "report: %s of %zu characters (at most %zu)", what,
				  t.len, n - 1);
	return proto_relayer(err, L, ber_get_visible(&t, out, n, err));
}

/* A BIT STRING of at most `max` octets as bit i = 1u << i (wire bit 0 first). */
static int bits_field(struct ber_cur *l, const char *what, size_t max, uint32_t *v,
		      size_t *nbits, struct proto_err *err)
{
	struct ber_tlv t;
	uint8_t bits[4];
	int r;

	if ((r = field(l, MMS_TYPE_BIT_STRING, what, &t, err)))
		return r;
	if ((r = ber_get_bitstring(&t, bits, max, nbits, err)))
		return proto_relayer(err, L, r);
	*v = 0;
	for (unsigned i = 0; i < *nbits; i++)
		if (mms_bit(bits, i))
			*v |= 1u << i;
	return 0;
}

/* Data CHOICE envelope: array [1] and structure [2] constructed, the basic
 * types [3]..[17] (not [8], unused) primitive. */
static bool data_envelope_ok(const struct ber_tlv *t)
{
	if (t->cls != BER_CONTEXT || t->tag < 1 || t->tag > 17 || t->tag == 8)
		return false;
	return t->constructed == (t->tag <= 2);
}

int mms_report_decode(const uint8_t *body, size_t len, struct mms_report *o,
		      struct proto_err *err)
{
	struct ber_cur c, l, n;
	struct ber_tlv t;
	static const uint8_t rpt[] = { 'R', 'P', 'T' };
	uint8_t incl[MMS_RPT_MAX_MEMBERS / 8];
	uint32_t v;
	size_t nbits;
	int r;

	struct mms_report_member *members = o->members;
	uint32_t cap = o->cap;
	memset(o, 0, sizeof(*o));
	o->members = members;
	o->cap = cap;

	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTXC, 1, &t, "variableListName", err)) ||
	    (r = ber_enter(&c, &t, &n, err)) ||
	    (r = ber_expect(&n, CTX, 0, &t, "vmd-specific name", err)))
		return proto_relayer(err, L, r);
	if (t.len != sizeof(rpt) || memcmp(t.val, rpt, sizeof(rpt)) || !ber_cur_done(&n))
		return proto_fail(err, L, "InformationReport is not \"RPT\"");
	if ((r = ber_expect(&c, CTXC, 0, &t, "listOfAccessResult", err)) ||
	    (r = ber_enter(&c, &t, &l, err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after listOfAccessResult");

	/* IEC 61850-8-1 §17.2.3, Table 43: the header, each field only when
	 * its OptFlds bit is set */
	if ((r = str_field(&l, "RptID", o->rpt_id, sizeof(o->rpt_id), err)) ||
	    (r = bits_field(&l, "OptFlds", 2, &v, &nbits, err)))
		return r;
	o->opt_flds = (uint16_t)v;
#define OPT(bit) (o->opt_flds & (1u << (bit)))
	if (OPT(MMS_OPT_SEQ_NUM)) {
		if ((r = u32_field(&l, "SeqNum", &o->seq_num, err)))
			return r;
		o->has_seq = true;
	}
	if (OPT(MMS_OPT_TIME_STAMP)) {
		if ((r = field(&l, MMS_TYPE_BINARY_TIME, "TimeOfEntry", &t, err)))
			return r;
		if (t.len != sizeof(o->time_of_entry))
			return proto_fail(err, L, "report: TimeOfEntry of %zu octets, 6 expected",
					  t.len);
		memcpy(o->time_of_entry, t.val, t.len);
		o->has_time = true;
	}
	if (OPT(MMS_OPT_DATA_SET)) {
		if ((r = str_field(&l, "DatSet", o->dataset, sizeof(o->dataset), err)))
			return r;
		o->has_dataset = true;
	}
	if (OPT(MMS_OPT_BUF_OVFL)) {
		if ((r = bool_field(&l, "BufOvfl", &o->buf_ovfl, err)))
			return r;
		o->has_bufovfl = true;
	}
	if (OPT(MMS_OPT_ENTRY_ID)) {
		if ((r = field(&l, MMS_TYPE_OCTET_STRING, "EntryID", &t, err)))
			return r;
		if (t.len != sizeof(o->entry_id))
			return proto_fail(err, L, "report: EntryID of %zu octets, 8 expected", t.len);
		memcpy(o->entry_id, t.val, t.len);
		o->has_entry_id = true;
	}
	if (OPT(MMS_OPT_CONF_REV)) {
		if ((r = u32_field(&l, "ConfRev", &o->conf_rev, err)))
			return r;
		o->has_conf_rev = true;
	}
	if (OPT(MMS_OPT_SEGMENTATION)) {
		if ((r = u32_field(&l, "SubSeqNum", &o->sub_seq_num, err)) ||
		    (r = bool_field(&l, "MoreSegmentsFollow", &o->more_segments, err)))
			return r;
		o->has_segment = true;
	}
	if ((r = field(&l, MMS_TYPE_BIT_STRING, "Inclusion", &t, err)))
		return r;
	if ((r = ber_get_bitstring(&t, incl, sizeof(incl), &nbits, err)))
		return proto_relayer(err, L, r);
	o->n_members = (uint32_t)nbits;
	for (uint32_t i = 0; i < o->n_members; i++)
		if (mms_bit(incl, i))
			o->n_included++;
	if (o->n_included > o->cap)
		return -ENOSPC;
	for (uint32_t i = 0, k = 0; i < o->n_members; i++)
		if (mms_bit(incl, i)) {
			memset(&o->members[k], 0, sizeof(o->members[k]));
			o->members[k++].index = i;
		}
	if (OPT(MMS_OPT_DATA_REF))
		for (uint32_t k = 0; k < o->n_included; k++)
			if ((r = str_field(&l, "data reference", o->members[k].ref,
					   sizeof(o->members[k].ref), err)))
				return r;
	for (uint32_t k = 0; k < o->n_included; k++) {
		if ((r = ber_next(&l, &t, err)))
			return proto_relayer(err, L, r == -ENODATA ?
					     proto_fail(err, L, "report: %u of %u values", k,
							o->n_included) : r);
		if (t.cls == BER_CONTEXT && t.tag == 0)
			return proto_fail(err, L, "report: value of member %u is an access failure",
					  o->members[k].index);
		if (!data_envelope_ok(&t))
			return proto_fail(err, L, "report: value of member %u with tag [%u]%s",
					  o->members[k].index, t.tag,
					  t.constructed ? " constructed" : "");
		o->members[k].data = t.start;
		o->members[k].data_len = (size_t)(t.val + t.len - t.start);
	}
	if (OPT(MMS_OPT_REASON))
		for (uint32_t k = 0; k < o->n_included; k++) {
			if ((r = bits_field(&l, "ReasonCode", 1, &v, &nbits, err)))
				return r;
			o->members[k].has_reason = true;
			o->members[k].reason = (uint8_t)v;
		}
#undef OPT
	if (!ber_cur_done(&l))
		return proto_fail(err, L, "report: AccessResults after the last field");
	return 0;
}
