"""The docs stay true: where a page quotes what a command prints, the
quote is checked against a real run. A quote is a fenced block right after
a comment naming the command,

    <!-- output of: ./lab boot --target arm64 --guest two-guests -->

and every line of it but "..." must appear in that run's console, in order
(runs repeat exactly: emulated time counts instructions). Within a line,
"..." stands for what the reader need not see (an image's size, which any
change to a guest moves). Tables in the README that list scenarios are
checked against guests/scenarios.toml."""
import re
import shlex
from pathlib import Path

import pytest

from harness import ROOT, lab
from harness.scenario import load_scenarios

PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
MARKER = re.compile(r"<!-- output of: (?P<command>.+?) -->\n```[a-z]*\n(?P<quote>.*?)\n```", re.S)
ELLIPSIS = "..."


def quotes() -> list[tuple[str, str, str, list[str]]]:
    """(page, target, scenario, quoted lines) for every quote in the docs."""
    found = []
    for page in PAGES:
        for m in MARKER.finditer(page.read_text()):
            words = shlex.split(m["command"])
            opts = dict(zip(words[2::2], words[3::2]))
            assert words[:2] == ["./lab", "boot"] and set(opts) == {"--target", "--guest"}, \
                f"{page.name}: only `./lab boot --target T --guest G` can be checked: {m['command']}"
            found.append((page.name, opts["--target"], opts["--guest"], m["quote"].splitlines()))
    return found


ON = sorted({(target, scenario) for _, target, scenario, _ in quotes()})


def test_every_quote_names_a_command_the_test_can_run():
    assert ON, "no quoted output found: the marker's syntax changed?"


def test_quoted_output_is_what_the_run_prints(built_case):
    lines = lab.boot(*built_case, echo=False, quiet_build=True).lines
    for page, target, scenario, quote in quotes():
        if (target, scenario) != built_case:
            continue
        at = 0
        for quoted in (q for q in quote if q.strip() != ELLIPSIS):
            pattern = re.compile(".*".join(map(re.escape, quoted.split(ELLIPSIS))))
            at = next((i + 1 for i in range(at, len(lines)) if pattern.fullmatch(lines[i])), None)
            if at is None:
                pytest.fail(f"{page}: quoted line not printed (in this order) by "
                            f"`./lab boot --target {target} --guest {scenario}`:\n  {quoted}")


def readme_scenario_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Scenarios", 1)[1].split("\n## ", 1)[0]
    return {name for row in re.findall(r"^\| (.+?) \|", table, re.M)
            for name in re.findall(r"`([a-z0-9-]+)`", row)}


def test_readme_lists_every_scenario():
    assert readme_scenario_table() == set(load_scenarios())


def test_readme_names_what_trap_emulate_skips():
    text = (ROOT / "README.md").read_text()
    sentence = re.search(r"On `trap-emulate`, (.+?) (?:is|are) skipped", text, re.S)[1]
    skipped = {n for n, s in load_scenarios("x86_64", "trap-emulate").items() if s.skip}
    assert set(re.findall(r"`([a-z0-9-]+)`", sentence)) == skipped
