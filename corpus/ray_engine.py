"""The Ray engine of ``build``: documents prepared on Ray actors, written by the one driver.

``termalign build CORPUS --engine ray [--address auto|HOST:PORT]`` runs the very per-document
step ``--jobs`` runs in its process pool (``corpus.build._worker_init`` once per worker, then
``corpus.build._worker_prepare`` per document: read, segment, encode, align; ``build`` hands
them over, so this module does not import it), but on Ray actors, which may live on other machines. Each actor loads the model once; with
``--device cuda`` each asks Ray for one GPU. Results come back to the driver in document
order, and the driver stays the single writer of the store: one transaction per document,
resume by hash, the same events, summary and exit codes as any build.

Mining, once the documents are in, runs on the driver; above ``align.index.MINING_EXACT_LIMIT``
its kNN search keeps each IVF shard on an actor of its own (:class:`RayShards`, through
:func:`ray_knn`), so that neither the driver nor any actor holds every vector.

Failures: an actor that dies (its process killed, its machine lost) is restarted by Ray and
its unfinished documents are retried there (``MAX_RESTARTS``, ``MAX_TASK_RETRIES``); a
document whose actor is lost for good is reported as a failed file. A killed driver loses
nothing committed: rerun the build and it resumes from the store.

Ray is an optional extra (``pip install 'termalign[ray]'``): it is imported here and only when
this engine runs.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from termalign.core.errors import EngineError, printable

log = logging.getLogger(__name__)

MAX_RESTARTS = 4  # an actor is restarted this many times after its process dies
MAX_TASK_RETRIES = 4  # and a document in flight on it is retried this many times
IN_FLIGHT = 2  # documents queued per actor: one computing, one waiting (bounded driver memory)
SHARDS_IN_FLIGHT = 2  # mining: shards read and put in the object store before their actors have built them
ACTOR_NAME = "termalign-prepare-{}"  # in the build's own namespace: tests find an actor to kill

INSTALL_HINT = "pip install 'termalign[ray]'"


def import_ray():
    """The ``ray`` module, or EngineError naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise EngineError(f"--engine ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


# (prepared document or (key, message), pid of the process that prepared it, its peak MB)
Result = tuple[Any, int, float]


class Preparer:
    """One Ray actor: runs ``init`` once (``build._worker_init``: loads the encoder), then
    ``prepare`` (``build._worker_prepare``) per document, as a ``--jobs`` worker does."""

    def __init__(self, init: Callable, prepare: Callable, spec: str, device: str, threads: int) -> None:
        # a --jobs worker gets cpu_count // jobs BLAS threads: ask for ``threads`` of this node's
        init(spec, device, max(1, (os.cpu_count() or 1) // max(1, threads)))
        self._prepare = prepare

    def prepare(self, paths: tuple[str, ...], encoding: str | None, sha: str, presplit: bool) -> Result:
        return self._prepare(paths, encoding, sha, presplit)

    def pid(self) -> int:
        return os.getpid()


def connect(address: str | None, num_cpus: int | None = None) -> bool:
    """Connect to the cluster at ``address`` ('auto' or HOST:PORT), or start Ray on this machine
    (``num_cpus`` of its cores) when ``address`` is None. Returns True when this call started the
    connection (the caller then shuts it down). An already-connected process keeps its connection."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    kwargs: dict = {"logging_level": logging.ERROR, "log_to_driver": False, "include_dashboard": False}
    try:
        if address is None:
            ray.init(num_cpus=num_cpus or os.cpu_count() or 1, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        first = printable(str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
        raise EngineError(f"cannot start or reach {where}: {first}") from None
    return True


def actor_count(jobs: int | None, device: str) -> int:
    """Actors to start: ``jobs`` if given, else one per GPU (``device`` cuda) or per CPU of the cluster."""
    if jobs:
        return jobs
    ray = import_ray()
    res = ray.cluster_resources()
    n = res.get("GPU", 0) if device == "cuda" else res.get("CPU", 0)
    if device == "cuda" and not n:
        raise EngineError("--device cuda: the Ray cluster has no GPU")
    return max(1, int(n))


def prepare_on_ray(
    todo: Sequence[tuple[Any, str]],
    *,
    init: Callable,
    prepare: Callable,
    model_spec: str,
    device: str,
    encoding: str | None,
    presplit: bool,
    jobs: int | None = None,
    address: str | None = None,
) -> Iterator[Result]:
    """Prepare ``todo`` ((``corpus.pairs.Unit``, sha256) each) on ``jobs`` Ray actors (0 or None: one per CPU of
    the cluster, or per GPU with ``device`` 'cuda'); yields what ``_worker_prepare`` returns, in
    the order of ``todo``, as soon as the head of the queue is ready. Each actor runs ``init``
    once and ``prepare`` per document (:class:`Preparer`).

    Ray is connected (:func:`connect`, ``address``) only when there is work; the connection is
    left open for the rest of the process (Ray closes it at exit)."""
    if not todo:
        return
    ray = import_ray()
    connect(address, jobs or None)
    n = min(actor_count(jobs, device), len(todo))
    gpu = device == "cuda"
    cls = ray.remote(Preparer)
    actors = [
        cls.options(
            name=ACTOR_NAME.format(i),
            num_cpus=0 if gpu else 1,
            num_gpus=1 if gpu else 0,
            max_restarts=MAX_RESTARTS,
            max_task_retries=MAX_TASK_RETRIES,
        ).remote(init, prepare, model_spec, device, 1)
        for i in range(n)
    ]
    queue: deque = deque()
    pending = iter(enumerate(todo))

    def submit() -> bool:
        nxt = next(pending, None)
        if nxt is None:
            return False
        k, (unit, sha) = nxt
        ref = actors[k % n].prepare.remote(tuple(map(str, unit.paths)), encoding, sha, presplit)
        queue.append((unit, ref))
        return True

    try:
        for _ in range(n * IN_FLIGHT):
            if not submit():
                break
        while queue:
            unit, ref = queue.popleft()
            yield _result(ray, unit, ref)
            submit()
    finally:
        for a in actors:
            ray.kill(a, no_restart=True)


def _result(ray, unit, ref) -> Result:
    """The document's result; a document whose actor is gone for good becomes a failed file.
    An unexpected error inside the preparation is raised as itself, as in a serial build."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        raise e.as_instanceof_cause() from None
    except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.ObjectLostError) as e:
        why = type(e).__name__
        return (unit.key, f"{printable(unit.key)}: lost on the Ray cluster after retries ({why})"), 0, 0.0


class ShardActor:
    """One Ray actor holding one IVF shard (``align.index.IvfShard``) of mining's kNN search."""

    def __init__(self, refs: list, nprobe: int) -> None:
        """``refs``: the object refs of (centroids, the shard's vectors), fetched here (in a list,
        so that Ray hands over the refs rather than the arrays)."""
        import ray

        from termalign.align.index import IvfShard

        centroids, vectors = ray.get(refs)
        self._shard = IvfShard(centroids, vectors, nprobe)

    def search(self, queries, k: int):
        return self._shard.search(queries, k)

    def size(self) -> int:
        """The shard's row count (answered once the shard is built)."""
        return self._shard.size


class RayShards:
    """``align.index.ShardSet`` on Ray: each IVF shard on its own actor, spread over the cluster.

    :meth:`add` reads the shard's rows (from the store, in a build), puts them in Ray's object
    store (``ray.put``) and hands the reference to a new actor; the driver keeps no copy. Once
    an actor has built its shard, the object is let go, and at most ``SHARDS_IN_FLIGHT`` shards
    wait in the object store for their actors at any time. So the driver holds one shard while
    the index is built and one chunk of queries while it is searched (:meth:`search` puts the
    chunk once for every actor), and no process but a shard's own actor holds its vectors. A
    shard whose actor dies (its process killed, its node lost) is read again and started on a
    new actor, and searched again, up to ``MAX_RESTARTS`` times. Ray must be connected
    (:func:`connect`)."""

    def __init__(self) -> None:
        self._ray = import_ray()
        self._cls = self._ray.remote(ShardActor)
        self._actors: list = []
        self._rows: list[tuple[Any, int, int]] = []  # each shard's (base, start, stop), to read it again
        self._waiting: dict[int, Any] = {}  # shard -> the object ref of its rows, until its actor has them
        self._centroids: Any = None  # the object ref of the centroids every shard shares
        self._nprobe = 0

    def add(self, centroids, base, start: int, stop: int, nprobe: int) -> None:
        if self._centroids is None:  # one index's shards share their centroids: put once
            self._centroids = self._ray.put(centroids)
        self._nprobe = nprobe
        self._rows.append((base, start, stop))
        self._actors.append(None)
        self._start(len(self._rows) - 1)
        while len(self._waiting) > SHARDS_IN_FLIGHT:
            self._built(min(self._waiting))

    def _start(self, shard: int) -> None:
        """Read the shard's rows and start an actor on them."""
        base, start, stop = self._rows[shard]
        ref = self._ray.put(base[start:stop])  # the array itself is let go on return
        # shards hold memory, not CPUs (an actor holds one CPU only while it starts): spread them
        opts = self._cls.options(scheduling_strategy="SPREAD")
        self._actors[shard] = opts.remote([self._centroids, ref], self._nprobe)
        self._waiting[shard] = ref

    def _built(self, shard: int) -> None:
        """Wait until the shard's actor has built it, then let its rows go from the object store."""
        ray = self._ray
        for _ in range(MAX_RESTARTS + 1):
            try:
                ray.get(self._actors[shard].size.remote())
                self._waiting.pop(shard, None)
                return
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError):
                self._start(shard)
        raise EngineError(f"mining: a shard of the kNN search was lost on the Ray cluster {MAX_RESTARTS + 1} times")

    def search(self, queries, k: int) -> Iterator[tuple[int, Any]]:
        """(shard, its top-k) of every shard as its actor answers; a lost shard is started again."""
        ray = self._ray
        for shard in sorted(self._waiting):
            self._built(shard)
        ref = ray.put(queries)
        calls = {a.search.remote(ref, k): s for s, a in enumerate(self._actors)}
        lost = dict.fromkeys(range(len(self._actors)), 0)
        while calls:
            [done], _ = ray.wait(list(calls), num_returns=1)
            s = calls.pop(done)
            try:
                part = ray.get(done)
            except ray.exceptions.RayTaskError as e:
                raise e.as_instanceof_cause() from None
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError):
                lost[s] += 1
                if lost[s] > MAX_RESTARTS:
                    raise EngineError(
                        f"mining: a shard of the kNN search was lost on the Ray cluster {lost[s]} times"
                    ) from None
                self._start(s)  # its actor is gone: the shard read again, on a new actor, asked again
                self._built(s)
                calls[self._actors[s].search.remote(ref, k)] = s
                continue
            yield s, part

    def close(self) -> None:
        for a in self._actors:
            self._ray.kill(a, no_restart=True)
        self._actors.clear()
        self._rows.clear()
        self._waiting.clear()
        self._centroids = None


def ray_knn(address: str | None = None, jobs: int | None = None) -> Callable:
    """Mining's kNN index (``align.mining.KnnIndexer``) for a Ray build: exact in this process up
    to ``align.index.MINING_EXACT_LIMIT`` base vectors (Ray is not touched), above it IVF shards
    on Ray actors (:class:`RayShards`; Ray connected on first use, as :func:`connect`)."""

    def shards() -> RayShards:
        connect(address, jobs or None)
        return RayShards()

    def index(base):
        from termalign.align.index import knn_index

        return knn_index(base, shards)

    return index
