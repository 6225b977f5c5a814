// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Settlement} from "../../Settlement.sol";
import {IPoseidon4} from "../../interfaces/IPoseidon4.sol";
import {ISettlement} from "../../interfaces/ISettlement.sol";
import {TestToken} from "../TestToken.sol";
import {OPERATOR_KEY_X, OPERATOR_KEY_Y, SettlementHandler} from "./SettlementHandler.sol";
import {FuzzSelector, StandInBatchVerifier, StandInExitVerifier, Vm} from "./StandIns.sol";

/// @title SettlementInvariants
/// @notice Stateful fuzzing of Settlement's money rules (issue 18) with Foundry's invariant
/// testing: `make invariants` (scripts/invariants.sh; runs and depth in the foundry.toml
/// beside this file). The fuzzer calls SettlementHandler's actions in random sequences; after
/// every call the five checks of invariant_moneyRules must hold. Batch and exit proofs go to
/// stand-in verifiers (any proof but one marked refused); the handler keeps the public inputs
/// consistent with the contract's queue chain and with its model of the account tree, as the
/// circuit would (only actors are ever credited: the handler checks every credit event).
contract SettlementInvariants {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev circomlibjs poseidonContract.createCode(4), written by scripts/invariants.sh.
    string private constant POSEIDON_HEX = "build/forge/poseidon4.hex";
    uint256 private constant GENESIS_ROOT = 0x1234;
    address private constant ADMIN = address(0xAD);

    Settlement internal settlement;
    TestToken internal token;
    SettlementHandler internal handler;

    function setUp() public {
        VM.warp(1_700_000_000);
        token = new TestToken("Collateral", "COL", 6);
        IPoseidon4 poseidon = IPoseidon4(_create(VM.parseBytes(VM.readFile(POSEIDON_HEX))));
        address[2] memory verifiers =
            [address(new StandInBatchVerifier()), address(new StandInExitVerifier())];
        ISettlement.Config memory config = ISettlement.Config({
            minDeposit: 1000,
            maxPendingQueue: 6,
            maxMarketAge: 3600,
            livenessPeriod: 6 hours,
            exitRequestPeriod: 1 hours,
            maxBatchDelay: 300,
            marketGracePeriod: 120,
            unitScale: 1,
            requestFee: 50,
            maxRequestsPerKey: 2
        });
        address relayer = address(0xBA7C4);
        address oracle = address(0x0AC1E);
        settlement = new Settlement(
            IERC20(address(token)),
            poseidon,
            verifiers,
            [uint256(9), 2], // 7 + W inputs; P = 2: the handler's blobs are DBK3 of P = 2
            GENESIS_ROOT,
            [OPERATOR_KEY_X, OPERATOR_KEY_Y],
            config,
            1 days,
            ADMIN,
            relayer,
            oracle
        );
        handler = new SettlementHandler(settlement, token, poseidon, relayer, oracle, GENESIS_ROOT);
    }

    /// @notice Only the handler is fuzzed (forge reads this like forge-std's targetContract).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions; `request` listed three times (forge picks uniformly from
    /// the list), so two forced withdrawals are often pending at once.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](13);
        s[11] = SettlementHandler.request.selector;
        s[12] = SettlementHandler.request.selector;
        s[0] = SettlementHandler.deposit.selector;
        s[1] = SettlementHandler.request.selector;
        s[2] = SettlementHandler.registerMarket.selector;
        s[3] = SettlementHandler.submitBatch.selector;
        s[4] = SettlementHandler.submitBadBatch.selector;
        s[5] = SettlementHandler.claim.selector;
        s[6] = SettlementHandler.warp.selector;
        s[7] = SettlementHandler.triggerExitMode.selector;
        s[8] = SettlementHandler.exit.selector;
        s[9] = SettlementHandler.reclaimDeposit.selector;
        s[10] = SettlementHandler.sweepFees.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    // =========================================================================================
    // Invariants: one campaign checks all five after every call (forge runs each invariant_*
    // function as a campaign of its own, so five would cost five times the time).
    // =========================================================================================

    function invariant_moneyRules() public view {
        string memory v = handler.violation(); // the first call the contract got wrong
        require(bytes(v).length == 0, v);
        _balanceCoversClaimsAndUnconsumedDeposits();
        _noPayoutTwice();
        _queueConsumedInOrder();
        _exitPayoutsBounded();
        _requestsWithinLimits();
    }

    /// @notice Solvency. B = token.balanceOf(Settlement), C = sum of claimable over every
    /// address ever credited (the actors), Q = sum of queueEntry(i).amount for processed <= i <
    /// queueLength (deposits no batch consumed; requests and refunded deposits are 0).
    /// Always B >= C + Q + F (F = feesAccrued: trading fees batches took out of the tree and
    /// request fees, not swept), and exactly B = C + Q + T + F where T is the model tree's
    /// total (money consumed into accounts and not withdrawn, force-withdrawn, exited or paid
    /// as fees).
    function _balanceCoversClaimsAndUnconsumedDeposits() internal view {
        uint256 balance = token.balanceOf(address(settlement));
        uint256 claims = _sumClaimable();
        uint256 queued = _unconsumedQueue();
        uint256 fees = settlement.feesAccrued();
        require(fees == handler.feesAccrued(), "feesAccrued differs from model");
        require(balance >= claims + queued + fees, "balance < claims + unconsumed deposits + fees");
        require(
            balance == claims + queued + handler.treeTotal() + fees,
            "balance != claims+queue+tree+fees"
        );
        require(queued == handler.unconsumedDeposits(), "unconsumed deposits differ from model");
        require(balance == handler.totalDeposited() - handler.totalPaid(), "tokens not conserved");
    }

    /// @notice No payout twice: for each address, what claim() paid plus what is still
    /// claimable equals what batches, exits and refunds credited (per the model, which credits
    /// each withdrawal once, each account's exit once, each unconsumed deposit's refund once).
    /// And no action moved money other than the model says (the handler's violation record).
    function _noPayoutTwice() internal view {
        uint256 n = handler.actorCount();
        for (uint256 i = 0; i < n; ++i) {
            address a = handler.actors(i);
            require(handler.paid(a) <= handler.credited(a), "paid more than credited");
            require(
                settlement.claimable(a) + handler.paid(a) == handler.credited(a),
                "claimable + paid != credited"
            );
        }
    }

    /// @notice The queue is consumed only in order: processed <= queueLength, both equal the
    /// model's, processed never decreased (checked after every call by the handler), every
    /// link of the chain is the model's Poseidon chain, and the pending requests are exactly
    /// the model's requests at or above processed (served in queue order, each once: the
    /// handler checks every served event against the model).
    function _queueConsumedInOrder() internal view {
        Settlement.State memory st = settlement.state();
        require(st.processed <= st.queueLength, "processed > queueLength");
        require(st.processed == handler.processed(), "processed differs from model");
        require(st.queueLength == handler.queueLength(), "queueLength differs from model");
        require(st.batchCount == handler.batchCount(), "batch count differs from model");
        require(st.exitMode == handler.exitMode(), "exit mode differs from model");
        for (uint256 i = 0; i <= st.queueLength; ++i) {
            require(settlement.queueChain(i) == handler.chainAt(i), "queue chain differs");
        }
        require(
            st.pendingRequests == handler.requestCount() - handler.requestsServed(),
            "pending requests differ from model"
        );
        require(settlement.stateRoot() == handler.root(), "root differs from model");
    }

    /// @notice Exit mode pays out at most what the contract held for the tree and the queue
    /// when it began: exits <= the tree's total then, refunds <= unconsumed deposits then.
    function _exitPayoutsBounded() internal view {
        if (!handler.exitMode()) {
            require(handler.exitPayouts() == 0 && handler.reclaimedTotal() == 0, "early payout");
            return;
        }
        require(handler.exitPayouts() <= handler.treeAtExitMode(), "exits > tree at exit mode");
        require(
            handler.reclaimedTotal() <= handler.unconsumedAtExitMode(),
            "refunds > unconsumed deposits at exit mode"
        );
        require(_sumClaimable() <= token.balanceOf(address(settlement)), "claims exceed holdings");
    }

    /// @notice Per key: the contract's unserved requests are the model's and never above
    /// maxRequestsPerKey; the key's owner is the model's (its first depositor) and account 0's
    /// key stays the admin's.
    function _requestsWithinLimits() internal view {
        uint256 n = handler.keyCount();
        for (uint256 k = 0; k < n; ++k) {
            (uint256 ax, uint256 ay) = handler.keyAt(k);
            uint256 pending = settlement.pendingRequests(ax, ay);
            require(pending <= handler.maxRequestsPerKey(), "a key above its request limit");
            require(pending == handler.pendingOfKey(k), "pending requests of a key differ");
            require(settlement.keyOwner(ax, ay) == handler.keyOwner(k), "key owner differs");
        }
        require(settlement.keyOwner(OPERATOR_KEY_X, OPERATOR_KEY_Y) == ADMIN, "operator key");
    }

    // =========================================================================================

    function _sumClaimable() internal view returns (uint256 sum) {
        uint256 n = handler.actorCount();
        for (uint256 i = 0; i < n; ++i) {
            sum += settlement.claimable(handler.actors(i));
        }
    }

    function _unconsumedQueue() internal view returns (uint256 sum) {
        Settlement.State memory st = settlement.state();
        for (uint256 i = st.processed; i < st.queueLength; ++i) {
            sum += settlement.queueEntry(i).amount;
        }
    }

    function _create(bytes memory initCode) internal returns (address deployed) {
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        require(deployed != address(0), "Poseidon deployment failed");
    }
}
