/* The hypercall ABI, the same on every architecture.
 *
 *   arm64:  HVC #0     number in x0, arguments in x1..x3, result in x0
 *   x86_64: VMCALL     number in rax, arguments in rdi, rsi, rdx, result in rax
 *           (VMMCALL on AMD)
 *   x86_64 under KVM (the Python VMM, vmm/): KVM keeps VMCALL/VMMCALL for its
 *           own paravirtual calls, so the same registers travel with an
 *           `outl %eax, $HC_PORT` instead (vmm/hypercall.py)
 *   arm64 under KVM: Linux 6.1's KVM answers every HVC itself (PSCI, SMCCC;
 *           -1 for any other number) and never hands one to user space, so
 *           the guest stores x0 to the doorbell page HC_DOORBELL, a KVM
 *           MMIO exit; x1..x3 and the result in x0 as with HVC
 *
 * Every other register is preserved. A negative result is an error code.
 * Guests include this file too: it holds only the numbers. */
#pragma once

#define HC_VERSION	0	/* () -> HC_ABI_VERSION */
#define HC_PUTCHAR	1	/* (c) -> 0: one byte onto this VM's console */
#define HC_PUTS		2	/* (gpa, len) -> len: len bytes from guest memory */
#define HC_VM_ID	3	/* () -> this VM's id (0, 1, ...) */
#define HC_YIELD	4	/* () -> 0: give the CPU to the next VM */
#define HC_EXIT		5	/* (code) -> does not return: this VM ends */
#define HC_ECHO		6	/* (a, b, c) -> a + 2*b + 3*c: tests argument passing */
#define HC_PARAM	7	/* (i) -> the scenario's i-th value for this VM (< 2^63),
				 * or HC_ERR_INVAL past the last: e.g. an RT guest's tasks */

#define HC_ABI_VERSION	1
#define HC_PORT		0xe0	/* x86 under KVM: the hypercall doorbell (an OUT, imm8 port) */
#define HC_DOORBELL	0x0b000000	/* arm64 under KVM: its page, with no memory slot */
#define HC_PUTS_MAX	4096	/* longest string HC_PUTS accepts */

#define HC_ERR_UNKNOWN	(-1)	/* no hypercall with that number */
#define HC_ERR_INVAL	(-2)	/* an argument is out of range */
#define HC_ERR_PERM	(-3)	/* the caller is not the guest's kernel (x86 CPL > 0),
				 * as KVM answers -KVM_EPERM */
