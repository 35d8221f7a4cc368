//! The message of the last failed call, kept per thread.

use std::cell::RefCell;
use std::ffi::{c_char, CString};

use crate::result::RootwardResult;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Stores the message of a failed call for the calling thread.
pub(crate) fn set(message: &str) {
    let message = crate::strings::c_string(message);
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(message));
}

/// Forgets the message, at the start of every call that returns a result code.
pub(crate) fn clear() {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = None);
}

/// Returns the message of the last call on this thread that failed, or NULL when the last
/// call that returns a `rootward_result` succeeded.
///
/// The message is the whole error chain, in English, and never contains a credential.
///
/// Ownership: the string belongs to the library. It stays valid until the next call on this
/// thread to a function that returns a `rootward_result`; copy it to keep it longer, or use
/// `rootward_last_error_copy`.
///
/// Thread safety: each thread has its own message.
#[unsafe(no_mangle)]
pub extern "C" fn rootward_last_error() -> *const c_char {
    LAST_ERROR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map_or(std::ptr::null(), |message| message.as_ptr())
    })
}

/// Returns the length in bytes of the last error message on this thread, without the
/// terminating NUL; 0 when there is none. A buffer for `rootward_last_error_copy` needs one
/// byte more.
#[unsafe(no_mangle)]
pub extern "C" fn rootward_last_error_length() -> usize {
    LAST_ERROR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map_or(0, |message| message.as_bytes().len())
    })
}

/// Copies the last error message on this thread, NUL-terminated, into `buffer`.
///
/// Writes the message and its length (without the NUL) to `length_out` only on success.
/// Returns `ROOTWARD_RESULT_BUFFER_TOO_SMALL` when `capacity` is less than the message length
/// plus one, and writes nothing then. With no message, copies an empty string. Unlike every
/// other function, this one keeps the stored message, so it can be retried with a larger
/// buffer.
///
/// # Safety
///
/// `buffer` must point to `capacity` writable bytes. `length_out` must point to a writable
/// `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rootward_last_error_copy(
    buffer: *mut c_char,
    capacity: usize,
    length_out: *mut usize,
) -> RootwardResult {
    if buffer.is_null() || length_out.is_null() {
        return RootwardResult::NullArgument;
    }
    LAST_ERROR.with(|slot| {
        let slot = slot.borrow();
        let bytes = slot.as_ref().map_or(&b""[..], |message| message.as_bytes());
        if capacity < bytes.len() + 1 {
            return RootwardResult::BufferTooSmall;
        }
        // SAFETY: the caller promised `capacity` writable bytes at `buffer`, and
        // `bytes.len() + 1 <= capacity` was checked above; the message cannot overlap a
        // caller's buffer because the library owns it.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buffer, bytes.len());
        }
        // SAFETY: index `bytes.len()` is inside the same checked range.
        let terminator = unsafe { buffer.add(bytes.len()) };
        // SAFETY: `terminator` points inside the caller's buffer, as checked above.
        unsafe { terminator.write(0) };
        // SAFETY: the caller promised a writable `size_t` at `length_out`.
        unsafe { *length_out = bytes.len() };
        RootwardResult::Ok
    })
}
