"""One module per ``vnetplan`` subcommand, registered explicitly in :mod:`netplan.cli`."""
