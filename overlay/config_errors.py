"""Configuration: what can be wrong with `config.yaml`, kept as data and said in French or English.

At start the console says a mistake in the config's language (`ConfigError.say(locale)`, French
unless the file sets `locale: en`); the index and control pages say it in their own language; the
log of a live edit and `str(ConfigError)` keep English. All come from the same `Problem`: where,
which key, a text key and its values. Pydantic kinds without a text keep pydantic's English words
inside the sentence, so an unforeseen mistake still names its file, line and key.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from overlay.i18n import Locale, narrow_spaces

Loc = tuple[str | int, ...]

ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"  # goal and challenge ids: they go in URLs and API paths

# The config's secret keys (its `SecretStr` fields): their value is never repeated in a message, which
# reaches the log, the pages and every websocket frame. Said without it (`SECRET_CODES`), or without `{got}`.
SECRET_KEYS = frozenset({"sign_api_key"})
# Keys a creator may well write for one of ours, too unlike it for a spelling match: `language: en`.
KEY_ALIASES = {"language": "locale", "langue": "locale", "lang": "locale", "langage": "locale"}
SECRET_CODES = {"string_quotes": "secret_quotes", "string_comment": "secret_comment"}
# pydantic's kinds that our own checks (`Invalid`) may raise too, with its values (`input`, `max_length`...).
PYDANTIC_KINDS = frozenset({"string_type", "string_too_short", "string_too_long"})

# `{name!q}` quotes a value as each language does ('de' / « de »), `{name!o}` lists choices ('a' or 'b' /
# « a » ou « b »), `{name!t}` names a YAML type ("a list" / "une liste"), `{name!n}` writes a number as in
# config.yaml (15, 0.25: what to type, so no French grouping or decimal comma); `{got}` is " (got X)" /
# " (vous avez écrit X)" when the value written is worth repeating. A text key missing in a locale is said as `MISSING`.
MISSING = "{message}{got}"
TEXTS: dict[Locale, dict[str, str]] = {
    "en": {
        # the file itself
        "file_not_found": "file not found (copy config.yaml from the project, or pass --config)",
        "unreadable": "cannot be read: {reason}",
        "not_utf8": (
            "this file is not saved as UTF-8 (byte {byte} cannot be read); save it as UTF-8 from your editor "
            "(Notepad: Save as, Encoding: UTF-8)"
        ),
        "empty_on_reload": (
            "the file is empty: the previous configuration stays applied (an empty file means the defaults "
            "only when the server starts)"
        ),
        "yaml_syntax": "YAML syntax error: {problem} (column {column})",
        "yaml_unclosed_quote": (
            "the quote {quote} opened here (column {column}) is never closed: add the closing {quote} "
            "(YAML: {problem}, line {line})"
        ),
        "yaml_unclosed": (
            "the '{open}' opened here (column {column}) is not closed: add the missing '{close}', "
            "or a ',' between two items (YAML: {problem}, line {line})"
        ),
        "yaml_tab": "a tab character: use spaces, not tabs (column {column})",
        "yaml_reserved": "a value that starts with '{char}' must be in quotes: write {fixed} (column {column})",
        "yaml_syntax_nowhere": "YAML syntax error: {problem}",
        "yaml_colon_in_text": (
            "YAML reads the ': ' in this text as the start of a key: write the text in quotes, {quoted}"
        ),
        "yaml_after_quote": (
            "text after the end of the value (column {column}): put it inside the quotes (or the braces), or on a line "
            "of its own"
        ),
        "yaml_indent": (
            "this line is indented by {spaces} space{s}, like no block above it (the line before has {above}): "
            "line it up, with spaces, with the keys it belongs with"
        ),
        "yaml_tag": (
            "a value that starts with '!' must be in quotes, or YAML reads it as a tag: {problem} (column {column})"
        ),
        "yaml_error": "YAML error: {error}",
        "yaml_simple_key": "expected 'key: value' on this line, with a space after the ':' (YAML: {problem})",
        "yaml_value": "YAML cannot read {written!q} ({error}); if it is a text, put it in quotes",
        "yaml_control_char": "an invisible control character ({char}) is in this line: retype the line without it",
        "yaml_merge": "'<<' (merging keys from an anchor) is not supported here: write the keys out",
        "key_twice": "this key is given twice (first on line {line}); keep only one",
        "not_mapping": "the file must be a mapping of keys (like 'locale: fr'), not a {kind}",
        # pydantic's kinds: the rest are pydantic's own words (`message`)
        "unknown_key": "unknown key; did you mean '{close}'? Valid keys here: {valid}",
        "unknown_key_no_hint": "unknown key. Valid keys here: {valid}",
        "missing": "this key is required",
        "literal_error": "{input!q} is not one of the choices: {choices!o}",
        "greater_than": "must be more than {gt!n}{got}",
        "greater_than_equal": "must be at least {ge!n}{got}",
        "less_than": "must be less than {lt!n}{got}",
        "less_than_equal": "must be at most {le!n}{got}",
        "int_parsing": "expected a whole number{got}",
        "int_type": "expected a whole number{got}",
        "int_from_float": "expected a whole number, with no decimals{got}",
        "float_parsing": "expected a number{got}",
        "float_type": "expected a number{got}",
        "finite_number": "expected a finite number{got}",
        "bool_parsing": "expected true or false{got}",
        "bool_type": "expected true or false{got}",
        "string_type": "expected a text{got}",
        "string_too_short": "must be at least {min_length} characters{got}",
        "string_pattern_mismatch": "must match the pattern {pattern!q}{got}",
        "list_type": "expected a list{got}",
        "string_empty": "must not be empty",
        "string_too_long": "must be at most {max_length} characters (it has {length})",
        "id_pattern": "expected an id of 1 to 40 characters: letters (no accents), digits, - and _ only{got}",
        "list_empty": "the list must not be empty",
        "too_short": "the list must have at least {min_length} items",
        "too_long": "the list must have at most {max_length} items",
        "model_type": "expected sub-keys here, indented on the lines below{got}",
        "model_attributes_type": "expected sub-keys here, indented on the lines below{got}",
        "dict_type": "expected sub-keys here, indented on the lines below{got}",
        # our own checks (`Invalid`)
        "reconnect_backoff": "reconnect_max_seconds ({max:g}) must be at least reconnect_min_seconds ({min:g})",
        "tiktok_handle": 'a TikTok handle like "@moncompte" (letters, digits, "_" and ".")',
        "allowed_host": "{host!q} is not a host name: write a name like studio-pc.local or an address (no * or spaces)",
        "server_host_empty": (
            "empty: write 127.0.0.1 (this PC only, the default), or 0.0.0.0 to be reached from the other devices "
            "of your network"
        ),
        "tiktok_handle_url": "your handle, not the address of the live: write {handle}",
        "whole_number": "{written!q} is not a whole number: write {whole} (no dot or space)",
        "whole_number_short": "{written!q} is not a whole number: write {whole} (every digit)",
        "odd_number": "YAML reads {written} as {read} (a number in another base): write {meant}",
        "decimal_comma": "{written!q} is not a number: write {fixed} (with a dot)",
        "decimal_or_thousands": (
            "{written!q} is not a number: write {fixed} (with a dot), or {whole} for a number with no decimals"
        ),
        "whole_number_comma": (
            "{written!q} is not a whole number: write {whole} (between {{ }}, a comma separates two keys)"
        ),
        "colour": (
            '{written!q} is not a colour: write one in quotes, like "#fe2c55" (6 hex digits after #), "red" or '
            '"rgb(254 44 85)"'
        ),
        "whole_number_bool": "expected a whole number; YAML reads {written!q} as true or false",
        "string_quotes": 'expected a text: write it in quotes, "{written}"',
        "string_comment": (
            'empty: YAML reads what follows an unquoted # as a comment; write it in quotes, "{written}"'
        ),
        "secret_quotes": "expected a text: write it in quotes (the value is secret, so it is not repeated here)",
        "yaml_secret": (
            "YAML cannot read the value of {key} on this line: write it in quotes "
            "(the value is secret, so it is not repeated here)"
        ),
        "secret_comment": (
            "empty: YAML reads what follows an unquoted # as a comment; write it in quotes "
            "(the value is secret, so it is not repeated here)"
        ),
        "number_too_large": "a number this large must be a typo: at most 1,000,000,000,000",
        "builtin_action_id": "{id!q} is the name of a built-in action ({actions}); pick another id",
        "goal_id_twice": "goal id {id!q} is used twice; each goal needs its own id",
        "goal_target_order": (
            "{target} must be greater than the previous goal's ({previous}); targets count from the start of the live"
        ),
        "then_label_placeholder": "{placeholder} is not filled in: only {{target}} is (the goal's number of likes)",
        "text_language": (
            "{language!q} is not a language of the overlay: write the text of each language under {languages!o}, "
            "or one text for every language"
        ),
        "texts_empty": "no text: write one text for every language, or a text under {languages!o}",
        "challenge_id_twice": "challenge id {id!q} is used twice",
        "hotkey_escape": "Escape cancels the running challenge; pick another key",
        "hotkey_one_key": (
            '{hotkey!q} cannot be pressed on the control page: write one character (like 1 or b, " " for Space) '
            "or a key name such as F1, without Ctrl or Alt"
        ),
        "hotkey_twice": "{hotkey!q} already starts challenge {challenge!q}",
        "unknown_challenge": "no challenge with id {id!q} (challenges: {known})",
        "unknown_challenge_none": "no challenge with id {id!q} (challenges: none defined yet)",
        # the command line's own checks
        "option_user_source": "only for the tiktok source; it cannot go with {source}",
        "option_replay_source": "plays a recording; it cannot go with {source}",
        "option_speed": "must be more than 0 and at most 1000 (got {speed:g})",
        "option_replay_only": "--speed and --loop only apply to a replay (--replay FILE)",
        "tiktok_needs_handle": (
            "the tiktok source needs your handle: --user @moncompte, or tiktok.unique_id in config.yaml"
        ),
        "replay_needs_file": "the replay source needs a recording: --replay FILE, or replay.file in config.yaml",
        "css_not_found": (
            'file not found: {path}; fix the path (relative to the folder the server runs from), or write "" for none'
        ),
    },
    "fr": {
        "file_not_found": "fichier introuvable (copiez le config.yaml du projet, ou indiquez le vôtre avec --config)",
        "unreadable": "impossible de lire ce fichier : {reason}",
        "not_utf8": (
            "ce fichier n'est pas en UTF-8 (l'octet {byte} est illisible) ; enregistrez-le en UTF-8 depuis votre "
            "éditeur (Bloc-notes : Enregistrer sous, Encodage : UTF-8)"
        ),
        "empty_on_reload": (
            "le fichier est vide : la configuration précédente reste appliquée (un fichier vide ne donne les "
            "réglages par défaut qu'au démarrage du serveur)"
        ),
        "yaml_syntax": "erreur de syntaxe YAML : {problem} (colonne {column})",
        "yaml_unclosed_quote": (
            "le guillemet {quote} ouvert ici (colonne {column}) n'est jamais refermé : ajoutez le {quote} de fin "
            "(YAML : {problem}, ligne {line})"
        ),
        "yaml_unclosed": (
            "le « {open} » ouvert ici (colonne {column}) n'est pas refermé : ajoutez le « {close} » manquant, "
            "ou une virgule entre deux éléments (YAML : {problem}, ligne {line})"
        ),
        "yaml_tab": "caractère de tabulation : utilisez des espaces, pas de tabulation (colonne {column})",
        "yaml_reserved": (
            "une valeur qui commence par « {char} » doit être entre guillemets : écrivez {fixed} (colonne {column})"
        ),
        "yaml_syntax_nowhere": "erreur de syntaxe YAML : {problem}",
        "yaml_colon_in_text": (
            "YAML lit le « : » de ce texte comme le début d'une clé : écrivez le texte entre guillemets, {quoted}"
        ),
        "yaml_after_quote": (
            "du texte suit la fin de la valeur (colonne {column}) : mettez-le dans les guillemets (ou les accolades), "
            "ou sur une ligne à lui"
        ),
        "yaml_indent": (
            "cette ligne a un retrait de {spaces} espace{s}, qui ne correspond à aucun bloc au-dessus (la ligne "
            "précédente en a {above}) : alignez-la, avec des espaces, sur les clés dont elle fait partie"
        ),
        "yaml_tag": (
            "une valeur qui commence par « ! » doit être entre guillemets, sinon YAML la lit comme une étiquette : "
            "{problem} (colonne {column})"
        ),
        "yaml_error": "erreur YAML : {error}",
        "yaml_simple_key": (
            "« clé: valeur » est attendu sur cette ligne, avec une espace après le « : » (YAML : {problem})"
        ),
        "yaml_value": "YAML ne sait pas lire {written!q} ({error}) ; si c'est un texte, mettez-le entre guillemets",
        "yaml_control_char": (
            "un caractère de contrôle invisible ({char}) est dans cette ligne : retapez la ligne sans lui"
        ),
        "yaml_merge": "« << » (reprendre les clés d'une ancre) n'est pas pris en charge ici : écrivez les clés",
        "key_twice": "cette clé apparaît deux fois (d'abord ligne {line}) ; n'en gardez qu'une",
        "not_mapping": "le fichier doit contenir des clés avec leurs valeurs (comme « locale: fr »), pas {kind!t}",
        "unknown_key": "clé inconnue ; vouliez-vous dire {close!q} ? Clés valides ici : {valid}",
        "unknown_key_no_hint": "clé inconnue. Clés valides ici : {valid}",
        "missing": "cette clé est obligatoire",
        "literal_error": "{input!q} n'est pas une valeur possible ; valeurs possibles : {choices!o}",
        "greater_than": "doit être supérieur à {gt!n}{got}",
        "greater_than_equal": "doit être au moins {ge!n}{got}",
        "less_than": "doit être inférieur à {lt!n}{got}",
        "less_than_equal": "doit être au plus {le!n}{got}",
        "int_parsing": "un nombre entier est attendu{got}",
        "int_type": "un nombre entier est attendu{got}",
        "int_from_float": "un nombre entier est attendu, sans partie décimale{got}",
        "whole_number": "{written!q} n'est pas un nombre entier : écrivez {whole} (sans point ni espace)",
        "whole_number_short": "{written!q} n'est pas un nombre entier : écrivez {whole} (tous les chiffres)",
        "odd_number": "YAML lit {written} comme {read} (un nombre dans une autre base) : écrivez {meant}",
        "decimal_comma": "{written!q} n'est pas un nombre : écrivez {fixed} (avec un point)",
        "decimal_or_thousands": (
            "{written!q} n'est pas un nombre : écrivez {fixed} (avec un point), ou {whole} pour un nombre sans "
            "décimales"
        ),
        "whole_number_comma": (
            "{written!q} n'est pas un nombre entier : écrivez {whole} (entre {{ }}, une virgule sépare deux clés)"
        ),
        "colour": (
            '{written!q} n\'est pas une couleur : écrivez-en une entre guillemets, comme "#fe2c55" (6 chiffres '
            'hexadécimaux après #), "red" (les noms sont en anglais) ou "rgb(254 44 85)"'
        ),
        "whole_number_bool": "un nombre entier est attendu ; YAML lit {written!q} comme vrai ou faux",
        "string_quotes": 'un texte est attendu : écrivez-le entre guillemets, "{written}"',
        "string_comment": (
            "valeur vide : YAML lit ce qui suit un # sans guillemets comme un commentaire ; "
            'écrivez-le entre guillemets, "{written}"'
        ),
        "secret_quotes": (
            "un texte est attendu : écrivez-le entre guillemets (la valeur est secrète : elle n'est pas répétée ici)"
        ),
        "yaml_secret": (
            "YAML ne peut pas lire la valeur de {key} sur cette ligne : écrivez-la entre guillemets "
            "(la valeur est secrète : elle n'est pas répétée ici)"
        ),
        "secret_comment": (
            "valeur vide : YAML lit ce qui suit un # sans guillemets comme un commentaire ; écrivez-le entre "
            "guillemets (la valeur est secrète : elle n'est pas répétée ici)"
        ),
        "number_too_large": "un nombre aussi grand est sûrement une faute de frappe : au plus 1 000 000 000 000",
        "float_parsing": "un nombre est attendu{got}",
        "float_type": "un nombre est attendu{got}",
        "finite_number": "un nombre fini est attendu{got}",
        "bool_parsing": "« true » ou « false » est attendu{got}",
        "bool_type": "« true » ou « false » est attendu{got}",
        "string_type": "un texte est attendu{got}",
        "string_empty": "ne doit pas être vide",
        "string_too_short": "doit faire au moins {min_length} caractères{got}",
        "string_too_long": "doit faire au plus {max_length} caractères (il en a {length})",
        "id_pattern": (
            "un identifiant de 1 à 40 caractères est attendu, fait de lettres sans accents, de chiffres, "
            "de « _ » ou de « - »{got}"
        ),
        "string_pattern_mismatch": "doit correspondre au motif {pattern!q}{got}",
        "list_empty": "la liste ne doit pas être vide",
        "too_short": "la liste doit avoir au moins {min_length} éléments",
        "too_long": "la liste doit avoir au plus {max_length} éléments",
        "list_type": "une liste est attendue{got}",
        "model_type": "des sous-clés sont attendues ici, en retrait sur les lignes suivantes{got}",
        "model_attributes_type": "des sous-clés sont attendues ici, en retrait sur les lignes suivantes{got}",
        "dict_type": "des sous-clés sont attendues ici, en retrait sur les lignes suivantes{got}",
        "reconnect_backoff": (
            "reconnect_max_seconds ({max:g}) doit être au moins égal à reconnect_min_seconds ({min:g})"
        ),
        "tiktok_handle": (
            "un nom de compte TikTok comme « @moncompte » est attendu (lettres sans accents, chiffres, « _ » et « . »)"
        ),
        "tiktok_handle_url": "votre nom de compte, pas l'adresse du live : écrivez {handle}",
        "allowed_host": (
            "{host!q} n'est pas un nom de machine : écrivez un nom comme studio-pc.local ou une adresse "
            "(sans * ni espace)"
        ),
        "server_host_empty": (
            "valeur vide : écrivez 127.0.0.1 (ce PC seulement, la valeur par défaut), ou 0.0.0.0 pour être joint "
            "depuis les autres appareils de votre réseau"
        ),
        "builtin_action_id": "{id!q} est le nom d'une action intégrée ({actions}) ; choisissez un autre identifiant",
        "goal_id_twice": "l'identifiant d'objectif {id!q} est utilisé deux fois ; chaque objectif doit avoir le sien",
        "goal_target_order": (
            "{target} doit dépasser la cible de l'objectif précédent ({previous}) ; "
            "les objectifs comptent depuis le début du live"
        ),
        "then_label_placeholder": (
            "{placeholder} n'est pas remplacé : seul {{target}} l'est (le nombre de likes de l'objectif)"
        ),
        "text_language": (
            "{language!q} n'est pas une langue de l'overlay : écrivez le texte de chaque langue sous {languages!o}, "
            "ou un seul texte pour toutes les langues"
        ),
        "texts_empty": "aucun texte : écrivez un seul texte pour toutes les langues, ou un texte sous {languages!o}",
        "challenge_id_twice": "l'identifiant de défi {id!q} est utilisé deux fois",
        "hotkey_escape": "Échap annule le défi en cours ; choisissez une autre touche",
        "hotkey_one_key": (
            '{hotkey!q} ne peut pas être tapé sur la page de contrôle : écrivez un caractère (comme 1 ou b, " " '
            "pour Espace) ou un nom de touche comme F1, sans Ctrl ni Alt"
        ),
        "hotkey_twice": "{hotkey!q} lance déjà le défi {challenge!q}",
        "unknown_challenge": "aucun défi n'a l'identifiant {id!q} (défis : {known})",
        "unknown_challenge_none": "aucun défi n'a l'identifiant {id!q} (la liste challenges est vide)",
        "option_user_source": "réservé à la source tiktok ; impossible avec {source}",
        "option_replay_source": "rejoue un enregistrement ; impossible avec {source}",
        "option_speed": "doit être supérieur à 0 et au plus 1000 (vous avez écrit {speed:g})",
        "option_replay_only": "--speed et --loop ne servent qu'à rejouer un enregistrement (--replay FICHIER)",
        "tiktok_needs_handle": (
            "la source tiktok a besoin de votre nom de compte : --user @moncompte, ou tiktok.unique_id dans config.yaml"
        ),
        "replay_needs_file": (
            "la source replay a besoin d'un enregistrement : --replay FICHIER, ou replay.file dans config.yaml"
        ),
        "css_not_found": (
            "fichier introuvable : {path} ; corrigez le chemin (relatif au dossier où le serveur est lancé), "
            'ou écrivez "" pour aucun'
        ),
    },
}

COLON: dict[Locale, str] = {"en": ": ", "fr": " : "}  # French puts a space before the colon

# The file's top level as YAML read it, when it is not a mapping (`type(data).__name__`).
YAML_KINDS = {
    "list": "une liste",
    "str": "un simple texte",
    "int": "un nombre",
    "float": "un nombre",
    "bool": "un booléen",
}


class _Voice(string.Formatter):
    """`str.format` with the conversions of `TEXTS` (`!q`, `!o`, `!n`, `!t`) said in one locale."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "q":
            return self.quote(value)
        if conversion == "o":
            quoted = [self.quote(choice) for choice in value]
            last = " or " if self.locale == "en" else " ou "
            return last.join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else "".join(quoted)
        if conversion == "n":
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if conversion == "t":
            return YAML_KINDS.get(value, f"une valeur de type {value}") if self.locale == "fr" else value
        return super().convert_field(value, conversion)

    def quote(self, value: Any) -> str:
        if self.locale == "en":
            return repr(value)
        if isinstance(value, str):
            return f"« {value} »"
        if isinstance(value, bool) or value is None:
            return {True: "true", False: "false", None: "null"}[value]
        return str(value)

    def got(self, params: Mapping[str, Any]) -> str:
        """' (got 5)' / ' (vous avez écrit 5)' when the value written is known, else nothing."""
        if "input" not in params:
            return ""
        value = params["input"]
        if isinstance(value, int) and value.bit_length() > 64:
            return ""  # not repeated: Python cannot even write out a number of over 4,300 digits
        if self.locale == "en":
            return " (empty)" if value is None else f" (got {value!r})"
        return " (valeur vide)" if value is None else f" (vous avez écrit {self.quote(value)})"


def render(code: str, params: Mapping[str, Any], locale: Locale, *, page: bool = False) -> str:
    """The text `code` in `locale` with `params` filled; pydantic's English (`message`) when it has none.

    `page`: for a page, French signs get their narrow no-break space (only in our words, not in the values).
    """
    voice = _Voice(locale)
    values = {**params, "got": voice.got(params)}
    spaced = narrow_spaces if page and locale == "fr" else str
    try:
        return voice.format(spaced(TEXTS[locale].get(code, MISSING)), **values)
    except (KeyError, IndexError, ValueError, TypeError):  # a value the text needs is missing or odd
        return voice.format(spaced(MISSING), **{"message": code, **values})


@dataclass(frozen=True)
class Problem:
    """One mistake: where (`config.yaml:12`, or the file alone), the dotted key (or none), and what (a text key)."""

    where: str
    key: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def say(self, locale: Locale, *, page: bool = False) -> str:
        """`config.yaml:12 : goals.steps[1].target : ...`; `page`: with French typography (see `render`)."""
        return located(self.where, self.key, render(self.code, self.params, locale, page=page), locale, page=page)


def located(where: str, key: str, text: str, locale: Locale, *, page: bool = False) -> str:
    """`text` after where it was written and its key, those given: `config.yaml:12 : goals.steps[1].target : text`."""
    colon = "\u202f: " if page and locale == "fr" else COLON[locale]
    head = colon.join(part for part in (where, key) if part)
    return f"{head}{colon}{text}" if head else text


class ConfigError(Exception):
    """A config file that cannot be used: `say(locale)` for the console and the pages, `str()` in English (the log).

    Made from a plain message (a broken recording, in its own English words), it says that message in every locale.
    """

    def __init__(self, problems: str | Problem | Sequence[Problem]) -> None:
        if isinstance(problems, str):
            self.problems: tuple[Problem, ...] = ()
            super().__init__(problems)
            return
        self.problems = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__(self.say("en"))

    def say(self, locale: Locale, *, page: bool = False) -> str:
        """Every problem in `locale`, one per line; `page`: with French typography (the console keeps plain spaces)."""
        if not self.problems:
            return str(self)
        return "\n".join(problem.say(locale, page=page) for problem in self.problems)


class Invalid(ValueError):
    """Raised by the schema's own checks: a text key and its values, so each language can say it.

    `at` points below the validated model (`("steps", 1, "target")`). `str()` is the English text,
    what pydantic shows in its own messages (`ValidationError`'s text).
    """

    def __init__(self, code: str, *, at: Loc = (), **params: Any) -> None:
        self.code, self.at, self.params = code, at, params
        text = render(code, params, "en")
        super().__init__(f"{dotted(at)}: {text}" if at else text)


def dotted(loc: Loc) -> str:
    """`("goals", "steps", 1, "target")` -> `goals.steps[1].target`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def decimal_comma(written: str) -> tuple[str, dict[str, str]]:
    """`1,5` -> write 1.5; `1,000` -> write 1.000, or 1000 (a thousand, in English)."""
    params = {"written": written, "fixed": written.replace(",", ".")}
    if (whole := ungrouped(written)) is not None:
        return "decimal_or_thousands", {**params, "whole": whole}
    return "decimal_comma", params


def ungrouped(text: str) -> str | None:
    """`10.000`, `10 000` or `10,000` -> `10000`: a whole number written with thousands separators, else None."""
    if re.fullmatch(r"[+-]?\d{1,3}(?:[., \u00a0\u202f]\d{3})+", text.strip()):
        return re.sub(r"[^\d+-]", "", text)
    return None


def from_pydantic(
    error: Mapping[str, Any],
    filename: str,
    line_for: Callable[[Loc], int | None],
    valid_keys: Callable[[Loc], list[str]],
    written: Callable[[Loc], str | None] = lambda loc: None,
) -> Problem:
    """One of pydantic's `errors()` as a Problem at the line of its key.

    `written`: the value at a key as it was typed in the file (`10.000`, where YAML read the number 10.0).
    """
    loc: Loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    code = str(error["type"])
    ctx = dict(error.get("ctx") or {})
    cause = ctx.pop("error", None)
    # pydantic's English, as the console has always printed it: "Input should be ..." -> "expected ...".
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "expected")
    shown = error.get("input")
    if code == "value_error" and isinstance(cause, Invalid) and cause.code in PYDANTIC_KINDS:
        # Our own check of a value inside another (a language's text of a goal label) found what pydantic says
        # of a plain value: said the same way, at the key inside.
        loc, code, message = (*loc, *cause.at), cause.code, str(cause)
        ctx = {name: value for name, value in cause.params.items() if name != "input"}
        shown = cause.params.get("input")
    params: dict[str, Any] = {**ctx, "message": message}
    if code == "value_error" and isinstance(cause, Invalid):
        loc, code, params = (*loc, *cause.at), cause.code, dict(cause.params)
        text = written(loc)
        if code == "whole_number" and text is not None:  # say `10.000` as typed, not the 10.0 YAML read
            params = {"written": text, "whole": ungrouped(text) or params["whole"]}
        elif code == "whole_number_bool" and text is not None:  # `yes`, as typed
            params = {"written": text}
    elif code == "string_type" and (text := written(loc)) and (shown is not None or text.startswith("#")):
        # `hotkey: 1`, `label: 2024-01-01`: to be quoted; `accent: #fe2c55`: a comment, not a colour
        code = "string_comment" if shown is None else "string_quotes"
        params = {"written": text}
    elif code in ("float_parsing", "float_type") and (text := written(loc)) and re.fullmatch(r"[+-]?\d+,\d+", text):
        code, params = decimal_comma(text)  # `scale: 1,5`
    elif code == "extra_forbidden":
        valid = valid_keys(loc[:-1])
        meant = KEY_ALIASES.get(str(loc[-1]).lower())
        close = [meant] if meant in valid else difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        code = "unknown_key" if close else "unknown_key_no_hint"
        params = {"valid": ", ".join(valid), "close": close[0] if close else ""}
    elif code == "literal_error" or (code != "value_error" and not isinstance(shown, (dict, list))):
        params["input"] = shown  # a wrong choice is always repeated, even a list ("locale: [fr]")
    if code == "literal_error":
        params["choices"] = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", ""))) or None
    elif code in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        code = "string_empty" if code == "string_too_short" else "list_empty"
    elif code == "string_too_long" and isinstance(shown, str):
        params["length"] = len(shown)
    elif code == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        code = "id_pattern"
    if loc and loc[-1] in SECRET_KEYS:
        code, params = _unrepeated(code, params)
    line = line_for(loc)
    return Problem(f"{filename}:{line}" if line else filename, dotted(loc), code, params)


def _unrepeated(code: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The problem with a secret key said without the value written (`sign_api_key: 12345678`)."""
    return SECRET_CODES.get(code, code), {
        name: value for name, value in params.items() if name not in ("input", "written")
    }
