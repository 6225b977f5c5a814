// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @dev The few Foundry cheatcodes the invariant test uses (no forge-std: nothing to fetch).
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function warp(uint256 newTimestamp) external;
    function prank(address sender) external;
    function readFile(string calldata path) external view returns (string memory);
    function parseBytes(string calldata hexText) external pure returns (bytes memory);
    function label(address account, string calldata name) external;
}

/// @dev Foundry's invariant-target types (the layout forge-std's StdInvariant uses).
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @dev The proof word that makes a stand-in verifier refuse (so a refused proof is fuzzed too).
uint256 constant REJECTED_PROOF = 0xdead;

/// @title StandInBatchVerifier
/// @notice For the invariant fuzzing only: the snarkjs verifier's ABI for 9 public inputs
/// (7 + W, W = 2), accepting every proof but one whose first word is REJECTED_PROOF. The
/// invariant handler keeps the public inputs consistent with its model of the circuit.
contract StandInBatchVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[9] calldata
    ) external pure returns (bool) {
        return a[0] != REJECTED_PROOF;
    }
}

/// @title StandInExitVerifier
/// @notice For the invariant fuzzing only: the snarkjs verifier's ABI for the 4 exit inputs.
contract StandInExitVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[4] calldata
    ) external pure returns (bool) {
        return a[0] != REJECTED_PROOF;
    }
}
