//! The tasks and the executor on `aws-smithy-mocks`: every case here fails if the code under
//! test makes a call that no rule expects, because the mock interceptor panics on it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_iam::operation::delete_virtual_mfa_device::DeleteVirtualMFADeviceError;
use aws_sdk_iam::types::{
    AccessKeyMetadata, LoginProfile, MfaDevice, SigningCertificate, StatusType,
};
use aws_sdk_iam::Client as IamClient;
use aws_sdk_organizations::Client as OrganizationsClient;
use aws_sdk_sts::operation::assume_root::{AssumeRootError, AssumeRootOutput};
use aws_sdk_sts::types::Credentials;
use aws_sdk_sts::Client as StsClient;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::DateTime;
use futures::StreamExt;
use rootward::{
    Account, AccountSource, Clients, DeleteRootCredentials, Detail, Executor, Outcome,
    SessionFactory, Status, StepResult, Target, Task,
};

const ACCOUNT: &str = "222222222222";
const KEY: &str = "AKIAEXAMPLEKEY000001";
const CERTIFICATE: &str = "CERTEXAMPLE000000001";
const VIRTUAL_MFA: &str = "arn:aws:iam::222222222222:mfa/root-account-mfa-device";
const HARDWARE_MFA: &str = "GAHT12345678";
const SECRET: &str = "mock-secret-access-key-never-logged";
const TOKEN: &str = "mock-session-token-never-logged";

fn now() -> DateTime {
    DateTime::from(SystemTime::now())
}

fn assume_root_ok() -> Rule {
    mock!(StsClient::assume_root).then_output(|| {
        AssumeRootOutput::builder()
            .credentials(
                Credentials::builder()
                    .access_key_id("ASIAMOCKSESSION00001")
                    .secret_access_key(SECRET)
                    .session_token(TOKEN)
                    .expiration(DateTime::from(SystemTime::now() + Duration::from_secs(300)))
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

fn sts_client(rules: &[&Rule]) -> StsClient {
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, rules)
}

fn iam_client(rules: &[&Rule]) -> IamClient {
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules, |config| config
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        ))
}

fn organizations_client(rules: &[&Rule]) -> OrganizationsClient {
    mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules)
}

fn clients(sts: &[&Rule], iam: &[&Rule]) -> Clients {
    Clients::from_clients(
        sts_client(sts),
        iam_client(iam),
        organizations_client(&[]),
        "us-east-1",
    )
    .unwrap()
}

fn account() -> Account {
    Account::active(ACCOUNT.parse().unwrap(), "workload")
}

async fn run_one<T: Task>(clients: Clients, task: T) -> Outcome {
    let sessions = SessionFactory::new(clients, Duration::from_secs(300)).unwrap();
    let targets = futures::stream::iter([Ok(Target::Run(account()))]);
    let outcomes: Vec<_> = Executor::new(sessions)
        .max_sessions(2)
        .run(Arc::new(task), targets)
        .collect()
        .await;
    assert_eq!(outcomes.len(), 1, "one outcome per account");
    outcomes.into_iter().next().unwrap().unwrap()
}

fn no_such_entity() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("NoSuchEntity")
        .message("The user with name root cannot be found.")
        .build()
}

/// What the mocked root user holds at one read.
#[derive(Clone, Copy)]
struct Holding {
    password: bool,
    key: bool,
    certificate: bool,
    devices: bool,
}

const EVERYTHING: Holding = Holding {
    password: true,
    key: true,
    certificate: true,
    devices: true,
};
const NOTHING: Holding = Holding {
    password: false,
    key: false,
    certificate: false,
    devices: false,
};

fn login_profile_output() -> aws_sdk_iam::operation::get_login_profile::GetLoginProfileOutput {
    aws_sdk_iam::operation::get_login_profile::GetLoginProfileOutput::builder()
        .login_profile(
            LoginProfile::builder()
                .user_name("")
                .create_date(now())
                .build()
                .unwrap(),
        )
        .build()
}

fn login_profile_absent() -> aws_sdk_iam::operation::get_login_profile::GetLoginProfileError {
    aws_sdk_iam::operation::get_login_profile::GetLoginProfileError::generic(no_such_entity())
}

fn access_keys(holding: Holding) -> aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput {
    let keys = if holding.key {
        vec![AccessKeyMetadata::builder()
            .access_key_id(KEY)
            .status(StatusType::Active)
            .create_date(now())
            .build()]
    } else {
        vec![]
    };
    aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput::builder()
        .set_access_key_metadata(Some(keys))
        .build()
        .unwrap()
}

fn certificates(
    holding: Holding,
) -> aws_sdk_iam::operation::list_signing_certificates::ListSigningCertificatesOutput {
    let certificates = if holding.certificate {
        vec![SigningCertificate::builder()
            .user_name("")
            .certificate_id(CERTIFICATE)
            .certificate_body("-----BEGIN CERTIFICATE-----")
            .status(StatusType::Active)
            .build()
            .unwrap()]
    } else {
        vec![]
    };
    aws_sdk_iam::operation::list_signing_certificates::ListSigningCertificatesOutput::builder()
        .set_certificates(Some(certificates))
        .build()
        .unwrap()
}

fn devices(holding: Holding) -> aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput {
    let devices = if holding.devices {
        [VIRTUAL_MFA, HARDWARE_MFA]
            .into_iter()
            .map(|serial| {
                MfaDevice::builder()
                    .user_name("")
                    .serial_number(serial)
                    .enable_date(now())
                    .build()
                    .unwrap()
            })
            .collect()
    } else {
        vec![]
    };
    aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput::builder()
        .set_mfa_devices(Some(devices))
        .build()
        .unwrap()
}

/// Rules for the four reads: `first` at the first read, `later` at every read after it.
struct ReadRules {
    login_profile: Rule,
    access_keys: Rule,
    certificates: Rule,
    devices: Rule,
}

impl ReadRules {
    fn new(first: Holding, later: Holding) -> Self {
        let mut login_profile = mock!(IamClient::get_login_profile).sequence();
        for holding in [first, later] {
            login_profile = if holding.password {
                login_profile.output(login_profile_output)
            } else {
                login_profile.error(login_profile_absent)
            };
        }
        Self {
            login_profile: login_profile.repeatedly().build(),
            access_keys: mock!(IamClient::list_access_keys)
                .sequence()
                .output(move || access_keys(first))
                .output(move || access_keys(later))
                .repeatedly()
                .build(),
            certificates: mock!(IamClient::list_signing_certificates)
                .sequence()
                .output(move || certificates(first))
                .output(move || certificates(later))
                .repeatedly()
                .build(),
            devices: mock!(IamClient::list_mfa_devices)
                .sequence()
                .output(move || devices(first))
                .output(move || devices(later))
                .repeatedly()
                .build(),
        }
    }
}

/// Rules for the change calls, each succeeding unless replaced.
struct ChangeRules {
    login_profile: Rule,
    access_key: Rule,
    certificate: Rule,
    deactivate: Rule,
    delete_virtual: Rule,
}

impl ChangeRules {
    fn all_ok() -> Self {
        use aws_sdk_iam::operation::*;
        Self {
            login_profile: mock!(IamClient::delete_login_profile)
                .then_output(|| delete_login_profile::DeleteLoginProfileOutput::builder().build()),
            access_key: mock!(IamClient::delete_access_key)
                .then_output(|| delete_access_key::DeleteAccessKeyOutput::builder().build()),
            certificate: mock!(IamClient::delete_signing_certificate).then_output(|| {
                delete_signing_certificate::DeleteSigningCertificateOutput::builder().build()
            }),
            deactivate: mock!(IamClient::deactivate_mfa_device).then_output(|| {
                deactivate_mfa_device::DeactivateMfaDeviceOutput::builder().build()
            }),
            delete_virtual: mock!(IamClient::delete_virtual_mfa_device).then_output(|| {
                delete_virtual_mfa_device::DeleteVirtualMfaDeviceOutput::builder().build()
            }),
        }
    }

    fn all_absent() -> Self {
        use aws_sdk_iam::operation::*;
        Self {
            login_profile: mock!(IamClient::delete_login_profile).then_error(|| {
                delete_login_profile::DeleteLoginProfileError::generic(no_such_entity())
            }),
            access_key: mock!(IamClient::delete_access_key)
                .then_error(|| delete_access_key::DeleteAccessKeyError::generic(no_such_entity())),
            certificate: mock!(IamClient::delete_signing_certificate).then_error(|| {
                delete_signing_certificate::DeleteSigningCertificateError::generic(no_such_entity())
            }),
            deactivate: mock!(IamClient::deactivate_mfa_device).then_error(|| {
                deactivate_mfa_device::DeactivateMFADeviceError::generic(no_such_entity())
            }),
            delete_virtual: mock!(IamClient::delete_virtual_mfa_device)
                .then_error(|| DeleteVirtualMFADeviceError::generic(no_such_entity())),
        }
    }
}

fn delete_clients(reads: &ReadRules, changes: &ChangeRules) -> Clients {
    clients(
        &[&assume_root_ok()],
        &[
            &reads.login_profile,
            &reads.access_keys,
            &reads.certificates,
            &reads.devices,
            &changes.login_profile,
            &changes.access_key,
            &changes.certificate,
            &changes.deactivate,
            &changes.delete_virtual,
        ],
    )
}

fn removed(outcome: &Outcome) -> &rootward::Removed {
    match &outcome.detail {
        Detail::Delete { removed, .. } => removed,
        other => panic!("expected delete detail, got {other:?}"),
    }
}

#[tokio::test]
async fn list_accounts_follows_token_past_empty_page() {
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::types::{Account as OrgAccount, AccountState};

    let pages = mock!(OrganizationsClient::list_accounts)
        .sequence()
        .output(|| ListAccountsOutput::builder().next_token("page-2").build())
        .output(|| {
            ListAccountsOutput::builder()
                .accounts(
                    OrgAccount::builder()
                        .id("333333333333")
                        .name("a")
                        .state(AccountState::Active)
                        .build(),
                )
                .next_token("page-3")
                .build()
        })
        .output(|| ListAccountsOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_organizations, RuleMode::Sequential, &[&pages]);

    let accounts: Vec<_> = AccountSource::Organization(client)
        .into_stream()
        .collect()
        .await;

    assert_eq!(
        pages.num_calls(),
        3,
        "an empty first page with a NextToken must not end the listing"
    );
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].as_ref().unwrap().id.as_str(), "333333333333");
}

#[tokio::test]
async fn list_accounts_falls_back_to_status() {
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::types::{Account as OrgAccount, AccountStatus};

    let page = mock!(OrganizationsClient::list_accounts).then_output(|| {
        ListAccountsOutput::builder()
            .accounts(
                OrgAccount::builder()
                    .id("333333333333")
                    .status(AccountStatus::Suspended)
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_organizations, RuleMode::Sequential, &[&page]);

    let accounts: Vec<_> = AccountSource::Organization(client)
        .into_stream()
        .collect()
        .await;

    let account = accounts[0].as_ref().unwrap();
    assert_eq!(account.state, rootward::AccountState::Suspended);
}

#[tokio::test]
async fn delete_removes_everything_and_confirms() {
    let reads = ReadRules::new(EVERYTHING, NOTHING);
    let changes = ChangeRules::all_ok();

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    assert_eq!(outcome.status, Status::Done, "{:#?}", outcome.steps);
    assert_eq!(
        reads.access_keys.num_calls(),
        2,
        "one read and one confirming read"
    );
    assert_eq!(changes.deactivate.num_calls(), 2);
    assert_eq!(
        changes.delete_virtual.num_calls(),
        1,
        "only the virtual device is deleted"
    );
    let removed = removed(&outcome);
    assert!(removed.login_profile);
    assert_eq!(removed.access_keys, vec![KEY.to_owned()]);
    assert_eq!(removed.signing_certificates, vec![CERTIFICATE.to_owned()]);
    assert_eq!(removed.mfa_devices.len(), 2);
    assert_eq!(
        removed.virtual_mfa_devices_deleted,
        vec![VIRTUAL_MFA.to_owned()]
    );
}

#[tokio::test]
async fn delete_treats_no_such_entity_as_absent() {
    let reads = ReadRules::new(EVERYTHING, NOTHING);
    let changes = ChangeRules::all_absent();

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    for (action, target) in [
        ("DeleteLoginProfile", None),
        ("DeleteAccessKey", Some(KEY)),
        ("DeleteSigningCertificate", Some(CERTIFICATE)),
        ("DeactivateMFADevice", Some(VIRTUAL_MFA)),
        ("DeactivateMFADevice", Some(HARDWARE_MFA)),
    ] {
        assert_eq!(
            step_result(&outcome, action, target),
            Some(&StepResult::AlreadyAbsent),
            "{action}"
        );
    }
    assert!(outcome.first_failure().is_none(), "{:#?}", outcome.steps);
    assert_eq!(
        outcome.status,
        Status::Done,
        "the confirming read found nothing left"
    );
}

#[tokio::test]
async fn delete_tolerates_denied_virtual_mfa_delete() {
    let reads = ReadRules::new(EVERYTHING, NOTHING);
    let mut changes = ChangeRules::all_ok();
    changes.delete_virtual = mock!(IamClient::delete_virtual_mfa_device).then_error(|| {
        DeleteVirtualMFADeviceError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not allowed by the task policy")
                .build(),
        )
    });

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    assert_eq!(outcome.status, Status::Done, "{:#?}", outcome.steps);
    assert_eq!(
        step_result(&outcome, "DeleteVirtualMFADevice", Some(VIRTUAL_MFA)),
        Some(&StepResult::LeftInPlace)
    );
    assert_eq!(
        removed(&outcome).virtual_mfa_devices_left,
        vec![VIRTUAL_MFA.to_owned()]
    );
}

#[tokio::test]
async fn delete_partial_when_key_remains() {
    let reads = ReadRules::new(
        EVERYTHING,
        Holding {
            key: true,
            ..NOTHING
        },
    );
    let changes = ChangeRules::all_ok();

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    assert_eq!(outcome.status, Status::Partial, "{:#?}", outcome.steps);
    let failure = outcome.first_failure().expect("a failed confirmation step");
    assert_eq!(failure.action, "ConfirmRemoval");
    assert_eq!(failure.error_code(), Some("CredentialsRemain"));
    assert!(outcome.failure_messages()[0].contains(KEY));
    assert!(outcome.counts_as_failure());
}

#[tokio::test]
async fn plan_makes_no_write_call() {
    let reads = ReadRules::new(EVERYTHING, EVERYTHING);
    let last_used = mock!(IamClient::get_access_key_last_used).then_output(|| {
        aws_sdk_iam::operation::get_access_key_last_used::GetAccessKeyLastUsedOutput::builder()
            .access_key_last_used(
                aws_sdk_iam::types::AccessKeyLastUsed::builder()
                    .last_used_date(now())
                    .service_name("s3")
                    .region("us-east-1")
                    .build()
                    .unwrap(),
            )
            .build()
    });
    // No rule matches a change call, so any write would panic the mock interceptor.
    let clients = clients(
        &[&assume_root_ok()],
        &[
            &reads.login_profile,
            &reads.access_keys,
            &reads.certificates,
            &reads.devices,
            &last_used,
        ],
    );

    let outcome = run_one(clients, DeleteRootCredentials::plan()).await;

    assert_eq!(outcome.status, Status::Planned, "{:#?}", outcome.steps);
    assert!(outcome
        .steps
        .iter()
        .all(|step| !step.action.starts_with("Delete") && !step.action.starts_with("Deactivate")));
    let Detail::Delete {
        removed,
        recently_used_access_keys,
        ..
    } = &outcome.detail
    else {
        panic!("expected delete detail");
    };
    assert_eq!(
        removed.access_keys,
        vec![KEY.to_owned()],
        "the plan lists the key it would remove"
    );
    assert_eq!(
        recently_used_access_keys,
        &vec![KEY.to_owned()],
        "a key used today is flagged"
    );
}

#[tokio::test]
async fn failed_assume_root_is_failed() {
    let denied = mock!(StsClient::assume_root).then_error(|| {
        AssumeRootError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("denied")
                .build(),
        )
    });
    let clients = clients(&[&denied], &[]);

    let outcome = run_one(clients, DeleteRootCredentials::execute()).await;

    assert_eq!(outcome.status, Status::Failed);
    assert_ne!(outcome.status, Status::Done);
    assert_eq!(outcome.sessions, 0);
    let failure = outcome.first_failure().unwrap();
    assert_eq!(failure.action, "AssumeRoot");
    assert_eq!(failure.error_code(), Some("AccessDenied"));
    assert_eq!(denied.num_calls(), 1, "AccessDenied is not retried");
}

#[tokio::test]
async fn throttling_then_success() {
    let throttled_then_ok = mock!(IamClient::list_access_keys)
        .sequence()
        .http_status(
            400,
            Some(
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
                    .to_owned(),
            ),
        )
        .output(|| access_keys(EVERYTHING))
        .output(|| access_keys(NOTHING))
        .repeatedly()
        .build();
    let mut reads = ReadRules::new(
        Holding {
            key: true,
            ..NOTHING
        },
        NOTHING,
    );
    reads.access_keys = throttled_then_ok;
    let changes = ChangeRules::all_ok();

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    assert_eq!(outcome.status, Status::Done, "{:#?}", outcome.steps);
    assert_eq!(
        reads.access_keys.num_calls(),
        3,
        "throttled, retried, confirmed"
    );
    assert_eq!(
        outcome.sessions, 1,
        "the SDK retried inside the same session"
    );
    assert_eq!(removed(&outcome).access_keys, vec![KEY.to_owned()]);
}

#[tokio::test]
async fn session_debug_and_outcome_hide_credentials() {
    let reads = ReadRules::new(EVERYTHING, NOTHING);
    let changes = ChangeRules::all_ok();

    let outcome = run_one(
        delete_clients(&reads, &changes),
        DeleteRootCredentials::execute(),
    )
    .await;

    let text = format!("{outcome:?} {}", serde_json::to_string(&outcome).unwrap());
    assert!(!text.contains(SECRET));
    assert!(!text.contains(TOKEN));
    assert!(!text.contains("ASIAMOCKSESSION00001"));
}

fn step_result<'a>(
    outcome: &'a Outcome,
    action: &str,
    target: Option<&str>,
) -> Option<&'a StepResult> {
    outcome
        .steps
        .iter()
        .rev()
        .find(|step| step.action == action && step.target.as_deref() == target)
        .map(|step| &step.result)
}

#[tokio::test]
async fn expired_session_gets_fresh_session() {
    let expired_then_ok = mock!(IamClient::list_access_keys)
        .sequence()
        .http_status(
            403,
            Some(
                "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>"
                    .to_owned(),
            ),
        )
        .output(|| access_keys(EVERYTHING))
        .output(|| access_keys(NOTHING))
        .repeatedly()
        .build();
    let mut reads = ReadRules::new(
        Holding {
            key: true,
            ..NOTHING
        },
        NOTHING,
    );
    reads.access_keys = expired_then_ok;
    let changes = ChangeRules::all_ok();
    let assume_root = assume_root_ok();
    let clients = clients(
        &[&assume_root],
        &[
            &reads.login_profile,
            &reads.access_keys,
            &reads.certificates,
            &reads.devices,
            &changes.access_key,
        ],
    );

    let outcome = run_one(clients, DeleteRootCredentials::execute()).await;

    assert_eq!(outcome.status, Status::Done, "{:#?}", outcome.steps);
    assert_eq!(outcome.sessions, 2, "the expired session was replaced");
    assert_eq!(assume_root.num_calls(), 2);
    assert!(
        outcome.first_failure().is_none(),
        "the expiry was recovered"
    );
    let retried = outcome.steps.iter().find(
        |step| matches!(&step.result, StepResult::Retried { code, .. } if code == "ExpiredToken"),
    );
    assert!(
        retried.is_some(),
        "the report keeps the expired call: {:#?}",
        outcome.steps
    );
    assert_eq!(removed(&outcome).access_keys, vec![KEY.to_owned()]);
}

#[tokio::test]
async fn create_password_only_where_missing() {
    use aws_sdk_iam::operation::create_login_profile::CreateLoginProfileOutput;
    use rootward::CreateRootPassword;

    let absent = mock!(IamClient::get_login_profile).then_error(login_profile_absent);
    let create = mock!(IamClient::create_login_profile).then_output(|| {
        CreateLoginProfileOutput::builder()
            .login_profile(
                LoginProfile::builder()
                    .user_name("")
                    .create_date(now())
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let outcome = run_one(
        clients(&[&assume_root_ok()], &[&absent, &create]),
        CreateRootPassword::execute(),
    )
    .await;
    assert_eq!(outcome.status, Status::Done, "{:#?}", outcome.steps);
    assert_eq!(create.num_calls(), 1);

    let present = mock!(IamClient::get_login_profile).then_output(login_profile_output);
    // No rule for CreateLoginProfile: a call would panic the mock interceptor.
    let outcome = run_one(
        clients(&[&assume_root_ok()], &[&present]),
        CreateRootPassword::execute(),
    )
    .await;
    assert_eq!(outcome.status, Status::NothingToDo, "{:#?}", outcome.steps);

    let plan = run_one(
        clients(&[&assume_root_ok()], &[&absent]),
        CreateRootPassword::plan(),
    )
    .await;
    assert_eq!(plan.status, Status::Planned, "{:#?}", plan.steps);
}
