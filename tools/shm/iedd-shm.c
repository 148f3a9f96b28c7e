/* SPDX-License-Identifier: Apache-2.0 */
/* iedd-shm: look at and write the shared-memory segment of iedd's shm
 * source (<iedd/shm.h>) from a shell: list, get, set, trigger. The manual
 * is doc/iedd-shm.1. Exit status: 0 success, 1 failure, 2 usage error,
 * 3 the segment or slot does not exist. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <iedd/shm.h>

#include "iedd_config.h"
#include "value.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NOT_FOUND = 3 };

static const char usage_text[] =
	"usage: iedd-shm [--segment /NAME] list\n"
	"       iedd-shm [--segment /NAME] get NAME|#INDEX\n"
	"       iedd-shm [--segment /NAME] set NAME|#INDEX VALUE [--kind KIND] [--quality Q]\n"
	"                [--time NS] [--trigger] [--create [--slots N] [--mode MODE]]\n"
	"       iedd-shm [--segment /NAME] trigger\n"
	"       iedd-shm --help | --version\n"
	"KIND: bool int uint float string (default: the slot's, which iedd sets from the\n"
	"mapped attribute; else guessed from VALUE)\n"
	"Q: good, invalid, questionable, optionally +detail (invalid+failure), or 0xNNNN\n"
	"set writes slots that exist (iedd creates those of its map at start); a name\n"
	"that is not there is refused with the close ones, unless --create is given:\n"
	"then a missing slot is created, and a missing segment (--slots, default 1024;\n"
	"--mode, default 0600).\n";

struct opts {
	const char *segment;
	const char *kind, *quality, *time, *slots, *mode;
	bool trigger, create;
	const char *pos[4];
	int n_pos;
};

static int usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fputs("iedd-shm: ", stderr);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Options anywhere (so "set x -5" keeps -5 as the value: only the long
 * options below and -h are options); "--" ends them. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
		{"--segment", offsetof(struct opts, segment)}, {"--kind", offsetof(struct opts, kind)},
		{"--quality", offsetof(struct opts, quality)}, {"--time", offsetof(struct opts, time)},
		{"--slots", offsetof(struct opts, slots)},     {"--mode", offsetof(struct opts, mode)},
	};
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!opts_done && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (!opts_done && !strcmp(a, "--version")) {
			printf("iedd-shm %s (segment layout %d)\n", IEDD_VERSION, IEDD_SHM_VERSION);
			return -1;
		}
		if (!opts_done && !strcmp(a, "--trigger")) {
			o->trigger = true;
			continue;
		}
		if (!opts_done && !strcmp(a, "--create")) {
			o->create = true;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1] == '-') {
			bool known = false;
			for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
				size_t n = strlen(valued[k].name);
				if (strncmp(a, valued[k].name, n) || (a[n] && a[n] != '='))
					continue;
				const char *v = a[n] == '=' ? a + n + 1 : NULL;
				if (!v) {
					if (i + 1 >= argc)
						return usage("%s needs a value", valued[k].name);
					v = argv[++i];
				}
				*(const char **)(void *)((char *)o + valued[k].off) = v;
				known = true;
				break;
			}
			if (!known)
				return usage("unknown option %s", a);
			continue;
		}
		if (o->n_pos == (int)(sizeof(o->pos) / sizeof(o->pos[0])))
			return usage("too many arguments (at %s)", a);
		o->pos[o->n_pos++] = a;
	}
	return 0;
}

static int attach(const struct opts *o, uint32_t create_slots, mode_t mode,
		  struct iedd_shm_map *m)
{
	char err[512];
	int rc = iedd_shm_attach(o->segment, create_slots, mode, m, err, sizeof(err));
	if (rc == -ENOENT && o->n_pos == 3) {
		fprintf(stderr, "iedd-shm: %s: iedd creates it (and the slots of its map) when it "
				"starts; --create makes it here\n",
			err);
		return EXIT_NOT_FOUND;
	}
	if (rc) {
		fprintf(stderr, "iedd-shm: %s\n", err);
		return rc == -ENOENT ? EXIT_NOT_FOUND : rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	return 0;
}

/* The slot an argument names ("#3" or a name); -ENOENT if there is none. */
static int slot_lookup(const struct iedd_shm_header *hdr, const char *arg)
{
	if (arg[0] == '#') {
		char *end;
		errno = 0;
		long i = strtol(arg + 1, &end, 10);
		if (arg[1] < '0' || arg[1] > '9' || *end || errno || i >= (long)hdr->slot_count)
			return -EINVAL;
		return (int)i;
	}
	return iedd_shm_slot_find(hdr, arg);
}

/* Levenshtein distance, for names of up to 63 octets. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la >= IEDD_SHM_NAME_MAX || lb >= IEDD_SHM_NAME_MAX)
		return SIZE_MAX;
	size_t row[IEDD_SHM_NAME_MAX];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A slot name the user probably meant: the same but for case, or at most
 * two edits away (one for short names). */
static bool close_name(const char *want, const char *have)
{
	if (!strcasecmp(want, have))
		return true;
	size_t d = edit_distance(want, have), lw = strlen(want);
	return d <= (lw <= 4 ? 1u : 2u);
}

/* set without --create on a name that is not there: say so, with the
 * closest names of the segment. */
static int no_such_slot(const struct iedd_shm_header *hdr, const char *segment, const char *name)
{
	enum { MAX_SHOWN = 5 };
	uint32_t used = __atomic_load_n(&hdr->used, __ATOMIC_ACQUIRE);
	if (used > hdr->slot_count)
		used = hdr->slot_count;
	char list[MAX_SHOWN * (IEDD_SHM_NAME_MAX + 4)] = "";
	size_t n = 0, len = 0;
	for (uint32_t i = 0; i < used && n < MAX_SHOWN; i++) {
		char slot[IEDD_SHM_NAME_MAX];
		snprintf(slot, sizeof(slot), "%.*s", IEDD_SHM_NAME_MAX - 1,
			 iedd_shm_slot_at(hdr, i)->name);
		if (!close_name(name, slot))
			continue;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", n ? ", " : "",
					slot);
		n++;
	}
	if (n)
		fprintf(stderr, "iedd-shm: no slot \"%s\" in segment %s; did you mean %s? "
				"(--create makes a new slot)\n",
			name, segment, list);
	else
		fprintf(stderr, "iedd-shm: no slot \"%s\" in segment %s (%u slots have names; "
				"iedd-shm list shows them): iedd creates the slots of its map "
				"when it starts; --create makes a new one\n",
			name, segment, used);
	return EXIT_NOT_FOUND;
}

static void format_time(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "-");
		return;
	}
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t k = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + k, len - k, ".%09" PRIu64 "Z", ns % 1000000000u);
}

/* For list: tabs, newlines and backslashes escaped so a line stays a line. */
static void print_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else
			putchar(*s);
	}
}

/* A slot iedd typed (the kind of its mapped attribute) that nobody wrote:
 * it has no value, only a kind. */
static bool never_written(const struct iedd_value *v, uint64_t changes)
{
	return !changes && (v->quality & IEDD_Q_VALIDITY_MASK) == IEDD_Q_INVALID;
}

static int cmd_list(const struct iedd_shm_map *m)
{
	const struct iedd_shm_header *hdr = m->hdr;
	uint32_t used = __atomic_load_n(&hdr->used, __ATOMIC_ACQUIRE);
	int rc = EXIT_OK;
	for (uint32_t i = 0; i < hdr->slot_count; i++) {
		const struct iedd_shm_slot *s = iedd_shm_slot_at(hdr, i);
		struct iedd_value v;
		uint64_t changes;
		if (i >= used && !__atomic_load_n(&s->changes, __ATOMIC_RELAXED))
			continue;	/* unnamed and never written by index */
		if (iedd_shm_read(s, &v, &changes, IEDD_SHM_TRIES)) {
			fprintf(stderr, "iedd-shm: slot #%u stays locked by a writer\n", i);
			rc = EXIT_FAIL;
			continue;
		}
		char val[IEDD_STRING_MAX + 32], q[160], t[64];
		if (never_written(&v, changes))
			snprintf(val, sizeof(val), "-");
		else
			value_format(&v, val, sizeof(val));
		value_quality_format(v.quality, q, sizeof(q));
		format_time(v.time_ns, t, sizeof(t));
		printf("%u\t", i);
		print_escaped(i < used ? s->name : "");
		printf("\t%s\t", value_kind_name(v.kind));
		print_escaped(val);
		printf("\t%s\t%s\t%" PRIu64 "\n", q, t, changes);
	}
	return rc;
}

static int cmd_get(const struct iedd_shm_map *m, const char *name)
{
	int i = slot_lookup(m->hdr, name);
	if (i == -EINVAL)
		return usage("%s: expected #INDEX within the segment's slots, or a slot name", name);
	if (i < 0) {
		fprintf(stderr, "iedd-shm: no slot \"%s\" in this segment (iedd-shm list shows them)\n",
			name);
		return EXIT_NOT_FOUND;
	}
	struct iedd_value v;
	uint64_t changes;
	if (iedd_shm_read(iedd_shm_slot_at(m->hdr, (uint32_t)i), &v, &changes, IEDD_SHM_TRIES)) {
		fprintf(stderr, "iedd-shm: slot \"%s\" stays locked by a writer\n", name);
		return EXIT_FAIL;
	}
	if (v.kind == IEDD_KIND_NONE || v.kind > IEDD_KIND_STRING || never_written(&v, changes)) {
		char q[160];
		value_quality_format(v.quality, q, sizeof(q));
		fprintf(stderr, "iedd-shm: slot \"%s\" has no value yet (%s%squality %s)\n", name,
			v.kind == IEDD_KIND_NONE ? "" : value_kind_name(v.kind),
			v.kind == IEDD_KIND_NONE ? "" : " slot, ", q);
		return EXIT_FAIL;
	}
	char val[IEDD_STRING_MAX + 32];
	value_format(&v, val, sizeof(val));
	puts(val);
	return EXIT_OK;
}

/* What set writes besides the value, checked before the segment is
 * touched so a usage error leaves no trace. */
struct set_args {
	enum iedd_kind kind;	/* IEDD_KIND_NONE: the slot's, else guessed */
	uint16_t quality;
	uint64_t time_ns;	/* 0: now */
	bool trigger;
};

static int set_args_parse(const struct opts *o, struct set_args *a)
{
	a->kind = IEDD_KIND_NONE;
	a->quality = IEDD_Q_GOOD;
	a->time_ns = 0;
	a->trigger = o->trigger;
	if (o->kind && (value_kind_parse(o->kind, &a->kind) || a->kind == IEDD_KIND_NONE))
		return usage("--kind %s: expected bool, int, uint, float or string", o->kind);
	if (o->quality && value_quality_parse(o->quality, &a->quality))
		return usage("--quality %s: expected good, invalid or questionable, optionally "
			     "with +detail (invalid+failure), or a number such as 0x4000",
			     o->quality);
	if (o->time) {
		char *end;
		errno = 0;
		unsigned long long ns = strtoull(o->time, &end, 10);
		if (!*o->time || *end || errno || o->time[0] == '-' || !ns)
			return usage("--time %s: expected UTC nanoseconds since 1970 (> 0)", o->time);
		a->time_ns = ns;
	}
	return 0;
}

static int cmd_set(const struct opts *o, const struct set_args *a, const struct iedd_shm_map *m,
		   const char *name, const char *text)
{
	struct iedd_shm_header *hdr = m->hdr;
	int i;
	if (name[0] == '#') {
		i = slot_lookup(hdr, name);
		if (i < 0)
			return usage("%s: expected #INDEX within the segment's slots, or a slot name",
				     name);
	} else {
		i = o->create ? iedd_shm_slot_create(hdr, name) : iedd_shm_slot_find(hdr, name);
		if (i == -ENOENT)
			return no_such_slot(hdr, o->segment, name);
		if (i == -EINVAL)
			return usage("\"%s\": a slot name has 1 to 63 octets and does not start with '#'",
				     name);
		if (i == -ENOSPC) {
			fprintf(stderr, "iedd-shm: segment %s is full (%u slots)\n", o->segment,
				hdr->slot_count);
			return EXIT_FAIL;
		}
		if (i < 0) {
			fprintf(stderr, "iedd-shm: segment %s: slot-creation lock held by pid %u\n",
				o->segment, __atomic_load_n(&hdr->lock, __ATOMIC_RELAXED));
			return EXIT_FAIL;
		}
	}
	struct iedd_shm_slot *slot = iedd_shm_slot_at(hdr, (uint32_t)i);

	enum iedd_kind kind = a->kind;
	if (kind == IEDD_KIND_NONE) {
		uint8_t k = __atomic_load_n(&slot->kind, __ATOMIC_RELAXED);
		if (k >= IEDD_KIND_BOOL && k <= IEDD_KIND_STRING)
			kind = (enum iedd_kind)k;
	}
	struct iedd_value v;
	memset(&v, 0, sizeof(v));
	int rc = kind == IEDD_KIND_NONE ? value_guess(text, &v) : value_parse(text, kind, &v);
	if (rc) {
		fprintf(stderr, "iedd-shm: \"%s\" is not a %s value%s%s\n", text,
			value_kind_name(kind), rc == -ERANGE ? " (out of range)" : "",
			a->kind != IEDD_KIND_NONE ? "" : " (the slot holds this kind; --kind changes it)");
		return EXIT_FAIL;
	}
	v.quality = a->quality;
	v.time_ns = a->time_ns;
	if (!v.time_ns) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		v.time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	if (iedd_shm_write(hdr, slot, &v, IEDD_SHM_TRIES)) {
		fprintf(stderr, "iedd-shm: slot \"%s\" stays locked by another writer\n", name);
		return EXIT_FAIL;
	}
	if (a->trigger)
		iedd_shm_trigger(hdr);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o = {.segment = IEDD_SHM_DEFAULT_SEGMENT};
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (o.n_pos == 0)
		return usage("no command", NULL);
	const char *cmd = o.pos[0];
	int want = !strcmp(cmd, "list") || !strcmp(cmd, "trigger") ? 1
		   : !strcmp(cmd, "get")				  ? 2
		   : !strcmp(cmd, "set")				  ? 3
								  : 0;
	if (!want)
		return usage("unknown command %s", cmd);
	if (o.n_pos != want)
		return usage("%s: wrong number of arguments", cmd);
	bool is_set = want == 3;
	if (!is_set && (o.kind || o.quality || o.time || o.slots || o.mode || o.trigger ||
			o.create))
		return usage("%s: --kind, --quality, --time, --trigger, --create, --slots and "
			     "--mode go with set",
			     cmd);
	if ((o.slots || o.mode) && !o.create)
		return usage("%s: --slots and --mode apply when --create creates the segment",
			     cmd);

	uint32_t slots = 0;
	mode_t mode = 0600;
	struct set_args sa;
	if (is_set) {
		if ((rc = set_args_parse(&o, &sa)))
			return rc;
		char *end;
		slots = o.create ? IEDD_SHM_DEFAULT_SLOTS : 0;
		if (o.slots) {
			errno = 0;
			unsigned long n = strtoul(o.slots, &end, 10);
			if (!*o.slots || *end || errno || o.slots[0] == '-' || !n ||
			    n > IEDD_SHM_MAX_SLOTS)
				return usage("--slots %s: expected 1 .. 1048576", o.slots);
			slots = (uint32_t)n;
		}
		if (o.mode) {
			errno = 0;
			unsigned long n = strtoul(o.mode, &end, 8);
			if (!*o.mode || *end || errno || o.mode[0] == '-' || n > 0777)
				return usage("--mode %s: expected an octal mode such as 0600 or 0660",
					     o.mode);
			mode = (mode_t)n;
		}
	}
	struct iedd_shm_map m;
	if ((rc = attach(&o, slots, mode, &m)))
		return rc;
	if (!strcmp(cmd, "list")) {
		rc = cmd_list(&m);
	} else if (!strcmp(cmd, "trigger")) {
		iedd_shm_trigger(m.hdr);
		rc = EXIT_OK;
	} else if (!strcmp(cmd, "get")) {
		rc = cmd_get(&m, o.pos[1]);
	} else {
		rc = cmd_set(&o, &sa, &m, o.pos[1], o.pos[2]);
	}
	iedd_shm_detach(&m);
	if (fflush(stdout) == EOF && rc == EXIT_OK) {
		perror("iedd-shm: stdout");
		rc = EXIT_FAIL;
	}
	return rc;
}
