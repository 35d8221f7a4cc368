"""Check that an audit report shows no root credential left in any active member account.

Usage: python3 scripts/check_clean.py AUDIT.csv
Exits 1 and lists the accounts that still hold credentials.
"""

import csv
import sys

COUNTS = ("login_profile", "access_keys", "signing_certificates", "mfa_devices")


def main(path: str) -> int:
    with open(path, newline="", encoding="utf-8") as report:
        rows = list(csv.DictReader(report))
    audited = [row for row in rows if row["status"] != "skipped"]
    dirty = [row for row in audited if any(int(row[column] or 0) for column in COUNTS)]
    failed = [row for row in audited if row["status"] != "done"]
    for row in dirty:
        held = ", ".join(f"{column}={row[column]}" for column in COUNTS if int(row[column] or 0))
        print(f"account {row['account_id']} still holds root credentials: {held}")
    for row in failed:
        print(f"account {row['account_id']} was not audited: {row['status']} {row['error_code']}")
    if dirty or failed or not audited:
        return 1
    print(f"check: {len(audited)} active member accounts audited, no root credentials left")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
