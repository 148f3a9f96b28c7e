/* SPDX-License-Identifier: Apache-2.0 */
/* daemon/config.c: iedd.xml loading, schema validation and the messages a
 * user sees for a broken file. */
#include "config.h"

#include "embedded.h"
#include "iedd_config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define NS "urn:iedd:config:1"
#define HEAD "<iedd xmlns=\"" NS "\">\n"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes `text` to tmpdir/name; the path goes to path[PATH_MAX]. */
static void write_file(const char *name, const char *text, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* Runs config_load_file with stderr redirected to a file, and asserts
 * that libxml2 (or anyone) printed nothing. */
static int load_quiet(const char *path, struct iedd_config *cfg, char *err, size_t errlen)
{
	char out[256];
	struct stat st;
	int saved, fd, r;

	snprintf(out, sizeof(out), "%s/stderr.txt", tmpdir);
	fflush(stderr);
	saved = dup(2);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	dup2(fd, 2);
	close(fd);
	r = config_load_file(path, cfg, err, errlen);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_msg(st.st_size == 0, "%s: %jd bytes on stderr", path, (intmax_t)st.st_size);
	return r;
}

static void check_defaults(const struct iedd_config *c)
{
	ck_assert_uint_eq(c->max_associations, 10000);
	ck_assert_uint_eq(c->assoc_timeout_ms, 10000);
	ck_assert_uint_eq(c->idle_timeout_ms, 0);
	ck_assert_uint_eq(c->pdu_timeout_ms, 10000);
	ck_assert_uint_eq(c->max_pdu_size, 65000);
	ck_assert_int_eq(c->max_serv_outstanding, 16);
	ck_assert_int_eq(c->max_nesting, 10);
	ck_assert_str_eq(c->vendor, "iedd");
	ck_assert_str_eq(c->model, "software IED");
	ck_assert_str_eq(c->revision, IEDD_VERSION);
}

/* Every field but `source`. */
static void check_same(const struct iedd_config *a, const struct iedd_config *b)
{
	ck_assert_uint_eq(a->n_listen, b->n_listen);
	for (size_t i = 0; i < a->n_listen; i++) {
		ck_assert_str_eq(a->listen[i].addr, b->listen[i].addr);
		ck_assert_uint_eq(a->listen[i].port, b->listen[i].port);
	}
	ck_assert_uint_eq(a->max_associations, b->max_associations);
	ck_assert_uint_eq(a->assoc_timeout_ms, b->assoc_timeout_ms);
	ck_assert_uint_eq(a->idle_timeout_ms, b->idle_timeout_ms);
	ck_assert_uint_eq(a->pdu_timeout_ms, b->pdu_timeout_ms);
	ck_assert_uint_eq(a->max_pdu_size, b->max_pdu_size);
	ck_assert_int_eq(a->max_serv_outstanding, b->max_serv_outstanding);
	ck_assert_int_eq(a->max_nesting, b->max_nesting);
	ck_assert_str_eq(a->vendor, b->vendor);
	ck_assert_str_eq(a->model, b->model);
	ck_assert_str_eq(a->revision, b->revision);
}

/* ---- good configurations --------------------------------------------- */

START_TEST(defaults)
{
	struct iedd_config c;
	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	check_defaults(&c);
	ck_assert_uint_eq(c.n_listen, 0);
	ck_assert_str_eq(c.source, "(embedded default)");
}
END_TEST

START_TEST(embedded)
{
	struct iedd_config c;
	char err[512] = "";

	ck_assert_uint_eq(strlen((const char *)embedded_iedd_xml), embedded_iedd_xml_len);
	ck_assert_int_eq(config_load_embedded(&c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(c.n_listen, 1);
	ck_assert_str_eq(c.listen[0].addr, "127.0.0.1");
	ck_assert_uint_eq(c.listen[0].port, 10102);
	check_defaults(&c);
	ck_assert_str_eq(c.revision, "0.1.0");
	ck_assert_str_eq(c.source, "(embedded default)");
}
END_TEST

/* The shipped etc/iedd.xml loads, and is what the binary carries. */
START_TEST(etc_file)
{
	const char *path = getenv("IEDD_ETC_XML");
	struct iedd_config file, emb;
	char err[512] = "";

	ck_assert_msg(path != NULL, "IEDD_ETC_XML not set (run through meson test)");
	ck_assert_int_eq(load_quiet(path, &file, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(file.source, path);
	ck_assert_int_eq(config_load_embedded(&emb, err, sizeof(err)), 0);
	check_same(&file, &emb);
}
END_TEST

/* What a reload may apply live and what takes a restart
 * (config_restart_change): line numbers never count; the map, the sources
 * and the TLS files are live; a listener, the SCL file or a limit is not. */
START_TEST(restart_change)
{
	static struct iedd_config a, b;
	char path[256], err[512] = "";
	const char *base = "<iedd xmlns=\"" NS "\">\n"
			   "  <server><listen address=\"127.0.0.1\" port=\"10102\"/></server>\n"
			   "  <map file=\"a.csv\"/>\n"
			   "  <sources><source name=\"s\" plugin=\"sim\"/></sources>\n"
			   "</iedd>\n";
	write_file("r1.xml", base, path, sizeof(path));
	ck_assert_msg(load_quiet(path, &a, err, sizeof(err)) == 0, "%s", err);
	/* the same, moved down by comment lines, another map and source */
	write_file("r1.xml",
		   "<!-- one -->\n<!-- two -->\n<iedd xmlns=\"" NS "\">\n"
		   "  <server><listen address=\"127.0.0.1\" port=\"10102\"/></server>\n"
		   "  <map file=\"b.csv\" period=\"50\"/>\n"
		   "  <sources><source name=\"t\" plugin=\"shm\"><param name=\"x\" value=\"1\"/>"
		   "</source></sources>\n</iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &b, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(config_restart_change(&a, &b));
	ck_assert_ptr_null(config_restart_change(&a, &a));
	b = a;
	b.listen[0].port = 10103;
	ck_assert_str_eq(config_restart_change(&a, &b), "the listeners (<listen>)");
	b = a;
	snprintf(b.scl_file, sizeof(b.scl_file), "/x.icd");
	ck_assert_str_eq(config_restart_change(&a, &b), "<scl file>");
	b = a;
	b.ds_max_members = 7;
	ck_assert_ptr_nonnull(strstr(config_restart_change(&a, &b), "a setting other than"));
	b = a;
	b.tls.present = true;
	ck_assert_str_eq(config_restart_change(&a, &b), "<tls> present or not");
	a.tls.present = true;
	snprintf(b.tls.cert.path, sizeof(b.tls.cert.path), "/new.pem");
	ck_assert_ptr_null(config_restart_change(&a, &b));
}
END_TEST

START_TEST(minimal)
{
	struct iedd_config c, d;
	char path[256], err[512] = "";

	write_file("minimal.xml", "<iedd xmlns=\"" NS "\"/>", path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	config_defaults(&d);
	check_same(&c, &d);
	ck_assert_str_eq(c.source, path);

	write_file("empty-server.xml",
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<!-- a comment -->\n"
		   "<c:iedd xmlns:c=\"" NS "\"><c:server><c:limits/></c:server></c:iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	check_same(&c, &d);
}
END_TEST

/* <simulate travelMs><control ref travelMs fail/></simulate>: the
 * simulated plant's settings. */
START_TEST(simulate_plant)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	write_file("sim.xml",
		   HEAD
		   "  <simulate travelMs=\"2000\">\n"
		   "    <control ref=\"IEDD1BAY/XCBR1.Pos\" fail=\"stuck\"/>\n"
		   "    <control ref=\"IEDD1WTG/WTUR1.SetTurOp\" travelMs=\"0\" fail=\"every:3\"/>\n"
		   "  </simulate>\n"
		   "</iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert(c.simulate);
	ck_assert_int_eq(c.sim_travel_ms, 2000);
	ck_assert_uint_eq(c.n_sim_controls, 2);
	ck_assert_str_eq(c.sim_controls[0].ref, "IEDD1BAY/XCBR1.Pos");
	ck_assert_int_eq(c.sim_controls[0].travel_ms, -1);
	ck_assert_str_eq(c.sim_controls[0].fail, "stuck");
	ck_assert_uint_eq(c.sim_controls[0].line, 3);
	ck_assert_int_eq(c.sim_controls[1].travel_ms, 0);
	ck_assert_str_eq(c.sim_controls[1].fail, "every:3");

	write_file("sim-plain.xml", HEAD "  <simulate/>\n</iedd>\n", path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert(c.simulate);
	ck_assert_int_eq(c.sim_travel_ms, -1);
	ck_assert_uint_eq(c.n_sim_controls, 0);
}
END_TEST

START_TEST(full)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	write_file("full.xml",
		   HEAD
		   "  <server>\n"
		   "    <listen address=\"*\" port=\"102\"/>\n"
		   "    <listen address=\"::\" port=\" 3782 \"/>\n"
		   "    <listen address=\"::1\" port=\"010102\"/>\n"
		   "    <listen address=\"192.168.1.10\" port=\"65535\"/>\n"
		   "    <limits maxAssociations=\"5\" associationTimeout=\"2000\" idleTimeout=\"60000\"\n"
		   "            pduTimeout=\"3000\" maxPduSize=\"1048576\" maxServOutstanding=\"1000\"\n"
		   "            maxNesting=\"100\" cpuPercent=\"20\"/>\n"
		   "    <identity vendor=\"ACME Grid\" model=\"WTG-3000 gateway\" revision=\"2.4.1 build 7\"/>\n"
		   "  </server>\n"
		   "</iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.n_listen, 4);
	ck_assert_str_eq(c.listen[0].addr, "*");
	ck_assert_uint_eq(c.listen[0].port, 102);
	ck_assert_str_eq(c.listen[1].addr, "::");
	ck_assert_uint_eq(c.listen[1].port, 3782);
	ck_assert_str_eq(c.listen[2].addr, "::1");
	ck_assert_uint_eq(c.listen[2].port, 10102);
	ck_assert_str_eq(c.listen[3].addr, "192.168.1.10");
	ck_assert_uint_eq(c.listen[3].port, 65535);
	ck_assert_uint_eq(c.max_associations, 5);
	ck_assert_uint_eq(c.assoc_timeout_ms, 2000);
	ck_assert_uint_eq(c.cpu_percent, 20);
	ck_assert_uint_eq(c.idle_timeout_ms, 60000);
	ck_assert_uint_eq(c.pdu_timeout_ms, 3000);
	ck_assert_uint_eq(c.max_pdu_size, 1048576);
	ck_assert_int_eq(c.max_serv_outstanding, 1000);
	ck_assert_int_eq(c.max_nesting, 100);
	ck_assert_str_eq(c.vendor, "ACME Grid");
	ck_assert_str_eq(c.model, "WTG-3000 gateway");
	ck_assert_str_eq(c.revision, "2.4.1 build 7");
}
END_TEST

/* The line of each <source> and of <scl> is kept for later messages
 * (an unknown plugin, a missing SCL file): the line of the start tag's
 * '<', also when the tag spans lines. */
START_TEST(element_lines)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	write_file("lines.xml",
		   HEAD					/* 1 */
		   "  <scl file=\"model.icd\"\n"		/* 2 */
		   "       ied=\"IED1\"/>\n"		/* 3 */
		   "  <sources>\n"			/* 4 */
		   "    <source name=\"a\" plugin=\"sim\"/>\n"	/* 5 */
		   "    <source\n"			/* 6 */
		   "        name=\"b\"\n"			/* 7 */
		   "        plugin=\"shm\">\n"		/* 8 */
		   "      <param name=\"segment\" value=\"/x\"/>\n"
		   "    </source>\n"
		   "  </sources>\n"
		   "</iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.scl_line, 2);
	ck_assert_uint_eq(c.n_sources, 2);
	ck_assert_uint_eq(c.sources[0].line, 5);
	ck_assert_uint_eq(c.sources[1].line, 6);

	write_file("no-scl.xml", "<iedd xmlns=\"" NS "\"/>", path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.scl_line, 0);
}
END_TEST

/* xs:boolean collapses whitespace: " true " and "1" are true, as the
 * schema (and xmllint) accept them. */
START_TEST(booleans)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	write_file("bool.xml",
		   HEAD "<scl file=\"a.icd\" strict=\" true \"/>\n<sources>\n"
		   "<source name=\"a\" plugin=\"sim\" thread=\"\n1 \"/>\n"
		   "<source name=\"b\" plugin=\"sim\" thread=\"false\"/>\n"
		   "<source name=\"c\" plugin=\"sim\" thread=\"0\"/>\n"
		   "<source name=\"d\" plugin=\"sim\"/>\n"
		   "<source name=\"e\" plugin=\"sim\" thread=\"true\"/>\n</sources></iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert(c.scl_strict);
	ck_assert_uint_eq(c.n_sources, 5);
	ck_assert(c.sources[0].thread);
	ck_assert(!c.sources[1].thread);
	ck_assert(!c.sources[2].thread);
	ck_assert(!c.sources[3].thread);
	ck_assert(c.sources[4].thread);
}
END_TEST

/* Paths written in iedd.xml are relative to its directory, whatever the
 * current directory: <scl file>, <map file> and a plugin path (one with a
 * '/'); a bare plugin name is left for the plugin directory. */
START_TEST(relative_paths)
{
	struct iedd_config c;
	char path[256], err[512] = "", want[512], cwd[4096];

	write_file("paths.xml",
		   HEAD "<scl file=\"models/a.icd\"/>\n<map file=\"m.csv\"/>\n<sources>\n"
		   "<source name=\"a\" plugin=\"sim\"/>\n"
		   "<source name=\"b\" plugin=\"lib/iedd-source-x.so\"/>\n"
		   "<source name=\"c\" plugin=\"./y.so\"/>\n"
		   "<source name=\"d\" plugin=\"/opt/z/iedd-source-z.so\"/>\n"
		   "</sources></iedd>\n",
		   path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s/models/a.icd", tmpdir);
	ck_assert_str_eq(c.scl_file, want);
	snprintf(want, sizeof(want), "%s/m.csv", tmpdir);
	ck_assert_str_eq(c.map_file, want);
	ck_assert_str_eq(c.sources[0].plugin, "sim");
	snprintf(want, sizeof(want), "%s/lib/iedd-source-x.so", tmpdir);
	ck_assert_str_eq(c.sources[1].plugin, want);
	snprintf(want, sizeof(want), "%s/./y.so", tmpdir);
	ck_assert_str_eq(c.sources[2].plugin, want);
	ck_assert_str_eq(c.sources[3].plugin, "/opt/z/iedd-source-z.so");

	/* Named without a directory, the file is in the current one: the
	 * paths stay as written, and so relative to it. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	int r = load_quiet("paths.xml", &c, err, sizeof(err));
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_msg(r == 0, "%s", err);
	ck_assert_str_eq(c.scl_file, "models/a.icd");
	ck_assert_str_eq(c.sources[1].plugin, "lib/iedd-source-x.so");
}
END_TEST

/* <clients file="F">: the list in a file of its own (one an integrator can
 * keep apart, mode 0600), relative to iedd.xml; its messages name F. */
START_TEST(clients_file)
{
	struct iedd_config c;
	char path[256], cpath[256], err[1024] = "", prefix[300];

	write_file("site-clients.xml",
		   "<clients xmlns=\"" NS "\">\n"
		   "  <role name=\"OBSERVER\" rights=\"VIEW READ\"/>\n"
		   "  <rule roles=\"OPERATOR\" lnClass=\"XCBR\" deny=\"CONTROL\"/>\n"
		   "  <client name=\"scada\" roles=\"OPERATOR\" address=\"10.0.0.0/8\"/>\n"
		   "  <client name=\"hmi\" roles=\"OBSERVER VIEWER\" apTitle=\"1.3.9999.13\"/>\n"
		   "</clients>\n",
		   cpath, sizeof(cpath));
	write_file("with-clients.xml", HEAD "<clients file=\"site-clients.xml\"/>\n</iedd>\n", path,
		   sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.clients_file, cpath);
	ck_assert(c.authz.enabled);
	ck_assert_uint_eq(c.authz.n_clients, 2);
	ck_assert_uint_eq(c.authz.n_rules, 1);
	ck_assert_str_eq(c.authz.clients[1].name, "hmi");
	int obs = authz_find_role(&c.authz, "OBSERVER"), vw = authz_find_role(&c.authz, "VIEWER");
	ck_assert_int_ge(obs, 0);
	ck_assert_uint_eq(c.authz.clients[1].roles, (1u << obs) | (1u << vw));
	ck_assert_uint_eq(c.authz.roles[obs].rights, AZ_BIT(AZ_VIEW) | AZ_BIT(AZ_READ));
	ck_assert_uint_eq(c.authz.clients[1].ap_title_n, 4);
	ck_assert_uint_eq(c.authz.clients[0].n_nets, 1);

	/* the file's own root, namespace and schema; errors at its lines */
	write_file("site-clients.xml", HEAD "</iedd>\n", cpath, sizeof(cpath));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:1: ", cpath);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s", err);
	ck_assert_msg(strstr(err, "<clients xmlns=\"" NS "\">"), "%s", err);
	write_file("site-clients.xml",
		   "<clients xmlns=\"" NS "\">\n\n  <client name=\"x\" roles=\"VIEWER\" adress=\"::1\"/>\n"
		   "</clients>\n",
		   cpath, sizeof(cpath));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:3: ", cpath);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s", err);
	ck_assert_msg(strstr(err, "'adress'"), "%s", err);
	/* one level only */
	write_file("site-clients.xml", "<clients xmlns=\"" NS "\" file=\"more.xml\"/>\n", cpath,
		   sizeof(cpath));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "one level only"), "%s", err);
}
END_TEST

/* The plugin attribute holds up to 255 characters; with the directory put
 * in front the path is longer, and is kept whole. */
START_TEST(long_plugin_path)
{
	struct iedd_config c;
	char path[256], err[512] = "", text[1024], name[300];

	memset(name, 'p', 250);
	memcpy(name, "./", 2);
	strcpy(name + 250, ".so");
	snprintf(text, sizeof(text),
		 HEAD "<sources>\n<source name=\"a\"\n plugin=\"%s\"/>\n</sources></iedd>\n",
		 name);
	write_file("long.xml", text, path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(strlen(c.sources[0].plugin), strlen(tmpdir) + 1 + strlen(name));
	ck_assert_str_eq(c.sources[0].plugin + strlen(tmpdir) + 1, name);
}
END_TEST

/* A relative path that fits the attribute (4095) but not with the
 * directory in front is refused, not cut. */
START_TEST(relative_path_too_long)
{
	static char text[8192], name[4096];
	struct iedd_config c;
	char path[256], err[512] = "", want[700];

	memset(name, 'd', 4090);
	name[4090] = '\0';
	snprintf(text, sizeof(text), HEAD "<scl\n  file=\"%s\"/></iedd>\n", name);
	write_file("toolong.xml", text, path, sizeof(path));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: element 'scl', attribute 'file': the path is too long "
		 "with the directory of this file (%s/) in front", path, tmpdir);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "got '%s'", err);
}
END_TEST

START_TEST(sixteen_listeners)
{
	struct iedd_config c;
	char path[256], err[512] = "", text[4096];
	size_t o = (size_t)snprintf(text, sizeof(text), HEAD "<server>\n");

	for (int i = 0; i < CONFIG_MAX_LISTEN; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "<listen address=\"127.0.0.1\" port=\"%d\"/>\n", 20000 + i);
	snprintf(text + o, sizeof(text) - o, "</server></iedd>\n");
	write_file("sixteen.xml", text, path, sizeof(path));
	ck_assert_msg(load_quiet(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.n_listen, CONFIG_MAX_LISTEN);
	ck_assert_uint_eq(c.listen[15].port, 20015);
}
END_TEST

/* default="..." in the schema documents what iedd does when an attribute
 * is left out; it must say what config_defaults() does. */
START_TEST(xsd_defaults_match)
{
	struct iedd_config c;
	xmlDocPtr xsd;
	unsigned checked = 0;
	char buf[80];

	config_defaults(&c);
	xsd = xmlReadMemory((const char *)embedded_config_xsd, (int)embedded_config_xsd_len,
			    "iedd-config.xsd", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ck_assert_ptr_nonnull(xsd);
	for (xmlNode *n = xmlDocGetRootElement(xsd); n;) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "attribute")) {
			xmlChar *name = xmlGetNoNsProp(n, (const xmlChar *)"name");
			xmlChar *def = xmlGetNoNsProp(n, (const xmlChar *)"default");
			const char *nm = (const char *)name;
			if (def) {
				if (!strcmp(nm, "maxAssociations"))
					snprintf(buf, sizeof(buf), "%u", c.max_associations);
				else if (!strcmp(nm, "associationTimeout"))
					snprintf(buf, sizeof(buf), "%u", c.assoc_timeout_ms);
				else if (!strcmp(nm, "idleTimeout"))
					snprintf(buf, sizeof(buf), "%u", c.idle_timeout_ms);
				else if (!strcmp(nm, "pduTimeout"))
					snprintf(buf, sizeof(buf), "%u", c.pdu_timeout_ms);
				else if (!strcmp(nm, "maxPduSize"))
					snprintf(buf, sizeof(buf), "%u", (unsigned)c.max_pdu_size);
				else if (!strcmp(nm, "maxServOutstanding"))
					snprintf(buf, sizeof(buf), "%d", c.max_serv_outstanding);
				else if (!strcmp(nm, "maxNesting"))
					snprintf(buf, sizeof(buf), "%d", c.max_nesting);
				else if (!strcmp(nm, "cpuPercent"))
					snprintf(buf, sizeof(buf), "%u", c.cpu_percent);
				else if (!strcmp(nm, "authFailures"))
					snprintf(buf, sizeof(buf), "%u", c.auth_failures);
				else if (!strcmp(nm, "authBackoff"))
					snprintf(buf, sizeof(buf), "%u", c.auth_backoff_ms);
				else if (!strcmp(nm, "authBackoffMax"))
					snprintf(buf, sizeof(buf), "%u", c.auth_backoff_max_ms);
				else if (!strcmp(nm, "pendingPerAddress"))
					snprintf(buf, sizeof(buf), "%u", c.pending_per_addr);
				else if (!strcmp(nm, "vendor"))
					snprintf(buf, sizeof(buf), "%s", c.vendor);
				else if (!strcmp(nm, "model"))
					snprintf(buf, sizeof(buf), "%s", c.model);
				else
					ck_abort_msg("schema default for '%s' not known to this test", nm);
				ck_assert_msg(!strcmp(buf, (const char *)def),
					      "%s: schema says '%s', config_defaults '%s'", nm, def, buf);
				checked++;
			}
			xmlFree(name);
			xmlFree(def);
		}
		/* depth-first walk */
		if (n->children)
			n = n->children;
		else {
			while (n && !n->next)
				n = n->parent;
			if (n)
				n = n->next;
		}
	}
	xmlFreeDoc(xsd);
	ck_assert_uint_eq(checked, 14);
}
END_TEST

/* ---- broken configurations ------------------------------------------- */

struct broken {
	const char *name;
	const char *text;
	int line;		/* expected "file:LINE:"; 0 = "file: " */
	const char *says[4];	/* each must appear in the message */
};

#define LISTEN_OK "    <listen address=\"127.0.0.1\" port=\"10102\"/>\n"

static const struct broken broken[] = {
	{ .name = "sim-fail.xml",
	  .text = HEAD "  <simulate>\n    <control ref=\"LD/XCBR1.Pos\" fail=\"sometimes\"/>\n"
		  "  </simulate>\n</iedd>\n",
	  .line = 3, .says = { "fail" } },
	{ .name = "not-xml.xml", .text = "listen 127.0.0.1:102\n", .line = 1,
	  .says = { "not well-formed XML" } },
	{ .name = "empty.xml", .text = "", .line = 0, .says = { "empty", "<iedd xmlns=" } },
	{ .name = "truncated.xml", .text = HEAD "  <server>\n" LISTEN_OK, .line = 4,
	  .says = { "not well-formed XML" } },
	{ .name = "wrong-root.xml",
	  .text = "<?xml version=\"1.0\"?>\n<config xmlns=\"" NS "\"/>\n", .line = 2,
	  .says = { "root element is 'config'", "<iedd xmlns=\"urn:iedd:config:1\">" } },
	{ .name = "no-namespace.xml", .text = "\n<iedd>\n</iedd>\n", .line = 2,
	  .says = { "no namespace", "xmlns=\"urn:iedd:config:1\"" } },
	{ .name = "wrong-namespace.xml", .text = "<iedd xmlns=\"urn:iedd:config:2\"/>\n", .line = 1,
	  .says = { "'urn:iedd:config:2'", "xmlns=\"urn:iedd:config:1\"" } },
	{ .name = "unknown-element.xml",
	  .text = HEAD "  <server>\n" LISTEN_OK "    <lisen address=\"::1\" port=\"10103\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4, .says = { "element 'lisen'", "not expected", "listen, limits, identity" } },
	{ .name = "unknown-section.xml",
	  .text = HEAD "  <server/>\n  <frobnicate file=\"x.icd\"/>\n</iedd>\n", .line = 3,
	  .says = { "element 'frobnicate'", "<iedd> may contain server" } },
	{ .name = "foreign-element.xml",
	  .text = HEAD "  <server xmlns=\"\">\n  </server>\n</iedd>\n", .line = 2,
	  .says = { "element 'server'", "namespace urn:iedd:config:1" } },
	{ .name = "order.xml",
	  .text = HEAD "  <server>\n    <identity vendor=\"x\"/>\n" LISTEN_OK "  </server>\n</iedd>\n",
	  .line = 4, .says = { "element 'listen'", "in this order" } },
	{ .name = "text.xml", .text = HEAD "  <server>\n  listen here\n  </server>\n</iedd>\n",
	  .line = 2, .says = { "element 'server'", "text" } },
	{ .name = "port-0.xml",
	  .text = HEAD "  <server>\n    <listen address=\"127.0.0.1\" port=\"0\"/>\n  </server>\n</iedd>\n",
	  .line = 3,
	  .says = { "element 'listen', attribute 'port'", "'0'", "portType", "(use 1..65535)" } },
	{ .name = "port-70000.xml",
	  .text = HEAD "  <server>\n" LISTEN_OK "    <listen address=\"::1\" port=\"70000\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4,
	  .says = { "element 'listen', attribute 'port': '70000' is not a valid value of the atomic type 'portType' (use 1..65535)" } },
	{ .name = "port-word.xml",
	  .text = HEAD "<server><listen address=\"::1\" port=\"mms\"/></server></iedd>\n", .line = 2,
	  .says = { "attribute 'port'", "'mms'", "1..65535" } },
	/* (no port: 102, or 3782 with transport="tls"; a TLS listener without
	 * <tls> is refused on its line) */
	{ .name = "tls-listen-without-tls.xml",
	  .text = HEAD "<server>\n<listen address=\"::1\" transport=\"tls\"/></server></iedd>\n",
	  .line = 3, .says = { "element 'listen'", "transport=\"tls\" needs a <tls> section" } },
	/* A start tag over several lines: the line of the attribute itself. */
	{ .name = "multiline.xml",
	  .text = HEAD "  <server>\n    <limits maxAssociations=\"100\"\n"
		  "            maxNesting=\"0\"\n            maxPduSize=\"1000\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4, .says = { "attribute 'maxNesting'", "(use 1..100)" } },
	{ .name = "cpu-percent-101.xml",
	  .text = HEAD "  <server>\n" LISTEN_OK "    <limits cpuPercent=\"101\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4,
	  .says = { "element 'limits', attribute 'cpuPercent'", "'101'", "(use 0..100)" } },
	{ .name = "max-associations-0.xml",
	  .text = HEAD "  <server>\n" LISTEN_OK "    <limits maxAssociations=\"0\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4,
	  .says = { "element 'limits', attribute 'maxAssociations'", "'0'", "(use 1..100000)" } },
	{ .name = "pdu-size.xml",
	  .text = HEAD "<server><limits maxPduSize=\"4294967296\"/></server></iedd>\n", .line = 2,
	  .says = { "attribute 'maxPduSize'", "64..1048576" } },
	{ .name = "unknown-attribute.xml",
	  .text = HEAD "<server>\n<limits maxAssociation=\"10\"/></server></iedd>\n", .line = 3,
	  .says = { "unknown attribute 'maxAssociation'", "maxAssociations, associationTimeout" } },
	{ .name = "vendor-65.xml",
	  .text = HEAD "  <server>\n    <identity\n       vendor=\""
		  "12345678901234567890123456789012345678901234567890123456789012345\"/>\n"
		  "  </server>\n</iedd>\n",
	  .line = 4,
	  .says = { "element 'identity', attribute 'vendor'", "visibleString64", "64 printable ASCII" } },
	{ .name = "vendor-utf8.xml",
	  .text = HEAD "<server><identity model=\"Windkraftanlage Größe 3\"/></server></iedd>\n",
	  .line = 2, .says = { "attribute 'model'", "printable ASCII" } },
	{ .name = "vendor-empty.xml",
	  .text = HEAD "<server><identity revision=\"\"/></server></iedd>\n", .line = 2,
	  .says = { "attribute 'revision'", "''" } },
	{ .name = "host-name.xml",
	  .text = HEAD "<server><listen address=\"localhost\" port=\"102\"/></server></iedd>\n",
	  .line = 2, .says = { "attribute 'address'", "'localhost'", "host names are not resolved" } },
	/* Passes the schema's pattern; inet_pton refuses it. */
	{ .name = "bad-address.xml",
	  .text = HEAD "<server>\n" LISTEN_OK "<listen address=\"1.2.3\" port=\"102\"/></server></iedd>\n",
	  .line = 4, .says = { "element 'listen', attribute 'address': '1.2.3'", "numeric IPv4 or IPv6" } },
	{ .name = "duplicate.xml",
	  .text = HEAD "<server>\n" LISTEN_OK LISTEN_OK "</server></iedd>\n", .line = 4,
	  .says = { "element 'listen': address '127.0.0.1' and port '10102' appear twice",
		    "duplicate.xml:3)", "give each address and port once" } },
	/* The same port written another way is the same key (xs:unsignedInt). */
	{ .name = "duplicate-port.xml",
	  .text = HEAD "<server>\n" LISTEN_OK "<listen address=\"127.0.0.1\"\n  port=\"010102\"/>\n"
		  "</server></iedd>\n",
	  .line = 4, .says = { "port '010102' appear twice", "(first at ", "duplicate-port.xml:3)" } },
	{ .name = "duplicate-source.xml",
	  .text = HEAD "  <sources>\n    <source name=\"plc\" plugin=\"modbus\"/>\n"
		  "    <source name=\"sim\" plugin=\"sim\"/>\n"
		  "    <source name=\"plc\" plugin=\"shm\"/>\n  </sources>\n</iedd>\n",
	  .line = 5,
	  .says = { "element 'source': name 'plc' appears twice", "duplicate-source.xml:3)",
		    "each source needs its own name", "rename one" } },
	{ .name = "duplicate-scanclass.xml",
	  .text = HEAD "  <map file=\"m.csv\">\n    <scanClass name=\"fast\" period=\"100\"/>\n"
		  "    <scanClass\n      name=\"fast\" period=\"200\"/>\n  </map>\n</iedd>\n",
	  .line = 4,
	  .says = { "element 'scanClass': name 'fast' appears twice", "duplicate-scanclass.xml:3)",
		    "each scan class needs its own name", "scanClass column" } },
	{ .name = "address-empty.xml",
	  .text = HEAD "<server><listen address=\"\" port=\"102\"/></server></iedd>\n", .line = 2,
	  .says = { "attribute 'address': ''", "numeric IPv4 or IPv6", "'*'" } },
	{ .name = "thread-yes.xml",
	  .text = HEAD "<sources>\n<source name=\"a\" plugin=\"sim\" thread=\"yes\"/></sources></iedd>\n",
	  .line = 3,
	  .says = { "element 'source', attribute 'thread': 'yes'", "use true or false, or 1 or 0" } },
	{ .name = "strict-on.xml",
	  .text = HEAD "<scl file=\"a.icd\" strict=\"on\"/></iedd>\n", .line = 2,
	  .says = { "element 'scl', attribute 'strict': 'on'", "use true or false, or 1 or 0" } },
	{ .name = "doctype.xml",
	  .text = "<?xml version=\"1.0\"?>\n"
		  "<!DOCTYPE iedd [\n <!ENTITY a \"aaaaaaaaaa\">\n <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">\n]>\n"
		  "<iedd xmlns=\"" NS "\"><server><identity vendor=\"&b;\"/></server></iedd>\n",
	  .line = 2, .says = { "DOCTYPE", "not allowed" } },
	{ .name = "external-entity.xml",
	  .text = "<!DOCTYPE iedd SYSTEM \"http://example.invalid/iedd.dtd\">\n"
		  "<iedd xmlns=\"" NS "\"/>\n",
	  .line = 1, .says = { "DOCTYPE" } },
	/* libxml2 says this on two lines; the message is one */
	{ .name = "latin1.xml",
	  .text = HEAD "<server><identity model=\"Gr\xf6\xdf" "e\"/></server></iedd>\n", .line = 2,
	  .says = { "not proper UTF-8", "; Bytes: 0xF6", "not well-formed XML" } },
	/* <clients>: the expected clients and their rights */
	{ .name = "clients-bad-right.xml",
	  .text = HEAD "<clients>\n<role name=\"OBSERVER\" rights=\"VIEW READ WRITE\"/>\n"
		  "</clients></iedd>\n",
	  .line = 3, .says = { "element 'role', attribute 'rights': 'VIEW READ WRITE'",
			       "IEC 62351-8 rights" } },
	{ .name = "clients-unknown-role.xml",
	  .text = HEAD "<clients>\n<client name=\"scada\" roles=\"OPERATOR,ADMIN\"\n"
		  " address=\"10.0.0.1\"/>\n</clients></iedd>\n",
	  .line = 3, .says = { "element 'client', attribute 'roles': 'ADMIN' is no role",
			       "VIEWER OPERATOR" } },
	{ .name = "clients-clear-password.xml",
	  .text = HEAD "<clients>\n<client name=\"scada\" roles=\"OPERATOR\"\n"
		  " password=\"secret\"/>\n</clients></iedd>\n",
	  .line = 4, .says = { "'scada', attribute 'password'", "not a password hash",
			       "iedd --hash-password" } },
	{ .name = "clients-duplicate.xml",
	  .text = HEAD "<clients>\n<client name=\"scada\" roles=\"OPERATOR\"/>\n"
		  "<client name=\"scada\" roles=\"VIEWER\"/>\n</clients></iedd>\n",
	  .line = 4, .says = { "'scada' is named twice", "clients-duplicate.xml:3)" } },
	{ .name = "clients-bad-address.xml",
	  .text = HEAD "<clients>\n<client name=\"scada\" roles=\"OPERATOR\"\n"
		  " address=\"10.0.0.0/33\"/>\n</clients></iedd>\n",
	  .line = 4, .says = { "attribute 'address': '10.0.0.0/33' is no address or subnet" } },
	{ .name = "clients-bad-aptitle.xml",
	  .text = HEAD "<clients>\n<client name=\"scada\" roles=\"OPERATOR\"\n"
		  " apTitle=\"1.3.x\"/>\n</clients></iedd>\n",
	  .line = 4, .says = { "element 'client', attribute 'apTitle': '1.3.x'" } },
	{ .name = "clients-empty-rule.xml",
	  .text = HEAD "<clients>\n<rule roles=\"VIEWER\" ld=\"IEDD1LD0\"/>\n</clients></iedd>\n",
	  .line = 3, .says = { "element 'rule'", "grants and denies nothing" } },
	{ .name = "clients-file-missing.xml",
	  .text = HEAD "<clients\n file=\"no-such-clients.xml\"/></iedd>\n",
	  .line = 3, .says = { "element 'clients', attribute 'file'", "no-such-clients.xml",
			       "No such file" } },
	{ .name = "clients-file-and-body.xml",
	  .text = HEAD "<clients file=\"c.xml\">\n<client name=\"a\" roles=\"VIEWER\"/>\n"
		  "</clients></iedd>\n",
	  .line = 3, .says = { "element 'clients': with 'file'" } },
	{ .name = "undefined-entity.xml",
	  .text = HEAD "<server><identity vendor=\"&vendor;\"/></server></iedd>\n", .line = 2,
	  .says = { "vendor", "not well-formed XML" } },
};

START_TEST(broken_file)
{
	const struct broken *b = &broken[_i];
	struct iedd_config c, before;
	char path[256], err[1024] = "", prefix[300];
	int r;

	write_file(b->name, b->text, path, sizeof(path));
	memset(&c, 0x5a, sizeof(c));
	before = c;
	r = load_quiet(path, &c, err, sizeof(err));
	if (getenv("TEST_CONFIG_VERBOSE"))
		printf("%s\n", err);
	ck_assert_msg(r == -EINVAL, "%s: returned %d, message '%s'", b->name, r, err);
	ck_assert_msg(!memcmp(&c, &before, sizeof(c)), "%s: cfg changed on failure", b->name);
	if (b->line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, b->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s: expected '%s...', got '%s'",
		      b->name, prefix, err);
	for (size_t i = 0; i < 4 && b->says[i]; i++)
		ck_assert_msg(strstr(err, b->says[i]), "%s: '%s' not in '%s'", b->name, b->says[i],
			      err);
	ck_assert_msg(!strchr(err, '\n'), "%s: message spans lines: '%s'", b->name, err);
}
END_TEST

START_TEST(seventeen_listeners)
{
	struct iedd_config c;
	char path[256], err[512] = "", text[4096], prefix[300];
	size_t o = (size_t)snprintf(text, sizeof(text), HEAD "<server>\n");

	for (int i = 0; i <= CONFIG_MAX_LISTEN; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "<listen address=\"127.0.0.1\" port=\"%d\"/>\n", 20000 + i);
	snprintf(text + o, sizeof(text) - o, "</server></iedd>\n");
	write_file("seventeen.xml", text, path, sizeof(path));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	/* lines 1 and 2 are <iedd> and <server>: the 17th listen is line 19. */
	snprintf(prefix, sizeof(prefix), "%s:19: element 'listen' is not expected", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "got '%s'", err);
}
END_TEST

START_TEST(many_errors_counted)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	write_file("many.xml",
		   HEAD "<server>\n<listen address=\"::1\" port=\"0\"/>\n"
		   "<limits maxAssociations=\"0\" maxNesting=\"0\"/>\n</server></iedd>\n",
		   path, sizeof(path));
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, ":3: element 'listen', attribute 'port'"), "got '%s'", err);
	ck_assert_msg(strstr(err, "(and 2 more errors)"), "got '%s'", err);
}
END_TEST

START_TEST(missing_file)
{
	struct iedd_config c;
	char path[256], err[512] = "";

	snprintf(path, sizeof(path), "%s/does-not-exist.xml", tmpdir);
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) && strstr(err, strerror(ENOENT)), "got '%s'", err);

	ck_assert_int_eq(load_quiet(tmpdir, &c, err, sizeof(err)), -EISDIR);
	ck_assert_msg(strstr(err, tmpdir) && strstr(err, "not a regular file"), "got '%s'", err);
}
END_TEST

START_TEST(huge_file)
{
	struct iedd_config c;
	char path[256], err[512] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/huge.xml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 2 << 20), 0);
	close(fd);
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EFBIG);
	ck_assert_msg(strstr(err, path), "got '%s'", err);
}
END_TEST

/* A short or absent error buffer is not overrun. */
START_TEST(small_err_buffer)
{
	struct iedd_config c;
	char path[256], err[16];

	write_file("bad.xml", "<iedd/>", path, sizeof(path));
	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(load_quiet(path, &c, err, 8), -EINVAL);
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_int_eq(err[8], 'x');
	ck_assert_int_eq(load_quiet(path, &c, NULL, 0), -EINVAL);
}
END_TEST

#if LIBXML_VERSION >= 21200
#define XMLERR_CONST const
#else
#define XMLERR_CONST
#endif

static void other_handler(void *ctx, XMLERR_CONST xmlError *e)
{
	(void)ctx, (void)e;
}

/* The loader borrows libxml2's per-thread handlers and gives them back. */
START_TEST(handlers_restored)
{
	struct iedd_config c;
	char path[256], err[512];
	int token;

	write_file("bad.xml", "<iedd", path, sizeof(path));
	xmlSetStructuredErrorFunc(&token, other_handler);
	ck_assert_int_eq(load_quiet(path, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_eq(xmlStructuredErrorContext, &token);
	ck_assert(xmlStructuredError == other_handler);
	xmlSetStructuredErrorFunc(NULL, NULL);
}
END_TEST

/* ---- config_parse_listen --------------------------------------------- */

static const struct {
	const char *s, *addr;
	uint16_t port;
} listen_good[] = {
	{ "127.0.0.1:102", "127.0.0.1", 102 },
	{ "[::1]:102", "::1", 102 },
	{ "[::]:3782", "::", 3782 },
	{ "[fe80::1:2]:65535", "fe80::1:2", 65535 },
	{ "*:102", "*", 102 },
	{ ":102", "*", 102 },
	{ "102", "*", 102 },
	{ "1", "*", 1 },
	{ "0.0.0.0:10102", "0.0.0.0", 10102 },
	{ "[::ffff:192.0.2.1]:102", "::ffff:192.0.2.1", 102 },
};

static const char *const listen_bad[] = {
	"", ":", "0", "65536", "70000", "127.0.0.1:0", "127.0.0.1:", "127.0.0.1",
	"localhost:102", "::1:102", "::1", "[::1]", "[::1]102", "[::1:102", "[]:102",
	"[127.0.0.1]:102", "[*]:102", "1.2.3:102", "127.0.0.1:+102", "127.0.0.1:-1",
	"127.0.0.1:1 02", " 102", "102 ", "*:0x66", "**:102", "127.0.0.1:102:",
	"127.0.0.1:0000102",
	"[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]:102",
};

START_TEST(parse_listen_good)
{
	struct config_listen l;

	for (size_t i = 0; i < sizeof(listen_good) / sizeof(listen_good[0]); i++) {
		memset(&l, 0, sizeof(l));
		ck_assert_msg(config_parse_listen(listen_good[i].s, &l) == 0, "'%s' refused",
			      listen_good[i].s);
		ck_assert_str_eq(l.addr, listen_good[i].addr);
		ck_assert_uint_eq(l.port, listen_good[i].port);
	}
}
END_TEST

START_TEST(parse_listen_bad)
{
	struct config_listen l = { .addr = "untouched", .port = 7 };

	for (size_t i = 0; i < sizeof(listen_bad) / sizeof(listen_bad[0]); i++) {
		ck_assert_msg(config_parse_listen(listen_bad[i], &l) == -EINVAL, "'%s' accepted",
			      listen_bad[i]);
		ck_assert_str_eq(l.addr, "untouched");
		ck_assert_uint_eq(l.port, 7);
	}
	ck_assert_int_eq(config_parse_listen(NULL, &l), -EINVAL);
	ck_assert_int_eq(config_parse_listen("102", NULL), -EINVAL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, embedded);
	tcase_add_test(tc, etc_file);
	tcase_add_test(tc, minimal);
	tcase_add_test(tc, restart_change);
	tcase_add_test(tc, full);
	tcase_add_test(tc, simulate_plant);
	tcase_add_test(tc, element_lines);
	tcase_add_test(tc, booleans);
	tcase_add_test(tc, relative_paths);
	tcase_add_test(tc, clients_file);
	tcase_add_test(tc, long_plugin_path);
	tcase_add_test(tc, relative_path_too_long);
	tcase_add_test(tc, sixteen_listeners);
	tcase_add_test(tc, xsd_defaults_match);
	tcase_add_loop_test(tc, broken_file, 0, (int)(sizeof(broken) / sizeof(broken[0])));
	tcase_add_test(tc, seventeen_listeners);
	tcase_add_test(tc, many_errors_counted);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, huge_file);
	tcase_add_test(tc, small_err_buffer);
	tcase_add_test(tc, handlers_restored);
	suite_add_tcase(s, tc);

	tc = tcase_create("listen");
	tcase_add_test(tc, parse_listen_good);
	tcase_add_test(tc, parse_listen_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
