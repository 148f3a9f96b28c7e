/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics of a configuration load: the messages for what users get
 * wrong in iedd.xml, with file:line and the schema's hint (config_diag.h).
 * libxml2 reports through these structured handlers only; it never
 * prints. */
#include "config_diag.h"

#include "embedded.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

/* ---- diagnostics ----------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
void diag_report(struct diag *d, long line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (d->n_errors++ || !d->err || !d->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(d->err, d->errlen, "%s:%ld: %s", d->file, line, msg);
	else
		snprintf(d->err, d->errlen, "%s: %s", d->file, msg);
}

/* A value from the file, fit for a one-line message: controls become '?',
 * long values are cut (at a UTF-8 boundary) and marked with "...". */
const char *diag_printable(const char *s, char *out, size_t outlen)
{
	size_t i, max = outlen - 4;

	for (i = 0; s[i] && i < outlen - 1; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i]) {
		i = max;
		while (i > 0 && ((unsigned char)out[i] & 0xc0) == 0x80)
			i--;
		strcpy(out + i, "...");
	}
	return out;
}

/* Copies `s` into out[outlen] without any "{urn:iedd:config:1}" and without
 * the trailing ".\n" libxml2 ends its messages with. */
static void tidy(const char *s, char *out, size_t outlen)
{
	static const char ns[] = "{" CONFIG_NS "}";
	size_t o = 0;

	while (*s && o + 1 < outlen) {
		if (!strncmp(s, ns, sizeof(ns) - 1)) {
			s += sizeof(ns) - 1;
			continue;
		}
		/* libxml2 puts a second line in some ("Bytes: 0xC1 ..."): one
		 * line per message, so "; " instead */
		if (*s == '\n' && s[1] && o + 3 < outlen) {
			out[o++] = ';';
			out[o++] = ' ';
			s++;
			continue;
		}
		out[o++] = *s == '\n' || *s == '\r' ? ' ' : *s;
		s++;
	}
	while (o && (out[o - 1] == '\n' || out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	out[o] = '\0';
}

/* ---- the schema as a tree: names, types, hints ----------------------- */

static bool is_xs(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, XSD_NS) && !strcmp((const char *)n->name, name);
}

static bool named(const xmlNode *n, const char *kind, const char *name)
{
	if (!is_xs(n, kind))
		return false;
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"name");
	bool eq = v && !strcmp((const char *)v, name);
	xmlFree(v);
	return eq;
}

/* Depth-first search under `n` for xs:<kind name="name">. */
static xmlNode *xsd_find(xmlNode *n, const char *kind, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		if (named(c, kind, name))
			return c;
		xmlNode *r = xsd_find(c, kind, name);
		if (r)
			return r;
	}
	return NULL;
}

static xmlNode *xsd_root(struct diag *d)
{
	if (!d->xsd)
		d->xsd = xmlReadMemory((const char *)embedded_config_xsd, (int)embedded_config_xsd_len,
				       "iedd-config.xsd", NULL, XML_PARSE_NONET);
	return d->xsd ? xmlDocGetRootElement(d->xsd) : NULL;
}

/* "c:fooType" -> "fooType" into out. */
static void local_name(const xmlChar *qname, char *out, size_t outlen)
{
	const char *s = (const char *)qname, *colon = strchr(s, ':');
	snprintf(out, outlen, "%s", colon ? colon + 1 : s);
}

/* The complex type of element `elem`: named (type="...") or anonymous. */
static xmlNode *xsd_element_type(struct diag *d, const char *elem)
{
	xmlNode *root = xsd_root(d), *el = xsd_find(root, "element", elem);
	if (!el)
		return NULL;
	xmlChar *type = xmlGetNoNsProp(el, (const xmlChar *)"type");
	if (type) {
		char t[128];
		local_name(type, t, sizeof(t));
		xmlFree(type);
		return xsd_find(root, "complexType", t);
	}
	for (xmlNode *c = el->children; c; c = c->next)
		if (is_xs(c, "complexType"))
			return c;
	return NULL;
}

/* Name of the simple type of attribute `attr` of element `elem`, or "". */
static void xsd_attr_type(struct diag *d, const char *elem, const char *attr, char *out,
			  size_t outlen)
{
	xmlNode *a = xsd_find(xsd_element_type(d, elem), "attribute", attr);
	xmlChar *type = a ? xmlGetNoNsProp(a, (const xmlChar *)"type") : NULL;

	out[0] = '\0';
	if (type)
		local_name(type, out, outlen);
	xmlFree(type);
}

/* Collapses the whitespace of text content into out. */
void diag_collapse(const xmlChar *s, char *out, size_t outlen)
{
	size_t o = 0;
	bool space = false;

	for (; s && *s && o + 1 < outlen; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < outlen)
			out[o++] = ' ';
		space = false;
		out[o++] = (char)*s;
	}
	out[o] = '\0';
}

static void facet(xmlNode *restriction, const char *name, char *out, size_t outlen)
{
	out[0] = '\0';
	for (xmlNode *c = restriction->children; c; c = c->next) {
		if (!is_xs(c, name))
			continue;
		xmlChar *v = xmlGetNoNsProp(c, (const xmlChar *)"value");
		if (v)
			snprintf(out, outlen, "%s", (const char *)v);
		xmlFree(v);
		return;
	}
}

/* How to write a valid value of simple type `type`: its appinfo hint, else
 * a sentence made from its facets. Empty when the schema says nothing. */
static void xsd_hint(struct diag *d, const char *type, char *out, size_t outlen)
{
	xmlNode *st = type[0] ? xsd_find(xsd_root(d), "simpleType", type) : NULL;
	char lo[32], hi[32];

	out[0] = '\0';
	if (!st)
		return;
	for (xmlNode *ann = st->children; ann; ann = ann->next) {
		if (!is_xs(ann, "annotation"))
			continue;
		for (xmlNode *ai = ann->children; ai; ai = ai->next) {
			xmlChar *src = is_xs(ai, "appinfo")
				? xmlGetNoNsProp(ai, (const xmlChar *)"source") : NULL;
			bool hint = src && !strcmp((const char *)src, HINT_SOURCE);
			xmlFree(src);
			if (hint) {
				xmlChar *text = xmlNodeGetContent(ai);
				diag_collapse(text, out, outlen);
				xmlFree(text);
				return;
			}
		}
	}
	for (xmlNode *r = st->children; r; r = r->next) {
		if (!is_xs(r, "restriction"))
			continue;
		facet(r, "minInclusive", lo, sizeof(lo));
		facet(r, "maxInclusive", hi, sizeof(hi));
		if (lo[0] && hi[0]) {
			snprintf(out, outlen, "use %s..%s", lo, hi);
			return;
		}
		facet(r, "maxLength", hi, sizeof(hi));
		if (hi[0])
			snprintf(out, outlen, "use at most %s characters", hi);
		return;
	}
}

/* "a, b, c": the names of the xs:<kind> declared under `n`, in order. */
static void xsd_list(xmlNode *n, const char *kind, char *out, size_t outlen)
{
	size_t o = strlen(out);

	for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		if (is_xs(c, kind)) {
			xmlChar *v = xmlGetNoNsProp(c, (const xmlChar *)"name");
			if (v && o < outlen)
				o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? ", " : "",
						      (const char *)v);
			xmlFree(v);
		} else if (c->type == XML_ELEMENT_NODE && !is_xs(c, "element") &&
			   !is_xs(c, "complexType")) {
			/* sequence, choice, annotation...; nested declarations
			 * belong to the child element. */
			xsd_list(c, kind, out, outlen);
			o = strlen(out);
		}
	}
}

/* ---- where in the file ----------------------------------------------- */

long diag_node_line(const xmlNode *n)
{
	if (n && n->type == XML_ATTRIBUTE_NODE)
		n = n->parent;
	return n ? xmlGetLineNo(n) : 0;
}

static size_t name_len(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && !strchr(" \t\r\n=/>", *p))
		p++;
	return (size_t)(p - s);
}

/* Line of the byte at p in the raw text. */
static long text_line(const struct diag *d, const char *p)
{
	long n = 1;
	for (const char *s = d->buf; s < p; s++)
		n += *s == '\n';
	return n;
}

/* The start tag of element `el` in the raw text: the last "<name" before
 * the end of the line libxml2 gives the element. NULL when there is no raw
 * text. *qlen receives the length of the tag's qualified name. */
static const char *start_tag(const struct diag *d, const xmlNode *el, size_t *qlen)
{
	long line = diag_node_line(el), l = 1;
	const char *p = d->buf, *end = d->buf + d->len, *tag = NULL;
	char qname[256];

	if (!d->buf || line <= 0)
		return NULL;
	if (el->ns && el->ns->prefix)
		snprintf(qname, sizeof(qname), "%s:%s", el->ns->prefix, el->name);
	else
		snprintf(qname, sizeof(qname), "%s", el->name);
	size_t ql = strlen(qname);

	for (; p < end; p++) {
		if (*p == '<' && (size_t)(end - p) > ql + 1 && !memcmp(p + 1, qname, ql) &&
		    strchr(" \t\r\n/>", p[ql + 1]))
			tag = p;
		if (*p == '\n' && ++l > line)
			break;
	}
	*qlen = ql;
	return tag;
}

/* The line where element `el` starts ("<source" of a start tag over
 * several lines), as a user reads the file. */
long diag_elem_line(const struct diag *d, const xmlNode *el)
{
	size_t ql;
	const char *tag = start_tag(d, el, &ql);
	return tag ? text_line(d, tag) : diag_node_line(el);
}

/* libxml2 gives an element the line where its start tag ends, and an
 * attribute no line at all. For a start tag over several lines, find the
 * attribute in the raw text: the start tag is the last "<name" before the
 * end of that line; walk its attributes. Falls back to the element's line. */
static long attr_line(const struct diag *d, const xmlAttr *attr)
{
	const xmlNode *el = attr->parent;
	long line = diag_node_line(el);
	const char *p, *end = d->buf + d->len, *tag;
	size_t ql;

	if (!(tag = start_tag(d, el, &ql)))
		return line;
	/* The tag is well-formed (the document parsed): name="v" or name='v'. */
	p = tag + 1 + ql;
	while (p < end && *p != '>' && *p != '/') {
		while (p < end && strchr(" \t\r\n", *p))
			p++;
		const char *an = p;
		size_t al = name_len(p, end);
		if (!al)
			break;
		p += al;
		while (p < end && *p != '"' && *p != '\'')
			p++;
		if (p == end)
			break;
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q)
			break;
		if (al == strlen((const char *)attr->name) && !memcmp(an, attr->name, al))
			return text_line(d, an);
		p = q + 1;
	}
	return line;
}

long diag_attr_line(const struct diag *d, const xmlNode *el, const char *name)
{
	const xmlAttr *a = xmlHasNsProp(el, (const xmlChar *)name, NULL);
	return a ? attr_line(d, a) : diag_elem_line(d, el);
}

/* ---- messages for the problems a user makes -------------------------- */

/* element 'E', attribute 'A': 'V' is not a valid value of the atomic type
 * 'T' (hint). Used for schema facet and type errors and for what the
 * schema cannot check (inet_pton). */
void diag_attr_value(struct diag *d, const xmlAttr *attr)
{
	const char *elem = (const char *)attr->parent->name, *name = (const char *)attr->name;
	char type[64], hint[256], val[48];
	xmlChar *v = xmlNodeGetContent((const xmlNode *)attr);

	xsd_attr_type(d, elem, name, type, sizeof(type));
	xsd_hint(d, type, hint, sizeof(hint));
	diag_printable(v ? (const char *)v : "", val, sizeof(val));
	xmlFree(v);
	diag_report(d, attr_line(d, attr), "element '%s', attribute '%s': '%s' is not a valid value%s%s%s%s%s%s",
		    elem, name, val, type[0] ? " of the atomic type '" : "", type, type[0] ? "'" : "",
		    hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

/* An element the content model does not allow where it stands. */
void diag_unexpected(struct diag *d, const xmlNode *n)
{
	const xmlNode *parent = n->parent;
	char allowed[256] = "";
	const char *pname = parent && parent->type == XML_ELEMENT_NODE ? (const char *)parent->name : NULL;
	bool foreign = !n->ns || !n->ns->href || strcmp((const char *)n->ns->href, CONFIG_NS);

	if (pname)
		xsd_list(xsd_element_type(d, pname), "element", allowed, sizeof(allowed));
	diag_report(d, diag_node_line(n), "element '%s' is not expected here (%s%s%s%s%s%s%s)",
		    (const char *)n->name, pname ? "<" : "", pname ? pname : "",
		    pname ? "> " : "",
		    allowed[0] ? "may contain " : "contains no elements",
		    allowed, allowed[0] && strchr(allowed, ',') ? ", in this order" : "",
		    foreign ? "; elements must be in namespace " CONFIG_NS : "");
}

/* libxml2 reports an attribute's problem on its element, naming the
 * attribute in the message: "Element 'E', attribute 'A': ...". */
static const xmlAttr *error_attr(const xmlNode *n, const char *m)
{
	const char *p = strstr(m, "', attribute '");
	char name[128];

	if (!p || n->type != XML_ELEMENT_NODE)
		return NULL;
	p += strlen("', attribute '");
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, "'"), p);
	return xmlHasNsProp(n, (const xmlChar *)name, NULL);
}

/* The xs:unique constraints of iedd-config.xsd: what each keys on and how
 * to repair a duplicate. */
static const struct unique_key {
	const char *elem;
	const char *fields[2];
	const char *fix;
} unique_keys[] = {
	{ .elem = "listen", .fields = { "address", "port" },
	  .fix = "give each address and port once: remove one of the two <listen> or change its "
		 "port" },
	{ .elem = "source", .fields = { "name" },
	  .fix = "each source needs its own name: rename one of the two <source> (the map's "
		 "source column names the source a row reads)" },
	{ .elem = "scanClass", .fields = { "name" },
	  .fix = "each scan class needs its own name: rename or remove one of the two <scanClass> "
		 "(map rows pick a class by name in their scanClass column)" },
};

/* Key field values are equal as the schema compares them: as strings, or as
 * numbers for xs:unsignedInt ("010102" is port 10102). */
static bool key_equal(const char *a, const char *b)
{
	unsigned ua, ub;

	if (!a || !b)
		return a == b;
	return !strcmp(a, b) || (config_parse_uint(a, &ua) && config_parse_uint(b, &ub) && ua == ub);
}

static bool same_key(const struct unique_key *k, const xmlNode *a, const xmlNode *b)
{
	bool eq = true;

	for (size_t i = 0; i < 2 && k->fields[i] && eq; i++) {
		xmlChar *va = xmlGetNoNsProp(a, (const xmlChar *)k->fields[i]);
		xmlChar *vb = xmlGetNoNsProp(b, (const xmlChar *)k->fields[i]);
		eq = key_equal((const char *)va, (const char *)vb);
		xmlFree(va);
		xmlFree(vb);
	}
	return eq;
}

/* A second element with the key of an earlier sibling: names the key,
 * both lines and the repair. False for an element iedd has no words for. */
bool diag_duplicate(struct diag *d, const xmlNode *n)
{
	const struct unique_key *k = NULL;
	const xmlNode *first = NULL;
	char what[200] = "", val[48];
	size_t o = 0;

	for (size_t i = 0; i < sizeof(unique_keys) / sizeof(unique_keys[0]); i++)
		if (!strcmp((const char *)n->name, unique_keys[i].elem))
			k = &unique_keys[i];
	if (!k)
		return false;
	for (const xmlNode *s = n->parent ? n->parent->children : NULL; s && s != n; s = s->next)
		if (config_is_element(s, k->elem) && same_key(k, s, n)) {
			first = s;
			break;
		}
	for (size_t i = 0; i < 2 && k->fields[i]; i++) {
		xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)k->fields[i]);
		o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s '%s'", i ? " and " : "",
				      k->fields[i], diag_printable(v ? (const char *)v : "", val, sizeof(val)));
		xmlFree(v);
		if (o >= sizeof(what))
			break;
	}
	if (first)
		diag_report(d, diag_elem_line(d, n), "element '%s': %s %s twice (first at %s:%ld); %s",
			    k->elem, what, k->fields[1] ? "appear" : "appears", d->file,
			    diag_elem_line(d, first), k->fix);
	else
		diag_report(d, diag_elem_line(d, n), "element '%s': %s %s twice; %s", k->elem, what,
			    k->fields[1] ? "appear" : "appears", k->fix);
	return true;
}

static void diag_schema_error(struct diag *d, XMLERR_CONST xmlError *e)
{
	const xmlNode *n = e->node;
	const char *m = e->message ? e->message : "";
	const xmlAttr *a = NULL;
	char msg[400];

	/* Said when a key field's value was already refused: noise. */
	if (strstr(m, "No precomputed value available"))
		return;
	if (n && n->type == XML_ATTRIBUTE_NODE)
		a = (const xmlAttr *)n;
	else if (n)
		a = error_attr(n, m);
	/* One complaint per element or attribute: libxml2 may give several. */
	if (n && (a ? (const void *)a : (const void *)n) == d->last_node)
		return;
	d->last_node = a ? (const void *)a : (const void *)n;

	if (a && a->parent) {
		if (strstr(m, "is not allowed")) {
			char allowed[256] = "";
			xsd_list(xsd_element_type(d, (const char *)a->parent->name), "attribute",
				 allowed, sizeof(allowed));
			diag_report(d, attr_line(d, a), "element '%s': unknown attribute '%s' (%s%s)",
				    (const char *)a->parent->name, (const char *)a->name,
				    allowed[0] ? "allowed: " : "no attributes allowed", allowed);
		} else {
			diag_attr_value(d, a);
		}
		return;
	}
	if (n && n->type == XML_ELEMENT_NODE) {
		const char *el = (const char *)n->name;
		const char *p;
		if (strstr(m, "This element is not expected")) {
			diag_unexpected(d, n);
			return;
		}
		if (strstr(m, "Character content other than whitespace")) {
			diag_report(d, diag_node_line(n),
				    "element '%s' contains text, but may only contain elements (remove the text or put it in a <!-- comment -->)",
				    el);
			return;
		}
		if ((p = strstr(m, "The attribute '")) && strstr(m, "is required but missing")) {
			char attr[64], type[64], hint[256];
			p += strlen("The attribute '");
			snprintf(attr, sizeof(attr), "%.*s", (int)strcspn(p, "'"), p);
			xsd_attr_type(d, el, attr, type, sizeof(type));
			xsd_hint(d, type, hint, sizeof(hint));
			diag_report(d, diag_node_line(n), "element '%s': attribute '%s' is missing%s%s%s", el,
				    attr, hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
			return;
		}
		if ((p = strstr(m, "Duplicate key-sequence ["))) {
			p += strlen("Duplicate key-sequence ");
			if (!diag_duplicate(d, n))
				diag_report(d, diag_node_line(n), "element '%s': %.*s appears twice", el,
					    (int)strcspn(p, "]") + 1, p);
			return;
		}
	}
	/* Anything else: libxml2's words, without namespace braces. */
	tidy(m, msg, sizeof(msg));
	if (!strncmp(msg, "Element '", 9))
		msg[0] = 'e';
	diag_report(d, n ? diag_node_line(n) : e->line, "%s", msg);
}

void diag_xml_error(void *ctx, XMLERR_CONST xmlError *e)
{
	struct diag *d = ctx;
	char msg[400];

	if (!e || e->level < XML_ERR_ERROR)
		return;
	switch (e->domain) {
	case XML_FROM_SCHEMASV:
		diag_schema_error(d, e);
		return;
	case XML_FROM_SCHEMASP:
		/* The embedded schema is part of the program. */
		tidy(e->message ? e->message : "", msg, sizeof(msg));
		diag_report(d, 0, "internal error: embedded iedd-config.xsd:%d: %s", e->line, msg);
		return;
	default:
		tidy(e->message ? e->message : "", msg, sizeof(msg));
		if (e->code == XML_ERR_DOCUMENT_EMPTY && d->len == 0)
			diag_report(d, 0, "the file is empty (an iedd configuration starts with <iedd xmlns=\"" CONFIG_NS "\">)");
		else
			diag_report(d, e->line, "%s (not well-formed XML)", msg);
		return;
	}
}

/* For libxml2's unstructured messages, which come in pieces. */
__attribute__((format(printf, 2, 3)))
void diag_generic(void *ctx, const char *fmt, ...)
{
	struct diag *d = ctx;
	size_t o = strlen(d->generic);
	va_list ap;

	if (o + 1 >= sizeof(d->generic))
		return;
	va_start(ap, fmt);
	vsnprintf(d->generic + o, sizeof(d->generic) - o, fmt, ap);
	va_end(ap);
}

/* A configuration has no use for a DTD, and a DTD is where entity tricks
 * live (billion laughs, external entities): stop at the DOCTYPE. */
void diag_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct diag *d = ctxt->_private;

	(void)name, (void)ext, (void)sys;
	d->doctype = true;
	diag_report(d, ctxt->input ? ctxt->input->line : 0,
		    "a DOCTYPE declaration is not allowed in an iedd configuration (remove it)");
	xmlStopParser(ctxt);
}

