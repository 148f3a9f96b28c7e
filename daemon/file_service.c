/* SPDX-License-Identifier: Apache-2.0 */
#include "file_service.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "store/files.h"

/* The FileRead worker: jobs in `todo` wait for the thread, those in
 * `done` for the loop (wake is written once per job finished). */
struct file_worker {
	struct files_store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct acsi_file_job *todo, **todo_tail, *done;
	bool stop;
	int wake;
};

static void *worker_main(void *arg)
{
	struct file_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->more, &w->lock);
		struct acsi_file_job *j = w->todo;
		if (!j)
			break; /* stopping, and every read queued is done */
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->lock);
		/* the FRSM was found on the loop (files_session_frsm); the loop
		 * neither closes nor reads it while the job is here */
		j->result = files_frsm_read(w->store, j->priv, j->buf, j->max, &j->n, &j->more);
		pthread_mutex_lock(&w->lock);
		j->next = w->done;
		w->done = j;
		uint64_t one = 1;
		(void)!write(w->wake, &one, sizeof(one));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int worker_start(struct file_service *fs)
{
	struct file_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->store = fs->store;
	w->todo_tail = &w->todo;
	w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake < 0) {
		int e = -errno;
		free(w);
		return e;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	int r = pthread_create(&w->thread, NULL, worker_main, w);
	if (r) {
		close(w->wake);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->more);
		free(w);
		return -r;
	}
	fs->worker = w;
	return 0;
}

static void worker_stop(struct file_service *fs)
{
	struct file_worker *w = fs->worker;
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* what came back after the loop stopped: the associations are gone,
	 * so this only frees their state */
	acsi_files_drain(&fs->acsi);
	close(w->wake);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->more);
	free(w);
	fs->worker = NULL;
}

/* acsi's interface onto the store: the same operations with the store's
 * own types; `store` is the struct file_service. */
static int op_list(void *store, const char *spec, const char *after, mms_file_entry_fn fn,
		   void *ctx)
{
	struct file_service *fs = store;
	return files_list(fs->store, spec, after, fn, ctx);
}

static int op_read_submit(void *store, struct acsi_file_job *job)
{
	struct file_service *fs = store;
	struct file_worker *w = fs->worker;
	job->priv = files_session_frsm(job->session, job->frsm);
	if (!job->priv)
		return -EBADF;
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->todo_tail = job;
	w->todo_tail = &job->next;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static int op_wake_fd(void *store)
{
	struct file_service *fs = store;
	return fs->worker->wake;
}

static void op_drain(void *store, void (*fn)(struct acsi_file_job *job))
{
	struct file_service *fs = store;
	struct file_worker *w = fs->worker;
	uint64_t n;
	(void)!read(w->wake, &n, sizeof(n));
	pthread_mutex_lock(&w->lock);
	struct acsi_file_job *j = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->lock);
	while (j) {
		struct acsi_file_job *next = j->next; /* fn may requeue j */
		fn(j);
		j = next;
	}
}

static void *op_session_new(void *store)
{
	struct file_service *fs = store;
	struct files_session *ss = malloc(sizeof(*ss));
	if (ss)
		files_session_init(ss, fs->store);
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
	struct file_service *fs = store;
	return files_remove(fs->store, name);
}

static int op_rename(void *store, const char *from, const char *to)
{
	struct file_service *fs = store;
	return files_rename(fs->store, from, to);
}

struct upload {
	struct files_store *store;
	struct files_upload u;
};

static int op_upload_begin(void *store, const char *name, void **upload)
{
	struct file_service *fs = store;
	struct upload *up = malloc(sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->store = fs->store;
	int r = files_upload_begin(fs->store, name, &up->u);
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

/* What both tables below have: every operation but the worker's. */
#define FILE_OPS_ON_THE_LOOP                                                                    \
	.list = op_list, .session_new = op_session_new, .session_free = op_session_free,       \
	.open = op_open, .read = op_read, .close = op_close, .remove = op_remove,              \
	.rename = op_rename, .upload_begin = op_upload_begin,                                  \
	.upload_write = op_upload_write, .upload_commit = op_upload_commit,                    \
	.upload_abort = op_upload_abort

static const struct acsi_file_ops ops = {
	FILE_OPS_ON_THE_LOOP,
	.read_submit = op_read_submit,
	.wake_fd = op_wake_fd,
	.drain = op_drain,
};

/* The same without a worker (it could not start): reads on the loop. */
static const struct acsi_file_ops ops_sync = { FILE_OPS_ON_THE_LOOP };

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
	const char *delay = getenv("IEDD_TEST_FILE_READ_DELAY_MS");
	if (delay && *delay)
		fs->store->read_delay_ms = (unsigned)strtoul(delay, NULL, 10);
	r = worker_start(fs);
	if (r)
		log_msg(LOGL_WARNING, LOGC_MAIN,
			"file services: no worker thread (%s): file reads run on the event loop, "
			"so a slow disk delays every association", strerror(-r));
	fs->acsi = (struct acsi_files){ .ops = r ? &ops_sync : &ops, .store = fs,
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
	worker_stop(fs);
	acsi_files_clear(&fs->acsi);
	files_store_clear(fs->store);
	free(fs->store);
	fs->store = NULL;
}
