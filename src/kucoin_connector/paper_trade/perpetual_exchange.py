"""PerpetualPaperExchange: ``kucoin_perpetual_paper_trade``, the perpetual connector's
surface trading on paper from its public data.

The same fill model, latency and event order as spot paper trading (``PaperExchange``);
what differs is the accounting: a ``PerpetualLedger`` in the settlement currency books each
fill into positions (one-way or hedge), posts isolated margin at the order's leverage,
realises PnL on closes, pays or receives funding at the venue's funding times from the
public funding rate, marks positions at the public mark price and liquidates them there.
Positions and funding payments reach the user through a ``PositionTracker`` as
``PositionChangedEvent`` / ``FundingPaymentEvent``, as live. Orders are validated by the
live connector's own rules: whole lots (``ContractSpec.lots_for``), the order body checks
(time in force, close orders, leverage), the margin mode.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

from kucoin_connector.core.errors import (
    ConfigurationError,
    InsufficientFundsError,
    OrderValidationError,
)
from kucoin_connector.core.in_flight_order import InFlightOrder, TradeFee, TradeUpdate
from kucoin_connector.core.order_rules import PreparedOrder
from kucoin_connector.core.positions import FundingPayment, Position, PositionTracker
from kucoin_connector.core.types import (
    Balance,
    OrderOptions,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from kucoin_connector.kucoin_perpetual.contracts import ContractBook
from kucoin_connector.kucoin_perpetual.errors import PositionModeChangeError
from kucoin_connector.kucoin_perpetual.exchange import KucoinPerpetualExchange
from kucoin_connector.kucoin_perpetual.orders import (
    MarginMode,
    OrderRequest,
    PerpetualOrderOptions,
    order_body,
    position_side_for,
)
from kucoin_connector.kucoin_perpetual.public_feeds import FundingRateUpdate, MarkPriceUpdate

from .config import PaperTradeSettings
from .exchange import PaperExchange
from .fill_model import PaperMatcher
from .market_data import MarketDataConnector
from .models import ZERO, Fill, PaperOrderRequest
from .perpetual.ledger import PerpetualLedger
from .perpetual.order_margin import OrderMargins, order_value
from .perpetual.positions import ContractTerms, PerpPosition
from .perpetual.settings import PerpetualPaperSettings
from .records import PaperRecord

__all__ = ["PerpetualPaperExchange"]

log = logging.getLogger(__name__)


def as_perpetual_options(options: OrderOptions) -> PerpetualOrderOptions:
    if isinstance(options, PerpetualOrderOptions):
        return options
    return PerpetualOrderOptions(
        time_in_force=options.time_in_force,
        hidden=options.hidden,
        self_trade_prevention=options.self_trade_prevention,
        stop=options.stop,
        quote_amount=options.quote_amount,
        remark=options.remark,
    )


class PerpetualPaperExchange(PaperExchange):
    def __init__(
        self,
        source: KucoinPerpetualExchange,
        settings: PaperTradeSettings | None = None,
        perpetual: PerpetualPaperSettings | None = None,
        *,
        name: str | None = None,
        clock_ms: Callable[[], int] | None = None,
        client_order_id_factory: Callable[[], str] | None = None,
        round_trip_probe: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__(
            source,
            settings,
            name=name or "kucoin_perpetual_paper_trade",
            clock_ms=clock_ms,
            client_order_id_factory=client_order_id_factory,
            round_trip_probe=round_trip_probe,
        )
        self.perpetual_source = source
        self.perpetual = perpetual or PerpetualPaperSettings()
        self.positions = PositionTracker(self.events)
        self._ledger: PerpetualLedger | None = None
        self._settle_currency = ""
        self._margins = OrderMargins()
        self._position_mode = self.perpetual.position_mode
        self._margin_modes: dict[str, MarginMode] = {}
        self._leverages: dict[str, Decimal] = {}
        self._order_actions: dict[str, PositionAction] = {}
        self._order_sides: dict[str, PositionSide] = {}
        self._marks: dict[str, Decimal] = {}
        self._funding_rates: dict[str, Decimal] = {}
        self._funding_checked_ms: dict[str, int] = {}

    # ------------------------------------------------------------------ set-up
    def _listen(self, source: MarketDataConnector) -> None:
        super()._listen(source)
        self.perpetual_source.public_feeds.add_mark_listener(self._on_mark)
        self.perpetual_source.public_feeds.add_funding_listener(self._on_funding_rate)

    @property
    def contracts(self) -> ContractBook:
        return self.perpetual_source.contracts

    def symbol_for_pair(self, trading_pair: str) -> str:
        return self.perpetual_source.symbol_for_pair(trading_pair)

    @property
    def ledger(self) -> PerpetualLedger:
        if self._ledger is None:
            raise ConfigurationError("the paper ledger opens when the connector starts")
        return self._ledger

    async def _open_ledger(self) -> PerpetualLedger:
        """Contract terms from the public contract list: one settlement currency."""
        max_leverage = {
            c.symbol: c.max_leverage for c in await self.perpetual_source.api.contracts()
        }
        terms: dict[str, ContractTerms] = {}
        for pair in self.trading_pairs:
            spec = self.contracts.spec_for_pair(pair)
            if spec.is_inverse:
                raise ConfigurationError(f"{pair}: inverse contracts are not paper traded")
            if self._settle_currency not in ("", spec.settle_currency):
                raise ConfigurationError("paper trading keeps one settlement currency")
            self._settle_currency = spec.settle_currency
            terms[pair] = ContractTerms(
                pair,
                spec.settle_currency,
                Decimal(1),  # positions are kept in base units, as the connector reports them
                self.perpetual.maintenance_margin_rate,
                Decimal(max_leverage.get(spec.symbol) or 1),
            )
        wallet = Decimal(self.settings.balances.get(self._settle_currency, ZERO))
        ledger = PerpetualLedger(terms, wallet, mode=self._position_mode)
        for pair in self.trading_pairs:
            ledger.set_leverage(pair, self.perpetual.default_leverage)
        return ledger

    # ------------------------------------------------------------------ modes and leverage
    async def position_mode(self, *, refresh: bool = False) -> PositionMode:
        return self._position_mode

    async def set_position_mode(self, mode: PositionMode) -> PositionMode:
        """Refused, as by the venue, while positions or orders are open."""
        busy = self.ledger.open_positions() or any(
            not o.is_done for o in self.in_flight_orders.values()
        )
        if busy and mode is not self._position_mode:
            raise PositionModeChangeError("close positions and cancel orders first")
        self._position_mode = self.ledger.mode = mode
        return mode

    async def margin_mode(self, trading_pair: str, *, refresh: bool = False) -> MarginMode:
        self.contracts.spec_for_pair(trading_pair)
        return self._margin_modes.get(trading_pair, MarginMode.ISOLATED)

    async def set_margin_mode(self, trading_pair: str, mode: MarginMode) -> MarginMode:
        """CROSS is accepted and accounted as ISOLATED (see docs/paper-trading.md)."""
        self.contracts.spec_for_pair(trading_pair)
        self._margin_modes[trading_pair] = mode
        return mode

    async def set_leverage(self, trading_pair: str, leverage: Decimal) -> None:
        if not leverage.is_finite() or leverage <= 0 or leverage != leverage.to_integral_value():
            raise OrderValidationError("leverage must be a positive whole number", rule="leverage")
        self.ledger.set_leverage(trading_pair, leverage)  # at most the contract's maximum
        self._leverages[trading_pair] = leverage

    def order_position_action(self, client_order_id: str) -> PositionAction | None:
        return self._order_actions.get(client_order_id)

    # ------------------------------------------------------------------ orders
    def _new_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None,
        options: OrderOptions | None,
        client_order_id: str | None = None,
    ) -> tuple[InFlightOrder, PreparedOrder, OrderOptions]:
        """Refused before tracking, as live: an amount off the lot grid, a margin mode
        that differs from the pair's."""
        self.contracts.spec_for_pair(trading_pair).lots_for(amount)
        if isinstance(options, PerpetualOrderOptions) and options.margin_mode is not None:
            known = self._margin_modes.get(trading_pair, MarginMode.ISOLATED)
            if options.margin_mode is not known:
                raise OrderValidationError(
                    f"{trading_pair}: order margin mode {options.margin_mode.value} differs "
                    f"from the symbol's {known.value}; set_margin_mode first",
                    rule="margin_mode",
                )
        return super()._new_order(
            trade_type, trading_pair, amount, order_type, price, options, client_order_id
        )

    def _hold(
        self,
        order: InFlightOrder,
        request: PaperOrderRequest,
        matcher: PaperMatcher,
        options: OrderOptions,
    ) -> tuple[str, ...]:
        opts = as_perpetual_options(options)
        pair = order.trading_pair
        leverage = opts.leverage or self._leverages.get(pair, self.perpetual.default_leverage)
        spec = self.contracts.spec_for_pair(pair)
        order_body(  # the live connector's checks of the order, the body itself unused
            OrderRequest(
                order.client_order_id,
                spec.symbol,
                order.trade_type,
                order.order_type,
                spec.lots_for(request.amount),
                request.price,
                leverage,
                self._margin_modes.get(pair, MarginMode.ISOLATED),
                self._position_mode,
                opts,
            )
        )
        side = self._position_side(order.trade_type, opts.position_action)
        if opts.position_action is PositionAction.CLOSE:
            self._check_closable(pair, order.trade_type, side, request.amount)
        else:
            self.ledger.set_leverage(pair, leverage)
            value = order_value(request, matcher)
            reserve = value / leverage + value * self.fees.taker
            if reserve > self.ledger.available - self._margins.total:
                raise InsufficientFundsError(f"margin {reserve} above the available balance")
            self._margins.hold(order.client_order_id, request.amount, reserve)
        self._order_actions[order.client_order_id] = opts.position_action
        self._order_sides[order.client_order_id] = side
        return (self._settle_currency,)

    def _position_side(self, trade_type: TradeType, action: PositionAction) -> PositionSide:
        if self._position_mode is PositionMode.HEDGE:
            return position_side_for(trade_type, action)
        return PositionSide.BOTH

    def _check_closable(
        self, pair: str, trade_type: TradeType, side: PositionSide, amount: Decimal
    ) -> None:
        if side is PositionSide.BOTH:  # one-way: a buy reduces a short, a sell a long
            side = PositionSide.SHORT if trade_type is TradeType.BUY else PositionSide.LONG
        if self.ledger.position(pair, side).qty < amount:
            raise OrderValidationError(
                f"{pair}: a reduce-only order larger than the position", rule="reduce_only"
            )

    # ------------------------------------------------------------------ accounting hooks
    def _settle_fill(self, record: PaperRecord, fill: Fill) -> tuple[TradeFee, tuple[str, ...]]:
        order = record.order
        fee = fill.price * fill.amount * self.fees.rate(fill.is_maker)
        self._margins.filled(order.client_order_id, fill.amount)
        side = self._order_sides.get(order.client_order_id, PositionSide.BOTH)
        try:
            self.ledger.apply_fill(
                order.trading_pair, order.trade_type, fill.amount, fill.price, fee, side
            )
        except (InsufficientFundsError, OrderValidationError) as exc:
            # matched after the account changed under it (a liquidation, a price far from
            # the hold's): the fill stands, the ledger keeps what it can book
            log.warning("%s: paper fill not booked in full: %s", order.client_order_id, exc)
        self._marks.setdefault(order.trading_pair, fill.price)
        return TradeFee(self._settle_currency, fee), (self._settle_currency,)

    def _after_fill(self, record: PaperRecord, trade: TradeUpdate) -> None:
        self._publish_positions(record.order.trading_pair)

    def _release_hold(self, client_order_id: str) -> tuple[str, ...]:
        return (self._settle_currency,) if self._margins.release(client_order_id) else ()

    def _balance_now(self, asset: str) -> Balance:
        if asset != self._settle_currency:
            return Balance(asset, ZERO, ZERO)
        ledger = self.ledger
        return Balance(asset, ledger.wallet, ledger.available - self._margins.total)

    async def _fetch_balances(self) -> dict[str, Balance]:
        if self._ledger is None:
            self._ledger = await self._open_ledger()
        return {self._settle_currency: self._balance_now(self._settle_currency)}

    def paper_balances(self) -> Mapping[str, Balance]:
        return {self._settle_currency: self._balance_now(self._settle_currency)}

    # ------------------------------------------------------------------ marks and funding
    def _on_funding_rate(self, update: FundingRateUpdate) -> None:
        self._funding_rates[update.trading_pair] = update.funding_rate

    def _on_mark(self, update: MarkPriceUpdate) -> None:
        pair = update.trading_pair
        if self._ledger is None or pair not in self.ledger.contracts:
            return
        self._marks[pair] = update.mark_price
        self._settle_due_funding(pair, update.ts_ms)
        if self.ledger.liquidate_at(pair, update.mark_price):
            log.warning("%s: paper position liquidated at mark %s", pair, update.mark_price)
            self._send_balances(self._settle_currency)
        self._publish_positions(pair)

    def _settle_due_funding(self, pair: str, now_ms: int) -> None:
        last = self._funding_checked_ms.setdefault(pair, now_ms)
        self._funding_checked_ms[pair] = max(last, now_ms)
        rate, mark = self._funding_rates.get(pair), self._marks[pair]
        if rate is None:
            return
        for funding_ms in self.perpetual.funding.due_between(last, now_ms):
            self.settle_funding(pair, rate, mark, funding_ms)

    def settle_funding(self, pair: str, rate: Decimal, mark: Decimal, funding_ms: int) -> None:
        """Pay or receive one funding settlement on the pair's open positions."""
        payments = [
            (p, p.sign * p.qty * mark * rate)
            for p in self.ledger.open_positions()
            if p.trading_pair == pair
        ]
        self.ledger.settle_funding(pair, rate, mark)
        for position, paid in payments:
            payment = FundingPayment(
                pair, self._event_side(position), -paid, rate, self._settle_currency, funding_ms
            )
            self._delivery.send(
                self._latency.response_s(),
                functools.partial(self.positions.apply_funding, payment),
            )
        if payments:
            self._send_balances(self._settle_currency)
            self._publish_positions(pair)

    # ------------------------------------------------------------------ positions
    def _event_side(self, position: PerpPosition) -> PositionSide:
        return position.side if self._position_mode is PositionMode.HEDGE else PositionSide.BOTH

    def _publish_positions(self, pair: str) -> None:
        ledger, now = self.ledger, self._clock()
        terms = ledger.contracts[pair]
        mark = self._marks.get(pair)
        for held in self._positions_to_publish(pair):
            upnl = held.unrealised_pnl(terms, mark) if mark is not None else ZERO
            position = Position(
                trading_pair=pair,
                position_side=self._event_side(held),
                amount=held.qty * held.sign,
                entry_price=held.entry_price,
                leverage=held.leverage,
                margin=held.margin,
                unrealized_pnl=upnl,
                realized_pnl=held.realised_pnl,
                liquidation_price=held.liquidation_price(terms),
                settlement_currency=self._settle_currency,
                timestamp_ms=now,
            )
            if position.is_open or self.positions.get(pair, position.position_side) is not None:
                self._delivery.send(
                    self._latency.response_s(), functools.partial(self.positions.apply, position)
                )

    def _positions_to_publish(self, pair: str) -> list[PerpPosition]:
        """Hedge: LONG and SHORT; one-way: the side held (LONG when flat), as BOTH."""
        long, short = (
            self.ledger.position(pair, s) for s in (PositionSide.LONG, PositionSide.SHORT)
        )
        if self._position_mode is PositionMode.HEDGE:
            return [long, short]
        return [short] if short.qty > 0 else [long]
