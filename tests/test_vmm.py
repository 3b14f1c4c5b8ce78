"""The KVM VMM (vmm/) as a program and as a library: its structures and
ioctl numbers against <linux/kvm.h> itself (compiled by the C compiler),
its constants against the lab's own files, its virtqueue checks on memory
it builds, and every kind of bad input ending in a decoded one-screen
report and a non-zero status, never a traceback. Tests that run a guest
need a usable /dev/kvm and are skipped, with the reason, without one."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib

import pytest

from harness import ROOT
from vmm import hypercall, kvm
from vmm.arch import arm64, x86_64
from vmm.board import LAB_RAM
from vmm.devices.demo import DEMO_BASE
from vmm.devices.pl011 import UART_BASE
from vmm.devices.virtio.queue import Virtqueue, VirtqueueError, VIRTQ_DESC_F_NEXT
from vmm.memory import Memory

KVM_REASON = None if os.access("/dev/kvm", os.R_OK | os.W_OK) else "no usable /dev/kvm here"
needs_kvm = pytest.mark.skipif(KVM_REASON is not None, reason=KVM_REASON or "")

STRUCTS = ["kvm_run", "kvm_regs", "kvm_sregs", "kvm_segment", "kvm_dtable",
           "kvm_userspace_memory_region", "kvm_cpuid_entry2", "kvm_msr_entry", "kvm_irq_level",
           "kvm_irqfd", "kvm_ioeventfd", "kvm_pit_config", "kvm_one_reg", "kvm_create_device",
           "kvm_device_attr", "kvm_enable_cap"]
IOCTLS = ["KVM_GET_API_VERSION", "KVM_CREATE_VM", "KVM_CHECK_EXTENSION", "KVM_GET_VCPU_MMAP_SIZE",
          "KVM_GET_SUPPORTED_CPUID", "KVM_CREATE_VCPU", "KVM_SET_USER_MEMORY_REGION",
          "KVM_SET_TSS_ADDR", "KVM_SET_IDENTITY_MAP_ADDR", "KVM_CREATE_IRQCHIP", "KVM_IRQ_LINE",
          "KVM_IRQFD", "KVM_CREATE_PIT2", "KVM_IOEVENTFD", "KVM_RUN", "KVM_GET_REGS",
          "KVM_SET_REGS", "KVM_GET_SREGS", "KVM_SET_SREGS", "KVM_SET_MSRS", "KVM_SET_CPUID2",
          "KVM_GET_TSC_KHZ", "KVM_GET_ONE_REG", "KVM_SET_ONE_REG", "KVM_CREATE_DEVICE",
          "KVM_SET_DEVICE_ATTR", "KVM_ENABLE_CAP", "KVM_DEV_TYPE_ARM_VGIC_V3", "KVM_REG_ARM64", "KVM_REG_SIZE_U64"]
OFFSETS = [("kvm_run", "exit_reason"), ("kvm_run", "io"), ("kvm_run", "mmio.data"),
           ("kvm_run", "kvm_valid_regs"), ("kvm_run", "s"), ("kvm_sregs", "cr0"),
           ("kvm_sregs", "interrupt_bitmap"), ("kvm_ioeventfd", "fd"), ("kvm_segment", "unusable"),
           ("kvm_device_attr", "attr"), ("kvm_device_attr", "addr"), ("kvm_one_reg", "addr"),
           ("kvm_create_device", "flags")]
CONSTANTS = [name for name in dir(kvm) if re.fullmatch(
    r"KVM_(EXIT_\w+|INTERNAL_ERROR_\w+|SYSTEM_EVENT_\w+|CAP_\w+|IOEVENTFD_FLAG_\w+|"
    r"IRQFD_FLAG_\w+|MEM_\w+|API_VERSION|NR_INTERRUPTS)", name) and name not in ("KVM_EXIT_IO_IN", "KVM_EXIT_IO_OUT")]


def header_values(tmp_path) -> dict[str, int]:
    """What the C compiler says <linux/kvm.h> defines: sizes, offsets, numbers."""
    if not os.path.exists("/usr/include/linux/kvm.h") or not shutil.which("cc"):
        pytest.skip("needs <linux/kvm.h> (Debian: linux-libc-dev) and a C compiler")
    lines = [f'printf("sizeof {s} %zu\\n", sizeof(struct {s}));' for s in STRUCTS]
    lines += [f'printf("offsetof {s}.{f} %zu\\n", offsetof(struct {s}, {f}));' for s, f in OFFSETS]
    lines += [f'printf("{n} %lu\\n", (unsigned long){n});' for n in IOCTLS + CONSTANTS]
    source = tmp_path / "kvm_h.c"
    source.write_text("#include <stddef.h>\n#include <stdio.h>\n#include <linux/kvm.h>\n"
                      "int main(void) {\n" + "\n".join(lines) + "\nreturn 0;\n}\n")
    subprocess.run(["cc", "-o", str(tmp_path / "kvm_h"), str(source)], check=True)
    out = subprocess.run([str(tmp_path / "kvm_h")], capture_output=True, text=True, check=True)
    return {" ".join(line.split()[:-1]): int(line.split()[-1]) for line in out.stdout.splitlines()}


def python_offset(struct_name: str, path: str) -> int:
    cls, offset = getattr(kvm, struct_name), 0
    for part in path.split("."):
        if cls is kvm.kvm_run and part in ("io", "mmio"):   # kvm_run's anonymous union
            offset += kvm.kvm_run.u.offset
            cls = kvm._exit_union
        offset += getattr(cls, part).offset
        cls = dict(cls._fields_)[part]
    return offset


def test_structures_and_numbers_match_linux_kvm_h(tmp_path):
    c = header_values(tmp_path)
    import ctypes
    for s in STRUCTS:
        assert ctypes.sizeof(getattr(kvm, s)) == c[f"sizeof {s}"], s
    for s, f in OFFSETS:
        assert python_offset(s, f) == c[f"offsetof {s}.{f}"], f"{s}.{f}"
    for n in IOCTLS + CONSTANTS:
        assert getattr(kvm, n) == c[n], n


def test_arm64_numbers_match_the_kvm_api_document():
    """What x86's headers cannot compile (<asm/kvm.h> of arm64): the ids and
    ioctls as Documentation/virt/kvm/api.rst lists them."""
    assert arm64.PC == 0x6030_0000_0010_0040 and arm64.X(0) == 0x6030_0000_0010_0000
    assert arm64.PSTATE == 0x6030_0000_0010_0042
    assert arm64.ESR_EL1 == 0x6030_0000_0013_c290       # op0 3, op1 0, CRn 5, CRm 2, op2 0
    assert (kvm.KVM_ARM_VCPU_INIT, kvm.KVM_ARM_PREFERRED_TARGET) == (0x4020_aeae, 0x8020_aeaf)


def test_hypercall_numbers_match_the_abi_header():
    defines = dict(re.findall(r"#define\s+(HC_\w+)\s+\(?(-?\w+)\)?",
                              (ROOT / "hv" / "hypercall.h").read_text()))
    for name, value in defines.items():
        assert getattr(hypercall, name) == int(value, 0), name


def test_board_matches_the_kvm_target_files():
    guest = tomllib.loads((ROOT / "qemu-configs" / "kvm.toml").read_text())["guest"]
    assert (guest["image_offset"], guest["ram_size"], guest["demo_base"], guest["virtio_base"]) \
        == (x86_64.LAB_IMAGE_OFFSET, LAB_RAM, DEMO_BASE, x86_64.VIRTIO_MMIO_BASE)
    target = tomllib.loads((ROOT / "qemu-configs" / "kvm-arm64.toml").read_text())
    guest, platform = target["guest"], target["platform"]
    assert (guest["ram_base"], guest["image_offset"], guest["ram_size"], guest["demo_base"],
            guest["virtio_base"], guest["uart_base"], platform["gicd_base"],
            platform["gicr_base"]) == \
        (arm64.RAM_BASE, arm64.LAB_IMAGE_OFFSET, LAB_RAM, arm64.DEMO_BASE,
         arm64.VIRTIO_MMIO_BASE, UART_BASE, arm64.GICD_BASE, arm64.GICR_BASE)


# -- the virtqueue's checks, on plain memory (no KVM needed) --------------------------

def queue_in(memory: Memory, descriptors: list[tuple], avail_idx: int = 1) -> Virtqueue:
    q = Virtqueue(0)
    q.num, q.desc, q.driver, q.device, q.ready = 8, 0x1000, 0x2000, 0x3000, True
    for i, (addr, length, flags, nxt) in enumerate(descriptors):
        memory.write(q.desc + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))
    memory.write(q.driver, struct.pack("<HHH", 0, avail_idx, 0))
    return q


def test_virtqueue_serves_a_good_chain():
    memory = Memory(1 << 20)
    q = queue_in(memory, [(0x4000, 16, VIRTQ_DESC_F_NEXT, 1), (0x5000, 1, 2, 0)])
    head, buffers = q.pop(memory)
    assert head == 0 and [(b.addr, b.length, b.writable) for b in buffers] == \
        [(0x4000, 16, False), (0x5000, 1, True)]
    q.push(memory, head, 1)
    assert struct.unpack("<HHII", memory.read(q.device, 12)) == (0, 1, 0, 1)
    assert q.pop(memory) is None


@pytest.mark.parametrize("descriptors, avail_idx, message", [
    ([(0x40_0000, 16, 0, 0)], 1, "descriptor 0 points outside guest memory"),
    ([(0x4000, 16, VIRTQ_DESC_F_NEXT, 1), (0x5000, 16, VIRTQ_DESC_F_NEXT, 0)], 1, "it loops"),
    ([(0x4000, 16, 0, 0)], 9, "9 entries ahead of the device, but the queue holds 8"),
    ([(0x4000, 16, VIRTQ_DESC_F_NEXT, 200)], 1, "descriptor 200 past the table"),
    ([(0x4000, 16, 4, 0)], 1, "indirect descriptor"),
])
def test_virtqueue_refuses_a_broken_chain(descriptors, avail_idx, message):
    memory = Memory(1 << 20)
    with pytest.raises(VirtqueueError, match=message):
        queue_in(memory, descriptors, avail_idx).pop(memory)


def test_virtqueue_areas_outside_memory():
    memory = Memory(1 << 20)
    q = queue_in(memory, [])
    q.driver = 0x10_0000 - 1                    # avail.idx would cross the end of RAM
    with pytest.raises(VirtqueueError, match="avail.idx at 0x100001"):
        q.pop(memory)


# -- bad input, through the command line ------------------------------------------------

def vmm(*args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vmm", "run", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def raw_guest(tmp_path, name: str, code: bytes):
    path = tmp_path / f"{name}.bin"
    path.write_bytes(code)
    return str(path)


@needs_kvm
@pytest.mark.parametrize("name, code, why, detail, status", [
    ("port", b"\xe6\x99",                                   # out %al, $0x99
     "stopped: access to an I/O port with no device", "OUT to port 0x99, 1-byte", 1),
    ("mmio", b"\x8b\x04\x25\x00\x00\x00\x40",               # mov 0x40000000, %eax
     "stopped: access outside its memory map", "load from guest-physical 0x40000000, 4-byte", 1),
    ("triple", b"\x0f\x0b",                                 # ud2, and no IDT
     "stopped: unhandled trap: triple fault (KVM_EXIT_SHUTDOWN)", "exit reason 8", 1),
    ("fetch", b"\xb8\x00\x00\x00\x40\xff\xe0",              # jmp to 0x40000000: no memory
     "KVM_INTERNAL_ERROR_EMULATION", "exit reason 17 (KVM_EXIT_INTERNAL_ERROR)", 1),
    ("spin", b"\xeb\xfe",                                   # jmp .
     "stopped: timed out after 1 s (--timeout)", "exit reason 10 (KVM_EXIT_INTR)", 124),
], ids=["no-device-port", "outside-memory", "triple-fault", "internal-error", "timeout"])
def test_a_misbehaving_guest_is_stopped_with_a_report(tmp_path, name, code, why, detail, status):
    r = vmm("--kernel", raw_guest(tmp_path, name, code), "--timeout", "1")
    assert r.returncode == status, r.stdout + r.stderr
    assert why in r.stdout and detail in r.stdout
    assert re.search(r"hv:   rip=0x[0-9a-f]+ rsp=0x[0-9a-f]+ rflags=0x", r.stdout)
    assert "hv:   rax=0x" in r.stdout and "Traceback" not in r.stderr
    assert r.stdout.rstrip().endswith("hv: powering off")


@needs_kvm
def test_debug_exit_status_becomes_the_vmm_status(tmp_path):
    r = vmm("--kernel", raw_guest(tmp_path, "exit", b"\xb0\x2a\xe6\xf4"))   # mov $42,%al; out %al,$0xf4
    assert r.returncode == 42 and "stopped: debug exit, status 42" in r.stdout


@needs_kvm
def test_failed_vm_entry_is_decoded(capfd):
    """KVM_EXIT_FAIL_ENTRY: the host CPU refused the guest state. KVM checks
    what it can before VM entry, and this machine's nested KVM accepts
    states real hardware refuses, so the exit is written into kvm_run here
    and handed to the run loop's table, as KVM_RUN would hand it."""
    from pathlib import Path
    from vmm import board, vm as vmm_vm
    from vmm.arch import x86_64
    vm = board.lab_vm(kvm.open_kvm(), x86_64, 0, "entry", Path(os.devnull), False)
    vcpu = vm.vcpus[0]
    vcpu.run.exit_reason = kvm.KVM_EXIT_FAIL_ENTRY
    vcpu.run.fail_entry.hardware_entry_failure_reason = 0x80000021   # VMX: invalid guest state
    vmm_vm.EXIT_HANDLERS[vcpu.run.exit_reason](vcpu)
    out = capfd.readouterr().out
    assert vm.stopped and vm.status == 1
    assert "VM entry failed (KVM_EXIT_FAIL_ENTRY): hardware_entry_failure_reason=0x80000021" in out
    assert "exit reason 9 (KVM_EXIT_FAIL_ENTRY)" in out and "hv:   rip=0x10000" in out


def test_no_kvm_device_is_one_line(tmp_path):
    r = vmm("--kernel", raw_guest(tmp_path, "any", b"\xf4"), "--dev", str(tmp_path / "kvm"))
    assert r.returncode == 2 and r.stdout.count("\n") <= 1
    assert r.stderr.strip().splitlines() == [
        f"vmm: error: {tmp_path / 'kvm'} does not exist: this machine offers no KVM (load "
        f"kvm_intel or kvm_amd, or enable virtualization in the firmware)"]


def test_no_permission_is_one_line(monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(kvm.KvmError, match=r"^/dev/kvm: permission denied: add yourself to "
                                           r"the 'kvm' group"):
        kvm.open_kvm()


@needs_kvm
@pytest.mark.parametrize("args, message", [
    (["--kernel", "/nonexistent.bin"], "vmm: error: guest image /nonexistent.bin: No such file"),
    (["--vm", "a=/dev/null", "--disk", "/nonexistent.img"],
     "vmm: error: --disk /nonexistent.img: No such file or directory"),
    ([], "vmm: error: nothing to run: give --kernel or --vm"),
])
def test_bad_files_and_options_are_one_line(args, message):
    r = vmm(*args)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [message] or \
        r.stderr.startswith(message), r.stderr
    assert "Traceback" not in r.stderr


# -- the Linux board's tables ------------------------------------------------------

def test_acpi_tables_check_out(tmp_path):
    """Every table's bytes sum to 0, the RSDP points at the XSDT, and the
    DSDT is AML that ACPICA's disassembler (iasl) reads back as written."""
    from vmm.arch import acpi
    memory = Memory(1 << 20)
    rsdp = acpi.write_tables(memory, [(0xd000_0000, 0x200, 5), (0xd000_1000, 0x200, 6)])
    head = memory.read(rsdp, 36)
    assert head[:8] == b"RSD PTR " and sum(head[:20]) % 256 == 0 and sum(head) % 256 == 0
    xsdt = struct.unpack_from("<Q", head, 24)[0]
    length = struct.unpack_from("<I", memory.read(xsdt, 8), 4)[0]
    entries = struct.unpack_from(f"<{(length - 36) // 8}Q", memory.read(xsdt + 36, length - 36))
    tables = {}
    for at in (xsdt, *entries):
        signature, size = struct.unpack("<4sI", memory.read(at, 8))
        assert sum(memory.read(at, size)) % 256 == 0, signature
        tables[signature] = at
    assert set(tables) == {b"XSDT", b"FACP", b"APIC"}
    dsdt_at = struct.unpack_from("<I", memory.read(tables[b"FACP"] + 40, 4))[0]
    size = struct.unpack("<I", memory.read(dsdt_at + 4, 4))[0]
    if not shutil.which("iasl") and os.geteuid() == 0:
        from harness import deps
        deps.ensure_packages(["acpica-tools"])
    if not shutil.which("iasl"):
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "iasl (Debian: acpica-tools) checks the AML: apt-get install acpica-tools")
    (tmp_path / "dsdt.dat").write_bytes(memory.read(dsdt_at, size))
    subprocess.run(["iasl", "-d", "dsdt.dat"], cwd=tmp_path, capture_output=True, check=True)
    source = (tmp_path / "dsdt.dsl").read_text()
    for needed in ('Name (_HID, "LNRO0005")', "0xD0001000", "Name (\\_S5, Package (0x04)",
                   "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"):
        assert needed in source, needed


def test_a_file_that_is_no_bzimage_is_one_line(tmp_path):
    from vmm.arch import x86_64
    with pytest.raises(x86_64.BootError, match=r'^not a bzImage \(no "HdrS" setup header'):
        x86_64.load_linux(Memory(1 << 20), bytes(4096), None, "")


@needs_kvm
def test_hc_param_hands_the_guest_its_values(tmp_path):
    """mov $HC_PARAM,%eax; mov $i,%edi; outl %eax,$HC_PORT; outb %al,$0xf4:
    the VMM's status is the low byte of what HC_PARAM returned."""
    def guest(index: int) -> str:
        return raw_guest(tmp_path, f"param{index}", b"\xb8\x07\x00\x00\x00\xbf" +
                         index.to_bytes(4, "little") + b"\xe7\xe0\xe6\xf4")
    assert vmm("--vm", f"g={guest(1)}", "--param", "g=5,42").returncode == 42
    assert vmm("--vm", f"g={guest(2)}", "--param", "g=5,42").returncode == hypercall.HC_ERR_INVAL & 0xff


# -- the arm64 back end's pieces that need no arm64 KVM ---------------------------------

def test_a_file_that_is_no_arm64_image_is_one_line():
    with pytest.raises(arm64.BootError, match=r'^not an arm64 Image \(no "ARM\\x64" magic'):
        arm64.linux_start(None, bytes(4096), None, "", [])


def test_the_arm64_device_tree_describes_the_board(tmp_path):
    """dtc decompiles the tree the VMM writes for a Linux guest: PSCI by HVC
    (KVM's conduit), the GICv3 where KVM_SET_DEVICE_ATTR put it, the arch
    timer's four PPIs, the PL011 and a virtio-mmio device on SPI 16."""
    from tests.test_linux_files import tool
    dtc = tool("dtc", "device-tree-compiler")
    blob = arm64.device_tree(256 << 20, 1, "console=ttyAMA0",
                             (0x4f000000, 0x4f100000), [(arm64.VIRTIO_MMIO_BASE, 0x200, 16)])
    (tmp_path / "guest.dtb").write_bytes(blob)
    source = subprocess.run([dtc, "-q", "-I", "dtb", "-O", "dts", str(tmp_path / "guest.dtb")],
                            check=True, capture_output=True, text=True).stdout
    for needed in ('method = "hvc";', 'compatible = "arm,gic-v3";',
                   "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x20000>;",
                   "interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>;",
                   "pl011@9000000 {", "virtio_mmio@a001000 {", "interrupts = <0x00 0x10 0x01>;",
                   'stdout-path = "/pl011@9000000";', "linux,initrd-end = <0x00 0x4f100000>;",
                   "reg = <0x00 0x40000000 0x00 0x10000000>;"):
        assert needed in source, needed


def test_pl011_model_flags_interrupts_and_primecell_id():
    from vmm.devices import pl011

    class Console:
        def __init__(self):
            self.out = bytearray()

        def putc(self, byte):
            self.out.append(byte)

    class FakeVm:
        lines = []

        def irq_line(self, irq, level):
            self.lines.append((irq, level))

    uart = pl011.Pl011(Console())
    uart.vm = FakeVm()
    assert uart.read(pl011.UARTFR, 4) == pl011.FR_TXFE | pl011.FR_RXFE
    assert [uart.read(pl011.UARTPERIPHID0 + 4 * i, 4) for i in range(8)] == \
        list(pl011.PRIMECELL_ID)
    uart.write(pl011.UARTDR, 4, ord("A"))
    assert uart.console.out == b"A" and FakeVm.lines == []       # no interrupt enabled yet
    uart.write(pl011.UARTIMSC, 4, pl011.INT_RX)
    uart.receive(b"x")
    assert FakeVm.lines == [(pl011.UART_SPI, 1)]
    assert uart.read(pl011.UARTMIS, 4) == pl011.INT_RX and uart.read(pl011.UARTDR, 4) == ord("x")
    assert FakeVm.lines[-1] == (pl011.UART_SPI, 0)
    assert uart.read(pl011.UARTFR, 4) & pl011.FR_RXFE
