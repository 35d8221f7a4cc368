//! `rootward_stop_flag`: a flag that stops a run, safe to raise from a signal handler.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::boundary::{self, write_out, Failure};
use crate::result::RootwardResult;

/// A flag that stops the runs it is attached to (see `rootward_run_options_set_stop_flag`):
/// no new account starts, the accounts in flight finish, and the rest arrive as skipped
/// (interrupted).
///
/// Ownership: created by `rootward_stop_flag_new`, released by `rootward_stop_flag_free`. Run
/// options hold their own reference, so the flag may be freed while they still use it.
///
/// Thread safety: `rootward_stop_flag_raise` may be called from any thread and from a signal
/// handler, while runs read the flag.
pub struct RootwardStopFlag {
    pub(crate) raised: Arc<AtomicBool>,
}

/// Creates a lowered stop flag and writes it to `*flag_out`.
///
/// # Safety
///
/// `flag_out` must point to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_stop_flag_new(
    flag_out: *mut *mut RootwardStopFlag,
) -> RootwardResult {
    boundary::call("rootward_stop_flag_new", || {
        if flag_out.is_null() {
            return Err(Failure::null("flag_out"));
        }
        let flag = Box::new(RootwardStopFlag {
            raised: Arc::new(AtomicBool::new(false)),
        });
        // SAFETY: checked for NULL; the caller promised it is writable.
        unsafe { write_out(flag_out, Box::into_raw(flag)) };
        Ok(())
    })
}

/// Raises the flag. It takes effect within 50 ms in every run that uses it, and stays raised.
///
/// Async-signal-safe: it only stores to an atomic, so a SIGINT handler may call it. Does
/// nothing for NULL.
///
/// # Safety
///
/// `flag` must be NULL or a live pointer from `rootward_stop_flag_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_stop_flag_raise(flag: *const RootwardStopFlag) {
    // SAFETY: the caller promised NULL or a live flag.
    if let Some(flag) = unsafe { flag.as_ref() } {
        flag.raised.store(true, Ordering::SeqCst);
    }
}

/// Frees a stop flag. NULL is accepted and ignored. Runs that use the flag keep working.
///
/// # Safety
///
/// `flag` must be NULL or a pointer from `rootward_stop_flag_new` that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_stop_flag_free(flag: *mut RootwardStopFlag) {
    if !flag.is_null() {
        // SAFETY: the caller passes a pointer from `rootward_stop_flag_new`, freed once.
        drop(unsafe { Box::from_raw(flag) });
    }
}
