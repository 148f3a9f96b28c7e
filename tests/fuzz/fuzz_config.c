/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as iedd.xml (daemon/config.c), the
 * client list above all (<clients>: roles, rules, clients with subnets,
 * fingerprints, AP-titles, AE-qualifiers, password hashes). The bytes go
 * through config_load_file, as the daemon reads the file, from a memfd.
 * A refusal is one line that names the file; the configuration is left as
 * it was. An accepted one holds only what the parsers allow: terminated
 * names, unique client names, role bits within the roles, subnets whose
 * prefix fits their family, AP-titles of 2..16 arcs, passwords that are
 * hashes. Any inconsistency is a crash; libFuzzer reports leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static void check_policy(const struct authz_policy *p)
{
	CHECK(p->n_roles >= 7 && p->n_roles <= AUTHZ_MAX_ROLES);
	CHECK(p->n_rules <= AUTHZ_MAX_RULES && p->n_clients <= AUTHZ_MAX_CLIENTS);
	uint32_t all_roles = p->n_roles == 32 ? ~0u : (1u << p->n_roles) - 1;
	for (size_t i = 0; i < p->n_roles; i++) {
		CHECK(terminated(p->roles[i].name, sizeof(p->roles[i].name)));
		CHECK(p->roles[i].name[0]);
		CHECK(authz_find_role(p, p->roles[i].name) == (int)i);
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct authz_rule *r = &p->rules[i];
		CHECK(r->roles && !(r->roles & ~all_roles));
		CHECK(r->grant || r->deny);
		CHECK(terminated(r->ld, sizeof(r->ld)) && terminated(r->ln_class, sizeof(r->ln_class)));
	}
	for (size_t i = 0; i < p->n_clients; i++) {
		const struct authz_client *c = &p->clients[i];
		CHECK(terminated(c->name, sizeof(c->name)) && c->name[0]);
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(c->name, p->clients[k].name));
		CHECK(c->roles && !(c->roles & ~all_roles));
		CHECK(c->n_nets <= AUTHZ_MAX_NETS);
		for (size_t k = 0; k < c->n_nets; k++) {
			const struct authz_net *n = &c->nets[k];
			CHECK(n->family == 4 || n->family == 6);
			CHECK(n->prefix <= (n->family == 4 ? 32 : 128));
		}
		CHECK(!c->ap_title_n || (c->ap_title_n >= 2 && c->ap_title_n <= AUTHZ_MAX_ARCS));
		CHECK(terminated(c->subject, sizeof(c->subject)));
		CHECK(terminated(c->password, sizeof(c->password)));
		CHECK(!c->password[0] || passwd_hash_valid(c->password));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("iedd.xml", 0);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	static struct iedd_config c, before;
	char err[1024];
	memset(&c, 0x5a, sizeof(c));
	before = c;
	err[0] = 0;
	int r = config_load_file(path, &c, err, sizeof(err));
	if (r) {
		CHECK(r < 0);
		CHECK(err[0] && !strchr(err, '\n'));
		CHECK(!strncmp(err, path, strlen(path)));
		CHECK(!memcmp(&c, &before, sizeof(c)));
		return 0;
	}
	CHECK(c.n_listen <= CONFIG_MAX_LISTEN);
	if (c.authz.enabled)
		check_policy(&c.authz);
	return 0;
}
