/* SPDX-License-Identifier: Apache-2.0 */
/* The status page and metrics (http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cpu_limit.h"
#include "gse.h"
#include "http_render.h"
#include "log.h"
#include "mms.h"
#include "mms_server.h"
#include "model.h"
#include "pv.h"
#include "server.h"

#define MAX_ASSOC_SHOWN 1000
#define MAX_VALUES 20000

struct http_srv {
	struct server *srv;
	struct evhttp *http;
	struct http_cfg cfg;
	char token[256];
	uint16_t port;
	struct buf out;
	struct server_assoc_info *assocs;
};

/* ---- values of the model ---- */

struct walk {
	const struct model *m;
	struct buf *b;
	const char *prefix;	/* only references starting so */
	size_t n;
	bool json, first;
};

static void leaf(struct walk *w, const char *ref, const struct mtype *t, uint32_t voff)
{
	if (w->prefix && strncmp(ref, w->prefix, strlen(w->prefix)))
		return;
	if (w->n++ >= MAX_VALUES)
		return;
	char v[300];
	model_get_text(w->m, t, voff, v, sizeof(v));
	if (w->json) {
		hr_puts(w->b, w->first ? "" : ",");
		hr_json_str(w->b, ref);
		buf_put_u8(w->b, ':');
		hr_json_str(w->b, v);
		w->first = false;
		return;
	}
	const char *dot = strchr(ref, '.');
	hr_puts(w->b, "<li data-ref=\"");
	hr_html(w->b, ref);
	hr_puts(w->b, "\">");
	hr_html(w->b, dot ? dot + 1 : ref);
	hr_puts(w->b, " <span class=v>");
	hr_html(w->b, v);
	hr_puts(w->b, "</span></li>\n");
}

/* Depth-first below one FC of an LN; `path` holds "DO.DA" so far. */
static void walk_type(struct walk *w, const char *ldln, const char *fc, char *path, size_t plen,
		      const struct mtype *t, uint32_t voff, unsigned depth)
{
	if (depth > MODEL_MAX_DEPTH)
		return;
	if (t->btype == MB_STRUCT) {
		for (uint32_t i = 0; i < t->n; i++) {
			const struct mcomp *c = &t->comp[i];
			size_t l = strlen(path);
			snprintf(path + l, plen - l, "%s%s", l ? "." : "", c->name);
			walk_type(w, ldln, fc, path, plen, c->type, voff + c->off, depth + 1);
			path[l] = 0;
		}
		return;
	}
	if (t->btype == MB_ARRAY) {
		for (uint32_t i = 0; i < t->count && i < 64; i++) {
			size_t l = strlen(path);
			snprintf(path + l, plen - l, "(%u)", i);
			walk_type(w, ldln, fc, path, plen, t->elem, voff + i * t->elem->size, depth + 1);
			path[l] = 0;
		}
		return;
	}
	char ref[600];
	snprintf(ref, sizeof(ref), "%s.%s[%s]", ldln, path, fc);
	leaf(w, ref, t, voff);
}

static void walk_ln(struct walk *w, const struct mld *ld, const struct mln *ln)
{
	char ldln[140];
	snprintf(ldln, sizeof(ldln), "%s/%s", ld->name, ln->name);
	const struct mtype *t = ln->type;
	for (uint32_t i = 0; i < t->n; i++) {
		char path[400] = "";
		walk_type(w, ldln, t->comp[i].name, path, sizeof(path), t->comp[i].type,
			  ln->vbase + t->comp[i].off, 0);
	}
}

/* ---- pieces shared by the page and the API ---- */

static double now_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void proc_self(double *cpu_s, double *rss_bytes)
{
	*cpu_s = 0;
	*rss_bytes = 0;
	struct timespec ts;
	if (!clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		*cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		unsigned long size, res;
		if (fscanf(f, "%lu %lu", &size, &res) == 2)
			*rss_bytes = (double)res * (double)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
}

static void fmt_time(uint64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000u));
}

static void attr_text(const struct model *m, const struct mtype *t, uint32_t voff, char *out,
		      size_t n)
{
	if (!t) {
		snprintf(out, n, "-");
		return;
	}
	model_get_text(m, t, voff, out, n);
}

/* One RCB's state as the MMS view holds it. */
struct rcb_view {
	char ref[200], enabled[8], resv[16], datset[200], owner[80], sqnum[16], entry[40];
	bool buffered;
};

static void rcb_view(const struct model *m, const struct mrcb *r, struct rcb_view *v)
{
	snprintf(v->ref, sizeof(v->ref), "%s/%s.%s", r->ld->name, r->ln->name, r->name);
	v->buffered = r->buffered;
	attr_text(m, r->a[MRCB_RPTENA].type, r->a[MRCB_RPTENA].voff, v->enabled, sizeof(v->enabled));
	unsigned ra = r->buffered ? MRCB_RESVTMS : MRCB_RESV;
	attr_text(m, r->a[ra].type, r->a[ra].voff, v->resv, sizeof(v->resv));
	attr_text(m, r->a[MRCB_DATSET].type, r->a[MRCB_DATSET].voff, v->datset, sizeof(v->datset));
	attr_text(m, r->a[MRCB_OWNER].type, r->a[MRCB_OWNER].voff, v->owner, sizeof(v->owner));
	attr_text(m, r->a[MRCB_SQNUM].type, r->a[MRCB_SQNUM].voff, v->sqnum, sizeof(v->sqnum));
	attr_text(m, r->a[MRCB_ENTRYID].type, r->a[MRCB_ENTRYID].voff, v->entry, sizeof(v->entry));
}

/* ---- /metrics ---- */

static void counter(struct buf *b, const char *name, const char *help, double v)
{
	hr_family(b, name, "counter", help);
	hr_sample(b, name, NULL, NULL, v);
}

static void gauge(struct buf *b, const char *name, const char *help, double v)
{
	hr_family(b, name, "gauge", help);
	hr_sample(b, name, NULL, NULL, v);
}

static void metrics(struct http_srv *h, struct buf *b)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	double cpu, rss;
	proc_self(&cpu, &rss);
	hr_family(b, "iedd_info", "gauge", "iedd's version and the IED it serves (always 1)");
	hr_printf(b, "iedd_info{version=\"");
	hr_label(b, h->cfg.version ? h->cfg.version : "?");
	hr_puts(b, "\",ied=\"");
	hr_label(b, st.model ? st.model->ied_name : "");
	hr_puts(b, "\"} 1\n");
	gauge(b, "iedd_uptime_seconds", "Seconds since iedd started",
	      now_unix() - (double)st.started_unix);
	gauge(b, "iedd_associations_open", "Connections open now (associated or not)",
	      st.assoc_open);
	counter(b, "iedd_associations_accepted_total", "MMS associations accepted",
		(double)st.assoc_accepted);
	hr_family(b, "iedd_associations_refused_total", "counter",
		  "Connections refused before association, by reason");
	hr_sample(b, "iedd_associations_refused_total", "reason", "limit", (double)st.refused_limit);
	hr_sample(b, "iedd_associations_refused_total", "reason", "protocol",
		  (double)st.refused_other);
	hr_family(b, "iedd_mms_requests_total", "counter", "MMS confirmed requests, by service");
	for (unsigned i = 0; i <= MMS_SVC_MAX_TAG; i++)
		if (st.mms->st.requests[i])
			hr_sample(b, "iedd_mms_requests_total", "service",
				  i < MMS_SVC_MAX_TAG ? mms_server_service_name(i) : "other",
				  (double)st.mms->st.requests[i]);
	hr_family(b, "iedd_mms_errors_total", "counter",
		  "MMS requests answered with a confirmed-error or reject, by service");
	for (unsigned i = 0; i <= MMS_SVC_MAX_TAG; i++)
		if (st.mms->st.errors[i])
			hr_sample(b, "iedd_mms_errors_total", "service",
				  i < MMS_SVC_MAX_TAG ? mms_server_service_name(i) : "other",
				  (double)st.mms->st.errors[i]);
	counter(b, "iedd_reports_sent_total", "InformationReports sent (segments counted)",
		(double)st.reports.reports);
	counter(b, "iedd_report_entries_total", "BRCB entries made", (double)st.reports.entries);
	counter(b, "iedd_report_overflows_total", "BRCB entries dropped when a buffer was full",
		(double)st.reports.overflows);
	counter(b, "iedd_reports_lost_total", "Reports that could not be built or sent",
		(double)st.reports.lost);
	hr_family(b, "iedd_controls_total", "counter", "Control services, by outcome");
	hr_sample(b, "iedd_controls_total", "outcome", "select", (double)st.controls.selects);
	hr_sample(b, "iedd_controls_total", "outcome", "operate", (double)st.controls.operates);
	hr_sample(b, "iedd_controls_total", "outcome", "cancel", (double)st.controls.cancels);
	hr_sample(b, "iedd_controls_total", "outcome", "refused", (double)st.controls.refused);
	counter(b, "iedd_goose_frames_sent_total", "GOOSE frames published",
		(double)st.gpub_st.frames);
	counter(b, "iedd_goose_send_errors_total", "GOOSE frames the interface refused",
		(double)st.gpub_st.send_errors);
	counter(b, "iedd_goose_rx_frames_total", "GOOSE frames received",
		(double)st.gsub_st.frames);
	hr_family(b, "iedd_goose_rx_dropped_total", "counter",
		  "GOOSE frames received and not delivered, by reason");
	hr_sample(b, "iedd_goose_rx_dropped_total", "reason", "unmatched",
		  (double)st.gsub_st.unmatched);
	hr_sample(b, "iedd_goose_rx_dropped_total", "reason", "malformed",
		  (double)st.gsub_st.malformed);
	hr_sample(b, "iedd_goose_rx_dropped_total", "reason", "refused",
		  (double)st.gsub_st.refused);
	size_t ns = pv_n_sources(st.pv);
	struct pv_source_info si;
	const char *fam[] = { "iedd_source_reads_total", "iedd_source_errors_total",
			      "iedd_source_dropped_total", "iedd_source_up" };
	const char *help[] = { "Batches read from the source", "Batch reads that failed",
			       "Updates lost to the source's full queue",
			       "1 when the source's last read worked" };
	for (int f = 0; f < 4; f++) {
		hr_family(b, fam[f], f == 3 ? "gauge" : "counter", help[f]);
		for (size_t i = 0; i < ns; i++)
			if (!pv_source_info(st.pv, i, &si))
				hr_sample(b, fam[f], "source", si.name,
					  f == 0 ? (double)si.reads : f == 1 ? (double)si.read_errors :
					  f == 2 ? (double)si.dropped : !si.down);
	}
	if (st.pv) {
		struct pv_stats ps;
		pv_get_stats(st.pv, &ps);
		counter(b, "iedd_pv_updates_total", "Process-variable values applied to the model",
			(double)ps.updates);
	}
	struct cpu_limit_stats cs;
	cpu_limit_get_stats(st.cpu, &cs);
	gauge(b, "iedd_cpu_limit_percent", "The CPU limit in per cent of one core (0: none)",
	      cs.percent);
	counter(b, "iedd_cpu_throttled_seconds_total",
		"Seconds some association waited under the CPU limit",
		(double)cs.throttled_us / 1e6);
	counter(b, "iedd_cpu_deferrals_total", "Reads deferred by the CPU limit",
		(double)cs.deferrals);
	counter(b, "process_cpu_seconds_total", "User and system CPU time of iedd", cpu);
	gauge(b, "process_resident_memory_bytes", "Resident memory of iedd", rss);
	gauge(b, "process_start_time_seconds", "Start time of iedd since 1970",
	      (double)st.started_unix);
	if (h->cfg.extra_metrics)
		h->cfg.extra_metrics(h->cfg.extra_ctx, b);
}

/* ---- /api ---- */

static void api_status(struct http_srv *h, struct buf *b)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	double cpu, rss;
	proc_self(&cpu, &rss);
	struct cpu_limit_stats cs;
	cpu_limit_get_stats(st.cpu, &cs);
	hr_puts(b, "{\"version\":");
	hr_json_str(b, h->cfg.version ? h->cfg.version : "");
	hr_puts(b, ",\"ied\":");
	hr_json_str(b, st.model ? st.model->ied_name : "");
	hr_puts(b, ",\"sclFile\":");
	hr_json_str(b, st.model ? st.model->scl_file : "");
	hr_puts(b, ",\"configuration\":");
	hr_json_str(b, h->cfg.config_file ? h->cfg.config_file : "");
	hr_printf(b, ",\"uptimeSeconds\":%.3f,\"associationsOpen\":%u,\"associationsAccepted\":%llu,"
		     "\"refusedLimit\":%llu,\"refusedOther\":%llu,\"reportsSent\":%llu,"
		     "\"gooseFramesSent\":%llu,\"cpuSeconds\":%.3f,\"residentBytes\":%.0f,"
		     "\"cpuLimitPercent\":%u,\"cpuThrottling\":%s,\"warnings\":[",
		  now_unix() - (double)st.started_unix, st.assoc_open,
		  (unsigned long long)st.assoc_accepted, (unsigned long long)st.refused_limit,
		  (unsigned long long)st.refused_other, (unsigned long long)st.reports.reports,
		  (unsigned long long)st.gpub_st.frames, cpu, rss, cs.percent,
		  cs.throttling ? "true" : "false");
	static char w[LOG_RECENT][LOG_RECENT_LEN];
	unsigned n = log_recent(w, LOG_RECENT);
	for (unsigned i = 0; i < n; i++) {
		hr_puts(b, i ? "," : "");
		hr_json_str(b, w[i]);
	}
	hr_puts(b, "]}\n");
}

static void api_assocs(struct http_srv *h, struct buf *b)
{
	size_t n = server_assocs(h->srv, h->assocs, MAX_ASSOC_SHOWN);
	hr_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct server_assoc_info *a = &h->assocs[i];
		char since[80];
		fmt_time(a->since_unix_ms, since, sizeof(since));
		hr_printf(b, "%s{\"id\":%llu,\"peer\":", i ? "," : "", (unsigned long long)a->id);
		hr_json_str(b, a->peer);
		hr_printf(b, ",\"transport\":\"%s\",\"since\":\"%s\",\"requests\":%llu,"
			     "\"bytesIn\":%llu,\"bytesOut\":%llu}",
			  a->transport, since, (unsigned long long)a->requests,
			  (unsigned long long)a->bytes_in, (unsigned long long)a->bytes_out);
	}
	hr_puts(b, "]\n");
}

static void api_rcbs(struct http_srv *h, struct buf *b)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	hr_puts(b, "[");
	for (uint32_t i = 0; st.model && i < model_n_rcbs(st.model); i++) {
		struct rcb_view v;
		rcb_view(st.model, model_rcb(st.model, i), &v);
		hr_puts(b, i ? ",{\"ref\":" : "{\"ref\":");
		hr_json_str(b, v.ref);
		hr_printf(b, ",\"buffered\":%s,\"enabled\":%s,\"reserved\":", v.buffered ? "true" : "false",
			  !strcmp(v.enabled, "true") ? "true" : "false");
		hr_json_str(b, v.resv);
		hr_puts(b, ",\"dataSet\":");
		hr_json_str(b, v.datset);
		hr_puts(b, ",\"owner\":");
		hr_json_str(b, v.owner);
		hr_puts(b, ",\"sqNum\":");
		hr_json_str(b, v.sqnum);
		hr_puts(b, ",\"entryId\":");
		hr_json_str(b, v.entry);
		hr_puts(b, "}");
	}
	hr_printf(b, "]\n");
}

static void api_goose(struct http_srv *h, struct buf *b)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	hr_printf(b, "{\"running\":%s,\"framesSent\":%llu,\"events\":%llu,\"framesReceived\":%llu,"
		     "\"delivered\":%llu,\"publishers\":[",
		  st.gpub ? "true" : "false", (unsigned long long)st.gpub_st.frames,
		  (unsigned long long)st.gpub_st.events, (unsigned long long)st.gsub_st.frames,
		  (unsigned long long)st.gsub_st.delivered);
	for (uint32_t i = 0; st.model && i < model_n_gocbs(st.model); i++) {
		const struct mgocb *g = model_gocb(st.model, i);
		char ena[8];
		attr_text(st.model, g->a[MGOCB_GOENA].type, g->a[MGOCB_GOENA].voff, ena, sizeof(ena));
		hr_puts(b, i ? ",{\"gocbRef\":" : "{\"gocbRef\":");
		hr_json_str(b, g->ref);
		hr_puts(b, ",\"goId\":");
		hr_json_str(b, g->go_id);
		hr_printf(b, ",\"goEna\":%s,\"confRev\":%u,\"appId\":%u}",
			  !strcmp(ena, "true") ? "true" : "false", g->cb->conf_rev,
			  g->has_addr ? g->addr.appid : 0);
	}
	hr_puts(b, "],\"subscriptions\":[");
	for (uint32_t i = 0; st.model && i < model_n_goose_subs(st.model); i++) {
		const struct mgoose_sub *g = model_goose_sub(st.model, i);
		hr_puts(b, i ? ",{\"gocbRef\":" : "{\"gocbRef\":");
		hr_json_str(b, g->gocb_ref);
		hr_puts(b, ",\"state\":");
		hr_json_str(b, st.gsub ? acsi_gsub_state_name(acsi_gsub_sub_state(st.gsub, i)) :
					 "not received (GOOSE off)");
		hr_puts(b, "}");
	}
	hr_puts(b, "]}\n");
}

static void api_sources(struct http_srv *h, struct buf *b)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	hr_puts(b, "[");
	struct pv_source_info si;
	for (size_t i = 0; i < pv_n_sources(st.pv); i++) {
		if (pv_source_info(st.pv, i, &si))
			continue;
		char last[80] = "";
		if (si.last_read_ns)
			fmt_time(si.last_read_ns / 1000000u, last, sizeof(last));
		hr_puts(b, i ? ",{\"name\":" : "{\"name\":");
		hr_json_str(b, si.name);
		hr_puts(b, ",\"plugin\":");
		hr_json_str(b, si.plugin);
		hr_printf(b, ",\"thread\":%s,\"up\":%s,\"reads\":%llu,\"errors\":%llu,\"dropped\":%llu,"
			     "\"lastRead\":\"%s\"}",
			  si.blocking ? "true" : "false", si.down ? "false" : "true",
			  (unsigned long long)si.reads, (unsigned long long)si.read_errors,
			  (unsigned long long)si.dropped, last);
	}
	hr_puts(b, "]\n");
}

static void api_values(struct http_srv *h, struct buf *b, const char *prefix)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	struct walk w = { .m = st.model, .b = b, .prefix = prefix && *prefix ? prefix : NULL,
			  .json = true, .first = true };
	hr_puts(b, "{");
	for (uint32_t i = 0; st.model && i < st.model->n_ld; i++)
		for (uint32_t j = 0; j < st.model->lds[i].n_ln; j++)
			walk_ln(&w, &st.model->lds[i], &st.model->lds[i].lns[j]);
	hr_puts(b, "}\n");
}

/* ---- the page ---- */

static const char page_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee;"
	"text-align:left;font-variant-numeric:tabular-nums}th{background:#f4f4f4}"
	"ul{margin:0;padding-left:1.5em;list-style:none}li{font-family:monospace}"
	".v{color:#05a}.bad{color:#b00}.ok{color:#070}details{margin-left:1em}"
	"summary{cursor:pointer;font-family:monospace}#q{width:30em}";

static const char page_js[] =
	"(function(){var q=document.getElementById('q');"
	"function filter(){var s=q.value.trim();document.querySelectorAll('#tree li').forEach("
	"function(li){var m=!s||li.dataset.ref.indexOf(s)>=0;li.style.display=m?'':'none';"
	"if(m&&s){var d=li.closest('details');while(d){d.open=true;"
	"d=d.parentElement.closest('details');}}});}"
	"q.addEventListener('input',filter);"
	"function refresh(){fetch('api/values'+location.search).then(function(r){return r.json();})"
	".then(function(v){document.querySelectorAll('#tree li').forEach(function(li){"
	"var x=v[li.dataset.ref];if(x!==undefined){var s=li.querySelector('.v');"
	"if(s.textContent!==x)s.textContent=x;}});"
	"document.getElementById('refreshed').textContent=new Date().toISOString();})"
	".catch(function(){});}"
	"setInterval(refresh,2000);refresh();})();";

static void row(struct buf *b, const char *k, const char *v)
{
	hr_puts(b, "<tr><th>");
	hr_html(b, k);
	hr_puts(b, "</th><td>");
	hr_html(b, v);
	hr_puts(b, "</td></tr>\n");
}

static void page(struct http_srv *h, struct buf *b, const char *query)
{
	struct server_status st;
	server_get_status(h->srv, &st);
	const struct model *m = st.model;
	double cpu, rss;
	proc_self(&cpu, &rss);
	char t[128];
	hr_puts(b, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>iedd ");
	hr_html(b, m ? m->ied_name : "");
	hr_puts(b, "</title><style>");
	hr_puts(b, page_css);
	hr_puts(b, "</style></head><body>\n<h1>iedd: IED ");
	hr_html(b, m ? m->ied_name : "");
	hr_puts(b, "</h1>\n<table>\n");
	row(b, "version", h->cfg.version ? h->cfg.version : "");
	snprintf(t, sizeof(t), "%.0f s", now_unix() - (double)st.started_unix);
	row(b, "uptime", t);
	row(b, "configuration", h->cfg.config_file ? h->cfg.config_file : "");
	row(b, "SCL file", m ? m->scl_file : "");
	snprintf(t, sizeof(t), "%.2f s of CPU, %.1f MiB resident", cpu, rss / 1048576.0);
	row(b, "CPU and memory", t);
	struct cpu_limit_stats cs;
	cpu_limit_get_stats(st.cpu, &cs);
	if (cs.percent)
		snprintf(t, sizeof(t), "%u %% of one core; %s, %llu read(s) deferred, %.1f s waited",
			 cs.percent, cs.throttling ? "throttling now" : "not throttling",
			 (unsigned long long)cs.deferrals, (double)cs.throttled_us / 1e6);
	else
		snprintf(t, sizeof(t), "none");
	row(b, "CPU limit", t);
	snprintf(t, sizeof(t), "%u open, %llu accepted, %llu refused (limit), %llu refused (other)",
		 st.assoc_open, (unsigned long long)st.assoc_accepted,
		 (unsigned long long)st.refused_limit, (unsigned long long)st.refused_other);
	row(b, "associations", t);
	hr_puts(b, "</table>\n<p>Machine-readable: <a href=metrics>/metrics</a>, <a href=api/status>"
		   "/api/status</a>, <a href=api/associations>/api/associations</a>, <a href=api/rcbs>"
		   "/api/rcbs</a>, <a href=api/goose>/api/goose</a>, <a href=api/sources>"
		   "/api/sources</a>, <a href=api/values>/api/values</a>.</p>\n");

	hr_puts(b, "<h2>Associations</h2>\n<table id=assocs><tr><th>#</th><th>peer</th><th>"
		   "transport</th><th>since</th><th>requests</th><th>octets in</th><th>octets out"
		   "</th></tr>\n");
	size_t na = server_assocs(h->srv, h->assocs, MAX_ASSOC_SHOWN);
	for (size_t i = 0; i < na; i++) {
		const struct server_assoc_info *a = &h->assocs[i];
		char since[80];
		fmt_time(a->since_unix_ms, since, sizeof(since));
		hr_printf(b, "<tr><td>%llu</td><td class=peer>", (unsigned long long)a->id);
		hr_html(b, a->peer);
		hr_printf(b, "</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
			  a->transport, since, (unsigned long long)a->requests,
			  (unsigned long long)a->bytes_in, (unsigned long long)a->bytes_out);
	}
	hr_puts(b, "</table>\n");

	hr_printf(b, "<h2>Report control blocks</h2>\n<p>%llu report(s) sent, %llu BRCB "
		     "entries, %llu overflow(s).</p>\n<table><tr><th>RCB</th><th>enabled</th>"
		     "<th>reserved</th><th>data set</th><th>owner</th><th>SqNum</th><th>EntryID</th>"
		     "</tr>\n",
		  (unsigned long long)st.reports.reports, (unsigned long long)st.reports.entries,
		  (unsigned long long)st.reports.overflows);
	for (uint32_t i = 0; m && i < model_n_rcbs(m); i++) {
		struct rcb_view v;
		rcb_view(m, model_rcb(m, i), &v);
		const char *cells[] = { v.ref, v.enabled, v.resv, v.datset, v.owner, v.sqnum, v.entry };
		hr_puts(b, "<tr>");
		for (size_t k = 0; k < 7; k++) {
			hr_puts(b, "<td>");
			hr_html(b, cells[k]);
			hr_puts(b, "</td>");
		}
		hr_puts(b, "</tr>\n");
	}
	hr_puts(b, "</table>\n");

	hr_printf(b, "<h2>GOOSE</h2>\n<p>%s; %llu frame(s) sent, %llu event(s); %llu received, "
		     "%llu delivered.</p>\n<table><tr><th>GoCB</th><th>GoEna</th><th>confRev</th>"
		     "</tr>\n",
		  st.gpub ? "running" : "off (no interface, or it cannot be opened)",
		  (unsigned long long)st.gpub_st.frames, (unsigned long long)st.gpub_st.events,
		  (unsigned long long)st.gsub_st.frames, (unsigned long long)st.gsub_st.delivered);
	for (uint32_t i = 0; m && i < model_n_gocbs(m); i++) {
		const struct mgocb *g = model_gocb(m, i);
		char ena[8];
		attr_text(m, g->a[MGOCB_GOENA].type, g->a[MGOCB_GOENA].voff, ena, sizeof(ena));
		hr_puts(b, "<tr><td>");
		hr_html(b, g->ref);
		hr_printf(b, "</td><td>%s</td><td>%u</td></tr>\n", ena, g->cb->conf_rev);
	}
	for (uint32_t i = 0; m && i < model_n_goose_subs(m); i++) {
		const struct mgoose_sub *g = model_goose_sub(m, i);
		hr_puts(b, "<tr><td>subscription ");
		hr_html(b, g->gocb_ref);
		hr_puts(b, "</td><td colspan=2>");
		hr_html(b, st.gsub ? acsi_gsub_state_name(acsi_gsub_sub_state(st.gsub, i)) : "off");
		hr_puts(b, "</td></tr>\n");
	}
	hr_puts(b, "</table>\n");

	hr_puts(b, "<h2>Sources</h2>\n<table><tr><th>source</th><th>plugin</th><th>state</th>"
		   "<th>reads</th><th>errors</th><th>dropped</th><th>last read</th></tr>\n");
	struct pv_source_info si;
	for (size_t i = 0; i < pv_n_sources(st.pv); i++) {
		if (pv_source_info(st.pv, i, &si))
			continue;
		char last[80] = "-";
		if (si.last_read_ns)
			fmt_time(si.last_read_ns / 1000000u, last, sizeof(last));
		hr_puts(b, "<tr><td>");
		hr_html(b, si.name);
		hr_puts(b, "</td><td>");
		hr_html(b, si.plugin);
		hr_printf(b, "</td><td class=%s>%s</td><td>%llu</td><td>%llu</td><td>%llu</td>"
			     "<td>%s</td></tr>\n",
			  si.down ? "bad" : "ok", si.down ? "down" : "up", (unsigned long long)si.reads,
			  (unsigned long long)si.read_errors, (unsigned long long)si.dropped, last);
	}
	hr_puts(b, "</table>\n");

	hr_puts(b, "<h2>Recent warnings</h2>\n<ul id=warnings>\n");
	static char w[LOG_RECENT][LOG_RECENT_LEN];
	unsigned nw = log_recent(w, LOG_RECENT);
	for (unsigned i = 0; i < nw; i++) {
		hr_puts(b, "<li>");
		hr_html(b, w[i]);
		hr_puts(b, "</li>\n");
	}
	if (!nw)
		hr_puts(b, "<li>none</li>\n");
	hr_puts(b, "</ul>\n");

	hr_puts(b, "<h2>Model</h2>\n<p><input id=q placeholder=\"filter by reference, e.g. "
		   "MMXU1.TotW\"> values refreshed <span id=refreshed>at load</span></p>\n<div id=tree>\n");
	(void)query;
	struct walk wk = { .m = m, .b = b };
	for (uint32_t i = 0; m && i < m->n_ld; i++) {
		const struct mld *ld = &m->lds[i];
		hr_puts(b, "<details open><summary>");
		hr_html(b, ld->name);
		hr_puts(b, "</summary>\n");
		for (uint32_t j = 0; j < ld->n_ln; j++) {
			hr_puts(b, "<details><summary>");
			hr_html(b, ld->lns[j].name);
			hr_puts(b, "</summary><ul>\n");
			walk_ln(&wk, ld, &ld->lns[j]);
			hr_puts(b, "</ul></details>\n");
		}
		hr_puts(b, "</details>\n");
	}
	if (wk.n > MAX_VALUES)
		hr_printf(b, "<p>%zu attributes; the first %d are shown.</p>\n", wk.n, MAX_VALUES);
	hr_puts(b, "</div>\n<script>");
	hr_puts(b, page_js);
	hr_puts(b, "</script>\n</body></html>\n");
}

/* ---- requests ---- */

static bool authorised(struct http_srv *h, struct evhttp_request *req, const char *query)
{
	if (!h->token[0])
		return true;
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");
	if (auth && !strncmp(auth, "Bearer ", 7) && !strcmp(auth + 7, h->token))
		return true;
	bool ok = false;
	if (query) {
		struct evkeyvalq kv;
		if (!evhttp_parse_query_str(query, &kv)) {
			const char *t = evhttp_find_header(&kv, "token");
			ok = t && !strcmp(t, h->token);
			evhttp_clear_headers(&kv);
		}
	}
	return ok;
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *type,
		  const struct buf *b)
{
	struct evbuffer *eb = evbuffer_new();
	if (!eb) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	evhttp_add_header(hd, "Content-Type", type);
	evhttp_add_header(hd, "Cache-Control", "no-store");
	evhttp_add_header(hd, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hd, "Content-Security-Policy",
			  "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src "
			  "'unsafe-inline'");
	if (b)
		evbuffer_add(eb, buf_data(b), b->len);
	evhttp_send_reply(req, code, reason, eb);
	evbuffer_free(eb);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct http_srv *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	if (!path || !*path)
		path = "/";
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	if (!authorised(h, req, query)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"iedd\"");
		evhttp_send_error(req, 401, "Unauthorized (a token is configured: "
					    "Authorization: Bearer TOKEN, or ?token=TOKEN)");
		return;
	}
	struct buf *b = &h->out;
	buf_reset(b, 0);
	const char *json = "application/json";
	if (!strcmp(path, "/")) {
		page(h, b, query);
		reply(req, 200, "OK", "text/html; charset=utf-8", b);
	} else if (!strcmp(path, "/metrics")) {
		metrics(h, b);
		reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b);
	} else if (!strcmp(path, "/api/status")) {
		api_status(h, b);
		reply(req, 200, "OK", json, b);
	} else if (!strcmp(path, "/api/associations")) {
		api_assocs(h, b);
		reply(req, 200, "OK", json, b);
	} else if (!strcmp(path, "/api/rcbs")) {
		api_rcbs(h, b);
		reply(req, 200, "OK", json, b);
	} else if (!strcmp(path, "/api/goose")) {
		api_goose(h, b);
		reply(req, 200, "OK", json, b);
	} else if (!strcmp(path, "/api/sources")) {
		api_sources(h, b);
		reply(req, 200, "OK", json, b);
	} else if (!strcmp(path, "/api/values")) {
		char prefix[300] = "";
		if (query) {
			struct evkeyvalq kv;
			if (!evhttp_parse_query_str(query, &kv)) {
				const char *p = evhttp_find_header(&kv, "prefix");
				if (p)
					snprintf(prefix, sizeof(prefix), "%s", p);
				evhttp_clear_headers(&kv);
			}
		}
		api_values(h, b, prefix);
		reply(req, 200, "OK", json, b);
	} else {
		evhttp_send_error(req, 404, "Not Found (try /, /metrics or /api/status)");
		return;
	}
	if (b->err)
		log_msg(LOGL_WARNING, LOGC_NET, "http: out of memory rendering %s", path);
	/* a large page once does not keep its buffer */
	if (b->cap > (1u << 20))
		buf_clear(b);
}

struct http_srv *http_start(struct server *srv, const struct http_cfg *cfg)
{
	struct http_srv *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->srv = srv;
	h->cfg = *cfg;
	if (cfg->token)
		snprintf(h->token, sizeof(h->token), "%s", cfg->token);
	buf_init(&h->out, 0, 0);
	h->assocs = calloc(MAX_ASSOC_SHOWN, sizeof(*h->assocs));
	h->http = evhttp_new(server_base(srv));
	if (!h->assocs || !h->http) {
		log_msg(LOGL_ERR, LOGC_NET, "http: out of memory; no status page");
		http_stop(h);
		return NULL;
	}
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_timeout(h->http, 10);
	evhttp_set_max_headers_size(h->http, 16384);
	evhttp_set_max_body_size(h->http, 4096);
	struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(h->http, cfg->addr, cfg->port);
	if (!bs) {
		int e = errno;
		log_msg(LOGL_ERR, LOGC_NET, "http: cannot listen on %s:%u: %s; serving MMS without the "
			"status page (another process holds the port? give <http listen> or --http "
			"another address)", cfg->addr, cfg->port, strerror(e));
		http_stop(h);
		return NULL;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = evhttp_bound_socket_get_fd(bs);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
							    ((struct sockaddr_in *)&ss)->sin_port);
	log_msg(LOGL_NOTICE, LOGC_NET, "status page on http://%s%s%s:%u/ (metrics on /metrics)%s",
		strchr(cfg->addr, ':') ? "[" : "", cfg->addr, strchr(cfg->addr, ':') ? "]" : "",
		h->port, h->token[0] ? ", token required" : "");
	return h;
}

void http_stop(struct http_srv *h)
{
	if (!h)
		return;
	if (h->http)
		evhttp_free(h->http);
	buf_clear(&h->out);
	free(h->assocs);
	free(h);
}

uint16_t http_port(const struct http_srv *h)
{
	return h ? h->port : 0;
}
