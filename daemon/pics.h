/* SPDX-License-Identifier: Apache-2.0 */
/* iedd --pics: the conformance statement of this configuration, in the
 * layout of the IEC 61850 PICS/PIXIT tables (ACSI services with the MMS
 * services that carry them, Initiate limits, RCBs, GoCBs, controls, TLS,
 * the file store). Derived from the tables the running server uses
 * (server_mms_config: the same servicesSupportedCalled and limits a client
 * is offered in Initiate) and from the loaded model; nothing hand-kept. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

struct server_cfg;
struct model;
struct tls_server;

struct pics_in {
	const struct server_cfg *scfg;	/* as server_new would get it (files set if any) */
	struct model *model;
	const struct tls_server *tls;	/* NULL: no TLS listener */
	const char *config_source;	/* iedd.xml's path, or "(embedded default)" */
	const char *files_root;		/* NULL: no file services */
	bool files_delete, files_rename, files_obtain;
};

/* Writes the statement to `f`: text tables, or with `json` one JSON
 * document. Returns 0, or -ENOMEM (nothing useful written). */
int pics_print(FILE *f, const struct pics_in *in, bool json);
