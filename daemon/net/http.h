/* SPDX-License-Identifier: Apache-2.0 */
/* The status page and metrics (<http listen token>, --http ADDR:PORT):
 * libevent's evhttp on the server's own loop, GET only:
 *   /              the status page (HTML, CSS and a little JavaScript in
 *                  the binary; everything essential is rendered on the
 *                  server, the script only refreshes values and filters
 *                  the model tree)
 *   /metrics       Prometheus text format 0.0.4
 *   /api/status, /api/associations, /api/rcbs, /api/goose, /api/sources,
 *   /api/values?prefix=LD/LN   JSON
 * A token, when set, is required as "Authorization: Bearer TOKEN" or
 * ?token=TOKEN (401 otherwise); anything but GET is 405, an unknown path
 * 404. Every request is answered on the loop from the counters the server
 * keeps (server_get_status): no extra thread, nothing polled.
 *
 * Thread: the event loop's. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct server;
struct buf;

struct http_cfg {
	char addr[64];		/* numeric IPv4/IPv6 address */
	uint16_t port;
	const char *token;	/* NULL or "": none */
	/* shown on the page */
	const char *version, *config_file;
	/* the daemon's own metrics (the audit queue): appended to /metrics in
	 * the text format; NULL: none */
	void (*extra_metrics)(void *ctx, struct buf *out);
	void *extra_ctx;
};

struct http_srv;

/* Listens on cfg's address with the server's event_base. NULL after
 * logging why (address in use, permission): iedd serves MMS without it. */
struct http_srv *http_start(struct server *srv, const struct http_cfg *cfg);
void http_stop(struct http_srv *h);
/* The port it listens on (cfg.port, or the one the kernel chose for 0). */
uint16_t http_port(const struct http_srv *h);
