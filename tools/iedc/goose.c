/* SPDX-License-Identifier: Apache-2.0 */
/* iedc goose listen: every GOOSE frame on an interface, decoded by the
 * daemon's own codec (proto/goose.h), one line or one JSON object each.
 *
 * The capture is libpcap's own here (tools do not link daemon/net, see
 * DESIGN.md): immediate mode, the kernel filter for EtherType 0x88B8
 * untagged and behind one 802.1Q tag, both directions (the frames this
 * host publishes are part of the bus's picture). A retransmission, the same
 * stream (source MAC, APPID, gocbRef) with the same stNum, sqNum one up
 * and the same allData, is one short line. */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "goose.h"
#include "iedc.h"

#define GL_FILTER "ether proto 0x88b8 or (vlan and ether proto 0x88b8)"
/* Streams remembered for the retransmission shortcut; more are shown in
 * full. */
#define GL_STREAMS 64

struct gl_stream {
	bool used;
	uint8_t src[6];
	uint16_t appid;
	char gocb_ref[GOOSE_MAX_STRING + 1];
	uint32_t st_num, sq_num;
	size_t data_len;
	uint8_t data[GOOSE_MAX_FRAME_VLAN];
};

struct gl {
	bool json;
	long appid;		/* -1: any */
	const char *gocb;	/* NULL: any */
	uint32_t count;		/* 0: until a signal */
	uint32_t frames, malformed;
	struct gl_stream streams[GL_STREAMS];
	unsigned next_victim;
	struct buf line, v;
};

static volatile sig_atomic_t gl_stop;

static void gl_signal(int sig)
{
	(void)sig;
	gl_stop = 1;
}

static void put_f(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_f(struct buf *b, const char *fmt, ...)
{
	char t[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t, sizeof(t), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, t, (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
}

static void put_s(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* s is visible ASCII (the decoder checks) or our own text */
static void put_json_str(struct buf *b, const char *s)
{
	buf_put_u8(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_put_u8(b, '\\');
		if ((unsigned char)*s < 0x20)
			put_f(b, "\\u%04x", (unsigned char)*s);
		else
			buf_put_u8(b, (uint8_t)*s);
	}
	buf_put_u8(b, '"');
}

static void put_mac(struct buf *b, const uint8_t m[6])
{
	put_f(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_time(struct buf *b, const struct timeval *tv, bool json)
{
	if (json) {
		put_f(b, "%lld.%06ld", (long long)tv->tv_sec, (long)tv->tv_usec);
		return;
	}
	struct tm tm;
	time_t s = tv->tv_sec;
	gmtime_r(&s, &tm);
	put_f(b, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
}

/* One Data TLV as iedc read prints it (text: a structure's "path: value"
 * lines folded into "{a, b}"). */
static int put_value(struct gl *g, const uint8_t *p, size_t len, struct proto_err *err)
{
	buf_reset(&g->v, 0);
	int k = mms_data_format(&g->v, p, len, NULL, g->json ? MMS_FMT_JSON : MMS_FMT_TEXT, err);
	if (k)
		return k;
	const char *s = (const char *)buf_data(&g->v), *e = s + g->v.len;
	if (g->json) {
		buf_put(&g->line, s, g->v.len);
		return 0;
	}
	bool multi = memchr(s, '\n', g->v.len) || (p[0] & BER_CONSTRUCTED);
	if (multi)
		buf_put_u8(&g->line, '{');
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(e - s);
		buf_put(&g->line, s, l);
		s += l;
		if (nl && ++s < e)
			put_s(&g->line, ", ");
	}
	if (multi)
		buf_put_u8(&g->line, '}');
	return 0;
}

static struct gl_stream *stream_of(struct gl *g, const struct goose_frame *f)
{
	for (unsigned i = 0; i < GL_STREAMS; i++) {
		struct gl_stream *s = &g->streams[i];
		if (s->used && s->appid == f->appid && !memcmp(s->src, f->src, 6) &&
		    !strcmp(s->gocb_ref, f->gocb_ref))
			return s;
	}
	for (unsigned i = 0; i < GL_STREAMS; i++)
		if (!g->streams[i].used)
			return &g->streams[i];
	return &g->streams[g->next_victim++ % GL_STREAMS];
}

static bool retransmission(struct gl *g, const struct goose_frame *f)
{
	struct gl_stream *s = stream_of(g, f);
	bool rt = s->used && s->appid == f->appid && !memcmp(s->src, f->src, 6) &&
		  !strcmp(s->gocb_ref, f->gocb_ref) && s->st_num == f->st_num &&
		  s->sq_num + 1 == f->sq_num && s->data_len == f->all_data_len &&
		  !memcmp(s->data, f->all_data, f->all_data_len);
	s->used = true;
	memcpy(s->src, f->src, 6);
	s->appid = f->appid;
	snprintf(s->gocb_ref, sizeof(s->gocb_ref), "%s", f->gocb_ref);
	s->st_num = f->st_num;
	s->sq_num = f->sq_num;
	s->data_len = f->all_data_len <= sizeof(s->data) ? f->all_data_len : 0;
	memcpy(s->data, f->all_data, s->data_len);
	return rt;
}

static void emit_line(struct gl *g)
{
	buf_put_u8(&g->line, '\n');
	fwrite(buf_data(&g->line), 1, g->line.len, stdout);
	fflush(stdout);
}

static void print_malformed(struct gl *g, const struct pcap_pkthdr *h, const uint8_t *p,
			    const struct proto_err *e)
{
	char why[300];
	proto_err_str(e, why, sizeof(why));
	buf_reset(&g->line, 0);
	if (g->json) {
		put_s(&g->line, "{\"time\":");
		put_time(&g->line, &h->ts, true);
		if (h->caplen >= 12) {
			put_s(&g->line, ",\"src\":\"");
			put_mac(&g->line, p + 6);
			put_s(&g->line, "\",\"dst\":\"");
			put_mac(&g->line, p);
			buf_put_u8(&g->line, '"');
		}
		put_f(&g->line, ",\"len\":%u,\"error\":", h->caplen);
		put_json_str(&g->line, why);
		buf_put_u8(&g->line, '}');
	} else {
		put_time(&g->line, &h->ts, false);
		if (h->caplen >= 12) {
			buf_put_u8(&g->line, ' ');
			put_mac(&g->line, p + 6);
			put_s(&g->line, " > ");
			put_mac(&g->line, p);
		}
		put_f(&g->line, " malformed (%u octets): %s", h->caplen, why);
	}
	emit_line(g);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *p)
{
	struct gl *g = (struct gl *)user;
	struct goose_frame f;
	struct proto_err e = { 0 };

	if (gl_stop || (g->count && g->frames >= g->count))
		return;
	if (goose_decode(p, h->caplen, &f, &e)) {
		g->malformed++;
		print_malformed(g, h, p, &e);
		return;
	}
	if ((g->appid >= 0 && f.appid != g->appid) || (g->gocb && strcmp(g->gocb, f.gocb_ref)))
		return;
	g->frames++;
	bool rt = retransmission(g, &f);
	struct buf *l = &g->line;
	buf_reset(l, 0);
	uint8_t t[10] = { BER_CONTEXT | MMS_TYPE_UTC_TIME, 8 };
	memcpy(t + 2, f.t, 8);
	if (!g->json && rt) {
		put_time(l, &h->ts, false);
		put_f(l, "   retransmit sqNum %u TAL %u", f.sq_num, f.tal_ms);
		emit_line(g);
		return;
	}
	if (g->json) {
		put_s(l, "{\"time\":");
		put_time(l, &h->ts, true);
		put_s(l, ",\"src\":\"");
		put_mac(l, f.src);
		put_s(l, "\",\"dst\":\"");
		put_mac(l, f.dst);
		put_s(l, "\",\"vlan\":");
		if (f.vlan)
			put_f(l, "{\"vid\":%u,\"priority\":%u,\"dei\":%s}", f.vid, f.priority,
			      f.dei ? "true" : "false");
		else
			put_s(l, "null");
		put_f(l, ",\"appid\":%u,\"reserved1\":%u,\"reserved2\":%u,\"simulation\":%s",
		      f.appid, f.reserved1, f.reserved2, f.simulation ? "true" : "false");
		put_s(l, ",\"gocbRef\":");
		put_json_str(l, f.gocb_ref);
		put_f(l, ",\"timeAllowedtoLive\":%u,\"datSet\":", f.tal_ms);
		put_json_str(l, f.dat_set);
		put_s(l, ",\"goID\":");
		if (f.go_id)
			put_json_str(l, f.go_id);
		else
			put_s(l, "null");
		put_s(l, ",\"t\":");
		if (put_value(g, t, sizeof(t), &e))
			put_s(l, "null");
		put_f(l, ",\"stNum\":%u,\"sqNum\":%u,\"test\":%s,\"confRev\":%u,\"ndsCom\":%s,"
		      "\"numDatSetEntries\":%u,\"security\":%s,\"retransmission\":%s,\"values\":[",
		      f.st_num, f.sq_num, f.test ? "true" : "false", f.conf_rev,
		      f.nds_com ? "true" : "false", f.n_entries, f.has_security ? "true" : "false",
		      rt ? "true" : "false");
	} else {
		put_time(l, &h->ts, false);
		buf_put_u8(l, ' ');
		put_mac(l, f.src);
		put_s(l, " > ");
		put_mac(l, f.dst);
		if (f.vlan)
			put_f(l, " vlan %u prio %u", f.vid, f.priority);
		put_f(l, " appid 0x%04x %s stNum %u sqNum %u TAL %u", f.appid, f.gocb_ref, f.st_num,
		      f.sq_num, f.tal_ms);
		if (f.test)
			put_s(l, " test");
		if (f.simulation)
			put_s(l, " simulation");
		put_f(l, " confRev %u%s goID %s datSet %s t ", f.conf_rev,
		      f.nds_com ? " ndsCom" : "", f.go_id ? f.go_id : "-", f.dat_set);
		if (put_value(g, t, sizeof(t), &e))
			put_s(l, "?");
		put_f(l, " (%u):", f.n_entries);
	}
	struct ber_cur c;
	struct ber_tlv m;
	bool first = true;
	goose_members(&f, &c);
	while (goose_member_next(&c, &m)) {
		put_s(l, g->json ? (first ? "" : ",") : (first ? " " : "; "));
		first = false;
		size_t len = (size_t)(m.val + m.len - m.start);
		if (put_value(g, m.start, len, &e))
			put_s(l, g->json ? "null" : "?");
	}
	if (g->json)
		put_s(l, "]}");
	emit_line(g);
}

int cmd_goose_listen(const char *ifname, bool json, long appid, const char *gocb, uint32_t count)
{
	static struct gl g;	/* the stream table is large */
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int k, status = IEDC_OK;

	memset(&g, 0, sizeof(g));
	g.json = json;
	g.appid = appid;
	g.gocb = gocb;
	g.count = count;
	buf_init(&g.line, 0, 0);
	buf_init(&g.v, 0, 0);
	pcap_t *p = pcap_create(ifname, eb);
	if (!p) {
		fprintf(stderr, "iedc: %s: %s\n", ifname, eb);
		return IEDC_CONNECT;
	}
	pcap_set_snaplen(p, 1600);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 4 << 20);
	pcap_set_timeout(p, 200);
	k = pcap_activate(p);
	if (k < 0) {
		if (k == PCAP_ERROR_PERM_DENIED)
			fprintf(stderr, "iedc: %s: capturing needs CAP_NET_RAW (run as root or grant "
				"the capability to iedc)\n", ifname);
		else if (k == PCAP_ERROR_NO_SUCH_DEVICE)
			fprintf(stderr, "iedc: %s: no such interface\n", ifname);
		else
			fprintf(stderr, "iedc: %s: %s\n", ifname, pcap_geterr(p));
		status = IEDC_CONNECT;
		goto out;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "iedc: %s: not an Ethernet interface\n", ifname);
		status = IEDC_CONNECT;
		goto out;
	}
	if (pcap_compile(p, &prog, GL_FILTER, 1, PCAP_NETMASK_UNKNOWN) ||
	    pcap_setfilter(p, &prog)) {
		fprintf(stderr, "iedc: %s: filter: %s\n", ifname, pcap_geterr(p));
		status = IEDC_CONNECT;
		goto out;
	}
	pcap_freecode(&prog);
	gl_stop = 0;
	struct sigaction sa = { .sa_handler = gl_signal };	/* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "iedc: listening for GOOSE on %s%s\n", ifname,
		count ? "" : "; Ctrl-C to stop");
	while (!gl_stop && !(count && g.frames >= count)) {
		k = pcap_dispatch(p, 64, on_packet, (u_char *)&g);
		if (k == PCAP_ERROR) {
			fprintf(stderr, "iedc: %s: %s\n", ifname, pcap_geterr(p));
			status = IEDC_PROTOCOL;
			break;
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	fprintf(stderr, "iedc: %u GOOSE frames, %u malformed\n", g.frames, g.malformed);
out:
	pcap_close(p);
	buf_clear(&g.line);
	buf_clear(&g.v);
	return status;
}
