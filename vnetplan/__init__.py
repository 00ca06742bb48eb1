"""The ``vnetplan`` command line: the shell above the core (:mod:`netplan`), the compliance rules
(:mod:`checks`) and the terminal UI (:mod:`tui`)."""

from netplan import __version__

__all__ = ["__version__"]
