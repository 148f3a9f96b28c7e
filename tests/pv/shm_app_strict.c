/* SPDX-License-Identifier: Apache-2.0 */
/* A control application as doc/plugins.md shows one, built with nothing but
 * <iedd/shm.h> under strict ISO C11 + POSIX.1-2008 (no GNU extensions: see
 * tests/pv/meson.build), so the header stays usable that way, the futex
 * wake-up of iedd_shm_trigger included. Run: attaches a segment of its
 * own, writes a slot, triggers, checks the counters and removes it. */
#include <iedd/shm.h>

int main(void)
{
	char seg[64], err[512];
	snprintf(seg, sizeof(seg), "/iedd-strict-%ld", (long)getpid());
	shm_unlink(seg);
	struct iedd_shm_map m;
	if (iedd_shm_attach(seg, 4, 0600, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int i = iedd_shm_slot_create(m.hdr, "Turbine1.Power");
	struct iedd_value v = {.kind = IEDD_KIND_FLOAT, .quality = IEDD_Q_GOOD, .v.f = 1234.5};
	int rc = i < 0 ? i : iedd_shm_write(m.hdr, iedd_shm_slot_at(m.hdr, (uint32_t)i), &v,
					    IEDD_SHM_TRIES);
	iedd_shm_trigger(m.hdr);
	bool ok = !rc && m.hdr->trigger == 1 && m.hdr->trigger_seq == 1 && m.hdr->changes == 1;
	if (!ok)
		fprintf(stderr, "rc %d, trigger %llu, trigger_seq %u, changes %llu\n", rc,
			(unsigned long long)m.hdr->trigger, m.hdr->trigger_seq,
			(unsigned long long)m.hdr->changes);
	iedd_shm_detach(&m);
	shm_unlink(seg);
	return ok ? 0 : 1;
}
