/* SPDX-License-Identifier: Apache-2.0 */
/* shm-latency: how long a value a control application writes into iedd's
 * shared-memory segment takes to become readable over MMS (the benchmark
 * of the shm source's application trigger; tests/bench/shm_latency.sh runs
 * it against a real iedd).
 *
 *   shm-latency -c 127.0.0.1:PORT -s /SEGMENT -k SLOT -r LD/LN.DO.DA[FC]
 *               [-n COUNT] [--no-trigger] [--gap-us MAX] [--server-pid PID]
 *               [--no-spin] [--timeout-ms MS]
 *
 * One association (set up by iedc's client), then COUNT times: t0
 * (CLOCK_MONOTONIC), iedd_shm_write of a new float value into SLOT and,
 * unless --no-trigger, iedd_shm_trigger; then MMS Reads of REF back to
 * back until the value read is the new one: t1. The sample is t1 - t0, so
 * it includes the write, the trigger's system call and at least one whole
 * Read round trip (that round trip is the resolution; its median over the
 * same run is printed too). The reader busy-polls its socket for each
 * response (--no-spin: sleeps in poll() as iedc does), so its own CPU's
 * wake-up is not in the figures; iedd's is. --gap-us sleeps a random
 * 0..MAX us before each sample: an application with a cycle of its own,
 * which iedd does not see coming (without it the samples of a scan-only
 * source would line up with the scans and all wait a whole period). The values are integers below
 * 2^24, exact in a FLOAT32 attribute; the map row must have no scale or
 * offset. Loopback measuring tool: every wait is bounded (--timeout-ms per
 * sample).
 *
 * Output: one line of key=value pairs on stdout (times in microseconds;
 * with --server-pid also the CPU iedd used and the CPU other processes
 * used during the samples, in CPUs, which a quiet machine keeps near 0);
 * complaints on stderr with exit 1, usage errors exit 2. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <iedd/shm.h>

#include "buf.h"
#include "client.h"
#include "cotp.h"
#include "mms_client.h"
#include "procstat.h"

#define BENCH_NAME "shm-latency"
#include "benchutil.h"

#define MAX_COUNT 1000000
#define RTT_BUCKETS 100000	/* round trips in 1 us buckets up to 100 ms */

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* A random 0..max-1 (xorshift64; the quality of a benchmark's jitter). */
static uint64_t jitter(uint64_t *state, uint64_t max)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return max ? x % max : 0;
}

struct reader {
	struct client c;
	struct mms_objname name;
	const char *ref;
	bool spin;		/* busy-poll the socket instead of poll() */
	uint64_t timeout_ns;
	struct buf resp;	/* spin: the last response PDU */
	uint32_t *rtt;		/* RTT_BUCKETS + 1 counts, in us */
	uint64_t reads;
};

static void send_all(struct reader *r, const struct buf *b)
{
	for (size_t off = 0; off < b->len;) {
		ssize_t n = send(r->c.fd, buf_data(b) + off, b->len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			die("send: %s", strerror(errno));
		off += (size_t)n;
	}
}

/* client_call with a busy-polled receive: the reader's CPU never sleeps
 * inside a sample, so waking it is not part of what is measured. Uses the
 * association client_open set up and leaves its receive buffer as
 * client_close expects it. */
static void call_spin(struct reader *r, struct buf *pdu, uint32_t id, struct mms_pdu *p)
{
	struct client *c = &r->c;
	struct buf out;
	struct proto_err err = {0};
	buf_init(&out, 0, 0);
	if (iso_send_data(&c->iso, pdu, &out))
		die("cannot encode the Read request");
	send_all(r, &out);
	uint64_t deadline = now_ns() + r->timeout_ns;
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
				send_all(r, &out);
			bool data = ev.type == ISO_EV_DATA;
			if (data) {
				buf_reset(&r->resp, 0);
				buf_put(&r->resp, ev.data, ev.len);
			} else if (ev.type != ISO_EV_NONE) {
				die("the association ended while waiting for a Read response");
			}
			memmove(c->rbuf, c->rbuf + pkt, c->rlen - pkt);
			c->rlen -= pkt;
			if (data)
				break;
			continue;
		}
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0)
			die("iedd closed the connection");
		if (errno != EAGAIN && errno != EINTR)
			die("recv: %s", strerror(errno));
		if (now_ns() > deadline)
			die("no Read response within %" PRIu64 " ms", r->timeout_ns / 1000000u);
	}
	buf_clear(&out);
	struct mms_client_refusal ref;
	char why[160];
	if (mms_pdu_decode(buf_data(&r->resp), r->resp.len, p, &err))
		die("%s: %s", err.layer, err.reason);
	int rc = mms_client_check(p, id, MMS_SVC_READ, &ref, &err);
	if (rc == -EREMOTEIO)
		die("Read of %s refused: %s", r->ref, mms_client_refusal_str(&ref, why, sizeof(why)));
	if (rc)
		die("bad answer to Read: %s: %s", err.layer ? err.layer : "mms", err.reason);
}

/* One MMS Read of the reference; its value as a number into *v. */
static void read_value(struct reader *r, double *v)
{
	struct buf pdu, text;
	struct mms_pdu p;
	struct proto_err err = {0};
	uint32_t id = r->c.next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_client_read_req(&pdu, id, &r->name, 1);
	uint64_t t0 = now_ns();
	if (r->spin)
		call_spin(r, &pdu, id, &p);
	else if (client_call(&r->c, &pdu, id, MMS_SVC_READ, "Read", &p))
		die("%s", r->c.errmsg);
	uint64_t us = (now_ns() - t0) / 1000u;
	buf_clear(&pdu);
	r->rtt[us < RTT_BUCKETS ? us : RTT_BUCKETS]++;
	r->reads++;
	struct mms_read_resp resp;
	struct mms_access_result res;
	if (mms_client_read_decode(p.body, p.body_len, &resp, &err) ||
	    mms_client_read_next(&resp, &res, &err) != 1)
		die("Read of %s: %s: %s", r->ref, err.layer ? err.layer : "mms",
		    err.reason[0] ? err.reason : "no result");
	if (res.failure >= 0)
		die("Read of %s refused: %s", r->ref, mms_dae_name(res.failure));
	buf_init(&text, 0, 0);
	if (mms_data_format(&text, res.data, res.len, NULL, MMS_FMT_TEXT, &err) || text.err)
		die("Read of %s: cannot format the value", r->ref);
	buf_put(&text, "", 1);
	char *end;
	*v = strtod((const char *)buf_data(&text), &end);
	if (end == (const char *)buf_data(&text))
		die("Read of %s: '%s' is not a number", r->ref, (const char *)buf_data(&text));
	buf_clear(&text);
}

/* Writes v into the slot (and triggers); then reads until iedd serves it.
 * Returns t1 - t0 in ns. */
static uint64_t sample(struct reader *r, struct iedd_shm_header *hdr, struct iedd_shm_slot *slot,
		       double v, bool trigger, uint64_t timeout_ns)
{
	struct iedd_value w = {.kind = IEDD_KIND_FLOAT, .quality = IEDD_Q_GOOD, .v.f = v};
	uint64_t t0 = now_ns();
	if (iedd_shm_write(hdr, slot, &w, IEDD_SHM_TRIES))
		die("the slot stays locked by another writer");
	if (trigger)
		iedd_shm_trigger(hdr);
	for (;;) {
		double got;
		read_value(r, &got);
		uint64_t t1 = now_ns();
		if (got == v)
			return t1 - t0;
		if (t1 - t0 > timeout_ns)
			die("%s still reads %g, not %g, %.0f ms after the write%s", r->ref, got, v,
			    (double)(t1 - t0) / 1e6,
			    trigger ? " and trigger (is the source trigger=watch?)" : "");
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n), nearest rank. */
static double quantile_us(const uint64_t *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

static unsigned rtt_median_us(const uint32_t *rtt, uint64_t n)
{
	uint64_t seen = 0;
	for (unsigned i = 0; i <= RTT_BUCKETS; i++) {
		seen += rtt[i];
		if (2 * seen >= n)
			return i;
	}
	return RTT_BUCKETS;
}

static const char usage_text[] =
	"usage: shm-latency -c HOST:PORT -s /SEGMENT -k SLOT -r LD/LN.DO.DA[FC]\n"
	"                   [-n COUNT] [--no-trigger] [--gap-us MAX] [--server-pid PID]\n"
	"                   [--no-spin] [--timeout-ms MS]\n"
	"Writes COUNT new values into SLOT (with iedd_shm_trigger unless --no-trigger)\n"
	"and reads REF over MMS until each shows; prints p50/p90/p99/max in us.\n";

int main(int argc, char **argv)
{
	const char *addr = NULL, *segment = NULL, *slot_name = NULL, *ref = NULL;
	unsigned long count = 2000, timeout_ms = 5000, gap_us = 0, server_pid = 0;
	bool trigger = true, spin = true;
	static const struct option longopts[] = {
		{"connect", required_argument, NULL, 'c'}, {"segment", required_argument, NULL, 's'},
		{"slot", required_argument, NULL, 'k'},	   {"ref", required_argument, NULL, 'r'},
		{"count", required_argument, NULL, 'n'},   {"no-trigger", no_argument, NULL, 'T'},
		{"timeout-ms", required_argument, NULL, 't'}, {"gap-us", required_argument, NULL, 'g'},
		{"server-pid", required_argument, NULL, 'p'}, {"no-spin", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int o;
	char *end;
	while ((o = getopt_long(argc, argv, "c:s:k:r:n:t:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'c': addr = optarg; break;
		case 's': segment = optarg; break;
		case 'k': slot_name = optarg; break;
		case 'r': ref = optarg; break;
		case 'T': trigger = false; break;
		case 'S': spin = false; break;
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (*end || !count || count > MAX_COUNT) {
				fprintf(stderr, "shm-latency: -n %s: expected 1..%d\n", optarg, MAX_COUNT);
				return 2;
			}
			break;
		case 't':
			timeout_ms = strtoul(optarg, &end, 10);
			if (*end || !timeout_ms || timeout_ms > 600000) {
				fprintf(stderr, "shm-latency: --timeout-ms %s: expected 1..600000\n",
					optarg);
				return 2;
			}
			break;
		case 'g':
			gap_us = strtoul(optarg, &end, 10);
			if (*end || gap_us > 10000000) {
				fprintf(stderr, "shm-latency: --gap-us %s: expected 0..10000000\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			server_pid = strtoul(optarg, &end, 10);
			if (*end || !server_pid || server_pid > 4194304) {
				fprintf(stderr, "shm-latency: --server-pid %s: expected a pid\n", optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (!addr || !segment || !slot_name || !ref || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}

	struct reader r = {.ref = ref, .spin = spin, .timeout_ns = timeout_ms * 1000000u};
	buf_init(&r.resp, 0, 0);
	struct proto_err perr = {0};
	if (mms_ref_parse(ref, &r.name, &perr))
		die("%s: %s", ref, perr.reason);
	r.rtt = calloc(RTT_BUCKETS + 1, sizeof(*r.rtt));
	uint64_t *lat = calloc(count, sizeof(*lat));
	if (!r.rtt || !lat)
		die("out of memory");

	char err[512];
	struct iedd_shm_map m;
	if (iedd_shm_attach(segment, 0, 0, &m, err, sizeof(err)))
		die("%s", err);
	int i = iedd_shm_slot_find(m.hdr, slot_name);
	if (i < 0)
		die("segment %s has no slot \"%s\" (is it mapped?)", segment, slot_name);
	struct iedd_shm_slot *slot = iedd_shm_slot_at(m.hdr, (uint32_t)i);
	if (client_open(&r.c, addr, NULL, (int)timeout_ms))
		die("%s", r.c.errmsg);

	/* warm-up: a value the model cannot hold yet (every later one differs
	 * from it and from its predecessor), and a pass over the path */
	uint64_t ns = (uint64_t)timeout_ms * 1000000u;
	sample(&r, m.hdr, slot, -1, trigger, ns);
	memset(r.rtt, 0, (RTT_BUCKETS + 1) * sizeof(*r.rtt));
	r.reads = 0;
	uint64_t rnd = now_ns() | 1;
	double busy0 = machine_busy_s(), srv0 = server_pid ? process_cpu_s((int)server_pid) : -1;
	double self0 = self_cpu_s();
	uint64_t w0 = now_ns();
	for (unsigned long k = 0; k < count; k++) {
		if (gap_us) {
			uint64_t gap = jitter(&rnd, gap_us);
			struct timespec ts = {.tv_sec = (time_t)(gap / 1000000u),
					      .tv_nsec = (long)(gap % 1000000u) * 1000L};
			nanosleep(&ts, NULL);
		}
		lat[k] = sample(&r, m.hdr, slot, (double)(k % 16000000 + 1), trigger, ns);
	}
	double wall = (double)(now_ns() - w0) / 1e9;
	double busy = machine_busy_s() - busy0, self = self_cpu_s() - self0;
	double srv = server_pid ? process_cpu_s((int)server_pid) - srv0 : -1;

	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("mode=%s spin=%d n=%lu gap_us=%lu p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
	       "read_rtt_p50_us=%u reads_per_sample=%.2f seconds=%.2f",
	       trigger ? "trigger" : "scan", spin, count, gap_us, quantile_us(lat, count, 0.50),
	       quantile_us(lat, count, 0.90), quantile_us(lat, count, 0.99),
	       (double)lat[count - 1] / 1000.0, rtt_median_us(r.rtt, r.reads),
	       (double)r.reads / (double)count, wall);
	if (server_pid && srv0 >= 0 && srv >= 0 && busy0 >= 0 && wall > 0) {
		double other = busy - srv - self;
		printf(" server_cpu=%.2f other_cpu=%.2f", srv / wall, (other > 0 ? other : 0) / wall);
	}
	putchar('\n');
	int rc = client_close(&r.c);
	iedd_shm_detach(&m);
	free(lat);
	free(r.rtt);
	buf_clear(&r.resp);
	if (rc)
		die("closing the association: %s", r.c.errmsg);
	if (fflush(stdout) == EOF)
		die("stdout: %s", strerror(errno));
	return 0;
}
