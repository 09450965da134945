"""config.yaml mistakes said in French for the pages, while the console keeps the same English."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from overlay.config import Config, ConfigError, load_config, parse_config
from overlay.config_errors import SECRET_KEYS, Invalid, Problem, from_pydantic


def caught(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        parse_config(textwrap.dedent(text), "config.yaml")
    return error.value


def french(text: str) -> str:
    return caught(text).say("fr")


# -- a few, word for word ---------------------------------------------------------------------------


def test_an_unknown_key_suggests_the_closest_one_in_french() -> None:
    assert french("server:\n  prot: 8080\n") == (
        "config.yaml:2 : server.prot : clé inconnue ; vouliez-vous dire « port » ? "
        "Clés valides ici : host, port, allowed_hosts, frame_ms, max_events_per_frame"
    )


@pytest.mark.parametrize("key", ["language", "langue", "Lang"])
def test_a_language_key_points_to_locale(key: str) -> None:
    assert french(f"{key}: en\n").startswith(f"config.yaml:1 : {key} : clé inconnue ; vouliez-vous dire « locale » ?")


def test_several_problems_are_said_in_the_files_order() -> None:
    text = "goals:\n  steps:\n    - {id: a, label: A, target: -5}\nsource: nope\nlocale: xx\n"
    assert [line.split(" : ")[0] for line in french(text).splitlines()] == [
        "config.yaml:3",
        "config.yaml:4",
        "config.yaml:5",
    ]


def test_a_number_below_its_minimum() -> None:
    assert (
        french("tiktok: {poll_seconds: 10}\n")
        == "config.yaml:1 : tiktok.poll_seconds : doit être au moins 15 (vous avez écrit 10)"
    )


def test_a_word_where_a_whole_number_is_expected() -> None:
    text = "challenges:\n  - {id: sprint, text: Sprint, target: many}\n"
    assert (
        french(text) == "config.yaml:2 : challenges[0].target : un nombre entier est attendu (vous avez écrit « many »)"
    )


def test_a_colour_left_unquoted_is_read_as_a_comment_and_the_error_says_to_quote_it() -> None:
    error = caught("theme:\n  accent: #fe2c55\n")
    assert str(error) == (
        "config.yaml:2: theme.accent: empty: YAML reads what follows an unquoted # as a comment; "
        'write it in quotes, "#fe2c55"'
    )
    assert error.say("fr") == (
        "config.yaml:2 : theme.accent : valeur vide : YAML lit ce qui suit un # sans guillemets comme un "
        'commentaire ; écrivez-le entre guillemets, "#fe2c55"'
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("theme:\n  accent: #fe2c55  # ma couleur\n", 'écrivez-le entre guillemets, "#fe2c55"'),
        ("theme:\n  accent: #fe2c55\t# ma couleur\n", 'écrivez-le entre guillemets, "#fe2c55"'),
        ("theme:\n  accent:   # à choisir\n", "theme.accent : un texte est attendu (valeur vide)"),  # a comment
        ("goals:\n  steps:\n    - {id: a, label: null, target: 5}\n", "label : un texte est attendu (valeur vide)"),
        ("challenges:\n  - id: a\n    text: #1 du classement  # à revoir\n", '"#1 du classement"'),  # all of it
    ],
)
def test_a_value_left_unquoted_after_a_hash_is_said_up_to_a_comment(text: str, said: str) -> None:
    assert french(text).endswith(said)


@pytest.mark.parametrize("hotkey", ["space", "ctrl+3", "ab"])
def test_a_hotkey_the_control_page_cannot_see_is_refused(hotkey: str) -> None:
    text = f'challenges:\n  - {{id: a, text: A, hotkey: "{hotkey}"}}\n'
    assert "ne peut pas être tapé sur la page de contrôle" in french(text)


@pytest.mark.parametrize("hotkey", ["1", "é", "F5", "@", " ", "Pause", "Tab"])
def test_one_character_or_a_key_name_is_a_hotkey(hotkey: str) -> None:
    text = f'challenges:\n  - {{id: a, text: A, hotkey: "{hotkey}"}}\n'
    assert parse_config(text, "config.yaml").challenges[0].hotkey == hotkey


def test_a_random_seed_may_be_any_whole_number() -> None:
    assert parse_config("demo: {seed: 1733519707123456}\n", "config.yaml").demo.seed == 1733519707123456


@pytest.mark.parametrize(
    ("text", "line"),
    [("source:demo\nlocale: fr\n", 1), ("theme:\n  accent:red\n  scale: 1.2\n", 2), ("locale: fr\nsource:demo\n", 2)],
)
def test_a_key_without_a_space_after_its_colon_is_said_at_its_line_wherever_it_is(text: str, line: int) -> None:
    assert french(text).startswith(f"config.yaml:{line} : « clé: valeur » est attendu sur cette ligne")


@pytest.mark.parametrize(
    ("text", "where", "quoted"),
    [
        ("challenges:\n  - {id: a, text: A, hotkey: 1}\n", "challenges[0].hotkey", "1"),
        ("goals:\n  steps:\n    - {id: a, label: 2024-01-01, target: 5}\n", "goals.steps[0].label", "2024-01-01"),
        ("goals:\n  steps:\n    - {id: a, label: yes, target: 5}\n", "goals.steps[0].label", "yes"),
    ],
)
def test_a_number_date_or_yes_where_a_text_is_expected_is_to_be_quoted(text: str, where: str, quoted: str) -> None:
    assert f'{where} : un texte est attendu : écrivez-le entre guillemets, "{quoted}"' in french(text)


def test_yes_or_true_is_not_taken_for_the_number_one() -> None:
    assert french("server:\n  port: yes\n") == (
        "config.yaml:2 : server.port : un nombre entier est attendu ; YAML lit « yes » comme vrai ou faux"
    )
    assert "YAML reads 'true' as true or false" in str(
        caught("goals:\n  steps:\n    - {id: a, label: A, target: true}\n")
    )


@pytest.mark.parametrize("number", ["10000000000000000000", "0x" + "f" * 4000])
def test_a_number_too_large_for_any_live_is_refused_as_a_typo(number: str) -> None:
    # 2^63 and more could not be saved: every save of the live failed from then on.
    text = f"goals:\n  steps:\n    - {{id: a, label: A, target: {number}}}\n"
    assert french(text) == (
        "config.yaml:3 : goals.steps[0].target : un nombre aussi grand est sûrement une faute de frappe : "
        "au plus 1 000 000 000 000"
    )
    assert "server.port : un nombre aussi grand" in french(f"server:\n  port: {number}\n")


@pytest.mark.parametrize("key", ["theme:\n  accent", "locale", "theme:\n  scale"])
def test_a_number_too_long_for_python_to_write_out_is_still_said_clearly(key: str) -> None:
    said = french(f"{key}: 0x{'f' * 4000}\n")  # Python refuses to write out a number of over 4,300 digits
    assert said.startswith("config.yaml:")
    assert len(said) < 5000


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "locale: fr\nsource:demo\nserver:\n  port: 8080\n",  # the key's line, not the next one
            "config.yaml:2 : « clé: valeur » est attendu sur cette ligne, avec une espace après le « : » "
            "(YAML : could not find expected ':')",
        ),
        (
            "goals:\n  steps:\n    - {id: a, label: 2024-02-30, target: 5}\n",
            "config.yaml:3 : goals.steps[0].label : YAML ne sait pas lire « 2024-02-30 » (day is out of range for "
            "month) ; si c'est un texte, mettez-le entre guillemets",
        ),
        (
            "locale: fr\nsource: de\x07mo\n",
            "config.yaml:2 : un caractère de contrôle invisible (U+0007) est dans cette ligne : "
            "retapez la ligne sans lui",
        ),
        (
            "base: &b {every: 100}\ngoals:\n  steps:\n    - {id: a, label: A, target: 5}\n  then:\n    <<: *b\n",
            "config.yaml:6 : goals.then : « << » (reprendre les clés d'une ancre) n'est pas pris en charge ici : "
            "écrivez les clés",
        ),
    ],
)
def test_what_yaml_cannot_read_is_said_at_its_line(text: str, said: str) -> None:
    assert french(text) == said


@pytest.mark.parametrize(
    ("text", "line", "spaces", "above"),
    [
        ("tiktok:\n  unique_id: moi\n   poll_seconds: 30\n", 3, "3 espaces", 2),  # one space too many
        ("tiktok:\n  unique_id: moi\n name: tiktok\ndemo:\n  seed: 3\n", 3, "1 espace", 2),
        ("challenges:\n  - id: a\n    text: Go\n  target: 5\n", 4, "2 espaces", 4),  # out of its list item
        (
            "goals:\n  steps:\n    - {id: a, label: A, target: 1}\n\n  # b\n  - {id: b, label: B, target: 2}\n",
            6,
            "2 espaces",
            4,
        ),
    ],
)
def test_a_line_indented_like_no_block_above_it_says_so_at_its_line(
    text: str, line: int, spaces: str, above: int
) -> None:
    assert french(text) == (
        f"config.yaml:{line} : cette ligne a un retrait de {spaces}, qui ne correspond à aucun bloc au-dessus (la "
        f"ligne précédente en a {above}) : alignez-la, avec des espaces, sur les clés dont elle fait partie"
    )


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('challenges:\n  - id: a\n    text: "Défi" explosif\n', 18),
        ('theme:\n  text_color: "#000" "#111"\n', 22),
        ("goals:\n  steps:\n    - {id: a, label: A, target: 1} x\n", 36),
    ],
)
def test_text_after_the_end_of_a_value_is_not_taken_for_an_indentation(text: str, column: int) -> None:
    assert french(text).endswith(
        f"du texte suit la fin de la valeur (colonne {column}) : mettez-le dans les guillemets (ou les accolades), "
        "ou sur une ligne à lui"
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("challenges:\n  - id: a\n    text: Défi : explosez tout\n", '"Défi : explosez tout"'),
        ('challenges:\n  - id: a\n    text: Le "défi" : go  # note\n', '"Le \\"défi\\" : go"'),
        ("challenges:\n  - id: a\n    text: Dossier C:\\d : ok\n", "'Dossier C:\\d : ok'"),
        ("challenges:\n  - id: a\n    text: Défi : #1 du top\n", '"Défi : #1 du top"'),  # a # in the text
    ],
)
def test_a_colon_inside_a_text_says_to_quote_the_text(text: str, quoted: str) -> None:
    assert french(text) == (
        "config.yaml:3 : YAML lit le « : » de ce texte comme le début d'une clé : écrivez le texte entre "
        f"guillemets, {quoted}"
    )
    # The quoted text, pasted in, reads as the text meant.
    meant = re.match(r"\s*text: (.*?)(?:  #.*)?$", text.splitlines()[2]).group(1)  # type: ignore[union-attr]
    assert parse_config(f"challenges:\n  - id: a\n    text: {quoted}\n").challenges[0].text == meant


def test_a_value_outside_the_choices_lists_them_in_french() -> None:
    assert french("theme: {align: middle}\n") == (
        "config.yaml:1 : theme.align : « middle » n'est pas une valeur possible ; "
        "valeurs possibles : « left », « center » ou « right »"
    )


def test_a_missing_key_in_french() -> None:
    assert french("goals:\n  steps:\n    - {id: a, target: 10}\n") == (
        "config.yaml:3 : goals.steps[0].label : cette clé est obligatoire"
    )


def test_goal_targets_that_do_not_increase_in_french() -> None:
    text = """\
        goals:
          steps:
            - {id: a, label: x, target: 5000}
            - {id: b, label: y, target: 1000}
        """
    assert french(text) == (
        "config.yaml:4 : goals.steps[1].target : 1000 doit dépasser la cible de l'objectif précédent (5000) ; "
        "les objectifs comptent depuis le début du live"
    )


def test_a_rhythm_rule_naming_an_unknown_challenge_in_french() -> None:
    text = """\
        challenges:
          - {id: sprint, text: x}
        rhythm_rules:
          - {challenge: sprnt, below_per_minute: 100}
        """
    assert french(text) == (
        "config.yaml:4 : rhythm_rules[0].challenge : aucun défi n'a l'identifiant « sprnt » (défis : sprint)"
    )


def test_a_key_given_twice_in_french() -> None:
    assert (
        french("locale: fr\nlocale: en\n")
        == "config.yaml:2 : locale : cette clé apparaît deux fois (d'abord ligne 1) ; n'en gardez qu'une"
    )


def test_yaml_syntax_keeps_pyyaml_words_in_a_french_sentence() -> None:
    assert french("a: *b\n") == "config.yaml:1 : erreur de syntaxe YAML : found undefined alias 'b' (colonne 4)"


def test_an_unquoted_value_starting_with_an_exclamation_mark_says_to_quote_it() -> None:
    """YAML reads `!Objectif` as a tag: a plausible label, which must be a clear error, not a traceback."""
    text = "goals:\n  steps:\n    - {id: a, label: !Objectif atteint, target: 5}\n"
    assert french(text) == (
        "config.yaml:3 : une valeur qui commence par « ! » doit être entre guillemets, sinon YAML la lit comme une "
        "étiquette : could not determine a constructor for the tag '!Objectif' (colonne 22)"
    )
    assert str(caught(text)).startswith("config.yaml:3: a value that starts with '!' must be in quotes")


def test_values_yaml_cannot_build_are_config_errors_too() -> None:
    error = caught("server: {port: !!int abc}\n")
    assert str(error) == (
        "config.yaml:1: server.port: YAML cannot read 'abc' (invalid literal for int() with base 10: 'abc'); "
        "if it is a text, put it in quotes"
    )
    loop = caught("x: &a [*a]\n")
    assert str(loop) == "config.yaml: YAML error: maximum recursion depth exceeded"
    assert loop.say("fr").startswith("config.yaml : erreur YAML : ")


def test_a_thousands_dot_is_refused_not_read_as_a_few_likes() -> None:
    """YAML reads `10.000` as 10.0, which pydantic took as a goal of 10 likes."""
    text = """\
        goals:
          steps:
            - {id: a, label: x, target: 1.000}
            - {id: b, label: y, target: 10 000}
        challenges:
          - {id: sprint, text: Go, target: 5000, duration: 60.0}
        """
    error = caught(text)
    hint = "(sans point ni espace)"
    assert error.say("fr").splitlines() == [
        f"config.yaml:3 : goals.steps[0].target : « 1.000 » n'est pas un nombre entier : écrivez 1000 {hint}",
        f"config.yaml:4 : goals.steps[1].target : « 10 000 » n'est pas un nombre entier : écrivez 10000 {hint}",
        f"config.yaml:6 : challenges[0].duration : « 60.0 » n'est pas un nombre entier : écrivez 60 {hint}",
    ]
    assert str(error).splitlines()[0] == (
        "config.yaml:3: goals.steps[0].target: '1.000' is not a whole number: write 1000 (no dot or space)"
    )


def test_a_number_said_short_as_creators_say_it_gets_every_digit() -> None:
    text = """\
        goals:
          steps:
            - {id: a, label: x, target: 10k}
            - {id: b, label: y, target: 1.5M}
            - {id: c, label: z, target: "2,5 k"}
        """
    error = caught(text)
    assert error.say("fr").splitlines() == [
        "config.yaml:3 : goals.steps[0].target : « 10k » n'est pas un nombre entier : écrivez 10000 "
        "(tous les chiffres)",
        "config.yaml:4 : goals.steps[1].target : « 1.5M » n'est pas un nombre entier : écrivez 1500000 "
        "(tous les chiffres)",
        "config.yaml:5 : goals.steps[2].target : « 2,5 k » n'est pas un nombre entier : écrivez 2500 "
        "(tous les chiffres)",
    ]
    assert str(error).splitlines()[0] == (
        "config.yaml:3: goals.steps[0].target: '10k' is not a whole number: write 10000 (every digit)"
    )
    minutes = str(caught("challenges:\n  - {id: a, text: Go, target: 100, duration: 5m}\n"))
    assert "5000000" not in minutes  # 5 minutes, not five million seconds


def test_a_thousands_comma_between_braces_is_said_as_one_number() -> None:
    # In `{...}` a comma ends the value: `10,000` was the target 10 and an unknown key `000`.
    text = "goals:\n  steps:\n    - {id: a, label: x, target: 1,000,000}\n"
    assert str(caught(text)) == (
        "config.yaml:3: goals.steps[0].target: '1,000,000' is not a whole number: write 1000000 (between { }, a comma "
        "separates two keys)"
    )


@pytest.mark.parametrize(
    ("written", "read", "meant"), [("0500", "320", "500"), ("060", "48", "60"), ("0x10", "16", "16")]
)
def test_a_number_yaml_reads_in_another_base_is_refused(written: str, read: str, meant: str) -> None:
    assert french(f"challenges:\n  - {{id: a, text: A, target: {written}}}\n") == (
        f"config.yaml:2 : challenges[0].target : YAML lit {written} comme {read} (un nombre dans une autre base) : "
        f"écrivez {meant}"
    )


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("tiktok:\n  unique_id", 'write it in quotes, "0123"'),  # a text: quoted, not made a number
        ("challenges:\n  - text: A\n    id", 'write it in quotes, "0123"'),
        (
            "challenges:\n  - id: a\n    text: A\n    target",
            "YAML reads -0123 as -83 (a number in another base): write -123",
        ),
    ],
)
def test_a_leading_zero_is_said_for_what_the_key_holds(key: str, said: str) -> None:
    value = "-0123" if key.endswith("target") else "0123"
    assert str(caught(f"{key}: {value}\n")).endswith(said)


def test_a_leading_zero_that_changes_nothing_is_taken() -> None:
    assert parse_config("theme:\n  scale: 02\n").theme.scale == 2


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("theme: {scale: 1,5}\n", "'1,5' is not a number: write 1.5 (with a dot)"),
        ("demo: {likes_per_second: 1,000}\n", "write 1.000 (with a dot), or 1000 for a number with no decimals"),
        ("demo:\n  likes_per_second: 1,000\n", "write 1.000 (with a dot), or 1000 for a number with no decimals"),
        ("goals:\n  steps:\n    - {id: a, label: 10,000, target: 5}\n", 'write it in quotes, "10,000"'),
    ],
)
def test_a_comma_in_a_number_is_said_for_what_the_key_holds(text: str, said: str) -> None:
    assert str(caught(text)).endswith(said)


def test_a_decimal_comma_says_to_write_a_dot() -> None:
    assert french("theme:\n  scale: 1,5\n") == (
        "config.yaml:2 : theme.scale : « 1,5 » n'est pas un nombre : écrivez 1.5 (avec un point)"
    )


def test_decimals_stay_welcome_where_a_decimal_is_meant() -> None:
    config = parse_config("theme: {scale: 1.500}\ndemo: {likes_per_second: 2.000}\n")
    assert (config.theme.scale, config.demo.likes_per_second) == (1.5, 2.0)


def test_an_unclosed_quote_is_named_at_the_line_it_opens() -> None:
    error = caught('goals:\n  steps:\n    - {id: a, label: "Un, target: 1000}\nlocale: fr\n')
    assert error.say("fr") == (
        'config.yaml:3 : le guillemet " ouvert ici (colonne 22) n\'est jamais refermé : ajoutez le " de fin '
        "(YAML : found unexpected end of stream, ligne 5)"
    )
    assert str(error) == (
        'config.yaml:3: the quote " opened here (column 22) is never closed: add the closing " '
        "(YAML: found unexpected end of stream, line 5)"
    )


def test_an_unclosed_brace_is_named_at_the_line_it_opens() -> None:
    error = caught(
        'goals:\n  steps:\n    - {id: a, label: "Un", target: 1000\n    - {id: b, label: "Deux", target: 2000}\n'
    )
    assert error.say("fr") == (
        "config.yaml:3 : le « { » ouvert ici (colonne 7) n'est pas refermé : ajoutez le « } » manquant, "
        "ou une virgule entre deux éléments (YAML : expected ',' or '}', but got '{', ligne 4)"
    )
    assert str(error).startswith("config.yaml:3: the '{' opened here (column 7) is not closed: add the missing '}'")


@pytest.mark.parametrize(
    ("end", "opened"), [("[", "« [ » ouvert ici (colonne 10)"), ("[ {", "« { » ouvert ici (colonne 12)")]
)
def test_a_bracket_left_open_at_the_end_of_the_file_is_named_where_it_opens(end: str, opened: str) -> None:
    # PyYAML names the line after the last one, where the file ends: nothing to fix there.
    error = caught(f"locale: fr\ngoals:\n  steps: {end}\n")
    assert error.say("fr").startswith(f"config.yaml:3 : le {opened} n'est pas refermé")


def test_a_tab_says_to_use_spaces() -> None:
    error = caught("server:\n\tport: 8080\n")
    assert error.say("fr") == (
        "config.yaml:2 : caractère de tabulation : utilisez des espaces, pas de tabulation (colonne 1)"
    )
    assert str(error) == "config.yaml:2: a tab character: use spaces, not tabs (column 1)"


def test_an_unquoted_handle_says_to_quote_it() -> None:
    error = caught("tiktok:\n  unique_id: @moncompte\n")
    assert error.say("fr") == (
        'config.yaml:2 : une valeur qui commence par « @ » doit être entre guillemets : écrivez "@moncompte" '
        "(colonne 14)"
    )
    assert str(error) == (
        "config.yaml:2: a value that starts with '@' must be in quotes: write \"@moncompte\" (column 14)"
    )


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (
            "goals:\n  - {id: a, label: Un, target: 1000}\n",
            "config.yaml:1: goals: expected sub-keys here, indented on the lines below",
        ),
        (
            "goals:\n  steps:\n    - {id: objectif 1, label: Un, target: 1000}\n",
            "config.yaml:3: goals.steps[0].id: expected an id of 1 to 40 characters: letters (no accents), digits, "
            "- and _ only (got 'objectif 1')",
        ),
        ("goals:\n  steps: []\n", "config.yaml:2: goals.steps: the list must not be empty"),
        (
            "goals:\n  steps:\n    - {id: a, label: '', target: 1}\n",
            "config.yaml:3: goals.steps[0].label: must not be empty",
        ),
        ("server:\n  port:\n", "config.yaml:2: server.port: expected a whole number (empty)"),
        (
            "tiktok: {unique_id: 'https://www.tiktok.com/@moncompte/live'}\n",
            "config.yaml:1: tiktok.unique_id: your handle, not the address of the live: write @moncompte",
        ),
    ],
)
def test_english_says_it_in_words_not_pydantics_internals(text: str, english: str) -> None:
    assert str(caught(text)) == english


def test_a_list_where_one_choice_is_expected_repeats_what_was_written() -> None:
    error = caught("locale: [fr]\n")
    assert str(error) == "config.yaml:1: locale: ['fr'] is not one of the choices: 'fr' or 'en'"
    assert error.say("fr") == (
        "config.yaml:1 : locale : ['fr'] n'est pas une valeur possible ; valeurs possibles : « fr » ou « en »"
    )


def test_every_problem_is_one_line_in_both_languages() -> None:
    error = caught("locale: de\nserver: {port: x, frame_ms: 1}\n")
    assert error.say("fr").splitlines() == [
        "config.yaml:1 : locale : « de » n'est pas une valeur possible ; valeurs possibles : « fr » ou « en »",
        "config.yaml:2 : server.port : un nombre entier est attendu (vous avez écrit « x »)",
        "config.yaml:2 : server.frame_ms : doit être au moins 10 (vous avez écrit 1)",
    ]
    assert str(error) == error.say("en")
    assert str(error).splitlines() == [
        "config.yaml:1: locale: 'de' is not one of the choices: 'fr' or 'en'",
        "config.yaml:2: server.port: expected a whole number (got 'x')",
        "config.yaml:2: server.frame_ms: must be at least 10 (got 1)",
    ]


# -- every kind of mistake: French, at the same line and key as the English ----------------------------

KINDS = {
    "unknown key, no close match": ("server:\n  zzzzqq: 1\n", 2, "server.zzzzqq"),
    "missing": ("goals:\n  steps:\n    - {id: a, target: 10}\n", 3, "goals.steps[0].label"),
    "literal in a list": ("widgets: {activity: {kinds: [follow, like]}}\n", 1, "widgets.activity.kinds[1]"),
    "greater than": ("goals:\n  steps:\n    - {id: a, label: x, target: -5}\n", 3, "goals.steps[0].target"),
    "at most": ("server: {port: 70000}\n", 1, "server.port"),
    "at least, decimal": ("theme: {scale: 0.1}\n", 1, "theme.scale"),
    "not a number at all": ("demo: {likes_per_second: beaucoup}\n", 1, "demo.likes_per_second"),
    "a fraction for a whole number": ("server: {port: 80.5}\n", 1, "server.port"),
    "a list for a number": ("server: {port: [1]}\n", 1, "server.port"),
    "empty for a number": ("server: {port: null}\n", 1, "server.port"),
    "not a boolean": ("replay: {loop: peut-etre}\n", 1, "replay.loop"),
    "a number for a text": ("goals:\n  steps:\n    - {id: a, label: 123, target: 10}\n", 3, "goals.steps[0].label"),
    "too long": ("theme: {font: " + "x" * 201 + "}\n", 1, "theme.font"),
    "empty text": ("goals:\n  steps:\n    - {id: a, label: '', target: 10}\n", 3, "goals.steps[0].label"),
    "id with a space": ("goals:\n  steps:\n    - {id: 'a b', label: x, target: 10}\n", 3, "goals.steps[0].id"),
    "empty list": ("goals:\n  steps: []\n", 2, "goals.steps"),
    "not a list": ("server: {allowed_hosts: abc}\n", 1, "server.allowed_hosts"),
    "a number for a section": ("server: 8080\n", 1, "server"),
    "empty host": ("server:\n  host: ''\n", 2, "server.host"),
    "a number for a secret": ("tiktok:\n  sign_api_key: 12345678\n", 2, "tiktok.sign_api_key"),
    "a number for a list item": ("goals:\n  steps:\n    - 5\n", 3, "goals.steps[0]"),
    "not a finite number": ("theme: {scale: .nan}\n", 1, "theme.scale"),
    "goal id twice": (
        "goals:\n  steps:\n    - {id: a, label: x, target: 10}\n    - {id: a, label: y, target: 20}\n",
        4,
        "goals.steps[1].id",
    ),
    "reconnect max below min": (
        "tiktok:\n  reconnect_min_seconds: 30\n  reconnect_max_seconds: 20\n",
        3,
        "tiktok.reconnect_max_seconds",
    ),
    "a thousands dot in a whole number": (
        "goals:\n  steps:\n    - {id: a, label: x, target: 10.000}\n",
        3,
        "goals.steps[0].target",
    ),
    "a live's address for a handle": (
        "tiktok:\n  unique_id: https://www.tiktok.com/@moi/live\n",
        2,
        "tiktok.unique_id",
    ),
    "a tab": ("server:\n\tport: 8080\n", 2, ""),
    "an unquoted @handle": ("tiktok:\n  unique_id: @moi\n", 2, ""),
    "tiktok handle": ("tiktok: {unique_id: 'mon compte!'}\n", 1, "tiktok.unique_id"),
    "challenge named like an action": ("challenges:\n  - {id: cancel, text: x}\n", 2, "challenges[0].id"),
    "challenge id twice": ("challenges:\n  - {id: a, text: x}\n  - {id: a, text: y}\n", 3, "challenges[1].id"),
    "escape as a hotkey": ("challenges:\n  - {id: a, text: x, hotkey: Escape}\n", 2, "challenges[0].hotkey"),
    "hotkey twice": (
        "challenges:\n  - {id: a, text: x, hotkey: s}\n  - {id: b, text: y, hotkey: S}\n",
        3,
        "challenges[1].hotkey",
    ),
    "rule without any challenge": (
        "rhythm_rules:\n  - {challenge: c, below_per_minute: 10}\n",
        2,
        "rhythm_rules[0].challenge",
    ),
    "a placeholder other than {target}": (
        "goals:\n  steps:\n    - {id: a, label: A, target: 10}\n  then: {every: 10, label: 'Objectif {cible}'}\n",
        4,
        "goals.then.label",
    ),
    "key twice, nested": ("server:\n  port: 1\n  port: 2\n", 3, "server.port"),
    "YAML syntax": ("locale: fr\ngoals: *nope\n", 2, ""),
    "bracket left open": ("locale: fr\ngoals:\n  steps: [\n", 3, ""),
    "not a mapping": ("- fr\n", 1, ""),
    "a plain text file": ("bonjour\n", 1, ""),
}
ENGLISH_WORDS = re.compile(r"\b(expected|should|got|must|Input|String|List|unknown|required|valid)\b")


@pytest.mark.parametrize(("text", "line", "key"), KINDS.values(), ids=KINDS.keys())
def test_every_kind_of_mistake_is_said_in_french_at_its_line_and_key(text: str, line: int, key: str) -> None:
    error = caught(text)
    english, said = str(error), error.say("fr")
    assert english == error.say("en")
    assert english.startswith(f"config.yaml:{line}: {key}: " if key else f"config.yaml:{line}: ")
    assert said.startswith(f"config.yaml:{line} : {key} : " if key else f"config.yaml:{line} : ")
    assert said != english
    if not english.startswith(f"config.yaml:{line}: YAML syntax error"):  # PyYAML's words stay English
        ours = re.sub(r" \(YAML : .*\)$", "", said.split(" : ", 2 if key else 1)[-1])  # (quoted, as PyYAML's)
        assert not ENGLISH_WORDS.search(ours), said


def test_a_missing_file_in_french(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "nope.yaml")
    assert error.value.say("fr") == (
        f"{tmp_path / 'nope.yaml'} : fichier introuvable "
        "(copiez le config.yaml du projet, ou indiquez le vôtre avec --config)"
    )
    assert (
        str(error.value)
        == f"{tmp_path / 'nope.yaml'}: file not found (copy config.yaml from the project, or pass --config)"
    )


def test_a_file_saved_in_another_encoding_names_the_line_and_says_to_save_it_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes("goals:\n  steps:\n    - {id: a, label: Défi, target: 10}\n".encode("latin-1"))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.say("fr") == (
        f"{path}:3 : ce fichier n'est pas en UTF-8 (l'octet 0xe9 est illisible) ; enregistrez-le en UTF-8 depuis "
        "votre éditeur (Bloc-notes : Enregistrer sous, Encodage : UTF-8)"
    )
    assert str(error.value) == (
        f"{path}:3: this file is not saved as UTF-8 (byte 0xe9 cannot be read); save it as UTF-8 from your editor "
        "(Notepad: Save as, Encoding: UTF-8)"
    )


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert error.value.say("fr").startswith(f"{tmp_path} : impossible de lire ce fichier : ")


# -- what is not foreseen still names its file, line and key ------------------------------------------


def test_a_pydantic_kind_without_a_french_text_keeps_pydantics_words_in_a_french_frame() -> None:
    error = {"type": "some_future_kind", "loc": ("server", "port"), "msg": "Input should be lucky", "input": 13}
    problem = from_pydantic(error, "config.yaml", lambda loc: 2, lambda loc: [])
    assert problem.say("fr") == "config.yaml:2 : server.port : expected lucky (vous avez écrit 13)"
    assert problem.say("en") == "config.yaml:2: server.port: expected lucky (got 13)"


def test_a_text_missing_a_value_falls_back_instead_of_failing() -> None:
    error = {"type": "literal_error", "loc": ("locale",), "msg": "Input should be 1 or 2", "input": 3, "ctx": {}}
    problem = from_pydantic(error, "config.yaml", lambda loc: 1, lambda loc: [])
    assert problem.say("fr") == "config.yaml:1 : locale : expected 1 or 2 (vous avez écrit 3)"
    assert Problem("config.yaml:1", "x", "greater_than").say("fr") == "config.yaml:1 : x : greater_than"


def test_an_error_made_from_a_plain_message_says_it_in_every_language() -> None:
    error = ConfigError("live.jsonl:3: not valid JSON")
    assert error.say("fr") == error.say("en") == str(error)


def test_our_own_checks_read_in_english_where_pydantic_shows_them() -> None:
    """Pydantic's own message (`ValidationError`'s text) is `str()` of our check's error: English."""
    invalid = Invalid("goal_id_twice", at=("steps", 1, "id"), id="a")
    assert str(invalid) == "steps[1].id: goal id 'a' is used twice; each goal needs its own id"


@pytest.mark.parametrize("written", ["rouge", "#ff00", "#fe2c5", "fe2c55", "#gg0000", "rgb 1 2 3"])
def test_a_colour_the_widgets_cannot_draw_is_refused(written: str) -> None:
    error = caught(f'theme:\n  accent: "{written}"\n')
    assert str(error) == (
        f"config.yaml:2: theme.accent: '{written}' is not a colour: write one in quotes, like \"#fe2c55\" "
        '(6 hex digits after #), "red" or "rgb(254 44 85)"'
    )
    assert "les noms sont en anglais" in error.say("fr")


@pytest.mark.parametrize(
    "written",
    [
        "#FE2C55",
        "#fff",
        "#fe2c5580",
        "red",
        "RebeccaPurple",
        "transparent",
        "rgb(254 44 85)",
        "rgba(0, 0, 0, 0.5)",
        "hsl(350 99% 58%)",
        " #fe2c55 ",
        "",
        "var(--brand)",
        "currentColor",
        "color-mix(in srgb, red 40%, white)",
    ],
)
def test_css_colours_are_taken(written: str) -> None:
    assert parse_config(f'theme:\n  accent: "{written}"\n').theme.accent == written.strip()


# -- secrets: never repeated, since messages reach the log, the pages and every websocket frame ------


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (
            "tiktok: {sign_api_key: 12345678}\n",
            "config.yaml:1: tiktok.sign_api_key: expected a text: write it in quotes "
            "(the value is secret, so it is not repeated here)",
        ),
        (
            "tiktok:\n  sign_api_key: #12345678\n",
            "config.yaml:2: tiktok.sign_api_key: empty: YAML reads what follows an unquoted # as a comment; "
            "write it in quotes (the value is secret, so it is not repeated here)",
        ),
    ],
    ids=["a number", "a # word"],
)
def test_a_secret_written_unquoted_says_to_quote_it_without_repeating_it(text: str, english: str) -> None:
    error = caught(text)
    assert str(error) == english
    assert "12345678" not in error.say("fr")
    assert "guillemets (la valeur est secrète : elle n'est pas répétée ici)" in error.say("fr")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("tiktok:\n  unique_id: moi\n  sign_api_key: *s3cr3t\n", 3),  # YAML: found undefined alias 's3cr3t'
        ("tiktok:\n  sign_api_key: @s3cr3t\n", 2),
        ("tiktok: {unique_id: moi, sign_api_key: !s3cr3t}\n", 1),
        ("tiktok:\n  sign_api_key:\n    *s3cr3t\n", 3),  # its value on the line below
    ],
    ids=["an alias", "an @ word", "a tag", "an alias below"],
)
def test_yaml_that_cannot_read_a_secret_does_not_repeat_it(text: str, line: int) -> None:
    error = caught(text)
    assert str(error) == (
        f"config.yaml:{line}: YAML cannot read the value of sign_api_key on this line: write it in quotes "
        "(the value is secret, so it is not repeated here)"
    )
    assert "s3cr3t" not in error.say("fr")


@pytest.mark.parametrize(
    "text",
    ["sign_api_key: 0755123", "sign_api_key: 0x755123", "{sign_api_key: 755,123}", "sign_api_key: !!float 755123"],
)
def test_a_secret_read_as_a_number_is_never_repeated(text: str) -> None:
    said = caught(f"tiktok:\n  {text}\n").say("en")
    assert "755" not in said
    assert "write it in quotes (the value is secret, so it is not repeated here)" in said


def test_no_kind_of_mistake_repeats_a_secret() -> None:
    error = {"type": "string_too_short", "loc": ("tiktok", "sign_api_key"), "msg": "too short", "input": "s3cr3t"}
    problem = from_pydantic(error, "config.yaml", lambda loc: 3, lambda loc: [])
    assert "s3cr3t" not in problem.say("en") + problem.say("fr")


def secret_fields(model: type[BaseModel]) -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        if field.annotation is SecretStr:
            found.add(name)
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found |= secret_fields(field.annotation)
    return found


def test_the_secret_keys_are_the_configs_secret_fields() -> None:
    assert secret_fields(Config) == SECRET_KEYS


def test_the_pages_say_it_with_french_typography_and_the_console_as_before() -> None:
    problem = Problem("config.yaml:3", "locle", "unknown_key", {"close": "locale", "valid": "locale, source"})
    assert problem.say("fr") == (
        "config.yaml:3 : locle : clé inconnue ; vouliez-vous dire « locale » ? Clés valides ici : locale, source"
    )
    # On a page a narrow no-break space holds each sign to its word: it never starts a line of its own.
    assert problem.say("fr", page=True) == (
        "config.yaml:3\u202f: locle\u202f: clé inconnue\u202f; vouliez-vous dire « locale »\u202f? "
        "Clés valides ici\u202f: locale, source"
    )
    assert problem.say("en", page=True) == problem.say("en")
    # What the creator wrote is quoted as written.
    written = Problem("config.yaml:4", "goals.then.every", "whole_number", {"written": "a : b", "whole": 5})
    assert written.say("fr", page=True).startswith("config.yaml:4\u202f: goals.then.every\u202f: « a : b » n'est pas")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "goals:\n  steps:\n    - id: a\n      label: {fr: Bonjour, es: Hola}\n      target: 5\n",
            "config.yaml:4 : goals.steps[0].label.es : « es » n'est pas une langue de l'overlay : écrivez le texte de "
            "chaque langue sous « fr » ou « en », ou un seul texte pour toutes les langues",
        ),
        (
            "challenges:\n  - id: a\n    text: {}\n",
            "config.yaml:3 : challenges[0].text : aucun texte : écrivez un seul texte pour toutes les langues, ou un "
            "texte sous « fr » ou « en »",
        ),
        (
            "challenges:\n  - id: a\n    text:\n      fr: Défi\n      en: 12\n",
            'config.yaml:5 : challenges[0].text.en : un texte est attendu : écrivez-le entre guillemets, "12"',
        ),
        (
            "challenges:\n  - id: a\n    text:\n      fr: Défi\n      en:\n",
            "config.yaml:5 : challenges[0].text.en : un texte est attendu (valeur vide)",
        ),
    ],
)
def test_a_wrong_text_per_language_is_said_in_french_at_its_line_and_language(text: str, said: str) -> None:
    assert french(text) == said
