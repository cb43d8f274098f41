"""Pure exam logic: drawing questions by topic quotas from a seed, shuffling options, grading answers.

No database here: the functions take plain ids and lists, so they are tested with hypothesis.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class NotEnoughQuestions(ValueError):
    def __init__(self, topic: str, wanted: int, available: int) -> None:
        super().__init__(f"{topic}: {wanted} wanted, {available} available")
        self.topic, self.wanted, self.available = topic, wanted, available


@dataclass(frozen=True)
class Drawn:
    question_id: int
    topic: str
    option_order: list[int]


def draw(*, seed: int, quotas: Mapping[str, int], pool: Mapping[str, Sequence[int]],
         option_counts: Mapping[int, int], shuffle_options: Mapping[int, bool]) -> list[Drawn]:
    """The questions of one attempt, in the order shown. Same seed and pool, same paper.

    `pool` maps topic -> active question ids; `option_counts` maps id -> number of options;
    `shuffle_options` says whether a question's options may be reordered (not for true/false).
    """
    rng = random.Random(seed)
    chosen: list[tuple[int, str]] = []
    for topic in sorted(quotas):
        wanted = int(quotas[topic])
        if wanted <= 0:
            continue
        candidates = sorted(set(pool.get(topic, ())))
        if len(candidates) < wanted:
            raise NotEnoughQuestions(topic, wanted, len(candidates))
        chosen += [(qid, topic) for qid in rng.sample(candidates, wanted)]
    rng.shuffle(chosen)
    paper = []
    for qid, topic in chosen:
        order = list(range(option_counts[qid]))
        if shuffle_options.get(qid, True):
            rng.shuffle(order)
        paper.append(Drawn(qid, topic, order))
    return paper


def is_correct(*, kind: str, correct: Sequence[int], answer: Sequence[int] | None) -> bool:
    """Single choice and true/false: the one right option. Multiple choice: exactly the right set (no part marks)."""
    if not answer:
        return False
    chosen = set(answer)
    if kind in ("single", "true_false") and len(chosen) != 1:
        return False
    return chosen == set(correct)


def percent(right: int, total: int) -> Decimal:
    """Score 0–100 with two decimals, rounded half up."""
    if total <= 0:
        return Decimal("0.00")
    return (Decimal(100) * right / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def breakdown(results: Sequence[tuple[str, bool]]) -> dict[str, float]:
    """Score per topic from (topic, correct) pairs."""
    totals: dict[str, list[int]] = {}
    for topic, ok in results:
        pair = totals.setdefault(topic, [0, 0])
        pair[0] += int(ok)
        pair[1] += 1
    return {topic: float(percent(right, total)) for topic, (right, total) in sorted(totals.items())}


def passes(score: Decimal, pass_mark: int) -> bool:
    return score >= Decimal(pass_mark)
