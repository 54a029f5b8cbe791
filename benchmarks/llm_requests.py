"""LLM requests per 100 answers, and the tags it gives, against the local OpenAI-compatible
stand-in (its model is a deterministic keyword matcher: this measures the request pattern,
not a real model's quality).

Run: python -m benchmarks.llm_requests [--answers 100]"""

import argparse
import time
from pathlib import Path

from bot.core.texts import Texts
from bot.tagging import taxonomy
from bot.tagging.evaluation import load_dev_set
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
    with OpenAIStandIn(api_key="sk-bench") as server:
        tagger = LLMTagger(api_key="sk-bench", base_url=server.base_url, model="gpt-4o-mini",
                           fallback=OfflineTagger())  # fmt: skip
        started = time.perf_counter()
        results = tagger.tag(texts, specs)
        seconds = time.perf_counter() - started
        requests = len(server.requests)
    tagged = sum(1 for tags in results if tags)
    per_100 = requests * 100 / args.answers
    print(f"{args.answers} answers -> {requests} LLM requests ({per_100:.1f} per 100 answers)")
    print(f"  batch size {tagger.batch_size}; {tagged} answers tagged; {seconds:.2f} s (loopback)")
    print(f"  fallback batches: {tagger.fallback_batches}")


if __name__ == "__main__":
    main()
