"""What differs between architectures: the vCPU's first registers, the
guest's boot structures, the CPU identity it sees, how its registers are
reported, which devices a board has and how a kernel boots. x86_64.py and
arm64.py offer the same names, as arch_x86_64/ and arch_arm64/ do for the
bare-metal cores; vm.py, board.py and the devices are shared."""
import platform


def current():
    machine = platform.machine()
    if machine in ("x86_64", "amd64"):
        from . import x86_64
        return x86_64
    if machine in ("aarch64", "arm64"):
        from . import arm64
        return arm64
    raise SystemExit(f"vmm: no support for {machine} hosts (x86_64 and arm64 only)")
