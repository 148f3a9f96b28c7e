/* SPDX-License-Identifier: Apache-2.0 */
#include "map.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const col_names[MAP_N_COLS] = {
	[MAP_COL_REF] = "reference",	 [MAP_COL_SOURCE] = "source",
	[MAP_COL_ADDRESS] = "address",	 [MAP_COL_SCALE] = "scale",
	[MAP_COL_OFFSET] = "offset",	 [MAP_COL_DIRECTION] = "direction",
	[MAP_COL_SCAN] = "scanClass",	 [MAP_COL_TYPE] = "type",
};

const char *map_col_name(enum map_col c)
{
	return c < MAP_N_COLS ? col_names[c] : "?";
}

static int fail(char *err, size_t errlen, const char *file, uint32_t line, unsigned col,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(char *err, size_t errlen, const char *file, uint32_t line, unsigned col,
		const char *fmt, ...)
{
	if (!errlen)
		return -EINVAL;
	int n = snprintf(err, errlen, "%s:%u:%u: ", file, line, col);
	if (n >= 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define MAX_FIELDS 16
#define FIELD_MAX 512

struct field {
	char s[FIELD_MAX];
	unsigned col;
};

/* Splits one line into fields (RFC 4180 quoting: "a,b" and "" inside
 * quotes; spaces around an unquoted field are trimmed). Returns the number
 * of fields or a negative errno with a message. */
static int split(const char *file, uint32_t lineno, const char *line, size_t len,
		 struct field *f, char *err, size_t errlen)
{
	int n = 0;
	size_t i = 0;
	for (;;) {
		if (n == MAX_FIELDS)
			return fail(err, errlen, file, lineno, (unsigned)i + 1,
				    "more than %d fields", MAX_FIELDS);
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		struct field *x = &f[n++];
		x->col = (unsigned)i + 1;
		size_t o = 0;
		if (i < len && line[i] == '"') {
			i++;
			for (;;) {
				if (i == len)
					return fail(err, errlen, file, lineno, x->col,
						    "quoted field does not end (a '\"' is missing)");
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"') {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (o + 1 >= FIELD_MAX)
					return fail(err, errlen, file, lineno, x->col,
						    "field longer than %d characters", FIELD_MAX - 1);
				x->s[o++] = line[i++];
			}
			while (i < len && (line[i] == ' ' || line[i] == '\t'))
				i++;
			if (i < len && line[i] != ',')
				return fail(err, errlen, file, lineno, (unsigned)i + 1,
					    "text after a quoted field (expected ',')");
		} else {
			while (i < len && line[i] != ',') {
				if (line[i] == '"')
					return fail(err, errlen, file, lineno, (unsigned)i + 1,
						    "'\"' inside an unquoted field (quote the whole "
						    "field and double the '\"')");
				if (o + 1 >= FIELD_MAX)
					return fail(err, errlen, file, lineno, x->col,
						    "field longer than %d characters", FIELD_MAX - 1);
				x->s[o++] = line[i++];
			}
			while (o && (x->s[o - 1] == ' ' || x->s[o - 1] == '\t'))
				o--;
		}
		x->s[o] = 0;
		if (i == len)
			return n;
		i++; /* the ',' */
	}
}

static bool blank_or_comment(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == '#';
}

static int parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(d))
		return -EINVAL;
	*out = d;
	return 0;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

int map_parse(const char *file, const char *text, size_t len, struct map **out, char *err,
	      size_t errlen)
{
	*out = NULL;
	struct map *m = calloc(1, sizeof(*m));
	struct field *f = malloc(sizeof(*f) * MAX_FIELDS);
	int rc = 0;
	size_t cap = 0;
	int colidx[MAP_N_COLS];
	bool have_header = false;
	int n_header = 0;
	if (!m || !f) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	snprintf(m->file, sizeof(m->file), "%s", file);
	for (int c = 0; c < MAP_N_COLS; c++)
		colidx[c] = -1;

	uint32_t lineno = 0;
	size_t pos = 0;
	/* a UTF-8 byte order mark, as spreadsheet programs write it */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (memchr(line, 0, ll)) {
			rc = fail(err, errlen, file, lineno, 1, "NUL character in the line");
			goto out;
		}
		if (blank_or_comment(line, ll))
			continue;
		int nf = split(file, lineno, line, ll, f, err, errlen);
		if (nf < 0) {
			rc = nf;
			goto out;
		}
		if (!have_header) {
			for (int i = 0; i < nf; i++) {
				int c;
				for (c = 0; c < MAP_N_COLS; c++)
					if (!strcmp(f[i].s, col_names[c]))
						break;
				if (c == MAP_N_COLS && strchr(f[i].s, ';')) {
					/* some spreadsheet locales export CSV with ';' */
					rc = fail(err, errlen, file, lineno, f[i].col,
						  "this file seems to use ';' as separator (header "
						  "'%s'); iedd reads ',': export the map as CSV with "
						  "',' separators",
						  f[i].s);
					goto out;
				}
				if (c == MAP_N_COLS) {
					rc = fail(err, errlen, file, lineno, f[i].col,
						  "unknown column '%s' in the header (columns: "
						  "reference, source, address, scale, offset, "
						  "direction, scanClass, type)",
						  f[i].s);
					goto out;
				}
				if (colidx[c] >= 0) {
					rc = fail(err, errlen, file, lineno, f[i].col,
						  "column '%s' named twice in the header", f[i].s);
					goto out;
				}
				colidx[c] = i;
			}
			for (int c = MAP_COL_REF; c <= MAP_COL_ADDRESS; c++)
				if (colidx[c] < 0) {
					rc = fail(err, errlen, file, lineno, 1,
						  "the header names no '%s' column (the first line "
						  "that is not a comment names the columns, e.g. "
						  "reference,source,address,scale,offset,direction,"
						  "scanClass)",
						  col_names[c]);
					goto out;
				}
			have_header = true;
			n_header = nf;
			continue;
		}
		if (nf != n_header) {
			rc = fail(err, errlen, file, lineno, f[nf - 1].col,
				  "%d fields, the header names %d columns", nf, n_header);
			goto out;
		}
		if (m->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct map_row *r = realloc(m->rows, nc * sizeof(*r));
			if (!r) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", file);
				goto out;
			}
			m->rows = r;
			cap = nc;
		}
		struct map_row *row = &m->rows[m->n];
		memset(row, 0, sizeof(*row));
		row->line = lineno;
		row->scale = 1;
		row->dir = MAP_DIR_R;
		for (int c = 0; c < MAP_N_COLS; c++) {
			if (colidx[c] < 0)
				continue;
			const struct field *x = &f[colidx[c]];
			row->col[c] = (uint16_t)(x->col > UINT16_MAX ? UINT16_MAX : x->col);
			bool empty = !x->s[0];
			switch (c) {
			case MAP_COL_REF:
				if (empty || strlen(x->s) >= sizeof(row->ref) || !strchr(x->s, '/') ||
				    !strchr(x->s, '[') || x->s[strlen(x->s) - 1] != ']') {
					rc = fail(err, errlen, file, lineno, x->col,
						  "reference '%s': expected LD/LN.DO.DA[FC] "
						  "(e.g. LD0/MMXU1.TotW.mag.f[MX])",
						  x->s);
					goto out;
				}
				strcpy(row->ref, x->s);
				break;
			case MAP_COL_SOURCE:
				if (!name_ok(x->s) || strlen(x->s) >= sizeof(row->source)) {
					rc = fail(err, errlen, file, lineno, x->col,
						  "source '%s': expected the name of a <source> in "
						  "iedd.xml",
						  x->s);
					goto out;
				}
				strcpy(row->source, x->s);
				break;
			case MAP_COL_ADDRESS:
				if (empty) {
					/* the form belongs to the plugin; name the
					 * built-in ones so the fix is at hand */
					rc = fail(err, errlen, file, lineno, x->col,
						  "address: empty; give the point in its "
						  "plugin's form, e.g. sim 'sine:period=10', "
						  "shm 'Bay.Hz', modbus 'hr:100:f32' "
						  "(doc/plugins.md, doc/modbus.md)");
					goto out;
				}
				if (strlen(x->s) >= sizeof(row->address)) {
					rc = fail(err, errlen, file, lineno, x->col,
						  "address: longer than %zu characters",
						  sizeof(row->address) - 1);
					goto out;
				}
				strcpy(row->address, x->s);
				break;
			case MAP_COL_SCALE:
			case MAP_COL_OFFSET: {
				double d = c == MAP_COL_SCALE ? 1 : 0;
				if (!empty && parse_double(x->s, &d)) {
					rc = fail(err, errlen, file, lineno, x->col,
						  "%s '%s' is not a number", col_names[c], x->s);
					goto out;
				}
				if (c == MAP_COL_SCALE) {
					if (d == 0) {
						rc = fail(err, errlen, file, lineno, x->col,
							  "scale 0 would make every value 0 and "
							  "writes impossible");
						goto out;
					}
					row->scale = d;
				} else {
					row->offset = d;
				}
				break;
			}
			case MAP_COL_DIRECTION:
				if (empty || !strcmp(x->s, "r"))
					row->dir = MAP_DIR_R;
				else if (!strcmp(x->s, "w"))
					row->dir = MAP_DIR_W;
				else if (!strcmp(x->s, "rw"))
					row->dir = MAP_DIR_R | MAP_DIR_W;
				else {
					rc = fail(err, errlen, file, lineno, x->col,
						  "direction '%s': expected r, w or rw", x->s);
					goto out;
				}
				break;
			case MAP_COL_SCAN:
				if (!empty && (!name_ok(x->s) || strlen(x->s) >= sizeof(row->scan))) {
					rc = fail(err, errlen, file, lineno, x->col,
						  "scanClass '%s': expected a name from <scanClass> "
						  "in iedd.xml",
						  x->s);
					goto out;
				}
				strcpy(row->scan, x->s);
				break;
			case MAP_COL_TYPE:
				if (strlen(x->s) >= sizeof(row->type)) {
					rc = fail(err, errlen, file, lineno, x->col, "type: too long");
					goto out;
				}
				strcpy(row->type, x->s);
				break;
			default:
				break;
			}
		}
		row->scaled = row->scale != 1 || row->offset != 0;
		m->n++;
	}
	if (!have_header) {
		rc = fail(err, errlen, file, lineno ? lineno : 1, 1,
			  "no header line (the first line that is not a comment names the "
			  "columns: reference,source,address[,scale,offset,direction,scanClass])");
		goto out;
	}
out:
	free(f);
	if (rc) {
		map_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int map_load(const char *path, struct map **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 65536 > cap) {
			size_t nc = cap ? cap * 2 : 131072;
			char *b = realloc(buf, nc);
			if (!b) {
				free(buf);
				fclose(fp);
				snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = b;
			cap = nc;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "%s: read error", path);
		return -EIO;
	}
	int rc = map_parse(path, buf ? buf : "", len, out, err, errlen);
	free(buf);
	return rc;
}

void map_free(struct map *m)
{
	if (!m)
		return;
	free(m->rows);
	free(m);
}
