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
 * P-256, signed by a CA made at start: tests/unit/tls_testpki.h) are made
 * once, in a temporary directory that is removed at exit. GnuTLS's randoms differ between runs:
 * a handshake cannot complete from a fixed input, but everything up to the
 * client's Finished is reached (ClientHello parsing, alerts in every state,
 * TLS 1.2 client certificates and iedd's verification of them, truncated
 * and oversized records).
 *
 * Seeds (corpus/tls): real clients' first flights, recorded by
 * tests/fuzz/tls_seeds.py. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tls_testpki.h"
#include "authz.h"
#include "buf.h"
#include "conn.h"
#include "log.h"
#include "tls.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tls_server *srv;
static struct tls_test_pki pki;

static void cleanup(void)
{
	tls_test_pki_remove(&pki);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOGL_ERR, false); /* every refusal would be a log line */
	tls_test_pki_make(&pki);
	atexit(cleanup);
	struct tls_file cas[1] = { { pki.ca, "fuzz" } };
	struct tls_server_cfg cfg = {
		.cert = { pki.cert, "fuzz" }, .key = { pki.key, "fuzz" },
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
