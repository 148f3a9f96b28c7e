/* SPDX-License-Identifier: Apache-2.0 */
/* Durable settings (README "Durable settings") over the settings store
 * (store/setstore.h): the data access hook (acsi_setting_hook) that records
 * each client write of FC CF, DC, SP or SE, and the restore at start. Only
 * the daemon's top level sees acsi and store both (DESIGN.md), so the
 * adapter lives here. One thread (the loop's); no I/O of its own.
 *
 * A record's key is the object reference "LD/LN.DO.DA[FC]" (LD by its MMS
 * domain name) of the variable the client named, its signature the
 * variable's MMS TypeDescription (BER), its value the variable's MMS Data
 * (BER) as the model holds it after the write. */
#pragma once
#include <stddef.h>

#include "data_access.h"
#include "model.h"
#include "setstore.h"

/* The hook over `s` (the caller's; it must outlive the hook's use). */
struct acsi_setting_hook set_persist_hook(struct setstore *s);

/* Applies every record of `s` to `m` through model_write, the path of a
 * client's write: mapped attributes reach their sources' write hooks, as
 * they did when the client wrote. A record whose reference names nothing in
 * this model, whose type changed, or whose value the model refuses is
 * dropped (the SCL value stays) and the file is set aside once with the
 * reason (setstore_set_aside). Call before associations are accepted.
 * Returns the number of values applied; *dropped the number refused. */
size_t set_persist_restore(struct setstore *s, struct model *m, size_t *dropped);

/* "LD/LN.DO.DA[FC]" of `ref` into out[n]; 0, or -ENAMETOOLONG/-ENOENT. */
int set_persist_key(const struct mref *ref, char *out, size_t n);
/* The MMS names (domain, item "LN$FC$DO$DA") of a key; 0 or -EINVAL. */
int set_persist_key_mms(const char *key, char *domain, size_t dn, char *item, size_t in);
