"""``vnetplan apply PLAN.json``: carry out a plan in Azure, safely, resumably, then optionally verify.

A thin shell over :func:`netplan.live.apply.apply_plan`. It shows the plan (stderr) and asks for
confirmation on the terminal unless ``--yes`` (no terminal and no ``--yes``: exit 2, nothing
sent); ``--dry-run`` sends no write at all and reports what each change would do. The journal
(default ``PLAN.json.journal``) makes a re-run after a crash or ``kill -9`` finish the plan.
Exit 0 applied (or nothing to do), 1 applied but ``--verify`` failed, 2 could not apply (stale
plan, missing permission, an Azure failure after retries: the journal says what is done), 130
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from netplan.bounds import loads_json
from netplan.changeset import ChangeSet, read_plan, with_source_estate
from netplan.errors import ExitCode, InputError, UsageError
from netplan.estate import Estate, load_estate
from netplan.ids import short_id
from netplan.live.apply import ApplyOptions, ApplyResult, Outcome, apply_plan
from netplan.live.credentials import acquire, redact
from netplan.live.interrupt import summarize
from netplan.live.journal import Journal
from netplan.live.postapply import verify_after_apply
from netplan.plan import estate_fingerprint
from netplan.render import table
from netplan.verdict import check_verdict
from netplan.verify import combine
from netplan.vocab import Status
from netplan.yamlio import load_with_lines
from vnetplan.commands._common import add_credential_arg, add_verbose_arg, emit
from vnetplan.commands.verify import render


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "apply",
        help="apply a plan through the Azure SDK (confirmation, staleness check, journal, resume, verify)",
        description=(
            "Execute the plan's changes in dependency order through the Azure SDK, independent ones in "
            "parallel. Each target is re-read right before its write: a change already in place is skipped, "
            "one changed since the plan was made stops the run (exit 2). Created resources are tagged "
            "managed-by: vnetplan and the plan id; nothing without that tag is ever deleted. A JSON-lines "
            "journal records every step; re-running the same command finishes an interrupted apply. "
            "Credentials as for inventory (--credential; default VNETPLAN_ACCESS_TOKEN or DefaultAzureCredential). "
            "Exit 0 applied, 1 applied but verification failed, 2 could not apply, 130 interrupted."
        ),
    )
    p.add_argument("plan", metavar="PLAN.json", help="plan file written by `vnetplan plan --out`")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="send no write: re-read each target and say what would be done")
    p.add_argument("--journal", metavar="FILE", help="journal file (default: PLAN.json.journal)")
    p.add_argument("--endpoint", metavar="URL", help="ARM base URL (sovereign clouds, the test emulator)")
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle to trust for --endpoint")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="changes in flight at once (default 8)")
    p.add_argument("--verify", action="store_true", help="after applying, re-inventory and verify the intent's connections")
    p.add_argument("--skip-preflight", "--no-preflight", dest="no_preflight", action="store_true",
                   help="skip the permission check before writing (without it, a permission that cannot be read stops the run)")
    p.add_argument("--allow-stale", action="store_true",
                   help="when the whole-plan staleness check finds differences, apply the changes still valid instead of none")
    p.add_argument("--allow-unverified", action="store_true",
                   help="apply a plan whose recorded what-if says the result would not verify")
    p.add_argument("--polling-interval", type=float, default=5.0, metavar="S",
                   help="seconds between polls of a long-running operation without Retry-After (default 5)")
    p.add_argument("--attempts", type=int, default=5, metavar="N",
                   help="attempts per change on transient failures (a failed operation, throttling) (default 5)")
    add_credential_arg(p)
    add_verbose_arg(p)
    p.set_defaults(func=run)


def _read_plan(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, "", f"cannot read: {exc.strerror or exc}") from None

    data = loads_json(text, path)
    if not isinstance(data, dict):
        raise InputError(path, "", "a plan must be a JSON object")
    return data


def _source_estate(plan: ChangeSet, say: Any = None) -> Estate | None:
    """The estate the plan was made from, when its files are still at hand and unchanged (their
    fingerprint is the plan's): their declarations, and the address spaces the plan assumed."""

    sources = [s for s in plan.estate_paths() if s and _is_file(s)]
    if not sources:
        return None
    try:

        estate = load_estate(sources)
    except Exception:  # only used to add checks; the plan's own record (made_from.observed) still guards
        return None
    want = plan.estate_fingerprint
    if want and estate_fingerprint(estate) != want:
        if say is not None:
            say("note: the plan's estate files changed since the plan was made (fingerprint differs): not used")
        return None
    return estate


def show_plan(plan: ChangeSet) -> str:
    rows = [[str(i), s.action.value, s.type.rsplit("/", 1)[-1], short_id(s.id), s.reason[:70]]
            for i, s in enumerate(plan.changes, 1)]  # fmt: skip
    out = [f"plan {plan.plan_id}: {len(plan.changes)} change(s)", table(["#", "action", "type", "resource", "why"], rows)]
    for prob in plan.problems:
        out.append(f"problem (not solved by this plan): {prob.message}")
    for w in plan.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)


def _confirm(n: int) -> None:
    if not sys.stdin.isatty():
        raise UsageError("refusing to apply without confirmation: no terminal to ask on; re-run with --yes (or --dry-run)")
    sys.stderr.write(f"Apply these {n} change(s) to Azure? Type 'yes' to continue: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer != "yes":
        raise UsageError("not confirmed; nothing was changed")


def result_table(result: ApplyResult) -> str:
    rows = [[r.change.action.value, short_id(r.change.id), r.outcome.value, r.message[:120]] for r in result.results]
    return table(["action", "resource", "outcome", "note"], rows)


def run(args: argparse.Namespace) -> int:

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.attempts < 1:
        raise UsageError("--attempts must be at least 1")
    if args.polling_interval < 0:
        raise UsageError("--polling-interval must not be negative")

    def log(msg: str) -> None:
        print(f"vnetplan: {redact(msg)}", file=sys.stderr)

    data = _read_plan(args.plan)
    plan = read_plan(data, args.plan)
    src = _source_estate(plan, log)
    if src is not None:
        plan = with_source_estate(plan, src)
    print(show_plan(plan), file=sys.stderr)
    if not plan.changes:
        print("nothing to do: the plan is empty", file=sys.stderr)
        return _verify(args, plan) if args.verify else int(ExitCode.OK)
    note = check_verdict(plan, args.plan, args.allow_unverified)
    if note:
        log(f"note: {note}")
    journal = Journal(args.journal or f"{args.plan}.journal", plan.plan_id)
    journal.load()  # a journal path that is not a journal is refused before anything else happens
    if not args.yes and not args.dry_run:
        _confirm(len(plan.changes))
    opts = ApplyOptions(
        endpoint=args.endpoint, ca_bundle=args.ca_bundle, concurrency=args.concurrency, dry_run=args.dry_run,
        polling_interval=args.polling_interval, attempts=args.attempts, preflight=not args.no_preflight,
        allow_stale=args.allow_stale,
    )  # fmt: skip

    reported: set[str] = set()  # changes the run reported finished (for the Ctrl-C summary)

    def progress(r: Any, done: int, total: int) -> None:
        if r.outcome in (Outcome.DONE, Outcome.ALREADY):
            reported.add(r.change.key)
        print(f"[{done}/{total}] {r.change.action.value} {short_id(r.change.id)}: {r.outcome.value}", file=sys.stderr)

    # One token before any work: a missing credential is one line, not one per change.
    credential = acquire(args.credential, args.endpoint)
    if args.dry_run:
        result = apply_plan(plan, credential, opts, journal.load(), log, progress)
    else:
        try:
            with journal:
                result = apply_plan(plan, credential, opts, journal, log, progress)
        except KeyboardInterrupt:
            # The changes in flight have finished (apply_plan waits for them): say what is where.

            summary = summarize(plan, str(journal.path), reported)
            rerun = f"`vnetplan apply {args.plan}" + (f" --journal {args.journal}`" if args.journal else "`")
            print(f"vnetplan: interrupted: {summary.sentence()}; {summary.rerun(rerun)}", file=sys.stderr)
            raise
    if len(result.differences) > 1 or (result.differences and args.allow_stale):
        for d in result.differences:
            log(f"stale: {d}")
    emit(result_table(result))
    n_done, n_already = result.count(Outcome.DONE), result.count(Outcome.ALREADY)
    if args.dry_run:
        print(f"dry run: {result.count(Outcome.WOULD_WRITE)} change(s) would be written, {n_already} already in place; "
              "nothing was sent", file=sys.stderr)  # fmt: skip
    else:
        print(f"applied {n_done} change(s), {n_already} already in place, in {result.seconds:.1f}s; journal {journal.path}",
              file=sys.stderr)  # fmt: skip
    problems = plan.problems
    if problems and result.error is None and not args.dry_run:
        print(f"vnetplan: warning: the plan reports {len(problems)} problem(s) it does not solve (listed above); "
              "the intent is not fully met", file=sys.stderr)  # fmt: skip
    if result.error is not None:
        raise result.error
    n_stale = result.count(Outcome.STALE)
    if n_stale:
        log(f"{n_stale} stale change(s) were not applied (--allow-stale), nor what depends on them; re-plan for the rest")
        return int(ExitCode.PROBLEMS)
    if args.verify and not args.dry_run:
        return _verify(args, plan, credential)
    return int(ExitCode.OK)


def _verify(args: argparse.Namespace, plan: ChangeSet, credential: Any = None) -> int:
    """Re-inventory the subscriptions the plan touches and verify the intent's connections on it."""

    intent_file = plan.intent_path()
    if not intent_file or not Path(intent_file).is_file():
        applied = "the plan is applied, but " if plan.changes else ""
        raise UsageError(f"{applied}--verify needs the plan's intent file ({intent_file or 'not recorded in the plan'}), "
                         "which is not there; run vnetplan verify --intent FILE on a fresh inventory")  # fmt: skip
    intent_data, lines = load_with_lines(intent_file)
    # The source estate carries the user's declarations (forwarders, on-prem) into the verdict.
    src = _source_estate(plan)
    if src is None:
        print("vnetplan: note: the plan's estate files are gone: verifying without their declarations", file=sys.stderr)
    results, estate = verify_after_apply(
        src if src is not None else Estate(), intent_file, intent_data, plan, args.endpoint, args.ca_bundle,
        lambda text: print(f"vnetplan: {text}", file=sys.stderr), lines,
        credential or acquire(args.credential, args.endpoint),
    )  # fmt: skip
    emit(render(estate, results, False))
    overall = combine([r.result for r in results])
    print(f"verification after apply: {overall.value}", file=sys.stderr)
    return int(ExitCode.OK if overall is Status.PASS else ExitCode.PROBLEMS)


def _is_file(path: str) -> bool:
    """Path.is_file, but a name the OS refuses (too long, a NUL) is simply not a file here."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
