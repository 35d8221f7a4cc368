//! Reports: CSV and JSON Lines, written as outcomes arrive and read back to resume.
