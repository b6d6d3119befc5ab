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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
# Up to this many base vectors that is one exact flat search (today's path, and the reference);
# above it, IVF shards (:func:`sharded_knn`), whose recall against exact search is measured by
# ``benchmarks/bench_knn.py`` and reported in BENCHMARKS.md and docs/cluster.md.
MINING_EXACT_LIMIT = 100_000
SHARD_SIZE = 250_000  # base vectors per IVF shard (500 MB of 512-d float32)
IVF_NPROBE = 32  # inverted lists visited per query in each shard


def exact_knn(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (faiss flat). Returns (sims (q, k), rows (q, k)); rows -1 past n."""
    import faiss

    index = faiss.IndexFlatIP(base.shape[1])
    index.add(np.ascontiguousarray(base, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def train_centroids(sample: np.ndarray, nlist: int, seed: int = 0) -> np.ndarray:
    """(nlist, d) unit centroids of spherical k-means over ``sample`` (unit rows): the coarse
    quantizer every IVF shard shares, so that their lists (and scores) are comparable."""
    import faiss

    sample = np.ascontiguousarray(sample, dtype=np.float32)
    km = faiss.Kmeans(sample.shape[1], nlist, niter=12, spherical=True, seed=seed, max_points_per_centroid=64)
    km.train(sample)
    return np.ascontiguousarray(km.centroids, dtype=np.float32)


def search_shard(
    centroids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int, nprobe: int = IVF_NPROBE
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``queries`` among one shard's ``vectors`` with an IVF index over the shared
    ``centroids``. Pure: all it needs is its arguments, so it runs in any process or machine.
    Returns (sims float32 (q, k), rows int64 (q, k) into ``vectors``; -inf / -1 where fewer)."""
    import faiss

    d = centroids.shape[1]
    quantizer = faiss.IndexFlatIP(d)
    quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
    ivf = faiss.IndexIVFFlat(quantizer, d, len(centroids), faiss.METRIC_INNER_PRODUCT)
    ivf.is_trained = True  # the quantizer is the trained part of an IVF-Flat index
    ivf.add(np.ascontiguousarray(vectors, dtype=np.float32))
    ivf.nprobe = min(nprobe, len(centroids))
    sims, rows = ivf.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, len(vectors)))
    sims = np.where(rows >= 0, sims, -np.inf).astype(np.float32)
    return sims, rows.astype(np.int64)


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


def sharded_knn(
    queries: np.ndarray,
    base: np.ndarray,
    k: int,
    *,
    shard_size: int | None = None,
    nprobe: int | None = None,
    nlist: int | None = None,
    seed: int = 0,
    map_fn: Callable | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate top-k of ``queries`` in ``base``: ``base`` cut into shards of ``shard_size``
    rows, each an IVF-Flat index over centroids trained once on a sample, searched on its own
    (``map_fn(search_shard_job, jobs)``: threads by default; ``corpus.ray_engine.ray_map``
    runs each shard as a Ray task) and the per-shard lists merged (:func:`merge_topk`). No search ever holds more
    than one shard. None: ``SHARD_SIZE``, ``IVF_NPROBE``, about 4 sqrt(n) lists."""
    shard_size = SHARD_SIZE if shard_size is None else shard_size
    nprobe = IVF_NPROBE if nprobe is None else nprobe
    base = np.ascontiguousarray(base, dtype=np.float32)
    n = len(base)
    nlist = nlist or int(np.clip(4 * np.sqrt(n), 16, 65_536))
    nlist = max(1, min(nlist, n))
    rng = np.random.default_rng(seed)
    sample = base[np.sort(rng.choice(n, size=min(n, 64 * nlist), replace=False))]
    centroids = train_centroids(sample, nlist, seed)
    offsets = list(range(0, n, max(1, shard_size)))
    # each job carries its own shard only (a slice), so a remote map ships one shard per task
    jobs = [(centroids, base[off : off + shard_size], queries, k, nprobe) for off in offsets]
    if map_fn is None:
        from concurrent.futures import ThreadPoolExecutor  # faiss releases the GIL while it searches

        with ThreadPoolExecutor(max_workers=min(len(jobs), 4)) as pool:
            parts = list(pool.map(search_shard_job, jobs))
    else:
        parts = list(map_fn(search_shard_job, jobs))
    return merge_topk(parts, offsets, k)


def search_shard_job(job: tuple) -> tuple[np.ndarray, np.ndarray]:
    """:func:`search_shard` of one ``(centroids, vectors, queries, k, nprobe)`` tuple (for maps)."""
    return search_shard(*job)


def knn(
    queries: np.ndarray, base: np.ndarray, k: int, exact_limit: int | None = None, **sharded
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by inner product: exact (:func:`exact_knn`) up to ``exact_limit`` (None:
    ``MINING_EXACT_LIMIT``) base vectors, IVF shards (:func:`sharded_knn`, keyword arguments
    passed on) above."""
    if len(base) <= (MINING_EXACT_LIMIT if exact_limit is None else exact_limit):
        return exact_knn(queries, base, k)
    return sharded_knn(queries, base, k, **sharded)
