/* SPDX-License-Identifier: Apache-2.0 */
/* The BRCB buffer (daemon/acsi/report_buf.c): EntryIDs, the limits and
 * which entries they drop, the client's cursor across drops, PurgeBuf,
 * entries restored from disk and their stored form checked octet by
 * octet. */
#include <errno.h>

#include "report_buf.h"
#include "testutil.h"

static const uint8_t toe[6] = { 1, 2, 3, 4, 5, 6 };

/* An entry of n members whose data is "member k of entry tag", with an
 * index and a reason from k. */
static const struct rpt_entry *add_n(struct rpt_buf *b, uint32_t tag, uint32_t n,
				     uint32_t *dropped)
{
	static char text[64][40];
	struct rpt_member m[64];
	ck_assert_uint_le(n, 64);
	for (uint32_t k = 0; k < n; k++) {
		int len = snprintf(text[k], sizeof(text[k]), "member %u of entry %u", k, tag);
		m[k] = (struct rpt_member){ .index = 3 * k + 1, .reason = (uint8_t)(1u << (k % 7)),
					    .len = (uint32_t)len, .data = (const uint8_t *)text[k] };
	}
	return rpt_buf_add(b, toe, m, n, dropped);
}

static void check_member(const struct rpt_entry *e, uint32_t tag, uint32_t k)
{
	char exp[40];
	int len = snprintf(exp, sizeof(exp), "member %u of entry %u", k, tag);
	struct rpt_member m;
	rpt_entry_member(e, k, &m);
	ck_assert_uint_eq(m.index, 3 * k + 1);
	ck_assert_uint_eq(m.reason, 1u << (k % 7));
	ck_assert_uint_eq(m.len, (uint32_t)len);
	ck_assert_mem_eq(m.data, exp, (size_t)len);
}

START_TEST(ids_and_members)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	ck_assert_ptr_null(rpt_buf_oldest(b));
	ck_assert_uint_eq(rpt_buf_last_id(b), 0);
	for (uint32_t t = 1; t <= 5; t++) {
		const struct rpt_entry *e = add_n(b, t, t, NULL);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(rpt_entry_id(e), t);	/* the first is 1: 0 means none */
		ck_assert_uint_eq(rpt_entry_n(e), t);
		ck_assert_mem_eq(rpt_entry_toe(e), toe, 6);
	}
	ck_assert_uint_eq(rpt_buf_count(b), 5);
	uint32_t t = 1;
	for (const struct rpt_entry *e = rpt_buf_oldest(b); e; e = rpt_buf_next(b, e), t++)
		for (uint32_t k = 0; k < t; k++)
			check_member(e, t, k);
	ck_assert_uint_eq(t, 6);
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_newest(b)), 5);
	/* an entry of no members (an integrity report of an empty choice) */
	const struct rpt_entry *e = rpt_buf_add(b, toe, NULL, 0, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(rpt_entry_n(e), 0);
	rpt_buf_free(b);
}
END_TEST

START_TEST(entry_id_octets)
{
	uint8_t o[8];
	rpt_entry_id_octets(0x0102030405060708ull, o);
	static const uint8_t exp[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert_bytes(o, 8, exp);
	ck_assert_uint_eq(rpt_entry_id_from_octets(o), 0x0102030405060708ull);
}
END_TEST

START_TEST(max_entries_drops_oldest)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = 100 });
	uint32_t dropped, total = 0;
	for (uint32_t t = 1; t <= 1000; t++) {
		ck_assert_ptr_nonnull(add_n(b, t, 2, &dropped));
		ck_assert_uint_eq(dropped, t > 100 ? 1 : 0);
		total += dropped;
	}
	ck_assert_uint_eq(total, 900);
	ck_assert_uint_eq(rpt_buf_count(b), 100);
	uint64_t id = 901;
	for (const struct rpt_entry *e = rpt_buf_oldest(b); e; e = rpt_buf_next(b, e), id++) {
		ck_assert_uint_eq(rpt_entry_id(e), id);
		check_member(e, (uint32_t)id, 1);
		ck_assert_ptr_eq(rpt_buf_find(b, id), e);
	}
	ck_assert_uint_eq(id, 1001);
	ck_assert_ptr_null(rpt_buf_find(b, 900));
	ck_assert_ptr_null(rpt_buf_find(b, 1001));
	/* a client whose last entry was dropped resumes at the oldest */
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_after(b, 17)), 901);
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_after(b, 950)), 951);
	ck_assert_ptr_null(rpt_buf_after(b, 1000));
	rpt_buf_free(b);
}
END_TEST

START_TEST(max_bytes)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ .max_bytes = 1000 });
	const struct rpt_entry *e = add_n(b, 1, 1, NULL);
	size_t one = rpt_entry_size(e);
	/* header, n, one descriptor, the data ("member 0 of entry 1") */
	ck_assert_uint_eq(one, 26 + 4 + 8 + strlen("member 0 of entry 1"));
	ck_assert_uint_eq(rpt_buf_bytes(b), one);
	uint32_t dropped;
	for (uint32_t t = 2; t <= 200; t++) {
		add_n(b, t, 1, &dropped);
		ck_assert_uint_le(rpt_buf_bytes(b), 1000);
	}
	ck_assert_uint_gt(rpt_buf_count(b), 1000 / (one + 2) - 1);
	/* one entry larger than max_bytes alone: kept, alone */
	e = add_n(b, 201, 60, &dropped);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_gt(rpt_entry_size(e), 1000);
	ck_assert_uint_eq(rpt_buf_count(b), 1);
	ck_assert_ptr_eq(rpt_buf_oldest(b), e);
	ck_assert_uint_eq(rpt_buf_bytes(b), rpt_entry_size(e));
	/* and the next small one drops it */
	add_n(b, 202, 1, &dropped);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_uint_eq(rpt_buf_count(b), 1);
	rpt_buf_free(b);
}
END_TEST

START_TEST(purge_keeps_counter)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	for (uint32_t t = 1; t <= 10; t++)
		add_n(b, t, 1, NULL);
	rpt_buf_purge(b);
	ck_assert_uint_eq(rpt_buf_count(b), 0);
	ck_assert_uint_eq(rpt_buf_bytes(b), 0);
	ck_assert_ptr_null(rpt_buf_oldest(b));
	ck_assert_ptr_null(rpt_buf_after(b, 0));
	ck_assert_uint_eq(rpt_buf_last_id(b), 10);
	ck_assert_uint_eq(rpt_entry_id(add_n(b, 11, 1, NULL)), 11);
	rpt_buf_free(b);
}
END_TEST

START_TEST(too_large_refused)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	add_n(b, 1, 1, NULL);
	static uint8_t big[1u << 23];
	struct rpt_member m[2] = { { .len = sizeof(big), .data = big },
				   { .len = sizeof(big), .data = big } };
	ck_assert_ptr_null(rpt_buf_add(b, toe, m, 2, NULL));	/* 16 MiB: one octet too many */
	ck_assert_uint_eq(rpt_buf_last_id(b), 1);
	ck_assert_uint_eq(rpt_buf_count(b), 1);
	m[1].len = sizeof(big) - 1;
	ck_assert_ptr_nonnull(rpt_buf_add(b, toe, m, 2, NULL));
	rpt_buf_free(b);
}
END_TEST

START_TEST(restore_with_gaps)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ .max_entries = 3 });
	struct rpt_member m = { .index = 7, .reason = 2, .len = 3, .data = (const uint8_t *)"abc" };
	ck_assert_ptr_null(rpt_buf_restore(b, 0, toe, &m, 1));
	ck_assert_ptr_nonnull(rpt_buf_restore(b, 10, toe, &m, 1));
	ck_assert_ptr_null(rpt_buf_restore(b, 10, toe, &m, 1));	/* not ascending */
	ck_assert_ptr_null(rpt_buf_restore(b, 9, toe, &m, 1));
	ck_assert_ptr_nonnull(rpt_buf_restore(b, 20, toe, &m, 1));
	ck_assert_ptr_nonnull(rpt_buf_restore(b, 30, toe, &m, 1));
	ck_assert_ptr_nonnull(rpt_buf_restore(b, 40, toe, &m, 1));	/* drops 10 */
	ck_assert_uint_eq(rpt_buf_count(b), 3);
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_oldest(b)), 20);
	ck_assert_ptr_null(rpt_buf_find(b, 25));
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_after(b, 25)), 30);
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_after(b, 5)), 20);
	ck_assert_uint_eq(rpt_buf_last_id(b), 40);
	/* the counter never goes below the newest entry */
	rpt_buf_set_last_id(b, 7);
	ck_assert_uint_eq(rpt_buf_last_id(b), 40);
	rpt_buf_set_last_id(b, (1ull << 32) + 40);
	ck_assert_uint_eq(rpt_entry_id(rpt_buf_add(b, toe, &m, 1, NULL)), (1ull << 32) + 41);
	rpt_buf_free(b);
}
END_TEST

/* The stored form: what add builds is what restore_body takes, octet for
 * octet; every shorter, longer or inconsistent body is refused. */
START_TEST(body_round_trip_and_refusals)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	const struct rpt_entry *e = add_n(b, 9, 3, NULL);
	size_t len;
	const uint8_t *body = rpt_entry_body(e, &len);
	/* n = 3, three descriptors, then the data */
	ck_assert_uint_eq(len, 4 + 3 * 8 + 3 * strlen("member 0 of entry 9"));
	static const uint8_t head[] = { 3, 0, 0, 0, 1, 0, 0, 0, 19, 0, 0, 1 };
	ck_assert_bytes(body, sizeof(head), head);
	uint8_t copy[200];
	memcpy(copy, body, len);

	struct rpt_buf *r = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	for (size_t n = 0; n < len; n++) {
		uint8_t *t = dup_exact(copy, n);
		ck_assert_ptr_null(rpt_buf_restore_body(r, 100, toe, t, n));
		free(t);
	}
	uint8_t longer[201];
	memcpy(longer, copy, len);
	longer[len] = 0;
	ck_assert_ptr_null(rpt_buf_restore_body(r, 100, toe, longer, len + 1));
	uint8_t bad[200];
	memcpy(bad, copy, len);
	bad[8 + 8] = 5;		/* second member ends before the first */
	ck_assert_ptr_null(rpt_buf_restore_body(r, 100, toe, bad, len));
	memcpy(bad, copy, len);
	bad[0] = 0xff;
	bad[1] = 0xff;
	bad[2] = 0xff;
	bad[3] = 0xff;		/* n = 2^32 - 1 */
	ck_assert_ptr_null(rpt_buf_restore_body(r, 100, toe, bad, len));
	ck_assert_uint_eq(rpt_buf_count(r), 0);

	uint8_t *t = dup_exact(copy, len);
	const struct rpt_entry *e2 = rpt_buf_restore_body(r, 100, toe, t, len);
	free(t);
	ck_assert_ptr_nonnull(e2);
	ck_assert_uint_eq(rpt_entry_id(e2), 100);
	for (uint32_t k = 0; k < 3; k++)
		check_member(e2, 9, k);
	ck_assert_uint_eq(rpt_buf_last_id(r), 100);
	rpt_buf_free(r);
	rpt_buf_free(b);
}
END_TEST

/* Memory per entry as the allocator sees it: the numbers the report
 * quotes, kept from growing by accident. */
START_TEST(entry_size)
{
	struct rpt_buf *b = rpt_buf_new(&(struct rpt_buf_cfg){ 0 });
	uint8_t v[20] = { 0x87, 18 };
	struct rpt_member m[10];
	for (int k = 0; k < 10; k++)
		m[k] = (struct rpt_member){ .index = (uint32_t)k, .reason = 2, .len = 20, .data = v };
	const struct rpt_entry *e1 = rpt_buf_add(b, toe, m, 1, NULL);
	const struct rpt_entry *e10 = rpt_buf_add(b, toe, m, 10, NULL);
	ck_assert_uint_eq(rpt_entry_size(e1), 26 + 4 + 8 + 20);
	ck_assert_uint_eq(rpt_entry_size(e10), 26 + 4 + 80 + 200);
	rpt_buf_free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("report_buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ids_and_members);
	tcase_add_test(tc, entry_id_octets);
	tcase_add_test(tc, max_entries_drops_oldest);
	tcase_add_test(tc, max_bytes);
	tcase_add_test(tc, purge_keeps_counter);
	tcase_add_test(tc, too_large_refused);
	tcase_add_test(tc, restore_with_gaps);
	tcase_add_test(tc, body_round_trip_and_refusals);
	tcase_add_test(tc, entry_size);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
