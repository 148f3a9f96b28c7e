/* SPDX-License-Identifier: Apache-2.0 */
/* Expected clients and IEC 62351-8 role-based access control (authz.h). */
#include "authz.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"

#define AUTHZ_RIGHT_NAME_(e, s) s,
static const char *const right_names[AZ_N] = { AUTHZ_RIGHT_TABLE(AUTHZ_RIGHT_NAME_) };

const char *authz_right_name(enum authz_right r)
{
	return (unsigned)r < AZ_N ? right_names[r] : NULL;
}

/* Calls fn for each word of a space- or comma-separated list; stops at
 * the first non-zero return, and points *bad at that word. */
static int each_word(const char *s, int (*fn)(void *ctx, const char *w, size_t n), void *ctx,
		     const char **bad)
{
	while (s && *s) {
		while (*s == ' ' || *s == ',' || *s == '\t' || *s == '\n')
			s++;
		size_t n = strcspn(s, " ,\t\n");
		if (!n)
			break;
		int r = fn(ctx, s, n);
		if (r) {
			if (bad)
				*bad = s;
			return r;
		}
		s += n;
	}
	return 0;
}

static int add_right(void *ctx, const char *w, size_t n)
{
	uint16_t *mask = ctx;
	if (n == 3 && !memcmp(w, "ALL", 3)) {
		*mask = AZ_ALL;
		return 0;
	}
	for (int i = 0; i < AZ_N; i++)
		if (strlen(right_names[i]) == n && !memcmp(right_names[i], w, n)) {
			*mask |= AZ_BIT(i);
			return 0;
		}
	return -EINVAL;
}

int authz_parse_rights(const char *s, uint16_t *mask, const char **bad)
{
	*mask = 0;
	return each_word(s, add_right, mask, bad);
}

/* IEC 62351-8 Ed.1 Table 3, the default rights of its roles (doc/
 * security.md says where iedd reads it so). */
static const struct {
	const char *name;
	uint16_t rights;
} std_roles[] = {
	{ "VIEWER", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_REPORTING) },
	{ "OPERATOR", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_REPORTING) | AZ_BIT(AZ_CONTROL) },
	{ "ENGINEER", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_DATASET) | AZ_BIT(AZ_REPORTING) |
			      AZ_BIT(AZ_FILEREAD) | AZ_BIT(AZ_FILEWRITE) | AZ_BIT(AZ_FILEMNGT) |
			      AZ_BIT(AZ_CONFIG) | AZ_BIT(AZ_SETTINGGROUP) },
	{ "INSTALLER", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_REPORTING) |
			       AZ_BIT(AZ_FILEREAD) | AZ_BIT(AZ_FILEWRITE) | AZ_BIT(AZ_CONFIG) },
	{ "SECADM", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_DATASET) | AZ_BIT(AZ_REPORTING) |
			    AZ_BIT(AZ_FILEREAD) | AZ_BIT(AZ_FILEWRITE) | AZ_BIT(AZ_FILEMNGT) |
			    AZ_BIT(AZ_CONFIG) | AZ_BIT(AZ_SETTINGGROUP) | AZ_BIT(AZ_SECURITY) },
	{ "SECAUD", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_REPORTING) | AZ_BIT(AZ_FILEREAD) },
	{ "RBACMNT", AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_REPORTING) | AZ_BIT(AZ_FILEREAD) |
			     AZ_BIT(AZ_FILEWRITE) | AZ_BIT(AZ_FILEMNGT) | AZ_BIT(AZ_CONFIG) },
};

void authz_policy_init(struct authz_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(std_roles) / sizeof(std_roles[0]); i++) {
		snprintf(p->roles[i].name, sizeof(p->roles[i].name), "%s", std_roles[i].name);
		p->roles[i].rights = std_roles[i].rights;
	}
	p->n_roles = sizeof(std_roles) / sizeof(std_roles[0]);
}

static int find_role_n(const struct authz_policy *p, const char *name, size_t n)
{
	for (size_t i = 0; i < p->n_roles; i++)
		if (strlen(p->roles[i].name) == n && !memcmp(p->roles[i].name, name, n))
			return (int)i;
	return -1;
}

int authz_find_role(const struct authz_policy *p, const char *name)
{
	return find_role_n(p, name, strlen(name));
}

int authz_add_role(struct authz_policy *p, const char *name, uint16_t rights)
{
	if (authz_find_role(p, name) >= 0)
		return -EEXIST;
	if (p->n_roles >= AUTHZ_MAX_ROLES || strlen(name) >= AUTHZ_NAME || !*name)
		return -ENOSPC;
	snprintf(p->roles[p->n_roles].name, AUTHZ_NAME, "%s", name);
	p->roles[p->n_roles++].rights = rights;
	return 0;
}

struct role_ctx {
	const struct authz_policy *p;
	uint32_t *mask;
};

static int add_role_bit(void *ctx, const char *w, size_t n)
{
	struct role_ctx *c = ctx;
	int i = find_role_n(c->p, w, n);
	if (i < 0)
		return -EINVAL;
	*c->mask |= 1u << i;
	return 0;
}

int authz_parse_roles(const struct authz_policy *p, const char *s, uint32_t *mask,
		      const char **bad)
{
	struct role_ctx c = { p, mask };
	*mask = 0;
	return each_word(s, add_role_bit, &c, bad);
}

int authz_parse_net(const char *s, struct authz_net *n)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, host, n->addr) == 1)
		n->family = 4;
	else if (inet_pton(AF_INET6, host, n->addr) == 1)
		n->family = 6;
	else
		return -EINVAL;
	unsigned max = n->family == 4 ? 32 : 128;
	n->prefix = (uint8_t)max;
	if (slash) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || v > max)
			return -EINVAL;
		n->prefix = (uint8_t)v;
	}
	return 0;
}

static bool net_has(const struct authz_net *n, int family, const uint8_t *a)
{
	uint8_t v4m[16];
	/* an IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d */
	if (family == 6 && n->family == 4) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a, mapped, 12))
			return false;
		memcpy(v4m, a + 12, 4);
		a = v4m;
		family = 4;
	}
	if (family != n->family)
		return false;
	unsigned full = n->prefix / 8, rest = n->prefix % 8;
	if (memcmp(a, n->addr, full))
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (n->addr[full] & m);
}

static uint64_t all_clients(const struct authz_policy *p)
{
	return p->n_clients >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << p->n_clients) - 1);
}

bool authz_peer_begin(struct authz_peer *ap, const struct authz_policy *pol, int family,
		      const uint8_t *addr)
{
	memset(ap, 0, sizeof(*ap));
	ap->client = -1;
	if (!pol || !pol->enabled)
		return true;
	ap->pol = pol;
	uint64_t c = all_clients(pol);
	for (size_t i = 0; i < pol->n_clients; i++) {
		const struct authz_client *cl = &pol->clients[i];
		if (!cl->n_nets)
			continue;
		bool in = false;
		for (size_t k = 0; k < cl->n_nets && !in; k++)
			in = addr && net_has(&cl->nets[k], family, addr);
		if (!in)
			c &= ~((uint64_t)1 << i);
	}
	ap->cand = c;
	return c != 0;
}

bool authz_peer_cert(struct authz_peer *ap, const uint8_t sha256[32], const char *subject)
{
	snprintf(ap->subject, sizeof(ap->subject), "%s", subject ? subject : "");
	ap->cert_checked = true;
	if (!ap->pol)
		return true;
	for (size_t i = 0; i < ap->pol->n_clients; i++) {
		const struct authz_client *cl = &ap->pol->clients[i];
		bool ok = true;
		if (cl->has_fingerprint)
			ok = sha256 && !memcmp(cl->sha256, sha256, 32);
		if (ok && cl->subject[0])
			ok = subject && !strcmp(cl->subject, subject);
		if (!ok)
			ap->cand &= ~((uint64_t)1 << i);
	}
	return ap->cand != 0;
}

/* "YYYYMMDDHHMMSS[.f]Z" (DER GeneralizedTime, UTC) into seconds. */
static bool generalized_time(const struct ber_tlv *t, int64_t *out)
{
	const uint8_t *v = t->val;
	if (t->len < 15 || v[t->len - 1] != 'Z')
		return false;
	int f[6];
	static const int w[6] = { 4, 2, 2, 2, 2, 2 };
	size_t k = 0;
	for (int i = 0; i < 6; i++) {
		f[i] = 0;
		for (int j = 0; j < w[i]; j++, k++) {
			if (v[k] < '0' || v[k] > '9')
				return false;
			f[i] = f[i] * 10 + (v[k] - '0');
		}
	}
	if (k != t->len - 1 && v[k] != '.')
		return false;
	for (size_t j = k + 1; k != t->len - 1 && j < t->len - 1; j++)
		if (v[j] < '0' || v[j] > '9')
			return false;
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return false;
	/* days from 1970-01-01 (the civil-from-days inverse, proleptic Gregorian) */
	int64_t y = f[0] - (f[1] <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (f[1] + (f[1] > 2 ? -3 : 9)) + 2) / 5 + f[2] - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	*out = days * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	return true;
}

#define ROLES_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EBADMSG; } while (0)

int authz_decode_cert_roles(const uint8_t *der, size_t len, struct authz_cert_role *out,
			    size_t max, char *err, size_t errlen)
{
	struct ber_cur top, seq;
	struct ber_tlv t;
	struct proto_err pe = { 0 };
	size_t n = 0;
	ber_cur_init(&top, der, len);
	if (ber_expect(&top, BER_UNIVERSAL | BER_CONSTRUCTED, 16, &t, "IECUserRoles", &pe) ||
	    !ber_cur_done(&top) || ber_enter(&top, &t, &seq, &pe))
		ROLES_FAIL("IECUserRoles: not one SEQUENCE");
	for (unsigned k = 1; !ber_cur_done(&seq); k++) {
		struct ber_cur info, ids;
		struct ber_tlv u, roles, aor, rev, from, to;
		if (ber_expect(&seq, BER_UNIVERSAL | BER_CONSTRUCTED, 16, &u, "UserRoleInfo", &pe) ||
		    ber_enter(&seq, &u, &info, &pe))
			ROLES_FAIL("UserRoleInfo %u: not a SEQUENCE", k);
		if (ber_next(&info, &roles, &pe) ||
		    !(ber_is(&roles, BER_UNIVERSAL | BER_CONSTRUCTED, 16) ||
		      ber_is(&roles, BER_UNIVERSAL, 2)))
			ROLES_FAIL("UserRoleInfo %u: userRole is not a SEQUENCE OF RoleId", k);
		if (ber_expect(&info, BER_UNIVERSAL, 12, &aor, "aor", &pe) || aor.len > 64 ||
		    memchr(aor.val, 0, aor.len))
			ROLES_FAIL("UserRoleInfo %u: aor is not a UTF8String of 64 octets or fewer", k);
		int64_t revision, from_s, to_s;
		if (ber_expect(&info, BER_UNIVERSAL, 2, &rev, "revision", &pe) ||
		    ber_get_int64(&rev, &revision, &pe))
			ROLES_FAIL("UserRoleInfo %u: revision is not an INTEGER", k);
		if (ber_expect(&info, BER_UNIVERSAL, 24, &from, "validFrom", &pe) ||
		    !generalized_time(&from, &from_s) ||
		    ber_expect(&info, BER_UNIVERSAL, 24, &to, "validTo", &pe) ||
		    !generalized_time(&to, &to_s))
			ROLES_FAIL("UserRoleInfo %u: validFrom/validTo is not a GeneralizedTime "
				   "(YYYYMMDDHHMMSSZ)", k);
		/* the rest (roleDefinition, operation, ...) is not needed here */
		struct ber_tlv id;
		bool single = !roles.constructed;
		if (!single && ber_enter(&info, &roles, &ids, &pe))
			ROLES_FAIL("UserRoleInfo %u: userRole", k);
		for (bool more = true; more;) {
			int64_t v;
			if (single) {
				id = roles;
				more = false;
			} else if (ber_cur_done(&ids)) {
				break;
			} else if (ber_expect(&ids, BER_UNIVERSAL, 2, &id, "RoleId", &pe)) {
				ROLES_FAIL("UserRoleInfo %u: a RoleId is not an INTEGER", k);
			}
			if (ber_get_int_range(&id, -32768, 32767, &v, &pe))
				ROLES_FAIL("UserRoleInfo %u: a RoleId is not in -32768..32767", k);
			if (n == max)
				ROLES_FAIL("more than %zu roles", max);
			struct authz_cert_role *o = &out[n++];
			o->id = (int32_t)v;
			memcpy(o->aor, aor.val, aor.len);
			o->aor[aor.len] = 0;
			o->revision = revision;
			o->from_s = from_s;
			o->to_s = to_s;
		}
	}
	return (int)n;
}

size_t authz_peer_cert_roles(struct authz_peer *ap, const struct authz_cert_role *r, size_t n,
			     int64_t now_s)
{
	size_t ignored = 0;
	ap->cert_roles = 0;
	for (size_t i = 0; i < n; i++) {
		const char *aor = ap->pol ? ap->pol->aor : "";
		if (r[i].id < 0 || r[i].id >= (int32_t)(sizeof(std_roles) / sizeof(std_roles[0])) ||
		    now_s < r[i].from_s || now_s > r[i].to_s || (aor[0] && strcmp(aor, r[i].aor))) {
			ignored++;
			continue;
		}
		ap->cert_roles |= 1u << r[i].id; /* the seven come first in every policy */
	}
	return ignored;
}

static void settle(struct authz_peer *ap, int client)
{
	const struct authz_policy *p = ap->pol;
	ap->client = client;
	ap->roles = p->clients[client].roles |
		    (p->clients[client].cert_roles ? ap->cert_roles : 0);
	ap->rights = 0;
	for (size_t i = 0; i < p->n_roles; i++)
		if (ap->roles & (1u << i))
			ap->rights |= p->roles[i].rights;
	ap->scoped = false;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct authz_rule *r = &p->rules[i];
		if (!(r->roles & ap->roles))
			continue;
		if (r->ld[0] || r->ln_class[0] || r->fc != FC_NONE)
			ap->scoped = true;
		else
			ap->rights = (uint16_t)((ap->rights | r->grant) & ~r->deny);
	}
}

const char *authz_peer_associate(struct authz_peer *ap, const struct authz_aarq *q)
{
	const struct authz_policy *p = ap->pol;
	if (!p)
		return NULL;
	uint64_t before = ap->cand;
	const char *why = "not an expected client";
	bool tried_pw = false;
	for (size_t i = 0; i < p->n_clients; i++) {
		uint64_t bit = (uint64_t)1 << i;
		if (!(ap->cand & bit))
			continue;
		const struct authz_client *cl = &p->clients[i];
		/* a client known by its certificate never associates without TLS */
		bool ok = ap->cert_checked ||
			  (!cl->has_fingerprint && !cl->subject[0] && !cl->cert_roles);
		if (ok && cl->ap_title_n)
			ok = q->ap_title_n == cl->ap_title_n &&
			     !memcmp(q->ap_title, cl->ap_title, cl->ap_title_n * sizeof(uint32_t));
		if (ok && cl->has_ae_qualifier)
			ok = q->has_ae_qualifier && q->ae_qualifier == cl->ae_qualifier;
		if (ok && cl->password[0]) {
			tried_pw = true;
			ok = q->password && p->password_ok &&
			     p->password_ok(cl->password, q->password, q->password_len);
		}
		if (!ok)
			ap->cand &= ~bit;
	}
	if (!ap->cand) {
		if (tried_pw)
			why = q->password ? "authentication failure: wrong password"
					  : "authentication required: no ACSE password";
		else if (before)
			why = "calling AP-title / AE-qualifier of no expected client";
		return why;
	}
	for (size_t i = 0; i < p->n_clients; i++)
		if (ap->cand & ((uint64_t)1 << i)) {
			settle(ap, (int)i);
			break;
		}
	return NULL;
}

const char *authz_peer_name(const struct authz_peer *ap)
{
	if (!ap || !ap->pol || ap->client < 0)
		return NULL;
	return ap->pol->clients[ap->client].name;
}

void authz_peer_roles(const struct authz_peer *ap, char *buf, size_t len)
{
	size_t k = 0;
	if (len)
		buf[0] = 0;
	if (!ap || !ap->pol || ap->client < 0)
		return;
	for (size_t i = 0; i < ap->pol->n_roles && k < len; i++)
		if (ap->roles & (1u << i))
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "",
					      ap->pol->roles[i].name);
}

bool authz_allows_scoped(const struct authz_peer *ap, enum authz_right r, const char *ld,
			 const char *ln_class, uint8_t fc)
{
	const struct authz_policy *p = ap->pol;
	uint16_t rights = 0;
	for (size_t i = 0; i < p->n_roles; i++)
		if (ap->roles & (1u << i))
			rights |= p->roles[i].rights;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct authz_rule *ru = &p->rules[i];
		if (!(ru->roles & ap->roles))
			continue;
		if (ru->ld[0] && (!ld || strcmp(ru->ld, ld)))
			continue;
		if (ru->ln_class[0] && (!ln_class || strcmp(ru->ln_class, ln_class)))
			continue;
		if (ru->fc != FC_NONE && ru->fc != fc)
			continue;
		rights = (uint16_t)((rights | ru->grant) & ~ru->deny);
	}
	return (rights & AZ_BIT(r)) != 0;
}

enum authz_right authz_write_right(uint8_t fc)
{
	switch (fc) {
	case FC_SP: case FC_SG: case FC_SE: case FC_SC:
		return AZ_SETTINGGROUP;
	case FC_CO:
		return AZ_CONTROL;
	case FC_RP: case FC_BR: case FC_LG:
		return AZ_REPORTING;
	default: /* CF, DC, GO, MS, US, BL, and what the model refuses anyway */
		return AZ_CONFIG;
	}
}
