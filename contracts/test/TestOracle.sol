// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ISettlement} from "../interfaces/ISettlement.sol";

/// @title TestOracle
/// @notice A risk oracle for local chains: holds ORACLE_ROLE on Settlement and publishes the
/// market-table hashes its owner gives it. Never deploy to a real chain.
contract TestOracle is Ownable {
    ISettlement public immutable settlement;

    event Published(uint256 indexed marketHash, uint64 timestamp);

    constructor(ISettlement settlement_, address owner_) Ownable(owner_) {
        settlement = settlement_;
    }

    /// @notice Register `marketHash` at `timestamp` on the settlement contract.
    function publish(uint256 marketHash, uint64 timestamp) external onlyOwner {
        emit Published(marketHash, timestamp);
        settlement.registerMarket(marketHash, timestamp);
    }
}
