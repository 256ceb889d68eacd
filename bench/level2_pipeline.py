"""Level-2 pipeline: raw WebSocket text frames -> decode -> Level2Calibrator -> OrderBook.

    python bench/level2_pipeline.py [--runs 5] [--changes 1000000] [--passes 50] [--quick]

Inputs (bench/_l2data.py): (a) the recorded KuCoin stream (tests/data/recorded) fed
``--passes`` times from its snapshots, (b) a seeded synthetic stream of ``--changes`` changes.
Columns, all measured in this run on the same frames, runs interleaved:

* decode only (ujson / orjson / msgspec generic, and the library's typed L2 decode): the
  floor no pipeline can beat. ``L2FrameDecoder.decode_fast`` is the exact decode call of
  the pipeline's hot path (the 1c floor); ``L2FrameDecoder.decode_generic`` is the one
  fallback (generic decode + ``parse_l2update``, builds ``L2Update``);
* kucoin_connector: each frame through ``WsClient._on_frame`` exactly as the transport hands
  it over (since the transport seam ``_dispatch`` is only the generic path) (the data
  source's raw-frame hook: typed msgspec decode -> calibrator -> book);
* kucoin_connector, generic path: the same with the hook off (ujson dict -> adapter ->
  ``_on_message`` -> ``parse_l2update`` -> calibrator -> book), the path before the hook;
* Hummingbot: its ``OrderBook`` fed the way its KuCoin connector feeds it, in a
  subprocess with Hummingbot's interpreter (``$HUMMINGBOT_PYTHON``, else
  ``.bench-venvs/hummingbot/bin/python`` or ``/work/bench-envs/hummingbot/bin/python``;
  build one with ``bash bench/setup_hummingbot.sh``), in two columns: decoded with stdlib
  ``json.loads`` (aiohttp's ``msg.json()``, as its users run it) and with ``orjson.loads``
  (``msg.json(loads=orjson.loads)``, all else the same). One subprocess per run and
  decoder, their order alternating run by run. Skipped when absent.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ujson
from _common import REPO_DIR, Stats, machine, print_table, ratio
from _l2data import L2Input, recorded, synthetic

from kucoin_connector.core.events import EventBus
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.level2 import (
    L2FrameDecoder,
    Level2Calibrator,
    SyncState,
    parse_l2snapshot,
)
from kucoin_connector.kucoin.order_book_data_source import KucoinOrderBookDataSource
from kucoin_connector.kucoin.ws_adapter import KucoinWsAdapter

HB_RUNNER = Path(__file__).resolve().parent / "_hummingbot_l2.py"
OURS = "kucoin_connector pipeline (frame hook, msgspec typed)"
# Hummingbot's decoders, as _hummingbot_l2.py names them -> column names.
HB_COLUMNS = {
    "json": "Hummingbot OrderBook, stdlib json (msg.json(), as shipped)",
    "orjson": "Hummingbot OrderBook, orjson (msg.json(loads=orjson.loads))",
}

Runner = Callable[[L2Input], float]  # seconds for all passes
# The floor of target 1c: the very decode call the pipeline's hot path makes (msgspec typed
# structs, one C call, nothing built in Python).
TYPED_DECODE = "decode only: L2FrameDecoder.decode_fast (typed structs, = pipeline's decode)"


def hummingbot_python() -> str | None:
    candidates = [
        os.environ.get("HUMMINGBOT_PYTHON", ""),
        str(REPO_DIR / ".bench-venvs" / "hummingbot" / "bin" / "python"),
        "/work/bench-envs/hummingbot/bin/python",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


# ------------------------------------------------------------------ decode only
def _decode_runner(decode: Callable[[str], Any]) -> Runner:
    def run(data: L2Input) -> float:
        frames = data.frames
        elapsed = 0.0
        for _ in range(data.passes):
            start = time.perf_counter()
            for frame in frames:
                decode(frame)
            elapsed += time.perf_counter() - start
        return elapsed

    return run


def _decoders() -> dict[str, Runner]:
    out: dict[str, Runner] = {"decode only: ujson": _decode_runner(ujson.loads)}
    try:
        import orjson

        out["decode only: orjson"] = _decode_runner(orjson.loads)
    except ImportError:
        pass
    import msgspec

    out["decode only: msgspec (generic)"] = _decode_runner(msgspec.json.Decoder().decode)
    out[TYPED_DECODE] = _decode_runner(L2FrameDecoder().decode_fast)
    out["decode only: L2FrameDecoder.decode_generic (the fallback, builds L2Update)"] = (
        _decode_runner(L2FrameDecoder().decode_generic)
    )
    return out


# ------------------------------------------------------------------ library pipeline
def _source_and_client(data: L2Input, hook: bool) -> tuple[KucoinOrderBookDataSource, WsClient]:
    async def no_snapshot(symbol: str) -> Any:
        raise AssertionError("not used")

    source = KucoinOrderBookDataSource(
        fetch_snapshot=no_snapshot,
        ws_factory=lambda on_message, on_reconnected: None,  # type: ignore[arg-type,return-value]
        events=EventBus(),
        clock_ms=lambda: 0,
        symbol_to_pair=lambda symbol: symbol,
    )
    for symbol, snapshot in data.snapshots.items():
        calibrator = Level2Calibrator(symbol)
        calibrator.on_snapshot(parse_l2snapshot(snapshot))
        source._calibrators[symbol] = calibrator  # what add_symbol() does, minus the socket

    async def no_bullet() -> Any:
        raise AssertionError("not used")

    adapter = KucoinWsAdapter(no_bullet, private=False, connect_id_factory=lambda: "bench")
    client = WsClient(adapter, on_message=source._on_message, name="bench")
    if hook:
        client.frame_handler = source._on_frame  # what the data source does on connect
    return source, client


def _pipeline_runner(hook: bool, checks: dict[str, str]) -> Runner:
    def run(data: L2Input) -> float:
        frames = data.frames
        elapsed = 0.0
        for _ in range(data.passes):
            source, client = _source_and_client(data, hook)
            dispatch = client._on_frame  # the transport's entry point (hook, else _dispatch)
            start = time.perf_counter()
            for frame in frames:
                dispatch(frame)
            elapsed += time.perf_counter() - start
            checks[data.name] = _check(source)
        return elapsed

    return run


def _check(source: KucoinOrderBookDataSource) -> str:
    """Every book still LIVE, no parse error: the figure measured real work."""
    bad = [s for s in source.symbols if source.calibrator(s).state is not SyncState.LIVE]
    depth = max(source.order_book(s).bid_depth for s in source.symbols)
    if bad or source.parse_errors:
        return f"NOT LIVE: {bad}, parse errors {source.parse_errors}"
    return f"all {len(source.symbols)} books LIVE, max bid depth {depth}"


# ------------------------------------------------------------------ Hummingbot
def _write_input(data: L2Input, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"passes": data.passes, "snapshots": data.snapshots}) + "\n")
        for frame in data.frames:
            out.write(frame + "\n")


class _Hummingbot:
    """The Hummingbot columns: one subprocess per run and decoder, interleaved with ours."""

    def __init__(self, python: str, data: L2Input, tmp: Path) -> None:
        self.python, self.path = python, tmp / "frames.jsonl"
        _write_input(data, self.path)
        self.checks = {decoder: "-" for decoder in HB_COLUMNS}

    def run(self, decoder: str) -> float | None:
        proc = subprocess.run(
            [self.python, str(HB_RUNNER), str(self.path), "1", decoder],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if proc.returncode != 0:
            self.checks[decoder] = f"failed: {proc.stderr.strip().splitlines()[-1:]}"
            return None
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        self.checks[decoder] = str(result["check"])
        return float(result["seconds"][0])

    def check(self) -> str:
        """Both decoders must leave the very same books (same levels digest)."""
        json_check, orjson_check = (self.checks[d] for d in HB_COLUMNS)
        if json_check == orjson_check:
            return f"{json_check} (both decoders)"
        return f"stdlib json: {json_check}; orjson: {orjson_check} (DIFFER)"


# ------------------------------------------------------------------ main
def measure(data: L2Input, runs: int, hb_python: str | None) -> list[list[str]]:
    checks: dict[str, str] = {}
    runners: dict[str, Runner] = {
        **_decoders(),
        OURS: _pipeline_runner(True, checks),
        "kucoin_connector generic path (ujson dict, parse_l2update)": _pipeline_runner(
            False, checks
        ),
    }
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    hb_check = "skipped (no Hummingbot interpreter; bash bench/setup_hummingbot.sh)"
    with tempfile.TemporaryDirectory() as tmp:
        hummingbot = _Hummingbot(hb_python, data, Path(tmp)) if hb_python else None
        for run in range(runs):  # interleaved: noise hits every column alike
            for name, runner in runners.items():
                gc.collect()
                seconds[name].append(runner(data))
            if hummingbot is not None:
                decoders = list(HB_COLUMNS) if run % 2 == 0 else list(reversed(HB_COLUMNS))
                for decoder in decoders:
                    hb_seconds = hummingbot.run(decoder)
                    if hb_seconds is not None:
                        seconds.setdefault(HB_COLUMNS[decoder], []).append(hb_seconds)
        if hummingbot is not None:
            hb_check = hummingbot.check()
    msgs = {name: Stats.of([data.messages / s for s in values]) for name, values in seconds.items()}
    ours = msgs[OURS].median
    rows = []
    for name, stats in msgs.items():
        change_rate = Stats.of([data.total_changes / s for s in seconds[name]])
        rows.append([name, stats.fmt(), change_rate.fmt(), ratio(ours, stats.median)])
    print_table(
        f"{data.name}: {data.messages:,} messages, {data.total_changes:,} changes, "
        f"median [min .. max] of {runs} runs",
        ["column", "messages/s", "changes/s", "ours / column"],
        rows,
    )
    print(f"check: {checks.get(data.name, '-')}; Hummingbot: {hb_check}")
    typed = msgs[TYPED_DECODE].median
    generic = msgs["decode only: msgspec (generic)"].median
    per_run = {
        decoder: _per_run_ratio(seconds, HB_COLUMNS[decoder], OURS) for decoder in HB_COLUMNS
    }
    print(
        f"targets: ours / Hummingbot = {per_run['json']} per run with stdlib json, "
        f"{per_run['orjson']} per run with orjson (>= 3x); "
        f"pipeline cost / decode-only cost = {ratio(typed, ours)} vs the pipeline's own typed "
        "decode (decode_fast), "
        f"{ratio(generic, ours)} vs msgspec generic (<= 1.5x)"
    )
    hb_gain = _per_run_ratio(seconds, HB_COLUMNS["json"], HB_COLUMNS["orjson"])
    print(f"Hummingbot orjson / Hummingbot stdlib json = {hb_gain} per run")
    return rows


def _per_run_ratio(seconds: dict[str, list[float]], slow: str, fast: str) -> str:
    """Median [min .. max] over runs of slow seconds / fast seconds (a speed ratio)."""
    if slow not in seconds or fast not in seconds:
        return "n/a"
    pairs = zip(seconds[slow], seconds[fast], strict=False)
    return Stats.of([s / f for s, f in pairs]).fmt(".2f") + "x"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=1_000_000)
    parser.add_argument("--passes", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--no-hummingbot", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.changes, args.passes = 2, 2_000, 1
    print(machine())
    hb_python = None if args.no_hummingbot else hummingbot_python()
    measure(recorded(args.passes), args.runs, hb_python)
    measure(synthetic(args.changes), args.runs, hb_python)


if __name__ == "__main__":
    main()
