/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as an SCL file. The loader must refuse
 * or accept without crashing, leaking or printing; an accepted model must
 * encode every LN and resolve every LN by name. Input goes through a
 * memfd, since model_load_scl takes a path. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[512];
	struct model *m;

	if (fd < 0)
		fd = memfd_create("scl", 0);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int r = model_load_scl(path, NULL, &m, err, sizeof(err));
	if (r) {
		/* every refusal names the file */
		CHECK(!strncmp(err, path, strlen(path)));
		return 0;
	}
	for (uint32_t i = 0; i < m->n_ld; i++)
		for (uint32_t k = 0; k < m->lds[i].n_ln; k++) {
			const struct mln *ln = &m->lds[i].lns[k];
			struct mref ref;
			struct buf b;
			CHECK(model_resolve_mms(m, m->lds[i].name, ln->name, &ref) == 0);
			CHECK(ref.ln == ln);
			buf_init(&b, 0, 0);
			model_encode_data(m, ln->type, ln->vbase, &b);
			CHECK(!b.err);
			buf_clear(&b);
		}
	model_free(m);
	return 0;
}
