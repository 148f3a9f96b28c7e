/* SPDX-License-Identifier: Apache-2.0 */
#include "http_render.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hr_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void hr_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void hr_json_str(struct buf *b, const char *s)
{
	buf_put_u8(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': hr_puts(b, "\\\""); break;
		case '\\': hr_puts(b, "\\\\"); break;
		case '\n': hr_puts(b, "\\n"); break;
		case '\t': hr_puts(b, "\\t"); break;
		case '\r': hr_puts(b, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				hr_printf(b, "\\u%04x", *p);
			else
				buf_put_u8(b, *p);
		}
	}
	buf_put_u8(b, '"');
}

void hr_html(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': hr_puts(b, "&amp;"); break;
		case '<': hr_puts(b, "&lt;"); break;
		case '>': hr_puts(b, "&gt;"); break;
		case '"': hr_puts(b, "&quot;"); break;
		case '\'': hr_puts(b, "&#39;"); break;
		default: buf_put_u8(b, (uint8_t)*s);
		}
	}
}

void hr_label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_put_u8(b, '\\');
		if (*s == '\n')
			hr_puts(b, "\\n");
		else
			buf_put_u8(b, (uint8_t)*s);
	}
}

void hr_family(struct buf *b, const char *name, const char *type, const char *help)
{
	hr_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void hr_sample(struct buf *b, const char *name, const char *label, const char *value, double v)
{
	hr_puts(b, name);
	if (label) {
		hr_printf(b, "{%s=\"", label);
		hr_label(b, value);
		hr_puts(b, "\"}");
	}
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		hr_printf(b, " %.0f\n", v);
	else
		hr_printf(b, " %.9g\n", v);
}
