"""Glossary exports: TBX-Basic, OmegaT TSV, CSV and JSON Lines, each written atomically.

Every writer has a reader beside it, so tests check that what we write parses back to what we
meant (``tests/test_export.py``). XML 1.0 cannot hold control characters other than tab,
newline and carriage return; :func:`xml_safe` drops them (and nothing else) before writing TBX.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence

from termalign.core.files import atomic_path
from termalign.glossary.entries import SentencePair, TermEntry

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


def _zh_lang(text: str) -> str:
    from termalign.align.segment import is_traditional

    return "zh-Hant" if is_traditional(text) else "zh-Hans"


# ---------------------------------------------------------------- TBX-Basic


def write_tbx(entries: Sequence[TermEntry], path, signature: str = "") -> None:
    """TBX-Basic (``martif type="TBX-Basic"``), the dialect memoQ, Trados MultiTerm and OmegaT import.

    One ``termEntry`` per entry: a ``note`` with confidence/frequency/documents, an
    ``en`` langSet and a ``zh-Hans`` langSet with the preferred term first and variants as
    admitted terms (Traditional variants go into a ``zh-Hant`` langSet), and examples as
    ``descrip type="context"`` on the preferred terms.
    """
    from lxml import etree

    root = etree.Element("martif", {"type": "TBX-Basic", f"{{{XML_NS}}}lang": "en"})
    head = etree.SubElement(root, "martifHeader")
    fd = etree.SubElement(head, "fileDesc")
    etree.SubElement(etree.SubElement(fd, "titleStmt"), "title").text = "termalign glossary"
    etree.SubElement(etree.SubElement(fd, "sourceDesc"), "p").text = xml_safe(signature or "termalign")
    etree.SubElement(etree.SubElement(head, "encodingDesc"), "p", type="XCSURI").text = "TBXBasicXCSV02.xcs"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for n, e in enumerate(entries, 1):
        te = etree.SubElement(body, "termEntry", id=f"t{n}")
        note = {
            "confidence": e.confidence,
            "termhood": e.termhood,
            "freq": e.freq,
            "n_docs": e.n_docs,
            "pinned": e.pinned,
        }
        etree.SubElement(te, "note").text = json.dumps(note)
        for ex in e.examples:
            etree.SubElement(te, "admin", type="source").text = xml_safe(ex.doc)
        _lang_set(te, "en", e.en, e.en_variants, [x.en for x in e.examples])
        hans = [v for v in e.zh_variants if _zh_lang(v) == "zh-Hans"]
        hant = [v for v in e.zh_variants if _zh_lang(v) == "zh-Hant"]
        _lang_set(te, "zh-Hans", e.zh, hans, [x.zh for x in e.examples])
        if hant:
            _lang_set(te, "zh-Hant", None, hant, [])
    tree = etree.ElementTree(root)
    with atomic_path(path) as tmp:
        tree.write(
            str(tmp),
            xml_declaration=True,
            encoding="UTF-8",
            pretty_print=True,
            doctype='<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">',
        )


def _lang_set(parent, lang: str, term: str | None, variants: Sequence[str], contexts: Sequence[str]) -> None:
    from lxml import etree

    ls = etree.SubElement(parent, "langSet", {f"{{{XML_NS}}}lang": lang})
    if term is not None:
        tig = etree.SubElement(ls, "tig")
        etree.SubElement(tig, "term").text = xml_safe(term)
        etree.SubElement(tig, "termNote", type="administrativeStatus").text = "preferredTerm-admn-sts"
        for c in contexts:
            etree.SubElement(tig, "descrip", type="context").text = xml_safe(c)
    for v in variants:
        tig = etree.SubElement(ls, "tig")
        etree.SubElement(tig, "term").text = xml_safe(v)
        etree.SubElement(tig, "termNote", type="administrativeStatus").text = "admittedTerm-admn-sts"


def read_tbx(path) -> list[TermEntry]:
    """Parse a file written by :func:`write_tbx` back into entries."""
    from lxml import etree

    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)).getroot()
    lang_attr = f"{{{XML_NS}}}lang"
    out = []
    for te in root.iter("termEntry"):
        note = json.loads(te.findtext("note"))
        docs = [a.text or "" for a in te.findall("admin")]
        terms: dict[str, str] = {}
        variants: dict[str, list[str]] = {"en": [], "zh": []}
        contexts: dict[str, list[str]] = {"en": [], "zh": []}
        for ls in te.findall("langSet"):
            side = "en" if ls.get(lang_attr) == "en" else "zh"
            for tig in ls.findall("tig"):
                text = tig.findtext("term") or ""
                if tig.findtext("termNote") == "preferredTerm-admn-sts":
                    terms[side] = text
                    contexts[side] = [d.text or "" for d in tig.findall("descrip")]
                else:
                    variants[side].append(text)
        examples = tuple(SentencePair(en, zh, 0.0, doc) for en, zh, doc in zip(contexts["en"], contexts["zh"], docs))
        out.append(
            TermEntry(
                terms.get("zh", ""),
                terms.get("en", ""),
                note["confidence"],
                note["freq"],
                note["n_docs"],
                tuple(variants["zh"]),
                tuple(variants["en"]),
                examples,
                note["pinned"],
                note.get("termhood"),
            )
        )
    return out


# ---------------------------------------------------------------- OmegaT TSV


def tsv_field(text: str) -> str:
    """OmegaT glossaries have no quoting: tabs and line breaks become spaces."""
    return re.sub(r"[\t\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85]", " ", text).strip(" ")


def write_tsv(entries: Sequence[TermEntry], path, direction: str = "en-zh", signature: str = "") -> None:
    """OmegaT glossary: ``source<TAB>target<TAB>comment``; ``direction`` "en-zh" or "zh-en"."""
    if direction not in ("en-zh", "zh-en"):
        raise ValueError(f"direction must be 'en-zh' or 'zh-en', not {direction!r}")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        if signature:
            f.write(f"# {tsv_field(signature)}\n")
        for e in entries:
            src, tgt = (e.en, e.zh) if direction == "en-zh" else (e.zh, e.en)
            comment = f"conf {e.confidence:.2f}; freq {e.freq}; docs {e.n_docs}"
            if e.termhood is not None:
                comment += f"; termhood {e.termhood:.2f}"
            if e.zh_variants:
                comment += "; zh: " + " / ".join(e.zh_variants)
            if e.pinned:
                comment += "; pinned"
            cols = [tsv_field(x) for x in (src, tgt, comment)]
            if cols[0].startswith("#"):
                cols[0] = " " + cols[0]  # a line starting with '#' would read as a comment
            f.write("\t".join(cols) + "\n")


def read_tsv(path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [tuple(line.rstrip("\n").split("\t")) for line in f if not line.startswith("#")]


# ---------------------------------------------------------------- CSV and JSON Lines


def write_csv(entries: Sequence[TermEntry], path) -> None:
    """One row per entry; list fields (variants, examples) as JSON inside the cell."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
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
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for e in entries:
            f.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")


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


def export_terms(entries: Sequence[TermEntry], path, fmt: str, signature: str = "", direction: str = "en-zh") -> None:
    """Write ``entries`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "tbx":
        write_tbx(entries, path, signature)
    elif fmt == "tsv":
        write_tsv(entries, path, direction, signature)
    elif fmt == "csv":
        write_csv(entries, path)
    elif fmt == "jsonl":
        write_jsonl(entries, path)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
