/* SPDX-License-Identifier: Apache-2.0 */
/* The service manager notification protocol (sd_notify(3)) spoken directly:
 * a datagram to $NOTIFY_SOCKET. No libsystemd, so iedd starts without
 * loading it and its compression and crypto libraries. */
#pragma once
#include <stdint.h>

/* Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") when
 * NOTIFY_SOCKET is set; returns 1 if sent, 0 if there is no manager,
 * negative errno on failure. */
int notify_send(const char *state);
/* The watchdog interval in µs from $WATCHDOG_USEC (when $WATCHDOG_PID is
 * unset or ours), or 0. */
uint64_t notify_watchdog_usec(void);
