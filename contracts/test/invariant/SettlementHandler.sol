// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {Settlement} from "../../Settlement.sol";
import {IPoseidon4} from "../../interfaces/IPoseidon4.sol";
import {ISettlement} from "../../interfaces/ISettlement.sol";
import {TestToken} from "../TestToken.sol";
import {REJECTED_PROOF, Vm} from "./StandIns.sol";

// account 0's key (4 x Base8), bound to the admin at deployment (SettlementInvariants.setUp)
uint256 constant OPERATOR_KEY_X =
    12252886604826192316928789929706397349846234911198931249025449955069330867144;
uint256 constant OPERATOR_KEY_Y =
    1286140751908834028607023759717162073146610688084909004843365841635476459484;

/// @title SettlementHandler
/// @notice The actions Foundry's invariant fuzzer calls on Settlement, in random order with
/// random arguments: deposit, request (forced withdrawal or cancel), registerMarket,
/// submitBatch (honest and mutated), claim, time travel, triggerExitMode, exit,
/// reclaimDeposit, sweepFees.
/// @dev Keeps a model ("ghost" state) of what the contract and the batch circuit should do:
/// the queue and its Poseidon chain, key owners (the first depositor of a key), the account
/// tree's balances (deposits consumed by a batch are credited to the account of their key; a
/// consumed forced withdrawal pays min(amount, collateral) of the named account when it holds
/// the request's key, else 0, to the key's owner; withdrawals and exits never take more than an
/// account holds, as the circuit guarantees; a batch's trading fees leave the tree for
/// feesAccrued, request fees go there directly), the market registry, the clocks, and every
/// credit and payment per address. Each action predicts whether the call must succeed, calls
/// it (reverts caught), and records a violation when the contract disagrees or moves money
/// other than the model says: every credit event Settlement emits in an action
/// (WithdrawalCredited, Exited, DepositReclaimed, DepositRefunded, ForcedWithdrawalServed) must
/// be one the model made, in order, so a credit to an address outside the actors cannot hide;
/// every served request (ForcedWithdrawalServed, CancelServed) one the model served, in order.
/// Never reverts itself (the test runs with fail_on_revert).
contract SettlementHandler {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 private constant P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant W = 2; // withdrawal slots per batch (10 public inputs)
    uint256 internal constant BLOB_WORDS = 4; // leaf hash + ct_0..ct_2 (P = 2, K = 2)
    uint256 internal constant N_ACTORS = 4;
    uint256 internal constant N_KEYS = 5; // account k + 1 holds deposits to key k
    uint256 internal constant N_ACCOUNTS = N_KEYS + 1; // account 0: the venue's (empty here)
    uint256 internal constant REFUNDED_KEY = 4; // the generator: not in the subgroup
    uint256 internal constant NO_KEY = type(uint256).max; // a request entry's `key` is its key
    uint256 internal constant EVERYTHING = type(uint64).max; // a forced withdrawal of all free

    // the deployment's settings (SettlementInvariants.setUp)
    uint256 internal constant MIN_DEPOSIT = 1000;
    uint256 internal constant MAX_PENDING = 6;
    uint256 internal constant MAX_MARKET_AGE = 3600;
    uint256 internal constant LIVENESS = 6 hours;
    uint256 internal constant EXIT_REQUEST_PERIOD = 1 hours;
    uint256 internal constant MAX_BATCH_DELAY = 300;
    uint256 internal constant GRACE = 120;
    uint256 internal constant REQUEST_FEE = 50;
    uint256 internal constant MAX_REQUESTS_PER_KEY = 2;
    address internal constant ADMIN = address(0xAD); // DEFAULT_ADMIN_ROLE (SettlementInvariants)
    address internal constant TREASURY = address(0x7EA5); // where fee sweeps go (not an actor)

    Settlement public immutable settlement;
    TestToken public immutable token;
    IPoseidon4 public immutable poseidon;
    address public immutable relayer;
    address public immutable oracle;

    address[N_ACTORS] public actors;
    uint256[2][N_KEYS] internal _keys;

    // ---- model: clock, queue, key owners ----
    struct Entry {
        address owner;
        uint256 amount; // 0 for a request
        uint256 key;
        uint256 enqueuedAt;
        bool reclaimed;
        ISettlement.RequestKind kind;
        uint256 accountId; // a request's
        uint256 value; // a request's amount or order id
    }

    uint256 public now_;
    Entry[] internal _entries;
    uint256[] internal _chain; // _chain[i] = chain after i entries; _chain[0] = 0
    uint256 public processed;
    uint256[] internal _requests; // queue indexes of requests
    uint256 public requestsServed;
    address[N_KEYS] public keyOwner;
    uint256[N_KEYS] public pendingOfKey;
    uint256[] internal _expectedServed; // queue indexes this action's batch served, in order

    // ---- model: batches and markets ----
    struct Market {
        uint256 timestamp;
        uint256 acceptUntil;
    }

    uint256 public root;
    uint256 public lastBatchTimestamp;
    uint256 public lastBatchAt;
    uint256 public batchCount;
    mapping(uint256 hash => Market m) internal _markets;
    uint256 public latestMarket;
    uint256 public previousMarket;
    uint256 public latestMarketTimestamp;
    uint256 internal _marketNonce;
    uint256[] internal _registered;

    // ---- model: money ----
    uint256[N_ACCOUNTS] internal _balance; // the account tree
    uint256 public treeTotal; // sum of _balance
    uint256 public totalDeposited; // tokens that entered Settlement
    uint256 public totalPaid; // tokens Settlement paid out
    mapping(address account => uint256 amount) public credited; // everything ever credited
    mapping(address account => uint256 amount) public paid; // everything claim() paid
    uint256 public feesAccrued; // fees batches took out of the tree, not swept yet

    struct Credit {
        address to;
        uint256 amount;
    }

    Credit[] internal _expectedCredits; // this action's, in order

    // ---- model: exit mode ----
    bool public exitMode;
    uint256 public exitMarket;
    mapping(uint256 accountId => bool done) public exitedAccount;
    uint256 public treeAtExitMode;
    uint256 public unconsumedAtExitMode;
    uint256 public exitPayouts;
    uint256 public reclaimedTotal;

    // ---- findings and coverage ----
    string public violation;
    uint256 public lastProcessedSeen;
    mapping(bytes32 action => uint256 count) public succeeded;

    struct Batch {
        uint256[8] proof;
        uint256[] inputs;
        uint256 count;
        bytes data;
        uint256[N_ACCOUNTS] balances; // the tree after the batch
        uint256[W] amounts;
        address[W] to;
        uint256 deposited; // consumed deposits
        uint256 refunds; // bit i: queue entry processed + i refunded (issue 18 rule 7)
        uint256 fees; // trading fees out of the tree (issue 18 rule 1)
        uint256 forcedPaid; // what the batch's one forced withdrawal paid (issue 19)
        uint256 withdrawalAt; // queue index of that withdrawal (NO_KEY: none consumed)
        uint256 firstRequestAt; // queue index of the first request consumed (NO_KEY: none)
    }

    constructor(
        Settlement settlement_,
        TestToken token_,
        IPoseidon4 poseidon_,
        address relayer_,
        address oracle_,
        uint256 genesisRoot
    ) {
        settlement = settlement_;
        token = token_;
        poseidon = poseidon_;
        relayer = relayer_;
        oracle = oracle_;
        for (uint256 i = 0; i < N_ACTORS; ++i) {
            actors[i] = address(uint160(0xA11CE0 + i));
        }
        // Baby Jubjub points: the identity (refused at deposit), Base8, 2*Base8, 3*Base8, the
        // generator (order 8l: outside the prime-order subgroup, so batches refund it)
        _keys[0] = [uint256(0), 1];
        _keys[1] = [
            5299619240641551281634865583518297030282874472190772894086521144482721001553,
            16950150798460657717958625567821834550301663161624707787222815936182638968203
        ];
        _keys[2] = [
            10031262171927540148667355526369034398030886437092045105752248699557385197826,
            633281375905621697187330766174974863687049529291089048651929454608812697683
        ];
        _keys[3] = [
            2763488322167937039616325905516046217694264098671987087929565332380420898366,
            15305195750036305661220525648961313310481046260814497672243197092298550508693
        ];
        _keys[4] = [
            995203441582195749578291179787384436505546430278305826713579947235728471134,
            5472060717959818805561601436314318772137091100104008585924551046643952123905
        ];
        now_ = block.timestamp;
        lastBatchAt = block.timestamp;
        root = genesisRoot;
        _chain.push(0);
    }

    /// @dev Every action: set the clock (warps are kept in the model) and record the logs; then
    /// check that Settlement credited exactly what the model did, and that its queue position
    /// never moved backwards. After a violation the model is off: actions do nothing more, so
    /// the (shrunk) failing sequence is reported with the violation.
    modifier action() {
        if (bytes(violation).length != 0) return;
        VM.warp(now_);
        VM.recordLogs();
        _;
        _checkCredits(VM.getRecordedLogs());
        uint256 p = settlement.state().processed;
        if (p < lastProcessedSeen) _fail("queue position moved backwards");
        lastProcessedSeen = p;
    }

    // =========================================================================================
    // Actions
    // =========================================================================================

    /// @notice Mint, approve and deposit; one call in five uses a refused amount or key.
    function deposit(uint256 actorSeed, uint256 keySeed, uint256 amount, uint256 mode)
        external
        action
    {
        address who = actors[actorSeed % N_ACTORS];
        uint256 k = keySeed % N_KEYS;
        (uint256 ax, uint256 ay) = (_keys[k][0], _keys[k][1]);
        amount = MIN_DEPOSIT + amount % 1e15;
        mode %= 20;
        if (mode == 0) amount = 0;
        else if (mode == 1) amount = MIN_DEPOSIT - 1;
        else if (mode == 2) amount = uint256(type(uint64).max) + 1;
        else if (mode == 3) ay = addmod(ay, 1, P); // not on the curve
        else if (mode == 4) amount = type(uint64).max;
        bool curveOk = mode != 3 && k != 0; // off the curve; the identity: LowOrderPublicKey
        bool toOperator = mode == 5; // account 0's key, owned by the admin since deployment
        if (toOperator) (ax, ay) = (OPERATOR_KEY_X, OPERATOR_KEY_Y);
        else if (keyOwner[k] != address(0) && (actorSeed >> 8) % 4 != 0) who = keyOwner[k];
        bool owned = toOperator || (keyOwner[k] != address(0) && keyOwner[k] != who);
        bool valid = mode >= 4 && _queueOpen() && curveOk && !owned;

        token.mint(who, amount);
        VM.prank(who);
        token.approve(address(settlement), amount);
        uint256 before = token.balanceOf(address(settlement));
        VM.prank(who);
        try settlement.deposit(amount, ax, ay) {
            if (!valid) {
                _fail("deposit accepted that must be refused");
                return;
            }
        } catch (bytes memory err) {
            if (valid) _fail("deposit refused", err);
            return;
        }
        if (token.balanceOf(address(settlement)) - before != amount) {
            _fail("deposit moved a different amount");
            return;
        }
        totalDeposited += amount;
        if (keyOwner[k] == address(0)) keyOwner[k] = who;
        if (settlement.keyOwner(ax, ay) != who) {
            _fail("deposit did not bind its key to the depositor");
            return;
        }
        _append(who, amount, k, ax, ay, amount);
        ++succeeded["deposit"];
    }

    /// @notice A forced withdrawal or a cancel, mostly by an owned key's owner on the key's own
    /// account; now and then by another actor, on account 0, of amount 0, on another account
    /// (a proven no-op), past the per-key limit or without the fee approved.
    function request(uint256 actorSeed, uint256 keySeed, uint256 value, uint256 mode)
        external
        action
    {
        uint256 k = _requestKey(keySeed);
        address who = actors[actorSeed % N_ACTORS];
        if (keyOwner[k] != address(0) && mode % 5 != 0) who = keyOwner[k];
        ISettlement.RequestKind kind = (mode >> 4) % 3 != 0
            ? ISettlement.RequestKind.Withdrawal
            : ISettlement.RequestKind.Cancel;
        uint256 pick = (mode >> 8) % 8;
        uint64 accountId = pick == 0 ? 0 : pick == 1 ? uint64(value >> 64) : uint64(k + 1);
        uint64 v = uint64(value % 4 == 0 ? EVERYTHING : value % 2_000_000);
        bool funded = (mode >> 12) % 16 != 0;
        bool valid = keyOwner[k] == who && accountId != 0 && funded
            && (kind == ISettlement.RequestKind.Cancel || v != 0)
            && pendingOfKey[k] < MAX_REQUESTS_PER_KEY && _queueOpen();

        token.mint(who, REQUEST_FEE);
        VM.prank(who);
        token.approve(address(settlement), funded ? REQUEST_FEE : REQUEST_FEE - 1);
        (uint256 ax, uint256 ay) = (_keys[k][0], _keys[k][1]);
        bytes memory call = kind == ISettlement.RequestKind.Cancel
            ? abi.encodeCall(ISettlement.requestCancel, (ax, ay, accountId, v))
            : abi.encodeCall(ISettlement.requestWithdrawal, (ax, ay, accountId, v));
        VM.prank(who);
        (bool ok, bytes memory err) = address(settlement).call(call);
        if (ok != valid) {
            if (ok) _fail("request accepted that must be refused");
            else _fail("request refused", err);
            return;
        }
        if (!ok) return;
        totalDeposited += REQUEST_FEE;
        feesAccrued += REQUEST_FEE;
        ++pendingOfKey[k];
        _requests.push(_entries.length);
        uint256 word = uint256(v) | uint256(accountId) << 128 | uint256(uint8(kind)) << 192;
        _append(who, 0, k, ax, ay, word);
        Entry storage e = _entries[_entries.length - 1];
        (e.kind, e.accountId, e.value) = (kind, accountId, v);
        ++succeeded[
            kind == ISettlement.RequestKind.Cancel ? bytes32("cancel") : bytes32("withdraw")
        ];
    }

    /// @dev From keySeed on: the first key whose account holds money or has a deposit queued
    /// (three calls in four), else the first owned key, else keySeed's.
    function _requestKey(uint256 keySeed) internal view returns (uint256) {
        uint256 k = keySeed % N_KEYS;
        if ((keySeed >> 8) % 4 != 0) {
            for (uint256 i = 0; i < N_KEYS; ++i) {
                uint256 j = (k + i) % N_KEYS;
                if (keyOwner[j] != address(0) && (_balance[j + 1] != 0 || _queuedTo(j))) return j;
            }
        }
        for (uint256 i = 0; i < N_KEYS; ++i) {
            uint256 j = (k + i) % N_KEYS;
            if (keyOwner[j] != address(0)) return j;
        }
        return k;
    }

    function _queuedTo(uint256 k) internal view returns (bool) {
        for (uint256 i = processed; i < _entries.length; ++i) {
            if (_entries[i].amount != 0 && _entries[i].key == k && k != REFUNDED_KEY) return true;
        }
        return false;
    }

    /// @notice The oracle registers a table; some calls use a refused hash or timestamp.
    function registerMarket(uint256 seed, uint256 mode) external action {
        if (latestMarketTimestamp >= now_) _advance(1);
        uint256 hash = _freshMarketHash();
        uint256 gap = now_ - latestMarketTimestamp - 1; // > 0: (latest, now] is not empty
        uint256 ts = now_ - seed % (gap < 900 ? gap + 1 : 900);
        mode %= 10;
        if (mode == 0) hash = 0;
        else if (mode == 1 && latestMarket != 0) hash = latestMarket;
        else if (mode == 2) hash = P;
        else if (mode == 3) ts = now_ + 1;
        else if (mode == 4) ts = latestMarketTimestamp;
        _register(hash, ts);
    }

    /// @notice An honest batch: consumes a random prefix of the pending queue and credits up to
    /// W withdrawals the model's tree can pay; accepted unless exit mode is due.
    function submitBatch(uint256 seed) external action {
        _prepareBatchClock();
        Batch memory b = _honestBatch(seed);
        bool valid = !exitMode && !_exitDue();
        (bool ok, bytes memory err) = _submit(b);
        if (ok != valid) {
            if (ok) _fail("batch accepted in exit mode");
            else _fail("honest batch refused", err);
            return;
        }
        if (ok) _applyBatch(b);
    }

    /// @notice An honest batch with one thing wrong; must always be refused.
    function submitBadBatch(uint256 seed, uint256 mutation) external action {
        _prepareBatchClock();
        Batch memory b = _honestBatch(seed);
        mutation %= 20;
        uint256 pending = _entries.length - processed;
        if (mutation >= 14) {
            _mutateStamp(b, mutation, seed);
        }
        if (mutation == 0) {
            b.inputs[0] = addmod(root, 1, P); // not the stored root
        } else if (mutation == 1) {
            b.inputs[4] = addmod(b.inputs[4], 1, P); // queue does not start at `processed`
        } else if (mutation == 2) {
            // ends one entry later than queueCount says (or past the queue)
            uint256 end = processed + b.count + 1;
            b.inputs[5] = end < _chain.length ? _chain[end] : addmod(b.inputs[5], 1, P);
        } else if (mutation == 3) {
            // more entries than exist, ending where the chain is unset (0)
            b.count = pending + 1 + seed % 3;
            b.inputs[5] = 0;
        } else if (mutation == 4) {
            b.count += 1; // count and chain disagree
        } else if (mutation == 5) {
            _breakBinding(b, seed); // the blob or its binding (dataBinding)
        } else if (mutation == 6) {
            b.inputs[3] = lastBatchTimestamp; // not after the previous batch (replay)
        } else if (mutation == 7) {
            b.inputs[3] = now_ + 1; // in the future
        } else if (mutation == 8) {
            b.inputs[3] = now_ - MAX_BATCH_DELAY - 1; // stamped too long ago
        } else if (mutation == 9) {
            b.inputs[seed % b.inputs.length] = P + seed % 7; // not a field element
        } else if (mutation == 10) {
            b.inputs[2] = _freshMarketHash(); // never registered
        } else if (mutation == 11) {
            uint256[] memory shorter = new uint256[](b.inputs.length - 1);
            for (uint256 i = 0; i < shorter.length; ++i) {
                shorter[i] = b.inputs[i];
            }
            b.inputs = shorter;
        } else if (mutation == 12) {
            b.proof[0] = REJECTED_PROOF;
        } else if (mutation == 13) {
            b.inputs[2] = _unusableMarket(seed); // too old, or replaced and past its grace
        }
        (bool ok,) = _submit(b);
        // the stamp checks run among the effects: forge records the logs of the reverted call
        // too (a credit event before the revert); drop them, nothing of that call remains
        VM.getRecordedLogs();
        if (ok) {
            _fail(string.concat("batch accepted with mutation ", Strings.toString(mutation)));
        } else {
            ++succeeded["badBatchRefused"];
        }
    }

    /// @dev Stamps no sound circuit makes (issue 19: the stamp's refund and forcedPaid fields
    /// are checked against the queue entries the batch consumes): 14 forcedPaid with no forced
    /// withdrawal consumed, 15 a refund bit on a request entry, 16 a refund bit past the
    /// consumed entries, 17 forcedPaid above the request's amount, 18 a bit above 223, 19 two
    /// forced withdrawals in one batch. Where the queue lacks what a rule needs, 18 instead.
    function _mutateStamp(Batch memory b, uint256 mutation, uint256 seed) internal view {
        uint256 ts = uint64(b.inputs[3]);
        if (mutation == 14) {
            if (b.withdrawalAt != NO_KEY) {
                b.count = b.withdrawalAt - processed; // stop before it
                b.refunds &= (1 << b.count) - 1;
                b.inputs[5] = _chain[processed + b.count];
            }
            b.forcedPaid = 1 + seed % 1000;
        } else if (mutation == 15 && b.firstRequestAt != NO_KEY) {
            b.refunds |= 1 << (b.firstRequestAt - processed);
        } else if (mutation == 16) {
            b.refunds |= 1 << b.count; // count <= MAX_PENDING < 32
        } else if (
            mutation == 17 && b.withdrawalAt != NO_KEY
                && _entries[b.withdrawalAt].value < EVERYTHING
        ) {
            b.forcedPaid = _entries[b.withdrawalAt].value + 1;
        } else if (mutation == 19 && _secondWithdrawal() != NO_KEY) {
            b.count = _secondWithdrawal() + 1 - processed; // through the second pending one
            b.inputs[5] = _chain[processed + b.count];
        } else {
            b.inputs[3] = _stamp(ts, b) | 1 << (224 + seed % 29);
            return;
        }
        b.inputs[3] = _stamp(ts, b);
    }

    /// @dev The queue index of the second forced withdrawal no batch consumed (NO_KEY: none).
    function _secondWithdrawal() internal view returns (uint256) {
        bool seen = false;
        for (uint256 i = processed; i < _entries.length; ++i) {
            if (_entries[i].amount == 0 && _entries[i].kind == ISettlement.RequestKind.Withdrawal) {
                if (seen) return i;
                seen = true;
            }
        }
        return NO_KEY;
    }

    /// @notice claim() pays exactly what was credited and not yet paid, once. Three calls in
    /// four go to an actor who is owed something (if any), the rest to a random one.
    function claim(uint256 actorSeed) external action {
        uint256 first = actorSeed % N_ACTORS;
        address who = actors[first];
        for (uint256 i = 0; i < N_ACTORS && (actorSeed >> 8) % 4 != 0; ++i) {
            address a = actors[(first + i) % N_ACTORS];
            if (credited[a] > paid[a]) {
                who = a;
                break;
            }
        }
        uint256 owed = credited[who] - paid[who];
        uint256 before = token.balanceOf(who);
        VM.prank(who);
        try settlement.claim() {
            if (owed == 0) {
                _fail("claim paid with nothing owed");
                return;
            }
        } catch (bytes memory err) {
            if (owed != 0) _fail("claim refused", err);
            return;
        }
        uint256 got = token.balanceOf(who) - before;
        if (got != owed) {
            _fail("claim paid a different amount than owed");
            return;
        }
        paid[who] += got;
        totalPaid += got;
        ++succeeded["claim"];
    }

    /// @notice Time travel: mostly seconds to minutes, sometimes hours, now and then a day.
    function warp(uint256 seed) external action {
        uint256 bucket = seed % 100;
        uint256 r = seed / 100;
        if (bucket < 60) _advance(1 + r % 600);
        else if (bucket < 85) _advance(600 + r % 2 hours);
        else _advance(r % 1 days);
    }

    /// @notice Anyone may enter exit mode once it is due.
    function triggerExitMode() external action {
        _triggerExitMode();
    }

    /// @dev exit and reclaimDeposit first enter exit mode when it is due (as their callers
    /// would), so the fuzzer reaches payouts more often.
    function _triggerExitMode() internal {
        bool valid = !exitMode && _exitDue();
        try settlement.triggerExitMode() {
            if (!valid) {
                _fail("exit mode entered while not due");
                return;
            }
        } catch (bytes memory err) {
            if (valid) _fail("due exit mode refused", err);
            return;
        }
        if (settlement.exitMarketHash() != latestMarket) {
            _fail("exit market hash");
            return;
        }
        exitMode = true;
        exitMarket = latestMarket;
        treeAtExitMode = treeTotal;
        unconsumedAtExitMode = _unconsumedDeposits();
        ++succeeded["triggerExitMode"];
    }

    /// @notice An exit proof for an account's model balance (its whole equity), paid to some
    /// actor; one call in two is broken (wrong root, wrong market, refused proof).
    function exit(uint256 accountSeed, uint256 toSeed, uint256 mode) external action {
        if (!exitMode && _exitDue()) _triggerExitMode();
        uint256 id = accountSeed % N_ACCOUNTS;
        address to = actors[toSeed % N_ACTORS];
        uint256 amount = _balance[id];
        uint256[8] memory proof;
        uint256[] memory inputs = new uint256[](4);
        (inputs[0], inputs[1], inputs[2]) = (root, exitMarket, id);
        inputs[3] = amount << 160 | uint160(to);
        mode %= 6;
        if (mode == 0) inputs[0] = addmod(root, 1, P);
        else if (mode == 1) inputs[1] = addmod(exitMarket, 1, P);
        else if (mode == 2) proof[0] = REJECTED_PROOF;
        bool valid = mode > 2 && exitMode && !exitedAccount[id] && id != 0; // 0: issue 18 rule 1

        uint256 before = settlement.claimable(to);
        try settlement.exit(proof, inputs) {
            if (!valid) {
                _fail("exit accepted that must be refused (paid twice?)");
                return;
            }
        } catch (bytes memory err) {
            if (valid) _fail("exit refused", err);
            return;
        }
        if (settlement.claimable(to) - before != amount) {
            _fail("exit credited wrongly");
            return;
        }
        exitedAccount[id] = true;
        _balance[id] = 0;
        treeTotal -= amount;
        _credit(to, amount);
        exitPayouts += amount;
        ++succeeded["exit"];
    }

    /// @notice The admin sweeps fees to the treasury: at most feesAccrued (issue 18 rule 1).
    /// One call in four asks for more than accrued, one in eight for zero; now and then a
    /// caller that is not the admin, or the zero address as treasury.
    function sweepFees(uint256 seed) external action {
        uint256 accrued = feesAccrued;
        uint256 pick = seed % 8;
        uint256 amount = pick < 2 ? accrued + 1 + (seed >> 8) % 1000 : pick == 2 ? 0
            : accrued == 0 ? 0 : 1 + (seed >> 8) % accrued;
        address caller = pick == 3 ? actors[(seed >> 4) % N_ACTORS] : ADMIN;
        address to = pick == 4 ? address(0) : TREASURY;
        bool valid = amount != 0 && amount <= accrued && caller == ADMIN && to != address(0);
        uint256 before = token.balanceOf(TREASURY);
        VM.prank(caller);
        try settlement.sweepFees(to, amount) {
            if (!valid) {
                _fail("fee sweep accepted that must be refused");
                return;
            }
        } catch (bytes memory err) {
            if (valid) _fail("fee sweep refused", err);
            return;
        }
        if (token.balanceOf(TREASURY) - before != amount) {
            _fail("fee sweep paid a different amount");
            return;
        }
        feesAccrued -= amount;
        totalPaid += amount;
        ++succeeded["sweepFees"];
    }

    /// @notice In exit mode, refund a queue entry no batch consumed. Three calls in four pick
    /// an unconsumed entry (deposit, exit request or one already refunded), the rest any index
    /// (consumed, or past the queue).
    function reclaimDeposit(uint256 indexSeed) external action {
        if (!exitMode && _exitDue()) _triggerExitMode();
        uint256 pending = _entries.length - processed;
        uint256 i = (indexSeed >> 8) % 4 != 0 && pending != 0
            ? processed + indexSeed % pending
            : indexSeed % (_entries.length + 2);
        bool valid = exitMode && i >= processed && i < _entries.length && _entries[i].amount != 0
            && !_entries[i].reclaimed;
        address owner = i < _entries.length ? _entries[i].owner : address(0);
        uint256 before = settlement.claimable(owner);
        try settlement.reclaimDeposit(i) {
            if (!valid) {
                _fail("reclaim accepted that must be refused (paid twice?)");
                return;
            }
        } catch (bytes memory err) {
            if (valid) _fail("reclaim refused", err);
            return;
        }
        uint256 amount = _entries[i].amount;
        if (settlement.claimable(owner) - before != amount) {
            _fail("reclaim credited wrongly");
            return;
        }
        _entries[i].reclaimed = true;
        _credit(owner, amount);
        reclaimedTotal += amount;
        ++succeeded["reclaimDeposit"];
    }

    // =========================================================================================
    // Views for the invariants
    // =========================================================================================

    function queueLength() external view returns (uint256) {
        return _entries.length;
    }

    function chainAt(uint256 i) external view returns (uint256) {
        return _chain[i];
    }

    function requestCount() external view returns (uint256) {
        return _requests.length;
    }

    function keyAt(uint256 k) external view returns (uint256 ax, uint256 ay) {
        return (_keys[k][0], _keys[k][1]);
    }

    function keyCount() external pure returns (uint256) {
        return N_KEYS;
    }

    function maxRequestsPerKey() external pure returns (uint256) {
        return MAX_REQUESTS_PER_KEY;
    }

    function actorCount() external pure returns (uint256) {
        return N_ACTORS;
    }

    /// @notice Deposits in the queue no batch consumed and no reclaim refunded (model).
    function unconsumedDeposits() external view returns (uint256) {
        return _unconsumedDeposits();
    }

    // =========================================================================================
    // Model internals
    // =========================================================================================

    function _fail(string memory what) internal {
        if (bytes(violation).length == 0) violation = what;
    }

    function _fail(string memory what, bytes memory err) internal {
        uint256 selector = err.length >= 4 ? uint32(bytes4(err)) : 0;
        _fail(string.concat(what, " (error selector ", Strings.toHexString(selector, 4), ")"));
    }

    function _credit(address to, uint256 amount) internal {
        credited[to] += amount;
        _expectedCredits.push(Credit(to, amount));
    }

    /// @dev The credit events (four are (uint256 indexed, address indexed to, uint256
    /// amount); ForcedWithdrawalServed carries (to, amount, batchNumber) as data) must be the
    /// model's credits of this action, in order; the served-request events its served requests.
    function _checkCredits(Vm.Log[] memory logs) internal {
        uint256 k = 0;
        uint256 served = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(settlement)) continue;
            bytes32 topic = log.topics[0];
            bool forced = topic == ISettlement.ForcedWithdrawalServed.selector;
            if (forced || topic == ISettlement.CancelServed.selector) {
                uint256 index = uint256(log.topics[1]);
                if (served >= _expectedServed.length || _expectedServed[served] != index) {
                    _fail("Settlement served a request the model did not");
                }
                ++served;
            }
            if (forced) {
                (address payee, uint256 paidOut) = abi.decode(log.data, (address, uint256));
                _matchCredit(k++, payee, paidOut);
                continue;
            }
            if (
                topic != ISettlement.WithdrawalCredited.selector
                    && topic != ISettlement.Exited.selector
                    && topic != ISettlement.DepositReclaimed.selector
                    && topic != ISettlement.DepositRefunded.selector
            ) continue;
            address to = address(uint160(uint256(log.topics[2])));
            uint256 amount = abi.decode(log.data, (uint256));
            _matchCredit(k++, to, amount);
        }
        if (k < _expectedCredits.length) _fail("a credit of the model has no event");
        if (served < _expectedServed.length) _fail("a request the model served has no event");
        delete _expectedCredits;
        delete _expectedServed;
    }

    function _matchCredit(uint256 k, address to, uint256 amount) internal {
        if (
            k >= _expectedCredits.length || _expectedCredits[k].to != to
                || _expectedCredits[k].amount != amount
        ) {
            _fail("Settlement credited money the model did not");
        }
    }

    function _advance(uint256 dt) internal {
        now_ += dt;
        VM.warp(now_);
    }

    /// @dev Deposits and requests are accepted unless exit mode is (due) or the queue full.
    function _queueOpen() internal view returns (bool) {
        return !exitMode && !_exitDue() && _entries.length - processed < MAX_PENDING;
    }

    function _exitDue() internal view returns (bool) {
        if (now_ > lastBatchAt + LIVENESS) return true;
        if (requestsServed < _requests.length) {
            uint256 oldest = _entries[_requests[requestsServed]].enqueuedAt;
            if (now_ > oldest + EXIT_REQUEST_PERIOD) return true;
        }
        return false;
    }

    function _append(
        address owner,
        uint256 amount,
        uint256 key,
        uint256 a,
        uint256 b,
        uint256 word
    ) internal {
        uint256 link = poseidon.poseidon([_chain[_chain.length - 1], a, b, word]);
        _chain.push(link);
        _entries.push(
            Entry(owner, amount, key, now_, false, ISettlement.RequestKind.Deposit, 0, 0)
        );
    }

    function _unconsumedDeposits() internal view returns (uint256 sum) {
        for (uint256 i = processed; i < _entries.length; ++i) {
            if (!_entries[i].reclaimed) sum += _entries[i].amount;
        }
    }

    function _freshMarketHash() internal returns (uint256) {
        return uint256(keccak256(abi.encode("market", ++_marketNonce))) % P;
    }

    function _usable(uint256 hash) internal view returns (bool) {
        Market memory m = _markets[hash];
        return m.timestamp != 0 && now_ <= m.timestamp + MAX_MARKET_AGE
            && (m.acceptUntil == 0 || now_ <= m.acceptUntil);
    }

    /// @dev A registered table batches may no longer use (an unknown one if there is none).
    function _unusableMarket(uint256 seed) internal returns (uint256) {
        uint256 n = _registered.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 hash = _registered[(seed % n + i) % n];
            if (!_usable(hash)) return hash;
        }
        return _freshMarketHash();
    }

    function _register(uint256 hash, uint256 ts) internal returns (bool) {
        bool valid = hash != 0 && hash < P && _markets[hash].timestamp == 0 && ts <= now_
            && ts > latestMarketTimestamp;
        VM.prank(oracle);
        try settlement.registerMarket(hash, uint64(ts)) {
            if (!valid) {
                _fail("market registration accepted that must be refused");
                return false;
            }
        } catch (bytes memory err) {
            if (valid) _fail("market registration refused", err);
            return false;
        }
        uint256 replaced = latestMarket;
        _markets[hash] = Market(ts, 0);
        _registered.push(hash);
        latestMarket = hash;
        latestMarketTimestamp = ts;
        if (replaced != 0) {
            _markets[replaced].acceptUntil = now_ + GRACE;
            uint256 retired = previousMarket;
            previousMarket = replaced;
            if (retired != 0 && _markets[retired].acceptUntil >= now_) {
                _markets[retired].acceptUntil = now_ - 1;
            }
        }
        ++succeeded["registerMarket"];
        return true;
    }

    /// @dev A batch needs now > the last batch's stamp, and a fresh table needs now > the
    /// newest table's time: one second of waiting gives both.
    function _prepareBatchClock() internal {
        if (now_ <= lastBatchTimestamp || now_ <= latestMarketTimestamp) _advance(1);
    }

    /// @dev The previous table (in its grace) one batch in four, else the newest; a table
    /// registered now when neither is usable (a relayer waits for the oracle).
    function _pickMarket(uint256 seed) internal returns (uint256) {
        if (seed % 4 == 0 && previousMarket != 0 && _usable(previousMarket)) {
            return previousMarket;
        }
        if (latestMarket != 0 && _usable(latestMarket)) return latestMarket;
        uint256 hash = _freshMarketHash();
        _register(hash, now_);
        return hash;
    }

    function _honestBatch(uint256 seed) internal returns (Batch memory b) {
        uint256 market = _pickMarket(seed);
        uint256 r = uint256(keccak256(abi.encode(seed, "batch")));
        uint256 span = now_ - lastBatchTimestamp - 1; // now > lastBatchTimestamp
        if (span > MAX_BATCH_DELAY) span = MAX_BATCH_DELAY;
        uint256 ts = now_ - r % (span + 1);
        b.count = (r >> 16) % (_entries.length - processed + 1);

        // the tree after the batch: queue entries in order (deposits credited or refunded,
        // cancels, at most one forced withdrawal: a second waits for the next batch), then
        // withdrawals
        b.balances = _balance;
        (b.withdrawalAt, b.firstRequestAt) = (NO_KEY, NO_KEY);
        for (uint256 i = processed; i < processed + b.count; ++i) {
            Entry memory e = _entries[i];
            if (e.amount == 0) {
                if (b.firstRequestAt == NO_KEY) b.firstRequestAt = i;
                if (e.kind == ISettlement.RequestKind.Cancel) continue; // no money moves
                if (b.withdrawalAt != NO_KEY) {
                    b.count = i - processed;
                    break;
                }
                b.withdrawalAt = i;
                // the account must hold the request's key (account k + 1 holds key k once a
                // deposit to it was credited; empty before): else a proven no-op
                uint256 id = e.accountId;
                if (id == e.key + 1) {
                    b.forcedPaid = e.value < b.balances[id] ? e.value : b.balances[id];
                    b.balances[id] -= b.forcedPaid;
                }
                continue;
            }
            if (e.key == REFUNDED_KEY) {
                b.refunds |= 1 << (i - processed);
                continue;
            }
            b.balances[e.key + 1] += e.amount;
            b.deposited += e.amount;
        }
        b.inputs = new uint256[](7 + W);
        for (uint256 j = 0; j < W; ++j) {
            uint256 rj = uint256(keccak256(abi.encode(r, j)));
            uint256 id = rj % N_ACCOUNTS; // the first account from here that holds something
            for (uint256 i = 0; i < N_ACCOUNTS && b.balances[id] == 0; ++i) {
                id = (id + 1) % N_ACCOUNTS;
            }
            address to = actors[(rj >> 8) % N_ACTORS];
            // 0: empty slot, 1: all, 2: part, 3: zero amount, 4..7: empty (so accounts keep
            // money for the forced withdrawals to take)
            uint256 pick = (rj >> 16) % 8;
            uint256 amount =
                pick == 1 ? b.balances[id] : pick == 2 ? (rj >> 24) % (b.balances[id] + 1) : 0;
            b.balances[id] -= amount;
            (b.amounts[j], b.to[j]) = (amount, to);
            b.inputs[6 + j] = pick == 0 || pick > 3 ? 0 : amount << 160 | uint160(to);
        }

        // trading fees: some account (never 0 here: it never trades) paid them out of the tree
        uint256 payer = 1 + (r >> 40) % N_KEYS;
        if ((r >> 48) % 2 == 0 && b.balances[payer] != 0) {
            b.fees = 1 + (r >> 56) % b.balances[payer];
            if (b.fees > type(uint64).max) b.fees = type(uint64).max;
            b.balances[payer] -= b.fees;
        }

        b.data = _blob(r);
        b.inputs[0] = root;
        b.inputs[1] = r % 8 == 0 ? root : uint256(keccak256(abi.encode(r, "root"))) % P;
        b.inputs[2] = market;
        b.inputs[3] = _stamp(ts, b);
        b.inputs[4] = _chain[processed];
        b.inputs[5] = _chain[processed + b.count];
        _bind(b);
        for (uint256 i = 0; i < 8; ++i) {
            b.proof[i] = uint256(keccak256(abi.encode(r, "proof", i))) % P;
        }
    }

    /// @dev A well-formed DBK3 blob (P = 2) of 0..4 entries: random ascending ids, words < p.
    /// Its contents are not the batch's (the stand-in verifier proves nothing about them); the
    /// contract checks only the form and the binding, which is what is fuzzed here.
    function _blob(uint256 r) internal pure returns (bytes memory data) {
        uint256 n = (r >> 200) % 5;
        data = abi.encodePacked(bytes4("DBK3"), uint8(2), uint16(n));
        uint256 id = (r >> 100) % 3;
        for (uint256 i = 0; i < n; ++i) {
            data = abi.encodePacked(data, uint32(id));
            for (uint256 j = 0; j < BLOB_WORDS; ++j) {
                data = abi.encodePacked(data, uint256(keccak256(abi.encode(r, i, j))) % P);
            }
            id += 1 + uint256(keccak256(abi.encode(r, i))) % 1000;
        }
    }

    /// @dev dataBinding of b.data under b's newRoot (its own function: the legacy pipeline
    /// slither compiles with runs out of stack slots in _honestBatch).
    function _bind(Batch memory b) internal pure {
        (uint256 alpha, uint256 fingerprint) = _binding(b.data, b.inputs[1]);
        b.inputs[6 + W] = alpha + (fingerprint % 2 ** 125) * 2 ** 128;
    }

    /// @dev (alpha, F) of a well-formed blob, written plainly (DA_SPEC sec. 5) as a second
    /// implementation next to the contract's assembly: alpha = uint128(keccak(keccak(data),
    /// newRoot)), e = sum v_k alpha^k over [id, leafHash, ct_0..ct_2], F = prod (alpha^5 - e).
    function _binding(bytes memory data, uint256 newRoot)
        internal
        pure
        returns (uint256 alpha, uint256 fingerprint)
    {
        alpha = uint256(keccak256(abi.encodePacked(keccak256(data), newRoot))) % 2 ** 128;
        uint256 beta = 1;
        for (uint256 k = 0; k < BLOB_WORDS + 1; ++k) {
            beta = mulmod(beta, alpha, P);
        }
        fingerprint = 1;
        uint256 size = 4 + 32 * BLOB_WORDS;
        for (uint256 pos = 7; pos < data.length; pos += size) {
            uint256 e = uint32(bytes4(_word(data, pos)));
            uint256 power = alpha;
            for (uint256 j = 0; j < BLOB_WORDS; ++j) {
                e = addmod(e, mulmod(uint256(_word(data, pos + 4 + 32 * j)), power, P), P);
                power = mulmod(power, alpha, P);
            }
            fingerprint = mulmod(fingerprint, addmod(beta, P - e, P), P);
        }
    }

    function _word(bytes memory data, uint256 offset) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), offset))
        }
    }

    /// @dev Mutation 5: a wrong alpha or F tail in dataBinding, or a malformed blob (cut short,
    /// wrong magic, wrong P, ids out of order, a word >= p) under the honest binding.
    function _breakBinding(Batch memory b, uint256 seed) internal pure {
        uint256 how = (seed >> 8) % 6;
        uint256 n = (b.data.length - 7) / (4 + 32 * BLOB_WORDS);
        if (how == 0) {
            b.inputs[6 + W] ^= 1 + seed % 7; // alpha's low bits
        } else if (how == 1) {
            b.inputs[6 + W] ^= (1 + seed % 7) << 128; // the tail: F's low bits
        } else if (how == 2) {
            assembly ("memory-safe") {
                let d := mload(add(b, 0x60)) // b.data
                mstore(d, sub(mload(d), 1)) // one byte short
            }
        } else if (how == 3) {
            b.data[3] = "2"; // "DBK2"
        } else if (how == 4) {
            b.data[4] = bytes1(uint8(4)); // P = 4 blob: the deployment's P is 2
        } else if (n >= 2) {
            // entry 1 takes entry 0's id: ids must be strictly ascending
            for (uint256 i = 0; i < 4; ++i) {
                b.data[7 + 4 + 32 * BLOB_WORDS + i] = b.data[7 + i];
            }
        } else if (n == 1) {
            for (uint256 i = 0; i < 32; ++i) {
                b.data[7 + 4 + i] = 0xff; // the leaf hash: 2^256 - 1 >= p
            }
        } else {
            b.inputs[6 + W] ^= 1 << 128; // F of no entry is 1: tail 1
        }
    }

    function _stamp(uint256 ts, Batch memory b) internal pure returns (uint256) {
        return ts | b.fees << 64 | b.refunds << 128 | b.forcedPaid << 160;
    }

    function _submit(Batch memory b) internal returns (bool ok, bytes memory err) {
        VM.prank(relayer);
        try settlement.submitBatch(b.proof, b.inputs, b.count, b.data) {
            ok = true;
        } catch (bytes memory e) {
            err = e;
        }
    }

    function _applyBatch(Batch memory b) internal {
        if (settlement.state().processed != processed + b.count) {
            _fail("batch consumed a different number of queue entries");
            return;
        }
        root = b.inputs[1];
        lastBatchTimestamp = uint64(b.inputs[3]);
        uint256 first = processed;
        lastBatchAt = now_;
        ++batchCount;
        processed += b.count;
        // served requests first (the contract serves before it credits the withdrawal slots)
        while (requestsServed < _requests.length && _requests[requestsServed] < processed) {
            uint256 index = _requests[requestsServed++];
            Entry memory e = _entries[index];
            --pendingOfKey[e.key];
            _expectedServed.push(index);
            if (e.kind == ISettlement.RequestKind.Withdrawal) {
                _credit(keyOwner[e.key], b.forcedPaid);
            }
        }
        uint256 withdrawn = b.forcedPaid;
        for (uint256 j = 0; j < W; ++j) {
            if (b.amounts[j] != 0) _credit(b.to[j], b.amounts[j]); // an amount-0 slot: no event
            withdrawn += b.amounts[j];
        }
        for (uint256 i = 0; b.refunds >> i != 0; ++i) {
            Entry memory e = _entries[first + i];
            if ((b.refunds >> i) & 1 != 0) _credit(e.owner, e.amount);
        }
        _balance = b.balances;
        treeTotal = treeTotal + b.deposited - withdrawn - b.fees;
        feesAccrued += b.fees;
        ++succeeded["submitBatch"];
    }
}
