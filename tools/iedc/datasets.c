/* SPDX-License-Identifier: Apache-2.0 */
/* iedc datasets: every domain's named variable lists (IEC 61850 data sets,
 * IEC 61850-8-1 §14) with their members, from GetNameList and
 * GetNamedVariableListAttributes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iedc.h"

/* A member's alternate access, as a readable suffix (IEC 61850 servers do
 * not use it in data sets, but MMS allows it). */
static void alt_str(const struct mms_varspec *v, char *out, size_t n)
{
	size_t o = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < v->n_alt && o < n; i++) {
		const struct mms_alt_step *s = &v->alt[i];
		int w = s->kind == MMS_ALT_COMPONENT ? snprintf(out + o, n - o, "%s%s", i ? "," : "", s->component) :
			s->kind == MMS_ALT_INDEX     ? snprintf(out + o, n - o, "%s[%u]", i ? "," : "", s->index) :
			s->kind == MMS_ALT_RANGE     ? snprintf(out + o, n - o, "%s[%u..+%u]", i ? "," : "", s->index, s->count) :
						       snprintf(out + o, n - o, "%s[*]", i ? "," : "");
		if (w > 0)
			o += (size_t)w;
	}
}

static int one_list(struct client *c, bool json, const char *ld, const char *item, bool first)
{
	struct mms_objname ln = { .scope = MMS_SCOPE_DOMAIN };
	struct buf pdu;
	struct mms_pdu p;
	struct mms_nvl_attr_resp a;
	struct mms_varspec v;
	struct proto_err err = { 0 };
	char ref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16], what[300], alt[256];
	int r;

	snprintf(ln.domain, sizeof(ln.domain), "%s", ld);
	snprintf(ln.item, sizeof(ln.item), "%s", item);
	mms_ref_format(&ln, ref, sizeof(ref));
	snprintf(what, sizeof(what), "GetNamedVariableListAttributes of %s", ref);
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_client_nvl_attr_req(&pdu, id, &ln);
	r = client_call(c, &pdu, id, MMS_SVC_GET_NVL_ATTR, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (mms_client_nvl_attr_decode(p.body, p.body_len, &a, &err))
		return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
				 err.reason);
	if (json) {
		if (!first)
			fputc(',', stdout);
		fputs("{\"reference\":", stdout);
		json_str(stdout, ref);
		fputs(",\"domain\":", stdout);
		json_str(stdout, ld);
		fputs(",\"item\":", stdout);
		json_str(stdout, item);
		printf(",\"deletable\":%s,\"members\":[", a.deletable ? "true" : "false");
	} else {
		printf("%s%s\n", ref, a.deletable ? " (deletable)" : "");
	}
	for (uint32_t i = 0; (r = mms_varlist_next(&a.vars, &v, &err)) == 1; i++) {
		char mref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];
		mms_ref_format(&v.name, mref, sizeof(mref));
		alt_str(&v, alt, sizeof(alt));
		if (json) {
			fputs(i ? ",{\"reference\":" : "{\"reference\":", stdout);
			json_str(stdout, mref);
			fputs(",\"domain\":", stdout);
			json_str(stdout, v.name.domain);
			fputs(",\"item\":", stdout);
			json_str(stdout, v.name.item);
			if (alt[0]) {
				fputs(",\"alternateAccess\":", stdout);
				json_str(stdout, alt);
			}
			fputc('}', stdout);
		} else {
			printf("  %s%s%s%s\n", mref, alt[0] ? " (alternate access " : "", alt,
			       alt[0] ? ")" : "");
		}
	}
	if (r < 0)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
				 err.reason);
	if (json)
		fputs("]}", stdout);
	return IEDC_OK;
}

int cmd_datasets(struct client *c, bool json, const char *ld)
{
	struct names lds = { 0 }, lists = { 0 };
	bool first = true;
	int r = IEDC_OK;

	if (!ld && (r = svc_name_list(c, MMS_CLASS_DOMAIN, NULL, &lds)))
		goto out;
	if (json) {
		fputs("{\"server\":", stdout);
		json_str(stdout, c->peer);
		fputs(",\"dataSets\":[", stdout);
	}
	for (size_t i = 0; i < (ld ? 1 : lds.n) && !r; i++) {
		const char *d = ld ? ld : lds.v[i];
		names_clear(&lists);
		if ((r = svc_name_list(c, MMS_CLASS_NAMED_VARIABLE_LIST, d, &lists)))
			break;
		for (size_t k = 0; k < lists.n && !r; k++) {
			r = one_list(c, json, d, lists.v[k], first);
			first = false;
		}
	}
	if (json && !r)
		fputs("]}\n", stdout);
out:
	names_clear(&lds);
	names_clear(&lists);
	return r;
}

int dataset_parse(const char *ref, struct mms_objname *out)
{
	const char *slash = strchr(ref, '/');
	if (!slash || slash == ref || (size_t)(slash - ref) > MMS_MAX_DOMAIN)
		return -EINVAL;
	const char *item = slash + 1;
	size_t n = strlen(item), sep = strcspn(item, ".$");
	if (!n || n > MMS_MAX_ITEM || sep == 0 || sep == n || strchr(item + sep + 1, '.') ||
	    strchr(item + sep + 1, '$') || strchr(item, '[') ||
	    mms_is_fc(item + sep + 1, n - sep - 1))
		return -EINVAL;
	*out = (struct mms_objname){ .scope = MMS_SCOPE_DOMAIN };
	memcpy(out->domain, ref, (size_t)(slash - ref));
	memcpy(out->item, item, n);
	out->item[sep] = '$';
	return 0;
}

#define DS_MAX_MEMBERS 4096

int cmd_read_dataset(struct client *c, bool json, const char *ref,
		     const struct mms_objname *list)
{
	struct buf pdu, out;
	struct mms_pdu p;
	struct mms_nvl_attr_resp a;
	struct mms_varspec v;
	struct mms_read_resp rr;
	struct mms_access_result res;
	struct proto_err err = { 0 };
	struct mms_objname *m = NULL;
	struct mms_typespec **types = NULL;
	char what[300];
	uint32_t n = 0;
	int r;
	char dref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];

	/* the reference as iedc datasets prints it, whichever form was given */
	ref = mms_ref_format(list, dref, sizeof(dref));

	snprintf(what, sizeof(what), "GetNamedVariableListAttributes of %s", ref);
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	buf_init(&out, 0, 0);
	mms_client_nvl_attr_req(&pdu, id, list);
	if ((r = client_call(c, &pdu, id, MMS_SVC_GET_NVL_ATTR, what, &p)))
		goto out;
	if (mms_client_nvl_attr_decode(p.body, p.body_len, &a, &err)) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.reason);
		goto out;
	}
	if (a.vars.n_vars > DS_MAX_MEMBERS) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: %s: %u members, more than %d", c->peer, what,
			      a.vars.n_vars, DS_MAX_MEMBERS);
		goto out;
	}
	m = calloc(a.vars.n_vars + 1, sizeof(*m));
	types = calloc(a.vars.n_vars + 1, sizeof(*types));
	if (!m || !types) {
		r = iedc_fail(c, IEDC_PROTOCOL, "out of memory");
		goto out;
	}
	while ((r = mms_varlist_next(&a.vars, &v, &err)) == 1 && n < a.vars.n_vars)
		m[n++] = v.name;
	if (r < 0) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.reason);
		goto out;
	}
	/* the members' types name the components of their values; a member
	 * whose type is refused still prints, without names */
	for (uint32_t i = 0; i < n; i++) {
		char mref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];
		mms_ref_format(&m[i], mref, sizeof(mref));
		r = svc_type(c, &m[i], mref, &types[i]);
		if (r && r != IEDC_SERVICE)
			goto out;
	}
	snprintf(what, sizeof(what), "Read of the data set %s", ref);
	id = c->next_invoke++;
	buf_reset(&pdu, ISO_HEADROOM);
	mms_client_read_nvl_req(&pdu, id, list);
	if ((r = client_call(c, &pdu, id, MMS_SVC_READ, what, &p)))
		goto out;
	if (mms_client_read_decode(p.body, p.body_len, &rr, &err) || rr.count != n) {
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.layer ? err.reason : "not one result per member");
		goto out;
	}
	if (json) {
		fputs("{\"reference\":", stdout);
		json_str(stdout, ref);
		fputs(",\"domain\":", stdout);
		json_str(stdout, list->domain);
		fputs(",\"item\":", stdout);
		json_str(stdout, list->item);
		fputs(",\"members\":[", stdout);
	} else {
		printf("%s\n", ref);
	}
	int failed = -1;
	for (uint32_t i = 0; i < n; i++) {
		char mref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16];
		if ((r = mms_client_read_next(&rr, &res, &err)) != 1) {
			r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
				      err.layer ? err.reason : "fewer results than members");
			if (json) {
				fputs("],\"error\":", stdout);
				json_str(stdout, c->errmsg);
				fputs("}\n", stdout);
				c->json_closed = true;
			}
			goto out;
		}
		mms_ref_format(&m[i], mref, sizeof(mref));
		if (json) {
			fputs(i ? ",{\"reference\":" : "{\"reference\":", stdout);
			json_str(stdout, mref);
		}
		if (res.failure >= 0) {
			failed = res.failure;
			if (json) {
				fputs(",\"error\":", stdout);
				json_str(stdout, mms_dae_name(res.failure));
				fputc('}', stdout);
			} else {
				printf("  %s: error: %s\n", mref, mms_dae_name(res.failure));
			}
			continue;
		}
		buf_reset(&out, 0);
		if (mms_data_format(&out, res.data, res.len, types[i],
				    json ? MMS_FMT_JSON : MMS_FMT_TEXT, &err)) {
			r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad value of %s: %s", c->peer, mref,
				      err.layer ? err.reason : "out of memory");
			if (json) {
				fputs("}],\"error\":", stdout);
				json_str(stdout, c->errmsg);
				fputs("}\n", stdout);
				c->json_closed = true;
			}
			goto out;
		}
		if (json) {
			fputs(",\"value\":", stdout);
			fwrite(buf_data(&out), 1, out.len, stdout);
			json_value_words(stdout, res.data, res.len, types[i]);
			fputc('}', stdout);
		} else {
			/* a structure prints as lines "path: value", indented under it */
			printf("  %s:", mref);
			const char *s = (const char *)buf_data(&out), *e = s + out.len;
			bool multi = memchr(s, '\n', out.len) || (out.len && memchr(s, ':', out.len) &&
								   types[i] &&
								   types[i]->type == MMS_TYPE_STRUCTURE);
			if (!multi) {
				printf(" %.*s\n", (int)out.len, s);
				continue;
			}
			putchar('\n');
			while (s < e) {
				const char *nl = memchr(s, '\n', (size_t)(e - s));
				if (!nl)
					nl = e;
				printf("    %.*s\n", (int)(nl - s), s);
				s = nl + 1;
			}
		}
	}
	r = failed >= 0 ? iedc_fail(c, IEDC_SERVICE, "%s: a member could not be read: %s", ref,
				    mms_dae_name(failed)) :
			  IEDC_OK;
	if (json) {
		fputs("]", stdout);
		if (r) {
			fputs(",\"error\":", stdout);
			json_str(stdout, c->errmsg);
			c->json_closed = true;
		}
		fputs("}\n", stdout);
	}
out:
	buf_clear(&pdu);
	buf_clear(&out);
	for (uint32_t i = 0; types && i < n; i++)
		mms_typespec_free(types[i]);
	free(types);
	free(m);
	return r;
}
