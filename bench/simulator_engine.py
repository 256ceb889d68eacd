"""In-process throughput of the simulator's matching engine.

Mix per run: ~50% resting limit orders (away from the touch), ~25% crossing limit orders
(IOC/GTC that take liquidity), ~25% cancels of resting orders; four users, a null
listener. Prints orders/s (median and min-max of 5 runs).

    python bench/simulator_engine.py [orders_per_run]
"""

from __future__ import annotations

import contextlib
import gc
import random
import statistics
import sys
import time
from decimal import Decimal

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.engine import MatchingEngine, NullListener
from kucoin_connector.simulator.engine.models import (
    EngineError,
    OrderRequest,
    SequentialIds,
    SymbolSpec,
)

SPEC = SymbolSpec(
    symbol="BTC-USDT",
    base_currency="BTC",
    quote_currency="USDT",
    base_min_size=Decimal("0.001"),
    quote_min_size=Decimal("1"),
    base_max_size=Decimal("1000"),
    quote_max_size=Decimal("10000000"),
    base_increment=Decimal("0.001"),
    quote_increment=Decimal("0.01"),
    price_increment=Decimal("0.1"),
    min_funds=Decimal("1"),
)
USERS = ("u1", "u2", "u3", "u4")


def build_flow(n: int, seed: int) -> list[tuple[str, str, OrderRequest | int]]:
    """("place", user, request) or ("cancel", user, index of an earlier placement)."""
    rng = random.Random(seed)
    flow: list[tuple[str, str, OrderRequest | int]] = []
    placed = 0
    for _ in range(n):
        user = rng.choice(USERS)
        roll = rng.random()
        if roll < 0.25 and placed:
            flow.append(("cancel", user, rng.randrange(placed)))
            continue
        side = rng.choice(("buy", "sell"))
        size = Decimal(rng.randint(2, 500)) / 1000
        if roll < 0.75:  # resting, away from the touch
            ticks = rng.randint(1, 200)
            price = Decimal(10000 - ticks if side == "buy" else 10000 + ticks) / 10
        else:  # crossing
            ticks = rng.randint(1, 100)
            price = Decimal(10000 + ticks if side == "buy" else 10000 - ticks) / 10
        tif = "IOC" if rng.random() < 0.5 and roll >= 0.75 else "GTC"
        req = OrderRequest("BTC-USDT", side, price=price, size=size, time_in_force=tif)
        flow.append(("place", user, req))
        placed += 1
    return flow


def run_once(flow: list[tuple[str, str, OrderRequest | int]]) -> float:
    ids = SequentialIds()
    accounts = Accounts(clock_ms=lambda: 0, id_factory=ids)
    for user in USERS:
        accounts.deposit(user, "USDT", Decimal("100000000000"), "trade")
        accounts.deposit(user, "BTC", Decimal("100000000"), "trade")
    engine = MatchingEngine(
        [SPEC], accounts, clock_ms=lambda: 0, listener=NullListener(), id_factory=ids
    )
    placed_ids: list[tuple[str, str]] = []
    start = time.perf_counter()
    for kind, user, item in flow:
        if kind == "place":
            assert isinstance(item, OrderRequest)
            placed_ids.append((user, engine.place_order(user, item).id))
        else:
            assert isinstance(item, int)
            owner, order_id = placed_ids[item]
            with contextlib.suppress(EngineError):  # already done
                engine.cancel_order(owner, order_id)
    elapsed = time.perf_counter() - start
    return len(flow) / elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    flow = build_flow(n, seed=7)
    rates = []
    for _ in range(5):
        gc.collect()
        rates.append(run_once(flow))
    print(
        f"simulator engine: {statistics.median(rates):,.0f} orders/s median "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {n} operations per run: "
        "~50% resting limits, ~25% crossing limits, ~25% cancels)"
    )


if __name__ == "__main__":
    main()
