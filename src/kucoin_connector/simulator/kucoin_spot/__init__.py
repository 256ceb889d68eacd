"""KuCoin spot protocol front-end of the simulator: REST routes, signatures, payload shapes,
WebSocket topics, KuCoin's error codes, on top of :mod:`..engine`."""

from .server import KucoinSimulator, SimCredentials

__all__ = ["KucoinSimulator", "SimCredentials"]
