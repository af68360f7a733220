"""Benchmark of the photo pipeline against bare Pillow work, and its peak memory (not a test).

Usage: .venv/bin/python bench/photo_ingest.py [--rounds 15] [--photo some.jpg]

Without --photo a 12 MP (4000x3000) q90 JPEG with camera-like noise and real EXIF is made
from a corpus photo. Both sides run interleaved in the same process (the machines have
bursty CPU steal, so only same-run ratios mean anything); peak RSS is measured in a fresh
child process per side.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checkin.domain.refusal import Refusal  # noqa: E402
from checkin.photos.pipeline import (  # noqa: E402
    DEFAULT_LIMITS,
    draft_box,
    process_photo,
)

CORPUS = REPO.parent / "shared" / "corpus" / "photos"
SOURCE = CORPUS / "real" / "jolla.jpg"
HEIC = CORPUS / "heic" / "iphone_13_pro_max.HEIC"


def make_12mp_jpeg(source: Path) -> bytes:
    """A 4000x3000 q90 JPEG: a real photo upscaled, with sensor-like noise, and its EXIF."""
    with Image.open(source) as src:
        exif = src.info.get("exif", b"")
        big = src.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    noise = Image.merge("RGB", [Image.effect_noise((4000, 3000), 14) for _ in range(3)])
    noisy = ImageChops.add(big, noise, scale=1.0, offset=-128)
    buf = io.BytesIO()
    noisy.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def bare_pillow(data: bytes) -> tuple[bytes, bytes]:
    """What any pipeline has to do: draft decode, 1600 px, q85, 320 px thumbnail, q85."""
    limits = DEFAULT_LIMITS
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", draft_box(im.size, limits.long_side))
        w, h = im.size
        scale = limits.long_side / max(w, h)
        target = (round(w * scale), round(h * scale)) if scale < 1 else (w, h)
        small = im.resize(target, Image.Resampling.LANCZOS, reducing_gap=1.0)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=limits.jpeg_quality)
    thumb = small.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side), Image.Resampling.LANCZOS)
    tout = io.BytesIO()
    thumb.save(tout, "JPEG", quality=limits.jpeg_quality)
    return out.getvalue(), tout.getvalue()


def bare_heic(data: bytes) -> tuple[bytes, bytes]:
    """The same bare work for a HEIC (full-size decode, no draft)."""
    limits = DEFAULT_LIMITS
    with Image.open(io.BytesIO(data), formats=["HEIF"]) as im:
        small = im.resize(
            draft_box(im.size, limits.long_side), Image.Resampling.LANCZOS, reducing_gap=1.0
        )
    out = io.BytesIO()
    small.save(out, "JPEG", quality=limits.jpeg_quality)
    thumb = small.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side), Image.Resampling.LANCZOS)
    tout = io.BytesIO()
    thumb.save(tout, "JPEG", quality=limits.jpeg_quality)
    return out.getvalue(), tout.getvalue()


def pipeline(data: bytes) -> tuple[bytes, bytes]:
    photo = process_photo(data)
    return photo.jpeg, photo.thumb


SIDES: dict[str, Callable[[bytes], tuple[bytes, bytes]]] = {
    "pillow": bare_pillow,
    "pipeline": pipeline,
    "heic-pillow": bare_heic,
    "heic-pipeline": pipeline,
}


def interleaved(
    data: bytes, a: Callable[[bytes], object], b: Callable[[bytes], object], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of a and b, alternating which goes first each round."""
    ta: list[float] = []
    tb: list[float] = []
    a(data), b(data)  # warm-up (imports, codec tables, lcms)
    for i in range(rounds):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, sink in order:
            t0 = time.perf_counter()
            fn(data)
            sink.append((time.perf_counter() - t0) * 1000)
    return ta, tb


def _proc_status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def child(side: str, path: Path, rounds: int) -> None:
    """Run one side alone and report RSS high-water marks (kB) as JSON.

    ``ru_maxrss`` survives ``execve`` on Linux (a child forked from a big parent inherits
    the parent's peak), so the kernel's per-address-space ``VmHWM`` is used where there is
    one; it is reset after the imports so ``peak - base`` is what processing adds.
    """
    data = path.read_bytes()
    base = _proc_status_kb("VmRSS")
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    outcome = "accepted"
    started = time.perf_counter()
    for _ in range(rounds):
        try:
            SIDES[side](data)
        except Refusal as exc:
            outcome = exc.code
    seconds = (time.perf_counter() - started) / rounds
    peak = _proc_status_kb("VmHWM")
    if base is None or peak is None:
        base = peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"base_kb": base, "peak_kb": peak, "outcome": outcome, "s": seconds}))


def peak_rss(side: str, path: Path, rounds: int = 3) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--photo", str(path), "--rounds", str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def fmt_ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=4)
    med = statistics.median(values)
    return f"median {med:6.1f} ms  (IQR {q[0]:.1f}-{q[2]:.1f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--photo", type=Path, help="a JPEG to use instead of the generated one")
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="also make 20-50 MP PNG/WebP/JPEG and a 24 MP HEIC (slow to encode) and report "
        "their peak memory through the pipeline",
    )
    parser.add_argument("--child", choices=sorted(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(args.child, args.photo, args.rounds)
        return

    with tempfile.TemporaryDirectory() as tmp:
        if args.photo:
            photo_path = args.photo
        else:
            photo_path = Path(tmp) / "12mp.jpg"
            photo_path.write_bytes(make_12mp_jpeg(SOURCE))
        data = photo_path.read_bytes()
        with Image.open(io.BytesIO(data)) as probe:
            size = probe.size
        print(f"JPEG: {size[0]}x{size[1]}, {len(data) / 1e6:.2f} MB, {args.rounds} rounds")

        ta, tb = interleaved(data, bare_pillow, pipeline, args.rounds)
        ratio = statistics.median(tb) / statistics.median(ta)
        print(f"  (a) bare Pillow (draft, 1600 q85, 320 thumb): {fmt_ms(ta)}")
        print(f"  (b) process_photo:                            {fmt_ms(tb)}")
        verdict = "ok" if ratio <= 1.3 else "OVER TARGET"
        print(f"  ratio b/a (median): {ratio:.2f}  (target <= 1.3: {verdict})")
        per_round = [b / a for a, b in zip(ta, tb, strict=True)]
        print(f"  ratio b/a per round: median {statistics.median(per_round):.2f}")

        if HEIC.is_file():
            heic = HEIC.read_bytes()
            with Image.open(io.BytesIO(heic), formats=["HEIF"]) as probe:
                hsize = probe.size
            hrounds = max(3, args.rounds // 2)
            mb = len(heic) / 1e6
            print(f"HEIC: {HEIC.name} {hsize[0]}x{hsize[1]}, {mb:.2f} MB, {hrounds} rounds")
            ha, hb = interleaved(heic, bare_heic, pipeline, hrounds)
            print(f"  (a) bare pillow-heif decode + 1600 + thumb:   {fmt_ms(ha)}")
            print(f"  (b) process_photo:                            {fmt_ms(hb)}")
            print(f"  ratio b/a (median): {statistics.median(hb) / statistics.median(ha):.2f}")

        print("Peak RSS, fresh child process per side (3 photos each; base = after imports):")
        targets = [("pillow", photo_path), ("pipeline", photo_path)]
        if HEIC.is_file():
            targets += [("heic-pillow", HEIC), ("heic-pipeline", HEIC)]
        for side, path in targets:
            r = peak_rss(side, path)
            peak_mb, base_mb = r["peak_kb"] / 1024, r["base_kb"] / 1024
            flag = "ok" if peak_mb < 200 else "OVER 200 MB"
            print(
                f"  {side:14s} peak {peak_mb:6.1f} MB  (base {base_mb:5.1f} MB, "
                f"+{peak_mb - base_mb:5.1f} MB)  target < 200 MB: {flag}"
            )

        if args.worst_case:
            worst_case(Path(tmp))


def worst_case(folder: Path) -> None:
    """Peak memory of the largest files the default limits let through, per format."""
    print("Worst cases through process_photo (fresh child each, 1 photo; synthetic files):")
    with Image.open(SOURCE) as src:
        base = src.convert("RGB")
    # PNGs of a photo exceed 15 MB long before they hurt; a flat (screenshot-like) PNG does not.
    cases: list[tuple[str, tuple[int, int], str, dict[str, Any]]] = [
        ("JPEG 50 MP q90", (8160, 6120), "JPEG", {"quality": 90}),
        ("PNG 24 MP RGB flat", (5712, 4284), "PNG", {}),
        ("PNG 40 MP RGBA flat", (7300, 5475), "PNG", {}),
        ("PNG 50 MP RGB flat", (8160, 6120), "PNG", {}),
        ("WebP 20 MP", (5200, 3900), "WEBP", {"quality": 80}),
        ("WebP 50 MP", (8160, 6120), "WEBP", {"quality": 80}),
        ("HEIC 24 MP", (5712, 4284), "HEIF", {"quality": 60}),
    ]
    for label, size, fmt, params in cases:
        if "flat" in label:
            image = base.resize((64, 48)).resize(size, Image.Resampling.NEAREST)
        else:
            image = base.resize(size, Image.Resampling.BILINEAR)
        if "RGBA" in label:
            image.putalpha(200)
        path = folder / f"case.{fmt.lower()}"
        image.save(path, fmt, **params)
        del image
        r = peak_rss("pipeline", path, rounds=1)
        peak_mb = r["peak_kb"] / 1024
        mb = path.stat().st_size / 1e6
        print(
            f"  {label:20s} {mb:5.1f} MB file  -> {r['outcome']:16s} peak {peak_mb:6.1f} MB "
            f"(+{peak_mb - r['base_kb'] / 1024:5.1f})  {r['s'] * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
