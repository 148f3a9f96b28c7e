/* SPDX-License-Identifier: Apache-2.0 */
#include "rptfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ber.h"

#define REF_MAX (MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16)

static const char *const reason_names[] = { NULL, "dchg", "qchg", "dupd", "period", "gi",
					    "app" };

const char *rptfmt_reason_name(unsigned bit)
{
	return bit < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[bit] : NULL;
}

static void put_s(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void put_f(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_f(struct buf *b, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_put(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_json_str(struct buf *b, const char *s)
{
	buf_put_u8(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			buf_put_u8(b, '\\');
			buf_put_u8(b, (uint8_t)*s);
		} else if ((unsigned char)*s < 0x20) {
			put_f(b, "\\u%04x", *s);
		} else {
			buf_put_u8(b, (uint8_t)*s);
		}
	}
	buf_put_u8(b, '"');
}

static void put_hex(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_f(b, "%02x", p[i]);
}

/* The report's MMS-form reference "LD/LN$FC$DO$DA" as iedc prints
 * references; the text itself when it does not parse. */
static const char *dotted(const char *mms, char *out, size_t n)
{
	struct mms_objname o;
	if (mms_ref_parse(mms, &o, NULL) == 0)
		return mms_ref_format(&o, out, n);
	snprintf(out, n, "%s", mms);
	return out;
}

/* DatSet "LD/LN$NAME" as "LD/LN.NAME"; "@NAME" stays. */
static const char *dataset_ref(const char *s, char *out, size_t n)
{
	const char *slash = strchr(s, '/');
	if (s[0] != '@' && slash && (size_t)(slash - s) <= MMS_MAX_DOMAIN &&
	    strlen(slash + 1) <= MMS_MAX_ITEM) {
		struct mms_objname o = { .scope = MMS_SCOPE_DOMAIN };
		memcpy(o.domain, s, (size_t)(slash - s));
		strcpy(o.item, slash + 1);
		return mms_ref_format(&o, out, n);
	}
	snprintf(out, n, "%s", s);
	return out;
}

static const char *member_ref(const struct mms_report *r, const struct mms_report_member *m,
			      const struct rptfmt_dir *dir, char *out, size_t n)
{
	if (m->ref[0])
		return dotted(m->ref, out, n);
	if (dir && m->index < dir->n && dir->refs && dir->refs[m->index])
		snprintf(out, n, "%s", dir->refs[m->index]);
	else
		out[0] = 0;
	(void)r;
	return out;
}

int rptfmt_format(struct buf *out, const struct mms_report *r, const struct rptfmt_dir *dir,
		  bool json, struct proto_err *err)
{
	struct buf v;
	char ref[REF_MAX];
	int k = 0;

	buf_init(&v, 0, 0);
	if (json) {
		put_s(out, "{\"rptId\":");
		put_json_str(out, r->rpt_id);
		if (r->has_seq)
			put_f(out, ",\"sqNum\":%u", r->seq_num);
		if (r->has_segment)
			put_f(out, ",\"subSqNum\":%u,\"moreSegments\":%s", r->sub_seq_num,
			      r->more_segments ? "true" : "false");
		if (r->has_entry_id) {
			put_s(out, ",\"entryId\":\"");
			put_hex(out, r->entry_id, sizeof(r->entry_id));
			buf_put_u8(out, '"');
		}
		if (r->has_time) {
			/* binary-time with date, through the Data formatter */
			uint8_t t[8] = { BER_CONTEXT | MMS_TYPE_BINARY_TIME, 6 };
			memcpy(t + 2, r->time_of_entry, 6);
			put_s(out, ",\"timeOfEntry\":");
			if ((k = mms_data_format(out, t, sizeof(t), NULL, MMS_FMT_JSON, err)))
				goto out;
		}
		if (r->has_dataset) {
			put_s(out, ",\"dataSet\":");
			put_json_str(out, dataset_ref(r->dataset, ref, sizeof(ref)));
		}
		if (r->has_bufovfl)
			put_f(out, ",\"bufOvfl\":%s", r->buf_ovfl ? "true" : "false");
		if (r->has_conf_rev)
			put_f(out, ",\"confRev\":%u", r->conf_rev);
		put_s(out, ",\"members\":[");
	} else {
		put_s(out, r->rpt_id);
		if (r->has_seq)
			put_f(out, " SqNum=%u", r->seq_num);
		if (r->has_segment)
			put_f(out, " sub=%u%s", r->sub_seq_num, r->more_segments ? " more" : "");
		if (r->has_entry_id) {
			put_s(out, " EntryID=");
			put_hex(out, r->entry_id, sizeof(r->entry_id));
		}
		if (r->has_bufovfl && r->buf_ovfl)
			put_s(out, " BufOvfl");
		buf_put_u8(out, ':');
	}
	for (uint32_t i = 0; i < r->n_included; i++) {
		const struct mms_report_member *m = &r->members[i];
		const struct mms_typespec *type =
			dir && m->index < dir->n && dir->types ? dir->types[m->index] : NULL;
		member_ref(r, m, dir, ref, sizeof(ref));
		buf_reset(&v, 0);
		if ((k = mms_data_format(&v, m->data, m->data_len, type,
					 json ? MMS_FMT_JSON : MMS_FMT_TEXT, err))) {
			if (k == -EBADMSG && err) {
				char why[sizeof(err->reason)];
				snprintf(why, sizeof(why), "%s", err->reason);
				proto_fail(err, "mms", "member %u: %s", m->index, why);
			}
			goto out;
		}
		if (json) {
			put_f(out, "%s{\"index\":%u,\"ref\":", i ? "," : "", m->index);
			put_json_str(out, ref);
			put_s(out, ",\"value\":");
			buf_put(out, buf_data(&v), v.len);
			char w[200];
			int tq;
			if (mms_data_words(m->data, m->data_len, type, &tq, w, sizeof(w))) {
				if (tq >= 0)
					put_f(out, ",\"valueQuality\":%d", tq);
				put_s(out, ",\"valueText\":");
				put_json_str(out, w);
			}
			put_s(out, ",\"reasons\":[");
			bool first = true;
			for (unsigned b = 1; m->has_reason && b < MMS_REASON_BITS; b++)
				if (m->reason & (1u << b)) {
					put_f(out, "%s\"%s\"", first ? "" : ",", rptfmt_reason_name(b));
					first = false;
				}
			put_s(out, "]}");
			continue;
		}
		put_s(out, i ? "; " : " ");
		if (ref[0])
			put_s(out, ref);
		else
			put_f(out, "#%u", m->index);
		buf_put_u8(out, '=');
		/* a structure's "path: value" lines, on one line */
		const char *s = (const char *)buf_data(&v), *e = s + v.len;
		bool multi = memchr(s, '\n', v.len) != NULL ||
			     (m->data[0] & BER_CONSTRUCTED); /* array, structure */
		if (multi)
			buf_put_u8(out, '{');
		while (s < e) {
			const char *nl = memchr(s, '\n', (size_t)(e - s));
			if (!nl)
				nl = e;
			buf_put(out, s, (size_t)(nl - s));
			if (nl + 1 < e)
				put_s(out, ", ");
			s = nl + 1;
		}
		if (multi)
			buf_put_u8(out, '}');
		if (m->has_reason && (m->reason & 0x7E)) {
			put_s(out, " (");
			bool first = true;
			for (unsigned b = 1; b < MMS_REASON_BITS; b++)
				if (m->reason & (1u << b)) {
					put_f(out, "%s%s", first ? "" : ",", rptfmt_reason_name(b));
					first = false;
				}
			buf_put_u8(out, ')');
		}
	}
	put_s(out, json ? "]}\n" : "\n");
out:
	buf_clear(&v);
	return k ? k : out->err;
}

static bool ident_ok(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int rptfmt_rcb_parse(const char *ref, struct mms_objname *out, char *fc)
{
	const char *slash = strchr(ref, '/');
	if (!slash || slash == ref || (size_t)(slash - ref) > MMS_MAX_DOMAIN)
		return -EINVAL;
	/* LN, then FC and NAME, or NAME alone; '.' or '$' between them */
	const char *p[3];
	size_t len[3], n = 0;
	const char *s = slash + 1;
	for (;;) {
		size_t l = strcspn(s, ".$");
		if (n == 3)
			return -EINVAL;
		p[n] = s;
		len[n++] = l;
		if (!s[l])
			break;
		s += l + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!ident_ok(p[i], len[i]))
			return -EINVAL;
	*fc = 0;
	const char *name = p[n - 1];
	size_t nl = len[n - 1];
	if (n == 3) {
		if (len[1] != 2 || (strncmp(p[1], "RP", 2) && strncmp(p[1], "BR", 2)))
			return -EINVAL;
		*fc = p[1][0] == 'R' ? 'R' : 'B';
	} else if (n != 2) {
		return -EINVAL;
	}
	if (len[0] + 4 + nl > MMS_MAX_ITEM)
		return -EINVAL;
	*out = (struct mms_objname){ .scope = MMS_SCOPE_DOMAIN };
	memcpy(out->domain, ref, (size_t)(slash - ref));
	snprintf(out->item, sizeof(out->item), "%.*s$%s$%.*s", (int)len[0], p[0],
		 *fc == 'B' ? "BR" : "RP", (int)nl, name);
	return 0;
}

void rptfmt_rcb_set_fc(struct mms_objname *rcb, bool buffered)
{
	char *d = strchr(rcb->item, '$');
	if (d && d[1] && d[2])
		memcpy(d + 1, buffered ? "BR" : "RP", 2);
}

int rptfmt_trgops(const char *s, char out[7], const char **bad)
{
	static char word[32];
	memcpy(out, "000000", 7);
	while (*s) {
		size_t l = strcspn(s, ",");
		unsigned b;
		for (b = 1; b <= 5; b++)
			if (strlen(reason_names[b]) == l && !strncmp(s, reason_names[b], l))
				break;
		if (b > 5 && l == 9 && !strncmp(s, "integrity", 9))
			b = 4;
		if (b > 5) {
			snprintf(word, sizeof(word), "%.*s", (int)(l < 31 ? l : 31), s);
			if (bad)
				*bad = word;
			return -EINVAL;
		}
		out[b] = '1';
		s += l;
		if (*s == ',')
			s++;
	}
	return 0;
}
