"""The rules, one per module. Each module defines ``RULE`` (a :class:`checks.model.Rule`);
:mod:`checks.registry` lists them explicitly."""
