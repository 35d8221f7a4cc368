//! The task functions: each runs one task over the selected accounts and delivers every
//! outcome to a callback.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rootward::{
    AccountId, AuditRootCredentials, CreateRootPassword, DeleteRootCredentials, RunOptions, Task,
    UnlockS3BucketPolicy, UnlockSqsQueuePolicy,
};

use crate::boundary::{self, Failure};
use crate::client::RootwardClient;
use crate::options::RootwardRunOptions;
use crate::outcome::{OwnedOutcome, RootwardOutcomeCallback};
use crate::result::RootwardResult;
use crate::strings;

/// How often a run looks at its stop flag.
const STOP_FLAG_INTERVAL: Duration = Duration::from_millis(50);

/// The arguments every task function takes, checked.
struct Call<'a> {
    client: &'a RootwardClient,
    options: &'a RootwardRunOptions,
    callback: unsafe extern "C" fn(*mut c_void, *const crate::outcome::RootwardOutcome) -> i32,
    userdata: *mut c_void,
}

impl<'a> Call<'a> {
    /// Checks the common arguments.
    ///
    /// # Safety
    ///
    /// `client` and `options` must be NULL or live pointers from their `_new` functions.
    unsafe fn new(
        client: *const RootwardClient,
        options: *const RootwardRunOptions,
        callback: RootwardOutcomeCallback,
        userdata: *mut c_void,
    ) -> Result<Self, Failure> {
        // SAFETY: the caller promised NULL or a live client.
        let client = unsafe { client.as_ref() }.ok_or_else(|| Failure::null("client"))?;
        // SAFETY: the caller promised NULL or live options.
        let options = unsafe { options.as_ref() }.ok_or_else(|| Failure::null("options"))?;
        let callback = callback.ok_or_else(|| Failure::null("callback"))?;
        client.check_usable()?;
        Ok(Self {
            client,
            options,
            callback,
            userdata,
        })
    }

    /// Runs `task` with `run_options` and hands each outcome to the callback.
    fn run<T: Task>(&self, task: T, run_options: RunOptions) -> Result<(), Failure> {
        let stop_flag = self.options.stop_flag.clone();
        self.client
            .runtime
            .block_on(self.drive(task, run_options, stop_flag))
    }

    async fn drive<T: Task>(
        &self,
        task: T,
        run_options: RunOptions,
        stop_flag: Option<Arc<AtomicBool>>,
    ) -> Result<(), Failure> {
        let mut run = rootward::start(self.client.clients.clone(), task, run_options)
            .await
            .map_err(|error| Failure::core(&error))?;
        let stop = run.stop_handle();
        let flag_raised = || {
            stop_flag
                .as_ref()
                .is_some_and(|flag| flag.load(Ordering::SeqCst))
        };
        if flag_raised() {
            stop.stop();
        }
        let mut ticks = tokio::time::interval(STOP_FLAG_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            tokio::select! {
                next = run.next() => match next {
                    Some(Ok(outcome)) => {
                        let owned = OwnedOutcome::new(&outcome);
                        // SAFETY: the caller promised a callback with this signature; the
                        // outcome and its strings live until `owned` drops after the call.
                        let returned = unsafe { (self.callback)(self.userdata, owned.as_ptr()) };
                        if returned != 0 {
                            stop.stop();
                        }
                    }
                    Some(Err(error)) => return Err(Failure::core(&error)),
                    None => break,
                },
                _ = ticks.tick(), if stop_flag.is_some() && !stop.is_stopped() => {
                    if flag_raised() {
                        stop.stop();
                    }
                }
            }
        }

        if stop.is_stopped() {
            return Err(Failure::new(
                RootwardResult::Stopped,
                "the run was stopped on request; accounts not started by then were reported skipped (interrupted), and a resume from the same report picks them up",
            ));
        }
        Ok(())
    }
}

/// Audits the root credentials (password, access keys, signing certificates, MFA devices) of
/// the selected member accounts in `IAMAuditRootUserCredentials` sessions.
///
/// Blocks until every selected account has its outcome, and calls `on_outcome(userdata,
/// outcome)` on this thread for each one as it arrives (and after it reached the report).
/// Returns `ROOTWARD_RESULT_OK` when the run went through, whatever the accounts' statuses.
/// Returns `ROOTWARD_RESULT_STOPPED` when the callback or the stop flag stopped it, and another
/// code when the run could not start or could not go on, with no further outcome.
///
/// Thread safety: runs on several threads may share one client.
///
/// # Safety
///
/// `client` and `options` must be live pointers from their `_new` functions, and neither may
/// be freed during the call. `on_outcome` must be a valid function pointer; `userdata` is
/// passed through untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_audit(
    client: *const RootwardClient,
    options: *const RootwardRunOptions,
    on_outcome: RootwardOutcomeCallback,
    userdata: *mut c_void,
) -> RootwardResult {
    boundary::call("rootward_audit", || {
        // SAFETY: forwarded from the caller.
        let call = unsafe { Call::new(client, options, on_outcome, userdata) }?;
        call.run(AuditRootCredentials, call.options.run_options())
    })
}

/// Removes the root credentials of the selected member accounts in
/// `IAMDeleteRootUserCredentials` sessions: the password, access keys, signing certificates
/// and MFA devices.
///
/// With `execute` false it only plans: it reads, reports what it would remove (status
/// `ROOTWARD_STATUS_PLANNED`) and makes no write call. `keep_keys_used_within_days` above 0
/// keeps access keys used within that many days; such accounts end
/// `ROOTWARD_STATUS_PARTIAL`, which counts as reaching the goal. Returns as `rootward_audit`
/// does.
///
/// # Safety
///
/// As for `rootward_audit`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_delete_credentials(
    client: *const RootwardClient,
    options: *const RootwardRunOptions,
    execute: bool,
    keep_keys_used_within_days: u32,
    on_outcome: RootwardOutcomeCallback,
    userdata: *mut c_void,
) -> RootwardResult {
    boundary::call("rootward_delete_credentials", || {
        // SAFETY: forwarded from the caller.
        let call = unsafe { Call::new(client, options, on_outcome, userdata) }?;
        let mut task = if execute {
            DeleteRootCredentials::execute()
        } else {
            DeleteRootCredentials::plan()
        };
        if keep_keys_used_within_days > 0 {
            task = task.keep_keys_used_within(keep_keys_used_within_days);
        }
        call.run(task, call.options.run_options())
    })
}

/// Makes root password recovery possible in the selected accounts, in
/// `IAMCreateRootUserPassword` sessions, by creating a login profile without a password. An
/// account that has one is `ROOTWARD_STATUS_NOTHING_TO_DO`. The options must name accounts or
/// OUs. With `execute` false it only plans. Returns as `rootward_audit` does.
///
/// # Safety
///
/// As for `rootward_audit`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_create_password(
    client: *const RootwardClient,
    options: *const RootwardRunOptions,
    execute: bool,
    on_outcome: RootwardOutcomeCallback,
    userdata: *mut c_void,
) -> RootwardResult {
    boundary::call("rootward_create_password", || {
        // SAFETY: forwarded from the caller.
        let call = unsafe { Call::new(client, options, on_outcome, userdata) }?;
        if !call.options.names_targets() {
            return Err(Failure::new(
                RootwardResult::InvalidInput,
                "create-password needs the accounts to act on: add accounts or OUs to the options",
            ));
        }
        let task = if execute {
            CreateRootPassword::execute()
        } else {
            CreateRootPassword::plan()
        };
        call.run(task, call.options.run_options())
    })
}

/// Checks the options and the account of an unlock, which acts on one account.
///
/// # Safety
///
/// `account_id` must be NULL or a NUL-terminated string.
unsafe fn unlock_target(call: &Call<'_>, account_id: *const c_char) -> Result<RunOptions, Failure> {
    if call.options.has_selection() {
        return Err(Failure::invalid(
            "an unlock acts on the one account it names; leave the account and OU selection of the options empty",
        ));
    }
    // SAFETY: forwarded from the caller.
    let account = unsafe { strings::required(account_id, "account_id") }?;
    let account: AccountId = account.parse().map_err(|error| Failure::core(&error))?;
    Ok(call.options.single_account_options(account))
}

/// Shows the policy of an S3 bucket that locks everyone out and, with `execute`, deletes it,
/// in one `S3UnlockBucketPolicy` session in `account_id`. The outcome's JSON keeps the policy
/// read first, so the change can be undone by hand. The options may set the report and the
/// session length; their account selection must be empty. Returns as `rootward_audit` does.
///
/// # Safety
///
/// As for `rootward_audit`; `account_id` and `bucket` must be NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_unlock_s3(
    client: *const RootwardClient,
    options: *const RootwardRunOptions,
    account_id: *const c_char,
    bucket: *const c_char,
    execute: bool,
    on_outcome: RootwardOutcomeCallback,
    userdata: *mut c_void,
) -> RootwardResult {
    boundary::call("rootward_unlock_s3", || {
        // SAFETY: forwarded from the caller.
        let call = unsafe { Call::new(client, options, on_outcome, userdata) }?;
        // SAFETY: forwarded from the caller.
        let run_options = unsafe { unlock_target(&call, account_id) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let bucket = unsafe { strings::required(bucket, "bucket") }?;
        let task = if execute {
            UnlockS3BucketPolicy::execute(bucket)
        } else {
            UnlockS3BucketPolicy::plan(bucket)
        };
        call.run(task, run_options)
    })
}

/// Shows the policy of an SQS queue that locks everyone out and, with `execute`, removes it,
/// in one `SQSUnlockQueuePolicy` session in `account_id`; every other queue attribute stays.
/// Otherwise as `rootward_unlock_s3`.
///
/// # Safety
///
/// As for `rootward_audit`; `account_id` and `queue_url` must be NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_unlock_sqs(
    client: *const RootwardClient,
    options: *const RootwardRunOptions,
    account_id: *const c_char,
    queue_url: *const c_char,
    execute: bool,
    on_outcome: RootwardOutcomeCallback,
    userdata: *mut c_void,
) -> RootwardResult {
    boundary::call("rootward_unlock_sqs", || {
        // SAFETY: forwarded from the caller.
        let call = unsafe { Call::new(client, options, on_outcome, userdata) }?;
        // SAFETY: forwarded from the caller.
        let run_options = unsafe { unlock_target(&call, account_id) }?;
        // SAFETY: the caller promised a NUL-terminated string.
        let queue_url = unsafe { strings::required(queue_url, "queue_url") }?;
        let task = if execute {
            UnlockSqsQueuePolicy::execute(queue_url)
        } else {
            UnlockSqsQueuePolicy::plan(queue_url)
        };
        call.run(task, run_options)
    })
}
