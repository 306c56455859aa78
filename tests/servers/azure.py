"""Placeholder: fixtures for the azure test server land here."""
