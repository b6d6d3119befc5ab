"""Per-shard stores merged into one: the write side of a build split across machines.

A cluster run (docs/cluster.md) builds each shard of the corpus into its own store folder
(``termalign build SHARD_FILES --store shard-K --no-glossary``, or a Ray Data worker calling
:func:`glossary.build.build`), then merges them here and finishes once over the whole corpus:

    with Store.open(dest) as store:
        merge_stores(store, [Store.open(p, readonly=True) for p in shard_folders])
        finish(store, enc)          # corpus-wide mining, glossary, FAISS index

Only per-document rows are copied (documents, sentences with vectors, aligned pairs with
vectors); mined pairs and terms are corpus-wide and are recomputed by :func:`finish` (the very
function a single build ends with, :func:`glossary.build.finish`), because a shard's
neighbourhoods (and so its margins) are not the corpus's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from termalign.core.errors import StoreError

from .build import BuildEvent, _noop, finish
from .store import PairRow, SentenceRow, Store, _unblob


def document_rows(store: Store, doc_id: int) -> tuple[list[SentenceRow], list[PairRow]]:
    """One document's sentences (both languages, with vectors, cleaned text and boilerplate lines)
    and aligned pairs, as written."""
    sentences = store.sentence_rows(doc_id)  # prose (with cleaned text) and boilerplate lines
    pairs = [
        PairRow("aligned", tuple(json.loads(r[0])), tuple(json.loads(r[1])), r[2], r[3], r[4], _unblob(r[5]), r[6])
        for r in store.con.execute(
            "select src, tgt, en, zh, score, vector, margin from pairs where doc = ? and kind = 'aligned' order by id",
            (doc_id,),
        )
    ]
    return sentences, pairs


def merge_stores(dest: Store, shards: Sequence[Store], on_event: Callable[[BuildEvent], None] = _noop) -> int:
    """Copy every document of ``shards`` into ``dest``, one transaction per document.

    A document already in ``dest`` with the same path, sha256 and signature is skipped, so a
    merge that was killed can be re-run. All stores must share one build signature (same
    encoder and alignment parameters); otherwise StoreError names the two. Returns how many
    documents were copied. Mined pairs and terms are not copied (see :func:`finish`).
    """
    sigs = {s.signature for s in shards if s.signature}
    if dest.signature:
        sigs.add(dest.signature)
    if len(sigs) > 1:
        a, b = sorted(sigs)[:2]
        raise StoreError(
            f"cannot merge stores built with different encoders or parameters: {a!r} vs {b!r}; "
            "rebuild the shards with the same --model"
        )
    if sigs:
        with dest.transaction():
            dest.set_meta("signature", sigs.pop())
    docs = [(s, d) for s in shards for d in s.documents()]
    on_event(BuildEvent("start", total=len(docs)))
    copied = 0
    for shard, d in docs:
        have = dest.find_document(d.path)
        if have is not None and (have.sha256, have.signature) == (d.sha256, d.signature):
            on_event(BuildEvent("file", d.path, "skipped"))
            continue
        sentences, pairs = document_rows(shard, d.id)
        dest.put_document(d.path, d.name, d.sha256, d.signature, d.parallel, sentences, pairs)
        copied += 1
        on_event(BuildEvent("file", d.path, "done"))
    return copied


__all__ = ["document_rows", "finish", "merge_stores"]  # finish: glossary.build.finish, re-exported
