//! The models, computed without a store: `cost`, `table` and `durability`.

use serde_json::json;

use swarmec::redundancy::Level;
use swarmec::{cost, durability};

use super::failure::Failure;
use super::output::{print_line, to_json};

fn parse_size(size: &str) -> Result<u64, Failure> {
    cost::parse_size(size).map_err(|e| Failure::usage(e.to_string()))
}

/// A loss probability: `0.05` or `5%`.
fn parse_loss(loss: &str) -> Result<f64, Failure> {
    let t = loss.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (t, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(v) if (0.0..=scale).contains(&v) => Ok(v / scale),
        _ => Err(Failure::usage(format!(
            "invalid loss {loss:?}: want a probability from 0 to 1, or a percentage such as 5%"
        ))),
    }
}

/// `cost`: the exact chunks an upload of `size` writes.
pub fn cost_cmd(size: &str, level: Level, encrypt: bool, json: bool) -> Result<(), Failure> {
    let bytes = parse_size(size)?;
    let c = cost::upload_cost(bytes, level, encrypt).map_err(|e| Failure::usage(e.to_string()))?;
    print_line(&if json { to_json(&c)? } else { c.to_string() })
}

/// `table`: bee's parity table for one level, or all of them and a summary.
pub fn table_cmd(level: Option<Level>, encrypt: bool, json: bool) -> Result<(), Failure> {
    let levels: Vec<Level> = match level {
        Some(l) => vec![l],
        None => Level::ALL[1..].to_vec(),
    };
    if json {
        let v = match level {
            Some(l) => to_json(&cost::docs_table(l, encrypt))?,
            None => to_json(
                &levels
                    .iter()
                    .map(|&l| cost::DocsTable::new(l, encrypt))
                    .collect::<Vec<_>>(),
            )?,
        };
        return print_line(&v);
    }
    let mut text = String::new();
    for l in levels {
        text.push_str(&format!("{}\n", cost::DocsTable::new(l, encrypt)));
    }
    if level.is_none() {
        text.push_str(&cost::summary().to_string());
    }
    print_line(text.trim_end())
}

/// `durability`: the probability that the whole file is retrievable when each chunk is lost with
/// probability `loss`.
pub fn durability_cmd(
    size: &str,
    level: Level,
    loss: &str,
    encrypt: bool,
    derive: bool,
    json: bool,
) -> Result<(), Failure> {
    let bytes = parse_size(size)?;
    let p = parse_loss(loss)?;
    let d = durability::durability(bytes, level, encrypt, p)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let derived = if derive {
        Some(
            durability::derive_tables(durability::DESIGN_THRESHOLD)
                .map_err(|e| Failure::runtime(e.to_string()))?,
        )
    } else {
        None
    };
    if json {
        let v = match &derived {
            Some(dv) => to_json(&json!({ "durability": d, "derivation": dv }))?,
            None => to_json(&d)?,
        };
        return print_line(&v);
    }
    let mut text = d.to_string();
    if let Some(dv) = derived {
        text.push_str(&format!("\n{dv}"));
    }
    print_line(text.trim_end())
}
