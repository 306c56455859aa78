"""Placeholder: fixtures that run a real `gas serve` land here."""
