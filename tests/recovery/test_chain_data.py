"""What the owner tooling reads besides the blobs, from a real Settlement (anvil, stand-in
verifiers): the operator's key is the constructor's KeyOwnerBound (not a later depositor's),
and the genesis root, batch 1's old root, is stateRoot before batch 1 landed."""

from __future__ import annotations

import pytest

from prover.build.anvil import local_chain
from recovery.chain_data import read_chain
from recovery.errors import RecoveryError
from testkit.contracts import GENESIS_ROOT, KEY_A, KEY_OPERATOR, MARKET_HASH
from tests.contracts.conftest import make_deployment, make_env


def test_operator_key_and_genesis_root_come_from_the_chain() -> None:
    with local_chain() as chain:
        dep = make_deployment(chain)
        env = make_env(chain, dep)
        address = dep.settlement.address
        before = read_chain(chain.w3, address)
        assert before.batches == () and before.state_root == before.genesis_root == GENESIS_ROOT
        assert before.operator_key == KEY_OPERATOR

        env.fund(env.alice, 10_000)
        after_deposit = env.deposit(env.alice, 3_000, KEY_A)  # binds KEY_A: a later KeyOwnerBound
        env.register_market(MARKET_HASH, env.now())
        env.submit(env.make_batch(queue_count=1, timestamp=env.now()))
        landed = read_chain(chain.w3, address)
        assert len(landed.batches) == 1 and landed.state_root == landed.batches[0].new_root
        assert landed.genesis_root == GENESIS_ROOT == landed.old_root(0)
        assert landed.operator_key == KEY_OPERATOR

        # read from after the deployment, the first KeyOwnerBound is a depositor's: refused
        with pytest.raises(RecoveryError, match="do not include the constructor's"):
            read_chain(chain.w3, address, from_block=int(after_deposit["blockNumber"]))
