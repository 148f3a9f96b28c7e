/* SPDX-License-Identifier: Apache-2.0 */
/* iedd: an IEC 61850 / IEC 61400-25 server ("software IED"). */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "embedded.h"
#include "goose_map.h"
#include "goose_svc.h"
#include "gse.h"
#include "iedd_config.h"
#include "log.h"
#include "map.h"
#include "model.h"
#include "notify.h"
#include "pv.h"
#include "rpt_persist.h"
#include "server.h"
#include "tls.h"
#include "json_out.h"
#include "audit.h"
#include "http.h"
#include "http_render.h"
#include "pics.h"
#include "passwd.h"
#include "file_service.h"
#include "set_persist.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iedd [OPTION]...\n"
		"IEC 61850 / IEC 61400-25 MMS server (a software IED).\n"
		"\n"
		"  -c, --config FILE         daemon configuration (iedd.xml); without it the\n"
		"                            embedded default is used (a copy of etc/iedd.xml:\n"
		"                            listens on 127.0.0.1:10102 and serves the sample\n"
		"                            model etc/sample.icd)\n"
		"  -l, --listen ADDR:PORT    listen here instead of the configured listeners;\n"
		"                            repeatable. ADDR is an IPv4/IPv6 literal, '*' or\n"
		"                            '::' (e.g. 0.0.0.0:102, [::1]:10102, :102)\n"
		"      --tls-listen ADDR:PORT  a TLS listener (IEC 62351-3, port 3782 by\n"
		"                            convention) instead of the configured ones, as\n"
		"                            --listen; repeatable, and may go with --listen\n"
		"      --tls-dir DIR         TLS with the PKI files in DIR instead of <tls>:\n"
		"                            ca.pem, server.pem, server.key, and crl.pem when\n"
		"                            present; client certificates validated against\n"
		"                            ca.pem (doc/tls.md)\n"
		"  -m, --max-associations N  refuse associations beyond N (COTP DR)\n"
		"      --cpu-limit PCT       keep iedd's CPU time (all threads) within PCT\n"
		"                            per cent of one core (1..100; 0: no limit) by\n"
		"                            deferring reads of the busiest associations;\n"
		"                            GOOSE, reports, controls and the scan keep their\n"
		"                            timing (instead of <limits cpuPercent>)\n"
		"  -s, --scl FILE            serve the data model of this SCL file (ICD, CID,\n"
		"                            IID, SCD; SCL 2003/2007B/2007B4) instead of the\n"
		"                            configured one; no configuration file needed\n"
		"  -i, --ied NAME            the IED of the SCL file to serve (needed when the\n"
		"                            file describes several)\n"
		"      --map FILE            the CSV map of process variables (instead of the\n"
		"                            configured <map file>; schemas/map-format.md)\n"
		"      --simulate            animate the whole model with the simulator plugin\n"
		"                            instead of a map (analogue values move, statuses\n"
		"                            toggle every 1..4 s, counters count)\n"
		"      --simulate-speed X    with --simulate: run the simulated process X times\n"
		"                            as fast (0.001..1000; 10: a 4 s toggle takes 0.4 s);\n"
		"                            the scan period shrinks by X too (at least 10 ms)\n"
		"      --print-map-template  write a CSV map skeleton listing every mappable\n"
		"                            attribute of the model to stdout, then exit\n"
		"  -k, --check               load and validate everything, then exit 0, or\n"
		"                            non-zero with the messages; does not listen and\n"
		"                            touches nothing: sources check their parameters\n"
		"                            and addresses only (no shm segment, no Modbus\n"
		"                            connection; older plugins are not opened).\n"
		"                            Lists every SCL finding by line with a summary\n"
		"                            (doc/scl-findings.md); warnings alone exit 0\n"
		"      --strict              SCL warnings are errors: refuse a file that would\n"
		"                            be served with repairs (iedd.xml <scl strict>)\n"
		"      --json                with --check: the SCL findings as one JSON\n"
		"                            document on stdout (other lines go to stderr);\n"
		"                            with --pics: the statement as one JSON document\n"
		"      --audit-file FILE     write the audit trail (associations, writes,\n"
		"                            controls, data sets, files, reloads) as JSON\n"
		"                            lines to FILE, beside <audit> of the\n"
		"                            configuration (which may add syslog, journald)\n"
		"      --http ADDR:PORT      serve the status page, /metrics (Prometheus)\n"
		"                            and /api/... JSON here (instead of <http>);\n"
		"                            loopback, or a configured <http token>\n"
		"      --hash-password       read a password from stdin and print its salted\n"
		"                            hash for <client password> (ACSE password\n"
		"                            authentication); nothing else runs\n"
		"      --pics                print the conformance statement of this\n"
		"                            configuration (PICS/PIXIT tables: ACSI services\n"
		"                            and their MMS services, Initiate limits, RCBs,\n"
		"                            GoCBs, ctlModels, TLS, file store), then exit;\n"
		"                            opens no socket and starts no source\n"
		"      --files DIR           serve the files beneath DIR through the MMS file\n"
		"                            services (FileDirectory, FileOpen/Read/Close;\n"
		"                            IEC 61850-8-1 GetFile); nothing outside DIR is\n"
		"                            reached, symlinks are not followed. Without it\n"
		"                            and <files>: $STATE_DIRECTORY/files if it exists;\n"
		"                            the embedded default serves its sample record\n"
		"      --files-allow LIST    with --files: also allow delete, rename and/or\n"
		"                            obtain (ObtainFile: clients put files, iedc file\n"
		"                            put), e.g. delete,rename; all off by default\n"
		"      --goose-interface IFACE  publish every GSEControl of the served IED and\n"
		"                            receive its Inputs/ExtRef subscriptions on this\n"
		"                            Ethernet interface (instead of <goose interface>);\n"
		"                            needs CAP_NET_RAW. Without either, GOOSE is off\n"
		"      --no-persist-settings  do not keep what clients write to CF/DC/SP/SE\n"
		"                            attributes in the state directory (as <settings\n"
		"                            persist=\"false\">); by default such values are\n"
		"                            applied again at start (README, Durable settings)\n"
		"  -v, --verbose             one line per association event (repeat for debug)\n"
		"      --trace               decode every PDU to a readable line (debugging)\n"
		"      --plugin-dir DIR      look up bare plugin names (<source plugin=\"shm\">)\n"
		"                            as DIR/iedd-source-NAME.so. Without it: the\n"
		"                            environment variable IEDD_PLUGIN_DIR, then the\n"
		"                            build tree's plugins folder when iedd runs from a\n"
		"                            build tree, then the installed\n"
		"                            " IEDD_PLUGINDIR "\n"
		"  -f, --foreground          stay in the foreground (iedd always does; systemd\n"
		"                            and other supervisors run it this way)\n"
		"  -h, --help                this help\n"
		"  -V, --version             version\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop accepting, abort open associations, write the\n"
		"BRCB state (<reports stateDir>, doc/state-format.md) and exit 0. SIGHUP\n"
		"reloads the map, the sources and the TLS files from the configuration\n"
		"file without dropping associations; a reload that fails or needs a\n"
		"restart changes nothing and logs why.\n"
		"Exit status: 0 ok, 1 configuration or start-up error, 2 usage error.\n"
		"Try it:  iedd --listen 127.0.0.1:10102 &  iedc identify 127.0.0.1:10102\n"
		"         iedd --scl my.icd --check      (validate an SCL file)\n");
}

/* Where bare plugin names are looked up, first that applies: --plugin-dir
 * (`opt`), $IEDD_PLUGIN_DIR (tests, staged installs: meson install
 * --destdir), the build tree's plugins folder when this iedd runs from a
 * build tree (<build>/daemon/iedd next to <build>/plugins/iedd-source-sim.so),
 * else the installed IEDD_PLUGINDIR. */
/* The build directory when this iedd runs from a build tree
 * (<build>/daemon/iedd next to <build>/plugins/iedd-source-sim.so), made
 * absolute into out[n]; false for an installed iedd. */
static bool build_tree(char *out, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return false;
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = 0;
	char probe[4200], rp[PATH_MAX];
	struct stat st;
	snprintf(probe, sizeof(probe), "%s/../plugins/iedd-source-sim.so", exe);
	if (stat(probe, &st))
		return false;
	snprintf(probe, sizeof(probe), "%s/..", exe);
	if (!realpath(probe, rp) || strlen(rp) >= n)
		return false;
	memcpy(out, rp, strlen(rp) + 1);
	return true;
}

static void plugin_dir(const char *opt, char *out, size_t n)
{
	const char *env = getenv("IEDD_PLUGIN_DIR");
	char build[4096];
	if (opt && *opt)
		snprintf(out, n, "%s", opt);
	else if (env && *env)
		snprintf(out, n, "%s", env);
	else if (build_tree(build, sizeof(build)))
		snprintf(out, n, "%s/plugins", build);
	else
		snprintf(out, n, "%s", IEDD_PLUGINDIR);
}

/* The sample files the embedded default serves (etc/sample-files: a
 * COMTRADE pair of the sample bay): the source tree's when this iedd runs
 * from a build tree, else the installed copy. NULL when it is not there. */
static const char *sample_files_dir(void)
{
	static char dir[4200];
	char build[4096];
	struct stat st;
	if (build_tree(build, sizeof(build)))
		snprintf(dir, sizeof(dir), "%s/etc/sample-files", IEDD_SOURCE_ROOT);
	else
		snprintf(dir, sizeof(dir), "%s", IEDD_SAMPLE_FILES);
	return !stat(dir, &st) && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* How start_pv runs the sources: --plugin-dir, --check, --simulate-speed. */
struct pv_opts {
	const char *plugin_dir;		/* NULL: plugin_dir()'s other choices */
	bool check;			/* open the sources to check only (IEDD_HOST_CHECK) */
	const char *speed;		/* --simulate-speed as given; NULL: 1 */
	double speed_x;
};

/* The process-variable runtime for the configuration: the map and its
 * sources, or --simulate. *out stays NULL when there is nothing to run.
 * At start (`reload` NULL) the map's GOOSE input rows become the model's
 * subscriptions and *goose_sig their hash; on a reload, `reload` is the
 * running pv (stopped, drained), whose unchanged sources the new one takes
 * over (pv_cfg.adopt), and the GOOSE rows must hash to *goose_sig. On
 * failure msg[n] says why (file:line first). */
static int start_pv(const struct iedd_config *cfg, struct model *model, const struct pv_opts *po,
		    struct pv *reload, uint64_t *goose_sig, struct pv **out, char *msg, size_t n)
{
	static char err[4096];
	char dir[4200];
	struct map *map = NULL;
	int r;

	*out = NULL;
	bool sample_map = cfg->source[0] == '(' && !strcmp(cfg->map_file, "sample-map.csv");
	bool none = !cfg->simulate && (!cfg->map_file[0] || (sample_map && cfg->scl_file[0]));
	if (none && reload && *goose_sig) {
		snprintf(msg, n, "%s: no map any more, but the map's GOOSE input rows are "
			 "subscriptions made at start: restart iedd for that (systemctl restart "
			 "iedd)", cfg->source);
		return -EINVAL;
	}
	if (!cfg->simulate && !cfg->map_file[0])
		return 0;
	if (!cfg->simulate && sample_map && cfg->scl_file[0]) {
		/* the embedded sample map belongs to the embedded sample model */
		if (!reload)
			log_msg(LOGL_INFO, LOGC_PV, "--scl without a map: no process variables");
		return 0;
	}
	plugin_dir(po->plugin_dir, dir, sizeof(dir));
	static struct iedd_param params[CONFIG_MAX_SOURCES][CONFIG_MAX_PARAMS];
	struct pv_source_cfg srcs[CONFIG_MAX_SOURCES + 1];
	struct pv_scan_cfg scans[CONFIG_MAX_SCAN];
	size_t n_srcs = 0;
	if (cfg->simulate) {
		/* only a map the user named: the embedded default's sample map
		 * is not news to anyone */
		if (cfg->map_file[0] && !sample_map)
			log_msg(LOGL_NOTICE, LOGC_PV, "simulating: the map %s is not used",
				cfg->map_file);
		static struct iedd_param speed;
		srcs[n_srcs] = (struct pv_source_cfg){ .name = "sim", .plugin = "sim" };
		if (po->speed) {
			speed = (struct iedd_param){ .name = "speed", .value = po->speed };
			srcs[n_srcs].params = &speed;
			srcs[n_srcs].n_params = 1;
		}
		n_srcs++;
		/* <simulate travelMs><control ref travelMs fail/></simulate> */
		static struct pv_sim_control sc[CONFIG_MAX_SIM_CONTROLS];
		for (size_t i = 0; i < cfg->n_sim_controls; i++)
			sc[i] = (struct pv_sim_control){ .ref = cfg->sim_controls[i].ref,
							 .travel_ms = cfg->sim_controls[i].travel_ms,
							 .fail = cfg->sim_controls[i].fail };
		const struct pv_sim_cfg simc = { .dpc_travel_ms = cfg->sim_travel_ms,
						 .controls = sc,
						 .n_controls = cfg->n_sim_controls };
		r = pv_simulate_map_cfg(model, &simc, &map, err, sizeof(err));
		if (r) {
			snprintf(msg, n, "%s: %s", cfg->source, err);
			return r;
		}
	} else {
		for (size_t i = 0; i < cfg->n_sources; i++) {
			const struct config_source *cs = &cfg->sources[i];
			for (size_t k = 0; k < cs->n_params; k++)
				params[i][k] = (struct iedd_param){ .name = cs->params[k].name,
								    .value = cs->params[k].value };
			srcs[n_srcs++] = (struct pv_source_cfg){ .name = cs->name,
								 .plugin = cs->plugin,
								 .force_thread = cs->thread,
								 .params = params[i],
								 .n_params = cs->n_params,
								 .file = cfg->source,
								 .line = cs->line };
		}
		/* the embedded default names the sample map beside it: use the
		 * copy compiled in (etc/sample-map.csv) */
		if (sample_map)
			r = map_parse("(embedded sample-map.csv)",
				      (const char *)embedded_sample_map_csv,
				      embedded_sample_map_csv_len, &map, err, sizeof(err));
		else
			r = map_load(cfg->map_file, &map, err, sizeof(err));
		if (r) {
			snprintf(msg, n, "%s", err);
			return r;
		}
	}
	for (size_t i = 0; i < cfg->n_scans; i++)
		scans[i] = (struct pv_scan_cfg){ .name = cfg->scans[i].name,
						 .period_ms = cfg->scans[i].period_ms };
	/* faster simulated time, scanned as often per simulated second */
	unsigned period_ms = cfg->scan_period_ms;
	if (cfg->simulate && po->speed) {
		double p = period_ms / po->speed_x;
		period_ms = p < 10 ? 10 : p > 3600000 ? 3600000 : (unsigned)p;
	}
	/* GOOSE inputs: `goose` rows become subscriptions; no source (and not
	 * the simulator) may write what a subscription delivers */
	size_t n_goose = 0;
	uint64_t sig = 0;
	r = goose_map_take(model, map, cfg->simulate, !reload, &n_goose, &sig, err, sizeof(err));
	if (r) {
		map_free(map);
		snprintf(msg, n, "%s", err);
		return r;
	}
	if (reload && sig != *goose_sig) {
		snprintf(msg, n, "%s: the map's GOOSE input rows (source %s) changed: subscriptions "
			 "are made at start, restart iedd for them (systemctl restart iedd)",
			 map ? map->file : cfg->map_file, GOOSE_MAP_SOURCE);
		map_free(map);
		return -EINVAL;
	}
	*goose_sig = sig;
	if (n_goose)
		log_msg(LOGL_INFO, LOGC_PV, "%zu GOOSE input(s) from the map", n_goose);
	struct pv_cfg pc = {
		.plugindir = dir,
		.sources = srcs,
		.n_sources = n_srcs,
		.scans = scans,
		.n_scans = cfg->n_scans,
		.default_period_ms = period_ms,
		.map = map,
		.simulate = cfg->simulate,
		.check = po->check,
		.adopt = reload,
	};
	r = pv_new(model, &pc, out, err, sizeof(err));
	map_free(map);
	if (r) {
		snprintf(msg, n, "%s", err);
		return r;
	}
	if (!reload)
		log_msg(LOGL_NOTICE, LOGC_PV, "%zu attribute(s) mapped to %zu source(s)%s",
			pv_n_rows(*out), n_srcs, cfg->simulate ? " (simulating)" : "");
	return 0;
}

/* --check of GOOSE: the publisher is built once (its frames encoded and
 * measured against the frame limit) with nothing to send to; a summary
 * line when the model has GoCBs or subscriptions. */
static uint64_t check_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

static int check_arm(void *ctx, struct timer *t, uint64_t at)
{
	(void)ctx, (void)t, (void)at;
	return 0;
}

static void check_cancel(void *ctx, struct timer *t)
{
	(void)ctx, (void)t;
}

static int check_send(void *ctx, const uint8_t *f, size_t n)
{
	(void)ctx, (void)f, (void)n;
	return 0;
}

static int check_goose(struct model *m, char *err, size_t errlen)
{
	uint32_t n_gocb = model_n_gocbs(m), n_sub = model_n_goose_subs(m), n_pub = 0, n_in = 0;
	if (!n_gocb && !n_sub)
		return 0;
	const struct acsi_clock clk = { .mono_us = check_clock, .utc_ns = check_clock,
					.arm = check_arm, .cancel = check_cancel };
	const struct acsi_gpub_io io = { .send = check_send };
	struct acsi_gpub *p = NULL;
	int r = acsi_gpub_new(m, &clk, &io, &p, err, errlen);
	if (r)
		return r;
	acsi_gpub_free(p);
	for (uint32_t i = 0; i < n_gocb; i++)
		n_pub += model_gocb(m, i)->has_addr && model_gocb(m, i)->ds;
	for (uint32_t i = 0; i < n_sub; i++)
		n_in += model_goose_sub(m, i)->n_inputs;
	printf("GOOSE: %u GoCB(s), %u with address and data set; %u subscription(s) with %u "
	       "input(s)\n", (unsigned)n_gocb, (unsigned)n_pub, (unsigned)n_sub, (unsigned)n_in);
	return 0;
}

/* ---- SCL findings (doc/scl-findings.md) ---- */

/* At start: one notice line with the count, then each warning at warning
 * level, at most LOGGED_FINDINGS of them (a vendor file may have
 * thousands; iedd --check lists them all). With `strict` a warning is an
 * error: returns -EINVAL after saying why. */
#define LOGGED_FINDINGS 50u
static int report_findings(const struct model *m, bool strict)
{
	uint32_t n = model_n_warnings(m);
	char err[1024];
	if (strict && model_strict(m, err, sizeof(err))) {
		fprintf(stderr, "iedd: %s\n", err);
		return -EINVAL;
	}
	if (!n)
		return 0;
	log_msg(LOGL_NOTICE, LOGC_MODEL, "loaded with %u warning%s; run iedd --check for details", n,
		n == 1 ? "" : "s");
	for (uint32_t i = 0; i < n && i < LOGGED_FINDINGS; i++)
		log_msg(LOGL_WARNING, LOGC_MODEL, "%s", model_warning(m, i));
	if (n > LOGGED_FINDINGS)
		log_msg(LOGL_WARNING, LOGC_MODEL, "%u more warnings not logged (iedd --check lists"
			" them all)", n - LOGGED_FINDINGS);
	return 0;
}

/* One finding: "FILE:LINE: warning: text" or a JSON object. */
static void print_finding(FILE *f, const char *file, const char *msg, bool error, bool json,
			  bool first)
{
	long line;
	const char *text = model_finding_split(file, msg, &line);
	const char *sev = error ? "error" : "warning";
	if (!json) {
		if (line)
			fprintf(f, "%s:%ld: %s: %s\n", file, line, sev, text);
		else
			fprintf(f, "%s: %s: %s\n", file, sev, text);
		return;
	}
	fprintf(f, "%s\n    {\"file\": ", first ? "" : ",");
	json_out_str(f, file);
	fprintf(f, ", \"line\": %ld, \"severity\": \"%s\", \"message\": ", line, sev);
	json_out_str(f, text);
	fputc('}', f);
}

/* --check: every finding of the loader in line order on stdout, then a
 * summary line; `m` NULL when the load failed with `err` (the loader stops
 * at its first error, so that error is the last finding). Returns
 * -EINVAL when the file is refused (an error, or a warning under
 * `strict`). With `json` stdout carries one JSON document and the rest of
 * --check's lines are sent to stderr. */
static int check_findings(const char *file, const struct model *m, const char *err, bool strict,
			  bool json)
{
	uint32_t n = m ? model_n_warnings(m) : 0, errors = m ? 0 : 1;
	const bool warn_err = strict && n;
	if (json)
		printf("{\"file\": ");
	if (json)
		json_out_str(stdout, file);
	if (json)
		printf(", \"strict\": %s, \"findings\": [", strict ? "true" : "false");
	for (uint32_t i = 0; i < n; i++)
		print_finding(stdout, file, model_warning(m, i), strict, json, i == 0);
	if (!m && json)
		print_finding(stdout, file, err, true, json, true);
	else if (!m)	/* as without --check: the error on stderr */
		fprintf(stderr, "iedd: %s\n", err);
	uint32_t ne = errors + (strict ? n : 0), nw = strict ? 0 : n;
	if (json) {
		printf("%s],\n \"errors\": %u, \"warnings\": %u, \"refused\": %s}\n",
		       n || !m ? "\n  " : "", ne, nw, ne ? "true" : "false");
		fflush(stdout);
		dup2(STDERR_FILENO, STDOUT_FILENO);	/* the rest is for people */
	} else {
		printf("%s: %u error%s, %u warning%s%s\n", file, ne, ne == 1 ? "" : "s", nw,
		       nw == 1 ? "" : "s", ne ? ": refused" : nw ? ": served with the repairs above" :
		       "");
	}
	return errors || warn_err ? -EINVAL : 0;
}

/* The SCL file could not be opened: say where its name came from (the
 * iedd.xml line of <scl file>, or --scl) and the path it resolved to, as
 * the loader knows neither. Other load errors (they name the SCL file,
 * line and column) are kept as they are. */
static void scl_open_error(const struct iedd_config *cfg, bool from_cli, int r, char *merr,
			   size_t len)
{
	char prefix[4200], abs[8200], cwd[4096] = "";
	snprintf(prefix, sizeof(prefix), "%s: cannot open: ", cfg->scl_file);
	if (strncmp(merr, prefix, strlen(prefix)))
		return;
	if (cfg->scl_file[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	snprintf(abs, sizeof(abs), "%s%s%s", cwd, cwd[0] ? "/" : "", cfg->scl_file);
	int n;
	if (from_cli)
		n = snprintf(merr, len, "--scl %s: cannot open %s: %s", cfg->scl_file, abs,
			     strerror(-r));
	else
		n = snprintf(merr, len, "%s:%u: <scl file> names %s, which cannot be opened: %s (a "
			     "relative path is taken from the directory of %s)", cfg->source,
			     cfg->scl_line, abs, strerror(-r), cfg->source);
	/* Cut to len, the message still says first where and what. */
	if (n > 0 && (size_t)n >= len && len > 4)
		memcpy(merr + len - 4, "...", 4);
}

/* sd_listen_fds(3) protocol, read directly so it works without
 * libsystemd: the listening sockets start at fd 3. */
static size_t socket_activation_fds(int *fds, size_t max)
{
	const char *pid = getenv("LISTEN_PID"), *n_fds = getenv("LISTEN_FDS");
	if (!pid || !n_fds || (pid_t)strtol(pid, NULL, 10) != getpid())
		return 0;
	int n = atoi(n_fds);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	size_t k = 0;
	for (int i = 0; i < n && k < max; i++)
		fds[k++] = 3 + i;
	return k;
}

/* Room for `want` associations plus the daemon's own files. */
static void raise_nofile(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rlim_t need = (rlim_t)want + 64;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		log_msg(LOGL_WARNING, LOGC_MAIN,
			"open-file limit is %llu, so at most about %llu of the %u configured "
			"associations can be held; raise it (LimitNOFILE= in the unit, or ulimit -Hn)",
			(unsigned long long)rl.rlim_cur,
			(unsigned long long)(rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 0), want);
}

/* ---- BRCB state across a restart (issue 12, doc/state-format.md) ----
 *
 * Where: <reports stateDir>, else systemd's StateDirectory ($STATE_DIRECTORY,
 * the first of a ':' list), else nowhere; stateDir="" turns it off. Only a
 * model with a BRCB has anything to keep. A directory that cannot be used
 * is not fatal: iedd serves and reports from memory, and says so once,
 * since a control station is better served by a server without a durable
 * buffer than by none at all. */
struct rpt_state {
	struct rptstore *store;		/* NULL: nothing kept */
	struct rpt_persist persist;
	char dir[4096];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* loop_timer_now()'s clock */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rptstore's lines (syslog priorities) into the daemon's log. */
static void rpt_state_log(void *arg, int level, const char *msg)
{
	(void)arg;
	enum log_level l = level <= 3 ? LOGL_ERR : level == 4 ? LOGL_WARNING :
			   level == 5 ? LOGL_NOTICE : level == 6 ? LOGL_INFO : LOGL_DEBUG;
	log_msg(l, LOGC_MAIN, "report state: %s", msg);
}

/* The SCL file's octets, for its identity; NULL (errno set) when it cannot
 * be read again. The caller frees. */
static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	unsigned char *p = malloc(cap);
	while (p) {
		n += fread(p + n, 1, cap - n, f);
		if (n < cap)
			break;
		unsigned char *q = cap > SIZE_MAX / 2 ? NULL : realloc(p, cap * 2);
		if (!q) {
			free(p);
			p = NULL;
			errno = ENOMEM;
			break;
		}
		p = q;
		cap *= 2;
	}
	if (p && ferror(f)) {
		free(p);
		p = NULL;
		errno = EIO;
	}
	fclose(f);
	*len = n;
	return p;
}

static void rpt_state_open(const struct iedd_config *cfg, const struct model *m,
			   struct rpt_state *rs)
{
	rs->store = NULL;
	uint32_t n_brcb = 0;
	for (uint32_t i = 0; i < model_n_rcbs(m); i++)
		n_brcb += model_rcb(m, i)->buffered;
	if (!n_brcb)
		return;
	if (cfg->rpt_state_off) {
		log_msg(LOGL_NOTICE, LOGC_MAIN, "reports: stateDir=\"\": the buffers of %u BRCB(s) "
			"are kept in memory only and do not survive a restart", n_brcb);
		return;
	}
	const char *env = getenv("STATE_DIRECTORY");
	if (cfg->rpt_state_dir[0])
		snprintf(rs->dir, sizeof(rs->dir), "%s", cfg->rpt_state_dir);
	else if (env && *env)
		snprintf(rs->dir, sizeof(rs->dir), "%.*s", (int)strcspn(env, ":"), env);
	else {
		log_msg(LOGL_INFO, LOGC_MAIN, "reports: no state directory (<reports stateDir> or "
			"systemd's StateDirectory=): BRCB buffers are kept in memory only");
		return;
	}
	char scl_id[256];
	if (cfg->scl_file[0]) {
		size_t len;
		unsigned char *bytes = read_all(cfg->scl_file, &len);
		if (!bytes) {
			log_msg(LOGL_WARNING, LOGC_MAIN, "reports: cannot read %s again to identify "
				"its state (%s): BRCB buffers are kept in memory only",
				cfg->scl_file, strerror(errno));
			return;
		}
		rpt_persist_scl_id(m->ied_name, bytes, len, scl_id, sizeof(scl_id));
		free(bytes);
	} else {
		rpt_persist_scl_id(m->ied_name, embedded_sample_icd, embedded_sample_icd_len, scl_id,
				   sizeof(scl_id));
	}
	const struct rptstore_cfg sc = {
		.dir = rs->dir,
		.scl_id = scl_id,
		.wall = (int64_t)time(NULL),
		.log = rpt_state_log,
		.sync_thread = true,	/* no fdatasync on the loop */
	};
	int r = rptstore_open(&sc, &rs->store);
	if (r) {
		rs->store = NULL;
		log_msg(LOGL_WARNING, LOGC_MAIN,
			"reports: state directory %s cannot be used (%s): serving with BRCB buffers "
			"in memory only, they do not survive a restart; make it a directory this "
			"user may write, or set <reports stateDir> (stateDir=\"\": no state)",
			rs->dir, strerror(-r));
		return;
	}
	struct rptstore_stats st;
	rptstore_get_stats(rs->store, &st);
	rs->persist = rpt_persist_store(rs->store);
	log_msg(LOGL_NOTICE, LOGC_MAIN, "reports: state of %u BRCB(s) in %s, synced every %u ms%s",
		n_brcb, rs->dir, cfg->rpt_sync_ms ? cfg->rpt_sync_ms : 100u,
		st.unclean ? "; the last run did not stop cleanly: the first report of each "
			     "BRCB carries BufOvfl" : "");
}

static void rpt_state_sync(void *ctx, int64_t now_ms)
{
	/* a refusing disk is the store's to report (once, rate-limited) */
	(void)rptstore_sync(ctx, now_ms);
}

/* At a clean stop, once the report service is gone (nothing records any
 * more): everything to disk with the clean-stop mark, then closed. */
static void rpt_state_close(struct rpt_state *rs, bool clean)
{
	if (!rs->store)
		return;
	if (clean && !rptstore_flush(rs->store, mono_ms()))
		log_msg(LOGL_INFO, LOGC_MAIN, "reports: state written to %s", rs->dir);
	rptstore_close(rs->store);
	rs->store = NULL;
}

/* ---- durable settings (README "Durable settings", store/setstore.h) ----
 * In the reports' state directory (<reports stateDir>, else
 * $STATE_DIRECTORY); off with <settings persist="false"> or
 * --no-persist-settings. Restored values go through model_write, the path
 * of a client's write, so that a mapped setting also reaches its source. */
static bool no_persist_settings;	/* --no-persist-settings */
struct set_state {
	struct setstore *store;
	void (*next_sync)(void *ctx, int64_t now_ms);	/* the reports', chained */
	void *next_ctx;
	char dir[4096];
};

static void set_state_log(void *arg, int level, const char *msg)
{
	(void)arg;
	enum log_level l = level <= 3 ? LOGL_ERR : level == 4 ? LOGL_WARNING :
			   level == 5 ? LOGL_NOTICE : level == 6 ? LOGL_INFO : LOGL_DEBUG;
	log_msg(l, LOGC_MAIN, "settings: %s", msg);
}

static void set_state_sync(void *ctx, int64_t now_ms)
{
	struct set_state *ss = ctx;
	(void)setstore_sync(ss->store, now_ms);	/* a refusing disk is logged by the store */
	if (ss->next_sync)
		ss->next_sync(ss->next_ctx, now_ms);
}

static void set_state_open(const struct iedd_config *cfg, struct model *m,
			   struct set_state *ss, struct server_cfg *scfg)
{
	ss->store = NULL;
	if (cfg->settings_persist_off || no_persist_settings) {
		log_msg(LOGL_INFO, LOGC_MAIN, "settings: not kept (%s): written CF/DC/SP/SE "
			"values last until the next restart", no_persist_settings ?
			"--no-persist-settings" : "<settings persist=\"false\">");
		return;
	}
	const char *env = getenv("STATE_DIRECTORY");
	if (cfg->rpt_state_off)
		return;
	if (cfg->rpt_state_dir[0])
		snprintf(ss->dir, sizeof(ss->dir), "%s", cfg->rpt_state_dir);
	else if (env && *env)
		snprintf(ss->dir, sizeof(ss->dir), "%.*s", (int)strcspn(env, ":"), env);
	else
		return;
	char scl_id[256];
	if (cfg->scl_file[0]) {
		size_t len;
		unsigned char *bytes = read_all(cfg->scl_file, &len);
		if (!bytes) {
			log_msg(LOGL_WARNING, LOGC_MAIN, "settings: cannot read %s again to identify "
				"its state (%s): written settings are not kept", cfg->scl_file,
				strerror(errno));
			return;
		}
		rpt_persist_scl_id(m->ied_name, bytes, len, scl_id, sizeof(scl_id));
		free(bytes);
	} else {
		rpt_persist_scl_id(m->ied_name, embedded_sample_icd, embedded_sample_icd_len, scl_id,
				   sizeof(scl_id));
	}
	const struct setstore_cfg sc = { .dir = ss->dir, .scl_id = scl_id,
					 .wall = (int64_t)time(NULL), .log = set_state_log };
	int r = setstore_open(&sc, &ss->store);
	if (r) {
		ss->store = NULL;
		log_msg(LOGL_WARNING, LOGC_MAIN, "settings: state directory %s cannot be used (%s): "
			"written settings are not kept; make it a directory this user may write, "
			"or turn them off with <settings persist=\"false\">", ss->dir, strerror(-r));
		return;
	}
	size_t dropped = 0, n = set_persist_restore(ss->store, m, &dropped);
	(void)setstore_sync(ss->store, mono_ms());	/* what was refused leaves the file now */
	static struct acsi_setting_hook hook;
	hook = set_persist_hook(ss->store);
	acsi_set_setting_hook(&hook);
	log_msg(LOGL_NOTICE, LOGC_MAIN, "settings: written CF/DC/SP/SE values kept in %s/"
		"settings.snap; %zu restored%s", ss->dir, n, dropped ? " (some refused, see above)" :
		"");
	ss->next_sync = scfg->sync;
	ss->next_ctx = scfg->sync_ctx;
	scfg->sync = set_state_sync;
	scfg->sync_ctx = ss;
	if (!scfg->sync_ms)
		scfg->sync_ms = cfg->rpt_sync_ms ? cfg->rpt_sync_ms : 100u;
}

/* At a clean stop: what is still in memory to disk, then closed. */
static void set_state_close(struct set_state *ss)
{
	if (!ss->store)
		return;
	acsi_set_setting_hook(NULL);
	(void)setstore_sync(ss->store, mono_ms());
	setstore_close(ss->store);
	ss->store = NULL;
}

static void notify_hook(void *ctx, const char *state)
{
	(void)ctx;
	(void)notify_send(state);
}

/* The network part of the configuration, for net/ (server.h). */
static void server_cfg_of(const struct iedd_config *c, bool trace, struct server_cfg *out)
{
	_Static_assert(CONFIG_MAX_LISTEN <= SERVER_MAX_LISTEN, "listeners fit");
	*out = (struct server_cfg){
		.n_listen = c->n_listen,
		.max_associations = c->max_associations,
		.assoc_timeout_ms = c->assoc_timeout_ms,
		.idle_timeout_ms = c->idle_timeout_ms,
		.pdu_timeout_ms = c->pdu_timeout_ms,
		.max_pdu_size = c->max_pdu_size,
		.max_serv_outstanding = c->max_serv_outstanding,
		.max_nesting = c->max_nesting,
		.cpu_percent = c->cpu_percent,
		.admit = { .failures = c->auth_failures, .base_ms = c->auth_backoff_ms,
			   .max_ms = c->auth_backoff_max_ms, .pending_max = c->pending_per_addr },
		.trace = trace,
		/* systemd's WatchdogSec=: ping at half the interval */
		.watchdog_us = notify_watchdog_usec() / 2,
		.notify = notify_hook,
		.reports = { .buf_entries = c->rpt_buf_entries,
			     .buf_bytes = (size_t)c->rpt_buf_kib * 1024u },
		.ds_limits = { .max_members = c->ds_max_members, .max_ld_sets = c->ds_max_ld,
			       .max_aa_sets = c->ds_max_aa },
		.controls = { .sbo_timeout_ms = c->ctl_sbo_timeout_ms,
			      .oper_timeout_ms = c->ctl_oper_timeout_ms,
			      .refuse_unchecked = c->ctl_refuse_unchecked,
			      .health_blocks = c->ctl_health_blocks },
	};
	snprintf(out->goose_iface, sizeof(out->goose_iface), "%s", c->goose_iface);
	for (size_t i = 0; i < c->n_listen; i++) {
		snprintf(out->listen[i].addr, sizeof(out->listen[i].addr), "%s", c->listen[i].addr);
		out->listen[i].port = c->listen[i].port;
		out->listen[i].tls = c->listen[i].tls;
	}
	snprintf(out->vendor, sizeof(out->vendor), "%s", c->vendor);
	snprintf(out->model, sizeof(out->model), "%s", c->model);
	snprintf(out->revision, sizeof(out->revision), "%s", c->revision);
	out->n_inherited = socket_activation_fds(out->inherited, SERVER_MAX_LISTEN);
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	server_stop(arg, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void reload_config(void);
static struct event *crl_watch_start(struct event_base *base);

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	reload_config();
}

/* SIGTERM, SIGINT and SIGHUP are blocked from before the source threads
 * start until serve() has its handlers on the loop: a stop that arrives
 * while iedd starts is held and then handled like any other (a clean exit
 * 0), never the default action, and the threads, which inherit the mask,
 * never take these signals. */
static void stop_signals(int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(how, &set, NULL);
}

/* Serves until SIGTERM or SIGINT (then 0) on the server's loop. */
static int serve(struct server *srv)
{
	struct event_base *base = server_base(srv);
	struct event *sig[3] = {
		evsignal_new(base, SIGTERM, on_stop_signal, srv),
		evsignal_new(base, SIGINT, on_stop_signal, srv),
		evsignal_new(base, SIGHUP, on_sighup, srv),
	};
	int r = 0;
	for (size_t i = 0; i < 3; i++)
		if (!sig[i] || event_add(sig[i], NULL)) {
			log_msg(LOGL_ERR, LOGC_MAIN, "out of memory setting up signal handlers");
			r = -ENOMEM;
		}
	struct event *crl_watch = r ? NULL : crl_watch_start(base);
	signal(SIGPIPE, SIG_IGN);
	stop_signals(SIG_UNBLOCK);
	if (!r)
		r = server_run(srv);
	for (size_t i = 0; i < 3; i++)
		if (sig[i])
			event_free(sig[i]);
	if (crl_watch)
		event_free(crl_watch);
	return r;
}

/* ---- TLS (net/tls.h): --tls-dir, --tls-listen, <tls> ------------------- */

/* The command line's part: --tls-dir replaces <tls>; with <server
 * plainTcp="false"> no plain --listen. 0 or 1 (said on stderr). */
static int tls_options(struct iedd_config *cfg, bool cmdline_listen, const char *tls_dir)
{
	if (tls_dir && config_tls_dir(cfg, tls_dir)) {
		fprintf(stderr, "iedd: --tls-dir '%s': path too long\n", tls_dir);
		return 1;
	}
	for (size_t i = 0; cmdline_listen && i < cfg->n_listen; i++) {
		if (!cfg->listen[i].tls && cfg->plain_off) {
			fprintf(stderr, "iedd: --listen %s:%u: %s has <server plainTcp=\"false\">; "
				"use --tls-listen\n", cfg->listen[i].addr, cfg->listen[i].port,
				cfg->source);
			return 1;
		}
		if (cfg->listen[i].tls && !cfg->tls.present) {
			fprintf(stderr, "iedd: --tls-listen needs --tls-dir DIR or a <tls> section "
				"in the configuration\n");
			return 1;
		}
	}
	return 0;
}

/* "iedd.xml:LINE" (or "--tls-dir" for line 0) into buf[n]; returns buf. */
static const char *tls_origin(const struct iedd_config *cfg, char *buf, size_t n, unsigned line)
{
	if (line)
		snprintf(buf, n, "%s:%u", cfg->source, line);
	else
		snprintf(buf, n, "--tls-dir");
	return buf;
}

/* Loads cfg->tls: certificates, key, CAs, CRLs, pins. 0, or 1 with the
 * message (configuration file:line and the path) on stderr. */
static int tls_load(const struct iedd_config *cfg, struct tls_server **out)
{
	const struct config_tls *t = &cfg->tls;
	static char origins[2 + 2 * CONFIG_MAX_TLS_FILES + CONFIG_MAX_TLS_CLIENTS + 1][300];
	static struct tls_file ca[CONFIG_MAX_TLS_FILES], crl[CONFIG_MAX_TLS_FILES];
	static struct tls_pin pins[CONFIG_MAX_TLS_CLIENTS];
	size_t o = 0;
	char err[1500];

	/* each origin in its own slot, taken in order (one per call) */
#define TLS_ORIGIN(line) tls_origin(cfg, origins[o++], sizeof(origins[0]), (line))
	const char *cert_origin = TLS_ORIGIN(t->cert.line);
	const char *key_origin = TLS_ORIGIN(t->key.line);
	const char *prio_origin = TLS_ORIGIN(t->line);
	struct tls_server_cfg tc = {
		.cert = { .path = t->cert.path, .origin = cert_origin },
		.key = { .path = t->key.path, .origin = key_origin },
		.ca = ca, .n_ca = t->n_ca, .crl = crl, .n_crl = t->n_crl,
		.priority = t->priority[0] ? t->priority : NULL,
		.priority_origin = prio_origin,
		.auth = t->pinned ? TLS_AUTH_PINNED : TLS_AUTH_CHAIN,
		.pins = pins, .n_pins = t->n_clients,
		.allow_rsa1024 = t->allow_rsa1024,
		.rekey_s = cfg->tls_session.rekey_s,
		.rekey_bytes = cfg->tls_session.rekey_bytes,
		.rekey_grace_s = cfg->tls_session.grace_s,
		.resume_s = cfg->tls_session.resume_s,
	};
	for (size_t i = 0; i < t->n_ca; i++)
		ca[i] = (struct tls_file){ .path = t->ca[i].path, .origin = TLS_ORIGIN(t->ca[i].line) };
	for (size_t i = 0; i < t->n_crl; i++)
		crl[i] = (struct tls_file){ .path = t->crl[i].path,
					    .origin = TLS_ORIGIN(t->crl[i].line) };
	for (size_t i = 0; i < t->n_clients; i++) {
		const struct config_tls_client *k = &t->clients[i];
		pins[i] = (struct tls_pin){ .name = k->name, .origin = TLS_ORIGIN(k->line),
					    .has_sha256 = k->has_sha256, .cert_path = k->cert };
		memcpy(pins[i].sha256, k->sha256, sizeof(pins[i].sha256));
	}
#undef TLS_ORIGIN
	if (tls_server_new(&tc, out, err, sizeof(err))) {
		fprintf(stderr, "iedd: TLS: %s\n", err);
		return 1;
	}
	return 0;
}

/* ---- reload (SIGHUP, systemctl reload iedd) ---- */

/* What a reload needs of the start: the command line's overrides (applied
 * again to the new file, so that `iedd --listen X --config F` keeps X), and
 * the running parts it may replace. Loop thread only. */
static struct run {
	const char *config_path;	/* NULL: the embedded default */
	struct config_listen listen[CONFIG_MAX_LISTEN];
	size_t n_listen;
	const char *tls_dir, *scl, *ied, *goose_iface, *map_path;
	long max_assoc;
	long cpu_limit;			/* --cpu-limit; -1: the file's */
	bool simulate;
	bool has_http;			/* --http */
	struct config_listen http;
	struct pv_opts po;
	struct iedd_config *cfg;	/* running */
	struct model *model;
	struct server *srv;
	struct pv *pv;			/* running; NULL: no process variables */
	struct tls_server *tls;		/* for new handshakes */
	struct tls_server **retired;	/* replaced, still used by older associations */
	size_t n_retired;
	uint64_t goose_sig;		/* start_pv's hash of the map's GOOSE rows */
	const struct acsi_audit *audit;	/* NULL: no audit trail */
	const struct authz_policy *policy;	/* the client list new connections meet */
	const struct authz_policy *start_policy;	/* the one read at start (static) */
	struct authz_policy **old_pol;	/* replaced lists (heap), freed once unused */
	size_t n_old_pol;
} run = { .max_assoc = -1, .cpu_limit = -1 };

/* A reload's audit record: accepted, or refused and why. */
static void audit_reload(bool ok, const char *from, const char *why)
{
	const struct acsi_audit_rec r = { .kind = ACSI_AUDIT_CONFIG, .action = "reload", .ref = from,
					   .ok = ok, .result = ok ? "applied" : "refused",
					   .detail = why };
	acsi_audit(run.audit, &r);
}

/* The audit trail's queue in /metrics (http.h extra_metrics). */
static void audit_metrics(void *ctx, struct buf *b)
{
	struct audit *a = ctx;
	if (!a)
		return;
	struct audit_stats st;
	audit_get_stats(a, &st);
	hr_family(b, "iedd_audit_records_total", "counter", "Audit records made");
	hr_sample(b, "iedd_audit_records_total", NULL, NULL, (double)st.recorded);
	hr_family(b, "iedd_audit_lost_total", "counter", "Audit records dropped by the full queue");
	hr_sample(b, "iedd_audit_lost_total", NULL, NULL, (double)st.lost);
	hr_family(b, "iedd_audit_queued", "gauge", "Audit records waiting to be written");
	hr_sample(b, "iedd_audit_queued", NULL, NULL, (double)st.queued);
	hr_family(b, "iedd_audit_errors_total", "counter", "Audit output writes that failed");
	hr_sample(b, "iedd_audit_errors_total", NULL, NULL, (double)st.errors);
}

/* The command line's options over a loaded configuration. 0, or 1 with
 * the message on stderr. */
static int apply_cli(struct iedd_config *cfg)
{
	if (run.n_listen) {
		memcpy(cfg->listen, run.listen, run.n_listen * sizeof(run.listen[0]));
		cfg->n_listen = run.n_listen;
	}
	if (tls_options(cfg, run.n_listen > 0, run.tls_dir))
		return 1;
	if (run.max_assoc > 0)
		cfg->max_associations = (unsigned)run.max_assoc;
	if (run.cpu_limit >= 0)
		cfg->cpu_percent = (unsigned)run.cpu_limit;
	if (run.has_http) {
		cfg->http = run.http;
		if (!config_addr_loopback(cfg->http.addr) && !cfg->http_token[0]) {
			fprintf(stderr, "iedd: --http %s:%u: not a loopback address, and %s has no "
					"<http token>: the status page would show the model and every "
					"association to anyone; use 127.0.0.1 or configure a token\n",
				cfg->http.addr, cfg->http.port, cfg->source);
			return 1;
		}
	}
	if (run.scl) {
		snprintf(cfg->scl_file, sizeof(cfg->scl_file), "%s", run.scl);
		cfg->ied_name[0] = 0;
	}
	if (run.ied)
		snprintf(cfg->ied_name, sizeof(cfg->ied_name), "%s", run.ied);
	if (run.goose_iface)
		snprintf(cfg->goose_iface, sizeof(cfg->goose_iface), "%s", run.goose_iface);
	if (run.map_path)
		snprintf(cfg->map_file, sizeof(cfg->map_file), "%s", run.map_path);
	if (run.simulate)
		cfg->simulate = true;
	return 0;
}

static void reload_notify(const char *state)
{
	char buf[96];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* systemd >= 253 (Type=notify-reload) wants the instant with RELOADING */
	snprintf(buf, sizeof(buf), "%s\nMONOTONIC_USEC=%llu", state,
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000u);
	(void)notify_send(buf);
}

/* Room in run.retired for the TLS server swap_tls retires. 0 or -ENOMEM. */
static int retire_room(void)
{
	struct tls_server **ret = realloc(run.retired, (run.n_retired + 1) * sizeof(*ret));
	if (!ret)
		return -ENOMEM;
	run.retired = ret;
	return 0;
}

/* New handshakes use ntls (retire_room went first); the server it replaces
 * stays for the sessions that began with it. Established sessions meet the
 * new CRLs (IEC 62351-3): a revoked or expired peer ends now, the others
 * go on. */
static void swap_tls(struct tls_server *ntls)
{
	run.retired[run.n_retired++] = server_set_tls(run.srv, ntls);
	run.tls = ntls;
	size_t ended = 0;
	for (size_t i = 0; i < run.n_retired; i++)
		if (run.retired[i])
			ended += tls_server_recheck(run.retired[i], ntls, (int64_t)time(NULL));
	if (ended) {
		log_msg(LOGL_WARNING, LOGC_MAIN, "reload: %zu TLS session(s) end: their "
			"client certificate is revoked or expired now", ended);
		server_layer_tick_all(run.srv);
	}
}

/* ---- CRL files watched (IEC 62351-3: CRLs reloaded when they change) ----
 * Every CRL_WATCH_MS the CRL files of the running configuration are
 * looked at (inode, size, modification time). A file that differs from
 * what was loaded, and has stayed the same for one period (so that a file
 * being written is not read half-way), reloads the TLS files as SIGHUP
 * does, without the rest of the configuration. */
#define CRL_WATCH_MS 2000
static uint64_t crl_loaded[CONFIG_MAX_TLS_FILES], crl_seen[CONFIG_MAX_TLS_FILES];

static uint64_t file_sig(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return 0; /* missing: a change too when it comes back */
	const uint64_t v[4] = { (uint64_t)st.st_ino, (uint64_t)st.st_size,
				(uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec };
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the four */
	for (size_t i = 0; i < 4; i++)
		h = (h ^ v[i]) * 1099511628211ull;
	return h | 1;
}

/* The files as the running configuration loaded them. */
static void crl_watch_reset(void)
{
	const struct config_tls *t = &run.cfg->tls;
	for (size_t i = 0; i < t->n_crl; i++)
		crl_loaded[i] = crl_seen[i] = file_sig(t->crl[i].path);
}

static void on_crl_watch(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	const struct config_tls *t = &run.cfg->tls;
	const char *changed = NULL;
	for (size_t i = 0; t->present && i < t->n_crl; i++) {
		uint64_t sig = file_sig(t->crl[i].path);
		if (sig != crl_loaded[i] && sig == crl_seen[i] && !changed)
			changed = t->crl[i].path;
		crl_seen[i] = sig;
	}
	if (!changed)
		return;
	for (size_t i = 0; i < t->n_crl; i++)
		crl_loaded[i] = crl_seen[i]; /* tried once; the next change tries again */
	char from[sizeof(t->crl[0].path) + 16];
	snprintf(from, sizeof(from), "CRL file %s", changed);
	log_msg(LOGL_NOTICE, LOGC_MAIN, "%s changed: reloading the TLS files", from);
	struct tls_server *ntls = NULL;
	if (tls_load(run.cfg, &ntls)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "TLS reload refused: the TLS files do not load (the "
			"line above says which); new handshakes use the files read before");
		audit_reload(false, from, "the TLS files do not load");
		return;
	}
	if (retire_room()) {
		tls_server_free(ntls);
		log_msg(LOGL_ERR, LOGC_MAIN, "TLS reload refused: out of memory; unchanged");
		audit_reload(false, from, "out of memory");
		return;
	}
	swap_tls(ntls);
	log_msg(LOGL_NOTICE, LOGC_MAIN, "TLS files reloaded (%s changed): new handshakes use "
		"them", changed);
	audit_reload(true, from, "new TLS files");
}

/* The watch's timer on the loop, when the configuration has CRL files. */
static struct event *crl_watch_start(struct event_base *base)
{
	if (!run.cfg->tls.present || !run.cfg->tls.n_crl)
		return NULL;
	const struct timeval every = { CRL_WATCH_MS / 1000, (CRL_WATCH_MS % 1000) * 1000 };
	crl_watch_reset();
	struct event *ev = event_new(base, -1, EV_PERSIST, on_crl_watch, NULL);
	if (!ev || event_add(ev, &every)) {
		log_msg(LOGL_WARNING, LOGC_MAIN, "out of memory: CRL files are read again at SIGHUP "
			"only");
		if (ev)
			event_free(ev);
		return NULL;
	}
	return ev;
}

/* New connections meet npol (heap; run.old_pol has room for one more).
 * The list it replaces stays for the associations made with it; replaced
 * lists nobody uses any more are freed (the start list, static, never
 * is). Returns how many established associations keep an older list. */
static size_t swap_policy(struct authz_policy *npol)
{
	const struct authz_policy *old = server_set_authz(run.srv, npol);
	if (old != run.start_policy)
		run.old_pol[run.n_old_pol++] = (struct authz_policy *)old; /* ours, from malloc */
	run.policy = npol;
	/* those on the start list, and those made without a list (everything
	 * allowed: no policy at all) */
	size_t kept = server_authz_users(run.srv, run.start_policy) +
		      server_authz_users(run.srv, NULL), n = 0;
	for (size_t i = 0; i < run.n_old_pol; i++) {
		size_t users = server_authz_users(run.srv, run.old_pol[i]);
		if (!users) {
			free(run.old_pol[i]);
			continue;
		}
		kept += users;
		run.old_pol[n++] = run.old_pol[i];
	}
	run.n_old_pol = n;
	return kept;
}

/* Re-reads the configuration file and applies what can change live: the
 * map and the sources (unchanged sources stay open: pv_cfg.adopt) and the
 * TLS files (for new handshakes). Everything is checked before anything
 * changes; a failure or a change that needs a restart leaves the running
 * configuration as it was, with one log line saying why. Associations,
 * reports, selections and GOOSE go on throughout: the model, the server
 * and its loop stay. */
static void reload_config(void)
{
	static struct iedd_config next;
	static char msg[4608];
	char err[1024];
	const char *from = run.config_path ? run.config_path : "(embedded default)";
	reload_notify("RELOADING=1");
	log_msg(LOGL_NOTICE, LOGC_MAIN, "SIGHUP: reloading %s", from);
	int r = run.config_path ? config_load_file(run.config_path, &next, err, sizeof(err)) :
				  config_load_embedded(&next, err, sizeof(err));
	if (r) {
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: %s; the running configuration is "
			"unchanged (iedd --check gives the same verdict)", err);
		audit_reload(false, from, err);
		goto done;
	}
	if (apply_cli(&next)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: %s does not go with the command line "
			"(the line above says why); the running configuration is unchanged", from);
		audit_reload(false, from, "does not go with the command line");
		goto done;
	}
	const char *what = config_restart_change(run.cfg, &next);
	if (what) {
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: %s changed in %s, and that takes a "
			"restart (systemctl restart iedd); nothing was changed", what, from);
		snprintf(msg, sizeof(msg), "%s changed: that takes a restart", what);
		audit_reload(false, from, msg);
		goto done;
	}
	struct tls_server *ntls = NULL;
	if (next.tls.present && tls_load(&next, &ntls)) {
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: the TLS files of %s (the line above "
			"says which); the running configuration is unchanged", from);
		audit_reload(false, from, "the TLS files do not load");
		goto done;
	}
	struct authz_policy *npol = malloc(sizeof(*npol));
	struct authz_policy **opl = npol ? realloc(run.old_pol, (run.n_old_pol + 1) *
						   sizeof(*opl)) : NULL;
	if (opl)
		run.old_pol = opl;
	if ((ntls && retire_room()) || !opl) {
		tls_server_free(ntls);
		free(npol);
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: out of memory; unchanged");
		audit_reload(false, from, "out of memory");
		goto done;
	}
	*npol = next.authz;
	npol->password_ok = passwd_check;
	/* the process variables: the old pv stops (its threads joined, its
	 * queued values applied), the new one takes its unchanged sources */
	server_detach_pv(run.srv);
	if (run.pv)
		pv_drain(run.pv);
	struct pv *npv = NULL;
	uint64_t sig = run.goose_sig;
	r = start_pv(&next, run.model, &run.po, run.pv, &sig, &npv, msg, sizeof(msg));
	if (r) {
		log_msg(LOGL_ERR, LOGC_MAIN, "reload refused: %s; the running configuration is "
			"unchanged", msg);
		audit_reload(false, from, msg);
		tls_server_free(ntls);
		free(npol);
		if (run.pv && server_attach_pv(run.srv, run.pv))
			log_msg(LOGL_ERR, LOGC_MAIN, "out of memory restarting the sources");
		goto done;
	}
	size_t kept = npv ? pv_n_adopted(npv) : 0;
	pv_free(run.pv);
	run.pv = npv;
	if (npv && server_attach_pv(run.srv, npv))
		log_msg(LOGL_ERR, LOGC_MAIN, "out of memory starting the sources");
	if (ntls)
		swap_tls(ntls);
	size_t kept_assoc = swap_policy(npol);
	*run.cfg = next;
	crl_watch_reset();
	log_msg(LOGL_NOTICE, LOGC_MAIN, "reloaded %s: %zu attribute(s) mapped to %zu source(s) (%zu "
		"kept open)%s", from, npv ? pv_n_rows(npv) : 0, next.simulate ? 1 : next.n_sources,
		kept, ntls ? "; new TLS handshakes use the files read now" : "");
	if (npol->enabled)
		log_msg(LOGL_NOTICE, LOGC_MAIN, "reload: the client list has %zu client(s), %zu "
			"role(s), %zu rule(s) for new associations; %zu established association(s) "
			"keep the rights they associated with", npol->n_clients, npol->n_roles,
			npol->n_rules, kept_assoc);
	else
		log_msg(LOGL_WARNING, LOGC_MAIN, "reload: no client list (<clients>): every client "
			"that connects from now on may do everything; %zu established "
			"association(s) keep their rights", kept_assoc);
	snprintf(msg, sizeof(msg), "%zu attribute(s) mapped, %zu source(s) kept open%s",
		 npv ? pv_n_rows(npv) : 0, kept, ntls ? ", new TLS files" : "");
	audit_reload(true, from, msg);
done:
	reload_notify("READY=1");
}
/* long options without a short letter */
enum { OPT_CPU_LIMIT = 0x100, OPT_HTTP };
enum { OPT_NO_PERSIST_SETTINGS = 0x180 };	/* durable settings */
enum { OPT_HASH_PASSWORD = 0x181 };	/* ACSE passwords of <clients> */

/* iedd --hash-password: reads one password line from stdin and prints
 * its salted hash for <client password> (passwd.h). */
static int hash_password(void)
{
	char line[512];
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password (one line; it is not stored): ");
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "iedd: --hash-password: no password on stdin (echo -n PW | iedd "
			"--hash-password, or type it)\n");
		return 2;
	}
	size_t n = strcspn(line, "\r\n");
	line[n] = 0;
	if (!n) {
		fprintf(stderr, "iedd: --hash-password: the password is empty\n");
		return 2;
	}
	char h[PASSWD_HASH_MAX];
	int r = passwd_hash((const uint8_t *)line, n, h, sizeof(h));
	explicit_bzero(line, sizeof(line));
	if (r) {
		fprintf(stderr, "iedd: --hash-password: %s\n", strerror(-r));
		return 1;
	}
	printf("%s\n", h);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-associations", required_argument, NULL, 'm' },
		{ "scl", required_argument, NULL, 's' },
		{ "ied", required_argument, NULL, 'i' },
		{ "check", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "map", required_argument, NULL, 'M' },
		{ "simulate", no_argument, NULL, 'S' },
		{ "print-map-template", no_argument, NULL, 'T' },
		{ "strict", no_argument, NULL, 'X' },
		{ "json", no_argument, NULL, 'J' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "simulate-speed", required_argument, NULL, 'R' },
		{ "files", required_argument, NULL, 'F' },
		{ "files-allow", required_argument, NULL, 'A' },
		{ "goose-interface", required_argument, NULL, 'G' },
		{ "tls-listen", required_argument, NULL, 'L' },
		{ "tls-dir", required_argument, NULL, 'D' },
		{ "pics", no_argument, NULL, 'C' },
		{ "audit-file", required_argument, NULL, 'U' },
		{ "cpu-limit", required_argument, NULL, OPT_CPU_LIMIT },
		{ "http", required_argument, NULL, OPT_HTTP },
		{ "no-persist-settings", no_argument, NULL, OPT_NO_PERSIST_SETTINGS },
		{ "hash-password", no_argument, NULL, OPT_HASH_PASSWORD },
		{ 0 },
	};
	const char *config_path = NULL, *scl = NULL, *ied = NULL;
	struct config_listen listen[CONFIG_MAX_LISTEN];
	size_t n_listen = 0;
	long max_assoc = -1;
	long cpu_limit = -1;
	bool check = false, trace = false, simulate = false, print_template = false;
	bool strict = false, json = false, pics = false;
	const char *map_path = NULL;
	struct pv_opts po = { .speed_x = 1 };
	const char *files_root = NULL, *goose_iface = NULL;
	const char *tls_dir = NULL, *audit_file = NULL;
	bool files_delete = false, files_rename = false, files_obtain = false;
	int verbose = 0, c;

	while ((c = getopt_long(argc, argv, "c:l:m:s:i:kvfhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'L':
		case 'l':
			if (n_listen == CONFIG_MAX_LISTEN) {
				fprintf(stderr, "iedd: at most %d --listen options\n", CONFIG_MAX_LISTEN);
				return 2;
			}
			if (config_parse_listen(optarg, &listen[n_listen])) {
				fprintf(stderr,
					"iedd: --listen '%s': expected ADDR:PORT with a numeric address "
					"and a port 1..65535, e.g. 127.0.0.1:10102 or [::1]:102\n",
					optarg);
				return 2;
			}
			listen[n_listen++].tls = c == 'L';
			break;
		case 'D':
			tls_dir = optarg;
			break;
		case 'm': {
			char *end;
			errno = 0;
			max_assoc = strtol(optarg, &end, 10);
			if (errno || *end || max_assoc < 1 || max_assoc > 1000000) {
				fprintf(stderr, "iedd: --max-associations '%s': expected 1..1000000\n",
					optarg);
				return 2;
			}
			break;
		}
		case OPT_NO_PERSIST_SETTINGS:
			no_persist_settings = true;
			break;
		case OPT_HASH_PASSWORD:
			return hash_password();
		case OPT_HTTP:
			if (config_parse_listen(optarg, &run.http) || !run.http.port) {
				fprintf(stderr, "iedd: --http '%s': expected ADDR:PORT with a numeric "
						"address, e.g. 127.0.0.1:8102\n",
					optarg);
				return 2;
			}
			run.has_http = true;
			break;
		case OPT_CPU_LIMIT: {
			char *end;
			errno = 0;
			cpu_limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || cpu_limit < 0 || cpu_limit > 100) {
				fprintf(stderr, "iedd: --cpu-limit '%s': expected per cent of one "
						"core, 1..100 (0: no limit)\n",
					optarg);
				return 2;
			}
			break;
		}
		case 's':
			scl = optarg;
			break;
		case 'i':
			ied = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 't':
			trace = true;
			break;
		case 'f':
			break;
		case 'M':
			map_path = optarg;
			break;
		case 'S':
			simulate = true;
			break;
		case 'T':
			print_template = true;
			break;
		case 'X':
			strict = true;
			break;
		case 'J':
			json = true;
			break;
		case 'C':
			pics = true;
			break;
		case 'U':
			if (!*optarg) {
				fprintf(stderr, "iedd: --audit-file needs a file name\n");
				return 2;
			}
			audit_file = optarg;
			break;
		case 'P':
			if (!*optarg) {
				fprintf(stderr, "iedd: --plugin-dir needs a directory\n");
				return 2;
			}
			po.plugin_dir = optarg;
			break;
		case 'R': {
			char *end;
			errno = 0;
			double x = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(x >= 0.001 && x <= 1000)) {
				fprintf(stderr, "iedd: --simulate-speed '%s': expected a factor "
						"0.001..1000 (10: ten times as fast)\n",
					optarg);
				return 2;
			}
			po.speed = optarg;
			po.speed_x = x;
			break;
		}
		case 'F':
			files_root = optarg;
			break;
		case 'A': {
			char list[64], *save = NULL;
			snprintf(list, sizeof(list), "%s", optarg);
			for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (!strcmp(w, "delete")) {
					files_delete = true;
				} else if (!strcmp(w, "rename")) {
					files_rename = true;
				} else if (!strcmp(w, "obtain")) {
					files_obtain = true;
				} else {
					fprintf(stderr, "iedd: --files-allow '%s': expected a list of "
							"delete, rename, obtain (e.g. delete,rename)\n",
						optarg);
					return 2;
				}
			}
			break;
		}
		case 'G':
			if (!*optarg || strlen(optarg) > 15) {
				fprintf(stderr, "iedd: --goose-interface '%s': expected an interface "
						"name of 1..15 characters (ip link lists them)\n",
					optarg);
				return 2;
			}
			goose_iface = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iedd %s\n", IEDD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (simulate && map_path) {
		fprintf(stderr, "iedd: --simulate animates the whole model and uses no map; give "
				"either --simulate or --map FILE, not both\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "iedd: unexpected argument '%s' (see iedd --help)\n", argv[optind]);
		return 2;
	}
	if (json && !check && !pics) {
		fprintf(stderr, "iedd: --json goes with --check or --pics (iedd --scl FILE --check "
				"--json)\n");
		return 2;
	}
	if (pics && (check || print_template)) {
		fprintf(stderr, "iedd: --pics prints the conformance statement of a configuration "
				"that would serve; give it without --check and --print-map-template\n");
		return 2;
	}
	if ((files_delete || files_rename || files_obtain) && !files_root) {
		fprintf(stderr, "iedd: --files-allow goes with --files DIR\n");
		return 2;
	}
	log_init(verbose >= 2 || trace ? LOGL_DEBUG : verbose ? LOGL_INFO : LOGL_NOTICE, trace);

	static struct iedd_config cfg;
	char err[1024];
	int r = config_path ? config_load_file(config_path, &cfg, err, sizeof(err)) :
			      config_load_embedded(&cfg, err, sizeof(err));
	if (r) {
		fprintf(stderr, "iedd: %s\n", err);
		return 1;
	}
	/* the command line over the file, now and at each reload */
	run.config_path = config_path;
	memcpy(run.listen, listen, n_listen * sizeof(listen[0]));
	run.n_listen = n_listen;
	run.tls_dir = tls_dir;
	run.max_assoc = max_assoc;
	run.cpu_limit = cpu_limit;
	run.scl = scl;
	run.ied = ied;
	run.goose_iface = goose_iface;
	run.map_path = map_path;
	run.simulate = simulate;
	if (apply_cli(&cfg))
		return 1;

	/* The data model: the configured SCL file, or the embedded sample (a
	 * copy of etc/sample.icd: a substation bay and a wind turbine). */
	struct model *model = NULL;
	static char merr[2048];
	const char *ied_sel = cfg.ied_name[0] ? cfg.ied_name : NULL;
	if (cfg.scl_file[0])
		r = model_load_scl(cfg.scl_file, ied_sel, &model, merr, sizeof(merr));
	else
		r = model_load_scl_mem("(embedded sample.icd)", embedded_sample_icd,
				       embedded_sample_icd_len, ied_sel, &model, merr, sizeof(merr));
	strict |= cfg.scl_strict;
	const char *scl_name = cfg.scl_file[0] ? cfg.scl_file : "(embedded sample.icd)";
	if (r && cfg.scl_file[0])
		scl_open_error(&cfg, scl != NULL, r, merr, sizeof(merr));
	if (r) {
		if (check)
			check_findings(scl_name, NULL, merr, strict, json);
		else
			fprintf(stderr, "iedd: %s\n", merr);
		return 1;
	}
	if (check) {
		if (check_findings(scl_name, model, NULL, strict, json)) {
			model_free(model);
			return 1;
		}
	} else if (report_findings(model, strict)) {
		model_free(model);
		return 1;
	}
	if (print_template) {
		size_t n = pv_print_template(model, stdout);
		fflush(stdout);
		fprintf(stderr, "iedd: %zu mappable attribute(s) of IED %s\n", n, model->ied_name);
		model_free(model);
		return 0;
	}
	if (po.speed && !cfg.simulate) {
		fprintf(stderr, "iedd: --simulate-speed goes with --simulate (a sim source in "
				"iedd.xml takes <param name=\"speed\" value=\"X\"/>)\n");
		model_free(model);
		return 2;
	}
	struct pv *pv = NULL;
	po.check = check;
	run.po = po;
	run.po.check = false;	/* a reload opens sources for real */
	if (!check && !pics)
		stop_signals(SIG_BLOCK);	/* until serve() handles them */
	static char pmsg[4608];
	if (!pics && (r = start_pv(&cfg, model, &po, NULL, &run.goose_sig, &pv, pmsg,
				   sizeof(pmsg)))) {
		fprintf(stderr, "iedd: %s\n", pmsg);
		model_free(model);
		return 1;
	}
	struct tls_server *tls = NULL;
	if (cfg.tls.present && tls_load(&cfg, &tls)) {
		pv_free(pv);
		model_free(model);
		return 1;
	}
	if (check && tls) {
		printf("%s: TLS OK (%s)\n", cfg.source, tls_server_summary(tls));
		tls_server_free(tls);
		tls = NULL;
	}
	if (check) {
		/* GOOSE: every GoCB's largest frame must fit (as at start) */
		char gerr[512];
		int gr = check_goose(model, gerr, sizeof(gerr));
		if (gr) {
			fprintf(stderr, "iedd: %s\n", gerr);
			pv_free(pv);
			model_free(model);
			return 1;
		}
		if (pv)
			printf("%s: map OK (%zu mapped attribute(s))\n",
			       cfg.simulate ? "(--simulate)" : cfg.map_file, pv_n_rows(pv));
		pv_free(pv);
		printf("%s: configuration OK (%zu listener(s), max %u associations)\n", cfg.source,
		       cfg.n_listen, cfg.max_associations);
		{
			uint32_t n_ln = 0, n_ds = 0;
			for (uint32_t i = 0; i < model->n_ld; i++) {
				n_ln += model->lds[i].n_ln;
				n_ds += model->lds[i].n_ds;
			}
			printf("%s: IED %s OK: %u logical device(s), %u logical node(s), %u data set(s)\n",
			       model->scl_file, model->ied_name, model->n_ld, n_ln, n_ds);
		}
		model_free(model);
		return 0;
	}
	if (!pics) {
		log_msg(LOGL_NOTICE, LOGC_MAIN, "iedd %s starting, configuration %s", IEDD_VERSION,
			cfg.source);
		log_msg(LOGL_NOTICE, LOGC_MODEL, "serving IED %s from %s (%u logical devices)",
			model->ied_name, model->scl_file, model->n_ld);
	}
	static struct server_cfg scfg;
	server_cfg_of(&cfg, trace, &scfg);
	static struct file_service fsvc;
	if (!files_root && cfg.files_root[0]) {
		/* <files root delete rename> of iedd.xml; --files takes precedence */
		files_root = cfg.files_root;
		files_delete |= cfg.files_delete;
		files_rename |= cfg.files_rename;
		files_obtain |= cfg.files_obtain;
	}
	static char state_files[4200];
	const char *state = getenv("STATE_DIRECTORY");
	struct stat fst;
	if (!files_root && state && *state) {
		/* neither given: files/ in the state directory systemd made
		 * (StateDirectory=iedd, the first of a ':' list), if it is there */
		snprintf(state_files, sizeof(state_files), "%.*s/files",
			 (int)strcspn(state, ":"), state);
		if (!stat(state_files, &fst) && S_ISDIR(fst.st_mode))
			files_root = state_files;
	}
	if (!files_root && cfg.source[0] == '(' && !cfg.scl_file[0])
		/* the embedded default, on the sample model: its sample record,
		 * read-only, so that iedc file ls / get have something to show */
		files_root = sample_files_dir();
	if (files_root) {
		if (file_service_open_all(&fsvc, files_root, files_delete, files_rename,
					  files_obtain, err, sizeof(err))) {
			fprintf(stderr, "iedd: --files: %s\n", err);
			pv_free(pv);
			model_free(model);
			return 1;
		}
		file_service_limits(&fsvc, cfg.files_max_open_assoc, cfg.files_max_open,
				    (uint64_t)cfg.files_max_upload_mib << 20,
				    (uint64_t)cfg.files_keep_free_mib << 20);
		scfg.files = &fsvc.acsi;
		if (!pics)
			log_msg(LOGL_NOTICE, LOGC_MAIN,
			"file services on %s (delete %s, rename %s, ObtainFile %s)", files_root,
			files_delete ? "allowed" : "off", files_rename ? "allowed" : "off",
			files_obtain ? "allowed" : "off");
	}
	if (pics) {
		scfg.tls = tls;
		const struct pics_in pin = {
			.scfg = &scfg, .model = model, .tls = tls, .config_source = cfg.source,
			.files_root = files_root, .files_delete = files_delete,
			.files_rename = files_rename, .files_obtain = files_obtain,
		};
		r = pics_print(stdout, &pin, json);
		if (r)
			fprintf(stderr, "iedd: --pics: out of memory\n");
		tls_server_free(tls);
		file_service_close(&fsvc);
		model_free(model);
		return r ? 1 : 0;
	}
	static struct rpt_state rstate;
	rpt_state_open(&cfg, model, &rstate);
	if (rstate.store) {
		scfg.report_persist = &rstate.persist;
		scfg.sync = rpt_state_sync;
		scfg.sync_ctx = rstate.store;
		scfg.sync_ms = cfg.rpt_sync_ms ? cfg.rpt_sync_ms : 100u;
	}
	raise_nofile(cfg.max_associations);
	scfg.tls = tls;
	/* GnuTLS appends every session's secrets to $SSLKEYLOGFILE (read at
	 * the first handshake): a server never does that; clients can */
	if (getenv("SSLKEYLOGFILE")) {
		log_msg(LOGL_WARNING, LOGC_TLS, "SSLKEYLOGFILE is set: ignored, iedd does not write "
			"TLS secrets (a client's key log, e.g. iedc's, decrypts a capture)");
		unsetenv("SSLKEYLOGFILE");
	}
	/* the client list; a reload (SIGHUP) puts a new one beside it */
	static struct authz_policy policy;
	policy = cfg.authz;
	policy.password_ok = passwd_check;
	scfg.authz = &policy;
	run.policy = run.start_policy = &policy;
	if (!policy.enabled)
		log_msg(LOGL_WARNING, LOGC_MAIN, "no client list (<clients>): every client that "
			"connects may do everything (doc/security.md)");
	else
		log_msg(LOGL_NOTICE, LOGC_MAIN, "access control: %zu expected client(s), %zu "
			"role(s), %zu rule(s) (IEC 62351-8)", policy.n_clients, policy.n_roles,
			policy.n_rules);
	struct audit *audit = NULL;
	if (audit_file || cfg.audit_present) {
		const struct audit_cfg ac = {
			.file = audit_file ? audit_file : cfg.audit_file[0] ? cfg.audit_file : NULL,
			.max_bytes = (uint64_t)cfg.audit_max_kib << 10,
			.keep = cfg.audit_keep,
			.syslog = cfg.audit_syslog[0] ? cfg.audit_syslog : NULL,
			.journal = cfg.audit_journal,
			.journal_socket = getenv("IEDD_TEST_JOURNAL_SOCKET"),
			.queue = cfg.audit_queue,
		};
		if (audit_open(&ac, &audit, err, sizeof(err))) {
			fprintf(stderr, "iedd: %s\n", err);
			rpt_state_close(&rstate, false);
			file_service_close(&fsvc);
			tls_server_free(tls);
			pv_free(pv);
			model_free(model);
			return 1;
		}
		scfg.audit = audit_hook(audit);
		run.audit = scfg.audit;
		log_msg(LOGL_NOTICE, LOGC_MAIN, "audit trail:%s%s%s%s%s", ac.file ? " " : "",
			ac.file ? ac.file : "", ac.syslog ? " syslog " : "", ac.syslog ? ac.syslog : "",
			ac.journal ? " journald" : "");
	}
	/* durable settings: restored before any association and before the
	 * sources' threads start; synced on the same timer as the reports */
	static struct set_state sstate;
	set_state_open(&cfg, model, &sstate, &scfg);
	struct server *srv = server_new(&scfg, model);
	if (!srv || (pv && server_attach_pv(srv, pv))) {
		server_free(srv);
		audit_close(audit);
		tls_server_free(tls);
		/* not loaded to the end: the files stay as the last run left them */
		rpt_state_close(&rstate, false);
		file_service_close(&fsvc);
		pv_free(pv);
		model_free(model);
		return 1;
	}
	/* the report service took back every BRCB's state: from here on the
	 * store writes (a fresh snapshot first) */
	if (rstate.store)
		(void)rptstore_load_done(rstate.store, mono_ms());
	struct http_srv *http = NULL;
	if (cfg.http.port) {
		struct http_cfg hc = { .port = cfg.http.port, .token = cfg.http_token,
				       .version = IEDD_VERSION, .config_file = cfg.source,
				       .extra_metrics = audit_metrics, .extra_ctx = audit };
		snprintf(hc.addr, sizeof(hc.addr), "%s",
			 !strcmp(cfg.http.addr, "*") || !cfg.http.addr[0] ? "0.0.0.0" : cfg.http.addr);
		http = http_start(srv, &hc);	/* a failure is logged; MMS goes on */
	}
	run.cfg = &cfg;
	run.model = model;
	run.srv = srv;
	run.pv = pv;
	run.tls = tls;
	{
		char detail[700];
		snprintf(detail, sizeof(detail), "iedd %s, configuration %s, IED %s from %s",
			 IEDD_VERSION, cfg.source, model->ied_name, model->scl_file);
		const struct acsi_audit_rec ar = { .kind = ACSI_AUDIT_SERVICE, .action = "start",
						    .ok = true, .result = "serving", .detail = detail };
		acsi_audit(run.audit, &ar);
	}
	r = serve(srv);
	http_stop(http);
	/* the reports stop with the server (associations aborted in
	 * server_stop, the service freed here): only then the last flush */
	server_free(srv);
	{
		const struct acsi_audit_rec ar = { .kind = ACSI_AUDIT_SERVICE, .action = "stop",
						    .ok = r == 0, .result = "stopped" };
		acsi_audit(run.audit, &ar);
	}
	audit_close(audit);
	pv = run.pv;	/* a reload may have replaced them */
	tls = run.tls;
	for (size_t i = 0; i < run.n_retired; i++)
		tls_server_free(run.retired[i]);
	free(run.retired);
	tls_server_free(tls);
	for (size_t i = 0; i < run.n_old_pol; i++)
		free(run.old_pol[i]);
	free(run.old_pol);
	if (run.policy != run.start_policy)
		free((struct authz_policy *)run.policy); /* a reload's, from malloc */
	rpt_state_close(&rstate, true);
	set_state_close(&sstate);
	file_service_close(&fsvc);
	pv_free(pv);
	model_free(model);
	log_msg(LOGL_NOTICE, LOGC_MAIN, "stopped");
	return r ? 1 : 0;
}
