/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS server layer (daemon/net/tls.c) as a conn drives it, against an
 * in-memory GnuTLS client, on a fake clock: a TLS 1.2 renegotiation that
 * iedd asks for holds the session's output from the HelloRequest until the
 * new handshake is done and then delivers it in order; a client that does
 * not renegotiate while output piles up is disconnected at TLS_HELD_MAX
 * with the event named; one that never begins is disconnected at the end
 * of the grace time. */
#include <errno.h>
#include <gnutls/gnutls.h>

#include "authz.h"
#include "buf.h"
#include "conn.h"
#include "log.h"
#include "testutil.h"
#include "tls.h"
#include "tls_testpki.h"

#define SEC 1000000ull

static struct tls_test_pki pki;
static struct tls_server *srv;

/* the two directions: what the client sent and the server has not taken,
 * what the server sent and the client has not read */
static struct buf c2s, s2c;
static size_t s2c_off;

static ssize_t c_push(gnutls_transport_ptr_t p, const void *d, size_t n)
{
	(void)p;
	buf_put(&c2s, d, n);
	return (ssize_t)n;
}

static ssize_t c_pull(gnutls_transport_ptr_t p, void *d, size_t n)
{
	gnutls_session_t s = p;
	size_t have = s2c.len - s2c_off;
	if (!have) {
		gnutls_transport_set_errno(s, EAGAIN);
		return -1;
	}
	if (n > have)
		n = have;
	memcpy(d, buf_data(&s2c) + s2c_off, n);
	s2c_off += n;
	return (ssize_t)n;
}

struct peer {
	gnutls_session_t cli;
	gnutls_certificate_credentials_t cred;
	const struct conn_layer_ops *ops;
	void *ctx;
	struct authz_peer who;
	struct buf plain;	/* what the session read */
};

/* The server takes what the client sent; its answers go to the client. */
static int server_reads(struct peer *p)
{
	struct buf wire;
	buf_init(&wire, 0, 0);
	int r = p->ops->unwrap(p->ctx, buf_data(&c2s), c2s.len, &p->plain, &wire);
	buf_reset(&c2s, 0);
	buf_put(&s2c, buf_data(&wire), wire.len);
	buf_clear(&wire);
	return r;
}

static int server_sends(struct peer *p, const void *d, size_t n)
{
	struct buf wire;
	buf_init(&wire, 0, 0);
	int r = p->ops->wrap(p->ctx, d, n, &wire);
	buf_put(&s2c, buf_data(&wire), wire.len);
	buf_clear(&wire);
	return r;
}

static int server_tick(struct peer *p, uint64_t now)
{
	struct buf wire;
	uint64_t next;
	buf_init(&wire, 0, 0);
	int r = p->ops->tick(p->ctx, now, &wire, &next);
	buf_put(&s2c, buf_data(&wire), wire.len);
	buf_clear(&wire);
	return r;
}

/* The client's handshake (first or renegotiation), the server answering. */
static void client_handshake(struct peer *p)
{
	int r;
	for (int i = 0; i < 100; i++) {
		r = gnutls_handshake(p->cli);
		ck_assert_int_eq(server_reads(p), 0);
		if (r == 0)
			return;
		ck_assert_msg(!gnutls_error_is_fatal(r), "handshake: %s", gnutls_strerror(r));
	}
	ck_abort_msg("handshake did not end");
}

/* What the client reads now (n octets into out), or a GnuTLS code. */
static ssize_t client_reads(struct peer *p, char *out, size_t n)
{
	ssize_t r = gnutls_record_recv(p->cli, out, n);
	ck_assert_int_eq(server_reads(p), 0);
	return r;
}

static void peer_up(struct peer *p, uint32_t grace_s)
{
	tls_test_pki_make(&pki);
	struct tls_file cas[1] = { { pki.ca, "unit" } };
	struct tls_server_cfg cfg = {
		.cert = { pki.cert, "unit" }, .key = { pki.key, "unit" },
		.ca = cas, .n_ca = 1, .auth = TLS_AUTH_CHAIN,
		.rekey_s = 10, .rekey_grace_s = grace_s,
	};
	char err[512];
	ck_assert_msg(tls_server_new(&cfg, &srv, err, sizeof(err)) == 0, "%s", err);
	memset(p, 0, sizeof(*p));
	p->who.client = -1;
	ck_assert_int_eq(tls_layer_new(srv, "unit", &p->who, &p->ops, &p->ctx), 0);
	buf_init(&p->plain, 0, 0);
	buf_init(&c2s, 0, 0);
	buf_init(&s2c, 0, 0);
	s2c_off = 0;
	ck_assert_int_eq(gnutls_certificate_allocate_credentials(&p->cred), 0);
	ck_assert_int_gt(gnutls_certificate_set_x509_trust_file(p->cred, pki.ca,
								 GNUTLS_X509_FMT_PEM), 0);
	ck_assert_int_eq(gnutls_certificate_set_x509_key_file(p->cred, pki.client_cert,
							      pki.client_key, GNUTLS_X509_FMT_PEM), 0);
	ck_assert_int_eq(gnutls_init(&p->cli, GNUTLS_CLIENT | GNUTLS_NONBLOCK), 0);
	ck_assert_int_eq(gnutls_priority_set_direct(p->cli, "NORMAL:-VERS-ALL:+VERS-TLS1.2:"
						    "%SAFE_RENEGOTIATION", NULL), 0);
	ck_assert_int_eq(gnutls_credentials_set(p->cli, GNUTLS_CRD_CERTIFICATE, p->cred), 0);
	gnutls_transport_set_ptr(p->cli, p->cli);
	gnutls_transport_set_push_function(p->cli, c_push);
	gnutls_transport_set_pull_function(p->cli, c_pull);
	client_handshake(p);
	ck_assert_int_eq(server_tick(p, 1 * SEC), 0); /* the renewal clock starts */
}

static void peer_down(struct peer *p)
{
	gnutls_deinit(p->cli);
	gnutls_certificate_free_credentials(p->cred);
	p->ops->free(p->ctx);
	tls_server_free(srv);
	buf_clear(&p->plain);
	buf_clear(&c2s);
	buf_clear(&s2c);
	tls_test_pki_remove(&pki);
}

START_TEST(renegotiation_holds_output_then_delivers_it)
{
	struct peer p;
	char got[64];
	peer_up(&p, 30);
	ck_assert_int_eq(server_sends(&p, "before", 6), 0);
	ck_assert_int_eq(client_reads(&p, got, sizeof(got)), 6);
	ck_assert_mem_eq(got, "before", 6);
	/* 10 s later: HelloRequest; what the session says meanwhile waits */
	ck_assert_int_eq(server_tick(&p, 12 * SEC), 0);
	ck_assert_int_eq(server_sends(&p, "held-1", 6), 0);
	ck_assert_int_eq(server_sends(&p, "held-2", 6), 0);
	ck_assert_int_eq(client_reads(&p, got, sizeof(got)), GNUTLS_E_REHANDSHAKE);
	/* nothing but the HelloRequest was on the wire */
	ck_assert_uint_eq(s2c.len, s2c_off);
	client_handshake(&p);
	/* the held output, in order, after the new handshake */
	size_t n = 0;
	for (int i = 0; i < 10 && n < 12; i++) {
		ssize_t r = client_reads(&p, got + n, sizeof(got) - n);
		if (r > 0)
			n += (size_t)r;
	}
	ck_assert_uint_eq(n, 12);
	ck_assert_mem_eq(got, "held-1held-2", 12);
	/* and the session goes on as before */
	ck_assert_int_eq(server_sends(&p, "after", 5), 0);
	ck_assert_int_eq(client_reads(&p, got, sizeof(got)), 5);
	ck_assert_int_eq(server_tick(&p, 13 * SEC), 0);
	ck_assert_ptr_null(p.ops->why(p.ctx));
	peer_down(&p);
}
END_TEST

START_TEST(held_output_is_bounded)
{
	struct peer p;
	static char chunk[65536];
	peer_up(&p, 30);
	ck_assert_int_eq(server_tick(&p, 12 * SEC), 0);
	/* the client never renegotiates; reports keep coming */
	size_t held = 0;
	int r = 0;
	for (int k = 0; k < 1000 && !(r = server_sends(&p, chunk, sizeof(chunk))); k++)
		held += sizeof(chunk);
	ck_assert_int_eq(r, -ENOBUFS);
	ck_assert_uint_le(held, TLS_HELD_MAX);
	ck_assert_uint_gt(held + sizeof(chunk), TLS_HELD_MAX);
	ck_assert_ptr_nonnull(strstr(p.ops->why(p.ctx), "renegotiation interval expired"));
	peer_down(&p);
}
END_TEST

START_TEST(grace_time_ends_a_client_that_does_not_begin)
{
	struct peer p;
	peer_up(&p, 2);
	ck_assert_int_eq(server_tick(&p, 12 * SEC), 0);
	ck_assert_int_eq(server_tick(&p, 13 * SEC), 0);
	ck_assert_int_eq(server_tick(&p, 14 * SEC + 1), -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(p.ops->why(p.ctx), "renegotiation interval expired"));
	peer_down(&p);
}
END_TEST

static Suite *suite(void)
{
	log_init(LOGL_ERR, false);
	Suite *s = suite_create("tls_layer");
	TCase *tc = tcase_create("tls_layer");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, renegotiation_holds_output_then_delivers_it);
	tcase_add_test(tc, held_output_is_bounded);
	tcase_add_test(tc, grace_time_ends_a_client_that_does_not_begin);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
