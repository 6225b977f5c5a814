// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title Groth16Call
/// @notice Calls a snarkjs-generated `Groth16Verifier` with the proof and a dynamic array of
/// public inputs, for any number N of inputs.
/// @dev The generated `verifyProof(uint[2],uint[2][2],uint[2],uint[N])` takes only static
/// arrays, so its ABI encoding is the selector followed by 8 + N words: the proof words (in
/// `soliditycalldata` order: a, b with each pair swapped, c) and then the inputs, copied
/// straight from calldata. Only the selector depends on N (`selectorFor`, computed once at
/// deployment). The generated verifier returns false (never reverts) for a bad proof or an
/// input >= p; a revert or malformed return data also counts as rejection. A direct call
/// rather than an adapter contract saves a cold account access (about 3,600 gas per batch).
library Groth16Call {
    /// @notice The selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])`.
    function selectorFor(uint256 nPublic) internal pure returns (bytes4) {
        return bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                    Strings.toString(nPublic),
                    "])"
                )
            )
        );
    }

    /// @notice True iff `verifier` accepts `proof` for `inputs` (whose length must be its N).
    function verify(
        address verifier,
        bytes4 selector,
        uint256[8] calldata proof,
        uint256[] calldata inputs
    ) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 4), proof, 256)
            let size := mul(inputs.length, 32)
            calldatacopy(add(ptr, 260), inputs.offset, size)
            let success := staticcall(gas(), verifier, ptr, add(260, size), 0x00, 0x20)
            ok := and(success, and(eq(returndatasize(), 32), eq(mload(0x00), 1)))
        }
    }
}
