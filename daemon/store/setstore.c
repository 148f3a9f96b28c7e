/* SPDX-License-Identifier: Apache-2.0 */
#include "setstore.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP "settings.snap"
#define MAGIC "IEDDSETS"
#define RETRY_MS 1000

struct sentry {
	char *key;
	uint8_t *sig, *val;	/* one allocation: sig then val */
	size_t sig_len, val_len;
};

struct setstore {
	char *dir, *scl_id;
	int64_t wall;
	setstore_log_fn *log;
	void *log_arg;
	int (*fault)(void *, const char *);
	void *fault_arg;
	struct sentry *e;
	size_t n, cap;
	bool dirty, failing, set_aside;
	int64_t retry_at;
	uint64_t writes;
};

static void logf_(const struct setstore *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(const struct setstore *s, int level, const char *fmt, ...)
{
	if (!s->log)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(s->log_arg, level, msg);
}

static uint32_t fnv1a32(const uint8_t *p, size_t n)
{
	uint32_t h = 0x811c9dc5u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x01000193u;
	}
	return h;
}

/* ---- parsing (bounded: every length is checked against what is left) ---- */

struct rd {
	const uint8_t *p;
	size_t left;
};

static bool take(struct rd *r, size_t n, const uint8_t **out)
{
	if (n > r->left)
		return false;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool get_u(struct rd *r, size_t n, uint32_t *v)
{
	const uint8_t *b;
	if (!take(r, n, &b))
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | b[i];
	return true;
}

static int bad(char *why, size_t n, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(char *why, size_t n, int err, const char *fmt, ...)
{
	if (why && n) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return err;
}

int setstore_parse(const uint8_t *buf, size_t len, const char *scl_id,
		   int (*each)(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
			       const uint8_t *val, size_t val_len),
		   void *arg, char *why, size_t why_n)
{
	if (len < 8 + 2 + 2 + 4 + 4 || memcmp(buf, MAGIC, 8))
		return bad(why, why_n, -EBADMSG, "not a settings file (no %s header, %zu octets)",
			   MAGIC, len);
	uint32_t sum = fnv1a32(buf, len - 4), got = 0;
	for (size_t i = len - 4; i < len; i++)
		got = got << 8 | buf[i];
	struct rd r = { buf + 8, len - 8 - 4 };
	uint32_t ver, idlen, count;
	const uint8_t *id;
	get_u(&r, 2, &ver);
	if (ver != SETSTORE_VERSION)
		return bad(why, why_n, -EPROTO, "format version %" PRIu32 ", this iedd reads %d",
			   ver, SETSTORE_VERSION);
	if (sum != got)
		return bad(why, why_n, -EBADMSG, "checksum mismatch (truncated or damaged)");
	if (!get_u(&r, 2, &idlen) || !take(&r, idlen, &id) || !get_u(&r, 4, &count))
		return bad(why, why_n, -EBADMSG, "header truncated");
	size_t want = scl_id ? strlen(scl_id) : 0;
	if (scl_id && (idlen != want || memcmp(id, scl_id, want)))
		return bad(why, why_n, -ESTALE, "written for another SCL file (\"%.*s\", now \"%s\")",
			   (int)(idlen > 200 ? 200 : idlen), (const char *)id, scl_id);
	if (count > SETSTORE_MAX_ENTRIES)
		return bad(why, why_n, -EBADMSG, "%" PRIu32 " records, at most %d", count,
			   SETSTORE_MAX_ENTRIES);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t kl, sl, vl;
		const uint8_t *k, *sg, *v;
		if (!get_u(&r, 2, &kl) || kl == 0 || kl > SETSTORE_KEY_MAX || !take(&r, kl, &k) ||
		    !get_u(&r, 4, &sl) || sl > SETSTORE_SIG_MAX || !take(&r, sl, &sg) ||
		    !get_u(&r, 4, &vl) || vl > SETSTORE_VAL_MAX || !take(&r, vl, &v))
			return bad(why, why_n, -EBADMSG, "record %" PRIu32 " of %" PRIu32 " malformed",
				   i + 1, count);
		if (memchr(k, 0, kl))
			return bad(why, why_n, -EBADMSG, "record %" PRIu32 ": NUL in its key", i + 1);
		char key[SETSTORE_KEY_MAX + 1];
		memcpy(key, k, kl);
		key[kl] = '\0';
		if (each) {
			int e = each(arg, key, sg, sl, v, vl);
			if (e)
				return e;
		}
	}
	if (r.left)
		return bad(why, why_n, -EBADMSG, "%zu octets after the last record", r.left);
	return 0;
}

/* ---- entries ---- */

static ssize_t find(const struct setstore *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key))
			return (ssize_t)i;
	return -1;
}

static void drop_at(struct setstore *s, size_t i)
{
	free(s->e[i].key);
	free(s->e[i].sig);
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(s->e[0]));
	s->n--;
}

static int put(struct setstore *s, const char *key, const uint8_t *sig, size_t sig_len,
	       const uint8_t *val, size_t val_len)
{
	size_t kl = strlen(key);
	if (!kl || kl > SETSTORE_KEY_MAX || sig_len > SETSTORE_SIG_MAX ||
	    val_len > SETSTORE_VAL_MAX)
		return -EINVAL;
	ssize_t at = find(s, key);
	if (at < 0 && s->n >= SETSTORE_MAX_ENTRIES)
		return -EINVAL;
	struct sentry ne = { .key = strdup(key), .sig = malloc(sig_len + val_len + 1),
			     .sig_len = sig_len, .val_len = val_len };
	if (!ne.key || !ne.sig) {
		free(ne.key);
		free(ne.sig);
		return -ENOMEM;
	}
	if (sig_len)
		memcpy(ne.sig, sig, sig_len);
	if (val_len)
		memcpy(ne.sig + sig_len, val, val_len);
	ne.val = ne.sig + sig_len;
	if (at >= 0)
		drop_at(s, (size_t)at);
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct sentry *g = realloc(s->e, nc * sizeof(*g));
		if (!g) {
			free(ne.key);
			free(ne.sig);
			return -ENOMEM;
		}
		s->e = g;
		s->cap = nc;
	}
	s->e[s->n++] = ne;
	return 0;
}

static int load_each(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
		     const uint8_t *val, size_t val_len)
{
	return put(arg, key, sig, sig_len, val, val_len);
}

/* ---- files ---- */

static int fault(const struct setstore *s, const char *op)
{
	return s->fault ? s->fault(s->fault_arg, op) : 0;
}

static int path_of(const struct setstore *s, const char *name, char *out, size_t n)
{
	int w = snprintf(out, n, "%s/%s", s->dir, name);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

static int do_set_aside(struct setstore *s, const char *why)
{
	char from[4096], to[4096];
	if (path_of(s, SNAP, from, sizeof(from)))
		return -ENAMETOOLONG;
	for (int i = 0; i < 100; i++) {
		int w = i ? snprintf(to, sizeof(to), "%s.bad-%" PRId64 "-%d", from, s->wall, i) :
			    snprintf(to, sizeof(to), "%s.bad-%" PRId64, from, s->wall);
		if (w < 0 || (size_t)w >= sizeof(to))
			return -ENAMETOOLONG;
		if (access(to, F_OK) == 0)
			continue;
		if (rename(from, to)) {
			int e = -errno;
			logf_(s, 3, "%s: %s; could not set it aside as %s: %s", from, why, to,
			      strerror(errno));
			return e;
		}
		s->set_aside = true;
		logf_(s, 4, "%s: %s; kept as %s, the SCL values are used", from, why, to);
		return 0;
	}
	return -EEXIST;
}

int setstore_set_aside(struct setstore *s, const char *why)
{
	if (s->set_aside) {
		logf_(s, 4, "%s/" SNAP ": %s (already set aside)", s->dir, why);
		return 0;
	}
	int r = do_set_aside(s, why);
	s->dirty = true;	/* what is kept goes to a fresh file */
	return r;
}

static int read_file(struct setstore *s)
{
	char path[4096];
	if (path_of(s, SNAP, path, sizeof(path)))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > SETSTORE_FILE_MAX) {
		close(fd);
		return do_set_aside(s, "not a regular file of at most 64 MiB");
	}
	size_t len = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	char why[320];
	int r = setstore_parse(buf, got, s->scl_id, load_each, s, why, sizeof(why));
	free(buf);
	if (r == -ENOMEM)
		return r;
	if (r) {
		while (s->n)
			drop_at(s, s->n - 1);
		return do_set_aside(s, why);
	}
	logf_(s, 6, "%s: %zu written settings restored from the last run", path, s->n);
	return 0;
}

int setstore_open(const struct setstore_cfg *cfg, struct setstore **out)
{
	*out = NULL;
	if (!cfg->dir || (cfg->scl_id && strlen(cfg->scl_id) > 255))
		return -EINVAL;
	if (mkdir(cfg->dir, 0700) && errno != EEXIST)
		return -errno;
	struct setstore *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir = strdup(cfg->dir);
	s->scl_id = strdup(cfg->scl_id ? cfg->scl_id : "");
	s->wall = cfg->wall;
	s->log = cfg->log;
	s->log_arg = cfg->log_arg;
	s->fault = cfg->fault;
	s->fault_arg = cfg->fault_arg;
	if (!s->dir || !s->scl_id) {
		setstore_close(s);
		return -ENOMEM;
	}
	int r = read_file(s);
	if (r == -ENOMEM) {
		setstore_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void setstore_close(struct setstore *s)
{
	if (!s)
		return;
	while (s->n)
		drop_at(s, s->n - 1);
	free(s->e);
	free(s->dir);
	free(s->scl_id);
	free(s);
}

int setstore_each(const struct setstore *s,
		  int (*each)(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
			      const uint8_t *val, size_t val_len),
		  void *arg)
{
	for (size_t i = 0; i < s->n; i++) {
		int r = each(arg, s->e[i].key, s->e[i].sig, s->e[i].sig_len, s->e[i].val,
			     s->e[i].val_len);
		if (r)
			return r;
	}
	return 0;
}

size_t setstore_count(const struct setstore *s)
{
	return s->n;
}

int setstore_put(struct setstore *s, const char *key, const uint8_t *sig, size_t sig_len,
		 const uint8_t *val, size_t val_len)
{
	int r = put(s, key, sig, sig_len, val, val_len);
	if (!r)
		s->dirty = true;
	return r;
}

bool setstore_remove(struct setstore *s, const char *key)
{
	ssize_t at = find(s, key);
	if (at < 0)
		return false;
	drop_at(s, (size_t)at);
	s->dirty = true;
	return true;
}

static void be(uint8_t *p, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole file in memory, then temporary file, fdatasync, rename, and
 * fsync of the directory so that the rename itself survives a power cut. */
static int write_snap(struct setstore *s)
{
	size_t idl = strlen(s->scl_id), len = 8 + 2 + 2 + idl + 4 + 4;
	for (size_t i = 0; i < s->n; i++)
		len += 2 + strlen(s->e[i].key) + 4 + s->e[i].sig_len + 4 + s->e[i].val_len;
	uint8_t *b = malloc(len), *p = b;
	if (!b)
		return -ENOMEM;
	memcpy(p, MAGIC, 8), p += 8;
	be(p, SETSTORE_VERSION, 2), p += 2;
	be(p, (uint32_t)idl, 2), p += 2;
	memcpy(p, s->scl_id, idl), p += idl;
	be(p, (uint32_t)s->n, 4), p += 4;
	for (size_t i = 0; i < s->n; i++) {
		const struct sentry *e = &s->e[i];
		size_t kl = strlen(e->key);
		be(p, (uint32_t)kl, 2), p += 2;
		memcpy(p, e->key, kl), p += kl;
		be(p, (uint32_t)e->sig_len, 4), p += 4;
		memcpy(p, e->sig, e->sig_len), p += e->sig_len;
		be(p, (uint32_t)e->val_len, 4), p += 4;
		memcpy(p, e->val, e->val_len), p += e->val_len;
	}
	be(p, fnv1a32(b, len - 4), 4);

	char tmp[4096], fin[4096];
	if (path_of(s, SNAP ".tmp", tmp, sizeof(tmp)) || path_of(s, SNAP, fin, sizeof(fin))) {
		free(b);
		return -ENAMETOOLONG;
	}
	int r = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	if (!r)
		r = fault(s, "write");
	if (!r)
		r = write_all(fd, b, len);
	if (!r)
		r = fault(s, "sync");
	if (!r && fdatasync(fd))
		r = -errno;
	if (fd >= 0 && close(fd) && !r)
		r = -errno;
	if (!r)
		r = fault(s, "rename");
	if (!r && rename(tmp, fin))
		r = -errno;
	if (r) {
		if (fd >= 0)
			unlink(tmp);
	} else {
		int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	free(b);
	return r;
}

int setstore_sync(struct setstore *s, int64_t now)
{
	if (!s->dirty)
		return 0;
	if (s->failing && now < s->retry_at)
		return 0;
	int r = write_snap(s);
	if (r) {
		if (!s->failing)
			logf_(s, 3, "%s/" SNAP ": cannot write the written settings: %s; kept in "
				    "memory, retried every second (free space or fix the state "
				    "directory's permissions)", s->dir, strerror(-r));
		s->failing = true;
		s->retry_at = now + RETRY_MS;
		return r;
	}
	if (s->failing)
		logf_(s, 5, "%s/" SNAP ": written again", s->dir);
	s->failing = false;
	s->dirty = false;
	s->writes++;
	return 0;
}

void setstore_get_stats(const struct setstore *s, struct setstore_stats *out)
{
	*out = (struct setstore_stats){ .writes = s->writes, .entries = s->n, .dirty = s->dirty,
					.failing = s->failing, .set_aside = s->set_aside };
}
