/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the durable settings loader (daemon/store/setstore.c).
 * An input is written as settings.snap into a temporary directory (on
 * /dev/shm where there is one: the store fdatasyncs) and opened for the SCL
 * identity "IED fuzz"; the parser is also run on an exact-size copy. Then
 * one setting is written, synced, and the store opened again.
 *
 * After every input: the loader and the parser agree on what loads; what
 * the store wrote itself loads again with no complaint, with what was
 * kept plus the new setting. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setstore.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static char dir[128];
static int complaints;

static void log_fn(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)msg;
	if (level <= 4)
		complaints++;
}

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	CHECK(d);
	struct dirent *de;
	char p[400];
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/iedd-fuzz-set-XXXXXX", base);
	CHECK(mkdtemp(dir));
	return 0;
}

static int count_each(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
		      const uint8_t *val, size_t val_len)
{
	(void)key, (void)sig, (void)sig_len, (void)val, (void)val_len;
	++*(size_t *)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char id[] = "IED fuzz";
	clear_dir();
	char path[300];
	snprintf(path, sizeof(path), "%s/settings.snap", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	uint8_t *exact = malloc(size ? size : 1);
	CHECK(exact);
	memcpy(exact, data, size);
	char why[300];
	size_t parsed = 0;
	int pr = setstore_parse(exact, size, id, count_each, &parsed, why, sizeof(why));
	free(exact);

	const struct setstore_cfg c = { .dir = dir, .scl_id = id, .wall = 1, .log = log_fn };
	struct setstore *s;
	complaints = 0;
	CHECK(setstore_open(&c, &s) == 0);
	size_t n = setstore_count(s);
	/* duplicate keys collapse in the store, so at most what was parsed */
	CHECK(pr == 0 ? n <= parsed && complaints == 0 : n == 0 && complaints == 1);
	static const uint8_t sig[] = { 0x86, 0x01, 0x20 }, val[] = { 0x86, 0x01, 0x05 };
	size_t before = n;
	CHECK(setstore_put(s, "LD/LN.DO.da[CF]", sig, sizeof(sig), val, sizeof(val)) == 0);
	n = setstore_count(s);
	CHECK(n == before || n == before + 1);
	CHECK(setstore_sync(s, 0) == 0);
	setstore_close(s);

	complaints = 0;
	CHECK(setstore_open(&c, &s) == 0);
	CHECK(complaints == 0 && setstore_count(s) == n);
	setstore_close(s);
	return 0;
}
