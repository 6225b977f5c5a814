// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IPoseidon4} from "./interfaces/IPoseidon4.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {DataBlob} from "./libraries/DataBlob.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";

/// @title Settlement
/// @notice Holds Darkbook's collateral and state root; accepts Groth16-proven batches from the
/// relayer; keeps the on-chain queue (deposits, and the forced withdrawals and cancels a key's
/// owner requests) as a Poseidon hash chain the batch proof consumes in order; pays withdrawals
/// by pull payment; and falls back to exit mode when the relayer stops serving a request (or
/// at all). Not upgradeable; its Config is immutable.
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
    uint256 private constant _ACCOUNT_SHIFT = 128; // a request word: low + 2^128 id + 2^192 kind
    uint256 private constant _KIND_SHIFT = 192;
    // x of the order-8 points of Baby Jubjub (the others of order dividing 8 have x = 0 or y = 0)
    uint256 private constant _ORDER8_X =
        4342719913949491028786768530115087822524712248835451589697801404893164183326;

    IERC20 public immutable token;
    IPoseidon4 public immutable poseidon;
    /// @notice snarkjs Groth16Verifier of batch proofs (7 + W public inputs).
    address public immutable batchVerifier;
    /// @notice snarkjs Groth16Verifier of exit proofs (4 public inputs).
    address public immutable exitVerifier;
    /// @notice Number of batch public inputs: 7 + W.
    uint256 public immutable batchInputCount;
    /// @notice P, position slots per leaf: a batch's data blob must be a DBK3 blob of this P.
    uint256 public immutable positions;
    uint256 private immutable _blobWords; // field words per blob entry after its id (K + 2)
    bytes4 private immutable _batchSelector;
    bytes4 private immutable _exitSelector;

    uint256 public immutable minDeposit;
    /// @notice Token base units per venue unit: the queue, the tree and the proofs count venue
    /// units (64-bit), deposits must be whole venue units, payouts are venue units x unitScale.
    uint256 public immutable unitScale;
    uint64 public immutable maxPendingQueue;
    uint64 public immutable maxMarketAge;
    uint64 public immutable livenessPeriod;
    uint64 public immutable exitRequestPeriod;
    /// @notice A batch may be stamped at most this many seconds before its block.
    uint64 public immutable maxBatchDelay;
    /// @notice Seconds (block time) a replaced market table stays usable after its successor.
    uint64 public immutable marketGracePeriod;
    /// @notice Tokens a forced-withdrawal or cancel request costs (to feesAccrued).
    uint256 public immutable requestFee;
    /// @notice Most requests of one key that no batch has served yet.
    uint64 public immutable maxRequestsPerKey;

    // ---------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------

    /// @dev Everything a batch or a deposit reads and writes, in one slot (232 bits).
    struct State {
        uint40 processed; // queue entries consumed by batches
        uint40 queueLength; // queue entries ever appended
        uint40 lastBatchTimestamp; // batchTimestamp of the last batch
        uint40 lastBatchAt; // block time the last batch landed (or deployment)
        uint40 batchCount;
        uint24 pendingRequests; // requests not yet consumed (<= maxPendingQueue)
        bool exitMode;
    }

    /// @dev FIFO of requests (read only while some are pending).
    struct RequestFifo {
        uint64 head; // requests served so far
        uint64 count; // requests ever made
    }

    /// @dev The k-th request, in one slot: what serving it and the exit timer read.
    struct Request {
        uint40 queueIndex;
        uint32 enqueuedAt;
        RequestKind kind;
        uint64 accountId;
        uint64 value; // the withdrawal's amount or the cancel's order id
    }

    /// @dev Who owns a key (its first depositor) and how many of its requests are unserved.
    struct KeyInfo {
        address owner;
        uint32 pending;
    }

    /// @dev One queue entry; amount (venue units) 0 marks a request (deposits are >= 1), a
    /// reclaimed deposit or a refunded one.
    struct QueueEntry {
        address owner; // depositor or requester
        uint64 amount;
        uint32 enqueuedAt;
    }

    /// @notice The current state root (account tree).
    uint256 public stateRoot;
    State internal _state;
    RequestFifo internal _requestFifo;
    /// @dev chain[i + 1] for i >= 0; chain[0] = 0.
    mapping(uint256 index => uint256 hash) internal _chain;
    mapping(uint256 queueIndex => QueueEntry entry) internal _entries;
    /// @dev k-th request (FIFO position, not queue index) and its key.
    mapping(uint256 k => Request request) internal _requests;
    mapping(uint256 k => bytes32 key) internal _requestKey;
    /// @dev keccak256(abi.encode(ax, ay)) -> owner and unserved requests.
    mapping(bytes32 key => KeyInfo info) internal _keys;

    /// @notice Each registered market table: the oracle's timestamp (0 = unknown) and, once a
    /// newer table replaced it, the last block time a batch may use it (0 = it is the newest).
    /// One slot, so a batch's market check is one cold read whatever the table.
    mapping(uint256 marketHash => MarketInfo info) public markets;
    /// @notice The newest registered table: batches use it (or the one before, in its grace).
    uint256 public latestMarketHash;
    uint64 public latestMarketTimestamp;
    /// @notice The table latestMarketHash replaced (0 if none): its grace is cut when a newer
    /// table is registered, so at most two tables are ever usable.
    uint256 public previousMarketHash;
    /// @notice The market hash exit proofs are against (latest at the start of exit mode).
    uint256 public exitMarketHash;

    mapping(address account => uint256 amount) public claimable;
    /// @notice Sum of `claimable` over every address: tokens owed, not the exits' to pay.
    uint256 public claimsOutstanding;
    /// @notice In exit mode: tokens of queued deposits no batch consumed and nobody reclaimed.
    uint256 public reclaimReserve;
    mapping(uint256 accountId => bool done) public exited;
    /// @notice Trading fees (tokens) batches took out of the account tree and no sweep paid
    /// yet: the venue's earned money, the only kind the admin can take (issue 18 rule 1).
    uint256 public feesAccrued;

    // ---------------------------------------------------------------------------------------
    // Construction
    // ---------------------------------------------------------------------------------------

    /// @param token_ the ERC-20 collateral
    /// @param poseidon_ circomlib Poseidon(4) contract (circomlibjs createCode(4))
    /// @param verifiers_ snarkjs Groth16Verifier of batch proofs, then of exit proofs
    /// @param shape [public inputs of the batch verifier (7 + W), P of the circuit (1..5): the
    /// data blob's entry size depends on it] (one array: a twelfth argument is stack too deep
    /// for the legacy pipeline slither compiles with)
    /// @param genesisRoot the root of the genesis account tree (account 0 holds operatorKey)
    /// @param operatorKey account 0's Baby Jubjub key: `admin` owns it (only it may top up)
    /// @param config immutable parameters (see ISettlement.Config)
    /// @param admin DEFAULT_ADMIN_ROLE holder (two-step transfer after `adminDelay` seconds)
    /// @param relayer initial RELAYER_ROLE holder
    /// @param oracle initial ORACLE_ROLE holder
    constructor(
        IERC20 token_,
        IPoseidon4 poseidon_,
        address[2] memory verifiers_,
        uint256[2] memory shape,
        uint256 genesisRoot,
        uint256[2] memory operatorKey,
        Config memory config,
        uint48 adminDelay,
        address admin,
        address relayer,
        address oracle
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (
            address(token_).code.length == 0 || address(poseidon_).code.length == 0
                || verifiers_[0].code.length == 0 || verifiers_[1].code.length == 0
                || shape[0] < _FIXED_INPUTS || shape[1] == 0
                || shape[1] > DataBlob.MAX_POSITIONS || relayer == address(0)
                || oracle == address(0) || genesisRoot >= FIELD_MODULUS || config.minDeposit == 0
                || config.minDeposit > type(uint64).max || config.maxPendingQueue == 0
                || config.maxPendingQueue > type(uint24).max || config.maxMarketAge == 0
                || config.livenessPeriod == 0 || config.exitRequestPeriod == 0
                || config.maxBatchDelay == 0 || config.marketGracePeriod > config.maxMarketAge
                || config.marketGracePeriod > type(uint32).max || config.unitScale == 0
                || config.unitScale > type(uint128).max || config.maxRequestsPerKey == 0
                || config.maxRequestsPerKey > config.maxPendingQueue
        ) revert InvalidConfig();
        _checkKey(operatorKey[0], operatorKey[1]);
        token = token_;
        poseidon = poseidon_;
        batchVerifier = verifiers_[0];
        exitVerifier = verifiers_[1];
        batchInputCount = shape[0];
        positions = shape[1];
        _blobWords = DataBlob.wordsPerEntry(shape[1]);
        _batchSelector = Groth16Call.selectorFor(shape[0]);
        _exitSelector = Groth16Call.selectorFor(_EXIT_INPUTS);
        minDeposit = config.minDeposit;
        unitScale = config.unitScale;
        maxPendingQueue = config.maxPendingQueue;
        maxMarketAge = config.maxMarketAge;
        livenessPeriod = config.livenessPeriod;
        exitRequestPeriod = config.exitRequestPeriod;
        maxBatchDelay = config.maxBatchDelay;
        marketGracePeriod = config.marketGracePeriod;
        requestFee = config.requestFee;
        maxRequestsPerKey = config.maxRequestsPerKey;
        stateRoot = genesisRoot;
        _state.lastBatchAt = uint40(block.timestamp);
        _grantRole(RELAYER_ROLE, relayer);
        _grantRole(ORACLE_ROLE, oracle);
        _bindKey(operatorKey[0], operatorKey[1], admin);
    }

    // ---------------------------------------------------------------------------------------
    // Queue: deposits, forced withdrawals and cancels
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function deposit(uint256 amount, uint256 ax, uint256 ay) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (amount < minDeposit) revert DepositTooSmall(amount, minDeposit);
        if (amount % unitScale != 0) revert DepositNotWholeUnits(amount, unitScale);
        uint256 units = amount / unitScale;
        if (units > type(uint64).max) revert DepositTooLarge(amount);
        _checkKey(ax, ay);
        // a copied key opens nothing but an account holding the copier's own money
        address owner = _keys[_keyHash(ax, ay)].owner;
        if (owner != msg.sender && owner != address(0)) revert KeyOwnedByOther(ax, ay, owner);
        (uint256 index, uint256 chainHash) = _enqueue(ax, ay, units, false);
        if (owner == address(0)) _bindKey(ax, ay, msg.sender);

        emit Deposited(index, msg.sender, ax, ay, units, chainHash);
        _pull(amount);
    }

    /// @inheritdoc ISettlement
    function requestWithdrawal(uint256 ax, uint256 ay, uint64 accountId, uint64 amount)
        external
        nonReentrant
    {
        if (amount == 0) revert ZeroAmount();
        (uint256 index, uint256 chainHash) =
            _request(ax, ay, accountId, amount, RequestKind.Withdrawal);
        emit ForcedWithdrawalRequested(
            index, msg.sender, ax, ay, accountId, amount, _deadline(), chainHash
        );
        _pullFee();
    }

    /// @inheritdoc ISettlement
    function requestCancel(uint256 ax, uint256 ay, uint64 accountId, uint64 orderId)
        external
        nonReentrant
    {
        (uint256 index, uint256 chainHash) =
            _request(ax, ay, accountId, orderId, RequestKind.Cancel);
        emit CancelRequested(index, msg.sender, ax, ay, accountId, orderId, _deadline(), chainHash);
        _pullFee();
    }

    /// @dev Checks and effects of a request: only the key's owner, never account 0, at most
    /// maxRequestsPerKey unserved per key; word = value + 2^128 accountId + 2^192 kind.
    function _request(uint256 ax, uint256 ay, uint64 accountId, uint64 value, RequestKind kind)
        internal
        returns (uint256 index, uint256 chainHash)
    {
        if (accountId == 0) revert OperatorAccountRequest(); // it holds what is owed to others
        bytes32 key = _keyHash(ax, ay);
        KeyInfo memory info = _keys[key];
        if (info.owner != msg.sender) revert NotKeyOwner(ax, ay, msg.sender);
        if (info.pending >= maxRequestsPerKey) revert TooManyRequests(key, info.pending);
        uint256 word = uint256(value) | uint256(accountId) << _ACCOUNT_SHIFT
            | uint256(uint8(kind)) << _KIND_SHIFT;
        (index, chainHash) = _enqueue(ax, ay, word, true);
        _keys[key].pending = info.pending + 1;
        RequestFifo memory fifo = _requestFifo;
        _requests[fifo.count] =
            Request(uint40(index), uint32(block.timestamp), kind, accountId, value);
        _requestKey[fifo.count] = key;
        _requestFifo.count = fifo.count + 1;
        uint256 fee = requestFee;
        if (fee != 0) {
            feesAccrued += fee;
            emit RequestFeeAccrued(index, fee);
        }
    }

    /// @dev Appends Poseidon([chain, ax, ay, word]); a request writes no entry (it stays 0:
    /// amount 0, never reclaimable), its record is in the request FIFO.
    function _enqueue(uint256 ax, uint256 ay, uint256 word, bool isRequest)
        internal
        returns (uint256 index, uint256 chainHash)
    {
        State memory st = _state;
        if (st.exitMode || _exitDue(st) != ExitReason.None) revert ExitModeActive();
        index = st.queueLength;
        uint256 pending = index - st.processed;
        if (pending >= maxPendingQueue) revert QueueFull(pending);
        chainHash = poseidon.poseidon([_chain[index], ax, ay, word]);
        _chain[index + 1] = chainHash;
        if (isRequest) st.pendingRequests += 1;
        else _entries[index] = QueueEntry(msg.sender, uint64(word), uint32(block.timestamp));
        st.queueLength = uint40(index + 1);
        _state = st;
    }

    /// @dev Pulls `amount` tokens from the caller; fee-on-transfer tokens are refused.
    function _pull(uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    function _pullFee() internal {
        uint256 fee = requestFee;
        if (fee != 0) _pull(fee);
    }

    function _deadline() internal view returns (uint64) {
        return uint64(block.timestamp) + exitRequestPeriod;
    }

    function _bindKey(uint256 ax, uint256 ay, address owner) internal {
        bytes32 key = _keyHash(ax, ay);
        _keys[key].owner = owner;
        emit KeyOwnerBound(key, owner, ax, ay);
    }

    /// @dev keccak256(abi.encode(ax, ay)), in scratch space.
    function _keyHash(uint256 ax, uint256 ay) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, ax)
            mstore(0x20, ay)
            key := keccak256(0x00, 0x40)
        }
    }

    /// @dev On Baby Jubjub with canonical coordinates, and of order not dividing 8.
    function _checkKey(uint256 ax, uint256 ay) internal pure {
        if (!_onBabyJubjub(ax, ay)) revert InvalidPublicKey();
        // issue 18 rule 7: such a key could never own an account (the batch would refund it)
        if (ax == 0 || ay == 0 || ax == _ORDER8_X || ax == FIELD_MODULUS - _ORDER8_X) {
            revert LowOrderPublicKey(ax, ay);
        }
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
        if (
            marketHash == 0 || marketHash >= FIELD_MODULUS || markets[marketHash].timestamp != 0
        ) revert InvalidMarketHash(marketHash);
        if (timestamp > block.timestamp || timestamp <= latestMarketTimestamp) {
            revert InvalidMarketTimestamp(timestamp);
        }
        uint256 replaced = latestMarketHash;
        markets[marketHash] = MarketInfo(timestamp, 0);
        latestMarketHash = marketHash;
        latestMarketTimestamp = timestamp;
        emit MarketRegistered(marketHash, timestamp);
        if (replaced == 0) return;

        // the replaced table: usable for marketGracePeriod more seconds (a batch in flight)
        uint64 graceEnd = uint64(block.timestamp) + marketGracePeriod;
        markets[replaced].acceptUntil = graceEnd;
        emit MarketSuperseded(replaced, marketHash, graceEnd);
        // the one before it: refused from now on, even if its own grace had time left
        uint256 retired = previousMarketHash;
        previousMarketHash = replaced;
        if (retired != 0 && markets[retired].acceptUntil >= block.timestamp) {
            uint64 cut = uint64(block.timestamp) - 1;
            markets[retired].acceptUntil = cut;
            emit MarketSuperseded(retired, marketHash, cut);
        }
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
        State memory st = _state;
        uint256 newProcessed = _checkBatch(st, publicInputs, queueCount);
        uint256 logPtr = _checkData(data, publicInputs);
        if (!Groth16Call.verify(batchVerifier, _batchSelector, proof, publicInputs)) {
            revert InvalidProof();
        }
        _applyBatch(st, publicInputs, newProcessed);
        _emitBatch(logPtr, st.batchCount + 1, publicInputs, newProcessed, data.length);
    }

    /// @dev Every check on the public inputs but the data binding and the proof.
    function _checkBatch(State memory st, uint256[] calldata publicInputs, uint256 queueCount)
        internal
        view
        returns (uint256 newProcessed)
    {
        if (st.exitMode || _exitDue(st) != ExitReason.None) revert ExitModeActive();
        uint256 n = batchInputCount;
        if (publicInputs.length != n) revert WrongPublicInputCount(n, publicInputs.length);
        _checkInField(publicInputs);
        uint256 root = stateRoot;
        if (publicInputs[0] != root) revert StaleRoot(root, publicInputs[0]);
        _checkMarket(publicInputs[2]);
        uint256 stamp = publicInputs[3]; // above bit 64: fees, refunds, forcedPaid
        if (stamp >> 224 != 0) revert BatchStampOutOfRange(stamp);
        uint256 batchTimestamp = uint64(stamp);
        if (batchTimestamp <= st.lastBatchTimestamp || batchTimestamp > block.timestamp) {
            revert InvalidBatchTimestamp(batchTimestamp, st.lastBatchTimestamp);
        }
        // the venue's clock cannot lag: fills are margined and expired at batchTimestamp
        unchecked {
            // no underflow: batchTimestamp <= block.timestamp above
            if (block.timestamp - batchTimestamp > maxBatchDelay) {
                revert BatchTooOld(uint64(batchTimestamp), block.timestamp, maxBatchDelay);
            }
        }
        newProcessed = _checkQueue(st.processed, st.queueLength, queueCount, publicInputs);
    }

    /// @dev Copies `data` once into memory, already laid out as BatchSubmitted's ABI-encoded
    /// log data (5 head words, length, bytes zero-padded), hashes it there; then parses the
    /// DBK3 blob (from calldata) and requires dataBinding (the last input) to be its binding. _emitBatch fills the head and logs the same memory (no second copy).
    function _checkData(bytes calldata data, uint256[] calldata publicInputs)
        internal
        view
        returns (uint256 ptr)
    {
        bytes32 hash;
        assembly ("memory-safe") {
            ptr := mload(0x40)
            let len := data.length
            let body := add(ptr, 0xc0)
            mstore(add(body, and(len, not(31))), 0) // zero the padding of the last word
            calldatacopy(body, data.offset, len)
            hash := keccak256(body, len)
            mstore(add(ptr, 0xa0), len)
            mstore(0x40, add(body, and(add(len, 31), not(31))))
        }
        uint256 given = publicInputs[publicInputs.length - 1];
        uint256 binding = DataBlob.bind(data, hash, publicInputs[1], positions, _blobWords);
        if (given != binding) revert DataBindingMismatch(binding, given);
    }

    /// @dev Effects of a verified batch: root, state, withdrawals, fees, served requests (and
    /// the forced withdrawal's payment), refunds.
    function _applyBatch(State memory st, uint256[] calldata publicInputs, uint256 newProcessed)
        internal
    {
        uint256 batchNumber = st.batchCount + 1; // 1, 2, ...: the relayer's numbers, the blob's nonce
        stateRoot = publicInputs[1];
        uint256 stamp = publicInputs[3];
        uint256 forcedPaid = stamp >> 160; // < 2^64 (_checkBatch): what the forced withdrawal paid
        uint256 served = st.pendingRequests == 0 && forcedPaid == 0
            ? 0
            : _serveRequests(newProcessed, batchNumber, forcedPaid);
        _state = State({
            processed: uint40(newProcessed),
            queueLength: st.queueLength,
            lastBatchTimestamp: uint40(uint64(stamp)),
            lastBatchAt: uint40(block.timestamp),
            batchCount: uint40(batchNumber),
            pendingRequests: uint24(st.pendingRequests - served),
            exitMode: false
        });
        uint256 end = publicInputs.length - 1; // withdrawals, then dataBinding
        for (uint256 i = _WITHDRAWALS_AT; i < end; ++i) {
            uint256 w = publicInputs[i];
            if (w != 0) _credit(batchNumber, address(uint160(w)), w >> 160);
        }
        uint256 fees = uint64(stamp >> 64); // the proof makes bits 64..127 the trades' fees
        if (fees != 0) {
            uint256 amount = fees * unitScale;
            feesAccrued += amount;
            emit FeesAccrued(batchNumber, amount);
        }
        uint256 refunds = uint32(stamp >> 128);
        if (refunds != 0) _refund(refunds, st.processed, newProcessed, batchNumber);
    }

    /// @dev Bit i of `refunds`: the batch consumed deposit entry first + i without crediting
    /// it (issue 18 rule 7: a key outside the subgroup, a 64-bit overflow, a full tree); its
    /// depositor may claim it back. The proof sets only bits of deposits it consumed; a bit of
    /// an entry not consumed, or of a request (amount 0), reverts all the same.
    function _refund(uint256 refunds, uint256 first, uint256 newProcessed, uint256 batchNumber)
        internal
    {
        uint256 count = newProcessed - first;
        if (refunds >> count != 0) revert RefundNotConsumed(refunds, count);
        for (uint256 i = 0; refunds != 0; ++i) {
            if (refunds & 1 != 0) {
                QueueEntry storage entry = _entries[first + i];
                uint256 amount = uint256(entry.amount) * unitScale;
                if (amount == 0) revert RefundOfRequest(first + i); // deposits are >= 1 unit
                address owner = entry.owner;
                entry.amount = 0;
                _addClaim(owner, amount);
                emit DepositRefunded(first + i, owner, amount, batchNumber);
            }
            refunds >>= 1;
        }
    }

    /// @dev emit BatchSubmitted(batchNumber, newRoot, marketHash, batchTimestamp,
    /// queueProcessed, data) from the memory _checkData prepared.
    function _emitBatch(
        uint256 ptr,
        uint256 batchNumber,
        uint256[] calldata publicInputs,
        uint256 newProcessed,
        uint256 len
    ) internal {
        bytes32 topic = BatchSubmitted.selector;
        uint256 newRoot = publicInputs[1];
        uint256 marketHash = publicInputs[2];
        uint256 batchTimestamp = uint64(publicInputs[3]);
        assembly ("memory-safe") {
            mstore(ptr, newRoot)
            mstore(add(ptr, 0x20), marketHash)
            mstore(add(ptr, 0x40), batchTimestamp)
            mstore(add(ptr, 0x60), newProcessed)
            mstore(add(ptr, 0x80), 0xa0)
            log2(ptr, add(0xc0, and(add(len, 31), not(31))), topic, batchNumber)
        }
    }

    /// @dev Every input < p (the generated verifier checks it too; this names the input).
    function _checkInField(uint256[] calldata inputs) internal pure {
        uint256 bad = type(uint256).max;
        assembly ("memory-safe") {
            let p := FIELD_MODULUS
            for { let i := 0 } lt(i, inputs.length) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(inputs.offset, shl(5, i))), p)) {
                    bad := i
                    break
                }
            }
        }
        if (bad != type(uint256).max) revert PublicInputNotInField(bad);
    }

    /// @dev Registered, at most maxMarketAge old, and the newest table or (until its
    /// acceptUntil) the one the newest replaced. One cold read; the error path reads the newest.
    function _checkMarket(uint256 marketHash) internal view {
        MarketInfo storage m = markets[marketHash];
        (uint64 registeredAt, uint64 acceptUntil) = (m.timestamp, m.acceptUntil);
        if (registeredAt == 0) revert UnknownMarket(marketHash);
        if (block.timestamp > uint256(registeredAt) + maxMarketAge) {
            revert StaleMarket(marketHash, registeredAt);
        }
        if (acceptUntil != 0 && block.timestamp > acceptUntil) {
            revert NotNewestMarket(marketHash, latestMarketHash);
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

    /// @dev `units` venue units, paid as units x unitScale tokens.
    function _credit(uint256 batchNumber, address to, uint256 units) internal {
        if (units == 0) return;
        uint256 amount = units * unitScale;
        _addClaim(to, amount);
        emit WithdrawalCredited(batchNumber, to, amount);
    }

    /// @dev Requests are served in queue order: pop every one the batch consumed (the proof
    /// applied each). The one forced withdrawal among them pays `forcedPaid` venue units to
    /// its key's owner; forcedPaid without one, above its amount, or a second one reverts.
    function _serveRequests(uint256 newProcessed, uint256 batchNumber, uint256 forcedPaid)
        internal
        returns (uint256 served)
    {
        RequestFifo memory fifo = _requestFifo;
        uint64 head = fifo.head;
        bool paid = false;
        for (; head < fifo.count; ++head) {
            Request memory r = _requests[head];
            if (r.queueIndex >= newProcessed) break;
            KeyInfo storage info = _keys[_requestKey[head]];
            info.pending -= 1;
            if (r.kind == RequestKind.Cancel) {
                emit CancelServed(r.queueIndex, batchNumber);
                continue;
            }
            if (paid || forcedPaid > r.value) revert ForcedWithdrawalMismatch(r.queueIndex);
            paid = true;
            address to = info.owner;
            uint256 amount = forcedPaid * unitScale;
            if (amount != 0) _addClaim(to, amount);
            emit ForcedWithdrawalServed(r.queueIndex, r.accountId, to, amount, batchNumber);
        }
        if (forcedPaid != 0 && !paid) revert ForcedPaidWithoutWithdrawal(forcedPaid);
        served = head - fifo.head;
        if (served != 0) _requestFifo.head = head;
    }

    // ---------------------------------------------------------------------------------------
    // Exit mode
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function exitModeDue() external view returns (ExitReason) {
        State memory st = _state;
        return st.exitMode ? ExitReason.None : _exitDue(st);
    }

    /// @inheritdoc ISettlement
    function triggerExitMode() external {
        State memory st = _state;
        if (st.exitMode) revert ExitModeActive();
        ExitReason reason = _exitDue(st);
        if (reason == ExitReason.None) revert ExitModeNotDue();
        _state.exitMode = true;
        exitMarketHash = latestMarketHash;
        // what reclaimDeposit will owe: the queued deposits (at most maxPendingQueue entries)
        uint256 reserve = 0;
        for (uint256 i = st.processed; i < st.queueLength; ++i) {
            reserve += _entries[i].amount;
        }
        reclaimReserve = reserve * unitScale;
        emit ExitModeEntered(reason, stateRoot, latestMarketHash);
    }

    /// @inheritdoc ISettlement
    function exit(uint256[8] calldata proof, uint256[] calldata publicInputs) external {
        if (!_state.exitMode) revert NotInExitMode();
        if (publicInputs.length != _EXIT_INPUTS) {
            revert WrongPublicInputCount(_EXIT_INPUTS, publicInputs.length);
        }
        _checkInField(publicInputs);
        if (publicInputs[0] != stateRoot || publicInputs[1] != exitMarketHash) {
            revert ExitStateMismatch();
        }
        uint256 accountId = publicInputs[2];
        if (accountId == 0) revert OperatorAccountExit(); // it holds what is owed to others
        if (exited[accountId]) revert AlreadyExited(accountId);
        if (!Groth16Call.verify(exitVerifier, _exitSelector, proof, publicInputs)) {
            revert InvalidProof();
        }

        exited[accountId] = true;
        address to = address(uint160(publicInputs[3]));
        uint256 owed = (publicInputs[3] >> 160) * unitScale;
        uint256 budget = _exitBudget();
        uint256 amount = owed <= budget ? owed : budget;
        if (amount != 0) _addClaim(to, amount);
        if (amount != owed) emit ExitShortfall(accountId, owed, amount);
        emit Exited(accountId, to, amount);
    }

    /// @dev What exits may still take: the balance beyond every other debt (claims, queued
    /// deposits, fees). Account 0 never exits, so what it holds stays here and covers the
    /// floor at 0 of accounts in bad debt first; past that, the last exits get less.
    function _exitBudget() internal view returns (uint256) {
        uint256 held = token.balanceOf(address(this));
        uint256 owedElsewhere = claimsOutstanding + reclaimReserve + feesAccrued;
        return held > owedElsewhere ? held - owedElsewhere : 0;
    }

    /// @inheritdoc ISettlement
    function reclaimDeposit(uint256 queueIndex) external {
        State memory st = _state;
        if (!st.exitMode) revert NotInExitMode();
        QueueEntry storage entry = _entries[queueIndex];
        uint256 amount = uint256(entry.amount) * unitScale;
        if (queueIndex < st.processed || amount == 0) revert NotReclaimable(queueIndex);
        entry.amount = 0;
        reclaimReserve -= amount;
        _addClaim(entry.owner, amount);
        emit DepositReclaimed(queueIndex, entry.owner, amount);
    }

    /// @dev Inactivity: no batch for livenessPeriod. Overdue: the oldest unserved request
    /// (requests are served in order, so it has the earliest deadline) waited
    /// exitRequestPeriod. No read beyond the State slot unless a request is pending, then two.
    function _exitDue(State memory st) internal view returns (ExitReason) {
        if (block.timestamp > uint256(st.lastBatchAt) + livenessPeriod) {
            return ExitReason.Inactivity;
        }
        if (st.pendingRequests != 0) {
            uint256 enqueuedAt = _requests[_requestFifo.head].enqueuedAt;
            if (block.timestamp > enqueuedAt + exitRequestPeriod) {
                return ExitReason.ExitRequestOverdue;
            }
        }
        return ExitReason.None;
    }

    // ---------------------------------------------------------------------------------------
    // Payouts
    // ---------------------------------------------------------------------------------------

    /// @dev Every credit to `claimable` goes through here, so claimsOutstanding is their sum.
    function _addClaim(address to, uint256 amount) internal {
        claimable[to] += amount;
        claimsOutstanding += amount;
    }

    /// @inheritdoc ISettlement
    function claim() external nonReentrant {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        claimable[msg.sender] = 0;
        claimsOutstanding -= amount;
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ISettlement
    function sweepFees(address treasury, uint256 amount)
        external
        nonReentrant
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (treasury == address(0)) revert InvalidTreasury();
        if (amount == 0) revert ZeroAmount();
        uint256 accrued = feesAccrued;
        if (amount > accrued) revert FeesExceeded(amount, accrued);
        feesAccrued = accrued - amount;
        emit FeesSwept(treasury, amount);
        token.safeTransfer(treasury, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice chain[index] of the queue's Poseidon hash chain (chain[0] = 0).
    function queueChain(uint256 index) external view returns (uint256) {
        return _chain[index];
    }

    /// @notice The deposit at queue `index` (all 0 for a request; amount 0 once refunded or
    /// reclaimed).
    function queueEntry(uint256 index) external view returns (QueueEntry memory) {
        return _entries[index];
    }

    /// @notice (processed, queueLength, lastBatchTimestamp, lastBatchAt, batchCount,
    /// pendingRequests, exitMode).
    function state() external view returns (State memory) {
        return _state;
    }

    /// @inheritdoc ISettlement
    function keyOwner(uint256 ax, uint256 ay) external view returns (address) {
        return _keys[_keyHash(ax, ay)].owner;
    }

    /// @inheritdoc ISettlement
    function pendingRequests(uint256 ax, uint256 ay) external view returns (uint256) {
        return _keys[_keyHash(ax, ay)].pending;
    }
}
