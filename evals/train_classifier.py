"""Train the intent classifier from the phrase bank's training split (reproducible, fixed seed).

    python -m evals.train_classifier          # fit on the train split, write models/intent.npz + .json
    python -m evals.train_classifier --cv     # 5-fold cross-validation on the train split only

The held-out split and the fresh file are never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agent.understanding.classifier import META_PATH, MODEL_PATH, LinearModel, features
from evals.phrase_bank import Phrase, bank_hash, load, select

SEED = 0
PARAMS: dict[str, Any] = {"C": 100.0, "min_df": 2, "max_features": 80000, "class_weight": "balanced"}


def stable_vocabulary(texts: Iterable[str], min_df: int, limit: int) -> dict[str, int]:
    """The `limit` most frequent features of those seen in at least `min_df` texts, ties broken by the
    feature itself: the same choice on every machine. (scikit-learn's own `max_features` cut sorts
    with an unstable argsort whose order of ties depends on the CPU: trained on an AVX2 and on an
    AVX-512 machine, 3,145 of the 80,000 features differed.)"""
    counts: Counter[str] = Counter()
    in_texts: Counter[str] = Counter()
    for text in texts:
        feats = features(text)
        counts.update(feats)
        in_texts.update(set(feats))
    kept = sorted((f for f in counts if in_texts[f] >= min_df), key=lambda f: (-counts[f], f))[:limit]
    return {feature: i for i, feature in enumerate(sorted(kept))}


def fit(phrases: list[Phrase], **overrides: Any) -> tuple[TfidfVectorizer, LogisticRegression]:
    """Fit the vectorizer and the logistic regression on these phrases."""
    params = {**PARAMS, **overrides}
    texts = [p.text for p in phrases]
    vocabulary = stable_vocabulary(texts, params["min_df"], params["max_features"])
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, vocabulary=vocabulary)
    matrix = vectorizer.fit_transform(texts)
    clf = LogisticRegression(
        C=params["C"], class_weight=params["class_weight"], max_iter=5000, random_state=SEED
    )
    clf.fit(matrix, [p.intent for p in phrases])
    return vectorizer, clf


def export(vectorizer: TfidfVectorizer, clf: LogisticRegression) -> LinearModel:
    """The fitted pair as plain arrays for `agent.understanding.classifier`."""
    vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    return LinearModel(
        vocabulary,
        np.asarray(vectorizer.idf_, dtype=np.float64),
        np.asarray(clf.coef_, dtype=np.float64),
        np.asarray(clf.intercept_, dtype=np.float64),
        tuple(str(c) for c in clf.classes_),
        sublinear_tf=True,
    )


def cross_validate(phrases: list[Phrase], folds: int = 5, **overrides: Any) -> dict[str, Any]:
    """Out-of-fold opt-out probabilities and predictions on the given (training) phrases."""
    labels = np.array([p.intent for p in phrases])
    predicted = np.empty(len(phrases), dtype=object)
    opt_out = np.zeros(len(phrases))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(np.zeros(len(phrases)), labels):
        vectorizer, clf = fit([phrases[i] for i in train_idx], **overrides)
        probs = clf.predict_proba(vectorizer.transform([phrases[i].text for i in test_idx]))
        predicted[test_idx] = clf.classes_[probs.argmax(axis=1)]
        opt_out[test_idx] = probs[:, list(clf.classes_).index("opt_out")]
    return {"accuracy": float((predicted == labels).mean()), "predicted": predicted, "opt_out": opt_out}


def train_split() -> list[Phrase]:
    return select(load(), "train")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="cross-validate on the train split instead")
    args = parser.parse_args(argv)
    phrases = train_split()
    if args.cv:
        result = cross_validate(phrases)
        print(f"5-fold CV accuracy on the train split ({len(phrases)}): {result['accuracy']:.4f}")
        return
    vectorizer, clf = fit(phrases)
    export(vectorizer, clf).save(MODEL_PATH)
    meta = {
        "training_data_sha256": bank_hash(),
        "train_phrases": len(phrases),
        "features": len(vectorizer.vocabulary_),
        "params": PARAMS,
        "seed": SEED,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "model_sha256": hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest(),
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    META_PATH.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1024:.0f} KiB), {meta['features']} features")


if __name__ == "__main__":
    main()
