"""kucoin_connector: an async, Hummingbot-style KuCoin connector and a local KuCoin simulator.

The public names are listed in ``__all__`` (a test guards the list). Everything else is an
implementation detail that may change.
"""

from .core.errors import (
    AmountTypeError,
    AuthenticationError,
    ConfigurationError,
    ConnectionLostError,
    ConnectorError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientFundsError,
    InvalidOrderError,
    InvalidOrderTransitionError,
    InvalidTimestampError,
    OrderNotFoundError,
    OrderValidationError,
    ParseError,
    RateLimitError,
    RequestTimeoutError,
    SecretsError,
    TransportError,
    UnknownTradingPairError,
)
from .core.events import (
    BalanceUpdatedEvent,
    ConnectorEvent,
    EventBus,
    OrderBookResyncedEvent,
    OrderCancelFailedEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)
from .core.exchange import ReconcileSettings
from .core.hummingbot_compat import FeeEstimate
from .core.in_flight_order import InFlightOrder, OrderUpdate, TradeFee, TradeUpdate
from .core.order_book import OrderBook
from .core.types import (
    Balance,
    OrderOptions,
    OrderState,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    SelfTradePrevention,
    StopType,
    TimeInForce,
    TradeType,
    TradingRule,
)
from .kucoin.config import KUCOIN_BASE_URL, KucoinConfig
from .kucoin.exchange import KucoinExchange
from .kucoin.level2 import Level2Calibrator, SyncState
from .registry import ConnectorSpec, available_connectors, get_connector

__version__ = "0.1.0"

__all__ = [
    "KUCOIN_BASE_URL",
    "AmountTypeError",
    "AuthenticationError",
    "Balance",
    "BalanceUpdatedEvent",
    "ConfigurationError",
    "ConnectionLostError",
    "ConnectorError",
    "ConnectorEvent",
    "ConnectorSpec",
    "EventBus",
    "ExchangeError",
    "ExchangeUnavailableError",
    "FeeEstimate",
    "InFlightOrder",
    "InsufficientFundsError",
    "InvalidOrderError",
    "InvalidOrderTransitionError",
    "InvalidTimestampError",
    "KucoinConfig",
    "KucoinExchange",
    "Level2Calibrator",
    "OrderBook",
    "OrderBookResyncedEvent",
    "OrderCancelFailedEvent",
    "OrderCancelledEvent",
    "OrderCompletedEvent",
    "OrderCreatedEvent",
    "OrderFailedEvent",
    "OrderFilledEvent",
    "OrderLostEvent",
    "OrderNotFoundError",
    "OrderOptions",
    "OrderState",
    "OrderType",
    "OrderUpdate",
    "OrderValidationError",
    "ParseError",
    "PositionAction",
    "PositionMode",
    "PositionSide",
    "RateLimitError",
    "ReconcileSettings",
    "RequestTimeoutError",
    "SecretsError",
    "SelfTradePrevention",
    "StopType",
    "SyncState",
    "TimeInForce",
    "TradeFee",
    "TradeType",
    "TradeUpdate",
    "TradingRule",
    "TransportError",
    "UnknownTradingPairError",
    "__version__",
    "available_connectors",
    "get_connector",
]
