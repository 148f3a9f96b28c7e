/* SPDX-License-Identifier: Apache-2.0 */
/* The status page's text forms (net/http_render.h): hostile names (an IED
 * name, a peer, a warning) stay inside their string in JSON, HTML and
 * Prometheus label values; samples print integers exactly. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_render.h"

static char *text(struct buf *b)
{
	buf_put_u8(b, 0);
	return (char *)buf_data(b);
}

START_TEST(json_escapes_everything_json_requires)
{
	struct buf b;
	buf_init(&b, 0, 0);
	hr_json_str(&b, "a\"b\\c\nd\te\x01\x1f</script>\x7f");
	ck_assert_str_eq(text(&b), "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f</script>\\u007f\"");
	buf_clear(&b);
}
END_TEST

START_TEST(html_and_label)
{
	struct buf b;
	buf_init(&b, 0, 0);
	hr_html(&b, "<img src=x onerror='a'>&\"");
	ck_assert_str_eq(text(&b), "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;");
	buf_clear(&b);
	buf_init(&b, 0, 0);
	hr_sample(&b, "iedd_x_total", "source", "a\"b\\c\nd", 3);
	ck_assert_str_eq(text(&b), "iedd_x_total{source=\"a\\\"b\\\\c\\nd\"} 3\n");
	buf_clear(&b);
}
END_TEST

START_TEST(samples_and_families)
{
	struct buf b;
	buf_init(&b, 0, 0);
	hr_family(&b, "iedd_reports_sent_total", "counter", "Reports sent");
	hr_sample(&b, "iedd_reports_sent_total", NULL, NULL, 18446744073709.0);
	hr_sample(&b, "g", NULL, NULL, 0.25);
	hr_sample(&b, "big", NULL, NULL, 1e20);
	ck_assert_str_eq(text(&b), "# HELP iedd_reports_sent_total Reports sent\n"
				   "# TYPE iedd_reports_sent_total counter\n"
				   "iedd_reports_sent_total 18446744073709\n"
				   "g 0.25\nbig 1e+20\n");
	buf_clear(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_render");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, json_escapes_everything_json_requires);
	tcase_add_test(tc, html_and_label);
	tcase_add_test(tc, samples_and_families);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
