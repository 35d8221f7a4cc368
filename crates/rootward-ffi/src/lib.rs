//! The C ABI of rootward: a shared library (`librootward_ffi.so`), a static library
//! (`librootward_ffi.a`) and the header `include/rootward.h`, which cbindgen generates from
//! this crate.
//!
//! # Model
//!
//! A caller creates a [`client::RootwardClient`] (the AWS clients and a private tokio
//! runtime), fills a [`options::RootwardRunOptions`] (which accounts, how many in flight, the
//! report) and calls one function per task, such as [`run::rootward_audit`]. The call blocks
//! until every selected account has its outcome, and hands each
//! [`outcome::RootwardOutcome`] to a callback on the calling thread as it arrives.
//!
//! # Conventions
//!
//! - Every function that can fail returns a [`result::RootwardResult`] and writes its outputs
//!   only when it returns `ROOTWARD_RESULT_OK`. The message of the failure is then readable on
//!   the same thread with [`last_error::rootward_last_error`], or copied into a caller's buffer
//!   with [`last_error::rootward_last_error_copy`].
//! - A required pointer that is NULL gives `ROOTWARD_RESULT_NULL_ARGUMENT`.
//! - A panic inside the library is caught at the boundary and gives `ROOTWARD_RESULT_PANIC`;
//!   no panic unwinds into C.
//! - Every `_new` function has a `_free` twin; `_free` accepts NULL.

mod boundary;
pub mod client;
pub mod last_error;
pub mod logging;
pub mod options;
pub mod outcome;
pub mod result;
pub mod run;
pub mod stop;
mod strings;
