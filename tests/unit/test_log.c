/* SPDX-License-Identifier: Apache-2.0 */
/* daemon/log.h beside <syslog.h>: the audit trail includes both, so the
 * logger's level names must not be <syslog.h>'s macros. This file includes
 * <syslog.h> first; log_order.c includes it after log.h; both compile, and
 * the levels keep syslog's numbers (journald reads them as priorities). */
#include <syslog.h>

#include "log.h"
#include "testutil.h"

int log_order_levels(void);

START_TEST(levels)
{
	ck_assert_int_eq(LOGL_ERR, LOG_ERR);
	ck_assert_int_eq(LOGL_WARNING, LOG_WARNING);
	ck_assert_int_eq(LOGL_NOTICE, LOG_NOTICE);
	ck_assert_int_eq(LOGL_INFO, LOG_INFO);
	ck_assert_int_eq(LOGL_DEBUG, LOG_DEBUG);
	ck_assert_int_eq(log_order_levels(), LOGL_ERR + LOGL_DEBUG);
	log_init(LOGL_WARNING, false);
	ck_assert(log_enabled(LOGL_ERR));
	ck_assert(log_enabled(LOGL_WARNING));
	ck_assert(!log_enabled(LOGL_NOTICE));
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("levels");
	tcase_add_test(tc, levels);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(log_suite)
