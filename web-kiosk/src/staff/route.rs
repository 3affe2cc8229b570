//! The staff console's hash routes (`#/staff/families/3f9c…`), as pure
//! functions so they are tested natively. The console keeps its place in
//! the URL so a reload, the back button and a bookmark all land on the
//! same page.

/// Every staff hash starts with this.
pub const PREFIX: &str = "#/staff";

/// Where in the console a hash points.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffRoute {
    /// The tab's path segment (`families`); empty for `#/staff`.
    pub tab: String,
    /// Whatever follows the tab (`3f9c0a5e1b2d4c68`), without slashes at
    /// either end; empty when there is nothing.
    pub rest: String,
}

/// Whether the page's hash belongs to the staff console.
pub fn is_staff_hash(hash: &str) -> bool {
    hash == PREFIX || hash.starts_with("#/staff/") || hash.starts_with("#/staff?")
}

/// The route of a hash, or `None` for a hash that is not the console's.
pub fn parse_hash(hash: &str) -> Option<StaffRoute> {
    if !is_staff_hash(hash) {
        return None;
    }
    let path = hash[PREFIX.len()..].split('?').next().unwrap_or_default();
    let path = path.trim_matches('/');
    let (tab, rest) = path.split_once('/').unwrap_or((path, ""));
    Some(StaffRoute {
        tab: tab.to_owned(),
        rest: rest.trim_matches('/').to_owned(),
    })
}

/// The hash of a tab and what follows it.
pub fn href(tab: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("{PREFIX}/{tab}")
    } else {
        format!("{PREFIX}/{tab}/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(tab: &str, rest: &str) -> Option<StaffRoute> {
        Some(StaffRoute {
            tab: tab.to_owned(),
            rest: rest.to_owned(),
        })
    }

    #[test]
    fn staff_hashes_name_a_tab_and_what_follows() {
        assert_eq!(parse_hash("#/staff"), route("", ""));
        assert_eq!(parse_hash("#/staff/"), route("", ""));
        assert_eq!(parse_hash("#/staff/families"), route("families", ""));
        assert_eq!(
            parse_hash("#/staff/families/3f9c0a5e1b2d4c68/"),
            route("families", "3f9c0a5e1b2d4c68")
        );
        assert_eq!(parse_hash("#/staff/devices?x=1"), route("devices", ""));
        assert_eq!(parse_hash(""), None);
        assert_eq!(parse_hash("#/staffroom"), None);
        assert_eq!(parse_hash("#/kiosk"), None);
    }

    #[test]
    fn hrefs_parse_back_to_their_route() {
        assert_eq!(href("devices", ""), "#/staff/devices");
        assert_eq!(
            parse_hash(&href("families", "abc")),
            route("families", "abc")
        );
        assert!(is_staff_hash(&href("applications", "")));
    }
}
