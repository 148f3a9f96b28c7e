/* SPDX-License-Identifier: Apache-2.0 */
#include "report_buf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* One allocation per entry: this header, then the body in its stored form
 * (report_buf.h). pos is the entry's place in the sequence of all entries
 * ever held, so next() is O(1) through the ring of pointers. */
struct rpt_entry {
	uint64_t id;
	uint64_t pos;
	uint32_t body_len;
	uint8_t toe[6];
	uint8_t body[];
};

#define ENTRY_HDR offsetof(struct rpt_entry, body)

struct rpt_buf {
	struct rpt_buf_cfg cfg;
	struct rpt_entry **ring;	/* cap slots, a power of two */
	uint32_t cap;
	uint32_t count;
	uint64_t head_pos;		/* pos of the oldest entry */
	size_t bytes;
	uint64_t last_id;
};

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

struct rpt_buf *rpt_buf_new(const struct rpt_buf_cfg *cfg)
{
	struct rpt_buf *b = calloc(1, sizeof(*b));
	if (b)
		b->cfg = *cfg;
	return b;
}

void rpt_buf_free(struct rpt_buf *b)
{
	if (!b)
		return;
	rpt_buf_purge(b);
	free(b->ring);
	free(b);
}

static struct rpt_entry *at(const struct rpt_buf *b, uint64_t pos)
{
	return b->ring[pos & (b->cap - 1)];
}

static void drop_oldest(struct rpt_buf *b)
{
	struct rpt_entry *e = at(b, b->head_pos);
	b->bytes -= ENTRY_HDR + e->body_len;
	b->ring[b->head_pos & (b->cap - 1)] = NULL;
	b->head_pos++;
	b->count--;
	free(e);
}

/* Room for `need` entries in the ring; 0 or -1 (out of memory). */
static int reserve(struct rpt_buf *b, uint32_t need)
{
	if (need <= b->cap)
		return 0;
	uint32_t cap = b->cap ? b->cap : 16;
	while (cap < need) {
		if (cap > UINT32_MAX / 2)
			return -1;
		cap *= 2;
	}
	struct rpt_entry **ring = calloc(cap, sizeof(*ring));
	if (!ring)
		return -1;
	for (uint32_t k = 0; k < b->count; k++) {
		uint64_t pos = b->head_pos + k;
		ring[pos & (cap - 1)] = at(b, pos);
	}
	free(b->ring);
	b->ring = ring;
	b->cap = cap;
	return 0;
}

/* Makes room for e (drops the oldest while a limit would be exceeded) and
 * appends it. NULL (e freed) when the ring cannot grow. */
static const struct rpt_entry *append(struct rpt_buf *b, struct rpt_entry *e, uint32_t *dropped)
{
	size_t size = ENTRY_HDR + e->body_len;
	uint32_t n_drop = 0;
	bool full = b->cfg.max_entries && b->count >= b->cfg.max_entries;
	if (reserve(b, full ? b->count : b->count + 1)) {
		free(e);
		if (dropped)
			*dropped = 0;
		return NULL;
	}
	while (b->count &&
	       ((b->cfg.max_entries && b->count >= b->cfg.max_entries) ||
		(b->cfg.max_bytes && b->bytes + size > b->cfg.max_bytes))) {
		drop_oldest(b);
		n_drop++;
	}
	e->pos = b->head_pos + b->count;
	b->ring[e->pos & (b->cap - 1)] = e;
	b->count++;
	b->bytes += size;
	if (e->id > b->last_id)
		b->last_id = e->id;
	if (dropped)
		*dropped = n_drop;
	return e;
}

static struct rpt_entry *entry_from_members(uint64_t id, const uint8_t toe[6],
					    const struct rpt_member *m, uint32_t n)
{
	if (n > RPT_ENTRY_MAX_MEMBERS)
		return NULL;
	size_t data = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (m[i].len > RPT_ENTRY_MAX_DATA - data)
			return NULL;
		data += m[i].len;
	}
	size_t body = 4 + 8 * (size_t)n + data;
	struct rpt_entry *e = malloc(ENTRY_HDR + body);
	if (!e)
		return NULL;
	e->id = id;
	e->body_len = (uint32_t)body;
	memcpy(e->toe, toe, 6);
	put_le32(e->body, n);
	uint8_t *d = e->body + 4 + 8 * (size_t)n;
	uint32_t end = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (m[i].len)
			memcpy(d + end, m[i].data, m[i].len);
		end += m[i].len;
		put_le32(e->body + 4 + 8 * (size_t)i, m[i].index);
		put_le32(e->body + 8 + 8 * (size_t)i, end | (uint32_t)m[i].reason << 24);
	}
	return e;
}

const struct rpt_entry *rpt_buf_add(struct rpt_buf *b, const uint8_t toe[6],
				    const struct rpt_member *m, uint32_t n, uint32_t *dropped)
{
	if (dropped)
		*dropped = 0;
	if (b->last_id == UINT64_MAX)
		return NULL;	/* 2^64 entries: not in this universe */
	struct rpt_entry *e = entry_from_members(b->last_id + 1, toe, m, n);
	if (!e)
		return NULL;
	return append(b, e, dropped);
}

uint64_t rpt_entry_id(const struct rpt_entry *e)
{
	return e->id;
}

void rpt_entry_id_octets(uint64_t id, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)id;
		id >>= 8;
	}
}

uint64_t rpt_entry_id_from_octets(const uint8_t in[8])
{
	uint64_t id = 0;
	for (int i = 0; i < 8; i++)
		id = id << 8 | in[i];
	return id;
}

const uint8_t *rpt_entry_toe(const struct rpt_entry *e)
{
	return e->toe;
}

uint32_t rpt_entry_n(const struct rpt_entry *e)
{
	return get_le32(e->body);
}

void rpt_entry_member(const struct rpt_entry *e, uint32_t i, struct rpt_member *out)
{
	uint32_t n = get_le32(e->body);
	assert(i < n);
	const uint8_t *desc = e->body + 4 + 8 * (size_t)i;
	uint32_t w = get_le32(desc + 4);
	uint32_t end = w & RPT_ENTRY_MAX_DATA;
	uint32_t start = i ? get_le32(desc - 4) & RPT_ENTRY_MAX_DATA : 0;
	out->index = get_le32(desc);
	out->reason = (uint8_t)(w >> 24);
	out->len = end - start;
	out->data = e->body + 4 + 8 * (size_t)n + start;
}

const uint8_t *rpt_entry_body(const struct rpt_entry *e, size_t *len)
{
	*len = e->body_len;
	return e->body;
}

size_t rpt_entry_size(const struct rpt_entry *e)
{
	return ENTRY_HDR + e->body_len;
}

const struct rpt_entry *rpt_buf_oldest(const struct rpt_buf *b)
{
	return b->count ? at(b, b->head_pos) : NULL;
}

const struct rpt_entry *rpt_buf_newest(const struct rpt_buf *b)
{
	return b->count ? at(b, b->head_pos + b->count - 1) : NULL;
}

const struct rpt_entry *rpt_buf_next(const struct rpt_buf *b, const struct rpt_entry *e)
{
	uint64_t pos = e->pos + 1;
	return pos < b->head_pos + b->count ? at(b, pos) : NULL;
}

/* Offset (0..count) of the first entry with an id > id: ids ascend. */
static uint32_t upper_bound(const struct rpt_buf *b, uint64_t id)
{
	uint32_t lo = 0, hi = b->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (at(b, b->head_pos + mid)->id <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rpt_entry *rpt_buf_find(const struct rpt_buf *b, uint64_t id)
{
	uint32_t k = upper_bound(b, id);
	if (!k)
		return NULL;
	const struct rpt_entry *e = at(b, b->head_pos + k - 1);
	return e->id == id ? e : NULL;
}

const struct rpt_entry *rpt_buf_after(const struct rpt_buf *b, uint64_t id)
{
	uint32_t k = upper_bound(b, id);
	return k < b->count ? at(b, b->head_pos + k) : NULL;
}

void rpt_buf_purge(struct rpt_buf *b)
{
	while (b->count)
		drop_oldest(b);
}

uint32_t rpt_buf_count(const struct rpt_buf *b)
{
	return b->count;
}

size_t rpt_buf_bytes(const struct rpt_buf *b)
{
	return b->bytes;
}

uint64_t rpt_buf_last_id(const struct rpt_buf *b)
{
	return b->last_id;
}

void rpt_buf_set_last_id(struct rpt_buf *b, uint64_t id)
{
	const struct rpt_entry *newest = rpt_buf_newest(b);
	b->last_id = newest && newest->id > id ? newest->id : id;
}

static bool restore_ok(const struct rpt_buf *b, uint64_t id)
{
	const struct rpt_entry *newest = rpt_buf_newest(b);
	return id && (!newest || id > newest->id);
}

const struct rpt_entry *rpt_buf_restore(struct rpt_buf *b, uint64_t id, const uint8_t toe[6],
					const struct rpt_member *m, uint32_t n)
{
	if (!restore_ok(b, id))
		return NULL;
	struct rpt_entry *e = entry_from_members(id, toe, m, n);
	return e ? append(b, e, NULL) : NULL;
}

const struct rpt_entry *rpt_buf_restore_body(struct rpt_buf *b, uint64_t id,
					     const uint8_t toe[6], const uint8_t *body,
					     size_t len)
{
	if (!restore_ok(b, id) || len < 4)
		return NULL;
	uint32_t n = get_le32(body);
	if (n > RPT_ENTRY_MAX_MEMBERS || len - 4 < 8 * (size_t)n)
		return NULL;
	size_t data = len - 4 - 8 * (size_t)n;
	if (data > RPT_ENTRY_MAX_DATA)
		return NULL;
	uint32_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t end = get_le32(body + 8 + 8 * (size_t)i) & RPT_ENTRY_MAX_DATA;
		if (end < prev)
			return NULL;
		prev = end;
	}
	if (prev != data)
		return NULL;
	struct rpt_entry *e = malloc(ENTRY_HDR + len);
	if (!e)
		return NULL;
	e->id = id;
	e->body_len = (uint32_t)len;
	memcpy(e->toe, toe, 6);
	memcpy(e->body, body, len);
	return append(b, e, NULL);
}
