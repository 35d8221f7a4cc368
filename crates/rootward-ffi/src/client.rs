//! `rootward_client`: the AWS clients and the runtime that drives them.

use std::ffi::c_char;

use rootward::{AwsOptions, Clients};
use tokio::runtime::{Handle, Runtime};

use crate::boundary::{self, write_out, Failure};
use crate::result::RootwardResult;
use crate::strings;

/// The AWS clients of the calling principal and a private async runtime (worker threads).
///
/// Ownership: created by `rootward_client_new`, released by `rootward_client_free`.
///
/// Thread safety: a client may be used from several threads at once, each running its own
/// task; it must not be freed while any call on it is running.
pub struct RootwardClient {
    pub(crate) runtime: Runtime,
    pub(crate) clients: Clients,
    process_id: u32,
}

impl RootwardClient {
    /// Checks that the call may block on this client's runtime.
    pub(crate) fn check_usable(&self) -> Result<(), Failure> {
        if std::process::id() != self.process_id {
            return Err(Failure::new(
                RootwardResult::Forked,
                format!(
                    "this client was created in process {} and cannot be used after fork(), because its runtime threads stayed in that process; create a new client in this process",
                    self.process_id
                ),
            ));
        }
        if Handle::try_current().is_ok() {
            return Err(Failure::new(
                RootwardResult::CalledFromCallback,
                "a run cannot start inside an outcome callback; collect what you need in the callback and start the next run after this one returns",
            ));
        }
        Ok(())
    }
}

/// Creates a client: loads the AWS configuration through the standard chain (`AWS_PROFILE`,
/// `AWS_REGION`, `AWS_ENDPOINT_URL`, environment credentials, SSO, instance metadata …) and
/// starts the client's runtime.
///
/// `profile`, `region` and `endpoint_url` may be NULL to use the standard chain. `max_attempts`
/// is the number of attempts per AWS request, retries included; 0 selects the default, 8.
///
/// On success writes the new client to `*client_out`; free it with `rootward_client_free`.
///
/// # Safety
///
/// `profile`, `region` and `endpoint_url` must each be NULL or a NUL-terminated string.
/// `client_out` must point to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_client_new(
    profile: *const c_char,
    region: *const c_char,
    endpoint_url: *const c_char,
    max_attempts: u32,
    client_out: *mut *mut RootwardClient,
) -> RootwardResult {
    boundary::call("rootward_client_new", || {
        if client_out.is_null() {
            return Err(Failure::null("client_out"));
        }
        // SAFETY: the caller promised NULL or a NUL-terminated string for each.
        let profile = unsafe { strings::optional(profile, "profile") }?;
        // SAFETY: as above.
        let region = unsafe { strings::optional(region, "region") }?;
        // SAFETY: as above.
        let endpoint_url = unsafe { strings::optional(endpoint_url, "endpoint_url") }?;
        let options = AwsOptions {
            profile: profile.map(str::to_owned),
            region: region.map(str::to_owned),
            endpoint_url: endpoint_url.map(str::to_owned),
            max_attempts: if max_attempts == 0 {
                rootward::clients::DEFAULT_MAX_ATTEMPTS
            } else {
                max_attempts
            },
            ..AwsOptions::default()
        };
        if Handle::try_current().is_ok() {
            return Err(Failure::new(
                RootwardResult::CalledFromCallback,
                "a client cannot be created inside an outcome callback",
            ));
        }

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rootward-worker")
            .build()
            .map_err(|error| {
                Failure::new(
                    RootwardResult::Runtime,
                    format!("could not start the async runtime: {error}"),
                )
            })?;
        let clients = runtime
            .block_on(Clients::load(&options))
            .map_err(|error| Failure::core(&error))?;
        let client = Box::new(RootwardClient {
            runtime,
            clients,
            process_id: std::process::id(),
        });
        // SAFETY: `client_out` was checked for NULL, and the caller promised it is writable.
        unsafe { write_out(client_out, Box::into_raw(client)) };
        Ok(())
    })
}

/// Frees a client and stops its runtime, waiting for the runtime's threads to end. NULL is
/// accepted and ignored.
///
/// # Safety
///
/// `client` must be NULL or a pointer returned by `rootward_client_new` that was not freed, and
/// no call on it may be running. Do not call it from inside an outcome callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_client_free(client: *mut RootwardClient) {
    if client.is_null() {
        return;
    }
    // SAFETY: the caller passes a pointer from `rootward_client_new`, freed once.
    let client = unsafe { Box::from_raw(client) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let RootwardClient {
            runtime, clients, ..
        } = *client;
        // The clients hold connection pools that belong to the runtime; drop them first.
        drop(clients);
        if Handle::try_current().is_ok() {
            // Blocking to join the threads is not allowed inside another runtime.
            runtime.shutdown_background();
        } else {
            drop(runtime);
        }
    }));
}
