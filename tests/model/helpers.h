/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the model tests: SCL text written into a private temporary
 * directory, byte-exact comparison with a hex dump, a check that nothing
 * reaches stderr, and a TAP main. */
#pragma once
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define SCL_NS "http://www.iec.ch/61850/2003/SCL"

static inline const char *hexs(const void *p, size_t n)
{
	static char out[2][3 * 400 + 8];
	static int which;
	char *s = out[which ^= 1];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 8 < sizeof(out[0]); i++)
		k += (size_t)snprintf(s + k, sizeof(out[0]) - k, "%02X ", ((const uint8_t *)p)[i]);
	s[k] = 0;
	return s;
}

#define ck_assert_mem(p, n, exp, expn)                                                          \
	do {                                                                                    \
		const void *p_ = (p), *e_ = (exp);                                              \
		size_t n_ = (n), en_ = (expn);                                                  \
		ck_assert_msg(n_ == en_ && !memcmp(p_, e_, n_), "got      (%zu) %s\nexpected (%zu) %s", \
			      n_, hexs(p_, n_), en_, hexs(e_, en_));                            \
	} while (0)

/* A fresh directory under $TMPDIR for this test's files. */
static inline const char *tmpdir_new(void)
{
	static char dir[256];
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/iedd-model-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

/* Writes `text` to dir/name; returns the path (static, one at a time). */
static inline const char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* 1-based line of the first occurrence of `marker` in `text`. */
static inline long line_of(const char *text, const char *marker)
{
	const char *p = strstr(text, marker);
	long line = 1;
	ck_assert_msg(p != NULL, "marker '%s' not in the text", marker);
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

/* stderr goes to a temporary file between these two; the second returns
 * how many octets were written to it (loading must print nothing). */
struct stderr_trap {
	int saved;
	FILE *f;
};

static inline void stderr_trap_begin(struct stderr_trap *t)
{
	fflush(stderr);
	t->f = tmpfile();
	ck_assert_ptr_nonnull(t->f);
	t->saved = dup(2);
	ck_assert_int_ge(t->saved, 0);
	ck_assert_int_eq(dup2(fileno(t->f), 2), 2);
}

static inline long stderr_trap_end(struct stderr_trap *t, char *text, size_t n)
{
	fflush(stderr);
	ck_assert_int_eq(dup2(t->saved, 2), 2);
	close(t->saved);
	long len = ftell(t->f);
	if (text && n) {
		rewind(t->f);
		size_t k = fread(text, 1, n - 1, t->f);
		text[k] = 0;
	}
	fclose(t->f);
	return len;
}

/* Loads with stderr trapped; asserts that nothing was printed. */
static inline int load_quiet(const char *path, const char *ied, struct model **m, char *err,
			     size_t errlen)
{
	struct stderr_trap t;
	char printed[256];
	stderr_trap_begin(&t);
	int r = model_load_scl(path, ied, m, err, errlen);
	long n = stderr_trap_end(&t, printed, sizeof(printed));
	ck_assert_msg(n == 0, "loading %s printed on stderr: %s", path, printed);
	return r;
}

#define TEST_MAIN(suite_fn)                                                                     \
	int main(void)                                                                          \
	{                                                                                       \
		SRunner *sr = srunner_create(suite_fn());                                       \
		srunner_set_tap(sr, "-");                                                       \
		srunner_run_all(sr, CK_SILENT);                                                 \
		int failed = srunner_ntests_failed(sr);                                         \
		srunner_free(sr);                                                               \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                    \
	}
