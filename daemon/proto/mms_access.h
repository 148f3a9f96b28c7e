/* SPDX-License-Identifier: Apache-2.0 */
/* Server side of MMS variable access and name services (ISO 9506-2 §11,
 * §12, IEC 61850-8-1 §9, §11): request decoders and response encoders for
 * GetNameList, GetVariableAccessAttributes, Read, Write and
 * GetNamedVariableListAttributes. Sans I/O; the service logic lives in
 * daemon/acsi. The client side is mms_client.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
#include "mms.h"
#include "mms_codes.h"
#include "perr.h"

/* IEC 61850-8-1 allows 64-character domain names and 129-character items. */
#define MMS_MAX_DOMAIN 64
#define MMS_MAX_ITEM 129

enum mms_scope { MMS_SCOPE_VMD = 0, MMS_SCOPE_DOMAIN = 1, MMS_SCOPE_AA = 2 };

struct mms_objname {
	uint8_t scope;			/* enum mms_scope */
	char domain[MMS_MAX_DOMAIN + 1];	/* domain-specific only */
	char item[MMS_MAX_ITEM + 1];
};

/* ObjectName from its CHOICE TLV. */
int mms_objname_decode(const struct ber_cur *parent, const struct ber_tlv *t,
		       struct mms_objname *out, struct proto_err *err);
void mms_objname_encode(struct buf *b, const struct mms_objname *n);

/* ObjectClass values (basicObjectClass). */
enum { MMS_CLASS_NAMED_VARIABLE = 0, MMS_CLASS_NAMED_VARIABLE_LIST = 2, MMS_CLASS_JOURNAL = 8,
       MMS_CLASS_DOMAIN = 9 };

struct mms_getnamelist_req {
	int object_class;
	uint8_t scope;				/* enum mms_scope */
	char domain[MMS_MAX_DOMAIN + 1];
	bool has_continue_after;
	char continue_after[MMS_MAX_ITEM + 1];
};
int mms_getnamelist_req_decode(const uint8_t *body, size_t len, struct mms_getnamelist_req *out,
			       struct proto_err *err);

/* GetNameList response, written in three steps so a long list can be cut at
 * the negotiated PDU size: begin, add names while mms_namelist_fits(), end. */
struct mms_namelist_enc {
	struct mms_marks m;
	size_t list;
	size_t limit;		/* PDU size budget for the whole response */
	uint32_t count;
};
void mms_namelist_begin(struct buf *b, uint32_t invoke_id, size_t max_pdu,
			struct mms_namelist_enc *e);
/* Appends `name` if the response stays within the PDU size; false if not
 * (then nothing was appended and the caller ends with more_follows). */
bool mms_namelist_add(struct buf *b, struct mms_namelist_enc *e, const char *name, size_t len);
void mms_namelist_end(struct buf *b, struct mms_namelist_enc *e, bool more_follows);

/* GetVariableAccessAttributes: the request is name [0] ObjectName (address
 * [1] is not supported by IEC 61850). */
int mms_gvaa_req_decode(const uint8_t *body, size_t len, struct mms_objname *out,
			struct proto_err *err);
/* typedesc: a complete TypeSpecification TLV. */
void mms_gvaa_resp_encode(struct buf *b, uint32_t invoke_id, const uint8_t *typedesc,
			  size_t typedesc_len);

/* AlternateAccess selection (ISO 9506-2 §14.2.2), the forms IEC 61850
 * clients use: a component by name, an array index or index range, nested. */
#define MMS_MAX_ALT 8
struct mms_alt_step {
	uint8_t kind;		/* MMS_ALT_COMPONENT, _INDEX, _RANGE, _ALL */
	char component[MMS_MAX_ITEM + 1];
	uint32_t index, count;
};
enum { MMS_ALT_COMPONENT, MMS_ALT_INDEX, MMS_ALT_RANGE, MMS_ALT_ALL };
struct mms_varspec {
	struct mms_objname name;
	uint32_t n_alt;
	struct mms_alt_step alt[MMS_MAX_ALT];
};

/* A VariableAccessSpecification: a list of variables (iterate with
 * mms_varlist_next) or the name of a named variable list. */
struct mms_vas {
	bool is_list_name;
	struct mms_objname list_name;
	struct ber_cur vars;	/* over listOfVariable's SEQUENCEs */
	uint32_t n_vars;	/* counted at decode time */
};
/* Next variable; 1 = got one, 0 = end, <0 error. */
int mms_varlist_next(struct mms_vas *v, struct mms_varspec *out, struct proto_err *err);

struct mms_read_req {
	bool spec_with_result;
	struct mms_vas vas;
	const uint8_t *spec;	/* the VariableAccessSpecification TLV, for echoing */
	size_t spec_len;
};
int mms_read_req_decode(const uint8_t *body, size_t len, struct mms_read_req *out,
			struct proto_err *err);
/* Read response: begin, then for each variable either mms_access_failure()
 * or the Data, then end. With spec_with_result the request's specification
 * is echoed (raw, as received). */
void mms_read_resp_begin(struct buf *b, uint32_t invoke_id, const uint8_t *spec,
			 size_t spec_len, struct mms_marks *m, size_t *list);
void mms_read_resp_end(struct buf *b, struct mms_marks *m, size_t list);
void mms_access_failure(struct buf *b, int data_access_error);

struct mms_write_req {
	struct mms_vas vas;
	struct ber_cur data;	/* over listOfData */
	uint32_t n_data;
};
int mms_write_req_decode(const uint8_t *body, size_t len, struct mms_write_req *out,
			 struct proto_err *err);
/* Write response: begin, then per item mms_write_result(code, or MMS_DAE_SUCCESS), end. */
void mms_write_resp_begin(struct buf *b, uint32_t invoke_id, struct mms_marks *m);
void mms_write_result(struct buf *b, int data_access_error);
void mms_write_resp_end(struct buf *b, struct mms_marks *m);

/* GetNamedVariableListAttributes. */
int mms_nvl_attr_req_decode(const uint8_t *body, size_t len, struct mms_objname *out,
			    struct proto_err *err);
void mms_nvl_attr_resp_begin(struct buf *b, uint32_t invoke_id, bool deletable,
			     struct mms_marks *m, size_t *list);
void mms_nvl_attr_resp_add(struct buf *b, const char *domain, const char *item);
void mms_nvl_attr_resp_end(struct buf *b, struct mms_marks *m, size_t list);
