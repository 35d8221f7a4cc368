//! Conversions of core values into plain Python objects.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Converts a JSON value into `dict`, `list`, `str`, `int`, `float`, `bool` or `None`.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => flag.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                integer.into_pyobject(py)?.into_any()
            } else if let Some(integer) = number.as_u64() {
                integer.into_pyobject(py)?.into_any()
            } else {
                number
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
            }
        }
        Value::String(text) => text.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(members) => {
            let dict = PyDict::new(py);
            for (key, member) in members {
                dict.set_item(key, json_to_py(py, member)?)?;
            }
            dict.into_any()
        }
    })
}

/// Serializes a core value and converts it into plain Python objects.
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|error| PyValueError::new_err(format!("could not convert a value: {error}")))?;
    json_to_py(py, &json)
}

/// Converts a UTC timestamp into an aware `datetime.datetime`.
pub(crate) fn datetime<'py>(
    py: Python<'py>,
    timestamp: OffsetDateTime,
) -> PyResult<Bound<'py, PyAny>> {
    let text = timestamp
        .format(&Rfc3339)
        .map_err(|error| PyValueError::new_err(format!("invalid timestamp: {error}")))?;
    py.import("datetime")?
        .getattr("datetime")?
        .call_method1("fromisoformat", (text,))
}

/// Quotes a string as Python's `repr` does for plain text, for the `__repr__` methods.
pub(crate) fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for character in text.chars() {
        match character {
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if control.is_control() => {
                quoted.push_str(&format!("\\x{:02x}", u32::from(control)));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('\'');
    quoted
}
