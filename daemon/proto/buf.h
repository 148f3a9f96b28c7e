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

/* Makes room for `n` more bytes at the tail; returns a pointer to them
 * (not yet counted in len) or NULL with err set. */
uint8_t *buf_reserve(struct buf *b, size_t n);
/* Appends bytes; returns 0 or b->err. */
int buf_put(struct buf *b, const void *p, size_t n);
int buf_put_u8(struct buf *b, uint8_t v);
/* Claims `n` bytes of head room in front of the data; returns a pointer to
 * them or NULL (err = -ENOSPC) when the head room is too small. */
uint8_t *buf_prepend(struct buf *b, size_t n);
/* Inserts `n` bytes at data offset `off`, moving the rest up; returns a
 * pointer to the gap or NULL with err set. */
uint8_t *buf_insert(struct buf *b, size_t off, size_t n);
