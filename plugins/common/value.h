/* SPDX-License-Identifier: Apache-2.0 */
/* Value helpers shared by the bundled source plugins (sim, shm) and the
 * iedd-shm tool: text <-> struct iedd_value for a given kind, conversion
 * between kinds, and names for kinds and qualities. Compiled into each user;
 * not part of the public SDK. Pure functions: no state, any thread. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <iedd/source.h>

/* Parses text as a value of `kind` into out->kind and out->v (quality and
 * time_ns are left alone). Booleans: true/false, on/off, 1/0 (any case);
 * integers: decimal, or 0x hex; floats: strtod syntax, finite only; strings:
 * the text as is, at most IEDD_STRING_MAX - 1 octets. Returns 0, -EINVAL for
 * text that is not of the kind, -ERANGE for a number out of the kind's range
 * or a string too long. */
int value_parse(const char *text, enum iedd_kind kind, struct iedd_value *out);

/* Parses text guessing the kind: bool for true/false, int for an integer
 * (uint when above INT64_MAX), float for another number, else string.
 * Returns 0 or -ERANGE (string too long). */
int value_guess(const char *text, struct iedd_value *out);

/* Formats the value (not quality or time) into buf[len], always
 * NUL-terminated: "true"/"false", decimal integers, floats with %.17g, the
 * string itself, "-" for IEDD_KIND_NONE. */
void value_format(const struct iedd_value *v, char *buf, size_t len);

/* Converts in to kind `want` into out (out->quality and out->time_ns are
 * copied from in). Returns 0, or the IEDD_Q_* detail bits saying why it
 * could not (IEDD_Q_INCONSISTENT: not convertible, e.g. text that is no
 * number; IEDD_Q_OVERFLOW: out of the target's range); then out->kind is
 * IEDD_KIND_NONE. Floats become integers rounded to nearest. */
uint16_t value_convert(const struct iedd_value *in, enum iedd_kind want, struct iedd_value *out);

/* "none", "bool", "int", "uint", "float", "string" ("?" if unknown). */
const char *value_kind_name(unsigned kind);
/* The inverse; returns 0 or -EINVAL. */
int value_kind_parse(const char *name, enum iedd_kind *out);

/* Quality as text: the validity ("good", "invalid", "questionable",
 * "reserved") followed by "+name" per detail bit, e.g. "invalid+failure". */
void value_quality_format(uint16_t q, char *buf, size_t len);
/* The inverse of value_quality_format; also takes a number ("0x4200").
 * Returns 0 or -EINVAL. */
int value_quality_parse(const char *text, uint16_t *out);

/* Writes a printf-style message into err[errlen] (when errlen > 0) and
 * returns rc: the plugins' one helper for the err/errlen convention of
 * <iedd/source.h>. */
int value_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
