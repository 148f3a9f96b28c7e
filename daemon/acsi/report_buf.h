/* SPDX-License-Identifier: Apache-2.0 */
/* TEMP spec */
#pragma once
#include <stdint.h>
#include <stddef.h>
struct rpt_buf;
/* One buffered report entry (7-2 §17.2.4): what one report carried, encoded already, so a
 * resend needs no model. */
struct rpt_member { uint32_t index; uint8_t reason; uint32_t len; const uint8_t *data; };
struct rpt_entry;			/* opaque; stable pointer until dropped */
struct rpt_buf_cfg { uint32_t max_entries; size_t max_bytes; };
struct rpt_buf *rpt_buf_new(const struct rpt_buf_cfg *cfg);
void rpt_buf_free(struct rpt_buf *b);
/* Appends an entry with the next EntryID (64-bit counter, 8 octets big-endian on the wire;
 * never 0, which 7-2 reserves for "no entry"); drops the oldest entries while the limits
 * would be exceeded (*dropped = how many; an entry larger than max_bytes alone is still
 * kept alone). Returns the new entry, or NULL (-ENOMEM). */
const struct rpt_entry *rpt_buf_add(struct rpt_buf *b, const uint8_t toe[6],
				    const struct rpt_member *m, uint32_t n, uint32_t *dropped);
uint64_t rpt_entry_id(const struct rpt_entry *e);
const uint8_t *rpt_entry_toe(const struct rpt_entry *e);
uint32_t rpt_entry_n(const struct rpt_entry *e);
void rpt_entry_member(const struct rpt_entry *e, uint32_t i, struct rpt_member *out);
/* Oldest entry, next after e, newest; entry with id (O(log n) or O(1)), NULL when not held. */
const struct rpt_entry *rpt_buf_oldest(const struct rpt_buf *b);
const struct rpt_entry *rpt_buf_next(const struct rpt_buf *b, const struct rpt_entry *e);
const struct rpt_entry *rpt_buf_newest(const struct rpt_buf *b);
const struct rpt_entry *rpt_buf_find(const struct rpt_buf *b, uint64_t id);
/* A client's cursor: entries after `e` stay valid only while not dropped; the report
 * module keeps the next entry's id, not a pointer, and asks rpt_buf_after(b, id):
 * the first entry with id > `id` (NULL: none). */
const struct rpt_entry *rpt_buf_after(const struct rpt_buf *b, uint64_t id);
void rpt_buf_purge(struct rpt_buf *b);
uint32_t rpt_buf_count(const struct rpt_buf *b);
size_t rpt_buf_bytes(const struct rpt_buf *b);
uint64_t rpt_buf_last_id(const struct rpt_buf *b);   /* the counter, for persistence */
void rpt_buf_set_last_id(struct rpt_buf *b, uint64_t id);
/* Re-inserts an entry read from disk (ids ascending, > the newest held) */
const struct rpt_entry *rpt_buf_restore(struct rpt_buf *b, uint64_t id, const uint8_t toe[6],
					const struct rpt_member *m, uint32_t n);

struct rpt_persist;
