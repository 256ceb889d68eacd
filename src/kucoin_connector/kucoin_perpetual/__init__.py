"""KuCoin perpetual futures (connector id ``kucoin_perpetual``; KuCoin's futures sandbox is
discontinued: the local futures simulator is the testnet)."""

from .config import KUCOIN_FUTURES_BASE_URL, KucoinPerpetualConfig
from .exchange import KucoinPerpetualExchange
from .orders import MarginMode, PerpetualOrderOptions

__all__ = [
    "KUCOIN_FUTURES_BASE_URL",
    "KucoinPerpetualConfig",
    "KucoinPerpetualExchange",
    "MarginMode",
    "PerpetualOrderOptions",
]
