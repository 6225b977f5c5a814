// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {IPoseidon4} from "./interfaces/IPoseidon4.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";

/// @title Settlement
/// @notice Holds Darkbook's collateral and state root; accepts Groth16-proven batches from the
/// relayer; keeps the on-chain queue (deposits and forced-exit requests) as a Poseidon hash
/// chain the batch proof consumes in order; pays withdrawals by pull payment; and falls back
/// to exit mode when the relayer stops serving. Not upgradeable; its Config is immutable.
contract Settlement is ISettlement, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------------------------------
    // Constants and immutables
    // ---------------------------------------------------------------------------------------

    /// @notice May call submitBatch.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice May call registerMarket.
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    /// @notice The BN254 scalar field modulus p.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant _BABYJUB_A = 168700;
    uint256 private constant _BABYJUB_D = 168696;
    uint256 private constant _FIXED_INPUTS = 7; // all batch inputs but the W withdrawal slots
    uint256 private constant _WITHDRAWALS_AT = 6;
    uint256 private constant _EXIT_INPUTS = 4;

    IERC20 public immutable token;
    IPoseidon4 public immutable poseidon;
    IBatchVerifier public immutable batchVerifier;
    IBatchVerifier public immutable exitVerifier;
    /// @notice Number of batch public inputs: 7 + W.
    uint256 public immutable batchInputCount;

    uint256 public immutable minDeposit;
    uint64 public immutable maxPendingQueue;
    uint64 public immutable maxMarketAge;
    uint64 public immutable livenessPeriod;
    uint64 public immutable exitRequestPeriod;

    // ---------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------

    /// @dev Written by every batch: one slot.
    struct BatchState {
        uint64 processed; // queue entries consumed so far
        uint64 lastBatchTimestamp; // batchTimestamp of the last batch
        uint64 lastBatchAt; // block time the last batch landed (or deployment)
        uint64 batchCount;
    }

    /// @dev Written by deposits and exit requests: one slot.
    struct QueueState {
        uint64 length; // queue entries ever appended
        uint64 exitCount; // exit requests ever appended
        uint64 exitHead; // exit requests served so far (FIFO)
        bool exitMode;
    }

    /// @dev One queue entry; amount 0 marks a forced-exit request (deposits are >= 1).
    struct QueueEntry {
        address owner; // depositor or requester
        uint64 amount;
        uint32 enqueuedAt;
    }

    /// @notice The current state root (account tree).
    uint256 public stateRoot;
    BatchState internal _batch;
    QueueState internal _queue;
    /// @dev chain[i + 1] for i >= 0; chain[0] = 0.
    mapping(uint256 index => uint256 hash) internal _chain;
    mapping(uint256 queueIndex => QueueEntry entry) internal _entries;
    /// @dev k-th exit request -> its queue index.
    mapping(uint256 k => uint256 queueIndex) internal _exitQueueIndex;

    /// @notice Registration timestamp (the oracle's) of each market-table hash; 0 = unknown.
    mapping(uint256 marketHash => uint64 timestamp) public marketTimestamp;
    uint256 public latestMarketHash;
    uint64 public latestMarketTimestamp;
    /// @notice The market hash exit proofs are against (latest at the start of exit mode).
    uint256 public exitMarketHash;

    mapping(address account => uint256 amount) public claimable;
    mapping(uint256 accountId => bool done) public exited;

    // ---------------------------------------------------------------------------------------
    // Construction
    // ---------------------------------------------------------------------------------------

    /// @param token_ the ERC-20 collateral
    /// @param poseidon_ circomlib Poseidon(4) contract (circomlibjs createCode(4))
    /// @param batchVerifier_ verifier of batch proofs (7 + W public inputs)
    /// @param exitVerifier_ verifier of exit proofs (4 public inputs)
    /// @param genesisRoot the root of the empty account tree
    /// @param config immutable parameters (see ISettlement.Config)
    /// @param admin DEFAULT_ADMIN_ROLE holder (two-step transfer after `adminDelay` seconds)
    /// @param relayer initial RELAYER_ROLE holder
    /// @param oracle initial ORACLE_ROLE holder
    constructor(
        IERC20 token_,
        IPoseidon4 poseidon_,
        IBatchVerifier batchVerifier_,
        IBatchVerifier exitVerifier_,
        uint256 genesisRoot,
        Config memory config,
        uint48 adminDelay,
        address admin,
        address relayer,
        address oracle
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (
            address(token_) == address(0) || address(poseidon_) == address(0)
                || address(batchVerifier_) == address(0) || address(exitVerifier_) == address(0)
                || relayer == address(0) || oracle == address(0) || genesisRoot >= FIELD_MODULUS
                || config.minDeposit == 0 || config.minDeposit > type(uint64).max
                || config.maxPendingQueue == 0 || config.maxMarketAge == 0
                || config.livenessPeriod == 0 || config.exitRequestPeriod == 0
        ) revert InvalidConfig();
        uint256 nBatch = batchVerifier_.publicInputCount();
        if (nBatch < _FIXED_INPUTS || exitVerifier_.publicInputCount() != _EXIT_INPUTS) {
            revert InvalidConfig();
        }
        token = token_;
        poseidon = poseidon_;
        batchVerifier = batchVerifier_;
        exitVerifier = exitVerifier_;
        batchInputCount = nBatch;
        minDeposit = config.minDeposit;
        maxPendingQueue = config.maxPendingQueue;
        maxMarketAge = config.maxMarketAge;
        livenessPeriod = config.livenessPeriod;
        exitRequestPeriod = config.exitRequestPeriod;
        stateRoot = genesisRoot;
        _batch.lastBatchAt = uint64(block.timestamp);
        _grantRole(RELAYER_ROLE, relayer);
        _grantRole(ORACLE_ROLE, oracle);
    }

    // ---------------------------------------------------------------------------------------
    // Queue: deposits and forced-exit requests
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function deposit(uint256 amount, uint256 ax, uint256 ay) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (amount < minDeposit) revert DepositTooSmall(amount, minDeposit);
        if (amount > type(uint64).max) revert DepositTooLarge(amount);
        if (!_onBabyJubjub(ax, ay)) revert InvalidPublicKey();
        (uint256 index, uint256 chainHash) = _enqueue(ax, ay, amount);

        emit Deposited(index, msg.sender, ax, ay, amount, chainHash);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    /// @inheritdoc ISettlement
    function requestExit(uint256 accountId) external {
        if (accountId > type(uint64).max) revert InvalidAccountId(accountId);
        (uint256 index, uint256 chainHash) = _enqueue(accountId, uint160(msg.sender), 0);
        QueueState storage q = _queue;
        _exitQueueIndex[q.exitCount] = index;
        q.exitCount += 1;
        emit ExitRequested(
            index, accountId, msg.sender, uint64(block.timestamp) + exitRequestPeriod, chainHash
        );
    }

    /// @dev Appends Poseidon([chain, a, b, amount]); amount 0 marks an exit request.
    function _enqueue(uint256 a, uint256 b, uint256 amount)
        internal
        returns (uint256 index, uint256 chainHash)
    {
        if (_queue.exitMode || _exitDue() != ExitReason.None) revert ExitModeActive();
        index = _queue.length;
        uint256 pending = index - _batch.processed;
        if (pending >= maxPendingQueue) revert QueueFull(pending);
        chainHash = poseidon.poseidon([_chain[index], a, b, amount]);
        _chain[index + 1] = chainHash;
        _entries[index] = QueueEntry(msg.sender, uint64(amount), uint32(block.timestamp));
        _queue.length = uint64(index + 1);
    }

    /// @dev a x^2 + y^2 == 1 + d x^2 y^2 (mod p), both coordinates canonical.
    function _onBabyJubjub(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 p = FIELD_MODULUS;
        if (x >= p || y >= p) return false;
        uint256 x2 = mulmod(x, x, p);
        uint256 y2 = mulmod(y, y, p);
        uint256 lhs = addmod(mulmod(_BABYJUB_A, x2, p), y2, p);
        uint256 rhs = addmod(1, mulmod(_BABYJUB_D, mulmod(x2, y2, p), p), p);
        return lhs == rhs;
    }

    // ---------------------------------------------------------------------------------------
    // Market-table registry (oracle)
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function registerMarket(uint256 marketHash, uint64 timestamp) external onlyRole(ORACLE_ROLE) {
        if (marketHash == 0 || marketHash >= FIELD_MODULUS || marketTimestamp[marketHash] != 0) {
            revert InvalidMarketHash(marketHash);
        }
        if (timestamp > block.timestamp || timestamp <= latestMarketTimestamp) {
            revert InvalidMarketTimestamp(timestamp);
        }
        marketTimestamp[marketHash] = timestamp;
        latestMarketHash = marketHash;
        latestMarketTimestamp = timestamp;
        emit MarketRegistered(marketHash, timestamp);
    }

    // ---------------------------------------------------------------------------------------
    // Batches (relayer)
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function submitBatch(
        uint256[8] calldata proof,
        uint256[] calldata publicInputs,
        uint256 queueCount,
        bytes calldata data
    ) external onlyRole(RELAYER_ROLE) {
        uint256 newProcessed = _checkBatch(publicInputs, queueCount, data);
        if (!batchVerifier.verifyProof(proof, publicInputs)) revert InvalidProof();
        _applyBatch(publicInputs, newProcessed, data);
    }

    /// @dev Every check on the public inputs but the proof; returns the new queue position.
    function _checkBatch(uint256[] calldata publicInputs, uint256 queueCount, bytes calldata data)
        internal
        view
        returns (uint256 newProcessed)
    {
        BatchState memory b = _batch;
        QueueState memory q = _queue;
        if (q.exitMode || _exitDueFrom(b, q) != ExitReason.None) revert ExitModeActive();
        uint256 n = batchInputCount;
        if (publicInputs.length != n) revert WrongPublicInputCount(n, publicInputs.length);
        for (uint256 i = 0; i < n; ++i) {
            if (publicInputs[i] >= FIELD_MODULUS) revert PublicInputNotInField(i);
        }
        uint256 root = stateRoot;
        if (publicInputs[0] != root) revert StaleRoot(root, publicInputs[0]);
        _checkMarket(publicInputs[2]);
        uint256 batchTimestamp = publicInputs[3];
        if (batchTimestamp <= b.lastBatchTimestamp || batchTimestamp > block.timestamp) {
            revert InvalidBatchTimestamp(batchTimestamp, b.lastBatchTimestamp);
        }
        newProcessed = _checkQueue(b.processed, q.length, queueCount, publicInputs);
        uint256 dataHash = uint256(keccak256(data)) % FIELD_MODULUS;
        if (publicInputs[n - 1] != dataHash) revert DataHashMismatch(dataHash, publicInputs[n - 1]);
    }

    /// @dev Effects of a verified batch: root, batch state, withdrawals, served exit requests.
    function _applyBatch(uint256[] calldata publicInputs, uint256 newProcessed, bytes calldata data)
        internal
    {
        uint256 batchNumber = _batch.batchCount;
        stateRoot = publicInputs[1];
        _batch = BatchState({
            processed: uint64(newProcessed),
            lastBatchTimestamp: uint64(publicInputs[3]),
            lastBatchAt: uint64(block.timestamp),
            batchCount: uint64(batchNumber + 1)
        });
        uint256 end = publicInputs.length - 1;
        for (uint256 i = _WITHDRAWALS_AT; i < end; ++i) {
            uint256 w = publicInputs[i];
            if (w != 0) _credit(batchNumber, address(uint160(w)), w >> 160);
        }
        QueueState memory q = _queue;
        if (q.exitHead < q.exitCount) _serveExitRequests(q, newProcessed, batchNumber);
        emit BatchSubmitted(
            batchNumber,
            publicInputs[0],
            publicInputs[1],
            publicInputs[2],
            uint64(publicInputs[3]),
            uint64(newProcessed),
            data
        );
    }

    function _checkMarket(uint256 marketHash) internal view {
        uint64 registeredAt = marketTimestamp[marketHash];
        if (registeredAt == 0) revert UnknownMarket(marketHash);
        if (block.timestamp > uint256(registeredAt) + maxMarketAge) {
            revert StaleMarket(marketHash, registeredAt);
        }
    }

    /// @dev depositChainOld must be chain[processed], depositChainNew chain[processed + count].
    function _checkQueue(
        uint256 processed,
        uint256 length,
        uint256 count,
        uint256[] calldata publicInputs
    ) internal view returns (uint256 newProcessed) {
        if (count > length - processed) revert DepositCountTooLarge(count, length - processed);
        newProcessed = processed + count;
        uint256 chainOld = _chain[processed];
        if (publicInputs[4] != chainOld) {
            revert DepositChainMismatch(processed, chainOld, publicInputs[4]);
        }
        uint256 chainNew = count == 0 ? chainOld : _chain[newProcessed];
        if (publicInputs[5] != chainNew) {
            revert DepositChainMismatch(newProcessed, chainNew, publicInputs[5]);
        }
    }

    function _credit(uint256 batchNumber, address to, uint256 amount) internal {
        if (amount == 0) return;
        claimable[to] += amount;
        emit WithdrawalCredited(batchNumber, to, amount);
    }

    /// @dev Exit requests are served in queue order: pop every one the batch consumed.
    function _serveExitRequests(QueueState memory q, uint256 newProcessed, uint256 batchNumber)
        internal
    {
        uint64 head = q.exitHead;
        while (head < q.exitCount) {
            uint256 index = _exitQueueIndex[head];
            if (index >= newProcessed) break;
            emit ExitRequestServed(index, batchNumber);
            ++head;
        }
        if (head != q.exitHead) _queue.exitHead = head;
    }

    // ---------------------------------------------------------------------------------------
    // Exit mode
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function exitModeDue() external view returns (ExitReason) {
        return _queue.exitMode ? ExitReason.None : _exitDue();
    }

    /// @inheritdoc ISettlement
    function triggerExitMode() external {
        if (_queue.exitMode) revert ExitModeActive();
        ExitReason reason = _exitDue();
        if (reason == ExitReason.None) revert ExitModeNotDue();
        _queue.exitMode = true;
        exitMarketHash = latestMarketHash;
        emit ExitModeEntered(reason, stateRoot, latestMarketHash);
    }

    /// @inheritdoc ISettlement
    function exit(uint256[8] calldata proof, uint256[] calldata publicInputs) external {
        if (!_queue.exitMode) revert NotInExitMode();
        if (publicInputs.length != _EXIT_INPUTS) {
            revert WrongPublicInputCount(_EXIT_INPUTS, publicInputs.length);
        }
        for (uint256 i = 0; i < _EXIT_INPUTS; ++i) {
            if (publicInputs[i] >= FIELD_MODULUS) revert PublicInputNotInField(i);
        }
        if (publicInputs[0] != stateRoot || publicInputs[1] != exitMarketHash) {
            revert ExitStateMismatch();
        }
        uint256 accountId = publicInputs[2];
        if (exited[accountId]) revert AlreadyExited(accountId);
        if (!exitVerifier.verifyProof(proof, publicInputs)) revert InvalidProof();

        exited[accountId] = true;
        address to = address(uint160(publicInputs[3]));
        uint256 amount = publicInputs[3] >> 160;
        claimable[to] += amount;
        emit Exited(accountId, to, amount);
    }

    /// @inheritdoc ISettlement
    function reclaimDeposit(uint256 queueIndex) external {
        if (!_queue.exitMode) revert NotInExitMode();
        QueueEntry storage entry = _entries[queueIndex];
        uint256 amount = entry.amount;
        if (queueIndex < _batch.processed || amount == 0) revert NotReclaimable(queueIndex);
        entry.amount = 0;
        claimable[entry.owner] += amount;
        emit DepositReclaimed(queueIndex, entry.owner, amount);
    }

    function _exitDue() internal view returns (ExitReason) {
        return _exitDueFrom(_batch, _queue);
    }

    /// @dev Inactivity: no batch for livenessPeriod. Overdue: the oldest unserved exit request
    /// (requests are served in order, so it has the earliest deadline) waited exitRequestPeriod.
    function _exitDueFrom(BatchState memory b, QueueState memory q)
        internal
        view
        returns (ExitReason)
    {
        if (block.timestamp > uint256(b.lastBatchAt) + livenessPeriod) {
            return ExitReason.Inactivity;
        }
        if (q.exitHead < q.exitCount) {
            uint256 enqueuedAt = _entries[_exitQueueIndex[q.exitHead]].enqueuedAt;
            if (block.timestamp > enqueuedAt + exitRequestPeriod) {
                return ExitReason.ExitRequestOverdue;
            }
        }
        return ExitReason.None;
    }

    // ---------------------------------------------------------------------------------------
    // Payouts
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function claim() external nonReentrant {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        claimable[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice chain[index] of the queue's Poseidon hash chain (chain[0] = 0).
    function queueChain(uint256 index) external view returns (uint256) {
        return _chain[index];
    }

    /// @notice The queue entry at `index` (amount 0 = exit request or reclaimed deposit).
    function queueEntry(uint256 index) external view returns (QueueEntry memory) {
        return _entries[index];
    }

    /// @notice (processed, lastBatchTimestamp, lastBatchAt, batchCount).
    function batchState() external view returns (BatchState memory) {
        return _batch;
    }

    /// @notice (length, exitCount, exitHead, exitMode).
    function queueState() external view returns (QueueState memory) {
        return _queue;
    }
}
