/* SPDX-License-Identifier: Apache-2.0 */
/* The OSI upper-layer association of IEC 61850-8-1 (RFC 1006 + COTP class 0
 * + session + presentation + ACSE) as one sans-I/O state machine, for both
 * ends: the server (iedd) and the client (iedc, the load generator).
 *
 * Bytes in: iso_input() takes one complete TPKT at a time (the caller frames
 * the TCP stream with tpkt_header()). Bytes out: every function appends what
 * must be sent to `out`. Upper-layer events (an association request, an MMS
 * PDU, a release) come back in struct iso_event; pointers in an event stay
 * valid until the next call on the same connection. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acse.h"
#include "buf.h"
#include "cotp.h"
#include "perr.h"
#include "pres.h"
#include "session.h"

enum iso_state {
	ISO_WAIT_CR,		/* server: nothing yet */
	ISO_WAIT_CC,		/* client: CR sent */
	ISO_TRANSPORT,		/* transport connection up, no association */
	ISO_WAIT_AC,		/* client: CN sent */
	ISO_ASSOCIATED,
	ISO_RELEASING,		/* client: FN sent */
	ISO_CLOSED,		/* released, refused or aborted: close the socket */
};

enum iso_event_type {
	ISO_EV_NONE,
	ISO_EV_CONNECTED,	/* client: CC received */
	ISO_EV_ASSOCIATE,	/* server: AARQ; answer with iso_accept/iso_refuse */
	ISO_EV_ASSOCIATED,	/* client: AARE accepted; data = Initiate-Response */
	ISO_EV_REFUSED,		/* client: refused; data = Initiate-Error if any */
	ISO_EV_DATA,		/* an MMS PDU in data/len */
	ISO_EV_RELEASED,	/* server: RLRQ answered; client: RLRE received */
	ISO_EV_ABORTED,		/* peer aborted (session AB / ACSE ABRT) */
	ISO_EV_DISCONNECTED,	/* peer sent COTP DR */
};

struct iso_event {
	uint8_t type;
	const uint8_t *data;
	size_t len;
	struct acse_apdu acse;		/* ASSOCIATE: the AARQ; client: the AARE */
	struct pres_connect pres;	/* ASSOCIATE: the CP */
	uint8_t cotp_reason;		/* DISCONNECTED */
};

/* Head room a response buffer needs for iso_send_data(). */
#define ISO_HEADROOM 32
/* Largest TSDU accepted before an association has negotiated its PDU size. */
#define ISO_MAX_TSDU_UNASSOCIATED 16384
/* What the presentation and session layers add around an MMS PDU. */
#define ISO_TSDU_OVERHEAD 64

struct iso_conn {
	uint8_t state;		/* enum iso_state */
	bool client;
	uint8_t tpdu_code;	/* negotiated TPDU size code */
	uint8_t ses_version;	/* session protocol version chosen (SES_VERSION1/2) */
	uint16_t local_ref, peer_ref;
	uint16_t tpdu_size;	/* negotiated TPDU size in octets */
	int32_t pcid_acse, pcid_mms;
	uint32_t max_pdu;	/* negotiated MMS PDU size, 0 until associated */
	uint8_t *reasm;		/* TSDU reassembly, allocated only while needed */
	size_t reasm_len, reasm_cap;
};

/* Starts a connection in its initial state. `local_ref` is our COTP
 * reference. No allocation. */
void iso_init(struct iso_conn *c, bool client, uint16_t local_ref);
/* Frees the reassembly buffer. */
void iso_clear(struct iso_conn *c);

/* Processes one TPKT (header included). Returns 0 with ev->type set, or
 * -EBADMSG (err says where) when the peer broke the protocol: the caller then
 * sends what iso_abort() writes and closes. */
int iso_input(struct iso_conn *c, const uint8_t *tpkt, size_t len, struct buf *out,
	      struct iso_event *ev, struct proto_err *err);

/* Largest TPKT the connection accepts now. */
size_t iso_max_tpkt(const struct iso_conn *c);

/* Server: accepts the association of an ISO_EV_ASSOCIATE event, sending
 * `mms` (the Initiate-ResponsePDU) in the AARE. max_pdu is the negotiated
 * MMS PDU size. */
void iso_accept(struct iso_conn *c, const struct iso_event *ev, uint32_t max_pdu,
		const uint8_t *mms, size_t mms_len, struct buf *out);
/* Server: refuses it with an AARE of the given result and diagnostic and
 * `mms` (an Initiate-ErrorPDU or NULL). The connection is then closed. */
void iso_refuse(struct iso_conn *c, const struct iso_event *ev, int result, int diagnostic,
		const uint8_t *mms, size_t mms_len, struct buf *out);
/* Server: refuses a CR before any association (too many associations). */
void iso_refuse_transport(struct iso_conn *c, uint8_t reason, struct buf *out);
/* Server over its association limit: the first TPKT of a connection that
 * will not be served. When `tpkt` (one complete TPKT, header included)
 * carries a CR, appends the DR with `reason` (ISO 8073 §6.6, e.g. 1:
 * congestion at TSAP) addressed to the CR's source reference, and returns
 * 0; anything else gets no answer and -EBADMSG. Either way the connection
 * is ISO_CLOSED: the caller sends `out` and closes. No allocation. */
int iso_refuse_cr(struct iso_conn *c, const uint8_t *tpkt, size_t len, uint8_t reason,
		  struct buf *out);

/* Sends the MMS PDU held in `pdu` (built with ISO_HEADROOM of head room); the
 * headers are prepended in place, then the framed TPKTs appended to `out`. */
int iso_send_data(struct iso_conn *c, struct buf *pdu, struct buf *out);
/* Writes an abort fitting the state (COTP DR, or session AB with an ACSE
 * ABRT) and marks the connection closed. */
void iso_abort(struct iso_conn *c, struct buf *out);

/* Client: COTP CR (TPDU size code 7..11, TSAPs 0001). */
void iso_connect(struct iso_conn *c, uint8_t tpdu_code, struct buf *out);
/* Client: CN+CP+AARQ carrying the Initiate-RequestPDU `mms`. */
struct acse_ap;
/* iso_associate with the calling AP-title and AE-qualifier of `calling`. */
void iso_associate_from(struct iso_conn *c, const char *password, const struct acse_ap *calling,
			const uint8_t *mms, size_t mms_len, struct buf *out);
void iso_associate(struct iso_conn *c, const char *password, const uint8_t *mms,
		   size_t mms_len, struct buf *out);
/* Client: FN+RLRQ. */
void iso_release(struct iso_conn *c, struct buf *out);
