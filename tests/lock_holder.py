"""Another process holding a ticket's ledger lock, for tests of a busy ticket."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLD = (
    "import sys, time; from pathlib import Path;"
    "from martflow.core.workflow.ledger import Ledger;"
    "Ledger(Path(sys.argv[1])).acquire(sys.argv[2]); print('locked', flush=True);"
    "time.sleep(60)"
)


@contextmanager
def ticket_lock_held(state_db: Path, key: str) -> Iterator[subprocess.Popen[str]]:
    """A child that holds ``key``'s lock until the block ends, then dies without releasing it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(state_db), key], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()
