/* SPDX-License-Identifier: Apache-2.0 */
/* pingpong: the request/response ceiling iedd is measured against.
 *
 * An epoll server on 127.0.0.1 with the cheapest shape DESIGN.md allows: one
 * persistent read interest per connection (level-triggered EPOLLIN), one
 * read() per readiness, and the responses to every complete request of that
 * read sent with one send() straight from the read handler. Requests are
 * delimited by their RFC 1006 TPKT length, as iedd frames them; each is
 * answered by a fixed-size TPKT (--response-size, the size of iedd's
 * Identify response) with no protocol work at all.
 *
 * Bounded: at most --max-conns connections and --max-time seconds; SIGTERM
 * or SIGINT ends it. Self-contained (no libevent, no proto). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_CAP 16384
#define TPKT_MIN 7
#define TPKT_MAX 8192
/* Responses are sent from a block of identical TPKTs; `owed` octets of that
 * endless stream remain to be written when send() falls short. */
#define TEMPLATE_COPIES 64

struct pp_conn {
	int fd;
	uint32_t gen;
	bool out_armed;
	size_t rx_len;
	uint64_t owed;		/* response octets not yet sent */
	uint64_t sent;		/* response octets sent, mod resp_size gives the offset */
	uint8_t *rx;
};

struct pp {
	int ep, lfd, sig_fd;
	size_t resp_size;
	uint8_t *tmpl;		/* TEMPLATE_COPIES responses back to back */
	size_t tmpl_len;
	struct pp_conn *c;
	unsigned max_conns;
	uint64_t requests;
};

#define EV_LISTEN 0xFFFFFFFFu
#define EV_SIGNAL 0xFFFFFFFEu

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("pingpong: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t key(const struct pp *P, const struct pp_conn *c)
{
	return (uint64_t)c->gen << 32 | (uint32_t)(c - P->c);
}

static void arm(struct pp *P, struct pp_conn *c, bool out)
{
	if (c->out_armed == out)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u64 = key(P, c) };
	if (epoll_ctl(P->ep, EPOLL_CTL_MOD, c->fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	c->out_armed = out;
}

static void conn_close(struct pp_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->gen++;
	c->rx_len = 0;
	c->owed = 0;
	c->sent = 0;
	c->out_armed = false;
}

/* Returns false when the connection was closed. */
static bool write_owed(struct pp *P, struct pp_conn *c)
{
	while (c->owed) {
		size_t off = (size_t)(c->sent % P->resp_size);
		size_t n = P->tmpl_len - off;
		if (n > c->owed)
			n = (size_t)c->owed;
		ssize_t w = send(c->fd, P->tmpl + off, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				arm(P, c, true);
				return true;
			}
			conn_close(c);
			return false;
		}
		c->owed -= (uint64_t)w;
		c->sent += (uint64_t)w;
	}
	if (c->out_armed)
		arm(P, c, false);
	return true;
}

static void on_read(struct pp *P, struct pp_conn *c)
{
	ssize_t n = read(c->fd, c->rx + c->rx_len, RX_CAP - c->rx_len);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
	c->rx_len += (size_t)n;
	size_t off = 0;
	unsigned answered = 0;
	while (c->rx_len - off >= 4) {
		const uint8_t *p = c->rx + off;
		size_t len = (size_t)p[2] << 8 | p[3];
		if (p[0] != 3 || len < TPKT_MIN || len > TPKT_MAX) {
			fprintf(stderr, "pingpong: not a TPKT; closing the connection\n");
			conn_close(c);
			return;
		}
		if (len > c->rx_len - off)
			break;
		off += len;
		answered++;
	}
	if (off) {
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
	if (!answered)
		return;
	P->requests += answered;
	c->owed += (uint64_t)answered * P->resp_size;
	if (!c->out_armed) /* else EPOLLOUT will write it */
		write_owed(P, c);
}

static void on_accept(struct pp *P)
{
	for (;;) {
		int fd = accept4(P->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return;
			fprintf(stderr, "pingpong: accept: %s\n", strerror(errno));
			return;
		}
		unsigned i;
		for (i = 0; i < P->max_conns && P->c[i].fd >= 0; i++)
			;
		if (i == P->max_conns) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct pp_conn *c = &P->c[i];
		c->fd = fd;
		if (!c->rx && !(c->rx = malloc(RX_CAP)))
			die("out of memory");
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = key(P, c) };
		if (epoll_ctl(P->ep, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl: %s", strerror(errno));
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pingpong --listen 127.0.0.1:PORT --response-size N "
		   "[--max-conns N] [--max-time S]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "response-size", required_argument, NULL, 's' },
		{ "max-conns", required_argument, NULL, 'm' },
		{ "max-time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pp P = { .max_conns = 20000 };
	const char *listen_at = NULL;
	double max_time = 3600;
	int opt;
	while ((opt = getopt_long(argc, argv, "l:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_at = optarg; break;
		case 's': P.resp_size = strtoul(optarg, NULL, 10); break;
		case 'm': P.max_conns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': max_time = strtod(optarg, NULL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!listen_at || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (P.resp_size < TPKT_MIN || P.resp_size > TPKT_MAX)
		die("--response-size must be %d..%d", TPKT_MIN, TPKT_MAX);
	if (P.max_conns < 1 || P.max_conns > 100000)
		die("--max-conns must be 1..100000");
	if (!(max_time > 0 && max_time <= 86400))
		die("--max-time must be in (0, 86400]");

	const char *colon = strrchr(listen_at, ':');
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	if (!colon || (size_t)(colon - listen_at) >= sizeof(host))
		die("--listen wants 127.0.0.1:PORT");
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	unsigned long port = strtoul(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || a.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		die("pingpong listens on 127.0.0.1 only");
	if (!port || port > 65535)
		die("bad port");
	a.sin_port = htons((uint16_t)port);

	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* The response: a TPKT header, a COTP DT header with EOT, zeros. */
	P.tmpl_len = P.resp_size * TEMPLATE_COPIES;
	if (!(P.tmpl = calloc(1, P.tmpl_len)) || !(P.c = calloc(P.max_conns, sizeof(*P.c))))
		die("out of memory");
	for (unsigned i = 0; i < TEMPLATE_COPIES; i++) {
		uint8_t *r = P.tmpl + i * P.resp_size;
		r[0] = 3;
		r[2] = (uint8_t)(P.resp_size >> 8);
		r[3] = (uint8_t)P.resp_size;
		r[4] = 2;
		r[5] = 0xF0;
		r[6] = 0x80;
	}
	for (unsigned i = 0; i < P.max_conns; i++)
		P.c[i].fd = -1;

	if ((P.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	int one = 1;
	setsockopt(P.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(P.lfd, (struct sockaddr *)&a, sizeof(a)))
		die("bind %s: %s", listen_at, strerror(errno));
	if (listen(P.lfd, 4096))
		die("listen: %s", strerror(errno));

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((P.sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die("signalfd: %s", strerror(errno));
	if ((P.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));
	struct epoll_event lev = { .events = EPOLLIN, .data.u64 = EV_LISTEN };
	struct epoll_event sev = { .events = EPOLLIN, .data.u64 = EV_SIGNAL };
	if (epoll_ctl(P.ep, EPOLL_CTL_ADD, P.lfd, &lev) ||
	    epoll_ctl(P.ep, EPOLL_CTL_ADD, P.sig_fd, &sev))
		die("epoll_ctl: %s", strerror(errno));
	fprintf(stderr, "pingpong: listening on %s, %zu-octet responses\n", listen_at, P.resp_size);

	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct epoll_event evs[512];
	for (;;) {
		/* Only the --max-time bound wakes an idle pingpong: once a minute. */
		int n = epoll_wait(P.ep, evs, 512, 60000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			if (idx == EV_LISTEN) {
				on_accept(&P);
			} else if (idx == EV_SIGNAL) {
				fprintf(stderr, "pingpong: %llu requests answered\n",
					(unsigned long long)P.requests);
				return 0;
			} else {
				struct pp_conn *c = &P.c[idx];
				if (c->fd < 0 || c->gen != gen)
					continue;
				if ((evs[i].events & EPOLLOUT) && !write_owed(&P, c))
					continue;
				if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					on_read(&P, c);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) > max_time)
			die("--max-time reached");
	}
}
