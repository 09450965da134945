"""config.yaml: validated at start, and every mistake names the file, the line, the key and what is valid."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from overlay.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, locale_in, parse_config
from overlay.i18n import own_text, text


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), "config.yaml")
    return str(caught.value)


def test_the_shipped_config_is_valid_and_runs_the_demo() -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    assert config.locale == "fr"
    assert config.source_kind == "demo"
    assert [step.target for step in config.goals.steps] == [1000, 10000]
    assert config.goals.then.every == 10000
    assert config.server.host == "127.0.0.1"


def test_an_empty_file_gives_the_defaults() -> None:
    config = parse_config("", "config.yaml")
    assert config.locale == "fr"
    assert config.goals.steps[0].target == 10000


def test_the_default_goal_is_said_in_each_language() -> None:
    # (A plain French text showed "10 000 likes ensemble !" on a widget opened with `?locale=en`.)
    for written in ("", "locale: en\n"):
        label = parse_config(written, "config.yaml").goals.steps[0].label
        assert own_text(label, "fr") == "10\u202f000 likes ensemble\u202f!"
        assert own_text(label, "en") == "10,000 likes together!"


def test_a_custom_css_file_that_is_not_there_is_named_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without this, a misspelt path left the widgets in the built-in theme with nothing said at start, on the
    # index page or after a save: only a console line in English each time a widget loaded.
    monkeypatch.chdir(tmp_path)  # a relative path starts from the folder the server runs from
    path = tmp_path / "config.yaml"
    path.write_text('locale: fr\ntheme:\n  name: neon\n  custom_css: "mon-theme.css"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    looked = tmp_path / "mon-theme.css"
    assert caught.value.say("fr") == (
        f"{path}:4 : theme.custom_css : fichier introuvable : {looked} ; corrigez le chemin (relatif au dossier "
        'où le serveur est lancé), ou écrivez "" pour aucun'
    )
    assert caught.value.say("en") == (
        f"{path}:4: theme.custom_css: file not found: {looked}; fix the path (relative to the folder the server "
        'runs from), or write "" for none'
    )
    (tmp_path / "mon-theme.css").write_text(":root { --accent: lime; }\n", encoding="utf-8")
    assert load_config(path).theme.custom_css == "mon-theme.css"


def test_a_list_whose_entries_are_all_commented_out_is_empty() -> None:
    # What an editor's "toggle comment" on the shipped entries leaves: the keys alone, which YAML reads as empty.
    config = parse_config(
        textwrap.dedent(
            """\
            challenges:                 # started from the control page
            #  - id: explose
            #    text: "Faites exploser le compteur !"
            rhythm_rules:
            #  - challenge: explose
            #    below_per_minute: 300
            """
        ),
        "config.yaml",
    )
    assert config.challenges == []
    assert config.rhythm_rules == []


@pytest.mark.parametrize("text", ["", "\n  \n", "# rien\n\n  # toujours rien\n", "\ufeff", "\ufeff# rien\n"])
def test_an_empty_file_is_refused_when_asked_as_on_a_live_reload(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path).goals.steps[0].target == 10000  # at start: the defaults, as documented
    with pytest.raises(ConfigError) as caught:
        load_config(path, empty_is_default=False)
    assert caught.value.say("fr").startswith(f"{path} : le fichier est vide : la configuration précédente reste")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("", "fr"),
        ("locale: en\n", "en"),
        ('locale: "en"   # English\ngoals: {steps: [\n', "en"),
        ("server:\n  locale: en\n", "fr"),  # not the top-level key
        ("locale: fr\n", "fr"),
        ("locale: EN-us\ngoals: [\n", "en"),
    ],
)
def test_the_locale_is_found_in_a_file_yaml_cannot_read(tmp_path: Path, text: str, locale: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    assert locale_in(path) == locale
    assert locale_in(tmp_path / "missing.yaml") == "fr"


def test_a_tiktok_handle_switches_auto_to_the_tiktok_source_and_gains_its_at_sign() -> None:
    config = parse_config("tiktok: {unique_id: moncompte}\n")
    assert config.source_kind == "tiktok"
    assert config.tiktok.unique_id == "@moncompte"


def test_unknown_key_suggests_the_closest_valid_one() -> None:
    message = error_for(
        """\
        locale: fr
        goals:
          steps:
            - {id: a, label: x, target: 10}
          thenn: {every: 5}
        """
    )
    assert message.startswith("config.yaml:5: goals.thenn: unknown key; did you mean 'then'?")
    assert "basis, celebrate_seconds, steps, then" in message


def test_negative_target_names_its_line_and_key() -> None:
    message = error_for(
        """\
        goals:
          steps:
            - {id: warmup, label: "1 000 likes", target: 1000}
            - id: main
              label: "10 000 likes"
              target: -5
        """
    )
    assert message == "config.yaml:6: goals.steps[1].target: must be more than 0 (got -5)"


def test_wrong_type_says_what_is_expected() -> None:
    message = error_for(
        """\
        server:
          port: huit-mille
        """
    )
    assert message.startswith("config.yaml:2: server.port: expected a whole number")
    assert "'huit-mille'" in message


@pytest.mark.parametrize(("written", "locale"), [("FR", "fr"), ("En", "en"), ("en-US", "en"), ("fr_CA", "fr")])
def test_the_locale_is_read_as_a_widgets_locale_is(written: str, locale: str) -> None:
    # `locale: FR` was refused: a language named as people and browsers write it is that language.
    config = parse_config(f"locale: {written}\n")
    assert config.locale == locale
    assert own_text(config.goals.steps[0].label, config.locale) == text("goal_default_label", locale, target=10_000)


def test_a_value_outside_the_choices_lists_them() -> None:
    assert error_for("locale: de\n") == "config.yaml:1: locale: 'de' is not one of the choices: 'fr' or 'en'"


def test_goal_targets_must_increase() -> None:
    message = error_for(
        """\
        goals:
          steps:
            - {id: a, label: x, target: 5000}
            - id: b
              label: y
              target: 1000
        """
    )
    assert message.startswith("config.yaml:6: goals.steps[1].target: 1000 must be greater than the previous goal's")


def test_goal_ids_must_be_unique() -> None:
    message = error_for(
        """\
        goals:
          steps:
            - {id: a, label: x, target: 10}
            - {id: a, label: y, target: 20}
        """
    )
    assert message.startswith("config.yaml:4: goals.steps[1].id: goal id 'a' is used twice")


def test_a_missing_key_is_named() -> None:
    message = error_for(
        """\
        goals:
          steps:
            - {id: a, target: 10}
        """
    )
    assert message == "config.yaml:3: goals.steps[0].label: this key is required"


def test_yaml_syntax_errors_give_line_and_column() -> None:
    message = error_for(
        """\
        locale: fr
        goals: *nope
        """
    )
    assert message == "config.yaml:2: YAML syntax error: found undefined alias 'nope' (column 8)"


def test_a_key_given_twice_is_an_error_not_a_silent_override() -> None:
    assert error_for("locale: fr\nlocale: en\n") == (
        "config.yaml:2: locale: this key is given twice (first on line 1); keep only one"
    )
    nested = "theme:\n  name: neon\n  accent: '#00ff88'\ngoals: {}\ntheme:\n  name: minimal\n"
    assert error_for(nested).startswith("config.yaml:5: theme: this key is given twice (first on line 1)")


def test_the_top_level_must_be_a_mapping() -> None:
    assert error_for("- fr\n").startswith("config.yaml:1: the file must be a mapping")


def test_a_bad_tiktok_handle_is_explained() -> None:
    assert "a TikTok handle like" in error_for("tiktok: {unique_id: 'mon compte!'}\n")


@pytest.mark.parametrize("text", ["server:\n  host: ''\n", "server:\n  host: ' '\n"], ids=["empty", "blank"])
def test_an_empty_host_is_refused_not_taken_for_every_network(text: str) -> None:
    """getaddrinfo reads no host as 0.0.0.0 and ::: the server would be open to the whole network."""
    message = error_for(text)
    assert message == (
        "config.yaml:2: server.host: empty: write 127.0.0.1 (this PC only, the default), "
        "or 0.0.0.0 to be reached from the other devices of your network"
    )


def test_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_the_message_names_the_real_file(tmp_path: Path) -> None:
    path = tmp_path / "my-config.yaml"
    path.write_text("demo:\n  likes_per_second: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:2: demo.likes_per_second: must be more than 0")


# -- the creator's texts, one for every language or one per language ----------------------------------------------


def test_a_text_is_one_text_for_every_language_or_a_text_per_language() -> None:
    config = parse_config(
        textwrap.dedent(
            """\
            goals:
              steps:
                - {id: a, label: "1 000 likes !", target: 1000}
                - {id: b, label: {fr: "10 000 likes ensemble !", en: "10,000 likes together!"}, target: 10000}
              then: {label: {fr: "Palier {target} !"}}
            challenges:
              - id: explose
                text:
                  fr: "Faites exploser le compteur !"
                  en: "Blow up the counter!"
                success_text: {en: "Thanks!"}
            """
        ),
        "config.yaml",
    )
    assert config.goals.steps[0].label == "1 000 likes !"
    assert config.goals.steps[1].label == {"fr": "10 000 likes ensemble !", "en": "10,000 likes together!"}
    assert config.goals.then.label == {"fr": "Palier {target} !"}
    assert config.challenges[0].text == {"fr": "Faites exploser le compteur !", "en": "Blow up the counter!"}
    assert config.challenges[0].success_text == {"en": "Thanks!"}
    assert config.challenges[0].failure_text == ""


@pytest.mark.parametrize(
    ("written", "fr", "en"),
    [
        ("Bravo !", "Bravo !", "Bravo !"),  # as written, in every language
        ("{fr: Bravo !, en: Well done!}", "Bravo !", "Well done!"),
        ("{fr: Bravo !}", "Bravo !", "Bravo !"),  # English shows the other one given
        ("{en: Well done!}", "Well done!", "Well done!"),
    ],
)
def test_a_text_shows_in_the_configs_language_else_in_the_other_one_given(written: str, fr: str, en: str) -> None:
    for locale, shown in (("fr", fr), ("en", en)):
        text = f"locale: {locale}\nchallenges:\n  - {{id: a, text: {written}}}\n"
        assert own_text(parse_config(text, "config.yaml").challenges[0].text, locale) == shown


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "goals:\n  steps:\n    - id: a\n      label:\n        fr: Bonjour\n        de: Hallo\n      target: 5\n",
            "config.yaml:6: goals.steps[0].label.de: 'de' is not a language of the overlay: write the text of each "
            "language under 'fr' or 'en', or one text for every language",
        ),
        (
            "challenges:\n  - {id: a, text: {}}\n",
            "config.yaml:2: challenges[0].text: no text: write one text for every language, or a text under 'fr' or "
            "'en'",
        ),
        (
            "challenges:\n  - id: a\n    text:\n      en: 2024-01-01\n",
            'config.yaml:4: challenges[0].text.en: expected a text: write it in quotes, "2024-01-01"',
        ),
        ("challenges:\n  - {id: a, text: A, success_text: {fr: ''}}\n", "challenges[0].success_text.fr: must not be"),
        (
            "challenges:\n  - id: a\n    text: A\n    failure_text:\n      fr: Raté\n      en: " + "x" * 301 + "\n",
            "config.yaml:6: challenges[0].failure_text.en: must be at most 300 characters (it has 301)",
        ),
        (
            "goals:\n  steps:\n    - {id: a, label: A, target: 5}\n  then:\n    label: {fr: 'Palier {target}', "
            "en: 'Step {cible}'}\n",
            "config.yaml:5: goals.then.label.en: {cible} is not filled in: only {target} is",
        ),
    ],
)
def test_a_wrong_text_per_language_is_said_at_its_line_and_language(text: str, said: str) -> None:
    assert said in error_for(text)
