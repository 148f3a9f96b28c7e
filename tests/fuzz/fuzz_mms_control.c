/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as the body of an InformationReport
 * for the control report decoder (daemon/proto/mms_control.c), and as the
 * contents of an Unconfirmed-PDU (mms_unconfirmed_report first). A decoded
 * report must be one of the three kinds with its fields in range and the
 * Oper value inside the input; a failure or "not ours" leaves kind 0. Any
 * inconsistency is a crash. */
#include <stdint.h>
#include <string.h>

#include "ber.h"
#include "mms_control.h"
#include "mms_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static void control(const uint8_t *data, size_t size)
{
	struct mms_ctl_report r;
	int k = mms_ctl_report_decode(data, size, &r, NULL);
	CHECK(k == 1 || k == 0 || k < 0);
	if (k != 1) {
		CHECK(r.kind == 0);
		return;
	}
	CHECK(r.kind >= MMS_CTL_LAST_APPL_ERROR && r.kind <= MMS_CTL_TERMINATION_NEG);
	CHECK(strlen(r.lae.cntrl_obj) < sizeof(r.lae.cntrl_obj));
	CHECK(r.lae.or_ident_len <= sizeof(r.lae.or_ident));
	if (r.kind == MMS_CTL_LAST_APPL_ERROR) {
		CHECK(r.oper_data == NULL && r.oper_len == 0);
		return;
	}
	/* the Oper: a structure TLV within the input, named LN$CO$...$Oper */
	CHECK(r.oper_data >= data && r.oper_len >= 2 && r.oper_data + r.oper_len <= data + size);
	CHECK(r.oper_data[0] == (BER_CONTEXT | BER_CONSTRUCTED | 2));
	size_t il = strlen(r.oper.item);
	CHECK(r.oper.scope == 1 && il > 5 && !strcmp(r.oper.item + il - 5, "$Oper"));
	CHECK(strlen(r.oper.domain) < sizeof(r.oper.domain));
	if (r.kind == MMS_CTL_TERMINATION_POS)
		CHECK(r.lae.cntrl_obj[0] == 0 && r.lae.or_ident_len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	control(data, size);
	struct mms_pdu p = { .kind = MMS_UNCONFIRMED, .pdu = data, .pdu_len = size };
	const uint8_t *body;
	size_t len;
	if (mms_unconfirmed_report(&p, &body, &len, NULL) == 1) {
		CHECK(body >= data && body + len <= data + size);
		control(body, len);
	}
	return 0;
}
