/* SPDX-License-Identifier: Apache-2.0 */
/* TLS (IEC 62351-3 Ed.2 with the MMS profile of IEC 62351-4) as one more
 * layer of the connection object (conn.h conn_layer_ops): GnuTLS runs over
 * in-memory pull/push callbacks, so the handshake and the records go
 * through the conn's one read path and one write path, on the one event
 * loop, never blocking. The association stack above does not know.
 *
 * A tls_server holds what every TLS connection shares: the server's
 * certificate and key, the trust anchors and CRLs, the priority (versions
 * and cipher suites), and how a client certificate is accepted: chain
 * validation against the CAs, or pinned certificates (SHA-256 of the DER).
 * Mutual authentication is always required. Every refused handshake is
 * logged once (category tls) with the IEC 62351-14 style event name.
 *
 * Thread: the event loop's (tls_server_new: any, before the loop runs). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn;
struct tls_server;

/* IEC 62351-3 Ed.2 and 62351-4 (doc/tls.md): TLS 1.2 and 1.3
 * only; the suites of those parts that GnuTLS implements, iedd's order
 * first (forward secrecy before static RSA key exchange); no NULL, no
 * export, no SHA-1 signatures. RFC 5746 safe renegotiation is required of
 * TLS 1.2 clients by the check after the handshake, not by
 * %SAFE_RENEGOTIATION: GnuTLS applies that to TLS 1.3 too and refuses a
 * TLS 1.3 ClientHello without renegotiation_info, which RFC 8446 does not
 * ask for. */
#define TLS_DEFAULT_PRIORITY                                                                      \
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:+AEAD:+SHA256:"     \
	"+SHA384:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:+RSA:+COMP-NULL:+SIGN-ALL:-SIGN-RSA-SHA1:"       \
	"-SIGN-ECDSA-SHA1:+GROUP-ALL:+CTYPE-X509:%SERVER_PRECEDENCE"

/* IEC 62351-3 Ed.2: a certificate over 8192 octets is refused. */
#define TLS_MAX_CERT_SIZE 8192

/* Session key renewal and resumption (IEC 62351-3 Ed.2 leaves the values to
 * the configuration; these defaults, doc/tls.md): renewal every hour or
 * after 1 GiB of application data, whichever comes first (TLS 1.3
 * KeyUpdate, both directions; TLS 1.2 a server-initiated renegotiation,
 * which the client must begin within the grace time or be disconnected);
 * resumption (tickets, and session IDs for TLS 1.2 clients without them)
 * for 30 minutes, shorter than the renewal interval. */
#define TLS_DEFAULT_REKEY_S 3600u
#define TLS_DEFAULT_REKEY_BYTES (1ull << 30)
#define TLS_DEFAULT_REKEY_GRACE_S 30u
#define TLS_DEFAULT_RESUME_S 1800u
/* What a session may hold back from its TLS 1.2 HelloRequest to the end of
 * the renegotiation (responses and reports wait, so that no application
 * data reaches the client before the new handshake): a client that is
 * slow to renegotiate while reports keep coming is disconnected beyond
 * this, as it would be at the end of the grace time. */
#define TLS_HELD_MAX (4u << 20)
#define TLS_HELD_MAX_TEXT "4 MiB"

/* TLS 1.2 session IDs remembered for resumption (the oldest goes first). */
#define TLS_SESSION_CACHE 256

/* A file named in the configuration; `origin` ("iedd.xml:12", or
 * "--tls-dir") names where, for the messages. Both are the caller's. */
struct tls_file {
	const char *path;
	const char *origin;
};

enum tls_client_auth {
	TLS_AUTH_CHAIN,		/* the client's chain validates against the CAs */
	TLS_AUTH_PINNED,	/* the client's certificate is one of `pins` (and, with CAs, validates) */
};

/* An expected client in pinned mode: its certificate's SHA-256 fingerprint,
 * given or computed from cert_path. */
struct tls_pin {
	const char *name;
	const char *origin;
	bool has_sha256;
	uint8_t sha256[32];
	const char *cert_path;	/* when !has_sha256: the client's certificate (PEM or DER) */
};

struct tls_server_cfg {
	struct tls_file cert, key;	/* PEM: the server's chain (leaf first) and its key */
	const struct tls_file *ca;	/* PEM trust anchors, each file one or more */
	size_t n_ca;
	const struct tls_file *crl;	/* PEM or DER CRLs, loaded once at start */
	size_t n_crl;
	const char *priority;		/* GnuTLS priority string; NULL: TLS_DEFAULT_PRIORITY */
	const char *priority_origin;
	enum tls_client_auth auth;
	const struct tls_pin *pins;
	size_t n_pins;
	bool allow_rsa1024;		/* accept RSA keys of 1024..2047 bits, with a warning */
	uint32_t rekey_s;		/* renew the session keys after this; 0: not by time */
	uint64_t rekey_bytes;		/* ... or after this much application data; 0: not */
	uint32_t rekey_grace_s;		/* TLS 1.2: HelloRequest to ClientHello, at most */
	uint32_t resume_s;		/* resumption lifetime; 0: no resumption */
};

/* Loads everything `cfg` names (read at once; the cfg and its strings may go
 * after return). On failure returns a negative errno and writes into
 * err[errlen] "ORIGIN: PATH: what is wrong", *out untouched. Refuses a
 * priority string that allows anything below TLS 1.2 or the NULL cipher. */
int tls_server_new(const struct tls_server_cfg *cfg, struct tls_server **out, char *err,
		   size_t errlen);
/* NULL: no-op. Every conn using it must be freed before. */
void tls_server_free(struct tls_server *t);
/* After a reload (new CRLs): every established session of `t` whose peer
 * certificate `crls`'s CRLs revoke, or that has expired at now_s (UTC
 * seconds), is marked; its next conn_layer_tick ends it with the event
 * logged. Returns how many were marked. A CRL that is out of date only
 * warns (IEC 62351-3): no established session ends for it. */
size_t tls_server_recheck(struct tls_server *t, const struct tls_server *crls, int64_t now_s);
/* One line for the start-up log: versions and suite count. */
const char *tls_server_summary(const struct tls_server *t);

/* Puts a server-side TLS layer on `c` (before any byte went through): the
 * handshake starts with the first octets from the client. `peer` (copied)
 * names the connection in the log. Returns 0 or -ENOMEM (then the conn is
 * unchanged; the caller frees it). */
struct authz_peer;
int tls_conn_attach(struct tls_server *t, struct conn *c, const char *peer,
		    struct authz_peer *who);
/* The same layer without a conn, for the fuzz target (tests/fuzz/fuzz_tls.c):
 * *ops and *ctx as conn_set_layer takes them; the caller calls ops->free. */
struct conn_layer_ops;
int tls_layer_new(struct tls_server *t, const char *peer, struct authz_peer *who,
		  const struct conn_layer_ops **ops, void **ctx);
