/* SPDX-License-Identifier: Apache-2.0 */
/* TPKT (RFC 1006) framing and COTP class 0 (ISO 8073 / X.224). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "perr.h"

#define TPKT_HDR_LEN 4
/* RFC 1006 §6: the TPKT length covers the 4-octet header; a TPKT carries at
 * least a COTP LI and code. */
#define TPKT_MIN_LEN 7

/* Looks at the start of a byte stream. Returns 0 and the whole packet length
 * in *pkt_len when a header is present (the packet may still be incomplete),
 * -EAGAIN when fewer than 4 octets are there, -EBADMSG for a wrong version or
 * a length outside TPKT_MIN_LEN..max. */
int tpkt_header(const uint8_t *p, size_t len, size_t max, size_t *pkt_len,
		struct proto_err *err);
/* Writes the 4-octet header for a packet of `total` octets (header included). */
void tpkt_write_header(uint8_t *p, size_t total);

enum cotp_code {
	COTP_CR = 0xE0, COTP_CC = 0xD0, COTP_DR = 0x80, COTP_DC = 0xC0,
	COTP_DT = 0xF0, COTP_ER = 0x70,
};

/* ISO 8073 §13.3.4 b: TPDU size code n means 2^n octets, 7 (128) .. 13 (8192). */
#define COTP_TPDU_CODE_MIN 7
#define COTP_TPDU_CODE_MAX 13
/* Class 0 allows TPDUs up to 2048 octets (ISO 8073 §13.3.4 b). */
#define COTP_CLASS0_MAX_CODE 11

#define COTP_MAX_TSEL 32

struct cotp_tpdu {
	uint8_t code;		/* enum cotp_code */
	uint16_t dst_ref, src_ref;
	uint8_t cls;		/* class (CR/CC) */
	uint8_t reason;		/* DR reason or ER reject cause */
	bool eot;		/* DT: last TPDU of the TSDU */
	uint8_t tpdu_size_code;	/* CR/CC; 0 when absent */
	uint8_t calling_tsel_len, called_tsel_len;
	uint8_t calling_tsel[COTP_MAX_TSEL], called_tsel[COTP_MAX_TSEL];
	const uint8_t *data;	/* DT user data, points into the input */
	size_t data_len;
};

/* Decodes one TPDU (the TPKT payload). */
int cotp_decode(const uint8_t *p, size_t len, struct cotp_tpdu *out, struct proto_err *err);
/* Appends a complete TPKT carrying a CR, CC, DR or ER built from `t`. */
void cotp_encode(struct buf *b, const struct cotp_tpdu *t);
/* Length of the TPKT + COTP DT header that precedes user data. */
#define COTP_DT_HDR_LEN (TPKT_HDR_LEN + 3)
/* Appends TPKT+DT framing of `data`, split into TPDUs of at most `tpdu_size`
 * octets (the last one with EOT). */
void cotp_encode_dt(struct buf *b, const uint8_t *data, size_t len, size_t tpdu_size);
