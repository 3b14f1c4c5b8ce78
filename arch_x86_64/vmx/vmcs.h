/*
 * VMCS field encodings, VMX control bits and exit reasons, named as in the
 * Intel SDM Vol. 3C:
 *   Appendix B  "Field Encoding in VMCS"
 *   24.6-24.8   VM-execution, VM-exit and VM-entry control fields
 *   Appendix C  "VMX Basic Exit Reasons"
 *   30.4        "VM Instruction Error Numbers"
 *
 * An encoding's bits 14:13 give the width (0 = 16-bit, 1 = 64-bit,
 * 2 = 32-bit, 3 = natural width) and bits 11:10 the type (0 = control,
 * 1 = read-only exit information, 2 = guest state, 3 = host state).
 */
#pragma once

/* ---------------- 16-bit fields ---------------- */
#define VMCS_VIRTUAL_PROCESSOR_ID        0x0000 /* VPID */
#define VMCS_GUEST_ES_SELECTOR           0x0800
#define VMCS_GUEST_CS_SELECTOR           0x0802
#define VMCS_GUEST_SS_SELECTOR           0x0804
#define VMCS_GUEST_DS_SELECTOR           0x0806
#define VMCS_GUEST_FS_SELECTOR           0x0808
#define VMCS_GUEST_GS_SELECTOR           0x080a
#define VMCS_GUEST_LDTR_SELECTOR         0x080c
#define VMCS_GUEST_TR_SELECTOR           0x080e
#define VMCS_HOST_ES_SELECTOR            0x0c00
#define VMCS_HOST_CS_SELECTOR            0x0c02
#define VMCS_HOST_SS_SELECTOR            0x0c04
#define VMCS_HOST_DS_SELECTOR            0x0c06
#define VMCS_HOST_FS_SELECTOR            0x0c08
#define VMCS_HOST_GS_SELECTOR            0x0c0a
#define VMCS_HOST_TR_SELECTOR            0x0c0c

/* ---------------- 64-bit fields ---------------- */
#define VMCS_EPT_POINTER                 0x201a /* EPTP */
#define VMCS_GUEST_PHYSICAL_ADDRESS      0x2400 /* read-only */
#define VMCS_VMCS_LINK_POINTER           0x2800
#define VMCS_GUEST_IA32_DEBUGCTL         0x2802
#define VMCS_GUEST_IA32_EFER             0x2806
#define VMCS_HOST_IA32_EFER              0x2c02

/* ---------------- 32-bit fields ---------------- */
#define VMCS_PIN_BASED_VM_EXEC_CONTROL   0x4000 /* pin-based VM-execution controls */
#define VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL 0x4002
#define VMCS_EXCEPTION_BITMAP            0x4004
#define VMCS_CR3_TARGET_COUNT            0x400a
#define VMCS_VM_EXIT_CONTROLS            0x400c
#define VMCS_VM_EXIT_MSR_STORE_COUNT     0x400e
#define VMCS_VM_EXIT_MSR_LOAD_COUNT      0x4010
#define VMCS_VM_ENTRY_CONTROLS           0x4012
#define VMCS_VM_ENTRY_MSR_LOAD_COUNT     0x4014
#define VMCS_VM_ENTRY_INTERRUPTION_INFO  0x4016
#define VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL 0x401e
#define VMCS_VM_INSTRUCTION_ERROR        0x4400 /* read-only */
#define VMCS_EXIT_REASON                 0x4402 /* read-only */
#define VMCS_VM_EXIT_INTERRUPTION_INFO   0x4404 /* read-only */
#define VMCS_VM_EXIT_INSTRUCTION_LENGTH  0x440c /* read-only */
#define VMCS_GUEST_ES_LIMIT              0x4800
#define VMCS_GUEST_CS_LIMIT              0x4802
#define VMCS_GUEST_SS_LIMIT              0x4804
#define VMCS_GUEST_DS_LIMIT              0x4806
#define VMCS_GUEST_FS_LIMIT              0x4808
#define VMCS_GUEST_GS_LIMIT              0x480a
#define VMCS_GUEST_LDTR_LIMIT            0x480c
#define VMCS_GUEST_TR_LIMIT              0x480e
#define VMCS_GUEST_GDTR_LIMIT            0x4810
#define VMCS_GUEST_IDTR_LIMIT            0x4812
#define VMCS_GUEST_ES_ACCESS_RIGHTS      0x4814
#define VMCS_GUEST_CS_ACCESS_RIGHTS      0x4816
#define VMCS_GUEST_SS_ACCESS_RIGHTS      0x4818
#define VMCS_GUEST_DS_ACCESS_RIGHTS      0x481a
#define VMCS_GUEST_FS_ACCESS_RIGHTS      0x481c
#define VMCS_GUEST_GS_ACCESS_RIGHTS      0x481e
#define VMCS_GUEST_LDTR_ACCESS_RIGHTS    0x4820
#define VMCS_GUEST_TR_ACCESS_RIGHTS      0x4822
#define VMCS_GUEST_INTERRUPTIBILITY_STATE 0x4824
#define VMCS_GUEST_ACTIVITY_STATE        0x4826
#define VMCS_GUEST_IA32_SYSENTER_CS      0x482a
#define VMCS_VMX_PREEMPTION_TIMER_VALUE  0x482e
#define VMCS_HOST_IA32_SYSENTER_CS       0x4c00

/* ---------------- natural-width fields ---------------- */
#define VMCS_CR0_GUEST_HOST_MASK         0x6000
#define VMCS_CR4_GUEST_HOST_MASK         0x6002
#define VMCS_CR0_READ_SHADOW             0x6004
#define VMCS_CR4_READ_SHADOW             0x6006
#define VMCS_EXIT_QUALIFICATION          0x6400 /* read-only */
#define VMCS_GUEST_LINEAR_ADDRESS        0x640a /* read-only */
#define VMCS_GUEST_CR0                   0x6800
#define VMCS_GUEST_CR3                   0x6802
#define VMCS_GUEST_CR4                   0x6804
#define VMCS_GUEST_ES_BASE               0x6806
#define VMCS_GUEST_CS_BASE               0x6808
#define VMCS_GUEST_SS_BASE               0x680a
#define VMCS_GUEST_DS_BASE               0x680c
#define VMCS_GUEST_FS_BASE               0x680e
#define VMCS_GUEST_GS_BASE               0x6810
#define VMCS_GUEST_LDTR_BASE             0x6812
#define VMCS_GUEST_TR_BASE               0x6814
#define VMCS_GUEST_GDTR_BASE             0x6816
#define VMCS_GUEST_IDTR_BASE             0x6818
#define VMCS_GUEST_DR7                   0x681a
#define VMCS_GUEST_RSP                   0x681c
#define VMCS_GUEST_RIP                   0x681e
#define VMCS_GUEST_RFLAGS                0x6820
#define VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS 0x6822
#define VMCS_GUEST_IA32_SYSENTER_ESP     0x6824
#define VMCS_GUEST_IA32_SYSENTER_EIP     0x6826
#define VMCS_HOST_CR0                    0x6c00
#define VMCS_HOST_CR3                    0x6c02
#define VMCS_HOST_CR4                    0x6c04
#define VMCS_HOST_FS_BASE                0x6c06
#define VMCS_HOST_GS_BASE                0x6c08
#define VMCS_HOST_TR_BASE                0x6c0a
#define VMCS_HOST_GDTR_BASE              0x6c0c
#define VMCS_HOST_IDTR_BASE              0x6c0e
#define VMCS_HOST_IA32_SYSENTER_ESP      0x6c10
#define VMCS_HOST_IA32_SYSENTER_EIP      0x6c12
#define VMCS_HOST_RSP                    0x6c14
#define VMCS_HOST_RIP                    0x6c16

/* ------------- Pin-based VM-execution controls (24.6.1) ------------- */
#define PIN_BASED_EXTERNAL_INTERRUPT_EXITING  (1u << 0)
#define PIN_BASED_NMI_EXITING                 (1u << 3)
#define PIN_BASED_VIRTUAL_NMIS                (1u << 5)
#define PIN_BASED_ACTIVATE_PREEMPTION_TIMER   (1u << 6)

/* ------ Primary processor-based VM-execution controls (24.6.2) ------ */
#define CPU_BASED_HLT_EXITING                 (1u << 7)
#define CPU_BASED_CR3_LOAD_EXITING            (1u << 15)
#define CPU_BASED_CR3_STORE_EXITING           (1u << 16)
#define CPU_BASED_UNCONDITIONAL_IO_EXITING    (1u << 24)
#define CPU_BASED_USE_IO_BITMAPS              (1u << 25)
#define CPU_BASED_USE_MSR_BITMAPS             (1u << 28)
#define CPU_BASED_ACTIVATE_SECONDARY_CONTROLS (1u << 31)

/* ----- Secondary processor-based VM-execution controls (24.6.2) ----- */
#define SECONDARY_ENABLE_EPT                  (1u << 1)
#define SECONDARY_ENABLE_VPID                 (1u << 5)
#define SECONDARY_UNRESTRICTED_GUEST          (1u << 7)

/* ---------------- VM-exit controls (24.7.1) ---------------- */
#define VM_EXIT_SAVE_DEBUG_CONTROLS           (1u << 2)
#define VM_EXIT_HOST_ADDRESS_SPACE_SIZE       (1u << 9)
#define VM_EXIT_ACK_INTERRUPT_ON_EXIT         (1u << 15)
#define VM_EXIT_SAVE_IA32_EFER                (1u << 20)
#define VM_EXIT_LOAD_IA32_EFER                (1u << 21)
#define VM_EXIT_SAVE_PREEMPTION_TIMER         (1u << 22)

/* ---------------- VM-entry controls (24.8.1) ---------------- */
#define VM_ENTRY_LOAD_DEBUG_CONTROLS          (1u << 2)
#define VM_ENTRY_IA32E_MODE_GUEST             (1u << 9)
#define VM_ENTRY_LOAD_IA32_EFER               (1u << 15)

/* ------------- IA32_VMX_BASIC fields (Appendix A.1) ------------- */
#define VMX_BASIC_REVISION_ID_MASK     0x7fffffffu
#define VMX_BASIC_TRUE_CONTROLS        (1ULL << 55)

/* ------------- IA32_VMX_MISC fields (Appendix A.6) ------------- */
#define VMX_MISC_PREEMPTION_TIMER_RATE_MASK 0x1fu /* timer ticks every 2^N TSC */
#define VMX_MISC_CR3_TARGETS_SHIFT     16    /* bits 24:16: number of CR3-target values */
#define VMX_MISC_CR3_TARGETS_MASK      0x1ffu

/* ---------- IA32_VMX_EPT_VPID_CAP bits (Appendix A.10) ---------- */
#define EPT_CAP_PAGE_WALK_4            (1ULL << 6)
#define EPT_CAP_MEMORY_TYPE_WB         (1ULL << 14)
#define EPT_CAP_INVEPT                 (1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE_CONTEXT  (1ULL << 25)
#define EPT_CAP_INVEPT_ALL_CONTEXT     (1ULL << 26)
#define VPID_CAP_INVVPID               (1ULL << 32)

/* ---------- Basic exit reasons (Appendix C), bits 15:0 ---------- */
#define EXIT_REASON_EXCEPTION_OR_NMI      0
#define EXIT_REASON_EXTERNAL_INTERRUPT    1
#define EXIT_REASON_TRIPLE_FAULT          2
#define EXIT_REASON_CPUID                 10
#define EXIT_REASON_HLT                   12
#define EXIT_REASON_VMCALL                18
#define EXIT_REASON_CR_ACCESS             28
#define EXIT_REASON_IO_INSTRUCTION        30
#define EXIT_REASON_RDMSR                 31
#define EXIT_REASON_WRMSR                 32
#define EXIT_REASON_INVALID_GUEST_STATE   33
#define EXIT_REASON_MSR_LOADING           34
#define EXIT_REASON_EPT_VIOLATION         48
#define EXIT_REASON_EPT_MISCONFIG         49
#define EXIT_REASON_PREEMPTION_TIMER      52
#define EXIT_REASON_BASIC_MASK            0xffffu
#define EXIT_REASON_VM_ENTRY_FAILURE      (1u << 31)

/* ---- Exit qualification for I/O instructions (table 27-5) ---- */
#define IO_QUAL_SIZE_MASK        0x7u       /* access size - 1 */
#define IO_QUAL_DIRECTION_IN     (1u << 3)  /* 1 = IN, 0 = OUT */
#define IO_QUAL_STRING           (1u << 4)
#define IO_QUAL_REP              (1u << 5)
#define IO_QUAL_PORT_SHIFT       16

/* ---- Exit qualification for EPT violations (table 27-7) ---- */
#define EPT_QUAL_DATA_READ       (1u << 0)
#define EPT_QUAL_DATA_WRITE      (1u << 1)
#define EPT_QUAL_INSTR_FETCH     (1u << 2)
#define EPT_QUAL_READABLE        (1u << 3) /* the EPT entry allowed reads */
#define EPT_QUAL_WRITABLE        (1u << 4)
#define EPT_QUAL_EXECUTABLE      (1u << 5)
#define EPT_QUAL_LINEAR_VALID    (1u << 7) /* guest linear address field valid */
#define EPT_QUAL_TRANSLATED      (1u << 8) /* access to the final address, not a paging entry */
