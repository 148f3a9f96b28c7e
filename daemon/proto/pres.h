/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8823-1 connection-oriented presentation, normal mode, the subset of
 * IEC 61850-8-1's profile: CP/CPA/CPR with the ACSE and MMS abstract
 * syntaxes in the BER transfer syntax, and fully-encoded user data. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "perr.h"

enum pres_as { PRES_AS_UNKNOWN, PRES_AS_ACSE, PRES_AS_MMS };

#define PRES_MAX_CTX 8
#define PRES_MAX_SEL 16
/* Context identifiers iedc proposes (odd, as the initiator must, ISO 8823 §6.2.2.4). */
#define PRES_CTX_ACSE 1
#define PRES_CTX_MMS 3

/* Result of a context definition (ISO 8823 Result). */
enum pres_result { PRES_ACCEPT = 0, PRES_USER_REJECT = 1, PRES_PROVIDER_REJECT = 2 };

struct pres_ctx {
	int32_t id;
	uint8_t as;	/* enum pres_as */
	bool ber;	/* BER (2.1.1) among the proposed transfer syntaxes */
	uint8_t result;	/* CPA: enum pres_result */
};

struct pres_connect {
	uint8_t calling_sel_len, called_sel_len;
	uint8_t calling_sel[PRES_MAX_SEL], called_sel[PRES_MAX_SEL];
	struct pres_ctx ctx[PRES_MAX_CTX];
	size_t n_ctx;
	bool refused;		/* CPR received */
	int64_t provider_reason;
	int32_t user_pcid;
	const uint8_t *user;	/* points into the input */
	size_t user_len;
};

/* CP-type (server side). Checks normal mode and the context list. */
int pres_decode_cp(const uint8_t *p, size_t len, struct pres_connect *out,
		   struct proto_err *err);
/* CPA-PPDU or CPR-PPDU (client side). */
int pres_decode_cpa(const uint8_t *p, size_t len, struct pres_connect *out,
		    struct proto_err *err);
/* Fully-encoded user data of a data or release exchange: the first PDV. */
int pres_decode_data(const uint8_t *p, size_t len, int32_t *pcid, const uint8_t **user,
		     size_t *user_len, struct proto_err *err);

/* CP-type proposing ACSE (id 1) and MMS (id 3) in BER, with `user` (an AARQ)
 * as user data of context 1. */
void pres_encode_cp(struct buf *b, const uint8_t *user, size_t user_len);
/* CPA-PPDU answering `cp`, one result per proposed context (from ctx[].result). */
void pres_encode_cpa(struct buf *b, const struct pres_connect *cp, const uint8_t *user,
		     size_t user_len);
/* CPR-PPDU with a provider reason (ISO 8823 Provider-reason). */
void pres_encode_cpr(struct buf *b, int provider_reason);
void pres_encode_data(struct buf *b, int32_t pcid, const uint8_t *user, size_t user_len);
/* Wraps the data of `b` in fully-encoded user data in place, using head room. */
int pres_prepend_data(struct buf *b, int32_t pcid);
/* Head room pres_prepend_data needs at most. */
#define PRES_DATA_HDR_MAX 18
