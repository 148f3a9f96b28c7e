/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as the TCP stream a client sends to
 * iedd with the file services on (delete and rename allowed), served from a
 * real temporary root (daemon/file_service.c over daemon/store/files.c),
 * ObtainFile too (the stream then holds the client's answers to iedd).
 * Beside the root lies a directory with a secret file, and the root holds
 * symlinks and a hard link that lead to it.
 *
 * After every input: nothing outside the root was touched (the outside
 * directory holds exactly its one file, with its content, size and mtime;
 * the base directory holds only root/ and outside/), every FRSM is closed
 * once the association is cleared (the store's count is 0 and no
 * descriptor leaked), and the server's output is well-framed TPKTs. The
 * root's tree is put back before the next input, as delete and rename may
 * have changed it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cotp.h"
#include "file_service.h"
#include "mms_server.h"
#include "store/files.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static char base[64], root[96], outside[96], secret[128];
static struct stat secret_st;
static struct file_service fs;
static int fds_at_start;

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, name);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Descriptors that point beneath base (libFuzzer's own threads open files
 * of /proc now and then, so all descriptors would not do). */
static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	if (!d)
		abort();
	while ((de = readdir(d))) {
		char p[300], t[300];
		snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
		ssize_t k = readlink(p, t, sizeof(t) - 1);
		if (k > 0) {
			t[k] = 0;
			n += !strncmp(t, base, strlen(base));
		}
	}
	closedir(d);
	return n;
}

/* Empties root and writes its tree again. */
static void rm_rf_at(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	if (!d)
		abort();
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && errno == EISDIR) {
			int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (c >= 0)
				rm_rf_at(c);
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

static void tree(void)
{
	char p[256];
	rm_rf_at(open(root, O_RDONLY | O_DIRECTORY));
	put("a.cfg", "station,IED1\n");
	snprintf(p, sizeof(p), "%s/COMTRADE", root);
	mkdir(p, 0755);
	put("COMTRADE/rec1.cfg", "1\n");
	put("COMTRADE/rec1.dat", "0123456789abcdef0123456789abcdef");
	snprintf(p, sizeof(p), "%s/link", root);
	if (symlink("../outside/secret", p))
		abort();
	snprintf(p, sizeof(p), "%s/dirlink", root);
	if (symlink("../outside", p))
		abort();
	snprintf(p, sizeof(p), "%s/hard", root);
	if (link(secret, p))
		abort();
}

static void check_outside(void)
{
	struct stat st;
	char buf[32] = "";
	CHECK(!lstat(secret, &st) && S_ISREG(st.st_mode));
	CHECK(st.st_ino == secret_st.st_ino && st.st_size == secret_st.st_size);
	CHECK(st.st_mtim.tv_sec == secret_st.st_mtim.tv_sec &&
	      st.st_mtim.tv_nsec == secret_st.st_mtim.tv_nsec);
	int fd = open(secret, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 7);
	close(fd);
	CHECK(!strcmp(buf, "secret\n"));
	const char *dirs[2] = { outside, base };
	for (int k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;
		int n = 0;
		CHECK(d);
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			n++;
			if (k == 0)
				CHECK(!strcmp(de->d_name, "secret"));
			else
				CHECK(!strcmp(de->d_name, "root") || !strcmp(de->d_name, "outside"));
		}
		closedir(d);
		CHECK(n == (k == 0 ? 1 : 2));
	}
}

static void check_framing(const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		size_t n;
		CHECK(!tpkt_header(p + off, len - off, 65535, &n, NULL) && n <= len - off);
		off += n;
	}
}

/* The temporary tree goes when the fuzzer exits. */
static void cleanup(void)
{
	rm_rf_at(open(base, O_RDONLY | O_DIRECTORY));
	rmdir(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "/tmp/iedd-fuzz-files-XXXXXX");
	if (!mkdtemp(base))
		abort();
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	if (mkdir(root, 0755) || mkdir(outside, 0755))
		abort();
	FILE *f = fopen(secret, "w");
	if (!f)
		abort();
	fputs("secret\n", f);
	fclose(f);
	if (lstat(secret, &secret_st))
		abort();
	tree();
	if (file_service_open_all(&fs, root, true, true, true, err, sizeof(err))) {
		fprintf(stderr, "fuzz_files: %s\n", err);
		abort();
	}
	fds_at_start = count_fds();
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mms_server srv;
	struct mms_assoc a;
	struct buf out;
	size_t off = 0;

	mms_server_init(&srv, 65000, 16, 10);
	mms_server_set_files(&srv, &fs.acsi);
	mms_assoc_init(&a, 1);
	buf_init(&out, 0, 0);
	while (off < size) {
		size_t n;
		struct proto_err err = { 0 };
		if (tpkt_header(data + off, size - off, mms_assoc_max_tpkt(&a), &n, &err) ||
		    n > size - off)
			break;
		uint8_t *tpkt = malloc(n);
		if (!tpkt)
			break;
		memcpy(tpkt, data + off, n);
		int r = mms_assoc_input(&a, &srv, tpkt, n, &out, &err, NULL, NULL);
		free(tpkt);
		CHECK(r >= 0 || (r == -EBADMSG && err.layer && err.reason[0]));
		check_framing(buf_data(&out), out.len);
		buf_reset(&out, 0);
		if (r < 0 || r == MMS_STEP_CLOSE)
			break;
		off += n;
	}
	buf_clear(&out);
	mms_assoc_clear(&a);
	mms_server_clear(&srv);
	/* the association is gone: its FRSMs with it */
	CHECK(fs.store->open_total == 0);
	CHECK(count_fds() == fds_at_start);
	check_outside();
	tree();
	return 0;
}
