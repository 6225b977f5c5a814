// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice A hostile ERC-20 for tests: on every transfer out of `target` it calls back into
/// `target` with `payload` once, records whether the reentry succeeded and what it reverted
/// with, and lets the outer transfer finish.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    bool private _inside;

    event ReentryAttempted(bool success, bytes revertData);

    constructor() ERC20("Reentrant", "REENT") {}

    /// @notice Mint `amount` to `to` (test faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arm the attack: the next transfer from `target_` calls `target_` with `payload_`.
    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        attempted = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == target && target != address(0) && !_inside && !attempted) {
            _inside = true;
            attempted = true;
            (bool ok, bytes memory ret) = target.call(payload);
            reentrySucceeded = ok;
            reentryRevertData = ret;
            _inside = false;
            emit ReentryAttempted(ok, ret);
        }
    }
}
