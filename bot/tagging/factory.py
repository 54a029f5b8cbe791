"""Which tagger the bot uses: the LLM one (with the offline tagger as its fallback) when an
OpenAI key or an OpenAI-compatible base URL is configured, else the offline tagger alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.tagging import Tagger

if TYPE_CHECKING:
    from bot.core.config import Settings


def build_tagger(settings: Settings) -> Tagger:
    # Imported here so that this module loads even where the offline tagger is not built yet.
    from bot.tagging.offline import OfflineTagger

    offline = OfflineTagger()
    if not (settings.openai_api_key or settings.openai_base_url):
        return offline
    from bot.tagging.llm import DEFAULT_MODEL, LLMTagger

    return LLMTagger(
        fallback=offline,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        base_url=settings.openai_base_url,
        model=settings.openai_model or DEFAULT_MODEL,
    )
