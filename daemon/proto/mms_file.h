/* SPDX-License-Identifier: Apache-2.0 */
/* MMS file management (ISO 9506-2 Annex D, "file access"; IEC 61850-8-1
 * §23 maps GetFile, DeleteFile and GetFileAttributeValues onto these):
 * FileDirectory, FileOpen, FileRead, FileClose, FileDelete, FileRename.
 * Server side: request decoders and response encoders; client side (iedc):
 * request encoders and response decoders. Sans I/O, no globals.
 *
 * Decoders take the contents of the service tag (mms_pdu.body), never read
 * past `len`, nest only through ber_enter, and report refusals in `err`
 * with layer "mms". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
#include "mms.h"
#include "perr.h"

/* The ServiceError errorClass file values (ISO 9506-2 §7.4.1, class file
 * [11]) are the one table of mms_codes.h: MMS_FILE_OTHER ... 
 * MMS_FILE_INSUFFICIENT_SPACE. */
/* "file-non-existent" and so on; "file-error-N" outside the list (static
 * buffer then). */
const char *mms_file_error_name(int code);

/* Longest file name iedd accepts, in octets once joined (as the store
 * limits every name: NAME_MAX of the Linux file systems). */
#define MMS_FILE_NAME_MAX 255
/* BER tag of GraphicString (ISO/IEC 8824-1 §8.4), FileName's component. */
#define MMS_TAG_GraphicString 25
#define MMS_TAG_GeneralizedTime 24

/* A decoded FileName ::= SEQUENCE OF GraphicString. IEC 61850 clients send
 * one component holding the whole path ("/COMTRADE/rec1.cfg"); several
 * components are joined with '/'. A name that is too long, empty, or holds
 * NUL or control characters still decodes (so the service can answer
 * filename-syntax-error, ISO 9506-1 §24.2.13, rather than a Reject), with
 * `syntax_ok` false; then `s` holds no usable name. */
struct mms_file_name {
	char s[MMS_FILE_NAME_MAX + 1];
	size_t len;
	bool syntax_ok;
};

/* FileAttributes: sizeOfFile [0] Unsigned32, lastModified [1]
 * GeneralizedTime OPTIONAL. Times are milliseconds since 1970 UTC. */
struct mms_file_attr {
	uint32_t size;
	bool has_mtime;
	int64_t mtime_ms;
};

/* One directory entry handed from a file store to the FileDirectory
 * encoder: returns 0 to go on, 1 when the response is full. */
typedef int (*mms_file_entry_fn)(void *ctx, const char *name, const struct mms_file_attr *a);

/* GeneralizedTime as iedd sends it: "YYYYMMDDHHMMSS.fffZ" (UTC, ISO/IEC
 * 8824-1 §46). out needs 24 octets. */
void mms_file_time_format(int64_t ms, char out[24]);
/* Parses YYYYMMDDHHMMSS with optional .f... fraction and optional Z (local
 * times without Z are taken as UTC: MMS servers send UTC). -EINVAL if not. */
int mms_file_time_parse(const uint8_t *p, size_t n, int64_t *ms);

/* ---- server side: requests ---- */

struct mms_file_dir_req {
	bool has_spec;
	struct mms_file_name spec;	/* fileSpecification [0] */
	bool has_continue_after;
	struct mms_file_name continue_after;	/* continueAfter [1] */
};
int mms_file_dir_req_decode(const uint8_t *body, size_t len, struct mms_file_dir_req *out,
			    struct proto_err *err);

struct mms_file_open_req {
	struct mms_file_name name;	/* fileName [0] */
	uint32_t initial_position;	/* [1] Unsigned32 */
};
int mms_file_open_req_decode(const uint8_t *body, size_t len, struct mms_file_open_req *out,
			     struct proto_err *err);
/* FileRead and FileClose requests are an Integer32 FRSM ID (primitive
 * service tag, body = the INTEGER's contents). */
int mms_file_frsm_decode(const uint8_t *body, size_t len, int32_t *frsm, struct proto_err *err);
/* FileDelete-Request ::= FileName (body = the SEQUENCE OF's contents). */
int mms_file_delete_req_decode(const uint8_t *body, size_t len, struct mms_file_name *out,
			       struct proto_err *err);
struct mms_file_rename_req {
	struct mms_file_name from;	/* currentFileName [0] */
	struct mms_file_name to;	/* newFileName [1] */
};
int mms_file_rename_req_decode(const uint8_t *body, size_t len, struct mms_file_rename_req *out,
			       struct proto_err *err);

/* ObtainFile-Request (ISO 9506-2 Annex D): sourceFileServer [0]
 * ApplicationReference OPTIONAL (skipped: iedd fetches from the requesting
 * client only, so its presence is only reported), sourceFile [1],
 * destinationFile [2]. */
struct mms_file_obtain_req {
	bool has_source_server;
	struct mms_file_name source;
	struct mms_file_name destination;
};
int mms_file_obtain_req_decode(const uint8_t *body, size_t len, struct mms_file_obtain_req *out,
			       struct proto_err *err);
void mms_file_obtain_req_encode(struct buf *b, uint32_t invoke_id, const char *source,
				const char *destination);

/* ---- server side: responses (whole Confirmed-ResponsePDUs) ---- */

/* FileDirectory-Response, built entry by entry: begin, entry..., end. */
struct mms_file_dir_marks {
	struct mms_marks pdu;
	size_t list, seq;
};
void mms_file_dir_resp_begin(struct buf *b, uint32_t invoke_id, struct mms_file_dir_marks *m);
void mms_file_dir_resp_entry(struct buf *b, const char *name, const struct mms_file_attr *a);
void mms_file_dir_resp_end(struct buf *b, const struct mms_file_dir_marks *m, bool more_follows);
/* Octets one entry takes at most in the response; and the most that
 * begin/end add around the entries once their lengths are known (five
 * nested lengths of up to 5 octets, invokeID, moreFollows). A server adds
 * entries while len + entry <= max_pdu - MMS_FILE_DIR_OVERHEAD. */
size_t mms_file_dir_entry_size(const char *name, const struct mms_file_attr *a);
#define MMS_FILE_DIR_OVERHEAD 48

void mms_file_open_resp_encode(struct buf *b, uint32_t invoke_id, int32_t frsm,
			       const struct mms_file_attr *a);
/* FileRead-Response: fileData [0] and moreFollows [1] (always sent). */
void mms_file_read_resp_encode(struct buf *b, uint32_t invoke_id, const uint8_t *data, size_t n,
			       bool more_follows);
/* Octets a FileRead-Response adds around its data, at most: a server reads
 * chunks of max_pdu - MMS_FILE_READ_OVERHEAD. */
#define MMS_FILE_READ_OVERHEAD 32
/* FileClose, FileDelete, FileRename, ObtainFile responses: NULL under the
 * service tag. */
void mms_file_null_resp_encode(struct buf *b, uint32_t invoke_id, uint32_t service);

/* ---- client side: requests (whole Confirmed-RequestPDUs) ---- */

/* spec and continue_after may be NULL (absent). */
void mms_file_dir_req_encode(struct buf *b, uint32_t invoke_id, const char *spec,
			     const char *continue_after);
void mms_file_open_req_encode(struct buf *b, uint32_t invoke_id, const char *name,
			      uint32_t initial_position);
/* FileRead or FileClose (service MMS_SVC_FILE_READ / _CLOSE). */
void mms_file_frsm_req_encode(struct buf *b, uint32_t invoke_id, uint32_t service, int32_t frsm);
void mms_file_delete_req_encode(struct buf *b, uint32_t invoke_id, const char *name);
void mms_file_rename_req_encode(struct buf *b, uint32_t invoke_id, const char *from,
				const char *to);

/* ---- client side: responses (body = mms_pdu.body after mms_client_check) ---- */

struct mms_file_dir_resp {
	struct ber_cur entries;	/* over listOfDirectoryEntry's SEQUENCE OF */
	uint32_t count;
	bool more_follows;	/* DEFAULT FALSE */
};
/* Validates every entry so that mms_file_dir_resp_next cannot fail. */
int mms_file_dir_resp_decode(const uint8_t *body, size_t len, struct mms_file_dir_resp *out,
			     struct proto_err *err);
/* The next entry: 1 = got one, 0 = end, <0 error. */
int mms_file_dir_resp_next(struct mms_file_dir_resp *r, struct mms_file_name *name,
			   struct mms_file_attr *a, struct proto_err *err);
int mms_file_open_resp_decode(const uint8_t *body, size_t len, int32_t *frsm,
			      struct mms_file_attr *a, struct proto_err *err);
/* data points into body. */
int mms_file_read_resp_decode(const uint8_t *body, size_t len, const uint8_t **data, size_t *n,
			      bool *more_follows, struct proto_err *err);
