// circomlibjs side of benchmarks/bench_crypto.py. Prints one JSON object of ops/s.
// Usage: node benchmarks/js/bench_crypto.mjs SECONDS   (cwd = repository root)
import { buildPoseidon, buildEddsa } from "circomlibjs";

const seconds = Number(process.argv[2] || "1");
const poseidon = await buildPoseidon();
const eddsa = await buildEddsa();
const F = poseidon.F;

function rate(fn) {
  for (let i = 0; i < 20; i++) fn(i);  // warm up
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) { fn(n); n++; }
  return n / ((performance.now() - t0) / 1000);
}

const hash2 = (a, b) => F.toObject(poseidon([a, b]));

// Poseidon(2) to a BigInt, as the Python side returns an int
const poseidon2 = rate((i) => hash2(BigInt(i), BigInt(i + 1)));

// EdDSA-Poseidon verification of one valid signature
const prv = Buffer.alloc(32, 7);
const pub = eddsa.prv2pub(prv);
const msg = F.e(123456789n);
const sig = eddsa.signPoseidon(prv, msg);
const verify = rate(() => { if (!eddsa.verifyPoseidon(msg, sig, pub)) throw new Error("bad"); });

// depth-20 sparse tree, one leaf update = 20 Poseidon(2) with siblings from maps
const DEPTH = 20;
const zeros = [0n];
for (let h = 0; h < DEPTH; h++) zeros.push(hash2(zeros[h], zeros[h]));
const levels = Array.from({ length: DEPTH + 1 }, () => new Map());
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
function update(index, leaf) {
  let node = leaf;
  levels[0].set(index, node);
  for (let h = 0; h < DEPTH; h++) {
    const sib = levels[h].get(index ^ 1) ?? zeros[h];
    node = (index & 1) ? hash2(sib, node) : hash2(node, sib);
    index >>= 1;
    levels[h + 1].set(index, node);
  }
  return node;
}
const merkle = rate((i) => update(rnd() % (1 << DEPTH), BigInt(i + 1)));

console.log(JSON.stringify({ poseidon2, verify, merkle }));
