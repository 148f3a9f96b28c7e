/* SPDX-License-Identifier: Apache-2.0 */
/* The audit sink's bound (daemon/audit.h): a file output that stops taking
 * records (a FIFO nobody reads) makes the queue overflow; record() never
 * blocks, the oldest records go, and once the output moves again one
 * "audit-records-lost" record says how many, followed by the newest ones. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(overflow_drops_oldest_and_says_so)
{
	char dir[] = "/tmp/iedd-audit-XXXXXX", fifo[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);	/* so that the sink's open does not wait */
	ck_assert_int_ge(rd, 0);
	const struct audit_cfg cfg = { .file = fifo, .queue = 8, .max_bytes = 1ull << 40 };
	struct audit *a;
	char err[256];
	ck_assert_msg(audit_open(&cfg, &a, err, sizeof(err)) == 0, "%s", err);
	const struct acsi_audit *h = audit_hook(a);
	char ref[64];
	/* far more than the pipe (64 KiB) and the queue hold: record() must
	 * return at once each time, the writer being stuck in write() */
	double t0 = now_s();
	for (int i = 0; i < 2000; i++) {
		snprintf(ref, sizeof(ref), "LD/LN$CF$DO$da%04d", i);
		const struct acsi_audit_rec r = { .kind = ACSI_AUDIT_WRITE, .peer = "192.0.2.1",
						   .action = "write", .ref = ref, .new_val = "1",
						   .ok = true, .result = "success" };
		acsi_audit(h, &r);
	}
	ck_assert(now_s() - t0 < 5.0);	/* never waited for the output */
	struct audit_stats st;
	audit_get_stats(a, &st);
	ck_assert_uint_eq(st.recorded, 2000);
	ck_assert_uint_gt(st.lost, 1000);	/* 2000 - 8 queued - what the pipe took */
	ck_assert_uint_le(st.queued, 8);
	uint64_t lost = st.lost;
	/* read everything: the writer moves on, says what was lost, ends */
	size_t cap = 1 << 22, len = 0;
	char *all = malloc(cap);
	ck_assert_ptr_nonnull(all);
	for (double t = now_s(); now_s() - t < 10.0;) {
		struct pollfd p = { .fd = rd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0) {
			ssize_t n = read(rd, all + len, cap - len - 1);
			if (n > 0)
				len += (size_t)n;
		}
		audit_get_stats(a, &st);
		all[len] = 0;
		/* every record written or counted lost, and nothing left in the pipe */
		if (st.queued == 0 && st.written + st.lost >= 2000 && p.revents == 0 &&
		    strstr(all, "da1999"))
			break;
	}
	all[len] = 0;
	/* one or more lost records (the queue may overflow again after one):
	 * together they count every record dropped */
	unsigned long long sum = 0;
	int n_lost = 0;
	for (const char *p = all; (p = strstr(p, "\"event\":\"audit-records-lost\"")); p++) {
		const char *q = strstr(p, "\"result\":\"");
		ck_assert_ptr_nonnull(q);
		sum += strtoull(q + 10, NULL, 10);
		n_lost++;
	}
	ck_assert_int_gt(n_lost, 0);
	ck_assert_msg(sum == lost, "lost records say %llu, the sink counted %llu", sum,
		      (unsigned long long)lost);
	/* the newest record made it; the oldest after the pipe's share did not */
	ck_assert_ptr_nonnull(strstr(all, "da1999"));
	audit_close(a);
	close(rd);
	unlink(fifo);
	rmdir(dir);
	free(all);
}
END_TEST

int main(void)
{
	log_init(LOGL_ERR, false);
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("queue");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, overflow_drops_oldest_and_says_so);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
