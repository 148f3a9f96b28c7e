/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the GOOSE subscriber (acsi/goose_sub.c), in process:
 * frames per second through acsi_gsub_receive (decode, match, supervise,
 * deliver into the model) for a 10-member data set (an SPS as a whole
 * data object, BOOLEANs, Qualities, a Dbpos, a FLOAT32, an INT32), every
 * member bound by intAddr. Two runs: retransmissions (sqNum + 1, the
 * values the model already has) and events (stNum + 1, every value
 * changing). Best of five runs each.
 *
 *   <builddir>/tests/unit/goose_sub_bench [FRAMES]     (default 1000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../daemon/proto/goose.h"
#include "../../daemon/acsi/goose_svc.h"
#include "gse.h"
#include "timer.h"

static const char scd[] =
"<SCL xmlns=\"http://www.iec.ch/61850/2003/SCL\" version=\"2007\" revision=\"B\">"
"<Header id=\"bench\"/><Communication><SubNetwork name=\"S\"><ConnectedAP iedName=\"A\" apName=\"P1\">"
"<GSE ldInst=\"LD0\" cbName=\"G\"><Address><P type=\"MAC-Address\">01-0C-CD-01-00-01</P>"
"<P type=\"APPID\">1001</P></Address></GSE></ConnectedAP></SubNetwork></Communication>"
"<IED name=\"A\"><AccessPoint name=\"P1\"><Server><Authentication/><LDevice inst=\"LD0\">"
"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\"><DataSet name=\"DS\">"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind1\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind2\" daName=\"stVal\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind2\" daName=\"q\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Pos\" daName=\"stVal\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Pos\" daName=\"q\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn1\" daName=\"mag.f\" fc=\"MX\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"AnIn1\" daName=\"q\" fc=\"MX\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Cnt\" daName=\"stVal\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind3\" daName=\"stVal\" fc=\"ST\"/>"
"<FCDA ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"Ind3\" daName=\"q\" fc=\"ST\"/>"
"</DataSet><GSEControl name=\"G\" datSet=\"DS\" appID=\"AG\" confRev=\"1\"/></LN0>"
"<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"GG\"/></LDevice></Server></AccessPoint></IED>"
"<IED name=\"B\"><AccessPoint name=\"P1\"><Server><Authentication/><LDevice inst=\"LD0\">"
"<LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"L0\"/><LN lnClass=\"GGIO\" inst=\"1\" lnType=\"GG\"><Inputs>"
#define X(d, a, ia) "<ExtRef iedName=\"A\" ldInst=\"LD0\" lnClass=\"GGIO\" lnInst=\"1\" doName=\"" d "\"" a \
	" serviceType=\"GOOSE\" srcLDInst=\"LD0\" srcLNClass=\"LLN0\" srcCBName=\"G\" intAddr=\"" ia "\"/>"
X("Ind1", "", "Ind1") X("Ind2", " daName=\"stVal\"", "Ind2.stVal") X("Ind2", " daName=\"q\"", "Ind2.q")
X("Pos", " daName=\"stVal\"", "Pos.stVal") X("Pos", " daName=\"q\"", "Pos.q")
X("AnIn1", " daName=\"mag.f\"", "AnIn1.mag.f") X("AnIn1", " daName=\"q\"", "AnIn1.q")
X("Cnt", " daName=\"stVal\"", "Cnt.stVal") X("Ind3", " daName=\"stVal\"", "Ind3.stVal")
X("Ind3", " daName=\"q\"", "Ind3.q")
"</Inputs></LN></LDevice></Server></AccessPoint></IED><DataTypeTemplates>"
"<LNodeType id=\"L0\" lnClass=\"LLN0\"><DO name=\"Cnt\" type=\"INS\"/></LNodeType>"
"<LNodeType id=\"GG\" lnClass=\"GGIO\"><DO name=\"Ind1\" type=\"SPS\"/><DO name=\"Ind2\" type=\"SPS\"/>"
"<DO name=\"Ind3\" type=\"SPS\"/><DO name=\"Pos\" type=\"DPS\"/><DO name=\"AnIn1\" type=\"MV\"/>"
"<DO name=\"Cnt\" type=\"INS\"/></LNodeType>"
"<DOType id=\"SPS\" cdc=\"SPS\"><DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\" dchg=\"true\"/>"
"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/><DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/></DOType>"
"<DOType id=\"DPS\" cdc=\"DPS\"><DA name=\"stVal\" bType=\"Dbpos\" fc=\"ST\" dchg=\"true\"/>"
"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/><DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/></DOType>"
"<DOType id=\"INS\" cdc=\"INS\"><DA name=\"stVal\" bType=\"INT32\" fc=\"ST\" dchg=\"true\"/>"
"<DA name=\"q\" bType=\"Quality\" fc=\"ST\" qchg=\"true\"/><DA name=\"t\" bType=\"Timestamp\" fc=\"ST\"/></DOType>"
"<DOType id=\"MV\" cdc=\"MV\"><DA name=\"mag\" bType=\"Struct\" type=\"AV\" fc=\"MX\" dchg=\"true\"/>"
"<DA name=\"q\" bType=\"Quality\" fc=\"MX\" qchg=\"true\"/><DA name=\"t\" bType=\"Timestamp\" fc=\"MX\"/></DOType>"
"<DAType id=\"AV\"><BDA name=\"f\" bType=\"FLOAT32\"/></DAType></DataTypeTemplates></SCL>";

static struct timer_queue Q;
static uint64_t mono(void *c) { (void)c; return 0; }
static uint64_t utc(void *c) { (void)c; return 1700000000ull * 1000000000ull; }
static int arm(void *c, struct timer *t, uint64_t d) { (void)c; return timer_arm(&Q, t, d); }
static void cancel(void *c, struct timer *t) { (void)c; timer_cancel(&Q, t); }

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t data(bool v, uint8_t *d)
{
	uint8_t b = v ? 0xFF : 0x00, q1 = v ? 0x00 : 0x40;
	const uint8_t m[] = {
		0xA2, 0x12, 0x83, 0x01, b, 0x84, 0x03, 0x03, q1, 0x00,
		0x91, 0x08, 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 0x0A,
		0x83, 0x01, b, 0x84, 0x03, 0x03, q1, 0x00,
		0x84, 0x02, 0x06, v ? 0x80 : 0x40, 0x84, 0x03, 0x03, q1, 0x00,
		0x87, 0x05, 0x08, 0x43, v ? 0x66 : 0x67, 0x80, 0x00, 0x84, 0x03, 0x03, q1, 0x00,
		0x85, 0x01, v ? 7 : 8, 0x83, 0x01, b, 0x84, 0x03, 0x03, q1, 0x00,
	};
	memcpy(d, m, sizeof(m));
	return sizeof(m);
}

static void frame(bool v, struct buf *b)
{
	uint8_t d[128];
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 }, .src = { 2, 0, 0, 0, 0, 1 },
		.appid = 0x1001, .gocb_ref = "ALD0/LLN0$GO$G", .dat_set = "ALD0/LLN0$DS",
		.go_id = "AG", .tal_ms = 2000, .t = { 0x65, 0x53, 0xF1, 0 }, .st_num = 0x01000000,
		.sq_num = 0x01000000, .conf_rev = 1, .n_entries = 10, .all_data = d,
	};
	f.all_data_len = data(v, d);
	buf_init(b, 0, 0);
	if (goose_encode(&f, b, NULL)) {
		fprintf(stderr, "goose_encode failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char err[512];
	struct model *m;
	if (model_load_scl_mem("bench.scd", scd, sizeof(scd) - 1, "B", &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	const struct mgoose_sub *s = model_goose_sub(m, 0);
	uint32_t bound = 0;
	for (uint32_t i = 0; s && i < s->n_inputs; i++)
		bound += s->inputs[i].dst_type != NULL;
	if (!s || s->n_members != 10 || bound != 10) {
		fprintf(stderr, "bench model: %u warnings, subscription %s, %u of 10 inputs bound\n",
			model_n_warnings(m), s ? "found" : "missing", bound);
		for (uint32_t i = 0; i < model_n_warnings(m); i++)
			fprintf(stderr, "  %s\n", model_warning(m, i));
		return 1;
	}
	timer_queue_init(&Q);
	const struct acsi_clock clk = { .mono_us = mono, .utc_ns = utc, .arm = arm, .cancel = cancel };
	struct acsi_gsub *S = acsi_gsub_new(m, &clk);
	struct buf fb[2];
	frame(true, &fb[0]);
	frame(false, &fb[1]);
	uint8_t t[8] = { 0x65, 0x53, 0xF1, 0 };
	uint32_t st = 0x01000000, sq = 0x01000000;
	for (int mode = 0; mode < 2; mode++) {
		double best = 1e30;
		for (int run = 0; run < 5; run++) {
			struct acsi_gsub_stats s0;
			acsi_gsub_stats(S, &s0);
			double t0 = now_ns();
			for (long i = 0; i < n; i++) {
				struct buf *b = &fb[mode ? (i & 1) : 0];
				if (mode)
					st++, sq = 0x01000000;
				else
					sq++;
				goose_patch(b->base + b->head, b->len, 2000, t, st, sq);
				acsi_gsub_receive(S, b->base + b->head, b->len);
			}
			double dt = now_ns() - t0;
			struct acsi_gsub_stats s1;
			acsi_gsub_stats(S, &s1);
			if (s1.delivered - s0.delivered != (uint64_t)n) {
				fprintf(stderr, "%s: %llu of %ld frames delivered (state %s)\n",
					mode ? "events" : "retransmissions",
					(unsigned long long)(s1.delivered - s0.delivered), n,
					acsi_gsub_state_name(acsi_gsub_sub_state(S, 0)));
				return 1;
			}
			if (dt < best)
				best = dt;
		}
		printf("%-16s %8.1f ns/frame  %10.0f frames/s  (%zu-octet frames, 10 members,"
		       " patch included)\n", mode ? "events" : "retransmissions", best / n,
		       n / (best / 1e9), fb[0].len);
	}
	acsi_gsub_free(S);
	buf_clear(&fb[0]);
	buf_clear(&fb[1]);
	timer_queue_clear(&Q);
	model_free(m);
	return 0;
}
