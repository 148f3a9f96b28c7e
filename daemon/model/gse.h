/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE in the model (IEC 61850-7-2 §15, 8-1 §18, IEC 61850-6 §9.3.9 and
 * §9.3.13): the GOOSE control blocks of the served IED in the MMS view
 * (FC GO) with their addresses from the SCL Communication section, and the
 * subscriptions the SCL's Inputs/ExtRef ask for. Built by the loader
 * (model_load_scl) next to the RCBs; read by acsi/goose_pub.c and
 * acsi/goose_sub.c. Nothing here sends or receives.
 *
 * Thread: the event loop's, like the rest of the model. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* A GOOSE destination from ConnectedAP/GSE (IEC 61850-6 §9.2.4): Address
 * P types MAC-Address, APPID (hex), VLAN-ID (hex), VLAN-PRIORITY, and
 * MinTime/MaxTime (ms). Defaults where the SCL gives none are documented
 * at gse.c's top and in the README. */
struct mgse {
	uint8_t mac[6];
	uint16_t appid;
	bool vlan;		/* VLAN-ID or VLAN-PRIORITY given: frames carry 802.1Q */
	uint16_t vid;		/* 0 when not given */
	uint8_t priority;	/* 4 when not given (8-1 recommends 4 for GOOSE) */
	uint32_t min_time_ms, max_time_ms;
	uint32_t line;		/* the GSE element's line, for messages */
};

/* ---- GOOSE control blocks (publisher side) ---- */

/* The GoCB attributes of 8-1 §18 (Ed.1 has no MinTime, MaxTime, FixedOffs). */
enum mgocb_attr { MGOCB_GOENA, MGOCB_GOID, MGOCB_DATSET, MGOCB_CONFREV, MGOCB_NDSCOM,
		  MGOCB_DSTADDRESS, MGOCB_MINTIME, MGOCB_MAXTIME, MGOCB_FIXEDOFFS, MGOCB_N };
/* Component name of each attribute ("GoEna", ..., "FixedOffs"). */
const char *model_gocb_attr_name(unsigned a);

/* One GSEControl of the served IED, as LLN0$GO$name in the MMS view. */
struct mgocb {
	const struct mcb *cb;		/* the SCL GSEControl (kind MCB_GOCB) */
	const struct mld *ld;
	const struct mln *ln;		/* LLN0 */
	uint32_t no;			/* 0..model_n_gocbs()-1 */
	const struct mtype *type;	/* the whole GoCB structure */
	uint32_t voff;
	struct { const struct mtype *type; uint32_t voff; } a[MGOCB_N];	/* type NULL: absent */
	const struct mdataset *ds;	/* its data set; NULL: none (nothing to publish) */
	char ref[130];			/* gocbRef as sent: "LDname/LLN0$GO$name" */
	char dat_set[130];		/* datSet as sent: "LDname/LLN0$dsname", "" without ds */
	char go_id[130];		/* goID: the SCL appID, else `ref` */
	bool has_addr;			/* a GSE for it in Communication; else not published */
	struct mgse addr;
	bool fixed_offs;
	uint32_t line;			/* the GSEControl's line */
};
uint32_t model_n_gocbs(const struct model *m);
const struct mgocb *model_gocb(const struct model *m, uint32_t no);
/* The GoCB whose values contain the absolute offset `voff`, or NULL. */
const struct mgocb *model_gocb_at(const struct model *m, uint32_t voff);
/* The attribute (MGOCB_*) at `voff` when it is exactly one attribute's
 * offset and `t` its type (DstAddress as a whole included); -1 otherwise. */
int model_gocb_attr_at(const struct mgocb *g, const struct mtype *t, uint32_t voff);

/* ---- subscriptions (subscriber side) ---- */

/* One member of a subscribed data set that is delivered into this model. */
struct mgoose_input {
	uint32_t member;		/* index in the publisher's data set (allData) */
	/* Where it goes: a basic attribute or a structure of the same shape as
	 * the member, in this model (ExtRef intAddr resolved); type NULL: the
	 * ExtRef has no usable intAddr (supervised, not delivered). */
	const struct mtype *dst_type;
	uint32_t dst_voff;
	/* The data object around the target, for validity on supervision
	 * failures: its q (Quality) and t, when it has them. */
	bool has_q, has_t;
	uint32_t q_voff, t_voff;
	uint16_t q_trgops;		/* has_q: q's trigger options (for qchg) */
	uint32_t line;			/* the ExtRef's line */
};

/* One subscribed GoCB: everything the ExtRefs naming it have in common. */
struct mgoose_sub {
	uint32_t no;			/* 0..model_n_goose_subs()-1 */
	char ied[65];			/* publishing IED */
	char gocb_ref[130];		/* "LDname/LLN0$GO$name", as the frames carry it */
	char dat_set[130];		/* "LDname/LLN0$dsname"; "" when unknown */
	char go_id[130];		/* expected goID; "" when unknown */
	bool has_addr;			/* the publisher's GSE is in the file */
	struct mgse addr;		/* then frames must carry this MAC and APPID */
	bool appid_only;		/* from the CSV map: only addr.appid is checked */
	uint32_t conf_rev;		/* the publisher's GSEControl confRev */
	/* The publisher's data set as the file describes it: n_members
	 * members, member_type[i] the type of member i (built from the same
	 * DataTypeTemplates); 0 / NULL when the publisher's IED is not in the
	 * file (then the structure is not checked). */
	uint32_t n_members;
	const struct mtype *const *member_type;
	uint32_t n_inputs;
	const struct mgoose_input *inputs;
	/* The LGOS LN that supervises it (Ed.2: LGOS.GoCBRef.setSrcRef equals
	 * gocb_ref), NULL when none. */
	const struct mln *lgos;
	uint32_t line;			/* the first ExtRef's line */
};
uint32_t model_n_goose_subs(const struct model *m);
const struct mgoose_sub *model_goose_sub(const struct model *m, uint32_t no);

/* A subscription input from a row of the CSV map (schemas/map-format.md,
 * "GOOSE inputs"), for integrators whose SCL has no ExtRefs: member
 * `member` (0-based) of the frames of `gocb_ref` with APPID `appid` is
 * delivered into `ref` ("LD/LN.DO.DA[FC]", or a whole data object). Joins
 * the subscription of the same gocbRef when the SCL has one (whose
 * confRev, structure and address checks then apply; the APPID must agree),
 * else makes one that checks the APPID only and takes any structure (a
 * member that does not fit its target is counted and not stored). Call
 * before the subscriber is created (acsi_gsub_new). 0, or -EINVAL / -ENOMEM
 * with err[errlen] saying what is wrong. */
int model_goose_map_input(struct model *m, const char *ref, const char *gocb_ref, uint16_t appid,
			  uint32_t member, uint32_t line, char *err, size_t errlen);
/* Whether [voff, voff + size) overlaps a subscription input's target (the
 * process side must not write those: the simulator leaves them alone, a
 * map row for one is refused). */
bool model_goose_input_at(const struct model *m, uint32_t voff, uint32_t size);
