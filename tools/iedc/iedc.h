/* SPDX-License-Identifier: Apache-2.0 */
/* iedc internals: the commands and what they share. Each command runs on an
 * open association and returns an iedc_status, with c->errmsg set on
 * failure; it writes its result to stdout. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "mms_access.h"
#include "mms_client.h"

/* A growable list of names, owned. */
struct names {
	char **v;
	size_t n, cap;
};
void names_clear(struct names *l);

/* All names of one GetNameList, following moreFollows with continueAfter.
 * `domain` NULL asks for VMD-specific names (the domains themselves). */
int svc_name_list(struct client *c, int object_class, const char *domain, struct names *out);
/* GetVariableAccessAttributes: the type of `name` (*type is the caller's). */
int svc_type(struct client *c, const struct mms_objname *name, const char *ref,
	     struct mms_typespec **type);
/* Read of the one variable `name`: *a is its AccessResult (a->failure,
 * or the Data in a->data, valid until the next request on c). `what`
 * names the request in messages ("Read of LD/LN.DO.ctlModel[CF]"). An
 * answer that is not one result is IEDC_PROTOCOL; a refused Read, as
 * client_call says. */
struct mms_access_result;
int svc_read_one(struct client *c, const struct mms_objname *name, const char *what,
		 struct mms_access_result *a);
/* Sets c->errmsg and returns `status`. */
int iedc_fail(struct client *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Output (out.c). */
void json_str(FILE *f, const char *s);
/* After a "value" member: the words iedc prints beside a Quality, a Dbpos
 * or a time read on its own, as "valueText" (and "valueQuality", the
 * TimeQuality octet); nothing for other values. */
void json_value_words(FILE *f, const uint8_t *data, size_t len, const struct mms_typespec *type);
/* A type as JSON: {"name":…,"type":"structure","components":[…]} and so on. */
void json_type(FILE *f, const struct mms_typespec *t, const char *name);

int cmd_identify(struct client *c, bool json);
int cmd_browse(struct client *c, bool json, const char *ld);
int cmd_read(struct client *c, bool json, const char *ref, const struct mms_objname *name);
int cmd_write(struct client *c, bool json, const char *ref, const struct mms_objname *name,
	      const char *value);
int cmd_datasets(struct client *c, bool json, const char *ld);
/* iedc file ls|get|rm|mv (file.c); args as after HOST. */
int cmd_file(struct client *c, bool json, const char *sub, char **args, int nargs);

/* iedc dataset create|delete (report.c); args as after HOST:
 * NAME [MEMBER...], NAME LD/LN.NAME or @NAME. dataset_args_check says,
 * before connecting, whether they are usable (IEDC_USAGE, why[n]). */
int dataset_args_check(const char *sub, char **args, int nargs, char *why, size_t n);
int cmd_dataset(struct client *c, bool json, const char *sub, char **args, int nargs);

/* iedc report (report.c). */
struct report_opts {
	const char *rcb;		/* LD/LN.RP.NAME, LD/LN$BR$NAME, LD/LN.NAME ... */
	bool gi;			/* GI=true after enabling */
	const char *trgops;		/* NULL: leave TrgOps */
	bool has_intgpd, has_buftm;
	uint32_t intgpd, buftm;		/* ms */
	const char *entry_id;		/* 16 hex digits, or NULL */
	uint32_t count;			/* stop after this many reports; 0: at SIGINT/SIGTERM */
	bool use_dataset;		/* define @iedcNNNN of members[] and report it */
	char **members;
	int n_members;
};
int report_args_check(const struct report_opts *o, char *why, size_t n);
/* Configures and enables the RCB, prints each report as one line (text or JSON) as it
 * arrives, and at the end (count reached, SIGINT, SIGTERM) writes RptEna=false and, for
 * an URCB, Resv=false. */
int cmd_report(struct client *c, bool json, const struct report_opts *o);

/* A data set reference "LD/LN.NAME" or "LD/LN$NAME" (IEC 61850-8-1 §14: the
 * named variable list LN$NAME of domain LD; NAME is no functional
 * constraint) into *out. Returns 0 or -EINVAL. */
int dataset_parse(const char *ref, struct mms_objname *out);
/* iedc read of a data set: its members (GetNamedVariableListAttributes),
 * then one Read with variableListName; each member printed with its
 * reference and value. */
int cmd_read_dataset(struct client *c, bool json, const char *ref,
		     const struct mms_objname *list);

/* iedc control (control.c). */
struct control_opts {
	const char *ref;		/* LD/LN.DO[.SDO...][.Oper], LD/LN$CO$DO[$Oper] */
	const char *value;		/* ctlVal as text */
	bool select_only;		/* --select: select, and no operate */
	bool cancel;			/* --cancel: Cancel instead of Oper */
	bool test;			/* --test: Test=true */
	const char *check_text;		/* --check interlock,synchro */
	const char *orcat_text;		/* --orcat N|NAME; NULL: remote-control */
	const char *orident;		/* --orident; NULL: "iedc@<hostname>" */
	const char *at;			/* --at TIME|+MS: operTm; NULL: at once */
	int term_timeout;		/* ms to wait for CommandTermination */
	/* filled by control_args_check */
	uint8_t check;			/* bit 0 synchrocheck, bit 1 interlock-check */
	int32_t or_cat;
	char ld[MMS_MAX_DOMAIN + 1];
	char ln[MMS_MAX_ITEM + 1];
	char dopath[MMS_MAX_ITEM + 1];	/* "Pos", "SetTurOp$actSt" */
};
/* Checks and completes the options before connecting (IEDC_USAGE, why[n]). */
int control_args_check(struct control_opts *o, char *why, size_t n);
/* Reads ctlModel and runs its sequence (select, operate or cancel, and the
 * wait for CommandTermination), printing each step. IEDC_SERVICE (7) for a
 * command refused by the server or, status-only, by iedc itself;
 * IEDC_TIMEOUT when no CommandTermination came in time. */
int cmd_control(struct client *c, bool json, const struct control_opts *o);

/* iedc goose listen (goose.c): GOOSE frames on the interface `ifname`, one
 * line or JSON object each, until `count` frames (0: SIGINT/SIGTERM);
 * appid -1 and gocb NULL: every frame. IEDC_OK, IEDC_CONNECT when the
 * interface cannot be captured on (missing, no CAP_NET_RAW). */
int cmd_goose_listen(const char *ifname, bool json, long appid, const char *gocb, uint32_t count);
