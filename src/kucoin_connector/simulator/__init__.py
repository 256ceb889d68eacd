"""The KuCoin-compatible local exchange ("the simulator").

Layers (bottom up):

- ``models``   plain dataclasses shared by everything: symbol specs, order requests, orders,
  fills, public trades, accounts, ledger entries, balance changes, ``EngineError``.
- ``accounts`` per-user balances by (currency, account type "main"|"trade"|"trade_hf"),
  holds, ledgers, inner transfers, deposits; reports every change to a listener.
- ``book``     one symbol's order book (price-time priority, visible level2 aggregation).
- ``engine``   ``MatchingEngine``: validation, matching, TIF, post-only, hidden/iceberg, STP,
  stop orders, fees and settlement; emits order/trade/level2 events through an
  ``EngineListener`` (``listener``). Pure and synchronous: no I/O, no asyncio, injectable
  clock and ids. Its internals: ``matching`` (order lifecycle), ``execution`` (sizing and
  settlement helpers), ``validation`` (request checks with KuCoin codes).
- the REST/WebSocket server, faults, market agents and CLI sit on top (other modules).
"""

from .server import KucoinSimulator, SimCredentials

__all__ = ["KucoinSimulator", "SimCredentials"]
