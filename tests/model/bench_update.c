/* SPDX-License-Identifier: Apache-2.0 */
/* The process-value update path, on its own: model_update of one attribute
 * in a loop, with a new value every time (a dchg each call, the worst case):
 *
 *   bench_update FILE REF [N [OBSERVERS]]
 *
 * prints "REF: N updates, ns per update". REF is an attribute reference
 * ("LD0/MMXU1.TotW.mag.f[MX]"); N defaults to 1000000. OBSERVERS (default
 * 0) change observers that count calls are registered first (observe.h).
 * Meant for callgrind (instruction counts are repeatable on a loaded
 * machine; `valgrind --tool=callgrind --toggle-collect=run bench_update
 * ...`), not for wall-clock bounds: it has none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "observe.h"
#include "update.h"

static unsigned long n_calls;

static void count_change(void *ctx, struct model *m, const struct model_change *c)
{
	(void)ctx;
	(void)m;
	(void)c;
	n_calls++;
}

/* the measured part, a function of its own for --toggle-collect */
__attribute__((noinline)) static int run(struct model *m, const struct model_attr *a, long n)
{
	uint8_t ts[8];
	int acc = 0;
	model_timestamp(1700000000ull * 1000000000ull, 0, ts);
	for (long i = 0; i < n; i++) {
		struct model_val v = { .kind = MODEL_V_FLOAT, .v.f = (double)(i & 1023) };
		acc |= model_update(m, a, &v, 0, ts);
	}
	return acc;
}

int main(int argc, char **argv)
{
	char err[1024];
	struct model *m;
	struct model_attr a;
	struct timespec t0, t1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE REF [N [OBSERVERS]]\n", argv[0]);
		return 2;
	}
	long n = argc > 3 ? atol(argv[3]) : 1000000;
	int n_obs = argc > 4 ? atoi(argv[4]) : 0;
	if (model_load_scl(argv[1], NULL, &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (model_attr_bind(m, argv[2], &a)) {
		fprintf(stderr, "%s: no such basic attribute\n", argv[2]);
		return 1;
	}
	for (int i = 0; i < n_obs; i++) {
		struct model_observer_desc d = { .reasons = MODEL_TRG_DCHG | MODEL_TRG_QCHG |
							    MODEL_TRG_DUPD,
						 .change = count_change };
		if (!model_observe_add(m, &d)) {
			fprintf(stderr, "model_observe_add failed\n");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(m, &a, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("%s: %ld updates, %.1f ns per update, %d observers, %lu observer calls\n", argv[2], n,
	       ns / (double)n, n_obs, n_calls);
	model_free(m);
	return 0;
}
