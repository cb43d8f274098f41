"""Complaint classification: jieba tokens → TF-IDF → logistic regression, for category and product line.

It starts from the seed corpus shipped in `data/seed_corpus.csv` and retrains from the institution's own
confirmed complaints (`finassure service retrain`). Its suggestions carry a confidence and never act alone:
a person confirms them on the complaint. The trained model lives under MEDIA_ROOT/service/.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from finassure.service.textsearch import tokenize

SEED_CORPUS = Path(__file__).with_name("data") / "seed_corpus.csv"
_lock = threading.Lock()
_cache: dict[str, Any] = {}


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    product_line: str


@dataclass(frozen=True)
class Suggestion:
    category: str
    category_confidence: float
    product_line: str
    product_line_confidence: float


@dataclass
class Model:
    category: Any
    product_line: Any
    trained_at: dt.datetime
    examples: int
    seed_examples: int
    accuracy: dict[str, float | None] = field(default_factory=dict)  # cross-validated, per target

    def suggest(self, text: str) -> Suggestion:
        cat_proba = self.category.predict_proba([text])[0]
        prod_proba = self.product_line.predict_proba([text])[0]
        ci, pi = int(cat_proba.argmax()), int(prod_proba.argmax())
        return Suggestion(str(self.category.classes_[ci]), float(cat_proba[ci]),
                          str(self.product_line.classes_[pi]), float(prod_proba[pi]))


def seed_examples() -> list[Example]:
    with SEED_CORPUS.open(encoding="utf-8") as handle:
        return [Example(r["text"], r["category"], r["product_line"]) for r in csv.DictReader(handle)]


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )


def _cv_accuracy(texts: list[str], labels: list[str]) -> float | None:
    """Stratified k-fold accuracy (k ≤ 5, limited by the rarest label); None when there is too little data."""
    from collections import Counter

    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rarest = min(Counter(labels).values()) if labels else 0
    folds = min(5, rarest)
    if folds < 2 or len(set(labels)) < 2:
        return None
    scores = cross_val_score(_pipeline(), texts, labels, cv=StratifiedKFold(folds, shuffle=True, random_state=7))
    return float(scores.mean())


def train(examples: list[Example], *, seed_count: int = 0, evaluate: bool = True) -> Model:
    from django.utils import timezone

    texts = [e.text for e in examples]
    categories, products = [e.category for e in examples], [e.product_line for e in examples]
    category_model, product_model = _pipeline(), _pipeline()
    category_model.fit(texts, categories)
    product_model.fit(texts, products)
    accuracy = {"category": _cv_accuracy(texts, categories), "product_line": _cv_accuracy(texts, products)} \
        if evaluate else {}
    return Model(category_model, product_model, timezone.now(), len(examples), seed_count, accuracy)


def model_path() -> Path:
    return Path(settings.MEDIA_ROOT) / "service" / "classifier.joblib"


def save(model: Model) -> None:
    import joblib

    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)
    with _lock:
        _cache["model"] = model
        _cache["mtime"] = path.stat().st_mtime


def current() -> Model:
    """The saved model (reloaded when a retrain replaced it), or one trained on the seed corpus."""
    import joblib

    path = model_path()
    with _lock:
        mtime = path.stat().st_mtime if path.exists() else None
        if "model" in _cache and _cache.get("mtime") == mtime:
            return _cache["model"]
        if mtime is not None:
            try:
                model = joblib.load(path)
            except Exception:  # noqa: BLE001 - a damaged or foreign file: fall back to the seed
                model = None
            if isinstance(model, Model):
                _cache.update(model=model, mtime=mtime)
                return model
        seed = seed_examples()
        model = train(seed, seed_count=len(seed), evaluate=False)
        _cache.update(model=model, mtime=mtime)
        return model


def reset() -> None:
    """Forget the in-process model (tests)."""
    with _lock:
        _cache.clear()
