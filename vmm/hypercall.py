"""Hypercalls under KVM: the lab's ABI (hv/hypercall.h, the same numbers,
arguments and results as on the bare-metal cores), carried by an OUT to
port HC_PORT because KVM keeps VMCALL/VMMCALL for itself. The number is in
RAX, the arguments in RDI, RSI, RDX; the VMM reads them with KVM_GET_REGS
and writes the result into RAX with KVM_SET_REGS. Every guest argument is
checked before use, as in hv/hypercall.c."""
import os

from . import vconsole

HC_PORT = 0xe0          # the doorbell: `outl %eax, $HC_PORT`
HC_VERSION, HC_PUTCHAR, HC_PUTS, HC_VM_ID, HC_YIELD, HC_EXIT, HC_ECHO, HC_PARAM = range(8)
HC_ABI_VERSION = 1
HC_PUTS_MAX = 4096
HC_ERR_UNKNOWN, HC_ERR_INVAL = -1, -2
HC_ERR_PERM = -3        # hv/ refuses a VMCALL from CPL > 0 with it; here ring 3's OUT
                        # to HC_PORT already faults (#GP at IOPL 0) before the VMM sees it
U64 = (1 << 64) - 1


def _puts(vm, gpa: int, length: int) -> int:
    if length > HC_PUTS_MAX:
        return HC_ERR_INVAL
    data = vm.memory.read(gpa, length)
    if data is None:
        return HC_ERR_INVAL
    for byte in data:
        vm.console.putc(byte)
    return length


def handle_hypercall(vcpu) -> None:
    vm, regs = vcpu.vm, vcpu.get_regs()
    number, a, b, c = regs.rax, regs.rdi, regs.rsi, regs.rdx
    if number == HC_VERSION:
        result = HC_ABI_VERSION
    elif number == HC_PUTCHAR:
        vm.console.putc(a & 0xff)
        result = 0
    elif number == HC_PUTS:
        result = _puts(vm, a, b)
    elif number == HC_VM_ID:
        result = vm.id
    elif number == HC_YIELD:
        os.sched_yield()                # KVM's vCPUs are host threads: the host schedules
        result = 0
    elif number == HC_EXIT:
        vconsole.hv(f"vm '{vm.name}' called HC_EXIT with code {a - (1 << 64) if a >> 63 else a}")
        vm.stop("exited")
        return
    elif number == HC_ECHO:
        result = a + 2 * b + 3 * c
    elif number == HC_PARAM:                # the i-th value given with --param NAME=...
        result = vm.params[a] if a < len(vm.params) else HC_ERR_INVAL
    else:
        result = HC_ERR_UNKNOWN
    regs.rax = result & U64
    vcpu.set_regs(regs)
