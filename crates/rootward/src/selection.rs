//! Account selection: the accounts a run targets, and the reason every other account is left out.
//!
//! The targets are the union of the listed accounts and the accounts under the listed OUs (all
//! accounts when neither is given). Exclusions by account ID and by OU are then subtracted, and
//! exclusion wins. Only active accounts are targets, and never the management account. Every
//! account left out becomes a [`Target::Skip`] with its reason, so reports account for it.

use std::collections::{HashMap, HashSet};

use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::account::{Account, AccountId, OuId};
use crate::clients::Clients;
use crate::error::{Error, Result};
use crate::organization::{self, OrganizationInfo};
use crate::outcome::Reason;

/// How many organization reads run at once while the selection is checked.
const LOOKUP_CONCURRENCY: usize = 8;

/// Up to this many named accounts are looked up one by one; more are found in one listing.
const DESCRIBE_LIMIT: usize = 20;

/// An account with the decision whether to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Start a root session in this account.
    Run(Account),
    /// Leave the account out, for this reason.
    Skip(Account, Reason),
}

impl Target {
    /// Returns the account, whatever the decision.
    pub fn account(&self) -> &Account {
        match self {
            Self::Run(account) | Self::Skip(account, _) => account,
        }
    }
}

/// The accounts and OUs a run includes and excludes, before they are checked against the
/// organization.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    accounts: Vec<AccountId>,
    ous: Vec<OuId>,
    exclude_accounts: Vec<AccountId>,
    exclude_ous: Vec<OuId>,
    duplicates: Vec<AccountId>,
}

impl AccountFilter {
    /// Creates a filter that selects every account of the organization.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds accounts to the targets. A repeated ID is kept once and listed by
    /// [`duplicate_accounts`](Self::duplicate_accounts).
    pub fn accounts(mut self, ids: impl IntoIterator<Item = AccountId>) -> Self {
        for id in ids {
            if self.accounts.contains(&id) {
                self.duplicates.push(id);
            } else {
                self.accounts.push(id);
            }
        }
        self
    }

    /// Adds OUs (or roots) whose accounts, nested OUs included, become targets.
    pub fn ous(mut self, ids: impl IntoIterator<Item = OuId>) -> Self {
        for id in ids {
            if !self.ous.contains(&id) {
                self.ous.push(id);
            }
        }
        self
    }

    /// Excludes accounts by ID.
    pub fn exclude_accounts(mut self, ids: impl IntoIterator<Item = AccountId>) -> Self {
        for id in ids {
            if !self.exclude_accounts.contains(&id) {
                self.exclude_accounts.push(id);
            }
        }
        self
    }

    /// Excludes every account under these OUs, nested OUs included.
    pub fn exclude_ous(mut self, ids: impl IntoIterator<Item = OuId>) -> Self {
        for id in ids {
            if !self.exclude_ous.contains(&id) {
                self.exclude_ous.push(id);
            }
        }
        self
    }

    /// Account IDs that were given more than once; each is processed once.
    pub fn duplicate_accounts(&self) -> &[AccountId] {
        &self.duplicates
    }

    /// Checks every named account and OU against the organization and builds the selection.
    ///
    /// # Errors
    ///
    /// [`Error::NotInOrganization`] when an account or OU is not in the organization; any
    /// error of the Organizations calls.
    pub async fn resolve(
        &self,
        clients: &Clients,
        organization: &OrganizationInfo,
    ) -> Result<Selection> {
        let client = &clients.organizations;
        let not_in_organization = |kind: &'static str, id: String| Error::NotInOrganization {
            kind,
            id,
            organization_id: organization.id.clone(),
        };

        let named_accounts: Vec<AccountId> = self
            .accounts
            .iter()
            .chain(&self.exclude_accounts)
            .cloned()
            .collect();
        let described = describe_accounts(client, named_accounts).await?;
        let mut explicit = Vec::new();
        for (id, account) in described {
            let account = account.ok_or_else(|| not_in_organization("account", id.to_string()))?;
            if self.accounts.contains(&id) {
                explicit.push(account);
            }
        }

        for ou in self.ous.iter().chain(&self.exclude_ous) {
            if !organization::ou_exists(client, ou).await? {
                return Err(not_in_organization("organizational unit", ou.to_string()));
            }
        }

        let mut excluded_by_ou = HashMap::new();
        for ou in &self.exclude_ous {
            let mut accounts = organization::accounts_under(client.clone(), ou.clone()).boxed();
            while let Some(account) = accounts.try_next().await? {
                excluded_by_ou
                    .entry(account.id)
                    .or_insert_with(|| ou.clone());
            }
        }

        let rules = SelectionRules {
            management_account_id: organization.management_account_id.clone(),
            excluded_accounts: self.exclude_accounts.iter().cloned().collect(),
            excluded_by_ou,
        };
        let source = if explicit.is_empty() && self.ous.is_empty() {
            AccountSource::Organization(client.clone())
        } else {
            AccountSource::Union {
                client: client.clone(),
                accounts: explicit,
                ous: self.ous.clone(),
            }
        };
        Ok(Selection { source, rules })
    }
}

/// Looks up the named accounts: one `DescribeAccount` each for a short list, or one listing of
/// the organization for a long one, because `DescribeAccount` has a low request quota.
async fn describe_accounts(
    client: &aws_sdk_organizations::Client,
    ids: Vec<AccountId>,
) -> Result<Vec<(AccountId, Option<Account>)>> {
    if ids.len() <= DESCRIBE_LIMIT {
        return stream::iter(ids)
            .map(|id| async move {
                let account = organization::describe_account(client, &id).await?;
                Ok::<_, Error>((id, account))
            })
            .buffered(LOOKUP_CONCURRENCY)
            .try_collect()
            .await;
    }
    let wanted: HashSet<AccountId> = ids.iter().cloned().collect();
    let mut found: HashMap<AccountId, Account> = HashMap::new();
    let mut accounts = organization::list_accounts(client.clone()).boxed();
    while let Some(account) = accounts.try_next().await? {
        if wanted.contains(&account.id) {
            found.insert(account.id.clone(), account);
        }
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            let account = found.get(&id).cloned();
            (id, account)
        })
        .collect())
}

/// The origin of a run's accounts.
pub enum AccountSource {
    /// Every account of the organization (`ListAccounts`).
    Organization(aws_sdk_organizations::Client),
    /// Listed accounts plus the accounts under OUs (walked recursively), each once.
    Union {
        /// The Organizations client for the OU walk.
        client: aws_sdk_organizations::Client,
        /// Accounts already described.
        accounts: Vec<Account>,
        /// OUs or roots to walk.
        ous: Vec<OuId>,
    },
    /// Any stream of accounts, such as a fixed list.
    Stream(BoxStream<'static, Result<Account>>),
}

impl std::fmt::Debug for AccountSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Organization(_) => f.write_str("AccountSource::Organization"),
            Self::Union { accounts, ous, .. } => f
                .debug_struct("AccountSource::Union")
                .field("accounts", &accounts.len())
                .field("ous", ous)
                .finish(),
            Self::Stream(_) => f.write_str("AccountSource::Stream"),
        }
    }
}

impl AccountSource {
    /// Creates a source from a fixed list of accounts.
    pub fn list(accounts: Vec<Account>) -> Self {
        Self::Stream(stream::iter(accounts.into_iter().map(Ok)).boxed())
    }

    /// Streams the source's accounts.
    pub fn into_stream(self) -> BoxStream<'static, Result<Account>> {
        match self {
            Self::Organization(client) => organization::list_accounts(client).boxed(),
            Self::Union {
                client,
                accounts,
                ous,
            } => {
                let walks = stream::iter(ous)
                    .map(move |ou| organization::accounts_under(client.clone(), ou))
                    .flatten();
                let mut seen = HashSet::new();
                stream::iter(accounts.into_iter().map(Ok))
                    .chain(walks)
                    .try_filter(move |account| {
                        futures::future::ready(seen.insert(account.id.clone()))
                    })
                    .boxed()
            }
            Self::Stream(stream) => stream,
        }
    }
}

/// The rules that turn an account into a [`Target`].
#[derive(Debug, Clone, Default)]
pub struct SelectionRules {
    /// The management account, which is always skipped.
    pub management_account_id: String,
    /// Accounts excluded by ID.
    pub excluded_accounts: HashSet<AccountId>,
    /// Accounts excluded because they sit under an excluded OU, with that OU.
    pub excluded_by_ou: HashMap<AccountId, OuId>,
}

impl SelectionRules {
    /// Decides whether to act on `account`. This is the one place where accounts are skipped
    /// by the selection rules.
    pub fn classify(&self, account: Account) -> Target {
        if self.excluded_accounts.contains(&account.id) {
            return Target::Skip(account, Reason::Excluded);
        }
        if let Some(ou) = self.excluded_by_ou.get(&account.id) {
            let ou = ou.to_string();
            return Target::Skip(account, Reason::ExcludedOu { ou });
        }
        if account.id.as_str() == self.management_account_id {
            return Target::Skip(account, Reason::ManagementAccount);
        }
        if !account.state.is_active() {
            let state = account.state.to_string();
            return Target::Skip(account, Reason::NotActive { state });
        }
        Target::Run(account)
    }
}

/// The checked selection: a source of accounts and the rules that classify them.
#[derive(Debug)]
pub struct Selection {
    /// The origin of the accounts.
    pub source: AccountSource,
    /// The rules that classify each account.
    pub rules: SelectionRules,
}

impl Selection {
    /// Streams every account of the source, classified.
    pub fn into_targets(self) -> impl Stream<Item = Result<Target>> + Send + 'static {
        let rules = self.rules;
        self.source
            .into_stream()
            .map_ok(move |account| rules.classify(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountState;

    fn account(id: &str, state: AccountState) -> Account {
        Account {
            id: id.parse().unwrap(),
            name: format!("account {id}"),
            state,
        }
    }

    #[test]
    fn classify_applies_rules_in_order() {
        let mut rules = SelectionRules {
            management_account_id: "111111111111".to_owned(),
            ..SelectionRules::default()
        };
        rules
            .excluded_accounts
            .insert("222222222222".parse().unwrap());
        rules.excluded_by_ou.insert(
            "333333333333".parse().unwrap(),
            "ou-ab12-cd34ef56".parse().unwrap(),
        );

        let management = rules.classify(account("111111111111", AccountState::Active));
        assert!(matches!(
            management,
            Target::Skip(_, Reason::ManagementAccount)
        ));

        let excluded = rules.classify(account("222222222222", AccountState::Suspended));
        assert!(matches!(excluded, Target::Skip(_, Reason::Excluded)));

        let under_ou = rules.classify(account("333333333333", AccountState::Active));
        assert_eq!(
            under_ou,
            Target::Skip(
                account("333333333333", AccountState::Active),
                Reason::ExcludedOu {
                    ou: "ou-ab12-cd34ef56".to_owned()
                }
            )
        );

        let suspended = rules.classify(account("444444444444", AccountState::Suspended));
        assert!(matches!(
            suspended,
            Target::Skip(_, Reason::NotActive { .. })
        ));

        let active = rules.classify(account("555555555555", AccountState::Active));
        assert!(matches!(active, Target::Run(_)));
    }

    #[test]
    fn filter_reports_duplicates_once() {
        let id: AccountId = "123456789012".parse().unwrap();
        let filter = AccountFilter::new().accounts([id.clone(), id.clone(), id.clone()]);
        assert_eq!(filter.accounts, vec![id.clone()]);
        assert_eq!(filter.duplicate_accounts(), &[id.clone(), id]);
    }
}
