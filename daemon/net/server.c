#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iedd_config.h"
#include "log.h"
#include "mms_server.h"
#include "notify.h"
#include "pv_loop.h"


/* Read scratch shared by every connection (one thread): big enough for many
 * pipelined requests in one recv(); a connection keeps only the tail of an
 * incomplete TPKT between reads, so idle associations own no buffer. */
#define RBUF_SIZE (256 * 1024)
/* Connections being refused (over the limit) that may wait for their CR. */
#define MAX_REFUSING 64
#define MAX_LISTENERS 32

struct conn {
	struct server *srv;
	int fd;
	struct event *ev;	/* persistent EV_READ, or EV_WRITE while output is pending */
	struct event *timer;	/* association / PDU / idle timeout, armed only when due */
	struct mms_assoc assoc;
	uint8_t *in;		/* tail of an incomplete TPKT */
	size_t in_len;
	uint8_t *pend;		/* output the socket did not take yet */
	size_t pend_len, pend_off;
	uint64_t id;
	bool associated;
	bool refusing;		/* over the association limit: DR after CR */
	bool close_after_flush;
	bool writing;
	uint8_t timer_kind;
	struct conn *prev, *next;
	char peer[56];
};

enum { TIMER_NONE, TIMER_ASSOC, TIMER_PDU, TIMER_IDLE };

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
	const struct iedd_config *cfg;
	struct event_base *base;
	struct mms_server mms;
	int lfd[MAX_LISTENERS];
	struct event *lev[MAX_LISTENERS];
	size_t n_listen;
	struct event *sig_term, *sig_int, *sig_hup, *resume_accept, *watchdog;
	struct conn *conns;
	unsigned n_assoc, n_refusing;
	uint64_t next_id;
	uint16_t next_ref;
	bool trace;
	uint8_t *rbuf;
	struct buf obuf;
	const struct timeval *tv_assoc, *tv_pdu, *tv_idle;
	struct timeval tv_refuse;
	/* rate limits for complaints (collectd's c_complain habit): one for
	 * protocol errors and timeouts, one for overload (refusals, accept
	 * failures), so a flood of one kind does not hide the other */
	struct complain protocol_complaints, overload_complaints;
	struct pv_loop *pv_loop;	/* process variables, when attached */
};

static void conn_close(struct conn *c, const char *why);

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
		log_msg(LOG_NOTICE, LOGC_NET, "%u similar messages suppressed", k->dropped);
		k->dropped = 0;
	}
	return true;
}

static void trace_cb(void *ctx, bool in, const char *line)
{
	struct conn *c = ctx;
	log_msg(LOG_DEBUG, LOGC_TRACE, "%s #%llu %s %s", c->peer, (unsigned long long)c->id,
		in ? "<-" : "->", line);
}

static void set_timer(struct conn *c, uint8_t kind)
{
	const struct timeval *tv = NULL;
	if (kind == c->timer_kind)
		return;
	switch (kind) {
	case TIMER_ASSOC: tv = c->srv->tv_assoc; break;
	case TIMER_PDU: tv = c->srv->tv_pdu; break;
	case TIMER_IDLE: tv = c->srv->tv_idle; break;
	default: break;
	}
	c->timer_kind = kind;
	if (tv)
		evtimer_add(c->timer, tv);
	else
		evtimer_del(c->timer);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	const char *why = c->timer_kind == TIMER_ASSOC ? "association not completed in time" :
			  c->timer_kind == TIMER_PDU   ? "incomplete PDU timed out" :
							 "idle timeout";
	if (c->refusing)
		why = "refused connection did not send a CR";
	c->timer_kind = TIMER_NONE;
	if (c->associated && !c->refusing) {
		struct buf out;
		buf_init(&out, 0, 0);
		iso_abort(&c->assoc.iso, &out);
		if (!out.err)
			(void)!send(c->fd, buf_data(&out), out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		buf_clear(&out);
	}
	if (complain_ok(&c->srv->protocol_complaints))
		log_msg(LOG_NOTICE, LOGC_NET, "%s #%llu: %s; closing", c->peer,
			(unsigned long long)c->id, why);
	conn_close(c, NULL);
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/* Sends `data`; keeps what the socket does not take and switches the
 * connection to write-wait (reads pause: back-pressure). */
static int conn_send(struct conn *c, const uint8_t *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -errno;
	}
	if (off == len)
		return 0;
	size_t rest = len - off;
	uint8_t *p = malloc(rest);
	if (!p)
		return -ENOMEM;
	memcpy(p, data + off, rest);
	c->pend = p;
	c->pend_len = rest;
	c->pend_off = 0;
	c->writing = true;
	event_del(c->ev);
	event_assign(c->ev, c->srv->base, c->fd, EV_WRITE | EV_PERSIST, on_io, c);
	event_add(c->ev, NULL);
	return 0;
}

static void on_writable(struct conn *c)
{
	while (c->pend_off < c->pend_len) {
		ssize_t n = send(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off,
				 MSG_NOSIGNAL);
		if (n > 0) {
			c->pend_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(c, "send failed");
		return;
	}
	free(c->pend);
	c->pend = NULL;
	c->pend_len = c->pend_off = 0;
	c->writing = false;
	if (c->close_after_flush) {
		conn_close(c, NULL);
		return;
	}
	event_del(c->ev);
	event_assign(c->ev, c->srv->base, c->fd, EV_READ | EV_PERSIST, on_io, c);
	event_add(c->ev, NULL);
}

/* A response that waited for a source (mms_assoc_set_emit): sent now, or
 * behind output the socket has not taken yet. Never closes here (the
 * caller is inside mms_server); a failure closes from the event. */
static void conn_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct conn *c = ctx;
	if (c->close_after_flush)
		return;
	if (c->writing) {
		size_t rest = c->pend_len - c->pend_off;
		uint8_t *p = malloc(rest + len);
		if (p) {
			memcpy(p, c->pend + c->pend_off, rest);
			memcpy(p + rest, data, len);
			free(c->pend);
			c->pend = p;
			c->pend_len = rest + len;
			c->pend_off = 0;
			return;
		}
	} else if (conn_send(c, data, len) == 0) {
		return;
	}
	c->close_after_flush = true;
	event_active(c->ev, EV_WRITE, 0);
}

static void log_assoc(struct conn *c)
{
	log_msg(LOG_INFO, LOGC_NET, "%s #%llu associated (max PDU %u, %u outstanding calls)",
		c->peer, (unsigned long long)c->id, c->assoc.max_pdu,
		c->assoc.max_serv_outstanding);
}

/* Processes every complete TPKT in data[len]; returns bytes consumed, or
 * -1 when the connection was closed. */
static ssize_t process(struct conn *c, const uint8_t *data, size_t len, struct buf *out)
{
	struct server *s = c->srv;
	size_t off = 0;

	while (off < len) {
		size_t pkt;
		struct proto_err err = { 0 };
		int r = tpkt_header(data + off, len - off, mms_assoc_max_tpkt(&c->assoc), &pkt, &err);
		if (r == -EAGAIN || (r == 0 && pkt > len - off))
			break;
		if (r == 0 && c->refusing) {
			struct cotp_tpdu t;
			if (cotp_decode(data + off + TPKT_HDR_LEN, pkt - TPKT_HDR_LEN, &t, NULL) == 0 &&
			    t.code == COTP_CR) {
				c->assoc.iso.peer_ref = t.src_ref;
				/* ISO 8073 §6.6: DR reason 1, congestion at TSAP */
				iso_refuse_transport(&c->assoc.iso, 1, out);
			}
			c->close_after_flush = true;
			return (ssize_t)len;
		}
		if (r == 0)
			r = mms_assoc_input(&c->assoc, &s->mms, data + off, pkt, out, &err,
					    s->trace ? trace_cb : NULL, c);
		if (r < 0) {
			if (complain_ok(&s->protocol_complaints))
				log_msg(LOG_NOTICE, LOGC_NET, "%s #%llu: %s: %s; association aborted",
					c->peer, (unsigned long long)c->id,
					err.layer ? err.layer : "tpkt", err.reason);
			c->close_after_flush = true;
			return (ssize_t)len;
		}
		off += pkt;
		if (r == MMS_STEP_ASSOCIATED) {
			c->associated = true;
			log_assoc(c);
		} else if (r == MMS_STEP_CLOSE) {
			log_msg(LOG_INFO, LOGC_NET, "%s #%llu %s", c->peer, (unsigned long long)c->id,
				c->assoc.iso.state == ISO_CLOSED && c->associated ? "released" :
										   "closed by peer");
			c->close_after_flush = true;
			return (ssize_t)len;
		}
	}
	return (ssize_t)off;
}

static void on_readable(struct conn *c)
{
	struct server *s = c->srv;
	uint8_t *rb = s->rbuf;
	size_t have = 0;

	if (c->in_len) {
		memcpy(rb, c->in, c->in_len);
		have = c->in_len;
		free(c->in);
		c->in = NULL;
		c->in_len = 0;
	}
	ssize_t n;
	do
		n = recv(c->fd, rb + have, RBUF_SIZE - have, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		conn_close(c, have ? "peer closed in the middle of a PDU" : "peer closed the connection");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			n = 0;
		} else {
			conn_close(c, strerror(errno));
			return;
		}
	}
	have += (size_t)n;

	struct buf *out = &s->obuf;
	buf_reset(out, 0);
	ssize_t used = process(c, rb, have, out);
	if (out->err) {
		conn_close(c, "out of memory");
		return;
	}
	if (out->len) {
		int r = conn_send(c, buf_data(out), out->len);
		if (r) {
			conn_close(c, strerror(-r));
			return;
		}
	}
	if (c->close_after_flush) {
		if (!c->writing)
			conn_close(c, NULL);
		return;
	}
	size_t rest = have - (size_t)used;
	if (rest) {
		c->in = malloc(rest);
		if (!c->in) {
			conn_close(c, "out of memory");
			return;
		}
		memcpy(c->in, rb + used, rest);
		c->in_len = rest;
	}
	if (!c->associated)
		set_timer(c, c->refusing ? TIMER_NONE : TIMER_ASSOC);
	else if (rest)
		set_timer(c, TIMER_PDU);
	else if (s->tv_idle) {
		c->timer_kind = TIMER_NONE; /* re-arm: activity restarts the idle time */
		set_timer(c, TIMER_IDLE);
	} else
		set_timer(c, TIMER_NONE);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	if (what & EV_WRITE)
		on_writable(c);
	else
		on_readable(c);
}

static void conn_close(struct conn *c, const char *why)
{
	struct server *s = c->srv;
	if (why)
		log_msg(LOG_INFO, LOGC_NET, "%s #%llu closed: %s", c->peer, (unsigned long long)c->id,
			why);
	event_free(c->ev);
	event_free(c->timer);
	close(c->fd);
	mms_assoc_clear(&c->assoc);
	free(c->in);
	free(c->pend);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->refusing)
		s->n_refusing--;
	else
		s->n_assoc--;
	free(c);
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

static void on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	(void)fd;
	(void)what;
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
					log_msg(LOG_WARNING, LOGC_NET,
						"accept: %s; pausing new connections for 100 ms (%u open)",
						strerror(errno), s->n_assoc);
				for (size_t i = 0; i < s->n_listen; i++)
					event_del(s->lev[i]);
				struct timeval tv = { 0, 100000 };
				evtimer_add(s->resume_accept, &tv);
			}
			return;
		}
		bool refuse = s->n_assoc >= s->cfg->max_associations;
		if (refuse && s->n_refusing >= MAX_REFUSING) {
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->srv = s;
		c->fd = fd;
		c->id = ++s->next_id;
		c->refusing = refuse;
		format_peer(&ss, c->peer, sizeof(c->peer));
		mms_assoc_init(&c->assoc, ++s->next_ref ? s->next_ref : ++s->next_ref);
		mms_assoc_set_emit(&c->assoc, &s->mms, conn_emit, s->trace ? trace_cb : NULL, c);
		c->ev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_io, c);
		c->timer = evtimer_new(s->base, on_timer, c);
		if (!c->ev || !c->timer) {
			if (c->ev)
				event_free(c->ev);
			if (c->timer)
				event_free(c->timer);
			close(fd);
			free(c);
			return;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		event_add(c->ev, NULL);
		if (refuse) {
			s->n_refusing++;
			evtimer_add(c->timer, &s->tv_refuse);
			if (complain_ok(&s->overload_complaints))
				log_msg(LOG_WARNING, LOGC_NET,
					"%s: refused, %u associations open (maxAssociations)", c->peer,
					s->n_assoc);
		} else {
			s->n_assoc++;
			set_timer(c, TIMER_ASSOC);
			log_msg(LOG_INFO, LOGC_NET, "%s #%llu connected", c->peer,
				(unsigned long long)c->id);
		}
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	(void)what;
	log_msg(LOG_NOTICE, LOGC_MAIN, "%s: stopping (%u associations open)",
		sig == SIGTERM ? "SIGTERM" : "SIGINT", s->n_assoc);
	notify_send("STOPPING=1");
	for (size_t i = 0; i < s->n_listen; i++) {
		event_del(s->lev[i]);
		close(s->lfd[i]);
		s->lfd[i] = -1;
	}
	/* MMS gives the server no release: abort each association (ACSE ABRT
	 * in a session ABORT), best effort, then close. */
	while (s->conns) {
		struct conn *c = s->conns;
		struct buf out;
		buf_init(&out, 0, 0);
		iso_abort(&c->assoc.iso, &out);
		if (!out.err && out.len)
			(void)!send(c->fd, buf_data(&out), out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		buf_clear(&out);
		conn_close(c, c->associated ? "aborted at shutdown" : NULL);
	}
	event_base_loopexit(s->base, NULL);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	/* Nothing reloadable exists yet (the map, sources and client allowlist
	 * come with later features); a SIGHUP must not kill the daemon. */
	log_msg(LOG_NOTICE, LOGC_MAIN, "SIGHUP: nothing to reload; configuration unchanged");
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_send("WATCHDOG=1");
}

static int bind_listener(const struct config_listen *l)
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

/* sd_listen_fds(3) protocol, read directly so it works without libsystemd. */
static int socket_activation_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || (pid_t)strtol(pid, NULL, 10) != getpid())
		return 0;
	int n = atoi(fds);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n > 0 ? n : 0;
}

static void raise_nofile(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rlim_t need = (rlim_t)want + 64;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		log_msg(LOG_WARNING, LOGC_MAIN,
			"open-file limit is %llu, so at most about %llu of the %u configured "
			"associations can be held; raise it (LimitNOFILE= in the unit, or ulimit -Hn)",
			(unsigned long long)rl.rlim_cur,
			(unsigned long long)(rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 0), want);
}

struct server *server_new(const struct iedd_config *cfg, struct model *model, bool trace)
{
	struct server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = cfg;
	s->trace = trace;
	for (size_t i = 0; i < MAX_LISTENERS; i++)
		s->lfd[i] = -1;
	mms_server_init(&s->mms, cfg->max_pdu_size, cfg->max_serv_outstanding, cfg->max_nesting);
	s->mms.model = model;
	snprintf(s->mms.ident.vendor, sizeof(s->mms.ident.vendor), "%s", cfg->vendor);
	snprintf(s->mms.ident.model, sizeof(s->mms.ident.model), "%s", cfg->model);
	snprintf(s->mms.ident.revision, sizeof(s->mms.ident.revision), "%s", cfg->revision);
	s->rbuf = malloc(RBUF_SIZE);
	buf_init(&s->obuf, 0, 0);
	struct event_config *ec = event_config_new();
	if (ec) {
		event_config_require_features(ec, EV_FEATURE_O1);
		s->base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	if (!s->base)
		s->base = event_base_new();
	if (!s->rbuf || !s->base) {
		log_msg(LOG_ERR, LOGC_MAIN, "out of memory setting up the event loop");
		server_free(s);
		return NULL;
	}
	/* Common timeouts keep one queue per duration: O(1) arming for many
	 * associations (libevent's event_base_init_common_timeout). */
	struct timeval tv;
	tv = (struct timeval){ cfg->assoc_timeout_ms / 1000, (cfg->assoc_timeout_ms % 1000) * 1000 };
	s->tv_assoc = event_base_init_common_timeout(s->base, &tv);
	tv = (struct timeval){ cfg->pdu_timeout_ms / 1000, (cfg->pdu_timeout_ms % 1000) * 1000 };
	s->tv_pdu = event_base_init_common_timeout(s->base, &tv);
	if (cfg->idle_timeout_ms) {
		tv = (struct timeval){ cfg->idle_timeout_ms / 1000, (cfg->idle_timeout_ms % 1000) * 1000 };
		s->tv_idle = event_base_init_common_timeout(s->base, &tv);
	}
	s->tv_refuse = (struct timeval){ 2, 0 };
	raise_nofile(cfg->max_associations);

	int nact = socket_activation_fds();
	if (nact > 0) {
		/* Socket activation wins over configured listeners: the unit's
		 * iedd.socket owns the port (102 without privileges). */
		for (int i = 0; i < nact && i < MAX_LISTENERS; i++) {
			int fd = 3 + i;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			s->lfd[s->n_listen++] = fd;
		}
		log_msg(LOG_NOTICE, LOGC_NET, "using %zu socket-activated listener(s)", s->n_listen);
	} else {
		for (size_t i = 0; i < cfg->n_listen && i < MAX_LISTENERS; i++) {
			int fd = bind_listener(&cfg->listen[i]);
			if (fd < 0) {
				log_msg(LOG_ERR, LOGC_NET, "cannot listen on %s:%u: %s%s",
					cfg->listen[i].addr, cfg->listen[i].port, strerror(-fd),
					fd == -EACCES ? " (ports below 1024 need root, "
							"CAP_NET_BIND_SERVICE or iedd.socket)" :
					fd == -EADDRINUSE ? " (another process holds the port)" : "");
				server_free(s);
				return NULL;
			}
			s->lfd[s->n_listen++] = fd;
			log_msg(LOG_NOTICE, LOGC_NET, "listening on %s%s%s:%u",
				strchr(cfg->listen[i].addr, ':') ? "[" : "", cfg->listen[i].addr,
				strchr(cfg->listen[i].addr, ':') ? "]" : "", cfg->listen[i].port);
		}
	}
	if (!s->n_listen) {
		log_msg(LOG_ERR, LOGC_MAIN, "no listener configured: give --listen ADDR:PORT or "
					    "<listen> in the configuration");
		server_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->n_listen; i++) {
		s->lev[i] = event_new(s->base, s->lfd[i], EV_READ | EV_PERSIST, on_accept, s);
		event_add(s->lev[i], NULL);
	}
	s->resume_accept = evtimer_new(s->base, on_resume_accept, s);
	s->sig_term = evsignal_new(s->base, SIGTERM, on_signal, s);
	s->sig_int = evsignal_new(s->base, SIGINT, on_signal, s);
	event_add(s->sig_term, NULL);
	event_add(s->sig_int, NULL);
	s->sig_hup = evsignal_new(s->base, SIGHUP, on_sighup, s);
	event_add(s->sig_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* systemd's WatchdogSec=: ping at half the interval */
	uint64_t usec = notify_watchdog_usec();
	if (usec) {
		s->watchdog = event_new(s->base, -1, EV_PERSIST, on_watchdog, s);
		struct timeval wtv = { (time_t)(usec / 2 / 1000000), (suseconds_t)(usec / 2 % 1000000) };
		event_add(s->watchdog, &wtv);
	}
	return s;
}

int server_attach_pv(struct server *s, struct pv *pv)
{
	s->pv_loop = pv_loop_new(s->base, pv);
	return s->pv_loop ? 0 : -ENOMEM;
}

int server_run(struct server *s)
{
	notify_send("READY=1");
	event_base_dispatch(s->base);
	return 0;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	/* source threads stop before the loop they post to goes away */
	pv_loop_free(s->pv_loop);
	while (s->conns)
		conn_close(s->conns, NULL);
	for (size_t i = 0; i < s->n_listen; i++) {
		if (s->lev[i])
			event_free(s->lev[i]);
		if (s->lfd[i] >= 0)
			close(s->lfd[i]);
	}
	if (s->resume_accept)
		event_free(s->resume_accept);
	if (s->sig_term)
		event_free(s->sig_term);
	if (s->sig_int)
		event_free(s->sig_int);
	if (s->sig_hup)
		event_free(s->sig_hup);
	if (s->watchdog)
		event_free(s->watchdog);
	if (s->base)
		event_base_free(s->base);
	buf_clear(&s->obuf);
	mms_server_clear(&s->mms);
	free(s->rbuf);
	free(s);
}
