"""The simulator's Kraken spot front-end on the shared engine (its own port).

REST ``/0/public/*`` and signed ``/0/private/*`` with Kraken's ``{"error", "result"}``
envelope, and WebSocket v2 (``/v2``: book with CRC32 checksums, ticker, trade, executions,
balances). Written from Kraken's documentation only: it imports nothing from any connector.
"""

from .server import KrakenCredentials, KrakenSimulator

__all__ = ["KrakenCredentials", "KrakenSimulator"]
