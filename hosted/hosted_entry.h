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

/* struct hosted_regs: 15 GPRs, pushed R15 first, then the IRETQ frame */
#define HOSTED_REGS_R15		0
#define HOSTED_REGS_R14		8
#define HOSTED_REGS_R13		16
#define HOSTED_REGS_R12		24
#define HOSTED_REGS_R11		32
#define HOSTED_REGS_R10		40
#define HOSTED_REGS_R9		48
#define HOSTED_REGS_R8		56
#define HOSTED_REGS_RDI		64
#define HOSTED_REGS_RSI		72
#define HOSTED_REGS_RBP		80
#define HOSTED_REGS_RBX		88
#define HOSTED_REGS_RDX		96
#define HOSTED_REGS_RCX		104
#define HOSTED_REGS_RAX		112
#define HOSTED_REGS_SIZE	160	/* with the IRETQ frame's five words */
#define HOSTED_STACK_FRAME	(HOSTED_REGS_SIZE + 16)	/* + the hosted_cpu pointer, padded */
