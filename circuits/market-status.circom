pragma circom 2.1.0;

/*
 * MarketStatus: every row of the market table has a boolean status (docs/risk.md, "Oracle
 * promises"). Used once per batch on the table MarketHash binds to marketHash.
 * @param M - table rows
 * @input status[M] - 0 live, 1 expired (settlement valid)
 * Guarantees: status[j] is 0 or 1 for every row j, so SeriesLookup's "live" (1 - status) and
 * SettleSlot's "expired" (status) are exclusive bits of the same row.
 * NOTE: says nothing about which series should be expired (the oracle's clock), nor that a live
 * series has settlement 0; padding rows' status is 0 by MarketPadding.
 */
template MarketStatus(M) {
    signal input status[M];

    for (var j = 0; j < M; j++) {
        status[j] * (status[j] - 1) === 0;
    }
}
