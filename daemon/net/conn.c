/* SPDX-License-Identifier: Apache-2.0 */
#include "conn.h"

#include <assert.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read scratch shared by every connection (one thread): big enough for many
 * pipelined requests in one recv(). */
#define RBUF_SIZE (256 * 1024)

const struct conn_layer_ops conn_layer_tcp = { .name = "tcp" };

struct conn_loop {
	struct event_base *base;
	uint8_t *rbuf;
	struct buf plain;	/* layered read: tail + unwrapped input */
	struct buf wire_in;	/* layered read: records the layer sends back */
	struct buf wire_out;	/* layered write: wrapped output */
};

struct conn {
	struct conn_loop *loop;
	int fd;
	struct event *ev;	/* EV_READ and/or EV_WRITE, as ev_flags says */
	short ev_flags;		/* what ev is added for; 0: not added */
	const struct conn_cbs *cbs;
	void *arg;
	const struct conn_layer_ops *layer;
	void *layer_ctx;
	uint8_t *in;		/* the tail on_data did not consume */
	size_t in_len;
	uint8_t *out;		/* output the socket did not take yet */
	size_t out_off, out_len, out_cap;
	size_t high_water;
	size_t out_limit;	/* more queued than this ends the conn (-ENOBUFS); 0: none */
	uint64_t bytes_in, bytes_out;	/* on the socket (the wire, under the layer) */
	unsigned held;		/* frames entered (callbacks running) */
	int end_err;
	uint8_t end_why;	/* enum conn_end, valid when end_set */
	bool end_set;		/* the connection is over; on_end not yet called */
	bool ended;		/* on_end called */
	bool finishing;		/* conn_finish: no more reading */
	bool read_paused;	/* conn_set_read_paused, or may_read said no */
	bool freeing;		/* conn_free while held */
	bool used;		/* a byte went through (conn_set_layer must come first) */
	bool bye;		/* the layer's last words were produced */
};

static void on_io(evutil_socket_t fd, short what, void *arg);
static int send_raw(struct conn *c, const uint8_t *p, size_t len);
static int layer_sent(struct conn *c, int r, const struct buf *w);

struct conn_loop *conn_loop_new(struct event_base *base)
{
	struct conn_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->base = base;
	l->rbuf = malloc(RBUF_SIZE);
	if (!l->rbuf) {
		free(l);
		return NULL;
	}
	buf_init(&l->plain, 0, 0);
	buf_init(&l->wire_in, 0, 0);
	buf_init(&l->wire_out, 0, 0);
	return l;
}

void conn_loop_free(struct conn_loop *l)
{
	if (!l)
		return;
	buf_clear(&l->plain);
	buf_clear(&l->wire_in);
	buf_clear(&l->wire_out);
	free(l->rbuf);
	free(l);
}

/* Waits for what the state asks: input unless finishing or above the
 * high-water mark, writability while output is queued; nothing once over. */
static void update_events(struct conn *c)
{
	short want = 0;
	if (!c->end_set && !c->ended && !c->freeing) {
		if (!c->finishing && !c->read_paused && c->out_len - c->out_off <= c->high_water)
			want |= EV_READ;
		if (c->out_len > c->out_off)
			want |= EV_WRITE;
	}
	if (want == c->ev_flags)
		return;
	if (c->ev_flags)
		event_del(c->ev);
	c->ev_flags = want;
	if (want) {
		event_assign(c->ev, c->loop->base, c->fd, want | EV_PERSIST, on_io, c);
		event_add(c->ev, NULL);
	}
}

/* Records the end (the first one wins); outside a frame, wakes on_io to
 * report it, so on_end never runs inside conn_write or conn_finish. */
static void set_end(struct conn *c, enum conn_end why, int err)
{
	if (c->end_set || c->ended)
		return;
	c->end_set = true;
	c->end_why = (uint8_t)why;
	c->end_err = err;
	if (!c->held) {
		update_events(c);
		event_active(c->ev, EV_WRITE, 0);
	}
}

/* The layer's last words (close_notify) into the loop's wire_out, once;
 * NULL when there are none or they were said. */
static struct buf *goodbye(struct conn *c)
{
	if (c->bye || !c->layer->close || !c->used)
		return NULL;
	c->bye = true;
	struct buf *w = &c->loop->wire_out;
	buf_reset(w, 0);
	c->layer->close(c->layer_ctx, w);
	return !w->err && w->len ? w : NULL;
}

static void destroy(struct conn *c)
{
	/* an orderly end that did not go through conn_finish (a timeout, the
	 * daemon stopping): one try, nothing waits for it */
	bool failed = (c->ended || c->end_set) && c->end_why == CONN_END_ERROR;
	struct buf *w = failed || c->out_len > c->out_off ? NULL : goodbye(c);
	if (w)
		(void)send(c->fd, buf_data(w), w->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	event_free(c->ev);
	close(c->fd);
	if (c->layer->free)
		c->layer->free(c->layer_ctx);
	free(c->in);
	free(c->out);
	free(c);
}

static void frame_enter(struct conn *c)
{
	c->held++;
}

/* Leaving the outermost frame: the end is reported (still held, so the
 * owner may free inside on_end), then a free asked for meanwhile is done. */
static void frame_leave(struct conn *c)
{
	assert(c->held);
	if (c->held > 1) {
		c->held--;
		return;
	}
	/* the common case, once per request: nothing queued, nothing ended,
	 * still waiting for input only */
	if (c->ev_flags == EV_READ && c->out_len == c->out_off && !c->end_set && !c->finishing &&
	    !c->freeing && !c->read_paused) {
		c->held = 0;
		return;
	}
	if (!c->freeing && !c->ended && !c->end_set && c->finishing && c->out_len == c->out_off) {
		c->end_set = true;
		c->end_why = CONN_END_DONE;
		c->end_err = 0;
	}
	if (!c->freeing && c->end_set && !c->ended) {
		c->ended = true;
		c->end_set = false;
		c->cbs->on_end(c, c->arg, (enum conn_end)c->end_why, c->end_err);
	}
	c->held = 0;
	if (c->freeing) {
		destroy(c);
		return;
	}
	update_events(c);
}

struct conn *conn_new(struct conn_loop *l, int fd, const struct conn_cbs *cbs, void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (c)
		c->ev = event_new(l->base, fd, EV_READ | EV_PERSIST, on_io, c);
	if (!c || !c->ev) {
		free(c);
		close(fd);
		return NULL;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->loop = l;
	c->fd = fd;
	c->cbs = cbs;
	c->arg = arg;
	c->layer = &conn_layer_tcp;
	event_add(c->ev, NULL);
	c->ev_flags = EV_READ;
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->held) {
		c->freeing = true;
		update_events(c);
		return;
	}
	destroy(c);
}

void conn_set_layer(struct conn *c, const struct conn_layer_ops *ops, void *ctx)
{
	assert(!c->used);
	if (c->layer->free)
		c->layer->free(c->layer_ctx);
	c->layer = ops;
	c->layer_ctx = ctx;
}

void conn_set_high_water(struct conn *c, size_t bytes)
{
	c->high_water = bytes;
	if (!c->held)
		update_events(c);
}

void conn_bytes(const struct conn *c, uint64_t *in, uint64_t *out)
{
	*in = c->bytes_in;
	*out = c->bytes_out;
}

const char *conn_layer_why(const struct conn *c)
{
	return c->layer->why ? c->layer->why(c->layer_ctx) : NULL;
}

int conn_layer_tick(struct conn *c, uint64_t now_us, uint64_t *next_us)
{
	*next_us = UINT64_MAX;
	if (!c->layer->tick)
		return 0;
	if (c->end_set || c->ended || c->freeing)
		return c->end_err ? c->end_err : -EPIPE;
	struct buf *w = &c->loop->wire_out;
	buf_reset(w, 0);
	return layer_sent(c, c->layer->tick(c->layer_ctx, now_us, w, next_us), w);
}

const char *conn_layer_name(const struct conn *c)
{
	return c->layer && c->layer->name ? c->layer->name : "tcp";
}

void conn_set_out_limit(struct conn *c, size_t bytes)
{
	c->out_limit = bytes;
}

void conn_set_read_paused(struct conn *c, bool paused)
{
	c->read_paused = paused;
	if (!c->held)
		update_events(c);
}

size_t conn_pending(const struct conn *c)
{
	return c->out_len - c->out_off;
}

/* Sends the queued output; 0, or -errno after set_end. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->bytes_out += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		int e = n < 0 ? -errno : -EPIPE;
		set_end(c, CONN_END_ERROR, e);
		return e;
	}
	/* drained: an idle connection keeps no buffer */
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = c->out_cap = 0;
	return 0;
}

static int queue(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->out_limit && c->out_len - c->out_off + n > c->out_limit) {
		/* a peer that does not read: it is not kept at any cost */
		set_end(c, CONN_END_ERROR, -ENOBUFS);
		return -ENOBUFS;
	}
	if (c->out_off && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n)
			cap *= 2;
		uint8_t *o = realloc(c->out, cap);
		if (!o) {
			set_end(c, CONN_END_ERROR, -ENOMEM);
			return -ENOMEM;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* The write path below the layer: the socket, or the queue behind what is
 * queued already (order is kept). */
static int send_raw(struct conn *c, const uint8_t *p, size_t len)
{
	size_t off = 0;
	if (c->out_len == c->out_off) {
		while (off < len) {
			ssize_t n = send(c->fd, p + off, len - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
				c->bytes_out += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			int e = n < 0 ? -errno : -EPIPE;
			set_end(c, CONN_END_ERROR, e);
			return e;
		}
		if (off == len)
			return 0;
	}
	int r = queue(c, p + off, len - off);
	if (!r && !c->held)
		update_events(c);
	return r;
}

/* What a layer operation that returned r produced in w goes out, also when
 * it failed (a TLS alert before the close); r, or the send's failure, ends
 * the conn. Returns that error or 0. */
static int layer_sent(struct conn *c, int r, const struct buf *w)
{
	int e = w->err;
	if (!e && w->len)
		e = send_raw(c, buf_data(w), w->len);
	if (!r)
		r = e;
	if (r)
		set_end(c, CONN_END_ERROR, r);
	return r;
}

int conn_write(struct conn *c, const uint8_t *data, size_t len)
{
	if (c->end_set || c->ended || c->freeing)
		return c->end_err ? c->end_err : -EPIPE;
	if (c->finishing)
		return -EPIPE;
	c->used = true;
	if (!c->layer->wrap)
		return send_raw(c, data, len);
	struct buf *w = &c->loop->wire_out;
	buf_reset(w, 0);
	int r = c->layer->wrap(c->layer_ctx, data, len, w);
	if (!r)
		r = w->err;
	if (r) {
		set_end(c, CONN_END_ERROR, r);
		return r;
	}
	return send_raw(c, buf_data(w), w->len);
}

void conn_finish(struct conn *c)
{
	if (c->finishing)
		return;
	struct buf *w = c->end_set || c->ended ? NULL : goodbye(c);
	if (w)
		(void)send_raw(c, buf_data(w), w->len);
	c->finishing = true;
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	if (c->held)
		return;
	if (c->out_len == c->out_off)
		set_end(c, CONN_END_DONE, 0);
	else
		update_events(c);
}

/* One recv(); returns the octets read (0 on EAGAIN) or -1 after set_end. */
static ssize_t read_some(struct conn *c, uint8_t *p, size_t room, bool partial)
{
	ssize_t n;
	do
		n = recv(c->fd, p, room, 0);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		set_end(c, partial ? CONN_END_EOF_PARTIAL : CONN_END_EOF, 0);
		return -1;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		set_end(c, CONN_END_ERROR, -errno);
		return -1;
	}
	c->bytes_in += (size_t)n;
	return n;
}

/* The read path: socket -> layer -> session. */
static void on_readable(struct conn *c)
{
	struct conn_loop *l = c->loop;
	const uint8_t *data;
	size_t len;

	c->used = true;
	if (!c->layer->unwrap) {
		uint8_t *rb = l->rbuf;
		size_t have = c->in_len;
		if (have) {
			memcpy(rb, c->in, have);
			free(c->in);
			c->in = NULL;
			c->in_len = 0;
		}
		ssize_t n = read_some(c, rb + have, RBUF_SIZE - have, have > 0);
		if (n < 0)
			return;
		data = rb;
		len = have + (size_t)n;
	} else {
		ssize_t n = read_some(c, l->rbuf, RBUF_SIZE, c->in_len > 0);
		if (n < 0)
			return;
		buf_reset(&l->plain, 0);
		buf_reset(&l->wire_in, 0);
		buf_put(&l->plain, c->in, c->in_len);
		free(c->in);
		c->in = NULL;
		c->in_len = 0;
		int r = c->layer->unwrap(c->layer_ctx, l->rbuf, (size_t)n, &l->plain, &l->wire_in);
		if (!r)
			r = l->plain.err;
		if (layer_sent(c, r, &l->wire_in))
			return;
		data = buf_data(&l->plain);
		len = l->plain.len;
	}
	if (!len) {
		if (c->layer->unwrap && c->cbs->on_layer_input && !c->end_set)
			c->cbs->on_layer_input(c, c->arg);
		return;
	}
	size_t used = c->cbs->on_data(c, c->arg, data, len);
	assert(used <= len);
	if (c->freeing || c->finishing || c->end_set || used >= len)
		return;
	size_t rest = len - used;
	c->in = malloc(rest);
	if (!c->in) {
		set_end(c, CONN_END_ERROR, -ENOMEM);
		return;
	}
	memcpy(c->in, data + used, rest);
	c->in_len = rest;
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	frame_enter(c);
	if ((what & EV_WRITE) && !c->end_set && c->out_len > c->out_off)
		flush(c);
	if ((what & EV_READ) && !c->end_set && !c->finishing && !c->read_paused &&
	    c->out_len - c->out_off <= c->high_water) {
		if (c->cbs->may_read && !c->cbs->may_read(c, c->arg)) {
			c->read_paused = true;
		} else {
			on_readable(c);
			if (c->cbs->read_done && !c->freeing)
				c->cbs->read_done(c, c->arg);
		}
	}
	frame_leave(c);
}
