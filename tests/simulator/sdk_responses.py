"""The official SDK's response models, the oracle for the shapes of the routes tested here.

The SDK's generated *request* models pass an extra keyword to pydantic's ``Field``, which
pydantic 2 warns about when the package is imported; only that import-time deprecation is
silenced here (validation errors from ``from_dict`` still raise in the tests)."""

from __future__ import annotations

import warnings

from pydantic.warnings import PydanticDeprecatedSince20

with warnings.catch_warnings():
    warnings.simplefilter("ignore", PydanticDeprecatedSince20)
    from kucoin_universal_sdk.generate.account.transfer import (  # type: ignore[import-untyped]
        FlexTransferResp,
        GetTransferQuotasResp,
    )
    from kucoin_universal_sdk.generate.spot.order import (  # type: ignore[import-untyped]
        AddOcoOrderResp,
        BatchCancelOcoOrdersResp,
        CancelOcoOrderByClientOidResp,
        CancelOcoOrderByOrderIdResp,
        GetDcpResp,
        GetOcoOrderByClientOidResp,
        GetOcoOrderByOrderIdResp,
        GetOcoOrderDetailByOrderIdResp,
        GetOcoOrderListResp,
        SetDcpResp,
    )

__all__ = [
    "AddOcoOrderResp",
    "BatchCancelOcoOrdersResp",
    "CancelOcoOrderByClientOidResp",
    "CancelOcoOrderByOrderIdResp",
    "FlexTransferResp",
    "GetDcpResp",
    "GetOcoOrderByClientOidResp",
    "GetOcoOrderByOrderIdResp",
    "GetOcoOrderDetailByOrderIdResp",
    "GetOcoOrderListResp",
    "GetTransferQuotasResp",
    "SetDcpResp",
]
