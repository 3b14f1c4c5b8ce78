"""Watching the serial console: start the emulator under pexpect, read it
line by line, and check each line against the scenario.

Each VM's lines ("[name] ...") and the hypervisor's ("hv: ...") form their
own stream; each stream must show its expected patterns in order, while the
streams may interleave freely, as VMs on one CPU do. A forbidden pattern on
any line fails the run at once. The run passes when every stream is complete
and the emulator has exited by itself with status 0. Whatever happens, the
emulator is killed before run() returns, and the whole console is kept in
a log file."""
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pexpect

from . import HarnessError
from .inspect import inspect
from .scenario import Scenario, compile_pattern
from .target import Launch

LINE_PREFIX = re.compile(r"^\[(?P<vm>[^\]]+)\] (?P<text>.*)$")
HV_PREFIX = "hv: "
TAIL_LINES = 40
EMULATOR_TAIL_LINES = 10
EXIT_GRACE = 10          # seconds the emulator may take to exit after the last line


class ConsoleFailure(HarnessError):
    """A run that did not show what the scenario expects."""

    def __init__(self, reason: str, lines: list[str], log: Path | None, extra: str = ""):
        tail = "\n".join("    " + line for line in lines[-TAIL_LINES:]) or "    (no output)"
        super().__init__(f"{reason}\n  last {min(len(lines), TAIL_LINES)} console lines:\n"
                         f"{tail}\n  full log: {log}{extra}")
        self.reason = reason


def split_line(line: str) -> tuple[str, str]:
    """(stream, text): the VM name and its text, "hv" for the hypervisor's
    own lines, "" for anything else (the emulator's own messages)."""
    m = LINE_PREFIX.match(line)
    if m:
        return m["vm"], m["text"]
    if line.startswith(HV_PREFIX):
        return "hv", line[len(HV_PREFIX):]
    return "", line


@dataclass
class Matcher:
    """The scenario's expectations, checked one console line at a time."""
    scenario: Scenario
    progress: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.expect = {s: [(p, compile_pattern(p)) for p in ps]
                       for s, ps in self.scenario.expect.items()}
        self.forbid = [(p, compile_pattern(p)) for p in self.scenario.forbid]
        self.progress = {s: 0 for s in self.expect}

    def feed(self, line: str) -> str | None:
        """Advance on `line`; return the forbidden pattern it shows, if any."""
        for text, rx in self.forbid:
            if rx.search(line):
                return text
        stream, text = split_line(line)
        if self.scenario.console_vm and stream not in self.expect:
            # the guest that writes the UART itself: anything not "hv: " is its own
            # (a kernel's "[    0.000000] " timestamp is no VM prefix)
            stream, text = self.scenario.console_vm, line
        patterns = self.expect.get(stream, [])
        i = self.progress.get(stream, 0)
        if i < len(patterns) and patterns[i][1].search(text):
            self.progress[stream] = i + 1
        return None

    def done(self) -> bool:
        return all(self.progress[s] == len(ps) for s, ps in self.expect.items())

    def awaiting(self) -> str:
        waits = [f"{'hv' if s == 'hv' else '[' + s + ']'} {ps[self.progress[s]][0]!r} "
                 f"({self.progress[s]} of {len(ps)} seen)"
                 for s, ps in self.expect.items() if self.progress[s] < len(ps)]
        return "; ".join(waits)


def exit_statistics(lines: list[str]) -> dict[str, dict[str, int]]:
    """The hypervisor's exit-statistics table: {vm: {kind: count}}."""
    stats, header = {}, None
    for line in lines:
        stream, text = split_line(line)
        if stream != "hv":
            continue
        words = text.split()
        if words[:1] == ["vm"] and "total" in words:
            header = words[1:]
        elif header and len(words) == len(header) + 1 and all(w.isdigit() for w in words[1:]):
            stats[words[0]] = dict(zip(header, map(int, words[1:])))
    return stats


def check_transcript(scenario: Scenario, lines: list[str]) -> str | None:
    """Checks on the whole run, after it ended: exit counts and interleaving.
    Returns what is wrong, or None."""
    stats = exit_statistics(lines)
    for vm, minimums in scenario.min_exits.items():
        for kind, least in minimums.items():
            seen = stats.get(vm, {}).get(kind)
            if seen is None:
                return f"no '{kind}' exit count for vm '{vm}' in the exit statistics"
            if seen < least:
                return f"vm '{vm}' made {seen} '{kind}' exits, expected at least {least}"
    if scenario.interleaved:
        order = [split_line(l)[0] for l in lines if split_line(l)[0] in scenario.interleaved]
        switches = sum(1 for a, b in zip(order, order[1:]) if a != b)
        if switches < 3:
            return (f"output of {', '.join(scenario.interleaved)} alternated only {switches} "
                    f"time(s): the VMs were not time-sliced")
    return None


class SessionFailure(Exception):
    """What an interactive session found wrong in the guest's answers."""


@dataclass
class Result:
    lines: list[str]
    log: Path
    exit_status: int
    session: object = None


class _Tee:
    """pexpect's logfile_read: write the console to the log (and the terminal)."""

    def __init__(self, log, echo: bool):
        self.log, self.echo = log, echo
        self.captured = None                # a list while a session reads the console

    def write(self, data: str | bytes):
        if isinstance(data, bytes):         # pexpect's interact() logs raw bytes
            data = data.decode("utf-8", "replace")
        self.log.write(data)
        if self.captured is not None:
            self.captured.append(data)
        if self.echo:
            sys.stdout.write(data)
            sys.stdout.flush()

    def flush(self):
        self.log.flush()


class _PtyLines:
    """Console lines from the emulator's own output (QEMU -serial stdio)."""

    def __init__(self, child, logfile, echo):
        self.child = child
        child.logfile_read = _Tee(logfile, echo)

    def next(self, timeout: float) -> tuple[str, str | None]:
        i = self.child.expect(["\r?\n", pexpect.EOF, pexpect.TIMEOUT], timeout=max(timeout, 0))
        if i == 0:
            return "line", self.child.before.rstrip("\r")
        if i == 1:
            rest = self.child.before.rstrip()
            return ("line", rest) if rest else ("eof", None)
        return "timeout", None


class _FileLines:
    """Console lines from a file the emulator writes (Bochs' COM1). The
    emulator's own screen output is drained and dropped meanwhile."""
    POLL = 0.05

    def __init__(self, child, path: Path, logfile, echo):
        self.child, self.path, self.tee = child, path, _Tee(logfile, echo)
        self.offset, self.pending, self.ready = 0, "", []

    def _read_file(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        text = data.decode("utf-8", "replace")
        self.tee.write(text.replace("\r", ""))
        *complete, self.pending = (self.pending + text).split("\n")
        self.ready += [line.rstrip("\r") for line in complete]

    def next(self, timeout: float) -> tuple[str, str | None]:
        end = time.monotonic() + timeout
        while True:
            if self.ready:
                return "line", self.ready.pop(0)
            alive = self.child.isalive()
            try:
                self.child.read_nonblocking(65536, timeout=self.POLL)
            except (pexpect.TIMEOUT, pexpect.EOF):
                pass
            self._read_file()
            if self.ready:
                continue
            if not alive:
                if self.pending:
                    line, self.pending = self.pending, ""
                    return "line", line.rstrip("\r")
                return "eof", None
            if time.monotonic() >= end:
                return "timeout", None


def _stderr_into(path: Path):
    """For pexpect's preexec_fn: the child's standard error goes to `path`,
    so the console holds only what the machine's serial port says."""
    def redirect():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    return redirect


def emulator_said(path: Path | None) -> str:
    """The last lines of the emulator's own log, for a failure report."""
    if path is None:
        return ""
    if not path.exists():
        return f"\n  emulator log: {path} (not written: the emulator did not start?)"
    said = path.read_text(errors="replace").strip().splitlines()[-EMULATOR_TAIL_LINES:]
    return f"\n  emulator log: {path}" + "".join(f"\n    {line}" for line in said)


def run(launch: Launch, scenario: Scenario, log: Path, echo: bool = False,
        cwd: Path | None = None, session=None) -> Result:
    """Boot `launch.argv`, check its console against `scenario`; raise
    ConsoleFailure on any mismatch. The emulator never outlives this call.
    An interactive scenario, once every expected line was seen, gets
    `session(child)`: it types into the console (pexpect) and should end by
    powering the guest off; what it returns is kept in Result.session."""
    log.parent.mkdir(parents=True, exist_ok=True)
    matcher, lines = Matcher(scenario), []
    deadline = time.monotonic() + scenario.timeout
    with open(log, "w", encoding="utf-8") as logfile:
        logfile.write("$ " + " ".join(launch.argv) + "\n")
        env = dict(os.environ, **launch.env)
        child = pexpect.spawn(launch.argv[0], launch.argv[1:], cwd=cwd, env=env,
                              encoding="utf-8", codec_errors="replace", timeout=None, echo=False,
                              preexec_fn=_stderr_into(launch.emulator_log)
                              if launch.stderr_to_log else None)
        source = (_FileLines(child, launch.serial_file, logfile, echo) if launch.serial_file
                  else _PtyLines(child, logfile, echo))

        def fail(reason: str, look_inside: bool = False):
            inside = inspect(launch.monitor, launch.elf, list(scenario.vms)) if look_inside else ""
            raise ConsoleFailure(f"{scenario.name}: {reason}", lines, log,
                                 emulator_said(launch.emulator_log) + inside)

        session_result, session_done = None, not scenario.interactive
        try:
            while True:
                if matcher.done() and not session_done:
                    session_done = True
                    if session is None:
                        fail("an interactive scenario, and nobody to type into its console")
                    tee = child.logfile_read or _Tee(logfile, False)    # a pty console
                    child.logfile_read = tee
                    # what the session reads, checked below, from what pexpect
                    # read (and logged) already but no line took yet
                    tee.captured = [child.buffer]
                    try:
                        session_result = session(child)
                    except (pexpect.TIMEOUT, pexpect.EOF) as e:
                        fail(f"console session: {type(e).__name__} while waiting for the "
                             f"guest; it printed: {child.before!r}",
                             look_inside=isinstance(e, pexpect.TIMEOUT))
                    except SessionFailure as e:
                        fail(f"console session: {e}")
                    finally:
                        said, tee.captured = "".join(tee.captured), None
                    for line in said.replace("\r", "").split("\n"):
                        lines.append(line)
                        bad = matcher.feed(line)
                        if bad:
                            fail(f"forbidden line {bad!r} appeared during the session: {line!r}")
                remaining = deadline - time.monotonic()
                if matcher.done():
                    remaining = min(remaining, EXIT_GRACE)
                quiet_limit = scenario.silence is not None and scenario.silence < remaining
                if quiet_limit:
                    remaining = scenario.silence
                what, line = source.next(remaining)
                if what == "line":
                    lines.append(line)
                    bad = matcher.feed(line)
                    if bad:
                        fail(f"forbidden line {bad!r} appeared: {line!r}")
                elif what == "eof":
                    break
                elif quiet_limit:
                    fail(f"the guest stopped printing: no console line for {scenario.silence:g} s"
                         f" (waiting for {matcher.awaiting() or 'the emulator to exit'})",
                         look_inside=True)
                elif matcher.done():
                    fail(f"all expected lines seen, but the emulator did not exit within "
                         f"{EXIT_GRACE} s", look_inside=True)
                else:
                    fail(f"timed out after {scenario.timeout:g} s waiting for {matcher.awaiting()}",
                         look_inside=True)
            child.close()
            status = child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0)
            if not matcher.done():
                fail(f"the emulator exited (status {status}) while waiting for {matcher.awaiting()}")
            expected = launch.exit_status if scenario.exit_status is None else scenario.exit_status
            if launch.status_line:              # the program inside the machine says its status
                if status != launch.exit_status:
                    fail(f"the emulator exited with status {status}, expected {launch.exit_status}")
                said = [int(m[1]) for line in lines if (m := re.search(launch.status_line, line))]
                if not said:
                    fail(f"no status line ({launch.status_line!r}) on the console")
                status = said[-1]
            if status != expected:
                fail(f"the emulator exited with status {status}, expected {expected}")
            problem = check_transcript(scenario, lines)
            if problem:
                fail(problem)
            return Result(lines, log, status, session_result)
        finally:
            if child.isalive():
                child.terminate(force=True)
