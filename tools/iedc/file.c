/* SPDX-License-Identifier: Apache-2.0 */
/* iedc file: the MMS file services (ISO 9506-2 Annex D; IEC 61850-8-1 §23)
 * from the client side. ls = FileDirectory with continueAfter paging, get =
 * FileOpen + FileRead until moreFollows is false + FileClose (GetFile),
 * rm = FileDelete, mv = FileRename, put = ObtainFile (the server fetches
 * the file from iedc, which answers its FileOpen/FileRead/FileClose). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iedc.h"
#include "mms_file.h"

/* A server that never stops paging must not keep iedc busy forever. */
#define ENTRIES_MAX 10000000

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "2026-11-24T10:00:00.000Z", the form iedc prints UTC times in. */
static void iso_time(int64_t ms, char *out, size_t n)
{
	char g[24];
	mms_file_time_format(ms, g);
	snprintf(out, n, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", g, g + 4, g + 6, g + 8, g + 10,
		 g + 12, g + 15);
}

static int bad_answer(struct client *c, const char *what, const struct proto_err *err)
{
	return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s: %s", c->peer, what,
			 err->layer ? err->layer : "mms", err->reason);
}

static int file_ls(struct client *c, bool json, const char *path)
{
	char what[320], last[MMS_FILE_NAME_MAX + 1] = "", when[40];
	unsigned long n = 0;
	snprintf(what, sizeof(what), "FileDirectory of %s", path ? path : "/");
	if (json)
		fputs("{\"files\":[", stdout);
	for (;;) {
		struct buf pdu;
		struct mms_pdu p;
		struct mms_file_dir_resp d;
		struct mms_file_name name;
		struct mms_file_attr a;
		struct proto_err err = { 0 };
		uint32_t id = c->next_invoke++;
		buf_init(&pdu, ISO_HEADROOM, 0);
		mms_file_dir_req_encode(&pdu, id, path, *last ? last : NULL);
		int r = client_call(c, &pdu, id, MMS_SVC_FILE_DIRECTORY, what, &p);
		buf_clear(&pdu);
		if (!r && mms_file_dir_resp_decode(p.body, p.body_len, &d, &err))
			r = bad_answer(c, what, &err);
		if (r) {
			if (json) {
				fputs("],\"error\":", stdout);
				json_str(stdout, c->errmsg);
				printf(",\"exitStatus\":%d}\n", r);
				c->json_closed = true;
			}
			return r;
		}
		unsigned long before = n;
		while (mms_file_dir_resp_next(&d, &name, &a, &err) == 1) {
			if (a.has_mtime)
				iso_time(a.mtime_ms, when, sizeof(when));
			else
				snprintf(when, sizeof(when), "-");
			if (json) {
				fputs(n ? ",{\"name\":" : "{\"name\":", stdout);
				json_str(stdout, name.s);
				printf(",\"size\":%u", a.size);
				if (a.has_mtime) {
					fputs(",\"lastModified\":", stdout);
					json_str(stdout, when);
				}
				fputc('}', stdout);
			} else {
				printf("%10u  %-24s  %s\n", a.size, when, name.s);
			}
			snprintf(last, sizeof(last), "%s", name.s);
			n++;
		}
		if (!d.more_follows)
			break;
		/* ISO 9506-1 Annex D: continueAfter is the last name received */
		if (n == before || n > ENTRIES_MAX) {
			r = iedc_fail(c, IEDC_PROTOCOL, "%s: %s: moreFollows %s", c->peer, what,
				      n == before ? "with no entries" : "beyond 10^7 entries");
			if (json) {
				fputs("],\"error\":", stdout);
				json_str(stdout, c->errmsg);
				printf(",\"exitStatus\":%d}\n", r);
				c->json_closed = true;
			}
			return r;
		}
	}
	if (json)
		printf("],\"count\":%lu}\n", n);
	return IEDC_OK;
}

static int frsm_close(struct client *c, int32_t frsm, const char *remote)
{
	struct buf pdu;
	struct mms_pdu p;
	char what[320];
	uint32_t id = c->next_invoke++;
	snprintf(what, sizeof(what), "FileClose of %s", remote);
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_file_frsm_req_encode(&pdu, id, MMS_SVC_FILE_CLOSE, frsm);
	int r = client_call(c, &pdu, id, MMS_SVC_FILE_CLOSE, what, &p);
	buf_clear(&pdu);
	return r;
}

static int file_get(struct client *c, bool json, const char *remote, const char *local)
{
	char what[320], tmp[4200], def[300];
	struct buf pdu;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	struct mms_file_attr a;
	int32_t frsm;
	int r;

	if (!local) {
		const char *slash = strrchr(remote, '/');
		snprintf(def, sizeof(def), "%s", slash ? slash + 1 : remote);
		if (!*def)
			return iedc_fail(c, IEDC_USAGE, "%s names a directory: give LOCAL", remote);
		local = def;
	}
	snprintf(what, sizeof(what), "FileOpen of %s", remote);
	uint32_t id = c->next_invoke++;
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_file_open_req_encode(&pdu, id, remote, 0);
	r = client_call(c, &pdu, id, MMS_SVC_FILE_OPEN, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (mms_file_open_resp_decode(p.body, p.body_len, &frsm, &a, &err))
		return bad_answer(c, what, &err);
	/* written beside the destination and renamed when complete: no half
	 * file under the final name; "-" is standard output (the summary then
	 * goes to standard error) */
	bool to_stdout = !strcmp(local, "-");
	FILE *info = to_stdout ? stderr : stdout;
	snprintf(tmp, sizeof(tmp), "%s.iedc-part", local);
	int fd = to_stdout ? dup(1) : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = iedc_fail(c, IEDC_USAGE, "%s: %s", tmp, strerror(errno));
		frsm_close(c, frsm, remote);
		return r;
	}
	bool tty = isatty(2) && !json;
	double t0 = now_s(), shown = t0;
	uint64_t got = 0;
	bool more = true;
	snprintf(what, sizeof(what), "FileRead of %s", remote);
	while (more) {
		const uint8_t *data;
		size_t n;
		id = c->next_invoke++;
		buf_init(&pdu, ISO_HEADROOM, 0);
		mms_file_frsm_req_encode(&pdu, id, MMS_SVC_FILE_READ, frsm);
		r = client_call(c, &pdu, id, MMS_SVC_FILE_READ, what, &p);
		buf_clear(&pdu);
		if (!r && mms_file_read_resp_decode(p.body, p.body_len, &data, &n, &more, &err))
			r = bad_answer(c, what, &err);
		if (!r && n && write(fd, data, n) != (ssize_t)n)
			r = iedc_fail(c, IEDC_USAGE, "%s: %s", to_stdout ? "standard output" : tmp,
				      strerror(errno));
		if (!r && !n && more)
			r = iedc_fail(c, IEDC_PROTOCOL, "%s: %s: no data but moreFollows", c->peer,
				      what);
		if (r)
			break;
		got += n;
		double t = now_s();
		if (tty && t - shown > 0.25) {
			fprintf(stderr, "\r%s: %llu of %u octets (%.0f %%)", remote,
				(unsigned long long)got, a.size, a.size ? 100.0 * got / a.size : 100.0);
			shown = t;
		}
	}
	if (tty && shown != t0)
		fputc('\n', stderr);
	if (close(fd) && !r)
		r = iedc_fail(c, IEDC_USAGE, "%s: %s", to_stdout ? "standard output" : tmp,
			      strerror(errno));
	int rc = frsm_close(c, frsm, remote);
	if (!r)
		r = rc;
	if (!r && !to_stdout && rename(tmp, local))
		r = iedc_fail(c, IEDC_USAGE, "%s: %s", local, strerror(errno));
	if (r) {
		if (!to_stdout)
			unlink(tmp);
		return r;
	}
	double dt = now_s() - t0;
	double mbs = dt > 0 ? (double)got / 1e6 / dt : 0;
	if (json) {
		fputs("{\"remote\":", info);
		json_str(info, remote);
		fputs(",\"local\":", info);
		json_str(info, local);
		fprintf(info, ",\"size\":%llu,\"seconds\":%.3f,\"mbPerSecond\":%.1f}\n",
			(unsigned long long)got, dt, mbs);
	} else {
		fprintf(info, "%s -> %s: %llu octets in %.3f s (%.1f MB/s)\n", remote, local,
			(unsigned long long)got, dt, mbs);
	}
	return IEDC_OK;
}

static int file_rm(struct client *c, bool json, const char *remote)
{
	struct buf pdu;
	struct mms_pdu p;
	char what[320];
	uint32_t id = c->next_invoke++;
	snprintf(what, sizeof(what), "FileDelete of %s", remote);
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_file_delete_req_encode(&pdu, id, remote);
	int r = client_call(c, &pdu, id, MMS_SVC_FILE_DELETE, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (json) {
		fputs("{\"deleted\":", stdout);
		json_str(stdout, remote);
		fputs("}\n", stdout);
	} else {
		printf("deleted %s\n", remote);
	}
	return IEDC_OK;
}

static int file_mv(struct client *c, bool json, const char *from, const char *to)
{
	struct buf pdu;
	struct mms_pdu p;
	char what[600];
	uint32_t id = c->next_invoke++;
	snprintf(what, sizeof(what), "FileRename of %s to %s", from, to);
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_file_rename_req_encode(&pdu, id, from, to);
	int r = client_call(c, &pdu, id, MMS_SVC_FILE_RENAME, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (json) {
		fputs("{\"renamed\":", stdout);
		json_str(stdout, from);
		fputs(",\"to\":", stdout);
		json_str(stdout, to);
		fputs("}\n", stdout);
	} else {
		printf("renamed %s to %s\n", from, to);
	}
	return IEDC_OK;
}

/* Answers the server's request p (during an ObtainFile) into b: only the
 * one file the user named is served, as FRSM 1. */
static void serve_request(struct client *c, const struct mms_pdu *p, const char *local, int fd,
			  struct buf *b, int32_t *open_frsm, uint64_t *sent)
{
	struct mms_file_open_req o;
	struct stat st;
	int32_t frsm;
	switch (p->service) {
	case MMS_SVC_FILE_OPEN:
		if (mms_file_open_req_decode(p->body, p->body_len, &o, NULL))
			break;
		if (!o.name.syntax_ok || strcmp(o.name.s, local) || *open_frsm || fstat(fd, &st) ||
		    st.st_size > (off_t)UINT32_MAX || (off_t)o.initial_position > st.st_size) {
			mms_encode_confirmed_error(b, p->invoke_id, MMS_ERR_FILE,
						   MMS_FILE_ACCESS_DENIED);
			return;
		}
		if (lseek(fd, o.initial_position, SEEK_SET) < 0)
			break;
		struct mms_file_attr a = { .size = (uint32_t)st.st_size, .has_mtime = true,
					   .mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 +
						       st.st_mtim.tv_nsec / 1000000 };
		*open_frsm = 1;
		mms_file_open_resp_encode(b, p->invoke_id, 1, &a);
		return;
	case MMS_SVC_FILE_READ: {
		if (mms_file_frsm_decode(p->body, p->body_len, &frsm, NULL))
			break;
		if (frsm != *open_frsm || !frsm) {
			mms_encode_confirmed_error(b, p->invoke_id, MMS_ERR_FILE, MMS_FILE_OTHER);
			return;
		}
		size_t max = (size_t)c->neg.local_detail > MMS_FILE_READ_OVERHEAD ?
				     (size_t)c->neg.local_detail - MMS_FILE_READ_OVERHEAD : 1;
		uint8_t *chunk = malloc(max);
		ssize_t n = chunk ? read(fd, chunk, max) : -1;
		if (n < 0) {
			free(chunk);
			mms_encode_confirmed_error(b, p->invoke_id, MMS_ERR_FILE, MMS_FILE_OTHER);
			return;
		}
		*sent += (uint64_t)n;
		mms_file_read_resp_encode(b, p->invoke_id, chunk, (size_t)n, n > 0);
		free(chunk);
		return;
	}
	case MMS_SVC_FILE_CLOSE:
		if (mms_file_frsm_decode(p->body, p->body_len, &frsm, NULL))
			break;
		if (frsm != *open_frsm || !frsm) {
			mms_encode_confirmed_error(b, p->invoke_id, MMS_ERR_FILE, MMS_FILE_OTHER);
			return;
		}
		*open_frsm = 0;
		mms_file_null_resp_encode(b, p->invoke_id, MMS_SVC_FILE_CLOSE);
		return;
	default:
		mms_encode_confirmed_error(b, p->invoke_id, MMS_ERR_SERVICE, MMS_SERVICE_OTHER);
		return;
	}
	mms_encode_reject(b, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
			  MMS_REJ_REQ_INVALID_ARGUMENT);
}

/* ObtainFile (ISO 9506-2 Annex D): the server fetches LOCAL from iedc over
 * the same association, and answers when it has stored it. */
static int file_put(struct client *c, bool json, const char *local, const char *remote)
{
	char what[600];
	struct buf b;
	struct mms_pdu p;
	struct mms_client_refusal ref;
	struct proto_err err = { 0 };
	int32_t open_frsm = 0;
	uint64_t sent = 0;
	int fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return iedc_fail(c, IEDC_USAGE, "%s: %s", local, strerror(errno));
	snprintf(what, sizeof(what), "ObtainFile of %s to %s", local, remote);
	double t0 = now_s();
	uint32_t id = c->next_invoke++;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_file_obtain_req_encode(&b, id, local, remote);
	int r = client_request(c, &b, &p);
	buf_clear(&b);
	/* bounded: a server that keeps asking for a file of finite size */
	for (unsigned long turns = 0; !r; turns++) {
		if (p.kind != MMS_CONFIRMED_REQUEST) {
			switch (mms_client_check(&p, id, MMS_SVC_OBTAIN_FILE, &ref, &err)) {
			case 0:
				r = IEDC_OK;
				break;
			case -EREMOTEIO: {
				char why[160];
				r = iedc_fail(c, IEDC_SERVICE, "%s refused: %s", what,
					      mms_client_refusal_str(&ref, why, sizeof(why)));
				break;
			}
			default:
				r = bad_answer(c, what, &err);
			}
			break;
		}
		if (turns > 100000000)
			r = iedc_fail(c, IEDC_PROTOCOL, "%s: %s: the server does not stop reading",
				      c->peer, what);
		if (r)
			break;
		buf_init(&b, ISO_HEADROOM, 0);
		serve_request(c, &p, local, fd, &b, &open_frsm, &sent);
		r = client_request(c, &b, &p);
		buf_clear(&b);
	}
	close(fd);
	if (r)
		return r;
	double dt = now_s() - t0;
	if (json) {
		fputs("{\"local\":", stdout);
		json_str(stdout, local);
		fputs(",\"remote\":", stdout);
		json_str(stdout, remote);
		printf(",\"size\":%llu,\"seconds\":%.3f}\n", (unsigned long long)sent, dt);
	} else {
		printf("%s -> %s: %llu octets in %.3f s\n", local, remote, (unsigned long long)sent,
		       dt);
	}
	return IEDC_OK;
}

int cmd_file(struct client *c, bool json, const char *sub, char **args, int nargs)
{
	if (!strcmp(sub, "put"))
		return file_put(c, json, args[0], args[1]);
	if (!strcmp(sub, "ls"))
		return file_ls(c, json, nargs ? args[0] : NULL);
	if (!strcmp(sub, "get"))
		return file_get(c, json, args[0], nargs > 1 ? args[1] : NULL);
	if (!strcmp(sub, "rm"))
		return file_rm(c, json, args[0]);
	if (!strcmp(sub, "mv"))
		return file_mv(c, json, args[0], args[1]);
	return iedc_fail(c, IEDC_USAGE, "unknown file command '%s'", sub);
}
