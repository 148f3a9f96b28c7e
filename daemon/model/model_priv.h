/* Shared between the loader (scl.c) and the model's lookups and values
 * (model.c); not for other modules. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"

struct model_write_hooks;

/* struct model.priv */
struct model_priv {
	struct arena arena;		/* every node, name and table of the model */
	const struct mld **ld_by_inst;	/* sorted by inst, for model_find_ld_inst */
	struct msaddr *saddrs;		/* sorted by voff */
	size_t n_saddr;
	bool values_mapped;		/* model.values is mmap'd, not malloc'd */
	const char **warnings;
	uint32_t n_warnings;
	const struct model_write_hooks *write_hooks;	/* update.c; pv's, NULL: none */
};

/* Text form of a basic value in raw storage `v` (see model_set_text). */
int model_val_set_text(uint8_t *v, const struct mtype *t, const char *text);
void model_val_get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n);

/* Result of walking a component path below a type. */
struct mwalk {
	const struct mtype *type;
	uint32_t off;		/* relative to the start */
	int32_t index;		/* -1, or the array element taken */
	uint32_t index_step;	/* step (0-based) whose array the index applied to */
	uint32_t n_steps;
};
/* Walks `path[len]` (names separated by `sep`; a name may end in "(n)" to
 * take element n of an array) from `t`. `ix` >= 0 is taken as the index of
 * the first array that the path meets without an explicit "(n)" (SCL FCDA
 * ix). At most one index per path. A path may end at an array, never pass
 * through one without an index. Returns 0, -ENOENT (no such component,
 * index out of bounds, ix unused) or -EINVAL (malformed, two indexes). */
int mtype_walk(const struct mtype *t, const char *path, size_t len, char sep, int32_t ix,
	       struct mwalk *w);
