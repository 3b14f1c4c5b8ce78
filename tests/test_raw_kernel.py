"""Run what QEMU runs: a raw binary built for QEMU's virt board (no Image
header; guests/arm64/kernels/raw-boot.c) boots under the hypervisor with
`./lab boot --kernel FILE` exactly as QEMU alone boots `-kernel FILE`:
loaded at RAM base + 0x80000, entered at its first byte with the device
tree's address in x0 and x1-x3 zero. The program says what it was given;
both runs must say the same (only where the tree lies, and the PSCI conduit
it names, differ). An explicitly empty --append means no command line, as
QEMU's `-append ""`, which sets no /chosen/bootargs at all."""
import re
import subprocess

import pytest

from harness import BUILD, lab, linux
from harness.target import load_target

ON = [("arm64", "hello")]       # any scenario of the target: its build makes kernels/ too
KERNEL = BUILD / "arm64" / "kernels" / "raw-boot.bin"
SAME = re.compile(r"^(PASS|FAIL|SUMMARY|raw: entered at 0x[0-9a-f]+, at EL\d|raw: /chosen)")
QEMU_TIMEOUT = 120


def said(lines: list[str]) -> list[str]:
    """What the program says that must not depend on who booted it."""
    return [m.string[:m.end()] if m[1].startswith("raw: entered") else m.string
            for m in map(SAME.match, lines) if m]


def under_qemu_alone(append: str) -> list[str]:
    argv = linux.direct_command(load_target("arm64"), KERNEL, None, append)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=QEMU_TIMEOUT)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("append", ["", "console=ttyAMA0 lab.test=\"two words\""])
def test_a_raw_binary_boots_as_under_qemu(built_case, append):
    result = lab.boot("arm64", None, kernel=str(KERNEL), append=append, initrd=None,
                      echo=False, quiet_build=True)
    ours = said(result.lines)
    assert "hv: vm 'linux': raw binary at gpa 0x40080000" in "\n".join(result.lines)
    assert ours == said(under_qemu_alone(append))
    assert ours[0] == "raw: entered at 0x40080000, at EL1"
    assert "SUMMARY: 2 passed, 0 failed" in ours
    bootargs = [line for line in ours if line.startswith("raw: /chosen")]
    assert bootargs == (["raw: /chosen has no bootargs"] if append == ""
                        else [f"raw: /chosen bootargs = \"{append}\""])
    assert 'raw: /psci method = "smc"' in result.lines       # trapped by HCR_EL2.TSC
