/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the pv tests: a TAP main for Check, paths from the
 * environment meson sets, a fake host that records pushes, and running a
 * program with its output and exit status captured. */
#pragma once
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iedd/source.h>

#include "plugin.h"

/* One runner per file; TAP on stdout for meson. */
#define PV_TEST_MAIN(suite_fn)                                                                  \
	int main(void)                                                                          \
	{                                                                                       \
		SRunner *sr = srunner_create(suite_fn());                                       \
		srunner_set_tap(sr, "-");                                                       \
		srunner_run_all(sr, CK_SILENT);                                                 \
		int failed = srunner_ntests_failed(sr);                                         \
		srunner_free(sr);                                                               \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                    \
	}

/* A path meson put into the environment (tests/pv/meson.build). */
static inline const char *pv_env(const char *name)
{
	const char *v = getenv(name);
	ck_assert_msg(v && *v, "%s is not set: run this test through meson test", name);
	return v;
}

#define ck_assert_contains(hay, needle)                                                         \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay),   \
		      (needle))

/* --- a fake host ------------------------------------------------------ */

#define PV_MAX_PUSH 64

struct pv_host {
	pthread_mutex_t lock;
	size_t n_push;
	void *push_point[PV_MAX_PUSH];
	struct iedd_value push_value[PV_MAX_PUSH];
	int n_log;
	char last_log[512];
	/* the fake host clock (pv_host_fake_clock): ns, set by the test */
	uint64_t mono_ns, utc_ns;
};

static inline int pv_host_push(void *host_ctx, void *point, const struct iedd_value *value)
{
	struct pv_host *h = host_ctx;
	pthread_mutex_lock(&h->lock);
	int rc = -EAGAIN;
	if (h->n_push < PV_MAX_PUSH) {
		h->push_point[h->n_push] = point;
		h->push_value[h->n_push] = *value;
		h->n_push++;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static inline void pv_host_log(void *host_ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void pv_host_log(void *host_ctx, int level, const char *fmt, ...)
{
	struct pv_host *h = host_ctx;
	(void)level;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&h->lock);
	vsnprintf(h->last_log, sizeof(h->last_log), fmt, ap);
	h->n_log++;
	pthread_mutex_unlock(&h->lock);
	va_end(ap);
}

static inline void pv_host_init(struct pv_host *h, struct iedd_host *host)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	*host = (struct iedd_host){.host_ctx = h, .push = pv_host_push, .log = pv_host_log};
}

static inline uint64_t pv_host_mono_ns(void *host_ctx)
{
	struct pv_host *h = host_ctx;
	pthread_mutex_lock(&h->lock);
	uint64_t ns = h->mono_ns;
	pthread_mutex_unlock(&h->lock);
	return ns;
}

static inline uint64_t pv_host_utc_ns(void *host_ctx)
{
	struct pv_host *h = host_ctx;
	pthread_mutex_lock(&h->lock);
	uint64_t ns = h->utc_ns;
	pthread_mutex_unlock(&h->lock);
	return ns;
}

/* Offers the host clock (iedd_host.mono_ns/utc_ns) as iedd does, reading
 * h->mono_ns and h->utc_ns: time moves only when the test moves it
 * (pv_host_set_clock). pv_host_init offers none. */
static inline void pv_host_fake_clock(struct pv_host *h, struct iedd_host *host, uint64_t mono_ns,
				      uint64_t utc_ns)
{
	h->mono_ns = mono_ns;
	h->utc_ns = utc_ns;
	host->mono_ns = pv_host_mono_ns;
	host->utc_ns = pv_host_utc_ns;
}

static inline void pv_host_set_clock(struct pv_host *h, uint64_t mono_ns, uint64_t utc_ns)
{
	pthread_mutex_lock(&h->lock);
	h->mono_ns = mono_ns;
	h->utc_ns = utc_ns;
	pthread_mutex_unlock(&h->lock);
}

static inline size_t pv_host_pushes(struct pv_host *h)
{
	pthread_mutex_lock(&h->lock);
	size_t n = h->n_push;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* --- running a program -------------------------------------------------- */

/* Runs argv[0] (a path) with argv, extra environment entries env[] ("K=V",
 * NULL-terminated, may be NULL), captures stdout into out[outlen] and
 * stderr into errout[errlen] (both NUL-terminated, cut if longer) and
 * returns the exit status (128 + signal if it was killed). */
static inline int pv_run(char *const argv[], char *const env[], char *out, size_t outlen,
			 char *errout, size_t errlen)
{
	int po[2], pe[2];
	ck_assert_int_eq(pipe(po), 0);
	ck_assert_int_eq(pipe(pe), 0);
	fflush(stdout);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	size_t no = 0, ne = 0;
	struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
	int open_fds = 2;
	while (open_fds) {
		if (poll(fds, 2, -1) < 0) {
			ck_assert_int_eq(errno, EINTR);
			continue;
		}
		for (int k = 0; k < 2; k++) {
			if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[4096];
			ssize_t r = read(fds[k].fd, tmp, sizeof(tmp));
			if (r <= 0) {
				close(fds[k].fd);
				fds[k].fd = -1;
				open_fds--;
				continue;
			}
			char *dst = k ? errout : out;
			size_t *n = k ? &ne : &no;
			size_t cap = k ? errlen : outlen;
			for (ssize_t j = 0; j < r && *n + 1 < cap; j++)
				dst[(*n)++] = tmp[j];
		}
	}
	if (outlen)
		out[no] = 0;
	if (errlen)
		errout[ne] = 0;
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
