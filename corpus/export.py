"""Glossary exports: TBX-Basic, OmegaT TSV, CSV and JSON Lines, each written atomically.

Every writer has a reader beside it, so tests check that what we write parses back to what we
meant (``tests/test_export.py``). XML 1.0 cannot hold control characters other than tab,
newline and carriage return; :func:`xml_safe` drops them (and nothing else) before writing TBX.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from termalign.core.files import atomic_path
from termalign.glossary.entries import SentencePair, TermEntry
from termalign.glossary.review import Reviewed

FORMATS = ("tbx", "tsv", "csv", "jsonl")  # glossary formats
EXPORT_FORMATS = (*FORMATS, "tmx")  # tmx: the sentence pairs
XML_NS = "http://www.w3.org/XML/1998/namespace"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CSV_FIELDS = (
    "zh",
    "en",
    "confidence",
    "freq",
    "n_docs",
    "zh_variants",
    "en_variants",
    "pinned",
    "examples",
    "termhood",
)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _XML_BAD.sub("", text)


# The default floor of glossary exports. An entry's confidence is calibrated on the gold glossaries
# (glossary.calibration; BENCHMARKS.md, "Glossary"): on their held part, the judged entries at 0.8
# or more were right 92% of the time (272 of 295), those at 0.7-0.8 only 64% (16 of 25). A translator's
# tool should not show a pairing that is wrong more than one time in three, so exports start at 0.8.
DEFAULT_MIN_CONFIDENCE = 0.8
SCRIPTS = ("simplified", "traditional", "both")
TBX_ZH_LANG = {"simplified": "zh-CN", "traditional": "zh-TW"}  # as in our TMX (align/formats.py)
# TBX-Basic's picklist for administrativeStatus (TBXBasicXCSV02.xcs; TBX-Min's "notRecommended" and
# "obsolete" map to its deprecated and superseded); we use the first three.
TBX_ADMIN_STATUS = (
    "preferredTerm-admn-sts",
    "admittedTerm-admn-sts",
    "deprecatedTerm-admn-sts",
    "supersededTerm-admn-sts",
)
# A reviewed glossary's entry status -> its main term's administrativeStatus: accepted (or edited)
# entries are preferred, entries nobody reviewed yet admitted, rejected ones deprecated.
REVIEW_ADMIN_STATUS = {
    "accepted": TBX_ADMIN_STATUS[0],
    "edited": TBX_ADMIN_STATUS[0],
    "pending": TBX_ADMIN_STATUS[1],
    "rejected": TBX_ADMIN_STATUS[2],
}


def _is_traditional(text: str) -> bool:
    from termalign.text.segment import is_traditional

    return is_traditional(text)


def corpus_script(chinese_texts: Sequence[str]) -> str:
    """ "traditional" when most of the corpus' Chinese sentences are written in Traditional
    characters, else "simplified": the default ``--script`` of a TBX export."""
    texts = [t for t in chinese_texts if t.strip()]
    n_trad = sum(_is_traditional(t) for t in texts)
    return "traditional" if texts and n_trad * 2 > len(texts) else "simplified"


def _to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _en_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").split())


def en_forms(e: TermEntry) -> tuple[str, list[str]]:
    """The English term and its variants without repeats that differ only in case or hyphens
    ("China" / "china", "rare earth" / "rare-earth": one; "rare earths" stays)."""
    seen = {_en_key(e.en)}
    variants = []
    for v in e.en_variants:
        if _en_key(v) not in seen:
            seen.add(_en_key(v))
            variants.append(v)
    return e.en, variants


def zh_forms(e: TermEntry, script: str) -> tuple[str, list[str]]:
    """The Chinese term and its variants in one script, the headword first when it is in that
    script: Simplified (the forms written in Simplified, else the OpenCC conversion of the
    headword) or Traditional (the forms written in Traditional, else the conversion)."""
    from termalign.text.segment import to_simplified

    forms = (e.zh, *e.zh_variants)
    if script == "simplified":
        seen = [v for v in forms if not _is_traditional(v)]
        main = seen[0] if seen else to_simplified(e.zh)
    elif script == "traditional":
        seen = [v for v in forms if _is_traditional(v)]
        main = seen[0] if seen else _to_traditional(e.zh)
    else:
        raise ValueError(f"script must be one of {', '.join(TBX_ZH_LANG)}, not {script!r}")
    return main, [v for v in dict.fromkeys(seen) if v != main]


# ---------------------------------------------------------------- TBX-Basic


def tbx_note(e: TermEntry) -> str:
    """The one line a CAT tool shows beside the entry: confidence and where it was seen."""
    pairs = "1 sentence pair" if e.freq == 1 else f"{e.freq} sentence pairs"
    docs = "1 document" if e.n_docs == 1 else f"{e.n_docs} documents"
    return f"confidence {e.confidence:.2f}; {pairs} in {docs}" + ("; your known term" if e.pinned else "")


_NOTE = re.compile(r"confidence (\d\.\d\d); (\d+) sentence pairs? in (\d+) documents?(; your known term)?$")


def tbx_bytes(
    entries: Sequence[TermEntry],
    signature: str = "",
    script: str = "simplified",
    review: Sequence[Reviewed] | None = None,
) -> bytes:
    """TBX-Basic (``martif type="TBX-Basic"``), the dialect memoQ, Trados MultiTerm and OmegaT import.

    One ``termEntry`` per entry: a one-line ``note`` (:func:`tbx_note`), the source file of the
    first example, an ``en`` langSet and one Chinese langSet per script (``zh-CN`` Simplified,
    ``zh-TW`` Traditional; ``script`` "both" writes both). Each langSet has the preferred term
    first, then its variants as admitted terms (no case-only variants), and the first example
    sentence as the preferred term's only ``descrip type="context"``.

    ``review`` (one per entry, from a reviewed store): the main term's administrativeStatus says the
    entry's review status (:data:`REVIEW_ADMIN_STATUS`), a reviewer's domain is the entry's
    ``subjectField`` and their note a second ``note``. Without it every main term is preferred.
    """
    from lxml import etree

    scripts = ("simplified", "traditional") if script == "both" else (script,)
    if any(s not in TBX_ZH_LANG for s in scripts):
        raise ValueError(f"script must be one of {', '.join(SCRIPTS)}, not {script!r}")
    root = etree.Element("martif", {"type": "TBX-Basic", f"{{{XML_NS}}}lang": "en"})
    head = etree.SubElement(root, "martifHeader")
    fd = etree.SubElement(head, "fileDesc")
    etree.SubElement(etree.SubElement(fd, "titleStmt"), "title").text = "termalign glossary"
    etree.SubElement(etree.SubElement(fd, "sourceDesc"), "p").text = xml_safe(signature or "termalign")
    etree.SubElement(etree.SubElement(head, "encodingDesc"), "p", type="XCSURI").text = "TBXBasicXCSV02.xcs"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for n, e in enumerate(entries, 1):
        r = review[n - 1] if review is not None else None
        status = REVIEW_ADMIN_STATUS[r.status] if r is not None else TBX_ADMIN_STATUS[0]
        te = etree.SubElement(body, "termEntry", id=f"t{n}")
        if r is not None and r.domain:
            etree.SubElement(te, "descrip", type="subjectField").text = xml_safe(r.domain)
        etree.SubElement(te, "note").text = tbx_note(e)
        if r is not None and r.note:
            etree.SubElement(te, "note").text = xml_safe(r.note)
        ex = e.examples[0] if e.examples else None
        if ex is not None:
            etree.SubElement(te, "admin", type="source").text = xml_safe(ex.doc)
        en, en_variants = en_forms(e)
        _lang_set(te, "en", en, en_variants, ex.en if ex else None, status)
        for s in scripts:
            zh, zh_variants = zh_forms(e, s)
            context = ex.zh if ex and _is_traditional(ex.zh) == (s == "traditional") else None
            _lang_set(te, TBX_ZH_LANG[s], zh, zh_variants, context, status)
    return etree.tostring(
        etree.ElementTree(root),
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
        doctype='<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">',
    )


def write_tbx(
    entries: Sequence[TermEntry],
    path,
    signature: str = "",
    script: str = "simplified",
    review: Sequence[Reviewed] | None = None,
) -> None:
    """:func:`tbx_bytes` written atomically to ``path``."""
    data = tbx_bytes(entries, signature, script, review)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _lang_set(
    parent, lang: str, term: str, variants: Sequence[str], context: str | None, status: str = TBX_ADMIN_STATUS[0]
) -> None:
    from lxml import etree

    ls = etree.SubElement(parent, "langSet", {f"{{{XML_NS}}}lang": lang})
    tig = etree.SubElement(ls, "tig")
    etree.SubElement(tig, "term").text = xml_safe(term)
    etree.SubElement(tig, "termNote", type="administrativeStatus").text = status
    if context:
        etree.SubElement(tig, "descrip", type="context").text = xml_safe(context)
    for v in variants:
        tig = etree.SubElement(ls, "tig")
        etree.SubElement(tig, "term").text = xml_safe(v)
        variant = TBX_ADMIN_STATUS[2] if status == TBX_ADMIN_STATUS[2] else TBX_ADMIN_STATUS[1]
        etree.SubElement(tig, "termNote", type="administrativeStatus").text = variant


def read_tbx(path) -> list[TermEntry]:
    """Parse a file written by :func:`write_tbx` back into entries (confidence to 2 decimals, as
    the note gives it; the first Chinese langSet's first (main) term is ``zh``, every other Chinese
    term a variant; termhood is not in TBX)."""
    from lxml import etree

    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)).getroot()
    lang_attr = f"{{{XML_NS}}}lang"
    out = []
    for te in root.iter("termEntry"):
        m = _NOTE.match(te.findtext("note") or "")
        if m is None:
            raise ValueError(f"termEntry {te.get('id')}: not a termalign note: {te.findtext('note')!r}")
        doc = te.findtext("admin") or ""
        terms: dict[str, str] = {}
        variants: dict[str, list[str]] = {"en": [], "zh": []}
        contexts: dict[str, str] = {}
        for ls in te.findall("langSet"):
            side = "en" if ls.get(lang_attr) == "en" else "zh"
            for tig in ls.findall("tig"):
                text = tig.findtext("term") or ""
                if side not in terms:  # the main term comes first, whatever its status
                    terms[side] = text
                else:
                    variants[side].append(text)
                context = tig.findtext("descrip")
                if context is not None:
                    contexts.setdefault(side, context)
        examples = (SentencePair(contexts.get("en", ""), contexts.get("zh", ""), 0.0, doc),) if contexts else ()
        out.append(
            TermEntry(
                terms.get("zh", ""),
                terms.get("en", ""),
                float(m.group(1)),
                int(m.group(2)),
                int(m.group(3)),
                tuple(variants["zh"]),
                tuple(variants["en"]),
                examples,
                m.group(4) is not None,
            )
        )
    return out


# ---------------------------------------------------------------- OmegaT TSV


def tsv_field(text: str) -> str:
    """OmegaT glossaries have no quoting: tabs and line breaks become spaces."""
    return re.sub(r"[\t\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85]", " ", text).strip(" ")


def tsv_text(
    entries: Sequence[TermEntry],
    direction: str = "en-zh",
    signature: str = "",
    script: str = "simplified",
    review: Sequence[Reviewed] | None = None,
) -> str:
    """OmegaT glossary: ``source<TAB>target<TAB>comment``; ``direction`` "en-zh" or "zh-en";
    the Chinese term in ``script`` ("simplified" or "traditional", as :func:`zh_forms` gives it).

    OmegaT reads no header row, but skips lines starting with ``#``: the column names and the
    build signature come as two such comment lines.
    """
    if direction not in ("en-zh", "zh-en"):
        raise ValueError(f"direction must be 'en-zh' or 'zh-en', not {direction!r}")
    if script not in TBX_ZH_LANG:
        raise ValueError(f"an OmegaT glossary holds one script: simplified or traditional, not {script!r}")
    src, tgt = ("English", "Chinese") if direction == "en-zh" else ("Chinese", "English")
    lines = [f"# {src}\t{tgt}\tcomment"]
    if signature:
        lines.append(f"# {tsv_field(signature)}")
    for n, e in enumerate(entries):
        zh = zh_forms(e, script)[0]
        pair = (e.en, zh) if direction == "en-zh" else (zh, e.en)
        comment = f"conf {e.confidence:.2f}; freq {e.freq}; docs {e.n_docs}"
        if e.termhood is not None:
            comment += f"; termhood {e.termhood:.2f}"
        other_zh = [v for v in dict.fromkeys((e.zh, *e.zh_variants)) if v != zh]
        if other_zh:
            comment += "; zh: " + " / ".join(other_zh)
        if e.pinned:
            comment += "; pinned"
        r = review[n] if review is not None else None
        if r is not None:
            comment += (
                f"; {r.status}" + (f"; domain: {r.domain}" if r.domain else "") + (f"; {r.note}" if r.note else "")
            )
        cols = [tsv_field(x) for x in (*pair, comment)]
        if cols[0].startswith("#"):
            cols[0] = " " + cols[0]  # a line starting with '#' would read as a comment
        lines.append("\t".join(cols))
    return "\n".join(lines) + "\n"


def write_tsv(
    entries: Sequence[TermEntry], path, direction: str = "en-zh", signature: str = "", script: str = "simplified"
) -> None:
    """:func:`tsv_text` written atomically to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(tsv_text(entries, direction, signature, script).encode("utf-8"))


def read_tsv(path) -> list[tuple[str, ...]]:
    """The fields of each row of an OmegaT TSV glossary (comment lines skipped)."""
    with open(path, encoding="utf-8", newline="") as f:
        return [tuple(line.rstrip("\n").split("\t")) for line in f if not line.startswith("#")]


# ---------------------------------------------------------------- CSV and JSON Lines


def write_csv(entries: Sequence[TermEntry], path) -> None:
    """:func:`csv_text` written atomically to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(csv_text(entries).encode("utf-8"))


def csv_text(entries: Sequence[TermEntry]) -> str:
    """One row per entry after a header row; list fields (variants, examples) as JSON inside the cell."""
    with io.StringIO(newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for e in entries:
            d = e.to_dict()
            w.writerow(
                [
                    d["zh"],
                    d["en"],
                    repr(d["confidence"]),
                    d["freq"],
                    d["n_docs"],
                    json.dumps(d["zh_variants"], ensure_ascii=False),
                    json.dumps(d["en_variants"], ensure_ascii=False),
                    int(d["pinned"]),
                    json.dumps(d["examples"], ensure_ascii=False),
                    "" if d["termhood"] is None else repr(d["termhood"]),
                ]
            )
        return f.getvalue()


def read_csv(path) -> list[TermEntry]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        _entry(
            {
                **r,
                "confidence": float(r["confidence"]),
                "freq": int(r["freq"]),
                "n_docs": int(r["n_docs"]),
                "zh_variants": json.loads(r["zh_variants"]),
                "en_variants": json.loads(r["en_variants"]),
                "pinned": r["pinned"] == "1",
                "examples": json.loads(r["examples"]),
                "termhood": float(r["termhood"]) if r.get("termhood") else None,
            }
        )
        for r in rows
    ]


def write_jsonl(entries: Sequence[TermEntry], path) -> None:
    """:func:`jsonl_text` written atomically to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(jsonl_text(entries).encode("utf-8"))


def jsonl_text(entries: Sequence[TermEntry]) -> str:
    """One JSON object per entry and line: every field."""
    return "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in entries)


def read_jsonl(path) -> list[TermEntry]:
    with open(path, encoding="utf-8") as f:
        return [_entry(json.loads(line)) for line in f if line.strip()]


def _entry(d: dict) -> TermEntry:
    return TermEntry(
        d["zh"],
        d["en"],
        d["confidence"],
        d["freq"],
        d["n_docs"],
        tuple(d["zh_variants"]),
        tuple(d["en_variants"]),
        tuple(SentencePair(**x) for x in d["examples"]),
        bool(d["pinned"]),
        d.get("termhood"),
    )


def render_terms(
    entries: Sequence[TermEntry],
    fmt: str,
    signature: str = "",
    direction: str = "en-zh",
    script: str = "simplified",
    review: Sequence[Reviewed] | None = None,
) -> bytes:
    """``entries`` in ``fmt`` (one of :data:`FORMATS`), as the bytes a file of that format holds;
    ``review``: each entry's review state, which TBX and TSV carry."""
    if fmt == "tbx":
        return tbx_bytes(entries, signature, script, review)
    if fmt == "tsv":
        return tsv_text(entries, direction, signature, script, review).encode("utf-8")
    if fmt == "csv":
        return csv_text(entries).encode("utf-8")
    if fmt == "jsonl":
        return jsonl_text(entries).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def export_terms(
    entries: Sequence[TermEntry],
    path,
    fmt: str,
    signature: str = "",
    direction: str = "en-zh",
    script: str = "simplified",
) -> None:
    """Write ``entries`` in ``fmt`` (one of :data:`FORMATS`) to ``path``, atomically."""
    data = render_terms(entries, fmt, signature, direction, script)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
