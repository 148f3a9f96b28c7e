/* SPDX-License-Identifier: Apache-2.0 */
/* The rooted file store (daemon/store/files.c): every traversal trick of
 * issue 16 against a real temporary tree with a secret beside the root,
 * each run with openat2 and with the component walk (loop index = enum
 * files_resolve); listing with paging and prefixes; FRSMs with their
 * limits and errors; remove and rename kept beneath the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "testutil.h"

static char base[64], root[96], outside[96];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

#define P(fmt, ...) (snprintf(path, sizeof(path), fmt, __VA_ARGS__), path)

static void setup(void)
{
	char path[256];
	snprintf(base, sizeof(base), "/tmp/iedd-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	put(P("%s/secret", outside), "secret");
	put(P("%s/a.txt", root), "hello");
	ck_assert_int_eq(mkdir(P("%s/COMTRADE", root), 0755), 0);
	put(P("%s/COMTRADE/rec1.cfg", root), "cfg1");
	put(P("%s/COMTRADE/rec1.dat", root), "dat1");
	put(P("%s/COMTRADE/rec2.cfg", root), "cfg2");
	ck_assert_int_eq(mkdir(P("%s/sub", root), 0755), 0);
	ck_assert_int_eq(mkdir(P("%s/sub/deep", root), 0755), 0);
	put(P("%s/sub/deep/f", root), "deep");
	ck_assert_int_eq(symlink("../outside/secret", P("%s/link_out", root)), 0);
	ck_assert_int_eq(symlink("/etc/passwd", P("%s/link_abs", root)), 0);
	ck_assert_int_eq(symlink("../outside", P("%s/dirlink", root)), 0);
	ck_assert_int_eq(symlink("a.txt", P("%s/link_in", root)), 0);
	ck_assert_int_eq(symlink("loop", P("%s/loop", root)), 0);
	char sec[128];
	snprintf(sec, sizeof(sec), "%s/secret", outside);
	ck_assert_int_eq(link(sec, P("%s/hard", root)), 0);
	ck_assert_int_eq(mkfifo(P("%s/fifo", root), 0644), 0);
}

static void rm_tree(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR) {
			int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
			rm_tree(c);
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	closedir(d);
}

static void teardown(void)
{
	rm_tree(open(base, O_RDONLY | O_DIRECTORY));
	rmdir(base);
}

/* The store for the loop's resolver; false when this kernel lacks openat2. */
static bool store_for(struct files_store *s, int mode)
{
	if (mode == FILES_RESOLVE_OPENAT2 && !files_have_openat2())
		return false;
	ck_assert_int_eq(files_store_open(s, root, (enum files_resolve)mode), 0);
	ck_assert_int_eq(s->resolve, mode);
	return true;
}

static int open_read(struct files_store *s, const char *name)
{
	int fd = files_open(s, name, O_RDONLY | O_NONBLOCK);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

START_TEST(names)
{
	static const char *const syntax[] = { "a//b", "./a", "a/./b", "a/.", "x\n", "x\x7f",
					      "\x01" };
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
		ck_assert_msg(files_name_check(syntax[i], true) == -EINVAL, "%zu", i);
	static const char *const dots[] = { "..", "../x", "a/..", "a/../b", "/..", "/../etc",
					    "COMTRADE/../../outside/secret", "a/../", "//.." };
	for (size_t i = 0; i < sizeof(dots) / sizeof(dots[0]); i++)
		ck_assert_msg(files_name_check(dots[i], true) == -EACCES, "%s", dots[i]);
	char lng[300];
	memset(lng, 'a', sizeof(lng));
	lng[256] = 0;
	ck_assert_int_eq(files_name_check(lng, true), -EINVAL);
	lng[255] = 0;
	ck_assert_int_eq(files_name_check(lng, true), 0);
	ck_assert_int_eq(files_name_check("", true), 0);
	ck_assert_int_eq(files_name_check("/", true), 0);
	ck_assert_int_eq(files_name_check("/a/b", false), 0);
	ck_assert_int_eq(files_name_check("a/", true), 0);
	ck_assert_int_eq(files_name_check("a/", false), -EINVAL);
	ck_assert_int_eq(files_name_check("...", false), 0); /* a legal name */
}
END_TEST

START_TEST(traversal)
{
	struct files_store s;
	if (!store_for(&s, _i))
		return;
	ck_assert_int_eq(open_read(&s, "a.txt"), 0);
	ck_assert_int_eq(open_read(&s, "/a.txt"), 0);
	ck_assert_int_eq(open_read(&s, "///a.txt"), 0);
	ck_assert_int_eq(open_read(&s, "sub/deep/f"), 0);
	ck_assert_int_eq(open_read(&s, "../outside/secret"), -EACCES);
	ck_assert_int_eq(open_read(&s, "sub/../../outside/secret"), -EACCES);
	ck_assert_int_eq(open_read(&s, "sub//deep/f"), -EINVAL);
	ck_assert_int_eq(open_read(&s, "a.txt/"), -ENOTDIR);
	ck_assert_int_eq(open_read(&s, "nothing"), -ENOENT);
	/* symlinks: never followed, whichever way they point */
	ck_assert_int_eq(open_read(&s, "link_out"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "link_abs"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "link_in"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "loop"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "dirlink/secret"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "dirlink/"), -ELOOP);
	/* a hard link to a file outside, and a FIFO: opened, then refused */
	struct files_session ss;
	struct mms_file_attr a;
	int32_t id;
	files_session_init(&ss, &s);
	ck_assert_int_eq(files_session_open(&ss, "hard", 0, &id, &a), -EACCES);
	ck_assert_int_eq(files_session_open(&ss, "fifo", 0, &id, &a), -EACCES);
	ck_assert_int_eq(files_session_open(&ss, "link_out", 0, &id, &a), -ELOOP);
	ck_assert_int_eq(files_session_open(&ss, "COMTRADE", 0, &id, &a), -EISDIR);
	ck_assert_int_eq(files_session_count(&ss), 0);
	ck_assert_uint_eq(s.open_total, 0);
	files_store_clear(&s);
}
END_TEST

/* A directory replaced by a symlink to the outside after a client saw it:
 * nothing is checked first and opened later, so the next open is refused. */
START_TEST(swapped_dir)
{
	char path[256], to[256];
	struct files_store s;
	if (!store_for(&s, _i))
		return;
	ck_assert_int_eq(open_read(&s, "sub/deep/f"), 0);
	snprintf(to, sizeof(to), "%s/sub.old", root);
	ck_assert_int_eq(rename(P("%s/sub", root), to), 0);
	ck_assert_int_eq(symlink("../outside", P("%s/sub", root)), 0);
	ck_assert_int_eq(open_read(&s, "sub/secret"), -ELOOP);
	ck_assert_int_eq(open_read(&s, "sub/deep/f"), -ELOOP);
	/* and the root replaced by nothing: the store holds its descriptor */
	files_store_clear(&s);
}
END_TEST

struct seen {
	char names[16][256];
	struct mms_file_attr a[16];
	int n, stop_after;
};

static int collect(void *ctx, const char *name, const struct mms_file_attr *a)
{
	struct seen *v = ctx;
	if (v->stop_after && v->n == v->stop_after)
		return 1;
	ck_assert_int_lt(v->n, 16);
	snprintf(v->names[v->n], sizeof(v->names[0]), "%s", name);
	v->a[v->n++] = *a;
	return 0;
}

START_TEST(listing)
{
	struct files_store s;
	struct seen v = { 0 };
	if (!store_for(&s, _i))
		return;
	ck_assert_int_eq(files_list(&s, NULL, NULL, collect, &v), 0);
	/* sorted; symlinks, the FIFO and the hard link are not listed */
	ck_assert_int_eq(v.n, 3);
	ck_assert_str_eq(v.names[0], "COMTRADE/");
	ck_assert_str_eq(v.names[1], "a.txt");
	ck_assert_str_eq(v.names[2], "sub/");
	ck_assert_uint_eq(v.a[1].size, 5);
	ck_assert(v.a[1].has_mtime && v.a[1].mtime_ms > 1500000000000LL);
	ck_assert_uint_eq(v.a[0].size, 0);

	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "/COMTRADE", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 3);
	ck_assert_str_eq(v.names[0], "COMTRADE/rec1.cfg");
	ck_assert_str_eq(v.names[2], "COMTRADE/rec2.cfg");
	/* a prefix, a file, nothing */
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "COMTRADE/rec1", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 2);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "COMTRADE/rec2.cfg", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 1);
	ck_assert_str_eq(v.names[0], "COMTRADE/rec2.cfg");
	ck_assert_uint_eq(v.a[0].size, 4);
	ck_assert_int_eq(files_list(&s, "COMTRADE/zzz", NULL, collect, &v), -ENOENT);
	ck_assert_int_eq(files_list(&s, "nodir/", NULL, collect, &v), -ENOENT);
	ck_assert_int_eq(files_list(&s, "../outside", NULL, collect, &v), -EACCES);
	/* the link itself is found (O_PATH) and refused as no file */
	ck_assert_int_eq(files_list(&s, "dirlink", NULL, collect, &v), -EACCES);
	ck_assert_int_eq(files_list(&s, "dirlink/", NULL, collect, &v), -ELOOP);
	ck_assert_int_eq(files_list(&s, "COMTRADE", "../x", collect, &v), -EACCES);

	/* paging: two per response, continueAfter = the last name */
	memset(&v, 0, sizeof(v));
	v.stop_after = 2;
	ck_assert_int_eq(files_list(&s, "COMTRADE/", NULL, collect, &v), 1);
	ck_assert_int_eq(v.n, 2);
	char last[256];
	snprintf(last, sizeof(last), "%s", v.names[1]);
	memset(&v, 0, sizeof(v));
	v.stop_after = 2;
	ck_assert_int_eq(files_list(&s, "COMTRADE/", last, collect, &v), 0);
	ck_assert_int_eq(v.n, 1);
	ck_assert_str_eq(v.names[0], "COMTRADE/rec2.cfg");

	/* the pages came from one read of the directory */
	uint64_t reads = s.dir_reads;
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "COMTRADE/rec", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 3);
	ck_assert_uint_eq(s.dir_reads, reads);
	/* a file the recorder writes now is in the next listing */
	char path[256];
	put(P("%s/COMTRADE/rec3.cfg", root), "new");
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "COMTRADE", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 4);
	ck_assert_uint_eq(s.dir_reads, reads + 1);
	/* and one removed is gone from it; a changed size shows at once */
	ck_assert_int_eq(unlink(P("%s/COMTRADE/rec1.dat", root)), 0);
	put(P("%s/COMTRADE/rec2.cfg", root), "longer now");
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(files_list(&s, "COMTRADE", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 3);
	ck_assert_str_eq(v.names[1], "COMTRADE/rec2.cfg");
	ck_assert_uint_eq(v.a[1].size, 10);
	files_store_clear(&s);
}
END_TEST

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(frsm)
{
	char path[256];
	struct files_store s;
	if (!store_for(&s, _i))
		return;
	FILE *f = fopen(P("%s/big", root), "w");
	for (int i = 0; i < 10000; i++)
		fputc('A' + i % 26, f);
	fclose(f);
	int fds = count_fds();
	struct files_session ss;
	struct mms_file_attr a;
	int32_t id, id2;
	uint8_t buf[4096];
	size_t n, total = 0;
	bool more = true;
	files_session_init(&ss, &s);
	ck_assert_int_eq(files_session_open(&ss, "big", 0, &id, &a), 0);
	ck_assert_uint_eq(a.size, 10000);
	while (more) {
		ck_assert_int_eq(files_session_read(&ss, id, buf, sizeof(buf), &n, &more), 0);
		ck_assert_uint_eq(buf[0], 'A' + total % 26);
		total += n;
	}
	ck_assert_uint_eq(total, 10000);
	/* at the end: nothing more, still no error */
	ck_assert_int_eq(files_session_read(&ss, id, buf, sizeof(buf), &n, &more), 0);
	ck_assert(n == 0 && !more);
	ck_assert_int_eq(files_session_close(&ss, id), 0);
	ck_assert_int_eq(files_session_close(&ss, id), -EBADF);
	ck_assert_int_eq(files_session_read(&ss, id, buf, sizeof(buf), &n, &more), -EBADF);
	ck_assert_int_eq(files_session_read(&ss, 0, buf, sizeof(buf), &n, &more), -EBADF);
	/* initialPosition: at the size is fine, beyond is refused */
	ck_assert_int_eq(files_session_open(&ss, "big", 10001, &id, &a), -ESPIPE);
	ck_assert_int_eq(files_session_open(&ss, "big", 9990, &id, &a), 0);
	ck_assert_int_eq(files_session_read(&ss, id, buf, sizeof(buf), &n, &more), 0);
	ck_assert(n == 10 && !more);
	/* ids are unique, another association does not see them */
	ck_assert_int_eq(files_session_open(&ss, "big", 0, &id2, &a), 0);
	ck_assert_int_ne(id, id2);
	struct files_session other;
	files_session_init(&other, &s);
	ck_assert_int_eq(files_session_read(&other, id2, buf, sizeof(buf), &n, &more), -EBADF);
	ck_assert_int_eq(files_session_close(&other, id2), -EBADF);
	/* five per association */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(files_session_open(&ss, "a.txt", 0, &id, &a), 0);
	ck_assert_int_eq(files_session_open(&ss, "a.txt", 0, &id, &a), -EMFILE);
	ck_assert_uint_eq(files_session_count(&ss), 5);
	ck_assert_int_eq(files_session_open(&other, "a.txt", 0, &id, &a), 0);
	/* and over all associations */
	s.max_open_total = 6;
	ck_assert_int_eq(files_session_open(&other, "a.txt", 0, &id, &a), -EMFILE);
	/* the associations end: every descriptor is back */
	files_session_clear(&ss);
	files_session_clear(&other);
	ck_assert_uint_eq(s.open_total, 0);
	ck_assert_int_eq(count_fds(), fds);
	files_store_clear(&s);
}
END_TEST

START_TEST(remove_rename)
{
	char path[256];
	struct files_store s;
	if (!store_for(&s, _i))
		return;
	ck_assert_int_eq(files_remove(&s, "../outside/secret"), -EACCES);
	ck_assert_int_eq(files_remove(&s, "dirlink/secret"), -ELOOP);
	ck_assert(exists(P("%s/secret", outside)));
	/* a symlink is removed itself, its target stays */
	ck_assert_int_eq(files_remove(&s, "link_out"), 0);
	ck_assert(exists(P("%s/secret", outside)));
	ck_assert_int_eq(files_remove(&s, "COMTRADE"), -EISDIR);
	ck_assert_int_eq(files_remove(&s, "/"), -EACCES);
	ck_assert_int_eq(files_remove(&s, "nothing"), -ENOENT);
	ck_assert_int_eq(files_remove(&s, "COMTRADE/rec2.cfg"), 0);
	ck_assert(!exists(P("%s/COMTRADE/rec2.cfg", root)));

	ck_assert_int_eq(files_rename(&s, "a.txt", "../outside/x"), -EACCES);
	ck_assert_int_eq(files_rename(&s, "a.txt", "dirlink/x"), -ELOOP);
	ck_assert(!exists(P("%s/x", outside)));
	ck_assert_int_eq(files_rename(&s, "a.txt", "COMTRADE/rec1.cfg"), -EEXIST);
	ck_assert_int_eq(files_rename(&s, "nothing", "b"), -ENOENT);
	ck_assert_int_eq(files_rename(&s, "a.txt", "sub/deep/b.txt"), 0);
	ck_assert(exists(P("%s/sub/deep/b.txt", root)));
	ck_assert(!exists(P("%s/a.txt", root)));
	files_store_clear(&s);
}
END_TEST

START_TEST(upload)
{
	char path[256];
	struct files_store s;
	struct files_upload u;
	if (!store_for(&s, _i))
		return;
	int fds = count_fds();
	ck_assert_int_eq(files_upload_begin(&s, "COMTRADE/new.cfg", &u), 0);
	ck_assert_int_eq(files_upload_write(&s, &u, (const uint8_t *)"abc", 3), 0);
	/* nothing visible until complete */
	ck_assert(!exists(P("%s/COMTRADE/new.cfg", root)));
	struct seen v = { 0 };
	ck_assert_int_eq(files_list(&s, "COMTRADE", NULL, collect, &v), 0);
	ck_assert_int_eq(v.n, 3);
	ck_assert_int_eq(files_upload_commit(&u), 0);
	ck_assert(exists(P("%s/COMTRADE/new.cfg", root)));
	ck_assert_int_eq(count_fds(), fds);
	/* an existing name, names outside, a size over the limit, abandoned */
	ck_assert_int_eq(files_upload_begin(&s, "a.txt", &u), -EEXIST);
	ck_assert_int_eq(files_upload_begin(&s, "../outside/x", &u), -EACCES);
	ck_assert_int_eq(files_upload_begin(&s, "dirlink/x", &u), -ELOOP);
	ck_assert_int_eq(files_upload_begin(&s, "nodir/x", &u), -ENOENT);
	s.max_upload = 4;
	ck_assert_int_eq(files_upload_begin(&s, "b.dat", &u), 0);
	ck_assert_int_eq(files_upload_write(&s, &u, (const uint8_t *)"abc", 3), 0);
	ck_assert_int_eq(files_upload_write(&s, &u, (const uint8_t *)"de", 2), -ENOSPC);
	files_upload_abort(&u);
	ck_assert(!exists(P("%s/b.dat", root)));
	/* a name that appeared meanwhile is not replaced */
	ck_assert_int_eq(files_upload_begin(&s, "c.dat", &u), 0);
	put(P("%s/c.dat", root), "plant");
	ck_assert_int_eq(files_upload_commit(&u), -EEXIST);
	ck_assert_int_eq(count_fds(), fds);
	files_store_clear(&s);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("store_files");
	TCase *tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names);
	tcase_add_loop_test(tc, traversal, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	tcase_add_loop_test(tc, swapped_dir, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	tcase_add_loop_test(tc, listing, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	tcase_add_loop_test(tc, frsm, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	tcase_add_loop_test(tc, remove_rename, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	tcase_add_loop_test(tc, upload, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK + 1);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(files_suite)
