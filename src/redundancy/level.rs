//! Redundancy levels (spec §5.1): how many parity children each intermediate chunk carries and how
//! many dispersed replicas the root gets.

use std::fmt;
use std::str::FromStr;

/// A redundancy level, 0 (none) to 4 (paranoid).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No parities, no replicas.
    #[default]
    None = 0,
    /// Designed for a 1 % chunk loss rate; 2 replicas.
    Medium = 1,
    /// Designed for 5 %; 4 replicas.
    Strong = 2,
    /// Designed for 10 %; 8 replicas.
    Insane = 3,
    /// Designed for 50 %; 16 replicas.
    Paranoid = 4,
}

/// A level that is neither 0–4 nor one of the level names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid redundancy level {0:?}: want 0-4 or none, medium, strong, insane, paranoid")]
pub struct LevelParseError(pub String);

impl Level {
    /// Every level, in increasing order.
    pub const ALL: [Level; 5] = [
        Level::None,
        Level::Medium,
        Level::Strong,
        Level::Insane,
        Level::Paranoid,
    ];

    /// The level with this number, if it is 0–4.
    pub fn from_u8(value: u8) -> Option<Level> {
        Level::ALL.get(usize::from(value)).copied()
    }

    /// The level's number, 0–4.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The level's lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Medium => "medium",
            Level::Strong => "strong",
            Level::Insane => "insane",
            Level::Paranoid => "paranoid",
        }
    }

    /// How many dispersed replicas of the root an upload at this level writes (bee's `replicaCounts`).
    pub fn replica_count(self) -> usize {
        match self {
            Level::None => 0,
            Level::Medium => 2,
            Level::Strong => 4,
            Level::Insane => 8,
            Level::Paranoid => 16,
        }
    }

    /// The chunk loss rate the level is designed for (bee's comments: 1 %, 5 %, 10 %, 50 %).
    pub fn design_loss_rate(self) -> f64 {
        match self {
            Level::None => 0.0,
            Level::Medium => 0.01,
            Level::Strong => 0.05,
            Level::Insane => 0.10,
            Level::Paranoid => 0.50,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = LevelParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Ok(n) = t.parse::<u8>() {
            return Level::from_u8(n).ok_or_else(|| LevelParseError(s.to_string()));
        }
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| LevelParseError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_names() {
        assert_eq!("0".parse::<Level>(), Ok(Level::None));
        assert_eq!("4".parse::<Level>(), Ok(Level::Paranoid));
        assert_eq!("Strong".parse::<Level>(), Ok(Level::Strong));
        assert_eq!("INSANE".parse::<Level>(), Ok(Level::Insane));
        assert_eq!("5".parse::<Level>(), Err(LevelParseError("5".to_string())));
        assert!("-1".parse::<Level>().is_err());
        assert!("high".parse::<Level>().is_err());
    }
}
