/* SPDX-License-Identifier: Apache-2.0 */
/* The data model: type descriptions byte for byte, MMS Data encoding and
 * decoding of every basic type (round trips and refusals), text forms,
 * lookups by MMS name and object reference, data sets and control blocks,
 * each class of broken SCL (message with file, line and fault), and a
 * generated 1,000-LN model. */
#include <errno.h>
#include <time.h>

#include "helpers.h"

/* One LN type with a DA of every basic type, all FC SP, plus an SPS-like
 * DO, arrays, a struct and an enumeration. */
static const char alltypes[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<SCL xmlns=\"" SCL_NS "\" version=\"2007\" revision=\"B\" release=\"4\">\n"
	"  <Header id=\"t\"/>\n"
	"  <IED name=\"T\">\n"
	"    <AccessPoint name=\"AP\"><Server>\n"
	"      <LDevice inst=\"LD0\">\n"
	"        <LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"LLN0_T\">\n"
	"          <DataSet name=\"ds1\">\n"
	"            <FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" fc=\"ST\"/>\n"
	"            <FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind\" daName=\"stVal\" fc=\"ST\"/>\n"
	"            <FCDA ldInst=\"LD0\" prefix=\"X\" lnClass=\"GGIO\" lnInst=\"2\" doName=\"Arr\" daName=\"a.mag\" fc=\"MX\" ix=\"2\"/>\n"
	"            <FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"All.arr(1)\" fc=\"SP\"/>\n"
	"            <FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" fc=\"SP\"/>\n"
	"          </DataSet>\n"
	"          <ReportControl name=\"brcb\" datSet=\"ds1\" rptID=\"r1\" confRev=\"7\" buffered=\"true\" bufTime=\"100\" intgPd=\"5000\">\n"
	"            <TrgOps dchg=\"true\" period=\"true\"/>\n"
	"            <OptFields seqNum=\"true\" dataSet=\"true\" entryID=\"true\"/>\n"
	"            <RptEnabled max=\"5\"/>\n"
	"          </ReportControl>\n"
	"          <ReportControl name=\"urcb\" datSet=\"ds1\" indexed=\"false\"/>\n"
	"          <GSEControl name=\"gcb\" datSet=\"ds1\" appID=\"app1\" confRev=\"2\"/>\n"
	"          <LogControl name=\"lcb\" datSet=\"ds1\" logName=\"log1\" intgPd=\"60\"><TrgOps qchg=\"true\"/></LogControl>\n"
	"          <SettingControl numOfSGs=\"4\" actSG=\"2\"/>\n"
	"          <SampledValueControl name=\"svcb\" datSet=\"ds1\" smvID=\"sv1\" multicast=\"false\" smpRate=\"80\" nofASDU=\"1\"/>\n"
	"          <DOI name=\"Mod\"><DAI name=\"stVal\"><Val>off</Val></DAI></DOI>\n"
	"        </LN0>\n"
	"        <LN lnClass=\"GGIO\" inst=\"1\" prefix=\"\" lnType=\"ALL_T\">\n"
	"          <DOI name=\"Ind\"><DAI name=\"stVal\" sAddr=\"hr:100\"><Val>true</Val></DAI></DOI>\n"
	"          <DOI name=\"All\"><DAI name=\"i16\"><Val>-7</Val></DAI><DAI name=\"v32\" sAddr=\"s1\"><Val>inst</Val></DAI>\n"
	"            <SDI name=\"st\"><DAI name=\"ang\"><Val>90</Val></DAI></SDI><DAI name=\"arr\" ix=\"2\"><Val>33</Val></DAI></DOI>\n"
	"        </LN>\n"
	"        <LN lnClass=\"GGIO\" inst=\"2\" prefix=\"X\" lnType=\"ALL_T\"/>\n"
	"      </LDevice>\n"
	"      <LDevice inst=\"LD1\" ldName=\"Custom\">\n"
	"        <LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"LLN0_T\"/>\n"
	"      </LDevice>\n"
	"    </Server></AccessPoint>\n"
	"  </IED>\n"
	"  <DataTypeTemplates>\n"
	"    <LNodeType id=\"LLN0_T\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"ENC\"/></LNodeType>\n"
	"    <LNodeType id=\"ALL_T\" lnClass=\"GGIO\">\n"
	"      <DO name=\"Mod\" type=\"ENC\"/><DO name=\"Ind\" type=\"SPS\"/><DO name=\"All\" type=\"ALL\"/><DO name=\"Arr\" type=\"ARR\"/>\n"
	"    </LNodeType>\n"
	"    <DOType id=\"ENC\" cdc=\"ENC\">\n"
	"      <DA name=\"stVal\" bType=\"Enum\" type=\"Beh\" fc=\"ST\" dchg=\"true\"><Val>on</Val></DA>\n"
	"      <DA name=\"ctlModel\" bType=\"Enum\" type=\"ctlModel\" fc=\"CF\"><Val>status-only</Val></DA>\n"
	"    </DOType>\n"
	"    <DOType id=\"SPS\" cdc=\"SPS\">\n"
	"      <DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\" dchg=\"true\"/>\n"
	"      <DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/>\n"
	"      <DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/>\n"
	"      <DA name=\"d\" bType=\"VisString255\" fc=\"DC\"><Val>single point</Val></DA>\n"
	"    </DOType>\n"
	"    <DOType id=\"ARR\" cdc=\"HMV\">\n"
	"      <DA name=\"n\" bType=\"INT16U\" fc=\"MX\"><Val>4</Val></DA>\n"
	"      <SDO name=\"h\" type=\"CMV\" count=\"n\"/>\n"
	"      <DA name=\"a\" bType=\"Struct\" type=\"VEC\" fc=\"MX\" count=\"3\"/>\n"
	"    </DOType>\n"
	"    <DOType id=\"CMV\" cdc=\"CMV\"><DA name=\"cVal\" bType=\"Struct\" type=\"VEC\" fc=\"MX\"/></DOType>\n"
	"    <DOType id=\"ALL\" cdc=\"XXX\">\n"
	"      <DA name=\"b\" bType=\"BOOLEAN\" fc=\"SP\"/>\n"
	"      <DA name=\"i8\" bType=\"INT8\" fc=\"SP\"/>\n"
	"      <DA name=\"i16\" bType=\"INT16\" fc=\"SP\"/>\n"
	"      <DA name=\"i24\" bType=\"INT24\" fc=\"SP\"/>\n"
	"      <DA name=\"i32\" bType=\"INT32\" fc=\"SP\"/>\n"
	"      <DA name=\"i64\" bType=\"INT64\" fc=\"SP\"/>\n"
	"      <DA name=\"i128\" bType=\"INT128\" fc=\"SP\"/>\n"
	"      <DA name=\"u8\" bType=\"INT8U\" fc=\"SP\"/>\n"
	"      <DA name=\"u16\" bType=\"INT16U\" fc=\"SP\"/>\n"
	"      <DA name=\"u24\" bType=\"INT24U\" fc=\"SP\"/>\n"
	"      <DA name=\"u32\" bType=\"INT32U\" fc=\"SP\"/>\n"
	"      <DA name=\"f32\" bType=\"FLOAT32\" fc=\"SP\"/>\n"
	"      <DA name=\"f64\" bType=\"FLOAT64\" fc=\"SP\"/>\n"
	"      <DA name=\"e\" bType=\"Enum\" type=\"Beh\" fc=\"SP\"/>\n"
	"      <DA name=\"dp\" bType=\"Dbpos\" fc=\"SP\"/>\n"
	"      <DA name=\"tc\" bType=\"Tcmd\" fc=\"SP\"/>\n"
	"      <DA name=\"ck\" bType=\"Check\" fc=\"SP\"/>\n"
	"      <DA name=\"q\" bType=\"Quality\" fc=\"SP\"/>\n"
	"      <DA name=\"ts\" bType=\"Timestamp\" fc=\"SP\"/>\n"
	"      <DA name=\"et\" bType=\"EntryTime\" fc=\"SP\"/>\n"
	"      <DA name=\"v32\" bType=\"VisString32\" fc=\"SP\"/>\n"
	"      <DA name=\"v64\" bType=\"VisString64\" fc=\"SP\"/>\n"
	"      <DA name=\"v65\" bType=\"VisString65\" fc=\"SP\"/>\n"
	"      <DA name=\"v129\" bType=\"VisString129\" fc=\"SP\"/>\n"
	"      <DA name=\"v255\" bType=\"VisString255\" fc=\"SP\"/>\n"
	"      <DA name=\"u255\" bType=\"Unicode255\" fc=\"SP\"/>\n"
	"      <DA name=\"o64\" bType=\"Octet64\" fc=\"SP\"/>\n"
	"      <DA name=\"o6\" bType=\"Octet6\" fc=\"SP\"/>\n"
	"      <DA name=\"o16\" bType=\"Octet16\" fc=\"SP\"/>\n"
	"      <DA name=\"ref\" bType=\"ObjRef\" fc=\"SP\"/>\n"
	"      <DA name=\"cur\" bType=\"Currency\" fc=\"SP\"/>\n"
	"      <DA name=\"eid\" bType=\"EntryID\" fc=\"SP\"/>\n"
	"      <DA name=\"pca\" bType=\"PhyComAddr\" fc=\"SP\"/>\n"
	"      <DA name=\"trg\" bType=\"TrgOps\" fc=\"SP\"/>\n"
	"      <DA name=\"opt\" bType=\"OptFlds\" fc=\"SP\"/>\n"
	"      <DA name=\"svo\" bType=\"SvOptFlds\" fc=\"SP\"/>\n"
	"      <DA name=\"lgo\" bType=\"LogOptFlds\" fc=\"SP\"/>\n"
	"      <DA name=\"st\" bType=\"Struct\" type=\"VEC\" fc=\"SP\"/>\n"
	"      <DA name=\"arr\" bType=\"INT16\" fc=\"SP\" count=\"3\"><Val>1</Val><Val>2</Val><Val>3</Val></DA>\n"
	"    </DOType>\n"
	"    <DAType id=\"VEC\"><BDA name=\"mag\" bType=\"FLOAT32\"><Val>1.25</Val></BDA><BDA name=\"ang\" bType=\"FLOAT32\"/></DAType>\n"
	"    <EnumType id=\"Beh\"><EnumVal ord=\"1\">on</EnumVal><EnumVal ord=\"2\">blocked</EnumVal><EnumVal ord=\"5\">off</EnumVal></EnumType>\n"
	"    <EnumType id=\"ctlModel\"><EnumVal ord=\"0\">status-only</EnumVal><EnumVal ord=\"1\">direct-with-normal-security</EnumVal></EnumType>\n"
	"  </DataTypeTemplates>\n"
	"</SCL>\n";

static struct model *M;
static const char *tdir;

static void load_alltypes(void)
{
	char err[512];
	tdir = tmpdir_new();
	const char *p = write_file(tdir, "alltypes.icd", alltypes);
	int r = load_quiet(p, NULL, &M, err, sizeof(err));
	ck_assert_msg(r == 0, "alltypes.icd: %s", err);
	ck_assert_uint_eq(model_n_warnings(M), 0);
}

static void free_alltypes(void)
{
	char path[512];
	model_free(M);
	M = NULL;
	snprintf(path, sizeof(path), "%s/alltypes.icd", tdir);
	unlink(path);
	rmdir(tdir);
}

/* Resolves "LD0/GGIO1.All.<name>[SP]". */
static struct mref attr_ref(const char *ref)
{
	struct mref r;
	int e = model_resolve_ref(M, ref, &r);
	ck_assert_msg(e == 0, "resolve %s: %d", ref, e);
	return r;
}

static struct mref all(const char *name)
{
	char ref[128];
	snprintf(ref, sizeof(ref), "LD0/GGIO1.All.%s[SP]", name);
	return attr_ref(ref);
}

static const char *text(const struct mref *r)
{
	static char out[1024];
	model_get_text(M, r->type, r->voff, out, sizeof(out));
	return out;
}

/* ---- names ---- */

START_TEST(fc_and_btype_names)
{
	ck_assert_str_eq(model_fc_name(FC_ST), "ST");
	ck_assert_str_eq(model_fc_name(FC_SC), "SC");
	ck_assert_ptr_null(model_fc_name(FC_NONE));
	ck_assert_ptr_null(model_fc_name(FC_COUNT));
	for (uint8_t f = 1; f < FC_COUNT; f++)
		ck_assert_uint_eq(model_fc_parse(model_fc_name(f), 2), f);
	ck_assert_uint_eq(model_fc_parse("XX", 2), FC_NONE);
	ck_assert_uint_eq(model_fc_parse("STx", 3), FC_NONE);
	ck_assert_uint_eq(model_fc_write(FC_CF), MODEL_FCW_PLAIN);
	ck_assert_uint_eq(model_fc_write(FC_SP), MODEL_FCW_PLAIN);
	ck_assert_uint_eq(model_fc_write(FC_BL), MODEL_FCW_PLAIN);
	ck_assert_uint_eq(model_fc_write(FC_ST), MODEL_FCW_DENIED);
	ck_assert_uint_eq(model_fc_write(FC_MX), MODEL_FCW_DENIED);
	ck_assert_uint_eq(model_fc_write(FC_NONE), MODEL_FCW_DENIED);
	ck_assert_uint_eq(model_fc_write(FC_COUNT), MODEL_FCW_DENIED);
	ck_assert_uint_eq(model_fc_write(FC_CO), MODEL_FCW_SERVICE);
	ck_assert_uint_eq(model_fc_write(FC_RP), MODEL_FCW_SERVICE);
	ck_assert_uint_eq(model_fc_write(FC_SE), MODEL_FCW_SERVICE);
}
END_TEST

/* What a map row with w may carry to a source (model_fc_carried). */
#define CARRIED(fc, path) model_fc_carried(fc, path, strlen(path))
START_TEST(fc_carried)
{
	ck_assert(CARRIED(FC_CF, "TotW.db"));
	ck_assert(CARRIED(FC_SP, "SetPt.setMag.f"));
	ck_assert(!CARRIED(FC_ST, "Pos.stVal"));
	ck_assert(!CARRIED(FC_MX, "TotW.mag.f"));
	ck_assert(CARRIED(FC_CO, "Pos.Oper.ctlVal"));
	ck_assert(CARRIED(FC_CO, "AnOut1.Oper.ctlVal.f"));
	ck_assert(CARRIED(FC_CO, "Sub.DO.Oper.ctlVal"));
	ck_assert(!CARRIED(FC_CO, "Pos.Oper.ctlNum"));
	ck_assert(!CARRIED(FC_CO, "Pos.SBOw.ctlVal"));
	ck_assert(!CARRIED(FC_CO, "Pos.Oper.ctlValX"));
	ck_assert(!CARRIED(FC_CO, "Oper.ctlVal"));	/* no DO before it */
	ck_assert(!CARRIED(FC_ST, "Pos.Oper.ctlVal"));
	ck_assert(!CARRIED(FC_RP, "urcb01.RptEna"));
	ck_assert(!CARRIED(FC_GO, "gocb.GoEna"));
	ck_assert(!CARRIED(FC_SE, "Pos.Oper.ctlVal"));
	ck_assert_str_eq(model_btype_name(MB_FLOAT32), "FLOAT32");
	ck_assert_str_eq(model_btype_name(MB_STRUCT), "Struct");
	ck_assert_uint_eq(model_btype_size(MB_VISSTRING, 255), 256);
	ck_assert_uint_eq(model_btype_size(MB_OCTET, 64), 66);
	ck_assert_uint_eq(model_btype_size(MB_BITSTRING, 10), 3);
	ck_assert_uint_eq(model_btype_size(MB_QUALITY, 0), 2);
	ck_assert_uint_eq(model_btype_size(MB_ENTRYTIME, 0), 6);
	ck_assert_uint_eq(model_btype_size(MB_TIMESTAMP, 0), 8);
}
END_TEST

/* ---- type descriptions ---- */

START_TEST(typedesc_sps)
{
	/* structure { stVal boolean, q bit-string(-13), t utc-time }: Quality
	 * is a varying bit string of up to 13 bits (IEC 61850-8-1 §8.2) */
	static const uint8_t exp[] = {
		0xA2, 0x22, 0xA1, 0x20,
		0x30, 0x0B, 0x80, 0x05, 's', 't', 'V', 'a', 'l', 0xA1, 0x02, 0x83, 0x00,
		0x30, 0x08, 0x80, 0x01, 'q', 0xA1, 0x03, 0x84, 0x01, 0xF3,
		0x30, 0x07, 0x80, 0x01, 't', 0xA1, 0x02, 0x91, 0x00,
	};
	struct mref r = attr_ref("LD0/GGIO1.Ind[ST]");
	ck_assert_uint_eq(r.type->btype, MB_STRUCT);
	ck_assert_uint_eq(r.fc, FC_ST);
	ck_assert_mem(r.type->typedesc, r.type->typedesc_len, exp, sizeof(exp));
	ck_assert_uint_eq(r.type->size, 1 + 2 + 8);
	ck_assert_uint_eq(r.type->depth, 1);
	/* trigger options from the DA attributes */
	ck_assert_uint_eq(attr_ref("LD0/GGIO1.Ind.stVal[ST]").type->trgops, MODEL_TRG_DCHG);
	ck_assert_uint_eq(attr_ref("LD0/GGIO1.Ind.q[ST]").type->trgops, MODEL_TRG_QCHG);
	ck_assert_uint_eq(attr_ref("LD0/GGIO1.Ind.t[ST]").type->trgops, 0);
}
END_TEST

struct td_case {
	const char *name;
	uint8_t btype;
	uint8_t len;
	uint8_t td[12];
};

static const struct td_case td_cases[] = {
	{ "b", MB_BOOLEAN, 2, { 0x83, 0x00 } },
	{ "i8", MB_INT8, 3, { 0x85, 0x01, 8 } },
	{ "i16", MB_INT16, 3, { 0x85, 0x01, 16 } },
	{ "i24", MB_INT24, 3, { 0x85, 0x01, 24 } },
	{ "i32", MB_INT32, 3, { 0x85, 0x01, 32 } },
	{ "i64", MB_INT64, 3, { 0x85, 0x01, 64 } },
	{ "i128", MB_INT128, 4, { 0x85, 0x02, 0x00, 0x80 } },
	{ "u8", MB_INT8U, 3, { 0x86, 0x01, 8 } },
	{ "u16", MB_INT16U, 3, { 0x86, 0x01, 16 } },
	{ "u24", MB_INT24U, 3, { 0x86, 0x01, 24 } },
	{ "u32", MB_INT32U, 3, { 0x86, 0x01, 32 } },
	{ "f32", MB_FLOAT32, 8, { 0xA7, 0x06, 0x02, 0x01, 32, 0x02, 0x01, 8 } },
	{ "f64", MB_FLOAT64, 8, { 0xA7, 0x06, 0x02, 0x01, 64, 0x02, 0x01, 11 } },
	{ "e", MB_ENUM, 3, { 0x85, 0x01, 8 } },
	{ "dp", MB_DBPOS, 3, { 0x84, 0x01, 2 } },
	{ "tc", MB_TCMD, 3, { 0x84, 0x01, 2 } },
	{ "ck", MB_CHECK, 3, { 0x84, 0x01, 0xFE } },			/* varying: -2 */
	{ "q", MB_QUALITY, 3, { 0x84, 0x01, 0xF3 } },			/* varying: -13 */
	{ "ts", MB_TIMESTAMP, 2, { 0x91, 0x00 } },
	{ "et", MB_ENTRYTIME, 3, { 0x8C, 0x01, 0xFF } },
	{ "v32", MB_VISSTRING, 3, { 0x8A, 0x01, 0xE0 } },		/* -32 */
	{ "v64", MB_VISSTRING, 3, { 0x8A, 0x01, 0xC0 } },		/* -64 */
	{ "v65", MB_VISSTRING, 3, { 0x8A, 0x01, 0xBF } },		/* -65 */
	{ "v129", MB_VISSTRING, 4, { 0x8A, 0x02, 0xFF, 0x7F } },	/* -129 */
	{ "v255", MB_VISSTRING, 4, { 0x8A, 0x02, 0xFF, 0x01 } },	/* -255 */
	{ "u255", MB_UNICODE, 4, { 0x90, 0x02, 0xFF, 0x01 } },		/* mMSString -255 */
	{ "o64", MB_OCTET, 3, { 0x89, 0x01, 0xC0 } },			/* -64 */
	{ "o6", MB_OCTET, 3, { 0x89, 0x01, 0xFA } },			/* -6 */
	{ "o16", MB_OCTET, 3, { 0x89, 0x01, 0xF0 } },			/* -16 */
	{ "ref", MB_VISSTRING, 4, { 0x8A, 0x02, 0xFF, 0x7F } },	/* ObjRef: -129 */
	{ "cur", MB_VISSTRING, 3, { 0x8A, 0x01, 0xFD } },		/* Currency: -3 */
	{ "eid", MB_OCTET, 3, { 0x89, 0x01, 8 } },			/* EntryID: fixed 8 */
	{ "pca", MB_OCTET, 3, { 0x89, 0x01, 6 } },			/* PhyComAddr: fixed 6 */
	{ "trg", MB_BITSTRING, 3, { 0x84, 0x01, 6 } },
	{ "opt", MB_BITSTRING, 3, { 0x84, 0x01, 10 } },
	{ "svo", MB_BITSTRING, 3, { 0x84, 0x01, 10 } },
	{ "lgo", MB_BITSTRING, 3, { 0x84, 0x01, 8 } },
	/* array { 3, integer(16) } */
	{ "arr", MB_ARRAY, 10, { 0xA1, 0x08, 0x81, 0x01, 0x03, 0xA2, 0x03, 0x85, 0x01, 16 } },
};

START_TEST(typedesc_basic)
{
	const struct td_case *c = &td_cases[_i];
	struct mref r = all(c->name);
	ck_assert_msg(r.type->btype == c->btype, "%s: btype %u", c->name, r.type->btype);
	ck_assert_uint_eq(r.fc, FC_SP);
	ck_assert_uint_eq(r.type->fc, FC_SP);
	ck_assert_mem(r.type->typedesc, r.type->typedesc_len, c->td, c->len);
}
END_TEST

START_TEST(typedesc_ln_and_sharing)
{
	const struct mld *ld = model_find_ld(M, "TLD0");
	ck_assert_ptr_nonnull(ld);
	const struct mln *g1 = model_find_ln(ld, "GGIO1", 5), *g2 = model_find_ln(ld, "XGGIO2", 6);
	ck_assert_ptr_nonnull(g1);
	ck_assert_ptr_nonnull(g2);
	/* instances of one LNodeType share one type tree */
	ck_assert_ptr_eq(g1->type, g2->type);
	ck_assert_str_eq(g1->ln_class, "GGIO");
	/* FCs in IEC 61850-8-1's table order (MX, ST, CO, CF, DC, SP, ...) */
	const struct mtype *t = g1->type;
	ck_assert_uint_eq(t->n, 5);
	ck_assert_str_eq(t->comp[0].name, "MX");
	ck_assert_str_eq(t->comp[1].name, "ST");
	ck_assert_str_eq(t->comp[2].name, "CF");
	ck_assert_str_eq(t->comp[3].name, "DC");
	ck_assert_str_eq(t->comp[4].name, "SP");
	ck_assert_uint_eq(t->fc, FC_NONE);
	/* by_name (GetNameList, lookups) stays in strcmp order */
	static const char *const by_name[] = { "CF", "DC", "MX", "SP", "ST" };
	for (uint32_t i = 0; i < t->n; i++)
		ck_assert_str_eq(t->comp[t->by_name[i]].name, by_name[i]);
	ck_assert_ptr_eq(mtype_find(t, "ST", 2), &t->comp[1]);
	/* values follow the component order */
	ck_assert_uint_lt(t->comp[0].off, t->comp[1].off);
	/* ST holds Mod and Ind in definition order */
	const struct mtype *st = t->comp[1].type;
	ck_assert_uint_eq(st->n, 2);
	ck_assert_str_eq(st->comp[0].name, "Mod");
	ck_assert_str_eq(st->comp[1].name, "Ind");
	/* the LN typedesc is a structure of the FC structures, which reuse
	 * their children's bytes */
	ck_assert_uint_eq(t->typedesc[0], 0xA2);
	const uint8_t *sub = st->typedesc;
	size_t n = st->typedesc_len;
	ck_assert(n < t->typedesc_len);
	ck_assert_ptr_nonnull(memmem(t->typedesc, t->typedesc_len, sub, n));
	/* a type of the same DOType in the same FC is shared across LN types */
	const struct mln *lln0 = model_find_ln(ld, "LLN0", 4);
	ck_assert_ptr_eq(mtype_find(lln0->type, "ST", 2)->type->comp[0].type,
			 mtype_find(g1->type, "ST", 2)->type->comp[0].type);
	ck_assert_uint_gt(M->n_types, 10);
	ck_assert_uint_lt(M->n_types, 100); /* with the RCB structures */
}
END_TEST

/* ---- values: round trips ---- */

struct rt_case {
	const char *name, *in, *out;
	uint8_t len;
	uint8_t enc[16];
};

static const struct rt_case rt_cases[] = {
	{ "b", "true", "true", 3, { 0x83, 0x01, 0xFF } },
	{ "b", "FALSE", "false", 3, { 0x83, 0x01, 0x00 } },
	{ "i8", "-128", "-128", 3, { 0x85, 0x01, 0x80 } },
	{ "i16", "-2", "-2", 3, { 0x85, 0x01, 0xFE } },
	{ "i16", "32767", "32767", 4, { 0x85, 0x02, 0x7F, 0xFF } },
	{ "i24", "8388607", "8388607", 5, { 0x85, 0x03, 0x7F, 0xFF, 0xFF } },
	{ "i32", "-2147483648", "-2147483648", 6, { 0x85, 0x04, 0x80, 0, 0, 0 } },
	{ "i64", "-9223372036854775808", "-9223372036854775808", 10,
	  { 0x85, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0 } },
	{ "i128", "123", "123", 3, { 0x85, 0x01, 0x7B } },
	{ "u8", "255", "255", 4, { 0x86, 0x02, 0x00, 0xFF } },
	{ "u16", "65535", "65535", 5, { 0x86, 0x03, 0x00, 0xFF, 0xFF } },
	{ "u24", "16777215", "16777215", 6, { 0x86, 0x04, 0x00, 0xFF, 0xFF, 0xFF } },
	{ "u32", "4294967295", "4294967295", 7, { 0x86, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF } },
	{ "u32", "0", "0", 3, { 0x86, 0x01, 0x00 } },
	{ "f32", "1.5", "1.5", 7, { 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00 } },
	{ "f64", "-0.25", "-0.25", 11, { 0x87, 0x09, 0x0B, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0 } },
	{ "e", "off", "off", 3, { 0x85, 0x01, 0x05 } },
	{ "e", "2", "blocked", 3, { 0x85, 0x01, 0x02 } },
	{ "dp", "on", "on", 4, { 0x84, 0x02, 0x06, 0x80 } },
	{ "dp", "intermediate-state", "intermediate-state", 4, { 0x84, 0x02, 0x06, 0x00 } },
	{ "dp", "bad-state", "bad-state", 4, { 0x84, 0x02, 0x06, 0xC0 } },
	{ "tc", "lower", "lower", 4, { 0x84, 0x02, 0x06, 0x40 } },
	{ "ck", "10", "10", 4, { 0x84, 0x02, 0x06, 0x80 } },
	{ "q", "1100000000001", "1100000000001", 5, { 0x84, 0x03, 0x03, 0xC0, 0x08 } },
	{ "q", "good", "0000000000000", 5, { 0x84, 0x03, 0x03, 0x00, 0x00 } },
	{ "ts", "2020-01-01T00:00:00.5Z", "2020-01-01T00:00:00.500000Z", 10,
	  { 0x91, 0x08, 0x5E, 0x0B, 0xE1, 0x00, 0x80, 0x00, 0x00, 0x00 } },
	{ "et", "2020-01-01T00:00:01.250Z", "2020-01-01T00:00:01.250Z", 8,
	  { 0x8C, 0x06, 0x00, 0x00, 0x04, 0xE2, 0x33, 0x5D } },
	{ "v32", "hello", "hello", 7, { 0x8A, 0x05, 'h', 'e', 'l', 'l', 'o' } },
	{ "v32", "", "", 2, { 0x8A, 0x00 } },
	{ "u255", "gr\xC3\xBC\xC3\x9F", "gr\xC3\xBC\xC3\x9F", 8,
	  { 0x90, 0x06, 'g', 'r', 0xC3, 0xBC, 0xC3, 0x9F } },
	{ "o64", "01-0c-CD", "010ccd", 5, { 0x89, 0x03, 0x01, 0x0C, 0xCD } },
	{ "o6", "", "", 2, { 0x89, 0x00 } },
	{ "eid", "0001020304050607", "0001020304050607", 10, { 0x89, 0x08, 0, 1, 2, 3, 4, 5, 6, 7 } },
	{ "pca", "01-0C-CD-01-00-01", "010ccd010001", 8, { 0x89, 0x06, 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 } },
	{ "cur", "EUR", "EUR", 5, { 0x8A, 0x03, 'E', 'U', 'R' } },
	{ "ref", "LD0/LLN0.Mod", "LD0/LLN0.Mod", 14,
	  { 0x8A, 0x0C, 'L', 'D', '0', '/', 'L', 'L', 'N', '0', '.', 'M', 'o', 'd' } },
	{ "trg", "011001", "011001", 4, { 0x84, 0x02, 0x02, 0x64 } },
	{ "opt", "0111100000", "0111100000", 5, { 0x84, 0x03, 0x06, 0x78, 0x00 } },
	{ "svo", "1000000001", "1000000001", 5, { 0x84, 0x03, 0x06, 0x80, 0x40 } },
	{ "lgo", "10000001", "10000001", 4, { 0x84, 0x02, 0x00, 0x81 } },
};

START_TEST(value_round_trip)
{
	const struct rt_case *c = &rt_cases[_i];
	struct mref a = all(c->name), b;
	char ref[128];
	snprintf(ref, sizeof(ref), "LD0/XGGIO2.All.%s[SP]", c->name);
	ck_assert_int_eq(model_resolve_ref(M, ref, &b), 0);
	ck_assert_ptr_eq(a.type, b.type);

	ck_assert_msg(model_set_text(M, a.type, a.voff, c->in) == 0, "%s = '%s'", c->name, c->in);
	ck_assert_str_eq(text(&a), c->out);

	struct buf out;
	buf_init(&out, 0, 0);
	model_encode_data(M, a.type, a.voff, &out);
	ck_assert_int_eq(out.err, 0);
	ck_assert_mem(buf_data(&out), out.len, c->enc, c->len);

	/* decode into the other LN, from an exact-size copy */
	uint8_t *copy = malloc(out.len);
	memcpy(copy, buf_data(&out), out.len);
	struct ber_cur cur;
	struct ber_tlv tlv;
	ber_cur_init(&cur, copy, out.len);
	ck_assert_int_eq(ber_next(&cur, &tlv, NULL), 0);
	ck_assert_int_eq(model_store_data_unhooked(M, b.type, b.voff, &cur, &tlv), 0);
	ck_assert_str_eq(text(&b), c->out);
	ck_assert_mem(M->values + b.voff, b.type->size, M->values + a.voff, a.type->size);
	free(copy);
	buf_clear(&out);
}
END_TEST

/* Decodes bytes against LD0/GGIO1.All.<name>[SP] from an exact-size copy. */
static int decode_into(const char *name, const uint8_t *p, size_t n)
{
	struct mref r = all(name);
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, p, n);
	struct ber_cur cur;
	struct ber_tlv tlv;
	ber_cur_init(&cur, copy, n);
	ck_assert_int_eq(ber_next(&cur, &tlv, NULL), 0);
	int e = model_store_data_unhooked(M, r.type, r.voff, &cur, &tlv);
	free(copy);
	return e;
}

#define DECODE(name, ...)                                                                       \
	({                                                                                      \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		decode_into(name, in_, sizeof(in_));                                            \
	})

START_TEST(value_decode_refusals)
{
	struct mref r = all("i16");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "5"), 0);
	/* out of range */
	ck_assert_int_eq(DECODE("i16", 0x85, 0x03, 0x01, 0x11, 0x70), 11);
	ck_assert_int_eq(DECODE("i8", 0x85, 0x02, 0x00, 0x80), 11);
	ck_assert_int_eq(DECODE("u8", 0x86, 0x02, 0x01, 0x00), 11);
	ck_assert_int_eq(DECODE("u32", 0x86, 0x01, 0xFF), 11);	/* negative */
	ck_assert_int_eq(DECODE("i24", 0x85, 0x03, 0x80, 0x00, 0x00), 0);
	ck_assert_int_eq(DECODE("i24", 0x85, 0x04, 0xFF, 0x7F, 0xFF, 0xFF), 11);
	/* wrong tag */
	ck_assert_int_eq(DECODE("i16", 0x86, 0x01, 0x05), 7);
	ck_assert_int_eq(DECODE("b", 0x85, 0x01, 0x01), 7);
	ck_assert_int_eq(DECODE("v32", 0x90, 0x01, 'a'), 7);
	ck_assert_int_eq(DECODE("ts", 0x8C, 0x06, 0, 0, 0, 0, 0, 0), 7);
	ck_assert_int_eq(DECODE("st", 0xA1, 0x00), 7);
	ck_assert_int_eq(DECODE("i16", 0xA5, 0x00), 7);	/* constructed */
	/* nothing stored by a refused value */
	ck_assert_str_eq(text(&r), "5");
	/* strings: too long, not visible, bad UTF-8 */
	static const uint8_t v33[] = { 0x8A, 33, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				       'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				       'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a' };
	ck_assert_int_eq(decode_into("v32", v33, sizeof(v33)), 11);
	ck_assert_int_eq(decode_into("v64", v33, sizeof(v33)), 0);
	ck_assert_int_eq(DECODE("v32", 0x8A, 0x02, 'a', 0x07), 11);
	ck_assert_int_eq(DECODE("u255", 0x90, 0x02, 0xC3, 0x28), 11);
	ck_assert_int_eq(DECODE("cur", 0x8A, 0x04, 'E', 'U', 'R', 'O'), 11);
	/* enumeration: not a member */
	ck_assert_int_eq(DECODE("e", 0x85, 0x01, 0x03), 11);
	ck_assert_int_eq(DECODE("e", 0x85, 0x01, 0x05), 0);
	/* fixed sizes */
	ck_assert_int_eq(DECODE("eid", 0x89, 0x07, 0, 1, 2, 3, 4, 5, 6), 11);
	ck_assert_int_eq(DECODE("o6", 0x89, 0x07, 0, 1, 2, 3, 4, 5, 6), 11);
	/* Quality and Check are varying: fewer bits are taken (the rest 0),
	 * more bits or none are refused */
	ck_assert_int_eq(DECODE("q", 0x84, 0x02, 0x04, 0xF0), 0);	/* 12 bits */
	ck_assert_int_eq(DECODE("q", 0x84, 0x03, 0x02, 0xF0, 0x0C), 7);	/* 14 bits */
	ck_assert_int_eq(DECODE("q", 0x84, 0x01, 0x00), 7);	/* none */
	ck_assert_int_eq(DECODE("ck", 0x84, 0x02, 0x07, 0x80), 0);	/* 1 bit */
	ck_assert_int_eq(DECODE("ck", 0x84, 0x02, 0x05, 0xE0), 7);	/* 3 bits */
	ck_assert_int_eq(DECODE("dp", 0x84, 0x02, 0x07, 0x80), 7);	/* 1 bit */
	ck_assert_int_eq(DECODE("trg", 0x84, 0x02, 0x00, 0xFF), 7);	/* 8 bits */
	ck_assert_int_eq(DECODE("ts", 0x91, 0x07, 0, 0, 0, 0, 0, 0, 0), 11);
	ck_assert_int_eq(DECODE("et", 0x8C, 0x04, 0, 0, 0, 0), 11);
	ck_assert_int_eq(DECODE("b", 0x83, 0x02, 0x00, 0x01), 11);
	/* a FLOAT32 takes the single format only; a FLOAT64 both */
	ck_assert_int_eq(DECODE("f32", 0x87, 0x09, 0x0B, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0), 7);
	ck_assert_int_eq(DECODE("f64", 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00), 0);
	ck_assert_str_eq(text(&(struct mref){ .type = all("f64").type, .voff = all("f64").voff }),
			 "1.5");
	ck_assert_int_eq(DECODE("f32", 0x87, 0x04, 0x08, 0x3F, 0xC0, 0x00), 11);
}
END_TEST

START_TEST(value_structured_all_or_nothing)
{
	struct mref st = all("st"), arr = all("arr");
	/* template Val defaults: BDA mag 1.25, array 1 2 then the DAI's 33 */
	ck_assert_str_eq(text(&st), "{mag=1.25,ang=90}");
	ck_assert_str_eq(text(&arr), "[1,2,33]");
	/* the second component is of the wrong type: nothing is stored */
	ck_assert_int_eq(DECODE("st", 0xA2, 0x0A, 0x87, 0x05, 0x08, 0x40, 0xA0, 0, 0, 0x85, 0x01, 0x01),
			 7);
	ck_assert_str_eq(text(&st), "{mag=1.25,ang=90}");
	/* too few, too many components */
	ck_assert_int_eq(DECODE("st", 0xA2, 0x07, 0x87, 0x05, 0x08, 0x40, 0xA0, 0, 0), 7);
	ck_assert_int_eq(DECODE("st", 0xA2, 0x15, 0x87, 0x05, 0x08, 0x40, 0xA0, 0, 0, 0x87, 0x05, 0x08,
				0x40, 0xA0, 0, 0, 0x87, 0x05, 0x08, 0x40, 0xA0, 0, 0),
			 7);
	ck_assert_str_eq(text(&st), "{mag=1.25,ang=90}");
	/* a good one */
	ck_assert_int_eq(DECODE("st", 0xA2, 0x0E, 0x87, 0x05, 0x08, 0x40, 0xA0, 0, 0, 0x87, 0x05, 0x08,
				0xC0, 0x00, 0, 0),
			 0);
	ck_assert_str_eq(text(&st), "{mag=5,ang=-2}");
	/* arrays: exactly `count` elements; a bad element stores nothing */
	ck_assert_int_eq(DECODE("arr", 0xA1, 0x06, 0x85, 0x01, 0x07, 0x85, 0x01, 0x08), 7);
	ck_assert_int_eq(DECODE("arr", 0xA1, 0x0B, 0x85, 0x01, 0x07, 0x85, 0x01, 0x08, 0x85, 0x03,
				0x01, 0x00, 0x00),
			 11);
	ck_assert_str_eq(text(&arr), "[1,2,33]");
	ck_assert_int_eq(DECODE("arr", 0xA1, 0x09, 0x85, 0x01, 0x07, 0x85, 0x01, 0x08, 0x85, 0x01,
				0xF7),
			 0);
	ck_assert_str_eq(text(&arr), "[7,8,-9]");
	/* and encodes as the MMS Data array */
	struct buf b;
	buf_init(&b, 0, 0);
	model_encode_data(M, arr.type, arr.voff, &b);
	static const uint8_t exp[] = { 0xA1, 0x09, 0x85, 0x01, 0x07, 0x85, 0x01, 0x08, 0x85, 0x01,
				       0xF7 };
	ck_assert_mem(buf_data(&b), b.len, exp, sizeof(exp));
	buf_clear(&b);
}
END_TEST

START_TEST(value_text_refusals)
{
	struct mref r;
	r = all("i16");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "32768"), -ERANGE);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "12x"), -EINVAL);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, ""), -EINVAL);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, " 12 "), 0);
	r = all("u8");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "-1"), -ERANGE);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "256"), -ERANGE);
	r = all("e");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "nosuch"), -EINVAL);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "3"), -ERANGE);
	r = all("v32");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "123456789012345678901234567890123"),
			 -ERANGE);
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "caf\xC3\xA9"), -EINVAL);
	r = all("b");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "yes"), -EINVAL);
	r = all("f32");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "1e40"), -ERANGE);
	r = all("dp");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "open"), -EINVAL);
	r = all("ts");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "2020-13-01T00:00:00Z"), -EINVAL);
	r = all("eid");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "0001"), -ERANGE);
	r = all("o6");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "0g"), -EINVAL);
	r = all("st");
	ck_assert_int_eq(model_set_text(M, r.type, r.voff, "1"), -EINVAL);
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookups)
{
	struct mref r;
	char t[64];
	ck_assert_uint_eq(M->n_ld, 2);
	/* domains sorted by name; Ed.2 ldName replaces IED name + inst */
	ck_assert_str_eq(M->lds[0].name, "Custom");
	ck_assert_str_eq(M->lds[1].name, "TLD0");
	ck_assert_ptr_eq(model_find_ld_inst(M, "LD1"), &M->lds[0]);
	ck_assert_ptr_null(model_find_ld(M, "TLD1"));
	ck_assert_ptr_null(model_find_ld(M, "TLD"));
	const struct mld *ld = model_find_ld(M, "TLD0");
	ck_assert_uint_eq(ld->n_ln, 3);
	ck_assert_str_eq(ld->lns[0].name, "GGIO1");
	ck_assert_str_eq(ld->lns[1].name, "LLN0");
	ck_assert_str_eq(ld->lns[2].name, "XGGIO2");
	ck_assert_ptr_null(model_find_ln(ld, "GGIO", 4));
	ck_assert_ptr_nonnull(model_find_ln(ld, "GGIO1$ST", 5));

	/* MMS names */
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "LLN0$ST$Mod$stVal", &r), 0);
	ck_assert_uint_eq(r.type->btype, MB_ENUM);
	ck_assert_uint_eq(r.fc, FC_ST);
	model_get_text(M, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "off");	/* DAI Val over the template's "on" */
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "LLN0$CF$Mod$ctlModel", &r), 0);
	model_get_text(M, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "status-only");
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1", &r), 0);
	ck_assert_uint_eq(r.fc, FC_NONE);
	ck_assert_ptr_eq(r.type, ld->lns[0].type);
	ck_assert_uint_eq(r.voff, ld->lns[0].vbase);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$ST", &r), 0);
	ck_assert_uint_eq(r.fc, FC_ST);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$MX$Arr$a", &r), 0);
	ck_assert_uint_eq(r.type->btype, MB_ARRAY);
	ck_assert_uint_eq(r.type->count, 3);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$MX$Arr$a$mag", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$MX$Arr$a(1)", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$ST$Ind$nosuch", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$XX", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(M, "NOLD", "GGIO1", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(M, "TLD0", "GGIO1$ST$", &r), -ENOENT);

	/* object references: by inst or domain, with or without FC */
	struct mref a, b;
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LLN0.Mod.stVal[ST]", &a), 0);
	ck_assert_int_eq(model_resolve_ref(M, "TLD0/LLN0.Mod.stVal", &b), 0);
	ck_assert_uint_eq(a.voff, b.voff);
	ck_assert_uint_eq(b.fc, FC_ST);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LLN0$ST$Mod$stVal", &b), 0);
	ck_assert_uint_eq(a.voff, b.voff);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LLN0.Mod", &b), -EINVAL);	/* ST and CF */
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LLN0.Mod[CF]", &b), 0);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/LLN0", &b), 0);
	ck_assert_uint_eq(b.fc, FC_NONE);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.a(2).mag[MX]", &b), 0);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.a[MX]", &a), 0);
	ck_assert_uint_eq(b.voff, a.voff + 2 * a.type->elem->size);
	ck_assert_uint_eq(b.type->btype, MB_FLOAT32);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.a(3).mag[MX]", &b), -ENOENT);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.a.mag[MX]", &b), -ENOENT);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.a(x)[MX]", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[XX]", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[ST", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "GGIO1.Ind", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD9/GGIO1.Ind", &b), -ENOENT);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1..x[ST]", &b), -EINVAL);
	/* the rules are objref_parse's, the client's too (objref.h): a bad
	 * character or an empty MMS component is malformed, not unknown */
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.In-d.stVal[ST]", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1$ST$Ind$", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1$ST$Ind.stVal", &b), -EINVAL);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1$ST$Ind$stVal", &a), 0);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[ST]", &b), 0);
	ck_assert_uint_eq(a.voff, b.voff);
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[SC]", &b), -ENOENT);
	/* count given as an attribute name: the sibling's Val (4) */
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Arr.h[MX]", &b), 0);
	ck_assert_uint_eq(b.type->count, 4);

	/* mtype_find by name */
	const struct mcomp *c = mtype_find(ld->lns[0].type, "ST", 2);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(mtype_find(c->type, "Ind", 3));
	ck_assert_ptr_null(mtype_find(c->type, "In", 2));
	ck_assert_ptr_null(mtype_find(c->type, "Indx", 4));
	ck_assert_ptr_null(mtype_find(all("b").type, "x", 1));

	/* initial values from DOI/SDI/DAI and from the templates */
	ck_assert_str_eq(text(&(struct mref){ .type = all("i16").type, .voff = all("i16").voff }),
			 "-7");
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.d[DC]", &b), 0);
	model_get_text(M, b.type, b.voff, t, sizeof(t));
	ck_assert_str_eq(t, "single point");
	ck_assert_int_eq(model_resolve_ref(M, "LD0/XGGIO2.Ind.stVal[ST]", &b), 0);
	model_get_text(M, b.type, b.voff, t, sizeof(t));
	ck_assert_str_eq(t, "false");
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[ST]", &b), 0);
	model_get_text(M, b.type, b.voff, t, sizeof(t));
	ck_assert_str_eq(t, "true");
}
END_TEST

START_TEST(saddr)
{
	struct mref r;
	size_t n;
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[ST]", &r), 0);
	ck_assert_str_eq(model_saddr(M, r.voff), "hr:100");
	ck_assert_str_eq(model_saddr(M, all("v32").voff), "s1");
	ck_assert_ptr_null(model_saddr(M, all("v64").voff));
	const struct msaddr *s = model_saddrs(M, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_lt(s[0].voff, s[1].voff);
	/* ST (Ind.stVal) comes before SP (All.v32) in the LN */
	ck_assert_ptr_eq(s[1].type, all("v32").type);
}
END_TEST

START_TEST(datasets_and_cbs)
{
	const struct mld *ld = model_find_ld(M, "TLD0");
	ck_assert_uint_eq(ld->n_ds, 1);
	const struct mdataset *ds = model_find_dataset(ld, "LLN0$ds1");
	ck_assert_ptr_nonnull(ds);
	ck_assert_ptr_null(model_find_dataset(ld, "ds1"));
	ck_assert_str_eq(ds->ln->name, "LLN0");
	ck_assert_uint_eq(ds->n, 5);
	const struct mfcda *f = ds->members;
	ck_assert_str_eq(f[0].ref, "LD0/GGIO1.Ind[ST]");
	ck_assert_str_eq(f[0].mms_item, "GGIO1$ST$Ind");
	ck_assert_int_eq(f[0].arr_index, -1);
	ck_assert_uint_eq(f[0].type->btype, MB_STRUCT);
	ck_assert_str_eq(f[1].mms_item, "GGIO1$ST$Ind$stVal");
	ck_assert_uint_eq(f[1].type->btype, MB_BOOLEAN);
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(M, "LD0/GGIO1.Ind.stVal[ST]", &r), 0);
	ck_assert_uint_eq(f[1].voff, r.voff);
	ck_assert_ptr_eq(f[1].ln, model_find_ln(ld, "GGIO1", 5));
	/* FCDA ix: element 2 of the array on the path */
	ck_assert_str_eq(f[2].mms_item, "XGGIO2$MX$Arr$a");
	ck_assert_int_eq(f[2].arr_index, 2);
	ck_assert_str_eq(f[2].alt_item, "mag");
	ck_assert_int_eq(model_resolve_ref(M, "LD0/XGGIO2.Arr.a(2).mag[MX]", &r), 0);
	ck_assert_uint_eq(f[2].voff, r.voff);
	ck_assert_uint_eq(f[2].type->btype, MB_FLOAT32);
	/* "(n)" in doName */
	ck_assert_str_eq(f[3].mms_item, "GGIO1$SP$All$arr");
	ck_assert_int_eq(f[3].arr_index, 1);
	ck_assert_str_eq(f[3].alt_item, "");
	ck_assert_uint_eq(f[3].type->btype, MB_INT16);
	/* a whole FC of an LN */
	ck_assert_str_eq(f[4].mms_item, "GGIO1$SP");
	ck_assert_uint_eq(f[4].type->fc, FC_SP);

	ck_assert_uint_eq(ld->n_cb, 6);
	const struct mcb *b = ld->cbs;
	ck_assert_uint_eq(b[0].kind, MCB_BRCB);
	ck_assert_str_eq(b[0].name, "brcb");
	ck_assert_str_eq(b[0].dataset, "ds1");
	ck_assert_str_eq(b[0].rpt_id, "r1");
	ck_assert_uint_eq(b[0].conf_rev, 7);
	ck_assert(b[0].buffered);
	ck_assert(b[0].indexed);
	ck_assert_uint_eq(b[0].buf_time, 100);
	ck_assert_uint_eq(b[0].intg_pd, 5000);
	ck_assert_uint_eq(b[0].max_instances, 5);
	ck_assert_uint_eq(b[0].trgops, MODEL_TRG_DCHG | MODEL_TRG_PERIOD | MODEL_TRG_GI);
	ck_assert_uint_eq(b[0].opt_fields, (1u << 1) | (1u << 4) | (1u << 7));
	ck_assert_str_eq(b[0].ln->name, "LLN0");
	ck_assert_uint_eq(b[1].kind, MCB_URCB);
	ck_assert(!b[1].indexed);
	ck_assert_uint_eq(b[1].max_instances, 1);
	ck_assert_uint_eq(b[1].trgops, 0);
	ck_assert_uint_eq(b[2].kind, MCB_GOCB);
	ck_assert_str_eq(b[2].rpt_id, "app1");
	ck_assert_uint_eq(b[2].conf_rev, 2);
	ck_assert_uint_eq(b[3].kind, MCB_LCB);
	ck_assert_str_eq(b[3].rpt_id, "log1");
	ck_assert_uint_eq(b[3].trgops, MODEL_TRG_QCHG | MODEL_TRG_GI);
	ck_assert_uint_eq(b[4].kind, MCB_SGCB);
	ck_assert_uint_eq(b[4].max_instances, 4);
	ck_assert_uint_eq(b[4].act_sg, 2);
	ck_assert_uint_eq(b[5].kind, MCB_USVCB);
	ck_assert_str_eq(b[5].rpt_id, "sv1");
}
END_TEST

/* ---- broken SCL: each class of fault, with file, line and the fix ---- */

/* A small valid SCL around the pieces a test breaks. */
#define HEAD "<?xml version=\"1.0\"?>\n<SCL xmlns=\"" SCL_NS "\">\n<Header id=\"x\"/>\n"
#define IED_OPEN "<IED name=\"E\"><AccessPoint name=\"A\"><Server>\n<LDevice inst=\"L\">\n"
#define IED_CLOSE "</LDevice>\n</Server></AccessPoint></IED>\n"
#define LN0 "<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\"/>\n"
#define TYPES_OPEN "<DataTypeTemplates>\n<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/></LNodeType>\n"
#define INC "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/><DA name=\"x\" bType=\"INT16\" fc=\"CF\"/></DOType>\n"
#define TYPES_CLOSE "</DataTypeTemplates>\n</SCL>\n"

struct bad_case {
	const char *what;
	const char *text;
	const char *marker;	/* the faulty line holds this; NULL: no line */
	const char *words[4];
	const char *ied;
};

static const struct bad_case bad_cases[] = {
	{ "not XML", "<?xml version=\"1.0\"?>\n\nnot xml at all\n", "not xml",
	  { "not well-formed XML" } },
	{ "truncated XML", HEAD IED_OPEN, NULL, { "not well-formed XML" } },
	{ "not SCL", "<?xml version=\"1.0\"?>\n<foo/>\n", "<foo", { "root element is 'foo'", "not SCL" } },
	{ "SCL in another namespace", "<?xml version=\"1.0\"?>\n<SCL xmlns=\"urn:x\"/>\n", "<SCL",
	  { "namespace 'urn:x'", "not SCL in the namespace " SCL_NS } },
	{ "DOCTYPE", "<?xml version=\"1.0\"?>\n<!DOCTYPE SCL [<!ENTITY a \"aaaa\">]>\n<SCL xmlns=\"" SCL_NS "\"/>\n",
	  NULL, { "DOCTYPE", "not allowed" } },
	{ "dangling DOType", HEAD IED_OPEN LN0 IED_CLOSE
	  "<DataTypeTemplates>\n<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"NOPE\"/></LNodeType>\n" INC TYPES_CLOSE,
	  "type=\"NOPE\"", { "DO 'Mod' in LNodeType 'L0'", "DOType 'NOPE' is not defined", "fix the type" } },
	{ "DO without type", HEAD IED_OPEN LN0 IED_CLOSE
	  "<DataTypeTemplates>\n<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\"/></LNodeType>\n" INC TYPES_CLOSE,
	  "<DO name=\"Mod\"/>", { "DO 'Mod' in LNodeType 'L0' has no type attribute", "add type=\"...\" naming its DOType" } },
	{ "dangling LNodeType", HEAD IED_OPEN LN0 "<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"NOPE\"/>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "lnType=\"NOPE\"", { "LN 'GGIO1'", "LNodeType 'NOPE' is not defined", "lnType" } },
	{ "AccessPoint without name", HEAD "<IED name=\"E\">\n<AccessPoint><Server><LDevice inst=\"L\">\n" LN0 IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<AccessPoint>", { "AccessPoint in IED 'E' has no name attribute", "add name=" } },
	{ "LN without lnType", HEAD IED_OPEN LN0 "<LN lnClass=\"GGIO\" inst=\"1\"/>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "inst=\"1\"/>", { "LN in LDevice 'L' has no lnType attribute" } },
	{ "DA without bType", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"stVal\" fc=\"ST\"/></DOType>\n" TYPES_CLOSE,
	  "<DA name=\"stVal\" fc", { "DA 'stVal' in DOType 'INC' has no bType attribute" } },
	{ "DOType without id", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC "<DOType cdc=\"SPS\"/>\n" TYPES_CLOSE,
	  "<DOType cdc", { "DOType has no id attribute" } },
	{ "unknown bType", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"stVal\" bType=\"INT33\" fc=\"ST\"/></DOType>\n" TYPES_CLOSE,
	  "INT33", { "bType 'INT33' is not an SCL basic type" } },
	{ "unknown fc", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"stVal\" bType=\"INT32\" fc=\"QQ\"/></DOType>\n" TYPES_CLOSE,
	  "fc=\"QQ\"", { "fc 'QQ' is not a functional constraint" } },
	{ "duplicate LN", HEAD IED_OPEN LN0 "<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"L0\"/>\n<LN prefix=\"\" lnClass=\"GGIO\" inst=\"1\" lnType=\"L0\"/>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<LN prefix", { "LN 'GGIO1' is defined twice in LDevice 'L'", "also at line 7" } },
	{ "duplicate DO", HEAD IED_OPEN LN0 IED_CLOSE "<DataTypeTemplates>\n<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/>\n<DO name=\"Mod\" type=\"INC\"/></LNodeType>\n" INC TYPES_CLOSE,
	  "<DO name=\"Mod\" type=\"INC\"/></LN", { "DO 'Mod' is defined twice in LNodeType 'L0'", "also at line 10" } },
	{ "duplicate DA/SDO name", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n<SDO name=\"stVal\" type=\"INC2\"/></DOType>\n<DOType id=\"INC2\" cdc=\"X\"/>\n" TYPES_CLOSE,
	  "<SDO name=\"stVal\"", { "SDO 'stVal' is defined twice in DOType 'INC'" } },
	{ "duplicate type id", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC "<DOType id=\"INC\" cdc=\"SPS\"/>\n" TYPES_CLOSE,
	  "cdc=\"SPS\"", { "DOType id 'INC' is defined twice", "also at line 11" } },
	{ "duplicate EnumVal", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC "<EnumType id=\"E\"><EnumVal ord=\"1\">a</EnumVal>\n<EnumVal ord=\"1\">b</EnumVal></EnumType>\n" TYPES_CLOSE,
	  ">b</EnumVal>", { "EnumVal ord 1 is defined twice in EnumType 'E'" } },
	{ "DOType cycle", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC "<DOType id=\"A\" cdc=\"X\"><SDO name=\"b\" type=\"B\"/></DOType>\n<DOType id=\"B\" cdc=\"X\">\n<SDO name=\"a\" type=\"A\"/></DOType>\n" TYPES_CLOSE,
	  "<SDO name=\"a\"", { "SDO 'a' in DOType 'B' refers to DOType 'A'", "type cycle" } },
	{ "DAType cycle", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC "<DAType id=\"S\">\n<BDA name=\"s\" bType=\"Struct\" type=\"S\"/></DAType>\n" TYPES_CLOSE,
	  "<BDA name=\"s\"", { "BDA 's' in DAType 'S' refers to DAType 'S'", "type cycle" } },
	{ "too deep", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN INC
	  "<DAType id=\"D0\"><BDA name=\"n\" bType=\"Struct\" type=\"D1\"/></DAType>\n"
	  "<DAType id=\"D1\"><BDA name=\"n\" bType=\"Struct\" type=\"D2\"/></DAType>\n"
	  "<DAType id=\"D2\"><BDA name=\"n\" bType=\"Struct\" type=\"D3\"/></DAType>\n"
	  "<DAType id=\"D3\"><BDA name=\"n\" bType=\"Struct\" type=\"D4\"/></DAType>\n"
	  "<DAType id=\"D4\"><BDA name=\"n\" bType=\"Struct\" type=\"D5\"/></DAType>\n"
	  "<DAType id=\"D5\"><BDA name=\"n\" bType=\"Struct\" type=\"D6\"/></DAType>\n"
	  "<DAType id=\"D6\"><BDA name=\"n\" bType=\"Struct\" type=\"D7\"/></DAType>\n"
	  "<DAType id=\"D7\"><BDA name=\"n\" bType=\"Struct\" type=\"D8\"/></DAType>\n"
	  "<DAType id=\"D8\"><BDA name=\"n\" bType=\"Struct\" type=\"D9\"/></DAType>\n"
	  "<DAType id=\"D9\"><BDA name=\"n\" bType=\"Struct\" type=\"Da\"/></DAType>\n"
	  "<DAType id=\"Da\"><BDA name=\"n\" bType=\"Struct\" type=\"Db\"/></DAType>\n"
	  "<DAType id=\"Db\"><BDA name=\"n\" bType=\"Struct\" type=\"Dc\"/></DAType>\n"
	  "<DAType id=\"Dc\"><BDA name=\"n\" bType=\"Struct\" type=\"Dd\"/></DAType>\n"
	  "<DAType id=\"Dd\"><BDA name=\"n\" bType=\"Struct\" type=\"De\"/></DAType>\n"
	  "<DAType id=\"De\"><BDA name=\"n\" bType=\"Struct\" type=\"Df\"/></DAType>\n"
	  "<DAType id=\"Df\"><BDA name=\"n\" bType=\"Struct\" type=\"Dg\"/></DAType>\n"
	  "<DAType id=\"Dg\"><BDA name=\"n\" bType=\"Struct\" type=\"Dh\"/></DAType>\n"
	  "<DAType id=\"Dh\"><BDA name=\"n\" bType=\"INT8\"/></DAType>\n" TYPES_CLOSE,
	  "<DAType id=\"Dh\"", { "nested more than 16 levels" } },
	{ "several IEDs, none named", HEAD "<IED name=\"E1\"/>\n<IED name=\"E2\"/>\n" TYPES_OPEN INC TYPES_CLOSE,
	  NULL, { "the file has 2 IEDs (E1, E2): name the one to serve with --ied NAME (or <scl ied=\"NAME\"> in iedd.xml)" } },
	{ "IED not in the file", HEAD "<IED name=\"E1\"/>\n<IED name=\"E2\"/>\n" TYPES_OPEN INC TYPES_CLOSE,
	  NULL, { "no IED named 'E3'", "it has: E1, E2" }, "E3" },
	{ "no IED", HEAD TYPES_OPEN INC TYPES_CLOSE, NULL, { "no IED" } },
	{ "IED without Server", HEAD "<IED name=\"E\"><AccessPoint name=\"A\"/></IED>\n" TYPES_OPEN INC TYPES_CLOSE,
	  "<IED", { "IED 'E' has no AccessPoint with a Server" } },
	{ "count names no attribute", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"a\" bType=\"INT8\" fc=\"ST\" count=\"nosuch\"/></DOType>\n" TYPES_CLOSE,
	  "count=\"nosuch\"", { "count=\"nosuch\" is neither a number nor the name of an attribute" } },
	{ "count attribute without Val", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"n\" bType=\"INT8U\" fc=\"ST\"/>\n<DA name=\"a\" bType=\"INT8\" fc=\"ST\" count=\"n\"/></DOType>\n" TYPES_CLOSE,
	  "count=\"n\"", { "names attribute 'n', which has no Val" } },
	{ "duplicate DataSet", HEAD IED_OPEN "<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n<DataSet name=\"ds\"/>\n<DataSet name=\"ds\"/></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<DataSet name=\"ds\"/></LN0>", { "DataSet 'ds' is defined twice in LN 'LLN0'", "also at line 7" } },
	{ "no LN0", HEAD "<IED name=\"E\"><AccessPoint name=\"A\"><Server>\n<LDevice inst=\"L\">\n</LDevice>\n</Server></AccessPoint></IED>\n" TYPES_OPEN INC TYPES_CLOSE,
	  "<LDevice", { "LDevice 'L' has no LN0" } },

};

START_TEST(bad_scl)
{
	const struct bad_case *c = &bad_cases[_i];
	char name[64], err[1024], prefix[600];
	struct model *m = (struct model *)1;

	snprintf(name, sizeof(name), "bad%02d.scd", _i);
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, name, c->text);
	int r = load_quiet(path, c->ied, &m, err, sizeof(err));
	ck_assert_msg(r < 0, "%s: loaded", c->what);
	ck_assert_ptr_null(m);
	if (c->marker)
		snprintf(prefix, sizeof(prefix), "%s:%ld: ", path, line_of(c->text, c->marker));
	else
		snprintf(prefix, sizeof(prefix), "%s:", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s: '%s' does not start with '%s'",
		      c->what, err, prefix);
	for (int i = 0; i < 4 && c->words[i]; i++)
		ck_assert_msg(strstr(err, c->words[i]), "%s: '%s' lacks '%s'", c->what, err,
			      c->words[i]);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(missing_file)
{
	char err[256];
	struct model *m;
	ck_assert_int_eq(load_quiet("/nonexistent/x.icd", NULL, &m, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.icd: cannot open"));
	/* a NULL error buffer is allowed */
	ck_assert_int_eq(model_load_scl("/nonexistent/x.icd", NULL, &m, NULL, 0), -ENOENT);
}
END_TEST

/* Faults that files in the field have are tolerated with a warning. */
START_TEST(tolerated)
{
	static const char text[] = HEAD IED_OPEN
		"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"
		"<DOI name=\"Mod\"><DAI name=\"nosuch\"><Val>1</Val></DAI></DOI>\n"
		"<DOI name=\"NoDO\"/>\n"
		"</LN0>\n" IED_CLOSE
		"<DataTypeTemplates>\n<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"INC\"/></LNodeType>\n"
		"<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"stVal\" bType=\"Enum\" type=\"Missing\" fc=\"ST\"/></DOType>\n"
		"<DOType id=\"UNUSED\" cdc=\"X\"><SDO name=\"s\" type=\"AlsoMissing\"/></DOType>\n"
		TYPES_CLOSE;
	char err[512];
	struct model *m;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "tolerated.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(model_n_warnings(m), 3);
	/* in line order */
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), ":7: DAI 'nosuch'"));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 1), ":8: DOI 'NoDO'"));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 2), "EnumType 'Missing' is not defined"));
	ck_assert_ptr_null(model_warning(m, 3));
	/* the enumeration without an EnumType takes any integer */
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod.stVal[ST]", &r), 0);
	ck_assert_int_eq(model_set_text(m, r.type, r.voff, "42"), 0);
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- findings: repairable faults (doc/scl-findings.md) ---- */

#define LN0_OPEN "<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\">\n"
#define ENUM_E "<EnumType id=\"E\"><EnumVal ord=\"1\">on</EnumVal><EnumVal ord=\"2\">off</EnumVal></EnumType>\n"

/* What the repaired model must serve instead. */
enum fix_check {
	FIX_VALUE,	/* ref reads as `expect` */
	FIX_ABSENT,	/* ref does not resolve */
	FIX_DS_N,	/* data set `ref` ("LLN0$ds") has `expect` members */
	FIX_CB_DS,	/* control block 0 of LD 'L' has data set `expect` */
};

struct fix_case {
	const char *what;
	const char *text;
	const char *marker;	/* the warning's line holds this; NULL: no warning */
	const char *words[4];
	enum fix_check check;
	const char *ref;
	const char *expect;
};

static const struct fix_case fix_cases[] = {
	{ "DAI Val out of range", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"x\">\n<Val>99999</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<Val>99999", { "DAI 'Mod.x' of LN 'LLN0'", "Val '99999' does not fit its type INT16", "served as '0'", "fix the Val" },
	  FIX_VALUE, "L/LLN0.Mod.x[CF]", "0" },
	{ "DAI Val not valid keeps the template Val", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"db\">\n<Val>0.05</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"db\" bType=\"INT32U\" fc=\"CF\"><Val>7</Val></DA></DOType>\n" TYPES_CLOSE,
	  "<Val>0.05", { "Val '0.05' does not fit its type INT32U", "not a valid value", "served as '7'" },
	  FIX_VALUE, "L/LLN0.Mod.db[CF]", "7" },
	{ "template Val not valid", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"b\" bType=\"BOOLEAN\" fc=\"CF\">\n<Val>maybe</Val></DA></DOType>\n" TYPES_CLOSE,
	  "<Val>maybe", { "DA 'b' in DOType 'INC'", "Val 'maybe' does not fit its type BOOLEAN", "served as 'false'" },
	  FIX_VALUE, "L/LLN0.Mod.b[CF]", "false" },
	{ "enum Val not a member: the first member", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"e\">\n<Val>sideways</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"ST\"/></DOType>\n" ENUM_E TYPES_CLOSE,
	  "<Val>sideways", { "Val 'sideways' does not fit its type Enum E", "not a member", "served as 'on'" },
	  FIX_VALUE, "L/LLN0.Mod.e[ST]", "on" },
	{ "empty Val for a Quality", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"q\">\n<Val></Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"q\" bType=\"Quality\" fc=\"ST\"/></DOType>\n" TYPES_CLOSE,
	  "<Val></Val>", { "Val '' does not fit its type Quality" },
	  FIX_VALUE, "L/LLN0.Mod.q[ST]", "0000000000000" },
	{ "string Val too long", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"s\">\n<Val>0123456789012345678901234567890123456789</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"s\" bType=\"VisString32\" fc=\"DC\"/></DOType>\n" TYPES_CLOSE,
	  "<Val>0123", { "VisString32", "too long", "served as ''" },
	  FIX_VALUE, "L/LLN0.Mod.s[DC]", "" },
	{ "Val on a structured attribute", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\">\n<DA name=\"v\" bType=\"Struct\" type=\"AV\" fc=\"MX\">\n<Val>1.5</Val></DA></DOType>\n<DAType id=\"AV\"><BDA name=\"f\" bType=\"FLOAT32\"/></DAType>\n" TYPES_CLOSE,
	  "<Val>1.5", { "DA 'v' in DOType 'INC'", "a Val on a structured attribute; ignored" },
	  FIX_VALUE, "L/LLN0.Mod.v.f[MX]", "0" },
	{ "BOOLEAN TRUE is taken with a warning", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"b\">\n<Val>TRUE</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"b\" bType=\"BOOLEAN\" fc=\"CF\"/></DOType>\n" TYPES_CLOSE,
	  "<Val>TRUE", { "Val 'TRUE' is not an xs:boolean; taken as true", "write \"true\"" },
	  FIX_VALUE, "L/LLN0.Mod.b[CF]", "true" },
	{ "Enum by ordinal is taken with a warning", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"e\">\n<Val>2</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"ST\"/></DOType>\n" ENUM_E TYPES_CLOSE,
	  "<Val>2", { "Val '2' is an ordinal of EnumType 'E'", "taken as 'off'", "write the name" },
	  FIX_VALUE, "L/LLN0.Mod.e[ST]", "off" },
	{ "white space around a Val is no fault", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"b\"><Val> true\n</Val></DAI><DAI name=\"e\"><Val>  off </Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"b\" bType=\"BOOLEAN\" fc=\"CF\"/><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"ST\"/></DOType>\n" ENUM_E TYPES_CLOSE,
	  NULL, { NULL }, FIX_VALUE, "L/LLN0.Mod.e[ST]", "off" },
	{ "DOI without a name: ignored", HEAD IED_OPEN LN0_OPEN "<DOI>\n<DAI name=\"x\"><Val>5</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<DOI>", { "DOI in LN 'LLN0' has no name", "ignored with what it holds", "add name=" },
	  FIX_VALUE, "L/LLN0.Mod.x[CF]", "0" },
	{ "DAI with a bad ix: ignored, the others applied", HEAD IED_OPEN LN0_OPEN "<DOI name=\"Mod\"><DAI name=\"stVal\"><Val>3</Val></DAI>\n<DAI name=\"x\" ix=\"one\"><Val>5</Val></DAI></DOI>\n</LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "ix=\"one\"", { "DAI 'x' in LN 'LLN0': ix=\"one\" is not an array index", "ignored", "fix ix" },
	  FIX_VALUE, "L/LLN0.Mod.stVal[ST]", "3" },
	{ "an LNodeType no LN uses may have a DO without type or of an undefined DOType", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<LNodeType id=\"OTHER\" lnClass=\"GGIO\"><DO name=\"Ind\"/><DO name=\"Alm\" type=\"NOPE\"/></LNodeType>\n" INC TYPES_CLOSE,
	  NULL, { NULL }, FIX_VALUE, "L/LLN0.Mod.stVal[ST]", "0" },
	{ "an Enum without a Val holds its first member", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"ST\"/></DOType>\n" ENUM_E TYPES_CLOSE,
	  NULL, { NULL }, FIX_VALUE, "L/LLN0.Mod.e[ST]", "on" },
	{ "dangling DAType: the DA is left out", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n<DA name=\"Cancel\" bType=\"Struct\" type=\"CANCEL\" fc=\"CO\"/></DOType>\n" TYPES_CLOSE,
	  "type=\"CANCEL\"", { "DA 'Cancel' in DOType 'INC'", "DAType 'CANCEL' is not defined", "left out of DOType 'INC'" },
	  FIX_ABSENT, "L/LLN0.Mod[CO]", NULL },
	{ "Struct DA without type: left out", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n<DA name=\"Oper\" bType=\"Struct\" fc=\"CO\"/></DOType>\n" TYPES_CLOSE,
	  "name=\"Oper\"", { "DA 'Oper' in DOType 'INC' has no type attribute", "left out", "add type=" },
	  FIX_ABSENT, "L/LLN0.Mod.Oper[CO]", NULL },
	{ "SDO with an undefined type: left out", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n<SDO name=\"sub\" type=\"NOPE\"/></DOType>\n" TYPES_CLOSE,
	  "name=\"sub\"", { "SDO 'sub' in DOType 'INC'", "DOType 'NOPE' is not defined", "left out" },
	  FIX_ABSENT, "L/LLN0.Mod.sub.stVal[ST]", NULL },
	{ "SDO without type: left out", HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
	  "<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n<SDO name=\"sub2\"/></DOType>\n" TYPES_CLOSE,
	  "name=\"sub2\"", { "SDO 'sub2' in DOType 'INC' has no type attribute", "left out" },
	  FIX_ABSENT, "L/LLN0.Mod.sub2.stVal[ST]", NULL },
	{ "FCDA unresolvable: left out, the others kept", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"stVal\" fc=\"ST\"/>\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"nosuch\" fc=\"ST\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "nosuch", { "FCDA 'L/LLN0.Mod.nosuch[ST]' in DataSet 'ds'", "no such data attribute", "left out of the data set, ConfRev unchanged" },
	  FIX_DS_N, "LLN0$ds", "1" },
	{ "FCDA wrong FC", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"stVal\" fc=\"MX\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "fc=\"MX\"", { "FCDA 'L/LLN0.Mod.stVal[MX]'", "no attribute with this FC", "left out" },
	  FIX_DS_N, "LLN0$ds", "0" },
	{ "FCDA unknown LN", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" lnClass=\"MMXU\" lnInst=\"1\" doName=\"A\" fc=\"MX\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "MMXU", { "has no LN 'MMXU1'", "left out" }, FIX_DS_N, "LLN0$ds", "0" },
	{ "FCDA unknown LD", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"X\" lnClass=\"LLN0\" doName=\"Mod\" fc=\"ST\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "ldInst=\"X\"", { "has no LDevice with inst 'X'", "left out" }, FIX_DS_N, "LLN0$ds", "0" },
	{ "FCDA without fc: left out", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"stVal\" fc=\"ST\"/>\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"x\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "daName=\"x\"/>", { "FCDA 'L/LLN0.Mod.x[]' in DataSet 'ds'", "no fc attribute (add fc=", "left out of the data set" },
	  FIX_DS_N, "LLN0$ds", "1" },
	{ "FCDA without lnClass: left out", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" doName=\"Mod\" fc=\"ST\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<FCDA", { "in DataSet 'ds'", "no lnClass attribute (add lnClass=", "left out" }, FIX_DS_N, "LLN0$ds", "0" },
	{ "FCDA with a bad ix: left out", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\">\n<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" fc=\"ST\" ix=\"-1\"/>\n</DataSet></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<FCDA", { "ix=\"-1\" is not an array index", "fix ix", "left out" }, FIX_DS_N, "LLN0$ds", "0" },
	{ "control block without its data set: kept without one", HEAD IED_OPEN LN0_OPEN "<ReportControl name=\"rcb\" datSet=\"nods\"/></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<ReportControl", { "ReportControl 'rcb' in LN 'LLN0'", "DataSet 'nods' is not defined", "served without a data set" },
	  FIX_CB_DS, NULL, "" },
	{ "log control block without its data set", HEAD IED_OPEN LN0_OPEN "<LogControl name=\"lcb\" datSet=\"nods\" logName=\"l\"/></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<LogControl", { "LogControl 'lcb'", "served without a data set" }, FIX_CB_DS, NULL, "" },
	{ "datSet as an MMS reference: resolved", HEAD IED_OPEN LN0_OPEN "<DataSet name=\"ds\"/>\n<ReportControl name=\"rcb\" datSet=\"EL/LLN0$BR$ds\"/></LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE,
	  "<ReportControl", { "datSet 'EL/LLN0$BR$ds' is not the name of a DataSet", "taken as DataSet 'ds'", "write datSet=\"ds\"" },
	  FIX_CB_DS, NULL, "ds" },
};

START_TEST(fixed_scl)
{
	const struct fix_case *c = &fix_cases[_i];
	char name[64], err[1024], prefix[600], got[256];
	struct model *m;

	snprintf(name, sizeof(name), "fix%02d.scd", _i);
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, name, c->text);
	int r = load_quiet(path, NULL, &m, err, sizeof(err));
	ck_assert_msg(r == 0, "%s: refused: %s", c->what, err);
	if (!c->marker) {
		ck_assert_msg(model_n_warnings(m) == 0, "%s: %s", c->what, model_warning(m, 0));
		ck_assert_int_eq(model_strict(m, err, sizeof(err)), 0);
	} else {
		ck_assert_msg(model_n_warnings(m) == 1, "%s: %u warnings", c->what,
			      model_n_warnings(m));
		const char *w = model_warning(m, 0);
		snprintf(prefix, sizeof(prefix), "%s:%ld: ", path, line_of(c->text, c->marker));
		ck_assert_msg(!strncmp(w, prefix, strlen(prefix)), "%s: '%s' does not start with '%s'",
			      c->what, w, prefix);
		for (int i = 0; i < 4 && c->words[i]; i++)
			ck_assert_msg(strstr(w, c->words[i]), "%s: '%s' lacks '%s'", c->what, w,
				      c->words[i]);
		/* --strict refuses it, with the warning as the message */
		ck_assert_int_eq(model_strict(m, err, sizeof(err)), -EINVAL);
		ck_assert_msg(!strncmp(err, w, strlen(w)) && strstr(err, "strict: 1 warning"), "%s",
			      err);
	}
	struct mref mr;
	const struct mld *ld = model_find_ld_inst(m, "L");
	ck_assert_ptr_nonnull(ld);
	switch (c->check) {
	case FIX_VALUE:
		ck_assert_msg(model_resolve_ref(m, c->ref, &mr) == 0, "%s: %s", c->what, c->ref);
		model_get_text(m, mr.type, mr.voff, got, sizeof(got));
		ck_assert_str_eq(got, c->expect);
		break;
	case FIX_ABSENT:
		ck_assert_int_eq(model_resolve_ref(m, c->ref, &mr), -ENOENT);
		/* the rest of the data object is served */
		ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod.stVal[ST]", &mr), 0);
		break;
	case FIX_DS_N: {
		const struct mdataset *ds = model_find_dataset(ld, c->ref);
		ck_assert_ptr_nonnull(ds);
		snprintf(got, sizeof(got), "%u", ds->n);
		ck_assert_str_eq(got, c->expect);
		break;
	}
	case FIX_CB_DS:
		ck_assert_uint_eq(ld->n_cb, 1);
		ck_assert_str_eq(ld->cbs[0].dataset, c->expect);
		break;
	}
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Issue 9 item 9: a structure holding an Enum without a Val, read and
 * written back as MMS Data, is accepted (0 is not a member of E). */
START_TEST(enum_default_round_trip)
{
	static const char text[] = HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
		"<DOType id=\"INC\" cdc=\"INC\"><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"CF\"/>"
		"<DA name=\"n\" bType=\"INT8\" fc=\"CF\"/></DOType>\n" ENUM_E TYPES_CLOSE;
	char err[512];
	struct model *m;
	struct mref r;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "enumdefault.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod[CF]", &r), 0);
	struct buf b;
	buf_init(&b, 0, 0);
	model_encode_data(m, r.type, r.voff, &b);
	uint8_t *copy = malloc(b.len);
	memcpy(copy, buf_data(&b), b.len);
	struct ber_cur cur;
	struct ber_tlv tlv;
	ber_cur_init(&cur, copy, b.len);
	ck_assert_int_eq(ber_next(&cur, &tlv, NULL), 0);
	ck_assert_int_eq(model_store_data_unhooked(m, r.type, r.voff, &cur, &tlv), 0);
	char got[64];
	ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod.e[CF]", &r), 0);
	model_get_text(m, r.type, r.voff, got, sizeof(got));
	ck_assert_str_eq(got, "on");
	free(copy);
	buf_clear(&b);
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A member left out of a data set: the others stay in order, and the
 * control block keeps its data set and the ConfRev written in the SCL. */
START_TEST(fcda_left_out_confrev_kept)
{
	static const char text[] = HEAD IED_OPEN LN0_OPEN
		"<DataSet name=\"ds\">\n"
		"<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"x\" fc=\"CF\"/>\n"
		"<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"zz\" fc=\"ST\"/>\n"
		"<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"stVal\" fc=\"ST\"/>\n"
		"</DataSet>\n"
		"<ReportControl name=\"r\" datSet=\"ds\" confRev=\"5\"/>\n"
		"</LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE;
	char err[512];
	struct model *m;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "confrev.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(model_n_warnings(m), 1);
	const struct mld *ld = model_find_ld_inst(m, "L");
	const struct mdataset *ds = model_find_dataset(ld, "LLN0$ds");
	ck_assert_ptr_nonnull(ds);
	ck_assert_uint_eq(ds->n, 2);
	ck_assert_str_eq(ds->members[0].ref, "L/LLN0.Mod.x[CF]");
	ck_assert_str_eq(ds->members[1].ref, "L/LLN0.Mod.stVal[ST]");
	ck_assert_uint_eq(ld->n_cb, 1);
	ck_assert_str_eq(ld->cbs[0].dataset, "ds");
	ck_assert_uint_eq(ld->cbs[0].conf_rev, 5);
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Control block attributes whose value does not fit: the block keeps the
 * attribute's default (capitalised booleans are taken as meant), with a
 * warning each, in line order. */
START_TEST(cb_attributes_repaired)
{
	static const char text[] = HEAD IED_OPEN LN0_OPEN
		"<DataSet name=\"ds\"/>\n"
		"<ReportControl name=\"r\" datSet=\"ds\"\n"
		" confRev=\"1.0\" buffered=\"True\" indexed=\"yes\" bufTime=\"-5\" intgPd=\"2s\">\n"
		"<TrgOps dchg=\"TRUE\" qchg=\"true\" gi=\"nope\"/>\n"
		"<OptFields seqNum=\" true \" dataSet=\"False\"/>\n"
		"<RptEnabled max=\"200\"/>\n"
		"</ReportControl>\n"
		"<LogControl name=\"l\" datSet=\"ds\" logName=\"log\" intgPd=\"x\"/>\n"
		"<SampledValueControl name=\"s\" datSet=\"ds\" smvID=\"s\" multicast=\"False\"/>\n"
		"</LN0>\n" IED_CLOSE TYPES_OPEN INC TYPES_CLOSE;
	static const struct { const char *marker, *words; } w[] = {
		{ " confRev=", "confRev=\"1.0\" is not a number from 0 to 4294967295; served as 0" },
		{ " confRev=", "buffered=\"True\" is not an xs:boolean; taken as true" },
		{ " confRev=", "indexed=\"yes\" is not a boolean; served as true" },
		{ " confRev=", "bufTime=\"-5\" is not a number" },
		{ " confRev=", "intgPd=\"2s\" is not a number" },
		{ "<TrgOps", "dchg=\"TRUE\" is not an xs:boolean; taken as true" },
		{ "<TrgOps", "gi=\"nope\" is not a boolean; served as true" },
		{ "<OptFields", "dataSet=\"False\" is not an xs:boolean; taken as false" },
		{ "<RptEnabled", "max=\"200\" is not a number from 0 to 99; served as 1" },
		{ "<LogControl", "LogControl 'l' in LN 'LLN0': intgPd=\"x\"" },
		{ "<SampledValueControl", "multicast=\"False\" is not an xs:boolean; taken as false" },
	};
	const size_t n = sizeof(w) / sizeof(w[0]);
	char err[512], prefix[600];
	struct model *m;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "cbattr.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(model_n_warnings(m), n);
	for (size_t i = 0; i < n; i++) {
		const char *got = model_warning(m, (uint32_t)i);
		snprintf(prefix, sizeof(prefix), "%s:%ld: ", path, line_of(text, w[i].marker));
		ck_assert_msg(!strncmp(got, prefix, strlen(prefix)) && strstr(got, w[i].words),
			      "warning %zu: '%s' is not '%s...%s'", i, got, prefix, w[i].words);
	}
	ck_assert_int_eq(model_strict(m, err, sizeof(err)), -EINVAL);
	const struct mld *ld = model_find_ld_inst(m, "L");
	ck_assert_uint_eq(ld->n_cb, 3);
	const struct mcb *r = NULL, *l = NULL, *sv = NULL;
	for (uint32_t i = 0; i < ld->n_cb; i++) {
		const struct mcb *cb = &ld->cbs[i];
		if (!strcmp(cb->name, "r"))
			r = cb;
		else if (!strcmp(cb->name, "l"))
			l = cb;
		else
			sv = cb;
	}
	ck_assert(r && l && sv);
	ck_assert_int_eq(r->kind, MCB_BRCB);
	ck_assert(r->buffered && r->indexed);
	ck_assert_uint_eq(r->conf_rev, 0);
	ck_assert_uint_eq(r->buf_time, 0);
	ck_assert_uint_eq(r->intg_pd, 0);
	ck_assert_uint_eq(r->trgops, MODEL_TRG_DCHG | MODEL_TRG_QCHG | MODEL_TRG_GI);
	ck_assert_uint_eq(r->opt_fields, 1u << 1);
	ck_assert_uint_eq(r->max_instances, 1);
	ck_assert_str_eq(r->dataset, "ds");
	ck_assert_int_eq(l->kind, MCB_LCB);
	ck_assert_uint_eq(l->intg_pd, 0);
	ck_assert_int_eq(sv->kind, MCB_USVCB);
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A DA's trigger option that is not an xs:boolean: "True" taken as meant,
 * anything else false, with a warning each. */
START_TEST(da_trgops_repaired)
{
	static const char text[] = HEAD IED_OPEN LN0 IED_CLOSE TYPES_OPEN
		"<DOType id=\"INC\" cdc=\"INC\">\n"
		"<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"True\" dupd=\"on\"/>\n"
		"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\" true \"/>\n"
		"</DOType>\n" TYPES_CLOSE;
	char err[512];
	struct model *m;
	struct mref r;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "trgops.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(model_n_warnings(m), 2);
	ck_assert_ptr_nonnull(strstr(model_warning(m, 0), ":12: DA 'stVal' in DOType 'INC':"
				     " dchg=\"True\" is not an xs:boolean; taken as true"));
	ck_assert_ptr_nonnull(strstr(model_warning(m, 1), ":12: DA 'stVal' in DOType 'INC':"
				     " dupd=\"on\" is not a boolean; served as false"));
	ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod.stVal[ST]", &r), 0);
	ck_assert_uint_eq(r.type->trgops, MODEL_TRG_DCHG);
	ck_assert_int_eq(model_resolve_ref(m, "L/LLN0.Mod.q[ST]", &r), 0);
	ck_assert_uint_eq(r.type->trgops, MODEL_TRG_QCHG);
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Many repairable faults: every one is reported, in line order. */
START_TEST(findings_in_line_order)
{
	static const char text[] = HEAD IED_OPEN LN0_OPEN
		"<DataSet name=\"ds\">\n"
		"<FCDA ldInst=\"L\" lnClass=\"LLN0\" doName=\"Mod\" daName=\"zz\" fc=\"ST\"/>\n"
		"<FCDA ldInst=\"L\" lnClass=\"GGIO\" lnInst=\"9\" doName=\"Mod\" fc=\"ST\"/>\n"
		"</DataSet>\n"
		"<ReportControl name=\"r\" datSet=\"none\"/>\n"
		"<DOI name=\"Mod\"><DAI name=\"x\"><Val>x1</Val></DAI>\n"
		"<DAI name=\"e\"><Val>9</Val></DAI></DOI>\n"
		"</LN0>\n" IED_CLOSE TYPES_OPEN
		"<DOType id=\"INC\" cdc=\"INC\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>\n"
		"<DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"ST\"/>\n"
		"<DA name=\"x\" bType=\"INT16\" fc=\"CF\"><Val>bad</Val></DA>\n"
		"<DA name=\"Cancel\" bType=\"Struct\" type=\"NOPE\" fc=\"CO\"/></DOType>\n"
		ENUM_E TYPES_CLOSE;
	char err[512];
	struct model *m;
	const char *dir = tmpdir_new();
	const char *path = write_file(dir, "many.icd", text);
	ck_assert_msg(load_quiet(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	static const char *const markers[] = { "daName=\"zz\"", "lnInst=\"9\"", "<ReportControl",
		"<Val>x1", "<Val>9", "<Val>bad", "type=\"NOPE\"" };
	const size_t n = sizeof(markers) / sizeof(markers[0]);
	ck_assert_uint_eq(model_n_warnings(m), n);
	for (size_t i = 0; i < n; i++) {
		char prefix[600];
		snprintf(prefix, sizeof(prefix), "%s:%ld: ", path, line_of(text, markers[i]));
		ck_assert_msg(!strncmp(model_warning(m, (uint32_t)i), prefix, strlen(prefix)),
			      "warning %zu: '%s' does not start with '%s'", i,
			      model_warning(m, (uint32_t)i), prefix);
	}
	model_free(m);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- a generated model ---- */

static struct model *load_generated(const char *var, double *ms)
{
	const char *path = getenv(var);
	char err[512];
	struct model *m;
	struct timespec a, b;
	ck_assert_msg(path != NULL, "%s is not set (meson sets it)", var);
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = load_quiet(path, NULL, &m, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(r == 0, "%s: %s", path, err);
	*ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	return m;
}

START_TEST(generated_1000)
{
	double ms100, ms1000;
	struct model *m100 = load_generated("IEDD_GEN100", &ms100);
	struct model *m = load_generated("IEDD_GEN1000", &ms1000);
	/* (timings for the log; the bounds are checked by the benchmark) */
	printf("# generated model load: 100 LNs %.1f ms, 1000 LNs %.1f ms\n", ms100, ms1000);
	ck_assert_uint_eq(m->n_ld, 1);
	ck_assert_uint_eq(m->lds[0].n_ln, 1002);
	/* types are shared: the type count does not grow with the LNs */
	ck_assert_uint_eq(m->n_types, m100->n_types);
	const struct mld *ld = &m->lds[0];
	ck_assert_ptr_eq(model_find_ln(ld, "MMXU1", 5)->type, model_find_ln(ld, "MMXU334", 7)->type);
	struct mref r;
	char t[64];
	ck_assert_int_eq(model_resolve_ref(m, "LD0/XCBR333.Pos.stVal[ST]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "off");
	ck_assert_str_eq(model_saddr(m, r.voff), "xcbr333.pos");
	ck_assert_int_eq(model_resolve_mms(m, "GENLD0", "MMXU334$MX$PhV$phsA$cVal$mag$f", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "230.5");
	ck_assert_int_eq(model_resolve_ref(m, "LD0/MMXU334.TotW.db[CF]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "434");
	ck_assert_int_eq(model_resolve_ref(m, "LD0/GGIO333.NamPlt.d[DC]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "GGIO 333, generated");
	ck_assert_int_eq(model_resolve_ref(m, "LD0/GGIO333.SPCSO1.ctlModel[CF]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "direct-with-normal-security");
	/* the template default where no DOI says otherwise */
	ck_assert_int_eq(model_resolve_ref(m, "LD0/GGIO333.SPCSO2.ctlModel[CF]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "status-only");
	ck_assert_int_eq(model_resolve_ref(m, "LD0/XCBR1.NamPlt.vendor[DC]", &r), 0);
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	ck_assert_str_eq(t, "iedd");
	const struct mdataset *ds = model_find_dataset(ld, "LLN0$Events");
	ck_assert_ptr_nonnull(ds);
	ck_assert_uint_eq(ds->n, 30);
	ck_assert_uint_eq(ld->n_cb, 1);
	ck_assert_uint_eq(ld->cbs[0].max_instances, 4);
	/* every LN resolves by name */
	for (uint32_t i = 0; i < ld->n_ln; i++)
		ck_assert_ptr_eq(model_find_ln(ld, ld->lns[i].name, strlen(ld->lns[i].name)),
				 &ld->lns[i]);
	model_free(m);
	model_free(m100);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, fc_and_btype_names);
	tcase_add_test(tc, fc_carried);
	suite_add_tcase(s, tc);

	tc = tcase_create("alltypes");
	tcase_add_checked_fixture(tc, load_alltypes, free_alltypes);
	tcase_add_test(tc, typedesc_sps);
	tcase_add_loop_test(tc, typedesc_basic, 0, (int)(sizeof(td_cases) / sizeof(td_cases[0])));
	tcase_add_test(tc, typedesc_ln_and_sharing);
	tcase_add_loop_test(tc, value_round_trip, 0, (int)(sizeof(rt_cases) / sizeof(rt_cases[0])));
	tcase_add_test(tc, value_decode_refusals);
	tcase_add_test(tc, value_structured_all_or_nothing);
	tcase_add_test(tc, value_text_refusals);
	tcase_add_test(tc, lookups);
	tcase_add_test(tc, saddr);
	tcase_add_test(tc, datasets_and_cbs);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	tcase_add_loop_test(tc, bad_scl, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, tolerated);
	tcase_add_loop_test(tc, fixed_scl, 0, (int)(sizeof(fix_cases) / sizeof(fix_cases[0])));
	tcase_add_test(tc, enum_default_round_trip);
	tcase_add_test(tc, fcda_left_out_confrev_kept);
	tcase_add_test(tc, cb_attributes_repaired);
	tcase_add_test(tc, da_trgops_repaired);
	tcase_add_test(tc, findings_in_line_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("generated");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, generated_1000);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(model_suite)
