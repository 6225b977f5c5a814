"""The relayer binds its own port and says which one in ``<data_dir>/api.json``: a port picked
beforehand can be taken by another server, which would then answer in the relayer's place."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from relayer.api.listen import ListenError, bind_api, read_record, wait_for_url, write_record
from testkit.relayer_process import relayer_cli, relayer_env


def test_port_zero_binds_a_free_port_and_the_record_names_it(tmp_path: Path) -> None:
    sock = bind_api("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert port > 0
        write_record(tmp_path / "d", f"http://127.0.0.1:{port}")
        assert read_record(tmp_path / "d", os.getpid()) == f"http://127.0.0.1:{port}"
        assert not list((tmp_path / "d").glob(".api.json.*"))  # replaced atomically
    finally:
        sock.close()


def test_a_record_of_another_process_is_not_taken_for_this_one(tmp_path: Path) -> None:
    (tmp_path / "api.json").write_text(json.dumps({"pid": 1, "url": "http://127.0.0.1:1"}))
    assert read_record(tmp_path, os.getpid()) is None
    (tmp_path / "api.json").write_text("{not json")
    assert read_record(tmp_path, os.getpid()) is None


def test_a_port_in_use_is_refused_with_what_to_do() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ListenError, match=f"port {port} on 127.0.0.1 is in use.*--port"):
            bind_api("127.0.0.1", port)


def test_relayer_run_on_a_busy_port_exits_with_the_reason(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cmd = relayer_cli("run", tmp_path, "--port", str(port))
        env = relayer_env(local_chain="false")
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert f"port {port} on 127.0.0.1 is in use" in r.stderr
    assert read_record(tmp_path, 0) is None and not (tmp_path / "api.json").exists()


def test_wait_for_url_reports_a_process_that_exits_before_binding(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(ListenError, match=r"exited \(3\) before it bound its port"):
        wait_for_url(tmp_path, proc, timeout=60)
