//! Huawei Cloud regions served by the VPN v5 API, and their endpoints.

use crate::error::Error;

/// The regions where Huawei Cloud's VPN v5 service (and so this API) is offered.
pub const REGIONS: [&str; 31] = [
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "sa-brazil-1",
    "la-south-2",
    "la-north-2",
    "cn-north-9",
    "cn-southwest-2",
    "ae-ad-1",
    "eu-west-101",
    "tr-west-1",
    "na-mexico-1",
    "me-east-1",
    "cn-east-5",
    "af-south-1",
    "ru-moscow-1",
    "cn-south-4",
    "cn-north-12",
    "cn-east-4",
    "cn-southwest-3",
    "cn-south-2",
    "cn-north-2",
    "cn-north-11",
    "af-north-1",
];

/// The HTTPS endpoint of the VPN service in `region`, e.g.
/// `https://vpn.cn-north-4.myhuaweicloud.com`.
///
/// An unknown region is an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
/// error that names the closest known regions.
pub fn endpoint(region: &str) -> Result<String, Error> {
    Ok(format!("https://vpn.{}.myhuaweicloud.com", known(region)?))
}

/// The HTTPS endpoint of IAM in `region` (where the project ID is looked up), e.g.
/// `https://iam.cn-north-4.myhuaweicloud.com`.
pub(crate) fn iam_endpoint(region: &str) -> Result<String, Error> {
    Ok(format!("https://iam.{}.myhuaweicloud.com", known(region)?))
}

/// The known region `region` names (surrounding space and case ignored), or an error that
/// names the closest known ones.
pub(crate) fn known(region: &str) -> Result<&'static str, Error> {
    let region = region.trim();
    if let Some(known) = REGIONS.iter().find(|r| r.eq_ignore_ascii_case(region)) {
        return Ok(known);
    }
    let suggestions = closest(region);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(" or "))
    };
    Err(Error::invalid_input(format!(
        "unknown region {region:?}{hint} (known: {}; for any other, pass an endpoint URL)",
        REGIONS.join(", ")
    )))
}

/// Up to three known regions closest to `region` by edit distance.
fn closest(region: &str) -> Vec<&'static str> {
    let wanted = region.to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static str)> = REGIONS
        .iter()
        .map(|r| (strsim::damerau_levenshtein(&wanted, r), *r))
        .filter(|(d, _)| *d <= 4)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_map_to_endpoints() {
        assert_eq!(REGIONS.len(), 31);
        assert_eq!(
            endpoint("ap-southeast-3").expect("known"),
            "https://vpn.ap-southeast-3.myhuaweicloud.com"
        );
        let mut unique = REGIONS.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), REGIONS.len());
    }

    #[test]
    fn unknown_region_suggests_closest() {
        let msg = endpoint("cn-nort-4").expect_err("typo").to_string();
        assert!(msg.contains("\"cn-nort-4\""), "{msg}");
        assert!(msg.contains("cn-north-4"), "{msg}");
        assert_eq!(known(" CN-North-4 ").expect("case"), "cn-north-4");
        assert_eq!(
            iam_endpoint("ap-southeast-1").expect("known"),
            "https://iam.ap-southeast-1.myhuaweicloud.com"
        );
        let msg = endpoint("mars-1").expect_err("unknown").to_string();
        assert!(msg.contains("unknown region"), "{msg}");
        assert!(
            msg.contains("af-north-1") && msg.contains("endpoint URL"),
            "{msg}"
        );
    }
}
