"""``termalign glossary accept|reject|edit|merge|split|add|undo|queue|review|decisions``: a thin
layer over :mod:`corpus.review` (the same calls the review page makes)."""

from __future__ import annotations

import json
import sys

import click

from termalign.app.options import STORE_OPT
from termalign.core.errors import DecisionError

USER_OPT = click.option("--user", default=None, help="Who decides (default: the OS user).")
PAST = {"accept": "accepted", "reject": "rejected", "edit": "edited", "merge": "merged", "split": "split"}
PAST |= {"add": "added", "note": "noted"}


def _show(item) -> str:
    e = item.entry
    extra = f"  [{item.status}]" if item.status != "pending" else ""
    return f"{item.id:>5}  {e.zh} / {e.en}  (conf {e.confidence:.2f}, freq {e.freq}, {item.kind}){extra}"


def _decide(store_dir, term_id: int, action: str, user: str | None, fields: dict) -> None:
    from termalign.corpus import review

    with review.open_for_review(store_dir) as store:
        d = review.decide(store, term_id, action, user=user, fields=fields)
        e = review.queue_item(store, term_id).entry if action != "add" else None
    what = f"{fields['zh']} / {fields['en']}" if e is None else f"{term_id}: {e.zh} / {e.en}"
    click.echo(f"{PAST[action]} {what} (decision {d.id} by {d.user})")


def register(group: click.Group) -> None:
    """Add the review commands to the ``glossary`` group."""
    for action, help_ in (
        ("accept", "Accept entry ID: it stays in the glossary, as a known term, through every rebuild."),
        ("reject", "Reject entry ID: the pair leaves the glossary and never comes back."),
    ):
        group.add_command(_simple(action, help_))
    for cmd in (edit, merge, split, add, undo, queue, review_cmd, decisions_group):
        group.add_command(cmd)


def _simple(action: str, help_: str) -> click.Command:
    @click.command(action, help=help_)
    @click.argument("term_id", metavar="ID", type=int)
    @STORE_OPT
    @USER_OPT
    def cmd(term_id: int, store_dir: str | None, user: str | None) -> None:
        _decide(store_dir, term_id, action, user, {})

    return cmd


@click.command()
@click.argument("term_id", metavar="ID", type=int)
@click.option("--zh", default=None, help="The Chinese form to show.")
@click.option("--en", default=None, help="The English form to show.")
@click.option("--add-variant", multiple=True, help="Another form (either script); repeatable.")
@click.option("--remove-variant", multiple=True, help="A variant to drop; repeatable.")
@click.option("--note", default=None, help="A note for translators.")
@click.option("--domain", default=None, help="The subject field (TBX subjectField).")
@STORE_OPT
@USER_OPT
def edit(term_id, zh, en, add_variant, remove_variant, note, domain, store_dir, user) -> None:
    """Edit entry ID: its forms, variants, note or domain. Edited entries are kept as edited."""
    fields = {"zh": zh, "en": en, "note": note, "domain": domain}
    fields = {k: v for k, v in fields.items() if v is not None}
    if add_variant:
        fields["add_variants"] = list(add_variant)
    if remove_variant:
        fields["remove_variants"] = list(remove_variant)
    if not fields:
        raise click.UsageError("nothing to edit: give --zh, --en, --add-variant, --remove-variant, --note or --domain")
    _decide(store_dir, term_id, "edit", user, fields)


@click.command()
@click.argument("keep", metavar="KEEP", type=int)
@click.argument("others", metavar="ID...", type=int, nargs=-1, required=True)
@STORE_OPT
@USER_OPT
def merge(keep: int, others: tuple[int, ...], store_dir, user) -> None:
    """Merge duplicates into entry KEEP: their forms become its variants ("Group of 7" into "Group of Seven")."""
    for other in others:
        _decide(store_dir, other, "merge", user, {"into_id": keep})


@click.command()
@click.argument("term_id", metavar="ID", type=int)
@click.option(
    "--part", "parts", nargs=2, multiple=True, required=True, metavar="ZH EN", help="A right pair; repeatable."
)
@STORE_OPT
@USER_OPT
def split(term_id: int, parts, store_dir, user) -> None:
    """Split the wrong pairing ID into right pairs, e.g. --part 稀土 "rare earths" --part 出口 exports."""
    _decide(store_dir, term_id, "split", user, {"parts": [{"zh": z, "en": e} for z, e in parts]})


@click.command()
@click.argument("zh")
@click.argument("en")
@click.option("--pair", "pair_id", type=int, default=None, help="The sentence pair (concordance) it was found in.")
@click.option("--from", "from_id", type=int, default=0, help="The entry whose example it was found in.")
@STORE_OPT
@USER_OPT
def add(zh: str, en: str, pair_id, from_id: int, store_dir, user) -> None:
    """Add a missing entry ZH EN (accepted)."""
    fields: dict = {"zh": zh, "en": en}
    if pair_id is not None:
        fields["pair_id"] = pair_id
    _decide(store_dir, from_id, "add", user, fields)


@click.command()
@STORE_OPT
@click.option("--user", default=None, help="Undo this user's newest decision (default: anyone's).")
def undo(store_dir, user) -> None:
    """Undo the newest decision."""
    from termalign.corpus import review

    with review.open_for_review(store_dir) as store:
        d = review.undo(store, user=user)
    if d is None:
        click.echo("Nothing to undo.", err=True)
        return
    click.echo(f"undone: decision {d.id} ({d.action} {d.zh_key} / {d.en_key} by {d.user})")


def _filters(f):
    for opt in reversed(
        [
            click.option(
                "--status",
                type=click.Choice(["pending", "accepted", "rejected", "edited", "reviewed", "all"]),
                default="pending",
                show_default=True,
            ),
            click.option("--min-confidence", "min_conf", type=click.FloatRange(0, 1), default=None),
            click.option("--max-confidence", "max_conf", type=click.FloatRange(0, 1), default=None),
            click.option("--doc", default=None, help="Entries with an example from this document (file name)."),
            click.option("--kind", type=click.Choice(["term", "name", "place", "organisation"]), default=None),
            click.option("-q", "q", default=None, help="Entries with this text in a form or variant."),
        ]
    ):
        f = opt(f)
    return f


@click.command()
@_filters
@click.option("--limit", type=click.IntRange(1, 100000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@STORE_OPT
def queue(status, min_conf, max_conf, doc, kind, q, limit, offset, as_json, store_dir) -> None:
    """Entries to review, most worth a decision first (frequent and uncertain), with the counts."""
    from termalign.corpus import review
    from termalign.corpus.store import Store

    with Store.open(store_dir, readonly=True) as store:
        items = review.review_queue(
            store,
            status=status,
            min_conf=min_conf,
            max_conf=max_conf,
            doc=doc,
            kind=kind,
            q=q,
            limit=limit,
            offset=offset,
        )
        counts = review.review_counts(store)
    for it in items:
        if as_json:
            d = {"id": it.id, "status": it.status, "worth": it.worth, "kind": it.kind, "note": it.note}
            click.echo(json.dumps({**d, "domain": it.domain, "entry": it.entry.to_dict()}, ensure_ascii=False))
        else:
            click.echo(_show(it))
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items()), err=True)


def _mark(text: str, spans) -> str:
    for s, e in sorted(spans, reverse=True):
        text = text[:s] + "[" + text[s:e] + "]" + text[e:]
    return text


KEYS = "[a]ccept  [r]eject  [e]dit  [s]kip  [u]ndo  [q]uit"


@click.command("review")
@_filters
@STORE_OPT
@USER_OPT
@click.option("--examples", type=click.IntRange(0, 20), default=3, show_default=True, help="Concordance lines shown.")
def review_cmd(status, min_conf, max_conf, doc, kind, q, store_dir, user, examples) -> None:
    """Review the queue on the terminal: each entry with its concordance; answer a, r, e, s, u or q."""
    from termalign.corpus import review

    stdin = sys.stdin

    def ask(prompt: str) -> str | None:
        click.echo(prompt, nl=False)
        line = stdin.readline()
        return None if not line else line.strip()

    skipped: set[int] = set()
    done = 0
    with review.open_for_review(store_dir) as store:
        while True:
            filters = dict(status=status, min_conf=min_conf, max_conf=max_conf, doc=doc, kind=kind, q=q)
            items = [it for it in review.review_queue(store, **filters, limit=len(skipped) + 1) if it.id not in skipped]
            if not items:
                click.echo("Nothing left to review.")
                break
            it = items[0]
            counts = review.review_counts(store)
            click.echo(f"\n{_show(it)}   ({counts['reviewed']} reviewed, {counts['pending']} pending)")
            for v in (it.entry.zh_variants, it.entry.en_variants):
                if v:
                    click.echo("       variants: " + " / ".join(v))
            for row in review.kwic(store, it.id, limit=examples):
                click.echo(f"       {_mark(row['en'], row['en_spans'])}\n       {_mark(row['zh'], row['zh_spans'])}")
            key = ask(f"{KEYS} > ")
            if key is None or key.lower().startswith("q"):
                break
            key = key.lower()[:1]
            try:
                if key == "a":
                    review.decide(store, it.id, "accept", user=user)
                elif key == "r":
                    review.decide(store, it.id, "reject", user=user)
                elif key == "e":
                    fields = {}
                    for name, now in (("zh", it.entry.zh), ("en", it.entry.en), ("note", it.note)):
                        got = ask(f"  {name} [{now}]: ")
                        if got:
                            fields[name] = got
                    if fields:
                        review.decide(store, it.id, "edit", user=user, fields=fields)
                    else:
                        click.echo("  unchanged")
                        continue
                elif key == "s":
                    skipped.add(it.id)
                    continue
                elif key == "u":
                    d = review.undo(store, user=user)
                    click.echo(f"  undone: {d.action} {d.zh_key} / {d.en_key}" if d else "  nothing to undo")
                    if d is not None:
                        done -= 1
                    continue
                else:
                    click.echo(f"  unknown key {key!r}: {KEYS}")
                    continue
            except DecisionError as e:
                click.echo(f"  {e}")
                continue
            done += 1
            click.echo(f"  saved: {review.queue_item(store, it.id).status}")
    click.echo(f"{done} decision(s) this session.")


@click.group("decisions")
def decisions_group() -> None:
    """Share review decisions as TSV."""


@decisions_group.command("export")
@click.argument("path", metavar="FILE.tsv", type=click.Path(dir_okay=False))
@STORE_OPT
def decisions_export(path: str, store_dir) -> None:
    """Write this store's decisions to FILE.tsv."""
    from termalign.corpus import review
    from termalign.corpus.store import Store

    with Store.open(store_dir, readonly=True) as store:
        n = review.export_decisions(store, path)
    click.echo(f"{n} decision(s) -> {path}", err=True)


@decisions_group.command("import")
@click.argument("path", metavar="FILE.tsv", type=click.Path(dir_okay=False))
@STORE_OPT
@USER_OPT
def decisions_import(path: str, store_dir, user) -> None:
    """Add the decisions in FILE.tsv (those already here are skipped) and apply them."""
    from termalign.corpus import review

    with review.open_for_review(store_dir) as store:
        n = review.import_decisions(store, path, user=user)
    click.echo(f"{n} decision(s) imported from {path}", err=True)
