"""Connector registry: the connectors a host framework can discover and build.

Connectors register through Python entry points in the group
``kucoin_connector.connectors``; each entry point is named by the connector id and
resolves to a zero-argument callable returning a :class:`ConnectorSpec` (or to the spec
itself)::

    [project.entry-points."kucoin_connector.connectors"]
    kucoin = "kucoin_connector.kucoin.connector:connector_spec"

A spec says everything a host needs: the exchange class, the pydantic config model (secrets
as ``SecretStr``), the keys to prompt for in order, how to verify keys, how to explain a
failure to a human, and a factory. ``spec.build(config, ...)`` returns a NOT started
connector (no I/O); ``await spec.create(config, ...)`` returns a STARTED one (the caller
owns it and must ``await connector.stop()``).

Entry points are read on every call (no module cache): installing a plugin is seen at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from .core.errors import ConfigurationError, ConnectorError

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConnectorSpec",
    "KeyCheck",
    "KeyPrompt",
    "available_connectors",
    "config_to_plain",
    "connector_ids",
    "get_connector",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kucoin_connector.connectors"
CONNECTOR_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class StartableConnector(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


ConfigT = TypeVar("ConfigT", bound=BaseModel)
ExchangeT = TypeVar("ExchangeT", bound=StartableConnector)


@dataclass(frozen=True, slots=True)
class KeyPrompt:
    """One credential to ask for: config field, label in the prompt, environment variable."""

    config_field: str
    label: str
    env_var: str
    secret: bool = True

    def prompt(self, connector_id: str) -> str:
        """The prompt shown by ``connect`` (Hummingbot's wording)."""
        return f"Enter your {connector_id} {self.label} >>> "


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What a successful key verification learned (never any secret)."""

    connector_id: str
    permissions: tuple[str, ...] | None  # None: the exchange did not say
    warnings: tuple[str, ...] = ()
    clock_offset_ms: int | None = None  # set when the local clock had to be corrected


@dataclass(frozen=True)
class ConnectorSpec(Generic[ConfigT, ExchangeT]):
    """Everything a host framework needs to offer, configure and build one connector."""

    connector_id: str
    description: str
    exchange_class: type[ExchangeT]
    config_model: type[ConfigT]
    key_prompts: tuple[KeyPrompt, ...]
    default_base_url: str
    builder: Callable[..., ExchangeT] = field(repr=False)
    verifier: Callable[..., Awaitable[KeyCheck]] = field(repr=False)
    explainer: Callable[[BaseException], str] = field(repr=False)

    def __post_init__(self) -> None:
        if not CONNECTOR_ID_RE.match(self.connector_id):
            raise ConfigurationError(f"bad connector id {self.connector_id!r}")
        fields = self.config_model.model_fields
        for prompt in self.key_prompts:
            if prompt.config_field not in fields:
                raise ConfigurationError(
                    f"{self.connector_id}: prompt field {prompt.config_field!r} not in the config"
                )

    def make_config(self, values: Mapping[str, Any]) -> ConfigT:
        """Validate ``values`` into the config model; errors name fields, never values."""
        try:
            return self.config_model.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)
            )
            raise ConfigurationError(f"{self.connector_id} config: {problems}") from None

    def build(
        self,
        config: ConfigT,
        *,
        trading_pairs: Sequence[str] = (),
        base_url: str | None = None,
        **kwargs: Any,
    ) -> ExchangeT:
        """A connector built from ``config``, NOT started (no I/O happens here)."""
        return self.builder(config, trading_pairs=trading_pairs, base_url=base_url, **kwargs)

    async def create(
        self,
        config: ConfigT,
        *,
        trading_pairs: Sequence[str] = (),
        base_url: str | None = None,
        **kwargs: Any,
    ) -> ExchangeT:
        """A STARTED connector; the caller must ``await connector.stop()`` when done."""
        connector = self.build(config, trading_pairs=trading_pairs, base_url=base_url, **kwargs)
        await connector.start()  # start() stops what it opened if it fails
        return connector

    async def verify(self, config: ConfigT, **options: Any) -> KeyCheck:
        """Check the keys with a signed call; raises the library's typed errors.

        ``options`` go to the connector's verifier (kucoin: ``clock_correction``, ``session``).
        """
        return await self.verifier(config, **options)

    def explain(self, exc: BaseException) -> str:
        """A human sentence for a verification failure (no secret in it)."""
        return self.explainer(exc)


def config_to_plain(config: BaseModel) -> dict[str, Any]:
    """The config as JSON-ready values with secrets revealed (only for the encrypted store)."""
    plain: dict[str, Any] = {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        plain[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return plain


def _group_entry_points(given: Iterable[EntryPoint] | None) -> dict[str, EntryPoint]:
    found = list(entry_points(group=ENTRY_POINT_GROUP)) if given is None else list(given)
    by_name: dict[str, EntryPoint] = {}
    for ep in found:
        known = by_name.get(ep.name)
        if known is not None and known.value != ep.value:
            raise ConfigurationError(
                f"connector id {ep.name!r} is registered twice: {known.value} and {ep.value}"
            )
        by_name[ep.name] = ep
    return by_name


def connector_ids(*, eps: Iterable[EntryPoint] | None = None) -> list[str]:
    """The registered connector ids, sorted, without importing any connector."""
    return sorted(_group_entry_points(eps))


def _load(ep: EntryPoint) -> ConnectorSpec[Any, Any]:
    try:
        target = ep.load()
        spec = target if isinstance(target, ConnectorSpec) else target()
    except ConnectorError:
        raise
    except Exception as exc:
        raise ConfigurationError(
            f"connector {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(spec, ConnectorSpec):
        raise ConfigurationError(f"connector {ep.name!r} ({ep.value}) is not a ConnectorSpec")
    if spec.connector_id != ep.name:
        raise ConfigurationError(
            f"entry point {ep.name!r} gives a spec with id {spec.connector_id!r}"
        )
    return spec


def available_connectors(
    *, eps: Iterable[EntryPoint] | None = None
) -> dict[str, ConnectorSpec[Any, Any]]:
    """Every registered connector, by id (sorted). A broken plugin raises ConfigurationError."""
    return {name: _load(ep) for name, ep in sorted(_group_entry_points(eps).items())}


def get_connector(
    connector_id: str, *, eps: Iterable[EntryPoint] | None = None
) -> ConnectorSpec[Any, Any]:
    """The spec of one connector (only that one is imported)."""
    by_name = _group_entry_points(eps)
    ep = by_name.get(connector_id)
    if ep is None:
        known = ", ".join(sorted(by_name)) or "none"
        raise ConfigurationError(f"unknown connector {connector_id!r} (available: {known})")
    return _load(ep)
