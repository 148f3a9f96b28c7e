/* SPDX-License-Identifier: Apache-2.0 */
/* filepong: the ceiling a GetFile is measured against (tests/bench/
 * file_bench.py). A transfer by FileRead is request/response per chunk:
 * one small TPKT in, one PDU of up to the negotiated size out, cut into
 * COTP class 0 DT TPDUs of the negotiated TPDU size. filepong does the
 * same with no protocol work at all: the server answers each request
 * TPKT with a prebuilt train of DT TPKTs carrying --response-size octets
 * (one send()), and the client sends a request of --request-size octets,
 * reads the train to its end of TSDU and repeats until --bytes octets
 * have come, then prints one JSON line with its rate.
 *
 *   filepong --listen PORT --response-size N [--tpdu 2048] [--max-time S]
 *   filepong --connect PORT --request-size Q --response-size N [--tpdu 2048] --bytes B
 *
 * Loopback only, one connection at a time, bounded by --max-time (60 s). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "filepong: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* One TPKT: header, then its body into buf (cap octets); returns body length
 * or -1 at EOF. */
static long read_tpkt(int fd, uint8_t *buf, size_t cap)
{
	uint8_t h[4];
	if (!read_full(fd, h, 4))
		return -1;
	size_t len = ((size_t)h[2] << 8 | h[3]);
	if (h[0] != 3 || len < 4 || len - 4 > cap) {
		errno = EBADMSG;
		die("bad TPKT");
	}
	if (!read_full(fd, buf, len - 4))
		return -1;
	return (long)(len - 4);
}

/* A train of DT TPDUs carrying n octets, the last with end of TSDU. */
static uint8_t *train(size_t n, size_t tpdu, size_t *out_len)
{
	size_t per = tpdu - 3, k = n ? (n + per - 1) / per : 1;
	uint8_t *b = calloc(1, k * (tpdu + 4)), *p = b;
	if (!b)
		die("calloc");
	for (size_t i = 0; i < k; i++) {
		size_t d = i + 1 < k ? per : n - per * (k - 1);
		size_t len = 4 + 3 + d;
		*p++ = 3;
		*p++ = 0;
		*p++ = (uint8_t)(len >> 8);
		*p++ = (uint8_t)len;
		*p++ = 2;
		*p++ = 0xF0;
		*p++ = i + 1 < k ? 0x00 : 0x80;
		p += d;
	}
	*out_len = (size_t)(p - b);
	return b;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "connect", required_argument, NULL, 'c' },
		{ "request-size", required_argument, NULL, 'q' },
		{ "response-size", required_argument, NULL, 's' },
		{ "tpdu", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "max-time", required_argument, NULL, 'm' },
		{ 0 },
	};
	int listen_port = 0, connect_port = 0, o;
	size_t req = 29, resp = 65000, tpdu = 2048;
	double max_time = 60;
	unsigned long long want = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l': listen_port = atoi(optarg); break;
		case 'c': connect_port = atoi(optarg); break;
		case 'q': req = (size_t)atol(optarg); break;
		case 's': resp = (size_t)atol(optarg); break;
		case 't': tpdu = (size_t)atol(optarg); break;
		case 'b': want = strtoull(optarg, NULL, 10); break;
		case 'm': max_time = atof(optarg); break;
		default: return 2;
		}
	}
	if ((!listen_port == !connect_port) || req < 8 || req > 8192 || tpdu < 128 ||
	    tpdu > 65531 || resp > 16000000) {
		fprintf(stderr, "usage: see the comment at the top of tools/bench/filepong.c\n");
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	uint8_t *buf = malloc(65536);
	if (!buf)
		die("malloc");
	double t0 = now_s();
	if (listen_port) {
		size_t tlen;
		uint8_t *t = train(resp, tpdu, &tlen);
		int ls = socket(AF_INET, SOCK_STREAM, 0);
		sa.sin_port = htons((uint16_t)listen_port);
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ls < 0 || bind(ls, (void *)&sa, sizeof(sa)) || listen(ls, 4))
			die("listen");
		while (now_s() - t0 < max_time) {
			int fd = accept(ls, NULL, NULL);
			if (fd < 0)
				die("accept");
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			while (read_tpkt(fd, buf, 65536) >= 0) {
				size_t off = 0;
				while (off < tlen) {
					ssize_t w = send(fd, t + off, tlen - off, MSG_NOSIGNAL);
					if (w <= 0)
						break;
					off += (size_t)w;
				}
			}
			close(fd);
		}
		return 0;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)connect_port);
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)))
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	uint8_t *q = calloc(1, req);
	q[0] = 3;
	q[2] = (uint8_t)(req >> 8);
	q[3] = (uint8_t)req;
	unsigned long long got = 0, rts = 0;
	t0 = now_s();
	while (got < want && now_s() - t0 < max_time) {
		if (write(fd, q, req) != (ssize_t)req)
			die("write");
		for (;;) {
			long n = read_tpkt(fd, buf, 65536);
			if (n < 3)
				die("read");
			got += (unsigned long long)n - 3;
			if (buf[2] & 0x80)
				break;
		}
		rts++;
	}
	double dt = now_s() - t0;
	printf("{\"bytes\":%llu,\"seconds\":%.4f,\"mbPerSecond\":%.1f,\"roundTrips\":%llu}\n", got,
	       dt, (double)got / 1e6 / dt, rts);
	close(fd);
	return 0;
}
