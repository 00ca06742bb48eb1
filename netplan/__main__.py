"""``python -m netplan`` runs the ``vnetplan`` command line."""

from netplan.cli import entry

entry()
