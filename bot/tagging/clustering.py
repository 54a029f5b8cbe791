"""Grouping answers that fit no pain point into candidate themes.

Two answers are linked when they share characteristic words (TF-IDF cosine) or, given the
tagger's multilingual sentence embedding, when they say the same thing in any of the
languages (embedding cosine): "the portal was hacked" and "piratearon el portal" join one
theme without a word in common. Then community detection on the similarity graph with
networkx's Louvain, which, unlike connected components, does not chain loosely related
answers into one blob. Naming a cluster (`_describe`, `suggest_name`) uses its words only."""

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

# Function words in the community's languages: they say nothing about a theme.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by
    can could did do does doing for from had has have having he her here him his how i if in
    into is it its just me more most my no not now of on once only or other our out over own
    same she should so some such than that the their them then there these they this those
    through to too under until between across among up us very was we were what when where which while who why
    will with would you your yet still again every many much one two three new need needs
    el la los las un una unos unas de del al y o u en con por para que se su sus es son fue
    ser estar esta este esto estos estas hay como mas pero sin sobre entre muy ya no nos
    le les lo me mi mis tu te yo nuestro nuestra cada todo todos otra otro
    le la les un une des du de et ou en dans pour par sur avec que qui ne pas plus se sa son
    ses ce cette ces est sont nous vous ils elles il elle au aux mais tout tous tres""".split()  # noqa: SIM905
)
_TOKEN = re.compile(r"[a-z][a-z0-9]+")
MAX_TERMS = 10  # candidate keywords and phrases per cluster
# Embedding cosine from which two answers say the same thing: paraphrases and translations of
# one concern measure 0.55-0.8 with the multilingual encoder, different concerns of the same
# public servants below 0.35.
EMBEDDING_LINK = 0.5


@dataclass(frozen=True)
class Cluster:
    members: list[int]  # indexes into the texts given
    keywords: list[str]  # most characteristic terms, best first
    phrases: list[str]  # word pairs several members share, best first
    central: list[int]  # members closest to the cluster's centre, best first
    # Which of `members` wrote each keyword and phrase, so callers can tell a word the
    # community shares from one person's (a surname, an email) before showing it.
    usage: dict[str, frozenset[int]] = field(default_factory=dict)


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [t for t in _TOKEN.findall(folded) if t not in STOPWORDS and len(t) > 2]


def tokens(text: str) -> list[str]:
    """The exact, case- and accent-folded words. No stemming or prefix merging: those join
    different words ("Fernandez" and "Fernando"), and a word counted as shared would then be
    shown as the community's when only one person wrote it."""
    return words(text)


def tfidf(docs: Sequence[list[str]]) -> list[dict[str, float]]:
    df = Counter(term for doc in docs for term in set(doc))
    n = len(docs)
    vectors = []
    for doc in docs:
        counts = Counter(doc)
        # Smoothed idf (+1): in a small week every member may share the theme's words.
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vectors.append({t: w / norm for t, w in vec.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def cluster(
    texts: Sequence[str],
    min_size: int = 3,
    threshold: float = 0.12,
    seed: int = 7,
    embeddings: np.ndarray | None = None,
) -> list[Cluster]:
    """Clusters of at least `min_size` similar texts, largest first. Deterministic.
    `embeddings`: one unit row per text (the tagger's encoder), to link across languages."""
    docs = [tokens(t) for t in texts]
    vectors = tfidf(docs)
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(texts)))
    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            similarity = cosine(vectors[i], vectors[j])
            if similarity >= threshold:
                graph.add_edge(i, j, weight=similarity)
    if embeddings is not None and len(embeddings) == len(texts):
        meaning = embeddings @ embeddings.T
        for i, j in zip(*np.nonzero(np.triu(meaning >= EMBEDDING_LINK, k=1)), strict=True):
            weight = max(float(meaning[i, j]), graph.get_edge_data(int(i), int(j), {}).get("weight", 0.0))
            graph.add_edge(int(i), int(j), weight=weight)
    communities = nx.community.louvain_communities(graph, weight="weight", seed=seed) if graph.edges else []
    found = []
    for community in communities:
        members = sorted(community)
        if len(members) < min_size:
            continue
        found.append(_describe(members, docs, vectors))
    return sorted(found, key=lambda c: (-len(c.members), c.members[0]))


def _describe(members: list[int], docs: Sequence[list[str]], vectors: list[dict[str, float]]) -> Cluster:
    weight: Counter[str] = Counter()
    for i in members:
        weight.update(vectors[i])
    used: dict[str, set[int]] = defaultdict(set)
    for i in members:
        for term in docs[i]:
            used[term].add(i)
        for a, b in zip(docs[i], docs[i][1:], strict=False):
            used[f"{a} {b}"].add(i)
    # A keyword should be shared, not one text's idiosyncrasy; callers apply their own bar.
    keywords = [t for t, _ in weight.most_common() if len(used[t]) >= 2][:MAX_TERMS]
    pairs = sorted(
        (p for p, texts in used.items() if " " in p and len(texts) >= 2), key=lambda p: (-len(used[p]), p)
    )
    phrases = pairs[:MAX_TERMS]
    centre = {t: w / len(members) for t, w in weight.items()}
    central = sorted(members, key=lambda i: -cosine(vectors[i], centre))
    usage = {term: frozenset(used[term]) for term in keywords + phrases}
    return Cluster(members, keywords, phrases, central, usage)


def suggest_name(found: Cluster) -> str:
    """A readable label a facilitator can accept or rename: a phrase members share when it
    holds the two strongest keywords ("data interoperability"), else those two keywords;
    empty when there are none (callers name it)."""
    top = found.keywords[:2]
    phrase = next((p for p in found.phrases if all(k in p.split() for k in top)), None)
    label = phrase or " & ".join(top)
    return label[:1].upper() + label[1:]
