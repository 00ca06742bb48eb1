"""The apply executor: carry out a plan's changes in Azure through the real SDK, safely.

:func:`apply_plan` runs each change of a :class:`netplan.changeset.ChangeSet` through the Azure SDK
(:mod:`netplan.live.arm`: the kind table's operations, long-running operations followed through
the SDK's pollers), in dependency order, independent changes in parallel (bounded). Before the
first write the whole plan is checked against the live estate (:func:`find_stale`), the
permissions it needs (:mod:`netplan.live.preflight`) and Azure Policy (:mod:`netplan.live.policy`).
Before each write it re-reads the target (and the resources the change's preconditions name) and
decides from the live state (:func:`netplan.live.decide.decide`):

* already exactly as planned -> nothing is sent (``already``); this is what makes a re-run after a
  crash, or a second apply, a no-op;
* changed since the plan was made (etag or planned properties differ, a create whose target now
  exists, a precondition that no longer holds), and not by us -> :class:`StalePlan` (exit 2);
* a delete of a resource without the ``managed-by: vnetplan`` tag (metadata for record sets,
  journal ownership for peerings and zone groups) -> :class:`UnsafeDelete` (exit 2);
* otherwise the write, journalled before (``started``) and after (``lro`` with the status URL and
  etag, then ``done``), verified by a re-read.

Transient failures (429/5xx/connection resets beyond the SDK's own retries, a failed LRO, 409
AnotherOperationInProgress) are retried from a fresh re-read, a bounded number of times; a 403
is explained as the missing action and scope (:class:`PermissionDenied`); anything else stops
the run. After a failure no new change starts; the journal says exactly what was done.

The promise: only this package's client layer and the inventory send requests to Azure; with
``dry_run`` no write is sent at all (reads only, to report what each change would do). The Azure
SDK is imported inside functions only.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netplan import kinds
from netplan.changeset import TAGGABLE, Change, ChangeSet, depended_ids, set_path, with_ownership
from netplan.errors import ExitCode
from netplan.ids import parent_id, parse_id, rid_key, short_id
from netplan.live.arm import (
    OP_URI,
    Capture,
    Clients,
    LroFailed,
    code_of,
    error_message,
    explain_forbidden,
    is_transient,
    read_resource,
    status_of,
    wait_for_operation,
    write_resource,
)
from netplan.live.decide import (
    JOURNAL_OWNED,
    Next,
    decide,
    dig,
    in_sync,
    matches,
    props,
    same_value,
    succeeded,
)
from netplan.live.errors import ApplyError, PermissionDenied, PolicyDenied, StalePlan, UnsafeDelete
from netplan.live.guard import ARM_ENDPOINT, ForeignEndpoint, origin, same_endpoint
from netplan.live.journal import ChangeState, Journal
from netplan.live.policy import check_policy, policy_violation, sdk_checker
from netplan.live.preflight import check_permissions, sdk_reader
from netplan.vocab import Action

__all__ = [
    "ApplyError", "ApplyOptions", "ApplyResult", "ChangeResult", "Outcome", "PermissionDenied", "PolicyDenied",
    "StalePlan", "UnsafeDelete", "apply_plan", "find_stale",
]  # fmt: skip


class Outcome(StrEnum):
    DONE = "done"  # written by this run and verified
    ALREADY = "already"  # live state already as planned: nothing sent
    WOULD_WRITE = "would-write"  # dry run: a write would be sent
    STALE = "stale"
    REFUSED = "refused"
    FAILED = "failed"
    NOT_RUN = "not-run"  # never started (an earlier failure, or a dependency not done)


@dataclass(frozen=True)
class ApplyOptions:
    endpoint: str | None = None
    ca_bundle: str | None = None
    concurrency: int = 8
    dry_run: bool = False
    #: SDK retries per request (429/5xx/resets, Retry-After honoured)
    retries: int = 6
    backoff: float = 0.8
    backoff_max: float = 30.0
    #: seconds between LRO polls when Azure sends no Retry-After
    polling_interval: float = 5.0
    #: attempts per change (a failed LRO, a conflict, retries exhausted) before giving up
    attempts: int = 5
    #: pause between attempts (doubles, capped at backoff_max)
    attempt_backoff: float = 2.0
    #: how long to wait for an LRO left in flight by an earlier, interrupted run
    resume_wait: float = 900.0
    #: check the permissions the plan needs (Microsoft.Authorization/permissions) before writing
    preflight: bool = True
    #: go on with the changes still valid when the whole-plan staleness check finds differences
    allow_stale: bool = False


@dataclass
class ChangeResult:
    change: Change
    outcome: Outcome = Outcome.NOT_RUN
    message: str = ""
    attempts: int = 0
    writes: int = 0


@dataclass
class ApplyResult:
    plan_id: str
    results: list[ChangeResult]
    error: ApplyError | None = None
    seconds: float = 0.0
    #: the whole-plan staleness check's findings, one sentence each (shown one line each)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.outcome in (Outcome.DONE, Outcome.ALREADY, Outcome.WOULD_WRITE) for r in self.results)

    @property
    def exitcode_of(self) -> ExitCode:
        return ExitCode.OK if self.ok else ExitCode.ERROR

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)



class Executor:
    """One run of a plan. Use :func:`apply_plan`."""

    def __init__(self, plan: ChangeSet, clients: Clients, opts: ApplyOptions, journal: Journal | None,
                 log: Callable[[str], None], stale: Mapping[str, str] | None = None) -> None:  # fmt: skip
        #: change id -> why it is stale (found before the first write, --allow-stale): not run
        self.stale = dict(stale or {})
        self.plan = plan
        self.clients = clients
        self.opts = opts
        self.journal = journal
        self.log = log
        self.pe_ips: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _record(self, event: str, change: Change, **fields: Any) -> None:
        if self.journal is not None and not self.opts.dry_run:
            self.journal.record(event, change.key, resource_id=change.id, **fields)

    def _jstate(self, change: Change) -> ChangeState:
        return self.journal.state(change.key) if self.journal is not None else ChangeState(change.key)

    def _owned(self, rid: str) -> bool:
        return self.journal is not None and self.journal.owns(rid)

    def _check_preconditions(self, change: Change) -> None:
        for pre in change.preconditions:
            live = read_resource(self.clients, pre.resource_id)
            value = dig(live, pre.path) if live is not None else None
            if live is None or not same_value(pre.expected, value):
                why = f" ({pre.why})" if pre.why else ""
                raise StalePlan(
                    f"{short_id(pre.resource_id)} changed since the plan was made: {'.'.join(pre.path)} is "
                    f"{value!r}, the plan assumed {pre.expected!r}{why}; re-plan",
                    change.key,
                )

    def _body(self, change: Change) -> tuple[dict[str, Any], bool]:
        """The body to send, placeholders filled; False when an endpoint's IP is not known (dry run)."""
        body = with_ownership(change, self.plan.plan_id)
        complete = True
        for ph in change.placeholders:
            path, pe = ph.path, ph.from_id
            ip = self.pe_ips.get(rid_key(pe)) or self._pe_ip(pe)
            if ip is None:
                if self.opts.dry_run:
                    complete = False
                    continue
                raise ApplyError(f"change {change.key}: private endpoint {pe} has no IP address yet", change.key)
            with self._lock:
                self.pe_ips[rid_key(pe)] = ip
            try:
                set_path(body, path, ip)
            except ValueError as exc:
                raise ApplyError(f"change {change.key}: {exc}", change.key) from None
        return body, complete

    def _pe_ip(self, pe_id: str) -> str | None:
        """The IP Azure assigned to a private endpoint: read from its network interface."""
        pe = read_resource(self.clients, pe_id, kinds.PE.key)
        for nic_ref in props(pe).get("networkInterfaces") or []:
            nic = read_resource(self.clients, str(nic_ref.get("id", "")), "Microsoft.Network/networkInterfaces")
            for cfg in props(nic).get("ipConfigurations") or []:
                ip = props(cfg).get("privateIPAddress")
                if ip:
                    return str(ip)
        for cfg in props(pe).get("customDnsConfigs") or []:
            for ip in cfg.get("ipAddresses") or []:
                return str(ip)
        return None

    def run_step(self, change: Change) -> ChangeResult:
        res = ChangeResult(change)
        delay = self.opts.attempt_backoff
        self._record("intent", change, action=change.action.value, type=change.type)
        for attempt in range(1, max(1, self.opts.attempts) + 1):
            res.attempts = attempt
            try:
                self._attempt(change, res)
                return res
            except ApplyError as exc:
                res.outcome = Outcome.STALE if isinstance(exc, StalePlan) else Outcome.REFUSED if isinstance(exc, UnsafeDelete) else Outcome.FAILED
                res.message = str(exc)
                self._record("failed", change, reason=str(exc))
                raise
            except Exception as exc:
                from azure.core.exceptions import ClientAuthenticationError

                cause = exc.cause if isinstance(exc, LroFailed) else exc
                if isinstance(cause, ForeignEndpoint):
                    err = ApplyError(
                        f"change {change.key} ({change.action.value} {short_id(change.id)}): Azure's answer "
                        f"named an operation URL on {origin(cause.url)}, not on the ARM endpoint: {cause}",
                        change.key,
                    )
                elif isinstance(cause, ClientAuthenticationError) and status_of(cause) != 403:
                    err = ApplyError(f"authentication failed: {error_message(cause)}", change.key)
                elif status_of(cause) == 403 and code_of(cause) == "RequestDisallowedByPolicy":

                    name, assignment = policy_violation(cause) or ("", "")
                    err = PolicyDenied(
                        f"change {change.key} ({change.action.value} {short_id(change.id)}) was denied by Azure "
                        f"Policy: assignment '{name or '?'}' ({assignment or 'id not given'}); nothing was written for it; "
                        "the journal is kept: re-run once the policy allows it, or re-plan",
                        change.key,
                    )
                elif status_of(cause) == 403:
                    err = explain_forbidden(cause, change)
                elif is_transient(exc) and attempt < self.opts.attempts and not self._stop.is_set():
                    what = "operation failed" if isinstance(exc, LroFailed) else "request failed"
                    self.log(f"change {change.key}: {what} ({error_message(cause)}); retrying from a fresh read")
                    self._wait_conflict(change, cause)
                    time.sleep(min(delay, self.opts.backoff_max))
                    delay *= 2
                    continue
                else:
                    status = status_of(cause)
                    prefix = f"HTTP {status} " if status else ""
                    err = ApplyError(
                        f"change {change.key} ({change.action.value} {short_id(change.id)}) failed after "
                        f"{attempt} attempt(s): {prefix}{error_message(cause)}",
                        change.key,
                    )
                res.outcome = Outcome.FAILED
                res.message = str(err)
                self._record("failed", change, reason=str(err))
                raise err from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_conflict(self, change: Change, exc: BaseException) -> None:
        """409 AnotherOperationInProgress names the running operation: wait for it."""
        if status_of(exc) != 409:
            return
        m = OP_URI.search(error_message(exc))
        if m:
            wait_for_operation(self.clients, parse_id(change.id).subscription, m.group(1),
                                time.monotonic() + self.opts.resume_wait, self.opts.polling_interval)  # fmt: skip

    def _attempt(self, change: Change, res: ChangeResult) -> None:
        js = self._jstate(change)
        if js.lro_url and not js.finished and not self.opts.dry_run:

            if not same_endpoint(js.lro_url, self.opts.endpoint):
                where = f"{self.journal.path}: line {js.lro_line}" if self.journal is not None else "the journal"
                raise ApplyError(
                    f"{where}: the operation URL of change {change.key} is on {origin(js.lro_url)}, not on the ARM "
                    f"endpoint {origin(self.opts.endpoint or ARM_ENDPOINT)}; not followed, no request sent (the journal "
                    "was edited or made for another endpoint)",
                    change.key,
                )
            # An earlier run was interrupted while Azure was working: let that finish first.
            wait_for_operation(self.clients, parse_id(change.id).subscription, js.lro_url,
                                time.monotonic() + self.opts.resume_wait, self.opts.polling_interval)  # fmt: skip
        self._check_preconditions(change)
        body, complete = self._body(change)
        live = read_resource(self.clients, change.id, change.type)
        if not complete:  # dry run before the endpoint exists: it would be written
            res.outcome = Outcome.WOULD_WRITE
            return
        decision = decide(change, body, live, js, self.plan.plan_id, self._owned(change.id))
        if decision == Next.ALREADY:
            res.outcome = Outcome.ALREADY
            if js.created_by_us and change.action == Action.CREATE and change.tkey not in TAGGABLE and not self._owned(change.id):
                # Azure accepted our create (conditional on absence) but the run died before
                # recording the outcome: proven ours. A bare `started` would not be proof.
                self._record("owned", change)
            elif js.started and change.action == Action.CREATE and change.tkey not in TAGGABLE and not self._owned(change.id):
                self.log(f"change {change.key}: {short_id(change.id)} is as planned, but this journal cannot "
                         "prove vnetplan created it (the run stopped before Azure answered); it is not recorded as owned")  # fmt: skip
            self._record("already", change, etag=(live or {}).get("etag"))
            self._after(change, live)
            return
        if self.opts.dry_run:
            res.outcome = Outcome.WOULD_WRITE
            return
        self._record("started", change, action=change.action.value, absent=live is None)
        hook = Capture(self.journal, change.key, self.opts.endpoint)
        res.writes += 1
        try:
            write_resource(self.clients, change, body, live, hook)
        except Exception as exc:
            cause = exc.cause if isinstance(exc, LroFailed) else exc
            if live is None and change.action != Action.DELETE and status_of(cause) == 412:
                # Our create was conditional on absence (If-None-Match: *): another writer won.
                raise StalePlan(
                    f"someone else created {change.id} while this apply ran; it is not recorded as ours "
                    "(re-read the estate and re-plan)",
                    change.key,
                ) from None
            raise
        after = read_resource(self.clients, change.id, change.type)
        if change.action == Action.DELETE:
            if after is not None:
                raise LroFailed(RuntimeError(f"{change.id} still exists after its delete"))
        elif after is None or not succeeded(after) or not matches(body, after) or (change.sync_remote and not in_sync(after)):
            state = props(after).get("provisioningState") if after else "missing"
            raise LroFailed(RuntimeError(f"{short_id(change.id)} is {state} after the write, not as planned"))
        if change.action == Action.CREATE and (change.tkey in JOURNAL_OWNED or change.tkey not in TAGGABLE):
            self._record("owned", change)
        res.outcome = Outcome.DONE
        self._record("done", change, etag=(after or {}).get("etag"))
        self._after(change, after)

    def _after(self, change: Change, live: Mapping[str, Any] | None) -> None:
        if change.tkey == kinds.PE.key and change.action != Action.DELETE and live is not None:
            ip = self._pe_ip(change.id)
            if ip:
                with self._lock:
                    self.pe_ips[rid_key(change.id)] = ip

    def run(self, progress: Callable[[ChangeResult, int, int], None] | None = None) -> ApplyResult:
        started = time.monotonic()
        changes = {s.key: s for s in self.plan.changes}
        results = {cid: ChangeResult(s) for cid, s in changes.items()}
        # Kahn's algorithm: a change becomes ready when its last dependency is done (linear, not
        # a rescan of every pending change each time one finishes).
        waiting = {cid: len(set(s.depends_on)) for cid, s in changes.items()}
        dependents: dict[str, list[str]] = {}
        for cid, s in changes.items():
            for d in set(s.depends_on):
                dependents.setdefault(d, []).append(cid)
        pos = {s.key: i for i, s in enumerate(self.plan.changes)}
        for cid, why in self.stale.items():
            if cid in results:
                results[cid].outcome, results[cid].message = Outcome.STALE, why
                waiting[cid] = -1  # never runs; its dependents never become ready
        ready = [(pos[cid], cid) for cid, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        error: ApplyError | None = None
        finished = 0
        with ThreadPoolExecutor(max_workers=max(1, self.opts.concurrency), thread_name_prefix="apply") as pool:
            running: dict[Future[ChangeResult], str] = {}

            def launch() -> None:
                # Plan order among the ready ones; at most `concurrency` in flight.
                while ready and len(running) < max(1, self.opts.concurrency):
                    _, cid = heapq.heappop(ready)
                    running[pool.submit(self.run_step, changes[cid])] = cid

            try:
                launch()
                while running:
                    done_now, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for fut in done_now:
                        cid = running.pop(fut)
                        finished += 1
                        try:
                            results[cid] = fut.result()
                        except ApplyError as exc:
                            results[cid].outcome = Outcome.STALE if isinstance(exc, StalePlan) else (
                                Outcome.REFUSED if isinstance(exc, UnsafeDelete) else Outcome.FAILED)
                            results[cid].message = str(exc)
                            error = error or exc
                            self._stop.set()
                        ok = results[cid].outcome in (Outcome.DONE, Outcome.ALREADY, Outcome.WOULD_WRITE)
                        if ok:
                            for dep in dependents.get(cid, ()):
                                waiting[dep] -= 1
                                if waiting[dep] == 0:
                                    heapq.heappush(ready, (pos[dep], dep))
                        if progress is not None:
                            progress(results[cid], finished, len(changes))
                    if error is None:
                        launch()
            except KeyboardInterrupt:
                self._stop.set()
                for fut in running:
                    fut.cancel()
                busy = sum(1 for f in running if not f.done())
                self.log(f"interrupted: no new change starts; waiting for the {busy} in flight to finish")
                raise
        if error is None and finished + len(self.stale) < len(changes):
            stuck = sorted(cid for cid in changes if results[cid].outcome == Outcome.NOT_RUN)
            if self.stale:
                for cid in stuck:
                    results[cid].message = "not run: it depends on a stale change"
            else:
                error = ApplyError(f"changes {', '.join(stuck[:5])} depend on changes not in the plan or in a cycle")
        return ApplyResult(self.plan.plan_id, [results[c] for c in changes], error, time.monotonic() - started)


def _read_any(clients: Clients, rid: str) -> dict[str, Any] | None:
    """GET a resource; a child apply has no operation for (an LB frontend) is found in its parent."""
    try:
        return read_resource(clients, rid)
    except ApplyError:
        if len(parse_id(rid).types) < 2:
            raise
    parent = _read_any(clients, parent_id(rid))
    for items in props(parent).values():
        if isinstance(items, list):
            for item in items:
                if isinstance(item, Mapping) and rid_key(str(item.get("id", ""))) == rid_key(rid):
                    return dict(item)
    return None


def find_stale(plan: ChangeSet, clients: Clients, journal: Journal | None) -> list[tuple[tuple[str, ...], str]]:
    """The whole-plan staleness check, before the first write: (change ids, sentence) per difference.

    Re-reads every change's target (what :func:`decide` would say now: a create whose target
    someone else made, an update whose etag moved, a delete of what is not ours), every resource
    the changes depend on (``plan.observed``: it must still exist, and a VNet must still have the
    address space the plan was made on, both sides of each peering included), and each change's
    preconditions. Changes the journal shows finished are not checked again. Reads only.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    created = {rid_key(s.id) for s in plan.changes if s.action == Action.CREATE}
    todo = [s for s in plan.changes if not (journal is not None and journal.state(s.key).finished)]
    for change in todo:
        js = journal.state(change.key) if journal is not None else ChangeState(change.key)
        live = read_resource(clients, change.id, change.type)
        try:
            decide(change, with_ownership(change, plan.plan_id), live, js, plan.plan_id,
                   journal is not None and journal.owns(change.id))  # fmt: skip
        except (StalePlan, UnsafeDelete) as exc:
            found.append(((change.key,), str(exc)))
    seen: set[str] = set()
    for rid, obs in (plan.observed or {}).items():
        key = rid_key(rid)
        users = [s for s in todo if key in {rid_key(r) for r in depended_ids(s)}]
        if not users or key in created:
            continue
        seen.add(key)
        live = _read_any(clients, rid)
        cid = users[0].key
        cids = tuple(u.key for u in users)
        also = f" (and {len(users) - 1} more)" if len(users) > 1 else ""
        if live is None and obs.get("exists"):
            found.append((cids, f"{short_id(rid)} no longer exists, and change {cid}{also} depends on it; re-plan"))
        want = obs.get("address_prefixes")
        if live is not None and isinstance(want, list):
            have = dig(live, ("properties", "addressSpace", "addressPrefixes"))
            if not same_value(want, have):
                found.append((cids, f"{short_id(rid)} changed since the plan was made: properties.addressSpace.addressPrefixes "
                                    f"is {have!r}, the plan assumed {want!r} (change {cid}{also} depends on it); re-plan"))  # fmt: skip
    for change in todo:
        for pre in change.preconditions:
            if rid_key(pre.resource_id) in seen:
                continue
            live = read_resource(clients, pre.resource_id)
            value = dig(live, pre.path) if live is not None else None
            if live is None or not same_value(pre.expected, value):
                why = f" ({pre.why})" if pre.why else ""
                found.append(((change.key,), f"{short_id(pre.resource_id)} changed since the plan was made: {'.'.join(pre.path)} "
                                              f"is {value!r}, the plan assumed {pre.expected!r}{why}; re-plan"))  # fmt: skip
            seen.add(rid_key(pre.resource_id))
    return found


def _stale_closure(plan: ChangeSet, found: list[tuple[tuple[str, ...], str]]) -> dict[str, str]:
    """Change id -> reason, for the stale changes (--allow-stale skips them and what depends on them)."""
    out: dict[str, str] = {}
    for cids, why in found:
        for cid in cids:
            out.setdefault(cid, why)
    return out


def apply_plan(
    plan: ChangeSet,
    credential: Any,
    opts: ApplyOptions,
    journal: Journal | None,
    log: Callable[[str], None] | None = None,
    progress: Callable[[ChangeResult, int, int], None] | None = None,
) -> ApplyResult:
    """Apply ``plan`` (see the module docstring). Azure failures end up in ``result.error``.

    First the whole-plan staleness check (:func:`find_stale`): any difference stops the run before
    anything is written (``StalePlan``), unless ``opts.allow_stale``, which skips the stale changes
    and what depends on them. With ``opts.preflight`` the permissions the plan needs are checked
    next, each at the scope of the resource written or joined; a permission the API says is
    missing, or one it cannot tell about, stops the run before anything is written.
    """
    say = log or (lambda _m: None)
    clients = Clients(credential, opts.endpoint, opts.ca_bundle, opts.concurrency, opts.retries, opts.backoff,
                      opts.backoff_max, opts.polling_interval)  # fmt: skip
    try:
        stale: dict[str, str] = {}
        differences: list[str] = []
        if plan.changes:
            found = find_stale(plan, clients, journal)
            differences = [d for _, d in found]
            refused = [(c, d) for c, d in found if d.startswith("refusing to delete")]
            if refused:  # never "still valid", whatever --allow-stale says
                err = UnsafeDelete(f"{refused[0][1]}; nothing was written", refused[0][0][0])
                return ApplyResult(plan.plan_id, [ChangeResult(s) for s in plan.changes], err, differences=differences)
            if found and not opts.allow_stale:
                first = found[0][1]
                more = f"; {len(found)} differences in all (listed above)" if len(found) > 1 else ""
                stale_err = StalePlan(f"stale plan: {first}{more}; nothing was written; re-plan, or --allow-stale to "
                                      "apply only the changes that are still valid", found[0][0][0])  # fmt: skip
                why = _stale_closure(plan, found)
                results = [ChangeResult(s, Outcome.STALE, why[s.key]) if s.key in why else ChangeResult(s)
                           for s in plan.changes]  # fmt: skip
                return ApplyResult(plan.plan_id, results, stale_err, differences=differences)
            stale = _stale_closure(plan, found)
        if opts.preflight and plan.changes:

            todo = [s for s in plan.changes if not (journal is not None and journal.state(s.key).finished)]
            missing = check_permissions(todo, sdk_reader(clients))
            known = [m for m in missing if m.known]
            unknown = [m for m in missing if not m.known]
            for m in unknown[1:]:
                say(f"preflight: {m.sentence()}")
            if unknown and not known:
                more = f" (and {len(unknown) - 1} more, listed above)" if len(unknown) > 1 else ""
                cannot = PermissionDenied(f"preflight: {unknown[0].sentence()}{more}; nothing was changed; re-run with "
                                          "--skip-preflight to apply without the permission check", unknown[0].requirement.change_id)  # fmt: skip
                return ApplyResult(plan.plan_id, [ChangeResult(s) for s in plan.changes], cannot)
            if not known:

                denials, unchecked = check_policy(todo, sdk_checker(clients))
                for u in unchecked:
                    say(f"policy check: cannot tell whether Azure Policy allows change {u.change_id} ({u.reason}); "
                        "a denial would stop the run at that write")  # fmt: skip
                if denials:
                    more = f" (and {len(denials) - 1} more)" if len(denials) > 1 else ""
                    by_policy = PolicyDenied(f"{denials[0].sentence()}{more}; nothing was changed", denials[0].change_id)
                    return ApplyResult(plan.plan_id, [ChangeResult(s) for s in plan.changes], by_policy)
            if known:
                more = f" (and {len(known) - 1} more)" if len(known) > 1 else ""
                denied = PermissionDenied(f"preflight: {known[0].sentence()}{more}; nothing was changed", known[0].requirement.change_id)
                return ApplyResult(plan.plan_id, [ChangeResult(s) for s in plan.changes], denied)
        result = Executor(plan, clients, opts, journal, say, stale).run(progress)
        result.differences = differences
        return result
    finally:
        clients.close()


