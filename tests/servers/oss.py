"""Placeholder: fixtures for the oss test server land here."""
