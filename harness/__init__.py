"""What the tests and the benchmarks both start: app servers on 127.0.0.1 (``server``), headless Chromium
(``browser``), nginx in front of replicas (``nginx``), a local Ray head (``ray_head``), and the AppTest opening of a
lab (``apptest``). Nothing here imports pytest: a failed start raises ``server.ServerFailed``."""
