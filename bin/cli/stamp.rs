//! `stamp create`, `stamp list`, `stamp show`: the batches of the data directory, owned by its
//! overlay key.

use serde::Serialize;

use std::sync::Arc;
use swarmec::net::{self, NetError};

use swarmec::net::pushsync::Stamper;
use swarmec::postage::BatchId;
use swarmec::stamps::{BatchStamper, BatchStatus, Origin, Postage};

use super::args::DataDir;
use super::failure::Failure;
use super::output::{print_line, to_json};

fn open(dir: &DataDir) -> Result<Postage, Failure> {
    let path = dir.path();
    let identity = net::identity::load_or_create_overlay(&path).map_err(NetError::from)?;
    Ok(Postage::open(&path, identity.key)?)
}

/// A batch as `list --json` and `show --json` print it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchJson {
    #[serde(rename = "batchID")]
    batch_id: String,
    owner: String,
    depth: u8,
    bucket_depth: u8,
    immutable: bool,
    amount: String,
    label: Option<String>,
    created: u64,
    origin: Origin,
    nonce: Option<String>,
    utilization: u32,
    usable: bool,
}

impl BatchJson {
    fn of(s: &BatchStatus) -> BatchJson {
        let r = &s.record;
        BatchJson {
            batch_id: hex::encode(r.batch.id),
            owner: r.batch.owner.to_hex(),
            depth: r.batch.depth,
            bucket_depth: r.batch.bucket_depth,
            immutable: r.batch.immutable,
            amount: r.amount.to_string(),
            label: r.label.clone(),
            created: r.created,
            origin: r.origin,
            nonce: r.nonce.map(hex::encode),
            utilization: s.utilization,
            usable: s.usable,
        }
    }
}

/// `stamp create`: prints the new batch id.
pub fn create(
    dir: &DataDir,
    depth: u8,
    amount: u128,
    immutable: bool,
    label: Option<String>,
) -> Result<(), Failure> {
    let record = open(dir)?.create(depth, amount, immutable, label)?;
    print_line(&hex::encode(record.batch.id))
}

/// `stamp list`: a line per batch (id, depth, amount, mutability, label), or a JSON array.
pub fn list(dir: &DataDir, json: bool) -> Result<(), Failure> {
    let postage = open(dir)?;
    let statuses = postage
        .batches
        .list()?
        .into_iter()
        .map(|r| postage.status(r))
        .collect::<Result<Vec<_>, _>>()?;
    if json {
        let all: Vec<BatchJson> = statuses.iter().map(BatchJson::of).collect();
        return print_line(&to_json(&all)?);
    }
    for s in &statuses {
        let r = &s.record;
        let mut line = format!(
            "{} depth {} amount {} {}",
            hex::encode(r.batch.id),
            r.batch.depth,
            r.amount,
            if r.batch.immutable {
                "immutable"
            } else {
                "mutable"
            }
        );
        if let Some(label) = &r.label {
            line.push_str(&format!(" label {label:?}"));
        }
        print_line(&line)?;
    }
    Ok(())
}

fn parse_id(id: &str) -> Result<BatchId, Failure> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(id, &mut bytes)
        .map_err(|_| Failure::usage(format!("batch id {id:?}: want 64 hex characters")))?;
    Ok(bytes)
}

/// The stamper of `upload --peer --stamp ID`: one of the data directory's own batches, not full.
pub fn stamper(
    dir: &DataDir,
    id: Option<&str>,
    command: &str,
) -> Result<Arc<dyn Stamper>, Failure> {
    let id = id.ok_or_else(|| {
        Failure::usage(format!(
            "{command} --peer needs --stamp BATCH: every chunk on the network carries a postage stamp \
             (create a batch with `swarmec stamp create --depth 20 --amount 1`)"
        ))
    })?;
    let bytes = parse_id(id)?;
    let postage = open(dir)?;
    Ok(Arc::new(BatchStamper::new(&postage, &bytes)?))
}

/// `stamp show ID`: exit 1 when the batch is not stored.
pub fn show(dir: &DataDir, id: &str, json: bool) -> Result<(), Failure> {
    let bytes = parse_id(id)?;
    let postage = open(dir)?;
    let record = postage
        .batches
        .get(&bytes)?
        .ok_or_else(|| Failure::runtime(format!("batch {id} not found")))?;
    let s = postage.status(record)?;
    let j = BatchJson::of(&s);
    if json {
        return print_line(&to_json(&j)?);
    }
    let origin = match j.origin {
        Origin::Local => "local",
        Origin::Learned => "learned",
    };
    print_line(&format!(
        "batch {}\nowner 0x{}\ndepth {}\nbucket_depth {}\nimmutable {}\namount {}\nlabel {}\ncreated {}\norigin {origin}\nutilization {}\nusable {}",
        j.batch_id,
        j.owner,
        j.depth,
        j.bucket_depth,
        j.immutable,
        j.amount,
        j.label.as_deref().unwrap_or(""),
        j.created,
        j.utilization,
        j.usable,
    ))
}
