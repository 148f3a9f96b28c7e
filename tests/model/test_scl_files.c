/* SPDX-License-Identifier: Apache-2.0 */
/* The SCL files in ../shared/scl, written elsewhere by tools and people
 * that are not us: each loads (the IED named where a file has several),
 * the known-bad ones are refused with a message naming the fault, none
 * prints anything; known references resolve to the expected types and
 * initial values. Skipped (exit 77) when the directory is absent. */
#include <dirent.h>
#include <errno.h>

#include "helpers.h"

static const char *scl_dir;

struct file_case {
	const char *file;
	const char *ied;	/* NULL: the only IED */
	const char *fault[3];	/* KNOWN-BAD: words of the message */
	long line;		/* KNOWN-BAD: the line it names (0: none) */
};

static const struct file_case files[] = {
	{ "411L.CID", NULL },
	{ "Ed2TestIED.icd", NULL },
	{ "MessageBindingGOOSE2007B4.scd", "IED3" },
	{ "MessageBindingGOOSE2007B4.scd", "IED4" },
	{ "SE_MasterPact_MTZ-F01_E2V01.icd", NULL },
	{ "TR3000.icd", NULL },
	{ "array.icd", NULL },
	{ "beagle_demo.icd", NULL },
	{ "cid_example_deadband.cid", NULL },
	{ "complexModel.icd", NULL },
	{ "inverter_with_report.icd", NULL },
	{ "sample-model.icd", NULL },
	{ "sampleModel_with_dataset.icd", NULL },
	{ "simpleIO_direct_control_goose.cid", NULL },
	{ "sisco_sample_ed2.scd", "E1Q1SB1" },
	{ "sisco_sample_ed2.scd", "GOOSEPUB" },
	{ "sisco_sample_ed2.scd", "SVPUB" },
	{ "valid2003.scd", "IED1" },
	{ "valid2003.scd", "IED2" },
	{ "valid2003.scd", "IED3" },
	{ "valid2007B4.scd", "IED1" },
	{ "valid2007B4.scd", "IED3" },
	{ "wtur.cid", NULL },
	/* KNOWN-BAD */
	{ "DOTypeReferingDirectlyToItself.scl", NULL,
	  { "SDO 'sdo' in DOType 'doType' refers to DOType 'doType'", "type cycle" }, 10 },
	{ "invalid-not-xml.scd", NULL, { "not well-formed XML" }, 6 },
	{ "sampleModel_errors.icd", NULL, { "AccessPoint in IED 'SampleIED' has no name attribute" },
	  20 },
	/* several IEDs and none named: the message lists them */
	{ "valid2003.scd", NULL, { "3 IEDs (IED1, IED2, IED3)", "--ied NAME", "<scl ied=\"NAME\">" } },
	{ "sisco_sample_ed2.scd", NULL, { "4 IEDs (Client1, E1Q1SB1, GOOSEPUB, SVPUB)" } },
	/* an IED that is only a client serves nothing */
	{ "sisco_sample_ed2.scd", "Client1", { "IED 'Client1' has no AccessPoint with a Server" }, 127 },
};

static const char *path_of(const char *file)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", scl_dir, file);
	return path;
}

START_TEST(each_file)
{
	const struct file_case *c = &files[_i];
	char err[1024];
	struct model *m = NULL;
	const char *path = path_of(c->file);
	int r = load_quiet(path, c->ied, &m, err, sizeof(err));
	if (!c->fault[0]) {
		ck_assert_msg(r == 0, "%s (%s): %s", c->file, c->ied ? c->ied : "-", err);
		ck_assert_uint_ge(m->n_ld, 1);
		ck_assert_str_eq(m->scl_file, path);
		if (c->ied)
			ck_assert_str_eq(m->ied_name, c->ied);
		/* every LN resolves by its name, in every LD, and its MMS type
		 * description starts as a structure */
		for (uint32_t i = 0; i < m->n_ld; i++) {
			const struct mld *ld = &m->lds[i];
			ck_assert_ptr_eq(model_find_ld(m, ld->name), ld);
			ck_assert_ptr_eq(model_find_ld_inst(m, ld->inst), ld);
			ck_assert_ptr_nonnull(model_find_ln(ld, "LLN0", 4));
			for (uint32_t k = 0; k < ld->n_ln; k++) {
				const struct mln *ln = &ld->lns[k];
				struct mref ref;
				ck_assert_ptr_eq(model_find_ln(ld, ln->name, strlen(ln->name)), ln);
				ck_assert_int_eq(model_resolve_mms(m, ld->name, ln->name, &ref), 0);
				ck_assert_uint_eq(ln->type->typedesc[0], 0xA2);
				ck_assert_uint_le(ln->vbase + ln->type->size, m->values_size);
				/* whole-LN encode: the values are well formed */
				struct buf b;
				buf_init(&b, 0, 0);
				model_encode_data(m, ln->type, ln->vbase, &b);
				ck_assert_int_eq(b.err, 0);
				ck_assert_uint_eq(buf_data(&b)[0], 0xA2);
				buf_clear(&b);
			}
			for (uint32_t k = 0; k < ld->n_ds; k++)
				ck_assert_ptr_eq(model_find_dataset(ld, ld->datasets[k].name),
						 &ld->datasets[k]);
		}
		model_free(m);
		return;
	}
	ck_assert_msg(r < 0, "%s: loaded, but it is known to be bad", c->file);
	ck_assert_ptr_null(m);
	char prefix[1100];
	if (c->line)
		snprintf(prefix, sizeof(prefix), "%s:%ld: ", path, c->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "'%s' does not start with '%s'", err,
		      prefix);
	for (int i = 0; i < 3 && c->fault[i]; i++)
		ck_assert_msg(strstr(err, c->fault[i]), "'%s' lacks '%s'", err, c->fault[i]);
}
END_TEST

/* A file added to the directory later must load as well (named in the
 * table above when it has several IEDs or is known to be bad). */
START_TEST(no_file_forgotten)
{
	DIR *d = opendir(scl_dir);
	struct dirent *e;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
			continue;
		bool listed = false;
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			listed |= !strcmp(files[i].file, e->d_name);
		if (listed)
			continue;
		char err[1024];
		struct model *m;
		int r = load_quiet(path_of(e->d_name), NULL, &m, err, sizeof(err));
		ck_assert_msg(r == 0, "%s: %s", e->d_name, err);
		model_free(m);
	}
	closedir(d);
}
END_TEST

static struct model *load(const char *file, const char *ied)
{
	char err[1024];
	struct model *m;
	int r = load_quiet(path_of(file), ied, &m, err, sizeof(err));
	ck_assert_msg(r == 0, "%s: %s", file, err);
	return m;
}

/* Resolves `ref` and checks its basic type and, if given, its text. */
static void expect(const struct model *m, const char *ref, uint8_t btype, const char *value)
{
	struct mref r;
	char t[512];
	int e = model_resolve_ref(m, ref, &r);
	ck_assert_msg(e == 0, "%s: %d", ref, e);
	ck_assert_msg(r.type->btype == btype, "%s: %s, not %s", ref, model_btype_name(r.type->btype),
		      model_btype_name(btype));
	if (value) {
		model_get_text(m, r.type, r.voff, t, sizeof(t));
		ck_assert_msg(!strcmp(t, value), "%s = '%s', not '%s'", ref, t, value);
	}
}

START_TEST(wtur)
{
	struct model *m = load("wtur.cid", NULL);
	ck_assert_str_eq(m->ied_name, "WIND");
	const struct mld *ld = model_find_ld(m, "WINDWTG");
	ck_assert_ptr_nonnull(ld);
	const struct mln *ln = model_find_ln(ld, "WTUR1", 5);
	ck_assert_ptr_nonnull(ln);
	ck_assert_str_eq(ln->ln_class, "WTUR");
	expect(m, "WTG/WTUR1.W.mag.f[MX]", MB_FLOAT32, "0");
	expect(m, "WTG/WTUR1.TotWh.actCtVal.stVal[ST]", MB_INT32, "0");
	expect(m, "WTG/WTUR1.TotWh.ctTot[ST]", MB_INT32U, "0");
	expect(m, "WTG/WTUR1.TotWh.dly[ST]", MB_ARRAY, NULL);
	expect(m, "WTG/WTUR1.TotWh.dly(31)[ST]", MB_INT32U, "0");
	expect(m, "WTG/LLN0.Mod.ctlModel[CF]", MB_ENUM, "status-only");
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(m, "WINDWTG", "WTUR1$ST$TotWh$mly", &r), 0);
	ck_assert_uint_eq(r.type->count, 13);
	/* array [13] of unsigned(32) */
	static const uint8_t td[] = { 0xA1, 0x08, 0x81, 0x01, 0x0D, 0xA2, 0x03, 0x86, 0x01, 0x20 };
	ck_assert_mem(r.type->typedesc, r.type->typedesc_len, td, sizeof(td));
	model_free(m);
}
END_TEST

START_TEST(sample_model)
{
	struct model *m = load("sample-model.icd", NULL);
	expect(m, "lDevice1/CSWI1.PosA.sboTimeout[CF]", MB_INT32U, "1000");
	expect(m, "ied1lDevice1/CSWI1.PosA.ctlModel[CF]", MB_ENUM, "sbo-with-normal-security");
	expect(m, "lDevice1/CSWI1.PosB.ctlModel", MB_ENUM, "direct-with-enhanced-security");
	expect(m, "lDevice1/CSWI1.Pos.ctlModel[CF]", MB_ENUM, "direct-with-normal-security");
	expect(m, "lDevice1/MMXU1.TotW.mag.f[MX]", MB_FLOAT32, "0");
	expect(m, "lDevice1/LLN0.Mod.ctlModel[CF]", MB_ENUM, "status-only");
	model_free(m);
}
END_TEST

START_TEST(deadband)
{
	struct model *m = load("cid_example_deadband.cid", NULL);
	expect(m, "LD1/AnInGGIO1.AnIn1.db[CF]", MB_INT32U, "10000");
	expect(m, "LD1/AnInGGIO1.AnIn1.zeroDb[CF]", MB_INT32U, "1000");
	expect(m, "LD1/AnInGGIO1.AnIn2.db[CF]", MB_INT32U, "1000");
	expect(m, "LD1/AnInGGIO1.AnIn3.rangeC.min.f[CF]", MB_FLOAT32, "-5");
	expect(m, "LD1/AnInGGIO1.AnIn3.rangeC.max.f[CF]", MB_FLOAT32, "5");
	expect(m, "LD1/AnInGGIO1.AnIn1.mag.f[MX]", MB_FLOAT32, "0");
	expect(m, "LD1/LLN0.Mod.stVal[ST]", MB_ENUM, "on");
	const struct mld *ld = model_find_ld_inst(m, "LD1");
	const struct mdataset *ds = model_find_dataset(ld, "LLN0$AnalogEvents");
	ck_assert_ptr_nonnull(ds);
	ck_assert_uint_eq(ds->n, 4);
	ck_assert_str_eq(ds->members[0].mms_item, "AnInGGIO1$MX$AnIn1");
	ck_assert_uint_eq(ld->n_cb, 2);
	model_free(m);
}
END_TEST

START_TEST(arrays)
{
	struct model *m = load("array.icd", NULL);
	/* count="numHar": the Val of numHar (3) sizes the array */
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, "LD0/MHAI1.HA.sqHar[MX]", &r), 0);
	ck_assert_uint_eq(r.type->count, 3);
	ck_assert_int_eq(model_resolve_ref(m, "LD0/MHAI1.HA.phsAHar[MX]", &r), 0);
	ck_assert_uint_eq(r.type->count, 16);
	expect(m, "LD0/MHAI1.HA.numHar[MX]", MB_INT16U, "3");
	const struct mdataset *ds = model_find_dataset(model_find_ld_inst(m, "LD0"), "LLN0$dsHar");
	ck_assert_ptr_nonnull(ds);
	ck_assert_uint_eq(ds->n, 4);
	static const struct { int32_t ix; const char *alt; uint8_t bt; } exp[] = {
		{ 0, "", MB_STRUCT }, { 1, "cVal", MB_STRUCT }, { 2, "cVal$mag$f", MB_FLOAT32 },
		{ -1, "", MB_INT16U },
	};
	for (int i = 0; i < 4; i++) {
		const struct mfcda *f = &ds->members[i];
		ck_assert_str_eq(f->mms_item, i < 3 ? "MHAI1$MX$HA$phsAHar" : "MHAI1$MX$HA$numHar");
		ck_assert_int_eq(f->arr_index, exp[i].ix);
		ck_assert_str_eq(f->alt_item, exp[i].alt);
		ck_assert_uint_eq(f->type->btype, exp[i].bt);
	}
	ck_assert_int_eq(model_resolve_ref(m, "LD0/MHAI1.HA.phsAHar(2).cVal.mag.f[MX]", &r), 0);
	ck_assert_uint_eq(ds->members[2].voff, r.voff);
	model_free(m);

	/* "(n)" and ix together (SISCO's sample) */
	m = load("sisco_sample_ed2.scd", "E1Q1SB1");
	const struct mld *ld = model_find_ld_inst(m, "C1");
	ck_assert_ptr_nonnull(ld);
	bool found = false;
	for (uint32_t i = 0; i < ld->n_ds; i++)
		for (uint32_t k = 0; k < ld->datasets[i].n; k++) {
			const struct mfcda *f = &ld->datasets[i].members[k];
			if (f->arr_index == 3 && !strcmp(f->alt_item, "cVal")) {
				ck_assert_str_eq(f->mms_item, "MHAI1$MX$HA$phsAHar");
				found = true;
			}
		}
	ck_assert(found);
	/* RptEnabled/ClientLN: Client1's AccessPoint S1 is 10.0.0.2 in the
	 * Communication section; the first instance is pre-assigned to it */
	static const uint8_t client1[4] = { 10, 0, 0, 2 };
	uint32_t pre = 0;
	for (uint32_t k = 0; k < model_n_rcbs(m); k++) {
		const struct mrcb *rc = model_rcb(m, k);
		ck_assert(!rc->preassigned_unresolved);
		if (!rc->preassigned_len)
			continue;
		pre++;
		ck_assert_uint_eq(rc->inst, 1);
		ck_assert(!strcmp(rc->name, "PosReport01") || !strcmp(rc->name, "PosReport201") ||
			  !strcmp(rc->name, "MeaReport01"));
		ck_assert_uint_eq(rc->preassigned_len, 4);
		ck_assert_mem_eq(rc->preassigned_addr, client1, 4);
		ck_assert_str_eq(rc->preassigned_ied, "Client1");
	}
	ck_assert_uint_eq(pre, 3);
	model_free(m);
}
END_TEST

/* Vendor Val forms the XML schema types do not allow are taken with a
 * warning (doc/scl-findings.md): Schneider's export writes BOOLEAN "TRUE"
 * and "FALSE", Ametek's an Enum by ordinal. --strict would refuse both. */
START_TEST(vendor_val_forms)
{
	struct model *m = load("SE_MasterPact_MTZ-F01_E2V01.icd", NULL);
	ck_assert_uint_gt(model_n_warnings(m), 0);
	bool seen = false;
	long last = 0;
	for (uint32_t i = 0; i < model_n_warnings(m); i++) {
		long line;
		const char *text = model_finding_split(path_of("SE_MasterPact_MTZ-F01_E2V01.icd"),
						       model_warning(m, i), &line);
		ck_assert_int_ge(line, last);	/* in line order */
		last = line;
		seen |= strstr(text, "Val 'TRUE' is not an xs:boolean; taken as true") != NULL;
	}
	ck_assert(seen);
	char err[1024];
	ck_assert_int_eq(model_strict(m, err, sizeof(err)), -EINVAL);
	model_free(m);

	m = load("TR3000.icd", NULL);
	/* one Val finding, and its ten routable-GOOSE GSEs (IP, no MAC: not sent) */
	ck_assert_uint_eq(model_n_warnings(m), 11);
	uint32_t n_val = 0, n_rgoose = 0;
	for (uint32_t i = 0; i < model_n_warnings(m); i++) {
		n_val += strstr(model_warning(m, i), "DAI 'Mod.stVal' of LN 'LGOS1': Val '1'"
				" is an ordinal of EnumType 'Mod'") != NULL;
		n_rgoose += strstr(model_warning(m, i), "(routable GOOSE)") != NULL;
	}
	ck_assert_uint_eq(n_val, 1);
	ck_assert_uint_eq(n_rgoose, 10);
	struct mref r;
	char got[32];
	const struct mln *ln = NULL;
	for (uint32_t i = 0; i < m->n_ld && !ln; i++)
		ln = model_find_ln(&m->lds[i], "LGOS1", 5);
	ck_assert_ptr_nonnull(ln);
	char ref[160];
	snprintf(ref, sizeof(ref), "%s/LGOS1.Mod.stVal[ST]", ln->ld->name);
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	model_get_text(m, r.type, r.voff, got, sizeof(got));
	ck_assert_str_eq(got, "on");
	model_free(m);
}
END_TEST

START_TEST(big_files)
{
	struct model *m = load("TR3000.icd", NULL);
	uint32_t nds = 0, ncb = 0, nln = 0;
	for (uint32_t i = 0; i < m->n_ld; i++) {
		nds += m->lds[i].n_ds;
		ncb += m->lds[i].n_cb;
		nln += m->lds[i].n_ln;
	}
	ck_assert_uint_eq(nds, 106);
	ck_assert_uint_gt(ncb, 21);
	ck_assert_uint_gt(nln, 400);
	model_free(m);

	m = load("411L.CID", NULL);
	ck_assert_str_eq(m->ied_name, "SEL_411L_1");
	ck_assert_uint_eq(m->n_ld, 5);
	model_free(m);

	m = load("Ed2TestIED.icd", NULL);
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, "Telemetry/MHAI1.HA.phsAHar[MX]", &r), 0);
	ck_assert_uint_eq(r.type->btype, MB_ARRAY);
	ck_assert_uint_eq(r.type->count, 16);
	ck_assert_uint_eq(r.type->trgops, MODEL_TRG_DCHG | MODEL_TRG_DUPD);
	model_free(m);
}
END_TEST

/* valid2007B4's IED1 has instance data its types do not have: tolerated,
 * with a warning naming the line. */
START_TEST(warnings)
{
	struct model *m = load("valid2007B4.scd", "IED1");
	ck_assert_uint_gt(model_n_warnings(m), 0);
	bool found = false;
	for (uint32_t i = 0; i < model_n_warnings(m); i++)
		found |= strstr(model_warning(m, i), "valid2007B4.scd:164: SDI 'pulseConfig'") != NULL;
	ck_assert(found);
	model_free(m);
	m = load("valid2003.scd", "IED1");
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), "EnumType 'Beh' is not defined"));
	model_free(m);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("scl-files");
	TCase *tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, each_file, 0, (int)(sizeof(files) / sizeof(files[0])));
	tcase_add_test(tc, no_file_forgotten);
	tcase_add_test(tc, wtur);
	tcase_add_test(tc, sample_model);
	tcase_add_test(tc, deadband);
	tcase_add_test(tc, arrays);
	tcase_add_test(tc, big_files);
	tcase_add_test(tc, vendor_val_forms);
	tcase_add_test(tc, warnings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	scl_dir = getenv("IEDD_SCL_DIR");
	DIR *d = scl_dir ? opendir(scl_dir) : NULL;
	if (!d) {
		printf("1..0 # SKIP %s: no SCL directory\n", scl_dir ? scl_dir : "IEDD_SCL_DIR unset");
		return 77;
	}
	closedir(d);
	SRunner *sr = srunner_create(files_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
