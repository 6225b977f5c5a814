"""The venue's deployment on anvil: the genesis root holds the operator's account 0 (issue 18
rule 6) and each power has its own key (rule 8).

Real anvil and the real `test` batch verifier (compiled once, cached).
"""

from __future__ import annotations

import pytest

from prover.build.anvil import local_chain
from prover.model.state import State
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.genesis import genesis_state
from testkit.settlement import OPERATOR

pytestmark = pytest.mark.slow


def test_genesis_root_and_separate_roles() -> None:
    with local_chain() as chain:
        w3 = chain.w3
        venue = deploy_venue(w3, "test", operator=OPERATOR)
        s = venue.settlement

        genesis = genesis_state(venue.config, OPERATOR)
        assert s.functions.stateRoot().call() == genesis.root == venue.genesis_root
        assert genesis.root != State(venue.config).root  # leaf 0 is not empty
        assert genesis.get(0).positions == [(0, 0)] * venue.config.positions

        people = {"admin": venue.admin, "relayer": venue.relayer, "oracle": venue.oracle_owner}
        assert len(set(people.values())) == 3
        roles = {
            "admin": s.functions.DEFAULT_ADMIN_ROLE().call(),
            "relayer": s.functions.RELAYER_ROLE().call(),
            "oracle": s.functions.ORACLE_ROLE().call(),
        }
        for power, role in roles.items():
            for who, address in people.items():
                held = s.functions.hasRole(role, address).call()
                assert held == (who == power), f"{who} {'holds' if held else 'lacks'} {power}"
        assert s.functions.hasRole(roles["oracle"], venue.oracle.address).call()  # TestOracle
        assert venue.oracle.functions.owner().call() == venue.oracle_owner

        with pytest.raises(ValueError, match="three different addresses"):
            deploy_venue(w3, "test", operator=OPERATOR, relayer=chain.accounts[0])
