//! `rootward_run_options`: which accounts a run covers and how it goes.

use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use rootward::{AccountFilter, AccountId, OuId, RunOptions};

use crate::boundary::{self, write_out, Failure};
use crate::result::RootwardResult;
use crate::stop::RootwardStopFlag;
use crate::strings;

/// Root session lengths that `sts:AssumeRoot` accepts, in seconds.
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 1..=900;

/// The options of a run: the accounts to target and exclude, accounts in flight, failure
/// budget, root session length, report and resume files, and a stop flag. The defaults select
/// every account of the organization, 16 accounts in flight, no failure budget, 300-second
/// sessions and no report.
///
/// Ownership: created by `rootward_run_options_new`, released by `rootward_run_options_free`.
/// A run copies what it needs when it starts, so the options may be changed or freed once the
/// run function returns.
///
/// Thread safety: the setters must not run while another thread uses the same options; runs
/// on several threads may read the same options at once.
#[derive(Debug)]
pub struct RootwardRunOptions {
    accounts: Vec<AccountId>,
    exclude_accounts: Vec<AccountId>,
    ous: Vec<OuId>,
    exclude_ous: Vec<OuId>,
    concurrency: usize,
    max_failures: Option<u32>,
    duration_seconds: u32,
    report: Option<PathBuf>,
    resume: Option<PathBuf>,
    pub(crate) stop_flag: Option<Arc<AtomicBool>>,
}

impl Default for RootwardRunOptions {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            ous: Vec::new(),
            exclude_ous: Vec::new(),
            concurrency: rootward::executor::DEFAULT_CONCURRENCY,
            max_failures: None,
            duration_seconds: 300,
            report: None,
            resume: None,
            stop_flag: None,
        }
    }
}

impl RootwardRunOptions {
    /// Builds the core's options for a run over the selected accounts.
    pub(crate) fn run_options(&self) -> RunOptions {
        RunOptions {
            filter: AccountFilter::new()
                .accounts(self.accounts.clone())
                .ous(self.ous.clone())
                .exclude_accounts(self.exclude_accounts.clone())
                .exclude_ous(self.exclude_ous.clone()),
            concurrency: self.concurrency,
            max_failures: self.max_failures,
            duration: Duration::from_secs(u64::from(self.duration_seconds)),
            report: self.report.clone(),
            resume: self.resume.clone(),
            ..RunOptions::default()
        }
    }

    /// Reports whether accounts or OUs were named, rather than the whole organization.
    pub(crate) fn names_targets(&self) -> bool {
        !self.accounts.is_empty() || !self.ous.is_empty()
    }

    /// Reports whether any account or OU was named, to target or to exclude.
    pub(crate) fn has_selection(&self) -> bool {
        self.names_targets() || !self.exclude_accounts.is_empty() || !self.exclude_ous.is_empty()
    }

    /// Builds the core's options for a run in the one account `account`.
    pub(crate) fn single_account_options(&self, account: AccountId) -> RunOptions {
        RunOptions {
            filter: AccountFilter::new().accounts([account]),
            concurrency: 1,
            ..self.run_options()
        }
    }
}

/// Borrows the options behind a pointer for a setter.
///
/// # Safety
///
/// `options` must be NULL or a live pointer from `rootward_run_options_new`, not used by
/// another thread during the call.
unsafe fn options_mut<'a>(
    options: *mut RootwardRunOptions,
) -> Result<&'a mut RootwardRunOptions, Failure> {
    // SAFETY: the caller promised NULL or a live, unshared pointer.
    unsafe { options.as_mut() }.ok_or_else(|| Failure::null("options"))
}

fn parse<T>(text: &str) -> Result<T, Failure>
where
    T: std::str::FromStr<Err = rootward::Error>,
{
    text.parse().map_err(|error| Failure::core(&error))
}

/// Creates run options with the defaults and writes them to `*options_out`.
///
/// # Safety
///
/// `options_out` must point to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_new(
    options_out: *mut *mut RootwardRunOptions,
) -> RootwardResult {
    boundary::call("rootward_run_options_new", || {
        if options_out.is_null() {
            return Err(Failure::null("options_out"));
        }
        let options = Box::<RootwardRunOptions>::default();
        // SAFETY: checked for NULL; the caller promised it is writable.
        unsafe { write_out(options_out, Box::into_raw(options)) };
        Ok(())
    })
}

/// Frees run options. NULL is accepted and ignored.
///
/// # Safety
///
/// `options` must be NULL or a pointer from `rootward_run_options_new` that was not freed, and
/// no run may be using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_free(options: *mut RootwardRunOptions) {
    if !options.is_null() {
        // SAFETY: the caller passes a pointer from `rootward_run_options_new`, freed once.
        drop(unsafe { Box::from_raw(options) });
    }
}

/// Adds a member account (12 digits) to the targets. With no account and no OU added, a run
/// targets every account of the organization. Returns `ROOTWARD_RESULT_INVALID_INPUT` for a
/// malformed ID.
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`; `account_id` a
/// NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_add_account(
    options: *mut RootwardRunOptions,
    account_id: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_add_account", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let id = parse(unsafe { strings::required(account_id, "account_id") }?)?;
        options.accounts.push(id);
        Ok(())
    })
}

/// Adds an account to leave out. Exclusion wins over targets.
///
/// # Safety
///
/// As for `rootward_run_options_add_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_exclude_account(
    options: *mut RootwardRunOptions,
    account_id: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_exclude_account", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let id = parse(unsafe { strings::required(account_id, "account_id") }?)?;
        options.exclude_accounts.push(id);
        Ok(())
    })
}

/// Adds an OU (`ou-…`) or root (`r-…`) whose accounts, nested OUs included, become targets.
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`; `ou_id` a NUL-terminated
/// string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_add_ou(
    options: *mut RootwardRunOptions,
    ou_id: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_add_ou", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let id = parse(unsafe { strings::required(ou_id, "ou_id") }?)?;
        options.ous.push(id);
        Ok(())
    })
}

/// Adds an OU whose accounts, nested OUs included, are left out. Exclusion wins over targets.
///
/// # Safety
///
/// As for `rootward_run_options_add_ou`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_exclude_ou(
    options: *mut RootwardRunOptions,
    ou_id: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_exclude_ou", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let id = parse(unsafe { strings::required(ou_id, "ou_id") }?)?;
        options.exclude_ous.push(id);
        Ok(())
    })
}

/// Sets how many member accounts are in flight at once (default 16, at least 1).
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_concurrency(
    options: *mut RootwardRunOptions,
    accounts: u32,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_concurrency", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        if accounts == 0 {
            return Err(Failure::invalid(
                "invalid concurrency 0: at least 1 account must be in flight",
            ));
        }
        options.concurrency = accounts as usize;
        Ok(())
    })
}

/// Stops starting new accounts once `failures` accounts failed; the rest arrive as skipped.
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_max_failures(
    options: *mut RootwardRunOptions,
    failures: u32,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_max_failures", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        options.max_failures = Some(failures);
        Ok(())
    })
}

/// Sets the root session length in seconds, 1 to 900 (default 300).
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_duration(
    options: *mut RootwardRunOptions,
    seconds: u32,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_duration", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        if !DURATION_RANGE.contains(&seconds) {
            return Err(Failure::invalid(format!(
                "invalid duration {seconds}: a root session lasts 1 to 900 seconds"
            )));
        }
        options.duration_seconds = seconds;
        Ok(())
    })
}

/// Writes a report to `path`: CSV for `.csv`, JSON Lines for `.jsonl`, `.ndjson` or `.json`.
/// The folder must exist. Each outcome reaches the file before the callback sees it.
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`; `path` a NUL-terminated
/// UTF-8 string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_report(
    options: *mut RootwardRunOptions,
    path: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_report", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let path = unsafe { strings::required(path, "path") }?;
        options.report = Some(PathBuf::from(path));
        Ok(())
    })
}

/// Resumes from the report at `path` and appends to it: accounts already settled there are
/// left untouched. The report must be of the same organization, task and mode.
///
/// # Safety
///
/// As for `rootward_run_options_set_report`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_resume(
    options: *mut RootwardRunOptions,
    path: *const c_char,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_resume", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let path = unsafe { strings::required(path, "path") }?;
        options.resume = Some(PathBuf::from(path));
        Ok(())
    })
}

/// Attaches a stop flag: raising it stops every run that uses these options.
///
/// # Safety
///
/// `options` must be a live pointer from `rootward_run_options_new`; `flag` a live pointer
/// from `rootward_stop_flag_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_run_options_set_stop_flag(
    options: *mut RootwardRunOptions,
    flag: *const RootwardStopFlag,
) -> RootwardResult {
    boundary::call("rootward_run_options_set_stop_flag", || {
        // SAFETY: the caller promised a live pointer from `rootward_run_options_new`.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: the caller promised NULL or a live flag.
        let flag = unsafe { flag.as_ref() }.ok_or_else(|| Failure::null("flag"))?;
        options.stop_flag = Some(Arc::clone(&flag.raised));
        Ok(())
    })
}
