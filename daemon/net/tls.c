/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS layer of the connection object (tls.h). GnuTLS never sees the
 * socket: pull reads from the octets conn.c just received, push appends to
 * the buffer conn.c sends, and "no more input" is EAGAIN, so a handshake
 * advances one flight per readiness event and the loop never blocks. */
#include "tls.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "conn.h"
#include "log.h"
#include "authz.h"

/* The largest plaintext of one TLS record (RFC 8446 §5.1, RFC 5246 §6.2.1). */
#define TLS_RECORD_MAX 16384

struct tls_conn;

/* A TLS 1.2 session ID and its session, for resumption without tickets. */
struct cache_ent {
	uint8_t key[GNUTLS_MAX_SESSION_ID_SIZE];
	uint8_t klen;
	gnutls_datum_t data;	/* gnutls_malloc'ed; NULL: free slot */
};

struct tls_server {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	enum tls_client_auth auth;
	bool allow_rsa1024;
	bool have_ca;
	uint64_t rekey_us, rekey_bytes, grace_us;
	uint32_t resume_s;
	gnutls_datum_t ticket_key;	/* resumption: tickets' master key (GnuTLS rotates from it) */
	struct cache_ent *cache;	/* TLS_SESSION_CACHE slots, round robin */
	size_t cache_next;
	gnutls_x509_crl_t *crls;	/* the CRLs again, for tls_server_recheck */
	size_t n_crls;
	struct tls_conn *conns;		/* every conn of this server (recheck) */
	size_t n_pins;
	struct {
		uint8_t sha256[32];
		char name[64];
	} *pins;
	char summary[160];
};


/* One TLS connection: the layer context of its conn. */
struct tls_conn {
	struct tls_server *srv;
	gnutls_session_t s;
	const uint8_t *in;	/* unwrap: the octets not yet pulled */
	size_t in_len;
	struct buf *out;	/* unwrap/wrap: where push appends; NULL outside */
	bool established;
	bool closed;		/* close_notify received: input ignored */
	bool renegotiating;	/* a TLS 1.2 handshake after the first one is running */
	uint64_t epoch_us;	/* keys (re)newed at (loop clock); 0: the next tick sets it */
	uint64_t bytes;		/* application data since then, both directions */
	uint64_t reneg_by;	/* HelloRequest sent: the client renegotiates by then; 0: none */
	struct buf held;	/* plaintext to send once the renegotiation is done */
	const char *kill;	/* tls_server_recheck: the next tick ends it with this event */
	char reason[400];	/* the last failure, for the audit trail (conn_layer_why) */
	struct tls_conn *prev, *next;	/* in srv->conns */
	const char *why;	/* verify callback: the refusal's event name */
	char detail[200];	/* and what it refused */
	char client[128];	/* the client certificate's subject (or name of the pin) */
	struct authz_peer *who;	/* the expected clients it may be (authz.h); NULL: none */
	char peer[56];
};

static int verify_client(gnutls_session_t s);

/* ---- loading ------------------------------------------------------------ */

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* Reads a whole file; names the file on failure. */
static int load(const struct tls_file *f, const char *what, gnutls_datum_t *d, char *err,
		size_t errlen)
{
	int r = gnutls_load_file(f->path, d);
	if (r < 0)
		return fail(err, errlen, -ENOENT, "%s: %s %s: cannot read it (%s)", f->origin, what,
			    f->path, errno ? strerror(errno) : gnutls_strerror(r));
	return 0;
}

static int load_cert_key(struct tls_server *t, const struct tls_server_cfg *cfg, char *err,
			 size_t errlen)
{
	gnutls_datum_t c = { 0 }, k = { 0 };
	gnutls_x509_crt_t *crts = NULL;
	unsigned n_crts = 0;
	gnutls_x509_privkey_t key = NULL;
	int r;

	if ((r = load(&cfg->cert, "certificate", &c, err, errlen)) ||
	    (r = load(&cfg->key, "key", &k, err, errlen)))
		goto out;
	/* each file parsed on its own first, so the message names the one
	 * that is wrong */
	if (gnutls_x509_crt_list_import2(&crts, &n_crts, &c, GNUTLS_X509_FMT_PEM, 0) < 0 ||
	    !n_crts) {
		r = fail(err, errlen, -EINVAL, "%s: certificate %s: no PEM certificate in it",
			 cfg->cert.origin, cfg->cert.path);
		goto out;
	}
	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_import2(key, &k, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
		r = fail(err, errlen, -EINVAL, "%s: key %s: no unencrypted PEM private key in it",
			 cfg->key.origin, cfg->key.path);
		goto out;
	}
	time_t now = time(NULL);
	if (gnutls_x509_crt_get_expiration_time(crts[0]) < now)
		log_msg(LOGL_WARNING, LOGC_TLS, "%s: certificate %s has expired: clients will "
			"refuse it", cfg->cert.origin, cfg->cert.path);
	r = gnutls_certificate_set_x509_key_mem2(t->cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0) {
		r = fail(err, errlen, -EINVAL, "%s: certificate %s with key %s: %s", cfg->cert.origin,
			 cfg->cert.path, cfg->key.path,
			 r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH ?
				 "the key does not belong to the certificate" : gnutls_strerror(r));
		goto out;
	}
	r = 0;
out:
	for (unsigned i = 0; i < n_crts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (key)
		gnutls_x509_privkey_deinit(key);
	gnutls_free(c.data);
	if (k.data)
		gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return r;
}

/* The CRLs of one file once more, as objects for tls_server_recheck; one
 * that is out of date is a warning only (IEC 62351-3). */
static void keep_crls(struct tls_server *t, const struct tls_file *f, const gnutls_datum_t *d,
		      gnutls_x509_crt_fmt_t fmt)
{
	gnutls_x509_crl_t *list = NULL;
	unsigned n = 0;
	if (gnutls_x509_crl_list_import2(&list, &n, d, fmt, 0) < 0)
		return;
	gnutls_x509_crl_t *all = realloc(t->crls, (t->n_crls + n) * sizeof(*all));
	if (!all) {
		for (unsigned i = 0; i < n; i++)
			gnutls_x509_crl_deinit(list[i]);
		gnutls_free(list);
		return;
	}
	t->crls = all;
	time_t now = time(NULL);
	for (unsigned i = 0; i < n; i++) {
		time_t next = gnutls_x509_crl_get_next_update(list[i]);
		if (next != (time_t)-1 && next < now)
			log_msg(LOGL_WARNING, LOGC_TLS, "%s: CRL file %s is out of date (its next "
				"update was due %lld s ago): revocations since then are not known; "
				"sessions go on (IEC 62351-3)", f->origin, f->path,
				(long long)(now - next));
		t->crls[t->n_crls++] = list[i];
	}
	gnutls_free(list);
}

static int load_ca_crl(struct tls_server *t, const struct tls_server_cfg *cfg, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < cfg->n_ca; i++) {
		gnutls_datum_t d;
		int r = load(&cfg->ca[i], "CA file", &d, err, errlen);
		if (r)
			return r;
		r = gnutls_certificate_set_x509_trust_mem(t->cred, &d, GNUTLS_X509_FMT_PEM);
		gnutls_free(d.data);
		if (r <= 0)
			return fail(err, errlen, -EINVAL, "%s: CA file %s: %s", cfg->ca[i].origin,
				    cfg->ca[i].path, r == 0 ? "no PEM certificate in it" :
				    gnutls_strerror(r));
		t->have_ca = true;
	}
	for (size_t i = 0; i < cfg->n_crl; i++) {
		gnutls_datum_t d;
		int r = load(&cfg->crl[i], "CRL file", &d, err, errlen);
		if (r)
			return r;
		r = gnutls_certificate_set_x509_crl_mem(t->cred, &d, GNUTLS_X509_FMT_PEM);
		gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_PEM;
		if (r < 0) {
			fmt = GNUTLS_X509_FMT_DER;
			r = gnutls_certificate_set_x509_crl_mem(t->cred, &d, fmt);
		}
		if (r > 0)
			keep_crls(t, &cfg->crl[i], &d, fmt);
		gnutls_free(d.data);
		if (r < 0)
			/* a CRL its CA is missing for is refused here too */
			return fail(err, errlen, -EINVAL, "%s: CRL file %s: %s", cfg->crl[i].origin,
				    cfg->crl[i].path, gnutls_strerror(r));
		if (r == 0)
			return fail(err, errlen, -EINVAL, "%s: CRL file %s: no CRL in it",
				    cfg->crl[i].origin, cfg->crl[i].path);
	}
	return 0;
}

static int load_pins(struct tls_server *t, const struct tls_server_cfg *cfg, char *err,
		     size_t errlen)
{
	if (!cfg->n_pins)
		return 0;
	t->pins = calloc(cfg->n_pins, sizeof(*t->pins));
	if (!t->pins)
		return fail(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->n_pins; i++) {
		const struct tls_pin *p = &cfg->pins[i];
		snprintf(t->pins[i].name, sizeof(t->pins[i].name), "%s", p->name ? p->name : "");
		if (p->has_sha256) {
			memcpy(t->pins[i].sha256, p->sha256, 32);
			continue;
		}
		const struct tls_file f = { .path = p->cert_path, .origin = p->origin };
		gnutls_datum_t d, der = { 0 };
		gnutls_x509_crt_t crt;
		int r = load(&f, "client certificate", &d, err, errlen);
		if (r)
			return r;
		r = gnutls_x509_crt_init(&crt);
		if (!r) {
			r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
			if (r < 0)
				r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER);
			if (!r)
				r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
			gnutls_x509_crt_deinit(crt);
		}
		gnutls_free(d.data);
		if (!r)
			r = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, t->pins[i].sha256);
		gnutls_free(der.data);
		if (r < 0)
			return fail(err, errlen, -EINVAL, "%s: client certificate %s: %s", p->origin,
				    p->cert_path, gnutls_strerror(r));
	}
	t->n_pins = cfg->n_pins;
	return 0;
}

/* The priority string parses, and allows nothing the standard forbids
 * (IEC 62351-3 Ed.2: nothing below TLS 1.2; never the NULL cipher). */
static int load_priority(struct tls_server *t, const struct tls_server_cfg *cfg, char *err,
			 size_t errlen)
{
	const char *p = cfg->priority ? cfg->priority : TLS_DEFAULT_PRIORITY;
	const char *origin = cfg->priority_origin ? cfg->priority_origin : "TLS priority";
	const char *pos = NULL;
	const unsigned *list;
	int r = gnutls_priority_init(&t->prio, p, &pos);
	if (r < 0)
		return fail(err, errlen, -EINVAL, "%s: priority string: %s at \"%.40s\"", origin,
			    gnutls_strerror(r), pos ? pos : p);
	int n = gnutls_priority_protocol_list(t->prio, &list);
	bool v12 = false, v13 = false;
	for (int i = 0; i < n; i++) {
		if (list[i] == GNUTLS_TLS1_2)
			v12 = true;
		else if (list[i] == GNUTLS_TLS1_3)
			v13 = true;
		else
			return fail(err, errlen, -EINVAL, "%s: priority string enables %s: IEC 62351-3 "
				    "allows TLS 1.2 and 1.3 only (remove it, e.g. -VERS-ALL:"
				    "+VERS-TLS1.3:+VERS-TLS1.2)", origin,
				    gnutls_protocol_get_name((gnutls_protocol_t)list[i]));
	}
	if (!v12 && !v13)
		return fail(err, errlen, -EINVAL, "%s: priority string enables neither TLS 1.2 nor "
			    "TLS 1.3", origin);
	n = gnutls_priority_cipher_list(t->prio, &list);
	for (int i = 0; i < n; i++)
		if (list[i] == GNUTLS_CIPHER_NULL)
			return fail(err, errlen, -EINVAL, "%s: priority string enables the NULL "
				    "cipher, which is never allowed", origin);
	if (n <= 0)
		return fail(err, errlen, -EINVAL, "%s: priority string enables no cipher", origin);
	snprintf(t->summary, sizeof(t->summary), "%s%s%s, %s priority", v13 ? "TLS 1.3" : "",
		 v12 && v13 ? " and " : "", v12 ? "TLS 1.2" : "",
		 cfg->priority ? "configured" : "default (IEC 62351-3)");
	return 0;
}

int tls_server_new(const struct tls_server_cfg *cfg, struct tls_server **out, char *err,
		   size_t errlen)
{
	struct tls_server *t = calloc(1, sizeof(*t));
	int r;
	if (!t || gnutls_certificate_allocate_credentials(&t->cred) < 0) {
		free(t);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	t->auth = cfg->auth;
	t->allow_rsa1024 = cfg->allow_rsa1024;
	t->rekey_us = (uint64_t)cfg->rekey_s * 1000000u;
	t->rekey_bytes = cfg->rekey_bytes;
	t->grace_us = (uint64_t)(cfg->rekey_grace_s ? cfg->rekey_grace_s : 1) * 1000000u;
	t->resume_s = cfg->resume_s;
	if (t->resume_s && (gnutls_session_ticket_key_generate(&t->ticket_key) < 0 ||
			    !(t->cache = calloc(TLS_SESSION_CACHE, sizeof(*t->cache))))) {
		r = fail(err, errlen, -ENOMEM, "out of memory");
		goto bad;
	}
	if ((r = load_cert_key(t, cfg, err, errlen)) || (r = load_ca_crl(t, cfg, err, errlen)) ||
	    (r = load_pins(t, cfg, err, errlen)) || (r = load_priority(t, cfg, err, errlen)))
		goto bad;
	if (t->auth == TLS_AUTH_CHAIN && !t->have_ca) {
		r = fail(err, errlen, -EINVAL, "%s: client certificates are validated against "
			 "CAs, and no <ca file> is given", cfg->cert.origin);
		goto bad;
	}
	if (t->auth == TLS_AUTH_PINNED && !t->n_pins) {
		r = fail(err, errlen, -EINVAL, "%s: clientAuth=\"pinned\" and no <client> is given",
			 cfg->cert.origin);
		goto bad;
	}
	/* TLS 1.2 DHE: the RFC 7919 group of the medium level */
	gnutls_certificate_set_known_dh_params(t->cred, GNUTLS_SEC_PARAM_MEDIUM);
	gnutls_certificate_set_verify_function(t->cred, verify_client);
	*out = t;
	return 0;
bad:
	tls_server_free(t);
	return r;
}

void tls_server_free(struct tls_server *t)
{
	if (!t)
		return;
	if (t->prio)
		gnutls_priority_deinit(t->prio);
	gnutls_certificate_free_credentials(t->cred);
	free(t->pins);
	for (size_t i = 0; i < t->n_crls; i++)
		gnutls_x509_crl_deinit(t->crls[i]);
	free(t->crls);
	if (t->cache)
		for (size_t i = 0; i < TLS_SESSION_CACHE; i++)
			gnutls_free(t->cache[i].data.data);
	free(t->cache);
	if (t->ticket_key.data) {
		gnutls_memset(t->ticket_key.data, 0, t->ticket_key.size);
		gnutls_free(t->ticket_key.data);
	}
	free(t);
}

/* ---- resumption by session ID (TLS 1.2 without tickets) ----------------- */

static struct cache_ent *cache_find(struct tls_server *t, gnutls_datum_t key)
{
	if (!key.size || key.size > GNUTLS_MAX_SESSION_ID_SIZE)
		return NULL;
	for (size_t i = 0; i < TLS_SESSION_CACHE; i++)
		if (t->cache[i].data.data && t->cache[i].klen == key.size &&
		    !memcmp(t->cache[i].key, key.data, key.size))
			return &t->cache[i];
	return NULL;
}

static int cache_store(void *ptr, gnutls_datum_t key, gnutls_datum_t data)
{
	struct tls_server *t = ptr;
	if (!key.size || key.size > GNUTLS_MAX_SESSION_ID_SIZE)
		return -1;
	struct cache_ent *e = cache_find(t, key);
	if (!e) {
		e = &t->cache[t->cache_next];
		t->cache_next = (t->cache_next + 1) % TLS_SESSION_CACHE;
	}
	uint8_t *copy = gnutls_malloc(data.size);
	if (!copy)
		return -1;
	memcpy(copy, data.data, data.size);
	gnutls_free(e->data.data);
	memcpy(e->key, key.data, key.size);
	e->klen = (uint8_t)key.size;
	e->data = (gnutls_datum_t){ .data = copy, .size = data.size };
	return 0;
}

/* GnuTLS checks the entry's age against the expiration itself. */
static gnutls_datum_t cache_retrieve(void *ptr, gnutls_datum_t key)
{
	gnutls_datum_t out = { 0 };
	struct cache_ent *e = cache_find(ptr, key);
	if (e && (out.data = gnutls_malloc(e->data.size))) {
		memcpy(out.data, e->data.data, e->data.size);
		out.size = e->data.size;
	}
	return out;
}

static int cache_remove(void *ptr, gnutls_datum_t key)
{
	struct cache_ent *e = cache_find(ptr, key);
	if (!e)
		return -1;
	gnutls_free(e->data.data);
	e->data = (gnutls_datum_t){ 0 };
	return 0;
}

/* ---- established sessions after a reload --------------------------------- */

size_t tls_server_recheck(struct tls_server *t, const struct tls_server *crls, int64_t now_s)
{
	size_t marked = 0;
	for (struct tls_conn *c = t->conns; c; c = c->next) {
		unsigned n = 0;
		const gnutls_datum_t *chain;
		gnutls_x509_crt_t crt;
		if (!c->established || c->kill || !(chain = gnutls_certificate_get_peers(c->s, &n)) ||
		    !n || gnutls_x509_crt_init(&crt) < 0)
			continue;
		if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) == 0) {
			if (crls->n_crls &&
			    gnutls_x509_crt_check_revocation(crt, crls->crls, (unsigned)crls->n_crls) == 1)
				c->kill = "certificate revoked";
			else if (gnutls_x509_crt_get_expiration_time(crt) < (time_t)now_s)
				c->kill = "certificate expired";
		}
		gnutls_x509_crt_deinit(crt);
		marked += c->kill != NULL;
	}
	return marked;
}

const char *tls_server_summary(const struct tls_server *t)
{
	return t->summary;
}

/* ---- the client's certificate ------------------------------------------- */

static int refuse(struct tls_conn *c, const char *why, const char *fmt, ...)
{
	va_list ap;
	c->why = why;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return -1;
}

/* RSA 2048 and up, ECDSA P-256; RSA 1024..2047 only when allowed, and then
 * a warning at every handshake. */
static int check_key(struct tls_conn *c, gnutls_x509_crt_t crt)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	if (pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS) {
		if (bits >= 2048)
			return 0;
		if (bits >= 1024 && c->srv->allow_rsa1024) {
			log_msg(LOGL_WARNING, LOGC_TLS, "%s: weak key: client certificate '%s' has an "
				"RSA key of %u bits, accepted only because allowRsa1024 is set",
				c->peer, c->client, bits);
			return 0;
		}
		return refuse(c, "certificate key too weak", "RSA key of %u bits (2048 needed%s)", bits,
			      bits >= 1024 ? "; allowRsa1024 is not set" : "");
	}
	if (pk == GNUTLS_PK_ECDSA) {
		gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
		gnutls_datum_t x = { 0 }, y = { 0 };
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) == 0) {
			gnutls_free(x.data);
			gnutls_free(y.data);
		}
		if (curve == GNUTLS_ECC_CURVE_SECP256R1)
			return 0;
		return refuse(c, "certificate key not allowed", "ECDSA on %s (P-256 needed)",
			      gnutls_ecc_curve_get_name(curve) ? gnutls_ecc_curve_get_name(curve) :
								 "an unknown curve");
	}
	return refuse(c, "certificate key not allowed", "a %s key (RSA or ECDSA P-256 needed)",
		      gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) ?
			      gnutls_pk_get_name((gnutls_pk_algorithm_t)pk) : "unknown");
}

static const char *status_event(unsigned st)
{
	if (st & GNUTLS_CERT_REVOKED)
		return "certificate revoked";
	if (st & GNUTLS_CERT_EXPIRED)
		return "certificate expired";
	if (st & GNUTLS_CERT_NOT_ACTIVATED)
		return "certificate not yet valid";
	if (st & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return "certificate not trusted";
	if (st & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "certificate insecure algorithm";
	if (st & GNUTLS_CERT_PURPOSE_MISMATCH)
		return "certificate purpose mismatch";
	return "certificate invalid";
}

/* The roles of the IEC 62351-8 access token in the client's certificate
 * (authz.h AUTHZ_ROLES_OID), for expected clients with certificateRoles.
 * An extension that does not decode gives no roles (a warning), and ends
 * the handshake when it is marked critical. */
static int cert_roles(struct tls_conn *c, gnutls_x509_crt_t crt, const char *subject)
{
	gnutls_datum_t ext = { 0 };
	unsigned critical = 0;
	if (gnutls_x509_crt_get_extension_by_oid2(crt, AUTHZ_ROLES_OID, 0, &ext, &critical) < 0)
		return 0; /* none */
	struct authz_cert_role roles[AUTHZ_MAX_CERT_ROLES];
	char why[160] = "";
	int n = authz_decode_cert_roles(ext.data, ext.size, roles, AUTHZ_MAX_CERT_ROLES, why,
					sizeof(why));
	gnutls_free(ext.data);
	if (n < 0) {
		if (critical)
			return refuse(c, "certificate invalid", "'%s': its IEC 62351-8 role "
				      "extension (critical): %s", subject, why);
		log_msg(LOGL_WARNING, LOGC_TLS, "%s: client '%s': IEC 62351-8 role extension "
			"not understood (%s): no roles from it", c->peer, subject, why);
		return 0;
	}
	size_t ignored = authz_peer_cert_roles(c->who, roles, (size_t)n, (int64_t)time(NULL));
	log_msg(LOGL_INFO, LOGC_TLS, "%s: client '%s': %d IEC 62351-8 role(s) in the "
		"certificate, %zu ignored (expired, not yet valid, another area of "
		"responsibility or an unknown role ID)", c->peer, subject, n, ignored);
	return 0;
}

/* GnuTLS's verify callback, inside the handshake: 0 accepts, -1 ends the
 * handshake with a bad_certificate alert; c->why says why for the log. */
static int verify_client(gnutls_session_t s)
{
	struct tls_conn *c = gnutls_session_get_ptr(s);
	struct tls_server *t = c->srv;
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);
	gnutls_x509_crt_t crt = NULL;
	int r = -1;

	if (!chain || !n)
		return refuse(c, "certificate unavailable", "the client sent no certificate");
	for (unsigned i = 0; i < n; i++)
		if (chain[i].size > TLS_MAX_CERT_SIZE)
			return refuse(c, "certificate size exceeded", "certificate %u of the chain has "
				      "%u octets (at most %d)", i, chain[i].size, TLS_MAX_CERT_SIZE);
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0) {
		r = refuse(c, "certificate invalid", "the client's certificate does not parse");
		goto out;
	}
	gnutls_datum_t dn = { 0 };
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		snprintf(c->client, sizeof(c->client), "%.*s", (int)dn.size, (const char *)dn.data);
		gnutls_free(dn.data);
	}
	if (t->auth == TLS_AUTH_PINNED) {
		uint8_t h[32];
		size_t k;
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[0].data, chain[0].size, h) < 0) {
			r = refuse(c, "certificate invalid", "cannot hash it");
			goto out;
		}
		for (k = 0; k < t->n_pins; k++)
			if (!memcmp(h, t->pins[k].sha256, 32))
				break;
		if (k == t->n_pins) {
			r = refuse(c, "unknown client", "'%s' is not one of the expected clients' "
				   "certificates", c->client);
			goto out;
		}
		if (t->pins[k].name[0])
			snprintf(c->client, sizeof(c->client), "%s", t->pins[k].name);
		time_t now = time(NULL);
		if (gnutls_x509_crt_get_expiration_time(crt) < now) {
			r = refuse(c, "certificate expired", "pinned certificate of '%s'", c->client);
			goto out;
		}
		if (gnutls_x509_crt_get_activation_time(crt) > now) {
			r = refuse(c, "certificate not yet valid", "pinned certificate of '%s'",
				   c->client);
			goto out;
		}
	}
	if (t->auth == TLS_AUTH_CHAIN || t->have_ca) {
		unsigned st = 0;
		gnutls_typed_vdata_st vd = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
					     .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
		int v = gnutls_certificate_verify_peers(s, &vd, 1, &st);
		if (v < 0) {
			r = refuse(c, "certificate invalid", "%s", gnutls_strerror(v));
			goto out;
		}
		if (st) {
			gnutls_datum_t txt = { 0 };
			gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509, &txt, 0);
			r = refuse(c, status_event(st), "'%s': %s", c->client,
				   txt.data ? (const char *)txt.data : "invalid");
			gnutls_free(txt.data);
			goto out;
		}
	}
	r = check_key(c, crt);
	if (!r && c->who) {
		uint8_t h[32];
		char subject[256] = "";
		gnutls_datum_t sd = { 0 };
		if (gnutls_x509_crt_get_dn3(crt, &sd, 0) == 0) {
			snprintf(subject, sizeof(subject), "%.*s", (int)sd.size, (const char *)sd.data);
			gnutls_free(sd.data);
		}
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[0].data, chain[0].size, h) < 0)
			r = refuse(c, "certificate invalid", "cannot hash it");
		else if (!authz_peer_cert(c->who, h, subject))
			r = refuse(c, "unknown client", "'%s' is the certificate of no expected "
				   "client (<clients>)", subject);
		else
			r = cert_roles(c, crt, subject);
	}
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return r;
}

/* ---- the layer ---------------------------------------------------------- */

static ssize_t tls_pull(gnutls_transport_ptr_t p, void *data, size_t size)
{
	struct tls_conn *c = p;
	if (!c->in_len) {
		gnutls_transport_set_errno(c->s, EAGAIN);
		return -1;
	}
	size_t n = size < c->in_len ? size : c->in_len;
	memcpy(data, c->in, n);
	c->in += n;
	c->in_len -= n;
	return (ssize_t)n;
}

static ssize_t tls_push(gnutls_transport_ptr_t p, const void *data, size_t size)
{
	struct tls_conn *c = p;
	if (!c->out)
		return (ssize_t)size; /* outside unwrap/wrap (deinit): nothing goes out */
	if (buf_put(c->out, data, size)) {
		gnutls_transport_set_errno(c->s, ENOMEM);
		return -1;
	}
	return (ssize_t)size;
}

/* The event name of a failed handshake for the log (IEC 62351-14 words
 * where they exist). */
static const char *handshake_event(int r)
{
	switch (r) {
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
		return "insecure TLS version";
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
	case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
		return "no matching cipher suites";
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		return "certificate unavailable";
	case GNUTLS_E_SAFE_RENEGOTIATION_FAILED:
	case GNUTLS_E_UNSAFE_RENEGOTIATION_DENIED:
		return "insecure renegotiation";
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
	case GNUTLS_E_DECRYPTION_FAILED:
	case GNUTLS_E_RECORD_OVERFLOW:
		return "malformed TLS record";
	default:
		return "TLS handshake failed";
	}
}

/* One TLS event: logged once ("PEER: WHAT") and kept for the audit trail
 * of the association's end (conn_layer_why: "TLS WHAT"). */
__attribute__((format(printf, 3, 4)))
static void tls_event(struct tls_conn *c, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->reason, sizeof(c->reason), "TLS ");
	va_start(ap, fmt);
	vsnprintf(c->reason + n, sizeof(c->reason) - (size_t)n, fmt, ap);
	va_end(ap);
	log_msg(level, LOGC_TLS, "%s: %s", c->peer, c->reason + n);
}

static int handshake_failed(struct tls_conn *c, int r)
{
	if (c->why)
		tls_event(c, LOGL_WARNING, "%s: %s; handshake refused", c->why, c->detail);
	else
		tls_event(c, LOGL_WARNING, "%s: %s", handshake_event(r), gnutls_strerror(r));
	/* GnuTLS leaves the alert to the application: it goes out before
	 * the close (conn.c sends what unwrap produced, also on failure) */
	(void)gnutls_alert_send_appropriate(c->s, r);
	return r == GNUTLS_E_CERTIFICATE_ERROR || c->why ? -EACCES : -EPROTO;
}

/* plain[len] as records into c->out (set by the caller); 0 or a negative
 * errno. */
static int send_records(struct tls_conn *c, const uint8_t *plain, size_t len)
{
	while (len) {
		ssize_t n = gnutls_record_send(c->s, plain, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue; /* push never blocks: only a retry */
		if (n < 0)
			return c->out->err ? c->out->err : -EPROTO;
		plain += n;
		len -= (size_t)n;
	}
	return 0;
}

/* After the handshake: what the priority already excludes is checked once
 * more, so a lax priority string cannot let it through. A resumed session
 * sent no certificate: the one it resumes is checked again as in a full
 * handshake (revocation, expiry, pins and expected clients as they are
 * now). After a renegotiation, what the session held back goes out. */
static int handshake_done(struct tls_conn *c)
{
	gnutls_protocol_t v = gnutls_protocol_get_version(c->s);
	if (v != GNUTLS_TLS1_2 && v != GNUTLS_TLS1_3) {
		tls_event(c, LOGL_WARNING, "insecure TLS version: %s", gnutls_protocol_get_name(v));
		return -EPROTO;
	}
	if (gnutls_cipher_get(c->s) == GNUTLS_CIPHER_NULL) {
		tls_event(c, LOGL_WARNING, "no matching cipher suites: NULL cipher");
		return -EPROTO;
	}
	if (v == GNUTLS_TLS1_2 && !gnutls_safe_renegotiation_status(c->s)) {
		tls_event(c, LOGL_WARNING, "insecure renegotiation: the client does not support "
			  "RFC 5746");
		return -EPROTO;
	}
	bool resumed = gnutls_session_is_resumed(c->s);
	if (resumed && verify_client(c->s)) {
		tls_event(c, LOGL_WARNING, "%s: %s; resumption refused", c->why, c->detail);
		(void)gnutls_alert_send(c->s, GNUTLS_AL_FATAL, GNUTLS_A_BAD_CERTIFICATE);
		return -EACCES;
	}
	char *desc = gnutls_session_get_desc(c->s);
	log_msg(LOGL_INFO, LOGC_TLS, "%s: TLS %s %s, client '%s'", c->peer,
		c->renegotiating ? "renegotiated" : resumed ? "resumed" : "established",
		desc ? desc : gnutls_protocol_get_name(v), c->client);
	gnutls_free(desc);
	c->epoch_us = 0;
	c->bytes = 0;
	c->reneg_by = 0;
	if (c->renegotiating) {
		c->renegotiating = false;
		int r = send_records(c, buf_data(&c->held), c->held.len);
		buf_clear(&c->held);
		if (r)
			return r;
	}
	return 0;
}

static int tls_unwrap(void *ctx, const uint8_t *wire, size_t len, struct buf *plain,
		      struct buf *wire_out)
{
	struct tls_conn *c = ctx;
	int r = 0;

	if (c->closed)
		return 0;
	c->in = wire;
	c->in_len = len;
	c->out = wire_out;
	for (;;) {
		if (!c->established) {
			c->why = NULL;
			int h = gnutls_handshake(c->s);
			if (h == GNUTLS_E_AGAIN || h == GNUTLS_E_INTERRUPTED)
				break;
			if (h < 0) {
				if (!gnutls_error_is_fatal(h))
					continue;
				r = handshake_failed(c, h);
				break;
			}
			if ((r = handshake_done(c)))
				break;
			c->established = true;
		}
		uint8_t *p = buf_reserve(plain, TLS_RECORD_MAX);
		if (!p) {
			r = plain->err;
			break;
		}
		ssize_t n = gnutls_record_recv(c->s, p, TLS_RECORD_MAX);
		if (n > 0) {
			plain->len += (size_t)n;
			c->bytes += (size_t)n;
			continue;
		}
		if (n == 0) {
			/* close_notify: the TCP close follows */
			c->closed = true;
			break;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n == GNUTLS_E_REHANDSHAKE) {
			/* a TLS 1.2 client renegotiates (RFC 5746 secure only,
			 * as the priority requires), on its own or after our
			 * HelloRequest: the client's certificate is verified
			 * again; what the session sends meanwhile is held */
			c->established = false;
			c->renegotiating = true;
			continue;
		}
		if (n == GNUTLS_E_WARNING_ALERT_RECEIVED &&
		    gnutls_alert_get(c->s) == GNUTLS_A_NO_RENEGOTIATION && c->reneg_by) {
			log_msg(LOGL_WARNING, LOGC_TLS, "%s: the client refuses to renegotiate "
				"(no_renegotiation alert): it is disconnected when the grace "
				"time ends", c->peer);
			continue;
		}
		if (!gnutls_error_is_fatal((int)n))
			continue;
		tls_event(c, LOGL_NOTICE, "%s: %s", handshake_event((int)n), gnutls_strerror((int)n));
		r = -EPROTO;
		break;
	}
	c->out = NULL;
	c->in = NULL;
	c->in_len = 0;
	return r;
}

static int tls_wrap(void *ctx, const uint8_t *plain, size_t len, struct buf *wire_out)
{
	struct tls_conn *c = ctx;
	if (c->renegotiating || c->reneg_by) {
		/* From our HelloRequest to the end of the renegotiation the
		 * session's output waits: a GnuTLS client that gets application
		 * data before our ServerHello takes it for a refusal and starts
		 * its handshake over (an unexpected-packet failure). */
		if (c->held.len + len > TLS_HELD_MAX) {
			tls_event(c, LOGL_WARNING, "renegotiation interval expired: client '%s' "
				  "did not renegotiate while more than " TLS_HELD_MAX_TEXT " of "
				  "output waited for it; disconnected", c->client);
			return -ENOBUFS;
		}
		return buf_put(&c->held, plain, len) ? -ENOMEM : 0;
	}
	if (!c->established)
		return 0; /* nothing of the session goes out before the handshake (an abort) */
	c->bytes += len;
	c->out = wire_out;
	int r = send_records(c, plain, len);
	c->out = NULL;
	return r;
}

/* Key renewal (tls.h TLS_DEFAULT_REKEY_S): TLS 1.2 a HelloRequest, and the
 * client has the grace time to begin the handshake (both directions get
 * new keys); TLS 1.3 a KeyUpdate of iedd's sending keys. Not with
 * update_requested: GnuTLS 3.7.9 as a server then decrypts the client's
 * next record with the wrong keys (seen with iedc, gnutls-cli and OpenSSL
 * peers; doc/tls.md). A client's own KeyUpdate, requested or not, is
 * answered by GnuTLS. */
static int renew_keys(struct tls_conn *c, uint64_t now, const char *after)
{
	if (gnutls_protocol_get_version(c->s) == GNUTLS_TLS1_3) {
		int r = gnutls_session_key_update(c->s, 0);
		if (r < 0) {
			tls_event(c, LOGL_WARNING, "key update failed: %s", gnutls_strerror(r));
			return -EPROTO;
		}
		log_msg(LOGL_INFO, LOGC_TLS, "%s: TLS 1.3 key update (after %s)", c->peer, after);
		c->epoch_us = now;
		c->bytes = 0;
		return 0;
	}
	int r = gnutls_rehandshake(c->s);
	if (r < 0) {
		tls_event(c, LOGL_WARNING, "renegotiation request failed: %s", gnutls_strerror(r));
		return -EPROTO;
	}
	log_msg(LOGL_INFO, LOGC_TLS, "%s: TLS 1.2 renegotiation requested (after %s)", c->peer,
		after);
	c->reneg_by = now + c->srv->grace_us;
	return 0;
}

static int tls_tick(void *ctx, uint64_t now, struct buf *wire_out, uint64_t *next)
{
	struct tls_conn *c = ctx;
	struct tls_server *t = c->srv;
	*next = UINT64_MAX;
	if (c->kill) {
		tls_event(c, LOGL_WARNING, "%s: client '%s'; the session ends (new CRLs)", c->kill,
			  c->client);
		c->out = wire_out;
		(void)gnutls_alert_send(c->s, GNUTLS_AL_FATAL, !strcmp(c->kill, "certificate revoked") ?
					GNUTLS_A_CERTIFICATE_REVOKED : GNUTLS_A_CERTIFICATE_EXPIRED);
		c->out = NULL;
		return -EACCES;
	}
	if (c->closed || !c->established)
		return 0; /* the association timeout bounds a handshake */
	if (c->reneg_by) {
		if (now < c->reneg_by) {
			*next = c->reneg_by;
			return 0;
		}
		tls_event(c, LOGL_WARNING, "renegotiation interval expired: client '%s' did not "
			  "renegotiate within %llu s of the request; disconnected", c->client,
			  (unsigned long long)(t->grace_us / 1000000u));
		return -ETIMEDOUT;
	}
	if (!c->epoch_us)
		c->epoch_us = now;
	const char *after = NULL;
	char why[48];
	if (t->rekey_us && now - c->epoch_us >= t->rekey_us) {
		snprintf(why, sizeof(why), "%llu s", (unsigned long long)(t->rekey_us / 1000000u));
		after = why;
	} else if (t->rekey_bytes && c->bytes >= t->rekey_bytes) {
		snprintf(why, sizeof(why), "%llu octets", (unsigned long long)c->bytes);
		after = why;
	}
	if (after) {
		c->out = wire_out;
		int r = renew_keys(c, now, after);
		c->out = NULL;
		if (r)
			return r;
	}
	*next = c->reneg_by ? c->reneg_by : t->rekey_us ? c->epoch_us + t->rekey_us : UINT64_MAX;
	return 0;
}

/* close_notify, when the session is up and the client did not close. */
static void tls_close(void *ctx, struct buf *wire_out)
{
	struct tls_conn *c = ctx;
	if (!c->established || c->closed)
		return;
	c->out = wire_out;
	(void)gnutls_bye(c->s, GNUTLS_SHUT_WR);
	c->out = NULL;
}

static const char *tls_why(void *ctx)
{
	struct tls_conn *c = ctx;
	return c->reason[0] ? c->reason : NULL;
}

static void tls_conn_free(void *ctx)
{
	struct tls_conn *c = ctx;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	gnutls_deinit(c->s);
	buf_clear(&c->held);
	free(c);
}

static const struct conn_layer_ops tls_layer = {
	.name = "tls",
	.unwrap = tls_unwrap,
	.wrap = tls_wrap,
	.free = tls_conn_free,
	.tick = tls_tick,
	.close = tls_close,
	.why = tls_why,
};

int tls_conn_attach(struct tls_server *t, struct conn *conn, const char *peer,
		    struct authz_peer *who)
{
	const struct conn_layer_ops *ops;
	void *ctx;
	int r = tls_layer_new(t, peer, who, &ops, &ctx);
	if (r)
		return r;
	conn_set_layer(conn, ops, ctx);
	return 0;
}

int tls_layer_new(struct tls_server *t, const char *peer, struct authz_peer *who,
		  const struct conn_layer_ops **ops, void **ctx)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->srv = t;
	c->who = who;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	unsigned flags = GNUTLS_SERVER | GNUTLS_NONBLOCK | (t->resume_s ? 0 : GNUTLS_NO_TICKETS);
	if (gnutls_init(&c->s, flags) < 0) {
		free(c);
		return -ENOMEM;
	}
	if (gnutls_priority_set(c->s, t->prio) < 0 ||
	    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, t->cred) < 0 ||
	    (t->resume_s && gnutls_session_ticket_enable_server(c->s, &t->ticket_key) < 0)) {
		gnutls_deinit(c->s);
		free(c);
		return -ENOMEM;
	}
	/* IEC 62351-3: mutual authentication, always */
	gnutls_certificate_server_set_request(c->s, GNUTLS_CERT_REQUIRE);
	if (t->resume_s) {
		/* tickets (TLS 1.3 and 1.2) and session IDs (TLS 1.2), both
		 * valid for resume_s; GnuTLS rotates the ticket keys */
		gnutls_db_set_cache_expiration(c->s, (int)t->resume_s);
		gnutls_db_set_ptr(c->s, t);
		gnutls_db_set_store_function(c->s, cache_store);
		gnutls_db_set_retrieve_function(c->s, cache_retrieve);
		gnutls_db_set_remove_function(c->s, cache_remove);
	}
	gnutls_session_set_ptr(c->s, c);
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_pull_function(c->s, tls_pull);
	gnutls_transport_set_push_function(c->s, tls_push);
	/* the association timeout of server.c bounds the handshake */
	gnutls_handshake_set_timeout(c->s, GNUTLS_INDEFINITE_TIMEOUT);
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
	*ops = &tls_layer;
	*ctx = c;
	return 0;
}
