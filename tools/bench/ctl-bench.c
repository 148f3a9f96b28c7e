/* SPDX-License-Identifier: Apache-2.0 */
/* ctl-bench: the control benchmark (tests/bench/control_bench.py runs it
 * against a real iedd on a generated model).
 *
 *   ctl-bench -c 127.0.0.1:PORT --mode read     --ref 'LD/GGIO1$ST$Dir%d$stVal'
 *   ctl-bench -c 127.0.0.1:PORT --mode direct   --ref 'LD/GGIO1$CO$Dir%d'
 *   ctl-bench -c 127.0.0.1:PORT --mode sbo      --ref 'LD/GGIO1$CO$Sbo%d'
 *   ctl-bench -c 127.0.0.1:PORT --mode enhanced --ref 'LD/GGIO1$CO$Enh%d'
 *   ctl-bench -c 127.0.0.1:PORT --mode connect  --ref X
 *             [--clients N] [--count M] [--seconds S]
 *             [--tls --ca F --cert F --key F [--tls-priority P] [--resume]]
 *
 * Each client is its own association (iedc's client) and thread and works
 * on its own object (%d = 1..N). A sample is one round trip:
 *   read      a Read of REF;
 *   direct    a Write of REF$Oper (an SPC's SPCOperate: ctlVal toggling,
 *             origin remote-control "ctl-bench", ctlNum counting) to its
 *             Write response;
 *   sbo       a Write of REF$SBOw, then of REF$Oper with the same
 *             parameters, to the Oper's response (select + operate; the
 *             CommandTermination of enhanced security is awaited after
 *             the sample, before the next select);
 *   enhanced  a Write of REF$Oper to the CommandTermination that follows
 *             it (the status reaching ctlVal through the source);
 *   connect   an association (TCP, the TLS handshake with --tls, COTP to
 *             MMS Initiate), dropped at once (TLS close_notify, close);
 *             with --resume each client offers its previous session.
 * --seconds S ends each client's loop after S seconds (or M samples).
 * A refused command, a LastApplError or a CommandTermination- ends the run
 * with exit 1.
 *
 * Output: one line of key=value pairs (p50/p99/p999/max in microseconds over
 * all clients' samples; resumed= the TLS handshakes that resumed a
 * session); complaints on stderr with exit 1. Loopback tool:
 * every wait is bounded by the client's timeout. */
#include <inttypes.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ber.h"
#include "buf.h"
#include "client.h"
#include "mms_access.h"
#include "mms_client.h"
#include "mms_control.h"
#include "mms_report.h"

#define BENCH_NAME "ctl-bench"
#include "benchutil.h"

#define MAX_CLIENTS 64
#define MAX_COUNT 1000000

static const char *opt_addr, *opt_ref, *opt_mode;
static unsigned opt_clients = 1, opt_count = 1000;
static double opt_seconds;	/* > 0: loop for this long (or opt_count) */
static uint64_t deadline_ns;

struct worker {
	pthread_t th;
	unsigned no;		/* 1..N */
	struct client c;
	char ref[200];		/* REF with %d replaced */
	uint64_t *samples;
	unsigned n;
	unsigned terminations, errors;	/* unconfirmed PDUs seen */
	unsigned resumed;	/* connect: handshakes that resumed */
};

static struct mms_objname objname(const char *ref, const char *suffix)
{
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	const char *slash = strchr(ref, '/');
	if (!slash || (size_t)(slash - ref) > MMS_MAX_DOMAIN ||
	    strlen(slash + 1) + strlen(suffix) > MMS_MAX_ITEM)
		die("'%s': expected LD/LN$FC$...", ref);
	memcpy(on.domain, ref, (size_t)(slash - ref));
	if ((size_t)snprintf(on.item, sizeof(on.item), "%s%s", slash + 1, suffix) >=
	    sizeof(on.item))
		die("'%s%s': name too long", ref, suffix);
	return on;
}

/* SPCOperate (IEC 61850-8-1 §20): ctlVal, origin, ctlNum, T, Test, Check. */
static void oper_data(struct buf *d, bool val, uint8_t num)
{
	static const uint8_t T[8] = { 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 0x0A };
	buf_reset(d, 0);
	mms_ctl_bool_cmd_encode(d, val, 3, "ctl-bench", num, T, false, 0);
}

/* What came unasked: a CommandTermination+ (one variable, the Oper), or
 * anything with LastApplError (a refusal, a CommandTermination-). */
static void on_unconfirmed(struct client *c, const struct mms_pdu *p, void *ctx)
{
	(void)c;
	struct worker *w = ctx;
	const uint8_t *body;
	size_t len;
	if (mms_unconfirmed_report(p, &body, &len, NULL) != 1)
		return;
	if (memmem(body, len, "LastApplError", 13))
		w->errors++;
	else if (memmem(body, len, "$Oper", 5))
		w->terminations++;
}

static void write_one(struct worker *w, const char *suffix, const struct buf *data)
{
	struct mms_objname on = objname(w->ref, suffix);
	struct buf pdu;
	struct mms_pdu p;
	buf_init(&pdu, ISO_HEADROOM, 0);
	uint32_t id = w->c.next_invoke++;
	mms_client_write_req(&pdu, id, &on, buf_data(data), data->len);
	if (client_call(&w->c, &pdu, id, MMS_SVC_WRITE, "Write", &p))
		die("client %u: %s", w->no, w->c.errmsg);
	buf_clear(&pdu);
	int res[1];
	size_t n;
	if (mms_client_write_decode(p.body, p.body_len, res, 1, &n, NULL) || n != 1)
		die("client %u: bad Write response", w->no);
	if (res[0] != MMS_DAE_SUCCESS)
		die("client %u: Write of %s%s refused: DataAccessError %d", w->no, w->ref, suffix,
		    res[0]);
	if (w->errors)
		die("client %u: LastApplError for %s%s", w->no, w->ref, suffix);
}

static void read_one(struct worker *w)
{
	struct mms_objname on = objname(w->ref, "");
	struct buf pdu;
	struct mms_pdu p;
	buf_init(&pdu, ISO_HEADROOM, 0);
	uint32_t id = w->c.next_invoke++;
	mms_client_read_req(&pdu, id, &on, 1);
	if (client_call(&w->c, &pdu, id, MMS_SVC_READ, "Read", &p))
		die("client %u: %s", w->no, w->c.errmsg);
	buf_clear(&pdu);
}

static void wait_termination(struct worker *w, unsigned before)
{
	while (w->terminations == before) {
		if (w->errors)
			die("client %u: CommandTermination- for %s", w->no, w->ref);
		if (client_wait_unconfirmed(&w->c))
			die("client %u: %s", w->no, w->c.errmsg);
	}
	if (w->errors)
		die("client %u: CommandTermination- for %s", w->no, w->ref);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct buf d;
	buf_init(&d, 0, 0);
	bool val = true;
	for (unsigned k = 0; k < opt_count; k++, val = !val) {
		if (deadline_ns && now_ns() >= deadline_ns)
			break;
		oper_data(&d, val, (uint8_t)k);
		uint64_t t0 = now_ns();
		if (!strcmp(opt_mode, "connect")) {
			/* one association per sample (TCP, TLS with --tls, COTP
			 * to MMS Initiate), dropped at once */
			if (client_open(&w->c, opt_addr, NULL, 10000))
				die("client %u: %s", w->no, w->c.errmsg);
			w->samples[w->n++] = now_ns() - t0;
			w->resumed += w->c.tls_resumed;
			client_drop(&w->c);
			continue;
		}
		if (!strcmp(opt_mode, "read")) {
			read_one(w);
		} else if (!strcmp(opt_mode, "direct")) {
			write_one(w, "$Oper", &d);
		} else if (!strcmp(opt_mode, "sbo")) {
			unsigned before = w->terminations;
			write_one(w, "$SBOw", &d);
			write_one(w, "$Oper", &d);
			w->samples[w->n++] = now_ns() - t0;
			/* enhanced security: the next select waits for the end */
			wait_termination(w, before);
			continue;
		} else {
			unsigned before = w->terminations;
			write_one(w, "$Oper", &d);
			wait_termination(w, before);
		}
		w->samples[w->n++] = now_ns() - t0;
	}
	buf_clear(&d);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' }, { "mode", required_argument, NULL, 'm' },
		{ "ref", required_argument, NULL, 'r' }, { "clients", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'k' }, { "tls", no_argument, NULL, 'T' },
		{ "ca", required_argument, NULL, 'A' }, { "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "tls-priority", required_argument, NULL, 'P' },
		{ "resume", no_argument, NULL, 'R' }, { "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct client_tls tls = { 0 };
	bool use_tls = false;
	int o;
	while ((o = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (o) {
		case 'c': opt_addr = optarg; break;
		case 'm': opt_mode = optarg; break;
		case 'r': opt_ref = optarg; break;
		case 'n': opt_clients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': opt_count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'T': use_tls = true; break;
		case 'A': tls.ca = optarg; break;
		case 'C': tls.cert = optarg; break;
		case 'K': tls.key = optarg; break;
		case 'P': tls.priority = optarg; break;
		case 'R': tls.resume = true; break;
		case 's': opt_seconds = strtod(optarg, NULL); break;
		default: die("usage: ctl-bench -c HOST:PORT --mode read|direct|sbo|enhanced|connect "
			     "--ref REF [--clients N] [--count M] [--seconds S] [--tls --ca F "
			     "--cert F --key F [--tls-priority P] [--resume]]");
		}
	}
	if (!opt_addr || !opt_ref || !opt_mode ||
	    (strcmp(opt_mode, "read") && strcmp(opt_mode, "direct") && strcmp(opt_mode, "sbo") &&
	     strcmp(opt_mode, "enhanced") && strcmp(opt_mode, "connect")))
		die("give -c HOST:PORT, --mode read|direct|sbo|enhanced and --ref REF");
	if (!opt_clients || opt_clients > MAX_CLIENTS || !opt_count || opt_count > MAX_COUNT)
		die("--clients 1..%d, --count 1..%d", MAX_CLIENTS, MAX_COUNT);
	if (opt_seconds < 0 || opt_seconds > 600)
		die("--seconds 0..600");
	if (use_tls)
		client_set_tls(&tls);
	uint64_t start = now_ns();
	static struct worker ws[MAX_CLIENTS];
	for (unsigned i = 0; i < opt_clients; i++) {
		struct worker *w = &ws[i];
		w->no = i + 1;
		const char *pc = strstr(opt_ref, "%d");
		if (pc)
			snprintf(w->ref, sizeof(w->ref), "%.*s%u%s", (int)(pc - opt_ref), opt_ref, w->no,
				 pc + 2);
		else
			snprintf(w->ref, sizeof(w->ref), "%s", opt_ref);
		w->samples = calloc(opt_count, sizeof(uint64_t));
		if (!w->samples)
			die("out of memory");
		if (strcmp(opt_mode, "connect") && client_open(&w->c, opt_addr, NULL, 10000))
			die("client %u: %s", w->no, w->c.errmsg);
		w->c.on_unconfirmed = on_unconfirmed;
		w->c.on_unconfirmed_ctx = w;
	}
	if (opt_seconds > 0)
		deadline_ns = now_ns() + (uint64_t)(opt_seconds * 1e9);
	start = now_ns();
	for (unsigned i = 0; i < opt_clients; i++)
		if (pthread_create(&ws[i].th, NULL, run, &ws[i]))
			die("cannot start a thread");
	size_t total = 0;
	unsigned resumed = 0;
	for (unsigned i = 0; i < opt_clients; i++) {
		pthread_join(ws[i].th, NULL);
		total += ws[i].n;
		resumed += ws[i].resumed;
	}
	double secs = (double)(now_ns() - start) / 1e9;
	if (!total)
		die("no samples");
	uint64_t *all = malloc(total * sizeof(uint64_t));
	if (!all)
		die("out of memory");
	size_t k = 0;
	for (unsigned i = 0; i < opt_clients; i++) {
		memcpy(all + k, ws[i].samples, ws[i].n * sizeof(uint64_t));
		k += ws[i].n;
		if (strcmp(opt_mode, "connect"))
			client_close(&ws[i].c);
		client_forget_session(&ws[i].c);
		free(ws[i].samples);
	}
	qsort(all, total, sizeof(uint64_t), cmp_u64);
	printf("mode=%s clients=%u samples=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	       "rate_per_s=%.0f resumed=%u%s\n",
	       opt_mode, opt_clients, total, all[total / 2] / 1000.0,
	       all[(total * 99) / 100] / 1000.0, all[(total * 999) / 1000] / 1000.0,
	       all[total - 1] / 1000.0, (double)total / secs,
	       resumed, use_tls ? " tls" : "");
	free(all);
	return 0;
}
