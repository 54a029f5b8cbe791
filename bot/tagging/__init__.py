"""Tagging answers with the community's pain points: the taxonomy facilitators own, the
offline and LLM taggers, the pipeline that tags new answers, and the weekly emerging themes.

What every tagger promises (`Tagger`, `Tag`, `PainPointSpec`) lives in `bot.core.tagger`,
because the runtime holds a tagger; it is handed on here for the code that tags."""

from bot.core.tagger import PainPointSpec, Tag, Tagger

__all__ = ["PainPointSpec", "Tag", "Tagger"]
