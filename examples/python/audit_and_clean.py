"""Audit the root credentials of an organization's member accounts, then remove them.

Plans the removal by default and deletes only with --execute. Credentials, region and
endpoint come from the standard AWS chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL …).

    python examples/python/audit_and_clean.py --report-dir reports
    python examples/python/audit_and_clean.py --report-dir reports --accounts 123456789012 --execute

Exit status: 0 when every account reached its goal, 1 when one did not, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import rootward


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default=None, help="comma-separated account IDs (default: all)")
    parser.add_argument("--report-dir", type=Path, required=True, help="folder for the two JSON Lines reports")
    parser.add_argument("--execute", action="store_true", help="delete the credentials (default: plan only)")
    return parser.parse_args(argv)


def print_outcomes(title: str, outcomes: list[rootward.Outcome]) -> None:
    print(f"{title}:")
    for outcome in sorted(outcomes, key=lambda outcome: outcome.account_id):
        counts = outcome.counts
        line = (
            f"  {outcome.account_id}  {outcome.status:<13} password={counts.login_profile} "
            f"access_keys={counts.access_keys} certificates={counts.signing_certificates} "
            f"mfa_devices={counts.mfa_devices}"
        )
        if outcome.error_code:
            line += f"  failed at {outcome.step}: {outcome.error_code}"
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    client = rootward.Client()

    try:
        audit = client.audit(accounts=args.accounts, report=args.report_dir / "audit.jsonl")
        print_outcomes("audit", audit)
        holders = [outcome.account_id for outcome in audit if outcome.counts.total > 0]
        if not holders:
            print("No member account holds root credentials.")
            return 0

        removal = client.delete_credentials(
            accounts=holders, execute=args.execute, report=args.report_dir / "delete.jsonl"
        )
    except rootward.UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except rootward.RootwardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    print_outcomes("deleted" if args.execute else "plan (rerun with --execute to delete)", removal)
    return 0 if all(outcome.reached_goal for outcome in removal) else 1


if __name__ == "__main__":
    sys.exit(main())
