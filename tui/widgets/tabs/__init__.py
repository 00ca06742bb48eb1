"""The tabbed region beside the tree: details, topology, DNS, overlaps."""
