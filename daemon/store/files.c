/* SPDX-License-Identifier: Apache-2.0 */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Deepest name accepted: a 255-octet name has at most 128 components. */
#define MAX_COMPONENTS 128

static int sys_openat2(int dirfd, const char *path, int flags)
{
	/* RESOLVE_NO_SYMLINKS as well as BENEATH: the walk cannot follow a
	 * symlink safely without re-implementing the kernel's lookup, so
	 * neither resolver follows one, and both refuse the same names. */
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return r < 0 ? -errno : (int)r;
}

bool files_have_openat2(void)
{
	int fd = sys_openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	/* "/" is not beneath the cwd: EXDEV proves the call exists */
	return fd >= 0 || fd == -EXDEV;
}

static void cache_drop(struct files_dir_cache *k);

int files_store_open(struct files_store *s, const char *root, enum files_resolve resolve)
{
	memset(s, 0, sizeof(*s));
	s->max_open_per_assoc = FILES_DEFAULT_OPEN_PER_ASSOC;
	s->max_open_total = FILES_DEFAULT_OPEN_TOTAL;
	s->max_upload = FILES_DEFAULT_MAX_UPLOAD;
	s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return -errno;
	if (resolve == FILES_RESOLVE_AUTO)
		resolve = files_have_openat2() ? FILES_RESOLVE_OPENAT2 : FILES_RESOLVE_WALK;
	s->resolve = resolve;
	return 0;
}

void files_store_clear(struct files_store *s)
{
	cache_drop(&s->cache);
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = -1;
}

int files_name_check(const char *name, bool dir_ok)
{
	size_t n = strlen(name);
	if (n > MMS_FILE_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F)
			return -EINVAL;
	while (*name == '/') /* a leading '/' is the root */
		name++;
	const char *p = name;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EACCES;
		if (len == 0 || (len == 1 && p[0] == '.'))
			return -EINVAL;
		if (!e)
			break;
		p = e + 1;
		if (!*p && !dir_ok)
			return -EINVAL; /* a trailing '/' names no file */
	}
	return 0;
}

/* The name without its leading '/'s. */
static const char *rel(const char *name)
{
	while (*name == '/')
		name++;
	return name;
}

/* The walk: one openat per component, never following a symlink. */
static int walk_open(int root, const char *name, int flags)
{
	char comp[MMS_FILE_NAME_MAX + 1];
	int dir = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	const char *p = name;
	for (unsigned depth = 0; depth < MAX_COMPONENTS; depth++) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool last = !e || !e[1];
		memcpy(comp, p, len);
		comp[len] = 0;
		int f = last ? flags | O_NOFOLLOW | O_CLOEXEC :
			       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
		if (last && e)
			f |= O_DIRECTORY; /* "dir/" must be a directory */
		int fd = openat(dir, comp, f);
		int r = fd < 0 ? -errno : fd;
		if (r == -ENOTDIR || r == -ELOOP) {
			/* a symlink where a directory was asked for, or at the end:
			 * refused as a symlink, not as "not a directory" */
			struct stat st;
			if (!fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
				r = -ELOOP;
		}
		close(dir);
		if (r < 0 || last)
			return r;
		dir = r;
		p = e + 1;
	}
	close(dir);
	return -ENAMETOOLONG;
}

int files_open(const struct files_store *s, const char *name, int flags)
{
	int r = files_name_check(name, true);
	if (r)
		return r;
	const char *p = rel(name);
	if (!*p)
		p = ".";
	if (s->resolve == FILES_RESOLVE_WALK)
		return walk_open(s->root_fd, p, flags);
	r = sys_openat2(s->root_fd, p, flags | O_NOFOLLOW | O_CLOEXEC);
	if (r == -ENOTDIR) {
		/* O_DIRECTORY met a symlink: the walk (as safe) says which it
		 * was, so both resolvers give the same error */
		return walk_open(s->root_fd, p, flags);
	}
	return r;
}

static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* Only regular files with one link and directories are served: a second
 * hard link may lie outside the root, and devices or FIFOs are no files
 * of an IED. */
static int servable(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return 0;
	if (!S_ISREG(st->st_mode))
		return -EACCES;
	return st->st_nlink == 1 ? 0 : -EACCES;
}

static void attr_of(const struct stat *st, struct mms_file_attr *a)
{
	a->size = S_ISDIR(st->st_mode) ? 0 :
		  st->st_size > (off_t)UINT32_MAX ? UINT32_MAX : (uint32_t)st->st_size;
	a->has_mtime = true;
	a->mtime_ms = mtime_ms(st);
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void cache_drop(struct files_dir_cache *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->names[i]);
	free(k->names);
	*k = (struct files_dir_cache){ 0 };
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Reads directory `dfd` (named `dir` from the root) into the cache: every
 * entry a client could name back, as listed (dir prefix, '/' after a
 * directory), sorted by strcmp. Takes dfd. */
static int cache_fill(struct files_dir_cache *k, int dfd, const char *dir, const struct stat *st)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = -errno;
		close(dfd);
		return e;
	}
	cache_drop(k);
	size_t cap = 0, dlen = strlen(dir);
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t len = strlen(de->d_name);
		if (dlen + len + 1 > MMS_FILE_NAME_MAX)
			continue; /* a client could not name it back */
		if (k->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **g = realloc(k->names, nc * sizeof(*g));
			if (!g) {
				r = -ENOMEM;
				break;
			}
			k->names = g;
			cap = nc;
		}
		char *full = malloc(dlen + len + 2);
		if (!full) {
			r = -ENOMEM;
			break;
		}
		memcpy(full, dir, dlen);
		memcpy(full + dlen, de->d_name, len + 1);
		bool is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat es;
			is_dir = !fstatat(dirfd(d), de->d_name, &es, AT_SYMLINK_NOFOLLOW) &&
				 S_ISDIR(es.st_mode);
		}
		if (is_dir) {
			full[dlen + len] = '/';
			full[dlen + len + 1] = 0;
		}
		if (files_name_check(full, true)) {
			free(full);
			continue;
		}
		k->names[k->n++] = full;
	}
	closedir(d);
	if (r) {
		cache_drop(k);
		return r;
	}
	if (k->n) /* qsort of NULL, 0 is undefined */
		qsort(k->names, k->n, sizeof(*k->names), cmp_names);
	snprintf(k->dir, sizeof(k->dir), "%s", dir);
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->mtim = st->st_mtim;
	k->ctim = st->st_ctim;
	k->valid = true;
	return 0;
}

/* The first index whose name is greater than `key` (or >= when `eq`). */
static size_t lower_bound(char *const *v, size_t n, const char *key, bool eq)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid], key);
		if (c < 0 || (!eq && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Lists directory `dir` (name from the root, "" or ending in '/'), the
 * entries beginning with `prefix`. The sorted names of the directory last
 * listed are kept while it is unchanged (same inode, mtime and ctime: an
 * entry added, removed or renamed changes them), so a client paging
 * through 100,000 entries costs one readdir and one sort, not one per
 * page; the entries given are stat'ed afresh every time. */
static int list_dir(struct files_store *s, const char *dir, const char *prefix,
		    const char *after, mms_file_entry_fn fn, void *ctx)
{
	struct files_dir_cache *k = &s->cache;
	struct stat st;
	int fd = files_open(s, *dir ? dir : "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		int e = -errno;
		close(fd);
		return e;
	}
	int r = 0;
	if (!k->valid || strcmp(k->dir, dir) || k->dev != st.st_dev || k->ino != st.st_ino ||
	    !same_time(&k->mtim, &st.st_mtim) || !same_time(&k->ctim, &st.st_ctim)) {
		int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = dfd < 0 ? -errno : cache_fill(k, dfd, dir, &st);
		if (r) {
			close(fd);
			return r;
		}
		s->dir_reads++;
	}
	char first[2 * MMS_FILE_NAME_MAX + 2];
	snprintf(first, sizeof(first), "%s%s", dir, prefix);
	size_t flen = strlen(first), dlen = strlen(dir);
	size_t i = lower_bound(k->names, k->n, first, true);
	if (after) {
		size_t j = lower_bound(k->names, k->n, rel(after), false);
		if (j > i)
			i = j;
	}
	size_t given = 0;
	for (; i < k->n && !strncmp(k->names[i], first, flen); i++) {
		char base[MMS_FILE_NAME_MAX + 1];
		snprintf(base, sizeof(base), "%s", k->names[i] + dlen);
		size_t bl = strlen(base);
		if (bl && base[bl - 1] == '/')
			base[bl - 1] = 0;
		if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) || servable(&st))
			continue; /* gone since readdir, a symlink, a device */
		struct mms_file_attr a;
		attr_of(&st, &a);
		if (fn(ctx, k->names[i], &a)) {
			r = 1;
			break;
		}
		given++;
	}
	close(fd);
	if (!r && !given && *prefix && !after)
		r = -ENOENT; /* a prefix that matches nothing names nothing */
	return r;
}

int files_list(struct files_store *s, const char *spec, const char *after, mms_file_entry_fn fn,
	       void *ctx)
{
	int r;
	if (!spec)
		spec = "";
	if ((r = files_name_check(spec, true)) || (after && (r = files_name_check(after, true))))
		return r;
	const char *p = rel(spec);
	size_t n = strlen(p);
	char dir[MMS_FILE_NAME_MAX + 2];
	if (!n)
		return list_dir(s, "", "", after, fn, ctx);
	int fd = files_open(s, p, O_PATH);
	if (fd >= 0) {
		struct stat st;
		r = fstat(fd, &st) ? -errno : servable(&st);
		close(fd);
		if (r)
			return r;
		if (S_ISDIR(st.st_mode)) {
			snprintf(dir, sizeof(dir), "%s%s", p, p[n - 1] == '/' ? "" : "/");
			return list_dir(s, dir, "", after, fn, ctx);
		}
		/* a file: its own entry (none once a client is past it) */
		if (after && strcmp(p, rel(after)) <= 0)
			return 0;
		struct mms_file_attr a;
		attr_of(&st, &a);
		return fn(ctx, p, &a) ? 1 : 0;
	}
	if (fd != -ENOENT || p[n - 1] == '/')
		return fd;
	/* a prefix: the entries of its directory that begin with it */
	const char *slash = strrchr(p, '/');
	size_t dl = slash ? (size_t)(slash - p) + 1 : 0;
	memcpy(dir, p, dl);
	dir[dl] = 0;
	return list_dir(s, dir, p + dl, after, fn, ctx);
}

/* The directory holding `name` (opened beneath the root) and its last
 * component; a name must not end in '/'. */
static int parent_of(const struct files_store *s, const char *name, const char **last)
{
	int r = files_name_check(name, false);
	if (r)
		return r;
	const char *p = rel(name);
	if (!*p)
		return -EACCES; /* the root itself */
	const char *slash = strrchr(p, '/');
	char dir[MMS_FILE_NAME_MAX + 1];
	size_t dl = slash ? (size_t)(slash - p) : 0;
	memcpy(dir, p, dl);
	dir[dl] = 0;
	*last = slash ? slash + 1 : p;
	return files_open(s, dl ? dir : "/", O_PATH | O_DIRECTORY);
}

int files_remove(const struct files_store *s, const char *name)
{
	const char *last;
	int dir = parent_of(s, name, &last);
	if (dir < 0)
		return dir;
	struct stat st;
	int r = fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) ? -errno :
		S_ISDIR(st.st_mode)				 ? -EISDIR :
		unlinkat(dir, last, 0)				 ? -errno : 0;
	close(dir);
	return r;
}

int files_rename(const struct files_store *s, const char *from, const char *to)
{
	const char *lf, *lt;
	int df = parent_of(s, from, &lf);
	if (df < 0)
		return df;
	int dt = parent_of(s, to, &lt);
	if (dt < 0) {
		close(df);
		return dt;
	}
	int r = renameat2(df, lf, dt, lt, RENAME_NOREPLACE) ? -errno : 0;
	close(df);
	close(dt);
	return r;
}

/* ---- uploads ---- */

int files_upload_begin(struct files_store *s, const char *name, struct files_upload *u)
{
	const char *last;
	struct stat st;
	*u = (struct files_upload){ .fd = -1, .dir = -1 };
	int dir = parent_of(s, name, &last);
	if (dir < 0)
		return dir == -ENOTDIR ? -ENOENT : dir;
	if (!fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW)) {
		close(dir);
		return -EEXIST;
	}
	int fd = openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = -errno;
		close(dir);
		return e;
	}
	u->fd = fd;
	u->dir = dir;
	snprintf(u->last, sizeof(u->last), "%s", last);
	return 0;
}

int files_upload_write(struct files_store *s, struct files_upload *u, const uint8_t *p, size_t n)
{
	if (u->size + n > s->max_upload)
		return -ENOSPC;
	if (s->keep_free) {
		struct statvfs v;
		if (!fstatvfs(u->fd, &v) && (uint64_t)v.f_bavail * v.f_frsize < s->keep_free + n)
			return -ENOSPC;
	}
	while (n) {
		ssize_t w = write(u->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		u->size += (uint64_t)w;
	}
	return 0;
}

int files_upload_commit(struct files_upload *u)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", u->fd);
	/* linkat through /proc needs no CAP_DAC_READ_SEARCH (AT_EMPTY_PATH
	 * would); it never replaces an existing name */
	int r = fsync(u->fd) ? -errno : 0;
	if (!r && linkat(AT_FDCWD, proc, u->dir, u->last, AT_SYMLINK_FOLLOW))
		r = -errno;
	files_upload_abort(u);
	return r;
}

void files_upload_abort(struct files_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->dir >= 0)
		close(u->dir);
	u->fd = u->dir = -1;
}

/* ---- FRSMs ---- */

void files_session_init(struct files_session *ss, struct files_store *s)
{
	memset(ss, 0, sizeof(*ss));
	ss->store = s;
	ss->next_id = 1;
}

void files_session_clear(struct files_session *ss)
{
	for (size_t i = 0; i < FILES_MAX_OPEN_PER_ASSOC; i++)
		if (ss->frsm[i].id)
			files_session_close(ss, ss->frsm[i].id);
}

unsigned files_session_count(const struct files_session *ss)
{
	unsigned n = 0;
	for (size_t i = 0; i < FILES_MAX_OPEN_PER_ASSOC; i++)
		n += ss->frsm[i].id != 0;
	return n;
}

static struct files_frsm *frsm_find(struct files_session *ss, int32_t id)
{
	if (id <= 0)
		return NULL;
	for (size_t i = 0; i < FILES_MAX_OPEN_PER_ASSOC; i++)
		if (ss->frsm[i].id == id)
			return &ss->frsm[i];
	return NULL;
}

int files_session_open(struct files_session *ss, const char *name, uint32_t pos, int32_t *frsm,
		       struct mms_file_attr *a)
{
	struct files_store *s = ss->store;
	struct files_frsm *slot = NULL;
	unsigned limit = s->max_open_per_assoc < FILES_MAX_OPEN_PER_ASSOC ?
				 s->max_open_per_assoc : FILES_MAX_OPEN_PER_ASSOC;
	if (files_session_count(ss) >= limit || s->open_total >= s->max_open_total)
		return -EMFILE;
	for (size_t i = 0; i < FILES_MAX_OPEN_PER_ASSOC && !slot; i++)
		if (!ss->frsm[i].id)
			slot = &ss->frsm[i];
	int r = files_name_check(name, false);
	if (r)
		return r;
	/* O_NONBLOCK: a FIFO planted in the root must not block the loop in
	 * open(2); it is refused below like every non-regular file */
	int fd = files_open(s, name, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd == -ENOTDIR ? -ENOENT : fd;
	struct stat st;
	r = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : servable(&st);
	if (!r && st.st_size > (off_t)UINT32_MAX)
		r = -EFBIG;
	if (!r && (off_t)pos > st.st_size)
		r = -ESPIPE;
	if (r) {
		close(fd);
		return r;
	}
	if (ss->next_id == INT32_MAX)
		ss->next_id = 1; /* 2^31 opens on one association: wrap, skipping ids in use */
	while (frsm_find(ss, ss->next_id))
		ss->next_id++;
	*slot = (struct files_frsm){ .id = ss->next_id++, .fd = fd, .size = (uint64_t)st.st_size,
				     .pos = pos };
	s->open_total++;
	s->opened++;
	*frsm = slot->id;
	attr_of(&st, a);
	return 0;
}

struct files_frsm *files_session_frsm(struct files_session *ss, int32_t id)
{
	return frsm_find(ss, id);
}

int files_frsm_read(const struct files_store *s, struct files_frsm *f, uint8_t *buf, size_t max,
		    size_t *n, bool *more)
{
	if (s->read_delay_ms) {
		struct timespec d = { .tv_sec = s->read_delay_ms / 1000,
				      .tv_nsec = (long)(s->read_delay_ms % 1000) * 1000000L };
		while (nanosleep(&d, &d) && errno == EINTR)
			;
	}
	size_t want = f->pos >= f->size ? 0 : f->size - f->pos < max ? f->size - f->pos : max;
	ssize_t got = want ? pread(f->fd, buf, want, (off_t)f->pos) : 0;
	if (got < 0)
		return -errno;
	f->pos += (uint64_t)got;
	*n = (size_t)got;
	/* a file that shrank since FileOpen ends where its data ends */
	*more = got > 0 && f->pos < f->size;
	return 0;
}

int files_session_read(struct files_session *ss, int32_t id, uint8_t *buf, size_t max, size_t *n,
		       bool *more)
{
	struct files_frsm *f = frsm_find(ss, id);
	if (!f)
		return -EBADF;
	return files_frsm_read(ss->store, f, buf, max, n, more);
}

int files_session_close(struct files_session *ss, int32_t id)
{
	struct files_frsm *f = frsm_find(ss, id);
	if (!f)
		return -EBADF;
	close(f->fd);
	*f = (struct files_frsm){ .id = 0, .fd = -1 };
	ss->store->open_total--;
	return 0;
}
