"""The plugins here are distributions a test builds and installs; their own tests run only
through that test (tests/test_plugins.py), against the installed plugin."""

collect_ignore_glob = ["*"]
