/* What rfx-bench asks of the OS: real-time setup, memory and process
 * figures from /proc, a file's hash, a private temporary directory. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_* */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static uint64_t limit_of(int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return (uint64_t)rl.rlim_cur;
}

void bench_rt_enter(bench_rt *rt, int priority, int cpu)
{
	struct sched_param sp;
	cpu_set_t set;

	memset(rt, 0, sizeof(*rt));
	rt->requested = 1;
	rt->priority = priority;
	rt->cpu = cpu;
	rt->memlock_limit = limit_of(RLIMIT_MEMLOCK);
	rt->rtprio_limit = limit_of(RLIMIT_RTPRIO);
	rt->old_policy = sched_getscheduler(0);
	if (sched_getparam(0, &sp) == 0)
		rt->old_priority = sp.sched_priority;

	/* Everything the loop touches is allocated by now: lock it, and what
	 * comes later, so no page fault lands inside a measured frame. */
	rt->mlock_err = mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno;

	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = priority;
	rt->fifo_err = sched_setscheduler(0, SCHED_FIFO, &sp) == 0 ? 0 : errno;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		memcpy(rt->old_affinity, &set,
		       sizeof(set) < sizeof(rt->old_affinity) ? sizeof(set)
							      : sizeof(rt->old_affinity));
		rt->have_old_affinity = 1;
	}
	if (rt->cpu < 0) {
		/* The last CPU we may run on: on small machines CPU 0 takes
		 * most interrupts. */
		rt->cpu = 0;
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &set)) {
				rt->cpu = c;
				break;
			}
	}
	if (rt->cpu >= CPU_SETSIZE) {
		rt->affinity_err = EINVAL;
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(rt->cpu, &set);
	rt->affinity_err = sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : errno;
}

void bench_rt_leave(bench_rt *rt)
{
	struct sched_param sp;

	if (!rt->requested)
		return;
	if (rt->mlock_err == 0)
		munlockall();
	if (rt->fifo_err == 0) {
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = rt->old_priority;
		sched_setscheduler(0, rt->old_policy < 0 ? SCHED_OTHER : rt->old_policy, &sp);
	}
	if (rt->affinity_err == 0 && rt->have_old_affinity) {
		cpu_set_t set;

		CPU_ZERO(&set);
		memcpy(&set, rt->old_affinity,
		       sizeof(set) < sizeof(rt->old_affinity) ? sizeof(set)
							      : sizeof(rt->old_affinity));
		sched_setaffinity(0, sizeof(set), &set);
	}
}

void bench_rss(uint64_t *rss, uint64_t *hwm)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long kb;

	*rss = *hwm = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			*rss = (uint64_t)kb * 1024;
		else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			*hwm = (uint64_t)kb * 1024;
	}
	fclose(f);
}

int bench_since_process_start(uint64_t *ns, uint64_t *resolution_ns)
{
	char buf[1024];
	unsigned long long start;
	struct timespec now;
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;
	char *p;
	int field;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: count fields
	 * after its last ')'. Field 3 follows it; starttime is field 22. */
	p = strrchr(buf, ')');
	if (!p || tck <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) != 0)
		return -1;
	p++;
	for (field = 2; field < 21 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &start) != 1)
		return -1;
	uint64_t start_ns = (uint64_t)((double)start * 1e9 / (double)tck);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (now_ns < start_ns)
		return -1;
	*ns = now_ns - start_ns;
	*resolution_ns = 1000000000ull / (uint64_t)tck;
	return 0;
}

uint64_t bench_fnv1a64(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int bench_file_fnv1a64(const char *path, uint64_t *hash, uint64_t *size)
{
	unsigned char buf[1 << 16];
	uint64_t h = 0xcbf29ce484222325ull, total = 0;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		h = bench_fnv1a64(h, buf, n);
		total += n;
	}
	n = (size_t)ferror(f);
	fclose(f);
	if (n)
		return -1;
	*hash = h;
	*size = total;
	return 0;
}

int bench_tmpdir_make(char *out, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(out, len, "%s/rfx-bench-XXXXXX", base) >= len)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path); /* best effort: keep going */
	return 0;
}

void bench_tmpdir_remove(const char *dir)
{
	/* Depth first, not following links: only what lies inside our own
	 * mkdtemp() directory. */
	if (dir && *dir && strstr(dir, "/rfx-bench-"))
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
