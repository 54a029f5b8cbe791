"""The pacer: send slots a fixed interval apart, shared by threads, pushed back by a 429."""

import threading
from itertools import pairwise

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.config import ConfigError, Settings
from bot.slack.client import build_web_client
from bot.slack.pacing import DatabaseSlots, Pacer, lane_for
from standins.slack_api import SlackStandIn
from storage.db import Database


class FrozenTime:
    """A clock that stands still while threads ask for slots: each thread's sleep is
    recorded as the moment it would wake, so the schedule is read without waiting for it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._woken = threading.local()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self._woken.at = self.now + seconds

    def turn(self, pacer: Pacer) -> float:
        """Wait for a turn on `pacer`; returns the moment the turn came."""
        self._woken.at = self.now
        pacer.wait_turn()
        return self._woken.at


class SteppedTime:
    """A clock the test moves by hand; a sleeper blocks until the clock passes its wake-up
    time, so a test can act while a thread is provably waiting for its slot."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []  # wake-up times asked for, in order
        self._changed = threading.Condition()

    def clock(self) -> float:
        with self._changed:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._changed:
            wake = self.now + seconds
            self.sleeps.append(wake)
            self._changed.notify_all()
            while self.now < wake:
                self._changed.wait()

    def set(self, now: float) -> None:
        with self._changed:
            self.now = now
            self._changed.notify_all()

    def wait_for_sleeps(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.sleeps) >= count, timeout=10)


def test_threads_sharing_a_pacer_get_slots_one_interval_apart() -> None:
    frozen = FrozenTime()
    pacer = Pacer(per_second=100, clock=frozen.clock, sleep=frozen.sleep)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            slot = frozen.turn(pacer)
            with lock:
                slots.append(slot)

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    # Twenty turns, whichever thread took which: the first at once, then every 10 ms.
    assert sorted(slots) == pytest.approx([1000 + i / 100 for i in range(20)])


def test_a_pause_holds_back_every_thread_even_one_already_waiting_for_its_slot() -> None:
    stepped = SteppedTime()
    pacer = Pacer(per_second=5, clock=stepped.clock, sleep=stepped.sleep)
    pacer.wait_turn()  # the first slot is now; the next one is 200 ms away
    turns: list[float] = []
    waiter = threading.Thread(target=lambda: (pacer.wait_turn(), turns.append(stepped.clock())))
    waiter.start()
    stepped.wait_for_sleeps(1)
    assert stepped.sleeps == [pytest.approx(1000.2)]
    stepped.set(1000.05)
    pacer.pause(0.5)  # Slack said 429, Retry-After 0.5 s, while the waiter was waiting
    stepped.set(1000.2)  # its old slot comes: it must not send, but wait out the pause
    stepped.wait_for_sleeps(2)
    assert stepped.sleeps[1] == pytest.approx(1000.55)
    assert turns == []
    stepped.set(1000.55)
    waiter.join(timeout=10)
    assert turns == [pytest.approx(1000.55)]
    assert pacer.rate_limited == 1


class FakeTime:
    """A clock the pacer sleeps on: sleeping moves it forward at once."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_after_a_429_the_pace_drops_a_tenth_and_climbs_back_after_a_calm_minute() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=10, clock=fake.clock, sleep=fake.sleep)
    pacer.wait_turn()
    pacer.pause(2)
    pacer.pause(2)  # refused together with the first call: one slow-down, not two
    assert pacer.current == pytest.approx(9)
    pacer.wait_turn()
    assert fake.now == pytest.approx(1002)  # nobody sent during Retry-After
    pacer.wait_turn()
    assert fake.now == pytest.approx(1002 + 1 / 9)
    fake.now += 61  # a calm minute
    pacer.wait_turn()
    assert pacer.current == pytest.approx(10)
    for _ in range(30):  # a pace far above Slack's limit never falls below a quarter
        fake.now += 5
        pacer.pause(1)
    assert pacer.current == pytest.approx(2.5)


def test_the_paced_client_leaves_429s_to_the_pacer_and_one_lane_serves_a_workspace() -> None:
    with SlackStandIn() as slack:
        client = build_web_client(slack.bot_token, slack.base_url)
        lane = lane_for(client, 7)
        assert not any(isinstance(h, RateLimitErrorRetryHandler) for h in lane.client.retry_handlers)
        assert len(lane.client.retry_handlers) == len(client.retry_handlers) - 1
        # Another client for the same workspace (same token) shares the lane and its pace.
        again = lane_for(build_web_client(slack.bot_token, slack.base_url), 9)
        assert again is lane and lane.pacer.per_second == pytest.approx(9)
        slack.add_user("UONE00001", name="one")
        slack.fail_next("chat.postMessage", error="ratelimited", retry_after=0)
        lane.post_message(channel="UONE00001", text="hello")
        assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
        assert lane.pacer.rate_limited == 1


@pytest.mark.parametrize("value", ["0", "-3", "fast", "nan"])
def test_a_pace_that_is_not_a_positive_number_is_a_clear_configuration_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVENE_SLACK_MESSAGES_PER_SECOND", value)
    with pytest.raises(ConfigError, match="CONVENE_SLACK_MESSAGES_PER_SECOND"):
        Settings.from_env(None)


def test_the_pace_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVENE_SLACK_MESSAGES_PER_SECOND", raising=False)
    assert Settings.from_env(None).slack_messages_per_second == 4.0
    monkeypatch.setenv("CONVENE_SLACK_MESSAGES_PER_SECOND", "2.5")
    assert Settings.from_env(None).slack_messages_per_second == 2.5


def test_pacers_sharing_a_database_row_never_hand_out_slots_closer_than_the_pace(db: Database) -> None:
    # Two pacers with their own DatabaseSlots on one row: two instances of Convene, each with
    # its own threads. Every slot either hands out is a full interval from every other.
    rate = 50.0
    pacers = [Pacer(rate, slots=DatabaseSlots(db, "TSHARED")) for _ in range(2)]
    slots: list[float] = []
    lock = threading.Lock()

    def worker(pacer: Pacer) -> None:
        for _ in range(6):
            slot = pacer.wait_turn()
            with lock:
                slots.append(slot)

    pool = [threading.Thread(target=worker, args=(p,)) for p in pacers for _ in range(2)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    slots.sort()
    assert len(slots) == 24
    assert min(b - a for a, b in pairwise(slots)) >= 1 / rate - 1e-6
    # A 429 met by one instance holds back the other's next slot too.
    until = pacers[0].slots.pause(0.3)
    assert pacers[1].slots.take(1 / rate)[0] >= until
