/* SPDX-License-Identifier: Apache-2.0 */
/* The connection object: the one owner of an association's socket. Every
 * byte read from or written to the peer goes through here (one read path,
 * one write path), under an optional layer (TLS later), with back-pressure
 * and a "held" state that lets the session end and free itself from inside
 * its own callback (the habit of OpenSMTPD's ioev.c: IO_HELD and frame
 * enter/leave). Nothing else in iedd calls send/recv on such a socket.
 *
 * Reading: one persistent read event; on readiness one recv() into a read
 * scratch shared by every connection of the loop, behind the tail that the
 * previous on_data left unconsumed, then on_data(data, len). The session
 * returns how much it consumed; only the rest (an incomplete TPKT) is kept
 * per connection, so idle connections own no buffer. An optional gate
 * (may_read/read_done, the CPU limit) is asked before each recv and told
 * after; a "no" pauses reading until conn_set_read_paused(c, false), so
 * the peer's bytes wait in the socket.
 *
 * Writing: conn_write() sends at once (a response leaves from the read
 * callback that produced it: the performance rule of DESIGN.md); what the
 * socket does not take is queued and sent when it becomes writable. While
 * more than the high-water mark is queued, reading stops (the peer that
 * does not read its responses stops being read); with the default mark of 0
 * reading pauses as soon as anything is queued.
 *
 * Ending: the session learns that the connection is over from on_end,
 * called once, always from the event loop (never from inside conn_write or
 * conn_finish). The session owns the conn and frees it with conn_free, which
 * is safe at any time, also inside on_data and on_end: while a callback
 * runs the conn is held and the free happens when the frame is left.
 *
 * Thread: the event loop's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct event_base;
struct conn;
struct conn_loop;

enum conn_end {
	CONN_END_EOF,		/* the peer closed, no incomplete input kept */
	CONN_END_EOF_PARTIAL,	/* the peer closed while on_data kept an incomplete unit */
	CONN_END_ERROR,		/* recv, send or the layer failed, or out of memory: err */
	CONN_END_DONE,		/* conn_finish: the queued output has been sent */
};

struct conn_cbs {
	/* Input: data[len] (valid until return) is the unconsumed tail of the
	 * last call followed by the new bytes. Returns how many leading octets
	 * were consumed (<= len); the rest comes again in front of the next
	 * bytes. May call conn_write, conn_finish and conn_free on `c`. */
	size_t (*on_data)(struct conn *c, void *arg, const uint8_t *data, size_t len);
	/* The connection is over (`err` is a negative errno for
	 * CONN_END_ERROR, else 0); no more on_data. Called once; the owner
	 * calls conn_free, here or later. */
	void (*on_end)(struct conn *c, void *arg, enum conn_end why, int err);
	/* Optional (NULL: always read): asked before each recv of a readable
	 * connection. false pauses reading (conn_set_read_paused(c, true)),
	 * so the peer's requests wait in TCP; the session resumes it. Must
	 * not free `c`. (The CPU limit: net/cpu_limit.h.) */
	bool (*may_read)(struct conn *c, void *arg);
	/* Optional: the read that may_read allowed is over (recv, layer,
	 * on_data); not called when on_data freed `c`. */
	void (*read_done)(struct conn *c, void *arg);
	/* Optional: a read the layer took whole gave the session no data
	 * (handshake records, a renegotiation's last flight, a KeyUpdate):
	 * the owner may run the layer's timed work now (conn_layer_tick),
	 * as it does after on_data. May not free `c`. */
	void (*on_layer_input)(struct conn *c, void *arg);
};

/* The layer slot, where GnuTLS will sit over in-memory pull/push buffers
 * (the record layer between the socket and the session). unwrap gets the
 * octets read from the socket and appends to `plain` what the session is to
 * read and to `wire_out` what must go back to the peer at once (handshake
 * records); wrap appends to `wire_out` the octets for the session's
 * plaintext. Both return 0 or a negative errno, which ends the connection
 * (CONN_END_ERROR). free (may be NULL) releases ctx when the conn goes. A
 * NULL unwrap/wrap is the identity with no copy: conn_layer_tcp is plain
 * TCP, the default. */
struct conn_layer_ops {
	const char *name;
	int (*unwrap)(void *ctx, const uint8_t *wire, size_t len, struct buf *plain,
		      struct buf *wire_out);
	int (*wrap)(void *ctx, const uint8_t *plain, size_t len, struct buf *wire_out);
	void (*free)(void *ctx);
	/* Optional: the layer's timed work at now_us (TLS key renewal and its
	 * grace time), appending what must go out to `wire_out`; *next_us is
	 * when it wants the next call (UINT64_MAX: not before more traffic).
	 * A negative errno ends the connection. */
	int (*tick)(void *ctx, uint64_t now_us, struct buf *wire_out, uint64_t *next_us);
	/* Optional: the last words of an orderly close (TLS close_notify),
	 * appended to `wire_out`. */
	void (*close)(void *ctx, struct buf *wire_out);
	/* Optional: why the layer failed (the event of its last refusal, e.g.
	 * "certificate revoked: ..."), NULL when it did not; valid while the
	 * conn lives. */
	const char *(*why)(void *ctx);
};
extern const struct conn_layer_ops conn_layer_tcp;

/* What the connections of one event_base share: the base (the caller's,
 * must outlive it), the read scratch and the layers' scratch buffers.
 * NULL on out of memory. conn_loop_free: every conn of the loop must be
 * freed before; NULL is a no-op. */
struct conn_loop *conn_loop_new(struct event_base *base);
void conn_loop_free(struct conn_loop *l);

/* Takes `fd` (a connected, non-blocking stream socket; the conn owns it
 * from here, also on failure: it is closed then), sets TCP_NODELAY and
 * starts reading. `cbs` (static) and `arg` are the session's. NULL on out
 * of memory. */
struct conn *conn_new(struct conn_loop *l, int fd, const struct conn_cbs *cbs, void *arg);
/* Closes the socket and frees the conn, dropping queued output; inside one
 * of its callbacks this happens when the callback returns, and no further
 * callback is made. NULL: no-op. */
void conn_free(struct conn *c);

/* Puts a layer between the socket and the session, before any byte went
 * through (asserted): the conn owns ctx from here (ops->free). */
void conn_set_layer(struct conn *c, const struct conn_layer_ops *ops, void *ctx);
/* Reading pauses while more than `bytes` of output are queued. Default 0. */
void conn_set_high_water(struct conn *c, size_t bytes);
/* A write that would queue more than `bytes` (unsent output in all) ends
 * the connection instead: conn_write returns -ENOBUFS and on_end follows
 * with CONN_END_ERROR, -ENOBUFS. Bounds what a peer that stops reading
 * costs (reports and other unsolicited output go on being produced for
 * it). 0 (the default): no bound. */
void conn_set_out_limit(struct conn *c, size_t bytes);
/* The layer's name ("tcp", "tls"), for logs and the audit trail. */
const char *conn_layer_name(const struct conn *c);
/* The layer's reason for a CONN_END_ERROR it caused (conn_layer_ops why),
 * or NULL. */
const char *conn_layer_why(const struct conn *c);
/* Runs the layer's timed work (conn_layer_ops tick) at now_us and sends
 * what it produced. *next_us: when to call again (UINT64_MAX: after the
 * next input). Returns 0, or the negative errno that ends the connection
 * (on_end follows with CONN_END_ERROR). Without a tick: 0 and UINT64_MAX.
 * Safe inside the conn's callbacks and from a timer. */
int conn_layer_tick(struct conn *c, uint64_t now_us, uint64_t *next_us);
/* Octets received and sent on the socket so far (TLS records included). */
void conn_bytes(const struct conn *c, uint64_t *in, uint64_t *out);

/* Stops (true) or resumes (false) reading, whatever the output queue says;
 * unread input stays in the socket. */
void conn_set_read_paused(struct conn *c, bool paused);

/* Sends data[len] (through the layer), queueing what the socket does not
 * take; the bytes are copied when queued. Returns 0, or a negative errno
 * when the connection has failed or ended: on_end then reports it. After
 * conn_finish: -EPIPE, nothing sent. */
int conn_write(struct conn *c, const uint8_t *data, size_t len);
/* No more input is wanted: reading stops, unread input is dropped, the
 * layer's last words (TLS close_notify) are queued, and
 * on_end(CONN_END_DONE) comes once the queued output has been sent. A conn
 * freed without conn_finish and not ended by an error makes one attempt to
 * send the layer's last words before the socket closes. */
void conn_finish(struct conn *c);
/* Octets of output queued, not yet taken by the socket. */
size_t conn_pending(const struct conn *c);
