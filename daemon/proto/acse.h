/* SPDX-License-Identifier: Apache-2.0 */
/* ACSE (ISO 8650-1 / X.227) APDUs: AARQ, AARE, RLRQ, RLRE, ABRT. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "perr.h"

enum acse_type { ACSE_AARQ = 0, ACSE_AARE = 1, ACSE_RLRQ = 2, ACSE_RLRE = 3, ACSE_ABRT = 4 };

/* AARE result and result-source-diagnostic values (ISO 8650-1 §7.1.2). */
enum acse_result { ACSE_ACCEPTED = 0, ACSE_REJECTED_PERMANENT = 1, ACSE_REJECTED_TRANSIENT = 2 };
enum acse_diag {
	ACSE_DIAG_NULL = 0, ACSE_DIAG_NO_REASON = 1, ACSE_DIAG_CONTEXT_NOT_SUPPORTED = 2,
	ACSE_DIAG_CALLING_AP_TITLE = 3, ACSE_DIAG_AUTH_MECH_NOT_RECOGNISED = 11,
	ACSE_DIAG_AUTH_FAILURE = 13, ACSE_DIAG_AUTH_REQUIRED = 14,
};

#define ACSE_MAX_ARCS 16
#define ACSE_MAX_AUTH 128

/* Authentication value kinds (AuthenticationValue CHOICE tags). */
enum acse_auth_kind { ACSE_AUTH_NONE = -1, ACSE_AUTH_CHARSTRING = 0, ACSE_AUTH_BITSTRING = 1,
		      ACSE_AUTH_EXTERNAL = 2, ACSE_AUTH_OTHER = 3 };

struct acse_ap {
	uint32_t ap_title[ACSE_MAX_ARCS];	/* form 2 (OID); n = 0 when absent */
	size_t ap_title_n;
	bool has_ae_qualifier;
	int64_t ae_qualifier;
};

struct acse_apdu {
	uint8_t type;			/* enum acse_type */
	bool context_is_mms;		/* application context 1.0.9506.2.3 */
	struct acse_ap calling;		/* AARQ: calling; AARE: responding */
	struct acse_ap called;
	uint32_t mechanism[ACSE_MAX_ARCS];	/* mechanism-name, n = 0 when absent */
	size_t mechanism_n;
	int auth_kind;			/* enum acse_auth_kind */
	uint8_t auth_value[ACSE_MAX_AUTH];
	size_t auth_len;
	int64_t result;			/* AARE */
	int64_t diagnostic;		/* AARE */
	int64_t reason;			/* RLRQ / RLRE, -1 when absent */
	int64_t abort_source;		/* ABRT */
	int32_t user_pcid;		/* indirect-reference of user-information */
	const uint8_t *user;		/* the MMS PDU, into the input; NULL if none */
	size_t user_len;
};

int acse_decode(const uint8_t *p, size_t len, struct acse_apdu *out, struct proto_err *err);

/* AARQ for the MMS context with `user` (an MMS Initiate-Request) as
 * user-information in presentation context `user_pcid`. A non-NULL password
 * is sent as ACSE password authentication (mechanism 2.2.3.1). */
void acse_encode_aarq(struct buf *b, const char *password, int32_t user_pcid,
		      const uint8_t *user, size_t user_len);
/* The same with the calling AP-title (form 2) and AE-qualifier of
 * `calling` (NULL or empty: none), as a client the server's list knows
 * by them sends. */
void acse_encode_aarq_from(struct buf *b, const char *password, const struct acse_ap *calling,
			   int32_t user_pcid, const uint8_t *user, size_t user_len);
/* AARE; `user` may be NULL (e.g. on rejection). */
void acse_encode_aare(struct buf *b, int result, int diagnostic, int32_t user_pcid,
		      const uint8_t *user, size_t user_len);
void acse_encode_rlrq(struct buf *b, int reason);
void acse_encode_rlre(struct buf *b, int reason);
void acse_encode_abrt(struct buf *b, int source);
