//! Target `net_frames`: every network message decoder, as a peer's bytes reach it.
//!
//! Each input is decoded as every message type of [`crate::net::protocol`], both as a bare body
//! ([`Wire::decode`]) and as a length-prefixed frame read from a stream ([`read_frame`]). A decoded
//! message must encode back to exactly the bytes it came from (a message has one wire form) within
//! its type's limit; the checks a node then applies to what it received run too: receipt signatures
//! and peer ids ([`verify_receipt`], [`receipt_peer`], [`public_key_of_peer`]) and chunk validity
//! ([`soc::is_valid_chunk`]).
//!
//! Input: a selector byte (low bit: body or frame; the rest: which message type, or all of them),
//! then the bytes. A message type added to the protocol gets a line in [`decode_all`] in the same
//! change.

use std::fmt::Debug;

use super::input::Output;
use crate::cac::Chunk;
use crate::net::identity::public_key_of_peer;
use crate::net::protocol::{
    read_frame, write_frame, PushKind, PushRequest, PushResponse, Receipt, Wire,
};
use crate::net::pushsync::{receipt_peer, verify_receipt};
use crate::soc;

/// The message types, in selector order.
pub const MESSAGES: [&str; 2] = ["push-request", "push-response"];

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let framed = selector & 1 == 1;
    let which = usize::from(selector >> 1);
    decode_all(which, framed, body);
}

/// Decodes `body` as message type `which` (or every type when `which` is past the last).
fn decode_all(which: usize, framed: bool, body: &[u8]) {
    let all = which >= MESSAGES.len();
    if all || which == 0 {
        if let Some(m) = one::<PushRequest>(framed, body) {
            let _ = soc::is_valid_chunk(&m.address, &m.data);
            assert!(matches!(m.kind, PushKind::Push | PushKind::Replicate));
        }
    }
    if all || which == 1 {
        if let Some(PushResponse::Receipts(receipts)) = one::<PushResponse>(framed, body) {
            for r in &receipts {
                let _ = verify_receipt(r, &r.address);
                if let Some(peer) = receipt_peer(r) {
                    let _ = public_key_of_peer(&peer);
                }
            }
        }
    }
}

/// Decodes one message, checks it encodes back to its bytes, and returns it.
fn one<T: Wire + PartialEq + Debug>(framed: bool, bytes: &[u8]) -> Option<T> {
    let (message, body) = if framed {
        let mut reader = bytes;
        let message = futures::executor::block_on(read_frame::<T, _>(&mut reader)).ok()?;
        let len = u32::from_be_bytes(bytes[..4].try_into().ok()?) as usize;
        (message, &bytes[4..4 + len])
    } else {
        (T::decode(bytes)?, bytes)
    };
    let encoded = message.encode();
    assert!(
        encoded.len() <= T::MAX_LEN,
        "encoded message over its limit"
    );
    assert_eq!(
        encoded, body,
        "{message:?} does not encode back to its bytes"
    );
    assert_eq!(T::decode(&encoded).as_ref(), Some(&message));
    // And through a frame.
    let mut frame = Vec::new();
    futures::executor::block_on(write_frame(
        &mut futures::io::Cursor::new(&mut frame),
        &message,
    ))
    .expect("writing into memory");
    let mut reader = frame.as_slice();
    let back = futures::executor::block_on(read_frame::<T, _>(&mut reader)).ok();
    assert_eq!(back.as_ref(), Some(&message), "frame round trip");
    Some(message)
}

/// Seed inputs: one valid message of each type, bare and framed, and a few near misses.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let small = Chunk::new(b"small").expect("fits");
    let full = Chunk::new(&[9; 4096]).expect("fits");
    let replica = Chunk::new(b"root")
        .ok()
        .and_then(|r| {
            crate::replicas::make_replicas(&r.address, &r.data, crate::redundancy::Level::Medium)
                .ok()
        })
        .and_then(|v| v.into_iter().next());
    // A receipt signed as a node signs it: its libp2p key over the domain and the address.
    let key = libp2p::identity::Keypair::ed25519_from_bytes([7u8; 32]).expect("32 bytes");
    let mut message = crate::net::protocol::RECEIPT_DOMAIN.to_vec();
    message.extend_from_slice(&small.address.0);
    let signature = key.sign(&message).expect("ed25519 signs");
    let receipt = Receipt {
        address: small.address,
        peer_id: key.public().to_peer_id().to_bytes(),
        signature,
    };
    let mut messages: Vec<(&str, usize, Vec<u8>)> = vec![
        (
            "push",
            0,
            PushRequest {
                kind: PushKind::Push,
                address: small.address,
                data: small.data.clone(),
            }
            .encode(),
        ),
        (
            "push-full",
            0,
            PushRequest {
                kind: PushKind::Push,
                address: full.address,
                data: full.data.clone(),
            }
            .encode(),
        ),
        (
            "receipts",
            1,
            PushResponse::Receipts(vec![receipt.clone(), receipt]).encode(),
        ),
        ("error", 1, PushResponse::Error("full".into()).encode()),
        ("bad-count", 1, vec![0, 17]),
    ];
    if let Some(r) = replica {
        messages.push((
            "replicate-soc",
            0,
            PushRequest {
                kind: PushKind::Replicate,
                address: r.address,
                data: r.data.clone(),
            }
            .encode(),
        ));
    }
    for (name, which, body) in messages {
        let mut bare = Output::new();
        bare.u8((which as u8) << 1).bytes(&body);
        seeds.push((format!("{}-{name}", MESSAGES[which]), bare.finish()));
        let mut framed = Output::new();
        framed
            .u8((which as u8) << 1 | 1)
            .bytes(&(body.len() as u32).to_be_bytes())
            .bytes(&body);
        seeds.push((
            format!("{}-{name}-framed", MESSAGES[which]),
            framed.finish(),
        ));
    }
    let mut huge = Output::new();
    huge.u8(3).bytes(&u32::MAX.to_be_bytes());
    seeds.push(("frame-length-max".into(), huge.finish()));
    seeds
}
