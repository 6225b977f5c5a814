// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @title ISettlement
/// @notice The on-chain side of Darkbook: collateral, the state root, the market-table registry,
/// the deposit queue, withdrawals (pull payments), forced exits and exit mode.
/// @dev Batch public-input layout (docs/CONVENTIONS.md, "Batch public inputs"), W slots:
/// [oldRoot, newRoot, marketHash, batchTimestamp, depositChainOld, depositChainNew,
///  withdrawal[0..W-1], dataHash]; withdrawal = amount << 160 | ethAddress, 0 = empty slot;
/// dataHash = uint256(keccak256(data)) % p.
/// Exit public-input layout: [root, marketHash, accountId, payout = amount << 160 | ethAddress].
interface ISettlement {
    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Immutable parameters, fixed at deployment (no admin can change them later).
    /// @param minDeposit smallest accepted deposit, in token base units (>= 1)
    /// @param maxPendingQueue most queue entries (deposits + exit requests) not yet consumed
    /// @param maxMarketAge a batch may use a market table registered at most this long ago (s)
    /// @param livenessPeriod exit mode is due when no batch has landed for this long (s)
    /// @param exitRequestPeriod exit mode is due when an exit request waits this long (s)
    /// @param maxBatchDelay a batch may be stamped at most this long before its block (s, >= 1)
    /// @param marketGracePeriod how long after a newer market table is registered (block time)
    /// a batch may still use the table it replaced (s, <= maxMarketAge; 0 = newest only)
    struct Config {
        uint256 minDeposit;
        uint64 maxPendingQueue;
        uint64 maxMarketAge;
        uint64 livenessPeriod;
        uint64 exitRequestPeriod;
        uint64 maxBatchDelay;
        uint64 marketGracePeriod;
        uint256 unitScale;
    }

    /// @notice A registered market table.
    /// @param timestamp the oracle's timestamp of the table (0 = never registered)
    /// @param acceptUntil last block time a batch may use it once a newer table replaced it
    /// (0 while it is the newest)
    struct MarketInfo {
        uint64 timestamp;
        uint64 acceptUntil;
    }

    /// @notice Why exit mode is due (or was entered).
    enum ExitReason {
        None,
        Inactivity,
        ExitRequestOverdue
    }

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice Thrown when a constructor argument is unusable (zero address, zero period...).
    error InvalidConfig();
    /// @notice Thrown when a deposit of zero tokens is attempted.
    error ZeroAmount();
    /// @notice Thrown when a deposit is below the configured minimum.
    error DepositTooSmall(uint256 amount, uint256 minimum);
    /// @notice Thrown when a deposit does not fit the circuit's 64-bit amounts.
    error DepositTooLarge(uint256 amount);
    /// @notice Thrown when the token moved a different amount than asked (fee-on-transfer).
    error TransferAmountMismatch(uint256 expected, uint256 received);
    /// @notice Thrown when a public key is not a Baby Jubjub point with coordinates below p.
    error InvalidPublicKey();
    /// @notice Thrown when a deposit key is the identity or another point of order dividing 8
    /// (issue 18 rule 7: no account can hold it).
    error LowOrderPublicKey(uint256 ax, uint256 ay);
    /// @notice Thrown when a deposit is not a whole number of venue units (unitScale tokens).
    error DepositNotWholeUnits(uint256 amount, uint256 unitScale);
    /// @notice Thrown when an account id does not fit in 64 bits.
    error InvalidAccountId(uint256 accountId);
    /// @notice Thrown when the queue already holds maxPendingQueue unconsumed entries.
    error QueueFull(uint256 pending);
    /// @notice Thrown when a market hash is not a field element or is already registered.
    error InvalidMarketHash(uint256 marketHash);
    /// @notice Thrown when a market timestamp is in the future or not after the latest one.
    error InvalidMarketTimestamp(uint64 timestamp);
    /// @notice Thrown when the public-input array has the wrong length.
    error WrongPublicInputCount(uint256 expected, uint256 given);
    /// @notice Thrown when a public input is not below the BN254 scalar field modulus.
    error PublicInputNotInField(uint256 index);
    /// @notice Thrown when a proof's old root is not the stored state root.
    error StaleRoot(uint256 stored, uint256 given);
    /// @notice Thrown when a batch names a market hash the oracle never registered.
    error UnknownMarket(uint256 marketHash);
    /// @notice Thrown when a batch names a market table older than maxMarketAge.
    error StaleMarket(uint256 marketHash, uint64 registeredAt);
    /// @notice Thrown when a batch names a market table other than the newest registered one,
    /// past the marketGracePeriod its successor's registration left it (or two or more back).
    error NotNewestMarket(uint256 given, uint256 newest);
    /// @notice Thrown when a batch timestamp is in the future or not after the previous one.
    error InvalidBatchTimestamp(uint256 given, uint64 previous);
    /// @notice Thrown when a batch is stamped more than maxBatchDelay before its block.
    error BatchTooOld(uint64 batchTimestamp, uint256 blockTimestamp, uint64 maxBatchDelay);
    /// @notice Thrown when a batch consumes more queue entries than exist.
    error DepositCountTooLarge(uint256 count, uint256 pending);
    /// @notice Thrown when depositChainOld or depositChainNew is not the queue's hash there.
    error DepositChainMismatch(uint256 index, uint256 expected, uint256 given);
    /// @notice Thrown when dataHash is not keccak256(data) reduced modulo p.
    error DataHashMismatch(uint256 expected, uint256 given);
    /// @notice Thrown when the verifier rejects a proof.
    error InvalidProof();
    /// @notice Thrown when a batch, deposit or exit request comes in (or after) exit mode.
    error ExitModeActive();
    /// @notice Thrown when an exit-mode-only function is called outside exit mode.
    error NotInExitMode();
    /// @notice Thrown when exit mode is triggered but neither timer has run out.
    error ExitModeNotDue();
    /// @notice Thrown when an exit proof is for an account that already exited.
    error AlreadyExited(uint256 accountId);
    /// @notice Thrown when an exit proof is against another root or market hash.
    error ExitStateMismatch();
    /// @notice Thrown when a reclaimed queue entry was consumed, is an exit request or was paid.
    error NotReclaimable(uint256 queueIndex);
    /// @notice Thrown when the caller has nothing to claim.
    error NothingToClaim();
    /// @notice Thrown when an exit proof is for account 0: what it holds is owed to others
    /// (settlement float, insurance; issue 18 rule 1).
    error OperatorAccountExit();
    /// @notice Thrown when a fee sweep asks for more than the fees accrued.
    error FeesExceeded(uint256 requested, uint256 accrued);
    /// @notice Thrown when fees are swept to the zero address.
    error InvalidTreasury();

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice A deposit entered the queue at `queueIndex`; `chainHash` = chain[queueIndex + 1];
    /// `amount` in venue units (the tokens moved / unitScale), as the queue hashes it.
    event Deposited(
        uint256 indexed queueIndex,
        address indexed depositor,
        uint256 ax,
        uint256 ay,
        uint256 amount,
        uint256 chainHash
    );
    /// @notice A forced-exit request entered the queue; it must be consumed before `deadline`.
    event ExitRequested(
        uint256 indexed queueIndex,
        uint256 indexed accountId,
        address indexed requester,
        uint64 deadline,
        uint256 chainHash
    );
    /// @notice The oracle registered a market table; it is now the newest.
    event MarketRegistered(uint256 indexed marketHash, uint64 timestamp);
    /// @notice A market table stopped being the newest (or, two back, lost its grace): batches
    /// may use it until block time `acceptUntil` (inclusive) and not after.
    event MarketSuperseded(uint256 indexed marketHash, uint256 indexed newest, uint64 acceptUntil);
    /// @notice A batch moved the root to `newRoot` (the old root is the previous event's);
    /// `data` is the batch's data blob (encrypted leaves); `queueProcessed` the queue position.
    event BatchSubmitted(
        uint256 indexed batchNumber,
        uint256 newRoot,
        uint256 marketHash,
        uint64 batchTimestamp,
        uint64 queueProcessed,
        bytes data
    );
    /// @notice A batch credited a withdrawal, claimable by `to`.
    event WithdrawalCredited(uint256 indexed batchNumber, address indexed to, uint256 amount);
    /// @notice A batch consumed the forced-exit request at `queueIndex`.
    event ExitRequestServed(uint256 indexed queueIndex, uint256 indexed batchNumber);
    /// @notice Exit mode began: batches stop, owners exit against `root` at `marketHash`.
    event ExitModeEntered(ExitReason reason, uint256 root, uint256 marketHash);
    /// @notice An account exited in exit mode; `amount` is claimable by `to`.
    event Exited(uint256 indexed accountId, address indexed to, uint256 amount);
    /// @notice A batch consumed the deposit at `queueIndex` without crediting it (issue 18 rule
    /// 7: a key outside the prime-order subgroup, a 64-bit overflow or a full account tree);
    /// `amount` tokens are claimable by its depositor.
    event DepositRefunded(
        uint256 indexed queueIndex,
        address indexed depositor,
        uint256 amount,
        uint256 indexed batchNumber
    );
    /// @notice An unconsumed deposit was refunded in exit mode (claimable by its depositor).
    event DepositReclaimed(uint256 indexed queueIndex, address indexed depositor, uint256 amount);
    /// @notice `account` was paid its claimable balance.
    event Claimed(address indexed account, uint256 amount);
    /// @notice A batch's trades paid `amount` tokens of fees (bits 64..127 of its stamp, times
    /// unitScale), added to feesAccrued (issue 18 rule 1).
    event FeesAccrued(uint256 indexed batchNumber, uint256 amount);
    /// @notice The admin swept `amount` tokens of accrued fees to `treasury`.
    event FeesSwept(address indexed treasury, uint256 amount);

    // ---------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------

    /// @notice Deposit `amount` tokens (approved beforehand) for the account with Baby Jubjub
    /// key (ax, ay); appends Poseidon([chain, ax, ay, amount / unitScale]) to the deposit queue.
    /// Refused: not a whole number of venue units, over 64 bits of them, a key off the curve or
    /// of order dividing 8. A batch refunds (DepositRefunded) what it cannot credit.
    function deposit(uint256 amount, uint256 ax, uint256 ay) external;

    /// @notice Ask that account `accountId` be served by the relayer: appends an exit entry
    /// Poseidon([chain, accountId, requester, 0]) to the queue and starts its timer.
    function requestExit(uint256 accountId) external;

    /// @notice Register a market-table hash with its timestamp (ORACLE_ROLE); it becomes the
    /// only table batches may use, but for the one it replaces, accepted for marketGracePeriod
    /// more seconds (a batch in flight). The table before that one is refused at once.
    /// @param marketHash the table's hash (non-zero field element, never registered before)
    /// @param timestamp the oracle's time of the table: after the latest one, not in the future
    function registerMarket(uint256 marketHash, uint64 timestamp) external;

    /// @notice Settle a proven batch (RELAYER_ROLE).
    /// @dev Refused unless: oldRoot is the stored root; marketHash is the newest registered
    /// table (or the one it replaced, within marketGracePeriod of the replacement) and at most
    /// maxMarketAge old; previous batchTimestamp < batchTimestamp <= block.timestamp <=
    /// batchTimestamp + maxBatchDelay; the deposit chain and dataHash match; the proof verifies.
    /// publicInputs[3] is batchTimestamp + 2^64 x fees + 2^128 x refunds: fees (64-bit, venue
    /// units) are what the batch's trades paid, added to feesAccrued (issue 18 rule 1); bit i
    /// of refunds pays queue entry processed + i back to its depositor (DepositRefunded; issue
    /// 18 rule 7).
    /// @param proof Groth16 proof in calldata order (see IBatchVerifier)
    /// @param publicInputs the batch public inputs (layout above)
    /// @param queueCount how many queue entries the batch consumes
    /// @param data the batch's data blob, emitted in BatchSubmitted
    function submitBatch(
        uint256[8] calldata proof,
        uint256[] calldata publicInputs,
        uint256 queueCount,
        bytes calldata data
    ) external;

    /// @notice Enter exit mode if it is due (see exitModeDue); callable by anyone.
    function triggerExitMode() external;

    /// @notice In exit mode, prove an account's equity against the last root and credit it.
    /// Account 0 cannot exit: it holds what is owed to others (issue 18 rule 1).
    function exit(uint256[8] calldata proof, uint256[] calldata publicInputs) external;

    /// @notice In exit mode, refund a deposit the relayer never consumed (to its depositor).
    function reclaimDeposit(uint256 queueIndex) external;

    /// @notice Pay the caller everything credited to it.
    function claim() external;

    /// @notice Send `amount` tokens of the accrued trading fees to `treasury` (admin only); the
    /// only money of the venue's own that leaves the contract (issue 18 rule 1).
    function sweepFees(address treasury, uint256 amount) external;

    /// @notice Whether exit mode is due now, and why (None when it is not).
    function exitModeDue() external view returns (ExitReason);
}
