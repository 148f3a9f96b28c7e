/* SPDX-License-Identifier: Apache-2.0 */
/* Reporting (IEC 61850-7-2 §17, mapped per IEC 61850-8-1 §17): the
 * unbuffered and buffered report control blocks of the model (model.h,
 * struct mrcb: every SCL ReportControl instance under FC RP or BR), their
 * reservation and configuration by clients (SetDataValues of RP/BR
 * attributes, handed here by data access), the triggers (dchg, qchg, dupd
 * from the model's change observers, integrity on IntgPd, general
 * interrogation), BufTm, the BRCB buffer (report_buf.h) and the
 * InformationReport with segmentation.
 *
 * Sans I/O: the time comes from the caller's clock, the timers are the
 * caller's queue (util/timer.h, which net/ drives from the event loop), and
 * a report leaves through the client's `send`. Event-loop thread only.
 *
 * Choices where 7-2/8-1 leave room (README "Reports" repeats them):
 * - Any accepted write to an unreserved URCB reserves it for the writer
 *   (as Resv=true or RptEna=true do, 7-2 Ed.2 §17.2.2.x); Resv=false of
 *   a disabled URCB releases it. A BRCB is owned by the association that
 *   enabled it (Ed.2 Owner); with ResvTms > 0 the ownership outlives the
 *   association for ResvTms seconds.
 * - Writes to an RCB reserved or enabled by another association, and
 *   configuration writes (anything but RptEna, GI, Resv, ResvTms, and
 *   PurgeBuf/EntryID of a disabled BRCB) while RptEna is true, are
 *   refused with temporarily-unavailable; writes of ConfRev, SqNum,
 *   TimeofEntry, Owner with object-access-denied; a DatSet that names no
 *   data set this association may use, an association-specific data set
 *   on a BRCB, an EntryID that is not in the buffer, or RptEna=true with
 *   no DatSet, with object-value-invalid.
 * - The SubSeqNum/MoreSegmentsFollow pair and OptFlds bit 9
 *   (segmentation) are in a report exactly when it is segmented; a URCB's
 *   reports never carry buffer-overflow or entryID.
 * - A BRCB buffers from its first enable on, also while its client is
 *   away, until its configuration changes (DatSet, TrgOps, OptFlds,
 *   IntgPd, BufTm or RptID written with another value: the buffer is
 *   purged, 7-2 §17.2.4; the same value written again changes nothing);
 *   integrity and GI reports are made only while enabled.
 * - Integrity reports are aligned to multiples of IntgPd on the UTC clock
 *   (an IntgPd of 60000 reports at each full minute).
 * - An RCB pre-assigned by the SCL (struct mrcb preassigned_addr, from
 *   RptEnabled/ClientLN) is reserved by configuration: ResvTms reads -1
 *   (BRCB), Resv true (URCB), Owner the configured address, whatever
 *   clients do. Only an association whose peer address is that address
 *   may write it (others: temporarily-unavailable); it needs no
 *   reservation; its ResvTms cannot be written (object-access-denied, -1
 *   accepted as a no-op); a BRCB waits for its client with no time limit.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ber.h"
#include "model.h"
#include "timer.h"

/* The caller's clock and timers: deadlines in microseconds of mono_us;
 * arm/cancel as timer_arm/timer_cancel of the caller's queue (net/: the
 * loop's, so that a deadline armed outside a timer callback also moves
 * its one libevent timer; tests: a plain queue on a fake clock). */
struct acsi_clock {
	uint64_t (*mono_us)(void *ctx);
	int (*arm)(void *ctx, struct timer *t, uint64_t deadline_us);
	void (*cancel)(void *ctx, struct timer *t);
	/* nanoseconds since 1970 (UTC): TimeofEntry, IntgPd alignment */
	uint64_t (*utc_ns)(void *ctx);
	void *ctx;
};

struct acsi_report_cfg {
	uint32_t buf_entries;	/* per BRCB; 0: ACSI_REPORT_BUF_ENTRIES */
	size_t buf_bytes;	/* per BRCB; 0: ACSI_REPORT_BUF_BYTES */
};
#define ACSI_REPORT_BUF_ENTRIES 10000
#define ACSI_REPORT_BUF_BYTES (4u << 20)

/* One association as reporting sees it; lives in struct mms_assoc. */
struct acsi_rpt_client {
	/* Sends one MMS PDU (the InformationReport, in `pdu` with ISO_HEADROOM
	 * in front) to the client. Returns 0 or a negative errno (the
	 * association is going away). Must not free the client. */
	int (*send)(void *ctx, struct buf *pdu);
	void *ctx;
	uint32_t max_pdu;	/* negotiated */
	uint8_t addr[16];	/* Owner (Ed.2): the peer's IP address octets */
	uint8_t addr_len;
	char peer[64];		/* for logs and persistence: "10.0.0.5" */
	char client[64];	/* the expected client it is (authz.h, <clients>); "" none */
	uint32_t n_rcbs;	/* RCBs it reserves or has enabled (reporting's) */
};

struct acsi_reports;
struct rpt_persist;

/* Creates the report service over `m`'s RCBs (model_n_rcbs). `clk` is
 * copied, its timers are the caller's and outlive the service; `cfg` is
 * copied; `persist` (may be NULL: nothing persisted) too. With `persist`,
 * the data sets clients defined before a restart are defined again, and
 * every BRCB takes back what clients wrote, its entries and its client's
 * position, and goes on buffering where it was; after an unclean stop its
 * first report carries BufOvfl=true. Returns NULL on out of memory. */
struct acsi_reports *acsi_reports_new(struct model *m, const struct acsi_clock *clk,
				      const struct acsi_report_cfg *cfg,
				      const struct rpt_persist *persist);
/* Cancels every timer, frees the buffers and observers. NULL: no-op.
 * Changes still collected within BufTm are dropped: call
 * acsi_reports_flush first on a clean stop. */
void acsi_reports_free(struct acsi_reports *r);

/* Ends every running BufTm now, as if it had expired: a URCB's report is
 * sent (when its client is still there), a BRCB's entry is made (and
 * handed to the persistence, so a clean stop loses nothing collected
 * within BufTm). For the clean stop path; no-op when nothing is pending
 * or `r` is NULL. */
void acsi_reports_flush(struct acsi_reports *r);

/* SetDataValues of an attribute under FC RP or BR (data access's write
 * slot). Returns 0 or an MMS DataAccessError. */
int acsi_reports_write(struct acsi_reports *r, struct acsi_rpt_client *c,
		       const struct mref *ref, const struct mtype *t, uint32_t voff,
		       const struct ber_cur *parent, const struct ber_tlv *data);

/* The association of `c` ended: its URCBs are disabled and released, its
 * BRCBs disabled (buffering goes on; ownership kept for ResvTms), and
 * every RCB that used one of its association-specific data sets
 * (owner `c`) is disabled and its DatSet cleared. Call before the data
 * sets go (model_dataset_remove_owner). */
void acsi_reports_client_end(struct acsi_reports *r, struct acsi_rpt_client *c);

/* Whether an RCB (enabled or not) names `ds` in its DatSet: such a data
 * set must not be deleted (7-2 §9.2.5). */
bool acsi_reports_uses_dataset(const struct acsi_reports *r, const struct mdataset *ds);

/* A client defined (or deleted) a persistent data set: kept across a
 * restart when the service persists (datasets.c calls these). */
void acsi_reports_dataset_defined(struct acsi_reports *r, const struct mdataset *ds);
void acsi_reports_dataset_deleted(struct acsi_reports *r, const char *ld, const char *name);

/* Counters for tests and the status page. */
struct acsi_reports_stats {
	uint64_t reports;	/* InformationReports sent (segments counted) */
	uint64_t entries;	/* BRCB entries made */
	uint64_t overflows;	/* BRCB entries dropped on overflow */
	uint64_t lost;		/* reports that could not be built or sent */
};
void acsi_reports_stats(const struct acsi_reports *r, struct acsi_reports_stats *out);
