"""What differs between architectures: the vCPU's first registers, the
guest's boot structures, the CPU identity it sees, how its registers are
reported. x86_64.py now; arm64.py (issue 15) will offer the same names."""
import platform


def current():
    machine = platform.machine()
    if machine in ("x86_64", "amd64"):
        from . import x86_64
        return x86_64
    raise SystemExit(f"vmm: no support for {machine} hosts yet (x86_64 only)")
