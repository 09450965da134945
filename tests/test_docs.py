"""The README is the front door: it must document every setting and stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from overlay.cli import build_parser
from overlay.config import README_MARKERS, reference, reference_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [key for key, _, _ in reference() if f"`{key}`" not in README]
    assert not missing, f"undocumented settings (run `make docs`): {missing}"


def test_the_readme_config_table_is_the_generated_one() -> None:
    start, end = README_MARKERS
    table = README.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == reference_markdown(), "README.md's config table is stale: run `make docs`"


def test_every_setting_has_a_description() -> None:
    assert [key for key, _, description in reference() if not description] == []


def test_every_command_line_option_is_in_the_readme() -> None:
    options = {o for action in build_parser()._actions for o in action.option_strings if o.startswith("--")}
    options -= {"--help", "--verbose"}
    missing = sorted(o for o in options if not re.search(rf"`{o}[ `]", README))
    assert not missing, f"options missing from README.md: {missing}"


def test_the_two_commands_are_there() -> None:
    assert "make run" in README
    assert "make test" in README
