/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as the body of every MMS file service
 * PDU, server and client side (daemon/proto/mms_file.c). What decodes with
 * a usable name is encoded again by the client encoders and must decode to
 * the same request; names never exceed MMS_FILE_NAME_MAX and never hold a
 * control character when syntax_ok. Any inconsistency is a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iso.h"
#include "mms_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

static void check_name(const struct mms_file_name *n)
{
	CHECK(n->len <= MMS_FILE_NAME_MAX);
	CHECK(n->s[n->len] == 0);
	if (!n->syntax_ok)
		return;
	CHECK(strlen(n->s) == n->len && n->len > 0);
	for (size_t i = 0; i < n->len; i++)
		CHECK((unsigned char)n->s[i] >= 0x20 && n->s[i] != 0x7F);
}

/* The body of the single confirmed request in b. */
static void body_of(const struct buf *b, uint32_t svc, struct mms_pdu *p)
{
	CHECK(!b->err);
	CHECK(mms_pdu_decode(buf_data(b), b->len, p, NULL) == 0);
	CHECK(p->service == svc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mms_file_dir_req d, d2;
	struct mms_file_open_req o, o2;
	struct mms_file_rename_req rr, rr2;
	struct mms_file_name n, n2;
	struct mms_file_attr a;
	struct mms_file_dir_resp dr;
	struct mms_pdu p;
	struct buf b;
	const uint8_t *fd;
	size_t fn;
	bool more;
	int32_t frsm;
	int64_t ms;

	if (!mms_file_dir_req_decode(data, size, &d, NULL)) {
		if (d.has_spec)
			check_name(&d.spec);
		if (d.has_continue_after)
			check_name(&d.continue_after);
		if ((!d.has_spec || d.spec.syntax_ok) &&
		    (!d.has_continue_after || d.continue_after.syntax_ok)) {
			buf_init(&b, ISO_HEADROOM, 0);
			mms_file_dir_req_encode(&b, 1, d.has_spec ? d.spec.s : NULL,
						d.has_continue_after ? d.continue_after.s : NULL);
			body_of(&b, MMS_SVC_FILE_DIRECTORY, &p);
			CHECK(!mms_file_dir_req_decode(p.body, p.body_len, &d2, NULL));
			CHECK(d2.has_spec == d.has_spec && !strcmp(d2.spec.s, d.spec.s));
			CHECK(!strcmp(d2.continue_after.s, d.continue_after.s));
			buf_clear(&b);
		}
	}
	if (!mms_file_open_req_decode(data, size, &o, NULL)) {
		check_name(&o.name);
		if (o.name.syntax_ok) {
			buf_init(&b, ISO_HEADROOM, 0);
			mms_file_open_req_encode(&b, 2, o.name.s, o.initial_position);
			body_of(&b, MMS_SVC_FILE_OPEN, &p);
			CHECK(!mms_file_open_req_decode(p.body, p.body_len, &o2, NULL));
			CHECK(!strcmp(o2.name.s, o.name.s) &&
			      o2.initial_position == o.initial_position);
			buf_clear(&b);
		}
	}
	if (!mms_file_delete_req_decode(data, size, &n, NULL)) {
		check_name(&n);
		if (n.syntax_ok && !strchr(n.s, '/')) {
			/* one component: the encoding is the same name */
			buf_init(&b, ISO_HEADROOM, 0);
			mms_file_delete_req_encode(&b, 3, n.s);
			body_of(&b, MMS_SVC_FILE_DELETE, &p);
			CHECK(!mms_file_delete_req_decode(p.body, p.body_len, &n2, NULL));
			CHECK(!strcmp(n2.s, n.s));
			buf_clear(&b);
		}
	}
	if (!mms_file_rename_req_decode(data, size, &rr, NULL)) {
		check_name(&rr.from);
		check_name(&rr.to);
		if (rr.from.syntax_ok && rr.to.syntax_ok) {
			buf_init(&b, ISO_HEADROOM, 0);
			mms_file_rename_req_encode(&b, 4, rr.from.s, rr.to.s);
			body_of(&b, MMS_SVC_FILE_RENAME, &p);
			CHECK(!mms_file_rename_req_decode(p.body, p.body_len, &rr2, NULL));
			CHECK(!strcmp(rr2.from.s, rr.from.s) && !strcmp(rr2.to.s, rr.to.s));
			buf_clear(&b);
		}
	}
	(void)mms_file_frsm_decode(data, size, &frsm, NULL);
	if (!mms_file_dir_resp_decode(data, size, &dr, NULL)) {
		uint32_t k = 0;
		int r;
		while ((r = mms_file_dir_resp_next(&dr, &n, &a, NULL)) == 1) {
			check_name(&n);
			k++;
		}
		/* decode validated every entry: iteration cannot fail */
		CHECK(r == 0 && k == dr.count);
	}
	if (!mms_file_open_resp_decode(data, size, &frsm, &a, NULL)) {
		buf_init(&b, ISO_HEADROOM, 0);
		mms_file_open_resp_encode(&b, 5, frsm, &a);
		CHECK(!b.err);
		buf_clear(&b);
	}
	if (!mms_file_read_resp_decode(data, size, &fd, &fn, &more, NULL))
		CHECK(fd >= data && fd + fn <= data + size);
	(void)mms_file_time_parse(data, size, &ms);
	return 0;
}
