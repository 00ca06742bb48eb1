"""Why an apply stopped: each is one line for the user (exit 2) naming the change it concerns."""

from __future__ import annotations

from netplan.errors import VnetplanError


class ApplyError(VnetplanError):
    """A change could not be applied (exit 2). ``change_id`` names it."""

    def __init__(self, message: str, change_id: str = "") -> None:
        self.change_id = change_id
        super().__init__(message)


class StalePlan(ApplyError):
    """The live state changed since the plan was made."""


class UnsafeDelete(ApplyError):
    """A delete of something vnetplan does not own."""


class PermissionDenied(ApplyError):
    """Azure answered 403: names the missing action and its scope."""


class PolicyDenied(ApplyError):
    """Azure Policy denies a planned resource (before the run, or RequestDisallowedByPolicy during it)."""
