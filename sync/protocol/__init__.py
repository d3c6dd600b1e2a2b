"""The wire format and error codes that kiosk and hub share. No I/O; see sync/PROTOCOL.md."""

from sync.protocol.batch import BATCH_VERSION, KINDS, Batch, Item, make_items
from sync.protocol.envelope import open_batch, read_header, seal_batch
from sync.protocol.problems import PROBLEMS, Problem, ProblemError, problem
from sync.protocol.receipt import Receipt, sign_receipt, verify_receipt

__all__ = ["BATCH_VERSION", "KINDS", "Batch", "Item", "PROBLEMS", "Problem", "ProblemError",
           "Receipt", "make_items", "open_batch", "problem", "read_header", "seal_batch",
           "sign_receipt", "verify_receipt"]
