"""Placeholder: fixtures for the s3 test server land here."""
