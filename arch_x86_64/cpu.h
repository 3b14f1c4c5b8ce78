/* The host's GDT/TSS/IDT set-up (cpu.c), and the TSS descriptor format
 * that guests need too. */
#pragma once
#include "types.h"

void cpu_init(void);      /* load TSS (TR) and exception IDT */
void idt_set_interrupt_handler(unsigned vector, void (*entry)(void));
u64 host_tss_base(void);  /* for the VMCS host TR base field */
void host_tss_set_rsp0(u64 rsp); /* the ring-0 stack for faults from ring 3 */

#define TSS_TYPE_AVAILABLE_64 0x09 /* becomes 0x0b ("busy") after LTR */
#define TSS_TYPE_BUSY_64      0x0b
#define TSS64_SIZE            104  /* bytes; descriptor limit = size - 1 */
void make_tss_descriptor(u64 desc[2], u64 base, u32 limit, u8 type);

