/* x86_64 architectural state the hypervisor touches, by its manual names:
 * control registers, MSRs, CPUID and port I/O (Intel SDM Vol. 3A ch. 2 and
 * Vol. 4; AMD APM Vol. 2 for the AMD-only ones). */
#pragma once
#include "types.h"

/* ---- CR0 (SDM Vol. 3A, 2.5) ---- */
#define CR0_PE (1ULL << 0)  /* Protection Enable */
#define CR0_MP (1ULL << 1)  /* Monitor Coprocessor */
#define CR0_EM (1ULL << 2)  /* Emulation: x87/SSE instructions fault (#NM/#UD) */
#define CR0_TS (1ULL << 3)  /* Task Switched: x87/SSE instructions fault (#NM) */
#define CR0_ET (1ULL << 4)  /* Extension Type (always 1 on modern CPUs) */
#define CR0_NE (1ULL << 5)  /* Numeric Error: required by VMX (CR0_FIXED0) */
#define CR0_WP (1ULL << 16) /* Write Protect */
#define CR0_PG (1ULL << 31) /* Paging */

/* ---- CR4 (SDM Vol. 3A, 2.5) ---- */
#define CR4_PAE  (1ULL << 5)  /* Physical Address Extension */
#define CR4_OSFXSR     (1ULL << 9)  /* FXSAVE/FXRSTOR include XMM0-15 and MXCSR */
#define CR4_OSXMMEXCPT (1ULL << 10) /* SIMD exceptions are #XM */
#define CR4_VMXE       (1ULL << 13) /* VMX Enable */
#define CR4_OSXSAVE    (1ULL << 18) /* XSAVE/XRSTOR and XSETBV usable */

/* ---- 4-level paging entries (SDM Vol. 3A, 4.5) ---- */
#define PTE_PRESENT   (1ULL << 0)
#define PTE_WRITABLE  (1ULL << 1)
#define PTE_USER      (1ULL << 2)  /* U/S: ring 3 may use it */
#define PTE_ACCESSED  (1ULL << 5)
#define PTE_DIRTY     (1ULL << 6)
#define PTE_LARGE     (1ULL << 7)  /* PS: a 2 MiB (PD) or 1 GiB (PDPT) page */
#define PTE_ADDR      MASK(51, 12)
#define PTE_XD        (1ULL << 63) /* execute-disable, with EFER.NXE */
#define PT_ENTRIES    512
#define LARGE_PAGE    (2 * MiB)
#define PT_LEVELS     4            /* 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
#define PT_LEVEL_SHIFT(level) (12 + 9 * ((level) - 1))

/* The index of `va` in a table at `level` (EPT and NPT have the same shape). */
static inline unsigned pt_index(u64 va, int level)
{
	return (va >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* ---- RFLAGS ---- */
#define RFLAGS_RESERVED_1 (1ULL << 1) /* bit 1 is reserved and always 1 */

/* ---- MSR numbers (SDM Vol. 4, table 2-2) ---- */
#define IA32_SYSENTER_CS          0x174
#define IA32_SYSENTER_ESP         0x175
#define IA32_SYSENTER_EIP         0x176
#define IA32_DEBUGCTL             0x1d9
#define IA32_EFER                 0xc0000080
#define IA32_FS_BASE              0xc0000100
#define IA32_GS_BASE              0xc0000101
#define IA32_KERNEL_GS_BASE       0xc0000102 /* SWAPGS exchanges it with GS.base */

/* IA32_EFER bits */
#define EFER_LME (1ULL << 8)  /* IA-32e (long) mode enable */
#define EFER_LMA (1ULL << 10) /* IA-32e mode active (read-only for software) */
#define EFER_NXE (1ULL << 11) /* no-execute enable: PTE bit 63 is XD, else reserved */
#define EFER_SVME (1ULL << 12) /* AMD: SVM enable */

/* Exception vectors (SDM Vol. 3A, 6.3.1, table 6-1) */
#define VECTOR_UD		6	/* invalid opcode */
#define VECTOR_GP		13	/* general protection, with an error code */

/* ---- CPUID ---- */
#define CPUID_LEAF_VENDOR         0x0
#define CPUID_LEAF_FEATURES       0x1
#define CPUID_1_ECX_MONITOR       (1u << 3)  /* MONITOR/MWAIT */
#define CPUID_1_ECX_VMX           (1u << 5)  /* Virtual Machine Extensions */
#define CPUID_1_ECX_SMX           (1u << 6)  /* Safer Mode Extensions (GETSEC) */
#define CPUID_1_ECX_XSAVE         (1u << 26) /* XSAVE/XRSTOR, XSETBV/XGETBV, XCR0 */
#define CPUID_1_ECX_OSXSAVE       (1u << 27) /* CR4.OSXSAVE, as the caller's CR4 has it */
#define CPUID_1_ECX_HYPERVISOR    (1u << 31) /* reserved for hypervisors: "running under one" */
#define CPUID_LEAF_XSAVE          0xd        /* subleaf 0: EDX:EAX XCR0 bits, EBX area size */
#define CPUID_LEAF_EXT_FEATURES   0x80000001
#define CPUID_80000001_ECX_SVM    (1u << 2)  /* AMD: Secure Virtual Machine */
#define CPUID_80000001_ECX_SKINIT (1u << 12) /* AMD: SKINIT and STGI without SVM */
#define CPUID_LEAF_HYPERVISOR     0x40000000 /* hypervisor leaves 0x40000000-0x400000ff */
#define CPUID_HYPERVISOR_LAST     0x400000ff

struct cpuid_regs { u32 eax, ebx, ecx, edx; };

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 value)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32)));
}

#define DEFINE_CR_ACCESSORS(n)                                            \
	static inline u64 read_cr##n(void)                                \
	{ u64 v; asm volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(u64 v)                             \
	{ asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
DEFINE_CR_ACCESSORS(8)

#define DR6_RESET_VALUE 0xffff0ff0ULL /* its fixed bits; no debug condition */

static inline u64 read_dr7(void)
{
	u64 v;
	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

/* DR0-DR3 and DR6 by number (MOV DRn takes no register operand for n). */
#define DEFINE_DR_ACCESSORS(n)                                            \
	static inline u64 read_dr##n(void)                                \
	{ u64 v; asm volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_dr##n(u64 v)                             \
	{ asm volatile("mov %0, %%dr" #n : : "r"(v)); }
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)

/* ---- Extended control registers (SDM Vol. 1, 13.3): XCR0 ---- */
#define XCR0_X87 (1ULL << 0)  /* always set */
#define XCR0_SSE (1ULL << 1)

static inline u64 xgetbv(u32 xcr)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((u64)hi << 32) | lo;
}

static inline void xsetbv(u32 xcr, u64 value)
{
	asm volatile("xsetbv" : : "c"(xcr), "a"((u32)value), "d"((u32)(value >> 32)));
}

static inline u64 read_cr2(void) { u64 v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline void write_cr2(u64 v) { asm volatile("mov %0, %%cr2" : : "r"(v)); }

static inline u16 read_cs(void) { u16 s; asm volatile("mov %%cs, %0" : "=r"(s)); return s; }
static inline u16 read_ss(void) { u16 s; asm volatile("mov %%ss, %0" : "=r"(s)); return s; }
static inline u16 read_ds(void) { u16 s; asm volatile("mov %%ds, %0" : "=r"(s)); return s; }
static inline u16 read_es(void) { u16 s; asm volatile("mov %%es, %0" : "=r"(s)); return s; }
static inline u16 read_fs(void) { u16 s; asm volatile("mov %%fs, %0" : "=r"(s)); return s; }
static inline u16 read_gs(void) { u16 s; asm volatile("mov %%gs, %0" : "=r"(s)); return s; }
static inline u16 read_tr(void) { u16 s; asm volatile("str %0" : "=r"(s)); return s; }

/* Operand of LGDT/LIDT/SGDT/SIDT in 64-bit mode. */
struct __attribute__((packed)) descriptor_table_ptr {
	u16 limit;
	u64 base;
};

static inline struct descriptor_table_ptr read_gdtr(void)
{
	struct descriptor_table_ptr p;
	asm volatile("sgdt %0" : "=m"(p));
	return p;
}

static inline struct descriptor_table_ptr read_idtr(void)
{
	struct descriptor_table_ptr p;
	asm volatile("sidt %0" : "=m"(p));
	return p;
}

/* ---- Port I/O ---- */
static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }

_Noreturn static inline void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}
