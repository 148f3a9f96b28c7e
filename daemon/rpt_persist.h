/* SPDX-License-Identifier: Apache-2.0 */
/* The report service's persistence (struct rpt_persist, acsi/report_buf.h)
 * over the state store (store/rptstore.h). Only the daemon's top level sees
 * both acsi and store (DESIGN.md: acsi never includes the store), so the
 * adapter lives here; main.c, the store's tests and its benchmark use it.
 * One thread (the loop's), no I/O of its own: every call goes to the store,
 * which writes at its next rptstore_sync. */
#pragma once
#include <stddef.h>

#include "report_buf.h"
#include "rptstore.h"

/* The operations over `s` (the caller's; it must outlive every use of the
 * result, i.e. the report service it is given to). */
struct rpt_persist rpt_persist_store(struct rptstore *s);

/* The SCL identity the store keys its files with (rptstore_cfg.scl_id):
 * "<ied> fnv1a64:<16 hex digits>" of the SCL file's octets. FNV-1a (64 bit)
 * rather than SHA-256 because no cryptographic hash is among iedd's
 * dependencies; it is stable across builds and hosts, and only has to tell
 * one SCL file from another, not resist a forger. The IED name is cut so
 * that the whole fits rptstore's 255 octets. out[n], n >= 64; returns out. */
char *rpt_persist_scl_id(const char *ied, const void *scl, size_t len, char *out, size_t n);
