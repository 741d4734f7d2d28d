"""The learned intent classifier: tf-idf over character n-grams and lemmas → multinomial logistic
regression, trained by `python -m evals.train_classifier` from the phrase bank's training split.

At run time no scikit-learn and no pickle: the artefact `models/intent.npz` holds the vocabulary,
idf weights, coefficients and classes as plain arrays, and prediction is numpy (sparse dot +
softmax). `features()` is the one analyzer used both to train and to predict.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.understanding.morphology import normalize, parse, tokens

MODEL_PATH = Path(__file__).resolve().parent / "models" / "intent.npz"
META_PATH = MODEL_PATH.with_suffix(".json")
CHAR_NGRAMS = (2, 5)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_]{4,}")
_PHONE = re.compile(r"(?:\+7|\b8|\+\d{1,3})[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGIT = re.compile(r"\d")
_NEGATORS = frozenset({"не", "ни", "без", "нет", "not", "don't", "dont", "no", "never"})
_JOIN_NEGATION = re.compile(r"\b(не|not|don't|dont|never|no)\s+(?=\w)")


def prepare(text: str) -> str:
    """Normalised text with addresses and digits replaced by placeholders."""
    text = normalize(text)
    text = _URL.sub(" url ", text)
    text = _EMAIL.sub(" emailaddr ", text)
    text = _PHONE.sub(" phonenum ", text)
    text = _HANDLE.sub(" tghandle ", text)
    text = _JOIN_NEGATION.sub(r"\1_", text)  # «не пишите» → «не_пишите»: one token for the n-grams
    return _DIGIT.sub("0", text)


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@lru_cache(maxsize=8192)
def _features(text: str) -> tuple[str, ...]:
    return tuple(_compute_features(text))


def features(text: str) -> list[str]:
    """Character n-grams (2–5, inside word boundaries) of the prepared text, plus lemma unigrams and
    bigrams, word-form unigrams and bigrams («отпишусь» and «отпишите» keep apart what their lemma
    joins), negated lemmas («не писать» → `neg=писать`) and a question-mark flag (cached)."""
    return list(_features(text))


def _compute_features(text: str) -> list[str]:
    prepared = prepare(text)
    feats = _char_ngrams(prepared, *CHAR_NGRAMS)
    previous = "^"
    previous_token = "^"
    for token in tokens(prepared.replace("_", " ")):
        lemma = parse(token).lemma
        feats.append(f"w={lemma}")
        feats.append(f"b={previous}+{lemma}")
        feats.append(f"t={token}")
        feats.append(f"tb={previous_token}+{token}")
        if previous in _NEGATORS:
            feats.append(f"neg={lemma}")
        previous, previous_token = lemma, token
    if "?" in text:
        feats.append("has=?")
    return feats


@dataclass(frozen=True)
class LinearModel:
    """tf-idf (sublinear tf, l2 norm) + multinomial logistic regression, as plain arrays."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    classes: tuple[str, ...]
    sublinear_tf: bool = True

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            vocab = [str(v) for v in data["vocabulary"]]
            return cls(
                {term: i for i, term in enumerate(vocab)},
                data["idf"].astype(np.float64),
                data["coef"].astype(np.float64),
                data["intercept"].astype(np.float64),
                tuple(str(c) for c in data["classes"]),
                bool(data["sublinear_tf"]),
            )

    def save(self, path: Path = MODEL_PATH) -> None:
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            vocabulary=np.array(vocab, dtype=str),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=str),
            sublinear_tf=np.array(self.sublinear_tf),
        )

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Indices and l2-normalised tf-idf values of the text's known features."""
        counts: dict[int, int] = {}
        for feat in features(text):
            index = self.vocabulary.get(feat)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts, dtype=np.int64)
        tf = np.fromiter(counts.values(), dtype=np.float64)
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        values = tf * self.idf[idx]
        norm = np.linalg.norm(values)
        return idx, values / norm if norm else values

    def probabilities(self, text: str) -> np.ndarray:
        idx, values = self.vector(text)
        scores = self.coef[:, idx] @ values + self.intercept
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def predict(self, text: str) -> list[tuple[str, float]]:
        probs = self.probabilities(text)
        order = np.argsort(-probs, kind="stable")
        return [(self.classes[i], float(probs[i])) for i in order]


_MODEL: LinearModel | None = None
_LOCK = threading.Lock()


def model() -> LinearModel:
    """The committed model, loaded on first use (thread-safe)."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                _MODEL = LinearModel.load()
    return _MODEL


def predict(text: str) -> list[tuple[str, float]]:
    """Every intent with its probability, most likely first."""
    return model().predict(text)


def probability(text: str, intent: str) -> float:
    """The probability of one intent."""
    return dict(predict(text)).get(intent, 0.0)
