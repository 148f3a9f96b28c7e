/* SPDX-License-Identifier: Apache-2.0 */
/* The MMS file services end to end in memory: an iedc-style client and an
 * iedd association (tests/unit/pair.h) with acsi/files.c over the real
 * rooted store (daemon/file_service.c) on a temporary directory. Checks
 * what is announced, GetFile in PDU-sized chunks, FileDirectory paging,
 * every refusal with its ISO 9506 file error, and that the association's
 * end closes its files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_service.h"
#include "mms_client.h"
#include "mms_file.h"
#include "pair.h"
#include "store/files.h"	/* read_delay_ms: a slow disk */

static char root[64], path[256];

static void put(const char *name, size_t size)
{
	snprintf(path, sizeof(path), "%s/%s", root, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/iedd-acsi-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	put("rec.dat", 5000);
	put("a.cfg", 10);
	snprintf(path, sizeof(path), "%s/many", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (int i = 0; i < 100; i++) {
		char n[64];
		snprintf(n, sizeof(n), "many/record-%03d.cfg", i);
		put(n, (size_t)i);
	}
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct answer {
	struct mms_pdu pdu;
	int r;				/* of mms_client_check */
	struct mms_client_refusal ref;
};

/* Sends the request in b (freed) and checks the answer against it. */
static struct answer call(struct pair *p, struct buf *b, uint32_t id, uint32_t svc)
{
	struct answer a = { 0 };
	const uint8_t *d;
	size_t n;
	ck_assert_int_eq(b->err, 0);
	ck_assert_int_eq(send_mms(p, buf_data(b), b->len), MMS_STEP_CONTINUE);
	buf_clear(b);
	recv_mms(p, &d, &n);
	ck_assert_int_eq(mms_pdu_decode(d, n, &a.pdu, NULL), 0);
	a.r = mms_client_check(&a.pdu, id, svc, &a.ref, NULL);
	return a;
}

#define REQ(stmt)                                                                               \
	({                                                                                      \
		struct buf b_;                                                                  \
		buf_init(&b_, ISO_HEADROOM, 0);                                                 \
		struct buf *rq = &b_;                                                           \
		stmt;                                                                           \
		b_;                                                                             \
	})

static void expect_file_error(struct answer a, int code)
{
	ck_assert_int_eq(a.r, -EREMOTEIO);
	ck_assert_uint_eq(a.ref.kind, MMS_CONFIRMED_ERROR);
	ck_assert_int_eq(a.ref.error_class, MMS_ERR_FILE);
	ck_assert_msg(a.ref.code == code, "file error %d (%s), expected %d (%s)", a.ref.code,
		      mms_file_error_name(a.ref.code), code, mms_file_error_name(code));
}

static void up(struct pair *p, struct file_service *fs, uint32_t max_pdu, bool del, bool ren)
{
	char err[256];
	pair_init(p, max_pdu);
	ck_assert_int_eq(file_service_open(fs, root, del, ren, err, sizeof(err)), 0);
	mms_server_set_files(&p->srv, &fs->acsi);
	pair_up(p, 10);
}

START_TEST(announced)
{
	struct pair p;
	struct file_service fs;
	pair_init(&p, 65000);
	ck_assert(!mms_bit(p.srv.limits.services, MMS_SVC_FILE_OPEN));
	/* without file services a file request is "not offered" */
	pair_up(&p, 10);
	struct buf b = REQ(mms_file_dir_req_encode(rq, 1, NULL, NULL));
	struct answer a = call(&p, &b, 1, MMS_SVC_FILE_DIRECTORY);
	ck_assert_int_eq(a.r, -EREMOTEIO);
	ck_assert_int_eq(a.ref.error_class, MMS_ERR_SERVICE);
	pair_clear(&p);

	up(&p, &fs, 65000, false, false);
	const uint32_t on[] = { MMS_SVC_FILE_DIRECTORY, MMS_SVC_FILE_OPEN, MMS_SVC_FILE_READ,
				MMS_SVC_FILE_CLOSE };
	for (size_t i = 0; i < 4; i++)
		ck_assert(mms_bit(p.srv.limits.services, on[i]));
	ck_assert(!mms_bit(p.srv.limits.services, MMS_SVC_FILE_DELETE));
	ck_assert(!mms_bit(p.srv.limits.services, MMS_SVC_FILE_RENAME));
	pair_clear(&p);
	file_service_close(&fs);

	up(&p, &fs, 65000, true, true);
	ck_assert(mms_bit(p.srv.limits.services, MMS_SVC_FILE_DELETE));
	ck_assert(mms_bit(p.srv.limits.services, MMS_SVC_FILE_RENAME));
	pair_clear(&p);
	file_service_close(&fs);
}
END_TEST

START_TEST(get_file)
{
	struct pair p;
	struct file_service fs;
	up(&p, &fs, 1000, false, false);
	struct buf b = REQ(mms_file_open_req_encode(rq, 2, "/rec.dat", 0));
	struct answer a = call(&p, &b, 2, MMS_SVC_FILE_OPEN);
	ck_assert_int_eq(a.r, 0);
	int32_t frsm;
	struct mms_file_attr at;
	ck_assert_int_eq(mms_file_open_resp_decode(a.pdu.body, a.pdu.body_len, &frsm, &at, NULL),
			 0);
	ck_assert_uint_eq(at.size, 5000);
	size_t total = 0, chunks = 0;
	bool more = true;
	while (more) {
		b = REQ(mms_file_frsm_req_encode(rq, 3, MMS_SVC_FILE_READ, frsm));
		a = call(&p, &b, 3, MMS_SVC_FILE_READ);
		ck_assert_int_eq(a.r, 0);
		const uint8_t *d;
		size_t n;
		ck_assert_int_eq(mms_file_read_resp_decode(a.pdu.body, a.pdu.body_len, &d, &n,
							   &more, NULL), 0);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(d[i], (total + i) * 7 % 251);
		total += n;
		chunks++;
		ck_assert_uint_le(n, 1000);
	}
	ck_assert_uint_eq(total, 5000);
	/* chunks fill the negotiated PDU (1000 octets) */
	ck_assert_uint_eq(chunks, (5000 + 967) / 968);
	b = REQ(mms_file_frsm_req_encode(rq, 4, MMS_SVC_FILE_CLOSE, frsm));
	ck_assert_int_eq(call(&p, &b, 4, MMS_SVC_FILE_CLOSE).r, 0);
	/* a second close, a read of a closed FRSM, an FRSM never opened */
	b = REQ(mms_file_frsm_req_encode(rq, 5, MMS_SVC_FILE_CLOSE, frsm));
	expect_file_error(call(&p, &b, 5, MMS_SVC_FILE_CLOSE), MMS_FILE_OTHER);
	b = REQ(mms_file_frsm_req_encode(rq, 6, MMS_SVC_FILE_READ, frsm));
	expect_file_error(call(&p, &b, 6, MMS_SVC_FILE_READ), MMS_FILE_OTHER);
	b = REQ(mms_file_frsm_req_encode(rq, 7, MMS_SVC_FILE_READ, 77));
	expect_file_error(call(&p, &b, 7, MMS_SVC_FILE_READ), MMS_FILE_OTHER);
	/* initialPosition beyond the size */
	b = REQ(mms_file_open_req_encode(rq, 8, "rec.dat", 5001));
	expect_file_error(call(&p, &b, 8, MMS_SVC_FILE_OPEN), MMS_FILE_POSITION_INVALID);
	pair_clear(&p);
	file_service_close(&fs);
}
END_TEST

START_TEST(refusals)
{
	struct pair p;
	struct file_service fs;
	up(&p, &fs, 65000, false, false);
	struct buf b = REQ(mms_file_open_req_encode(rq, 1, "../etc/passwd", 0));
	expect_file_error(call(&p, &b, 1, MMS_SVC_FILE_OPEN), MMS_FILE_ACCESS_DENIED);
	b = REQ(mms_file_open_req_encode(rq, 2, "a\nb", 0));
	expect_file_error(call(&p, &b, 2, MMS_SVC_FILE_OPEN), MMS_FILE_FILENAME_SYNTAX_ERROR);
	b = REQ(mms_file_open_req_encode(rq, 3, "nothing.cfg", 0));
	expect_file_error(call(&p, &b, 3, MMS_SVC_FILE_OPEN), MMS_FILE_NON_EXISTENT);
	b = REQ(mms_file_open_req_encode(rq, 4, "many", 0));
	expect_file_error(call(&p, &b, 4, MMS_SVC_FILE_OPEN), MMS_FILE_ACCESS_DENIED);
	b = REQ(mms_file_dir_req_encode(rq, 5, "../", NULL));
	expect_file_error(call(&p, &b, 5, MMS_SVC_FILE_DIRECTORY), MMS_FILE_ACCESS_DENIED);
	/* delete and rename are off: refused, and nothing changes */
	b = REQ(mms_file_delete_req_encode(rq, 6, "a.cfg"));
	expect_file_error(call(&p, &b, 6, MMS_SVC_FILE_DELETE), MMS_FILE_ACCESS_DENIED);
	b = REQ(mms_file_rename_req_encode(rq, 7, "a.cfg", "b.cfg"));
	expect_file_error(call(&p, &b, 7, MMS_SVC_FILE_RENAME), MMS_FILE_ACCESS_DENIED);
	snprintf(path, sizeof(path), "%s/a.cfg", root);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* five FRSMs, then resource/capability-unavailable */
	for (uint32_t i = 0; i < 5; i++) {
		b = REQ(mms_file_open_req_encode(rq, 10 + i, "a.cfg", 0));
		ck_assert_int_eq(call(&p, &b, 10 + i, MMS_SVC_FILE_OPEN).r, 0);
	}
	b = REQ(mms_file_open_req_encode(rq, 20, "a.cfg", 0));
	struct answer a = call(&p, &b, 20, MMS_SVC_FILE_OPEN);
	ck_assert_int_eq(a.r, -EREMOTEIO);
	ck_assert_int_eq(a.ref.error_class, MMS_ERR_RESOURCE);
	/* a FileRead whose argument is no INTEGER is rejected */
	static const uint8_t bad[] = { 0xA0, 0x06, 0x02, 0x01, 0x21, 0x9F, 0x49, 0x00 };
	const uint8_t *d;
	size_t n;
	ck_assert_int_eq(send_mms(&p, bad, sizeof(bad)), MMS_STEP_CONTINUE);
	recv_mms(&p, &d, &n);
	ck_assert_uint_eq(d[0], 0xA4); /* RejectPDU */
	pair_clear(&p);
	file_service_close(&fs);
}
END_TEST

START_TEST(delete_rename)
{
	struct pair p;
	struct file_service fs;
	up(&p, &fs, 65000, true, true);
	struct buf b = REQ(mms_file_rename_req_encode(rq, 1, "a.cfg", "many/b.cfg"));
	ck_assert_int_eq(call(&p, &b, 1, MMS_SVC_FILE_RENAME).r, 0);
	snprintf(path, sizeof(path), "%s/many/b.cfg", root);
	ck_assert_int_eq(access(path, F_OK), 0);
	b = REQ(mms_file_rename_req_encode(rq, 2, "rec.dat", "many/b.cfg"));
	expect_file_error(call(&p, &b, 2, MMS_SVC_FILE_RENAME), MMS_FILE_DUPLICATE_FILENAME);
	b = REQ(mms_file_rename_req_encode(rq, 3, "rec.dat", "../rec.dat"));
	expect_file_error(call(&p, &b, 3, MMS_SVC_FILE_RENAME), MMS_FILE_ACCESS_DENIED);
	b = REQ(mms_file_delete_req_encode(rq, 4, "many/b.cfg"));
	ck_assert_int_eq(call(&p, &b, 4, MMS_SVC_FILE_DELETE).r, 0);
	ck_assert_int_ne(access(path, F_OK), 0);
	b = REQ(mms_file_delete_req_encode(rq, 5, "many/b.cfg"));
	expect_file_error(call(&p, &b, 5, MMS_SVC_FILE_DELETE), MMS_FILE_NON_EXISTENT);
	pair_clear(&p);
	file_service_close(&fs);
}
END_TEST

/* 100 entries through 1000-octet PDUs: several pages, each name once. */
START_TEST(directory_pages)
{
	struct pair p;
	struct file_service fs;
	up(&p, &fs, 1000, false, false);
	char last[MMS_FILE_NAME_MAX + 1] = "";
	int seen = 0, pages = 0;
	bool more = true;
	while (more) {
		uint32_t id = 100 + (uint32_t)pages;
		struct buf b = REQ(mms_file_dir_req_encode(rq, id, "many", *last ? last : NULL));
		struct answer a = call(&p, &b, id, MMS_SVC_FILE_DIRECTORY);
		ck_assert_int_eq(a.r, 0);
		struct mms_file_dir_resp r;
		struct mms_file_name name;
		struct mms_file_attr at;
		ck_assert_int_eq(mms_file_dir_resp_decode(a.pdu.body, a.pdu.body_len, &r, NULL), 0);
		while (mms_file_dir_resp_next(&r, &name, &at, NULL) == 1) {
			char exp[64];
			snprintf(exp, sizeof(exp), "many/record-%03d.cfg", seen);
			ck_assert_str_eq(name.s, exp);
			ck_assert_uint_eq(at.size, (unsigned)seen);
			snprintf(last, sizeof(last), "%s", name.s);
			seen++;
		}
		more = r.more_follows;
		pages++;
		ck_assert_int_lt(pages, 50);
	}
	ck_assert_int_eq(seen, 100);
	ck_assert_int_gt(pages, 2);
	pair_clear(&p);
	file_service_close(&fs);
}
END_TEST

START_TEST(assoc_end_closes)
{
	struct pair p;
	struct file_service fs;
	int before = count_fds();
	up(&p, &fs, 65000, false, false);
	int with_store = count_fds();
	for (uint32_t i = 0; i < 3; i++) {
		struct buf b = REQ(mms_file_open_req_encode(rq, i + 1, "rec.dat", 0));
		ck_assert_int_eq(call(&p, &b, i + 1, MMS_SVC_FILE_OPEN).r, 0);
	}
	ck_assert_int_eq(count_fds(), with_store + 3);
	pair_clear(&p); /* what net/ does when the association ends, however */
	ck_assert_int_eq(count_fds(), with_store);
	file_service_close(&fs);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* What net/ does with a deferred response: onto the wire. */
static void emit_to_wire(void *ctx, const uint8_t *data, size_t len)
{
	struct pair *p = ctx;
	buf_put(&p->wire, data, len);
}

/* Waits for the file worker's wake-up and lets the server take what is back. */
static void worker_back(struct pair *p)
{
	struct pollfd pf = { .fd = mms_server_files_wake_fd(&p->srv), .events = POLLIN };
	ck_assert_int_ge(pf.fd, 0);
	ck_assert_int_eq(poll(&pf, 1, 30000), 1);
	mms_server_files_drain(&p->srv);
}

/* Issue 16: with a deferred-response path (net/'s emit), FileRead runs on
 * the store's worker: nothing is answered at once, the answer comes with
 * the wake-up; its invokeID stays outstanding and its FRSM cannot close
 * meanwhile; an association that ends mid-read gets no answer and its
 * files close when the worker is back. */
START_TEST(read_on_worker)
{
	struct pair p;
	struct file_service fs;
	int before = count_fds();
	up(&p, &fs, 1000, false, false);
	fs.store->read_delay_ms = 200; /* the worker is still reading when asked below */
	mms_assoc_set_emit(&p.a, &p.srv, emit_to_wire, NULL, &p);
	int with_store = count_fds();
	struct buf b = REQ(mms_file_open_req_encode(rq, 2, "rec.dat", 0));
	struct answer a = call(&p, &b, 2, MMS_SVC_FILE_OPEN);
	int32_t frsm;
	struct mms_file_attr at;
	ck_assert_int_eq(mms_file_open_resp_decode(a.pdu.body, a.pdu.body_len, &frsm, &at, NULL),
			 0);
	b = REQ(mms_file_frsm_req_encode(rq, 3, MMS_SVC_FILE_READ, frsm));
	ck_assert_int_eq(send_mms(&p, buf_data(&b), b.len), MMS_STEP_CONTINUE);
	buf_clear(&b);
	ck_assert_uint_eq(p.wire.len, 0); /* with the worker */
	b = REQ(mms_file_frsm_req_encode(rq, 4, MMS_SVC_FILE_CLOSE, frsm));
	expect_file_error(call(&p, &b, 4, MMS_SVC_FILE_CLOSE), MMS_FILE_BUSY);
	b = REQ(mms_file_frsm_req_encode(rq, 5, MMS_SVC_FILE_READ, frsm));
	expect_file_error(call(&p, &b, 5, MMS_SVC_FILE_READ), MMS_FILE_BUSY);
	b = REQ(mms_file_frsm_req_encode(rq, 3, MMS_SVC_FILE_CLOSE, frsm));
	a = call(&p, &b, 3, MMS_SVC_FILE_CLOSE);
	ck_assert_uint_eq(a.pdu.kind, MMS_REJECT); /* invokeID 3 is outstanding */
	/* ISO 9506-1 §8.4: no Conclude while the FileRead is out */
	static const uint8_t conclude[] = { 0x8B, 0x00 };
	static const uint8_t conclude_err[] = { 0xAD, 0x05, 0xA0, 0x03, 0x89, 0x01, 0x01 };
	ck_assert_answer(&p, conclude, conclude_err);
	worker_back(&p);
	const uint8_t *d;
	size_t n;
	bool more;
	recv_mms(&p, &d, &n);
	ck_assert_int_eq(mms_pdu_decode(d, n, &a.pdu, NULL), 0);
	ck_assert_int_eq(mms_client_check(&a.pdu, 3, MMS_SVC_FILE_READ, &a.ref, NULL), 0);
	ck_assert_int_eq(mms_file_read_resp_decode(a.pdu.body, a.pdu.body_len, &d, &n, &more, NULL),
			 0);
	ck_assert_uint_eq(n, 968);
	ck_assert(more);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(d[i], i * 7 % 251);
	ck_assert_uint_eq(p.a.deferred, 1);
	/* the association ends while its next read is out */
	b = REQ(mms_file_frsm_req_encode(rq, 6, MMS_SVC_FILE_READ, frsm));
	ck_assert_int_eq(send_mms(&p, buf_data(&b), b.len), MMS_STEP_CONTINUE);
	buf_clear(&b);
	ck_assert_int_eq(count_fds(), with_store + 1);
	pair_clear(&p);
	ck_assert_int_eq(count_fds(), with_store + 1); /* the worker still reads it */
	struct pollfd pf = { .fd = acsi_files_wake_fd(&fs.acsi), .events = POLLIN };
	ck_assert_int_eq(poll(&pf, 1, 30000), 1);
	acsi_files_drain(&fs.acsi);
	ck_assert_int_eq(count_fds(), with_store);
	ck_assert_uint_eq(p.wire.len, 0); /* nobody answered */
	file_service_close(&fs);
	ck_assert_int_eq(count_fds(), before);
	/* and a daemon stop while a read is out: file_service_close waits for it */
	up(&p, &fs, 1000, false, false);
	fs.store->read_delay_ms = 100;
	mms_assoc_set_emit(&p.a, &p.srv, emit_to_wire, NULL, &p);
	b = REQ(mms_file_open_req_encode(rq, 2, "rec.dat", 0));
	ck_assert_int_eq(call(&p, &b, 2, MMS_SVC_FILE_OPEN).r, 0);
	b = REQ(mms_file_frsm_req_encode(rq, 3, MMS_SVC_FILE_READ, 1));
	ck_assert_int_eq(send_mms(&p, buf_data(&b), b.len), MMS_STEP_CONTINUE);
	buf_clear(&b);
	pair_clear(&p);
	file_service_close(&fs);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* The client's side of an ObtainFile: answers iedd's FileOpen/Read/Close
 * for `src` with `data`, until iedd answers the ObtainFile (returned), or
 * stops after `stop_after` reads (then returns with a.r = 1). */
static struct answer obtain(struct pair *p, const char *src, const char *dst, const char *data,
			    size_t chunk, int stop_after)
{
	struct buf b = REQ(mms_file_obtain_req_encode(rq, 40, src, dst));
	size_t pos = 0, len = strlen(data);
	int reads = 0;
	ck_assert_int_eq(send_mms(p, buf_data(&b), b.len), MMS_STEP_CONTINUE);
	buf_clear(&b);
	for (int turn = 0; turn < 1000; turn++) {
		const uint8_t *d;
		size_t n;
		struct answer a = { 0 };
		recv_mms(p, &d, &n);
		ck_assert_int_eq(mms_pdu_decode(d, n, &a.pdu, NULL), 0);
		if (a.pdu.kind != MMS_CONFIRMED_REQUEST) {
			a.r = mms_client_check(&a.pdu, 40, MMS_SVC_OBTAIN_FILE, &a.ref, NULL);
			return a;
		}
		buf_init(&b, ISO_HEADROOM, 0);
		if (a.pdu.service == MMS_SVC_FILE_OPEN) {
			struct mms_file_open_req o;
			ck_assert_int_eq(mms_file_open_req_decode(a.pdu.body, a.pdu.body_len, &o, NULL), 0);
			ck_assert_str_eq(o.name.s, src);
			struct mms_file_attr at = { .size = (uint32_t)len };
			if (!strcmp(src, "missing"))
				mms_encode_confirmed_error(&b, a.pdu.invoke_id, MMS_ERR_FILE,
							   MMS_FILE_NON_EXISTENT);
			else
				mms_file_open_resp_encode(&b, a.pdu.invoke_id, 7, &at);
		} else if (a.pdu.service == MMS_SVC_FILE_READ) {
			if (stop_after && ++reads > stop_after) {
				buf_clear(&b);
				a.r = 1;
				return a;
			}
			size_t k = len - pos < chunk ? len - pos : chunk;
			mms_file_read_resp_encode(&b, a.pdu.invoke_id, (const uint8_t *)data + pos, k,
						  pos + k < len);
			pos += k;
		} else {
			ck_assert_uint_eq(a.pdu.service, MMS_SVC_FILE_CLOSE);
			mms_file_null_resp_encode(&b, a.pdu.invoke_id, MMS_SVC_FILE_CLOSE);
		}
		ck_assert_int_eq(send_mms(p, buf_data(&b), b.len), MMS_STEP_CONTINUE);
		buf_clear(&b);
	}
	ck_abort_msg("ObtainFile never ended");
	return (struct answer){ 0 };
}

START_TEST(obtain_file)
{
	struct pair p;
	struct file_service fs;
	char err[256];
	static const char text[] = "COMTRADE configuration, a few chunks long, as a client puts it";
	/* off by default: refused, not announced */
	up(&p, &fs, 65000, false, false);
	ck_assert(!mms_bit(p.srv.limits.services, MMS_SVC_OBTAIN_FILE));
	struct buf b = REQ(mms_file_obtain_req_encode(rq, 1, "x", "put.cfg"));
	expect_file_error(call(&p, &b, 1, MMS_SVC_OBTAIN_FILE), MMS_FILE_ACCESS_DENIED);
	pair_clear(&p);
	file_service_close(&fs);

	pair_init(&p, 65000);
	ck_assert_int_eq(file_service_open_all(&fs, root, false, false, true, err, sizeof(err)), 0);
	mms_server_set_files(&p.srv, &fs.acsi);
	pair_up(&p, 10);
	ck_assert(mms_bit(p.srv.limits.services, MMS_SVC_OBTAIN_FILE));
	ck_assert_int_eq(obtain(&p, "local.cfg", "put.cfg", text, 10, 0).r, 0);
	snprintf(path, sizeof(path), "%s/put.cfg", root);
	FILE *f = fopen(path, "r");
	char got[128] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_str_eq(got, text);
	/* an existing name, a name outside, the client's own refusal */
	expect_file_error(obtain(&p, "local.cfg", "put.cfg", text, 10, 0), MMS_FILE_DUPLICATE_FILENAME);
	expect_file_error(obtain(&p, "local.cfg", "../x.cfg", text, 10, 0), MMS_FILE_ACCESS_DENIED);
	expect_file_error(obtain(&p, "missing", "m.cfg", text, 10, 0), MMS_FILE_NON_EXISTENT);
	snprintf(path, sizeof(path), "%s/m.cfg", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* the client goes away in the middle: no partial file, no descriptor */
	int fds = count_fds();
	ck_assert_int_eq(obtain(&p, "local.cfg", "half.cfg", text, 10, 2).r, 1);
	ck_assert_int_eq(count_fds(), fds + 2); /* the unnamed file and its directory */
	/* a Conclude must wait while the ObtainFile runs */
	const uint8_t *d;
	size_t n;
	static const uint8_t conclude[] = { 0x8B, 0x00 };
	ck_assert_int_eq(send_mms(&p, conclude, sizeof(conclude)), MMS_STEP_CONTINUE);
	recv_mms(&p, &d, &n);
	ck_assert_uint_eq(d[0], 0xAD); /* conclude-ErrorPDU */
	pair_clear(&p);
	snprintf(path, sizeof(path), "%s/half.cfg", root);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(count_fds(), fds);
	file_service_close(&fs);
}
END_TEST

static Suite *acsi_files_suite(void)
{
	Suite *s = suite_create("acsi_files");
	TCase *tc = tcase_create("services");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, announced);
	tcase_add_test(tc, get_file);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, delete_rename);
	tcase_add_test(tc, directory_pages);
	tcase_add_test(tc, assoc_end_closes);
	tcase_add_test(tc, read_on_worker);
	tcase_add_test(tc, obtain_file);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(acsi_files_suite)
