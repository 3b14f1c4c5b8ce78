/* The world switch, second half: what a guest can write without an exit
 * but neither VM entry/exit (VT-x) nor VMRUN/#VMEXIT (AMD-V) switches: the
 * x87/SSE/AVX registers (and XCR0), DR0-DR3, and per back end DR6,
 * IA32_KERNEL_GS_BASE and CR8. The hypervisor itself uses none of them
 * (built with -mgeneral-regs-only; no breakpoints, no SWAPGS), so a guest's
 * values stay in the CPU across its exits and move only when the CPU goes
 * to another vCPU. The table is in docs/security.md (x86_64). */
#include "arch.h"
#include "backend.h"
#include "console.h"
#include "mm.h"
#include "vm.h"
#include "x86.h"

/* FXSAVE's 512-byte legacy area (SDM Vol. 1, 10.5.1), which XSAVE's
 * standard form starts with; 64-byte alignment suits both. */
#define FXSAVE_AREA_SIZE	512
#define FPU_AREA_ALIGN		64
#define FCW_OFFSET		0
#define MXCSR_OFFSET		24
#define FCW_RESET		0x37f	/* as FNINIT: exceptions masked, 64-bit precision */
#define MXCSR_RESET		0x1f80	/* SIMD exceptions masked, round to nearest */
#define XSAVE_EVERY_COMPONENT	(~0ULL)	/* EDX:EAX: whatever XCR0 enables */

static bool use_xsave;		/* else FXSAVE/FXRSTOR: x87, MMX, XMM0-15, MXCSR */
static u64 host_xcr0;		/* every user component the CPU has */
static u32 fpu_area_size;

/* The host's CR0 and CR4 allow the FPU instructions and their save area;
 * with XSAVE, XCR0 enables every component the CPU has, so that one XSAVE
 * takes all of a guest's registers whatever its own XCR0 says. */
void x86_fpu_init(void)
{
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	use_xsave = cpuid(CPUID_LEAF_FEATURES, 0).ecx & CPUID_1_ECX_XSAVE;
	fpu_area_size = FXSAVE_AREA_SIZE;
	write_cr4(use_xsave ? cr4 | CR4_OSXSAVE : cr4);
	if (use_xsave) {
		struct cpuid_regs r = cpuid(CPUID_LEAF_XSAVE, 0);

		host_xcr0 = r.eax | (u64)r.edx << 32;
		xsetbv(0, host_xcr0);
		fpu_area_size = cpuid(CPUID_LEAF_XSAVE, 0).ebx;	/* for XCR0 as now set */
	}
	if (fpu_area_size > PAGE_SIZE)
		panic("XSAVE area of %u bytes: more than a page", fpu_area_size);
	printf("hv: FPU state switched by %s (%u bytes per vCPU, XCR0 0x%lx)\n",
	       use_xsave ? "XSAVE/XRSTOR" : "FXSAVE/FXRSTOR", fpu_area_size, host_xcr0);
}

/* A vCPU's registers as the architecture resets them (FNINIT, MXCSR
 * 0x1f80, XCR0 = x87 only, DR6's fixed bits); an XSAVE header of zeros
 * makes XRSTOR put every other component in its initial state. */
void x86_switched_init(struct x86_switched *s)
{
	s->fpu = mm_alloc(PAGE_SIZE, FPU_AREA_ALIGN);
	*(u16 *)((u8 *)s->fpu + FCW_OFFSET) = FCW_RESET;
	*(u32 *)((u8 *)s->fpu + MXCSR_OFFSET) = MXCSR_RESET;
	s->xcr0 = XCR0_X87;
	s->dr6 = DR6_RESET_VALUE;
}

static void fpu_save(struct x86_switched *s)
{
	if (!use_xsave) {
		asm volatile("fxsaveq %0" : "=m"(*(u8(*)[FXSAVE_AREA_SIZE])s->fpu));
		return;
	}
	s->xcr0 = xgetbv(0);	/* AMD-V lets a guest XSETBV without an exit */
	if (s->xcr0 != host_xcr0)
		xsetbv(0, host_xcr0);
	asm volatile("xsaveq %0" : "=m"(*(u8(*)[PAGE_SIZE])s->fpu)
		     : "a"((u32)XSAVE_EVERY_COMPONENT), "d"((u32)(XSAVE_EVERY_COMPONENT >> 32)));
}

/* AMD CPUs restore the x87 last-instruction and operand pointers only when
 * an exception is pending: without one x87 instruction of our own in
 * between, the next vCPU would read the last vCPU's (CVE-2006-1056). */
static void fpu_forget_pointers(void)
{
	static const u32 zero;

	asm volatile("fnclex; emms; fildl %0" : : "m"(zero));
}

static void fpu_load(const struct x86_switched *s)
{
	fpu_forget_pointers();
	if (!use_xsave) {
		asm volatile("fxrstorq %0" : : "m"(*(const u8(*)[FXSAVE_AREA_SIZE])s->fpu));
		return;
	}
	asm volatile("xrstorq %0" : : "m"(*(const u8(*)[PAGE_SIZE])s->fpu),
		     "a"((u32)XSAVE_EVERY_COMPONENT), "d"((u32)(XSAVE_EVERY_COMPONENT >> 32)));
	if (s->xcr0 != host_xcr0)
		xsetbv(0, s->xcr0);
}

static void save(struct x86_switched *s)
{
	u32 in_hw = backend->switched_by_hardware;

	fpu_save(s);
	s->dr[0] = read_dr0(), s->dr[1] = read_dr1(), s->dr[2] = read_dr2(), s->dr[3] = read_dr3();
	if (!(in_hw & X86_HW_SWITCHES_DR6))
		s->dr6 = read_dr6();
	if (!(in_hw & X86_HW_SWITCHES_KERNEL_GS_BASE))
		s->kernel_gs_base = rdmsr(IA32_KERNEL_GS_BASE);
	if (!(in_hw & X86_HW_SWITCHES_CR8))
		s->cr8 = read_cr8();
}

static void load(const struct x86_switched *s)
{
	u32 in_hw = backend->switched_by_hardware;

	fpu_load(s);
	write_dr0(s->dr[0]), write_dr1(s->dr[1]), write_dr2(s->dr[2]), write_dr3(s->dr[3]);
	if (!(in_hw & X86_HW_SWITCHES_DR6))
		write_dr6(s->dr6);
	if (!(in_hw & X86_HW_SWITCHES_KERNEL_GS_BASE))
		wrmsr(IA32_KERNEL_GS_BASE, s->kernel_gs_base);
	if (!(in_hw & X86_HW_SWITCHES_CR8))
		write_cr8(s->cr8);
}

/* The CPU goes from prev (NULL: from the hypervisor's start) to next. */
void x86_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
	if (prev)
		save(&prev->arch.switched);
	load(&next->arch.switched);
}
