/* The paging guest's exception plumbing: its own IDT entry for #PF, and two
 * "probe" accesses that may fault. When a probe faults, page_fault() in
 * paging.c records the fault and resumes at the probe's fix-up, which
 * returns 1 instead of the value: the way kernels read user memory. */
#include "caller_saved.h"

	.text
	.code64

/* u64 probe_read(u64 va, u64 *value): 0 and *value, or 1 after a #PF */
	.global	probe_read, probe_read_insn
probe_read:
probe_read_insn:
	mov	(%rdi), %rax
	mov	%rax, (%rsi)
	xor	%eax, %eax
	ret

/* u64 probe_write(u64 va, u64 value): 0, or 1 after a #PF */
	.global	probe_write, probe_write_insn
probe_write:
probe_write_insn:
	mov	%rsi, (%rdi)
	xor	%eax, %eax
	ret

	.global	probe_fixup
probe_fixup:
	mov	$1, %eax
	ret

/* The #PF gate. The CPU pushed an error code, then RIP, CS, RFLAGS, RSP, SS;
 * save what a C callee may clobber, hand the frame to page_fault(), and
 * return with IRETQ to the (possibly changed) RIP. */
	.global	page_fault_entry
page_fault_entry:
	push_caller_saved
	lea	CALLER_SAVED_SIZE(%rsp), %rdi		/* struct fault_frame *: error code, RIP, ... */
	call	page_fault
	pop_caller_saved
	add	$8, %rsp		/* the error code */
	iretq

	.section .note.GNU-stack, "", @progbits
