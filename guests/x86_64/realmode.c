/* realmode: a guest that starts in 16-bit real mode and gets itself to
 * long mode (realmode.S), checked from main() once it is there. */
#include "guest.h"

#define CR0_PE		BIT(0)
#define CR0_PG		BIT(31)
#define IA32_EFER	0xc0000080
#define EFER_LME	BIT(8)
#define EFER_LMA	BIT(10)

extern u16 reset_cr0;	/* CR0's low half as the CPU left reset (realmode.S) */

static u64 read_cr0(void)
{
	u64 v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

int main(void)
{
	u64 cr0 = read_cr0(), efer = rdmsr(IA32_EFER);

	check(!(reset_cr0 & CR0_PE), "started in real mode (CR0.PE was 0, CR0 low half 0x%x)",
	      reset_cr0);
	check((cr0 & CR0_PE) && (cr0 & CR0_PG), "protection and paging now on (CR0=0x%lx)", cr0);
	check((efer & EFER_LME) && (efer & EFER_LMA), "long mode active (EFER=0x%lx)", efer);
	return summary();
}
