//! Audits every member account's root credentials, then plans their removal.
//!
//! It uses the standard AWS configuration chain, so point it at the local emulator with
//! `AWS_ENDPOINT_URL` (see `make demo`) or at a real organization with `AWS_PROFILE`.
//!
//! ```sh
//! cargo run -p rootward-e2e --example audit_then_plan
//! ```

use rootward::{
    AuditRootCredentials, AwsOptions, Clients, DeleteRootCredentials, Outcome, RunOptions, Task,
};

#[tokio::main]
async fn main() -> Result<(), rootward::Error> {
    let clients = Clients::load(&AwsOptions::default()).await?;

    let audit = run(clients.clone(), AuditRootCredentials).await?;
    let holding = audit
        .iter()
        .filter(|outcome| {
            let counts = outcome.counts();
            counts.login_profile
                + counts.access_keys
                + counts.signing_certificates
                + counts.mfa_devices
                > 0
        })
        .count();
    println!(
        "{holding} of {} accounts hold root credentials",
        audit.len()
    );

    let plan = run(clients, DeleteRootCredentials::plan()).await?;
    for outcome in &plan {
        let counts = outcome.counts();
        println!(
            "{} {:<13} password {} keys {} certificates {} MFA {}",
            outcome.account.id,
            outcome.status,
            counts.login_profile,
            counts.access_keys,
            counts.signing_certificates,
            counts.mfa_devices
        );
    }
    Ok(())
}

/// Runs a task over every account of the organization and collects the outcomes.
async fn run<T: Task>(clients: Clients, task: T) -> Result<Vec<Outcome>, rootward::Error> {
    let mut run = rootward::start(clients, task, RunOptions::default()).await?;
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome?);
    }
    Ok(outcomes)
}
