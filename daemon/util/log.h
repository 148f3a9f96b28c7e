/* One levelled logger with categories. Writes to stderr; when stderr is the
 * journal (JOURNAL_STREAM matches), lines carry <N> priority prefixes so
 * journald records the level. Not thread-safe beyond what stdio gives:
 * source threads log through it too, a line at a time. */
#pragma once
#include <stdbool.h>

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };
enum log_cat { LOGC_MAIN, LOGC_NET, LOGC_MMS, LOGC_MODEL, LOGC_PV, LOGC_GOOSE, LOGC_TLS,
	       LOGC_AUDIT, LOGC_TRACE };

void log_init(enum log_level level, bool trace);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
bool log_trace_enabled(void);
void log_msg(enum log_level level, enum log_cat cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
