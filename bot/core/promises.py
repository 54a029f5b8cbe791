"""What Convene promises members about their words, said one way everywhere.

Every sentence comes from the `[privacy]` table of `prompts/<language>.toml`; the check-in
DM, the form, App Home, `help` and `me` are assembled here from those sentences and from the
workspace's real settings (can facilitators read answers? how long are texts kept? is an
LLM service tagging them?), so a promise can only say what Convene does. The README and
`manifest.yml` are checked against `summary` by the tests.

`python -m bot.core.promises` prints the README's privacy section from the same source."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from bot.core.config import Settings
from bot.core.texts import Texts
from storage.models import DEFAULT_RETENTION_MONTHS, Consent, Workspace

__all__ = [
    "Consent",
    "Privacy",
    "Promises",
    "llm_host",
    "readme_section",
    "summary",
]  # handlers take Consent here

README_START = "<!-- privacy: generated from prompts/en.toml [privacy]; python -m bot.core.promises -->"
README_END = "<!-- /privacy -->"


@dataclass(frozen=True)
class Privacy:
    """The workspace's settings a promise depends on."""

    raw_answers: bool = False  # facilitators can read answers given since `raw_answers_since`
    raw_answers_since: date | None = None
    retention_months: int = DEFAULT_RETENTION_MONTHS
    llm_host: str | None = None  # the language-model service that tags answers, if any

    @classmethod
    def of(cls, workspace: Workspace | None, settings: Settings) -> "Privacy":
        host = llm_host(settings)
        if workspace is None:
            return cls(llm_host=host)
        since = workspace.raw_answers_since.date() if workspace.raw_answers_since else None
        return cls(workspace.raw_answers, since, workspace.retention_months, host)


def llm_host(settings: Settings) -> str | None:
    """Where answers go to be tagged when an LLM is configured: named, because it is a
    third party even though it is not a person."""
    if settings.openai_base_url:
        return urlparse(settings.openai_base_url).hostname or settings.openai_base_url
    return "api.openai.com" if settings.openai_api_key else None


class Promises:
    """The promises in one member's language, for one workspace."""

    def __init__(self, texts: Texts, locale: str | None, privacy: Privacy) -> None:
        self.texts, self.locale, self.privacy = texts, locale, privacy

    def _t(self, key: str, **values: object) -> str:
        return self.texts.get(f"privacy.{key}", self.locale, **values)

    def label(self, level: str) -> str:
        return self._t(Consent.parse(level))

    def sentence(self, level: str) -> str:
        level = Consent.parse(level)
        if level == Consent.COUNTS_ONLY and self.privacy.raw_answers:
            # "No person reads your words" would be false while facilitators can.
            return self._t("counts_only_sentence_readable")
        return self._t(f"{level}_sentence")

    def line(self, level: str) -> str:
        return self._t("level_line", label=self.label(level), sentence=self.sentence(level))

    def facilitators(self) -> str:
        if self.privacy.raw_answers:
            since = self.privacy.raw_answers_since
            return self._t("facilitators_can_read", date=since.isoformat() if since else "")
        return self._t("facilitators_cannot_read")

    def retention(self) -> str:
        return self.texts.count("privacy.retention", self.privacy.retention_months, self.locale)

    def rules(self) -> str:
        """The workspace-wide facts: who else can read answers, how long they are kept."""
        parts = [self.facilitators(), self.retention()]
        if self.privacy.llm_host:
            parts.append(self._t("llm", host=self.privacy.llm_host))
        return " ".join(parts)

    def checkin_notice(self, default_level: str) -> str:
        """The check-in DM's footer: how to choose, what a plain reply gets, and the rules."""
        reply = self._t("reply_default", level=self.label(default_level))
        return f":lock: {reply} {self.rules()}"

    def levels_and_rules(self) -> str:
        levels = "\n".join(f"• {self.line(level)}" for level in Consent.LEVELS)
        return f"{levels}\n{self.rules()}"

    def overview(self) -> str:
        """The three levels and the rules under a heading, for `help` and `me`."""
        return f"*{self._t('header')}*\n{self.levels_and_rules()}"


def summary(texts: Texts, locale: str | None = None) -> str:
    """The promise in one paragraph, independent of any workspace's settings."""
    return texts.get("privacy.summary", locale)


def readme_section(texts: Texts) -> str:
    """The README's privacy section, between its markers: the English promises verbatim."""
    default = Promises(texts, "en", Privacy())
    when_on = default._t("facilitators_can_read", date="YYYY-MM-DD")  # the day it was turned on
    lines = [
        README_START,
        summary(texts, "en"),
        "",
        texts.get("readme.privacy_levels"),
        "",
        *(f"- **{default.label(level)}**: {default.sentence(level)}" for level in Consent.LEVELS),
        "",
        texts.get("readme.privacy_rules"),
        "",
        f"- {default.facilitators()}",
        f"- {default.retention()}",
        f"- {texts.get('readme.privacy_when_on', when_on=when_on)}",
        f"- {texts.get('readme.privacy_llm', llm=default._t('llm', host='OPENAI_BASE_URL'))}",
        README_END,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(readme_section(Texts.load()))
