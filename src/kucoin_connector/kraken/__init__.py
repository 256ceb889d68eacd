"""Kraken spot (`kraken`): REST with API-Sign and per-key nonces, decaying rate counters,
WebSocket v2 book with CRC32 checksums, executions and balances."""
