"""A long digest is split into messages Slack accepts: by block count and by the total text
of their blocks (`msg_blocks_too_long`), each continuation headed."""

from slack_sdk import WebClient

from bot.core.texts import Texts
from bot.digest.blocks import split
from bot.slack import blocks
from standins.slack_api import SlackStandIn


def test_few_blocks_with_much_text_are_split_by_size_and_slack_takes_every_part() -> None:
    texts = Texts.load()
    long_sections = [blocks.section(f"{n}: " + "word " * 560) for n in range(10)]  # ~2,800 each
    everything = [blocks.header("Weekly digest"), *long_sections]
    assert len(everything) < blocks.MESSAGE_BLOCK_LIMIT  # the block count alone would allow one
    messages = split(texts, "2026-W48", everything)
    assert len(messages) > 1
    assert all(blocks.text_length(m.blocks) <= blocks.MESSAGE_TEXT_LIMIT for m in messages)
    assert all("continued" in m.blocks[0]["elements"][0]["text"] for m in messages[1:])
    shown = [b for m in messages for b in m.blocks if b["type"] == "section"]
    assert shown == long_sections  # nothing lost, nothing repeated, order kept
    with SlackStandIn() as slack:
        slack.add_channel("C0COORDS1", name="coordinators")
        client = WebClient(token=slack.bot_token, base_url=slack.base_url)
        for message in messages:
            assert client.chat_postMessage(channel="C0COORDS1", text=message.text, blocks=message.blocks)[
                "ok"
            ]


def test_a_theme_and_its_buttons_stay_in_one_message() -> None:
    texts = Texts.load()
    button = {"type": "actions", "elements": [blocks.button("Adopt", "theme_adopt", "1")]}
    everything = [blocks.section("x" * 2800) for _ in range(3)] + [blocks.section("theme " * 400), button]
    messages = split(texts, "2026-W48", everything)
    holding = [m for m in messages if button in m.blocks]
    assert len(holding) == 1 and holding[0].blocks[holding[0].blocks.index(button) - 1]["text"][
        "text"
    ].startswith("theme")
