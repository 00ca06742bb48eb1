"""``vnetplan verify``: do the app names resolve, from each consumer VNet, to the right target,
and is that target reachable? Optionally compared with live resolvers and a TCP probe.

A thin shell over :func:`netplan.verify.verify_connection` (and, with ``--intent``, over
:func:`netplan.verify.verify_service` for the intent's internal services). Exit 0 when every check
passed, 1 when any is FAIL or UNKNOWN, 2 for bad input.

JSON (``--format json``): ``{"result": "PASS|FAIL|UNKNOWN", "connections": [...], "services":
[...]}`` (``services`` only with ``--intent``). Each connection is
:meth:`ConnectionVerification.to_dict`: ``provider``, ``consumer``, ``app_domain``, ``method``,
``result``, ``expected`` (``method``, ``addresses``, ``kind``, ``resources``, ``description`` or
null), ``checks`` and ``reasons``; each check has ``name``, ``result``, ``expected``,
``simulated`` (the ``vnetplan resolve`` JSON), ``reachable``, ``live`` (one per nameserver:
``nameserver``, ``status``, ``addresses``, ``cnames``, ``transport``, ``detail``), ``probes`` and
``reasons``.
"""

from __future__ import annotations

import argparse
from typing import Any

from netplan.errors import ExitCode, UsageError
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="verify that consumer VNets resolve and reach the provider's apps (simulated, optionally live)",
        description=(
            "For each consumer VNet and app name: the simulated Azure DNS answer must equal the target "
            "derived from the estate (the provider's internal LB frontend with peering, the private "
            "endpoint with Private Link), and that target must be reachable. With --nameserver, real "
            "resolvers are asked too (dnspython: UDP with EDNS, TCP on truncation); a different live "
            "answer, a timeout or SERVFAIL is a FAIL. Exit 0 all PASS, 1 any FAIL/UNKNOWN, 2 bad input."
        ),
    )
    add_estate_args(p)
    p.add_argument("--intent", metavar="FILE", help="intent file (YAML): verify every declared connection")
    p.add_argument("--app-domain", metavar="DOMAIN", help="the provider's app domain, e.g. azure.mendixapps.io")
    p.add_argument("--provider", metavar="VNET", help="the provider VNet (holds the internal load balancer)")
    p.add_argument("--consumer", action="append", default=[], metavar="VNET", help="a consumer VNet; repeat")
    p.add_argument("--app", action="append", default=[], metavar="NAME",
                   help="app name (myapp) or FQDN; repeat; default: the records under the domain")
    p.add_argument("--method", choices=("auto", "peering", "private-link"), default="auto",
                   help="connection method (default auto: Private Link when the consumer has an endpoint to it)")
    p.add_argument("--lb-frontend", metavar="ID|IP", help="the provider's LB frontend, when it has several")
    p.add_argument("--port", action="append", type=int, default=[], metavar="N",
                   help="an app port the consumer must reach through routes and NSGs; repeat (default 443 and 80; "
                        "with --intent each connection's ports)")  # fmt: skip
    p.add_argument("--nameserver", action="append", default=[], metavar="HOST[:PORT]",
                   help="also ask this resolver (168.63.129.16 inside a VNet, a resolver inbound endpoint, ...) and "
                        "compare with each consumer's simulated answer; a VNet's own resolver speaks for that VNet "
                        "only, so give that one consumer; repeat")
    p.add_argument("--timeout", type=float, default=2.0, metavar="S", help="live query/probe timeout in seconds (default 2)")
    p.add_argument("--retries", type=int, default=1, metavar="N", help="extra live query attempts on timeout (default 1)")
    p.add_argument("--probe-tcp", type=int, metavar="PORT", help="open a TCP connection to each resolved address")
    add_format_arg(p)
    p.set_defaults(func=run)


def _connections(args: argparse.Namespace, estate: Any) -> list[dict[str, Any]]:
    """The connections to verify: every one declared in --intent, or the one the flags describe."""
    if args.intent:
        if args.provider or args.consumer or args.app_domain:
            raise UsageError("give either --intent or --app-domain/--provider/--consumer, not both")
        from netplan.intent import load_intent

        intent = load_intent(args.intent, estate)
        prov = intent.provider
        conns: list[dict[str, Any]] = [
            {"provider": prov.vnet_id, "consumer": c.consumer_vnet_id, "app_domain": prov.app_domain,
             # A wildcard connection ("*") checks the explicit records, else a name the wildcard answers.
             "apps": [] if c.wildcard else list(c.apps), "method": c.method.value,
             "lb_frontend": prov.frontend_id, "ports": list(c.ports)}
            for c in intent.connections
        ]  # fmt: skip
        # The other direction: the provider's apps reaching internal services by name.
        conns += [
            {"service": True, "vnet": prov.vnet_id, "fqdn": s.fqdn, "pls_id": s.pls_id, "zone_id": s.zone_id}
            for s in intent.services
        ]
        return conns
    missing = [f for f, v in (("--app-domain", args.app_domain), ("--provider", args.provider)) if not v]
    if not args.consumer:
        missing.append("--consumer")
    if missing:
        raise UsageError(f"verify needs {', '.join(missing)} (or --intent)")
    return [
        {"provider": args.provider, "consumer": c, "app_domain": args.app_domain, "apps": list(args.app),
         "method": args.method, "lb_frontend": args.lb_frontend, "ports": list(args.port) or [443, 80]}
        for c in args.consumer
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from netplan.dns.live import parse_nameserver
    from netplan.dns.simulator import DnsSimulator
    from netplan.verify import combine, verify_connection, verify_service

    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    if args.probe_tcp is not None and not 0 < args.probe_tcp < 65536:
        raise UsageError(f"--probe-tcp {args.probe_tcp}: not a TCP port")
    servers = [parse_nameserver(s) for s in args.nameserver]
    if not args.intent:
        _connections(args, None)  # usage errors before the (possibly slow) estate load
    estate = load(args)
    conns = _connections(args, estate)
    sim = DnsSimulator(estate)
    results = [
        verify_connection(
            estate, c["provider"], c["consumer"], c["app_domain"], c.get("apps") or (), c.get("method") or "auto",
            c.get("lb_frontend"), servers, args.probe_tcp, timeout=args.timeout, retries=args.retries, simulator=sim,
            ports=c.get("ports") or (443, 80),
        )
        for c in conns if not c.get("service")
    ]  # fmt: skip
    services = [
        verify_service(estate, c["vnet"], c["fqdn"], pls_id=c["pls_id"], zone_id=c["zone_id"], nameservers=servers,
                       probe_tcp=args.probe_tcp, timeout=args.timeout, retries=args.retries, simulator=sim)
        for c in conns if c.get("service")
    ]  # fmt: skip
    overall = combine([r.result for r in results] + [s.result for s in services])
    if args.format == "json":
        doc: dict[str, Any] = {"result": overall.value, "connections": [r.to_dict() for r in results]}
        if args.intent:
            doc["services"] = [s.to_dict() for s in services]
        emit_json(doc, pretty=args.pretty)
    else:
        emit(render(estate, results, bool(servers), services))
    return int(ExitCode.OK if overall.value == "PASS" else ExitCode.PROBLEMS)


def render(estate: Any, results: list[Any], live: bool, services: list[Any] | None = None) -> str:
    """One row per consumer x name (and per internal service): expected, simulated, live side by
    side, the result and why."""
    from netplan.render import table
    from netplan.verify import combine

    def vname(rid: str) -> str:
        v = estate.vnet(rid)
        return v.name if v is not None else rid

    def row(who: str, how: str, c: Any) -> list[str]:
        sim = ", ".join(c.simulated.addresses) if c.simulated.resolved else c.simulated.status.value
        live_col = ["; ".join(f"{a.nameserver} {a.summary()}" for a in c.live) or "-"] if live else []
        return [who, c.name, how, ", ".join(c.expected) or "?", sim, *live_col, c.result.value, "; ".join(c.reasons)]

    headers = ["consumer", "name", "method", "expected", "simulated", *(["live"] if live else []), "result", "why"]
    rows: list[list[str]] = []
    notes: list[str] = []
    for r in results:
        rows += [row(vname(r.consumer_vnet_id), r.method.value, c) for c in r.checks]
        # One row per app port: routes hop by hop and NSGs from the consumer's workload subnets.
        rows += [[vname(r.consumer_vnet_id), f"TCP {p.port}", r.method.value, p.address, "-", *(["-"] if live else []),
                  p.result.value, "; ".join(p.reasons) or "routes and NSGs allow it"] for p in getattr(r, "ports", ())]  # fmt: skip
        notes += [f"{vname(r.consumer_vnet_id)}: {x}" for x in r.reasons]
    for s in services or []:
        rows.append(row(vname(s.vnet_id), f"service ({s.via})", s.check))
        notes += [f"{vname(s.vnet_id)} -> {s.fqdn}: {x}" for x in s.reasons]
    out = [table(headers, rows)]
    if notes:
        out += ["", *notes]
    out += ["", f"result: {combine([r.result for r in results] + [s.result for s in services or []]).value}"]
    return "\n".join(out)
