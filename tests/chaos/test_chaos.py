"""Never lose an order, under any fault: a seeded bot trades classic and HF accounts
through a faulty proxy (REST and WebSocket) while the simulator injects its own faults;
once the faults stop, the connector must equal the simulator (orders, fills, balances,
book) within the reconciliation bound, with no unhandled error.

More seeds, bigger runs, by hand: ``.venv/bin/python bench/chaos.py --seeds 50``.
"""

from __future__ import annotations

import pytest

from .run import RunSettings, run_seed

CI_SEEDS = [1, 2]
CI_ORDERS = 90
CI_BURST = 24  # more open orders than the connector polls at once (max_orders_per_poll)
CI_LADDER = 25  # more fills on one order than a first page of HF fills (20)
CI_SETTLE_S = 16.0
CI_STEP_S = 0.07  # mean pause between bot steps: about 10 s of faults per run


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
@pytest.mark.parametrize("seed", CI_SEEDS)
async def test_chaos_never_loses_an_order(seed: int, account_type: str) -> None:
    result = await run_seed(
        RunSettings(
            seed=seed,
            account_type=account_type,
            orders=CI_ORDERS,
            burst=CI_BURST,
            ladder=CI_LADDER,
            settle_timeout_s=CI_SETTLE_S,
            step_s=CI_STEP_S,
        )
    )
    print(result.summary_line())
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
async def test_chaos_control_run_without_faults_is_equal(account_type: str) -> None:
    """The same workload without any fault: anything found here is the harness's fault
    (or a bug that needs no fault at all)."""
    result = await run_seed(
        RunSettings(
            seed=1,
            account_type=account_type,
            orders=60,
            burst=22,
            ladder=CI_LADDER,
            faults=False,
            step_s=0.02,
        )
    )
    print(result.summary_line())
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)
    assert sum(result.proxy_faults.values()) == 0 and not result.sim_faults
