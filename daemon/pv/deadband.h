/* SPDX-License-Identifier: Apache-2.0 */
/* Deadband of measured values (IEC 61850-7-3 §6.5, MV and CMV): instMag
 * follows the process; mag is only updated when instMag has moved away from
 * it by more than db, and is forced to zero while instMag is within zeroDb
 * of zero.
 *
 * Method: the plain ("absolute") deadband, not the integral one the
 * standard also allows: mag := instMag when |instMag − mag| > db ·
 * (rangeC.max − rangeC.min) / 100000 (db in units of 0.001 % of the range).
 * zeroDb, in the same unit, wins: while |instMag| <= zeroDb · range /
 * 100000, mag is 0 (IEC 61850-7-3: "values within zeroDb of zero are
 * reported as zero"). db = 0 makes mag follow every change. Without a
 * usable range (max <= min, not configured) neither band applies and mag
 * follows instMag: a deadband relative to an unknown range is undefined.
 *
 * Pure function, no state: any thread. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct deadband_cfg {
	uint32_t db, zero_db;	/* 0.001 % of the range */
	double min, max;	/* rangeC.min, rangeC.max */
	bool has_range;
};

/* Given the new instantaneous value and the current mag, returns whether
 * mag changes and the new mag in *mag_out. */
bool deadband_apply(const struct deadband_cfg *c, double inst, double mag, double *mag_out);
