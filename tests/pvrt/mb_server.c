/* SPDX-License-Identifier: Apache-2.0 */
/* A small Modbus TCP server for tests/pvrt (libmodbus): serves 100
 * holding registers and 16 coils on 127.0.0.1:PORT, hr 0 = 1234 at start,
 * and after every request writes "hr0 hr1 ... hr9" and, on a second line,
 * "c0 c1 ... c15" to STATE_FILE (via a rename, so readers see whole
 * files). Usage: pvrt_mb_server PORT STATE_FILE. One
 * client at a time; exits on SIGTERM. */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void dump(const modbus_mapping_t *mm, const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	for (int i = 0; i < 10; i++)
		fprintf(f, "%u%c", mm->tab_registers[i], i == 9 ? '\n' : ' ');
	for (int i = 0; i < 16; i++)
		fprintf(f, "%u%c", mm->tab_bits[i], i == 15 ? '\n' : ' ');
	fclose(f);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT STATE_FILE\n", argv[0]);
		return 2;
	}
	modbus_t *mb = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
	modbus_mapping_t *mm = modbus_mapping_new(16, 0, 100, 0);
	if (!mb || !mm)
		return 1;
	mm->tab_registers[0] = 1234;
	dump(mm, argv[2]);
	int ls = modbus_tcp_listen(mb, 1);
	if (ls < 0) {
		fprintf(stderr, "listen: %s\n", modbus_strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (modbus_tcp_accept(mb, &ls) < 0)
			return 1;
		uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
		for (;;) {
			int n = modbus_receive(mb, q);
			if (n > 0) {
				modbus_reply(mb, q, n, mm);
				dump(mm, argv[2]);
			} else if (n < 0) {
				break;
			}
		}
		modbus_close(mb);
	}
}
