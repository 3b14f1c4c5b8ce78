/* hosted-probe: what user space sees of the hosted hypervisor. It reads the
 * hypervisor CPUID leaf, asks for statistics with VMCALL/VMMCALL, and times
 * both round trips with RDTSC (under QEMU -icount and in Bochs, one tick
 * per instruction). Built static with the host's gcc, run in the guest.
 *   hosted-probe cpuid CPU       the leaf on that CPU: "signature ..." or "no hypervisor"
 *   hosted-probe stats CPU       the STATS hypercall's answer
 *   hosted-probe bench CPU N     median ticks of N CPUID and N hypercall round trips */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosted_abi.h"

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static int amd;		/* AuthenticAMD: VMMCALL; else VMCALL (set once, in main) */

static int is_amd(void)
{
	uint32_t r[4];

	cpuid(0, r);
	return r[1] == 0x68747541;	/* "Auth" of AuthenticAMD */
}

/* VMMCALL on AMD-V, VMCALL on VT-x: #UD (SIGILL) with no hypervisor. */
static uint64_t hypercall(uint64_t fn, uint64_t *rbx, uint64_t *rcx)
{
	uint64_t b = 0, c = 0;

	if (amd)
		__asm__ volatile("vmmcall" : "+a"(fn), "+b"(b), "+c"(c) : : "rdx", "memory");
	else
		__asm__ volatile("vmcall" : "+a"(fn), "+b"(b), "+c"(c) : : "rdx", "memory");
	*rbx = b, *rcx = c;
	return fn;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of n timed runs of one round trip, minus an empty one's. */
static uint64_t median_ticks(int n, int use_cpuid, uint64_t *samples)
{
	for (int i = 0; i < n; i++) {
		uint32_t r[4];
		uint64_t b, c, t0 = rdtsc();

		if (use_cpuid == 1)
			cpuid(HOSTED_CPUID_LEAF, r);
		else if (use_cpuid == 0)
			hypercall(HOSTED_HC_PING, &b, &c);
		samples[i] = rdtsc() - t0;
	}
	qsort(samples, n, sizeof(*samples), cmp);
	return samples[n / 2];
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "hosted-probe: no CPU %d\n", cpu);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	uint32_t r[4];
	uint64_t b, c, a;

	if (argc < 3) {
		fprintf(stderr, "usage: hosted-probe cpuid|stats|bench CPU [N]\n");
		return 2;
	}
	pin(atoi(argv[2]));
	amd = is_amd();
	if (!strcmp(argv[1], "cpuid")) {
		char sig[13] = { 0 };

		cpuid(HOSTED_CPUID_LEAF, r);
		memcpy(sig, &r[1], 4), memcpy(sig + 4, &r[2], 4), memcpy(sig + 8, &r[3], 4);
		if (memcmp(sig, HOSTED_SIGNATURE, 12)) {
			printf("cpu %s: no hypervisor\n", argv[2]);
			return 0;
		}
		cpuid(HOSTED_CPUID_INFO, r);
		printf("cpu %s: signature %s backend %s exits %u\n", argv[2], sig,
		       r[0] == HOSTED_BACKEND_SVM ? "AMD-V" : "VT-x", r[1]);
	} else if (!strcmp(argv[1], "stats")) {
		a = hypercall(HOSTED_HC_STATS, &b, &c);
		printf("cpu %s: exits %llu cpuid %llu vmcall %llu\n", argv[2],
		       (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
		a = hypercall(HOSTED_HC_LEAVE, &b, &c);
		printf("cpu %s: leave from user space: %s\n", argv[2],
		       a == HOSTED_HC_DENIED ? "denied" : "allowed");
	} else if (!strcmp(argv[1], "bench") && argc > 3) {
		int n = atoi(argv[3]);
		uint64_t *s = calloc(n, sizeof(*s)), empty = median_ticks(n, 2, s);

		printf("bench cpuid_roundtrip %llu\n",
		       (unsigned long long)(median_ticks(n, 1, s) - empty));
		printf("bench hypercall_roundtrip %llu\n",
		       (unsigned long long)(median_ticks(n, 0, s) - empty));
	} else {
		fprintf(stderr, "hosted-probe: unknown command %s\n", argv[1]);
		return 2;
	}
	return 0;
}
