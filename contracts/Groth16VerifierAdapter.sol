// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";

/// @title Groth16VerifierAdapter
/// @notice Puts a snarkjs-generated `Groth16Verifier` (any number N of public inputs) behind
/// IBatchVerifier.
/// @dev The generated `verifyProof(uint[2],uint[2][2],uint[2],uint[N])` takes only static
/// arrays, so its ABI encoding is the selector followed by 8 + N words: exactly
/// `abi.encodePacked(selector, proof, publicInputs)`. Only the selector depends on N; it is
/// computed once here. The generated verifier returns false (never reverts) for a bad proof
/// or an input >= p; any other outcome (revert, short return data) also counts as rejection.
contract Groth16VerifierAdapter is IBatchVerifier {
    /// @notice The wrapped snarkjs verifier.
    address public immutable verifier;
    /// @inheritdoc IBatchVerifier
    uint256 public immutable publicInputCount;
    /// @notice verifyProof's selector for this N.
    bytes4 public immutable selector;

    /// @param verifier_ a deployed snarkjs `Groth16Verifier`
    /// @param nPublic the number of public inputs of its verifying key
    constructor(address verifier_, uint256 nPublic) {
        if (verifier_.code.length == 0 || nPublic == 0) revert WrongPublicInputCount(1, nPublic);
        verifier = verifier_;
        publicInputCount = nPublic;
        selector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                    Strings.toString(nPublic),
                    "])"
                )
            )
        );
    }

    /// @inheritdoc IBatchVerifier
    function verifyProof(uint256[8] calldata proof, uint256[] calldata publicInputs)
        external
        view
        returns (bool)
    {
        if (publicInputs.length != publicInputCount) {
            revert WrongPublicInputCount(publicInputCount, publicInputs.length);
        }
        (bool ok, bytes memory ret) =
            verifier.staticcall(abi.encodePacked(selector, proof, publicInputs));
        return ok && ret.length == 32 && abi.decode(ret, (bool));
    }
}
