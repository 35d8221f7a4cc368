//! Organization setup for centralized root access: status, enable and disable.
//!
//! Each change reads first and changes only the difference, so a second run changes nothing,
//! and a plan makes no write call at all.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

use crate::account::AccountId;
use crate::aws_error::AwsError;
use crate::clients::Clients;
use crate::error::{Error, Result};
use crate::organization::{self, OrganizationInfo};

/// The service principal of IAM, for trusted access and the delegated administrator.
pub const IAM_SERVICE_PRINCIPAL: &str = "iam.amazonaws.com";

/// An organization feature of centralized root access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Feature {
    /// Root credentials management: member accounts can be kept free of root credentials.
    RootCredentialsManagement,
    /// Root sessions: privileged `sts:AssumeRoot` sessions in member accounts.
    RootSessions,
}

impl Feature {
    /// Both features, in the order they are enabled.
    pub const ALL: [Feature; 2] = [Self::RootCredentialsManagement, Self::RootSessions];

    /// Returns the feature's name as IAM spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RootCredentialsManagement => "RootCredentialsManagement",
            Self::RootSessions => "RootSessions",
        }
    }
}

impl std::str::FromStr for Feature {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|feature| feature.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown feature {text:?}: expected RootCredentialsManagement or RootSessions"
                ))
            })
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of centralized root access in the organization, as the caller can see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The organization ID.
    pub organization_id: String,
    /// The management account.
    pub management_account_id: String,
    /// The calling account.
    pub caller_account_id: String,
    /// The caller's ARN.
    pub caller_arn: String,
    /// Whether the organization has all features enabled.
    pub all_features: bool,
    /// Whether trusted access for `iam.amazonaws.com` is on; `None` when the caller may not
    /// read it.
    pub trusted_access: Option<bool>,
    /// The delegated administrators for IAM; `None` when the caller may not read them.
    pub delegated_administrators: Option<Vec<String>>,
    /// The enabled features; `None` when IAM would not list them (see `features_error`).
    pub enabled_features: Option<Vec<Feature>>,
    /// The error code of `iam:ListOrganizationsFeatures`, when it failed.
    pub features_error: Option<String>,
    /// The missing settings, each with the command that fixes it; empty when all is set.
    pub findings: Vec<String>,
}

impl Status {
    /// Reports whether the caller is in the management account.
    pub fn caller_is_management(&self) -> bool {
        self.caller_account_id == self.management_account_id
    }

    /// Reports whether `feature` is on.
    pub fn has_feature(&self, feature: Feature) -> bool {
        self.enabled_features
            .as_ref()
            .is_some_and(|features| features.contains(&feature))
    }

    /// Reports whether everything root sessions need is in place.
    pub fn is_ready(&self) -> bool {
        self.findings.is_empty()
    }
}

/// One change that `enable` or `disable` makes, or in a plan would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The API action, such as `EnableAWSServiceAccess`.
    pub action: &'static str,
    /// A description of the change for the user.
    pub description: String,
    /// Whether the change was made (false in a plan).
    pub applied: bool,
}

fn preflight_error(message: String, error: &AwsError) -> Error {
    Error::Preflight {
        message: format!("{message} ({}: {})", error.code, error.message),
        code: Some(error.code.clone()),
    }
}

async fn caller(clients: &Clients) -> Result<(String, String)> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| {
            preflight_error(
                "could not identify the caller with sts:GetCallerIdentity; check the AWS credentials, --profile and --endpoint-url".to_owned(),
                &AwsError::from_sdk(&error),
            )
        })?;
    Ok((
        identity.account().unwrap_or_default().to_owned(),
        identity.arn().unwrap_or_default().to_owned(),
    ))
}

async fn describe(clients: &Clients) -> Result<OrganizationInfo> {
    organization::describe_organization(&clients.organizations)
        .await
        .map_err(|error| {
            let message = if error.code == "AWSOrganizationsNotInUseException" {
                "the calling account is not a member of an organization".to_owned()
            } else {
                "could not describe the organization with organizations:DescribeOrganization"
                    .to_owned()
            };
            preflight_error(message, &error)
        })
}

async fn trusted_access(clients: &Clients) -> Option<bool> {
    let output = clients
        .organizations
        .list_aws_service_access_for_organization()
        .send()
        .await
        .ok()?;
    Some(
        output
            .enabled_service_principals()
            .iter()
            .any(|principal| principal.service_principal() == Some(IAM_SERVICE_PRINCIPAL)),
    )
}

async fn delegated_administrators(clients: &Clients) -> Option<Vec<String>> {
    let mut administrators = Vec::new();
    let mut token = None;
    loop {
        let output = clients
            .organizations
            .list_delegated_administrators()
            .service_principal(IAM_SERVICE_PRINCIPAL)
            .set_next_token(token)
            .send()
            .await
            .ok()?;
        administrators.extend(
            output
                .delegated_administrators()
                .iter()
                .filter_map(|administrator| administrator.id().map(str::to_owned)),
        );
        match output.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Some(administrators),
        }
    }
}

async fn enabled_features(clients: &Clients) -> Result<Vec<Feature>, AwsError> {
    let output = clients
        .iam
        .list_organizations_features()
        .send()
        .await
        .map_err(|error| AwsError::from_sdk(&error))?;
    Ok(output
        .enabled_features()
        .iter()
        .filter_map(|feature| feature.as_str().parse().ok())
        .collect())
}

/// Reads the state of centralized root access and lists what is missing.
///
/// # Errors
///
/// [`Error::Preflight`] when the caller cannot be identified or is not in an organization.
pub async fn status(clients: &Clients) -> Result<Status> {
    let (caller_account_id, caller_arn) = caller(clients).await?;
    let organization = describe(clients).await?;
    let (trusted_access, delegated_administrators, features) = futures::join!(
        trusted_access(clients),
        delegated_administrators(clients),
        enabled_features(clients)
    );
    let (enabled_features, features_error) = match features {
        Ok(features) => (Some(features), None),
        Err(error) => (None, Some(error.code)),
    };
    let trusted_access = match features_error.as_deref() {
        // IAM's error settles it when Organizations denies the caller this read.
        Some("ServiceAccessNotEnabledException") => Some(false),
        _ if trusted_access.is_none() && enabled_features.is_some() => Some(true),
        _ => trusted_access,
    };

    let mut status = Status {
        organization_id: organization.id,
        management_account_id: organization.management_account_id,
        caller_account_id,
        caller_arn,
        all_features: organization.all_features,
        trusted_access,
        delegated_administrators,
        enabled_features,
        features_error,
        findings: Vec::new(),
    };
    status.findings = findings(&status);
    Ok(status)
}

fn findings(status: &Status) -> Vec<String> {
    let mut findings = Vec::new();
    if !status.all_features {
        findings.push(format!(
            "organization {} does not have all features enabled; enable all features in AWS Organizations, then run `rootward enable --execute`",
            status.organization_id
        ));
    }
    if status.trusted_access == Some(false) {
        findings.push(format!(
            "trusted access for {IAM_SERVICE_PRINCIPAL} is off; run `rootward enable --execute` from the management account"
        ));
    }
    if status.features_error.as_deref()
        == Some("AccountNotManagementOrDelegatedAdministratorException")
    {
        findings.push(format!(
            "account {} is neither the management account nor the delegated administrator for IAM; run rootward from the management account, or register this account with `rootward enable --delegated-admin {} --execute`",
            status.caller_account_id, status.caller_account_id
        ));
    }
    if status.enabled_features.is_some() {
        for feature in Feature::ALL {
            if !status.has_feature(feature) {
                findings.push(format!(
                    "the {feature} feature is off; run `rootward enable --execute` from the management account"
                ));
            }
        }
    }
    findings
}

/// The settings `enable` turns on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnableRequest {
    /// The features to enable (both by default).
    pub features: Vec<Feature>,
    /// An account to register as the delegated administrator for IAM.
    pub delegated_admin: Option<AccountId>,
    /// Report the changes without making them.
    pub plan_only: bool,
}

impl Default for EnableRequest {
    fn default() -> Self {
        Self {
            features: Feature::ALL.to_vec(),
            delegated_admin: None,
            plan_only: true,
        }
    }
}

/// The settings `disable` turns off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisableRequest {
    /// The features to disable (both by default).
    pub features: Vec<Feature>,
    /// Also turn off trusted access for `iam.amazonaws.com`.
    pub trusted_access: bool,
    /// Also deregister this delegated administrator for IAM.
    pub delegated_admin: Option<AccountId>,
    /// Report the changes without making them.
    pub plan_only: bool,
}

impl Default for DisableRequest {
    fn default() -> Self {
        Self {
            features: Feature::ALL.to_vec(),
            trusted_access: false,
            delegated_admin: None,
            plan_only: true,
        }
    }
}

fn require_management(status: &Status, command: &str) -> Result<()> {
    if status.caller_is_management() {
        return Ok(());
    }
    Err(Error::Preflight {
        message: format!(
            "only the management account ({}) may {command} the organization's root access features and trusted access; account {} is not the management account (a delegated administrator may run root sessions but not change these settings)",
            status.management_account_id, status.caller_account_id
        ),
        code: Some("CallerIsNotManagementAccountException".to_owned()),
    })
}

fn change(action: &'static str, description: String) -> Change {
    Change {
        action,
        description,
        applied: false,
    }
}

/// Turns on what is missing: trusted access for IAM, the delegated administrator if asked,
/// and the requested features. Reads first and changes only the difference.
///
/// # Errors
///
/// [`Error::Preflight`] when the caller is not the management account or the organization
/// lacks all features. A failed change returns its error. Changes made before it stay made,
/// and because each is idempotent, a rerun continues where this one stopped.
pub async fn enable(clients: &Clients, request: &EnableRequest) -> Result<Vec<Change>> {
    let status = status(clients).await?;
    require_management(&status, "enable")?;
    if !status.all_features {
        return Err(Error::Preflight {
            message: format!(
                "organization {} does not have all features enabled, which centralized root access requires; enable all features in AWS Organizations first",
                status.organization_id
            ),
            code: Some("OrganizationNotInAllFeaturesModeException".to_owned()),
        });
    }

    let mut changes = Vec::new();
    if status.trusted_access != Some(true) {
        changes.push(change(
            "EnableAWSServiceAccess",
            format!("turn on trusted access for {IAM_SERVICE_PRINCIPAL}"),
        ));
    }
    if let Some(account) = &request.delegated_admin {
        let registered = status
            .delegated_administrators
            .as_ref()
            .is_some_and(|administrators| administrators.iter().any(|id| id == account.as_str()));
        if !registered {
            changes.push(change(
                "RegisterDelegatedAdministrator",
                format!("register account {account} as the delegated administrator for IAM"),
            ));
        }
    }
    for feature in Feature::ALL {
        if request.features.contains(&feature) && !status.has_feature(feature) {
            let action = match feature {
                Feature::RootCredentialsManagement => {
                    "EnableOrganizationsRootCredentialsManagement"
                }
                Feature::RootSessions => "EnableOrganizationsRootSessions",
            };
            changes.push(change(action, format!("turn on the {feature} feature")));
        }
    }

    if !request.plan_only {
        for change in &mut changes {
            apply(clients, change, request.delegated_admin.as_ref()).await?;
        }
    }
    Ok(changes)
}

/// Turns off the requested features, and trusted access or the delegated administrator only
/// when asked. Reads first and changes only the difference.
///
/// # Errors
///
/// [`Error::Preflight`] when the caller is not the management account; the error of a failed
/// change.
pub async fn disable(clients: &Clients, request: &DisableRequest) -> Result<Vec<Change>> {
    let status = status(clients).await?;
    require_management(&status, "disable")?;

    let mut changes = Vec::new();
    for feature in Feature::ALL {
        if request.features.contains(&feature) && status.has_feature(feature) {
            let action = match feature {
                Feature::RootCredentialsManagement => {
                    "DisableOrganizationsRootCredentialsManagement"
                }
                Feature::RootSessions => "DisableOrganizationsRootSessions",
            };
            changes.push(change(action, format!("turn off the {feature} feature")));
        }
    }
    if let Some(account) = &request.delegated_admin {
        let registered = status
            .delegated_administrators
            .as_ref()
            .is_some_and(|administrators| administrators.iter().any(|id| id == account.as_str()));
        if registered {
            changes.push(change(
                "DeregisterDelegatedAdministrator",
                format!("deregister account {account} as the delegated administrator for IAM"),
            ));
        }
    }
    if request.trusted_access && status.trusted_access != Some(false) {
        changes.push(change(
            "DisableAWSServiceAccess",
            format!("turn off trusted access for {IAM_SERVICE_PRINCIPAL}"),
        ));
    }

    if !request.plan_only {
        for change in &mut changes {
            apply(clients, change, request.delegated_admin.as_ref()).await?;
        }
    }
    Ok(changes)
}

/// Drops a successful output and extracts the code of an error.
fn completed<T, E>(result: Result<T, SdkError<E, HttpResponse>>) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    result.map(drop).map_err(|error| AwsError::from_sdk(&error))
}

/// Makes one planned change.
async fn apply(
    clients: &Clients,
    change: &mut Change,
    delegated_admin: Option<&AccountId>,
) -> Result<()> {
    let organizations = &clients.organizations;
    let iam = &clients.iam;
    let account = delegated_admin.map(AccountId::as_str).unwrap_or_default();
    let result = match change.action {
        "EnableAWSServiceAccess" => completed(
            organizations
                .enable_aws_service_access()
                .service_principal(IAM_SERVICE_PRINCIPAL)
                .send()
                .await,
        ),
        "DisableAWSServiceAccess" => completed(
            organizations
                .disable_aws_service_access()
                .service_principal(IAM_SERVICE_PRINCIPAL)
                .send()
                .await,
        ),
        "RegisterDelegatedAdministrator" => completed(
            organizations
                .register_delegated_administrator()
                .account_id(account)
                .service_principal(IAM_SERVICE_PRINCIPAL)
                .send()
                .await,
        ),
        "DeregisterDelegatedAdministrator" => completed(
            organizations
                .deregister_delegated_administrator()
                .account_id(account)
                .service_principal(IAM_SERVICE_PRINCIPAL)
                .send()
                .await,
        ),
        "EnableOrganizationsRootCredentialsManagement" => completed(
            iam.enable_organizations_root_credentials_management()
                .send()
                .await,
        ),
        "EnableOrganizationsRootSessions" => {
            completed(iam.enable_organizations_root_sessions().send().await)
        }
        "DisableOrganizationsRootCredentialsManagement" => completed(
            iam.disable_organizations_root_credentials_management()
                .send()
                .await,
        ),
        "DisableOrganizationsRootSessions" => {
            completed(iam.disable_organizations_root_sessions().send().await)
        }
        other => unreachable!("no planned change has the action {other}"),
    };
    match result {
        Ok(()) => {
            change.applied = true;
            tracing::info!(action = change.action, "organization setting changed");
            Ok(())
        }
        Err(error) => Err(error.into_error(change.action)),
    }
}
