/* SPDX-License-Identifier: Apache-2.0 */
/* Batching of Modbus reads (see mb_plan.h). */
#include "mb_plan.h"

#include <stdlib.h>

#include "mb_point.h"

static int item_cmp(const void *pa, const void *pb)
{
	const struct mb_plan_item *a = pa, *b = pb;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	/* keep the batch order among equals, so the plan is deterministic */
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

size_t mb_plan(struct mb_plan_item *items, size_t n, const struct mb_plan_limits *lim,
	       struct mb_req *reqs)
{
	size_t nr = 0;
	struct mb_req *cur = NULL;
	unsigned end = 0;	/* one past the last address of cur */
	bool cur_solo = false;

	qsort(items, n, sizeof *items, item_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct mb_plan_item *it = &items[i];
		bool bits = it->table == MB_COIL || it->table == MB_DI;
		unsigned max = bits ? lim->max_bits : lim->max_regs;
		unsigned gap = bits ? lim->gap_bits : lim->gap_regs;
		unsigned it_end = (unsigned)it->addr + it->width;

		if (cur && cur->table == it->table && !cur_solo && !it->solo &&
		    it->addr <= end + gap) {
			unsigned new_end = it_end > end ? it_end : end;

			if (new_end - cur->start <= max) {
				end = new_end;
				cur->count = (uint16_t)(end - cur->start);
				cur->n++;
				continue;
			}
		}
		cur = &reqs[nr++];
		*cur = (struct mb_req){
			.table = it->table,
			.start = it->addr,
			.count = it->width,
			.first = i,
			.n = 1,
		};
		end = it_end;
		cur_solo = it->solo;
	}
	return nr;
}
