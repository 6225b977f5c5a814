"""A test hook, never for production: stop the settlement loop at one lifecycle step.

With ``DARKBOOK_FAULT_PAUSE_AT=<step>`` (or ``<step>:<batch number>``) in its environment, the
loop blocks for good when a batch reaches that step, after printing one line to stderr::

    darkbook fault hook: paused at <step> of batch <n>

so a test can wait for the line and kill the process (``kill -9``) at a known point, then
restart it without the variable and check that the batch resumes. The steps, in order:

- ``sealed``: the batch and everything needed to rebuild it are stored, nothing proved;
- ``proving``: its status says proving, the proof is not made;
- ``proved``: the proof is stored, nothing sent;
- ``sent``: the transaction is sent (on anvil: mined), the database does not know it yet;
- ``submitted``: the transaction hash is stored, the receipt is not;
- ``confirmed``: the chain holds the batch, final, and the database does not know it yet.

and, not a batch step, ``table_registered:<epoch>``: the oracle keeper registered the table
of that epoch on chain and the venue has not adopted (stored) it.

With ``DARKBOOK_FAULT_HOLD_SEAL=<file>``, the loop seals nothing while that file exists, so a
test can post one batch's worth of work (a fill and a withdrawal) and know it lands in one batch.

Unset (always, outside tests), ``pause_at`` returns at once and ``sealing_held`` is False.
"""

from __future__ import annotations

import os
import sys
import threading

FAULT_ENV = "DARKBOOK_FAULT_PAUSE_AT"
HOLD_ENV = "DARKBOOK_FAULT_HOLD_SEAL"
STEPS = ("sealed", "proving", "proved", "sent", "submitted", "confirmed")
# not a batch step: the oracle keeper registered a table (its epoch) and has not adopted it
KEEPER_STEPS = ("table_registered",)


def sealing_held() -> bool:
    """True while the file ``DARKBOOK_FAULT_HOLD_SEAL`` names exists (never outside tests)."""
    hold = os.environ.get(HOLD_ENV)
    return bool(hold) and os.path.exists(hold)


def pause_at(step: str, batch_number: int) -> None:
    """Block forever if ``DARKBOOK_FAULT_PAUSE_AT`` names ``step`` (and this batch, if it
    names one); return at once otherwise."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    name, _, number = wanted.partition(":")
    if name not in STEPS + KEEPER_STEPS:
        raise ValueError(
            f"{FAULT_ENV}={wanted!r}: the step must be one of {', '.join(STEPS + KEEPER_STEPS)}"
        )
    if name != step or (number and int(number) != batch_number):
        return
    print(f"darkbook fault hook: paused at {step} of batch {batch_number}", file=sys.stderr)
    sys.stderr.flush()
    threading.Event().wait()  # until the test kills the process
