/* The simulator plugin through the real loader, on its fake clock
 * (clock=fake and the writable `clock` point): every profile is checked at
 * chosen instants without sleeping. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pvtest.h"

static char err[1024];

struct sim_fixture {
	struct plugin *p;
	struct plugin_instance *inst;
	void *clock;
	struct pv_host h;
	struct iedd_host host;
};

static void sim_up(struct sim_fixture *f, bool fake)
{
	ck_assert_msg(plugin_load("sim", pv_env("PV_PLUGIN_DIR"), &f->p, err, sizeof(err)) == 0,
		      "%s", err);
	pv_host_init(&f->h, &f->host);
	const struct iedd_param params[] = {{.name = "clock", .value = fake ? "fake" : "real"}};
	ck_assert_msg(plugin_open(f->p, params, 1, &f->host, &f->inst, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_msg(plugin_resolve(f->inst, "clock", IEDD_KIND_FLOAT, fake, &f->clock, err,
				     sizeof(err)) == 0,
		      "%s", err);
}

static void sim_down(struct sim_fixture *f)
{
	plugin_close(f->inst);
	plugin_unload(f->p);
}

static void *point(struct sim_fixture *f, const char *address, enum iedd_kind kind, bool writable)
{
	void *pt;
	ck_assert_msg(plugin_resolve(f->inst, address, kind, writable, &pt, err, sizeof(err)) == 0,
		      "%s: %s", address, err);
	return pt;
}

static void at(struct sim_fixture *f, double seconds)
{
	struct iedd_value v = {.kind = IEDD_KIND_FLOAT, .v.f = seconds};
	ck_assert_msg(plugin_write(f->inst, f->clock, &v, err, sizeof(err)) == 0, "%s", err);
}

static struct iedd_value get(struct sim_fixture *f, void *pt)
{
	struct iedd_point b = {.point = pt};
	ck_assert_int_eq(plugin_read(f->inst, &b, 1), 0);
	return b.value;
}

static double getf(struct sim_fixture *f, void *pt)
{
	struct iedd_value v = get(f, pt);
	ck_assert_int_eq(v.kind, IEDD_KIND_FLOAT);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	return v.v.f;
}

static int64_t geti(struct sim_fixture *f, void *pt)
{
	struct iedd_value v = get(f, pt);
	ck_assert_int_eq(v.kind, IEDD_KIND_INT);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	return v.v.i;
}

static bool getb(struct sim_fixture *f, void *pt)
{
	struct iedd_value v = get(f, pt);
	ck_assert_int_eq(v.kind, IEDD_KIND_BOOL);
	return v.v.b;
}

static void put(struct sim_fixture *f, void *pt, struct iedd_value v)
{
	ck_assert_msg(plugin_write(f->inst, pt, &v, err, sizeof(err)) == 0, "%s", err);
}

#define TOL 1e-9

START_TEST(sine_quarter_period_is_offset_plus_amplitude)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *s = point(&f, "sine:period=4,amplitude=2,offset=10", IEDD_KIND_FLOAT, false);
	ck_assert_double_eq_tol(getf(&f, s), 10, TOL);
	at(&f, 1);	/* quarter period */
	ck_assert_double_eq_tol(getf(&f, s), 12, TOL);
	at(&f, 2);
	ck_assert_double_eq_tol(getf(&f, s), 10, TOL);
	at(&f, 3);
	ck_assert_double_eq_tol(getf(&f, s), 8, TOL);
	at(&f, 5);	/* periodic */
	ck_assert_double_eq_tol(getf(&f, s), 12, TOL);
	/* phase in degrees: 90° ahead */
	void *c = point(&f, "sine:period=4,amplitude=2,offset=10,phase=90", IEDD_KIND_FLOAT, false);
	at(&f, 0);
	ck_assert_double_eq_tol(getf(&f, c), 12, TOL);
	/* defaults: period 10, amplitude 1, offset 0; integers rounded */
	void *d = point(&f, "sine", IEDD_KIND_INT, false);
	at(&f, 2.5);
	ck_assert_int_eq(geti(&f, d), 1);
	sim_down(&f);
}
END_TEST

START_TEST(ramp_rises_and_wraps)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *r = point(&f, "ramp:period=10,min=20,max=120", IEDD_KIND_FLOAT, false);
	ck_assert_double_eq_tol(getf(&f, r), 20, TOL);
	at(&f, 2.5);
	ck_assert_double_eq_tol(getf(&f, r), 45, TOL);
	at(&f, 9.5);
	ck_assert_double_eq_tol(getf(&f, r), 115, TOL);
	at(&f, 10);
	ck_assert_double_eq_tol(getf(&f, r), 20, TOL);
	at(&f, 17.5);
	ck_assert_double_eq_tol(getf(&f, r), 95, TOL);
	sim_down(&f);
}
END_TEST

/* Reads a walk at t = 0, 1, ..., n-1 into out[]. */
static void walk_series(const char *address, double *out, int n)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *w = point(&f, address, IEDD_KIND_FLOAT, false);
	for (int i = 0; i < n; i++) {
		at(&f, i);
		out[i] = getf(&f, w);
	}
	sim_down(&f);
}

START_TEST(walk_is_reproducible_per_seed)
{
	enum { N = 200 };
	double a[N], b[N], c[N];
	walk_series("walk:seed=42,step=2,min=0,max=50", a, N);
	walk_series("walk:seed=42,step=2,min=0,max=50", b, N);
	walk_series("walk:seed=43,step=2,min=0,max=50", c, N);
	ck_assert_double_eq(a[0], 25);	/* starts mid-range */
	int differ = 0;
	for (int i = 0; i < N; i++) {
		ck_assert_double_eq(a[i], b[i]);
		ck_assert(a[i] >= 0 && a[i] <= 50);
		if (i)
			ck_assert_msg(fabs(a[i] - a[i - 1]) <= 2 + TOL, "step %d: %g -> %g", i,
				      a[i - 1], a[i]);
		differ += a[i] != c[i];
	}
	ck_assert_int_gt(differ, N / 2);

	/* a value is a function of time, not of how often it was read */
	struct sim_fixture f;
	sim_up(&f, true);
	void *w = point(&f, "walk:seed=42,step=2,min=0,max=50", IEDD_KIND_FLOAT, false);
	at(&f, N - 1);
	ck_assert_double_eq(getf(&f, w), a[N - 1]);
	at(&f, 10);	/* time going back (a fake clock can) replays from the start */
	ck_assert_double_eq(getf(&f, w), a[10]);
	sim_down(&f);
}
END_TEST

START_TEST(square_toggles)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *b = point(&f, "square:period=2", IEDD_KIND_BOOL, false);
	void *n = point(&f, "square:period=2,low=-5,high=5", IEDD_KIND_INT, false);
	void *bb = point(&f, "square:period=2,low=true,high=false", IEDD_KIND_BOOL, false);
	const double t[] = {0, 0.5, 0.999, 1, 1.5, 2, 3.25, 4};
	const bool want[] = {false, false, false, true, true, false, true, false};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		at(&f, t[i]);
		ck_assert_msg(getb(&f, b) == want[i], "t=%g", t[i]);
		ck_assert_int_eq(geti(&f, n), want[i] ? 5 : -5);
		ck_assert(getb(&f, bb) == !want[i]);
	}
	sim_down(&f);
}
END_TEST

START_TEST(counter_counts)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *c = point(&f, "counter:step=5,period=2,start=100", IEDD_KIND_INT, false);
	void *u = point(&f, "counter", IEDD_KIND_UINT, false);
	ck_assert_int_eq(geti(&f, c), 100);
	at(&f, 1.99);
	ck_assert_int_eq(geti(&f, c), 100);
	at(&f, 2);
	ck_assert_int_eq(geti(&f, c), 105);
	at(&f, 10);
	ck_assert_int_eq(geti(&f, c), 125);
	struct iedd_value v = get(&f, u);
	ck_assert_int_eq(v.kind, IEDD_KIND_UINT);
	ck_assert_uint_eq(v.v.u, 10);
	/* a fractional counter as a float */
	void *fl = point(&f, "counter:step=0.5,period=1", IEDD_KIND_FLOAT, false);
	ck_assert_double_eq_tol(getf(&f, fl), 5, TOL);
	sim_down(&f);
}
END_TEST

START_TEST(writes_are_echoed)
{
	struct sim_fixture f;
	sim_up(&f, true);
	at(&f, 3);
	/* const: the next read returns the written value */
	void *k = point(&f, "const:1.5", IEDD_KIND_FLOAT, true);
	ck_assert_double_eq(getf(&f, k), 1.5);
	put(&f, k, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 42.25});
	ck_assert_double_eq(getf(&f, k), 42.25);
	void *s = point(&f, "const:hello", IEDD_KIND_STRING, true);
	struct iedd_value sv = {.kind = IEDD_KIND_STRING};
	strcpy(sv.v.s, "world");
	put(&f, s, sv);
	ck_assert_str_eq(get(&f, s).v.s, "world");
	void *bo = point(&f, "const:false", IEDD_KIND_BOOL, true);
	put(&f, bo, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = true});
	ck_assert(getb(&f, bo));

	/* counter: the written value now, counting on from it */
	void *c = point(&f, "counter:step=2,period=1", IEDD_KIND_INT, true);
	put(&f, c, (struct iedd_value){.kind = IEDD_KIND_INT, .v.i = 1000});
	ck_assert_int_eq(geti(&f, c), 1000);
	at(&f, 5);
	ck_assert_int_eq(geti(&f, c), 1004);

	/* sine: the written value becomes the offset */
	void *sn = point(&f, "sine:period=4,amplitude=1,offset=0", IEDD_KIND_FLOAT, true);
	put(&f, sn, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 50});
	at(&f, 8);
	ck_assert_double_eq_tol(getf(&f, sn), 50, TOL);
	at(&f, 9);
	ck_assert_double_eq_tol(getf(&f, sn), 51, TOL);

	/* ramp: continues from the written level */
	void *r = point(&f, "ramp:period=10,min=0,max=100", IEDD_KIND_FLOAT, true);
	put(&f, r, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 70});
	ck_assert_double_eq_tol(getf(&f, r), 70, 1e-6);
	at(&f, 11);
	ck_assert_double_eq_tol(getf(&f, r), 90, 1e-6);

	/* walk: continues from the written level */
	void *w = point(&f, "walk:seed=7,step=1,min=0,max=100", IEDD_KIND_FLOAT, true);
	put(&f, w, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 90});
	ck_assert_double_eq(getf(&f, w), 90);
	at(&f, 12);
	ck_assert_double_eq_tol(getf(&f, w), 90, 1 + TOL);

	/* square: the written level holds until the next edge */
	void *q = point(&f, "square:period=4", IEDD_KIND_BOOL, true);
	at(&f, 12.5);	/* low half of a period */
	ck_assert(!getb(&f, q));
	put(&f, q, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = true});
	ck_assert(getb(&f, q));
	at(&f, 13.9);
	ck_assert(getb(&f, q));
	at(&f, 14.5);	/* edge passed: high anyway */
	ck_assert(getb(&f, q));
	at(&f, 16.5);	/* and low again, the override is gone */
	ck_assert(!getb(&f, q));

	/* a read-only row refuses */
	void *ro = point(&f, "const:1", IEDD_KIND_INT, false);
	struct iedd_value one = {.kind = IEDD_KIND_INT, .v.i = 2};
	ck_assert_int_eq(plugin_write(f.inst, ro, &one, err, sizeof(err)), -EPERM);
	/* a value that does not convert */
	struct iedd_value text = {.kind = IEDD_KIND_STRING};
	strcpy(text.v.s, "abc");
	ck_assert_int_eq(plugin_write(f.inst, k, &text, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "string");
	sim_down(&f);
}
END_TEST

START_TEST(timestamps_follow_the_fake_clock)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *k = point(&f, "const:1", IEDD_KIND_INT, false);
	at(&f, 1.5);
	/* 2020-01-01T00:00:00Z + 1.5 s */
	ck_assert_uint_eq(get(&f, k).time_ns, 1577836800ull * 1000000000ull + 1500000000ull);
	struct iedd_value ns = get(&f, f.clock);
	ck_assert_double_eq(ns.v.f, 1.5);
	sim_down(&f);
}
END_TEST

START_TEST(real_clock_runs_and_is_not_writable)
{
	struct sim_fixture f;
	sim_up(&f, false);
	void *c;
	ck_assert_int_eq(plugin_resolve(f.inst, "clock", IEDD_KIND_UINT, true, &c, err,
					sizeof(err)),
			 -EINVAL);
	ck_assert_contains(err, "clock=fake");
	void *k = point(&f, "const:1", IEDD_KIND_INT, false);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u;
	uint64_t t = get(&f, k).time_ns;
	ck_assert_uint_ge(t + 5000000000u, now);
	ck_assert_uint_le(t, now + 5000000000u);
	double t1 = getf(&f, f.clock), t2 = getf(&f, f.clock);
	ck_assert(t1 >= 0 && t2 >= t1);
	sim_down(&f);
}
END_TEST

static void expect_bad(struct sim_fixture *f, const char *address, enum iedd_kind kind,
		       const char *frag1, const char *frag2)
{
	void *pt;
	ck_assert_int_eq(plugin_resolve(f->inst, address, kind, false, &pt, err, sizeof(err)),
			 -EINVAL);
	char quoted[256];
	snprintf(quoted, sizeof(quoted), "\"%s\"", address);
	ck_assert_contains(err, quoted);
	ck_assert_contains(err, frag1);
	if (frag2)
		ck_assert_contains(err, frag2);
}

START_TEST(bad_addresses_name_the_syntax)
{
	struct sim_fixture f;
	sim_up(&f, true);
	const char *sine = "expected sine:period=S,amplitude=A,offset=O[,phase=DEG]";
	expect_bad(&f, "sine:period=abc", IEDD_KIND_FLOAT, "period \"abc\" is not a number", sine);
	expect_bad(&f, "sine:period=0", IEDD_KIND_FLOAT, "period must be > 0", sine);
	expect_bad(&f, "sine:colour=red", IEDD_KIND_FLOAT, "unknown key \"colour\"", sine);
	expect_bad(&f, "sine:period", IEDD_KIND_FLOAT, "not key=value", sine);
	expect_bad(&f, "sine:period=1,period=2", IEDD_KIND_FLOAT, "given twice", sine);
	expect_bad(&f, "sine:period=1,", IEDD_KIND_FLOAT, "trailing", sine);
	expect_bad(&f, "sine", IEDD_KIND_BOOL, "use square for a boolean", sine);
	expect_bad(&f, "sine:offset=0,amplitude=1", IEDD_KIND_UINT, "cannot go below 0", sine);
	expect_bad(&f, "ramp:min=5,max=1", IEDD_KIND_FLOAT, "max must be > min",
		   "expected ramp:period=S,min=A,max=B");
	expect_bad(&f, "walk:seed=-1", IEDD_KIND_FLOAT, "seed \"-1\"",
		   "expected walk:seed=N,step=X,min=A,max=B");
	expect_bad(&f, "walk:step=-1", IEDD_KIND_FLOAT, "step must be >= 0", NULL);
	expect_bad(&f, "square:low=maybe", IEDD_KIND_BOOL, "nor true/false",
		   "expected square:period=S,low=A,high=B");
	expect_bad(&f, "counter:step=1.5", IEDD_KIND_INT, "not an integer",
		   "expected counter:step=N,period=S");
	expect_bad(&f, "counter", IEDD_KIND_STRING, "use const:TEXT", NULL);
	expect_bad(&f, "const:abc", IEDD_KIND_FLOAT, "\"abc\" is not a float", "expected const:VALUE");
	expect_bad(&f, "const", IEDD_KIND_INT, "no value", NULL);
	expect_bad(&f, "const:1e999", IEDD_KIND_FLOAT, "out of range", NULL);
	expect_bad(&f, "clock:x=1", IEDD_KIND_FLOAT, "takes no keys", NULL);
	expect_bad(&f, "triangle:period=1", IEDD_KIND_FLOAT, "unknown profile \"triangle\"",
		   "const:VALUE, sine:period=S");
	sim_down(&f);
}
END_TEST

START_TEST(bad_parameters_are_refused)
{
	struct plugin *p;
	ck_assert_int_eq(plugin_load("sim", pv_env("PV_PLUGIN_DIR"), &p, err, sizeof(err)), 0);
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	struct plugin_instance *inst;
	const struct iedd_param bad[] = {{.name = "clock", .value = "sundial"}};
	ck_assert_int_eq(plugin_open(p, bad, 1, &host, &inst, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "clock=\"sundial\"");
	ck_assert_contains(err, "clock=fake");
	plugin_unload(p);
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("pv_sim");
	TCase *tc = tcase_create("sim");
	tcase_add_test(tc, sine_quarter_period_is_offset_plus_amplitude);
	tcase_add_test(tc, ramp_rises_and_wraps);
	tcase_add_test(tc, walk_is_reproducible_per_seed);
	tcase_add_test(tc, square_toggles);
	tcase_add_test(tc, counter_counts);
	tcase_add_test(tc, writes_are_echoed);
	tcase_add_test(tc, timestamps_follow_the_fake_clock);
	tcase_add_test(tc, real_clock_runs_and_is_not_writable);
	tcase_add_test(tc, bad_addresses_name_the_syntax);
	tcase_add_test(tc, bad_parameters_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

PV_TEST_MAIN(sim_suite)
