"""arm64: how a vCPU starts and what board the guest sees. KVM makes each
vCPU with KVM_ARM_VCPU_INIT (the CPU type KVM prefers, with PSCI 0.2, so
the guest's HVC calls for PSCI_VERSION, CPU_ON or SYSTEM_OFF are answered
inside KVM); its registers go in and out one at a time (KVM_SET_ONE_REG,
KVM_GET_ONE_REG); the interrupt controller is KVM's in-kernel GICv3
(KVM_CREATE_DEVICE), to which KVM wires the arch timer's PPIs itself. A
Linux guest boots by the arm64 boot protocol (Documentation/arch/arm64/
booting.rst): its Image at a 2 MiB boundary, x0 = the device tree this
file writes (vmm/fdt.py), MMU off, at EL1 with interrupts masked."""
import ctypes
import struct

from .. import fdt, kvm
from ..devices import MMIO
from ..hypercall import HC_DOORBELL as HC_DOORBELL_PAGE

NAME = "arm64"
RAM_BASE = 0x4000_0000                  # as on QEMU's virt board: devices below, RAM above
HC_DOORBELL = (MMIO, HC_DOORBELL_PAGE)  # the lab's hypercall: `str x0, [HC_DOORBELL]`
GICD_BASE, GICD_SIZE = 0x0800_0000, 0x1_0000            # where QEMU's virt board has them
GICR_BASE, GICR_SIZE = 0x080a_0000, 0x2_0000            # one redistributor (two 64 KiB frames)
GIC_NR_IRQS = 128                       # SGIs, PPIs and SPIs: a multiple of 32
SPI_BASE = 32                           # INTID of SPI 0
VIRTIO_MMIO_BASE = 0x0a00_1000          # after the demo device; qemu-configs/kvm-arm64.toml
VIRTIO_FIRST_IRQ = 16                   # SPI 16 on, as QEMU's virt board numbers its virtio-mmio
PSTATE_EL1H, PSTATE_DAIF = 0x5, 0xf << 6   # EL1 on SP_EL1, every exception masked
MAX_CPUS, MAX_CPUS_WHY = 8, ""          # the device tree names each; PSCI CPU_ON is KVM's


class BootError(Exception):
    """A kernel or initrd the VMM cannot boot: one line saying why."""


# -- registers, by their KVM ids --------------------------------------------------
def X(n: int) -> int:
    return kvm.arm64_core_reg(kvm.CORE_OFFSET_X0 + 8 * n)


PC, PSTATE = kvm.arm64_core_reg(kvm.CORE_OFFSET_PC), kvm.arm64_core_reg(kvm.CORE_OFFSET_PSTATE)
SP_EL1 = kvm.arm64_core_reg(kvm.CORE_OFFSET_SP_EL1)
ELR_EL1 = kvm.arm64_core_reg(kvm.CORE_OFFSET_ELR_EL1)
SPSR_EL1 = kvm.arm64_core_reg(kvm.CORE_OFFSET_SPSR_EL1)
SCTLR_EL1 = kvm.arm64_sys_reg(3, 0, 1, 0, 0)
ESR_EL1 = kvm.arm64_sys_reg(3, 0, 5, 2, 0)
FAR_EL1 = kvm.arm64_sys_reg(3, 0, 6, 0, 0)
VBAR_EL1 = kvm.arm64_sys_reg(3, 0, 12, 0, 0)


# -- the VM and its vCPUs (vmm/vm.py calls these) ----------------------------------
def create_vm(vm) -> None:
    """A data abort without a syndrome (ISV=0: a load/store pair, a
    writeback form) is one KVM cannot emulate: without this it fails
    KVM_RUN with ENOSYS; with it the VMM hears of it (KVM_EXIT_ARM_NISV)
    and can say what the guest did. The GIC comes once the vCPUs exist."""
    kvm.ioctl(vm.fd, kvm.KVM_ENABLE_CAP, kvm.kvm_enable_cap(cap=kvm.KVM_CAP_ARM_NISV_TO_USER),
              "KVM_ENABLE_CAP (KVM_CAP_ARM_NISV_TO_USER)")


def create_vcpus(vm) -> None:
    """Each vCPU as KVM prefers it, with PSCI 0.2 (the first on, the others
    off until the guest's PSCI CPU_ON), then the GICv3 with its distributor
    and redistributors where the board (and the device tree) say."""
    init = kvm.kvm_vcpu_init()
    kvm.ioctl(vm.fd, kvm.KVM_ARM_PREFERRED_TARGET, init, "KVM_ARM_PREFERRED_TARGET")
    for vcpu in vm.vcpus:
        init.features[0] = 1 << kvm.KVM_ARM_VCPU_PSCI_0_2 | \
            (1 << kvm.KVM_ARM_VCPU_POWER_OFF if vcpu.index else 0)
        kvm.ioctl(vcpu.fd, kvm.KVM_ARM_VCPU_INIT, init, "KVM_ARM_VCPU_INIT")
    gic = kvm.kvm_create_device(type=kvm.KVM_DEV_TYPE_ARM_VGIC_V3)
    kvm.ioctl(vm.fd, kvm.KVM_CREATE_DEVICE, gic, "KVM_CREATE_DEVICE (GICv3)")
    _gic_attr(gic.fd, kvm.KVM_DEV_ARM_VGIC_GRP_ADDR, kvm.KVM_VGIC_V3_ADDR_TYPE_DIST, GICD_BASE)
    _gic_attr(gic.fd, kvm.KVM_DEV_ARM_VGIC_GRP_ADDR, kvm.KVM_VGIC_V3_ADDR_TYPE_REDIST, GICR_BASE)
    _gic_attr(gic.fd, kvm.KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, GIC_NR_IRQS, kvm.u32)
    _gic_attr(gic.fd, kvm.KVM_DEV_ARM_VGIC_GRP_CTRL, kvm.KVM_DEV_ARM_VGIC_CTRL_INIT)


def _gic_attr(fd: int, group: int, attr: int, value: int | None = None, ctype=kvm.u64) -> None:
    cell = ctype(value or 0)
    kvm.ioctl(fd, kvm.KVM_SET_DEVICE_ATTR,
              kvm.kvm_device_attr(group=group, attr=attr, addr=ctypes.addressof(cell)),
              f"KVM_SET_DEVICE_ATTR (GICv3 group {group}, attribute {attr})")


def irq_line_number(irq: int) -> int:
    """KVM_IRQ_LINE's irq field for SPI `irq`: type, vCPU (none), INTID."""
    return kvm.KVM_ARM_IRQ_TYPE_SPI << kvm.KVM_ARM_IRQ_TYPE_SHIFT | (SPI_BASE + irq)


def hypercall_args(vcpu) -> tuple[int, int, int, int]:
    return tuple(vcpu.get_reg(X(n)) for n in range(4))


def hypercall_result(vcpu, value: int) -> None:
    vcpu.set_reg(X(0), value)


def start(vcpu, pc: int, x0: int = 0) -> None:
    vcpu.set_reg(PSTATE, PSTATE_EL1H | PSTATE_DAIF)
    vcpu.set_reg(PC, pc)
    vcpu.set_reg(X(0), x0)


# -- the one-screen report -------------------------------------------------------
EXCEPTION_LEVEL = {0x0: "EL0t", 0x4: "EL1t", 0x5: "EL1h"}


def register_lines(vcpu) -> list[str]:
    """The guest's registers: where it is, its EL1 exception state, x0-x30."""
    get = vcpu.get_reg
    pstate = get(PSTATE)
    lines = [f"pc=0x{get(PC):x} pstate=0x{pstate:x} "
             f"({EXCEPTION_LEVEL.get(pstate & 0xf, 'mode 0x%x' % (pstate & 0xf))}) "
             f"sp_el1=0x{get(SP_EL1):x}",
             f"esr_el1=0x{get(ESR_EL1):x} far_el1=0x{get(FAR_EL1):x} elr_el1=0x{get(ELR_EL1):x} "
             f"vbar_el1=0x{get(VBAR_EL1):x} sctlr_el1=0x{get(SCTLR_EL1):x}"]
    xs = [get(X(n)) for n in range(31)]
    for row in range(0, 31, 4):
        lines.append(" ".join(f"x{n:<2}=0x{xs[n]:016x}" for n in range(row, min(row + 4, 31))))
    return lines


# -- the boards (vmm/board.py): which devices sit where, how a guest starts -------
KERNEL_FORMAT = "Image"
LAB_IMAGE_OFFSET = 0                    # qemu-configs/kvm-arm64.toml: the image at RAM's base
DEMO_BASE = 0x0a00_0000
LINUX_CMDLINE = "console=ttyAMA0 panic=-1"


def lab_devices(vm):
    """The lab board: the PL011 the guests poll, the mmio lesson's demo
    device. PSCI (power off) and the GIC are KVM's; the hypercall doorbell
    is the run loop's (vmm/vm.py)."""
    from ..devices.demo import Demo
    from ..devices.pl011 import Pl011
    uart = vm.attach(Pl011(vm.console))
    vm.attach(Demo(DEMO_BASE))
    return uart


def lab_start(vm, real_mode: bool) -> None:
    if real_mode:
        raise BootError("real mode is x86's: an arm64 guest starts at EL1")
    start(vm.vcpus[0], RAM_BASE + LAB_IMAGE_OFFSET)


def linux_devices(vm):
    from ..devices.pl011 import Pl011
    return vm.attach(Pl011(vm.console))


# The Image header (booting.rst): code0, code1, text_offset, image_size,
# flags, res2, res3, res4, magic "ARM\x64", res5
IMAGE_HEADER = struct.Struct("<IIQQQQQQII")
IMAGE_MAGIC = 0x644d5241
KERNEL_ALIGN = 0x20_0000                # the Image's base: a 2 MiB boundary
DTB_MAX = 0x20_0000                     # a device tree may not exceed 2 MiB
PAGE_SIZE = 0x1000


def is_linux_kernel(image: bytes) -> bool:
    return len(image) >= IMAGE_HEADER.size and IMAGE_HEADER.unpack_from(image)[8] == IMAGE_MAGIC


def linux_start(vm, kernel: bytes, initrd: bytes | None, cmdline: str, virtio) -> None:
    """The Image at RAM's base (plus its text_offset), the device tree in
    the last 2 MiB of RAM, the initrd just below it; x0 = the tree."""
    if not is_linux_kernel(kernel):
        raise BootError("not an arm64 Image (no \"ARM\\x64\" magic at offset 56)")
    _, _, text_offset, image_size, *_ = IMAGE_HEADER.unpack_from(kernel)
    memory = vm.memory
    kernel_at = RAM_BASE + text_offset
    dtb_at = RAM_BASE + memory.size - DTB_MAX
    kernel_end = kernel_at + max(image_size, len(kernel))
    initrd_range = None
    if initrd:
        initrd_at = (dtb_at - len(initrd)) & ~(PAGE_SIZE - 1)
        if initrd_at < kernel_end:
            raise BootError(f"initrd of {len(initrd) >> 20} MiB does not fit above the kernel: "
                            f"give the VM more memory (--mem)")
        memory.write(initrd_at, initrd)
        initrd_range = (initrd_at, initrd_at + len(initrd))
    elif dtb_at < kernel_end:
        raise BootError("the kernel does not fit: give the VM more memory (--mem)")
    memory.write(kernel_at, kernel)
    memory.write(dtb_at, device_tree(memory.size, len(vm.vcpus), cmdline, initrd_range, virtio))
    start(vm.vcpus[0], kernel_at, x0=dtb_at)


# -- the device tree ------------------------------------------------------------------
PHANDLE_GIC, PHANDLE_CLOCK = 1, 2
GIC_SPI, GIC_PPI = 0, 1                 # the first cell of a GIC interrupt specifier
IRQ_TYPE_EDGE_RISING, IRQ_TYPE_LEVEL_HIGH = 1, 4
# the arch timer's PPIs: secure physical, non-secure physical, virtual, hypervisor
TIMER_PPIS = (13, 14, 11, 10)
APB_CLOCK_HZ = 24_000_000


def device_tree(ram_size: int, cpus: int, cmdline: str, initrd: tuple[int, int] | None,
                virtio) -> bytes:
    """The board as Linux needs to hear of it: CPUs (PSCI by HVC), RAM, the
    GICv3, the arch timer, the PL011 and each virtio-mmio device."""
    from ..devices.pl011 import UART_BASE, UART_SPI
    N = fdt.Node
    root = N("", {"compatible": fdt.string("linux,dummy-virt"), "#address-cells": fdt.cells(2),
                  "#size-cells": fdt.cells(2), "interrupt-parent": fdt.cells(PHANDLE_GIC)})
    root.children += [
        N("psci", {"compatible": fdt.string("arm,psci-0.2"), "method": fdt.string("hvc")}),
        N("cpus", {"#address-cells": fdt.cells(1), "#size-cells": fdt.cells(0)}, [
            N(f"cpu@{i}", {"device_type": fdt.string("cpu"), "compatible": fdt.string("arm,arm-v8"),
                           "reg": fdt.cells(i), "enable-method": fdt.string("psci")})
            for i in range(cpus)]),
        N(f"memory@{RAM_BASE:x}", {"device_type": fdt.string("memory"),
                                   "reg": fdt.u64_cells(RAM_BASE, ram_size)}),
        N(f"intc@{GICD_BASE:x}", {
            "compatible": fdt.string("arm,gic-v3"), "#interrupt-cells": fdt.cells(3),
            "interrupt-controller": b"", "phandle": fdt.cells(PHANDLE_GIC),
            "reg": fdt.u64_cells(GICD_BASE, GICD_SIZE, GICR_BASE, GICR_SIZE * cpus)}),
        N("timer", {"compatible": fdt.string("arm,armv8-timer"), "always-on": b"",
                    "interrupts": fdt.cells(*[c for ppi in TIMER_PPIS
                                              for c in (GIC_PPI, ppi, IRQ_TYPE_LEVEL_HIGH)])}),
        N("apb-pclk", {"compatible": fdt.string("fixed-clock"), "#clock-cells": fdt.cells(0),
                       "clock-frequency": fdt.cells(APB_CLOCK_HZ),
                       "clock-output-names": fdt.string("clk24mhz"),
                       "phandle": fdt.cells(PHANDLE_CLOCK)}),
        N(f"pl011@{UART_BASE:x}", {
            "compatible": fdt.string("arm,pl011") + fdt.string("arm,primecell"),
            "reg": fdt.u64_cells(UART_BASE, 0x1000),
            "interrupts": fdt.cells(GIC_SPI, UART_SPI, IRQ_TYPE_LEVEL_HIGH),
            "clocks": fdt.cells(PHANDLE_CLOCK, PHANDLE_CLOCK),
            "clock-names": fdt.string("uartclk") + fdt.string("apb_pclk")})]
    for base, size, irq in virtio:
        root.children.append(N(f"virtio_mmio@{base:x}", {
            "compatible": fdt.string("virtio,mmio"), "reg": fdt.u64_cells(base, size),
            "interrupts": fdt.cells(GIC_SPI, irq, IRQ_TYPE_EDGE_RISING), "dma-coherent": b""}))
    chosen = root.add_child("chosen")
    chosen.props["stdout-path"] = fdt.string(f"/pl011@{UART_BASE:x}")
    if cmdline:
        chosen.props["bootargs"] = fdt.string(cmdline)
    if initrd:
        chosen.props["linux,initrd-start"] = fdt.u64_cells(initrd[0])
        chosen.props["linux,initrd-end"] = fdt.u64_cells(initrd[1])
    return fdt.serialize(root)
