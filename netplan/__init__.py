"""vnetplan's core library: the estate model, loaders and analyses (no UI, no rules)."""

__version__ = "0.1.0"
