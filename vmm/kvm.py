"""The KVM API from Python: the ioctl numbers and ctypes structures of
<linux/kvm.h> (and <asm/kvm.h> for x86 and arm64), named as there, so a reader can
put this file beside the header. tests/test_vmm.py holds every size and
number to the real header, compiled by the C compiler."""
import ctypes
import errno
import fcntl
import os

# -- ioctl numbers: <asm-generic/ioctl.h> ------------------------------------
_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2
_IOC_NRSHIFT, _IOC_TYPESHIFT, _IOC_SIZESHIFT, _IOC_DIRSHIFT = 0, 8, 16, 30
KVMIO = 0xAE


def _IOC(direction, nr, size):
    return (direction << _IOC_DIRSHIFT | KVMIO << _IOC_TYPESHIFT | nr << _IOC_NRSHIFT
            | size << _IOC_SIZESHIFT)


def _IO(nr):
    return _IOC(_IOC_NONE, nr, 0)


def _IOR(nr, struct):
    return _IOC(_IOC_READ, nr, ctypes.sizeof(struct))


def _IOW(nr, struct):
    return _IOC(_IOC_WRITE, nr, ctypes.sizeof(struct))


def _IOWR(nr, struct):
    return _IOC(_IOC_READ | _IOC_WRITE, nr, ctypes.sizeof(struct))


u8, u16, u32, u64, s32 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int32


class Struct(ctypes.Structure):
    def __repr__(self):
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n, *_ in self._fields_)
        return f"{type(self).__name__}({fields})"


# -- memory ------------------------------------------------------------------
class kvm_userspace_memory_region(Struct):
    _fields_ = [("slot", u32), ("flags", u32), ("guest_phys_addr", u64),
                ("memory_size", u64), ("userspace_addr", u64)]


KVM_MEM_LOG_DIRTY_PAGES = 1 << 0
KVM_MEM_READONLY = 1 << 1


# -- registers (x86: <asm/kvm.h>) ----------------------------------------------
class kvm_regs(Struct):
    _fields_ = [(name, u64) for name in (
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags")]


class kvm_segment(Struct):
    _fields_ = [("base", u64), ("limit", u32), ("selector", u16), ("type", u8),
                ("present", u8), ("dpl", u8), ("db", u8), ("s", u8), ("l", u8), ("g", u8),
                ("avl", u8), ("unusable", u8), ("padding", u8)]


class kvm_dtable(Struct):
    _fields_ = [("base", u64), ("limit", u16), ("padding", u16 * 3)]


KVM_NR_INTERRUPTS = 256


class kvm_sregs(Struct):
    _fields_ = [(s, kvm_segment) for s in ("cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt")] + \
               [("gdt", kvm_dtable), ("idt", kvm_dtable)] + \
               [(r, u64) for r in ("cr0", "cr2", "cr3", "cr4", "cr8", "efer", "apic_base")] + \
               [("interrupt_bitmap", u64 * ((KVM_NR_INTERRUPTS + 63) // 64))]


class kvm_msr_entry(Struct):
    _fields_ = [("index", u32), ("reserved", u32), ("data", u64)]


def kvm_msrs(n: int):
    """struct kvm_msrs with room for n entries (a flexible array in C)."""
    class kvm_msrs(Struct):
        _fields_ = [("nmsrs", u32), ("pad", u32), ("entries", kvm_msr_entry * n)]
    return kvm_msrs


class kvm_cpuid_entry2(Struct):
    _fields_ = [("function", u32), ("index", u32), ("flags", u32), ("eax", u32), ("ebx", u32),
                ("ecx", u32), ("edx", u32), ("padding", u32 * 3)]


KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1 << 0     # (sic: the header's spelling)
KVM_MAX_CPUID_ENTRIES = 256                  # plenty: a host CPU lists about 60


def kvm_cpuid2(n: int):
    """struct kvm_cpuid2 with room for n entries."""
    class kvm_cpuid2(Struct):
        _fields_ = [("nent", u32), ("padding", u32), ("entries", kvm_cpuid_entry2 * n)]
    return kvm_cpuid2


# -- arm64 (<asm/kvm.h> of arm64) ---------------------------------------------------
KVM_ARM_NUM_FEATURES = 7


class kvm_vcpu_init(Struct):
    _fields_ = [("target", u32), ("features", u32 * KVM_ARM_NUM_FEATURES)]


KVM_ARM_VCPU_POWER_OFF = 0          # feature bits of kvm_vcpu_init.features[0]
KVM_ARM_VCPU_PSCI_0_2 = 2


class kvm_one_reg(Struct):
    _fields_ = [("id", u64), ("addr", u64)]


# A register's id: KVM_REG_ARM64 | size | class | index (Documentation/virt/kvm/api.rst 4.68)
KVM_REG_ARM64 = 0x6000_0000_0000_0000
KVM_REG_SIZE_U64 = 0x0030_0000_0000_0000
KVM_REG_ARM_COPROC_SHIFT = 16
KVM_REG_ARM_CORE = 0x0010 << KVM_REG_ARM_COPROC_SHIFT
KVM_REG_ARM64_SYSREG = 0x0013 << KVM_REG_ARM_COPROC_SHIFT
# struct kvm_regs { struct user_pt_regs { x[31], sp, pc, pstate }, sp_el1, elr_el1, spsr[5], ... }:
# a core register's index is its byte offset in struct kvm_regs over 4
CORE_OFFSET_X0, CORE_OFFSET_SP, CORE_OFFSET_PC, CORE_OFFSET_PSTATE = 0, 31 * 8, 32 * 8, 33 * 8
CORE_OFFSET_SP_EL1, CORE_OFFSET_ELR_EL1, CORE_OFFSET_SPSR_EL1 = 34 * 8, 35 * 8, 36 * 8


def arm64_core_reg(offset: int) -> int:
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | offset // 4


def arm64_sys_reg(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    return (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG
            | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2)


class kvm_create_device(Struct):
    _fields_ = [("type", u32), ("fd", u32), ("flags", u32)]


class kvm_device_attr(Struct):
    _fields_ = [("flags", u32), ("group", u32), ("attr", u64), ("addr", u64)]


KVM_DEV_TYPE_ARM_VGIC_V3 = 7
KVM_DEV_ARM_VGIC_GRP_ADDR = 0
KVM_DEV_ARM_VGIC_GRP_NR_IRQS = 3
KVM_DEV_ARM_VGIC_GRP_CTRL = 4
KVM_DEV_ARM_VGIC_CTRL_INIT = 0
KVM_VGIC_V3_ADDR_TYPE_DIST = 2
KVM_VGIC_V3_ADDR_TYPE_REDIST = 3
KVM_ARM_IRQ_TYPE_SHIFT = 24         # kvm_irq_level.irq on arm64: type, vCPU, number
KVM_ARM_IRQ_TYPE_SPI = 1


# -- interrupts and event fds --------------------------------------------------
class kvm_irq_level(Struct):
    _fields_ = [("irq", u32), ("level", u32)]        # irq is a union with status


class kvm_pit_config(Struct):
    _fields_ = [("flags", u32), ("pad", u32 * 15)]


class kvm_irqfd(Struct):
    _fields_ = [("fd", u32), ("gsi", u32), ("flags", u32), ("resamplefd", u32), ("pad", u8 * 16)]


class kvm_ioeventfd(Struct):
    _fields_ = [("datamatch", u64), ("addr", u64), ("len", u32), ("fd", s32), ("flags", u32),
                ("pad", u8 * 36)]


KVM_IRQFD_FLAG_DEASSIGN = 1 << 0
KVM_IOEVENTFD_FLAG_DATAMATCH = 1 << 0
KVM_IOEVENTFD_FLAG_PIO = 1 << 1
KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2


# -- struct kvm_run: what KVM_RUN leaves in the shared page --------------------
class _hw(Struct):
    _fields_ = [("hardware_exit_reason", u64)]


class _fail_entry(Struct):
    _fields_ = [("hardware_entry_failure_reason", u64), ("cpu", u32)]


class _ex(Struct):
    _fields_ = [("exception", u32), ("error_code", u32)]


class _io(Struct):
    _fields_ = [("direction", u8), ("size", u8), ("port", u16), ("count", u32),
                ("data_offset", u64)]            # where the data is, from the start of kvm_run


class _mmio(Struct):
    _fields_ = [("phys_addr", u64), ("data", u8 * 8), ("len", u32), ("is_write", u8)]


class _internal(Struct):
    _fields_ = [("suberror", u32), ("ndata", u32), ("data", u64 * 16)]


class _system_event(Struct):
    _fields_ = [("type", u32), ("ndata", u32), ("data", u64 * 16)]


class _arm_nisv(Struct):
    _fields_ = [("esr_iss", u64), ("fault_ipa", u64)]


class _exit_union(ctypes.Union):
    _fields_ = [("hw", _hw), ("fail_entry", _fail_entry), ("ex", _ex), ("io", _io),
                ("mmio", _mmio), ("internal", _internal), ("system_event", _system_event),
                ("arm_nisv", _arm_nisv), ("padding", ctypes.c_char * 256)]


SYNC_REGS_SIZE_BYTES = 2048


class kvm_run(Struct):
    _anonymous_ = ("u",)
    _fields_ = [("request_interrupt_window", u8), ("immediate_exit", u8), ("padding1", u8 * 6),
                ("exit_reason", u32), ("ready_for_interrupt_injection", u8), ("if_flag", u8),
                ("flags", u16), ("cr8", u64), ("apic_base", u64), ("u", _exit_union),
                ("kvm_valid_regs", u64), ("kvm_dirty_regs", u64),
                ("s", ctypes.c_char * SYNC_REGS_SIZE_BYTES)]


# -- exit reasons (kvm_run.exit_reason) -----------------------------------------
KVM_EXIT_UNKNOWN = 0
KVM_EXIT_EXCEPTION = 1
KVM_EXIT_IO = 2
KVM_EXIT_HYPERCALL = 3
KVM_EXIT_DEBUG = 4
KVM_EXIT_HLT = 5
KVM_EXIT_MMIO = 6
KVM_EXIT_IRQ_WINDOW_OPEN = 7
KVM_EXIT_SHUTDOWN = 8
KVM_EXIT_FAIL_ENTRY = 9
KVM_EXIT_INTR = 10
KVM_EXIT_NMI = 16
KVM_EXIT_INTERNAL_ERROR = 17
KVM_EXIT_SYSTEM_EVENT = 24
KVM_EXIT_ARM_NISV = 28
KVM_EXIT_X86_RDMSR = 29
KVM_EXIT_X86_WRMSR = 30
EXIT_REASON_NAMES = {v: k for k, v in globals().items() if k.startswith("KVM_EXIT_")}

KVM_EXIT_IO_IN, KVM_EXIT_IO_OUT = 0, 1

KVM_INTERNAL_ERROR_EMULATION = 1
KVM_INTERNAL_ERROR_SIMUL_EX = 2
KVM_INTERNAL_ERROR_DELIVERY_EV = 3
KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4
INTERNAL_ERROR_NAMES = {v: k for k, v in globals().items() if k.startswith("KVM_INTERNAL_ERROR_")}

KVM_SYSTEM_EVENT_SHUTDOWN = 1
KVM_SYSTEM_EVENT_RESET = 2
KVM_SYSTEM_EVENT_CRASH = 3

# -- capabilities (KVM_CHECK_EXTENSION) -----------------------------------------
KVM_CAP_IRQCHIP = 0
KVM_CAP_USER_MEMORY = 3
KVM_CAP_SET_TSS_ADDR = 4
KVM_CAP_IRQFD = 32
KVM_CAP_IOEVENTFD = 36
KVM_CAP_MAX_VCPUS = 66
KVM_CAP_ARM_NISV_TO_USER = 177


class kvm_enable_cap(Struct):
    _fields_ = [("cap", u32), ("flags", u32), ("args", u64 * 4), ("pad", u8 * 64)]


KVM_API_VERSION = 12

# -- the ioctls, by the file descriptor they apply to --------------------------
# /dev/kvm (the "system" fd)
KVM_GET_API_VERSION = _IO(0x00)
KVM_CREATE_VM = _IO(0x01)
KVM_CHECK_EXTENSION = _IO(0x03)
KVM_GET_VCPU_MMAP_SIZE = _IO(0x04)
KVM_GET_SUPPORTED_CPUID = _IOWR(0x05, kvm_cpuid2(0))
# a VM's fd
KVM_CREATE_VCPU = _IO(0x41)
KVM_SET_USER_MEMORY_REGION = _IOW(0x46, kvm_userspace_memory_region)
KVM_SET_TSS_ADDR = _IO(0x47)
KVM_SET_IDENTITY_MAP_ADDR = _IOW(0x48, u64)
KVM_CREATE_IRQCHIP = _IO(0x60)
KVM_IRQ_LINE = _IOW(0x61, kvm_irq_level)
KVM_IRQFD = _IOW(0x76, kvm_irqfd)
KVM_CREATE_PIT2 = _IOW(0x77, kvm_pit_config)
KVM_IOEVENTFD = _IOW(0x79, kvm_ioeventfd)
# a vCPU's fd
KVM_RUN = _IO(0x80)
KVM_GET_REGS = _IOR(0x81, kvm_regs)
KVM_SET_REGS = _IOW(0x82, kvm_regs)
KVM_GET_SREGS = _IOR(0x83, kvm_sregs)
KVM_SET_SREGS = _IOW(0x84, kvm_sregs)
KVM_SET_MSRS = _IOW(0x89, kvm_msrs(0))
KVM_SET_CPUID2 = _IOW(0x90, kvm_cpuid2(0))
KVM_GET_TSC_KHZ = _IO(0xa3)
KVM_ENABLE_CAP = _IOW(0xa3, kvm_enable_cap)     # a VM's fd (or a vCPU's)
KVM_GET_ONE_REG = _IOW(0xab, kvm_one_reg)
KVM_SET_ONE_REG = _IOW(0xac, kvm_one_reg)
KVM_ARM_VCPU_INIT = _IOW(0xae, kvm_vcpu_init)
KVM_ARM_PREFERRED_TARGET = _IOR(0xaf, kvm_vcpu_init)
KVM_CREATE_DEVICE = _IOWR(0xe0, kvm_create_device)
KVM_SET_DEVICE_ATTR = _IOW(0xe1, kvm_device_attr)


class KvmError(Exception):
    """A KVM ioctl failed: which one, and the errno by name."""


_libc = ctypes.CDLL(None, use_errno=True)
C_INT_MAX = 0x7fff_ffff


def _ioctl_ulong(fd: int, request: int, arg: int) -> int:
    """fcntl.ioctl passes an integer as a C int; an address above 2 GiB
    (KVM_SET_TSS_ADDR) needs the unsigned long the kernel takes."""
    r = _libc.ioctl(fd, ctypes.c_ulong(request), ctypes.c_ulong(arg))
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


def ioctl(fd: int, request: int, arg=0, name: str = "ioctl"):
    """fcntl.ioctl with the ioctl's name in the error. `arg` is an int or
    a ctypes object (passed by address, so KVM can write into it)."""
    try:
        if isinstance(arg, int):
            return fcntl.ioctl(fd, request, arg) if arg <= C_INT_MAX else \
                _ioctl_ulong(fd, request, arg)
        return fcntl.ioctl(fd, request, arg, True)
    except OSError as e:
        if e.errno == errno.EINTR:
            raise
        raise KvmError(f"{name}: {errno.errorcode.get(e.errno, e.errno)} "
                       f"({os.strerror(e.errno)})") from None


def open_kvm(path: str = "/dev/kvm") -> int:
    """The system fd, or one line saying why there is none."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KvmError(f"{path} does not exist: this machine offers no KVM (load kvm_intel or "
                       f"kvm_amd, or enable virtualization in the firmware)") from None
    except PermissionError:
        raise KvmError(f"{path}: permission denied: add yourself to the 'kvm' group "
                       f"(sudo adduser $USER kvm, then log in again)") from None
    version = ioctl(fd, KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION")
    if version != KVM_API_VERSION:
        raise KvmError(f"{path}: KVM API version {version}, expected {KVM_API_VERSION}")
    return fd
