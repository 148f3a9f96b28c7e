/* SPDX-License-Identifier: Apache-2.0 */
/* JSON output helpers. */
#include "iedc.h"

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void json_value_words(FILE *f, const uint8_t *data, size_t len, const struct mms_typespec *type)
{
	char w[200];
	int tq;
	if (!mms_data_words(data, len, type, &tq, w, sizeof(w)))
		return;
	if (tq >= 0)
		fprintf(f, ",\"valueQuality\":%d", tq);
	fputs(",\"valueText\":", f);
	json_str(f, w);
}

static const char *base_name(uint8_t type)
{
	switch (type) {
	case MMS_TYPE_BIT_STRING:
		return "bit-string";
	case MMS_TYPE_OCTET_STRING:
		return "octet-string";
	case MMS_TYPE_VISIBLE_STRING:
		return "visible-string";
	case MMS_TYPE_MMS_STRING:
		return "mms-string";
	default:
		return NULL;
	}
}

void json_type(FILE *f, const struct mms_typespec *t, const char *name)
{
	char s[64];
	const char *base = base_name(t->type);

	fputc('{', f);
	if (name) {
		fputs("\"name\":", f);
		json_str(f, name);
		fputc(',', f);
	}
	fputs("\"type\":", f);
	if (t->type == MMS_TYPE_STRUCTURE) {
		fputs("\"structure\",\"components\":[", f);
		for (uint32_t i = 0; i < t->n; i++) {
			if (i)
				fputc(',', f);
			json_type(f, &t->comp[i], t->comp[i].name);
		}
		fputc(']', f);
	} else if (t->type == MMS_TYPE_ARRAY) {
		fprintf(f, "\"array\",\"elements\":%u,\"element\":", t->n);
		json_type(f, t->elem, NULL);
	} else if (base) {
		/* IEC 61850-8-1: a negative size is a maximum (variable length) */
		json_str(f, base);
		if (t->size < 0)
			fprintf(f, ",\"maxSize\":%lld", -(long long)t->size);
		else
			fprintf(f, ",\"size\":%d", t->size);
	} else {
		json_str(f, mms_typespec_str(t, s, sizeof(s)));
	}
	fputc('}', f);
}
