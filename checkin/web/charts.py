"""Bar charts drawn as SVG on the server: no chart library, nothing to run in the browser."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from checkin.services.attendance.ledger import CadreLedger

MAX_BARS = 40
LABEL_WIDTH = 110.0
PLOT_WIDTH = 250.0
ROW = 22.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: float
    width: float
    below: bool


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    target: float
    target_x: float
    height: float
    label_width: float = LABEL_WIDTH
    plot_width: float = PLOT_WIDTH
    row: float = ROW


def _points(rows: list[CadreLedger]) -> list[tuple[str, float, float]]:
    if len(rows) <= MAX_BARS:
        return [(r.user.name, r.ledger.counted_days, r.ledger.target_days) for r in rows]
    by_village: dict[str, list[CadreLedger]] = defaultdict(list)
    for r in rows:
        by_village[r.user.village.name if r.user.village else "—"].append(r)
    return [(name, sum(r.ledger.counted_days for r in group) / len(group),
             sum(r.ledger.target_days for r in group) / len(group))
            for name, group in sorted(by_village.items())][:MAX_BARS * 3]


def days_against_target(rows: list[CadreLedger]) -> BarChart | None:
    """One bar per cadre, or per village (averaged) when there are too many cadres."""
    if not rows:
        return None
    points = _points(rows)
    target = max(t for _, _, t in points)
    scale = max(target, max(v for _, v, _ in points), 1) * 1.05
    bars = [Bar(label=label[:8], value=round(value, 1), y=i * ROW,
                width=PLOT_WIDTH * value / scale, below=value < t)
            for i, (label, value, t) in enumerate(points)]
    return BarChart(bars=bars, target=target, target_x=LABEL_WIDTH + PLOT_WIDTH * target / scale,
                    height=len(bars) * ROW + 24)
