/* SPDX-License-Identifier: Apache-2.0 */
/* iedd-load: the benchmark load generator for iedd's MMS server, and for
 * pingpong, the request/response ceiling it is compared with.
 *
 * One thread, one epoll set, non-blocking sockets with TCP_NODELAY. It
 * speaks the client side of daemon/proto (iso.h, mms.h) and connects to
 * 127.0.0.1 only: it is a measuring tool, not a stress tool for other hosts.
 * Every run is bounded in time (set-up, warm-up, measurement and drain all
 * have deadlines) and in count (connections, requests in flight, --count).
 *
 * Modes:
 *   identify  N associations, then closed-loop Identify requests with D in
 *             flight on each; rate and latency over the measurement window.
 *   raw       the same loop without the ISO stack, for pingpong: requests of
 *             the size of a real Identify request TPKT, responses framed by
 *             their TPKT length.
 *   assoc     W workers each looping connect, CR/CC, CN/AC (MMS Initiate),
 *             Conclude, FN/DN (release), close; set-ups per second.
 *   hold      N associations kept idle until SIGTERM/SIGINT or EOF on stdin
 *             (or --max-time); prints one line once all are associated.
 *   probe     one association and one Identify; prints the TPKT sizes seen.
 *
 * Output is one JSON line on stdout; complaints go to stderr with exit 1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
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

#include "ber.h"
#include "buf.h"
#include "cotp.h"
#include "iso.h"
#include "mms.h"
#include "mms_access.h"
#include "mms_client.h"
#include "perr.h"
#include "procstat.h"

#define BENCH_NAME "iedd-load"
#include "benchutil.h"

/* Limits that keep every run bounded. */
#define MAX_CONNS 60000
#define MAX_DEPTH 64		/* requests in flight per association */
#define MAX_SECONDS 600.0
#define MAX_HOLD_SECONDS 86400.0
#define SETUP_DEADLINE_S 30.0	/* all N connections associated by then */
#define DRAIN_DEADLINE_S 3.0	/* graceful release after the window */
#define RX_CAP 8192		/* > largest TPKT (2048 + 4) */
/* Invoke IDs cycle through 0..127 so every request encodes to the same
 * size (a one-octet INTEGER) and RING slots never collide (D <= 64). */
#define INVOKE_ID_MOD 128
#define RING (MAX_DEPTH)

enum mode { MODE_IDENTIFY, MODE_RAW, MODE_ASSOC, MODE_HOLD, MODE_PROBE };
static const char *const mode_names[] = {
	[MODE_IDENTIFY] = "identify", [MODE_RAW] = "raw", [MODE_ASSOC] = "assoc",
	[MODE_HOLD] = "hold", [MODE_PROBE] = "probe",
};

enum phase { PH_SETUP, PH_WARMUP, PH_MEASURE, PH_HOLD, PH_DRAIN, PH_DONE };

enum conn_state {
	C_FREE,			/* no socket */
	C_CONNECTING,		/* TCP connect in progress */
	C_WAIT_CC,		/* CR sent */
	C_WAIT_AC,		/* CN (AARQ, Initiate-Request) sent */
	C_READY,		/* associated (or TCP up for raw); requests may flow */
	C_WAIT_CONCLUDE,	/* Conclude-Request sent */
	C_WAIT_RELEASE,		/* FN (RLRQ) sent */
};

/* Latency histogram: log-linear buckets, 64 per power of two (< 1.6 %
 * error), in nanoseconds. Fixed memory whatever the run length. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)
struct hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

struct conn {
	int fd;
	uint32_t gen;		/* bumped on close: stale epoll events are dropped */
	uint8_t state;		/* enum conn_state */
	bool out_armed;		/* EPOLLOUT in the interest set */
	struct iso_conn iso;
	uint8_t *rx;		/* RX_CAP octets, owned */
	size_t rx_len;
	struct buf tx;		/* unsent output from tx_off */
	size_t tx_off;
	uint32_t next_id;	/* next invoke ID to send (mod INVOKE_ID_MOD) */
	unsigned inflight;
	unsigned unstamped;	/* last requests queued but not yet handed to send() */
	uint64_t sent_ns[RING];	/* send time by invoke ID slot */
	uint64_t busy;		/* bit per RING slot: a request is outstanding */
	uint64_t t_begin;	/* assoc: start of this set-up */
	size_t resp_acc;	/* octets of the TPKTs of a segmented response so far */
};

struct opts {
	int mode;
	struct sockaddr_in addr;
	unsigned conns;
	unsigned depth;
	double seconds;
	double warmup;
	double max_time;	/* hold */
	uint64_t count;		/* stop measuring after this many, 0 = no limit */
	unsigned burst;		/* connections in set-up at once */
	size_t req_size;	/* raw: request TPKT size, 0 = a real Identify's */
	int server_pid;		/* > 0: also report the server's CPU in the window */
	uint8_t tpdu_code;
	bool has_read;		/* --read: Read this variable instead of Identify */
	struct mms_objname read_name;
};

struct load {
	struct opts o;
	int ep;
	int sig_fd;
	bool stdin_watched;
	struct conn *c;		/* o.conns of them */
	unsigned opened;	/* hold/identify: connections started so far */
	unsigned setting_up;	/* in C_CONNECTING..C_WAIT_AC */
	unsigned ready;		/* reached C_READY at least once during set-up */
	unsigned live;		/* sockets open */
	int phase;
	uint64_t t_start, t_ms, t_me, t_drain;
	uint64_t measured;	/* responses (or set-ups) inside the window */
	uint64_t errors;
	struct hist h;
	struct rusage ru_ms, ru_me;
	uint64_t wall_ms, wall_me;	/* actual window ends */
	double srv_ms, srv_me;		/* server CPU seconds at the window ends */
	double sys_ms, sys_me;		/* busy CPU seconds of the whole machine */
	struct buf pdu;		/* scratch for one MMS PDU, ISO_HEADROOM in front */
	uint8_t raw_req[2052];
	size_t raw_req_len;
	size_t req_bytes, resp_bytes;	/* request TPKT, response TPKTs (all segments) */
	struct mms_identify ident;	/* probe */
	bool stop;		/* signal or EOF */
};

static uint64_t s_to_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

/* ---- histogram ---- */

static unsigned hist_index(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

/* Middle of bucket i. */
static double hist_value(unsigned i)
{
	if (i < HIST_SUB)
		return i;
	unsigned shift = i / HIST_SUB - 1;
	uint64_t lo = (uint64_t)(HIST_SUB + i % HIST_SUB) << shift;
	return (double)lo + (double)((uint64_t)1 << shift) / 2.0;
}

static void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

static double hist_pct(const struct hist *h, double p)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)(p * (double)h->n + 0.5);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return hist_value(i);
	}
	return (double)h->max;
}

/* ---- connections ---- */

/* epoll data: connection index and generation; two indexes are reserved. */
#define EV_SIGNAL 0xFFFFFFFFu
#define EV_STDIN 0xFFFFFFFEu
static uint64_t ev_key(const struct load *L, const struct conn *c)
{
	return (uint64_t)c->gen << 32 | (uint32_t)(c - L->c);
}

static void arm(struct load *L, struct conn *c, bool out)
{
	if (c->out_armed == out)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0),
				  .data.u64 = ev_key(L, c) };
	if (epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	c->out_armed = out;
}

static void conn_close(struct load *L, struct conn *c)
{
	if (c->state >= C_CONNECTING && c->state <= C_WAIT_AC)
		L->setting_up--;
	close(c->fd);
	c->fd = -1;
	c->gen++;
	c->state = C_FREE;
	c->rx_len = 0;
	buf_reset(&c->tx, 0);
	c->tx_off = 0;
	c->inflight = 0;
	c->unstamped = 0;
	c->busy = 0;
	iso_clear(&c->iso);
	L->live--;
}

/* Hands queued output to the kernel; the requests queued since the last
 * flush get their send time now. */
static void flush(struct load *L, struct conn *c)
{
	if (c->unstamped) {
		uint64_t t = now_ns();
		for (unsigned k = 1; k <= c->unstamped; k++)
			c->sent_ns[(c->next_id + INVOKE_ID_MOD - k) % RING] = t;
		c->unstamped = 0;
	}
	if (c->tx.err)
		die("out of memory for output");
	while (c->tx_off < c->tx.len) {
		ssize_t n = send(c->fd, buf_data(&c->tx) + c->tx_off, c->tx.len - c->tx_off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (errno == EAGAIN) {
					arm(L, c, true);
					return;
				}
				continue;
			}
			die("send on connection %td: %s", c - L->c, strerror(errno));
		}
		c->tx_off += (size_t)n;
	}
	buf_reset(&c->tx, 0);
	c->tx_off = 0;
	if (c->out_armed && c->state != C_CONNECTING)
		arm(L, c, false);
}

/* The request measured: an Identify, or with --read a Read of one variable. */
static void encode_request(struct load *L, uint32_t id)
{
	if (L->o.has_read)
		mms_client_read_req(&L->pdu, id, &L->o.read_name, 1);
	else
		mms_encode_identify_request(&L->pdu, id);
}

static void send_pdu(struct load *L, struct conn *c)
{
	int r = iso_send_data(&c->iso, &L->pdu, &c->tx);
	if (r)
		die("cannot frame an MMS PDU: %s", strerror(-r));
}

static void send_request(struct load *L, struct conn *c)
{
	uint32_t id = c->next_id;
	size_t before = c->tx.len;
	if (L->o.mode == MODE_RAW) {
		buf_put(&c->tx, L->raw_req, L->raw_req_len);
	} else {
		buf_reset(&L->pdu, ISO_HEADROOM);
		encode_request(L, id);
		send_pdu(L, c);
	}
	L->req_bytes = c->tx.len - before;
	c->busy |= (uint64_t)1 << (id % RING);
	c->next_id = (id + 1) % INVOKE_ID_MOD;
	c->inflight++;
	c->unstamped++;
}

static void start_conclude(struct load *L, struct conn *c)
{
	if (L->o.mode == MODE_RAW) {
		conn_close(L, c);
		return;
	}
	buf_reset(&L->pdu, ISO_HEADROOM);
	mms_encode_conclude(&L->pdu, false);
	send_pdu(L, c);
	c->state = C_WAIT_CONCLUDE;
}

static bool may_send(const struct load *L)
{
	return L->phase == PH_WARMUP || L->phase == PH_MEASURE;
}

static bool in_window(const struct load *L, uint64_t t)
{
	return L->phase == PH_MEASURE && t >= L->t_ms && t < L->t_me;
}

static void conn_open(struct load *L, struct conn *c)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY: %s", strerror(errno));
	if (!c->rx && !(c->rx = malloc(RX_CAP)))
		die("out of memory");
	c->fd = fd;
	c->state = C_CONNECTING;
	c->t_begin = now_ns();
	c->next_id = 0;
	L->live++;
	L->setting_up++;
	if (connect(fd, (const struct sockaddr *)&L->o.addr, sizeof(L->o.addr)) &&
	    errno != EINPROGRESS)
		die("connect to 127.0.0.1:%u: %s%s", ntohs(L->o.addr.sin_port), strerror(errno),
		    errno == EADDRNOTAVAIL ? " (local ports exhausted)" : "");
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = ev_key(L, c) };
	if (epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	c->out_armed = true;
}

/* The connection reached C_READY. */
static void on_ready(struct load *L, struct conn *c)
{
	c->state = C_READY;
	L->setting_up--;
	switch (L->o.mode) {
	case MODE_IDENTIFY:
	case MODE_RAW:
	case MODE_HOLD:
		L->ready++;
		if (L->phase != PH_SETUP && L->phase != PH_HOLD)
			start_conclude(L, c); /* a late one after a signal */
		break;
	case MODE_ASSOC:
		start_conclude(L, c);
		break;
	case MODE_PROBE:
		send_request(L, c);
		break;
	}
}

static void on_tcp_up(struct load *L, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		die("connect to 127.0.0.1:%u: %s%s", ntohs(L->o.addr.sin_port), strerror(err),
		    err == ECONNREFUSED ? " (is the server running?)" : "");
	if (L->o.mode == MODE_RAW) {
		arm(L, c, false);
		on_ready(L, c);
		return;
	}
	iso_init(&c->iso, true, (uint16_t)(c - L->c + 1));
	iso_connect(&c->iso, L->o.tpdu_code, &c->tx);
	c->state = C_WAIT_CC;
	c->out_armed = true; /* flush() disarms once CR is out */
}

static void on_response(struct load *L, struct conn *c, uint32_t id, uint64_t t)
{
	uint64_t bit = (uint64_t)1 << (id % RING);
	if (!(c->busy & bit) || id >= INVOKE_ID_MOD)
		die("connection %td: response with unexpected invoke ID %" PRIu32, c - L->c, id);
	c->busy &= ~bit;
	c->inflight--;
	if (in_window(L, t)) {
		hist_add(&L->h, t - c->sent_ns[id % RING]);
		L->measured++;
		if (L->o.count && L->measured >= L->o.count)
			L->t_me = t; /* the loop ends the window */
	}
	if (may_send(L) && !(L->o.count && L->measured >= L->o.count))
		send_request(L, c);
	else if (!c->inflight && L->phase != PH_SETUP)
		start_conclude(L, c);
}

/* A Read response whose first AccessResult is a failure [0]. */
static bool read_failed(const struct mms_pdu *pdu)
{
	struct ber_cur c, l;
	struct ber_tlv t, f;
	ber_cur_init(&c, pdu->body, pdu->body_len);
	if (ber_next(&c, &t, NULL) || ber_enter(&c, &t, &l, NULL) || ber_next(&l, &f, NULL))
		return true;
	return f.cls == BER_CONTEXT && f.tag == 0 && !f.constructed;
}

static void on_mms(struct load *L, struct conn *c, const uint8_t *p, size_t n, uint64_t t)
{
	struct mms_pdu pdu;
	struct proto_err err = { 0 };
	char msg[160];
	int r = mms_pdu_decode(p, n, &pdu, &err);
	if (r)
		die("connection %td: bad MMS PDU: %s", c - L->c, proto_err_str(&err, msg, sizeof(msg)));
	if (c->state == C_READY && pdu.kind == MMS_CONFIRMED_RESPONSE &&
	    pdu.service == (L->o.has_read ? MMS_SVC_READ : MMS_SVC_IDENTIFY)) {
		if (L->o.has_read && read_failed(&pdu))
			die("connection %td: the Read failed: is --read a variable of the model?",
			    c - L->c);
		if (L->o.mode == MODE_PROBE) {
			if ((r = mms_identify_decode(pdu.body, pdu.body_len, &L->ident, &err)))
				die("Identify response: %s", proto_err_str(&err, msg, sizeof(msg)));
		}
		on_response(L, c, pdu.invoke_id, t);
		return;
	}
	if (c->state == C_WAIT_CONCLUDE && pdu.kind == MMS_CONCLUDE_RESPONSE) {
		iso_release(&c->iso, &c->tx);
		c->state = C_WAIT_RELEASE;
		return;
	}
	if (pdu.kind == MMS_CONFIRMED_ERROR || pdu.kind == MMS_REJECT)
		die("connection %td: the server answered with %s (state %u)", c - L->c,
		    pdu.kind == MMS_REJECT ? "a Reject" : "a confirmed-error", c->state);
	die("connection %td: unexpected MMS PDU kind %u in state %u", c - L->c, pdu.kind, c->state);
}

static void on_released(struct load *L, struct conn *c, uint64_t t)
{
	conn_close(L, c);
	if (L->o.mode != MODE_ASSOC)
		return;
	if (in_window(L, t)) {
		hist_add(&L->h, t - c->t_begin);
		L->measured++;
		if (L->o.count && L->measured >= L->o.count)
			L->t_me = t;
	}
	if (may_send(L) && !(L->o.count && L->measured >= L->o.count))
		conn_open(L, c);
}

static void on_tpkt(struct load *L, struct conn *c, const uint8_t *p, size_t n, uint64_t t)
{
	struct iso_event ev;
	struct proto_err err = { 0 };
	char msg[160];

	if (L->o.mode == MODE_RAW) {
		L->resp_bytes = n;
		/* pingpong answers in order: the oldest outstanding request. */
		uint32_t id = (c->next_id + INVOKE_ID_MOD - c->inflight) % INVOKE_ID_MOD;
		if (!c->inflight)
			die("connection %td: a response nobody asked for", c - L->c);
		on_response(L, c, id, t);
		return;
	}
	if (iso_input(&c->iso, p, n, &c->tx, &ev, &err))
		die("connection %td: %s", c - L->c, proto_err_str(&err, msg, sizeof(msg)));
	switch (ev.type) {
	case ISO_EV_NONE:
		c->resp_acc += n; /* a segment of a larger response */
		return;
	case ISO_EV_CONNECTED: {
		struct mms_initiate req = {
			.has_local_detail = true, .local_detail = 65000,
			.max_serv_calling = MAX_DEPTH, .max_serv_called = MAX_DEPTH,
			.has_nesting = true, .nesting = 10, .version = 1,
		};
		/* IEC 61850-8-1 Table 3: str1, str2, vnam, valt, vlis. */
		mms_set_bit(req.param_cbb, 0);
		mms_set_bit(req.param_cbb, 1);
		mms_set_bit(req.param_cbb, 2);
		mms_set_bit(req.param_cbb, 3);
		mms_set_bit(req.param_cbb, 7);
		mms_set_bit(req.services, MMS_SVCBIT_INFORMATION_REPORT);
		mms_set_bit(req.services, MMS_SVCBIT_CONCLUDE);
		buf_reset(&L->pdu, 0);
		mms_initiate_encode(&L->pdu, false, &req);
		if (L->pdu.err)
			die("cannot encode Initiate-Request");
		iso_associate(&c->iso, NULL, buf_data(&L->pdu), L->pdu.len, &c->tx);
		c->state = C_WAIT_AC;
		return;
	}
	case ISO_EV_ASSOCIATED: {
		struct mms_initiate resp;
		if (!ev.data || mms_initiate_decode(ev.data, ev.len, true, &resp, &err))
			die("connection %td: bad Initiate-Response: %s", c - L->c,
			    ev.data ? proto_err_str(&err, msg, sizeof(msg)) : "missing");
		if ((unsigned)resp.max_serv_called < L->o.depth)
			die("the server allows %d requests in flight, fewer than --depth %u",
			    resp.max_serv_called, L->o.depth);
		on_ready(L, c);
		return;
	}
	case ISO_EV_DATA:
		/* all TPKTs of the response, so the ceiling moves as many octets */
		if (c->state == C_READY)
			L->resp_bytes = c->resp_acc + n;
		c->resp_acc = 0;
		on_mms(L, c, ev.data, ev.len, t);
		return;
	case ISO_EV_RELEASED:
		on_released(L, c, t);
		return;
	case ISO_EV_REFUSED:
		die("connection %td: association refused%s", c - L->c,
		    L->o.mode == MODE_HOLD ? " (is --max-associations large enough?)" : "");
	case ISO_EV_ABORTED:
		die("connection %td: the server aborted the association (state %u)", c - L->c,
		    c->state);
	case ISO_EV_DISCONNECTED:
		die("connection %td: the server disconnected (COTP DR reason %u, state %u)",
		    c - L->c, ev.cotp_reason, c->state);
	default:
		die("connection %td: unexpected ISO event %u", c - L->c, ev.type);
	}
}

static void on_readable(struct load *L, struct conn *c)
{
	ssize_t n = read(c->fd, c->rx + c->rx_len, RX_CAP - c->rx_len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		die("read on connection %td (state %u): %s", c - L->c, c->state, strerror(errno));
	}
	if (n == 0)
		die("connection %td: the server closed it (state %u)", c - L->c, c->state);
	uint64_t t = now_ns();
	uint32_t gen = c->gen;
	c->rx_len += (size_t)n;
	size_t off = 0;
	/* A release closes the connection (and assoc mode may reopen it at
	 * once): stop at the generation change. */
	while (c->gen == gen) {
		size_t pkt;
		struct proto_err err = { 0 };
		char msg[160];
		int r = tpkt_header(c->rx + off, c->rx_len - off, RX_CAP / 2, &pkt, &err);
		if (r == -EAGAIN)
			break;
		if (r)
			die("connection %td: %s", c - L->c, proto_err_str(&err, msg, sizeof(msg)));
		if (pkt > c->rx_len - off)
			break;
		on_tpkt(L, c, c->rx + off, pkt, t);
		off += pkt;
	}
	if (c->gen != gen)
		return;
	if (off) {
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
	flush(L, c);
}

static void on_conn_event(struct load *L, struct conn *c, uint32_t events)
{
	if (c->state == C_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		on_tcp_up(L, c);
		if (c->state != C_FREE)
			flush(L, c);
		return;
	}
	if (events & EPOLLOUT)
		flush(L, c);
	if (c->state != C_FREE && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		on_readable(L, c);
}

/* ---- phases ---- */

static void begin_load(struct load *L, uint64_t t)
{
	L->phase = PH_WARMUP;
	L->t_ms = t + s_to_ns(L->o.warmup);
	L->t_me = L->t_ms + s_to_ns(L->o.seconds);
	if (L->o.mode == MODE_ASSOC) {
		for (unsigned i = 0; i < L->o.conns; i++)
			conn_open(L, &L->c[i]);
		return;
	}
	for (unsigned i = 0; i < L->o.conns; i++) {
		struct conn *c = &L->c[i];
		for (unsigned d = 0; d < L->o.depth; d++)
			send_request(L, c);
		flush(L, c);
	}
}

static void begin_drain(struct load *L, uint64_t t)
{
	L->phase = PH_DRAIN;
	L->t_drain = t + s_to_ns(DRAIN_DEADLINE_S);
	for (unsigned i = 0; i < L->o.conns; i++) {
		struct conn *c = &L->c[i];
		if (c->state == C_READY && !c->inflight) {
			start_conclude(L, c);
			if (c->state != C_FREE)
				flush(L, c);
		}
	}
}

static void advance(struct load *L, uint64_t t)
{
	switch (L->phase) {
	case PH_SETUP:
		if (L->stop)
			die("interrupted during set-up (%u of %u ready)", L->ready, L->o.conns);
		if (t > L->t_start + s_to_ns(SETUP_DEADLINE_S))
			die("only %u of %u connections ready after %.0f s", L->ready, L->o.conns,
			    SETUP_DEADLINE_S);
		/* Open more, at most --burst in set-up at once. */
		while (L->opened < L->o.conns && L->setting_up < L->o.burst)
			conn_open(L, &L->c[L->opened++]);
		if (L->ready < L->o.conns)
			return;
		if (L->o.mode == MODE_HOLD) {
			L->phase = PH_HOLD;
			L->t_me = t + s_to_ns(L->o.max_time);
			printf("{\"mode\":\"hold\",\"conns\":%u,\"associated\":%u,\"setup_s\":%.3f,"
			       "\"pid\":%d}\n", L->o.conns, L->ready,
			       (double)(t - L->t_start) / 1e9, (int)getpid());
			fflush(stdout);
			return;
		}
		if (L->o.mode == MODE_PROBE)
			return;
		begin_load(L, t);
		return;
	case PH_WARMUP:
		if (L->stop) {
			begin_drain(L, t);
			return;
		}
		if (t >= L->t_ms) {
			L->phase = PH_MEASURE;
			L->wall_ms = t;
			getrusage(RUSAGE_SELF, &L->ru_ms);
			if (L->o.server_pid > 0)
				L->srv_ms = process_cpu_s(L->o.server_pid);
			L->sys_ms = machine_busy_s();
		}
		return;
	case PH_MEASURE:
		if (t >= L->t_me || L->stop) {
			L->wall_me = t;
			getrusage(RUSAGE_SELF, &L->ru_me);
			if (L->o.server_pid > 0)
				L->srv_me = process_cpu_s(L->o.server_pid);
			L->sys_me = machine_busy_s();
			begin_drain(L, t);
		}
		return;
	case PH_HOLD:
		if (t >= L->t_me || L->stop)
			begin_drain(L, t);
		return;
	case PH_DRAIN:
		if (!L->live) {
			L->phase = PH_DONE;
		} else if (t >= L->t_drain) {
			fprintf(stderr, "iedd-load: %u connections not released after %.0f s; "
				"closing them\n", L->live, DRAIN_DEADLINE_S);
			for (unsigned i = 0; i < L->o.conns; i++)
				if (L->c[i].state != C_FREE)
					conn_close(L, &L->c[i]);
			L->phase = PH_DONE;
		}
		return;
	default:
		return;
	}
}

static int next_timeout_ms(const struct load *L, uint64_t t)
{
	uint64_t due;
	switch (L->phase) {
	case PH_SETUP: due = L->t_start + s_to_ns(SETUP_DEADLINE_S); break;
	case PH_WARMUP: due = L->t_ms; break;
	case PH_MEASURE: due = L->t_me; break;
	case PH_HOLD: due = L->t_me; break;
	case PH_DRAIN: due = L->t_drain; break;
	default: return 0;
	}
	if (due <= t)
		return 0;
	uint64_t ms = (due - t + 999999) / 1000000;
	return ms > 1000 ? 1000 : (int)ms;
}

static void on_signal_or_stdin(struct load *L, bool is_stdin)
{
	if (is_stdin) {
		char tmp[256];
		ssize_t n = read(STDIN_FILENO, tmp, sizeof(tmp));
		if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
			return;
		epoll_ctl(L->ep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
		L->stdin_watched = false;
	} else {
		struct signalfd_siginfo si;
		if (read(L->sig_fd, &si, sizeof(si)) < 0)
			return;
	}
	L->stop = true;
}

/* ---- results ---- */

static double cpu_s(const struct rusage *r)
{
	return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
	       (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

static void print_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void report(const struct load *L)
{
	const struct opts *o = &L->o;
	if (o->mode == MODE_HOLD)
		return;
	if (o->mode == MODE_PROBE) {
		printf("{\"mode\":\"probe\",\"req_bytes\":%zu,\"resp_bytes\":%zu,\"vendor\":",
		       L->req_bytes, L->resp_bytes);
		print_json_str(L->ident.vendor);
		printf(",\"model\":");
		print_json_str(L->ident.model);
		printf(",\"revision\":");
		print_json_str(L->ident.revision);
		printf("}\n");
		return;
	}
	double wall = L->wall_me > L->wall_ms ? (double)(L->wall_me - L->wall_ms) / 1e9 : 0;
	double cpu = wall > 0 ? (cpu_s(&L->ru_me) - cpu_s(&L->ru_ms)) / wall : 0;
	double rate = wall > 0 ? (double)L->measured / wall : 0;
	printf("{\"mode\":\"%s\",\"%s\":%u,", mode_names[o->mode],
	       o->mode == MODE_ASSOC ? "workers" : "conns", o->conns);
	if (o->mode != MODE_ASSOC)
		printf("\"depth\":%u,", o->depth);
	printf("\"seconds\":%.3f,\"n\":%" PRIu64 ",\"rate\":%.1f,\"p50_us\":%.1f,"
	       "\"p99_us\":%.1f,\"max_us\":%.1f,",
	       wall, L->measured, rate, hist_pct(&L->h, 0.50) / 1e3, hist_pct(&L->h, 0.99) / 1e3,
	       (double)L->h.max / 1e3);
	if (o->mode != MODE_ASSOC)
		printf("\"req_bytes\":%zu,\"resp_bytes\":%zu,", L->req_bytes, L->resp_bytes);
	printf("\"client_cpu\":%.2f", cpu);
	if (o->server_pid > 0 && L->srv_ms >= 0 && L->srv_me >= 0 && wall > 0) {
		double sc = L->srv_me - L->srv_ms;
		printf(",\"server_cpu\":%.2f,\"server_us_per_op\":%.2f", sc / wall,
		       L->measured ? sc * 1e6 / (double)L->measured : 0);
		if (L->sys_ms >= 0 && L->sys_me >= 0) {
			double other = (L->sys_me - L->sys_ms) - sc - cpu * wall;
			printf(",\"other_cpu\":%.2f", (other > 0 ? other : 0) / wall);
		}
	}
	printf("}\n");
}

/* ---- set-up ---- */

/* The request pingpong gets in raw mode: the TPKT of a real Identify request
 * (as iso_send_data frames it on an associated connection), optionally
 * stretched or cut to `size` octets with its TPKT length adjusted. */
static void make_raw_request(struct load *L)
{
	struct iso_conn iso;
	struct buf out;
	iso_init(&iso, true, 1);
	iso.state = ISO_ASSOCIATED;
	iso.tpdu_code = L->o.tpdu_code;
	iso.tpdu_size = (uint16_t)(1u << L->o.tpdu_code);
	buf_reset(&L->pdu, ISO_HEADROOM);
	encode_request(L, 1);
	buf_init(&out, 0, 0);
	if (iso_send_data(&iso, &L->pdu, &out))
		die("cannot encode the request");
	size_t size = L->o.req_size ? L->o.req_size : out.len;
	if (size < TPKT_MIN_LEN || size > sizeof(L->raw_req))
		die("--request-size must be %d..%zu", TPKT_MIN_LEN, sizeof(L->raw_req));
	memset(L->raw_req, 0, sizeof(L->raw_req));
	memcpy(L->raw_req, buf_data(&out), out.len < size ? out.len : size);
	tpkt_write_header(L->raw_req, size);
	L->raw_req_len = size;
	buf_clear(&out);
}

static void raise_nofile(unsigned need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need + 16)
		die("%u connections need %u file descriptors; the hard limit is %llu "
		    "(raise it with ulimit -Hn)", need, need + 16, (unsigned long long)rl.rlim_cur);
}

static void parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		die("--connect wants 127.0.0.1:PORT, not \"%s\"", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || !port || port > 65535)
		die("bad port in \"%s\"", s);
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1 ||
	    a->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		die("refusing to connect to \"%s\": iedd-load only loads 127.0.0.1", host);
}

static double parse_double(const char *s, const char *what, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || end == s || !(v >= lo && v <= hi))
		die("%s must be a number in %g..%g", what, lo, hi);
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iedd-load MODE [options]\n"
		"modes: identify | raw | assoc | hold | probe\n"
		"  -c, --connect 127.0.0.1:PORT  server (default 127.0.0.1:102; loopback only)\n"
		"  -n, --conns N        associations (identify, raw, hold) or workers (assoc); 1..%d\n"
		"  -w, --workers N      the same as --conns, for assoc\n"
		"  -d, --depth D        requests in flight per association, 1..%d (default 1)\n"
		"  -t, --time S         measurement window in seconds (default 3, max %.0f)\n"
		"      --warmup S       warm-up before the window (default 0.5)\n"
		"      --count N        end the window after N responses or set-ups\n"
		"      --max-time S     hold: give up holding after S seconds (default 600)\n"
		"      --burst N        connections in set-up at once (default 256)\n"
		"      --request-size N raw: request TPKT size (default: a real request's)\n"
		"      --read DOMAIN/ITEM  identify/raw: Read this variable (e.g.\n"
		"                       IEDD1BAY/MMXU1$MX$TotW$mag$f) instead of Identify\n"
		"      --tpdu-code N    COTP TPDU size code 7..11 (default 10)\n"
		"      --server-pid PID report the server's CPU use over the window\n",
		MAX_CONNS, MAX_DEPTH, MAX_SECONDS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "conns", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "depth", required_argument, NULL, 'd' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "count", required_argument, NULL, 'C' },
		{ "max-time", required_argument, NULL, 'M' },
		{ "burst", required_argument, NULL, 'B' },
		{ "request-size", required_argument, NULL, 'R' },
		{ "read", required_argument, NULL, 'r' },
		{ "tpdu-code", required_argument, NULL, 'T' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct load L; /* large (histogram); zeroed */
	struct opts *o = &L.o;
	*o = (struct opts){ .conns = 1, .depth = 1, .seconds = 3, .warmup = 0.5,
			    .max_time = 600, .burst = 256, .tpdu_code = 10 };
	parse_addr("127.0.0.1:102", &o->addr);

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	o->mode = -1;
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(argv[1], mode_names[i]))
			o->mode = (int)i;
	if (o->mode < 0)
		die("unknown mode \"%s\" (identify, raw, assoc, hold, probe)", argv[1]);
	optind = 2;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:n:w:d:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': parse_addr(optarg, &o->addr); break;
		case 'n':
		case 'w': o->conns = (unsigned)parse_double(optarg, "--conns", 1, MAX_CONNS); break;
		case 'd': o->depth = (unsigned)parse_double(optarg, "--depth", 1, MAX_DEPTH); break;
		case 't': o->seconds = parse_double(optarg, "--time", 0.01, MAX_SECONDS); break;
		case 'W': o->warmup = parse_double(optarg, "--warmup", 0, MAX_SECONDS); break;
		case 'C': o->count = (uint64_t)parse_double(optarg, "--count", 1, 1e12); break;
		case 'M':
			o->max_time = parse_double(optarg, "--max-time", 0.01, MAX_HOLD_SECONDS);
			break;
		case 'B': o->burst = (unsigned)parse_double(optarg, "--burst", 1, 4096); break;
		case 'R': o->req_size = (size_t)parse_double(optarg, "--request-size", 7, 2052); break;
		case 'r': {
			const char *slash = strchr(optarg, '/');
			if (!slash || slash == optarg || (size_t)(slash - optarg) > MMS_MAX_DOMAIN ||
			    strlen(slash + 1) > MMS_MAX_ITEM || !slash[1])
				die("--read '%s': expected DOMAIN/ITEM, e.g. IEDD1BAY/MMXU1$MX$TotW$mag$f",
				    optarg);
			o->has_read = true;
			o->read_name.scope = MMS_SCOPE_DOMAIN;
			memcpy(o->read_name.domain, optarg, (size_t)(slash - optarg));
			snprintf(o->read_name.item, sizeof(o->read_name.item), "%s", slash + 1);
			break;
		}
		case 'T':
			o->tpdu_code = (uint8_t)parse_double(optarg, "--tpdu-code", COTP_TPDU_CODE_MIN,
							     COTP_CLASS0_MAX_CODE);
			break;
		case 'P': o->server_pid = (int)parse_double(optarg, "--server-pid", 1, 1 << 22); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc)
		die("unexpected argument \"%s\"", argv[optind]);
	if (o->mode == MODE_PROBE)
		o->conns = 1;

	raise_nofile(o->conns);
	buf_init(&L.pdu, ISO_HEADROOM, 0);
	make_raw_request(&L);
	if (!(L.c = calloc(o->conns, sizeof(*L.c))))
		die("out of memory");
	for (unsigned i = 0; i < o->conns; i++) {
		L.c[i].fd = -1;
		buf_init(&L.c[i].tx, 0, 0);
	}
	if ((L.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((L.sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die("signalfd: %s", strerror(errno));
	struct epoll_event sev = { .events = EPOLLIN, .data.u64 = EV_SIGNAL };
	epoll_ctl(L.ep, EPOLL_CTL_ADD, L.sig_fd, &sev);
	if (o->mode == MODE_HOLD) {
		/* EOF on stdin ends the hold; a stdin that cannot be polled
		 * (/dev/null, a file) leaves SIGTERM and --max-time. */
		struct epoll_event iev = { .events = EPOLLIN, .data.u64 = EV_STDIN };
		if (!epoll_ctl(L.ep, EPOLL_CTL_ADD, STDIN_FILENO, &iev))
			L.stdin_watched = true;
	}

	L.t_start = now_ns();
	L.phase = PH_SETUP;
	if (o->mode == MODE_ASSOC) {
		L.ready = L.opened = o->conns; /* workers connect in begin_load */
		o->depth = 1;
	}
	advance(&L, L.t_start);

	struct epoll_event evs[512];
	while (L.phase != PH_DONE) {
		uint64_t t = now_ns();
		int n = epoll_wait(L.ep, evs, 512, next_timeout_ms(&L, t));
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			if (idx == EV_SIGNAL) {
				on_signal_or_stdin(&L, false);
			} else if (idx == EV_STDIN) {
				on_signal_or_stdin(&L, true);
			} else {
				struct conn *c = &L.c[idx];
				if (c->gen == gen && c->state != C_FREE)
					on_conn_event(&L, c, evs[i].events);
			}
		}
		advance(&L, now_ns());
		if (o->mode == MODE_PROBE && L.phase == PH_SETUP && L.resp_bytes &&
		    L.c[0].state == C_READY && !L.c[0].inflight)
			begin_drain(&L, now_ns());
	}
	report(&L);
	for (unsigned i = 0; i < o->conns; i++) {
		buf_clear(&L.c[i].tx);
		free(L.c[i].rx);
	}
	free(L.c);
	buf_clear(&L.pdu);
	return 0;
}
