//! Formula escaping for CSV cells.
//!
//! A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula.
//! OWASP ASVS 5.0 (requirement 1.2.10) adds a leading tab and NUL to that list, and rootward
//! also escapes a leading carriage return. Account names and AWS messages come from outside
//! rootward, so every CSV cell that starts with one of those characters is written with a
//! leading `'`. A cell that already starts with `'` gets one too, so that removing exactly one
//! leading `'` on reading restores every cell exactly.

use std::borrow::Cow;

/// The first characters that make a cell need a leading `'`.
const NEEDS_QUOTE_PREFIX: [char; 8] = ['=', '+', '-', '@', '\t', '\r', '\0', '\''];

/// Returns the cell as it is written to a CSV report.
pub(super) fn escape_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(NEEDS_QUOTE_PREFIX) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Returns the cell as it was before [`escape_cell`].
pub(super) fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_prefixes_formula_starts() {
        let cases = [
            ("=1+1", "'=1+1"),
            ("+x", "'+x"),
            ("-x", "'-x"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("\0x", "'\0x"),
            ("'x", "''x"),
            ("plain", "plain"),
            ("", ""),
            ("a=b", "a=b"),
        ];
        for (cell, written) in cases {
            assert_eq!(escape_cell(cell), written, "escaping {cell:?}");
        }
    }

    #[test]
    fn unescape_restores_every_cell() {
        for cell in [
            "=1+1", "+x", "-x", "@x", "\tx", "\rx", "'x", "''x", "plain", "", "x'",
        ] {
            assert_eq!(
                unescape_cell(&escape_cell(cell)),
                cell,
                "round trip of {cell:?}"
            );
        }
    }

    #[test]
    fn unescape_removes_one_quote() {
        assert_eq!(unescape_cell("''x"), "'x");
        assert_eq!(unescape_cell("'=1"), "=1");
        assert_eq!(unescape_cell("x"), "x");
    }
}
