"""A VM on KVM: its memory slot, its vCPUs and the run loop. Each vCPU is a
host thread that calls KVM_RUN; when KVM cannot finish an exit in the kernel
it returns, and kvm_run.exit_reason says why. The run loop hands each reason
to its handler through one table, EXIT_HANDLERS, laid out like the exit
table of the bare-metal core (hv/exit.c) so the two read side by side: the
CPU's exit there, KVM's exit to user space here."""
import ctypes
import mmap
import signal
import threading
from collections import Counter

from . import kvm, vconsole
from .devices import MMIO, PIO, Bus
from .hypercall import handle_hypercall
from .memory import Memory

# The bare-metal core's exit kinds (hv/exit.h), in its order: the statistics
# table has the same columns on every target.
EXIT_KINDS = ("hypercall", "mmio", "pio", "sysreg", "halt", "firmware", "paging", "timer",
              "irq", "unhandled")
KICK_SIGNAL = signal.SIGUSR1      # interrupts a vCPU thread's KVM_RUN (stop, timeout)
EXIT_TIMEOUT = 124                # the VMM's status when --timeout stopped a VM (as timeout(1))
ESR_ISS_WNR = 1 << 6              # arm64 data abort: write, not read (Arm ARM, ESR_ELx.ISS)


class Vcpu:
    def __init__(self, vm, index: int, mmap_size: int):
        self.vm, self.index = vm, index
        self.fd = kvm.ioctl(vm.fd, kvm.KVM_CREATE_VCPU, index, "KVM_CREATE_VCPU")
        self.run_page = mmap.mmap(self.fd, mmap_size, mmap.MAP_SHARED,
                                  mmap.PROT_READ | mmap.PROT_WRITE)
        self.run = kvm.kvm_run.from_buffer(self.run_page)       # shared with KVM
        self.run_address = ctypes.addressof(self.run)
        self.exits = Counter()
        self.thread = None

    def get_regs(self) -> kvm.kvm_regs:
        regs = kvm.kvm_regs()
        kvm.ioctl(self.fd, kvm.KVM_GET_REGS, regs, "KVM_GET_REGS")
        return regs

    def set_regs(self, regs: kvm.kvm_regs) -> None:
        kvm.ioctl(self.fd, kvm.KVM_SET_REGS, regs, "KVM_SET_REGS")

    def get_sregs(self) -> kvm.kvm_sregs:
        sregs = kvm.kvm_sregs()
        kvm.ioctl(self.fd, kvm.KVM_GET_SREGS, sregs, "KVM_GET_SREGS")
        return sregs

    def set_sregs(self, sregs: kvm.kvm_sregs) -> None:
        kvm.ioctl(self.fd, kvm.KVM_SET_SREGS, sregs, "KVM_SET_SREGS")

    def get_reg(self, reg_id: int) -> int:
        """One register by its KVM id (KVM_GET_ONE_REG: arm64's way)."""
        value = ctypes.c_uint64()
        kvm.ioctl(self.fd, kvm.KVM_GET_ONE_REG,
                  kvm.kvm_one_reg(id=reg_id, addr=ctypes.addressof(value)), "KVM_GET_ONE_REG")
        return value.value

    def set_reg(self, reg_id: int, value: int) -> None:
        cell = ctypes.c_uint64(value)
        kvm.ioctl(self.fd, kvm.KVM_SET_ONE_REG,
                  kvm.kvm_one_reg(id=reg_id, addr=ctypes.addressof(cell)), "KVM_SET_ONE_REG")

    def io_data(self, size: int, count: int) -> memoryview:
        """The bytes of a KVM_EXIT_IO: they sit in the kvm_run page."""
        offset = self.run.io.data_offset
        return memoryview(self.run_page)[offset:offset + size * count]

    # -- the run loop ----------------------------------------------------------
    def loop(self) -> None:
        while not self.vm.stopped:
            try:
                kvm.ioctl(self.fd, kvm.KVM_RUN, 0, "KVM_RUN")
            except InterruptedError:
                self.run.immediate_exit = 0
                self.run.exit_reason = kvm.KVM_EXIT_INTR
            except kvm.KvmError as e:
                self.vm.stop_with_report(self, f"KVM_RUN failed: {e}")
                return
            handler = EXIT_HANDLERS.get(self.run.exit_reason, handle_unhandled)
            handler(self)

    def kick(self) -> None:
        """Make KVM_RUN return: now if it runs, at once if it is about to."""
        self.run.immediate_exit = 1
        if self.thread and self.thread.is_alive() and self.thread is not threading.current_thread():
            signal.pthread_kill(self.thread.ident, KICK_SIGNAL)


# -- the exit handlers: one per exit reason, as in hv/exit.c ----------------------

def handle_device(vcpu, space: str, addr: int, size: int, is_write: bool, data: memoryview):
    """A load or store to an I/O port or to guest-physical memory with no
    RAM behind it: a device model, or a guest reaching outside its map."""
    vm = vcpu.vm
    device = vm.bus.find(space, addr)
    if device is None:
        what = "an I/O port with no device" if space == PIO else "outside its memory map"
        return vm.stop_with_report(vcpu, f"access to {what}" if space == PIO else
                                   f"access {what}")
    if is_write:
        device.write(addr - device.base, size, int.from_bytes(data[:size], "little"))
    else:
        data[:size] = (device.read(addr - device.base, size) & ((1 << 8 * size) - 1)) \
            .to_bytes(size, "little")


def is_doorbell(vcpu, space: str, addr: int, is_write: bool) -> bool:
    """A store to the hypercall doorbell (hv/hypercall.h: x86's HC_PORT,
    arm64's HC_DOORBELL page): the lab's hypercall, not a device access."""
    return is_write and (space, addr) == vcpu.vm.arch.HC_DOORBELL


def handle_io(vcpu):                        # KVM_EXIT_IO: IN or OUT
    io = vcpu.run.io
    if is_doorbell(vcpu, PIO, io.port, io.direction == kvm.KVM_EXIT_IO_OUT):
        vcpu.exits["hypercall"] += 1
        return handle_hypercall(vcpu)
    vcpu.exits["pio"] += 1
    data = vcpu.io_data(io.size, io.count)
    for i in range(io.count):               # REP INS/OUTS: count accesses, one buffer
        handle_device(vcpu, PIO, io.port, io.size, io.direction == kvm.KVM_EXIT_IO_OUT,
                      data[i * io.size:(i + 1) * io.size])


def handle_mmio(vcpu):                      # KVM_EXIT_MMIO: a load/store with no memory slot
    m = vcpu.run.mmio
    if is_doorbell(vcpu, MMIO, m.phys_addr, bool(m.is_write)):
        vcpu.exits["hypercall"] += 1
        return handle_hypercall(vcpu)
    vcpu.exits["mmio"] += 1
    data = memoryview(vcpu.run_page)[kvm.kvm_run.u.offset + kvm._mmio.data.offset:][:8]
    handle_device(vcpu, MMIO, m.phys_addr, m.len, bool(m.is_write), data)


def handle_hlt(vcpu):                       # KVM_EXIT_HLT: only without the in-kernel LAPIC
    vcpu.exits["halt"] += 1
    vcpu.vm.stop_with_report(vcpu, "halted with nothing to wake it (HLT)")


def handle_intr(vcpu):                      # KVM_EXIT_INTR: a signal (stop, --timeout)
    vcpu.exits["irq"] += 1
    vm = vcpu.vm
    if vm.timed_out is not None:
        vm.stop_with_report(vcpu, f"timed out after {vm.timed_out:g} s (--timeout)",
                            status=EXIT_TIMEOUT)


def handle_shutdown(vcpu):                  # KVM_EXIT_SHUTDOWN: a triple fault
    vcpu.exits["unhandled"] += 1
    vcpu.vm.stop_with_report(vcpu, "unhandled trap: triple fault (KVM_EXIT_SHUTDOWN)")


def handle_fail_entry(vcpu):                # KVM_EXIT_FAIL_ENTRY: the CPU refused the state
    vcpu.exits["unhandled"] += 1
    f = vcpu.run.fail_entry
    vcpu.vm.stop_with_report(vcpu, "VM entry failed (KVM_EXIT_FAIL_ENTRY): "
                             f"hardware_entry_failure_reason=0x{f.hardware_entry_failure_reason:x} "
                             f"on CPU {f.cpu}")


def handle_internal_error(vcpu):            # KVM_EXIT_INTERNAL_ERROR: KVM could not go on
    vcpu.exits["unhandled"] += 1
    e = vcpu.run.internal
    name = kvm.INTERNAL_ERROR_NAMES.get(e.suberror, "unknown")
    data = " ".join(f"0x{d:x}" for d in e.data[:min(e.ndata, 16)])
    vcpu.vm.stop_with_report(vcpu, f"KVM internal error (KVM_EXIT_INTERNAL_ERROR): suberror "
                             f"{e.suberror} ({name})" + (f", data {data}" if data else ""))


def handle_system_event(vcpu):              # KVM_EXIT_SYSTEM_EVENT: PSCI-style power events
    vcpu.exits["firmware"] += 1
    kind = vcpu.run.system_event.type
    if kind == kvm.KVM_SYSTEM_EVENT_SHUTDOWN:
        vcpu.vm.stop("powered off")
    elif kind == kvm.KVM_SYSTEM_EVENT_RESET:
        vcpu.vm.stop("reset")
    else:
        vcpu.vm.stop_with_report(vcpu, f"system event {kind} (KVM_EXIT_SYSTEM_EVENT)")


def handle_arm_nisv(vcpu):                  # KVM_EXIT_ARM_NISV: arm64, a device access
    vcpu.exits["mmio"] += 1                 # without a syndrome (ISV=0): LDP, writeback
    vcpu.vm.stop_with_report(vcpu, "a data abort without a syndrome (ISV=0): KVM cannot "
                             "emulate it")


def handle_unhandled(vcpu):
    vcpu.exits["unhandled"] += 1
    reason = vcpu.run.exit_reason
    vcpu.vm.stop_with_report(vcpu, f"unhandled exit {reason} "
                             f"({kvm.EXIT_REASON_NAMES.get(reason, 'unknown')})")


# The exit table: one handler per exit reason KVM hands to user space.
EXIT_HANDLERS = {
    kvm.KVM_EXIT_IO: handle_io,
    kvm.KVM_EXIT_MMIO: handle_mmio,
    kvm.KVM_EXIT_HLT: handle_hlt,
    kvm.KVM_EXIT_INTR: handle_intr,
    kvm.KVM_EXIT_SHUTDOWN: handle_shutdown,
    kvm.KVM_EXIT_FAIL_ENTRY: handle_fail_entry,
    kvm.KVM_EXIT_INTERNAL_ERROR: handle_internal_error,
    kvm.KVM_EXIT_SYSTEM_EVENT: handle_system_event,
    kvm.KVM_EXIT_ARM_NISV: handle_arm_nisv,
}


class VM:
    """One KVM VM: RAM in one memory slot, an in-kernel interrupt controller
    (x86: PIC, IOAPIC, a LAPIC per vCPU; arm64: a GICv3), devices on a bus,
    and vCPU threads. What differs by architecture is in `arch`."""

    def __init__(self, kvm_fd: int, vm_id: int, name: str, mem_size: int, console, arch,
                 cpus: int = 1):
        self.kvm_fd, self.id, self.name, self.console, self.arch = kvm_fd, vm_id, name, console, arch
        self.fd = kvm.ioctl(kvm_fd, kvm.KVM_CREATE_VM, 0, "KVM_CREATE_VM")
        arch.create_vm(self)
        self.memory = Memory(mem_size, arch.RAM_BASE)
        self.memory.register(self.fd)
        self.bus = Bus()
        mmap_size = kvm.ioctl(kvm_fd, kvm.KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE")
        self.vcpus = [Vcpu(self, i, mmap_size) for i in range(cpus)]
        arch.create_vcpus(self)
        self.stopped, self.why, self.status = False, None, 0
        self.timed_out = None             # seconds, once --timeout has run out
        self.params = []                  # what HC_PARAM hands the guest (--param)
        self.stop_lock = threading.Lock()

    def attach(self, device):
        return self.bus.attach(self, device)

    def irq_line(self, irq: int, level: int) -> None:
        """Drive an interrupt line of the in-kernel PIC/IOAPIC or GIC
        (KVM_IRQ_LINE): `irq` is the GSI (x86) or the SPI's number (arm64)."""
        kvm.ioctl(self.fd, kvm.KVM_IRQ_LINE,
                  kvm.kvm_irq_level(irq=self.arch.irq_line_number(irq), level=level),
                  "KVM_IRQ_LINE")

    def irqfd(self, fd: int, gsi: int) -> None:
        """Writing to eventfd `fd` now raises interrupt `gsi` inside KVM, no
        ioctl needed (KVM_IRQFD): how a device thread signals completion."""
        kvm.ioctl(self.fd, kvm.KVM_IRQFD, kvm.kvm_irqfd(fd=fd, gsi=gsi), "KVM_IRQFD")

    def ioeventfd(self, fd: int, addr: int, length: int, datamatch: int | None = None,
                  pio: bool = False) -> None:
        """A guest store of `length` bytes to `addr` now signals eventfd `fd`
        inside KVM, and the vCPU goes straight back in (KVM_IOEVENTFD)."""
        flags = (kvm.KVM_IOEVENTFD_FLAG_PIO if pio else 0) | \
            (kvm.KVM_IOEVENTFD_FLAG_DATAMATCH if datamatch is not None else 0)
        kvm.ioctl(self.fd, kvm.KVM_IOEVENTFD,
                  kvm.kvm_ioeventfd(datamatch=datamatch or 0, addr=addr, len=length, fd=fd,
                                    flags=flags), "KVM_IOEVENTFD")

    # -- ending ------------------------------------------------------------------
    def stop(self, why: str, status: int = 0) -> None:
        """This VM ends (only this one): say why, and stop its vCPUs."""
        with self.stop_lock:
            if self.stopped:
                return
            self.stopped, self.why, self.status = True, why, status
        self.console.flush()
        vconsole.hv(f"vm '{self.name}' stopped: {why}")
        for vcpu in self.vcpus:
            vcpu.kick()

    def timeout(self, seconds: float) -> None:
        """--timeout ran out: each vCPU stops itself (only its own thread
        may read its registers for the report)."""
        self.timed_out = seconds
        for vcpu in self.vcpus:
            vcpu.kick()

    def stop_with_report(self, vcpu, why: str, status: int = 1) -> None:
        """Stop, then the decoded report: the exit and the guest's registers."""
        if self.stopped:
            return
        self.stop(why, status)
        run = vcpu.run
        reason = run.exit_reason
        lines = [f"vCPU {vcpu.index}: exit reason {reason} "
                 f"({kvm.EXIT_REASON_NAMES.get(reason, 'unknown')})"]
        if reason == kvm.KVM_EXIT_IO:
            io = run.io
            lines.append(f"{'OUT to' if io.direction else 'IN from'} port 0x{io.port:x}, "
                         f"{io.size}-byte, count {io.count}")
        elif reason == kvm.KVM_EXIT_MMIO:
            m = run.mmio
            value = int.from_bytes(bytes(m.data[:m.len]), "little")
            lines.append(f"{'store to' if m.is_write else 'load from'} guest-physical "
                         f"0x{m.phys_addr:x}, {m.len}-byte" +
                         (f", value 0x{value:x}" if m.is_write else ""))
        elif reason == kvm.KVM_EXIT_ARM_NISV:
            n = run.arm_nisv
            lines.append(f"data abort at guest-physical 0x{n.fault_ipa:x}, ESR_EL2 ISS "
                         f"0x{n.esr_iss:x} (ISV=0, {'write' if n.esr_iss & ESR_ISS_WNR else 'read'})")
        try:
            lines += self.arch.register_lines(vcpu)
        except kvm.KvmError as e:
            lines.append(f"(registers unreadable: {e})")
        for line in lines:
            vconsole.hv(f"  {line}")

    # -- running -----------------------------------------------------------------
    def start(self) -> None:
        for device in self.bus.devices:
            device.start()
        for vcpu in self.vcpus:
            vcpu.thread = threading.Thread(target=self._vcpu_main, args=(vcpu,),
                                           name=f"{self.name}/vcpu{vcpu.index}", daemon=True)
            vcpu.thread.start()

    def _vcpu_main(self, vcpu) -> None:
        try:
            vcpu.loop()
        except Exception as e:          # a bug in a device model: this VM ends, with why
            self.stop(f"VMM error: {type(e).__name__}: {e}", status=1)
            raise

    def finish(self) -> None:
        for device in self.bus.devices:
            device.stop()

    def exit_counts(self) -> dict[str, int]:
        total = Counter()
        for vcpu in self.vcpus:
            total.update(vcpu.exits)
        return {kind: total[kind] for kind in EXIT_KINDS}


def stats_report(vms: list[VM]) -> None:
    """The exit-statistics table, in hv/stats.c's layout: the exits that
    reached this VMM (those KVM handled in the kernel never show here)."""
    vconsole.hv("exit statistics")
    vconsole.hv("  " + f"{'vm':<12}" + "".join(f" {k:>10}" for k in EXIT_KINDS) + f" {'total':>10}")
    for vm in vms:
        counts = vm.exit_counts()
        vconsole.hv("  " + f"{vm.name:<12}" + "".join(f" {counts[k]:>10}" for k in EXIT_KINDS)
                    + f" {sum(counts.values()):>10}")
