/* The realmode guest's first instructions. The hypervisor starts this VM as
 * a PC CPU leaves reset: 16-bit real mode, CS:IP = 0x1000:0000 (the image is
 * loaded at 0x10000), DS = ES = SS = 0x1000, paging and protection off. From
 * here the guest does what every PC operating system's boot code does:
 *   real mode -> 32-bit protected mode (GDT, CR0.PE) -> long mode (page
 *   tables, CR4.PAE, EFER.LME with WRMSR, CR0.PG) -> 64-bit code,
 * then jumps to the ordinary 64-bit start (lib/crt0.S) and main(). Under
 * VT-x this needs "unrestricted guest"; AMD-V runs real mode as it is. */
#define COM1_THR	0x3f8
#define COM1_LSR	0x3fd
#define LSR_THRE	0x20
#define CR0_PE		0x1
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define IA32_EFER	0xc0000080
#define EFER_LME	0x100
#define SEL_CODE32	0x08
#define SEL_CODE64	0x10
#define SEL_DATA	0x18
#define PML4		0x1000	/* page tables in the RAM below the image */
#define PDPT		0x2000
#define PD		0x3000
#define TABLE_BYTES	0x3000
#define PTE_P_W		0x3
#define PTE_P_W_PS	0x83	/* present, writable, 2 MiB page */
#define LARGE_PAGE	0x200000
#define RAM_TOP		0x200000

	.section .text.reset, "ax"
	.code16
	.global	reset_entry
reset_entry:
	cli
	smsw	%ax			/* the low half of CR0, as the CPU left reset */
	mov	%ax, reset_cr0 - 0x10000	/* DS base is 0x10000: offsets, not addresses */
	mov	$message - 0x10000, %si
1:	lodsb				/* print through the (emulated) 16550 */
	test	%al, %al
	jz	3f
	mov	%al, %bl
	mov	$COM1_LSR, %dx
2:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	2b
	mov	$COM1_THR, %dx
	mov	%bl, %al
	out	%al, %dx
	jmp	1b

3:	lgdtl	gdt_pointer - 0x10000
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $protected_mode

	.code32
protected_mode:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$PML4, %edi		/* identity-map the first GiB with 2 MiB pages */
	mov	$TABLE_BYTES / 4, %ecx
	xor	%eax, %eax
	rep stosl
	movl	$PDPT + PTE_P_W, PML4
	movl	$PD + PTE_P_W, PDPT
	xor	%ecx, %ecx
4:	mov	%ecx, %eax
	imul	$LARGE_PAGE, %eax
	or	$PTE_P_W_PS, %eax
	mov	%eax, PD(, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	4b
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$PML4, %eax
	mov	%eax, %cr3
	mov	$IA32_EFER, %ecx	/* an MSR: these exit to the hypervisor */
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax		/* the CPU now sets EFER.LMA */
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $long_mode

	.code64
long_mode:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$RAM_TOP, %rsp
	jmp	_start			/* lib/crt0.S: clear .bss, main() */

	.section .rodata
message:
	.asciz	"real mode: CR0.PE=0 at reset, switching to long mode\n"
	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* SEL_CODE32: 32-bit code, 4 GiB */
	.quad	0x00af9a000000ffff	/* SEL_CODE64: 64-bit code (L=1) */
	.quad	0x00cf92000000ffff	/* SEL_DATA: data, 4 GiB */
gdt_end:
gdt_pointer:
	.word	gdt_end - gdt - 1
	.long	gdt

	.data
	.global	reset_cr0
reset_cr0:
	.word	0

	.section .note.GNU-stack, "", @progbits
