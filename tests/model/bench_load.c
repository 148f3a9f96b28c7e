/* SPDX-License-Identifier: Apache-2.0 */
/* Load time and resident size of one model, in a fresh process:
 *
 *   bench_load FILE [MAX_MS [MAX_RSS_KB]]
 *
 * prints "FILE: LNs, types, values, load ms, RSS kB" and exits 1 when a
 * bound is given and exceeded. Registered as a meson benchmark on the
 * generated 100- and 1000-LN models (meson test --benchmark). RSS is the
 * growth of the process's resident set across the load, with the parse
 * tree already freed. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "observe.h"

static long rss_kb(void)
{
	long size, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	char err[1024];
	struct model *m;
	struct timespec a, b;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [MAX_MS [MAX_RSS_KB]]\n", argv[0]);
		return 2;
	}
	long r0 = rss_kb();
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (model_load_scl(argv[1], NULL, &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	long rss = rss_kb() - r0;
	double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	uint32_t n_ln = 0;
	for (uint32_t i = 0; i < m->n_ld; i++)
		n_ln += m->lds[i].n_ln;
	printf("%s: %u LNs, %u types, %zu octets of values, %.1f ms, RSS +%ld kB, change index %zu"
	       " octets\n", argv[1], n_ln, m->n_types, m->values_size, ms, rss,
	       model_observe_index_size(m));
	model_free(m);
	if (argc > 2 && ms > atof(argv[2])) {
		printf("load time above %s ms\n", argv[2]);
		return 1;
	}
	if (argc > 3 && rss > atol(argv[3])) {
		printf("RSS above %s kB\n", argv[3]);
		return 1;
	}
	return 0;
}
