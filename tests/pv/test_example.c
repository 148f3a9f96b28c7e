/* SPDX-License-Identifier: Apache-2.0 */
/* examples/source-example, built as an integrator would: copied out of the
 * tree, `make` with nothing but `pkg-config --cflags iedd-source` (the
 * uninstalled iedd-source.pc of this build), then loaded through the real
 * loader and used. Skipped (TAP "1..0 # SKIP") when make, cc or pkg-config
 * is missing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pvtest.h"

static char err[1024];

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char buf[4096];
	for (const char *p = path; *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	ck_assert_msg(in, "%s: %s", from, strerror(errno));
	FILE *o = fopen(to, "wb");
	ck_assert_msg(o, "%s: %s", to, strerror(errno));
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, o), n);
	fclose(in);
	ck_assert_int_eq(fclose(o), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(example_builds_with_pkg_config_alone_and_loads)
{
	char dir[] = "/tmp/pv-example-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *src = pv_env("PV_EXAMPLE_DIR");
	const char *files[] = {"example.c", "Makefile"};
	for (size_t i = 0; i < 2; i++) {
		char a[4096], b[4096];
		snprintf(a, sizeof(a), "%s/%s", src, files[i]);
		snprintf(b, sizeof(b), "%s/%s", dir, files[i]);
		copy_file(a, b);
	}

	/* the only way to the headers is the uninstalled .pc */
	static char pcp[4200], pcq[] = "PKG_CONFIG_LIBDIR=/nonexistent", cflags[] = "CFLAGS=-O1 -g";
	snprintf(pcp, sizeof(pcp), "PKG_CONFIG_PATH=%s", pv_env("PV_PC_DIR"));
	char *env[] = {pcp, pcq, cflags, NULL};
	char out[8192], errout[8192];
	char *pc[] = {"/usr/bin/env", "pkg-config", "--cflags", "iedd-source", NULL};
	ck_assert_msg(pv_run(pc, env, out, sizeof(out), errout, sizeof(errout)) == 0, "pkg-config: %s",
		      errout);
	ck_assert_contains(out, "/include");
	char *make[] = {"/usr/bin/env", "make", "-s", "-C", dir, NULL};
	int rc = pv_run(make, env, out, sizeof(out), errout, sizeof(errout));
	ck_assert_msg(rc == 0, "make failed (%d):\n%s\n%s", rc, out, errout);

	char so[4200];
	snprintf(so, sizeof(so), "%s/iedd-source-example.so", dir);
	struct plugin *p;
	ck_assert_msg(plugin_load(so, NULL, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(plugin_source(p)->name, "example");
	ck_assert(plugin_blocking(p));

	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	const struct iedd_param params[] = {{.name = "dir", .value = dir}};
	struct plugin_instance *inst;
	ck_assert_msg(plugin_open(p, params, 1, &host, &inst, err, sizeof(err)) == 0, "%s", err);
	char temp[4200];
	snprintf(temp, sizeof(temp), "%s/temp", dir);
	write_file(temp, "21.5\n");
	void *pt, *missing;
	ck_assert_int_eq(plugin_resolve(inst, "temp", IEDD_KIND_FLOAT, true, &pt, err, sizeof(err)),
			 0);
	ck_assert_int_eq(plugin_resolve(inst, "gone", IEDD_KIND_INT, false, &missing, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(plugin_resolve(inst, "../etc", IEDD_KIND_INT, false, &pt, err, sizeof(err)),
			 -EINVAL);
	ck_assert_contains(err, so);
	ck_assert_int_eq(plugin_resolve(inst, "temp", IEDD_KIND_FLOAT, true, &pt, err, sizeof(err)),
			 0);
	struct iedd_point b[2] = {{.point = pt}, {.point = missing}};
	ck_assert_int_eq(plugin_read(inst, b, 2), 0);
	ck_assert_int_eq(b[0].value.kind, IEDD_KIND_FLOAT);
	ck_assert_double_eq(b[0].value.v.f, 21.5);
	ck_assert_uint_eq(b[1].value.quality, IEDD_Q_INVALID | IEDD_Q_FAILURE);

	struct iedd_value w = {.kind = IEDD_KIND_FLOAT, .v.f = 22.25};
	ck_assert_int_eq(plugin_write(inst, pt, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(plugin_read(inst, b, 1), 0);
	ck_assert_double_eq(b[0].value.v.f, 22.25);
	plugin_close(inst);
	plugin_unload(p);

	char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	ck_assert_int_eq(pv_run(rm, NULL, out, sizeof(out), errout, sizeof(errout)), 0);
}
END_TEST

static Suite *example_suite(void)
{
	Suite *s = suite_create("pv_example");
	TCase *tc = tcase_create("example");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, example_builds_with_pkg_config_alone_and_loads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *need[] = {"make", "pkg-config", "cc"};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!in_path(need[i])) {
			printf("1..0 # SKIP %s not found in PATH\n", need[i]);
			return 0;
		}
	}
	SRunner *sr = srunner_create(example_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
