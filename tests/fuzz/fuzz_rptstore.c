/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the report state loader (daemon/store/rptstore.c)
 * and the entries it hands to the BRCB buffer (report_buf.c). An input is
 *   snapshot length (u32 LE), the snapshot, the log
 * written as rpt.snap and rpt.log into a temporary directory (on /dev/shm
 * where there is one: the store fdatasyncs). The BRCBs "K1" (ConfRev 1)
 * and "K2" (ConfRev 2) are loaded into buffers of at most 8 entries,
 * loading ends (a new snapshot and log are written), one entry is added,
 * synced and the store stopped cleanly.
 *
 * After every input: what the store wrote itself loads again with no
 * complaint, clean, with the same entries and counters. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpt_persist.h"

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
	(void)level;
	(void)msg;
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

static void spill(const char *name, const uint8_t *p, size_t n)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/iedd-fuzz-rpt-XXXXXX", base);
	CHECK(mkdtemp(dir));
	return 0;
}

static const char *const keys[2] = { "K1", "K2" };

static void each_ds(void *arg, const char *ld, const char *name, const char *const *refs,
		    uint32_t n)
{
	size_t *sum = arg;
	*sum += strlen(ld) + strlen(name);
	for (uint32_t i = 0; i < n; i++)
		*sum += strlen(refs[i]);
}

struct run {
	struct rptstore *s;
	struct rpt_persist p;
	struct rpt_buf *b[2];
	struct rpt_persist_state st[2];
	size_t ds_sum;
};

static void run_start(struct run *r)
{
	struct rptstore_cfg cfg = { .dir = dir, .scl_id = "FUZZ sha256:0", .wall = 0,
				    .compact_min = 512, .log = log_fn };
	CHECK(rptstore_open(&cfg, &r->s) == 0);
	r->p = rpt_persist_store(r->s);
	r->ds_sum = 0;
	r->p.datasets(r->p.ctx, each_ds, &r->ds_sum);
	for (int k = 0; k < 2; k++) {
		r->b[k] = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = 8 });
		CHECK(r->b[k]);
		CHECK(r->p.load(r->p.ctx, keys[k], (uint32_t)k + 1, r->b[k], &r->st[k]) == 0);
	}
	rptstore_load_done(r->s, 0);
}

static void run_stop(struct run *r)
{
	rptstore_close(r->s);
	rpt_buf_free(r->b[0]);
	rpt_buf_free(r->b[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	clear_dir();
	if (size < 4)
		return 0;
	size_t ns = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
		    (size_t)data[3] << 24;
	data += 4;
	size -= 4;
	if (ns > size)
		ns = size;
	spill("rpt.snap", data, ns);
	spill("rpt.log", data + ns, size - ns);

	struct run r;
	run_start(&r);
	uint8_t v[3] = { 0x83, 1, 0xff };
	struct rpt_member m = { .index = 1, .reason = 2, .len = 3, .data = v };
	uint8_t toe[6] = { 0 };
	uint32_t dropped;
	const struct rpt_entry *e = rpt_buf_add(r.b[0], toe, &m, 1, &dropped);
	CHECK(e);
	if (dropped)
		r.p.dropped(r.p.ctx, keys[0], rpt_entry_id(rpt_buf_oldest(r.b[0])) - 1);
	r.p.entry_added(r.p.ctx, keys[0], e);
	CHECK(rptstore_sync(r.s, 100) == 0);
	CHECK(rptstore_flush(r.s, 200) == 0);

	/* what it wrote loads again, as it was */
	struct run again;
	complaints = 0;
	run_start(&again);
	CHECK(complaints == 0);
	CHECK(again.ds_sum == r.ds_sum);
	for (int k = 0; k < 2; k++) {
		CHECK(!again.st[k].unclean);
		CHECK(again.st[k].has_cfg == r.st[k].has_cfg);
		CHECK(rpt_buf_last_id(again.b[k]) == rpt_buf_last_id(r.b[k]));
		CHECK(rpt_buf_count(again.b[k]) == rpt_buf_count(r.b[k]));
		const struct rpt_entry *x = rpt_buf_oldest(r.b[k]), *y = rpt_buf_oldest(again.b[k]);
		for (; x && y; x = rpt_buf_next(r.b[k], x), y = rpt_buf_next(again.b[k], y)) {
			size_t lx, ly;
			const uint8_t *bx = rpt_entry_body(x, &lx), *by = rpt_entry_body(y, &ly);
			CHECK(rpt_entry_id(x) == rpt_entry_id(y));
			CHECK(lx == ly && !memcmp(bx, by, lx));
		}
	}
	run_stop(&again);
	run_stop(&r);
	return 0;
}
