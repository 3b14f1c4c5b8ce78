"""One process at a time where processes share state on disk: a target's
build folder, apt-get, the Linux guest's downloads. The test suite runs on
every core (pytest-xdist workers), and a user may run two ./lab commands
at once; each such step holds a lock file (flock(2)) while it works, and
the kernel drops the lock if the process dies."""
import fcntl
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path):
    """Hold `path` locked for the body of the with-statement."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield
