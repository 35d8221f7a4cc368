//! Read-only queries of AWS Organizations: the organization, its accounts and its OU tree.

use std::collections::VecDeque;

use aws_sdk_organizations::types::Account as SdkAccount;
use aws_sdk_organizations::Client;
use futures::stream::{self, Stream, TryStreamExt};

use crate::account::{Account, AccountId, AccountState, OuId};
use crate::aws_error::AwsError;
use crate::error::{Error, Result};

/// The largest page `ListAccounts` and its relatives accept.
const PAGE_SIZE: i32 = 20;

/// The organization as `DescribeOrganization` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationInfo {
    /// The organization ID (`o-…`).
    pub id: String,
    /// The management account's ID.
    pub management_account_id: String,
    /// Whether the organization has all features enabled (`FeatureSet == ALL`).
    pub all_features: bool,
}

pub(crate) async fn describe_organization(client: &Client) -> Result<OrganizationInfo, AwsError> {
    let output = client
        .describe_organization()
        .send()
        .await
        .map_err(|error| AwsError::from_sdk(&error))?;
    let organization = output.organization();
    Ok(OrganizationInfo {
        id: organization
            .and_then(|organization| organization.id())
            .unwrap_or_default()
            .to_owned(),
        management_account_id: organization
            .and_then(|organization| organization.master_account_id())
            .unwrap_or_default()
            .to_owned(),
        all_features: organization
            .and_then(|organization| organization.feature_set())
            .is_some_and(|feature_set| feature_set.as_str() == "ALL"),
    })
}

/// Converts an SDK account, reading `State` and falling back to the retiring `Status`.
fn convert_account(account: &SdkAccount) -> Option<Account> {
    let id: AccountId = account.id()?.parse().ok()?;
    let state = account
        .state()
        .map(|state| state.as_str().to_owned())
        .or_else(|| account.status().map(|status| status.as_str().to_owned()))
        .map(AccountState::from)
        .unwrap_or_else(|| AccountState::Other("UNKNOWN".to_owned()));
    Some(Account {
        id,
        name: account.name().unwrap_or_default().to_owned(),
        state,
    })
}

/// Streams every account of the organization, one `ListAccounts` page at a time.
///
/// A page may be empty while more follow, so the stream ends only when `NextToken` is absent.
pub(crate) fn list_accounts(client: Client) -> impl Stream<Item = Result<Account>> + Send {
    stream::try_unfold(
        (client, Some(None::<String>)),
        |(client, next)| async move {
            let Some(token) = next else {
                return Ok::<_, Error>(None);
            };
            let output = client
                .list_accounts()
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(&error).into_error("ListAccounts"))?;
            let accounts: Vec<Result<Account>> = output
                .accounts()
                .iter()
                .filter_map(convert_account)
                .map(Ok)
                .collect();
            let next = output.next_token().map(|token| Some(token.to_owned()));
            Ok(Some((stream::iter(accounts), (client, next))))
        },
    )
    .try_flatten()
}

/// Describes one account; `None` when it is not in the organization.
pub(crate) async fn describe_account(client: &Client, id: &AccountId) -> Result<Option<Account>> {
    match client
        .describe_account()
        .account_id(id.as_str())
        .send()
        .await
    {
        Ok(output) => Ok(output.account().and_then(convert_account)),
        Err(error) => {
            let error = AwsError::from_sdk(&error);
            if error.code == "AccountNotFoundException" {
                Ok(None)
            } else {
                Err(error.into_error("DescribeAccount"))
            }
        }
    }
}

/// Reports whether an OU or root exists in the organization.
pub(crate) async fn ou_exists(client: &Client, ou: &OuId) -> Result<bool> {
    if ou.is_root() {
        let output = client
            .list_roots()
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error).into_error("ListRoots"))?;
        return Ok(output
            .roots()
            .iter()
            .any(|root| root.id() == Some(ou.as_str())));
    }
    match client
        .describe_organizational_unit()
        .organizational_unit_id(ou.as_str())
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(error) => {
            let error = AwsError::from_sdk(&error);
            if error.code == "OrganizationalUnitNotFoundException" {
                Ok(false)
            } else {
                Err(error.into_error("DescribeOrganizationalUnit"))
            }
        }
    }
}

async fn list_child_ous(client: &Client, parent: &OuId) -> Result<Vec<OuId>> {
    let mut children = Vec::new();
    let mut token = None;
    loop {
        let output = client
            .list_organizational_units_for_parent()
            .parent_id(parent.as_str())
            .max_results(PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|error| {
                AwsError::from_sdk(&error).into_error("ListOrganizationalUnitsForParent")
            })?;
        children.extend(
            output
                .organizational_units()
                .iter()
                .filter_map(|unit| unit.id()?.parse().ok()),
        );
        match output.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(children),
        }
    }
}

async fn list_accounts_for_parent(client: &Client, parent: &OuId) -> Result<Vec<Account>> {
    let mut accounts = Vec::new();
    let mut token = None;
    loop {
        let output = client
            .list_accounts_for_parent()
            .parent_id(parent.as_str())
            .max_results(PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(&error).into_error("ListAccountsForParent"))?;
        accounts.extend(output.accounts().iter().filter_map(convert_account));
        match output.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => return Ok(accounts),
        }
    }
}

/// Streams the accounts under an OU or root, including every nested OU.
///
/// `ListAccountsForParent` is not recursive, so this walks `ListOrganizationalUnitsForParent`
/// breadth first. It holds one OU's direct accounts at a time.
pub(crate) fn accounts_under(
    client: Client,
    ou: OuId,
) -> impl Stream<Item = Result<Account>> + Send {
    stream::try_unfold(
        (client, VecDeque::from([ou])),
        |(client, mut pending)| async move {
            let Some(parent) = pending.pop_front() else {
                return Ok::<_, Error>(None);
            };
            let accounts = list_accounts_for_parent(&client, &parent).await?;
            pending.extend(list_child_ous(&client, &parent).await?);
            let items: Vec<Result<Account>> = accounts.into_iter().map(Ok).collect();
            Ok(Some((stream::iter(items), (client, pending))))
        },
    )
    .try_flatten()
}
