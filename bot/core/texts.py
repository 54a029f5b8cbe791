"""Every sentence a person reads comes from `prompts/<language>.toml`; code never hard-codes
prose. Missing keys in a translation fall back to English."""

import tomllib
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "en"


class Texts:
    def __init__(self, tables: dict[str, dict[str, Any]]) -> None:
        self._tables = tables

    @classmethod
    def load(cls) -> "Texts":
        return cls(_load_tables())

    def languages(self) -> list[str]:
        return sorted(self._tables)

    def language(self, locale: str | None) -> str:
        """The language text for `locale` is actually shown in: its own if translated, else
        English (`ja-JP` reads English)."""
        language = language_of(locale)
        return language if language in self._tables else DEFAULT_LANGUAGE

    def get(self, key: str, locale: str | None = None, **values: object) -> str:
        """`key` is dotted (`checkin.header`); `locale` is Slack's (`es-LA`) or a language."""
        template = self._lookup(key, language_of(locale))
        if not isinstance(template, str):
            raise KeyError(f"prompt {key!r} is not a text")
        return template.format(**values) if values else template

    def count(self, key: str, count: int, locale: str | None = None, **values: object) -> str:
        """A text with a number in it: `<key>_one` where the language says one (English and
        Spanish: 1; French: 0 and 1), else `<key>`. `{count}` is filled in."""
        language = self.language(locale)
        singular = count in (0, 1) if language == "fr" else count == 1
        if singular:
            try:
                return self.get(f"{key}_one", locale, count=count, **values)
            except KeyError:
                pass
        return self.get(key, locale, count=count, **values)

    def list(self, key: str, locale: str | None = None) -> list[str]:
        value = self._lookup(key, language_of(locale))
        if not isinstance(value, list):
            raise KeyError(f"prompt {key!r} is not a list")
        return [str(item) for item in value]

    def raw(self, key: str, locale: str | None = None) -> object:
        """Structured prompt data (tables, arrays of tables), e.g. the seed taxonomy."""
        return self._lookup(key, language_of(locale))

    def _lookup(self, key: str, language: str) -> object:
        for lang in (language, DEFAULT_LANGUAGE):
            node: object = self._tables.get(lang, {})
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                return node
        raise KeyError(f"no prompt {key!r}")


def language_of(locale: str | None) -> str:
    return (locale or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()


@cache
def _load_tables() -> dict[str, dict[str, Any]]:
    tables = {}
    for entry in resources.files("prompts").iterdir():
        # Language files are named by ISO 639-1 code (en.toml, es.toml); other TOML files in
        # prompts/ (LLM prompts) are not translations.
        if entry.name.endswith(".toml") and len(entry.name) == len("xx.toml"):
            tables[entry.name.removesuffix(".toml")] = tomllib.loads(entry.read_text("utf-8"))
    if DEFAULT_LANGUAGE not in tables:
        raise RuntimeError("prompts/en.toml is missing from the installation")
    return tables
