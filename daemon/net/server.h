/* SPDX-License-Identifier: Apache-2.0 */
/* The network runtime: listeners, associations and their timeouts on one
 * explicit libevent event_base. Each association's socket is owned by its
 * connection object (net/conn.h); every timeout is a timer of the one queue
 * net/loop_timer.h drives. Protocol work is delegated to the sans-I/O
 * association (acsi/mms_server.h) and, for a connection over the limit, to
 * iso_refuse_cr (proto/iso.h).
 *
 * net/ knows nothing of the daemon's configuration file, of systemd or of
 * signals: main.c fills a struct server_cfg, passes socket-activated
 * listeners in, raises the open-file limit, and stops the server from its
 * signal handlers (server_base, server_stop); sd_notify goes through the
 * `notify` hook. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admit.h"
#include "control.h"
#include "datasets.h"
#include "report.h"
#include "goose_svc.h"

#define SERVER_MAX_LISTEN 32
/* An association whose client stops reading while reports (or answers) keep
 * coming is aborted once this much output waits for it (conn_set_out_limit):
 * far above what a reading client ever has queued (a whole BRCB buffer,
 * 4 MiB by default, is resent in batches), a bound on what one silent
 * client can cost. */
#define SERVER_OUT_LIMIT (32u << 20)
#define SERVER_OUT_LIMIT_TEXT "32 MiB"

struct server_listen {
	char addr[64];		/* numeric IPv4/IPv6 address, "*" / "" any IPv4, "::" any IPv6 */
	uint16_t port;
	bool tls;		/* TLS (IEC 62351-3) over server_cfg.tls; else plain TCP */
};

struct server_cfg {
	/* listeners to bind, used when n_inherited is 0 */
	struct server_listen listen[SERVER_MAX_LISTEN];
	size_t n_listen;
	/* listening sockets handed over (systemd socket activation): they win
	 * over `listen`; the server makes them non-blocking and owns them */
	int inherited[SERVER_MAX_LISTEN];
	size_t n_inherited;
	unsigned max_associations;
	unsigned assoc_timeout_ms;	/* TCP accept -> MMS Initiate done */
	unsigned idle_timeout_ms;	/* no PDU from an associated client; 0 = never */
	unsigned pdu_timeout_ms;	/* a started PDU must complete within */
	uint32_t max_pdu_size;		/* MMS PDU size offered */
	int max_serv_outstanding;
	int max_nesting;
	char vendor[65], model[65], revision[65];	/* MMS Identify */
	bool trace;			/* log every PDU (LOGC_TRACE) */
	/* Watchdog ping interval in µs (0: none): the server calls notify
	 * with "WATCHDOG=1" at that interval from its loop. */
	uint64_t watchdog_us;
	/* Service-manager notification ("READY=1" when server_run starts,
	 * "STOPPING=1" in server_stop, "WATCHDOG=1"); may be NULL. Called on
	 * the loop's thread. */
	void (*notify)(void *ctx, const char *state);
	void *notify_ctx;
	struct acsi_files *files;	/* MMS file services (the caller's); NULL: none */
	struct acsi_report_cfg reports;	/* BRCB buffer sizes (0: defaults) */
	struct acsi_control_cfg controls;	/* control model defaults (0: built-in) */
	const struct rpt_persist *report_persist;	/* BRCB state on disk; NULL: none */
	/* Called every sync_ms on the loop while it runs (main.c: the report
	 * state store's rptstore_sync); now_ms is loop_timer_now() in ms.
	 * NULL or sync_ms 0: none. */
	void (*sync)(void *ctx, int64_t now_ms);
	void *sync_ctx;
	unsigned sync_ms;
	struct acsi_ds_limits ds_limits;	/* client-defined data sets (0: defaults) */
	/* GOOSE (net/goose_eth.h, acsi/goose_svc.h): the interface every GoCB of the
	 * model is published on and its subscriptions are received from;
	 * "": GOOSE off (one log line says so when the model has GoCBs or
	 * subscriptions). An interface that cannot be opened (no CAP_NET_RAW,
	 * no such interface) is logged and the server serves MMS without
	 * GOOSE; a GoCB whose frame cannot fit is a start-up error. */
	char goose_iface[16];
	/* TLS (net/tls.h): the caller's, must outlive the server; needed when
	 * a listener has `tls`. A socket-activated listener is TLS when its
	 * local port is the port of a `tls` entry of `listen`. */
	struct tls_server *tls;
	/* The audit trail (acsi/audit_hook.h; daemon/audit.h): association
	 * accepted, ended and refused here, writes, controls, data sets and
	 * files by the services. NULL: off. The caller's; outlives the server. */
	const struct acsi_audit *audit;
	/* The expected clients and their rights (acsi/authz.h): a connection
	 * no client may come from is closed at accept, one whose certificate
	 * no client has ends in the TLS handshake, the AARQ settles who it
	 * is. NULL or !enabled: everyone may do everything. The caller's. */
	const struct authz_policy *authz;
	/* backoff after authentication failures, per source address (admit.h);
	 * failures 0: none */
	struct admit_cfg admit;
	/* CPU limit (net/cpu_limit.h): per cent of one core, 0..100; 0: none.
	 * Above it, reads of the busiest associations are deferred. */
	unsigned cpu_percent;
};

struct server;
struct tls_server;
struct acsi_files;
struct model;
struct pv;
struct event_base;

/* Creates the server for `cfg` (copied; the caller may free it): adopts the
 * inherited listeners or binds every configured one. `model` (may be NULL:
 * an empty model) is the caller's and must outlive the server. Returns NULL
 * after logging why (address in use, permission, no listener, memory). */
struct server *server_new(const struct server_cfg *cfg, struct model *model);
/* The MMS side server_new sets up for `cfg` (Initiate limits, parameter
 * CBBs, servicesSupportedCalled with the file services of cfg->files,
 * Identify), without a loop or listener: what iedd --pics reports is what
 * a client is offered. out->scratch is empty (mms_server_clear frees). */
struct mms_server;
void server_mms_config(const struct server_cfg *cfg, struct model *model, struct mms_server *out);
/* Runs the process-variable runtime on the server's loop (scan timers, the
 * source threads' wake-up; daemon/net/pv_loop.h) until server_free. `pv` is
 * the caller's and must outlive the server. Returns 0 or -ENOMEM (logged). */
int server_attach_pv(struct server *srv, struct pv *pv);
/* A reload: stops the attached pv's threads (pv_stop), cancels its scan
 * timers and removes its wake-up event; the pv itself stays the caller's
 * (attach it again, or another). No-op when none is attached. */
void server_detach_pv(struct server *srv);
/* A reload: associations accepted from now on on a TLS listener handshake
 * with `tls` (the caller's; must outlive the server); those running keep
 * the credentials they started with. Returns the one used before, which
 * the caller keeps until the associations that use it are gone (main.c:
 * until exit). */
struct tls_server *server_set_tls(struct server *srv, struct tls_server *tls);
/* A reload of the client list: connections accepted from now on are
 * recognised and given rights by `pol` (the caller's); established ones
 * keep the policy they associated with. Returns the one used before. */
struct authz_policy;
const struct authz_policy *server_set_authz(struct server *srv, const struct authz_policy *pol);
/* How many open connections use `pol` (a retired policy can go at 0). */
size_t server_authz_users(const struct server *srv, const struct authz_policy *pol);
/* Runs the layers' timed work of every TLS association now: after
 * tls_server_recheck marked sessions that new CRLs revoke, they end here. */
void server_layer_tick_all(struct server *srv);
/* The server's event_base, for the caller's own events on the same loop
 * (main.c's signal handlers). Owned by the server. */
struct event_base *server_base(struct server *srv);
/* Stops accepting, aborts open associations (MMS has no server-initiated
 * release), says STOPPING and makes server_run return; `why` (e.g.
 * "SIGTERM") is logged. Call on the loop's thread. */
void server_stop(struct server *srv, const char *why);
/* Runs the loop until server_stop; returns 0. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* The CPU limit's state, for a status page (cpu_limit_get_stats); never
 * NULL, also without a limit. Owned by the server. */
struct cpu_limit;
const struct cpu_limit *server_cpu_limit(const struct server *srv);

/* What the status page and the metrics show (net/http.c), read on the
 * loop's thread: counters kept where the work happens. Pointers are the
 * server's, valid until it goes. */
struct acsi_gpub;
struct acsi_gsub;
struct server_status {
	uint64_t started_unix;
	unsigned assoc_open;		/* connections now (associated or not) */
	uint64_t assoc_accepted;	/* MMS Initiate accepted, since start */
	uint64_t refused_limit;		/* refused: over maxAssociations */
	uint64_t refused_other;		/* refused: protocol, TLS, timeout before association */
	const struct mms_server *mms;	/* requests and errors by service (mms_server.st) */
	const struct model *model;
	struct acsi_reports_stats reports;
	struct acsi_controls_stats controls;
	const struct acsi_gpub *gpub;	/* NULL: GOOSE not running */
	const struct acsi_gsub *gsub;
	struct acsi_gpub_stats gpub_st;
	struct acsi_gsub_stats gsub_st;
	const struct pv *pv;		/* NULL: no process variables */
	const struct cpu_limit *cpu;
};
void server_get_status(const struct server *srv, struct server_status *out);
/* The associated connections, newest first; up to max; returns how many. */
struct server_assoc_info {
	char peer[56];
	uint64_t id;
	uint64_t since_unix_ms;
	uint64_t requests;
	uint64_t bytes_in, bytes_out;
	char transport[8];		/* "tcp", "tls" */
};
size_t server_assocs(const struct server *srv, struct server_assoc_info *out, size_t max);
