// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {DataBlob} from "../libraries/DataBlob.sol";

/// @notice Test-only: DataBlob.bind at any P, for the Solidity-vs-Python differential tests
/// and the per-entry gas measurement (Settlement runs the same library code inline).
contract DataBlobProbe {
    function bind(bytes calldata data, uint256 newRoot, uint256 positions)
        external
        pure
        returns (uint256 binding)
    {
        uint256 words = DataBlob.wordsPerEntry(positions);
        return DataBlob.bind(data, keccak256(data), newRoot, positions, words);
    }

    /// @notice bind's execution gas alone (no calldata: a transaction's gas on Prague is often
    /// its EIP-7623 calldata floor, which hides execution), measured with gasleft().
    function bindGas(bytes calldata data, uint256 newRoot, uint256 positions)
        external
        view
        returns (uint256 gasUsed)
    {
        uint256 words = DataBlob.wordsPerEntry(positions);
        uint256 before = gasleft();
        DataBlob.bind(data, keccak256(data), newRoot, positions, words);
        gasUsed = before - gasleft();
    }

    /// @notice The old binding's execution gas (dataHash = keccak256(data) mod p, with the
    /// calldata copy it hashes), the baseline of the comparison.
    function hashOnlyGas(bytes calldata data) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        uint256 h = uint256(keccak256(data)) % DataBlob.FIELD_MODULUS;
        gasUsed = before - gasleft();
        if (h == type(uint256).max) revert(); // keep h (and the hash) from being optimised out
    }
}
