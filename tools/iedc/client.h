/* SPDX-License-Identifier: Apache-2.0 */
/* A blocking MMS client association over TCP, for iedc: connect, associate,
 * confirmed request/response, conclude and release. Uses the same sans-I/O
 * stack as the daemon (daemon/proto). */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "iso.h"
#include "mms.h"

/* Exit codes of iedc, also returned (negated) by client calls. */
enum iedc_status {
	IEDC_OK = 0,
	IEDC_USAGE = 2,
	IEDC_CONNECT = 3,	/* connection refused, unreachable, name not found */
	IEDC_REJECTED = 4,	/* COTP DR, presentation or ACSE refusal, Initiate-Error */
	IEDC_PROTOCOL = 5,	/* malformed or unexpected PDU from the server */
	IEDC_TIMEOUT = 6,	/* no answer in time */
	IEDC_SERVICE = 7,	/* the server answered with an MMS error or reject */
	/* internal, never an exit status: client_wait_unconfirmed saw *c->stop set */
	IEDC_INTERRUPTED = 64,
};

struct client;
/* Called for every Unconfirmed-PDU (an InformationReport) that arrives,
 * also while a confirmed request waits for its response; `p` and its body
 * are valid during the call only. Without a handler such PDUs are ignored. */
typedef void client_unconfirmed_fn(struct client *c, const struct mms_pdu *p, void *ctx);

/* TLS for every association of this process (iedc --tls): the client's
 * certificate and key (mutual authentication, IEC 62351-3) and the CA file
 * the server's certificate must validate against (NULL: the system's trust
 * store). The strings are the caller's and must stay until the last
 * client_open. The default port becomes 3782. */
struct client_tls {
	const char *ca, *cert, *key;
	const char *priority;	/* GnuTLS priority string; NULL: TLS 1.3 and 1.2 */
	bool resume;		/* offer the last session of the same struct client */
};
void client_set_tls(const struct client_tls *t);
void client_forget_session(struct client *c);
/* The calling AP-title and AE-qualifier every AARQ carries from now on
 * (--ap-title, --ae-qualifier), for a server that knows its clients by them. */
struct acse_ap;
void client_set_calling(const struct acse_ap *ap);

struct client {
	int fd;
	void *tls;			/* gnutls_session_t over fd, or NULL: plain TCP */
	char tls_desc[128];		/* the negotiated version and suite, "" without TLS */
	bool tls_resumed;		/* the handshake resumed an earlier session */
	char tls_host[256];		/* the name the server's certificate must have:
					 * GnuTLS keeps the pointer for the session */
	/* With client_tls.resume: the session of the last association of this
	 * struct (GnuTLS session data, a TLS 1.3 ticket or a TLS 1.2 session
	 * ID), offered at the next client_open, which keeps it; freed by
	 * client_forget_session. */
	void *tls_keep;
	size_t tls_keep_len;
	struct iso_conn iso;
	struct mms_initiate neg;	/* the server's Initiate-Response */
	uint32_t next_invoke;
	int timeout_ms;
	uint8_t *rbuf;
	size_t rlen, rcap;
	struct buf resp;		/* the last response; mms_pdu.body points into it */
	char errmsg[512];
	char peer[280];
	bool json_closed;		/* --json: the command ended its document with "error" */
	client_unconfirmed_fn *on_unconfirmed;	/* may be NULL */
	void *on_unconfirmed_ctx;
	/* set by a signal handler; only client_wait_unconfirmed looks at it */
	volatile sig_atomic_t *stop;
};

/* Resolves and connects HOST[:PORT] (default port 102; [v6]:port); then
 * COTP, session, presentation, ACSE and MMS Initiate. Returns IEDC_OK or a
 * status with c->errmsg saying what failed. */
int client_open(struct client *c, const char *hostport, const char *password, int timeout_ms);
/* The same, proposing `max_pdu` octets as localDetailCalling (ISO 9506-2
 * §8.2.1); requests and answers are then bounded by what the server
 * accepted (c->neg.local_detail), which may be more or less. */
int client_open_pdu(struct client *c, const char *hostport, const char *password,
		    int timeout_ms, int max_pdu);
/* Sends an MMS PDU built in `pdu` (ISO_HEADROOM head room) and waits for the
 * next MMS PDU, copied to c->resp (decoded envelope in *p; body points into
 * c->resp until the next call). */
int client_request(struct client *c, struct buf *pdu, struct mms_pdu *p);
/* Waits, without a time limit, until one Unconfirmed-PDU has arrived and
 * been handed to c->on_unconfirmed. Returns IEDC_OK, IEDC_INTERRUPTED as
 * soon as *c->stop is set (polled at least every 200 ms, so a signal
 * handler only sets the flag), or a status with errmsg (the server closed
 * the connection, a malformed PDU, a confirmed PDU nobody asked for). */
int client_wait_unconfirmed(struct client *c);
/* The same within `ms` milliseconds (< 0: without a limit, as above):
 * IEDC_TIMEOUT when none arrived by then (*c->stop is not looked at). */
int client_wait_unconfirmed_for(struct client *c, int ms);
/* A confirmed service: sends `pdu` (built with invoke ID `invoke_id`), waits
 * for the answer and checks that it is the Confirmed-Response of `service`
 * for that invoke ID (body in p->body). A confirmed-error or Reject is
 * IEDC_SERVICE with errmsg "WHAT refused: access: object-non-existent";
 * anything else unexpected is IEDC_PROTOCOL. `what` names the request for
 * messages ("GetNameList of LD0"). */
int client_call(struct client *c, struct buf *pdu, uint32_t invoke_id, uint32_t service,
		const char *what, struct mms_pdu *p);
/* Conclude, release, close. Returns IEDC_OK or a status. */
int client_close(struct client *c);
/* Closes the socket without any protocol. */
void client_drop(struct client *c);
