/* SPDX-License-Identifier: Apache-2.0 */
/* Per-address backoff after authentication failures (admit.h). */
#include "admit.h"

#include <string.h>

void admit_init(struct admit *a, const struct admit_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	if (a->cfg.max_ms < a->cfg.base_ms)
		a->cfg.max_ms = a->cfg.base_ms;
}

static struct admit_slot *find(struct admit *a, const uint8_t *addr, size_t len)
{
	if (len != 4 && len != 16)
		return NULL;
	for (size_t i = 0; i < ADMIT_SLOTS; i++)
		if (a->slot[i].len == len && !memcmp(a->slot[i].addr, addr, len))
			return &a->slot[i];
	return NULL;
}

/* A slot for addr: a free one, else the one idle longest among those
 * without pending connections (their counts must stay); NULL when none. */
static struct admit_slot *take_slot(struct admit *a, const uint8_t *addr, size_t len)
{
	struct admit_slot *s = NULL;
	for (size_t i = 0; i < ADMIT_SLOTS; i++) {
		struct admit_slot *c = &a->slot[i];
		if (!c->len) {
			s = c;
			break;
		}
		if (!c->pending && (!s || c->last < s->last))
			s = c;
	}
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, addr, len);
	s->len = (uint8_t)len;
	return s;
}

bool admit_check(struct admit *a, const uint8_t *addr, size_t len, uint64_t now,
		 unsigned *retry_ms)
{
	struct admit_slot *s = find(a, addr, len);
	if (!s || now >= s->until)
		return true;
	if (retry_ms)
		*retry_ms = (unsigned)((s->until - now + 999) / 1000);
	a->refused++;
	return false;
}

unsigned admit_failed(struct admit *a, const uint8_t *addr, size_t len, uint64_t now)
{
	if (!a->cfg.failures || (len != 4 && len != 16))
		return 0;
	struct admit_slot *s = find(a, addr, len);
	if (!s && !(s = take_slot(a, addr, len)))
		return 0;
	s->last = now;
	if (s->fails < UINT32_MAX)
		s->fails++;
	if (s->fails < a->cfg.failures)
		return 0;
	/* base, 2 base, 4 base, ... up to max */
	uint64_t ms = a->cfg.base_ms;
	for (uint32_t k = s->fails - a->cfg.failures; k && ms < a->cfg.max_ms; k--)
		ms *= 2;
	if (ms > a->cfg.max_ms)
		ms = a->cfg.max_ms;
	s->until = now + ms * 1000;
	return (unsigned)ms;
}

void admit_succeeded(struct admit *a, const uint8_t *addr, size_t len)
{
	struct admit_slot *s = find(a, addr, len);
	if (!s)
		return;
	s->fails = 0;
	s->until = 0;
	if (!s->pending)
		memset(s, 0, sizeof(*s));
}

bool admit_pending_add(struct admit *a, const uint8_t *addr, size_t len, uint64_t now,
		       bool *counted)
{
	*counted = false;
	if (!a->cfg.pending_max || (len != 4 && len != 16))
		return true;
	struct admit_slot *s = find(a, addr, len);
	if (!s && !(s = take_slot(a, addr, len)))
		return true;
	if (s->pending >= a->cfg.pending_max) {
		a->refused_pending++;
		return false;
	}
	s->pending++;
	s->last = now;
	*counted = true;
	return true;
}

void admit_pending_done(struct admit *a, const uint8_t *addr, size_t len)
{
	struct admit_slot *s = find(a, addr, len);
	if (!s || !s->pending)
		return;
	if (!--s->pending && !s->fails && !s->until)
		memset(s, 0, sizeof(*s));
}
