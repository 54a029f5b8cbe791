"""The offline tagger at its limits: loading the shipped lexicon, and tagging the longest
answer Convene keeps (20,000 characters). Prints seconds; these were timed assertions in the
tests until a loaded machine made them fail, so they live here and only print.

Run: python -m benchmarks.offline_tagger_limits [--repeat 5]"""

import argparse
import time
import tomllib
from pathlib import Path

from bot.core.texts import Texts
from bot.tagging.offline import OfflineTagger, _load_lexicon
from bot.tagging.taxonomy import seed_specs

LEXICON = Path(__file__).resolve().parents[1] / "bot" / "tagging" / "lexicon.toml"
LONG_ANSWER = ("Our budget was cut after the election and the team left. " * 400)[:20_000]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = tomllib.loads(LEXICON.read_text(encoding="utf-8"))
    specs = seed_specs(Texts.load())
    tagger = OfflineTagger()
    loads, tags = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        _load_lexicon(data)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        tagger.tag([LONG_ANSWER], specs)
        tags.append(time.perf_counter() - started)
    print(f"load the lexicon: best {min(loads) * 1000:.1f} ms, worst {max(loads) * 1000:.1f} ms")
    print(f"tag a 20,000-character answer: best {min(tags) * 1000:.1f} ms, worst {max(tags) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
