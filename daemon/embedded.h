/* SPDX-License-Identifier: Apache-2.0 */
/* Files compiled into iedd by tools/embed.py (NUL-terminated). */
#pragma once
#include <stddef.h>

extern const unsigned char embedded_iedd_xml[];	/* etc/iedd.xml */
extern const size_t embedded_iedd_xml_len;
extern const unsigned char embedded_config_xsd[];	/* schemas/iedd-config.xsd */
extern const size_t embedded_config_xsd_len;
extern const unsigned char embedded_sample_icd[];	/* etc/sample.icd */
extern const size_t embedded_sample_icd_len;
extern const unsigned char embedded_sample_map_csv[];	/* etc/sample-map.csv */
extern const size_t embedded_sample_map_csv_len;
