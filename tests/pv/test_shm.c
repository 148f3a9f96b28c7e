/* SPDX-License-Identifier: Apache-2.0 */
/* The shm plugin through the real loader, the segment helpers of
 * <iedd/shm.h>, and the iedd-shm program run as a program. Each test uses
 * its own segment name and removes it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <iedd/shm.h>

#include "pvtest.h"

static char err[1024];
static char seg[64];

static void seg_setup(void)
{
	static int n;
	snprintf(seg, sizeof(seg), "/iedd-test-%d-%d", (int)getpid(), n++);
	shm_unlink(seg);
}

static void seg_teardown(void)
{
	shm_unlink(seg);
}

struct shm_fixture {
	struct plugin *p;
	struct plugin_instance *inst;
	struct pv_host h;
	struct iedd_host host;
};

/* Opens the plugin on `seg` with extra params ("k", "v", ..., NULL). */
static int shm_up(struct shm_fixture *f, ...)
{
	ck_assert_msg(plugin_load("shm", pv_env("PV_PLUGIN_DIR"), &f->p, err, sizeof(err)) == 0,
		      "%s", err);
	pv_host_init(&f->h, &f->host);
	struct iedd_param params[8] = {{.name = "segment", .value = seg}};
	size_t n = 1;
	va_list ap;
	va_start(ap, f);
	for (const char *k; (k = va_arg(ap, const char *)) && n < 8; n++) {
		params[n].name = k;
		params[n].value = va_arg(ap, const char *);
	}
	va_end(ap);
	int rc = plugin_open(f->p, params, n, &f->host, &f->inst, err, sizeof(err));
	if (rc)
		plugin_unload(f->p);
	return rc;
}

static void shm_down(struct shm_fixture *f)
{
	plugin_close(f->inst);
	plugin_unload(f->p);
}

static void *point(struct shm_fixture *f, const char *address, enum iedd_kind kind, bool writable)
{
	void *pt;
	ck_assert_msg(plugin_resolve(f->inst, address, kind, writable, &pt, err, sizeof(err)) == 0,
		      "%s: %s", address, err);
	return pt;
}

static struct iedd_value get(struct shm_fixture *f, void *pt)
{
	struct iedd_point b = {.point = pt};
	ck_assert_int_eq(plugin_read(f->inst, &b, 1), 0);
	return b.value;
}

/* Runs iedd-shm --segment <seg> args... (NULL-terminated); returns the exit
 * status, output in out/errout. */
static char out[16384], errout[4096];

static int tool(const char *arg, ...)
{
	char *argv[16];
	int n = 0;
	argv[n++] = (char *)pv_env("IEDD_SHM");
	argv[n++] = "--segment";
	argv[n++] = seg;
	va_list ap;
	va_start(ap, arg);
	for (const char *a = arg; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return pv_run(argv, NULL, out, sizeof(out), errout, sizeof(errout));
}

/* The real clock: iedd-shm set stamps with CLOCK_REALTIME (a separate
 * process, no host clock to fake), so the one test that reads it checks
 * the stamp lies between a reading before and one after the tool ran: an
 * ordering, no duration. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static mode_t seg_mode(void)
{
	char path[128];
	snprintf(path, sizeof(path), "/dev/shm%s", seg);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 0777;
}

START_TEST(segment_created_0600_and_exact_mode)
{
	struct shm_fixture f;
	mode_t old = umask(022);
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	ck_assert_uint_eq(seg_mode(), 0600);
	shm_down(&f);
	shm_unlink(seg);
	/* the umask does not narrow an explicit mode */
	ck_assert_msg(shm_up(&f, "mode", "0660", "slots", "8", (char *)NULL) == 0, "%s", err);
	ck_assert_uint_eq(seg_mode(), 0660);
	shm_down(&f);
	umask(old);
}
END_TEST

START_TEST(tool_set_is_seen_by_plugin)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	void *t = point(&f, "Temp1", IEDD_KIND_FLOAT, false);
	/* created by resolve, never written: invalid, no value */
	struct iedd_value v = get(&f, t);
	ck_assert_int_eq(v.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(v.quality & IEDD_Q_VALIDITY_MASK, IEDD_Q_INVALID);

	uint64_t before = now_ns();
	ck_assert_int_eq(tool("set", "Temp1", "21.5", (char *)NULL), 0);
	uint64_t after = now_ns();
	v = get(&f, t);
	ck_assert_int_eq(v.kind, IEDD_KIND_FLOAT);
	ck_assert_double_eq(v.v.f, 21.5);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	ck_assert_uint_ge(v.time_ns, before);
	ck_assert_uint_le(v.time_ns, after);

	ck_assert_int_eq(tool("set", "Temp1", "-3", "--quality", "invalid+failure", "--time",
			      "1700000000123456789", (char *)NULL),
			 0);
	v = get(&f, t);
	ck_assert_double_eq(v.v.f, -3);
	ck_assert_uint_eq(v.quality, IEDD_Q_INVALID | IEDD_Q_FAILURE);
	ck_assert_uint_eq(v.time_ns, 1700000000123456789ull);

	/* the slot's kind converts to the row's: an int row on a float slot */
	void *ti = point(&f, "Temp1", IEDD_KIND_INT, false);
	v = get(&f, ti);
	ck_assert_int_eq(v.kind, IEDD_KIND_INT);
	ck_assert_int_eq(v.v.i, -3);
	/* ... and a uint row cannot hold -3 */
	void *tu = point(&f, "Temp1", IEDD_KIND_UINT, false);
	v = get(&f, tu);
	ck_assert_int_eq(v.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(v.quality & (IEDD_Q_INVALID | IEDD_Q_OVERFLOW),
			  IEDD_Q_INVALID | IEDD_Q_OVERFLOW);

	/* by index, and a slot the tool creates before iedd resolves it */
	ck_assert_int_eq(tool("set", "Breaker", "true", "--create", (char *)NULL), 0);
	void *b = point(&f, "Breaker", IEDD_KIND_BOOL, false);
	void *b1 = point(&f, "#1", IEDD_KIND_BOOL, false);
	ck_assert(get(&f, b).v.b);
	ck_assert(get(&f, b1).v.b);
	shm_down(&f);
}
END_TEST

START_TEST(plugin_write_reaches_the_tool)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	void *sp = point(&f, "Setpoint", IEDD_KIND_INT, true);
	struct iedd_value w = {.kind = IEDD_KIND_INT, .v.i = 1234};
	ck_assert_int_eq(plugin_write(f.inst, sp, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(tool("get", "Setpoint", (char *)NULL), 0);
	ck_assert_str_eq(out, "1234\n");
	void *ro = point(&f, "Setpoint", IEDD_KIND_INT, false);
	ck_assert_int_eq(plugin_write(f.inst, ro, &w, err, sizeof(err)), -EPERM);
	ck_assert_contains(err, "read-only");
	shm_down(&f);
}
END_TEST

START_TEST(tool_output_and_exit_codes)
{
	/* no segment yet: 3 for get, list and trigger */
	ck_assert_int_eq(tool("get", "x", (char *)NULL), 3);
	ck_assert_contains(errout, "does not exist");
	ck_assert_int_eq(tool("list", (char *)NULL), 3);
	ck_assert_int_eq(tool("trigger", (char *)NULL), 3);

	/* set --create creates segment and slot */
	ck_assert_int_eq(tool("set", "temp", "21.5", "--create", "--slots", "16", "--mode", "0640",
			      (char *)NULL),
			 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(seg_mode(), 0640);
	ck_assert_int_eq(tool("get", "temp", (char *)NULL), 0);
	ck_assert_str_eq(out, "21.5\n");
	ck_assert_int_eq(tool("get", "#0", (char *)NULL), 0);
	ck_assert_str_eq(out, "21.5\n");
	ck_assert_int_eq(tool("set", "temp", "-7", (char *)NULL), 0); /* a negative value, not an option */
	ck_assert_int_eq(tool("get", "temp", (char *)NULL), 0);
	ck_assert_str_eq(out, "-7\n");

	/* the slot holds floats: text is refused, unless --kind says otherwise */
	ck_assert_int_eq(tool("set", "temp", "warm", (char *)NULL), 1);
	ck_assert_contains(errout, "\"warm\" is not a float value");
	ck_assert_int_eq(tool("set", "temp", "warm", "--kind", "string", (char *)NULL), 0);
	ck_assert_int_eq(tool("get", "temp", (char *)NULL), 0);
	ck_assert_str_eq(out, "warm\n");

	ck_assert_int_eq(tool("list", (char *)NULL), 0);
	ck_assert(!strncmp(out, "0\ttemp\tstring\twarm\tgood\t", 23));
	ck_assert_contains(out, "\t3\n");	/* three writes: the refused one is none */
}
END_TEST

/* split from the previous test so a failing list line is reported alone */
START_TEST(tool_list_format)
{
	ck_assert_int_eq(tool("set", "count", "42", "--quality", "questionable+oldData", "--time",
			      "1000000000", "--create", (char *)NULL),
			 0);
	ck_assert_int_eq(tool("set", "flag", "on", "--create", (char *)NULL), 0);
	ck_assert_int_eq(tool("set", "note", "a\tb", "--kind", "string", "--time", "1", "--create",
			      (char *)NULL),
			 0);
	ck_assert_int_eq(tool("list", (char *)NULL), 0);
	char *l2 = strchr(out, '\n');
	ck_assert_ptr_nonnull(l2);
	*l2++ = 0;
	ck_assert_str_eq(out, "0\tcount\tint\t42\tquestionable+oldData\t"
			      "1970-01-01T00:00:01.000000000Z\t1");
	ck_assert(!strncmp(l2, "1\tflag\tbool\ttrue\tgood\t", 22));
	ck_assert_contains(l2, "2\tnote\tstring\ta\\tb\tgood\t1970-01-01T00:00:00.000000001Z\t1\n");

	/* trigger bumps the header's counter */
	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), 0);
	uint64_t t0 = m.hdr->trigger;
	ck_assert_int_eq(tool("trigger", (char *)NULL), 0);
	ck_assert_uint_eq(m.hdr->trigger, t0 + 1);
	ck_assert_int_eq(tool("set", "count", "43", "--trigger", (char *)NULL), 0);
	ck_assert_uint_eq(m.hdr->trigger, t0 + 2);
	/* ... and the futex word with it (the wake-up of trigger=watch) */
	ck_assert_uint_eq(m.hdr->trigger_seq, (uint32_t)t0 + 2);
	iedd_shm_detach(&m);

	/* not found and usage errors */
	ck_assert_int_eq(tool("get", "nosuch", (char *)NULL), 3);
	ck_assert_contains(errout, "no slot \"nosuch\"");
	ck_assert_int_eq(tool((char *)NULL), 2);
	ck_assert_contains(errout, "usage:");
	ck_assert_int_eq(tool("frob", (char *)NULL), 2);
	ck_assert_contains(errout, "unknown command frob");
	ck_assert_int_eq(tool("set", "x", (char *)NULL), 2);
	ck_assert_int_eq(tool("set", "x", "1", "--quality", "splendid", (char *)NULL), 2);
	ck_assert_contains(errout, "--quality splendid");
	ck_assert_int_eq(tool("set", "x", "1", "--kind", "complex", (char *)NULL), 2);
	ck_assert_int_eq(tool("get", "x", "--quality", "good", (char *)NULL), 2);
	ck_assert_int_eq(tool("get", "#5000", (char *)NULL), 2);
	ck_assert_int_eq(tool("--bogus", "list", (char *)NULL), 2);
	ck_assert_int_eq(tool("set", "#bad", "1", (char *)NULL), 2);
	ck_assert_int_eq(tool("--help", (char *)NULL), 0);
	ck_assert_contains(out, "usage:");

	/* a created slot with no value yet */
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	point(&f, "empty", IEDD_KIND_INT, false);
	ck_assert_int_eq(tool("get", "empty", (char *)NULL), 1);
	ck_assert_contains(errout, "has no value yet");
	shm_down(&f);

	/* a segment that is not ours */
	shm_unlink(seg);
	int fd = shm_open(seg, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "this is not an iedd segment at all, no magic here......"
				   "........................................................"
				   "..................",
			       128),
			 128);
	close(fd);
	ck_assert_int_eq(tool("list", (char *)NULL), 1);
	ck_assert_contains(errout, "not an iedd segment");
	ck_assert_int_eq(shm_up(&f, (char *)NULL), -EBADMSG);
	ck_assert_contains(err, "not an iedd segment");
	ck_assert_contains(err, "iedd-source-shm.so");
}
END_TEST

/* --- seqlock ------------------------------------------------------------ */

/* No ck_assert in the hot loops below: each passing one records a
 * checkpoint through a file, which would measure Check, not the seqlock. */
struct writer {
	struct iedd_shm_header *hdr;
	struct iedd_shm_slot *num, *str;
	volatile int stop;
	uint64_t writes, busy;
};

/* The writer side of the seqlock exactly as iedd_shm_write does it, but
 * preempted halfway through the string: a 50 us sleep with half of the new
 * string in place. On a busy machine the two threads rarely run at the same
 * instant, so without this window a broken reader would go unnoticed. */
static void preempted_write(struct iedd_shm_header *hdr, struct iedd_shm_slot *slot, uint64_t k)
{
	uint32_t s = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->seq, s + 1, __ATOMIC_RELAXED);	/* the only writer */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&slot->time_ns, k, __ATOMIC_RELAXED);
	size_t len = 100 + k % 150;
	memset(slot->value.s, 'a' + (int)(k % 26), len / 2);
	struct timespec pause = {.tv_nsec = 50000};
	nanosleep(&pause, NULL);
	memset(slot->value.s + len / 2, 'a' + (int)(k % 26), len - len / 2);
	memset(slot->value.s + len, 0, IEDD_STRING_MAX - len);
	__atomic_store_n(&slot->kind, IEDD_KIND_STRING, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->seq, s + 2, __ATOMIC_RELEASE);
	__atomic_add_fetch(&hdr->changes, 1, __ATOMIC_RELEASE);
}

/* Every write is self-consistent: value i = k, time_ns = 1000 + 3k, quality
 * = k & 0x00F8 (detail bits only), the string k%26 'a'+.. repeated to a
 * length of 100 + k%150. A torn copy breaks one of these relations. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (uint64_t k = 1; !w->stop; k++) {
		struct iedd_value v = {.kind = IEDD_KIND_INT,
				       .quality = (uint16_t)(k & 0x00F8),
				       .time_ns = 1000 + 3 * k,
				       .v.i = (int64_t)k};
		w->busy += iedd_shm_write(w->hdr, w->num, &v, IEDD_SHM_TRIES) != 0;
		if (k % 4 == 0) {
			preempted_write(w->hdr, w->str, k);
		} else {
			struct iedd_value s = {.kind = IEDD_KIND_STRING, .time_ns = k};
			size_t len = 100 + k % 150;
			memset(s.v.s, 'a' + (int)(k % 26), len);
			s.v.s[len] = 0;
			w->busy += iedd_shm_write(w->hdr, w->str, &s, IEDD_SHM_TRIES) != 0;
		}
		w->writes = k;
		struct timespec breath = {.tv_nsec = 10000};
		nanosleep(&breath, NULL);
	}
	return NULL;
}

START_TEST(seqlock_reads_are_never_torn)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	void *pn = point(&f, "num", IEDD_KIND_INT, false);
	void *ps = point(&f, "str", IEDD_KIND_STRING, false);

	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), 0);
	struct writer w = {.hdr = m.hdr,
			   .num = iedd_shm_slot_at(m.hdr, (uint32_t)iedd_shm_slot_find(m.hdr, "num")),
			   .str = iedd_shm_slot_at(m.hdr, (uint32_t)iedd_shm_slot_find(m.hdr, "str"))};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, writer_main, &w), 0);

	/* read for half a second; count the reads that began inside a write */
	unsigned checked = 0, old = 0, torn = 0, inside = 0;
	char first_torn[256] = "";
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned it = 0;; it++) {
		if (it % 256 == 0 && iedd_shm_elapsed_ns_(&start) > 500000000u)
			break;
		inside += __atomic_load_n(&w.str->seq, __ATOMIC_RELAXED) & 1;
		struct iedd_point b[2] = {{.point = pn}, {.point = ps}};
		if (plugin_read(f.inst, b, 2))
			torn++;
		for (int k = 0; k < 2; k++) {
			if (b[k].value.quality & IEDD_Q_OLD_DATA) {
				old++;	/* the writer held the slot through all retries */
				b[k].value.kind = IEDD_KIND_NONE;
			}
		}
		if (b[0].value.kind == IEDD_KIND_INT) {
			int64_t k = b[0].value.v.i;
			if (b[0].value.time_ns != 1000 + 3 * (uint64_t)k ||
			    b[0].value.quality != (uint16_t)(k & 0x00F8)) {
				if (!torn++)
					snprintf(first_torn, sizeof(first_torn),
						 "num: i=%" PRId64 " time=%" PRIu64 " q=%#x", k,
						 b[0].value.time_ns, b[0].value.quality);
			}
			checked++;
		}
		if (b[1].value.kind == IEDD_KIND_STRING) {
			uint64_t k = b[1].value.time_ns;
			const char *s = b[1].value.v.s;
			size_t len = strlen(s);
			bool ok = len == 100 + k % 150;
			for (size_t i = 0; ok && i < len; i++)
				ok = s[i] == 'a' + (int)(k % 26);
			if (!ok && !torn++)
				snprintf(first_torn, sizeof(first_torn), "str: k=%" PRIu64 " \"%.60s...\"",
					 k, s);
			checked++;
		}
	}
	w.stop = 1;
	pthread_join(th, NULL);
	ck_assert_msg(torn == 0, "%u torn reads, first: %s", torn, first_torn);
	ck_assert_uint_eq(w.busy, 0);
	ck_assert_uint_gt(w.writes, 100);
	ck_assert_msg(checked > 1000 && inside > 10,
		      "%u reads checked, %u began inside a write, %u served old", checked, inside,
		      old);
	iedd_shm_detach(&m);
	shm_down(&f);
}
END_TEST

START_TEST(stuck_writer_serves_last_value_as_old)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	void *p = point(&f, "x", IEDD_KIND_INT, true);
	void *q = point(&f, "never", IEDD_KIND_INT, false);
	ck_assert_int_eq(tool("set", "x", "5", (char *)NULL), 0);
	ck_assert_int_eq(get(&f, p).v.i, 5);

	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), 0);
	struct iedd_shm_slot *sx = iedd_shm_slot_at(m.hdr, 0), *sn = iedd_shm_slot_at(m.hdr, 1);
	sx->seq++;	/* a writer died inside its write */
	sn->seq++;
	struct iedd_value v = get(&f, p);
	ck_assert_int_eq(v.kind, IEDD_KIND_INT);
	ck_assert_int_eq(v.v.i, 5);
	ck_assert_uint_eq(v.quality, IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OLD_DATA);
	ck_assert_int_eq(f.h.n_log, 1);
	ck_assert_contains(f.h.last_log, "\"x\"");
	v = get(&f, q);
	ck_assert_int_eq(v.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(v.quality, IEDD_Q_INVALID | IEDD_Q_FAILURE);
	struct iedd_value w = {.kind = IEDD_KIND_INT, .v.i = 6};
	ck_assert_int_eq(plugin_write(f.inst, p, &w, err, sizeof(err)), -EBUSY);
	ck_assert_contains(err, "locked");
	ck_assert_int_eq(tool("get", "x", (char *)NULL), 1);
	sx->seq++;
	sn->seq++;
	ck_assert_int_eq(plugin_write(f.inst, p, &w, err, sizeof(err)), 0);
	v = get(&f, p);
	ck_assert_int_eq(v.v.i, 6);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	iedd_shm_detach(&m);
	shm_down(&f);
}
END_TEST

START_TEST(trigger_watch_pushes_changed_slots)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", "1", (char *)NULL) == 0, "%s", err);
	void *a = point(&f, "a", IEDD_KIND_FLOAT, false);
	void *b = point(&f, "b", IEDD_KIND_FLOAT, false);
	(void)b;
	ck_assert_int_eq(tool("set", "a", "1.25", (char *)NULL), 0);
	ck_assert_int_eq(tool("set", "b", "2", (char *)NULL), 0);
	ck_assert_int_eq(tool("set", "a", "3.5", "--trigger", (char *)NULL), 0);
	for (int i = 0; i < 2000 && pv_host_pushes(&f.h) < 2; i++)
		usleep(1000);
	pthread_mutex_lock(&f.h.lock);
	ck_assert_uint_eq(f.h.n_push, 2);	/* a and b, each once, latest values */
	int ia = f.h.push_point[0] == a ? 0 : 1;
	ck_assert_ptr_eq(f.h.push_point[ia], a);
	ck_assert_double_eq(f.h.push_value[ia].v.f, 3.5);
	ck_assert_double_eq(f.h.push_value[1 - ia].v.f, 2);
	pthread_mutex_unlock(&f.h.lock);
	/* a trigger with nothing changed pushes nothing */
	ck_assert_int_eq(tool("trigger", (char *)NULL), 0);
	usleep(20000);
	ck_assert_uint_eq(pv_host_pushes(&f.h), 2);
	shm_down(&f);
}
END_TEST

/* --- the trigger's futex wake-up ----------------------------------------- */

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The watcher's fallback poll= in these tests, and the bound that tells a
 * futex wake-up from it: half the interval. The tests below that compare a
 * delay with WOKEN_MS are mechanism comparisons, not durations picked on an
 * idle machine: they tell "woken by the futex" from "seen at the next
 * poll", two outcomes a whole poll interval apart. A wake-up takes well
 * under a millisecond on an idle machine and stays far below the bound on
 * a loaded one; a watcher that waited for its poll would be late by most
 * of the interval (each test starts its trigger some time into the wait).
 * They read CLOCK_MONOTONIC because the watcher's wait is a real futex
 * wait on the real clock: no fake clock can stand in for it. */
#define POLL_MS "1000"
#define WOKEN_MS 500u

/* Waits up to `ms` for the fake host to hold `n` pushes; the time it took. */
static uint64_t wait_pushes(struct shm_fixture *f, size_t n, uint64_t ms)
{
	uint64_t t0 = mono_ms();
	while (pv_host_pushes(&f->h) < n && mono_ms() - t0 < ms)
		usleep(200);
	return mono_ms() - t0;
}

static void reset_pushes(struct shm_fixture *f)
{
	pthread_mutex_lock(&f->h.lock);
	f->h.n_push = 0;
	pthread_mutex_unlock(&f->h.lock);
}

/* The documented offset of trigger_seq: the compiler's, the table in
 * doc/plugins.md and the layout comment of shm.h say the same. */
START_TEST(trigger_seq_offset_is_the_documented_one)
{
	ck_assert_uint_eq(offsetof(struct iedd_shm_header, trigger_seq), 48);
	ck_assert_uint_eq(sizeof(((struct iedd_shm_header *)0)->trigger_seq), 4);
	ck_assert_uint_eq(offsetof(struct iedd_shm_header, reserved), 52);
	ck_assert_uint_eq(sizeof(struct iedd_shm_header), 128);
	static const struct {
		const char *file, *line;
	} docs[] = {
		{"doc/plugins.md", "| 48 | 4 | `trigger_seq` |"},
		{"doc/plugins.md", "| 52 | 76 | reserved |"},
		{"include/iedd/shm.h", " *     48  trigger_seq "},
		{"include/iedd/shm.h", " *     52  reserved[76] "},
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", pv_env("PV_SRC_DIR"), docs[i].file);
		FILE *fp = fopen(path, "r");
		ck_assert_msg(fp, "%s: %s", path, strerror(errno));
		static char text[1 << 17];
		size_t n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
		text[n] = 0;
		ck_assert_msg(strstr(text, docs[i].line), "%s does not say \"%s\"", path,
			      docs[i].line);
	}
}
END_TEST

struct trigger_thread {
	const char *segment;
	unsigned delay_ms;
	double value;
	uint64_t at_ms;		/* when it triggered */
};

static void *trigger_main(void *arg)
{
	struct trigger_thread *t = arg;
	struct iedd_shm_map m;
	char e[256];
	if (iedd_shm_attach(t->segment, 0, 0, &m, e, sizeof(e)))
		return NULL;
	usleep(t->delay_ms * 1000);
	struct iedd_value v = {.kind = IEDD_KIND_FLOAT, .time_ns = 1, .v.f = t->value};
	int i = iedd_shm_slot_find(m.hdr, "a");
	if (i >= 0 && !iedd_shm_write(m.hdr, iedd_shm_slot_at(m.hdr, (uint32_t)i), &v,
				       IEDD_SHM_TRIES)) {
		t->at_ms = mono_ms();
		iedd_shm_trigger(m.hdr);
	}
	iedd_shm_detach(&m);
	return NULL;
}

/* poll=1000: without the futex wake-up the watcher would see the trigger
 * only at its next timeout, up to a second later. WOKEN_MS, half of that,
 * is generous: this tells the mechanism, the latency is measured by
 * tests/bench/shm_latency.sh. */
START_TEST(trigger_wakes_the_watcher_from_a_thread)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0, "%s", err);
	void *a = point(&f, "a", IEDD_KIND_FLOAT, false);
	/* the thread writes and triggers once the watcher sleeps in its wait */
	struct trigger_thread t = {.segment = seg, .delay_ms = 100, .value = 7.5};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, trigger_main, &t), 0);
	pthread_join(th, NULL);
	ck_assert_uint_ne(t.at_ms, 0);
	wait_pushes(&f, 1, 2000);
	uint64_t took = mono_ms() - t.at_ms;
	pthread_mutex_lock(&f.h.lock);
	ck_assert_uint_eq(f.h.n_push, 1);
	ck_assert_ptr_eq(f.h.push_point[0], a);
	ck_assert_double_eq(f.h.push_value[0].v.f, 7.5);
	pthread_mutex_unlock(&f.h.lock);
	ck_assert_msg(took < WOKEN_MS, "the push came %" PRIu64 " ms after the trigger", took);
	shm_down(&f);
}
END_TEST

START_TEST(trigger_wakes_the_watcher_from_a_process)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0, "%s", err);
	point(&f, "a", IEDD_KIND_FLOAT, false);
	usleep(100000);	/* the watcher is asleep in its wait */
	/* the timer starts before the tool does: fork and exec count too */
	uint64_t t0 = mono_ms();
	ck_assert_int_eq(tool("set", "a", "8.25", "--trigger", (char *)NULL), 0);
	wait_pushes(&f, 1, 2000);
	uint64_t took = mono_ms() - t0;
	ck_assert_uint_eq(pv_host_pushes(&f.h), 1);
	ck_assert_double_eq(f.h.push_value[0].v.f, 8.25);
	ck_assert_msg(took < WOKEN_MS, "the push came %" PRIu64 " ms after the tool started", took);

	/* back to back: every trigger reaches the watcher, none is lost
	 * between its look at the word and its wait */
	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), 0);
	struct iedd_shm_slot *sa = iedd_shm_slot_at(m.hdr, (uint32_t)iedd_shm_slot_find(m.hdr, "a"));
	uint64_t worst = 0;
	for (int k = 0; k < 300; k++) {
		reset_pushes(&f);
		struct iedd_value v = {.kind = IEDD_KIND_FLOAT, .time_ns = 1, .v.f = k};
		ck_assert_int_eq(iedd_shm_write(m.hdr, sa, &v, IEDD_SHM_TRIES), 0);
		iedd_shm_trigger(m.hdr);
		uint64_t ms = wait_pushes(&f, 1, 2000);
		worst = ms > worst ? ms : worst;
		pthread_mutex_lock(&f.h.lock);
		size_t n = f.h.n_push;
		double got = n ? f.h.push_value[n - 1].v.f : -1;
		pthread_mutex_unlock(&f.h.lock);
		ck_assert_msg(n == 1 && got == k, "trigger %d: %zu pushes, last %g", k, n, got);
	}
	ck_assert_msg(worst < WOKEN_MS, "a push came %" PRIu64 " ms after its trigger", worst);
	iedd_shm_detach(&m);
	shm_down(&f);
}
END_TEST

/* A writer built against the older header bumps the 64-bit trigger alone:
 * the watcher sees it at its poll= timeout. */
START_TEST(trigger_counter_alone_is_seen_at_the_poll_interval)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", "20", (char *)NULL) == 0, "%s", err);
	point(&f, "a", IEDD_KIND_FLOAT, false);
	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), 0);
	struct iedd_value v = {.kind = IEDD_KIND_FLOAT, .time_ns = 1, .v.f = 9};
	ck_assert_int_eq(iedd_shm_write(m.hdr, iedd_shm_slot_at(m.hdr, 0), &v, IEDD_SHM_TRIES), 0);
	uint32_t seq = m.hdr->trigger_seq;
	__atomic_add_fetch(&m.hdr->trigger, 1, __ATOMIC_RELEASE);
	uint64_t took = wait_pushes(&f, 1, 5000);
	ck_assert_uint_eq(pv_host_pushes(&f.h), 1);
	ck_assert_double_eq(f.h.push_value[0].v.f, 9);
	ck_assert_msg(took < 2000, "%" PRIu64 " ms (poll= 20: never seen would be the 5 s wait)", took);
	ck_assert_uint_eq(m.hdr->trigger_seq, seq);	/* the watcher only reads it */
	iedd_shm_detach(&m);
	shm_down(&f);
}
END_TEST

/* close() wakes a watcher asleep in a one-second wait at once, and the
 * other watcher on the same segment keeps working. */
START_TEST(close_with_an_idle_watcher_is_prompt)
{
	struct shm_fixture f, g;
	ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0, "%s", err);
	ck_assert_msg(shm_up(&g, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0, "%s", err);
	point(&g, "a", IEDD_KIND_FLOAT, false);
	for (int k = 0; k < 5; k++) {
		usleep(50000);	/* asleep in its wait */
		uint64_t t0 = mono_ms();
		shm_down(&f);
		uint64_t took = mono_ms() - t0;
		ck_assert_msg(took < WOKEN_MS, "close took %" PRIu64 " ms", took);
		ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0,
			      "%s", err);
	}
	/* a close right after open, before the watcher may even have run */
	for (int k = 0; k < 20; k++) {
		uint64_t t0 = mono_ms();
		shm_down(&f);
		ck_assert_uint_lt(mono_ms() - t0, WOKEN_MS);
		ck_assert_msg(shm_up(&f, "trigger", "watch", "poll", POLL_MS, (char *)NULL) == 0,
			      "%s", err);
	}
	shm_down(&f);
	/* the closes woke g spuriously: it pushed nothing */
	ck_assert_uint_eq(pv_host_pushes(&g.h), 0);
	uint64_t t0 = mono_ms();
	ck_assert_int_eq(tool("set", "a", "1", "--trigger", (char *)NULL), 0);
	wait_pushes(&g, 1, 2000);
	ck_assert_uint_eq(pv_host_pushes(&g.h), 1);
	ck_assert_uint_lt(mono_ms() - t0, WOKEN_MS);
	shm_down(&g);
}
END_TEST

START_TEST(bad_addresses_and_params)
{
	struct shm_fixture f;
	ck_assert_int_eq(shm_up(&f, "trigger", "sometimes", (char *)NULL), -EINVAL);
	ck_assert_contains(err, "trigger=\"sometimes\"");
	ck_assert_int_eq(shm_up(&f, "mode", "0999", (char *)NULL), -EINVAL);
	ck_assert_contains(err, "octal mode");
	ck_assert_int_eq(shm_up(&f, "slots", "0", (char *)NULL), -EINVAL);
	ck_assert_int_eq(shm_up(&f, "colour", "red", (char *)NULL), -EINVAL);
	ck_assert_contains(err, "\"colour\"");
	char bad[64];
	snprintf(bad, sizeof(bad), "%s", seg);
	snprintf(seg, sizeof(seg), "no-slash");
	ck_assert_int_eq(shm_up(&f, (char *)NULL), -EINVAL);
	ck_assert_contains(err, "segment 'no-slash'");
	snprintf(seg, sizeof(seg), "%s", bad);

	ck_assert_msg(shm_up(&f, "slots", "2", (char *)NULL) == 0, "%s", err);
	void *pt;
	ck_assert_int_eq(plugin_resolve(f.inst, "#2", IEDD_KIND_INT, false, &pt, err, sizeof(err)),
			 -EINVAL);
	ck_assert_contains(err, "#INDEX with INDEX 0..1");
	ck_assert_int_eq(plugin_resolve(f.inst, "#x", IEDD_KIND_INT, false, &pt, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(plugin_resolve(f.inst, "", IEDD_KIND_INT, false, &pt, err, sizeof(err)),
			 -EINVAL);
	ck_assert_contains(err, "expected a slot name");
	char longname[80];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ck_assert_int_eq(plugin_resolve(f.inst, longname, IEDD_KIND_INT, false, &pt, err,
					sizeof(err)),
			 -EINVAL);
	point(&f, "one", IEDD_KIND_INT, false);
	point(&f, "two", IEDD_KIND_INT, false);
	point(&f, "one", IEDD_KIND_INT, false);	/* the same slot again: no new slot */
	ck_assert_int_eq(plugin_resolve(f.inst, "three", IEDD_KIND_INT, false, &pt, err,
					sizeof(err)),
			 -ENOSPC);
	ck_assert_contains(err, "is full (2 slots)");
	shm_down(&f);

	/* an existing segment keeps its size; the plugin says so */
	ck_assert_msg(shm_up(&f, "slots", "64", (char *)NULL) == 0, "%s", err);
	ck_assert_contains(f.h.last_log, "exists with 2 slots");
	shm_down(&f);
}
END_TEST

/* resolve() types a new slot with the row's kind: iedd-shm set then takes
 * "50" as the float the attribute is, so "50.5" fits afterwards; the typed
 * slot has no value until it is written. */
START_TEST(resolve_types_the_slot)
{
	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	void *hz = point(&f, "Bay.Hz", IEDD_KIND_FLOAT, false);
	void *st = point(&f, "Bay.St", IEDD_KIND_INT, false);
	struct iedd_value v = get(&f, hz);
	ck_assert_int_eq(v.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(v.quality & IEDD_Q_VALIDITY_MASK, IEDD_Q_INVALID);
	ck_assert_int_eq(tool("get", "Bay.Hz", (char *)NULL), 1);
	ck_assert_contains(errout, "has no value yet (float slot");
	ck_assert_int_eq(tool("list", (char *)NULL), 0);
	ck_assert_contains(out, "0\tBay.Hz\tfloat\t-\tinvalid\t-\t0\n");

	ck_assert_int_eq(tool("set", "Bay.Hz", "50", (char *)NULL), 0);
	ck_assert_int_eq(tool("set", "Bay.Hz", "50.5", (char *)NULL), 0);
	v = get(&f, hz);
	ck_assert_int_eq(v.kind, IEDD_KIND_FLOAT);
	ck_assert_double_eq(v.v.f, 50.5);
	/* an int row's slot refuses a fraction, as the attribute would */
	ck_assert_int_eq(tool("set", "Bay.St", "3", (char *)NULL), 0);
	ck_assert_int_eq(tool("set", "Bay.St", "3.5", (char *)NULL), 1);
	ck_assert_int_eq(get(&f, st).v.i, 3);
	/* a slot written before iedd resolved it keeps its kind */
	ck_assert_int_eq(tool("set", "Early", "7", "--create", (char *)NULL), 0);
	void *early = point(&f, "Early", IEDD_KIND_FLOAT, false);
	v = get(&f, early);
	ck_assert_int_eq(v.kind, IEDD_KIND_FLOAT);
	ck_assert_double_eq(v.v.f, 7);
	ck_assert_int_eq(tool("list", (char *)NULL), 0);
	ck_assert_contains(out, "\tEarly\tint\t7\t");
	shm_down(&f);
}
END_TEST

/* set refuses a name that is not there (a typo) with the close ones,
 * creates nothing, and --create makes it. */
START_TEST(tool_set_refuses_unknown_names)
{
	/* no segment: not created without --create */
	ck_assert_int_eq(tool("set", "Bay.Hz", "50", (char *)NULL), 3);
	ck_assert_contains(errout, "does not exist");
	ck_assert_contains(errout, "--create");
	struct iedd_shm_map m;
	ck_assert_int_eq(iedd_shm_attach(seg, 0, 0, &m, err, sizeof(err)), -ENOENT);

	struct shm_fixture f;
	ck_assert_msg(shm_up(&f, (char *)NULL) == 0, "%s", err);
	point(&f, "Bay.Hz", IEDD_KIND_FLOAT, false);
	point(&f, "Bay.TotW", IEDD_KIND_FLOAT, false);
	ck_assert_int_eq(tool("set", "Bay.hz", "51", (char *)NULL), 3);
	ck_assert_contains(errout, "no slot \"Bay.hz\"");
	ck_assert_contains(errout, "did you mean Bay.Hz?");
	ck_assert_int_eq(tool("set", "Turbine", "51", (char *)NULL), 3);
	ck_assert_contains(errout, "no slot \"Turbine\"");
	ck_assert_contains(errout, "iedd-shm list");
	ck_assert_int_eq(tool("list", (char *)NULL), 0);
	ck_assert_ptr_null(strstr(out, "Bay.hz"));
	ck_assert_ptr_null(strstr(out, "Turbine"));
	/* --slots/--mode only mean something with --create */
	ck_assert_int_eq(tool("set", "Bay.Hz", "50", "--slots", "8", (char *)NULL), 2);
	ck_assert_int_eq(tool("set", "Bay.hz", "51", "--create", (char *)NULL), 0);
	ck_assert_int_eq(tool("get", "Bay.hz", (char *)NULL), 0);
	ck_assert_str_eq(out, "51\n");
	shm_down(&f);
}
END_TEST

static Suite *shm_suite(void)
{
	Suite *s = suite_create("pv_shm");
	TCase *tc = tcase_create("shm");
	tcase_add_checked_fixture(tc, seg_setup, seg_teardown);
	tcase_add_test(tc, segment_created_0600_and_exact_mode);
	tcase_add_test(tc, tool_set_is_seen_by_plugin);
	tcase_add_test(tc, plugin_write_reaches_the_tool);
	tcase_add_test(tc, tool_output_and_exit_codes);
	tcase_add_test(tc, tool_list_format);
	tcase_add_test(tc, seqlock_reads_are_never_torn);
	tcase_add_test(tc, stuck_writer_serves_last_value_as_old);
	tcase_add_test(tc, trigger_watch_pushes_changed_slots);
	tcase_add_test(tc, trigger_seq_offset_is_the_documented_one);
	tcase_add_test(tc, trigger_wakes_the_watcher_from_a_thread);
	tcase_add_test(tc, trigger_wakes_the_watcher_from_a_process);
	tcase_add_test(tc, trigger_counter_alone_is_seen_at_the_poll_interval);
	tcase_add_test(tc, close_with_an_idle_watcher_is_prompt);
	tcase_add_test(tc, bad_addresses_and_params);
	tcase_add_test(tc, resolve_types_the_slot);
	tcase_add_test(tc, tool_set_refuses_unknown_names);
	suite_add_tcase(s, tc);
	return s;
}

PV_TEST_MAIN(shm_suite)
