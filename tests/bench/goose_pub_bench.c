/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the GOOSE publisher (acsi/goose_pub.c) on one core, on a
 * GoCB with a 10-member data set (ten SPS data objects: stVal, q, t), into
 * a send callback that only counts:
 *   events          frames/s when every frame is a new state: a model
 *                   change (model_update, observers), acsi_gpub_flush,
 *                   re-encoding allData and the frame, the send call;
 *   retransmissions frames/s of the retransmission path: the timer queue
 *                   firing, goose_patch of sqNum/TAL, the send call;
 *   latency         model_update -> the frame in the send callback, p50 and
 *                   p99 over the samples (the wake callback flushes at
 *                   once, as the event loop does on its highest priority).
 *
 *   <builddir>/tests/unit/goose_pub_bench [FRAMES]     (default 1000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "goose_svc.h"
#include "gse.h"
#include "model.h"
#include "timer.h"
#include "update.h"

#define FCDA(n) "<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind" #n "' fc='ST'/>"
#define DO(n) "<DO name='Ind" #n "' type='SPS'/>"

static const char SCL[] =
	"<?xml version='1.0'?>\n<SCL xmlns='http://www.iec.ch/61850/2003/SCL' version='2007'"
	" revision='B' release='4'><Header id='b'/>"
	"<Communication><SubNetwork name='S'><ConnectedAP iedName='P' apName='A'>"
	"<GSE ldInst='LD0' cbName='gcb'><Address><P type='MAC-Address'>01-0C-CD-01-00-20</P>"
	"<P type='APPID'>3000</P><P type='VLAN-ID'>005</P></Address>"
	"<MinTime>2</MinTime><MaxTime>1000</MaxTime></GSE>"
	"</ConnectedAP></SubNetwork></Communication>"
	"<IED name='P'><AccessPoint name='A'><Server><Authentication/>"
	"<LDevice inst='LD0'><LN0 lnClass='LLN0' inst='' lnType='LLN0T'>"
	"<DataSet name='ds'>" FCDA(1) FCDA(2) FCDA(3) FCDA(4) FCDA(5) FCDA(6) FCDA(7) FCDA(8)
	FCDA(9) FCDA(10) "</DataSet>"
	"<GSEControl name='gcb' appID='bench' datSet='ds' confRev='1' type='GOOSE'/>"
	"</LN0><LN lnClass='GGIO' inst='1' lnType='GGIOT'/></LDevice></Server></AccessPoint></IED>"
	"<DataTypeTemplates><LNodeType id='LLN0T' lnClass='LLN0'><DO name='Beh' type='ENS'/>"
	"</LNodeType><LNodeType id='GGIOT' lnClass='GGIO'>" DO(1) DO(2) DO(3) DO(4) DO(5) DO(6)
	DO(7) DO(8) DO(9) DO(10) "</LNodeType>"
	"<DOType id='SPS' cdc='SPS'><DA name='stVal' bType='BOOLEAN' fc='ST' dchg='true'/>"
	"<DA name='q' bType='Quality' fc='ST' qchg='true'/><DA name='t' bType='Timestamp' fc='ST'/>"
	"</DOType><DOType id='ENS' cdc='ENS'><DA name='stVal' bType='INT32' fc='ST'/></DOType>"
	"</DataTypeTemplates></SCL>";

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* a fake clock whose timers the benchmark fires */
struct fake {
	struct timer_queue q;
	uint64_t now;
};
static uint64_t f_mono(void *c) { return ((struct fake *)c)->now; }
static uint64_t f_utc(void *c) { return 1700000000ull * 1000000000ull + ((struct fake *)c)->now * 1000u; }
static int f_arm(void *c, struct timer *t, uint64_t d) { return timer_arm(&((struct fake *)c)->q, t, d); }
static void f_cancel(void *c, struct timer *t) { timer_cancel(&((struct fake *)c)->q, t); }

struct sink {
	uint64_t frames, octets;
	double mark;		/* latency: when the change began */
	double *lat;
	size_t n_lat, cap_lat;
	struct acsi_gpub *P;
};

static int count(void *ctx, const uint8_t *frame, size_t len)
{
	struct sink *s = ctx;
	(void)frame;
	s->frames++;
	s->octets += len;
	if (s->mark > 0 && s->n_lat < s->cap_lat) {
		s->lat[s->n_lat++] = now_ns() - s->mark;
		s->mark = 0;
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long frames = argc > 1 ? atol(argv[1]) : 1000000;
	char err[512];
	struct model *m;
	if (model_load_scl_mem("bench.scd", SCL, strlen(SCL), NULL, &m, err, sizeof(err))) {
		fprintf(stderr, "goose_pub_bench: %s\n", err);
		return 1;
	}
	struct fake f = { .now = 0 };
	timer_queue_init(&f.q);
	struct sink s = { .cap_lat = 100000 };
	s.lat = calloc(s.cap_lat, sizeof(double));
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &f };
	const struct acsi_gpub_io io = { .send = count, .ctx = &s,
					 .src_mac = { 2, 0, 0, 0, 0, 1 } };
	struct acsi_gpub *P;
	if (!s.lat || acsi_gpub_new(m, &clk, &io, &P, err, sizeof(err))) {
		fprintf(stderr, "goose_pub_bench: %s\n", s.lat ? err : "out of memory");
		return 1;
	}
	s.P = P;
	acsi_gpub_start(P);
	struct model_attr a[10];
	for (int i = 0; i < 10; i++) {
		char ref[64];
		snprintf(ref, sizeof(ref), "LD0/GGIO1.Ind%d.stVal[ST]", i + 1);
		if (model_attr_bind(m, ref, &a[i])) {
			fprintf(stderr, "goose_pub_bench: %s not found\n", ref);
			return 1;
		}
	}
	uint8_t ts[8];
	model_timestamp(f_utc(&f), 0, ts);

	/* events: every frame a new state */
	double best_ev = 1e30, best_rt = 1e30;
	for (int run = 0; run < 5; run++) {
		uint64_t f0 = s.frames;
		double t0 = now_ns();
		for (long i = 0; i < frames; i++) {
			struct model_val v = { .kind = MODEL_V_BOOL, .v.b = ((i / 10) & 1) != 0 };
			model_update(m, &a[i % 10], &v, 0, ts);
			acsi_gpub_flush(P);
		}
		double dt = (now_ns() - t0) / (double)(s.frames - f0);
		best_ev = dt < best_ev ? dt : best_ev;
	}
	/* retransmissions: the steady state, one MaxTime step a frame */
	f.now += 10 * 1000 * 1000; /* past the fast part of the curve */
	timer_process(&f.q, f.now);
	for (int run = 0; run < 5; run++) {
		uint64_t f0 = s.frames;
		double t0 = now_ns();
		for (long i = 0; i < frames; i++) {
			f.now = timer_next(&f.q);
			timer_process(&f.q, f.now);
		}
		double dt = (now_ns() - t0) / (double)(s.frames - f0);
		best_rt = dt < best_rt ? dt : best_rt;
	}
	/* latency: change -> send callback */
	for (size_t i = 0; i < s.cap_lat; i++) {
		struct model_val v = { .kind = MODEL_V_BOOL, .v.b = ((i / 10) & 1) != 0 };
		s.mark = now_ns();
		model_update(m, &a[i % 10], &v, 0, ts);
		acsi_gpub_flush(P); /* what the wake callback triggers */
	}
	qsort(s.lat, s.n_lat, sizeof(double), cmp_d);
	struct acsi_gpub_stats st;
	acsi_gpub_stats(P, &st);
	printf("GOOSE publisher, 10-member data set (SPS stVal/q/t), frame %llu octets,"
	       " %ld frames a run, best of 5:\n",
	       (unsigned long long)(s.octets / (s.frames ? s.frames : 1)), frames);
	printf("  events (change+flush+encode+send)  %7.1f ns/frame  (%.0f frames/s)\n", best_ev,
	       1e9 / best_ev);
	printf("  retransmissions (timer+patch+send)  %7.1f ns/frame  (%.0f frames/s)\n", best_rt,
	       1e9 / best_rt);
	printf("  model change -> send callback: p50 %.2f us, p99 %.2f us (%zu samples)\n",
	       s.lat[s.n_lat / 2] / 1000.0, s.lat[s.n_lat * 99 / 100] / 1000.0, s.n_lat);
	printf("  frames %llu, events %llu, send errors %llu\n", (unsigned long long)st.frames,
	       (unsigned long long)st.events, (unsigned long long)st.send_errors);
	acsi_gpub_free(P);
	timer_queue_clear(&f.q);
	model_free(m);
	free(s.lat);
	return 0;
}
