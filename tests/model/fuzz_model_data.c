/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as MMS Data against the types of a
 * fixed model (every basic type, structures, arrays). The first octet
 * picks the attribute. A refused value must leave the stored value as it
 * was; an accepted one must encode back and decode to the same storage. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static const char scl[] =
	"<SCL xmlns=\"http://www.iec.ch/61850/2003/SCL\"><IED name=\"F\"><AccessPoint name=\"A\">"
	"<Server><LDevice inst=\"L\"><LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"T\"/></LDevice>"
	"</Server></AccessPoint></IED><DataTypeTemplates>"
	"<LNodeType id=\"T\" lnClass=\"LLN0\"><DO name=\"D\" type=\"D\"/></LNodeType>"
	"<DOType id=\"D\" cdc=\"X\">"
	"<DA name=\"b\" bType=\"BOOLEAN\" fc=\"SP\"/><DA name=\"i8\" bType=\"INT8\" fc=\"SP\"/>"
	"<DA name=\"i16\" bType=\"INT16\" fc=\"SP\"/><DA name=\"i24\" bType=\"INT24\" fc=\"SP\"/>"
	"<DA name=\"i32\" bType=\"INT32\" fc=\"SP\"/><DA name=\"i64\" bType=\"INT64\" fc=\"SP\"/>"
	"<DA name=\"i128\" bType=\"INT128\" fc=\"SP\"/><DA name=\"u8\" bType=\"INT8U\" fc=\"SP\"/>"
	"<DA name=\"u16\" bType=\"INT16U\" fc=\"SP\"/><DA name=\"u24\" bType=\"INT24U\" fc=\"SP\"/>"
	"<DA name=\"u32\" bType=\"INT32U\" fc=\"SP\"/><DA name=\"f32\" bType=\"FLOAT32\" fc=\"SP\"/>"
	"<DA name=\"f64\" bType=\"FLOAT64\" fc=\"SP\"/><DA name=\"e\" bType=\"Enum\" type=\"E\" fc=\"SP\"/>"
	"<DA name=\"dp\" bType=\"Dbpos\" fc=\"SP\"/><DA name=\"tc\" bType=\"Tcmd\" fc=\"SP\"/>"
	"<DA name=\"ck\" bType=\"Check\" fc=\"SP\"/><DA name=\"q\" bType=\"Quality\" fc=\"SP\"/>"
	"<DA name=\"ts\" bType=\"Timestamp\" fc=\"SP\"/><DA name=\"et\" bType=\"EntryTime\" fc=\"SP\"/>"
	"<DA name=\"v32\" bType=\"VisString32\" fc=\"SP\"/><DA name=\"u255\" bType=\"Unicode255\" fc=\"SP\"/>"
	"<DA name=\"o64\" bType=\"Octet64\" fc=\"SP\"/><DA name=\"eid\" bType=\"EntryID\" fc=\"SP\"/>"
	"<DA name=\"trg\" bType=\"TrgOps\" fc=\"SP\"/><DA name=\"opt\" bType=\"OptFlds\" fc=\"SP\"/>"
	"<DA name=\"st\" bType=\"Struct\" type=\"S\" fc=\"SP\"/>"
	"<DA name=\"arr\" bType=\"Struct\" type=\"S\" fc=\"SP\" count=\"3\"/></DOType>"
	"<DAType id=\"S\"><BDA name=\"f\" bType=\"FLOAT32\"/><BDA name=\"q\" bType=\"Quality\"/>"
	"<BDA name=\"a\" bType=\"INT8U\" count=\"2\"/></DAType>"
	"<EnumType id=\"E\"><EnumVal ord=\"1\">a</EnumVal><EnumVal ord=\"3\">b</EnumVal></EnumType>"
	"</DataTypeTemplates></SCL>";

static struct model *M;
static const struct mtype *D;	/* the DO's SP structure */
static uint32_t DOFF;

static void setup(void)
{
	char path[64], err[512];
	int fd = memfd_create("scl", 0);
	CHECK(fd >= 0);
	CHECK(write(fd, scl, sizeof(scl) - 1) == (ssize_t)(sizeof(scl) - 1));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(model_load_scl(path, NULL, &M, err, sizeof(err)) == 0);
	close(fd);
	struct mref r;
	CHECK(model_resolve_mms(M, "FL", "LLN0$SP$D", &r) == 0);
	D = r.type;
	DOFF = r.voff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!M)
		setup();
	if (size < 1)
		return 0;
	/* 0..n-1: one attribute; n: the whole DO */
	uint32_t pick = data[0] % (D->n + 1);
	const struct mtype *t = pick < D->n ? D->comp[pick].type : D;
	uint32_t voff = DOFF + (pick < D->n ? D->comp[pick].off : 0);
	uint8_t *copy = malloc(size), *before = malloc(t->size);
	memcpy(copy, data + 1, size - 1);
	memcpy(before, M->values + voff, t->size);
	struct ber_cur c;
	struct ber_tlv tlv;
	ber_cur_init(&c, copy, size - 1);
	if (!ber_next(&c, &tlv, NULL)) {
		int r = model_store_data_unhooked(M, t, voff, &c, &tlv);
		CHECK(r == 0 || r == 7 || r == 11);
		if (r) {
			CHECK(!memcmp(before, M->values + voff, t->size));
		} else {
			/* what was stored encodes and decodes to the same storage */
			struct buf b;
			struct ber_cur c2;
			struct ber_tlv t2;
			buf_init(&b, 0, 0);
			model_encode_data(M, t, voff, &b);
			CHECK(!b.err);
			memcpy(before, M->values + voff, t->size);
			ber_cur_init(&c2, buf_data(&b), b.len);
			CHECK(ber_next(&c2, &t2, NULL) == 0);
			CHECK(model_store_data_unhooked(M, t, voff, &c2, &t2) == 0);
			CHECK(!memcmp(before, M->values + voff, t->size));
			buf_clear(&b);
		}
	}
	free(copy);
	free(before);
	return 0;
}
