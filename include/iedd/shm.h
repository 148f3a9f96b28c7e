/* SPDX-License-Identifier: Apache-2.0 */
/* iedd shared-memory segment: the layout that the shm source plugin
 * (iedd-source-shm.so), the iedd-shm tool and a control application on the
 * same machine share. A control application includes this header alone:
 *
 *     cc -o ctl ctl.c $(pkg-config --cflags iedd-source)
 *
 * (glibc < 2.34 also needs -lrt for shm_open). Compile with the GNU or
 * POSIX feature macros visible (gcc's default -std=gnu17 does; with
 * -std=c11 add -D_GNU_SOURCE).
 *
 * Linux only: the trigger's wake-up is a futex (futex(2)) in the segment.
 *
 * The segment is a POSIX shared-memory object (/dev/shm/<name without the
 * slash>): a 128-octet header, then slot_count slots of slot_size octets.
 * Every offset is fixed (checked below) and native-endian; the layout
 * version is bumped on any incompatible change. Readers must use
 * header_size and slot_size from the header as the strides, so a later
 * version may grow both at the end.
 *
 *   header (struct iedd_shm_header)
 *     0   magic[8]        "IEDDSHM1", written last by the creator (release)
 *     8   version         IEDD_SHM_VERSION
 *     12  header_size     128: the slots start here
 *     16  slot_count
 *     20  slot_size       384
 *     24  changes         bumped after every completed slot write
 *     32  trigger         a writer bumps it to ask for immediate publication
 *     40  lock            slot-creation lock: 0, or the holder's pid
 *     44  used            slots [0, used) have names; only grows
 *     48  trigger_seq     32-bit futex word: bumped (wrapping) after trigger,
 *                         then FUTEX_WAKE; the plugin's watcher sleeps in
 *                         FUTEX_WAIT on it
 *     52  reserved[76]    zero
 *   slot (struct iedd_shm_slot)
 *     0   name[64]        NUL-terminated, set once when the slot is created
 *     64  seq             seqlock: odd while a writer is inside
 *     68  kind            enum iedd_kind
 *     69  reserved0
 *     70  quality         IEDD_Q_* (IEC 61850-7-3 quality, as in source.h)
 *     72  time_ns         UTC ns since 1970; 0 = "when iedd reads it"
 *     80  changes         bumped by every completed write of this slot
 *     88  reserved1[40]   zero
 *     128 value           union: b (uint8_t 0/1), i (int64_t), u (uint64_t),
 *                         f (double), s (char[256], NUL-terminated)
 *
 * Consistency (seqlock): a writer takes the slot by moving seq from even to
 * odd with a compare-and-swap (so two writers never interleave), writes kind,
 * quality, time_ns, changes + 1 and the value, then stores seq + 2 with
 * release semantics. A reader loads seq (acquire), skips while odd, copies
 * the fields, issues an acquire fence and loads seq again: if it changed,
 * the copy may be torn and it retries. Use iedd_shm_write() and
 * iedd_shm_read() below rather than open-coding this.
 *
 * Slot names are unique. A slot is created under the header's lock
 * (iedd_shm_slot_create): the creator writes the name into slot `used` and
 * then publishes used + 1 with release semantics; names never change and
 * slots are never deleted (remove the segment to start afresh). A slot can
 * also be addressed by index ("#3" in the plugin's map); index addressing is
 * for applications that lay the table out themselves and should not be
 * mixed with creation by name in the same range.
 *
 * The trigger (iedd_shm_trigger): a writer that wants its completed writes
 * published now adds 1 to `trigger` and then to `trigger_seq` (both with
 * release semantics) and calls futex(&trigger_seq, FUTEX_WAKE, INT_MAX):
 * a shared futex, not FUTEX_PRIVATE_FLAG, since the waiter is another
 * process. The watcher of an instance with trigger=watch waits with
 * FUTEX_WAIT on `trigger_seq`, so it runs within microseconds of the wake;
 * its timeout (the plugin's poll=) looks at `trigger` too, for writers that
 * bump only that. The same wake-up may also come from iedd itself (closing
 * an instance bumps `trigger_seq` to end its own wait): a spurious wake,
 * after which watchers find nothing changed.
 *
 * trigger_seq came with the futex wake-up, out of what was reserved (zero)
 * in layout 1, and the version stayed 1: each side still works with a peer
 * that does not know the field. A writer built against the older header
 * bumps `trigger` alone, which the watcher still sees at its poll= interval
 * (the old behaviour); an older iedd ignores trigger_seq and polls
 * `trigger` as before. Nothing reads reserved octets, so no reader
 * misinterprets a segment of either age.
 *
 * Every function here returns 0 (or an index) or a negative errno. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "source.h"

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "<iedd/shm.h> needs POSIX.1-2008: compile with -D_GNU_SOURCE or -D_POSIX_C_SOURCE=200809L (the default -std=gnu17 has it)"
#endif

/* syscall(2) is declared only with the GNU/BSD/default feature sets (glibc
 * and musl both turn one of them on unless a strict standard is asked
 * for): with -std=c11 -D_POSIX_C_SOURCE=200809L declare it here. */
#if !defined(__cplusplus) && !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE) && \
	!defined(_BSD_SOURCE)
long syscall(long number, ...);
#endif

#ifdef __cplusplus
#define IEDD_SHM_ASSERT_(cond, msg) static_assert(cond, msg)
extern "C" {
#else
#define IEDD_SHM_ASSERT_(cond, msg) _Static_assert(cond, msg)
#endif

#define IEDD_SHM_MAGIC "IEDDSHM1"
#define IEDD_SHM_VERSION 1
#define IEDD_SHM_NAME_MAX 64		/* including the NUL */
#define IEDD_SHM_DEFAULT_SEGMENT "/iedd"
#define IEDD_SHM_DEFAULT_SLOTS 1024
#define IEDD_SHM_MAX_SLOTS (1u << 20)
/* How often a reader or writer retries a slot that another writer holds
 * before it gives up with -EBUSY (a writer that died inside its write). The
 * first 100 tries spin, the rest yield the CPU: a bound of well under a
 * millisecond unless the holder is descheduled. */
#define IEDD_SHM_TRIES 2000

struct iedd_shm_header {
	union {
		char magic[8];		/* IEDD_SHM_MAGIC, no NUL */
		uint64_t magic_word;	/* the same 8 octets, for the atomic publication */
	};
	uint32_t version;
	uint32_t header_size;
	uint32_t slot_count;
	uint32_t slot_size;
	uint64_t changes;
	uint64_t trigger;
	uint32_t lock;
	uint32_t used;
	uint32_t trigger_seq;	/* futex word; see "The trigger" above */
	uint8_t reserved[76];
};

struct iedd_shm_slot {
	char name[IEDD_SHM_NAME_MAX];
	uint32_t seq;
	uint8_t kind;
	uint8_t reserved0;
	uint16_t quality;
	uint64_t time_ns;
	uint64_t changes;
	uint8_t reserved1[40];
	union {
		uint8_t b;
		int64_t i;
		uint64_t u;
		double f;
		char s[IEDD_STRING_MAX];
	} value;
};

IEDD_SHM_ASSERT_(sizeof(struct iedd_shm_header) == 128, "iedd_shm_header layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_header, changes) == 24, "iedd_shm_header layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_header, trigger) == 32, "iedd_shm_header layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_header, used) == 44, "iedd_shm_header layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_header, trigger_seq) == 48, "iedd_shm_header layout");
IEDD_SHM_ASSERT_(sizeof(struct iedd_shm_slot) == 384, "iedd_shm_slot layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_slot, seq) == 64, "iedd_shm_slot layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_slot, quality) == 70, "iedd_shm_slot layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_slot, time_ns) == 72, "iedd_shm_slot layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_slot, changes) == 80, "iedd_shm_slot layout");
IEDD_SHM_ASSERT_(offsetof(struct iedd_shm_slot, value) == 128, "iedd_shm_slot layout");

/* A mapped segment. */
struct iedd_shm_map {
	struct iedd_shm_header *hdr;
	size_t size;		/* of the mapping */
	bool created;		/* this attach created the segment */
};

static inline size_t iedd_shm_segment_size(uint32_t slot_count)
{
	return sizeof(struct iedd_shm_header) + (size_t)slot_count * sizeof(struct iedd_shm_slot);
}

/* Slot i (i < slot_count), with the strides the header gives. */
static inline struct iedd_shm_slot *iedd_shm_slot_at(const struct iedd_shm_header *hdr, uint32_t i)
{
	return (struct iedd_shm_slot *)(void *)((char *)(uintptr_t)hdr + hdr->header_size +
						(size_t)i * hdr->slot_size);
}

static inline void iedd_shm_relax_(unsigned try_no)
{
	if (try_no < 100) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	} else {
		sched_yield();
	}
}

static inline uint64_t iedd_shm_elapsed_ns_(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - since->tv_sec) * 1000000000u + (uint64_t)now.tv_nsec -
	       (uint64_t)since->tv_nsec;
}

static inline void iedd_shm_sleep_ms_(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Checks a mapping of `size` octets: magic, version, strides, size. */
static inline int iedd_shm_check(const struct iedd_shm_header *hdr, size_t size, const char *segment,
				 char *err, size_t errlen)
{
	uint64_t want;
	memcpy(&want, IEDD_SHM_MAGIC, sizeof(want));
	if (size < sizeof(*hdr)) {
		snprintf(err, errlen, "segment %s: %zu octets, too small for the header", segment, size);
		return -EBADMSG;
	}
	if (__atomic_load_n(&hdr->magic_word, __ATOMIC_ACQUIRE) != want) {
		snprintf(err, errlen,
			 "segment %s: not an iedd segment (no %s magic): another program uses "
			 "this name; pick another segment= or remove /dev/shm%s",
			 segment, IEDD_SHM_MAGIC, segment);
		return -EBADMSG;
	}
	if (hdr->version != IEDD_SHM_VERSION) {
		snprintf(err, errlen,
			 "segment %s: layout version %u, this program speaks %u: stop its users and "
			 "remove /dev/shm%s so it is created afresh",
			 segment, hdr->version, IEDD_SHM_VERSION, segment);
		return -EPROTO;
	}
	if (hdr->header_size < sizeof(*hdr) || hdr->slot_size < sizeof(struct iedd_shm_slot) ||
	    hdr->header_size % 8 || hdr->slot_size % 8 || hdr->slot_count > IEDD_SHM_MAX_SLOTS ||
	    hdr->header_size > size ||
	    (size - hdr->header_size) / hdr->slot_size < hdr->slot_count) {
		snprintf(err, errlen,
			 "segment %s: inconsistent header (header %u, %u slots of %u octets in %zu "
			 "octets): remove /dev/shm%s",
			 segment, hdr->header_size, hdr->slot_count, hdr->slot_size, size, segment);
		return -EBADMSG;
	}
	if (__atomic_load_n(&hdr->used, __ATOMIC_ACQUIRE) > hdr->slot_count) {
		snprintf(err, errlen, "segment %s: %u slots used of %u: remove /dev/shm%s", segment,
			 hdr->used, hdr->slot_count, segment);
		return -EBADMSG;
	}
	return 0;
}

/* Opens (attaches) the segment named `segment` ("/iedd": a slash and up to
 * 254 more characters, no other slash). With create_slots > 0 a missing
 * segment is created with that many slots and exactly `mode` (fchmod, so the
 * umask does not narrow it); a creator that fails removes what it made.
 * Waits up to a second for a concurrent creator to finish. On success *m
 * is the caller's (iedd_shm_detach). */
static inline int iedd_shm_attach(const char *segment, uint32_t create_slots, mode_t mode,
				  struct iedd_shm_map *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	size_t n = strlen(segment);
	if (n < 2 || n > 255 || segment[0] != '/' || strchr(segment + 1, '/')) {
		snprintf(err, errlen,
			 "segment '%s': a name is '/' and 1 to 254 more characters, no other "
			 "'/' (e.g. /iedd)",
			 segment);
		return -EINVAL;
	}
	if (create_slots > IEDD_SHM_MAX_SLOTS || (mode & ~(mode_t)0777)) {
		snprintf(err, errlen, "segment %s: %u slots (at most %u), mode %o (permission bits only)",
			 segment, create_slots, IEDD_SHM_MAX_SLOTS, (unsigned)mode);
		return -EINVAL;
	}
	int fd = -1, rc;
	if (create_slots) {
		fd = shm_open(segment, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd >= 0) {
			size_t size = iedd_shm_segment_size(create_slots);
			void *p = MAP_FAILED;
			if (fchmod(fd, mode) < 0 || ftruncate(fd, (off_t)size) < 0 ||
			    (p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
				    MAP_FAILED) {
				rc = -errno;
				snprintf(err, errlen, "segment %s: cannot create: %s", segment,
					 strerror(-rc));
				close(fd);
				shm_unlink(segment);
				return rc;
			}
			close(fd);
			struct iedd_shm_header *h = (struct iedd_shm_header *)p;
			h->version = IEDD_SHM_VERSION;
			h->header_size = sizeof(*h);
			h->slot_count = create_slots;
			h->slot_size = sizeof(struct iedd_shm_slot);
			for (uint32_t i = 0; i < create_slots; i++)
				iedd_shm_slot_at(h, i)->quality = IEDD_Q_INVALID;
			uint64_t magic;
			memcpy(&magic, IEDD_SHM_MAGIC, sizeof(magic));
			__atomic_store_n(&h->magic_word, magic, __ATOMIC_RELEASE);
			m->hdr = h;
			m->size = size;
			m->created = true;
			return 0;
		}
		if (errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "segment %s: cannot create /dev/shm%s: %s", segment,
				 segment, strerror(-rc));
			return rc;
		}
	}
	fd = shm_open(segment, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(err, errlen, "segment %s does not exist (/dev/shm%s)", segment, segment);
		else if (rc == -EACCES)
			snprintf(err, errlen,
				 "segment %s: permission denied on /dev/shm%s: run as its owner, or "
				 "have it created with mode=0660 and join its group",
				 segment, segment);
		else
			snprintf(err, errlen, "segment %s: %s", segment, strerror(-rc));
		return rc;
	}
	/* a concurrent creator may not have sized or published it yet */
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct stat st;
	for (;;) {
		if (fstat(fd, &st) < 0) {
			rc = -errno;
			snprintf(err, errlen, "segment %s: %s", segment, strerror(-rc));
			close(fd);
			return rc;
		}
		if ((size_t)st.st_size >= sizeof(struct iedd_shm_header) ||
		    iedd_shm_elapsed_ns_(&start) > 1000000000u)
			break;
		iedd_shm_sleep_ms_(1);
	}
	if ((size_t)st.st_size < sizeof(struct iedd_shm_header)) {
		snprintf(err, errlen,
			 "segment %s: %lld octets, too small for an iedd segment: remove /dev/shm%s",
			 segment, (long long)st.st_size, segment);
		close(fd);
		return -EBADMSG;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = -errno;
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "segment %s: mmap: %s", segment, strerror(-rc));
		return rc;
	}
	struct iedd_shm_header *h = (struct iedd_shm_header *)p;
	while (!__atomic_load_n(&h->magic_word, __ATOMIC_ACQUIRE) &&
	       iedd_shm_elapsed_ns_(&start) < 1000000000u)
		iedd_shm_sleep_ms_(1);
	if (!__atomic_load_n(&h->magic_word, __ATOMIC_ACQUIRE)) {
		snprintf(err, errlen,
			 "segment %s exists but was never initialised (its creator died?): remove "
			 "/dev/shm%s",
			 segment, segment);
		munmap(p, (size_t)st.st_size);
		return -EBADMSG;
	}
	if ((rc = iedd_shm_check(h, (size_t)st.st_size, segment, err, errlen))) {
		munmap(p, (size_t)st.st_size);
		return rc;
	}
	m->hdr = h;
	m->size = (size_t)st.st_size;
	return 0;
}

/* Unmaps; the segment itself stays (remove it with shm_unlink). */
static inline void iedd_shm_detach(struct iedd_shm_map *m)
{
	if (m->hdr)
		munmap(m->hdr, m->size);
	m->hdr = NULL;
	m->size = 0;
}

/* The index of the slot called `name`, or -ENOENT. */
static inline int iedd_shm_slot_find(const struct iedd_shm_header *hdr, const char *name)
{
	uint32_t used = __atomic_load_n(&hdr->used, __ATOMIC_ACQUIRE);
	if (used > hdr->slot_count)
		used = hdr->slot_count;
	for (uint32_t i = 0; i < used; i++)
		if (!strncmp(iedd_shm_slot_at(hdr, i)->name, name, IEDD_SHM_NAME_MAX))
			return (int)i;
	return -ENOENT;
}

/* Takes the slot-creation lock. A holder that has been in for more than a
 * second and whose pid no longer exists (kill(pid, 0) says ESRCH: it died
 * holding it) is replaced; after five seconds -EBUSY. Processes in
 * different pid namespaces must not share a segment. */
static inline int iedd_shm_lock_(struct iedd_shm_header *hdr)
{
	uint32_t me = (uint32_t)getpid();
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned t = 0;; t++) {
		uint32_t cur = 0;
		if (__atomic_compare_exchange_n(&hdr->lock, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		if (t < 1000) {
			iedd_shm_relax_(t);
			continue;
		}
		uint64_t ns = iedd_shm_elapsed_ns_(&start);
		if (ns > 1000000000u && cur && cur != me && kill((pid_t)cur, 0) < 0 &&
		    errno == ESRCH &&
		    __atomic_compare_exchange_n(&hdr->lock, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		if (ns > 5000000000u)
			return -EBUSY;
		iedd_shm_sleep_ms_(1);
	}
}

static inline void iedd_shm_unlock_(struct iedd_shm_header *hdr)
{
	__atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
}

/* The index of the slot called `name`, created if absent. -EINVAL for a
 * name that is empty, starts with '#' or does not fit IEDD_SHM_NAME_MAX,
 * -ENOSPC when every slot has a name, -EBUSY when the lock is stuck. */
static inline int iedd_shm_slot_create(struct iedd_shm_header *hdr, const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= IEDD_SHM_NAME_MAX || name[0] == '#')
		return -EINVAL;
	int i = iedd_shm_slot_find(hdr, name);
	if (i >= 0)
		return i;
	int rc = iedd_shm_lock_(hdr);
	if (rc)
		return rc;
	i = iedd_shm_slot_find(hdr, name);	/* created while we waited? */
	if (i < 0) {
		uint32_t used = __atomic_load_n(&hdr->used, __ATOMIC_RELAXED);
		if (used >= hdr->slot_count) {
			i = -ENOSPC;
		} else {
			struct iedd_shm_slot *s = iedd_shm_slot_at(hdr, used);
			memset(s->name, 0, sizeof(s->name));
			memcpy(s->name, name, n);
			__atomic_store_n(&hdr->used, used + 1, __ATOMIC_RELEASE);
			i = (int)used;
		}
	}
	iedd_shm_unlock_(hdr);
	return i;
}

/* Reads the slot consistently into *out (kind, quality, time_ns, v) and
 * its change counter into *changes (may be NULL). A string is
 * NUL-terminated. -EBUSY when a writer held the slot for all `tries`. */
static inline int iedd_shm_read(const struct iedd_shm_slot *slot, struct iedd_value *out,
				uint64_t *changes, unsigned tries)
{
	for (unsigned t = 0; t < tries; t++) {
		uint32_t s1 = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			iedd_shm_relax_(t);
			continue;
		}
		uint8_t kind = __atomic_load_n(&slot->kind, __ATOMIC_RELAXED);
		out->kind = kind;
		out->quality = __atomic_load_n(&slot->quality, __ATOMIC_RELAXED);
		out->time_ns = __atomic_load_n(&slot->time_ns, __ATOMIC_RELAXED);
		uint64_t ch = __atomic_load_n(&slot->changes, __ATOMIC_RELAXED);
		if (kind == IEDD_KIND_STRING)
			memcpy(out->v.s, slot->value.s, sizeof(out->v.s));
		else if (kind == IEDD_KIND_BOOL)
			out->v.b = __atomic_load_n(&slot->value.b, __ATOMIC_RELAXED) != 0;
		else
			out->v.u = __atomic_load_n(&slot->value.u, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) == s1) {
			if (kind == IEDD_KIND_STRING)
				out->v.s[IEDD_STRING_MAX - 1] = 0;
			if (changes)
				*changes = ch;
			return 0;
		}
		iedd_shm_relax_(t);
	}
	return -EBUSY;
}

/* Writes v (kind, quality, time_ns, value) into the slot and bumps the
 * slot's and the header's change counters. A string is cut at
 * IEDD_STRING_MAX - 1 octets. -EBUSY when another writer held the slot for
 * all `tries`. Does not bump the trigger: call iedd_shm_trigger() after a
 * batch of writes that should be published at once. */
static inline int iedd_shm_write(struct iedd_shm_header *hdr, struct iedd_shm_slot *slot,
				 const struct iedd_value *v, unsigned tries)
{
	uint32_t s;
	for (unsigned t = 0;; t++) {
		s = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		if (!(s & 1) && __atomic_compare_exchange_n(&slot->seq, &s, s + 1, false,
							    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		if (t >= tries)
			return -EBUSY;
		iedd_shm_relax_(t);
	}
	/* the odd seq is visible before any of the data (pairs with the
	 * reader's acquire fence) */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&slot->kind, v->kind, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->quality, v->quality, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->time_ns, v->time_ns, __ATOMIC_RELAXED);
	if (v->kind == IEDD_KIND_STRING) {
		size_t n = strnlen(v->v.s, IEDD_STRING_MAX - 1);
		memcpy(slot->value.s, v->v.s, n);
		memset(slot->value.s + n, 0, IEDD_STRING_MAX - n);
	} else if (v->kind == IEDD_KIND_BOOL) {
		__atomic_store_n(&slot->value.u, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&slot->value.b, (uint8_t)(v->v.b ? 1 : 0), __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&slot->value.u, v->v.u, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&slot->changes, __atomic_load_n(&slot->changes, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&slot->seq, s + 2, __ATOMIC_RELEASE);
	__atomic_add_fetch(&hdr->changes, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Wakes every process sleeping in FUTEX_WAIT on hdr->trigger_seq (a
 * shared futex: the mapping is MAP_SHARED, the waiters are other
 * processes). Returns the number woken or a negative errno. */
static inline int iedd_shm_wake_(struct iedd_shm_header *hdr)
{
#ifdef SYS_futex
	long n = syscall(SYS_futex, &hdr->trigger_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#else	/* 32-bit ABIs born with 64-bit time (riscv32) have only this one */
	long n = syscall(SYS_futex_time64, &hdr->trigger_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
	return n < 0 ? -errno : (int)n;
}

/* Asks the plugin to publish changed slots now: bumps `trigger` (which
 * older iedd versions poll), then the futex word `trigger_seq`, and wakes
 * the watchers (instances with trigger=watch). Call it after the writes it
 * should publish have returned; one trigger publishes every slot changed
 * since the last. Costs one system call (about a microsecond) whether
 * anybody waits or not. Safe from any thread; never blocks. */
static inline void iedd_shm_trigger(struct iedd_shm_header *hdr)
{
	__atomic_add_fetch(&hdr->trigger, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&hdr->trigger_seq, 1, __ATOMIC_RELEASE);
	(void)iedd_shm_wake_(hdr);
}

#ifdef __cplusplus
}
#endif
