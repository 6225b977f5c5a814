// Fixed-base multiples of the BN254 generators for a development .zkey (prover.proving.dev_zkey):
//   node dev_zkey_points.js <g1|g2> <scalars.bin> <points.bin>
// scalars.bin: 32-byte little-endian scalars (standard form); points.bin: one affine point per
// scalar in the .zkey's form (coordinates Montgomery, little-endian), zero bytes for a zero scalar.
// A window table of the generator (W bits a window) turns each multiple into 22 mixed additions,
// made by ffjavascript's WebAssembly directly (its per-call API copies every operand).
"use strict";
const fs = require("fs");
const { buildBn128 } = require("ffjavascript");

const W = 12;
const WINDOWS = Math.ceil(254 / W);
const CHUNK = 4096;
const SCRATCH = 32 << 20; // above the allocations: the batch conversions' working space

function memory(tm) {
  return {
    alloc(bytes) {
      const need = tm.u32[0] + bytes + SCRATCH - tm.memory.buffer.byteLength;
      if (need > 0) {
        tm.memory.grow(Math.ceil(need / 65536));
        tm.u8 = new Uint8Array(tm.memory.buffer);
        tm.u32 = new Uint32Array(tm.memory.buffer);
      }
      return tm.alloc(bytes);
    },
  };
}

function buildTable(ex, pre, mem, gen, aff, jac) {
  const table = mem.alloc(WINDOWS * (1 << W) * aff);
  const rows = mem.alloc((1 << W) * jac);
  const base = mem.alloc(jac);
  ex[pre + "_copy"](gen, base);
  for (let j = 0; j < WINDOWS; j++) {
    ex[pre + "_copy"](base, rows); // rows[i] = (i + 1) x base: no zero in the batch inversion
    for (let d = 1; d < (1 << W) - 1; d++) ex[pre + "_add"](rows + (d - 1) * jac, base, rows + d * jac);
    ex[pre + "_batchToAffine"](rows, (1 << W) - 1, table + (j * (1 << W) + 1) * aff);
    for (let k = 0; k < W; k++) ex[pre + "_double"](base, base);
  }
  return table;
}

function windowAt(s, off, j) {
  const bit = j * W;
  const k = off + (bit >> 3);
  const end = off + 32; // a window may run past bit 255: never into the next scalar
  const word = s[k] | (k + 1 < end ? s[k + 1] << 8 : 0) | (k + 2 < end ? s[k + 2] << 16 : 0);
  return (word >>> (bit & 7)) & ((1 << W) - 1);
}

async function main() {
  const [group, inPath, outPath] = process.argv.slice(2);
  const curve = await buildBn128(true); // one thread: the caller runs one process per core
  const G = group === "g2" ? curve.G2 : curve.G1;
  const pre = group === "g2" ? "g2m" : "g1m";
  const tm = curve.tm;
  const ex = tm.instance.exports;
  const mem = memory(tm);
  const aff = G.F.n8 * 2;
  const jac = G.F.n8 * 3;
  const raw = fs.readFileSync(inPath);
  const scalars = new Uint8Array(raw);
  const count = raw.length / 32;
  const gen = mem.alloc(jac);
  tm.setBuff(gen, G.g);
  const table = buildTable(ex, pre, mem, gen, aff, jac);
  const acc = mem.alloc(CHUNK * jac);
  const done = mem.alloc(CHUNK * aff);
  const out = new Uint8Array(count * aff);
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    for (let i = 0; i < n; i++) {
      const p = acc + i * jac;
      ex[pre + "_zero"](p);
      for (let j = 0; j < WINDOWS; j++) {
        const d = windowAt(scalars, (start + i) * 32, j);
        if (d) ex[pre + "_addMixed"](p, table + (j * (1 << W) + d) * aff, p);
      }
    }
    ex[pre + "_batchToAffine"](acc, n, done);
    out.set(tm.u8.subarray(done, done + n * aff), start * aff);
  }
  fs.writeFileSync(outPath, out);
  await curve.terminate();
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
