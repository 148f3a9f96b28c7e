/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as an object reference text
 * (daemon/proto/objref.h). What parses keeps the limits (LD 64, MMS name
 * 129, every name's characters) and, when it has an MMS item whose second
 * name is an FC or that is a bare LN, formats back to a reference that
 * parses to the same item; the client (mms_ref_parse) refuses exactly what
 * objref refuses, for the same reason. Any inconsistency is a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mms_client.h"
#include "objref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 512)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	struct objref r;
	struct proto_err e = { 0 }, ce = { 0 };
	struct mms_objname n;
	int rc = objref_parse(s, &r, &e);
	int crc = mms_ref_parse(s, &n, &ce);
	if (rc) {
		CHECK(crc == rc && !strcmp(e.reason, ce.reason));
		free(s);
		return 0;
	}
	CHECK(r.ld[0] && strlen(r.ld) <= MMS_MAX_DOMAIN && r.ln[0]);
	CHECK(strlen(r.item) <= MMS_MAX_ITEM);
	CHECK(r.fc < FC_COUNT);
	CHECK(crc == 0 || !r.item[0]);
	if (!crc)
		CHECK(!strcmp(n.item, r.item) && !strcmp(n.domain, r.ld));
	if (r.item[0] && (r.fc != FC_NONE || !strchr(r.item, '$'))) {
		char back[400];
		struct objref r2;
		objref_format(r.ld, r.item, back, sizeof(back));
		CHECK(objref_parse(back, &r2, NULL) == 0);
		CHECK(!strcmp(r2.item, r.item) && r2.fc == r.fc && !strcmp(r2.path, r.path));
	}
	free(s);
	return 0;
}
