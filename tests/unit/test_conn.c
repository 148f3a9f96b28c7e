/* SPDX-License-Identifier: Apache-2.0 */
/* The connection object (daemon/net/conn.c) over a socketpair on a real
 * event_base: the tail kept between reads, a session that frees itself
 * inside on_data and inside on_end (the held state), back-pressure with and
 * without a high-water mark, conn_finish, and a layer in the slot on both
 * paths. Progress is driven by non-blocking loop turns, never by sleeping. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "testutil.h"

struct sess {
	struct conn *c;
	int calls;		/* on_data calls */
	size_t seen;		/* octets offered in the last call */
	uint8_t last[64];
	size_t unit;		/* consume whole units of this size; 0: all */
	bool echo;
	bool free_in_data, free_in_end, finish_after;
	size_t reply;		/* bytes written back per call (0: none) */
	int ends;
	int layer_inputs;	/* on_layer_input calls */
	enum conn_end why;
	int err;
};

static uint8_t big[1 << 20];

static size_t s_data(struct conn *c, void *arg, const uint8_t *data, size_t len)
{
	struct sess *s = arg;
	s->calls++;
	s->seen = len;
	memcpy(s->last, data, len < sizeof(s->last) ? len : sizeof(s->last));
	if (s->echo)
		ck_assert_int_eq(conn_write(c, data, len), 0);
	if (s->reply)
		ck_assert_int_eq(conn_write(c, big, s->reply), 0);
	if (s->finish_after)
		conn_finish(c);
	if (s->free_in_data) {
		conn_free(c);
		s->c = NULL;
		/* the conn is held: writing now is refused, not a use after free */
	}
	return s->unit ? len - len % s->unit : len;
}

static void s_end(struct conn *c, void *arg, enum conn_end why, int err)
{
	struct sess *s = arg;
	s->ends++;
	s->why = why;
	s->err = err;
	if (s->free_in_end) {
		conn_free(c);
		s->c = NULL;
	}
}

static void s_layer_input(struct conn *c, void *arg)
{
	(void)c;
	((struct sess *)arg)->layer_inputs++;
}

static const struct conn_cbs cbs = { .on_data = s_data, .on_end = s_end,
				     .on_layer_input = s_layer_input };

struct rig {
	struct event_base *base;
	struct conn_loop *loop;
	int peer;
	struct sess s;
};

static void rig_up(struct rig *r)
{
	int sv[2];
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	r->base = event_base_new();
	r->loop = conn_loop_new(r->base);
	ck_assert(r->base && r->loop);
	r->peer = sv[1];
	r->s.c = conn_new(r->loop, sv[0], &cbs, &r->s);
	ck_assert_ptr_nonnull(r->s.c);
}

static void rig_down(struct rig *r)
{
	conn_free(r->s.c);
	conn_loop_free(r->loop);
	event_base_free(r->base);
	close(r->peer);
}

/* A few loop turns without blocking: enough for every ready event. */
static void turn(struct rig *r)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
}

static void peer_send(struct rig *r, const void *p, size_t n)
{
	ck_assert_int_eq(send(r->peer, p, n, 0), (ssize_t)n);
}

/* Reads what is there; returns the count, -1 at EOF. */
static ssize_t peer_drain(struct rig *r, uint8_t *to, size_t room)
{
	size_t got = 0;
	for (;;) {
		uint8_t tmp[65536];
		ssize_t n = recv(r->peer, tmp, sizeof(tmp), 0);
		if (n == 0)
			return got ? (ssize_t)got : -1;
		if (n < 0)
			return (ssize_t)got;
		if (to && got + (size_t)n <= room)
			memcpy(to + got, tmp, (size_t)n);
		got += (size_t)n;
	}
}

START_TEST(echo_and_tail)
{
	struct rig r;
	uint8_t back[64];
	rig_up(&r);
	r.s.unit = 4;
	/* 6 octets: one unit consumed, 2 kept */
	peer_send(&r, "abcdef", 6);
	turn(&r);
	ck_assert_int_eq(r.s.calls, 1);
	ck_assert_uint_eq(r.s.seen, 6);
	/* the kept tail comes again in front of the next bytes */
	peer_send(&r, "gh", 2);
	turn(&r);
	ck_assert_int_eq(r.s.calls, 2);
	ck_assert_uint_eq(r.s.seen, 4);
	ck_assert_mem_eq(r.s.last, "efgh", 4);
	/* the write path: echoed back from the read callback */
	r.s.unit = 0;
	r.s.echo = true;
	peer_send(&r, "ping", 4);
	turn(&r);
	ck_assert_int_eq(peer_drain(&r, back, sizeof(back)), 4);
	ck_assert_mem_eq(back, "ping", 4);
	ck_assert_int_eq(r.s.ends, 0);
	rig_down(&r);
}
END_TEST

START_TEST(eof_reported_once)
{
	struct rig r;
	rig_up(&r);
	r.s.unit = 4;
	peer_send(&r, "xy", 2);	/* an incomplete unit is kept */
	turn(&r);
	shutdown(r.peer, SHUT_WR);
	turn(&r);
	ck_assert_int_eq(r.s.ends, 1);
	ck_assert_int_eq(r.s.why, CONN_END_EOF_PARTIAL);
	turn(&r);
	ck_assert_int_eq(r.s.ends, 1);
	/* after the end, writing is refused */
	ck_assert_int_lt(conn_write(r.s.c, (const uint8_t *)"z", 1), 0);
	rig_down(&r);

	rig_up(&r);
	shutdown(r.peer, SHUT_WR);
	turn(&r);
	ck_assert_int_eq(r.s.why, CONN_END_EOF);
	rig_down(&r);
}
END_TEST

/* The session frees the conn inside on_data: the free waits for the frame,
 * nothing runs afterwards, the socket is closed (the peer sees EOF). Under
 * ASan a use after free would fail here. */
START_TEST(free_inside_on_data)
{
	struct rig r;
	rig_up(&r);
	r.s.echo = true;
	r.s.free_in_data = true;
	peer_send(&r, "bye", 3);
	turn(&r);
	ck_assert_ptr_null(r.s.c);
	ck_assert_int_eq(r.s.calls, 1);
	ck_assert_int_eq(r.s.ends, 0); /* freed by its owner: no on_end */
	uint8_t back[8];
	ck_assert_int_eq(peer_drain(&r, back, sizeof(back)), 3); /* sent before the free */
	ck_assert_int_eq(peer_drain(&r, NULL, 0), -1);
	rig_down(&r);
}
END_TEST

START_TEST(free_inside_on_end)
{
	struct rig r;
	rig_up(&r);
	r.s.free_in_end = true;
	close(r.peer);
	r.peer = -1;
	turn(&r);
	ck_assert_int_eq(r.s.ends, 1);
	ck_assert_ptr_null(r.s.c);
	rig_down(&r);
}
END_TEST

/* Shrinks both socket buffers so a 1 MiB reply cannot leave at once. */
static void small_buffers(struct rig *r)
{
	int sz = 4096;
	setsockopt(r->peer, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(r->peer, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

/* Default mark 0: once output is queued, input waits until it has left. */
START_TEST(back_pressure)
{
	struct rig r;
	rig_up(&r);
	small_buffers(&r);
	r.s.reply = sizeof(big);
	peer_send(&r, "1", 1);
	turn(&r);
	ck_assert_int_eq(r.s.calls, 1);
	ck_assert_uint_gt(conn_pending(r.s.c), 0);
	peer_send(&r, "2", 1);
	turn(&r);
	ck_assert_int_eq(r.s.calls, 1); /* not read while the reply waits */
	size_t got = 0;
	while (conn_pending(r.s.c)) {
		ssize_t n = peer_drain(&r, NULL, 0);
		ck_assert_int_ge(n, 0);
		got += (size_t)n;
		turn(&r);
	}
	turn(&r);
	ck_assert_int_eq(r.s.calls, 2); /* the queue drained: reading resumed */
	r.s.reply = 0;
	while (conn_pending(r.s.c)) {
		got += (size_t)peer_drain(&r, NULL, 0);
		turn(&r);
	}
	got += (size_t)peer_drain(&r, NULL, 0);
	ck_assert_uint_eq(got, 2 * sizeof(big));
	rig_down(&r);
}
END_TEST

/* A mark above the queued output keeps reading; order of output is kept. */
START_TEST(high_water_mark)
{
	struct rig r;
	rig_up(&r);
	small_buffers(&r);
	conn_set_high_water(r.s.c, 4 * sizeof(big));
	r.s.reply = sizeof(big);
	peer_send(&r, "1", 1);
	turn(&r);
	ck_assert_uint_gt(conn_pending(r.s.c), 0);
	peer_send(&r, "2", 1);
	turn(&r);
	ck_assert_int_eq(r.s.calls, 2); /* below the mark: read at once */
	rig_down(&r);
}
END_TEST

/* conn_finish: on_end(DONE) only after the queued output has gone. */
START_TEST(finish_after_flush)
{
	struct rig r;
	rig_up(&r);
	small_buffers(&r);
	r.s.reply = sizeof(big);
	r.s.finish_after = true;
	r.s.free_in_end = true;
	peer_send(&r, "1", 1);
	turn(&r);
	ck_assert_int_eq(r.s.ends, 0);
	size_t got = 0;
	for (int i = 0; i < 100000 && r.s.ends == 0; i++) {
		ssize_t n = peer_drain(&r, NULL, 0);
		if (n > 0)
			got += (size_t)n;
		turn(&r);
	}
	ck_assert_int_eq(r.s.ends, 1);
	ck_assert_int_eq(r.s.why, CONN_END_DONE);
	ck_assert_ptr_null(r.s.c);
	ssize_t n = peer_drain(&r, NULL, 0);
	if (n > 0)
		got += (size_t)n;
	ck_assert_uint_eq(got, sizeof(big));
	rig_down(&r);
}
END_TEST

/* A layer in the slot (XOR 0x5A each way, standing in for TLS): the
 * session sees plaintext, the peer sees the wrapped octets, and a handshake
 * record the layer sends back on its own reaches the peer first. */
static int layer_frees;
static bool hello_sent;

static int xor_unwrap(void *ctx, const uint8_t *wire, size_t len, struct buf *plain,
		      struct buf *wire_out)
{
	(void)ctx;
	if (!hello_sent && len) {
		hello_sent = true;
		buf_put(wire_out, "HS", 2);
	}
	for (size_t i = 0; i < len; i++)
		if (wire[i] != 'H') /* a handshake record: nothing for the session */
			buf_put_u8(plain, wire[i] ^ 0x5A);
	return 0;
}

static int xor_wrap(void *ctx, const uint8_t *p, size_t len, struct buf *wire_out)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf_put_u8(wire_out, p[i] ^ 0x5A);
	return 0;
}

static void xor_free(void *ctx)
{
	(void)ctx;
	layer_frees++;
}

static const struct conn_layer_ops xor_layer = {
	.name = "xor", .unwrap = xor_unwrap, .wrap = xor_wrap, .free = xor_free,
};

START_TEST(layer_slot)
{
	struct rig r;
	uint8_t wire[4] = { 'p' ^ 0x5A, 'i' ^ 0x5A, 'n' ^ 0x5A, 'g' ^ 0x5A }, back[16];
	rig_up(&r);
	layer_frees = 0;
	hello_sent = false;
	conn_set_layer(r.s.c, &xor_layer, NULL);
	r.s.echo = true;
	r.s.unit = 3;
	peer_send(&r, wire, 4);
	turn(&r);
	ck_assert_uint_eq(r.s.seen, 4);
	ck_assert_mem_eq(r.s.last, "ping", 4);
	ck_assert_int_eq(peer_drain(&r, back, sizeof(back)), 6);
	ck_assert_mem_eq(back, "HS", 2);
	ck_assert_mem_eq(back + 2, wire, 4);
	/* the unconsumed plaintext tail ("g") comes again before the next */
	uint8_t more = 'x' ^ 0x5A;
	r.s.unit = 1; /* this time all of it */
	peer_send(&r, &more, 1);
	turn(&r);
	ck_assert_uint_eq(r.s.seen, 2);
	ck_assert_mem_eq(r.s.last, "gx", 2);
	ck_assert_int_eq(r.s.layer_inputs, 0);
	/* records the layer takes whole: on_layer_input, not on_data */
	int calls = r.s.calls;
	peer_send(&r, "HH", 2);
	turn(&r);
	ck_assert_int_eq(r.s.calls, calls);
	ck_assert_int_eq(r.s.layer_inputs, 1);
	rig_down(&r);
	ck_assert_int_eq(layer_frees, 1);
}
END_TEST

/* A write that fails outside any callback is reported from the loop. */
START_TEST(write_error_reported_from_loop)
{
	struct rig r;
	rig_up(&r);
	close(r.peer);
	r.peer = -1;
	int rc = conn_write(r.s.c, big, sizeof(big));
	ck_assert_int_eq(r.s.ends, 0); /* never inside conn_write */
	turn(&r);
	ck_assert_int_eq(r.s.ends, 1);
	ck_assert(r.s.why == CONN_END_ERROR || r.s.why == CONN_END_EOF);
	if (rc)
		ck_assert_int_eq(r.s.why, CONN_END_ERROR);
	rig_down(&r);
}
END_TEST

/* conn_set_out_limit: a peer that stops reading ends the connection with
 * -ENOBUFS once more than the bound waits (said from the loop, not from
 * inside conn_write); a peer that reads never meets it; without a bound
 * the queue grows. */
START_TEST(out_limit)
{
	struct rig r;
	rig_up(&r);
	small_buffers(&r);
	conn_set_out_limit(r.s.c, 256 * 1024);
	size_t written = 0;
	int e = 0;
	while (!e && written < (64u << 20)) {
		e = conn_write(r.s.c, big, 32768);
		if (!e)
			written += 32768;
	}
	ck_assert_int_eq(e, -ENOBUFS);
	ck_assert_uint_lt(written, 4u << 20);	/* the bound plus the kernel's, not 64 MiB */
	ck_assert_uint_ge(written, 256 * 1024);
	ck_assert_int_eq(r.s.ends, 0);
	turn(&r);
	ck_assert_int_eq(r.s.ends, 1);
	ck_assert_int_eq(r.s.why, CONN_END_ERROR);
	ck_assert_int_eq(r.s.err, -ENOBUFS);
	rig_down(&r);

	/* 20 MiB through a 256 KiB bound to a peer that reads */
	rig_up(&r);
	small_buffers(&r);
	conn_set_out_limit(r.s.c, 256 * 1024);
	size_t got = 0;
	for (int i = 0; i < 640; i++) {
		ck_assert_int_eq(conn_write(r.s.c, big, 32768), 0);
		while (conn_pending(r.s.c) > 128 * 1024) {
			got += (size_t)peer_drain(&r, NULL, 0);
			turn(&r);
		}
	}
	while (conn_pending(r.s.c)) {
		got += (size_t)peer_drain(&r, NULL, 0);
		turn(&r);
	}
	got += (size_t)peer_drain(&r, NULL, 0);
	ck_assert_uint_eq(got, 640u * 32768u);
	ck_assert_int_eq(r.s.ends, 0);
	rig_down(&r);

	/* no bound: 4 MiB wait for a silent peer */
	rig_up(&r);
	small_buffers(&r);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(conn_write(r.s.c, big, sizeof(big)), 0);
	ck_assert_uint_gt(conn_pending(r.s.c), 3u << 20);
	turn(&r);
	ck_assert_int_eq(r.s.ends, 0);
	rig_down(&r);
}
END_TEST

static Suite *conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("conn");
	tcase_add_test(tc, echo_and_tail);
	tcase_add_test(tc, eof_reported_once);
	tcase_add_test(tc, free_inside_on_data);
	tcase_add_test(tc, free_inside_on_end);
	tcase_add_test(tc, back_pressure);
	tcase_add_test(tc, high_water_mark);
	tcase_add_test(tc, finish_after_flush);
	tcase_add_test(tc, layer_slot);
	tcase_add_test(tc, write_error_reported_from_loop);
	tcase_add_test(tc, out_limit);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(conn_suite)
