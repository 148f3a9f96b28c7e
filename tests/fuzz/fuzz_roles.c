/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the IEC 62351-8 access token decoder
 * (acsi/authz.c authz_decode_cert_roles: the IECUserRoles value of a client
 * certificate's extension 1.2.840.10070.8.1) and what the policy makes of
 * its entries. Seeds (corpus/roles): the two extensions of
 * scripts/make-test-pki.sh. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct authz_policy pol;
	static bool init;
	if (!init) {
		authz_policy_init(&pol);
		pol.enabled = true;
		snprintf(pol.aor, sizeof(pol.aor), "iedd-test");
		pol.n_clients = 1;
		snprintf(pol.clients[0].name, sizeof(pol.clients[0].name), "pki");
		pol.clients[0].cert_roles = true;
		init = true;
	}
	struct authz_cert_role r[AUTHZ_MAX_CERT_ROLES];
	char err[160];
	int n = authz_decode_cert_roles(data, size, r, AUTHZ_MAX_CERT_ROLES, err, sizeof(err));
	if (n < 0) {
		if (!memchr(err, 0, sizeof(err)))
			__builtin_trap(); /* the message is a string */
		return 0;
	}
	if (n > AUTHZ_MAX_CERT_ROLES)
		__builtin_trap();
	struct authz_peer ap;
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	authz_peer_begin(&ap, &pol, 4, lo);
	authz_peer_cert(&ap, NULL, "CN=fuzz");
	size_t ignored = authz_peer_cert_roles(&ap, r, (size_t)n, 1800000000);
	if (ignored > (size_t)n || (ap.cert_roles >> 7))
		__builtin_trap(); /* only the seven roles of IEC 62351-8 */
	struct authz_aarq q = { 0 };
	(void)authz_peer_associate(&ap, &q);
	char roles[128];
	authz_peer_roles(&ap, roles, sizeof(roles));
	return 0;
}
