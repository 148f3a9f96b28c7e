/* SPDX-License-Identifier: Apache-2.0 */
/* What keeping BRCB entries costs: memory per buffered entry
 * (daemon/acsi/report_buf.c, measured with mallinfo2), and CPU time and
 * octets written per entry through the state store (daemon/store/rptstore.c)
 * with a sync (write + fdatasync) every `per_sync` entries, as the daemon's
 * 100 ms timer does. The median of RUNS runs is printed.
 *
 *   rptstore_bench [DIR [ENTRIES [PER_SYNC [RUNS]]]]
 *   defaults: a new directory under $TMPDIR or /var/tmp, 100000, 100, 5
 *
 * Each entry has MEMBERS (1 and 10) members of a 20-octet Data value; the
 * BRCB keeps at most 10,000 entries, so the log is compacted as it goes.
 *
 * Then a restart with a full buffer: ENTRIES entries in a BRCB that keeps
 * them all, stopped cleanly (rptstore_flush), and the time to open the
 * state again, load the BRCB into an empty buffer and end loading (which
 * writes the fresh snapshot), as the daemon does before it listens. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rpt_persist.h"

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fill(struct rpt_member *m, uint8_t v[20], uint32_t n)
{
	v[0] = 0x89;	/* visible-string of 18 octets: a 20-octet Data TLV */
	v[1] = 18;
	memset(v + 2, 'x', 18);
	for (uint32_t k = 0; k < n; k++)
		m[k] = (struct rpt_member){ .index = k, .reason = 2, .len = 20, .data = v };
}

static void memory(uint32_t members)
{
	enum { N = 100000 };
	uint8_t v[20];
	struct rpt_member m[10];
	fill(m, v, members);
	uint8_t toe[6] = { 0 };
	struct mallinfo2 before = mallinfo2();
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	for (int i = 0; i < N; i++)
		rpt_buf_add(b, toe, m, members, NULL);
	struct mallinfo2 after = mallinfo2();
	size_t used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
	printf("memory, %2u member(s) of 20 octets: %.1f octets per entry held (allocator "
	       "included; rpt_entry_size %zu)\n", members, (double)used / N,
	       rpt_entry_size(rpt_buf_oldest(b)));
	rpt_buf_free(b);
}

/* Fills a BRCB keeping all n entries and stops cleanly; then times, RUNS
 * times, what a restart does: open, load_rcb into an empty buffer,
 * load_done. Returns 0 or 1 (printed why). */
static int restart(const char *dir, long n, long per_sync, int runs, uint32_t members)
{
	static const char key[] = "LD0/LLN0$BR$brcb01";
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/restart-%u", dir, members);
	struct rptstore_cfg cfg = { .dir = sub, .scl_id = "BENCH fnv1a64:0" };
	const struct rpt_buf_cfg bc = { .max_entries = (uint32_t)n };
	struct rptstore *s;
	if (rptstore_open(&cfg, &s)) {
		perror(sub);
		return 1;
	}
	struct rpt_persist p = rpt_persist_store(s);
	struct rpt_buf *b = rpt_buf_new(&bc);
	struct rpt_persist_state st;
	p.load(p.ctx, key, 1, b, &st);
	rptstore_load_done(s, 0);
	uint8_t v[20];
	struct rpt_member m[10];
	fill(m, v, members);
	uint8_t toe[6] = { 0 };
	int64_t now = 0;
	for (long i = 1; i <= n; i++) {
		p.entry_added(p.ctx, key, rpt_buf_add(b, toe, m, members, NULL));
		if (i % per_sync == 0)
			(void)rptstore_sync(s, now += 100);
	}
	if (rptstore_flush(s, now += 100)) {
		fprintf(stderr, "flush failed\n");
		return 1;
	}
	rptstore_close(s);
	rpt_buf_free(b);
	double wall[99];
	uint32_t held = 0;
	size_t snap = 0;
	for (int r = 0; r < runs; r++) {
		double w0 = wall_s();
		if (rptstore_open(&cfg, &s)) {
			perror(sub);
			return 1;
		}
		p = rpt_persist_store(s);
		b = rpt_buf_new(&bc);
		if (p.load(p.ctx, key, 1, b, &st) || rptstore_load_done(s, now += 100)) {
			fprintf(stderr, "load failed\n");
			return 1;
		}
		wall[r] = wall_s() - w0;
		held = rpt_buf_count(b);
		struct rptstore_stats ss;
		rptstore_get_stats(s, &ss);
		snap = ss.snap_size;
		rptstore_flush(s, now += 100);
		rptstore_close(s);
		rpt_buf_free(b);
	}
	if (held != (uint32_t)n) {
		fprintf(stderr, "restart: %u entries came back of %ld\n", held, n);
		return 1;
	}
	printf("restart, %2u member(s): %ld entries held, open + load + load_done median %.1f ms "
	       "(%.2f us/entry), snapshot %zu octets\n", members, n, median(wall, runs) * 1e3,
	       median(wall, runs) * 1e6 / (double)n, snap);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sub);
	return system(cmd) ? 1 : 0;
}

int main(int argc, char **argv)
{
	char dirbuf[256];
	const char *dir = argc > 1 && argv[1][0] ? argv[1] : NULL;
	long n = argc > 2 ? atol(argv[2]) : 100000;
	long per_sync = argc > 3 ? atol(argv[3]) : 100;
	int runs = argc > 4 ? atoi(argv[4]) : 5;
	if (n <= 0 || per_sync <= 0 || runs <= 0 || runs > 99) {
		fprintf(stderr, "usage: %s [DIR [ENTRIES [PER_SYNC [RUNS]]]]\n", argv[0]);
		return 2;
	}
	memory(1);
	memory(10);
	if (!dir) {
		const char *t = getenv("TMPDIR");
		snprintf(dirbuf, sizeof(dirbuf), "%s/iedd-rptbench-XXXXXX", t ? t : "/var/tmp");
		if (!mkdtemp(dirbuf)) {
			perror(dirbuf);
			return 1;
		}
		dir = dirbuf;
	}
	static const uint32_t member_counts[2] = { 1, 10 };
	for (int mc = 0; mc < 2; mc++) {
		double cpu[99], wall[99], octets[99];
		uint64_t compactions = 0;
		for (int r = 0; r < runs; r++) {
			char sub[300];
			snprintf(sub, sizeof(sub), "%s/run%d-%u", dir, r, member_counts[mc]);
			struct rptstore *s;
			struct rptstore_cfg cfg = { .dir = sub, .scl_id = "BENCH fnv1a64:0" };
			if (rptstore_open(&cfg, &s)) {
				perror(sub);
				return 1;
			}
			struct rpt_persist p = rpt_persist_store(s);
			struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = 10000 });
			struct rpt_persist_state st;
			p.load(p.ctx, "LD0/LLN0$BR$brcb01", 1, b, &st);
			rptstore_load_done(s, 0);
			struct rptstore_stats s0;
			rptstore_get_stats(s, &s0);
			uint8_t v[20];
			struct rpt_member m[10];
			fill(m, v, member_counts[mc]);
			uint8_t toe[6] = { 0 };
			double c0 = cpu_s(), w0 = wall_s();
			int64_t now = 0;
			for (long i = 1; i <= n; i++) {
				uint32_t dropped;
				const struct rpt_entry *e =
					rpt_buf_add(b, toe, m, member_counts[mc], &dropped);
				if (dropped)
					p.dropped(p.ctx, "LD0/LLN0$BR$brcb01",
						  rpt_entry_id(rpt_buf_oldest(b)) - 1);
				p.entry_added(p.ctx, "LD0/LLN0$BR$brcb01", e);
				if (i % per_sync == 0 && rptstore_sync(s, now += 100)) {
					fprintf(stderr, "sync failed\n");
					return 1;
				}
			}
			rptstore_flush(s, now += 100);
			cpu[r] = cpu_s() - c0;
			wall[r] = wall_s() - w0;
			struct rptstore_stats s1;
			rptstore_get_stats(s, &s1);
			octets[r] = (double)(s1.written - s0.written) / (double)n;
			compactions = s1.compactions - s0.compactions;
			rptstore_close(s);
			rpt_buf_free(b);
			char cmd[400];
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sub);
			if (system(cmd))
				return 1;
		}
		printf("store, %2u member(s): %ld entries, a sync every %ld (%ld syncs), %d runs, "
		       "median: CPU %.2f us/entry (%.3f s), wall %.3f s (%.2f ms/sync), "
		       "%.1f octets written/entry, %llu compactions\n",
		       member_counts[mc], n, per_sync, n / per_sync, runs,
		       median(cpu, runs) * 1e6 / (double)n, median(cpu, runs), median(wall, runs),
		       median(wall, runs) * 1e3 / (double)(n / per_sync), median(octets, runs),
		       (unsigned long long)compactions);
	}
	for (int mc = 0; mc < 2; mc++)
		if (restart(dir, n, per_sync, runs, member_counts[mc]))
			return 1;
	if (dir == dirbuf)
		rmdir(dir);
	return 0;
}
