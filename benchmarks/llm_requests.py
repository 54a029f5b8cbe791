"""LLM requests and tokens per 100 answers against the local OpenAI-compatible stand-in,
without and with the community's labelled answers as few-shot context. The stand-in's model is
a deterministic keyword matcher, so this measures the request pattern and its size, not a real
model's quality; tokens are the stand-in's estimate (about 4 characters a token, as OpenAI's
rule of thumb), from the `usage` of each completion.

The community's examples are the dev set's labelled answers, chosen as `bot.tagging.community`
chooses them (up to 3 recent ones per pain point, 2 of none, within its budget); the answers
tagged are the dev set's, repeated up to --answers.

Run: python -m benchmarks.llm_requests [--answers 100]"""

import argparse
import time
from pathlib import Path

from bot.core.texts import Texts
from bot.tagging import taxonomy
from bot.tagging.community import few_shot
from bot.tagging.evaluation import load_dev_set
from bot.tagging.learning import Example
from bot.tagging.llm import LLMTagger
from bot.tagging.offline import OfflineTagger
from standins.openai_api import OpenAIStandIn

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "challenges-dev.csv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=100)
    args = parser.parse_args()
    rows = load_dev_set(DEV_SET)
    texts = [rows[i % len(rows)].text for i in range(args.answers)]
    specs = taxonomy.seed_specs(Texts.load())
    labelled = few_shot([Example(r.text, r.labels) for r in reversed(rows)], specs)
    print(f"{args.answers} answers, batches of 20; few-shot context: {len(labelled)} labelled answers")
    print("| context | requests / 100 answers | prompt tokens / 100 | completion tokens / 100 | seconds |")
    print("|---|---|---|---|---|")
    for label, examples in (("none", ()), ("community's examples", labelled)):
        with OpenAIStandIn(api_key="sk-bench") as server:
            base = LLMTagger(api_key="sk-bench", base_url=server.base_url, model="gpt-4o-mini",
                             fallback=OfflineTagger(embedding=False))  # fmt: skip
            tagger = base.with_context(fallback=base.fallback, examples=examples)
            started = time.perf_counter()
            tagger.tag(texts, specs)
            seconds = time.perf_counter() - started
            served = server.usage
            requests = len(server.requests)
        assert tagger.usage.prompt_tokens == served["prompt_tokens"]  # the client read the same usage
        scale = 100 / args.answers
        print(f"| {label} | {requests * scale:.1f} | {served['prompt_tokens'] * scale:,.0f} | "
              f"{served['completion_tokens'] * scale:,.0f} | {seconds:.2f} |")  # fmt: skip
        if tagger.fallback_batches:
            print(f"  ({tagger.fallback_batches} batches fell back to the offline tagger)")


if __name__ == "__main__":
    main()
