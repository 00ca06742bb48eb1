"""Live DNS queries with dnspython, for comparing a real resolver with the simulation.

:func:`query` asks one nameserver over UDP with EDNS0 (1232-byte payload), retries on timeout,
falls back to TCP when the answer is truncated, and follows CNAMEs the server did not resolve
itself (an authoritative-only server stops at its zone's edge). :func:`probe_tcp` opens one TCP
connection with a short timeout.

The promise: neither function raises for network trouble. A timeout, SERVFAIL, REFUSED, a
malformed reply or a refused connection comes back as a value whose ``status``/``detail`` says so,
so a verification run reports it as a FAIL and carries on.
"""

from __future__ import annotations

from netplan.errors import UsageError
from netplan.record import record

#: EDNS0 UDP payload size recommended by DNS Flag Day 2020 (no IP fragmentation).
EDNS_PAYLOAD = 1232
MAX_CNAME_HOPS = 16


@record
class Nameserver:
    host: str
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address; HOST must be an IP address."""
    import ipaddress

    t = text.strip()
    host, port_s = t, ""
    if t.startswith("["):
        host, _, rest = t[1:].partition("]")
        port_s = rest[1:] if rest.startswith(":") else rest
    elif t.count(":") == 1:
        host, _, port_s = t.partition(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"--nameserver '{text}': expected an IP address, optionally with :PORT") from None
    if port_s:
        if not port_s.isdigit() or not 0 < int(port_s) < 65536:
            raise UsageError(f"--nameserver '{text}': invalid port '{port_s}'")
        return Nameserver(host, int(port_s))
    return Nameserver(host)


@record
class LiveAnswer:
    """What a real nameserver said about one name."""

    nameserver: str
    name: str
    rtype: str
    #: NOERROR, NXDOMAIN, SERVFAIL, REFUSED, other rcodes by name, TIMEOUT, or ERROR.
    status: str
    addresses: tuple[str, ...] = ()
    #: CNAME targets in order.
    cnames: tuple[str, ...] = ()
    #: "udp" or "tcp" (after truncation) for the last query sent.
    transport: str = "udp"
    detail: str = ""

    @property
    def resolved(self) -> bool:
        return self.status == "NOERROR" and bool(self.addresses)

    def summary(self) -> str:
        if self.resolved:
            return ", ".join(self.addresses)
        if self.status == "NOERROR":
            return f"NOERROR without an {self.rtype} record"
        return f"{self.status} ({self.detail})" if self.detail else self.status

    def to_dict(self) -> dict[str, object]:
        return {
            "nameserver": self.nameserver, "name": self.name, "type": self.rtype, "status": self.status,
            "addresses": list(self.addresses), "cnames": list(self.cnames), "transport": self.transport,
            "detail": self.detail,
        }  # fmt: skip


def query(ns: Nameserver, name: str, rtype: str = "A", *, timeout: float = 2.0, retries: int = 1) -> LiveAnswer:
    """Ask ``ns`` for ``name``/``rtype``, following CNAMEs; ``retries`` extra attempts on timeout."""
    current = name.rstrip(".").lower()
    cnames: list[str] = []
    transport = "udp"
    for _hop in range(MAX_CNAME_HOPS + 1):
        status, addresses, chain, transport, detail = _ask(ns, current, rtype, timeout, retries)
        if status != "NOERROR":
            return LiveAnswer(str(ns), name, rtype, status, (), tuple(cnames), transport, detail)
        cnames.extend(chain)
        if addresses or not chain:
            return LiveAnswer(str(ns), name, rtype, status, addresses, tuple(cnames), transport, detail)
        if chain[-1] in cnames[:-1] or chain[-1] == name:
            return LiveAnswer(str(ns), name, rtype, "ERROR", (), tuple(cnames), transport, "CNAME loop")
        current = chain[-1]  # the server stopped at a CNAME it is not authoritative for: follow it
    return LiveAnswer(str(ns), name, rtype, "ERROR", (), tuple(cnames), transport, "CNAME chain too long")


def _ask(ns: Nameserver, qname: str, rtype: str, timeout: float, retries: int) -> tuple[str, tuple[str, ...], list[str], str, str]:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype

    q = dns.message.make_query(qname, rtype, use_edns=0, payload=EDNS_PAYLOAD)
    transport = "udp"
    response = None
    attempts = max(0, retries) + 1
    last = ""
    for _ in range(attempts):
        try:
            response = dns.query.udp(q, ns.host, port=ns.port, timeout=timeout, ignore_unexpected=True)
            if response.flags & dns.flags.TC:
                transport = "tcp"
                response = dns.query.tcp(q, ns.host, port=ns.port, timeout=timeout)
            break
        except dns.exception.Timeout:
            last = f"no answer within {timeout:g}s, {attempts} attempt(s)"
        except (OSError, dns.exception.DNSException) as exc:
            # Connection refused over TCP, a malformed reply, an unreachable network: report, never raise.
            return "ERROR", (), [], transport, f"{type(exc).__name__}: {exc}"
    if response is None:
        return "TIMEOUT", (), [], transport, last
    rcode = dns.rcode.to_text(response.rcode())
    if rcode != "NOERROR":
        return rcode, (), [], transport, f"{ns} answered {rcode}"
    want = dns.rdatatype.from_text(rtype)
    owner = dns.name.from_text(qname)
    chain: list[str] = []
    addresses: list[str] = []
    # Walk the answer section from the query name along CNAMEs, as a stub resolver does.
    for _ in range(MAX_CNAME_HOPS + 1):
        cname = next((rr for rr in response.answer if rr.name == owner and rr.rdtype == dns.rdatatype.CNAME), None)
        if cname is not None:
            target = cname[0].target
            chain.append(target.to_text(omit_final_dot=True).lower())
            owner = target
            continue
        rrset = next((rr for rr in response.answer if rr.name == owner and rr.rdtype == want), None)
        if rrset is not None:
            addresses = sorted(rd.address for rd in rrset)
        break
    return "NOERROR", tuple(addresses), chain, transport, ""


@record
class ProbeResult:
    """One TCP connection attempt."""

    address: str
    port: int
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "ok": self.ok, "detail": self.detail}


def probe_tcp(address: str, port: int, timeout: float = 2.0) -> ProbeResult:
    """Open (and close) a TCP connection to ``address:port``."""
    # Deferred: only a TCP probe needs socket, and importing it (its enums, selectors) is about 2%
    # of every read command's start-up, which imports this module through netplan.verify.
    import socket

    try:
        with socket.create_connection((address, port), timeout=timeout):
            return ProbeResult(address, port, True, "connected")
    except TimeoutError:
        return ProbeResult(address, port, False, f"no TCP answer within {timeout:g}s")
    except OSError as exc:
        return ProbeResult(address, port, False, exc.strerror or type(exc).__name__)
