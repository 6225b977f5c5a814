// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ISettlement} from "../interfaces/ISettlement.sol";

/// @title DataBlob
/// @notice Parses a batch's DBK3 data blob and derives the public input that binds it to the
/// batch proof (docs/DA_SPEC sec. 4-5; Python's prover/statement/data_blob.py is the
/// reference both are tested against).
/// @dev Layout, big-endian:
///     "DBK3" | P (1 byte) | n (2 bytes) | n x [ accountId (4) | leafHash (32) | ct_0..ct_K (32) ]
/// with K = max(2, ceil(P / 2)), so an entry is `words` = K + 2 field words after its id.
/// Binding:
///     alpha = uint128(keccak256(abi.encodePacked(keccak256(data), newRoot)))   (low 128 bits)
///     e(entry) = sum_k v_k alpha^k over v = [accountId, leafHash, ct_0, ..., ct_K]
///     F = prod_entries (alpha^(K + 3) - e(entry)) mod p   (1 for no entry)
///     dataBinding = alpha + 2^128 (F mod 2^125)   (one public input, 253 bits)
/// Ids strictly ascending make the multiset the circuit fingerprints a set in one order.
library DataBlob {
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    bytes4 internal constant MAGIC = "DBK3";
    uint256 internal constant HEADER_BYTES = 7;
    uint256 internal constant ID_BYTES = 4;
    /// @notice Bits of F kept in dataBinding above alpha's 128 (128 + 125 = 253 < log2 p).
    uint256 internal constant TAIL_MASK = (1 << 125) - 1;
    /// @notice Most position slots a leaf has (4 + 2P + 2 <= 16 Poseidon inputs).
    uint256 internal constant MAX_POSITIONS = 5;

    /// @notice Field words of one entry after its id: the leaf hash and ct_0 .. ct_K (K + 2).
    /// bind assumes 4 or 5 (1 <= P <= MAX_POSITIONS: Settlement's constructor checks P).
    function wordsPerEntry(uint256 positions) internal pure returns (uint256) {
        uint256 k = (positions + 1) / 2; // ceil(P / 2)
        return (k < 2 ? 2 : k) + 2;
    }

    /// @notice Bytes of one entry: 4 + 32 (K + 2) (132 at P = 2 and P = 4).
    function entryBytes(uint256 positions) internal pure returns (uint256) {
        return ID_BYTES + 32 * wordsPerEntry(positions);
    }

    /// @notice Checks `data` is a well-formed blob of a P = `positions` deployment (each
    /// failure reverts with an ISettlement error naming it) and returns dataBinding =
    /// alpha + 2^128 (F mod 2^125).
    /// @param dataHash keccak256(data) (the caller hashes its memory copy of the log data)
    /// @param words wordsPerEntry(positions), precomputed by the caller
    function bind(
        bytes calldata data,
        bytes32 dataHash,
        uint256 newRoot,
        uint256 positions,
        uint256 words
    ) internal pure returns (uint256 binding) {
        (uint256 n, uint256 step) = _header(data, positions, words);
        uint256 alpha;
        assembly ("memory-safe") {
            mstore(0x00, dataHash)
            mstore(0x20, newRoot)
            alpha := and(keccak256(0x00, 0x40), 0xffffffffffffffffffffffffffffffff) // uint128
        }
        (uint256 fingerprint, uint256 bad) = _fingerprint(data[HEADER_BYTES:], alpha, words);
        if (bad != 0) _locate(data, n, step); // non-zero: an id not ascending or a word >= p
        binding = alpha | ((fingerprint & TAIL_MASK) << 128);
    }

    /// @dev Magic, P and exact length; returns the entry count n and the entry size.
    function _header(bytes calldata data, uint256 positions, uint256 words)
        private
        pure
        returns (uint256 n, uint256 step)
    {
        uint256 len = data.length;
        uint256 head;
        assembly ("memory-safe") {
            head := calldataload(data.offset)
        }
        // calldataload reads past the blob's end: keep only its own bytes
        if (len < 32) head &= ~(type(uint256).max >> (8 * len));
        if (bytes4(bytes32(head)) != MAGIC) {
            revert ISettlement.DataBlobBadMagic(bytes4(bytes32(head)));
        }
        if (len < HEADER_BYTES) revert ISettlement.DataBlobWrongLength(HEADER_BYTES, len);
        uint256 p = uint8(head >> 216);
        if (p != positions) revert ISettlement.DataBlobWrongPositions(positions, p);
        n = uint16(head >> 200);
        step = ID_BYTES + 32 * words;
        uint256 expected = HEADER_BYTES + n * step;
        if (len != expected) revert ISettlement.DataBlobWrongLength(expected, len);
    }

    /// @dev F = prod (beta - e(entry)) over `entries` (the blob after its header), each
    /// ID_BYTES + 32 words long; `bad` non-zero once an id is not above the previous one or a
    /// word is >= p (the happy path only accumulates it: no branch per word; _locate names the
    /// offending entry and word). Its own function with few variables: the legacy pipeline
    /// (slither) runs out of stack slots otherwise.
    function _fingerprint(bytes calldata entries, uint256 alpha, uint256 words)
        private
        pure
        returns (uint256 f, uint256 bad)
    {
        assembly ("memory-safe") {
            let ptr := entries.offset
            let end := add(ptr, entries.length) // a whole number of entries (_header)
            // beta = alpha^(K + 3) = alpha^(words + 1)
            let beta := alpha
            for { let k := 0 } lt(k, words) { k := add(k, 1) } {
                beta := mulmod(beta, alpha, FIELD_MODULUS)
            }
            f := 1
            let next := 0 // the lowest id the next entry may carry (previous id + 1)
            for {} lt(ptr, end) { ptr := add(ptr, add(ID_BYTES, shl(5, words))) } {
                {
                    let id := shr(224, calldataload(ptr))
                    bad := or(bad, lt(id, next))
                    next := add(id, 1)
                }
                // Horner from ct_K (the entry's last word) down to the leaf hash (at ptr + 4),
                // then the id: e = id + leafHash a + ct_0 a^2 + ... + ct_K a^(K + 2). Unrolled
                // (words is 4, or 5 at P = 5): a loop would double the cost per word.
                let e := 0
                if gt(words, 4) {
                    e := calldataload(add(ptr, 132)) // ct_3
                    bad := or(bad, iszero(lt(e, FIELD_MODULUS)))
                }
                let v := calldataload(add(ptr, 100)) // ct_2
                bad := or(bad, iszero(lt(v, FIELD_MODULUS)))
                e := addmod(mulmod(e, alpha, FIELD_MODULUS), v, FIELD_MODULUS)
                v := calldataload(add(ptr, 68)) // ct_1
                bad := or(bad, iszero(lt(v, FIELD_MODULUS)))
                e := addmod(mulmod(e, alpha, FIELD_MODULUS), v, FIELD_MODULUS)
                v := calldataload(add(ptr, 36)) // ct_0
                bad := or(bad, iszero(lt(v, FIELD_MODULUS)))
                e := addmod(mulmod(e, alpha, FIELD_MODULUS), v, FIELD_MODULUS)
                v := calldataload(add(ptr, 4)) // leaf hash
                bad := or(bad, iszero(lt(v, FIELD_MODULUS)))
                e := addmod(mulmod(e, alpha, FIELD_MODULUS), v, FIELD_MODULUS)
                e := addmod(mulmod(e, alpha, FIELD_MODULUS), sub(next, 1), FIELD_MODULUS) // id
                // beta - e (e < p, so p - e > 0)
                f := mulmod(f, addmod(beta, sub(FIELD_MODULUS, e), FIELD_MODULUS), FIELD_MODULUS)
            }
        }
    }

    /// @dev The error path: reverts naming the first entry (in blob order) whose id is not
    /// above the previous one, or whose word (0 = leaf hash, 1 + j = ct_j) is >= p. The blob's
    /// length was checked, so every load stays inside it.
    function _locate(bytes calldata data, uint256 n, uint256 step) private pure {
        uint256 kind; // 1: ids not ascending, 2: a word >= p
        uint256 entry;
        uint256 x; // the previous id, or the word's index
        uint256 y; // the id, or the word
        assembly ("memory-safe") {
            let ptr := add(data.offset, HEADER_BYTES)
            for { let i := 0 } and(lt(i, n), iszero(kind)) { i := add(i, 1) } {
                let id := shr(224, calldataload(ptr))
                if and(gt(i, 0), iszero(gt(id, x))) {
                    kind := 1
                    entry := i
                    y := id
                    break
                }
                x := id
                for { let j := 0 } lt(add(ID_BYTES, shl(5, j)), step) { j := add(j, 1) } {
                    let v := calldataload(add(add(ptr, ID_BYTES), shl(5, j)))
                    if iszero(lt(v, FIELD_MODULUS)) {
                        kind := 2
                        entry := i
                        x := j
                        y := v
                        break
                    }
                }
                ptr := add(ptr, step)
            }
        }
        if (kind == 1) revert ISettlement.DataBlobIdsNotAscending(entry, x, y);
        revert ISettlement.DataBlobWordNotInField(entry, x, y);
    }
}
