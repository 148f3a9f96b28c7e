/* SPDX-License-Identifier: Apache-2.0 */
/* Data sets defined by clients (IEC 61850-7-2 §9.2: CreateDataSet,
 * DeleteDataSet), mapped per IEC 61850-8-1 §14 to DefineNamedVariableList
 * and DeleteNamedVariableList: persistent (domain-specific, "LD/LN$name")
 * and association-specific ("@name", MMS aa-specific scope) sets, kept in
 * the model (model_dataset_add), so reading, GetNamedVariableList-
 * Attributes, GetNameList and reports treat them like the SCL's.
 *
 * Refusals (ServiceError class/code; nothing is created or deleted):
 *   the name exists already ............. definition / object-exists
 *   a member that names nothing ......... definition / object-undefined
 *   a member that is no FCD or FCDA (an LN, an FC) or a member in
 *     another form than a domain-specific name with at most an array
 *     index and components below it ..... definition / object-attribute-inconsistent
 *   a name that is no identifier, an LN that does not exist in the
 *     domain, no members ................ definition / object-undefined
 *   a VMD-specific name ................. access / object-access-unsupported
 *   too many members, sets per LD or per association
 *                                        resource / capability-unavailable
 * Deletion of one named set: a set that does not exist, access /
 * object-non-existent; an SCL set, one an RCB or a GoCB names (enabled or not), or
 * another association's, access / object-access-denied. A request naming
 * several sets (or a whole scope) is answered with numberMatched and
 * numberDeleted (ISO 9506-2 §11.5) and deletes what it may.
 *
 * Event-loop thread; no I/O. */
#pragma once
#include <stdint.h>

#include "buf.h"
#include "mms.h"
#include "model.h"

struct acsi_reports;
struct acsi_gpub;

struct acsi_ds_limits {
	uint32_t max_members;	/* per client-defined set; 0: ACSI_DS_MAX_MEMBERS */
	uint32_t max_ld_sets;	/* persistent sets per LD; 0: ACSI_DS_MAX_LD_SETS */
	uint32_t max_aa_sets;	/* sets per association; 0: ACSI_DS_MAX_AA_SETS */
};
#define ACSI_DS_MAX_MEMBERS 100
#define ACSI_DS_MAX_LD_SETS 10
#define ACSI_DS_MAX_AA_SETS 10

/* `owner` is the calling association's handle (the same pointer for all
 * its requests; association-specific sets belong to it). `reports` (may
 * be NULL) says which sets RCBs name, and keeps persistent sets across a
 * restart. */
int acsi_define_nvl(struct model *m, struct acsi_reports *reports,
		    const struct acsi_ds_limits *lim, const void *owner, const struct mms_pdu *p,
		    struct buf *resp);
/* `gpub` (may be NULL): the GOOSE publisher, whose GoCBs' data sets must
 * not be deleted either. */
int acsi_delete_nvl(struct model *m, struct acsi_reports *reports,
		    const struct acsi_gpub *gpub, const void *owner, const struct mms_pdu *p,
		    struct buf *resp);
