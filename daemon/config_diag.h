/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics of a configuration load (daemon/config.c), private to the
 * daemon: where in iedd.xml a node is, and the messages for what users get
 * wrong, worded from the schema (schemas/iedd-config.xsd) where it knows a
 * hint. config_diag.c turns libxml2's structured errors into them; config.c
 * reads the validated tree and reports through diag_report. One struct
 * diag per load; not shared between threads. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define CONFIG_NS "urn:iedd:config:1"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
/* xs:appinfo source of the hint sentence a simple type may carry. */
#define HINT_SOURCE "urn:iedd:hint"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
#define XMLERR_CONST const
#else
#define XMLERR_CONST
#endif

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

/* Shared with config.c (defined there): an element of iedd's namespace
 * named `name`; a decimal unsigned without sign, spaces or overflow. */
bool config_is_element(const xmlNode *n, const char *name);
bool config_parse_uint(const char *s, unsigned *out);

/* The first error becomes d->err ("file:line: text"); later ones are only
 * counted in d->n_errors. line <= 0: no line known. */
__attribute__((format(printf, 3, 4)))
void diag_report(struct diag *d, long line, const char *fmt, ...);
/* An element the content model does not allow where it stands. */
void diag_unexpected(struct diag *d, const xmlNode *n);
/* element 'E', attribute 'A': 'V' is not a valid value of its type, with
 * the schema's hint; also for what the schema cannot check (inet_pton). */
void diag_attr_value(struct diag *d, const xmlAttr *attr);
/* A second element with the key of an earlier sibling: names the key, both
 * lines and the repair. False for an element iedd has no words for. */
bool diag_duplicate(struct diag *d, const xmlNode *n);
/* libxml2's handlers (ctx is the struct diag): structured errors of the
 * parser and the schema validator, unstructured pieces, and the DOCTYPE
 * refusal (a configuration has no use for a DTD, where entity tricks
 * live). */
void diag_xml_error(void *ctx, XMLERR_CONST xmlError *e);
__attribute__((format(printf, 2, 3)))
void diag_generic(void *ctx, const char *fmt, ...);
void diag_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys);
/* Where a node is: its line as libxml2 counted it, and the line where an
 * element's start tag begins ("<source" over several lines), as a user
 * reads the file. */
long diag_node_line(const xmlNode *n);
long diag_elem_line(const struct diag *d, const xmlNode *el);
/* The line of attribute `name` of `el` (the element's when it has none). */
long diag_attr_line(const struct diag *d, const xmlNode *el, const char *name);
/* Text for a one-line message: whitespace collapsed (out[outlen]); a value
 * with controls as '?', cut at a UTF-8 boundary and marked "..."
 * (returns out). */
void diag_collapse(const xmlChar *s, char *out, size_t outlen);
const char *diag_printable(const char *s, char *out, size_t outlen);
