"""What the demo, the benchmarks, the checks in ``scripts/`` and the tests share to stand up hhsync
on the sandboxes: servers on free ports, an installed portal, the engine's world, daemon processes.

Shipped with the package because ``hhsync demo`` uses it; nothing here reads the environment or
depends on pytest.
"""
