/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE inputs in the CSV map (schemas/map-format.md "GOOSE inputs"):
 * rows whose source is `goose` are subscription inputs, not process
 * variables. Run on the map before pv sees it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct map;
struct model;

/* The source name that marks a GOOSE input row (reserved: no <source>
 * may be called so). */
#define GOOSE_MAP_SOURCE "goose"

/* Moves every `goose` row of `map` into the model's subscriptions
 * (model_goose_map_input; with `subscribe` false, as on a reload whose
 * model already has them, the rows are only checked and taken out) and
 * takes it out of `map`; then the rows left that would write the target
 * of a GOOSE input (an ExtRef's intAddr or a goose row): with `simulated`
 * (the simulator's own map) they are dropped, otherwise refused.
 * *n_taken (may be NULL) = goose rows taken; *sig (may be NULL) a hash of
 * the goose rows' references and addresses in order, 0 for none (a
 * reload compares it: subscriptions are made at start only). Returns 0 or -EINVAL/-ENOMEM
 * with err[errlen] "file:line:column: problem". */
int goose_map_take(struct model *m, struct map *map, bool simulated, bool subscribe,
		   size_t *n_taken, uint64_t *sig, char *err, size_t errlen);
