"""Session-wide test fixtures shared by tests/ and plugins/*/tests/: real storage servers."""

pytest_plugins = [
    "tests.servers.s3",
    "tests.servers.azure",
    "tests.servers.oss",
    "tests.servers.gas",
    "tests.servers.faults",
]
