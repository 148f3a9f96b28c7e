/* SPDX-License-Identifier: Apache-2.0 */
/* TEMP spec */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "mms_access.h"
#include "perr.h"
/* Server: open and close an InformationReport "RPT" (unconfirmed PDU);
 * between them the caller appends the AccessResults (each a Data TLV: use
 * ber/mms encoders or model_encode_data). */
struct mms_report_enc { size_t outer, svc, list; };
void mms_report_begin(struct buf *b, struct mms_report_enc *e);
void mms_report_end(struct buf *b, struct mms_report_enc *e);
/* Exact octets mms_report_begin+end add around `content` octets of AccessResults (for
 * segmentation: the server must know a segment fits max_pdu before encoding it). */
size_t mms_report_overhead(size_t content);

/* Client: decodes one InformationReport PDU body (from mms_pdu.body of an MMS_UNCONFIRMED
 * PDU whose service is informationReport) into the 8-1 fields. Members' values stay BER
 * (ptr/len into the input) so the caller can print them with mms_data_text. */
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
/* Returns 0, -EBADMSG (not a well-formed RPT report), -ENOSPC (more included than cap). */
int mms_report_decode(const uint8_t *body, size_t len, struct mms_report *out,
		      struct proto_err *err);
