/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail (<audit> in iedd.xml, --audit-file): the records of
 * acsi/audit_hook.h, written off the event loop to any combination of a
 * JSON-lines file with size-based rotation, RFC 5424 syslog (a local
 * datagram socket such as /dev/log, or a numeric UDP collector), and
 * journald's native socket with structured fields (one MESSAGE_ID per
 * kind of event).
 *
 * record() (the loop) copies the record into a bounded queue and returns;
 * one writer thread formats and writes. A full queue drops its oldest
 * record; the writer then emits one "audit records lost" record with the
 * count (IEC 62443-4-2 CR 2.9/2.10), and iedd keeps serving. Times are UTC
 * with microseconds, each record saying whether the kernel's clock was
 * synchronised (adjtimex). An output that fails (disk full, no collector,
 * a socket whose reader does not keep up: the sockets never block) loses
 * that record for that output only, is retried with the next, and is said
 * once in the log when it starts and when it ends. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_hook.h"

struct audit_cfg {
	const char *file;	/* JSON lines; NULL: none */
	uint64_t max_bytes;	/* a larger file is rotated (file.1 ...); 0: 10 MiB */
	unsigned keep;		/* rotated files kept; 0: 5 */
	/* "unix:/dev/log" (a datagram socket) or "udp:ADDR:PORT" (numeric,
	 * [v6]:port too); NULL: none */
	const char *syslog;
	bool journal;		/* journald's native socket (/run/systemd/journal/socket) */
	const char *journal_socket;	/* another path for it (tests); NULL: the default */
	unsigned queue;		/* records waiting at most; 0: 4096 */
};

struct audit;

/* Opens the outputs (the file is created 0640, its directory must exist)
 * and starts the writer. -errno with err[n] naming the output and the fix. */
int audit_open(const struct audit_cfg *cfg, struct audit **out, char *err, size_t n);
/* Writes what is queued, stops the writer, closes. NULL: no-op. */
void audit_close(struct audit *a);
/* The hook for acsi/net/main (valid until audit_close). */
const struct acsi_audit *audit_hook(struct audit *a);

struct audit_stats {
	uint64_t recorded;	/* record() calls */
	uint64_t written;	/* records the writer finished */
	uint64_t lost;		/* dropped by the full queue */
	uint64_t errors;	/* output writes that failed */
	uint64_t queued;	/* waiting now */
};
void audit_get_stats(struct audit *a, struct audit_stats *st);

/* The event name of a kind ("association-accepted", "write", ...), as the
 * records carry it (JSON "event", syslog MSGID, journald IEDD_EVENT). */
const char *audit_event_name(enum acsi_audit_kind k);
