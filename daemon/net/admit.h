/* SPDX-License-Identifier: Apache-2.0 */
/* Backoff after authentication failures, and a cap on connections not yet
 * associated, per source address (IEC 62351-4
 * leaves the policy to the server): once an address has failed `failures`
 * associations in a row (a wrong or missing ACSE password, an AP-title of
 * no expected client), its next connections are refused at accept for a
 * while that starts at base_ms and doubles with each further failure, up to
 * max_ms; an association that succeeds from it forgets it. A password can
 * then be guessed at a few tries a minute, not thousands a second, and an
 * honest client that mistypes once is never held up.
 *
 * Sans I/O: every call takes `now` (microseconds of any monotonic clock), so
 * tests run on a fake one. A fixed table of ADMIT_SLOTS addresses; when it is
 * full the entry idle longest gives way (a flood of addresses can only make
 * iedd forget, never refuse an address that has not failed). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADMIT_SLOTS 256

struct admit_cfg {
	unsigned failures;	/* failures before the backoff starts; 0 = never */
	unsigned base_ms;	/* the first backoff */
	unsigned max_ms;	/* the longest */
	unsigned pending_max;	/* connections from one address not associated yet; 0 = no limit */
};

struct admit_slot {
	uint8_t addr[16];
	uint8_t len;		/* 4 or 16; 0 = free */
	uint32_t fails;		/* in a row */
	uint64_t until;		/* refused before this (µs) */
	uint64_t last;		/* last failure or connection (µs), for replacement */
	uint32_t pending;	/* its connections not associated yet */
};

struct admit {
	struct admit_cfg cfg;
	struct admit_slot slot[ADMIT_SLOTS];
	uint64_t refused;	/* connections refused in backoff, for the status page */
	uint64_t refused_pending;	/* refused for pending_max */
};

void admit_init(struct admit *a, const struct admit_cfg *cfg);
/* At accept: true when `addr` (len 4 or 16 octets) may connect now; false
 * in backoff, with *retry_ms (may be NULL) the time left. */
bool admit_check(struct admit *a, const uint8_t *addr, size_t len, uint64_t now,
		 unsigned *retry_ms);
/* An association from `addr` was refused for authentication; returns the
 * backoff it now has in ms (0: none yet). */
unsigned admit_failed(struct admit *a, const uint8_t *addr, size_t len, uint64_t now);
/* An association from `addr` authenticated: its failures are forgotten. */
void admit_succeeded(struct admit *a, const uint8_t *addr, size_t len);

/* The cap on connections per address that have not associated yet (a TCP
 * connection in its TLS handshake, or before its AARQ is accepted): at
 * accept, false when `addr` has pending_max such already (then it is
 * refused; nothing is counted). True otherwise, with *counted telling
 * whether the connection was counted: it is not when pending_max is 0 or
 * every slot holds an address with pending connections (a flood of
 * addresses then goes uncounted rather than refused). A counted one calls
 * admit_pending_done once, when it associates or closes. */
bool admit_pending_add(struct admit *a, const uint8_t *addr, size_t len, uint64_t now,
		       bool *counted);
void admit_pending_done(struct admit *a, const uint8_t *addr, size_t len);
