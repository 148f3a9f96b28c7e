/* SPDX-License-Identifier: Apache-2.0 */
/* The simulator plugin through the real loader, on its fake clock
 * (clock=fake and the writable `clock` point) or on a fake host clock
 * (iedd_host.mono_ns/utc_ns, speed=): every profile is checked at chosen
 * instants without sleeping; one test reads the real clock, to show an
 * instance without a host clock stamps real UTC. And the --simulate map's controls
 * (daemon/pv/template.c): which status each CDC's Oper.ctlVal is tied to
 * through a hold cell. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "embedded.h"
#include "map.h"
#include "model.h"
#include "pv.h"
#include "pvtest.h"

/* The instant a direct pv_scan gives values their sources leave unstamped
 * (2023-11-14T22:13:20Z): tests pass the time, they read no clock. */
#define SCAN_T_NS (1700000000ull * 1000000000u)

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

/* Without a host clock (a host that offers none) the instance reads its
 * own: the one real-clock reading of this file, with a bound wide enough
 * for any load, shows the stamps are UTC now and not the fake epoch. */
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

/* With the host's clock (IEDD_SOURCE_HOST_CLOCK) the instance's time is
 * host->mono_ns since open and its stamps host->utc_ns: a fake host clock
 * moves every profile, exactly. */
START_TEST(real_clock_is_the_hosts)
{
	struct plugin *p;
	ck_assert_int_eq(plugin_load("sim", pv_env("PV_PLUGIN_DIR"), &p, err, sizeof(err)), 0);
	ck_assert(plugin_source(p)->flags & IEDD_SOURCE_HOST_CLOCK);
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	const uint64_t utc0 = 1700000000ull * 1000000000u;
	pv_host_fake_clock(&h, &host, 7000000000u, utc0);
	struct plugin_instance *inst;
	ck_assert_msg(plugin_open(p, NULL, 0, &host, &inst, err, sizeof(err)) == 0, "%s", err);
	void *clk, *sq;
	ck_assert_int_eq(plugin_resolve(inst, "clock", IEDD_KIND_FLOAT, false, &clk, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(plugin_resolve(inst, "square:period=2,low=0,high=1", IEDD_KIND_INT, false,
					&sq, err, sizeof(err)),
			 0);
	struct iedd_point b[2] = {{.point = clk}, {.point = sq}};
	ck_assert_int_eq(plugin_read(inst, b, 2), 0);
	ck_assert_double_eq(b[0].value.v.f, 0);
	ck_assert_uint_eq(b[0].value.time_ns, utc0);
	int64_t level = b[1].value.v.i;
	pv_host_set_clock(&h, 8500000000u, utc0 + 1500000000u);
	ck_assert_int_eq(plugin_read(inst, b, 2), 0);
	ck_assert_double_eq(b[0].value.v.f, 1.5);
	ck_assert_uint_eq(b[0].value.time_ns, utc0 + 1500000000u);
	ck_assert_uint_eq(b[1].value.time_ns, utc0 + 1500000000u);
	ck_assert_int_ne(b[1].value.v.i, level);	/* past its edge at 1 s */
	plugin_close(inst);
	plugin_unload(p);
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

/* The last value pushed for point pt, or kind NONE if none was. */
static struct iedd_value pushed(struct sim_fixture *f, void *pt)
{
	struct iedd_value v = {.kind = IEDD_KIND_NONE};
	pthread_mutex_lock(&f->h.lock);
	for (size_t i = 0; i < f->h.n_push; i++)
		if (f->h.push_point[i] == pt)
			v = f->h.push_value[i];
	pthread_mutex_unlock(&f->h.lock);
	return v;
}

START_TEST(hold_stays_until_written)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *b = point(&f, "hold:start=true", IEDD_KIND_BOOL, true);
	void *x = point(&f, "hold:start=12.5,min=0,max=100", IEDD_KIND_FLOAT, true);
	void *i = point(&f, "hold", IEDD_KIND_INT, false);
	for (double t = 0; t < 500; t += 7.25) {
		at(&f, t);
		ck_assert(getb(&f, b));
		ck_assert_double_eq(getf(&f, x), 12.5);
		ck_assert_int_eq(geti(&f, i), 0); /* no start: 0 */
	}
	put(&f, b, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = false});
	ck_assert(!getb(&f, b));
	put(&f, x, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 99});
	at(&f, 1000);
	ck_assert(!getb(&f, b));
	ck_assert_double_eq(getf(&f, x), 99);
	/* outside [min, max]: refused, the value stays */
	ck_assert_int_eq(plugin_write(f.inst, x, &(struct iedd_value){.kind = IEDD_KIND_FLOAT,
								       .v.f = 100.5},
				      err, sizeof(err)),
			 -ERANGE);
	ck_assert_contains(err, "outside");
	ck_assert_double_eq(getf(&f, x), 99);
	/* read-only */
	ck_assert_int_eq(plugin_write(f.inst, i, &(struct iedd_value){.kind = IEDD_KIND_INT,
								       .v.i = 1},
				      err, sizeof(err)),
			 -EPERM);
	/* nameless points are each their own */
	void *y = point(&f, "hold:start=12.5", IEDD_KIND_FLOAT, false);
	ck_assert_double_eq(getf(&f, y), 12.5);
	sim_down(&f);
}
END_TEST

/* An SPC: the control's write row and the status row share a cell; the
 * write is pushed to the status at once, stamped with the write's time. */
START_TEST(hold_write_row_is_echoed_in_the_status_row)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *st = point(&f, "hold:name=LD/GGIO1.SPCSO1.stVal,start=false", IEDD_KIND_BOOL, false);
	void *ctl = point(&f, "hold:name=LD/GGIO1.SPCSO1.stVal", IEDD_KIND_BOOL, true);
	void *other = point(&f, "hold:name=LD/GGIO1.SPCSO2.stVal,start=false", IEDD_KIND_BOOL,
			    false);
	at(&f, 30);
	ck_assert(!getb(&f, st));
	put(&f, ctl, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = true});
	struct iedd_value v = pushed(&f, st);
	ck_assert_int_eq(v.kind, IEDD_KIND_BOOL);
	ck_assert(v.v.b);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	ck_assert_uint_eq(v.time_ns, 1577836800ull * 1000000000ull + 30000000000ull);
	ck_assert_int_eq(pushed(&f, other).kind, IEDD_KIND_NONE);
	at(&f, 3600);
	ck_assert(getb(&f, st));
	ck_assert(!getb(&f, other));
	sim_down(&f);
}
END_TEST

/* A DPC: ctlVal true -> stVal on (Dbpos 2), false -> off (1), as
 * false=1,true=2 on the write row; the status row is the Dbpos integer. */
START_TEST(hold_translates_a_boolean_into_dbpos)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=pos,false=1,true=2", IEDD_KIND_BOOL, true);
	void *st = point(&f, "hold:name=pos,start=2", IEDD_KIND_INT, false);
	ck_assert_int_eq(geti(&f, st), 2);
	ck_assert(getb(&f, ctl)); /* reads back as the boolean that gives the value */
	put(&f, ctl, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = false});
	ck_assert_int_eq(pushed(&f, st).v.i, 1);
	ck_assert_int_eq(geti(&f, st), 1);
	ck_assert(!getb(&f, ctl));
	put(&f, ctl, (struct iedd_value){.kind = IEDD_KIND_BOOL, .v.b = true});
	ck_assert_int_eq(geti(&f, st), 2);
	at(&f, 86400);
	ck_assert_int_eq(geti(&f, st), 2);
	sim_down(&f);
}
END_TEST

/* A BSC: a Tcmd moves the position one step down or up, and stays at the
 * end positions; stop changes nothing, reserved is refused. */
START_TEST(hold_steps_on_tcmd)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=tap,tcmd=1,min=-2,max=2", IEDD_KIND_INT, true);
	void *pos = point(&f, "hold:name=tap,start=0", IEDD_KIND_INT, false);
	const struct iedd_value stop = {.kind = IEDD_KIND_INT, .v.i = 0},
				lower = {.kind = IEDD_KIND_INT, .v.i = 1},
				higher = {.kind = IEDD_KIND_INT, .v.i = 2},
				reserved = {.kind = IEDD_KIND_INT, .v.i = 3};
	put(&f, ctl, higher);
	ck_assert_int_eq(geti(&f, pos), 1);
	ck_assert_int_eq(pushed(&f, pos).v.i, 1);
	put(&f, ctl, higher);
	put(&f, ctl, higher);
	ck_assert_int_eq(geti(&f, pos), 2);
	put(&f, ctl, stop);
	ck_assert_int_eq(geti(&f, pos), 2);
	for (int k = 0; k < 6; k++)
		put(&f, ctl, lower);
	ck_assert_int_eq(geti(&f, pos), -2);
	ck_assert_int_eq(plugin_write(f.inst, ctl, &reserved, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "Tcmd 3");
	ck_assert_int_eq(geti(&f, pos), -2);
	ck_assert_int_eq(geti(&f, ctl), 0); /* a Tcmd reads as stop */
	/* a float position (BAC) with a fractional step */
	void *bac = point(&f, "hold:name=sp,tcmd=2,max=5", IEDD_KIND_INT, true);
	void *mx = point(&f, "hold:name=sp,start=1.5", IEDD_KIND_FLOAT, false);
	put(&f, bac, higher);
	ck_assert_double_eq(getf(&f, mx), 3.5);
	put(&f, bac, higher);
	ck_assert_double_eq(getf(&f, mx), 5);
	sim_down(&f);
}
END_TEST

START_TEST(hold_bad_addresses)
{
	struct sim_fixture f;
	sim_up(&f, true);
	const char *hold = "expected hold:name=N,start=V";
	expect_bad(&f, "hold:start=x", IEDD_KIND_INT, "start \"x\" is not a number", hold);
	expect_bad(&f, "hold", IEDD_KIND_STRING, "use const:TEXT", hold);
	expect_bad(&f, "hold:name=", IEDD_KIND_INT, "name is empty", hold);
	expect_bad(&f, "hold:false=1", IEDD_KIND_BOOL, "go together", hold);
	expect_bad(&f, "hold:false=1,true=2", IEDD_KIND_INT, "translate a written boolean", hold);
	expect_bad(&f, "hold:tcmd=1", IEDD_KIND_FLOAT, "takes a Tcmd", hold);
	expect_bad(&f, "hold:tcmd=0", IEDD_KIND_INT, "step must be > 0", hold);
	expect_bad(&f, "hold:tcmd=1,false=0,true=1", IEDD_KIND_BOOL, "exclude each other", hold);
	expect_bad(&f, "hold:min=3,max=3", IEDD_KIND_INT, "max must be > min", hold);
	expect_bad(&f, "hold:start=7,max=5", IEDD_KIND_INT, "start must be in [min, max]", hold);
	expect_bad(&f, "hold:start=-1", IEDD_KIND_UINT, "cannot go below 0", hold);
	expect_bad(&f, "hold:colour=red", IEDD_KIND_INT, "unknown key \"colour\"", hold);
	point(&f, "hold:name=a,start=1", IEDD_KIND_INT, false);
	point(&f, "hold:name=a,start=1", IEDD_KIND_INT, false); /* agreeing: fine */
	point(&f, "hold:name=a", IEDD_KIND_INT, true);
	expect_bad(&f, "hold:name=a,start=2", IEDD_KIND_INT, "another point of \"a\" starts it at 1",
		   hold);
	sim_down(&f);
}
END_TEST

/* ---- the simulated plant: travel= and fail= (issue 13) ---- */

static const struct iedd_value OFF = {.kind = IEDD_KIND_BOOL, .v.b = false},
			       ON = {.kind = IEDD_KIND_BOOL, .v.b = true};

/* A breaker (DPC) that takes 60 ms: the write is taken at once, the status
 * shows intermediate-state (0) until 60 simulated ms later, then the end
 * position; both are pushed when they happen. */
START_TEST(hold_travel_passes_through_intermediate)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=pos,false=1,true=2,travel=60", IEDD_KIND_BOOL, true);
	void *st = point(&f, "hold:name=pos,start=2", IEDD_KIND_INT, false);
	at(&f, 10);
	put(&f, ctl, OFF);
	struct iedd_value v = pushed(&f, st);
	ck_assert_int_eq(v.kind, IEDD_KIND_INT);
	ck_assert_int_eq(v.v.i, 0);
	ck_assert_int_eq(geti(&f, st), 0);
	at(&f, 10.059);
	ck_assert_int_eq(geti(&f, st), 0);
	ck_assert_int_eq(pushed(&f, st).v.i, 0);
	/* the clock passing the end pushes the end position, stamped then */
	at(&f, 10.060);
	v = pushed(&f, st);
	ck_assert_int_eq(v.v.i, 1);
	ck_assert_uint_eq(v.time_ns, 1577836800ull * 1000000000ull + 10060000000ull);
	ck_assert_int_eq(geti(&f, st), 1);
	ck_assert(!getb(&f, ctl));
	at(&f, 3600);
	ck_assert_int_eq(geti(&f, st), 1);
	/* commanding the position it has moves nothing */
	size_t n = pv_host_pushes(&f.h);
	put(&f, ctl, OFF);
	ck_assert_int_eq(geti(&f, st), 1);
	ck_assert_int_eq(pushed(&f, st).v.i, 1);
	ck_assert_uint_eq(pv_host_pushes(&f.h), n + 2); /* both points, unchanged */
	sim_down(&f);
}
END_TEST

/* A second command during the travel restarts it towards the new value,
 * for the full travel time from the second write. */
START_TEST(hold_travel_restarts_on_a_second_write)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=pos,false=1,true=2,travel=100", IEDD_KIND_BOOL, true);
	void *st = point(&f, "hold:name=pos,start=1", IEDD_KIND_INT, false);
	put(&f, ctl, ON);
	at(&f, 0.05);
	ck_assert_int_eq(geti(&f, st), 0);
	put(&f, ctl, OFF);
	at(&f, 0.1);
	ck_assert_int_eq(geti(&f, st), 0);	/* the first travel's end: still moving */
	at(&f, 0.149);
	ck_assert_int_eq(geti(&f, st), 0);
	at(&f, 0.15);
	ck_assert_int_eq(geti(&f, st), 1);
	ck_assert_int_eq(pushed(&f, st).v.i, 1);
	sim_down(&f);
}
END_TEST

/* Without an intermediate value a travelling cell keeps its old value
 * until the end (an SPC, an ISC); transit=V names one; a Tcmd steps from
 * where a running travel goes. */
START_TEST(hold_travel_of_other_controls)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=x,travel=500,min=0,max=10", IEDD_KIND_FLOAT, true);
	void *st = point(&f, "hold:name=x,start=1", IEDD_KIND_FLOAT, false);
	at(&f, 1);
	put(&f, ctl, (struct iedd_value){.kind = IEDD_KIND_FLOAT, .v.f = 5});
	at(&f, 1.499);
	ck_assert_double_eq(getf(&f, st), 1);
	at(&f, 1.5);
	ck_assert_double_eq(getf(&f, st), 5);

	void *tr = point(&f, "hold:name=y,travel=1000,transit=-1", IEDD_KIND_INT, true);
	void *ty = point(&f, "hold:name=y,start=3", IEDD_KIND_INT, false);
	put(&f, tr, (struct iedd_value){.kind = IEDD_KIND_INT, .v.i = 4});
	ck_assert_int_eq(geti(&f, ty), -1);
	at(&f, 2.5);
	ck_assert_int_eq(geti(&f, ty), 4);

	void *tap = point(&f, "hold:name=tap,tcmd=1,min=-5,max=5,travel=2000", IEDD_KIND_INT, true);
	void *pos = point(&f, "hold:name=tap,start=0", IEDD_KIND_INT, false);
	const struct iedd_value higher = {.kind = IEDD_KIND_INT, .v.i = 2};
	put(&f, tap, higher);
	at(&f, 3);
	ck_assert_int_eq(geti(&f, pos), 0);
	put(&f, tap, higher);	/* the second step goes on from 1 */
	at(&f, 5);
	ck_assert_int_eq(geti(&f, pos), 2);
	sim_down(&f);
}
END_TEST

/* fail=refuse: every write refused with -EACCES (object-access-denied),
 * nothing moves, nothing is pushed. fail=every:3: the 3rd, 6th... */
START_TEST(hold_fail_refuse_and_every)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=pos,false=1,true=2,travel=60,fail=refuse", IEDD_KIND_BOOL,
			  true);
	void *st = point(&f, "hold:name=pos,start=2", IEDD_KIND_INT, false);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(plugin_write(f.inst, ctl, &OFF, err, sizeof(err)), -EACCES);
		ck_assert_contains(err, "fail=refuse");
	}
	ck_assert_uint_eq(pv_host_pushes(&f.h), 0);
	at(&f, 100);
	ck_assert_int_eq(geti(&f, st), 2);

	void *ev = point(&f, "hold:name=sp,fail=every:3", IEDD_KIND_BOOL, true);
	void *sp = point(&f, "hold:name=sp,start=false", IEDD_KIND_BOOL, false);
	for (int k = 1; k <= 7; k++) {
		struct iedd_value w = {.kind = IEDD_KIND_BOOL, .v.b = k % 2};
		int rc = plugin_write(f.inst, ev, &w, err, sizeof(err));
		ck_assert_int_eq(rc, k % 3 ? 0 : -EACCES);
		if (rc)
			ck_assert_contains(err, "fail=every:3");
		ck_assert(getb(&f, sp) == (k == 3 ? false : k == 6 ? true : (bool)(k % 2)));
	}
	sim_down(&f);
}
END_TEST

/* fail=stuck: the write is taken and the value never moves;
 * fail=intermediate: a DPC's travel ends in 00 and stays there. */
START_TEST(hold_fail_stuck_and_intermediate)
{
	struct sim_fixture f;
	sim_up(&f, true);
	void *ctl = point(&f, "hold:name=a,false=1,true=2,travel=60,fail=stuck", IEDD_KIND_BOOL,
			  true);
	void *st = point(&f, "hold:name=a,start=2", IEDD_KIND_INT, false);
	put(&f, ctl, OFF);
	ck_assert_uint_eq(pv_host_pushes(&f.h), 0);
	for (double t = 0; t < 30; t += 0.01) {
		at(&f, t);
		ck_assert_int_eq(geti(&f, st), 2);
	}
	ck_assert_uint_eq(pv_host_pushes(&f.h), 0);

	void *bad = point(&f, "hold:name=b,false=1,true=2,travel=60,fail=intermediate",
			  IEDD_KIND_BOOL, true);
	void *bst = point(&f, "hold:name=b,start=1", IEDD_KIND_INT, false);
	put(&f, bad, ON);
	ck_assert_int_eq(geti(&f, bst), 0);
	at(&f, 30.06);
	ck_assert_int_eq(geti(&f, bst), 0);
	ck_assert_int_eq(pushed(&f, bst).v.i, 0);
	at(&f, 86400);
	ck_assert_int_eq(geti(&f, bst), 0);
	put(&f, bad, OFF);
	at(&f, 86401);
	ck_assert_int_eq(geti(&f, bst), 0);
	sim_down(&f);
}
END_TEST

START_TEST(hold_plant_bad_addresses)
{
	struct sim_fixture f;
	sim_up(&f, true);
	const char *hold = "expected hold:name=N,start=V";
	expect_bad(&f, "hold:travel=-1", IEDD_KIND_INT, "travel=-1: expected 0..3600000", hold);
	expect_bad(&f, "hold:travel=soon", IEDD_KIND_INT, "travel \"soon\" is not a number", hold);
	expect_bad(&f, "hold:fail=sometimes", IEDD_KIND_INT,
		   "fail=sometimes: expected refuse, stuck, intermediate or every:N", hold);
	expect_bad(&f, "hold:fail=every:0", IEDD_KIND_INT, "every:N", hold);
	expect_bad(&f, "hold:fail=every:2x", IEDD_KIND_INT, "every:N", hold);
	expect_bad(&f, "hold:fail=intermediate", IEDD_KIND_FLOAT, "give transit=V", hold);
	point(&f, "hold:fail=intermediate,transit=7", IEDD_KIND_FLOAT, true);
	sim_down(&f);
}
END_TEST

/* On iedd's clock (no clock=fake) the instance's thread pushes the end of
 * a travel when the host's time passes it: the host clock here is a fake
 * one that the test moves, and the thread is waited for (bounded). */
START_TEST(hold_travel_end_is_pushed_on_the_host_clock)
{
	struct plugin *p;
	ck_assert_int_eq(plugin_load("sim", pv_env("PV_PLUGIN_DIR"), &p, err, sizeof(err)), 0);
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	pv_host_fake_clock(&h, &host, 5000000000u, 1700000000ull * 1000000000u);
	struct plugin_instance *inst;
	ck_assert_msg(plugin_open(p, NULL, 0, &host, &inst, err, sizeof(err)) == 0, "%s", err);
	void *ctl, *st;
	ck_assert_int_eq(plugin_resolve(inst, "hold:name=pos,false=1,true=2,travel=60",
					IEDD_KIND_BOOL, true, &ctl, err, sizeof(err)),
			 0);
	ck_assert_int_eq(plugin_resolve(inst, "hold:name=pos,start=2", IEDD_KIND_INT, false, &st,
					err, sizeof(err)),
			 0);
	ck_assert_int_eq(plugin_write(inst, ctl, &OFF, err, sizeof(err)), 0);
	ck_assert_uint_eq(pv_host_pushes(&h), 2);
	for (size_t i = 0; i < 2; i++) /* moving: intermediate-state, read back as false */
		if (h.push_point[i] == st)
			ck_assert_int_eq(h.push_value[i].v.i, 0);
		else
			ck_assert(!h.push_value[i].v.b);
	pv_host_set_clock(&h, 5060000000u, 1700000000ull * 1000000000u + 60000000u);
	struct timespec ms = {.tv_nsec = 1000000};
	for (int k = 0; k < 10000 && pv_host_pushes(&h) < 4; k++)
		nanosleep(&ms, NULL);
	ck_assert_uint_eq(pv_host_pushes(&h), 4);
	struct iedd_value v = {.kind = IEDD_KIND_NONE};
	pthread_mutex_lock(&h.lock);
	for (size_t i = 2; i < h.n_push; i++)
		if (h.push_point[i] == st)
			v = h.push_value[i];
	pthread_mutex_unlock(&h.lock);
	ck_assert_int_eq(v.kind, IEDD_KIND_INT);
	ck_assert_int_eq(v.v.i, 1);
	ck_assert_uint_eq(v.time_ns, 1700000000ull * 1000000000u + 60000000u);
	plugin_close(inst);
	plugin_unload(p);
}
END_TEST

/* ---- the --simulate map's controls ---- */

static const struct map_row *row_of(const struct map *map, const char *ref)
{
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->rows[i].ref, ref))
			return &map->rows[i];
	return NULL;
}

/* The row of ref has direction dir and the address (a profile's name
 * ending in ':' matches every address of that profile). */
static void expect_row(const struct map *map, const char *ref, uint8_t dir, const char *address)
{
	const struct map_row *r = row_of(map, ref);
	ck_assert_msg(r, "%s is not mapped", ref);
	ck_assert_msg(r->dir == dir, "%s: direction %d", ref, r->dir);
	size_t n = strlen(address);
	bool prefix = address[n - 1] == ':';
	ck_assert_msg(prefix ? !strncmp(r->address, address, n) : !strcmp(r->address, address),
		      "%s: \"%s\", not \"%s\"", ref, r->address, address);
}

static struct model *load(const char *name, const char *text, size_t len)
{
	struct model *m = NULL;
	ck_assert_msg(model_load_scl_mem(name, text, len, NULL, &m, err, sizeof(err)) == 0, "%s",
		      err);
	return m;
}

/* Binds the map to the real sim plugin and scans it once: every address
 * resolves and every start value fits its attribute. */
static void bind_and_scan(struct model *m, const struct map *map)
{
	const struct pv_source_cfg src = {.name = "sim", .plugin = "sim"};
	const struct pv_cfg cfg = {.plugindir = pv_env("PV_PLUGIN_DIR"), .sources = &src,
				   .n_sources = 1, .map = map, .simulate = true};
	struct pv *pv;
	ck_assert_msg(pv_new(m, &cfg, &pv, err, sizeof(err)) == 0, "%s", err);
	pv_scan(pv, 0, SCAN_T_NS);
	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.bad_values, 0);
	pv_free(pv);
}

START_TEST(simulate_maps_sample_controls)
{
	struct model *m = load("sample.icd", (const char *)embedded_sample_icd,
			       embedded_sample_icd_len);
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	/* DPC, sbo-with-enhanced-security, stVal on in the SCL */
	expect_row(map, "IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=IEDD1BAY/XCBR1.Pos.stVal,false=1,true=2,travel=60");
	expect_row(map, "IEDD1BAY/XCBR1.Pos.stVal[ST]", MAP_DIR_R, "hold:name=IEDD1BAY/XCBR1.Pos.stVal,start=2");
	/* the control model sets stSeld itself: no row */
	ck_assert_ptr_null(row_of(map, "IEDD1BAY/XCBR1.Pos.stSeld[ST]"));
	/* SPC */
	expect_row(map, "IEDD1WTG/WTUR1.SetTurOp.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=IEDD1WTG/WTUR1.SetTurOp.stVal");
	expect_row(map, "IEDD1WTG/WTUR1.SetTurOp.stVal[ST]", MAP_DIR_R,
		   "hold:name=IEDD1WTG/WTUR1.SetTurOp.stVal,start=false");
	/* the switching hierarchy and the LN's mode are held for the control
	 * model (remote control stays possible) */
	ck_assert_ptr_null(row_of(map, "IEDD1BAY/XCBR1.Loc.stVal[ST]"));
	ck_assert_ptr_null(row_of(map, "IEDD1BAY/XCBR1.Beh.stVal[ST]"));
	/* not controllable: animated as before */
	expect_row(map, "IEDD1BAY/LPHD1.Proxy.stVal[ST]", MAP_DIR_R, "square:");
	expect_row(map, "IEDD1BAY/XCBR1.OpCnt.stVal[ST]", MAP_DIR_R, "counter:");
	expect_row(map, "IEDD1BAY/MMXU1.TotW.mag.f[MX]", MAP_DIR_R, "sine:");
	/* SBOw and Cancel are the control service's, not mapped */
	ck_assert_ptr_null(row_of(map, "IEDD1BAY/XCBR1.Pos.SBOw.ctlVal[CO]"));
	ck_assert_ptr_null(row_of(map, "IEDD1BAY/XCBR1.Pos.Cancel.ctlVal[CO]"));
	bind_and_scan(m, map);
	map_free(map);
	model_free(m);
}
END_TEST

/* <simulate travelMs=...><control ref=... travelMs=... fail=.../>: the
 * DPC default and per-object settings reach the write rows; a reference
 * that is no control is refused by name. */
START_TEST(simulate_plant_settings)
{
	struct model *m = load("sample.icd", (const char *)embedded_sample_icd,
			       embedded_sample_icd_len);
	struct map *map;
	const struct pv_sim_control ctl[] = {
		{.ref = "IEDD1WTG/WTUR1.SetTurOp", .travel_ms = 1500, .fail = "every:2"},
	};
	struct pv_sim_cfg cfg = {.dpc_travel_ms = 2000, .controls = ctl, .n_controls = 1};
	ck_assert_msg(pv_simulate_map_cfg(m, &cfg, &map, err, sizeof(err)) == 0, "%s", err);
	expect_row(map, "IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=IEDD1BAY/XCBR1.Pos.stVal,false=1,true=2,travel=2000");
	expect_row(map, "IEDD1WTG/WTUR1.SetTurOp.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=IEDD1WTG/WTUR1.SetTurOp.stVal,travel=1500,fail=every:2");
	bind_and_scan(m, map);
	map_free(map);

	/* 0 makes a DPC act at once; a failure alone keeps the travel */
	const struct pv_sim_control stuck[] = {
		{.ref = "IEDD1BAY/XCBR1.Pos", .travel_ms = -1, .fail = "stuck"},
	};
	cfg = (struct pv_sim_cfg){.dpc_travel_ms = 0, .controls = stuck, .n_controls = 1};
	ck_assert_int_eq(pv_simulate_map_cfg(m, &cfg, &map, err, sizeof(err)), 0);
	expect_row(map, "IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=IEDD1BAY/XCBR1.Pos.stVal,false=1,true=2,fail=stuck");
	map_free(map);

	const struct pv_sim_control typo[] = {{.ref = "IEDD1BAY/XCBR1.Poss", .travel_ms = -1}};
	cfg = (struct pv_sim_cfg){.dpc_travel_ms = -1, .controls = typo, .n_controls = 1};
	ck_assert_int_eq(pv_simulate_map_cfg(m, &cfg, &map, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(map);
	ck_assert_contains(err, "\"IEDD1BAY/XCBR1.Poss\" is no controllable data object");
	model_free(m);
}
END_TEST

#define OPER(id, ctl)                                                                           \
	"<DAType id=\"" id "\"><BDA name=\"ctlVal\" " ctl "/><BDA name=\"ctlNum\" "              \
	"bType=\"INT8U\"/><BDA name=\"T\" bType=\"Timestamp\"/><BDA name=\"Test\" "              \
	"bType=\"BOOLEAN\"/><BDA name=\"Check\" bType=\"Check\"/></DAType>"
#define CTLDO(id, cdc, oper, status)                                                            \
	"<DOType id=\"" id "\" cdc=\"" cdc "\"><DA name=\"Oper\" bType=\"Struct\" type=\"" oper  \
	"\" fc=\"CO\"/>" status "<DA name=\"q\" bType=\"Quality\" fc=\"ST\"/><DA name=\"t\" "    \
	"bType=\"Timestamp\" fc=\"ST\"/><DA name=\"ctlModel\" bType=\"Enum\" type=\"CM\" "     \
	"fc=\"CF\"/><DA name=\"minVal\" bType=\"INT8\" fc=\"CF\"/><DA name=\"maxVal\" "          \
	"bType=\"INT8\" fc=\"CF\"/></DOType>"
#define DOI(name, cm, extra)                                                                    \
	"<DOI name=\"" name "\"><DAI name=\"ctlModel\"><Val>" cm "</Val></DAI>" extra "</DOI>"

static const char controls_icd[] =
	"<SCL xmlns=\"http://www.iec.ch/61850/2003/SCL\" version=\"2007\" revision=\"B\">"
	"<Header id=\"t\"/><IED name=\"T\"><AccessPoint name=\"AP\"><Server><Authentication/>"
	"<LDevice inst=\"LD\"><LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"LLN0_T\">"
	DOI("Mod", "direct-with-normal-security", "")
	"</LN0><LN lnClass=\"GGIO\" inst=\"1\" lnType=\"GGIO_T\">"
	DOI("Tap", "sbo-with-enhanced-security",
	    "<DAI name=\"minVal\"><Val>-3</Val></DAI><DAI name=\"maxVal\"><Val>3</Val></DAI>")
	DOI("Pos", "direct-with-normal-security", "<SDI name=\"valWTr\"><DAI name=\"posVal\">"
	    "<Val>5</Val></DAI></SDI>")
	DOI("Int", "direct-with-enhanced-security", "<DAI name=\"stVal\"><Val>-7</Val></DAI>")
	DOI("Set", "direct-with-normal-security", "<SDI name=\"stepSize\"><DAI name=\"f\">"
	    "<Val>0.5</Val></DAI></SDI>")
	DOI("Ana", "direct-with-normal-security", "")
	DOI("Only", "status-only", "")
	"</LN></LDevice></Server></AccessPoint></IED><DataTypeTemplates>"
	"<LNodeType id=\"LLN0_T\" lnClass=\"LLN0\"><DO name=\"Mod\" type=\"ENC_T\"/></LNodeType>"
	"<LNodeType id=\"GGIO_T\" lnClass=\"GGIO\"><DO name=\"Tap\" type=\"BSC_T\"/>"
	"<DO name=\"Pos\" type=\"ISC_T\"/><DO name=\"Int\" type=\"INC_T\"/>"
	"<DO name=\"Set\" type=\"BAC_T\"/><DO name=\"Ana\" type=\"APC_T\"/>"
	"<DO name=\"Only\" type=\"DPC_T\"/><DO name=\"Free\" type=\"SPC_T\"/></LNodeType>"
	CTLDO("ENC_T", "ENC", "EnOp", "<DA name=\"stVal\" bType=\"Enum\" type=\"CM\" fc=\"ST\"/>")
	CTLDO("BSC_T", "BSC", "TcOp", "<DA name=\"valWTr\" bType=\"Struct\" type=\"VWT\" fc=\"ST\"/>")
	CTLDO("ISC_T", "ISC", "I8Op", "<DA name=\"valWTr\" bType=\"Struct\" type=\"VWT\" fc=\"ST\"/>")
	CTLDO("INC_T", "INC", "I32Op", "<DA name=\"stVal\" bType=\"INT32\" fc=\"ST\"/>")
	CTLDO("DPC_T", "DPC", "BoOp", "<DA name=\"stVal\" bType=\"Dbpos\" fc=\"ST\"/>")
	"<DOType id=\"SPC_T\" cdc=\"SPC\"><DA name=\"Oper\" bType=\"Struct\" type=\"BoOp\" "
	"fc=\"CO\"/><DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\"/></DOType>"
	"<DOType id=\"BAC_T\" cdc=\"BAC\"><DA name=\"Oper\" bType=\"Struct\" type=\"TcOp\" "
	"fc=\"CO\"/><DA name=\"mxVal\" bType=\"Struct\" type=\"AV\" fc=\"MX\"/><DA name=\"ctlModel\" "
	"bType=\"Enum\" type=\"CM\" fc=\"CF\"/><DA name=\"stepSize\" bType=\"Struct\" type=\"AV\" "
	"fc=\"CF\"/></DOType>"
	"<DOType id=\"APC_T\" cdc=\"APC\"><DA name=\"Oper\" bType=\"Struct\" type=\"AvOp\" "
	"fc=\"CO\"/><DA name=\"mxVal\" bType=\"Struct\" type=\"AV\" fc=\"MX\"/><DA name=\"ctlModel\" "
	"bType=\"Enum\" type=\"CM\" fc=\"CF\"/></DOType>"
	OPER("EnOp", "bType=\"Enum\" type=\"CM\"") OPER("TcOp", "bType=\"Tcmd\"")
	OPER("I8Op", "bType=\"INT8\"") OPER("I32Op", "bType=\"INT32\"")
	OPER("BoOp", "bType=\"BOOLEAN\"") OPER("AvOp", "bType=\"Struct\" type=\"AV\"")
	"<DAType id=\"VWT\"><BDA name=\"posVal\" bType=\"INT8\"/><BDA name=\"transInd\" "
	"bType=\"BOOLEAN\"/></DAType><DAType id=\"AV\"><BDA name=\"f\" bType=\"FLOAT32\"/></DAType>"
	"<EnumType id=\"CM\"><EnumVal ord=\"0\">status-only</EnumVal>"
	"<EnumVal ord=\"1\">direct-with-normal-security</EnumVal>"
	"<EnumVal ord=\"2\">sbo-with-normal-security</EnumVal>"
	"<EnumVal ord=\"3\">direct-with-enhanced-security</EnumVal>"
	"<EnumVal ord=\"4\">sbo-with-enhanced-security</EnumVal></EnumType>"
	"</DataTypeTemplates></SCL>";

START_TEST(simulate_maps_each_cdc)
{
	struct model *m = load("controls.icd", controls_icd, sizeof(controls_icd) - 1);
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	/* ENC: stVal = ctlVal */
	expect_row(map, "TLD/LLN0.Mod.Oper.ctlVal[CO]", MAP_DIR_W, "hold:name=TLD/LLN0.Mod.stVal");
	/* Mod.stVal is the control model's (a Mod command sets it and Beh) */
	ck_assert_ptr_null(row_of(map, "TLD/LLN0.Mod.stVal[ST]"));
	/* BSC: a Tcmd steps posVal by one within minVal..maxVal */
	expect_row(map, "TLD/GGIO1.Tap.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=TLD/GGIO1.Tap.valWTr.posVal,tcmd=1,min=-3,max=3");
	expect_row(map, "TLD/GGIO1.Tap.valWTr.posVal[ST]", MAP_DIR_R,
		   "hold:name=TLD/GGIO1.Tap.valWTr.posVal,start=0");
	expect_row(map, "TLD/GGIO1.Tap.valWTr.transInd[ST]", MAP_DIR_R, "const:false");
	/* ISC: posVal = ctlVal, within -64..63 when minVal/maxVal are not set */
	expect_row(map, "TLD/GGIO1.Pos.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=TLD/GGIO1.Pos.valWTr.posVal,min=-64,max=63");
	expect_row(map, "TLD/GGIO1.Pos.valWTr.posVal[ST]", MAP_DIR_R,
		   "hold:name=TLD/GGIO1.Pos.valWTr.posVal,start=5");
	/* INC */
	expect_row(map, "TLD/GGIO1.Int.Oper.ctlVal[CO]", MAP_DIR_W, "hold:name=TLD/GGIO1.Int.stVal");
	expect_row(map, "TLD/GGIO1.Int.stVal[ST]", MAP_DIR_R, "hold:name=TLD/GGIO1.Int.stVal,start=-7");
	/* BAC: a Tcmd steps mxVal.f by stepSize */
	expect_row(map, "TLD/GGIO1.Set.Oper.ctlVal[CO]", MAP_DIR_W,
		   "hold:name=TLD/GGIO1.Set.mxVal.f,tcmd=0.5");
	expect_row(map, "TLD/GGIO1.Set.mxVal.f[MX]", MAP_DIR_R, "hold:name=TLD/GGIO1.Set.mxVal.f,start=0");
	/* APC: mxVal.f = ctlVal.f */
	expect_row(map, "TLD/GGIO1.Ana.Oper.ctlVal.f[CO]", MAP_DIR_W, "hold:name=TLD/GGIO1.Ana.mxVal.f");
	expect_row(map, "TLD/GGIO1.Ana.mxVal.f[MX]", MAP_DIR_R, "hold:name=TLD/GGIO1.Ana.mxVal.f,start=0");
	/* status-only: Oper not mapped, the status animated */
	ck_assert_ptr_null(row_of(map, "TLD/GGIO1.Only.Oper.ctlVal[CO]"));
	expect_row(map, "TLD/GGIO1.Only.stVal[ST]", MAP_DIR_R, "square:");
	/* no ctlModel at all: taken as controllable */
	expect_row(map, "TLD/GGIO1.Free.Oper.ctlVal[CO]", MAP_DIR_W, "hold:name=TLD/GGIO1.Free.stVal");
	bind_and_scan(m, map);
	map_free(map);
	model_free(m);
}
END_TEST

/* ---- speed= and the --simulate map's animation (issue 9, item 10) ---- */

/* speed=X: the instance's time runs X times as fast as the host's
 * monotonic clock, measured on a fake host clock: exact. */
START_TEST(speed_scales_the_real_clock)
{
	struct plugin *p;
	ck_assert_int_eq(plugin_load("sim", pv_env("PV_PLUGIN_DIR"), &p, err, sizeof(err)), 0);
	struct pv_host h;
	struct iedd_host host;
	pv_host_init(&h, &host);
	pv_host_fake_clock(&h, &host, 3000000000u, 1700000000ull * 1000000000u);
	struct plugin_instance *inst;
	const struct iedd_param params[] = {{.name = "speed", .value = "250"}};
	ck_assert_msg(plugin_open(p, params, 1, &host, &inst, err, sizeof(err)) == 0, "%s", err);
	void *clk;
	ck_assert_int_eq(plugin_resolve(inst, "clock", IEDD_KIND_FLOAT, false, &clk, err,
					sizeof(err)),
			 0);
	struct iedd_point b = {.point = clk};
	ck_assert_int_eq(plugin_read(inst, &b, 1), 0);
	ck_assert_double_eq(b.value.v.f, 0);
	/* 20 ms of the host's time are 5 simulated seconds */
	pv_host_set_clock(&h, 3020000000u, 1700000000ull * 1000000000u + 20000000u);
	ck_assert_int_eq(plugin_read(inst, &b, 1), 0);
	ck_assert_double_eq_tol(b.value.v.f, 5, 1e-9);
	/* the stamps are the host's UTC, not sped up */
	ck_assert_uint_eq(b.value.time_ns, 1700000000ull * 1000000000u + 20000000u);
	plugin_close(inst);

	/* bad factors, and speed with a fake clock */
	const char *bad[] = {"0", "-1", "abc", "1001", "nan"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct iedd_param bp[] = {{.name = "speed", .value = bad[i]}};
		ck_assert_int_eq(plugin_open(p, bp, 1, &host, &inst, err, sizeof(err)), -EINVAL);
		ck_assert_contains(err, "expected a factor 0.001..1000");
	}
	const struct iedd_param both[] = {{.name = "clock", .value = "fake"},
					  {.name = "speed", .value = "2"}};
	ck_assert_int_eq(plugin_open(p, both, 2, &host, &inst, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "with clock=fake");
	plugin_unload(p);
}
END_TEST

/* The row whose reference ends with `tail` ("/TCTR1.Amp.instMag.i[MX]"),
 * whatever form the LD part takes. */
static const struct map_row *row_ending(const struct map *map, const char *tail)
{
	size_t tl = strlen(tail);
	for (size_t i = 0; i < map->n; i++) {
		size_t rl = strlen(map->rows[i].ref);
		if (rl >= tl && !strcmp(map->rows[i].ref + rl - tl, tail))
			return &map->rows[i];
	}
	return NULL;
}

/* The sine row ending with `tail` swings within [lo, hi], over at least
 * `span` of it, around `mid`. */
static void expect_sine(const struct map *map, const char *tail, double lo, double hi,
			double span, double mid)
{
	const struct map_row *r = row_ending(map, tail);
	ck_assert_msg(r, "%s is not mapped", tail);
	double period, amp, off;
	ck_assert_msg(sscanf(r->address, "sine:period=%lf,amplitude=%lf,offset=%lf", &period, &amp,
			     &off) == 3,
		      "%s: %s", tail, r->address);
	ck_assert_msg(off - amp >= lo && off + amp <= hi && 2 * amp >= span &&
			      fabs(off - mid) < 1e-9,
		      "%s: %s not within %g..%g around %g", tail, r->address, lo, hi, mid);
}

#define AV_I "<DAType id=\"AVI\"><BDA name=\"i\" bType=\"INT32\"/></DAType>"
static const char measurements_icd[] =
	"<SCL xmlns=\"http://www.iec.ch/61850/2003/SCL\" version=\"2007\" revision=\"B\">"
	"<Header id=\"t\"/><IED name=\"M\"><AccessPoint name=\"AP\"><Server><Authentication/>"
	"<LDevice inst=\"LD\"><LN0 lnClass=\"LLN0\" inst=\"\" lnType=\"LLN0_T\"/>"
	"<LN lnClass=\"TCTR\" inst=\"1\" lnType=\"TCTR_T\"><DOI name=\"Amp\">"
	"<SDI name=\"min\"><DAI name=\"i\"><Val>-500</Val></DAI></SDI>"
	"<SDI name=\"max\"><DAI name=\"i\"><Val>500</Val></DAI></SDI></DOI></LN>"
	"<LN lnClass=\"TVTR\" inst=\"1\" lnType=\"TVTR_T\"/>"
	"<LN lnClass=\"MMXU\" inst=\"1\" lnType=\"MMXU_T\"><DOI name=\"Hz\"><SDI name=\"rangeC\">"
	"<SDI name=\"min\"><DAI name=\"i\"><Val>45</Val></DAI></SDI>"
	"<SDI name=\"max\"><DAI name=\"i\"><Val>55</Val></DAI></SDI></SDI></DOI></LN>"
	"<LN lnClass=\"GGIO\" inst=\"1\" lnType=\"GGIO_T\"/>"
	"</LDevice></Server></AccessPoint></IED><DataTypeTemplates>"
	"<LNodeType id=\"LLN0_T\" lnClass=\"LLN0\"><DO name=\"Beh\" type=\"SPS_T\"/></LNodeType>"
	"<LNodeType id=\"TCTR_T\" lnClass=\"TCTR\"><DO name=\"Amp\" type=\"SAVM_T\"/></LNodeType>"
	"<LNodeType id=\"TVTR_T\" lnClass=\"TVTR\"><DO name=\"Vol\" type=\"SAV_T\"/></LNodeType>"
	"<LNodeType id=\"MMXU_T\" lnClass=\"MMXU\"><DO name=\"Hz\" type=\"MV_T\"/></LNodeType>"
	"<LNodeType id=\"GGIO_T\" lnClass=\"GGIO\"><DO name=\"Byte\" type=\"B_T\"/>"
	"<DO name=\"Flag\" type=\"SPS_T\"/></LNodeType>"
	"<DOType id=\"SPS_T\" cdc=\"SPS\"><DA name=\"stVal\" bType=\"BOOLEAN\" fc=\"ST\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"ST\"/></DOType>"
	"<DOType id=\"SAVM_T\" cdc=\"SAV\"><DA name=\"instMag\" bType=\"Struct\" type=\"AVI\" "
	"fc=\"MX\"/><DA name=\"q\" bType=\"Quality\" fc=\"MX\"/><DA name=\"min\" bType=\"Struct\" "
	"type=\"AVI\" fc=\"CF\"/><DA name=\"max\" bType=\"Struct\" type=\"AVI\" fc=\"CF\"/>"
	"</DOType>"
	"<DOType id=\"SAV_T\" cdc=\"SAV\"><DA name=\"instMag\" bType=\"Struct\" type=\"AVI\" "
	"fc=\"MX\"/><DA name=\"q\" bType=\"Quality\" fc=\"MX\"/></DOType>"
	"<DOType id=\"MV_T\" cdc=\"MV\"><DA name=\"instMag\" bType=\"Struct\" type=\"AVI\" "
	"fc=\"MX\"/><DA name=\"mag\" bType=\"Struct\" type=\"AVI\" fc=\"MX\"/>"
	"<DA name=\"q\" bType=\"Quality\" fc=\"MX\"/><DA name=\"db\" bType=\"INT32U\" fc=\"CF\"/>"
	"<DA name=\"rangeC\" bType=\"Struct\" type=\"RC\" fc=\"CF\"/></DOType>"
	"<DOType id=\"B_T\" cdc=\"INS\"><DA name=\"v\" bType=\"INT8U\" fc=\"MX\"/></DOType>"
	AV_I
	"<DAType id=\"RC\"><BDA name=\"min\" bType=\"Struct\" type=\"AVI\"/>"
	"<BDA name=\"max\" bType=\"Struct\" type=\"AVI\"/></DAType>"
	"</DataTypeTemplates></SCL>";

/* A SAV's instMag.i (TCTR.Amp, TVTR.Vol) is animated within its min/max
 * (else around 0), an MV's mag.i within rangeC (its instMag follows it,
 * no row of its own), a narrow integer within its type; all of them move. */
START_TEST(simulate_animates_integer_measurements)
{
	struct model *m = load("measurements.icd", measurements_icd, sizeof(measurements_icd) - 1);
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	expect_sine(map, "/TCTR1.Amp.instMag.i[MX]", -500, 500, 800, 0);
	expect_sine(map, "/TVTR1.Vol.instMag.i[MX]", -100, 100, 150, 0);
	expect_sine(map, "/MMXU1.Hz.mag.i[MX]", 45, 55, 8, 50);
	ck_assert_ptr_null(row_ending(map, "/MMXU1.Hz.instMag.i[MX]"));
	expect_sine(map, "/GGIO1.Byte.v[MX]", 0, 255, 80, 50);
	bind_and_scan(m, map);

	/* the sampled value moves: two instants a quarter period apart */
	const struct map_row *r = row_ending(map, "/TCTR1.Amp.instMag.i[MX]");
	struct sim_fixture f;
	sim_up(&f, true);
	void *pt = point(&f, r->address, IEDD_KIND_INT, false);
	double period;
	ck_assert_int_eq(sscanf(r->address, "sine:period=%lf", &period), 1);
	int64_t a = geti(&f, pt);
	at(&f, period / 4);
	ck_assert_int_ne(geti(&f, pt), a);
	sim_down(&f);
	map_free(map);
	model_free(m);
}
END_TEST

/* Statuses change within seconds: every boolean and Dbpos square wave of
 * the sample has a period of 2..8 s, and the counters count at least every
 * 5 s. (Loc, Beh and the controls' statuses are held for the control
 * model, so the sample has one square wave left.) */
START_TEST(simulate_statuses_change_within_seconds)
{
	struct model *m = load("sample.icd", (const char *)embedded_sample_icd,
			       embedded_sample_icd_len);
	struct map *map;
	ck_assert_int_eq(pv_simulate_map(m, &map), 0);
	double seen[16];
	size_t n_seen = 0, n_square = 0, n_counter = 0;
	for (size_t i = 0; i < map->n; i++) {
		double per;
		const char *a = map->rows[i].address;
		if (sscanf(a, "square:period=%lf", &per) == 1) {
			ck_assert_msg(per >= 2 && per <= 8, "%s: %s", map->rows[i].ref, a);
			n_square++;
			size_t k;
			for (k = 0; k < n_seen && seen[k] != per; k++)
				;
			if (k == n_seen && n_seen < 16)
				seen[n_seen++] = per;
		} else if (sscanf(a, "counter:step=1,period=%lf", &per) == 1) {
			ck_assert_msg(per >= 1 && per <= 5, "%s: %s", map->rows[i].ref, a);
			n_counter++;
		}
	}
	ck_assert_uint_ge(n_square, 1);
	ck_assert_uint_ge(n_counter, 1);
	ck_assert_uint_ge(n_seen, 1);
	map_free(map);
	model_free(m);
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
	tcase_add_test(tc, real_clock_is_the_hosts);
	tcase_add_test(tc, bad_addresses_name_the_syntax);
	tcase_add_test(tc, bad_parameters_are_refused);
	tcase_add_test(tc, hold_stays_until_written);
	tcase_add_test(tc, hold_write_row_is_echoed_in_the_status_row);
	tcase_add_test(tc, hold_translates_a_boolean_into_dbpos);
	tcase_add_test(tc, hold_steps_on_tcmd);
	tcase_add_test(tc, hold_bad_addresses);
	tcase_add_test(tc, hold_travel_passes_through_intermediate);
	tcase_add_test(tc, hold_travel_restarts_on_a_second_write);
	tcase_add_test(tc, hold_travel_of_other_controls);
	tcase_add_test(tc, hold_fail_refuse_and_every);
	tcase_add_test(tc, hold_fail_stuck_and_intermediate);
	tcase_add_test(tc, hold_plant_bad_addresses);
	tcase_add_test(tc, hold_travel_end_is_pushed_on_the_host_clock);
	tcase_add_test(tc, simulate_maps_sample_controls);
	tcase_add_test(tc, simulate_maps_each_cdc);
	tcase_add_test(tc, simulate_plant_settings);
	tcase_add_test(tc, speed_scales_the_real_clock);
	tcase_add_test(tc, simulate_animates_integer_measurements);
	tcase_add_test(tc, simulate_statuses_change_within_seconds);
	suite_add_tcase(s, tc);
	return s;
}

PV_TEST_MAIN(sim_suite)
