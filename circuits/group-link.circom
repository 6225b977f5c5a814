pragma circom 2.1.0;

/*
 * GroupLinkBack: when on, side sel of the previous slot is a grouped fill of the same account,
 * group and leg count that names side k as its successor, and this fill continues it: its
 * legs completed are this fill's maskIn; while its order is incomplete this fill is of the same
 * order and leg, else this fill's order was not filled before.
 * @input on - 1 to check (a grouped fill that is not its chain's first)
 * @input k - this fill's side; sel - the side of the previous slot it continues
 * @input accountId, orderId, groupId, legIndex, legCount, maskIn, fresh - this fill (GroupLeg)
 * @input pGrouped[2], pNextSel[2], pAccountId[2], pOrderId[2], pGroupId[2], pLegIndex[2],
 *        pLegCount[2], pMaskOut[2], pComplete[2] - both sides of the previous slot
 */
template GroupLinkBack() {
    signal input on;
    signal input k;
    signal input sel;
    signal input accountId;
    signal input orderId;
    signal input groupId;
    signal input legIndex;
    signal input legCount;
    signal input maskIn;
    signal input fresh;
    signal input pGrouped[2];
    signal input pNextSel[2];
    signal input pAccountId[2];
    signal input pOrderId[2];
    signal input pGroupId[2];
    signal input pLegIndex[2];
    signal input pLegCount[2];
    signal input pMaskOut[2];
    signal input pComplete[2];

    signal grouped <== pGrouped[0] + sel * (pGrouped[1] - pGrouped[0]);
    signal names <== pNextSel[0] + sel * (pNextSel[1] - pNextSel[0]);
    signal account <== pAccountId[0] + sel * (pAccountId[1] - pAccountId[0]);
    signal order <== pOrderId[0] + sel * (pOrderId[1] - pOrderId[0]);
    signal group <== pGroupId[0] + sel * (pGroupId[1] - pGroupId[0]);
    signal index <== pLegIndex[0] + sel * (pLegIndex[1] - pLegIndex[0]);
    signal count <== pLegCount[0] + sel * (pLegCount[1] - pLegCount[0]);
    signal mask <== pMaskOut[0] + sel * (pMaskOut[1] - pMaskOut[0]);
    signal complete <== pComplete[0] + sel * (pComplete[1] - pComplete[0]);

    on * (1 - grouped) === 0;
    on * (names - k) === 0;
    on * (account - accountId) === 0;
    on * (group - groupId) === 0;
    on * (count - legCount) === 0;
    on * (mask - maskIn) === 0;
    signal same <== on * (1 - complete);
    same * (order - orderId) === 0;
    same * (index - legIndex) === 0;
    signal next <== on * complete;
    next * (1 - fresh) === 0;
}

/*
 * GroupLinkAhead: when on, side sel of the next slot is a grouped fill that is not the first
 * of its chain and names side k as its predecessor (its GroupLinkBack checks the rest).
 * @input on - 1 to check (a grouped fill that is not its group's last)
 * @input k - this fill's side; sel - the side of the next slot that continues it
 * @input nGrouped[2], nFirst[2], nPrevSel[2] - both sides of the next slot
 */
template GroupLinkAhead() {
    signal input on;
    signal input k;
    signal input sel;
    signal input nGrouped[2];
    signal input nFirst[2];
    signal input nPrevSel[2];

    signal grouped <== nGrouped[0] + sel * (nGrouped[1] - nGrouped[0]);
    signal isFirst <== nFirst[0] + sel * (nFirst[1] - nFirst[0]);
    signal names <== nPrevSel[0] + sel * (nPrevSel[1] - nPrevSel[0]);
    on * (1 - grouped) === 0;
    on * isFirst === 0;
    on * (names - k) === 0;
}
