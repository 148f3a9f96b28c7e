/* SPDX-License-Identifier: Apache-2.0 */
/* The standard's code sets (daemon/proto/mms_codes.h) and the one
 * object-reference parser (daemon/proto/objref.h) that the model and the
 * client share: the values pinned to the standards' numbers, every name
 * table complete, and the reference rules (both forms, array elements,
 * every FC including SC, lengths, characters) through objref_parse and
 * through the client's mms_ref_parse. */
#include <errno.h>

#include "mms_client.h"
#include "mms_codes.h"
#include "objref.h"
#include "testutil.h"

START_TEST(data_access_error)
{
	/* ISO 9506-2 §14.4: the numbers on the wire */
	ck_assert_int_eq(MMS_DAE_OBJECT_INVALIDATED, 0);
	ck_assert_int_eq(MMS_DAE_HARDWARE_FAULT, 1);
	ck_assert_int_eq(MMS_DAE_TEMPORARILY_UNAVAILABLE, 2);
	ck_assert_int_eq(MMS_DAE_OBJECT_ACCESS_DENIED, 3);
	ck_assert_int_eq(MMS_DAE_TYPE_INCONSISTENT, 7);
	ck_assert_int_eq(MMS_DAE_OBJECT_ACCESS_UNSUPPORTED, 9);
	ck_assert_int_eq(MMS_DAE_OBJECT_NON_EXISTENT, 10);
	ck_assert_int_eq(MMS_DAE_OBJECT_VALUE_INVALID, 11);
	ck_assert_int_eq(MMS_DAE_COUNT, 12);
	for (int i = 0; i < MMS_DAE_COUNT; i++)
		ck_assert_ptr_nonnull(mms_dae_str(i));
	ck_assert_str_eq(mms_dae_str(MMS_DAE_OBJECT_NON_EXISTENT), "object-non-existent");
	ck_assert_str_eq(mms_dae_str(MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT),
			 "object-attribute-inconsistent");
	ck_assert_ptr_null(mms_dae_str(12));
	ck_assert_ptr_null(mms_dae_str(-1));
	/* the client's form for a value outside the list */
	ck_assert_str_eq(mms_dae_name(MMS_DAE_HARDWARE_FAULT), "hardware-fault");
	ck_assert_str_eq(mms_dae_name(40), "data-access-error-40");
}
END_TEST

START_TEST(service_error)
{
	ck_assert_int_eq(MMS_ERR_ACCESS, 7);
	ck_assert_int_eq(MMS_ERR_OTHERS, 12);
	ck_assert_int_eq(MMS_ACCESS_OBJECT_NON_EXISTENT, 2);
	ck_assert_int_eq(MMS_DEFINITION_OBJECT_UNDEFINED, 1);
	ck_assert_int_eq(MMS_SERVICE_PDU_SIZE, 3);
	ck_assert_int_eq(MMS_CONCLUDE_FURTHER_COMMUNICATION, 1);
	ck_assert_int_eq(MMS_INITIATE_NESTING_INSUFFICIENT, 7);
	for (int c = 0; c < MMS_ERR_OTHERS; c++) {
		ck_assert_ptr_nonnull(mms_error_class_str(c));
		ck_assert_str_eq(mms_error_code_str(c, 0), "other");
	}
	ck_assert_str_eq(mms_error_class_str(MMS_ERR_OTHERS), "others");
	ck_assert_ptr_null(mms_error_class_str(13));
	ck_assert_ptr_null(mms_error_code_str(MMS_ERR_OTHERS, 0));
	ck_assert_ptr_null(mms_error_code_str(13, 0));
	ck_assert_ptr_null(mms_error_code_str(-1, 0));
	ck_assert_str_eq(mms_error_code_str(MMS_ERR_ACCESS, MMS_ACCESS_OBJECT_ACCESS_UNSUPPORTED),
			 "object-access-unsupported");
	ck_assert_str_eq(mms_error_code_str(MMS_ERR_FILE, MMS_FILE_INSUFFICIENT_SPACE),
			 "insufficient-space-in-filestore");
	ck_assert_ptr_null(mms_error_code_str(MMS_ERR_ACCESS, 5));
	ck_assert_str_eq(mms_error_code_str(MMS_ERR_INITIATE, MMS_INITIATE_SERVICE_CBB_INSUFFICIENT),
			 "service-CBB-insufficient");

	struct mms_client_refusal ref = { .kind = MMS_CONFIRMED_ERROR, .error_class = MMS_ERR_ACCESS,
					  .code = MMS_ACCESS_OBJECT_NON_EXISTENT };
	char s[80];
	ck_assert_str_eq(mms_client_refusal_str(&ref, s, sizeof(s)), "access: object-non-existent");
	ref = (struct mms_client_refusal){ .kind = MMS_REJECT, .error_class = MMS_REJ_CONFIRMED_ERROR,
					   .code = MMS_REJ_ERR_INVALID_INVOKE_ID };
	ck_assert_str_eq(mms_client_refusal_str(&ref, s, sizeof(s)),
			 "Reject: confirmed-errorPDU: invalid-invokeID");
}
END_TEST

START_TEST(reject)
{
	ck_assert_ptr_null(mms_reject_str(0));
	for (int t = 1; t <= 11; t++)
		ck_assert_ptr_nonnull(mms_reject_str(t));
	ck_assert_ptr_null(mms_reject_str(12));
	ck_assert_str_eq(mms_reject_code_str(MMS_REJ_CONFIRMED_REQUEST, MMS_REJ_REQ_INVALID_ARGUMENT),
			 "invalid-argument");
	ck_assert_ptr_null(mms_reject_code_str(MMS_REJ_CONFIRMED_REQUEST, 7));
	ck_assert_str_eq(mms_reject_code_str(MMS_REJ_CONFIRMED_RESPONSE,
					     MMS_REJ_RESP_INVALID_INVOKE_ID), "invalid-invokeID");
	ck_assert_str_eq(mms_reject_code_str(MMS_REJ_PDU_ERROR, MMS_REJ_PDU_INVALID), "invalid-pdu");
	ck_assert_ptr_null(mms_reject_code_str(MMS_REJ_CONCLUDE_REQUEST, 0));
}
END_TEST

START_TEST(functional_constraints)
{
	static const char *const all[] = { "ST", "MX", "SP", "SV", "CF", "DC", "SG", "SE", "SR",
					   "OR", "BL", "EX", "CO", "US", "MS", "RP", "BR", "LG",
					   "GO", "GS", "SC" };
	ck_assert_int_eq(FC_COUNT, 1 + sizeof(all) / sizeof(all[0]));
	for (unsigned f = 1; f < FC_COUNT; f++) {
		ck_assert_str_eq(mms_fc_name(f), all[f - 1]);
		ck_assert_uint_eq(mms_fc_parse(all[f - 1], 2), f);
		ck_assert(mms_is_fc(all[f - 1], 2));
	}
	ck_assert_ptr_null(mms_fc_name(FC_NONE));
	ck_assert_ptr_null(mms_fc_name(FC_COUNT));
	ck_assert_uint_eq(mms_fc_parse("SC", 2), FC_SC);
	ck_assert_uint_eq(mms_fc_parse("sc", 2), FC_NONE);
	ck_assert_uint_eq(mms_fc_parse("SCX", 3), FC_NONE);
	ck_assert_uint_eq(mms_fc_parse("S", 1), FC_NONE);
	ck_assert_uint_eq(mms_fc_parse("XX", 2), FC_NONE);
}
END_TEST

START_TEST(control_codes)
{
	ck_assert_int_eq(IEC_ADDCAUSE_COUNT, 28);
	for (int i = 0; i < IEC_ADDCAUSE_COUNT; i++)
		ck_assert_ptr_nonnull(iec_addcause_str(i));
	ck_assert_str_eq(iec_addcause_str(IEC_ADDCAUSE_UNKNOWN), "Unknown");
	ck_assert_int_eq(IEC_ADDCAUSE_BLOCKED_BY_INTERLOCKING, 10);
	ck_assert_str_eq(iec_addcause_str(10), "Blocked-by-interlocking");
	ck_assert_int_eq(IEC_ADDCAUSE_OBJECT_NOT_SELECTED, 18);
	ck_assert_int_eq(IEC_ADDCAUSE_LOCKED_BY_OTHER_CLIENT, 27);
	ck_assert_ptr_null(iec_addcause_str(28));
	ck_assert_str_eq(iec_control_error_str(IEC_CONTROL_ERROR_TIMEOUT_TEST_NOT_OK),
			 "Timeout test not ok");
	ck_assert_ptr_null(iec_control_error_str(4));
	/* the room for internal sentinels */
	ck_assert_int_ge(MMS_CODE_SENTINEL_BASE, IEC_ADDCAUSE_COUNT);
}
END_TEST

/* ---- references ---- */

static struct objref parsed(const char *in)
{
	struct objref r;
	struct proto_err e = { 0 };
	ck_assert_msg(objref_parse(in, &r, &e) == 0, "%s: %s", in, e.reason);
	return r;
}

#define BAD(in, why)                                                                            \
	do {                                                                                    \
		struct objref r_;                                                               \
		struct mms_objname n_;                                                          \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(objref_parse(in, &r_, &e_), -EINVAL);                          \
		ck_assert_str_eq(e_.layer, "reference");                                        \
		ck_assert_msg(strstr(e_.reason, why), "%s: '%s' lacks '%s'", in, e_.reason,    \
			      why);                                                             \
		/* the client refuses it for the same reason */                                 \
		struct proto_err c_ = { 0 };                                                    \
		ck_assert_int_eq(mms_ref_parse(in, &n_, &c_), -EINVAL);                         \
		ck_assert_str_eq(c_.reason, e_.reason);                                         \
	} while (0)

START_TEST(reference_forms)
{
	struct objref r = parsed("IED1LD0/LLN0.Mod.stVal[ST]");
	ck_assert_int_eq(r.form, OBJREF_DOTTED);
	ck_assert_str_eq(r.ld, "IED1LD0");
	ck_assert_str_eq(r.ln, "LLN0");
	ck_assert_uint_eq(r.fc, FC_ST);
	ck_assert_str_eq(r.path, "Mod.stVal");
	ck_assert(!r.indexed);
	ck_assert_str_eq(r.item, "LLN0$ST$Mod$stVal");

	r = parsed("LD0/LLN0");
	ck_assert_uint_eq(r.fc, FC_NONE);
	ck_assert_str_eq(r.path, "");
	ck_assert_str_eq(r.item, "LLN0");
	r = parsed("LD0/LLN0[CF]");
	ck_assert_uint_eq(r.fc, FC_CF);
	ck_assert_str_eq(r.item, "LLN0$CF");

	/* no FC: the model finds it, so there is no MMS name yet */
	r = parsed("LD0/MMXU1.TotW.mag.f");
	ck_assert_uint_eq(r.fc, FC_NONE);
	ck_assert_str_eq(r.ln, "MMXU1");
	ck_assert_str_eq(r.path, "TotW.mag.f");
	ck_assert_str_eq(r.item, "");

	/* an array element: the model walks it, an MMS name cannot carry it */
	r = parsed("LD0/MHAI1.HA.phsAHar(2).cVal.mag.f[MX]");
	ck_assert(r.indexed);
	ck_assert_str_eq(r.path, "HA.phsAHar(2).cVal.mag.f");
	ck_assert_str_eq(r.item, "");
	r = parsed("LD0/X1.A(2147483647)[MX]");
	ck_assert(r.indexed);

	/* MMS form: the item as written, and what it means */
	r = parsed("LD0/LLN0$ST$Mod$stVal");
	ck_assert_int_eq(r.form, OBJREF_MMS);
	ck_assert_str_eq(r.ln, "LLN0");
	ck_assert_uint_eq(r.fc, FC_ST);
	ck_assert_str_eq(r.path, "Mod.stVal");
	ck_assert_str_eq(r.item, "LLN0$ST$Mod$stVal");
	r = parsed("LD0/LLN0$Events");
	ck_assert_uint_eq(r.fc, FC_NONE);
	ck_assert_str_eq(r.path, "Events");
	ck_assert_str_eq(r.item, "LLN0$Events");
	r = parsed("LD0/LLN0$SC");
	ck_assert_uint_eq(r.fc, FC_SC);
	ck_assert_str_eq(r.path, "");
}
END_TEST

START_TEST(reference_every_fc)
{
	for (unsigned f = 1; f < FC_COUNT; f++) {
		char in[64], item[64];
		snprintf(in, sizeof(in), "LD0/LLN0.Mod.stVal[%s]", mms_fc_name(f));
		snprintf(item, sizeof(item), "LLN0$%s$Mod$stVal", mms_fc_name(f));
		struct objref r = parsed(in);
		ck_assert_uint_eq(r.fc, f);
		ck_assert_str_eq(r.item, item);
		/* the client takes every FC of the list, SC too */
		struct mms_objname n;
		struct proto_err e = { 0 };
		ck_assert_msg(mms_ref_parse(in, &n, &e) == 0, "%s: %s", in, e.reason);
		ck_assert_str_eq(n.item, item);
		char back[80];
		ck_assert_str_eq(mms_ref_format(&n, back, sizeof(back)), in);
	}
	char s[80];
	ck_assert_str_eq(objref_format("LD0", "LLN0$SC$SGCB$ActSG", s, sizeof(s)),
			 "LD0/LLN0.SGCB.ActSG[SC]");
	ck_assert_str_eq(objref_format(NULL, "LLN0$Events", s, sizeof(s)), "LLN0.Events");
}
END_TEST

START_TEST(reference_rules)
{
	BAD("LLN0.Mod[ST]", "no logical device");
	BAD("/LLN0", "no logical device");
	BAD("LD0/", "no logical node");
	BAD("LD0/[ST]", "no logical node");
	BAD("LD0/LLN0.Mod[XY]", "[XY] is not a functional constraint");
	BAD("LD0/LLN0.Mod[st]", "is not a functional constraint");
	BAD("LD0/LLN0.Mod[ST].stVal", "goes last");
	BAD("LD0/LLN0.Mod[STV]", "goes last");
	/* empty components */
	BAD("LD0/LLN0..Mod[ST]", "empty component");
	BAD("LD0/LLN0.Mod.[ST]", "empty component");
	BAD("LD0/.Mod[ST]", "empty component");
	BAD("LD0/LLN0$$Mod", "empty component");
	BAD("LD0/LLN0$ST$", "empty component");
	/* characters */
	BAD("LD0/LLN0.Mo-d[ST]", "character '-'");
	BAD("LD0/LLN0.Mod stVal[ST]", "character ' '");
	BAD("LD0/LLN0$ST.Mod", "character '.' in an MMS name");
	BAD("LD0/LLN0$ST$Mod(1)", "character '(' in an MMS name");
	BAD("L D/LLN0", "0x20");
	BAD("L\x7f/LLN0", "0x7f");
	BAD("LD0/LLN0(1).Mod[ST]", "a logical node is no array");
	/* array elements */
	BAD("LD0/X1.A(x)[MX]", "name(n)");
	BAD("LD0/X1.A()[MX]", "name(n)");
	BAD("LD0/X1.A(1[MX]", "name(n)");
	BAD("LD0/X1.A(1)b[MX]", "name(n)");
	BAD("LD0/X1.A(2147483648)[MX]", "name(n)");
	BAD("LD0/X1.(1)[MX]", "empty component");

	/* lengths: LD 64, MMS name 129 */
	char s[300];
	memset(s, 'd', 64);
	strcpy(s + 64, "/LLN0");
	parsed(s);
	memset(s, 'd', 65);
	strcpy(s + 65, "/LLN0");
	BAD(s, "at most 64");
	memset(s, 'a', sizeof(s));
	memcpy(s, "LD/", 3);
	s[3 + 129] = 0;
	parsed(s);
	s[3 + 129] = 'a';
	s[3 + 130] = 0;
	BAD(s, "longer than 129");
	s[10] = '$';
	BAD(s, "at most 129");
	s[3 + 129] = 0;
	parsed(s);
	/* dotted: 126 characters and "$ST" make 129; a left-out FC counts */
	memset(s, 'a', sizeof(s));
	memcpy(s, "LD/", 3);
	s[3 + 4] = '.';
	memcpy(s + 3 + 126, "[ST]", 5);
	ck_assert_uint_eq(strlen(parsed(s).item), 129);
	s[3 + 126] = 0;
	ck_assert_str_eq(parsed(s).item, "");
	s[3 + 126] = 'a';
	s[3 + 127] = 0;
	BAD(s, "longer than 129");
	memcpy(s + 3 + 127, "[ST]", 5);
	BAD(s, "longer than 129");
}
END_TEST

START_TEST(reference_client_rules)
{
	/* what objref takes but an MMS name cannot say */
	struct mms_objname n;
	struct proto_err e = { 0 };
	ck_assert_int_eq(mms_ref_parse("LD0/LLN0.Mod.stVal", &n, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.reason, "needs its [FC]"));
	ck_assert_int_eq(mms_ref_parse("LD0/MHAI1.HA.phsAHar(2).cVal[MX]", &n, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.reason, "array elements are not supported"));
	ck_assert_int_eq(mms_ref_parse("LD0/LLN0$brcb01", &n, &e), 0);
	ck_assert_str_eq(n.item, "LLN0$brcb01");
}
END_TEST

static Suite *codes_suite(void)
{
	Suite *s = suite_create("codes");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, data_access_error);
	tcase_add_test(tc, service_error);
	tcase_add_test(tc, reject);
	tcase_add_test(tc, functional_constraints);
	tcase_add_test(tc, control_codes);
	suite_add_tcase(s, tc);
	tc = tcase_create("references");
	tcase_add_test(tc, reference_forms);
	tcase_add_test(tc, reference_every_fc);
	tcase_add_test(tc, reference_rules);
	tcase_add_test(tc, reference_client_rules);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(codes_suite)
