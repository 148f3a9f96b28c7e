/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer with head room, for encoders.
 *
 * Encoders append at the tail; protocol wrappers prepend their headers into
 * the head room so a response is framed without copying. Errors are sticky:
 * after an allocation failure or when `limit` would be exceeded every later
 * call is a no-op and `err` holds the first negative errno, so an encoder
 * checks once at the end. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t *base;	/* owned; NULL until first use */
	size_t head;	/* offset of the first byte of data */
	size_t len;	/* bytes of data */
	size_t cap;	/* bytes allocated at base */
	size_t limit;	/* max data length, 0 = unlimited */
	int err;	/* 0 or first negative errno (-ENOMEM, -EMSGSIZE) */
};

/* Sets up an empty buffer that keeps `headroom` bytes in front of the data.
 * No allocation until the first write. */
void buf_init(struct buf *b, size_t headroom, size_t limit);
/* Frees the storage; the buffer may be initialised again. */
void buf_clear(struct buf *b);
/* Empties the buffer (keeps storage), with fresh head room; clears err. */
void buf_reset(struct buf *b, size_t headroom);

/* The data; never NULL (an empty, never-written buffer gives a pointer to a
 * zero octet), so callers may pass it to memcpy with a length of 0. */
static inline uint8_t *buf_data(const struct buf *b)
{
	static uint8_t empty;
	return b->base ? b->base + b->head : &empty;
}

/* Slow path of buf_reserve: grows the storage. */
uint8_t *buf_reserve_grow(struct buf *b, size_t n);

/* Makes room for `n` more bytes at the tail; returns a pointer to them
 * (not yet counted in len) or NULL with err set. Inline: encoders call it
 * for every TLV, and the common case is one comparison. */
static inline uint8_t *buf_reserve(struct buf *b, size_t n)
{
	if (!b->err && b->head + b->len + n <= b->cap && (!b->limit || b->len + n <= b->limit))
		return b->base + b->head + b->len;
	return buf_reserve_grow(b, n);
}

/* Appends bytes; returns 0 or b->err. */
static inline int buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *d = buf_reserve(b, n);
	if (!d)
		return b->err;
	if (n)
		memcpy(d, p, n);
	b->len += n;
	return 0;
}

static inline int buf_put_u8(struct buf *b, uint8_t v)
{
	uint8_t *d = buf_reserve(b, 1);
	if (!d)
		return b->err;
	*d = v;
	b->len++;
	return 0;
}
/* Claims `n` bytes of head room in front of the data; returns a pointer to
 * them or NULL (err = -ENOSPC) when the head room is too small. */
uint8_t *buf_prepend(struct buf *b, size_t n);
/* Inserts `n` bytes at data offset `off`, moving the rest up; returns a
 * pointer to the gap or NULL with err set. */
uint8_t *buf_insert(struct buf *b, size_t off, size_t n);
