/* SPDX-License-Identifier: Apache-2.0 */
/* iedd's own configuration (iedd.xml), validated against
 * schemas/iedd-config.xsd. The schema and the default configuration
 * (etc/iedd.xml) are compiled into the binary, so iedd runs without any
 * installed file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authz.h"

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_SOURCES 16
#define CONFIG_MAX_PARAMS 16
#define CONFIG_MAX_SCAN 16

struct config_listen {
	char addr[64];		/* numeric IPv4/IPv6 address, or "*" / "::" for any */
	uint16_t port;
	bool tls;		/* transport="tls" (IEC 62351-3); default port 3782, plain 102 */
	unsigned line;		/* line of <listen> in iedd_config.source; 0: --listen */
};

/* <source><param name value/></source> */
struct config_param {
	char name[64];
	char value[256];
};

/* <sources><source name plugin thread?> (process variables, daemon/pv) */
struct config_source {
	char name[64];
	/* A bare plugin name (looked up in the plugin directory), or a path:
	 * one written relative in iedd.xml is made relative to the directory
	 * of iedd.xml, as scl_file and map_file are. */
	char plugin[4096];
	bool thread;			/* thread="true": own thread even if the plugin does not block */
	unsigned line;			/* line of <source> in the file named by iedd_config.source */
	struct config_param params[CONFIG_MAX_PARAMS];
	size_t n_params;
};

/* <map><scanClass name period/></map> */
struct config_scan {
	char name[64];
	unsigned period_ms;
};

/* <simulate><control ref travelMs fail/></simulate>: how the simulated
 * plant carries out one control (pv_sim_control) */
#define CONFIG_MAX_SIM_CONTROLS 64
struct config_sim_control {
	char ref[256];			/* "LD/LN.DO" */
	int travel_ms;			/* -1: not given */
	char fail[32];			/* "" or refuse, stuck, intermediate, every:N */
	unsigned line;
};

/* <tls>: TLS per IEC 62351-3 (daemon/net/tls.h, doc/tls.md). Paths are
 * made absolute against the configuration's directory, as scl_file; each
 * keeps the line it was written on, for start-up errors. */
#define CONFIG_MAX_TLS_FILES 16
#define CONFIG_MAX_TLS_CLIENTS 64
#define CONFIG_TLS_PATH 1024
struct config_tls_file {
	char path[CONFIG_TLS_PATH];
	unsigned line;
};
/* <tls><client name fingerprint|cert/></tls>: an expected client in pinned mode */
struct config_tls_client {
	char name[64];
	bool has_sha256;
	uint8_t sha256[32];		/* fingerprint="SHA-256 hex, colons allowed" */
	char cert[CONFIG_TLS_PATH];	/* cert="file": its SHA-256 is taken at start */
	unsigned line;
};
struct config_tls {
	bool present;			/* a <tls> element (or --tls-dir) */
	unsigned line;
	struct config_tls_file cert, key;	/* <certificate file key> */
	struct config_tls_file ca[CONFIG_MAX_TLS_FILES];	/* <ca file> */
	size_t n_ca;
	struct config_tls_file crl[CONFIG_MAX_TLS_FILES];	/* <crl file> */
	size_t n_crl;
	char priority[1024];		/* "" = the IEC 62351-3 default */
	bool pinned;			/* clientAuth="pinned" (default "chain") */
	bool allow_rsa1024;		/* allowRsa1024="true" */
	struct config_tls_client clients[CONFIG_MAX_TLS_CLIENTS];
	size_t n_clients;
};

/* Session key renewal and resumption: <tls rekeyInterval rekeyBytes
 * renegotiationGrace resumption> (net/tls.h); kept apart from config_tls
 * so that --tls-dir, which replaces the files, keeps them. */
struct config_tls_session {
	unsigned rekey_s;		/* rekeyInterval, s; 0 = not by time; default 3600 */
	unsigned rekey_bytes;		/* rekeyBytes; 0 = not by volume; default 1 GiB */
	unsigned grace_s;		/* renegotiationGrace, s, 1..3600; default 30 */
	unsigned resume_s;		/* resumption, s; 0 = off; default 1800 */
};

struct iedd_config {
	struct config_listen listen[CONFIG_MAX_LISTEN];
	size_t n_listen;
	unsigned max_associations;	/* default 10000 */
	unsigned assoc_timeout_ms;	/* TCP accept -> MMS Initiate done, default 10000 */
	unsigned idle_timeout_ms;	/* no PDU from an associated client; 0 = never (default) */
	/* backoff after authentication failures per address (net/admit.h):
	 * after auth_failures (default 5; 0 none) for auth_backoff_ms (1000),
	 * doubling up to auth_backoff_max_ms (60000) */
	unsigned auth_failures, auth_backoff_ms, auth_backoff_max_ms;
	/* connections from one address not associated yet (net/admit.h); 0 = no
	 * limit (the default) */
	unsigned pending_per_addr;
	unsigned pdu_timeout_ms;	/* a started PDU must complete within, default 10000 */
	uint32_t max_pdu_size;		/* MMS PDU size offered, default 65000 */
	int max_serv_outstanding;	/* default 16 */
	int max_nesting;		/* data structure nesting level, default 10 */
	unsigned cpu_percent;		/* <limits cpuPercent>: 0 (default) = no CPU limit, else 1..100 */
	char vendor[65], model[65], revision[65];	/* MMS Identify */
	char source[256];		/* file name the configuration came from, or "(embedded default)" */
	char scl_file[4096];		/* <scl file>, made absolute against the config's directory; "" = embedded sample */
	char ied_name[65];		/* <scl ied>, "" = the only IED of the file */
	bool scl_strict;		/* <scl strict>: SCL loader warnings are errors (--strict) */
	unsigned scl_line;		/* line of <scl> in `source`; 0 = no <scl> element */
	/* process variables (added): */
	char map_file[4096];		/* <map file>, absolute as scl_file; "" = no map */
	unsigned scan_period_ms;	/* <map period>: the default scan class, 1000 */
	struct config_scan scans[CONFIG_MAX_SCAN];
	size_t n_scans;
	struct config_source sources[CONFIG_MAX_SOURCES];
	size_t n_sources;
	bool simulate;			/* <simulate/> */
	int sim_travel_ms;		/* <simulate travelMs>: a DPC's travel; -1 (default): 60 */
	struct config_sim_control sim_controls[CONFIG_MAX_SIM_CONTROLS];
	size_t n_sim_controls;
	/* file services (added): <files root delete rename> */
	char files_root[4096];		/* absolute as scl_file; "" = no file services */
	bool files_delete, files_rename;	/* FileDelete / FileRename allowed (default no) */
	bool files_obtain;		/* ObtainFile allowed (default no) */
	unsigned files_max_open_assoc;	/* maxOpenPerAssociation; 0 = the store's default (5) */
	unsigned files_max_open;	/* maxOpen over all associations; 0 = default (64) */
	unsigned files_max_upload_mib;	/* maxUploadMiB; 0 = default (256) */
	unsigned files_keep_free_mib;	/* keepFreeMiB an upload leaves free (default 0) */
	/* reporting (added): <reports bufferEntries bufferKiB stateDir syncMs> */
	unsigned rpt_buf_entries;	/* per BRCB; 0 = default (10000) */
	unsigned rpt_buf_kib;		/* per BRCB; 0 = default (4096 KiB) */
	char rpt_state_dir[4096];	/* BRCB state on disk; "" = $STATE_DIRECTORY, else none */
	bool rpt_state_off;		/* stateDir="" given: nothing persisted */
	unsigned rpt_sync_ms;		/* sync interval; 0 = default (100 ms) */
	/* <settings persist="false">, or --no-persist-settings: client-written
	 * CF/DC/SP/SE values are not kept in the state directory */
	bool settings_persist_off;
	/* client-defined data sets: <dataSets maxMembers maxPerLD maxPerAssociation> */
	unsigned ds_max_members;	/* 0 = default (100) */
	unsigned ds_max_ld;		/* 0 = default (10) */
	unsigned ds_max_aa;		/* 0 = default (10) */
	/* the control model: <controls sboTimeoutMs operTimeoutMs refuseUnchecked healthBlocks> */
	unsigned ctl_sbo_timeout_ms;	/* where the SCL has no sboTimeout; 0 = 30000 */
	unsigned ctl_oper_timeout_ms;	/* where the SCL has no operTimeout; 0 = 10000 */
	bool ctl_refuse_unchecked;	/* Check asked, no source checks: refuse (default pass) */
	bool ctl_health_blocks;		/* Health alarm refuses commands (default no) */
	/* GOOSE: <goose interface>, or --goose-interface */
	char goose_iface[16];		/* "" = GOOSE off */
	unsigned goose_line;		/* line of <goose> in `source`; 0 = none */
	/* the status page: <http listen token> (net/http.h), or --http */
	struct config_listen http;	/* port 0: off */
	char http_token[256];		/* "" = none (loopback only) */
	unsigned http_line;
	/* the audit trail: <audit file maxKiB keep syslog journal queue> (daemon/audit.h) */
	char audit_file[4096];		/* JSON lines, absolute as scl_file; "" = none */
	unsigned audit_max_kib;		/* rotate above; 0 = 10240 */
	unsigned audit_keep;		/* rotated files kept; 0 = 5 */
	char audit_syslog[300];		/* "unix:PATH" or "udp:ADDR:PORT"; "" = none */
	bool audit_journal;		/* journald's native socket */
	unsigned audit_queue;		/* records queued at most; 0 = 4096 */
	bool audit_present;		/* an <audit> element */
	/* TLS: <server plainTcp="false"> and <tls> */
	bool plain_off;			/* no plain TCP listener allowed (also not --listen) */
	struct config_tls tls;
	struct config_tls_session tls_session;
	/* the expected clients and their rights: <clients> (inline or file=),
	 * acsi/authz.h, doc/security.md. authz.enabled: a client list is given. */
	struct authz_policy authz;
	char clients_file[4096];	/* <clients file>, absolute as scl_file; "" inline */
	unsigned clients_line;		/* line of <clients> in `source`; 0 = none */
};

/* A reload (SIGHUP) applies the map (<map>, <simulate>), the sources
 * (<sources>) and the TLS files (<tls> certificate, key, CAs, CRLs, pins,
 * priority) live. Everything else is only read at start: this names the
 * first such setting in which `next` differs from the running `run`
 * ("<scl file>", "the listeners (<listen>)", ...), or NULL when none does.
 * Line numbers do not count (an edit above an element moves them).
 * Both must come from config_load_file/_embedded (zeroed padding). */
const char *config_restart_change(const struct iedd_config *run, const struct iedd_config *next);

/* Fills every field with the built-in defaults (no listener). */
void config_defaults(struct iedd_config *cfg);
/* Loads and validates `path`. On failure returns a negative errno and writes
 * a message naming file, line and the problem into err[errlen]. */
int config_load_file(const char *path, struct iedd_config *cfg, char *err, size_t errlen);
/* Loads the embedded default configuration (a copy of etc/iedd.xml). */
int config_load_embedded(struct iedd_config *cfg, char *err, size_t errlen);
/* A numeric 127.0.0.0/8 or ::1 address. */
bool config_addr_loopback(const char *addr);
/* Parses "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT"/"PORT" (any address). */
int config_parse_listen(const char *s, struct config_listen *out);
/* Fills cfg->tls from the files of the PKI directory `dir` (--tls-dir):
 * ca.pem, server.pem, server.key, and crl.pem when present. -ENAMETOOLONG
 * when a path does not fit. */
int config_tls_dir(struct iedd_config *cfg, const char *dir);
