/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE frames (IEC 61850-8-1 §18, Annex A and Annex C): the Ethernet frame
 * with its optional IEEE 802.1Q tag, the GOOSE header (APPID, Length,
 * Reserved1, Reserved2) and the goosePdu, encoded by the publisher and
 * decoded by the subscriber and `iedc goose listen`. Sans I/O, no
 * allocation in the decoder, no globals.
 *
 *   dst(6) src(6) [0x8100 TCI(2)] 0x88B8 APPID(2) Length(2) Reserved1(2)
 *   Reserved2(2) goosePdu
 *
 * Length counts from APPID to the end of the goosePdu (8-1 §C.2.3.1).
 * goosePdu ::= [APPLICATION 1] IMPLICIT SEQUENCE {
 *   gocbRef [0] VisibleString, timeAllowedtoLive [1] INTEGER,
 *   datSet [2] VisibleString, goID [3] VisibleString OPTIONAL,
 *   t [4] UtcTime, stNum [5] INTEGER, sqNum [6] INTEGER,
 *   simulation [7] BOOLEAN DEFAULT FALSE (Ed.1 "test"), confRev [8] INTEGER,
 *   ndsCom [9] BOOLEAN DEFAULT FALSE, numDatSetEntries [10] INTEGER,
 *   allData [11] SEQUENCE OF Data, security [12] ANY OPTIONAL }
 *
 * Choices where the standard leaves room (README material):
 * - String sizes: 7-2 Ed.2 makes GoCBRef and DatSet ObjectReferences
 *   (VisString129) and GoID VisString129; Ed.1 had 65 octets for GoID and
 *   the references. Both directions allow 129 (GOOSE_MAX_STRING), which
 *   covers both editions; a publisher of an Ed.1 model keeps to 65 through
 *   its model, not through this codec.
 * - Frame size: the encoded frame (without the FCS the interface adds) is
 *   at most 1514 octets, 1518 with the 802.1Q tag: 1518/1522 on the wire,
 *   the IEEE 802.3 maxima. No padding: the mandatory fields alone make
 *   every GOOSE frame longer than the Ethernet minimum of 60 octets.
 * - Integers: INT32U fields (timeAllowedtoLive, stNum, sqNum, confRev,
 *   numDatSetEntries) are accepted in 1..5 octets with leading zeros, as the
 *   fixed-length encoding of 8-1 Ed.2 Table A.2 sends them; negative values
 *   and values above 2^32-1 are refused. The encoder writes them minimally.
 * - simulation and ndsCom are always encoded; absent on decode, they are
 *   FALSE (their ASN.1 DEFAULT).
 * - The Ed.2 simulation bit (Reserved1 bit 15) and the PDU's simulation
 *   BOOLEAN are decoded separately (the subscriber judges a mismatch); the
 *   encoder refuses the bit without the BOOLEAN, which 8-1 Ed.2 forbids
 *   (Wireshark reports it as an invalid GOOSE).
 * - security [12] is accepted and skipped (not checked, not kept).
 * - Octets after Length are refused (they can be no Ethernet padding, see
 *   above). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
#include "perr.h"

#define GOOSE_ETHERTYPE	0x88B8
#define GOOSE_TPID	0x8100	/* IEEE 802.1Q tag protocol identifier */
/* Longest frame without FCS: untagged, tagged. */
#define GOOSE_MAX_FRAME		1514
#define GOOSE_MAX_FRAME_VLAN	1518
/* gocbRef, datSet, goID: at most this many characters (VisString129). */
#define GOOSE_MAX_STRING	129
/* Nesting of structures and arrays inside one allData member. 8-1 data
 * set members are FCDs or FCDAs: a few levels deep in any real model. */
#define GOOSE_MAX_NESTING	16
/* 8-1 §C.2.3.1: Reserved1 bit 15 is the Ed.2 simulation bit. */
#define GOOSE_RESERVED1_SIM	0x8000

/* One GOOSE frame, as the publisher fills it for goose_encode and as
 * goose_decode returns it. */
struct goose_frame {
	uint8_t dst[6], src[6];
	bool vlan;		/* an 802.1Q tag is present / to be sent */
	uint8_t priority;	/* PCP 0..7 (8-1 recommends 4 for GOOSE) */
	bool dei;		/* drop eligible indicator */
	uint16_t vid;		/* VLAN-ID 0..4095 */
	uint16_t appid;
	/* Decode: Reserved1 as received and its bit 15 in `simulation`.
	 * Encode: bits 0..14 of reserved1 are sent as given, bit 15 is
	 * `simulation`. */
	bool simulation;
	uint16_t reserved1, reserved2;
	/* NUL-terminated, at most GOOSE_MAX_STRING characters. Encode: the
	 * caller's; go_id NULL omits goID. Decode: they point into `text`
	 * below (so they do not survive a copy of the struct), go_id NULL
	 * when the frame has no goID. */
	const char *gocb_ref, *dat_set, *go_id;
	uint32_t tal_ms;	/* timeAllowedtoLive */
	uint8_t t[8];		/* UtcTime (8-1 §8.1.3.7) as on the wire */
	uint32_t st_num, sq_num;
	bool test;		/* the PDU's simulation (Ed.2) / test (Ed.1) BOOLEAN */
	uint32_t conf_rev;
	bool nds_com;
	uint32_t n_entries;	/* numDatSetEntries */
	/* The allData contents: n_entries MMS Data TLVs back to back (as
	 * model_encode_data writes them). Encode: the caller's. Decode: into
	 * the frame, each member already checked (see goose_decode). */
	const uint8_t *all_data;
	size_t all_data_len;
	bool has_security;	/* decode: a security [12] field was present */
	/* Decode only: storage of the strings. */
	struct {
		char gocb_ref[GOOSE_MAX_STRING + 1];
		char dat_set[GOOSE_MAX_STRING + 1];
		char go_id[GOOSE_MAX_STRING + 1];
	} text;
};

/* Appends the whole frame for `f` to `out` (normally an empty buffer).
 * Returns 0; -EINVAL (err says which field: a string missing, too long or
 * not visible ASCII, priority > 7, vid > 4095, the simulation bit without
 * test, all_data not n_entries well-formed Data members); -EMSGSIZE (err:
 * the frame would exceed GOOSE_MAX_FRAME / GOOSE_MAX_FRAME_VLAN); or
 * out->err. On failure out->len is back where it was (unless out->err).
 * err (layer "goose") may be NULL. */
int goose_encode(const struct goose_frame *f, struct buf *out, struct proto_err *err);

/* Decodes frame[len] (starting at the destination MAC, without FCS) into
 * *out. Returns 0 or -EBADMSG with err (layer "goose") naming the reason:
 * truncated anywhere, EtherType not 0x88B8 (after an optional 802.1Q tag),
 * Length below 8 or disagreeing with the frame, no goosePdu [APPLICATION 1]
 * or octets after it, a BER length past its container, fields out of order,
 * repeated, unknown or missing, a string over GOOSE_MAX_STRING or not
 * visible ASCII, t not 8 octets, a BOOLEAN not 1 octet, an INT32U field
 * negative or over 2^32-1, numDatSetEntries different from the number of
 * allData members, or an allData member that is not well-formed MMS Data
 * (goose_data_check). Reads only frame[0..len); never allocates. */
int goose_decode(const uint8_t *frame, size_t len, struct goose_frame *out,
		 struct proto_err *err);

/* Checks that p[len] is a sequence of well-formed MMS Data TLVs (ISO 9506-2
 * Data as IEC 61850-8-1 uses it): array [1] and structure [2] constructed
 * and nested at most GOOSE_MAX_NESTING levels; boolean [3] 1 octet;
 * bit-string [4] and booleanArray [14] with an unused-bits octet of at most
 * 7 (0 when empty); integer [5] and bcd [13] 1..8 octets; unsigned [6]
 * 1..9 octets, not negative (9 only with a leading zero); floating-point [7]
 * 5 octets with exponent width 8 or 9 with 11; octet-string [9], objId
 * [15], mMSString [16] any; visible-string [10] visible ASCII; binary-time
 * [12] 4 or 6 octets; utc-time [17] 8 octets. real [8] and
 * generalized-time [11] (unused by 8-1) and any other tag are refused.
 * *n (may be NULL) = the number of top-level members. 0 or -EBADMSG. */
int goose_data_check(const uint8_t *p, size_t len, uint32_t *n, struct proto_err *err);

/* The allData members of a decoded (or encoded) frame one at a time:
 *   struct ber_cur c; struct ber_tlv m;
 *   goose_members(f, &c);
 *   while (goose_member_next(&c, &m)) ... m is one Data TLV (m.start ..
 *   m.val + m.len); descend with ber_enter/ber_next ...
 * goose_member_next returns false at the end (and on a malformed member,
 * which goose_decode has already refused). */
static inline void goose_members(const struct goose_frame *f, struct ber_cur *c)
{
	ber_cur_init(c, f->all_data, f->all_data_len);
}
static inline bool goose_member_next(struct ber_cur *c, struct ber_tlv *m)
{
	return ber_next(c, m, NULL) == 0;
}

/* The publisher's retransmission shortcut: rewrites timeAllowedtoLive,
 * t, stNum and sqNum in frame[len], a frame goose_encode produced (or any
 * frame goose_decode accepts), in place. Returns 0; -ERANGE when a new
 * value's minimal INTEGER encoding is not as wide as the one in the frame
 * (re-encode with goose_encode then; nothing was written); -EBADMSG when
 * the frame does not decode that far. Cost: a walk over the first seven
 * header TLVs, no allocation. */
int goose_patch(uint8_t *frame, size_t len, uint32_t tal_ms, const uint8_t t[8],
		uint32_t st_num, uint32_t sq_num);
