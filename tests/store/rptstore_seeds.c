/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the seed corpus of tests/fuzz/fuzz_rptstore.c: state files the
 * store wrote itself (through the rpt_persist glue) for the BRCBs the
 * target loads ("K1" ConfRev 1, "K2" ConfRev 2), each as
 *   snapshot length (u32 LE), rpt.snap, rpt.log
 * seeds: clean (entries in the snapshot and the log, a configuration, data
 * sets), unclean (a torn last record), compacted (a small compact_min,
 * drops), purged. It checks that each loads again without a complaint.
 *
 *   rptstore_seeds OUTDIR      e.g. build/tests/store/rptstore_seeds tests/fuzz/corpus/rptstore
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpt_persist.h"

static char dir[64];
static int complaints;

static void log_fn(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "rptstore_seeds: store says: %s\n", msg);
	complaints++;
}

static void die(const char *what)
{
	fprintf(stderr, "rptstore_seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct rptstore *s;
static struct rpt_persist p;
static struct rpt_buf *b[2];
static const char *const keys[2] = { "K1", "K2" };

static void start(size_t compact_min)
{
	struct rptstore_cfg cfg = { .dir = dir, .scl_id = "FUZZ sha256:0",
				    .compact_min = compact_min, .log = log_fn };
	if (rptstore_open(&cfg, &s))
		die("open");
	p = rpt_persist_store(s);
	for (int k = 0; k < 2; k++) {
		struct rpt_persist_state st;
		b[k] = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = 8 });
		if (p.load(p.ctx, keys[k], (uint32_t)k + 1, b[k], &st))
			die("load");
	}
	if (rptstore_load_done(s, 0))
		die("load_done");
}

static void stop(bool clean)
{
	if (clean && rptstore_flush(s, 0))
		die("flush");
	rptstore_close(s);
	rpt_buf_free(b[0]);
	rpt_buf_free(b[1]);
}

static void add(int k, uint32_t t, uint32_t n)
{
	uint8_t v[4][8];
	struct rpt_member m[4];
	for (uint32_t i = 0; i < n; i++) {
		v[i][0] = 0x86;
		v[i][1] = 1;
		v[i][2] = (uint8_t)(t + i);
		m[i] = (struct rpt_member){ .index = i, .reason = 2, .len = 3, .data = v[i] };
	}
	uint8_t toe[6] = { 0, 0, 0, (uint8_t)t, 0, 1 };
	uint32_t dropped;
	const struct rpt_entry *e = rpt_buf_add(b[k], toe, m, n, &dropped);
	if (dropped)
		p.dropped(p.ctx, keys[k], rpt_entry_id(rpt_buf_oldest(b[k])) - 1);
	p.entry_added(p.ctx, keys[k], e);
	rptstore_sync(s, 0);
}

static uint8_t *slurp(const char *name, size_t *n)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	uint8_t *d = malloc(1 << 20);
	*n = fread(d, 1, 1 << 20, f);
	fclose(f);
	return d;
}

static void seed(const char *outdir, const char *name, size_t cut_log)
{
	size_t ns, nl;
	uint8_t *snap = slurp("rpt.snap", &ns), *lg = slurp("rpt.log", &nl);
	if (cut_log && cut_log < nl)
		nl -= cut_log;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	FILE *f = fopen(path, "wb");
	uint8_t len[4] = { (uint8_t)ns, (uint8_t)(ns >> 8), (uint8_t)(ns >> 16),
			   (uint8_t)(ns >> 24) };
	if (!f || fwrite(len, 1, 4, f) != 4 || fwrite(snap, 1, ns, f) != ns ||
	    fwrite(lg, 1, nl, f) != nl || fclose(f))
		die(path);
	printf("%s (%zu octets)\n", path, 4 + ns + nl);
	free(snap);
	free(lg);
}

static void clear(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[400];
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	mkdir(argv[1], 0755);
	snprintf(dir, sizeof(dir), "/tmp/iedd-rptseeds-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");

	/* clean: the first run's entries end up in the snapshot, the second's
	 * in the log */
	start(0);
	for (uint32_t t = 1; t <= 5; t++)
		add(0, t, 1 + t % 3);
	struct rpt_persist_cfg c = { .conf_rev = 1, .opt_flds = 0x1fe, .trg_ops = 0x3e,
				     .intg_pd = 1000, .buf_tm = 50, .resv_tms = 30,
				     .entry_pos = 3 };
	strcpy(c.rpt_id, "rpt1");
	strcpy(c.datset, "LD0/LLN0$DS1");
	strcpy(c.owner, "192.0.2.1");
	p.config(p.ctx, keys[0], &c);
	const char *refs[] = { "LD0/GGIO1.Ind1.stVal[ST]", "LD0/GGIO1.Ind2[ST]" };
	p.dataset_defined(p.ctx, "LD0", "LLN0$DS1", refs, 2);
	p.dataset_defined(p.ctx, "LD0", "LLN0$DS2", refs, 1);
	stop(true);
	start(0);
	for (uint32_t t = 1; t <= 3; t++)
		add(1, t, 2);
	p.dataset_deleted(p.ctx, "LD0", "LLN0$DS2");
	stop(true);
	seed(argv[1], "clean", 0);
	/* unclean: the last record torn */
	start(0);
	add(0, 9, 1);
	add(0, 10, 2);
	stop(false);
	seed(argv[1], "torn", 5);
	clear();
	/* compacted while running, the buffer full (drops) */
	start(256);
	for (uint32_t t = 1; t <= 40; t++)
		add(t % 2, t, 1);
	stop(true);
	seed(argv[1], "compacted", 0);
	/* purged */
	start(0);
	rpt_buf_purge(b[0]);
	p.dropped(p.ctx, keys[0], rpt_buf_last_id(b[0]));
	add(1, 50, 3);
	stop(true);
	seed(argv[1], "purged", 0);
	clear();
	rmdir(dir);
	return complaints ? 1 : 0;
}
