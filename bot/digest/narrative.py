"""The digest's opening paragraph: written by an LLM when one is configured, by a template
from prompts/ otherwise. Either way the numbers come from the database: an LLM text that
mentions any number not among the facts is discarded for the template."""

import json
import logging
import re
import tomllib
from importlib import resources

from bot.core.config import Settings, reveal
from bot.core.texts import Texts
from bot.digest.blocks import percent
from bot.digest.model import Digest

log = logging.getLogger("convene.digest")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _trend_word(change: float | None) -> str | None:
    if change is None:
        return None
    return "rising" if change > 0 else "easing" if change < 0 else "steady"


def facts(texts: Texts, digest: Digest, community: str) -> dict[str, object]:
    top = digest.pains[0] if digest.pains else None
    # With no earlier round there is nothing to compare with: the facts say so in words, and
    # carry no previous figures or trends an LLM could dress up as a change.
    history = texts.get("digest.no_history") if digest.first_week else None
    return {
        "community": community,
        "week": digest.week_key,
        "answered": digest.answered,
        "asked": digest.asked,
        "response_rate": percent(digest.response_rate, texts),
        "history": history,
        "previous_response_rate": None if history else percent(digest.previous_response_rate, texts),
        "top_pain_point": top.name if top else None,
        "top_pain_point_answers": top.count if top else None,
        "top_pain_point_trend": history or (_trend_word(top.change) if top else None),
        "other_pain_points": [p.name for p in digest.pains[1:4]],
        "emerging_themes": [t.name for t in digest.themes],
        "peer_groups_introduced": digest.groups_matched,
        "members_gone_quiet": len(digest.drifting),
    }


def template_summary(texts: Texts, digest: Digest, community: str) -> str:
    if not digest.answered or not digest.pains:
        return texts.get("digest.summary_quiet", community=community)
    top = digest.pains[0]
    rate, previous = digest.response_rate, digest.previous_response_rate
    if digest.first_week:
        rate_trend = texts.get("digest.rate_trend_first")
    elif previous is None or rate is None:
        rate_trend = ""
    elif rate > previous:
        rate_trend = texts.get("digest.rate_trend_up", previous=percent(previous, texts))
    elif rate < previous:
        rate_trend = texts.get("digest.rate_trend_down", previous=percent(previous, texts))
    else:
        rate_trend = texts.get("digest.rate_trend_flat")
    change = top.change or 0.0  # None (first week): no trend
    top_trend = (
        texts.get("digest.top_trend_up")
        if change > 0
        else (texts.get("digest.top_trend_down") if change < 0 else "")
    )
    matches = (
        texts.get("digest.matches_sentence", groups=digest.groups_matched) if digest.groups_matched else ""
    )
    drifting = texts.get("digest.drifting_sentence", count=len(digest.drifting)) if digest.drifting else ""
    return texts.get(
        "digest.summary",
        community=community,
        answered=digest.answered,
        asked=digest.asked,
        rate=percent(rate, texts),
        rate_trend=rate_trend,
        top_pain=top.name,
        top_count=top.count,
        top_trend=top_trend,
        matches_sentence=matches,
        drifting_sentence=drifting,
    ).strip()


def summary(settings: Settings, texts: Texts, digest: Digest, community: str) -> str:
    """The opening paragraph. It starts with a capital whatever the workspace is called
    ("the OGP Points of Contact" opens the template) or the LLM wrote."""
    return _capitalised(_summary(settings, texts, digest, community))


def _capitalised(paragraph: str) -> str:
    # The first letter, past any mrkdwn emphasis before it (`*`, `_`, `~`). Anything else first
    # (a quote, a number, markup someone typed) is left exactly as written.
    for i, char in enumerate(paragraph):
        if char in "*_~ ":
            continue
        if char.isalpha():
            return paragraph[:i] + char.upper() + paragraph[i + 1 :]
        return paragraph
    return paragraph


def _summary(settings: Settings, texts: Texts, digest: Digest, community: str) -> str:
    fallback = template_summary(texts, digest, community)
    if not (settings.openai_api_key or settings.openai_base_url) or not digest.answered:
        return fallback
    given = facts(texts, digest, community)
    try:
        text = _ask_llm(settings, given)
    except Exception as exc:  # any failure of an optional nicety falls back, never breaks the digest
        log.warning("LLM summary unavailable (%s); using the template", type(exc).__name__)
        return fallback
    if not text or not _numbers_are_facts(text, given):
        log.warning("LLM summary discarded: empty or with figures not in the facts")
        return fallback
    return text[:1500]


def _ask_llm(settings: Settings, given: dict[str, object]) -> str:
    from openai import OpenAI

    prompts = tomllib.loads(resources.files("prompts").joinpath("llm.toml").read_text("utf-8"))["digest"]
    client = OpenAI(
        api_key=reveal(settings.openai_api_key) or "not-needed",
        base_url=settings.openai_base_url,
        timeout=20.0,
        max_retries=1,
    )
    response = client.chat.completions.create(
        model=settings.openai_model or "gpt-4o-mini",
        messages=[
            {"role": "system", "content": prompts["system"]},
            {"role": "user", "content": prompts["user"].format(facts=json.dumps(given, ensure_ascii=False))},
        ],
    )
    return (response.choices[0].message.content or "").strip()


def _numbers_are_facts(text: str, given: dict[str, object]) -> bool:
    allowed = set(_NUMBER.findall(json.dumps(given, ensure_ascii=False)))
    return all(number in allowed for number in _NUMBER.findall(text))
