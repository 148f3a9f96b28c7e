/* SPDX-License-Identifier: Apache-2.0 */
/* The report state files (rptstore.h); format in doc/state-format.md. */
#include "rptstore.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAP_NAME "rpt.snap"
#define LOG_NAME "rpt.log"
#define SNAP_TMP "rpt.snap.tmp"
#define LOG_TMP "rpt.log.tmp"

#define FORMAT_VERSION 1
#define KIND_SNAP 1
#define KIND_LOG 2
static const uint8_t file_magic[8] = { 'i', 'e', 'd', 'd', '-', 'r', 'p', 't' };

enum rec_type {
	REC_KEY = 1, REC_CONFIG = 2, REC_ENTRY = 3, REC_DROP = 4, REC_COUNTER = 5,
	REC_DSDEF = 6, REC_DSDEL = 7, REC_CLEAN = 8, REC_END = 9,
};

#define MAX_KEY 200
#define MAX_NAME 255
#define MAX_SCL_ID 255
/* an entry body: n, 65535 member descriptors, 16 MiB of data */
#define MAX_BODY ((size_t)17 << 20)
#define MAX_RECORD (MAX_BODY + 64)
#define ENTRY_REC_OVERHEAD (4 + 1 + 4 + 8 + 6 + 4)
#define DEFAULT_COMPACT_MIN ((size_t)4 << 20)
#define DEFAULT_MAX_PENDING ((size_t)64 << 20)
#define COMPACT_RETRY_MS 10000
#define WRITE_CHUNK ((size_t)1 << 20)

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI and
 * ext4 use it: catches every burst up to 32 bits in a record. */
static const uint32_t crc_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- a growable octet vector, for records ---- */

struct vec {
	uint8_t *p;
	size_t len, cap;
	bool err;		/* an allocation failed: contents not to be used */
};

static uint8_t *vec_grow(struct vec *v, size_t n)
{
	if (v->err)
		return NULL;
	if (n > v->cap - v->len) {
		size_t cap = v->cap ? v->cap : 4096;
		while (cap - v->len < n) {
			if (cap > SIZE_MAX / 2) {
				v->err = true;
				return NULL;
			}
			cap *= 2;
		}
		uint8_t *p = realloc(v->p, cap);
		if (!p) {
			v->err = true;
			return NULL;
		}
		v->p = p;
		v->cap = cap;
	}
	uint8_t *d = v->p + v->len;
	v->len += n;
	return d;
}

static void put(struct vec *v, const void *d, size_t n)
{
	uint8_t *p = vec_grow(v, n);
	if (p && n)
		memcpy(p, d, n);
}

static void put8(struct vec *v, uint8_t x)
{
	put(v, &x, 1);
}

static void put16(struct vec *v, uint16_t x)
{
	uint8_t b[2] = { (uint8_t)x, (uint8_t)(x >> 8) };
	put(v, b, 2);
}

static void put32(struct vec *v, uint32_t x)
{
	uint8_t b[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24) };
	put(v, b, 4);
}

static void put64(struct vec *v, uint64_t x)
{
	put32(v, (uint32_t)x);
	put32(v, (uint32_t)(x >> 32));
}

static void putstr(struct vec *v, const char *s)
{
	size_t n = strlen(s);
	put16(v, (uint16_t)n);
	put(v, s, n);
}

/* A record: len u32 (type and payload), type u8, payload, crc u32 over
 * everything before it. rec_begin returns the record's offset. */
static size_t rec_begin(struct vec *v, uint8_t type)
{
	size_t start = v->len;
	put32(v, 0);
	put8(v, type);
	return start;
}

/* 0, or -ENOMEM (the record is taken out again; the vector stays usable). */
static int rec_end(struct vec *v, size_t start)
{
	if (v->err) {
		v->err = false;
		v->len = start < v->len ? start : v->len;
		return -ENOMEM;
	}
	uint32_t n = (uint32_t)(v->len - start - 4);
	v->p[start] = (uint8_t)n;
	v->p[start + 1] = (uint8_t)(n >> 8);
	v->p[start + 2] = (uint8_t)(n >> 16);
	v->p[start + 3] = (uint8_t)(n >> 24);
	put32(v, crc32c(v->p + start, v->len - start));
	if (v->err) {
		v->err = false;
		v->len = start;
		return -ENOMEM;
	}
	return 0;
}

static void header(struct vec *v, uint8_t kind, uint64_t gen, const char *scl_id)
{
	size_t start = v->len;
	put(v, file_magic, sizeof(file_magic));
	put16(v, FORMAT_VERSION);
	put8(v, kind);
	put8(v, 0);
	put64(v, gen);
	putstr(v, scl_id);
	if (!v->err)
		put32(v, crc32c(v->p + start, v->len - start));
}

/* ---- a bounded reader over one payload ---- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *take(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	return p;
}

static uint8_t get8(struct rd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

static uint16_t get16(struct rd *r)
{
	const uint8_t *p = take(r, 2);
	return p ? le16(p) : 0;
}

static uint32_t get32(struct rd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? le32(p) : 0;
}

static uint64_t get64(struct rd *r)
{
	const uint8_t *p = take(r, 8);
	return p ? le64(p) : 0;
}

/* A string of 1..max octets (min 0 when empty_ok), no NUL, into out
 * (max + 1 octets). */
static void getstr(struct rd *r, char *out, size_t max, bool empty_ok)
{
	uint16_t n = get16(r);
	const uint8_t *p = take(r, n);
	if (!p || n > max || (!n && !empty_ok) || memchr(p, 0, n)) {
		r->bad = true;
		out[0] = 0;
		return;
	}
	memcpy(out, p, n);
	out[n] = 0;
}

/* Iterates records: IT_OK (one record in type, pl, pln; off moved on), IT_END
 * (exactly at the end), IT_TORN (the last record is incomplete or fails
 * its checksum with nothing after it: a write cut short), IT_BAD (damage
 * with more after it; *why says what). */
enum { IT_OK, IT_END, IT_TORN, IT_BAD };

static int rec_next(const uint8_t *p, size_t len, size_t *off, uint8_t *type,
		    const uint8_t **pl, size_t *pln, const char **why)
{
	size_t o = *off;
	if (o == len)
		return IT_END;
	if (len - o < 4)
		return IT_TORN;
	uint32_t n = le32(p + o);
	if (n < 1 || n > MAX_RECORD) {
		*why = "record length out of range";
		return IT_BAD;
	}
	if (len - o - 4 < (size_t)n + 4)
		return IT_TORN;
	if (crc32c(p + o, 4 + (size_t)n) != le32(p + o + 4 + n)) {
		*why = "record checksum does not match";
		return o + 8 + n == len ? IT_TORN : IT_BAD;
	}
	*type = p[o + 4];
	*pl = p + o + 5;
	*pln = n - 1;
	*off = o + 8 + n;
	return IT_OK;
}

/* ---- the store ---- */

struct rs_ent {			/* an entry loaded, pointing into a mapped file */
	uint64_t id;
	const uint8_t *toe;
	const uint8_t *body;
	size_t len;
};

struct rs_key {
	char *name;
	uint32_t scl_conf_rev;
	bool claimed;
	bool has_cfg;
	struct rptstore_rcb_cfg cfg;
	uint64_t last_id;	/* the counter */
	uint64_t max_ent;	/* highest entry id recorded */
	uint64_t lo, lo_logged;	/* entries <= lo are gone; what the files say */
	struct rs_ent *ents;	/* while loading */
	uint32_t n_ents, cap_ents, first;
};

struct rs_ds {
	char *ld, *name;
	uint32_t n;
	char **refs;
};

struct map {
	uint8_t *p;
	size_t len;
};

struct rptstore {
	struct rptstore_cfg cfg;
	char *dir, *scl_id;
	int dirfd, log_fd;
	uint64_t gen;		/* of the snapshot and log in use */
	struct rs_key *keys;
	uint32_t n_keys, cap_keys;
	uint32_t *hash;		/* key index + 1; 0 empty; hash_cap a power of two */
	uint32_t hash_cap;
	struct rs_ds *ds;
	uint32_t n_ds, cap_ds;
	struct map snap_map, log_map;	/* while loading */
	bool loading, init_snap;
	bool unclean;
	bool linked_aside;	/* the files were linked aside once (ConfRev) */
	bool warned_unknown, warned_order, lost_warned;
	struct vec pending;
	size_t log_size, snap_size;
	bool failing;
	int64_t fail_since;
	bool compact_failing;
	int64_t compact_after;
	struct rptstore_stats st;
	/* cfg.sync_thread: the fdatasync of the log runs on this thread;
	 * pending's first `inflight` octets are written and being synced
	 * (dropped when the sync succeeds, written again when it fails) */
	struct syncer *sy;
	size_t inflight;
};

/* The fdatasync worker. The loop hands it a duplicate of the log's
 * descriptor; the worker syncs and closes it and leaves the result. */
struct syncer {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;			/* to sync; -1: nothing asked */
	bool busy, done, stop;
	int result;		/* of the sync `done` says finished */
};

static void say(struct rptstore *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct rptstore *s, int level, const char *fmt, ...)
{
	if (!s->cfg.log)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_arg, level, msg);
}

static int fault(struct rptstore *s, const char *op)
{
	return s->cfg.fault ? s->cfg.fault(s->cfg.fault_arg, op) : 0;
}

static uint32_t str_hash(const char *k)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

static int hash_rebuild(struct rptstore *s)
{
	uint32_t cap = 16;
	while (cap < 2 * s->n_keys + 2)
		cap *= 2;
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n_keys; i++) {
		uint32_t j = str_hash(s->keys[i].name) & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = i + 1;
	}
	free(s->hash);
	s->hash = h;
	s->hash_cap = cap;
	return 0;
}

static struct rs_key *find_key(const struct rptstore *s, const char *name)
{
	if (!s->hash_cap)
		return NULL;
	for (uint32_t j = str_hash(name) & (s->hash_cap - 1); s->hash[j];
	     j = (j + 1) & (s->hash_cap - 1))
		if (!strcmp(s->keys[s->hash[j] - 1].name, name))
			return &s->keys[s->hash[j] - 1];
	return NULL;
}

static struct rs_key *add_key(struct rptstore *s, const char *name, uint32_t conf_rev)
{
	if (s->n_keys == s->cap_keys) {
		uint32_t cap = s->cap_keys ? 2 * s->cap_keys : 16;
		struct rs_key *k = realloc(s->keys, cap * sizeof(*k));
		if (!k)
			return NULL;
		s->keys = k;
		s->cap_keys = cap;
	}
	struct rs_key *k = &s->keys[s->n_keys];
	memset(k, 0, sizeof(*k));
	k->name = strdup(name);
	if (!k->name)
		return NULL;
	k->scl_conf_rev = conf_rev;
	s->n_keys++;
	if (2 * s->n_keys + 2 > s->hash_cap) {
		if (hash_rebuild(s)) {
			free(k->name);
			s->n_keys--;
			return NULL;
		}
	} else {
		uint32_t j = str_hash(name) & (s->hash_cap - 1);
		while (s->hash[j])
			j = (j + 1) & (s->hash_cap - 1);
		s->hash[j] = s->n_keys;
	}
	return k;
}

static void ds_free(struct rs_ds *d)
{
	for (uint32_t i = 0; i < d->n; i++)
		free(d->refs[i]);
	free(d->refs);
	free(d->ld);
	free(d->name);
}

static int ds_find(const struct rptstore *s, const char *ld, const char *name)
{
	for (uint32_t i = 0; i < s->n_ds; i++)
		if (!strcmp(s->ds[i].ld, ld) && !strcmp(s->ds[i].name, name))
			return (int)i;
	return -1;
}

static void ds_remove(struct rptstore *s, const char *ld, const char *name)
{
	int i = ds_find(s, ld, name);
	if (i < 0)
		return;
	ds_free(&s->ds[i]);
	memmove(&s->ds[i], &s->ds[i + 1], (s->n_ds - (uint32_t)i - 1) * sizeof(s->ds[0]));
	s->n_ds--;
}

/* Takes d (also on failure). */
static int ds_put(struct rptstore *s, struct rs_ds *d)
{
	ds_remove(s, d->ld, d->name);
	if (s->n_ds == s->cap_ds) {
		uint32_t cap = s->cap_ds ? 2 * s->cap_ds : 8;
		struct rs_ds *n = realloc(s->ds, cap * sizeof(*n));
		if (!n) {
			ds_free(d);
			return -ENOMEM;
		}
		s->ds = n;
		s->cap_ds = cap;
	}
	s->ds[s->n_ds++] = *d;
	return 0;
}

static struct rs_ds *ds_make(const char *ld, const char *name, const char *const *refs,
			     uint32_t n, struct rs_ds *d)
{
	memset(d, 0, sizeof(*d));
	d->ld = strdup(ld);
	d->name = strdup(name);
	d->refs = calloc(n ? n : 1, sizeof(char *));
	if (!d->ld || !d->name || !d->refs) {
		ds_free(d);
		return NULL;
	}
	for (; d->n < n; d->n++) {
		d->refs[d->n] = strdup(refs[d->n]);
		if (!d->refs[d->n]) {
			ds_free(d);
			return NULL;
		}
	}
	return d;
}

static void unmap(struct map *m)
{
	if (m->p)
		munmap(m->p, m->len);
	m->p = NULL;
	m->len = 0;
}

static void free_loaded(struct rptstore *s)
{
	for (uint32_t i = 0; i < s->n_keys; i++) {
		free(s->keys[i].ents);
		s->keys[i].ents = NULL;
		s->keys[i].n_ents = s->keys[i].cap_ents = s->keys[i].first = 0;
	}
	unmap(&s->snap_map);
	unmap(&s->log_map);
}

/* Forgets everything read (a snapshot that turned out bad). */
static void state_reset(struct rptstore *s)
{
	free_loaded(s);
	for (uint32_t i = 0; i < s->n_keys; i++)
		free(s->keys[i].name);
	s->n_keys = 0;
	if (s->hash)
		memset(s->hash, 0, s->hash_cap * sizeof(*s->hash));
	for (uint32_t i = 0; i < s->n_ds; i++)
		ds_free(&s->ds[i]);
	s->n_ds = 0;
	s->gen = 0;
}

/* ---- applying a record read from a file ---- */

static const char *apply_cfg(struct rd *r, struct rptstore_rcb_cfg *c)
{
	c->conf_rev = get32(r);
	c->opt_flds = get16(r);
	c->trg_ops = get8(r);
	c->intg_pd = get32(r);
	c->buf_tm = get32(r);
	c->resv_tms = (int16_t)get16(r);
	c->entry_pos = get64(r);
	getstr(r, c->rpt_id, sizeof(c->rpt_id) - 1, true);
	getstr(r, c->datset, sizeof(c->datset) - 1, true);
	getstr(r, c->owner, sizeof(c->owner) - 1, true);
	return r->bad ? "configuration record malformed" : NULL;
}

static void put_cfg(struct vec *v, uint32_t kid, const struct rptstore_rcb_cfg *c)
{
	put32(v, kid);
	put32(v, c->conf_rev);
	put16(v, c->opt_flds);
	put8(v, c->trg_ops);
	put32(v, c->intg_pd);
	put32(v, c->buf_tm);
	put16(v, (uint16_t)c->resv_tms);
	put64(v, c->entry_pos);
	putstr(v, c->rpt_id);
	putstr(v, c->datset);
	putstr(v, c->owner);
}

static struct rs_key *get_key(const struct rptstore *s, struct rd *r)
{
	uint32_t kid = get32(r);
	if (r->bad || kid >= s->n_keys) {
		r->bad = true;
		return NULL;
	}
	return &s->keys[kid];
}

static void drop_through(struct rs_key *k, uint64_t through)
{
	if (through > k->lo)
		k->lo = through;
	while (k->first < k->n_ents && k->ents[k->first].id <= k->lo)
		k->first++;
}

/* Applies one record read from a file to the state: NULL, or why it is
 * refused (the state is unchanged then). *clean: the record was the
 * clean-stop mark. */
static const char *apply(struct rptstore *s, uint8_t type, const uint8_t *pl, size_t n,
			 bool *clean)
{
	struct rd r = { .p = pl, .end = pl + n };
	*clean = false;
	switch (type) {
	case REC_KEY: {
		uint32_t kid = get32(&r);
		uint32_t conf = get32(&r);
		char name[MAX_KEY + 1];
		getstr(&r, name, MAX_KEY, false);
		if (r.bad || r.p != r.end)
			return "key record malformed";
		if (kid < s->n_keys && !strcmp(s->keys[kid].name, name))
			return NULL;	/* again, as a snapshot written late repeats it */
		if (kid != s->n_keys)
			return "key number out of sequence";
		if (find_key(s, name))
			return "key defined twice";
		return add_key(s, name, conf) ? NULL : "out of memory";
	}
	case REC_CONFIG: {
		struct rs_key *k = get_key(s, &r);
		struct rptstore_rcb_cfg c;
		memset(&c, 0, sizeof(c));
		const char *why = apply_cfg(&r, &c);
		if (why || !k || r.p != r.end)
			return why ? why : "configuration record malformed";
		k->cfg = c;
		k->has_cfg = true;
		return NULL;
	}
	case REC_ENTRY: {
		struct rs_key *k = get_key(s, &r);
		uint64_t id = get64(&r);
		const uint8_t *toe = take(&r, 6);
		size_t len = (size_t)(r.end - r.p);
		if (!k || !toe || len < 4 || len > MAX_BODY)
			return "entry record malformed";
		if (!id || id <= k->max_ent || id <= k->lo)
			return "entry ids not ascending";
		if (k->n_ents == k->cap_ents) {
			uint32_t cap = k->cap_ents ? 2 * k->cap_ents : 16;
			struct rs_ent *e = realloc(k->ents, cap * sizeof(*e));
			if (!e)
				return "out of memory";
			k->ents = e;
			k->cap_ents = cap;
		}
		k->ents[k->n_ents++] = (struct rs_ent){ .id = id, .toe = toe, .body = r.p, .len = len };
		k->max_ent = id;
		if (id > k->last_id)
			k->last_id = id;
		return NULL;
	}
	case REC_DROP: {
		struct rs_key *k = get_key(s, &r);
		uint64_t through = get64(&r);
		if (!k || r.bad || r.p != r.end)
			return "drop record malformed";
		drop_through(k, through);
		k->lo_logged = k->lo;
		if (through > k->last_id)
			k->last_id = through;
		return NULL;
	}
	case REC_COUNTER: {
		struct rs_key *k = get_key(s, &r);
		uint64_t v = get64(&r);
		if (!k || r.bad || r.p != r.end)
			return "counter record malformed";
		if (v > k->last_id)
			k->last_id = v;
		return NULL;
	}
	case REC_DSDEF: {
		char ld[MAX_NAME + 1], name[MAX_NAME + 1];
		getstr(&r, ld, MAX_NAME, false);
		getstr(&r, name, MAX_NAME, false);
		uint16_t nref = get16(&r);
		if (r.bad)
			return "data set record malformed";
		/* every member takes 3 octets at least: bounds the allocation */
		if ((size_t)nref * 3 > (size_t)(r.end - r.p))
			return "data set record malformed";
		struct rs_ds d = { 0 };
		if (!ds_make(ld, name, NULL, 0, &d))
			return "out of memory";
		free(d.refs);
		d.refs = calloc(nref ? nref : 1, sizeof(char *));
		if (!d.refs) {
			ds_free(&d);
			return "out of memory";
		}
		char ref[MAX_NAME + 1];
		for (; d.n < nref; d.n++) {
			getstr(&r, ref, MAX_NAME, false);
			if (r.bad || !(d.refs[d.n] = strdup(ref))) {
				ds_free(&d);
				return "data set record malformed";
			}
		}
		if (r.p != r.end) {
			ds_free(&d);
			return "data set record malformed";
		}
		return ds_put(s, &d) ? "out of memory" : NULL;
	}
	case REC_DSDEL: {
		char ld[MAX_NAME + 1], name[MAX_NAME + 1];
		getstr(&r, ld, MAX_NAME, false);
		getstr(&r, name, MAX_NAME, false);
		if (r.bad || r.p != r.end)
			return "data set record malformed";
		ds_remove(s, ld, name);
		return NULL;
	}
	case REC_CLEAN:
		if (n)
			return "clean-stop record malformed";
		*clean = true;
		return NULL;
	default:
		return "unknown record type";
	}
}

/* Parses a header: 0 (gen, *hlen set) or -1 with why. */
static int header_parse(const struct rptstore *s, const uint8_t *p, size_t len, uint8_t kind,
			uint64_t *gen, size_t *hlen, char *why, size_t whyn)
{
	if (len < sizeof(file_magic) || memcmp(p, file_magic, sizeof(file_magic))) {
		snprintf(why, whyn, "not an iedd report state file");
		return -1;
	}
	if (len < 26) {
		snprintf(why, whyn, "header truncated");
		return -1;
	}
	if (le16(p + 8) != FORMAT_VERSION) {
		snprintf(why, whyn, "format version %u (this iedd reads %u)", le16(p + 8),
			 FORMAT_VERSION);
		return -1;
	}
	size_t idn = le16(p + 20);
	if (len < 26 + idn) {
		snprintf(why, whyn, "header truncated");
		return -1;
	}
	if (crc32c(p, 22 + idn) != le32(p + 22 + idn)) {
		snprintf(why, whyn, "header checksum does not match");
		return -1;
	}
	if (p[10] != kind || p[11]) {
		snprintf(why, whyn, "not a %s", kind == KIND_SNAP ? "snapshot" : "log");
		return -1;
	}
	if (idn != strlen(s->scl_id) || memcmp(p + 22, s->scl_id, idn)) {
		snprintf(why, whyn, "written for another SCL (\"%.*s\")", (int)(idn > 80 ? 80 : idn),
			 (const char *)p + 22);
		return -1;
	}
	*gen = le64(p + 12);
	*hlen = 26 + idn;
	return 0;
}

/* "<name>.bad-<UTC time>[-N]" that does not exist yet. */
static void bad_name(const struct rptstore *s, const char *name, char *out, size_t n)
{
	time_t t = (time_t)s->cfg.wall;
	struct tm tm;
	char stamp[32] = "0";
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "%s.bad-%s", name, stamp);
	for (int k = 2; k < 1000 && !faccessat(s->dirfd, out, F_OK, AT_SYMLINK_NOFOLLOW); k++)
		snprintf(out, n, "%s.bad-%s-%d", name, stamp, k);
}

static void set_aside(struct rptstore *s, const char *name, const char *why, const char *then)
{
	char bad[300];
	bad_name(s, name, bad, sizeof(bad));
	int r = fault(s, "rename");
	if (!r && renameat(s->dirfd, name, s->dirfd, bad))
		r = -errno;
	if (r)
		say(s, 4, "%s/%s: %s; could not set it aside (%s), %s", s->dir, name, why,
		    strerror(-r), then);
	else
		say(s, 4, "%s/%s: %s; set aside as %s, %s", s->dir, name, why, bad, then);
}

/* Maps a file read-only: 0, -ENOENT, or another -errno. Empty file: p NULL. */
static int map_file(struct rptstore *s, const char *name, struct map *m)
{
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st))
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			r = -errno;
		else {
			m->p = p;
			m->len = (size_t)st.st_size;
		}
	}
	close(fd);
	return r;
}

/* Reads the snapshot (all or nothing) and the log (the records before any
 * damage). Sets s->unclean. */
static void load(struct rptstore *s)
{
	char why[200];
	uint64_t snap_gen = 0, log_gen = 0;
	size_t off = 0;
	bool have_snap = false;
	int r = map_file(s, SNAP_NAME, &s->snap_map);
	int rl = map_file(s, LOG_NAME, &s->log_map);
	if (r == -ENOENT && rl == -ENOENT)
		return;		/* the first run here */
	s->unclean = true;	/* until the log ends in the clean mark */
	if (r == -ENOENT) {
		set_aside(s, LOG_NAME, "a log without its snapshot",
			  "starting with empty report state");
		unmap(&s->log_map);
		return;
	}
	if (r) {
		say(s, 3, "%s/%s: %s; starting with empty report state", s->dir, SNAP_NAME,
		    strerror(-r));
		unmap(&s->log_map);
		return;
	}
	if (header_parse(s, s->snap_map.p, s->snap_map.len, KIND_SNAP, &snap_gen, &off, why,
			 sizeof(why)))
		goto bad_snap;
	for (;;) {
		uint8_t type;
		const uint8_t *pl;
		size_t n;
		const char *w = NULL;
		size_t at = off;
		int it = rec_next(s->snap_map.p, s->snap_map.len, &off, &type, &pl, &n, &w);
		if (it == IT_END || it == IT_TORN) {
			snprintf(why, sizeof(why), "truncated at offset %zu", at);
			goto bad_snap;
		}
		if (it == IT_BAD) {
			snprintf(why, sizeof(why), "damaged at offset %zu (%s)", at, w);
			goto bad_snap;
		}
		if (type == REC_END) {
			if (off != s->snap_map.len) {
				snprintf(why, sizeof(why), "octets after the end mark at offset %zu",
					 off);
				goto bad_snap;
			}
			break;
		}
		bool clean;
		w = apply(s, type, pl, n, &clean);
		if (w || clean) {
			snprintf(why, sizeof(why), "damaged at offset %zu (%s)", at,
				 w ? w : "clean mark in a snapshot");
			goto bad_snap;
		}
	}
	have_snap = true;
	s->gen = snap_gen;
	s->snap_size = s->snap_map.len;

	if (rl == -ENOENT)
		return;		/* cut off while a new log was started */
	if (rl) {
		say(s, 3, "%s/%s: %s; the snapshot alone is used", s->dir, LOG_NAME, strerror(-rl));
		return;
	}
	if (header_parse(s, s->log_map.p, s->log_map.len, KIND_LOG, &log_gen, &off, why,
			 sizeof(why))) {
		set_aside(s, LOG_NAME, why, "the snapshot alone is used");
		unmap(&s->log_map);
		return;
	}
	if (log_gen != snap_gen) {
		/* the snapshot was written, the new log not yet: it holds all */
		unmap(&s->log_map);
		return;
	}
	bool clean = false;
	for (;;) {
		uint8_t type;
		const uint8_t *pl;
		size_t n;
		const char *w = NULL;
		size_t at = off;
		int it = rec_next(s->log_map.p, s->log_map.len, &off, &type, &pl, &n, &w);
		if (it == IT_END)
			break;
		if (it == IT_TORN) {
			say(s, 5, "%s/%s: the last record (offset %zu, %zu octets) is incomplete: the "
				  "last run did not stop cleanly", s->dir, LOG_NAME, at,
			    s->log_map.len - at);
			clean = false;
			break;
		}
		if (it == IT_OK && type != REC_END && !(w = apply(s, type, pl, n, &clean)))
			continue;
		snprintf(why, sizeof(why), "damaged at offset %zu (%s)", at,
			 w ? w : "end mark in a log");
		set_aside(s, LOG_NAME, why, "the records before it are used");
		clean = false;
		break;
	}
	s->unclean = !clean;
	(void)have_snap;
	return;

bad_snap:
	state_reset(s);
	set_aside(s, SNAP_NAME, why, "starting with empty report state");
	if (rl == 0)
		set_aside(s, LOG_NAME, "its snapshot was set aside",
			  "starting with empty report state");
	unmap(&s->log_map);
}

static int syncer_start(struct rptstore *s);
static void syncer_stop(struct rptstore *s);

int rptstore_open(const struct rptstore_cfg *cfg, struct rptstore **out)
{
	*out = NULL;
	if (!cfg->dir || !cfg->scl_id || strlen(cfg->scl_id) > MAX_SCL_ID)
		return -EINVAL;
	if (mkdir(cfg->dir, 0700) && errno != EEXIST)
		return -errno;
	struct rptstore *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.compact_min)
		s->cfg.compact_min = DEFAULT_COMPACT_MIN;
	if (!s->cfg.max_pending)
		s->cfg.max_pending = DEFAULT_MAX_PENDING;
	s->dir = strdup(cfg->dir);
	s->scl_id = strdup(cfg->scl_id);
	s->log_fd = -1;
	s->dirfd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!s->dir || !s->scl_id || s->dirfd < 0) {
		int r = s->dirfd < 0 && s->dir && s->scl_id ? -errno : -ENOMEM;
		rptstore_close(s);
		return r;
	}
	s->cfg.dir = s->dir;
	s->cfg.scl_id = s->scl_id;
	if (cfg->sync_thread && syncer_start(s))
		say(s, 4, "%s: no thread for fdatasync: the loop syncs itself", s->dir);
	s->loading = true;
	load(s);
	s->st.unclean = s->unclean;
	*out = s;
	return 0;
}

void rptstore_close(struct rptstore *s)
{
	if (!s)
		return;
	syncer_stop(s);
	state_reset(s);
	free(s->keys);
	free(s->hash);
	free(s->ds);
	free(s->pending.p);
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s->scl_id);
	free(s);
}

void rptstore_datasets(struct rptstore *s,
		       void (*each)(void *arg, const char *ld, const char *name,
				    const char *const *refs, uint32_t n),
		       void *arg)
{
	/* each() may delete the set it is given: walk a count that moves */
	for (uint32_t i = 0; i < s->n_ds;) {
		uint32_t before = s->n_ds;
		struct rs_ds *d = &s->ds[i];
		each(arg, d->ld, d->name, (const char *const *)d->refs, d->n);
		if (s->n_ds == before)
			i++;
	}
}

/* Links both files aside once, keeping what a changed ConfRev discards. */
static void link_aside(struct rptstore *s)
{
	if (s->linked_aside)
		return;
	s->linked_aside = true;
	const char *names[] = { SNAP_NAME, LOG_NAME };
	for (int i = 0; i < 2; i++) {
		char bad[300];
		bad_name(s, names[i], bad, sizeof(bad));
		if (!linkat(s->dirfd, names[i], s->dirfd, bad, 0))
			say(s, 5, "%s/%s: kept as %s (state of a changed ConfRev)", s->dir, names[i],
			    bad);
	}
}

static int emit_key(struct rptstore *s, struct vec *v, uint32_t kid)
{
	size_t at = rec_begin(v, REC_KEY);
	put32(v, kid);
	put32(v, s->keys[kid].scl_conf_rev);
	putstr(v, s->keys[kid].name);
	return rec_end(v, at);
}

int rptstore_load_rcb(struct rptstore *s, const char *key, uint32_t scl_conf_rev,
		      struct rptstore_rcb_state *st,
		      int (*entry)(void *arg, uint64_t id, const uint8_t toe[6],
				   const uint8_t *body, size_t len),
		      void *arg)
{
	memset(st, 0, sizeof(*st));
	size_t kl = strlen(key);
	if (!kl || kl > MAX_KEY)
		return -EINVAL;
	st->unclean = s->unclean;
	struct rs_key *k = find_key(s, key);
	if (k && k->claimed)
		return -EALREADY;
	if (!k) {
		k = add_key(s, key, scl_conf_rev);
		if (!k)
			return -ENOMEM;
		if (!s->loading)	/* a BRCB that came later: say it in the log */
			emit_key(s, &s->pending, (uint32_t)(k - s->keys));
	} else if (k->scl_conf_rev != scl_conf_rev) {
		say(s, 4, "%s: report state of %s discarded: written for ConfRev %u, the SCL has %u",
		    s->dir, key, k->scl_conf_rev, scl_conf_rev);
		link_aside(s);
		k->has_cfg = false;
		drop_through(k, k->last_id);
		k->scl_conf_rev = scl_conf_rev;
	}
	k->claimed = true;
	if (s->unclean) {
		/* 7-2 §17.2.4: an EntryID once given is never given again */
		k->last_id = k->last_id > UINT64_MAX - ((uint64_t)1 << 32)
				     ? UINT64_MAX
				     : k->last_id + ((uint64_t)1 << 32);
	}
	st->has_cfg = k->has_cfg;
	st->cfg = k->cfg;
	st->last_id = k->last_id;
	for (uint32_t i = k->first; i < k->n_ents; i++) {
		int r = entry(arg, k->ents[i].id, k->ents[i].toe, k->ents[i].body, k->ents[i].len);
		if (r)
			return r;
		/* entry() may have dropped some (rptstore_dropped) */
		if (i + 1 < k->first)
			i = k->first - 1;
	}
	return 0;
}

/* ---- writing ---- */

static int write_at(struct rptstore *s, int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n) {
		int r = fault(s, "write");
		if (r)
			return r;
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
		off += w;
		s->st.written += (uint64_t)w;
	}
	return 0;
}

static int datasync(struct rptstore *s, int fd)
{
	int r = fault(s, "sync");
	if (!r && fdatasync(fd))
		r = -errno;
	return r;
}

static void *sync_main(void *arg)
{
	struct rptstore *s = arg;
	struct syncer *y = s->sy;
	pthread_mutex_lock(&y->mu);
	for (;;) {
		while (y->fd < 0 && !y->stop)
			pthread_cond_wait(&y->cv, &y->mu);
		if (y->fd < 0)
			break;
		int fd = y->fd;
		pthread_mutex_unlock(&y->mu);
		int r = datasync(s, fd);
		close(fd);
		pthread_mutex_lock(&y->mu);
		y->fd = -1;
		y->busy = false;
		y->done = true;
		y->result = r;
		pthread_cond_broadcast(&y->cv);
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

static int syncer_start(struct rptstore *s)
{
	struct syncer *y = calloc(1, sizeof(*y));
	if (!y)
		return -ENOMEM;
	y->fd = -1;
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->cv, NULL);
	s->sy = y;
	int r = pthread_create(&y->thr, NULL, sync_main, s);
	if (r) {
		pthread_mutex_destroy(&y->mu);
		pthread_cond_destroy(&y->cv);
		free(y);
		s->sy = NULL;
		return -r;
	}
	return 0;
}

/* Waits for a sync in progress to end (SIGTERM's flush, close). */
static void syncer_wait(struct syncer *y)
{
	pthread_mutex_lock(&y->mu);
	while (y->busy)
		pthread_cond_wait(&y->cv, &y->mu);
	pthread_mutex_unlock(&y->mu);
}

static void syncer_stop(struct rptstore *s)
{
	struct syncer *y = s->sy;
	if (!y)
		return;
	pthread_mutex_lock(&y->mu);
	y->stop = true;
	pthread_cond_broadcast(&y->cv);
	pthread_mutex_unlock(&y->mu);
	pthread_join(y->thr, NULL);
	if (y->fd >= 0)
		close(y->fd);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	free(y);
	s->sy = NULL;
}

/* The log's octets [0, inflight) of pending are on disk now. */
static void log_synced(struct rptstore *s, size_t n)
{
	s->log_size += n;
	memmove(s->pending.p, s->pending.p + n, s->pending.len - n);
	s->pending.len -= n;
	s->st.syncs++;
	if (!s->pending.len && s->pending.cap > ((size_t)1 << 20)) {
		free(s->pending.p);
		s->pending = (struct vec){ 0 };
	}
}

/* cfg.sync_thread: takes the result of a finished sync; true while one
 * still runs. *err: its error (0 when none finished or it succeeded). */
static bool sync_collect(struct rptstore *s, int *err)
{
	struct syncer *y = s->sy;
	*err = 0;
	pthread_mutex_lock(&y->mu);
	bool busy = y->busy, done = y->done;
	int res = y->result;
	y->done = false;
	pthread_mutex_unlock(&y->mu);
	if (done) {
		if (!res)
			log_synced(s, s->inflight);
		*err = res;	/* failed: written again from log_size next time */
		s->inflight = 0;
	}
	return busy;
}

static int rename_in(struct rptstore *s, const char *from, const char *to)
{
	int r = fault(s, "rename");
	if (!r && renameat(s->dirfd, from, s->dirfd, to))
		r = -errno;
	if (!r && fsync(s->dirfd))
		r = -errno;
	return r;
}

/* A file being written in chunks. */
struct out {
	struct rptstore *s;
	int fd;
	struct vec v;
	off_t off;
	int err;
};

static void out_flush(struct out *o, bool all)
{
	if (o->err || (!all && o->v.len < WRITE_CHUNK))
		return;
	if (o->v.err)
		o->err = -ENOMEM;
	else
		o->err = write_at(o->s, o->fd, o->v.p, o->v.len, o->off);
	o->off += (off_t)o->v.len;
	o->v.len = 0;
}

/* Copies the live entry records of one file written by this store. */
static void copy_live(struct rptstore *s, struct out *o, const struct map *m)
{
	uint64_t gen;
	size_t off;
	char why[200];
	if (!m->p || (header_parse(s, m->p, m->len, KIND_SNAP, &gen, &off, why, sizeof(why)) &&
		      header_parse(s, m->p, m->len, KIND_LOG, &gen, &off, why, sizeof(why))))
		return;
	for (;;) {
		uint8_t type;
		const uint8_t *pl;
		size_t n;
		const char *w = NULL;
		size_t at = off;
		if (rec_next(m->p, m->len, &off, &type, &pl, &n, &w) != IT_OK || type == REC_END)
			return;
		if (type != REC_ENTRY || n < 12)
			continue;
		uint32_t kid = le32(pl);
		uint64_t id = le64(pl + 4);
		if (kid < s->n_keys && id > s->keys[kid].lo) {
			put(&o->v, m->p + at, off - at);
			out_flush(o, false);
		}
	}
}

/* Writes a new snapshot of everything live (from the entries loaded, or
 * from the files in use) and puts it in place; s->gen moves on. */
static int write_snapshot(struct rptstore *s, bool from_loaded)
{
	uint64_t gen = s->gen + 1;
	int fd = openat(s->dirfd, SNAP_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	struct out o = { .s = s, .fd = fd };
	struct map old_snap = { 0 }, old_log = { 0 };
	header(&o.v, KIND_SNAP, gen, s->scl_id);
	for (uint32_t i = 0; i < s->n_keys; i++) {
		struct rs_key *k = &s->keys[i];
		emit_key(s, &o.v, i);
		if (k->has_cfg) {
			size_t at = rec_begin(&o.v, REC_CONFIG);
			put_cfg(&o.v, i, &k->cfg);
			rec_end(&o.v, at);
		}
		size_t at = rec_begin(&o.v, REC_COUNTER);
		put32(&o.v, i);
		put64(&o.v, k->last_id);
		rec_end(&o.v, at);
		if (k->lo) {
			at = rec_begin(&o.v, REC_DROP);
			put32(&o.v, i);
			put64(&o.v, k->lo);
			rec_end(&o.v, at);
		}
		out_flush(&o, false);
	}
	for (uint32_t i = 0; i < s->n_ds; i++) {
		const struct rs_ds *d = &s->ds[i];
		size_t at = rec_begin(&o.v, REC_DSDEF);
		putstr(&o.v, d->ld);
		putstr(&o.v, d->name);
		put16(&o.v, (uint16_t)d->n);
		for (uint32_t j = 0; j < d->n; j++)
			putstr(&o.v, d->refs[j]);
		rec_end(&o.v, at);
		out_flush(&o, false);
	}
	if (from_loaded) {
		for (uint32_t i = 0; i < s->n_keys; i++) {
			const struct rs_key *k = &s->keys[i];
			for (uint32_t j = k->first; j < k->n_ents; j++) {
				const struct rs_ent *e = &k->ents[j];
				if (e->id <= k->lo)
					continue;
				size_t at = rec_begin(&o.v, REC_ENTRY);
				put32(&o.v, i);
				put64(&o.v, e->id);
				put(&o.v, e->toe, 6);
				put(&o.v, e->body, e->len);
				rec_end(&o.v, at);
				out_flush(&o, false);
			}
		}
	} else {
		/* the files in use: snapshot, then log, each in id order per key */
		map_file(s, SNAP_NAME, &old_snap);
		if (s->log_fd >= 0 && s->log_size) {
			void *p = mmap(NULL, s->log_size, PROT_READ, MAP_PRIVATE, s->log_fd, 0);
			if (p == MAP_FAILED) {
				int r = -errno;
				close(fd);
				unlinkat(s->dirfd, SNAP_TMP, 0);
				free(o.v.p);
				return r;
			}
			old_log = (struct map){ .p = p, .len = s->log_size };
		}
		copy_live(s, &o, &old_snap);
		copy_live(s, &o, &old_log);
		unmap(&old_snap);
		unmap(&old_log);
	}
	size_t at = rec_begin(&o.v, REC_END);
	rec_end(&o.v, at);
	out_flush(&o, true);
	int r = o.err;
	free(o.v.p);
	if (!r)
		r = datasync(s, fd);
	close(fd);
	if (!r)
		r = rename_in(s, SNAP_TMP, SNAP_NAME);
	if (r) {
		unlinkat(s->dirfd, SNAP_TMP, 0);
		return r;
	}
	s->gen = gen;
	s->snap_size = (size_t)o.off;
	for (uint32_t i = 0; i < s->n_keys; i++)
		s->keys[i].lo_logged = s->keys[i].lo;	/* the snapshot says so */
	s->st.compactions++;
	return 0;
}

/* Starts an empty log for s->gen in place of the one in use. */
static int open_new_log(struct rptstore *s)
{
	/* read too: compaction maps it */
	int fd = openat(s->dirfd, LOG_TMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	struct vec v = { 0 };
	header(&v, KIND_LOG, s->gen, s->scl_id);
	int r = v.err ? -ENOMEM : write_at(s, fd, v.p, v.len, 0);
	if (!r)
		r = datasync(s, fd);
	if (!r)
		r = rename_in(s, LOG_TMP, LOG_NAME);
	if (r) {
		close(fd);
		unlinkat(s->dirfd, LOG_TMP, 0);
		free(v.p);
		return r;
	}
	if (s->log_fd >= 0)
		close(s->log_fd);
	s->log_fd = fd;
	s->log_size = v.len;
	free(v.p);
	return 0;
}

int rptstore_load_done(struct rptstore *s, int64_t now)
{
	if (!s->loading)
		return -EALREADY;
	/* forget what no BRCB claimed, numbering the rest afresh */
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->n_keys; i++) {
		struct rs_key *k = &s->keys[i];
		if (!k->claimed) {
			if (k->has_cfg || k->first < k->n_ents)
				say(s, 5, "%s: report state of %s dropped: no such BRCB in the SCL",
				    s->dir, k->name);
			free(k->name);
			free(k->ents);
			continue;
		}
		s->keys[n++] = *k;
	}
	s->n_keys = n;
	hash_rebuild(s);
	s->loading = false;
	s->init_snap = true;
	return rptstore_sync(s, now);
}

/* ---- records at run time ---- */

static struct rs_key *key_for_record(struct rptstore *s, const char *key)
{
	struct rs_key *k = find_key(s, key);
	if (k && k->claimed)
		return k;
	if (!s->warned_unknown) {
		s->warned_unknown = true;
		say(s, 4, "%s: report state of %s not kept: that BRCB was not loaded (said once)",
		    s->dir, key);
	}
	return NULL;
}

void rptstore_entry(struct rptstore *s, const char *key, uint64_t id, const uint8_t toe[6],
		    const uint8_t *body, size_t len)
{
	struct rs_key *k = key_for_record(s, key);
	if (!k)
		return;
	if (s->loading || !id || id <= k->max_ent || id <= k->lo || len < 4 || len > MAX_BODY) {
		if (!s->warned_order) {
			s->warned_order = true;
			say(s, 4, "%s: entry %llu of %s not kept: %s (said once)", s->dir,
			    (unsigned long long)id, key,
			    s->loading ? "loading is not done" : "ids not ascending or size");
		}
		return;
	}
	k->max_ent = id;
	if (id > k->last_id)
		k->last_id = id;
	if (s->pending.len + len + ENTRY_REC_OVERHEAD > s->cfg.max_pending) {
		s->st.lost++;
		if (!s->lost_warned) {
			s->lost_warned = true;
			say(s, 3, "%s: %zu octets of report state wait for the disk; entries from "
				  "now on are kept in memory only", s->dir, s->pending.len);
		}
		return;
	}
	struct vec *v = &s->pending;
	size_t at = rec_begin(v, REC_ENTRY);
	put32(v, (uint32_t)(k - s->keys));
	put64(v, id);
	put(v, toe, 6);
	put(v, body, len);
	if (rec_end(v, at))
		s->st.lost++;
}

void rptstore_dropped(struct rptstore *s, const char *key, uint64_t through)
{
	struct rs_key *k = find_key(s, key);
	if (k && k->claimed)
		drop_through(k, through);	/* written at the next sync, coalesced */
}

void rptstore_config(struct rptstore *s, const char *key, const struct rptstore_rcb_cfg *cfg)
{
	struct rs_key *k = key_for_record(s, key);
	if (!k)
		return;
	k->cfg = *cfg;
	/* strings as the file keeps them: terminated */
	k->cfg.rpt_id[sizeof(k->cfg.rpt_id) - 1] = 0;
	k->cfg.datset[sizeof(k->cfg.datset) - 1] = 0;
	k->cfg.owner[sizeof(k->cfg.owner) - 1] = 0;
	k->has_cfg = true;
	if (s->loading)
		return;		/* in the snapshot load_done writes */
	size_t at = rec_begin(&s->pending, REC_CONFIG);
	put_cfg(&s->pending, (uint32_t)(k - s->keys), &k->cfg);
	rec_end(&s->pending, at);
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	return n && n <= MAX_NAME;
}

void rptstore_dataset_defined(struct rptstore *s, const char *ld, const char *name,
			      const char *const *refs, uint32_t n)
{
	bool ok = name_ok(ld) && name_ok(name) && n <= 65535;
	for (uint32_t i = 0; ok && i < n; i++)
		ok = name_ok(refs[i]);
	struct rs_ds d;
	if (!ok || !ds_make(ld, name, refs, n, &d) || ds_put(s, &d)) {
		say(s, 4, "%s: data set %s/%s not kept: %s", s->dir, ld, name,
		    ok ? "out of memory" : "a name too long or empty");
		return;
	}
	if (s->loading)
		return;
	size_t at = rec_begin(&s->pending, REC_DSDEF);
	putstr(&s->pending, ld);
	putstr(&s->pending, name);
	put16(&s->pending, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++)
		putstr(&s->pending, refs[i]);
	rec_end(&s->pending, at);
}

void rptstore_dataset_deleted(struct rptstore *s, const char *ld, const char *name)
{
	if (ds_find(s, ld, name) < 0)
		return;
	ds_remove(s, ld, name);
	if (s->loading)
		return;
	size_t at = rec_begin(&s->pending, REC_DSDEL);
	putstr(&s->pending, ld);
	putstr(&s->pending, name);
	rec_end(&s->pending, at);
}

/* ---- sync ---- */

static void emit_drops(struct rptstore *s)
{
	for (uint32_t i = 0; i < s->n_keys; i++) {
		struct rs_key *k = &s->keys[i];
		if (k->lo <= k->lo_logged)
			continue;
		size_t at = rec_begin(&s->pending, REC_DROP);
		put32(&s->pending, i);
		put64(&s->pending, k->lo);
		if (!rec_end(&s->pending, at))
			k->lo_logged = k->lo;
	}
}

static int sync_log(struct rptstore *s, bool inline_sync)
{
	int r;
	if (s->sy) {
		if (inline_sync)
			syncer_wait(s->sy);
		if (sync_collect(s, &r))
			return 0;	/* still syncing: the next tick writes what came */
		if (r)
			return r;
	}
	if (s->init_snap) {
		r = write_snapshot(s, true);
		if (r)
			return r;
		free_loaded(s);
		s->init_snap = false;
		if (s->log_fd >= 0)
			close(s->log_fd);
		s->log_fd = -1;
	}
	if (s->log_fd < 0 && (r = open_new_log(s)))
		return r;
	if (!s->pending.len)
		return 0;
	r = write_at(s, s->log_fd, s->pending.p, s->pending.len, (off_t)s->log_size);
	if (r)
		return r;	/* written again from the same offset next time */
	int fd = s->sy && !inline_sync ? fcntl(s->log_fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd >= 0) {
		/* the worker syncs; new records gather behind these */
		s->inflight = s->pending.len;
		pthread_mutex_lock(&s->sy->mu);
		s->sy->fd = fd;
		s->sy->busy = true;
		pthread_cond_broadcast(&s->sy->cv);
		pthread_mutex_unlock(&s->sy->mu);
		return 0;
	}
	if ((r = datasync(s, s->log_fd)))
		return r;
	log_synced(s, s->pending.len);
	return 0;
}

static int do_sync(struct rptstore *s, int64_t now, bool compact)
{
	if (s->loading)
		return 0;
	emit_drops(s);
	/* a flush (no compaction: SIGTERM) syncs before it returns */
	int r = sync_log(s, !compact);
	if (r) {
		if (!s->failing) {
			s->failing = true;
			s->fail_since = now;
			say(s, 3, "%s: report state not written: %s; %zu octets kept in memory, "
				  "retrying", s->dir, strerror(-r), s->pending.len);
		}
		return r;
	}
	if (s->failing) {
		s->failing = false;
		s->lost_warned = false;
		say(s, 5, "%s: report state written again after %lld s (%llu entries were not "
			  "kept on disk)", s->dir, (long long)((now - s->fail_since) / 1000),
		    (unsigned long long)s->st.lost);
	}
	if (compact && !s->inflight && s->log_size > s->cfg.compact_min &&
	    s->log_size > s->snap_size && now >= s->compact_after) {
		r = write_snapshot(s, false);
		if (!r && (r = open_new_log(s))) {
			/* the snapshot is in place: the old log is stale now, and
			 * sync_log starts the new one before writing anything */
			close(s->log_fd);
			s->log_fd = -1;
		}
		if (r) {
			/* a snapshot in place but no new log: sync_log starts one */
			s->compact_after = now + COMPACT_RETRY_MS;
			if (!s->compact_failing)
				say(s, 3, "%s: report state not compacted: %s; retrying every %d s",
				    s->dir, strerror(-r), COMPACT_RETRY_MS / 1000);
			s->compact_failing = true;
			return r;
		}
		if (s->compact_failing)
			say(s, 5, "%s: report state compacted again", s->dir);
		s->compact_failing = false;
	}
	return 0;
}

int rptstore_sync(struct rptstore *s, int64_t now)
{
	return do_sync(s, now, true);
}

int rptstore_flush(struct rptstore *s, int64_t now)
{
	if (s->loading)
		return 0;
	emit_drops(s);
	size_t at = rec_begin(&s->pending, REC_CLEAN);
	rec_end(&s->pending, at);
	return do_sync(s, now, false);
}

void rptstore_get_stats(const struct rptstore *s, struct rptstore_stats *out)
{
	*out = s->st;
	out->pending = s->pending.len;
	out->log_size = s->log_size;
	out->snap_size = s->snap_size;
	out->failing = s->failing;
}
