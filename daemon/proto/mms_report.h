/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850-8-1 §17.2.3 reports: the MMS InformationReport (ISO 9506-2
 * §12.6) with variableListName vmd-specific "RPT", encoded by the server
 * and decoded by a client. Sans I/O.
 *
 * Unconfirmed-PDU [3] { unconfirmedService informationReport [0] {
 *   variableAccessSpecification variableListName [1] { vmd-specific [0] "RPT" },
 *   listOfAccessResult [0] IMPLICIT SEQUENCE OF AccessResult } } */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms.h"
#include "perr.h"

/* 8-1 OptFlds bits (bit 0 first on the wire); struct mms_report.opt_flds
 * and struct mcb.opt_fields hold bit i as 1u << i. */
enum {
	MMS_OPT_RESERVED = 0, MMS_OPT_SEQ_NUM = 1, MMS_OPT_TIME_STAMP = 2,
	MMS_OPT_REASON = 3, MMS_OPT_DATA_SET = 4, MMS_OPT_DATA_REF = 5,
	MMS_OPT_BUF_OVFL = 6, MMS_OPT_ENTRY_ID = 7, MMS_OPT_CONF_REV = 8,
	MMS_OPT_SEGMENTATION = 9,
};
#define MMS_OPT_BITS 10
/* ReasonCode bits (bit i = 1u << i in struct mms_report_member.reason). */
enum {
	MMS_REASON_DCHG = 1, MMS_REASON_QCHG = 2, MMS_REASON_DUPD = 3,
	MMS_REASON_INTEGRITY = 4, MMS_REASON_GI = 5, MMS_REASON_APP_TRIGGER = 6,
};
#define MMS_REASON_BITS 7

/* Server: open and close an InformationReport "RPT" (unconfirmed PDU);
 * between them the caller appends the AccessResults (each a Data TLV: use
 * ber/mms encoders or model_encode_data). */
struct mms_report_enc { size_t outer, svc, list; };   /* marks, as the existing encoders do */
void mms_report_begin(struct buf *b, struct mms_report_enc *e);
void mms_report_end(struct buf *b, struct mms_report_enc *e);
/* Exact octets mms_report_begin+end add around `content` octets of AccessResults (for
 * segmentation: the server must know a segment fits max_pdu before encoding it). */
size_t mms_report_overhead(size_t content);

/* Client: the InformationReport contents of an Unconfirmed-PDU (p->kind
 * MMS_UNCONFIRMED; mms_pdu_decode does not look inside those, so p->body
 * is empty for them). Returns 1 with *body and *len set (into the PDU) for an
 * informationReport, 0 for another unconfirmed service (which a client
 * may ignore), -EBADMSG for a malformed one. */
int mms_unconfirmed_report(const struct mms_pdu *p, const uint8_t **body, size_t *len,
			   struct proto_err *err);

/* Client: decodes one InformationReport PDU body (from mms_unconfirmed_report) into the
 * 8-1 fields. Members' values stay BER (ptr/len into the input) so the caller can print
 * them with mms_data_format. */
#define MMS_RPT_MAX_MEMBERS 4096
struct mms_report {
	char rpt_id[130];
	uint16_t opt_flds;		/* bit i = 8-1 OptFlds bit i */
	bool has_seq; uint32_t seq_num;
	bool has_time; uint8_t time_of_entry[6];
	bool has_dataset; char dataset[130];
	bool has_bufovfl; bool buf_ovfl;
	bool has_entry_id; uint8_t entry_id[8];
	bool has_conf_rev; uint32_t conf_rev;
	bool has_segment; uint32_t sub_seq_num; bool more_segments;
	uint32_t n_members;		/* bits in Inclusion */
	uint32_t n_included;
	struct mms_report_member {
		uint32_t index;		/* member index in the data set */
		char ref[130];		/* data reference, "" without OptFlds 5 */
		const uint8_t *data; size_t data_len;	/* the Data TLV */
		bool has_reason; uint8_t reason;	/* ReasonCode bits, bit i = 1u << i */
	} *members;			/* caller-provided array of cap entries */
	uint32_t cap;
};
/* Set members/cap before the call; everything else is overwritten. Returns 0, -EBADMSG
 * (not a well-formed RPT report: another list name, a field missing or of the wrong type,
 * Inclusion wider than MMS_RPT_MAX_MEMBERS, a member value that is a failure, octets left
 * over), -ENOSPC (more included than cap; the header fields and n_included are then
 * filled). A member's Data TLV is checked for its envelope only (a Data CHOICE tag and
 * length); mms_data_format checks the rest. */
int mms_report_decode(const uint8_t *body, size_t len, struct mms_report *out,
		      struct proto_err *err);
