"""Helpers shared by the photo tests: where the real-file corpus is, and small image makers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

# The repository is cloned with the shared folder beside it: <parent>/main, <parent>/shared.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "photos"
CORPUS_MISSING = f"photo corpus not found at {CORPUS} (clone shared/ beside the repository)"


def corpus_params(folder: str | None = None) -> list[object]:
    """One pytest.param per corpus file (id = 'folder/name'), or one skipped param if absent."""
    if not CORPUS.is_dir():
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=CORPUS_MISSING))]
    base = CORPUS / folder if folder else CORPUS
    files = sorted(p for p in base.rglob("*") if p.is_file() and p.name != "README.md")
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files]


def corpus() -> Path:
    """The corpus folder; skips the calling test with a clear reason if it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    return CORPUS


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def scene(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A deterministic, asymmetric picture: gradients and blocks (so rotations are visible)."""
    w, h = size
    grad = Image.linear_gradient("L").resize((w, h))
    im = Image.merge("RGB", (grad, grad.transpose(Image.Transpose.ROTATE_90).resize((w, h)), grad))
    im.paste((220, 30, 30), (w // 10, h // 10, w // 2, h // 3))  # red block, top left
    im.paste((30, 30, 220), (w * 2 // 3, h * 2 // 3, w - w // 20, h - h // 20))  # bottom right
    return im
