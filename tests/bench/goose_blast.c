/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE frames onto an interface, and the bare receive loop to compare
 * iedd's receive path with. For tests and benchmarks in network
 * namespaces (tests/integration/netns.py); never point it at a station bus.
 *
 *   goose_blast send IFACE [--count N] [--rate FPS] [--members N] [--vid VID]
 *                          [--appid N] [--gocb REF] [--stnum N] [--how mmsg|send|inject]
 *       N frames (default 100000) encoded by goose_encode: stNum fixed
 *       (--stnum, default 1), sqNum 0, 1, 2 ... (rewritten by goose_patch),
 *       as fast as possible (sendmmsg, batches of 64) or at FPS frames/s;
 *       --how send: one send() per frame, inject: one pcap_inject per frame.
 *   goose_blast replay IFACE PCAP
 *       every frame of the pcap file once, in order.
 *   goose_blast recv IFACE [--count N] [--idle-ms MS]
 *       the bare loop: an AF_PACKET socket for EtherType 0x88B8 and recv();
 *       ends after N frames or MS (default 1000) without one after the first.
 *
 * Prints one JSON object on stdout: {"frames", "seconds", "fps"} (+
 * "drops" for recv, the kernel's count). Exit 0, 1 on error, 2 usage,
 * 77 without CAP_NET_RAW (a test skip). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ber.h"
#include "goose.h"

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int packet_socket(const char *ifname, uint16_t proto)
{
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "goose_blast: %s: no such interface\n", ifname);
		exit(1);
	}
	int s = socket(AF_PACKET, SOCK_RAW, htons(proto));
	if (s < 0) {
		fprintf(stderr, "goose_blast: packet socket: %s\n", strerror(errno));
		exit(errno == EPERM ? 77 : 1);
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto),
				   .sll_ifindex = ifindex };
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "goose_blast: bind %s: %s\n", ifname, strerror(errno));
		exit(1);
	}
	return s;
}

static void report(unsigned long n, double secs, long drops)
{
	printf("{\"frames\": %lu, \"seconds\": %.6f, \"fps\": %.0f", n, secs,
	       secs > 0 ? (double)n / secs : 0.0);
	if (drops >= 0)
		printf(", \"drops\": %ld", drops);
	printf("}\n");
}

static unsigned long arg_ul(const char *o, const char *v)
{
	char *e;
	unsigned long n = strtoul(v ? v : "", &e, 0);
	if (!v || *e) {
		fprintf(stderr, "goose_blast: %s: expected a number\n", o);
		exit(2);
	}
	return n;
}

static int cmd_send(const char *ifname, int argc, char **argv)
{
	unsigned long count = 100000, rate = 0, members = 10, vid = 0, appid = 0x1000, st = 1;
	const char *gocb = "BLASTLD0/LLN0$GO$gcb1", *how = "mmsg";
	bool vlan = false;
	for (int i = 0; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--count"))
			count = arg_ul(o, v);
		else if (!strcmp(o, "--rate"))
			rate = arg_ul(o, v);
		else if (!strcmp(o, "--members"))
			members = arg_ul(o, v);
		else if (!strcmp(o, "--vid"))
			vid = arg_ul(o, v), vlan = true;
		else if (!strcmp(o, "--appid"))
			appid = arg_ul(o, v);
		else if (!strcmp(o, "--stnum"))
			st = arg_ul(o, v);
		else if (!strcmp(o, "--gocb") && v)
			gocb = v;
		else if (!strcmp(o, "--how") && v)
			how = v;
		else {
			fprintf(stderr, "goose_blast: unknown option %s\n", o);
			return 2;
		}
	}
	struct buf d, fb;
	buf_init(&d, 0, 0);
	buf_init(&fb, 0, 0);
	for (unsigned long i = 0; i < members; i++) {
		if (i % 2)
			ber_put_int(&d, BER_CONTEXT, 5, (int64_t)i * 1000);
		else
			ber_put_bool(&d, BER_CONTEXT, 3, true);
	}
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 },
		.src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0B },
		.vlan = vlan, .priority = 4, .vid = (uint16_t)vid, .appid = (uint16_t)appid,
		.gocb_ref = gocb, .dat_set = "BLASTLD0/LLN0$DS1", .go_id = "blast",
		.tal_ms = 2000, .t = { 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 0x0A },
		/* sqNum starts wide so every later value patches in place */
		.st_num = (uint32_t)st, .sq_num = 0x01000000u, .conf_rev = 1,
		.n_entries = (uint32_t)members, .all_data = buf_data(&d), .all_data_len = d.len,
	};
	struct proto_err e = { 0 };
	char msg[200];
	if (goose_encode(&f, &fb, &e)) {
		fprintf(stderr, "goose_blast: %s\n", proto_err_str(&e, msg, sizeof(msg)));
		return 1;
	}
	size_t len = fb.len;
	static uint8_t frames[BATCH][GOOSE_MAX_FRAME_VLAN];
	struct mmsghdr mh[BATCH];
	struct iovec iov[BATCH];
	for (int i = 0; i < BATCH; i++) {
		memcpy(frames[i], buf_data(&fb), len);
		iov[i] = (struct iovec){ .iov_base = frames[i], .iov_len = len };
		mh[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	pcap_t *pc = NULL;
	int s = -1;
	if (!strcmp(how, "inject")) {
		char eb[PCAP_ERRBUF_SIZE];
		pc = pcap_open_live(ifname, 64, 0, 1000, eb);
		if (!pc) {
			fprintf(stderr, "goose_blast: %s\n", eb);
			return strstr(eb, "ermission") ? 77 : 1;
		}
	} else {
		s = packet_socket(ifname, 0);
	}
	bool mmsg = !strcmp(how, "mmsg");
	unsigned long sent = 0;
	double t0 = now_s();
	while (sent < count) {
		unsigned n = mmsg ? BATCH : 1;
		if (n > count - sent)
			n = (unsigned)(count - sent);
		if (rate) {
			/* paced: one frame at a time, at its due time */
			n = 1;
			double due = t0 + (double)sent / (double)rate;
			while (now_s() < due)
				;
		}
		for (unsigned i = 0; i < n; i++)
			goose_patch(frames[i], len, f.tal_ms, f.t, f.st_num,
				    (uint32_t)(0x01000000u + sent + i));
		int k;
		if (pc)
			k = pcap_inject(pc, frames[0], len) == (int)len ? 1 : -1;
		else if (mmsg)
			k = sendmmsg(s, mh, n, 0);
		else
			k = send(s, frames[0], len, 0) == (ssize_t)len ? 1 : -1;
		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "goose_blast: send: %s\n", strerror(errno));
			return 1;
		}
		sent += (unsigned long)k;
	}
	double t1 = now_s();
	report(sent, t1 - t0, -1);
	if (pc)
		pcap_close(pc);
	buf_clear(&d);
	buf_clear(&fb);
	return 0;
}

static int cmd_replay(const char *ifname, const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p) {
		fprintf(stderr, "goose_blast: %s\n", eb);
		return 1;
	}
	int s = packet_socket(ifname, 0);
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n = 0;
	double t0 = now_s();
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (send(s, data, h->caplen, 0) != (ssize_t)h->caplen) {
			fprintf(stderr, "goose_blast: send frame %lu: %s\n", n + 1, strerror(errno));
			return 1;
		}
		n++;
	}
	report(n, now_s() - t0, -1);
	pcap_close(p);
	close(s);
	return 0;
}

static int cmd_recv(const char *ifname, int argc, char **argv)
{
	unsigned long count = 0, idle_ms = 1000;
	for (int i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = arg_ul(argv[i], argv[i + 1]);
		else if (!strcmp(argv[i], "--idle-ms"))
			idle_ms = arg_ul(argv[i], argv[i + 1]);
		else
			return 2;
	}
	int s = packet_socket(ifname, GOOSE_ETHERTYPE);
	int rcvbuf = 4 << 20;	/* as net/goose_eth.c's ring */
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	struct timeval tv = { .tv_sec = (time_t)(idle_ms / 1000),
			      .tv_usec = (suseconds_t)(idle_ms % 1000) * 1000 };
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl);	/* resets */
	fprintf(stderr, "goose_blast: receiving on %s\n", ifname);
	uint8_t fr[2048];
	unsigned long n = 0;
	double t0 = 0, tl = 0;
	for (;;) {
		ssize_t k = recv(s, fr, sizeof(fr), 0);
		if (k < 0) {
			if (errno == EAGAIN && n)
				break;
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "goose_blast: recv: %s\n", strerror(errno));
			return 1;
		}
		tl = now_s();
		if (!n++) {
			t0 = tl;
			/* the idle timeout only after the first frame */
			setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		if (count && n >= count)
			break;
	}
	sl = sizeof(st);
	getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	/* the first frame starts the clock: n - 1 intervals */
	report(n, n > 1 ? tl - t0 : 0, (long)st.tp_drops);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], argc - 3, argv + 3);
	if (argc == 4 && !strcmp(argv[1], "replay"))
		return cmd_replay(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return cmd_recv(argv[2], argc - 3, argv + 3);
	fprintf(stderr, "usage: goose_blast send|replay|recv IFACE ... (see the source)\n");
	return 2;
}
