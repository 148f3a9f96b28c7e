/* iedd's own configuration: read iedd.xml, validate it against the embedded
 * schemas/iedd-config.xsd, fill struct iedd_config.
 *
 * Every complaint names the file and the line, says what is wrong in the
 * words of the file (element and attribute names, without namespace
 * braces) and, where the schema knows it, how to fix it. libxml2 reports
 * through our structured handlers only; it never prints.
 *
 * Thread: any. libxml2's error handlers are per thread; a load borrows its
 * thread's handlers and gives them back before it returns. */
#include "config.h"

#include "embedded.h"
#include "iedd_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#define CONFIG_NS "urn:iedd:config:1"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
/* xs:appinfo source of the hint sentence a simple type may carry. */
#define HINT_SOURCE "urn:iedd:hint"
/* A configuration is a few kilobytes; refuse to slurp anything absurd. */
#define CONFIG_MAX_FILE (1u << 20)
#define EMBEDDED_NAME "(embedded default)"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
#define XMLERR_CONST const
#else
#define XMLERR_CONST
#endif

static bool is_cfg(const xmlNode *n, const char *name);
static bool parse_uint(const char *s, unsigned *out);

/* Diagnostics of one load. The first error becomes the message; later
 * ones are only counted. */
struct diag {
	const char *file;		/* name used in messages */
	const char *buf;		/* raw text, to find an attribute's line */
	size_t len;
	char *err;			/* caller's buffer, may be NULL */
	size_t errlen;
	unsigned n_errors;
	const void *last_node;		/* libxml2 repeats itself per node */
	bool doctype;			/* a DOCTYPE stopped the parser */
	char generic[256];		/* unstructured libxml2 text, last resort */
	xmlDocPtr xsd;			/* the schema as a tree, parsed for hints */
};

void config_defaults(struct iedd_config *cfg)
{
	*cfg = (struct iedd_config){
		.n_listen = 0,
		.max_associations = 10000,
		.assoc_timeout_ms = 10000,
		.idle_timeout_ms = 0,
		.pdu_timeout_ms = 10000,
		.max_pdu_size = 65000,
		.max_serv_outstanding = 16,
		.max_nesting = 10,
		.vendor = "iedd",
		.model = "software IED",
		.revision = IEDD_VERSION,
		.source = EMBEDDED_NAME,
		.scan_period_ms = 1000,
	};
}

/* ---- listen addresses ------------------------------------------------ */

/* "*", or a numeric IPv4 or IPv6 address ("::" included). */
static bool listen_addr_ok(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(a, "*"))
		return true;
	return inet_pton(AF_INET, a, &a4) == 1 || inet_pton(AF_INET6, a, &a6) == 1;
}

static int parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int config_parse_listen(const char *s, struct config_listen *out)
{
	struct config_listen l = { .addr = "*" };
	const char *port, *colon;
	size_t n;

	if (!s || !out)
		return -EINVAL;
	if (s[0] == '[') {
		/* RFC 3986 §3.2.2: an IPv6 literal with a port is bracketed. */
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(l.addr))
			return -EINVAL;
		memcpy(l.addr, s + 1, n);
		l.addr[n] = '\0';
		struct in6_addr a6;
		if (inet_pton(AF_INET6, l.addr, &a6) != 1)
			return -EINVAL;
		port = close + 2;
	} else if ((colon = strrchr(s, ':'))) {
		n = (size_t)(colon - s);
		/* A second colon means an unbracketed IPv6 address: ambiguous. */
		if (memchr(s, ':', n) || n >= sizeof(l.addr))
			return -EINVAL;
		if (n) {
			memcpy(l.addr, s, n);
			l.addr[n] = '\0';
			if (!listen_addr_ok(l.addr))
				return -EINVAL;
		}
		port = colon + 1;
	} else {
		port = s;
	}
	if (parse_port(port, &l.port))
		return -EINVAL;
	*out = l;
	return 0;
}

/* ---- diagnostics ----------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void diag_report(struct diag *d, long line, const char *fmt, ...)
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
static const char *printable(const char *s, char *out, size_t outlen)
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
		out[o++] = *s++;
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
static void collapse(const xmlChar *s, char *out, size_t outlen)
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
				collapse(text, out, outlen);
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

static long node_line(const xmlNode *n)
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
	long line = node_line(el), l = 1;
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
static long elem_line(const struct diag *d, const xmlNode *el)
{
	size_t ql;
	const char *tag = start_tag(d, el, &ql);
	return tag ? text_line(d, tag) : node_line(el);
}

/* libxml2 gives an element the line where its start tag ends, and an
 * attribute no line at all. For a start tag over several lines, find the
 * attribute in the raw text: the start tag is the last "<name" before the
 * end of that line; walk its attributes. Falls back to the element's line. */
static long attr_line(const struct diag *d, const xmlAttr *attr)
{
	const xmlNode *el = attr->parent;
	long line = node_line(el);
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

/* ---- messages for the problems a user makes -------------------------- */

/* element 'E', attribute 'A': 'V' is not a valid value of the atomic type
 * 'T' (hint). Used for schema facet and type errors and for what the
 * schema cannot check (inet_pton). */
static void diag_attr_value(struct diag *d, const xmlAttr *attr)
{
	const char *elem = (const char *)attr->parent->name, *name = (const char *)attr->name;
	char type[64], hint[256], val[48];
	xmlChar *v = xmlNodeGetContent((const xmlNode *)attr);

	xsd_attr_type(d, elem, name, type, sizeof(type));
	xsd_hint(d, type, hint, sizeof(hint));
	printable(v ? (const char *)v : "", val, sizeof(val));
	xmlFree(v);
	diag_report(d, attr_line(d, attr), "element '%s', attribute '%s': '%s' is not a valid value%s%s%s%s%s%s",
		    elem, name, val, type[0] ? " of the atomic type '" : "", type, type[0] ? "'" : "",
		    hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

/* An element the content model does not allow where it stands. */
static void diag_unexpected(struct diag *d, const xmlNode *n)
{
	const xmlNode *parent = n->parent;
	char allowed[256] = "";
	const char *pname = parent && parent->type == XML_ELEMENT_NODE ? (const char *)parent->name : NULL;
	bool foreign = !n->ns || !n->ns->href || strcmp((const char *)n->ns->href, CONFIG_NS);

	if (pname)
		xsd_list(xsd_element_type(d, pname), "element", allowed, sizeof(allowed));
	diag_report(d, node_line(n), "element '%s' is not expected here (%s%s%s%s%s%s%s)",
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
	return !strcmp(a, b) || (parse_uint(a, &ua) && parse_uint(b, &ub) && ua == ub);
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
static bool diag_duplicate(struct diag *d, const xmlNode *n)
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
		if (is_cfg(s, k->elem) && same_key(k, s, n)) {
			first = s;
			break;
		}
	for (size_t i = 0; i < 2 && k->fields[i]; i++) {
		xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)k->fields[i]);
		o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s '%s'", i ? " and " : "",
				      k->fields[i], printable(v ? (const char *)v : "", val, sizeof(val)));
		xmlFree(v);
		if (o >= sizeof(what))
			break;
	}
	if (first)
		diag_report(d, elem_line(d, n), "element '%s': %s %s twice (first at %s:%ld); %s",
			    k->elem, what, k->fields[1] ? "appear" : "appears", d->file,
			    elem_line(d, first), k->fix);
	else
		diag_report(d, elem_line(d, n), "element '%s': %s %s twice; %s", k->elem, what,
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
			diag_report(d, node_line(n),
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
			diag_report(d, node_line(n), "element '%s': attribute '%s' is missing%s%s%s", el,
				    attr, hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
			return;
		}
		if ((p = strstr(m, "Duplicate key-sequence ["))) {
			p += strlen("Duplicate key-sequence ");
			if (!diag_duplicate(d, n))
				diag_report(d, node_line(n), "element '%s': %.*s appears twice", el,
					    (int)strcspn(p, "]") + 1, p);
			return;
		}
	}
	/* Anything else: libxml2's words, without namespace braces. */
	tidy(m, msg, sizeof(msg));
	if (!strncmp(msg, "Element '", 9))
		msg[0] = 'e';
	diag_report(d, n ? node_line(n) : e->line, "%s", msg);
}

static void diag_xml_error(void *ctx, XMLERR_CONST xmlError *e)
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
static void diag_generic(void *ctx, const char *fmt, ...)
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
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct diag *d = ctxt->_private;

	(void)name, (void)ext, (void)sys;
	d->doctype = true;
	diag_report(d, ctxt->input ? ctxt->input->line : 0,
		    "a DOCTYPE declaration is not allowed in an iedd configuration (remove it)");
	xmlStopParser(ctxt);
}

/* ---- reading the validated tree -------------------------------------- */

static bool is_cfg(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, CONFIG_NS) && !strcmp((const char *)n->name, name);
}

/* xs:unsignedInt lexical space after whitespace collapse: [+]digits. */
static bool parse_uint(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	bool digits = false;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT_MAX)
			return false;
		digits = true;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!digits || *s)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Attribute `name` of `n` into *out if present and at most max.
 * 1 = set, 0 = absent, -EINVAL = refused (reported). */
static int attr_uint(struct diag *d, xmlNode *n, const char *name, unsigned max, unsigned *out)
{
	xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, NULL);
	xmlChar *v;
	unsigned u;
	bool ok;

	if (!a)
		return 0;
	v = xmlNodeGetContent((xmlNode *)a);
	ok = v && parse_uint((const char *)v, &u) && u <= max;
	xmlFree(v);
	if (!ok) {
		diag_attr_value(d, a);
		return -EINVAL;
	}
	*out = u;
	return 1;
}

static int attr_string(struct diag *d, xmlNode *n, const char *name, char *out, size_t outlen)
{
	xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, NULL);
	xmlChar *v;
	int r = 1;

	if (!a)
		return 0;
	v = xmlNodeGetContent((xmlNode *)a);
	if (v && strlen((const char *)v) < outlen)
		snprintf(out, outlen, "%s", (const char *)v);
	else
		r = -EINVAL;
	xmlFree(v);
	if (r < 0)
		diag_attr_value(d, a);
	return r;
}

static int read_listen(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	struct config_listen *l = &c->listen[c->n_listen];
	xmlAttr *a;
	unsigned port = 0;
	int r;

	if (c->n_listen == CONFIG_MAX_LISTEN) {
		diag_report(d, node_line(n), "element 'listen': more than %d listeners",
			    CONFIG_MAX_LISTEN);
		return -EINVAL;
	}
	if ((r = attr_string(d, n, "address", l->addr, sizeof(l->addr))) < 0)
		return r;
	/* The schema's pattern only approximates an address; inet_pton decides. */
	a = xmlHasNsProp(n, (const xmlChar *)"address", NULL);
	if (!r || !listen_addr_ok(l->addr)) {
		if (a)
			diag_attr_value(d, a);
		else
			diag_report(d, node_line(n), "element 'listen': attribute 'address' is missing");
		return -EINVAL;
	}
	if ((r = attr_uint(d, n, "port", 65535, &port)) < 0)
		return r;
	if (!r || port == 0) {
		a = xmlHasNsProp(n, (const xmlChar *)"port", NULL);
		if (a)
			diag_attr_value(d, a);
		else
			diag_report(d, node_line(n), "element 'listen': attribute 'port' is missing");
		return -EINVAL;
	}
	l->port = (uint16_t)port;
	c->n_listen++;
	return 0;
}

static int read_limits(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	unsigned v;
	int r;

	if ((r = attr_uint(d, n, "maxAssociations", UINT_MAX, &c->max_associations)) < 0 ||
	    (r = attr_uint(d, n, "associationTimeout", UINT_MAX, &c->assoc_timeout_ms)) < 0 ||
	    (r = attr_uint(d, n, "idleTimeout", UINT_MAX, &c->idle_timeout_ms)) < 0 ||
	    (r = attr_uint(d, n, "pduTimeout", UINT_MAX, &c->pdu_timeout_ms)) < 0)
		return r;
	if ((r = attr_uint(d, n, "maxPduSize", UINT32_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_pdu_size = v;
	if ((r = attr_uint(d, n, "maxServOutstanding", INT_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_serv_outstanding = (int)v;
	if ((r = attr_uint(d, n, "maxNesting", INT_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_nesting = (int)v;
	return 0;
}

static int read_identity(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;

	if ((r = attr_string(d, n, "vendor", c->vendor, sizeof(c->vendor))) < 0 ||
	    (r = attr_string(d, n, "model", c->model, sizeof(c->model))) < 0 ||
	    (r = attr_string(d, n, "revision", c->revision, sizeof(c->revision))) < 0)
		return r;
	return 0;
}

static int read_server(struct diag *d, xmlNode *server, struct iedd_config *c)
{
	int r = 0;

	for (xmlNode *n = server->children; n && !r; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_cfg(n, "listen"))
			r = read_listen(d, n, c);
		else if (is_cfg(n, "limits"))
			r = read_limits(d, n, c);
		else if (is_cfg(n, "identity"))
			r = read_identity(d, n, c);
		else {
			diag_unexpected(d, n);
			r = -EINVAL;
		}
	}
	return r;
}

/* Attribute `name` of `n`, of the schema's booleanType, into *out if
 * present. The schema has refused all but "true", "false", "1" and "0",
 * with surrounding whitespace allowed (xs:boolean collapses it).
 * 1 = set, 0 = absent, -EINVAL = refused (reported). */
static int attr_bool(struct diag *d, xmlNode *n, const char *name, bool *out)
{
	char v[256] = "", t[8];
	int r = attr_string(d, n, name, v, sizeof(v));

	if (r <= 0)
		return r;
	collapse((const xmlChar *)v, t, sizeof(t));
	*out = !strcmp(t, "true") || !strcmp(t, "1");
	return 1;
}

/* <scl strict>: warnings of the SCL loader are errors (iedd --strict;
 * doc/scl-findings.md). */
static int read_scl_strict(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r = attr_bool(d, n, "strict", &c->scl_strict);
	return r < 0 ? r : 0;
}

/* A path written in attribute `attr` of `n`, made relative to the
 * configuration file's directory, as users expect of paths written in a
 * config file (and as they would be if iedd ran from that directory). An
 * absolute path, and every path of the embedded default (which has no
 * directory), is kept as written. */
static int config_path(struct diag *d, xmlNode *n, const char *attr, const char *file, char *out,
		       size_t outlen, const struct iedd_config *c)
{
	const char *slash = strrchr(c->source, '/');
	if (file[0] != '/' && slash && c->source[0] != '(') {
		int dl = (int)(slash - c->source);
		if ((size_t)snprintf(out, outlen, "%.*s/%s", dl, c->source, file) >= outlen) {
			diag_report(d, elem_line(d, n), "element '%s', attribute '%s': the path is "
				    "too long with the directory of this file (%.*s/) in front; give "
				    "a shorter or an absolute path", (const char *)n->name, attr, dl,
				    c->source);
			return -EINVAL;
		}
	} else {
		snprintf(out, outlen, "%s", file);
	}
	return 0;
}

/* <scl file ied>: a relative file is taken relative to the configuration
 * file's directory. */
static int read_scl(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[sizeof(c->scl_file)] = "";
	int r;

	if ((r = attr_string(d, n, "file", file, sizeof(file))) < 0 ||
	    (r = attr_string(d, n, "ied", c->ied_name, sizeof(c->ied_name))) < 0 ||
	    (r = read_scl_strict(d, n, c)) < 0)
		return r;
	if ((r = config_path(d, n, "file", file, c->scl_file, sizeof(c->scl_file), c)) < 0)
		return r;
	c->scl_line = (unsigned)elem_line(d, n);
	return 0;
}

/* <map file period><scanClass name period/>...</map> */
static int read_map(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[sizeof(c->map_file)] = "";
	int r;

	if ((r = attr_string(d, n, "file", file, sizeof(file))) < 0 ||
	    (r = config_path(d, n, "file", file, c->map_file, sizeof(c->map_file), c)) < 0 ||
	    (r = attr_uint(d, n, "period", 3600000, &c->scan_period_ms)) < 0)
		return r;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!is_cfg(k, "scanClass")) {
			diag_unexpected(d, k);
			return -EINVAL;
		}
		if (c->n_scans == CONFIG_MAX_SCAN) {
			diag_report(d, node_line(k), "element 'scanClass': more than %d",
				    CONFIG_MAX_SCAN);
			return -EINVAL;
		}
		struct config_scan *sc = &c->scans[c->n_scans];
		if ((r = attr_string(d, k, "name", sc->name, sizeof(sc->name))) < 0 ||
		    (r = attr_uint(d, k, "period", 3600000, &sc->period_ms)) < 0)
			return r;
		c->n_scans++;
	}
	return 0;
}

/* <sources><source name plugin thread><param name value/>...</source></sources> */
static int read_sources(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!is_cfg(k, "source")) {
			diag_unexpected(d, k);
			return -EINVAL;
		}
		if (c->n_sources == CONFIG_MAX_SOURCES) {
			diag_report(d, node_line(k), "element 'source': more than %d sources",
				    CONFIG_MAX_SOURCES);
			return -EINVAL;
		}
		struct config_source *s = &c->sources[c->n_sources];
		memset(s, 0, sizeof(*s));
		s->line = (unsigned)elem_line(d, k);
		char plugin[256] = "";
		if ((r = attr_string(d, k, "name", s->name, sizeof(s->name))) < 0 ||
		    (r = attr_string(d, k, "plugin", plugin, sizeof(plugin))) < 0 ||
		    (r = attr_bool(d, k, "thread", &s->thread)) < 0)
			return r;
		/* A bare name is looked up in the plugin directory; a path (with
		 * a '/') is a file, relative to this file as <scl> and <map>. */
		if (strchr(plugin, '/'))
			r = config_path(d, k, "plugin", plugin, s->plugin, sizeof(s->plugin), c);
		else
			snprintf(s->plugin, sizeof(s->plugin), "%s", plugin);
		if (r < 0)
			return r;
		for (size_t i = 0; i < c->n_sources; i++)
			if (!strcmp(c->sources[i].name, s->name)) {
				/* The schema's uniqueSource has said it already;
				 * kept in case the schema is relaxed. */
				if (!diag_duplicate(d, k))
					diag_report(d, node_line(k), "element 'source': name '%s' "
						    "appears twice", s->name);
				return -EINVAL;
			}
		for (xmlNode *p = k->children; p; p = p->next) {
			if (p->type != XML_ELEMENT_NODE)
				continue;
			if (!is_cfg(p, "param")) {
				diag_unexpected(d, p);
				return -EINVAL;
			}
			if (s->n_params == CONFIG_MAX_PARAMS) {
				diag_report(d, node_line(p), "element 'param': more than %d",
					    CONFIG_MAX_PARAMS);
				return -EINVAL;
			}
			struct config_param *pa = &s->params[s->n_params];
			if ((r = attr_string(d, p, "name", pa->name, sizeof(pa->name))) < 0 ||
			    (r = attr_string(d, p, "value", pa->value, sizeof(pa->value))) < 0)
				return r;
			s->n_params++;
		}
		c->n_sources++;
	}
	return 0;
}

static int read_config(struct diag *d, xmlNode *root, struct iedd_config *c)
{
	int r = 0;

	for (xmlNode *n = root->children; n && !r; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_cfg(n, "server"))
			r = read_server(d, n, c);
		else if (is_cfg(n, "scl"))
			r = read_scl(d, n, c);
		else if (is_cfg(n, "map"))
			r = read_map(d, n, c);
		else if (is_cfg(n, "sources"))
			r = read_sources(d, n, c);
		else if (is_cfg(n, "simulate"))
			c->simulate = true;
		else {
			diag_unexpected(d, n);
			r = -EINVAL;
		}
	}
	return r;
}

/* ---- the load -------------------------------------------------------- */

static int check_root(struct diag *d, xmlNode *root)
{
	if (!root) {
		diag_report(d, 0, "no root element (write <iedd xmlns=\"" CONFIG_NS "\">)");
		return -EINVAL;
	}
	if (strcmp((const char *)root->name, "iedd")) {
		diag_report(d, node_line(root),
			    "root element is '%s', expected <iedd xmlns=\"" CONFIG_NS "\"> (is this an iedd configuration?)",
			    (const char *)root->name);
		return -EINVAL;
	}
	if (!root->ns || !root->ns->href) {
		diag_report(d, node_line(root),
			    "root element 'iedd' has no namespace (write <iedd xmlns=\"" CONFIG_NS "\">)");
		return -EINVAL;
	}
	if (strcmp((const char *)root->ns->href, CONFIG_NS)) {
		char ns[96];
		diag_report(d, node_line(root),
			    "root element 'iedd' is in namespace '%s', this iedd reads '" CONFIG_NS "' (write <iedd xmlns=\"" CONFIG_NS "\">)",
			    printable((const char *)root->ns->href, ns, sizeof(ns)));
		return -EINVAL;
	}
	return 0;
}

static int validate(struct diag *d, xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	int r = -ENOMEM;

	pctxt = xmlSchemaNewMemParserCtxt((const char *)embedded_config_xsd,
					  (int)embedded_config_xsd_len);
	if (!pctxt)
		goto out;
	xmlSchemaSetParserStructuredErrors(pctxt, diag_xml_error, d);
	schema = xmlSchemaParse(pctxt);
	if (!schema) {
		if (!d->n_errors)
			diag_report(d, 0, "internal error: the embedded iedd-config.xsd does not compile");
		r = -EINVAL;
		goto out;
	}
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt)
		goto out;
	xmlSchemaSetValidStructuredErrors(vctxt, diag_xml_error, d);
	r = xmlSchemaValidateDoc(vctxt, doc);
	if (r != 0 || d->n_errors) {
		if (!d->n_errors)
			diag_report(d, 0, "does not match iedd-config.xsd (libxml2 code %d)", r);
		r = -EINVAL;
	}
out:
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctxt);
	return r;
}

static int load_mem(const char *buf, size_t len, const char *name, struct iedd_config *cfg,
		    char *err, size_t errlen)
{
	struct diag d = { .file = name, .buf = buf, .len = len, .err = err, .errlen = errlen };
	struct iedd_config c;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int r;

	xmlInitParser();
	/* Per-thread in libxml2: catch whatever is raised without a context
	 * of ours (encoding errors, for one), and give it back afterwards. */
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_gerror = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&d, diag_xml_error);
	xmlSetGenericErrorFunc(&d, diag_generic);

	config_defaults(&c);
	snprintf(c.source, sizeof(c.source), "%s", name);

	r = -EFBIG;
	if (len > INT_MAX)
		goto out;
	r = -ENOMEM;
	if (!(ctxt = xmlNewParserCtxt()))
		goto out;
	ctxt->_private = &d;
	ctxt->sax->internalSubset = refuse_doctype;
	/* No XML_PARSE_NOENT (no entity substitution), no DTD loading,
	 * no network. */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	r = -EINVAL;
	if (!doc || d.doctype || d.n_errors)
		goto out;
	if ((r = check_root(&d, xmlDocGetRootElement(doc))) ||
	    (r = validate(&d, doc)) ||
	    (r = read_config(&d, xmlDocGetRootElement(doc), &c)))
		goto out;
	*cfg = c;
out:
	if (r && !d.n_errors)
		diag_report(&d, 0, "%s", d.generic[0] ? d.generic : strerror(-r));
	if (r && d.n_errors > 1 && err && errlen) {
		size_t o = strlen(err);
		snprintf(err + o, errlen - o, " (and %u more error%s)", d.n_errors - 1,
			 d.n_errors > 2 ? "s" : "");
	}
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_gerror);
	xmlFreeDoc(doc);
	xmlFreeDoc(d.xsd);
	xmlFreeParserCtxt(ctxt);
	return r;
}

int config_load_embedded(struct iedd_config *cfg, char *err, size_t errlen)
{
	return load_mem((const char *)embedded_iedd_xml, embedded_iedd_xml_len, EMBEDDED_NAME, cfg,
			err, errlen);
}

__attribute__((format(printf, 3, 4)))
static void file_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
}

int config_load_file(const char *path, struct iedd_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!path || !cfg) {
		file_error(err, errlen, "(no file): no configuration file given");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		file_error(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st)) {
		r = -errno;
		file_error(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		file_error(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > CONFIG_MAX_FILE) {
		r = -EFBIG;
		file_error(err, errlen, "%s: %jd bytes, more than a configuration can be (%u)", path,
			   (intmax_t)st.st_size, CONFIG_MAX_FILE);
		goto out;
	}
	/* Read to EOF, not to st_size: the file may change under us. */
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (!buf) {
		r = -ENOMEM;
		file_error(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			file_error(err, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_FILE) {
			r = -EFBIG;
			file_error(err, errlen, "%s: more than a configuration can be (%u bytes)",
				   path, CONFIG_MAX_FILE);
			goto out;
		}
	}
	r = load_mem(buf, len, path, cfg, err, errlen);
out:
	free(buf);
	close(fd);
	return r;
}
