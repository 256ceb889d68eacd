"""The official SDK's response models, the oracle for the shapes of the routes tested here
(its import-time deprecation warning is ignored in pyproject's pytest settings; validation
errors from ``from_dict`` still raise in the tests)."""

from __future__ import annotations

from kucoin_universal_sdk.generate.account.transfer import (
    FlexTransferResp,
    GetTransferQuotasResp,
)
from kucoin_universal_sdk.generate.spot.order import (
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
