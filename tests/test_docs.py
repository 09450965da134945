"""The README is the front door: it must document every setting and stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from overlay.cli import SAID, build_parser
from overlay.config import DEFAULT_CONFIG_PATH, README_MARKERS, parse_config, reference, reference_markdown, yaml_value
from overlay.i18n import own_text
from overlay.wording import check

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [setting.key for setting in reference() if f"`{setting.key}`" not in README]
    assert not missing, f"undocumented settings (run `make docs`): {missing}"


def test_the_readme_config_table_is_the_generated_one() -> None:
    start, end = README_MARKERS
    table = README.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == reference_markdown(), "README.md's config table is stale: run `make docs`"


def test_every_setting_has_a_description() -> None:
    assert [setting.key for setting in reference() if not setting.description] == []


def test_every_command_line_option_is_in_the_readme() -> None:
    options = {o for action in build_parser()._actions for o in action.option_strings if o.startswith("--")}
    options -= {"--help", "--verbose"}
    missing = sorted(o for o in options if not re.search(rf"`{o}[ `]", README))
    assert not missing, f"options missing from README.md: {missing}"


def test_the_two_commands_are_there() -> None:
    assert "make run" in README
    assert "make test" in README


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, "null"),
        (False, "false"),
        ("fr", "fr"),
        (["follow", "share", "gift"], "[follow, share, gift]"),
        ("", '""'),
        ("yes", '"yes"'),  # bare, YAML would read true
        ("10", '"10"'),
        ("#fe2c55", '"#fe2c55"'),  # bare, a comment
        (1.0, "1.0"),
    ],
)
def test_defaults_are_written_as_in_config_yaml_not_as_python_says_them(value: Any, written: str) -> None:
    assert yaml_value(value) == written
    assert yaml.safe_load(written) == value  # copied into config.yaml, it reads back as the default


def test_no_python_spelling_reaches_the_table() -> None:
    defaults = " ".join(setting.default for setting in reference())
    assert not re.search(r"\b(None|True|False)\b|'", defaults)


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("locale", "fr or en"),
        ("server.port", "whole number, 0 to 65535"),
        ("demo.likes_per_second", "number, more than 0, at most 100000"),
        ("demo.seed", "whole number or null"),
        ("theme.name", "tiktok, minimal or neon"),
        ("widgets.activity.kinds", "list of: follow, share, gift"),
        ("goals.steps", "list, at least 1 item"),
        ("goals.steps[].label", "text, 1 to 200 characters; or a text per language, {fr: ..., en: ...}"),
        ("goals.then.label", "text, at most 200 characters; or a text per language, {fr: ..., en: ...}"),
        ("challenges[].duration", "whole number, more than 0, at most 3600, or null"),
        ("safe_wording", "true or false"),
    ],
)
def test_the_table_says_what_values_each_setting_accepts(key: str, valid: str) -> None:
    assert {setting.key: setting.valid for setting in reference()}[key] == valid


def test_the_goal_steps_default_is_the_goal_a_config_without_goals_gets() -> None:
    steps = parse_config("").goals.steps
    assert len(steps) == 1
    shown = {setting.key: setting.default for setting in reference()}
    assert shown["goals.steps"] == f"one goal of {steps[0].target} likes"
    assert shown["goals.steps[].target"] == "required"  # in each goal written, though


def test_the_wording_example_is_what_the_shipped_config_gives() -> None:
    shipped = parse_config(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"), "config.yaml")
    example = next(str(w) for w in check(shipped) if w.key == "goals.steps[1].label.fr")
    assert f"`{example}`" in README


def test_the_texts_per_language_example_reads_as_the_readme_says() -> None:
    section = README.split("### Your texts in French and English", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    english = parse_config("locale: en\n" + example, "config.yaml")
    assert own_text(english.goals.steps[0].label, "en") == "10,000 likes together!"
    assert own_text(english.challenges[0].success_text, "en") == "Bravo !"  # "so `locale: en` above shows "Bravo !""


def test_the_shipped_config_has_a_challenge_written_in_both_languages() -> None:
    shipped = parse_config(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"), "config.yaml")
    assert own_text(shipped.challenges[0].text, shipped.locale) == "Faites exploser le compteur !"
    assert own_text(shipped.challenges[0].text, "en") == "Blow up the counter!"


@pytest.mark.parametrize("key", ["data_dir_in_use", "store_unavailable", "record_unwritable", "port_in_use"])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_troubleshooting_quotes_the_start_up_errors_as_the_console_says_them(locale: str, key: str) -> None:
    said = SAID[locale][key].split("{", 1)[0]  # up to the first value filled in
    assert f"`{said}" in README


@pytest.mark.parametrize("key", ["data_file_link", "data_file_special", "data_file_hard_link", "data_file_not_yours"])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_troubleshooting_quotes_what_a_refused_data_file_is_said_to_be(locale: str, key: str) -> None:
    said = SAID[locale][key].split("{path} ", 1)[1].split(" (")[0].split(".")[0].split(",")[0]
    assert f"... {said}" in README


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors() -> set[str]:
    outside_code = re.sub(r"```.*?```", "", README, flags=re.DOTALL)  # a `# comment` in a shell block is no heading
    return {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", outside_code, flags=re.MULTILINE)}


def test_every_link_within_the_readme_leads_to_a_heading() -> None:
    broken = sorted(set(re.findall(r"\]\(#([^)]+)\)", README)) - _anchors())
    assert not broken, f"README.md links to headings it does not have: {broken}"


def test_the_contents_line_at_the_top_leads_to_every_section() -> None:
    contents = README.split("**Contents:**", 1)[1].split("\n\n", 1)[0]
    sections = re.findall(r"^## (.+)$", re.sub(r"```.*?```", "", README, flags=re.DOTALL), flags=re.MULTILINE)
    missing = [s for s in sections if f"(#{_anchor(s)})" not in contents]
    assert not missing, f"sections missing from the contents at the top of README.md: {missing}"
