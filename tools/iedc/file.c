/* iedc file: the MMS file services (ISO 9506-2 Annex D; IEC 61850-8-1 §23)
 * from the client side. ls = FileDirectory with continueAfter paging, get =
 * FileOpen + FileRead until moreFollows is false + FileClose (GetFile),
 * rm = FileDelete, mv = FileRename. */
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

int cmd_file(struct client *c, bool json, const char *sub, char **args, int nargs)
{
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
