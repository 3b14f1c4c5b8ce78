"""Finding a compiler for a target architecture: GCC (a cross GCC from
Debian's packages for arm64, the host's own for x86_64), or clang with lld. The first one found
is used; when none is, the error names the package to install."""
import shutil
from dataclasses import dataclass

from . import HarnessError


@dataclass
class Toolchain:
    cc: list[str]          # compiler driver and the flags that select the target
    ld: list[str]
    objcopy: str
    description: str


@dataclass
class Candidate:
    packages: list[str]
    cc: str
    ld: str
    objcopy: str
    cc_flags: tuple[str, ...] = ()
    ld_flags: tuple[str, ...] = ()

    def find(self, which=shutil.which) -> Toolchain | None:
        tools = [which(t) for t in (self.cc, self.ld, self.objcopy)]
        if not all(tools):
            return None
        return Toolchain([tools[0], *self.cc_flags], [tools[1], *self.ld_flags], tools[2],
                         f"{self.cc} ({', '.join(self.packages)})")


CANDIDATES = {
    "arm64": [
        Candidate(["gcc-aarch64-linux-gnu", "binutils-aarch64-linux-gnu"],
                  "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ld", "aarch64-linux-gnu-objcopy",
                  ld_flags=("--no-warn-rwx-segments",)),    # one flat segment is the point
        Candidate(["clang", "lld", "llvm"], "clang", "ld.lld", "llvm-objcopy",
                  ("--target=aarch64-none-elf",)),
    ],
    "x86_64": [
        Candidate(["gcc", "binutils"], "gcc", "ld", "objcopy",
                  ld_flags=("--no-warn-rwx-segments", "-z", "max-page-size=0x1000", "-z", "noexecstack")),
        Candidate(["clang", "lld", "llvm"], "clang", "ld.lld", "llvm-objcopy",
                  ("--target=x86_64-none-elf",), ("-z", "max-page-size=0x1000")),
    ],
}


def preferred_packages(arch: str) -> list[str]:
    return CANDIDATES[arch][0].packages


def find_toolchain(arch: str, which=shutil.which) -> Toolchain:
    if arch not in CANDIDATES:
        raise HarnessError(f"no toolchain known for architecture '{arch}'")
    for candidate in CANDIDATES[arch]:
        found = candidate.find(which)
        if found:
            return found
    first = CANDIDATES[arch][0]
    raise HarnessError(f"no {arch} cross compiler found: install {' '.join(first.packages)} "
                       f"(apt-get install {' '.join(first.packages)}), or run `./lab setup`")
