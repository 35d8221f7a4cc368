//! C strings in and out.

use std::ffi::{c_char, CStr, CString};

use crate::boundary::Failure;

/// Converts text into a C string, dropping any NUL byte, which a C string cannot hold.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

/// Reads a required UTF-8 string argument.
///
/// # Safety
///
/// `pointer` must be NULL or point to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn required<'a>(pointer: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if pointer.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: the pointer is not NULL, and the caller promised a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(pointer) };
    text.to_str().map_err(|_| Failure::invalid_utf8(name))
}

/// Reads an optional UTF-8 string argument, where NULL means "not set".
///
/// # Safety
///
/// As for [`required`].
pub(crate) unsafe fn optional<'a>(
    pointer: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    if pointer.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { required(pointer, name) }.map(Some)
}
