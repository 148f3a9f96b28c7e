/* SPDX-License-Identifier: Apache-2.0 */
/* The plugin loader (daemon/pv/plugin.c) against real .so files: the tiny
 * bad plugins and the mock from bad_plugin.c, and the bundled sim plugin
 * by bare name. Every refusal must name the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvtest.h"

static char err[1024];

static void path_in(char *buf, size_t len, const char *envdir, const char *file)
{
	snprintf(buf, len, "%s/%s", pv_env(envdir), file);
}

/* Loads, expects failure rc, a message naming `path` and containing the
 * other fragments (NULL-terminated). */
static void expect_refusal(const char *path, int rc, ...)
{
	struct plugin *p = (struct plugin *)0x1;
	err[0] = 0;
	ck_assert_int_eq(plugin_load(path, NULL, &p, err, sizeof(err)), rc);
	ck_assert_ptr_null(p);
	ck_assert_contains(err, path);
	va_list ap;
	va_start(ap, rc);
	for (const char *frag; (frag = va_arg(ap, const char *));)
		ck_assert_contains(err, frag);
	va_end(ap);
}

START_TEST(refuses_wrong_abi_version)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-abi.so");
	char want[128];
	snprintf(want, sizeof(want), "built for iedd source ABI %d, this iedd speaks %d",
		 IEDD_SOURCE_ABI_VERSION + 1, IEDD_SOURCE_ABI_VERSION);
	expect_refusal(path, -EPROTO, want, "rebuild the plugin against this iedd's "
					    "include/iedd/source.h",
		       (char *)NULL);
}
END_TEST

START_TEST(refuses_wrong_struct_size)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-size.so");
	char want[128];
	snprintf(want, sizeof(want), "descriptor is %zu octets, this iedd's is %zu",
		 sizeof(struct iedd_source) - 16, sizeof(struct iedd_source));
	expect_refusal(path, -EPROTO, want, "rebuild", (char *)NULL);
}
END_TEST

/* A plugin built before control() was appended to ABI 1 keeps loading;
 * the control flag needs the callback and the longer descriptor. */
START_TEST(control_callback_rules)
{
	char path[4096];
	struct plugin *p;
	path_in(path, sizeof(path), "PV_TEST_DIR", "old-size.so");
	ck_assert_int_eq(plugin_load(path, NULL, &p, err, sizeof(err)), 0);
	ck_assert(!plugin_controls(p));
	plugin_unload(p);
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-ctl-nocb.so");
	expect_refusal(path, -EPROTO, "IEDD_SOURCE_CONTROL but has no control()", (char *)NULL);
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-ctl-short.so");
	expect_refusal(path, -EPROTO, "ends before control()", "rebuild", (char *)NULL);

	path_in(path, sizeof(path), "PV_TEST_DIR", "control.so");
	ck_assert_int_eq(plugin_load(path, NULL, &p, err, sizeof(err)), 0);
	ck_assert(plugin_controls(p));
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	struct plugin_instance *inst;
	ck_assert_int_eq(plugin_open(p, NULL, 0, &host, &inst, err, sizeof(err)), 0);
	void *pt;
	ck_assert_int_eq(plugin_resolve(inst, "x", IEDD_KIND_BOOL, false, &pt, err, sizeof(err)), 0);
	struct iedd_command cmd = { .step = IEDD_CONTROL_OPERATE, .or_cat = 3,
				    .value = { .kind = IEDD_KIND_BOOL } };
	ck_assert_int_eq(plugin_control(inst, pt, &cmd, err, sizeof(err)), 0);
	cmd.check = IEDD_CHECK_INTERLOCK;
	ck_assert_int_eq(plugin_control(inst, pt, &cmd, err, sizeof(err)), 10);
	ck_assert_str_eq(err, "interlocked: Q1 is closed");
	cmd.check = 0;
	cmd.or_cat = 0;
	ck_assert_int_eq(plugin_control(inst, pt, &cmd, err, sizeof(err)), -EIO);
	ck_assert_contains(err, "device gone");
	plugin_close(inst);
	plugin_unload(p);
}
END_TEST

START_TEST(refuses_missing_symbol)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-nosym.so");
	expect_refusal(path, -ELIBBAD, "not an iedd source plugin", IEDD_SOURCE_SYMBOL,
		       (char *)NULL);
}
END_TEST

START_TEST(refuses_missing_read)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-noread.so");
	expect_refusal(path, -EPROTO, "no read() callback", (char *)NULL);
}
END_TEST

START_TEST(refuses_unknown_flags)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "bad-flags.so");
	expect_refusal(path, -EPROTO, "unknown flags 0x80", (char *)NULL);
}
END_TEST

START_TEST(refuses_missing_file)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "no-such-plugin.so");
	expect_refusal(path, -ENOENT, "No such file", (char *)NULL);

	/* a bare name: the message shows where it was looked for */
	struct plugin *p;
	const char *dir = pv_env("PV_TEST_DIR");
	ck_assert_int_eq(plugin_load("nosuch", dir, &p, err, sizeof(err)), -ENOENT);
	char want[4096];
	snprintf(want, sizeof(want), "%s/iedd-source-nosuch.so: no such file", dir);
	ck_assert_contains(err, want);
}
END_TEST

START_TEST(refuses_a_file_that_is_no_shared_object)
{
	char path[] = "/tmp/pv-notaso-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "hello\n", 6), 6);
	close(fd);
	expect_refusal(path, -ELIBBAD, "cannot load", (char *)NULL);
	unlink(path);
}
END_TEST

START_TEST(refuses_a_name_that_is_neither)
{
	struct plugin *p;
	ck_assert_int_eq(plugin_load("mod bus", "/x", &p, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "'mod bus'");
	ck_assert_int_eq(plugin_load("modbus", NULL, &p, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "give a path");
}
END_TEST

START_TEST(loads_sim_by_bare_name)
{
	struct plugin *p;
	const char *dir = pv_env("PV_PLUGIN_DIR");
	ck_assert_int_eq(plugin_load("sim", dir, &p, err, sizeof(err)), 0);
	ck_assert_str_eq(plugin_source(p)->name, "sim");
	char want[4096];
	snprintf(want, sizeof(want), "%s/iedd-source-sim.so", dir);
	ck_assert_str_eq(plugin_path(p), want);
	ck_assert(!plugin_blocking(p));

	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	struct plugin_instance *inst;
	const struct iedd_param params[] = {{.name = "clock", .value = "fake"}};
	ck_assert_int_eq(plugin_open(p, params, 1, &host, &inst, err, sizeof(err)), 0);
	ck_assert_ptr_eq(plugin_instance_plugin(inst), p);
	void *pt;
	ck_assert_int_eq(plugin_resolve(inst, "const:7", IEDD_KIND_INT, false, &pt, err,
					sizeof(err)),
			 0);
	struct iedd_point batch = {.point = pt};
	ck_assert_int_eq(plugin_read(inst, &batch, 1), 0);
	ck_assert_int_eq(batch.value.kind, IEDD_KIND_INT);
	ck_assert_int_eq(batch.value.v.i, 7);

	/* a plugin's own message comes back prefixed with its file */
	ck_assert_int_eq(plugin_resolve(inst, "nope:1", IEDD_KIND_INT, false, &pt, err,
					sizeof(err)),
			 -EINVAL);
	ck_assert_contains(err, want);
	ck_assert_contains(err, "unknown profile");

	const struct iedd_param bad[] = {{.name = "colour", .value = "red"}};
	struct plugin_instance *inst2 = (struct plugin_instance *)0x1;
	ck_assert_int_eq(plugin_open(p, bad, 1, &host, &inst2, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(inst2);
	ck_assert_contains(err, want);
	ck_assert_contains(err, "\"colour\"");

	plugin_close(inst);
	plugin_unload(p);
}
END_TEST

START_TEST(mock_contract_checks)
{
	char path[4096];
	path_in(path, sizeof(path), "PV_TEST_DIR", "mock.so");
	struct plugin *p;
	ck_assert_int_eq(plugin_load(path, NULL, &p, err, sizeof(err)), 0);
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	struct plugin_instance *inst;

	const struct iedd_param fail[] = {{.name = "fail", .value = "yes"}};
	ck_assert_int_eq(plugin_open(p, fail, 1, &host, &inst, err, sizeof(err)), -EINVAL);
	char want[4200];
	snprintf(want, sizeof(want), "%s: parameter fail=yes: told to fail", path);
	ck_assert_str_eq(err, want);

	const struct iedd_param positive[] = {{.name = "positive", .value = ""}};
	ck_assert_int_eq(plugin_open(p, positive, 1, &host, &inst, err, sizeof(err)), -EPROTO);
	ck_assert_contains(err, "open() returned 1");

	ck_assert_int_eq(plugin_open(p, NULL, 0, &host, &inst, err, sizeof(err)), 0);
	void *pt;
	/* a writable row on a read-only plugin */
	ck_assert_int_eq(plugin_resolve(inst, "x", IEDD_KIND_INT, true, &pt, err, sizeof(err)),
			 -EROFS);
	ck_assert_contains(err, path);
	ck_assert_contains(err, "read-only");
	ck_assert_int_eq(plugin_resolve(inst, "silent", IEDD_KIND_INT, false, &pt, err,
					sizeof(err)),
			 -EIO);
	ck_assert_contains(err, "resolve() failed");
	ck_assert_int_eq(plugin_resolve(inst, "x", IEDD_KIND_INT, false, &pt, err, sizeof(err)), 0);
	struct iedd_value v = {.kind = IEDD_KIND_INT};
	ck_assert_int_eq(plugin_write(inst, pt, &v, err, sizeof(err)), -EROFS);

	/* read(): an unknown kind and an unterminated string are made sane */
	struct iedd_point batch[2] = {{.point = pt}, {.point = pt}};
	ck_assert_int_eq(plugin_read(inst, batch, 2), 0);
	ck_assert_int_eq(batch[0].value.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(batch[0].value.quality, IEDD_Q_INVALID | IEDD_Q_INCONSISTENT);
	ck_assert_int_eq(batch[1].value.kind, IEDD_KIND_STRING);
	ck_assert_uint_eq(strlen(batch[1].value.v.s), IEDD_STRING_MAX - 1);

	plugin_close(inst);
	plugin_unload(p);
}
END_TEST

/* A bare name that is not there: the plugins the directory has, a close
 * one suggested; an empty or missing directory says how to point iedd at
 * another. */
START_TEST(missing_plugin_lists_the_directory)
{
	struct plugin *p;
	const char *dir = pv_env("PV_PLUGIN_DIR");
	ck_assert_int_eq(plugin_load("shmem", dir, &p, err, sizeof(err)), -ENOENT);
	char want[4200];
	snprintf(want, sizeof(want), "the plugin directory %s has: ", dir);
	ck_assert_contains(err, want);
	ck_assert_contains(err, "shm, sim");
	ck_assert_contains(err, "; did you mean 'shm'?");
	ck_assert_int_eq(plugin_load("smi", dir, &p, err, sizeof(err)), -ENOENT);
	ck_assert_contains(err, "did you mean 'sim'?");
	/* nothing close: the list alone */
	ck_assert_int_eq(plugin_load("opcua", dir, &p, err, sizeof(err)), -ENOENT);
	ck_assert_contains(err, "shm, sim");
	ck_assert_ptr_null(strstr(err, "did you mean"));

	char empty[] = "/tmp/pv-noplugins-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(empty));
	ck_assert_int_eq(plugin_load("shm", empty, &p, err, sizeof(err)), -ENOENT);
	ck_assert_contains(err, "holds no plugin (iedd-source-*.so)");
	ck_assert_contains(err, "--plugin-dir DIR or IEDD_PLUGIN_DIR");
	rmdir(empty);
	ck_assert_int_eq(plugin_load("shm", empty, &p, err, sizeof(err)), -ENOENT);
	ck_assert_contains(err, "cannot be read");
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("pv_loader");
	TCase *tc = tcase_create("loader");
	tcase_add_test(tc, refuses_wrong_abi_version);
	tcase_add_test(tc, refuses_wrong_struct_size);
	tcase_add_test(tc, refuses_missing_symbol);
	tcase_add_test(tc, refuses_missing_read);
	tcase_add_test(tc, refuses_unknown_flags);
	tcase_add_test(tc, refuses_missing_file);
	tcase_add_test(tc, refuses_a_file_that_is_no_shared_object);
	tcase_add_test(tc, refuses_a_name_that_is_neither);
	tcase_add_test(tc, loads_sim_by_bare_name);
	tcase_add_test(tc, mock_contract_checks);
	tcase_add_test(tc, control_callback_rules);
	tcase_add_test(tc, missing_plugin_lists_the_directory);
	suite_add_tcase(s, tc);
	return s;
}

PV_TEST_MAIN(loader_suite)
