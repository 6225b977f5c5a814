pragma circom 2.1.0;

include "group-leg.circom";
include "group-link.circom";

/*
 * GroupChain: every leg of an atomic group fills completely in this batch, or none does
 * (docs/CONVENTIONS.md, "Atomic groups").
 * The fills of one group sit in consecutive trade slots, one side each, linked both ways by
 * prover-supplied selectors: each grouped fill is either the first of its chain (nothing of the
 * group completed, its order not filled before) or continues the fill before it (same account,
 * group and leg count; the same order while that one is incomplete, else a leg not yet
 * completed whose order was not filled before); and each is either last (it completes the
 * group's final leg) or is continued in the next slot. A chain cannot start before slot 0 or
 * run past slot T - 1, so a group never spans two batches.
 * @param T - trade slots
 * @input enabled[T] - the slot's fill is real (boolean, checked by FillSlot)
 * @input accountId[T][2], orderId[T][2], groupId[T][2], legIndex[T][2], legCount[T][2] - the
 *        signed orders of each slot's buy (0) and sell (1) side
 * @input fillQty[T], orderQty[T][2], filled[T][2] - the fill, the orders' quantities and their
 *        filled quantities after the fill
 * @input first[T][2], prevSel[T][2], nextSel[T][2], maskIn[T][2] - the chain (prover supplied)
 * Guarantees: as above, for every side whose order has legCount > 0; nothing for the others.
 */
template GroupChain(T) {
    signal input enabled[T];
    signal input accountId[T][2];
    signal input orderId[T][2];
    signal input groupId[T][2];
    signal input legIndex[T][2];
    signal input legCount[T][2];
    signal input fillQty[T];
    signal input orderQty[T][2];
    signal input filled[T][2];
    signal input first[T][2];
    signal input prevSel[T][2];
    signal input nextSel[T][2];
    signal input maskIn[T][2];

    component leg[T][2];
    for (var t = 0; t < T; t++) {
        for (var k = 0; k < 2; k++) {
            first[t][k] * (first[t][k] - 1) === 0;
            prevSel[t][k] * (prevSel[t][k] - 1) === 0;
            nextSel[t][k] * (nextSel[t][k] - 1) === 0;
            leg[t][k] = GroupLeg();
            leg[t][k].enabled <== enabled[t];
            leg[t][k].orderId <== orderId[t][k];
            leg[t][k].groupId <== groupId[t][k];
            leg[t][k].legIndex <== legIndex[t][k];
            leg[t][k].legCount <== legCount[t][k];
            leg[t][k].fillQty <== fillQty[t];
            leg[t][k].orderQty <== orderQty[t][k];
            leg[t][k].filled <== filled[t][k];
            leg[t][k].maskIn <== maskIn[t][k];
        }
    }

    signal starts[T][2];
    signal linked[T][2];
    signal open[T][2];
    component back[T][2];
    component ahead[T][2];
    for (var t = 0; t < T; t++) {
        for (var k = 0; k < 2; k++) {
            // a chain's first fill: nothing of the group completed, its order not filled before
            starts[t][k] <== leg[t][k].grouped * first[t][k];
            starts[t][k] * maskIn[t][k] === 0;
            starts[t][k] * (1 - leg[t][k].fresh) === 0;
            linked[t][k] <== leg[t][k].grouped * (1 - first[t][k]);
            open[t][k] <== leg[t][k].grouped * (1 - leg[t][k].last);
            if (t == 0) {
                linked[t][k] === 0;
            } else {
                back[t][k] = GroupLinkBack();
                back[t][k].on <== linked[t][k];
                back[t][k].k <== k;
                back[t][k].sel <== prevSel[t][k];
                back[t][k].accountId <== accountId[t][k];
                back[t][k].orderId <== orderId[t][k];
                back[t][k].groupId <== groupId[t][k];
                back[t][k].legIndex <== legIndex[t][k];
                back[t][k].legCount <== legCount[t][k];
                back[t][k].maskIn <== maskIn[t][k];
                back[t][k].fresh <== leg[t][k].fresh;
                for (var j = 0; j < 2; j++) {
                    back[t][k].pGrouped[j] <== leg[t - 1][j].grouped;
                    back[t][k].pNextSel[j] <== nextSel[t - 1][j];
                    back[t][k].pAccountId[j] <== accountId[t - 1][j];
                    back[t][k].pOrderId[j] <== orderId[t - 1][j];
                    back[t][k].pGroupId[j] <== groupId[t - 1][j];
                    back[t][k].pLegIndex[j] <== legIndex[t - 1][j];
                    back[t][k].pLegCount[j] <== legCount[t - 1][j];
                    back[t][k].pMaskOut[j] <== leg[t - 1][j].maskOut;
                    back[t][k].pComplete[j] <== leg[t - 1][j].complete;
                }
            }
            if (t == T - 1) {
                open[t][k] === 0;
            } else {
                ahead[t][k] = GroupLinkAhead();
                ahead[t][k].on <== open[t][k];
                ahead[t][k].k <== k;
                ahead[t][k].sel <== nextSel[t][k];
                for (var j = 0; j < 2; j++) {
                    ahead[t][k].nGrouped[j] <== leg[t + 1][j].grouped;
                    ahead[t][k].nFirst[j] <== first[t + 1][j];
                    ahead[t][k].nPrevSel[j] <== prevSel[t + 1][j];
                }
            }
        }
    }
}
