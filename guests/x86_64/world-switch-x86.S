/* world-switch-x86's general registers: load RCX, RBX, RBP, RSI, RDI and
 * R8-R15 with this VM's values, spin on the TSC until it jumps (the other
 * VM ran meanwhile), then store what they hold. RAX and RDX carry the TSC,
 * RSP the frame; the hypervisor's entry stubs save and restore all the
 * others on every exit (arch_vcpu.h).
 *
 * void fill_wait_dump(const u64 in[16], u64 out[16], u64 gap_ticks)
 * in[] and out[] are indexed by register number (RCX = 1, ..., R15 = 15). */
	.text
	.code64
	.global fill_wait_dump
fill_wait_dump:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi               /* 16(%rsp): out */
	push %rdx               /* 8(%rsp): gap_ticks */
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	push %rax               /* 0(%rsp): the last TSC read */

	mov 8*1(%rdi), %rcx
	mov 8*3(%rdi), %rbx
	mov 8*5(%rdi), %rbp
	mov 8*6(%rdi), %rsi
	mov 8*8(%rdi), %r8
	mov 8*9(%rdi), %r9
	mov 8*10(%rdi), %r10
	mov 8*11(%rdi), %r11
	mov 8*12(%rdi), %r12
	mov 8*13(%rdi), %r13
	mov 8*14(%rdi), %r14
	mov 8*15(%rdi), %r15
	mov 8*7(%rdi), %rdi

1:	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, %rdx
	sub (%rsp), %rdx        /* ticks since the last read */
	mov %rax, (%rsp)
	cmp 8(%rsp), %rdx
	jbe 1b

	mov 16(%rsp), %rax      /* out */
	mov %rcx, 8*1(%rax)
	mov %rbx, 8*3(%rax)
	mov %rbp, 8*5(%rax)
	mov %rsi, 8*6(%rax)
	mov %rdi, 8*7(%rax)
	mov %r8, 8*8(%rax)
	mov %r9, 8*9(%rax)
	mov %r10, 8*10(%rax)
	mov %r11, 8*11(%rax)
	mov %r12, 8*12(%rax)
	mov %r13, 8*13(%rax)
	mov %r14, 8*14(%rax)
	mov %r15, 8*15(%rax)

	add $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.section .note.GNU-stack, "", @progbits
