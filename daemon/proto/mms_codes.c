/* SPDX-License-Identifier: Apache-2.0 */
/* Names of the standard's codes (mms_codes.h), generated from its tables. */
#include "mms_codes.h"

#define NAME_(id, v, name) [v] = name,
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

struct code_names {
	const char *const *v;
	size_t n;
};

static const char *code_name(const struct code_names *t, int code)
{
	return code >= 0 && (size_t)code < t->n ? t->v[code] : NULL;
}

#define NAMES_OF(var, TABLE)                                                    \
	static const char *const var##_v[] = { TABLE(NAME_) };                  \
	static const struct code_names var = { var##_v, COUNT_OF(var##_v) }

NAMES_OF(dae_names, MMS_DAE_TABLE);
NAMES_OF(class_names, MMS_ERROR_CLASS_TABLE);
NAMES_OF(vmd_state_names, MMS_VMD_STATE_TABLE);
NAMES_OF(appref_names, MMS_APPLICATION_REFERENCE_TABLE);
NAMES_OF(definition_names, MMS_DEFINITION_TABLE);
NAMES_OF(resource_names, MMS_RESOURCE_TABLE);
NAMES_OF(service_names, MMS_SERVICE_TABLE);
NAMES_OF(preempt_names, MMS_SERVICE_PREEMPT_TABLE);
NAMES_OF(time_names, MMS_TIME_RESOLUTION_TABLE);
NAMES_OF(access_names, MMS_ACCESS_TABLE);
NAMES_OF(initiate_names, MMS_INITIATE_TABLE);
NAMES_OF(conclude_names, MMS_CONCLUDE_TABLE);
NAMES_OF(cancel_names, MMS_CANCEL_TABLE);
NAMES_OF(file_names, MMS_FILE_TABLE);
NAMES_OF(reject_names, MMS_REJECT_TABLE);
NAMES_OF(reject_request_names, MMS_REJECT_REQUEST_TABLE);
NAMES_OF(reject_response_names, MMS_REJECT_RESPONSE_TABLE);
NAMES_OF(reject_error_names, MMS_REJECT_ERROR_TABLE);
NAMES_OF(reject_pdu_names, MMS_REJECT_PDU_TABLE);
NAMES_OF(fc_names, MMS_FC_TABLE);
NAMES_OF(addcause_names, IEC_ADDCAUSE_TABLE);
NAMES_OF(control_error_names, IEC_CONTROL_ERROR_TABLE);

/* The codes of each errorClass, by class (others: none named). */
static const struct code_names *const class_codes[MMS_ERROR_CLASS_COUNT] = {
	[MMS_ERR_VMD_STATE] = &vmd_state_names,
	[MMS_ERR_APPLICATION_REFERENCE] = &appref_names,
	[MMS_ERR_DEFINITION] = &definition_names,
	[MMS_ERR_RESOURCE] = &resource_names,
	[MMS_ERR_SERVICE] = &service_names,
	[MMS_ERR_SERVICE_PREEMPT] = &preempt_names,
	[MMS_ERR_TIME_RESOLUTION] = &time_names,
	[MMS_ERR_ACCESS] = &access_names,
	[MMS_ERR_INITIATE] = &initiate_names,
	[MMS_ERR_CONCLUDE] = &conclude_names,
	[MMS_ERR_CANCEL] = &cancel_names,
	[MMS_ERR_FILE] = &file_names,
	[MMS_ERR_OTHERS] = NULL,
};

const char *mms_dae_str(int code)
{
	return code_name(&dae_names, code);
}

const char *mms_error_class_str(int error_class)
{
	return code_name(&class_names, error_class);
}

const char *mms_error_code_str(int error_class, int code)
{
	if (error_class < 0 || error_class >= MMS_ERROR_CLASS_COUNT || !class_codes[error_class])
		return NULL;
	return code_name(class_codes[error_class], code);
}

const char *mms_reject_str(int type)
{
	return code_name(&reject_names, type);
}

const char *mms_reject_code_str(int type, int code)
{
	switch (type) {
	case MMS_REJ_CONFIRMED_REQUEST:
		return code_name(&reject_request_names, code);
	case MMS_REJ_CONFIRMED_RESPONSE:
		return code_name(&reject_response_names, code);
	case MMS_REJ_CONFIRMED_ERROR:
		return code_name(&reject_error_names, code);
	case MMS_REJ_PDU_ERROR:
		return code_name(&reject_pdu_names, code);
	default:
		return NULL;
	}
}

const char *mms_fc_name(unsigned fc)
{
	return fc < FC_COUNT ? fc_names.v[fc] : NULL;
}

uint8_t mms_fc_parse(const char *s, size_t len)
{
	if (len != 2)
		return FC_NONE;
	for (uint8_t i = 1; i < FC_COUNT; i++)
		if (fc_names.v[i][0] == s[0] && fc_names.v[i][1] == s[1])
			return i;
	return FC_NONE;
}

const char *iec_addcause_str(int code)
{
	return code_name(&addcause_names, code);
}

const char *iec_control_error_str(int code)
{
	return code_name(&control_error_names, code);
}

/* ISO 9506-2 ServiceSupportOptions, bit by bit (the names of its ASN.1). */
static const char *const service_bit_names[85] = {
	"status", "getNameList", "identify", "rename", "read", "write",
	"getVariableAccessAttributes", "defineNamedVariable", "defineScatteredAccess",
	"getScatteredAccessAttributes", "deleteVariableAccess", "defineNamedVariableList",
	"getNamedVariableListAttributes", "deleteNamedVariableList", "defineNamedType",
	"getNamedTypeAttributes", "deleteNamedType", "input", "output", "takeControl",
	"relinquishControl", "defineSemaphore", "deleteSemaphore", "reportSemaphoreStatus",
	"reportPoolSemaphoreStatus", "reportSemaphoreEntryStatus", "initiateDownloadSequence",
	"downloadSegment", "terminateDownloadSequence", "initiateUploadSequence", "uploadSegment",
	"terminateUploadSequence", "requestDomainDownload", "requestDomainUpload",
	"loadDomainContent", "storeDomainContent", "deleteDomain", "getDomainAttributes",
	"createProgramInvocation", "deleteProgramInvocation", "start", "stop", "resume", "reset",
	"kill", "getProgramInvocationAttributes", "obtainFile", "defineEventCondition",
	"deleteEventCondition", "getEventConditionAttributes", "reportEventConditionStatus",
	"alterEventConditionMonitoring", "triggerEvent", "defineEventAction",
	"deleteEventAction", "getEventActionAttributes", "reportEventActionStatus",
	"defineEventEnrollment", "deleteEventEnrollment", "alterEventEnrollment",
	"reportEventEnrollmentStatus", "getEventEnrollmentAttributes",
	"acknowledgeEventNotification", "getAlarmSummary", "getAlarmEnrollmentSummary",
	"readJournal", "writeJournal", "initializeJournal", "reportJournalStatus",
	"createJournal", "deleteJournal", "getCapabilityList", "fileOpen", "fileRead",
	"fileClose", "fileRename", "fileDelete", "fileDirectory", "unsolicitedStatus",
	"informationReport", "eventNotification", "attachToEventCondition", "attachToSemaphore",
	"conclude", "cancel",
};

const char *mms_service_bit_name(unsigned bit)
{
	return bit < sizeof(service_bit_names) / sizeof(service_bit_names[0]) ? service_bit_names[bit] :
									       "?";
}
