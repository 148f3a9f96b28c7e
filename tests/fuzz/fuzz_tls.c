/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the TLS-facing path (daemon/net/tls.c): what a
 * client sends, through iedd's server layer exactly as a conn drives it
 * (unwrap of each read, wrap of what the session answers, the timed work
 * of key renewal, close), over GnuTLS with iedd's pull/push, certificate
 * verification, version and suite checks and renegotiation handling.
 *
 * Input: reads as [length: 2 octets, big-endian][that many octets]...; a
 * short tail is the last read. After each read the loop clock moves 0.7 s
 * and the layer's tick runs (renewal every 1 s, grace 1 s), and any
 * plaintext is answered with itself. The server's key and certificate (ECDSA
 * P-256, signed by a CA made at start) are made once, in a temporary
 * directory that is removed at exit. GnuTLS's randoms differ between runs:
 * a handshake cannot complete from a fixed input, but everything up to the
 * client's Finished is reached (ClientHello parsing, alerts in every state,
 * TLS 1.2 client certificates and iedd's verification of them, truncated
 * and oversized records).
 *
 * Seeds (corpus/tls): real clients' first flights, recorded by
 * tests/fuzz/tls_seeds.py. */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authz.h"
#include "buf.h"
#include "conn.h"
#include "log.h"
#include "tls.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_server *srv;
static char dir[] = "/tmp/iedd-fuzz-tls.XXXXXX";
static char ca_path[64], cert_path[64], key_path[64];

static void put_file(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(d->data, 1, d->size, f) != d->size || fclose(f)) {
		fprintf(stderr, "fuzz_tls: cannot write %s\n", path);
		abort();
	}
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "fuzz_tls: %s: %s\n", what, gnutls_strerror(r));
		abort();
	}
}

static gnutls_x509_crt_t make_cert(const char *dn, gnutls_x509_privkey_t key, bool ca,
				   gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
				   unsigned serial)
{
	gnutls_x509_crt_t c;
	time_t now = time(NULL);
	unsigned char sn = (unsigned char)serial;
	check(gnutls_x509_crt_init(&c), "crt_init");
	check(gnutls_x509_crt_set_version(c, 3), "version");
	check(gnutls_x509_crt_set_serial(c, &sn, 1), "serial");
	check(gnutls_x509_crt_set_activation_time(c, now - 3600), "activation");
	check(gnutls_x509_crt_set_expiration_time(c, now + 86400), "expiration");
	check(gnutls_x509_crt_set_dn(c, dn, NULL), "dn");
	check(gnutls_x509_crt_set_key(c, key), "key");
	check(gnutls_x509_crt_set_basic_constraints(c, ca, -1), "basic constraints");
	check(gnutls_x509_crt_set_key_usage(c, ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN :
					    GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage");
	if (!ca)
		check(gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
	check(gnutls_x509_crt_sign2(c, issuer ? issuer : c, issuer_key, GNUTLS_DIG_SHA256, 0),
	      "sign");
	return c;
}

static gnutls_x509_privkey_t make_key(void)
{
	gnutls_x509_privkey_t k;
	check(gnutls_x509_privkey_init(&k), "privkey_init");
	check(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
					   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	      "generate");
	return k;
}

static void cleanup(void)
{
	unlink(ca_path);
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOGL_ERR, false); /* every refusal would be a log line */
	if (!mkdtemp(dir))
		abort();
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	snprintf(cert_path, sizeof(cert_path), "%s/server.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/server.key", dir);
	atexit(cleanup);
	gnutls_x509_privkey_t cakey = make_key(), key = make_key();
	gnutls_x509_crt_t ca = make_cert("CN=iedd fuzz CA", cakey, true, NULL, cakey, 1);
	gnutls_x509_crt_t crt = make_cert("CN=localhost", key, false, ca, cakey, 2);
	gnutls_datum_t d;
	check(gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d), "export");
	put_file(ca_path, &d);
	gnutls_free(d.data);
	check(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), "export");
	put_file(cert_path, &d);
	gnutls_free(d.data);
	check(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d), "export");
	put_file(key_path, &d);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(cakey);
	gnutls_x509_privkey_deinit(key);

	struct tls_file cas[1] = { { ca_path, "fuzz" } };
	struct tls_server_cfg cfg = {
		.cert = { cert_path, "fuzz" }, .key = { key_path, "fuzz" },
		.ca = cas, .n_ca = 1, .auth = TLS_AUTH_CHAIN,
		.rekey_s = 1, .rekey_bytes = 1024, .rekey_grace_s = 1, .resume_s = 0,
	};
	char err[512];
	if (tls_server_new(&cfg, &srv, err, sizeof(err))) {
		fprintf(stderr, "fuzz_tls: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct conn_layer_ops *ops;
	void *ctx;
	struct authz_peer who = { .client = -1 };
	if (tls_layer_new(srv, "fuzz", &who, &ops, &ctx))
		return 0;
	struct buf plain, wire, back;
	buf_init(&plain, 0, 0);
	buf_init(&wire, 0, 0);
	buf_init(&back, 0, 0);
	uint64_t now = 1000000;
	bool dead = false;
	while (size && !dead) {
		size_t n = size;
		if (size >= 2) {
			n = (size_t)data[0] << 8 | data[1];
			data += 2;
			size -= 2;
			if (n > size)
				n = size;
		}
		buf_reset(&plain, 0);
		buf_reset(&wire, 0);
		int r = ops->unwrap(ctx, data, n, &plain, &wire);
		data += n;
		size -= n;
		if (r) {
			dead = true; /* the conn would end here */
			break;
		}
		if (plain.len) {
			buf_reset(&back, 0);
			if (ops->wrap(ctx, buf_data(&plain), plain.len, &back))
				dead = true;
		}
		now += 700000;
		uint64_t next;
		buf_reset(&wire, 0);
		if (ops->tick(ctx, now, &wire, &next))
			dead = true;
		if (ops->why)
			(void)ops->why(ctx);
	}
	if (!dead) {
		buf_reset(&wire, 0);
		ops->close(ctx, &wire);
	}
	ops->free(ctx);
	buf_clear(&plain);
	buf_clear(&wire);
	buf_clear(&back);
	return 0;
}
