/* SPDX-License-Identifier: Apache-2.0 */
#include "strhash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t fnv1a(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

void strhash_clear(struct strhash *h)
{
	free(h->slots);
	strhash_init(h);
}

static struct strhash_slot *probe(const struct strhash_slot *slots, uint32_t cap,
				  const void *key, size_t len, uint32_t hash)
{
	uint32_t mask = cap - 1;

	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		const struct strhash_slot *s = &slots[i];
		if (!s->key || (s->hash == hash && s->len == len && !memcmp(s->key, key, len)))
			return (struct strhash_slot *)s;
	}
}

void *strhash_get(const struct strhash *h, const void *key, size_t len)
{
	if (!h->cap)
		return NULL;
	const struct strhash_slot *s = probe(h->slots, h->cap, key, len, fnv1a(key, len));
	return s->key ? s->val : NULL;
}

static int grow(struct strhash *h)
{
	uint32_t cap = h->cap ? h->cap * 2 : 64;
	if (cap < h->cap)
		return -ENOMEM;
	struct strhash_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->cap; i++) {
		const struct strhash_slot *s = &h->slots[i];
		if (s->key)
			*probe(slots, cap, s->key, s->len, s->hash) = *s;
	}
	free(h->slots);
	h->slots = slots;
	h->cap = cap;
	return 0;
}

int strhash_put(struct strhash *h, const void *key, size_t len, void *val, void **old)
{
	if ((uint64_t)(h->n + 1) * 4 > (uint64_t)h->cap * 3) {
		int r = grow(h);
		if (r)
			return r;
	}
	uint32_t hash = fnv1a(key, len);
	struct strhash_slot *s = probe(h->slots, h->cap, key, len, hash);
	if (s->key) {
		if (old)
			*old = s->val;
		return 1;
	}
	*s = (struct strhash_slot){ .key = key, .len = len, .hash = hash, .val = val };
	h->n++;
	return 0;
}
