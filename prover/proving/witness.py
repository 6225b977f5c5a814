"""Compute a circuit's witness (.wtns) with circom's generated WebAssembly calculator.

A node process per circuit (witness_server.js) keeps the compiled calculator warm between
witnesses: spawning ``generate_witness.js`` per witness paid node's start, the wasm compile and
a cold JIT every time (about half a second of a 55k-constraint batch's witness). The newest
few servers are kept per process; each exits when its parent goes away (stdin closes).

An input that does not fit the circuit (unknown or missing signal, wrong length) gets an error
listing what the circuit expects; an unsatisfied constraint names the template and line.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any

from prover.build.circom import CompiledCircuit
from prover.build.toolchain import repo_root, tail
from prover.errors import WitnessError
from prover.proving.input_check import check_inputs


def _stringify(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_stringify(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WitnessError(f"input value {value!r} is not an integer")
    return str(value)


def calculate(circuit: CompiledCircuit, inputs: dict[str, Any], out: Path) -> Path:
    """Write the witness for inputs to out (.wtns) or raise WitnessError saying why not."""
    payload = {k: _stringify(v) for k, v in inputs.items()}
    error = _server(circuit).request(payload, out)
    if error is not None or not out.exists():
        raise WitnessError(_explain(circuit, inputs, error or f"no witness written to {out}"))
    return out


_SCRIPT = Path(__file__).with_name("witness_server.js")
_KEEP = 4  # servers kept per process (each holds its circuit's compiled wasm)
_SERVERS: OrderedDict[str, _Server] = OrderedDict()
_SERVERS_LOCK = threading.Lock()


class _Server:
    """One node witness_server.js for one circuit, started on first use and after a crash."""

    def __init__(self, circuit: CompiledCircuit) -> None:
        self.circuit = circuit
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[str] | None = None
        self.stderr: IO[str] | None = None
        self.pid = os.getpid()

    def _start(self) -> subprocess.Popen[str]:
        if self.stderr is not None:
            self.stderr.close()
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 (lives as long as the server)
        calculator = self.circuit.witness_js.with_name("witness_calculator.js")
        cmd = ["node", str(_SCRIPT), str(calculator), str(self.circuit.wasm)]
        self.proc = subprocess.Popen(
            cmd,
            cwd=repo_root(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        return self.proc

    def request(self, payload: dict[str, Any], out: Path) -> str | None:
        """None when the witness is written, else what the calculator said."""
        with self.lock:
            proc = self.proc
            if proc is None or proc.poll() is not None or self.pid != os.getpid():
                self.pid, proc = os.getpid(), self._start()
            try:
                proc.stdin.write(json.dumps({"input": payload, "out": str(out)}) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
            except OSError:
                line = ""
            if not line:  # node died: its stderr says why
                self.proc = None
                proc.kill()
                return self._stderr() or f"the witness calculator exited ({proc.wait()})"
            answer = json.loads(line)
            return None if answer["ok"] else answer["error"]

    def _stderr(self) -> str:
        assert self.stderr is not None
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self) -> None:
        with self.lock:
            if self.proc is not None and self.pid == os.getpid():
                self.proc.stdin.close()  # the server exits on end of input
            self.proc = None


def _server(circuit: CompiledCircuit) -> _Server:
    key = f"{circuit.wasm}:{circuit.wasm.stat().st_mtime_ns}"  # a rebuilt wasm gets a new one
    with _SERVERS_LOCK:
        if key in _SERVERS:
            _SERVERS.move_to_end(key)
            return _SERVERS[key]
        while len(_SERVERS) >= _KEEP:
            _SERVERS.popitem(last=False)[1].close()
        server = _SERVERS[key] = _Server(circuit)
        return server


def _explain(circuit: CompiledCircuit, inputs: dict[str, Any], output: str) -> str:
    check_inputs(circuit, inputs)  # a mismatched input gets the list of what the circuit expects
    return f"witness calculation failed for {circuit.name}:\n{tail(output, 12)}"
