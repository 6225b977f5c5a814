// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @title IBatchVerifier
/// @notice A Groth16 verifier over BN254 that takes its public inputs as a dynamic array.
/// @dev snarkjs's generated `Groth16Verifier.verifyProof(uint[2],uint[2][2],uint[2],uint[N])`
/// fixes N in its signature (hence in its selector); `Groth16VerifierAdapter` wraps any such
/// verifier behind this interface, so Settlement works for any number of withdrawal slots W.
/// Used for both batch proofs and exit proofs.
interface IBatchVerifier {
    /// @notice Thrown when the number of public inputs differs from the verifier's.
    error WrongPublicInputCount(uint256 expected, uint256 given);

    /// @notice The number of public inputs the wrapped verifying key has.
    function publicInputCount() external view returns (uint256);

    /// @notice True iff `proof` is valid for `publicInputs`.
    /// @param proof a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y: the Ethereum calldata order
    ///        (snarkjs `soliditycalldata`, pi_b coordinate pairs already swapped).
    /// @param publicInputs the circuit's public signals, in circuit order.
    function verifyProof(uint256[8] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool);
}
