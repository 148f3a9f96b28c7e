/* SPDX-License-Identifier: Apache-2.0 */
#include "deadband.h"

#include <math.h>

bool deadband_apply(const struct deadband_cfg *c, double inst, double mag, double *mag_out)
{
	double range = c->max - c->min;
	if (!c->has_range || !(range > 0)) {
		*mag_out = inst;
		return inst != mag;
	}
	if (c->zero_db && fabs(inst) <= (double)c->zero_db * range / 100000.0) {
		*mag_out = 0;
		return mag != 0;
	}
	if (fabs(inst - mag) > (double)c->db * range / 100000.0) {
		*mag_out = inst;
		return true;
	}
	*mag_out = mag;
	return false;
}
