/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE subscriptions from Inputs/ExtRef (model/gsub.c, gse.h): the
 * two-IED test SCD (tests/model/scl/goose_two_ied.scd) served as the
 * subscriber, and the ../shared/scl files that have ExtRefs. */
#include "gse.h"
#include "helpers.h"

static const char *two_ied(void)
{
	const char *p = getenv("IEDD_GSUB_SCD");
	ck_assert_ptr_nonnull(p);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static struct model *load(const char *path, const char *ied)
{
	char err[512];
	struct model *m = NULL;
	ck_assert_msg(model_load_scl(path, ied, &m, err, sizeof(err)) == 0, "%s", err);
	return m;
}

/* Whether a warning on `line` contains `text`. */
static bool warned(const struct model *m, long line, const char *text)
{
	for (uint32_t i = 0; i < model_n_warnings(m); i++) {
		long l;
		const char *w = model_finding_split(m->scl_file, model_warning(m, i), &l);
		if (l == line && strstr(w, text))
			return true;
	}
	return false;
}

static void expect_in(const struct model *m, const struct mgoose_input *in, const char *ref)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	ck_assert_ptr_eq(in->dst_type, r.type);
	ck_assert_uint_eq(in->dst_voff, r.voff);
}

START_TEST(ed2_and_ed1_subscriptions)
{
	struct model *m = load(two_ied(), "BIED");
	const char *text = slurp(two_ied());
	ck_assert_uint_eq(model_n_goose_subs(m), 2);
	const struct mgoose_sub *s = model_goose_sub(m, 0);
	ck_assert_str_eq(s->ied, "AIED");
	ck_assert_str_eq(s->gocb_ref, "AIEDLD0/LLN0$GO$GCB1");
	ck_assert_str_eq(s->dat_set, "AIEDLD0/LLN0$DS1");
	ck_assert_str_eq(s->go_id, "AIED_GCB1");
	ck_assert_uint_eq(s->conf_rev, 3);
	ck_assert(s->has_addr);
	ck_assert_uint_eq(s->addr.appid, 0x1001);
	const uint8_t mac[6] = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 };
	ck_assert_mem(s->addr.mac, 6, mac, 6);
	ck_assert_uint_eq(s->n_members, 5);
	ck_assert_uint_eq(s->member_type[0]->btype, MB_BOOLEAN);
	ck_assert_uint_eq(s->member_type[1]->btype, MB_QUALITY);
	ck_assert_uint_eq(s->member_type[2]->btype, MB_STRUCT);	/* Pos[ST]: stVal, q, t */
	ck_assert_uint_eq(s->member_type[2]->n, 3);
	ck_assert_uint_eq(s->member_type[3]->btype, MB_FLOAT32);
	ck_assert_ptr_nonnull(s->lgos);
	ck_assert_str_eq(s->lgos->name, "LGOS1");
	/* ind1, ind1q, pos, mag, magq (no intAddr), badtype (not delivered) */
	ck_assert_uint_eq(s->n_inputs, 6);
	ck_assert_uint_eq(s->inputs[0].member, 0);
	expect_in(m, &s->inputs[0], "LD0/GGIO1.Ind1.stVal[ST]");	/* relative form */
	ck_assert(s->inputs[0].has_q && s->inputs[0].has_t);
	struct mref q;
	ck_assert_int_eq(model_resolve_ref(m, "LD0/GGIO1.Ind1.q[ST]", &q), 0);
	ck_assert_uint_eq(s->inputs[0].q_voff, q.voff);
	ck_assert_uint_eq(s->inputs[1].member, 1);
	expect_in(m, &s->inputs[1], "LD0/GGIO1.Ind1.q[ST]");		/* full form */
	ck_assert_uint_eq(s->inputs[2].member, 2);
	expect_in(m, &s->inputs[2], "LD0/GGIO1.Pos[ST]");		/* a DO */
	ck_assert_uint_eq(s->inputs[3].member, 3);
	expect_in(m, &s->inputs[3], "LD0/GGIO1.AnIn1.mag.f[MX]");
	ck_assert(s->inputs[3].has_q);	/* AnIn1.q, two levels up */
	ck_assert_uint_eq(s->inputs[4].member, 4);
	ck_assert_ptr_null(s->inputs[4].dst_type);
	ck_assert_ptr_null(s->inputs[5].dst_type);
	ck_assert_uint_eq(s->inputs[0].line, (uint32_t)line_of(text, "m:ind1 "));

	const struct mgoose_sub *e1 = model_goose_sub(m, 1);
	ck_assert_str_eq(e1->gocb_ref, "AIEDLD0/LLN0$GO$GCB2");	/* found through DS2 */
	ck_assert_str_eq(e1->go_id, "AIEDLD0/LLN0$GO$GCB2");	/* no appID: the reference */
	ck_assert(!e1->has_addr);
	ck_assert_uint_eq(e1->conf_rev, 1);
	ck_assert_uint_eq(e1->n_members, 1);
	ck_assert_uint_eq(e1->n_inputs, 1);
	expect_in(m, &e1->inputs[0], "LD0/GGIO1.Ind3.stVal[ST]");
	ck_assert_ptr_null(e1->lgos);

	ck_assert(warned(m, line_of(text, "m:ind1 "), "1 ExtRef without intAddr"));
	ck_assert(warned(m, line_of(text, "m:badtype"), "the member is BOOLEAN, the target is FLOAT32"));
	ck_assert(warned(m, line_of(text, "m:inside"), "inside a data object"));
	ck_assert(warned(m, line_of(text, "m:ed1"), "no GSE"));
	ck_assert(warned(m, line_of(text, "m:unpub"), "no GSEControl of IED 'AIED' publishes it"));
	/* internal and Report ExtRefs are no GOOSE input and say nothing */
	ck_assert(!warned(m, line_of(text, "m:internal"), ""));
	ck_assert(!warned(m, line_of(text, "m:report"), ""));
	ck_assert_uint_eq(model_n_warnings(m), 5);
	model_free(m);
}
END_TEST

START_TEST(publisher_has_none)
{
	struct model *m = load(two_ied(), "AIED");
	ck_assert_uint_eq(model_n_goose_subs(m), 0);
	ck_assert_ptr_null(model_goose_sub(m, 0));
	model_free(m);
}
END_TEST

static const char *shared(const char *name)
{
	static char p[512];
	const char *d = getenv("IEDD_SCL_DIR");
	snprintf(p, sizeof(p), "%s/%s", d ? d : "", name);
	return d && access(p, R_OK) == 0 ? p : NULL;
}

START_TEST(message_binding_scd)
{
	const char *p = shared("MessageBindingGOOSE2007B4.scd");
	if (!p)
		return;
	struct model *m = load(p, "IED1");
	ck_assert_uint_eq(model_n_goose_subs(m), 1);
	const struct mgoose_sub *s = model_goose_sub(m, 0);
	ck_assert_str_eq(s->gocb_ref, "IED2CBSW/LLN0$GO$GCB");
	ck_assert_str_eq(s->dat_set, "IED2CBSW/LLN0$GooseDataSet1");
	ck_assert_uint_eq(s->n_members, 3);
	ck_assert_uint_eq(s->n_inputs, 3);
	for (uint32_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(s->inputs[i].member, i);
		ck_assert_ptr_null(s->inputs[i].dst_type);	/* no intAddr in the file */
	}
	/* its LGOS1 names it as "IED2CBSW/LLN0.GCB" */
	ck_assert_ptr_nonnull(s->lgos);
	ck_assert_str_eq(s->lgos->name, "LGOS1");
	model_free(m);
	m = load(p, "IED4");
	ck_assert_uint_eq(model_n_goose_subs(m), 1);
	ck_assert_uint_eq(model_goose_sub(m, 0)->n_inputs, 2);
	model_free(m);
}
END_TEST

START_TEST(sisco_scd)
{
	const char *p = shared("sisco_sample_ed2.scd");
	if (!p)
		return;
	struct model *m = load(p, "E1Q1SB1");
	ck_assert_uint_eq(model_n_goose_subs(m), 1);
	const struct mgoose_sub *s = model_goose_sub(m, 0);
	ck_assert_str_eq(s->gocb_ref, "GOOSEPUBC1/LLN0$GO$ItlPositions");
	ck_assert_uint_eq(s->conf_rev, 5);
	ck_assert(s->has_addr);
	ck_assert_uint_eq(s->n_inputs, 0);	/* prefix mypref names no member: a warning */
	model_free(m);
}
END_TEST

START_TEST(valid2007b4_scd)
{
	const char *p = shared("valid2007B4.scd");
	if (!p)
		return;
	struct model *m = load(p, "IED1");
	ck_assert_uint_eq(model_n_goose_subs(m), 1);
	const struct mgoose_sub *s = model_goose_sub(m, 0);
	ck_assert_str_eq(s->gocb_ref, "IED2CBSW/LLN0$GO$GCB");
	/* Pos.stVal (srcCBName, intAddr "intAddr" names nothing) and Pos.q
	 * (Ed.1 form, found through IED2's data set) */
	ck_assert_uint_eq(s->n_inputs, 2);
	ck_assert_ptr_null(s->inputs[0].dst_type);
	const char *text = slurp(p);
	ck_assert(warned(m, line_of(text, "intAddr=\"intAddr\""), "names no attribute"));
	model_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gsub");
	TCase *tc = tcase_create("extref");
	tcase_add_test(tc, ed2_and_ed1_subscriptions);
	tcase_add_test(tc, publisher_has_none);
	tcase_add_test(tc, message_binding_scd);
	tcase_add_test(tc, sisco_scd);
	tcase_add_test(tc, valid2007b4_scd);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
