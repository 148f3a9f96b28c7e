/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as a CSV map (daemon/pv/map.c,
 * schemas/map-format.md), through map_parse, the in-memory entry point
 * map_load uses too. The input is not NUL-terminated: the parser must keep
 * to `len`. A refusal names the file and a line and column; an accepted
 * map holds only rows the syntax allows (reference LD/..[FC], a source
 * name, an address, finite numbers, scale not 0, direction r/w/rw, line
 * numbers rising), and written back as CSV, every field quoted, it parses
 * to the same rows: quoting, trimming and number conversion lose nothing.
 * Any inconsistency is a crash. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

#define FILE_NAME "fuzz.csv"

/* s is NUL-terminated within its array of n octets. */
static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static void check_row(const struct map_row *r)
{
	CHECK(terminated(r->ref, sizeof(r->ref)) && terminated(r->source, sizeof(r->source)) &&
	      terminated(r->address, sizeof(r->address)) && terminated(r->scan, sizeof(r->scan)) &&
	      terminated(r->type, sizeof(r->type)));
	size_t rl = strlen(r->ref);
	CHECK(rl >= 3 && strchr(r->ref, '/') && strchr(r->ref, '[') && r->ref[rl - 1] == ']');
	CHECK(r->source[0] && r->address[0]);
	CHECK(isfinite(r->scale) && r->scale != 0 && isfinite(r->offset));
	CHECK(r->scaled == (r->scale != 1 || r->offset != 0));
	CHECK(r->dir == MAP_DIR_R || r->dir == MAP_DIR_W || r->dir == (MAP_DIR_R | MAP_DIR_W));
	CHECK(r->col[MAP_COL_REF] && r->col[MAP_COL_SOURCE] && r->col[MAP_COL_ADDRESS]);
}

/* RFC 4180: the field in quotes, every '"' doubled. */
static void put_field(FILE *f, const char *s, bool last)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

static void put_number(FILE *f, double d)
{
	/* %.17g gives back the same double through strtod */
	fprintf(f, "%.17g,", d);
}

/* Writes m back as CSV with every column. */
static char *serialize(const struct map *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	CHECK(f);
	fputs("# written back by fuzz_map\n"
	      "reference,source,address,scale,offset,direction,scanClass,type\n",
	      f);
	for (size_t i = 0; i < m->n; i++) {
		const struct map_row *r = &m->rows[i];
		put_field(f, r->ref, false);
		put_field(f, r->source, false);
		put_field(f, r->address, false);
		put_number(f, r->scale);
		put_number(f, r->offset);
		fputs(r->dir == MAP_DIR_R ? "r," : r->dir == MAP_DIR_W ? "w," : "rw,", f);
		put_field(f, r->scan, false);
		put_field(f, r->type, true);
	}
	CHECK(fclose(f) == 0);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	struct map *m = (struct map *)1;
	err[0] = 0;
	int rc = map_parse(FILE_NAME, (const char *)data, size, &m, err, sizeof(err));
	if (rc) {
		/* every refusal: "file:line:column: problem", and no map */
		CHECK(m == NULL);
		CHECK(!strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")));
		unsigned line, col;
		CHECK(sscanf(err + strlen(FILE_NAME ":"), "%u:%u: ", &line, &col) == 2);
		CHECK(line >= 1 && col >= 1);
		return 0;
	}
	CHECK(m != NULL && !strcmp(m->file, FILE_NAME));
	for (size_t i = 0; i < m->n; i++) {
		check_row(&m->rows[i]);
		CHECK(i == 0 || m->rows[i].line > m->rows[i - 1].line);
	}

	size_t len;
	char *text = serialize(m, &len);
	struct map *again;
	rc = map_parse(FILE_NAME, text, len, &again, err, sizeof(err));
	CHECK(rc == 0);
	CHECK(again->n == m->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct map_row *a = &m->rows[i], *b = &again->rows[i];
		CHECK(!strcmp(a->ref, b->ref) && !strcmp(a->source, b->source) &&
		      !strcmp(a->address, b->address) && !strcmp(a->scan, b->scan) &&
		      !strcmp(a->type, b->type));
		CHECK(a->scale == b->scale && a->offset == b->offset && a->scaled == b->scaled);
		CHECK(a->dir == b->dir);
		CHECK(b->line == i + 3); /* after the comment and the header */
	}
	map_free(again);
	free(text);
	map_free(m);
	return 0;
}
