/* SPDX-License-Identifier: Apache-2.0 */
/* A bump allocator for the model: every type node, name, component table
 * and type description of one loaded model lives in one arena and is freed
 * with it. Allocation is O(1); nothing is freed on its own.
 *
 * Ownership: the arena owns its chunks; arena_clear frees them all.
 * Thread: the caller's (no locking). */
#pragma once
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;	/* newest chunk first */
	size_t used;			/* bytes handed out (statistics) */
};

static inline void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
}
/* Frees every chunk; the arena may be used again. */
void arena_clear(struct arena *a);
/* `n` bytes aligned for any scalar, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* As arena_alloc, zero-filled. */
void *arena_zalloc(struct arena *a, size_t n);
/* NUL-terminated copy of s[len] (s need not be terminated). */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
void *arena_memdup(struct arena *a, const void *p, size_t n);
