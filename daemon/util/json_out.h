/* SPDX-License-Identifier: Apache-2.0 */
/* Writing JSON to a stdio stream: one string with every character JSON
 * requires escaped ('"', '\\', control characters as \u00XX). The octets
 * are copied otherwise, so UTF-8 stays UTF-8. */
#pragma once
#include <stdio.h>

void json_out_str(FILE *f, const char *s);
