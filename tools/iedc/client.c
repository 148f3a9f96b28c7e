/* SPDX-License-Identifier: Apache-2.0 */
#include "client.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cotp.h"
#include "mms_client.h"

static int fail(struct client *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct client *c, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return status;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- TLS (--tls): GnuTLS over the blocking socket ----------------------- */

static struct client_tls tls_opts;
static bool tls_on;
static struct acse_ap calling;

void client_set_calling(const struct acse_ap *ap)
{
	calling = *ap;
}

void client_set_tls(const struct client_tls *t)
{
	tls_opts = *t;
	tls_on = true;
	/* GnuTLS writes with writev: a server that closed after its alert must
	 * give EPIPE, not kill the tool */
	signal(SIGPIPE, SIG_IGN);
}

/* TLS 1.2 and 1.3 only, safe renegotiation (IEC 62351-3), as iedd offers. */
#define CLIENT_TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SAFE_RENEGOTIATION"

static int tls_fail(struct client *c, int status, const char *what, int r)
{
	return fail(c, status, "%s: TLS %s: %s", c->peer, what, gnutls_strerror(r));
}

/* The credentials every session shares: trust anchors and the client's
 * certificate, loaded at the first handshake. */
static int tls_load_cred(struct client *c, gnutls_certificate_credentials_t *out)
{
	gnutls_certificate_credentials_t cred;
	int r;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return fail(c, IEDC_CONNECT, "out of memory");
	r = tls_opts.ca ? gnutls_certificate_set_x509_trust_file(cred, tls_opts.ca,
								   GNUTLS_X509_FMT_PEM) :
			  gnutls_certificate_set_x509_system_trust(cred);
	if (r <= 0) {
		gnutls_certificate_free_credentials(cred);
		return fail(c, IEDC_USAGE, "--ca %s: %s", tls_opts.ca ? tls_opts.ca : "(system)",
			    r == 0 ? "no certificate in it" : gnutls_strerror(r));
	}
	if (tls_opts.cert && (r = gnutls_certificate_set_x509_key_file(cred, tls_opts.cert,
					tls_opts.key, GNUTLS_X509_FMT_PEM)) < 0) {
		gnutls_certificate_free_credentials(cred);
		return fail(c, IEDC_USAGE, "--cert %s --key %s: %s", tls_opts.cert, tls_opts.key,
			    gnutls_strerror(r));
	}
	*out = cred;
	return IEDC_OK;
}

/* Handshake on c->fd, verifying the server's certificate for `host`. */
static int tls_start(struct client *c, const char *host)
{
	static gnutls_certificate_credentials_t cred;
	static pthread_mutex_t cred_lock = PTHREAD_MUTEX_INITIALIZER;
	gnutls_session_t s;
	int r;

	pthread_mutex_lock(&cred_lock); /* ctl-bench opens from several threads */
	r = cred ? 0 : tls_load_cred(c, &cred);
	pthread_mutex_unlock(&cred_lock);
	if (r)
		return r;
	if ((r = gnutls_init(&s, GNUTLS_CLIENT)) < 0)
		return tls_fail(c, IEDC_CONNECT, "init", r);
	c->tls = s;
	const char *bad = NULL;
	if (tls_opts.priority &&
	    gnutls_priority_set_direct(s, tls_opts.priority, &bad) < 0)
		return fail(c, IEDC_USAGE, "--tls-priority '%s': not a GnuTLS priority string "
			    "(at '%s')", tls_opts.priority, bad ? bad : "");
	if ((!tls_opts.priority &&
	     (r = gnutls_priority_set_direct(s, CLIENT_TLS_PRIORITY, NULL)) < 0) ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0)
		return tls_fail(c, IEDC_CONNECT, "setup", r);
	if (tls_opts.resume && c->tls_keep) {
		gnutls_datum_t d = { c->tls_keep, (unsigned)c->tls_keep_len };
		if ((r = gnutls_session_set_data(s, d.data, d.size)) < 0)
			return tls_fail(c, IEDC_CONNECT, "resumption data", r);
	}
	snprintf(c->tls_host, sizeof(c->tls_host), "%s", host);
	gnutls_session_set_verify_cert(s, c->tls_host, 0);
	gnutls_transport_set_int(s, c->fd);
	gnutls_handshake_set_timeout(s, (unsigned)c->timeout_ms);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			gnutls_datum_t txt = { 0 };
			gnutls_certificate_verification_status_print(
				gnutls_session_get_verify_cert_status(s), GNUTLS_CRT_X509, &txt, 0);
			r = fail(c, IEDC_REJECTED, "%s: TLS: the server's certificate: %s", c->peer,
				 txt.data ? (const char *)txt.data : "not trusted");
			gnutls_free(txt.data);
			return r;
		}
		return tls_fail(c, r == GNUTLS_E_TIMEDOUT ? IEDC_TIMEOUT : IEDC_REJECTED, "handshake",
				r);
	}
	c->tls_resumed = gnutls_session_is_resumed(s) != 0;
	char *d = gnutls_session_get_desc(s);
	snprintf(c->tls_desc, sizeof(c->tls_desc), "%s", d ? d : "");
	gnutls_free(d);
	return IEDC_OK;
}

/* One send/recv through TLS or on the socket; errno set on -1. In TLS 1.3
 * the server refuses a client certificate after the client's handshake
 * ended: the alert arrives here, at the first read. */
static ssize_t io_send(struct client *c, const uint8_t *p, size_t n)
{
	if (!c->tls)
		return send(c->fd, p, n, MSG_NOSIGNAL);
	ssize_t r = gnutls_record_send(c->tls, p, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		errno = EINTR;
		return -1;
	}
	if (r < 0) {
		errno = EPROTO;
		snprintf(c->errmsg, sizeof(c->errmsg), "%s", gnutls_strerror((int)r));
		return -1;
	}
	return r;
}

/* TLS 1.2: the server renews the keys (IEC 62351-3). The handshake runs
 * to its end before anything else is sent: GnuTLS as a server (iedd)
 * refuses application data after its ServerHello (unexpected packet). The
 * server may send application data until it sees our ClientHello: such a
 * record ends gnutls_handshake with GOT_APPLICATION_DATA, stays in
 * GnuTLS's buffer for the next gnutls_record_recv, and the handshake goes
 * on. (A TLS 1.3 KeyUpdate needs nothing: GnuTLS answers it inside
 * gnutls_record_recv.) 0 or -1 with errno and c->errmsg. */
static int io_renegotiate(struct client *c)
{
	int h;
	do
		h = gnutls_handshake(c->tls);
	while (h < 0 && (h == GNUTLS_E_GOT_APPLICATION_DATA || !gnutls_error_is_fatal(h)));
	if (h < 0) {
		errno = EPROTO;
		snprintf(c->errmsg, sizeof(c->errmsg), "TLS renegotiation: %s", gnutls_strerror(h));
		return -1;
	}
	return 0;
}

static ssize_t io_recv(struct client *c, uint8_t *p, size_t n)
{
	if (!c->tls)
		return recv(c->fd, p, n, 0);
	ssize_t r = gnutls_record_recv(c->tls, p, n);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		errno = EINTR;
		return -1;
	}
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (r == GNUTLS_E_REHANDSHAKE) {
		if (io_renegotiate(c))
			return -1;
		errno = EINTR;
		return -1;
	}
	if (r < 0) {
		errno = EPROTO;
		if (r == GNUTLS_E_WARNING_ALERT_RECEIVED || r == GNUTLS_E_FATAL_ALERT_RECEIVED)
			snprintf(c->errmsg, sizeof(c->errmsg), "TLS alert: %s",
				 gnutls_alert_get_name(gnutls_alert_get(c->tls)));
		else
			snprintf(c->errmsg, sizeof(c->errmsg), "TLS: %s", gnutls_strerror((int)r));
		return -1;
	}
	return r;
}

/* Octets TLS has decrypted already (poll would not see them). */
static bool io_pending(const struct client *c)
{
	return c->tls && gnutls_record_check_pending(c->tls) > 0;
}

static const char *io_error(struct client *c)
{
	static char m[512];
	if (errno == EPROTO && c->errmsg[0]) {
		snprintf(m, sizeof(m), "%s", c->errmsg);
		return m;
	}
	return strerror(errno);
}

static int send_all(struct client *c, const struct buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = io_send(c, buf_data(b) + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(c, IEDC_PROTOCOL, "%s: send: %s", c->peer, io_error(c));
		off += (size_t)n;
	}
	return IEDC_OK;
}

/* Receives one complete TPKT into c->rbuf[0..*len) by `deadline` (ms on
 * the monotonic clock; < 0: no limit, but IEDC_INTERRUPTED when *c->stop
 * is set). */
static int recv_tpkt(struct client *c, size_t *len, int64_t deadline)
{
	for (;;) {
		size_t pkt;
		struct proto_err err = { 0 };
		int r = tpkt_header(c->rbuf, c->rlen, 65535, &pkt, &err);
		if (r && r != -EAGAIN)
			return fail(c, IEDC_PROTOCOL, "%s: %s: %s", c->peer, err.layer, err.reason);
		if (r == 0 && c->rlen >= pkt) {
			*len = pkt;
			return IEDC_OK;
		}
		int64_t left;
		if (deadline < 0) {
			if (c->stop && *c->stop)
				return IEDC_INTERRUPTED;
			left = 200;
		} else if ((left = deadline - now_ms()) <= 0) {
			return fail(c, IEDC_TIMEOUT, "%s: no answer within %d ms", c->peer,
				    c->timeout_ms);
		}
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int pr = io_pending(c) ? 1 : poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			continue;
		ssize_t n = io_recv(c, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return fail(c, IEDC_PROTOCOL, "%s: server closed the connection", c->peer);
		if (n < 0)
			return fail(c, errno == EPROTO ? IEDC_REJECTED : IEDC_PROTOCOL, "%s: recv: %s",
				    c->peer, io_error(c));
		c->rlen += (size_t)n;
	}
}

static void consume(struct client *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

/* Feeds TPKTs to the ISO machine until it reports an event other than NONE.
 * The event's data is copied to the front of `keep` so it survives. */
static int next_event_by(struct client *c, struct iso_event *ev, struct buf *keep,
			 int64_t deadline)
{
	for (;;) {
		size_t len = 0;
		int r = recv_tpkt(c, &len, deadline);
		if (r)
			return r;
		struct buf out;
		struct proto_err err = { 0 };
		buf_init(&out, 0, 0);
		/* iso_input sets data/len only for events that carry data */
		memset(ev, 0, sizeof(*ev));
		r = iso_input(&c->iso, c->rbuf, len, &out, ev, &err);
		if (!r && out.len)
			r = send_all(c, &out) ? -EIO : 0;
		buf_clear(&out);
		if (r) {
			consume(c, len);
			return fail(c, IEDC_PROTOCOL, "%s: %s: %s", c->peer,
				    err.layer ? err.layer : "io", err.reason);
		}
		if (ev->type != ISO_EV_NONE) {
			buf_reset(keep, 0);
			if (ev->data)
				buf_put(keep, ev->data, ev->len);
			consume(c, len);
			return IEDC_OK;
		}
		consume(c, len);
	}
}

static int next_event(struct client *c, struct iso_event *ev, struct buf *keep)
{
	return next_event_by(c, ev, keep, now_ms() + c->timeout_ms);
}

static int tcp_connect(struct client *c, const char *hostport)
{
	char host[256], port[16];
	snprintf(port, sizeof(port), "%s", tls_on ? "3782" : "102");
	const char *p;

	if (hostport[0] == '[') {
		const char *e = strchr(hostport, ']');
		if (!e || (size_t)(e - hostport - 1) >= sizeof(host))
			return fail(c, IEDC_USAGE, "bad address '%s'", hostport);
		memcpy(host, hostport + 1, (size_t)(e - hostport - 1));
		host[e - hostport - 1] = 0;
		if (e[1] == ':')
			snprintf(port, sizeof(port), "%s", e + 2);
	} else if ((p = strrchr(hostport, ':')) && strchr(hostport, ':') == p) {
		if ((size_t)(p - hostport) >= sizeof(host))
			return fail(c, IEDC_USAGE, "bad address '%s'", hostport);
		memcpy(host, hostport, (size_t)(p - hostport));
		host[p - hostport] = 0;
		snprintf(port, sizeof(port), "%s", p + 1);
	} else {
		snprintf(host, sizeof(host), "%s", hostport);
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int gr = getaddrinfo(host, port, &hints, &res);
	if (gr)
		return fail(c, IEDC_CONNECT, "%s: %s", c->peer, gai_strerror(gr));
	int last = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			c->fd = fd;
			freeaddrinfo(res);
			return tls_on ? tls_start(c, host) : IEDC_OK;
		}
		last = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (last == EINPROGRESS || last == EAGAIN || last == ETIMEDOUT)
		return fail(c, IEDC_TIMEOUT, "%s: connect timed out", c->peer);
	return fail(c, IEDC_CONNECT, "%s: connect: %s", c->peer, strerror(last));
}

int client_open(struct client *c, const char *hostport, const char *password, int timeout_ms)
{
	return client_open_pdu(c, hostport, password, timeout_ms, 65000);
}

int client_open_pdu(struct client *c, const char *hostport, const char *password,
		    int timeout_ms, int max_pdu)
{
	struct buf out, keep;
	struct iso_event ev;
	int r;

	void *keep_data = c->tls_keep; /* the one field an open keeps */
	size_t keep_len = c->tls_keep_len;
	memset(c, 0, sizeof(*c));
	c->tls_keep = keep_data;
	c->tls_keep_len = keep_len;
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->next_invoke = 1;
	c->rcap = 70000;
	c->rbuf = malloc(c->rcap);
	if (!c->rbuf)
		return fail(c, IEDC_CONNECT, "out of memory");
	if ((r = tcp_connect(c, hostport)))
		return r;
	iso_init(&c->iso, true, 1);
	buf_init(&out, 0, 0);
	buf_init(&keep, 0, 0);
	iso_connect(&c->iso, 11, &out); /* 2048-octet TPDUs, the class 0 maximum */
	if ((r = send_all(c, &out)) || (r = next_event(c, &ev, &keep)))
		goto out;
	if (ev.type == ISO_EV_DISCONNECTED) {
		r = fail(c, IEDC_REJECTED, "%s: transport connection refused (COTP DR reason %u%s)",
			 c->peer, ev.cotp_reason,
			 ev.cotp_reason == 1 ? ": congestion, the server holds its maximum of associations" :
					       "");
		goto out;
	}
	if (ev.type != ISO_EV_CONNECTED) {
		r = fail(c, IEDC_PROTOCOL, "%s: unexpected answer to COTP CR", c->peer);
		goto out;
	}
	struct mms_initiate req = {
		.has_local_detail = true, .local_detail = max_pdu,
		.max_serv_calling = 10, .max_serv_called = 10,
		.has_nesting = true, .nesting = 10, .version = 1,
	};
	static const unsigned cbb[] = { 0, 1, 2, 3, 7 }; /* str1 str2 vnam valt vlis */
	for (size_t i = 0; i < sizeof(cbb) / sizeof(cbb[0]); i++)
		mms_set_bit(req.param_cbb, cbb[i]);
	for (unsigned b = 0; b < MMS_SERVICE_BITS; b++)
		mms_set_bit(req.services, b);
	struct buf init;
	buf_init(&init, 0, 0);
	mms_initiate_encode(&init, false, &req);
	buf_reset(&out, 0);
	iso_associate_from(&c->iso, password, &calling, buf_data(&init), init.len, &out);
	buf_clear(&init);
	if ((r = send_all(c, &out)) || (r = next_event(c, &ev, &keep)))
		goto out;
	if (ev.type == ISO_EV_REFUSED) {
		int cls = -1, code = -1;
		struct mms_pdu p;
		if (keep.len && mms_pdu_decode(buf_data(&keep), keep.len, &p, NULL) == 0 &&
		    p.kind == MMS_INITIATE_ERROR)
			mms_service_error_decode(p.pdu, p.pdu_len, &cls, &code, NULL);
		if (ev.pres.refused)
			r = fail(c, IEDC_REJECTED, "%s: presentation connection refused (reason %lld)",
				 c->peer, (long long)ev.pres.provider_reason);
		else if (cls >= 0)
			r = fail(c, IEDC_REJECTED, "%s: association rejected: MMS Initiate-Error class %d code %d",
				 c->peer, cls, code);
		else
			r = fail(c, IEDC_REJECTED, "%s: association rejected (ACSE result %lld, diagnostic %lld)",
				 c->peer, (long long)ev.acse.result, (long long)ev.acse.diagnostic);
		goto out;
	}
	if (ev.type != ISO_EV_ASSOCIATED) {
		r = fail(c, IEDC_PROTOCOL, "%s: unexpected answer to the association request", c->peer);
		goto out;
	}
	struct proto_err err = { 0 };
	if (mms_initiate_decode(buf_data(&keep), keep.len, true, &c->neg, &err)) {
		r = fail(c, IEDC_PROTOCOL, "%s: %s: %s", c->peer, err.layer, err.reason);
		goto out;
	}
	c->iso.max_pdu = (uint32_t)c->neg.local_detail;
	r = IEDC_OK;
out:
	buf_clear(&out);
	buf_clear(&keep);
	return r;
}

/* Receives the next MMS PDU into c->resp (decoded into *p) by `deadline`;
 * Unconfirmed-PDUs are handed to c->on_unconfirmed (or dropped) when
 * `pass_unconfirmed` is false, returned otherwise. */
static int recv_pdu(struct client *c, struct mms_pdu *p, int64_t deadline, bool pass_unconfirmed)
{
	struct buf keep;
	struct iso_event ev;
	int r;

	for (;;) {
		buf_init(&keep, 0, 0);
		if ((r = next_event_by(c, &ev, &keep, deadline))) {
			buf_clear(&keep);
			return r;
		}
		if (ev.type != ISO_EV_DATA) {
			buf_clear(&keep);
			return fail(c, IEDC_PROTOCOL, "%s: association ended while waiting for %s",
				    c->peer, pass_unconfirmed ? "reports" : "a response");
		}
		buf_clear(&c->resp);
		c->resp = keep;
		struct proto_err err = { 0 };
		if (mms_pdu_decode(buf_data(&c->resp), c->resp.len, p, &err))
			return fail(c, IEDC_PROTOCOL, "%s: %s: %s", c->peer, err.layer, err.reason);
		if (p->kind != MMS_UNCONFIRMED || pass_unconfirmed)
			return IEDC_OK;
		/* IEC 61850-8-1 §17.2.3: a report may come at any time, also
		 * between a request and its response */
		if (c->on_unconfirmed)
			c->on_unconfirmed(c, p, c->on_unconfirmed_ctx);
	}
}

int client_request(struct client *c, struct buf *pdu, struct mms_pdu *p)
{
	struct buf out;
	int r;

	int64_t deadline = now_ms() + c->timeout_ms;
	buf_init(&out, 0, 0);
	if ((r = iso_send_data(&c->iso, pdu, &out))) {
		buf_clear(&out);
		return fail(c, IEDC_PROTOCOL, "cannot encode the request (%s)", strerror(-r));
	}
	r = send_all(c, &out);
	buf_clear(&out);
	if (r)
		return r;
	return recv_pdu(c, p, deadline, false);
}

int client_wait_unconfirmed(struct client *c)
{
	return client_wait_unconfirmed_for(c, -1);
}

int client_wait_unconfirmed_for(struct client *c, int ms)
{
	struct mms_pdu p;
	int r = recv_pdu(c, &p, ms < 0 ? -1 : now_ms() + ms, true);
	if (r)
		return r;
	if (p.kind != MMS_UNCONFIRMED)
		return fail(c, IEDC_PROTOCOL, "%s: PDU type %u while no request was outstanding",
			    c->peer, p.kind);
	if (c->on_unconfirmed)
		c->on_unconfirmed(c, &p, c->on_unconfirmed_ctx);
	return IEDC_OK;
}

int client_call(struct client *c, struct buf *pdu, uint32_t invoke_id, uint32_t service,
		const char *what, struct mms_pdu *p)
{
	struct mms_client_refusal ref;
	struct proto_err err = { 0 };
	char why[160];

	int r = client_request(c, pdu, p);
	if (r)
		return r;
	switch (mms_client_check(p, invoke_id, service, &ref, &err)) {
	case 0:
		return IEDC_OK;
	case -EREMOTEIO:
		return fail(c, IEDC_SERVICE, "%s refused: %s", what,
			    mms_client_refusal_str(&ref, why, sizeof(why)));
	default:
		return fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s: %s", c->peer, what,
			    err.layer ? err.layer : "mms", err.reason);
	}
}

int client_close(struct client *c)
{
	struct buf pdu, out, keep;
	struct iso_event ev;
	struct mms_pdu p;
	int r;

	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_encode_conclude(&pdu, false);
	r = client_request(c, &pdu, &p);
	buf_clear(&pdu);
	if (!r && p.kind != MMS_CONCLUDE_RESPONSE)
		r = fail(c, IEDC_PROTOCOL, "%s: Conclude answered with PDU type %u", c->peer, p.kind);
	if (!r) {
		buf_init(&out, 0, 0);
		buf_init(&keep, 0, 0);
		iso_release(&c->iso, &out);
		r = send_all(c, &out);
		if (!r)
			r = next_event(c, &ev, &keep);
		/* a report the server had queued before the Conclude */
		for (int late = 0; !r && ev.type == ISO_EV_DATA && late < 100; late++)
			r = next_event(c, &ev, &keep);
		if (!r && ev.type != ISO_EV_RELEASED)
			r = fail(c, IEDC_PROTOCOL, "%s: release not confirmed", c->peer);
		buf_clear(&out);
		buf_clear(&keep);
	}
	client_drop(c);
	return r;
}

void client_forget_session(struct client *c)
{
	gnutls_free(c->tls_keep);
	c->tls_keep = NULL;
	c->tls_keep_len = 0;
}

void client_drop(struct client *c)
{
	if (c->tls) {
		gnutls_datum_t d = { 0 };
		/* a TLS 1.3 ticket arrives after the handshake: by now it has */
		if (tls_opts.resume && c->tls_desc[0] && !gnutls_session_get_data2(c->tls, &d)) {
			client_forget_session(c);
			c->tls_keep = d.data;
			c->tls_keep_len = d.size;
		}
		if (c->tls_desc[0]) /* only after a handshake: GnuTLS crashes before */
			gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	iso_clear(&c->iso);
	free(c->rbuf);
	c->rbuf = NULL;
	buf_clear(&c->resp);
}
