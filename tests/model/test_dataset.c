/* SPDX-License-Identifier: Apache-2.0 */
/* Data sets defined at run time (model.h, model/dataset.c): members from
 * MMS names, the name rules, the scopes (domain- and association-
 * specific), listing beside the SCL's data sets, removal. What the change
 * observers see of them: test_observe.c. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model.h"
#include "observe.h"

/* LD "L" of IED "E" (domain "EL"): LLN0 with the SCL data sets dsA and
 * dsM; GGIO1 with an SPS Ind, an MV AnIn whose har is an array of 4
 * AnalogueValues, and a CF setting. dsS holds, written the SCL way, the
 * members the tests below build from MMS names. */
static const char scl[] =
	"<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\" version=\"2007\" revision=\"B\">\n"
	"<Header id=\"x\"/>\n"
	"<IED name=\"E\"><AccessPoint name=\"A\"><Server>\n<LDevice inst=\"L\">\n"
	"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"
	"<DataSet name=\"dsA\">\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" fc=\"ST\"/>\n"
	"</DataSet>\n"
	"<DataSet name=\"dsM\">\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn\" daName=\"mag\" fc=\"MX\"/>\n"
	"</DataSet>\n"
	"<DataSet name=\"dsS\">\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" daName=\"stVal\" fc=\"ST\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" fc=\"ST\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn\" daName=\"har(2).f\" fc=\"MX\"/>\n"
	"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn\" daName=\"har\" ix=\"1\" fc=\"MX\"/>\n"
	"</DataSet>\n"
	"</LN0>\n"
	"<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"G\"/>\n"
	"</LDevice>\n</Server></AccessPoint></IED>\n"
	"<DataTypeTemplates>\n"
	"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/></LNodeType>\n"
	"<LNodeType id=\"G\" lnClass=\"GGIO\"><DO name=\"Ind\" type=\"SPS\"/>"
	"<DO name=\"AnIn\" type=\"MV\"/></LNodeType>\n"
	"<DOType id=\"INC\" cdc=\"INC\">"
	"<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"true\"/></DOType>\n"
	"<DOType id=\"SPS\" cdc=\"SPS\">"
	"<DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\" dchg=\"true\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/></DOType>\n"
	"<DOType id=\"MV\" cdc=\"MV\">"
	"<DA name=\"mag\" bType=\"Struct\" type=\"AV\" fc=\"MX\" dchg=\"true\"/>"
	"<DA name=\"har\" bType=\"Struct\" type=\"AV\" fc=\"MX\" count=\"4\" dchg=\"true\"/>"
	"<DA name=\"db\" bType=\"INT32U\" fc=\"CF\" dchg=\"true\"/></DOType>\n"
	"<DAType id=\"AV\"><BDA name=\"f\" bType=\"FLOAT32\"/></DAType>\n"
	"</DataTypeTemplates>\n</SCL>\n";

static struct model *M;
static const struct mld *LD;
static const char *DOM;	/* "EL" */
static int owner_a, owner_b;	/* two associations' handles */

static void setup(void)
{
	char err[512];
	ck_assert_msg(model_load_scl_mem("ds.icd", scl, sizeof(scl) - 1, NULL, &M, err,
					 sizeof(err)) == 0, "%s", err);
	LD = model_find_ld_inst(M, "L");
	ck_assert_ptr_nonnull(LD);
	DOM = LD->name;
	ck_assert_str_eq(DOM, "EL");
}

static void teardown(void)
{
	model_free(M);	/* frees the run-time data sets too (ASan checks) */
	M = NULL;
}

static struct mfcda member(const char *item, int32_t ix, const char *alt)
{
	struct mfcda f;
	int r = model_fcda_from_mms(M, DOM, item, ix, alt, &f);
	ck_assert_msg(r == 0, "%s (%d) %s: %d", item, (int)ix, alt ? alt : "", r);
	return f;
}

static int fcda_err(const char *domain, const char *item, int32_t ix, const char *alt)
{
	struct mfcda f;
	return model_fcda_from_mms(M, domain, item, ix, alt, &f);
}

static void same_member(const struct mfcda *a, const struct mfcda *b, bool ref)
{
	if (ref)
		ck_assert_str_eq(a->ref, b->ref);
	ck_assert_ptr_eq(a->ld, b->ld);
	ck_assert_ptr_eq(a->ln, b->ln);
	ck_assert_ptr_eq(a->type, b->type);
	ck_assert_uint_eq(a->voff, b->voff);
	ck_assert_str_eq(a->mms_item, b->mms_item);
	ck_assert_int_eq(a->arr_index, b->arr_index);
	ck_assert_str_eq(a->alt_item, b->alt_item);
}

/* The members built from MMS names are those the SCL loader builds from
 * FCDAs: a DA, a DO (FCD), an array element's component, a whole element. */
START_TEST(fcda_from_mms_matches_the_scl)
{
	const struct mdataset *s = model_find_dataset(LD, "LLN0$dsS");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n, 4);
	struct mfcda f = member("GGIO1$ST$Ind$stVal", -1, NULL);
	same_member(&f, &s->members[0], true);
	ck_assert_str_eq(f.ref, "L/GGIO1.Ind.stVal[ST]");
	ck_assert_uint_eq(f.type->btype, MB_BOOLEAN);
	f = member("GGIO1$ST$Ind", -1, "");
	same_member(&f, &s->members[1], true);
	ck_assert_str_eq(f.ref, "L/GGIO1.Ind[ST]");
	ck_assert_uint_eq(f.type->btype, MB_STRUCT);
	f = member("GGIO1$MX$AnIn$har", 2, "f");
	same_member(&f, &s->members[2], true);
	ck_assert_str_eq(f.ref, "L/GGIO1.AnIn.har(2).f[MX]");
	ck_assert_str_eq(f.mms_item, "GGIO1$MX$AnIn$har");
	ck_assert_str_eq(f.alt_item, "f");
	ck_assert_int_eq(f.arr_index, 2);
	ck_assert_uint_eq(f.type->btype, MB_FLOAT32);
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(M, "L/GGIO1.AnIn.har(2).f[MX]", &r), 0);
	ck_assert_uint_eq(f.voff, r.voff);
	f = member("GGIO1$MX$AnIn$har", 1, NULL);
	/* the SCL's ref is as written (ix="1" is not in it); this one names
	 * the element */
	same_member(&f, &s->members[3], false);
	ck_assert_str_eq(s->members[3].ref, "L/GGIO1.AnIn.har[MX]");
	ck_assert_str_eq(f.ref, "L/GGIO1.AnIn.har(1)[MX]");
	ck_assert_uint_eq(f.type->btype, MB_STRUCT);
	/* the whole array is a member too */
	f = member("GGIO1$MX$AnIn$har", -1, NULL);
	ck_assert_uint_eq(f.type->btype, MB_ARRAY);
	ck_assert_int_eq(f.arr_index, -1);
}
END_TEST

START_TEST(fcda_from_mms_errors)
{
	/* 7-2 §9.1: FCD or FCDA only; malformed names */
	ck_assert_int_eq(fcda_err(DOM, "GGIO1", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$ST", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$ST$", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$$Ind", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "$ST$Ind", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$ST$Ind$", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har(1)", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1.ST.Ind", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "", -1, NULL), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har", -1, "f"), -EINVAL);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har", 0, "f$"), -EINVAL);
	char longi[200];
	memset(longi, 'a', sizeof(longi) - 1);
	longi[sizeof(longi) - 1] = 0;
	memcpy(longi, "GGIO1$ST$", 9);
	ck_assert_int_eq(fcda_err(DOM, longi, -1, NULL), -EINVAL);
	/* well-formed, naming nothing */
	ck_assert_int_eq(fcda_err("nope", "GGIO1$ST$Ind", -1, NULL), -ENOENT);
	ck_assert_int_eq(fcda_err("L", "GGIO1$ST$Ind", -1, NULL), -ENOENT);	/* inst, not domain */
	ck_assert_int_eq(fcda_err(DOM, "GGIO9$ST$Ind", -1, NULL), -ENOENT);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$CO$Ind", -1, NULL), -ENOENT);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$XX$Ind", -1, NULL), -ENOENT);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$ST$Nope", -1, NULL), -ENOENT);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$Ind", -1, NULL), -ENOENT);	/* Ind has no MX */
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$ST$Ind$stVal", 0, NULL), -ENOENT);	/* no array */
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har", 4, NULL), -ENOENT);	/* count 4 */
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har", 0, "g"), -ENOENT);
	ck_assert_int_eq(fcda_err(DOM, "GGIO1$MX$AnIn$har$f", -1, NULL), -ENOENT);	/* through */
}
END_TEST

static int add(const struct mld *ld, const void *owner, const char *name,
	       const struct mdataset **out)
{
	struct mfcda f[2] = { member("GGIO1$ST$Ind$stVal", -1, NULL),
			      member("GGIO1$MX$AnIn$mag", -1, NULL) };
	return model_dataset_add(M, ld, owner, name, f, 2, out);
}

START_TEST(add_copies_and_finds)
{
	struct mfcda f[2] = { member("GGIO1$ST$Ind$stVal", -1, NULL),
			      member("GGIO1$MX$AnIn$har", 3, "f") };
	const struct mdataset *ds = NULL;
	ck_assert_int_eq(model_dataset_add(M, LD, NULL, "LLN0$dyn", f, 2, &ds), 0);
	ck_assert_ptr_nonnull(ds);
	memset(f, 0, sizeof(f));	/* the members were copied */
	ck_assert_str_eq(ds->name, "LLN0$dyn");
	ck_assert_uint_eq(ds->n, 2);
	ck_assert_str_eq(ds->members[0].ref, "L/GGIO1.Ind.stVal[ST]");
	ck_assert_str_eq(ds->members[1].ref, "L/GGIO1.AnIn.har(3).f[MX]");
	ck_assert(ds->deletable);
	ck_assert_ptr_null(ds->owner);
	ck_assert_ptr_eq(ds->ln, model_find_ln(LD, "LLN0", 4));
	ck_assert_ptr_eq(model_find_dataset(LD, "LLN0$dyn"), ds);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 1);
	/* numbered after the SCL's three */
	ck_assert_uint_eq(ds->no, 3);
	ck_assert_ptr_eq(model_dataset_no(M, 3), ds);
	ck_assert_uint_eq(model_n_datasets(M), 4);
	/* a data set in another LN of the LD */
	ck_assert_int_eq(add(LD, NULL, "GGIO1$x", &ds), 0);
	ck_assert_ptr_eq(ds->ln, model_find_ln(LD, "GGIO1", 5));
	ck_assert_ptr_eq(model_find_dataset(LD, "GGIO1$x"), ds);
	ck_assert_ptr_null(model_dataset_cbs(M, ds, &(uint32_t){ 0 }));
	/* an SCL set is not deletable and has no owner */
	const struct mdataset *scl_ds = model_find_dataset(LD, "LLN0$dsA");
	ck_assert(!scl_ds->deletable);
	ck_assert_ptr_null(scl_ds->owner);
}
END_TEST

START_TEST(name_rules)
{
	static const char *bad_domain[] = {
		"LLN0$", "LLN0", "LLN0$1ds", "LLN0$a$b", "LLN0$a-b", "LLN0$a b", "$ds", "LL.N0$ds",
		"LLN0$abcdefghijabcdefghijabcdefghijabc",	/* 33 */
		"LLN0$@ds", "",
	};
	for (size_t i = 0; i < sizeof(bad_domain) / sizeof(bad_domain[0]); i++)
		ck_assert_msg(add(LD, NULL, bad_domain[i], NULL) == -EINVAL, "%s", bad_domain[i]);
	static const char *bad_aa[] = {
		"", "a$b", "LLN0$x", "9a", "a.b", "@a", "abcdefghijabcdefghijabcdefghijabc",
	};
	for (size_t i = 0; i < sizeof(bad_aa) / sizeof(bad_aa[0]); i++)
		ck_assert_msg(add(NULL, &owner_a, bad_aa[i], NULL) == -EINVAL, "%s", bad_aa[i]);
	/* 32 characters, '_', digits after the first */
	ck_assert_int_eq(add(LD, NULL, "LLN0$abcdefghijabcdefghijabcdefghijab", NULL), 0);
	ck_assert_int_eq(add(LD, NULL, "LLN0$_x9", NULL), 0);
	ck_assert_int_eq(add(NULL, &owner_a, "abcdefghijabcdefghijabcdefghijab", NULL), 0);
	ck_assert_int_eq(add(NULL, &owner_a, "d9_", NULL), 0);
	/* the LN must exist */
	ck_assert_int_eq(add(LD, NULL, "GGIO2$ds", NULL), -ENOENT);
	/* scope: exactly one of ld and owner; no members */
	ck_assert_int_eq(add(LD, &owner_a, "LLN0$ds", NULL), -EINVAL);
	ck_assert_int_eq(add(NULL, NULL, "ds", NULL), -EINVAL);
	struct mfcda f = member("GGIO1$ST$Ind", -1, NULL);
	ck_assert_int_eq(model_dataset_add(M, LD, NULL, "LLN0$ds", &f, 0, NULL), -EINVAL);
	/* an LD of another model */
	struct mld other = *LD;
	ck_assert_int_eq(add(&other, NULL, "LLN0$ds", NULL), -EINVAL);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 2);
	ck_assert_uint_eq(model_aa_n_datasets(M, &owner_a), 2);
}
END_TEST

START_TEST(exists_per_scope)
{
	ck_assert_int_eq(add(LD, NULL, "LLN0$dsA", NULL), -EEXIST);	/* the SCL's */
	ck_assert_int_eq(add(LD, NULL, "LLN0$dyn", NULL), 0);
	ck_assert_int_eq(add(LD, NULL, "LLN0$dyn", NULL), -EEXIST);
	ck_assert_int_eq(add(LD, NULL, "GGIO1$dyn", NULL), 0);	/* another LN */
	ck_assert_int_eq(add(NULL, &owner_a, "dyn", NULL), 0);
	ck_assert_int_eq(add(NULL, &owner_a, "dyn", NULL), -EEXIST);
	ck_assert_int_eq(add(NULL, &owner_b, "dyn", NULL), 0);	/* another association */
	ck_assert_int_eq(add(NULL, &owner_a, "dsA", NULL), 0);	/* not the LD's scope */
}
END_TEST

static void expect_listing(const char *const *names, uint32_t n)
{
	ck_assert_uint_eq(model_ld_n_datasets(LD), n);
	for (uint32_t i = 0; i < n; i++) {
		const struct mdataset *ds = model_ld_dataset(LD, i);
		ck_assert_ptr_nonnull(ds);
		ck_assert_str_eq(ds->name, names[i]);
		ck_assert_ptr_eq(model_find_dataset(LD, names[i]), ds);
	}
	ck_assert_ptr_null(model_ld_dataset(LD, n));
}

START_TEST(listing_mixes_scl_and_runtime)
{
	static const char *const scl_only[] = { "LLN0$dsA", "LLN0$dsM", "LLN0$dsS" };
	expect_listing(scl_only, 3);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 0);
	const struct mdataset *aa, *bb;
	ck_assert_int_eq(add(LD, NULL, "LLN0$zz", NULL), 0);
	ck_assert_int_eq(add(LD, NULL, "LLN0$dsB", &bb), 0);
	ck_assert_int_eq(add(LD, NULL, "GGIO1$aa", &aa), 0);
	ck_assert_int_eq(add(LD, NULL, "LLN0$dsAA", NULL), 0);
	ck_assert_int_eq(add(NULL, &owner_a, "LLN0", NULL), 0);	/* not listed in the LD */
	static const char *const mixed[] = { "GGIO1$aa", "LLN0$dsA", "LLN0$dsAA", "LLN0$dsB",
					     "LLN0$dsM", "LLN0$dsS", "LLN0$zz" };
	expect_listing(mixed, 7);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 4);
	ck_assert_int_eq(model_dataset_remove(M, bb), 0);
	ck_assert_int_eq(model_dataset_remove(M, aa), 0);
	static const char *const after[] = { "LLN0$dsA", "LLN0$dsAA", "LLN0$dsM", "LLN0$dsS",
					     "LLN0$zz" };
	expect_listing(after, 5);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 2);
	ck_assert_ptr_null(model_find_dataset(LD, "LLN0$dsB"));
	/* the name is free again */
	ck_assert_int_eq(add(LD, NULL, "LLN0$dsB", NULL), 0);
	ck_assert_ptr_nonnull(model_find_dataset(LD, "LLN0$dsB"));
}
END_TEST

START_TEST(association_specific_sets)
{
	const struct mdataset *b, *a, *c;
	ck_assert_int_eq(add(NULL, &owner_a, "b", &b), 0);
	ck_assert_int_eq(add(NULL, &owner_a, "a", &a), 0);
	ck_assert_int_eq(add(NULL, &owner_b, "c", &c), 0);
	ck_assert_ptr_eq(a->owner, &owner_a);
	ck_assert_ptr_null(a->ln);
	ck_assert(a->deletable);
	ck_assert_str_eq(a->name, "a");
	ck_assert_uint_eq(model_aa_n_datasets(M, &owner_a), 2);
	ck_assert_ptr_eq(model_aa_dataset(M, &owner_a, 0), a);
	ck_assert_ptr_eq(model_aa_dataset(M, &owner_a, 1), b);
	ck_assert_ptr_null(model_aa_dataset(M, &owner_a, 2));
	ck_assert_uint_eq(model_aa_n_datasets(M, &owner_b), 1);
	ck_assert_ptr_eq(model_aa_dataset(M, &owner_b, 0), c);
	ck_assert_uint_eq(model_aa_n_datasets(M, &M), 0);
	ck_assert_ptr_null(model_aa_dataset(M, &M, 0));
	ck_assert_uint_eq(model_aa_n_datasets(M, NULL), 0);
	ck_assert_ptr_eq(model_find_aa_dataset(M, &owner_a, "b"), b);
	ck_assert_ptr_null(model_find_aa_dataset(M, &owner_b, "b"));
	ck_assert_ptr_null(model_find_aa_dataset(M, NULL, "b"));
	ck_assert_ptr_null(model_find_dataset(LD, "b"));
	ck_assert_uint_eq(model_ld_n_datasets(LD), 3);	/* the LD's listing: SCL only */
	/* the association ends: its sets go, the other's stay */
	ck_assert_uint_eq(model_dataset_remove_owner(M, &owner_a), 2);
	ck_assert_uint_eq(model_aa_n_datasets(M, &owner_a), 0);
	ck_assert_ptr_null(model_find_aa_dataset(M, &owner_a, "a"));
	ck_assert_ptr_eq(model_find_aa_dataset(M, &owner_b, "c"), c);
	ck_assert_uint_eq(model_dataset_remove_owner(M, &owner_a), 0);
	ck_assert_uint_eq(model_dataset_remove_owner(M, NULL), 0);
	/* the numbers of a and b are free again: the next set takes the lowest */
	const struct mdataset *d;
	ck_assert_int_eq(add(NULL, &owner_a, "d", &d), 0);
	ck_assert_uint_eq(d->no, 3);
	ck_assert_uint_eq(c->no, 5);
	ck_assert_ptr_null(model_dataset_no(M, 4));
	ck_assert_uint_eq(model_n_datasets(M), 6);
}
END_TEST

START_TEST(remove_rules)
{
	const struct mdataset *scl_ds = model_find_dataset(LD, "LLN0$dsA");
	ck_assert_int_eq(model_dataset_remove(M, scl_ds), -EPERM);
	ck_assert_ptr_eq(model_find_dataset(LD, "LLN0$dsA"), scl_ds);
	struct mdataset fake = { .no = 0, .deletable = true };
	ck_assert_int_eq(model_dataset_remove(M, &fake), -ENOENT);
	fake.no = 99;
	ck_assert_int_eq(model_dataset_remove(M, &fake), -ENOENT);
	ck_assert_int_eq(model_dataset_remove(M, NULL), -ENOENT);
	const struct mdataset *ds;
	ck_assert_int_eq(add(LD, NULL, "LLN0$dyn", &ds), 0);
	ck_assert_uint_eq(model_n_datasets(M), 4);
	ck_assert_int_eq(model_dataset_remove(M, ds), 0);
	ck_assert_uint_eq(model_n_datasets(M), 3);	/* the table shrinks back */
	ck_assert_ptr_null(model_dataset_no(M, 3));
	ck_assert_ptr_null(model_find_dataset(LD, "LLN0$dyn"));
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 0);
}
END_TEST

/* Many sets come and go: numbers stay dense, lookups stay right (and
 * ASan sees every set freed once, the rest at model_free). */
START_TEST(many_sets)
{
	const struct mdataset *ds[200];
	char name[40];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "LLN0$s%03d", 199 - i);
		ck_assert_int_eq(add(LD, NULL, name, &ds[i]), 0);
		ck_assert_uint_eq(ds[i]->no, 3 + (uint32_t)i);
	}
	ck_assert_uint_eq(model_ld_n_datasets(LD), 203);
	ck_assert_str_eq(model_ld_dataset(LD, 3)->name, "LLN0$s000");
	ck_assert_ptr_eq(model_ld_dataset(LD, 3), ds[199]);
	for (int i = 0; i < 200; i += 2)
		ck_assert_int_eq(model_dataset_remove(M, ds[i]), 0);
	ck_assert_uint_eq(model_ld_n_dynamic(LD), 100);
	ck_assert_uint_eq(model_n_datasets(M), 3 + 200);	/* the last one lives */
	for (int i = 1; i < 200; i += 2)
		ck_assert_ptr_eq(model_dataset_no(M, ds[i]->no), ds[i]);
	/* the lowest free number is taken first */
	const struct mdataset *n;
	ck_assert_int_eq(add(LD, NULL, "LLN0$new", &n), 0);
	ck_assert_uint_eq(n->no, 3);
	ck_assert_int_eq(add(NULL, &owner_a, "x", &n), 0);
	ck_assert_uint_eq(n->no, 5);
}
END_TEST

static Suite *dataset_suite(void)
{
	Suite *s = suite_create("dataset");
	TCase *tc = tcase_create("dataset");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fcda_from_mms_matches_the_scl);
	tcase_add_test(tc, fcda_from_mms_errors);
	tcase_add_test(tc, add_copies_and_finds);
	tcase_add_test(tc, name_rules);
	tcase_add_test(tc, exists_per_scope);
	tcase_add_test(tc, listing_mixes_scl_and_runtime);
	tcase_add_test(tc, association_specific_sets);
	tcase_add_test(tc, remove_rules);
	tcase_add_test(tc, many_sets);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(dataset_suite)
