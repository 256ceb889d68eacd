import kucoin_connector

EXPECTED = {
    "KUCOIN_BASE_URL",
    "AmountTypeError",
    "AuthenticationError",
    "Balance",
    "BalanceUpdatedEvent",
    "ConfigurationError",
    "ConnectionLostError",
    "ConnectorError",
    "ConnectorEvent",
    "EventBus",
    "ExchangeError",
    "FeeEstimate",
    "ExchangeUnavailableError",
    "InFlightOrder",
    "InsufficientFundsError",
    "InvalidOrderError",
    "InvalidOrderTransitionError",
    "InvalidTimestampError",
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
    "ConnectorSpec",
    "KucoinConfig",
    "SecretsError",
    "available_connectors",
    "get_connector",
}


def test_public_names_are_exactly_the_documented_ones() -> None:
    assert set(kucoin_connector.__all__) == EXPECTED
    for name in kucoin_connector.__all__:
        assert hasattr(kucoin_connector, name), name


def test_every_error_is_a_connector_error() -> None:
    for name in kucoin_connector.__all__:
        obj = getattr(kucoin_connector, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, kucoin_connector.ConnectorError), name
