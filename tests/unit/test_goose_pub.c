/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE publisher (acsi/goose_pub.c) and the GoCBs in the model
 * (model/gocb.c) on a fake clock: the retransmission curve with its
 * deadlines, sqNum/stNum/TAL; several changes per flush; GoEna off and
 * on; the simulation (Ed.2) and test (Ed.1) flags; the frames' header
 * fields from ../shared/scl (simpleIO_direct_control_goose.cid and IED1 of
 * MessageBindingGOOSE2007B4.scd); a golden frame byte for byte; an
 * oversize data set refused at start; GO writes with their
 * DataAccessErrors through acsi_write; the FC GO structure per edition.
 * GOOSE_PUB_PCAP=file writes the frames of the curve test into a pcap for
 * tshark. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/proto/goose.h"
#include "data_access.h"
#include "goose_svc.h"
#include "gse.h"
#include "iso.h"
#include "mms_client.h"
#include "observe.h"
#include "srv_clients.h"
#include "testutil.h"
#include "timer.h"
#include "update.h"

/* ---- an Ed.2 model of our own: 10 SPS in one data set ---- */

#define SPS10                                                                            \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind1' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind2' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind3' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind4' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind5' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind6' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind7' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind8' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind9' fc='ST'/>"           \
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind10' fc='ST'/>"

static const char SCL_HEAD_ED2[] =
	"<?xml version='1.0'?>\n<SCL xmlns='http://www.iec.ch/61850/2003/SCL' version='2007'"
	" revision='B' release='4'>\n";
static const char SCL_HEAD_ED1[] =
	"<?xml version='1.0'?>\n<SCL xmlns='http://www.iec.ch/61850/2003/SCL'>\n";
static const char SCL_BODY[] =
	"<Header id='t'/>\n"
	"<Communication><SubNetwork name='S'><ConnectedAP iedName='P' apName='A'>\n"
	"<GSE ldInst='LD0' cbName='gcbTen'><Address><P type='MAC-Address'>01-0C-CD-01-00-20</P>"
	"<P type='APPID'>3000</P><P type='VLAN-ID'>005</P><P type='VLAN-PRIORITY'>4</P></Address>"
	"<MinTime>4</MinTime><MaxTime>1000</MaxTime></GSE>\n"
	"<GSE ldInst='LD0' cbName='gcbBig'><Address><P type='MAC-Address'>01-0C-CD-01-00-21</P>"
	"<P type='APPID'>3001</P></Address></GSE>\n"
	"</ConnectedAP></SubNetwork></Communication>\n"
	"<IED name='P'><AccessPoint name='A'><Server><Authentication/>\n"
	"<LDevice inst='LD0'><LN0 lnClass='LLN0' inst='' lnType='LLN0T'>\n"
	"<DataSet name='dsTen'>" SPS10 "</DataSet>\n"
	"<DataSet name='dsTwo'>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind1' daName='stVal' fc='ST'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Ind2' daName='stVal' fc='ST'/>"
	"</DataSet>\n"
	"<DataSet name='dsBig'>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big1' fc='DC'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big2' fc='DC'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big3' fc='DC'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big4' fc='DC'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big5' fc='DC'/>"
	"<FCDA ldInst='LD0' lnClass='GGIO' lnInst='1' doName='Big6' fc='DC'/>"
	"</DataSet>\n"
	"<GSEControl name='gcbTen' appID='TenID' datSet='dsTen' confRev='7' type='GOOSE'/>\n"
	"<GSEControl name='gcbNoAddr' datSet='dsTwo' confRev='1' type='GOOSE' fixedOffs='true'/>\n"
	"<GSEControl name='gcbOld' type='GSSE'/>\n"
	"%s"
	"<DOI name='Beh'><DAI name='stVal'><Val>%s</Val></DAI></DOI>\n"
	"</LN0>\n"
	"<LN lnClass='LPHD' inst='1' lnType='LPHDT'/>\n"
	"<LN lnClass='GGIO' inst='1' lnType='GGIOT'/>\n"
	"</LDevice></Server></AccessPoint></IED>\n"
	"<DataTypeTemplates>\n"
	"<LNodeType id='LLN0T' lnClass='LLN0'><DO name='Beh' type='ENS'/></LNodeType>\n"
	"<LNodeType id='LPHDT' lnClass='LPHD'><DO name='Sim' type='SPS'/></LNodeType>\n"
	"<LNodeType id='GGIOT' lnClass='GGIO'>"
	"<DO name='Ind1' type='SPS'/><DO name='Ind2' type='SPS'/><DO name='Ind3' type='SPS'/>"
	"<DO name='Ind4' type='SPS'/><DO name='Ind5' type='SPS'/><DO name='Ind6' type='SPS'/>"
	"<DO name='Ind7' type='SPS'/><DO name='Ind8' type='SPS'/><DO name='Ind9' type='SPS'/>"
	"<DO name='Ind10' type='SPS'/>"
	"<DO name='Big1' type='BIG'/><DO name='Big2' type='BIG'/><DO name='Big3' type='BIG'/>"
	"<DO name='Big4' type='BIG'/><DO name='Big5' type='BIG'/><DO name='Big6' type='BIG'/>"
	"</LNodeType>\n"
	"<DOType id='SPS' cdc='SPS'><DA name='stVal' bType='BOOLEAN' fc='ST' dchg='true'/>"
	"<DA name='q' bType='Quality' fc='ST' qchg='true'/><DA name='t' bType='Timestamp' fc='ST'/>"
	"</DOType>\n"
	"<DOType id='ENS' cdc='ENS'><DA name='stVal' bType='Enum' type='Beh' fc='ST' dchg='true'/>"
	"</DOType>\n"
	"<DOType id='BIG' cdc='DPL'><DA name='vendor' bType='VisString255' fc='DC'/></DOType>\n"
	"<EnumType id='Beh'><EnumVal ord='1'>on</EnumVal><EnumVal ord='2'>blocked</EnumVal>"
	"<EnumVal ord='3'>test</EnumVal><EnumVal ord='4'>test/blocked</EnumVal>"
	"<EnumVal ord='5'>off</EnumVal></EnumType>\n"
	"</DataTypeTemplates></SCL>\n";

static char scl_text[16384];

/* Our model: Ed.2 or Ed.1, with or without the oversize GoCB, Beh `beh`. */
static const char *our_scl(bool ed2, bool big, const char *beh)
{
	char body[sizeof(scl_text) - 200];
	snprintf(body, sizeof(body), SCL_BODY,
		 big ? "<GSEControl name='gcbBig' datSet='dsBig' confRev='1' type='GOOSE'/>\n" : "",
		 beh);
	snprintf(scl_text, sizeof(scl_text), "%s%s", ed2 ? SCL_HEAD_ED2 : SCL_HEAD_ED1, body);
	return scl_text;
}

/* ---- the publisher on a fake clock, frames captured ---- */

#define MAXF 256
struct env {
	struct fake f;
	struct model *m;
	struct acsi_gpub *P;
	uint32_t n;
	uint8_t fr[MAXF][GOOSE_MAX_FRAME_VLAN];
	size_t len[MAXF];
	uint64_t at[MAXF];	/* µs of the fake clock */
	uint32_t wakes;
	int send_rc;
};
static struct env E;

static int cap_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct env *e = ctx;
	ck_assert_uint_le(len, GOOSE_MAX_FRAME_VLAN);
	if (e->n < MAXF) {
		memcpy(e->fr[e->n], frame, len);
		e->len[e->n] = len;
		e->at[e->n] = e->f.now;
	}
	e->n++;
	return e->send_rc;
}

static void cap_wake(void *ctx)
{
	((struct env *)ctx)->wakes++;
}

static const struct acsi_gpub_io IO = {
	.send = cap_send, .wake = cap_wake, .ctx = &E,
	.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
};

static int load(const char *file, const char *mem, const char *ied)
{
	char err[1024];
	int rc = mem ? model_load_scl_mem("mem.scd", mem, strlen(mem), ied, &E.m, err, sizeof(err))
		     : model_load_scl(file, ied, &E.m, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	return rc;
}

static void env_up(const char *file, const char *mem, const char *ied)
{
	memset(&E, 0, sizeof(E));
	timer_queue_init(&E.f.q);
	E.f.utc0 = 1700000000ull * 1000000000ull;
	load(file, mem, ied);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &E.f };
	char err[512];
	ck_assert_msg(acsi_gpub_new(E.m, &clk, &IO, &E.P, err, sizeof(err)) == 0, "%s", err);
}

static void env_down(void)
{
	acsi_gpub_free(E.P);
	model_free(E.m);
	timer_queue_clear(&E.f.q);
}

static const char *scl_dir(void)
{
	const char *d = getenv("IEDD_SCL_DIR");
	return d ? d : "../shared/scl";
}

static const char *shared(const char *name)
{
	static char p[4096];
	snprintf(p, sizeof(p), "%s/%s", scl_dir(), name);
	return p;
}

static struct goose_frame F;
static const struct goose_frame *frame(uint32_t k)
{
	ck_assert_uint_lt(k, E.n);
	struct proto_err e = { 0 };
	ck_assert_msg(goose_decode(E.fr[k], E.len[k], &F, &e) == 0, "frame %u: %s", k, e.reason);
	return &F;
}

static void upd_bool(const char *ref, bool v)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	struct model_val val = { .kind = MODEL_V_BOOL, .v.b = v };
	uint8_t ts[8];
	model_timestamp(f_utc(&E.f), 0, ts);
	model_update(E.m, &a, &val, 0, ts);
}

static void upd_q(const char *ref, uint16_t q)
{
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	uint8_t ts[8];
	model_timestamp(f_utc(&E.f), 0, ts);
	model_update(E.m, &a, NULL, q, ts);
}

/* A Write of one GO attribute through data access, as a client's;
 * returns MMS_DAE_SUCCESS or the DataAccessError. */
static int go_write(struct acsi_gpub *P, const char *domain, const char *item, const uint8_t *d,
		    size_t n)
{
	struct buf req, resp;
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "%s", domain);
	snprintf(on.item, sizeof(on.item), "%s", item);
	buf_init(&req, ISO_HEADROOM, 0);
	buf_init(&resp, ISO_HEADROOM, 0);
	mms_client_write_req(&req, 7, &on, d, n);
	struct mms_pdu p;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&req), req.len, &p, NULL), 0);
	const struct acsi_caller who = { .gpub = P };
	ck_assert_int_eq(acsi_write(E.m, &p, &resp, NULL, &who), 0);
	struct mms_pdu rp;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&resp), resp.len, &rp, NULL), 0);
	ck_assert_int_eq(mms_client_check(&rp, 7, MMS_SVC_WRITE, NULL, NULL), 0);
	int res[2];
	size_t nr;
	ck_assert_int_eq(mms_client_write_decode(rp.body, rp.body_len, res, 2, &nr, NULL), 0);
	ck_assert_uint_eq(nr, 1);
	buf_clear(&req);
	buf_clear(&resp);
	return res[0];
}

static int go_bool(struct acsi_gpub *P, const char *dom, const char *item, bool v)
{
	const uint8_t d[] = { 0x83, 0x01, v ? 0xFF : 0x00 };
	return go_write(P, dom, item, d, sizeof(d));
}

static int go_str(struct acsi_gpub *P, const char *dom, const char *item, const char *s)
{
	uint8_t d[200] = { 0x8A, (uint8_t)strlen(s) };
	memcpy(d + 2, s, strlen(s));
	return go_write(P, dom, item, d, strlen(s) + 2);
}

static const char *text(const char *ref)
{
	static char out[300];
	struct model_attr a;
	ck_assert_int_eq(model_attr_bind(E.m, ref, &a), 0);
	model_get_text(E.m, a.type, a.voff, out, sizeof(out));
	return out;
}

#define TEN "PLD0/LLN0$GO$gcbTen"

/* ---- the curve ---- */

START_TEST(retransmission_curve)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.GoEna[GO]"), "true");
	acsi_gpub_start(E.P);
	ck_assert_uint_eq(E.n, 1);
	/* MinTime 4, MaxTime 1000: intervals 4, 8, ..., 512, then 1000 */
	static const struct { uint64_t at_ms; uint32_t tal; } want[] = {
		{ 0, 8 }, { 4, 16 }, { 12, 32 }, { 28, 64 }, { 60, 128 }, { 124, 256 },
		{ 252, 512 }, { 508, 1024 }, { 1020, 2000 }, { 2020, 2000 }, { 3020, 2000 },
	};
	advance(&E.f, 3020 * 1000);
	ck_assert_uint_eq(E.n, 11);
	uint8_t t0[8];
	for (uint32_t k = 0; k < 11; k++) {
		const struct goose_frame *f = frame(k);
		ck_assert_uint_eq(E.at[k], want[k].at_ms * 1000);
		ck_assert_uint_eq(f->st_num, 1);
		ck_assert_uint_eq(f->sq_num, k);
		ck_assert_uint_eq(f->tal_ms, want[k].tal);
		ck_assert_str_eq(f->gocb_ref, TEN);
		ck_assert_str_eq(f->dat_set, "PLD0/LLN0$dsTen");
		ck_assert_str_eq(f->go_id, "TenID");
		ck_assert_uint_eq(f->conf_rev, 7);
		ck_assert_uint_eq(f->n_entries, 10);
		ck_assert(!f->nds_com && !f->test && !f->simulation);
		if (!k)
			memcpy(t0, f->t, 8);
		ck_assert_mem_eq(f->t, t0, 8); /* t: the last state change */
	}
	/* t of the first frame is the start's UTC: 1700000000 s, fraction 0 */
	ck_assert_uint_eq((uint32_t)t0[0] << 24 | t0[1] << 16 | t0[2] << 8 | t0[3], 1700000000u);
	/* nothing between the deadlines */
	advance(&E.f, 999 * 1000);
	ck_assert_uint_eq(E.n, 11);
	/* an event between two heartbeats: at once, stNum 2, the curve again */
	advance(&E.f, 500 * 1000 - 999 * 1000 + 999 * 1000); /* now 4519 ms */
	ck_assert_uint_eq(E.n, 12);			     /* the 4020 heartbeat */
	uint64_t ev = E.f.now;
	upd_bool("LD0/GGIO1.Ind3.stVal[ST]", true);
	ck_assert_uint_eq(E.wakes, 1);
	ck_assert_uint_eq(E.n, 12); /* nothing before the flush */
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, 13);
	const struct goose_frame *f = frame(12);
	ck_assert_uint_eq(f->st_num, 2);
	ck_assert_uint_eq(f->sq_num, 0);
	ck_assert_uint_eq(f->tal_ms, 8);
	ck_assert_uint_eq(E.at[12], ev);
	ck_assert_mem_ne(f->t, t0, 8);
	advance(&E.f, 12 * 1000);
	ck_assert_uint_eq(E.n, 15);
	ck_assert_uint_eq(E.at[13], ev + 4000);
	ck_assert_uint_eq(E.at[14], ev + 12000);
	ck_assert_uint_eq(frame(14)->sq_num, 2);
	ck_assert_uint_eq(frame(14)->st_num, 2);
	ck_assert_uint_eq(frame(14)->tal_ms, 32);
	struct acsi_gpub_stats st;
	acsi_gpub_stats(E.P, &st);
	ck_assert_uint_eq(st.frames, 15);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.send_errors, 0);
	const char *pcap = getenv("GOOSE_PUB_PCAP");
	FILE *o = pcap ? fopen(pcap, "wb") : NULL;
	if (o) {
		const uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
		fwrite(gh, 4, 6, o);
		for (uint32_t k = 0; k < E.n && k < MAXF; k++) {
			uint32_t ph[4] = { (uint32_t)(1700000000 + E.at[k] / 1000000),
					   (uint32_t)(E.at[k] % 1000000), (uint32_t)E.len[k],
					   (uint32_t)E.len[k] };
			fwrite(ph, 4, 4, o);
			fwrite(E.fr[k], 1, E.len[k], o);
		}
		fclose(o);
	}
	env_down();
}
END_TEST

START_TEST(several_changes_one_stnum)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	acsi_gpub_start(E.P);
	advance(&E.f, 100 * 1000);
	uint32_t n0 = E.n;
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", true);
	upd_bool("LD0/GGIO1.Ind2.stVal[ST]", true);
	upd_q("LD0/GGIO1.Ind5.q[ST]", 0x4000); /* invalid */
	ck_assert_uint_eq(E.wakes, 1);	/* woken once */
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, n0 + 1);
	const struct goose_frame *f = frame(n0);
	ck_assert_uint_eq(f->st_num, 2);
	ck_assert_uint_eq(f->sq_num, 0);
	/* the frame carries the new values: members 0 and 1 stVal true */
	struct ber_cur c;
	struct ber_tlv m, d;
	goose_members(f, &c);
	for (int i = 0; i < 2; i++) {
		ck_assert(goose_member_next(&c, &m));
		struct ber_cur in;
		ber_cur_init(&in, m.val, m.len);
		ck_assert_int_eq(ber_next(&in, &d, NULL), 0);
		ck_assert_uint_eq(d.tag, 3);
		ck_assert_uint_eq(d.val[0] != 0, 1);
	}
	/* a second flush without a change sends nothing */
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, n0 + 1);
	/* the same value again (dupd only) is no event */
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", true);
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, n0 + 1);
	/* a change, then the next one after the flush: two stNums */
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", false);
	acsi_gpub_flush(E.P);
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", true);
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, n0 + 3);
	ck_assert_uint_eq(frame(n0 + 2)->st_num, 4);
	ck_assert_uint_eq(E.wakes, 3);
	/* change -> send latency: three events flushed at once so far, then
	 * one flushed 7 µs after its change (the clock moved, no timer due) */
	struct acsi_gpub_stats st;
	acsi_gpub_stats(E.P, &st);
	ck_assert_uint_eq(st.lat_n, 3);
	ck_assert_uint_eq(st.lat_max_us, 0);
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", false);
	E.f.now += 7;
	acsi_gpub_flush(E.P);
	acsi_gpub_stats(E.P, &st);
	ck_assert_uint_eq(st.lat_n, 4);
	ck_assert_uint_eq(st.lat_p50_us, 0);
	ck_assert_uint_eq(st.lat_p99_us, 7);
	ck_assert_uint_eq(st.lat_max_us, 7);
	env_down();
}
END_TEST

START_TEST(goena_off_on)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	acsi_gpub_start(E.P);
	advance(&E.f, 50 * 1000);
	uint32_t n0 = E.n;
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", false), MMS_DAE_SUCCESS);
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.GoEna[GO]"), "false");
	advance(&E.f, 10 * 1000 * 1000);
	ck_assert_uint_eq(E.n, n0); /* silent */
	upd_bool("LD0/GGIO1.Ind1.stVal[ST]", true);
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(E.n, n0); /* changes while disabled send nothing */
	uint64_t on = E.f.now;
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.n, n0 + 1);
	const struct goose_frame *f = frame(n0);
	ck_assert_uint_eq(f->st_num, 2);
	ck_assert_uint_eq(f->sq_num, 0);
	ck_assert_uint_eq(f->tal_ms, 8);
	advance(&E.f, 4 * 1000);
	ck_assert_uint_eq(E.n, n0 + 2);
	ck_assert_uint_eq(E.at[n0 + 1], on + 4000);
	/* true again while true: no new state */
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.n, n0 + 2);
	env_down();
}
END_TEST

START_TEST(simulation_ed2)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	acsi_gpub_start(E.P);
	ck_assert(!frame(0)->simulation && !frame(0)->test);
	upd_bool("LD0/LPHD1.Sim.stVal[ST]", true);
	advance(&E.f, 4 * 1000); /* the next retransmission reads LPHD.Sim */
	ck_assert_uint_eq(E.n, 2);
	const struct goose_frame *f = frame(1);
	ck_assert(f->simulation);
	ck_assert(f->test);
	ck_assert_uint_eq(f->sq_num, 1);
	ck_assert_uint_eq(f->st_num, 1);
	upd_bool("LD0/LPHD1.Sim.stVal[ST]", false);
	advance(&E.f, 8 * 1000);
	ck_assert(!frame(2)->simulation && !frame(2)->test);
	env_down();
}
END_TEST

START_TEST(test_flag_ed1)
{
	env_up(NULL, our_scl(false, false, "test"), NULL);
	acsi_gpub_start(E.P);
	const struct goose_frame *f = frame(0);
	ck_assert(f->test);		/* Beh test: the Ed.1 test BOOLEAN */
	ck_assert(!f->simulation);	/* no Ed.2 simulation bit */
	/* Ed.1 strings: GoID and DatSet of 65 */
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(E.m, "PLD0", "LLN0$GO$gcbTen$GoID", &r), 0);
	ck_assert_uint_eq(r.type->max_len, 65);
	env_down();
	env_up(NULL, our_scl(false, false, "on"), NULL);
	acsi_gpub_start(E.P);
	ck_assert(!frame(0)->test);
	env_down();
}
END_TEST

/* ---- frames of the shared SCL files ---- */

START_TEST(frames_simpleio)
{
	env_up(shared("simpleIO_direct_control_goose.cid"), NULL, NULL);
	ck_assert_uint_eq(model_n_gocbs(E.m), 2);
	acsi_gpub_start(E.P);
	ck_assert_uint_eq(E.n, 2);
	static const uint8_t mac[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };
	bool seen[2] = { false, false };
	for (uint32_t k = 0; k < 2; k++) {
		const struct goose_frame *f = frame(k);
		ck_assert_mem_eq(f->dst, mac, 6);
		ck_assert_mem_eq(f->src, IO.src_mac, 6);
		ck_assert(f->vlan);
		ck_assert_uint_eq(f->vid, 1);
		ck_assert_uint_eq(f->priority, 4);
		ck_assert_uint_eq(f->appid, 0x1000);
		ck_assert_uint_eq(f->conf_rev, 2);
		ck_assert_uint_eq(f->st_num, 1);
		if (!strcmp(f->gocb_ref, "simpleIOGenericIO/LLN0$GO$gcbEvents")) {
			seen[0] = true;
			ck_assert_str_eq(f->dat_set, "simpleIOGenericIO/LLN0$Events3");
			ck_assert_str_eq(f->go_id, "events");
			ck_assert_uint_eq(f->n_entries, 8);
			ck_assert_uint_eq(f->tal_ms, 2000); /* MinTime 1000 */
		} else {
			ck_assert_str_eq(f->gocb_ref, "simpleIOGenericIO/LLN0$GO$gcbAnalogValues");
			seen[1] = true;
			ck_assert_str_eq(f->dat_set, "simpleIOGenericIO/LLN0$AnalogValues");
			ck_assert_str_eq(f->go_id, "analog");
			ck_assert_uint_eq(f->n_entries, 4);
			ck_assert_uint_eq(f->tal_ms, 20); /* MinTime absent: 10 */
		}
	}
	ck_assert(seen[0] && seen[1]);
	env_down();
}
END_TEST

START_TEST(frames_messagebinding_ied1)
{
	env_up(shared("MessageBindingGOOSE2007B4.scd"), NULL, "IED1");
	ck_assert_uint_eq(model_n_gocbs(E.m), 2);
	acsi_gpub_start(E.P);
	ck_assert_uint_eq(E.n, 1); /* GCB2 has no GSE and no data set */
	const struct goose_frame *f = frame(0);
	static const uint8_t mac[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x10 };
	ck_assert_mem_eq(f->dst, mac, 6);
	ck_assert(f->vlan);
	ck_assert_uint_eq(f->vid, 5);
	ck_assert_uint_eq(f->priority, 4);
	ck_assert_uint_eq(f->appid, 0x0010);
	ck_assert_str_eq(f->gocb_ref, "IED1CircuitBreaker_CB1/LLN0$GO$GCB");
	ck_assert_str_eq(f->dat_set, "IED1CircuitBreaker_CB1/LLN0$GooseDataSet1");
	ck_assert_str_eq(f->go_id, "0001");
	ck_assert_uint_eq(f->conf_rev, 1);
	ck_assert_uint_eq(f->n_entries, 5);
	ck_assert(!f->simulation && !f->test); /* IED1 has no LPHD */
	ck_assert_str_eq(text("CircuitBreaker_CB1/LLN0.GCB2.NdsCom[GO]"), "true");
	ck_assert_str_eq(text("CircuitBreaker_CB1/LLN0.GCB2.GoEna[GO]"), "false");
	ck_assert_str_eq(text("CircuitBreaker_CB1/LLN0.GCB.FixedOffs[GO]"), "false");
	ck_assert_str_eq(text("CircuitBreaker_CB1/LLN0.GCB.MinTime[GO]"), "10");
	ck_assert_str_eq(text("CircuitBreaker_CB1/LLN0.GCB.MaxTime[GO]"), "1000");
	/* GCB2: the load said why it is not published */
	bool warned = false;
	for (uint32_t i = 0; i < model_n_warnings(E.m); i++)
		warned |= strstr(model_warning(E.m, i), ":119: GSEControl 'GCB2'") &&
			  strstr(model_warning(E.m, i), "will not be published");
	ck_assert(warned);
	/* GoEna true is refused for it: no address */
	ck_assert_int_eq(go_bool(E.P, "IED1CircuitBreaker_CB1", "LLN0$GO$GCB2$GoEna", true),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	env_down();
}
END_TEST

/* gcbEvents of simpleIO at 1700000000 s UTC, stNum 1, sqNum 0: the whole
 * frame, each field laid out as 8-1 Annex A/C gives it. */
static const uint8_t GOLDEN[] = {
	0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01,	/* dst: GSE MAC-Address */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src: the interface's */
	0x81, 0x00, 0x80, 0x01,			/* 802.1Q: priority 4, VID 1 */
	0x88, 0xb8, 0x10, 0x00, 0x00, 0x9a,	/* EtherType, APPID 0x1000, Length 154 */
	0x00, 0x00, 0x00, 0x00,			/* Reserved1 (no simulation), Reserved2 */
	0x61, 0x81, 0x8f,			/* goosePdu */
	0x80, 0x23, 's', 'i', 'm', 'p', 'l', 'e', 'I', 'O', 'G', 'e', 'n', 'e', 'r', 'i', 'c',
	'I', 'O', '/', 'L', 'L', 'N', '0', '$', 'G', 'O', '$', 'g', 'c', 'b', 'E', 'v', 'e',
	'n', 't', 's',				/* gocbRef */
	0x81, 0x02, 0x07, 0xd0,			/* timeAllowedtoLive 2000: 2 x MinTime */
	0x82, 0x1e, 's', 'i', 'm', 'p', 'l', 'e', 'I', 'O', 'G', 'e', 'n', 'e', 'r', 'i', 'c',
	'I', 'O', '/', 'L', 'L', 'N', '0', '$', 'E', 'v', 'e', 'n', 't', 's', '3', /* datSet */
	0x83, 0x06, 'e', 'v', 'e', 'n', 't', 's', /* goID: the appID */
	0x84, 0x08, 0x65, 0x53, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x00, /* t: 1700000000 s */
	0x85, 0x01, 0x01,			/* stNum 1 */
	0x86, 0x01, 0x00,			/* sqNum 0 */
	0x87, 0x01, 0x00,			/* test (Ed.1) false */
	0x88, 0x01, 0x02,			/* confRev 2 */
	0x89, 0x01, 0x00,			/* ndsCom false */
	0x8a, 0x01, 0x08,			/* numDatSetEntries 8 */
	0xab, 0x20,				/* allData: stVal false, q good, x 4 */
	0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
	0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
	0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
	0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
};

START_TEST(golden_frame)
{
	env_up(shared("simpleIO_direct_control_goose.cid"), NULL, NULL);
	acsi_gpub_start(E.P);
	uint32_t k = !strcmp(frame(0)->go_id, "events") ? 0 : 1;
	if (getenv("GOOSE_PUB_GOLDEN")) {
		for (size_t i = 0; i < E.len[k]; i++)
			printf("0x%02x,%s", E.fr[k][i], i % 12 == 11 ? "\n" : " ");
		printf("\n");
	}
	ck_assert_bytes(E.fr[k], E.len[k], GOLDEN);
	env_down();
}
END_TEST

START_TEST(oversize_refused)
{
	memset(&E, 0, sizeof(E));
	timer_queue_init(&E.f.q);
	load(NULL, our_scl(true, true, "on"), NULL);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel, .ctx = &E.f };
	char err[512] = "";
	struct acsi_gpub *P = NULL;
	ck_assert_int_eq(acsi_gpub_new(E.m, &clk, &IO, &P, err, sizeof(err)), -EMSGSIZE);
	ck_assert_ptr_null(P);
	ck_assert_msg(strstr(err, "mem.scd:") && strstr(err, "PLD0/LLN0$GO$gcbBig") &&
		      strstr(err, "1514"), "%s", err);
	/* the GSEControl's line */
	const char *line = strstr(our_scl(true, true, "on"), "<GSEControl name='gcbBig'");
	unsigned ln = 1;
	for (const char *p = scl_text; p < line; p++)
		ln += *p == '\n';
	char want[32];
	snprintf(want, sizeof(want), "mem.scd:%u:", ln);
	ck_assert_msg(strstr(err, want), "%s (want %s)", err, want);
	model_free(E.m);
	timer_queue_clear(&E.f.q);
}
END_TEST

/* ---- GO writes ---- */

START_TEST(go_writes)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	acsi_gpub_start(E.P);
	const uint8_t u32[] = { 0x86, 0x01, 0x09 };
	ck_assert_int_eq(go_write(E.P, "PLD0", "LLN0$GO$gcbTen$ConfRev", u32, 3),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$NdsCom", true),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(go_write(E.P, "PLD0", "LLN0$GO$gcbTen$MinTime", u32, 3),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(go_write(E.P, "PLD0", "LLN0$GO$gcbTen$MaxTime", u32, 3),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$FixedOffs", true),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(go_write(E.P, "PLD0", "LLN0$GO$gcbTen$DstAddress$APPID", u32, 3),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	/* GoID and DatSet: only while GoEna is false */
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$GoID", "NewID"),
			 MMS_DAE_TEMPORARILY_UNAVAILABLE);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", "PLD0/LLN0$dsTwo"),
			 MMS_DAE_TEMPORARILY_UNAVAILABLE);
	/* GoEna of another type */
	ck_assert_int_eq(go_write(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", u32, 3),
			 MMS_DAE_TYPE_INCONSISTENT);
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", false), MMS_DAE_SUCCESS);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$GoID", "NewID"), MMS_DAE_SUCCESS);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", "PLD0/LLN0$nothing"),
			 MMS_DAE_OBJECT_VALUE_INVALID);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", "PLD0/LLN0$dsBig"),
			 MMS_DAE_OBJECT_VALUE_INVALID); /* would not fit a frame */
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.ConfRev[GO]"), "7");
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", "PLD0/LLN0$dsTwo"),
			 MMS_DAE_SUCCESS);
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.ConfRev[GO]"), "8");
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.DatSet[GO]"), "PLD0/LLN0$dsTwo");
	const struct mld *ld = model_find_ld(E.m, "PLD0");
	ck_assert(acsi_gpub_uses_dataset(E.P, model_find_dataset(ld, "LLN0$dsTwo")));
	ck_assert(!acsi_gpub_uses_dataset(E.P, model_find_dataset(ld, "LLN0$dsTen")));
	uint32_t n0 = E.n;
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(E.n, n0 + 1);
	const struct goose_frame *f = frame(n0);
	ck_assert_str_eq(f->go_id, "NewID");
	ck_assert_str_eq(f->dat_set, "PLD0/LLN0$dsTwo");
	ck_assert_uint_eq(f->conf_rev, 8);
	ck_assert_uint_eq(f->n_entries, 2);
	/* the old data set no longer makes events, the new one does */
	uint32_t w = E.wakes;
	upd_bool("LD0/GGIO1.Ind5.stVal[ST]", true);
	ck_assert_uint_eq(E.wakes, w);
	upd_bool("LD0/GGIO1.Ind2.stVal[ST]", true);
	ck_assert_uint_eq(E.wakes, w + 1);
	/* a DatSet "" leaves the GoCB without data set: NdsCom, GoEna refused */
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", false), MMS_DAE_SUCCESS);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", ""), MMS_DAE_SUCCESS);
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.NdsCom[GO]"), "true");
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", true),
			 MMS_DAE_OBJECT_VALUE_INVALID);
	/* the GoCB without GSE: GoEna true refused */
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbNoAddr$GoEna", true),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	/* no GOOSE service: reads as configured, writes refused as before */
	ck_assert_int_eq(go_bool(NULL, "PLD0", "LLN0$GO$gcbNoAddr$GoEna", true),
			 MMS_DAE_OBJECT_ACCESS_UNSUPPORTED);
	env_down();
}
END_TEST

START_TEST(dataset_in_use)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	const struct mld *ld = model_find_ld(E.m, "PLD0");
	struct mfcda mem;
	ck_assert_int_eq(model_fcda_from_mms(E.m, "PLD0", "GGIO1$ST$Ind4", -1, NULL, &mem), 0);
	const struct mdataset *ds;
	ck_assert_int_eq(model_dataset_add(E.m, ld, NULL, "LLN0$dyn", &mem, 1, &ds), 0);
	ck_assert(!acsi_gpub_uses_dataset(E.P, ds));
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", false), MMS_DAE_SUCCESS);
	ck_assert_int_eq(go_str(E.P, "PLD0", "LLN0$GO$gcbTen$DatSet", "PLD0/LLN0$dyn"),
			 MMS_DAE_SUCCESS);
	ck_assert(acsi_gpub_uses_dataset(E.P, ds));
	acsi_gpub_start(E.P);
	ck_assert_uint_eq(E.n, 0); /* disabled */
	ck_assert_int_eq(go_bool(E.P, "PLD0", "LLN0$GO$gcbTen$GoEna", true), MMS_DAE_SUCCESS);
	ck_assert_uint_eq(frame(0)->n_entries, 1);
	upd_bool("LD0/GGIO1.Ind4.stVal[ST]", true);
	acsi_gpub_flush(E.P);
	ck_assert_uint_eq(frame(1)->st_num, 2);
	env_down();
}
END_TEST

START_TEST(send_errors_counted)
{
	env_up(NULL, our_scl(true, false, "on"), NULL);
	E.send_rc = -ENETDOWN;
	acsi_gpub_start(E.P);
	advance(&E.f, 12 * 1000);
	struct acsi_gpub_stats st;
	acsi_gpub_stats(E.P, &st);
	ck_assert_uint_eq(st.send_errors, 3);
	ck_assert_uint_eq(st.frames, 0);
	E.send_rc = 0;
	advance(&E.f, 16 * 1000);
	acsi_gpub_stats(E.P, &st);
	ck_assert_uint_eq(st.frames, 1); /* publishing went on */
	env_down();
}
END_TEST

/* ---- the FC GO structure ---- */

static void names_are(const char *dom, const char *item, const char *const *names, uint32_t n)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(E.m, dom, item, &r), 0);
	ck_assert_uint_eq(r.fc, FC_GO);
	ck_assert_uint_eq(r.type->btype, MB_STRUCT);
	ck_assert_uint_eq(r.type->n, n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_str_eq(r.type->comp[i].name, names[i]);
}

START_TEST(go_structure)
{
	static const char *const ed2[] = { "GoEna", "GoID", "DatSet", "ConfRev", "NdsCom",
					   "DstAddress", "MinTime", "MaxTime", "FixedOffs" };
	static const char *const dst[] = { "Addr", "PRIORITY", "VID", "APPID" };
	env_up(NULL, our_scl(true, false, "on"), NULL);
	names_are("PLD0", "LLN0$GO$gcbTen", ed2, 9);
	names_are("PLD0", "LLN0$GO$gcbTen$DstAddress", dst, 4);
	names_are("PLD0", "LLN0$GO$gcbNoAddr", ed2, 9);
	struct mref r;
	ck_assert_int_eq(model_resolve_mms(E.m, "PLD0", "LLN0$GO$gcbOld", &r), -ENOENT);
	ck_assert_int_eq(model_resolve_mms(E.m, "PLD0", "LLN0$GO$gcbTen$DstAddress$Addr", &r), 0);
	ck_assert_uint_eq(r.type->btype, MB_OCTET);
	ck_assert_uint_eq(r.type->max_len, 6);
	ck_assert_int_eq(model_resolve_mms(E.m, "PLD0", "LLN0$GO$gcbTen$ConfRev", &r), 0);
	ck_assert_uint_eq(r.type->btype, MB_INT32U);
	ck_assert_int_eq(model_resolve_mms(E.m, "PLD0", "LLN0$GO$gcbTen$GoID", &r), 0);
	ck_assert_uint_eq(r.type->max_len, 129);
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.DstAddress.Addr[GO]"), "010ccd010020");
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.DstAddress.APPID[GO]"), "12288");
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.DstAddress.VID[GO]"), "5");
	ck_assert_str_eq(text("LD0/LLN0.gcbTen.MinTime[GO]"), "4");
	ck_assert_str_eq(text("LD0/LLN0.gcbNoAddr.FixedOffs[GO]"), "true");
	ck_assert_str_eq(text("LD0/LLN0.gcbNoAddr.GoID[GO]"), "PLD0/LLN0$GO$gcbNoAddr");
	bool gsse = false;
	for (uint32_t i = 0; i < model_n_warnings(E.m); i++)
		gsse |= strstr(model_warning(E.m, i), "'gcbOld'") &&
			strstr(model_warning(E.m, i), "GSSE");
	ck_assert(gsse);
	ck_assert_ptr_eq(model_gocb_at(E.m, r.voff), model_gocb(E.m, 0));
	env_down();
	/* Ed.1: six attributes, no MinTime, MaxTime, FixedOffs */
	static const char *const ed1[] = { "GoEna", "GoID", "DatSet", "ConfRev", "NdsCom",
					   "DstAddress" };
	env_up(shared("simpleIO_direct_control_goose.cid"), NULL, NULL);
	names_are("simpleIOGenericIO", "LLN0$GO$gcbEvents", ed1, 6);
	names_are("simpleIOGenericIO", "LLN0$GO$gcbAnalogValues", ed1, 6);
	env_down();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("goose_pub");
	TCase *t = tcase_create("pub");
	tcase_add_test(t, retransmission_curve);
	tcase_add_test(t, several_changes_one_stnum);
	tcase_add_test(t, goena_off_on);
	tcase_add_test(t, simulation_ed2);
	tcase_add_test(t, test_flag_ed1);
	tcase_add_test(t, frames_simpleio);
	tcase_add_test(t, frames_messagebinding_ied1);
	tcase_add_test(t, golden_frame);
	tcase_add_test(t, oversize_refused);
	tcase_add_test(t, go_writes);
	tcase_add_test(t, dataset_in_use);
	tcase_add_test(t, send_errors_counted);
	tcase_add_test(t, go_structure);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	char probe[4096];
	snprintf(probe, sizeof(probe), "%s/simpleIO_direct_control_goose.cid", scl_dir());
	FILE *f = fopen(probe, "r");
	if (!f) {
		printf("1..0 # SKIP %s not found (set IEDD_SCL_DIR)\n", probe);
		return 77;
	}
	fclose(f);
	SRunner *r = srunner_create(suite());
	srunner_set_tap(r, "-");
	srunner_run_all(r, CK_SILENT);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
