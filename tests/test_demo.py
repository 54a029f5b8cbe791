"""`convene demo` tells the whole story, from a fresh start, with no network."""

import io

from standins.demo.community import DEMO_MEMBERS
from standins.demo.run import run_demo


def test_the_demo_asks_every_member_once_at_nine_local_and_reminds_the_silent() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    assert text.count("= Mon 09:00 in ") == len(DEMO_MEMBERS)
    assert f"{len(DEMO_MEMBERS)} check-ins, one per member" in text
    silent = sum(1 for m in DEMO_MEMBERS if m.responds == "silent")
    assert f"one gentle reminder to those who have not answered ({silent})" in text
    answered = sum(1 for m in DEMO_MEMBERS if m.responds in ("modal", "dm"))
    assert f"{answered} answers stored" in text
    assert "is for facilitators. Nothing was changed." in text


def test_the_demo_matches_everyone_who_asked_in_pairs_and_at_most_one_trio() -> None:
    out = io.StringIO()
    run_demo(out)
    wanted = sum(1 for m in DEMO_MEMBERS if m.wants_match and m.responds == "modal")
    assert f"Intros sent: {wanted // 2} groups ({wanted} people)" in out.getvalue()
