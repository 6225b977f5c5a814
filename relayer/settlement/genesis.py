"""The venue's genesis state from account 0's key (issue 18 rule 6, DA_SPEC sec. 1).

Account 0 holds the operator's public key from genesis, and every leaf's ``enc`` is the ECDH
x-coordinate with the operator's secret scalar (``PrivateKey.secret_scalar()``), account 0's
own included: the genesis root, and every account the batches create after it, need the key
itself, not only its public half. The relayer holds it (``operator_secret`` /
``<data_dir>/operator.key``)."""

from __future__ import annotations

from prover.crypto.eddsa import PrivateKey
from prover.model.state import State
from prover.statement.config import CircuitConfig


def genesis_state(config: CircuitConfig, operator: PrivateKey) -> State:
    """``State.genesis`` for ``operator`` (account 0's key and its secret scalar)."""
    return State.genesis(config, operator.public_key(), operator.secret_scalar())
