//! Redundancy strategies (bee's `Swarm-Redundancy-Strategy`): how the getter fetches the children of
//! an intermediate chunk, and the order in which a failing strategy escalates.

use std::fmt;
use std::str::FromStr;

/// How the children of an intermediate chunk are fetched (bee's `Swarm-Redundancy-Strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// Data children only, no recovery.
    None = 0,
    /// Data children; recover on failure when fallback is on.
    #[default]
    Data = 1,
    /// Children in order of proximity to this node's address, until m arrived.
    Prox = 2,
    /// All m + k children at once; decode when any m arrived.
    Race = 3,
}

impl Strategy {
    /// Every strategy, in escalation order.
    pub const ALL: [Strategy; 4] = [
        Strategy::None,
        Strategy::Data,
        Strategy::Prox,
        Strategy::Race,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Data => "data",
            Strategy::Prox => "prox",
            Strategy::Race => "race",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A strategy that is neither 0–3 nor a strategy name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid strategy {0:?}: want none, data, prox, race or 0-3")]
pub struct StrategyParseError(pub String);

impl FromStr for Strategy {
    type Err = StrategyParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Ok(n) = t.parse::<usize>() {
            return Strategy::ALL
                .get(n)
                .copied()
                .ok_or_else(|| StrategyParseError(s.to_string()));
        }
        Strategy::ALL
            .into_iter()
            .find(|x| x.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| StrategyParseError(s.to_string()))
    }
}
