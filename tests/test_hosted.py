"""Targets hosted-svm and hosted-vmx: the hosted hypervisor, a Linux module
that moves the running kernel into a VM on every CPU (hosted/). One boot of
Debian's amd64 kernel holds every check (QEMU TCG with AMD-V on two CPUs,
about 20 s; Bochs with VT-x on one, about 3 minutes), three load/unload
cycles: the probe reads the hypervisor's CPUID leaf on each CPU
from user space before, during and after; a workload (fork/exec on each
CPU, file I/O, a timer) runs in non-root mode; the exit counts in
/sys/kernel/hosted/exits and the STATS hypercall agree with what was done;
dmesg has the module's own lines and no warning. A second, short boot on a
CPU without AMD-V: the module refuses with one line. The machine's packages
come from `./lab prepare-linux --arch amd64` (as root; elsewhere skipped
with that command, under CI failed); the module needs linux-headers of the
same kernel, installed by package name."""
import hashlib
import os
import re

import pytest

from harness import HarnessError, TargetUnavailable, hosted, lab, logs
from harness.target import load_target

CYCLES = {"hosted-svm": 3, "hosted-vmx": 2}   # load/unload cycles in the one boot


# machine -> (back end, nested paging's name); the VT-x machine is Bochs
BACKENDS = {"hosted-svm": ("AMD-V", "NPT"), "hosted-vmx": ("VT-x", "EPT")}


def pytest_generate_tests(metafunc):
    """Part of the suite only when --target/--guest do not leave it out;
    the CPU without AMD-V is a case of hosted-svm."""
    target, guest = metafunc.config.getoption("target"), metafunc.config.getoption("guest")
    for fixture, machines in (("machine", list(BACKENDS)), ("svm_machine", ["hosted-svm"])):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, [m for m in machines
                                           if target in (None, m) and guest is None])


def unavailable(message: str):
    (pytest.fail if os.environ.get("CI") else pytest.skip)(message)


def boot(machine: str, cycles: int):
    try:
        lab.ensure_tools(load_target(hosted.EMULATOR_TARGET[hosted.MACHINES[machine].emulator]))
    except TargetUnavailable as e:
        pytest.skip(str(e))
    except HarnessError as e:
        unavailable(f"{machine} cannot run here: {e}")
    if hosted.missing() and os.geteuid() == 0:
        try:
            hosted.kvm_machine.prepare("kvm-svm", if_missing=True)
        except HarnessError as e:
            unavailable(f"prepare-linux --arch amd64: {e}")
    if hosted.missing():
        unavailable(hosted.missing())
    return hosted.run(machine, logs.new_log(machine), cycles=cycles)


def probes(lines: list[str]) -> list[tuple[int, str]]:
    """Each `hosted-probe cpuid` answer in order: (cpu, what it saw)."""
    return [(int(m[1]), m[2]) for line in lines
            if (m := re.fullmatch(r"cpu (\d+): (signature \S+ backend \S+|no hypervisor).*", line))]


def dmesg(lines: list[str]) -> list[str]:
    return hosted.between(lines, hosted.DMESG_BEGIN, hosted.DMESG_END)[-1]


FAILED_ENTRY = {"AMD-V": "VMRUN failed (VMEXIT_INVALID: the mirrored state failed its checks)",
                "VT-x": "VM entry failed: invalid guest state (exit reason 33)"}
SEQ_MD5 = hashlib.md5("".join(f"{i}\n" for i in range(1, hosted.SEQ_LINES + 1)).encode()).hexdigest()


def test_the_kernel_runs_as_a_guest_of_itself(machine, request):
    request.node.user_properties.append(("target", machine))
    cycles = CYCLES[machine]
    result = boot(machine, cycles)
    lines, where = result.lines, f"\n  log: {result.log}"
    cpus = int(re.search(r"lab: hosted: (\d+) CPUs online", "\n".join(lines))[1])
    assert cpus == hosted.MACHINES[machine].smp, where
    seen = probes(lines)
    clean = [(c, "no hypervisor") for c in range(cpus)]
    backend, nested = BACKENDS[machine]
    inside = [(c, f"signature LabHostedHV! backend {backend}") for c in range(cpus)]
    # before; after the failed entry; then each cycle: inside on every CPU, clean after rmmod
    assert seen == clean * 2 + (inside + clean) * cycles, seen
    assert "lab: broken entry: refused" in lines, where
    for n in range(1, cycles + 1):
        assert f"lab: cycle {n}: loaded" in lines and f"lab: cycle {n}: unloaded" in lines, where
    ran = [line for line in lines if line.startswith("lab: workload: cpu")]
    assert ran == [f"lab: workload: cpu {c} ran {hosted.FORKS} of {hosted.FORKS} programs"
                   for c in range(cpus)] * cycles, ran
    assert lines.count(f"lab: workload: file {SEQ_MD5} same") == cycles, where
    for m in re.finditer(r"slept from ([\d.]+) to ([\d.]+)", "\n".join(lines)):
        assert float(m[2]) - float(m[1]) >= 1.0, m[0]
    # the STATS hypercall, from user space, on each CPU; LEAVE from there is refused
    stats = [tuple(map(int, m.groups())) for line in lines
             if (m := re.fullmatch(r"cpu \d+: exits (\d+) cpuid (\d+) vmcall (\d+)", line))]
    assert len(stats) == cpus * cycles, where
    assert lines.count("cpu 0: leave from user space: denied") == cycles, where
    tables = hosted.exit_tables(lines)
    assert len(tables) == cycles, where
    for table, cycle_stats in zip(tables, [stats[i:i + cpus] for i in range(0, len(stats), cpus)]):
        assert sorted(table) == list(range(cpus)), table
        for cpu, (exits, cpuid, vmcall) in enumerate(cycle_stats):
            row = table[cpu]
            # each probe made 2 CPUIDs there, the programs of the workload more
            assert cpuid >= 2 + hosted.FORKS and row["cpuid"] >= cpuid, (cpu, row, cpuid)
            assert vmcall >= 1 and row["vmcall"] >= vmcall + 1, (cpu, row)  # + the LEAVE refused
            assert row["nested_fault"] == 0 and row["other"] == 0, (cpu, row)
            assert row["total"] == sum(v for k, v in row.items() if k != "total"), row
            assert row["total"] >= exits, row
    log = dmesg(lines)
    loaded = [l for l in log if re.search(
        rf"hosted: {backend}: the kernel runs as a guest of itself on {cpus} CPUs \(identity {nested}",
        l)]
    left = [l for l in log if re.search(rf"hosted: {backend}: {cpus} of {cpus} CPUs left guest mode", l)]
    assert len(loaded) == cycles and len(left) == cycles, where
    # from the module's first line on (Bochs' CPU model draws an xstate WARNING at boot)
    first = next(i for i, l in enumerate(log) if "hosted:" in l)
    bad = [l for l in log[first:] if re.search(r"WARNING: CPU|BUG|Oops|Call Trace|hosted: CPU \d+:", l)]
    assert not bad, bad
    # the failed entry: one line per attempt, naming the CPU and why; nothing else refused
    refused = {l.split("] ", 1)[1] for l in log if "refusing" in l}
    assert refused == {f"hosted: refusing to load: {backend}: CPU 0: {FAILED_ENTRY[backend]}"}, \
        refused


def test_a_cpu_without_amd_v_refuses_the_module(svm_machine, request):
    request.node.user_properties.append(("target", svm_machine))
    result = boot("hosted-svm-nosvm", 1)
    assert "lab: cycle 1: insmod refused" in result.lines, result.log
    assert probes(result.lines) == [(0, "no hypervisor")] * 3, result.lines   # before, after each
    # one line per attempt (busybox's insmod tries finit_module, then init_module)
    said = {l.split("] ", 1)[1] for l in dmesg(result.lines) if "hosted:" in l and "taint" not in l}
    assert said == {"hosted: refusing to load: this CPU has neither VT-x (CPUID.1:ECX.VMX) nor "
                    "AMD-V (CPUID.80000001h:ECX.SVM)"}, said


# -- the pieces, without a boot ------------------------------------------------------

def test_exit_tables_are_read_per_cpu():
    lines = ["x", hosted.EXITS_BEGIN, "cpu cpuid vmcall total", "0 5 1 6", "1 7 0 7",
             hosted.EXITS_END, "y"]
    assert hosted.exit_tables(lines) == [{0: {"cpuid": 5, "vmcall": 1, "total": 6},
                                          1: {"cpuid": 7, "vmcall": 0, "total": 7}}]


def test_init_loads_and_unloads_as_the_command_line_says():
    script = hosted.init_script()
    assert "seq 1 $(arg cycles)" in script and "insmod /lib/hosted.ko" in script
    assert "s/.*lab\\.$1=\\([^ ]*\\).*/\\1/p" in script          # a literal \1, not chr(1)
    assert script.index("rmmod hosted") < script.index(hosted.DMESG_BEGIN)
    assert script.rstrip().endswith("poweroff -f")


def test_bench_lines_become_instruction_counts():
    lines = ["noise", "bench cpuid_roundtrip 92", "bench hypercall_roundtrip 89"]
    assert hosted.bench_metrics(lines) == {
        "cpuid_roundtrip": {"value": 92, "unit": "instructions"},
        "hypercall_roundtrip": {"value": 89, "unit": "instructions"}}
    with pytest.raises(HarnessError, match="reported"):
        hosted.bench_metrics(lines[:2])


def test_the_headers_are_the_booted_kernels():
    if hosted.missing():
        pytest.skip(hosted.missing())
    release = hosted.kvm_machine.AMD64.kernel_release()
    assert hosted.headers_package() == f"linux-headers-{release}"
    assert re.fullmatch(r"6\.1\.0-\d+-amd64", release)
