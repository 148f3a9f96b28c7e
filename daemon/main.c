/* iedd: an IEC 61850 / IEC 61400-25 server ("software IED"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "iedd_config.h"
#include "log.h"
#include "model.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iedd [OPTION]...\n"
		"IEC 61850 / IEC 61400-25 MMS server (a software IED).\n"
		"\n"
		"  -c, --config FILE         daemon configuration (iedd.xml); without it the\n"
		"                            embedded default is used (a copy of etc/iedd.xml:\n"
		"                            listens on 127.0.0.1:10102 and serves the sample\n"
		"                            model etc/sample.icd)\n"
		"  -l, --listen ADDR:PORT    listen here instead of the configured listeners;\n"
		"                            repeatable. ADDR is an IPv4/IPv6 literal, '*' or\n"
		"                            '::' (e.g. 0.0.0.0:102, [::1]:10102, :102)\n"
		"  -m, --max-associations N  refuse associations beyond N (COTP DR)\n"
		"  -s, --scl FILE            serve the data model of this SCL file (ICD, CID,\n"
		"                            IID, SCD; SCL 2003/2007B/2007B4) instead of the\n"
		"                            configured one; no configuration file needed\n"
		"  -i, --ied NAME            the IED of the SCL file to serve (needed when the\n"
		"                            file describes several)\n"
		"  -k, --check               load and validate everything, then exit 0, or\n"
		"                            non-zero with the messages; does not listen\n"
		"  -v, --verbose             one line per association event (repeat for debug)\n"
		"      --trace               decode every PDU to a readable line (debugging)\n"
		"  -f, --foreground          stay in the foreground (iedd always does; systemd\n"
		"                            and other supervisors run it this way)\n"
		"  -h, --help                this help\n"
		"  -V, --version             version\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop accepting, abort open associations and exit 0.\n"
		"Exit status: 0 ok, 1 configuration or start-up error, 2 usage error.\n"
		"Try it:  iedd --listen 127.0.0.1:10102 &  iedc identify 127.0.0.1:10102\n"
		"         iedd --scl my.icd --check      (validate an SCL file)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-associations", required_argument, NULL, 'm' },
		{ "scl", required_argument, NULL, 's' },
		{ "ied", required_argument, NULL, 'i' },
		{ "check", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *config_path = NULL, *scl = NULL, *ied = NULL;
	struct config_listen listen[CONFIG_MAX_LISTEN];
	size_t n_listen = 0;
	long max_assoc = -1;
	bool check = false, trace = false;
	int verbose = 0, c;

	while ((c = getopt_long(argc, argv, "c:l:m:s:i:kvfhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'l':
			if (n_listen == CONFIG_MAX_LISTEN) {
				fprintf(stderr, "iedd: at most %d --listen options\n", CONFIG_MAX_LISTEN);
				return 2;
			}
			if (config_parse_listen(optarg, &listen[n_listen])) {
				fprintf(stderr,
					"iedd: --listen '%s': expected ADDR:PORT with a numeric address "
					"and a port 1..65535, e.g. 127.0.0.1:10102 or [::1]:102\n",
					optarg);
				return 2;
			}
			n_listen++;
			break;
		case 'm': {
			char *end;
			errno = 0;
			max_assoc = strtol(optarg, &end, 10);
			if (errno || *end || max_assoc < 1 || max_assoc > 1000000) {
				fprintf(stderr, "iedd: --max-associations '%s': expected 1..1000000\n",
					optarg);
				return 2;
			}
			break;
		}
		case 's':
			scl = optarg;
			break;
		case 'i':
			ied = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 't':
			trace = true;
			break;
		case 'f':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iedd %s\n", IEDD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iedd: unexpected argument '%s' (see iedd --help)\n", argv[optind]);
		return 2;
	}
	log_init(verbose >= 2 || trace ? LOG_DEBUG : verbose ? LOG_INFO : LOG_NOTICE, trace);

	static struct iedd_config cfg;
	char err[1024];
	int r = config_path ? config_load_file(config_path, &cfg, err, sizeof(err)) :
			      config_load_embedded(&cfg, err, sizeof(err));
	if (r) {
		fprintf(stderr, "iedd: %s\n", err);
		return 1;
	}
	if (n_listen) {
		memcpy(cfg.listen, listen, n_listen * sizeof(listen[0]));
		cfg.n_listen = n_listen;
	}
	if (max_assoc > 0)
		cfg.max_associations = (unsigned)max_assoc;
	if (scl) {
		snprintf(cfg.scl_file, sizeof(cfg.scl_file), "%s", scl);
		cfg.ied_name[0] = 0;
	}
	if (ied)
		snprintf(cfg.ied_name, sizeof(cfg.ied_name), "%s", ied);

	/* The data model: the configured SCL file, or the embedded sample (a
	 * copy of etc/sample.icd: a substation bay and a wind turbine). */
	struct model *model = NULL;
	static char merr[2048];
	const char *ied_sel = cfg.ied_name[0] ? cfg.ied_name : NULL;
	if (cfg.scl_file[0])
		r = model_load_scl(cfg.scl_file, ied_sel, &model, merr, sizeof(merr));
	else
		r = model_load_scl_mem("(embedded sample.icd)", embedded_sample_icd,
				       embedded_sample_icd_len, ied_sel, &model, merr, sizeof(merr));
	if (r) {
		fprintf(stderr, "iedd: %s\n", merr);
		return 1;
	}
	for (uint32_t i = 0; i < model_n_warnings(model); i++)
		log_msg(LOG_WARNING, LOGC_MODEL, "%s", model_warning(model, i));
	if (check) {
		printf("%s: configuration OK (%zu listener(s), max %u associations)\n", cfg.source,
		       cfg.n_listen, cfg.max_associations);
		{
			uint32_t n_ln = 0, n_ds = 0;
			for (uint32_t i = 0; i < model->n_ld; i++) {
				n_ln += model->lds[i].n_ln;
				n_ds += model->lds[i].n_ds;
			}
			printf("%s: IED %s OK: %u logical device(s), %u logical node(s), %u data set(s)\n",
			       model->scl_file, model->ied_name, model->n_ld, n_ln, n_ds);
		}
		model_free(model);
		return 0;
	}
	log_msg(LOG_NOTICE, LOGC_MAIN, "iedd %s starting, configuration %s", IEDD_VERSION,
		cfg.source);
	log_msg(LOG_NOTICE, LOGC_MODEL, "serving IED %s from %s (%u logical devices)",
			model->ied_name, model->scl_file, model->n_ld);
	struct server *srv = server_new(&cfg, model, trace);
	if (!srv) {
		model_free(model);
		return 1;
	}
	r = server_run(srv);
	server_free(srv);
	model_free(model);
	log_msg(LOG_NOTICE, LOGC_MAIN, "stopped");
	return r ? 1 : 0;
}
