"""Checking the lab's TOML files against a schema (pydantic models): a
wrong type, a missing key or a misspelled one is one line that names the
file, the table and the key, never a traceback from deep inside."""
from pydantic import BaseModel, ConfigDict, ValidationError

from . import HarnessError


class Strict(BaseModel):
    """No unknown keys, no silent conversions ("60" is not a number)."""
    model_config = ConfigDict(extra="forbid", strict=True)


def where(table: str, loc: tuple) -> str:
    """`[table] key.sub` for a pydantic error location: `table` is the
    TOML table the data came from, else the location's first part."""
    parts = [str(part) for part in loc]
    if not table and len(parts) > 1:
        table, parts = parts[0], parts[1:]
    return f"[{table}] {'.'.join(parts)}" if table else ".".join(parts)


def validate(model: type[Strict], data: dict, path: str, table: str = ""):
    """`model` built from `data`, or a HarnessError naming file, table and key."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = sorted(e.errors(), key=lambda err: err["type"] != "extra_forbidden")
        first, more = errors[0], len(errors) - 1      # a misspelled key first: it explains the rest
        got = f" (got {first['input']!r})" if first["type"] != "missing" and \
            not isinstance(first["input"], dict) else ""
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        tail = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise HarnessError(f"{path}: {where(table, first['loc'])}: {message}{got}{tail}") from None
