/* The network runtime: listeners, associations, timers, signals, on one
 * explicit libevent event_base. Each association's socket is owned by its
 * connection object (net/conn.h); every timeout is a timer of the one queue
 * net/loop_timer.h drives. Protocol work is delegated to the sans-I/O
 * association (acsi/mms_server.h) and, for a connection over the limit, to
 * iso_refuse_cr (proto/iso.h). */
#pragma once
#include <stdbool.h>

#include "config.h"

struct server;

/* Creates the server for `cfg` (which must outlive it): binds every
 * listener (or adopts systemd socket-activated ones, see LISTEN_FDS in
 * sd_listen_fds(3)) and raises the open-file limit for max_associations.
 * Returns NULL after logging why (address in use, permission, ...). */
struct model;
/* `model` (may be NULL: an empty model) is the caller's and must outlive the server. */
struct server *server_new(const struct iedd_config *cfg, struct model *model, bool trace);
struct pv;
/* Runs the process-variable runtime on the server's loop (scan timers, the
 * source threads' wake-up; daemon/net/pv_loop.h) until server_free. `pv` is
 * the caller's and must outlive the server. Returns 0 or -ENOMEM (logged). */
int server_attach_pv(struct server *srv, struct pv *pv);
/* Runs until SIGTERM/SIGINT; then stops accepting, aborts open associations
 * (MMS has no server-initiated release) and returns 0. */
int server_run(struct server *srv);
void server_free(struct server *srv);
