/* SPDX-License-Identifier: Apache-2.0 */
/* The SCL loader's shared parts (daemon/model/scl*.c), private to it: the
 * load context, the template records, and the helpers each part uses.
 *   scl.c         messages, XML helpers, the IED and its instance values, the
 *                 load itself (libxml2, findings);
 *   scl_types.c   bTypes, the DataTypeTemplates (index, check, cycles) and
 *                 the MMS type nodes built from them;
 *   scl_blocks.c  data sets and control blocks.
 * One struct ctx per load, on the loading thread. */
#pragma once
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"
#include "model_priv.h"
#include "strhash.h"

#define SCL_NS "http://www.iec.ch/61850/2003/SCL"

/* libxml2 2.12 made the structured error const. */
#if LIBXML_VERSION >= 21200
#define XMLERR_CONST const
#else
#define XMLERR_CONST
#endif

/* Limits that keep a hostile file from exhausting memory. */
#define MAX_ARRAY_COUNT 65536u
#define MAX_TYPE_SIZE (64u * 1024u * 1024u)
#define MAX_VALUES (1024u * 1024u * 1024u)
#define MAX_WARNINGS 100000u	/* kept for --check; the daemon's log rate-limits */
#define VALUES_MAP_MIN (256u * 1024u)

/* The non-zero stretches of an LN type's initial values. */
struct run {
	uint32_t off, len;
};

/* A type node with the initial values of its subtree. */
struct mnode {
	struct mtype t;
	uint8_t *image;		/* t.size octets, or NULL: all zero */
	/* LN types only: where `image` is not zero. An instance copies these
	 * runs into calloc'd values, so the (mostly empty) strings never touch
	 * memory: load time and resident size follow the data, not the
	 * 256-octet string slots. */
	struct run *runs;
	uint32_t n_runs;
};

enum { T_LNODE, T_DO, T_DA, T_ENUM };		/* template kinds */
enum { C_DO, C_SDO, C_DA, C_BDA };		/* template children */
enum { MARK_NEW, MARK_VISITING, MARK_DONE };	/* cycle search */

static const char *const tkind_name[] = { "LNodeType", "DOType", "DAType", "EnumType" };
static const char *const ckind_name[] = { "DO", "SDO", "DA", "BDA" };

struct tmpl;

struct tchild {
	const char *name;
	const char *type_id;	/* DO/SDO: DOType; DA/BDA: DAType or EnumType */
	const char *count_attr;	/* count given as an attribute name */
	xmlNode *node;
	xmlNode *val;		/* first Val child */
	struct tmpl *ref;
	uint32_t count;		/* 0: not an array */
	uint32_t max_len;
	uint8_t kind, btype, fc, trgops, flags;
	bool warned;
};

struct dacache {
	struct dacache *next;
	uint8_t fc, trg;
	struct mnode *node;
};

struct tmpl {
	xmlNode *node;
	const char *id;
	uint8_t kind;
	uint8_t mark;
	uint32_t fcmask;	/* DOType: FCs of every attribute below */
	uint32_t n_child;
	struct tchild *child;
	struct mnode *view[FC_COUNT];	/* DOType: per FC; LNodeType: [0] the LN */
	struct dacache *da;	/* DAType: per (FC, trigger options) */
	struct enum_type *enm;	/* EnumType */
};

/* A growable array in malloc'd memory. */
struct vec {
	void *p;
	size_t n, cap, esz;
};

static inline void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->p, cap * v->esz);
		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	void *e = (char *)v->p + v->n * v->esz;
	memset(e, 0, v->esz);
	v->n++;
	return e;
}

static inline void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

struct lninfo {
	struct mln *ln;
	xmlNode *node;
};

/* An LDevice being loaded, with its LNs' XML. */
struct ldinfo {
	struct mld *ld;
	xmlNode *node;
	struct lninfo *lns;	/* sorted like ld->lns */
};

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	struct model *m;
	struct model_priv *p;
	struct arena *A;	/* the model's */
	struct arena tmp;	/* freed when loading ends */
	struct strhash tm[4];	/* templates by id, per kind */
	struct tmpl **order;	/* every template in document order */
	uint32_t n_order;
	struct strhash basic;	/* basic type nodes */
	struct strhash arrays;	/* array type nodes */
	struct strhash names;	/* interned component names */
	struct buf td;		/* scratch for type descriptions */
	struct vec saddr;	/* struct msaddr */
	struct vec warn;	/* const char *, in the model's arena */
	uint32_t n_unsaid;	/* warnings beyond MAX_WARNINGS */
	const char *ied;
	/* report control blocks (8-1 §17): the SCL's edition (1: 2003, 2:
	 * 2007), whether the IED's Services/ReportSettings asks for Owner, the
	 * RCB structures ([0] URCB, [1] BRCB), built once */
	uint8_t edition;
	bool rcb_owner;
	struct mnode *rcb_type[2];
	struct mnode *gocb_type;	/* the GoCB structure (8-1 §18), built once */
	/* the ReportControl / GSEControl element of each URCB, BRCB, GoCB (struct
	 * scl_cb_node), for RptEnabled/ClientLN in scl_build_rcbs; the SCL
	 * root, for its Communication section */
	struct vec cb_nodes;
	xmlNode *root;
	/* libxml2 capture */
	char xml_err[256];
	long xml_line;
	bool doctype;
};

/* ---- scl.c: messages ---- */

/* A fault that makes a consistent model impossible: the first one becomes
 * the message ("file:line: text"), c->failed is set; returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int scl_fail(struct ctx *c, const xmlNode *n, const char *fmt, ...);
/* A tolerated fault (see model_warning): kept, in the model's arena, for
 * --check and the start-up log (at most MAX_WARNINGS, the rest counted). */
__attribute__((format(printf, 3, 4)))
void scl_warn(struct ctx *c, const xmlNode *n, const char *fmt, ...);
/* Out of memory: fails the load; returns -ENOMEM. */
int scl_oom(struct ctx *c);
/* A value from the file, fit for a one-line message (out[n]). */
const char *scl_shown(const char *s, char *out, size_t n);

/* ---- scl.c: XML helpers (the SCL namespace only) ---- */

bool scl_is_scl(const xmlNode *n, const char *name);
/* The first SCL child element called `name`, or NULL. */
xmlNode *scl_child(const xmlNode *n, const char *name);
/* An unqualified attribute's value (libxml2 has substituted the
 * predefined entities), or NULL. */
const char *scl_attr(const xmlNode *n, const char *name);
/* A required attribute: NULL after scl_fail naming `who`. */
const char *scl_req(struct ctx *c, const xmlNode *n, const char *name, const char *who);
/* Text content (text and CDATA children only; no entity expansion). */
const char *scl_text_of(struct ctx *c, const xmlNode *n);
/* A decimal unsigned up to `max`, '+' and blanks around it allowed: 0, or
 * -EINVAL (not a number) / -ERANGE (above max). */
int scl_parse_uint_str(const char *s, uint64_t max, uint64_t *out);
/* Optional unsigned attribute: `def` when absent. */
int scl_uint_attr(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		  uint64_t def, uint64_t max, uint64_t *out);
/* An optional boolean attribute that describes one element, not the
 * model's shape (a DA's trigger options, a control block's flags): a value
 * that is not an xs:boolean is repairable (doc/scl-findings.md). "True" or
 * "FALSE" is taken as meant, anything else gives `def`, with a warning. */
void scl_soft_bool(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		   bool def, bool *out);
/* Copies an attribute into a fixed field; too long is an error. */
int scl_copy_str(struct ctx *c, const xmlNode *n, char *dst, size_t size, const char *v,
		 const char *what, const char *who);
/* One copy of a component name in the model's arena; NULL: no memory. */
const char *scl_intern(struct ctx *c, const char *s);

/* ---- scl_types.c: templates and type nodes ---- */

/* qsort, which must not see a NULL base even for zero elements. */
void scl_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Indexes the DataTypeTemplates by id (per kind; duplicates are errors). */
int scl_index_templates(struct ctx *c, xmlNode *dtt);
/* Checks every template in document order, used by the IED or not: the
 * first fault in the file is the one reported. */
int scl_check_templates(struct ctx *c);
/* The shared node of a basic type (bType, size, enumeration, FC, trigger
 * options), and of an array of `count` elements; NULL after scl_fail. */
struct mnode *scl_basic(struct ctx *c, uint8_t bt, uint32_t max_len, uint8_t flags,
			const struct enum_type *e, uint8_t fc, uint8_t trg);
struct mnode *scl_array(struct ctx *c, struct mnode *elem, uint32_t count, const xmlNode *at,
			const char *who);
/* Applies Val elements to a basic (or array of basic) component at v; a
 * Val that does not fit is a warning and leaves the default. */
int scl_apply_vals(struct ctx *c, uint8_t *v, const struct mtype *t, const xmlNode *first,
		   const char *who);
/* The LN type of an LNodeType (built once, shared by its instances). */
struct mnode *scl_lnodetype_view(struct ctx *c, struct tmpl *t);
/* The LN type of one LN instance with report control blocks: the shared
 * type `ln` with one RCB structure per instance names[i] added under FC RP
 * (buffered[i] false) or BR, in the FC order. NULL after scl_fail. */
struct mnode *scl_ln_with_rcbs(struct ctx *c, struct mnode *ln, const char *const *names,
			       const bool *buffered, uint32_t n, const xmlNode *at,
			       const char *who);
/* rcb.c: the RCB table (model_rcb) of the loaded model and the RCBs'
 * initial values, once data sets and control blocks are in place. */
int scl_build_rcbs(struct ctx *c);
struct scl_cb_node {
	const struct mcb *cb;
	const xmlNode *node;
};
/* The MMS name of instance `inst` (1-based; 0: not indexed) of an RCB. */
void scl_rcb_inst_name(const char *name, bool indexed, uint32_t inst, char *out, size_t n);

/* The LN type `ln` with one GoCB structure per names[i] added under FC GO
 * (8-1 §18: LLN0$GO$name). NULL after scl_fail. */
struct mnode *scl_ln_with_gocbs(struct ctx *c, struct mnode *ln, const char *const *names,
				uint32_t n, const xmlNode *at, const char *who);
/* gocb.c: the GoCB table (model_gocb) and the GoCBs' initial values. */
int scl_build_gocbs(struct ctx *c);

/* ---- gse.c: GOOSE addresses (gse.h) ---- */

struct mgse;
/* The GSE of control block `cb` in LD instance `ldinst` of IED `ied`
 * (Communication/SubNetwork/ConnectedAP/GSE): 1 with *out filled, 0 when
 * the file has none, or a negative errno after scl_fail (a malformed or
 * contradictory address; gse.c's top lists them). */
int scl_gse_find(struct ctx *c, const char *ied, const char *ldinst, const char *cb,
		 struct mgse *out);

/* gsub.c: the GOOSE subscriptions (gse.h) from the IED's Inputs/ExtRef. */
int scl_build_gsubs(struct ctx *c);

/* ---- scl_blocks.c: data sets and control blocks ---- */

/* Data sets and control blocks of every LN of one LD. */
int scl_load_services(struct ctx *c, struct ldinfo *li);
/* Order of struct msaddr (by value offset), for the sAddr table. */
int scl_cmp_saddr(const void *a, const void *b);
