/* SPDX-License-Identifier: Apache-2.0 */
/* iedc browse: the server's data model as a tree LD / LN / FC / DO / DA with
 * types. IEC 61850-8-1 §11: logical devices are MMS domains, logical nodes
 * their named variables without '$', and a logical node's type description
 * holds its functional constraints, data objects and attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iedc.h"

static void tree_to(FILE *f, const struct mms_typespec *t, const char *name, int indent, bool fc)
{
	char s[64], nm[16];

	if (t->type == MMS_TYPE_STRUCTURE) {
		fprintf(f, "%*s%s%s%s\n", indent, "", fc ? "[" : "", name, fc ? "]" : "");
		for (uint32_t i = 0; i < t->n; i++) {
			const char *cn = t->comp[i].name;
			if (!cn) {
				snprintf(nm, sizeof(nm), "[%u]", i);
				cn = nm;
			}
			tree_to(f, &t->comp[i], cn, indent + 2, false);
		}
		return;
	}
	if (t->type == MMS_TYPE_ARRAY) {
		const struct mms_typespec *e = t->elem;
		fprintf(f, "%*s%s: array[%u] of %s\n", indent, "", name, t->n,
		       e->type == MMS_TYPE_STRUCTURE ? "structure" : mms_typespec_str(e, s, sizeof(s)));
		if (e->type == MMS_TYPE_STRUCTURE)
			for (uint32_t i = 0; i < e->n; i++) {
				const char *cn = e->comp[i].name;
				if (!cn) {
					snprintf(nm, sizeof(nm), "[%u]", i);
					cn = nm;
				}
				tree_to(f, &e->comp[i], cn, indent + 2, false);
			}
		else if (e->type == MMS_TYPE_ARRAY)
			tree_to(f, e, "[]", indent + 2, false);
		return;
	}
	fprintf(f, "%*s%s: %s\n", indent, "", name, mms_typespec_str(t, s, sizeof(s)));
}

/* Whether `name` is prefix$X with no further '$' (a direct child). */
static bool child_of(const char *name, const char *prefix)
{
	size_t l = strlen(prefix);
	return !strncmp(name, prefix, l) && name[l] == '$' && name[l + 1] &&
	       !strchr(name + l + 1, '$');
}

/* The type of domain/item, or with fallback_ok a refusal (IEDC_SERVICE)
 * that lets the caller ask for the parts. */
static int part_type(struct client *c, const char *ld, const char *item,
		     struct mms_typespec **t)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	char ref[MMS_MAX_DOMAIN + MMS_MAX_ITEM + 2];

	snprintf(n.domain, sizeof(n.domain), "%s", ld);
	snprintf(n.item, sizeof(n.item), "%s", item);
	snprintf(ref, sizeof(ref), "%s/%s", ld, item);
	return svc_type(c, &n, ref, t);
}

/* One part of a logical node into f: the LN itself (level 0), one of its
 * functional constraints (LN$FC, level 1) or a data object or attribute
 * below (level 2 and more). Its whole type first; a part whose type the
 * server refuses (typically "service: pdu-size": the description does not
 * fit one PDU) is asked per component instead, LN$FC then LN$FC$DO and so
 * on, as engineering tools do (IEC 61850-8-1 §11: each is a named variable
 * of its own). The components come from the domain's GetNameList `vars`,
 * in the server's order, whatever that order is. Recursion ends because
 * each level has one '$' more in a name of at most MMS_MAX_ITEM octets. */
static int browse_part(struct client *c, FILE *f, bool json, const char *ld, const char *item,
		       const char *name, const struct names *vars, int level)
{
	struct mms_typespec *t = NULL;
	int indent = 2 + 2 * level;
	int r = part_type(c, ld, item, &t);

	if (r == IEDC_OK) {
		if (json) {
			json_type(f, t, name);
		} else if (level == 0 && t->type == MMS_TYPE_STRUCTURE) {
			/* the LN's components are its functional constraints */
			fprintf(f, "  %s\n", name);
			for (uint32_t k = 0; k < t->n; k++)
				tree_to(f, &t->comp[k], t->comp[k].name ? t->comp[k].name : "?", 4,
					true);
		} else {
			tree_to(f, t, name, indent, level == 1);
		}
		mms_typespec_free(t);
		return IEDC_OK;
	}
	if (r != IEDC_SERVICE)
		return r;
	char refusal[sizeof(c->errmsg)];
	snprintf(refusal, sizeof(refusal), "%s", c->errmsg);
	if (json) {
		fputs("{\"name\":", f);
		json_str(f, name);
		fputs(",\"type\":\"structure\",\"components\":[", f);
	} else {
		fprintf(f, "%*s%s%s%s\n", indent, "", level == 1 ? "[" : "", name,
			level == 1 ? "]" : "");
	}
	bool any = false;
	for (size_t i = 0; i < vars->n; i++) {
		if (!child_of(vars->v[i], item))
			continue;
		if (json && any)
			fputc(',', f);
		if ((r = browse_part(c, f, json, ld, vars->v[i], vars->v[i] + strlen(item) + 1,
				     vars, level + 1)))
			return r;
		any = true;
	}
	if (!any) /* nothing to fall back on: the refusal stands */
		return iedc_fail(c, IEDC_SERVICE, "%s", refusal);
	if (json)
		fputs("]}", f);
	return IEDC_OK;
}

/* Writes one LD; on failure what was complete, then the error (JSON: the
 * LD object closed with an "error" member). */
static int browse_ld(struct client *c, bool json, const char *ld)
{
	struct names vars = { 0 };
	int r = svc_name_list(c, MMS_CLASS_NAMED_VARIABLE, ld, &vars);
	bool first = true;

	if (json) {
		fputs("{\"name\":", stdout);
		json_str(stdout, ld);
		fputs(",\"logicalNodes\":[", stdout);
	} else if (!r) {
		printf("%s\n", ld);
	}
	for (size_t i = 0; i < vars.n && !r; i++) {
		const char *ln = vars.v[i];
		char *mem = NULL;
		size_t len = 0;

		if (strchr(ln, '$'))
			continue; /* a part of a logical node: in the LN's type */
		/* an LN is printed only once complete, so that a failure
		 * leaves well-formed output */
		FILE *f = open_memstream(&mem, &len);
		if (!f) {
			r = iedc_fail(c, IEDC_PROTOCOL, "out of memory");
			break;
		}
		if (json && !first)
			fputc(',', f);
		r = browse_part(c, f, json, ld, ln, ln, &vars, 0);
		fclose(f);
		if (!r) {
			fwrite(mem, 1, len, stdout);
			first = false;
		}
		free(mem);
	}
	if (json) {
		fputs("]", stdout);
		if (r) {
			fputs(",\"error\":", stdout);
			json_str(stdout, c->errmsg);
		}
		fputs("}", stdout);
	}
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
		printf(",\"maxPduSize\":%d,\"logicalDevices\":[", c->neg.local_detail);
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
	if (json) {
		fputs("]", stdout);
		if (r) {
			fputs(",\"error\":", stdout);
			json_str(stdout, c->errmsg);
			printf(",\"exitStatus\":%d", r);
			c->json_closed = true;
		}
		fputs("}\n", stdout);
	}
out:
	names_clear(&lds);
	return r;
}
