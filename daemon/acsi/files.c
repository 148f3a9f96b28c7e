/* SPDX-License-Identifier: Apache-2.0 */
#include "files.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Invoke IDs of iedd's own requests to the client (ObtainFile): their own
 * counter; the client matches responses to its outstanding requests of
 * each direction separately (ISO 9506-2 §7.4: invokeIDs are per requester). */
enum obtain_stage { OB_IDLE = 0, OB_OPEN, OB_READ, OB_CLOSE };

struct acsi_file_assoc {
	struct acsi_files *f;
	void *session;
	/* the FileRead with the store's worker (acsi_files_serve_async) */
	struct acsi_file_job job;
	bool reading;		/* job is with the worker */
	bool orphan;		/* the association ended meanwhile: free at its return */
	uint32_t read_invoke;
	acsi_files_done_fn done;
	void *done_ctx;
	uint8_t *rbuf;		/* the job's buffer, grown to the largest PDU */
	size_t rbuf_cap;
	struct {
		enum obtain_stage stage;
		uint32_t invoke;	/* the client's ObtainFile */
		uint32_t mine;		/* iedd's request now outstanding */
		int32_t frsm;		/* in the client's file store */
		void *upload;
		int err;		/* to answer with after the FileClose */
		int err_class, err_code;	/* the client's own refusal, if any */
		char source[MMS_FILE_NAME_MAX + 1];
	} ob;
	uint32_t next_invoke;
};

bool acsi_files_handles(const struct acsi_files *f, uint32_t service)
{
	if (!f)
		return false;
	switch (service) {
	case MMS_SVC_FILE_DIRECTORY:
	case MMS_SVC_FILE_OPEN:
	case MMS_SVC_FILE_READ:
	case MMS_SVC_FILE_CLOSE:
	case MMS_SVC_FILE_DELETE:
	case MMS_SVC_FILE_RENAME:
	case MMS_SVC_OBTAIN_FILE:
		return true;
	default:
		return false;
	}
}

void acsi_files_announce(const struct acsi_files *f, uint8_t services[MMS_SERVICE_OCTETS])
{
	if (!f)
		return;
	mms_set_bit(services, MMS_SVC_FILE_DIRECTORY);
	mms_set_bit(services, MMS_SVC_FILE_OPEN);
	mms_set_bit(services, MMS_SVC_FILE_READ);
	mms_set_bit(services, MMS_SVC_FILE_CLOSE);
	if (f->allow_delete)
		mms_set_bit(services, MMS_SVC_FILE_DELETE);
	if (f->allow_rename)
		mms_set_bit(services, MMS_SVC_FILE_RENAME);
	if (f->allow_obtain)
		mms_set_bit(services, MMS_SVC_OBTAIN_FILE);
}

void acsi_files_error(int err, int *error_class, int *code)
{
	*error_class = MMS_ERR_FILE;
	switch (err) {
	case -EINVAL:
	case -ENAMETOOLONG:
		*code = MMS_FILE_FILENAME_SYNTAX_ERROR;
		break;
	case -EACCES:
	case -EPERM:
	case -ELOOP:
	case -EXDEV:
	case -EISDIR:
	case -EROFS:
		*code = MMS_FILE_ACCESS_DENIED;
		break;
	case -ENOENT:
	case -ENOTDIR:
		*code = MMS_FILE_NON_EXISTENT;
		break;
	case -EEXIST:
	case -ENOTEMPTY:
		*code = MMS_FILE_DUPLICATE_FILENAME;
		break;
	case -ENOSPC:
	case -EDQUOT:
		*code = MMS_FILE_INSUFFICIENT_SPACE;
		break;
	case -EBUSY:
	case -ETXTBSY:
		*code = MMS_FILE_BUSY;
		break;
	case -ESPIPE:
		*code = MMS_FILE_POSITION_INVALID;
		break;
	case -EMFILE:
	case -ENFILE:
		*error_class = MMS_ERR_RESOURCE;
		*code = MMS_RESOURCE_CAPABILITY_UNAVAILABLE;
		break;
	default:
		*code = MMS_FILE_OTHER;
		break;
	}
}

/* Replaces whatever was begun in resp by the ServiceError for `err`. */
static int refuse(struct acsi_files *f, struct buf *resp, size_t head, uint32_t invoke_id,
		  int err, const char **why)
{
	int cls, code;
	acsi_files_error(err, &cls, &code);
	buf_reset(resp, head);
	mms_encode_confirmed_error(resp, invoke_id, cls, code);
	f->refused++;
	if (why)
		*why = cls == MMS_ERR_FILE ? mms_file_error_name(code) : "resource/capability-unavailable";
	return 0;
}

struct dir_fill {
	struct buf *resp;
	size_t limit;
	unsigned n;
};

static int dir_entry(void *ctx, const char *name, const struct mms_file_attr *a)
{
	struct dir_fill *d = ctx;
	/* ISO 9506-1 Annex D: as many entries as the negotiated PDU holds,
	 * then moreFollows; the client asks again with continueAfter */
	if (d->resp->len + mms_file_dir_entry_size(name, a) > d->limit)
		return 1;
	mms_file_dir_resp_entry(d->resp, name, a);
	d->n++;
	return 0;
}

static int serve_directory(struct acsi_files *f, const struct mms_pdu *p, uint32_t max_pdu,
			   struct buf *resp, size_t head, const char **why)
{
	struct mms_file_dir_req q;
	int r = mms_file_dir_req_decode(p->body, p->body_len, &q, NULL);
	if (r)
		return r;
	if ((q.has_spec && !q.spec.syntax_ok) ||
	    (q.has_continue_after && !q.continue_after.syntax_ok))
		return refuse(f, resp, head, p->invoke_id, -EINVAL, why);
	struct mms_file_dir_marks m;
	struct dir_fill d = { .resp = resp, .limit = max_pdu > MMS_FILE_DIR_OVERHEAD ?
							  max_pdu - MMS_FILE_DIR_OVERHEAD : 0 };
	mms_file_dir_resp_begin(resp, p->invoke_id, &m);
	r = f->ops->list(f->store, q.has_spec ? q.spec.s : NULL,
			 q.has_continue_after ? q.continue_after.s : NULL, dir_entry, &d);
	if (r < 0)
		return refuse(f, resp, head, p->invoke_id, r, why);
	if (r == 1 && !d.n) {
		/* not even one entry fits the negotiated PDU */
		buf_reset(resp, head);
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_SERVICE,
					   MMS_SERVICE_PDU_SIZE);
		f->refused++;
		if (why)
			*why = "service/pdu-size (one entry does not fit)";
		return 0;
	}
	mms_file_dir_resp_end(resp, &m, r == 1);
	return 0;
}

static struct acsi_file_assoc *assoc_of(struct acsi_files *f, struct acsi_file_assoc **assoc)
{
	if (*assoc)
		return *assoc;
	struct acsi_file_assoc *fa = calloc(1, sizeof(*fa));
	if (!fa)
		return NULL;
	fa->f = f;
	fa->next_invoke = 1;
	fa->session = f->ops->session_new(f->store);
	if (!fa->session) {
		free(fa);
		return NULL;
	}
	return *assoc = fa;
}

static int grow(uint8_t **p, size_t *cap, size_t want)
{
	if (*cap >= want)
		return 0;
	uint8_t *c = realloc(*p, want);
	if (!c)
		return -ENOMEM;
	*p = c;
	*cap = want;
	return 0;
}

static int serve_read(struct acsi_files *f, struct acsi_file_assoc *fa, const struct mms_pdu *p,
		      uint32_t max_pdu, struct buf *resp, size_t head, const char **why,
		      acsi_files_done_fn done, void *ctx)
{
	int32_t frsm;
	int r = mms_file_frsm_decode(p->body, p->body_len, &frsm, NULL);
	if (r)
		return r;
	if (!fa)
		return refuse(f, resp, head, p->invoke_id, -EBADF, why);
	/* one chunk per request, filling the negotiated PDU: the work of one
	 * request is bounded however large the file */
	size_t max = max_pdu > MMS_FILE_READ_OVERHEAD ? max_pdu - MMS_FILE_READ_OVERHEAD : 1;
	if (done && f->ops->read_submit) {
		/* the disk work on the store's worker: a slow disk holds up this
		 * association only. One read at a time: the worker owns the
		 * job and its FRSM until it comes back. */
		if (fa->reading)
			return refuse(f, resp, head, p->invoke_id, -EBUSY, why);
		if (grow(&fa->rbuf, &fa->rbuf_cap, max))
			return refuse(f, resp, head, p->invoke_id, -ENOMEM, why);
		fa->job = (struct acsi_file_job){ .session = fa->session, .frsm = frsm,
						  .buf = fa->rbuf, .max = max };
		if ((r = f->ops->read_submit(f->store, &fa->job)))
			return refuse(f, resp, head, p->invoke_id, r, why);
		fa->reading = true;
		fa->read_invoke = p->invoke_id;
		fa->done = done;
		fa->done_ctx = ctx;
		return ACSI_FILES_DEFERRED;
	}
	if (grow(&f->chunk, &f->chunk_cap, max))
		return refuse(f, resp, head, p->invoke_id, -ENOMEM, why);
	size_t n = 0;
	bool more = false;
	r = f->ops->read(fa->session, frsm, f->chunk, max, &n, &more);
	if (r)
		return refuse(f, resp, head, p->invoke_id, r, why);
	mms_file_read_resp_encode(resp, p->invoke_id, f->chunk, n, more);
	return 0;
}

static int serve_obtain(struct acsi_files *f, struct acsi_file_assoc **assoc,
			const struct mms_pdu *p, struct buf *resp, size_t head, const char **why)
{
	struct mms_file_obtain_req q;
	int r = mms_file_obtain_req_decode(p->body, p->body_len, &q, NULL);
	if (r)
		return r;
	if (!f->allow_obtain)
		return refuse(f, resp, head, p->invoke_id, -EACCES, why);
	/* iedd fetches from the requesting client only (8-1 §23 SetFile) */
	if (q.has_source_server || !q.source.syntax_ok || !q.destination.syntax_ok)
		return refuse(f, resp, head, p->invoke_id,
			      q.has_source_server ? -EACCES : -EINVAL, why);
	struct acsi_file_assoc *fa = assoc_of(f, assoc);
	if (!fa)
		return refuse(f, resp, head, p->invoke_id, -ENOMEM, why);
	if (fa->ob.stage != OB_IDLE)
		return refuse(f, resp, head, p->invoke_id, -EBUSY, why);
	void *up = NULL;
	if ((r = f->ops->upload_begin(f->store, q.destination.s, &up)))
		return refuse(f, resp, head, p->invoke_id, r, why);
	fa->ob.stage = OB_OPEN;
	fa->ob.invoke = p->invoke_id;
	fa->ob.upload = up;
	fa->ob.err = 0;
	fa->ob.err_class = -1;
	fa->ob.err_code = 0;
	snprintf(fa->ob.source, sizeof(fa->ob.source), "%s", q.source.s);
	fa->ob.mine = fa->next_invoke++;
	/* not the answer yet: iedd's FileOpen to the client goes out instead */
	mms_file_open_req_encode(resp, fa->ob.mine, fa->ob.source, 0);
	return 0;
}

int acsi_files_serve(struct acsi_files *f, struct acsi_file_assoc **assoc,
		     const struct mms_pdu *p, uint32_t max_pdu, struct buf *resp,
		     const char **why)
{
	return acsi_files_serve_async(f, assoc, p, max_pdu, resp, why, NULL, NULL);
}

int acsi_files_serve_async(struct acsi_files *f, struct acsi_file_assoc **assoc,
			   const struct mms_pdu *p, uint32_t max_pdu, struct buf *resp,
			   const char **why, acsi_files_done_fn done, void *ctx)
{
	size_t head = resp->head;
	int r = 0;
	int32_t frsm;

	if (why)
		*why = NULL;
	f->served++;
	switch (p->service) {
	case MMS_SVC_FILE_DIRECTORY:
		return serve_directory(f, p, max_pdu, resp, head, why);
	case MMS_SVC_FILE_OPEN: {
		struct mms_file_open_req q;
		struct mms_file_attr a;
		if ((r = mms_file_open_req_decode(p->body, p->body_len, &q, NULL)))
			return r;
		if (!q.name.syntax_ok)
			return refuse(f, resp, head, p->invoke_id, -EINVAL, why);
		struct acsi_file_assoc *fa = assoc_of(f, assoc);
		if (!fa)
			return refuse(f, resp, head, p->invoke_id, -ENOMEM, why);
		r = f->ops->open(fa->session, q.name.s, q.initial_position, &frsm, &a);
		if (r)
			return refuse(f, resp, head, p->invoke_id, r, why);
		mms_file_open_resp_encode(resp, p->invoke_id, frsm, &a);
		return 0;
	}
	case MMS_SVC_FILE_READ:
		return serve_read(f, *assoc, p, max_pdu, resp, head, why, done, ctx);
	case MMS_SVC_FILE_CLOSE:
		if ((r = mms_file_frsm_decode(p->body, p->body_len, &frsm, NULL)))
			return r;
		if (!*assoc)
			r = -EBADF;
		else if ((*assoc)->reading && (*assoc)->job.frsm == frsm)
			r = -EBUSY; /* the worker still reads it */
		else
			r = f->ops->close((*assoc)->session, frsm);
		if (r)
			return refuse(f, resp, head, p->invoke_id, r, why);
		mms_file_null_resp_encode(resp, p->invoke_id, MMS_SVC_FILE_CLOSE);
		return 0;
	case MMS_SVC_FILE_DELETE: {
		struct mms_file_name n;
		if ((r = mms_file_delete_req_decode(p->body, p->body_len, &n, NULL)))
			return r;
		if (!f->allow_delete)
			r = -EACCES;
		else if (!n.syntax_ok)
			r = -EINVAL;
		else
			r = f->ops->remove(f->store, n.s);
		if (r)
			return refuse(f, resp, head, p->invoke_id, r, why);
		mms_file_null_resp_encode(resp, p->invoke_id, MMS_SVC_FILE_DELETE);
		return 0;
	}
	case MMS_SVC_FILE_RENAME: {
		struct mms_file_rename_req q;
		if ((r = mms_file_rename_req_decode(p->body, p->body_len, &q, NULL)))
			return r;
		if (!f->allow_rename)
			r = -EACCES;
		else if (!q.from.syntax_ok || !q.to.syntax_ok)
			r = -EINVAL;
		else
			r = f->ops->rename(f->store, q.from.s, q.to.s);
		if (r)
			return refuse(f, resp, head, p->invoke_id, r, why);
		mms_file_null_resp_encode(resp, p->invoke_id, MMS_SVC_FILE_RENAME);
		return 0;
	}
	case MMS_SVC_OBTAIN_FILE:
		return serve_obtain(f, assoc, p, resp, head, why);
	default:
		return refuse(f, resp, head, p->invoke_id, -EINVAL, why);
	}
}

bool acsi_files_busy(const struct acsi_file_assoc *assoc)
{
	return assoc && (assoc->ob.stage != OB_IDLE || assoc->reading);
}

bool acsi_files_pending(const struct acsi_file_assoc *assoc, uint32_t *invoke_id)
{
	if (!assoc || !assoc->reading)
		return false;
	*invoke_id = assoc->read_invoke;
	return true;
}

void acsi_files_job_encode(struct acsi_file_assoc *fa, struct buf *resp, const char **why)
{
	if (why)
		*why = NULL;
	if (fa->job.result)
		refuse(fa->f, resp, resp->head, fa->read_invoke, fa->job.result, why);
	else
		mms_file_read_resp_encode(resp, fa->read_invoke, fa->job.buf, fa->job.n,
					  fa->job.more);
}

static void assoc_free(struct acsi_file_assoc *fa)
{
	fa->f->ops->session_free(fa->session);
	free(fa->rbuf);
	free(fa);
}

/* A job is back from the worker (on the loop's thread). */
static void job_back(struct acsi_file_job *job)
{
	struct acsi_file_assoc *fa =
		(struct acsi_file_assoc *)((char *)job - offsetof(struct acsi_file_assoc, job));
	fa->reading = false;
	if (fa->orphan) {
		assoc_free(fa); /* nobody to answer; now its FRSMs may close */
		return;
	}
	fa->done(fa->done_ctx, fa);
}

int acsi_files_wake_fd(const struct acsi_files *f)
{
	return f && f->ops->wake_fd ? f->ops->wake_fd(f->store) : -1;
}

void acsi_files_drain(struct acsi_files *f)
{
	if (f && f->ops->drain)
		f->ops->drain(f->store, job_back);
}

/* The ObtainFile is over: the upload is committed or dropped and the
 * client's request answered into resp. */
static void obtain_finish(struct acsi_files *f, struct acsi_file_assoc *fa, struct buf *resp,
			  size_t head, const char **why)
{
	int r = fa->ob.err;
	if (!r)
		r = f->ops->upload_commit(fa->ob.upload);
	else
		f->ops->upload_abort(fa->ob.upload);
	fa->ob.upload = NULL;
	fa->ob.stage = OB_IDLE;
	buf_reset(resp, head);
	if (fa->ob.err_class >= 0 && fa->ob.err) {
		/* the client refused its own file: its error is the answer */
		mms_encode_confirmed_error(resp, fa->ob.invoke, fa->ob.err_class, fa->ob.err_code);
		f->refused++;
		if (why)
			*why = "the client refused the source file";
	} else if (r) {
		refuse(f, resp, head, fa->ob.invoke, r, why);
	} else {
		mms_file_null_resp_encode(resp, fa->ob.invoke, MMS_SVC_OBTAIN_FILE);
	}
}

static void obtain_close(struct acsi_file_assoc *fa, struct buf *resp, size_t head, int err)
{
	if (!fa->ob.err)
		fa->ob.err = err;
	fa->ob.stage = OB_CLOSE;
	fa->ob.mine = fa->next_invoke++;
	buf_reset(resp, head);
	mms_file_frsm_req_encode(resp, fa->ob.mine, MMS_SVC_FILE_CLOSE, fa->ob.frsm);
}

bool acsi_files_response(struct acsi_files *f, struct acsi_file_assoc **assoc,
			 const struct mms_pdu *p, struct buf *resp, const char **why)
{
	struct acsi_file_assoc *fa = *assoc;
	size_t head = resp->head;
	if (why)
		*why = NULL;
	if (!f || !fa || fa->ob.stage == OB_IDLE || !p->has_invoke_id || p->invoke_id != fa->ob.mine)
		return false;
	static const uint32_t svc[] = { [OB_OPEN] = MMS_SVC_FILE_OPEN,
					[OB_READ] = MMS_SVC_FILE_READ,
					[OB_CLOSE] = MMS_SVC_FILE_CLOSE };
	uint32_t want = svc[fa->ob.stage];
	if (p->kind == MMS_CONFIRMED_ERROR || p->service != want || !p->service_constructed ==
	    (want != MMS_SVC_FILE_CLOSE)) {
		int cls = MMS_ERR_FILE, code = MMS_FILE_OTHER;
		if (p->kind == MMS_CONFIRMED_ERROR)
			(void)mms_service_error_decode(p->body, p->body_len, &cls, &code, NULL);
		if (fa->ob.stage == OB_OPEN || fa->ob.stage == OB_CLOSE) {
			if (!fa->ob.err) {
				fa->ob.err = -EIO;
				fa->ob.err_class = cls;
				fa->ob.err_code = code;
			}
			obtain_finish(f, fa, resp, head, why);
		} else {
			fa->ob.err_class = cls;
			fa->ob.err_code = code;
			obtain_close(fa, resp, head, -EIO);
		}
		return true;
	}
	switch (fa->ob.stage) {
	case OB_OPEN: {
		struct mms_file_attr a;
		if (mms_file_open_resp_decode(p->body, p->body_len, &fa->ob.frsm, &a, NULL)) {
			fa->ob.err = -EBADMSG;
			obtain_finish(f, fa, resp, head, why);
			return true;
		}
		fa->ob.stage = OB_READ;
		fa->ob.mine = fa->next_invoke++;
		buf_reset(resp, head);
		mms_file_frsm_req_encode(resp, fa->ob.mine, MMS_SVC_FILE_READ, fa->ob.frsm);
		return true;
	}
	case OB_READ: {
		const uint8_t *d;
		size_t n;
		bool more;
		int r = mms_file_read_resp_decode(p->body, p->body_len, &d, &n, &more, NULL);
		if (!r)
			r = f->ops->upload_write(fa->ob.upload, d, n);
		if (!r && more && !n)
			r = -EBADMSG; /* a client that never ends would keep iedd busy */
		if (r || !more) {
			obtain_close(fa, resp, head, r);
			return true;
		}
		fa->ob.mine = fa->next_invoke++;
		buf_reset(resp, head);
		mms_file_frsm_req_encode(resp, fa->ob.mine, MMS_SVC_FILE_READ, fa->ob.frsm);
		return true;
	}
	case OB_CLOSE:
		obtain_finish(f, fa, resp, head, why);
		return true;
	default:
		return false;
	}
}

void acsi_files_assoc_end(struct acsi_file_assoc **assoc)
{
	struct acsi_file_assoc *fa = *assoc;
	if (!fa)
		return;
	if (fa->ob.upload)
		fa->f->ops->upload_abort(fa->ob.upload); /* no partial upload remains */
	fa->ob.upload = NULL;
	fa->ob.stage = OB_IDLE;
	*assoc = NULL;
	if (fa->reading) {
		fa->orphan = true; /* the worker still uses the session: job_back frees */
		return;
	}
	assoc_free(fa);
}

void acsi_files_clear(struct acsi_files *f)
{
	free(f->chunk);
	f->chunk = NULL;
	f->chunk_cap = 0;
}
