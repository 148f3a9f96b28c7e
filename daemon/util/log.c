/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <pthread.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static enum log_level cur_level = LOGL_NOTICE;
static bool trace_on;
static bool journal;

static const char *const cat_names[] = {
	[LOGC_MAIN] = "main", [LOGC_NET] = "net", [LOGC_MMS] = "mms", [LOGC_MODEL] = "model",
	[LOGC_PV] = "pv", [LOGC_GOOSE] = "goose", [LOGC_TLS] = "tls", [LOGC_AUDIT] = "audit",
	[LOGC_TRACE] = "trace",
};

static const char *const level_names[] = {
	[LOGL_ERR] = "error", [LOGL_WARNING] = "warning", [LOGL_NOTICE] = "notice",
	[LOGL_INFO] = "info", [LOGL_DEBUG] = "debug",
};

/* systemd.exec(5): JOURNAL_STREAM is "device:inode" of the journal stream. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long dev, ino;
	if (!js || sscanf(js, "%lu:%lu", &dev, &ino) != 2 || fstat(2, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(enum log_level level, bool trace)
{
	cur_level = level;
	trace_on = trace;
	journal = stderr_is_journal();
}

void log_set_level(enum log_level level) { cur_level = level; }
bool log_enabled(enum log_level level) { return level <= cur_level; }
bool log_trace_enabled(void) { return trace_on; }

static void remember(const char *line, size_t len);

void log_msg(enum log_level level, enum log_cat cat, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > cur_level && !(cat == LOGC_TRACE && trace_on))
		return;
	if (journal) {
		n = snprintf(line, sizeof(line), "<%d>%s: ", level, cat_names[cat]);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], cat_names[cat]);
	}
	if (n < 0)
		return;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	if (level <= LOGL_WARNING)
		remember(line, len - 1);
}

/* The last LOG_RECENT warnings and errors, for the status page. Any
 * thread logs: a mutex. */
static struct {
	pthread_mutex_t mu;
	char lines[LOG_RECENT][LOG_RECENT_LEN];
	unsigned next, n;
} recent = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void remember(const char *line, size_t len)
{
	pthread_mutex_lock(&recent.mu);
	if (len >= LOG_RECENT_LEN)
		len = LOG_RECENT_LEN - 1;
	memcpy(recent.lines[recent.next], line, len);
	recent.lines[recent.next][len] = 0;
	recent.next = (recent.next + 1) % LOG_RECENT;
	if (recent.n < LOG_RECENT)
		recent.n++;
	pthread_mutex_unlock(&recent.mu);
}

unsigned log_recent(char out[][LOG_RECENT_LEN], unsigned max)
{
	pthread_mutex_lock(&recent.mu);
	unsigned n = recent.n < max ? recent.n : max;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = (recent.next + LOG_RECENT - n + i) % LOG_RECENT;
		memcpy(out[i], recent.lines[k], LOG_RECENT_LEN);
	}
	pthread_mutex_unlock(&recent.mu);
	return n;
}
