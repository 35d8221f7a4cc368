//! The options every run takes, read from the dictionary that the Python layer builds.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;
use rootward::org::Feature;
use rootward::{AccountFilter, AccountId, OuId, RunOptions};

/// Root session lengths that `sts:AssumeRoot` accepts, in seconds.
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 1..=900;

/// The run options, one key per keyword of the Python methods (`rootward.RunOptions`).
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct RunArgs {
    accounts: Vec<String>,
    exclude_accounts: Vec<String>,
    ous: Vec<String>,
    exclude_ous: Vec<String>,
    concurrency: usize,
    max_failures: Option<u32>,
    duration: u64,
    report: Option<PathBuf>,
    resume: Option<PathBuf>,
}

impl RunArgs {
    /// Reports whether the caller named accounts or OUs, rather than the whole organization.
    pub(crate) fn names_targets(&self) -> bool {
        !self.accounts.is_empty() || !self.ous.is_empty()
    }

    /// Checks the values and builds the core's options.
    ///
    /// # Errors
    ///
    /// [`rootward::Error::InvalidInput`] for a malformed account or OU ID, a concurrency of 0
    /// or a session length outside 1 to 900 seconds.
    pub(crate) fn into_options(self) -> rootward::Result<RunOptions> {
        if self.concurrency == 0 {
            return Err(invalid(
                "invalid concurrency 0: at least 1 account must be in flight",
            ));
        }
        check_duration(self.duration)?;
        let filter = AccountFilter::new()
            .accounts(parse_all::<AccountId>(&self.accounts)?)
            .ous(parse_all::<OuId>(&self.ous)?)
            .exclude_accounts(parse_all::<AccountId>(&self.exclude_accounts)?)
            .exclude_ous(parse_all::<OuId>(&self.exclude_ous)?);
        Ok(RunOptions {
            filter,
            concurrency: self.concurrency,
            max_failures: self.max_failures,
            duration: Duration::from_secs(self.duration),
            report: self.report,
            resume: self.resume,
            ..RunOptions::default()
        })
    }
}

/// Builds the options of an unlock: one named account, one account in flight.
pub(crate) fn unlock_options(
    account: &str,
    report: Option<PathBuf>,
    duration: u64,
) -> rootward::Result<RunOptions> {
    check_duration(duration)?;
    Ok(RunOptions {
        filter: AccountFilter::new().accounts([parse_account_id(account)?]),
        concurrency: 1,
        duration: Duration::from_secs(duration),
        report,
        ..RunOptions::default()
    })
}

/// Parses an account ID.
pub(crate) fn parse_account_id(id: &str) -> rootward::Result<AccountId> {
    id.parse()
}

/// Parses feature names; an empty list means both features.
pub(crate) fn parse_features(names: &[String]) -> rootward::Result<Vec<Feature>> {
    if names.is_empty() {
        return Ok(Feature::ALL.to_vec());
    }
    parse_all(names)
}

fn check_duration(seconds: u64) -> rootward::Result<()> {
    if DURATION_RANGE.contains(&seconds) {
        Ok(())
    } else {
        Err(invalid(&format!(
            "invalid duration {seconds}: a root session lasts 1 to 900 seconds"
        )))
    }
}

fn parse_all<T>(values: &[String]) -> rootward::Result<Vec<T>>
where
    T: std::str::FromStr<Err = rootward::Error>,
{
    values.iter().map(|value| value.parse()).collect()
}

fn invalid(message: &str) -> rootward::Error {
    rootward::Error::InvalidInput {
        message: message.to_owned(),
    }
}
