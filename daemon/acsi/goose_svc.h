/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE (IEC 61850-7-2 §15, mapped per IEC 61850-8-1 §18 and Annex C):
 * the publisher of every GoCB of the model (model/gse.h, struct mgocb)
 * and the subscriber of every subscription (struct mgoose_sub). Sans I/O
 * like the rest of acsi: time and timers are the caller's (struct
 * acsi_clock, report.h), frames leave through the caller's `send` and
 * arrive through acsi_gsub_receive. net/goose_eth.c does the Ethernet.
 * Event-loop thread only. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "model.h"
#include "report.h"	/* struct acsi_clock */

/* ---- publisher (goose_pub.c) ---- */

struct acsi_gpub_io {
	/* Sends one frame (destination MAC first, no FCS). Returns 0 or a
	 * negative errno (counted in the stats; publishing goes on). */
	int (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* Events are pending: call acsi_gpub_flush soon, once the current
	 * callback returns and ahead of MMS work (net: an event of the
	 * highest priority made active). NULL: the caller flushes itself. */
	void (*wake)(void *ctx);
	void *ctx;
	uint8_t src_mac[6];	/* the interface's address, the frames' source */
};

struct acsi_gpub;

/* Creates a publisher for every GoCB of `m` that has an address and a
 * data set; the frame of each is encoded and checked against the frame
 * limit here (an error then: -EMSGSIZE with err naming the GoCB, its
 * file:line and the size). GoEna starts true (publishing begins with
 * acsi_gpub_start). `clk` and `io` are copied. Returns 0 with *out, or a
 * negative errno with err[errlen]. */
int acsi_gpub_new(struct model *m, const struct acsi_clock *clk, const struct acsi_gpub_io *io,
		  struct acsi_gpub **out, char *err, size_t errlen);
/* Cancels the timers, frees everything. NULL: no-op. */
void acsi_gpub_free(struct acsi_gpub *p);
/* Sends the first frame (stNum 1, sqNum 0) of every enabled GoCB and arms
 * its retransmission. */
void acsi_gpub_start(struct acsi_gpub *p);
/* Sends the events collected since the last flush: every GoCB whose data
 * set changed takes one new stNum, however many changes it saw. */
void acsi_gpub_flush(struct acsi_gpub *p);
/* SetDataValues of an attribute under FC GO (data access's write slot);
 * returns like acsi_write_fn (data_access.h). */
int acsi_gpub_write(struct acsi_gpub *p, const struct mref *ref, const struct mtype *t,
		    uint32_t voff, const struct ber_cur *parent, const struct ber_tlv *data);
/* Whether a GoCB names `ds` (then it must not be deleted). */
bool acsi_gpub_uses_dataset(const struct acsi_gpub *p, const struct mdataset *ds);

struct acsi_gpub_stats {
	uint64_t frames;	/* sent */
	uint64_t send_errors;
	uint64_t events;	/* new stNums */
	/* From a change of a member (the observer's end of the update) to its
	 * frame leaving `send`, per event flushed: count, and the median, 99th
	 * percentile and maximum in µs of the clock (1 µs resolution; above
	 * 2 ms only the maximum is exact). */
	uint64_t lat_n;
	uint32_t lat_p50_us, lat_p99_us, lat_max_us;
};
void acsi_gpub_stats(const struct acsi_gpub *p, struct acsi_gpub_stats *out);

/* ---- subscriber (goose_sub.c) ---- */

struct acsi_gsub;

/* Creates the subscriber for every subscription of `m`
 * (model_n_goose_subs). The TAL timers are `clk`'s. Returns NULL on out of
 * memory (no subscription: a subscriber that matches nothing). */
struct acsi_gsub *acsi_gsub_new(struct model *m, const struct acsi_clock *clk);
void acsi_gsub_free(struct acsi_gsub *s);
/* One received frame (destination MAC first, no FCS). Decoded, matched by
 * (destination MAC, APPID, gocbRef) in O(1), supervised, and delivered
 * into the model when valid; anything else is counted and dropped. */
void acsi_gsub_receive(struct acsi_gsub *s, const uint8_t *frame, size_t len);

/* The supervision state of one subscription (7-4 LGOS St and the reasons
 * a subscription is not valid). */
enum acsi_gsub_state {
	GSUB_WAITING,		/* no valid frame yet */
	GSUB_VALID,
	GSUB_TAL_EXPIRED,	/* no frame within timeAllowedtoLive */
	GSUB_CONFREV,		/* confRev differs from the SCL's */
	GSUB_NDSCOM,		/* ndsCom true */
	GSUB_STRUCTURE,		/* members do not match the data set */
	GSUB_SIMULATION,	/* test/simulation against LPHD.Sim */
	GSUB_SEQUENCE,		/* stNum/sqNum/t went back (replay) */
};
const char *acsi_gsub_state_name(unsigned st);

struct acsi_gsub_stats {
	uint64_t frames;	/* received, any */
	uint64_t delivered;	/* valid, delivered into the model */
	uint64_t unmatched;	/* no subscription for it */
	uint64_t malformed;	/* goose_decode refused it */
	uint64_t refused;	/* matched, refused by supervision (duplicates and
				 * ignored simulated frames included) */
	/* Finer counts (each also in one of the above): */
	uint64_t malformed_header;	/* truncated, EtherType, Length */
	uint64_t malformed_pdu;		/* goosePdu fields (strings, t, INTEGERs, BOOLEANs) */
	uint64_t malformed_data;	/* allData members, numDatSetEntries */
	uint64_t wrong_addr;	/* a subscribed gocbRef with another APPID or MAC */
	uint64_t duplicates;	/* same stNum, sqNum and t as the last frame taken */
	uint64_t tal_expiries;
	uint64_t store_errors;	/* a member the target refused (not expected) */
};
void acsi_gsub_stats(const struct acsi_gsub *s, struct acsi_gsub_stats *out);
/* State of subscription `no` (model_goose_sub(m, no)). */
enum acsi_gsub_state acsi_gsub_sub_state(const struct acsi_gsub *s, uint32_t no);
