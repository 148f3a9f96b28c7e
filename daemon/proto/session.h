/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8327-1 session kernel, the subset ISO 9506 over RFC 1006 uses
 * (IEC 61850-8-1 §6 profile): CN/AC/RF, FN/DN, AB/AA and GT+DT. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "perr.h"

enum ses_si {
	SES_DT = 1,	/* also GIVE TOKENS; a data SPDU is GT followed by DT */
	SES_FN = 9, SES_DN = 10, SES_RF = 12, SES_CN = 13, SES_AC = 14,
	SES_AB = 25, SES_AA = 26,
};

#define SES_MAX_SSEL 16
/* Protocol version bits of PI 22 (ISO 8327-1 §8.3.1.9). */
#define SES_VERSION1 0x01
#define SES_VERSION2 0x02

struct ses_spdu {
	uint8_t si;
	uint8_t version;		/* CN/AC: PI 22 bits; 0 when absent */
	uint8_t protocol_options;	/* PI 19 */
	uint16_t requirements;		/* PI 20 session user requirements */
	bool has_requirements;
	uint8_t calling_ssel_len, called_ssel_len;
	uint8_t calling_ssel[SES_MAX_SSEL], called_ssel[SES_MAX_SSEL];
	uint8_t transport_disconnect;	/* PI 17 (FN, AB) */
	uint8_t reason;			/* RF: first octet of PI 50 */
	const uint8_t *user_data;	/* PGI 193/194, or DT user information */
	size_t user_len;
};

/* Decodes one SPDU (for data: the GT+DT pair) from a complete TSDU. */
int ses_decode(const uint8_t *p, size_t len, struct ses_spdu *out, struct proto_err *err);

/* Appends a CN or AC SPDU with `user` as user data (PGI 193). AC echoes the
 * version chosen from CN's. */
void ses_encode_connect(struct buf *b, uint8_t si, uint8_t version, const uint8_t *user,
			size_t user_len);
/* Appends FN, DN, AB or RF with optional user data. `param` is PI 17 for
 * FN/AB (transport disconnect) or the PI 50 reason for RF. */
void ses_encode_simple(struct buf *b, uint8_t si, uint8_t param, const uint8_t *user,
		       size_t user_len);
/* The 4-octet GT+DT header that precedes data user information. */
#define SES_DT_HDR_LEN 4
extern const uint8_t ses_dt_header[SES_DT_HDR_LEN];
