/* SPDX-License-Identifier: Apache-2.0 */
/* iedc: a command-line MMS / IEC 61850 client. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iedc.h"
#include "mms_codes.h"
#include "mms_report.h"
#include "iedd_config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iedc [OPTION]... COMMAND HOST[:PORT] [ARG]...\n"
		"Command-line client for IEC 61850 servers (MMS, ISO 9506 over TCP; port 102\n"
		"by default).\n"
		"\n"
		"Commands:\n"
		"  identify HOST[:PORT]          vendor, model, revision (MMS Identify) and the\n"
		"                                negotiated association parameters\n"
		"  browse HOST[:PORT] [LD]       the data model as a tree LD / LN / FC / DO / DA\n"
		"                                with types, for every logical device or one\n"
		"  read HOST[:PORT] REF          the value of REF, with its attribute names;\n"
		"                                REF may be a data set LD/LN.NAME (members with\n"
		"                                their references and values)\n"
		"  write HOST[:PORT] REF VALUE   write VALUE, typed by the server's description\n"
		"  datasets HOST[:PORT] [LD]     data sets (named variable lists) with members\n"
		"  file ls HOST[:PORT] [PATH]    the server's files: size, last modified, name\n"
		"                                (MMS FileDirectory; PATH a directory, a file or\n"
		"                                a name prefix)\n"
		"  file get HOST[:PORT] REMOTE [LOCAL]\n"
		"                                fetch a file (GetFile: FileOpen/Read/Close);\n"
		"                                LOCAL defaults to REMOTE's last component\n"
		"  file rm HOST[:PORT] REMOTE    delete a file (FileDelete)\n"
		"  file mv HOST[:PORT] FROM TO   rename a file (FileRename)\n"
		"  file put HOST[:PORT] LOCAL REMOTE\n"
		"                                store LOCAL on the server as REMOTE (ObtainFile:\n"
		"                                the server fetches it from iedc)\n"
		"  dataset create HOST[:PORT] LD/LN.NAME MEMBER...\n"
		"                                define a data set (DefineNamedVariableList) of\n"
		"                                the references MEMBER; @NAME: association-specific\n"
		"  dataset delete HOST[:PORT] LD/LN.NAME\n"
		"                                delete a data set a client defined\n"
		"  report HOST[:PORT] RCB [--dataset MEMBER...]\n"
		"                                enable the report control block RCB\n"
		"                                (LD/LN.RP.NAME, LD/LN.BR.NAME, LD/LN$RP$NAME or\n"
		"                                LD/LN.NAME) and print each report as it arrives,\n"
		"                                one line each, until Ctrl-C, SIGTERM or --count;\n"
		"                                then disable it again\n"
		"  control HOST[:PORT] REF VALUE\n"
		"                                operate the controllable data object REF\n"
		"                                (LD/LN.DO, LD/LN.DO.SDO or LD/LN$CO$DO) with\n"
		"                                ctlVal VALUE, by the sequence its ctlModel asks\n"
		"                                for (select first for SBO, CommandTermination\n"
		"                                for enhanced security); one line per step\n"
		"  goose listen IFACE [--appid N] [--gocb REF] [--count N]\n"
		"                                decode every GOOSE frame on the interface IFACE,\n"
		"                                one line each (a retransmission: one short line);\n"
		"                                needs CAP_NET_RAW\n"
		"\n"
		"REF is LD/LN.DO.DA[FC] (e.g. IED1LD0/LLN0.Mod.stVal[ST]) or the MMS form\n"
		"LD/LN$FC$DO$DA; LD is the MMS domain name as browse shows it. LD/LN and\n"
		"LD/LN[FC] name a whole logical node or one of its functional constraints.\n"
		"VALUE: true/false, integers (enumerations too), 1.5, bit strings as binary\n"
		"digits (0000000000000), octet strings as hex, text, UTC times as\n"
		"2026-11-24T10:00:00.000Z.\n"
		"\n"
		"Options:\n"
		"  -j, --json             machine-readable output\n"
		"  -t, --timeout MS       give up waiting after MS milliseconds (default 10000)\n"
		"  -p, --password PW      ACSE password authentication\n"
		"      --ap-title OID     the calling AP-title of the association (1.3.9999.13)\n"
		"      --ae-qualifier N   the calling AE-qualifier\n"
		"      --tls              TLS (IEC 62351-3; default port 3782), every command\n"
		"      --ca FILE          with --tls: the CA (PEM) the server's certificate\n"
		"                         must validate against (default: the system's)\n"
		"      --cert FILE        with --tls: this client's certificate (PEM)\n"
		"      --key FILE         with --tls: its private key (PEM)\n"
		"      --tls-priority P   with --tls: a GnuTLS priority string, e.g.\n"
		"                         NORMAL:-VERS-ALL:+VERS-TLS1.2 (default: TLS 1.3\n"
		"                         and 1.2, safe renegotiation)\n"
		"  -m, --max-pdu N        propose N octets as the maximum PDU (default 65000;\n"
		"                         the server's answer is what counts)\n"
		"  -d, --dataset          read: REF is a data set; report: report a data set\n"
		"                         of the MEMBER references after RCB, defined for it\n"
		"                         (association-specific @iedcNNNN)\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n"
		"Options of report:\n"
		"  --gi                   ask for a general interrogation once enabled\n"
		"  --trgops LIST          trigger options, of dchg,qchg,dupd,period,gi\n"
		"  --intgpd MS            integrity period\n"
		"  --bufTm MS             buffer time\n"
		"  --entry-id HEX         BRCB: resend from the entry after this EntryID\n"
		"                         (16 hex digits)\n"
		"  --count N              stop after N reports\n"
		"Options of control:\n"
		"  --select               select only (Read of SBO, Write of SBOw), no\n"
		"                         operate; with --cancel: select, then Cancel\n"
		"  --cancel               write Cancel with VALUE instead of operating\n"
		"  --test                 Test=true (a command for test mode)\n"
		"  --check LIST           Check bits: interlock, synchro or both\n"
		"  --orcat N|NAME         originator category (default 3, remote-control;\n"
		"                         or bay-control, station-control, ...)\n"
		"  --orident TEXT         originator identification (default iedc@HOSTNAME)\n"
		"  --at TIME|+MS          time-activated operate: operTm as a UTC time or MS\n"
		"                         milliseconds from now\n"
		"  --timeout MS           also the wait for CommandTermination (default\n"
		"                         15000 there)\n"
		"Options of goose listen:\n"
		"  --appid N              only frames with this APPID (decimal or 0x...)\n"
		"  --gocb REF             only frames with this gocbRef (LD/LLN0$GO$NAME)\n"
		"  --count N              stop after N GOOSE frames\n"
		"VALUE of control: true/false/on/off/1/0, an integer (enumerations too),\n"
		"lower/higher/stop for a step command, a number for an analogue setpoint.\n"
		"\n"
		"Exit status: 0 ok, 2 usage, 3 cannot connect (refused, unreachable, unknown\n"
		"host), 4 association rejected, 5 protocol error, 6 timeout (control: also no\n"
		"CommandTermination in time), 7 service error (the server refused the request\n"
		"or answered with a DataAccessError; control: a refused command, also a\n"
		"status-only object, which iedc refuses itself). goose listen: 0 after --count\n"
		"frames or at SIGINT/SIGTERM, 3 the interface cannot be captured on (none of\n"
		"that name, no CAP_NET_RAW), 5 capture failed while listening.\n"
		"With --json, stdout is valid JSON in every outcome: on failure it holds an\n"
		"\"error\" member (and \"exitStatus\", the same code as above).\n"
		"Options may stand anywhere; -- ends them. A logical node too large for one\n"
		"PDU is browsed per FC, then per data object.\n"
		"Not possible yet: logs.\n");
}

int cmd_identify(struct client *c, bool json)
{
	struct buf pdu;
	struct mms_pdu p;
	struct mms_identify id;
	struct proto_err err = { 0 };

	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_encode_identify_request(&pdu, c->next_invoke++);
	int r = client_request(c, &pdu, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (p.kind == MMS_CONFIRMED_ERROR || p.kind == MMS_REJECT) {
		snprintf(c->errmsg, sizeof(c->errmsg), "%s: Identify refused (%s)", c->peer,
			 p.kind == MMS_REJECT ? "Reject" : "confirmed-error");
		return IEDC_SERVICE;
	}
	if (p.kind != MMS_CONFIRMED_RESPONSE || p.service != MMS_SVC_IDENTIFY ||
	    mms_identify_decode(p.body, p.body_len, &id, &err)) {
		snprintf(c->errmsg, sizeof(c->errmsg), "%s: bad Identify response%s%s", c->peer,
			 err.layer ? ": " : "", err.layer ? err.reason : "");
		return IEDC_PROTOCOL;
	}
	const struct mms_initiate *n = &c->neg;
	if (json) {
		printf("{\"server\":");
		json_str(stdout, c->peer);
		printf(",\"vendor\":");
		json_str(stdout, id.vendor);
		printf(",\"model\":");
		json_str(stdout, id.model);
		printf(",\"revision\":");
		json_str(stdout, id.revision);
		if (c->tls_desc[0]) {
			printf(",\"tls\":");
			json_str(stdout, c->tls_desc);
		}
		printf(",\"maxPduSize\":%d,\"maxServOutstandingCalling\":%d,"
		       "\"maxServOutstandingCalled\":%d,\"nestingLevel\":%d,\"version\":%d,"
		       "\"servicesSupported\":[",
		       n->local_detail, n->max_serv_calling, n->max_serv_called, n->nesting,
		       n->version);
		bool first = true;
		for (unsigned b = 0; b < MMS_SERVICE_BITS; b++)
			if (mms_bit(n->services, b)) {
				printf("%s\"%s\"", first ? "" : ",", mms_service_bit_name(b));
				first = false;
			}
		printf("]}\n");
	} else {
		printf("server:      %s\n", c->peer);
		printf("vendor:      %s\nmodel:       %s\nrevision:    %s\n", id.vendor, id.model,
		       id.revision);
		if (c->tls_desc[0])
			printf("tls:         %s\n", c->tls_desc);
		printf("negotiated:  max PDU %d octets, outstanding calls %d/%d (calling/called), "
		       "nesting level %d, MMS version %d\n",
		       n->local_detail, n->max_serv_calling, n->max_serv_called, n->nesting,
		       n->version);
		printf("services:   ");
		for (unsigned b = 0; b < MMS_SERVICE_BITS; b++)
			if (mms_bit(n->services, b))
				printf(" %s", mms_service_bit_name(b));
		printf("\n");
	}
	return IEDC_OK;
}

/* Options may stand anywhere on the line (iedc read --json HOST REF): they
 * are moved before the command, keeping the order of the other words. A word
 * that starts with '-' but is not one of our options stays an argument, so
 * that a VALUE may be negative (-5, -1.5); "--" ends the options. */
static int reorder(int argc, char **argv, const struct option *opts, char **out)
{
	int n = 1, np = 0;
	char **pos = out + argc; /* scratch: positionals after the options */

	out[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				pos[np++] = argv[i];
			break;
		}
		bool is_opt = false, takes_arg = false;
		if (a[0] == '-' && a[1] == '-') {
			size_t l = strcspn(a + 2, "=");
			for (const struct option *o = opts; o->name; o++)
				if (strlen(o->name) == l && !strncmp(o->name, a + 2, l)) {
					is_opt = true;
					takes_arg = o->has_arg == required_argument && !a[2 + l];
				}
			if (!is_opt && a[2])
				is_opt = true; /* unknown --word: getopt says so */
		} else if (a[0] == '-' && a[1] && strchr("jtphVmd", a[1])) {
			is_opt = true;
			takes_arg = strchr("tpm", a[1]) && !a[2];
		}
		if (!is_opt) {
			pos[np++] = argv[i];
			continue;
		}
		out[n++] = argv[i];
		if (takes_arg && i + 1 < argc)
			out[n++] = argv[++i];
	}
	out[n++] = "--";
	for (int i = 0; i < np; i++)
		out[n++] = pos[i];
	out[n] = NULL;
	return n;
}

/* Parses and runs one command line. av (argc * 2 + 2 pointers) receives
 * reorder()'s options-first copy of argv; it is the caller's, freed by
 * main whatever the outcome, so an early usage return leaks nothing. */
static int iedc_run(int argc, char **argv, char **av);

/* Long options without a short form. */
enum { OPT_GI = 256, OPT_TRGOPS, OPT_INTGPD, OPT_BUFTM, OPT_ENTRY_ID, OPT_COUNT,
       OPT_SELECT, OPT_CANCEL, OPT_TEST, OPT_CHECK, OPT_ORCAT, OPT_ORIDENT, OPT_AT,
       OPT_APPID, OPT_GOCB, OPT_TLS, OPT_CA, OPT_CERT, OPT_KEY, OPT_TLS_PRIORITY, OPT_AP_TITLE, OPT_AE_QUAL };

/* A decimal uint32 option value; false (with the message printed) if not. */
static bool opt_u32(const char *opt, const char *s, uint32_t min, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || s[0] == '-' || errno || v > UINT32_MAX || v < min) {
		fprintf(stderr, "iedc: %s '%s': expected a whole number %u..%u\n", opt, s, min,
			UINT32_MAX);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

int main(int argc, char **argv)
{
	char **av = calloc((size_t)argc * 2 + 2, sizeof(*av));
	if (!av)
		return IEDC_USAGE;
	int r = iedc_run(argc, argv, av);
	free(av);
	return r;
}

static int iedc_run(int argc, char **argv, char **av)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "tls", no_argument, NULL, OPT_TLS },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "tls-priority", required_argument, NULL, OPT_TLS_PRIORITY },
		{ "timeout", required_argument, NULL, 't' },
		{ "password", required_argument, NULL, 'p' },
		{ "ap-title", required_argument, NULL, OPT_AP_TITLE },
		{ "ae-qualifier", required_argument, NULL, OPT_AE_QUAL },
		{ "max-pdu", required_argument, NULL, 'm' },
		{ "dataset", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "gi", no_argument, NULL, OPT_GI },
		{ "trgops", required_argument, NULL, OPT_TRGOPS },
		{ "intgpd", required_argument, NULL, OPT_INTGPD },
		{ "bufTm", required_argument, NULL, OPT_BUFTM },
		{ "entry-id", required_argument, NULL, OPT_ENTRY_ID },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "select", no_argument, NULL, OPT_SELECT },
		{ "cancel", no_argument, NULL, OPT_CANCEL },
		{ "test", no_argument, NULL, OPT_TEST },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "orcat", required_argument, NULL, OPT_ORCAT },
		{ "orident", required_argument, NULL, OPT_ORIDENT },
		{ "at", required_argument, NULL, OPT_AT },
		{ "appid", required_argument, NULL, OPT_APPID },
		{ "gocb", required_argument, NULL, OPT_GOCB },
		{ 0 },
	};
	struct report_opts ro = { 0 };
	struct control_opts co = { 0 };
	bool json = false, dataset = false, timeout_set = false, ctl_opt = false;
	int timeout = 10000, max_pdu = 65000, o;
	const char *password = NULL, *gocb = NULL;
	long appid = -1;
	struct client_tls tls_opts = { 0 };
	struct acse_ap calling = { 0 };
	bool tls = false;
	argc = reorder(argc, argv, opts, av);
	argv = av;

	while ((o = getopt_long(argc, argv, "+jt:p:m:dhV", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			json = true;
			break;
		case 'd':
			dataset = true;
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout <= 0) {
				fprintf(stderr, "iedc: --timeout '%s': expected milliseconds > 0\n", optarg);
				return IEDC_USAGE;
			}
			timeout_set = true;
			break;
		case 'm': {
			char *end;
			long v = strtol(optarg, &end, 10);
			/* ISO 9506-2 §8.2.1: localDetailCalling is an Integer32; below
			 * some 100 octets not even an Initiate fits */
			if (*end || v < 128 || v > 0x7fffffff) {
				fprintf(stderr, "iedc: --max-pdu '%s': expected octets, 128 or more\n",
					optarg);
				return IEDC_USAGE;
			}
			max_pdu = (int)v;
			break;
		}
		case 'p':
			password = optarg;
			break;
		case OPT_AP_TITLE: {
			/* an OID: 1.3.9999.13 */
			const char *s = optarg;
			calling.ap_title_n = 0;
			while (*s && calling.ap_title_n < ACSE_MAX_ARCS) {
				char *end;
				unsigned long v = strtoul(s, &end, 10);
				if (end == s || (*end && *end != '.') || v > UINT32_MAX)
					break;
				calling.ap_title[calling.ap_title_n++] = (uint32_t)v;
				s = *end ? end + 1 : end;
			}
			if (*s || calling.ap_title_n < 2) {
				fprintf(stderr, "iedc: --ap-title '%s': expected an object identifier "
					"such as 1.3.9999.13\n", optarg);
				return IEDC_USAGE;
			}
			break;
		}
		case OPT_AE_QUAL: {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (!*optarg || *end) {
				fprintf(stderr, "iedc: --ae-qualifier '%s': expected an integer\n",
					optarg);
				return IEDC_USAGE;
			}
			calling.has_ae_qualifier = true;
			calling.ae_qualifier = v;
			break;
		}
		case OPT_TLS:
			tls = true;
			break;
		case OPT_CA:
			tls_opts.ca = optarg;
			break;
		case OPT_CERT:
			tls_opts.cert = optarg;
			break;
		case OPT_KEY:
			tls_opts.key = optarg;
			break;
		case OPT_TLS_PRIORITY:
			tls_opts.priority = optarg;
			break;
		case OPT_GI:
			ro.gi = true;
			break;
		case OPT_TRGOPS:
			ro.trgops = optarg;
			break;
		case OPT_INTGPD:
			if (!opt_u32("--intgpd", optarg, 0, &ro.intgpd))
				return IEDC_USAGE;
			ro.has_intgpd = true;
			break;
		case OPT_BUFTM:
			if (!opt_u32("--bufTm", optarg, 0, &ro.buftm))
				return IEDC_USAGE;
			ro.has_buftm = true;
			break;
		case OPT_ENTRY_ID:
			ro.entry_id = optarg;
			break;
		case OPT_COUNT:
			if (!opt_u32("--count", optarg, 1, &ro.count))
				return IEDC_USAGE;
			break;
		case OPT_SELECT:
			co.select_only = ctl_opt = true;
			break;
		case OPT_CANCEL:
			co.cancel = ctl_opt = true;
			break;
		case OPT_TEST:
			co.test = ctl_opt = true;
			break;
		case OPT_CHECK:
			co.check_text = optarg;
			ctl_opt = true;
			break;
		case OPT_ORCAT:
			co.orcat_text = optarg;
			ctl_opt = true;
			break;
		case OPT_ORIDENT:
			co.orident = optarg;
			ctl_opt = true;
			break;
		case OPT_AT:
			co.at = optarg;
			ctl_opt = true;
			break;
		case OPT_APPID: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 0);
			if (!*optarg || *end || optarg[0] == '-' || errno || v > 0xFFFF) {
				fprintf(stderr, "iedc: --appid '%s': expected 0..65535 (0x3fff)\n", optarg);
				return IEDC_USAGE;
			}
			appid = v;
			break;
		}
		case OPT_GOCB:
			gocb = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iedc %s\n", IEDD_VERSION);
			return 0;
		default:
			usage(stderr);
			return IEDC_USAGE;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return IEDC_USAGE;
	}
	if (!tls && (tls_opts.ca || tls_opts.cert || tls_opts.key || tls_opts.priority)) {
		fprintf(stderr, "iedc: --ca, --cert, --key and --tls-priority go with --tls\n");
		return IEDC_USAGE;
	}
	if (!tls_opts.cert != !tls_opts.key) {
		fprintf(stderr, "iedc: --cert and --key go together\n");
		return IEDC_USAGE;
	}
	if (tls)
		client_set_tls(&tls_opts);
	client_set_calling(&calling);
	static const struct {
		const char *name;
		int min, max;	/* arguments after HOST */
		const char *args;
	} cmds[] = {
		{ "identify", 0, 0, "HOST[:PORT]" },
		{ "browse", 0, 1, "HOST[:PORT] [LD]" },
		{ "read", 1, 1, "HOST[:PORT] REF" },
		{ "write", 2, 2, "HOST[:PORT] REF VALUE" },
		{ "datasets", 0, 1, "HOST[:PORT] [LD]" },
		{ "file ls", 0, 1, "HOST[:PORT] [PATH]" },
		{ "file get", 1, 2, "HOST[:PORT] REMOTE [LOCAL]" },
		{ "file rm", 1, 1, "HOST[:PORT] REMOTE" },
		{ "file mv", 2, 2, "HOST[:PORT] FROM TO" },
		{ "file put", 2, 2, "HOST[:PORT] LOCAL REMOTE" },
		{ "dataset create", 2, MMS_RPT_MAX_MEMBERS + 1, "HOST[:PORT] LD/LN.NAME MEMBER..." },
		{ "dataset delete", 1, 1, "HOST[:PORT] LD/LN.NAME" },
		{ "report", 1, MMS_RPT_MAX_MEMBERS + 1,
		  "HOST[:PORT] RCB [--gi] [--trgops LIST] [--intgpd MS] [--bufTm MS] "
		  "[--entry-id HEX] [--count N] [--dataset MEMBER...]" },
		{ "control", 2, 2,
		  "HOST[:PORT] REF VALUE [--select] [--cancel] [--test] [--check interlock,synchro] "
		  "[--orcat N|NAME] [--orident TEXT] [--at TIME|+MS]" },
	};
	const char *cmd = argv[optind], *host = argv[optind + 1];
	char fcmd[40];
	if (!strcmp(cmd, "goose")) {
		/* no server: "goose listen IFACE" */
		if (argc - optind != 3 || strcmp(argv[optind + 1], "listen")) {
			fprintf(stderr, "iedc: usage: iedc goose listen IFACE [--appid N] [--gocb REF] "
				"[--count N] [--json]\n");
			return IEDC_USAGE;
		}
		return cmd_goose_listen(argv[optind + 2], json, appid, gocb, ro.count);
	}
	if (!strcmp(cmd, "file") || !strcmp(cmd, "dataset")) {
		/* "file SUB HOST ...": the subcommand is part of the command */
		if (argc - optind < 3) {
			fprintf(stderr, "iedc: usage: iedc [OPTION]... %s HOST[:PORT] ...\n",
				!strcmp(cmd, "file") ? "file ls|get|rm|mv|put" : "dataset create|delete");
			return IEDC_USAGE;
		}
		snprintf(fcmd, sizeof(fcmd), "%s %.20s", cmd, argv[optind + 1]);
		cmd = fcmd;
		host = argv[++optind + 1];
	}
	char **args = argv + optind + 2;
	int nargs = argc - optind - 2;
	size_t k;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(cmd, cmds[k].name))
			break;
	if (k == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "iedc: unknown command '%s' (see iedc --help)\n", cmd);
		return IEDC_USAGE;
	}
	if (nargs < cmds[k].min || nargs > cmds[k].max) {
		fprintf(stderr, "iedc: usage: iedc [OPTION]... %s %s\n", cmd, cmds[k].args);
		return IEDC_USAGE;
	}
	/* references are checked before connecting */
	struct mms_objname name;
	struct proto_err perr = { 0 };
	bool is_ds = false;
	char why[400];
	bool is_report = !strcmp(cmd, "report");
	if (is_report) {
		ro.rcb = args[0];
		ro.use_dataset = dataset;
		ro.members = args + 1;
		ro.n_members = nargs - 1;
		if (report_args_check(&ro, why, sizeof(why))) {
			fprintf(stderr, "iedc: %s\n", why);
			return IEDC_USAGE;
		}
		dataset = false; /* --dataset was report's */
	} else if (ro.gi || ro.trgops || ro.has_intgpd || ro.has_buftm || ro.entry_id ||
		   ro.count) {
		fprintf(stderr, "iedc: --gi, --trgops, --intgpd, --bufTm, --entry-id and --count "
			"are options of report\n");
		return IEDC_USAGE;
	}
	bool is_control = !strcmp(cmd, "control");
	if (is_control) {
		co.ref = args[0];
		co.value = args[1];
		/* longer than iedd's default operTimeout (10 s), so that its
		 * CommandTermination- arrives before iedc gives up */
		co.term_timeout = timeout_set ? timeout : 15000;
		if (control_args_check(&co, why, sizeof(why))) {
			fprintf(stderr, "iedc: %s\n", why);
			return IEDC_USAGE;
		}
	} else if (ctl_opt) {
		fprintf(stderr, "iedc: --select, --cancel, --test, --check, --orcat, --orident and "
			"--at are options of control\n");
		return IEDC_USAGE;
	}
	if (!strncmp(cmd, "dataset ", 8) &&
	    dataset_args_check(cmd + 8, args, nargs, why, sizeof(why))) {
		fprintf(stderr, "iedc: %s\n", why);
		return IEDC_USAGE;
	}
	if (!strcmp(cmd, "read") && (dataset || mms_ref_parse(args[0], &name, &perr)))
		is_ds = !dataset_parse(args[0], &name);
	if (dataset && !is_ds) {
		fprintf(stderr, "iedc: %s: not a data set reference LD/LN.NAME (e.g. "
			"IEDD1BAY/LLN0.dsMeas, as iedc datasets prints it)\n", args[0]);
		return IEDC_USAGE;
	}
	if (((!strcmp(cmd, "read") && !is_ds) || !strcmp(cmd, "write")) &&
	    mms_ref_parse(args[0], &name, &perr)) {
		fprintf(stderr, "iedc: %s: %s\n", args[0], perr.reason);
		return IEDC_USAGE;
	}
	if (nargs == 1 && (!strcmp(cmd, "browse") || !strcmp(cmd, "datasets")) &&
	    (!args[0][0] || strlen(args[0]) > MMS_MAX_DOMAIN)) {
		fprintf(stderr, "iedc: '%s' is not a logical device name (1 to %d characters)\n",
			args[0], MMS_MAX_DOMAIN);
		return IEDC_USAGE;
	}
	struct client c;
	int r = client_open_pdu(&c, host, password, timeout, max_pdu);
	if (!r) {
		if (!strcmp(cmd, "identify"))
			r = cmd_identify(&c, json);
		else if (!strcmp(cmd, "browse"))
			r = cmd_browse(&c, json, nargs ? args[0] : NULL);
		else if (is_ds)
			r = cmd_read_dataset(&c, json, args[0], &name);
		else if (!strcmp(cmd, "read"))
			r = cmd_read(&c, json, args[0], &name);
		else if (!strcmp(cmd, "write"))
			r = cmd_write(&c, json, args[0], &name, args[1]);
		else if (!strncmp(cmd, "file ", 5))
			r = cmd_file(&c, json, cmd + 5, args, nargs);
		else if (!strncmp(cmd, "dataset ", 8))
			r = cmd_dataset(&c, json, cmd + 8, args, nargs);
		else if (is_report)
			r = cmd_report(&c, json, &ro);
		else if (is_control)
			r = cmd_control(&c, json, &co);
		else
			r = cmd_datasets(&c, json, nargs ? args[0] : NULL);
	}
	/* a refused service still ends the association in order */
	if (!r || r == IEDC_SERVICE || r == IEDC_USAGE) {
		char msg[sizeof(c.errmsg)];
		memcpy(msg, c.errmsg, sizeof(msg));
		int rc = client_close(&c);
		if (!r)
			r = rc;
		else
			memcpy(c.errmsg, msg, sizeof(msg));
	} else {
		client_drop(&c);
	}
	/* --json: stdout is valid JSON whatever happened; a command that had
	 * begun its document closed it with an "error" member itself */
	if (json && r && !c.json_closed) {
		fputs("{\"error\":", stdout);
		json_str(stdout, c.errmsg);
		printf(",\"exitStatus\":%d}\n", r);
	}
	fflush(stdout);
	if (r)
		fprintf(stderr, "iedc: %s\n", c.errmsg);
	return r;
}
