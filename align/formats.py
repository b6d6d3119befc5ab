"""Output formats of a sentence alignment: ladder, TSV, JSON Lines and TMX 1.4b.

TMX is written with lxml. Null beads (1-0 / 0-1) are left out of TMX: a translation unit needs
both languages. The header names the tool, its version and the date; the aligner's signature and
each unit's score, kind and sentence ids are ``<prop>``s (``x-`` types, as TMX 1.4b asks for
user-defined properties), so a TMX can be traced to what made it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence

from .beads import Alignment, format_beads

TMX_LANG = {"en": "en", "zh": "zh-CN", "zh-CN": "zh-CN", "zh-TW": "zh-TW"}
ALIGN_FORMATS = ("ladder", "tsv", "jsonl", "tmx")
TSV_HEADER = "score\tsrc_text\ttgt_text\tsrc_ids\ttgt_ids"


def tmx_lang(lang: str) -> str:
    return TMX_LANG.get(lang, lang)


def tool_version() -> str:
    """termalign's installed version (``0+unknown`` when run from a tree that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("termalign")
    except PackageNotFoundError:
        return "0+unknown"


def tmx_bytes(
    units: Iterable[tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]]]], srclang: str, signature: str = ""
) -> bytes:
    """TMX 1.4b bytes. ``units``: per ``<tu>``, its (lang, text) variants and its (type, value) props."""
    from lxml import etree

    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(
        root,
        "header",
        creationtool="termalign",
        creationtoolversion=tool_version(),
        creationdate=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        datatype="plaintext",
        segtype="sentence",
        adminlang="en",
        srclang=srclang,
        **{"o-tmf": "termalign"},
    )
    if signature:
        etree.SubElement(header, "prop", type="x-signature").text = signature
    body = etree.SubElement(root, "body")
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for variants, props in units:
        tu = etree.SubElement(body, "tu")
        for kind, value in props:
            etree.SubElement(tu, "prop", type=kind).text = value
        for lang, text in variants:
            tuv = etree.SubElement(tu, "tuv", {xml_lang: lang})
            etree.SubElement(tuv, "seg").text = _xml_safe(text)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True, doctype='<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
    )


def _xml_safe(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot carry."""
    return "".join(c for c in text if c in "\t\n\r" or (ord(c) >= 0x20 and not 0xFFFE <= ord(c) <= 0xFFFF))


def alignment_to_tmx(al: Alignment) -> bytes:
    """TMX 1.4b bytes: one ``<tu>`` per non-null bead, languages ``en`` / ``zh-CN`` / ``zh-TW``."""
    src, tgt = tmx_lang(al.src_lang), tmx_lang(al.tgt_lang)
    units = (
        (
            [(src, s_text), (tgt, t_text)],
            [
                ("x-score", f"{bead.score:.4f}"),
                ("x-src", ",".join(map(str, bead.src))),
                ("x-tgt", ",".join(map(str, bead.tgt))),
            ],
        )
        for bead, s_text, t_text in al.pairs()
        if not bead.is_null
    )
    return tmx_bytes(units, src, al.signature)


def pairs_to_tmx(pairs: Iterable, signature: str = "") -> bytes:
    """TMX 1.4b bytes of sentence pairs from a store (``termalign.glossary.entries.SentencePair``).

    One ``<tu>`` per pair, English source and Chinese target (``zh-TW`` when the Chinese is
    Traditional); props carry the source file, the pair kind and its score.
    """
    from termalign.text.segment import is_traditional

    units = (
        (
            [("en", p.en), ("zh-TW" if is_traditional(p.zh) else "zh-CN", p.zh)],
            [("x-score", f"{p.score:.4f}"), ("x-kind", p.kind), ("x-doc", p.doc)],
        )
        for p in pairs
    )
    return tmx_bytes(units, "en", signature)


def alignment_to_tsv(al: Alignment) -> str:
    """``# signature``, a header line (:data:`TSV_HEADER`), then
    ``score<TAB>src text<TAB>tgt text<TAB>src ids<TAB>tgt ids`` per bead."""
    lines = [f"# {al.signature}", TSV_HEADER]
    for bead, s_text, t_text in al.pairs():
        lines.append(
            "\t".join(
                [
                    f"{bead.score:.4f}",
                    _one_line(s_text),
                    _one_line(t_text),
                    ",".join(map(str, bead.src)),
                    ",".join(map(str, bead.tgt)),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def alignment_to_jsonl(al: Alignment) -> str:
    """One JSON object per bead: src / tgt ids, texts, score, kind; the signature on every line."""
    out = []
    for bead, s_text, t_text in al.pairs():
        out.append(
            json.dumps(
                {
                    "src": list(bead.src),
                    "tgt": list(bead.tgt),
                    "score": round(bead.score, 4),
                    "kind": bead.kind,
                    "src_text": s_text,
                    "tgt_text": t_text,
                    "src_lang": al.src_lang,
                    "tgt_lang": al.tgt_lang,
                    "signature": al.signature,
                },
                ensure_ascii=False,
            )
        )
    return "".join(line + "\n" for line in out)


def alignment_to_ladder(al: Alignment) -> str:
    return format_beads(al.beads)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


_TEXT_FORMATS = {"ladder": alignment_to_ladder, "tsv": alignment_to_tsv, "jsonl": alignment_to_jsonl}


def render(al: Alignment, fmt: str) -> bytes:
    """The alignment in ``fmt`` (one of ``ALIGN_FORMATS``) as UTF-8 bytes."""
    if fmt == "tmx":
        return alignment_to_tmx(al)
    return _TEXT_FORMATS[fmt](al).encode("utf-8")


def tmx_units(data: bytes) -> Iterator[dict[str, str]]:
    """(lang -> text) per ``<tu>`` of TMX bytes, read back with lxml (for checks and tests)."""
    from lxml import etree

    root = etree.fromstring(data)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for tu in root.iter("tu"):
        yield {tuv.get(xml_lang): "".join(tuv.find("seg").itertext()) for tuv in tu.iter("tuv")}
