// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @title IPoseidon4
/// @notice circomlib's Poseidon with 4 inputs, as deployed from circomlibjs's
/// `poseidonContract.createCode(4)` (hand-assembled EVM code; no Solidity source).
interface IPoseidon4 {
    /// @notice circomlib Poseidon([a, b, c, d]); inputs must be field elements (< p).
    function poseidon(uint256[4] calldata input) external pure returns (uint256);
}
