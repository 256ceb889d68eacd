"""Paper trading over any connector's public data (``kucoin_paper_trade``, ...).

``PaperExchange`` has the live connector's surface and events; ``PaperMatcher`` is the
exchange-agnostic fill model (queue position, book walking, consumed liquidity).
"""

from .accounts import PaperAccounts
from .config import FeeSchedule, PaperTradeSettings, parse_balances
from .exchange import PaperExchange
from .fill_model import PaperMatcher
from .latency import LatencyModel
from .queue import CancelAdvance, QueueSettings

__all__ = [
    "CancelAdvance",
    "FeeSchedule",
    "LatencyModel",
    "PaperAccounts",
    "PaperExchange",
    "PaperMatcher",
    "PaperTradeSettings",
    "QueueSettings",
    "parse_balances",
]
