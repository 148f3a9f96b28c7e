/* SPDX-License-Identifier: Apache-2.0 */
/* The status page's text forms, sans I/O (net/http.c sends them): strings
 * escaped for JSON, HTML and Prometheus label values, and metric lines in
 * the Prometheus text exposition format 0.0.4 (# HELP, # TYPE, samples).
 * Everything appends to a struct buf (proto/buf.h); a failed allocation
 * shows in buf->err. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

void hr_puts(struct buf *b, const char *s);
void hr_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "s" with ", \, control characters escaped (\n, \t, \u00XX). */
void hr_json_str(struct buf *b, const char *s);
/* s with & < > " ' as character references. */
void hr_html(struct buf *b, const char *s);
/* A label value: \, " and newline escaped (the exposition format's rule). */
void hr_label(struct buf *b, const char *s);
/* "# HELP name help\n# TYPE name type\n" (type: counter, gauge). */
void hr_family(struct buf *b, const char *name, const char *type, const char *help);
/* One sample: name, then {label="value"} when label is not NULL, then the
 * value. */
void hr_sample(struct buf *b, const char *name, const char *label, const char *value, double v);
