"""Building a target: render the generated sources (config header, linker
scripts, per-scenario VM tables), write build.ninja, and let ninja compile.

Ninja reads the compiler's depfiles, so a no-op rebuild does nothing and a
changed header rebuilds exactly the objects that include it.

Layout under build/<target>/:
  gen/               config.h, hv.ld, guest.ld
  obj/               hypervisor and guest-library objects
  guests/NAME.bin    each guest program, a flat binary loaded into VM RAM
  scenarios/NAME/    vmconfig.c, images.S and hv.elf; for a PC target also
                     hv.elf32 and hv.iso, the GRUB image the BIOS boots
  linux/             QEMU's own DTB (dumpdtb) and each Linux VM's DTB derived
                     from it (harness/linux.py); the kernel and initramfs
                     themselves are downloads/linux-arm64/'s (`./lab prepare-linux`)
"""
import io
import os
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

from ninja import ninja_syntax

from . import BUILD, ROOT, HarnessError
from .scenario import Scenario
from .target import Target
from .lock import exclusive
from .templates import render, write_if_changed
from .toolchain import find_toolchain
from . import linux

MiB = 1 << 20
KERNEL_STACK_SIZE = 0x10000     # a raw-binary kernel's stack, above its .bss

COMMON_CFLAGS = ["-std=gnu11", "-O2", "-g", "-Wall", "-Wextra", "-Werror=implicit-function-declaration",
                 "-ffreestanding",
                 "-fno-stack-protector", "-fno-pic", "-fno-pie", "-nostdinc",
                 "-fno-asynchronous-unwind-tables"]


def ninja_binary() -> str:
    try:
        import ninja
        return str(Path(ninja.BIN_DIR) / "ninja")
    except ImportError:
        found = shutil.which("ninja")
        if not found:
            raise HarnessError("ninja not found: pip install ninja (or run ./lab setup)")
        return found


def rel(path: Path) -> str:
    return os.path.relpath(path, ROOT)


VMCS_FIELD_FILE = ROOT / "arch_x86_64" / "vmx" / "vmcs_fields.toml"
VMCS_WIDTHS = {"16": 0, "64": 1, "32": 2, "natural": 3}
VMCS_TYPES = {"control": 0, "exit-information": 1, "guest-state": 2, "host-state": 3}


def vmcs_fields() -> list[dict]:
    """The VMCS field table, each field with its encoding (SDM Appendix B)."""
    fields = []
    for name, f in tomllib.loads(VMCS_FIELD_FILE.read_text()).items():
        if f["width"] not in VMCS_WIDTHS or f["type"] not in VMCS_TYPES:
            raise HarnessError(f"{rel(VMCS_FIELD_FILE)}: {name}: unknown width or type")
        fields.append(dict(name=name, index=f["index"],
                           width_name=f["width"].upper(),
                           type_name=f["type"].upper().replace("-", "_"),
                           encoding=VMCS_WIDTHS[f["width"]] << 13 | VMCS_TYPES[f["type"]] << 10
                           | f["index"] << 1))
    return fields


def reservation_of(s: Scenario, vm: str) -> dict:
    """A VM's reservation for vmconfig.c: the period and one budget per vCPU
    (scenario.check_realtime has checked them)."""
    r = s.reservation.get(vm)
    if r is None:
        return dict(period_us=0, budget_us=[])
    budgets = r["budget_us"]
    return dict(period_us=r["period_us"],
                budget_us=budgets if isinstance(budgets, list) else [budgets] * s.vcpus.get(vm, 1))


class Build:
    def __init__(self, target: Target, build_dir: Path | None = None):
        self.target = target
        self.arch = target.arch
        self.dir = build_dir or BUILD / target.name
        self.gen = self.dir / "gen"

    # -- what to compile ---------------------------------------------------
    def hv_sources(self) -> list[Path]:
        arch_dir = ROOT / f"arch_{self.arch}"
        return sorted((ROOT / "hv").glob("*.c")) + sorted(arch_dir.rglob("*.c")) + \
            sorted(arch_dir.rglob("*.S"))

    def guest_lib_sources(self) -> list[Path]:
        return sorted((ROOT / "guests" / "lib").glob("*.c")) + \
            [ROOT / "hv" / "format.c", ROOT / "hv" / "string.c"] + \
            sorted((ROOT / "guests" / self.arch / "lib").glob("*.[cS]"))

    def kernel_sources(self) -> list[Path]:
        """Raw-binary kernels (guests/<arch>/kernels/NAME.c): booted with
        `--kernel`, as QEMU boots a file with no Image header."""
        return sorted((ROOT / "guests" / self.arch / "kernels").glob("*.c"))

    def kernel_binary(self, name: str) -> Path:
        return self.dir / "kernels" / f"{name}.bin"

    def guest_drivers(self, program: Path) -> list[Path]:
        """guests/lib/drivers/NAME.c, for a guest whose source includes NAME.h:
        only the guests that use a driver carry its code (the others' images,
        and the addresses they print, stay as they were)."""
        text = program.read_text()
        return [d for d in sorted((ROOT / "guests" / "lib" / "drivers").glob("*.c"))
                if f'#include "{d.stem}.h"' in text]

    def guest_program(self, guest: str) -> Path:
        for path in (ROOT / "guests" / self.arch / f"{guest}.c", ROOT / "guests" / f"{guest}.c"):
            if path.exists():
                return path
        raise HarnessError(f"no guest program '{guest}': expected guests/{self.arch}/{guest}.c "
                           f"or guests/{guest}.c")

    @property
    def image_kind(self) -> str:
        """"elf": the emulator loads hv.elf itself; "iso": a PC BIOS boots
        GRUB from a CD image, and GRUB loads the hypervisor (Multiboot)."""
        return self.target.toolchain.get("image", "elf")

    def elf(self, scenario: str) -> Path:
        return self.dir / "scenarios" / scenario / "hv.elf"

    def image(self, scenario: str) -> Path:
        return self.elf(scenario).with_suffix(".iso" if self.image_kind == "iso" else ".elf")

    def outputs(self, s: Scenario) -> list[Path]:
        """What booting scenario `s` needs built: the hypervisor image, or for
        a VMM target (image "guests") only the guest binaries it loads."""
        if self.image_kind == "guests":
            return [self.guest_binary(g) for g in s.vms.values()]
        return [self.image(s.name)]

    def guest_binary(self, guest: str) -> Path:
        return self.dir / "guests" / f"{guest}.bin"

    # -- the Linux guest: a kernel Image, its initramfs and a derived DTB ---------
    def linux_vm(self, s: Scenario, vm: str) -> dict:
        """Where a Linux VM's blobs go in its RAM: the DTB in the top 2 MiB,
        the initramfs right below it (the kernel's own place comes from its
        Image header, in hv/vm.c)."""
        g = self.target.guest
        ram_size = s.ram_mib.get(vm, g["ram_size"] // MiB) * MiB
        kernel, initrd = linux.scenario_files(s, self.dir / "linux")
        initrd_size = initrd.stat().st_size
        initrd_gpa, dtb_gpa = linux.blob_layout(g["ram_base"], ram_size, initrd_size)
        dtb = self.dir / "linux" / f"{s.name}-{vm}.dtb"
        board = self.dir / "linux" / linux.DTB_DUMP_NAME.format(
            machine=self.target.emulator["machine"], cpus=s.cpus)
        if not board.exists():
            board.parent.mkdir(parents=True, exist_ok=True)
            linux.dump_board_dtb(self.target, board, s.cpus)
        blob = linux.guest_dtb(board.read_bytes(), g["ram_base"], ram_size,
                               (initrd_gpa, initrd_gpa + initrd_size) if initrd_size else None,
                               linux.DEFAULT_BOOTARGS if s.append is None else s.append)
        if not dtb.exists() or dtb.read_bytes() != blob:     # untouched: no relink
            dtb.write_bytes(blob)
        return dict(ram_size=ram_size, kernel=rel(kernel), initrd=rel(initrd),
                    dtb=rel(dtb), initrd_gpa=initrd_gpa, dtb_gpa=dtb_gpa)

    def vm_entries(self, s: Scenario) -> list[dict]:
        entries = []
        for vm, guest in s.vms.items():
            entry = dict(name=vm, guest=guest, from_reset=vm in s.from_reset,
                         unbacked=s.unbacked.get(vm, "kvm" if guest == linux.GUEST else "stop"),
                         irqchip=vm in s.irqchip or (guest == linux.GUEST and len(s.vms) > 1),
                         vcpu_count=s.vcpus.get(vm, 1),
                         ram_size=s.ram_mib.get(vm, self.target.guest["ram_size"] // MiB) * MiB,
                         params=s.params.get(vm, []), **reservation_of(s, vm))
            if guest == linux.GUEST:
                entry.update(self.linux_vm(s, vm), image=None)
            else:
                entry["image"] = rel(self.guest_binary(guest))
            entries.append(entry)
        return entries

    # -- generated files ----------------------------------------------------
    def render_generated(self, scenarios: list[Scenario]) -> None:
        t = self.target
        values = dict(target=t, platform=t.platform, guest=t.guest)
        write_if_changed(self.gen / "config.h", render("config.h.j2", **values))
        write_if_changed(self.gen / "hv.ld", render(f"{self.arch}/hv.ld.j2", **values))
        write_if_changed(self.gen / "guest.ld", render(f"{self.arch}/guest.ld.j2", **values))
        if self.kernel_sources():
            write_if_changed(self.gen / "kernel.ld", render(
                f"{self.arch}/kernel.ld.j2", kernel_offset=linux.RAW_LOAD_OFFSET,
                kernel_stack=KERNEL_STACK_SIZE, **values))
        if self.arch == "x86_64":
            write_if_changed(self.gen / "vmcs_fields.h",
                             render("x86_64/vmcs_fields.h.j2", fields=vmcs_fields()))
        for s in scenarios:
            vms = self.vm_entries(s)
            out = self.dir / "scenarios" / s.name
            write_if_changed(out / "vmconfig.c", render("vmconfig.c.j2", scenario=s, vms=vms))
            write_if_changed(out / "images.S", render("images.S.j2", scenario=s, vms=vms))
            if self.image_kind == "iso":
                write_if_changed(out / "grub.cfg", render(f"{self.arch}/grub.cfg.j2", scenario=s))

    # -- build.ninja --------------------------------------------------------
    def ninja_text(self, scenarios: list[Scenario]) -> str:
        tc = find_toolchain(self.arch)
        # The checkout's path stays out of the objects (debug info names the
        # sources relative to it): every clone builds the same image bytes.
        cflags = COMMON_CFLAGS + self.target.toolchain.get("cflags", []) + \
            [shlex.quote(f"-ffile-prefix-map={ROOT}=.")]
        sysinc = subprocess.run([*tc.cc, "-print-file-name=include"], capture_output=True,
                                text=True).stdout.strip()
        hv_inc = ["-Ihv", f"-Iarch_{self.arch}", f"-I{rel(self.gen)}", f"-isystem{sysinc}"]
        guest_inc = ["-Iguests/lib", "-Iguests/lib/drivers", f"-Iguests/{self.arch}/lib", "-Ihv",
                     f"-I{rel(self.gen)}", f"-isystem{sysinc}"]
        text = io.StringIO()
        w = ninja_syntax.Writer(text, width=100)
        w.comment(f"Generated by harness/build.py for target {self.target.name}: do not edit.")
        for name, value in [("builddir", rel(self.dir)), ("cc", tc.cc), ("ld", tc.ld),
                            ("objcopy", tc.objcopy), ("cflags", cflags),
                            ("hv_inc", hv_inc), ("guest_inc", guest_inc)]:
            w.variable(name, value)
        w.newline()
        w.rule("cc", "$cc $cflags $inc -MMD -MF $out.d -c $in -o $out", description="CC $out",
               depfile="$out.d", deps="gcc")
        w.rule("link", "$ld -nostdlib -static --no-dynamic-linker --build-id=none "
               "-T $script -o $out $in", description="LD $out")
        w.rule("flat", "$objcopy -O binary $in $out", description="BIN $out")
        # Multiboot v1 loaders want ELF32; the 64-bit code inside is unchanged.
        w.rule("elf32", "$objcopy -O elf32-i386 $in $out", description="ELF32 $out")
        # Only the GRUB modules this boot needs: the ISO stays under 1 MiB.
        w.rule("iso", "rm -rf $out.root && mkdir -p $out.root/boot/grub && "
               "cp $elf32 $out.root/boot/hv.elf32 && cp $cfg $out.root/boot/grub/grub.cfg && "
               "grub-mkrescue --install-modules='normal multiboot boot configfile' "
               "--locales= --fonts= --themes= -o $out $out.root > $out.log 2>&1 "
               "|| { cat $out.log; exit 1; }", description="ISO $out")
        w.newline()

        def compile_(src: Path, obj_dir: Path, inc: str, implicit: list[str] = ()) -> str:
            obj = rel(obj_dir / (rel(src).replace("/", "_") + ".o"))
            w.build(obj, "cc", rel(src), implicit=list(implicit), variables={"inc": f"${inc}"})
            return obj

        hv_objs = [compile_(s, self.dir / "obj", "hv_inc") for s in self.hv_sources()]
        lib_objs = [compile_(s, self.dir / "obj" / "guestlib", "guest_inc")
                    for s in self.guest_lib_sources()]
        guest_ld = rel(self.gen / "guest.ld")
        hv_ld = rel(self.gen / "hv.ld")
        guests = sorted({g for s in scenarios for g in s.vms.values()} - {linux.GUEST})
        driver_objs = {}
        for g in guests:
            program = self.guest_program(g)
            companion = program.with_suffix(".S")      # a guest's own assembly, if any
            objs = [compile_(src, self.dir / "obj" / "guests", "guest_inc")
                    for src in [program] + ([companion] if companion.exists() else [])]
            for d in self.guest_drivers(program):        # each compiled once, for all
                if d not in driver_objs:
                    driver_objs[d] = compile_(d, self.dir / "obj" / "guestlib", "guest_inc")
                objs.append(driver_objs[d])
            elf = rel(self.dir / "guests" / f"{g}.elf")
            w.build(elf, "link", objs + lib_objs, implicit=[guest_ld],
                    variables={"script": guest_ld})
            w.build(rel(self.guest_binary(g)), "flat", elf)
        kernel_ld = rel(self.gen / "kernel.ld")
        kernel_lib = [o for src, o in zip(self.guest_lib_sources(), lib_objs)
                      if src.name != "crt0.S"]       # kernels have their own entry
        for src in self.kernel_sources():
            entry = compile_(src.with_name("entry.S"), self.dir / "obj" / "kernels", "guest_inc")
            obj = compile_(src, self.dir / "obj" / "kernels", "guest_inc")
            elf = rel(self.dir / "kernels" / f"{src.stem}.elf")
            w.build(elf, "link", [entry, obj] + kernel_lib, implicit=[kernel_ld],
                    variables={"script": kernel_ld})
            w.build(rel(self.kernel_binary(src.stem)), "flat", elf)
        for s in scenarios:
            out = self.dir / "scenarios" / s.name
            bins = [rel(self.guest_binary(g)) for g in s.vms.values() if g != linux.GUEST]
            if linux.GUEST in s.vms.values():
                bins += [f for e in self.vm_entries(s) if e["guest"] == linux.GUEST
                         for f in (e["kernel"], e["initrd"], e["dtb"])]
            objs = [compile_(out / "vmconfig.c", out, "hv_inc"),
                    compile_(out / "images.S", out, "hv_inc", bins)]
            elf = rel(self.elf(s.name))
            w.build(elf, "link", hv_objs + objs, implicit=[hv_ld], variables={"script": hv_ld})
            if self.image_kind == "iso":
                elf32, cfg = rel(out / "hv.elf32"), rel(out / "grub.cfg")
                w.build(elf32, "elf32", elf)
                w.build(rel(self.image(s.name)), "iso", implicit=[elf32, cfg],
                        variables={"elf32": elf32, "cfg": cfg})
        return text.getvalue()

    def configure(self, scenarios: list[Scenario]) -> Path:
        self.render_generated(scenarios)
        ninja_file = self.dir / "build.ninja"
        write_if_changed(ninja_file, self.ninja_text(scenarios))
        return ninja_file

    def run(self, scenarios: list[Scenario], echo=True) -> None:
        with exclusive(self.dir / ".lock"):      # one build of this folder at a time
            self._run(scenarios, echo)

    def _run(self, scenarios: list[Scenario], echo: bool) -> None:
        if linux.missing():            # without its files, a Linux scenario is not built
            scenarios = [s for s in scenarios
                         if linux.GUEST not in s.vms.values() or s.kernel]
        ninja_file = self.configure(scenarios)
        targets = sorted({rel(p) for s in scenarios for p in self.outputs(s)} |
                         {rel(self.kernel_binary(k.stem)) for k in self.kernel_sources()})
        cmd = [ninja_binary(), "-f", rel(ninja_file), *targets]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=not echo, text=True)
        if r.returncode != 0:
            detail = "" if echo else "\n" + (r.stdout + r.stderr)[-4000:]
            raise HarnessError(f"build of {self.target.name} failed (ninja exit {r.returncode})"
                               + detail)
