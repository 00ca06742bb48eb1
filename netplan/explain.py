"""Why each connection is served the way it is: the plan's decisions, ready to show.

One reading of :class:`netplan.plan.Decision` (from a fresh plan or a plan file) for every place
that shows it: ``vnetplan plan`` (table and markdown), ``vnetplan recommend --intent`` and the
TUI's Plan tab. :func:`explain_plan` gives one :class:`Explanation` per connection: the method
chosen and what was asked, the reasons for the choice (``why``), and, for a connection whose
options were weighed (``auto``, and every connection ``recommend`` compares), each option with what
it changes, its exposure, its rough cost, its what-if verdict and whether it is the one chosen.
:meth:`Explanation.lines` is the text, one ``(text, tone)`` pair per line, where tone is
``"good"`` (the chosen option, an option that verifies), ``"bad"`` (a method of ``none``, an option
that does not verify) or ``""``: the CLI paints it, the TUI styles it, both say the same words.

The promise: nothing a decision carries is dropped (every reason and every option is a line), and
a decision read back from a plan file explains itself exactly as the fresh one did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from netplan.ids import short_id
from netplan.record import record

#: Reason codes whose message is an option line (:func:`option_line`): shown with the options.
OPTION_CODE = "option"

GOOD = "good"
BAD = "bad"


def option_line(o: Mapping[str, Any]) -> str:
    """One option (the ``options`` entries of a decision) in one line: verdict, changes, exposure,
    rough cost and, when it does not verify, the first reason why."""
    cost = o.get("cost")
    money = ""
    if isinstance(cost, Mapping):
        items = ", ".join(f"{i['label']} {float(i['amount']):.2f}" for i in cost.get("items") or ())
        money = f", about {float(cost['monthly']):.2f} {cost['currency']}/month" + (f" ({items})" if items else "")
    n = len(o.get("changes") or ())
    what = "no change" if not n else f"{n} change{'s' if n != 1 else ''}"
    verifies = bool(o.get("verifies"))
    head = "verifies" if verifies else f"does not verify ({o.get('verdict', 'UNKNOWN')})"
    owner = list(o.get("owner_changes") or ())
    if not verifies and o.get("verdict") == "needs-owner":
        head = f"verifies once the owner makes {len(owner)} change{'s' if len(owner) != 1 else ''}"
    reasons = list(o.get("reasons") or ())
    why = f": {reasons[0]}" if reasons and not verifies else ""
    return f"{o.get('option', '?')}: {head}; {what}; exposure: {o.get('exposure') or '?'}{money}{why}"


@record
class OptionView:
    """One option weighed for a connection."""

    name: str
    verdict: str
    verifies: bool
    chosen: bool
    changes: tuple[str, ...]
    exposure: str
    #: Rough monthly cost ``{"monthly": float, "currency": str}``, or None (the existing path).
    cost: Mapping[str, Any] | None
    reasons: tuple[str, ...]

    def line(self) -> str:
        return option_line(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {"option": self.name, "chosen": self.chosen, "verifies": self.verifies, "verdict": self.verdict,
                "exposure": self.exposure, "changes": list(self.changes),
                "cost": dict(self.cost) if self.cost is not None else None, "reasons": list(self.reasons)}  # fmt: skip


@record
class Explanation:
    """How one connection is served, and why (see the module docstring)."""

    consumer_id: str
    use_case: str
    asked: str
    method: str
    #: The method verification checks the connection with, when it differs from ``method``.
    verify_as: str
    #: The existing path that serves it, in one line ("" when none does).
    path: str
    #: ``(code, message)`` of every reason for the choice, the decision's own first.
    why: tuple[tuple[str, str], ...]
    #: Every option weighed, in the order they were tried (empty when the method was pinned).
    options: tuple[OptionView, ...]

    @property
    def consumer(self) -> str:
        return short_id(self.consumer_id)

    @property
    def chosen(self) -> OptionView | None:
        return next((o for o in self.options if o.chosen), None)

    def headline(self) -> str:
        return f"{self.consumer}: {self.method} ({self.use_case}, asked {self.asked})"

    def lines(self) -> list[tuple[str, str]]:
        """The explanation as text lines, each with its tone (module docstring); no indentation
        beyond the structure (callers indent the block as they like)."""
        out = [(self.headline(), BAD if self.method == "none" else "")]
        out += [(f"  - [{code}] {message}", "") for code, message in self.why]
        if self.options:
            out.append(("  options weighed (each planned on top of the plan so far and checked by the what-if):", ""))
            for o in self.options:
                mark = "->" if o.chosen else "  "
                tone = GOOD if o.verifies else BAD
                out.append((f"    {mark} {o.line()}" + ("  (chosen)" if o.chosen else ""), tone))
        return out

    def text(self) -> str:
        return "\n".join(t for t, _ in self.lines())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"consumer": self.consumer_id, "use_case": self.use_case, "asked": self.asked,
                             "method": self.method, "why": [{"code": c, "message": m} for c, m in self.why],
                             "options": [o.to_dict() for o in self.options]}  # fmt: skip
        if self.verify_as:
            d["verify_as"] = self.verify_as
        if self.path:
            d["path"] = self.path
        return d


def explain(decision: Any) -> Explanation:
    """The :class:`Explanation` of one decision (a :class:`netplan.plan.Decision`)."""
    why = tuple((str(r.get("code", "")), str(r.get("message", ""))) for r in decision.reasons
                if r.get("code") != OPTION_CODE)  # fmt: skip
    opts: Sequence[Mapping[str, Any]] = tuple(decision.options)
    # `auto` takes the first option whose what-if verifies (netplan.planopts), in the order tried.
    first = next((i for i, o in enumerate(opts) if o.get("verifies")), None) if decision.method != "none" else None
    views = tuple(
        OptionView(str(o.get("option", "?")), str(o.get("verdict", "UNKNOWN")), bool(o.get("verifies")),
                   i == first if "chosen" not in o else bool(o["chosen"]), tuple(o.get("changes") or ()),
                   str(o.get("exposure", "")), o.get("cost"), tuple(o.get("reasons") or ()))
        for i, o in enumerate(opts)
    )  # fmt: skip
    return Explanation(decision.consumer_id, decision.use_case, decision.asked, decision.method,
                       decision.verify_as, decision.path, why, views)  # fmt: skip


def explain_plan(cs: Any) -> tuple[Explanation, ...]:
    """One :class:`Explanation` per decision of a change set (in the plan's order)."""
    return explain_all(cs.decisions)


def explain_all(decisions: Iterable[Any]) -> tuple[Explanation, ...]:
    return tuple(explain(d) for d in decisions)
