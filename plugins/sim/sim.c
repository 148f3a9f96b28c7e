/* SPDX-License-Identifier: Apache-2.0 */
/* iedd-source-sim.so: the simulator source. Each map address names a
 * profile whose value is a function of the instance's time, so a scan at a
 * given time always gives the same value (doc/plugins.md has the full
 * reference):
 *
 *   const:VALUE                                  any kind
 *   sine:period=S,amplitude=A,offset=O[,phase=DEG]   int, uint, float
 *   ramp:period=S,min=A,max=B                    int, uint, float
 *   walk:seed=N,step=X,min=A,max=B[,period=S,start=V]  int, uint, float
 *   square:period=S,low=A,high=B                 bool, int, uint, float
 *   counter:step=N,period=S[,start=V]            int, uint, float
 *   clock                                        the instance's time itself
 *   hold:name=N,start=V[,min=A,max=B][,false=F,true=T | ,tcmd=S]
 *        [,travel=MS][,transit=V][,fail=refuse|stuck|intermediate|every:N]
 *                                                bool, int, uint, float
 *
 * Time is iedd's monotonic clock since open() (host->mono_ns, iedd's
 * CLOCK_MONOTONIC or a test's fake clock; the plugin's own CLOCK_MONOTONIC
 * under a host that offers none), times speed=X: a faster or slower
 * simulated process; values are stamped with host->utc_ns (else
 * CLOCK_REALTIME). Or, with the parameter clock=fake,
 * a counter that starts at 0 and only moves when the map (or a test)
 * writes the `clock` point: the test seam that lets tests check profiles
 * without sleeping. Non-blocking: every callback is arithmetic.
 *
 * `hold` is the one profile that is not a function of time: a value that
 * stays until a write changes it. Every hold point of one name shares the
 * value (a "cell"), so a control's write row (Oper.ctlVal) and its status
 * read row (stVal) are two points of one cell: a write through one is
 * pushed at once (host->push) to every point of the cell, so a client sees
 * its command reflected in the status without waiting for a scan. The
 * write row may translate what it is given: a boolean into two values
 * (false=,true=: a DPC's ctlVal into a Dbpos), or a Tcmd step command into
 * a step up or down (tcmd=: BSC, BAC).
 *
 * A write row with travel=MS is a plant that takes MS simulated
 * milliseconds to carry a command out: the write is taken at once, the cell
 * shows `transit` meanwhile (0, the Dbpos intermediate-state 00, for a
 * false=1,true=2 row; else the value it had) and the end value after the
 * travel, pushed then by a thread of the instance (started by the first
 * travel; on clock=fake instead when the clock point passes the end). A
 * write during a travel restarts it towards the new value. fail= makes the
 * plant fail on purpose, for testing a client's failure path: refuse (the
 * write is refused, -EACCES), every:N (every Nth write refused), stuck
 * (taken, nothing moves), intermediate (the travel ends in `transit`, a
 * bad position, and stays there). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iedd/source.h>

#include "../common/value.h"

/* Timestamps of a fake-clock instance: 2020-01-01T00:00:00Z + fake time, so
 * they are reproducible too. */
#define SIM_FAKE_EPOCH_NS (1577836800ull * 1000000000ull)
/* A random walk replays at most this many steps per read; a larger gap
 * (a rarely read point, a fake clock moved far) restarts the walk at a level
 * drawn from (seed, step number). */
#define SIM_WALK_MAX_REPLAY 1000000u
#define SIM_MAX_KEYS 10
/* the longest travel= (an hour): a plant that takes longer is stuck */
#define SIM_TRAVEL_MAX_MS 3600000.0

enum sim_profile { SIM_CONST, SIM_SINE, SIM_RAMP, SIM_WALK, SIM_SQUARE, SIM_COUNTER, SIM_CLOCK,
		   SIM_HOLD };

static const char *const sim_syntax[] = {
	[SIM_CONST] = "const:VALUE",
	[SIM_SINE] = "sine:period=S,amplitude=A,offset=O[,phase=DEG]",
	[SIM_RAMP] = "ramp:period=S,min=A,max=B",
	[SIM_WALK] = "walk:seed=N,step=X,min=A,max=B[,period=S,start=V]",
	[SIM_SQUARE] = "square:period=S,low=A,high=B",
	[SIM_COUNTER] = "counter:step=N,period=S[,start=V]",
	[SIM_CLOCK] = "clock",
	[SIM_HOLD] = ("hold:name=N,start=V[,min=A,max=B][,false=F,true=T | ,tcmd=S][,travel=MS]"
		      "[,transit=V][,fail=refuse|stuck|intermediate|every:N]"),
};

static const char *const sim_names[] = {
	[SIM_CONST] = "const", [SIM_SINE] = "sine",	  [SIM_RAMP] = "ramp",
	[SIM_WALK] = "walk",   [SIM_SQUARE] = "square", [SIM_COUNTER] = "counter",
	[SIM_CLOCK] = "clock", [SIM_HOLD] = "hold",
};

/* IEC 61850-7-3 Tcmd (a step command): stop, lower, higher, reserved. */
enum sim_tcmd { SIM_TCMD_STOP = 0, SIM_TCMD_LOWER = 1, SIM_TCMD_HIGHER = 2 };

#define SIM_NAME_MAX 192

/* fail=: how a hold write row fails on purpose */
enum sim_fail { SIM_FAIL_NONE, SIM_FAIL_REFUSE, SIM_FAIL_STUCK, SIM_FAIL_INTERMEDIATE,
		SIM_FAIL_EVERY };

/* The shared value of the hold points of one name. */
struct sim_cell {
	struct sim_cell *next;
	char name[SIM_NAME_MAX];	/* "" for a point's private cell */
	double value;			/* exact for integers up to 2^53; before a travel's end: the value it had */
	bool moving;			/* a travel runs: the cell shows `transit` until end_ns */
	double target;			/* where the travel ends */
	double transit;			/* shown while moving; NAN: `value` */
	uint64_t end_ns;		/* simulated time */
	bool started;			/* a point gave start= */
	double start;
	struct sim_point *points;	/* through sim_point.cell_next */
};

struct sim_point {
	struct sim_point *next;
	enum sim_profile profile;
	enum iedd_kind kind;
	bool writable;

	double period, amplitude, offset, phase, min, max, step, low, high, start;
	uint64_t seed;
	int64_t istart, istep;		/* integer counters count exactly */
	struct iedd_value cval;		/* const */

	double ramp_shift;		/* in periods; set by a write */
	bool walk_started;
	uint64_t walk_rng, walk_n;
	double walk_level;
	bool sq_override;		/* a write holds until the next edge */
	int64_t sq_edge;
	double sq_value;

	struct sim_cell *cell;		/* hold */
	struct sim_point *cell_next;
	bool boolmap, tcmd;		/* hold: false=/true=, tcmd= */
	double fval, tval;
	uint64_t travel_ns;		/* hold: travel= in simulated ns */
	double transit;			/* hold: shown during a travel; NAN: the old value */
	enum sim_fail fail;		/* hold: fail= */
	uint64_t fail_every, writes;	/* fail=every:N, the writes counted so far */
};

struct sim {
	bool fake;
	double speed;			/* speed=: simulated seconds per real second */
	uint64_t fake_ns;
	uint64_t t0_ns;			/* mono_ns() at open */
	struct iedd_host host;		/* a copy: push() for hold writes */
	struct sim_point *points;
	struct sim_cell *cells;		/* every cell; a nameless one is its point's own */
	/* The travel thread pushes the cells whose travel ended. `lock`
	 * guards the points and cells against it (every callback takes it). */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_started, stop;
};

struct sim_kv {
	char key[32];
	char val[SIM_NAME_MAX];
	bool used;
};

static uint64_t own_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* iedd's clocks (IEDD_SOURCE_HOST_CLOCK), our own without them */
static uint64_t mono_ns(const struct sim *s)
{
	return s->host.mono_ns ? s->host.mono_ns(s->host.host_ctx) : own_ns(CLOCK_MONOTONIC);
}

static uint64_t real_ns(const struct sim *s)
{
	return s->host.utc_ns ? s->host.utc_ns(s->host.host_ctx) : own_ns(CLOCK_REALTIME);
}

static uint64_t sim_now(const struct sim *s)
{
	if (s->fake)
		return s->fake_ns;
	uint64_t ns = mono_ns(s) - s->t0_ns;
	return s->speed == 1 ? ns : (uint64_t)((double)ns * s->speed);
}

/* splitmix64 (Steele, Lea, Flood 2014): turns any seed into a good,
 * non-zero xorshift state. */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x ? x : 1;
}

/* xorshift64* (Vigna 2016); a per-point state, never rand(). */
static double xorshift_unit(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (double)((x * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/* --- address parsing --------------------------------------------------- */

static int bad_address(const char *address, enum sim_profile prof, char *err, size_t errlen,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad_address(const char *address, enum sim_profile prof, char *err, size_t errlen,
		       const char *fmt, ...)
{
	char why[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return value_err(err, errlen, -EINVAL, "address \"%s\": %s; expected %s", address, why,
		       sim_syntax[prof]);
}

/* Splits "k=v,k=v" into kv[]; returns the count or a negative errno. */
static int split_keys(const char *address, enum sim_profile prof, const char *args,
		      struct sim_kv *kv, char *err, size_t errlen)
{
	int n = 0;
	const char *p = args;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p)
			return bad_address(address, prof, err, errlen, "\"%.*s\" is not key=value",
					   (int)len, p);
		size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
		if (n == SIM_MAX_KEYS || klen >= sizeof(kv[0].key) || vlen >= sizeof(kv[0].val))
			return bad_address(address, prof, err, errlen, "too many or too long keys");
		for (int i = 0; i < n; i++)
			if (strlen(kv[i].key) == klen && !memcmp(kv[i].key, p, klen))
				return bad_address(address, prof, err, errlen, "%.*s given twice",
						   (int)klen, p);
		memcpy(kv[n].key, p, klen);
		kv[n].key[klen] = 0;
		memcpy(kv[n].val, eq + 1, vlen);
		kv[n].val[vlen] = 0;
		kv[n].used = false;
		n++;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return bad_address(address, prof, err, errlen, "trailing ','");
	}
	return n;
}

/* Looks up key in kv[n] and parses it as a finite number (a boolean's
 * true/false too when `kind` is bool); *out keeps `def` when absent. */
static int take_num(const char *address, enum sim_profile prof, struct sim_kv *kv, int n,
		    const char *key, enum iedd_kind kind, double def, double *out, char *err,
		    size_t errlen)
{
	*out = def;
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key))
			continue;
		kv[i].used = true;
		struct iedd_value v;
		if (kind == IEDD_KIND_BOOL && !value_parse(kv[i].val, IEDD_KIND_BOOL, &v)) {
			*out = v.v.b ? 1.0 : 0.0;
			return 0;
		}
		if (kind == IEDD_KIND_INT || kind == IEDD_KIND_UINT) {
			/* integers stay exact up to 2^53 through the double */
			if (value_parse(kv[i].val, IEDD_KIND_INT, &v) &&
			    value_parse(kv[i].val, IEDD_KIND_FLOAT, &v))
				return bad_address(address, prof, err, errlen,
						   "%s \"%s\" is not a number", key, kv[i].val);
			*out = v.kind == IEDD_KIND_INT ? (double)v.v.i : v.v.f;
			return 0;
		}
		if (value_parse(kv[i].val, IEDD_KIND_FLOAT, &v))
			return bad_address(address, prof, err, errlen, "%s \"%s\" is not a number%s",
					   key, kv[i].val,
					   kind == IEDD_KIND_BOOL ? " nor true/false" : "");
		*out = v.v.f;
		return 0;
	}
	return 0;
}

static int take_int(const char *address, enum sim_profile prof, struct sim_kv *kv, int n,
		    const char *key, int64_t def, int64_t *out, char *err, size_t errlen)
{
	*out = def;
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key))
			continue;
		kv[i].used = true;
		struct iedd_value v;
		if (value_parse(kv[i].val, IEDD_KIND_INT, &v))
			return bad_address(address, prof, err, errlen,
					   "%s \"%s\" is not an integer (the point is an integer)",
					   key, kv[i].val);
		*out = v.v.i;
		return 0;
	}
	return 0;
}

static int take_seed(const char *address, enum sim_profile prof, struct sim_kv *kv, int n,
		     uint64_t *out, char *err, size_t errlen)
{
	*out = 1;
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "seed"))
			continue;
		kv[i].used = true;
		struct iedd_value v;
		if (value_parse(kv[i].val, IEDD_KIND_UINT, &v))
			return bad_address(address, prof, err, errlen,
					   "seed \"%s\" is not an unsigned integer", kv[i].val);
		*out = v.v.u;
	}
	return 0;
}

static enum sim_profile profile_of(const char *name, size_t len, bool *ok)
{
	for (unsigned i = 0; i < sizeof(sim_names) / sizeof(sim_names[0]); i++) {
		if (strlen(sim_names[i]) == len && !memcmp(sim_names[i], name, len)) {
			*ok = true;
			return (enum sim_profile)i;
		}
	}
	*ok = false;
	return SIM_CONST;
}

static bool numeric(enum iedd_kind k)
{
	return k == IEDD_KIND_INT || k == IEDD_KIND_UINT || k == IEDD_KIND_FLOAT;
}

/* fail=refuse|stuck|intermediate|every:N of a hold point. */
static int fail_parse(const char *address, struct sim_kv *kv, int n, struct sim_point *p,
		      char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "fail"))
			continue;
		kv[i].used = true;
		const char *v = kv[i].val;
		char *end;
		if (!strcmp(v, "refuse")) {
			p->fail = SIM_FAIL_REFUSE;
		} else if (!strcmp(v, "stuck")) {
			p->fail = SIM_FAIL_STUCK;
		} else if (!strcmp(v, "intermediate")) {
			p->fail = SIM_FAIL_INTERMEDIATE;
		} else if (!strncmp(v, "every:", 6) && v[6] >= '1' && v[6] <= '9' &&
			   (p->fail_every = strtoull(v + 6, &end, 10)) > 0 && !*end &&
			   p->fail_every < 1000000000u) {
			p->fail = SIM_FAIL_EVERY;
		} else {
			return bad_address(address, SIM_HOLD, err, errlen,
					   "fail=%s: expected refuse, stuck, intermediate or "
					   "every:N (N 1..999999999)",
					   v);
		}
	}
	return 0;
}

/* hold: the keys, then the point joins its cell (the last step: nothing
 * fails after it). */
static int hold_parse(struct sim *s, const char *address, struct sim_point *p, const char *args,
		      char *err, size_t errlen)
{
	const enum sim_profile prof = SIM_HOLD;
	enum iedd_kind k = p->kind;
	if (!numeric(k) && k != IEDD_KIND_BOOL)
		return bad_address(address, prof, err, errlen,
				   "hold gives bool or numbers, not %s values (use const:TEXT for a "
				   "string)",
				   value_kind_name(k));
	struct sim_kv kv[SIM_MAX_KEYS];
	int n = split_keys(address, prof, args, kv, err, errlen);
	if (n < 0)
		return n;
	const char *name = "";
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "name"))
			continue;
		kv[i].used = true;
		name = kv[i].val;
		if (!*name)
			return bad_address(address, prof, err, errlen, "name is empty");
	}
	double start, lo, hi, fv, tv, step, travel, transit;
	int rc = take_num(address, prof, kv, n, "start", IEDD_KIND_BOOL, NAN, &start, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "travel", IEDD_KIND_FLOAT, 0, &travel, err,
			      errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "transit", IEDD_KIND_FLOAT, NAN, &transit, err,
			      errlen);
	if (!rc)
		rc = fail_parse(address, kv, n, p, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "min", IEDD_KIND_FLOAT, -INFINITY, &lo, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "max", IEDD_KIND_FLOAT, INFINITY, &hi, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "false", IEDD_KIND_BOOL, NAN, &fv, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "true", IEDD_KIND_BOOL, NAN, &tv, err, errlen);
	if (!rc)
		rc = take_num(address, prof, kv, n, "tcmd", IEDD_KIND_FLOAT, NAN, &step, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		if (!kv[i].used)
			return bad_address(address, prof, err, errlen, "unknown key \"%s\"", kv[i].key);
	p->boolmap = !isnan(fv) || !isnan(tv);
	p->tcmd = !isnan(step);
	if (p->boolmap && (isnan(fv) || isnan(tv)))
		return bad_address(address, prof, err, errlen, "false= and true= go together");
	if (p->boolmap && p->tcmd)
		return bad_address(address, prof, err, errlen,
				   "false=/true= and tcmd= exclude each other");
	if (p->boolmap && k != IEDD_KIND_BOOL)
		return bad_address(address, prof, err, errlen,
				   "false=/true= translate a written boolean, the point is %s",
				   value_kind_name(k));
	if (p->tcmd && k != IEDD_KIND_INT && k != IEDD_KIND_UINT)
		return bad_address(address, prof, err, errlen,
				   "tcmd= takes a Tcmd (an integer 0..3), the point is %s",
				   value_kind_name(k));
	if (p->tcmd && !(step > 0))
		return bad_address(address, prof, err, errlen, "the tcmd step must be > 0");
	if (!(hi > lo))
		return bad_address(address, prof, err, errlen, "max must be > min");
	if (!(travel >= 0 && travel <= SIM_TRAVEL_MAX_MS))
		return bad_address(address, prof, err, errlen,
				   "travel=%g: expected 0..%.0f milliseconds", travel,
				   SIM_TRAVEL_MAX_MS);
	/* IEC 61850-7-3 Dbpos: a DPC on its way shows intermediate-state (00) */
	if (isnan(transit) && p->boolmap && fv == 1 && tv == 2)
		transit = 0;
	if (p->fail == SIM_FAIL_INTERMEDIATE && isnan(transit))
		return bad_address(address, prof, err, errlen,
				   "fail=intermediate ends a travel in the intermediate value: "
				   "give transit=V (a false=1,true=2 Dbpos row has 0)");
	if (!isnan(start) && (start < lo || start > hi))
		return bad_address(address, prof, err, errlen, "start must be in [min, max]");
	if (k == IEDD_KIND_UINT && !isnan(start) && start < 0)
		return bad_address(address, prof, err, errlen,
				   "a uint point cannot go below 0 (start %g)", start);
	p->min = lo;
	p->max = hi;
	p->fval = fv;
	p->tval = tv;
	p->step = step;
	p->travel_ns = (uint64_t)llround(travel * 1e6);
	p->transit = transit;

	struct sim_cell *c = NULL;
	if (*name)
		for (c = s->cells; c && strcmp(c->name, name); c = c->next)
			;
	if (c && c->started && !isnan(start) && start != c->start)
		return bad_address(address, prof, err, errlen,
				   "start=%g, but another point of \"%s\" starts it at %g", start,
				   name, c->start);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return value_err(err, errlen, -ENOMEM, "out of memory");
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->transit = NAN;
		c->next = s->cells;
		s->cells = c;
	}
	if (!isnan(start) && !c->started) {
		c->started = true;
		c->start = c->value = start;
	}
	p->cell = c;
	p->cell_next = c->points;
	c->points = p;
	return 0;
}

/* Fills p from the address; p->kind and p->writable are set. */
static int sim_parse(struct sim *s, const char *address, struct sim_point *p, char *err,
		     size_t errlen)
{
	const char *colon = strchr(address, ':');
	size_t nlen = colon ? (size_t)(colon - address) : strlen(address);
	bool ok;
	enum sim_profile prof = profile_of(address, nlen, &ok);
	if (!ok) {
		return value_err(err, errlen, -EINVAL,
			       "address \"%s\": unknown profile \"%.*s\"; expected one of %s, %s, "
			       "%s, %s, %s, %s, %s, %s",
			       address, (int)nlen, address, sim_syntax[SIM_CONST],
			       sim_syntax[SIM_SINE], sim_syntax[SIM_RAMP], sim_syntax[SIM_WALK],
			       sim_syntax[SIM_SQUARE], sim_syntax[SIM_COUNTER],
			       sim_syntax[SIM_CLOCK], sim_syntax[SIM_HOLD]);
	}
	p->profile = prof;
	const char *args = colon ? colon + 1 : "";
	enum iedd_kind k = p->kind;

	if (prof == SIM_CONST) {
		if (!colon)
			return bad_address(address, prof, err, errlen, "no value");
		int rc = value_parse(args, k, &p->cval);
		if (rc)
			return bad_address(address, prof, err, errlen,
					   "\"%s\" is not a %s value%s", args, value_kind_name(k),
					   rc == -ERANGE ? " (out of range)" : "");
		p->cval.quality = IEDD_Q_GOOD;
		return 0;
	}
	if (prof == SIM_CLOCK) {
		if (*args)
			return bad_address(address, prof, err, errlen, "clock takes no keys");
		if (!numeric(k))
			return bad_address(address, prof, err, errlen,
					   "the clock is a number (float: seconds, int/uint: ns), "
					   "not %s",
					   value_kind_name(k));
		if (p->writable && !s->fake)
			return bad_address(address, prof, err, errlen,
					   "the clock is writable only with the parameter clock=fake");
		return 0;
	}
	if (prof == SIM_HOLD)
		return hold_parse(s, address, p, args, err, errlen);

	/* kinds each profile can give */
	if (prof == SIM_SQUARE ? !(numeric(k) || k == IEDD_KIND_BOOL) : !numeric(k))
		return bad_address(address, prof, err, errlen, "%s gives %s, not %s values%s",
				   sim_names[prof],
				   prof == SIM_SQUARE ? "bool or numbers" : "numbers",
				   value_kind_name(k),
				   k == IEDD_KIND_BOOL ? " (use square for a boolean)"
				   : k == IEDD_KIND_STRING ? " (use const:TEXT for a string)"
							   : "");

	struct sim_kv kv[SIM_MAX_KEYS];
	int n = split_keys(address, prof, args, kv, err, errlen);
	if (n < 0)
		return n;
	int rc = 0;
	enum iedd_kind nk = k == IEDD_KIND_BOOL ? IEDD_KIND_BOOL : IEDD_KIND_FLOAT;
#define NUM(key, def, field)                                                                    \
	if (!rc)                                                                                \
	rc = take_num(address, prof, kv, n, key, nk, def, &p->field, err, errlen)
	switch (prof) {
	case SIM_SINE:
		NUM("period", 10, period);
		NUM("amplitude", 1, amplitude);
		NUM("offset", 0, offset);
		NUM("phase", 0, phase);
		break;
	case SIM_RAMP:
		NUM("period", 10, period);
		NUM("min", 0, min);
		NUM("max", 100, max);
		break;
	case SIM_WALK:
		rc = take_seed(address, prof, kv, n, &p->seed, err, errlen);
		NUM("step", 1, step);
		NUM("min", 0, min);
		NUM("max", 100, max);
		NUM("period", 1, period);
		NUM("start", NAN, start);
		break;
	case SIM_SQUARE:
		NUM("period", 2, period);
		NUM("low", 0, low);
		NUM("high", 1, high);
		break;
	case SIM_COUNTER:
		NUM("period", 1, period);
		if (k == IEDD_KIND_FLOAT) {
			NUM("step", 1, step);
			NUM("start", 0, start);
		} else {
			if (!rc)
				rc = take_int(address, prof, kv, n, "step", 1, &p->istep, err, errlen);
			if (!rc)
				rc = take_int(address, prof, kv, n, "start", 0, &p->istart, err,
					      errlen);
		}
		break;
	default:
		break;
	}
#undef NUM
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		if (!kv[i].used)
			return bad_address(address, prof, err, errlen, "unknown key \"%s\"", kv[i].key);

	if (!(p->period > 0))
		return bad_address(address, prof, err, errlen, "period must be > 0 seconds");
	if ((prof == SIM_RAMP || prof == SIM_WALK) && !(p->max > p->min))
		return bad_address(address, prof, err, errlen, "max must be > min");
	if (prof == SIM_WALK) {
		if (p->step < 0)
			return bad_address(address, prof, err, errlen, "step must be >= 0");
		if (isnan(p->start))
			p->start = (p->min + p->max) / 2;
		if (p->start < p->min || p->start > p->max)
			return bad_address(address, prof, err, errlen, "start must be in [min, max]");
	}
	if (k == IEDD_KIND_UINT) {
		double lowest = prof == SIM_SINE   ? p->offset - fabs(p->amplitude)
				: prof == SIM_SQUARE ? fmin(p->low, p->high)
				: prof == SIM_COUNTER ? (double)p->istart
						      : p->min;
		if (lowest < 0)
			return bad_address(address, prof, err, errlen,
					   "a uint point cannot go below 0 (lowest value %g)", lowest);
	}
	return 0;
}

/* --- evaluation -------------------------------------------------------- */

/* The cell's value at simulated time `now`: a travel that has ended
 * settles at its target. */
static double cell_at(struct sim_cell *c, uint64_t now)
{
	if (c->moving && now >= c->end_ns) {
		c->moving = false;
		c->value = c->target;
	}
	return c->moving && !isnan(c->transit) ? c->transit : c->value;
}

static void walk_advance(struct sim_point *p, uint64_t n)
{
	if (!p->walk_started || n < p->walk_n) {
		p->walk_started = true;
		p->walk_rng = splitmix64(p->seed);
		p->walk_n = 0;
		p->walk_level = p->start;
	}
	if (n - p->walk_n > SIM_WALK_MAX_REPLAY) {
		p->walk_rng = splitmix64(p->seed ^ splitmix64(n));
		p->walk_n = n;
		p->walk_level = p->min + (p->max - p->min) * xorshift_unit(&p->walk_rng);
		return;
	}
	for (; p->walk_n < n; p->walk_n++) {
		double x = p->walk_level + p->step * (2 * xorshift_unit(&p->walk_rng) - 1);
		if (x > p->max)
			x = 2 * p->max - x;	/* reflect at the bounds */
		if (x < p->min)
			x = 2 * p->min - x;
		p->walk_level = fmin(fmax(x, p->min), p->max);
	}
}

static uint64_t steps(double t, double period)
{
	double n = floor(t / period);
	return n >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)n;
}

/* The value of p at time ns; kind NONE with quality bits if it cannot be
 * represented in the point's kind. */
static void sim_eval(struct sim_point *p, uint64_t ns, struct iedd_value *out)
{
	double t = (double)ns / 1e9;
	struct iedd_value x;
	memset(&x, 0, sizeof(x));
	x.kind = IEDD_KIND_FLOAT;
	switch (p->profile) {
	case SIM_CONST:
		x = p->cval;
		break;
	case SIM_CLOCK:
		if (p->kind == IEDD_KIND_FLOAT) {
			x.v.f = t;
		} else {
			x.kind = IEDD_KIND_UINT;
			x.v.u = ns;
		}
		break;
	case SIM_SINE:
		x.v.f = p->offset +
			p->amplitude * sin(2 * M_PI * (t / p->period) + p->phase * M_PI / 180);
		break;
	case SIM_RAMP: {
		double f = t / p->period + p->ramp_shift;
		x.v.f = p->min + (p->max - p->min) * (f - floor(f));
		break;
	}
	case SIM_WALK:
		walk_advance(p, steps(t, p->period));
		x.v.f = p->walk_level;
		break;
	case SIM_SQUARE: {
		int64_t edge = (int64_t)steps(2 * t, p->period);
		if (p->sq_override && edge != p->sq_edge)
			p->sq_override = false;
		x.v.f = p->sq_override ? p->sq_value : (edge & 1) ? p->high : p->low;
		break;
	}
	case SIM_COUNTER: {
		uint64_t n = steps(t, p->period);
		if (p->kind == IEDD_KIND_FLOAT) {
			x.v.f = p->start + p->step * (double)n;
		} else {
			/* wraps like the integer it is */
			x.kind = p->kind;
			x.v.u = (uint64_t)p->istart + (uint64_t)p->istep * n;
		}
		break;
	}
	case SIM_HOLD:
		/* a Tcmd has no state of its own: it reads as stop */
		x.v.f = p->tcmd ? SIM_TCMD_STOP
			: p->boolmap ? (cell_at(p->cell, ns) == p->tval)
				     : cell_at(p->cell, ns);
		break;
	}
	uint16_t why = value_convert(&x, p->kind, out);
	out->quality = why ? (uint16_t)(IEDD_Q_INVALID | why) : IEDD_Q_GOOD;
}

/* --- callbacks --------------------------------------------------------- */

static void sim_close(void *ctx)
{
	struct sim *s = ctx;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	while (s->points) {
		struct sim_point *p = s->points;
		s->points = p->next;
		free(p);
	}
	while (s->cells) {
		struct sim_cell *c = s->cells;
		s->cells = c->next;
		free(c);
	}
	free(s);
}

static int sim_open(const struct iedd_param *params, size_t n_params, const struct iedd_host *host,
		    void **ctx, char *err, size_t errlen)
{
	bool fake = false;
	double speed = 1;
	const char *speed_text = NULL;
	for (size_t i = 0; i < n_params; i++) {
		if (!strcmp(params[i].name, "clock")) {
			if (!strcmp(params[i].value, "fake"))
				fake = true;
			else if (strcmp(params[i].value, "real"))
				return value_err(err, errlen, -EINVAL,
					       "parameter clock=\"%s\": expected clock=real (the "
					       "default) or clock=fake",
					       params[i].value);
		} else if (!strcmp(params[i].name, "speed")) {
			struct iedd_value v;
			speed_text = params[i].value;
			if (value_parse(speed_text, IEDD_KIND_FLOAT, &v) || !(v.v.f >= 0.001) ||
			    !(v.v.f <= 1000))
				return value_err(err, errlen, -EINVAL,
					       "parameter speed=\"%s\": expected a factor "
					       "0.001..1000 (simulated seconds per second; 10 "
					       "runs every period ten times as fast)",
					       speed_text);
			speed = v.v.f;
		} else {
			return value_err(err, errlen, -EINVAL,
				       "unknown parameter \"%s\"; the simulator takes "
				       "clock=real|fake and speed=X",
				       params[i].name);
		}
	}
	if (fake && speed_text)
		return value_err(err, errlen, -EINVAL,
			       "parameter speed=\"%s\" with clock=fake: a fake clock moves only "
			       "when written; give one of them",
			       speed_text);
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return value_err(err, errlen, -ENOMEM, "out of memory");
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca)) {
		free(s);
		return value_err(err, errlen, -ENOMEM, "out of memory");
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (rc) {
		free(s);
		return value_err(err, errlen, -rc, "pthread_cond_init: %s", strerror(rc));
	}
	pthread_mutex_init(&s->lock, NULL);
	s->fake = fake;
	s->speed = speed;
	if (host)
		s->host = *host;
	s->t0_ns = mono_ns(s);
	*ctx = s;
	return 0;
}

static int sim_resolve(void *ctx, const char *address, enum iedd_kind kind, bool writable,
		       void **point, char *err, size_t errlen)
{
	struct sim *s = ctx;
	if (kind < IEDD_KIND_BOOL || kind > IEDD_KIND_STRING)
		return value_err(err, errlen, -EINVAL, "address \"%s\": value kind %d is not a kind",
			       address, (int)kind);
	struct sim_point *p = calloc(1, sizeof(*p));
	if (!p)
		return value_err(err, errlen, -ENOMEM, "out of memory");
	p->kind = kind;
	p->writable = writable;
	pthread_mutex_lock(&s->lock);
	int rc = sim_parse(s, address, p, err, errlen);
	if (rc) {
		pthread_mutex_unlock(&s->lock);
		free(p);
		return rc;
	}
	p->next = s->points;
	s->points = p;
	*point = p;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static uint64_t sim_stamp(const struct sim *s, uint64_t now)
{
	return s->fake ? SIM_FAKE_EPOCH_NS + now : real_ns(s);
}

static int sim_read(void *ctx, struct iedd_point *points, size_t n)
{
	struct sim *s = ctx;
	pthread_mutex_lock(&s->lock);
	uint64_t now = sim_now(s);	/* one instant for the whole batch */
	uint64_t stamp = sim_stamp(s, now);
	for (size_t i = 0; i < n; i++) {
		sim_eval(points[i].point, now, &points[i].value);
		points[i].value.time_ns = stamp;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Pushes every point of cell c as it is at `now` (lock held, on the
 * instance's calling thread). A push the host refuses (a write-only row it
 * does not read: -ENOENT; its queue full: -EAGAIN) is left to the next scan,
 * which reads the cell anyway. */
static void cell_push(struct sim *s, struct sim_cell *c, uint64_t now)
{
	if (!s->host.push)
		return;
	uint64_t stamp = sim_stamp(s, now);
	for (struct sim_point *q = c->points; q; q = q->cell_next) {
		struct iedd_value out;
		sim_eval(q, now, &out);
		out.time_ns = stamp;
		(void)s->host.push(s->host.host_ctx, q, &out);
	}
}

/* clock=fake: the clock point moved to `now`; the travels it passed end. */
static void fake_travels(struct sim *s, uint64_t now)
{
	for (struct sim_cell *c = s->cells; c; c = c->next)
		if (c->moving && now >= c->end_ns) {
			cell_at(c, now);
			cell_push(s, c, now);
		}
}

/* The travel thread (real clock): sleeps until the first travel's end in
 * real time (simulated time / speed), then settles every ended cell and
 * pushes its points. Pushes outside the lock: push is the host's and
 * thread-safe, and the lock is not held across the host's queue. */
static void *travel_main(void *arg)
{
	struct sim *s = arg;
	struct iedd_value *vals = NULL;
	void **pts = NULL;
	size_t cap = 0;
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		uint64_t now = sim_now(s), next = UINT64_MAX;
		size_t n = 0;
		uint64_t stamp = sim_stamp(s, now);
		for (struct sim_cell *c = s->cells; c; c = c->next) {
			if (!c->moving)
				continue;
			if (now < c->end_ns) {
				next = c->end_ns < next ? c->end_ns : next;
				continue;
			}
			cell_at(c, now);
			for (struct sim_point *q = c->points; q; q = q->cell_next) {
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 16;
					struct iedd_value *nv = realloc(vals, nc * sizeof(*nv));
					if (nv)
						vals = nv;
					void **np = nv ? realloc(pts, nc * sizeof(*np)) : NULL;
					if (!np)
						break;	/* out of memory: the next scan reads it */
					pts = np;
					cap = nc;
				}
				sim_eval(q, now, &vals[n]);
				vals[n].time_ns = stamp;
				pts[n++] = q;
			}
		}
		if (n) {
			pthread_mutex_unlock(&s->lock);
			for (size_t i = 0; i < n; i++)
				(void)s->host.push(s->host.host_ctx, pts[i], &vals[i]);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		/* real ns to wait; at least 1 ms, so that a host clock that does
		 * not move (a test's) is looked at again, not spun on */
		double wait = (double)(next - now) / s->speed;
		if (wait < 1e6)
			wait = 1e6;
		if (wait > 3.6e12)
			wait = 3.6e12;
		uint64_t dl = own_ns(CLOCK_MONOTONIC) + (uint64_t)wait;
		struct timespec ts = { .tv_sec = (time_t)(dl / 1000000000u),
				       .tv_nsec = (long)(dl % 1000000000u) };
		pthread_cond_timedwait(&s->wake, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	free(vals);
	free(pts);
	return NULL;
}

/* A hold write (lock held): the cell takes the value (translated by the
 * point's false=/true= or tcmd=) at once, or after the point's travel=, or
 * not at all (fail=); every point of the cell is pushed now, so the status
 * row shows the command (or its transit) before the next scan. */
static int hold_write(struct sim *s, struct sim_point *p, const struct iedd_value *w, char *err,
		      size_t errlen)
{
	struct sim_cell *c = p->cell;
	uint64_t now = sim_now(s);
	double cur = cell_at(c, now);
	/* a step goes on from where a running travel is going */
	double base = c->moving ? c->target : c->value;
	double v;
	if (p->boolmap) {
		v = w->v.b ? p->tval : p->fval;
	} else if (p->tcmd) {
		/* IEC 61850-7-3 Tcmd: a step at an end position stays there */
		switch (w->v.i) {
		case SIM_TCMD_STOP:
			v = base;
			break;
		case SIM_TCMD_LOWER:
			v = fmax(base - p->step, p->min);
			break;
		case SIM_TCMD_HIGHER:
			v = fmin(base + p->step, p->max);
			break;
		default:
			return value_err(err, errlen, -EINVAL,
				       "hold point: Tcmd %lld is none of stop (0), lower (1), "
				       "higher (2)",
				       (long long)w->v.i);
		}
	} else {
		v = w->v.f;
		if (v < p->min || v > p->max)
			return value_err(err, errlen, -ERANGE,
				       "hold point: %g is outside [%g, %g]", v, p->min, p->max);
	}
	p->writes++;
	switch (p->fail) {
	case SIM_FAIL_REFUSE:
		return value_err(err, errlen, -EACCES,
			       "hold point %s: refused on purpose (fail=refuse)", c->name);
	case SIM_FAIL_EVERY:
		if (p->writes % p->fail_every == 0)
			return value_err(err, errlen, -EACCES,
				       "hold point %s: write %llu refused on purpose "
				       "(fail=every:%llu)",
				       c->name, (unsigned long long)p->writes,
				       (unsigned long long)p->fail_every);
		break;
	case SIM_FAIL_STUCK:
		return 0; /* taken, and nothing moves */
	case SIM_FAIL_INTERMEDIATE:
		v = p->transit;
		break;
	case SIM_FAIL_NONE:
		break;
	}
	if (!p->travel_ns || (!c->moving && v == cur)) {
		c->moving = false;
		c->value = v;
	} else {
		/* a write during a travel restarts it from what the cell shows */
		c->value = cur;
		c->moving = true;
		c->target = v;
		c->transit = p->transit;
		c->end_ns = now + p->travel_ns;
		if (!s->fake && s->host.push && !s->thread_started) {
			int rc = pthread_create(&s->thread, NULL, travel_main, s);
			if (rc) {
				c->moving = false;
				c->value = v;
				return value_err(err, errlen, -rc,
					       "hold point %s: no travel thread: %s", c->name,
					       strerror(rc));
			}
			s->thread_started = true;
		}
		pthread_cond_signal(&s->wake);
	}
	cell_push(s, c, now);
	return 0;
}

static int sim_write_locked(struct sim *s, struct sim_point *p, const struct iedd_value *value,
			    char *err, size_t errlen)
{
	if (!p->writable)
		return value_err(err, errlen, -EPERM, "%s point is mapped read-only",
			       sim_names[p->profile]);
	/* the point's own kind for const and integer counters, a number else */
	enum iedd_kind want = p->profile == SIM_CONST ? p->kind
			      : p->profile == SIM_COUNTER && p->kind != IEDD_KIND_FLOAT
				      ? IEDD_KIND_INT
				      : IEDD_KIND_FLOAT;
	if (p->profile == SIM_CLOCK && p->kind != IEDD_KIND_FLOAT)
		want = IEDD_KIND_UINT;
	if (p->profile == SIM_HOLD)
		want = p->boolmap ? IEDD_KIND_BOOL : p->tcmd ? IEDD_KIND_INT : IEDD_KIND_FLOAT;
	struct iedd_value w;
	uint16_t why = value_convert(value, want, &w);
	if (why)
		return value_err(err, errlen, -EINVAL, "%s point: cannot take a %s value as %s",
			       sim_names[p->profile], value_kind_name(value->kind),
			       value_kind_name(p->kind));
	if (p->kind == IEDD_KIND_UINT && p->profile != SIM_CLOCK &&
	    (want == IEDD_KIND_FLOAT ? w.v.f < 0 : want == IEDD_KIND_INT && w.v.i < 0))
		return value_err(err, errlen, -ERANGE, "%s point: a uint cannot be negative",
			       sim_names[p->profile]);
	uint64_t now = sim_now(s);
	double t = (double)now / 1e9;
	switch (p->profile) {
	case SIM_CONST:
		p->cval = w;
		p->cval.quality = IEDD_Q_GOOD;
		break;
	case SIM_CLOCK:
		if (want == IEDD_KIND_FLOAT) {
			if (w.v.f < 0 || w.v.f > 1.8e10)
				return value_err(err, errlen, -ERANGE,
					       "clock: %g s is outside 0 .. 1.8e10", w.v.f);
			s->fake_ns = (uint64_t)llround(w.v.f * 1e9);
		} else {
			s->fake_ns = w.v.u;
		}
		fake_travels(s, s->fake_ns);
		break;
	case SIM_SINE:
		p->offset = w.v.f;
		break;
	case SIM_RAMP: {
		double level = fmin(fmax(w.v.f, p->min), p->max);
		double f = (level - p->min) / (p->max - p->min) - t / p->period;
		p->ramp_shift = f - floor(f);
		break;
	}
	case SIM_WALK:
		walk_advance(p, steps(t, p->period));
		p->walk_level = fmin(fmax(w.v.f, p->min), p->max);
		break;
	case SIM_SQUARE:
		p->sq_override = true;
		p->sq_edge = (int64_t)steps(2 * t, p->period);
		p->sq_value = w.v.f;
		break;
	case SIM_COUNTER: {
		uint64_t n = steps(t, p->period);
		if (want == IEDD_KIND_FLOAT)
			p->start = w.v.f - p->step * (double)n;
		else
			p->istart = (int64_t)((uint64_t)w.v.i - (uint64_t)p->istep * n);
		break;
	}
	case SIM_HOLD:
		return hold_write(s, p, &w, err, errlen);
	}
	return 0;
}

static int sim_write(void *ctx, void *point, const struct iedd_value *value, char *err,
		     size_t errlen)
{
	struct sim *s = ctx;
	pthread_mutex_lock(&s->lock);
	int rc = sim_write_locked(s, point, value, err, errlen);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* IEDD_SOURCE_CHECK: a simulator touches nothing outside the process, so
 * iedd --check may open it as it is. IEDD_SOURCE_HOST_CLOCK: its time is
 * iedd's (a test's fake clock moves every profile). */
IEDD_SOURCE_DEFINE(.name = "sim", .version = "0.1.0",
		   .flags = IEDD_SOURCE_CHECK | IEDD_SOURCE_HOST_CLOCK, .open = sim_open,
		   .close = sim_close, .resolve = sim_resolve, .read = sim_read,
		   .write = sim_write);
