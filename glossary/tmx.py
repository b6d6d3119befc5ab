"""TMX 1.4b (and TSV / JSON Lines) output of a sentence alignment, through translate-toolkit.

Null beads (1-0 / 0-1) are left out of TMX: a translation unit needs both languages. Every
unit carries the bead's sentence ids and score as ``<prop>``s; the header carries the
aligner's signature (``o-tmf``) so a TMX can be traced to what made it.
"""
from __future__ import annotations

import json
from typing import Iterable

from align.beads import Alignment, format_beads

TMX_LANG = {"en": "en", "zh": "zh-CN", "zh-CN": "zh-CN", "zh-TW": "zh-TW"}


def tmx_lang(lang: str) -> str:
    return TMX_LANG.get(lang, lang)


def alignment_to_tmx(al: Alignment) -> bytes:
    """TMX 1.4b bytes: one ``<tu>`` per non-null bead, languages ``en`` / ``zh-CN`` / ``zh-TW``."""
    from translate.storage.tmx import tmxfile

    src, tgt = tmx_lang(al.src_lang), tmx_lang(al.tgt_lang)
    store = tmxfile(sourcelanguage=src, targetlanguage=tgt)
    header = store.document.getroot().find("header")
    if header is not None:
        header.set("creationtool", "termalign")
        header.set("o-tmf", al.signature or "termalign")
        header.set("segtype", "sentence")
    for bead, s_text, t_text in al.pairs():
        if bead.is_null:
            continue
        unit = store.addtranslation(s_text, src, t_text, tgt)
        if unit is None:  # older translate-toolkit returns nothing; take the last unit
            unit = store.units[-1]
        unit.addnote(f"src={','.join(map(str, bead.src))} tgt={','.join(map(str, bead.tgt))} score={bead.score:.4f}",
                     origin="termalign")
    return bytes(store)


def pairs_to_tmx(pairs: Iterable, signature: str = "") -> bytes:
    """TMX 1.4b bytes of sentence pairs from a store (:class:`glossary.entries.PairText`).

    One ``<tu>`` per pair, English source and Chinese target (``zh-TW`` when the Chinese is
    Traditional); the note carries the source file, the pair kind and its confidence.
    """
    from translate.storage.tmx import tmxfile

    from align.segment import is_traditional

    store = tmxfile(sourcelanguage="en", targetlanguage="zh-CN")
    header = store.document.getroot().find("header")
    if header is not None:
        header.set("creationtool", "termalign")
        header.set("o-tmf", signature or "termalign")
        header.set("segtype", "sentence")
    for p in pairs:
        zh_lang = "zh-TW" if is_traditional(p.zh) else "zh-CN"
        unit = store.addtranslation(p.en, "en", p.zh, zh_lang)
        if unit is None:  # older translate-toolkit returns nothing; take the last unit
            unit = store.units[-1]
        unit.addnote(f"doc={p.doc} kind={p.kind} score={p.score:.4f}", origin="termalign")
    return bytes(store)


def alignment_to_tsv(al: Alignment) -> str:
    """``# signature`` then ``score<TAB>src text<TAB>tgt text<TAB>src ids<TAB>tgt ids`` per bead."""
    lines = [f"# {al.signature}"]
    for bead, s_text, t_text in al.pairs():
        lines.append("\t".join([f"{bead.score:.4f}", _one_line(s_text), _one_line(t_text),
                                ",".join(map(str, bead.src)), ",".join(map(str, bead.tgt))]))
    return "\n".join(lines) + "\n"


def alignment_to_jsonl(al: Alignment) -> str:
    """One JSON object per bead: src / tgt ids, texts, score, kind; the signature on every line."""
    out = []
    for bead, s_text, t_text in al.pairs():
        out.append(json.dumps({"src": list(bead.src), "tgt": list(bead.tgt), "score": round(bead.score, 4),
                               "kind": bead.kind, "src_text": s_text, "tgt_text": t_text,
                               "src_lang": al.src_lang, "tgt_lang": al.tgt_lang, "signature": al.signature},
                              ensure_ascii=False))
    return "".join(line + "\n" for line in out)


def alignment_to_ladder(al: Alignment) -> str:
    return format_beads(al.beads)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


FORMATS = {"ladder": alignment_to_ladder, "tsv": alignment_to_tsv, "jsonl": alignment_to_jsonl}


def render(al: Alignment, fmt: str) -> bytes:
    """The alignment in ``fmt`` (ladder, tsv, jsonl, tmx) as UTF-8 bytes."""
    if fmt == "tmx":
        return alignment_to_tmx(al)
    return FORMATS[fmt](al).encode("utf-8")


def tmx_units(data: bytes) -> Iterable[tuple[dict[str, str]]]:
    """(lang -> text) per ``<tu>`` of TMX bytes, read back with lxml (for checks and tests)."""
    from lxml import etree

    root = etree.fromstring(data)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for tu in root.iter("tu"):
        yield {tuv.get(xml_lang): "".join(tuv.find("seg").itertext()) for tuv in tu.iter("tuv")}
