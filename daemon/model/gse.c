/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE addresses from the SCL Communication section (IEC 61850-6 §9.2.4:
 * SubNetwork/ConnectedAP iedName/GSE ldInst cbName, Address/P and
 * MinTime/MaxTime), for the publisher's GoCBs and the subscriptions
 * (gse.h).
 *
 * Choices where the SCL gives no value (README "GOOSE" repeats them):
 * - VLAN-PRIORITY absent: 4 (8-1 recommends it for GOOSE); VLAN-ID
 *   absent: 0 (priority-tagged). The 802.1Q tag is sent when either is
 *   given, and left out when neither is.
 * - MinTime absent: 10 ms; MaxTime absent: 1000 ms (MaxTime is also the
 *   repetition between events; the publisher's retransmission curve starts
 *   at MinTime and doubles up to MaxTime).
 * A GSE with an IP address and no MAC-Address (routable GOOSE, IEC
 * 61850-90-5) is a warning and counts as no GSE.
 * Faults that are errors (the file is refused, with its line): a
 * MAC-Address that is not six hexadecimal pairs separated by '-', an
 * APPID above FFFF or not hexadecimal, a VLAN-ID above FFF, a
 * VLAN-PRIORITY above 7, a MinTime or MaxTime that is no number, MinTime
 * 0 or above MaxTime, and two GSE elements for the same control block
 * with different addresses. A destination that is not a multicast
 * address (8-1 Annex C: 01-0C-CD-01-00-00 .. 01-0C-CD-01-01-FF is the
 * GOOSE range) is a warning only: unicast GOOSE is legal Ethernet and
 * some engineering tools use it for tests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gse.h"
#include "scl_priv.h"

#define GSE_DEFAULT_PRIORITY 4
#define GSE_DEFAULT_MIN_MS 10
#define GSE_DEFAULT_MAX_MS 1000

static const char *trim(const char *s, char *out, size_t n)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strcspn(s, " \t\r\n");
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "01-0C-CD-01-00-10" (case-insensitive). */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int h = hexval(s[0]), l = h < 0 ? -1 : hexval(s[1]);
		if (h < 0 || l < 0)
			return false;
		mac[i] = (uint8_t)(h << 4 | l);
		s += 2;
		if (i < 5 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

/* Hexadecimal without prefix, 1..8 digits, at most max. */
static bool parse_hex(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = 0;
	for (; *s; s++, n++) {
		int d = hexval(*s);
		if (d < 0 || n >= 8)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!n || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int parse_gse(struct ctx *c, const xmlNode *gse, const char *who, struct mgse *out)
{
	char b[64], shown[80];
	bool have_mac = false, have_appid = false, have_ip = false;
	memset(out, 0, sizeof(*out));
	out->priority = GSE_DEFAULT_PRIORITY;
	out->min_time_ms = GSE_DEFAULT_MIN_MS;
	out->max_time_ms = GSE_DEFAULT_MAX_MS;
	out->line = (uint32_t)xmlGetLineNo(gse);
	const xmlNode *ad = scl_child(gse, "Address");
	for (const xmlNode *pp = ad ? ad->children : NULL; pp; pp = pp->next) {
		const char *t = scl_attr(pp, "type");
		if (!scl_is_scl(pp, "P") || !t)
			continue;
		const char *text = scl_text_of(c, pp);
		trim(text ? text : "", b, sizeof(b));
		uint32_t v;
		have_ip |= !strcmp(t, "IP") || !strcmp(t, "IPv6");
		if (!strcmp(t, "MAC-Address")) {
			if (!parse_mac(b, out->mac))
				return scl_fail(c, pp,
						"%s: MAC-Address '%s' is not six hexadecimal pairs"
						" (write e.g. 01-0C-CD-01-00-01)",
						who, scl_shown(b, shown, sizeof(shown)));
			have_mac = true;
		} else if (!strcmp(t, "APPID")) {
			if (!parse_hex(b, 0xFFFF, &v))
				return scl_fail(c, pp,
						"%s: APPID '%s' is not hexadecimal 0000..FFFF"
						" (GOOSE uses 0000..3FFF)",
						who, scl_shown(b, shown, sizeof(shown)));
			out->appid = (uint16_t)v;
			have_appid = true;
		} else if (!strcmp(t, "VLAN-ID")) {
			if (!parse_hex(b, 0xFFF, &v))
				return scl_fail(c, pp, "%s: VLAN-ID '%s' is not hexadecimal 000..FFF",
						who, scl_shown(b, shown, sizeof(shown)));
			out->vid = (uint16_t)v;
			out->vlan = true;
		} else if (!strcmp(t, "VLAN-PRIORITY")) {
			uint64_t pr;
			if (scl_parse_uint_str(b, 7, &pr))
				return scl_fail(c, pp, "%s: VLAN-PRIORITY '%s' is not 0..7", who,
						scl_shown(b, shown, sizeof(shown)));
			out->priority = (uint8_t)pr;
			out->vlan = true;
		}
	}
	if (!have_mac && have_ip) {
		/* routable GOOSE (IEC 61850-90-5, 8-2): an IP destination, no
		 * Ethernet one; not an error, but nothing iedd sends */
		scl_warn(c, gse, "%s: an IP address and no MAC-Address (routable GOOSE), which iedd"
			 " does not send; taken as no GSE", who);
		return 0;
	}
	if (!have_mac || !have_appid)
		return scl_fail(c, gse,
				"%s: GSE has no %s (add <P type=\"%s\"> to its Address)", who,
				have_mac ? "APPID" : "MAC-Address", have_mac ? "APPID" : "MAC-Address");
	static const char *const tn[2] = { "MinTime", "MaxTime" };
	uint32_t *tv[2] = { &out->min_time_ms, &out->max_time_ms };
	for (int i = 0; i < 2; i++) {
		const xmlNode *e = scl_child(gse, tn[i]);
		if (!e)
			continue;
		const char *text = scl_text_of(c, e);
		uint64_t ms;
		if (scl_parse_uint_str(text ? text : "", UINT32_MAX, &ms))
			return scl_fail(c, e, "%s: %s '%s' is not a number of milliseconds", who,
					tn[i], scl_shown(text ? text : "", shown, sizeof(shown)));
		*tv[i] = (uint32_t)ms;
	}
	if (!out->min_time_ms || out->min_time_ms > out->max_time_ms)
		return scl_fail(c, gse, "%s: MinTime %u ms must be 1..MaxTime (%u ms)", who,
				(unsigned)out->min_time_ms, (unsigned)out->max_time_ms);
	bool goose_range = out->mac[0] == 0x01 && out->mac[1] == 0x0C && out->mac[2] == 0xCD &&
			   out->mac[3] == 0x01 && out->mac[4] <= 0x01;
	if (!(out->mac[0] & 1))
		scl_warn(c, gse, "%s: MAC-Address is not a multicast address; frames go to one"
			 " station only", who);
	else if (!goose_range)
		scl_warn(c, gse, "%s: MAC-Address is outside the GOOSE range 01-0C-CD-01-00-00.."
			 "01-0C-CD-01-01-FF (IEC 61850-8-1 Annex C); some switches filter it", who);
	return 1;
}

int scl_gse_find(struct ctx *c, const char *ied, const char *ldinst, const char *cb,
		 struct mgse *out)
{
	char who[200];
	snprintf(who, sizeof(who), "GSE of '%s/%s' (IED '%s')", ldinst, cb, ied);
	int found = 0;
	struct mgse first;
	for (const xmlNode *cm = c->root ? c->root->children : NULL; cm; cm = cm->next) {
		if (!scl_is_scl(cm, "Communication"))
			continue;
		for (const xmlNode *sn = cm->children; sn; sn = sn->next) {
			if (!scl_is_scl(sn, "SubNetwork"))
				continue;
			for (const xmlNode *ca = sn->children; ca; ca = ca->next) {
				const char *in = scl_attr(ca, "iedName");
				if (!scl_is_scl(ca, "ConnectedAP") || !in || strcmp(in, ied))
					continue;
				for (const xmlNode *g = ca->children; g; g = g->next) {
					const char *li = scl_attr(g, "ldInst");
					const char *cn = scl_attr(g, "cbName");
					if (!scl_is_scl(g, "GSE") || !li || !cn || strcmp(li, ldinst) ||
					    strcmp(cn, cb))
						continue;
					struct mgse a;
					int rc = parse_gse(c, g, who, &a);
					if (rc <= 0) {
						if (rc < 0)
							return rc;
						continue; /* routable GOOSE: none for Ethernet */
					}
					if (!found) {
						first = a;
						found = 1;
					} else if (memcmp(a.mac, first.mac, 6) || a.appid != first.appid ||
						   a.vlan != first.vlan || a.vid != first.vid ||
						   a.priority != first.priority) {
						return scl_fail(c, g,
								"%s: a second GSE (line %u has another address)"
								" contradicts the first; keep one",
								who, (unsigned)first.line);
					}
				}
			}
		}
	}
	if (found)
		*out = first;
	return found;
}
