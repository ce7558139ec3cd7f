"""Judge candidates' code in a sandbox: see ``runner.run_untrusted`` for what it protects and what it does not."""

from .runner import Limits, RunResult, SandboxPool, humaneval_program, network_isolated, read_jsonl, run_untrusted

__all__ = ["Limits", "RunResult", "SandboxPool", "humaneval_program", "network_isolated", "read_jsonl", "run_untrusted"]
