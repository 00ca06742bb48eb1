"""The shared vocabulary: enums that more than one module speaks, defined once.

Every module that needs one of these imports it from here; nobody compares ``.value`` with a
string literal. Module-local enums (a reason code, an overlap scope) stay in their module.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A verdict. PASS: checked and fine. FAIL: checked and wrong. UNKNOWN: could not be judged
    (the message says why)."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


class Method(StrEnum):
    """How a consumer VNet reaches a provider: chosen by the planner (``auto``) or declared."""

    AUTO = "auto"
    PEERING = "peering"
    PRIVATE_LINK = "private-link"


class UseCase(StrEnum):
    """What a connection is for; decides which methods are allowed (direct database access needs
    peering)."""

    EXPOSE_APPS = "expose-apps"
    INTERNAL_SERVICE = "internal-service"
    DATABASE = "database"


class Action(StrEnum):
    """What a planned change does to its resource."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
