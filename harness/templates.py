"""Rendering the files that vary per target and scenario from jinja2
templates in harness/templates/."""
from pathlib import Path

import jinja2

from . import ROOT

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "harness" / "templates"),
    undefined=jinja2.StrictUndefined,      # a missing value is an error, not ""
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **values) -> str:
    return _env.get_template(template).render(**values)


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds it, so that ninja sees an
    unchanged timestamp and rebuilds nothing."""
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True
