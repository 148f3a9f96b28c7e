/* SPDX-License-Identifier: Apache-2.0 */
/* Modbus map addresses and the value codec: sans-I/O, no libmodbus.
 *
 * An address names one value in one of the four Modbus tables (coils,
 * discrete inputs, holding registers, input registers), its type and, for
 * registers, the order in which the value's bytes travel on the wire. The
 * syntax is documented in doc/modbus.md:
 *
 *     TABLE:ADDR[:TYPE[:ORDER]]      hr:100:f32:cdab   (ADDR 0-based)
 *     REF[:TYPE[:ORDER]]             40101:f32:cdab    (5/6-digit reference, 1-based)
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iedd/source.h"

enum mb_table {
	MB_COIL = 0,	/* read FC 1, write FC 5 */
	MB_DI,		/* discrete input, read FC 2 */
	MB_HR,		/* holding register, read FC 3, write FC 6 / FC 16 */
	MB_IR,		/* input register, read FC 4 */
};

enum mb_type {
	MB_BOOL = 0,
	MB_U16,
	MB_I16,
	MB_U32,
	MB_I32,
	MB_U64,
	MB_I64,
	MB_F32,
	MB_F64,
};

struct mb_addr {
	uint8_t table;		/* enum mb_table */
	uint8_t type;		/* enum mb_type */
	uint8_t width;		/* registers the value occupies (1, 2, 4); 1 for a bit */
	/* Wire byte i (register i/2, high byte first) carries byte order[i] of
	 * the value written big-endian (0 = most significant). Identity for
	 * the default order "abcd". Unused for bits. */
	uint8_t order[8];
	uint16_t addr;		/* 0-based protocol address, as in the PDU */
};

/* A decoded number before it is converted to the kind iedd asked for. */
struct mb_num {
	uint8_t kind;		/* IEDD_KIND_BOOL, _INT, _UINT or _FLOAT */
	union {
		int64_t i;
		uint64_t u;
		double f;
	} v;
};

/* Parses `text` into *out. Returns 0, or -EINVAL with a message in err
 * naming the address, what is wrong and the expected syntax. Does not know
 * whether the row writes: see mb_addr_check(). */
int mb_addr_parse(const char *text, struct mb_addr *out, char *err, size_t errlen);

/* Checks that a parsed address can serve a map row of value kind `kind`
 * that may write when `writable`. 0, or -EINVAL / -EPERM with a message. */
int mb_addr_check(const struct mb_addr *a, const char *text, enum iedd_kind kind, bool writable,
		  char *err, size_t errlen);

/* Short names for messages: "hr", "f32". */
const char *mb_table_name(enum mb_table t);
const char *mb_type_name(enum mb_type t);
/* The kind a type decodes to when iedd asks for none in particular. */
enum iedd_kind mb_type_kind(enum mb_type t);

/* Decodes a register value from regs[0 .. a->width - 1] (host order, as
 * libmodbus returns them). Not for bits. */
void mb_decode_regs(const struct mb_addr *a, const uint16_t *regs, struct mb_num *out);

/* Converts a decoded number to an iedd value of kind `kind` (IEDD_KIND_NONE:
 * the number's own kind). Sets kind, value and quality: GOOD, or
 * QUESTIONABLE|OUT_OF_RANGE with the value clamped when it does not fit
 * the kind, or INVALID|OUT_OF_RANGE for a NaN that must become an integer
 * or a bool. Does not touch time_ns. */
void mb_num_to_value(const struct mb_num *n, enum iedd_kind kind, struct iedd_value *out);

/* Encodes `v` for address `a`: for a bit, *bit; for registers,
 * regs[0 .. a->width - 1] in host order. Integers from a float value are
 * rounded to the nearest. 0, or -EINVAL (kind cannot be written: string,
 * none, NaN into an integer) / -ERANGE (does not fit the type) with a
 * message naming the address `text`. */
int mb_encode(const struct mb_addr *a, const char *text, const struct iedd_value *v, uint16_t *regs,
	      bool *bit, char *err, size_t errlen);
