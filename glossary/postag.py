"""English part-of-speech tags in context (Penn Treebank tags): the greedy averaged perceptron that the
``textblob-aptagger`` package ships (trained on the Wall Street Journal), read here without that
package's code, which would pull in TextBlob and NLTK's tokenisers (and no longer imports under current
TextBlob, whose ``textblob.packages`` it needs).

The chunker (:mod:`termalign.glossary.candidates`) reads most words out of context, through
lemminflect's readings. A word that is a noun and a verb ("lack", "targets", "uses") needs its sentence
to be told apart: "delivery riders lack social insurance", "the drug targets the spike protein".
:func:`tags` gives one tag per token of a tokenised sentence."""

from __future__ import annotations

import hashlib
import importlib.util
import pickletools
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from termalign.core.errors import ModelError

PACKAGE = "textblob_aptagger"
_PICKLE = "trontagger-0.1.0.pickle"
# the model file of textblob-aptagger 0.2.0; no other file is read
_SHA256 = "1109164b3d28dce58f96b763128bab2fd8754c3921fd3330de2724ac6d1ada7c"
_START = ("-START-", "-START2-")
_END = ("-END-", "-END2-")


class TaggerMissing(ModelError):
    """The tagger's model is not installed, or is not the file this module was written for: a model that
    cannot be loaded, shown as one line naming the fix (exit code 4), as for the encoder."""


def _model_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TaggerMissing("the English part-of-speech model is missing: pip install textblob-aptagger==0.2.0")
    return Path(next(iter(spec.submodule_search_locations))) / _PICKLE


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, dict[str, float]], dict[str, str], tuple[str, ...]]:
    """(weights: feature -> tag -> weight, tag dictionary of unambiguous words, tags)."""
    path = _model_path()
    data = path.read_bytes() if path.exists() else b""
    if hashlib.sha256(data).hexdigest() != _SHA256:
        raise TaggerMissing(f"{path} is not the model of textblob-aptagger 0.2.0: pip install textblob-aptagger==0.2.0")
    weights, tagdict, classes = _read_pickle(data)
    return weights, tagdict, tuple(sorted(classes))


def _read_pickle(data: bytes):
    """The data in the model file, read opcode by opcode (:func:`pickletools.genops` parses and runs
    nothing): strings, floats, dicts, a list, tuples and one set, the only global the file names. Any other
    opcode or global is refused, so no code in the file can run (the project unpickles no file)."""
    stack: list = []
    memo: dict = {}
    marks: list[int] = []
    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name == "PROTO":
            continue
        if name == "BINFLOAT":
            stack.append(arg)
        elif name == "SHORT_BINSTRING":
            stack.append(arg if isinstance(arg, str) else bytes(arg or b"").decode("latin1"))  # Python 2 str: latin-1
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "MARK":
            marks.append(len(stack))
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name in ("SETITEMS", "APPENDS"):
            at = marks.pop()
            items = stack[at:]
            del stack[at:]
            if name == "APPENDS":
                stack[-1].extend(items)
            else:
                stack[-1].update(zip(items[0::2], items[1::2]))
        elif name in ("TUPLE1", "TUPLE3"):
            n = 1 if name == "TUPLE1" else 3
            items = stack[-n:]
            del stack[-n:]
            stack.append(tuple(items))
        elif name == "GLOBAL" and arg == "__builtin__ set":
            stack.append(set)
        elif name == "REDUCE" and stack[-2] is set:
            items = stack.pop()
            stack[-1] = set(*items)
        elif name == "STOP":
            return stack.pop()
        else:
            raise TaggerMissing(f"the part-of-speech model holds {name} {arg or ''}: not read")
    raise TaggerMissing("the part-of-speech model ends early")


def _normalise(word: str) -> str:
    """The model's word feature: hyphenated words, years and other numbers are classes of their own."""
    if not word:
        return word
    if "-" in word and word[0] != "-":
        return "!HYPHEN"
    if word.isdigit() and len(word) == 4:
        return "!YEAR"
    if word[0].isdigit():
        return "!DIGITS"
    return word.lower()


def _best(scores: dict[str, float], classes: tuple[str, ...]) -> str:
    """The tag of the highest score, ties to the greater tag, as the model was trained: ``scores`` holds
    the tags some feature weighs; every other tag scores 0."""
    tag, best = max(scores.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
    if best > 0.0 or len(scores) == len(classes):
        return tag
    zero = max((c for c in classes if scores.get(c, 0.0) == 0.0), default=tag)
    return zero if best < 0.0 or zero > tag else tag


def tags(words: Sequence[str]) -> tuple[str, ...]:
    """One Penn Treebank tag for each of ``words``, a sentence's tokens (punctuation included), tagged left
    to right as the model was trained: a word the tag dictionary holds takes its tag, every other the best
    scoring tag for its features (the word, its neighbours two either side and the two tags before it)."""
    weights, tagdict, classes = _model()
    ctx = [*_START, *(_normalise(w) for w in words), *_END]
    prev, prev2 = _START
    out = []
    for i, word in enumerate(words):
        tag = tagdict.get(word)
        if not tag:
            c = i + 2
            scores: dict[str, float] = {}
            for f in (
                "bias",
                "i suffix " + word[-3:],
                "i pref1 " + word[:1],
                "i-1 tag " + prev,
                "i-2 tag " + prev2,
                f"i tag+i-2 tag {prev} {prev2}",
                "i word " + ctx[c],
                f"i-1 tag+i word {prev} {ctx[c]}",
                "i-1 word " + ctx[c - 1],
                "i-1 suffix " + ctx[c - 1][-3:],
                "i-2 word " + ctx[c - 2],
                "i+1 word " + ctx[c + 1],
                "i+1 suffix " + ctx[c + 1][-3:],
                "i+2 word " + ctx[c + 2],
            ):
                for label, w in weights.get(f, {}).items():
                    scores[label] = scores.get(label, 0.0) + w
            tag = _best(scores, classes)
        out.append(tag)
        prev2, prev = prev, tag
    return tuple(out)
