/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_control.h"

#include <errno.h>
#include <string.h>

#include "ber.h"
#include "mms_client.h"
#include "mms_codes.h"

#define L "mms"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

/* IEC 61850-8-1 §20.2.3: the VMD-specific variable of the LastApplError report. */
static const char lae_name[] = "LastApplError";

const char *mms_add_cause_name(int add_cause)
{
	return iec_addcause_str(add_cause);
}

const char *mms_or_cat_name(int or_cat)
{
	static const char *const names[] = {
		"not-supported", "bay-control", "station-control", "remote-control",
		"automatic-bay", "automatic-station", "automatic-remote", "maintenance",
		"process",
	};
	return or_cat >= 0 && or_cat < (int)(sizeof(names) / sizeof(names[0])) ? names[or_cat] :
										 NULL;
}

const char *mms_ctl_model_name(int ctl_model)
{
	static const char *const names[] = {
		"status-only", "direct-with-normal-security", "sbo-with-normal-security",
		"direct-with-enhanced-security", "sbo-with-enhanced-security",
	};
	return ctl_model >= 0 && ctl_model < (int)(sizeof(names) / sizeof(names[0])) ?
		       names[ctl_model] :
		       NULL;
}

/* The next component of a structure, a success value with Data tag `type`. */
static int comp(struct ber_cur *c, uint32_t type, bool constructed, const char *what,
		struct ber_tlv *t, struct proto_err *err)
{
	int r = ber_next(c, t, err);
	if (r == -ENODATA)
		return proto_fail(err, L, "LastApplError without %s", what);
	if (r)
		return proto_relayer(err, L, r);
	if (!ber_is(t, constructed ? CTXC : CTX, type))
		return proto_fail(err, L, "LastApplError: %s with Data tag [%u]%s", what, t->tag,
				  t->constructed ? " constructed" : "");
	return 0;
}

/* An integer component, taken as integer [5] or unsigned [6] (servers
 * differ in which they send for Enum and INT8U), within [min, max]. */
static int num(struct ber_cur *c, const char *what, int64_t min, int64_t max, int64_t *v,
	       struct proto_err *err)
{
	struct ber_tlv t;
	int r = ber_next(c, &t, err);
	if (r == -ENODATA)
		return proto_fail(err, L, "LastApplError without %s", what);
	if (r)
		return proto_relayer(err, L, r);
	if (ber_is(&t, CTX, MMS_TYPE_INTEGER)) {
		r = ber_get_int64(&t, v, err);
	} else if (ber_is(&t, CTX, MMS_TYPE_UNSIGNED)) {
		uint64_t u;
		r = ber_get_uint64(&t, &u, err);
		if (!r && u > INT64_MAX)
			return proto_fail(err, L, "LastApplError: %s %llu out of range", what,
					  (unsigned long long)u);
		*v = (int64_t)u;
	} else {
		return proto_fail(err, L, "LastApplError: %s with Data tag [%u]%s", what, t.tag,
				  t.constructed ? " constructed" : "");
	}
	if (r)
		return proto_relayer(err, L, r);
	if (*v < min || *v > max)
		return proto_fail(err, L, "LastApplError: %s %lld outside %lld..%lld", what,
				  (long long)*v, (long long)min, (long long)max);
	return 0;
}

/* The LastApplError structure, the Data TLV `t` read from `parent`. */
static int lae_decode(const struct ber_cur *parent, const struct ber_tlv *t,
		      struct mms_last_appl_error *o, struct proto_err *err)
{
	struct ber_cur s, g;
	struct ber_tlv f;
	int64_t v;
	int r;

	if (!ber_is(t, CTXC, MMS_TYPE_STRUCTURE))
		return proto_fail(err, L, "LastApplError is not a structure (Data tag [%u])",
				  t->tag);
	if ((r = ber_enter(parent, t, &s, err)))
		return proto_relayer(err, L, r);
	if ((r = comp(&s, MMS_TYPE_VISIBLE_STRING, false, "CntrlObj", &f, err)))
		return r;
	if (f.len >= sizeof(o->cntrl_obj))
		return proto_fail(err, L, "LastApplError: CntrlObj of %zu characters (at most %zu)",
				  f.len, sizeof(o->cntrl_obj) - 1);
	if ((r = ber_get_visible(&f, o->cntrl_obj, sizeof(o->cntrl_obj), err)))
		return proto_relayer(err, L, r);
	if ((r = num(&s, "Error", INT8_MIN, INT8_MAX, &v, err)))
		return r;
	o->error = (int8_t)v;
	if ((r = comp(&s, MMS_TYPE_STRUCTURE, true, "Origin", &f, err)))
		return r;
	if ((r = ber_enter(&s, &f, &g, err)))
		return proto_relayer(err, L, r);
	if ((r = num(&g, "orCat", INT32_MIN, INT32_MAX, &v, err)))
		return r;
	o->or_cat = (int32_t)v;
	if ((r = comp(&g, MMS_TYPE_OCTET_STRING, false, "orIdent", &f, err)))
		return r;
	if (f.len > sizeof(o->or_ident))
		return proto_fail(err, L, "LastApplError: orIdent of %zu octets (at most %zu)",
				  f.len, sizeof(o->or_ident));
	if (f.len)
		memcpy(o->or_ident, f.val, f.len);
	o->or_ident_len = f.len;
	if (!ber_cur_done(&g))
		return proto_fail(err, L, "LastApplError: Origin has more than orCat and orIdent");
	if ((r = num(&s, "ctlNum", 0, 255, &v, err)))
		return r;
	o->ctl_num = (uint8_t)v;
	if ((r = num(&s, "AddCause", INT8_MIN, INT8_MAX, &v, err)))
		return r;
	o->add_cause = (int8_t)v;
	if (!ber_cur_done(&s))
		return proto_fail(err, L, "LastApplError: components after AddCause");
	return 0;
}

/* What one name of the listOfVariable is to us. */
enum { NAME_OTHER, NAME_LAE, NAME_OPER };

/* One SEQUENCE { variableSpecification name [0] ObjectName, alternateAccess
 * [5] OPTIONAL } of the listOfVariable. */
static int var_decode(const struct ber_cur *list, const struct ber_tlv *t, struct mms_objname *o,
		      int *what, struct proto_err *err)
{
	struct ber_cur s, n;
	struct ber_tlv f, g;
	int r;

	if (!ber_is(t, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE))
		return proto_fail(err, L, "listOfVariable item is not a SEQUENCE");
	if ((r = ber_enter(list, t, &s, err)) ||
	    (r = ber_expect(&s, CTXC, 0, &f, "variableSpecification name", err)) ||
	    (r = ber_enter(&s, &f, &n, err)))
		return proto_relayer(err, L, r);
	if ((r = ber_next(&n, &g, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "variableSpecification without a name") : r);
	if ((r = mms_objname_decode(&n, &g, o, err)))
		return r;
	if (!ber_cur_done(&n))
		return proto_fail(err, L, "octets after the ObjectName");
	if (!ber_cur_done(&s)) {
		/* alternateAccess: a component of the variable, not a command */
		if ((r = ber_expect(&s, CTXC, 5, &f, "alternateAccess", err)))
			return proto_relayer(err, L, r);
		if (!ber_cur_done(&s))
			return proto_fail(err, L, "octets after alternateAccess");
		*what = NAME_OTHER;
		return 0;
	}
	size_t il = strlen(o->item);
	if (o->scope == MMS_SCOPE_VMD && !strcmp(o->item, lae_name))
		*what = NAME_LAE;
	else if (o->scope == MMS_SCOPE_DOMAIN && il > 5 && !strcmp(o->item + il - 5, "$Oper"))
		*what = NAME_OPER;
	else
		*what = NAME_OTHER;
	return 0;
}

static int decode(const uint8_t *body, size_t len, struct mms_ctl_report *out,
		  struct proto_err *err)
{
	struct ber_cur c, vl, rl;
	struct ber_tlv vas, res, t;
	struct mms_objname names[2];
	int what[2] = { NAME_OTHER, NAME_OTHER };
	unsigned n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &vas, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "InformationReport is empty") : r);
	if (!ber_is(&vas, CTXC, 0) && !ber_is(&vas, CTXC, 1))
		return proto_fail(err, L, "InformationReport without variableAccessSpecification");
	if ((r = ber_expect(&c, CTXC, 0, &res, "listOfAccessResult", err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after listOfAccessResult");
	if (vas.tag == 1)
		return 0;	/* variableListName: a report of a data set ("RPT") */
	if ((r = ber_enter(&c, &vas, &vl, err)))
		return proto_relayer(err, L, r);
	while ((r = ber_next(&vl, &t, err)) == 0) {
		if (n == 2)
			return 0;	/* three names or more: no control report */
		if ((r = var_decode(&vl, &t, &names[n], &what[n], err)))
			return r;
		n++;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (n == 1 && what[0] == NAME_LAE)
		out->kind = MMS_CTL_LAST_APPL_ERROR;
	else if (n == 1 && what[0] == NAME_OPER)
		out->kind = MMS_CTL_TERMINATION_POS;
	else if (n == 2 && what[0] == NAME_LAE && what[1] == NAME_OPER)
		out->kind = MMS_CTL_TERMINATION_NEG;
	else
		return 0;

	/* IEC 61850-8-1 §20: one AccessResult per name, each a success */
	if ((r = ber_enter(&c, &res, &rl, err)))
		return proto_relayer(err, L, r);
	for (unsigned i = 0; i < n; i++) {
		const char *nm = what[i] == NAME_LAE ? lae_name : "Oper";
		if ((r = ber_next(&rl, &t, err)))
			return proto_relayer(err, L, r == -ENODATA ?
					     proto_fail(err, L, "%u names and %u results", n, i) : r);
		if (t.cls == BER_CONTEXT && t.tag == 0)
			return proto_fail(err, L, "%s is an access failure", nm);
		if (what[i] == NAME_LAE) {
			if ((r = lae_decode(&rl, &t, &out->lae, err)))
				return r;
			continue;
		}
		if (!ber_is(&t, CTXC, MMS_TYPE_STRUCTURE))
			return proto_fail(err, L, "Oper is not a structure (Data tag [%u])", t.tag);
		out->oper = names[i];
		out->oper_data = t.start;
		out->oper_len = (size_t)(t.val + t.len - t.start);
	}
	if (!ber_cur_done(&rl))
		return proto_fail(err, L, "more results than the %u names", n);
	return 1;
}

int mms_ctl_report_decode(const uint8_t *body, size_t len, struct mms_ctl_report *out,
			  struct proto_err *err)
{
	int r = decode(body, len, out, err);
	if (r != 1)
		out->kind = 0;
	return r;
}

void mms_ctl_bool_cmd_encode(struct buf *d, bool val, int or_cat, const char *or_ident,
			     uint8_t ctl_num, const uint8_t t[8], bool test, int check)
{
	size_t st = ber_begin(d, BER_CONTEXT | BER_CONSTRUCTED, MMS_TYPE_STRUCTURE);
	ber_put_bool(d, BER_CONTEXT, MMS_TYPE_BOOLEAN, val);
	size_t og = ber_begin(d, BER_CONTEXT | BER_CONSTRUCTED, MMS_TYPE_STRUCTURE);
	ber_put_int(d, BER_CONTEXT, MMS_TYPE_INTEGER, or_cat);
	ber_put_raw(d, BER_CONTEXT, MMS_TYPE_OCTET_STRING, or_ident, strlen(or_ident));
	ber_end(d, og);
	ber_put_uint(d, BER_CONTEXT, MMS_TYPE_UNSIGNED, ctl_num);
	ber_put_raw(d, BER_CONTEXT, MMS_TYPE_UTC_TIME, t, 8);
	ber_put_bool(d, BER_CONTEXT, MMS_TYPE_BOOLEAN, test);
	if (check >= 0) {
		/* bit 0 (the first on the wire) synchrocheck, bit 1 interlock-check */
		uint8_t bits[1] = { (uint8_t)(((check & 1) ? 0x80 : 0) | ((check & 2) ? 0x40 : 0)) };
		ber_put_bitstring(d, BER_CONTEXT, MMS_TYPE_BIT_STRING, bits, 2);
	}
	ber_end(d, st);
}
