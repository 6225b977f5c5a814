// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/// @title ISettlement
/// @notice The on-chain side of Darkbook: collateral, the state root, the market-table registry,
/// the queue (deposits, forced withdrawals, cancels), withdrawals (pull payments) and exit mode.
/// @dev Batch public-input layout (docs/CONVENTIONS.md, "Batch public inputs"), W slots:
/// [oldRoot, newRoot, marketHash, batchTimestamp, depositChainOld, depositChainNew,
///  withdrawal[0..W-1], dataBinding]; withdrawal = amount << 160 | ethAddress, 0 = empty
/// slot; dataBinding = alpha + 2^128 (F mod 2^125) binds the DBK3 data blob (libraries/DataBlob).
/// Exit public-input layout: [root, marketHash, accountId, payout = amount << 160 | ethAddress].
interface ISettlement {
    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Immutable parameters, fixed at deployment (no admin can change them later).
    /// @param minDeposit smallest accepted deposit, in token base units (>= 1)
    /// @param maxPendingQueue most queue entries (deposits + requests) not yet consumed
    /// @param maxMarketAge a batch may use a market table registered at most this long ago (s)
    /// @param livenessPeriod exit mode is due when no batch has landed for this long (s)
    /// @param exitRequestPeriod exit mode is due when a request (forced withdrawal or cancel)
    /// waits this long unserved (s)
    /// @param maxBatchDelay a batch may be stamped at most this long before its block (s, >= 1)
    /// @param marketGracePeriod how long after a newer market table is registered (block time)
    /// a batch may still use the table it replaced (s, <= maxMarketAge; 0 = newest only)
    /// @param unitScale token base units per venue unit (>= 1, < 2^128)
    /// @param requestFee tokens a forced withdrawal or cancel request costs (to feesAccrued;
    /// may be 0)
    /// @param maxRequestsPerKey most unserved requests per key (1 ..= maxPendingQueue)
    struct Config {
        uint256 minDeposit;
        uint64 maxPendingQueue;
        uint64 maxMarketAge;
        uint64 livenessPeriod;
        uint64 exitRequestPeriod;
        uint64 maxBatchDelay;
        uint64 marketGracePeriod;
        uint256 unitScale;
        uint256 requestFee;
        uint64 maxRequestsPerKey;
    }

    /// @notice A queue request's kind, as its word carries it (bits 192+); 0 is a deposit.
    enum RequestKind {
        Deposit,
        Withdrawal,
        Cancel
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
    /// @notice Thrown when a deposit names a key whose first deposit came from another address
    /// (the key's owner, the only one who may request on its accounts).
    error KeyOwnedByOther(uint256 ax, uint256 ay, address owner);
    /// @notice Thrown when a request comes from an address that does not own the key.
    error NotKeyOwner(uint256 ax, uint256 ay, address caller);
    /// @notice Thrown when a request names account 0: what it holds is owed to others.
    error OperatorAccountRequest();
    /// @notice Thrown when a key already has maxRequestsPerKey requests no batch served.
    error TooManyRequests(bytes32 key, uint256 pending);
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
    /// @notice Thrown when the data blob does not start with "DBK3" (`given`: its first bytes).
    error DataBlobBadMagic(bytes4 given);
    /// @notice Thrown when the blob's P (byte 4) is not this deployment's `positions`.
    error DataBlobWrongPositions(uint256 expected, uint256 given);
    /// @notice Thrown when the blob is not 7 + n x entryBytes long for the n its bytes 5..6
    /// give (or is shorter than its 7-byte header).
    error DataBlobWrongLength(uint256 expected, uint256 given);
    /// @notice Thrown when entry `entry` (0-based) carries account id `id` not above the
    /// previous entry's `previousId`: ids must be strictly ascending (one entry per account).
    error DataBlobIdsNotAscending(uint256 entry, uint256 previousId, uint256 id);
    /// @notice Thrown when word `word` of entry `entry` (0 = leaf hash, 1 + j = ct_j) is `value`
    /// >= p: every word of the blob must be a field element.
    error DataBlobWordNotInField(uint256 entry, uint256 word, uint256 value);
    /// @notice Thrown when dataBinding is not alpha + 2^128 (F mod 2^125), alpha the low 128
    /// bits of keccak256(keccak256(data), newRoot) and F the blob's fingerprint at alpha.
    error DataBindingMismatch(uint256 expected, uint256 given);
    /// @notice Thrown when the verifier rejects a proof.
    error InvalidProof();
    /// @notice Thrown when a batch, deposit or request comes in (or after) exit mode.
    error ExitModeActive();
    /// @notice Thrown when an exit-mode-only function is called outside exit mode.
    error NotInExitMode();
    /// @notice Thrown when exit mode is triggered but neither timer has run out.
    error ExitModeNotDue();
    /// @notice Thrown when an exit proof is for an account that already exited.
    error AlreadyExited(uint256 accountId);
    /// @notice Thrown when an exit proof is against another root or market hash.
    error ExitStateMismatch();
    /// @notice Thrown when a reclaimed queue entry was consumed, is a request or was paid.
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
    /// @notice Thrown when a batch stamp has bits set above bit 223 (no field of it is there).
    error BatchStampOutOfRange(uint256 stamp);
    /// @notice Thrown when a batch stamp's refund bit is set for a queue entry the batch does
    /// not consume (bit i >= queueCount).
    error RefundNotConsumed(uint256 refunds, uint256 queueCount);
    /// @notice Thrown when a batch stamp refunds a request entry (only deposits are refunded).
    error RefundOfRequest(uint256 queueIndex);
    /// @notice Thrown when a batch stamp pays a forced withdrawal but consumes none.
    error ForcedPaidWithoutWithdrawal(uint256 forcedPaid);
    /// @notice Thrown when a batch stamp pays the forced withdrawal at `queueIndex` more than
    /// it asked for, or the batch consumes it as a second one (one per batch).
    error ForcedWithdrawalMismatch(uint256 queueIndex);

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
    /// @notice The first deposit of key (ax, ay) bound it to `owner`: only `owner` may deposit
    /// to it again or request on its accounts (keyOwner).
    event KeyOwnerBound(bytes32 indexed key, address indexed owner, uint256 ax, uint256 ay);
    /// @notice The key's owner asked that account `accountId` pay it `amount` venue units
    /// (2^64 - 1: everything margin leaves free); a batch must consume the request before
    /// `deadline` or exit mode is due. `chainHash` = chain[index + 1].
    event ForcedWithdrawalRequested(
        uint256 indexed index,
        address indexed owner,
        uint256 ax,
        uint256 ay,
        uint64 accountId,
        uint64 amount,
        uint64 deadline,
        uint256 chainHash
    );
    /// @notice The key's owner asked that account `accountId`'s orders in slot orderId mod
    /// 2^OD with an id <= `orderId` be cancelled; a batch must consume it before `deadline`.
    event CancelRequested(
        uint256 indexed index,
        address indexed owner,
        uint256 ax,
        uint256 ay,
        uint64 accountId,
        uint64 orderId,
        uint64 deadline,
        uint256 chainHash
    );
    /// @notice The request at queue `index` cost `amount` tokens, added to feesAccrued.
    event RequestFeeAccrued(uint256 indexed index, uint256 amount);
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
    /// @notice A batch consumed the forced withdrawal at queue `index`: `amount` tokens (0 when
    /// margin forbids any) are claimable by `to`, the key's owner (stamp bits 160..223).
    event ForcedWithdrawalServed(
        uint256 indexed index,
        uint64 indexed accountId,
        address to,
        uint256 amount,
        uint256 batchNumber
    );
    /// @notice A batch consumed the cancel request at queue `index` (the proof applied it).
    event CancelServed(uint256 indexed index, uint256 batchNumber);
    /// @notice Exit mode began: batches stop, owners exit against `root` at `marketHash`.
    event ExitModeEntered(ExitReason reason, uint256 root, uint256 marketHash);
    /// @notice An account exited in exit mode; `amount` is claimable by `to`.
    event Exited(uint256 indexed accountId, address indexed to, uint256 amount);
    /// @notice An exit was paid `paid` tokens of the `owed` its proof showed: the contract
    /// had no more beyond what it owes elsewhere (the shortfall is that owner's; final).
    event ExitShortfall(uint256 indexed accountId, uint256 owed, uint256 paid);
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
    /// key (ax, ay); appends Poseidon([chain, ax, ay, amount / unitScale]) to the queue.
    /// Refused: not a whole number of venue units, over 64 bits of them, a key off the curve or
    /// of order dividing 8, a key whose first deposit came from another address
    /// (KeyOwnedByOther). The first deposit of a key makes the caller its owner. A batch
    /// refunds (DepositRefunded) what it cannot credit.
    function deposit(uint256 amount, uint256 ax, uint256 ay) external;

    /// @notice Ask (as the owner of key (ax, ay)) that account `accountId` pay you `amount` venue
    /// units (2^64 - 1: everything margin leaves free). Appends Poseidon([chain, ax, ay,
    /// amount + 2^128 accountId + 2^192]) to the queue; the batch that consumes it pays what
    /// the margin rule allows (maybe 0) to the key's owner, or exit mode is due after
    /// exitRequestPeriod. Pulls requestFee tokens (approved beforehand) into feesAccrued.
    /// Refused: not the key's owner, account 0, amount 0, maxRequestsPerKey unserved requests
    /// of the key, a full queue, exit mode.
    function requestWithdrawal(uint256 ax, uint256 ay, uint64 accountId, uint64 amount) external;

    /// @notice Ask (as the owner of key (ax, ay)) that account `accountId`'s orders in slot
    /// orderId mod 2^OD with an id <= `orderId` be cancelled, without the relayer's help.
    /// Appends Poseidon([chain, ax, ay, orderId + 2^128 accountId + 2^193]); otherwise as
    /// requestWithdrawal (fee, owner, account 0, limit, timer).
    function requestCancel(uint256 ax, uint256 ay, uint64 accountId, uint64 orderId) external;

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
    /// batchTimestamp + maxBatchDelay; the deposit chain matches; `data` is a well-formed DBK3
    /// blob of this deployment's P and dataBinding is its binding (checked
    /// before the proof); the proof verifies.
    /// publicInputs[3] is batchTimestamp + 2^64 x fees + 2^128 x refunds + 2^160 x forcedPaid:
    /// fees (64-bit, venue units) are what the batch's trades paid, added to feesAccrued (issue
    /// 18 rule 1); bit i of refunds (32 bits) pays deposit entry processed + i back to its
    /// depositor (DepositRefunded; issue 18 rule 7); forcedPaid (64-bit, venue units) is what
    /// the batch's one forced withdrawal paid, claimable by its key's owner. Every request the
    /// batch consumes is served (ForcedWithdrawalServed, CancelServed).
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

    /// @notice Enter exit mode if it is due (see exitModeDue); callable by anyone. Fixes the
    /// market hash exits are valued at (the newest registered) and reserves the queued
    /// deposits for reclaimDeposit (reclaimReserve).
    function triggerExitMode() external;

    /// @notice In exit mode, prove an account's equity against the last root and credit it,
    /// once per account, to the address its key signed (circuits/exit.circom: the leaf at
    /// accountId is in stateRoot, amount = max(0, collateral + sum qty x mark) at
    /// exitMarketHash). Anyone may submit the owner's proof. Pays at most what the contract
    /// holds beyond claimsOutstanding, reclaimReserve and feesAccrued (ExitShortfall if less).
    /// Refused: not in exit mode, another root or market hash (ExitStateMismatch), account 0
    /// (OperatorAccountExit: it holds what is owed to others, issue 18 rule 1), a second
    /// claim (AlreadyExited), a proof that does not verify (InvalidProof).
    /// @param proof Groth16 proof in calldata order
    /// @param publicInputs [root, marketHash, accountId, amount << 160 | to]
    function exit(uint256[8] calldata proof, uint256[] calldata publicInputs) external;

    /// @notice In exit mode, refund a deposit the relayer never consumed (to its depositor),
    /// out of reclaimReserve. Refused for a consumed, request or already refunded entry.
    function reclaimDeposit(uint256 queueIndex) external;

    /// @notice Pay the caller everything credited to it.
    function claim() external;

    /// @notice Send `amount` tokens of the accrued trading fees to `treasury` (admin only); the
    /// only money of the venue's own that leaves the contract (issue 18 rule 1).
    function sweepFees(address treasury, uint256 amount) external;

    /// @notice Whether exit mode is due now, and why (None when it is not).
    function exitModeDue() external view returns (ExitReason);

    /// @notice The address bound to key (ax, ay) by its first deposit (0: none yet).
    function keyOwner(uint256 ax, uint256 ay) external view returns (address);

    /// @notice How many requests of key (ax, ay) no batch has served yet.
    function pendingRequests(uint256 ax, uint256 ay) external view returns (uint256);
}
