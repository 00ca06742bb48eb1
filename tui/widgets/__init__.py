"""Widgets grouped by the screen region they live in: sidebar/, details/, tabs/."""
