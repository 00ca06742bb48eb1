"""One module per ``vnetplan`` subcommand, registered explicitly in :mod:`vnetplan.cli`."""
