pragma circom 2.1.0;

include "batch-stamp.circom";
include "blob-binding.circom";
include "blob-entry.circom";
include "blob-fingerprint.circom";
include "blob-published.circom";
include "blob-record.circom";
include "fee-credit.circom";
include "group-chain.circom";
include "liquidation-slot.circom";
include "market-hash.circom";
include "market-ids.circom";
include "market-padding.circom";
include "market-ranges.circom";
include "market-status.circom";
include "operator-key.circom";
include "queue-slot.circom";
include "range-check-64.circom";
include "settle-slot.circom";
include "account-slot.circom";
include "fill-slot.circom";
include "hedge-rule.circom";
include "withdrawal-slot.circom";

/*
 * Batch: one state transition oldRoot -> newRoot made of D queue slots, T fill slots applied to
 * the running state of A account slots, which then write each account's leaf once, L
 * liquidation slots, X expiry-settlement slots and W withdrawal slots, in this order, then the
 * net flow of account 0 (settlements out, shorts' payments in); an empty slot (enabled = 0)
 * changes nothing. Account 0 is never a trade party nor a withdrawer (NotOperator).
 * Public inputs, in this order (docs/CONVENTIONS.md, "Batch public inputs"):
 * @input oldRoot, newRoot - state root before and after the batch
 * @input marketHash - the registered market table's hash (docs/risk.md)
 * @input batchTimestamp - time + 2^64 * fees + 2^128 * refunds + 2^160 * forcedPaid:
 *        time = unix seconds, unsigned 64-bit (orders live through their expiry); fees = the
 *        trades' fees, unsigned 64-bit, which leave the tree for the contract's feesAccrued
 *        (issue 18 rule 1); bit i of refunds = queue slot i was a refunded deposit (the
 *        contract pays queue entry processed + i back to its depositor; issue 18 rule 7);
 *        forcedPaid = venue units the batch's one forced withdrawal paid (issue 19)
 * @input depositChainOld, depositChainNew - queue hash chain before and after
 * @input withdrawal[W] - amount << 160 | ethAddress per withdrawal slot, 0 = empty
 * @input dataBinding - alpha + 2^128 (F mod 2^125) (DA_SPEC sec. 5, blob-binding): alpha =
 *        the low 128 bits of keccak256(keccak256(data) || newRoot), the blob's challenge; F =
 *        prod over the blob's entries of (alpha^(K+3) - e(entry)); the contract computes it
 *        from the blob it emits
 * @param AD - account tree depth in 4-ary levels; @param OD - order slot bits (even)
 * @param P - position slots
 * @param M, S - market-table rows and scenarios
 * @param T, A, D, W, L, X - fill/account/queue/withdrawal/liquidation/settlement slots
 * @param FEE - fee per contract per side; @param PENALTY - liquidation penalty per contract
 * @param DOMAIN - Poseidon([chainId, settlementAddress])
 * @param EMPTY_ORDERS_ROOT - root of an empty 4-ary order tree of OD / 2 levels
 * Private inputs: the market table rows (mk*), and per slot kind the arrays documented in
 * FillSlot (t*, with tSel[T][2][A] naming each side's account slot), AccountSlot (a*),
 * QueueSlot (d*), LiquidationSlot (q*), SettleSlot (x*), WithdrawalSlot (w*) and FeeCredit (f*),
 * indexed by slot; every leaf's enc and count (dEnc, aEnc, qEnc, qLEnc, ...), the touch flags
 * of the touch-capable slots (aTouch[A], xTouch[X], wTouch[W]) and opSecret, account 0's secret
 * scalar (OperatorKey).
 * Guarantees: every rule of the slot templates; the table hashes to marketHash and keeps the
 * oracle's checkable promises (MarketIds, MarketStatus, MarketPadding, MarketRanges); the queue
 * chain advances exactly over the enabled entries, each applied as its kind says, with at most
 * one forced withdrawal per batch (its payout in the stamp); each withdrawal public input is what its
 * slot paid; every leg of an atomic group fills completely in this batch or none does
 * (GroupChain, its chain in tFirst, tPrevSel, tNextSel, tMaskIn); a hedge mandate's account
 * has no fill side in the batch but the mandate's, so HedgeRule reads its delta after all its
 * fills; newRoot is the root after all slots.
 * Data availability (DA_SPEC secs. 2-5): every write of a leaf is a record (slot order: queue,
 * account slots, liquidations account then account 0, settlements, withdrawals, fee credit); the last write of each id is published (BlobPublished), enciphered under its enc and
 * the batch's pad seed Poseidon([oldRoot, time]) (BlobCipher) and folded into the fingerprint F
 * at alpha = dataBinding's low 128 bits (BindingSplit, BlobRecord, BlobFingerprint); F's low 125
 * bits must be dataBinding's tail
 * (FingerprintTail): the blob holds exactly the leaves the batch wrote.
 * The table's scenario values (mkVim, mkVmm) are not range-checked: the oracle is trusted for
 * them (docs/risk.md, "Oracle promises").
 */
template Batch(AD, OD, P, M, S, T, A, D, W, L, X, FEE, PENALTY, DOMAIN, EMPTY_ORDERS_ROOT) {
    // ---- public inputs (order is the interface) ----
    signal input oldRoot;
    signal input newRoot;
    signal input marketHash;
    signal input batchTimestamp;
    signal input depositChainOld;
    signal input depositChainNew;
    signal input withdrawal[W];
    signal input dataBinding;
    signal input opSecret;

    // ---- market table ----
    signal input mkEpoch;
    signal input mkIds[M];
    signal input mkStatus[M];
    signal input mkMark[M];
    signal input mkSettle[M];
    signal input mkVim[M][S];
    signal input mkVmm[M][S];
    signal input mkExpiry[M];
    signal input mkDelta[M];

    // ---- queue entries (deposits, forced withdrawals, cancels) ----
    signal input dEnabled[D];
    signal input dAx[D];
    signal input dAy[D];
    signal input dWord[D];
    signal input dAccount[D];
    signal input dIsNew[D];
    signal input dLAx[D];
    signal input dLAy[D];
    signal input dCollateral[D];
    signal input dOrdersRoot[D];
    signal input dPosSeries[D][P];
    signal input dPosQty[D][P];
    signal input dAccPath[D][AD][3];
    signal input dKeyR[D][2];
    signal input dKeySel[D][8];
    signal input dIsFull[D];
    signal input dFullLeaf[D];
    signal input dMinSel[D][S + 1];
    signal input dSlotId[D];
    signal input dSlotFilled[D];
    signal input dSlotPath[D][OD \ 2][3];
    signal input dEnc[D];
    signal input dCount[D];

    // ---- fills (index [t][0] = buy side, [t][1] = sell side) ----
    signal input tEnabled[T];
    signal input tPrice[T];
    signal input tQty[T];
    signal input tOrderId[T][2];
    signal input tSeries[T][2];
    signal input tSide[T][2];
    signal input tLimit[T][2];
    signal input tOrderQty[T][2];
    signal input tExpiry[T][2];
    signal input tGroupId[T][2];
    signal input tLegIndex[T][2];
    signal input tLegCount[T][2];
    signal input tTriggerSeries[T][2];
    signal input tTriggerLevel[T][2];
    signal input tTriggerDir[T][2];
    signal input tFirst[T][2];
    signal input tPrevSel[T][2];
    signal input tNextSel[T][2];
    signal input tMaskIn[T][2];
    signal input tR8x[T][2];
    signal input tR8y[T][2];
    signal input tS[T][2];
    signal input tSlotId[T][2];
    signal input tSlotFilled[T][2];
    signal input tSlotPath[T][2][OD \ 2][3];
    signal input tPosSel[T][2][P];
    signal input tSel[T][2][A];

    // ---- account slots (each account with fills, written once after all of them) ----
    signal input aEnabled[A];
    signal input aTouch[A];
    signal input aAccount[A];
    signal input aAx[A];
    signal input aAy[A];
    signal input aCollateral[A];
    signal input aOrdersRoot[A];
    signal input aPosSeries[A][P];
    signal input aPosQty[A][P];
    signal input aAccPath[A][AD][3];
    signal input aEnc[A];
    signal input aCount[A];

    // ---- liquidations (the liquidator is account 0) ----
    signal input qEnabled[L];
    signal input qAccount[L];
    signal input qScenarioSel[L][S];
    signal input qAx[L];
    signal input qAy[L];
    signal input qCollateral[L];
    signal input qOrdersRoot[L];
    signal input qPosSeries[L][P];
    signal input qPosQty[L][P];
    signal input qAccPath[L][AD][3];
    signal input qLAx[L];
    signal input qLAy[L];
    signal input qLCollateral[L];
    signal input qLOrdersRoot[L];
    signal input qLPosSeries[L][P];
    signal input qLPosQty[L][P];
    signal input qLAccPath[L][AD][3];
    signal input qLSel[L][P][P];
    signal input qEnc[L];
    signal input qCount[L];
    signal input qLEnc[L];
    signal input qLCount[L];

    // ---- expiry settlements ----
    signal input xEnabled[X];
    signal input xAccount[X];
    signal input xSel[X][P];
    signal input xAx[X];
    signal input xAy[X];
    signal input xCollateral[X];
    signal input xOrdersRoot[X];
    signal input xPosSeries[X][P];
    signal input xPosQty[X][P];
    signal input xAccPath[X][AD][3];
    signal input xEnc[X];
    signal input xCount[X];
    signal input xTouch[X];

    // ---- withdrawals ----
    signal input wEnabled[W];
    signal input wAccount[W];
    signal input wNonce[W];
    signal input wAmount[W];
    signal input wAddress[W];
    signal input wR8x[W];
    signal input wR8y[W];
    signal input wS[W];
    signal input wAx[W];
    signal input wAy[W];
    signal input wCollateral[W];
    signal input wOrdersRoot[W];
    signal input wPosSeries[W][P];
    signal input wPosQty[W][P];
    signal input wAccPath[W][AD][3];
    signal input wSlotId[W];
    signal input wSlotFilled[W];
    signal input wSlotPath[W][OD \ 2][3];
    signal input wEnc[W];
    signal input wCount[W];
    signal input wTouch[W];

    // ---- fee account (account 0) ----
    signal input fAx;
    signal input fAy;
    signal input fCollateral;
    signal input fOrdersRoot;
    signal input fPosSeries[P];
    signal input fPosQty[P];
    signal input fEnc;
    signal input fCount;
    signal input fAccPath[AD][3];

    // batchTimestamp = time + fees, refunds, forced payout bits (BatchStamp, after the queue)
    signal time;

    // opSecret is account 0's secret scalar (its key is the fee credit's leaf); its bits serve
    // every new account's ECDH
    signal opBits[253] <== OperatorKey()(opSecret, fAx, fAy);

    // the blob records, one per leaf write in slot order (DA_SPEC sec. 2)
    var K = P <= 4 ? 2 : (P + 1) \ 2;
    var N = D + A + 2 * L + X + W + 1;
    signal alpha, tail;
    (alpha, tail) <== BindingSplit()(dataBinding);
    signal pow[K + 4] <== AlphaPowers(K + 4)(alpha);
    signal recW[N];
    signal recId[N];
    signal recE[N];
    component entry[N];
    for (var r = 0; r < N; r++) {
        entry[r] = BlobEntry(P);
        for (var k = 0; k < K + 3; k++) {
            entry[r].pow[k] <== pow[k];
        }
    }

    // the table the batch is checked against is the registered one
    signal tableHash <== MarketHash(M, S)(mkEpoch, mkIds, mkStatus, mkMark, mkSettle, mkVim,
                                         mkVmm, mkExpiry, mkDelta);
    tableHash === marketHash;
    // the oracle's promises about that table (docs/risk.md, "Oracle promises"), once per batch
    MarketIds(M)(mkIds);
    MarketStatus(M)(mkStatus);
    MarketPadding(M, S)(mkIds, mkStatus, mkMark, mkSettle, mkVim, mkVmm, mkExpiry, mkDelta);
    MarketRanges(M)(mkMark, mkSettle, mkExpiry);

    signal root[D + A + L + X + W + 2];
    root[0] <== oldRoot;

    // the queue: consumed in order, each entry applied as its word says
    signal chain[D + 1];
    chain[0] <== depositChainOld;
    component queue[D];
    var forcedPaid = 0;
    var forced = 0;
    for (var i = 0; i < D; i++) {
        // the enabled slots come first, so refund bit i is queue entry processed + i
        if (i > 0) {
            dEnabled[i] * (1 - dEnabled[i - 1]) === 0;
        }
        queue[i] = QueueSlot(AD, OD, P, M, S, EMPTY_ORDERS_ROOT);
        queue[i].enabled <== dEnabled[i];
        queue[i].rootIn <== root[i];
        queue[i].chainIn <== chain[i];
        queue[i].Ax <== dAx[i];
        queue[i].Ay <== dAy[i];
        queue[i].word <== dWord[i];
        queue[i].accountId <== dAccount[i];
        queue[i].isNew <== dIsNew[i];
        queue[i].lAx <== dLAx[i];
        queue[i].lAy <== dLAy[i];
        queue[i].collateral <== dCollateral[i];
        queue[i].ordersRoot <== dOrdersRoot[i];
        queue[i].posSeries <== dPosSeries[i];
        queue[i].posQty <== dPosQty[i];
        queue[i].accPath <== dAccPath[i];
        queue[i].keyR <== dKeyR[i];
        queue[i].keySel <== dKeySel[i];
        queue[i].isFull <== dIsFull[i];
        queue[i].fullLeaf <== dFullLeaf[i];
        queue[i].minSel <== dMinSel[i];
        queue[i].slotId <== dSlotId[i];
        queue[i].slotFilled <== dSlotFilled[i];
        queue[i].slotPath <== dSlotPath[i];
        queue[i].ids <== mkIds;
        queue[i].vim <== mkVim;
        queue[i].enc <== dEnc[i];
        queue[i].count <== dCount[i];
        queue[i].opBits <== opBits;
        root[i + 1] <== queue[i].rootOut;
        recW[i] <== queue[i].written;
        recId[i] <== dAccount[i];
        entry[i].accountId <== dAccount[i];
        entry[i].leafHash <== queue[i].newLeaf;
        entry[i].enc <== dEnc[i];
        entry[i].collateral <== queue[i].outCollateral;
        entry[i].ordersRoot <== queue[i].outOrdersRoot;
        entry[i].series <== dPosSeries[i];
        entry[i].qty <== dPosQty[i];
        entry[i].count <== queue[i].outCount;
        chain[i + 1] <== queue[i].chainOut;
        forcedPaid += queue[i].paid;
        forced += queue[i].withdrawal;
    }
    chain[D] === depositChainNew;
    // at most one forced withdrawal per batch: the stamp has room for one payout
    signal forcedCount <== forced;
    forcedCount * (forcedCount - 1) === 0;
    component stamp = BatchStamp(D);
    stamp.stamp <== batchTimestamp;
    for (var i = 0; i < D; i++) {
        stamp.refund[i] <== queue[i].refund;
    }
    stamp.forcedPaid <== forcedPaid;
    time <== stamp.time;
    // the pads' seed: a batch sealed again on this old root has a later time, so no pad is
    // ever used for two different leaves (DA_SPEC sec. 3)
    signal padSeed <== Poseidon(2)([oldRoot, time]);
    for (var r = 0; r < N; r++) {
        entry[r].seed <== padSeed;
    }

    // fills, each side on its account slot's running state (id, key, orders root, collateral,
    // positions); their fees leave the tree (BatchStamp), for the contract's feesAccrued
    var WS = 5 + 2 * P;
    signal running[T + 1][A][WS];
    for (var a = 0; a < A; a++) {
        running[0][a][0] <== aAccount[a];
        running[0][a][1] <== aAx[a];
        running[0][a][2] <== aAy[a];
        running[0][a][3] <== aOrdersRoot[a];
        running[0][a][4] <== aCollateral[a];
        for (var i = 0; i < P; i++) {
            running[0][a][5 + i] <== aPosSeries[a][i];
            running[0][a][5 + P + i] <== aPosQty[a][i];
        }
    }
    component fills[T];
    var fees = 0;
    for (var t = 0; t < T; t++) {
        fills[t] = FillSlot(OD, P, M, A, DOMAIN, FEE);
        fills[t].enabled <== tEnabled[t];
        fills[t].timestamp <== time;
        fills[t].price <== tPrice[t];
        fills[t].qty <== tQty[t];
        fills[t].orderId <== tOrderId[t];
        fills[t].seriesId <== tSeries[t];
        fills[t].side <== tSide[t];
        fills[t].limit <== tLimit[t];
        fills[t].orderQty <== tOrderQty[t];
        fills[t].expiry <== tExpiry[t];
        fills[t].groupId <== tGroupId[t];
        fills[t].legIndex <== tLegIndex[t];
        fills[t].legCount <== tLegCount[t];
        fills[t].triggerSeries <== tTriggerSeries[t];
        fills[t].triggerLevel <== tTriggerLevel[t];
        fills[t].triggerDir <== tTriggerDir[t];
        fills[t].R8x <== tR8x[t];
        fills[t].R8y <== tR8y[t];
        fills[t].S8 <== tS[t];
        fills[t].slotId <== tSlotId[t];
        fills[t].slotFilled <== tSlotFilled[t];
        fills[t].slotPath <== tSlotPath[t];
        fills[t].posSel <== tPosSel[t];
        fills[t].sel <== tSel[t];
        fills[t].open <== aEnabled;
        fills[t].state <== running[t];
        fills[t].ids <== mkIds;
        fills[t].status <== mkStatus;
        fills[t].marks <== mkMark;
        fills[t].expiries <== mkExpiry;
        fills[t].deltas <== mkDelta;
        running[t + 1] <== fills[t].stateOut;
        fees += fills[t].fees;
    }
    fees === stamp.fees;  // the fees bits of the stamp are the trades' fees

    // account slots: each account's leaf written once, its margin checked after all its fills
    component accounts[A];
    for (var a = 0; a < A; a++) {
        accounts[a] = AccountSlot(AD, P, M, S);
        accounts[a].enabled <== aEnabled[a];
        accounts[a].touch <== aTouch[a];
        accounts[a].rootIn <== root[D + a];
        accounts[a].accountId <== aAccount[a];
        accounts[a].Ax <== aAx[a];
        accounts[a].Ay <== aAy[a];
        accounts[a].collateral <== aCollateral[a];
        accounts[a].ordersRoot <== aOrdersRoot[a];
        accounts[a].posSeries <== aPosSeries[a];
        accounts[a].posQty <== aPosQty[a];
        accounts[a].enc <== aEnc[a];
        accounts[a].count <== aCount[a];
        accounts[a].accPath <== aAccPath[a];
        accounts[a].outOrdersRoot <== running[T][a][3];
        accounts[a].outCollateral <== running[T][a][4];
        for (var i = 0; i < P; i++) {
            accounts[a].outSeries[i] <== running[T][a][5 + i];
            accounts[a].outQty[i] <== running[T][a][5 + P + i];
        }
        accounts[a].ids <== mkIds;
        accounts[a].vim <== mkVim;
        accounts[a].deltas <== mkDelta;
        root[D + a + 1] <== accounts[a].rootOut;
        var r = D + a;
        recW[r] <== accounts[a].written;
        recId[r] <== aAccount[a];
        entry[r].accountId <== aAccount[a];
        entry[r].leafHash <== accounts[a].newLeaf;
        entry[r].enc <== aEnc[a];
        entry[r].collateral <== running[T][a][4];
        entry[r].ordersRoot <== running[T][a][3];
        for (var i = 0; i < P; i++) {
            entry[r].series[i] <== running[T][a][5 + i];
            entry[r].qty[i] <== running[T][a][5 + P + i];
        }
        entry[r].count <== accounts[a].outCount;
    }

    // hedges: the mandate account's delta after all its fills is the one after this fill, as
    // the fill is its only one in the batch
    var sidesOf[A];
    for (var a = 0; a < A; a++) {
        sidesOf[a] = 0;
        for (var t = 0; t < T; t++) {
            sidesOf[a] += tSel[t][0][a] + tSel[t][1][a];
        }
    }
    signal hedgeDelta[T][A];
    signal hedgeSides[T][A];
    for (var t = 0; t < T; t++) {
        var after = 0;
        var count = 0;
        for (var a = 0; a < A; a++) {
            hedgeDelta[t][a] <== fills[t].mandateSel[a] * accounts[a].delta;
            hedgeSides[t][a] <== fills[t].mandateSel[a] * sidesOf[a];
            after += hedgeDelta[t][a];
            count += hedgeSides[t][a];
        }
        fills[t].hedging * (count - 1) === 0;
        HedgeRule(P)(fills[t].hedging, fills[t].buying, after, fills[t].change, fills[t].lo,
                     fills[t].hi, fills[t].perFill, tQty[t]);
    }

    // atomic groups: every leg of a group fills completely in this batch, or none does
    component groups = GroupChain(T);
    groups.first <== tFirst;
    groups.prevSel <== tPrevSel;
    groups.nextSel <== tNextSel;
    groups.maskIn <== tMaskIn;
    for (var t = 0; t < T; t++) {
        groups.enabled[t] <== tEnabled[t];
        groups.fillQty[t] <== tQty[t];
        groups.accountId[t] <== fills[t].accountId;
        groups.orderId[t] <== tOrderId[t];
        groups.groupId[t] <== fills[t].gGroupId;
        groups.legIndex[t] <== fills[t].gLegIndex;
        groups.legCount[t] <== fills[t].gLegCount;
        groups.orderQty[t] <== tOrderQty[t];
        groups.filled[t] <== fills[t].filled;
    }

    // liquidations
    component liquidations[L];
    for (var q = 0; q < L; q++) {
        liquidations[q] = LiquidationSlot(AD, P, M, S, PENALTY);
        liquidations[q].enabled <== qEnabled[q];
        liquidations[q].rootIn <== root[D + A + q];
        liquidations[q].accountId <== qAccount[q];
        liquidations[q].scenarioSel <== qScenarioSel[q];
        liquidations[q].Ax <== qAx[q];
        liquidations[q].Ay <== qAy[q];
        liquidations[q].collateral <== qCollateral[q];
        liquidations[q].ordersRoot <== qOrdersRoot[q];
        liquidations[q].posSeries <== qPosSeries[q];
        liquidations[q].posQty <== qPosQty[q];
        liquidations[q].accPath <== qAccPath[q];
        liquidations[q].lAx <== qLAx[q];
        liquidations[q].lAy <== qLAy[q];
        liquidations[q].lCollateral <== qLCollateral[q];
        liquidations[q].lOrdersRoot <== qLOrdersRoot[q];
        liquidations[q].lPosSeries <== qLPosSeries[q];
        liquidations[q].lPosQty <== qLPosQty[q];
        liquidations[q].lAccPath <== qLAccPath[q];
        liquidations[q].lSel <== qLSel[q];
        liquidations[q].ids <== mkIds;
        liquidations[q].marks <== mkMark;
        liquidations[q].vim <== mkVim;
        liquidations[q].vmm <== mkVmm;
        liquidations[q].enc <== qEnc[q];
        liquidations[q].count <== qCount[q];
        liquidations[q].lEnc <== qLEnc[q];
        liquidations[q].lCount <== qLCount[q];
        root[D + A + q + 1] <== liquidations[q].rootOut;
        var r = D + A + 2 * q;
        recW[r] <== liquidations[q].written;
        recId[r] <== qAccount[q];
        entry[r].accountId <== qAccount[q];
        entry[r].leafHash <== liquidations[q].newLeaf;
        entry[r].enc <== qEnc[q];
        entry[r].collateral <== liquidations[q].outCollateral;
        entry[r].ordersRoot <== liquidations[q].outOrdersRoot;
        entry[r].series <== liquidations[q].outSeries;
        entry[r].qty <== liquidations[q].outQty;
        entry[r].count <== liquidations[q].outCount;
        recW[r + 1] <== liquidations[q].written;
        recId[r + 1] <== 0;
        entry[r + 1].accountId <== 0;
        entry[r + 1].leafHash <== liquidations[q].lNewLeaf;
        entry[r + 1].enc <== qLEnc[q];
        entry[r + 1].collateral <== liquidations[q].lOutCollateral;
        entry[r + 1].ordersRoot <== qLOrdersRoot[q];
        entry[r + 1].series <== liquidations[q].lOutSeries;
        entry[r + 1].qty <== liquidations[q].lOutQty;
        entry[r + 1].count <== liquidations[q].lOutCount;
    }

    // expiry settlements: payouts come out of account 0
    component settlements[X];
    var flows = 0;
    for (var x = 0; x < X; x++) {
        settlements[x] = SettleSlot(AD, P, M);
        settlements[x].enabled <== xEnabled[x];
        settlements[x].rootIn <== root[D + A + L + x];
        settlements[x].accountId <== xAccount[x];
        settlements[x].sel <== xSel[x];
        settlements[x].Ax <== xAx[x];
        settlements[x].Ay <== xAy[x];
        settlements[x].collateral <== xCollateral[x];
        settlements[x].ordersRoot <== xOrdersRoot[x];
        settlements[x].posSeries <== xPosSeries[x];
        settlements[x].posQty <== xPosQty[x];
        settlements[x].accPath <== xAccPath[x];
        settlements[x].ids <== mkIds;
        settlements[x].status <== mkStatus;
        settlements[x].settlement <== mkSettle;
        settlements[x].enc <== xEnc[x];
        settlements[x].count <== xCount[x];
        settlements[x].touch <== xTouch[x];
        root[D + A + L + x + 1] <== settlements[x].rootOut;
        var r = D + A + 2 * L + x;
        recW[r] <== settlements[x].written;
        recId[r] <== xAccount[x];
        entry[r].accountId <== xAccount[x];
        entry[r].leafHash <== settlements[x].newLeaf;
        entry[r].enc <== xEnc[x];
        entry[r].collateral <== settlements[x].outCollateral;
        entry[r].ordersRoot <== settlements[x].outOrdersRoot;
        entry[r].series <== settlements[x].outSeries;
        entry[r].qty <== settlements[x].outQty;
        entry[r].count <== settlements[x].outCount;
        flows += settlements[x].flow;
    }

    // withdrawals: each slot's payout is a public input the contract pays
    component withdrawals[W];
    for (var w = 0; w < W; w++) {
        withdrawals[w] = WithdrawalSlot(AD, OD, P, M, S, DOMAIN);
        withdrawals[w].enabled <== wEnabled[w];
        withdrawals[w].rootIn <== root[D + A + L + X + w];
        withdrawals[w].accountId <== wAccount[w];
        withdrawals[w].nonce <== wNonce[w];
        withdrawals[w].amount <== wAmount[w];
        withdrawals[w].ethAddress <== wAddress[w];
        withdrawals[w].R8x <== wR8x[w];
        withdrawals[w].R8y <== wR8y[w];
        withdrawals[w].S8 <== wS[w];
        withdrawals[w].Ax <== wAx[w];
        withdrawals[w].Ay <== wAy[w];
        withdrawals[w].collateral <== wCollateral[w];
        withdrawals[w].ordersRoot <== wOrdersRoot[w];
        withdrawals[w].posSeries <== wPosSeries[w];
        withdrawals[w].posQty <== wPosQty[w];
        withdrawals[w].accPath <== wAccPath[w];
        withdrawals[w].slotId <== wSlotId[w];
        withdrawals[w].slotFilled <== wSlotFilled[w];
        withdrawals[w].slotPath <== wSlotPath[w];
        withdrawals[w].ids <== mkIds;
        withdrawals[w].vim <== mkVim;
        withdrawals[w].enc <== wEnc[w];
        withdrawals[w].count <== wCount[w];
        withdrawals[w].touch <== wTouch[w];
        root[D + A + L + X + w + 1] <== withdrawals[w].rootOut;
        var r = D + A + 2 * L + X + w;
        recW[r] <== withdrawals[w].written;
        recId[r] <== wAccount[w];
        entry[r].accountId <== wAccount[w];
        entry[r].leafHash <== withdrawals[w].newLeaf;
        entry[r].enc <== wEnc[w];
        entry[r].collateral <== withdrawals[w].outCollateral;
        entry[r].ordersRoot <== withdrawals[w].outOrdersRoot;
        entry[r].series <== withdrawals[w].outSeries;
        entry[r].qty <== withdrawals[w].outQty;
        entry[r].count <== withdrawals[w].outCount;
        withdrawals[w].publicValue === withdrawal[w];
    }

    // settlement payouts out of account 0 (shorts' payments in)
    component fee = FeeCredit(AD, P);
    fee.rootIn <== root[D + A + L + X + W];
    fee.net <== 0 - flows;
    fee.Ax <== fAx;
    fee.Ay <== fAy;
    fee.collateral <== fCollateral;
    fee.ordersRoot <== fOrdersRoot;
    fee.posSeries <== fPosSeries;
    fee.posQty <== fPosQty;
    fee.enc <== fEnc;
    fee.count <== fCount;
    fee.accPath <== fAccPath;
    root[D + A + L + X + W + 1] <== fee.rootOut;
    root[D + A + L + X + W + 1] === newRoot;
    recW[N - 1] <== 1;
    recId[N - 1] <== 0;
    entry[N - 1].accountId <== 0;
    entry[N - 1].leafHash <== fee.newLeaf;
    entry[N - 1].enc <== fEnc;
    entry[N - 1].collateral <== fee.outCollateral;
    entry[N - 1].ordersRoot <== fOrdersRoot;
    entry[N - 1].series <== fPosSeries;
    entry[N - 1].qty <== fPosQty;
    entry[N - 1].count <== fee.outCount;

    for (var r = 0; r < N; r++) {
        recE[r] <== entry[r].e;
    }
    // the blob holds the last write of each id, nothing else: its fingerprint is in dataBinding
    signal published[N] <== BlobPublished(N)(recW, recId);
    signal fingerprint <== BlobFingerprint(N)(published, recE, pow[K + 3]);
    FingerprintTail()(fingerprint, tail);
}
