/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the process-variable runtime: the deadband with exact
 * numbers, the CSV map's syntax errors (file:line:column), the binding
 * checks against the embedded sample model and the sim plugin, change
 * classification (dchg / qchg / dupd) with q and t, conversion with scale
 * and offset, the write hook path, and the scan schedule on a fake
 * pv_clock (the loop's scan timers on a hand-driven queue, a blocking
 * source's thread). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadband.h"
#include "embedded.h"
#include "log.h"
#include "map.h"
#include "model.h"
#include "pv.h"
#include "timer.h"
#include "update.h"

/* The instant a direct pv_scan gives values their sources leave unstamped
 * (2023-11-14T22:13:20Z): tests pass the time, they read no clock. */
#define SCAN_T_NS (1700000000ull * 1000000000u)

#define ck_assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)), "'%s' does not contain '%s'", (hay), (needle))

static struct model *sample(void)
{
	struct model *m = NULL;
	char err[1024];
	int r = model_load_scl_mem("sample.icd", embedded_sample_icd, embedded_sample_icd_len, NULL,
				   &m, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	return m;
}

/* ---- deadband ---- */

START_TEST(deadband_plain_exact)
{
	/* range -1000..1000 = 2000; db 1000 = 1 % = 20; zeroDb 250 = 0.25 % = 5 */
	struct deadband_cfg c = { .db = 1000, .zero_db = 250, .min = -1000, .max = 1000,
				  .has_range = true };
	double out;
	ck_assert(!deadband_apply(&c, 120.0, 100.0, &out));	/* |20| is not > 20 */
	ck_assert(out == 100.0);
	ck_assert(deadband_apply(&c, 120.5, 100.0, &out));	/* 20.5 > 20 */
	ck_assert(out == 120.5);
	ck_assert(deadband_apply(&c, 79.0, 100.0, &out));	/* -21 */
	ck_assert(out == 79.0);
	ck_assert(deadband_apply(&c, 4.0, 30.0, &out));	/* within zeroDb: forced to 0 */
	ck_assert(out == 0.0);
	ck_assert(!deadband_apply(&c, -5.0, 0.0, &out));	/* |-5| <= 5 and mag already 0 */
	ck_assert(out == 0.0);
	ck_assert(deadband_apply(&c, 5.5, 0.0, &out) == false);	/* outside zeroDb, inside db */
	ck_assert(out == 0.0);
	ck_assert(deadband_apply(&c, 20.01, 0.0, &out));	/* outside db */
	ck_assert(fabs(out - 20.01) < 1e-12);
	c.db = 0;						/* every change */
	ck_assert(deadband_apply(&c, 100.001, 100.0, &out));
	ck_assert(!deadband_apply(&c, 100.0, 100.0, &out));
	c.has_range = false;					/* no range: follows */
	c.db = 100000;
	ck_assert(deadband_apply(&c, 3.0, 0.0, &out) && out == 3.0);
}
END_TEST

/* ---- map syntax ---- */

static void parse_fails(const char *text, const char *expect)
{
	struct map *m = (struct map *)1;
	char err[512] = "";
	ck_assert_int_eq(map_parse("t.csv", text, strlen(text), &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_contains(err, expect);
}

START_TEST(map_syntax)
{
	struct map *m;
	char err[512] = "";
	const char *ok = "# comment\n"
			 "\n"
			 "reference,source,address,scale,offset,direction,scanClass\r\n"
			 "LD/LN.DO.f[MX],sim,\"sine:period=10,amplitude=5\",0.1,-3,r,fast\n"
			 "  # indented comment\n"
			 "LD/LN.DO.x[SP], sim , const:1 ,,,rw,\n"
			 "LD/LN.DO.y[SP],sim,\"a \"\"quoted\"\" one\",,,w,\n";
	ck_assert_int_eq(map_parse("t.csv", ok, strlen(ok), &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m->n, 3);
	ck_assert_str_eq(m->rows[0].address, "sine:period=10,amplitude=5");
	ck_assert(m->rows[0].scale == 0.1 && m->rows[0].offset == -3 && m->rows[0].scaled);
	ck_assert_str_eq(m->rows[0].scan, "fast");
	ck_assert_uint_eq(m->rows[0].line, 4);
	ck_assert_uint_eq(m->rows[1].dir, MAP_DIR_R | MAP_DIR_W);
	ck_assert_str_eq(m->rows[1].source, "sim");
	ck_assert_str_eq(m->rows[1].address, "const:1");
	ck_assert(!m->rows[1].scaled);
	ck_assert_str_eq(m->rows[2].address, "a \"quoted\" one");
	ck_assert_uint_eq(m->rows[2].dir, MAP_DIR_W);
	map_free(m);

	parse_fails("reference,source,adress\n", "t.csv:1:18: unknown column 'adress'");
	parse_fails("reference,source\n", "t.csv:1:1: the header names no 'address' column");
	parse_fails("# only a comment\n", "no header line");
	parse_fails("reference,source,address\nLD/LN.DO.f[MX],sim\n", "t.csv:2:16: 2 fields");
	parse_fails("reference,source,address\nLDLN.DO.f,sim,x\n", "t.csv:2:1: reference 'LDLN.DO.f'");
	parse_fails("reference,source,address,direction\nL/N.D.f[MX],sim,x,rx\n",
		    "t.csv:2:19: direction 'rx'");
	parse_fails("reference,source,address,scale\nL/N.D.f[MX],sim,x,ten\n",
		    "t.csv:2:19: scale 'ten' is not a number");
	parse_fails("reference,source,address,scale\nL/N.D.f[MX],sim,x,0\n", "t.csv:2:19: scale 0");
	parse_fails("reference,source,address\nL/N.D.f[MX],sim,\"open\n", "t.csv:2:17: quoted field");
	parse_fails("reference,source,address\nL/N.D.f[MX],s m,x\n", "t.csv:2:13: source 's m'");
}
END_TEST

/* ---- binding against the model and the sim plugin ---- */

static int bind(struct model *m, const char *csv, struct pv **out, char *err, size_t errlen)
{
	struct map *map;
	int r = map_parse("m.csv", csv, strlen(csv), &map, err, errlen);
	ck_assert_msg(r == 0, "%s", err);
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim" };
	const struct pv_scan_cfg fast = { .name = "fast", .period_ms = 100 };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .scans = &fast, .n_scans = 1,
				    .default_period_ms = 1000, .map = map };
	r = pv_new(m, &cfg, out, err, errlen);
	map_free(map);
	return r;
}

static void bind_fails(struct model *m, const char *row, const char *expect)
{
	char csv[1024], err[2048] = "";
	struct pv *pv = NULL;
	snprintf(csv, sizeof(csv), "reference,source,address,scale,offset,direction,scanClass\n%s\n",
		 row);
	ck_assert_int_ne(bind(m, csv, &pv, err, sizeof(err)), 0);
	ck_assert_ptr_null(pv);
	ck_assert_contains(err, expect);
}

START_TEST(bind_errors)
{
	struct model *m = sample();
	bind_fails(m, "IEDD1BAY/MMXU1.Nope.mag.f[MX],sim,sine,,,r,", "m.csv:2:1: reference 'IEDD1BAY/MMXU1.Nope.mag.f[MX]' names nothing");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.q[MX],sim,const:1,,,r,", "m.csv:2:1: reference 'IEDD1BAY/MMXU1.TotW.q[MX]' is of type Quality");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW[MX],sim,const:1,,,r,", "is not a basic attribute");
	/* malformed references say why (objref.h's rules) */
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.mag.f[XX],sim,sine,,,r,",
		   "m.csv:2:1: reference 'IEDD1BAY/MMXU1.TotW.mag.f[XX]': [XX] is not a functional constraint");
	bind_fails(m, "IEDD1BAY/MMXU1.Tot-W.mag.f[MX],sim,sine,,,r,",
		   "m.csv:2:1: reference 'IEDD1BAY/MMXU1.Tot-W.mag.f[MX]': character '-' in a reference");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.mag.f[MX],sim,sine,,,rw,", "m.csv:2:42: direction 'rw' but FC MX");
	bind_fails(m, "IEDD1BAY/XCBR1.Loc.stVal[ST],sim,square,,,w,", "direction 'w' but FC ST");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.mag.f[MX],plc,sine,,,r,", "m.csv:2:31: source 'plc' is not configured");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.mag.f[MX],sim,sine,,,r,slow", "m.csv:2:44: scan class 'slow'");
	bind_fails(m, "IEDD1BAY/MMXU1.TotW.mag.f[MX],sim,sine:period=0,,,r,", "m.csv:2:35: ");
	bind_fails(m, "IEDD1BAY/XCBR1.Loc.stVal[ST],sim,square,2,,r,", "only numbers scale");
	bind_fails(m,
		   "BAY/MMXU1.TotW.mag.f[MX],sim,sine,,,r,\n"
		   "IEDD1BAY/MMXU1.TotW.mag.f[MX],sim,ramp,,,r,",
		   "m.csv:3:1: 'IEDD1BAY/MMXU1.TotW.mag.f[MX]' is already mapped on line 2");
	model_free(m);
}
END_TEST

/* ---- updates: classification, q, t ---- */

START_TEST(update_classifies)
{
	struct model *m = sample();
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(m, "WTG/WTUR1.TurSt.stVal[ST]", &a), 0);
	ck_assert(a.has_q && a.has_t);
	ck_assert(a.trgops & MODEL_TRG_DCHG);
	uint8_t ts1[8], ts2[8], t[8];
	model_timestamp(1700000000ull * 1000000000u + 500000000u, MODEL_TQ_LEAP_SECONDS_KNOWN, ts1);
	/* 0.5 s = 2^23 / 2^24 */
	ck_assert_uint_eq(ts1[4], 0x80);
	ck_assert_uint_eq(ts1[5], 0);
	ck_assert_uint_eq(ts1[7], 0x80);
	model_timestamp(1700000001ull * 1000000000u, 0, ts2);

	struct model_val v = { .kind = MODEL_V_INT, .v.i = 7 };
	int r = model_update(m, &a, &v, 0, ts1);
	ck_assert_int_eq(r, MODEL_TRG_DCHG | MODEL_TRG_DUPD);
	memcpy(t, m->values + a.t_voff, 8);
	ck_assert(!memcmp(t, ts1, 8));
	/* same value again: an update, no change, t kept */
	r = model_update(m, &a, &v, 0, ts2);
	ck_assert_int_eq(r, MODEL_TRG_DUPD);
	memcpy(t, m->values + a.t_voff, 8);
	ck_assert(!memcmp(t, ts1, 8));
	/* no value, invalid: qchg and t moves */
	r = model_update(m, &a, NULL, 0x4000 | 0x0200, ts2);
	ck_assert_int_eq(r, MODEL_TRG_QCHG);
	uint16_t q;
	memcpy(&q, m->values + a.q_voff, 2);
	ck_assert_uint_eq(q, 0x4200);
	memcpy(t, m->values + a.t_voff, 8);
	ck_assert(!memcmp(t, ts2, 8));
	char text[64];
	model_get_text(m, a.type, a.voff, text, sizeof(text));
	ck_assert_str_eq(text, "7"); /* kept */
	/* out of range for INT32: invalid + inconsistent, value kept */
	v.v.i = 1ll << 40;
	ck_assert_int_eq(model_update(m, &a, &v, 0, ts2), -ERANGE);
	memcpy(&q, m->values + a.q_voff, 2);
	ck_assert_uint_eq(q, 0x4080);

	/* float into an INT32 is rounded; Enum checks membership */
	struct model_attr e;
	ck_assert_int_eq(model_attr_bind(m, "BAY/LLN0.Beh.stVal[ST]", &e), 0);
	v = (struct model_val){ .kind = MODEL_V_INT, .v.i = 99 };
	ck_assert_int_eq(model_update(m, &e, &v, 0, ts2), -ERANGE);
	v.v.i = 5;
	ck_assert_int_ge(model_update(m, &e, &v, 0, ts2), 0);
	model_free(m);
}
END_TEST

/* The whole runtime on the sim plugin: scale and offset, the deadband of
 * MMXU1.TotW (rangeC ±20e6, db 1000 = 1 % of 40e6 = 400000, zeroDb 500 =
 * 200000), a write that goes to the source. */
START_TEST(runtime_on_sim)
{
	struct model *m = sample();
	char err[2048] = "";
	struct pv *pv = NULL;
	const char *csv =
		"reference,source,address,scale,offset,direction,scanClass\n"
		"IEDD1BAY/MMXU1.TotW.mag.f[MX],sim,const:1000,1000,0,r,fast\n"
		"IEDD1WTG/WTUR1.TurSt.stVal[ST],sim,const:3,2,1,r,\n"
		"IEDD1BAY/MMXU1.TotW.db[CF],sim,const:1000,,,rw,\n";
	int r = bind(m, csv, &pv, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	ck_assert_uint_eq(pv_n_rows(pv), 3);
	ck_assert_uint_eq(pv_n_classes(pv), 2);
	ck_assert(pv_class_on_loop(pv, 0) && pv_class_on_loop(pv, 1));
	for (size_t c = 0; c < pv_n_classes(pv); c++)
		pv_scan(pv, c, SCAN_T_NS);
	char text[64];
	struct mref ref;
	ck_assert_int_eq(model_resolve_ref(m, "WTG/WTUR1.TurSt.stVal[ST]", &ref), 0);
	model_get_text(m, ref.type, ref.voff, text, sizeof(text));
	ck_assert_str_eq(text, "7"); /* 3 * 2 + 1 */
	/* 1000 * 1000 = 1e6: instMag follows; mag moves (1e6 > 400000 from 0) */
	ck_assert_int_eq(model_resolve_ref(m, "BAY/MMXU1.TotW.instMag.f[MX]", &ref), 0);
	model_get_text(m, ref.type, ref.voff, text, sizeof(text));
	ck_assert_str_eq(text, "1000000");
	ck_assert_int_eq(model_resolve_ref(m, "BAY/MMXU1.TotW.mag.f[MX]", &ref), 0);
	model_get_text(m, ref.type, ref.voff, text, sizeof(text));
	ck_assert_str_eq(text, "1000000");

	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.updates, 3);
	ck_assert_uint_ge(st.dchg, 2);
	pv_free(pv);
	model_free(m);
}
END_TEST

START_TEST(simulate_and_template)
{
	struct model *m = sample();
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	ck_assert_uint_gt(map->n, 20);
	bool mag = false, ins = false;
	for (size_t i = 0; i < map->n; i++) {
		mag |= !strcmp(map->rows[i].ref, "IEDD1BAY/MMXU1.TotW.mag.f[MX]");
		ins |= strstr(map->rows[i].ref, "instMag") != NULL;
	}
	ck_assert(mag && !ins);
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim" };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .map = map, .simulate = true };
	struct pv *pv;
	char err[2048];
	int r = pv_new(m, &cfg, &pv, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	ck_assert_uint_eq(pv_n_rows(pv), map->n);
	pv_scan(pv, 0, SCAN_T_NS);
	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.bad_values, 0);
	pv_free(pv);
	map_free(map);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t n = pv_print_template(m, f);
	fclose(f);
	ck_assert_uint_gt(n, 100);
	ck_assert_contains(buf, "\nreference,source,address,scale,offset,direction,scanClass,type\n");
	ck_assert_contains(buf, "\nIEDD1BAY/MMXU1.TotW.mag.f[MX],,,,,r,,FLOAT32\n");
	ck_assert_contains(buf, "\nIEDD1BAY/MMXU1.TotW.db[CF],,,,,rw,,INT32U\n");
	/* rw only where the map takes w: a command goes to the source (w) */
	ck_assert_contains(buf, "\nIEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO],,,,,w,,BOOLEAN\n");
	ck_assert_contains(buf, "\nIEDD1BAY/XCBR1.Pos.Oper.ctlNum[CO],,,,,r,,INT8U\n");
	ck_assert_contains(buf, "\nIEDD1BAY/XCBR1.Pos.SBOw.ctlVal[CO],,,,,r,,BOOLEAN\n");
	ck_assert(!strstr(buf, ".q[")); /* Quality is not mappable */
	free(buf);
	model_free(m);
}
END_TEST

/* --simulate on a generated model with every MV's range (an Enum in MX)
 * and controllable SPC/DPC/INC: every row binds and every scanned value
 * fits its attribute (a sine on an Enum did not). */
START_TEST(simulate_generated_model_fits)
{
	const char *path = getenv("IEDD_GEN100");
	ck_assert_ptr_nonnull(path);
	struct model *m = NULL;
	char err[2048];
	ck_assert_msg(model_load_scl(path, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	bool range = false;
	for (size_t i = 0; i < map->n; i++)
		if (strstr(map->rows[i].ref, ".range[MX]")) {
			range = true;
			ck_assert_msg(!strncmp(map->rows[i].address, "const:", 6), "%s: %s",
				      map->rows[i].ref, map->rows[i].address);
		}
	ck_assert(range);
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim" };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .map = map, .simulate = true };
	struct pv *pv;
	int r = pv_new(m, &cfg, &pv, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	for (size_t c = 0; c < pv_n_classes(pv); c++)
		pv_scan(pv, c, SCAN_T_NS);
	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_gt(st.updates, 1000);
	ck_assert_uint_eq(st.bad_values, 0);
	pv_free(pv);
	map_free(map);
	model_free(m);
}
END_TEST

/* ---- the scan schedule on a fake clock (issue 11 item 2) ---- */

/* One fake instant for the pv_clock and the timer queue: `us` microseconds
 * of its monotonic clock, UTC FAKE_UTC0_NS + the same. */
#define FAKE_UTC0_NS (1800000000ull * 1000000000u)
#define FAKE_TQ (MODEL_TQ_LEAP_SECONDS_KNOWN | 10u)

/* Read by a blocking source's thread too: atomic. */
struct fake_clock {
	uint64_t us;
};

static uint64_t fake_mono_ns(void *ctx)
{
	return __atomic_load_n(&((struct fake_clock *)ctx)->us, __ATOMIC_SEQ_CST) * 1000u;
}

static uint64_t fake_utc_ns(void *ctx)
{
	return FAKE_UTC0_NS + fake_mono_ns(ctx);
}

static void fake_set(struct fake_clock *fc, uint64_t us)
{
	__atomic_store_n(&fc->us, us, __ATOMIC_SEQ_CST);
}

static uint8_t fake_quality(void *ctx)
{
	(void)ctx;
	return FAKE_TQ;
}

/* Moves the clock to `us` and runs the queue there, as the loop's timer
 * does when it fires; then the scans so far of the two classes must be
 * `def` and `fast`. */
static void run_at(struct fake_clock *fc, struct timer_queue *q, struct pv *pv, uint64_t us,
		   uint64_t def, uint64_t fast)
{
	fake_set(fc, us);
	timer_process(q, us);
	ck_assert_msg(pv_class_scans(pv, 0) == def && pv_class_scans(pv, 1) == fast,
		      "at %llu us: %llu default and %llu fast scans, expected %llu and %llu",
		      (unsigned long long)us, (unsigned long long)pv_class_scans(pv, 0),
		      (unsigned long long)pv_class_scans(pv, 1), (unsigned long long)def,
		      (unsigned long long)fast);
}

/* The attribute's text and its t (the UTC ns it was stamped with; 0: an
 * unchanged value keeps its t, do not look). */
static void expect_at(struct model *m, const char *ref, const char *text, uint64_t utc_ns)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(m, ref, &a), 0);
	char got[64];
	model_get_text(m, a.type, a.voff, got, sizeof(got));
	ck_assert_msg(!strcmp(got, text), "%s: %s, expected %s", ref, got, text);
	if (!utc_ns)
		return;
	uint8_t want[8];
	model_timestamp(utc_ns, FAKE_TQ, want);
	ck_assert_msg(a.has_t && !memcmp(m->values + a.t_voff, want, 8), "%s: not stamped %llu",
		      ref, (unsigned long long)utc_ns);
}

/* Two scan classes on a timer queue driven by hand: each scans first at
 * once, then every period; a late queue runs a class once and skips the
 * periods it missed (no catch-up); the sim plugin's time and stamps are
 * the pv_clock's (host->mono_ns/utc_ns). No real clock is read. */
START_TEST(scan_schedule_on_a_fake_clock)
{
	struct model *m = sample();
	struct map *map;
	char err[2048] = "";
	const char *csv = "reference,source,address,direction,scanClass\n"
			  "IEDD1BAY/MMXU1.TotW.instMag.f[MX],sim,clock,r,\n"
			  "IEDD1BAY/MMXU1.Hz.instMag.f[MX],sim,clock,r,fast\n";
	ck_assert_msg(map_parse("s.csv", csv, strlen(csv), &map, err, sizeof(err)) == 0, "%s", err);
	struct fake_clock fc = { .us = 5000000 };
	const struct pv_clock clock = { .mono_ns = fake_mono_ns, .utc_ns = fake_utc_ns,
					.quality = fake_quality, .ctx = &fc };
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim" };
	const struct pv_scan_cfg fast = { .name = "fast", .period_ms = 250 };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .scans = &fast, .n_scans = 1,
				    .default_period_ms = 1000, .map = map, .clock = &clock };
	struct pv *pv;
	int r = pv_new(m, &cfg, &pv, err, sizeof(err));
	map_free(map);
	ck_assert_msg(r == 0, "%s", err);
	ck_assert_str_eq(pv_class_name(pv, 1), "fast");

	const uint64_t t0 = 5000000;	/* the sim opened at t0: its clock reads 0 there */
	struct timer_queue q;
	timer_queue_init(&q);
	ck_assert_int_eq(pv_scan_arm(pv, &q, t0), 0);
	ck_assert_uint_eq(timer_next(&q), t0);
	ck_assert_uint_eq(pv_class_scans(pv, 0) + pv_class_scans(pv, 1), 0);
	run_at(&fc, &q, pv, t0, 1, 1);			/* the first scans: at once */
	ck_assert_uint_eq(timer_next(&q), t0 + 250000);
	expect_at(m, "IEDD1BAY/MMXU1.TotW.instMag.f[MX]", "0", 0);	/* 0 as before */
	run_at(&fc, &q, pv, t0 + 249999, 1, 1);	/* not yet */
	run_at(&fc, &q, pv, t0 + 250000, 1, 2);
	expect_at(m, "IEDD1BAY/MMXU1.Hz.instMag.f[MX]", "0.25", FAKE_UTC0_NS + (t0 + 250000) * 1000);
	/* late: 500 and 750 ms were missed; fast runs once, default its second */
	run_at(&fc, &q, pv, t0 + 1000000, 2, 3);
	expect_at(m, "IEDD1BAY/MMXU1.TotW.instMag.f[MX]", "1", FAKE_UTC0_NS + (t0 + 1000000) * 1000);
	ck_assert_uint_eq(timer_next(&q), t0 + 1250000);	/* one period after now */
	run_at(&fc, &q, pv, t0 + 1100000, 2, 3);		/* no catch-up */
	run_at(&fc, &q, pv, t0 + 1250000, 2, 4);
	expect_at(m, "IEDD1BAY/MMXU1.Hz.instMag.f[MX]", "1.25", FAKE_UTC0_NS + (t0 + 1250000) * 1000);
	run_at(&fc, &q, pv, t0 + 2000000, 3, 5);
	/* late by less than a period: the cadence stays on the deadlines */
	run_at(&fc, &q, pv, t0 + 2260000, 3, 6);
	ck_assert_uint_eq(timer_next(&q), t0 + 2500000);	/* 2.25 s + 250 ms, not 2.51 s */
	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.scans, 9);
	ck_assert_uint_eq(st.bad_values, 0);

	/* cancelled: nothing more runs, the queue is empty */
	pv_scan_cancel(pv);
	ck_assert_uint_eq(timer_next(&q), TIMER_NEVER);
	run_at(&fc, &q, pv, t0 + 10000000, 3, 6);
	/* armed again and freed armed: pv_free takes its timers off the queue */
	ck_assert_int_eq(pv_scan_arm(pv, &q, fc.us), 0);
	pv_free(pv);
	ck_assert_uint_eq(timer_next(&q), TIMER_NEVER);
	timer_queue_clear(&q);
	model_free(m);
}
END_TEST

/* Waits (a bounded number of wake-ups, no clock read) until the source
 * thread's updates reach the model: `want` updates applied in all. */
static void drain_until(struct pv *pv, uint64_t want)
{
	struct pv_stats st;
	for (int i = 0; i < 400; i++) {
		pv_get_stats(pv, &st);
		if (st.updates >= want)
			break;
		struct pollfd p = { .fd = pv_wake_fd(pv), .events = POLLIN };
		if (poll(&p, 1, 50) > 0)
			pv_drain(pv);
	}
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.updates, want);
}

/* A blocking source's thread schedules on the pv_clock too: it reads at
 * once at start, then only when that clock has moved a period on (a fake
 * clock that stands still never makes it read again, however long the
 * thread's real waits take), and its values carry the clock's UTC. */
START_TEST(blocking_source_on_a_fake_clock)
{
	struct model *m = sample();
	struct map *map;
	char err[2048] = "";
	const char *csv = "reference,source,address,direction,scanClass\n"
			  "IEDD1BAY/MMXU1.Hz.instMag.f[MX],sim,clock,r,fast\n";
	ck_assert_msg(map_parse("b.csv", csv, strlen(csv), &map, err, sizeof(err)) == 0, "%s", err);
	struct fake_clock fc = { .us = 5000000 };
	const struct pv_clock clock = { .mono_ns = fake_mono_ns, .utc_ns = fake_utc_ns,
					.quality = fake_quality, .ctx = &fc };
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim", .force_thread = true };
	const struct pv_scan_cfg fast = { .name = "fast", .period_ms = 20 };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .scans = &fast, .n_scans = 1, .map = map,
				    .clock = &clock };
	struct pv *pv;
	int r = pv_new(m, &cfg, &pv, err, sizeof(err));
	map_free(map);
	ck_assert_msg(r == 0, "%s", err);
	ck_assert(!pv_class_on_loop(pv, 1));	/* the thread's, not the loop's */
	fake_set(&fc, 5500000);		/* the sim opened at 5 s: its clock reads 0.5 */
	ck_assert_int_eq(pv_start(pv), 0);
	drain_until(pv, 1);
	expect_at(m, "IEDD1BAY/MMXU1.Hz.instMag.f[MX]", "0.5", FAKE_UTC0_NS + 5500000000u);
	/* the clock stands still: no read however many 20 ms waits go by */
	struct pollfd p = { .fd = pv_wake_fd(pv), .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 200), 0);
	fake_set(&fc, 6000000);
	drain_until(pv, 2);
	expect_at(m, "IEDD1BAY/MMXU1.Hz.instMag.f[MX]", "1", FAKE_UTC0_NS + 6000000000u);
	pv_free(pv);
	model_free(m);
}
END_TEST


/* A reload's pv (pv_cfg.adopt): a source whose configuration did not
 * change is kept open (the sim's clock goes on from its first open: not
 * opened again), bound to the new map; the old pv then frees only what is
 * still its own; a changed source is opened anew; a new pv that fails to
 * bind leaves the running one as it was. */
static int bind_adopt(struct model *m, const char *csv, const struct pv_source_cfg *src,
		      const struct pv_clock *clock, struct pv *old, struct pv **out, char *err,
		      size_t errlen)
{
	struct map *map;
	int r = map_parse("r.csv", csv, strlen(csv), &map, err, errlen);
	ck_assert_msg(r == 0, "%s", err);
	const struct pv_scan_cfg fast = { .name = "fast", .period_ms = 100 };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = src,
				    .n_sources = 1, .scans = &fast, .n_scans = 1,
				    .default_period_ms = 1000, .map = map, .clock = clock,
				    .adopt = old };
	r = pv_new(m, &cfg, out, err, errlen);
	map_free(map);
	return r;
}

static void scan_all(struct pv *pv, const struct fake_clock *fc)
{
	for (size_t c = 0; c < pv_n_classes(pv); c++)
		pv_scan(pv, c, FAKE_UTC0_NS + fc->us * 1000u);
}

START_TEST(reload_keeps_unchanged_sources)
{
	struct model *m = sample();
	char err[2048] = "";
	struct fake_clock fc = { .us = 5000000 };
	const struct pv_clock clock = { .mono_ns = fake_mono_ns, .utc_ns = fake_utc_ns,
					.quality = fake_quality, .ctx = &fc };
	const struct iedd_param p1 = { .name = "speed", .value = "1" };
	const struct iedd_param p2 = { .name = "speed", .value = "2" };
	const struct pv_source_cfg sim1 = { .name = "sim", .plugin = "sim", .params = &p1,
					    .n_params = 1 };
	const struct pv_source_cfg sim2 = { .name = "sim", .plugin = "sim", .params = &p2,
					    .n_params = 1 };
	const char *hz = "IEDD1BAY/MMXU1.Hz.instMag.f[MX]";
	struct pv *a, *b, *c, *bad = NULL;
	ck_assert_msg(bind_adopt(m, "reference,source,address\nIEDD1BAY/MMXU1.Hz.instMag.f[MX],"
				    "sim,clock\n", &sim1, &clock, NULL, &a, err, sizeof(err)) == 0,
		      "%s", err);
	fake_set(&fc, 5500000);
	scan_all(a, &fc);
	expect_at(m, hz, "0.5", 0);
	/* the same source, a changed map: kept, and the new row bound */
	pv_stop(a);
	ck_assert_msg(bind_adopt(m, "reference,source,address,scanClass\n"
				    "IEDD1BAY/MMXU1.Hz.instMag.f[MX],sim,clock,fast\n"
				    "IEDD1WTG/WTUR1.TurSt.stVal[ST],sim,const:4,\n",
				 &sim1, &clock, a, &b, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(pv_n_adopted(b), 1);
	ck_assert_uint_eq(pv_n_rows(b), 2);
	pv_free(a);	/* must leave the kept instance open */
	fake_set(&fc, 6000000);
	scan_all(b, &fc);
	expect_at(m, hz, "1", 0);	/* one second since the first open, not 0 */
	expect_at(m, "IEDD1WTG/WTUR1.TurSt.stVal[ST]", "4", 0);
	struct pv_stats st;
	pv_get_stats(b, &st);
	ck_assert_uint_ge(st.scans, 3);	/* counters go on */
	/* a row that names nothing: refused, and b runs on as it was */
	pv_stop(b);
	ck_assert_int_ne(bind_adopt(m, "reference,source,address\nIEDD1BAY/MMXU1.Nope.f[MX],sim,"
				       "clock\n", &sim1, &clock, b, &bad, err, sizeof(err)), 0);
	ck_assert_ptr_null(bad);
	ck_assert_contains(err, "r.csv:2:");
	ck_assert_int_eq(pv_start(b), 0);
	fake_set(&fc, 6500000);
	scan_all(b, &fc);
	expect_at(m, hz, "1.5", 0);
	/* another parameter: opened again, so its clock starts anew (x2) */
	pv_stop(b);
	ck_assert_msg(bind_adopt(m, "reference,source,address\nIEDD1BAY/MMXU1.Hz.instMag.f[MX],"
				    "sim,clock\n", &sim2, &clock, b, &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(pv_n_adopted(c), 0);
	pv_free(b);
	fake_set(&fc, 7000000);
	scan_all(c, &fc);
	expect_at(m, hz, "1", 0);	/* 0.5 s since its open, twice as fast */
	pv_free(c);
	model_free(m);
}
END_TEST

static Suite *pvrt_suite(void)
{
	Suite *s = suite_create("pvrt");
	TCase *tc = tcase_create("pvrt");
	tcase_add_test(tc, deadband_plain_exact);
	tcase_add_test(tc, map_syntax);
	tcase_add_test(tc, bind_errors);
	tcase_add_test(tc, update_classifies);
	tcase_add_test(tc, runtime_on_sim);
	tcase_add_test(tc, simulate_and_template);
	tcase_add_test(tc, simulate_generated_model_fits);
	tcase_add_test(tc, scan_schedule_on_a_fake_clock);
	tcase_add_test(tc, blocking_source_on_a_fake_clock);
	tcase_add_test(tc, reload_keeps_unchanged_sources);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init(LOGL_ERR, false);
	SRunner *sr = srunner_create(pvrt_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
