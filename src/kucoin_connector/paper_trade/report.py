"""The session report of a paper run: every fill, fees, inventory and PnL over time.

PnL is marked to market: ``quote + base * mark - (start quote + start base * start mark)``,
the mark being the fill price at each fill and the book's mid at the end. ``table()`` is
plain text; ``svg_chart()`` draws PnL over time as a small SVG image (no dependency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.in_flight_order import TradeUpdate

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ReportRow:
    ts_ms: int
    client_order_id: str
    side: str  # "buy" / "sell"
    price: Decimal
    amount: Decimal
    fee: Decimal
    is_maker: bool | None
    base: Decimal  # inventory after the fill
    quote: Decimal
    pnl: Decimal  # marked at this fill's price


@dataclass(frozen=True, slots=True)
class SessionReport:
    trading_pair: str
    rows: tuple[ReportRow, ...]
    start_value: Decimal
    final_mark: Decimal | None
    final_pnl: Decimal
    fees: Decimal
    volume_base: Decimal
    orders_placed: int

    @property
    def maker_share(self) -> Decimal:
        if not self.rows:
            return ZERO
        makers = sum((r.amount for r in self.rows if r.is_maker), ZERO)
        return makers / self.volume_base

    def table(self, max_rows: int = 20) -> str:
        lines = [
            f"paper session report {self.trading_pair}: {len(self.rows)} fills of "
            f"{self.orders_placed} orders, volume {_plain(self.volume_base)}, "
            f"fees {_plain(self.fees)}, maker share {self.maker_share:.0%}",
            f"{'time ms':>14} {'order':>10} {'side':<4} {'price':>12} {'amount':>12} "
            f"{'fee':>10} {'role':<5} {'base':>12} {'quote':>14} {'pnl':>10}",
        ]
        shown = self.rows[-max_rows:] if max_rows else self.rows
        if len(shown) < len(self.rows):
            lines.append(f"  ... {len(self.rows) - len(shown)} earlier fills not shown")
        for r in shown:
            role = "?" if r.is_maker is None else ("maker" if r.is_maker else "taker")
            lines.append(
                f"{r.ts_ms:>14} {r.client_order_id[-10:]:>10} {r.side:<4} {_plain(r.price):>12} "
                f"{_plain(r.amount):>12} {_round(r.fee):>10} {role:<5} {_plain(r.base):>12} "
                f"{_round(r.quote):>14} {_round(r.pnl):>10}"
            )
        mark = "n/a" if self.final_mark is None else _plain(self.final_mark)
        lines.append(f"final PnL {_round(self.final_pnl)} (marked at mid {mark})")
        return "\n".join(lines)

    def svg_chart(self, width: int = 640, height: int = 240) -> str:
        """PnL over time as an SVG line chart."""
        points = [(r.ts_ms, float(r.pnl)) for r in self.rows]
        if len(points) < 2:
            points = [(0, 0.0), (1, float(self.final_pnl))]
        t0, t1 = points[0][0], max(points[-1][0], points[0][0] + 1)
        low = min(0.0, *(p for _, p in points))
        high = max(0.0, *(p for _, p in points))
        span = (high - low) or 1.0

        def xy(ts: int, value: float) -> str:
            x = 40 + (ts - t0) / (t1 - t0) * (width - 50)
            y = 10 + (high - value) / span * (height - 30)
            return f"{x:.1f},{y:.1f}"

        zero_y = xy(t0, 0.0).split(",")[1]
        line = " ".join(xy(ts, value) for ts, value in points)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<line x1="40" y1="{zero_y}" x2="{width - 10}" y2="{zero_y}" stroke="#999"/>'
            f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{line}"/>'
            f'<text x="4" y="14" font-size="11">{high:.2f}</text>'
            f'<text x="4" y="{height - 8}" font-size="11">{low:.2f}</text>'
            f'<text x="{width // 2 - 60}" y="{height - 4}" font-size="11">'
            f"PnL {self.trading_pair} ({self.trading_pair.split('-')[-1]})</text></svg>"
        )


def build_report(
    trading_pair: str,
    fills: Sequence[TradeUpdate],
    *,
    sides: dict[str, str],
    start_base: Decimal,
    start_quote: Decimal,
    start_mark: Decimal,
    final_mark: Decimal | None,
    orders_placed: int,
) -> SessionReport:
    """``sides`` maps client order id -> "buy"/"sell"; fees are in quote."""
    start_value = start_quote + start_base * start_mark
    base, quote = start_base, start_quote
    rows: list[ReportRow] = []
    for fill in fills:
        if fill.trading_pair != trading_pair:
            continue
        side = sides.get(fill.client_order_id, "buy")
        sign = 1 if side == "buy" else -1
        base += sign * fill.fill_base_amount
        quote -= sign * fill.fill_quote_amount + fill.fee.amount
        pnl = quote + base * fill.fill_price - start_value
        rows.append(
            ReportRow(
                fill.fill_timestamp_ms,
                fill.client_order_id,
                side,
                fill.fill_price,
                fill.fill_base_amount,
                fill.fee.amount,
                fill.is_maker,
                base,
                quote,
                pnl,
            )
        )
    mark = final_mark if final_mark is not None else (rows[-1].price if rows else start_mark)
    return SessionReport(
        trading_pair=trading_pair,
        rows=tuple(rows),
        start_value=start_value,
        final_mark=final_mark,
        final_pnl=quote + base * mark - start_value,
        fees=sum((r.fee for r in rows), ZERO),
        volume_base=sum((r.amount for r in rows), ZERO),
        orders_placed=orders_placed,
    )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _round(value: Decimal) -> str:
    return f"{value:.4f}"
