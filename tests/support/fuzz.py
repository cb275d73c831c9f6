"""The property test every provider's sandbox takes over its OpenAPI subset (schemathesis): requests generated for
each operation from the spec, valid ones and invalid ones (wrong types, out-of-range numbers, odd strings, broken
bodies), sent to the in-process app and each answer checked by the provider's test.

Deterministic and small for CI: a fixed seed (``derandomize``), no example database, no shrinking (a failure
reports its case as found). ``UC_MCP_FUZZ_EXAMPLES=<n>`` runs a deeper search locally.

Import after ``pytest.importorskip("schemathesis")``: a machine without it skips the fuzz tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode


def examples(default: int) -> int:
    """Cases per operation: ``UC_MCP_FUZZ_EXAMPLES``, else the suite's ``default``."""
    return int(os.environ.get("UC_MCP_FUZZ_EXAMPLES", str(default)))


def operations(document: dict[str, Any]) -> list[Any]:
    """Every operation of ``document`` (a spec whose ``servers`` name the app's root), for ``parametrize``."""
    return [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]


def spec_operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation at ``path`` (the spec's template) and ``method``, as the spec declares it."""
    return dict(document["paths"][path][method.lower()])


def run_cases(operation: Any, count: int, check: Callable[[Any], None]) -> None:
    """``count`` generated requests for ``operation``, valid and invalid alike, each handed to ``check``."""
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
        generation_mode=GenerationMode.NEGATIVE
    )

    @settings(
        max_examples=count,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports its case as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        check(case)

    run()
