/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the client side of MMS (mms_client.h), private to proto:
 *   mms_client.c     request PDUs, answers, references;
 *   mms_typespec.c   TypeSpecification (GetVariableAccessAttributes);
 *   mms_data_text.c  Data as text or JSON, and text to Data. */
#pragma once
#include "mms_client.h"

#define L "mms"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)
