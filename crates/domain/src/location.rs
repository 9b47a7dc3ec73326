//! Where a sale happened.

use std::fmt;

use serde::Serialize;

use crate::ValueError;

/// The business's two sales channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Location {
    /// `Online Store`
    #[serde(rename = "Online Store")]
    OnlineStore,
    /// `Golf - experience`
    #[serde(rename = "Golf - experience")]
    GolfExperience,
}

impl Location {
    /// Every location, in the order the messages list them.
    pub const ALL: [Location; 2] = [Location::OnlineStore, Location::GolfExperience];

    const ALLOWED: &'static str = "Online Store or Golf - experience";

    /// Accepts the exact spelling of the exports (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValueError::Missing);
        }
        Location::ALL
            .into_iter()
            .find(|location| location.as_str() == text)
            .ok_or(ValueError::UnknownLocation {
                allowed: Location::ALLOWED,
            })
    }

    /// The spelling used in exports, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::OnlineStore => "Online Store",
            Location::GolfExperience => "Golf - experience",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_two_known_locations() {
        assert_eq!(Location::parse("Online Store"), Ok(Location::OnlineStore));
        assert_eq!(
            Location::parse(" Golf - experience "),
            Ok(Location::GolfExperience)
        );
    }

    #[test]
    fn rejects_any_other_location_naming_the_allowed_ones() {
        let error = Location::parse("Gym").unwrap_err();
        assert_eq!(
            error.to_string(),
            "is not a known location (Online Store or Golf - experience)"
        );
        assert_eq!(Location::parse(""), Err(ValueError::Missing));
    }
}
