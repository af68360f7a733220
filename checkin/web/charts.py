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
    expected: float = 0.0  # days expected by today (pro-rated), 0 when not drawn
    expected_x: float = 0.0
    label_width: float = LABEL_WIDTH
    plot_width: float = PLOT_WIDTH
    row: float = ROW


def _points(rows: list[CadreLedger], expected: dict[int, int]
            ) -> list[tuple[str, float, float, float]]:
    """(label, counted, target, expected by today) per bar."""
    def due(r: CadreLedger) -> float:
        return expected.get(r.user.id, r.ledger.target_days)

    if len(rows) <= MAX_BARS:
        return [(r.user.name, r.ledger.counted_days, r.ledger.target_days, due(r))
                for r in rows]
    by_village: dict[str, list[CadreLedger]] = defaultdict(list)
    for r in rows:
        by_village[r.user.village.name if r.user.village else "—"].append(r)
    return [(name, sum(r.ledger.counted_days for r in group) / len(group),
             sum(r.ledger.target_days for r in group) / len(group),
             sum(due(r) for r in group) / len(group))
            for name, group in sorted(by_village.items())][:MAX_BARS * 3]


def days_against_target(rows: list[CadreLedger], expected: dict[int, int] | None = None
                        ) -> BarChart | None:
    """One bar per cadre, or per village (averaged) when there are too many cadres. A bar
    is "below" when it is short of what is expected by today (pro-rated), not of the
    year's target: in June, 100 of 200 days is on track."""
    if not rows:
        return None
    points = _points(rows, expected or {})
    target = max(t for _, _, t, _ in points)
    due = max(e for _, _, _, e in points)
    scale = max(target, max(v for _, v, _, _ in points), 1) * 1.05
    bars = [Bar(label=label[:8], value=round(value, 1), y=i * ROW,
                width=PLOT_WIDTH * value / scale, below=value < e)
            for i, (label, value, _t, e) in enumerate(points)]
    return BarChart(bars=bars, target=target, target_x=LABEL_WIDTH + PLOT_WIDTH * target / scale,
                    height=len(bars) * ROW + 24,
                    expected=due if due < target else 0.0,
                    expected_x=LABEL_WIDTH + PLOT_WIDTH * due / scale)
