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

/* A data set reference "LD/LN.NAME" or "LD/LN$NAME" (IEC 61850-8-1 §14: the
 * named variable list LN$NAME of domain LD; NAME is no functional
 * constraint) into *out. Returns 0 or -EINVAL. */
int dataset_parse(const char *ref, struct mms_objname *out);
/* iedc read of a data set: its members (GetNamedVariableListAttributes),
 * then one Read with variableListName; each member printed with its
 * reference and value. */
int cmd_read_dataset(struct client *c, bool json, const char *ref,
		     const struct mms_objname *list);
