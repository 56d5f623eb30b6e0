//! `check` (is a file still safe?) and `repair` (make it safe again), on the local store or through
//! `--peer`. The walk and the rebuild are the library's ([`swarmec::file::repair`]); this file
//! connects, prints and picks the exit code.

use serde_json::json;

use swarmec::file::inspect::{inspect_with, InspectOptions, Inspection, RepairMode};
use swarmec::file::repair::{repair as repair_tree, RepairReport};
use swarmec::file::{JoinError, JoinOptions};
use swarmec::net::Session;
use swarmec::redundancy::Level;
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, SlotStore};

use super::args::{DataDir, Peer, Walk};
use super::failure::Failure;
use super::files::parse_reference;
use super::net::connect;
use super::output::{print_line, to_json};
use super::store::open_store;

/// Where a walk reads (and a repair writes): the local store or a session with a node.
enum Target {
    Local(SlotStore),
    Network(Box<Session>),
}

impl Target {
    fn open(dir: &DataDir, peer: &Peer, batch: Option<&str>) -> Result<Target, Failure> {
        let Some(address) = &peer.peer else {
            return Ok(Target::Local(open_store(dir)?));
        };
        let stamper = batch
            .map(|b| super::stamp::stamper(dir, Some(b), "repair"))
            .transpose()?;
        let mut session = connect(address, peer.network_id)?;
        if let Some(stamper) = stamper {
            session = session.with_stamper(stamper);
        }
        Ok(Target::Network(Box::new(session)))
    }

    fn store(&self) -> &dyn ChunkStore {
        match self {
            Target::Local(store) => store,
            Target::Network(session) => session.store(),
        }
    }

    fn options(&self, walk: &Walk) -> InspectOptions {
        let origin = match self {
            Target::Local(_) => JoinOptions::default().origin,
            Target::Network(s) => s.peer_overlay().unwrap_or_else(|| s.overlay()),
        };
        InspectOptions {
            join: JoinOptions {
                origin,
                ..JoinOptions::default()
            },
            max_chunks: walk.max_chunks,
            replica_level: walk.replica_level,
            ..InspectOptions::default()
        }
    }

    fn close(self) -> Result<(), Failure> {
        match self {
            Target::Local(store) => Ok(store.sync()?),
            Target::Network(session) => Ok(session.close()?),
        }
    }
}

/// A root that cannot be had says so plainly; other failures as they are.
fn walk_failure(e: JoinError, reference: &Reference) -> Failure {
    match e {
        JoinError::NotFound { address } | JoinError::Corrupt { address }
            if address == reference.address =>
        {
            Failure::runtime(format!(
                "the root chunk {address} cannot be retrieved, nor any of its replicas: the file is lost"
            ))
        }
        e => e.into(),
    }
}

fn level_name(level: u8) -> &'static str {
    Level::from_u8(level).map_or("?", Level::name)
}

/// The text report of a check.
fn check_text(report: &Inspection) -> String {
    let mut text = format!(
        "reference {}\nsize      {} bytes\nlevel     {}\nroot      {}\nreplicas  {} of {} retrievable (level {})\n",
        report.reference,
        report.size,
        level_name(report.level),
        if report.root_retrievable {
            "retrievable"
        } else {
            "missing (read from a replica)"
        },
        report.replicas.retrievable,
        report.replicas.addresses.len(),
        level_name(report.replicas.level),
    );
    for n in &report.nodes {
        text.push_str(&format!(
            "{}{} data {}/{} parity {}/{} margin {}\n",
            "  ".repeat(n.depth),
            n.address,
            n.data_retrievable,
            n.data.len(),
            n.parity_retrievable,
            n.parity.len(),
            n.margin
        ));
    }
    let lost = report.nodes.iter().filter(|n| n.margin < 0).count();
    if lost > 0 {
        text.push_str(&format!(
            "NOT RECOVERABLE: {lost} group(s) lost more children than they have parities\n"
        ));
    } else if report.is_complete() {
        text.push_str("complete: every chunk and replica is retrievable\n");
    } else {
        text.push_str(&format!(
            "recoverable: {} chunk(s) and {} replica(s) missing; `swarmec repair` puts them back\n",
            report.missing.len(),
            report.replicas.missing.len()
        ));
    }
    text
}

/// The failure when groups are beyond repair.
fn beyond_repair(report: &Inspection) -> Option<Failure> {
    let first = report.nodes.iter().find(|n| n.margin < 0)?;
    Some(Failure::runtime(format!(
        "chunk {} cannot be recovered: {} of its {} children are missing and it has {} parities",
        first.address,
        first.missing.len(),
        first.data.len() + first.parity.len(),
        first.parity.len()
    )))
}

/// `check`: exit 0 when every group is recoverable, 1 otherwise.
pub fn check(reference: &str, walk: &Walk, dir: &DataDir, peer: &Peer) -> Result<(), Failure> {
    let reference = parse_reference(reference)?;
    let target = Target::open(dir, peer, None)?;
    let result = inspect_with(target.store(), &reference, target.options(walk));
    target.close()?;
    let report = result.map_err(|e| walk_failure(e, &reference))?;
    if walk.json {
        print_line(&to_json(&report)?)?;
    } else {
        print_line(check_text(&report).trim_end())?;
    }
    match beyond_repair(&report) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

fn repair_text(report: &RepairReport) -> String {
    let c = &report.counts;
    let mut text = format!(
        "re-pushed {} chunks: root {}, replicas {}, intermediate {}, data {}, parity {}\n",
        c.total(),
        c.root,
        c.replicas,
        c.intermediate,
        c.data,
        c.parity
    );
    for u in &report.unrecoverable {
        text.push_str(&format!("beyond repair: {u}\n"));
    }
    text
}

/// `repair`: rebuilds and writes back every missing chunk it can; exit 1 when a group was beyond
/// repair.
pub fn repair(
    reference: &str,
    batch: Option<&str>,
    walk: &Walk,
    dir: &DataDir,
    peer: &Peer,
) -> Result<(), Failure> {
    let reference = parse_reference(reference)?;
    if peer.peer.is_some() && batch.is_none() {
        return Err(Failure::usage(
            "repair --peer needs --stamp BATCH: every chunk pushed carries a postage stamp",
        ));
    }
    let target = Target::open(dir, peer, batch)?;
    let result = repair_tree(
        target.store(),
        &reference,
        target.options(walk),
        RepairMode::Missing,
    );
    target.close()?;
    let report = result.map_err(|e| walk_failure(e, &reference))?;
    if walk.json {
        let line = json!({
            "reference": report.before.reference,
            "counts": report.counts,
            "pushed": report.pushed,
            "unrecoverable": report.unrecoverable,
        });
        print_line(&line.to_string())?;
    } else {
        print_line(repair_text(&report).trim_end())?;
    }
    match beyond_repair(&report.before) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}
