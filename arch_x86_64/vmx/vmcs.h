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
#include "vmcs_fields.h"	/* the field encodings, generated from vmcs_fields.toml */

/* ------------- Pin-based VM-execution controls (24.6.1) ------------- */
#define PIN_BASED_EXTERNAL_INTERRUPT_EXITING  (1u << 0)
#define PIN_BASED_NMI_EXITING                 (1u << 3)
#define PIN_BASED_VIRTUAL_NMIS                (1u << 5)
#define PIN_BASED_ACTIVATE_PREEMPTION_TIMER   (1u << 6)

/* ------ Primary processor-based VM-execution controls (24.6.2) ------ */
#define CPU_BASED_HLT_EXITING                 (1u << 7)
#define CPU_BASED_INVLPG_EXITING              (1u << 9)
#define CPU_BASED_MWAIT_EXITING               (1u << 10)
#define CPU_BASED_CR3_LOAD_EXITING            (1u << 15)
#define CPU_BASED_CR3_STORE_EXITING           (1u << 16)
#define CPU_BASED_UNCONDITIONAL_IO_EXITING    (1u << 24)
#define CPU_BASED_USE_IO_BITMAPS              (1u << 25)
#define CPU_BASED_USE_MSR_BITMAPS             (1u << 28)
#define CPU_BASED_MONITOR_EXITING             (1u << 29)
#define CPU_BASED_ACTIVATE_SECONDARY_CONTROLS (1u << 31)

/* ----- Secondary processor-based VM-execution controls (24.6.2) ----- */
#define SECONDARY_ENABLE_EPT                  (1u << 1)
#define SECONDARY_ENABLE_RDTSCP               (1u << 3)
#define SECONDARY_ENABLE_VPID                 (1u << 5)
#define SECONDARY_ENABLE_INVPCID              (1u << 12)
#define SECONDARY_ENABLE_XSAVES               (1u << 20)
#define SECONDARY_UNRESTRICTED_GUEST          (1u << 7)

/* ---------------- VM-exit controls (24.7.1) ---------------- */
#define VM_EXIT_SAVE_DEBUG_CONTROLS           (1u << 2)
#define VM_EXIT_HOST_ADDRESS_SPACE_SIZE       (1u << 9)
#define VM_EXIT_ACK_INTERRUPT_ON_EXIT         (1u << 15)
#define VM_EXIT_SAVE_IA32_PAT                 (1u << 18)
#define VM_EXIT_LOAD_IA32_PAT                 (1u << 19)
#define VM_EXIT_SAVE_IA32_EFER                (1u << 20)
#define VM_EXIT_LOAD_IA32_EFER                (1u << 21)

/* ---------------- VM-entry controls (24.8.1) ---------------- */
#define VM_ENTRY_LOAD_DEBUG_CONTROLS          (1u << 2)
#define VM_ENTRY_IA32E_MODE_GUEST             (1u << 9)
#define VM_ENTRY_LOAD_IA32_PAT                (1u << 14)
#define VM_ENTRY_LOAD_IA32_EFER               (1u << 15)

/* ------------- IA32_VMX_BASIC fields (Appendix A.1) ------------- */
#define VMX_BASIC_REVISION_ID_MASK     0x7fffffffu

/* ------------- IA32_VMX_MISC fields (Appendix A.6) ------------- */
#define VMX_MISC_PREEMPTION_TIMER_RATE_MASK 0x1fu /* timer ticks every 2^N TSC */
#define VMX_MISC_CR3_TARGETS_SHIFT     16    /* bits 24:16: number of CR3-target values */
#define VMX_MISC_CR3_TARGETS_MASK      0x1ffu

/* ---------- IA32_VMX_EPT_VPID_CAP bits (Appendix A.10) ---------- */
#define EPT_CAP_PAGE_WALK_4            (1ULL << 6)
#define EPT_CAP_MEMORY_TYPE_WB         (1ULL << 14)
#define EPT_CAP_2MB_PAGE               (1ULL << 16)
#define EPT_CAP_INVEPT                 (1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE_CONTEXT  (1ULL << 25)
#define EPT_CAP_INVEPT_ALL_CONTEXT     (1ULL << 26)
#define VPID_CAP_INVVPID               (1ULL << 32)

/* ---------- Basic exit reasons (Appendix C), bits 15:0 ---------- */
#define EXIT_REASON_EXCEPTION_OR_NMI      0
#define EXIT_REASON_EXTERNAL_INTERRUPT    1
#define EXIT_REASON_TRIPLE_FAULT          2
#define EXIT_REASON_INIT_SIGNAL           3
#define EXIT_REASON_SIPI                  4
#define EXIT_REASON_CPUID                 10
#define EXIT_REASON_GETSEC                11
#define EXIT_REASON_HLT                   12
#define EXIT_REASON_INVD                  13
#define EXIT_REASON_INVLPG                14
#define EXIT_REASON_VMCALL                18
#define EXIT_REASON_VMCLEAR               19 /* 19-27: the VMX instructions */
#define EXIT_REASON_VMLAUNCH              20
#define EXIT_REASON_VMPTRLD               21
#define EXIT_REASON_VMPTRST               22
#define EXIT_REASON_VMREAD                23
#define EXIT_REASON_VMRESUME              24
#define EXIT_REASON_VMWRITE               25
#define EXIT_REASON_VMXOFF                26
#define EXIT_REASON_VMXON                 27
#define EXIT_REASON_CR_ACCESS             28
#define EXIT_REASON_IO_INSTRUCTION        30
#define EXIT_REASON_RDMSR                 31
#define EXIT_REASON_WRMSR                 32
#define EXIT_REASON_INVALID_GUEST_STATE   33
#define EXIT_REASON_MSR_LOADING           34
#define EXIT_REASON_MWAIT                 36
#define EXIT_REASON_MONITOR               39
#define EXIT_REASON_EPT_VIOLATION         48
#define EXIT_REASON_EPT_MISCONFIG         49
#define EXIT_REASON_INVEPT                50
#define EXIT_REASON_PREEMPTION_TIMER      52
#define EXIT_REASON_INVVPID               53
#define EXIT_REASON_XSETBV                55
#define EXIT_REASON_VMFUNC                59
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

/* ---- VM-exit interruption information (24.9.2) and VM-entry event
 * injection (24.8.3): vector 7:0, type 10:8, error code valid 11, valid 31 ---- */
#define INTR_INFO_VECTOR(info)          ((info) & 0xff)
#define INTR_INFO_TYPE_VECTOR           0x7ffu	/* type 10:8, vector 7:0 */
#define INTR_TYPE_HARDWARE_EXCEPTION    (3u << 8)
#define INTR_INFO_DELIVER_ERROR_CODE    (1u << 11)
#define INTR_INFO_VALID                 (1u << 31)
#define VECTOR_PAGE_FAULT               14

/* ---- Exit qualification for control-register accesses (table 28-3) ---- */
#define CR_QUAL_NUMBER(q)               ((q) & 0xf)
#define CR_QUAL_ACCESS_TYPE(q)          (((q) >> 4) & 3)   /* 0: MOV to CR, 1: MOV from CR */
#define CR_QUAL_GPR(q)                  (((q) >> 8) & 0xf)
#define CR_ACCESS_MOV_TO_CR             0
#define CR_ACCESS_MOV_FROM_CR           1
