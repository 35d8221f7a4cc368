//! Member accounts, organizational units and their identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A 12-digit AWS account ID, validated on construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// Returns the ID as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        let trimmed = value.trim();
        if trimmed.len() == 12 && trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(Error::InvalidInput {
                message: format!(
                    "invalid account ID {value:?}: an AWS account ID is exactly 12 digits, such as 123456789012"
                ),
            })
        }
    }
}

impl TryFrom<String> for AccountId {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Error> {
        value.parse()
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ID of an organizational unit (`ou-…`) or of the organization's root (`r-…`).
///
/// Both can be the parent of accounts, so both are accepted wherever rootward takes an OU.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OuId(String);

impl OuId {
    /// Returns the ID as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reports whether this is the organization's root (`r-…`) rather than an OU.
    pub fn is_root(&self) -> bool {
        self.0.starts_with("r-")
    }
}

fn is_lower_alphanumeric(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte.is_ascii_lowercase())
}

impl FromStr for OuId {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        let trimmed = value.trim();
        // AWS's patterns: `^r-[0-9a-z]{4,32}$` and `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`.
        let valid = if let Some(rest) = trimmed.strip_prefix("ou-") {
            match rest.split_once('-') {
                Some((root, unit)) => {
                    (4..=32).contains(&root.len())
                        && (8..=32).contains(&unit.len())
                        && is_lower_alphanumeric(root)
                        && is_lower_alphanumeric(unit)
                }
                None => false,
            }
        } else if let Some(rest) = trimmed.strip_prefix("r-") {
            (4..=32).contains(&rest.len()) && is_lower_alphanumeric(rest)
        } else {
            false
        };
        if valid {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(Error::InvalidInput {
                message: format!(
                    "invalid organizational unit ID {value:?}: expected an OU ID such as ou-ab12-cd34ef56 or a root ID such as r-ab12"
                ),
            })
        }
    }
}

impl TryFrom<String> for OuId {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Error> {
        value.parse()
    }
}

impl From<OuId> for String {
    fn from(id: OuId) -> Self {
        id.0
    }
}

impl fmt::Display for OuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lifecycle state of a member account.
///
/// Organizations is retiring the `Status` field in favour of `State`; rootward reads `State`
/// and falls back to `Status` when `State` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum AccountState {
    /// The account is being created or invited and cannot be used yet.
    PendingActivation,
    /// The account is usable: the only state rootward acts on.
    Active,
    /// The account was suspended.
    Suspended,
    /// The account is being closed.
    PendingClosure,
    /// The account was closed.
    Closed,
    /// A state this version of rootward does not know, kept verbatim.
    Other(String),
}

impl AccountState {
    /// Returns the state's name as Organizations spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PendingActivation => "PENDING_ACTIVATION",
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::PendingClosure => "PENDING_CLOSURE",
            Self::Closed => "CLOSED",
            Self::Other(name) => name,
        }
    }

    /// Reports whether rootward may act on an account in this state.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active)
    }
}

impl From<String> for AccountState {
    fn from(name: String) -> Self {
        match name.as_str() {
            "PENDING_ACTIVATION" => Self::PendingActivation,
            "ACTIVE" => Self::Active,
            "SUSPENDED" => Self::Suspended,
            "PENDING_CLOSURE" => Self::PendingClosure,
            "CLOSED" => Self::Closed,
            _ => Self::Other(name),
        }
    }
}

impl From<AccountState> for String {
    fn from(state: AccountState) -> Self {
        state.as_str().to_owned()
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member account of the organization, as Organizations describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The account ID.
    pub id: AccountId,
    /// The account name; empty when Organizations gave none.
    #[serde(default)]
    pub name: String,
    /// The account's lifecycle state.
    pub state: AccountState,
}

impl Account {
    /// Creates an active account with the given ID and name.
    pub fn active(id: AccountId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            state: AccountState::Active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_accepts_twelve_digits() {
        let id: AccountId = " 123456789012 ".parse().unwrap();
        assert_eq!(id.as_str(), "123456789012");
    }

    #[test]
    fn account_id_rejects_malformed() {
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901a",
            "arn:aws:iam::1:root",
        ] {
            let error = bad.parse::<AccountId>().unwrap_err();
            assert!(error.to_string().contains("12 digits"), "{bad}: {error}");
        }
    }

    #[test]
    fn ou_id_accepts_ou_and_root() {
        assert!(!"ou-ab12-cd34ef56".parse::<OuId>().unwrap().is_root());
        assert!("r-ab12".parse::<OuId>().unwrap().is_root());
    }

    #[test]
    fn ou_id_rejects_malformed() {
        for bad in [
            "",
            "ou-",
            "ou-ab12",
            "ou-AB12-cd34ef56",
            "ou-ab12-cd3",
            "r-a",
            "123456789012",
        ] {
            assert!(bad.parse::<OuId>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn account_state_round_trips_unknown_names() {
        let state = AccountState::from("FROZEN".to_owned());
        assert_eq!(state, AccountState::Other("FROZEN".to_owned()));
        assert_eq!(String::from(state), "FROZEN");
        assert!(AccountState::from("ACTIVE".to_owned()).is_active());
    }
}
