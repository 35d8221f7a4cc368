//! The checks before any account: who is calling, which organization, and whether the caller
//! may start root sessions. A misconfiguration gives one clear error instead of one failure per
//! account.

use crate::aws_error::AwsError;
use crate::clients::Clients;
use crate::error::{Error, Result};
use crate::organization::{self, OrganizationInfo};

/// The preflight's findings about the caller and the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The calling principal's ARN.
    pub caller_arn: String,
    /// The calling principal's account.
    pub caller_account_id: String,
    /// The organization.
    pub organization: OrganizationInfo,
    /// The organization features that are on (`RootCredentialsManagement`, `RootSessions`).
    pub enabled_features: Vec<String>,
}

impl Context {
    /// Reports whether the caller is in the management account (otherwise it is the delegated
    /// administrator for IAM).
    pub fn is_management_account(&self) -> bool {
        self.caller_account_id == self.organization.management_account_id
    }
}

/// The command that turns on what is missing, for messages.
const ENABLE_HINT: &str = "run `rootward enable --execute` from the management account";

/// Identifies the caller and checks that root sessions can start.
///
/// # Errors
///
/// [`Error::Preflight`] naming what is missing: credentials, organization membership, all
/// features, trusted access for `iam.amazonaws.com`, management or delegated-admin rights, or
/// the `RootSessions` feature.
pub async fn preflight(clients: &Clients) -> Result<Context> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| {
            let error = AwsError::from_sdk(&error);
            Error::Preflight {
                message: format!(
                    "could not identify the caller with sts:GetCallerIdentity ({}: {}); check the AWS credentials, --profile and --endpoint-url",
                    error.code, error.message
                ),
                code: Some(error.code),
            }
        })?;
    let caller_arn = identity.arn().unwrap_or_default().to_owned();
    let caller_account_id = identity.account().unwrap_or_default().to_owned();

    let organization = organization::describe_organization(&clients.organizations)
        .await
        .map_err(|error| {
            let message = match error.code.as_str() {
                "AWSOrganizationsNotInUseException" => format!(
                    "account {caller_account_id} is not a member of an organization; run rootward with credentials of the management account or of the delegated administrator for IAM"
                ),
                _ => format!(
                    "could not describe the organization ({}: {}); the caller needs organizations:DescribeOrganization",
                    error.code, error.message
                ),
            };
            Error::Preflight {
                message,
                code: Some(error.code),
            }
        })?;
    if !organization.all_features {
        return Err(Error::Preflight {
            message: format!(
                "organization {} does not have all features enabled, which centralized root access requires; enable all features in AWS Organizations first",
                organization.id
            ),
            code: Some("OrganizationNotInAllFeaturesModeException".to_owned()),
        });
    }

    let enabled_features =
        list_organizations_features(clients, &organization, &caller_account_id).await?;
    if !enabled_features
        .iter()
        .any(|feature| feature == "RootSessions")
    {
        return Err(Error::Preflight {
            message: format!(
                "the RootSessions feature is off in organization {}, so root sessions cannot start; {ENABLE_HINT}",
                organization.id
            ),
            code: None,
        });
    }

    Ok(Context {
        caller_arn,
        caller_account_id,
        organization,
        enabled_features,
    })
}

async fn list_organizations_features(
    clients: &Clients,
    organization: &OrganizationInfo,
    caller_account_id: &str,
) -> Result<Vec<String>> {
    let output = clients
        .iam
        .list_organizations_features()
        .send()
        .await
        .map_err(|error| {
            let error = AwsError::from_sdk(&error);
            let organization_id = &organization.id;
            let message = match error.code.as_str() {
                "ServiceAccessNotEnabledException" => format!(
                    "trusted access for iam.amazonaws.com is off in organization {organization_id}, so root sessions cannot start; {ENABLE_HINT}"
                ),
                "AccountNotManagementOrDelegatedAdministratorException" => format!(
                    "account {caller_account_id} is neither the management account nor the delegated administrator for IAM of organization {organization_id}; run rootward from the management account, or register this account with `rootward enable --delegated-admin {caller_account_id} --execute`"
                ),
                "OrganizationNotInAllFeaturesModeException" => format!(
                    "organization {organization_id} does not have all features enabled, which centralized root access requires; enable all features in AWS Organizations first"
                ),
                _ => format!(
                    "could not read the organization's root access features with iam:ListOrganizationsFeatures ({}: {}); the caller needs that permission",
                    error.code, error.message
                ),
            };
            Error::Preflight {
                message,
                code: Some(error.code),
            }
        })?;
    Ok(output
        .enabled_features()
        .iter()
        .map(|feature| feature.as_str().to_owned())
        .collect())
}
