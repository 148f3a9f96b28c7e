/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "control.h"
#include "data_access.h"
#include "files.h"
#include "mms_file.h"
#include "mms_nvl.h"

/* Confirmed services this server implements. A service that ISO 9506
 * defines but iedd does not (yet) offer is answered with a confirmed-error
 * of class service, code other (ISO 9506-2 §7.5.2), and it is not announced
 * in servicesSupportedCalled; a tag that is no MMS service at all gets a
 * Reject (confirmed-requestPDU, unrecognized-service). Both choices are what
 * IEC 61850 clients handle: they check servicesSupportedCalled first. */
static const uint8_t implemented[] = {
	MMS_SVC_IDENTIFY, MMS_SVC_GET_NAME_LIST, MMS_SVC_GET_VAR_ACCESS_ATTR, MMS_SVC_READ,
	MMS_SVC_WRITE, MMS_SVC_GET_NVL_ATTR, MMS_SVC_DEFINE_NVL, MMS_SVC_DELETE_NVL,
};

void mms_server_init(struct mms_server *srv, uint32_t max_pdu, int max_serv_outstanding,
		     int max_nesting)
{
	memset(srv, 0, sizeof(*srv));
	srv->limits.max_pdu = max_pdu;
	srv->limits.min_pdu = 64;
	srv->limits.max_serv_outstanding = (int16_t)max_serv_outstanding;
	srv->limits.max_nesting = (int8_t)max_nesting;
	/* IEC 61850-8-1 Table 3 (parameter CBBs): str1, str2, vnam, valt, vlis. */
	mms_set_bit(srv->limits.param_cbb, 0);
	mms_set_bit(srv->limits.param_cbb, 1);
	mms_set_bit(srv->limits.param_cbb, 2);
	mms_set_bit(srv->limits.param_cbb, 3);
	mms_set_bit(srv->limits.param_cbb, 7);
	for (size_t i = 0; i < sizeof(implemented); i++)
		mms_set_bit(srv->limits.services, implemented[i]);
	mms_set_bit(srv->limits.services, MMS_SVCBIT_CONCLUDE);
	mms_set_bit(srv->limits.services, MMS_SVCBIT_INFORMATION_REPORT);
	snprintf(srv->ident.vendor, sizeof(srv->ident.vendor), "iedd");
	snprintf(srv->ident.model, sizeof(srv->ident.model), "software IED");
	snprintf(srv->ident.revision, sizeof(srv->ident.revision), "0");
}

void mms_server_set_files(struct mms_server *srv, struct acsi_files *files)
{
	srv->files = files;
	acsi_files_announce(files, srv->limits.services);
}

int mms_server_files_wake_fd(const struct mms_server *srv)
{
	return acsi_files_wake_fd(srv->files);
}

void mms_server_files_drain(struct mms_server *srv)
{
	acsi_files_drain(srv->files);
}

void mms_server_clear(struct mms_server *srv)
{
	buf_clear(&srv->scratch);
	buf_clear(&srv->report_out);
}

void mms_assoc_init(struct mms_assoc *a, uint16_t local_ref)
{
	memset(a, 0, sizeof(*a));
	iso_init(&a->iso, false, local_ref);
}

static void trace_line(mms_trace_fn trace, void *ctx, bool in, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* An InformationReport from reporting (report.h): framed and sent now. */
static int report_send(void *ctx, struct buf *pdu)
{
	struct mms_assoc *a = ctx;
	if (a->iso.state != ISO_ASSOCIATED || !a->emit || a->concluded || !a->srv)
		return -ENOTCONN;
	/* one framing buffer for the server, kept between reports */
	struct buf *out = &a->srv->report_out;
	buf_reset(out, 0);
	int r = iso_send_data(&a->iso, pdu, out);
	if (!r && out->err)
		r = out->err;
	if (!r) {
		trace_line(a->trace, a->emit_ctx, false, "InformationReport (%zu octets)", pdu->len);
		a->emit(a->emit_ctx, buf_data(out), out->len);
	}
	return r;
}

void mms_assoc_set_emit(struct mms_assoc *a, struct mms_server *srv, mms_emit_fn emit,
			mms_trace_fn trace, void *ctx)
{
	a->srv = srv;
	a->emit = emit;
	a->trace = trace;
	a->emit_ctx = ctx;
	a->rpt.send = report_send;
	a->rpt.ctx = a;
}

void mms_assoc_clear(struct mms_assoc *a)
{
	if (a->srv) {
		acsi_controls_client_end(a->srv->controls, &a->rpt);
		acsi_reports_client_end(a->srv->reports, &a->rpt);
		if (a->srv->model)
			model_dataset_remove_owner(a->srv->model, &a->rpt);
	}
	/* the sources still answer; the jobs then free themselves (write_done) */
	for (struct acsi_write_job *j = a->jobs; j; j = j->next)
		j->ctx = NULL;
	a->jobs = NULL;
	acsi_files_assoc_end(&a->files);
	iso_clear(&a->iso);
}

static const char *service_name(uint32_t s)
{
	switch (s) {
	case MMS_SVC_STATUS: return "Status";
	case MMS_SVC_GET_NAME_LIST: return "GetNameList";
	case MMS_SVC_IDENTIFY: return "Identify";
	case MMS_SVC_READ: return "Read";
	case MMS_SVC_WRITE: return "Write";
	case MMS_SVC_GET_VAR_ACCESS_ATTR: return "GetVariableAccessAttributes";
	case MMS_SVC_DEFINE_NVL: return "DefineNamedVariableList";
	case MMS_SVC_GET_NVL_ATTR: return "GetNamedVariableListAttributes";
	case MMS_SVC_DELETE_NVL: return "DeleteNamedVariableList";
	case MMS_SVC_FILE_OPEN: return "FileOpen";
	case MMS_SVC_FILE_READ: return "FileRead";
	case MMS_SVC_FILE_CLOSE: return "FileClose";
	case MMS_SVC_FILE_DIRECTORY: return "FileDirectory";
	case MMS_SVC_FILE_DELETE: return "FileDelete";
	case MMS_SVC_FILE_RENAME: return "FileRename";
	case MMS_SVC_OBTAIN_FILE: return "ObtainFile";
	case MMS_SVC_READ_JOURNAL: return "ReadJournal";
	default: return "service";
	}
}

static void trace_line(mms_trace_fn trace, void *ctx, bool in, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void trace_line(mms_trace_fn trace, void *ctx, bool in, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if (!trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	trace(ctx, in, line);
}

/* A Write's sources have all answered: send its response, if the
 * association is still there to take it. */
static void write_done(void *ctx, struct acsi_write_job *job)
{
	struct mms_assoc *a = ctx;
	if (!a) {
		free(job);
		return;
	}
	if (job->prev)
		job->prev->next = job->next;
	else
		a->jobs = job->next;
	if (job->next)
		job->next->prev = job->prev;
	if (a->iso.state == ISO_ASSOCIATED && a->emit) {
		struct buf *resp = &a->srv->scratch, out;
		buf_reset(resp, ISO_HEADROOM);
		resp->limit = a->max_pdu;
		acsi_write_job_encode(job, resp);
		buf_init(&out, 0, 0);
		if (!resp->err && !iso_send_data(&a->iso, resp, &out) && !out.err) {
			a->deferred++;
			trace_line(a->trace, a->emit_ctx, false,
				   "Write-Response id=%u (%zu octets, after the source answered)",
				   job->invoke_id, resp->len);
			a->emit(a->emit_ctx, buf_data(&out), out.len);
		}
		buf_clear(&out);
	}
	free(job);
}

/* A FileRead came back from the store's worker: its response, if the
 * association still wants it (acsi_files_assoc_end drops it otherwise). */
static void file_read_done(void *ctx, struct acsi_file_assoc *fa)
{
	struct mms_assoc *a = ctx;
	if (a->iso.state != ISO_ASSOCIATED || !a->emit)
		return;
	struct buf *resp = &a->srv->scratch, out;
	const char *why = NULL;
	buf_reset(resp, ISO_HEADROOM);
	resp->limit = a->max_pdu;
	acsi_files_job_encode(fa, resp, &why);
	buf_init(&out, 0, 0);
	if (!resp->err && !iso_send_data(&a->iso, resp, &out) && !out.err) {
		a->deferred++;
		trace_line(a->trace, a->emit_ctx, false,
			   "FileRead-%s (%zu octets, after the disk)%s%s",
			   why ? "ConfirmedError" : "Response", resp->len, why ? ": " : "",
			   why ? why : "");
		a->emit(a->emit_ctx, buf_data(&out), out.len);
	}
	buf_clear(&out);
}

static int on_associate(struct mms_assoc *a, const struct mms_server *srv,
			const struct iso_event *ev, struct buf *out, struct proto_err *err,
			mms_trace_fn trace, void *tctx)
{
	struct mms_initiate req, resp;
	struct buf m;
	const char *why = NULL;
	int r = 0;

	if (!ev->acse.context_is_mms) {
		iso_refuse(&a->iso, ev, ACSE_REJECTED_PERMANENT, ACSE_DIAG_CONTEXT_NOT_SUPPORTED,
			   NULL, 0, out);
		return proto_fail(err, "acse", "application context is not MMS (1.0.9506.2.3)");
	}
	if (!ev->data || (r = mms_initiate_decode(ev->data, ev->len, false, &req, err))) {
		iso_refuse(&a->iso, ev, ACSE_REJECTED_PERMANENT, ACSE_DIAG_NO_REASON, NULL, 0, out);
		if (!ev->data)
			return proto_fail(err, "acse", "AARQ without MMS Initiate-Request");
		return r;
	}
	if (srv->authz && srv->authz->enabled) {
		if (!a->authz.pol)
			(void)authz_peer_begin(&a->authz, srv->authz, 0, NULL);
		static const uint32_t pw_mech[] = { 2, 2, 3, 1 };
		bool pw = ev->acse.mechanism_n == 4 &&
			  !memcmp(ev->acse.mechanism, pw_mech, sizeof(pw_mech)) &&
			  ev->acse.auth_kind == ACSE_AUTH_CHARSTRING;
		const struct authz_aarq q = {
			.ap_title = ev->acse.calling.ap_title,
			.ap_title_n = ev->acse.calling.ap_title_n,
			.has_ae_qualifier = ev->acse.calling.has_ae_qualifier,
			.ae_qualifier = ev->acse.calling.ae_qualifier,
			.password = pw ? ev->acse.auth_value : NULL,
			.password_len = pw ? ev->acse.auth_len : 0,
		};
		const char *no = authz_peer_associate(&a->authz, &q);
		if (no) {
			/* one answer for every reason: the peer learns nothing */
			a->auth_refused = true;
			iso_refuse(&a->iso, ev, ACSE_REJECTED_PERMANENT, ACSE_DIAG_AUTH_FAILURE, NULL,
				   0, out);
			trace_line(trace, tctx, false, "AARE rejected (authentication-failure)");
			return proto_fail(err, "acse", "association refused: %s", no);
		}
		const char *name = authz_peer_name(&a->authz);
		snprintf(a->rpt.client, sizeof(a->rpt.client), "%s", name ? name : "");
	}
	trace_line(trace, tctx, true,
		   "Initiate-Request maxPdu=%d calling=%d called=%d nesting=%d version=%d",
		   req.has_local_detail ? req.local_detail : -1, req.max_serv_calling,
		   req.max_serv_called, req.has_nesting ? req.nesting : -1, req.version);
	buf_init(&m, 0, 0);
	int code = mms_initiate_negotiate(&req, &srv->limits, &resp, &why);
	if (code) {
		mms_encode_initiate_error(&m, code);
		iso_refuse(&a->iso, ev, ACSE_REJECTED_PERMANENT, ACSE_DIAG_NO_REASON, buf_data(&m),
			   m.len, out);
		buf_clear(&m);
		trace_line(trace, tctx, false, "Initiate-Error initiate/%d", code);
		return proto_fail(err, "mms", "Initiate refused: %s", why);
	}
	mms_initiate_encode(&m, true, &resp);
	if (m.err) {
		buf_clear(&m);
		return proto_fail(err, "mms", "cannot encode Initiate-Response");
	}
	iso_accept(&a->iso, ev, (uint32_t)resp.local_detail, buf_data(&m), m.len, out);
	buf_clear(&m);
	a->max_pdu = (uint32_t)resp.local_detail;
	a->rpt.max_pdu = a->max_pdu;
	a->max_serv_outstanding = (uint16_t)resp.max_serv_called;
	trace_line(trace, tctx, false,
		   "Initiate-Response maxPdu=%u calling=%d called=%d nesting=%d version=1",
		   a->max_pdu, resp.max_serv_calling, resp.max_serv_called, resp.nesting);
	return MMS_STEP_ASSOCIATED;
}

static bool is_mms_service(uint32_t tag)
{
	/* ConfirmedServiceRequest tags of ISO 9506-2 (0..85 with gaps that
	 * belong to companion standards; anything above is unknown). */
	return tag <= MMS_SVC_MAX_TAG;
}

static bool is_implemented(uint32_t tag)
{
	for (size_t i = 0; i < sizeof(implemented); i++)
		if (implemented[i] == tag)
			return true;
	return false;
}

/* The audit record of a data set or file request, from the request and
 * the answer built for it (a confirmed-response: done; else refused).
 * FileDirectory, FileRead and FileClose are not recorded: FileOpen says
 * which file was read. */
static void audit_request(struct mms_server *srv, struct mms_assoc *a, const struct mms_pdu *p,
			  const struct buf *resp)
{
	char ref[300] = "", ref2[300] = "", result[96];
	const char *action = NULL;
	enum acsi_audit_kind kind = ACSI_AUDIT_FILE;
	switch (p->service) {
	case MMS_SVC_DEFINE_NVL: {
		struct mms_definenvl_req q;
		if (mms_definenvl_req_decode(p->body, p->body_len, &q, NULL))
			return;
		kind = ACSI_AUDIT_DATASET;
		action = "define";
		snprintf(ref, sizeof(ref), "%s%s%s", q.name.scope == MMS_SCOPE_DOMAIN ? q.name.domain : "",
			 q.name.scope == MMS_SCOPE_DOMAIN ? "/" : "@", q.name.item);
		break;
	}
	case MMS_SVC_DELETE_NVL: {
		struct mms_deletenvl_req q;
		if (mms_deletenvl_req_decode(p->body, p->body_len, &q, NULL))
			return;
		kind = ACSI_AUDIT_DATASET;
		action = "delete";
		size_t k = 0;
		for (uint32_t i = 0; i < q.n && i < MMS_DELNVL_MAX && k < sizeof(ref); i++)
			k += (size_t)snprintf(ref + k, sizeof(ref) - k, "%s%s%s%s", i ? " " : "",
					      q.names[i].scope == MMS_SCOPE_DOMAIN ? q.names[i].domain : "",
					      q.names[i].scope == MMS_SCOPE_DOMAIN ? "/" : "@",
					      q.names[i].item);
		if (!q.n)
			snprintf(ref, sizeof(ref), "(scope %d%s%s)", q.scope, q.has_domain ? " " : "",
				 q.has_domain ? q.domain : "");
		break;
	}
	case MMS_SVC_FILE_OPEN: {
		struct mms_file_open_req q;
		if (mms_file_open_req_decode(p->body, p->body_len, &q, NULL))
			return;
		action = "open";
		snprintf(ref, sizeof(ref), "%s", q.name.s);
		break;
	}
	case MMS_SVC_FILE_DELETE: {
		struct mms_file_name q;
		if (mms_file_delete_req_decode(p->body, p->body_len, &q, NULL))
			return;
		action = "delete";
		snprintf(ref, sizeof(ref), "%s", q.s);
		break;
	}
	case MMS_SVC_FILE_RENAME: {
		struct mms_file_rename_req q;
		if (mms_file_rename_req_decode(p->body, p->body_len, &q, NULL))
			return;
		action = "rename";
		snprintf(ref, sizeof(ref), "%s", q.from.s);
		snprintf(ref2, sizeof(ref2), "to %s", q.to.s);
		break;
	}
	case MMS_SVC_OBTAIN_FILE: {
		struct mms_file_obtain_req q;
		if (mms_file_obtain_req_decode(p->body, p->body_len, &q, NULL))
			return;
		action = "obtain";
		snprintf(ref, sizeof(ref), "%s", q.destination.s);
		snprintf(ref2, sizeof(ref2), "from the client's %s", q.source.s);
		break;
	}
	default:
		return;
	}
	const uint8_t *d = buf_data(resp);
	/* ObtainFile's first answer is iedd's own FileOpen request to the
	 * client (0xA0): the transfer starts */
	bool ok = resp->len && (d[0] == 0xA1 || (p->service == MMS_SVC_OBTAIN_FILE && d[0] == 0xA0));
	snprintf(result, sizeof(result), "%s", !ok ? "refused (confirmed-error)" :
		 p->service == MMS_SVC_OBTAIN_FILE ? "started" : "success");
	const struct acsi_audit_rec rec = { .kind = kind, .peer = a->rpt.peer,
					     .client = a->rpt.client[0] ? a->rpt.client : NULL,
					     .action = action,
					     .ref = ref, .ok = ok, .result = result,
					     .detail = ref2[0] ? ref2 : NULL };
	acsi_audit(srv->audit, &rec);
}

/* IEC 62351-8: the rights services need as a whole (the object services
 * check theirs per object, data_access.c). DATASET and the file rights are
 * the server's: rules with a scope do not apply to them. */
static bool service_allowed(const struct authz_peer *ap, uint32_t svc)
{
	enum authz_right r;
	switch (svc) {
	case MMS_SVC_DEFINE_NVL: case MMS_SVC_DELETE_NVL:
		r = AZ_DATASET;
		break;
	case MMS_SVC_FILE_DIRECTORY: case MMS_SVC_FILE_OPEN: case MMS_SVC_FILE_READ:
	case MMS_SVC_FILE_CLOSE:
		r = AZ_FILEREAD;
		break;
	case MMS_SVC_OBTAIN_FILE:
		r = AZ_FILEWRITE;
		break;
	case MMS_SVC_FILE_DELETE: case MMS_SVC_FILE_RENAME:
		r = AZ_FILEMNGT;
		break;
	default:
		return true;
	}
	return authz_allows(ap, r, NULL, NULL, FC_NONE);
}

/* The audit record of a service refused for want of a right. */
static void audit_denied(struct mms_server *srv, struct mms_assoc *a, uint32_t svc)
{
	char roles[256];
	authz_peer_roles(&a->authz, roles, sizeof(roles));
	const struct acsi_audit_rec rec = { .kind = ACSI_AUDIT_AUTHZ, .peer = a->rpt.peer,
					     .client = authz_peer_name(&a->authz),
					     .roles = roles[0] ? roles : NULL,
					     .action = service_name(svc), .ok = false,
					     .result = "access denied (IEC 62351-8 rights)" };
	acsi_audit(srv->audit, &rec);
}

/* Builds the response to one confirmed request into `resp`; returns true
 * when it comes later (resp stays empty). */
static bool serve(struct mms_assoc *a, struct mms_server *srv, const struct mms_pdu *p,
		  struct buf *resp, mms_trace_fn trace, void *tctx)
{
	int r = 0;

	if (p->has_modifiers) {
		mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
				  MMS_REJ_REQ_UNRECOGNIZED_MODIFIER);
		trace_line(trace, tctx, false, "Reject id=%u unrecognized-modifier", p->invoke_id);
		return false;
	}
	/* ISO 9506-2 §7.4: requests still waiting (Writes for their sources)
	 * count against the negotiated maximum, and an invokeID must not be
	 * reused while its request is outstanding */
	uint32_t waiting = 0, file_id;
	bool clash = false;
	if (acsi_files_pending(a->files, &file_id)) {
		waiting++; /* a FileRead with the store's worker, too */
		clash = file_id == p->invoke_id;
	}
	for (const struct acsi_write_job *j = a->jobs; j && !clash; j = j->next, waiting++)
		clash = j->invoke_id == p->invoke_id;
	if (clash) {
		mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
				  MMS_REJ_REQ_INVALID_INVOKE_ID);
		trace_line(trace, tctx, false, "Reject id=%u invalid-invokeID (outstanding)",
			   p->invoke_id);
		return false;
	}
	if (waiting && waiting >= a->max_serv_outstanding) {
		mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
				  MMS_REJ_REQ_MAX_SERV_OUTSTANDING_EXCEEDED);
		trace_line(trace, tctx, false, "Reject id=%u max-serv-outstanding-exceeded (%u waiting)",
			   p->invoke_id, waiting);
		return false;
	}
	if (!is_mms_service(p->service)) {
		mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
				  MMS_REJ_REQ_UNRECOGNIZED_SERVICE);
		trace_line(trace, tctx, false, "Reject id=%u unrecognized-service (tag %u)",
			   p->invoke_id, p->service);
		return false;
	}
	if (!is_implemented(p->service) && !acsi_files_handles(srv->files, p->service)) {
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_SERVICE, MMS_SERVICE_OTHER);
		trace_line(trace, tctx, false, "ConfirmedError id=%u %s: service/other (not offered)",
			   p->invoke_id, service_name(p->service));
		return false;
	}
	const struct acsi_caller who = { .reports = srv->reports, .client = &a->rpt,
					  .controls = srv->controls, .gpub = srv->gpub,
					  .audit = srv->audit, .authz = &a->authz };
	if (!service_allowed(&a->authz, p->service)) {
		bool file = p->service != MMS_SVC_DEFINE_NVL && p->service != MMS_SVC_DELETE_NVL;
		mms_encode_confirmed_error(resp, p->invoke_id, file ? MMS_ERR_FILE : MMS_ERR_ACCESS,
					   file ? MMS_FILE_ACCESS_DENIED :
						  MMS_ACCESS_OBJECT_ACCESS_DENIED);
		trace_line(trace, tctx, false, "ConfirmedError id=%u %s: access denied (rights)",
			   p->invoke_id, service_name(p->service));
		if (srv->audit)
			audit_denied(srv, a, p->service);
		return false;
	}
	switch (p->service) {
	case MMS_SVC_IDENTIFY:
		if (p->service_constructed || p->body_len) {
			mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
					  MMS_REJ_REQ_INVALID_ARGUMENT);
			return false;
		}
		mms_encode_identify_response(resp, p->invoke_id, &srv->ident);
		trace_line(trace, tctx, false, "Identify-Response id=%u vendor=\"%s\" model=\"%s\"",
			   p->invoke_id, srv->ident.vendor, srv->ident.model);
		return false;
	case MMS_SVC_GET_NAME_LIST:
		r = acsi_get_name_list(srv->model, p, a->max_pdu, resp, &who);
		break;
	case MMS_SVC_GET_VAR_ACCESS_ATTR:
		r = acsi_get_var_access_attr(srv->model, p, resp, &who);
		break;
	case MMS_SVC_READ:
		r = acsi_read(srv->model, p, resp, &who);
		break;
	case MMS_SVC_WRITE:
	{
		struct acsi_write_job *job = NULL;
		r = acsi_write(srv->model, p, resp, a->emit ? &job : NULL, &who);
		if (r == ACSI_DEFERRED) {
			job->done = write_done;
			job->ctx = a;
			job->next = a->jobs;
			if (a->jobs)
				a->jobs->prev = job;
			a->jobs = job;
			trace_line(trace, tctx, false, "Write id=%u waits for its source(s)",
				   p->invoke_id);
			return true;
		}
		break;
	}
	case MMS_SVC_GET_NVL_ATTR:
		r = acsi_get_nvl_attr(srv->model, p, resp, &who);
		break;
	case MMS_SVC_DEFINE_NVL:
		r = acsi_define_nvl(srv->model, srv->reports, &srv->ds_limits, &a->rpt, p, resp);
		if (srv->audit && !r)
			audit_request(srv, a, p, resp);
		break;
	case MMS_SVC_DELETE_NVL:
		r = acsi_delete_nvl(srv->model, srv->reports, srv->gpub, &a->rpt, p, resp);
		if (srv->audit && !r)
			audit_request(srv, a, p, resp);
		break;
	case MMS_SVC_FILE_DIRECTORY: case MMS_SVC_FILE_OPEN: case MMS_SVC_FILE_READ:
	case MMS_SVC_FILE_CLOSE: case MMS_SVC_FILE_DELETE: case MMS_SVC_FILE_RENAME:
	case MMS_SVC_OBTAIN_FILE: {
		const char *why = NULL; /* ISO 9506-2 Annex D, acsi/files.c */
		r = acsi_files_serve_async(srv->files, &a->files, p, a->max_pdu, resp, &why,
					   a->emit ? file_read_done : NULL, a);
		if (r == ACSI_FILES_DEFERRED) {
			trace_line(trace, tctx, false, "FileRead id=%u waits for the disk",
				   p->invoke_id);
			return true;
		}
		if (srv->audit && !r)
			audit_request(srv, a, p, resp);
		if (!r && why) {
			trace_line(trace, tctx, false, "ConfirmedError id=%u %s: %s", p->invoke_id,
				   service_name(p->service), why);
			return false;
		}
		break;
	}
	default:
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_SERVICE, MMS_SERVICE_OTHER);
		return false;
	}
	if (r == -EBADMSG) {
		/* ISO 9506-2 §7.4: an argument that does not decode is rejected */
		buf_reset(resp, resp->head);
		mms_encode_reject(resp, true, p->invoke_id, MMS_REJ_CONFIRMED_REQUEST,
				  MMS_REJ_REQ_INVALID_ARGUMENT);
		trace_line(trace, tctx, false, "Reject id=%u invalid-argument (%s)", p->invoke_id,
			   service_name(p->service));
		return false;
	}
	trace_line(trace, tctx, false, "%s-Response id=%u (%zu octets)", service_name(p->service),
		   p->invoke_id, resp->len);
	return false;
}

const char *mms_server_service_name(unsigned tag)
{
	return service_name(tag);
}

static int on_data(struct mms_assoc *a, struct mms_server *srv, const struct iso_event *ev,
		   struct buf *out, struct proto_err *err, mms_trace_fn trace, void *tctx)
{
	struct mms_pdu p;
	int r;

	/* One response buffer for the whole server (one thread), kept between
	 * requests: no allocation per request once it has grown. Its limit is
	 * the negotiated PDU size (ISO 9506-1 §8.2.2.1). */
	struct buf *resp = &srv->scratch;
	buf_reset(resp, ISO_HEADROOM);
	resp->limit = a->max_pdu;

	r = mms_pdu_decode(ev->data, ev->len, &p, err);
	if (r) {
		if (p.has_invoke_id && p.kind == MMS_CONFIRMED_REQUEST) {
			mms_encode_reject(resp, true, p.invoke_id, MMS_REJ_CONFIRMED_REQUEST,
					  MMS_REJ_REQ_INVALID_ARGUMENT);
		} else {
			mms_encode_reject(resp, false, 0, MMS_REJ_PDU_ERROR,
					  ev->len && (ev->data[0] & 0x1F) > MMS_CONCLUDE_ERROR ?
						  MMS_REJ_PDU_UNKNOWN_TYPE : MMS_REJ_PDU_INVALID);
		}
		trace_line(trace, tctx, true, "invalid MMS PDU (%s); answered with Reject", err ? err->reason : "?");
		r = 0;
		goto send;
	}
	switch (p.kind) {
	case MMS_CONFIRMED_REQUEST:
		trace_line(trace, tctx, true, "%s-Request id=%u (%zu octets)", service_name(p.service),
			   p.invoke_id, ev->len);
		a->requests++;
		srv->st.requests[p.service < MMS_SVC_MAX_TAG ? p.service : MMS_SVC_MAX_TAG]++;
		if (serve(a, srv, &p, resp, trace, tctx))
			return MMS_STEP_CONTINUE; /* answered when the sources have */
		if (resp->err == -EMSGSIZE) {
			/* ISO 9506-2: a response that would exceed the negotiated
			 * size is replaced by a confirmed-error service/pdu-size. */
			buf_reset(resp, ISO_HEADROOM);
			mms_encode_confirmed_error(resp, p.invoke_id, MMS_ERR_SERVICE,
						   MMS_SERVICE_PDU_SIZE);
		}
		/* a confirmed-error or a reject counts as the service's error */
		if (resp->len && buf_data(resp)[0] != 0xA1)
			srv->st.errors[p.service < MMS_SVC_MAX_TAG ? p.service : MMS_SVC_MAX_TAG]++;
		break;
	case MMS_CONCLUDE_REQUEST:
		trace_line(trace, tctx, true, "Conclude-Request");
		if (a->jobs || acsi_files_busy(a->files)) {
			/* ISO 9506-1 §8.4: not while requests are outstanding */
			mms_encode_conclude_error(resp, MMS_CONCLUDE_FURTHER_COMMUNICATION);
			trace_line(trace, tctx, false,
				   "Conclude-Error further-communication-required "
				   "(a request waits)");
			break;
		}
		mms_encode_conclude(resp, true);
		a->concluded = true;
		trace_line(trace, tctx, false, "Conclude-Response");
		break;
	case MMS_INITIATE_REQUEST:
		mms_encode_reject(resp, false, 0, MMS_REJ_PDU_ERROR, MMS_REJ_PDU_INVALID);
		trace_line(trace, tctx, true, "Initiate-Request on an associated connection; Reject");
		break;
	case MMS_CONFIRMED_RESPONSE:
	case MMS_CONFIRMED_ERROR:
		/* ObtainFile: the client answers iedd's FileOpen/Read/Close */
		if (acsi_files_response(srv->files, &a->files, &p, resp, NULL))
			break;
		/* no request of iedd's has this invokeID */
		mms_encode_reject(resp, p.has_invoke_id, p.invoke_id,
				  p.kind == MMS_CONFIRMED_RESPONSE ? MMS_REJ_CONFIRMED_RESPONSE :
								     MMS_REJ_CONFIRMED_ERROR,
				  p.kind == MMS_CONFIRMED_RESPONSE ? MMS_REJ_RESP_INVALID_INVOKE_ID :
								     MMS_REJ_ERR_INVALID_INVOKE_ID);
		break;
	case MMS_REJECT:
	case MMS_UNCONFIRMED:
		trace_line(trace, tctx, true, "%s PDU from the client; ignored",
			   p.kind == MMS_REJECT ? "Reject" : "Unconfirmed");
		return MMS_STEP_CONTINUE; /* no response to these */
	default:
		mms_encode_reject(resp, false, 0, MMS_REJ_PDU_ERROR, MMS_REJ_PDU_UNKNOWN_TYPE);
		trace_line(trace, tctx, true, "MMS PDU type %u not supported; Reject", p.kind);
		break;
	}
send:
	r = iso_send_data(&a->iso, resp, out);
	if (r)
		return proto_fail(err, "mms", "cannot send response (%s)", strerror(-r));
	return MMS_STEP_CONTINUE;
}

int mms_assoc_input(struct mms_assoc *a, struct mms_server *srv, const uint8_t *tpkt,
		    size_t len, struct buf *out, struct proto_err *err, mms_trace_fn trace,
		    void *trace_ctx)
{
	struct iso_event ev;
	if (!a->srv)
		a->srv = srv; /* mms_assoc_clear ends its reports and data sets */
	int r = iso_input(&a->iso, tpkt, len, out, &ev, err);
	if (r) {
		if (a->iso.state != ISO_CLOSED)
			iso_abort(&a->iso, out);
		return r;
	}
	switch (ev.type) {
	case ISO_EV_ASSOCIATE:
		r = on_associate(a, srv, &ev, out, err, trace, trace_ctx);
		break;
	case ISO_EV_DATA:
		r = on_data(a, srv, &ev, out, err, trace, trace_ctx);
		break;
	case ISO_EV_RELEASED:
		trace_line(trace, trace_ctx, true, "A-RELEASE (RLRQ); answered RLRE");
		return MMS_STEP_CLOSE;
	case ISO_EV_ABORTED:
		trace_line(trace, trace_ctx, true, "A-ABORT from the client");
		return MMS_STEP_CLOSE;
	case ISO_EV_DISCONNECTED:
		trace_line(trace, trace_ctx, true, "COTP DR from the client");
		return MMS_STEP_CLOSE;
	default:
		return a->iso.state == ISO_CLOSED ? MMS_STEP_CLOSE : MMS_STEP_CONTINUE;
	}
	if (r < 0 && a->iso.state != ISO_CLOSED)
		iso_abort(&a->iso, out);
	return r;
}
