"""Write the settings table of docs/configuration.md from ``paperdigest.config.Settings``.

The table is written once, in the fields' ``description``s; this script copies them, with each
field's environment variable and default, between the two marker lines of the page. The prose
around the markers is the page's own and is left as it is.

Usage (from the repository root)::

    .venv/bin/python tools/configdoc.py            # rewrite the table in docs/configuration.md

``tests/test_docs.py`` fails, naming this command, when the committed table differs from what
the fields say.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import AliasChoices, TypeAdapter
from pydantic.fields import FieldInfo

from paperdigest.config import Settings

PAGE = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE = ".venv/bin/python tools/configdoc.py"
BEGIN = f"<!-- BEGIN settings table: written by `{REGENERATE}` from paperdigest/config.py -->"
END = "<!-- END settings table -->"


def env_name(name: str, field: FieldInfo) -> str:
    """The environment variable of a field: its alias (``OPENAI_API_KEY``), else
    ``PAPERDIGEST_`` + the field name in upper case, as ``Settings.model_config`` reads it."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        if isinstance(first, str):
            return first
    if isinstance(alias, str):
        return alias
    prefix = Settings.model_config.get("env_prefix", "")
    return f"{prefix}{name}".upper()


def default_text(field: FieldInfo) -> str:
    """A field's default as markdown: "default" and the value in code, written as a user would
    set it in the environment (true, 3, {"gpt-4o-mini": [0.15, 0.6]}); "unset" for None (the
    description says what unset means) and "empty" for an empty list."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    plain = TypeAdapter(field.annotation).dump_python(value, mode="json")
    if isinstance(plain, list) and not plain:
        return "empty"
    if isinstance(plain, bool):
        text = "true" if plain else "false"
    elif isinstance(plain, float) and plain.is_integer():
        text = str(int(plain))
    elif isinstance(plain, str):
        text = plain
    else:
        text = json.dumps(plain, ensure_ascii=False)
    return f"default `{text}`"


def _cell(text: str) -> str:
    """Table-cell text: a ``|`` would end the cell in GitHub's and mkdocs's tables."""
    return text.replace("|", "\\|")


def table() -> str:
    """The markdown table of every ``Settings`` field, in the class's order: the variable with
    its default under it (two columns keep the descriptions readable on a narrow page)."""
    rows = ["| variable and default | meaning |", "|---|---|"]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise ValueError(f"Settings.{name} has no description to document it with")
        rows.append(
            f"| `{env_name(name, field)}`<br>{_cell(default_text(field))} "
            f"| {_cell(field.description)} |"
        )
    return "\n".join(rows)


def render(page: str) -> str:
    """``page`` with the text between the marker lines replaced by :func:`table`.

    Raises:
        ValueError: the page lacks either marker line, or has them out of order.
    """
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page needs the lines {BEGIN!r} and then {END!r}")
    return f"{page[: start + len(BEGIN)]}\n\n{table()}\n\n{page[end:]}"


def main() -> int:
    """Rewrite the table in docs/configuration.md; print whether it changed."""
    old = PAGE.read_text(encoding="utf-8")
    new = render(old)
    if new == old:
        print(f"{PAGE}: up to date")
    else:
        PAGE.write_text(new, encoding="utf-8")
        print(f"{PAGE}: settings table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
