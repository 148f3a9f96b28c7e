/* SPDX-License-Identifier: Apache-2.0 */
/* The connection object's output bound (conn_set_out_limit) over a real
 * socket pair: a peer that stops reading ends the connection with
 * -ENOBUFS once the bound is passed, and on_end says so; a peer that reads
 * never meets it; without a bound the queue grows. */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

struct seen {
	int ends;
	enum conn_end why;
	int err;
};

static size_t on_data(struct conn *c, void *arg, const uint8_t *data, size_t len)
{
	(void)c, (void)arg, (void)data;
	return len;
}

static void on_end(struct conn *c, void *arg, enum conn_end why, int err)
{
	struct seen *s = arg;
	(void)c;
	s->ends++;
	s->why = why;
	s->err = err;
}

static const struct conn_cbs cbs = { .on_data = on_data, .on_end = on_end };

struct pair {
	struct event_base *base;
	struct conn_loop *loop;
	struct conn *c;
	int peer;
	struct seen seen;
};

static void pair_open(struct pair *p, size_t limit)
{
	int sv[2];
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	/* small kernel buffers, so that the queue in iedd is what fills */
	int sz = 16384;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	p->base = event_base_new();
	p->loop = conn_loop_new(p->base);
	ck_assert_ptr_nonnull(p->loop);
	p->c = conn_new(p->loop, sv[0], &cbs, &p->seen);
	ck_assert_ptr_nonnull(p->c);
	conn_set_out_limit(p->c, limit);
	p->peer = sv[1];
}

static void pair_close(struct pair *p)
{
	conn_free(p->c);
	conn_loop_free(p->loop);
	event_base_free(p->base);
	close(p->peer);
}

static size_t drain_peer(int fd)
{
	static uint8_t b[65536];
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, b, sizeof(b))) > 0)
		n += (size_t)r;
	return n;
}

static uint8_t chunk[32768];

START_TEST(silent_peer_ends_at_the_bound)
{
	struct pair p;
	pair_open(&p, 256 * 1024);
	size_t written = 0;
	int r = 0;
	while (!r && written < 64u << 20) {
		r = conn_write(p.c, chunk, sizeof(chunk));
		if (!r)
			written += sizeof(chunk);
	}
	ck_assert_int_eq(r, -ENOBUFS);
	/* the bound plus what the kernel took, not the 64 MiB asked for */
	ck_assert_uint_lt(written, 4u << 20);
	ck_assert_uint_ge(written, 256 * 1024);
	ck_assert_int_eq(conn_write(p.c, chunk, 1), -ENOBUFS);
	ck_assert_int_eq(p.seen.ends, 0);	/* never from inside conn_write */
	event_base_loop(p.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(p.seen.ends, 1);
	ck_assert_int_eq(p.seen.why, CONN_END_ERROR);
	ck_assert_int_eq(p.seen.err, -ENOBUFS);
	pair_close(&p);
}
END_TEST

START_TEST(reading_peer_never_meets_it)
{
	struct pair p;
	pair_open(&p, 256 * 1024);
	size_t got = 0, written = 0;
	for (int i = 0; i < 640; i++) {	/* 20 MiB through a 256 KiB bound */
		ck_assert_int_eq(conn_write(p.c, chunk, sizeof(chunk)), 0);
		written += sizeof(chunk);
		for (int k = 0; k < 4; k++) {
			event_base_loop(p.base, EVLOOP_NONBLOCK);
			got += drain_peer(p.peer);
		}
	}
	for (int k = 0; k < 1000 && got < written; k++) {
		event_base_loop(p.base, EVLOOP_NONBLOCK);
		got += drain_peer(p.peer);
	}
	ck_assert_uint_eq(got, written);
	ck_assert_int_eq(p.seen.ends, 0);
	pair_close(&p);
}
END_TEST

START_TEST(no_bound_queues)
{
	struct pair p;
	pair_open(&p, 0);
	for (int i = 0; i < 128; i++)	/* 4 MiB to a silent peer */
		ck_assert_int_eq(conn_write(p.c, chunk, sizeof(chunk)), 0);
	ck_assert_uint_gt(conn_pending(p.c), 3u << 20);
	event_base_loop(p.base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(p.seen.ends, 0);
	pair_close(&p);
}
END_TEST

int main(void)
{
	log_init(LOGL_ERR, false);
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("out_limit");
	tcase_add_test(tc, silent_peer_ends_at_the_bound);
	tcase_add_test(tc, reading_peer_never_meets_it);
	tcase_add_test(tc, no_bound_queues);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
