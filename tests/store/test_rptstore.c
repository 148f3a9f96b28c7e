/* SPDX-License-Identifier: Apache-2.0 */
/* The report state files (daemon/store/rptstore.c) through the interface
 * the report module uses (struct rpt_persist, over daemon/rpt_persist.h) on a real
 * temporary directory: what is written comes back after a restart; a
 * file cut at every offset or with any one bit flipped never crashes the
 * loader and gives back a prefix of what was written (the log) or nothing
 * (the snapshot), set aside with one log line; another SCL or ConfRev;
 * unclean stops; a disk that refuses and recovers; compaction. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpt_persist.h"
#include "testutil.h"

static char dir[64];
static char logbuf[16384];
static int log_lines;
static int fault_err;		/* injected into "write"/"sync"/"rename" ... */
static const char *fault_op;	/* ... of this name (NULL: every one) */
static int fault_skip;		/* after this many of them pass */
static int64_t now;
static bool threaded;		/* open_store: cfg.sync_thread */

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
	if (!fault_err || (fault_op && strcmp(op, fault_op)))
		return 0;
	if (fault_skip > 0) {
		fault_skip--;
		return 0;
	}
	return fault_err;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/iedd-rpt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	logbuf[0] = 0;
	log_lines = 0;
	fault_err = 0;
	fault_op = NULL;
	fault_skip = 0;
	now = 1000;
	threaded = false;
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

/* Files in dir whose name starts with prefix. */
static int count_files(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static struct rptstore *open_store(const char *scl_id, size_t compact_min)
{
	struct rptstore *s;
	struct rptstore_cfg cfg = { .dir = dir, .scl_id = scl_id, .wall = 1764754800,
				    .compact_min = compact_min, .log = log_fn,
				    .fault = fault_fn, .sync_thread = threaded };
	ck_assert_int_eq(rptstore_open(&cfg, &s), 0);
	return s;
}

/* Entry t of a BRCB: two members whose data names t. */
static const struct rpt_entry *add(struct rpt_buf *b, const struct rpt_persist *p,
				   const char *key, uint32_t t)
{
	char v0[32], v1[32];
	int n0 = snprintf(v0, sizeof(v0), "first of %u", t);
	int n1 = snprintf(v1, sizeof(v1), "second of %u", t);
	struct rpt_member m[2] = {
		{ .index = 0, .reason = 2, .len = (uint32_t)n0, .data = (const uint8_t *)v0 },
		{ .index = 5, .reason = 8, .len = (uint32_t)n1, .data = (const uint8_t *)v1 },
	};
	uint8_t toe[6] = { (uint8_t)t, 0, 0, 0, 0, 1 };
	uint32_t dropped;
	const struct rpt_entry *e = rpt_buf_add(b, toe, m, 2, &dropped);
	ck_assert_ptr_nonnull(e);
	if (dropped)
		p->dropped(p->ctx, key, rpt_entry_id(rpt_buf_oldest(b)) - 1);
	p->entry_added(p->ctx, key, e);
	return e;
}

/* e is entry t as add() made it. */
static void check_entry(const struct rpt_entry *e, uint32_t t)
{
	char v0[32];
	int n0 = snprintf(v0, sizeof(v0), "first of %u", t);
	struct rpt_member m;
	ck_assert_uint_eq(rpt_entry_n(e), 2);
	rpt_entry_member(e, 0, &m);
	ck_assert_uint_eq(m.len, (uint32_t)n0);
	ck_assert_mem_eq(m.data, v0, (size_t)n0);
	ck_assert_uint_eq(m.reason, 2);
	rpt_entry_member(e, 1, &m);
	ck_assert_uint_eq(m.index, 5);
	ck_assert_uint_eq(rpt_entry_toe(e)[0], (uint8_t)t);
}

#define KEY_A "LD0/LLN0$BR$brcbA01"
#define KEY_B "LD0/LLN0$BR$brcbB01"
#define SCL "IED1 sha256:00ff"

static struct rpt_persist_cfg sample_cfg(void)
{
	struct rpt_persist_cfg c = { .conf_rev = 3, .opt_flds = 0x1fe, .trg_ops = 0x3e,
				     .intg_pd = 5000, .buf_tm = 100, .resv_tms = 60,
				     .entry_pos = 7 };
	strcpy(c.rpt_id, "LD0/LLN0.brcbA");
	strcpy(c.datset, "LD0/LLN0$@clientDS");
	strcpy(c.owner, "192.0.2.7");
	return c;
}

struct world {
	struct rptstore *s;
	struct rpt_persist p;
	struct rpt_buf *a, *b;
	struct rpt_persist_state sa, sb;
	int loaded_a, loaded_b;
};

static void start(struct world *w, const char *scl, size_t compact_min, uint32_t rev_a,
		  uint32_t max_entries)
{
	w->s = open_store(scl, compact_min);
	w->p = rpt_persist_store(w->s);
	w->a = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = max_entries });
	w->b = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = max_entries });
	w->loaded_a = w->p.load(w->p.ctx, KEY_A, rev_a, w->a, &w->sa);
	w->loaded_b = w->p.load(w->p.ctx, KEY_B, 1, w->b, &w->sb);
	ck_assert_int_eq(rptstore_load_done(w->s, now), 0);
}

static void stop(struct world *w, bool clean)
{
	if (clean)
		ck_assert_int_eq(rptstore_flush(w->s, now), 0);
	rptstore_close(w->s);
	rpt_buf_free(w->a);
	rpt_buf_free(w->b);
}

static char ds_seen[512];

static void each_ds(void *arg, const char *ld, const char *name, const char *const *refs,
		    uint32_t n)
{
	(void)arg;
	size_t k = strlen(ds_seen);
	k += (size_t)snprintf(ds_seen + k, sizeof(ds_seen) - k, "%s/%s:", ld, name);
	for (uint32_t i = 0; i < n; i++)
		k += (size_t)snprintf(ds_seen + k, sizeof(ds_seen) - k, " %s", refs[i]);
	snprintf(ds_seen + k, sizeof(ds_seen) - k, ";");
}

/* A first run: 20 entries in A, 3 in B, A's configuration, two data sets
 * (one deleted again), a clean stop. */
static void first_run(bool clean)
{
	struct world w;
	start(&w, SCL, 0, 1, 0);
	ck_assert(!w.sa.unclean);	/* nothing here before: a first run */
	ck_assert(!w.sa.has_cfg);
	for (uint32_t t = 1; t <= 20; t++)
		add(w.a, &w.p, KEY_A, t);
	for (uint32_t t = 1; t <= 3; t++)
		add(w.b, &w.p, KEY_B, 100 + t);
	struct rpt_persist_cfg c = sample_cfg();
	w.p.config(w.p.ctx, KEY_A, &c);
	const char *refs[] = { "LD0/MMXU1.TotW.mag.f[MX]", "LD0/XCBR1.Pos[ST]" };
	w.p.dataset_defined(w.p.ctx, "LD0", "LLN0$DS1", refs, 2);
	w.p.dataset_defined(w.p.ctx, "LD0", "LLN0$DS2", refs, 1);
	w.p.dataset_deleted(w.p.ctx, "LD0", "LLN0$DS2");
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	stop(&w, clean);
}

START_TEST(write_and_reload)
{
	first_run(true);
	ck_assert_int_eq(log_lines, 0);
	struct world w;
	w.s = open_store(SCL, 0);
	w.p = rpt_persist_store(w.s);
	ds_seen[0] = 0;
	w.p.datasets(w.p.ctx, each_ds, NULL);
	ck_assert_str_eq(ds_seen, "LD0/LLN0$DS1: LD0/MMXU1.TotW.mag.f[MX] LD0/XCBR1.Pos[ST];");
	rptstore_close(w.s);

	start(&w, SCL, 0, 1, 0);
	ck_assert_int_eq(w.loaded_a, 0);
	ck_assert(!w.sa.unclean);
	ck_assert(w.sa.has_cfg);
	struct rpt_persist_cfg c = sample_cfg();
	ck_assert_mem_eq(&w.sa.cfg, &c, sizeof(c));
	ck_assert(!w.sb.has_cfg);
	ck_assert_uint_eq(rpt_buf_count(w.a), 20);
	ck_assert_uint_eq(rpt_buf_count(w.b), 3);
	uint32_t t = 1;
	for (const struct rpt_entry *e = rpt_buf_oldest(w.a); e; e = rpt_buf_next(w.a, e), t++) {
		ck_assert_uint_eq(rpt_entry_id(e), t);
		check_entry(e, t);
	}
	check_entry(rpt_buf_oldest(w.b), 101);
	/* the counter goes on where it was */
	ck_assert_uint_eq(rpt_entry_id(add(w.a, &w.p, KEY_A, 21)), 21);
	stop(&w, true);
	ck_assert_int_eq(log_lines, 0);
}
END_TEST

START_TEST(unclean_stop)
{
	first_run(false);
	struct world w;
	start(&w, SCL, 0, 1, 0);
	ck_assert(w.sa.unclean);
	ck_assert(w.sb.unclean);
	ck_assert_uint_eq(rpt_buf_count(w.a), 20);	/* synced before the stop */
	ck_assert_uint_eq(rpt_buf_last_id(w.a), 20 + (1ull << 32));
	ck_assert_uint_eq(rpt_entry_id(add(w.a, &w.p, KEY_A, 21)), 21 + (1ull << 32));
	/* entries never synced are gone, their ids are not given again */
	add(w.a, &w.p, KEY_A, 22);
	stop(&w, false);
	start(&w, SCL, 0, 1, 0);
	ck_assert(w.sa.unclean);
	ck_assert_uint_eq(rpt_buf_count(w.a), 20);
	ck_assert_uint_eq(rpt_buf_last_id(w.a), 20 + (2ull << 32));
	stop(&w, true);
	start(&w, SCL, 0, 1, 0);
	ck_assert(!w.sa.unclean);	/* the last stop was clean */
	ck_assert_uint_eq(rpt_buf_last_id(w.a), 20 + (2ull << 32));
	stop(&w, true);
}
END_TEST

/* The files as a clean first run leaves them. */
static uint8_t *slurp(const char *name, size_t *n)
{
	char p[400];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	fstat(fd, &st);
	*n = (size_t)st.st_size;
	uint8_t *d = malloc(*n + 1);
	ck_assert_int_eq(read(fd, d, *n), (ssize_t)*n);
	close(fd);
	return d;
}

static void spill(const char *name, const uint8_t *d, size_t n)
{
	char p[400];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, d, n), (ssize_t)n);
	close(fd);
}

/* Removes the files set aside. */
static void remove_bad(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[400];
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".bad-")) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
}

/* Loads and checks that A holds entries 1..k in order for some k (a
 * prefix); returns k. Leaves the files as they were (no load_done), bar
 * set-aside ones, which it removes. */
static int load_prefix(bool *unclean)
{
	struct rptstore *s = open_store(SCL, 0);
	struct rpt_persist p = rpt_persist_store(s);
	struct rpt_buf *a = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	struct rpt_persist_state st;
	ck_assert_int_eq(p.load(p.ctx, KEY_A, 1, a, &st), 0);
	*unclean = st.unclean;
	int k = 0;
	for (const struct rpt_entry *e = rpt_buf_oldest(a); e; e = rpt_buf_next(a, e)) {
		ck_assert_uint_eq(rpt_entry_id(e), (uint64_t)k + 1);
		check_entry(e, (uint32_t)k + 1);
		k++;
	}
	rpt_buf_free(a);
	rptstore_close(s);
	remove_bad();
	return k;
}

/* A log whose records after the snapshot hold entries 1..20 of A. */
static void log_run(void)
{
	struct world w;
	start(&w, SCL, 0, 1, 0);
	for (uint32_t t = 1; t <= 20; t++) {
		add(w.a, &w.p, KEY_A, t);
		ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	}
	stop(&w, true);
}

START_TEST(log_truncated_at_every_offset)
{
	log_run();
	size_t ns, nl;
	uint8_t *snap = slurp("rpt.snap", &ns), *lg = slurp("rpt.log", &nl);
	int last = 0;
	for (size_t n = 0; n <= nl; n++) {
		spill("rpt.snap", snap, ns);
		spill("rpt.log", lg, n);
		logbuf[0] = 0;
		log_lines = 0;
		bool unclean;
		int k = load_prefix(&unclean);
		ck_assert_int_ge(k, last);	/* more of the file: never fewer entries */
		last = k;
		ck_assert_int_le(log_lines, 1);
		ck_assert(unclean == (n != nl));
	}
	ck_assert_int_eq(last, 20);
	free(snap);
	free(lg);
}
END_TEST

START_TEST(snapshot_truncated_at_every_offset)
{
	first_run(true);
	/* a fresh start writes everything into the snapshot */
	struct world w;
	start(&w, SCL, 0, 1, 0);
	stop(&w, true);
	size_t ns, nl;
	uint8_t *snap = slurp("rpt.snap", &ns), *lg = slurp("rpt.log", &nl);
	for (size_t n = 0; n < ns; n++) {
		spill("rpt.snap", snap, n);
		spill("rpt.log", lg, nl);
		logbuf[0] = 0;
		log_lines = 0;
		bool unclean;
		ck_assert_int_eq(load_prefix(&unclean), 0);
		ck_assert(unclean);
		/* one line for the snapshot, one for its log */
		ck_assert_int_eq(log_lines, 2);
		ck_assert_ptr_nonnull(strstr(logbuf, "rpt.snap: "));
		ck_assert_ptr_nonnull(strstr(logbuf, "set aside as rpt.snap.bad-20251203T094000Z"));
	}
	spill("rpt.snap", snap, ns);
	spill("rpt.log", lg, nl);
	bool unclean;
	ck_assert_int_eq(load_prefix(&unclean), 20);
	free(snap);
	free(lg);
}
END_TEST

START_TEST(flipped_bits)
{
	log_run();
	size_t ns, nl;
	uint8_t *snap = slurp("rpt.snap", &ns), *lg = slurp("rpt.log", &nl);
	for (size_t i = 0; i < 8 * nl; i++) {
		lg[i / 8] ^= (uint8_t)(1u << (i % 8));
		spill("rpt.snap", snap, ns);
		spill("rpt.log", lg, nl);
		lg[i / 8] ^= (uint8_t)(1u << (i % 8));
		bool unclean;
		int k = load_prefix(&unclean);
		/* every flip is seen: in an entry's record (the log ends with the
		 * 9 octets of the clean mark), that entry and those after it are
		 * not loaded; in the mark, the stop counts as unclean */
		if (i / 8 < nl - 9)
			ck_assert_int_lt(k, 20);
		else
			ck_assert_int_eq(k, 20);
		ck_assert(unclean);
	}
	for (size_t i = 0; i < 8 * ns; i++) {
		snap[i / 8] ^= (uint8_t)(1u << (i % 8));
		spill("rpt.snap", snap, ns);
		spill("rpt.log", lg, nl);
		snap[i / 8] ^= (uint8_t)(1u << (i % 8));
		bool unclean;
		ck_assert_int_eq(load_prefix(&unclean), 0);
	}
	free(snap);
	free(lg);
}
END_TEST

START_TEST(another_scl)
{
	first_run(true);
	struct world w;
	start(&w, "IED1 sha256:0100", 0, 1, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 0);
	ck_assert(!w.sa.has_cfg);
	ck_assert(w.sa.unclean);
	ck_assert_ptr_nonnull(strstr(logbuf, "written for another SCL (\"IED1 sha256:00ff\")"));
	ck_assert_int_eq(log_lines, 2);
	ck_assert_int_eq(count_files("rpt.snap.bad-"), 1);
	ck_assert_int_eq(count_files("rpt.log.bad-"), 1);
	stop(&w, true);
}
END_TEST

START_TEST(another_conf_rev)
{
	first_run(true);
	struct world w;
	start(&w, SCL, 0, 2, 0);	/* A's ConfRev in the SCL went from 1 to 2 */
	ck_assert_uint_eq(rpt_buf_count(w.a), 0);
	ck_assert(!w.sa.has_cfg);
	ck_assert_uint_eq(rpt_buf_count(w.b), 3);	/* B is as it was */
	ck_assert_ptr_nonnull(strstr(logbuf, "report state of " KEY_A
					     " discarded: written for ConfRev 1, the SCL has 2"));
	ck_assert_int_eq(count_files("rpt.snap.bad-"), 1);	/* the old state is kept */
	/* ids go on (never reused), the new ConfRev is kept */
	ck_assert_uint_eq(rpt_entry_id(add(w.a, &w.p, KEY_A, 1)), 21);
	stop(&w, true);
	logbuf[0] = 0;
	start(&w, SCL, 0, 2, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 1);
	ck_assert_str_eq(logbuf, "");
	stop(&w, true);
}
END_TEST

START_TEST(brcb_gone_and_purge)
{
	first_run(true);
	struct world w;
	w.s = open_store(SCL, 0);
	w.p = rpt_persist_store(w.s);
	w.a = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	ck_assert_int_eq(w.p.load(w.p.ctx, KEY_A, 1, w.a, &w.sa), 0);
	ck_assert_int_eq(w.p.load(w.p.ctx, KEY_A, 1, w.a, &w.sa), -EALREADY);
	ck_assert_int_eq(rptstore_load_done(w.s, now), 0);	/* B is not in the SCL now */
	ck_assert_ptr_nonnull(strstr(logbuf, KEY_B " dropped: no such BRCB"));
	rpt_buf_purge(w.a);
	w.p.dropped(w.p.ctx, KEY_A, rpt_buf_last_id(w.a));
	ck_assert_int_eq(rptstore_flush(w.s, now), 0);
	rptstore_close(w.s);
	rpt_buf_free(w.a);
	start(&w, SCL, 0, 1, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 0);
	ck_assert_uint_eq(rpt_buf_last_id(w.a), 20);
	ck_assert_uint_eq(rpt_buf_count(w.b), 0);
	ck_assert(w.sa.has_cfg);
	stop(&w, true);
}
END_TEST

/* A disk that refuses: one line when it starts, one when it ends, the
 * records kept and written once, none twice. */
static void refusing(const char *op, int err)
{
	struct world w;
	start(&w, SCL, 0, 1, 0);
	logbuf[0] = 0;
	log_lines = 0;
	fault_err = err;
	fault_op = op;
	for (uint32_t t = 1; t <= 30; t++) {
		add(w.a, &w.p, KEY_A, t);
		ck_assert_int_eq(rptstore_sync(w.s, now += 100), err);
	}
	ck_assert_int_eq(log_lines, 1);
	ck_assert_ptr_nonnull(strstr(logbuf, strerror(-err)));
	struct rptstore_stats st;
	rptstore_get_stats(w.s, &st);
	ck_assert(st.failing);
	ck_assert_uint_gt(st.pending, 30 * 40);
	fault_err = 0;
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	ck_assert_int_eq(log_lines, 2);
	ck_assert_ptr_nonnull(strstr(logbuf, "written again after 3 s"));
	stop(&w, false);
	start(&w, SCL, 0, 1, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 30);
	uint32_t t = 1;
	for (const struct rpt_entry *e = rpt_buf_oldest(w.a); e; e = rpt_buf_next(w.a, e), t++)
		check_entry(e, t);
	stop(&w, true);
}

START_TEST(disk_full)
{
	refusing("write", -ENOSPC);
}
END_TEST

START_TEST(fdatasync_error)
{
	refusing("sync", -EIO);
}
END_TEST

/* A partial write: the first part of the batch reaches the file, then the
 * disk is full; the retry writes the batch again from the same offset. */
START_TEST(partial_write)
{
	struct world w;
	start(&w, SCL, 0, 1, 0);
	for (uint32_t t = 1; t <= 5; t++)
		add(w.a, &w.p, KEY_A, t);
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	for (uint32_t t = 6; t <= 10; t++)
		add(w.a, &w.p, KEY_A, t);
	fault_err = -ENOSPC;
	fault_op = "sync";	/* the write went through, the sync did not */
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), -ENOSPC);
	fault_err = 0;
	for (uint32_t t = 11; t <= 12; t++)
		add(w.a, &w.p, KEY_A, t);
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	stop(&w, true);
	start(&w, SCL, 0, 1, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 12);
	stop(&w, true);
}
END_TEST

/* The disk refuses from the start: the state is only in memory, and is
 * written when the disk is back. */
START_TEST(read_only_at_start)
{
	first_run(true);
	fault_err = -EROFS;
	struct world w;
	w.s = open_store(SCL, 0);
	w.p = rpt_persist_store(w.s);
	w.a = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	w.b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	w.p.load(w.p.ctx, KEY_A, 1, w.a, &w.sa);
	w.p.load(w.p.ctx, KEY_B, 1, w.b, &w.sb);
	ck_assert_int_eq(rptstore_load_done(w.s, now), -EROFS);
	add(w.a, &w.p, KEY_A, 21);
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), -EROFS);
	fault_err = 0;
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	stop(&w, true);
	start(&w, SCL, 0, 1, 0);
	ck_assert_uint_eq(rpt_buf_count(w.a), 21);
	ck_assert_uint_eq(rpt_buf_count(w.b), 3);
	stop(&w, true);
}
END_TEST

START_TEST(compaction)
{
	struct world w;
	start(&w, SCL, 4096, 1, 50);
	struct rpt_persist_cfg c = sample_cfg();
	for (uint32_t t = 1; t <= 2000; t++) {
		add(w.a, &w.p, KEY_A, t);
		if (t % 7 == 0) {
			c.entry_pos = t;
			w.p.config(w.p.ctx, KEY_A, &c);
		}
		ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	}
	struct rptstore_stats st;
	rptstore_get_stats(w.s, &st);
	ck_assert_uint_gt(st.compactions, 10);
	ck_assert_uint_le(st.log_size, 4096 + 200);
	ck_assert_uint_le(st.snap_size, 50 * 70 + 1000);	/* 50 entries and a little */
	stop(&w, false);
	start(&w, SCL, 4096, 1, 50);
	ck_assert_uint_eq(rpt_buf_count(w.a), 50);
	uint32_t t = 1951;
	for (const struct rpt_entry *e = rpt_buf_oldest(w.a); e; e = rpt_buf_next(w.a, e), t++)
		check_entry(e, t);
	ck_assert_uint_eq(w.sa.cfg.entry_pos, 1995);
	stop(&w, true);
	ck_assert_int_eq(count_files("rpt.snap.bad"), 0);
}
END_TEST

/* Cut off between the new snapshot and the new log: the old log is stale
 * (its records are in the snapshot) and is not applied twice. */
START_TEST(compaction_cut_short)
{
	struct world w;
	start(&w, SCL, 1024, 1, 0);
	uint32_t t = 1;
	for (; t <= 20; t++) {
		add(w.a, &w.p, KEY_A, t);
		ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	}
	/* the next compaction: the snapshot's rename passes, the log's fails */
	fault_err = -EIO;
	fault_op = "rename";
	fault_skip = 1;
	for (int r = 0; !r; t++) {
		add(w.a, &w.p, KEY_A, t);
		r = rptstore_sync(w.s, now += 100);
	}
	if (_i == 1) {
		/* the disk is back: the entries after it go into the new log */
		fault_err = 0;
		for (uint32_t k = 0; k < 5; k++, t++) {
			add(w.a, &w.p, KEY_A, t);
			ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
		}
	}
	stop(&w, false);	/* and down */
	fault_err = 0;
	start(&w, SCL, 1024, 1, 0);
	ck_assert(w.sa.unclean);
	ck_assert_uint_eq(rpt_buf_count(w.a), t - 1);
	uint32_t k = 1;
	for (const struct rpt_entry *e = rpt_buf_oldest(w.a); e; e = rpt_buf_next(w.a, e), k++)
		check_entry(e, k);
	stop(&w, true);
}
END_TEST

/* CRC-32C bit by bit, apart from the store's table (doc/state-format.md). */
static uint32_t crc32c_bits(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The log's header and one ENTRY record, octet for octet as
 * doc/state-format.md has them. */
START_TEST(format_as_documented)
{
	ck_assert_uint_eq(crc32c_bits((const uint8_t *)"123456789", 9), 0xE3069283u);
	struct world w;
	start(&w, "ID", 0, 1, 0);
	struct rpt_member m = { .index = 4, .reason = 2, .len = 3,
				.data = (const uint8_t *)"\x83\x01\xff" };
	uint8_t toe[6] = { 1, 2, 3, 4, 5, 6 };
	w.p.entry_added(w.p.ctx, KEY_A, rpt_buf_add(w.a, toe, &m, 1, NULL));
	ck_assert_int_eq(rptstore_sync(w.s, now), 0);
	stop(&w, false);
	size_t n;
	uint8_t *lg = slurp("rpt.log", &n);
	static const uint8_t head[] = {
		'i', 'e', 'd', 'd', '-', 'r', 'p', 't', 1, 0, 2, 0,	/* magic, version, log */
		1, 0, 0, 0, 0, 0, 0, 0,	/* generation 1: the first snapshot's */
		2, 0, 'I', 'D',		/* the SCL identity */
	};
	ck_assert_uint_eq(n, sizeof(head) + 4 + 8 + 1 + 4 + 8 + 6 + 4 + 8 + 3);
	ck_assert_bytes(lg, sizeof(head), head);
	ck_assert_uint_eq(le32_at(lg + sizeof(head)), crc32c_bits(lg, sizeof(head)));
	const uint8_t *r = lg + sizeof(head) + 4;
	static const uint8_t rec[] = {
		34, 0, 0, 0, 3,			/* len (type and payload), ENTRY */
		0, 0, 0, 0,			/* key 0: A, loaded first */
		1, 0, 0, 0, 0, 0, 0, 0,		/* EntryID 1 */
		1, 2, 3, 4, 5, 6,		/* TimeOfEntry */
		1, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 2,	/* n, index, end | reason << 24 */
		0x83, 0x01, 0xff,		/* the member's Data */
	};
	ck_assert_bytes(r, sizeof(rec) , rec);
	ck_assert_uint_eq(le32_at(r + sizeof(rec)), crc32c_bits(r, sizeof(rec)));
	free(lg);
}
END_TEST

/* The SCL identity main.c keys the state with: FNV-1a 64 of the file's
 * octets (the published test vectors: "" and "a"), one octet more or less
 * is another identity, and a long IED name is cut so the whole fits the
 * store's 255 octets and still opens a store. */
START_TEST(scl_identity)
{
	char id[300];
	ck_assert_str_eq(rpt_persist_scl_id("IED1", "", 0, id, sizeof(id)),
			 "IED1 fnv1a64:cbf29ce484222325");
	ck_assert_str_eq(rpt_persist_scl_id("IED1", "a", 1, id, sizeof(id)),
			 "IED1 fnv1a64:af63dc4c8601ec8c");
	char other[300];
	rpt_persist_scl_id("IED1", "ab", 2, other, sizeof(other));
	ck_assert_str_ne(id, other);
	char ied[400];
	memset(ied, 'X', sizeof(ied) - 1);
	ied[sizeof(ied) - 1] = '\0';
	rpt_persist_scl_id(ied, "a", 1, id, sizeof(id));
	ck_assert_uint_eq(strlen(id), 255);
	ck_assert_str_eq(id + 255 - 25, " fnv1a64:af63dc4c8601ec8c");
	struct rptstore *st;
	const struct rptstore_cfg c = { .dir = dir, .scl_id = id };
	ck_assert_int_eq(rptstore_open(&c, &st), 0);
	rptstore_close(st);
}
END_TEST


/* cfg.sync_thread: rptstore_sync hands the fdatasync to the store's
 * thread and returns; the next sync takes its result and hands on what
 * came meanwhile; a failed sync is reported by a later call and written
 * again; the flush waits. Nothing is lost either way. */
static int sync_until(struct world *w, uint64_t syncs, int want_err)
{
	struct rptstore_stats st;
	int r = 0;
	for (int i = 0; i < 5000; i++) {
		r = rptstore_sync(w->s, now += 1);
		rptstore_get_stats(w->s, &st);
		if ((want_err && r == want_err) || (!want_err && st.syncs >= syncs))
			return r;
		usleep(1000);
	}
	ck_abort_msg("no sync result within 5 s (syncs %llu, last %d)",
		     (unsigned long long)st.syncs, r);
	return r;
}

START_TEST(sync_on_a_thread)
{
	threaded = true;
	struct world w;
	start(&w, SCL, 0, 1, 0);
	struct rptstore_stats st;
	rptstore_get_stats(w.s, &st);
	uint64_t base = st.syncs;
	for (uint32_t t = 1; t <= 10; t++)
		add(w.a, &w.p, KEY_A, t);
	ck_assert_int_eq(rptstore_sync(w.s, now += 100), 0);
	/* more while that sync may run: they wait for the next one */
	for (uint32_t t = 11; t <= 20; t++)
		add(w.a, &w.p, KEY_A, t);
	sync_until(&w, base + 2, 0);
	/* a failing fdatasync on the thread: a later sync says so */
	fault_err = -EIO;
	fault_op = "sync";
	for (uint32_t t = 21; t <= 30; t++)
		add(w.a, &w.p, KEY_A, t);
	ck_assert_int_eq(sync_until(&w, 0, -EIO), -EIO);
	ck_assert_ptr_nonnull(strstr(logbuf, strerror(EIO)));
	fault_err = 0;
	rptstore_get_stats(w.s, &st);
	sync_until(&w, st.syncs + 1, 0);
	for (uint32_t t = 31; t <= 35; t++)
		add(w.a, &w.p, KEY_A, t);
	stop(&w, true);		/* the flush waits and syncs the last five */
	threaded = false;
	start(&w, SCL, 0, 1, 0);
	ck_assert(!w.sa.unclean);
	ck_assert_uint_eq(rpt_buf_count(w.a), 35);
	uint32_t t = 1;
	for (const struct rpt_entry *e = rpt_buf_oldest(w.a); e; e = rpt_buf_next(w.a, e), t++)
		check_entry(e, t);
	stop(&w, true);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("rptstore");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, write_and_reload);
	tcase_add_test(tc, unclean_stop);
	tcase_add_test(tc, log_truncated_at_every_offset);
	tcase_add_test(tc, snapshot_truncated_at_every_offset);
	tcase_add_test(tc, flipped_bits);
	tcase_add_test(tc, another_scl);
	tcase_add_test(tc, another_conf_rev);
	tcase_add_test(tc, brcb_gone_and_purge);
	tcase_add_test(tc, disk_full);
	tcase_add_test(tc, fdatasync_error);
	tcase_add_test(tc, partial_write);
	tcase_add_test(tc, read_only_at_start);
	tcase_add_test(tc, compaction);
	tcase_add_loop_test(tc, compaction_cut_short, 0, 2);
	tcase_add_test(tc, format_as_documented);
	tcase_add_test(tc, scl_identity);
	tcase_add_test(tc, sync_on_a_thread);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
