"""An instance that dies between claiming a message and hearing back from Slack leaves it
'sending'. After a safe interval the leader asks Slack (conversations.history, message
metadata) and settles it: found means sent and never sent again; not found means sent once."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.checkins import blocks as checkin_blocks
from bot.checkins import service as checkins
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.promises import Privacy
from bot.matching import service as match_service
from bot.slack import message_metadata
from standins.harness import LocalSlack
from storage.models import (
    CheckinDelivery,
    DeliveryStatus,
    MatchGroup,
    MatchRound,
    MatchRoundStatus,
    Member,
    Workspace,
)
from tests.e2e.conftest import FACILITATOR
from tests.e2e.test_matching_flow import _answer_all

pytestmark = pytest.mark.e2e

RECOVER_AFTER = 120
HISTORY_CALLS = 60  # a Marketplace app's budget: these tests are about what recovery decides
NEVER = "0 0 29 2 *"  # no scheduled round, match or digest falls due during these tests


@pytest.fixture
def clock() -> ManualClock:
    # Real time: Slack's message timestamps (and `oldest`) are real, and so are claims.
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def slack(database_url: str, clock: ManualClock) -> Iterator[LocalSlack]:
    settings = Settings(
        facilitators=frozenset({FACILITATOR}),
        recover_after_seconds=RECOVER_AFTER,
        history_calls_per_minute=HISTORY_CALLS,
    )
    with LocalSlack(database_url, clock=clock, settings=settings) as local:
        local.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar")
        for user in ("URECOV001", "URECOV002", "URECOV003"):
            local.api.add_user(user, name=user.lower(), real_name=f"Member {user[-1]}", tz="Europe/Paris")
            local.command(user, "join")
        with local.db.session() as session:
            session.execute(update(Workspace).values(checkin_cron=NEVER, match_cron=NEVER, digest_cron=NEVER))
            session.commit()
        yield local


def _claimed_round(slack: LocalSlack, clock: ManualClock) -> dict[str, int]:
    """A round whose every delivery was claimed by an instance that then died: user -> delivery."""
    with slack.db.session() as session:
        workspace = session.get(Workspace, slack.team_id)
        assert workspace is not None
        checkins.start_manual_round(session, workspace, FACILITATOR, clock.now())
        rows = session.exec(
            select(CheckinDelivery.id, Member.user_id).join(
                Member, col(Member.id) == CheckinDelivery.member_id
            )
        ).all()
        for delivery_id, _user in rows:
            assert checkins.claim(session, delivery_id, clock.now())  # type: ignore[arg-type]
    return {user: delivery_id for delivery_id, user in rows if delivery_id is not None}


def _post_as_the_dead_instance(slack: LocalSlack, user_id: str, delivery_id: int) -> str:
    """What the dead instance got as far as: Slack has the check-in, our database doesn't know."""
    with slack.db.session() as session:
        member = session.exec(select(Member).where(Member.user_id == user_id)).one()
        privacy = Privacy.of(session.get(Workspace, slack.team_id), slack.runtime.settings)
        text, blocks = checkin_blocks.checkin_message(
            slack.runtime.texts, member, delivery_id, "Community", privacy
        )
    response = slack.client.chat_postMessage(
        channel=user_id, text=text, blocks=blocks, metadata=message_metadata.checkin_metadata(delivery_id)
    )
    return response["ts"]


def _delivery(slack: LocalSlack, delivery_id: int) -> CheckinDelivery:
    with slack.db.session() as session:
        delivery = session.get(CheckinDelivery, delivery_id)
        assert delivery is not None
        return delivery


def test_a_checkin_that_reached_slack_is_marked_sent_and_not_sent_again(
    slack: LocalSlack, clock: ManualClock
) -> None:
    deliveries = _claimed_round(slack, clock)
    ts = _post_as_the_dead_instance(slack, "URECOV001", deliveries["URECOV001"])
    clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
    slack.tick()
    slack.tick()
    assert len(slack.api.messages_to("URECOV001")) == 1
    settled = _delivery(slack, deliveries["URECOV001"])
    assert settled.status == DeliveryStatus.SENT and settled.message_ts == ts
    assert settled.channel_id == slack.api.dm_channel_id("URECOV001")
    history = slack.api.calls_to("conversations.history")
    assert history and all(c.params.get("include_all_metadata") in (True, "true", "1") for c in history)


def test_a_checkin_that_never_reached_slack_is_sent_exactly_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    deliveries = _claimed_round(slack, clock)
    _post_as_the_dead_instance(slack, "URECOV001", deliveries["URECOV001"])
    clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
    slack.tick()
    slack.tick()
    for user in ("URECOV001", "URECOV002", "URECOV003"):
        checkin = [m for m in slack.api.messages_to(user) if m.get("metadata")]
        assert len(checkin) == 1, user
        assert message_metadata.matches(checkin[0], message_metadata.CHECKIN, "delivery_id", deliveries[user])
        assert _delivery(slack, deliveries[user]).status == DeliveryStatus.SENT


def test_a_recent_claim_is_left_alone_in_case_its_sender_is_still_at_work(
    slack: LocalSlack, clock: ManualClock
) -> None:
    deliveries = _claimed_round(slack, clock)
    clock.advance(timedelta(seconds=RECOVER_AFTER - 5))
    slack.tick()
    assert slack.api.messages_to("URECOV002") == []
    assert slack.api.calls_to("conversations.history") == []
    assert _delivery(slack, deliveries["URECOV002"]).status == DeliveryStatus.SENDING


def test_when_slack_cannot_say_the_checkin_waits_rather_than_risk_a_second_dm(
    slack: LocalSlack, clock: ManualClock
) -> None:
    deliveries = _claimed_round(slack, clock)
    _post_as_the_dead_instance(slack, "URECOV003", deliveries["URECOV003"])
    clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
    slack.api.fail_next("conversations.history", error="fatal_error", times=len(deliveries))
    slack.tick()
    assert [len(slack.api.messages_to(user)) for user in sorted(deliveries)] == [0, 0, 1]
    assert all(_delivery(slack, d).status == DeliveryStatus.SENDING for d in deliveries.values())
    slack.tick()  # Slack answers again
    assert [len(slack.api.messages_to(user)) for user in sorted(deliveries)] == [1, 1, 1]
    assert all(_delivery(slack, d).status == DeliveryStatus.SENT for d in deliveries.values())


def test_stuck_intros_are_settled_with_slack_and_the_round_is_finished(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    settings = Settings(
        facilitators=frozenset({FACILITATOR}),
        recover_after_seconds=RECOVER_AFTER,
        history_calls_per_minute=HISTORY_CALLS,
    )
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:
        slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar")
        _answer_all(slack)
        with slack.db.session() as session:
            session.execute(update(Workspace).values(checkin_cron=NEVER, match_cron=NEVER, digest_cron=NEVER))
            session.commit()
        slack.command(FACILITATOR, "match preview")
        with slack.db.session() as session:
            round_ = session.exec(select(MatchRound)).one()
            assert match_service.claim_round(session, round_.id, clock.now())  # type: ignore[arg-type]
            groups = match_service.groups_of(session, round_.id)  # type: ignore[arg-type]
            for group in groups:
                assert match_service.claim_intro(session, group.group.id, clock.now())  # type: ignore[arg-type]
        assert len(groups) == 2
        reached, lost = groups
        # The dead instance's intro for the first group reached Slack; the second never did.
        channel = slack.client.conversations_open(users=",".join(m.user_id for m in reached.members))
        slack.client.chat_postMessage(
            channel=channel["channel"]["id"],
            text="intro",
            metadata=message_metadata.intro_metadata(reached.group.id),
        )
        clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
        slack.tick()
        slack.tick()
        for group in (reached, lost):
            with slack.db.session() as session:
                stored = session.get(MatchGroup, group.group.id)
                assert stored is not None and stored.intro_sent_at is not None
                channel_id = stored.channel_id
            assert channel_id is not None
            intro_messages = [m for m in slack.api.messages_to(channel_id) if m.get("metadata")]
            assert len(intro_messages) == 1
        with slack.db.session() as session:
            assert session.exec(select(MatchRound.status)).one() == MatchRoundStatus.SENT


def test_convening_dms_left_half_sent_are_settled_with_slack_and_sent_exactly_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    from bot.convenings import deliveries
    from bot.convenings import service as convenings
    from storage.models import Convening, ConveningMessage

    slack.command(
        FACILITATOR, f'convening add "Regional meeting" {(clock.now() + timedelta(days=30)).date()}'
    )
    with slack.db.session() as session:
        convening = session.exec(select(Convening)).one()
        convenings.plan_invites(session, convening, clock.now())
        invites = {
            user: message_id
            for message_id, user in session.exec(
                select(ConveningMessage.id, Member.user_id).join(
                    Member, col(Member.id) == ConveningMessage.member_id
                )
            ).all()
        }
        # An instance claimed every invitation, then died.
        for message_id in invites.values():
            assert deliveries.claim(session, message_id, clock.now())  # type: ignore[arg-type]
    # It got as far as Slack with the first one.
    slack.client.chat_postMessage(
        channel="URECOV001", text="invite", metadata=message_metadata.convening_metadata(invites["URECOV001"])
    )
    slack.tick()  # too early to tell: left alone
    assert all(m.get("text") == "invite" for m in slack.api.messages_to("URECOV001"))
    clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
    slack.tick()
    slack.tick()
    for user, message_id in invites.items():
        stamped = [
            m
            for m in slack.api.messages_to(user)
            if message_metadata.matches(m, message_metadata.CONVENING, "message_id", message_id)
        ]
        assert len(stamped) == 1, user
        with slack.db.session() as session:
            stored = session.get(ConveningMessage, message_id)
            assert stored is not None and stored.status == DeliveryStatus.SENT
    assert slack.api.messages_to("URECOV001")[0]["text"] == "invite"  # recovered, not sent again


def test_a_member_holding_a_checkin_still_in_flight_can_answer_it(
    slack: LocalSlack, clock: ManualClock
) -> None:
    from standins.harness import wait_for
    from storage.models import Answer
    from tests.e2e.conftest import text_of

    deliveries = _claimed_round(slack, clock)
    for user in deliveries:  # Slack has every DM; the dead instance never heard back
        _post_as_the_dead_instance(slack, user, deliveries[user])
    clock.advance(timedelta(seconds=30))  # well before recovery looks at these claims
    # The Answer button opens the form, and the form's answer is stored ...
    form = slack.click_for_view("URECOV001", slack.api.messages_to("URECOV001")[-1], "checkin_answer")
    response = slack.events.submit_view(
        "URECOV001", form, {"challenge": {"type": "plain_text_input", "value": "No budget left"}}
    )
    assert response.status == 200 and not response.body
    # ... and so is a plain DM reply.
    slack.events.dm("URECOV002", "The reshuffle stalled everything")
    wait_for(lambda: any("Saved" in text_of(m) for m in slack.api.messages_to("URECOV002")))
    with slack.db.session() as session:
        stored = {a.delivery_id: a.text for a in session.exec(select(Answer)).all()}
    assert stored == {
        deliveries["URECOV001"]: "No budget left",
        deliveries["URECOV002"]: "The reshuffle stalled everything",
    }
    for user in ("URECOV001", "URECOV002"):
        assert _delivery(slack, deliveries[user]).status == DeliveryStatus.ANSWERED
    # Recovery later settles only the one nobody answered, and nobody gets a second check-in.
    clock.advance(timedelta(seconds=RECOVER_AFTER))
    slack.tick()
    assert _delivery(slack, deliveries["URECOV003"]).status == DeliveryStatus.SENT
    for user in deliveries:
        assert len([m for m in slack.api.messages_to(user) if m.get("metadata")]) == 1, user
    with slack.db.session() as session:
        assert len(session.exec(select(Answer)).all()) == 2


def test_recovery_keeps_within_slacks_history_limit_and_never_holds_up_other_work(
    database_url: str, clock: ManualClock
) -> None:
    import time

    from standins.harness import wait_for

    settings = Settings(facilitators=frozenset({FACILITATOR}), recover_after_seconds=RECOVER_AFTER)
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:  # 1 history call a minute
        users = ("URECOV001", "URECOV002", "URECOV003")
        for user in (*users, "UNEWCOMER"):
            slack.api.add_user(user, name=user.lower(), real_name=user, tz="Europe/Paris")
        for user in users:
            slack.command(user, "join")
        with slack.db.session() as session:
            session.execute(update(Workspace).values(checkin_cron=NEVER, match_cron=NEVER, digest_cron=NEVER))
            session.commit()
        # Slack's limit for apps outside the Marketplace: one call a minute, 15 messages a page.
        slack.api.limit_history_as_for_unlisted_apps(calls=1, window_seconds=60)
        deliveries = _claimed_round(slack, clock)
        _post_as_the_dead_instance(slack, "URECOV001", deliveries["URECOV001"])
        clock.advance(timedelta(seconds=RECOVER_AFTER + 1))
        # Meanwhile a newcomer joins: their check-in is due on this very tick.
        slack.command("UNEWCOMER", "join")
        with slack.db.session() as session:
            workspace = session.get(Workspace, slack.team_id)
            checkins.start_manual_round(session, workspace, FACILITATOR, clock.now())

        def history() -> list:
            return slack.api.calls_to("conversations.history")

        slack.tick()
        assert [c.status for c in history()] == [200]  # the budget: one call, then wait
        assert _delivery(slack, deliveries["URECOV001"]).status == DeliveryStatus.SENT
        assert len(slack.api.messages_to("UNEWCOMER")) == 1  # other work went on
        clock.advance(timedelta(minutes=1))
        slack.tick()  # Slack still counts the first call: a 429, left for later, not slept out
        assert [c.status for c in history()] == [200, 429]
        assert all(_delivery(slack, deliveries[u]).status == DeliveryStatus.SENDING for u in users[1:])
        # Slack's window passes (shortened here): each later tick settles one more.
        slack.api.limit_history_as_for_unlisted_apps(calls=1, window_seconds=0.05)
        for _ in range(6):
            clock.advance(timedelta(minutes=2))
            time.sleep(0.1)
            slack.tick()
        wait_for(lambda: all(_delivery(slack, d).status == DeliveryStatus.SENT for d in deliveries.values()))
        for user in users:  # found once and left alone, or not found and sent exactly once
            assert len([m for m in slack.api.messages_to(user) if m.get("metadata")]) == 1, user
        assert all(int(c.params["limit"]) <= 15 and "latest" in c.params for c in history())
