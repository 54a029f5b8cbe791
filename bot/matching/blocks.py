"""The Block Kit of a match proposal: the facilitator's preview with its Swap button, the
swap form, and the proposal as it stands after a swap."""

import json
from typing import Any

from bot.core.texts import Texts
from bot.matching.intros import SWAP
from bot.matching.service import Proposal
from bot.slack import blocks
from bot.slack.mrkdwn import escape

SWAP_MODAL = "match_swap_modal"
Blocks = list[dict[str, Any]]


def proposal_blocks(texts: Texts, proposal: Proposal) -> tuple[str, Blocks]:
    groups = proposal.groups
    people = sum(len(g.members) for g in groups)
    header = texts.get("match.preview_header", week=proposal.week, groups=len(groups), people=people)
    lines = []
    for number, group in enumerate(groups, start=1):
        pains = " & ".join(group.pains) or texts.get("match.no_shared")
        mentions = " + ".join(f"<@{m.user_id}>" for m in group.members)
        lines.append(texts.get("match.preview_group", number=number, mentions=mentions, pains=escape(pains)))
    reasons = {"alone": texts.get("match.reason_alone"), "avoided": texts.get("match.reason_avoided")}
    for member, reason in proposal.left_out:
        why = reasons.get(reason, reason)
        lines.append(texts.get("match.preview_unmatched", mentions=f"<@{member.user_id}>", reason=why))
    if not lines:
        return header, [blocks.section(texts.get("match.preview_none"))]
    out = [blocks.header(header), *blocks.sections_from_lines(lines)[:45]]
    if len(groups) >= 2:
        swap = blocks.button(texts.get("match.swap_button"), SWAP, str(proposal.round_id))
        out.append({"type": "actions", "elements": [swap]})
    out.append(blocks.context(texts.get("match.preview_footer")))
    return header, out


def swap_modal(texts: Texts, round_value: str) -> dict[str, Any]:
    """Pick two people to exchange between their groups."""

    def pick(block_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": texts.get(label)},
            "element": {"type": "users_select", "action_id": "value"},
        }

    return {
        "type": "modal",
        "callback_id": SWAP_MODAL,
        "title": {"type": "plain_text", "text": texts.get("match.swap_title")[:24]},
        "submit": {"type": "plain_text", "text": texts.get("match.swap_submit")[:24]},
        "private_metadata": json.dumps({"round": round_value}),
        "blocks": [pick("a", "match.swap_first"), pick("b", "match.swap_second")],
    }


def swapped_view(texts: Texts, user_a: str, user_b: str, proposal: Proposal) -> dict[str, Any]:
    """The form turns into the proposal as it now stands (without the button to swap again)."""
    done = blocks.section(texts.get("match.swapped", a=user_a, b=user_b))
    _, out = proposal_blocks(texts, proposal)
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": texts.get("match.swap_title")[:24]},
        "blocks": [done, *[block for block in out if block.get("type") != "actions"]][:100],
    }
