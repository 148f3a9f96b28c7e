/* SPDX-License-Identifier: Apache-2.0 */
/* The durable settings file (daemon/store/setstore.c) on a real temporary
 * directory, and its restore into the sample model (daemon/set_persist.c):
 * what is written comes back; the file is replaced atomically (a failed
 * write leaves the old one whole, no temporary left); another format
 * version, another SCL identity, a changed type, a file cut at every
 * offset and every single flipped bit are set aside (renamed, one log
 * line naming the file and why) and never crash the loader. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "set_persist.h"
#include "setstore.h"
#include "testutil.h"

static char dir[64];
static char logbuf[16384];
static int log_lines;
static int fault_err;
static const char *fault_op;

static void log_fn(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
	log_lines++;
}

static int fault_fn(void *arg, const char *op)
{
	(void)arg;
	return fault_err && (!fault_op || !strcmp(op, fault_op)) ? fault_err : 0;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/iedd-set-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	logbuf[0] = 0;
	log_lines = 0;
	fault_err = 0;
	fault_op = NULL;
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[400];
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int count_files(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

static struct setstore *open_id(const char *scl_id, int64_t wall)
{
	const struct setstore_cfg c = { .dir = dir, .scl_id = scl_id, .wall = wall, .log = log_fn,
					.fault = fault_fn };
	struct setstore *s;
	ck_assert_int_eq(setstore_open(&c, &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t *b = malloc(1 << 16);
	*len = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

static void spill(const char *name, const uint8_t *b, size_t len)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	fclose(f);
}

static const uint8_t SIG_U32[] = { 0x86, 0x01, 0x20 };	/* unsigned, 32 bits */
static const uint8_t VAL_4321[] = { 0x86, 0x02, 0x10, 0xE1 };

/* Three entries, one written twice (the later value and position win). */
static void write_three(const char *scl_id)
{
	struct setstore *s = open_id(scl_id, 1);
	ck_assert_int_eq(setstore_put(s, "LD/LN.A.x[CF]", SIG_U32, 3, VAL_4321, 4), 0);
	ck_assert_int_eq(setstore_put(s, "LD/LN.B.y[SP]", SIG_U32, 3, (const uint8_t *)"\x86\x01\x07", 3), 0);
	ck_assert_int_eq(setstore_put(s, "LD/LN.C.z[DC]", (const uint8_t *)"", 0, (const uint8_t *)"\x8a\x00", 2), 0);
	ck_assert_int_eq(setstore_put(s, "LD/LN.A.x[CF]", SIG_U32, 3, (const uint8_t *)"\x86\x01\x05", 3), 0);
	ck_assert_int_eq(setstore_sync(s, 0), 0);
	struct setstore_stats st;
	setstore_get_stats(s, &st);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert(!st.dirty);
	ck_assert_int_eq(setstore_sync(s, 1), 0);	/* nothing changed: nothing written */
	setstore_get_stats(s, &st);
	ck_assert_uint_eq(st.writes, 1);
	setstore_close(s);
}

struct seen {
	char keys[8][64];
	uint8_t last[8];
	int n;
};

static int collect(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
		   const uint8_t *val, size_t val_len)
{
	struct seen *w = arg;
	(void)sig;
	(void)sig_len;
	if (w->n < 8) {
		snprintf(w->keys[w->n], sizeof(w->keys[0]), "%s", key);
		w->last[w->n] = val_len ? val[val_len - 1] : 0;
		w->n++;
	}
	return 0;
}

START_TEST(write_and_reload)
{
	write_three("IED sha:1");
	ck_assert_int_eq(count_files("settings.snap.tmp"), 0);
	struct setstore *s = open_id("IED sha:1", 2);
	struct seen w = { 0 };
	setstore_each(s, collect, &w);
	ck_assert_int_eq(w.n, 3);
	ck_assert_str_eq(w.keys[0], "LD/LN.B.y[SP]");
	ck_assert_str_eq(w.keys[1], "LD/LN.C.z[DC]");
	ck_assert_str_eq(w.keys[2], "LD/LN.A.x[CF]");
	ck_assert_uint_eq(w.last[2], 5);
	ck_assert_uint_eq(w.last[0], 7);
	ck_assert(setstore_remove(s, "LD/LN.C.z[DC]"));
	ck_assert(!setstore_remove(s, "LD/LN.C.z[DC]"));
	ck_assert_int_eq(setstore_sync(s, 0), 0);
	setstore_close(s);
	s = open_id("IED sha:1", 3);
	ck_assert_uint_eq(setstore_count(s), 2);
	setstore_close(s);
	ck_assert_int_eq(count_files("settings.snap.bad"), 0);
}
END_TEST

START_TEST(limits)
{
	struct setstore *s = open_id("x", 1);
	char key[300];
	memset(key, 'k', sizeof(key));
	key[256] = 0;
	ck_assert_int_eq(setstore_put(s, key, SIG_U32, 3, VAL_4321, 4), -EINVAL);
	ck_assert_int_eq(setstore_put(s, "", SIG_U32, 3, VAL_4321, 4), -EINVAL);
	key[255] = 0;
	ck_assert_int_eq(setstore_put(s, key, SIG_U32, 3, VAL_4321, 4), 0);
	ck_assert_int_eq(setstore_sync(s, 0), 0);
	setstore_close(s);
	s = open_id("x", 1);
	ck_assert_uint_eq(setstore_count(s), 1);
	setstore_close(s);
}
END_TEST

/* A failed write, fdatasync or rename leaves the old file as it was and no
 * temporary; the change stays in memory and a later sync writes it. */
START_TEST(atomic_replace)
{
	static const char *ops[] = { "write", "sync", "rename" };
	write_three("id");
	size_t before_len;
	uint8_t *before = slurp("settings.snap", &before_len);
	struct setstore *s = open_id("id", 1);
	ck_assert_int_eq(setstore_put(s, "LD/LN.D.w[SP]", SIG_U32, 3, VAL_4321, 4), 0);
	log_lines = 0;	/* the open's "restored" line */
	fault_err = -ENOSPC;
	fault_op = ops[_i];
	ck_assert_int_eq(setstore_sync(s, 1000), -ENOSPC);
	ck_assert_int_eq(log_lines, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "cannot write"));
	ck_assert_int_eq(setstore_sync(s, 1500), 0);	/* paced: not retried yet */
	ck_assert_int_eq(count_files("settings.snap.tmp"), 0);
	size_t len;
	uint8_t *now = slurp("settings.snap", &len);
	ck_assert_uint_eq(len, before_len);
	ck_assert(!memcmp(now, before, len));
	free(now);
	fault_err = 0;
	ck_assert_int_eq(setstore_sync(s, 2100), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "written again"));
	setstore_close(s);
	s = open_id("id", 1);
	ck_assert_uint_eq(setstore_count(s), 4);
	setstore_close(s);
	free(before);
}
END_TEST

START_TEST(version_mismatch)
{
	write_three("id");
	size_t len;
	uint8_t *b = slurp("settings.snap", &len);
	b[9] = 2;	/* version 2 (big-endian u16 after the 8-octet magic) */
	spill("settings.snap", b, len);
	free(b);
	struct setstore *s = open_id("id", 77);
	ck_assert_uint_eq(setstore_count(s), 0);
	ck_assert_int_eq(log_lines, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "format version 2"));
	ck_assert_ptr_nonnull(strstr(logbuf, "settings.snap.bad-77"));
	ck_assert_int_eq(count_files("settings.snap.bad-77"), 1);
	ck_assert_int_eq(count_files("settings.snap"), 1);	/* only the .bad one */
	setstore_close(s);
}
END_TEST

START_TEST(another_scl)
{
	write_three("IED1 fnv1a64:1111");
	struct setstore *s = open_id("IED1 fnv1a64:2222", 5);
	ck_assert_uint_eq(setstore_count(s), 0);
	ck_assert_int_eq(log_lines, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, "another SCL file"));
	ck_assert_ptr_nonnull(strstr(logbuf, "settings.snap.bad-5"));
	setstore_close(s);
	/* a second one in the same second gets a name of its own */
	write_three("IED1 fnv1a64:1111");
	s = open_id("IED1 fnv1a64:2222", 5);
	ck_assert_int_eq(count_files("settings.snap.bad-5"), 2);
	setstore_close(s);
}
END_TEST

/* Cut at every offset, or any one bit flipped: set aside, never a crash,
 * nothing loaded (the checksum covers everything). */
START_TEST(truncated_and_flipped)
{
	write_three("id");
	size_t len;
	uint8_t *good = slurp("settings.snap", &len);
	for (size_t cut = 0; cut < len; cut++) {
		spill("settings.snap", good, cut);
		log_lines = 0;
		logbuf[0] = 0;
		struct setstore *s = open_id("id", (int64_t)cut);
		ck_assert_uint_eq(setstore_count(s), 0);
		ck_assert_int_eq(log_lines, 1);
		setstore_close(s);
	}
	uint8_t *b = malloc(len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(b, good, len);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		spill("settings.snap", b, len);
		log_lines = 0;
		struct setstore *s = open_id("id", 10000 + (int64_t)bit);
		ck_assert_msg(setstore_count(s) == 0, "bit %zu", bit);
		ck_assert_int_eq(log_lines, 1);
		setstore_close(s);
	}
	free(b);
	free(good);
}
END_TEST

/* Random octets behind a valid header, and random lengths: the parser
 * says why and never reads past the end (ASan builds check). */
START_TEST(bad_bytes)
{
	uint32_t x = 12345;
	uint8_t buf[600];
	char why[200];
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 599) + 1;
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		if (len > 12 && round % 2)
			memcpy(buf, "IEDDSETS\0\x01\0\0", 12);
		uint8_t *exact = malloc(len);
		memcpy(exact, buf, len);
		int r = setstore_parse(exact, len, "", NULL, NULL, why, sizeof(why));
		ck_assert(r == 0 || r == -EBADMSG || r == -EPROTO || r == -ESTALE);
		free(exact);
	}
}
END_TEST

/* ---- restore into the sample model (set_persist.c) ---- */

static struct model *sample(void)
{
	struct model *m;
	char err[512];
	ck_assert_msg(model_load_scl(SAMPLE_ICD, NULL, &m, err, sizeof(err)) == 0, "%s", err);
	return m;
}

static uint32_t read_u32(struct model *m, const char *ref)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	char t[64];
	model_get_text(m, r.type, r.voff, t, sizeof(t));
	return (uint32_t)strtoul(t, NULL, 10);
}

/* The hook records a client's write; a new start applies it. */
START_TEST(restore_into_model)
{
	struct model *m = sample();
	struct setstore *s = open_id("IEDD1 test", 1);
	struct acsi_setting_hook h = set_persist_hook(s);
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(m, "IEDD1BAY", "MMXU1$CF$TotW$db", &r), 0);
	char key[256];
	ck_assert_int_eq(set_persist_key(&r, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "IEDD1BAY/MMXU1.TotW.db[CF]");
	char dom[80], item[300];
	ck_assert_int_eq(set_persist_key_mms(key, dom, sizeof(dom), item, sizeof(item)), 0);
	ck_assert_str_eq(dom, "IEDD1BAY");
	ck_assert_str_eq(item, "MMXU1$CF$TotW$db");
	ck_assert_int_eq(model_set_text(m, r.type, r.voff, "4321"), 0);
	h.written(h.ctx, m, &r);
	ck_assert_int_eq(setstore_sync(s, 0), 0);
	setstore_close(s);
	model_free(m);

	m = sample();
	uint32_t scl = read_u32(m, "IEDD1BAY/MMXU1.TotW.db[CF]");
	ck_assert_uint_ne(scl, 4321);
	s = open_id("IEDD1 test", 2);
	size_t dropped = 9;
	ck_assert_uint_eq(set_persist_restore(s, m, &dropped), 1);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(read_u32(m, "IEDD1BAY/MMXU1.TotW.db[CF]"), 4321);
	ck_assert_int_eq(count_files("settings.snap.bad"), 0);
	setstore_close(s);
	model_free(m);
}
END_TEST

/* A record whose type is not the model's (the SCL changed the DA's bType),
 * or that names nothing: SCL value kept, file set aside with the reason,
 * the other records still applied and kept. */
START_TEST(type_changed)
{
	struct setstore *s = open_id("IEDD1 test", 1);
	ck_assert_int_eq(setstore_put(s, "IEDD1BAY/MMXU1.TotW.db[CF]", (const uint8_t *)"\x87\x01\x20",
				      3, (const uint8_t *)"\x87\x05\x08\x00\x00\x00\x00", 7), 0);
	struct model *m = sample();
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(m, "IEDD1BAY", "MMXU1$CF$TotVAr$db", &r), 0);
	ck_assert_int_eq(setstore_put(s, "IEDD1BAY/MMXU1.TotVAr.db[CF]", r.type->typedesc,
				      r.type->typedesc_len, (const uint8_t *)"\x86\x02\x03\x09", 4), 0);
	ck_assert_int_eq(setstore_put(s, "IEDD1BAY/MMXU9.X.y[CF]", SIG_U32, 3, VAL_4321, 4), 0);
	ck_assert_int_eq(setstore_sync(s, 0), 0);
	setstore_close(s);

	uint32_t scl = read_u32(m, "IEDD1BAY/MMXU1.TotW.db[CF]");
	s = open_id("IEDD1 test", 42);
	size_t dropped = 0;
	ck_assert_uint_eq(set_persist_restore(s, m, &dropped), 1);
	ck_assert_uint_eq(dropped, 2);
	ck_assert_uint_eq(read_u32(m, "IEDD1BAY/MMXU1.TotW.db[CF]"), scl);
	ck_assert_uint_eq(read_u32(m, "IEDD1BAY/MMXU1.TotVAr.db[CF]"), 0x0309);
	ck_assert_int_eq(log_lines, 1 + 1);	/* "restored" (info) + the set-aside line */
	ck_assert_ptr_nonnull(strstr(logbuf, "IEDD1BAY/MMXU1.TotW.db[CF]: its type changed"));
	ck_assert_ptr_nonnull(strstr(logbuf, "settings.snap.bad-42"));
	ck_assert_int_eq(count_files("settings.snap.bad-42"), 1);
	ck_assert_int_eq(setstore_sync(s, 0), 0);	/* the rest to a fresh file */
	setstore_close(s);
	s = open_id("IEDD1 test", 43);
	ck_assert_uint_eq(setstore_count(s), 1);
	setstore_close(s);
	model_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("setstore");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, write_and_reload);
	tcase_add_test(tc, limits);
	tcase_add_loop_test(tc, atomic_replace, 0, 3);
	tcase_add_test(tc, version_mismatch);
	tcase_add_test(tc, another_scl);
	tcase_add_test(tc, truncated_and_flipped);
	tcase_add_test(tc, bad_bytes);
	tcase_add_test(tc, restore_into_model);
	tcase_add_test(tc, type_changed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
