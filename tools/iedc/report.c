/* SPDX-License-Identifier: Apache-2.0 */
/* iedc dataset create|delete (DefineNamedVariableList and
 * DeleteNamedVariableList, IEC 61850-8-1 §14) and iedc report: configure
 * and enable a report control block (IEC 61850-7-2 §17, 8-1 §17.2), print
 * each report as it arrives, disable it again at the end. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iedc.h"
#include "mms_nvl.h"
#include "rptfmt.h"

#define REF_MAX (MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16)

/* "@NAME" (association-specific, IEC 61850-8-1 §14.2.4) or LD/LN.NAME. */
static int set_name_parse(const char *ref, struct mms_objname *out)
{
	if (ref[0] != '@')
		return dataset_parse(ref, out);
	size_t n = strlen(ref + 1);
	if (!n || n > 32 || strspn(ref + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_") != n || (ref[1] >= '0' && ref[1] <= '9'))
		return -EINVAL;
	*out = (struct mms_objname){ .scope = MMS_SCOPE_AA };
	memcpy(out->item, ref + 1, n);
	return 0;
}

int dataset_args_check(const char *sub, char **args, int nargs, char *why, size_t n)
{
	struct mms_objname o;
	struct proto_err err = { 0 };

	if (nargs < 1 || set_name_parse(args[0], &o)) {
		snprintf(why, n, "%s: not a data set name LD/LN.NAME or @NAME (at most 32 letters, "
			 "digits and '_')", nargs ? args[0] : "");
		return IEDC_USAGE;
	}
	if (!strcmp(sub, "create"))
		for (int i = 1; i < nargs; i++)
			if (mms_ref_parse(args[i], &o, &err)) {
				snprintf(why, n, "%s: %s", args[i], err.reason);
				return IEDC_USAGE;
			}
	return IEDC_OK;
}

/* DefineNamedVariableList of `list` with members[0..n) (references). */
static int define(struct client *c, const struct mms_objname *list, char **members, int n)
{
	struct buf pdu;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	char what[300], ref[REF_MAX];
	struct mms_varspec *v = calloc((size_t)n + 1, sizeof(*v));

	if (!v)
		return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
	for (int i = 0; i < n; i++)
		if (mms_ref_parse(members[i], &v[i].name, &err)) {
			free(v);
			return iedc_fail(c, IEDC_USAGE, "%s: %s", members[i], err.reason);
		}
	snprintf(what, sizeof(what), "DefineNamedVariableList of %s",
		 mms_ref_format(list, ref, sizeof(ref)));
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_definenvl_req_encode(&pdu, id, list, v, (uint32_t)n);
	free(v);
	int r = pdu.err ? iedc_fail(c, IEDC_PROTOCOL, "cannot encode %s", what) :
			  client_call(c, &pdu, id, MMS_SVC_DEFINE_NVL, what, &p);
	buf_clear(&pdu);
	return r;
}

int cmd_dataset(struct client *c, bool json, const char *sub, char **args, int nargs)
{
	struct mms_objname list;
	char ref[REF_MAX], what[300];
	int r;

	if (set_name_parse(args[0], &list))
		return iedc_fail(c, IEDC_USAGE, "%s: not a data set name", args[0]);
	mms_ref_format(&list, ref, sizeof(ref));
	if (!strcmp(sub, "create")) {
		if ((r = define(c, &list, args + 1, nargs - 1)))
			return r;
	} else {
		struct buf pdu;
		struct mms_pdu p;
		struct proto_err err = { 0 };
		uint32_t matched, deleted;
		snprintf(what, sizeof(what), "DeleteNamedVariableList of %s", ref);
		uint32_t id = c->next_invoke++;
		buf_init(&pdu, ISO_HEADROOM, 0);
		mms_deletenvl_req_encode(&pdu, id, &list);
		r = client_call(c, &pdu, id, MMS_SVC_DELETE_NVL, what, &p);
		buf_clear(&pdu);
		if (r)
			return r;
		if (mms_deletenvl_resp_decode(p.body, p.body_len, &matched, &deleted, &err))
			return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
					 err.reason);
		/* ISO 9506-1 §11.5: a list that exists but may not be deleted
		 * (an SCL data set) is matched and not deleted */
		if (!deleted)
			return iedc_fail(c, IEDC_SERVICE, "%s: %s", ref,
					 matched ? "not deletable (defined by the server's configuration, or in use)" :
						   "no such data set");
	}
	if (json) {
		fputs("{\"reference\":", stdout);
		json_str(stdout, ref);
		fputs(",\"result\":\"success\"}\n", stdout);
	} else {
		printf("ok\n");
	}
	return IEDC_OK;
}

/* ---- iedc report ---- */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct report_run {
	const struct report_opts *o;
	bool json;
	bool active;		/* print what arrives */
	uint32_t printed;
	int status;		/* first failure while printing */
	struct rptfmt_dir dir;
	struct mms_objname *dir_names;	/* the members' names: dir.types[i]->name points in */
	struct mms_report_member *members;
	struct mms_objname rcb;
	char rcb_ref[REF_MAX];
	struct mms_typespec *type;
	bool buffered;
};

static void on_report(struct client *c, const struct mms_pdu *p, void *ctx)
{
	struct report_run *st = ctx;
	struct mms_report r = { .members = st->members, .cap = MMS_RPT_MAX_MEMBERS };
	struct proto_err err = { 0 };
	const uint8_t *body;
	size_t len;
	struct buf line;

	if (!st->active || st->status || (st->o->count && st->printed >= st->o->count))
		return;
	int k = mms_unconfirmed_report(p, &body, &len, &err);
	if (k == 0)
		return; /* another unconfirmed service: not ours */
	if (k < 0 || (k = mms_report_decode(body, len, &r, &err))) {
		st->status = iedc_fail(c, IEDC_PROTOCOL, "%s: bad report: %s", c->peer,
				       k == -ENOSPC ? "more members than iedc handles" : err.reason);
		return;
	}
	buf_init(&line, 0, 0);
	if ((k = rptfmt_format(&line, &r, &st->dir, st->json, &err))) {
		st->status = iedc_fail(c, IEDC_PROTOCOL, "%s: bad report %s: %s", c->peer, r.rpt_id,
				       k == -EBADMSG ? err.reason : "out of memory");
	} else {
		fwrite(buf_data(&line), 1, line.len, stdout);
		fflush(stdout);
		st->printed++;
	}
	buf_clear(&line);
}

/* Why an RCB attribute's write failed, in words (IEC 61850-8-1 §17.2.2). */
static const char *write_words(const char *attr, int dae)
{
	bool resv = !strcmp(attr, "Resv") || !strcmp(attr, "RptEna") || !strcmp(attr, "ResvTms");
	switch (dae) {
	case MMS_DAE_TEMPORARILY_UNAVAILABLE:
		return resv ? "reserved by another client" :
			      "the RCB is enabled, or reserved by another client";
	case MMS_DAE_OBJECT_ACCESS_DENIED:
		return "access denied";
	case MMS_DAE_OBJECT_NON_EXISTENT:
		return "this RCB has no such attribute";
	case MMS_DAE_OBJECT_VALUE_INVALID:
		return !strcmp(attr, "DatSet") ? "no such data set, or not usable here" :
						 "value not accepted";
	case MMS_DAE_TYPE_INCONSISTENT:
		return "value of the wrong type";
	default:
		return NULL;
	}
}

/* Writes the text `value` to the attribute `attr` of the RCB. */
static int write_attr(struct client *c, struct report_run *st, const char *attr,
		      const char *value)
{
	const struct mms_typespec *t = mms_typespec_component(st->type, attr);
	struct mms_objname name = st->rcb;
	struct buf pdu, data;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	char what[300];
	int res[2];
	size_t n;
	int r;

	if (!t)
		return iedc_fail(c, IEDC_SERVICE, "%s: %s has no attribute %s", st->rcb_ref,
				 st->buffered ? "this BRCB" : "this URCB", attr);
	size_t l = strlen(name.item);
	if (l + 1 + strlen(attr) > MMS_MAX_ITEM)
		return iedc_fail(c, IEDC_USAGE, "%s: name too long", st->rcb_ref);
	snprintf(name.item + l, sizeof(name.item) - l, "$%s", attr);
	buf_init(&pdu, ISO_HEADROOM, 0);
	buf_init(&data, 0, 0);
	if ((r = mms_data_parse(&data, t, value, &err))) {
		r = iedc_fail(c, IEDC_USAGE, "%s: %s: %s", attr, value, err.reason);
		goto out;
	}
	snprintf(what, sizeof(what), "Write of %s$%s", st->rcb_ref, attr);
	uint32_t id = c->next_invoke++;
	mms_client_write_req(&pdu, id, &name, buf_data(&data), data.len);
	if ((r = client_call(c, &pdu, id, MMS_SVC_WRITE, what, &p)))
		goto out;
	if (mms_client_write_decode(p.body, p.body_len, res, 2, &n, &err) || n != 1) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.layer ? err.reason : "not one result for one variable");
		goto out;
	}
	if (res[0] >= 0) {
		const char *w = write_words(attr, res[0]);
		r = iedc_fail(c, IEDC_SERVICE, "%s: %s%s%s%s", attr, mms_dae_name(res[0]),
			      w ? " (" : "", w ? w : "", w ? ")" : "");
		goto out;
	}
	r = IEDC_OK;
out:
	buf_clear(&pdu);
	buf_clear(&data);
	return r;
}

/* A bit string text of the attribute's own size with bits[] set. */
static void bits_text(const struct mms_typespec *t, const char *bits, char *out, size_t n)
{
	size_t size = t ? (size_t)(t->size < 0 ? -(long)t->size : t->size) : strlen(bits);
	if (size >= n)
		size = n - 1;
	for (size_t i = 0; i < size; i++)
		out[i] = i < strlen(bits) ? bits[i] : '0';
	out[size] = 0;
}

/* The Read of one attribute, as a visible string. */
static int read_string(struct client *c, struct report_run *st, const char *attr, char *out,
		       size_t n)
{
	struct mms_objname name = st->rcb;
	struct mms_access_result a;
	struct proto_err err = { 0 };
	struct ber_cur cur;
	struct ber_tlv t;
	char what[300];
	int r;

	size_t l = strlen(name.item);
	snprintf(name.item + l, sizeof(name.item) - l, "$%s", attr);
	snprintf(what, sizeof(what), "Read of %s$%s", st->rcb_ref, attr);
	if ((r = svc_read_one(c, &name, what, &a)))
		return r;
	if (a.failure >= 0)
		return iedc_fail(c, IEDC_SERVICE, "%s: %s", what, mms_dae_name(a.failure));
	ber_cur_init(&cur, a.data, a.len);
	if (ber_next(&cur, &t, &err) || !ber_is(&t, BER_CONTEXT, MMS_TYPE_VISIBLE_STRING) ||
	    ber_get_visible(&t, out, n, &err))
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s is not a visible-string", c->peer, what);
	return IEDC_OK;
}

/* The data set's members and types, for reports without data references;
 * a data set the server does not describe leaves the directory empty. */
static int load_dir(struct client *c, struct report_run *st, const char *datset)
{
	struct mms_objname list = { 0 };
	struct buf pdu;
	struct mms_pdu p;
	struct mms_nvl_attr_resp a;
	struct mms_varspec v;
	struct proto_err err = { 0 };
	char what[300];
	int r;

	if (datset[0] == '@') {
		if (strlen(datset + 1) > MMS_MAX_ITEM)
			return IEDC_OK;
		list.scope = MMS_SCOPE_AA;
		memcpy(list.item, datset + 1, strlen(datset + 1));
	} else {
		const char *slash = strchr(datset, '/');
		if (!slash || (size_t)(slash - datset) > MMS_MAX_DOMAIN ||
		    strlen(slash + 1) > MMS_MAX_ITEM)
			return IEDC_OK;
		list.scope = MMS_SCOPE_DOMAIN;
		memcpy(list.domain, datset, (size_t)(slash - datset));
		memcpy(list.item, slash + 1, strlen(slash + 1));
	}
	snprintf(what, sizeof(what), "GetNamedVariableListAttributes of %s", datset);
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_client_nvl_attr_req(&pdu, id, &list);
	r = client_call(c, &pdu, id, MMS_SVC_GET_NVL_ATTR, what, &p);
	buf_clear(&pdu);
	if (r == IEDC_SERVICE)
		return IEDC_OK;
	if (r)
		return r;
	if (mms_client_nvl_attr_decode(p.body, p.body_len, &a, &err) ||
	    a.vars.n_vars > MMS_RPT_MAX_MEMBERS)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s", c->peer, what);
	uint32_t n = a.vars.n_vars;
	struct mms_objname *names = calloc(n + 1, sizeof(*names));
	st->dir.refs = calloc(n + 1, sizeof(*st->dir.refs));
	st->dir.types = calloc(n + 1, sizeof(*st->dir.types));
	if (!names || !st->dir.refs || !st->dir.types) {
		free(names);
		return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
	}
	/* kept with the directory: a type without a name is given its
	 * member's last name component, which lives here */
	st->dir_names = names;
	uint32_t k = 0;
	while (k < n && (r = mms_varlist_next(&a.vars, &v, &err)) == 1) {
		char ref[REF_MAX];
		names[k] = v.name;
		st->dir.refs[k] = strdup(mms_ref_format(&v.name, ref, sizeof(ref)));
		k++;
	}
	st->dir.n = k;
	/* the members' types name the components of their values; a refused
	 * one prints without names */
	for (uint32_t i = 0; i < k; i++) {
		r = svc_type(c, &names[i], st->dir.refs[i] ? st->dir.refs[i] : "", &st->dir.types[i]);
		if (r && r != IEDC_SERVICE)
			break;
		r = IEDC_OK;
		const char *last = strrchr(names[i].item, '$');
		if (st->dir.types[i] && !st->dir.types[i]->name)
			st->dir.types[i]->name = last ? last + 1 : names[i].item;
	}
	return r;
}

int report_args_check(const struct report_opts *o, char *why, size_t n)
{
	struct mms_objname rcb;
	char fc, bits[7];
	const char *bad;

	if (rptfmt_rcb_parse(o->rcb, &rcb, &fc)) {
		snprintf(why, n, "%s: not a report control block reference (LD/LN.RP.NAME, "
			 "LD/LN.BR.NAME, LD/LN$RP$NAME or LD/LN.NAME)", o->rcb);
		return IEDC_USAGE;
	}
	if (o->trgops && rptfmt_trgops(o->trgops, bits, &bad)) {
		snprintf(why, n, "--trgops: '%s' is none of dchg, qchg, dupd, period, gi", bad);
		return IEDC_USAGE;
	}
	if (o->entry_id && (strlen(o->entry_id) != 16 ||
			    strspn(o->entry_id, "0123456789abcdefABCDEF") != 16)) {
		snprintf(why, n, "--entry-id '%s': expected 16 hex digits (8 octets)", o->entry_id);
		return IEDC_USAGE;
	}
	if (o->use_dataset && !o->n_members) {
		snprintf(why, n, "--dataset needs the member references after the RCB");
		return IEDC_USAGE;
	}
	if (!o->use_dataset && o->n_members) {
		snprintf(why, n, "%s: unexpected argument (members follow --dataset)", o->members[0]);
		return IEDC_USAGE;
	}
	struct mms_objname m;
	struct proto_err err = { 0 };
	for (int i = 0; i < o->n_members; i++)
		if (mms_ref_parse(o->members[i], &m, &err)) {
			snprintf(why, n, "%s: %s", o->members[i], err.reason);
			return IEDC_USAGE;
		}
	return IEDC_OK;
}

int cmd_report(struct client *c, bool json, const struct report_opts *o)
{
	struct report_run st = { .o = o, .json = json };
	bool reserved = false, enabled = false;
	char fc, text[160], datset[MMS_MAX_ITEM + MMS_MAX_DOMAIN + 2] = "";
	int r;

	if (rptfmt_rcb_parse(o->rcb, &st.rcb, &fc))
		return iedc_fail(c, IEDC_USAGE, "%s: not a report control block reference", o->rcb);
	st.members = calloc(MMS_RPT_MAX_MEMBERS, sizeof(*st.members));
	if (!st.members)
		return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
	/* LD/LN.NAME: an unbuffered RCB of that name, else a buffered one */
	for (int pass = 0; pass < 2; pass++) {
		st.buffered = fc == 'B' || (fc == 0 && pass == 1);
		rptfmt_rcb_set_fc(&st.rcb, st.buffered);
		/* the MMS form: RP and BR are no FC of a dotted reference */
		snprintf(st.rcb_ref, sizeof(st.rcb_ref), "%s/%s", st.rcb.domain, st.rcb.item);
		r = svc_type(c, &st.rcb, st.rcb_ref, &st.type);
		if (r != IEDC_SERVICE || fc)
			break;
	}
	if (r == IEDC_SERVICE && !fc)
		r = iedc_fail(c, IEDC_SERVICE, "%s: no such report control block (neither RP nor BR)",
			      o->rcb);
	if (r)
		goto out;
	if (st.type->type != MMS_TYPE_STRUCTURE || !mms_typespec_component(st.type, "RptEna")) {
		r = iedc_fail(c, IEDC_USAGE, "%s is not a report control block", st.rcb_ref);
		goto out;
	}
	if (o->entry_id && !st.buffered) {
		r = iedc_fail(c, IEDC_USAGE, "--entry-id: %s is unbuffered (only a BRCB has EntryID)",
			      st.rcb_ref);
		goto out;
	}
	c->on_unconfirmed = on_report;
	c->on_unconfirmed_ctx = &st;
	c->stop = &stop_flag;
	/* no SA_RESTART: poll wakes; SA_RESETHAND: a second Ctrl-C while
	 * disabling ends iedc at once */
	stop_flag = 0;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* IEC 61850-8-1 §17.2.2: an URCB is reserved by writing Resv; a BRCB
	 * (Ed.2) is reserved by enabling it */
	if (!st.buffered && mms_typespec_component(st.type, "Resv")) {
		if ((r = write_attr(c, &st, "Resv", "true")))
			goto cleanup;
		reserved = true;
	}
	/* every optional field the report decoder understands:
	 * seqNum timeStamp reasonCode dataSet dataRef bufOvfl entryID configRef segmentation */
	bits_text(mms_typespec_component(st.type, "OptFlds"), "0111111111", text, sizeof(text));
	if ((r = write_attr(c, &st, "OptFlds", text)))
		goto cleanup;
	if (o->trgops) {
		char bits[7];
		rptfmt_trgops(o->trgops, bits, NULL);
		bits_text(mms_typespec_component(st.type, "TrgOps"), bits, text, sizeof(text));
		if ((r = write_attr(c, &st, "TrgOps", text)))
			goto cleanup;
	}
	if (o->has_intgpd) {
		snprintf(text, sizeof(text), "%u", o->intgpd);
		if ((r = write_attr(c, &st, "IntgPd", text)))
			goto cleanup;
	}
	if (o->has_buftm) {
		snprintf(text, sizeof(text), "%u", o->buftm);
		if ((r = write_attr(c, &st, "BufTm", text)))
			goto cleanup;
	}
	if (o->use_dataset) {
		struct mms_objname ds = { .scope = MMS_SCOPE_AA };
		snprintf(ds.item, sizeof(ds.item), "iedc%04u", (unsigned)getpid() % 10000);
		if ((r = define(c, &ds, o->members, o->n_members)))
			goto cleanup;
		snprintf(datset, sizeof(datset), "@%s", ds.item);
		if ((r = write_attr(c, &st, "DatSet", datset)))
			goto cleanup;
	}
	if (o->entry_id && (r = write_attr(c, &st, "EntryID", o->entry_id)))
		goto cleanup;
	if (!datset[0] && (r = read_string(c, &st, "DatSet", datset, sizeof(datset))))
		goto cleanup;
	if (!datset[0]) {
		r = iedc_fail(c, IEDC_USAGE, "%s has no data set (DatSet is empty): give --dataset "
			      "MEMBER...", st.rcb_ref);
		goto cleanup;
	}
	if ((r = load_dir(c, &st, datset)))
		goto cleanup;
	st.active = true;
	if ((r = write_attr(c, &st, "RptEna", "true")))
		goto cleanup;
	enabled = true;
	if (o->gi && (r = write_attr(c, &st, "GI", "true")))
		goto cleanup;
	fprintf(stderr, "iedc: %s enabled (%s, data set %s)%s\n", st.rcb_ref,
		st.buffered ? "buffered" : "unbuffered", datset,
		o->count ? "" : "; Ctrl-C to stop");
	while (!st.status && (!o->count || st.printed < o->count)) {
		r = client_wait_unconfirmed(c);
		if (r == IEDC_INTERRUPTED) {
			r = IEDC_OK;
			break;
		}
		if (r)
			goto out; /* the association is gone or broken: nothing to undo */
	}
	r = st.status;
cleanup:
	st.active = false;
	{
		/* disable and release whatever the outcome; keep the first error */
		char msg[sizeof(c->errmsg)];
		memcpy(msg, c->errmsg, sizeof(msg));
		int r2 = IEDC_OK;
		if (enabled)
			r2 = write_attr(c, &st, "RptEna", "false");
		if (reserved && (r2 == IEDC_OK || r2 == IEDC_SERVICE)) {
			int r3 = write_attr(c, &st, "Resv", "false");
			if (!r2)
				r2 = r3;
		}
		if (r)
			memcpy(c->errmsg, msg, sizeof(msg));
		else
			r = r2;
	}
out:
	c->on_unconfirmed = NULL;
	c->stop = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	for (uint32_t i = 0; i < st.dir.n; i++) {
		free(st.dir.refs[i]);
		mms_typespec_free(st.dir.types[i]);
	}
	free(st.dir.refs);
	free(st.dir.types);
	free(st.dir_names);
	mms_typespec_free(st.type);
	free(st.members);
	return r;
}
