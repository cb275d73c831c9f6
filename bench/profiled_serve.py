"""``python -m bench.profiled_serve OUT {pyinstrument,cprofile}``: ``uc-mcp serve`` on stdio, unchanged, with
a profiler that signals switch: SIGUSR1 starts it, SIGUSR2 stops it and writes ``OUT`` (pyinstrument's
text tree, or cProfile's stats file for ``pstats``). So a profile holds the server's own work for exactly
the calls between the two signals — not its start-up, not the client's side (``bench/profile.py``).
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any


class _Switch:
    def __init__(self, out: Path, kind: str) -> None:
        self.out = out
        self.kind = kind
        self.profiler: Any = None

    def start(self, *_: object) -> None:
        if self.kind == "pyinstrument":
            from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]  # the bench extra

            # Plain stacks: the event loop's frames stay in the tree, which is what the process runs.
            self.profiler = Profiler(interval=0.0005, async_mode="disabled")
            self.profiler.start()
        else:
            import cProfile

            self.profiler = cProfile.Profile(time.process_time)  # CPU, not wall: where the CPU goes
            self.profiler.enable()

    def stop(self, *_: object) -> None:
        if self.profiler is None:
            return
        if self.kind == "pyinstrument":
            self.profiler.stop()
            text = self.profiler.output_text(unicode=True, color=False, show_all=False)
            self.out.write_text(text, encoding="utf-8")
        else:
            self.profiler.disable()
            self.profiler.dump_stats(str(self.out))
        self.profiler = None


def main() -> None:
    switch = _Switch(Path(sys.argv[1]), sys.argv[2])
    signal.signal(signal.SIGUSR1, switch.start)
    signal.signal(signal.SIGUSR2, switch.stop)
    from uc_mcp.cli import main as serve

    raise SystemExit(serve(["serve"]))


if __name__ == "__main__":
    main()
