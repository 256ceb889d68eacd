"""Order request validation with KuCoin-like codes (all parameter errors are 400100)."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.engine.models import (
    BUY,
    LIMIT,
    MARKET,
    ORDER_ACCOUNT_TYPES,
    SELL,
    STOP_TYPES,
    STP_MODES,
    TIME_IN_FORCES,
    EngineError,
    OrderRequest,
    Reject,
    SymbolSpec,
)

MAX_CLIENT_OID_LEN = 40
MAX_REMARK_LEN = 100


def _bad(message: str) -> EngineError:
    return EngineError(Reject.INVALID_PARAMETER, message)


def _check_multiple(value: Decimal, increment: Decimal, name: str) -> None:
    if increment > 0 and value % increment != 0:
        raise _bad(f"{name} increment invalid: {value} is not a multiple of {increment}")


def check_increment(spec: SymbolSpec, size: Decimal, name: str) -> None:
    """A size change (e.g. a partial cancel): positive and a multiple of baseIncrement."""
    if size <= 0:
        raise _bad(f"{name} must be positive")
    _check_multiple(size, spec.base_increment, name)


def _check_size(spec: SymbolSpec, size: Decimal) -> None:
    if size <= 0:
        raise _bad("size must be positive")
    _check_multiple(size, spec.base_increment, "size")
    if size < spec.base_min_size:
        raise _bad(f"size must be >= baseMinSize {spec.base_min_size}")
    if size > spec.base_max_size:
        raise _bad(f"size must be <= baseMaxSize {spec.base_max_size}")


def _check_funds(spec: SymbolSpec, funds: Decimal) -> None:
    if funds <= 0:
        raise _bad("funds must be positive")
    _check_multiple(funds, spec.quote_increment, "funds")
    if funds < spec.quote_min_size or funds < spec.min_funds:
        raise _bad(f"funds must be >= {max(spec.quote_min_size, spec.min_funds)}")
    if funds > spec.quote_max_size:
        raise _bad(f"funds must be <= quoteMaxSize {spec.quote_max_size}")


def validate_request(spec: SymbolSpec, req: OrderRequest) -> None:
    """Raise EngineError (400100) unless ``req`` is a valid order for ``spec``."""
    if not spec.enable_trading:
        raise EngineError(Reject.TRADING_DISABLED, f"trading is disabled for {spec.symbol}")
    _check_common(req)
    if req.type == LIMIT:
        _check_limit(spec, req)
    else:
        _check_market(spec, req)
    _check_stop(spec, req)


def _check_common(req: OrderRequest) -> None:
    if req.side not in (BUY, SELL):
        raise _bad("side must be buy or sell")
    if req.type not in (LIMIT, MARKET):
        raise _bad("type must be limit or market")
    if len(req.client_oid) > MAX_CLIENT_OID_LEN:
        raise _bad("clientOid cannot exceed 40 characters")
    if len(req.remark) > MAX_REMARK_LEN:
        raise _bad("remark cannot exceed 100 characters")
    if req.stp not in STP_MODES:
        raise _bad("stp must be CN, CO, CB or DC")
    if req.account_type not in ORDER_ACCOUNT_TYPES:
        raise _bad("invalid trade account type")


def _check_limit(spec: SymbolSpec, req: OrderRequest) -> None:
    if req.price is None or req.size is None:
        raise _bad("price and size are required for limit orders")
    if req.funds is not None:
        raise _bad("funds is not allowed for limit orders")
    if req.price <= 0:
        raise _bad("price must be positive")
    _check_multiple(req.price, spec.price_increment, "price")
    _check_size(spec, req.size)
    if req.price * req.size < spec.min_funds:
        raise _bad(f"order funds (price*size) must be >= minFunds {spec.min_funds}")
    tif = req.time_in_force
    if tif not in TIME_IN_FORCES:
        raise _bad("timeInForce must be GTC, GTT, IOC or FOK")
    if tif == "GTT":
        if req.cancel_after_s <= 0:
            raise _bad("cancelAfter must be a positive number of seconds for GTT")
    elif req.cancel_after_s:
        raise _bad("cancelAfter requires timeInForce GTT")
    if req.post_only and tif in ("IOC", "FOK"):
        raise _bad("postOnly is invalid with IOC or FOK")
    if req.iceberg:
        _check_iceberg(spec, req.size, req.visible_size)
    elif req.visible_size is not None:
        raise _bad("visibleSize requires iceberg")


def _check_iceberg(spec: SymbolSpec, size: Decimal, visible: Decimal | None) -> None:
    if visible is None or visible <= 0:
        raise _bad("visibleSize is required for iceberg orders")
    _check_multiple(visible, spec.base_increment, "visibleSize")
    if visible < spec.base_min_size:
        raise _bad("visibleSize must be >= baseMinSize")
    if visible > size:
        raise _bad("visibleSize cannot exceed size")
    if visible * 20 < size:
        raise _bad("visibleSize must be at least 1/20 of size")


def _check_market(spec: SymbolSpec, req: OrderRequest) -> None:
    if req.price is not None:
        raise _bad("price is not allowed for market orders")
    if (req.size is None) == (req.funds is None):
        raise _bad("exactly one of size or funds is required for market orders")
    if req.size is not None:
        _check_size(spec, req.size)
    if req.funds is not None:
        _check_funds(spec, req.funds)
    if req.post_only or req.hidden or req.iceberg or req.visible_size is not None:
        raise _bad("postOnly, hidden and iceberg are for limit orders only")
    if req.time_in_force not in ("GTC", "IOC") or req.cancel_after_s:
        raise _bad("timeInForce is not supported for market orders")
    if req.stp == "DC":
        raise _bad("DC is not supported for market orders")


def _check_stop(spec: SymbolSpec, req: OrderRequest) -> None:
    if req.stop not in STOP_TYPES:
        raise _bad("stop must be loss or entry")
    if req.stop:
        if req.stop_price is None or req.stop_price <= 0:
            raise _bad("stopPrice is required for stop orders")
        _check_multiple(req.stop_price, spec.price_increment, "stopPrice")
    elif req.stop_price is not None:
        raise _bad("stopPrice requires stop")
