/* SPDX-License-Identifier: Apache-2.0 */
/* iedd --check touches nothing (IEDD_HOST_CHECK, include/iedd/source.h):
 * pv_new with check set on the real shm plugin creates no segment and
 * still refuses a bad parameter or address; a plugin that cannot be told
 * (the mock, no IEDD_SOURCE_CHECK) is not opened; the messages of a source
 * name its iedd.xml line; and the real iedd --check run as a program
 * leaves /dev/shm as it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "embedded.h"
#include "map.h"
#include "model.h"
#include "pv.h"
#include "pvtest.h"
#include "update.h"

static char err[4096];
static char seg[64];
static char dir[] = "/tmp/pv-check-XXXXXX";

static void setup(void)
{
	static int n;
	snprintf(seg, sizeof(seg), "/iedd-check-%d-%d", (int)getpid(), n++);
	shm_unlink(seg);
	strcpy(dir, "/tmp/pv-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	shm_unlink(seg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

static bool seg_exists(void)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/dev/shm%s", seg);
	return stat(path, &st) == 0;
}

static struct model *sample(void)
{
	struct model *m = NULL;
	ck_assert_msg(model_load_scl_mem("sample.icd", (const char *)embedded_sample_icd,
					 embedded_sample_icd_len, NULL, &m, err, sizeof(err)) == 0,
		      "%s", err);
	return m;
}

static struct map *map_of(const char *text)
{
	struct map *map = NULL;
	ck_assert_msg(map_parse("m.csv", text, strlen(text), &map, err, sizeof(err)) == 0, "%s",
		      err);
	return map;
}

#define HEADER "reference,source,address,scale,offset,direction,scanClass\n"
/* the LD inst and the MMS domain name form; whichever the map accepts */
static const char *hz_ref(const struct model *m)
{
	static char ref[128];
	struct model_attr a;
	snprintf(ref, sizeof(ref), "BAY/MMXU1.Hz.mag.f[MX]");
	if (model_attr_bind(m, ref, &a))
		snprintf(ref, sizeof(ref), "IEDD1BAY/MMXU1.Hz.mag.f[MX]");
	return ref;
}

/* pv_new over one source with the given params and one map row. */
static int run(bool check, const char *plugin, const struct iedd_param *params, size_t n_params,
	       const char *address, unsigned line)
{
	struct model *m = sample();
	char text[512];
	snprintf(text, sizeof(text), HEADER "%s,src,%s,,,r,\n", hz_ref(m), address);
	struct map *map = map_of(text);
	const struct pv_source_cfg src = {.name = "src", .plugin = plugin, .params = params,
					  .n_params = n_params, .file = "iedd.xml", .line = line};
	const struct pv_cfg cfg = {.plugindir = pv_env("PV_PLUGIN_DIR"), .sources = &src,
				   .n_sources = 1, .map = map, .check = check};
	struct pv *pv = NULL;
	err[0] = 0;
	int rc = pv_new(m, &cfg, &pv, err, sizeof(err));
	if (!rc)
		ck_assert_uint_eq(pv_n_rows(pv), 1);
	pv_free(pv);
	map_free(map);
	model_free(m);
	return rc;
}

START_TEST(shm_check_creates_no_segment)
{
	const struct iedd_param p[] = {{.name = "segment", .value = seg},
				       {.name = "trigger", .value = "watch"}};
	ck_assert_msg(run(true, "shm", p, 2, "Bay.Hz", 3) == 0, "%s", err);
	ck_assert_msg(!seg_exists(), "--check created %s", seg);
	/* without check the same configuration creates it (the test sees it) */
	ck_assert_msg(run(false, "shm", p, 2, "Bay.Hz", 3) == 0, "%s", err);
	ck_assert(seg_exists());
}
END_TEST

START_TEST(shm_check_still_refuses_bad_parameters_and_addresses)
{
	const struct iedd_param noslash[] = {{.name = "segment", .value = "iedd"}};
	ck_assert_int_eq(run(true, "shm", noslash, 1, "Bay.Hz", 7), -EINVAL);
	ck_assert_contains(err, "iedd.xml:7: source 'src': ");
	ck_assert_contains(err, "segment=\"iedd\"");
	const struct iedd_param slots0[] = {{.name = "segment", .value = seg},
					    {.name = "slots", .value = "0"}};
	ck_assert_int_eq(run(true, "shm", slots0, 2, "Bay.Hz", 7), -EINVAL);
	ck_assert_contains(err, "slots=\"0\"");
	const struct iedd_param colour[] = {{.name = "colour", .value = "red"}};
	ck_assert_int_eq(run(true, "shm", colour, 1, "Bay.Hz", 7), -EINVAL);
	ck_assert_contains(err, "unknown parameter \"colour\"");
	/* an index beyond slots= and a name too long for a slot */
	const struct iedd_param four[] = {{.name = "segment", .value = seg},
					  {.name = "slots", .value = "4"}};
	ck_assert_int_eq(run(true, "shm", four, 2, "#4", 7), -EINVAL);
	ck_assert_contains(err, "INDEX 0..3");
	ck_assert_int_eq(run(true, "shm", four, 2,
			     "a-slot-name-of-sixty-four-octets-is-one-octet-too-long-for-a-slot",
			     7),
			 -EINVAL);
	ck_assert_contains(err, "1 to 63 octets");
	ck_assert_msg(!seg_exists(), "--check created %s", seg);
}
END_TEST

START_TEST(plugin_without_check_flag_is_not_opened)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/mock.so", pv_env("PV_TEST_DIR"));
	/* the mock's open fails on fail=...: in --check it is never called,
	 * nor is resolve (which would refuse "bad") */
	const struct iedd_param fail[] = {{.name = "fail", .value = "yes"}};
	ck_assert_msg(run(true, path, fail, 1, "bad", 4) == 0, "%s", err);
	ck_assert_int_eq(run(false, path, fail, 1, "bad", 4), -EINVAL);
	ck_assert_contains(err, "iedd.xml:4: source 'src': ");
	ck_assert_contains(err, "told to fail");
}
END_TEST

START_TEST(unknown_plugin_names_the_line_and_a_close_name)
{
	ck_assert_int_eq(run(true, "shmem", NULL, 0, "x", 12), -ENOENT);
	ck_assert_contains(err, "iedd.xml:12: source 'src': ");
	ck_assert_contains(err, "iedd-source-shmem.so: no such file");
	ck_assert_contains(err, "sim");
	ck_assert_contains(err, "did you mean 'shm'?");
}
END_TEST

/* The real iedd --check with an shm source: exit 0, no segment; a bad
 * parameter is still reported. */
START_TEST(iedd_check_leaves_dev_shm_alone)
{
	char cfg[4200], map[4200];
	snprintf(map, sizeof(map), "%s/m.csv", dir);
	snprintf(cfg, sizeof(cfg), "%s/iedd.xml", dir);
	struct model *m = sample();
	FILE *f = fopen(map, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, HEADER "%s,plc,Bay.Hz,,,r,\n", hz_ref(m));
	fclose(f);
	model_free(m);
	for (int bad = 0; bad < 2; bad++) {
		f = fopen(cfg, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f,
			"<iedd xmlns=\"urn:iedd:config:1\">\n"
			"  <map file=\"%s\" period=\"500\"/>\n"
			"  <sources>\n"
			"    <source name=\"plc\" plugin=\"shm\">\n"
			"      <param name=\"segment\" value=\"%s\"/>\n"
			"      <param name=\"trigger\" value=\"%s\"/>\n"
			"    </source>\n"
			"  </sources>\n"
			"</iedd>\n",
			map, seg, bad ? "often" : "watch");
		fclose(f);
		char *argv[] = {(char *)pv_env("IEDD"), "--check", "-c", cfg, NULL};
		char *env[] = {NULL, NULL};
		char envbuf[4200];
		snprintf(envbuf, sizeof(envbuf), "IEDD_PLUGIN_DIR=%s", pv_env("PV_PLUGIN_DIR"));
		env[0] = envbuf;
		static char out[16384], errout[16384];
		int rc = pv_run(argv, env, out, sizeof(out), errout, sizeof(errout));
		if (bad) {
			ck_assert_int_eq(rc, 1);
			ck_assert_contains(errout, "trigger=\"often\"");
		} else {
			ck_assert_msg(rc == 0, "rc %d: %s", rc, errout);
			ck_assert_contains(out, "map OK (1 mapped attribute(s))");
		}
		ck_assert_msg(!seg_exists(), "iedd --check created %s", seg);
	}
}
END_TEST

/* iedd --check with a plugin that cannot be told (the mock, by path):
 * exit 0, and the check says it did not open it. */
START_TEST(iedd_check_says_an_old_plugin_is_not_opened)
{
	char cfg[4200], map[4200], mock[4200];
	snprintf(map, sizeof(map), "%s/m.csv", dir);
	snprintf(cfg, sizeof(cfg), "%s/iedd.xml", dir);
	snprintf(mock, sizeof(mock), "%s/mock.so", pv_env("PV_TEST_DIR"));
	struct model *m = sample();
	FILE *f = fopen(map, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, HEADER "%s,old,bad,,,r,\n", hz_ref(m));
	fclose(f);
	model_free(m);
	f = fopen(cfg, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"<iedd xmlns=\"urn:iedd:config:1\">\n"
		"  <map file=\"%s\"/>\n"
		"  <sources><source name=\"old\" plugin=\"%s\">"
		"<param name=\"fail\" value=\"yes\"/></source></sources>\n"
		"</iedd>\n",
		map, mock);
	fclose(f);
	char *argv[] = {(char *)pv_env("IEDD"), "--check", "-c", cfg, NULL};
	static char out[16384], errout[16384];
	int rc = pv_run(argv, NULL, out, sizeof(out), errout, sizeof(errout));
	ck_assert_msg(rc == 0, "rc %d: %s", rc, errout);
	ck_assert_contains(errout, "source 'old': plugin bad");
	ck_assert_contains(errout, "cannot be told to only check");
	ck_assert_contains(errout, "not checked");
}
END_TEST

/* Runs iedd with argv (NULL-terminated, after the program) and the extra
 * environment entry env (or NULL); the exit status, stderr in errout. */
static char run_err[16384];
static int iedd(const char *env, ...)
{
	char *argv[16] = {(char *)pv_env("IEDD")};
	int n = 1;
	va_list ap;
	va_start(ap, env);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 15;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	char *envv[] = {(char *)env, NULL};
	static char out[16384];
	return pv_run(argv, env ? envv : NULL, out, sizeof(out), run_err, sizeof(run_err));
}

/* --plugin-dir, then IEDD_PLUGIN_DIR, then the build tree: the embedded
 * default's sim source is looked up where they say. */
START_TEST(plugin_dir_lookup_order)
{
	const char *plugins = pv_env("PV_PLUGIN_DIR");
	char good[4200], bad[4200];
	snprintf(good, sizeof(good), "IEDD_PLUGIN_DIR=%s", plugins);
	snprintf(bad, sizeof(bad), "IEDD_PLUGIN_DIR=%s", dir);
	/* the build tree (no option, no variable) */
	ck_assert_msg(iedd(NULL, "--check", (char *)NULL) == 0, "%s", run_err);
	/* the variable wins over the build tree */
	ck_assert_int_eq(iedd(bad, "--check", (char *)NULL), 1);
	ck_assert_contains(run_err, dir);
	ck_assert_contains(run_err, "holds no plugin");
	/* the option wins over the variable */
	ck_assert_msg(iedd(bad, "--check", "--plugin-dir", plugins, (char *)NULL) == 0, "%s",
		      run_err);
	ck_assert_int_eq(iedd(good, "--check", "--plugin-dir", dir, (char *)NULL), 1);
	ck_assert_contains(run_err, "iedd-source-sim.so: no such file");
	ck_assert_int_eq(iedd(NULL, "--check", "--plugin-dir", "", (char *)NULL), 2);
}
END_TEST

START_TEST(simulate_speed_option)
{
	ck_assert_msg(iedd(NULL, "--check", "--simulate", "--simulate-speed", "10",
			   (char *)NULL) == 0,
		      "%s", run_err);
	ck_assert_int_eq(iedd(NULL, "--check", "--simulate-speed", "10", (char *)NULL), 2);
	ck_assert_contains(run_err, "--simulate-speed goes with --simulate");
	const char *bad[] = {"0", "fast", "1e6", "-2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(iedd(NULL, "--simulate", "--simulate-speed", bad[i], (char *)NULL),
				 2);
		ck_assert_contains(run_err, "expected a factor 0.001..1000");
	}
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("pv_check");
	TCase *tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shm_check_creates_no_segment);
	tcase_add_test(tc, shm_check_still_refuses_bad_parameters_and_addresses);
	tcase_add_test(tc, plugin_without_check_flag_is_not_opened);
	tcase_add_test(tc, unknown_plugin_names_the_line_and_a_close_name);
	tcase_add_test(tc, iedd_check_leaves_dev_shm_alone);
	tcase_add_test(tc, iedd_check_says_an_old_plugin_is_not_opened);
	tcase_add_test(tc, plugin_dir_lookup_order);
	tcase_add_test(tc, simulate_speed_option);
	suite_add_tcase(s, tc);
	return s;
}

PV_TEST_MAIN(check_suite)
