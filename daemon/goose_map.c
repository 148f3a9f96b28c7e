/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE inputs in the CSV map (goose_map.h).
 *
 * Row syntax: reference = the target in the served model (a basic
 * attribute or a whole data object), source = goose, address =
 * GOCBREF:APPID:MEMBER, e.g. "PUB1LD0/LLN0$GO$gcb1:1000:2": the frames of
 * gocbRef PUB1LD0/LLN0$GO$gcb1 with APPID 0x1000 (hexadecimal, 0x
 * optional), their member 2 (0-based, in allData order). direction r
 * (the default) only; no scale or offset (the value is stored as the
 * frame carries it). */
#include "goose_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gse.h"
#include "map.h"
#include "model.h"

static bool parse_u(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	if (!*s)
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || *end || v > max || *s == '-' || *s == '+' || *s == ' ')
		return false;
	*out = v;
	return true;
}

/* "GOCBREF:APPID:MEMBER" */
static int parse_addr(const char *a, char *ref, size_t n, uint16_t *appid, uint32_t *member)
{
	const char *c2 = strrchr(a, ':');
	if (!c2)
		return -EINVAL;
	const char *c1 = c2;
	while (c1 > a && c1[-1] != ':')
		c1--;
	if (c1 == a)
		return -EINVAL;
	c1--; /* the ':' before APPID */
	size_t rl = (size_t)(c1 - a);
	char ap[16];
	size_t al = (size_t)(c2 - c1 - 1);
	if (!rl || rl >= n || !al || al >= sizeof(ap))
		return -EINVAL;
	memcpy(ref, a, rl);
	ref[rl] = '\0';
	memcpy(ap, c1 + 1, al);
	ap[al] = '\0';
	const char *hex = (ap[0] == '0' && (ap[1] == 'x' || ap[1] == 'X')) ? ap + 2 : ap;
	unsigned long v, mem;
	if (!parse_u(hex, 16, 0xFFFF, &v) || !parse_u(c2 + 1, 10, 100000, &mem))
		return -EINVAL;
	*appid = (uint16_t)v;
	*member = (uint32_t)mem;
	return 0;
}

/* FNV-1a 64 over s and its NUL, continuing from h. */
static uint64_t fnv(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	} while (*s++);
	return h;
}

int goose_map_take(struct model *m, struct map *map, bool simulated, bool subscribe,
		   size_t *n_taken, uint64_t *sig, char *err, size_t errlen)
{
	size_t w = 0, taken = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	char why[512];
	for (size_t i = 0; i < map->n; i++) {
		struct map_row *r = &map->rows[i];
		if (strcmp(r->source, GOOSE_MAP_SOURCE)) {
			map->rows[w++] = *r;
			continue;
		}
		char gref[140];
		uint16_t appid;
		uint32_t member;
		if (parse_addr(r->address, gref, sizeof(gref), &appid, &member)) {
			snprintf(err, errlen,
				 "%s:%u:%u: goose address '%s': expected GOCBREF:APPID:MEMBER, e.g."
				 " IED1LD0/LLN0$GO$gcb1:1000:0 (APPID hexadecimal, MEMBER the"
				 " 0-based index in the data set)",
				 map->file, (unsigned)r->line, (unsigned)r->col[MAP_COL_ADDRESS],
				 r->address);
			return -EINVAL;
		}
		if (r->dir != MAP_DIR_R || r->scaled) {
			snprintf(err, errlen,
				 "%s:%u: a goose row is read-only and unscaled (direction r, no scale"
				 " or offset): the value is stored as the frame carries it",
				 map->file, (unsigned)r->line);
			return -EINVAL;
		}
		h = fnv(fnv(h, r->ref), r->address);
		int rc = subscribe ? model_goose_map_input(m, r->ref, gref, appid, member, r->line,
							   why, sizeof(why)) :
				     0;
		if (rc) {
			snprintf(err, errlen, "%s:%u:%u: %s", map->file, (unsigned)r->line,
				 (unsigned)r->col[rc == -EINVAL && strchr(why, '\'') == why ?
						  MAP_COL_REF : MAP_COL_ADDRESS],
				 why);
			return rc;
		}
		taken++;
	}
	map->n = w;
	/* rows of sources that would overwrite what GOOSE delivers */
	w = 0;
	for (size_t i = 0; i < map->n; i++) {
		struct map_row *r = &map->rows[i];
		struct mref x;
		if (!model_resolve_ref(m, r->ref, &x) && model_goose_input_at(m, x.voff, x.type->size)) {
			if (simulated)
				continue;
			snprintf(err, errlen,
				 "%s:%u:%u: %s is the target of a GOOSE input (an ExtRef intAddr or"
				 " a goose row): a source may not write it too; remove the row",
				 map->file, (unsigned)r->line, (unsigned)r->col[MAP_COL_REF], r->ref);
			return -EINVAL;
		}
		map->rows[w++] = *r;
	}
	map->n = w;
	if (n_taken)
		*n_taken = taken;
	if (sig)
		*sig = taken ? h : 0;
	return 0;
}
