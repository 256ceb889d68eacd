"""Perpetual paper accounting (the engine piece of ``kucoin_perpetual_paper_trade``).

Sans-I/O and exchange-agnostic: positions in one-way and hedge mode, leverage and isolated
margin, funding at the venue's funding times, mark-price PnL and liquidation. Not yet wired
to a live perpetual connector's public data (see docs/paper-trading.md).
"""

from .funding import FundingSchedule
from .ledger import FillResult, PerpetualLedger
from .positions import ContractTerms, PerpPosition

__all__ = ["ContractTerms", "FillResult", "FundingSchedule", "PerpPosition", "PerpetualLedger"]
