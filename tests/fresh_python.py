"""Running a snippet in a fresh interpreter: for what must be checked before Rasa,
TensorFlow or spaCy are imported, which pytest has done by the time a test runs."""

from __future__ import annotations

import subprocess
import sys

from clinic.settings import PROJECT_ROOT


def last_line(code: str, timeout: float = 300) -> str:
    """Runs ``code`` with this Python in the project root and returns the last line it
    printed; a failing snippet fails the test with the end of its stderr."""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, text=True,
                          capture_output=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""
