"""DNS names as the simulator compares them, and Azure's well-known privatelink mapping.

One spelling everywhere: lower-case, no final dot (the form :mod:`netplan.model` stores zone
names and CNAME targets in). :func:`normalize` is the one strict parser for names typed by a user;
it rejects what no resolver would send (empty labels, labels over 63 octets, names over 253).

:data:`PRIVATELINK_SUFFIXES` is the public side of D4: for Azure PaaS names, public DNS answers
``acct.blob.core.windows.net`` with a CNAME to ``acct.privatelink.blob.core.windows.net``. Offline,
that CNAME is the one public answer we know without asking; :func:`privatelink_cname` computes it.
The table is data (Microsoft's "Azure Private Endpoint private DNS zone values", public cloud);
services whose privatelink zone is not simply ``privatelink.<suffix>`` (Key Vault) are spelled out.
"""

from __future__ import annotations

import re

AZURE_DNS_IP = "168.63.129.16"

_LABEL = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$")


class DnsNameError(ValueError):
    """A string that is not a valid DNS name."""


def normalize(name: str) -> str:
    """Lower-case ``name`` and drop one final dot; raise :class:`DnsNameError` if it is not a DNS name."""
    text = name.strip().lower()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        raise DnsNameError("empty DNS name")
    if len(text) > 253:
        raise DnsNameError(f"'{name}' is longer than 253 characters")
    for label in text.split("."):
        if not label:
            raise DnsNameError(f"'{name}' has an empty label")
        if len(label) > 63:
            raise DnsNameError(f"'{name}' has a label longer than 63 characters")
        if not _LABEL.match(label):
            raise DnsNameError(f"'{name}' has an invalid label '{label}'")
    return text


def is_under(name: str, zone: str) -> bool:
    """True when ``name`` is ``zone`` or a descendant of it (both normalized)."""
    return name == zone or name.endswith("." + zone)


def relative(name: str, zone: str) -> str:
    """``name`` relative to ``zone``: ``@`` for the apex, ``app`` for ``app.<zone>``."""
    if name == zone:
        return "@"
    return name[: -(len(zone) + 1)]


def absolute(record_name: str, zone: str) -> str:
    """The full name of a record set named ``record_name`` (``@``, ``*``, ``a.b``) in ``zone``."""
    rel = record_name.strip().lower().rstrip(".")
    if rel in ("@", ""):
        return zone
    return f"{rel}.{zone}"


def ancestors(name: str) -> list[str]:
    """``name`` and each parent domain up to the top-level label, most specific first."""
    out = [name]
    while "." in name:
        name = name.split(".", 1)[1]
        out.append(name)
    return out


def is_privatelink_zone(zone_name: str) -> bool:
    """A zone of Azure's privatelink family (``privatelink.*``), the only kind D5 applies to."""
    return zone_name == "privatelink" or zone_name.startswith("privatelink.") or ".privatelink." in f".{zone_name}"


#: Public service suffix -> the privatelink zone its public CNAME points into (public cloud).
PRIVATELINK_SUFFIXES: dict[str, str] = {
    "blob.core.windows.net": "privatelink.blob.core.windows.net",
    "table.core.windows.net": "privatelink.table.core.windows.net",
    "queue.core.windows.net": "privatelink.queue.core.windows.net",
    "file.core.windows.net": "privatelink.file.core.windows.net",
    "web.core.windows.net": "privatelink.web.core.windows.net",
    "dfs.core.windows.net": "privatelink.dfs.core.windows.net",
    "database.windows.net": "privatelink.database.windows.net",
    "sql.azuresynapse.net": "privatelink.sql.azuresynapse.net",
    "dev.azuresynapse.net": "privatelink.dev.azuresynapse.net",
    "documents.azure.com": "privatelink.documents.azure.com",
    "mongo.cosmos.azure.com": "privatelink.mongo.cosmos.azure.com",
    "postgres.database.azure.com": "privatelink.postgres.database.azure.com",
    "mysql.database.azure.com": "privatelink.mysql.database.azure.com",
    "mariadb.database.azure.com": "privatelink.mariadb.database.azure.com",
    "redis.cache.windows.net": "privatelink.redis.cache.windows.net",
    "vault.azure.net": "privatelink.vaultcore.azure.net",
    "managedhsm.azure.net": "privatelink.managedhsm.azure.net",
    "azurecr.io": "privatelink.azurecr.io",
    "servicebus.windows.net": "privatelink.servicebus.windows.net",
    "azurewebsites.net": "privatelink.azurewebsites.net",
    "search.windows.net": "privatelink.search.windows.net",
    "azconfig.io": "privatelink.azconfig.io",
    "cognitiveservices.azure.com": "privatelink.cognitiveservices.azure.com",
    "openai.azure.com": "privatelink.openai.azure.com",
    "azure-api.net": "privatelink.azure-api.net",
    "azuredatabricks.net": "privatelink.azuredatabricks.net",
    "datafactory.azure.net": "privatelink.datafactory.azure.net",
    "service.signalr.net": "privatelink.service.signalr.net",
    "webpubsub.azure.com": "privatelink.webpubsub.azure.com",
    "eventgrid.azure.net": "privatelink.eventgrid.azure.net",
    "azure-devices.net": "privatelink.azure-devices.net",
    "azurehdinsight.net": "privatelink.azurehdinsight.net",
}


def privatelink_cname(name: str) -> tuple[str, str] | None:
    """The public CNAME Azure publishes for a PaaS name (D4): ``(target, service suffix)``, or None.

    ``acct.blob.core.windows.net`` -> ``acct.privatelink.blob.core.windows.net``. A name that is
    already inside the privatelink zone gets no second hop (public DNS answers it directly).
    """
    for suffix in _suffixes_of(name):
        zone = PRIVATELINK_SUFFIXES.get(suffix)
        if zone is None:
            continue
        if is_under(name, zone) or name == suffix:
            return None
        head = name[: -(len(suffix) + 1)]
        return f"{head}.{zone}", suffix
    return None


def _suffixes_of(name: str) -> list[str]:
    # Longest suffix first, so "mongo.cosmos.azure.com" wins over any shorter entry.
    return ancestors(name)[1:]
