/* cpuid: CPUID always exits under VT-x (and is intercepted under AMD-V);
 * the hypervisor answers with the real CPU minus VMX/SVM, plus its own
 * leaves from 0x40000000. */
#include "guest.h"

#define CPUID_1_ECX_VMX		BIT(5)
#define CPUID_1_ECX_HYPERVISOR	BIT(31)
#define CPUID_EXT_ECX_SVM	BIT(2)

struct regs { u32 a, b, c, d; };

static struct regs cpuid(u32 leaf)
{
	struct regs r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(0));
	return r;
}

int main(void)
{
	struct regs one = cpuid(1), ext = cpuid(0x80000001), hv = cpuid(0x40000000);
	struct regs tsc = cpuid(0x40000001), past = cpuid(0x40000002);
	char name[13] = { 0 };

	memcpy(name, &hv.b, 4);
	memcpy(name + 4, &hv.c, 4);
	memcpy(name + 8, &hv.d, 4);
	check(one.c & CPUID_1_ECX_HYPERVISOR, "CPUID.1:ECX.hypervisor[bit 31] is set");
	check(!(one.c & CPUID_1_ECX_VMX), "CPUID.1:ECX.VMX[bit 5] reads 0");
	check(!(ext.c & CPUID_EXT_ECX_SVM), "CPUID.80000001:ECX.SVM[bit 2] reads 0");
	check(hv.a == 0x40000001 && name[0] == 'h' && name[10] == 'g',
	      "leaf 0x40000000 names the hypervisor: %s", name);
	check(tsc.a != 0, "leaf 0x40000001 gives the TSC frequency (%u kHz)", tsc.a);
	check(!past.a && !past.b && !past.c && !past.d,
	      "leaf 0x40000002 is past the last one and reads 0");
	return summary();
}
