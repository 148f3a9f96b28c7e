/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as the TCP stream a client sends to
 * iedd, through the whole inbound path TPKT -> COTP -> session ->
 * presentation -> ACSE -> MMS -> service dispatch, served from the embedded
 * sample model (etc/sample.icd), so Read, Write, GetNameList and
 * GetVariableAccessAttributes walk a real model.
 *
 * The stream is framed with tpkt_header() bounded by mms_assoc_max_tpkt(),
 * as daemon/net/server.c frames it, and each TPKT is handed to
 * mms_assoc_input() from an exact-size copy, so a read past the TPKT is
 * caught by ASan even when more input follows. Processing stops where the
 * server would close the connection. Whatever the server writes, at once or
 * later, must be well-framed TPKTs; anything else is a crash.
 *
 * Writes that wait for a source: three attributes have write hooks
 * (fuzz_hooks.h) that defer or refuse as the written value decides. Some
 * deferred writes are answered right after their TPKT; when the input has
 * been fed, about half of the rest are answered while the association
 * exists, then it is cleared (the client went away) and the others are
 * answered: nothing may be sent then, and nothing may leak. Each input
 * starts from the same model values (restored from a snapshot) and with no
 * client-defined data sets. Reporting runs on a fake clock that moves
 * 50 ms after every TPKT (BufTm, IntgPd, the BRCB resync fire), so RCB
 * writes, DefineNamedVariableList and the reports they cause are part of
 * every input; a report is one more thing the association sends later and
 * must be well framed, and none may come after it is gone. The control
 * model runs on the same clock: SBO reads, SBOw/Oper/Cancel writes of any
 * structure against the sample's controls (whose ctlModel the input may
 * write to any value), LastApplError and CommandTermination, sboTimeout
 * and operTimeout. The first
 * TPKT is also offered to iso_refuse_cr, as to a connection over the
 * association limit. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "cotp.h"
#include "embedded.h"
#include "fuzz_hooks.h"
#include "mms_server.h"
#include "model.h"
#include "report.h"
#include "timer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded once; the values are restored after every input. */
static struct model *model;
static uint8_t *snapshot;
static struct fuzz_hooks hooks;

/* The fake clock of reporting. */
static struct timer_queue tq;
static uint64_t fake_us;

static uint64_t f_mono(void *c)
{
	(void)c;
	return fake_us;
}

static uint64_t f_utc(void *c)
{
	(void)c;
	return 1700000000000000000ull + fake_us * 1000u;
}

static int f_arm(void *c, struct timer *t, uint64_t d)
{
	(void)c;
	return timer_arm(&tq, t, d);
}

static void f_cancel(void *c, struct timer *t)
{
	(void)c;
	timer_cancel(&tq, t);
}

/* Moves the clock by `us`, firing what falls due on the way (bounded). */
static void advance(uint64_t us)
{
	uint64_t end = fake_us + us;
	for (int k = 0; k < 1000; k++) {
		uint64_t nx = timer_next(&tq);
		if (nx > end)
			break;
		if (nx > fake_us)
			fake_us = nx;
		timer_process(&tq, fake_us);
	}
	fake_us = end;
}

/* Data sets an input defined in a domain go before the next input. */
static void drop_defined_sets(void)
{
	for (uint32_t l = 0; l < model->n_ld; l++) {
		const struct mld *ld = &model->lds[l];
		for (uint32_t i = model_ld_n_datasets(ld); i-- > 0;) {
			const struct mdataset *ds = model_ld_dataset(ld, i);
			if (ds->deletable && model_dataset_remove(model, ds))
				__builtin_trap();
		}
	}
}

struct run {
	size_t traced;
	size_t emitted;		/* octets sent later */
	bool cleared;		/* the association is gone */
};

static void trace(void *ctx, bool in, const char *line)
{
	/* format every trace line, and read it to its end */
	((struct run *)ctx)->traced += strlen(line) + in;
}

/* The server's output must be a sequence of complete TPKTs. */
static void check_framing(const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		size_t n;
		if (tpkt_header(p + off, len - off, 65535, &n, NULL) || n > len - off)
			__builtin_trap();
		off += n;
	}
}

/* A response that waited for a source (mms_assoc_set_emit). */
static void emit(void *ctx, const uint8_t *data, size_t len)
{
	struct run *r = ctx;
	if (r->cleared || !len)
		__builtin_trap(); /* sent for an association that is gone, or nothing */
	check_framing(data, len);
	r->emitted += len;
}

/* Before the first input, so the loader is not counted as its coverage. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	(void)argc;
	(void)argv;
	if (model_load_scl_mem("sample.icd", embedded_sample_icd, embedded_sample_icd_len, NULL,
			       &model, err, sizeof(err))) {
		fprintf(stderr, "fuzz_inbound: %s\n", err);
		abort();
	}
	snapshot = malloc(model->values_size);
	if (!snapshot || fuzz_hooks_install(&hooks, model))
		abort();
	memcpy(snapshot, model->values, model->values_size);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mms_server srv;
	struct mms_assoc a;
	struct buf out;
	struct run run = { 0 };
	size_t off = 0;

	mms_server_init(&srv, 65000, 16, 10);
	srv.model = model;
	timer_queue_init(&tq);
	const struct acsi_clock clk = { .mono_us = f_mono, .utc_ns = f_utc, .arm = f_arm,
					.cancel = f_cancel };
	const struct acsi_report_cfg rcfg = { .buf_entries = 64, .buf_bytes = 65536 };
	srv.reports = acsi_reports_new(model, &clk, &rcfg, NULL);
	if (!srv.reports)
		abort();
	srv.controls = acsi_controls_new(model, &clk, NULL);
	if (!srv.controls)
		abort();
	mms_assoc_init(&a, 1);
	mms_assoc_set_emit(&a, &srv, emit, trace, &run);
	buf_init(&out, 0, 0);
	/* The same stream's first TPKT as a connection over the association
	 * limit sees it (iso_refuse_cr, framed as server.c frames it): a DR
	 * for a CR, nothing otherwise, closed either way. */
	{
		struct iso_conn refusing;
		size_t n;
		iso_init(&refusing, false, 1);
		if (!tpkt_header(data, size, iso_max_tpkt(&refusing), &n, NULL) && n <= size) {
			uint8_t *tpkt = malloc(n);
			if (tpkt) {
				memcpy(tpkt, data, n);
				int r = iso_refuse_cr(&refusing, tpkt, n, 1, &out);
				free(tpkt);
				if (refusing.state != ISO_CLOSED || (r == 0) != (out.len > 0) ||
				    (r && r != -EBADMSG))
					__builtin_trap();
				check_framing(buf_data(&out), out.len);
				buf_reset(&out, 0);
			}
		}
		iso_clear(&refusing);
	}
	while (off < size) {
		size_t n;
		struct proto_err err = { 0 };
		if (tpkt_header(data + off, size - off, mms_assoc_max_tpkt(&a), &n, &err) ||
		    n > size - off)
			break; /* bad header, or waiting for more: the server stops here too */
		uint8_t *tpkt = malloc(n);
		if (!tpkt)
			break;
		memcpy(tpkt, data + off, n);
		int r = mms_assoc_input(&a, &srv, tpkt, n, &out, &err, trace, &run);
		free(tpkt);
		/* the contract: -EBADMSG, and every refusal says where and why */
		if (r < 0 && (r != -EBADMSG || !err.layer || !err.reason[0]))
			__builtin_trap();
		check_framing(buf_data(&out), out.len);
		buf_reset(&out, 0);
		if (r < 0 || r == MMS_STEP_CLOSE)
			break;
		off += n;
		/* sources that answer before the client's next TPKT */
		fuzz_hooks_answer(&hooks, FUZZ_ANSWER_SOON);
		advance(50000);
	}
	buf_clear(&out);
	/* the rest: half while the client is there, half after it went */
	fuzz_hooks_answer(&hooks, FUZZ_ANSWER_HALF);
	mms_assoc_clear(&a);
	run.cleared = true;
	fuzz_hooks_answer(&hooks, FUZZ_ANSWER_ALL);
	advance(100000000); /* BRCBs keep buffering; nothing is sent to anyone */
	if (hooks.n)
		__builtin_trap();
	acsi_controls_free(srv.controls);
	acsi_reports_free(srv.reports);
	timer_queue_clear(&tq);
	drop_defined_sets();
	mms_server_clear(&srv);
	memcpy(model->values, snapshot, model->values_size);
	return 0;
}
