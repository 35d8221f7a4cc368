//! AWS partitions and region names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The region used when neither the caller nor the AWS configuration names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// An AWS partition: the first field of every ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    /// The commercial partition, `aws`.
    Aws,
    /// The China partition, `aws-cn`.
    AwsCn,
    /// The AWS GovCloud (US) partition, `aws-us-gov`.
    AwsUsGov,
}

impl Partition {
    /// Returns the partition that contains `region`.
    pub fn for_region(region: &str) -> Self {
        if region.starts_with("cn-") {
            Self::AwsCn
        } else if region.starts_with("us-gov-") {
            Self::AwsUsGov
        } else {
            Self::Aws
        }
    }

    /// Returns the partition's name as it appears in ARNs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
        }
    }
}

impl FromStr for Partition {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        match name {
            "aws" => Ok(Self::Aws),
            "aws-cn" => Ok(Self::AwsCn),
            "aws-us-gov" => Ok(Self::AwsUsGov),
            other => Err(Error::invalid(format!(
                "unknown partition {other:?}: expected aws, aws-cn or aws-us-gov"
            ))),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks that `region` is a regional name such as `eu-west-1`.
///
/// `aws-global` is rejected on purpose: `sts:AssumeRoot` exists only on regional STS
/// endpoints, and the global endpoint answers `InvalidAction`.
pub fn validate_region(region: &str) -> Result<(), Error> {
    if region == "aws-global" {
        return Err(Error::invalid(
            "region aws-global selects the global STS endpoint, which does not offer sts:AssumeRoot; use a regional name such as us-east-1",
        ));
    }
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase()))
        && parts[parts.len() - 1]
            .bytes()
            .all(|byte| byte.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if well_formed {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid region {region:?}: expected a region name such as us-east-1 or eu-central-1"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_follows_region() {
        assert_eq!(Partition::for_region("us-east-1"), Partition::Aws);
        assert_eq!(Partition::for_region("cn-north-1"), Partition::AwsCn);
        assert_eq!(Partition::for_region("us-gov-west-1"), Partition::AwsUsGov);
    }

    #[test]
    fn region_validation() {
        for good in [
            "us-east-1",
            "eu-central-1",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(validate_region(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "us_east_1",
            "aws-global",
            "useast1",
            "us-east-1a",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }
}
