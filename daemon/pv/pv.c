/* SPDX-License-Identifier: Apache-2.0 */
/* The process-variable runtime (pv.h): its clocks, binding the map to the
 * sources, start and end. Conversion and scans: pv_convert.c; blocking
 * sources' threads and the write hook: pv_thread.c (pv_priv.h). */
#include "pv_priv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "deadband.h"
#include "log.h"
#include "mms_codes.h"
#include "objref.h"
#include "plugin.h"
#include "update.h"

/* ---- the clocks ---- */

uint64_t pv_real_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t real_mono_ns(void *ctx)
{
	(void)ctx;
	return pv_real_ns(CLOCK_MONOTONIC);
}

static uint64_t real_utc_ns(void *ctx)
{
	(void)ctx;
	return pv_real_ns(CLOCK_REALTIME);
}

/* TimeQuality (IEC 61850-8-1 §8.1.3.7) of the system clock, from the
 * kernel's NTP state (adjtimex(2)): the kernel keeps UTC with leap seconds
 * applied, so LeapSecondsKnown is set; ClockNotSynchronized when the kernel
 * says STA_UNSYNC or TIME_ERROR (no NTP/PTP daemon disciplines it);
 * TimeAccuracy from the estimated error: n bits where 2^-n s >= esterror,
 * 31 (unspecified) when not synchronized. ClockFailure is never set: a
 * running CLOCK_REALTIME is not a failed clock. */
static uint8_t kernel_time_quality(void)
{
	struct timex tx = { .modes = 0 };
	int st = adjtimex(&tx);
	uint8_t tq = MODEL_TQ_LEAP_SECONDS_KNOWN;
	if (st < 0 || st == TIME_ERROR || (tx.status & STA_UNSYNC))
		return tq | MODEL_TQ_CLOCK_NOT_SYNCHRONIZED | MODEL_TQ_ACCURACY_UNSPECIFIED;
	double err_s = (double)tx.esterror / 1e6;
	unsigned n = 0;
	while (n < 24 && ldexp(1.0, -(int)(n + 1)) >= err_s)
		n++;
	return tq | (uint8_t)n;
}

const struct pv_clock pv_real_clock = { .mono_ns = real_mono_ns, .utc_ns = real_utc_ns };

uint64_t pv_now_utc_ns(const struct pv *pv)
{
	return pv->clock.utc_ns(pv->clock.ctx);
}

uint64_t pv_now_mono_ns(const struct pv *pv)
{
	return pv->clock.mono_ns(pv->clock.ctx);
}

uint8_t pv_clock_time_quality(const struct pv *pv)
{
	return pv->clock.quality ? pv->clock.quality(pv->clock.ctx) : kernel_time_quality();
}

/* host->mono_ns and host->utc_ns: the pv's clock, for any thread of the
 * plugin (IEDD_SOURCE_HOST_CLOCK). */
static uint64_t host_mono_ns(void *host_ctx)
{
	const struct pv_src *s = host_ctx;
	return pv_now_mono_ns(s->pv);
}

static uint64_t host_utc_ns(void *host_ctx)
{
	const struct pv_src *s = host_ctx;
	return pv_now_utc_ns(s->pv);
}

/* The SDK's levels are the logger's (source.h keeps its own names so that
 * a plugin needs nothing but that header). */
_Static_assert((int)IEDD_LOG_ERR == (int)LOGL_ERR && (int)IEDD_LOG_WARNING == (int)LOGL_WARNING &&
		       (int)IEDD_LOG_NOTICE == (int)LOGL_NOTICE &&
		       (int)IEDD_LOG_INFO == (int)LOGL_INFO && (int)IEDD_LOG_DEBUG == (int)LOGL_DEBUG,
	       "include/iedd/source.h IEDD_LOG_* equal daemon/log.h LOGL_*");

static void host_log(void *host_ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void host_log(void *host_ctx, int level, const char *fmt, ...)
{
	const struct pv_src *s = host_ctx;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (level < IEDD_LOG_ERR)
		level = IEDD_LOG_ERR;
	if (level > IEDD_LOG_DEBUG)
		level = IEDD_LOG_DEBUG;
	log_msg((enum log_level)level, LOGC_PV, "source '%s': %s", s->name, buf);
}

void pv_wake(struct pv *pv)
{
	uint64_t one = 1;
	(void)!write(pv->wake_fd, &one, sizeof(one));
}

/* Appends to a source's queue under its lock; false when full. */
bool pv_enqueue_locked(struct pv_src *s, uint32_t row, const struct iedd_value *v)
{
	if (s->qlen == s->qcap) {
		s->dropped++;
		return false;
	}
	struct pv_msg *m = &s->q[(s->qhead + s->qlen) % s->qcap];
	m->row = row;
	m->v = *v;
	s->qlen++;
	return true;
}

static int cmp_point(const void *a, const void *b)
{
	const struct point_ix *x = a, *y = b;
	return x->point < y->point ? -1 : x->point > y->point ? 1 : (int)x->row - (int)y->row;
}

/* host->push: any thread of the plugin. */
static int host_push(void *host_ctx, void *point, const struct iedd_value *value)
{
	struct pv_src *s = host_ctx;
	struct iedd_value v = *value;
	if (v.kind > IEDD_KIND_STRING) {
		v.kind = IEDD_KIND_NONE;
		v.quality = IEDD_Q_INVALID | IEDD_Q_INCONSISTENT;
	} else if (v.kind == IEDD_KIND_STRING) {
		v.v.s[IEDD_STRING_MAX - 1] = 0;
	}
	/* under the lock: a reload may give the source another pv and map */
	pthread_mutex_lock(&s->mu);
	size_t lo = 0, hi = s->n_points;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)s->by_point[mid].point < (uintptr_t)point)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->n_points || s->by_point[lo].point != point) {
		pthread_mutex_unlock(&s->mu);
		return -ENOENT;
	}
	if (!v.time_ns)
		v.time_ns = pv_now_utc_ns(s->pv);
	int rc = 0;
	for (size_t i = lo; i < s->n_points && s->by_point[i].point == point; i++)
		if (!pv_enqueue_locked(s, s->by_point[i].row, &v))
			rc = -EAGAIN;
	pv_wake(s->pv);
	pthread_mutex_unlock(&s->mu);
	return rc;
}


/* ---- binding ---- */

static uint8_t iedd_kind_of(uint8_t vkind)
{
	switch (vkind) {
	case MODEL_V_BOOL: return IEDD_KIND_BOOL;
	case MODEL_V_INT: return IEDD_KIND_INT;
	case MODEL_V_UINT: return IEDD_KIND_UINT;
	case MODEL_V_FLOAT: return IEDD_KIND_FLOAT;
	case MODEL_V_STRING: return IEDD_KIND_STRING;
	default: return IEDD_KIND_NONE;
	}
}

/* Resolves "<prefix><suffix>" to a basic attribute of type bt(s). */
static bool find_attr(const struct model *m, const char *prefix, size_t plen, const char *suffix,
		      const char *fc, const struct mtype **t, uint32_t *voff)
{
	char ref[MAP_REF_MAX + 64];
	struct mref r;
	if ((size_t)snprintf(ref, sizeof(ref), "%.*s%s%s", (int)plen, prefix, suffix, fc) >=
	    sizeof(ref))
		return false;
	if (model_resolve_ref(m, ref, &r) || r.type->btype == MB_STRUCT ||
	    r.type->btype == MB_ARRAY)
		return false;
	*t = r.type;
	*voff = r.voff;
	return true;
}

/* IEC 61850-7-3 MV: DO.mag.{f,i} with DO.instMag, DO.db, DO.zeroDb and
 * DO.rangeC.{min,max}; CMV: DO.cVal.mag.{f,i} with DO.instCVal.mag. The
 * deadband applies when the row maps mag (or cVal.mag) and the DO has db. */
static void bind_deadband(const struct model *m, struct pv_row *r, const char *ref)
{
	const char *fc = strrchr(ref, '[');
	const char *suffixes[] = { ".cVal.mag.f", ".cVal.mag.i", ".mag.f", ".mag.i" };
	const char *inst_sfx[] = { ".instCVal.mag.f", ".instCVal.mag.i", ".instMag.f", ".instMag.i" };
	if (!fc || strcmp(fc, "[MX]"))
		return;
	size_t plen = (size_t)(fc - ref);
	for (size_t k = 0; k < 4; k++) {
		size_t sl = strlen(suffixes[k]);
		if (plen <= sl || strncmp(ref + plen - sl, suffixes[k], sl))
			continue;
		size_t dl = plen - sl; /* "LD/LN.DO" */
		const struct mtype *t;
		uint32_t voff;
		r->deadband = true;
		if (find_attr(m, ref, dl, inst_sfx[k], "[MX]", &t, &voff)) {
			r->has_inst = true;
			r->inst.type = t;
			r->inst.voff = voff;
		}
		if (find_attr(m, ref, dl, ".db", "[CF]", &t, &voff) && t->btype == MB_INT32U) {
			r->has_db = true;
			r->db_voff = voff;
		}
		if (find_attr(m, ref, dl, ".zeroDb", "[CF]", &t, &voff) && t->btype == MB_INT32U) {
			r->has_zdb = true;
			r->zdb_voff = voff;
		}
		r->has_range = (find_attr(m, ref, dl, ".rangeC.min.f", "[CF]", &r->min_t, &r->min_voff) ||
				find_attr(m, ref, dl, ".rangeC.min.i", "[CF]", &r->min_t, &r->min_voff)) &&
			       (find_attr(m, ref, dl, ".rangeC.max.f", "[CF]", &r->max_t, &r->max_voff) ||
				find_attr(m, ref, dl, ".rangeC.max.i", "[CF]", &r->max_t, &r->max_voff));
		if (!r->has_inst && !r->has_db && !r->has_zdb)
			r->deadband = false; /* a plain AnalogueValue, not an MV */
		return;
	}
}

static int cmp_row_voff(const void *a, const void *b, void *ctx)
{
	const struct pv_row *rows = ctx;
	uint32_t x = rows[*(const uint32_t *)a].attr.voff, y = rows[*(const uint32_t *)b].attr.voff;
	if (x != y)
		return x < y ? -1 : 1;
	uint32_t la = rows[*(const uint32_t *)a].line, lb = rows[*(const uint32_t *)b].line;
	return la < lb ? -1 : la > lb;
}

static struct pv_src *find_src(struct pv *pv, const char *name)
{
	for (size_t i = 0; i < pv->n_srcs; i++)
		if (!strcmp(pv->srcs[i]->name, name))
			return pv->srcs[i];
	return NULL;
}

/* A source's configuration as one string: plugin, thread flag and every
 * parameter in order (what must be equal for a reload to keep it). */
static char *source_sig(const struct pv_source_cfg *sc)
{
	size_t n = strlen(sc->plugin) + 4;
	for (size_t k = 0; k < sc->n_params; k++)
		n += strlen(sc->params[k].name) + strlen(sc->params[k].value) + 2;
	char *sig = malloc(n);
	if (!sig)
		return NULL;
	size_t w = (size_t)snprintf(sig, n, "%s%c%c", sc->plugin, 0, sc->force_thread ? 't' : '-');
	for (size_t k = 0; k < sc->n_params; k++)
		w += (size_t)snprintf(sig + w, n - w, "%c%s=%s", 0, sc->params[k].name,
				      sc->params[k].value);
	return sig;
}

static bool same_sig(const char *a, const struct pv_source_cfg *sc)
{
	char *b = source_sig(sc);
	if (!a || !b) {
		free(b);
		return false;
	}
	/* the strings hold NULs: compare up to the longer one's last field */
	size_t la = 0, lb = 0;
	for (int f = 0; f < 2 + (int)sc->n_params; f++) {
		la += strlen(a + la) + 1;
		lb += strlen(b + lb) + 1;
	}
	bool same = la == lb && !memcmp(a, b, la) && a[la - 1] == 0;
	free(b);
	return same;
}

/* The source of `old` that a reload may keep for `sc`: same name, same
 * configuration, opened (not a --check instance). */
static struct pv_src *adoptable(struct pv *old, const struct pv_source_cfg *sc)
{
	struct pv_src *o = old ? find_src(old, sc->name) : NULL;
	if (!o || o->pv != old || !o->inst || o->running)
		return NULL;
	return same_sig(o->sig, sc) ? o : NULL;
}

/* "iedd.xml:12: " for a source whose <source> line is known, else "". */
static void source_where(const struct pv_source_cfg *sc, char *out, size_t n)
{
	if (sc->file && sc->line)
		snprintf(out, n, "%s:%u: ", sc->file, sc->line);
	else
		out[0] = 0;
}

static int open_sources(struct pv *pv, const struct pv_cfg *cfg, char *err, size_t errlen)
{
	pv->srcs = calloc(cfg->n_sources ? cfg->n_sources : 1, sizeof(*pv->srcs));
	if (!pv->srcs)
		return pv_fail(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->n_sources; i++) {
		const struct pv_source_cfg *sc = &cfg->sources[i];
		char at[4200];
		source_where(sc, at, sizeof(at));
		if (find_src(pv, sc->name))
			return pv_fail(err, errlen, -EINVAL, "%ssource '%s' is configured twice",
				    at, sc->name);
		struct pv_src *s = cfg->check ? NULL : adoptable(cfg->adopt, sc);
		if (s) {
			/* unchanged by a reload: the open instance is shared until
			 * the new pv is complete (build_groups), then it is ours;
			 * s->pv stays the old pv until then */
			pv->srcs[pv->n_srcs++] = s;
			pv->n_adopted++;
			log_msg(LOGL_INFO, LOGC_PV, "source '%s': unchanged, kept open", s->name);
			continue;
		}
		struct plugin *p = NULL;
		char perr[2048];
		int rc;
		/* one load per instance: dlopen counts references to the same file */
		if ((rc = plugin_load(sc->plugin, cfg->plugindir, &p, perr, sizeof(perr))))
			return pv_fail(err, errlen, rc, "%ssource '%s': %s", at, sc->name, perr);
		s = calloc(1, sizeof(*s));
		char *sig = source_sig(sc);
		if (!s || !sig) {
			free(s);
			free(sig);
			plugin_unload(p);
			return pv_fail(err, errlen, -ENOMEM, "out of memory");
		}
		pv->srcs[pv->n_srcs] = s;
		s->pv = pv;
		s->sig = sig;
		snprintf(s->name, sizeof(s->name), "%s", sc->name);
		s->plugin = p;
		s->blocking = plugin_blocking(p) || sc->force_thread;
		pthread_mutex_init(&s->mu, NULL);
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cv, &ca);
		pthread_condattr_destroy(&ca);
		pv->n_srcs++;
		if (cfg->check && !plugin_checks(p)) {
			/* opening it might create or connect: a check touches nothing */
			log_msg(LOGL_WARNING, LOGC_PV,
				"%ssource '%s': plugin %s (%s) cannot be told to only check (no "
				"IEDD_SOURCE_CHECK: built against an older <iedd/source.h>), so "
				"--check does not open it: its parameters and map addresses are "
				"not checked",
				at, s->name, plugin_source(p)->name, plugin_path(p));
			continue;
		}
		struct iedd_host host = { .host_ctx = s, .push = host_push, .log = host_log,
					  .flags = cfg->check ? IEDD_HOST_CHECK : 0,
					  .mono_ns = host_mono_ns, .utc_ns = host_utc_ns };
		if ((rc = plugin_open(p, sc->params, sc->n_params, &host, &s->inst, perr, sizeof(perr))))
			return pv_fail(err, errlen, rc, "%ssource '%s': %s", at, sc->name, perr);
		log_msg(LOGL_INFO, LOGC_PV, "source '%s': plugin %s %s (%s)%s", s->name,
			plugin_source(p)->name, plugin_source(p)->version ? plugin_source(p)->version : "",
			plugin_path(p), s->blocking ? ", own thread" : ", on the event loop");
	}
	return 0;
}

static int make_classes(struct pv *pv, const struct pv_cfg *cfg, char *err, size_t errlen)
{
	pv->classes = calloc(cfg->n_scans + 1, sizeof(*pv->classes));
	if (!pv->classes)
		return pv_fail(err, errlen, -ENOMEM, "out of memory");
	for (size_t k = 0; k <= cfg->n_scans; k++) {
		pv->classes[k].pv = pv;
		timer_init(&pv->classes[k].timer, pv_on_scan_due, &pv->classes[k]);
	}
	snprintf(pv->classes[0].name, sizeof(pv->classes[0].name), "default");
	pv->classes[0].period_ms = cfg->default_period_ms ? cfg->default_period_ms : 1000;
	pv->n_classes = 1;
	for (size_t i = 0; i < cfg->n_scans; i++) {
		size_t k;
		for (k = 0; k < pv->n_classes; k++)
			if (!strcmp(pv->classes[k].name, cfg->scans[i].name))
				break;
		if (k == pv->n_classes)
			pv->n_classes++;
		snprintf(pv->classes[k].name, sizeof(pv->classes[k].name), "%s", cfg->scans[i].name);
		pv->classes[k].period_ms = cfg->scans[i].period_ms ? cfg->scans[i].period_ms : 1000;
	}
	return 0;
}

bool pv_ref_carried(const char *ref, uint8_t fc)
{
	/* "LD/LN.DO.DA[FC]": the path between the LN and the FC */
	const char *slash = strchr(ref, '/');
	const char *dot = slash ? strchr(slash, '.') : NULL;
	const char *br = strrchr(ref, '[');
	if (!dot || !br || br < dot)
		return false;
	return model_fc_carried(fc, dot + 1, (size_t)(br - dot - 1));
}

static int bind_row(struct pv *pv, const struct map *map, const struct map_row *mr,
		    struct pv_row *r, char *err, size_t errlen)
{
	const char *f = map->file;
	/* the reference's syntax first, so that a malformed one is said to be
	 * malformed (objref.h: the rules iedc applies too) */
	struct objref oref;
	struct proto_err rerr = { 0 };
	if (objref_parse(mr->ref, &oref, &rerr))
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: reference '%s': %s (an object reference is "
			    "LD/LN.DO.DA[FC])",
			    f, mr->line, mr->col[MAP_COL_REF], mr->ref, rerr.reason);
	int rc = model_attr_bind(pv->model, mr->ref, &r->attr);
	if (rc == -ENOENT || (rc && rc != -EINVAL))
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: reference '%s' names nothing in IED %s (check the LD name "
			    "(IED name + LD inst), LN, data object, attribute and FC; iedd "
			    "--print-map-template lists them)",
			    f, mr->line, mr->col[MAP_COL_REF], mr->ref, pv->model->ied_name);
	if (rc)
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: reference '%s' is not a basic attribute (map each leaf, "
			    "e.g. ...mag.f[MX])",
			    f, mr->line, mr->col[MAP_COL_REF], mr->ref);
	uint8_t vk = model_btype_vkind(r->attr.type->btype);
	if (vk == MODEL_V_NONE)
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: reference '%s' is of type %s, which no source value converts "
			    "to (map booleans, integers, Enum, Dbpos, floats or strings)",
			    f, mr->line, mr->col[MAP_COL_REF], mr->ref,
			    model_btype_name(r->attr.type->btype));
	if (mr->type[0] && strcasecmp(mr->type, model_btype_name(r->attr.type->btype)))
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: type '%s' but '%s' is %s in the model (fix the map or the "
			    "SCL file)",
			    f, mr->line, mr->col[MAP_COL_TYPE], mr->type, mr->ref,
			    model_btype_name(r->attr.type->btype));
	if (mr->scaled && vk != MODEL_V_INT && vk != MODEL_V_UINT && vk != MODEL_V_FLOAT)
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: scale/offset on '%s' of type %s: only numbers scale",
			    f, mr->line, mr->col[MAP_COL_SCALE] ? mr->col[MAP_COL_SCALE] : mr->col[MAP_COL_OFFSET],
			    mr->ref, model_btype_name(r->attr.type->btype));
	if ((mr->dir & MAP_DIR_W) && !pv_ref_carried(mr->ref, r->attr.fc)) {
		unsigned col = mr->col[MAP_COL_DIRECTION] ? mr->col[MAP_COL_DIRECTION] : 1;
		const char *dir = mr->dir & MAP_DIR_R ? "rw" : "w";
		const char *fcn = model_fc_name(r->attr.fc);
		if (r->attr.fc == FC_CO)
			return pv_fail(err, errlen, -EINVAL,
				    "%s:%u:%u: direction '%s' on '%s': of FC CO only Oper.ctlVal "
				    "carries a command to a source (map DO.Oper.ctlVal[CO] with w; "
				    "the rest of a control is the control service's)",
				    f, mr->line, col, dir, mr->ref);
		if (model_fc_write(r->attr.fc) == MODEL_FCW_SERVICE)
			return pv_fail(err, errlen, -EINVAL,
				    "%s:%u:%u: direction '%s' but FC %s belongs to a service (control "
				    "block attributes, setting groups), not to a source: use r, or "
				    "leave the row out",
				    f, mr->line, col, dir, fcn);
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: direction '%s' but FC %s cannot be written by a client "
			    "(IEC 61850-7-2: ST, MX, SG, SR, OR, EX never; use r)",
			    f, mr->line, col, dir, fcn);
	}
	r->src = find_src(pv, mr->source);
	if (!r->src)
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: source '%s' is not configured (add <source name=\"%s\" "
			    "plugin=\"...\"/> to <sources> in iedd.xml)",
			    f, mr->line, mr->col[MAP_COL_SOURCE], mr->source, mr->source);
	r->cls = UINT32_MAX;
	const char *cls = mr->scan[0] ? mr->scan : "default";
	for (size_t k = 0; k < pv->n_classes; k++)
		if (!strcmp(pv->classes[k].name, cls))
			r->cls = (uint32_t)k;
	if (r->cls == UINT32_MAX)
		return pv_fail(err, errlen, -EINVAL,
			    "%s:%u:%u: scan class '%s' is not defined (add <scanClass name=\"%s\" "
			    "period=\"MS\"/> to <map> in iedd.xml)",
			    f, mr->line, mr->col[MAP_COL_SCAN], mr->scan, mr->scan);
	r->scale = mr->scale;
	r->offset = mr->offset;
	r->scaled = mr->scaled;
	r->dir = mr->dir;
	r->line = mr->line;

	r->kind = iedd_kind_of(vk);
	/* a scaled integer attribute still exchanges integers with the
	 * source; the product is rounded when stored */
	if (!r->src->inst)
		return 0;	/* --check of a plugin that cannot be told (open_sources) */
	char perr[1024];
	rc = plugin_resolve(r->src->inst, mr->address, (enum iedd_kind)r->kind,
			    (mr->dir & MAP_DIR_W) != 0, &r->point, perr, sizeof(perr));
	if (rc)
		return pv_fail(err, errlen, rc, "%s:%u:%u: %s", f, mr->line, mr->col[MAP_COL_ADDRESS],
			    perr);
	bind_deadband(pv->model, r, mr->ref);
	r->ref = strdup(mr->ref);	/* last: a failed bind leaves nothing to free */
	if (!r->ref)
		return pv_fail(err, errlen, -ENOMEM, "out of memory");
	return 0;
}

/* A source's read groups, point index and queue, built apart so that a
 * source taken over from a running pv changes only once everything is
 * allocated (swap_groups). */
struct src_build {
	struct pv_group *groups;
	size_t n_groups;
	struct point_ix *by_point;
	size_t n_points;
	struct pv_msg *q;
	size_t qcap;
	struct pv_wmsg *wq;
	struct pv_wres *wr;
};

static void free_groups(struct pv_group *groups, size_t n)
{
	for (size_t g = 0; g < n; g++) {
		free(groups[g].rows);
		free(groups[g].batch);
	}
	free(groups);
}

static int build_src(struct pv *pv, struct pv_src *s, struct src_build *b)
{
	size_t n = 0;
	for (size_t i = 0; i < pv->n_rows; i++)
		n += pv->rows[i].src == s && (pv->rows[i].dir & MAP_DIR_R);
	b->groups = calloc(pv->n_classes, sizeof(*b->groups));
	b->by_point = calloc(n ? n : 1, sizeof(*b->by_point));
	size_t qcap = 2 * n < PV_QUEUE_MIN ? PV_QUEUE_MIN : 2 * n > PV_QUEUE_MAX ? PV_QUEUE_MAX : 2 * n;
	b->q = calloc(qcap, sizeof(*b->q));
	/* the write queues of a source kept open stay (pv_stop emptied them) */
	if (!s->wq) {
		b->wq = calloc(PV_WQUEUE, sizeof(*b->wq));
		b->wr = calloc(PV_WQUEUE, sizeof(*b->wr));
		if (!b->wq || !b->wr)
			return -ENOMEM;
	}
	if (!b->groups || !b->by_point || !b->q)
		return -ENOMEM;
	b->qcap = qcap;
	for (size_t c = 0; c < pv->n_classes; c++) {
		size_t gn = 0;
		for (size_t i = 0; i < pv->n_rows; i++)
			gn += pv->rows[i].src == s && pv->rows[i].cls == c &&
			      (pv->rows[i].dir & MAP_DIR_R);
		if (!gn)
			continue;
		struct pv_group *g = &b->groups[b->n_groups++];
		g->src = s;
		g->cls = (uint32_t)c;
		g->rows = calloc(gn, sizeof(*g->rows));
		g->batch = calloc(gn, sizeof(*g->batch));
		if (!g->rows || !g->batch)
			return -ENOMEM;
		for (size_t i = 0; i < pv->n_rows; i++) {
			struct pv_row *r = &pv->rows[i];
			if (r->src != s || r->cls != c || !(r->dir & MAP_DIR_R))
				continue;
			g->batch[g->n].point = r->point;
			g->rows[g->n++] = (uint32_t)i;
			b->by_point[b->n_points++] = (struct point_ix){ r->point, (uint32_t)i };
		}
	}
	qsort(b->by_point, b->n_points, sizeof(*b->by_point), cmp_point);
	return 0;
}

/* Puts the built parts into s (under its lock: a plugin may push from its
 * own thread meanwhile) and makes s this pv's; the parts it had before
 * (a kept source's, for the old map) go. Cannot fail. */
static void swap_groups(struct pv *pv, struct pv_src *s, struct src_build *b)
{
	struct src_build old = { .groups = s->groups, .n_groups = s->n_groups,
				 .by_point = s->by_point, .q = s->q };
	pthread_mutex_lock(&s->mu);
	s->groups = b->groups;
	s->n_groups = b->n_groups;
	s->by_point = b->by_point;
	s->n_points = b->n_points;
	s->q = b->q;
	s->qcap = b->qcap;
	s->qhead = s->qlen = 0;	/* rows of the old map (the caller drained it) */
	if (b->wq) {
		s->wq = b->wq;
		s->wr = b->wr;
	}
	s->pv = pv;
	pthread_mutex_unlock(&s->mu);
	free_groups(old.groups, old.n_groups);
	free(old.by_point);
	free(old.q);
	*b = (struct src_build){ 0 };
}

static int build_groups(struct pv *pv, char *err, size_t errlen)
{
	struct src_build *b = calloc(pv->n_srcs ? pv->n_srcs : 1, sizeof(*b));
	int rc = b ? 0 : -ENOMEM;
	for (size_t k = 0; !rc && k < pv->n_srcs; k++)
		rc = build_src(pv, pv->srcs[k], &b[k]);
	for (size_t k = 0; !rc && k < pv->n_srcs; k++)
		if (b[k].qcap > pv->drain_cap)
			pv->drain_cap = b[k].qcap;
	if (!rc) {
		pv->drain_buf = calloc(pv->drain_cap ? pv->drain_cap : 1, sizeof(*pv->drain_buf));
		rc = pv->drain_buf ? 0 : -ENOMEM;
	}
	if (rc) {
		for (size_t k = 0; b && k < pv->n_srcs; k++) {
			free_groups(b[k].groups, b[k].n_groups);
			free(b[k].by_point);
			free(b[k].q);
			free(b[k].wq);
			free(b[k].wr);
		}
		free(b);
		return pv_fail(err, errlen, -ENOMEM, "out of memory");
	}
	/* from here on nothing fails: the kept sources become ours */
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		swap_groups(pv, s, &b[k]);
		for (size_t g = 0; g < s->n_groups; g++)
			if (!s->blocking)
				pv->classes[s->groups[g].cls].on_loop = true;
	}
	free(b);
	return 0;
}

/* Whether the bound row's reference names its LD by the inst alone
 * ("BAY/..."), not by the LD name (IEC 61850-7-2 object reference, the
 * MMS domain name "IEDD1BAY/..."); then `fixed` gets the reference to
 * write instead. */
static bool inst_form(const struct model *m, const char *ref, char *fixed, size_t len)
{
	const char *slash = strchr(ref, '/');
	char ldname[65];
	struct mref r;
	if (!slash || (size_t)(slash - ref) >= sizeof(ldname))
		return false;
	memcpy(ldname, ref, (size_t)(slash - ref));
	ldname[slash - ref] = 0;
	if (model_find_ld(m, ldname) || model_resolve_ref(m, ref, &r))
		return false;
	snprintf(fixed, len, "%s%s", r.ld->name, slash);
	return true;
}

/* The map still takes LD-inst references (the form older templates
 * wrote), but says so: once per map file, at its first such row. */
static void warn_inst_form(const struct model *m, const struct map *map)
{
	char fixed[MAP_REF_MAX + 80];
	size_t n = 0, first = 0;
	for (size_t i = 0; i < map->n; i++)
		if (inst_form(m, map->rows[i].ref, fixed, sizeof(fixed)) && !n++)
			first = i;
	if (!n)
		return;
	const struct map_row *mr = &map->rows[first];
	inst_form(m, mr->ref, fixed, sizeof(fixed));
	log_msg(LOGL_WARNING, LOGC_PV,
		"%s:%u:%u: '%s' names its logical device by the LD inst (%zu row(s) of this file "
		"do): iedd takes it, but write the IEC 61850-7-2 object reference with the LD "
		"name, as iedc and --print-map-template spell it: '%s'",
		map->file, mr->line, mr->col[MAP_COL_REF], mr->ref, n, fixed);
}

int pv_new(struct model *m, const struct pv_cfg *cfg, struct pv **out, char *err, size_t errlen)
{
	*out = NULL;
	struct pv *pv = calloc(1, sizeof(*pv));
	if (!pv)
		return pv_fail(err, errlen, -ENOMEM, "out of memory");
	pv->model = m;
	pv->clock = cfg->clock ? *cfg->clock : pv_real_clock;
	if (!pv->clock.mono_ns)
		pv->clock.mono_ns = real_mono_ns;
	if (!pv->clock.utc_ns)
		pv->clock.utc_ns = real_utc_ns;
	pv->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rc;
	if (pv->wake_fd < 0) {
		rc = pv_fail(err, errlen, -errno, "eventfd: %s", strerror(errno));
		goto out;
	}
	if ((rc = make_classes(pv, cfg, err, errlen)) || (rc = open_sources(pv, cfg, err, errlen)))
		goto out;
	const struct map *map = cfg->map;
	if (map)
		snprintf(pv->map_file, sizeof(pv->map_file), "%s", map->file);
	if (map && map->n) {
		pv->rows = calloc(map->n, sizeof(*pv->rows));
		if (!pv->rows) {
			rc = pv_fail(err, errlen, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < map->n; i++) {
			if ((rc = bind_row(pv, map, &map->rows[i], &pv->rows[i], err, errlen)))
				goto out;
			pv->n_rows++;
		}
		warn_inst_form(m, map);
		/* duplicates: the same attribute twice (by value offset) */
		uint32_t *ix = malloc(pv->n_rows * sizeof(*ix));
		if (!ix) {
			rc = pv_fail(err, errlen, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < pv->n_rows; i++)
			ix[i] = (uint32_t)i;
		qsort_r(ix, pv->n_rows, sizeof(*ix), cmp_row_voff, pv->rows);
		for (size_t i = 1; i < pv->n_rows; i++)
			if (pv->rows[ix[i]].attr.voff == pv->rows[ix[i - 1]].attr.voff) {
				const struct map_row *mr = &map->rows[ix[i]];
				rc = pv_fail(err, errlen, -EINVAL,
					  "%s:%u:%u: '%s' is already mapped on line %u (map each "
					  "attribute once)",
					  map->file, mr->line, mr->col[MAP_COL_REF], mr->ref,
					  pv->rows[ix[i - 1]].line);
				free(ix);
				goto out;
			}
		/* the write hooks: rows with w, sorted by value offset */
		size_t nh = 0;
		pv->hook_voff = malloc(pv->n_rows * sizeof(uint32_t));
		pv->hook_id = malloc(pv->n_rows * sizeof(uint32_t));
		if (!pv->hook_voff || !pv->hook_id) {
			free(ix);
			rc = pv_fail(err, errlen, -ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < pv->n_rows; i++)
			if (pv->rows[ix[i]].dir & MAP_DIR_W) {
				pv->hook_voff[nh] = pv->rows[ix[i]].attr.voff;
				pv->hook_id[nh++] = ix[i];
			}
		free(ix);
		pv->hooks = (struct model_write_hooks){ .fn = pv_write_hook, .ctx = pv, .n = nh,
							.voff = pv->hook_voff, .id = pv->hook_id };
	}
	if ((rc = build_groups(pv, err, errlen)))
		goto out;
	struct pv *old = cfg->adopt;
	if (old && old->hooks_installed) {
		/* the new map's hooks replace the old one's (which may have none) */
		model_set_write_hooks(m, NULL);
		model_set_command_hook(m, NULL, NULL);
		old->hooks_installed = false;
	}
	if (old)
		pv->st = old->st;	/* counters go on across a reload */
	if (pv->hooks.n) {
		model_set_write_hooks(m, &pv->hooks);
		model_set_command_hook(m, pv_command_hook, pv);
		pv->hooks_installed = true;
	}
	*out = pv;
	return 0;
out:
	pv_free(pv);
	return rc;
}

void pv_free(struct pv *pv)
{
	if (!pv)
		return;
	pv_stop(pv);
	pv_scan_cancel(pv);
	if (pv->hooks_installed) {
		model_set_write_hooks(pv->model, NULL);
		model_set_command_hook(pv->model, NULL, NULL);
	}
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		/* a source another pv took over (or that this one had not
		 * taken yet when it failed) is that pv's */
		if (s->pv != pv)
			continue;
		plugin_close(s->inst);
		plugin_unload(s->plugin);
		free_groups(s->groups, s->n_groups);
		free(s->by_point);
		free(s->q);
		free(s->wq);
		free(s->wr);
		free(s->sig);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
	}
	if (pv->wake_fd >= 0)
		close(pv->wake_fd);
	free(pv->srcs);
	for (size_t i = 0; pv->rows && i < pv->n_rows; i++)
		free(pv->rows[i].ref);
	free(pv->rows);
	free(pv->classes);
	free(pv->drain_buf);
	free(pv->hook_voff);
	free(pv->hook_id);
	free(pv);
}

size_t pv_n_sources(const struct pv *pv)
{
	return pv ? pv->n_srcs : 0;
}

int pv_source_info(const struct pv *pv, size_t i, struct pv_source_info *out)
{
	if (!pv || i >= pv->n_srcs)
		return -ENOENT;
	struct pv_src *s = pv->srcs[i];
	memset(out, 0, sizeof(*out));
	out->name = s->name;
	out->plugin = s->plugin ? plugin_source(s->plugin)->name : "?";
	out->blocking = s->blocking;
	out->down = __atomic_load_n(&s->down, __ATOMIC_RELAXED);
	out->reads = __atomic_load_n(&s->reads, __ATOMIC_RELAXED);
	out->read_errors = __atomic_load_n(&s->read_errors, __ATOMIC_RELAXED);
	out->last_read_ns = __atomic_load_n(&s->last_read_ns, __ATOMIC_RELAXED);
	pthread_mutex_lock(&s->mu);
	out->dropped = s->dropped;
	out->queued = s->qlen;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

size_t pv_n_adopted(const struct pv *pv)
{
	return pv->n_adopted;
}

size_t pv_n_rows(const struct pv *pv)
{
	return pv->n_rows;
}

size_t pv_n_classes(const struct pv *pv)
{
	return pv->n_classes;
}

uint32_t pv_class_period_ms(const struct pv *pv, size_t cls)
{
	return pv->classes[cls].period_ms;
}

const char *pv_class_name(const struct pv *pv, size_t cls)
{
	return pv->classes[cls].name;
}

bool pv_class_on_loop(const struct pv *pv, size_t cls)
{
	return pv->classes[cls].on_loop;
}

int pv_wake_fd(const struct pv *pv)
{
	return pv->wake_fd;
}

void pv_get_stats(const struct pv *pv, struct pv_stats *st)
{
	*st = pv->st;
}
