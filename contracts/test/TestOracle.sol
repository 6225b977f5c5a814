// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ISettlement} from "../interfaces/ISettlement.sol";

/// @title TestOracle
/// @notice A risk oracle for local chains: holds ORACLE_ROLE on Settlement and publishes the
/// market tables its owner gives it (each table in full, and its hash registered on Settlement),
/// so any account owner can rebuild the exit table from the chain. Never deploy to a real chain.
contract TestOracle is Ownable {
    ISettlement public immutable settlement;

    event Published(uint256 indexed marketHash, uint64 timestamp);
    /// @notice The table behind `marketHash` as words (docs/CONVENTIONS.md "Market table
    /// words"): anyone recomputes its Poseidon hash, so a wrong table is visibly wrong.
    event TablePublished(uint256 indexed marketHash, int256[] table);

    constructor(ISettlement settlement_, address owner_) Ownable(owner_) {
        settlement = settlement_;
    }

    /// @notice Register `marketHash` at `timestamp` on the settlement contract.
    function publish(uint256 marketHash, uint64 timestamp) external onlyOwner {
        emit Published(marketHash, timestamp);
        settlement.registerMarket(marketHash, timestamp);
    }

    /// @notice Publish `table` and register its hash `marketHash` at `timestamp` (what the
    /// relayer's oracle keeper sends; `publish` alone leaves owners without the table).
    function publishTable(uint256 marketHash, uint64 timestamp, int256[] calldata table)
        external
        onlyOwner
    {
        emit TablePublished(marketHash, table);
        emit Published(marketHash, timestamp);
        settlement.registerMarket(marketHash, timestamp);
    }
}
