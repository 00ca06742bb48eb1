"""The left-hand region: the filter box and the lazy estate tree."""
