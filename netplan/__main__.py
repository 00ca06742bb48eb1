"""``python -m netplan`` runs the ``vnetplan`` command line."""

from vnetplan.cli import entry

entry()
