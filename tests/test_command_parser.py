"""Reading `/convene …` text: every input gets a command or a helpful refusal, never a crash."""

from hypothesis import given
from hypothesis import strategies as st

from handlers import command_parser as cp


def test_empty_text_means_help() -> None:
    assert cp.parse("").spec.name == "help"  # type: ignore[union-attr]
    assert cp.parse("   ").spec.name == "help"  # type: ignore[union-attr]


def test_two_word_commands_win_over_their_first_word() -> None:
    parsed = cp.parse('checkin schedule "0 9 * * mon"')
    assert isinstance(parsed, cp.Parsed)
    assert (parsed.spec.name, parsed.args) == ("checkin schedule", ["0 9 * * mon"])


def test_curly_quotes_from_phones_are_read_as_quotes() -> None:
    parsed = cp.parse("checkin schedule “0 9 * * mon”")
    assert isinstance(parsed, cp.Parsed) and parsed.args == ["0 9 * * mon"]


def test_case_does_not_matter() -> None:
    parsed = cp.parse("CheckIn NOW")
    assert isinstance(parsed, cp.Parsed) and parsed.spec.name == "checkin now"


def test_typos_get_a_suggestion() -> None:
    assert cp.parse("jion") == cp.Unknown("jion", "join")
    assert cp.parse("chekin now") == cp.Unknown("chekin now", "checkin now")


def test_unbalanced_quotes_are_unreadable_not_an_exception() -> None:
    assert isinstance(cp.parse('checkin schedule "0 9'), cp.Unreadable)


@given(st.text(max_size=400))
def test_any_text_parses_to_one_of_three_outcomes(text: str) -> None:
    result = cp.parse(text)
    assert isinstance(result, cp.Parsed | cp.Unknown | cp.Unreadable)
    if isinstance(result, cp.Unknown):
        assert len(result.given) <= 80


@given(st.lists(st.text(max_size=12), max_size=4))
def test_pause_weeks_is_a_sane_number_or_none(args: list[str]) -> None:
    weeks = cp.parse_weeks(args, default=2, maximum=52)
    assert weeks is None or 1 <= weeks <= 52


def test_mentions_are_read_in_the_forms_slack_sends() -> None:
    assert cp.parse_user_mention("<@U123ABC|pat>") == "U123ABC"
    assert cp.parse_user_mention("<@W123ABC>") == "W123ABC"
    assert cp.parse_user_mention("@pat") is None
    assert cp.parse_user_mention("<!channel>") is None
    assert cp.parse_channel_mention("<#C0COORDS1|coordinators>") == "C0COORDS1"
    assert cp.parse_channel_mention("#coordinators") is None
