"""Private DNS: the resolution simulator, the estate-wide matrix, zone files and live queries.

:mod:`netplan.dns.simulator` answers "what does a VM in this VNet get for this name, and why";
:mod:`netplan.dns.matrix` does it for every VNet and a set of names in one pass;
:mod:`netplan.dns.zonefile` writes an estate's zones as RFC 1035 master files;
:mod:`netplan.dns.live` asks a real resolver with dnspython. Nothing here imports the Azure SDK.
"""
