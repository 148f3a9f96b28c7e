/* SPDX-License-Identifier: Apache-2.0 */
/* An open-addressing hash table from byte-string keys to pointers, for the
 * SCL loader's indexes (template ids, shared type nodes). Linear probing,
 * FNV-1a, grows at 3/4 load; no deletion (the loader never needs it).
 *
 * Ownership: the table copies neither keys nor values; a key must stay
 * valid and unchanged while it is in the table. Thread: the caller's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strhash_slot {
	const void *key;	/* NULL: empty */
	size_t len;
	uint32_t hash;
	void *val;
};

struct strhash {
	struct strhash_slot *slots;
	uint32_t cap;		/* power of two, or 0 */
	uint32_t n;
};

static inline void strhash_init(struct strhash *h)
{
	h->slots = NULL;
	h->cap = 0;
	h->n = 0;
}
void strhash_clear(struct strhash *h);
/* The value stored under key[len], or NULL. */
void *strhash_get(const struct strhash *h, const void *key, size_t len);
/* Stores `val` under key[len] unless the key is present. Returns 0 when
 * stored, 1 when the key was already there (*old = its value, nothing
 * changed), -ENOMEM. */
int strhash_put(struct strhash *h, const void *key, size_t len, void *val, void **old);
