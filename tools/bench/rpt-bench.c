/* SPDX-License-Identifier: Apache-2.0 */
/* rpt-bench: the reporting benchmark (tests/bench/report_bench.py runs it
 * against a real iedd on a generated model).
 *
 *   rpt-bench -c 127.0.0.1:PORT --mode latency --rcb LD/LLN0$RP$urcbOne
 *             --clients N --count M --item LD/GGIO1$SP$ISC1$setVal
 *   rpt-bench ... --mode flood --rcb LD/LLN0$RP$urcbHundred --clients 16
 *             --item 'LD/GGIO1$SP$ISC%d$setVal' --members 100 --rate 10000
 *             --seconds 5 [--server-pid PID]
 *   rpt-bench ... --mode gi --rcb LD/LLN0$RP$urcbBig --count M
 *   rpt-bench ... --mode resync --rcb LD/LLN0$BR$brcbOne --item ... --count E
 *
 * Each subscriber is its own association (iedc's client) and thread, which
 * enables instance NN of the RCB (`--rcb` + "01", "02", ...: the RCBs are
 * configured in the SCL: data set, TrgOps, BufTm, OptFlds with seqNum) and
 * reads reports with a blocking receive. A trigger association writes
 * INT32 values (ISC setVal, SP: plain writes, observed as dchg).
 *
 *   latency  M samples: t0, Write of value k, then until every subscriber
 *            received the report carrying k; the sample is its arrival -
 *            t0, per subscriber (p50/p99 in us over all of them).
 *   flood    writes round robin over --members items (%d = 1..K) at --rate
 *            per second for --seconds; then checks that every subscriber got
 *            every SqNum (none skipped) and, per member, the last value
 *            written; prints iedd's CPU share (--server-pid) while flooding.
 *   gi       M times: GI=true, time to the last segment (MoreSegmentsFollow
 *            false), median in ms, segments and octets.
 *   resync   a BRCB: enable, disable (RptEna=false), E writes, EntryID of
 *            the last report seen, enable: time until all E entries came,
 *            entries per second.
 *
 * Output: one line of key=value pairs; complaints on stderr with exit 1.
 * Loopback tool: every wait is bounded. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "cotp.h"
#include "mms_access.h"
#include "mms_client.h"
#include "mms_report.h"
#include "procstat.h"

#define BENCH_NAME "rpt-bench"
#include "benchutil.h"

#define MAX_CLIENTS 64
#define MAX_COUNT 1000000
#define MAX_MEMBERS 4096
#define TIMEOUT_NS 10000000000ull

static const char *opt_addr, *opt_rcb, *opt_item, *opt_mode;
static unsigned opt_clients = 1, opt_count = 100, opt_members = 1, opt_rate = 10000;
static double opt_seconds = 5;
static int opt_pid;

/* ---- one association ---- */

static void send_all(struct client *c, const struct buf *b)
{
	for (size_t off = 0; off < b->len;) {
		ssize_t n = send(c->fd, buf_data(b) + off, b->len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			die("send: %s", strerror(errno));
		off += (size_t)n;
	}
}

/* The next MMS PDU into `into` (blocking, bounded); false when the server
 * closed. */
static bool next_pdu(struct client *c, struct buf *into, uint64_t deadline)
{
	struct proto_err err = { 0 };
	struct buf out;
	buf_init(&out, 0, 0);
	for (;;) {
		size_t pkt;
		int h = tpkt_header(c->rbuf, c->rlen, 65535, &pkt, &err);
		if (h && h != -EAGAIN)
			die("%s: %s", err.layer, err.reason);
		if (!h && c->rlen >= pkt) {
			struct iso_event ev;
			memset(&ev, 0, sizeof(ev));
			buf_reset(&out, 0);
			if (iso_input(&c->iso, c->rbuf, pkt, &out, &ev, &err))
				die("%s: %s", err.layer, err.reason);
			if (out.len)
				send_all(c, &out);
			bool data = ev.type == ISO_EV_DATA;
			if (data) {
				buf_reset(into, 0);
				buf_put(into, ev.data, ev.len);
			}
			memmove(c->rbuf, c->rbuf + pkt, c->rlen - pkt);
			c->rlen -= pkt;
			if (data) {
				buf_clear(&out);
				return true;
			}
			if (ev.type != ISO_EV_NONE) {
				buf_clear(&out);
				return false;
			}
			continue;
		}
		if (c->rlen == c->rcap)
			die("receive buffer full");
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0) {
			buf_clear(&out);
			return false;
		}
		if (errno != EINTR && errno != EAGAIN)
			die("recv: %s", strerror(errno));
		if (now_ns() > deadline)
			die("nothing received in time");
	}
}

static struct mms_objname objname(const char *ref)
{
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	const char *slash = strchr(ref, '/');
	if (!slash || (size_t)(slash - ref) > MMS_MAX_DOMAIN || strlen(slash + 1) > MMS_MAX_ITEM)
		die("'%s': expected LD/LN$FC$...", ref);
	memcpy(on.domain, ref, (size_t)(slash - ref));
	snprintf(on.item, sizeof(on.item), "%s", slash + 1);
	return on;
}

/* Sends a Write of data[len] to `ref` (no wait). */
static uint32_t send_write(struct client *c, const char *ref, const uint8_t *data, size_t len)
{
	struct buf pdu, out;
	struct mms_objname on = objname(ref);
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	buf_init(&out, 0, 0);
	mms_client_write_req(&pdu, id, &on, data, len);
	if (pdu.err || iso_send_data(&c->iso, &pdu, &out))
		die("cannot encode a Write");
	send_all(c, &out);
	buf_clear(&pdu);
	buf_clear(&out);
	return id;
}

/* Waits for the Write response `id`, skipping reports. */
static void wait_write(struct client *c, uint32_t id, const char *ref)
{
	struct buf b;
	buf_init(&b, 0, 0);
	uint64_t deadline = now_ns() + TIMEOUT_NS;
	for (;;) {
		if (!next_pdu(c, &b, deadline))
			die("iedd closed the association");
		struct mms_pdu p;
		if (mms_pdu_decode(buf_data(&b), b.len, &p, NULL))
			die("bad PDU from iedd");
		if (p.kind == MMS_UNCONFIRMED)
			continue;
		if (mms_client_check(&p, id, MMS_SVC_WRITE, NULL, NULL))
			die("Write of %s refused", ref);
		int res[1];
		size_t n;
		if (mms_client_write_decode(p.body, p.body_len, res, 1, &n, NULL) || n != 1)
			die("bad Write response");
		if (res[0] != MMS_DAE_SUCCESS)
			die("Write of %s: %s", ref, mms_dae_name(res[0]));
		break;
	}
	buf_clear(&b);
}

static void write_bool(struct client *c, const char *ref, bool v)
{
	const uint8_t d[] = { 0x83, 0x01, v ? 0xFF : 0x00 };
	wait_write(c, send_write(c, ref, d, sizeof(d)), ref);
}

static size_t int32_data(uint8_t d[7], int32_t v)
{
	d[0] = 0x85;
	d[1] = 5;
	d[2] = v < 0 ? 0xFF : 0x00;
	d[3] = (uint8_t)((uint32_t)v >> 24);
	d[4] = (uint8_t)((uint32_t)v >> 16);
	d[5] = (uint8_t)((uint32_t)v >> 8);
	d[6] = (uint8_t)v;
	return 7;
}

static void open_client(struct client *c)
{
	memset(c, 0, sizeof(*c));
	if (client_open(c, opt_addr, NULL, 10000))
		die("%s", c->errmsg);
}

/* ---- subscribers ---- */

struct sub {
	struct client c;
	char rcb[200];
	pthread_t th;
	atomic_uint_fast64_t last_k;	/* latency: the last value seen + 1 */
	uint64_t *arrive;		/* latency: by value */
	uint64_t reports, segments, octets, bad_seq;
	int last_seq;
	int32_t *member_val;		/* flood: last value per member */
	atomic_bool stop;
	atomic_bool done;
	uint64_t last_arrival;
	bool last_more;
};

static struct sub subs[MAX_CLIENTS];

/* Value of an INT32 Data TLV, or -1. */
static int32_t int_value(const uint8_t *d, size_t len)
{
	if (len < 3 || d[0] != 0x85 || d[1] + 2u != len || d[1] > 5)
		return -1;
	int64_t v = (d[2] & 0x80) ? -1 : 0;
	for (size_t i = 2; i < len; i++)
		v = v * 256 + d[i];
	return (int32_t)v;
}

static void *sub_main(void *arg)
{
	struct sub *s = arg;
	struct buf b;
	static _Thread_local struct mms_report_member mem[MAX_MEMBERS];
	buf_init(&b, 0, 0);
	while (!atomic_load(&s->stop)) {
		if (!next_pdu(&s->c, &b, now_ns() + 3600 * 1000000000ull))
			break;
		uint64_t t = now_ns();
		struct mms_pdu p;
		if (mms_pdu_decode(buf_data(&b), b.len, &p, NULL) || p.kind != MMS_UNCONFIRMED)
			continue;
		struct mms_report r = { .members = mem, .cap = MAX_MEMBERS };
		const uint8_t *body;
		size_t blen;
		if (mms_unconfirmed_report(&p, &body, &blen, NULL) != 1 ||
		    mms_report_decode(body, blen, &r, NULL))
			die("a report that does not decode");
		s->segments++;
		s->octets += b.len;
		s->last_arrival = t;
		s->last_more = r.has_segment && r.more_segments;
		if (!r.has_segment || r.sub_seq_num == 0) {
			if (r.has_seq && s->last_seq >= 0 && r.seq_num != ((uint32_t)s->last_seq + 1) % 256 &&
			    r.seq_num != ((uint32_t)s->last_seq + 1) % 65536)
				s->bad_seq++;
			if (r.has_seq)
				s->last_seq = (int)r.seq_num;
		}
		if (!s->last_more)
			s->reports++;
		for (uint32_t i = 0; i < r.n_included; i++) {
			int32_t v = int_value(r.members[i].data, r.members[i].data_len);
			if (s->member_val && r.members[i].index < MAX_MEMBERS)
				s->member_val[r.members[i].index] = v;
			if (s->arrive && v >= 0 && (unsigned)v < opt_count + 2u) {
				s->arrive[v] = t;
				atomic_store(&s->last_k, (uint64_t)v + 1);
			}
		}
	}
	buf_clear(&b);
	atomic_store(&s->done, true);
	return NULL;
}

static void sub_open(struct sub *s, unsigned i)
{
	open_client(&s->c);
	snprintf(s->rcb, sizeof(s->rcb), "%s%02u", opt_rcb, i + 1);
	s->last_seq = -1;
	char ref[260];
	snprintf(ref, sizeof(ref), "%s$RptEna", s->rcb);
	write_bool(&s->c, ref, true);
}

static void sub_start(struct sub *s)
{
	if (pthread_create(&s->th, NULL, sub_main, s))
		die("pthread_create");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- modes ---- */

static void mode_latency(void)
{
	struct client trig;
	open_client(&trig);
	for (unsigned i = 0; i < opt_clients; i++) {
		subs[i].arrive = calloc(opt_count + 2u, sizeof(uint64_t));
		sub_open(&subs[i], i);
		sub_start(&subs[i]);
	}
	uint64_t *t0 = calloc(opt_count + 1u, sizeof(uint64_t));
	uint64_t *lat = calloc((size_t)opt_count * opt_clients, sizeof(uint64_t));
	size_t nl = 0;
	/* values 1.. (the model holds 0); the first, not counted, warms up */
	for (unsigned k = 0; k <= opt_count; k++) {
		unsigned w = k + 1;
		uint8_t d[7];
		size_t n = int32_data(d, (int32_t)w);
		usleep(200 + (unsigned)(rand() % 800)); /* not in step with anything */
		t0[k] = now_ns();
		uint32_t id = send_write(&trig, opt_item, d, n);
		wait_write(&trig, id, opt_item);
		uint64_t deadline = now_ns() + TIMEOUT_NS;
		for (unsigned i = 0; i < opt_clients; i++)
			while (atomic_load(&subs[i].last_k) <= w) {
				if (now_ns() > deadline)
					die("subscriber %u: no report of value %u", i + 1, w);
				sched_yield();
			}
		if (k)
			for (unsigned i = 0; i < opt_clients; i++)
				lat[nl++] = subs[i].arrive[w] - t0[k];
	}
	qsort(lat, nl, sizeof(*lat), cmp_u64);
	printf("mode=latency clients=%u samples=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	       opt_clients, nl, (double)lat[nl / 2] / 1e3, (double)lat[nl * 99 / 100] / 1e3,
	       (double)lat[nl - 1] / 1e3);
}

static void mode_flood(void)
{
	struct client trig;
	open_client(&trig);
	for (unsigned i = 0; i < opt_clients; i++) {
		subs[i].member_val = calloc(MAX_MEMBERS, sizeof(int32_t));
		for (unsigned m = 0; m < MAX_MEMBERS; m++)
			subs[i].member_val[m] = -1;
		sub_open(&subs[i], i);
		sub_start(&subs[i]);
	}
	int32_t *want = calloc(opt_members, sizeof(int32_t));
	char (*items)[200] = calloc(opt_members, sizeof(*items));
	for (unsigned m = 0; m < opt_members; m++)
		snprintf(items[m], sizeof(items[m]), opt_item, m + 1);
	double cpu0 = opt_pid ? process_cpu_s(opt_pid) : 0;
	uint64_t start = now_ns(), period = 1000000000ull / opt_rate;
	uint64_t changes = 0, end = start + (uint64_t)(opt_seconds * 1e9);
	/* pipelined writes, at most 8 in flight, paced at the rate */
	uint32_t inflight[8];
	unsigned nin = 0;
	while (now_ns() < end) {
		uint64_t due = start + changes * period;
		while (now_ns() < due)
			;
		unsigned m = (unsigned)(changes % opt_members);
		int32_t v = (int32_t)(changes / opt_members + 1);
		uint8_t d[7];
		size_t n = int32_data(d, v);
		if (nin == 8) {
			wait_write(&trig, inflight[0], items[0]);
			memmove(inflight, inflight + 1, 7 * sizeof(*inflight));
			nin--;
		}
		inflight[nin++] = send_write(&trig, items[m], d, n);
		want[m] = v;
		changes++;
	}
	for (unsigned i = 0; i < nin; i++)
		wait_write(&trig, inflight[i], items[0]);
	double secs = (double)(now_ns() - start) / 1e9;
	double cpu = opt_pid ? (process_cpu_s(opt_pid) - cpu0) / secs : -1;
	/* every subscriber catches up with the last values (BufTm passes) */
	uint64_t deadline = now_ns() + TIMEOUT_NS;
	unsigned lost_members = 0;
	for (unsigned i = 0; i < opt_clients; i++) {
		for (unsigned m = 0; m < opt_members; m++)
			while (subs[i].member_val[m] != want[m] && now_ns() < deadline)
				usleep(1000);
		for (unsigned m = 0; m < opt_members; m++)
			lost_members += subs[i].member_val[m] != want[m];
	}
	uint64_t reports = 0, bad = 0;
	for (unsigned i = 0; i < opt_clients; i++) {
		reports += subs[i].reports;
		bad += subs[i].bad_seq;
	}
	printf("mode=flood clients=%u members=%u changes=%" PRIu64 " rate=%.0f reports=%" PRIu64
	       " seq_gaps=%" PRIu64 " stale_members=%u server_cpu=%.3f\n",
	       opt_clients, opt_members, changes, (double)changes / secs, reports, bad,
	       lost_members, cpu);
	if (bad || lost_members)
		exit(1);
}

static void mode_gi(void)
{
	subs[0].arrive = NULL;
	sub_open(&subs[0], 0);
	sub_start(&subs[0]);
	char ref[260];
	snprintf(ref, sizeof(ref), "%s$GI", subs[0].rcb);
	uint64_t *t = calloc(opt_count, sizeof(uint64_t));
	uint64_t segs = 0, octets = 0;
	for (unsigned k = 0; k < opt_count; k++) {
		uint64_t seg0 = subs[0].segments, oct0 = subs[0].octets;
		uint64_t rep0 = subs[0].reports;
		uint64_t t0 = now_ns();
		const uint8_t d[] = { 0x83, 0x01, 0xFF };
		uint32_t id = send_write(&subs[0].c, ref, d, sizeof(d));
		(void)id; /* the subscriber thread reads the response with the reports */
		uint64_t deadline = t0 + TIMEOUT_NS;
		while (subs[0].reports == rep0) {
			if (now_ns() > deadline)
				die("no GI report");
			sched_yield();
		}
		t[k] = subs[0].last_arrival - t0;
		segs = subs[0].segments - seg0;
		octets = subs[0].octets - oct0;
		usleep(20000);
	}
	qsort(t, opt_count, sizeof(*t), cmp_u64);
	printf("mode=gi samples=%u median_ms=%.2f max_ms=%.2f segments=%" PRIu64
	       " octets=%" PRIu64 "\n", opt_count, (double)t[opt_count / 2] / 1e6,
	       (double)t[opt_count - 1] / 1e6, segs, octets);
}

static void mode_resync(void)
{
	struct client trig, c;
	open_client(&trig);
	open_client(&c);
	char ena[260], eid[260];
	snprintf(ena, sizeof(ena), "%s01$RptEna", opt_rcb);
	snprintf(eid, sizeof(eid), "%s01$EntryID", opt_rcb);
	write_bool(&c, ena, true);
	write_bool(&c, ena, false);
	/* E entries while the client is away (pipelined writes) */
	uint32_t inflight[8];
	unsigned nin = 0;
	for (unsigned k = 0; k < opt_count; k++) {
		uint8_t d[7];
		size_t n = int32_data(d, (int32_t)(k + 1));
		if (nin == 8) {
			wait_write(&trig, inflight[0], opt_item);
			memmove(inflight, inflight + 1, 7 * sizeof(*inflight));
			nin--;
		}
		inflight[nin++] = send_write(&trig, opt_item, d, n);
	}
	for (unsigned i = 0; i < nin; i++)
		wait_write(&trig, inflight[i], opt_item);
	const uint8_t zero[] = { 0x89, 0x08, 0, 0, 0, 0, 0, 0, 0, 0 };
	wait_write(&c, send_write(&c, eid, zero, sizeof(zero)), eid);
	uint64_t t0 = now_ns();
	const uint8_t on[] = { 0x83, 0x01, 0xFF };
	uint32_t id = send_write(&c, ena, on, sizeof(on));
	struct buf b;
	buf_init(&b, 0, 0);
	static struct mms_report_member mem[MAX_MEMBERS];
	unsigned got = 0;
	uint64_t deadline = t0 + 60 * TIMEOUT_NS;
	bool answered = false;
	while (got < opt_count) {
		if (!next_pdu(&c, &b, deadline))
			die("iedd closed the association");
		struct mms_pdu p;
		if (mms_pdu_decode(buf_data(&b), b.len, &p, NULL))
			die("bad PDU");
		if (p.kind != MMS_UNCONFIRMED) {
			answered = answered || (p.has_invoke_id && p.invoke_id == id);
			continue;
		}
		struct mms_report r = { .members = mem, .cap = MAX_MEMBERS };
		const uint8_t *body;
		size_t blen;
		if (mms_unconfirmed_report(&p, &body, &blen, NULL) != 1 ||
		    mms_report_decode(body, blen, &r, NULL))
			die("a report that does not decode");
		if (!r.has_segment || !r.more_segments)
			got++;
	}
	double s = (double)(now_ns() - t0) / 1e9;
	printf("mode=resync entries=%u seconds=%.3f entries_per_s=%.0f\n", got, s, got / s);
	buf_clear(&b);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' }, { "mode", required_argument, NULL, 'm' },
		{ "rcb", required_argument, NULL, 'r' }, { "item", required_argument, NULL, 'i' },
		{ "clients", required_argument, NULL, 'n' }, { "count", required_argument, NULL, 'k' },
		{ "members", required_argument, NULL, 'M' }, { "rate", required_argument, NULL, 'R' },
		{ "seconds", required_argument, NULL, 's' },
		{ "server-pid", required_argument, NULL, 'p' }, { NULL, 0, NULL, 0 }
	};
	int o;
	while ((o = getopt_long(argc, argv, "c:m:r:i:n:k:M:R:s:p:", lo, NULL)) != -1) {
		switch (o) {
		case 'c': opt_addr = optarg; break;
		case 'm': opt_mode = optarg; break;
		case 'r': opt_rcb = optarg; break;
		case 'i': opt_item = optarg; break;
		case 'n': opt_clients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': opt_count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'M': opt_members = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': opt_rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': opt_seconds = strtod(optarg, NULL); break;
		case 'p': opt_pid = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!opt_addr || !opt_mode || !opt_rcb || !opt_clients || opt_clients > MAX_CLIENTS ||
	    !opt_count || opt_count > MAX_COUNT || !opt_members || opt_members > MAX_MEMBERS ||
	    !opt_rate || opt_seconds <= 0 || opt_seconds > 600) {
		fprintf(stderr, "usage: rpt-bench -c HOST:PORT --mode latency|flood|gi|resync "
				"--rcb LD/LLN0$RP$name [--item REF] [--clients N<=%d] [--count M] "
				"[--members K] [--rate R] [--seconds S] [--server-pid PID]\n",
			MAX_CLIENTS);
		return 2;
	}
	if (strcmp(opt_mode, "gi") && !opt_item)
		die("--mode %s needs --item", opt_mode);
	if (!strcmp(opt_mode, "latency"))
		mode_latency();
	else if (!strcmp(opt_mode, "flood"))
		mode_flood();
	else if (!strcmp(opt_mode, "gi"))
		mode_gi();
	else if (!strcmp(opt_mode, "resync"))
		mode_resync();
	else
		die("unknown mode '%s'", opt_mode);
	fflush(stdout);
	_exit(0); /* the subscriber threads block in recv: no orderly shutdown needed */
}
