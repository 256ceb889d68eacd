"""`kucoin-connector connect`: prompts, sources of keys, verification against the simulator
(success and every failure reason), and the encrypted store (list, replace, remove)."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kucoin_connector.cli import build_parser
from kucoin_connector.connect import Console, run_connect
from kucoin_connector.secrets_store import ScryptParams, SecretsStore
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

FAST = ScryptParams(n=2**4, r=1, p=1)
PASSWORD = "correct horse"
KEY_PROMPTS = [
    ("Enter your kucoin API key >>> ", True),
    ("Enter your kucoin secret key >>> ", True),
    ("Enter your kucoin passphrase >>> ", True),
]


@dataclass
class FakeTerminal:
    """Answers prompts in order and records (prompt, hidden) pairs."""

    answers: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    interactive: bool = True
    stdin_text: str = ""
    eof_when_done: bool = False  # behave like Ctrl-D once the answers run out
    prompts: list[tuple[str, bool]] = field(default_factory=list)
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)

    def _answer(self, prompt: str, hidden: bool) -> str:
        self.prompts.append((prompt, hidden))
        if not self.answers:
            if self.eof_when_done:
                raise EOFError
            raise AssertionError(f"unexpected prompt {prompt!r}")
        return self.answers.pop(0)

    def console(self) -> Console:
        return Console(
            io.StringIO(self.stdin_text),
            self.out,
            self.err,
            self.env,
            self.interactive,
            lambda p: self._answer(p, False),
            lambda p: self._answer(p, True),
        )

    @property
    def output(self) -> str:
        return self.out.getvalue() + self.err.getvalue()


@dataclass
class Env:
    sim: KucoinSimulator
    config_dir: Path

    @property
    def store(self) -> SecretsStore:
        return SecretsStore(self.config_dir, kdf=FAST)

    @property
    def file(self) -> Path:
        return self.config_dir / "kucoin.json"

    def key_values(self) -> list[str]:
        creds = self.sim.credentials
        return [creds.api_key, creds.api_secret, creds.passphrase]

    async def run(
        self, term: FakeTerminal, *argv: str, connector: str | None = "kucoin", url: bool = True
    ) -> int:
        args = [
            "connect",
            *([connector] if connector else []),
            *argv,
            "--config-dir",
            str(self.config_dir),
        ]
        if url:
            args += ["--url", self.sim.rest_url]
        code = await run_connect(build_parser().parse_args(args), term.console(), kdf=FAST)
        for secret in self.secrets():
            assert secret not in term.output, "a secret reached the terminal"
        return code

    def secrets(self) -> list[str]:
        api_keys = self.sim.state.keys.keys()  # the simulator's KeyStore, not a dict
        return [k.secret for k in api_keys] + [k.passphrase for k in api_keys]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with KucoinSimulator(pairs=["BTC-USDT"], activity=False) as sim:
        yield Env(sim, tmp_path / "connectors")


def piped(keys: list[str], **env: str) -> FakeTerminal:
    return FakeTerminal(
        interactive=False,
        stdin_text="".join(k + "\n" for k in keys),
        env={"KUCOIN_CONNECTOR_PASSWORD": PASSWORD, **env},
    )


# ------------------------------------------------------------------ prompts and sources
async def test_interactive_prompts_exact_text_and_hidden_input(env: Env) -> None:
    term = FakeTerminal(answers=[PASSWORD, PASSWORD, *env.key_values()])
    assert await env.run(term) == 0
    assert term.prompts == [
        ("Enter your password >>> ", True),
        ("Confirm your password >>> ", True),
        *KEY_PROMPTS,
    ]
    assert "You are now connected to kucoin." in term.out.getvalue()
    stored = env.store.load("kucoin", PASSWORD)
    assert [stored["api_key"], stored["api_secret"], stored["passphrase"]] == env.key_values()
    assert stored["base_url"] == env.sim.rest_url
    assert stat.S_IMODE(env.file.stat().st_mode) == 0o600


async def test_end_of_input_at_a_prompt_aborts(env: Env) -> None:
    term = FakeTerminal(answers=[PASSWORD, PASSWORD], eof_when_done=True)  # EOF at the key
    assert await env.run(term) == 130
    assert "Aborted" in term.err.getvalue()
    assert not env.file.exists()


async def test_password_confirmation_mismatch_stores_nothing(env: Env) -> None:
    term = FakeTerminal(answers=[PASSWORD, "typo"])
    assert await env.run(term) == 3
    assert "differ" in term.err.getvalue()
    assert not env.file.exists()


async def test_stdin_pipe_three_lines(env: Env) -> None:
    term = piped(env.key_values())
    assert await env.run(term) == 0
    assert term.prompts == []
    assert "Enter your" not in term.output
    assert term.out.getvalue().startswith("You are now connected to kucoin.")
    assert env.store.load("kucoin", PASSWORD)["api_key"] == env.sim.credentials.api_key


async def test_stdin_pipe_too_short(env: Env) -> None:
    term = piped(env.key_values()[:2])
    assert await env.run(term) == 2
    assert "expected 3 lines" in term.err.getvalue()


async def test_keys_from_environment_without_prompts(env: Env) -> None:
    key, secret, passphrase = env.key_values()
    term = FakeTerminal(
        env={
            "KUCOIN_API_KEY": key,
            "KUCOIN_API_SECRET": secret,
            "KUCOIN_API_PASSPHRASE": passphrase,
            "MY_PW": PASSWORD,
        }
    )
    assert await env.run(term, "--password-env", "MY_PW") == 0
    assert term.prompts == []
    assert env.store.load("kucoin", PASSWORD)["passphrase"] == passphrase


async def test_partial_environment_is_an_error(env: Env) -> None:
    term = piped([], KUCOIN_API_KEY="only-the-key")
    assert await env.run(term) == 2
    assert "KUCOIN_API_SECRET" in term.err.getvalue()
    assert "KUCOIN_API_PASSPHRASE" in term.err.getvalue()


async def test_no_password_source_when_not_interactive(env: Env) -> None:
    term = FakeTerminal(interactive=False, stdin_text="a\nb\nc\n")
    assert await env.run(term) == 3
    assert "KUCOIN_CONNECTOR_PASSWORD" in term.err.getvalue()
    assert not env.file.exists()


async def test_password_env_variable_unset(env: Env) -> None:
    term = piped(env.key_values())
    assert await env.run(term, "--password-env", "NOT_SET_ANYWHERE") == 3
    assert "NOT_SET_ANYWHERE" in term.err.getvalue()


async def test_no_save_only_verifies(env: Env) -> None:
    term = FakeTerminal(interactive=False, stdin_text="\n".join(env.key_values()) + "\n")
    assert await env.run(term, "--no-save") == 0
    assert "You are now connected to kucoin." in term.out.getvalue()
    assert not env.config_dir.exists()


# ------------------------------------------------------------------ verification results
async def test_permission_warnings(env: Env) -> None:
    term = piped(env.key_values())  # the simulator's default key has General, Trade, Transfer
    assert await env.run(term, "--no-save") == 0
    assert "Transfer permission" in term.err.getvalue()
    env.sim.add_api_key("k-trade", "s-trade", "p-trade", permissions={"General", "Trade"})
    term = piped(["k-trade", "s-trade", "p-trade"])
    assert await env.run(term, "--no-save") == 0
    assert "permission" not in term.err.getvalue()
    env.sim.add_api_key("k-w", "s-w", "p-w", permissions={"General", "Withdraw"})
    term = piped(["k-w", "s-w", "p-w"])
    assert await env.run(term, "--no-save") == 0
    assert "Withdraw permission" in term.err.getvalue()
    assert "no Trade permission" in term.err.getvalue()


FAILURES = {  # case -> (index of the bad key, bad value, sentence, code, key version)
    "wrong passphrase": (2, "wrong-passphrase", "passphrase is wrong", "400004", 2),
    # v2/v3 sign the passphrase with the secret: a wrong secret fails the passphrase check
    "wrong secret v2": (1, "wrong-secret", "passphrase is wrong", "400004", 2),
    "wrong secret v1": (1, "wrong-secret", "secret key is wrong", "400005", 1),
    "unknown key": (0, "no-such-key", "does not know this API key", "400003", 2),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
async def test_rejected_keys_give_the_reason(env: Env, case: str) -> None:
    index, bad_value, sentence, code, version = FAILURES[case]
    env.sim.add_api_key("k-case", "s-case", "p-case", key_version=version)
    keys = ["k-case", "s-case", "p-case"]
    keys[index] = bad_value
    term = piped(keys)
    assert await env.run(term, "--set", f"key_version={version}") == 1
    err = term.err.getvalue()
    assert err.startswith("Could not connect to kucoin: ")
    assert sentence in err and f"KuCoin code {code}" in err
    assert "You are now connected" not in term.out.getvalue()
    assert not env.file.exists()


async def test_ip_not_whitelisted(env: Env) -> None:
    env.sim.add_api_key("k-ip", "s-ip", "p-ip", ip_whitelist=["10.0.0.1"])
    term = piped(["k-ip", "s-ip", "p-ip"])
    assert await env.run(term) == 1
    assert "not in the key's IP whitelist" in term.err.getvalue()
    assert "400006" in term.err.getvalue()


async def test_missing_general_permission(env: Env) -> None:
    env.sim.add_api_key("k-np", "s-np", "p-np", permissions={"Trade"})
    term = piped(["k-np", "s-np", "p-np"])
    assert await env.run(term) == 1
    assert "lacks a permission" in term.err.getvalue() and "400007" in term.err.getvalue()


async def test_clock_skew_fails_without_correction(env: Env) -> None:
    env.sim.faults.skew_clock(60_000)
    term = piped(env.key_values())
    assert await env.run(term, "--no-clock-correction") == 1
    assert "clock differs from KuCoin's" in term.err.getvalue()
    assert "400002" in term.err.getvalue()
    assert not env.file.exists()


async def test_clock_skew_is_corrected_with_a_warning(env: Env) -> None:
    env.sim.faults.skew_clock(60_000)
    term = piped(env.key_values())
    assert await env.run(term) == 0
    assert "+60" in term.err.getvalue() and "clock" in term.err.getvalue()


async def test_unreachable_exchange(env: Env, tmp_path: Path) -> None:
    term = piped(env.key_values())
    code = await run_connect(
        build_parser().parse_args(
            ["connect", "kucoin", "--url", "http://127.0.0.1:9", "--config-dir", str(tmp_path)]
        ),
        term.console(),
        kdf=FAST,
    )
    assert code == 1
    assert "could not reach the exchange" in term.err.getvalue()


# ------------------------------------------------------------------ store management
async def test_list_replace_remove(env: Env) -> None:
    term = FakeTerminal()
    assert await env.run(term, "--list", connector=None, url=False) == 0
    assert "kucoin" in term.out.getvalue() and "no" in term.out.getvalue()
    assert await env.run(piped(env.key_values())) == 0
    term = FakeTerminal()
    assert await env.run(term, connector=None, url=False) == 0  # bare `connect` lists too
    line = next(x for x in term.out.getvalue().splitlines() if x.startswith("kucoin"))
    assert "yes" in line and str(env.file) in line

    env.sim.add_api_key("k2", "s2", "p2")
    before = env.file.read_bytes()
    term = FakeTerminal(answers=["no"], env={"KUCOIN_CONNECTOR_PASSWORD": PASSWORD})
    assert await env.run(term) == 0
    assert term.prompts == [
        ("Would you like to replace your existing kucoin keys? (Yes/No) >>> ", False)
    ]
    assert env.file.read_bytes() == before
    term = FakeTerminal(
        answers=["yes", "k2", "s2", "p2"], env={"KUCOIN_CONNECTOR_PASSWORD": PASSWORD}
    )
    assert await env.run(term) == 0
    assert env.store.load("kucoin", PASSWORD)["api_key"] == "k2"

    term = FakeTerminal(answers=["yes"])
    assert await env.run(term, "--remove", url=False) == 0
    assert term.prompts == [("Remove the stored kucoin keys? (Yes/No) >>> ", False)]
    assert not env.file.exists()
    term = FakeTerminal()
    assert await env.run(term, "--remove", url=False) == 1
    assert "No stored keys" in term.err.getvalue()


async def test_replace_when_not_interactive_needs_yes(env: Env) -> None:
    assert await env.run(piped(env.key_values())) == 0
    before = env.file.read_bytes()
    env.sim.add_api_key("k2", "s2", "p2")
    term = piped(["k2", "s2", "p2"])
    assert await env.run(term) == 2
    assert "--yes" in term.err.getvalue()
    assert env.file.read_bytes() == before
    assert await env.run(piped(["k2", "s2", "p2"]), "--yes") == 0
    assert env.store.load("kucoin", PASSWORD)["api_key"] == "k2"
    term = FakeTerminal(interactive=False)
    assert await env.run(term, "--remove", url=False) == 2
    assert env.file.exists()
    assert await env.run(FakeTerminal(interactive=False), "--remove", "--yes", url=False) == 0
    assert not env.file.exists()


async def test_wrong_password_overwrites_nothing(env: Env) -> None:
    assert await env.run(piped(env.key_values())) == 0
    before = env.file.read_bytes()
    term = FakeTerminal(answers=["wrong password"])  # keys are never asked for
    assert await env.run(term, "--yes") == 3
    assert "wrong password" in term.err.getvalue()
    assert term.prompts == [("Enter your password >>> ", True)]
    assert env.file.read_bytes() == before
    term = piped(env.key_values(), KUCOIN_CONNECTOR_PASSWORD="nope")
    assert await env.run(term, "--yes") == 3
    assert env.file.read_bytes() == before


async def test_failed_verification_keeps_the_stored_keys(env: Env) -> None:
    assert await env.run(piped(env.key_values())) == 0
    before = env.file.read_bytes()
    keys = env.key_values()
    keys[2] = "wrong-passphrase"
    assert await env.run(piped(keys), "--yes") == 1
    assert env.file.read_bytes() == before


# ------------------------------------------------------------------ options and errors
async def test_key_version_setting(env: Env) -> None:
    env.sim.add_api_key("k-v1", "s-v1", "p-v1", key_version=1)
    term = piped(["k-v1", "s-v1", "p-v1"])
    assert await env.run(term, "--set", "key_version=1") == 0
    assert env.store.load("kucoin", PASSWORD)["key_version"] == 1
    term = piped(["k-v1", "s-v1", "p-v1"])
    assert await env.run(term, "--no-save") == 1  # as v2 the passphrase is wrong
    assert "400004" in term.err.getvalue()


@pytest.mark.parametrize(
    ("connector", "argv", "message"),
    [
        ("kucoin", ["--set", "api_secret=oops"], "never go on the command line"),
        ("kucoin", ["--set", "nonsense=1"], "no config field"),
        ("kucoin", ["--set", "key_version=9"], "key_version"),
        ("kraken_unknown", [], "unknown connector"),
    ],
)
async def test_usage_errors(env: Env, connector: str, argv: list[str], message: str) -> None:
    term = piped(env.key_values())
    assert await env.run(term, *argv, "--no-save", connector=connector) == 2
    assert message in term.err.getvalue()
    assert "oops" not in term.err.getvalue()


async def test_plain_http_refused_for_remote_hosts(env: Env, tmp_path: Path) -> None:
    term = piped(env.key_values())
    code = await run_connect(
        build_parser().parse_args(
            ["connect", "kucoin", "--url", "http://api.example.com", "--config-dir", str(tmp_path)]
        ),
        term.console(),
        kdf=FAST,
    )
    assert code == 2
    assert "https://" in term.err.getvalue()


def test_config_dir_defaults_to_home_env(tmp_path: Path) -> None:
    term = FakeTerminal(env={"KUCOIN_CONNECTOR_HOME": str(tmp_path)})
    args = build_parser().parse_args(["connect", "--list"])
    assert asyncio.run(run_connect(args, term.console(), kdf=FAST)) == 0
    store = SecretsStore(tmp_path / "connectors", kdf=FAST)
    store.save("kucoin", {"api_key": "x"}, PASSWORD)
    term = FakeTerminal(env={"KUCOIN_CONNECTOR_HOME": str(tmp_path)})
    assert asyncio.run(run_connect(args, term.console(), kdf=FAST)) == 0
    assert str(tmp_path / "connectors" / "kucoin.json") in term.out.getvalue()


def test_other_commands_still_parse() -> None:
    parser = build_parser()
    assert parser.parse_args(["demo", "--seconds", "1"]).command == "demo"
    assert parser.parse_args(["simulator", "--port", "0"]).command == "simulator"
    assert parser.parse_args(["connect", "kucoin", "--remove"]).remove


async def test_real_command_with_a_stdin_pipe(env: Env) -> None:
    """The installed CLI end to end: a subprocess, keys piped in, password from env."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("KUCOIN_")}
    process_env: Mapping[str, str] = {
        **inherited,
        "KUCOIN_CONNECTOR_PASSWORD": PASSWORD,
        "KUCOIN_CONNECTOR_HOME": str(env.config_dir.parent),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kucoin_connector.cli",
        "connect",
        "kucoin",
        "--url",
        env.sim.rest_url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(process_env),
    )
    out, err = await proc.communicate("".join(k + "\n" for k in env.key_values()).encode())
    assert proc.returncode == 0, err.decode()
    assert b"You are now connected to kucoin." in out
    for secret in env.secrets():
        assert secret.encode() not in out + err
    assert stat.S_IMODE(env.file.stat().st_mode) == 0o600
    assert SecretsStore(env.config_dir).load("kucoin", PASSWORD)["api_key"] == "sim-api-key"
