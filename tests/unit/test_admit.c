/* SPDX-License-Identifier: Apache-2.0 */
/* The backoff after authentication failures (daemon/net/admit.c) on a fake
 * clock: where it starts, how it grows and stops growing, that a success
 * forgets, that addresses are apart, that a full table forgets the oldest
 * and never refuses an address that has not failed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "testutil.h"

#define MS 1000ull
#define SEC (1000 * MS)

static const uint8_t A[4] = { 10, 0, 0, 1 }, B[4] = { 10, 0, 0, 2 };
static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1 };

static struct admit *fresh(unsigned failures, unsigned base, unsigned max)
{
	static struct admit a;
	const struct admit_cfg c = { .failures = failures, .base_ms = base, .max_ms = max };
	admit_init(&a, &c);
	return &a;
}

START_TEST(starts_after_n_and_doubles_to_max)
{
	struct admit *a = fresh(3, 1000, 8000);
	uint64_t t = 100 * SEC;
	unsigned left = 0;
	/* two mistakes: nothing */
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 0);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 0);
	ck_assert(admit_check(a, A, 4, t, &left));
	/* the third: 1 s */
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 1000);
	ck_assert(!admit_check(a, A, 4, t + 1, &left));
	ck_assert_uint_eq(left, 1000);
	ck_assert(!admit_check(a, A, 4, t + 400 * MS, &left));
	ck_assert_uint_eq(left, 600);
	ck_assert(admit_check(a, A, 4, t + SEC, NULL));
	ck_assert_uint_eq(a->refused, 2);
	/* each further failure doubles it: 2, 4, 8, then 8 again */
	t += SEC;
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 2000);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 4000);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 8000);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 8000);
	ck_assert(!admit_check(a, A, 4, t + 8 * SEC - 1, NULL));
	ck_assert(admit_check(a, A, 4, t + 8 * SEC, NULL));
	/* thousands of failures do not overflow the doubling */
	for (int i = 0; i < 5000; i++)
		ck_assert_uint_le(admit_failed(a, A, 4, t), 8000);
}
END_TEST

START_TEST(success_forgets_and_addresses_are_apart)
{
	struct admit *a = fresh(2, 500, 60000);
	uint64_t t = SEC;
	admit_failed(a, A, 4, t);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 500);
	/* another address, and the same octets as IPv6, are not affected */
	ck_assert(admit_check(a, B, 4, t, NULL));
	ck_assert(admit_check(a, A6, 16, t, NULL));
	ck_assert(!admit_check(a, A, 4, t, NULL));
	/* after the wait, a success: the count starts again */
	t += SEC;
	ck_assert(admit_check(a, A, 4, t, NULL));
	admit_succeeded(a, A, 4);
	ck_assert_uint_eq(admit_failed(a, A, 4, t), 0);
	ck_assert(admit_check(a, A, 4, t, NULL));
}
END_TEST

START_TEST(off_and_bad_lengths)
{
	struct admit *a = fresh(0, 1000, 1000);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(admit_failed(a, A, 4, SEC), 0);
	ck_assert(admit_check(a, A, 4, SEC, NULL));
	a = fresh(1, 1000, 1000);
	ck_assert_uint_eq(admit_failed(a, A, 3, SEC), 0);
	ck_assert(admit_check(a, A, 3, SEC, NULL));
	ck_assert(admit_check(a, NULL, 0, SEC, NULL));
}
END_TEST

START_TEST(full_table_forgets_the_oldest)
{
	struct admit *a = fresh(1, 1000, 1000);
	uint8_t ip[4] = { 192, 168, 0, 0 };
	/* ADMIT_SLOTS addresses fail, one after the other */
	for (unsigned i = 0; i < ADMIT_SLOTS; i++) {
		ip[2] = (uint8_t)(i >> 8), ip[3] = (uint8_t)i;
		ck_assert_uint_eq(admit_failed(a, ip, 4, SEC + i), 1000);
	}
	ip[2] = 0, ip[3] = 0;
	ck_assert(!admit_check(a, ip, 4, SEC + 1000, NULL));
	/* one more: the first (oldest failure) gives way, the rest stay */
	ck_assert_uint_eq(admit_failed(a, B, 4, SEC + 2000), 1000);
	ck_assert(admit_check(a, ip, 4, SEC + 2000, NULL));
	ip[3] = 1;
	ck_assert(!admit_check(a, ip, 4, SEC + 2000, NULL));
	ck_assert(!admit_check(a, B, 4, SEC + 2000, NULL));
	/* an address that never failed is never refused */
	ck_assert(admit_check(a, A, 4, SEC + 2000, NULL));
}
END_TEST

/* The cap on connections not associated yet: per address, released by
 * done, and a table full of pending addresses counts newcomers not at all
 * rather than refusing them; a success leaves the pending count alone. */
START_TEST(pending_cap_per_address)
{
	static struct admit a;
	const struct admit_cfg c = { .failures = 2, .base_ms = 1000, .max_ms = 1000,
				     .pending_max = 2 };
	admit_init(&a, &c);
	bool n1, n2, n3;
	ck_assert(admit_pending_add(&a, A, 4, 1, &n1) && n1);
	ck_assert(admit_pending_add(&a, A, 4, 2, &n2) && n2);
	ck_assert(!admit_pending_add(&a, A, 4, 3, &n3) && !n3);
	ck_assert_uint_eq(a.refused_pending, 1);
	ck_assert(admit_pending_add(&a, B, 4, 3, &n3) && n3);
	admit_succeeded(&a, A, 4); /* one of A's associated elsewhere */
	ck_assert(!admit_pending_add(&a, A, 4, 4, &n3));
	admit_pending_done(&a, A, 4);
	ck_assert(admit_pending_add(&a, A, 4, 5, &n3) && n3);
	admit_pending_done(&a, A, 4);
	admit_pending_done(&a, A, 4);
	admit_pending_done(&a, A, 4); /* once too often: no harm */
	ck_assert(admit_pending_add(&a, A, 4, 6, &n1) && n1);
	ck_assert(admit_pending_add(&a, A, 4, 6, &n2) && n2);
	/* failures and pending connections share the slot */
	ck_assert_uint_eq(admit_failed(&a, A, 4, 7), 0);
	ck_assert_uint_eq(admit_failed(&a, A, 4, 7), 1000);
	admit_pending_done(&a, A, 4);
	admit_pending_done(&a, A, 4);
	ck_assert(!admit_check(&a, A, 4, 8, NULL));
	/* every slot pending: a new address is admitted uncounted */
	admit_init(&a, &c);
	for (unsigned i = 0; i < ADMIT_SLOTS; i++) {
		uint8_t x[4] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };
		ck_assert(admit_pending_add(&a, x, 4, i, &n1) && n1);
	}
	ck_assert(admit_pending_add(&a, A6, 16, 999, &n1) && !n1);
	ck_assert(admit_pending_add(&a, A6, 16, 999, &n1) && !n1);
	ck_assert(admit_pending_add(&a, A6, 16, 999, &n1) && !n1);
	/* a failure finds no slot either and is forgotten, not misfiled */
	ck_assert_uint_eq(admit_failed(&a, A6, 16, 1000), 0);
	/* off: nothing counted */
	const struct admit_cfg off = { .failures = 2, .base_ms = 1000, .max_ms = 1000 };
	admit_init(&a, &off);
	for (int i = 0; i < 100; i++)
		ck_assert(admit_pending_add(&a, A, 4, 1, &n1) && !n1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("admit");
	TCase *tc = tcase_create("admit");
	tcase_add_test(tc, starts_after_n_and_doubles_to_max);
	tcase_add_test(tc, success_forgets_and_addresses_are_apart);
	tcase_add_test(tc, off_and_bad_lengths);
	tcase_add_test(tc, full_table_forgets_the_oldest);
	tcase_add_test(tc, pending_cap_per_address);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
