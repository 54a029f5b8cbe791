"""Tagging with an OpenAI (or OpenAI-compatible) chat model, falling back to another tagger.

Answers go to the model in batches (`batch_size`, default 20) as one JSON array of
{"index", "text"} objects in the user message, never in the system prompt, which tells the
model to treat them as data. The reply is constrained by Structured Outputs
(`response_format` json_schema, `strict: true`) whose pain point ids are an `enum` of the
current taxonomy's slugs, and it is validated again here: ids outside the taxonomy are
dropped, confidences are clamped to [0, 1], and results are matched to answers by index.
Nothing the model says can reach anything but tags: the taxonomy is never read from it.

Any failure for a batch (timeout, 429 or 5xx after the client's bounded retries, a wrong key,
a refusal, a truncated or malformed reply, the wrong number of results) sends that batch to
`fallback.tag()` instead; `tag()` never raises. `last_sources` tells which tagger produced each
text's tags in the last call, and `requests_made` counts chat completion calls (one per batch;
the client's own retries are not counted) for "LLM requests per 100 answers", with the tokens
the server reports (`prompt_tokens`, `completion_tokens`).

A community's labelled answers (`with_context(examples=...)`) go before each batch as one
worked exchange: a user message holding them in the batch's own format, and an assistant
reply giving the pain points the community chose for them. They are data like the answers.

All prompt text is in prompts/llm.toml. Answers are never logged.
"""

from __future__ import annotations

import json
import logging
import math
import string
import threading
import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from bot.tagging import PainPointSpec, Tag, Tagger
from bot.tagging.learning import Example

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 20.0  # seconds per attempt
DEFAULT_MAX_RETRIES = 2
DEFAULT_BATCH_SIZE = 20

_SYSTEM_FIELDS = frozenset({"taxonomy"})
_USER_FIELDS = frozenset({"count", "answers"})


class InvalidReply(Exception):
    """The model's reply cannot be used: refused, truncated, malformed or not matching the batch."""


@cache
def load_prompts() -> dict[str, str]:
    """prompts/llm.toml's [tagger] table, checked for the placeholders the tagger fills."""
    raw = resources.files("prompts").joinpath("llm.toml").read_text("utf-8")
    table = tomllib.loads(raw)["tagger"]
    prompts = {key: str(table[key]) for key in ("schema_name", "system", "user", "examples")}
    for key, allowed in (("system", _SYSTEM_FIELDS), ("user", _USER_FIELDS), ("examples", frozenset())):
        used = {name for _, name, _, _ in string.Formatter().parse(prompts[key]) if name is not None}
        if not used <= allowed:
            raise RuntimeError(f"prompts/llm.toml [tagger].{key} uses unknown placeholders {used - allowed}")
    if "{answers}" not in prompts["user"]:
        raise RuntimeError("prompts/llm.toml [tagger].user must contain {answers}")
    return prompts


def response_schema(slugs: Sequence[str]) -> dict[str, Any]:
    """The strict JSON schema of a reply: per answer, its index and its tags, whose ids can
    only be the given slugs."""
    tag = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "enum": list(slugs), "description": "A pain point id."},
            "confidence": {"type": "number", "description": "From 0 (unsure) to 1 (certain)."},
        },
        "required": ["id", "confidence"],
        "additionalProperties": False,
    }
    result = {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "description": "The answer's index."},
            "pain_points": {"type": "array", "items": tag},
        },
        "required": ["index", "pain_points"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"results": {"type": "array", "items": result}},
        "required": ["results"],
        "additionalProperties": False,
    }


class Usage:
    """Requests and tokens, shared by a tagger and the copies `with_context` makes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.answers = 0
        self.fallback_batches = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0


class LLMTagger:
    """A `Tagger` backed by a chat model, with `fallback` for whatever the model can't do."""

    name = "llm"

    def __init__(
        self,
        client: openai.OpenAI | None = None,
        *,
        fallback: Tagger,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        batch_size: int = DEFAULT_BATCH_SIZE,
        examples: Sequence[Example] = (),
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if client is None:
            # An OpenAI-compatible server (OPENAI_BASE_URL) may need no key, but the client
            # insists on one; a placeholder is sent instead.
            client = openai.OpenAI(api_key=api_key or "no-key-set", base_url=base_url)
        # Bounded whatever client we were given: a stuck API must not stall a check-in round.
        self._client = client.with_options(timeout=timeout, max_retries=max_retries)
        self.fallback = fallback
        self.model = model or DEFAULT_MODEL
        self.batch_size = batch_size
        self.examples = tuple(examples)
        self.usage = Usage()
        self.last_sources: list[str] = []

    def with_context(self, *, fallback: Tagger, examples: Sequence[Example]) -> LLMTagger:
        """This tagger for one community: its examples as few-shot context and its own
        offline tagger as the fallback. Shares the client and the usage counts."""
        copy = object.__new__(LLMTagger)
        copy.__dict__.update(self.__dict__)
        copy.fallback, copy.examples, copy.last_sources = fallback, tuple(examples), []
        return copy

    @property
    def requests_made(self) -> int:
        return self.usage.requests

    @property
    def answers_seen(self) -> int:
        return self.usage.answers

    @property
    def fallback_batches(self) -> int:
        return self.usage.fallback_batches

    def tag(self, texts: Sequence[str], taxonomy: Sequence[PainPointSpec]) -> list[list[Tag]]:
        texts = list(texts)
        results: list[list[Tag]] = []
        sources: list[str] = []
        slugs = _unique_slugs(taxonomy)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            if not slugs:  # nothing to choose from: no request, no tags
                results.extend([] for _ in batch)
                sources.extend(self.name for _ in batch)
                continue
            try:
                tagged = self._tag_batch(batch, taxonomy, slugs)
                source = self.name
            except Exception as exc:  # any failure: this batch goes to the fallback
                logger.warning(
                    "LLM tagging failed for a batch of %d answers (%s); using the %s tagger",
                    len(batch),
                    _describe(exc),
                    getattr(self.fallback, "name", "fallback"),
                )
                with self.usage.lock:
                    self.usage.fallback_batches += 1
                tagged = self._fall_back(batch, taxonomy, slugs)
                source = str(getattr(self.fallback, "name", "offline"))
            results.extend(tagged)
            sources.extend(source for _ in batch)
        with self.usage.lock:
            self.usage.answers += len(texts)
        self.last_sources = sources
        return results

    def requests_per_100_answers(self) -> float:
        with self.usage.lock:
            return 100.0 * self.usage.requests / self.usage.answers if self.usage.answers else 0.0

    # ------------------------------------------------------------------ internals

    def _tag_batch(
        self, batch: list[str], taxonomy: Sequence[PainPointSpec], slugs: list[str]
    ) -> list[list[Tag]]:
        prompts = load_prompts()
        listing = [{"id": p.slug, "name": p.name, "description": p.description} for p in _unique(taxonomy)]
        answers = [{"index": i, "text": text} for i, text in enumerate(batch)]
        system = prompts["system"].format(taxonomy=_dumps(listing))
        messages: list[ChatCompletionMessageParam] = []
        shown = [e for e in self.examples if e.slugs <= set(slugs)]
        if shown:
            messages = [
                {"role": "system", "content": system + "\n\n" + prompts["examples"]},
                *_worked_exchange(prompts["user"], shown),
            ]
        else:
            messages = [{"role": "system", "content": system}]
        messages.append(
            {"role": "user", "content": prompts["user"].format(count=len(batch), answers=_dumps(answers))}
        )
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": prompts["schema_name"], "strict": True, "schema": response_schema(slugs)},
        }
        with self.usage.lock:
            self.usage.requests += 1
        completion = self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            response_format=response_format,
        )
        usage = getattr(completion, "usage", None)
        if usage is not None:
            with self.usage.lock:
                self.usage.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
                self.usage.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        return parse_reply(completion, len(batch), frozenset(slugs))

    def _fall_back(
        self, batch: list[str], taxonomy: Sequence[PainPointSpec], slugs: list[str]
    ) -> list[list[Tag]]:
        try:
            tagged = self.fallback.tag(batch, taxonomy)
        except Exception as exc:
            logger.error("The fallback tagger failed too (%s); the batch stays untagged", _describe(exc))
            return [[] for _ in batch]
        allowed = frozenset(slugs)
        tagged = [_clean(tags, allowed) for tags in list(tagged)[: len(batch)]]
        return tagged + [[] for _ in range(len(batch) - len(tagged))]


def _worked_exchange(template: str, examples: Sequence[Example]) -> list[ChatCompletionMessageParam]:
    """The community's labelled answers as a batch already answered: the model sees the ids
    the community chose, in the very format it must reply in."""
    answers = [{"index": i, "text": e.text} for i, e in enumerate(examples)]
    reply = {
        "results": [
            {"index": i, "pain_points": [{"id": slug, "confidence": 1.0} for slug in sorted(e.slugs)]}
            for i, e in enumerate(examples)
        ]
    }
    return [
        {"role": "user", "content": template.format(count=len(examples), answers=_dumps(answers))},
        {"role": "assistant", "content": json.dumps(reply, ensure_ascii=False)},
    ]


def parse_reply(completion: Any, expected: int, allowed: frozenset[str]) -> list[list[Tag]]:
    """The tags of a chat completion for a batch of `expected` answers; raises InvalidReply."""
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise InvalidReply("no choices")
    choice = choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise InvalidReply("the model refused")
    if choice.finish_reason != "stop":
        raise InvalidReply(f"finish_reason {choice.finish_reason!r}")
    if not isinstance(message.content, str):
        raise InvalidReply("no content")
    try:
        data = json.loads(message.content)
    except ValueError as exc:
        raise InvalidReply("content is not JSON") from exc
    items = data.get("results") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidReply("no results array")
    if len(items) != expected:
        raise InvalidReply(f"{len(items)} results for {expected} answers")
    by_index: dict[int, list[Tag]] = {}
    for item in items:
        index = item.get("index") if isinstance(item, dict) else None
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < expected:
            raise InvalidReply("a result has no valid index")
        if index in by_index:
            raise InvalidReply("two results for one answer")
        raw_tags = item.get("pain_points")
        if not isinstance(raw_tags, list):
            raise InvalidReply("a result has no pain_points array")
        by_index[index] = _clean(_read_tags(raw_tags), allowed)
    return [by_index[i] for i in range(expected)]


def _read_tags(raw_tags: list[Any]) -> list[Tag]:
    tags = []
    for raw in raw_tags:
        if not isinstance(raw, dict):
            continue
        slug, confidence = raw.get("id"), raw.get("confidence")
        if (
            not isinstance(slug, str)
            or isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
        ):
            continue
        tags.append(Tag(slug, float(confidence)))
    return tags


def _clean(tags: Sequence[Tag], allowed: frozenset[str]) -> list[Tag]:
    """Only taxonomy slugs, one tag per slug (the most confident), confidences in [0, 1]; a tag
    at confidence 0 says nothing and is dropped. Most confident first."""
    best: dict[str, float] = {}
    for tag in tags:
        if tag.slug not in allowed or not math.isfinite(tag.confidence):
            continue
        confidence = min(1.0, max(0.0, tag.confidence))
        if confidence > 0.0 and confidence > best.get(tag.slug, 0.0):
            best[tag.slug] = confidence
    return [Tag(slug, c) for slug, c in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))]


def _unique(taxonomy: Sequence[PainPointSpec]) -> list[PainPointSpec]:
    seen: set[str] = set()
    unique = []
    for spec in taxonomy:
        if spec.slug and spec.slug not in seen:
            seen.add(spec.slug)
            unique.append(spec)
    return unique


def _unique_slugs(taxonomy: Sequence[PainPointSpec]) -> list[str]:
    return [spec.slug for spec in _unique(taxonomy)]


def _dumps(items: list[dict[str, Any]]) -> str:
    """A JSON array, one object a line: compact, and easy for the model to read."""
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]"


def _describe(exc: BaseException) -> str:
    """An error's kind and status, never an API error's message (which may quote the request)."""
    if isinstance(exc, InvalidReply):
        return f"invalid reply: {exc}"
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" {status}" if status is not None else "")
