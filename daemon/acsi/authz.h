/* SPDX-License-Identifier: Apache-2.0 */
/* Who may do what: the expected clients and role-based access control per
 * IEC 62351-8 (doc/security.md). A pure function asked by every service;
 * no I/O, no clock.
 *
 * A policy holds the roles (the seven of IEC 62351-8 with their rights,
 * plus any the configuration defines), rules that grant or deny rights
 * per role and scope (LD, LN class, FC), and the expected clients: each
 * with a name, its roles and how it is recognised (source address or
 * subnet, TLS certificate fingerprint or subject, calling AP-title and
 * AE-qualifier, ACSE password).
 *
 * A connection narrows the set of clients it may be, layer by layer:
 * authz_peer_begin at TCP accept (address), authz_peer_cert after the TLS
 * handshake, authz_peer_associate at the AARQ; a set that becomes empty
 * refuses the connection at that layer. The association then acts as the
 * first remaining client (in configuration order), with the union of its
 * roles' rights. Without a client list (policy NULL or !enabled) every
 * check allows everything, as before. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mms_codes.h"

/* IEC 62351-8 rights, in the order of its table. */
#define AUTHZ_RIGHT_TABLE(X)                                                                      \
	X(AZ_VIEW, "VIEW") X(AZ_READ, "READ") X(AZ_DATASET, "DATASET")                             \
	X(AZ_REPORTING, "REPORTING") X(AZ_FILEREAD, "FILEREAD") X(AZ_FILEWRITE, "FILEWRITE")       \
	X(AZ_FILEMNGT, "FILEMNGT") X(AZ_CONTROL, "CONTROL") X(AZ_CONFIG, "CONFIG")                 \
	X(AZ_SETTINGGROUP, "SETTINGGROUP") X(AZ_SECURITY, "SECURITY")
#define AUTHZ_RIGHT_ENUM_(e, s) e,
enum authz_right { AUTHZ_RIGHT_TABLE(AUTHZ_RIGHT_ENUM_) AZ_N };
#define AZ_BIT(r) ((uint16_t)(1u << (r)))
#define AZ_ALL ((uint16_t)((1u << AZ_N) - 1))

/* "VIEW", ...; NULL out of range. */
const char *authz_right_name(enum authz_right r);
/* A space- or comma-separated list of right names into *mask (or "ALL");
 * returns 0, or -EINVAL with *bad pointing at the word not known. */
int authz_parse_rights(const char *s, uint16_t *mask, const char **bad);

#define AUTHZ_MAX_ROLES 32
#define AUTHZ_MAX_RULES 256
#define AUTHZ_MAX_CLIENTS 64	/* one bit each in a candidate set */
#define AUTHZ_MAX_NETS 8
#define AUTHZ_MAX_ARCS 16
#define AUTHZ_NAME 64

struct authz_role {
	char name[AUTHZ_NAME];
	uint16_t rights;
};

/* A rule: for the roles in `roles`, on objects in its scope (an empty
 * ld/ln_class and FC_NONE match everything), rights in `grant` are added
 * and rights in `deny` taken away. Rules apply in order; a later one wins. */
struct authz_rule {
	uint32_t roles;
	char ld[65];
	char ln_class[8];
	uint8_t fc;
	uint16_t grant, deny;
	char origin[48];	/* "iedd.xml:40", for messages */
};

struct authz_net {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;		/* bits */
	uint8_t addr[16];
};

struct authz_client {
	char name[AUTHZ_NAME];
	uint32_t roles;		/* bits into policy.roles */
	char origin[48];
	/* recognition: every criterion given must match (none given: any peer) */
	size_t n_nets;
	struct authz_net nets[AUTHZ_MAX_NETS];
	bool has_fingerprint;
	uint8_t sha256[32];	/* SHA-256 of the certificate's DER */
	char subject[256];	/* the certificate's subject DN as GnuTLS prints it (RFC 4514) */
	size_t ap_title_n;
	uint32_t ap_title[AUTHZ_MAX_ARCS];
	bool has_ae_qualifier;
	int64_t ae_qualifier;
	char password[160];	/* salted hash ("$pbkdf2-sha256$..."); "" none */
	bool cert_roles;	/* also the roles its certificate's IEC 62351-8 extension gives */
};

/* Checks an ACSE password against a stored hash: true when it matches. */
typedef bool (*authz_password_fn)(const char *hash, const uint8_t *pw, size_t len);

struct authz_policy {
	bool enabled;		/* a client list is configured: enforce */
	size_t n_roles, n_rules, n_clients;
	struct authz_role roles[AUTHZ_MAX_ROLES];
	struct authz_rule rules[AUTHZ_MAX_RULES];
	struct authz_client clients[AUTHZ_MAX_CLIENTS];
	authz_password_fn password_ok;	/* the daemon's (passwd.h); NULL: passwords never match */
	char aor[65];		/* <clients areaOfResponsibility>: certificate roles for
				 * another area are ignored; "" accepts any */
};

/* Fills the seven roles of IEC 62351-8 with their default rights (doc/
 * security.md); no rules, no clients, not enabled. */
void authz_policy_init(struct authz_policy *p);
/* The role named `name` (case-sensitive), or -1. */
int authz_find_role(const struct authz_policy *p, const char *name);
/* Adds a role of the configuration; -ENOSPC when full, -EEXIST if named. */
int authz_add_role(struct authz_policy *p, const char *name, uint16_t rights);
/* A space- or comma-separated list of role names into *mask; returns 0,
 * or -EINVAL with *bad at the first unknown name. */
int authz_parse_roles(const struct authz_policy *p, const char *s, uint32_t *mask,
		      const char **bad);
/* "10.0.0.0/8", "192.168.1.5", "::1", "fd00::/8" into *n; 0 or -EINVAL. */
int authz_parse_net(const char *s, struct authz_net *n);

/* One connection's identity as it is established. */
struct authz_peer {
	const struct authz_policy *pol;	/* NULL or !pol->enabled: everything allowed */
	uint64_t cand;		/* clients it may still be */
	int client;		/* index once associated, -1 before */
	uint32_t roles;
	uint16_t rights;	/* the roles' rights before scoped rules */
	bool scoped;		/* some rule with a scope names one of its roles */
	char subject[256];	/* its TLS certificate's subject, "" none */
	bool cert_checked;	/* authz_peer_cert ran: TLS, clients needing a certificate may match */
	uint32_t cert_roles;	/* roles its certificate gives (authz_peer_cert_roles) */
};

/* At TCP accept: `addr` is 4 or 16 octets (family 4 or 6). Returns false
 * when no expected client may connect from there. */
bool authz_peer_begin(struct authz_peer *ap, const struct authz_policy *pol, int family,
		      const uint8_t *addr);
/* After the TLS handshake: the peer's certificate (its DER's SHA-256 and
 * subject DN). Returns false when no remaining client has it. */
bool authz_peer_cert(struct authz_peer *ap, const uint8_t sha256[32], const char *subject);

/* The IEC 62351-8 access token in an X.509 certificate (Ed.1 §9.5.1): the
 * non-critical extension id-IECuserRoles, whose value is
 *   IECUserRoles ::= SEQUENCE OF UserRoleInfo
 *   UserRoleInfo ::= SEQUENCE { userRole SEQUENCE OF RoleId, aor UTF8String,
 *       revision INTEGER, validFrom GeneralizedTime, validTo GeneralizedTime,
 *       ... }      RoleId ::= INTEGER (-32768..32767)
 * (a userRole of one bare INTEGER is read too; components after validTo
 * are skipped). Role IDs 0..6 are VIEWER, OPERATOR, ENGINEER, INSTALLER,
 * SECADM, SECAUD, RBACMNT (62351-8 Ed.1 Table 2). */
#define AUTHZ_ROLES_OID "1.2.840.10070.8.1"
#define AUTHZ_MAX_CERT_ROLES 16
struct authz_cert_role {
	int32_t id;
	char aor[65];
	int64_t revision;
	int64_t from_s, to_s;	/* validity, UTC seconds */
};
/* Decodes the extension's value (DER, len octets): one entry per role ID,
 * at most `max`. Returns how many, or -EBADMSG with err[errlen] saying
 * what is wrong (bounded: no read past len, nesting limited). */
int authz_decode_cert_roles(const uint8_t *der, size_t len, struct authz_cert_role *out,
			    size_t max, char *err, size_t errlen);
/* After authz_peer_cert: the roles of the decoded entries that are valid
 * at now_s, for this policy's area of responsibility and of a known ID,
 * become ap->cert_roles (used by clients with cert_roles). Returns how
 * many entries were ignored (expired, not yet valid, other area, unknown
 * role ID). */
size_t authz_peer_cert_roles(struct authz_peer *ap, const struct authz_cert_role *r, size_t n,
			     int64_t now_s);

/* What the AARQ offered, for authz_peer_associate. */
struct authz_aarq {
	const uint32_t *ap_title;	/* calling AP-title (form 2); n 0: absent */
	size_t ap_title_n;
	bool has_ae_qualifier;
	int64_t ae_qualifier;
	const uint8_t *password;	/* ACSE password (mechanism 2.2.3.1); NULL: none */
	size_t password_len;
};
/* At the AARQ: narrows by the calling AP-title, AE-qualifier and password
 * and picks the client. Returns NULL when accepted, else why it was refused
 * (for the log and the audit trail; the peer is told nothing of it). */
const char *authz_peer_associate(struct authz_peer *ap, const struct authz_aarq *q);
/* The associated client's name; NULL when there is no client list. */
const char *authz_peer_name(const struct authz_peer *ap);
/* Its roles as "OPERATOR,VIEWER" into buf; "" when none or no list. */
void authz_peer_roles(const struct authz_peer *ap, char *buf, size_t len);

/* The slow path of authz_allows: the scoped rules. */
bool authz_allows_scoped(const struct authz_peer *ap, enum authz_right r, const char *ld,
			 const char *ln_class, uint8_t fc);
/* May the association do `r` on the object (LD name, LN class, FC; NULL /
 * FC_NONE for "not about one object")? An association that has not been
 * given an identity yet (no client list) may do everything. */
static inline bool authz_allows(const struct authz_peer *ap, enum authz_right r, const char *ld,
				const char *ln_class, uint8_t fc)
{
	if (!ap || !ap->pol || !ap->pol->enabled)
		return true;
	if (!ap->scoped)
		return (ap->rights & AZ_BIT(r)) != 0;
	return authz_allows_scoped(ap, r, ld, ln_class, fc);
}
/* The right a Write of an attribute of `fc` needs (CONFIG for CF/DC,
 * SETTINGGROUP for SP/SG/SE, CONTROL for CO, REPORTING for RP/BR/LG, ...). */
enum authz_right authz_write_right(uint8_t fc);
