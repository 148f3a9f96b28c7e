/* SPDX-License-Identifier: Apache-2.0 */
/* iedc control: one command on a controllable data object (IEC 61850-7-2
 * §20, mapped per IEC 61850-8-1 §20). iedc reads the object's ctlModel
 * (CF) and runs the sequence it asks for: nothing for status-only, Oper for
 * direct control, a Read of SBO or a Write of SBOw first for select before
 * operate, and for enhanced security the wait for CommandTermination. The
 * Oper, SBOw and Cancel structures are built from the server's own type
 * description (GetVariableAccessAttributes), by component name. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "iedc.h"
#include "mms_control.h"
#include "mms_report.h"
#include "objref.h"

#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)
#define REF_MAX (MMS_MAX_DOMAIN + MMS_MAX_ITEM + 16)
#define MAX_STEPS 4

/* snprintf for text that may be cut short (a message, a name checked
 * elsewhere): truncation is intended, not a warning. */
static void textf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void textf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

/* ---- arguments ---- */

/* LD/LN.DO[.SDO...][.Oper] or LD/LN$CO$DO[$SDO...][$Oper] into ld, ln and
 * the data object's path below the LN as MMS names ("Pos", "SetTurOp$actSt"). */
static int ref_parse(const char *ref, struct control_opts *o, char *why, size_t n)
{
	struct objref r;
	struct proto_err err = { 0 };

	if (objref_parse(ref, &r, &err)) {
		snprintf(why, n, "%s: %s", ref, err.reason);
		return -EINVAL;
	}
	if (r.indexed || (r.fc != FC_NONE && r.fc != FC_CO) || !r.path[0]) {
		snprintf(why, n, "%s: not a data object LD/LN.DO (e.g. IEDD1BAY/XSWI1.Pos, or "
			 "LD/LN$CO$DO)", ref);
		return -EINVAL;
	}
	char path[MMS_MAX_ITEM + 1];
	snprintf(path, sizeof(path), "%s", r.path);
	/* the control's own variable after the DO names no data object */
	static const char *const tails[] = { "Oper", "SBOw", "SBO", "Cancel" };
	char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(tails) / sizeof(tails[0]); i++)
		if (!strcmp(dot + 1, tails[i])) {
			*dot = 0;
			break;
		}
	if (!strcmp(path, "Oper") || !strcmp(path, "SBOw") || !strcmp(path, "SBO") ||
	    !strcmp(path, "Cancel")) {
		snprintf(why, n, "%s: names no data object before %s", ref, path);
		return -EINVAL;
	}
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '$';
	/* the longest name sent: LN$CF$DO$ctlModel or LN$CO$DO$Cancel */
	if (strlen(r.ln) + strlen(path) + strlen("$CF$$ctlModel") > MMS_MAX_ITEM) {
		snprintf(why, n, "%s: the MMS names of this data object would be longer than %d "
			 "characters", ref, MMS_MAX_ITEM);
		return -EINVAL;
	}
	snprintf(o->ld, sizeof(o->ld), "%s", r.ld);
	snprintf(o->ln, sizeof(o->ln), "%s", r.ln);
	snprintf(o->dopath, sizeof(o->dopath), "%s", path);
	return 0;
}

/* "2026-11-24T10:00:00[.fff]Z" into seconds and milliseconds since 1970. */
static int iso_parse(const char *s, int64_t *secs, uint32_t *ms)
{
	struct tm tm = { 0 };
	int len = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &len) != 6 || len != 19)
		return -EINVAL;
	const char *p = s + len;
	uint32_t f = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				f = f * 10 + (uint32_t)(*p - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 3; digits++)
			f *= 10;
	}
	if (strcmp(p, "Z") || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || (int64_t)t > UINT32_MAX)
		return -EINVAL;
	*secs = t;
	*ms = f;
	return 0;
}

int control_args_check(struct control_opts *o, char *why, size_t n)
{
	if (ref_parse(o->ref, o, why, n))
		return IEDC_USAGE;
	if (o->orcat_text) {
		char *end;
		errno = 0;
		long v = strtol(o->orcat_text, &end, 10);
		o->or_cat = -1;
		if (*o->orcat_text && !*end && !errno && v >= INT32_MIN && v <= INT32_MAX) {
			o->or_cat = (int32_t)v;
		} else {
			for (int i = 0; mms_or_cat_name(i); i++)
				if (!strcmp(o->orcat_text, mms_or_cat_name(i)))
					o->or_cat = i;
			if (o->or_cat < 0) {
				snprintf(why, n, "--orcat '%s': expected a number or one of "
					 "not-supported, bay-control, station-control, remote-control, "
					 "automatic-bay, automatic-station, automatic-remote, "
					 "maintenance, process", o->orcat_text);
				return IEDC_USAGE;
			}
		}
	}
	if (o->orident && strlen(o->orident) > 64) {
		snprintf(why, n, "--orident: at most 64 octets (orIdent is an OCTET STRING(64))");
		return IEDC_USAGE;
	}
	if (o->check_text) {
		char list[64];
		if (strlen(o->check_text) >= sizeof(list)) {
			snprintf(why, n, "--check '%s': expected interlock, synchro or both", o->check_text);
			return IEDC_USAGE;
		}
		snprintf(list, sizeof(list), "%s", o->check_text);
		o->check = 0;
		for (char *save, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			/* IEC 61850-8-1 §20: Check bit 0 synchrocheck, bit 1 interlock-check */
			if (!strcmp(w, "synchro") || !strcmp(w, "synchrocheck"))
				o->check |= 1;
			else if (!strcmp(w, "interlock") || !strcmp(w, "interlock-check"))
				o->check |= 2;
			else {
				snprintf(why, n, "--check: '%s' is neither interlock nor synchro", w);
				return IEDC_USAGE;
			}
		}
	}
	if (o->at) {
		int64_t s;
		uint32_t ms;
		char *end;
		if (o->at[0] == '+') {
			errno = 0;
			unsigned long long v = strtoull(o->at + 1, &end, 10);
			if (!o->at[1] || *end || o->at[1] == '-' || errno || v > 86400000ULL * 366) {
				snprintf(why, n, "--at '%s': expected +MS (milliseconds from now) or a "
					 "UTC time 2026-11-24T10:00:00.000Z", o->at);
				return IEDC_USAGE;
			}
		} else if (iso_parse(o->at, &s, &ms)) {
			snprintf(why, n, "--at '%s': expected a UTC time 2026-11-24T10:00:00.000Z or "
				 "+MS (milliseconds from now)", o->at);
			return IEDC_USAGE;
		}
		if (o->select_only || o->cancel) {
			snprintf(why, n, "--at: the operate time of an operate (not with --select or "
				 "--cancel)");
			return IEDC_USAGE;
		}
	}
	return IEDC_OK;
}

/* ---- the run ---- */

enum step_result { STEP_OK, STEP_REFUSED, STEP_TIMEOUT, STEP_ERROR };

struct step {
	const char *name;		/* select, operate, cancel, termination */
	char var[REF_MAX];		/* LD/LN$CO$DO$Oper ... */
	int result;			/* enum step_result */
	int dae;			/* a Write's DataAccessError, or -1 */
	char why[300];			/* refusal in words (other than AddCause and DAE) */
	bool has_lae;
	struct mms_last_appl_error lae;
	bool has_value;
	char value[130];		/* SBO read: the value */
};

struct ctl_run {
	const struct control_opts *o;
	bool json;
	char ref[REF_MAX];		/* LD/LN.DO.SDO */
	int ctl_model;
	uint8_t ctl_num;
	uint8_t or_ident[64];
	size_t or_ident_len;
	int32_t or_cat;
	struct ber_utctime t;		/* T: when iedc issued the command */
	struct step steps[MAX_STEPS];
	int n_steps;
	/* from the InformationReports, by c->on_unconfirmed */
	bool has_lae;
	struct mms_last_appl_error lae;
	int term;			/* 0, or MMS_CTL_TERMINATION_POS / _NEG */
	struct mms_last_appl_error term_lae;
	int bad;			/* IEDC_PROTOCOL after a malformed control report */
	char bad_msg[300];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct ber_utctime utc_of(int64_t secs, uint32_t ms)
{
	/* IEC 61850-8-1 §8.1.3.7: the fraction in 24 bits; TimeQuality: a
	 * computer clock, 10 bits of accuracy (about 1 ms), not claimed
	 * synchronised or leap-second aware */
	return (struct ber_utctime){
		.secs = (uint32_t)secs,
		.frac = (uint32_t)(((uint64_t)ms << 24) / 1000),
		.quality = 0x0a,
	};
}

static void item_of(const struct ctl_run *st, const char *fc, const char *var,
		    struct mms_objname *out)
{
	*out = (struct mms_objname){ .scope = MMS_SCOPE_DOMAIN };
	snprintf(out->domain, sizeof(out->domain), "%s", st->o->ld);
	textf(out->item, sizeof(out->item), "%s$%s$%s$%s", st->o->ln, fc, st->o->dopath, var);
}

static void on_report(struct client *c, const struct mms_pdu *p, void *ctx)
{
	struct ctl_run *st = ctx;
	struct mms_ctl_report rep;
	struct proto_err err = { 0 };
	const uint8_t *body;
	size_t len;

	int k = mms_unconfirmed_report(p, &body, &len, &err);
	if (k == 1)
		k = mms_ctl_report_decode(body, len, &rep, &err);
	if (k < 0 && !st->bad) {
		st->bad = IEDC_PROTOCOL;
		textf(st->bad_msg, sizeof(st->bad_msg), "%s: bad InformationReport: %s",
			 c->peer, err.reason);
	}
	if (k != 1)
		return; /* a report of a data set, or another unconfirmed service */
	if (rep.kind == MMS_CTL_LAST_APPL_ERROR) {
		st->has_lae = true;
		st->lae = rep.lae;
		return;
	}
	struct mms_objname oper;
	item_of(st, "CO", "Oper", &oper);
	if (strcmp(rep.oper.domain, oper.domain) || strcmp(rep.oper.item, oper.item))
		return; /* another object's termination */
	st->term = rep.kind;
	if (rep.kind == MMS_CTL_TERMINATION_NEG)
		st->term_lae = rep.lae;
}

static struct step *step_begin(struct ctl_run *st, const char *name, const char *fc,
			       const char *var)
{
	struct step *s = &st->steps[st->n_steps++];
	*s = (struct step){ .name = name, .dae = -1 };
	struct mms_objname n;
	item_of(st, fc, var, &n);
	snprintf(s->var, sizeof(s->var), "%s/%s", n.domain, n.item);
	st->has_lae = false;
	return s;
}

static void or_ident_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			printable = false;
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k + 3 < cap; i++)
		k += (size_t)(printable ? snprintf(out + k, cap - k, "%c", p[i]) :
					  snprintf(out + k, cap - k, "%02x", p[i]));
}

/* "Blocked-by-Mode (AddCause 8), object-access-denied" and the like. */
static void refusal_text(const struct step *s, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	if (s->has_lae) {
		const char *w = mms_add_cause_name(s->lae.add_cause);
		k += (size_t)snprintf(out + k, n - k, "%s (AddCause %d)", w ? w : "AddCause unknown",
				      s->lae.add_cause);
	}
	if (s->dae >= 0 && k < n)
		k += (size_t)snprintf(out + k, n - k, "%s%s", k ? ", " : "", mms_dae_name(s->dae));
	if (s->why[0] && k < n)
		snprintf(out + k, n - k, "%s%s", k ? ", " : "", s->why);
}

static void print_step_text(const struct ctl_run *st, const struct step *s)
{
	char why[600];
	static const char *const words[] = { "ok", "refused", "timeout", "error" };

	refusal_text(s, why, sizeof(why));
	printf("%s %s: %s", s->name, st->ref, words[s->result]);
	if (s->result != STEP_OK && why[0])
		printf(": %s", why);
	if (s->has_lae) {
		char id[140];
		const char *e = iec_control_error_str(s->lae.error);
		const char *oc = mms_or_cat_name(s->lae.or_cat);
		or_ident_text(s->lae.or_ident, s->lae.or_ident_len, id, sizeof(id));
		printf("; LastApplError %s, Error %d (%s), origin %d%s%s%s%s, ctlNum %u",
		       s->lae.cntrl_obj, s->lae.error, e ? e : "unknown", s->lae.or_cat,
		       oc ? " " : "", oc ? oc : "", id[0] ? " " : "", id, s->lae.ctl_num);
		if (s->result == STEP_OK)
			printf(", AddCause %d", s->lae.add_cause);
	}
	printf("\n");
	fflush(stdout);
}

static void json_lae(const struct mms_last_appl_error *l)
{
	char id[140], hex[140];
	const char *w;
	fputs("{\"cntrlObj\":", stdout);
	json_str(stdout, l->cntrl_obj);
	printf(",\"error\":%d", l->error);
	if ((w = iec_control_error_str(l->error))) {
		fputs(",\"errorText\":", stdout);
		json_str(stdout, w);
	}
	printf(",\"orCat\":%d", l->or_cat);
	if ((w = mms_or_cat_name(l->or_cat))) {
		fputs(",\"orCatText\":", stdout);
		json_str(stdout, w);
	}
	or_ident_text(l->or_ident, l->or_ident_len, id, sizeof(id));
	hex[0] = 0;
	for (size_t i = 0; i < l->or_ident_len; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", l->or_ident[i]);
	fputs(",\"orIdent\":", stdout);
	json_str(stdout, id);
	fputs(",\"orIdentHex\":", stdout);
	json_str(stdout, hex);
	printf(",\"ctlNum\":%u,\"addCause\":%d", l->ctl_num, l->add_cause);
	if ((w = mms_add_cause_name(l->add_cause))) {
		fputs(",\"addCauseText\":", stdout);
		json_str(stdout, w);
	}
	fputs("}", stdout);
}

static void print_json(const struct ctl_run *st, struct client *c, int r)
{
	static const char *const words[] = { "ok", "refused", "timeout", "error" };
	const char *m = mms_ctl_model_name(st->ctl_model);

	fputs("{\"reference\":", stdout);
	json_str(stdout, st->ref);
	fputs(",\"domain\":", stdout);
	json_str(stdout, st->o->ld);
	if (st->ctl_model >= 0) {
		printf(",\"ctlModel\":%d", st->ctl_model);
		if (m) {
			fputs(",\"ctlModelName\":", stdout);
			json_str(stdout, m);
		}
	}
	printf(",\"ctlNum\":%u,\"steps\":[", st->ctl_num);
	for (int i = 0; i < st->n_steps; i++) {
		const struct step *s = &st->steps[i];
		char why[600];
		printf("%s{\"step\":\"%s\",\"variable\":", i ? "," : "", s->name);
		json_str(stdout, s->var);
		printf(",\"result\":\"%s\"", words[s->result]);
		if (s->has_value) {
			fputs(",\"value\":", stdout);
			json_str(stdout, s->value);
		}
		if (s->dae >= 0) {
			fputs(",\"dataAccessError\":", stdout);
			json_str(stdout, mms_dae_name(s->dae));
		}
		if (s->has_lae) {
			fputs(",\"lastApplError\":", stdout);
			json_lae(&s->lae);
		}
		refusal_text(s, why, sizeof(why));
		if (s->result != STEP_OK && why[0]) {
			fputs(",\"reason\":", stdout);
			json_str(stdout, why);
		}
		fputs("}", stdout);
	}
	static const char *const results[] = {
		[IEDC_OK] = "ok", [IEDC_USAGE] = "usage", [IEDC_CONNECT] = "error",
		[IEDC_REJECTED] = "error", [IEDC_PROTOCOL] = "error", [IEDC_TIMEOUT] = "timeout",
		[IEDC_SERVICE] = "refused",
	};
	printf("],\"result\":\"%s\"", r >= 0 && r <= IEDC_SERVICE && results[r] ? results[r] :
										 "error");
	if (r) {
		fputs(",\"error\":", stdout);
		json_str(stdout, c->errmsg);
		c->json_closed = true;
	}
	printf(",\"exitStatus\":%d}\n", r);
}

/* The ctlModel (CF) of the data object: 0..4, or a status with errmsg. */
static int read_ctl_model(struct client *c, struct ctl_run *st)
{
	struct mms_objname name;
	struct mms_access_result a;
	struct proto_err err = { 0 };
	struct ber_cur cur;
	struct ber_tlv t;
	char what[300];
	int64_t v;
	int r;

	item_of(st, "CF", "ctlModel", &name);
	snprintf(what, sizeof(what), "Read of %s/%s", name.domain, name.item);
	if ((r = svc_read_one(c, &name, what, &a)))
		return r;
	if (a.failure >= 0)
		return iedc_fail(c, IEDC_SERVICE, "%s: not a controllable data object (%s/%s: %s)",
				 st->ref, name.domain, name.item, mms_dae_name(a.failure));
	ber_cur_init(&cur, a.data, a.len);
	if (ber_next(&cur, &t, &err) ||
	    (!ber_is(&t, CTX, MMS_TYPE_INTEGER) && !ber_is(&t, CTX, MMS_TYPE_UNSIGNED)) ||
	    ber_get_int64(&t, &v, &err))
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s: ctlModel is not an integer", c->peer,
				 what);
	if (v < 0 || v > 4)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s: ctlModel %lld is none of 0..4", c->peer,
				 what, (long long)v);
	st->ctl_model = (int)v;
	return IEDC_OK;
}

/* ctlVal from VALUE, as ctlVal's type asks. */
static int put_ctl_val(struct client *c, struct ctl_run *st, struct buf *b,
		       const struct mms_typespec *t)
{
	const char *v = st->o->value;
	struct proto_err err = { 0 };
	char ts[64];
	int r;

	if (t->type == MMS_TYPE_STRUCTURE) {
		/* AnalogueValue (APC): i INT32 and/or f FLOAT32 */
		char *end;
		double d = strtod(v, &end);
		if (!*v || *end || !isfinite(d))
			return iedc_fail(c, IEDC_USAGE, "%s: ctlVal is an analogue value: '%s' is not a "
					 "number", st->ref, v);
		size_t m = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
		for (uint32_t i = 0; i < t->n; i++) {
			const struct mms_typespec *k = &t->comp[i];
			char text[64];
			if (k->name && !strcmp(k->name, "i")) {
				/* %.0f rounds to the nearest integer */
				snprintf(text, sizeof(text), "%.0f", d);
				if (strtod(text, NULL) != d && !mms_typespec_component(t, "f"))
					return iedc_fail(c, IEDC_USAGE, "%s: ctlVal is an integer "
							 "analogue value (i): '%s'", st->ref, v);
			} else if (k->name && !strcmp(k->name, "f")) {
				snprintf(text, sizeof(text), "%s", v);
			} else {
				return iedc_fail(c, IEDC_PROTOCOL, "%s: ctlVal has a component '%s' "
						 "(an AnalogueValue has i and f)", st->ref,
						 k->name ? k->name : "");
			}
			if ((r = mms_data_parse(b, k, text, &err)))
				return iedc_fail(c, r == -EINVAL ? IEDC_USAGE : IEDC_PROTOCOL,
						 "%s: ctlVal.%s is %s: %s", st->ref, k->name,
						 mms_typespec_str(k, ts, sizeof(ts)),
						 r == -EINVAL ? err.reason : "out of memory");
		}
		ber_end(b, m);
		return IEDC_OK;
	}
	const char *text = v;
	if (t->type == MMS_TYPE_BOOLEAN) {
		if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
			text = "true";
		else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
			text = "false";
		else
			return iedc_fail(c, IEDC_USAGE, "%s: ctlVal is a boolean: '%s' is none of "
					 "true, false, on, off, 1, 0", st->ref, v);
	} else if (t->type == MMS_TYPE_BIT_STRING && (t->size == 2 || t->size == -2)) {
		/* Tcmd (BSC, BAC), IEC 61850-7-3: stop 00, lower 01, higher 10 */
		if (!strcmp(v, "stop"))
			text = "00";
		else if (!strcmp(v, "lower"))
			text = "01";
		else if (!strcmp(v, "higher"))
			text = "10";
		else if (strcmp(v, "00") && strcmp(v, "01") && strcmp(v, "10") && strcmp(v, "11"))
			return iedc_fail(c, IEDC_USAGE, "%s: ctlVal is a step command: '%s' is none of "
					 "lower, higher, stop", st->ref, v);
	}
	r = mms_data_parse(b, t, text, &err);
	if (r == -EINVAL)
		return iedc_fail(c, IEDC_USAGE, "%s: ctlVal is %s: %s", st->ref,
				 mms_typespec_str(t, ts, sizeof(ts)), err.reason);
	if (r)
		return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
	return IEDC_OK;
}

static int put_int(struct client *c, struct ctl_run *st, struct buf *b,
		   const struct mms_typespec *t, const char *what, int64_t v)
{
	char text[32], ts[64];
	struct proto_err err = { 0 };
	snprintf(text, sizeof(text), "%lld", (long long)v);
	if (t->type != MMS_TYPE_INTEGER && t->type != MMS_TYPE_UNSIGNED)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s is %s, not an integer", st->ref, what,
				 mms_typespec_str(t, ts, sizeof(ts)));
	if (mms_data_parse(b, t, text, &err))
		return iedc_fail(c, IEDC_USAGE, "%s: %s is %s: %s", st->ref, what,
				 mms_typespec_str(t, ts, sizeof(ts)), err.reason);
	return IEDC_OK;
}

static int put_time(struct client *c, struct ctl_run *st, struct buf *b,
		    const struct mms_typespec *t, const char *what, const struct ber_utctime *v)
{
	char ts[64];
	if (t->type != MMS_TYPE_UTC_TIME)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s is %s, not a utc-time", st->ref, what,
				 mms_typespec_str(t, ts, sizeof(ts)));
	ber_put_utctime(b, CTX, MMS_TYPE_UTC_TIME, v);
	return IEDC_OK;
}

/* The Oper, SBOw or Cancel structure of type `t` (named `var` in messages). */
static int build(struct client *c, struct ctl_run *st, const struct mms_typespec *t,
		 const char *var, struct buf *b)
{
	char ts[64];
	int r;

	if (t->type != MMS_TYPE_STRUCTURE)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s is %s, not a structure", st->ref, var,
				 mms_typespec_str(t, ts, sizeof(ts)));
	if (!mms_typespec_component(t, "ctlVal"))
		return iedc_fail(c, IEDC_PROTOCOL, "%s: %s has no ctlVal", st->ref, var);
	if (st->o->at && !strcmp(var, "Oper") && !mms_typespec_component(t, "operTm"))
		return iedc_fail(c, IEDC_USAGE, "%s: --at: this Oper has no operTm (the object has "
				 "no time-activated operate)", st->ref);
	size_t m = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mms_typespec *k = &t->comp[i];
		const char *n = k->name ? k->name : "";
		if (!strcmp(n, "ctlVal")) {
			r = put_ctl_val(c, st, b, k);
		} else if (!strcmp(n, "operTm")) {
			/* IEC 61850-8-1 §20: operTm 0 (1970) is an operate at once */
			struct ber_utctime at = { 0 };
			if (st->o->at && st->o->at[0] == '+') {
				struct timeval tv;
				gettimeofday(&tv, NULL);
				int64_t ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 +
					     strtoll(st->o->at + 1, NULL, 10);
				at = utc_of(ms / 1000, (uint32_t)(ms % 1000));
			} else if (st->o->at) {
				int64_t s;
				uint32_t ms;
				iso_parse(st->o->at, &s, &ms); /* checked by control_args_check */
				at = utc_of(s, ms);
			}
			r = put_time(c, st, b, k, "operTm", &at);
		} else if (!strcmp(n, "origin")) {
			const struct mms_typespec *oc = mms_typespec_component(k, "orCat");
			const struct mms_typespec *oi = mms_typespec_component(k, "orIdent");
			if (k->type != MMS_TYPE_STRUCTURE || k->n != 2 || !oc || !oi || oc != &k->comp[0])
				return iedc_fail(c, IEDC_PROTOCOL, "%s: %s.origin is not "
						 "{orCat, orIdent}", st->ref, var);
			size_t om = ber_begin(b, CTXC, MMS_TYPE_STRUCTURE);
			if ((r = put_int(c, st, b, oc, "origin.orCat", st->or_cat)))
				return r;
			size_t max = (size_t)(oi->size < 0 ? -(int64_t)oi->size : oi->size);
			if (oi->type != MMS_TYPE_OCTET_STRING && oi->type != MMS_TYPE_VISIBLE_STRING)
				return iedc_fail(c, IEDC_PROTOCOL, "%s: origin.orIdent is %s", st->ref,
						 mms_typespec_str(oi, ts, sizeof(ts)));
			if (st->or_ident_len > max)
				return iedc_fail(c, IEDC_USAGE, "%s: origin.orIdent takes at most %zu "
						 "octets", st->ref, max);
			ber_put_raw(b, CTX, oi->type, st->or_ident, st->or_ident_len);
			ber_end(b, om);
			r = IEDC_OK;
		} else if (!strcmp(n, "ctlNum")) {
			r = put_int(c, st, b, k, "ctlNum", st->ctl_num);
		} else if (!strcmp(n, "T")) {
			r = put_time(c, st, b, k, "T", &st->t);
		} else if (!strcmp(n, "Test")) {
			if (k->type != MMS_TYPE_BOOLEAN)
				return iedc_fail(c, IEDC_PROTOCOL, "%s: Test is not a boolean", st->ref);
			ber_put_bool(b, CTX, MMS_TYPE_BOOLEAN, st->o->test);
			r = IEDC_OK;
		} else if (!strcmp(n, "Check")) {
			size_t nbits = (size_t)(k->size < 0 ? -(int64_t)k->size : k->size);
			if (k->type != MMS_TYPE_BIT_STRING || nbits < 2 || nbits > 8)
				return iedc_fail(c, IEDC_PROTOCOL, "%s: Check is %s, not a "
						 "bit-string(2)", st->ref, mms_typespec_str(k, ts, sizeof(ts)));
			uint8_t bits[1] = { 0 };
			if (st->o->check & 1)
				mms_set_bit(bits, 0); /* synchrocheck */
			if (st->o->check & 2)
				mms_set_bit(bits, 1); /* interlock-check */
			ber_put_bitstring(b, CTX, MMS_TYPE_BIT_STRING, bits, nbits);
			r = IEDC_OK;
		} else {
			return iedc_fail(c, IEDC_PROTOCOL, "%s: %s has a component '%s' that is none of "
					 "IEC 61850-8-1's (ctlVal, operTm, origin, ctlNum, T, Test, "
					 "Check)", st->ref, var, n);
		}
		if (r)
			return r;
	}
	ber_end(b, m);
	return b->err ? iedc_fail(c, IEDC_PROTOCOL, "out of memory") : IEDC_OK;
}

/* The type of LN$CO$DO$var; IEDC_SERVICE when the object has no such variable. */
static int co_type(struct client *c, struct ctl_run *st, const char *var,
		   struct mms_typespec **type)
{
	struct mms_objname name;
	char ref[REF_MAX];
	item_of(st, "CO", var, &name);
	snprintf(ref, sizeof(ref), "%s/%s", name.domain, name.item);
	int r = svc_type(c, &name, ref, type);
	if (r == IEDC_SERVICE) {
		char msg[sizeof(c->errmsg)];
		memcpy(msg, c->errmsg, sizeof(msg));
		textf(c->errmsg, sizeof(c->errmsg), "%s: %s (ctlModel %d) but no %s: %s", st->ref,
			 mms_ctl_model_name(st->ctl_model), st->ctl_model, var, msg);
	}
	return r;
}

/* Ends step s: prints it and, for a refusal, sets errmsg. Returns r. */
static int step_end(struct client *c, struct ctl_run *st, struct step *s, int result, int r)
{
	s->result = result;
	if (st->has_lae && !s->has_lae) {
		s->has_lae = true;
		s->lae = st->lae;
	}
	st->has_lae = false;
	if ((result == STEP_ERROR || result == STEP_TIMEOUT) && !s->why[0])
		textf(s->why, sizeof(s->why), "%s", c->errmsg);
	if (!st->json)
		print_step_text(st, s);
	if (result == STEP_REFUSED) {
		char why[600];
		refusal_text(s, why, sizeof(why));
		textf(c->errmsg, sizeof(c->errmsg), "%s: %s refused%s%s", st->ref, s->name,
			 why[0] ? ": " : "", why);
	}
	return r;
}

/* Writes the structure `var` (Oper, SBOw, Cancel) as step `name`. */
static int write_step(struct client *c, struct ctl_run *st, const char *name, const char *var,
		      const struct mms_typespec *type)
{
	struct mms_objname obj;
	struct buf pdu, data;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	char what[300];
	int res[2];
	size_t n;
	int r;

	buf_init(&pdu, ISO_HEADROOM, 0);
	buf_init(&data, 0, 0);
	if ((r = build(c, st, type, var, &data)))
		goto out;
	struct step *s = step_begin(st, name, "CO", var);
	item_of(st, "CO", var, &obj);
	snprintf(what, sizeof(what), "Write of %s", s->var);
	uint32_t id = c->next_invoke++;
	mms_client_write_req(&pdu, id, &obj, buf_data(&data), data.len);
	r = client_call(c, &pdu, id, MMS_SVC_WRITE, what, &p);
	if (r == IEDC_SERVICE) {
		/* a confirmed-error or Reject instead of a Write response */
		textf(s->why, sizeof(s->why), "%s", c->errmsg);
		r = step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE);
		goto out;
	}
	if (!r && (mms_client_write_decode(p.body, p.body_len, res, 2, &n, &err) || n != 1))
		r = iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
			      err.layer ? err.reason : "not one result for one variable");
	if (!r && st->bad)
		r = iedc_fail(c, st->bad, "%s", st->bad_msg);
	if (r) {
		step_end(c, st, s, r == IEDC_TIMEOUT ? STEP_TIMEOUT : STEP_ERROR, r);
		goto out;
	}
	s->dae = res[0];
	r = res[0] >= 0 ? step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE) :
			  step_end(c, st, s, STEP_OK, IEDC_OK);
out:
	buf_clear(&pdu);
	buf_clear(&data);
	return r;
}

/* Select for sbo-with-normal-security: Read of SBO (IEC 61850-8-1 §20.3:
 * the object reference on success, "" on failure). */
static int read_sbo(struct client *c, struct ctl_run *st)
{
	struct mms_objname obj;
	struct mms_access_result a;
	struct proto_err err = { 0 };
	struct ber_cur cur;
	struct ber_tlv t;
	char what[300];
	int r;

	struct step *s = step_begin(st, "select", "CO", "SBO");
	item_of(st, "CO", "SBO", &obj);
	snprintf(what, sizeof(what), "Read of %s", s->var);
	r = svc_read_one(c, &obj, what, &a);
	if (r == IEDC_SERVICE) {
		textf(s->why, sizeof(s->why), "%s", c->errmsg);
		return step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE);
	}
	if (!r && st->bad)
		r = iedc_fail(c, st->bad, "%s", st->bad_msg);
	if (r)
		return step_end(c, st, s, r == IEDC_TIMEOUT ? STEP_TIMEOUT : STEP_ERROR, r);
	if (a.failure >= 0) {
		s->dae = a.failure;
		return step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE);
	}
	ber_cur_init(&cur, a.data, a.len);
	if (ber_next(&cur, &t, &err) || !ber_is(&t, CTX, MMS_TYPE_VISIBLE_STRING) ||
	    ber_get_visible(&t, s->value, sizeof(s->value), &err)) {
		iedc_fail(c, IEDC_PROTOCOL, "%s: %s: SBO is not a visible-string of at most %zu "
			  "characters", c->peer, what, sizeof(s->value) - 1);
		return step_end(c, st, s, STEP_ERROR, IEDC_PROTOCOL);
	}
	s->has_value = true;
	if (!s->value[0]) {
		if (!st->has_lae)
			snprintf(s->why, sizeof(s->why), "SBO read empty (select failed)");
		return step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE);
	}
	return step_end(c, st, s, STEP_OK, IEDC_OK);
}

/* Enhanced security: CommandTermination within the termination timeout. */
static int wait_termination(struct client *c, struct ctl_run *st)
{
	struct step *s = step_begin(st, "termination", "CO", "Oper");
	int64_t deadline = mono_ms() + st->o->term_timeout;
	int r = IEDC_OK;

	while (!st->term && !st->bad) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			r = IEDC_TIMEOUT;
			break;
		}
		if ((r = client_wait_unconfirmed_for(c, (int)left)))
			break;
	}
	if (st->bad)
		r = iedc_fail(c, st->bad, "%s", st->bad_msg);
	if (r == IEDC_TIMEOUT) {
		snprintf(s->why, sizeof(s->why), "no CommandTermination within %d ms",
			 st->o->term_timeout);
		iedc_fail(c, IEDC_TIMEOUT, "%s: no CommandTermination within %d ms", st->ref,
			  st->o->term_timeout);
		return step_end(c, st, s, STEP_TIMEOUT, r);
	}
	if (r)
		return step_end(c, st, s, STEP_ERROR, r);
	if (st->term == MMS_CTL_TERMINATION_NEG) {
		s->has_lae = true;
		s->lae = st->term_lae;
		return step_end(c, st, s, STEP_REFUSED, IEDC_SERVICE);
	}
	return step_end(c, st, s, STEP_OK, IEDC_OK);
}

static int run(struct client *c, struct ctl_run *st)
{
	const struct control_opts *o = st->o;
	struct mms_typespec *type = NULL;
	int r;

	if ((r = read_ctl_model(c, st)))
		return r;
	int cm = st->ctl_model;
	const char *model = mms_ctl_model_name(cm);
	/* IEC 61850-7-2 §20.2: a status-only object takes no command */
	if (cm == 0)
		return iedc_fail(c, IEDC_SERVICE, "%s: status-only (ctlModel 0): the object takes "
				 "no commands; nothing was sent", st->ref);
	bool sbo = cm == 2 || cm == 4;
	if (o->select_only && !sbo)
		return iedc_fail(c, IEDC_SERVICE, "%s: %s (ctlModel %d) has no select; nothing was "
				 "sent", st->ref, model, cm);
	/* --select: the select alone, or before --cancel; --cancel alone: Cancel alone */
	if (sbo && (!o->cancel || o->select_only)) {
		if (cm == 2) {
			r = read_sbo(c, st);
		} else {
			if ((r = co_type(c, st, "SBOw", &type)))
				return r;
			r = write_step(c, st, "select", "SBOw", type);
			mms_typespec_free(type);
			type = NULL;
		}
		if (r || (o->select_only && !o->cancel))
			return r;
	}
	const char *var = o->cancel ? "Cancel" : "Oper";
	if ((r = co_type(c, st, var, &type)))
		return r;
	r = write_step(c, st, o->cancel ? "cancel" : "operate", var, type);
	mms_typespec_free(type);
	if (r || o->cancel || (cm != 3 && cm != 4))
		return r;
	return wait_termination(c, st);
}

int cmd_control(struct client *c, bool json, const struct control_opts *o)
{
	struct ctl_run st = { .o = o, .json = json, .ctl_model = -1 };
	struct timeval tv;

	textf(st.ref, sizeof(st.ref), "%s/%s.%s", o->ld, o->ln, o->dopath);
	for (char *p = strchr(st.ref, '/'); p && *p; p++)
		if (*p == '$')
			*p = '.';
	gettimeofday(&tv, NULL);
	st.t = utc_of(tv.tv_sec, (uint32_t)(tv.tv_usec / 1000));
	/* one command per run: a ctlNum from the clock in milliseconds, so two
	 * runs in a row differ (unless a multiple of 256 ms apart) */
	st.ctl_num = (uint8_t)(((uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000) & 0xff);
	st.or_cat = o->orcat_text ? o->or_cat : 3; /* remote-control */
	if (o->orident) {
		st.or_ident_len = strlen(o->orident);
		memcpy(st.or_ident, o->orident, st.or_ident_len);
	} else {
		char host[256] = "";
		char id[sizeof(st.or_ident) + 1];
		gethostname(host, sizeof(host) - 1);
		snprintf(id, sizeof(id), "iedc@%s", host);
		st.or_ident_len = strlen(id);
		memcpy(st.or_ident, id, st.or_ident_len);
	}
	c->on_unconfirmed = on_report;
	c->on_unconfirmed_ctx = &st;
	int r = run(c, &st);
	c->on_unconfirmed = NULL;
	c->on_unconfirmed_ctx = NULL;
	if (json)
		print_json(&st, c, r);
	return r;
}
