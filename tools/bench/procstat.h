/* SPDX-License-Identifier: Apache-2.0 */
/* CPU accounting from /proc for the benchmark tools (iedd-load,
 * shm-latency): what the server used, and what the whole machine did, so a
 * run disturbed by other work can be reported as such. */
#pragma once
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Busy time of all CPUs from /proc/stat (user, nice, system, irq, softirq,
 * steal), in seconds; -1 if unknown. */
static inline double machine_busy_s(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		       &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* utime + stime of process `pid` from /proc/PID/stat, in seconds; -1 if
 * unknown. */
static inline double process_cpu_s(int pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	/* proc(5): the command name is in parentheses and may hold spaces;
	 * utime and stime are fields 14 and 15, counted from the state (3). */
	const char *p = strrchr(line, ')');
	unsigned long long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
