"""Reading the bank's YAML files and saying what is wrong with them, for the English bank and its
language overlays alike."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.content.bank import Problem

#: libyaml's parser where PyYAML was built with it (the same safe subset, parsing several times faster).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, problems: list[Problem], name: str | None = None) -> object | None:
    """The file's data, or None with a problem (on ``name``, by default the file's) added when it
    cannot be read or parsed."""
    try:
        data: object = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        return data
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(name or path.name, "-", f"cannot read: {exc}"))
        return None


def raw_id(raw: object) -> str:
    """The ``id`` of an unvalidated item, or "-"."""
    if isinstance(raw, dict) and raw.get("id"):
        return str(raw["id"])
    return "-"


def explain(exc: ValidationError, skip: int = 0) -> str:
    """A validation error in one line, each location without its first ``skip`` parts."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"][skip:])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
