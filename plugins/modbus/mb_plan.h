/* SPDX-License-Identifier: Apache-2.0 */
/* Batching of Modbus reads: sans-I/O.
 *
 * A read batch from iedd becomes as few requests as the limits allow: the
 * points are sorted by table and address, and neighbours of one table merge
 * into one request when the gap between them is small and the request
 * stays within the per-request limit. Overlapping points (a u32 and its low
 * word as u16, or one point mapped twice) share a request.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mb_plan_item {
	uint8_t table;		/* enum mb_table */
	uint8_t width;		/* registers (or 1 bit) */
	bool solo;		/* read in a request of its own */
	uint16_t addr;
	size_t index;		/* caller's: position in the read batch */
};

struct mb_plan_limits {
	uint16_t max_regs;	/* registers per request, 1..125 */
	uint16_t max_bits;	/* bits per request, 1..2000 */
	uint16_t gap_regs;	/* unused registers a request may span to merge */
	uint16_t gap_bits;	/* unused bits a request may span to merge */
};

/* One request: items[first .. first + n - 1] (after sorting) in table
 * `table`, addresses start .. start + count - 1. */
struct mb_req {
	uint8_t table;
	uint16_t start;
	uint16_t count;
	size_t first;
	size_t n;
};

/* Sorts items[0 .. n-1] in place by table and address and fills reqs with
 * the requests that read them all; reqs must have room for n entries.
 * Returns the number of requests. An item wider than the limit (the caller
 * prevents it) gets a request of its own width. */
size_t mb_plan(struct mb_plan_item *items, size_t n, const struct mb_plan_limits *lim,
	       struct mb_req *reqs);
