"""The virtual machines this VMM builds, on any architecture: two boards on
one set of devices, each laid out by the architecture (vmm/arch/):
  lab    a lab test guest (a flat binary from guests/, built for the "kvm"
         board): 2 MiB of RAM, the image where the target file says, started
         as the bare-metal cores start a VM; the mmio lesson's demo device,
         a UART, the hypercall doorbell, a way to power off;
  linux  a kernel (x86: bzImage; arm64: Image) with its initrd and command
         line, booted by the architecture's boot protocol, with what it
         needs to find its devices (x86: ACPI tables; arm64: a device tree).
Both get any virtio-mmio devices the command line asks for."""
from pathlib import Path

from . import vconsole
from .vm import VM

LAB_RAM = 0x20_0000                   # qemu-configs/kvm*.toml [guest] ram_size
VIRTIO_MMIO_SIZE = 0x1000


class BoardError(Exception):
    """A guest file or option this board cannot use: one line."""


def add_virtio(vm: VM, devices: list) -> list[tuple[int, int, int]]:
    """Attach virtio-mmio transports, one per device model, where the
    architecture puts them; returns each one's (registers, their size,
    interrupt) for the guest's ACPI tables or device tree."""
    if not devices:
        return []
    from .devices.virtio.mmio import VirtioMmio
    where = []
    for i, model in enumerate(devices):
        base, irq = vm.arch.VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE, vm.arch.VIRTIO_FIRST_IRQ + i
        transport = vm.attach(VirtioMmio(model, base, irq))
        where.append((base, transport.size, irq))
    return where


def lab_vm(kvm_fd: int, arch, vm_id: int, name: str, image: Path, real_mode: bool,
           mem: int = LAB_RAM, virtio: list = ()) -> VM:
    data = _read(image, "guest image")
    if len(data) > mem - arch.LAB_IMAGE_OFFSET:
        raise BoardError(f"{image}: {len(data)} bytes do not fit in {mem >> 10} KiB of RAM")
    vm = VM(kvm_fd, vm_id, name, mem, vconsole.LineConsole(name), arch)
    vm.uart = arch.lab_devices(vm)
    add_virtio(vm, list(virtio))
    vm.memory.write(arch.RAM_BASE + arch.LAB_IMAGE_OFFSET, data)
    try:
        arch.lab_start(vm, real_mode)
    except arch.BootError as e:
        raise BoardError(f"{image}: {e}") from None
    vconsole.hv(f"vm {vm_id} '{name}': {mem >> 10} KiB RAM at gpa 0x{arch.RAM_BASE:x}, image "
                f"{len(data)} bytes{', from real mode' if real_mode else ''}")
    return vm


def linux_vm(kvm_fd: int, arch, kernel: Path, initrd: Path | None, cmdline: str | None,
             mem: int, virtio: list = (), cpus: int = 1) -> VM:
    image = _read(kernel, "kernel")
    ramdisk = _read(initrd, "initrd") if initrd else None
    vm = VM(kvm_fd, 0, "linux", mem, vconsole.RawConsole(), arch, cpus)
    vm.uart = arch.linux_devices(vm)
    where = add_virtio(vm, list(virtio))
    command = cmdline if cmdline is not None else arch.LINUX_CMDLINE
    try:
        arch.linux_start(vm, image, ramdisk, command, where)
    except arch.BootError as e:
        raise BoardError(f"{kernel}: {e}") from None
    vconsole.hv(f"vm 0 'linux': {arch.KERNEL_FORMAT} {kernel.name}, {mem >> 20} MiB RAM, "
                f"{cpus} vCPU(s), command line \"{command}\"")
    return vm


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise BoardError(f"{what} {path}: {e.strerror}") from None
