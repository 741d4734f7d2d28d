"""Where the shared corpus and sample dialogs are: ../shared beside the checkout. Locally a missing
folder skips the tests that need it; in CI (the CI variable set) it fails them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[4] / "shared"


def shared_dir(*parts: str) -> Path:
    """The shared folder, or skip (locally) / fail (CI) when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs with ../shared beside the checkout, but {path} is missing")
        pytest.skip(f"no {path} (../shared is not beside this checkout)")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its caches in a temp folder, not in the checkout (like -p no:cacheprovider)."""
    try:
        from hypothesis import configuration
    except ImportError:
        return
    configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "seed-hypothesis")
