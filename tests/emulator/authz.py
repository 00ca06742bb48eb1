"""Microsoft.Authorization/permissions for the emulator: what the caller may do at a scope.

``GET {scope}/providers/Microsoft.Authorization/permissions`` answers the effective permissions
at ``scope`` the way ARM does (one entry with ``actions``/``notActions``), derived from the
injected 403 rules (:class:`~tests.emulator.faults.ForbiddenRule`): everything (``*``) is allowed
except the actions of the rules whose scope contains the asked scope (a rule without an action
denies ``*``). Rules on narrower scopes do not show, as in ARM, where a deny below the asked
scope is not part of its effective permissions.
"""

from __future__ import annotations

from .backend import ArmRequest, ArmResponse, Backend

MARKER = "/providers/microsoft.authorization/permissions"
#: Deny this action with a ForbiddenRule to make a scope's permissions unreadable (403).
READ_ACTION = "Microsoft.Authorization/permissions/read"


def is_permissions_path(path: str) -> bool:
    """Whether the request path is a permissions list."""
    return path.lower().rstrip("/").endswith(MARKER)


def permissions(be: Backend, req: ArmRequest) -> ArmResponse:
    """The effective permissions at the scope of ``req.path``."""
    scope = req.path[: len(req.path.rstrip("/")) - len(MARKER)].rstrip("/").lower()
    for rule in be.faults.config.forbidden:
        # Only a rule naming this very action hides the permissions (a "cannot tell" for clients).
        if (rule.action or "").lower() == READ_ACTION.lower() and rule.matches(scope, READ_ACTION, "GET"):
            be.check_authz(scope, READ_ACTION, "GET")
    not_actions: list[str] = []
    for rule in be.faults.config.forbidden:
        rs = rule.scope.lower().rstrip("/")
        if scope == rs or scope.startswith(rs + "/"):
            not_actions.append(rule.action or "*")
    entry = {"actions": ["*"], "notActions": sorted(set(not_actions)), "dataActions": [], "notDataActions": []}
    return ArmResponse(200, {"value": [entry]})
