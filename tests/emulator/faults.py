"""Injectable faults, latency and tunables for the emulator, plus its request counters.

A :class:`FaultConfig` is plain data (JSON round-trips through ``to_dict``/``from_dict``), so it can
be set from Python (``Emulator(faults=FaultConfig(...))``, ``emu.set_faults(...)``) or at runtime
with ``POST /_emulator/faults``. Random decisions use one ``random.Random(seed)``, so a given
request sequence always gets the same faults. Every ``*_every`` knob is deterministic: "every Nth
eligible request" (counted separately per fault kind), and every ``*_next`` knob is a budget: "the
next N eligible requests", decremented in the config as it is used.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class ForbiddenRule:
    """Answer 403 AuthorizationFailed for requests whose target id starts with ``scope``.

    ``action`` (optional) restricts the rule to one ARM action, e.g.
    ``Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write`` or
    ``Microsoft.Network/virtualNetworks/peer/action`` (checked on the *remote* VNet of a peering
    PUT); a trailing ``*`` matches any suffix. ``methods`` (optional) restricts it to HTTP methods.
    """

    scope: str
    action: str | None = None
    methods: list[str] | None = None

    def matches(self, target: str, action: str, method: str | None) -> bool:
        """True when this rule denies ``action`` on ``target``."""
        t = target.lower().rstrip("/")
        s = self.scope.lower().rstrip("/")
        if not (t == s or t.startswith(s + "/")):
            return False
        if self.methods and (method is None or method.upper() not in {m.upper() for m in self.methods}):
            return False
        if self.action:
            a = self.action.lower()
            if a.endswith("*"):
                return action.lower().startswith(a[:-1])
            return action.lower() == a
        return True


@dataclass
class FaultConfig:
    """Faults, latency and protocol tunables. Rates are probabilities in [0, 1]."""

    seed: int = 0
    latency_ms: float = 0.0  # added to every ARM request
    latency_jitter_ms: float = 0.0  # plus uniform(0, jitter)
    throttle_rate: float = 0.0  # 429 TooManyRequests with Retry-After
    throttle_every: int = 0
    throttle_next: int = 0  # throttle the next N eligible requests
    retry_after: int = 1  # seconds, for 429
    error_rate: float = 0.0  # 500 InternalServerError
    error_every: int = 0
    error_next: int = 0
    reset_rate: float = 0.0  # close the connection without a response
    reset_every: int = 0
    reset_next: int = 0
    lro_fail_rate: float = 0.0  # LRO ends Failed (resource provisioningState Failed)
    lro_fail_every: int = 0
    lro_fail_next: int = 0
    lro_fail_code: str = "InternalServerError"
    lro_polls: int = 1  # polls answered InProgress before the terminal status
    # Retry-After on LRO responses (seconds); None: no header, as most real responses carry none.
    lro_retry_after: int | None = None
    lro_max_seconds: float = 30.0  # an LRO nobody polls completes after this long
    page_size: int = 50  # list page size (nextLink when more)
    delete_async_operation: bool = (
        True  # network DELETE 202 also carries Azure-AsyncOperation (else Location only)
    )
    lro_base_url: str | None = None  # LRO status/result URLs on this base (a hostile or misconfigured ARM)
    methods: list[str] | None = None  # restrict 429/500/reset/latency to these methods
    path_contains: str | None = None  # ... and to paths containing this (case-insensitive)
    forbidden: list[ForbiddenRule] = field(default_factory=list)
    #: Azure Policy deny assignments (tests.emulator.policy.PolicyDeny): checkPolicyRestrictions
    #: reports them, and writes they match answer 403 RequestDisallowedByPolicy
    policy_deny: list[Any] = field(default_factory=list)
    graph_quota: int = 15  # Resource Graph queries per window (0: unlimited); then 429
    graph_window_s: float = 5.0  # ... and the window, in seconds

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
        """Build from a dict; keys not given keep the values of ``base`` (or the defaults)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        cur = asdict(base) if base is not None else asdict(cls())
        cur.update(data)
        rules = [
            r if isinstance(r, ForbiddenRule) else ForbiddenRule(**r) for r in cur.pop("forbidden") or []
        ]
        from .policy import PolicyDeny

        denies = [d if isinstance(d, PolicyDeny) else PolicyDeny(**d) for d in cur.pop("policy_deny") or []]
        return cls(**cur, forbidden=rules, policy_deny=denies)

    def applies_to(self, method: str, path: str) -> bool:
        """Whether the request-level faults (latency, 429, 500, reset) apply to this request."""
        if self.methods and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return not (self.path_contains and self.path_contains.lower() not in path.lower())


class FaultInjector:
    """Seeded fault decisions and counters. Thread-safe."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self._counts: dict[str, int] = {}
        self._budget = self._budgets(self.config)

    @staticmethod
    def _budgets(c: FaultConfig) -> dict[str, int]:
        return {
            "reset": c.reset_next,
            "throttle": c.throttle_next,
            "error": c.error_next,
            "lro_fail": c.lro_fail_next,
        }

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration and reseed."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._counts = {}

    def _decide(self, kind: str, rate: float, every: int) -> bool:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        budget = f"{kind}_next"
        if getattr(self.config, budget, 0) > 0:  # consumed in the config itself, so it is not re-armed
            setattr(self.config, budget, getattr(self.config, budget) - 1)
            return True
        if every > 0 and self._counts[kind] % every == 0:
            return True
        return rate > 0 and self._rng.random() < rate

    def request_fault(self, method: str, path: str) -> tuple[float, str | None]:
        """(latency seconds, fault kind or None) for one ARM request; kinds: reset, throttle, error."""
        with self._lock:
            c = self.config
            if not c.applies_to(method, path):
                return 0.0, None
            latency = c.latency_ms / 1000.0
            if c.latency_jitter_ms:
                latency += self._rng.uniform(0, c.latency_jitter_ms) / 1000.0
            for kind, rate, every in (
                ("reset", c.reset_rate, c.reset_every),
                ("throttle", c.throttle_rate, c.throttle_every),
                ("error", c.error_rate, c.error_every),
            ):
                if self._decide(kind, rate, every):
                    return latency, kind
            return latency, None

    def lro_should_fail(self) -> bool:
        """Whether a newly started LRO will end Failed."""
        with self._lock:
            return self._decide("lro_fail", self.config.lro_fail_rate, self.config.lro_fail_every)

    def forbidden(self, target: str, action: str, method: str | None) -> bool:
        """Whether a 403 rule denies the action on the target."""
        with self._lock:
            return any(r.matches(target, action, method) for r in self.config.forbidden)


#: The request kind of a Resource Graph query (a POST that reads).
GRAPH_KIND = "Microsoft.ResourceGraph/resources"


class Stats:
    """Request counters. ``writes`` counts PUT/PATCH/POST/DELETE to ARM paths (not control endpoints)."""

    WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero all counters."""
        with getattr(self, "_lock", threading.Lock()):
            self.requests = 0
            self.writes = 0
            self.writes_applied = 0
            self.by_method: dict[str, int] = {}
            self.by_kind: dict[str, int] = {}
            self.by_status: dict[str, int] = {}
            self.faults: dict[str, int] = {}
            self.lro_started = 0
            self.lro_polls = 0

    def count_request(self, method: str, kind: str, write: bool | None = None) -> None:
        """Count one ARM request (``write``: whether it may change state; default by its method)."""
        with self._lock:
            self.requests += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1
            key = f"{method} {kind}"
            self.by_kind[key] = self.by_kind.get(key, 0) + 1
            if (method in self.WRITE_METHODS if write is None else write) and kind != GRAPH_KIND:  # a Resource Graph query is a read
                self.writes += 1

    def count(self, attr: str, key: str | None = None) -> None:
        """Increment a scalar counter (``key`` None) or a keyed one in a dict attribute."""
        with self._lock:
            if key is None:
                setattr(self, attr, getattr(self, attr) + 1)
            else:
                d = getattr(self, attr)
                d[key] = d.get(key, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy."""
        with self._lock:
            return {
                "requests": self.requests,
                "writes": self.writes,
                "writes_applied": self.writes_applied,
                "by_method": dict(self.by_method),
                "by_kind": dict(self.by_kind),
                "by_status": dict(self.by_status),
                "faults": dict(self.faults),
                "lro_started": self.lro_started,
                "lro_polls": self.lro_polls,
            }
