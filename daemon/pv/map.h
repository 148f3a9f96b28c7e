/* SPDX-License-Identifier: Apache-2.0 */
/* The CSV map (schemas/map-format.md): one row per mapped data attribute,
 * tying it to a point of a source instance. This is the syntax layer:
 * fields, quoting, numbers, direction; whether the reference exists, the
 * type converts and the source knows the address is checked by pv.c
 * (pv_new) against the model and the plugins.
 *
 * Errors name "file:line:column: problem" (column = the 1-based character
 * position where the offending field starts). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAP_REF_MAX 256
#define MAP_NAME_MAX 64
#define MAP_ADDR_MAX 256

enum map_col { MAP_COL_REF, MAP_COL_SOURCE, MAP_COL_ADDRESS, MAP_COL_SCALE, MAP_COL_OFFSET,
	       MAP_COL_DIRECTION, MAP_COL_SCAN, MAP_COL_TYPE, MAP_N_COLS };

#define MAP_DIR_R 0x01
#define MAP_DIR_W 0x02

struct map_row {
	uint32_t line;
	uint16_t col[MAP_N_COLS];	/* character column of each field (0: absent) */
	char ref[MAP_REF_MAX];		/* "LD/LN.DO.DA[FC]", LD by name (or inst) */
	char source[MAP_NAME_MAX];	/* source instance name */
	char address[MAP_ADDR_MAX];	/* the plugin's address, as written */
	double scale, offset;		/* model value = source value * scale + offset */
	bool scaled;			/* scale or offset given other than 1 / 0 */
	uint8_t dir;			/* MAP_DIR_* */
	char scan[MAP_NAME_MAX];	/* scan class; "" = default */
	char type[MAP_NAME_MAX];	/* the attribute's bType as the row claims it; "" = unchecked */
};

struct map {
	char file[256];
	size_t n;
	struct map_row *rows;
};

/* Column names as the header spells them. */
const char *map_col_name(enum map_col c);

/* Parses CSV text (the caller's) named `file` in messages. Returns 0 and
 * *out (the caller's, map_free), or -EINVAL / -ENOMEM with a message. An
 * empty map (header only) is valid. A UTF-8 byte order mark at the start
 * is skipped; a header separated by ';' is refused as such. */
int map_parse(const char *file, const char *text, size_t len, struct map **out, char *err,
	      size_t errlen);
/* Reads and parses a file. */
int map_load(const char *path, struct map **out, char *err, size_t errlen);
void map_free(struct map *m);
