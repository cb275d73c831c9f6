"""setuptools' build backend, after a check of the Python version that older pips make too late.

pip 23 (the one Python 3.10 ships with) resolves a local project's dependencies before it compares
``requires-python`` with the interpreter: on Python 3.10 it reports that no version of ``httpx2``
matches instead of saying why. This module is imported first, by the interpreter being installed
into, so the version is the first thing checked.
"""

import sys

from setuptools.build_meta import *  # noqa: F403  (the hooks pip calls)

if sys.version_info < (3, 11):  # noqa: UP036  (the point of this module; keep in step with requires-python)
    raise SystemExit(
        f"uc-mcp needs Python 3.11 or newer; this is Python {sys.version.split()[0]}. "
        "Create the virtual environment with a newer Python, e.g. python3.11 -m venv .venv"
    )
