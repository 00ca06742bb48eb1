"""The live Azure source: inventory through the Azure SDK (and, later, the apply executor).

Nothing here imports the Azure SDK at module level: offline commands import the core without
paying for it, and tests prove it (tests/unit/test_import_hygiene.py).
"""
