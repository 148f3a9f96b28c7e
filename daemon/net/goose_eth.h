/* SPDX-License-Identifier: Apache-2.0 */
/* Raw Ethernet for GOOSE (IEC 61850-8-1 Annex C) on the event loop:
 * libpcap on one interface, receiving with a kernel filter for EtherType
 * 0x88B8 (untagged and 802.1Q-tagged), immediate mode and the memory-
 * mapped ring, direction "in" only (iedd's own frames are not read back);
 * sending on the same interface. Needs CAP_NET_RAW.
 *
 * Thread: the event loop's. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct net_goose;

/* Called for each received GOOSE frame (destination MAC first, no FCS),
 * from the loop. A bounded number of frames per wake-up (the rest wait
 * in the ring). */
typedef void (*net_goose_rx_fn)(void *ctx, const uint8_t *frame, size_t len);

/* Opens `ifname` on `base`. rx NULL: send only (no capture). Returns 0 and
 * *out, or a negative errno with err[errlen] naming the interface and what
 * to do (-EPERM: "needs CAP_NET_RAW ..."; -ENODEV: no such interface). */
int net_goose_open(struct event_base *base, const char *ifname, net_goose_rx_fn rx, void *ctx,
		   struct net_goose **out, char *err, size_t errlen);
void net_goose_close(struct net_goose *g);
/* The interface's MAC address (the frames' source). */
void net_goose_mac(const struct net_goose *g, uint8_t mac[6]);
/* Sends one frame at once (no queue). 0 or a negative errno. */
int net_goose_send(struct net_goose *g, const uint8_t *frame, size_t len);

struct net_goose_stats {
	uint64_t rx_frames, rx_kernel_drops, tx_frames, tx_errors;
};
void net_goose_stats(struct net_goose *g, struct net_goose_stats *out);
