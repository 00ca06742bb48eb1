"""ARM error bodies for the emulator: one exception type plus builders for the codes it returns.

Bodies follow the ARM error format that azure-mgmt-core's ``ARMErrorFormat`` parses::

    {"error": {"code": "...", "message": "...", "details": []}}

Message texts follow real observed ARM/Network RP messages where they are known (see
``tests/fixtures/azure-rest-examples/README.md``).
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An ARM error response: HTTP status, error code, message and optional extra headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details or []
        #: ARM's ``additionalInfo`` (e.g. a ``PolicyViolation`` naming the policy assignment)
        self.additional_info: list[dict[str, Any]] = []

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        body = error_body(self.code, self.message, self.details)
        if self.additional_info:
            body["error"]["additionalInfo"] = list(self.additional_info)
        return body


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ARM error body ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": list(details or [])}}


def _type_and_name(resource_id: str) -> tuple[str, str, str]:
    """(type path such as 'Microsoft.Network/virtualNetworks/vnet1', resource group, name) for messages."""
    parts = [p for p in resource_id.split("/") if p]
    rg = ""
    for i, p in enumerate(parts):
        if p.lower() == "resourcegroups" and i + 1 < len(parts):
            rg = parts[i + 1]
    if "providers" in [p.lower() for p in parts]:
        idx = [p.lower() for p in parts].index("providers")
        tail = parts[idx + 1 :]
        return "/".join(tail), rg, tail[-1] if tail else ""
    return resource_id, rg, parts[-1] if parts else ""


def resource_not_found(resource_id: str) -> ArmError:
    """404 ResourceNotFound as ARM returns it for a missing top-level resource."""
    type_path, rg, _ = _type_and_name(resource_id)
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_path}' under resource group '{rg}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def nested_not_found(resource_id: str) -> ArmError:
    """404 NotFound as the Network RP returns it for a missing nested resource (subnet, peering...)."""
    return ArmError(404, "NotFound", f"Resource {resource_id} not found.")


def parent_not_found(parent_id: str) -> ArmError:
    """404 ParentResourceNotFound for a child written under a missing parent."""
    type_path, _, _ = _type_and_name(parent_id)
    return ArmError(
        404,
        "ParentResourceNotFound",
        f"Can not perform requested operation on nested resource. Parent resource '{type_path}' not found.",
    )


def invalid_request_content(detail: str) -> ArmError:
    """400 InvalidRequestContent for a body that is not valid JSON or not an object."""
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{detail}'.",
    )


def authorization_failed(principal_id: str, action: str, scope: str) -> ArmError:
    """403 AuthorizationFailed naming the action and scope, as ARM does."""
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{principal_id}' with object id '{principal_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently "
        "granted, please refresh your credentials.",
    )


def another_operation_in_progress(status_url: str) -> ArmError:
    """409 AnotherOperationInProgress (Network RP wording)."""
    return ArmError(
        409,
        "AnotherOperationInProgress",
        "Another operation on this or dependent resource is in progress. To retrieve status of the "
        f"operation use uri: {status_url}.",
    )


def precondition_failed(resource_id: str) -> ArmError:
    """412 PreconditionFailed for an If-Match / If-None-Match mismatch."""
    return ArmError(
        412,
        "PreconditionFailed",
        f"The condition specified in the request header(s) was not met for resource '{resource_id}'.",
    )


def too_many_requests(retry_after: int) -> ArmError:
    """429 TooManyRequests with a Retry-After header."""
    return ArmError(
        429,
        "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type. "
        "For more information, see - https://aka.ms/srpthrottlinglimits",
        headers={"Retry-After": str(retry_after)},
    )


def internal_server_error() -> ArmError:
    """500 InternalServerError."""
    return ArmError(
        500,
        "InternalServerError",
        "An error has occurred in the emulated resource provider. Please retry the request.",
    )


def unauthenticated(missing: bool) -> ArmError:
    """401 for a missing or malformed Authorization header (ARM wording)."""
    if missing:
        return ArmError(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            headers={
                "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", '
                'error="invalid_token", error_description="The authentication failed because of missing '
                "'Authorization' header.\""
            },
        )
    return ArmError(
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
        headers={
            "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", '
            'error="invalid_token", error_description="The access token is invalid."'
        },
    )


def bad_request(code: str, message: str) -> ArmError:
    """A 400 with the given code."""
    return ArmError(400, code, message)


def conflict(code: str, message: str) -> ArmError:
    """A 409 with the given code."""
    return ArmError(409, code, message)
