// One circuit's witness calculator kept warm: circom's generated witness_calculator.js, compiled
// once, answering one request per stdin line until stdin closes (the parent went away).
//   node witness_server.js <witness_calculator.js> <circuit.wasm>
// request: {"input": {...circuit inputs...}, "out": "/path/witness.wtns"}
// reply (one stdout line): {"ok": true} or {"ok": false, "error": "<calculator message>"}
"use strict";
const fs = require("fs");
const readline = require("readline");

const [builderPath, wasmPath] = process.argv.slice(2);
const builder = require(builderPath);
const wasm = fs.readFileSync(wasmPath);
const reply = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
console.log = (...args) => console.error(...args); // circom log() must not reach the replies

let calculator = null;

async function handle(line) {
  try {
    const { input, out } = JSON.parse(line);
    calculator = calculator || (await builder(wasm));
    fs.writeFileSync(out, await calculator.calculateWTNSBin(input, 0));
    reply({ ok: true });
  } catch (err) {
    calculator = null; // a trapped instance keeps its error text: start the next one afresh
    reply({ ok: false, error: String((err && err.message) || err) });
  }
}

let queue = Promise.resolve();
readline
  .createInterface({ input: process.stdin })
  .on("line", (line) => {
    queue = queue.then(() => handle(line));
  })
  .on("close", () => queue.then(() => process.exit(0)));
