"""``kucoin-connector connect``: verify exchange keys and keep them encrypted at rest.

    kucoin-connector connect                 list the connectors and the stored keys
    kucoin-connector connect kucoin          prompt, verify with a signed call, store
    kucoin-connector connect kucoin --remove forget the stored keys

Keys come from the environment (``KUCOIN_API_KEY``, ``KUCOIN_API_SECRET``,
``KUCOIN_API_PASSPHRASE``), else from the prompts on a terminal (every prompt hidden,
the API key too), else from three lines on standard input. The storage password comes from
``--password-env VAR``, else ``KUCOIN_CONNECTOR_PASSWORD``, else a hidden prompt.

Exit codes: 0 connected (or nothing to do), 1 the exchange refused the keys or could not be
reached, 2 wrong usage or configuration, 3 the key store failed (e.g. wrong password),
130 aborted at a prompt (Ctrl-C or end of input).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .core.errors import ConfigurationError, ConnectorError
from .core.urls import require_secure_url
from .registry import ConnectorSpec, config_to_plain, connector_ids, get_connector
from .secrets_store import DEFAULT_SCRYPT, ScryptParams, SecretsError, SecretsStore
from .secrets_store import default_config_dir as _default_dir

__all__ = ["PASSWORD_ENV", "Console", "add_connect_command", "run_connect"]

PASSWORD_ENV = "KUCOIN_CONNECTOR_PASSWORD"
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_STORE, EXIT_ABORTED = 0, 1, 2, 3, 130
_YES = frozenset({"y", "yes"})


@dataclass
class Console:
    """The command's terminal: injectable so tests can drive the prompts."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    environ: Mapping[str, str]
    interactive: bool
    ask: Callable[[str], str]
    ask_secret: Callable[[str], str]

    @classmethod
    def system(cls) -> Console:
        """The process's real terminal (stdin/stdout/stderr, hidden prompts with getpass)."""
        return cls(
            sys.stdin,
            sys.stdout,
            sys.stderr,
            os.environ,
            sys.stdin.isatty(),
            input,
            getpass.getpass,
        )

    def say(self, text: str) -> None:
        """Print a line to standard output."""
        print(text, file=self.stdout, flush=True)

    def warn(self, text: str) -> None:
        """Print a line to standard error."""
        print(text, file=self.stderr, flush=True)


def add_connect_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``connect`` sub-command and its options to the ``kucoin-connector`` parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "connect",
        help="verify exchange API keys and store them encrypted",
        description="Verify API keys with a signed call and store them encrypted "
        "(see docs/connecting.md).",
    )
    parser.add_argument("connector", nargs="?", help="connector id, e.g. kucoin")
    parser.add_argument("--list", action="store_true", help="list connectors and stored keys")
    parser.add_argument("--remove", action="store_true", help="delete the stored keys")
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="do not ask before replacing or removing stored keys",
    )
    parser.add_argument("--url", help="REST base URL (default: the exchange's production URL)")
    parser.add_argument(
        "--config-dir",
        type=Path,
        help="where keys are stored (default $KUCOIN_CONNECTOR_HOME/connectors "
        "or ~/.kucoin_connector/connectors)",
    )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help=f"read the storage password from $VAR (else ${PASSWORD_ENV}, else a prompt)",
    )
    parser.add_argument("--no-save", action="store_true", help="verify only, store nothing")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a non-secret config field, e.g. key_version=1, account_type=trade_hf",
    )
    parser.add_argument(
        "--no-clock-correction",
        action="store_true",
        help="fail instead of correcting for this computer's clock offset",
    )


async def run_connect(
    args: argparse.Namespace, console: Console, *, kdf: ScryptParams = DEFAULT_SCRYPT
) -> int:
    """Run ``connect`` with parsed ``args``; returns the exit code."""
    directory = args.config_dir or _default_dir(console.environ)
    store = SecretsStore(directory, kdf=kdf)
    try:
        if args.list or not args.connector:
            return _list(store, console)
        spec = get_connector(args.connector)
        if args.remove:
            return _remove(spec.connector_id, store, args, console)
        return await _connect(spec, store, args, console)
    except SecretsError as exc:
        console.warn(f"Error: {exc}")
        return EXIT_STORE
    except ConfigurationError as exc:
        console.warn(f"Error: {exc}")
        return EXIT_USAGE
    except (EOFError, KeyboardInterrupt):
        console.warn("\nAborted; nothing was changed.")
        return EXIT_ABORTED


def _list(store: SecretsStore, console: Console) -> int:
    stored = {s.connector_id: s for s in store.stored()}
    installed = set(connector_ids())
    console.say(f"{'Connector':<24}{'Keys stored':<14}Location")
    for connector_id in sorted(installed | set(stored)):
        entry = stored.get(connector_id)
        note = "" if connector_id in installed else "  (connector not installed)"
        where = str(entry.path) if entry else "-"
        console.say(f"{connector_id:<24}{'yes' if entry else 'no':<14}{where}{note}")
    return EXIT_OK


def _remove(
    connector_id: str, store: SecretsStore, args: argparse.Namespace, console: Console
) -> int:
    if not store.exists(connector_id):
        console.warn(f"No stored keys for {connector_id}.")
        return EXIT_REFUSED
    if not args.yes and not _confirm(console, f"Remove the stored {connector_id} keys?"):
        console.say("Nothing changed.")
        return EXIT_OK
    store.remove(connector_id)
    console.say(f"Removed the stored {connector_id} keys.")
    return EXIT_OK


def _confirm(console: Console, question: str) -> bool:
    if not console.interactive:
        raise ConfigurationError(f"{question} Not on a terminal: pass --yes to confirm")
    return console.ask(f"{question} (Yes/No) >>> ").strip().lower() in _YES


async def _connect(
    spec: ConnectorSpec[Any, Any], store: SecretsStore, args: argparse.Namespace, console: Console
) -> int:
    cid = spec.connector_id
    values = _settings(spec, args)
    save = not args.no_save and bool(spec.key_prompts)  # a paper connector has no keys
    replacing = save and store.exists(cid) and not args.yes
    if replacing and not _confirm(console, f"Would you like to replace your existing {cid} keys?"):
        console.say("Nothing changed.")
        return EXIT_OK
    password = _password(args, console, store, cid) if save else ""
    values.update(_collect_keys(spec, console))
    config = spec.make_config(values)
    try:
        check = await spec.verify(config, clock_correction=not args.no_clock_correction)
    except ConnectorError as exc:
        console.warn(f"Could not connect to {cid}: {spec.explain(exc)}")
        return EXIT_REFUSED
    for warning in check.warnings:
        console.warn(f"Warning: {warning}")
    path = store.save(cid, config_to_plain(config), password) if save else None
    console.say(f"You are now connected to {cid}.")
    if not spec.key_prompts:
        console.say("No keys are needed (public data only); nothing was stored.")
    if path is not None:
        console.say(f"Keys stored encrypted in {path}")
    return EXIT_OK


def _settings(spec: ConnectorSpec[Any, Any], args: argparse.Namespace) -> dict[str, Any]:
    secret_fields = {p.config_field for p in spec.key_prompts}
    values: dict[str, Any] = {}
    if args.url:
        values["base_url"] = require_secure_url(args.url, what="--url")
    for item in args.settings:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            raise ConfigurationError(f"--set expects FIELD=VALUE, got {name or item!r}")
        if name in secret_fields:
            raise ConfigurationError(
                f"--set cannot give {name}: secrets never go on the "
                "command line (use the prompt, stdin or environment)"
            )
        if name not in spec.config_model.model_fields:
            raise ConfigurationError(f"{spec.connector_id} has no config field {name!r}")
        values[name] = value.strip()
    return values


def _password(
    args: argparse.Namespace, console: Console, store: SecretsStore, connector_id: str
) -> str:
    if args.password_env:
        password = console.environ.get(args.password_env, "")
        if not password:
            raise SecretsError(f"the environment variable {args.password_env} is not set")
    elif console.environ.get(PASSWORD_ENV):
        password = console.environ[PASSWORD_ENV]
    elif console.interactive:
        password = console.ask_secret("Enter your password >>> ")
        if not store.stored() and console.ask_secret("Confirm your password >>> ") != password:
            raise SecretsError("the two passwords differ; nothing was stored")
    else:
        raise SecretsError(
            f"no password to encrypt the keys: set {PASSWORD_ENV}, "
            "pass --password-env VAR, or use --no-save"
        )
    store.check_password(password, prefer=connector_id)  # fail before asking for keys
    return password


def _collect_keys(spec: ConnectorSpec[Any, Any], console: Console) -> dict[str, str]:
    prompts = spec.key_prompts
    from_env = {p.config_field: console.environ.get(p.env_var, "").strip() for p in prompts}
    if any(from_env.values()):
        missing = [p.env_var for p in prompts if not from_env[p.config_field]]
        if missing:
            raise ConfigurationError(f"set all key variables; missing: {', '.join(missing)}")
        return from_env
    if console.interactive:
        # Every key prompt is hidden, the API key too (as Hummingbot does): a key on the
        # screen ends up in screenshots, screen shares and terminal scroll-back.
        return {
            p.config_field: console.ask_secret(p.prompt(spec.connector_id)).strip() for p in prompts
        }
    lines = [console.stdin.readline() for _ in prompts]
    if not all(line.strip() for line in lines):
        labels = ", ".join(p.label for p in prompts)
        raise ConfigurationError(f"expected {len(prompts)} lines on standard input ({labels})")
    return {p.config_field: line.strip() for p, line in zip(prompts, lines, strict=True)}
