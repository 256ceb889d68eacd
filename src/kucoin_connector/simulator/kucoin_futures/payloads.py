"""JSON shapes of KuCoin Futures REST answers, from KuCoin's docs and the official SDK's
models (sizes are integer lots; prices and values strings; times ms, ``orderTime`` ns)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.margin import FundingPayment, MarginWallet
from ..engine.models import Fill, Order
from ..engine.positions import FillEffect, Position, PositionMode, PositionSide
from ..kucoin_spot.wire import dec
from .contracts import ContractDef

ZERO = Decimal(0)


def lots(value: Decimal) -> int:
    return int(value)


def order_payload(order: Order, contract: ContractDef) -> dict[str, Any]:
    value = order.price * order.size * contract.multiplier
    avg = order.deal_funds / (order.deal_size * contract.multiplier) if order.deal_size else ZERO
    return {
        "id": order.id,
        "symbol": order.symbol,
        "type": order.type,
        "side": order.side,
        "price": dec(order.price) if order.type == "limit" else "0",
        "size": lots(order.size),
        "value": dec(value),
        "dealValue": dec(order.deal_funds),
        "dealSize": lots(order.deal_size),
        "stp": order.stp,
        "stop": order.stop,
        "stopPriceType": "TP" if order.stop else "",
        "stopTriggered": order.stop_triggered,
        "stopPrice": float(order.stop_price) if order.stop else None,
        "timeInForce": order.time_in_force,
        "postOnly": order.post_only,
        "hidden": order.hidden,
        "iceberg": order.iceberg,
        "leverage": dec(order.leverage),
        "forceHold": False,
        "closeOrder": order.close_order,
        "visibleSize": lots(order.visible_size),
        "clientOid": order.client_oid,
        "remark": order.remark or None,
        "tags": order.tags,
        "isActive": order.is_active,
        "cancelExist": order.cancel_exist,
        "createdAt": order.created_at_ms,
        "updatedAt": order.updated_at_ms,
        "endAt": None if order.is_active else order.updated_at_ms,
        "orderTime": order.created_at_ms * 1_000_000,
        "settleCurrency": contract.settle,
        "marginMode": order.margin_mode or "ISOLATED",
        "avgDealPrice": dec(avg),
        "filledSize": lots(order.deal_size),
        "filledValue": dec(order.deal_funds),
        "status": "open" if order.is_active else "done",
        "reduceOnly": order.reduce_only,
        "positionSide": order.position_side or PositionSide.BOTH.value,
    }


def fill_payload(fill: Fill, contract: ContractDef, effect: FillEffect | None) -> dict[str, Any]:
    """One item of ``/api/v1/fills``: ``openFeePay``/``closeFeePay`` split the fee between
    the lots the fill opened and the lots it closed."""
    opened = effect.opened if effect is not None else fill.size
    open_fee = fill.fee * opened / fill.size if fill.size else ZERO
    return {
        "symbol": fill.symbol,
        "tradeId": fill.trade_id,
        "orderId": fill.order_id,
        "side": fill.side,
        "liquidity": fill.liquidity,
        "forceTaker": fill.force_taker,
        "price": dec(fill.price),
        "size": lots(fill.size),
        "value": dec(fill.funds),
        "openFeePay": dec(open_fee),
        "closeFeePay": dec(fill.fee - open_fee),
        "stop": fill.stop,
        "feeRate": dec(fill.fee_rate),
        "fixFee": "0",
        "feeCurrency": contract.settle,
        "tradeTime": fill.created_at_ms * 1_000_000,
        "subTradeType": None,
        "marginMode": "ISOLATED",
        "settleCurrency": contract.settle,
        "displayType": fill.type,
        "fee": dec(fill.fee),
        "orderType": fill.type,
        "tradeType": "trade",
        "createdAt": fill.created_at_ms,
        "openFeeTaxPay": "0",
        "closeFeeTaxPay": "0",
    }


def position_payload(
    pos: Position, contract: ContractDef, mark: Decimal, mode: PositionMode, now_ms: int
) -> dict[str, Any]:
    terms = contract.terms()
    value = terms.value(pos.size, mark)
    unrealised = pos.unrealised_pnl(terms, mark)
    cost = terms.value(pos.size, pos.entry_price)
    signed_qty = -pos.qty if pos.side is PositionSide.SHORT else pos.qty
    return {
        "id": f"{pos.user_id}-{pos.symbol}-{pos.side.value}",
        "symbol": pos.symbol,
        "crossMode": pos.margin_mode.value == "CROSS",
        "delevPercentage": 0.0,
        "openingTimestamp": pos.opened_at_ms,
        "currentTimestamp": now_ms,
        "currentQty": lots(signed_qty),
        "currentCost": float(cost * pos.direction),
        "currentComm": float(pos.fees),
        "unrealisedCost": float(cost * pos.direction),
        "realisedGrossCost": float(-pos.realised_pnl),
        "realisedCost": float(pos.fees - pos.realised_pnl + pos.funding),
        "isOpen": bool(pos.qty),
        "markPrice": float(mark),
        "markValue": float(value * pos.direction),
        "posCost": float(cost),
        "posInit": float(pos.margin),
        "posMargin": float(pos.margin),
        "posMaint": float(value * terms.maintenance_margin_rate),
        # margin plus unrealised PnL (KuCoin's example: 22.5097 + 1.4698 = 23.9795)
        "maintMargin": float(pos.margin + unrealised),
        "posFunding": float(-pos.funding),
        # no close-fee reserve, added margin or margin loss in the simulator
        "posComm": 0.0,
        "posCommCommon": 0.0,
        "posCross": 0.0,
        "posCrossMargin": 0,  # an integer in KuCoin's example and the SDK
        "posLoss": 0.0,
        "autoDeposit": False,
        "maintMarginReq": float(terms.maintenance_margin_rate),
        "realisedGrossPnl": float(pos.realised_pnl),
        "realisedPnl": float(pos.realised_pnl - pos.fees - pos.funding),
        "unrealisedPnl": float(unrealised),
        "unrealisedPnlPcnt": float(unrealised / cost) if cost else 0.0,
        "unrealisedRoePcnt": float(unrealised / pos.margin) if pos.margin else 0.0,
        "avgEntryPrice": float(pos.entry_price),
        "liquidationPrice": float(pos.liquidation_price(terms)),
        "bankruptPrice": float(pos.liquidation_price(terms)),
        "settleCurrency": contract.settle,
        "isInverse": False,
        "marginMode": pos.margin_mode.value,
        "positionSide": pos.side.value if mode is PositionMode.HEDGE else "BOTH",
        "leverage": float(pos.leverage),
        "realLeverage": float(pos.leverage),
        "maintainMargin": float(terms.maintenance_margin_rate),
        "riskLimit": 100_000,
        "riskLimitLevel": 1,
    }


def account_overview_payload(
    wallet: MarginWallet, unrealised: Decimal, user_id: str
) -> dict[str, Any]:
    equity = wallet.balance + unrealised
    return {
        "accountEquity": float(equity),
        "unrealisedPNL": float(unrealised),
        "marginBalance": float(wallet.balance),
        "positionMargin": float(wallet.position_margin),
        "orderMargin": float(wallet.order_margin),
        "frozenFunds": 0.0,
        "availableBalance": float(wallet.available),
        "currency": wallet.currency,
        "riskRatio": 0.0,
        "maxWithdrawAmount": float(max(wallet.available, ZERO)),
    }


def funding_history_payload(payment: FundingPayment, contract: ContractDef) -> dict[str, Any]:
    """KuCoin's record: ``funding`` = -fundingRate * positionCost, signed for the user
    (positive: received)."""
    pos_cost = payment.value * payment.position.direction
    return {
        "id": payment.time_ms,
        "symbol": payment.symbol,
        "timePoint": payment.time_ms,
        "fundingRate": float(payment.rate),
        "markPrice": float(payment.mark_price),
        "positionQty": lots(payment.position.size * payment.position.direction),
        "positionCost": float(pos_cost),
        "funding": float(-payment.amount),
        "settleCurrency": contract.settle,
        "context": "",
        "marginMode": payment.position.margin_mode.value,
    }
