"""Telling the user what a long step is doing: a line when it ends, and
how long it took, with a spinner meanwhile when the output is a terminal
(rich). What is measured is never these seconds: they are for people."""
import time
from contextlib import contextmanager, nullcontext

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)


@contextmanager
def step(what: str):
    start = time.monotonic()
    spinner = console.status(what) if console.is_terminal else nullcontext()
    try:
        with spinner:
            yield
    except BaseException:
        console.print(f"{what}: [red]failed[/red] after {time.monotonic() - start:.1f} s")
        raise
    console.print(f"{what}: done in {time.monotonic() - start:.1f} s")


def say(text: str) -> None:
    console.print(text)
