/* SPDX-License-Identifier: Apache-2.0 */
/* iedd's own configuration: read iedd.xml, validate it against the embedded
 * schemas/iedd-config.xsd, fill struct iedd_config.
 *
 * Every complaint names the file and the line, says what is wrong in the
 * words of the file (element and attribute names, without namespace
 * braces) and, where the schema knows it, how to fix it: those messages
 * are config_diag.c's. libxml2 reports through its structured handlers
 * only; it never prints.
 *
 * Thread: any. libxml2's error handlers are per thread; a load borrows its
 * thread's handlers and gives them back before it returns. */
#include "config.h"
#include "config_diag.h"

#include "embedded.h"
#include "iedd_config.h"
#include "passwd.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/* A configuration is a few kilobytes; refuse to slurp anything absurd. */
#define CONFIG_MAX_FILE (1u << 20)
#define EMBEDDED_NAME "(embedded default)"

void config_defaults(struct iedd_config *cfg)
{
	*cfg = (struct iedd_config){
		.n_listen = 0,
		.max_associations = 10000,
		.assoc_timeout_ms = 10000,
		.idle_timeout_ms = 0,
		.auth_failures = 5,
		.auth_backoff_ms = 1000,
		.auth_backoff_max_ms = 60000,
		.pdu_timeout_ms = 10000,
		.max_pdu_size = 65000,
		.max_serv_outstanding = 16,
		.max_nesting = 10,
		.vendor = "iedd",
		.model = "software IED",
		.revision = IEDD_VERSION,
		.source = EMBEDDED_NAME,
		.scan_period_ms = 1000,
		.sim_travel_ms = -1,
		.tls_session = { .rekey_s = TLS_DEFAULT_REKEY_S,
				 .rekey_bytes = (unsigned)TLS_DEFAULT_REKEY_BYTES,
				 .grace_s = TLS_DEFAULT_REKEY_GRACE_S,
				 .resume_s = TLS_DEFAULT_RESUME_S },
	};
	authz_policy_init(&cfg->authz);
}

/* ---- listen addresses ------------------------------------------------ */

/* "*", or a numeric IPv4 or IPv6 address ("::" included). */
static bool listen_addr_ok(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(a, "*"))
		return true;
	return inet_pton(AF_INET, a, &a4) == 1 || inet_pton(AF_INET6, a, &a6) == 1;
}

static int parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int config_parse_listen(const char *s, struct config_listen *out)
{
	struct config_listen l = { .addr = "*" };
	const char *port, *colon;
	size_t n;

	if (!s || !out)
		return -EINVAL;
	if (s[0] == '[') {
		/* RFC 3986 §3.2.2: an IPv6 literal with a port is bracketed. */
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(l.addr))
			return -EINVAL;
		memcpy(l.addr, s + 1, n);
		l.addr[n] = '\0';
		struct in6_addr a6;
		if (inet_pton(AF_INET6, l.addr, &a6) != 1)
			return -EINVAL;
		port = close + 2;
	} else if ((colon = strrchr(s, ':'))) {
		n = (size_t)(colon - s);
		/* A second colon means an unbracketed IPv6 address: ambiguous. */
		if (memchr(s, ':', n) || n >= sizeof(l.addr))
			return -EINVAL;
		if (n) {
			memcpy(l.addr, s, n);
			l.addr[n] = '\0';
			if (!listen_addr_ok(l.addr))
				return -EINVAL;
		}
		port = colon + 1;
	} else {
		port = s;
	}
	if (parse_port(port, &l.port))
		return -EINVAL;
	*out = l;
	return 0;
}

/* ---- reading the validated tree -------------------------------------- */

bool config_is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, CONFIG_NS) && !strcmp((const char *)n->name, name);
}

/* xs:unsignedInt lexical space after whitespace collapse: [+]digits. */
bool config_parse_uint(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	bool digits = false;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT_MAX)
			return false;
		digits = true;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!digits || *s)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Attribute `name` of `n` into *out if present and at most max.
 * 1 = set, 0 = absent, -EINVAL = refused (reported). */
static int attr_uint(struct diag *d, xmlNode *n, const char *name, unsigned max, unsigned *out)
{
	xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, NULL);
	xmlChar *v;
	unsigned u;
	bool ok;

	if (!a)
		return 0;
	v = xmlNodeGetContent((xmlNode *)a);
	ok = v && config_parse_uint((const char *)v, &u) && u <= max;
	xmlFree(v);
	if (!ok) {
		diag_attr_value(d, a);
		return -EINVAL;
	}
	*out = u;
	return 1;
}

static int attr_string(struct diag *d, xmlNode *n, const char *name, char *out, size_t outlen)
{
	xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, NULL);
	xmlChar *v;
	int r = 1;

	if (!a)
		return 0;
	v = xmlNodeGetContent((xmlNode *)a);
	if (v && strlen((const char *)v) < outlen)
		snprintf(out, outlen, "%s", (const char *)v);
	else
		r = -EINVAL;
	xmlFree(v);
	if (r < 0)
		diag_attr_value(d, a);
	return r;
}

static int attr_bool(struct diag *d, xmlNode *n, const char *name, bool *out);

/* <listen transport>: "tcp" (the default) or "tls". */
static int read_listen_transport(struct diag *d, xmlNode *n, struct config_listen *l)
{
	char t[8] = "";
	int r = attr_string(d, n, "transport", t, sizeof(t));
	if (r < 0)
		return r;
	l->tls = r && !strcmp(t, "tls");
	return 0;
}

static int read_listen(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	struct config_listen *l = &c->listen[c->n_listen];
	xmlAttr *a;
	unsigned port = 0;
	int r;

	if (c->n_listen == CONFIG_MAX_LISTEN) {
		diag_report(d, diag_node_line(n), "element 'listen': more than %d listeners",
			    CONFIG_MAX_LISTEN);
		return -EINVAL;
	}
	if ((r = attr_string(d, n, "address", l->addr, sizeof(l->addr))) < 0)
		return r;
	/* The schema's pattern only approximates an address; inet_pton decides. */
	a = xmlHasNsProp(n, (const xmlChar *)"address", NULL);
	if (!r || !listen_addr_ok(l->addr)) {
		if (a)
			diag_attr_value(d, a);
		else
			diag_report(d, diag_node_line(n), "element 'listen': attribute 'address' is missing");
		return -EINVAL;
	}
	if ((r = read_listen_transport(d, n, l)) < 0)
		return r;
	if ((r = attr_uint(d, n, "port", 65535, &port)) < 0)
		return r;
	if (!r)
		port = l->tls ? 3782 : 102;	/* IEC 62351-3 / IEC 61850-8-1 */
	if (port == 0) {
		a = xmlHasNsProp(n, (const xmlChar *)"port", NULL);
		if (a)
			diag_attr_value(d, a);
		else
			diag_report(d, diag_node_line(n), "element 'listen': attribute 'port' is missing");
		return -EINVAL;
	}
	l->port = (uint16_t)port;
	l->line = (unsigned)diag_node_line(n);
	c->n_listen++;
	return 0;
}

static int read_limits(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	unsigned v;
	int r;

	if ((r = attr_uint(d, n, "maxAssociations", UINT_MAX, &c->max_associations)) < 0 ||
	    (r = attr_uint(d, n, "associationTimeout", UINT_MAX, &c->assoc_timeout_ms)) < 0 ||
	    (r = attr_uint(d, n, "idleTimeout", UINT_MAX, &c->idle_timeout_ms)) < 0 ||
	    (r = attr_uint(d, n, "pduTimeout", UINT_MAX, &c->pdu_timeout_ms)) < 0)
		return r;
	if ((r = attr_uint(d, n, "maxPduSize", UINT32_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_pdu_size = v;
	if ((r = attr_uint(d, n, "maxServOutstanding", INT_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_serv_outstanding = (int)v;
	if ((r = attr_uint(d, n, "maxNesting", INT_MAX, &v)) < 0)
		return r;
	if (r)
		c->max_nesting = (int)v;
	/* per cent of one core (net/cpu_limit.h); the schema says 0..100 */
	if ((r = attr_uint(d, n, "cpuPercent", 100, &c->cpu_percent)) < 0)
		return r;
	/* net/admit.h */
	if ((r = attr_uint(d, n, "authFailures", 1000, &c->auth_failures)) < 0 ||
	    (r = attr_uint(d, n, "authBackoff", UINT_MAX, &c->auth_backoff_ms)) < 0 ||
	    (r = attr_uint(d, n, "authBackoffMax", UINT_MAX, &c->auth_backoff_max_ms)) < 0 ||
	    (r = attr_uint(d, n, "pendingPerAddress", 100000, &c->pending_per_addr)) < 0)
		return r;
	return 0;
}

static int read_identity(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;

	if ((r = attr_string(d, n, "vendor", c->vendor, sizeof(c->vendor))) < 0 ||
	    (r = attr_string(d, n, "model", c->model, sizeof(c->model))) < 0 ||
	    (r = attr_string(d, n, "revision", c->revision, sizeof(c->revision))) < 0)
		return r;
	return 0;
}

static int read_server(struct diag *d, xmlNode *server, struct iedd_config *c)
{
	bool plain = true;
	int r = attr_bool(d, server, "plainTcp", &plain);
	if (r < 0)
		return r;
	c->plain_off = r && !plain;
	r = 0;

	for (xmlNode *n = server->children; n && !r; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (config_is_element(n, "listen"))
			r = read_listen(d, n, c);
		else if (config_is_element(n, "limits"))
			r = read_limits(d, n, c);
		else if (config_is_element(n, "identity"))
			r = read_identity(d, n, c);
		else {
			diag_unexpected(d, n);
			r = -EINVAL;
		}
	}
	return r;
}

/* Attribute `name` of `n`, of the schema's booleanType, into *out if
 * present. The schema has refused all but "true", "false", "1" and "0",
 * with surrounding whitespace allowed (xs:boolean collapses it).
 * 1 = set, 0 = absent, -EINVAL = refused (reported). */
static int attr_bool(struct diag *d, xmlNode *n, const char *name, bool *out)
{
	char v[256] = "", t[8];
	int r = attr_string(d, n, name, v, sizeof(v));

	if (r <= 0)
		return r;
	diag_collapse((const xmlChar *)v, t, sizeof(t));
	*out = !strcmp(t, "true") || !strcmp(t, "1");
	return 1;
}

/* <scl strict>: warnings of the SCL loader are errors (iedd --strict;
 * doc/scl-findings.md). */
static int read_scl_strict(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r = attr_bool(d, n, "strict", &c->scl_strict);
	return r < 0 ? r : 0;
}

/* A path written in attribute `attr` of `n`, made relative to the
 * configuration file's directory, as users expect of paths written in a
 * config file (and as they would be if iedd ran from that directory). An
 * absolute path, and every path of the embedded default (which has no
 * directory), is kept as written. */
static int config_path(struct diag *d, xmlNode *n, const char *attr, const char *file, char *out,
		       size_t outlen, const struct iedd_config *c)
{
	const char *slash = strrchr(c->source, '/');
	if (file[0] != '/' && slash && c->source[0] != '(') {
		int dl = (int)(slash - c->source);
		if ((size_t)snprintf(out, outlen, "%.*s/%s", dl, c->source, file) >= outlen) {
			diag_report(d, diag_elem_line(d, n), "element '%s', attribute '%s': the path is "
				    "too long with the directory of this file (%.*s/) in front; give "
				    "a shorter or an absolute path", (const char *)n->name, attr, dl,
				    c->source);
			return -EINVAL;
		}
	} else {
		snprintf(out, outlen, "%s", file);
	}
	return 0;
}

/* <scl file ied>: a relative file is taken relative to the configuration
 * file's directory. */
static int read_scl(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[sizeof(c->scl_file)] = "";
	int r;

	if ((r = attr_string(d, n, "file", file, sizeof(file))) < 0 ||
	    (r = attr_string(d, n, "ied", c->ied_name, sizeof(c->ied_name))) < 0 ||
	    (r = read_scl_strict(d, n, c)) < 0)
		return r;
	if ((r = config_path(d, n, "file", file, c->scl_file, sizeof(c->scl_file), c)) < 0)
		return r;
	c->scl_line = (unsigned)diag_elem_line(d, n);
	return 0;
}

/* <map file period><scanClass name period/>...</map> */
static int read_map(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[sizeof(c->map_file)] = "";
	int r;

	if ((r = attr_string(d, n, "file", file, sizeof(file))) < 0 ||
	    (r = config_path(d, n, "file", file, c->map_file, sizeof(c->map_file), c)) < 0 ||
	    (r = attr_uint(d, n, "period", 3600000, &c->scan_period_ms)) < 0)
		return r;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!config_is_element(k, "scanClass")) {
			diag_unexpected(d, k);
			return -EINVAL;
		}
		if (c->n_scans == CONFIG_MAX_SCAN) {
			diag_report(d, diag_node_line(k), "element 'scanClass': more than %d",
				    CONFIG_MAX_SCAN);
			return -EINVAL;
		}
		struct config_scan *sc = &c->scans[c->n_scans];
		if ((r = attr_string(d, k, "name", sc->name, sizeof(sc->name))) < 0 ||
		    (r = attr_uint(d, k, "period", 3600000, &sc->period_ms)) < 0)
			return r;
		c->n_scans++;
	}
	return 0;
}

/* <sources><source name plugin thread><param name value/>...</source></sources> */
static int read_sources(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!config_is_element(k, "source")) {
			diag_unexpected(d, k);
			return -EINVAL;
		}
		if (c->n_sources == CONFIG_MAX_SOURCES) {
			diag_report(d, diag_node_line(k), "element 'source': more than %d sources",
				    CONFIG_MAX_SOURCES);
			return -EINVAL;
		}
		struct config_source *s = &c->sources[c->n_sources];
		memset(s, 0, sizeof(*s));
		s->line = (unsigned)diag_elem_line(d, k);
		char plugin[256] = "";
		if ((r = attr_string(d, k, "name", s->name, sizeof(s->name))) < 0 ||
		    (r = attr_string(d, k, "plugin", plugin, sizeof(plugin))) < 0 ||
		    (r = attr_bool(d, k, "thread", &s->thread)) < 0)
			return r;
		/* A bare name is looked up in the plugin directory; a path (with
		 * a '/') is a file, relative to this file as <scl> and <map>. */
		if (strchr(plugin, '/'))
			r = config_path(d, k, "plugin", plugin, s->plugin, sizeof(s->plugin), c);
		else
			snprintf(s->plugin, sizeof(s->plugin), "%s", plugin);
		if (r < 0)
			return r;
		for (size_t i = 0; i < c->n_sources; i++)
			if (!strcmp(c->sources[i].name, s->name)) {
				/* The schema's uniqueSource has said it already;
				 * kept in case the schema is relaxed. */
				if (!diag_duplicate(d, k))
					diag_report(d, diag_node_line(k), "element 'source': name '%s' "
						    "appears twice", s->name);
				return -EINVAL;
			}
		for (xmlNode *p = k->children; p; p = p->next) {
			if (p->type != XML_ELEMENT_NODE)
				continue;
			if (!config_is_element(p, "param")) {
				diag_unexpected(d, p);
				return -EINVAL;
			}
			if (s->n_params == CONFIG_MAX_PARAMS) {
				diag_report(d, diag_node_line(p), "element 'param': more than %d",
					    CONFIG_MAX_PARAMS);
				return -EINVAL;
			}
			struct config_param *pa = &s->params[s->n_params];
			if ((r = attr_string(d, p, "name", pa->name, sizeof(pa->name))) < 0 ||
			    (r = attr_string(d, p, "value", pa->value, sizeof(pa->value))) < 0)
				return r;
			s->n_params++;
		}
		c->n_sources++;
	}
	return 0;
}

/* <files root delete rename obtain>: the MMS file services (iedd --files,
 * --files-allow); a relative root is taken relative to this file. */
static int read_files(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char root[sizeof(c->files_root)] = "";
	int r;

	if ((r = attr_string(d, n, "root", root, sizeof(root))) < 0 ||
	    (r = attr_bool(d, n, "delete", &c->files_delete)) < 0 ||
	    (r = attr_bool(d, n, "rename", &c->files_rename)) < 0 ||
	    (r = attr_bool(d, n, "obtain", &c->files_obtain)) < 0 ||
	    (r = attr_uint(d, n, "maxOpenPerAssociation", 32, &c->files_max_open_assoc)) < 0 ||
	    (r = attr_uint(d, n, "maxOpen", 100000, &c->files_max_open)) < 0 ||
	    (r = attr_uint(d, n, "maxUploadMiB", 4096, &c->files_max_upload_mib)) < 0 ||
	    (r = attr_uint(d, n, "keepFreeMiB", 1048576, &c->files_keep_free_mib)) < 0)
		return r;
	return config_path(d, n, "root", root, c->files_root, sizeof(c->files_root), c);
}

/* <reports bufferEntries bufferKiB stateDir syncMs>: the BRCB buffers and
 * where they survive a restart (doc/state-format.md). */
static int read_reports(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char dir[sizeof(c->rpt_state_dir)] = "";
	int r;
	if ((r = attr_uint(d, n, "bufferEntries", 1000000, &c->rpt_buf_entries)) < 0 ||
	    (r = attr_uint(d, n, "bufferKiB", 1048576, &c->rpt_buf_kib)) < 0 ||
	    (r = attr_uint(d, n, "syncMs", 60000, &c->rpt_sync_ms)) < 0 ||
	    (r = attr_string(d, n, "stateDir", dir, sizeof(dir))) < 0)
		return r;
	if (r == 1 && !dir[0]) {
		c->rpt_state_off = true;
		return 0;
	}
	if (!dir[0])
		return 0;
	return config_path(d, n, "stateDir", dir, c->rpt_state_dir, sizeof(c->rpt_state_dir), c);
}

/* <settings persist>: whether client-written CF/DC/SP/SE values survive a
 * restart (README "Durable settings"; in the reports' state directory). */
static int read_settings(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	bool persist = true;
	int r = attr_bool(d, n, "persist", &persist);
	if (r < 0)
		return r;
	c->settings_persist_off = !persist;
	return 0;
}

/* <dataSets maxMembers maxPerLD maxPerAssociation>: limits of the data sets
 * clients define (DefineNamedVariableList). */
static int read_datasets(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;
	if ((r = attr_uint(d, n, "maxMembers", 100000, &c->ds_max_members)) < 0 ||
	    (r = attr_uint(d, n, "maxPerLD", 100000, &c->ds_max_ld)) < 0 ||
	    (r = attr_uint(d, n, "maxPerAssociation", 100000, &c->ds_max_aa)) < 0)
		return r;
	return 0;
}

/* <simulate travelMs><control ref travelMs fail/>...</simulate> (the
 * references are checked against the model by pv_simulate_map_cfg) */
static int read_simulate(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;
	unsigned u;
	c->simulate = true;
	if ((r = attr_uint(d, n, "travelMs", 3600000, &u)) < 0)
		return r;
	if (r)
		c->sim_travel_ms = (int)u;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (!config_is_element(k, "control")) {
			diag_unexpected(d, k);
			return -EINVAL;
		}
		if (c->n_sim_controls == CONFIG_MAX_SIM_CONTROLS) {
			diag_report(d, diag_node_line(k), "element 'control': more than %d",
				    CONFIG_MAX_SIM_CONTROLS);
			return -EINVAL;
		}
		struct config_sim_control *sc = &c->sim_controls[c->n_sim_controls];
		memset(sc, 0, sizeof(*sc));
		sc->travel_ms = -1;
		sc->line = (unsigned)diag_elem_line(d, k);
		if ((r = attr_string(d, k, "ref", sc->ref, sizeof(sc->ref))) < 0 ||
		    (r = attr_string(d, k, "fail", sc->fail, sizeof(sc->fail))) < 0 ||
		    (r = attr_uint(d, k, "travelMs", 3600000, &u)) < 0)
			return r;
		if (r)
			sc->travel_ms = (int)u;
		c->n_sim_controls++;
	}
	return 0;
}

static int read_controls(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r;
	if ((r = attr_uint(d, n, "sboTimeoutMs", 3600000, &c->ctl_sbo_timeout_ms)) < 0 ||
	    (r = attr_uint(d, n, "operTimeoutMs", 3600000, &c->ctl_oper_timeout_ms)) < 0 ||
	    (r = attr_bool(d, n, "refuseUnchecked", &c->ctl_refuse_unchecked)) < 0 ||
	    (r = attr_bool(d, n, "healthBlocks", &c->ctl_health_blocks)) < 0)
		return r;
	return 0;
}

/* <audit file maxKiB keep syslog journal queue>: the audit trail; a
 * relative file is taken relative to this file. */
static int read_audit(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[sizeof(c->audit_file)] = "";
	int r;
	c->audit_present = true;
	if ((r = attr_string(d, n, "file", file, sizeof(file))) < 0 ||
	    (r = attr_uint(d, n, "maxKiB", 4194304, &c->audit_max_kib)) < 0 ||
	    (r = attr_uint(d, n, "keep", 100, &c->audit_keep)) < 0 ||
	    (r = attr_string(d, n, "syslog", c->audit_syslog, sizeof(c->audit_syslog))) < 0 ||
	    (r = attr_bool(d, n, "journal", &c->audit_journal)) < 0 ||
	    (r = attr_uint(d, n, "queue", 1000000, &c->audit_queue)) < 0)
		return r;
	if (!file[0])
		return 0;
	return config_path(d, n, "file", file, c->audit_file, sizeof(c->audit_file), c);
}

/* <http listen token>: the status page and metrics. */
static int read_http(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char listen[100] = "";
	int r;
	if ((r = attr_string(d, n, "listen", listen, sizeof(listen))) < 0 ||
	    (r = attr_string(d, n, "token", c->http_token, sizeof(c->http_token))) < 0)
		return r;
	c->http_line = (unsigned)diag_elem_line(d, n);
	if (config_parse_listen(listen, &c->http) || !c->http.port) {
		diag_report(d, c->http_line, "<http listen=\"%s\">: expected ADDR:PORT with a numeric "
			    "address, e.g. 127.0.0.1:8102", listen);
		return -EINVAL;
	}
	if (!config_addr_loopback(c->http.addr) && !c->http_token[0]) {
		diag_report(d, c->http_line, "<http listen=\"%s\">: not a loopback address, and no "
			    "token: the status page shows the whole model and every association; "
			    "add token=\"...\" (clients send Authorization: Bearer TOKEN) or listen "
			    "on 127.0.0.1", listen);
		return -EINVAL;
	}
	return 0;
}

bool config_addr_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int read_goose(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r = attr_string(d, n, "interface", c->goose_iface, sizeof(c->goose_iface));
	if (r < 0)
		return r;
	c->goose_line = (unsigned)xmlGetLineNo(n);
	return 0;
}

/* ---- TLS: <server plainTcp>, <listen transport>, <tls> ------------------ */

static int tls_file(struct diag *d, xmlNode *n, const char *attr, struct config_tls_file *f,
		    const struct iedd_config *c)
{
	char v[CONFIG_TLS_PATH] = "";
	int r = attr_string(d, n, attr, v, sizeof(v));
	if (r <= 0)
		return r;
	if ((r = config_path(d, n, attr, v, f->path, sizeof(f->path), c)) < 0)
		return r;
	f->line = (unsigned)diag_elem_line(d, n);
	return 1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 64 hex digits, pairs optionally separated by ':' (as certtool and
 * openssl print them). */
static bool parse_sha256(const char *s, uint8_t out[32])
{
	size_t k = 0;
	while (*s == ' ')
		s++;
	while (k < 32) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		out[k++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && k < 32)
			s++;
	}
	while (*s == ' ')
		s++;
	return !*s;
}

static int read_tls_client(struct diag *d, xmlNode *k, struct iedd_config *c)
{
	struct config_tls *t = &c->tls;
	char fp[160] = "";
	int r, has_cert;

	if (t->n_clients == CONFIG_MAX_TLS_CLIENTS) {
		diag_report(d, diag_node_line(k), "element 'client': more than %d",
			    CONFIG_MAX_TLS_CLIENTS);
		return -EINVAL;
	}
	struct config_tls_client *cl = &t->clients[t->n_clients];
	cl->line = (unsigned)diag_elem_line(d, k);
	if ((r = attr_string(d, k, "name", cl->name, sizeof(cl->name))) < 0 ||
	    (r = attr_string(d, k, "fingerprint", fp, sizeof(fp))) < 0)
		return r;
	if (r) {
		if (!parse_sha256(fp, cl->sha256)) {
			diag_attr_value(d, xmlHasNsProp(k, (const xmlChar *)"fingerprint", NULL));
			return -EINVAL;
		}
		cl->has_sha256 = true;
	}
	struct config_tls_file f = { .path = "" };
	if ((has_cert = tls_file(d, k, "cert", &f, c)) < 0)
		return has_cert;
	snprintf(cl->cert, sizeof(cl->cert), "%s", f.path);
	if (!!has_cert == cl->has_sha256) {
		diag_report(d, cl->line, "element 'client': give either 'fingerprint' (the SHA-256 "
			    "of the client's certificate) or 'cert' (its file), one of them");
		return -EINVAL;
	}
	t->n_clients++;
	return 0;
}

/* <tls priority clientAuth allowRsa1024><certificate file key/><ca file/>*
 * <crl file/>*<client name fingerprint|cert/>*</tls> */
static int read_tls(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	struct config_tls *t = &c->tls;
	char mode[16] = "";
	int r;

	t->present = true;
	t->line = (unsigned)diag_elem_line(d, n);
	if ((r = attr_string(d, n, "priority", t->priority, sizeof(t->priority))) < 0 ||
	    (r = attr_string(d, n, "clientAuth", mode, sizeof(mode))) < 0 ||
	    (r = attr_bool(d, n, "allowRsa1024", &t->allow_rsa1024)) < 0)
		return r;
	struct config_tls_session *ss = &c->tls_session;
	if ((r = attr_uint(d, n, "rekeyInterval", 86400, &ss->rekey_s)) < 0 ||
	    (r = attr_uint(d, n, "rekeyBytes", UINT_MAX, &ss->rekey_bytes)) < 0 ||
	    (r = attr_uint(d, n, "renegotiationGrace", 3600, &ss->grace_s)) < 0 ||
	    (r = attr_uint(d, n, "resumption", 86400, &ss->resume_s)) < 0)
		return r;
	if (!ss->grace_s) {
		diag_report(d, t->line, "element 'tls': renegotiationGrace=\"0\": give the client "
			    "1 s or more (up to 3600) to begin a renegotiation");
		return -EINVAL;
	}
	if (ss->resume_s && ss->rekey_s && ss->resume_s >= ss->rekey_s) {
		diag_report(d, t->line, "element 'tls': resumption=\"%u\" is not shorter than "
			    "rekeyInterval=\"%u\": IEC 62351-3 wants a resumed session to end "
			    "before its keys are due for renewal (lower resumption, or 0 for none)",
			    ss->resume_s, ss->rekey_s);
		return -EINVAL;
	}
	t->pinned = !strcmp(mode, "pinned");
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (config_is_element(k, "certificate")) {
			if ((r = tls_file(d, k, "file", &t->cert, c)) < 0 ||
			    (r = tls_file(d, k, "key", &t->key, c)) < 0)
				return r;
		} else if (config_is_element(k, "ca") || config_is_element(k, "crl")) {
			bool ca = config_is_element(k, "ca");
			size_t *cnt = ca ? &t->n_ca : &t->n_crl;
			if (*cnt == CONFIG_MAX_TLS_FILES) {
				diag_report(d, diag_node_line(k), "element '%s': more than %d",
					    ca ? "ca" : "crl", CONFIG_MAX_TLS_FILES);
				return -EINVAL;
			}
			if ((r = tls_file(d, k, "file", ca ? &t->ca[*cnt] : &t->crl[*cnt], c)) < 0)
				return r;
			(*cnt)++;
		} else if (config_is_element(k, "client")) {
			if ((r = read_tls_client(d, k, c)) < 0)
				return r;
		} else {
			diag_unexpected(d, k);
			return -EINVAL;
		}
	}
	if (!t->cert.path[0]) {
		diag_report(d, t->line, "element 'tls': a <certificate file=\"...\" key=\"...\"/> "
			    "is needed");
		return -EINVAL;
	}
	if (!t->pinned && !t->n_ca) {
		diag_report(d, t->line, "element 'tls': clientAuth=\"chain\" (the default) needs "
			    "at least one <ca file=\"...\"/>");
		return -EINVAL;
	}
	if (t->pinned && !t->n_clients) {
		diag_report(d, t->line, "element 'tls': clientAuth=\"pinned\" needs at least one "
			    "<client name=\"...\" fingerprint=\"...\"/>");
		return -EINVAL;
	}
	return 0;
}

/* ---- the expected clients and their rights: <clients> (authz.h) -------- */

/* <role name rights>: a role of the site's own. */
static int read_role(struct diag *d, xmlNode *k, struct authz_policy *p)
{
	char name[AUTHZ_NAME] = "", rights[512] = "";
	const char *bad = NULL;
	int r;
	if ((r = attr_string(d, k, "name", name, sizeof(name))) < 0 ||
	    (r = attr_string(d, k, "rights", rights, sizeof(rights))) < 0)
		return r;
	uint16_t mask = 0;
	if (authz_parse_rights(rights, &mask, &bad)) {
		diag_report(d, diag_elem_line(d, k), "element 'role' '%s', attribute 'rights': '%.*s' "
			    "is no right (IEC 62351-8: VIEW READ DATASET REPORTING FILEREAD FILEWRITE "
			    "FILEMNGT CONTROL CONFIG SETTINGGROUP SECURITY, or ALL)", name,
			    (int)strcspn(bad, " ,"), bad);
		return -EINVAL;
	}
	r = authz_add_role(p, name, mask);
	if (r == -EEXIST)
		diag_report(d, diag_elem_line(d, k), "element 'role': '%s' is already a role (the "
			    "seven of IEC 62351-8 exist; change their rights with <rule>)", name);
	else if (r)
		diag_report(d, diag_elem_line(d, k), "element 'role': more than %d roles in all",
			    AUTHZ_MAX_ROLES);
	return r ? -EINVAL : 0;
}

static int roles_attr(struct diag *d, xmlNode *k, const struct authz_policy *p, uint32_t *mask,
		      bool required)
{
	char v[1024] = "";
	const char *bad = NULL;
	int r = attr_string(d, k, "roles", v, sizeof(v));
	if (r < 0)
		return r;
	if (authz_parse_roles(p, v, mask, &bad)) {
		diag_report(d, diag_attr_line(d, k, "roles"), "element '%s', attribute 'roles': '%.*s' is no "
			    "role (VIEWER OPERATOR ENGINEER INSTALLER SECADM SECAUD RBACMNT, or one "
			    "a <role> above defines)", (const char *)k->name, (int)strcspn(bad, " ,"),
			    bad);
		return -EINVAL;
	}
	if (required && !*mask) {
		diag_report(d, diag_elem_line(d, k), "element '%s': give its roles, e.g. "
			    "roles=\"VIEWER\"%s", (const char *)k->name,
			    config_is_element(k, "client") ? " (or certificateRoles=\"true\")" : "");
		return -EINVAL;
	}
	return 0;
}

/* <rule roles ld lnClass fc grant deny> */
static int read_rule(struct diag *d, xmlNode *k, struct authz_policy *p)
{
	if (p->n_rules == AUTHZ_MAX_RULES) {
		diag_report(d, diag_elem_line(d, k), "element 'rule': more than %d", AUTHZ_MAX_RULES);
		return -EINVAL;
	}
	struct authz_rule *ru = &p->rules[p->n_rules];
	char fc[8] = "", grant[512] = "", deny[512] = "";
	const char *bad = NULL;
	int r;
	memset(ru, 0, sizeof(*ru));
	snprintf(ru->origin, sizeof(ru->origin), "%s:%ld", d->file, diag_elem_line(d, k));
	if ((r = roles_attr(d, k, p, &ru->roles, true)) < 0 ||
	    (r = attr_string(d, k, "ld", ru->ld, sizeof(ru->ld))) < 0 ||
	    (r = attr_string(d, k, "lnClass", ru->ln_class, sizeof(ru->ln_class))) < 0 ||
	    (r = attr_string(d, k, "fc", fc, sizeof(fc))) < 0 ||
	    (r = attr_string(d, k, "grant", grant, sizeof(grant))) < 0 ||
	    (r = attr_string(d, k, "deny", deny, sizeof(deny))) < 0)
		return r;
	ru->fc = FC_NONE;
	if (fc[0] && (ru->fc = mms_fc_parse(fc, strlen(fc))) == FC_NONE) {
		diag_attr_value(d, xmlHasNsProp(k, (const xmlChar *)"fc", NULL));
		return -EINVAL;
	}
	const char *which = "grant";
	if (authz_parse_rights(grant, &ru->grant, &bad) ||
	    (which = "deny", authz_parse_rights(deny, &ru->deny, &bad))) {
		diag_report(d, diag_elem_line(d, k), "element 'rule', attribute '%s': '%.*s' is no "
			    "right (VIEW READ DATASET REPORTING FILEREAD FILEWRITE FILEMNGT CONTROL "
			    "CONFIG SETTINGGROUP SECURITY, or ALL)", which, (int)strcspn(bad, " ,"), bad);
		return -EINVAL;
	}
	if (!ru->grant && !ru->deny) {
		diag_report(d, diag_elem_line(d, k), "element 'rule': it grants and denies nothing "
			    "(give grant=\"...\" or deny=\"...\")");
		return -EINVAL;
	}
	p->n_rules++;
	return 0;
}

/* "1.3.9999.13": an OID of up to AUTHZ_MAX_ARCS arcs. */
static bool parse_oid(const char *s, uint32_t *arcs, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9' || *n == AUTHZ_MAX_ARCS)
			return false;
		unsigned long v = strtoul(s, &end, 10);
		if (v > UINT32_MAX)
			return false;
		arcs[(*n)++] = (uint32_t)v;
		if (*end == '.' && end[1])
			s = end + 1;
		else if (!*end)
			break;
		else
			return false;
	}
	return *n >= 2;
}

/* <client name roles address fingerprint subject apTitle aeQualifier password> */
static int read_client(struct diag *d, xmlNode *k, struct authz_policy *p)
{
	if (p->n_clients == AUTHZ_MAX_CLIENTS) {
		diag_report(d, diag_elem_line(d, k), "element 'client': more than %d expected "
			    "clients", AUTHZ_MAX_CLIENTS);
		return -EINVAL;
	}
	struct authz_client *cl = &p->clients[p->n_clients];
	char addr[1024] = "", fp[160] = "", apt[256] = "", aeq[32] = "";
	int r;
	memset(cl, 0, sizeof(*cl));
	long line = diag_elem_line(d, k);
	snprintf(cl->origin, sizeof(cl->origin), "%s:%ld", d->file, line);
	if ((r = attr_string(d, k, "name", cl->name, sizeof(cl->name))) < 0 ||
	    (r = attr_bool(d, k, "certificateRoles", &cl->cert_roles)) < 0 ||
	    (r = roles_attr(d, k, p, &cl->roles, !cl->cert_roles)) < 0 ||
	    (r = attr_string(d, k, "address", addr, sizeof(addr))) < 0 ||
	    (r = attr_string(d, k, "fingerprint", fp, sizeof(fp))) < 0 ||
	    (r = attr_string(d, k, "subject", cl->subject, sizeof(cl->subject))) < 0 ||
	    (r = attr_string(d, k, "apTitle", apt, sizeof(apt))) < 0 ||
	    (r = attr_string(d, k, "aeQualifier", aeq, sizeof(aeq))) < 0 ||
	    (r = attr_string(d, k, "password", cl->password, sizeof(cl->password))) < 0)
		return r;
	for (size_t i = 0; i < p->n_clients; i++)
		if (!strcmp(p->clients[i].name, cl->name)) {
			diag_report(d, line, "element 'client': '%s' is named twice (first at %s)",
				    cl->name, p->clients[i].origin);
			return -EINVAL;
		}
	for (char *w = strtok(addr, " ,"); w; w = strtok(NULL, " ,")) {
		if (cl->n_nets == AUTHZ_MAX_NETS) {
			diag_report(d, diag_attr_line(d, k, "address"), "element 'client' '%s', attribute 'address': more than "
				    "%d addresses or subnets", cl->name, AUTHZ_MAX_NETS);
			return -EINVAL;
		}
		if (authz_parse_net(w, &cl->nets[cl->n_nets])) {
			diag_report(d, diag_attr_line(d, k, "address"), "element 'client' '%s', attribute 'address': '%s' is no "
				    "address or subnet (write 192.168.1.5, 10.0.0.0/8, fd00::/8)",
				    cl->name, w);
			return -EINVAL;
		}
		cl->n_nets++;
	}
	if (fp[0]) {
		if (!parse_sha256(fp, cl->sha256)) {
			diag_attr_value(d, xmlHasNsProp(k, (const xmlChar *)"fingerprint", NULL));
			return -EINVAL;
		}
		cl->has_fingerprint = true;
	}
	if (apt[0] && !parse_oid(apt, cl->ap_title, &cl->ap_title_n)) {
		diag_report(d, diag_attr_line(d, k, "apTitle"), "element 'client' '%s', attribute 'apTitle': '%s' is no object "
			    "identifier (write it as 1.3.9999.13)", cl->name, apt);
		return -EINVAL;
	}
	if (aeq[0]) {
		char *end;
		long long v = strtoll(aeq, &end, 10);
		if (*end || end == aeq) {
			diag_attr_value(d, xmlHasNsProp(k, (const xmlChar *)"aeQualifier", NULL));
			return -EINVAL;
		}
		cl->has_ae_qualifier = true;
		cl->ae_qualifier = v;
	}
	if (cl->password[0] && !passwd_hash_valid(cl->password)) {
		diag_report(d, diag_attr_line(d, k, "password"), "element 'client' '%s', attribute 'password': not a password "
			    "hash; iedd stores no password in clear: put the output of "
			    "'iedd --hash-password' here", cl->name);
		return -EINVAL;
	}
	p->n_clients++;
	return 0;
}

static int read_clients_body(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	int r = 0;
	for (xmlNode *k = n->children; k && !r; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (config_is_element(k, "role"))
			r = read_role(d, k, &c->authz);
		else if (config_is_element(k, "rule"))
			r = read_rule(d, k, &c->authz);
		else if (config_is_element(k, "client"))
			r = read_client(d, k, &c->authz);
		else {
			diag_unexpected(d, k);
			r = -EINVAL;
		}
	}
	return r;
}

static int read_file(const char *path, char **bufp, size_t *lenp, char *err, size_t errlen);
static int validate(struct diag *d, xmlDocPtr doc);

/* <clients file="F">: F holds <clients xmlns="urn:iedd:config:1">, read
 * and validated as iedd.xml is; its messages name F and its lines. */
static int read_clients_file(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	char msg[512] = "";
	int r = read_file(c->clients_file, &buf, &len, msg, sizeof(msg));
	if (r) {
		diag_report(d, diag_attr_line(d, n, "file"), "element 'clients', attribute 'file': %s",
			    msg);
		return -EINVAL;
	}
	struct diag d2 = { .file = c->clients_file, .buf = buf, .len = len, .err = d->err,
			   .errlen = d->errlen };
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(&d2, diag_xml_error);
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;
	r = -ENOMEM;
	if (!ctxt)
		goto out;
	ctxt->_private = &d2;
	ctxt->sax->internalSubset = diag_refuse_doctype;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, c->clients_file, NULL,
				XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	r = -EINVAL;
	if (!doc || d2.doctype || d2.n_errors)
		goto out;
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || !config_is_element(root, "clients")) {
		diag_report(&d2, root ? diag_node_line(root) : 0, "the root element must be "
			    "<clients xmlns=\"" CONFIG_NS "\"> (a file named by <clients file>)");
		goto out;
	}
	if (xmlHasNsProp(root, (const xmlChar *)"file", NULL)) {
		diag_report(&d2, diag_node_line(root), "element 'clients': 'file' in a file that "
			    "<clients file> names (one level only)");
		goto out;
	}
	if ((r = validate(&d2, doc)) ||
	    (!c->authz.aor[0] && (r = attr_string(&d2, root, "areaOfResponsibility", c->authz.aor,
						   sizeof(c->authz.aor))) < 0) ||
	    (r = read_clients_body(&d2, root, c)))
		goto out;
	r = 0;
out:
	if (r && !d2.n_errors)
		diag_report(&d2, 0, "%s", strerror(-r));
	d->n_errors += d2.n_errors;
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlFreeDoc(doc);
	xmlFreeDoc(d2.xsd);
	xmlFreeParserCtxt(ctxt);
	free(buf);
	return r;
}

/* <clients file?> role* rule* client*: a client list switches access
 * control on (also an empty one: then nobody is expected). */
static int read_clients(struct diag *d, xmlNode *n, struct iedd_config *c)
{
	char file[CONFIG_TLS_PATH] = "";
	int r;
	c->clients_line = (unsigned)diag_elem_line(d, n);
	c->authz.enabled = true;
	if ((r = attr_string(d, n, "areaOfResponsibility", c->authz.aor, sizeof(c->authz.aor))) < 0 ||
	    (r = attr_string(d, n, "file", file, sizeof(file))) < 0)
		return r;
	if (!r)
		return read_clients_body(d, n, c);
	for (xmlNode *k = n->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE) {
			diag_report(d, diag_node_line(k), "element 'clients': with 'file' the list is "
				    "in that file; nothing may stand inside <clients> here");
			return -EINVAL;
		}
	if ((r = config_path(d, n, "file", file, c->clients_file, sizeof(c->clients_file), c)))
		return r;
	return read_clients_file(d, n, c);
}

/* After the whole file: the listeners and <tls> agree. */
static int check_tls(struct diag *d, const struct iedd_config *c)
{
	for (size_t i = 0; i < c->n_listen; i++) {
		const struct config_listen *l = &c->listen[i];
		if (!l->tls && c->plain_off) {
			diag_report(d, l->line, "element 'listen': a plain TCP listener, and <server "
				    "plainTcp=\"false\"> forbids them (write transport=\"tls\")");
			return -EINVAL;
		}
		if (l->tls && !c->tls.present) {
			diag_report(d, l->line, "element 'listen': transport=\"tls\" needs a <tls> "
				    "section (certificate, key, CAs)");
			return -EINVAL;
		}
	}
	return 0;
}

int config_tls_dir(struct iedd_config *cfg, const char *dir)
{
	struct config_tls *t = &cfg->tls;
	struct stat st;
	*t = (struct config_tls){ .present = true, .n_ca = 1 };
	if ((size_t)snprintf(t->cert.path, sizeof(t->cert.path), "%s/server.pem", dir) >=
		    sizeof(t->cert.path) ||
	    (size_t)snprintf(t->key.path, sizeof(t->key.path), "%s/server.key", dir) >=
		    sizeof(t->key.path) ||
	    (size_t)snprintf(t->ca[0].path, sizeof(t->ca[0].path), "%s/ca.pem", dir) >=
		    sizeof(t->ca[0].path) ||
	    (size_t)snprintf(t->crl[0].path, sizeof(t->crl[0].path), "%s/crl.pem", dir) >=
		    sizeof(t->crl[0].path))
		return -ENAMETOOLONG;
	if (!stat(t->crl[0].path, &st))
		t->n_crl = 1;
	return 0;
}

static int read_config(struct diag *d, xmlNode *root, struct iedd_config *c)
{
	int r = 0;

	for (xmlNode *n = root->children; n && !r; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (config_is_element(n, "server"))
			r = read_server(d, n, c);
		else if (config_is_element(n, "scl"))
			r = read_scl(d, n, c);
		else if (config_is_element(n, "map"))
			r = read_map(d, n, c);
		else if (config_is_element(n, "sources"))
			r = read_sources(d, n, c);
		else if (config_is_element(n, "simulate"))
			r = read_simulate(d, n, c);
		else if (config_is_element(n, "files"))
			r = read_files(d, n, c);
		else if (config_is_element(n, "reports"))
			r = read_reports(d, n, c);
		else if (config_is_element(n, "settings"))
			r = read_settings(d, n, c);
		else if (config_is_element(n, "dataSets"))
			r = read_datasets(d, n, c);
		else if (config_is_element(n, "controls"))
			r = read_controls(d, n, c);
		else if (config_is_element(n, "goose"))
			r = read_goose(d, n, c);
		else if (config_is_element(n, "audit"))
			r = read_audit(d, n, c);
		else if (config_is_element(n, "http"))
			r = read_http(d, n, c);
		else if (config_is_element(n, "tls"))
			r = read_tls(d, n, c);
		else if (config_is_element(n, "clients"))
			r = read_clients(d, n, c);
		else {
			diag_unexpected(d, n);
			r = -EINVAL;
		}
	}
	if (!r)
		r = check_tls(d, c);
	return r;
}

/* ---- the load -------------------------------------------------------- */

static int check_root(struct diag *d, xmlNode *root)
{
	if (!root) {
		diag_report(d, 0, "no root element (write <iedd xmlns=\"" CONFIG_NS "\">)");
		return -EINVAL;
	}
	if (strcmp((const char *)root->name, "iedd")) {
		diag_report(d, diag_node_line(root),
			    "root element is '%s', expected <iedd xmlns=\"" CONFIG_NS "\"> (is this an iedd configuration?)",
			    (const char *)root->name);
		return -EINVAL;
	}
	if (!root->ns || !root->ns->href) {
		diag_report(d, diag_node_line(root),
			    "root element 'iedd' has no namespace (write <iedd xmlns=\"" CONFIG_NS "\">)");
		return -EINVAL;
	}
	if (strcmp((const char *)root->ns->href, CONFIG_NS)) {
		char ns[96];
		diag_report(d, diag_node_line(root),
			    "root element 'iedd' is in namespace '%s', this iedd reads '" CONFIG_NS "' (write <iedd xmlns=\"" CONFIG_NS "\">)",
			    diag_printable((const char *)root->ns->href, ns, sizeof(ns)));
		return -EINVAL;
	}
	return 0;
}

static int validate(struct diag *d, xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	int r = -ENOMEM;

	pctxt = xmlSchemaNewMemParserCtxt((const char *)embedded_config_xsd,
					  (int)embedded_config_xsd_len);
	if (!pctxt)
		goto out;
	xmlSchemaSetParserStructuredErrors(pctxt, diag_xml_error, d);
	schema = xmlSchemaParse(pctxt);
	if (!schema) {
		if (!d->n_errors)
			diag_report(d, 0, "internal error: the embedded iedd-config.xsd does not compile");
		r = -EINVAL;
		goto out;
	}
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt)
		goto out;
	xmlSchemaSetValidStructuredErrors(vctxt, diag_xml_error, d);
	r = xmlSchemaValidateDoc(vctxt, doc);
	if (r != 0 || d->n_errors) {
		if (!d->n_errors)
			diag_report(d, 0, "does not match iedd-config.xsd (libxml2 code %d)", r);
		r = -EINVAL;
	}
out:
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctxt);
	return r;
}

static int load_mem(const char *buf, size_t len, const char *name, struct iedd_config *cfg,
		    char *err, size_t errlen)
{
	struct diag d = { .file = name, .buf = buf, .len = len, .err = err, .errlen = errlen };
	struct iedd_config c;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int r;

	xmlInitParser();
	/* Per-thread in libxml2: catch whatever is raised without a context
	 * of ours (encoding errors, for one), and give it back afterwards. */
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_gerror = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(&d, diag_xml_error);
	xmlSetGenericErrorFunc(&d, diag_generic);

	config_defaults(&c);
	snprintf(c.source, sizeof(c.source), "%s", name);

	r = -EFBIG;
	if (len > INT_MAX)
		goto out;
	r = -ENOMEM;
	if (!(ctxt = xmlNewParserCtxt()))
		goto out;
	ctxt->_private = &d;
	ctxt->sax->internalSubset = diag_refuse_doctype;
	/* No XML_PARSE_NOENT (no entity substitution), no DTD loading,
	 * no network. */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	r = -EINVAL;
	if (!doc || d.doctype || d.n_errors)
		goto out;
	if ((r = check_root(&d, xmlDocGetRootElement(doc))) ||
	    (r = validate(&d, doc)) ||
	    (r = read_config(&d, xmlDocGetRootElement(doc), &c)))
		goto out;
	*cfg = c;
out:
	if (r && !d.n_errors)
		diag_report(&d, 0, "%s", d.generic[0] ? d.generic : strerror(-r));
	if (r && d.n_errors > 1 && err && errlen) {
		size_t o = strlen(err);
		snprintf(err + o, errlen - o, " (and %u more error%s)", d.n_errors - 1,
			 d.n_errors > 2 ? "s" : "");
	}
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_gerror);
	xmlFreeDoc(doc);
	xmlFreeDoc(d.xsd);
	xmlFreeParserCtxt(ctxt);
	return r;
}

int config_load_embedded(struct iedd_config *cfg, char *err, size_t errlen)
{
	return load_mem((const char *)embedded_iedd_xml, embedded_iedd_xml_len, EMBEDDED_NAME, cfg,
			err, errlen);
}

__attribute__((format(printf, 3, 4)))
static void file_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
}

/* Reads the regular file `path` whole (at most CONFIG_MAX_FILE) into a
 * malloc'd *bufp; on failure "PATH: what" in err. */
static int read_file(const char *path, char **bufp, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		file_error(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st)) {
		r = -errno;
		file_error(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		file_error(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > CONFIG_MAX_FILE) {
		r = -EFBIG;
		file_error(err, errlen, "%s: %jd bytes, more than a configuration can be (%u)", path,
			   (intmax_t)st.st_size, CONFIG_MAX_FILE);
		goto out;
	}
	/* Read to EOF, not to st_size: the file may change under us. */
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (!buf) {
		r = -ENOMEM;
		file_error(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			file_error(err, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_FILE) {
			r = -EFBIG;
			file_error(err, errlen, "%s: more than a configuration can be (%u bytes)",
				   path, CONFIG_MAX_FILE);
			goto out;
		}
	}
out:
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int config_load_file(const char *path, struct iedd_config *cfg, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;

	if (!path || !cfg) {
		file_error(err, errlen, "(no file): no configuration file given");
		return -EINVAL;
	}
	int r = read_file(path, &buf, &len, err, errlen);
	if (r)
		return r;
	r = load_mem(buf, len, path, cfg, err, errlen);
	free(buf);
	return r;
}

/* ---- reload (SIGHUP) ---- */

/* A copy of `c` with what a reload changes live, and every line number,
 * cleared, so that two configurations compare equal when only those
 * differ. */
static void restart_view(const struct iedd_config *c, struct iedd_config *v)
{
	memcpy(v, c, sizeof(*v));
	memset(v->map_file, 0, sizeof(v->map_file));
	v->scan_period_ms = 0;
	memset(v->scans, 0, sizeof(v->scans));
	v->n_scans = 0;
	memset(v->sources, 0, sizeof(v->sources));
	v->n_sources = 0;
	v->simulate = false;
	v->sim_travel_ms = 0;
	memset(v->sim_controls, 0, sizeof(v->sim_controls));
	v->n_sim_controls = 0;
	bool tls = c->tls.present;
	memset(&v->tls, 0, sizeof(v->tls));
	v->tls.present = tls;
	for (size_t i = 0; i < CONFIG_MAX_LISTEN; i++)
		v->listen[i].line = 0;
	v->scl_line = 0;
	v->goose_line = 0;
	v->http_line = 0;
	v->http.line = 0;
	/* the client list is read again at SIGHUP (main.c reload_config) */
	v->clients_line = 0;
	memset(&v->authz, 0, sizeof(v->authz));
	memset(v->clients_file, 0, sizeof(v->clients_file));
}

const char *config_restart_change(const struct iedd_config *run, const struct iedd_config *next)
{
	static struct iedd_config a, b;
	restart_view(run, &a);
	restart_view(next, &b);
#define FIELD(what, f) { what, offsetof(struct iedd_config, f), sizeof(a.f) }
	static const struct {
		const char *what;
		size_t off, len;
	} fields[] = {
		FIELD("the listeners (<listen>)", listen),
		FIELD("the listeners (<listen>)", n_listen),
		FIELD("<scl file>", scl_file),
		FIELD("<scl ied>", ied_name),
		FIELD("<scl strict>", scl_strict),
		FIELD("<server maxAssociations>", max_associations),
		FIELD("the association timeouts (<server>)", assoc_timeout_ms),
		FIELD("the association timeouts (<server>)", idle_timeout_ms),
		FIELD("the association timeouts (<server>)", pdu_timeout_ms),
		FIELD("the MMS limits (<server>)", max_pdu_size),
		FIELD("the MMS limits (<server>)", max_serv_outstanding),
		FIELD("the MMS limits (<server>)", max_nesting),
		FIELD("<limits cpuPercent>", cpu_percent),
		FIELD("the authentication backoff (<limits authFailures ...>)", auth_failures),
		FIELD("the authentication backoff (<limits authFailures ...>)", auth_backoff_ms),
		FIELD("the authentication backoff (<limits authFailures ...>)", auth_backoff_max_ms),
		FIELD("<limits pendingPerAddress>", pending_per_addr),
		FIELD("the identity (<server vendor model revision>)", vendor),
		FIELD("the identity (<server vendor model revision>)", model),
		FIELD("the identity (<server vendor model revision>)", revision),
		FIELD("<server plainTcp>", plain_off),
		FIELD("<tls> present or not", tls.present),
		FIELD("<files>", files_root),
		FIELD("<goose interface>", goose_iface),
		FIELD("<reports>", rpt_state_dir),
		FIELD("<audit>", audit_file),
		FIELD("<http>", http),
		FIELD("<http token>", http_token),
		FIELD("<audit>", audit_syslog),
		FIELD("<audit>", audit_journal),
	};
#undef FIELD
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (memcmp((const char *)&a + fields[i].off, (const char *)&b + fields[i].off,
			   fields[i].len))
			return fields[i].what;
	if (memcmp(&a, &b, sizeof(a)))
		return "a setting other than the map, the sources and the TLS files (<files>, "
		       "<reports>, <dataSets>, <controls>, ...)";
	return NULL;
}
