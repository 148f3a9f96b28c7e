/* SPDX-License-Identifier: Apache-2.0 */
/* The code sets of the standards that iedd speaks, each defined once, in
 * one table here, and used by name everywhere else (STYLE.md, "Errors and
 * logs"): MMS DataAccessError, ServiceError classes and their codes, the
 * RejectPDU reasons (ISO 9506-2), the functional constraints, AddCause and
 * the control Error (IEC 61850-7-2, mapped per IEC 61850-8-1).
 *
 * Each table is an X-macro list X(identifier, value, "standard's name"):
 * the enum and the name array (mms_codes.c) are both generated from it, so
 * a value and its name cannot drift apart. Sans I/O, no state: the name
 * functions return static strings, or NULL for a value the standard does
 * not define, and may be called from any thread.
 *
 * Internal sentinels: a function that returns one of these codes and also
 * needs a private result (MODEL_WRITE_PENDING, ACSI_DEFERRED) picks it at
 * or above MMS_CODE_SENTINEL_BASE, with a static assertion beside it, so a
 * sentinel can never be mistaken for (or sent as) a standard code. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every code of every table below is smaller than this. */
#define MMS_CODE_SENTINEL_BASE 0x100

#define MMS_CODE_ENUM_(id, v, name) id = (v),

/* ---- DataAccessError (ISO 9506-2 §14.4; IEC 61850-8-1 §9, its mapping
 * of the ACSI service errors onto it) ---- */
#define MMS_DAE_TABLE(X)                                                        \
	X(MMS_DAE_OBJECT_INVALIDATED, 0, "object-invalidated")                  \
	X(MMS_DAE_HARDWARE_FAULT, 1, "hardware-fault")                          \
	X(MMS_DAE_TEMPORARILY_UNAVAILABLE, 2, "temporarily-unavailable")        \
	X(MMS_DAE_OBJECT_ACCESS_DENIED, 3, "object-access-denied")              \
	X(MMS_DAE_OBJECT_UNDEFINED, 4, "object-undefined")                      \
	X(MMS_DAE_INVALID_ADDRESS, 5, "invalid-address")                        \
	X(MMS_DAE_TYPE_UNSUPPORTED, 6, "type-unsupported")                      \
	X(MMS_DAE_TYPE_INCONSISTENT, 7, "type-inconsistent")                    \
	X(MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT, 8, "object-attribute-inconsistent") \
	X(MMS_DAE_OBJECT_ACCESS_UNSUPPORTED, 9, "object-access-unsupported")    \
	X(MMS_DAE_OBJECT_NON_EXISTENT, 10, "object-non-existent")               \
	X(MMS_DAE_OBJECT_VALUE_INVALID, 11, "object-value-invalid")
enum mms_dae { MMS_DAE_TABLE(MMS_CODE_ENUM_) MMS_DAE_COUNT };
/* "object-non-existent"; NULL outside 0..11. */
const char *mms_dae_str(int code);

/* The ASN.1 name of bit `bit` of ServiceSupportOptions (ISO 9506-2:
 * 0 "status", 1 "getNameList", ... 84 "cancel"), "?" beyond. */
const char *mms_service_bit_name(unsigned bit);
/* Success in a list whose items are a DataAccessError or success (Write
 * results, Read's AccessResults as iedd's structs hold them): negative, so
 * outside the table. */
#define MMS_DAE_SUCCESS (-1)

/* ---- ServiceError (ISO 9506-2 §7.5.2): errorClass, then a code whose
 * meaning depends on the class ---- */
#define MMS_ERROR_CLASS_TABLE(X)                                                \
	X(MMS_ERR_VMD_STATE, 0, "vmd-state")                                    \
	X(MMS_ERR_APPLICATION_REFERENCE, 1, "application-reference")            \
	X(MMS_ERR_DEFINITION, 2, "definition")                                  \
	X(MMS_ERR_RESOURCE, 3, "resource")                                      \
	X(MMS_ERR_SERVICE, 4, "service")                                        \
	X(MMS_ERR_SERVICE_PREEMPT, 5, "service-preempt")                        \
	X(MMS_ERR_TIME_RESOLUTION, 6, "time-resolution")                        \
	X(MMS_ERR_ACCESS, 7, "access")                                          \
	X(MMS_ERR_INITIATE, 8, "initiate")                                      \
	X(MMS_ERR_CONCLUDE, 9, "conclude")                                      \
	X(MMS_ERR_CANCEL, 10, "cancel")                                         \
	X(MMS_ERR_FILE, 11, "file")                                             \
	X(MMS_ERR_OTHERS, 12, "others")
enum mms_error_class { MMS_ERROR_CLASS_TABLE(MMS_CODE_ENUM_) MMS_ERROR_CLASS_COUNT };

#define MMS_VMD_STATE_TABLE(X)                                                  \
	X(MMS_VMD_STATE_OTHER, 0, "other")                                      \
	X(MMS_VMD_STATE_CONFLICT, 1, "vmd-state-conflict")                      \
	X(MMS_VMD_STATE_OPERATIONAL_PROBLEM, 2, "vmd-operational-problem")      \
	X(MMS_VMD_STATE_DOMAIN_TRANSFER_PROBLEM, 3, "domain-transfer-problem")  \
	X(MMS_VMD_STATE_STATE_MACHINE_ID_INVALID, 4, "state-machine-id-invalid")
#define MMS_APPLICATION_REFERENCE_TABLE(X)                                      \
	X(MMS_APPLICATION_REFERENCE_OTHER, 0, "other")                          \
	X(MMS_APPLICATION_REFERENCE_UNREACHABLE, 1, "application-unreachable")  \
	X(MMS_APPLICATION_REFERENCE_CONNECTION_LOST, 2, "connection-lost")      \
	X(MMS_APPLICATION_REFERENCE_INVALID, 3, "application-reference-invalid") \
	X(MMS_APPLICATION_REFERENCE_CONTEXT_UNSUPPORTED, 4, "context-unsupported")
#define MMS_DEFINITION_TABLE(X)                                                 \
	X(MMS_DEFINITION_OTHER, 0, "other")                                     \
	X(MMS_DEFINITION_OBJECT_UNDEFINED, 1, "object-undefined")               \
	X(MMS_DEFINITION_INVALID_ADDRESS, 2, "invalid-address")                 \
	X(MMS_DEFINITION_TYPE_UNSUPPORTED, 3, "type-unsupported")               \
	X(MMS_DEFINITION_TYPE_INCONSISTENT, 4, "type-inconsistent")             \
	X(MMS_DEFINITION_OBJECT_EXISTS, 5, "object-exists")                     \
	X(MMS_DEFINITION_OBJECT_ATTRIBUTE_INCONSISTENT, 6, "object-attribute-inconsistent")
#define MMS_RESOURCE_TABLE(X)                                                   \
	X(MMS_RESOURCE_OTHER, 0, "other")                                       \
	X(MMS_RESOURCE_MEMORY_UNAVAILABLE, 1, "memory-unavailable")             \
	X(MMS_RESOURCE_PROCESSOR_UNAVAILABLE, 2, "processor-resource-unavailable") \
	X(MMS_RESOURCE_MASS_STORAGE_UNAVAILABLE, 3, "mass-storage-unavailable") \
	X(MMS_RESOURCE_CAPABILITY_UNAVAILABLE, 4, "capability-unavailable")     \
	X(MMS_RESOURCE_CAPABILITY_UNKNOWN, 5, "capability-unknown")
#define MMS_SERVICE_TABLE(X)                                                    \
	X(MMS_SERVICE_OTHER, 0, "other")                                        \
	X(MMS_SERVICE_PRIMITIVES_OUT_OF_SEQUENCE, 1, "primitives-out-of-sequence") \
	X(MMS_SERVICE_OBJECT_STATE_CONFLICT, 2, "object-state-conflict")        \
	X(MMS_SERVICE_PDU_SIZE, 3, "pdu-size")                                  \
	X(MMS_SERVICE_CONTINUATION_INVALID, 4, "continuation-invalid")          \
	X(MMS_SERVICE_OBJECT_CONSTRAINT_CONFLICT, 5, "object-constraint-conflict")
#define MMS_SERVICE_PREEMPT_TABLE(X)                                            \
	X(MMS_SERVICE_PREEMPT_OTHER, 0, "other")                                \
	X(MMS_SERVICE_PREEMPT_TIMEOUT, 1, "timeout")                            \
	X(MMS_SERVICE_PREEMPT_DEADLOCK, 2, "deadlock")                          \
	X(MMS_SERVICE_PREEMPT_CANCEL, 3, "cancel")
#define MMS_TIME_RESOLUTION_TABLE(X)                                            \
	X(MMS_TIME_RESOLUTION_OTHER, 0, "other")                                \
	X(MMS_TIME_RESOLUTION_UNSUPPORTABLE, 1, "unsupportable-time-resolution")
#define MMS_ACCESS_TABLE(X)                                                     \
	X(MMS_ACCESS_OTHER, 0, "other")                                         \
	X(MMS_ACCESS_OBJECT_ACCESS_UNSUPPORTED, 1, "object-access-unsupported") \
	X(MMS_ACCESS_OBJECT_NON_EXISTENT, 2, "object-non-existent")             \
	X(MMS_ACCESS_OBJECT_ACCESS_DENIED, 3, "object-access-denied")           \
	X(MMS_ACCESS_OBJECT_INVALIDATED, 4, "object-invalidated")
#define MMS_INITIATE_TABLE(X)                                                   \
	X(MMS_INITIATE_OTHER, 0, "other")                                       \
	X(MMS_INITIATE_VERSION_INCOMPATIBLE, 1, "version-incompatible")         \
	X(MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT, 2, "max-segment-insufficient") \
	X(MMS_INITIATE_MAX_CALLING_INSUFFICIENT, 3,                             \
	  "max-services-outstanding-calling-insufficient")                      \
	X(MMS_INITIATE_MAX_CALLED_INSUFFICIENT, 4,                              \
	  "max-services-outstanding-called-insufficient")                       \
	X(MMS_INITIATE_SERVICE_CBB_INSUFFICIENT, 5, "service-CBB-insufficient") \
	X(MMS_INITIATE_PARAMETER_CBB_INSUFFICIENT, 6, "parameter-CBB-insufficient") \
	X(MMS_INITIATE_NESTING_INSUFFICIENT, 7, "nesting-level-insufficient")
/* further-communication-required: requests are still outstanding */
#define MMS_CONCLUDE_TABLE(X)                                                   \
	X(MMS_CONCLUDE_OTHER, 0, "other")                                       \
	X(MMS_CONCLUDE_FURTHER_COMMUNICATION, 1, "further-communication-required")
#define MMS_CANCEL_TABLE(X)                                                     \
	X(MMS_CANCEL_OTHER, 0, "other")                                         \
	X(MMS_CANCEL_INVOKE_ID_UNKNOWN, 1, "invoke-id-unknown")                 \
	X(MMS_CANCEL_NOT_POSSIBLE, 2, "cancel-not-possible")
#define MMS_FILE_TABLE(X)                                                       \
	X(MMS_FILE_OTHER, 0, "other")                                           \
	X(MMS_FILE_FILENAME_AMBIGUOUS, 1, "filename-ambiguous")                 \
	X(MMS_FILE_BUSY, 2, "file-busy")                                        \
	X(MMS_FILE_FILENAME_SYNTAX_ERROR, 3, "filename-syntax-error")           \
	X(MMS_FILE_CONTENT_TYPE_INVALID, 4, "content-type-invalid")             \
	X(MMS_FILE_POSITION_INVALID, 5, "position-invalid")                     \
	X(MMS_FILE_ACCESS_DENIED, 6, "file-access-denied")                      \
	X(MMS_FILE_NON_EXISTENT, 7, "file-non-existent")                        \
	X(MMS_FILE_DUPLICATE_FILENAME, 8, "duplicate-filename")                 \
	X(MMS_FILE_INSUFFICIENT_SPACE, 9, "insufficient-space-in-filestore")
enum mms_vmd_state_code { MMS_VMD_STATE_TABLE(MMS_CODE_ENUM_) };
enum mms_application_reference_code { MMS_APPLICATION_REFERENCE_TABLE(MMS_CODE_ENUM_) };
enum mms_definition_code { MMS_DEFINITION_TABLE(MMS_CODE_ENUM_) };
enum mms_resource_code { MMS_RESOURCE_TABLE(MMS_CODE_ENUM_) };
enum mms_service_code { MMS_SERVICE_TABLE(MMS_CODE_ENUM_) };
enum mms_service_preempt_code { MMS_SERVICE_PREEMPT_TABLE(MMS_CODE_ENUM_) };
enum mms_time_resolution_code { MMS_TIME_RESOLUTION_TABLE(MMS_CODE_ENUM_) };
enum mms_access_code { MMS_ACCESS_TABLE(MMS_CODE_ENUM_) };
enum mms_initiate_code { MMS_INITIATE_TABLE(MMS_CODE_ENUM_) };
enum mms_conclude_code { MMS_CONCLUDE_TABLE(MMS_CODE_ENUM_) };
enum mms_cancel_code { MMS_CANCEL_TABLE(MMS_CODE_ENUM_) };
enum mms_file_code { MMS_FILE_TABLE(MMS_CODE_ENUM_) };
/* "access"; NULL for a class ISO 9506-2 does not define. */
const char *mms_error_class_str(int error_class);
/* "object-non-existent" for (MMS_ERR_ACCESS, 2); NULL for an unknown class
 * or code (class others has no named codes). */
const char *mms_error_code_str(int error_class, int code);

/* ---- RejectPDU rejectReason (ISO 9506-2 §7.6): the choice, then a code
 * within it; named here are the codes of the choices iedd sends ---- */
#define MMS_REJECT_TABLE(X)                                                     \
	X(MMS_REJ_CONFIRMED_REQUEST, 1, "confirmed-requestPDU")                 \
	X(MMS_REJ_CONFIRMED_RESPONSE, 2, "confirmed-responsePDU")               \
	X(MMS_REJ_CONFIRMED_ERROR, 3, "confirmed-errorPDU")                     \
	X(MMS_REJ_UNCONFIRMED, 4, "unconfirmedPDU")                             \
	X(MMS_REJ_PDU_ERROR, 5, "pdu-error")                                    \
	X(MMS_REJ_CANCEL_REQUEST, 6, "cancel-requestPDU")                       \
	X(MMS_REJ_CANCEL_RESPONSE, 7, "cancel-responsePDU")                     \
	X(MMS_REJ_CANCEL_ERROR, 8, "cancel-errorPDU")                           \
	X(MMS_REJ_CONCLUDE_REQUEST, 9, "conclude-requestPDU")                   \
	X(MMS_REJ_CONCLUDE_RESPONSE, 10, "conclude-responsePDU")                \
	X(MMS_REJ_CONCLUDE_ERROR, 11, "conclude-errorPDU")
#define MMS_REJECT_REQUEST_TABLE(X)                                             \
	X(MMS_REJ_REQ_OTHER, 0, "other")                                        \
	X(MMS_REJ_REQ_UNRECOGNIZED_SERVICE, 1, "unrecognized-service")          \
	X(MMS_REJ_REQ_UNRECOGNIZED_MODIFIER, 2, "unrecognized-modifier")        \
	X(MMS_REJ_REQ_INVALID_INVOKE_ID, 3, "invalid-invokeID")                 \
	X(MMS_REJ_REQ_INVALID_ARGUMENT, 4, "invalid-argument")                  \
	X(MMS_REJ_REQ_INVALID_MODIFIER, 5, "invalid-modifier")                  \
	X(MMS_REJ_REQ_MAX_SERV_OUTSTANDING_EXCEEDED, 6, "max-serv-outstanding-exceeded") \
	X(MMS_REJ_REQ_MAX_RECURSION_EXCEEDED, 8, "max-recursion-exceeded")      \
	X(MMS_REJ_REQ_VALUE_OUT_OF_RANGE, 9, "value-out-of-range")
/* the codes of confirmed-responsePDU and of confirmed-errorPDU */
#define MMS_REJECT_RESPONSE_TABLE(X)                                            \
	X(MMS_REJ_RESP_OTHER, 0, "other")                                       \
	X(MMS_REJ_RESP_UNRECOGNIZED_SERVICE, 1, "unrecognized-service")         \
	X(MMS_REJ_RESP_INVALID_INVOKE_ID, 2, "invalid-invokeID")                \
	X(MMS_REJ_RESP_INVALID_RESULT, 3, "invalid-result")                     \
	X(MMS_REJ_RESP_MAX_RECURSION_EXCEEDED, 5, "max-recursion-exceeded")     \
	X(MMS_REJ_RESP_VALUE_OUT_OF_RANGE, 6, "value-out-of-range")
#define MMS_REJECT_ERROR_TABLE(X)                                               \
	X(MMS_REJ_ERR_OTHER, 0, "other")                                        \
	X(MMS_REJ_ERR_UNRECOGNIZED_SERVICE, 1, "unrecognized-service")          \
	X(MMS_REJ_ERR_INVALID_INVOKE_ID, 2, "invalid-invokeID")                 \
	X(MMS_REJ_ERR_INVALID_SERVICE_ERROR, 3, "invalid-serviceError")         \
	X(MMS_REJ_ERR_VALUE_OUT_OF_RANGE, 4, "value-out-of-range")
#define MMS_REJECT_PDU_TABLE(X)                                                 \
	X(MMS_REJ_PDU_UNKNOWN_TYPE, 0, "unknown-pdu-type")                      \
	X(MMS_REJ_PDU_INVALID, 1, "invalid-pdu")                                \
	X(MMS_REJ_PDU_ILLEGAL_ACSE_MAPPING, 2, "illegal-acse-mapping")
enum mms_reject_type { MMS_REJECT_TABLE(MMS_CODE_ENUM_) };
enum mms_reject_request_code { MMS_REJECT_REQUEST_TABLE(MMS_CODE_ENUM_) };
enum mms_reject_response_code { MMS_REJECT_RESPONSE_TABLE(MMS_CODE_ENUM_) };
enum mms_reject_error_code { MMS_REJECT_ERROR_TABLE(MMS_CODE_ENUM_) };
enum mms_reject_pdu_code { MMS_REJECT_PDU_TABLE(MMS_CODE_ENUM_) };
/* "confirmed-requestPDU"; NULL when undefined. */
const char *mms_reject_str(int type);
/* "invalid-argument" for (MMS_REJ_CONFIRMED_REQUEST, 4); NULL when not
 * named here. */
const char *mms_reject_code_str(int type, int code);

/* ---- functional constraints (IEC 61850-7-2 §8.2 Table 18, and the
 * control block FCs of IEC 61850-8-1: the second name of an MMS variable,
 * "LN$FC$DO$DA") ---- */
#define MMS_FC_TABLE(X)                                                         \
	X(FC_ST, 1, "ST") X(FC_MX, 2, "MX") X(FC_SP, 3, "SP") X(FC_SV, 4, "SV")  \
	X(FC_CF, 5, "CF") X(FC_DC, 6, "DC") X(FC_SG, 7, "SG") X(FC_SE, 8, "SE")  \
	X(FC_SR, 9, "SR") X(FC_OR, 10, "OR") X(FC_BL, 11, "BL") X(FC_EX, 12, "EX") \
	X(FC_CO, 13, "CO") X(FC_US, 14, "US") X(FC_MS, 15, "MS") X(FC_RP, 16, "RP") \
	X(FC_BR, 17, "BR") X(FC_LG, 18, "LG") X(FC_GO, 19, "GO") X(FC_GS, 20, "GS") \
	X(FC_SC, 21, "SC")
/* FC_NONE: no FC (a whole LN, or a reference that names none). */
enum mms_fc { FC_NONE = 0, MMS_FC_TABLE(MMS_CODE_ENUM_) FC_COUNT };
/* "ST"; NULL for FC_NONE and out of range. */
const char *mms_fc_name(unsigned fc);
/* FC_* for the two letters s[0..len) (exactly two upper-case letters of the
 * list), FC_NONE otherwise. */
uint8_t mms_fc_parse(const char *s, size_t len);

/* ---- control (IEC 61850-7-2 §20: AddCause of a negative response,
 * LastApplError and CommandTermination; Error of LastApplError; carried as
 * MMS integers per IEC 61850-8-1 §20) ---- */
#define IEC_ADDCAUSE_TABLE(X)                                                   \
	X(IEC_ADDCAUSE_UNKNOWN, 0, "Unknown")                                   \
	X(IEC_ADDCAUSE_NOT_SUPPORTED, 1, "Not-supported")                       \
	X(IEC_ADDCAUSE_BLOCKED_BY_SWITCHING_HIERARCHY, 2, "Blocked-by-switching-hierarchy") \
	X(IEC_ADDCAUSE_SELECT_FAILED, 3, "Select-failed")                       \
	X(IEC_ADDCAUSE_INVALID_POSITION, 4, "Invalid-position")                 \
	X(IEC_ADDCAUSE_POSITION_REACHED, 5, "Position-reached")                 \
	X(IEC_ADDCAUSE_PARAMETER_CHANGE_IN_EXECUTION, 6, "Parameter-change-in-execution") \
	X(IEC_ADDCAUSE_STEP_LIMIT, 7, "Step-limit")                             \
	X(IEC_ADDCAUSE_BLOCKED_BY_MODE, 8, "Blocked-by-Mode")                   \
	X(IEC_ADDCAUSE_BLOCKED_BY_PROCESS, 9, "Blocked-by-process")             \
	X(IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING, 10, "Blocked-by-interlocking")  \
	X(IEC_ADDCAUSE_BLOCKED_BY_SYNCHROCHECK, 11, "Blocked-by-synchrocheck")  \
	X(IEC_ADDCAUSE_COMMAND_ALREADY_IN_EXECUTION, 12, "Command-already-in-execution") \
	X(IEC_ADDCAUSE_BLOCKED_BY_HEALTH, 13, "Blocked-by-health")              \
	X(IEC_ADDCAUSE_1_OF_N_CONTROL, 14, "1-of-n-control")                    \
	X(IEC_ADDCAUSE_ABORTION_BY_CANCEL, 15, "Abortion-by-cancel")            \
	X(IEC_ADDCAUSE_TIME_LIMIT_OVER, 16, "Time-limit-over")                  \
	X(IEC_ADDCAUSE_ABORTION_BY_TRIP, 17, "Abortion-by-trip")                \
	X(IEC_ADDCAUSE_OBJECT_NOT_SELECTED, 18, "Object-not-selected")          \
	X(IEC_ADDCAUSE_OBJECT_ALREADY_SELECTED, 19, "Object-already-selected")  \
	X(IEC_ADDCAUSE_NO_ACCESS_AUTHORITY, 20, "No-access-authority")          \
	X(IEC_ADDCAUSE_ENDED_WITH_OVERSHOOT, 21, "Ended-with-overshoot")        \
	X(IEC_ADDCAUSE_ABORTION_DUE_TO_DEVIATION, 22, "Abortion-due-to-deviation") \
	X(IEC_ADDCAUSE_ABORTION_BY_COMMUNICATION_LOSS, 23, "Abortion-by-communication-loss") \
	X(IEC_ADDCAUSE_BLOCKED_BY_COMMAND, 24, "Blocked-by-command")            \
	X(IEC_ADDCAUSE_NONE, 25, "None")                                        \
	X(IEC_ADDCAUSE_INCONSISTENT_PARAMETERS, 26, "Inconsistent-parameters")  \
	X(IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT, 27, "Locked-by-other-client")
enum iec_addcause { IEC_ADDCAUSE_TABLE(MMS_CODE_ENUM_) IEC_ADDCAUSE_COUNT };
#define IEC_CONTROL_ERROR_TABLE(X)                                              \
	X(IEC_CONTROL_ERROR_NO_ERROR, 0, "No error")                            \
	X(IEC_CONTROL_ERROR_UNKNOWN, 1, "Unknown")                              \
	X(IEC_CONTROL_ERROR_TIMEOUT_TEST_NOT_OK, 2, "Timeout test not ok")      \
	X(IEC_CONTROL_ERROR_OPERATOR_TEST_NOT_OK, 3, "Operator test not ok")
enum iec_control_error { IEC_CONTROL_ERROR_TABLE(MMS_CODE_ENUM_) IEC_CONTROL_ERROR_COUNT };
/* "Blocked-by-interlocking"; NULL outside 0..27. */
const char *iec_addcause_str(int code);
/* "Timeout test not ok"; NULL outside 0..3. */
const char *iec_control_error_str(int code);

_Static_assert(MMS_DAE_COUNT <= MMS_CODE_SENTINEL_BASE && FC_COUNT <= MMS_CODE_SENTINEL_BASE &&
		       IEC_ADDCAUSE_COUNT <= MMS_CODE_SENTINEL_BASE &&
		       MMS_ERROR_CLASS_COUNT <= MMS_CODE_SENTINEL_BASE,
	       "the standard's codes stay below the internal sentinels");
