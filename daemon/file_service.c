/* SPDX-License-Identifier: Apache-2.0 */
#include "file_service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/files.h"

/* acsi's interface onto the store: the same operations with the store's
 * own types. */
static int op_list(void *store, const char *spec, const char *after, mms_file_entry_fn fn,
		   void *ctx)
{
	return files_list(store, spec, after, fn, ctx);
}

static void *op_session_new(void *store)
{
	struct files_session *ss = malloc(sizeof(*ss));
	if (ss)
		files_session_init(ss, store);
	return ss;
}

static void op_session_free(void *session)
{
	files_session_clear(session);
	free(session);
}

static int op_open(void *session, const char *name, uint32_t pos, int32_t *frsm,
		   struct mms_file_attr *a)
{
	return files_session_open(session, name, pos, frsm, a);
}

static int op_read(void *session, int32_t frsm, uint8_t *buf, size_t max, size_t *n, bool *more)
{
	return files_session_read(session, frsm, buf, max, n, more);
}

static int op_close(void *session, int32_t frsm)
{
	return files_session_close(session, frsm);
}

static int op_remove(void *store, const char *name)
{
	return files_remove(store, name);
}

static int op_rename(void *store, const char *from, const char *to)
{
	return files_rename(store, from, to);
}

struct upload {
	struct files_store *store;
	struct files_upload u;
};

static int op_upload_begin(void *store, const char *name, void **upload)
{
	struct upload *up = malloc(sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->store = store;
	int r = files_upload_begin(store, name, &up->u);
	if (r) {
		free(up);
		return r;
	}
	*upload = up;
	return 0;
}

static int op_upload_write(void *upload, const uint8_t *data, size_t n)
{
	struct upload *up = upload;
	return files_upload_write(up->store, &up->u, data, n);
}

static int op_upload_commit(void *upload)
{
	struct upload *up = upload;
	int r = files_upload_commit(&up->u);
	free(up);
	return r;
}

static void op_upload_abort(void *upload)
{
	struct upload *up = upload;
	files_upload_abort(&up->u);
	free(up);
}

static const struct acsi_file_ops ops = {
	.list = op_list,
	.session_new = op_session_new,
	.session_free = op_session_free,
	.open = op_open,
	.read = op_read,
	.close = op_close,
	.remove = op_remove,
	.rename = op_rename,
	.upload_begin = op_upload_begin,
	.upload_write = op_upload_write,
	.upload_commit = op_upload_commit,
	.upload_abort = op_upload_abort,
};

int file_service_open(struct file_service *fs, const char *root, bool allow_delete,
		      bool allow_rename, char *err, size_t n)
{
	return file_service_open_all(fs, root, allow_delete, allow_rename, false, err, n);
}

int file_service_open_all(struct file_service *fs, const char *root, bool allow_delete,
			  bool allow_rename, bool allow_obtain, char *err, size_t n)
{
	memset(fs, 0, sizeof(*fs));
	fs->store = calloc(1, sizeof(*fs->store));
	if (!fs->store) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	int r = files_store_open(fs->store, root, FILES_RESOLVE_AUTO);
	if (r) {
		snprintf(err, n, "file services root '%s': %s (give an existing directory that iedd "
			 "may read)", root, strerror(-r));
		free(fs->store);
		fs->store = NULL;
		return r;
	}
	fs->acsi = (struct acsi_files){ .ops = &ops, .store = fs->store,
					.allow_delete = allow_delete,
					.allow_rename = allow_rename,
					.allow_obtain = allow_obtain };
	return 0;
}

void file_service_limits(struct file_service *fs, unsigned per_assoc, unsigned total,
			 uint64_t max_upload, uint64_t keep_free)
{
	if (per_assoc)
		fs->store->max_open_per_assoc = per_assoc;
	if (total)
		fs->store->max_open_total = total;
	if (max_upload)
		fs->store->max_upload = max_upload;
	fs->store->keep_free = keep_free;
}

void file_service_close(struct file_service *fs)
{
	if (!fs->store)
		return;
	acsi_files_clear(&fs->acsi);
	files_store_clear(fs->store);
	free(fs->store);
	fs->store = NULL;
}
