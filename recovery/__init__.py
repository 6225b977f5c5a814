"""Owner tooling: rebuild an account's state and Merkle path from Settlement's events alone,
compare it with what the relayer reports, and build the exit proof (docs/privacy.md, "The
data blob"; DESIGN.md, "Data availability and exits"). The desk SDK uses it; it needs an RPC
URL, the Settlement address, the owner's trading key and the circuit configuration."""

from recovery.errors import RecoveryError
from recovery.rebuild import Recovered, rebuild_tree, recover_account

__all__ = ["Recovered", "RecoveryError", "rebuild_tree", "recover_account"]
