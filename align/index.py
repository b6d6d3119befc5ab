"""VectorIndex: inner-product search over unit vectors with FAISS, saved atomically with a manifest.

Below ``EXACT_LIMIT`` vectors the index is exact (``IndexFlatIP``); above it, HNSW over inner
product (``IndexHNSWFlat`` with ``METRIC_INNER_PRODUCT``), whose recall@10 against exact search
is measured in ``benchmarks/bench_index.py`` and reported in ``BENCHMARKS.md``. The threshold is
the ``exact_limit`` argument of :meth:`VectorIndex.build` and :func:`load_or_build`.

On disk: ``NAME.faiss`` (faiss' own binary format, never pickle) and ``NAME.faiss.json``, the
manifest: ``{"signature", "count", "max_id", "kind", "dim", "sha256"}``. :func:`load_or_build`
trusts the file only when the manifest agrees with the source of truth *and* the file's
sha256 matches (a truncated or corrupted file is rebuilt, never handed to faiss to parse).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from termalign.core.files import atomic_path, file_sha256, write_text_atomic

if TYPE_CHECKING:  # faiss is imported where it is used: reading an index file stays cheap
    import faiss

log = logging.getLogger(__name__)

EXACT_LIMIT = 20_000  # flat search of 20k x 512 floats takes ~2 ms a query on 2 cores
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


@dataclass
class VectorIndex:
    """FAISS index + the external ids of its rows. Vectors must be L2-normalised float32."""

    index: faiss.Index
    ids: np.ndarray  # int64 (n,): row r of the index is item ids[r]
    kind: str  # 'flat' | 'hnsw'
    signature: str = ""

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        signature: str = "",
        kind: str | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> VectorIndex:
        """Index ``vectors`` (n, dim) float32 under ``ids`` (n,).

        ``kind`` None picks by size: 'flat' (exact) up to ``exact_limit`` vectors, 'hnsw' above.
        """
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or len(ids) != len(vectors):
            raise ValueError(f"ids ({len(ids)}) and vectors {vectors.shape} disagree")
        dim = vectors.shape[1] if vectors.size else 1
        kind = kind or ("flat" if len(ids) <= exact_limit else "hnsw")
        index: faiss.Index
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
            index = hnsw
        else:
            raise ValueError(f"unknown index kind {kind!r}; choose flat or hnsw")
        if len(ids):
            index.add(vectors)
        return cls(index, ids, kind, signature)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product. Returns (scores float32 (q, k), ids int64 (q, k)); missing = -1."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        q = queries.shape[0]
        k_eff = min(k, len(self.ids))
        if k_eff == 0:
            return np.zeros((q, k), np.float32), np.full((q, k), -1, np.int64)
        scores, rows = self.index.search(queries, k_eff)
        out_ids = np.where(rows >= 0, self.ids[np.clip(rows, 0, None)], -1)
        if k_eff < k:
            pad = k - k_eff
            scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
            out_ids = np.pad(out_ids, ((0, 0), (0, pad)), constant_values=-1)
        return scores, out_ids

    # ---------- persistence ----------
    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Write ``path`` and ``path.json`` atomically (index first, manifest last)."""
        import faiss

        path = Path(path)
        # ids ride along inside the faiss file: an IndexIDMap would change search code paths,
        # so they go in a sidecar .npy written under the same atomic scheme.
        with atomic_path(path) as tmp:
            faiss.write_index(self.index, str(tmp))
            digest = file_sha256(tmp)
        ids_path = path.with_name(path.name + ".ids.npy")
        with atomic_path(ids_path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, self.ids, allow_pickle=False)
            ids_digest = file_sha256(tmp)
        manifest = {
            "signature": self.signature,
            "count": int(len(self.ids)),
            "max_id": int(self.ids.max()) if len(self.ids) else 0,
            "kind": self.kind,
            "dim": self.dim,
            "sha256": digest,
            "ids_sha256": ids_digest,
            **(extra or {}),
        }
        write_text_atomic(path.with_name(path.name + ".json"), json.dumps(manifest, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Load and verify; raises IndexStale when the files are missing, corrupt or disagree."""
        import faiss

        path = Path(path)
        manifest = read_manifest(path)
        ids_path = path.with_name(path.name + ".ids.npy")
        if not path.is_file() or not ids_path.is_file():
            raise IndexStale(f"{path}: missing")
        if file_sha256(path) != manifest.get("sha256") or file_sha256(ids_path) != manifest.get("ids_sha256"):
            raise IndexStale(f"{path}: checksum mismatch (corrupt or partially written)")
        try:
            index = faiss.read_index(str(path))
            ids = np.load(ids_path, allow_pickle=False)
        except Exception as e:  # faiss raises RuntimeError on a bad file
            raise IndexStale(f"{path}: unreadable ({e})") from None
        if index.ntotal != len(ids) or len(ids) != manifest.get("count"):
            raise IndexStale(f"{path}: {index.ntotal} vectors, {len(ids)} ids, manifest says {manifest.get('count')}")
        return cls(index, ids.astype(np.int64), manifest.get("kind", "flat"), manifest.get("signature", ""))


class IndexStale(Exception):
    """The on-disk index cannot be trusted; rebuild it from the source of truth."""


def read_manifest(path: str | Path) -> dict:
    mpath = Path(path).with_name(Path(path).name + ".json")
    try:
        return json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexStale(f"{mpath}: no readable manifest ({e})") from None


def load_or_build(
    path: Path,
    signature: str,
    state: Callable[[], tuple[int, int]],
    vectors: Callable[[], tuple[np.ndarray, np.ndarray]],
    writable: bool = True,
    force: bool = False,
    exact_limit: int = EXACT_LIMIT,
) -> VectorIndex:
    """The cached index at ``path`` if its manifest matches (signature, count, max id) and its
    bytes verify; otherwise rebuilt from ``vectors()`` (and saved when ``writable``).

    ``state()`` returns (count, max id) from the source of truth; it is cheap, ``vectors()`` is not.
    A cached file whose kind is not the one ``exact_limit`` picks for ``count`` is rebuilt too.
    """
    count, max_id = state()
    if not force:
        try:
            m = read_manifest(path)
            kind = "flat" if count <= exact_limit else "hnsw"
            if (m.get("signature"), m.get("count"), m.get("max_id"), m.get("kind")) != (signature, count, max_id, kind):
                raise IndexStale(
                    f"{path}: manifest {m.get('signature')!r}/{m.get('count')}/{m.get('max_id')}/"
                    f"{m.get('kind')} != store {signature!r}/{count}/{max_id}/{kind}"
                )
            return VectorIndex.load(path)
        except IndexStale as e:
            log.info("rebuilding %s: %s", path.name, e)
    ids, vecs = vectors()
    if len(ids) == 0:
        vecs = np.zeros((0, 1), np.float32)
    index = VectorIndex.build(ids, vecs, signature, exact_limit=exact_limit)
    if writable:
        index.save(path)
    return index


# ---------------------------------------------------------------- kNN at corpus scale (mining)

# Mining searches every sentence of one language against all of the other, both ways (n x m).
# Up to this many base vectors that is one exact flat search (the reference); above it, IVF
# shards (:class:`ShardedIndex`), whose recall against exact search is measured by
# ``benchmarks/bench_knn.py`` and reported in BENCHMARKS.md and docs/cluster.md.
MINING_EXACT_LIMIT = 100_000
SHARD_SIZE = 250_000  # base vectors per IVF shard (500 MB of 512-d float32)
IVF_NPROBE = 32  # inverted lists visited per query in each shard
# Rows read at once besides a shard, above the exact limit: queries searched together, and the
# candidates' rows that evidence and pair vectors need (128 MB of 512-d float32).
READ_CHUNK = 65_536


class VectorRows(Protocol):
    """Unit vectors (n, dim) float32 that need not be in memory at once: ``len()``, and
    ``rows[a:b]`` or ``rows[int array]`` -> those rows as a (r, dim) float32 array. A numpy
    array is one; ``corpus.store.SentenceVectors`` reads a store's sentences a part at a time."""

    def __len__(self) -> int: ...

    def __getitem__(self, rows, /) -> np.ndarray: ...


def row_chunks(rows: VectorRows, size: int) -> Iterator[tuple[int, np.ndarray]]:
    """(offset, rows[offset : offset + size]) over ``rows``: an array in memory is one chunk."""
    n = len(rows)
    if isinstance(rows, np.ndarray):
        yield 0, rows
        return
    for off in range(0, n, max(1, size)):
        yield off, rows[off : off + size]


def row_dots(a: VectorRows, ra: np.ndarray, b: VectorRows, rb: np.ndarray) -> np.ndarray:
    """(len(ra),) float64: the dot product of ``a[ra[t]]`` and ``b[rb[t]]`` for each t, the rows
    fetched ``READ_CHUNK`` at a time unless both are arrays in memory."""
    ra, rb = np.asarray(ra, np.int64), np.asarray(rb, np.int64)
    step = len(ra) if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else READ_CHUNK
    out = [
        np.einsum("ij,ij->i", np.asarray(a[ra[s : s + step]], np.float64), np.asarray(b[rb[s : s + step]], np.float64))
        for s in range(0, len(ra), max(1, step))
    ]
    return np.concatenate(out) if out else np.zeros(0)


def exact_knn(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (faiss flat). Returns (sims (q, k), rows (q, k)); rows -1 past n."""
    return ExactIndex(base).search(queries, k)


class KnnIndex(Protocol):
    """A base of vectors, indexed once and searched chunk of queries by chunk of queries."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k of ``queries`` (q, d). Returns (sims float32 (q, k), rows int64 (q, k)); -1 where fewer."""
        ...

    def close(self) -> None:
        """Let go of what the index holds (memory, workers)."""
        ...


class ExactIndex:
    """Exact inner-product search (faiss flat) over ``base`` (n, d), held in memory."""

    def __init__(self, base: np.ndarray) -> None:
        import faiss

        self._index = faiss.IndexFlatIP(base.shape[1])
        self._index.add(np.ascontiguousarray(base, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def close(self) -> None:
        self._index.reset()


def train_centroids(sample: np.ndarray, nlist: int, seed: int = 0) -> np.ndarray:
    """(nlist, d) unit centroids of spherical k-means over ``sample`` (unit rows): the coarse
    quantizer every IVF shard shares, so that their lists (and scores) are comparable."""
    import faiss

    sample = np.ascontiguousarray(sample, dtype=np.float32)
    if len(sample) < 39 * nlist:  # faiss' own advice; it would print it to stderr
        log.info("IVF centroids: %d training vectors for %d lists", len(sample), nlist)
    km = faiss.Kmeans(
        sample.shape[1],
        nlist,
        niter=12,
        spherical=True,
        seed=seed,
        max_points_per_centroid=64,
        min_points_per_centroid=1,
    )
    km.train(sample)
    return np.ascontiguousarray(km.centroids, dtype=np.float32)


class IvfShard:
    """One shard: an IVF-Flat index of ``vectors`` over the shared ``centroids``. Built from its
    arguments alone, so it lives in any process or machine (a Ray actor holds one)."""

    def __init__(self, centroids: np.ndarray, vectors: np.ndarray, nprobe: int = IVF_NPROBE) -> None:
        import faiss

        d = centroids.shape[1]
        self._quantizer = faiss.IndexFlatIP(d)  # kept: the IVF index does not own it
        self._quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
        self._ivf = faiss.IndexIVFFlat(self._quantizer, d, len(centroids), faiss.METRIC_INNER_PRODUCT)
        self._ivf.is_trained = True  # the quantizer is the trained part of an IVF-Flat index
        self._ivf.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._ivf.nprobe = min(nprobe, len(centroids))
        self.size = len(vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k in this shard: (sims float32 (q, k), rows int64 (q, k) into its vectors; -inf / -1 where fewer)."""
        sims, rows = self._ivf.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, self.size))
        return np.where(rows >= 0, sims, -np.inf).astype(np.float32), rows.astype(np.int64)


def search_shard(
    centroids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int, nprobe: int = IVF_NPROBE
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``queries`` among one shard's ``vectors`` (:class:`IvfShard`, built and searched once)."""
    return IvfShard(centroids, vectors, nprobe).search(queries, k)


def merge_topk(parts: Sequence[tuple[np.ndarray, np.ndarray]], offsets: Sequence[int], k: int):
    """One top-k from per-shard top-k lists: ``parts[s]`` = (sims, rows) of shard ``s``, whose
    row 0 is base row ``offsets[s]``. Ties keep the lower base row. Returns (sims, rows), padded
    with -inf / -1."""
    sims = np.concatenate([p[0] for p in parts], axis=1)
    rows = np.concatenate([np.where(p[1] >= 0, p[1] + off, -1) for p, off in zip(parts, offsets)], axis=1)
    order = np.lexsort((np.where(rows >= 0, rows, np.iinfo(np.int64).max), -sims), axis=1)[:, :k]
    sims, rows = np.take_along_axis(sims, order, axis=1), np.take_along_axis(rows, order, axis=1)
    if sims.shape[1] < k:
        pad = k - sims.shape[1]
        sims = np.pad(sims, ((0, 0), (0, pad)), constant_values=-np.inf)
        rows = np.pad(rows, ((0, 0), (0, pad)), constant_values=-1)
    return sims, np.where(np.isfinite(sims), rows, -1)


class ShardSet(Protocol):
    """Where the IVF shards of a :class:`ShardedIndex` live: this process (:class:`LocalShards`)
    or Ray actors (``corpus.ray_engine.RayShards``)."""

    def add(self, centroids: np.ndarray, base: VectorRows, start: int, stop: int, nprobe: int) -> None:
        """One more shard (:class:`IvfShard`): rows ``start:stop`` of ``base``, which the set reads
        (and may read again, to rebuild a shard it lost)."""
        ...

    def search(self, queries: np.ndarray, k: int) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
        """(shard number, its top-k (:meth:`IvfShard.search`)) of every shard, as they come."""
        ...

    def close(self) -> None: ...


class LocalShards:
    """The shards in this process, searched in threads (faiss releases the GIL while it searches).
    The process then holds every base vector, once, in the shards' lists."""

    def __init__(self) -> None:
        self._shards: list[IvfShard] = []

    def add(self, centroids: np.ndarray, base: VectorRows, start: int, stop: int, nprobe: int) -> None:
        self._shards.append(IvfShard(centroids, base[start:stop], nprobe))

    def search(self, queries: np.ndarray, k: int) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(self._shards), 4)) as pool:
            yield from enumerate(pool.map(lambda s: s.search(queries, k), self._shards))

    def close(self) -> None:
        self._shards.clear()


class ShardedIndex:
    """Approximate inner-product search over a base too large for one exact search: the base cut
    into shards of ``shard_size`` rows, read one at a time (``base[a:b]``), each an IVF-Flat index
    over centroids trained once on a sample of at most one shard; every shard is searched on its
    own and the per-shard lists merged (:func:`merge_topk`). Whoever builds it holds at most one
    shard of the base at a time; where the shards live is the ``shards`` set's business."""

    def __init__(self, shards: ShardSet, offsets: Sequence[int]) -> None:
        self._shards, self._offsets = shards, list(offsets)

    @classmethod
    def build(
        cls,
        base: VectorRows,
        shards: ShardSet | None = None,
        *,
        shard_size: int | None = None,
        nprobe: int | None = None,
        nlist: int | None = None,
        seed: int = 0,
    ) -> ShardedIndex:
        """Index ``base``. None: :class:`LocalShards`, ``SHARD_SIZE``, ``IVF_NPROBE``, about 4 sqrt(n) lists."""
        shards = LocalShards() if shards is None else shards
        shard_size = max(1, SHARD_SIZE if shard_size is None else shard_size)
        nprobe = IVF_NPROBE if nprobe is None else nprobe
        n = len(base)
        nlist = nlist or int(np.clip(4 * np.sqrt(n), 16, 65_536))
        n_sample = min(n, 64 * nlist, shard_size)  # faiss uses 64 a list at most; one shard at most
        nlist = max(1, min(nlist, n_sample))
        rng = np.random.default_rng(seed)
        centroids = train_centroids(base[np.sort(rng.choice(n, size=n_sample, replace=False))], nlist, seed)
        offsets = []
        for off in range(0, n, shard_size):
            shards.add(centroids, base, off, min(off + shard_size, n), nprobe)
            offsets.append(off)
        return cls(shards, offsets)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k of ``queries`` (q, d) over every shard: (sims (q, k), base rows (q, k)). Each
        shard's list is merged into the running top-k as it comes, so two are held at a time."""
        q = len(queries)
        top = np.full((q, k), -np.inf, np.float32), np.full((q, k), -1, np.int64)
        for s, part in self._shards.search(queries, k):
            top = merge_topk([top, part], [0, self._offsets[s]], k)
        return top

    def close(self) -> None:
        self._shards.close()


def sharded_knn(
    queries: np.ndarray,
    base: VectorRows,
    k: int,
    *,
    shards: ShardSet | None = None,
    **build,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate top-k of ``queries`` in ``base``: one :class:`ShardedIndex` (keyword arguments
    passed to :meth:`ShardedIndex.build`), searched once. Returns (sims (q, k), rows (q, k))."""
    index = ShardedIndex.build(base, shards, **build)
    try:
        return index.search(queries, k)
    finally:
        index.close()


def knn_index(base: VectorRows, shards: Callable[[], ShardSet] | None = None) -> KnnIndex:
    """Mining's index of ``base``: exact (:class:`ExactIndex`, the base read whole) up to
    ``MINING_EXACT_LIMIT`` vectors, above it IVF shards (:class:`ShardedIndex`) in the shard set
    ``shards()`` makes (None: :class:`LocalShards`)."""
    if len(base) <= MINING_EXACT_LIMIT:
        return ExactIndex(base if isinstance(base, np.ndarray) else base[0 : len(base)])
    return ShardedIndex.build(base, shards() if shards is not None else None)


def knn(
    queries: np.ndarray, base: np.ndarray, k: int, exact_limit: int | None = None, **sharded
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by inner product: exact (:func:`exact_knn`) up to ``exact_limit`` (None:
    ``MINING_EXACT_LIMIT``) base vectors, IVF shards (:func:`sharded_knn`, keyword arguments
    passed on) above."""
    if len(base) <= (MINING_EXACT_LIMIT if exact_limit is None else exact_limit):
        return exact_knn(queries, base, k)
    return sharded_knn(queries, base, k, **sharded)
