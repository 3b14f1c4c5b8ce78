/* What the world-switch assembly (svm_entry.S, vmx_entry.S) knows of the C
 * structures: offsets into struct hosted_cpu's first fields and into
 * struct hosted_regs. main.c checks each against the C layout. */
#pragma once

/* struct hosted_cpu */
#define HOSTED_CPU_HOST_RSP	0	/* top of the exit handler's stack */
#define HOSTED_CPU_HOST_CR3	8	/* init_mm's page tables */
#define HOSTED_CPU_GUEST_RSP	16	/* where the kernel goes on as a guest */
#define HOSTED_CPU_GUEST_RIP	24
#define HOSTED_CPU_GUEST_RFLAGS	32
#define HOSTED_CPU_CONTROL_PA	40	/* the VMCB (AMD-V) */
#define HOSTED_CPU_HOST_SAVE_PA	48	/* the host's VMSAVE area (AMD-V) */

/* struct hosted_regs: the GPRs at arch_vcpu.h's REG_* offsets, then IRETQ's frame */
#define HOSTED_REGS_IRET	0x80
#define HOSTED_REGS_SIZE	0xa8	/* 16 registers and 5 words of IRETQ frame */
#define HOSTED_STACK_FRAME	(HOSTED_REGS_SIZE + 8)	/* + the hosted_cpu pointer: 16-byte aligned */
