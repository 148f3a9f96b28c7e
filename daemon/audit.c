/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail's sink (audit.h). */
#include "audit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DEFAULT_MAX_BYTES (10u << 20)
#define DEFAULT_KEEP 5u
#define DEFAULT_QUEUE 4096u
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* RFC 5424 PRI: facility authpriv (10), the audit facility of Linux hosts */
#define SYSLOG_FACILITY 10
/* A private enterprise number for the SD-ID is not registered: 32473 is
 * the one RFC 5612 reserves for documentation, as examples use it. */
#define SD_ID "iedd@32473"

static const char *const event_names[ACSI_AUDIT_N] = {
	[ACSI_AUDIT_ASSOC_ACCEPTED] = "association-accepted",
	[ACSI_AUDIT_ASSOC_ENDED] = "association-ended",
	[ACSI_AUDIT_ASSOC_REFUSED] = "association-refused",
	[ACSI_AUDIT_WRITE] = "write",
	[ACSI_AUDIT_CONTROL] = "control",
	[ACSI_AUDIT_DATASET] = "dataset",
	[ACSI_AUDIT_FILE] = "file",
	[ACSI_AUDIT_CONFIG] = "configuration",
	[ACSI_AUDIT_SERVICE] = "service",
	[ACSI_AUDIT_LOST] = "audit-records-lost",
	[ACSI_AUDIT_AUTHZ] = "authorization-failure",
};

const char *audit_event_name(enum acsi_audit_kind k)
{
	return (unsigned)k < ACSI_AUDIT_N ? event_names[k] : "?";
}

/* A record's text fields, with their names in each output: one table.
 * "old" and "new" are JSON already (mms_data_format): the JSON-lines
 * output puts them in as they are. */
enum { F_PEER, F_CLIENT, F_ROLES, F_SUBJECT, F_ACTION, F_REF, F_OLD, F_NEW, F_RESULT, F_DETAIL,
       F_N };
static const struct {
	const char *json, *journal;
	bool raw_json;
} fields[F_N] = {
	[F_PEER] = { "peer", "IEDD_PEER", false },
	[F_CLIENT] = { "client", "IEDD_CLIENT", false },
	[F_ROLES] = { "roles", "IEDD_ROLES", false },
	[F_SUBJECT] = { "subject", "IEDD_SUBJECT", false },
	[F_ACTION] = { "action", "IEDD_ACTION", false },
	[F_REF] = { "ref", "IEDD_REF", false },
	[F_OLD] = { "old", "IEDD_OLD", true },
	[F_NEW] = { "new", "IEDD_NEW", true },
	[F_RESULT] = { "result", "IEDD_RESULT", false },
	[F_DETAIL] = { "detail", "IEDD_DETAIL", false },
};

/* One queued record: its strings copied into one block. */
struct rec {
	enum acsi_audit_kind kind;
	bool ok;
	uint64_t duration_ms;
	int64_t sec;
	long usec;
	bool synced;
	char *f[F_N];		/* NULL: not given */
	char *block;
};

struct audit {
	struct audit_cfg cfg;
	char *file;
	int fd;			/* the JSON-lines file; -1: none */
	uint64_t size;
	int sys_fd, jrn_fd;	/* syslog and journald sockets; -1: none */
	struct sockaddr_storage sys_to;
	socklen_t sys_to_len;
	struct sockaddr_un jrn_to;
	char host[256];
	struct acsi_audit hook;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rec *q;		/* ring of cfg.queue */
	size_t head, len;
	uint64_t lost_pending;	/* dropped since the last "lost" record */
	bool stop;
	struct audit_stats st;
	bool failing[3];	/* file, syslog, journal: said once in the log */
};

/* ---- the loop's side ---- */

static char *put(char **at, const char *s)
{
	if (!s)
		return NULL;
	char *r = *at;
	size_t n = strlen(s) + 1;
	memcpy(r, s, n);
	*at += n;
	return r;
}

static bool clock_synced(void)
{
	struct timex tx = { 0 };
	int st = adjtimex(&tx);
	return st >= 0 && st != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static void free_rec(struct rec *r)
{
	free(r->block);
	r->block = NULL;
}

static void on_record(void *ctx, const struct acsi_audit_rec *in)
{
	struct audit *a = ctx;
	const char *s[F_N] = {
		[F_PEER] = in->peer, [F_CLIENT] = in->client, [F_ROLES] = in->roles,
		[F_SUBJECT] = in->subject, [F_ACTION] = in->action, [F_REF] = in->ref,
		[F_OLD] = in->old_val, [F_NEW] = in->new_val, [F_RESULT] = in->result,
		[F_DETAIL] = in->detail,
	};
	size_t n = 0;
	for (size_t i = 0; i < F_N; i++)
		n += s[i] ? strlen(s[i]) + 1 : 0;
	struct rec r = { .kind = in->kind, .ok = in->ok, .duration_ms = in->duration_ms };
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.sec = ts.tv_sec;
	r.usec = ts.tv_nsec / 1000;
	r.synced = clock_synced();
	r.block = malloc(n ? n : 1);
	if (!r.block) {
		pthread_mutex_lock(&a->mu);
		a->st.lost++;
		a->lost_pending++;
		pthread_mutex_unlock(&a->mu);
		return;
	}
	char *at = r.block;
	for (size_t i = 0; i < F_N; i++)
		r.f[i] = put(&at, s[i]);
	pthread_mutex_lock(&a->mu);
	a->st.recorded++;
	if (a->len == a->cfg.queue) {
		/* full: the oldest goes, and the writer says how many did */
		free_rec(&a->q[a->head]);
		a->head = (a->head + 1) % a->cfg.queue;
		a->len--;
		a->st.lost++;
		a->lost_pending++;
	}
	a->q[(a->head + a->len) % a->cfg.queue] = r;
	a->len++;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* ---- formatting (the writer's) ---- */

struct out {
	char *p;
	size_t len, cap;
	bool err;
};

static void oputn(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *p = realloc(o->p, cap);
		if (!p) {
			o->err = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void oputs(struct out *o, const char *s)
{
	oputn(o, s, strlen(s));
}

static void oprintf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void oprintf(struct out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		oputn(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A JSON string. */
static void ojson(struct out *o, const char *s)
{
	oputs(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[3] = { '\\', (char)c, 0 };
			oputs(o, e);
		} else if (c < 0x20) {
			oprintf(o, "\\u%04x", c);
		} else {
			oputn(o, (const char *)&c, 1);
		}
	}
	oputs(o, "\"");
}

/* A value with no line breaks (journald's simple field form). */
static void oflat(struct out *o, const char *s)
{
	for (; *s; s++)
		oputn(o, *s == '\n' || *s == '\r' ? " " : s, 1);
}

/* An RFC 5424 PARAM-VALUE: '"', '\' and ']' escaped. */
static void osd(struct out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			oputs(o, "\\");
		oputn(o, *s == '\n' ? " " : s, 1);
	}
}

static void time_str(const struct rec *r, char *out, size_t n)
{
	struct tm tm;
	time_t t = (time_t)r->sec;
	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, r->usec);
}

/* The human sentence of a record (syslog MSG, journald MESSAGE). */
static void sentence(struct out *o, const struct rec *r)
{
	oputs(o, audit_event_name(r->kind));
	static const struct { int f; const char *before, *after; } parts[] = {
		{ F_ACTION, " ", "" }, { F_REF, " ", "" }, { F_PEER, " by ", "" },
		{ F_CLIENT, " (client ", ")" }, { F_OLD, ": ", " ->" }, { F_NEW, " ", "" },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (r->f[parts[i].f]) {
			oputs(o, parts[i].f == F_NEW && !r->f[F_OLD] ? ": " : parts[i].before);
			oputs(o, r->f[parts[i].f]);
			oputs(o, parts[i].after);
		}
	oputs(o, r->ok ? ": " : ": refused: ");
	oputs(o, r->f[F_RESULT] ? r->f[F_RESULT] : r->ok ? "ok" : "?");
	if (r->f[F_DETAIL]) {
		oputs(o, " (");
		oputs(o, r->f[F_DETAIL]);
		oputs(o, ")");
	}
}

static void format_json(struct out *o, const struct rec *r)
{
	char t[100];
	time_str(r, t, sizeof(t));
	oprintf(o, "{\"time\":\"%s\",\"clockSynchronized\":%s,\"event\":\"%s\"", t,
		r->synced ? "true" : "false", audit_event_name(r->kind));
	for (size_t i = 0; i < F_N; i++)
		if (r->f[i]) {
			oprintf(o, ",\"%s\":", fields[i].json);
			if (fields[i].raw_json)
				oputs(o, r->f[i]);
			else
				ojson(o, r->f[i]);
		}
	oprintf(o, ",\"ok\":%s", r->ok ? "true" : "false");
	if (r->kind == ACSI_AUDIT_ASSOC_ENDED)
		oprintf(o, ",\"durationMs\":%llu", (unsigned long long)r->duration_ms);
	oputs(o, "}\n");
}

static int severity(const struct rec *r)
{
	return r->kind == ACSI_AUDIT_LOST ? 3 : r->ok ? 5 : 4;	/* err, notice, warning */
}

static void format_syslog(struct out *o, const struct audit *a, const struct rec *r)
{
	char t[100];
	time_str(r, t, sizeof(t));
	oprintf(o, "<%d>1 %s %s iedd %ld %s [" SD_ID, SYSLOG_FACILITY * 8 + severity(r), t,
		a->host[0] ? a->host : "-", (long)getpid(), audit_event_name(r->kind));
	for (size_t i = 0; i < F_N; i++)
		if (r->f[i]) {
			oprintf(o, " %s=\"", fields[i].json);
			osd(o, r->f[i]);
			oputs(o, "\"");
		}
	oprintf(o, " ok=\"%s\" clockSynchronized=\"%s\"] ", r->ok ? "true" : "false",
		r->synced ? "true" : "false");
	sentence(o, r);
}

/* MESSAGE_ID: one fixed 128-bit id per kind (the last octet is the kind). */
static void format_journal(struct out *o, const struct rec *r)
{
	oputs(o, "MESSAGE=");
	struct out m = { 0 };
	sentence(&m, r);
	oflat(o, m.p ? m.p : "");
	free(m.p);
	oprintf(o, "\nPRIORITY=%d\nSYSLOG_FACILITY=%d\nSYSLOG_IDENTIFIER=iedd\n"
		   "MESSAGE_ID=9f3c5a0e7d2b4c61a8e0f1d2c3b4a5%02x\nIEDD_EVENT=%s\nIEDD_OK=%d\n"
		   "IEDD_CLOCK_SYNCHRONIZED=%d\n",
		severity(r), SYSLOG_FACILITY, (unsigned)r->kind, audit_event_name(r->kind), r->ok,
		r->synced);
	for (size_t i = 0; i < F_N; i++)
		if (r->f[i]) {
			oprintf(o, "%s=", fields[i].journal);
			oflat(o, r->f[i]);
			oputs(o, "\n");
		}
}

/* ---- the writer ---- */

static void say_failing(struct audit *a, int which, int err, const char *what)
{
	if (!err) {
		if (a->failing[which])
			log_msg(LOGL_NOTICE, LOGC_MAIN, "audit: %s written again", what);
		a->failing[which] = false;
		return;
	}
	a->st.errors++;
	if (!a->failing[which])
		log_msg(LOGL_ERR, LOGC_MAIN, "audit: cannot write to %s: %s (records for it are "
			"lost until it works again; the other outputs go on)", what, strerror(-err));
	a->failing[which] = true;
}

static int open_file(struct audit *a)
{
	a->fd = open(a->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (a->fd < 0)
		return -errno;
	struct stat st;
	a->size = fstat(a->fd, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

/* file -> file.1 -> ... -> file.keep (the oldest goes). */
static int rotate(struct audit *a)
{
	size_t n = strlen(a->file) + 16;
	char *from = malloc(n), *to = malloc(n);
	if (!from || !to) {
		free(from);
		free(to);
		return -ENOMEM;
	}
	for (unsigned k = a->cfg.keep; k >= 1; k--) {
		snprintf(to, n, "%s.%u", a->file, k);
		if (k == 1)
			snprintf(from, n, "%s", a->file);
		else
			snprintf(from, n, "%s.%u", a->file, k - 1);
		(void)rename(from, to);
	}
	free(from);
	free(to);
	close(a->fd);
	return open_file(a);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void write_rec(struct audit *a, const struct rec *r, struct out *o)
{
	if (a->cfg.file) {
		o->len = 0;
		format_json(o, r);
		int e = o->err ? -ENOMEM : 0;
		if (!e && a->fd < 0)
			e = open_file(a);
		if (!e && a->size && a->size + o->len > a->cfg.max_bytes)
			e = rotate(a);
		if (!e && (e = write_all(a->fd, o->p, o->len)) == 0)
			a->size += o->len;
		say_failing(a, 0, e, a->file);
	}
	if (a->sys_fd >= 0) {
		o->len = 0;
		format_syslog(o, a, r);
		int e = o->err ? -ENOMEM : 0;
		if (!e && sendto(a->sys_fd, o->p, o->len, MSG_NOSIGNAL, (struct sockaddr *)&a->sys_to,
				 a->sys_to_len) < 0)
			e = -errno;
		say_failing(a, 1, e, a->cfg.syslog);
	}
	if (a->jrn_fd >= 0) {
		o->len = 0;
		format_journal(o, r);
		int e = o->err ? -ENOMEM : 0;
		if (!e && sendto(a->jrn_fd, o->p, o->len, MSG_NOSIGNAL, (struct sockaddr *)&a->jrn_to,
				 sizeof(a->jrn_to)) < 0)
			e = -errno;
		say_failing(a, 2, e, "journald");
	}
}

static void *writer(void *arg)
{
	struct audit *a = arg;
	struct out o = { 0 };
	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->len && !a->lost_pending && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (!a->len && !a->lost_pending)
			break;	/* stop, and everything written */
		uint64_t lost = a->lost_pending;
		a->lost_pending = 0;
		struct rec r = { 0 };
		bool have = false;
		if (!lost) {
			r = a->q[a->head];
			a->head = (a->head + 1) % a->cfg.queue;
			a->len--;
			have = true;
		}
		pthread_mutex_unlock(&a->mu);
		if (lost) {
			char n[64];
			snprintf(n, sizeof(n), "%llu record(s) dropped: the queue was full",
				 (unsigned long long)lost);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			struct rec l = { .kind = ACSI_AUDIT_LOST, .ok = false, .sec = ts.tv_sec,
					 .usec = ts.tv_nsec / 1000, .synced = clock_synced(),
					 .f = { [F_RESULT] = n } };
			write_rec(a, &l, &o);
			log_msg(LOGL_WARNING, LOGC_MAIN, "audit: %s", n);
		}
		if (have) {
			write_rec(a, &r, &o);
			free_rec(&r);
		}
		pthread_mutex_lock(&a->mu);
		a->st.written += have;
	}
	pthread_mutex_unlock(&a->mu);
	free(o.p);
	return NULL;
}

/* ---- set-up ---- */

static int parse_syslog(struct audit *a, const char *spec, char *err, size_t n)
{
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un *u = (struct sockaddr_un *)&a->sys_to;
		if (strlen(spec + 5) >= sizeof(u->sun_path) || !spec[5]) {
			snprintf(err, n, "audit syslog '%s': the socket path is empty or too long", spec);
			return -EINVAL;
		}
		u->sun_family = AF_UNIX;
		strcpy(u->sun_path, spec + 5);
		a->sys_to_len = sizeof(*u);
		a->sys_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	} else if (!strncmp(spec, "udp:", 4)) {
		char host[128];
		const char *h = spec + 4, *colon = strrchr(h, ':');
		size_t hl = colon ? (size_t)(colon - h) : 0;
		if (hl && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || !hl || hl >= sizeof(host) || *end || port < 1 || port > 65535) {
			snprintf(err, n, "audit syslog '%s': expected udp:ADDR:PORT with a numeric "
				 "address, e.g. udp:192.0.2.10:514 or udp:[2001:db8::1]:514", spec);
			return -EINVAL;
		}
		memcpy(host, h, hl);
		host[hl] = 0;
		struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sys_to;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sys_to;
		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons((uint16_t)port);
			a->sys_to_len = sizeof(*v4);
		} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((uint16_t)port);
			a->sys_to_len = sizeof(*v6);
		} else {
			snprintf(err, n, "audit syslog '%s': '%s' is not a numeric address", spec, host);
			return -EINVAL;
		}
		a->sys_fd = socket(a->sys_to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	} else {
		snprintf(err, n, "audit syslog '%s': expected unix:PATH (e.g. unix:/dev/log) or "
			 "udp:ADDR:PORT", spec);
		return -EINVAL;
	}
	if (a->sys_fd < 0) {
		int e = -errno;
		snprintf(err, n, "audit syslog '%s': socket: %s", spec, strerror(-e));
		return e;
	}
	return 0;
}

int audit_open(const struct audit_cfg *cfg, struct audit **out, char *err, size_t n)
{
	*out = NULL;
	struct audit *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, n, "audit: out of memory");
		return -ENOMEM;
	}
	a->cfg = *cfg;
	if (!a->cfg.max_bytes)
		a->cfg.max_bytes = DEFAULT_MAX_BYTES;
	if (!a->cfg.keep)
		a->cfg.keep = DEFAULT_KEEP;
	if (!a->cfg.queue)
		a->cfg.queue = DEFAULT_QUEUE;
	a->fd = a->sys_fd = a->jrn_fd = -1;
	(void)gethostname(a->host, sizeof(a->host) - 1);
	int r = 0;
	a->q = calloc(a->cfg.queue, sizeof(*a->q));
	if (!a->q) {
		snprintf(err, n, "audit: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	if (cfg->file) {
		a->file = strdup(cfg->file);
		a->cfg.file = a->file;
		if (!a->file) {
			r = -ENOMEM;
			snprintf(err, n, "audit: out of memory");
			goto fail;
		}
		if ((r = open_file(a))) {
			snprintf(err, n, "audit file %s: %s (the directory must exist and be writable "
				 "by iedd's user)", cfg->file, strerror(-r));
			goto fail;
		}
	}
	if (cfg->syslog && (r = parse_syslog(a, cfg->syslog, err, n)))
		goto fail;
	if (cfg->journal) {
		const char *path = cfg->journal_socket ? cfg->journal_socket : JOURNAL_SOCKET;
		if (strlen(path) >= sizeof(a->jrn_to.sun_path)) {
			snprintf(err, n, "audit journal socket path too long");
			r = -EINVAL;
			goto fail;
		}
		a->jrn_to.sun_family = AF_UNIX;
		strcpy(a->jrn_to.sun_path, path);
		a->jrn_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (a->jrn_fd < 0) {
			r = -errno;
			snprintf(err, n, "audit journal: socket: %s", strerror(-r));
			goto fail;
		}
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if ((r = -pthread_create(&a->thr, NULL, writer, a))) {
		snprintf(err, n, "audit: cannot start its writer thread: %s", strerror(-r));
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		goto fail;
	}
	a->hook = (struct acsi_audit){ .record = on_record, .ctx = a };
	*out = a;
	return 0;
fail:
	if (a->fd >= 0)
		close(a->fd);
	if (a->sys_fd >= 0)
		close(a->sys_fd);
	if (a->jrn_fd >= 0)
		close(a->jrn_fd);
	free(a->q);
	free(a->file);
	free(a);
	return r;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thr, NULL);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	for (; a->len; a->len--, a->head = (a->head + 1) % a->cfg.queue)
		free_rec(&a->q[a->head]);
	if (a->fd >= 0)
		close(a->fd);
	if (a->sys_fd >= 0)
		close(a->sys_fd);
	if (a->jrn_fd >= 0)
		close(a->jrn_fd);
	free(a->q);
	free(a->file);
	free(a);
}

const struct acsi_audit *audit_hook(struct audit *a)
{
	return a ? &a->hook : NULL;
}

void audit_get_stats(struct audit *a, struct audit_stats *st)
{
	pthread_mutex_lock(&a->mu);
	*st = a->st;
	st->queued = a->len;
	pthread_mutex_unlock(&a->mu);
}
