/* SPDX-License-Identifier: Apache-2.0 */
/* iedd --pics (pics.h). Every "yes" below is computed: an ACSI service is
 * offered when the MMS services that carry it (IEC 61850-8-1 Table 2 and
 * §§ 11-23) are in the servicesSupportedCalled that server_mms_config
 * builds for this configuration, and the model has what the service works
 * on (a BRCB for the buffered reporting services, ctlModel 2 for Select,
 * ...). Services iedd does not implement yet (setting groups, logs) are
 * listed as such, so the table has the rows a PICS reader looks for. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "gse.h"
#include "iedd_config.h"
#include "json_out.h"
#include "mms.h"
#include "mms_codes.h"
#include "mms_server.h"
#include "model.h"
#include "pics.h"
#include "server.h"
#include "tls.h"

/* What the model or configuration must have for a row to be offered. */
enum need {
	N_ALWAYS,	/* the MMS services alone decide */
	N_URCB, N_BRCB, N_GOCB,
	N_GOOSE_PUB,	/* a GoCB with an address, and a GOOSE interface */
	N_GOOSE_SUB,	/* a subscription, and a GOOSE interface */
	N_SBO, N_SBOW, N_OPER, N_CANCEL, N_ENHANCED, N_TIMED,	/* a control with ... */
	N_NOT_IMPLEMENTED,
	N_HOST,		/* outside iedd (the host's time synchronisation) */
};

#define MAX_SVC 3
struct row {
	const char *cls, *svc;
	uint8_t mms[MAX_SVC];	/* ServiceSupportOptions bits; 0xff ends (0 is "status") */
	enum need need;
};

#define NONE { 0xff, 0xff, 0xff }
#define S1(a) { a, 0xff, 0xff }
#define S3(a, b, c) { a, b, c }

/* IEC 61850-7-2 ACSI classes and services in the order of the PICS table
 * (IEC 61850-8-1 Annex / 7-2 Table 1), with the MMS services of 8-1. */
static const struct row rows[] = {
	{ "Server", "GetServerDirectory", S1(MMS_SVC_GET_NAME_LIST), N_ALWAYS },
	{ "Association", "Associate", NONE, N_ALWAYS },	/* MMS Initiate + ACSE AARQ */
	{ "Association", "Abort", NONE, N_ALWAYS },	/* ACSE A-ABORT */
	{ "Association", "Release", S1(MMS_SVCBIT_CONCLUDE), N_ALWAYS },
	{ "LogicalDevice", "GetLogicalDeviceDirectory", S1(MMS_SVC_GET_NAME_LIST), N_ALWAYS },
	{ "LogicalNode", "GetLogicalNodeDirectory", S1(MMS_SVC_GET_NAME_LIST), N_ALWAYS },
	{ "LogicalNode", "GetAllDataValues", S1(MMS_SVC_READ), N_ALWAYS },
	{ "Data", "GetDataValues", S1(MMS_SVC_READ), N_ALWAYS },
	{ "Data", "SetDataValues", S1(MMS_SVC_WRITE), N_ALWAYS },
	{ "Data", "GetDataDirectory", S1(MMS_SVC_GET_VAR_ACCESS_ATTR), N_ALWAYS },
	{ "Data", "GetDataDefinition", S1(MMS_SVC_GET_VAR_ACCESS_ATTR), N_ALWAYS },
	{ "DataSet", "GetDataSetValues", S1(MMS_SVC_READ), N_ALWAYS },
	{ "DataSet", "SetDataSetValues", S1(MMS_SVC_WRITE), N_ALWAYS },
	{ "DataSet", "CreateDataSet", S1(MMS_SVC_DEFINE_NVL), N_ALWAYS },
	{ "DataSet", "DeleteDataSet", S1(MMS_SVC_DELETE_NVL), N_ALWAYS },
	{ "DataSet", "GetDataSetDirectory", S1(MMS_SVC_GET_NVL_ATTR), N_ALWAYS },
	{ "SettingGroupControl", "SelectActiveSG", S1(MMS_SVC_WRITE), N_NOT_IMPLEMENTED },
	{ "SettingGroupControl", "SelectEditSG", S1(MMS_SVC_WRITE), N_NOT_IMPLEMENTED },
	{ "SettingGroupControl", "SetEditSGValue", S1(MMS_SVC_WRITE), N_NOT_IMPLEMENTED },
	{ "SettingGroupControl", "ConfirmEditSGValues", S1(MMS_SVC_WRITE), N_NOT_IMPLEMENTED },
	{ "SettingGroupControl", "GetEditSGValue", S1(MMS_SVC_READ), N_NOT_IMPLEMENTED },
	{ "SettingGroupControl", "GetSGCBValues", S1(MMS_SVC_READ), N_NOT_IMPLEMENTED },
	{ "BufferedReportControl", "Report", S1(MMS_SVCBIT_INFORMATION_REPORT), N_BRCB },
	{ "BufferedReportControl", "GetBRCBValues", S1(MMS_SVC_READ), N_BRCB },
	{ "BufferedReportControl", "SetBRCBValues", S1(MMS_SVC_WRITE), N_BRCB },
	{ "UnbufferedReportControl", "Report", S1(MMS_SVCBIT_INFORMATION_REPORT), N_URCB },
	{ "UnbufferedReportControl", "GetURCBValues", S1(MMS_SVC_READ), N_URCB },
	{ "UnbufferedReportControl", "SetURCBValues", S1(MMS_SVC_WRITE), N_URCB },
	{ "LogControl", "GetLCBValues", S1(MMS_SVC_READ), N_NOT_IMPLEMENTED },
	{ "LogControl", "SetLCBValues", S1(MMS_SVC_WRITE), N_NOT_IMPLEMENTED },
	{ "Log", "QueryLogByTime", S1(MMS_SVC_READ_JOURNAL), N_NOT_IMPLEMENTED },
	{ "Log", "QueryLogAfter", S1(MMS_SVC_READ_JOURNAL), N_NOT_IMPLEMENTED },
	{ "Log", "GetLogStatusValues", S1(MMS_SVC_READ), N_NOT_IMPLEMENTED },
	{ "GOOSE", "SendGOOSEMessage", NONE, N_GOOSE_PUB },	/* Ethernet, 8-1 §18 */
	{ "GOOSE", "ReceiveGOOSEMessage", NONE, N_GOOSE_SUB },
	{ "GoCB", "GetGoCBValues", S1(MMS_SVC_READ), N_GOCB },
	{ "GoCB", "SetGoCBValues", S1(MMS_SVC_WRITE), N_GOCB },
	{ "Control", "Select", S1(MMS_SVC_READ), N_SBO },
	{ "Control", "SelectWithValue", S1(MMS_SVC_WRITE), N_SBOW },
	{ "Control", "Cancel", S1(MMS_SVC_WRITE), N_CANCEL },
	{ "Control", "Operate", S1(MMS_SVC_WRITE), N_OPER },
	{ "Control", "CommandTermination", S1(MMS_SVCBIT_INFORMATION_REPORT), N_ENHANCED },
	{ "Control", "TimeActivatedOperate", S1(MMS_SVC_WRITE), N_TIMED },
	{ "File", "GetFile", S3(MMS_SVC_FILE_OPEN, MMS_SVC_FILE_READ, MMS_SVC_FILE_CLOSE), N_ALWAYS },
	{ "File", "SetFile", S1(MMS_SVC_OBTAIN_FILE), N_ALWAYS },
	{ "File", "DeleteFile", S1(MMS_SVC_FILE_DELETE), N_ALWAYS },
	{ "File", "GetFileAttributeValues", S1(MMS_SVC_FILE_DIRECTORY), N_ALWAYS },
	{ "Time", "TimeSynchronization", NONE, N_HOST },	/* SNTP, 8-1 §21 */
};

static const char *const ctl_model_names[] = {
	"status-only", "direct-with-normal-security", "sbo-with-normal-security",
	"direct-with-enhanced-security", "sbo-with-enhanced-security",
};

/* ISO 9506-2 ParameterSupportOptions bit names. */
static const char *const cbb_names[MMS_PARAM_CBB_BITS] = {
	"str1", "str2", "vnam", "valt", "vadr", "vsca", "tpy", "vlis", "real", "spare9", "cei",
};

/* What the model offers, counted once. */
struct have {
	uint32_t urcb, brcb, gocb, gocb_addr, gsub;
	uint32_t ctl_any, sbo, sbow, oper, cancel, enhanced, timed;
	bool goose_iface;
};

struct ctx {
	FILE *f;
	bool json;
	const struct pics_in *in;
	struct mms_server mms;
	struct acsi_controls *ctl;
	struct have h;
};

/* Controls are found by the control service itself (the objects it would
 * serve); it needs a clock only to run commands, which nobody sends here. */
static uint64_t no_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

static int no_arm(void *ctx, struct timer *t, uint64_t deadline)
{
	(void)ctx;
	(void)t;
	(void)deadline;
	return 0;
}

static void no_cancel(void *ctx, struct timer *t)
{
	(void)ctx;
	(void)t;
}

static void count(struct ctx *c)
{
	const struct model *m = c->in->model;
	struct have *h = &c->h;
	for (uint32_t i = 0; i < model_n_rcbs(m); i++) {
		if (model_rcb(m, i)->buffered)
			h->brcb++;
		else
			h->urcb++;
	}
	h->gocb = model_n_gocbs(m);
	for (uint32_t i = 0; i < h->gocb; i++)
		h->gocb_addr += model_gocb(m, i)->has_addr;
	h->gsub = model_n_goose_subs(m);
	h->goose_iface = c->in->scfg->goose_iface[0] != 0;
	for (uint32_t i = 0; i < acsi_controls_count(c->ctl); i++) {
		struct acsi_control_info ci;
		if (acsi_controls_info(c->ctl, i, &ci))
			continue;
		h->ctl_any++;
		h->sbo += ci.ctl_model == 2 && ci.has_sbo;
		h->sbow += ci.ctl_model == 4 && ci.has_sbow;
		h->oper += ci.ctl_model >= 1;
		h->cancel += ci.ctl_model >= 2 && ci.has_cancel;
		h->enhanced += ci.ctl_model >= 3;
		h->timed += ci.ctl_model >= 1 && ci.timed;
	}
}

/* Whether the row is offered; *why says why not. */
static bool offered(const struct ctx *c, const struct row *r, const char **why)
{
	const struct have *h = &c->h;
	*why = "";
	if (r->need == N_NOT_IMPLEMENTED) {
		*why = "not implemented by iedd";
		return false;
	}
	for (unsigned i = 0; i < MAX_SVC && r->mms[i] != 0xff; i++)
		if (!mms_bit(c->mms.limits.services, r->mms[i])) {
			*why = r->cls[0] == 'F' ? "not in this configuration (no <files>/--files, or "
						  "the operation not allowed)" :
						  "MMS service not offered";
			return false;
		}
	switch (r->need) {
	case N_ALWAYS: return true;
	case N_URCB: *why = "no URCB in the model"; return h->urcb > 0;
	case N_BRCB: *why = "no BRCB in the model"; return h->brcb > 0;
	case N_GOCB: *why = "no GoCB in the model"; return h->gocb > 0;
	case N_GOOSE_PUB:
		*why = !h->gocb_addr ? "no GoCB with a GSE address in the model" :
				       "no GOOSE interface (<goose interface>, --goose-interface)";
		return h->gocb_addr && h->goose_iface;
	case N_GOOSE_SUB:
		*why = !h->gsub ? "no GOOSE subscription (Inputs/ExtRef) in the model" :
				  "no GOOSE interface (<goose interface>, --goose-interface)";
		return h->gsub && h->goose_iface;
	case N_SBO: *why = "no control with ctlModel 2 and SBO"; return h->sbo > 0;
	case N_SBOW: *why = "no control with ctlModel 4 and SBOw"; return h->sbow > 0;
	case N_OPER: *why = "no control with ctlModel 1..4"; return h->oper > 0;
	case N_CANCEL: *why = "no control with ctlModel 2..4 and Cancel"; return h->cancel > 0;
	case N_ENHANCED: *why = "no control with ctlModel 3 or 4"; return h->enhanced > 0;
	case N_TIMED: *why = "no control whose Oper has operTm"; return h->timed > 0;
	case N_NOT_IMPLEMENTED: *why = "not implemented by iedd"; return false;
	case N_HOST: *why = "the host's clock (SNTP/PTP client), not iedd"; return false;
	}
	return false;
}

/* ---- output helpers: text and JSON from the same calls ---- */

static void jkey(struct ctx *c, bool *first, const char *key)
{
	fprintf(c->f, "%s\"%s\":", *first ? "" : ",", key);
	*first = false;
}

static void jstr(struct ctx *c, bool *first, const char *key, const char *v)
{
	jkey(c, first, key);
	json_out_str(c->f, v);
}

static void jnum(struct ctx *c, bool *first, const char *key, unsigned long long v)
{
	jkey(c, first, key);
	fprintf(c->f, "%llu", v);
}

static void jbool(struct ctx *c, bool *first, const char *key, bool v)
{
	jkey(c, first, key);
	fputs(v ? "true" : "false", c->f);
}

static void mac_str(const uint8_t *m, char *out, size_t n)
{
	snprintf(out, n, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "LD/LN.name" of an RCB or GoCB, the 7-2 object reference. */
static void cb_ref(const struct mld *ld, const struct mln *ln, const char *name, char *out,
		   size_t n)
{
	snprintf(out, n, "%s/%s.%s", ld->name, ln->name, name);
}

static uint32_t ds_members(const struct mld *ld, const struct mln *ln, const char *ds)
{
	char item[140];
	if (!ds[0])
		return 0;
	snprintf(item, sizeof(item), "%s$%s", ln->name, ds);
	const struct mdataset *d = model_find_dataset(ld, item);
	return d ? d->n : 0;
}

static void trgops_str(uint16_t t, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s%s", t & MODEL_TRG_DCHG ? " dchg" : "",
		 t & MODEL_TRG_QCHG ? " qchg" : "", t & MODEL_TRG_DUPD ? " dupd" : "",
		 t & MODEL_TRG_PERIOD ? " period" : "", t & MODEL_TRG_GI ? " gi" : "");
	if (!out[0])
		snprintf(out, n, " none");
}

/* ---- sections ---- */

static void identity(struct ctx *c)
{
	const struct model *m = c->in->model;
	const struct mms_identify *id = &c->mms.ident;
	if (c->json) {
		bool f = true;
		fputs("\"iedd\":", c->f);
		json_out_str(c->f, IEDD_VERSION);
		fputs(",\"ied\":{", c->f);
		jstr(c, &f, "name", m->ied_name);
		jstr(c, &f, "sclFile", m->scl_file);
		jnum(c, &f, "edition", model_edition(m));
		jstr(c, &f, "configuration", c->in->config_source);
		jstr(c, &f, "vendor", id->vendor);
		jstr(c, &f, "model", id->model);
		jstr(c, &f, "revision", id->revision);
		jnum(c, &f, "logicalDevices", m->n_ld);
		fputs("}", c->f);
		return;
	}
	fprintf(c->f, "iedd %s conformance statement (PICS/PIXIT), generated from the configuration\n",
		IEDD_VERSION);
	fprintf(c->f, "  IED              %s, %u logical device(s), SCL edition %u\n", m->ied_name,
		m->n_ld, model_edition(m));
	fprintf(c->f, "  SCL file         %s\n", m->scl_file);
	fprintf(c->f, "  configuration    %s\n", c->in->config_source);
	fprintf(c->f, "  Identify         vendor \"%s\", model \"%s\", revision \"%s\"\n", id->vendor,
		id->model, id->revision);
}

static void initiate(struct ctx *c)
{
	const struct mms_limits *l = &c->mms.limits;
	if (c->json) {
		bool f = true;
		fputs(",\"mms\":{", c->f);
		jnum(c, &f, "maxPduSize", l->max_pdu);
		jnum(c, &f, "minPduSize", l->min_pdu);
		jnum(c, &f, "maxServOutstanding", (unsigned long long)l->max_serv_outstanding);
		jnum(c, &f, "nestingLevel", (unsigned long long)l->max_nesting);
		jnum(c, &f, "version", 1);
		jkey(c, &f, "parameterCbb");
		fputc('[', c->f);
		bool g = true;
		for (unsigned b = 0; b < MMS_PARAM_CBB_BITS; b++)
			if (mms_bit(l->param_cbb, b)) {
				fprintf(c->f, "%s\"%s\"", g ? "" : ",", cbb_names[b]);
				g = false;
			}
		fputs("],\"servicesSupported\":[", c->f);
		g = true;
		for (unsigned b = 0; b < MMS_SERVICE_BITS; b++)
			if (mms_bit(l->services, b)) {
				fprintf(c->f, "%s\"%s\"", g ? "" : ",", mms_service_bit_name(b));
				g = false;
			}
		fputs("]}", c->f);
		return;
	}
	fprintf(c->f, "\nMMS Initiate (ISO 9506, IEC 61850-8-1 §7): offered to every client; a\n"
		      "smaller proposal of the client wins\n");
	fprintf(c->f, "  localDetailCalled (max PDU)  %u octets (proposals below %u refused)\n",
		l->max_pdu, l->min_pdu);
	fprintf(c->f, "  maxServOutstandingCalled     %d\n", l->max_serv_outstanding);
	fprintf(c->f, "  nestingLevel                 %d\n", l->max_nesting);
	fprintf(c->f, "  version                      1 (ISO 9506:2003)\n");
	fprintf(c->f, "  parameterCBB                ");
	for (unsigned b = 0; b < MMS_PARAM_CBB_BITS; b++)
		if (mms_bit(l->param_cbb, b))
			fprintf(c->f, " %s", cbb_names[b]);
	fprintf(c->f, "\n  servicesSupportedCalled     ");
	unsigned col = 30;
	for (unsigned b = 0; b < MMS_SERVICE_BITS; b++)
		if (mms_bit(l->services, b)) {
			const char *n = mms_service_bit_name(b);
			if (col + strlen(n) + 1 > 96) {
				fprintf(c->f, "\n                              ");
				col = 30;
			}
			fprintf(c->f, " %s", n);
			col += (unsigned)strlen(n) + 1;
		}
	fputc('\n', c->f);
}

static void acsi(struct ctx *c)
{
	if (c->json)
		fputs(",\"acsi\":[", c->f);
	else
		fprintf(c->f, "\nACSI services (IEC 61850-7-2) and their MMS services (IEC 61850-8-1)\n"
			      "  %-24s %-26s %-30s %s\n", "class", "service", "MMS", "offered");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const char *why;
		bool yes = offered(c, r, &why);
		char mms[96] = "";
		size_t k = 0;
		for (unsigned j = 0; j < MAX_SVC && r->mms[j] != 0xff; j++)
			k += (size_t)snprintf(mms + k, sizeof(mms) - k, "%s%s", j ? "," : "",
					      mms_service_bit_name(r->mms[j]));
		if (c->json) {
			bool f = true;
			fprintf(c->f, "%s{", i ? "," : "");
			jstr(c, &f, "class", r->cls);
			jstr(c, &f, "service", r->svc);
			jkey(c, &f, "mms");
			fputc('[', c->f);
			for (unsigned j = 0; j < MAX_SVC && r->mms[j] != 0xff; j++)
				fprintf(c->f, "%s\"%s\"", j ? "," : "", mms_service_bit_name(r->mms[j]));
			fputc(']', c->f);
			jbool(c, &f, "offered", yes);
			if (!yes)
				jstr(c, &f, "why", why);
			fputc('}', c->f);
		} else {
			fprintf(c->f, "  %-24s %-26s %-30s %s%s%s\n", r->cls, r->svc,
				mms[0] ? mms : "-", yes ? "yes" : "no", yes ? "" : ": ", yes ? "" : why);
		}
	}
	if (c->json)
		fputc(']', c->f);
}

static void datasets(struct ctx *c)
{
	const struct model *m = c->in->model;
	const struct acsi_ds_limits *l = &c->in->scfg->ds_limits;
	uint32_t n = 0, max = 0;
	for (uint32_t i = 0; i < m->n_ld; i++)
		for (uint32_t j = 0; j < m->lds[i].n_ds; j++) {
			n++;
			if (m->lds[i].datasets[j].n > max)
				max = m->lds[i].datasets[j].n;
		}
	uint32_t mm = l->max_members ? l->max_members : ACSI_DS_MAX_MEMBERS;
	uint32_t ml = l->max_ld_sets ? l->max_ld_sets : ACSI_DS_MAX_LD_SETS;
	uint32_t ma = l->max_aa_sets ? l->max_aa_sets : ACSI_DS_MAX_AA_SETS;
	if (c->json) {
		bool f = true;
		fputs(",\"dataSets\":{", c->f);
		jnum(c, &f, "scl", n);
		jnum(c, &f, "largestScl", max);
		jnum(c, &f, "maxMembers", mm);
		jnum(c, &f, "maxPersistentPerLd", ml);
		jnum(c, &f, "maxPerAssociation", ma);
		fputc('}', c->f);
		return;
	}
	fprintf(c->f, "\nData sets\n  from the SCL      %u (largest %u members; not deletable)\n", n, max);
	fprintf(c->f, "  client-defined   up to %u members each, %u persistent per LD, %u per "
		      "association\n", mm, ml, ma);
}

static void rcbs(struct ctx *c)
{
	const struct model *m = c->in->model;
	const struct acsi_report_cfg *rc = &c->in->scfg->reports;
	uint32_t n = model_n_rcbs(m);
	if (c->json) {
		fputs(",\"reportBuffer\":{", c->f);
		bool f = true;
		jnum(c, &f, "entries", rc->buf_entries ? rc->buf_entries : ACSI_REPORT_BUF_ENTRIES);
		jnum(c, &f, "octets", rc->buf_bytes ? rc->buf_bytes : ACSI_REPORT_BUF_BYTES);
		fputs("},\"rcbs\":[", c->f);
	} else {
		fprintf(c->f, "\nReport control blocks (%u instance(s); BRCB buffer %u entries / %zu "
			      "octets each)\n", n,
			rc->buf_entries ? rc->buf_entries : ACSI_REPORT_BUF_ENTRIES,
			rc->buf_bytes ? rc->buf_bytes : (size_t)ACSI_REPORT_BUF_BYTES);
		if (n)
			fprintf(c->f, "  %-40s %-4s %-24s %7s %7s  %s\n", "reference", "FC", "data set",
				"members", "confRev", "trigger options, IntgPd, BufTm");
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct mrcb *r = model_rcb(m, i);
		char ref[300], trg[48];
		cb_ref(r->ld, r->ln, r->name, ref, sizeof(ref));
		trgops_str(r->cb->trgops, trg, sizeof(trg));
		uint32_t mem = ds_members(r->ld, r->cb->ln, r->cb->dataset);
		if (c->json) {
			bool f = true;
			fprintf(c->f, "%s{", i ? "," : "");
			jstr(c, &f, "ref", ref);
			jstr(c, &f, "fc", r->buffered ? "BR" : "RP");
			jstr(c, &f, "dataSet", r->cb->dataset);
			jnum(c, &f, "members", mem);
			jnum(c, &f, "confRev", r->cb->conf_rev);
			jstr(c, &f, "rptId", r->cb->rpt_id);
			jstr(c, &f, "trgOps", trg + 1);
			jnum(c, &f, "intgPd", r->cb->intg_pd);
			jnum(c, &f, "bufTime", r->cb->buf_time);
			jbool(c, &f, "preassigned", r->preassigned_len > 0);
			fputc('}', c->f);
		} else {
			fprintf(c->f, "  %-40s %-4s %-24s %7u %7u %s, %u ms, %u ms%s\n", ref,
				r->buffered ? "BR" : "RP", r->cb->dataset[0] ? r->cb->dataset : "-",
				mem, r->cb->conf_rev, trg, r->cb->intg_pd, r->cb->buf_time,
				r->preassigned_len ? " (pre-assigned)" : "");
		}
	}
	if (c->json)
		fputc(']', c->f);
}

static void gocbs(struct ctx *c)
{
	const struct model *m = c->in->model;
	uint32_t n = model_n_gocbs(m);
	const char *iface = c->in->scfg->goose_iface;
	if (c->json) {
		bool f = true;
		fputs(",\"goose\":{", c->f);
		jstr(c, &f, "interface", iface);
		jnum(c, &f, "subscriptions", model_n_goose_subs(m));
		fputs("},\"gocbs\":[", c->f);
	} else {
		fprintf(c->f, "\nGOOSE (%s; %u subscription(s))\n",
			iface[0] ? iface : "off: no interface configured", model_n_goose_subs(m));
		if (n)
			fprintf(c->f, "  %-40s %-22s %7s %7s  %s\n", "GoCB", "data set", "members",
				"confRev", "address");
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct mgocb *g = model_gocb(m, i);
		char mac[24] = "";
		uint32_t mem = g->ds ? g->ds->n : 0;
		if (g->has_addr)
			mac_str(g->addr.mac, mac, sizeof(mac));
		if (c->json) {
			bool f = true;
			fprintf(c->f, "%s{", i ? "," : "");
			jstr(c, &f, "ref", g->ref);
			jstr(c, &f, "goId", g->go_id);
			jstr(c, &f, "dataSet", g->dat_set);
			jnum(c, &f, "members", mem);
			jnum(c, &f, "confRev", g->cb->conf_rev);
			jbool(c, &f, "published", g->has_addr && g->ds && iface[0]);
			if (g->has_addr) {
				jstr(c, &f, "mac", mac);
				jnum(c, &f, "appId", g->addr.appid);
				jbool(c, &f, "vlan", g->addr.vlan);
				jnum(c, &f, "vlanId", g->addr.vid);
				jnum(c, &f, "vlanPriority", g->addr.priority);
				jnum(c, &f, "minTime", g->addr.min_time_ms);
				jnum(c, &f, "maxTime", g->addr.max_time_ms);
			}
			fputc('}', c->f);
		} else if (g->has_addr) {
			fprintf(c->f, "  %-40s %-22s %7u %7u  %s APPID 0x%04X%s, MinTime %u ms, "
				      "MaxTime %u ms\n", g->ref, g->dat_set[0] ? g->dat_set : "-", mem,
				g->cb->conf_rev, mac, g->addr.appid, g->addr.vlan ? ", 802.1Q" : "",
				g->addr.min_time_ms, g->addr.max_time_ms);
		} else {
			fprintf(c->f, "  %-40s %-22s %7u %7u  no GSE address: not published\n", g->ref,
				g->dat_set[0] ? g->dat_set : "-", mem, g->cb->conf_rev);
		}
	}
	if (c->json)
		fputc(']', c->f);
}

static void controls(struct ctx *c)
{
	uint32_t n = acsi_controls_count(c->ctl);
	if (c->json)
		fputs(",\"controls\":[", c->f);
	else
		fprintf(c->f, "\nControllable objects (%u)\n", n);
	unsigned per_model[5] = { 0 };
	for (uint32_t i = 0; i < n; i++) {
		struct acsi_control_info ci;
		if (acsi_controls_info(c->ctl, i, &ci))
			continue;
		const char *cm = ci.ctl_model >= 0 && ci.ctl_model <= 4 ?
					 ctl_model_names[ci.ctl_model] : "none";
		if (ci.ctl_model >= 0 && ci.ctl_model <= 4)
			per_model[ci.ctl_model]++;
		if (c->json) {
			bool f = true;
			fprintf(c->f, "%s{", i ? "," : "");
			jstr(c, &f, "ref", ci.ref);
			jkey(c, &f, "ctlModel");
			fprintf(c->f, "%d", ci.ctl_model);
			jstr(c, &f, "ctlModelName", cm);
			jbool(c, &f, "sbo", ci.has_sbo);
			jbool(c, &f, "sbow", ci.has_sbow);
			jbool(c, &f, "cancel", ci.has_cancel);
			jbool(c, &f, "timeActivated", ci.timed);
			fputc('}', c->f);
		} else {
			fprintf(c->f, "  %-40s %d %s%s\n", ci.ref, ci.ctl_model, cm,
				ci.timed ? ", time-activated operate" : "");
		}
	}
	if (c->json) {
		fputc(']', c->f);
		return;
	}
	if (n) {
		fprintf(c->f, "  ctlModels present:");
		for (int k = 0; k < 5; k++)
			if (per_model[k])
				fprintf(c->f, " %s (%u)", ctl_model_names[k], per_model[k]);
		fputc('\n', c->f);
	}
}

static void listeners(struct ctx *c)
{
	const struct server_cfg *s = c->in->scfg;
	if (c->json) {
		bool f = true;
		fputs(",\"associations\":{", c->f);
		jnum(c, &f, "maxAssociations", s->max_associations);
		jnum(c, &f, "socketActivated", s->n_inherited);
		jkey(c, &f, "listeners");
		fputc('[', c->f);
		for (size_t i = 0; i < s->n_listen; i++) {
			bool g = true;
			fprintf(c->f, "%s{", i ? "," : "");
			jstr(c, &g, "addr", s->listen[i].addr);
			jnum(c, &g, "port", s->listen[i].port);
			jbool(c, &g, "tls", s->listen[i].tls);
			fputc('}', c->f);
		}
		fputs("]}", c->f);
		fputs(",\"tls\":", c->f);
		if (c->in->tls)
			json_out_str(c->f, tls_server_summary(c->in->tls));
		else
			fputs("null", c->f);
		return;
	}
	fprintf(c->f, "\nAssociations (at most %u at once)\n", s->max_associations);
	if (s->n_inherited)
		fprintf(c->f, "  %zu socket-activated listener(s) (they win over the ones below)\n",
			s->n_inherited);
	for (size_t i = 0; i < s->n_listen; i++)
		fprintf(c->f, "  %s %s port %u\n", s->listen[i].tls ? "TLS (IEC 62351-3)" : "TCP",
			s->listen[i].addr, s->listen[i].port);
	fprintf(c->f, "  TLS              %s\n",
		c->in->tls ? tls_server_summary(c->in->tls) : "none");
}

static void files(struct ctx *c)
{
	const struct pics_in *in = c->in;
	if (c->json) {
		fputs(",\"files\":", c->f);
		if (!in->files_root) {
			fputs("null", c->f);
			return;
		}
		bool f = true;
		fputc('{', c->f);
		jstr(c, &f, "root", in->files_root);
		jbool(c, &f, "delete", in->files_delete);
		jbool(c, &f, "rename", in->files_rename);
		jbool(c, &f, "obtain", in->files_obtain);
		fputc('}', c->f);
		return;
	}
	if (!in->files_root)
		fprintf(c->f, "\nFile store  none (no <files>, --files)\n");
	else
		fprintf(c->f, "\nFile store  %s (read; delete %s, rename %s, ObtainFile %s)\n",
			in->files_root, in->files_delete ? "yes" : "no",
			in->files_rename ? "yes" : "no", in->files_obtain ? "yes" : "no");
}

int pics_print(FILE *f, const struct pics_in *in, bool json)
{
	struct ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->f = f;
	c->json = json;
	c->in = in;
	server_mms_config(in->scfg, in->model, &c->mms);
	const struct acsi_clock clk = { .mono_us = no_clock, .utc_ns = no_clock, .arm = no_arm,
					.cancel = no_cancel };
	c->ctl = acsi_controls_new(in->model, &clk, &in->scfg->controls);
	if (!c->ctl) {
		mms_server_clear(&c->mms);
		free(c);
		return -ENOMEM;
	}
	count(c);
	if (json)
		fputc('{', f);
	identity(c);
	initiate(c);
	acsi(c);
	datasets(c);
	rcbs(c);
	gocbs(c);
	controls(c);
	listeners(c);
	files(c);
	if (json)
		fputs("}\n", f);
	acsi_controls_free(c->ctl);
	mms_server_clear(&c->mms);
	free(c);
	return 0;
}
