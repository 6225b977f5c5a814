"""The chain a relayer settles on, as a desk needs it: chain id, Settlement, collateral token.

Read once at start (``read_chain_info``): the token address from ``Settlement.token()``, its
decimals from the token and ``Settlement.unitScale()`` (token base units per venue unit), so
what ``GET /v1/venue`` shows is what the contracts hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from prover.errors import ChainError

if TYPE_CHECKING:
    from web3 import Web3

_SETTLEMENT_ABI = [
    {
        "type": "function",
        "name": "token",
        "inputs": [],
        "outputs": [{"name": "", "type": "address"}],
        "stateMutability": "view",
    },
    {
        "type": "function",
        "name": "unitScale",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
        "stateMutability": "view",
    },
]
_ERC20_ABI = [
    {
        "type": "function",
        "name": "decimals",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint8"}],
        "stateMutability": "view",
    }
]


@dataclass(frozen=True)
class ChainInfo:
    chain_id: int
    settlement_address: str  # checksummed
    token_address: str  # checksummed: the collateral ERC-20 Settlement.deposit pulls
    token_decimals: int
    unit_scale: int = 1  # Settlement.unitScale: token base units per venue unit


def read_chain_info(w3: Web3, settlement_address: str) -> ChainInfo:
    """Chain id, Settlement's collateral token, the token's decimals and the unit scale, read
    from ``w3``;
    :class:`ChainError` if no Settlement answers at that address."""
    from web3 import Web3

    try:
        address = Web3.to_checksum_address(settlement_address)
        if not w3.eth.get_code(address):
            raise ChainError(f"no contract at the Settlement address {address}")
        settlement = w3.eth.contract(address=address, abi=_SETTLEMENT_ABI)
        token = settlement.functions.token().call()
        decimals = w3.eth.contract(address=token, abi=_ERC20_ABI).functions.decimals().call()
        scale = settlement.functions.unitScale().call()
        return ChainInfo(w3.eth.chain_id, address, token, int(decimals), int(scale))
    except ChainError:
        raise
    except Exception as exc:  # an RPC or decoding failure: name it, in one line
        raise ChainError(
            f"could not read the venue's contracts at {settlement_address}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
