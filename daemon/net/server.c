/* SPDX-License-Identifier: Apache-2.0 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "conn.h"
#include "control.h"
#include "cpu_limit.h"
#include "goose_run.h"
#include "gse.h"
#include "log.h"
#include "loop_timer.h"
#include "mms_server.h"
#include "pv_loop.h"
#include "tls.h"


/* Connections being refused (over the limit) that may wait for their CR. */
#define MAX_REFUSING 64
#define MAX_LISTENERS SERVER_MAX_LISTEN

/* One association (or a connection being refused): the daemon's side of a
 * conn (daemon/net/conn.h), which owns the socket. */
struct assoc {
	struct server *srv;
	struct conn *conn;
	struct timer timer;	/* association / PDU / idle timeout, armed only when due */
	struct timer ltimer;	/* the layer's timed work (TLS key renewal), at ltimer_at */
	uint64_t ltimer_at;	/* UINT64_MAX: not armed */
	bool layered;		/* a layer with timed work (TLS) */
	struct mms_assoc mms;
	struct cpu_limit_user cpu;	/* its account under the CPU limit */
	uint64_t id;
	bool associated;
	bool pending_counted;	/* counted by admit_pending_add until it associates or ends */
	bool refusing;		/* over the association limit: DR after CR */
	bool close_after_flush;
	uint8_t timer_kind;
	struct assoc *prev, *next;
	char peer[56];
	uint64_t since_us;	/* associated at (loop clock); 0: not yet */
	const char *end;	/* why it ends, when the protocol said (audit) */
	char refused[160];	/* why iedd refused it before it was associated */
};

enum { TIMER_NONE, TIMER_ASSOC, TIMER_PDU, TIMER_IDLE, TIMER_REFUSE };

/* Token bucket: a burst of COMPLAIN_BURST lines, then COMPLAIN_RATE per
 * second; what is dropped is counted and reported once lines flow again. */
#define COMPLAIN_BURST 50
#define COMPLAIN_RATE 10
struct complain {
	struct timespec last;
	double tokens;
	unsigned dropped;
	bool init;
};

struct server {
	struct server_cfg cfg;
	struct event_base *base;
	struct conn_loop *conns_loop;
	struct loop_timer *timers;
	struct acsi_reports *reports;
	struct acsi_controls *controls;
	struct goose_run *goose;	/* GOOSE on cfg.goose_iface; NULL: off */
	struct mms_server mms;
	struct admit admit;	/* backoff after authentication failures, per address */
	int lfd[MAX_LISTENERS];
	struct event *lev[MAX_LISTENERS];
	bool ltls[MAX_LISTENERS];	/* listener i is TLS (listener_is_tls) */
	size_t n_listen;
	struct timer resume_accept, watchdog;
	struct timer sync;		/* cfg.sync every cfg.sync_ms */
	struct assoc *assocs;
	unsigned n_assoc, n_refusing;
	uint64_t next_id;
	uint16_t next_ref;
	bool trace;
	struct buf obuf;
	uint64_t us_assoc, us_pdu, us_idle;	/* 0 us_idle: no idle timeout */
	/* rate limits for complaints (collectd's c_complain habit): one for
	 * protocol errors and timeouts, one for overload (refusals, accept
	 * failures), so a flood of one kind does not hide the other */
	struct complain protocol_complaints, overload_complaints;
	struct pv_loop *pv_loop;	/* process variables, when attached */
	struct pv *pv;			/* the attached one (the status page) */
	/* counters for the status page and metrics (the loop's; no lock) */
	uint64_t n_accepted, n_refused_limit, n_refused_other;
	uint64_t started_unix;
	struct event *files_wake;	/* the file store's worker finished reads */
	/* the CPU limit (net/cpu_limit.h): always there, for its stats; reads
	 * are gated only when cfg.cpu_percent > 0 */
	struct cpu_limit *cpu;
	struct timer cpu_timer;		/* resumes the deferred, at cpu_timer_at */
	uint64_t cpu_timer_at;
	bool cpu_logged;		/* "throttling" said, "ended" not yet */
};

/* A refused connection may wait this long for its CR. */
#define REFUSE_GRACE_US 2000000u
/* Out of descriptors: accepting pauses this long. */
#define ACCEPT_PAUSE_US 100000u

static void assoc_close(struct assoc *a, const char *why);

static bool complain_ok(struct complain *k)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!k->init) {
		k->init = true;
		k->tokens = COMPLAIN_BURST;
	} else {
		double dt = (double)(now.tv_sec - k->last.tv_sec) +
			    (double)(now.tv_nsec - k->last.tv_nsec) / 1e9;
		k->tokens += dt * COMPLAIN_RATE;
		if (k->tokens > COMPLAIN_BURST)
			k->tokens = COMPLAIN_BURST;
	}
	k->last = now;
	if (k->tokens < 1) {
		k->dropped++;
		return false;
	}
	k->tokens -= 1;
	if (k->dropped) {
		log_msg(LOGL_NOTICE, LOGC_NET, "%u similar messages suppressed", k->dropped);
		k->dropped = 0;
	}
	return true;
}

static void trace_cb(void *ctx, bool in, const char *line)
{
	struct assoc *a = ctx;
	log_msg(LOGL_DEBUG, LOGC_TRACE, "%s #%llu %s %s", a->peer, (unsigned long long)a->id,
		in ? "<-" : "->", line);
}

static void set_timer(struct assoc *a, uint8_t kind)
{
	uint64_t us = 0;
	if (kind == a->timer_kind)
		return;
	switch (kind) {
	case TIMER_ASSOC: us = a->srv->us_assoc; break;
	case TIMER_PDU: us = a->srv->us_pdu; break;
	case TIMER_IDLE: us = a->srv->us_idle; break;
	case TIMER_REFUSE: us = REFUSE_GRACE_US; break;
	default: break;
	}
	a->timer_kind = kind;
	if (kind != TIMER_NONE && loop_timer_arm(a->srv->timers, &a->timer, us) == 0)
		return;
	/* out of memory growing the timer heap: no timeout rather than none
	 * ever (the connection still closes when its peer goes) */
	loop_timer_cancel(a->srv->timers, &a->timer);
	a->timer_kind = TIMER_NONE;
}

static void on_timer(struct timer_queue *q, struct timer *t, void *arg)
{
	struct assoc *a = arg;
	(void)q;
	(void)t;
	const char *why = a->timer_kind == TIMER_ASSOC ? "association not completed in time" :
			  a->timer_kind == TIMER_PDU   ? "incomplete PDU timed out" :
							 "idle timeout";
	if (a->refusing)
		why = "refused connection did not send a CR";
	a->timer_kind = TIMER_NONE;
	if (a->associated && !a->refusing) {
		struct buf out;
		buf_init(&out, 0, 0);
		iso_abort(&a->mms.iso, &out);
		/* best effort: what the socket does not take now is dropped */
		if (!out.err)
			(void)conn_write(a->conn, buf_data(&out), out.len);
		buf_clear(&out);
	}
	if (complain_ok(&a->srv->protocol_complaints))
		log_msg(LOGL_NOTICE, LOGC_NET, "%s #%llu: %s; closing", a->peer,
			(unsigned long long)a->id, why);
	assoc_close(a, NULL);
}

/* The layer's timed work (TLS key renewal, its grace time, the end of a
 * session revoked by new CRLs): run now, and the timer set to when the
 * layer wants the next run. A failure ends the conn (on_end says why). */
static void layer_tick(struct assoc *a)
{
	uint64_t next;
	if (conn_layer_tick(a->conn, loop_timer_now(), &next))
		next = UINT64_MAX;
	if (next == a->ltimer_at)
		return;
	a->ltimer_at = next;
	if (next == UINT64_MAX || loop_timer_arm_at(a->srv->timers, &a->ltimer, next)) {
		loop_timer_cancel(a->srv->timers, &a->ltimer);
		a->ltimer_at = UINT64_MAX;
	}
}

static void on_layer_timer(struct timer_queue *q, struct timer *t, void *arg)
{
	struct assoc *a = arg;
	(void)q;
	(void)t;
	a->ltimer_at = UINT64_MAX;
	layer_tick(a);
}

void server_layer_tick_all(struct server *s)
{
	for (struct assoc *a = s->assocs; a; a = a->next)
		if (a->layered)
			layer_tick(a);
}

/* A response that waited for a source (mms_assoc_set_emit): sent now, or
 * behind output the socket has not taken yet. Never closes here (the
 * caller is inside mms_server); a failure comes back through on_end. */
static void assoc_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct assoc *a = ctx;
	if (a->close_after_flush)
		return;
	(void)conn_write(a->conn, data, len);
}

/* Closes a connection just accepted, before any byte of it is read: logged,
 * counted, audited; frees `a`. */
static void refuse_at_accept(struct server *s, struct assoc *a, int level, const char *why)
{
	log_msg(level, LOGC_NET, "%s: refused at accept: %s", a->peer, why);
	snprintf(a->refused, sizeof(a->refused), "%s", why);
	s->n_refused_other++;
	if (s->cfg.audit) {
		const struct acsi_audit_rec r = { .kind = ACSI_AUDIT_ASSOC_REFUSED, .peer = a->peer,
						   .action = "connect", .result = a->refused };
		acsi_audit(s->cfg.audit, &r);
	}
	mms_assoc_clear(&a->mms);
	conn_free(a->conn);
	free(a);
}

/* The connection associated or ends: no longer one the per-address cap
 * of connections not yet associated counts (admit.h). */
static void pending_done(struct assoc *a)
{
	if (!a->pending_counted)
		return;
	a->pending_counted = false;
	admit_pending_done(&a->srv->admit, a->mms.rpt.addr, a->mms.rpt.addr_len);
}

static void log_assoc(struct assoc *a)
{
	pending_done(a);
	a->srv->n_accepted++;
	if (a->mms.authz.pol)
		admit_succeeded(&a->srv->admit, a->mms.rpt.addr, a->mms.rpt.addr_len);
	const char *who = authz_peer_name(&a->mms.authz);
	char roles[256];
	authz_peer_roles(&a->mms.authz, roles, sizeof(roles));
	log_msg(LOGL_INFO, LOGC_NET, "%s #%llu associated (max PDU %u, %u outstanding calls)%s%s%s%s%s",
		a->peer, (unsigned long long)a->id, a->mms.max_pdu,
		a->mms.max_serv_outstanding, who ? " as client '" : "", who ? who : "",
		who ? "' (" : "", who ? roles : "", who ? ")" : "");
	if (a->srv->cfg.audit) {
		char detail[96];
		snprintf(detail, sizeof(detail), "#%llu, max PDU %u, %u outstanding calls, %s",
			 (unsigned long long)a->id, a->mms.max_pdu, a->mms.max_serv_outstanding,
			 conn_layer_name(a->conn));
		const struct acsi_audit_rec r = {
			.kind = ACSI_AUDIT_ASSOC_ACCEPTED, .peer = a->peer,
			.client = who, .roles = roles[0] ? roles : NULL,
			.subject = a->mms.authz.subject[0] ? a->mms.authz.subject : NULL,
			.action = "associate", .ok = true, .result = "accepted", .detail = detail };
		acsi_audit(a->srv->cfg.audit, &r);
	}
}

/* The association's last audit record: ended (it was associated) or
 * refused (iedd said no before it was: over the limit, TLS, protocol). A
 * connection its peer closed before associating is not recorded. */
static void audit_end(struct assoc *a, const char *why)
{
	struct server *s = a->srv;
	if (!a->associated) {
		if (a->refusing)
			s->n_refused_limit++;
		else if (a->refused[0] || (why && strcmp(why, "peer closed the connection")))
			s->n_refused_other++;
	}
	if (!s->cfg.audit)
		return;
	char detail[96];
	snprintf(detail, sizeof(detail), "#%llu", (unsigned long long)a->id);
	char roles[256];
	authz_peer_roles(&a->mms.authz, roles, sizeof(roles));
	struct acsi_audit_rec r = { .peer = a->peer, .detail = detail,
				    .client = authz_peer_name(&a->mms.authz),
				    .roles = roles[0] ? roles : NULL,
				    .subject = a->mms.authz.subject[0] ? a->mms.authz.subject : NULL };
	if (a->associated) {
		r.kind = ACSI_AUDIT_ASSOC_ENDED;
		r.action = "end";
		r.result = why ? why : a->end ? a->end : "closed";
		r.ok = !why || !strcmp(why, "peer closed the connection");
		r.duration_ms = (loop_timer_now() - a->since_us) / 1000u;
	} else if (a->refusing || a->refused[0]) {
		r.kind = ACSI_AUDIT_ASSOC_REFUSED;
		r.action = "associate";
		r.result = a->refusing ? "over the association limit (maxAssociations)" : a->refused;
	} else if (why && strcmp(why, "peer closed the connection")) {
		r.kind = ACSI_AUDIT_ASSOC_REFUSED;
		r.action = "associate";
		r.result = why;
	} else {
		return;
	}
	acsi_audit(s->cfg.audit, &r);
}

/* Processes every complete TPKT in data[len]; returns bytes consumed. Sets
 * close_after_flush (and consumes everything) when the connection is to
 * close once `out` is sent. */
static size_t process(struct assoc *a, const uint8_t *data, size_t len, struct buf *out)
{
	struct server *s = a->srv;
	size_t off = 0;

	while (off < len) {
		size_t pkt;
		struct proto_err err = { 0 };
		int r = tpkt_header(data + off, len - off, mms_assoc_max_tpkt(&a->mms), &pkt, &err);
		if (r == -EAGAIN || (r == 0 && pkt > len - off))
			break;
		if (r == 0 && a->refusing) {
			/* ISO 8073 §6.6: DR reason 1, congestion at TSAP */
			(void)iso_refuse_cr(&a->mms.iso, data + off, pkt, 1, out);
			a->close_after_flush = true;
			return len;
		}
		if (r == 0)
			r = mms_assoc_input(&a->mms, &s->mms, data + off, pkt, out, &err,
					    s->trace ? trace_cb : NULL, a);
		if (r < 0) {
			if (complain_ok(&s->protocol_complaints))
				log_msg(LOGL_NOTICE, LOGC_NET, "%s #%llu: %s: %s; association aborted",
					a->peer, (unsigned long long)a->id,
					err.layer ? err.layer : "tpkt", err.reason);
			snprintf(a->refused, sizeof(a->refused), "%s: %s", err.layer ? err.layer : "tpkt",
				 err.reason);
			a->end = a->refused;
			a->close_after_flush = true;
			return len;
		}
		off += pkt;
		if (r == MMS_STEP_ASSOCIATED) {
			a->associated = true;
			a->since_us = loop_timer_now();
			log_assoc(a);
		} else if (r == MMS_STEP_CLOSE) {
			a->end = a->mms.iso.state == ISO_CLOSED && a->associated ? "released" :
										   "closed by peer";
			log_msg(LOGL_INFO, LOGC_NET, "%s #%llu %s", a->peer, (unsigned long long)a->id,
				a->end);
			a->close_after_flush = true;
			return len;
		}
	}
	return off;
}

/* Why a connection ended, for the log. */
static const char *end_text(int err)
{
	if (err == -ENOMEM)
		return "out of memory";
	if (err == -ENOBUFS)
		return "the peer does not read: more than " SERVER_OUT_LIMIT_TEXT " of output "
		       "waiting for it (a BRCB keeps its entries for the next association)";
	return strerror(-err);
}

/* conn input (conn.h on_data): frames, serves, answers from this callback. */
static size_t on_data(struct conn *c, void *arg, const uint8_t *data, size_t len)
{
	struct assoc *a = arg;
	struct server *s = a->srv;

	struct buf *out = &s->obuf;
	buf_reset(out, 0);
	size_t used = process(a, data, len, out);
	if (out->err) {
		assoc_close(a, "out of memory");
		return len;
	}
	if (out->len) {
		int r = conn_write(c, buf_data(out), out->len);
		if (r) {
			const char *lw = conn_layer_why(c); /* the TLS event, when the layer refused */
			assoc_close(a, lw ? lw : end_text(r));
			return len;
		}
	}
	if (a->close_after_flush) {
		if (!conn_pending(c))
			assoc_close(a, NULL);
		else
			conn_finish(c);
		return len;
	}
	size_t rest = len - used;
	if (a->refusing)
		; /* the refusal grace runs from accept */
	else if (!a->associated)
		set_timer(a, TIMER_ASSOC);
	else if (rest)
		set_timer(a, TIMER_PDU);
	else if (s->us_idle) {
		a->timer_kind = TIMER_NONE; /* re-arm: activity restarts the idle time */
		set_timer(a, TIMER_IDLE);
	} else
		set_timer(a, TIMER_NONE);
	if (a->layered)
		layer_tick(a); /* a byte count reached, or the first run after the handshake */
	return used;
}

static void on_end(struct conn *c, void *arg, enum conn_end why, int err)
{
	struct assoc *a = arg;
	switch (why) {
	case CONN_END_EOF: assoc_close(a, "peer closed the connection"); break;
	case CONN_END_EOF_PARTIAL: assoc_close(a, "peer closed in the middle of a PDU"); break;
	case CONN_END_DONE: assoc_close(a, NULL); break;
	default: {
		/* the layer's own words (the TLS event) before errno's */
		const char *lw = conn_layer_why(c);
		assoc_close(a, lw ? lw : end_text(err));
		break;
	}
	}
}

/* conn on_layer_input: a renegotiation ended (or a handshake step came)
 * with no data for the session; the key renewal's clock starts again now. */
static void on_layer_input(struct conn *c, void *arg)
{
	(void)c;
	layer_tick(arg);
}

static const struct conn_cbs assoc_cbs = { .on_data = on_data, .on_end = on_end,
					   .on_layer_input = on_layer_input };

/* ---- CPU limit (net/cpu_limit.h) ---------------------------------------
 * Only the reading of associations is gated: GOOSE, report and control
 * timers, the scan and the sources are never asked. One timer resumes the
 * deferred at the window boundary; none is armed while nobody waits. */

static uint64_t cpu_process_ns(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void cpu_resume(struct cpu_limit_user *u, void *ctx)
{
	struct assoc *a = u->owner;
	(void)ctx;
	conn_set_read_paused(a->conn, false);
}

/* After the limiter's state changed: one log line when throttling starts
 * and one when it has ended (10 s without deferral), and the one timer. */
static void cpu_update(struct server *s)
{
	struct cpu_limit_stats st;
	cpu_limit_get_stats(s->cpu, &st);
	if (st.throttling != s->cpu_logged) {
		s->cpu_logged = st.throttling;
		if (st.throttling)
			log_msg(LOGL_NOTICE, LOGC_NET, "CPU limit %u %% reached: deferring reads of "
				"the busiest associations (%u open)", st.percent, s->n_assoc);
		else
			log_msg(LOGL_NOTICE, LOGC_NET, "CPU limit %u %%: no deferral for %.0f s; "
				"%llu deferrals, %.1f s deferred, %.1f s with the budget used up "
				"since start", st.percent, CPU_LIMIT_QUIET_US / 1e6,
				(unsigned long long)st.deferrals, st.throttled_us / 1e6,
				st.over_us / 1e6);
	}
	uint64_t at = cpu_limit_next(s->cpu);
	if (at == s->cpu_timer_at)
		return;
	s->cpu_timer_at = at;
	if (at == CPU_LIMIT_NEVER) {
		loop_timer_cancel(s->timers, &s->cpu_timer);
	} else if (loop_timer_arm_at(s->timers, &s->cpu_timer, at)) {
		/* out of memory: resume now rather than never */
		s->cpu_timer_at = CPU_LIMIT_NEVER;
		cpu_limit_tick(s->cpu, at, cpu_resume, s);
	}
}

static void on_cpu_timer(struct timer_queue *q, struct timer *t, void *arg)
{
	struct server *s = arg;
	(void)q;
	(void)t;
	s->cpu_timer_at = CPU_LIMIT_NEVER;
	cpu_limit_tick(s->cpu, loop_timer_now(), cpu_resume, s);
	cpu_update(s);
}

static bool assoc_may_read(struct conn *c, void *arg)
{
	struct assoc *a = arg;
	(void)c;
	if (cpu_limit_may_read(a->srv->cpu, &a->cpu, loop_timer_now()))
		return true;
	cpu_update(a->srv);
	return false;
}

static void assoc_read_done(struct conn *c, void *arg)
{
	struct assoc *a = arg;
	(void)c;
	cpu_limit_charge(a->srv->cpu, &a->cpu);
}

static const struct conn_cbs assoc_cbs_limited = { .on_data = on_data, .on_end = on_end,
						   .may_read = assoc_may_read,
						   .read_done = assoc_read_done,
						   .on_layer_input = on_layer_input };

const struct cpu_limit *server_cpu_limit(const struct server *s)
{
	return s->cpu;
}

/* Safe inside the conn's callbacks: conn_free waits for the frame to end. */
static void assoc_close(struct assoc *a, const char *why)
{
	struct server *s = a->srv;
	if (why)
		log_msg(LOGL_INFO, LOGC_NET, "%s #%llu closed: %s", a->peer, (unsigned long long)a->id,
			why);
	audit_end(a, why);
	pending_done(a);
	if (a->mms.auth_refused) {
		unsigned ms = admit_failed(&s->admit, a->mms.rpt.addr, a->mms.rpt.addr_len,
					   loop_timer_now());
		if (ms)
			log_msg(LOGL_WARNING, LOGC_NET, "%s: %u authentication failures in a row from "
				"this address: its connections are refused for %u.%03u s",
				a->peer, s->cfg.admit.failures, ms / 1000, ms % 1000);
	}
	loop_timer_cancel(s->timers, &a->timer);
	loop_timer_cancel(s->timers, &a->ltimer);
	cpu_limit_user_clear(s->cpu, &a->cpu);
	conn_free(a->conn);
	mms_assoc_clear(&a->mms);
	if (a->prev)
		a->prev->next = a->next;
	else
		s->assocs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	if (a->refusing)
		s->n_refusing--;
	else
		s->n_assoc--;
	free(a);
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(out, n, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(out, n, "[%s]:%u", host, port);
	} else {
		snprintf(out, n, "local");
	}
}

/* The peer's address for reporting: Owner's octets and the text that
 * identifies a returning client (ResvTms), without the port. */
static void peer_identity(const struct sockaddr_storage *ss, struct acsi_rpt_client *c)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		memcpy(c->addr, &a->sin_addr, 4);
		c->addr_len = 4;
		inet_ntop(AF_INET, &a->sin_addr, c->peer, sizeof(c->peer));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		memcpy(c->addr, &a->sin6_addr, 16);
		c->addr_len = 16;
		inet_ntop(AF_INET6, &a->sin6_addr, c->peer, sizeof(c->peer));
	} else {
		snprintf(c->peer, sizeof(c->peer), "local");
	}
}

/* ---- TLS listeners (net/tls.h) ---------------------------------------- */

/* Whether the listening socket lfd serves TLS: a configured listener says
 * so; a socket-activated one is TLS when its port is that of a configured
 * TLS listener. */
static bool listener_is_tls(const struct server_cfg *cfg, int lfd, const struct server_listen *l)
{
	if (l)
		return l->tls;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &sl))
		return false;
	uint16_t port = ss.ss_family == AF_INET6 ?
				ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port) :
				ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].tls && cfg->listen[i].port == port)
			return true;
	return false;
}

/* A connection accepted on listening socket lfd: a TLS layer on its conn
 * when that listener is TLS. 0, or -ENOMEM. */
static int accept_layer(struct server *s, int lfd, struct assoc *a)
{
	for (size_t i = 0; i < s->n_listen; i++)
		if (s->lfd[i] == lfd) {
			if (!s->ltls[i])
				return 0;
			a->layered = true;
			return tls_conn_attach(s->cfg.tls, a->conn, a->peer, &a->mms.authz);
		}
	return 0;
}

/* A TLS listener without TLS credentials cannot serve: refused at start. */
static int server_check_tls(const struct server *s)
{
	for (size_t i = 0; i < s->n_listen; i++)
		if (s->ltls[i] && !s->cfg.tls) {
			log_msg(LOGL_ERR, LOGC_TLS, "a TLS listener needs the <tls> section "
				"(certificate, key, CAs) or --tls-dir");
			return -EINVAL;
		}
	if (s->cfg.tls)
		log_msg(LOGL_NOTICE, LOGC_TLS, "TLS: %s, client certificate required",
			tls_server_summary(s->cfg.tls));
	return 0;
}

static void on_resume_accept(struct timer_queue *q, struct timer *t, void *arg)
{
	struct server *s = arg;
	(void)q;
	(void)t;
	for (size_t i = 0; i < s->n_listen; i++)
		event_add(s->lev[i], NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct server *s = arg;
	(void)what;

	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: pause accepting briefly instead of
				 * spinning on a readable listener. */
				if (complain_ok(&s->overload_complaints))
					log_msg(LOGL_WARNING, LOGC_NET,
						"accept: %s; pausing new connections for 100 ms (%u open)",
						strerror(errno), s->n_assoc);
				for (size_t i = 0; i < s->n_listen; i++)
					event_del(s->lev[i]);
				if (loop_timer_arm(s->timers, &s->resume_accept, ACCEPT_PAUSE_US))
					on_resume_accept(NULL, NULL, s); /* no pause rather than none ever */
			}
			return;
		}
		bool refuse = s->n_assoc >= s->cfg.max_associations;
		if (refuse && s->n_refusing >= MAX_REFUSING) {
			close(fd);
			continue;
		}
		struct assoc *a = calloc(1, sizeof(*a));
		if (!a) {
			close(fd);
			return;
		}
		a->conn = conn_new(s->conns_loop, fd,
				   cpu_limit_enabled(s->cpu) ? &assoc_cbs_limited : &assoc_cbs,
				   a); /* owns fd from here */
		if (!a->conn) {
			free(a);
			return;
		}
		conn_set_out_limit(a->conn, SERVER_OUT_LIMIT);
		a->srv = s;
		cpu_limit_user_init(&a->cpu, a);
		a->id = ++s->next_id;
		a->refusing = refuse;
		timer_init(&a->timer, on_timer, a);
		timer_init(&a->ltimer, on_layer_timer, a);
		a->ltimer_at = UINT64_MAX;
		format_peer(&ss, a->peer, sizeof(a->peer));
		if (accept_layer(s, lfd, a)) {
			conn_free(a->conn);
			free(a);
			return;
		}
		mms_assoc_init(&a->mms, ++s->next_ref ? s->next_ref : ++s->next_ref);
		mms_assoc_set_emit(&a->mms, &s->mms, assoc_emit, s->trace ? trace_cb : NULL, a);
		peer_identity(&ss, &a->mms.rpt);
		unsigned wait_ms = 0;
		if (!admit_check(&s->admit, a->mms.rpt.addr, a->mms.rpt.addr_len, loop_timer_now(),
				 &wait_ms)) {
			char why[128];
			snprintf(why, sizeof(why), "authentication failures from this address: "
				 "refused for %u.%03u s more", wait_ms / 1000, wait_ms % 1000);
			refuse_at_accept(s, a, LOGL_INFO, why);
			continue;
		}
		if (!admit_pending_add(&s->admit, a->mms.rpt.addr, a->mms.rpt.addr_len,
				       loop_timer_now(), &a->pending_counted)) {
			char why[128];
			snprintf(why, sizeof(why), "%u connections from this address are not "
				 "associated yet (<limits pendingPerAddress>)", s->cfg.admit.pending_max);
			refuse_at_accept(s, a, LOGL_INFO, why);
			continue;
		}
		if (!authz_peer_begin(&a->mms.authz, s->cfg.authz, a->mms.rpt.addr_len == 16 ? 6 : 4,
				      a->mms.rpt.addr_len ? a->mms.rpt.addr : NULL)) {
			/* IEC 62351: refused at the earliest layer that can tell */
			pending_done(a);
			refuse_at_accept(s, a, LOGL_WARNING,
					 "no expected client (<clients>) connects from this address");
			continue;
		}
		a->next = s->assocs;
		if (s->assocs)
			s->assocs->prev = a;
		s->assocs = a;
		if (refuse) {
			s->n_refusing++;
			set_timer(a, TIMER_REFUSE);
			if (complain_ok(&s->overload_complaints))
				log_msg(LOGL_WARNING, LOGC_NET,
					"%s: refused, %u associations open (maxAssociations)", a->peer,
					s->n_assoc);
		} else {
			s->n_assoc++;
			set_timer(a, TIMER_ASSOC);
			log_msg(LOGL_INFO, LOGC_NET, "%s #%llu connected", a->peer,
				(unsigned long long)a->id);
		}
	}
}

static void notify(const struct server *s, const char *state)
{
	if (s->cfg.notify)
		s->cfg.notify(s->cfg.notify_ctx, state);
}

void server_stop(struct server *s, const char *why)
{
	log_msg(LOGL_NOTICE, LOGC_MAIN, "%s: stopping (%u associations open)", why, s->n_assoc);
	notify(s, "STOPPING=1");
	for (size_t i = 0; i < s->n_listen; i++) {
		event_del(s->lev[i]);
		close(s->lfd[i]);
		s->lfd[i] = -1;
	}
	acsi_reports_flush(s->reports); /* what BufTm holds goes out before the clients go */
	/* MMS gives the server no release: abort each association (ACSE ABRT
	 * in a session ABORT), best effort, then close. */
	while (s->assocs) {
		struct assoc *a = s->assocs;
		struct buf out;
		buf_init(&out, 0, 0);
		iso_abort(&a->mms.iso, &out);
		if (!out.err && out.len)
			(void)conn_write(a->conn, buf_data(&out), out.len);
		buf_clear(&out);
		assoc_close(a, a->associated ? "aborted at shutdown" : NULL);
	}
	event_base_loopexit(s->base, NULL);
}

struct event_base *server_base(struct server *s)
{
	return s->base;
}

static void on_watchdog(struct timer_queue *q, struct timer *t, void *arg)
{
	struct server *s = arg;
	(void)q;
	notify(s, "WATCHDOG=1");
	(void)loop_timer_arm(s->timers, t, s->cfg.watchdog_us);
}

static void on_sync(struct timer_queue *q, struct timer *t, void *arg)
{
	struct server *s = arg;
	(void)q;
	s->cfg.sync(s->cfg.sync_ctx, (int64_t)(loop_timer_now() / 1000u));
	/* from now, not from the deadline: a slow disk does not make syncs pile up */
	(void)loop_timer_arm(s->timers, t, (uint64_t)s->cfg.sync_ms * 1000u);
}

static int bind_listener(const struct server_listen *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	bool any6 = !strcmp(l->addr, "::");
	bool any4 = !strcmp(l->addr, "*") || !l->addr[0];
	if (any6 || strchr(l->addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->port);
		if (!any6 && inet_pton(AF_INET6, l->addr, &a->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(l->port);
		if (!any4 && inet_pton(AF_INET, l->addr, &a->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof(*a);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4096)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Reporting's clock and timers: the loop's (report.h, struct acsi_clock). */
static uint64_t rpt_mono(void *ctx)
{
	(void)ctx;
	return loop_timer_now();
}

static uint64_t rpt_utc(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int rpt_arm(void *ctx, struct timer *t, uint64_t deadline_us)
{
	return loop_timer_arm_at(ctx, t, deadline_us);
}

static void rpt_cancel(void *ctx, struct timer *t)
{
	loop_timer_cancel(ctx, t);
}

static void on_files_wake(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	(void)fd;
	(void)what;
	mms_server_files_drain(&s->mms);
}

void server_mms_config(const struct server_cfg *cfg, struct model *model, struct mms_server *out)
{
	mms_server_init(out, cfg->max_pdu_size, cfg->max_serv_outstanding, cfg->max_nesting);
	out->model = model;
	mms_server_set_files(out, cfg->files);
	snprintf(out->ident.vendor, sizeof(out->ident.vendor), "%s", cfg->vendor);
	snprintf(out->ident.model, sizeof(out->ident.model), "%s", cfg->model);
	snprintf(out->ident.revision, sizeof(out->ident.revision), "%s", cfg->revision);
	out->audit = cfg->audit;
	out->authz = cfg->authz;
}

struct server *server_new(const struct server_cfg *config, struct model *model)
{
	struct server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *config;
	s->started_unix = (uint64_t)time(NULL);
	admit_init(&s->admit, &s->cfg.admit);
	const struct server_cfg *cfg = &s->cfg;
	s->trace = cfg->trace;
	for (size_t i = 0; i < MAX_LISTENERS; i++)
		s->lfd[i] = -1;
	server_mms_config(cfg, model, &s->mms);
	buf_init(&s->obuf, 0, 0);
	timer_init(&s->resume_accept, on_resume_accept, s);
	timer_init(&s->watchdog, on_watchdog, s);
	timer_init(&s->sync, on_sync, s);
	timer_init(&s->cpu_timer, on_cpu_timer, s);
	s->cpu_timer_at = CPU_LIMIT_NEVER;
	const struct cpu_limit_cfg cpu_cfg = { .percent = cfg->cpu_percent,
					       .cpu_ns = cpu_process_ns };
	s->cpu = cpu_limit_new(&cpu_cfg, loop_timer_now());
	if (!s->cpu) {
		log_msg(LOGL_ERR, LOGC_MAIN, "CPU limit %u %%: expected 0 (none) to %u",
			cfg->cpu_percent, CPU_LIMIT_MAX_PERCENT);
		server_free(s);
		return NULL;
	}
	if (cfg->cpu_percent)
		log_msg(LOGL_NOTICE, LOGC_NET, "CPU limit: %u %% of one core (client reads are "
			"deferred above it)", cfg->cpu_percent);
	struct event_config *ec = event_config_new();
	bool goose = cfg->goose_iface[0] && model;
	if (ec) {
		event_config_require_features(ec, EV_FEATURE_O1);
		if (goose)
			goose_run_config(ec);
		s->base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	if (!s->base)
		s->base = event_base_new();
	if (s->base && goose_run_priorities(s->base)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "cannot set up the event loop's priorities");
		server_free(s);
		return NULL;
	}
	if (s->base) {
		s->conns_loop = conn_loop_new(s->base);
		s->timers = loop_timer_new(s->base);
	}
	if (!s->base || !s->conns_loop || !s->timers) {
		log_msg(LOGL_ERR, LOGC_MAIN, "out of memory setting up the event loop");
		server_free(s);
		return NULL;
	}
	if (model) {
		const struct acsi_clock clk = { .mono_us = rpt_mono, .utc_ns = rpt_utc,
						.arm = rpt_arm, .cancel = rpt_cancel,
						.ctx = s->timers };
		s->reports = acsi_reports_new(model, &clk, &cfg->reports, cfg->report_persist);
		if (!s->reports) {
			log_msg(LOGL_ERR, LOGC_MAIN, "out of memory setting up the reports");
			server_free(s);
			return NULL;
		}
		s->mms.reports = s->reports;
		struct acsi_control_cfg ccfg = cfg->controls;
		ccfg.audit = cfg->audit;
		s->controls = acsi_controls_new(model, &clk, &ccfg);
		if (!s->controls) {
			log_msg(LOGL_ERR, LOGC_MAIN, "out of memory setting up the controls");
			server_free(s);
			return NULL;
		}
		s->mms.controls = s->controls;
		uint32_t n_gocb = model_n_gocbs(model), n_gsub = model_n_goose_subs(model);
		if (goose) {
			char gerr[512];
			if (goose_run_new(s->base, s->timers, model, cfg->goose_iface, &s->goose, gerr,
					  sizeof(gerr))) {
				log_msg(LOGL_ERR, LOGC_MAIN, "%s", gerr);
				server_free(s);
				return NULL;
			}
			s->mms.gpub = goose_run_pub(s->goose);
		} else if (n_gocb || n_gsub) {
			log_msg(LOGL_NOTICE, LOGC_NET, "GOOSE off: %u GoCB(s) not published, %u "
				"subscription(s) not received (give --goose-interface IFACE or "
				"<goose interface> in iedd.xml)", (unsigned)n_gocb, (unsigned)n_gsub);
		}
	}
	s->mms.ds_limits = cfg->ds_limits;
	/* FileReads come back from the file store's worker thread through its
	 * eventfd (mms_server_files_wake_fd); their responses are sent from here */
	int wfd = mms_server_files_wake_fd(&s->mms);
	if (wfd >= 0) {
		s->files_wake = event_new(s->base, wfd, EV_READ | EV_PERSIST, on_files_wake, s);
		if (!s->files_wake || event_add(s->files_wake, NULL)) {
			log_msg(LOGL_ERR, LOGC_MAIN, "out of memory setting up the event loop");
			server_free(s);
			return NULL;
		}
	}
	/* Every timeout is a struct timer in one heap driven by one libevent
	 * timer (loop_timer.h): an idle association owns no event. */
	s->us_assoc = (uint64_t)cfg->assoc_timeout_ms * 1000u;
	s->us_pdu = (uint64_t)cfg->pdu_timeout_ms * 1000u;
	s->us_idle = (uint64_t)cfg->idle_timeout_ms * 1000u;

	if (cfg->n_inherited) {
		/* Socket activation wins over configured listeners: the unit's
		 * iedd.socket owns the port (102 without privileges). */
		for (size_t i = 0; i < cfg->n_inherited && i < MAX_LISTENERS; i++) {
			int fd = cfg->inherited[i];
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			s->ltls[s->n_listen] = listener_is_tls(cfg, fd, NULL);
			s->lfd[s->n_listen++] = fd;
		}
		log_msg(LOGL_NOTICE, LOGC_NET, "using %zu socket-activated listener(s)", s->n_listen);
	} else {
		for (size_t i = 0; i < cfg->n_listen && i < MAX_LISTENERS; i++) {
			int fd = bind_listener(&cfg->listen[i]);
			if (fd < 0) {
				log_msg(LOGL_ERR, LOGC_NET, "cannot listen on %s:%u: %s%s",
					cfg->listen[i].addr, cfg->listen[i].port, strerror(-fd),
					fd == -EACCES ? " (ports below 1024 need root, "
							"CAP_NET_BIND_SERVICE or iedd.socket)" :
					fd == -EADDRINUSE ? " (another process holds the port)" : "");
				server_free(s);
				return NULL;
			}
			s->ltls[s->n_listen] = listener_is_tls(cfg, fd, &cfg->listen[i]);
			s->lfd[s->n_listen++] = fd;
			log_msg(LOGL_NOTICE, LOGC_NET, "listening on %s%s%s:%u%s",
				strchr(cfg->listen[i].addr, ':') ? "[" : "", cfg->listen[i].addr,
				strchr(cfg->listen[i].addr, ':') ? "]" : "", cfg->listen[i].port,
				cfg->listen[i].tls ? " (TLS)" : "");
		}
	}
	if (server_check_tls(s)) {
		server_free(s);
		return NULL;
	}
	if (!s->n_listen) {
		log_msg(LOGL_ERR, LOGC_MAIN, "no listener configured: give --listen ADDR:PORT or "
					    "<listen> in the configuration");
		server_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->n_listen; i++) {
		s->lev[i] = event_new(s->base, s->lfd[i], EV_READ | EV_PERSIST, on_accept, s);
		event_add(s->lev[i], NULL);
	}
	/* systemd's WatchdogSec=: main.c asks for a ping at half the interval */
	if (cfg->watchdog_us && loop_timer_arm(s->timers, &s->watchdog, cfg->watchdog_us)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "out of memory arming the watchdog");
		server_free(s);
		return NULL;
	}
	if (cfg->sync && cfg->sync_ms &&
	    loop_timer_arm(s->timers, &s->sync, (uint64_t)cfg->sync_ms * 1000u)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "out of memory arming the state sync");
		server_free(s);
		return NULL;
	}
	return s;
}

int server_attach_pv(struct server *s, struct pv *pv)
{
	s->pv = pv;
	s->pv_loop = pv_loop_new(s->base, s->timers, pv);
	return s->pv_loop ? 0 : -ENOMEM;
}

void server_detach_pv(struct server *s)
{
	pv_loop_free(s->pv_loop);
	s->pv_loop = NULL;
	s->pv = NULL;
}

void server_get_status(const struct server *s, struct server_status *st)
{
	memset(st, 0, sizeof(*st));
	st->started_unix = s->started_unix;
	st->assoc_open = s->n_assoc;
	st->assoc_accepted = s->n_accepted;
	st->refused_limit = s->n_refused_limit;
	st->refused_other = s->n_refused_other;
	st->mms = &s->mms;
	st->model = s->mms.model;
	if (s->reports)
		acsi_reports_stats(s->reports, &st->reports);
	if (s->controls)
		acsi_controls_stats(s->controls, &st->controls);
	st->gpub = goose_run_pub(s->goose);
	st->gsub = goose_run_sub(s->goose);
	if (st->gpub)
		acsi_gpub_stats(st->gpub, &st->gpub_st);
	if (st->gsub)
		acsi_gsub_stats(st->gsub, &st->gsub_st);
	st->pv = s->pv;
	st->cpu = s->cpu;
}

size_t server_assocs(const struct server *s, struct server_assoc_info *out, size_t max)
{
	size_t n = 0;
	uint64_t now = loop_timer_now();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t wall_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (const struct assoc *a = s->assocs; a && n < max; a = a->next) {
		if (!a->associated)
			continue;
		struct server_assoc_info *o = &out[n++];
		memset(o, 0, sizeof(*o));
		snprintf(o->peer, sizeof(o->peer), "%s", a->peer);
		o->id = a->id;
		o->since_unix_ms = wall_ms - (now - a->since_us) / 1000u;
		o->requests = a->mms.requests;
		conn_bytes(a->conn, &o->bytes_in, &o->bytes_out);
		snprintf(o->transport, sizeof(o->transport), "%s", conn_layer_name(a->conn));
	}
	return n;
}

struct tls_server *server_set_tls(struct server *s, struct tls_server *tls)
{
	struct tls_server *old = s->cfg.tls;
	s->cfg.tls = tls;
	return old;
}

const struct authz_policy *server_set_authz(struct server *s, const struct authz_policy *pol)
{
	const struct authz_policy *old = s->cfg.authz;
	s->cfg.authz = pol;
	return old;
}

size_t server_authz_users(const struct server *s, const struct authz_policy *pol)
{
	size_t n = 0;
	for (const struct assoc *a = s->assocs; a; a = a->next)
		n += a->mms.authz.pol == pol;
	return n;
}

int server_run(struct server *s)
{
	notify(s, "READY=1");
	event_base_dispatch(s->base);
	return 0;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	/* source threads stop before the loop they post to goes away */
	pv_loop_free(s->pv_loop);
	acsi_reports_flush(s->reports); /* no source updates from here: BufTm ends, entries persist */
	if (s->files_wake)
		event_free(s->files_wake); /* file_service_close frees what comes back later */
	while (s->assocs)
		assoc_close(s->assocs, NULL);
	for (size_t i = 0; i < s->n_listen; i++) {
		if (s->lev[i])
			event_free(s->lev[i]);
		if (s->lfd[i] >= 0)
			close(s->lfd[i]);
	}
	/* the conns and timers are gone with their associations above */
	cpu_limit_free(s->cpu);
	goose_run_free(s->goose);
	acsi_controls_free(s->controls);
	acsi_reports_free(s->reports);
	loop_timer_free(s->timers);
	conn_loop_free(s->conns_loop);
	if (s->base)
		event_base_free(s->base);
	buf_clear(&s->obuf);
	mms_server_clear(&s->mms);
	free(s);
}
