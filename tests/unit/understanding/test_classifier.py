"""The learned intent classifier: artefact, reproducibility, numpy == scikit-learn, thread safety."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from agent.understanding import classifier
from agent.understanding.schema import INTENTS
from evals.phrase_bank import bank_hash, load, select


def test_artefact_is_small_and_not_pickled():
    assert classifier.MODEL_PATH.stat().st_size < 4 * 1024 * 1024  # 80,000 features × 12 intents, float32
    with np.load(classifier.MODEL_PATH, allow_pickle=False) as data:
        assert {"vocabulary", "idf", "coef", "intercept", "classes"} <= set(data.files)
    meta = json.loads(classifier.META_PATH.read_text(encoding="utf-8"))
    assert {"training_data_sha256", "sklearn_version", "trained_at"} <= set(meta)


def test_artefact_was_trained_on_the_current_bank():
    meta = json.loads(classifier.META_PATH.read_text(encoding="utf-8"))
    assert meta["training_data_sha256"] == bank_hash(), "the bank changed: run python -m evals.train_classifier"


def test_predict_returns_every_intent_sorted():
    result = classifier.predict("Пришлите, пожалуйста, презентацию")
    assert {intent for intent, _ in result} == set(INTENTS)
    probs = [p for _, p in result]
    assert probs == sorted(probs, reverse=True)
    assert abs(sum(probs) - 1) < 1e-6
    assert result[0][0] == "presentation"


def test_thread_safe_lazy_load(monkeypatch):
    monkeypatch.setattr(classifier, "_MODEL", None)
    texts = ["Давайте созвонимся в четверг", "не пишите мне больше", "сколько стоит?"] * 8
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda t: classifier.predict(t)[0], texts))
    assert results == [classifier.predict(t)[0] for t in texts]


@pytest.fixture(scope="module")
def retrained():
    from evals.train_classifier import export, fit

    return fit(select(load(), "train")), export


def test_numpy_prediction_equals_sklearn(retrained):
    (vectorizer, clf), export = retrained
    test = select(load(), "heldout", "fresh")
    texts = [p.text for p in test]
    expected = clf.predict_proba(vectorizer.transform(texts))
    exact = export(vectorizer, clf)
    committed = classifier.LinearModel.load()
    assert tuple(clf.classes_) == exact.classes == committed.classes
    for text, row in zip(texts, expected, strict=True):
        np.testing.assert_allclose(exact.probabilities(text), row, atol=1e-9)
        np.testing.assert_allclose(committed.probabilities(text), row, atol=1e-4)  # float32 artefact
        assert committed.probabilities(text).argmax() == row.argmax()


def test_the_vocabulary_cut_breaks_ties_by_name_so_every_machine_keeps_the_same_features(monkeypatch):
    # scikit-learn's max_features cut orders ties by an unstable argsort whose result depends on the
    # CPU's SIMD (AVX2 and AVX-512 machines kept different features); ours must depend on nothing
    import random

    from evals import train_classifier

    monkeypatch.setattr(train_classifier, "features", str.split)
    texts = ["e a b", "a d e", "b c", "d e c", "x", "e"]
    expected = {"a": 0, "b": 1, "e": 2}  # e (4) first, then the ties at 2 by name; x is in one text only
    for seed in range(5):
        random.Random(seed).shuffle(texts)
        assert train_classifier.stable_vocabulary(texts, min_df=2, limit=3) == expected
    assert set(train_classifier.stable_vocabulary(texts, min_df=2, limit=100)) == {"a", "b", "c", "d", "e"}
