"""The chaos test: a seeded bot trades through a faulty proxy; nothing may be lost.

``proxy.py`` is the fault layer (REST and WebSocket, between the connector and the
simulator), ``bot.py`` the seeded workload, ``verdict.py`` the comparison with the
simulator's own state, ``run.py`` one seed end to end (shared by ``test_chaos.py`` and
``bench/chaos.py``). See ``docs/chaos.md``.
"""
