"""The ``uc-mcp`` command's entry point (and ``python -m uc_mcp``'s): start-up without the cyclic garbage collector.

Hosts start the server on every launch. Start-up allocates ~110,000 objects that live as long as the process
(modules, pydantic models, every provider's tool table) and next to no cyclic garbage, yet the collector's passes
over them cost ~0.1 s of a ~0.8 s start with three providers (bench figure 1; 0.06 s of building the server, 0.04 s
of imports). So collection is paused until the server is built: ``cli`` then freezes the start-up objects out of
the collector's sight and resumes it (``cli.resume_collection``) before serving, and every other command resumes it
as soon as its arguments are read. Nothing here imports more than ``gc``: this module runs before anything else.
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    try:
        from .cli import main as cli_main

        return cli_main()
    finally:
        gc.enable()  # whatever path a command took
