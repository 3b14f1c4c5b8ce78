"""Where a run's logs go. Each ./lab command that boots something gets a
folder of its own, build/logs/<time>-<task>/, holding each emulator run's
console log (TARGET-SCENARIO.log) beside its run folder (monitor socket,
the emulator's own messages, bochsrc), and for ./lab test the JUnit XML
report; build/logs/latest points at the newest. pytest's workers are
child processes: they find their run's folder in LAB_RUN_DIR."""
import itertools
import os
import time
from pathlib import Path

from . import BUILD

LOG_DIR = BUILD / "logs"
LATEST = LOG_DIR / "latest"
RUN_DIR_ENV = "LAB_RUN_DIR"


def start(task: str) -> Path:
    """This command's log folder: made now, unless a parent process made it."""
    inherited = os.environ.get(RUN_DIR_ENV)
    if inherited:
        return Path(inherited)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        path = LOG_DIR / (f"{stamp}-{task}" if n == 1 else f"{stamp}-{task}-{n}")
        try:
            path.mkdir(parents=True)
            break
        except FileExistsError:         # two commands started in the same second
            continue
    os.environ[RUN_DIR_ENV] = str(path)
    link = LOG_DIR / f".latest-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(path.name)
    os.replace(link, LATEST)            # atomic: `latest` is never missing
    return path


def run_dir() -> Path:
    return Path(os.environ[RUN_DIR_ENV]) if RUN_DIR_ENV in os.environ else start("run")


def new_log(name: str) -> Path:
    """A console log of its own in this run's folder: NAME.log, or NAME-2.log
    when another boot of the same scenario in this run took that name."""
    folder = run_dir()
    for n in itertools.count(1):
        path = folder / (f"{name}.log" if n == 1 else f"{name}-{n}.log")
        try:
            path.open("x").close()
            return path
        except FileExistsError:
            continue
