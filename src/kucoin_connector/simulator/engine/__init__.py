"""The simulator's exchange-agnostic engine: what any venue's front-end trades on.

- ``models``     plain dataclasses: symbol specs, order requests, orders, fills, public
  trades, accounts, ledger entries, balance changes, and ``EngineError`` with a ``Reject``
  reason that each front-end words in its own protocol.
- ``accounts``   per-user balances by (currency, account type), holds, ledgers, transfers.
- ``book``       one symbol's order book (price-time priority, visible level aggregation).
- ``engine``     ``MatchingEngine``: validation, matching, TIF, post-only, hidden/iceberg, STP,
  stop orders, fees and settlement; emits order/trade/book events through an
  ``EngineListener`` (``listener``). Pure and synchronous: no I/O, no asyncio, injectable
  clock and ids. Internals: ``matching``, ``execution``, ``validation``.
- ``market``     seeded market activity (bot users quoting and crossing).
- ``faults``     fault injection rules (WS, HTTP, lost responses, clock skew).
- ``clock``, ``specs``  server time with skew; default symbol rules and prices.

Nothing here knows a wire format, a URL or an error code: that is a front-end's job.
"""
