"""The virtual machines this VMM builds: which devices sit where, and how
the guest is loaded. Two boards on one set of devices:
  lab    a lab test guest (a flat binary from guests/, built for the "kvm"
         board): 2 MiB of RAM, the image at 0x10000, started in 64-bit mode
         on our page tables (or in real mode), the mmio lesson's demo device,
         COM2 as a sink and a marker port (the I/O lesson);
  linux  a bzImage with its initrd and command line (the boot protocol).
Both have COM1 (IRQ 4), the i8042, the PM1a power-off register, the
debug-exit port, and any virtio-mmio devices (IRQ 5 on)."""
from pathlib import Path

from . import vconsole
from .arch import acpi
from .devices import PIO, Unclaimed
from .devices.debug_exit import DebugExit
from .devices.demo import Demo
from .devices.i8042 import I8042
from .devices.poweroff import PowerOff
from .devices.marker import Marker
from .devices.uart16550 import Uart16550
from .vm import VM

LAB_IMAGE_OFFSET = 0x1_0000           # qemu-configs/kvm.toml [guest] image_offset
LAB_RAM = 0x20_0000                   # ... ram_size
COM2_PORT, COM2_IRQ = 0x2f8, 3
VIRTIO_MMIO_BASE = 0xd000_0000        # above any RAM we give, below 4 GiB
VIRTIO_MMIO_SIZE = 0x1000
VIRTIO_FIRST_IRQ = 5
LINUX_CMDLINE = "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nokbd"
# virtio-mmio devices reach Linux through ACPI (arch/acpi.py): Debian's kernel
# lacks CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so virtio_mmio.device= would do nothing


class BoardError(Exception):
    """A guest file or option this board cannot use: one line."""


def _common_devices(vm: VM, uart: Uart16550) -> None:
    vm.attach(uart)
    vm.attach(I8042())
    vm.attach(PowerOff())
    vm.attach(DebugExit())


def add_virtio(vm: VM, devices: list) -> list[tuple[int, int, int]]:
    """Attach virtio-mmio transports, one per device model; returns each
    one's (registers, their size, interrupt) for the guest's ACPI tables."""
    if not devices:
        return []
    from .devices.virtio.mmio import VirtioMmio
    where = []
    for i, model in enumerate(devices):
        base, irq = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE, VIRTIO_FIRST_IRQ + i
        transport = vm.attach(VirtioMmio(model, base, irq))
        where.append((base, transport.size, irq))
    return where


def lab_vm(kvm_fd: int, arch, vm_id: int, name: str, image: Path, real_mode: bool,
           mem: int = LAB_RAM, virtio: list = ()) -> VM:
    data = _read(image, "guest image")
    if len(data) > mem - LAB_IMAGE_OFFSET:
        raise BoardError(f"{image}: {len(data)} bytes do not fit in {mem >> 10} KiB of RAM")
    vm = VM(kvm_fd, vm_id, name, mem, vconsole.LineConsole(name), arch)
    _common_devices(vm, Uart16550(vm.console))
    vm.attach(Demo())
    vm.attach(Uart16550(vconsole.NullConsole(), COM2_PORT, COM2_IRQ))   # the I/O lesson's sink
    vm.attach(Marker())
    add_virtio(vm, list(virtio))
    vm.memory.write(LAB_IMAGE_OFFSET, data)
    vcpu = vm.vcpus[0]
    _set_cpuid(vm, arch, lab_leaves=True)
    if real_mode:
        arch.real_mode(vcpu, LAB_IMAGE_OFFSET)
    else:
        arch.write_boot_tables(vm.memory)
        arch.long_mode(vcpu, LAB_IMAGE_OFFSET, stack=mem)
    vconsole.hv(f"vm {vm_id} '{name}': {mem >> 10} KiB RAM at gpa 0x0, image {len(data)} bytes"
                f"{', from real mode' if real_mode else ''}")
    return vm


def linux_vm(kvm_fd: int, arch, kernel: Path, initrd: Path | None, cmdline: str | None,
             mem: int, virtio: list = ()) -> VM:
    image = _read(kernel, "kernel")
    ramdisk = _read(initrd, "initrd") if initrd else None
    vm = VM(kvm_fd, 0, "linux", mem, vconsole.RawConsole(), arch)
    _common_devices(vm, Uart16550(vm.console))
    vm.bus.fallback[PIO] = Unclaimed()
    vm.bus.fallback[PIO].vm = vm
    where = add_virtio(vm, list(virtio))
    command = cmdline if cmdline is not None else LINUX_CMDLINE
    try:
        entry, boot_params = arch.load_linux(vm.memory, image, ramdisk, command,
                                             acpi.write_tables(vm.memory, where))
    except arch.BootError as e:
        raise BoardError(f"{kernel}: {e}") from None
    _set_cpuid(vm, arch, lab_leaves=False)
    arch.write_boot_tables(vm.memory)
    arch.long_mode(vm.vcpus[0], entry, stack=arch.BOOT_STACK, rsi=boot_params)
    vconsole.hv(f"vm 0 'linux': bzImage {kernel.name}, {mem >> 20} MiB RAM, command line "
                f"\"{command}\"")
    return vm


def _set_cpuid(vm: VM, arch, lab_leaves: bool) -> None:
    from . import kvm
    for vcpu in vm.vcpus:
        tsc_khz = kvm.ioctl(vcpu.fd, kvm.KVM_GET_TSC_KHZ, 0, "KVM_GET_TSC_KHZ")
        table = arch.cpuid_table(vm.kvm_fd, tsc_khz, lab_leaves)
        kvm.ioctl(vcpu.fd, kvm.KVM_SET_CPUID2, table, "KVM_SET_CPUID2")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise BoardError(f"{what} {path}: {e.strerror}") from None
