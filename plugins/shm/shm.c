/* SPDX-License-Identifier: Apache-2.0 */
/* iedd-source-shm.so: process variables in a POSIX shared-memory segment
 * that a control application on the same machine writes (layout, seqlock
 * and trigger protocol in <iedd/shm.h>; user guide in doc/plugins.md).
 *
 * Parameters:
 *   segment=/iedd   the segment's name (created if missing)
 *   slots=1024      slot count when this instance creates the segment
 *   mode=0600       permissions when this instance creates it (exact: the
 *                   umask does not apply); 0660 shares it with the group
 *   trigger=off     off: values reach iedd at the next scan only;
 *                   watch: a watcher thread sleeps on the segment's futex
 *                   word (trigger_seq) and, when an application's
 *                   iedd_shm_trigger() wakes it, pushes the slots that
 *                   changed since its last push (the application trigger)
 *   poll=1000       the watcher's fallback interval in ms (1..1000): its
 *                   futex wait times out after poll ms and then looks at
 *                   the 64-bit trigger counter, for writers that bump only
 *                   that (built against the older header), and retries
 *                   pushes the host's full queue refused. Slots written
 *                   without any trigger are read at the next scan.
 *
 * Address: a slot name (the slot is created if absent, typed with the
 * row's kind) or #INDEX.
 *
 * iedd --check (IEDD_HOST_CHECK): the parameters and addresses are checked
 * as usual, but no segment is created or attached and no watcher started
 * (#INDEX is checked against slots=, the count a new segment would get).
 * Non-blocking: reads copy a few hundred octets per point under the
 * seqlock. Threads: the callbacks run on iedd's loop; the optional watcher
 * reads slots and calls host->push. The points array is shared with the
 * watcher under `lock`; a point's `last` belongs to read(), its `pushed`
 * to the watcher (and to resolve() before the point is published). `stop`
 * is atomic: close() sets it and then bumps the futex word, so a watcher
 * asleep in FUTEX_WAIT (or about to enter it) returns at once. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <iedd/shm.h>
#include <iedd/source.h>

#include "../common/value.h"

struct shm_point {
	uint32_t index;
	enum iedd_kind kind;
	bool writable;
	char address[IEDD_SHM_NAME_MAX + 8];
	struct iedd_value last;		/* read()'s last good value */
	bool have_last;
	uint64_t pushed;		/* the watcher's: slot changes at the last push */
};

struct shm {
	struct iedd_host host;
	struct iedd_shm_map map;	/* unmapped (hdr NULL) in check mode */
	char segment[256];
	bool check;			/* IEDD_HOST_CHECK: touch nothing */
	uint32_t check_slots;		/* check mode: slots= */

	pthread_mutex_t lock;		/* points[] */
	struct shm_point **points;
	size_t n_points, cap;
	bool stop;			/* atomic: close() asks the watcher to end */
	bool watch;
	bool watcher_running;
	pthread_t watcher;
	unsigned poll_ms;
	/* at open: earlier triggers are not ours */
	uint64_t seen_trigger;
	uint32_t seen_seq;

	bool complained_busy;		/* read(): a stuck writer was logged */
};

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int parse_uint_param(const char *name, const char *text, int base, unsigned long lo,
			    unsigned long hi, unsigned long *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, base);
	if (!*text || *end || errno || text[0] == '-' || v < lo || v > hi)
		return value_err(err, errlen, -EINVAL, "parameter %s=\"%s\": expected %s %lu..%lu%s",
			       name, text, base == 8 ? "an octal mode" : "an integer", lo, hi,
			       base == 8 ? " such as 0600 or 0660" : "");
	*out = v;
	return 0;
}

/* The slot value as the point's kind: kind NONE and quality invalid (with
 * why) when it has none or cannot be converted. */
static void shm_convert(const struct iedd_value *raw, enum iedd_kind kind, struct iedd_value *out)
{
	if (raw->kind == IEDD_KIND_NONE || raw->kind > IEDD_KIND_STRING) {
		memset(out, 0, sizeof(*out));
		out->time_ns = raw->time_ns;
		/* never written: plain invalid; a kind we do not know: inconsistent */
		out->quality = raw->kind == IEDD_KIND_NONE
				       ? (uint16_t)(raw->quality | IEDD_Q_INVALID)
				       : (uint16_t)(IEDD_Q_INVALID | IEDD_Q_INCONSISTENT);
		return;
	}
	uint16_t why = value_convert(raw, kind, out);
	if (why)
		out->quality = (uint16_t)((out->quality & ~IEDD_Q_VALIDITY_MASK) | IEDD_Q_INVALID | why);
}

/* A slot that resolve() typed (its kind set, see shm_slot_type) but that
 * nobody wrote yet has no value: iedd keeps the model's value (the SCL's)
 * with quality invalid, as for an untyped slot. */
static void shm_never_written(struct iedd_value *raw, uint64_t changes)
{
	if (!changes && (raw->quality & IEDD_Q_VALIDITY_MASK) == IEDD_Q_INVALID)
		raw->kind = IEDD_KIND_NONE;
}

/* Gives a slot that has no kind yet the map row's kind, under its seqlock
 * and without counting a change (the slot stays "never written": quality
 * invalid, changes 0). Then `iedd-shm set NAME 50` stores 50 as the kind
 * the attribute has (a float for a mag.f), not as what "50" looks like,
 * and a later "50.5" fits. A slot written or typed before keeps its kind
 * (values are converted at each read). */
static void shm_slot_type(struct iedd_shm_slot *slot, enum iedd_kind kind)
{
	if (__atomic_load_n(&slot->kind, __ATOMIC_RELAXED) != IEDD_KIND_NONE)
		return;
	uint32_t seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	if ((seq & 1) || !__atomic_compare_exchange_n(&slot->seq, &seq, seq + 1, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;	/* a writer is inside: it gives the slot its kind */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (__atomic_load_n(&slot->kind, __ATOMIC_RELAXED) == IEDD_KIND_NONE &&
	    !__atomic_load_n(&slot->changes, __ATOMIC_RELAXED))
		__atomic_store_n(&slot->kind, (uint8_t)kind, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

/* The segment name rules of iedd_shm_attach, for check mode (which does
 * not attach). */
static int shm_check_segment_name(const char *segment, char *err, size_t errlen)
{
	size_t n = strlen(segment);
	if (n < 2 || n > 255 || segment[0] != '/' || strchr(segment + 1, '/'))
		return value_err(err, errlen, -EINVAL,
			       "parameter segment=\"%s\": a name is '/' and 1 to 254 more "
			       "characters, no other '/' (e.g. /iedd)",
			       segment);
	return 0;
}

/* FUTEX_WAIT on the segment's trigger_seq while it still holds `val`, for
 * at most `ms`. A shared futex (no FUTEX_PRIVATE_FLAG): the wakers are
 * other processes. Returns 0 when woken, or -ETIMEDOUT, -EAGAIN (the word
 * had already moved), -EINTR; the caller looks at the word either way. */
static int shm_futex_wait(uint32_t *word, uint32_t val, unsigned ms)
{
	long sec = (long)(ms / 1000), nsec = (long)(ms % 1000) * 1000000L;
#ifdef SYS_futex_time64
	/* 32-bit ABIs: the time64 call takes 64-bit fields whatever this
	 * program's time_t is (Linux >= 5.1; older kernels: ENOSYS, below) */
	struct {
		int64_t tv_sec, tv_nsec;
	} ts64 = {.tv_sec = sec, .tv_nsec = nsec};
	if (!syscall(SYS_futex_time64, word, FUTEX_WAIT, val, &ts64, NULL, 0))
		return 0;
	if (errno != ENOSYS)
		return -errno;
	struct {
		long tv_sec, tv_nsec;	/* the kernel's old timespec */
	} ts = {.tv_sec = sec, .tv_nsec = nsec};
#else
	struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
#endif
#ifdef SYS_futex
	return syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0) ? -errno : 0;
#else
	(void)ts;
	return -ENOSYS;
#endif
}

/* Pushes every point whose slot changed since its last push; true when the
 * host refused one for now (queue full: try again at the next poll). */
static bool shm_push_changed(struct shm *s)
{
	struct iedd_shm_header *hdr = s->map.hdr;
	bool retry = false;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_points; i++) {
		struct shm_point *p = s->points[i];
		const struct iedd_shm_slot *slot = iedd_shm_slot_at(hdr, p->index);
		struct iedd_value raw, v;
		uint64_t changes;
		/* a cheap look first: most points did not change. changes is
		 * stored before the writer's release of seq, and the trigger
		 * after that, so a slot written before the trigger shows. */
		if (__atomic_load_n(&slot->changes, __ATOMIC_RELAXED) == p->pushed)
			continue;
		if (iedd_shm_read(slot, &raw, &changes, IEDD_SHM_TRIES) || changes == p->pushed)
			continue;	/* a stuck slot is read()'s to report */
		shm_never_written(&raw, changes);
		shm_convert(&raw, p->kind, &v);
		int rc = s->host.push(s->host.host_ctx, p, &v);
		if (rc == -EAGAIN)
			retry = true;
		else
			p->pushed = changes;	/* pushed, or a point the host does not want */
	}
	pthread_mutex_unlock(&s->lock);
	return retry;
}

/* The watcher: sleeps in FUTEX_WAIT on trigger_seq, at most poll_ms at a
 * time. Woken (or the word moved while it was busy) it pushes the changed
 * slots; timed out, it pushes only when the 64-bit trigger moved (a
 * writer that does not wake) or the host refused a push last time. So it
 * makes at most one pass per trigger (triggers that come during a pass
 * share the next one) plus one per poll_ms, and sleeps otherwise. */
static void *shm_watch(void *arg)
{
	struct shm *s = arg;
	struct iedd_shm_header *hdr = s->map.hdr;
	uint64_t seen = s->seen_trigger;
	uint32_t seq = s->seen_seq;
	bool retry = false;
	bool complained = false;
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int rc = 0;
		if (__atomic_load_n(&hdr->trigger_seq, __ATOMIC_ACQUIRE) == seq)
			rc = shm_futex_wait(&hdr->trigger_seq, seq, s->poll_ms);
		if (rc && rc != -ETIMEDOUT && rc != -EAGAIN && rc != -EINTR) {
			/* no futex (a kernel or sandbox without it): sleep and
			 * poll the counters instead of spinning */
			if (!complained && s->host.log)
				s->host.log(s->host.host_ctx, IEDD_LOG_WARNING,
					    "shm: segment %s: cannot wait for the trigger (futex: "
					    "%s); polling it every %u ms instead",
					    s->segment, strerror(-rc), s->poll_ms);
			complained = true;
			struct timespec ts = {.tv_sec = s->poll_ms / 1000,
					      .tv_nsec = (long)(s->poll_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			break;
		/* acquire: the slot writes before the trigger are visible */
		uint32_t q = __atomic_load_n(&hdr->trigger_seq, __ATOMIC_ACQUIRE);
		uint64_t t = __atomic_load_n(&hdr->trigger, __ATOMIC_ACQUIRE);
		if (q == seq && t == seen && !retry)
			continue;	/* timed out, or a spurious wake-up */
		seq = q;
		seen = t;
		retry = shm_push_changed(s);
	}
	return NULL;
}

static void shm_source_close(void *ctx)
{
	struct shm *s = ctx;
	if (s->watcher_running) {
		__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
		/* move the word so a watcher between its stop check and
		 * FUTEX_WAIT does not go to sleep, and wake one asleep. Other
		 * watchers of the segment see a spurious wake-up. */
		__atomic_add_fetch(&s->map.hdr->trigger_seq, 1, __ATOMIC_RELEASE);
		(void)iedd_shm_wake_(s->map.hdr);
		pthread_join(s->watcher, NULL);
	}
	pthread_mutex_destroy(&s->lock);
	for (size_t i = 0; i < s->n_points; i++)
		free(s->points[i]);
	free(s->points);
	iedd_shm_detach(&s->map);
	free(s);
}

static int shm_source_open(const struct iedd_param *params, size_t n_params,
		     const struct iedd_host *host, void **ctx, char *err, size_t errlen)
{
	const char *segment = IEDD_SHM_DEFAULT_SEGMENT;
	unsigned long slots = IEDD_SHM_DEFAULT_SLOTS, mode = 0600, poll_ms = 1000;
	bool slots_given = false, watch = false;
	int rc;
	for (size_t i = 0; i < n_params; i++) {
		const char *k = params[i].name, *v = params[i].value;
		if (!strcmp(k, "segment")) {
			segment = v;
		} else if (!strcmp(k, "slots")) {
			if ((rc = parse_uint_param(k, v, 10, 1, IEDD_SHM_MAX_SLOTS, &slots, err,
						   errlen)))
				return rc;
			slots_given = true;
		} else if (!strcmp(k, "mode")) {
			if ((rc = parse_uint_param(k, v, 8, 0, 0777, &mode, err, errlen)))
				return rc;
		} else if (!strcmp(k, "poll")) {
			if ((rc = parse_uint_param(k, v, 10, 1, 1000, &poll_ms, err, errlen)))
				return rc;
		} else if (!strcmp(k, "trigger")) {
			if (!strcmp(v, "watch"))
				watch = true;
			else if (strcmp(v, "off"))
				return value_err(err, errlen, -EINVAL,
					       "parameter trigger=\"%s\": expected trigger=off (the "
					       "default) or trigger=watch",
					       v);
		} else {
			return value_err(err, errlen, -EINVAL,
				       "unknown parameter \"%s\"; the shm source takes segment=, "
				       "slots=, mode=, trigger=, poll=",
				       k);
		}
	}
	if (watch && !host->push)
		return value_err(err, errlen, -EINVAL,
			       "parameter trigger=watch: this host offers no push()");

	struct shm *s = calloc(1, sizeof(*s));
	if (!s)
		return value_err(err, errlen, -ENOMEM, "out of memory");
	s->host = *host;
	s->watch = watch;
	s->poll_ms = (unsigned)poll_ms;
	snprintf(s->segment, sizeof(s->segment), "%s", segment);
	if (host->flags & IEDD_HOST_CHECK) {
		/* a check creates no segment and starts no watcher */
		if ((rc = shm_check_segment_name(segment, err, errlen))) {
			free(s);
			return rc;
		}
		s->check = true;
		s->watch = false;
		s->check_slots = (uint32_t)slots;
		pthread_mutex_init(&s->lock, NULL);
		*ctx = s;
		return 0;
	}
	if ((rc = iedd_shm_attach(segment, (uint32_t)slots, (mode_t)mode, &s->map, err, errlen))) {
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->lock, NULL);

	if (slots_given && !s->map.created && s->map.hdr->slot_count != slots && host->log)
		host->log(host->host_ctx, IEDD_LOG_NOTICE,
			  "shm: segment %s exists with %u slots; slots=%lu applies only when it is "
			  "created (remove /dev/shm%s to recreate it)",
			  segment, s->map.hdr->slot_count, slots, segment);
	if (watch) {
		s->seen_seq = __atomic_load_n(&s->map.hdr->trigger_seq, __ATOMIC_ACQUIRE);
		s->seen_trigger = __atomic_load_n(&s->map.hdr->trigger, __ATOMIC_ACQUIRE);
		int e = pthread_create(&s->watcher, NULL, shm_watch, s);
		if (e) {
			s->watch = false;
			shm_source_close(s);
			return value_err(err, errlen, -e, "trigger=watch: cannot start the watcher: %s",
				       strerror(e));
		}
		s->watcher_running = true;
	}
	*ctx = s;
	return 0;
}

static int shm_source_resolve(void *ctx, const char *address, enum iedd_kind kind, bool writable,
		       void **point, char *err, size_t errlen)
{
	struct shm *s = ctx;
	struct iedd_shm_header *hdr = s->map.hdr;
	if (kind < IEDD_KIND_BOOL || kind > IEDD_KIND_STRING)
		return value_err(err, errlen, -EINVAL, "address \"%s\": value kind %d is not a kind",
			       address, (int)kind);
	long idx;
	uint32_t n_slots = s->check ? s->check_slots : hdr->slot_count;
	if (address[0] == '#') {
		char *end;
		errno = 0;
		idx = strtol(address + 1, &end, 10);
		if (!address[1] || *end || errno || address[1] < '0' || address[1] > '9' ||
		    idx >= (long)n_slots)
			return value_err(err, errlen, -EINVAL,
				       "address \"%s\": expected #INDEX with INDEX 0..%u (segment %s "
				       "has %u slots) or a slot name",
				       address, n_slots - 1, s->segment, n_slots);
	} else if (s->check) {
		size_t len = strlen(address);
		if (!len || len >= IEDD_SHM_NAME_MAX)
			return value_err(err, errlen, -EINVAL,
				       "address \"%s\": expected a slot name (1 to %d octets, not "
				       "starting with '#') or #INDEX",
				       address, IEDD_SHM_NAME_MAX - 1);
		idx = 0;
	} else {
		int i = iedd_shm_slot_create(hdr, address);
		if (i == -EINVAL)
			return value_err(err, errlen, -EINVAL,
				       "address \"%s\": expected a slot name (1 to %d octets, not "
				       "starting with '#') or #INDEX",
				       address, IEDD_SHM_NAME_MAX - 1);
		if (i == -ENOSPC)
			return value_err(err, errlen, -ENOSPC,
				       "address \"%s\": segment %s is full (%u slots): remove "
				       "/dev/shm%s and raise slots=",
				       address, s->segment, hdr->slot_count, s->segment);
		if (i < 0)
			return value_err(err, errlen, i,
				       "address \"%s\": segment %s: the slot-creation lock is held "
				       "by pid %u: %s",
				       address, s->segment, __atomic_load_n(&hdr->lock, __ATOMIC_RELAXED),
				       strerror(-i));
		idx = i;
		shm_slot_type(iedd_shm_slot_at(hdr, (uint32_t)idx), kind);
	}
	struct shm_point *p = calloc(1, sizeof(*p));
	if (!p)
		return value_err(err, errlen, -ENOMEM, "out of memory");
	p->index = (uint32_t)idx;
	p->kind = kind;
	p->writable = writable;
	snprintf(p->address, sizeof(p->address), "%s", address);
	struct iedd_value raw;
	if (s->check || iedd_shm_read(iedd_shm_slot_at(hdr, p->index), &raw, &p->pushed,
				      IEDD_SHM_TRIES))
		p->pushed = 0;

	pthread_mutex_lock(&s->lock);
	if (s->n_points == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct shm_point **np = realloc(s->points, cap * sizeof(*np));
		if (!np) {
			pthread_mutex_unlock(&s->lock);
			free(p);
			return value_err(err, errlen, -ENOMEM, "out of memory");
		}
		s->points = np;
		s->cap = cap;
	}
	s->points[s->n_points++] = p;
	pthread_mutex_unlock(&s->lock);
	*point = p;
	return 0;
}

static int shm_source_read(void *ctx, struct iedd_point *points, size_t n)
{
	struct shm *s = ctx;
	bool busy = false;
	if (s->check)
		return -ENOTCONN;	/* never called in check mode (source.h) */
	for (size_t i = 0; i < n; i++) {
		struct shm_point *p = points[i].point;
		struct iedd_value *out = &points[i].value, raw;
		uint64_t changes;
		if (iedd_shm_read(iedd_shm_slot_at(s->map.hdr, p->index), &raw, &changes,
				  IEDD_SHM_TRIES)) {
			/* a writer sits inside the slot: the last value, marked old */
			busy = true;
			if (p->have_last) {
				*out = p->last;
				out->quality |= IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OLD_DATA;
			} else {
				memset(out, 0, sizeof(*out));
				out->quality = IEDD_Q_INVALID | IEDD_Q_FAILURE;
			}
			if (!s->complained_busy && s->host.log)
				s->host.log(s->host.host_ctx, IEDD_LOG_WARNING,
					    "shm: segment %s: slot \"%s\" stays locked by a writer "
					    "(died inside a write?); serving its last value",
					    s->segment, p->address);
			continue;
		}
		shm_never_written(&raw, changes);
		shm_convert(&raw, p->kind, out);
		if (out->kind != IEDD_KIND_NONE) {
			p->last = *out;
			p->have_last = true;
		}
	}
	if (busy)
		s->complained_busy = true;
	else if (n && s->complained_busy)
		s->complained_busy = false;	/* complain again on the next episode */
	return 0;
}

static int shm_source_write(void *ctx, void *point, const struct iedd_value *value, char *err,
		     size_t errlen)
{
	struct shm *s = ctx;
	struct shm_point *p = point;
	if (s->check)
		return value_err(err, errlen, -ENOTCONN, "checking only: nothing is written");
	if (!p->writable)
		return value_err(err, errlen, -EPERM, "slot \"%s\" is mapped read-only", p->address);
	struct iedd_value w;
	uint16_t why = value_convert(value, p->kind, &w);
	if (why)
		return value_err(err, errlen, -EINVAL, "slot \"%s\": cannot take a %s value as %s",
			       p->address, value_kind_name(value->kind), value_kind_name(p->kind));
	if (!w.time_ns)
		w.time_ns = real_ns();
	int rc = iedd_shm_write(s->map.hdr, iedd_shm_slot_at(s->map.hdr, p->index), &w,
				IEDD_SHM_TRIES);
	if (rc)
		return value_err(err, errlen, rc,
			       "slot \"%s\" stays locked by another writer (died inside a write?)",
			       p->address);
	return 0;
}

IEDD_SOURCE_DEFINE(.name = "shm", .version = "0.1.0", .flags = IEDD_SOURCE_CHECK,
		   .open = shm_source_open,
		   .close = shm_source_close, .resolve = shm_source_resolve, .read = shm_source_read,
		   .write = shm_source_write);
