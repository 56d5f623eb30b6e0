//! The local chunk store: opening it, and `store list`, `store remove`, `store verify`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use swarmec::address::Address;
use swarmec::store::{ChunkStore, SlotStore};
use swarmec::{cac, soc};

use super::args::DataDir;
use super::failure::Failure;

/// The store in the data directory (one process at a time: the data file is locked). What opening
/// it found and did (a rebuilt index, chunks lost with a truncated file, a migration) goes to stderr.
pub fn open_store(dir: &DataDir) -> Result<SlotStore, Failure> {
    let store = SlotStore::open(&dir.path())?;
    for note in store.notes() {
        eprintln!("swarmec: {note}");
    }
    Ok(store)
}

/// `store list`: every stored address, one a line.
pub fn list(dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = None;
    store.iterate(&mut |a, _| match writeln!(out, "{a}") {
        Ok(()) => true,
        Err(e) => {
            err = Some(e);
            false
        }
    })?;
    if let Some(e) = err {
        return Err(Failure::io("writing", Path::new("stdout"), e));
    }
    out.flush()
        .map_err(|e| Failure::io("writing", Path::new("stdout"), e))
}

/// `store remove`: an address that is not stored is reported on stderr, not an error.
pub fn remove(addresses: &[String], dir: &DataDir) -> Result<(), Failure> {
    let parsed = addresses
        .iter()
        .map(|a| Address::from_hex(a).map_err(|e| Failure::usage(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let store = open_store(dir)?;
    for a in parsed {
        if !store.remove(&a)? {
            eprintln!("swarmec: chunk {a} is not stored");
        }
    }
    Ok(store.sync()?)
}

/// `store verify`: `bad ADDR` for every chunk that does not match its address, and exit 1 if any.
pub fn verify(dir: &DataDir) -> Result<(), Failure> {
    let store = open_store(dir)?;
    let mut total = 0u64;
    let mut bad = Vec::new();
    store.iterate(&mut |a, data| {
        total += 1;
        if !cac::is_valid(a, data) && !soc::is_valid_soc(a, data) {
            bad.push(*a);
        }
        true
    })?;
    for a in &bad {
        println!("bad {a}");
    }
    if io::stdout().is_terminal() || !bad.is_empty() {
        eprintln!("swarmec: {total} chunks checked, {} bad", bad.len());
    }
    match bad.first() {
        None => Ok(()),
        Some(first) => Err(Failure::runtime(format!(
            "{} of {total} stored chunks do not match their address (first: {first})",
            bad.len(),
        ))),
    }
}
