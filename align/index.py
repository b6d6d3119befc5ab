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
from collections.abc import Callable
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
