/* SPDX-License-Identifier: Apache-2.0 */
/* One levelled logger with categories. Writes to stderr; when stderr is the
 * journal (JOURNAL_STREAM matches), lines carry <N> priority prefixes so
 * journald records the level. Not thread-safe beyond what stdio gives:
 * source threads log through it too, a line at a time. */
#pragma once
#include <stdbool.h>

/* Levels, numbered as syslog(3) priorities (journald's <N> prefix takes
 * them as they are), but named LOGL_* so that <syslog.h>, whose LOG_ERR ...
 * are macros, may be included beside this header in either order (the
 * audit trail does). */
enum log_level { LOGL_ERR = 3, LOGL_WARNING = 4, LOGL_NOTICE = 5, LOGL_INFO = 6, LOGL_DEBUG = 7 };
enum log_cat { LOGC_MAIN, LOGC_NET, LOGC_MMS, LOGC_MODEL, LOGC_PV, LOGC_GOOSE, LOGC_TLS,
	       LOGC_AUDIT, LOGC_TRACE };

void log_init(enum log_level level, bool trace);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
bool log_trace_enabled(void);
void log_msg(enum log_level level, enum log_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last warnings and errors logged (oldest first), as they were
 * written (time, level, category, message; no newline), for the status
 * page: copies up to max of them into out and returns how many. */
#define LOG_RECENT 32
#define LOG_RECENT_LEN 320
unsigned log_recent(char out[][LOG_RECENT_LEN], unsigned max);
