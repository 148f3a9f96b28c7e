/* SPDX-License-Identifier: Apache-2.0 */
/* Expected clients and IEC 62351-8 rights (acsi/authz.c): the policy on
 * its own (roles, rules, recognition layer by layer), then enforced by
 * the services through an in-memory association on the embedded sample
 * model: a name the client may not VIEW does not exist, one it may not
 * READ is object-access-denied, writes by FC, data sets and files. */
#include <errno.h>

#include "authz.h"
#include "embedded.h"
#include "mms_client.h"
#include "mms_nvl.h"
#include "srv_clients.h"

#define LD "IEDD1BAY"

/* ---- the policy ---- */

static bool pw_equal(const char *hash, const uint8_t *pw, size_t len)
{
	/* the test's "hash" is the password itself */
	return strlen(hash) == len && !memcmp(hash, pw, len);
}

static struct authz_policy P;

static struct authz_client *add_client(const char *name, const char *roles)
{
	struct authz_client *c = &P.clients[P.n_clients++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	ck_assert_int_eq(authz_parse_roles(&P, roles, &c->roles, NULL), 0);
	return c;
}

static void policy_up(void)
{
	authz_policy_init(&P);
	P.enabled = true;
	P.password_ok = pw_equal;
}

START_TEST(parses_rights_roles_and_nets)
{
	uint16_t m;
	const char *bad = NULL;
	ck_assert_int_eq(authz_parse_rights("VIEW, READ CONTROL", &m, NULL), 0);
	ck_assert_uint_eq(m, AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ) | AZ_BIT(AZ_CONTROL));
	ck_assert_int_eq(authz_parse_rights("ALL", &m, NULL), 0);
	ck_assert_uint_eq(m, AZ_ALL);
	ck_assert_int_eq(authz_parse_rights("VIEW WRITE", &m, &bad), -EINVAL);
	ck_assert_str_eq(bad, "WRITE");
	policy_up();
	uint32_t r;
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR VIEWER", &r, NULL), 0);
	ck_assert_uint_eq(r, (1u << authz_find_role(&P, "OPERATOR")) |
				     (1u << authz_find_role(&P, "VIEWER")));
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR BOSS", &r, &bad), -EINVAL);
	ck_assert_str_eq(bad, "BOSS");
	ck_assert_int_eq(authz_add_role(&P, "BOSS", AZ_ALL), 0);
	ck_assert_int_eq(authz_add_role(&P, "VIEWER", 0), -EEXIST);
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR BOSS", &r, NULL), 0);
	struct authz_net n;
	ck_assert_int_eq(authz_parse_net("10.1.0.0/16", &n), 0);
	ck_assert_uint_eq(n.family, 4);
	ck_assert_uint_eq(n.prefix, 16);
	ck_assert_int_eq(authz_parse_net("fd00::/8", &n), 0);
	ck_assert_uint_eq(n.family, 6);
	ck_assert_int_eq(authz_parse_net("10.1.0.0/33", &n), -EINVAL);
	ck_assert_int_eq(authz_parse_net("host.example", &n), -EINVAL);
	ck_assert_int_eq(authz_parse_net("/8", &n), -EINVAL);
}
END_TEST

/* The default rights: what an operator may and may not do. */
START_TEST(default_roles)
{
	policy_up();
	add_client("v", "VIEWER");
	add_client("o", "OPERATOR");
	add_client("e", "ENGINEER");
	static const struct authz_aarq none = { 0 };
	struct authz_peer v, o, e;
	/* no criteria: each matches; the first one of the remaining wins, so
	 * narrow by hand to each client */
	ck_assert(authz_peer_begin(&v, &P, 4, (const uint8_t *)"\x7f\0\0\1"));
	v.cand = 1;
	ck_assert_ptr_null(authz_peer_associate(&v, &none));
	ck_assert(authz_peer_begin(&o, &P, 4, NULL));
	o.cand = 2;
	ck_assert_ptr_null(authz_peer_associate(&o, &none));
	ck_assert(authz_peer_begin(&e, &P, 4, NULL));
	e.cand = 4;
	ck_assert_ptr_null(authz_peer_associate(&e, &none));
	ck_assert_str_eq(authz_peer_name(&o), "o");
	char roles[64];
	authz_peer_roles(&o, roles, sizeof(roles));
	ck_assert_str_eq(roles, "OPERATOR");
	ck_assert(authz_allows(&v, AZ_VIEW, LD, "MMXU", FC_MX));
	ck_assert(!authz_allows(&v, AZ_READ, LD, "MMXU", FC_MX));
	ck_assert(!authz_allows(&v, AZ_CONTROL, LD, "XCBR", FC_CO));
	ck_assert(authz_allows(&o, AZ_READ, LD, "MMXU", FC_MX));
	ck_assert(authz_allows(&o, AZ_CONTROL, LD, "XCBR", FC_CO));
	ck_assert(!authz_allows(&o, AZ_CONFIG, LD, "XCBR", FC_CF));
	ck_assert(!authz_allows(&o, AZ_FILEREAD, NULL, NULL, FC_NONE));
	ck_assert(authz_allows(&e, AZ_CONFIG, LD, "XCBR", FC_CF));
	ck_assert(authz_allows(&e, AZ_DATASET, NULL, NULL, FC_NONE));
	ck_assert(!authz_allows(&e, AZ_CONTROL, LD, "XCBR", FC_CO));
	ck_assert(!authz_allows(&e, AZ_SECURITY, NULL, NULL, FC_NONE));
	/* no policy: everything */
	struct authz_peer open;
	ck_assert(authz_peer_begin(&open, NULL, 4, NULL));
	ck_assert(authz_allows(&open, AZ_SECURITY, NULL, NULL, FC_NONE));
	ck_assert_ptr_null(authz_peer_name(&open));
	ck_assert(authz_allows(NULL, AZ_CONTROL, LD, "XCBR", FC_CO));
	/* the FC decides which right a write needs */
	ck_assert_int_eq(authz_write_right(FC_CF), AZ_CONFIG);
	ck_assert_int_eq(authz_write_right(FC_DC), AZ_CONFIG);
	ck_assert_int_eq(authz_write_right(FC_SP), AZ_SETTINGGROUP);
	ck_assert_int_eq(authz_write_right(FC_SE), AZ_SETTINGGROUP);
	ck_assert_int_eq(authz_write_right(FC_SG), AZ_SETTINGGROUP);
	ck_assert_int_eq(authz_write_right(FC_CO), AZ_CONTROL);
	ck_assert_int_eq(authz_write_right(FC_BR), AZ_REPORTING);
	ck_assert_int_eq(authz_write_right(FC_RP), AZ_REPORTING);
	ck_assert_int_eq(authz_write_right(FC_GO), AZ_CONFIG);
}
END_TEST

START_TEST(rules_in_order_with_scope)
{
	policy_up();
	struct authz_rule *r = &P.rules[P.n_rules++];
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR", &r->roles, NULL), 0);
	snprintf(r->ld, sizeof(r->ld), "%s", LD);
	r->fc = FC_NONE;
	r->deny = AZ_BIT(AZ_CONTROL);
	r = &P.rules[P.n_rules++];
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR", &r->roles, NULL), 0);
	snprintf(r->ld, sizeof(r->ld), "%s", LD);
	snprintf(r->ln_class, sizeof(r->ln_class), "XSWI");
	r->fc = FC_NONE;
	r->grant = AZ_BIT(AZ_CONTROL); /* later wins: switches again */
	r = &P.rules[P.n_rules++];
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR", &r->roles, NULL), 0);
	r->fc = FC_NONE;
	r->grant = AZ_BIT(AZ_FILEREAD); /* unscoped: server-wide */
	add_client("o", "OPERATOR");
	add_client("e", "ENGINEER");
	static const struct authz_aarq none = { 0 };
	struct authz_peer o, e;
	ck_assert(authz_peer_begin(&o, &P, 4, NULL));
	ck_assert_ptr_null(authz_peer_associate(&o, &none));
	ck_assert_str_eq(authz_peer_name(&o), "o");
	ck_assert(o.scoped);
	ck_assert(!authz_allows(&o, AZ_CONTROL, LD, "XCBR", FC_CO));
	ck_assert(authz_allows(&o, AZ_CONTROL, LD, "XSWI", FC_CO));
	ck_assert(authz_allows(&o, AZ_CONTROL, "IEDD1WTG", "XCBR", FC_CO));
	ck_assert(authz_allows(&o, AZ_FILEREAD, NULL, NULL, FC_NONE));
	ck_assert(authz_allows(&o, AZ_READ, LD, "XCBR", FC_ST));
	/* the rules are the operator's: the engineer is untouched */
	ck_assert(authz_peer_begin(&e, &P, 4, NULL));
	e.cand = 2;
	ck_assert_ptr_null(authz_peer_associate(&e, &none));
	ck_assert(!e.scoped);
	ck_assert(!authz_allows(&e, AZ_CONTROL, "IEDD1WTG", "XCBR", FC_CO));
}
END_TEST

/* Recognition narrows layer by layer; the first client left wins. */
START_TEST(recognition_by_layer)
{
	policy_up();
	struct authz_client *a = add_client("lan", "OPERATOR");
	ck_assert_int_eq(authz_parse_net("10.1.0.0/16", &a->nets[a->n_nets++]), 0);
	struct authz_client *b = add_client("cert", "ENGINEER");
	b->has_fingerprint = true;
	memset(b->sha256, 0xAB, 32);
	struct authz_client *c = add_client("aet", "VIEWER");
	ck_assert_int_eq(authz_parse_net("192.168.5.0/24", &c->nets[c->n_nets++]), 0);
	ck_assert_int_eq(authz_parse_net("fd00::/8", &c->nets[c->n_nets++]), 0);
	c->ap_title_n = 4;
	c->ap_title[0] = 1, c->ap_title[1] = 3, c->ap_title[2] = 9999, c->ap_title[3] = 13;
	c->has_ae_qualifier = true;
	c->ae_qualifier = 12;
	snprintf(c->password, sizeof(c->password), "s3cret");

	struct authz_peer p;
	const uint8_t lan[4] = { 10, 1, 2, 3 }, other[4] = { 10, 2, 0, 1 };
	const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 5, 9 };
	/* by address: lan and cert (no address given) */
	ck_assert(authz_peer_begin(&p, &P, 4, lan));
	ck_assert_uint_eq(p.cand, 3);
	ck_assert(authz_peer_begin(&p, &P, 4, other));
	ck_assert_uint_eq(p.cand, 2);
	ck_assert(authz_peer_begin(&p, &P, 6, v6));
	ck_assert_uint_eq(p.cand, 6);
	ck_assert(authz_peer_begin(&p, &P, 6, mapped)); /* IPv4 on a dual-stack socket */
	ck_assert_uint_eq(p.cand, 6);
	/* by certificate: another fingerprint leaves the ones without */
	uint8_t h[32];
	memset(h, 0xCD, 32);
	ck_assert(authz_peer_begin(&p, &P, 4, other));
	ck_assert(!authz_peer_cert(&p, h, "CN=intruder"));
	ck_assert(authz_peer_begin(&p, &P, 4, lan));
	ck_assert(authz_peer_cert(&p, h, "CN=lan"));
	ck_assert_uint_eq(p.cand, 1);
	ck_assert_str_eq(p.subject, "CN=lan");
	memset(h, 0xAB, 32);
	ck_assert(authz_peer_begin(&p, &P, 4, other));
	ck_assert(authz_peer_cert(&p, h, "CN=eng"));
	static const struct authz_aarq none = { 0 };
	ck_assert_ptr_null(authz_peer_associate(&p, &none));
	ck_assert_str_eq(authz_peer_name(&p), "cert");
	/* by AARQ: AP-title, AE-qualifier, password, all needed */
	const uint32_t apt[4] = { 1, 3, 9999, 13 }, apt2[4] = { 1, 3, 9999, 14 };
	struct authz_aarq q = { .ap_title = apt, .ap_title_n = 4, .has_ae_qualifier = true,
				.ae_qualifier = 12, .password = (const uint8_t *)"s3cret",
				.password_len = 6 };
	const uint8_t sub[4] = { 192, 168, 5, 1 };
	ck_assert(authz_peer_begin(&p, &P, 4, sub));
	ck_assert_ptr_null(authz_peer_associate(&p, &q));
	ck_assert_str_eq(authz_peer_name(&p), "aet");
	const char *why;
	q.password = (const uint8_t *)"s3creT";
	ck_assert(authz_peer_begin(&p, &P, 4, sub));
	p.cand &= ~2ull; /* not the certificate client */
	why = authz_peer_associate(&p, &q);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "wrong password"));
	ck_assert_ptr_null(authz_peer_name(&p));
	q.password = NULL;
	ck_assert(authz_peer_begin(&p, &P, 4, sub));
	p.cand &= ~2ull;
	why = authz_peer_associate(&p, &q);
	ck_assert_ptr_nonnull(strstr(why, "no ACSE password"));
	q.password = (const uint8_t *)"s3cret";
	q.ap_title = apt2;
	ck_assert(authz_peer_begin(&p, &P, 4, sub));
	p.cand &= ~2ull;
	ck_assert_ptr_nonnull(authz_peer_associate(&p, &q));
	q.ap_title = apt;
	q.ae_qualifier = 13;
	ck_assert(authz_peer_begin(&p, &P, 4, sub));
	p.cand &= ~2ull;
	ck_assert_ptr_nonnull(authz_peer_associate(&p, &q));
	/* an empty list: nobody */
	policy_up();
	ck_assert(!authz_peer_begin(&p, &P, 4, lan));
}
END_TEST

/* ---- enforced by the services ---- */

static struct model *M;
static struct cl C;

/* Associates C (no client list in the server) and gives it the identity
 * of the policy's client `name`. */
static void as_client(const char *name)
{
	char err[512];
	ck_assert_int_eq(model_load_scl_mem("sample.icd", embedded_sample_icd,
					    embedded_sample_icd_len, NULL, &M, err, sizeof(err)),
			 0);
	cl_up_srv(&C, 65000, M, NULL, NULL);
	struct authz_peer *ap = &C.p.a.authz;
	ck_assert(authz_peer_begin(ap, &P, 4, NULL));
	for (size_t i = 0; i < P.n_clients; i++)
		if (strcmp(P.clients[i].name, name))
			ap->cand &= ~(1ull << i);
	static const struct authz_aarq none = { 0 };
	ck_assert_ptr_null(authz_peer_associate(ap, &none));
	ck_assert_str_eq(authz_peer_name(ap), name);
}

static void down(void)
{
	cl_down(&C);
	model_free(M);
}

static struct mms_pdu response(void)
{
	struct mms_pdu pdu;
	ck_assert_int_eq(mms_pdu_decode(buf_data(&C.rx.resp), C.rx.resp.len, &pdu, NULL), 0);
	return pdu;
}

/* Reads LD/item: MMS_DAE_SUCCESS or the DataAccessError. */
static int rd(const char *ld, const char *item)
{
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "%s", ld);
	snprintf(on.item, sizeof(on.item), "%s", item);
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_read_req(&b, ++C.invoke, &on, 1);
	call(&C, &b);
	buf_clear(&b);
	struct mms_pdu pdu = response();
	ck_assert_int_eq(mms_client_check(&pdu, C.invoke, MMS_SVC_READ, NULL, NULL), 0);
	struct mms_read_resp rr;
	struct mms_access_result ar;
	ck_assert_int_eq(mms_client_read_decode(pdu.body, pdu.body_len, &rr, NULL), 0);
	ck_assert_int_eq(mms_client_read_next(&rr, &ar, NULL), 1);
	return ar.failure;
}

/* The domains GetNameList lists, space-separated. */
static void domains(char *out, size_t n)
{
	struct mms_getnamelist_req q = { .object_class = MMS_CLASS_DOMAIN,
					 .scope = MMS_SCOPE_VMD };
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_getnamelist_req(&b, ++C.invoke, &q);
	call(&C, &b);
	buf_clear(&b);
	struct mms_pdu pdu = response();
	ck_assert_int_eq(mms_client_check(&pdu, C.invoke, MMS_SVC_GET_NAME_LIST, NULL, NULL), 0);
	struct mms_namelist_resp nl;
	ck_assert_int_eq(mms_client_namelist_decode(pdu.body, pdu.body_len, &nl, NULL), 0);
	char name[MMS_MAX_ITEM + 1];
	size_t k = 0;
	out[0] = 0;
	while (mms_client_namelist_next(&nl, name, NULL) == 1)
		k += (size_t)snprintf(out + k, n - k, "%s%s", k ? " " : "", name);
}

/* A confirmed request answered with a confirmed-error of (cls, code). */
static void refused_with(uint32_t svc, int cls, int code)
{
	struct mms_pdu pdu = response();
	struct mms_client_refusal ref;
	ck_assert_int_eq(mms_client_check(&pdu, C.invoke, svc, &ref, NULL), -EREMOTEIO);
	ck_assert_int_eq(ref.kind, MMS_CONFIRMED_ERROR);
	ck_assert_int_eq(ref.error_class, cls);
	ck_assert_int_eq(ref.code, code);
}

START_TEST(viewer_sees_but_does_not_read)
{
	policy_up();
	add_client("v", "VIEWER");
	as_client("v");
	ck_assert_int_eq(rd(LD, "MMXU1$MX$TotW$mag$f"), MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(rd(LD, "NOSUCH1$MX$TotW"), MMS_DAE_OBJECT_NON_EXISTENT);
	/* writes: CF needs CONFIG */
	static const uint8_t i8[] = { 0x85, 0x01, 0x01 };
	ck_assert_int_eq(wr(&C, "XSWI1$CF$Pos$ctlModel", i8, sizeof(i8)),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	/* a data set needs DATASET */
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	struct mms_objname ds = { .scope = MMS_SCOPE_AA };
	snprintf(ds.item, sizeof(ds.item), "mine");
	struct mms_varspec mem = { .name = { .scope = MMS_SCOPE_DOMAIN } };
	snprintf(mem.name.domain, sizeof(mem.name.domain), LD);
	snprintf(mem.name.item, sizeof(mem.name.item), "MMXU1$MX$TotW");
	mms_definenvl_req_encode(&b, ++C.invoke, &ds, &mem, 1);
	call(&C, &b);
	buf_clear(&b);
	refused_with(MMS_SVC_DEFINE_NVL, MMS_ERR_ACCESS, MMS_ACCESS_OBJECT_ACCESS_DENIED);
	down();
}
END_TEST

START_TEST(hidden_ld_does_not_exist)
{
	policy_up();
	struct authz_rule *r = &P.rules[P.n_rules++];
	ck_assert_int_eq(authz_parse_roles(&P, "OPERATOR", &r->roles, NULL), 0);
	snprintf(r->ld, sizeof(r->ld), "IEDD1WTG");
	r->fc = FC_NONE;
	r->deny = AZ_ALL;
	add_client("o", "OPERATOR");
	as_client("o");
	char list[256];
	domains(list, sizeof(list));
	ck_assert_str_eq(list, LD);
	ck_assert_int_eq(rd(LD, "MMXU1$MX$TotW$mag$f"), MMS_DAE_SUCCESS);
	/* an object that exists in the hidden LD reads as one that does not */
	ck_assert_int_eq(rd("IEDD1WTG", "LLN0$ST$Mod$stVal"), MMS_DAE_OBJECT_NON_EXISTENT);
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "IEDD1WTG");
	snprintf(on.item, sizeof(on.item), "LLN0");
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_gvaa_req(&b, ++C.invoke, &on);
	call(&C, &b);
	buf_clear(&b);
	refused_with(MMS_SVC_GET_VAR_ACCESS_ATTR, MMS_ERR_ACCESS, MMS_ACCESS_OBJECT_NON_EXISTENT);
	struct mms_getnamelist_req q = { .object_class = MMS_CLASS_NAMED_VARIABLE,
					 .scope = MMS_SCOPE_DOMAIN };
	snprintf(q.domain, sizeof(q.domain), "IEDD1WTG");
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_getnamelist_req(&b, ++C.invoke, &q);
	call(&C, &b);
	buf_clear(&b);
	refused_with(MMS_SVC_GET_NAME_LIST, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_UNDEFINED);
	down();
}
END_TEST

START_TEST(engineer_configures)
{
	policy_up();
	add_client("e", "ENGINEER");
	as_client("e");
	ck_assert_int_eq(rd(LD, "MMXU1$MX$TotW$mag$f"), MMS_DAE_SUCCESS);
	static const uint8_t i8[] = { 0x85, 0x01, 0x01 };
	ck_assert_int_eq(wr(&C, "XSWI1$CF$Pos$ctlModel", i8, sizeof(i8)), MMS_DAE_SUCCESS);
	/* CO is CONTROL, which an engineer lacks; without a control model
	 * the write is refused outright */
	static const uint8_t b1[] = { 0x83, 0x01, 0xff };
	ck_assert_int_eq(wr(&C, "XSWI1$CO$Pos$Oper$ctlVal", b1, sizeof(b1)),
			 MMS_DAE_OBJECT_ACCESS_DENIED);
	down();
}
END_TEST

/* ---- roles from the certificate (IEC 62351-8 access token) ---- */

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2)
		out[n++] = (uint8_t)strtoul((char[3]){ h[0], h[1], 0 }, NULL, 16);
	return n;
}

/* OPERATOR for "iedd-test", 2020-01-01 to 2099-12-31 (make-test-pki.sh) */
#define ROLES_OK "3037303530030201010c09696564642d74657374020101180f3230323030313031" \
		 "3030303030305a180f32303939313233313233353935395a"
#define T2020 1577836800LL /* 2020-01-01T00:00:00Z */
#define T2099_END 4102444799LL /* 2099-12-31T23:59:59Z */

START_TEST(decodes_cert_roles)
{
	uint8_t der[512];
	struct authz_cert_role r[4];
	char err[160];
	size_t n = unhex(ROLES_OK, der);
	ck_assert_int_eq(authz_decode_cert_roles(der, n, r, 4, err, sizeof(err)), 1);
	ck_assert_int_eq(r[0].id, 1);
	ck_assert_str_eq(r[0].aor, "iedd-test");
	ck_assert_int_eq(r[0].revision, 1);
	ck_assert_int_eq(r[0].from_s, T2020);
	ck_assert_int_eq(r[0].to_s, T2099_END);
	/* two roles in one entry, a bare INTEGER userRole, fractional seconds */
	static const char two[] =
		"3061" "3030" "3006020102020104" "0c0161" "020100"
		"180f32303230303130313030303030305a" "180f32303231303130313030303030305a"
		"302d" "020100" "0c0162" "020105"
		"181132303230303130313030303030302e355a" "180f32303231303130313030303030305a";
	n = unhex(two, der);
	ck_assert_int_eq(authz_decode_cert_roles(der, n, r, 4, err, sizeof(err)), 3);
	ck_assert_int_eq(r[0].id, 2);
	ck_assert_int_eq(r[1].id, 4);
	ck_assert_int_eq(r[2].id, 0);
	ck_assert_str_eq(r[2].aor, "b");
	ck_assert_int_eq(r[2].revision, 5);
	ck_assert_int_eq(authz_decode_cert_roles(der, n, r, 2, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "more than 2 roles"));
	/* every truncation is refused, none read past the end */
	n = unhex(ROLES_OK, der);
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(authz_decode_cert_roles(der, k, r, 4, err, sizeof(err)), -EBADMSG);
	/* a NUL inside aor, a month 13, a role ID out of range */
	uint8_t bad[512];
	memcpy(bad, der, n);
	bad[15] = 0;
	ck_assert_int_eq(authz_decode_cert_roles(bad, n, r, 4, err, sizeof(err)), -EBADMSG);
	memcpy(bad, der, n);
	bad[29] = '1', bad[30] = '3'; /* validFrom's month */
	ck_assert_int_eq(authz_decode_cert_roles(bad, n, r, 4, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "GeneralizedTime"));
	static const char big_id[] = "3031" "302f" "3005020301ffff" "0c0161" "020100"
		"180f32303230303130313030303030305a" "180f32303231303130313030303030305a";
	n = unhex(big_id, der);
	ck_assert_int_eq(authz_decode_cert_roles(der, n, r, 4, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "-32768..32767"));
}
END_TEST

/* A TLS peer with the certificate roles r[n] at now_s associates: it must
 * have ignored `ignored` of them; its roles as authz_peer_roles says. */
static const char *cert_peer(struct authz_peer *ap, const struct authz_cert_role *r, size_t n,
			     int64_t now_s, size_t ignored)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	static char roles[64];
	struct authz_aarq q = { 0 };
	ck_assert(authz_peer_begin(ap, &P, 4, lo));
	ck_assert(authz_peer_cert(ap, NULL, "CN=x"));
	ck_assert_uint_eq(authz_peer_cert_roles(ap, r, n, now_s), ignored);
	ck_assert_ptr_null(authz_peer_associate(ap, &q));
	authz_peer_roles(ap, roles, sizeof(roles));
	return roles;
}

START_TEST(cert_roles_need_time_area_and_a_known_id)
{
	policy_up();
	snprintf(P.aor, sizeof(P.aor), "plant-1");
	struct authz_client *c = add_client("pki", "");
	c->cert_roles = true;
	add_client("other", "VIEWER");
	const struct authz_cert_role r[] = {
		{ .id = 1, .aor = "plant-1", .from_s = 100, .to_s = 200 },	/* OPERATOR */
		{ .id = 2, .aor = "plant-2", .from_s = 100, .to_s = 200 },	/* another area */
		{ .id = 4, .aor = "plant-1", .from_s = 150, .to_s = 300 },	/* not yet valid */
		{ .id = 7, .aor = "plant-1", .from_s = 0, .to_s = 900 },	/* unknown ID */
		{ .id = -3, .aor = "plant-1", .from_s = 0, .to_s = 900 },	/* private */
	};
	struct authz_peer ap;
	ck_assert_str_eq(cert_peer(&ap, r, 5, 120, 4), "OPERATOR");
	ck_assert(authz_allows(&ap, AZ_CONTROL, LD, "XCBR", FC_CO));
	ck_assert(!authz_allows(&ap, AZ_CONFIG, LD, "MMXU", FC_CF));
	/* later both are valid; an expired role gives nothing */
	ck_assert_str_eq(cert_peer(&ap, r, 3, 180, 1), "OPERATOR,SECADM");
	ck_assert_str_eq(cert_peer(&ap, r, 1, 201, 1), "");
	/* without TLS the certificate client is not there: the next one is */
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	struct authz_aarq q = { 0 };
	ck_assert(authz_peer_begin(&ap, &P, 4, lo));
	ck_assert_ptr_null(authz_peer_associate(&ap, &q));
	ck_assert_str_eq(authz_peer_name(&ap), "other");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("authz");
	tcase_add_test(tc, parses_rights_roles_and_nets);
	tcase_add_test(tc, default_roles);
	tcase_add_test(tc, rules_in_order_with_scope);
	tcase_add_test(tc, recognition_by_layer);
	tcase_add_test(tc, viewer_sees_but_does_not_read);
	tcase_add_test(tc, hidden_ld_does_not_exist);
	tcase_add_test(tc, engineer_configures);
	tcase_add_test(tc, decodes_cert_roles);
	tcase_add_test(tc, cert_roles_need_time_area_and_a_known_id);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
