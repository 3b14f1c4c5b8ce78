"""x86_64: how a vCPU starts. KVM creates it as a PC CPU leaves reset (16-bit
real mode); a boot loader's work is ours: identity page tables and a GDT in
guest RAM, the registers of 64-bit mode (KVM_SET_SREGS/KVM_SET_REGS), the
CPUID table KVM answers from (KVM_SET_CPUID2), the PC's devices on the lab
and Linux boards, and for Linux the boot protocol (Documentation/arch/x86/
boot.rst): setup header, boot_params ("zero page") with an e820 map,
command line, initrd, 64-bit entry."""
import struct

from .. import kvm
from ..devices import PIO, Unclaimed
from ..hypercall import HC_PORT

NAME = "x86_64"
RAM_BASE = 0                            # guest-physical RAM starts at 0, as on a PC
HC_DOORBELL = (PIO, HC_PORT)            # the lab's hypercall: `outl %eax, $HC_PORT`
TSS_ADDR = 0xfffbd000                   # three pages KVM (Intel) needs for real mode, below 4 GiB
MAX_CPUS, MAX_CPUS_WHY = 1, " (more would need ACPI MADT entries)"


# -- the VM and its vCPUs (vmm/vm.py calls these) ----------------------------------
def create_vm(vm) -> None:
    """The PC's interrupt controllers and timer, inside KVM."""
    kvm.ioctl(vm.fd, kvm.KVM_SET_TSS_ADDR, TSS_ADDR, "KVM_SET_TSS_ADDR")
    kvm.ioctl(vm.fd, kvm.KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP")
    kvm.ioctl(vm.fd, kvm.KVM_CREATE_PIT2, kvm.kvm_pit_config(), "KVM_CREATE_PIT2")


def create_vcpus(vm) -> None:
    """Nothing more: KVM made each vCPU as a PC CPU leaves reset."""


def irq_line_number(irq: int) -> int:
    return irq                          # KVM_IRQ_LINE takes the GSI itself


def hypercall_args(vcpu) -> tuple[int, int, int, int]:
    regs = vcpu.hypercall_regs = vcpu.get_regs()
    return regs.rax, regs.rdi, regs.rsi, regs.rdx


def hypercall_result(vcpu, value: int) -> None:
    vcpu.hypercall_regs.rax = value
    vcpu.set_regs(vcpu.hypercall_regs)

PAGE_SIZE, LARGE_PAGE, GiB = 0x1000, 0x20_0000, 1 << 30
PTE_P, PTE_W, PTE_PS = 1 << 0, 1 << 1, 1 << 7
PT_ENTRIES = 512
CR0_PE, CR0_ET, CR0_NE, CR0_WP, CR0_PG = 1 << 0, 1 << 4, 1 << 5, 1 << 16, 1 << 31
CR4_PAE = 1 << 5
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
RFLAGS_FIXED = 1 << 1

# Where the boot structures go, guest-physical (below a lab guest's image at
# 0x10000, as arch_x86_64/guest_state.c puts them; Linux's boot_params above).
BOOT_PML4, BOOT_PDPT, BOOT_PD = 0x1000, 0x2000, 0x3000
IDENTITY_GIB = 4                        # 4 PDs of 2 MiB pages: the first 4 GiB, MMIO included
BOOT_GDT = BOOT_PD + IDENTITY_GIB * PAGE_SIZE
BOOT_TSS = BOOT_GDT + 0x100
TSS64_SIZE = 104
SEL_CODE, SEL_DATA, SEL_TSS = 0x10, 0x18, 0x20      # Linux's __BOOT_CS and __BOOT_DS
GDT_CODE64 = 0x00af9b000000ffff         # L=1, present, execute/read, accessed
GDT_DATA = 0x00cf93000000ffff           # present, read/write, accessed, 4 GiB
SEG_TYPE_CODE, SEG_TYPE_DATA, SEG_TYPE_TSS_BUSY = 0xb, 0x3, 0xb


def _segment(selector, base, limit, type_, code=False, long=False, system=False, big=True):
    return kvm.kvm_segment(base=base, limit=limit, selector=selector, type=type_, present=1,
                           dpl=0, db=int(big and not long), s=int(not system), l=int(long),
                           g=int(limit > 0xfffff))


def write_boot_tables(memory) -> None:
    """Identity page tables for the first 4 GiB (2 MiB pages) and a GDT
    with 64-bit code, data and a TSS."""
    memory.write(BOOT_PML4, struct.pack("<Q", BOOT_PDPT | PTE_P | PTE_W))
    memory.write(BOOT_PDPT, struct.pack(f"<{IDENTITY_GIB}Q", *(
        BOOT_PD + i * PAGE_SIZE | PTE_P | PTE_W for i in range(IDENTITY_GIB))))
    memory.write(BOOT_PD, struct.pack(f"<{IDENTITY_GIB * PT_ENTRIES}Q", *(
        i * LARGE_PAGE | PTE_P | PTE_W | PTE_PS for i in range(IDENTITY_GIB * PT_ENTRIES))))
    gdt = [0] * (SEL_TSS // 8 + 2)
    gdt[SEL_CODE // 8], gdt[SEL_DATA // 8] = GDT_CODE64, GDT_DATA
    limit = TSS64_SIZE - 1                  # a 16-byte system descriptor (SDM 8.2.3)
    gdt[SEL_TSS // 8] = (limit | (BOOT_TSS & 0xffffff) << 16 | SEG_TYPE_TSS_BUSY << 40 | 1 << 47
                         | (BOOT_TSS >> 24 & 0xff) << 56)
    memory.write(BOOT_GDT, struct.pack(f"<{len(gdt)}Q", *gdt))


def long_mode(vcpu, entry: int, stack: int, rsi: int = 0) -> None:
    """Start `vcpu` in 64-bit mode at `entry`: paging on with the boot
    tables, interrupts off, RSP = `stack`, RSI = `rsi` (Linux: boot_params)."""
    s = vcpu.get_sregs()
    s.cs = _segment(SEL_CODE, 0, 0xffffffff, SEG_TYPE_CODE, long=True)
    s.ds = s.es = s.fs = s.gs = s.ss = _segment(SEL_DATA, 0, 0xffffffff, SEG_TYPE_DATA)
    s.tr = _segment(SEL_TSS, BOOT_TSS, TSS64_SIZE - 1, SEG_TYPE_TSS_BUSY, system=True, big=False)
    s.gdt.base, s.gdt.limit = BOOT_GDT, (SEL_TSS // 8 + 2) * 8 - 1
    s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG
    s.cr3, s.cr4, s.efer = BOOT_PML4, CR4_PAE, EFER_LME | EFER_LMA
    vcpu.set_sregs(s)
    vcpu.set_regs(kvm.kvm_regs(rip=entry, rsp=stack, rsi=rsi, rflags=RFLAGS_FIXED))


REAL_MODE_LIMIT, REAL_MODE_SP, PARAGRAPH = 0xffff, 0xfff0, 16


def real_mode_start(vcpu, entry: int) -> None:
    """Start as a PC after reset, but at `entry` (a multiple of 16):
    CS = DS = ES = SS = entry / 16, IP = 0, protection and paging off."""
    s = vcpu.get_sregs()
    segment = entry // PARAGRAPH
    for name, type_ in (("cs", SEG_TYPE_CODE), ("ds", SEG_TYPE_DATA), ("es", SEG_TYPE_DATA),
                        ("fs", SEG_TYPE_DATA), ("gs", SEG_TYPE_DATA), ("ss", SEG_TYPE_DATA)):
        setattr(s, name, _segment(segment, segment * PARAGRAPH, REAL_MODE_LIMIT, type_, big=False))
    vcpu.set_sregs(s)
    vcpu.set_regs(kvm.kvm_regs(rip=entry % PARAGRAPH, rsp=REAL_MODE_SP, rflags=RFLAGS_FIXED))


# -- CPUID: the table KVM answers the guest's CPUID from, in the kernel ---------
CPUID_LEAF_FEATURES, CPUID_LEAF_EXT_FEATURES = 0x1, 0x80000001
CPUID_1_ECX_VMX, CPUID_1_ECX_HYPERVISOR = 1 << 5, 1 << 31
CPUID_80000001_ECX_SVM = 1 << 2
CPUID_LEAF_HYPERVISOR = 0x40000000
HV_SIGNATURE = b"hv-teaching\0"         # the bare-metal core's (arch_x86_64/cpuid.c)
HV_LEAF_TSC = 0x40000001                # EAX: TSC frequency in kHz


def cpuid_table(kvm_fd: int, tsc_khz: int, lab_leaves: bool):
    """KVM's supported CPUID, minus VMX and SVM (no nesting here); with
    `lab_leaves`, the lab's hypervisor leaves replace KVM's paravirtual ones
    (which a Linux guest keeps: kvm-clock lives there)."""
    table = kvm.kvm_cpuid2(kvm.KVM_MAX_CPUID_ENTRIES)(nent=kvm.KVM_MAX_CPUID_ENTRIES)
    kvm.ioctl(kvm_fd, kvm.KVM_GET_SUPPORTED_CPUID, table, "KVM_GET_SUPPORTED_CPUID")
    entries = list(table.entries[:table.nent])
    for e in entries:
        if e.function == CPUID_LEAF_FEATURES:
            e.ecx = (e.ecx & ~CPUID_1_ECX_VMX) | CPUID_1_ECX_HYPERVISOR
        elif e.function == CPUID_LEAF_EXT_FEATURES:
            e.ecx &= ~CPUID_80000001_ECX_SVM
    if lab_leaves:
        entries = [e for e in entries if not CPUID_LEAF_HYPERVISOR <= e.function < 0x40000100]
        b, c, d = struct.unpack("<3I", HV_SIGNATURE)
        entries += [kvm.kvm_cpuid_entry2(function=CPUID_LEAF_HYPERVISOR, eax=HV_LEAF_TSC,
                                         ebx=b, ecx=c, edx=d),
                    kvm.kvm_cpuid_entry2(function=HV_LEAF_TSC, eax=tsc_khz),
                    # KVM answers a leaf missing from its table with the highest basic
                    # leaf (Intel's rule): the one past the last is listed, as zeros.
                    kvm.kvm_cpuid_entry2(function=HV_LEAF_TSC + 1)]
    out = kvm.kvm_cpuid2(len(entries))(nent=len(entries))
    for i, e in enumerate(entries):
        out.entries[i] = e
    return out


# -- the one-screen report -------------------------------------------------------
GPR_NAMES = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")


def register_lines(vcpu) -> list[str]:
    """The guest's registers, laid out as arch_x86_64/report.c prints them."""
    r, s = vcpu.get_regs(), vcpu.get_sregs()
    lines = [f"rip=0x{r.rip:x} rsp=0x{r.rsp:x} rflags=0x{r.rflags:x}",
             f"cr0=0x{s.cr0:x} cr3=0x{s.cr3:x} cr4=0x{s.cr4:x} efer=0x{s.efer:x}",
             f"cs=0x{s.cs.selector:x} (base 0x{s.cs.base:x}, {_mode(s)})"]
    for row in range(4):
        lines.append(" ".join(f"{n:<3}=0x{getattr(r, n):016x}"
                              for n in GPR_NAMES[row * 4:row * 4 + 4]))
    return lines


def _mode(s) -> str:
    if not s.cr0 & CR0_PE:
        return "real mode"
    if s.efer & EFER_LMA:
        return "64-bit mode" if s.cs.l else "compatibility mode"
    return "protected mode"


# -- Linux's boot protocol (Documentation/arch/x86/boot.rst) ------------------------
SETUP_HEADER = 0x1f1            # where the setup header starts, in bzImage and boot_params
HDR_MAGIC = b"HdrS"
OFF_SETUP_SECTS, OFF_JUMP, OFF_HEADER, OFF_VERSION = 0x1f1, 0x200, 0x202, 0x206
OFF_TYPE_OF_LOADER, OFF_LOADFLAGS = 0x210, 0x211
OFF_RAMDISK_IMAGE, OFF_RAMDISK_SIZE, OFF_CMD_LINE_PTR = 0x218, 0x21c, 0x228
OFF_INITRD_ADDR_MAX, OFF_XLOADFLAGS, OFF_CMDLINE_SIZE = 0x22c, 0x236, 0x238
OFF_E820_ENTRIES, OFF_E820_TABLE = 0x1e8, 0x2d0
OFF_ACPI_RSDP_ADDR = 0x070      # boot_params.acpi_rsdp_addr (protocol 2.14)
LOADER_UNDEFINED = 0xff
LOADFLAGS_LOADED_HIGH, LOADFLAGS_CAN_USE_HEAP = 0x01, 0x80
XLF_KERNEL_64 = 1 << 0
MIN_PROTOCOL = 0x206            # 2.06: cmdline_size; 64-bit entry needs 2.12's xloadflags
SECTOR = 512
E820_RAM, E820_RESERVED = 1, 2
BOOT_PARAMS, CMDLINE = 0x8000, 0x20000
KERNEL_LOAD = 0x10_0000         # the protected-mode kernel: at 1 MiB
ENTRY_64 = 0x200                # startup_64, from the start of the protected-mode kernel
LOW_RAM_END = 0x9fc00           # conventional memory; above it the EBDA and the BIOS
BOOT_STACK = 0x8000             # Linux sets up its own before it needs one


class BootError(Exception):
    """A kernel or initrd the VMM cannot boot: one line saying why."""


def load_linux(memory, kernel: bytes, initrd: bytes | None, cmdline: str,
               rsdp: int = 0) -> tuple[int, int]:
    """Lay out a bzImage, initrd and command line in guest RAM; returns
    (entry, boot_params) for long_mode(). `rsdp`: the ACPI tables' root."""
    if len(kernel) < SETUP_HEADER + 0x100 or kernel[OFF_HEADER:OFF_HEADER + 4] != HDR_MAGIC:
        raise BootError("not a bzImage (no \"HdrS\" setup header at 0x202)")
    version = struct.unpack_from("<H", kernel, OFF_VERSION)[0]
    xloadflags = struct.unpack_from("<H", kernel, OFF_XLOADFLAGS)[0]
    if version < MIN_PROTOCOL or not xloadflags & XLF_KERNEL_64:
        raise BootError(f"boot protocol {version >> 8}.{version & 0xff} without a 64-bit entry "
                        f"(XLF_KERNEL_64): need 2.12 or newer")
    setup_sects = kernel[OFF_SETUP_SECTS] or 4
    protected = kernel[(setup_sects + 1) * SECTOR:]
    memory.write(KERNEL_LOAD, protected)

    params = bytearray(PAGE_SIZE)
    header_end = OFF_JUMP + 2 + kernel[OFF_JUMP + 1]       # the jump's target ends the header
    params[SETUP_HEADER:header_end] = kernel[SETUP_HEADER:header_end]
    params[OFF_TYPE_OF_LOADER] = LOADER_UNDEFINED
    params[OFF_LOADFLAGS] |= LOADFLAGS_LOADED_HIGH | LOADFLAGS_CAN_USE_HEAP
    cmdline_max = struct.unpack_from("<I", kernel, OFF_CMDLINE_SIZE)[0]
    command = cmdline.encode() + b"\0"
    if len(command) > cmdline_max + 1:
        raise BootError(f"command line of {len(command) - 1} bytes: this kernel takes "
                        f"{cmdline_max} at most")
    memory.write(CMDLINE, command)
    struct.pack_into("<I", params, OFF_CMD_LINE_PTR, CMDLINE)
    if initrd:
        highest = min(memory.size, struct.unpack_from("<I", kernel, OFF_INITRD_ADDR_MAX)[0] + 1)
        where = (highest - len(initrd)) & ~(PAGE_SIZE - 1)
        if where < KERNEL_LOAD + len(protected):
            raise BootError(f"initrd of {len(initrd) >> 20} MiB does not fit above the kernel: "
                            f"give the VM more memory (--mem)")
        memory.write(where, initrd)
        struct.pack_into("<II", params, OFF_RAMDISK_IMAGE, where, len(initrd))
    e820 = [(0, LOW_RAM_END, E820_RAM), (LOW_RAM_END, KERNEL_LOAD - LOW_RAM_END, E820_RESERVED),
            (KERNEL_LOAD, memory.size - KERNEL_LOAD, E820_RAM)]
    struct.pack_into("<Q", params, OFF_ACPI_RSDP_ADDR, rsdp)
    params[OFF_E820_ENTRIES] = len(e820)
    for i, entry in enumerate(e820):
        struct.pack_into("<QQI", params, OFF_E820_TABLE + 20 * i, *entry)
    memory.write(BOOT_PARAMS, bytes(params))
    return KERNEL_LOAD + ENTRY_64, BOOT_PARAMS


# -- the boards (vmm/board.py): which devices sit where, how a guest starts -------
KERNEL_FORMAT = "bzImage"
LAB_IMAGE_OFFSET = 0x1_0000           # qemu-configs/kvm.toml [guest] image_offset
COM2_PORT, COM2_IRQ = 0x2f8, 3
VIRTIO_MMIO_BASE = 0xd000_0000        # above any RAM we give, below 4 GiB
VIRTIO_FIRST_IRQ = 5
LINUX_CMDLINE = "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nokbd"
# virtio-mmio devices reach Linux through ACPI (acpi.py): Debian's kernel
# lacks CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so virtio_mmio.device= would do nothing


def _common_devices(vm, console):
    """COM1 (IRQ 4), the i8042, the PM1a power-off register, the debug-exit
    port; returns the UART, the guest's keyboard."""
    from ..devices.debug_exit import DebugExit
    from ..devices.i8042 import I8042
    from ..devices.poweroff import PowerOff
    from ..devices.uart16550 import Uart16550
    uart = vm.attach(Uart16550(console))
    vm.attach(I8042())
    vm.attach(PowerOff())
    vm.attach(DebugExit())
    return uart


def lab_devices(vm):
    """The lab board: the common devices, the mmio lesson's demo device,
    COM2 as a sink and a marker port (the I/O lesson)."""
    from .. import vconsole
    from ..devices.demo import Demo
    from ..devices.marker import Marker
    from ..devices.uart16550 import Uart16550
    uart = _common_devices(vm, vm.console)
    vm.attach(Demo())
    vm.attach(Uart16550(vconsole.NullConsole(), COM2_PORT, COM2_IRQ))   # the I/O lesson's sink
    vm.attach(Marker())
    return uart


def lab_start(vm, real_mode: bool) -> None:
    """64-bit mode on our page tables (or real mode) at the image, the
    lab's CPUID leaves."""
    _set_cpuid(vm, lab_leaves=True)
    if real_mode:
        real_mode_start(vm.vcpus[0], LAB_IMAGE_OFFSET)
    else:
        write_boot_tables(vm.memory)
        long_mode(vm.vcpus[0], LAB_IMAGE_OFFSET, stack=vm.memory.size)


def linux_devices(vm):
    """A PC's: the common devices, and all ones from any other port (an ISA
    bus with nothing on it)."""
    uart = _common_devices(vm, vm.console)
    vm.bus.fallback[PIO] = Unclaimed()
    vm.bus.fallback[PIO].vm = vm
    return uart


def linux_start(vm, kernel: bytes, initrd: bytes | None, cmdline: str, virtio) -> None:
    from . import acpi
    entry, boot_params = load_linux(vm.memory, kernel, initrd, cmdline,
                                    acpi.write_tables(vm.memory, virtio))
    _set_cpuid(vm, lab_leaves=False)
    write_boot_tables(vm.memory)
    long_mode(vm.vcpus[0], entry, stack=BOOT_STACK, rsi=boot_params)


def is_linux_kernel(image: bytes) -> bool:
    return image[OFF_HEADER:OFF_HEADER + 4] == HDR_MAGIC


def _set_cpuid(vm, lab_leaves: bool) -> None:
    for vcpu in vm.vcpus:
        tsc_khz = kvm.ioctl(vcpu.fd, kvm.KVM_GET_TSC_KHZ, 0, "KVM_GET_TSC_KHZ")
        table = cpuid_table(vm.kvm_fd, tsc_khz, lab_leaves)
        kvm.ioctl(vcpu.fd, kvm.KVM_SET_CPUID2, table, "KVM_SET_CPUID2")
