/* SPDX-License-Identifier: Apache-2.0 */
/* Report control blocks in the model's MMS view (IEC 61850-8-1 §17,
 * rpt-spec Part 2a): names, order, types per edition, initial values,
 * model_rcb_at / model_rcb_attr_at. */
#include <errno.h>

#include "helpers.h"

#define SCL(ver, owner)                                                                         \
	"<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\" " ver ">\n<Header id=\"t\"/>\n"       \
	"<IED name=\"T\"><Services><ReportSettings owner=\"" owner "\"/></Services>\n"           \
	"<AccessPoint name=\"AP\"><Server><LDevice inst=\"LD0\">\n"                               \
	"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"                                         \
	"<DataSet name=\"ds\"><FCDA lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" fc=\"ST\"/></DataSet>\n" \
	"<ReportControl name=\"brcbA\" datSet=\"ds\" rptID=\"idA\" confRev=\"3\" buffered=\"true\""  \
	" bufTime=\"50\" intgPd=\"1000\"><TrgOps dchg=\"true\" period=\"true\"/>"                  \
	"<OptFields seqNum=\"true\" entryID=\"true\"/><RptEnabled max=\"5\"/></ReportControl>\n"  \
	"<ReportControl name=\"urcb\" indexed=\"false\"/>\n"                                       \
	"</LN0>\n<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"L0\"/>\n"                                \
	"</LDevice></Server></AccessPoint></IED>\n<DataTypeTemplates>\n"                          \
	"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Ind\" type=\"SPS\"/></LNodeType>\n"      \
	"<DOType id=\"SPS\" cdc=\"SPS\"><DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\"/></DOType>\n" \
	"</DataTypeTemplates></SCL>\n"

static struct model *load(const char *text)
{
	char err[1024];
	struct model *m = NULL;
	const char *p = write_file(tmpdir_new(), "rcb.icd", text);
	ck_assert_msg(model_load_scl(p, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	return m;
}

/* RCB instance `name` (model_rcb numbers them by value offset). */
static const struct mrcb *by_name(const struct model *m, const char *name)
{
	for (uint32_t k = 0; k < model_n_rcbs(m); k++)
		if (!strcmp(model_rcb(m, k)->name, name))
			return model_rcb(m, k);
	ck_abort_msg("no RCB %s", name);
	return NULL;
}

static const char *text_of(const struct model *m, const struct mrcb *r, unsigned a)
{
	static char out[256];
	ck_assert_ptr_nonnull(r->a[a].type);
	model_get_text(m, r->a[a].type, r->a[a].voff, out, sizeof(out));
	return out;
}

START_TEST(ed2_names_types_values)
{
	struct model *m = load(SCL("version=\"2007\" revision=\"B\"", "true"));
	ck_assert_uint_eq(model_edition(m), 2);
	ck_assert_uint_eq(model_n_rcbs(m), 6);
	const struct mld *ld = &m->lds[0];
	const struct mln *lln0 = model_find_ln(ld, "LLN0", 4), *g = model_find_ln(ld, "GGIO1", 5);
	/* the LN without RCBs keeps no RP/BR, the shared type is not changed */
	ck_assert_ptr_null(mtype_find(g->type, "BR", 2));
	ck_assert_ptr_ne(g->type, lln0->type);
	/* FC order: ST, RP, BR */
	ck_assert_str_eq(lln0->type->comp[0].name, "ST");
	ck_assert_str_eq(lln0->type->comp[1].name, "RP");
	ck_assert_str_eq(lln0->type->comp[2].name, "BR");
	const struct mtype *br = mtype_find(lln0->type, "BR", 2)->type;
	ck_assert_uint_eq(br->n, 5);
	for (uint32_t i = 0; i < 5; i++) {
		char n[16];
		snprintf(n, sizeof(n), "brcbA%02u", i + 1);
		ck_assert_str_eq(br->comp[i].name, n);
	}
	struct mref ref;
	ck_assert_int_eq(model_resolve_mms(m, ld->name, "LLN0$RP$urcb$Owner", &ref), 0);
	ck_assert_int_eq(model_resolve_mms(m, ld->name, "LLN0$BR$brcbA05$ResvTms", &ref), 0);
	ck_assert_int_eq(model_resolve_mms(m, ld->name, "LLN0$RP$urcb$ResvTms", &ref), -ENOENT);
	const struct mrcb *r = by_name(m, "brcbA01");
	ck_assert_str_eq(r->name, "brcbA01");
	ck_assert_uint_eq(r->inst, 1);
	ck_assert(r->buffered);
	static const char *const order[] = { "RptID", "RptEna", "DatSet", "ConfRev", "OptFlds",
		"BufTm", "SqNum", "TrgOps", "IntgPd", "GI", "PurgeBuf", "EntryID", "TimeofEntry",
		"ResvTms", "Owner" };
	ck_assert_uint_eq(r->type->n, 15);
	for (uint32_t i = 0; i < 15; i++)
		ck_assert_str_eq(r->type->comp[i].name, order[i]);
	ck_assert_str_eq(text_of(m, r, MRCB_RPTID), "idA");
	ck_assert_str_eq(text_of(m, r, MRCB_DATSET), "TLD0/LLN0$ds");
	ck_assert_str_eq(text_of(m, r, MRCB_CONFREV), "3");
	ck_assert_str_eq(text_of(m, r, MRCB_BUFTM), "50");
	ck_assert_str_eq(text_of(m, r, MRCB_INTGPD), "1000");
	ck_assert_str_eq(text_of(m, r, MRCB_OPTFLDS), "0100000100");
	/* dchg, period, and gi (tTrgOps gi defaults to true) */
	ck_assert_str_eq(text_of(m, r, MRCB_TRGOPS), "010011");
	ck_assert_str_eq(text_of(m, r, MRCB_RPTENA), "false");
	ck_assert_str_eq(text_of(m, r, MRCB_ENTRYID), "0000000000000000");
	ck_assert_uint_eq(r->a[MRCB_SQNUM].type->btype, MB_INT16U);
	ck_assert_ptr_null(r->a[MRCB_RESV].type);
	const struct mrcb *u = by_name(m, "urcb");
	ck_assert_str_eq(u->name, "urcb");
	ck_assert_uint_eq(u->inst, 0);
	ck_assert(!u->buffered);
	ck_assert_str_eq(text_of(m, u, MRCB_DATSET), "");
	ck_assert_uint_eq(u->a[MRCB_SQNUM].type->btype, MB_INT8U);
	ck_assert_ptr_nonnull(u->a[MRCB_RESV].type);
	ck_assert_ptr_null(u->a[MRCB_PURGEBUF].type);
	/* every attribute found by its offset; the whole RCB is no attribute */
	for (uint32_t k = 0; k < model_n_rcbs(m); k++) {
		const struct mrcb *x = model_rcb(m, k);
		ck_assert_uint_eq(x->no, k);
		ck_assert_ptr_eq(model_rcb_at(m, x->voff), x);
		ck_assert_ptr_eq(model_rcb_at(m, x->voff + x->type->size - 1), x);
		ck_assert_int_eq(model_rcb_attr_at(x, x->type, x->voff), -1);
		for (int a = 0; a < MRCB_N; a++)
			if (x->a[a].type) {
				ck_assert_ptr_eq(model_rcb_at(m, x->a[a].voff), x);
				ck_assert_int_eq(model_rcb_attr_at(x, x->a[a].type, x->a[a].voff), a);
			}
	}
	ck_assert_ptr_null(model_rcb_at(m, g->vbase));
	/* the whole LN encodes */
	struct buf b;
	buf_init(&b, 0, 0);
	model_encode_data(m, lln0->type, lln0->vbase, &b);
	ck_assert_int_eq(b.err, 0);
	buf_clear(&b);
	model_free(m);
}
END_TEST

START_TEST(ed2_without_owner)
{
	struct model *m = load(SCL("version=\"2007\" revision=\"B\"", "false"));
	const struct mrcb *r = by_name(m, "brcbA01");
	ck_assert_ptr_nonnull(r->a[MRCB_RESVTMS].type);
	ck_assert_ptr_null(r->a[MRCB_OWNER].type);
	ck_assert_ptr_null(by_name(m, "urcb")->a[MRCB_OWNER].type);
	model_free(m);
}
END_TEST

START_TEST(ed1_lacks_resvtms_owner)
{
	struct model *m = load(SCL("", "true"));
	ck_assert_uint_eq(model_edition(m), 1);
	for (uint32_t k = 0; k < model_n_rcbs(m); k++) {
		ck_assert_ptr_null(model_rcb(m, k)->a[MRCB_RESVTMS].type);
		ck_assert_ptr_null(model_rcb(m, k)->a[MRCB_OWNER].type);
	}
	ck_assert_uint_eq(by_name(m, "brcbA01")->type->n, 13);
	ck_assert_uint_eq(by_name(m, "urcb")->type->n, 11);
	model_free(m);
}
END_TEST

/* RptEnabled/ClientLN (IEC 61850-6 §9.3.8, 7-2 Ed.2 §17.2.2): the k-th
 * ClientLN pre-assigns the k-th instance to the client at the IP address
 * of its IED's ConnectedAP (apRef) in the Communication section. */
#define PRE_SCL                                                                                 \
	"<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\" version=\"2007\" revision=\"B\">\n"    \
	"<Header id=\"t\"/>\n<Communication><SubNetwork name=\"S\">\n"                             \
	"<ConnectedAP iedName=\"SCADA1\" apName=\"S0\"><Address><P type=\"IP\">10.9.9.9</P>"        \
	"</Address></ConnectedAP>\n"                                                               \
	"<ConnectedAP iedName=\"SCADA1\" apName=\"S1\"><Address><P type=\"IP-SUBNET\">255.0.0.0"   \
	"</P><P type=\"IP\"> 10.0.0.5 </P></Address></ConnectedAP>\n"                              \
	"<ConnectedAP iedName=\"GW6\" apName=\"A\"><Address><P type=\"IPv6\">fd00::7</P>"           \
	"</Address></ConnectedAP>\n"                                                               \
	"<ConnectedAP iedName=\"NOIP\" apName=\"A\"><Address><P type=\"IP\">not-an-ip</P>"          \
	"</Address></ConnectedAP>\n"                                                               \
	"</SubNetwork></Communication>\n"                                                          \
	"<IED name=\"T\"><Services><ReportSettings owner=\"true\"/></Services>\n"                 \
	"<AccessPoint name=\"AP\"><Server><LDevice inst=\"LD0\">\n"                               \
	"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"                                         \
	"<ReportControl name=\"brcb\" buffered=\"true\"><RptEnabled max=\"4\">\n"                 \
	"<ClientLN iedName=\"SCADA1\" apRef=\"S1\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>\n" \
	"<ClientLN iedName=\"GW6\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>\n"               \
	"<ClientLN iedName=\"NOIP\" apRef=\"A\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>\n"  \
	"</RptEnabled></ReportControl>\n"                                                          \
	"<ReportControl name=\"urcb\" indexed=\"false\"><RptEnabled>"                              \
	"<ClientLN iedName=\"SCADA1\" apRef=\"S0\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>"  \
	"<ClientLN iedName=\"GW6\" apRef=\"A\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>"      \
	"</RptEnabled></ReportControl>\n"                                                          \
	"<ReportControl name=\"urcbX\"><RptEnabled max=\"2\">"                                     \
	"<ClientLN iedName=\"ELSEWHERE\" apRef=\"S1\" ldInst=\"LD0\" lnClass=\"ITCI\" lnInst=\"1\"/>" \
	"</RptEnabled></ReportControl>\n"                                                          \
	"</LN0>\n</LDevice></Server></AccessPoint></IED>\n<DataTypeTemplates>\n"                  \
	"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Ind\" type=\"SPS\"/></LNodeType>\n"      \
	"<DOType id=\"SPS\" cdc=\"SPS\"><DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\"/></DOType>\n" \
	"</DataTypeTemplates></SCL>\n"

START_TEST(preassigned_from_clientln)
{
	struct model *m = load(PRE_SCL);
	static const uint8_t a5[4] = { 10, 0, 0, 5 }, a9[4] = { 10, 9, 9, 9 };
	static const uint8_t a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
	/* first ClientLN, first instance: SCADA1's AccessPoint S1, not S0 */
	const struct mrcb *r = by_name(m, "brcb01");
	ck_assert_uint_eq(r->preassigned_len, 4);
	ck_assert_mem_eq(r->preassigned_addr, a5, 4);
	ck_assert_str_eq(r->preassigned_ied, "SCADA1");
	ck_assert(!r->preassigned_unresolved);
	/* 7-2 Ed.2: a BRCB reserved by configuration shows ResvTms = -1 */
	ck_assert_str_eq(text_of(m, r, MRCB_RESVTMS), "-1");
	ck_assert_str_eq(text_of(m, r, MRCB_OWNER), "0a000005");
	/* no apRef: the IED's first ConnectedAP with an address; IPv6 */
	r = by_name(m, "brcb02");
	ck_assert_uint_eq(r->preassigned_len, 16);
	ck_assert_mem_eq(r->preassigned_addr, a6, 16);
	ck_assert_str_eq(text_of(m, r, MRCB_RESVTMS), "-1");
	/* an address that is no IP address: not pre-assigned, a warning */
	r = by_name(m, "brcb03");
	ck_assert_uint_eq(r->preassigned_len, 0);
	ck_assert(r->preassigned_unresolved);
	ck_assert_str_eq(text_of(m, r, MRCB_RESVTMS), "0");
	ck_assert_str_eq(text_of(m, r, MRCB_OWNER), "");
	/* no ClientLN for the fourth instance */
	r = by_name(m, "brcb04");
	ck_assert_uint_eq(r->preassigned_len, 0);
	ck_assert(!r->preassigned_unresolved);
	ck_assert_str_eq(r->preassigned_ied, "");
	/* a URCB reserved by configuration shows Resv = true; one instance
	 * takes the first ClientLN only */
	r = by_name(m, "urcb");
	ck_assert_uint_eq(r->preassigned_len, 4);
	ck_assert_mem_eq(r->preassigned_addr, a9, 4);
	ck_assert_str_eq(text_of(m, r, MRCB_RESV), "true");
	ck_assert_str_eq(text_of(m, by_name(m, "urcbX02"), MRCB_RESV), "false");
	/* an IED the Communication section does not have */
	r = by_name(m, "urcbX01");
	ck_assert_uint_eq(r->preassigned_len, 0);
	ck_assert(r->preassigned_unresolved);
	ck_assert_str_eq(text_of(m, r, MRCB_RESV), "false");
	/* one warning each, with file and line of the ClientLN */
	ck_assert_uint_eq(model_n_warnings(m), 2);
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), "rcb.icd:16: "));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), "IED 'NOIP'"));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), "brcb03 is not pre-assigned"));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 1), "rcb.icd:19: "));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 1), "IED 'ELSEWHERE'"));
	model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rcb");
	TCase *tc = tcase_create("rcb");
	tcase_add_test(tc, ed2_names_types_values);
	tcase_add_test(tc, ed2_without_owner);
	tcase_add_test(tc, ed1_lacks_resvtms_owner);
	tcase_add_test(tc, preassigned_from_clientln);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
