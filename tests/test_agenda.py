"""The draft agenda: which pain points get a session, and what its Markdown file says."""

from bot.core.texts import Texts
from bot.digest import agenda
from bot.digest.agenda import Agenda, PainStats


def _stats(slug: str, total: int, support: float | None, recent: int | None = None) -> PainStats:
    return PainStats(
        slug, slug.replace("_", " ").title(), total, total if recent is None else recent, support
    )


def test_no_pain_point_is_left_out_while_one_raised_less_often_is_listed() -> None:
    # Lack of time was raised most, but by people who felt well supported; four others were
    # raised twice each by people who felt alone. A higher score must not beat more answers.
    stats = [_stats("time", 3, 5.0, recent=1), *(_stats(slug, 2, 1.0) for slug in "abcd")]
    sessions = agenda.rank(stats, all_answers=11)
    listed = {s.slug for s in sessions}
    assert len(sessions) == agenda.MAX_SESSIONS
    assert "time" in listed
    shortest = min(s.stats.total for s in sessions)
    assert all(s.total <= shortest for s in stats if s.slug not in listed)


def test_among_pain_points_raised_equally_often_the_score_decides() -> None:
    stats = [
        _stats(slug, 2, support) for slug, support in zip("abcde", (5.0, 4.0, 1.0, 2.0, 3.0), strict=True)
    ]
    listed = [s.slug for s in agenda.rank(stats, all_answers=10)]
    assert "a" not in listed and sorted(listed) == ["b", "c", "d", "e"]


def test_the_markdown_file_reads_as_a_document_not_as_a_slack_message() -> None:
    texts = Texts.load()
    draft = Agenda(answers=7, weeks=12, sessions=agenda.rank([_stats("time", 7, 2.0)], 7))
    markdown = agenda.to_markdown(texts, draft)
    assert markdown.startswith("# Draft agenda for the next convening")
    assert "7 answers" in markdown and "Time" in markdown
    assert "attached" not in markdown.lower()
    # In Slack the blocks come with the file, and saying so there is true.
    slack_text = "\n".join(str(b) for b in agenda.agenda_blocks(texts, draft))
    assert "Markdown file" in slack_text
