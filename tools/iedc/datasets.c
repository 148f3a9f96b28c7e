/* iedc datasets: every domain's named variable lists (IEC 61850 data sets,
 * IEC 61850-8-1 §14) with their members, from GetNameList and
 * GetNamedVariableListAttributes. */
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
