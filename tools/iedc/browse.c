/* iedc browse: the server's data model as a tree LD / LN / FC / DO / DA with
 * types. IEC 61850-8-1 §11: logical devices are MMS domains, logical nodes
 * their named variables without '$', and a logical node's type description
 * holds its functional constraints, data objects and attributes. */
#include <string.h>

#include "iedc.h"

static void tree(const struct mms_typespec *t, const char *name, int indent, bool fc)
{
	char s[64], nm[16];

	if (t->type == MMS_TYPE_STRUCTURE) {
		printf("%*s%s%s%s\n", indent, "", fc ? "[" : "", name, fc ? "]" : "");
		for (uint32_t i = 0; i < t->n; i++) {
			const char *cn = t->comp[i].name;
			if (!cn) {
				snprintf(nm, sizeof(nm), "[%u]", i);
				cn = nm;
			}
			tree(&t->comp[i], cn, indent + 2, false);
		}
		return;
	}
	if (t->type == MMS_TYPE_ARRAY) {
		const struct mms_typespec *e = t->elem;
		printf("%*s%s: array[%u] of %s\n", indent, "", name, t->n,
		       e->type == MMS_TYPE_STRUCTURE ? "structure" : mms_typespec_str(e, s, sizeof(s)));
		if (e->type == MMS_TYPE_STRUCTURE)
			for (uint32_t i = 0; i < e->n; i++) {
				const char *cn = e->comp[i].name;
				if (!cn) {
					snprintf(nm, sizeof(nm), "[%u]", i);
					cn = nm;
				}
				tree(&e->comp[i], cn, indent + 2, false);
			}
		else if (e->type == MMS_TYPE_ARRAY)
			tree(e, "[]", indent + 2, false);
		return;
	}
	printf("%*s%s: %s\n", indent, "", name, mms_typespec_str(t, s, sizeof(s)));
}

static int browse_ld(struct client *c, bool json, const char *ld)
{
	struct names vars = { 0 };
	int r = svc_name_list(c, MMS_CLASS_NAMED_VARIABLE, ld, &vars);
	bool first = true;

	if (r)
		goto out;
	if (json) {
		fputs("{\"name\":", stdout);
		json_str(stdout, ld);
		fputs(",\"logicalNodes\":[", stdout);
	} else {
		printf("%s\n", ld);
	}
	for (size_t i = 0; i < vars.n; i++) {
		const char *ln = vars.v[i];
		struct mms_typespec *t;
		char ref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 2];

		if (strchr(ln, '$'))
			continue; /* a part of a logical node: in the LN's type */
		struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
		snprintf(n.domain, sizeof(n.domain), "%s", ld);
		snprintf(n.item, sizeof(n.item), "%s", ln);
		snprintf(ref, sizeof(ref), "%s/%s", ld, ln);
		if ((r = svc_type(c, &n, ref, &t)))
			goto out;
		if (json) {
			if (!first)
				fputc(',', stdout);
			json_type(stdout, t, ln);
		} else if (t->type == MMS_TYPE_STRUCTURE) {
			/* the LN's components are its functional constraints */
			printf("  %s\n", ln);
			for (uint32_t k = 0; k < t->n; k++)
				tree(&t->comp[k], t->comp[k].name ? t->comp[k].name : "?", 4, true);
		} else {
			tree(t, ln, 2, false);
		}
		first = false;
		mms_typespec_free(t);
	}
	if (json)
		fputs("]}", stdout);
out:
	names_clear(&vars);
	return r;
}

int cmd_browse(struct client *c, bool json, const char *ld)
{
	struct names lds = { 0 };
	int r = IEDC_OK;

	if (!ld && (r = svc_name_list(c, MMS_CLASS_DOMAIN, NULL, &lds)))
		goto out;
	if (json) {
		fputs("{\"server\":", stdout);
		json_str(stdout, c->peer);
		fputs(",\"logicalDevices\":[", stdout);
	}
	if (ld) {
		r = browse_ld(c, json, ld);
	} else {
		for (size_t i = 0; i < lds.n && !r; i++) {
			if (json && i)
				fputc(',', stdout);
			r = browse_ld(c, json, lds.v[i]);
		}
	}
	if (json && !r)
		fputs("]}\n", stdout);
out:
	names_clear(&lds);
	return r;
}
