"""Unit tests of the harness itself: target files, template rendering, the
console matcher and its failure messages, the toolchain error, and the
benchmark arithmetic. No emulator is needed: a shell script plays one."""
import os
import time

import pytest

from harness import HarnessError, bench, console, deps, linux, toolchain
from harness.scenario import Scenario, parse_scenarios
from harness.target import Launch, load_target, parse_target, target_names
from harness.templates import render

MINIMAL_TARGET = """
description = "test"
arch = "arm64"
default_guest = "hello"
toolchain = {}
platform = { max_cpus = 8, ram_base = 0x40000000, ram_size = 0x20000000, hv_base = 0x40200000, uart_base = 0x9000000, stack_size = 0x4000, gicd_base = 0x8000000, gicr_base = 0x80a0000 }
guest = { ram_base = 0x40000000, ram_size = 0x200000, ram_align = 0x200000, image_offset = 0, uart_base = 0x9000000, demo_base = 0xa000000, max_vms = 4, time_slice_us = 2000 }
[emulator]
kind = "qemu"
binary = "qemu-system-aarch64"
machine = "virt"
machine_options = { virtualization = "on", gic-version = "3" }
cpu = "cortex-a57"
memory = "512M"
smp = 1
accel = "tcg"
"""


# -- target files and templates ---------------------------------------------

def test_target_file_parses_and_renders_a_command_line():
    t = parse_target("t", MINIMAL_TARGET)
    argv = t.command("hv.elf")
    assert argv[:2] == ["qemu-system-aarch64", "-nodefaults"]
    assert argv[argv.index("-machine") + 1] == "virt,virtualization=on,gic-version=3"
    assert argv[argv.index("-cpu") + 1] == "cortex-a57"
    assert argv[-2:] == ["-kernel", "hv.elf"]
    assert "-S" not in argv


def test_command_line_with_a_gdb_stub():
    argv = parse_target("t", MINIMAL_TARGET).command("hv.elf", gdb_port=4321)
    assert argv[argv.index("-gdb") + 1] == "tcp:127.0.0.1:4321"
    assert "-S" in argv


def test_a_software_emulated_clock_counts_instructions():
    """Under TCG every run is driven by -icount shift=0,sleep=off: when a
    timer preempts a guest is the same on every host; KVM has no such mode."""
    argv = parse_target("t", MINIMAL_TARGET).command("hv.elf")
    assert argv[argv.index("-icount") + 1] == "shift=0,sleep=off"
    kvm = parse_target("t", MINIMAL_TARGET.replace('accel = "tcg"', 'accel = "kvm"'))
    assert "-icount" not in kvm.command("hv.elf")


def all_qemu_command_lines():
    """Every command line the harness renders for every QEMU target: boot,
    SMP boot, the gdb stub, the device-tree dump, and the bare Linux boot."""
    for name in target_names(with_variants=True):
        t = load_target(name)
        if t.emulator["kind"] != "qemu":
            continue
        for label, argv in [("boot", t.command("hv.elf", monitor="m.sock")),
                            ("smp", t.command("hv.iso", cpus=2)),
                            ("gdb", t.command("hv.elf", gdb_port=1234)),
                            ("dumpdtb", t.command(None, dumpdtb="board.dtb"))]:
            yield f"{name} {label}", argv


def test_no_qemu_command_line_relies_on_default_devices():
    """-nodefaults right after the binary: QEMU adds no NIC (whose option ROM
    a minimal Debian lacks), VGA, floppy or parallel port of its own, and
    each device a run uses is named on the line."""
    seen = 0
    for where, argv in all_qemu_command_lines():
        assert argv[1] == "-nodefaults", f"{where}: {argv}"
        seen += 1
    assert seen >= 4 * 5            # arm64, svm, trap-emulate, the KVM targets, shadow builds


def test_every_tcg_command_line_counts_instructions():
    """... and its real-time clock starts at a fixed date and follows the
    virtual clock: a kernel reading it runs the same instructions each time."""
    for where, argv in all_qemu_command_lines():
        if argv[argv.index("-accel") + 1] == "tcg":
            assert argv[argv.index("-icount") + 1] == "shift=0,sleep=off", where
            assert argv[argv.index("-rtc") + 1] == "base=2000-01-01T00:00:00,clock=vm", where


def test_target_file_missing_keys_are_named():
    text = MINIMAL_TARGET.replace('cpu = "cortex-a57"\n', "")
    with pytest.raises(HarnessError, match=r"^t: \[emulator\] cpu: required for this target "
                                           r"\(arch arm64, emulator qemu\)$"):
        parse_target("t", text)
    with pytest.raises(HarnessError, match=r"^t: default_guest: Field required$"):
        parse_target("t", MINIMAL_TARGET.replace('default_guest = "hello"\n', ""))


def test_target_file_unknown_key_and_bad_toml():
    with pytest.raises(HarnessError, match=r"^t: colour: unknown key \(got 'blue'\)$"):
        parse_target("t", 'colour = "blue"\n' + MINIMAL_TARGET)
    with pytest.raises(HarnessError, match=r"^t: \[emulator\] cpuu: unknown key"):
        parse_target("t", MINIMAL_TARGET.replace("cpu =", "cpuu ="))
    with pytest.raises(HarnessError, match="not valid TOML"):
        parse_target("t", "arch = ")


@pytest.mark.parametrize(("change", "message"), [
    (("smp = 1", 'smp = "one"'), r"\[emulator\] smp: Input should be a valid integer \(got 'one'\)"),
    (("smp = 1", "smp = 0"), r"\[emulator\] smp: Input should be greater than 0"),
    (('accel = "tcg"', 'accel = "fast"'), r"\[emulator\] accel: Input should be 'tcg', 'kvm' or 'none'"),
    (("gicd_base = 0x8000000, ", ""), r"\[platform\] gicd_base: required for this target \(arch arm64"),
    (("max_vms = 4", "max_vms = 4.5"), r"\[guest\] max_vms: Input should be a valid integer"),
])
def test_target_file_values_are_checked_in_one_line(change, message):
    with pytest.raises(HarnessError, match="^t: " + message) as e:
        parse_target("t", MINIMAL_TARGET.replace(*change))
    assert "\n" not in str(e.value)


def test_unknown_target_lists_the_known_ones():
    with pytest.raises(HarnessError, match="unknown target 'nope'.*arm64"):
        load_target("nope")


def test_config_header_renders_the_memory_map_in_hex():
    t = load_target("arm64")
    text = render("config.h.j2", target=t, platform=t.platform, guest=t.guest)
    assert "#define GUEST_RAM_SIZE\t\t0x200000ULL" in text
    assert "#define PLATFORM_GICD_BASE\t0x8000000ULL" in text


def test_config_header_names_a_forced_x86_back_end():
    te, svm = load_target("trap-emulate"), load_target("svm")
    text = render("config.h.j2", target=te, platform=te.platform, guest=te.guest)
    assert "#define PLATFORM_BACKEND_TRAP_EMULATE\t1" in text
    assert "PLATFORM_BACKEND_" not in render("config.h.j2", target=svm, platform=svm.platform,
                                             guest=svm.guest)


def test_template_with_a_missing_value_is_an_error():
    with pytest.raises(Exception, match="has no attribute .max_vms."):
        render("config.h.j2", target=load_target("arm64"), platform={}, guest={})


# -- scenarios --------------------------------------------------------------

def test_scenario_naming_an_unknown_vm_is_rejected():
    with pytest.raises(HarnessError, match="names no such VM: pong"):
        parse_scenarios('[s]\nvms = { ping = "hello" }\nexpect.pong = ["x"]\n')


def test_scenario_with_a_bad_regex_is_rejected():
    with pytest.raises(HarnessError, match="bad pattern"):
        parse_scenarios('[s]\nvms = { a = "hello" }\nexpect.a = ["re:("]\n')


@pytest.mark.parametrize(("toml", "message"), [
    ('[s]\nvms = { a = "hello" }\nexpect.a = "Hello"\n',
     r"\[s\] expect\.a: Input should be a valid list \(got 'Hello'\)"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\ntimeout = "sixty"\n',
     r"\[s\] timeout: Input should be a valid number \(got 'sixty'\)"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\ntimeuot = 5\n', r"\[s\] timeuot: unknown key"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\n[s.on.arm64]\nskipp = "no"\n',
     r"\[s\.on\.arm64\] skipp: unknown key"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\n[s.on.vmx]\ntimeout = -1\n',
     r"\[s\.on\.vmx\] timeout: Input should be greater than 0"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\n[s.on.arm46]\ntimeout = 1\n',
     r"\[s\] on\.arm46: 'arm46' is no architecture, target or 'shadow'"),
    ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\nmin_exits.a = { timre = 5 }\n',
     r"\[s\] min_exits\.a\.timre: no such exit kind"),
    ('[s]\nvms = {}\nexpect.a = ["x"]\n', r"\[s\] vms: Dictionary should have at least 1 item"),
    ('[s]\nvms = { a = "hello" }\n', r"\[s\] expect: Field required"),
])
def test_scenario_file_problems_are_one_line_naming_table_and_key(toml, message):
    with pytest.raises(HarnessError, match="^scenarios: " + message) as e:
        parse_scenarios(toml)
    assert "\n" not in str(e.value)


def scenario(**kw):
    base = dict(name="demo", description="", vms={"a": "hello"}, expect={"a": ["one", "two"]},
                forbid=["FAIL:"], timeout=5)
    base.update(kw)
    return Scenario(**base)


# -- the console matcher ----------------------------------------------------

def test_matcher_follows_each_stream_in_order():
    m = console.Matcher(scenario(expect={"a": ["one", "two"], "hv": ["re:done \\d"]}))
    for line in ["[a] two", "[a] one", "hv: done 7", "[b] two", "[a] two"]:
        assert m.feed(line) is None
    assert m.done()


def test_matcher_reports_forbidden_lines_and_what_it_awaits():
    m = console.Matcher(scenario())
    assert m.feed("[a] one") is None
    assert m.feed("[a] FAIL: something") == "FAIL:"
    assert m.awaiting() == "[a] 'two' (1 of 2 seen)"


def fake_emulator(script: str, status: int = 0) -> Launch:
    return Launch(["sh", "-c", script], exit_status=status)


def test_console_failure_names_the_pattern_the_tail_and_the_log(tmp_path):
    log = tmp_path / "run.log"
    with pytest.raises(console.ConsoleFailure) as e:
        console.run(fake_emulator("for i in $(seq 1 50); do echo line $i; done; echo '[a] one'"),
                    scenario(), log)
    msg = str(e.value)
    assert "the emulator exited (status 0) while waiting for [a] 'two' (1 of 2 seen)" in msg
    assert "last 40 console lines" in msg and "line 50" in msg and "line 10\n" not in msg
    assert f"full log: {log}" in msg
    assert "line 50" in log.read_text()


def test_console_timeout_kills_the_emulator(tmp_path):
    pidfile = tmp_path / "pid"
    start = time.monotonic()
    with pytest.raises(console.ConsoleFailure, match=r"timed out after 1 s waiting for \[a\] 'one'"):
        console.run(fake_emulator(f"echo $$ > {pidfile}; echo booting; exec sleep 60"),
                    scenario(timeout=1), tmp_path / "run.log")
    assert time.monotonic() - start < 10
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_console_reports_a_guest_that_stops_printing(tmp_path):
    start = time.monotonic()
    with pytest.raises(console.ConsoleFailure,
                       match=r"stopped printing: no console line for 1 s") as e:
        console.run(fake_emulator("echo '[a] one'; exec sleep 60"),
                    scenario(timeout=30, silence=1), tmp_path / "run.log")
    assert "[a] one" in str(e.value)
    assert time.monotonic() - start < 10


def test_console_gives_an_interactive_scenario_its_session(tmp_path):
    def session(child):
        child.sendline("hello")
        child.expect_exact("got hello")
        return "typed"
    result = console.run(fake_emulator("echo '[a] one'; echo '[a] two'; read x; echo got $x"),
                         scenario(interactive=True), tmp_path / "run.log", session=session)
    assert result.session == "typed"


def test_console_vm_owns_the_unprefixed_lines():
    m = console.Matcher(scenario(console_vm="a", expect={"a": ["re:^\\[ *0\\.0+\\] one"]}))
    assert m.feed("[    0.000000] one") is None
    assert m.done()


def test_console_forbidden_line_fails_at_once(tmp_path):
    with pytest.raises(console.ConsoleFailure, match="forbidden line 'FAIL:'"):
        console.run(fake_emulator("echo '[a] one'; echo '[a] FAIL: x'; echo '[a] two'"),
                    scenario(), tmp_path / "run.log")


def test_console_nonzero_exit_status_fails(tmp_path):
    with pytest.raises(console.ConsoleFailure, match="exited with status 3, expected 0"):
        console.run(fake_emulator("echo '[a] one'; echo '[a] two'; exit 3"),
                    scenario(), tmp_path / "run.log")


def test_console_passes_a_complete_run(tmp_path):
    result = console.run(fake_emulator("echo '[a] one'; echo '[a] two'"), scenario(),
                         tmp_path / "run.log")
    assert result.lines == ["[a] one", "[a] two"] and result.exit_status == 0


STATS = ["hv: exit statistics",
         "hv:   vm     hypercall  mmio  timer  total",
         "hv:   ping           1    10      2     13",
         "hv:   pong           1    10      9     20"]


def test_exit_statistics_and_minimum_counts():
    assert console.exit_statistics(STATS)["pong"]["timer"] == 9
    s = scenario(vms={"ping": "x", "pong": "x"}, expect={}, min_exits={"ping": {"timer": 5}})
    assert console.check_transcript(s, STATS) == "vm 'ping' made 2 'timer' exits, expected at least 5"


def test_interleaving_check_catches_run_to_completion():
    s = scenario(vms={"p": "x", "q": "x"}, expect={}, interleaved=["p", "q"])
    serial = ["[p] 1", "[p] 2", "[q] 1", "[q] 2"]
    assert "alternated only 1 time" in console.check_transcript(s, serial)
    assert console.check_transcript(s, ["[p] 1", "[q] 1", "[p] 2", "[q] 2"]) is None


# -- tools ------------------------------------------------------------------

def test_missing_toolchain_names_the_package():
    with pytest.raises(HarnessError) as e:
        toolchain.find_toolchain("arm64", which=lambda program: None)
    assert "no arm64 cross compiler found: install gcc-aarch64-linux-gnu" in str(e.value)


def test_clang_is_the_fallback_toolchain():
    have = {"clang", "ld.lld", "llvm-objcopy"}
    tc = toolchain.find_toolchain("arm64", which=lambda p: f"/usr/bin/{p}" if p in have else None)
    assert tc.cc == ["/usr/bin/clang", "--target=aarch64-none-elf"]


def test_missing_packages_without_root_prints_the_command(monkeypatch):
    monkeypatch.setattr(deps, "missing_packages", lambda pkgs: ["qemu-system-arm"])
    monkeypatch.setattr(deps.os, "geteuid", lambda: 1000)
    with pytest.raises(HarnessError, match="run `sudo apt-get update && sudo apt-get install -y "
                                           "--no-install-recommends qemu-system-arm`"):
        deps.ensure_packages(["qemu-system-arm"])


# -- benchmark arithmetic ---------------------------------------------------

def test_bench_converts_ticks_to_instructions_minus_the_loop():
    lines = ["[bench] BENCH: boot_to_guest ticks=625 iterations=1 freq=62500000",
             "[bench] BENCH: hypercall_roundtrip ticks=100000 iterations=10000 freq=62500000",
             "[bench] BENCH: mmio_roundtrip ticks=150000 iterations=10000 freq=62500000",
             "[bench] BENCH: empty_loop ticks=10000 iterations=10000 freq=62500000"]
    m = bench.guest_metrics(bench.parse_bench_lines(lines))
    assert m["boot_to_guest"] == {"value": 10000, "unit": "instructions"}
    assert m["hypercall_roundtrip"]["value"] == 144.0     # (100000-10000)/10000 ticks * 16 ns
    assert m["mmio_roundtrip"]["value"] == 224.0


def test_each_linux_vm_has_its_own_init_time():
    """linux_boot_ratio_2vm reads each VM's "Run /init" from its own lines."""
    lines = ["[alpha] [    0.100000] Booting Linux", "[beta] [    1.567000] Run /init as init process",
             "[alpha] [    1.563000] Run /init as init process", "hv: all VMs stopped"]
    assert bench.init_times(lines, ["alpha", "beta"]) == [1.563, 1.567]
    with pytest.raises(HarnessError, match="Linux VM gamma: the kernel never printed"):
        bench.init_times(lines, ["gamma"])


def test_bench_missing_lines_is_an_error():
    with pytest.raises(HarnessError, match="did not report"):
        bench.guest_metrics({})


def test_console_reads_a_serial_file_like_bochs_com1(tmp_path):
    """Bochs writes COM1 to a file while its own screen goes to the pty."""
    serial = tmp_path / "serial.log"
    script = (f"echo screen noise; printf '[a] one\\n[a] tw' > {serial}; sleep 0.3; "
              f"printf 'o\\n' >> {serial}; echo more noise; exit 1")
    launch = Launch(["sh", "-c", script], serial_file=serial, exit_status=1)
    result = console.run(launch, scenario(), tmp_path / "run.log")
    assert result.lines == ["[a] one", "[a] two"]
    console_part = (tmp_path / "run.log").read_text().split("\n", 1)[1]   # after the command
    assert "noise" not in console_part and "[a] two" in console_part


def test_scenario_overrides_for_one_architecture():
    text = ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\nexpect.hv = ["generic"]\n'
            '[s.on.x86_64]\nexpect.hv = ["EPT violation"]\nmin_exits.a = { pio = 1 }\n')
    assert parse_scenarios(text)["s"].expect["hv"] == ["generic"]
    x86 = parse_scenarios(text, arch="x86_64")["s"]
    assert x86.expect == {"a": ["x"], "hv": ["EPT violation"]} and x86.min_exits == {"a": {"pio": 1}}


def test_scenario_may_allow_a_default_forbidden_line_but_no_other():
    spec = '[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\nallow = ["%s"]\n'
    assert "stopped: unhandled" not in parse_scenarios(spec % "stopped: unhandled")["s"].forbid
    assert "FAIL:" in parse_scenarios(spec % "stopped: unhandled")["s"].forbid
    with pytest.raises(HarnessError, match="not a default forbidden line"):
        parse_scenarios(spec % "anything")


def test_vmcs_field_table_computes_the_sdm_encodings():
    from harness.build import vmcs_fields
    enc = {f["name"]: f["encoding"] for f in vmcs_fields()}
    assert enc["EXIT_QUALIFICATION"] == 0x6400      # natural width, exit information
    assert enc["HOST_RIP"] == 0x6c16                # natural width, host state, index 11
    assert enc["EPT_POINTER"] == 0x201a             # 64-bit control
    assert enc["GUEST_CS_ACCESS_RIGHTS"] == 0x4816  # 32-bit guest state


def test_scenario_overrides_for_one_target_win_over_its_architecture():
    text = ('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\nexpect.hv = ["generic"]\n'
            '[s.on.x86_64]\nexpect.hv = ["EPT violation"]\n'
            '[s.on.trap-emulate]\nexpect.a = ["FAIL: y"]\nexpect.hv = ["#PF"]\nallow = ["FAIL:"]\n'
            '[s.on.svm]\nskip = "not here"\n')
    vmx = parse_scenarios(text, arch="x86_64", target="vmx")["s"]
    assert vmx.expect == {"a": ["x"], "hv": ["EPT violation"]} and "FAIL:" in vmx.forbid
    te = parse_scenarios(text, arch="x86_64", target="trap-emulate")["s"]
    assert te.expect == {"a": ["FAIL: y"], "hv": ["#PF"]} and "FAIL:" not in te.forbid
    assert te.skip is None
    assert parse_scenarios(text, arch="x86_64", target="svm")["s"].skip == "not here"


def test_arches_may_name_a_target():
    s = parse_scenarios('[s]\nvms = { a = "hello" }\nexpect.a = ["x"]\narches = ["svm"]\n')["s"]
    assert s.runs_on("x86_64", "svm") and not s.runs_on("x86_64", "vmx")


def test_shadow_paging_is_a_build_variant_of_the_hardware_x86_targets():
    shadow = load_target("vmx+shadow")
    assert shadow.name == "vmx+shadow" and shadow.platform["paging"] == "shadow"
    assert "#define PAGING_SHADOW\t\t1" in render("config.h.j2", target=shadow,
                                                  platform=shadow.platform, guest=shadow.guest)
    with pytest.raises(HarnessError, match="only 'nested' or, for the VT-x and AMD-V targets"):
        load_target("arm64").with_paging("shadow")
    with pytest.raises(HarnessError, match="paging mode 'lazy'"):
        load_target("vmx").with_paging("lazy")


def test_paging_lesson_table_reads_the_runs():
    run = {"target": "vmx", "mode": "shadow", "unit": "instructions", "guest_page_faults": 3,
           "cost_by_switches": [[0, 10], [400, 4000]], "exits": {"paging": 7, "total": 9},
           "total": 123456}
    table = bench.paging_table([run])
    assert "vmx     shadow        123456          4000          10          3  paging 7" in table


def test_console_checks_what_an_interactive_session_read(tmp_path):
    def session(child):
        child.expect_exact("$ ")
        child.sendline("crash")
        child.expect_exact("done")

    script = "echo '[a] one'; echo '[a] two'; printf '$ '; read x; echo 'FAIL: it broke'; echo done"
    with pytest.raises(console.ConsoleFailure, match="forbidden line 'FAIL:' appeared during the "
                                                     "session"):
        console.run(fake_emulator(script), scenario(interactive=True), tmp_path / "run.log",
                    session=session)


def test_the_first_prompt_waits_the_scenarios_own_limit():
    """A long-running guest reaches its shell late: the scenario's
    prompt_timeout is what the session waits for the first prompt."""
    from harness import lab

    class Child:
        timeouts = []

        def expect_exact(self, patterns, timeout):
            self.timeouts.append(timeout)
            return 1                                # the emulator ended: no shell

    assert lab.default_session(scenario(interactive=True, prompt_timeout=900))(Child()) == []
    assert Child.timeouts == [900]
    lab.default_session(scenario(interactive=True))(Child())
    assert Child.timeouts == [900, linux.SHELL_TIMEOUT]


def test_a_guest_with_no_shell_just_runs_to_its_end(tmp_path):
    """`boot --kernel` with no terminal: a program that prints and powers
    off without a prompt passes, and every line it printed is checked."""
    from harness import lab
    script = "echo '[a] one'; echo '[a] two'; echo 'PASS: it ran'; echo 'SUMMARY: 1 passed'"
    s = scenario(interactive=True, prompt_timeout=30)
    result = console.run(fake_emulator(script), s, tmp_path / "run.log",
                         session=lab.default_session(s))
    assert result.session == [] and "SUMMARY: 1 passed" in result.lines


# -- command-line input, checked before anything is built ---------------------

def test_numeric_options_are_one_line_errors():
    import tasks
    from invoke import Exit
    with pytest.raises(Exit, match=r"--smp abc: not a whole number"):
        tasks._number("--smp", "abc", 1)
    with pytest.raises(Exit, match=r"--port 70000: must be from 1 to 65535"):
        tasks._number("--port", "70000", 1, 65535)
    assert tasks._number("--smp", "2", 1) == 2


def test_kernel_and_smp_are_checked_before_building(tmp_path):
    """--kernel takes what QEMU boots as Linux: an arm64 Image, or a raw
    binary entered at its first byte; anything else is one line."""
    from harness import lab
    elf = tmp_path / "program.elf"
    elf.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(HarnessError, match=r"--kernel .*program.elf: an ELF file, which QEMU "
                                           r"would start at its ELF entry"):
        lab.boot("arm64", None, kernel=str(elf))
    with pytest.raises(HarnessError, match=r"--kernel .*nothing: no such file"):
        lab.boot("arm64", None, kernel=str(tmp_path / "nothing"))
    empty = tmp_path / "empty.bin"
    empty.touch()
    with pytest.raises(HarnessError, match=r"--kernel .*empty.bin: an empty file"):
        lab.boot("arm64", None, kernel=str(empty))
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(255 << 20)                      # sparse: 255 MiB of a 256 MiB VM
    with pytest.raises(HarnessError, match=r"--kernel .*big.bin: a raw binary of 267386880 bytes "
                                           r"at RAM offset 0x80000 does not fit below"):
        lab.boot("arm64", None, kernel=str(big), initrd=str(empty))
    with pytest.raises(HarnessError, match=r"--smp 99: the hypervisor runs at most 8 CPUs"):
        lab.boot("arm64", None, kernel="/etc/passwd", smp=99)


def test_kernel_placement_follows_qemus_loader():
    """hw/arm/boot.c: an Image header with image_size gives text_offset;
    image_size 0 (kernels before 3.17) or no header: RAM base + 0x80000."""
    header = bytearray(64)
    header[8:24] = (0x200000).to_bytes(8, "little") + (0x3000000).to_bytes(8, "little")
    header[56:60] = b"ARM\x64"
    assert linux.kernel_placement(bytes(header), 1 << 20) == ("arm64 Image", 0x200000, 0x3000000)
    header[16:24] = bytes(8)
    assert linux.kernel_placement(bytes(header), 1 << 20) == ("raw binary", 0x80000, 1 << 20)
    assert linux.kernel_placement(b"#!/bin/sh\n", 10) == ("raw binary", 0x80000, 10)


def test_an_empty_command_line_is_no_bootargs():
    """QEMU's `-append ""` sets no /chosen/bootargs; neither does the
    hypervisor's DTB for `--append ""` (None means the default)."""
    from vmm import fdt
    board = fdt.serialize(fdt.Node("", {"#address-cells": fdt.cells(2)}, [
        fdt.Node("memory@40000000"), fdt.Node("chosen", {"bootargs": fdt.string("old")})]))
    chosen = fdt.parse(linux.guest_dtb(board, 0x40000000, 1 << 28, None, "")).find("chosen")
    assert "bootargs" not in chosen.props
    chosen = fdt.parse(linux.guest_dtb(board, 0x40000000, 1 << 28, None, "a b")).find("chosen")
    assert chosen.string("bootargs") == "a b"


def test_a_gdb_port_in_use_is_refused_before_qemu_starts():
    import socket
    from harness import gdbstub
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HarnessError, match=f"--port {port}: something already listens"):
            gdbstub.claim_port(port)
    assert gdbstub.claim_port(None) > 0


def test_every_target_builds_without_kvm(monkeypatch):
    """Building never asks for the hardware booting needs: `./lab build`
    builds the KVM targets on any machine."""
    from harness import lab
    monkeypatch.setattr(lab, "REQUIREMENTS", {need: lambda: "no such hardware here"
                                              for need in lab.REQUIREMENTS})
    built = []
    monkeypatch.setattr(lab.Build, "run", lambda self, scenarios, echo=True: built.append(
        self.target.name))
    assert lab.build_all() == [] and "svm-kvm" in built and "vmx-kvm" in built


def test_bench_results_add_to_the_targets_file(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    bench.save("arm64", {"linux_boot_ratio": {"value": 0.96, "unit": "ratio"}})
    bench.save("arm64", {"hypercall_roundtrip": {"value": 154, "unit": "instructions"}})
    import json
    metrics = json.loads((tmp_path / "arm64.json").read_text())["metrics"]
    assert set(metrics) == {"linux_boot_ratio", "hypercall_roundtrip"}


def test_log_folders_per_run_with_latest(tmp_path, monkeypatch):
    from harness import logs
    monkeypatch.setattr(logs, "LOG_DIR", tmp_path)
    monkeypatch.setattr(logs, "LATEST", tmp_path / "latest")
    monkeypatch.delenv(logs.RUN_DIR_ENV, raising=False)
    run = logs.start("boot")
    assert run.parent == tmp_path and run.name.endswith("-boot")
    assert (tmp_path / "latest").resolve() == run.resolve()
    first, second = logs.new_log("arm64-hello"), logs.new_log("arm64-hello")
    assert (first.name, second.name) == ("arm64-hello.log", "arm64-hello-2.log")


def test_every_target_names_a_default_guest_it_can_boot():
    from harness.scenario import load_scenarios
    for name in target_names():
        t = load_target(name)
        scenario = load_scenarios(t.arch, name).get(t.default_guest)
        assert scenario is not None and not scenario.skip, name


def test_booting_a_target_whose_hardware_is_missing_says_so(monkeypatch):
    from harness import TargetUnavailable, lab
    monkeypatch.setattr(lab, "REQUIREMENTS", {need: lambda: "no such hardware here"
                                              for need in lab.REQUIREMENTS})
    with pytest.raises(TargetUnavailable, match="target svm-kvm: no such hardware here"):
        lab.boot("svm-kvm", "hello", echo=False)
