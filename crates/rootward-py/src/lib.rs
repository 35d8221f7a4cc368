//! `rootward._native`: the compiled half of the `rootward` Python package.
//!
//! The public package (`python/rootward/`) is a small typed layer over this module; users import
//! `rootward`, never `rootward._native`. The module holds:
//!
//! - [`client::Client`]: the AWS clients, loaded once, and one method per task that returns an
//!   unstarted [`run::Run`];
//! - [`run::Run`]: the outcomes of one run, as a blocking iterator (`for`), an async iterator
//!   (`async for`), or collected into a list (`collect`, `collect_async`);
//! - [`outcome`]: the typed outcome of one account and its parts;
//! - [`errors`]: the mapping from `rootward::Error` to the exception classes of
//!   `rootward.errors`;
//! - [`logging::init_logging`]: the opt-in tracing subscriber with the core's credential guard.
//!
//! Every blocking call releases the GIL and runs on one shared tokio runtime ([`runtime`]);
//! while it waits it lets Python run signal handlers, so Ctrl-C reaches it.

use pyo3::prelude::*;

mod client;
mod errors;
mod logging;
mod options;
mod outcome;
mod run;
mod runtime;
mod setup;
mod values;

/// Registers the module's classes and functions.
#[pymodule]
#[pyo3(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add(
        "DEFAULT_MAX_ATTEMPTS",
        rootward::clients::DEFAULT_MAX_ATTEMPTS,
    )?;
    module.add(
        "INTERRUPT_GRACE_SECONDS",
        run::INTERRUPT_GRACE.as_secs_f64(),
    )?;
    module.add_class::<client::Client>()?;
    module.add_class::<run::Run>()?;
    module.add_class::<run::RunInfo>()?;
    module.add_class::<run::Summary>()?;
    module.add_class::<outcome::Outcome>()?;
    module.add_class::<outcome::Step>()?;
    module.add_class::<outcome::CredentialCounts>()?;
    module.add_class::<setup::OrganizationStatus>()?;
    module.add_class::<setup::Change>()?;
    module.add_function(wrap_pyfunction!(logging::init_logging, module)?)?;
    Ok(())
}
