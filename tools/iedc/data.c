/* SPDX-License-Identifier: Apache-2.0 */
/* iedc read and write: one variable, typed by the server's own description
 * of it (GetVariableAccessAttributes), so values print with their names and
 * text is encoded as the type the server expects. */
#include <errno.h>
#include <string.h>

#include "iedc.h"

int cmd_read(struct client *c, bool json, const char *ref, const struct mms_objname *name)
{
	struct mms_typespec *type = NULL;
	struct buf out;
	struct mms_access_result a;
	struct proto_err err = { 0 };
	char what[300];
	int r;

	/* Without a type the value still prints, only without component names:
	 * a server that refuses GetVariableAccessAttributes below the logical
	 * node level may still serve the Read. */
	r = svc_type(c, name, ref, &type);
	if (r && r != IEDC_SERVICE)
		return r;
	/* the root has no component name; the item's last part gives it, so
	 * that q, t and stVal read on their own print in words too */
	const char *last = strrchr(name->item, '$');
	if (type && !type->name)
		type->name = last ? last + 1 : name->item;
	snprintf(what, sizeof(what), "Read of %s", ref);
	buf_init(&out, 0, 0);
	if ((r = svc_read_one(c, name, what, &a)))
		goto out;
	if (a.failure >= 0) {
		r = iedc_fail(c, IEDC_SERVICE, "%s: %s", ref, mms_dae_name(a.failure));
		goto out;
	}
	if (mms_data_format(&out, a.data, a.len, type, json ? MMS_FMT_JSON : MMS_FMT_TEXT,
			    &err)) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad value of %s: %s", c->peer, ref,
			      err.layer ? err.reason : strerror(-out.err));
		goto out;
	}
	if (json) {
		char mref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];
		fputs("{\"reference\":", stdout);
		json_str(stdout, mms_ref_format(name, mref, sizeof(mref)));
		fputs(",\"domain\":", stdout);
		json_str(stdout, name->domain);
		fputs(",\"item\":", stdout);
		json_str(stdout, name->item);
		fputs(",\"value\":", stdout);
		fwrite(buf_data(&out), 1, out.len, stdout);
		json_value_words(stdout, a.data, a.len, type);
		fputs("}\n", stdout);
	} else {
		fwrite(buf_data(&out), 1, out.len, stdout);
		fputc('\n', stdout);
	}
	r = IEDC_OK;
out:
	buf_clear(&out);
	mms_typespec_free(type);
	return r;
}

int cmd_write(struct client *c, bool json, const char *ref, const struct mms_objname *name,
	      const char *value)
{
	struct mms_typespec *type = NULL;
	struct buf pdu, data;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	char what[300];
	int res[2];
	size_t n;
	int r;

	if ((r = svc_type(c, name, ref, &type)))
		return r;
	buf_init(&pdu, ISO_HEADROOM, 0);
	buf_init(&data, 0, 0);
	r = mms_data_parse(&data, type, value, &err);
	if (r == -EINVAL) {
		char ts[64];
		if (type->type == MMS_TYPE_STRUCTURE || type->type == MMS_TYPE_ARRAY)
			r = iedc_fail(c, IEDC_USAGE, "%s: %s", ref, err.reason);
		else
			r = iedc_fail(c, IEDC_USAGE, "%s is %s: %s", ref,
				      mms_typespec_str(type, ts, sizeof(ts)), err.reason);
		goto out;
	}
	if (r || data.err) {
		r = iedc_fail(c, IEDC_PROTOCOL, "out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "Write of %s", ref);
	uint32_t id = c->next_invoke++;
	mms_client_write_req(&pdu, id, name, buf_data(&data), data.len);
	if ((r = client_call(c, &pdu, id, MMS_SVC_WRITE, what, &p)))
		goto out;
	if (mms_client_write_decode(p.body, p.body_len, res, 2, &n, &err) || n != 1) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.layer ? err.reason : "not one result for one variable");
		goto out;
	}
	if (res[0] >= 0) {
		r = iedc_fail(c, IEDC_SERVICE, "%s: %s", ref, mms_dae_name(res[0]));
		goto out;
	}
	if (json) {
		char mref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];
		fputs("{\"reference\":", stdout);
		json_str(stdout, mms_ref_format(name, mref, sizeof(mref)));
		fputs(",\"result\":\"success\"}\n", stdout);
	} else {
		printf("ok\n");
	}
	r = IEDC_OK;
out:
	buf_clear(&pdu);
	buf_clear(&data);
	mms_typespec_free(type);
	return r;
}
