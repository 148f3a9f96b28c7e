/* SPDX-License-Identifier: Apache-2.0 */
/* Integration test of the Modbus source plugin against real Modbus peers.
 *
 *     test_modbus PATH/iedd-source-modbus.so
 *
 * The plugin is dlopen'ed by path and driven through its descriptor only,
 * as iedd's loader does. The peers are libmodbus servers run by this
 * program in child processes: a TCP server on 127.0.0.1 (port chosen by the
 * kernel, re-bound on the same port after a "power cut") and an RTU slave
 * on the master side of a pseudo-terminal whose slave side the plugin opens
 * as its serial port. The servers' data store and their request counters
 * live in a shared mapping, so the test sets the values the plugin must
 * read, sees what it wrote and counts the requests it sent. Exits 77 when
 * no server can be started (no loopback, no pseudo-terminals); only ever
 * connects to 127.0.0.1.
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <modbus.h>

#include "iedd/source.h"

/* ---- results ---- */

static int passed, failed;

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (cond) {                                                       \
			passed++;                                                 \
		} else {                                                          \
			failed++;                                                 \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
		}                                                                 \
	} while (0)

/* ---- the servers' shared data store ---- */

#define N_BITS 4096
#define N_REGS 4096
#define MAPPED_REGS 2048	/* holding registers beyond this draw exception 2 */

struct shared {
	modbus_mapping_t map;	/* tab_* point into this very mapping */
	uint8_t coils[N_BITS];
	uint8_t di[N_BITS];
	uint16_t hr[N_REGS];
	uint16_t ir[N_REGS];
	volatile unsigned requests;
	volatile unsigned fc[128];
	volatile unsigned connections;
};

static struct shared *sh;
static pid_t tcp_pid = -1, rtu_pid = -1;
static uint16_t tcp_port;

static void shared_init(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(sh, 0, sizeof *sh);
	sh->map = (modbus_mapping_t){
		.nb_bits = N_BITS,
		.nb_input_bits = N_BITS,
		.nb_input_registers = N_REGS,
		.nb_registers = MAPPED_REGS,
		.tab_bits = sh->coils,
		.tab_input_bits = sh->di,
		.tab_input_registers = sh->ir,
		.tab_registers = sh->hr,
	};
}

static void count_requests_reset(void)
{
	sh->requests = 0;
	for (size_t i = 0; i < sizeof sh->fc / sizeof sh->fc[0]; i++)
		sh->fc[i] = 0;
}

/* Serves one client at a time on listening socket ls, forever. */
static void serve_tcp(int ls)
{
	modbus_t *mb = modbus_new_tcp("127.0.0.1", tcp_port);
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	int hl;

	if (!mb)
		_exit(2);
	hl = modbus_get_header_length(mb);
	for (;;) {
		int s = ls;

		if (modbus_tcp_accept(mb, &s) == -1)
			_exit(3);
		sh->connections++;
		for (;;) {
			int rc = modbus_receive(mb, q);

			if (rc == -1)
				break;
			if (rc == 0)
				continue;
			sh->requests++;
			sh->fc[q[hl] & 0x7f]++;
			modbus_reply(mb, q, rc, &sh->map);
		}
		modbus_close(mb);
	}
}

/* Binds 127.0.0.1:port (0: any free port; tcp_port is set) and forks the
 * server. -1 when loopback is not usable. */
static int tcp_start(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof sa;
	int one = 1, ls;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0)
		return -1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 4) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
		close(ls);
		return -1;
	}
	tcp_port = ntohs(sa.sin_port);
	fflush(NULL);
	tcp_pid = fork();
	if (tcp_pid < 0) {
		close(ls);
		return -1;
	}
	if (tcp_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve_tcp(ls);
		_exit(0);
	}
	close(ls);
	return 0;
}

static void child_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

static void stop_all(void)
{
	child_stop(&tcp_pid);
	child_stop(&rtu_pid);
}

/* An RTU slave with address `unit` on the master side of a pseudo-terminal;
 * the plugin opens the slave side (*name) as its serial port. */
static int rtu_start(int unit, char *name, int *slave_fd)
{
	int master;

	if (openpty(&master, slave_fd, name, NULL, NULL) < 0)
		return -1;
	fflush(NULL);
	rtu_pid = fork();
	if (rtu_pid < 0)
		return -1;
	if (rtu_pid == 0) {
		modbus_t *mb = modbus_new_rtu("/dev/null", 19200, 'E', 8, 1);
		uint8_t q[MODBUS_RTU_MAX_ADU_LENGTH];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!mb)
			_exit(2);
		close(*slave_fd);
		modbus_set_slave(mb, unit);
		modbus_set_socket(mb, master);
		for (;;) {
			int rc = modbus_receive(mb, q);

			if (rc > 0) {
				sh->requests++;
				sh->fc[q[1] & 0x7f]++;
				modbus_reply(mb, q, rc, &sh->map);
			} else if (rc == -1 && errno != ETIMEDOUT && errno != EMBBADCRC &&
				   errno != EMBBADDATA) {
				/* EIO while no one holds the slave side: wait */
				usleep(1000);
			}
		}
	}
	close(master);
	return 0;
}

/* ---- the plugin through its descriptor ---- */

static const struct iedd_source *src;

#define LOG_MAX 256
static char logbuf[LOG_MAX][600];
static int loglevel[LOG_MAX];
static int nlog;
static bool verbose;

__attribute__((format(printf, 3, 4)))
static void host_log(void *host_ctx, int level, const char *fmt, ...)
{
	va_list ap;

	(void)host_ctx;
	va_start(ap, fmt);
	if (nlog < LOG_MAX) {
		loglevel[nlog] = level;
		vsnprintf(logbuf[nlog++], sizeof logbuf[0], fmt, ap);
	}
	va_end(ap);
	if (verbose && nlog <= LOG_MAX)
		fprintf(stderr, "  log[%d] %s\n", level, logbuf[nlog - 1]);
}

static int host_push(void *host_ctx, void *point, const struct iedd_value *value)
{
	(void)host_ctx, (void)point, (void)value;
	return 0;
}

static const struct iedd_host host = {
	.host_ctx = NULL,
	.push = host_push,
	.log = host_log,
};

static int logs_with(const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlog && i < LOG_MAX; i++)
		if (strstr(logbuf[i], needle))
			n++;
	return n;
}

/* Lines at `level` or more urgent (lower) that contain needle. */
static int logs_at(int level, const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlog && i < LOG_MAX; i++)
		if (loglevel[i] <= level && strstr(logbuf[i], needle))
			n++;
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens an instance on the TCP server with extra "name=value" parameters. */
static void *open_tcp(const char *extra, ...)
{
	struct iedd_param p[16];
	char port[8], err[256] = "", store[16][64];
	size_t n = 0;
	void *ctx = NULL;
	va_list ap;

	snprintf(port, sizeof port, "%u", tcp_port);
	p[n++] = (struct iedd_param){ .name = "host", .value = "127.0.0.1" };
	p[n++] = (struct iedd_param){ .name = "port", .value = port };
	va_start(ap, extra);
	for (const char *kv = extra; kv && n < 16; kv = va_arg(ap, const char *)) {
		const char *eq = strchr(kv, '=');

		snprintf(store[n], sizeof store[n], "%.*s", (int)(eq - kv), kv);
		p[n] = (struct iedd_param){ .name = store[n], .value = eq + 1 };
		n++;
	}
	va_end(ap);
	int rc = src->open(p, n, &host, &ctx, err, sizeof err);

	CHECK(rc == 0 && ctx, "open: %d %s", rc, err);
	return rc == 0 ? ctx : NULL;
}

static void *resolve(void *ctx, const char *addr, enum iedd_kind kind, bool writable)
{
	char err[512] = "";
	void *pt = NULL;
	int rc = src->resolve(ctx, addr, kind, writable, &pt, err, sizeof err);

	/* counted when it fails only: batches resolve thousands of points */
	if (rc != 0 || !pt)
		CHECK(0, "resolve %s: %d %s", addr, rc, err);
	return pt;
}

/* ---- test data: literal register images of known values ---- */

/* Writes a value's big-endian bytes as the order string says: wire byte i
 * carries value byte order[i] ('a' = most significant). */
static void put(uint16_t *regs, const uint8_t *be, size_t nb, const char *order)
{
	uint8_t wire[8];

	for (size_t i = 0; i < nb; i++)
		wire[i] = be[order[i] - 'a'];
	for (size_t k = 0; k < nb / 2; k++)
		regs[k] = (uint16_t)(wire[2 * k] << 8 | wire[2 * k + 1]);
}

static void put_f32(uint16_t *regs, float f, const char *order)
{
	uint32_t u;
	uint8_t be[4];

	memcpy(&u, &f, 4);
	for (int i = 0; i < 4; i++)
		be[i] = (uint8_t)(u >> (24 - 8 * i));
	put(regs, be, 4, order);
}

static void put_f64(uint16_t *regs, double d, const char *order)
{
	uint64_t u;
	uint8_t be[8];

	memcpy(&u, &d, 8);
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(u >> (56 - 8 * i));
	put(regs, be, 8, order);
}

static void put_u64(uint16_t *regs, uint64_t u, const char *order)
{
	uint8_t be[8];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(u >> (56 - 8 * i));
	put(regs, be, 8, order);
}

static void set_regs(uint16_t *dst, const uint16_t *src_regs, size_t n)
{
	memcpy(dst, src_regs, n * sizeof *dst);
}

static void fill_store(void)
{
	sh->hr[0] = 12345;
	sh->hr[1] = (uint16_t)-1234;
	/* u32 0x11223344 in the four named orders, written out by hand */
	set_regs(&sh->hr[10], (const uint16_t[]){ 0x1122, 0x3344 }, 2);	/* abcd */
	set_regs(&sh->hr[12], (const uint16_t[]){ 0x3344, 0x1122 }, 2);	/* cdab */
	set_regs(&sh->hr[14], (const uint16_t[]){ 0x2211, 0x4433 }, 2);	/* badc */
	set_regs(&sh->hr[16], (const uint16_t[]){ 0x4433, 0x2211 }, 2);	/* dcba */
	put(&sh->hr[20], (const uint8_t[]){ 0xF8, 0xA4, 0x32, 0xEB }, 4, "cdab"); /* -123456789 */
	/* u64 0x1122334455667788 */
	set_regs(&sh->hr[30], (const uint16_t[]){ 0x1122, 0x3344, 0x5566, 0x7788 }, 4);
	set_regs(&sh->hr[34], (const uint16_t[]){ 0x7788, 0x5566, 0x3344, 0x1122 }, 4);
	set_regs(&sh->hr[38], (const uint16_t[]){ 0x2211, 0x4433, 0x6655, 0x8877 }, 4);
	set_regs(&sh->hr[42], (const uint16_t[]){ 0x8877, 0x6655, 0x4433, 0x2211 }, 4);
	set_regs(&sh->hr[46], (const uint16_t[]){ 0x5566, 0x7788, 0x1122, 0x3344 }, 4);
	put_u64(&sh->hr[50], (uint64_t)-1234567890123LL, "abcdefgh");
	put_u64(&sh->hr[54], 0xFEDCBA9876543210ULL, "hgfedcba");
	/* f32 1.0 = 0x3F800000 */
	set_regs(&sh->hr[60], (const uint16_t[]){ 0x3F80, 0x0000 }, 2);
	set_regs(&sh->hr[62], (const uint16_t[]){ 0x0000, 0x3F80 }, 2);
	set_regs(&sh->hr[64], (const uint16_t[]){ 0x803F, 0x0000 }, 2);
	set_regs(&sh->hr[66], (const uint16_t[]){ 0x0000, 0x803F }, 2);
	put_f32(&sh->hr[70], -3.5f, "badc");
	put_f32(&sh->hr[72], 2.75f, "cdab");
	/* f64 -2.718281828459045 */
	put_f64(&sh->hr[80], -2.718281828459045, "abcdefgh");
	put_f64(&sh->hr[84], -2.718281828459045, "ghefcdab");	/* = cdab */
	put_f64(&sh->hr[88], -2.718281828459045, "badcfehg");	/* = badc */
	put_f64(&sh->hr[92], -2.718281828459045, "hgfedcba");	/* = dcba */
	sh->hr[100] = 7;
	sh->hr[2046] = 2046;
	sh->hr[2047] = 2047;
	sh->ir[0] = 54321;
	put_f32(&sh->ir[1], 100.25f, "cdab");
	sh->ir[5] = (uint16_t)-2;
	sh->coils[0] = 1;
	sh->coils[2] = 1;
	sh->di[1] = 1;
	for (int i = 0; i < 200; i++)
		sh->hr[200 + i] = (uint16_t)(1000 + i);
}

/* ---- tests ---- */

struct expect {
	const char *addr;
	enum iedd_kind kind;	/* asked at resolve */
	uint8_t got_kind;	/* delivered */
	int64_t i;
	uint64_t u;
	double f;
	bool b;
};

static bool value_is(const struct iedd_value *v, const struct expect *e)
{
	if (v->quality != IEDD_Q_GOOD || v->kind != e->got_kind || v->time_ns == 0)
		return false;
	switch (v->kind) {
	case IEDD_KIND_BOOL:
		return v->v.b == e->b;
	case IEDD_KIND_INT:
		return v->v.i == e->i;
	case IEDD_KIND_UINT:
		return v->v.u == e->u;
	case IEDD_KIND_FLOAT:
		return v->v.f == e->f;
	}
	return false;
}

static void test_descriptor(const char *path)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	CHECK(dl, "dlopen %s: %s", path, dlerror());
	if (!dl) {
		fprintf(stderr, "cannot load the plugin; nothing else to test\n");
		printf("%d passed, %d failed\n", passed, failed);
		exit(1);
	}
	const struct iedd_source *(*get)(void) =
		(const struct iedd_source *(*)(void))dlsym(dl, IEDD_SOURCE_SYMBOL);

	CHECK(get, "dlsym %s: %s", IEDD_SOURCE_SYMBOL, dlerror());
	if (!get)
		exit(1);
	src = get();
	CHECK(src && src->abi_version == IEDD_SOURCE_ABI_VERSION, "abi_version");
	CHECK(src->struct_size == sizeof(struct iedd_source), "struct_size %u", src->struct_size);
	CHECK(src->name && strcmp(src->name, "modbus") == 0, "name %s", src->name);
	CHECK(src->version && src->version[0], "version");
	CHECK(src->flags & IEDD_SOURCE_BLOCKING, "flags 0x%x: a Modbus poll blocks", src->flags);
	CHECK(src->open && src->close && src->resolve && src->read && src->write, "callbacks");
	/* exactly one exported function besides the toolchain's */
	CHECK(dlsym(dl, "mb_addr_parse") == NULL, "internal symbols are hidden");
}

static void expect_open_error(const char *what, const struct iedd_param *p, size_t n,
			      const char *needle)
{
	char err[512] = "";
	void *ctx = NULL;
	int rc = src->open(p, n, &host, &ctx, err, sizeof err);

	CHECK(rc < 0 && !ctx && strstr(err, needle), "%s: rc %d err '%s' (want '%s')", what, rc,
	      err, needle);
}

static void test_open_errors(void)
{
	expect_open_error("no host", (const struct iedd_param[]){ { "mode", "tcp" } }, 1, "host");
	expect_open_error("unknown param",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" }, { "speed", "9" } },
			  2, "speed");
	expect_open_error("max_batch",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" },
						       { "max_batch", "200" } }, 2, "max_batch");
	expect_open_error("mode", (const struct iedd_param[]){ { "mode", "udp" } }, 1, "mode");
	expect_open_error("baud on tcp",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" }, { "baud", "9600" } },
			  2, "baud");
	expect_open_error("rtu device", (const struct iedd_param[]){ { "mode", "rtu" } }, 1,
			  "device");
	expect_open_error("parity",
			  (const struct iedd_param[]){ { "mode", "rtu" }, { "device", "/dev/x" },
						       { "parity", "mark" } }, 3, "parity");
	expect_open_error("backoff",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" },
						       { "backoff_min_ms", "500" },
						       { "backoff_max_ms", "100" } }, 3, "backoff_max_ms");
	expect_open_error("twice",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" }, { "port", "1" },
						       { "port", "2" } }, 3, "twice");
	expect_open_error("unit",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" }, { "unit", "250" } },
			  2, "unit");
	expect_open_error("port",
			  (const struct iedd_param[]){ { "host", "127.0.0.1" }, { "port", "x1" } },
			  2, "port");
}

static void expect_resolve_error(void *ctx, const char *addr, enum iedd_kind kind, bool writable,
				 const char *needle)
{
	char err[512] = "";
	void *pt = NULL;
	int rc = src->resolve(ctx, addr, kind, writable, &pt, err, sizeof err);

	CHECK(rc < 0 && strstr(err, addr) && strstr(err, needle),
	      "resolve '%s': rc %d err '%s' (want '%s')", addr, rc, err, needle);
	if (verbose)
		fprintf(stderr, "  %s -> %s\n", addr, err);
}

static void test_resolve_errors(void *ctx)
{
	char err[512] = "";
	void *pt = NULL;

	CHECK(src->resolve(ctx, "ir:5", IEDD_KIND_UINT, true, &pt, err, sizeof err) == -EPERM,
	      "write to an input register: %s", err);
	expect_resolve_error(ctx, "ir:5", IEDD_KIND_UINT, true, "read-only");
	expect_resolve_error(ctx, "di:3", IEDD_KIND_BOOL, true, "read-only");
	expect_resolve_error(ctx, "30001", IEDD_KIND_UINT, true, "read-only");
	expect_resolve_error(ctx, "hr:1:bool", IEDD_KIND_BOOL, false, "u16");
	expect_resolve_error(ctx, "coil:1:u16", IEDD_KIND_BOOL, false, "bool");
	expect_resolve_error(ctx, "hr:1:f32:abxd", IEDD_KIND_FLOAT, false, "abcd");
	expect_resolve_error(ctx, "hr:1:u32:abcdefgh", IEDD_KIND_UINT, false, "order");
	expect_resolve_error(ctx, "hr:1:f32:aabb", IEDD_KIND_FLOAT, false, "order");
	expect_resolve_error(ctx, "coil:1:bool:abcd", IEDD_KIND_BOOL, false, "order");
	expect_resolve_error(ctx, "hr:65535:u32", IEDD_KIND_UINT, false, "65535");
	expect_resolve_error(ctx, "hr:65536", IEDD_KIND_UINT, false, "0..65535");
	expect_resolve_error(ctx, "xx:1", IEDD_KIND_UINT, false, "TABLE:ADDR");
	expect_resolve_error(ctx, "hr:abc", IEDD_KIND_UINT, false, "TABLE:ADDR");
	expect_resolve_error(ctx, "hr", IEDD_KIND_UINT, false, "TABLE:ADDR");
	expect_resolve_error(ctx, "hr:1:u16:ab:x", IEDD_KIND_UINT, false, "TABLE:ADDR");
	expect_resolve_error(ctx, "hr:1:f16", IEDD_KIND_FLOAT, false, "f32");
	expect_resolve_error(ctx, "4001", IEDD_KIND_UINT, false, "5 or 6 digits");
	expect_resolve_error(ctx, "40000", IEDD_KIND_UINT, false, "1-based");
	expect_resolve_error(ctx, "20001", IEDD_KIND_UINT, false, "3 (ir)");
	expect_resolve_error(ctx, "hr:1", IEDD_KIND_STRING, false, "strings");
	expect_resolve_error(ctx, "", IEDD_KIND_UINT, false, "TABLE:ADDR");
}

static void test_values(void *ctx)
{
	static const struct expect ex[] = {
		{ "hr:0", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 12345 },
		{ "40001", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 12345 },
		{ "400001:u16", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 12345 },
		{ "HR:0x0:U16", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 12345 },
		{ "hr:0", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = true },
		{ "hr:0", IEDD_KIND_NONE, IEDD_KIND_UINT, .u = 12345 },
		{ "hr:0:u16:ba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x3930 },
		{ "hr:0:u16:dcba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x3930 },
		{ "hr:1:i16", IEDD_KIND_INT, IEDD_KIND_INT, .i = -1234 },
		{ "hr:1:i16", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -1234.0 },
		{ "hr:1", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 64302 },
		{ "hr:10:u32", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "hr:10:u32:abcd", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "hr:12:u32:cdab", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "hr:14:u32:badc", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "hr:16:u32:dcba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "400011:u32", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x11223344 },
		{ "hr:20:i32:cdab", IEDD_KIND_INT, IEDD_KIND_INT, .i = -123456789 },
		{ "hr:30:u64", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:34:u64:cdab", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:38:u64:badc", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:42:u64:dcba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:42:u64:hgfedcba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:46:u64:efghabcd", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0x1122334455667788ULL },
		{ "hr:50:i64", IEDD_KIND_INT, IEDD_KIND_INT, .i = -1234567890123LL },
		{ "hr:54:u64:dcba", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 0xFEDCBA9876543210ULL },
		{ "hr:60:f32", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = 1.0 },
		{ "hr:62:f32:cdab", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = 1.0 },
		{ "hr:64:f32:badc", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = 1.0 },
		{ "hr:66:f32:dcba", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = 1.0 },
		{ "hr:70:f32:badc", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -3.5 },
		{ "hr:72:float:cdab", IEDD_KIND_INT, IEDD_KIND_INT, .i = 3 },
		{ "hr:80:f64", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -2.718281828459045 },
		{ "hr:84:f64:cdab", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -2.718281828459045 },
		{ "hr:88:f64:badc", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -2.718281828459045 },
		{ "hr:92:f64:dcba", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = -2.718281828459045 },
		{ "ir:0", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 54321 },
		{ "30001", IEDD_KIND_UINT, IEDD_KIND_UINT, .u = 54321 },
		{ "ir:1:f32:cdab", IEDD_KIND_FLOAT, IEDD_KIND_FLOAT, .f = 100.25 },
		{ "ir:5:i16", IEDD_KIND_INT, IEDD_KIND_INT, .i = -2 },
		{ "ir:5:u16", IEDD_KIND_INT, IEDD_KIND_INT, .i = 65534 },
		{ "coil:0", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = true },
		{ "coil:1", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = false },
		{ "00003", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = true },
		{ "coil:2", IEDD_KIND_INT, IEDD_KIND_INT, .i = 1 },
		{ "di:0:bool", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = false },
		{ "10002", IEDD_KIND_BOOL, IEDD_KIND_BOOL, .b = true },
	};
	size_t n = sizeof ex / sizeof ex[0];
	struct iedd_point pts[sizeof ex / sizeof ex[0]];

	for (size_t i = 0; i < n; i++)
		pts[i] = (struct iedd_point){ .point = resolve(ctx, ex[i].addr, ex[i].kind, false) };
	int rc = src->read(ctx, pts, n);

	CHECK(rc == 0, "read: %d", rc);
	for (size_t i = 0; i < n; i++) {
		const struct iedd_value *v = &pts[i].value;

		CHECK(value_is(v, &ex[i]), "%s: kind %d q 0x%04x i %lld u %llu f %.17g b %d",
		      ex[i].addr, v->kind, v->quality, (long long)v->v.i,
		      (unsigned long long)v->v.u, v->v.f, v->v.b);
	}
}

static void test_clamp_quality(void *ctx)
{
	struct iedd_point p = { .point = resolve(ctx, "hr:54:u64:dcba", IEDD_KIND_INT, false) };

	CHECK(src->read(ctx, &p, 1) == 0, "read");
	CHECK(p.value.kind == IEDD_KIND_INT && p.value.v.i == INT64_MAX &&
	      p.value.quality == (IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE),
	      "u64 beyond INT64_MAX as INT: kind %d q 0x%04x", p.value.kind, p.value.quality);
}

static unsigned read_count(void *ctx, const char *const *addrs, size_t n, struct iedd_point *pts)
{
	for (size_t i = 0; i < n; i++)
		pts[i] = (struct iedd_point){ .point = resolve(ctx, addrs[i], IEDD_KIND_NONE, false) };
	count_requests_reset();
	int rc = src->read(ctx, pts, n);

	CHECK(rc == 0, "read: %d", rc);
	return sh->requests;
}

static void test_batching(void)
{
	void *ctx = open_tcp(NULL);
	/* shuffled on purpose, with a duplicate and an overlap */
	static const char *const a1[] = {
		"hr:5", "di:5", "hr:0", "coil:20", "hr:100", "ir:1:f32:cdab", "hr:1", "hr:2",
		"coil:0", "hr:3", "hr:4", "hr:14", "hr:6", "hr:7", "hr:8", "ir:0", "hr:9",
		"di:0", "hr:3", "hr:10:u32", "hr:11",
	};
	struct iedd_point p1[sizeof a1 / sizeof a1[0]];
	unsigned nreq;

	if (!ctx)
		return;
	sh->hr[14] = 1414;
	nreq = read_count(ctx, a1, sizeof a1 / sizeof a1[0], p1);
	/* hr:0..14 (gap 3 before hr:14), hr:100, ir:0..2, coil:0..20, di:0..5 */
	CHECK(nreq == 5, "21 points in 5 requests, not %u", nreq);
	CHECK(sh->fc[3] == 2 && sh->fc[4] == 1 && sh->fc[1] == 1 && sh->fc[2] == 1,
	      "function codes 3:%u 4:%u 1:%u 2:%u", sh->fc[3], sh->fc[4], sh->fc[1], sh->fc[2]);
	CHECK(p1[11].value.v.u == 1414 && p1[4].value.v.u == 7 && p1[0].value.v.u == 0 &&
	      p1[18].value.v.u == 0 && p1[19].value.v.u == 0x11223344 &&
	      p1[20].value.v.u == 0x3344 && p1[5].value.v.f == 100.25 && p1[1].value.v.b == false &&
	      p1[8].value.v.b == true,
	      "values in a merged read");

	/* the 125-register limit */
	const char *a2[130];
	char names[130][16];
	struct iedd_point p2[130];

	for (int i = 0; i < 130; i++) {
		snprintf(names[i], sizeof names[i], "hr:%d", 200 + i);
		a2[i] = names[i];
	}
	nreq = read_count(ctx, a2, 130, p2);
	CHECK(nreq == 2, "130 registers in 2 requests, not %u", nreq);
	bool ok = true;

	for (int i = 0; i < 130; i++)
		ok = ok && p2[i].value.quality == IEDD_Q_GOOD && p2[i].value.v.u == 1000u + (unsigned)i;
	CHECK(ok, "130 registers read right");

	/* the 2000-coil limit */
	static char cnames[2001][16];
	static const char *a3[2001];
	static struct iedd_point p3[2001];

	for (int i = 0; i < 2001; i++) {
		snprintf(cnames[i], sizeof cnames[i], "coil:%d", i);
		a3[i] = cnames[i];
	}
	nreq = read_count(ctx, a3, 2001, p3);
	CHECK(nreq == 2, "2001 coils in 2 requests, not %u", nreq);
	CHECK(p3[0].value.v.b && !p3[1].value.v.b && p3[2].value.v.b && !p3[2000].value.v.b,
	      "coils read right");

	/* gaps: 8 unused registers merge, 9 do not */
	nreq = read_count(ctx, (const char *const[]){ "hr:0", "hr:9" }, 2, p1);
	CHECK(nreq == 1, "gap of 8: %u requests", nreq);
	nreq = read_count(ctx, (const char *const[]){ "hr:0", "hr:10" }, 2, p1);
	CHECK(nreq == 2, "gap of 9: %u requests", nreq);
	src->close(ctx);

	/* max_batch=4 and max_gap=0 */
	ctx = open_tcp("max_batch=4", "max_gap=0", NULL);
	if (!ctx)
		return;
	nreq = read_count(ctx, (const char *const[]){ "hr:0", "hr:1", "hr:2", "hr:3", "hr:4",
						      "hr:5", "hr:6", "hr:7", "hr:8", "hr:9" },
			  10, p1);
	CHECK(nreq == 3, "10 registers with max_batch=4: %u requests", nreq);
	nreq = read_count(ctx, (const char *const[]){ "hr:0", "hr:2" }, 2, p1);
	CHECK(nreq == 2, "max_gap=0: %u requests", nreq);
	nreq = read_count(ctx, (const char *const[]){ "hr:80:f64", "hr:79" }, 2, p1);
	CHECK(nreq == 2 && p1[0].value.v.f == -2.718281828459045, "f64 + 1 > 4: %u", nreq);
	src->close(ctx);
	ctx = open_tcp("max_batch=3", NULL);
	if (ctx) {
		expect_resolve_error(ctx, "hr:0:u64", IEDD_KIND_UINT, false, "max_batch=3");
		src->close(ctx);
	}
}

static void test_exceptions(void)
{
	void *ctx = open_tcp(NULL);
	struct iedd_point p[4];
	int rc;

	if (!ctx)
		return;
	p[0] = (struct iedd_point){ .point = resolve(ctx, "hr:0", IEDD_KIND_UINT, false) };
	p[1] = (struct iedd_point){ .point = resolve(ctx, "hr:3000", IEDD_KIND_UINT, false) };
	p[2] = (struct iedd_point){ .point = resolve(ctx, "hr:2046", IEDD_KIND_UINT, false) };
	p[3] = (struct iedd_point){ .point = resolve(ctx, "hr:2050", IEDD_KIND_UINT, false) };
	nlog = 0;
	count_requests_reset();
	rc = src->read(ctx, p, 4);
	CHECK(rc == 0, "an exception is no connection failure: %d", rc);
	CHECK(p[0].value.quality == IEDD_Q_GOOD && p[0].value.v.u == 12345, "hr:0 good");
	CHECK(p[1].value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE) &&
	      p[1].value.kind == IEDD_KIND_NONE, "hr:3000 invalid: q 0x%04x", p[1].value.quality);
	CHECK(p[2].value.quality == IEDD_Q_GOOD && p[2].value.v.u == 2046,
	      "hr:2046 good after the split: q 0x%04x", p[2].value.quality);
	CHECK(p[3].value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE), "hr:2050 invalid");
	/* hr:0, hr:3000, the merged hr:2046..2050, then hr:2046 and hr:2050 alone */
	CHECK(sh->requests == 5, "requests %u", sh->requests);
	for (int i = 0; i < 5; i++)
		src->read(ctx, p, 4);
	CHECK(logs_with("hr:3000") == 1, "hr:3000 complained about once in 6 scans, not %d",
	      logs_with("hr:3000"));
	CHECK(logs_with("hr:2050") == 1, "hr:2050 complained about once, not %d",
	      logs_with("hr:2050"));
	CHECK(logs_with("Illegal data address") >= 1, "the log names the exception");
	count_requests_reset();
	src->read(ctx, p, 4);
	CHECK(sh->requests == 4, "split points stay apart: %u requests", sh->requests);

	/* the device's map grows: the points come back, and say so once */
	sh->map.nb_registers = N_REGS;
	rc = src->read(ctx, p, 4);
	CHECK(rc == 0 && p[1].value.quality == IEDD_Q_GOOD && p[3].value.quality == IEDD_Q_GOOD,
	      "readable again");
	CHECK(logs_with("readable again") == 2, "recovery logged: %d", logs_with("readable again"));
	sh->map.nb_registers = MAPPED_REGS;
	src->close(ctx);
}

static int write_val(void *ctx, void *pt, struct iedd_value v, char *err, size_t errlen)
{
	err[0] = '\0';
	return src->write(ctx, pt, &v, err, errlen);
}

static void test_writes(void)
{
	void *ctx = open_tcp(NULL);
	char err[512];
	int rc;

	if (!ctx)
		return;
	void *c5 = resolve(ctx, "coil:5", IEDD_KIND_BOOL, true);
	void *h200 = resolve(ctx, "hr:500", IEDD_KIND_UINT, true);
	void *h201 = resolve(ctx, "hr:501:i16", IEDD_KIND_INT, true);
	void *h210 = resolve(ctx, "hr:510:u32:cdab", IEDD_KIND_UINT, true);
	void *h220 = resolve(ctx, "hr:520:f32", IEDD_KIND_FLOAT, true);
	void *h230 = resolve(ctx, "hr:530:f64:dcba", IEDD_KIND_FLOAT, true);
	void *h240 = resolve(ctx, "hr:540:i64:badc", IEDD_KIND_INT, true);
	void *h250 = resolve(ctx, "hr:550", IEDD_KIND_FLOAT, true);
	void *h260 = resolve(ctx, "hr:560:u64", IEDD_KIND_UINT, true);
	void *ro = resolve(ctx, "hr:570", IEDD_KIND_UINT, false);

	count_requests_reset();
	rc = write_val(ctx, c5, (struct iedd_value){ .kind = IEDD_KIND_BOOL, .v.b = true }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->coils[5] == 1 && sh->fc[5] == 1, "coil:5 on: %d %s", rc, err);
	rc = write_val(ctx, c5, (struct iedd_value){ .kind = IEDD_KIND_BOOL, .v.b = false }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->coils[5] == 0, "coil:5 off: %d %s", rc, err);
	rc = write_val(ctx, h200, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 4242 }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->hr[500] == 4242 && sh->fc[6] == 1, "hr:500: %d %s", rc, err);
	rc = write_val(ctx, h201, (struct iedd_value){ .kind = IEDD_KIND_INT, .v.i = -2 }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->hr[501] == 0xFFFE, "hr:501:i16: %d %s %04x", rc, err, sh->hr[501]);
	rc = write_val(ctx, h210, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 0x11223344 },
		       err, sizeof err);
	CHECK(rc == 0 && sh->hr[510] == 0x3344 && sh->hr[511] == 0x1122 && sh->fc[16] == 1,
	      "hr:510:u32:cdab: %d %s %04x %04x", rc, err, sh->hr[510], sh->hr[511]);
	rc = write_val(ctx, h220, (struct iedd_value){ .kind = IEDD_KIND_FLOAT, .v.f = 1.0 }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->hr[520] == 0x3F80 && sh->hr[521] == 0, "hr:520:f32: %d %s", rc, err);
	rc = write_val(ctx, h230,
		       (struct iedd_value){ .kind = IEDD_KIND_FLOAT, .v.f = -2.718281828459045 },
		       err, sizeof err);
	uint16_t want[4];

	put_f64(want, -2.718281828459045, "hgfedcba");
	CHECK(rc == 0 && memcmp(&sh->hr[530], want, sizeof want) == 0, "hr:530:f64:dcba: %d %s",
	      rc, err);
	rc = write_val(ctx, h240, (struct iedd_value){ .kind = IEDD_KIND_INT, .v.i = -5 }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->hr[540] == 0xFFFF && sh->hr[541] == 0xFFFF &&
	      sh->hr[542] == 0xFFFF && sh->hr[543] == 0xFBFF, "hr:540:i64:badc: %d %s %04x", rc,
	      err, sh->hr[543]);
	rc = write_val(ctx, h250, (struct iedd_value){ .kind = IEDD_KIND_FLOAT, .v.f = 12.6 }, err,
		       sizeof err);
	CHECK(rc == 0 && sh->hr[550] == 13, "hr:550 from 12.6 rounds: %d %s %u", rc, err,
	      sh->hr[550]);
	rc = write_val(ctx, h260,
		       (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 0x0102030405060708ULL },
		       err, sizeof err);
	CHECK(rc == 0 && sh->hr[560] == 0x0102 && sh->hr[563] == 0x0708, "hr:560:u64: %d %s", rc,
	      err);
	CHECK(sh->fc[16] == 5 && sh->fc[6] == 3 && sh->fc[5] == 2,
	      "FC 5 for coils, 6 for one register, 16 for more: 5:%u 6:%u 16:%u", sh->fc[5],
	      sh->fc[6], sh->fc[16]);

	/* refused before anything is sent */
	count_requests_reset();
	rc = write_val(ctx, h200, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 70000 }, err,
		       sizeof err);
	CHECK(rc == -ERANGE && strstr(err, "hr:500") && strstr(err, "65535"), "70000 into u16: %d %s",
	      rc, err);
	rc = write_val(ctx, h201, (struct iedd_value){ .kind = IEDD_KIND_INT, .v.i = -40000 }, err,
		       sizeof err);
	CHECK(rc == -ERANGE, "-40000 into i16: %d %s", rc, err);
	rc = write_val(ctx, h200, (struct iedd_value){ .kind = IEDD_KIND_FLOAT, .v.f = NAN }, err,
		       sizeof err);
	CHECK(rc == -EINVAL, "NaN into u16: %d %s", rc, err);
	rc = write_val(ctx, h200, (struct iedd_value){ .kind = IEDD_KIND_STRING, .v.s = "1" }, err,
		       sizeof err);
	CHECK(rc == -EINVAL, "a string: %d %s", rc, err);
	rc = write_val(ctx, ro, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 1 }, err,
		       sizeof err);
	CHECK(rc == -EPERM && strstr(err, "hr:570"), "read-only row: %d %s", rc, err);
	CHECK(sh->requests == 0, "nothing sent for refused writes: %u", sh->requests);

	/* the device refuses: exception, not a connection failure */
	void *far = resolve(ctx, "hr:3000", IEDD_KIND_UINT, true);

	rc = write_val(ctx, far, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 1 }, err,
		       sizeof err);
	CHECK(rc == -ENXIO && strstr(err, "hr:3000") && strstr(err, "exception 2"),
	      "write beyond the map: %d %s", rc, err);

	/* read back through the plugin */
	struct iedd_point p[3] = { { .point = h210 }, { .point = h230 }, { .point = h240 } };

	rc = src->read(ctx, p, 3);
	CHECK(rc == 0 && p[0].value.v.u == 0x11223344 && p[1].value.v.f == -2.718281828459045 &&
	      p[2].value.v.i == -5, "read back what was written");
	src->close(ctx);
}

static void test_connection_loss(void)
{
	/* timeout_ms is long so that "refused at once" and "waited for the
	 * timeout" are far apart even on a loaded machine */
	void *ctx = open_tcp("backoff_min_ms=100", "backoff_max_ms=400", "timeout_ms=4000", NULL);
	struct iedd_point p[2];
	char err[512];
	uint64_t t0;
	int rc;

	if (!ctx)
		return;
	void *h = resolve(ctx, "hr:0", IEDD_KIND_UINT, true);
	void *c = resolve(ctx, "coil:0", IEDD_KIND_BOOL, false);

	p[0] = (struct iedd_point){ .point = h };
	p[1] = (struct iedd_point){ .point = c };
	rc = src->read(ctx, p, 2);
	CHECK(rc == 0 && p[0].value.quality == IEDD_Q_GOOD, "connected: %d", rc);

	/* a peer that restarts between two scans: one quiet reconnect */
	unsigned conns = sh->connections;

	child_stop(&tcp_pid);
	if (tcp_start(tcp_port) < 0) {
		CHECK(0, "cannot re-bind 127.0.0.1:%u", tcp_port);
		return;
	}
	rc = src->read(ctx, p, 2);
	CHECK(rc == 0 && p[0].value.quality == IEDD_Q_GOOD && p[0].value.v.u == 12345,
	      "a restarted peer is reconnected at once: %d q 0x%04x", rc, p[0].value.quality);
	CHECK(sh->connections == conns + 1, "one new connection: %u, %u before", sh->connections,
	      conns);

	/* power cut */
	nlog = 0;
	child_stop(&tcp_pid);
	t0 = now_ms();
	rc = src->read(ctx, p, 2);
	CHECK(rc < 0, "read fails when the peer is gone: %d", rc);
	CHECK(now_ms() - t0 < 2000, "and fails at once, not after timeout_ms=4000: %llu ms",
	      (unsigned long long)(now_ms() - t0));
	for (int i = 0; i < 2; i++)
		CHECK(p[i].value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE) &&
		      p[i].value.kind == IEDD_KIND_NONE, "point %d invalid|failure: 0x%04x", i,
		      p[i].value.quality);
	t0 = now_ms();
	rc = src->read(ctx, p, 2);
	/* -ENOTCONN is the back-off's own answer: no connection was tried */
	CHECK(rc == -ENOTCONN, "during the back-off read returns at once: %d in %llu ms", rc,
	      (unsigned long long)(now_ms() - t0));
	CHECK(p[0].value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE), "still invalid");
	rc = write_val(ctx, h, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 1 }, err,
		       sizeof err);
	CHECK(rc == -ENOTCONN && strstr(err, "unreachable"), "write while down: %d %s", rc, err);

	/* back-off: 100, 200, 400, 400 ms between attempts, not a busy loop */
	int attempts = 0, reads = 0, bad = 0;

	t0 = now_ms();
	while (now_ms() - t0 < 1500) {
		rc = src->read(ctx, p, 2);
		reads++;
		if (rc != -ENOTCONN)
			attempts++;
		if (rc >= 0 || p[1].value.quality != (IEDD_Q_INVALID | IEDD_Q_FAILURE))
			bad++;
		sleep_ms(5);
	}
	CHECK(bad == 0, "%d of %d reads while down were not failures", bad, reads);
	/* 100, 200, 400, 400 ms: 4 or 5 attempts on time, fewer on a loaded
	 * machine; without the back-off every read (about 300) would try */
	CHECK(attempts >= 2 && attempts <= 8, "%d connection attempts in 1.5 s (%d reads)",
	      attempts, reads);
	CHECK(logs_with("Connection refused") >= 1 && nlog < 12,
	      "the loss is logged, not every attempt loudly: %d lines", nlog);

	/* power back */
	if (tcp_start(tcp_port) < 0) {
		CHECK(0, "cannot re-bind 127.0.0.1:%u", tcp_port);
		return;
	}
	t0 = now_ms();
	do {
		rc = src->read(ctx, p, 2);
		if (rc == 0)
			break;
		sleep_ms(10);
	} while (now_ms() - t0 < 10000);
	/* the next attempt is at most backoff_max_ms=400 away; the bound says
	 * only that it came by itself (the loop gives up after 10 s) */
	CHECK(rc == 0, "good again after the back-off: %d after %llu ms", rc,
	      (unsigned long long)(now_ms() - t0));
	CHECK(p[0].value.quality == IEDD_Q_GOOD && p[0].value.v.u == 12345 &&
	      p[1].value.quality == IEDD_Q_GOOD && p[1].value.v.b, "values good again");
	CHECK(logs_with("connected again") == 1, "reconnection logged");
	rc = write_val(ctx, h, (struct iedd_value){ .kind = IEDD_KIND_UINT, .v.u = 12345 }, err,
		       sizeof err);
	CHECK(rc == 0, "write after reconnect: %d %s", rc, err);
	src->close(ctx);
}

/* A peer that accepts connections (the kernel does) but never answers. */
static void test_timeout(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char port[8], err[256] = "";
	void *ctx = NULL;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
		CHECK(0, "mute listener");
		return;
	}
	snprintf(port, sizeof port, "%u", ntohs(sa.sin_port));
	const struct iedd_param p[] = {
		{ "host", "127.0.0.1" }, { "port", port }, { "timeout_ms", "200" },
		{ "backoff_min_ms", "1000" },
	};
	int rc = src->open(p, 4, &host, &ctx, err, sizeof err);

	CHECK(rc == 0, "open: %s", err);
	if (rc == 0) {
		struct iedd_point pt = { .point = resolve(ctx, "ir:0", IEDD_KIND_UINT, false) };
		uint64_t t0 = now_ms();

		rc = src->read(ctx, &pt, 1);
		CHECK(rc == -ETIMEDOUT, "a mute peer times out: %d", rc);
		/* not before timeout_ms=200, and not much later (10 x) */
		CHECK(now_ms() - t0 >= 190 && now_ms() - t0 < 2000, "after timeout_ms: %llu ms",
		      (unsigned long long)(now_ms() - t0));
		CHECK(pt.value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE), "invalid");
		src->close(ctx);
	}

	/* A peer that accepts but never answers is backed off from like a
	 * dead one (connecting is not enough to reset the back-off), and
	 * complained about once. */
	const struct iedd_param q[] = {
		{ "host", "127.0.0.1" }, { "port", port }, { "timeout_ms", "100" },
		{ "backoff_min_ms", "100" }, { "backoff_max_ms", "400" },
	};

	rc = src->open(q, 5, &host, &ctx, err, sizeof err);
	CHECK(rc == 0, "open: %s", err);
	if (rc == 0) {
		struct iedd_point pt = { .point = resolve(ctx, "ir:0", IEDD_KIND_UINT, false) };
		uint64_t t0 = now_ms();
		int attempts = 0;

		nlog = 0;
		while (now_ms() - t0 < 1500) {
			if (src->read(ctx, &pt, 1) == -ETIMEDOUT)
				attempts++;
			sleep_ms(5);
		}
		/* 100 ms timeout + 100, 200, 400, 400 ms back-off: 4 or 5 on time,
		 * fewer on a loaded machine; 15 without the back-off */
		CHECK(attempts >= 2 && attempts <= 6, "%d attempts on a mute peer in 1.5 s",
		      attempts);
		CHECK(logs_at(4, "timed out") == 1, "one warning, not %d", logs_at(4, "timed out"));
		src->close(ctx);
	}
	close(ls);
}

static void test_rtu(void)
{
	char name[64];
	int slave_fd;

	if (rtu_start(7, name, &slave_fd) < 0) {
		fprintf(stderr, "no pseudo-terminal: RTU not tested\n");
		return;
	}
	/* parity none: a pseudo-terminal drops PARENB, and libmodbus then
	 * refuses a second open of the port with EINVAL before our lock. */
	const struct iedd_param p[] = {
		{ "mode", "rtu" }, { "device", name }, { "baud", "19200" }, { "parity", "none" },
		{ "unit", "7" }, { "timeout_ms", "300" },
	};
	char err[256] = "";
	void *ctx = NULL;
	int rc = src->open(p, 6, &host, &ctx, err, sizeof err);

	CHECK(rc == 0, "open rtu: %s", err);
	if (rc == 0) {
		struct iedd_point pts[3] = {
			{ .point = resolve(ctx, "hr:10:u32", IEDD_KIND_UINT, false) },
			{ .point = resolve(ctx, "ir:0", IEDD_KIND_UINT, false) },
			{ .point = resolve(ctx, "coil:0", IEDD_KIND_BOOL, false) },
		};
		void *c9 = resolve(ctx, "coil:9", IEDD_KIND_BOOL, true);

		rc = src->read(ctx, pts, 3);
		CHECK(rc == 0 && pts[0].value.v.u == 0x11223344 && pts[1].value.v.u == 54321 &&
		      pts[2].value.v.b && pts[0].value.quality == IEDD_Q_GOOD,
		      "RTU read: %d 0x%llx", rc, (unsigned long long)pts[0].value.v.u);
		rc = write_val(ctx, c9, (struct iedd_value){ .kind = IEDD_KIND_BOOL, .v.b = true },
			       err, sizeof err);
		CHECK(rc == 0 && sh->coils[9] == 1, "RTU write: %d %s", rc, err);

		/* a second master on the same line is refused, not interleaved */
		void *ctx2 = NULL;

		if (src->open(p, 6, &host, &ctx2, err, sizeof err) == 0) {
			struct iedd_point pt = { .point = resolve(ctx2, "hr:0", IEDD_KIND_UINT,
								  false) };

			nlog = 0;
			rc = src->read(ctx2, &pt, 1);
			CHECK(rc == -EBUSY && logs_with("in use"), "second instance on %s: %d", name,
			      rc);
			src->close(ctx2);
		}
		rc = src->read(ctx, pts, 3);
		CHECK(rc == 0 && pts[1].value.v.u == 54321, "the first goes on: %d", rc);
		src->close(ctx);
	}
	/* another slave address: nobody answers */
	const struct iedd_param q[] = {
		{ "mode", "rtu" }, { "device", name }, { "unit", "8" }, { "timeout_ms", "200" },
	};

	ctx = NULL;
	rc = src->open(q, 4, &host, &ctx, err, sizeof err);
	if (rc == 0) {
		struct iedd_point pt = { .point = resolve(ctx, "hr:0", IEDD_KIND_UINT, false) };

		rc = src->read(ctx, &pt, 1);
		CHECK(rc == -ETIMEDOUT && pt.value.quality == (IEDD_Q_INVALID | IEDD_Q_FAILURE),
		      "RTU unit 8 does not answer: %d", rc);
		src->close(ctx);
	}
	child_stop(&rtu_pid);
	close(slave_fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/iedd-source-modbus.so\n", argv[0]);
		return 2;
	}
	verbose = getenv("TEST_VERBOSE") != NULL;
	signal(SIGPIPE, SIG_IGN);
	shared_init();
	atexit(stop_all);
	if (tcp_start(0) < 0) {
		fprintf(stderr, "SKIP: cannot listen on 127.0.0.1 (%s): no loopback here\n",
			strerror(errno));
		return 77;
	}
	fill_store();

	test_descriptor(argv[1]);
	test_open_errors();
	void *ctx = open_tcp(NULL);

	if (ctx) {
		test_resolve_errors(ctx);
		test_values(ctx);
		test_clamp_quality(ctx);
		src->close(ctx);
	}
	test_batching();
	test_exceptions();
	test_writes();
	test_timeout();
	test_rtu();
	test_connection_loss();

	stop_all();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
