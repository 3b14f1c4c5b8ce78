/*
 * AMD-V (SVM) by the AMD64 Architecture Programmer's Manual, Vol. 2,
 * chapter 15 and appendix B: the VMCB's layout, intercept bits, exit
 * codes, MSRs and CPUID bits. Offsets in comments are from the start of the
 * VMCB (control area) or of the state save area (at VMCB offset 0x400).
 */
#pragma once
#include "types.h"

/* ---- MSRs (APM Vol. 2, 15.30) ---- */
#define MSR_VM_CR          0xc0010114 /* SVM control (Bochs 2.7: not implemented, reads 0) */
#define VM_CR_SVMDIS       (1ULL << 4) /* firmware disabled SVM (EFER.SVME write #GPs) */
#define MSR_VM_HSAVE_PA    0xc0010117 /* physical address of the host save area */

/* ---- CPUID (APM Vol. 3, appendix E.4.9 "Function 8000_000Ah") ---- */
#define CPUID_LEAF_SVM_FEATURES 0x8000000a
/* EAX[7:0] = SVM revision, EBX = number of ASIDs, EDX = feature bits: */
#define SVM_FEATURE_NP              (1u << 0)  /* nested paging */
#define SVM_FEATURE_LBR_VIRT        (1u << 1)  /* LBR virtualization */
#define SVM_FEATURE_SVML            (1u << 2)  /* SVM lock */
#define SVM_FEATURE_NRIPS           (1u << 3)  /* next-RIP save on #VMEXIT */
#define SVM_FEATURE_TSC_RATE_MSR    (1u << 4)  /* MSR-based TSC rate control */
#define SVM_FEATURE_VMCB_CLEAN      (1u << 5)  /* VMCB clean bits */
#define SVM_FEATURE_FLUSH_BY_ASID   (1u << 6)  /* TLB_CONTROL 3/7 */
#define SVM_FEATURE_DECODE_ASSISTS  (1u << 7)  /* instruction bytes in the VMCB */
#define SVM_FEATURE_PAUSE_FILTER    (1u << 10) /* PAUSE intercept filter */
#define SVM_FEATURE_PAUSE_FILTER_THRESHOLD (1u << 12)
#define SVM_FEATURE_AVIC            (1u << 13) /* advanced virtual interrupt controller */
#define SVM_FEATURE_VMSAVE_VIRT     (1u << 15) /* VMSAVE/VMLOAD virtualization */
#define SVM_FEATURE_VGIF            (1u << 16) /* virtualized global interrupt flag */
#define SVM_FEATURE_GMET            (1u << 17) /* guest mode execute trap */
#define SVM_FEATURE_X2AVIC          (1u << 18)
#define SVM_FEATURE_SSS_CHECK       (1u << 19) /* supervisor shadow stack restrictions */
#define SVM_FEATURE_SPEC_CTRL       (1u << 20) /* SPEC_CTRL virtualization */
#define SVM_FEATURE_ROGPT           (1u << 21) /* read-only guest page tables */
#define SVM_FEATURE_HOST_MCE_OVERRIDE (1u << 23)
#define SVM_FEATURE_TLBI_CTL        (1u << 24) /* INVLPGB/TLBSYNC intercept control */
#define SVM_FEATURE_VNMI            (1u << 25) /* virtual NMI */
#define SVM_FEATURE_IBS_VIRT        (1u << 26)
#define SVM_FEATURE_VMCB_ADDR_CHK   (1u << 28) /* NestedVirtVmcbAddrChk */

/* ---- Intercept bits (APM Vol. 2, appendix B, table B-1) ---- */

/* VMCB offset 0x00C: "intercept vector 3" */
#define INTERCEPT_INTR          (1u << 0)  /* physical maskable interrupt */
#define INTERCEPT_NMI           (1u << 1)
#define INTERCEPT_SMI           (1u << 2)
#define INTERCEPT_INIT          (1u << 3)
#define INTERCEPT_VINTR         (1u << 4)  /* virtual interrupt */
#define INTERCEPT_CR0_SEL_WRITE (1u << 5)
#define INTERCEPT_RDTSC         (1u << 14)
#define INTERCEPT_PUSHF         (1u << 16)
#define INTERCEPT_POPF          (1u << 17)
#define INTERCEPT_CPUID         (1u << 18)
#define INTERCEPT_IRET          (1u << 20)
#define INTERCEPT_INTN          (1u << 21)
#define INTERCEPT_INVD          (1u << 22)
#define INTERCEPT_PAUSE         (1u << 23)
#define INTERCEPT_HLT           (1u << 24)
#define INTERCEPT_INVLPG        (1u << 25)
#define INTERCEPT_INVLPGA       (1u << 26)
#define INTERCEPT_IOIO_PROT     (1u << 27) /* IN/OUT, filtered by the IOPM */
#define INTERCEPT_MSR_PROT      (1u << 28) /* RDMSR/WRMSR, filtered by the MSRPM */
#define INTERCEPT_TASK_SWITCH   (1u << 29)
#define INTERCEPT_FERR_FREEZE   (1u << 30)
#define INTERCEPT_SHUTDOWN      (1u << 31) /* triple fault etc. */

/* VMCB offset 0x010: "intercept vector 4" */
#define INTERCEPT_VMRUN         (1u << 0)  /* MUST be set, else VMEXIT_INVALID */
#define INTERCEPT_VMMCALL       (1u << 1)
#define INTERCEPT_VMLOAD        (1u << 2)
#define INTERCEPT_VMSAVE        (1u << 3)
#define INTERCEPT_STGI          (1u << 4)
#define INTERCEPT_CLGI          (1u << 5)
#define INTERCEPT_SKINIT        (1u << 6)
#define INTERCEPT_RDTSCP        (1u << 7)
#define INTERCEPT_ICEBP         (1u << 8)
#define INTERCEPT_WBINVD        (1u << 9)
#define INTERCEPT_MONITOR       (1u << 10)
#define INTERCEPT_MWAIT         (1u << 11)
#define INTERCEPT_XSETBV        (1u << 13)

/* ---- Other control-area fields ---- */

/* TLB_CONTROL (offset 0x05C, bits 39:32 of the qword at 0x058) */
#define TLB_CONTROL_DO_NOTHING        0
#define TLB_CONTROL_FLUSH_ALL_ASIDS   1 /* always supported */
#define TLB_CONTROL_FLUSH_ASID        3 /* needs SVM_FEATURE_FLUSH_BY_ASID */

/* Virtual interrupt control (offset 0x060) */
#define V_IRQ            (1ULL << 8)
#define V_GIF            (1ULL << 9)
#define V_INTR_MASKING   (1ULL << 24) /* guest RFLAGS.IF masks only virtual
				      * interrupts; physical ones follow the
				      * host's RFLAGS.IF at VMRUN */
#define V_GIF_ENABLE     (1ULL << 25)

/* Nested paging and friends (offset 0x090) */
#define NP_ENABLE        (1ULL << 0)

/* ---- Exit codes (EXITCODE, offset 0x070; APM appendix C) ---- */
#define VMEXIT_CR0_READ       0x000  /* + n for CRn */
#define VMEXIT_CR0_WRITE      0x010
#define VMEXIT_CR3_READ       (VMEXIT_CR0_READ + 3)
#define VMEXIT_CR3_WRITE      (VMEXIT_CR0_WRITE + 3)
#define VMEXIT_EXCP0          0x040  /* + vector for exception intercepts */
#define VMEXIT_INTR           0x060
#define VMEXIT_CR0_SEL_WRITE  0x065  /* a CR0 write changing more than TS and MP */
#define VMEXIT_NMI            0x061
#define VMEXIT_SMI            0x062
#define VMEXIT_INIT           0x063
#define VMEXIT_VINTR          0x064
#define VMEXIT_RDTSC          0x06e
#define VMEXIT_CPUID          0x072
#define VMEXIT_IRET           0x074
#define VMEXIT_INTN           0x075
#define VMEXIT_PAUSE          0x077
#define VMEXIT_HLT            0x078
#define VMEXIT_INVLPG         0x079
#define VMEXIT_IOIO           0x07b
#define VMEXIT_MSR            0x07c
#define VMEXIT_TASK_SWITCH    0x07d
#define VMEXIT_SHUTDOWN       0x07f
#define VMEXIT_VMRUN          0x080
#define VMEXIT_VMMCALL        0x081
#define VMEXIT_VMLOAD         0x082
#define VMEXIT_VMSAVE         0x083
#define VMEXIT_STGI           0x084
#define VMEXIT_CLGI           0x085
#define VMEXIT_SKINIT         0x086
#define VMEXIT_NPF            0x400
#define VMEXIT_INVALID        ((u64)-1) /* VMRUN refused the VMCB (bad state) */

/* EXITINFO1 of VMEXIT_IOIO (APM 15.10.2, figure 15-2) */
#define IOIO_TYPE_IN          (1ULL << 0)  /* 1 = IN, 0 = OUT */
#define IOIO_STR              (1ULL << 2)  /* INS/OUTS */
#define IOIO_REP              (1ULL << 3)
#define IOIO_SZ8              (1ULL << 4)  /* operand size, one-hot */
#define IOIO_SZ16             (1ULL << 5)
#define IOIO_SZ32             (1ULL << 6)
#define IOIO_PORT_SHIFT       16
#define IOIO_PORT_MASK        0xffffu
/* EXITINFO2 of VMEXIT_IOIO = RIP of the instruction after IN/OUT */

/* EXITINFO1 of VMEXIT_NPF: a page-fault style error code (APM 15.25.6) */
#define NPF_P                 (1ULL << 0)  /* 1 = protection violation, 0 = not present */
#define NPF_RW                (1ULL << 1)  /* 1 = write */
#define NPF_US                (1ULL << 2)  /* 1 = user (always 1 for nested walks) */
#define NPF_RSV               (1ULL << 3)  /* reserved bit set in a nested entry */
#define NPF_ID                (1ULL << 4)  /* instruction fetch */
#define NPF_FINAL_ADDR        (1ULL << 32) /* fault on the final guest-physical access */
#define NPF_GUEST_PAGE_TABLES (1ULL << 33) /* fault while walking the guest's page tables */
/* EXITINFO2 of VMEXIT_NPF = the faulting guest-physical address */

/* EVENTINJ (offset 0x0a8): an event to deliver at VMRUN (APM 15.20) */
#define EVENTINJ_TYPE_EXCEPTION  (3ULL << 8)
#define EVENTINJ_EV              (1ULL << 11) /* push the error code */
#define EVENTINJ_VALID           (1ULL << 31)
#define EVENTINJ_ERROR_SHIFT     32
#define VECTOR_PAGE_FAULT        14
#define INTERCEPT_CR3            (1u << 3)    /* in intercept_cr_reads/writes */
#define INTERCEPT_CR4            (1u << 4)

/* ---- Sizes ---- */
#define VMCB_SIZE             PAGE_SIZE
#define HSAVE_SIZE            PAGE_SIZE
#define IOPM_SIZE             (3 * PAGE_SIZE) /* 1 bit per port, 64K ports + slack */
#define MSRPM_SIZE            (2 * PAGE_SIZE)

/* Instruction lengths, used when the CPU has no NRIP save (QEMU TCG). */
#define INSN_LEN_HLT          1 /* F4 */
#define INSN_LEN_CPUID        2 /* 0F A2 */
#define INSN_LEN_VMMCALL      3 /* 0F 01 D9 */
#define INSN_LEN_MSR          2 /* 0F 32 (RDMSR), 0F 30 (WRMSR) */

/* EXITINFO1 of VMEXIT_MSR */
#define MSR_EXITINFO1_WRITE   1 /* WRMSR (0: RDMSR) */


/* ---- The VMCB (APM Vol. 2, appendix B) ---- */

/* Segment register in the state save area (APM table B-2, 16 bytes). */
struct vmcb_segment {
	u16 selector;
	u16 attrib;   /* descriptor bits 47:40 -> 7:0, bits 55:52 -> 11:8 */
	u32 limit;
	u64 base;
};

/* VMCB segment attribute bits (descriptor access byte + flags nibble) */
#define SEG_ATTR_TYPE_DATA_RW_ACCESSED 0x3
#define SEG_ATTR_TYPE_CODE_XR_ACCESSED 0xb
#define SEG_ATTR_TYPE_TSS64_BUSY       0xb
#define SEG_ATTR_S       (1u << 4)   /* code or data (not system) */
#define SEG_ATTR_P       (1u << 7)   /* present */
#define SEG_ATTR_L       (1u << 9)   /* 64-bit code */
#define SEG_ATTR_DB      (1u << 10)  /* 32-bit default operand size */
#define SEG_ATTR_G       (1u << 11)  /* 4 KiB granularity */

/* Control area: VMCB offsets 0x000 - 0x3ff (APM table B-1). */
struct vmcb_control_area {
	u16 intercept_cr_reads;       /* 0x000 */
	u16 intercept_cr_writes;      /* 0x002 */
	u16 intercept_dr_reads;       /* 0x004 */
	u16 intercept_dr_writes;      /* 0x006 */
	u32 intercept_exceptions;     /* 0x008: bit n = exception vector n */
	u32 intercept_misc1;          /* 0x00c: INTERCEPT_INTR ... SHUTDOWN */
	u32 intercept_misc2;          /* 0x010: INTERCEPT_VMRUN ... XSETBV */
	u32 intercept_misc3;          /* 0x014: INVLPGB, ... */
	u8  reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;   /* 0x03c */
	u16 pause_filter_count;       /* 0x03e */
	u64 iopm_base_pa;             /* 0x040: I/O permission map */
	u64 msrpm_base_pa;            /* 0x048: MSR permission map */
	u64 tsc_offset;               /* 0x050 */
	u32 guest_asid;               /* 0x058 */
	u8  tlb_control;              /* 0x05c */
	u8  reserved_05d[3];
	u64 v_intr;                   /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING, ... */
	u64 interrupt_shadow;         /* 0x068: bit 0 INTERRUPT_SHADOW, bit 1 GUEST_INTERRUPT_MASK */
	u64 exitcode;                 /* 0x070 */
	u64 exitinfo1;                /* 0x078 */
	u64 exitinfo2;                /* 0x080 */
	u64 exitintinfo;              /* 0x088: event being delivered at #VMEXIT */
	u64 np_enable;                /* 0x090: NP_ENABLE, SEV, SEV-ES, ... */
	u64 avic_apic_bar;            /* 0x098 */
	u64 ghcb_pa;                  /* 0x0a0 */
	u64 eventinj;                 /* 0x0a8: event to inject on VMRUN */
	u64 n_cr3;                    /* 0x0b0: nested page table root */
	u64 lbr_virtualization_enable;/* 0x0b8 */
	u32 vmcb_clean;               /* 0x0c0: VMCB clean bits */
	u32 reserved_0c4;
	u64 nrip;                     /* 0x0c8: next RIP (if NRIPS) */
	u8  guest_insn_bytes_fetched; /* 0x0d0 (if decode assists) */
	u8  guest_insn_bytes[15];     /* 0x0d1 */
	u8  reserved_0e0[0x400 - 0x0e0];
};

/* State save area: VMCB offsets 0x400 - 0xfff (APM table B-2). */
struct vmcb_state_save_area {
	struct vmcb_segment es;       /* 0x000 */
	struct vmcb_segment cs;       /* 0x010 */
	struct vmcb_segment ss;       /* 0x020 */
	struct vmcb_segment ds;       /* 0x030 */
	struct vmcb_segment fs;       /* 0x040 */
	struct vmcb_segment gs;       /* 0x050 */
	struct vmcb_segment gdtr;     /* 0x060: only limit and base used */
	struct vmcb_segment ldtr;     /* 0x070 */
	struct vmcb_segment idtr;     /* 0x080: only limit and base used */
	struct vmcb_segment tr;       /* 0x090 */
	u8  reserved_0a0[0x0cb - 0x0a0];
	u8  cpl;                      /* 0x0cb */
	u32 reserved_0cc;
	u64 efer;                     /* 0x0d0 */
	u8  reserved_0d8[0x148 - 0x0d8];
	u64 cr4;                      /* 0x148 */
	u64 cr3;                      /* 0x150 */
	u64 cr0;                      /* 0x158 */
	u64 dr7;                      /* 0x160 */
	u64 dr6;                      /* 0x168 */
	u64 rflags;                   /* 0x170 */
	u64 rip;                      /* 0x178 */
	u8  reserved_180[0x1d8 - 0x180];
	u64 rsp;                      /* 0x1d8 */
	u64 s_cet;                    /* 0x1e0 */
	u64 ssp;                      /* 0x1e8 */
	u64 isst_addr;                /* 0x1f0 */
	u64 rax;                      /* 0x1f8 */
	u64 star;                     /* 0x200 */
	u64 lstar;                    /* 0x208 */
	u64 cstar;                    /* 0x210 */
	u64 sfmask;                   /* 0x218 */
	u64 kernel_gs_base;           /* 0x220 */
	u64 sysenter_cs;              /* 0x228 */
	u64 sysenter_esp;             /* 0x230 */
	u64 sysenter_eip;             /* 0x238 */
	u64 cr2;                      /* 0x240 */
	u8  reserved_248[0x268 - 0x248];
	u64 g_pat;                    /* 0x268: guest PAT (used with nested paging) */
	u64 dbgctl;                   /* 0x270 */
	u64 br_from;                  /* 0x278 */
	u64 br_to;                    /* 0x280 */
	u64 lastexcpfrom;             /* 0x288 */
	u64 lastexcpto;               /* 0x290 */
	u8  reserved_298[0xc00 - 0x298];
};

struct vmcb {
	struct vmcb_control_area control;   /* 0x000 */
	struct vmcb_state_save_area save;   /* 0x400 */
};

#define VMCB_CHECK(type, field, offset) \
	_Static_assert(__builtin_offsetof(type, field) == (offset), #field " offset")
VMCB_CHECK(struct vmcb_control_area, intercept_misc1, 0x00c);
VMCB_CHECK(struct vmcb_control_area, iopm_base_pa, 0x040);
VMCB_CHECK(struct vmcb_control_area, guest_asid, 0x058);
VMCB_CHECK(struct vmcb_control_area, tlb_control, 0x05c);
VMCB_CHECK(struct vmcb_control_area, exitcode, 0x070);
VMCB_CHECK(struct vmcb_control_area, np_enable, 0x090);
VMCB_CHECK(struct vmcb_control_area, n_cr3, 0x0b0);
VMCB_CHECK(struct vmcb_control_area, nrip, 0x0c8);
VMCB_CHECK(struct vmcb_state_save_area, cpl, 0x0cb);
VMCB_CHECK(struct vmcb_state_save_area, efer, 0x0d0);
VMCB_CHECK(struct vmcb_state_save_area, cr4, 0x148);
VMCB_CHECK(struct vmcb_state_save_area, rsp, 0x1d8);
VMCB_CHECK(struct vmcb_state_save_area, rax, 0x1f8);
VMCB_CHECK(struct vmcb_state_save_area, g_pat, 0x268);
VMCB_CHECK(struct vmcb, save, 0x400);
_Static_assert(sizeof(struct vmcb) == VMCB_SIZE, "VMCB is one 4 KiB page");

/* EXITCODE is 64 bits and VMEXIT_INVALID is -1; QEMU 7.2 writes a 32-bit
 * -1, so only the low half is compared (no real exit code comes near). */
static inline u64 svm_exitcode(const struct vmcb *vmcb)
{
	u64 code = vmcb->control.exitcode;
	return (u32)code == (u32)VMEXIT_INVALID ? VMEXIT_INVALID : code;
}
