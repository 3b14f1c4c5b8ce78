/*
 * Reset to C on a PC: Multiboot v1 entry, 32-bit protected mode -> long mode.
 *
 * GRUB (or QEMU -kernel) loads this image at 1 MiB and jumps to _start in
 * 32-bit protected mode with paging off, EAX = Multiboot magic and
 * EBX = physical address of the Multiboot information structure.
 *
 * Steps to long mode (SDM Vol. 3A, 9.8.5 "Initializing IA-32e Mode"):
 *   1. load our own GDT (32-bit code, 64-bit code, data, TSS slot)
 *   2. build identity page tables for the first 1 GiB (2 MiB pages)
 *   3. CR4.PAE = 1, CR3 = PML4
 *   4. IA32_EFER.LME = 1
 *   5. CR0.PG = 1  (the CPU sets IA32_EFER.LMA)
 *   6. far jump to a 64-bit code segment
 */
	.cfi_sections .debug_frame      /* unwind tables for gdb, not loaded */
#include "segments.h"

/* Multiboot v1 header (Multiboot Specification 0.6.96, 3.1.1) */
#define MULTIBOOT_HEADER_MAGIC   0x1BADB002
#define MULTIBOOT_PAGE_ALIGN     (1 << 0) /* load modules page aligned */
#define MULTIBOOT_MEMORY_INFO    (1 << 1) /* provide mem_* fields */
#define MULTIBOOT_HEADER_FLAGS   (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* Control-register / MSR bits used here (x86.h has the C names) */
#define CR0_NW         (1 << 29) /* Not Write-through */
#define CR0_CD         (1 << 30) /* Cache Disable */
#define CR0_PG         (1 << 31)
#define CR4_PAE        (1 << 5)
#define IA32_EFER      0xC0000080
#define EFER_LME       (1 << 8)

/* Page-table entry bits (SDM Vol. 3A, 4.5) */
#define PTE_PRESENT    (1 << 0)
#define PTE_WRITABLE   (1 << 1)
#define PTE_LARGE      (1 << 7) /* PS: 2 MiB page in a page directory */
#define LARGE_PAGE_SHIFT 21     /* 2 MiB */
#define ENTRIES_PER_TABLE 512

#define BOOT_STACK_SIZE 16384

	.section .multiboot, "a"
	.align 4
	.long MULTIBOOT_HEADER_MAGIC
	.long MULTIBOOT_HEADER_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS) /* checksum */

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	mov %eax, %esi                  /* keep Multiboot magic */
	mov %ebx, %ebp                  /* keep Multiboot info pointer */

	/* Zero .bss (page tables, stacks, VMX regions live there). */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	mov $boot_stack_top, %esp
	mov %esi, multiboot_magic
	mov %ebp, multiboot_info

	/* 1. Our own GDT; reload every segment register from it. */
	lgdt gdt_pointer
	ljmp $KERNEL_CS32, $1f
1:	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs

	/* 2. Identity map 0..1 GiB: PML4[0] -> PDPT[0] -> PD[0..511] (2 MiB). */
	mov $boot_pdpt, %eax
	or $(PTE_PRESENT | PTE_WRITABLE), %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $(PTE_PRESENT | PTE_WRITABLE), %eax
	mov %eax, boot_pdpt
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $LARGE_PAGE_SHIFT, %eax
	or $(PTE_PRESENT | PTE_WRITABLE | PTE_LARGE), %eax
	mov %eax, boot_pd(, %ecx, 8)    /* upper 32 bits already zero */
	inc %ecx
	cmp $ENTRIES_PER_TABLE, %ecx
	jne 2b

	/* 3. PAE paging structures, CR3 = PML4 */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3

	/* 4. IA32_EFER.LME = 1 */
	mov $IA32_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr

	/* 5. Paging on -> IA-32e mode becomes active (compatibility mode).
	 *    Also turn the caches on: the CPU resets with CR0.CD = CR0.NW = 1
	 *    and neither the BIOS nor GRUB cleared them under Bochs. */
	mov %cr0, %eax
	and $~(CR0_CD | CR0_NW), %eax
	or $CR0_PG, %eax
	mov %eax, %cr0

	/* 6. Enter 64-bit mode by loading a CS with L=1 */
	ljmp $KERNEL_CS64, $long_mode_entry

	.code64
long_mode_entry:
	.cfi_startproc                  /* debuggers only (.debug_frame, see top): */
	.cfi_undefined rip              /* the outermost frame, a backtrace ends here */
	mov $KERNEL_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov multiboot_magic(%rip), %edi
	call x86_init                   /* init.c; never returns */
3:	cli
	hlt
	jmp 3b
	.cfi_endproc

/* ------------------------------------------------------------------ */
	.section .data
	.align 16
	.global gdt
gdt:
	.quad 0                         /* GDT_NULL_SEL */
	.quad 0x00CF9A000000FFFF        /* KERNEL_CS32: base 0, limit 4G, D=1, code r/x */
	.quad 0x00AF9A000000FFFF        /* KERNEL_CS64: L=1, D=0, code r/x */
	.quad 0x00CF92000000FFFF        /* KERNEL_DS:   base 0, limit 4G, data r/w */
	.quad 0, 0                      /* KERNEL_TSS:  filled in by gdt_install_tss() */
	.quad 0x00CFF2000000FFFF        /* USER_DS:   as KERNEL_DS, DPL=3 (trap-and-emulate guests) */
	.quad 0x00AFFA000000FFFF        /* USER_CS64: as KERNEL_CS64, DPL=3 */
gdt_end:

	.global gdt_pointer
gdt_pointer:
	.word gdt_end - gdt - 1
	.quad gdt                       /* 32-bit LGDT reads only the low 4 bytes */

	.section .bss
	.align 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.align 16
boot_stack:	.skip BOOT_STACK_SIZE
	.global boot_stack_top
boot_stack_top:
multiboot_magic: .skip 4
multiboot_info:  .skip 4

	.section .note.GNU-stack, "", @progbits
