//! The command line: `args` says what is parsed, `failure` how failures become exit codes, and
//! each group of commands has its file (`files`, `store`, `stamp`, `net`, `model`); `output` writes results.
//! This module only dispatches.

mod args;
mod check;
mod failure;
mod files;
mod manifests;
mod model;
mod net;
mod output;
mod progress;
mod stamp;
mod store;

pub use args::Args;
pub use failure::Failure;

use args::{Command, ManifestAction, Split, StampAction, StoreAction};
use files::DownloadRequest;
use swarmec::file::JoinOptions;

/// Runs one command.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Hash { file, split, json } => files::hash(&file, &split, json),
        Command::Upload {
            file,
            split,
            dir,
            peer,
            stamp,
            bzz,
        } => match &peer.peer {
            _ if manifests::wanted(&file, &bzz) => {
                manifests::upload(&file, &split, &dir, &peer, stamp.as_deref(), &bzz)
            }
            Some(address) => files::upload_peer(
                &file,
                &split,
                &dir,
                address,
                peer.network_id,
                stamp.as_deref(),
            ),
            None => files::upload(&file, &split, &dir),
        },
        Command::Download {
            reference,
            output,
            offset,
            length,
            strategy,
            no_fallback,
            no_write_back,
            repair,
            stamp,
            dir,
            peer,
            path,
        } => {
            let (reference, path) = manifests::split_target(&reference, path);
            let request = DownloadRequest {
                reference: &reference,
                output: output.as_deref(),
                offset,
                length,
                options: JoinOptions {
                    strategy,
                    fallback: !no_fallback,
                    write_back: !no_write_back,
                    ..JoinOptions::default()
                },
                repair,
                stamp: stamp.as_deref(),
            };
            match (path, peer.peer) {
                (Some(path), peer_address) => manifests::download(
                    request,
                    &path,
                    &dir,
                    peer_address.as_ref(),
                    peer.network_id,
                ),
                (None, Some(address)) => {
                    files::download_peer(request, &dir, &address, peer.network_id)
                }
                (None, None) => files::download(request, &dir),
            }
        }
        Command::Check {
            reference,
            walk,
            dir,
            peer,
        } => check::check(&reference, &walk, &dir, &peer),
        Command::Repair {
            reference,
            stamp,
            walk,
            dir,
            peer,
        } => check::repair(&reference, stamp.as_deref(), &walk, &dir, &peer),
        Command::Inspect {
            reference,
            json,
            max_chunks,
            dir,
        } => files::inspect_cmd(&reference, json, max_chunks, &dir),
        Command::Cost {
            size,
            files,
            level,
            encrypt,
            json,
            bzz,
        } => match (files, size) {
            (Some(path), _) => manifests::cost(&path, &Split { level, encrypt }, &bzz, json),
            (None, Some(size)) => model::cost_cmd(&size, level, encrypt, json),
            (None, None) => Err(Failure::usage("give a SIZE or --files PATH")),
        },
        Command::Table {
            level,
            encrypt,
            json,
        } => model::table_cmd(level, encrypt, json),
        Command::Durability {
            size,
            level,
            loss,
            encrypt,
            derive,
            json,
        } => model::durability_cmd(&size, level, &loss, encrypt, derive, json),
        Command::Node {
            dir,
            listen,
            bootstrap,
            replication,
            api,
            cors_allowed_origins,
            network_id,
            reserve_capacity,
            cache_capacity,
            storage_radius,
        } => net::node(
            &dir,
            net::NodeRequest {
                listen,
                bootstrap,
                replication,
                api,
                cors_allowed_origins,
                network_id,
                reserve_capacity,
                cache_capacity,
                storage_radius,
            },
        ),
        Command::Id {
            dir,
            import_bee_key,
            password_file,
            nonce,
        } => match (import_bee_key, password_file) {
            (Some(key), Some(password)) => {
                net::import_bee_key(&dir, &key, &password, nonce.as_deref())
            }
            _ => net::id(&dir),
        },
        Command::Manifest { action } => match action {
            ManifestAction::Ls {
                reference,
                json,
                dir,
            } => manifests::ls(&reference, json, &dir),
            ManifestAction::Get {
                reference,
                out,
                dir,
            } => manifests::get(&reference, &out, &dir),
        },
        Command::Store { action } => match action {
            StoreAction::List { dir } => store::list(&dir),
            StoreAction::Remove { addresses, dir } => store::remove(&addresses, &dir),
            StoreAction::Verify { dir } => store::verify(&dir),
        },
        Command::Stamp { action } => match action {
            StampAction::Create {
                depth,
                amount,
                immutable,
                label,
                dir,
            } => stamp::create(&dir, depth, amount, immutable, label),
            StampAction::List { json, dir } => stamp::list(&dir, json),
            StampAction::Show { id, json, dir } => stamp::show(&dir, &id, json),
        },
        Command::Api {
            listen,
            cors_allowed_origins,
            dir,
        } => net::api(listen, cors_allowed_origins, &dir),
    }
}
