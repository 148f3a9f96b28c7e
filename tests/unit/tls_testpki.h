/* SPDX-License-Identifier: Apache-2.0 */
/* A throw-away PKI made with GnuTLS's API for the TLS layer's unit test
 * (test_tls_layer.c) and fuzz target (tests/fuzz/fuzz_tls.c): a CA and,
 * signed by it, a server certificate for "localhost" and a client
 * certificate, all ECDSA P-256 (fast to make), valid from an hour ago for a
 * day, written as PEM into a new temporary directory. Header only; aborts
 * on any failure (a test set-up, not a product path). */
#pragma once
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tls_test_pki {
	char dir[64];
	char ca[96], cert[96], key[96], client_cert[96], client_key[96];
};

static void tls_test_pki_check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "tls_testpki: %s: %s\n", what, gnutls_strerror(r));
		abort();
	}
}

static void tls_test_pki_put(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(d->data, 1, d->size, f) != d->size || fclose(f)) {
		fprintf(stderr, "tls_testpki: cannot write %s\n", path);
		abort();
	}
}

static gnutls_x509_privkey_t tls_test_pki_key(void)
{
	gnutls_x509_privkey_t k;
	tls_test_pki_check(gnutls_x509_privkey_init(&k), "privkey_init");
	tls_test_pki_check(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
				GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), "generate");
	return k;
}

/* purpose: NULL for the CA, else the key purpose OID of the leaf */
static gnutls_x509_crt_t tls_test_pki_crt(const char *dn, gnutls_x509_privkey_t key,
					  const char *purpose, gnutls_x509_crt_t issuer,
					  gnutls_x509_privkey_t issuer_key, unsigned char serial)
{
	gnutls_x509_crt_t c;
	time_t now = time(NULL);
	bool ca = !purpose;
	tls_test_pki_check(gnutls_x509_crt_init(&c), "crt_init");
	tls_test_pki_check(gnutls_x509_crt_set_version(c, 3), "version");
	tls_test_pki_check(gnutls_x509_crt_set_serial(c, &serial, 1), "serial");
	tls_test_pki_check(gnutls_x509_crt_set_activation_time(c, now - 3600), "activation");
	tls_test_pki_check(gnutls_x509_crt_set_expiration_time(c, now + 86400), "expiration");
	tls_test_pki_check(gnutls_x509_crt_set_dn(c, dn, NULL), "dn");
	tls_test_pki_check(gnutls_x509_crt_set_key(c, key), "key");
	tls_test_pki_check(gnutls_x509_crt_set_basic_constraints(c, ca, -1), "constraints");
	tls_test_pki_check(gnutls_x509_crt_set_key_usage(c, ca ? GNUTLS_KEY_KEY_CERT_SIGN |
							 GNUTLS_KEY_CRL_SIGN :
							 GNUTLS_KEY_DIGITAL_SIGNATURE),
			   "key usage");
	if (purpose)
		tls_test_pki_check(gnutls_x509_crt_set_key_purpose_oid(c, purpose, 0), "purpose");
	tls_test_pki_check(gnutls_x509_crt_sign2(c, issuer ? issuer : c, issuer_key,
						 GNUTLS_DIG_SHA256, 0), "sign");
	return c;
}

static void tls_test_pki_write_crt(const char *path, gnutls_x509_crt_t c)
{
	gnutls_datum_t d;
	tls_test_pki_check(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d), "export");
	tls_test_pki_put(path, &d);
	gnutls_free(d.data);
}

static void tls_test_pki_write_key(const char *path, gnutls_x509_privkey_t k)
{
	gnutls_datum_t d;
	tls_test_pki_check(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &d), "export");
	tls_test_pki_put(path, &d);
	gnutls_free(d.data);
}

static void tls_test_pki_make(struct tls_test_pki *p)
{
	snprintf(p->dir, sizeof(p->dir), "/tmp/iedd-tls-pki.XXXXXX");
	if (!mkdtemp(p->dir))
		abort();
	snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
	snprintf(p->cert, sizeof(p->cert), "%s/server.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/server.key", p->dir);
	snprintf(p->client_cert, sizeof(p->client_cert), "%s/client.pem", p->dir);
	snprintf(p->client_key, sizeof(p->client_key), "%s/client.key", p->dir);
	gnutls_x509_privkey_t cak = tls_test_pki_key(), sk = tls_test_pki_key(),
			      ck = tls_test_pki_key();
	gnutls_x509_crt_t ca = tls_test_pki_crt("CN=iedd unit test CA", cak, NULL, NULL, cak, 1);
	gnutls_x509_crt_t sc = tls_test_pki_crt("CN=localhost", sk, GNUTLS_KP_TLS_WWW_SERVER, ca,
						cak, 2);
	gnutls_x509_crt_t cc = tls_test_pki_crt("CN=unit-client", ck, GNUTLS_KP_TLS_WWW_CLIENT, ca,
						cak, 3);
	tls_test_pki_write_crt(p->ca, ca);
	tls_test_pki_write_crt(p->cert, sc);
	tls_test_pki_write_key(p->key, sk);
	tls_test_pki_write_crt(p->client_cert, cc);
	tls_test_pki_write_key(p->client_key, ck);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(sc);
	gnutls_x509_crt_deinit(cc);
	gnutls_x509_privkey_deinit(cak);
	gnutls_x509_privkey_deinit(sk);
	gnutls_x509_privkey_deinit(ck);
}

static void tls_test_pki_remove(const struct tls_test_pki *p)
{
	unlink(p->ca);
	unlink(p->cert);
	unlink(p->key);
	unlink(p->client_cert);
	unlink(p->client_key);
	rmdir(p->dir);
}
