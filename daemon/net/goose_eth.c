/* SPDX-License-Identifier: Apache-2.0 */
/* Raw Ethernet for GOOSE (net/goose_eth.h): libpcap receives, an AF_PACKET
 * socket bound to the interface sends.
 *
 * Receive: pcap_create + immediate mode (no batching delay: a trip must not
 * wait for a buffer to fill) + a ring of NET_GOOSE_RING octets (TPACKET_V3
 * memory-mapped on Linux), non-blocking, direction "in" (the frames iedd
 * sends itself are not read back), the kernel filter below, and all-multicast
 * reception on the interface (GOOSE goes to 01-0C-CD-01-xx-xx, which a NIC
 * drops unless asked; the membership ends with the socket). The pcap fd is an
 * EV_READ|EV_PERSIST event, priority 0 (the highest) when the loop has more
 * than one, so GOOSE runs ahead of MMS; each wake-up dispatches at most
 * NET_GOOSE_BATCH frames so MMS on the same loop is never starved, the rest
 * wait in the ring.
 *
 * Send: one send() on an AF_PACKET/SOCK_RAW socket bound to the interface
 * with protocol 0 (it receives nothing). pcap_inject does the same send()
 * on the capture socket: on a veth pair (tests/bench/goose_net_bench.sh,
 * 2 cores, 145-octet frames) one send() per frame ran at 363,000/s,
 * pcap_inject at 388,000/s and net_goose_send at 382,000/s, one run each: the
 * same system call, differences within run-to-run spread. The separate
 * socket also serves a send-only open without a capture ring. */
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>

#include <event2/event.h>

#include "goose_eth.h"
#include "log.h"

/* Octets of the receive ring: at 300 octets per frame some 13,000 frames,
 * 50 ms of a saturated 100 Mbit/s bus behind a stalled loop. */
#define NET_GOOSE_RING (4 << 20)
/* Frames handled per wake-up. */
#define NET_GOOSE_BATCH 256
/* 1518 octets tagged without FCS, and room for a second (QinQ) tag. */
#define NET_GOOSE_SNAPLEN 1600
/* EtherType 0x88B8 untagged, or behind one 802.1Q tag (libpcap's "vlan"
 * also matches a tag the NIC took off into metadata). */
/* Seconds between capture attempts while the interface is down at open. */
#define NET_GOOSE_RETRY_S 1
#define NET_GOOSE_FILTER "ether proto 0x88b8 or (vlan and ether proto 0x88b8)"

struct net_goose {
	pcap_t *pcap;		/* NULL when opened without rx (or while the link is down) */
	struct event *ev;
	struct event *retry;	/* the interface was down at open: try the capture again */
	struct event_base *base;
	int tx_fd;
	int ifindex;
	uint8_t mac[6];
	net_goose_rx_fn rx;
	void *ctx;
	uint64_t rx_frames, tx_frames, tx_errors;
	char ifname[IF_NAMESIZE];
};

static const char cap_hint[] =
	"iedd needs CAP_NET_RAW for GOOSE: run as root or grant "
	"AmbientCapabilities=CAP_NET_RAW in the unit";

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct net_goose *g = (struct net_goose *)user;
	g->rx_frames++;
	/* a frame longer than the snaplen is no GOOSE frame 8-1 allows; the
	 * decoder refuses the truncated rest */
	g->rx(g->ctx, bytes, h->caplen);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_goose *g = arg;
	(void)fd;
	(void)what;
	if (pcap_dispatch(g->pcap, NET_GOOSE_BATCH, on_frame, (u_char *)g) == PCAP_ERROR)
		log_msg(LOGL_WARNING, LOGC_GOOSE, "GOOSE on %s: receive: %s", g->ifname,
			pcap_geterr(g->pcap));
}

/* The interface's MAC and whether it is up, through an unprivileged socket. */
static int if_query(const char *ifname, uint8_t mac[6], bool *up)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), k = 0;
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		k = -errno;
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		k = -errno;
		goto out;
	}
	*up = (ifr.ifr_flags & IFF_UP) != 0;
out:
	close(s);
	return k;
}

static int open_tx(struct net_goose *g, char *err, size_t errlen)
{
	g->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (g->tx_fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES) {
			snprintf(err, errlen, "GOOSE on %s: %s", g->ifname, cap_hint);
			return -EPERM;
		}
		snprintf(err, errlen, "GOOSE on %s: packet socket: %s", g->ifname, strerror(e));
		return -e;
	}
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = 0,	/* send only: no frame is queued to this socket */
		.sll_ifindex = g->ifindex,
	};
	if (bind(g->tx_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		snprintf(err, errlen, "GOOSE on %s: bind: %s", g->ifname, strerror(e));
		return e == ENODEV ? -ENODEV : -e;
	}
	return 0;
}

static int open_rx(struct net_goose *g, struct event_base *base, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int k;

	g->pcap = pcap_create(g->ifname, ebuf);
	if (!g->pcap) {
		snprintf(err, errlen, "GOOSE on %s: %s", g->ifname, ebuf);
		return -ENOMEM;
	}
	if (pcap_set_snaplen(g->pcap, NET_GOOSE_SNAPLEN) || pcap_set_promisc(g->pcap, 0) ||
	    pcap_set_immediate_mode(g->pcap, 1) || pcap_set_buffer_size(g->pcap, NET_GOOSE_RING)) {
		snprintf(err, errlen, "GOOSE on %s: cannot configure capture", g->ifname);
		return -EINVAL;
	}
	k = pcap_activate(g->pcap);
	if (k < 0) {
		switch (k) {
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "GOOSE on %s: %s", g->ifname, cap_hint);
			return -EPERM;
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "GOOSE on %s: no such interface", g->ifname);
			return -ENODEV;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "GOOSE on %s: interface is down", g->ifname);
			return -ENETDOWN;
		default:
			snprintf(err, errlen, "GOOSE on %s: capture: %s", g->ifname,
				 pcap_geterr(g->pcap));
			return -EIO;
		}
	} else if (k > 0) {
		log_msg(LOGL_WARNING, LOGC_GOOSE, "GOOSE on %s: capture: %s", g->ifname,
			pcap_statustostr(k));
	}
	if (pcap_datalink(g->pcap) != DLT_EN10MB) {
		snprintf(err, errlen, "GOOSE on %s: not an Ethernet interface", g->ifname);
		return -EINVAL;
	}
	if (pcap_setdirection(g->pcap, PCAP_D_IN)) {
		snprintf(err, errlen, "GOOSE on %s: direction: %s", g->ifname, pcap_geterr(g->pcap));
		return -EIO;
	}
	if (pcap_compile(g->pcap, &prog, NET_GOOSE_FILTER, 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(err, errlen, "GOOSE on %s: filter: %s", g->ifname, pcap_geterr(g->pcap));
		return -EIO;
	}
	k = pcap_setfilter(g->pcap, &prog);
	pcap_freecode(&prog);
	if (k) {
		snprintf(err, errlen, "GOOSE on %s: filter: %s", g->ifname, pcap_geterr(g->pcap));
		return -EIO;
	}
	if (pcap_setnonblock(g->pcap, 1, ebuf)) {
		snprintf(err, errlen, "GOOSE on %s: %s", g->ifname, ebuf);
		return -EIO;
	}
	int fd = pcap_get_selectable_fd(g->pcap);
	if (fd < 0) {
		snprintf(err, errlen, "GOOSE on %s: no selectable descriptor", g->ifname);
		return -EIO;
	}
	/* multicast reception without promiscuous mode (8-1 §C.3: GOOSE
	 * destinations are multicast addresses) */
	struct packet_mreq mr = { .mr_ifindex = g->ifindex, .mr_type = PACKET_MR_ALLMULTI };
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		log_msg(LOGL_WARNING, LOGC_GOOSE, "GOOSE on %s: all-multicast: %s; only frames "
			"the interface accepts anyway are received", g->ifname, strerror(errno));
	g->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, g);
	/* GOOSE ahead of MMS when the loop has priorities: 0 is the highest */
	if (g->ev && event_base_get_npriorities(base) > 1)
		event_priority_set(g->ev, 0);
	if (!g->ev || event_add(g->ev, NULL)) {
		snprintf(err, errlen, "GOOSE on %s: out of memory", g->ifname);
		return -ENOMEM;
	}
	return 0;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct net_goose *g = arg;
	char err[256];
	(void)fd;
	(void)what;
	int k = open_rx(g, g->base, err, sizeof(err));
	if (k == 0) {
		log_msg(LOGL_NOTICE, LOGC_GOOSE, "GOOSE on %s: interface is up, receiving", g->ifname);
		return;
	}
	if (g->pcap) {
		pcap_close(g->pcap);
		g->pcap = NULL;
	}
	if (k != -ENETDOWN)
		log_msg(LOGL_ERR, LOGC_GOOSE, "%s; no GOOSE is received", err);
	else
		evtimer_add(g->retry, &(struct timeval){ .tv_sec = NET_GOOSE_RETRY_S });
}

int net_goose_open(struct event_base *base, const char *ifname, net_goose_rx_fn rx, void *ctx,
		   struct net_goose **out, char *err, size_t errlen)
{
	struct net_goose *g;
	bool up = false;
	int k;

	*out = NULL;
	if (!ifname[0] || strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "GOOSE on '%s': no such interface (name too long or empty)",
			 ifname);
		return -ENODEV;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "GOOSE on %s: out of memory", ifname);
		return -ENOMEM;
	}
	g->tx_fd = -1;
	g->rx = rx;
	g->ctx = ctx;
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	g->ifindex = (int)if_nametoindex(ifname);
	if (!g->ifindex) {
		k = errno == ENODEV || errno == ENXIO ? -ENODEV : -errno;
		snprintf(err, errlen, "GOOSE on %s: no such interface", ifname);
		goto fail;
	}
	if ((k = if_query(ifname, g->mac, &up))) {
		snprintf(err, errlen, "GOOSE on %s: %s", ifname, strerror(-k));
		goto fail;
	}
	if ((k = open_tx(g, err, errlen)))
		goto fail;
	if (!up)
		log_msg(LOGL_WARNING, LOGC_GOOSE, "GOOSE on %s: interface is down; frames flow "
			"once it is up", ifname);
	g->base = base;
	if (rx && (k = open_rx(g, base, err, errlen))) {
		if (k != -ENETDOWN)
			goto fail;
		/* said above; capture starts when the link comes up */
		pcap_close(g->pcap);
		g->pcap = NULL;
		g->retry = evtimer_new(base, on_retry, g);
		if (!g->retry ||
		    evtimer_add(g->retry, &(struct timeval){ .tv_sec = NET_GOOSE_RETRY_S })) {
			snprintf(err, errlen, "GOOSE on %s: out of memory", ifname);
			k = -ENOMEM;
			goto fail;
		}
	}
	*out = g;
	return 0;
fail:
	net_goose_close(g);
	return k;
}

void net_goose_close(struct net_goose *g)
{
	if (!g)
		return;
	if (g->ev)
		event_free(g->ev);
	if (g->retry)
		event_free(g->retry);
	if (g->pcap)
		pcap_close(g->pcap);
	if (g->tx_fd >= 0)
		close(g->tx_fd);
	free(g);
}

void net_goose_mac(const struct net_goose *g, uint8_t mac[6])
{
	memcpy(mac, g->mac, 6);
}

int net_goose_send(struct net_goose *g, const uint8_t *frame, size_t len)
{
	ssize_t n = send(g->tx_fd, frame, len, MSG_DONTWAIT);
	if (n == (ssize_t)len) {
		g->tx_frames++;
		return 0;
	}
	g->tx_errors++;
	return n < 0 ? -errno : -EIO;
}

void net_goose_stats(struct net_goose *g, struct net_goose_stats *out)
{
	*out = (struct net_goose_stats){
		.rx_frames = g->rx_frames,
		.tx_frames = g->tx_frames,
		.tx_errors = g->tx_errors,
	};
	struct pcap_stat ps;
	/* libpcap on Linux adds the kernel's per-read drop counts up */
	if (g->pcap && pcap_stats(g->pcap, &ps) == 0)
		out->rx_kernel_drops = ps.ps_drop;
}
