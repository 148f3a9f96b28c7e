/* SPDX-License-Identifier: Apache-2.0 */
/* MMS (ISO 9506-2) PDUs: the envelope of every PDU, Initiate, Conclude,
 * Identify, Reject and confirmed-error. Service bodies of later services are
 * decoded by their own modules from mms_pdu.body. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms_codes.h"
#include "perr.h"

/* MMSpdu CHOICE tags (ISO 9506-2 §7). */
enum mms_pdu_kind {
	MMS_CONFIRMED_REQUEST = 0, MMS_CONFIRMED_RESPONSE = 1, MMS_CONFIRMED_ERROR = 2,
	MMS_UNCONFIRMED = 3, MMS_REJECT = 4, MMS_CANCEL_REQUEST = 5, MMS_CANCEL_RESPONSE = 6,
	MMS_CANCEL_ERROR = 7, MMS_INITIATE_REQUEST = 8, MMS_INITIATE_RESPONSE = 9,
	MMS_INITIATE_ERROR = 10, MMS_CONCLUDE_REQUEST = 11, MMS_CONCLUDE_RESPONSE = 12,
	MMS_CONCLUDE_ERROR = 13,
};

/* ConfirmedServiceRequest/Response CHOICE tags, which are also the bit
 * numbers of ServiceSupportOptions for the same services. */
enum mms_service {
	MMS_SVC_STATUS = 0, MMS_SVC_GET_NAME_LIST = 1, MMS_SVC_IDENTIFY = 2, MMS_SVC_RENAME = 3,
	MMS_SVC_READ = 4, MMS_SVC_WRITE = 5, MMS_SVC_GET_VAR_ACCESS_ATTR = 6,
	MMS_SVC_DEFINE_NVL = 11, MMS_SVC_GET_NVL_ATTR = 12, MMS_SVC_DELETE_NVL = 13,
	MMS_SVC_OBTAIN_FILE = 46, MMS_SVC_READ_JOURNAL = 65, MMS_SVC_FILE_OPEN = 72,
	MMS_SVC_FILE_READ = 73, MMS_SVC_FILE_CLOSE = 74, MMS_SVC_FILE_RENAME = 75,
	MMS_SVC_FILE_DELETE = 76, MMS_SVC_FILE_DIRECTORY = 77,
	/* bits of ServiceSupportOptions that are not confirmed services */
	MMS_SVCBIT_INFORMATION_REPORT = 79, MMS_SVCBIT_CONCLUDE = 83, MMS_SVCBIT_CANCEL = 84,
};
/* ServiceSupportOptions has 85 bits (ISO 9506-2 §8.2.1). */
#define MMS_SERVICE_BITS 85
#define MMS_SERVICE_OCTETS 11
/* ParameterSupportOptions has 11 bits. */
#define MMS_PARAM_CBB_BITS 11
/* Highest ConfirmedServiceRequest tag ISO 9506-2 defines. */
#define MMS_SVC_MAX_TAG 85

/* ServiceError classes and codes, RejectPDU reasons: mms_codes.h. */

/* The envelope of one MMS PDU. For confirmed PDUs the service is the tag of
 * the service CHOICE and body/body_len its contents (into the input). */
struct mms_pdu {
	uint8_t kind;		/* enum mms_pdu_kind */
	bool has_invoke_id;
	uint32_t invoke_id;
	bool has_modifiers;
	uint32_t service;
	bool service_constructed;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *pdu;	/* whole contents of the outer PDU tag */
	size_t pdu_len;
};

/* Decodes the envelope. An unknown outer tag is -EBADMSG with reason; a
 * confirmed request whose invokeID is readable reports it even when the rest
 * fails, so the caller can answer with a Reject (has_invoke_id). */
int mms_pdu_decode(const uint8_t *p, size_t len, struct mms_pdu *out, struct proto_err *err);

struct mms_initiate {
	bool has_local_detail;
	int32_t local_detail;		/* max MMS PDU size */
	int16_t max_serv_calling;
	int16_t max_serv_called;
	bool has_nesting;
	int8_t nesting;
	int16_t version;
	uint8_t param_cbb[2];
	uint8_t services[MMS_SERVICE_OCTETS];
};

/* Initiate-RequestPDU or Initiate-ResponsePDU contents (the choice tag
 * included: A8/A9). */
int mms_initiate_decode(const uint8_t *p, size_t len, bool response, struct mms_initiate *out,
			struct proto_err *err);
void mms_initiate_encode(struct buf *b, bool response, const struct mms_initiate *in);

/* What the responder can do, for mms_initiate_negotiate. */
struct mms_limits {
	uint32_t max_pdu;		/* largest PDU we accept and send */
	uint32_t min_pdu;		/* below this a proposal is refused */
	int16_t max_serv_outstanding;
	int8_t max_nesting;
	uint8_t param_cbb[2];
	uint8_t services[MMS_SERVICE_OCTETS];
};

/* ISO 9506-1 §8.2.2: computes the Initiate-Response for a request. Returns 0,
 * or an errorClass initiate value (> 0) for an Initiate-ErrorPDU with
 * `why` set to a sentence for the log. */
int mms_initiate_negotiate(const struct mms_initiate *req, const struct mms_limits *lim,
			   struct mms_initiate *resp, const char **why);

/* Encoders of whole PDUs. */
void mms_encode_initiate_error(struct buf *b, int code);
void mms_encode_confirmed_error(struct buf *b, uint32_t invoke_id, int error_class, int code);
void mms_encode_reject(struct buf *b, bool has_invoke_id, uint32_t invoke_id, int type,
		       int code);
void mms_encode_conclude(struct buf *b, bool response);
/* Conclude-Error (ServiceError, class conclude): code is an
 * enum mms_conclude_code (MMS_CONCLUDE_FURTHER_COMMUNICATION while requests
 * are still outstanding). */
void mms_encode_conclude_error(struct buf *b, int code);
/* Opens a confirmed response (A1 { invokeID, [service] ... }); close both
 * with mms_end_confirmed(b, marks). */
struct mms_marks { size_t outer, service; };
void mms_begin_confirmed(struct buf *b, bool response, uint32_t invoke_id, uint32_t service,
			 struct mms_marks *m);
void mms_end_confirmed(struct buf *b, const struct mms_marks *m);

/* Identify. */
struct mms_identify {
	char vendor[65], model[65], revision[65];
};
void mms_encode_identify_request(struct buf *b, uint32_t invoke_id);
void mms_encode_identify_response(struct buf *b, uint32_t invoke_id,
				  const struct mms_identify *id);
/* Body of an Identify response (mms_pdu.body). */
int mms_identify_decode(const uint8_t *body, size_t len, struct mms_identify *out,
			struct proto_err *err);

/* Decodes a confirmed-error body (ServiceError) into class and code. */
int mms_service_error_decode(const uint8_t *body, size_t len, int *error_class, int *code,
			     struct proto_err *err);

static inline bool mms_bit(const uint8_t *bits, unsigned n)
{
	return bits[n / 8] & (0x80 >> (n % 8));
}
static inline void mms_set_bit(uint8_t *bits, unsigned n)
{
	bits[n / 8] |= (uint8_t)(0x80 >> (n % 8));
}
