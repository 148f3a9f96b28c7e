/* IEC 61850-7-2 data access, data set and directory services mapped to MMS
 * per IEC 61850-8-1: GetNameList (GetServerDirectory, GetLogicalDevice-
 * Directory, GetLogicalNodeDirectory, GetDataSetDirectory), GetVariable-
 * AccessAttributes (GetDataDefinition), Read (GetDataValues,
 * GetDataSetValues), Write (SetDataValues), GetNamedVariableListAttributes.
 *
 * Each is a plain function of (model, request) -> response in `resp`, plus
 * effects on the model; no I/O. Called from mms_server.c on the event-loop
 * thread. A request that does not decode is answered with a Reject (the
 * function returns -EBADMSG and leaves resp empty). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms.h"
#include "model.h"

int acsi_get_name_list(const struct model *m, const struct mms_pdu *p, size_t max_pdu,
		       struct buf *resp);
int acsi_get_var_access_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp);
int acsi_read(const struct model *m, const struct mms_pdu *p, struct buf *resp);
int acsi_write(struct model *m, const struct mms_pdu *p, struct buf *resp);
int acsi_get_nvl_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp);
