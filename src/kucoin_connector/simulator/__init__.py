"""The local exchange ("the simulator"): one engine, one protocol front-end per venue.

- ``engine/``       exchange-agnostic: matching, accounts and holds, fees, market activity,
  fault rules, clock. Pure and synchronous; no wire formats, URLs or error codes.
- ``kucoin_spot/``  the KuCoin spot front-end: REST routes, signature check, payload shapes,
  WebSocket topics and KuCoin's error codes, served by ``KucoinSimulator``.

docs/simulator.md says how to add a venue's front-end.
"""

from .kucoin_spot.server import KucoinSimulator, SimCredentials

__all__ = ["KucoinSimulator", "SimCredentials"]
