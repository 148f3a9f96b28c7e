/* SPDX-License-Identifier: Apache-2.0 */
/* The buffer of one BRCB (IEC 61850-7-2 §17.2.4): the reports it would
 * have sent, kept as entries the report module resends from a client's
 * EntryID after a reconnection. Sans-I/O, one thread (the loop), no globals.
 *
 * An entry holds what one report carried, already encoded (each included
 * member's Data TLV and its reason for inclusion), so a resend needs no
 * model. Each entry is one allocation whose body has the stored form
 * below, which is also what the state files keep (doc/state-format.md):
 *
 *   n        u32 LE                 members included
 *   n times  index u32 LE, end u32 LE   end = (offset after this member's
 *                                   data in `data`) | reason << 24
 *   data     the members' Data TLVs, one after another
 *
 * so one member's data is at most 16 MiB less one octet, as is all of an
 * entry's data together.
 *
 * Limits (rpt_buf_cfg): max_entries entries and max_bytes octets of
 * entries (rpt_entry_size: header plus body, not the allocator's own
 * overhead); 0 means no limit of that kind. Adding an entry drops the
 * oldest ones while a limit would be exceeded; an entry larger than
 * max_bytes alone is kept alone. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One included member of an entry; `data` is the member's Data TLV. In
 * rpt_entry_member's output it points into the entry (valid while the
 * entry is held); given to rpt_buf_add/restore it is copied. */
struct rpt_member {
	uint32_t index;		/* member index in the data set */
	uint8_t reason;		/* ReasonCode bits, bit i = 1u << i (8-1 §17.2.3) */
	uint32_t len;
	const uint8_t *data;
};

/* Largest data of one entry (all members together). */
#define RPT_ENTRY_MAX_DATA ((1u << 24) - 1)
/* Most members of one entry (8-1 report's Inclusion of MMS_RPT_MAX_MEMBERS
 * would do; this is the storage limit). */
#define RPT_ENTRY_MAX_MEMBERS 65535u

struct rpt_entry;		/* opaque; stable pointer until dropped */
struct rpt_buf;
struct rpt_buf_cfg {
	uint32_t max_entries;	/* 0: no limit */
	size_t max_bytes;	/* 0: no limit */
};

/* A new empty buffer (counter 0), or NULL (out of memory). cfg is copied. */
struct rpt_buf *rpt_buf_new(const struct rpt_buf_cfg *cfg);
void rpt_buf_free(struct rpt_buf *b);

/* Appends an entry with the next EntryID (a 64-bit counter, 8 octets
 * big-endian on the wire, never 0: 7-2 reserves 0 for "no entry"), toe
 * its TimeOfEntry (binary-time, 6 octets). Drops the oldest entries while
 * the limits would be exceeded (*dropped = how many, may be NULL). The
 * members are copied. Returns the new entry, or NULL: out of memory, or
 * more than RPT_ENTRY_MAX_MEMBERS members or RPT_ENTRY_MAX_DATA octets
 * (nothing dropped then, the counter unchanged). */
const struct rpt_entry *rpt_buf_add(struct rpt_buf *b, const uint8_t toe[6],
				    const struct rpt_member *m, uint32_t n, uint32_t *dropped);

uint64_t rpt_entry_id(const struct rpt_entry *e);
/* The EntryID as 8-1 sends it: 8 octets, big-endian. */
void rpt_entry_id_octets(uint64_t id, uint8_t out[8]);
uint64_t rpt_entry_id_from_octets(const uint8_t in[8]);
const uint8_t *rpt_entry_toe(const struct rpt_entry *e);
uint32_t rpt_entry_n(const struct rpt_entry *e);
/* Member i (< rpt_entry_n) in O(1); out->data points into the entry. */
void rpt_entry_member(const struct rpt_entry *e, uint32_t i, struct rpt_member *out);
/* The entry's stored form (see above) and its length: what the state
 * files keep; rpt_buf_restore_body takes it back. */
const uint8_t *rpt_entry_body(const struct rpt_entry *e, size_t *len);
/* Octets the entry counts against max_bytes. */
size_t rpt_entry_size(const struct rpt_entry *e);

/* Oldest entry, next after e (NULL after the newest), newest; the entry
 * with id (O(log n)); NULL when there is none. All O(1) but find. */
const struct rpt_entry *rpt_buf_oldest(const struct rpt_buf *b);
const struct rpt_entry *rpt_buf_next(const struct rpt_buf *b, const struct rpt_entry *e);
const struct rpt_entry *rpt_buf_newest(const struct rpt_buf *b);
const struct rpt_entry *rpt_buf_find(const struct rpt_buf *b, uint64_t id);
/* A client's cursor: entries stay valid only while not dropped, so the
 * report module keeps the id of the last entry sent and asks for the first
 * entry with an id > `id` (NULL: none). O(log n). */
const struct rpt_entry *rpt_buf_after(const struct rpt_buf *b, uint64_t id);
/* Drops every entry (PurgeBuf, 7-2 §17.2.2.12); the counter stays. */
void rpt_buf_purge(struct rpt_buf *b);
uint32_t rpt_buf_count(const struct rpt_buf *b);
size_t rpt_buf_bytes(const struct rpt_buf *b);
/* The counter: the id of the last entry ever added (0: none yet). */
uint64_t rpt_buf_last_id(const struct rpt_buf *b);
/* Sets the counter; never below the newest entry held (clamped). */
void rpt_buf_set_last_id(struct rpt_buf *b, uint64_t id);
/* Re-inserts an entry read from disk: id must be > the newest held (and
 * the counter becomes at least id), != 0. Applies the limits as add does.
 * NULL: out of memory, or id or the members refused (as for add). */
const struct rpt_entry *rpt_buf_restore(struct rpt_buf *b, uint64_t id, const uint8_t toe[6],
					const struct rpt_member *m, uint32_t n);
/* As rpt_buf_restore, from the stored form (rpt_entry_body), which is
 * checked completely (it comes from a file): NULL also when it is not well
 * formed (lengths, ends not ascending, trailing octets). */
const struct rpt_entry *rpt_buf_restore_body(struct rpt_buf *b, uint64_t id,
					     const uint8_t toe[6], const uint8_t *body,
					     size_t len);

/* ---- persistence, as the report module sees it ----
 *
 * The daemon fills this from the state store (daemon/store/rptstore.h);
 * acsi never sees the store. NULL `struct rpt_persist *`: nothing is kept.
 * Keys name a BRCB: "<LDname>/<LN>$BR$<rcbname>". Every call returns at
 * once (the store writes on its own timer); errors of the disk are the
 * store's to report, so the calls that record return nothing. */

/* What a client wrote into a BRCB that outlives a restart. */
struct rpt_persist_cfg {
	char rpt_id[130];
	char datset[130];	/* ObjectReference as in DatSet */
	uint32_t conf_rev;	/* the current ConfRev */
	uint16_t opt_flds;	/* bit i = 8-1 OptFlds bit i */
	uint8_t trg_ops;	/* bit i = TrgOps bit i */
	uint32_t intg_pd, buf_tm;
	int16_t resv_tms;
	char owner[130];	/* identity of the reserving client, "" none */
	uint64_t entry_pos;	/* id of the last entry sent to the client (0 none) */
};

/* What load hands back besides the entries. */
struct rpt_persist_state {
	bool has_cfg;		/* cfg holds what was written; else use the SCL's */
	struct rpt_persist_cfg cfg;
	/* The last run ended without a clean stop: the first report must carry
	 * BufOvfl = true; the counter was moved on by 2^32 already. */
	bool unclean;
};

struct rpt_persist {
	void *ctx;
	/* At start, once per BRCB and before anything else for it: restores the
	 * entries held for `key` into the empty buffer b, sets b's counter and
	 * fills *st. scl_conf_rev is the ConfRev of the SCL: state kept under
	 * another one is discarded (and said so). 0, or negative errno (st is
	 * then empty and b may hold a part of the entries). */
	int (*load)(void *ctx, const char *key, uint32_t scl_conf_rev, struct rpt_buf *b,
		    struct rpt_persist_state *st);
	/* After rpt_buf_add. */
	void (*entry_added)(void *ctx, const char *key, const struct rpt_entry *e);
	/* Entries with id <= through_id are gone: after an add that dropped
	 * some (through = oldest id - 1), after PurgeBuf (through = counter). */
	void (*dropped)(void *ctx, const char *key, uint64_t through_id);
	/* After a client wrote any of the attributes in cfg. */
	void (*config)(void *ctx, const char *key, const struct rpt_persist_cfg *cfg);
	/* Client-defined persistent (domain-specific) data sets: ld "LD0",
	 * name "LLN0$DS1", members as object references "LD/LN.DO.DA[FC]". */
	void (*dataset_defined)(void *ctx, const char *ld, const char *name,
				const char *const *refs, uint32_t n);
	void (*dataset_deleted)(void *ctx, const char *ld, const char *name);
	/* At start, before the BRCBs' loads: each() for every data set kept,
	 * oldest definition first. A set that cannot be defined again (a
	 * member gone) should be passed to dataset_deleted. */
	void (*datasets)(void *ctx,
			 void (*each)(void *arg, const char *ld, const char *name,
				      const char *const *refs, uint32_t n),
			 void *arg);
};
