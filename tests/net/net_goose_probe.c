/* SPDX-License-Identifier: Apache-2.0 */
/* Drives daemon/net/goose_eth.c for tests/integration/test_net_goose.py and the
 * benchmark (tests/bench/goose_net_bench.sh):
 *
 *   net_goose_probe open IFACE
 *       net_goose_open with rx; prints "ok MAC" or "error -ERRNO MESSAGE".
 *   net_goose_probe recv IFACE [--count N] [--idle-ms MS] [--quiet] [--send PCAP]
 *       opens with rx on a libevent loop, prints "ready" (flushed), then one
 *       line "rx LEN HEX" per received frame (not with --quiet); with
 *       --send, sends every frame of PCAP through net_goose_send once ready
 *       (its own frames must not come back). Ends after N frames, or MS
 *       (default 1000) without one (after the first with --quiet, else from
 *       the start), and prints {"frames", "seconds", "fps", "drops", "tx"}.
 *   net_goose_probe sendbench IFACE N
 *       N net_goose_send calls of one encoded frame; prints frames/s.
 * Exit 0, or 1 on an error, 2 usage. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

/* two headers named goose.h: the frame codec and the raw Ethernet edge */
#include "../../daemon/net/goose_eth.h"
#include "../../daemon/proto/goose.h"

struct probe {
	struct event_base *base;
	struct event *idle;
	struct net_goose *g;
	struct timeval idle_tv;
	unsigned long count, n;
	bool quiet, idle_after_first;
	double t0, tl;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(p->base);
}

static void on_rx(void *ctx, const uint8_t *frame, size_t len)
{
	struct probe *p = ctx;
	p->tl = now_s();
	if (!p->n++) {
		p->t0 = p->tl;
		if (p->idle_after_first)
			evtimer_add(p->idle, &p->idle_tv);
	}
	if (!p->quiet) {
		printf("rx %zu ", len);
		for (size_t i = 0; i < len; i++)
			printf("%02x", frame[i]);
		printf("\n");
		evtimer_add(p->idle, &p->idle_tv);
	} else if ((p->n & 1023) == 0) {
		evtimer_add(p->idle, &p->idle_tv);
	}
	if (p->count && p->n >= p->count)
		event_base_loopbreak(p->base);
}

static int send_pcap(struct net_goose *g, const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, eb);
	if (!pc) {
		fprintf(stderr, "net_goose_probe: %s\n", eb);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		int k = net_goose_send(g, d, h->caplen);
		if (k) {
			fprintf(stderr, "net_goose_probe: send: %s\n", strerror(-k));
			pcap_close(pc);
			return 1;
		}
	}
	pcap_close(pc);
	return 0;
}

static int open_or_say(struct event_base *base, const char *ifname, net_goose_rx_fn rx,
		       void *ctx, struct net_goose **g)
{
	char err[300] = "";
	int k = net_goose_open(base, ifname, rx, ctx, g, err, sizeof(err));
	if (k) {
		printf("error %d %s\n", k, err);
		fflush(stdout);
	}
	return k;
}

/* "read-event priority N" for each EV_READ event on the loop */
static int say_read_prio(const struct event_base *base, const struct event *ev, void *arg)
{
	(void)base;
	(void)arg;
	if (event_get_events(ev) & EV_READ)
		printf("read-event priority %d\n", event_get_priority(ev));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	const char *cmd = argv[1], *ifname = argv[2];
	struct probe p = { .idle_tv = { .tv_sec = 1 } };
	p.base = event_base_new();
	if (!p.base)
		return 1;
	if (!strcmp(cmd, "open")) {
		/* two priorities, as the daemon's loop has them (GOOSE, MMS) */
		if (event_base_priority_init(p.base, 2)) {
			event_base_free(p.base);
			return 1;
		}
		if (open_or_say(p.base, ifname, on_rx, &p, &p.g)) {
			event_base_free(p.base);
			return 1;
		}
		uint8_t m[6];
		net_goose_mac(p.g, m);
		printf("ok %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
		event_base_foreach_event(p.base, say_read_prio, NULL);
		net_goose_close(p.g);
		event_base_free(p.base);
		return 0;
	}
	if (!strcmp(cmd, "sendbench") && argc == 4) {
		unsigned long n = strtoul(argv[3], NULL, 10);
		if (open_or_say(p.base, ifname, NULL, NULL, &p.g)) {
			event_base_free(p.base);
			return 1;
		}
		struct buf d, fb;
		buf_init(&d, 0, 0);
		buf_init(&fb, 0, 0);
		for (int i = 0; i < 10; i++)
			ber_put_int(&d, BER_CONTEXT, 5, i);
		struct goose_frame f = {
			.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 },
			.appid = 0x1000, .gocb_ref = "PROBELD0/LLN0$GO$gcb1",
			.dat_set = "PROBELD0/LLN0$DS1", .go_id = "probe", .tal_ms = 2000,
			.st_num = 1, .sq_num = 0x01000000u, .conf_rev = 1, .n_entries = 10,
			.all_data = buf_data(&d), .all_data_len = d.len,
		};
		net_goose_mac(p.g, f.src);
		if (goose_encode(&f, &fb, NULL))
			return 1;
		unsigned long err = 0;
		double t0 = now_s();
		for (unsigned long i = 0; i < n; i++) {
			goose_patch(buf_data(&fb), fb.len, 2000, f.t, 1, (uint32_t)(0x01000000u + i));
			if (net_goose_send(p.g, buf_data(&fb), fb.len))
				err++;
		}
		double t = now_s() - t0;
		printf("{\"frames\": %lu, \"errors\": %lu, \"seconds\": %.6f, \"fps\": %.0f}\n", n,
		       err, t, (double)n / t);
		net_goose_close(p.g);
		buf_clear(&d);
		buf_clear(&fb);
		event_base_free(p.base);
		return 0;
	}
	if (strcmp(cmd, "recv"))
		goto usage;
	const char *send = NULL;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			p.quiet = true;
		} else if (i + 1 < argc && !strcmp(argv[i], "--count")) {
			p.count = strtoul(argv[++i], NULL, 10);
		} else if (i + 1 < argc && !strcmp(argv[i], "--idle-ms")) {
			unsigned long ms = strtoul(argv[++i], NULL, 10);
			p.idle_tv = (struct timeval){ .tv_sec = (time_t)(ms / 1000),
						      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
		} else if (i + 1 < argc && !strcmp(argv[i], "--send")) {
			send = argv[++i];
		} else {
			goto usage;
		}
	}
	p.idle_after_first = p.quiet;
	p.idle = evtimer_new(p.base, on_idle, &p);
	if (open_or_say(p.base, ifname, on_rx, &p, &p.g)) {
		event_base_free(p.base);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (!p.quiet)
		evtimer_add(p.idle, &p.idle_tv);
	if (send && send_pcap(p.g, send))
		return 1;
	event_base_dispatch(p.base);
	struct net_goose_stats st;
	net_goose_stats(p.g, &st);
	double secs = p.n > 1 ? p.tl - p.t0 : 0;
	printf("{\"frames\": %lu, \"seconds\": %.6f, \"fps\": %.0f, \"drops\": %llu, "
	       "\"rx\": %llu, \"tx\": %llu}\n", p.n, secs, secs > 0 ? (double)p.n / secs : 0.0,
	       (unsigned long long)st.rx_kernel_drops, (unsigned long long)st.rx_frames,
	       (unsigned long long)st.tx_frames);
	net_goose_close(p.g);
	event_free(p.idle);
	event_base_free(p.base);
	return 0;
usage:
	fprintf(stderr, "usage: net_goose_probe open|recv|sendbench IFACE ... (see the source)\n");
	return 2;
}
