"""KuCoin Futures protocol front-end of the simulator: contracts, lot-sized orders,
positions, position and margin modes, funding, and the futures WebSocket topics, on the
shared engine with a margin settlement. Its own base URL: many futures paths collide with
spot's."""

from .server import KucoinFuturesSimulator

__all__ = ["KucoinFuturesSimulator"]
