/* SPDX-License-Identifier: Apache-2.0 */
#include "buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t headroom, size_t limit)
{
	*b = (struct buf){ .head = headroom, .limit = limit };
}

void buf_clear(struct buf *b)
{
	free(b->base);
	*b = (struct buf){ 0 };
}

void buf_reset(struct buf *b, size_t headroom)
{
	b->head = headroom;
	b->len = 0;
	b->err = 0;
}

uint8_t *buf_reserve_grow(struct buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->limit && b->len + n > b->limit) {
		b->err = -EMSGSIZE;
		return NULL;
	}
	size_t need = b->head + b->len + n;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap *= 2;
		uint8_t *p = realloc(b->base, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->base = p;
		b->cap = cap;
	}
	return b->base + b->head + b->len;
}

uint8_t *buf_prepend(struct buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > b->head || !b->base) {
		b->err = -ENOSPC;
		return NULL;
	}
	b->head -= n;
	b->len += n;
	return b->base + b->head;
}

uint8_t *buf_insert(struct buf *b, size_t off, size_t n)
{
	if (!buf_reserve(b, n))
		return NULL;
	uint8_t *d = buf_data(b);
	memmove(d + off + n, d + off, b->len - off);
	b->len += n;
	return d + off;
}
