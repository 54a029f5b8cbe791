"""Breaking roles: each table gets a brief built around its focus, and each member a role to
play that is not their own.

A person's own role is free text ("Budget officer, Ministry of Finance", "Periodista"); it is
matched against each role's multilingual keywords (roles.toml, next to this file) and every role
it might be is ruled out for them. At each table the roles most relevant to its focus are handed
out first, the most constrained member choosing first, without repeating a role while another
is free; the starting point rotates with the table number so that neighbouring tables play
different casts. All of it is deterministic."""

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.convenings.seating import Table
from bot.core.texts import Texts
from bot.tagging.lexicon import words


@dataclass(frozen=True)
class Role:
    id: str
    name: str


@dataclass(frozen=True)
class _Keyword:
    words: tuple[str, ...]
    prefix: bool  # the last word matches any word starting with it


@dataclass(frozen=True)
class _Catalogue:
    order: tuple[str, ...]  # role ids, in the order roles.toml lists them
    keywords: Mapping[str, tuple[_Keyword, ...]]
    relevant: Mapping[str, tuple[str, ...]]  # pain point id -> role ids that matter most


@cache
def _catalogue() -> _Catalogue:
    data = tomllib.loads(resources.files("bot.convenings").joinpath("roles.toml").read_text("utf-8"))
    roles = data["roles"]
    keywords = {
        role: tuple(k for k in (_compile(text) for text in spec["keywords"]) if k is not None)
        for role, spec in roles.items()
    }
    relevant = {pain: tuple(r for r in ids if r in roles) for pain, ids in data.get("relevant", {}).items()}
    return _Catalogue(tuple(roles), keywords, relevant)


def _compile(text: str) -> _Keyword | None:
    found = words(text.replace("*", ""))
    return _Keyword(tuple(found), text.rstrip().endswith("*")) if found else None


def _matches(keyword: _Keyword, tokens: list[str]) -> bool:
    size = len(keyword.words)
    for start in range(len(tokens) - size + 1):
        window = tokens[start : start + size]
        if window[:-1] != list(keyword.words[:-1]):
            continue
        last, wanted = window[-1], keyword.words[-1]
        if last == wanted or (keyword.prefix and last.startswith(wanted)):
            return True
    return False


def own_roles(own_role: str) -> frozenset[str]:
    """The ids of every role that `own_role` (free text, any of the three languages) might be."""
    tokens = words(own_role)
    if not tokens:
        return frozenset()
    catalogue = _catalogue()
    return frozenset(
        role for role in catalogue.order if any(_matches(k, tokens) for k in catalogue.keywords[role])
    )


def roles(texts: Texts, language: str) -> list[Role]:
    return [Role(r, texts.get(f"convening.roles.{r}", language)) for r in _catalogue().order]


def assign_roles(
    tables: Sequence[Table], own_role: Mapping[int, str], texts: Texts, language: str
) -> dict[int, Role]:
    """A role for every member (by attendee key), never one their own role matches, varied
    across each table."""
    catalogue = _catalogue()
    names = {role.id: role for role in roles(texts, language)}
    fallback = Role("fallback", texts.get("convening.fallback_role", language))
    assigned: dict[int, Role] = {}
    for table in tables:
        ranked = _ranked_roles(table, catalogue)
        ruled_out = {a.key: own_roles(own_role.get(a.key, "")) for a in table.members}
        taken: set[str] = set()
        # Most constrained first, so that someone who could be many things still gets a role.
        for member in sorted(table.members, key=lambda a: (-len(ruled_out[a.key]), a.key)):
            allowed = [r for r in ranked if r not in ruled_out[member.key]]
            fresh = [r for r in allowed if r not in taken]
            choice = next(iter(fresh or allowed), None)
            if choice is None:
                assigned[member.key] = fallback
                continue
            taken.add(choice)
            assigned[member.key] = names[choice]
    return assigned


def _ranked_roles(table: Table, catalogue: _Catalogue) -> list[str]:
    """The table's focus-relevant roles first, then the rest; both rotated by the table number."""
    first: list[str] = []
    for pain in table.focus:
        first += [r for r in catalogue.relevant.get(pain, ()) if r not in first]
    rest = [r for r in catalogue.order if r not in first]
    return _rotate(first, table.number) + _rotate(rest, table.number)


def _rotate(items: list[str], steps: int) -> list[str]:
    if not items:
        return items
    k = steps % len(items)
    return items[k:] + items[:k]


def focus_names(focus: Sequence[str], names: Mapping[str, str], texts: Texts, language: str) -> list[str]:
    """How each focus reads in a sentence: the seed pain points' own wording in `language`, else
    the taxonomy's name, else the id."""
    out = []
    for pain in focus:
        try:
            out.append(texts.get(f"convening.pain_names.{pain}", language))
        except KeyError:
            out.append(names.get(pain) or pain.replace("_", " "))
    return out


def brief(focus: Sequence[str], names: Mapping[str, str], texts: Texts, language: str) -> str:
    """The table's role-play brief, built around its focus (a scene for the first focus)."""
    if not focus:
        return texts.get("convening.brief_open", language)
    readable = focus_names(focus, names, texts, language)
    joined = texts.get("convening.focus_joiner", language).join(readable)
    try:
        scene = texts.get(f"convening.scenes.{focus[0]}", language)
    except KeyError:
        scene = texts.get("convening.scene_default", language, focus=readable[0])
    return texts.get("convening.brief", language, focus=joined, scene=scene)
