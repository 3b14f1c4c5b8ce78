"""The command line, in the spirit of kvmtool's `lkvm run`:
  python -m vmm run --kernel bzImage|Image [--initrd I] [--cmdline S] [--disk FILE[,ro]]
                    [--mem 256M] [--cpus 1] [--timeout S] [--notify mmio|ioeventfd]
  python -m vmm run --vm NAME=guest.bin[,real-mode] ...   (the lab's test guests)
It prints the bare-metal core's console protocol ("[vm] ..." lines, "hv: vm
'X' stopped: ...", "hv: all VMs stopped", the exit statistics). Exit
status: 0 when every VM powered off or exited; a VM's debug-exit status; 1
when a VM was stopped with a report; 124 on --timeout; 2 for bad options,
no KVM, or a file that cannot be used."""
import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from . import arch as arch_pkg, board, kvm, vconsole
from .vm import KICK_SIGNAL, stats_report

EXIT_BAD_INPUT, EXIT_TIMEOUT, EXIT_INTERRUPTED = 2, 124, 130
SUFFIXES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size(text: str) -> int:
    unit = SUFFIXES.get(text[-1:].upper(), 1)
    digits = text[:-1] if text[-1:].upper() in SUFFIXES else text
    if not digits.isdigit() or int(digits) * unit < 1 << 20:
        raise argparse.ArgumentTypeError(f"{text!r}: a size like 2M or 256M (at least 1M)")
    return int(digits) * unit


def vm_spec(text: str) -> tuple[str, Path, bool]:
    name, sep, rest = text.partition("=")
    path, _, flag = rest.partition(",")
    if not sep or not name or not path or flag not in ("", "real-mode"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=FILE or NAME=FILE,real-mode")
    return name, Path(path), flag == "real-mode"


def param_spec(text: str) -> tuple[str, list[int]]:
    name, sep, values = text.partition("=")
    try:
        numbers = [int(v, 0) for v in values.split(",")] if values else []
    except ValueError:
        numbers = None
    if not sep or not name or numbers is None or any(n < 0 or n >> 63 for n in numbers):
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=V1,V2,... (each below 2^63)")
    return name, numbers


def disk_spec(text: str) -> tuple[Path, bool]:
    path, _, flag = text.partition(",")
    if flag not in ("", "ro"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected FILE or FILE,ro")
    return Path(path), flag == "ro"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vmm", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="boot a kernel, or the lab's test guests")
    run.add_argument("--kernel", type=Path, help="Linux (x86: a bzImage; arm64: an Image), or a "
                                                 "lab guest's flat binary")
    run.add_argument("--initrd", type=Path, help="the kernel's initramfs")
    run.add_argument("--cmdline", help="the kernel command line (default: the architecture's "
                                       "console, e.g. console=ttyS0 or console=ttyAMA0)")
    run.add_argument("--vm", type=vm_spec, action="append", default=[], metavar="NAME=FILE[,real-mode]",
                     help="a lab guest in a VM of its own (repeat for more VMs)")
    run.add_argument("--param", type=param_spec, action="append", default=[],
                     metavar="NAME=V1,V2,...", help="values VM NAME reads with HC_PARAM")
    run.add_argument("--disk", type=disk_spec, action="append", default=[], metavar="FILE[,ro]",
                     help="a raw disk image as a virtio-blk device (,ro: read-only)")
    run.add_argument("--virtio-console", action="store_true",
                     help="add a virtio-console device (its output goes to our stdout)")
    run.add_argument("--notify", choices=("mmio", "ioeventfd"), default="ioeventfd",
                     help="how a virtio queue notification reaches the device: an MMIO exit "
                          "handled in the run loop, or an ioeventfd served by a device thread")
    run.add_argument("--mem", type=size, help="guest RAM (default 256M for Linux, 2M for a lab guest)")
    run.add_argument("--cpus", type=int, default=1,
                     help="a Linux guest's vCPUs (arm64 only: x86 has no MP table yet)")
    run.add_argument("--timeout", type=float, help="stop every VM after this many seconds")
    run.add_argument("--dev", default="/dev/kvm", help="the KVM device (default /dev/kvm)")
    return p


def virtio_devices(args) -> list:
    if not args.disk and not args.virtio_console:
        return []
    from .devices.virtio.blk import VirtioBlk, DiskError
    from .devices.virtio.console import VirtioConsole
    models = []
    for path, read_only in args.disk:
        try:
            models.append(VirtioBlk(path, read_only, threaded=args.notify == "ioeventfd"))
        except DiskError as e:
            raise board.BoardError(str(e)) from None
    if args.virtio_console:
        models.append(VirtioConsole(threaded=args.notify == "ioeventfd"))
    return models


def build_vms(args, kvm_fd: int, arch) -> list:
    virtio = virtio_devices(args)
    if args.vm and args.kernel:
        raise board.BoardError("--vm and --kernel exclude each other")
    if args.kernel and args.kernel.is_file() and arch.is_linux_kernel(args.kernel.read_bytes()):
        return [board.linux_vm(kvm_fd, arch, args.kernel, args.initrd, args.cmdline,
                               args.mem or 256 << 20, virtio, args.cpus)]
    if args.cpus != 1:
        raise board.BoardError(f"--cpus {args.cpus}: a lab guest's VM has one vCPU")
    specs = args.vm or ([(args.kernel.stem, args.kernel, False)] if args.kernel else [])
    if not specs:
        raise board.BoardError("nothing to run: give --kernel or --vm")
    if virtio and len(specs) > 1:
        raise board.BoardError("virtio devices go with a single VM")
    vms = [board.lab_vm(kvm_fd, arch, i, name, path, real, args.mem or board.LAB_RAM,
                        virtio if i == 0 else ())
           for i, (name, path, real) in enumerate(specs)]
    by_name = {vm.name: vm for vm in vms}
    for name, values in args.param:
        if name not in by_name:
            raise board.BoardError(f"--param {name}=...: no VM named {name}")
        by_name[name].params = values
    return vms


CTRL_A, QUIT_KEY = 0x01, ord("x")


def serve_stdin(vms) -> None:
    """A Linux guest's keyboard: our stdin into its UART. Ctrl-A x ends the
    VM (as in kvmtool and QEMU), since Ctrl-C now goes to the guest."""
    uart = vms[0].uart
    escape = False
    for byte in vconsole.stdin_bytes():
        if escape and byte == QUIT_KEY:
            vms[0].stop("Ctrl-A x typed on the console")
            return
        escape = byte == CTRL_A
        if not escape:
            uart.receive(bytes([byte]))


def raw_terminal():
    """A terminal on our stdin passes keys straight to the guest: no echo
    (the guest's shell echoes), no line editing, Ctrl-C to the guest. The
    old settings come back at exit. Returns the restore function."""
    import termios
    import tty
    if not sys.stdin.isatty():
        return lambda: None
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    vconsole.line_end = "\r\n"        # no output processing now: our own lines say CR LF

    def restore():
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        vconsole.line_end = "\n"
    return restore


def run(args) -> int:
    arch = arch_pkg.current()
    if not 1 <= args.cpus <= arch.MAX_CPUS:
        raise board.BoardError(f"--cpus {args.cpus}: a VM on {arch.NAME} has at least 1 vCPU "
                               f"and at most {arch.MAX_CPUS}{arch.MAX_CPUS_WHY}")
    kvm_fd = kvm.open_kvm(args.dev)
    vconsole.hv(f"teaching VMM on KVM (vmm/), {arch.NAME}, {max(len(args.vm), 1)} VM(s)")
    vms = build_vms(args, kvm_fd, arch)
    signal.signal(KICK_SIGNAL, lambda signum, frame: None)   # only to interrupt KVM_RUN
    for vm in vms:
        vm.start()
    restore_terminal = lambda: None
    if isinstance(vms[0].console, vconsole.RawConsole):
        restore_terminal = raw_terminal()
        threading.Thread(target=serve_stdin, args=(vms,), daemon=True).start()
    deadline = time.monotonic() + args.timeout if args.timeout else None
    timed_out = False
    try:
        for vm in vms:
            for vcpu in vm.vcpus:
                while vcpu.thread.is_alive():
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0 and not timed_out:
                        timed_out = True
                        for v in vms:
                            v.timeout(args.timeout)
                    vcpu.thread.join(0.1 if left is None else max(min(left, 0.1), 0.01))
    except KeyboardInterrupt:
        for vm in vms:
            vm.stop("interrupted (Ctrl-C)", status=EXIT_INTERRUPTED)
        for vm in vms:
            for vcpu in vm.vcpus:
                vcpu.thread.join()
    restore_terminal()
    for vm in vms:
        vm.finish()
    vconsole.hv("all VMs stopped")
    stats_report(vms)
    vconsole.hv("powering off")
    return next((vm.status for vm in vms if vm.status), 0)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except (kvm.KvmError, board.BoardError) as e:
        print(f"vmm: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
