"""Team mode: the GAS service over HTTP (``gas serve``).

``app`` and the modules it uses need the ``server`` extra (FastAPI, uvicorn); ``team``
(opening the service for a team) needs only the core, so ``gas admin`` works without it.
"""
