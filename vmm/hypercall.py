"""Hypercalls under KVM: the lab's ABI (hv/hypercall.h, the same numbers,
arguments and results as on the bare-metal cores), carried by a store to a
doorbell because KVM keeps the hypercall instruction for itself: x86's
VMCALL/VMMCALL, arm64's HVC (PSCI, SMCCC). x86: an OUT to port HC_PORT,
number in RAX, arguments in RDI, RSI, RDX; arm64: a store of x0 to the
HC_DOORBELL page, arguments in x1..x3. The architecture (vmm/arch/) reads
them from the vCPU and writes the result register. Every guest argument is
checked before use, as in hv/hypercall.c."""
import os

from . import vconsole

HC_PORT = 0xe0          # x86's doorbell: `outl %eax, $HC_PORT`
HC_DOORBELL = 0x0b000000    # arm64's: `str x0, [HC_DOORBELL]`
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
    vm = vcpu.vm
    number, a, b, c = vm.arch.hypercall_args(vcpu)
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
    vm.arch.hypercall_result(vcpu, result & U64)
