//! Target `bee_wire`: every decoder of bee's wire formats, as a peer's bytes (or a key file) reach
//! it: the varint-delimited frames and every protobuf message of [`crate::net::bee`], the signed
//! BzzAddresses and underlay lists of [`crate::identity::bzz`], signature recovery, postage stamps
//! ([`crate::postage`]) and the key file's JSON ([`crate::identity::keystore`]).
//!
//! Input: a selector byte, then the bytes. The selector's low 6 bits pick the operation ([`OPS`];
//! 63 runs all of them), its top 2 bits the network id the receiver checks addresses against
//! ([`NETWORK_IDS`]). Beyond not panicking, each decoder is held to its contract:
//!
//! * messages: the input is decoded both as a bare body and as a stream of frames; the frame
//!   decoder agrees with [`parse_header`] (a refused prefix is refused before the body is looked
//!   at), a decoded message encodes to bytes that decode and encode again to the same bytes (the
//!   encoding is canonical; the input need not be: prost, like gogo, accepts unpacked repeated
//!   fields, non-minimal varints, unknown fields), frames of its encoding decode back, and the
//!   checks a receiver applies to the message run: BzzAddresses verify (the first
//!   [`MAX_VERIFIED`] of a `Peers`), underlay lists split, stamps parse and validate against the
//!   fixed batch, receipts recover their signer, chunks are checked against their address;
//! * `frame-header`: [`parse_header`] against prost's varint reader (Go's `binary.ReadUvarint`), and
//!   [`decode_frame_limited`] against the header, under limits up to `usize::MAX`;
//! * `underlays`: what [`deserialize_underlays`] accepts is within bee's limits and serialises back;
//! * `timestamps`: [`check_timestamp`] against bee's rule;
//! * `recover`: a recovered key also recovers with the compressed flag, round-trips through SEC1,
//!   and a key signs as bee does (low `s`, `v` 27/28) and recovers from its own signature;
//! * `stamp`: [`Stamp::from_bytes`] takes 113 bytes only and writes them back; [`Stamp::validate`]
//!   gives bee's verdict (its order of checks, Go's arithmetic) for any depth and bucket depth,
//!   and [`Stamp::validate_for`] against a fixed batch;
//! * `keystore`: [`decrypt_key_file`] on the JSON with a password, never echoing the password. The
//!   KDF runs on the file's parameters, up to seconds for what bee accepts: parameters the keystore
//!   would accept are scaled down to at most [`MAX_FUZZ_KDF_COST`] first (N·r·p for scrypt,
//!   rounds for PBKDF2), those it documents as refused are passed as they are (a refusal that
//!   does not happen shows as a slow input or an out-of-memory).
//!
//! An operation added here gets its name at the end of [`OPS`] and seeds in [`seeds`].

use std::borrow::Cow;
use std::fmt::Debug;

use prost::Message;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::input::{Input, Output};
use crate::address::Address;
use crate::cac;
use crate::identity::bzz::{
    check_timestamp, deserialize_underlays, serialize_underlays, TimestampSource,
    MAX_CLOCK_SKEW_SECS, MAX_UNDERLAYS, MAX_UNDERLAY_BYTES, MIN_UPDATE_INTERVAL_SECS,
    UNDERLAY_LIST_PREFIX,
};
use crate::identity::key::{
    flip_s, is_low_s, overlay_address, recover, EthAddress, OverlayKey, PublicKey,
};
use crate::identity::keystore::{
    decrypt_key_file, MAX_PBKDF2_ROUNDS, MAX_SCRYPT_LOG_N, MAX_SCRYPT_MEMORY, MAX_SCRYPT_P,
    MAX_SCRYPT_WORK,
};
use crate::identity::{BzzError, IdentityError, VerifiedBzzAddress};
use crate::keccak::{keccak256, keccak256_concat};
use crate::net::bee::frame::{
    decode_body, decode_frame, decode_frame_limited, encode_frame, encode_frame_into, parse_header,
    FrameError, FrameHeader, MAX_FRAME_SIZE, MAX_VARINT_LEN,
};
use crate::net::bee::pb;
use crate::postage::{Batch, PostageError, Stamp, StampIndex, BUCKET_DEPTH, STAMP_SIZE};
use crate::soc;

/// The operations, in selector order: the protobuf messages (`protocol.Message`), then the others.
pub const OPS: [&str; 32] = [
    "headers.Headers",
    "headers.Header",
    "handshake.Syn",
    "handshake.SynAck",
    "handshake.Ack",
    "handshake.BzzAddress",
    "hive.Peers",
    "hive.BzzAddress",
    "pingpong.Ping",
    "pingpong.Pong",
    "pricing.AnnouncePaymentThreshold",
    "pseudosettle.Payment",
    "pseudosettle.PaymentAck",
    "pushsync.Delivery",
    "pushsync.Receipt",
    "retrieval.Request",
    "retrieval.Delivery",
    "status.Get",
    "status.Snapshot",
    "pullsync.Syn",
    "pullsync.Ack",
    "pullsync.Get",
    "pullsync.Chunk",
    "pullsync.Offer",
    "pullsync.Want",
    "pullsync.Delivery",
    "frame-header",
    "underlays",
    "timestamps",
    "recover",
    "stamp",
    "keystore",
];

const FRAME_HEADER: usize = 26;
const UNDERLAYS: usize = 27;
const TIMESTAMPS: usize = 28;
const RECOVER: usize = 29;
const STAMP: usize = 30;
const KEYSTORE: usize = 31;
/// The operation that runs every other one on the same bytes.
const ALL: u8 = 63;

/// Network ids a receiver checks addresses against, by the selector's top two bits: bee's
/// mainnet and testnet, the third network of the fixtures, and 0.
pub const NETWORK_IDS: [u64; 4] = [1, 10, 1_234_567, 0];

/// Most addresses of one hive `Peers` verified (each is a signature recovery).
pub const MAX_VERIFIED: usize = 4;
/// Most frames read off one input.
const MAX_FRAMES: usize = 4;
/// Most KDF work per input: scrypt N·r·p (128·N·r·p bytes mixed), or PBKDF2 rounds.
pub const MAX_FUZZ_KDF_COST: u64 = 64;

const fn unhex<const N: usize>(hex: &str) -> [u8; N] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let bytes = hex.as_bytes();
    assert!(bytes.len() == 2 * N, "hex of the wrong length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = digit(bytes[2 * i]) << 4 | digit(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// The batch stamps are checked against: the one of `fixtures/bee-wire/postage.json` (owner
/// `key-0`), at depth 22.
pub const FIXED_BATCH: Batch = Batch {
    id: unhex("4e7766144a4d25f72fef211eb8b0d0424c23ae17f431e933783e0c61d20e22a7"),
    owner: EthAddress(unhex("ed35a2f5f032122e79b22de783ba0fe6a7321470")),
    depth: 22,
    bucket_depth: BUCKET_DEPTH,
    immutable: false,
};

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let network_id = NETWORK_IDS[usize::from(selector >> 6)];
    let op = selector & 0x3f;
    if op == ALL {
        for i in 0..OPS.len() {
            one(i, network_id, rest);
        }
    } else {
        one(usize::from(op) % OPS.len(), network_id, rest);
    }
}

fn one(op: usize, net: u64, data: &[u8]) {
    match op {
        0 => message::<pb::headers::Headers>(data, |_| {}),
        1 => message::<pb::headers::Header>(data, |_| {}),
        2 => message::<pb::handshake::Syn>(data, |m| underlays(&m.observed_underlay)),
        3 => message::<pb::handshake::SynAck>(data, |m| {
            if let Some(syn) = &m.syn {
                underlays(&syn.observed_underlay);
            }
            if let Some(ack) = &m.ack {
                handshake_ack(ack, net);
            }
        }),
        4 => message::<pb::handshake::Ack>(data, |m| handshake_ack(m, net)),
        5 => message::<pb::handshake::BzzAddress>(data, |m| verified(m.verify(net), m, net)),
        6 => message::<pb::hive::Peers>(data, |m| {
            for peer in m.peers.iter().take(MAX_VERIFIED) {
                hive_address(peer, net);
            }
        }),
        7 => message::<pb::hive::BzzAddress>(data, |m| hive_address(m, net)),
        8 => message::<pb::pingpong::Ping>(data, |_| {}),
        9 => message::<pb::pingpong::Pong>(data, |_| {}),
        10 => message::<pb::pricing::AnnouncePaymentThreshold>(data, |_| {}),
        11 => message::<pb::pseudosettle::Payment>(data, |_| {}),
        12 => message::<pb::pseudosettle::PaymentAck>(data, |_| {}),
        13 => message::<pb::pushsync::Delivery>(data, |m| delivery(&m.address, &m.data, &m.stamp)),
        14 => message::<pb::pushsync::Receipt>(data, |m| receipt(m, net)),
        15 => message::<pb::retrieval::Request>(data, |m| {
            if let Some(a) = Address::from_slice(&m.addr) {
                assert_eq!(a.0[..], m.addr[..]);
            }
        }),
        16 => message::<pb::retrieval::Delivery>(data, |m| retrieved(&m.data, &m.stamp)),
        17 => message::<pb::status::Get>(data, |_| {}),
        18 => message::<pb::status::Snapshot>(data, |_| {}),
        19 => message::<pb::pullsync::Syn>(data, |_| {}),
        20 => message::<pb::pullsync::Ack>(data, |_| {}),
        21 => message::<pb::pullsync::Get>(data, |_| {}),
        22 => message::<pb::pullsync::Chunk>(data, offered),
        23 => message::<pb::pullsync::Offer>(data, |m| m.chunks.iter().for_each(offered)),
        24 => message::<pb::pullsync::Want>(data, |_| {}),
        25 => message::<pb::pullsync::Delivery>(data, |m| delivery(&m.address, &m.data, &m.stamp)),
        FRAME_HEADER => frame_header(data),
        UNDERLAYS => underlays(data),
        TIMESTAMPS => timestamps(data),
        RECOVER => recover_op(data),
        STAMP => stamp_op(data),
        _ => keystore_op(data),
    }
}

// ---------------------------------------------------------------------------------------------
// messages and frames

/// Decodes `data` as an `M`, as a bare body and as a stream of frames, and checks each message.
fn message<M: Message + Default + Debug>(data: &[u8], check: impl Fn(&M)) {
    match decode_body::<M>(data) {
        Ok(m) => {
            canonical(&m);
            check(&m);
        }
        Err(e) => {
            assert!(matches!(e, FrameError::Decode { len, .. } if len == data.len()));
            let _ = e.to_string();
        }
    }
    let mut rest = data;
    for _ in 0..MAX_FRAMES {
        let Some(m) = next_frame::<M>(&mut rest) else {
            break;
        };
        canonical(&m);
        check(&m);
    }
}

/// Decodes the frame at the start of `rest` and moves past it; checks the decoder agrees with the
/// frame's header.
fn next_frame<M: Message + Default>(rest: &mut &[u8]) -> Option<M> {
    let buf = *rest;
    let header = parse_header(buf, MAX_FRAME_SIZE);
    let decoded = decode_frame::<M>(buf);
    match header {
        Err(e) => assert_eq!(decoded.as_ref().err(), Some(&e), "the prefix decides"),
        Ok(None) => assert_eq!(
            decoded.as_ref().err(),
            Some(&FrameError::Truncated {
                want: buf.len() + 1,
                have: buf.len()
            })
        ),
        Ok(Some(h)) => {
            assert!(h.prefix_len <= MAX_VARINT_LEN && h.body_len <= MAX_FRAME_SIZE);
            match &decoded {
                Ok((_, used)) => assert_eq!(*used, h.frame_len()),
                Err(FrameError::Truncated { want, have }) => {
                    assert!(buf.len() < h.frame_len());
                    assert_eq!((*want, *have), (h.frame_len(), buf.len()));
                }
                Err(FrameError::Decode { len, .. }) => {
                    assert!(buf.len() >= h.frame_len());
                    assert_eq!(*len, h.body_len);
                }
                Err(e) => panic!("a frame of {h:?} refused for {e:?}"),
            }
            // A caller's smaller limit refuses the frame from its prefix alone.
            if h.body_len > 0 {
                let max = h.body_len - 1;
                assert_eq!(
                    decode_frame_limited::<M>(&buf[..h.prefix_len], max).err(),
                    Some(FrameError::TooLarge {
                        len: h.body_len as u64,
                        max
                    })
                );
            }
        }
    }
    if let Err(e) = &decoded {
        let _ = e.to_string();
    }
    let (m, used) = decoded.ok()?;
    *rest = &buf[used..];
    Some(m)
}

/// A decoded message's encoding is canonical: it decodes and encodes to the same bytes, and its
/// frame decodes back.
fn canonical<M: Message + Default + Debug>(m: &M) {
    let bytes = m.encode_to_vec();
    assert_eq!(bytes.len(), m.encoded_len());
    let again = M::decode(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{m:?} encodes to bytes it cannot decode: {e}"));
    assert_eq!(
        again.encode_to_vec(),
        bytes,
        "encoding of {m:?} is not stable"
    );
    let frame = encode_frame(m);
    let mut prefix = Vec::new();
    prost::encoding::encode_varint(bytes.len() as u64, &mut prefix);
    assert_eq!(frame[..prefix.len()], prefix[..]);
    assert_eq!(frame[prefix.len()..], bytes[..]);
    let mut appended = vec![0xa5];
    encode_frame_into(m, &mut appended);
    assert_eq!(appended[1..], frame[..]);
    match decode_frame::<M>(&frame) {
        Ok((back, used)) => {
            assert!(bytes.len() <= MAX_FRAME_SIZE);
            assert_eq!(used, frame.len());
            assert_eq!(back.encode_to_vec(), bytes);
        }
        Err(FrameError::TooLarge { .. }) => assert!(bytes.len() > MAX_FRAME_SIZE),
        Err(e) => panic!("the frame of {m:?} is refused: {e}"),
    }
}

fn frame_header(data: &[u8]) {
    let mut input = Input::new(data);
    let which = input.u8();
    let raw = input.u32() as usize;
    let max = match which % 4 {
        0 => MAX_FRAME_SIZE,
        1 => usize::MAX,
        2 => raw,
        _ => usize::MAX - raw,
    };
    let buf = input.rest();
    let header = parse_header(buf, max);
    // prost's reader is Go's binary.ReadUvarint: at most 10 bytes, the 10th at most 1.
    let mut cursor = buf;
    match prost::encoding::decode_varint(&mut cursor) {
        Ok(len) => {
            let prefix_len = buf.len() - cursor.len();
            match usize::try_from(len) {
                Ok(body_len) if body_len <= max && body_len.checked_add(prefix_len).is_some() => {
                    assert_eq!(
                        header,
                        Ok(Some(FrameHeader {
                            prefix_len,
                            body_len
                        }))
                    )
                }
                _ => assert_eq!(header, Err(FrameError::TooLarge { len, max })),
            }
        }
        Err(_) if buf.len() < MAX_VARINT_LEN && buf.iter().all(|b| b & 0x80 != 0) => {
            assert_eq!(header, Ok(None));
        }
        Err(_) => assert!(
            matches!(header, Err(FrameError::VarintOverflow { .. })),
            "{header:?}"
        ),
    }
    let decoded = decode_frame_limited::<pb::pingpong::Ping>(buf, max);
    match header {
        Err(e) => assert_eq!(decoded.err(), Some(e)),
        Ok(None) => assert_eq!(
            decoded.err(),
            Some(FrameError::Truncated {
                want: buf.len() + 1,
                have: buf.len()
            })
        ),
        Ok(Some(h)) => match h.prefix_len.checked_add(h.body_len) {
            Some(end) if end <= buf.len() => match decoded {
                Ok((_, used)) => assert_eq!(used, end),
                Err(FrameError::Decode { .. }) => {}
                Err(e) => panic!("a whole frame of {h:?} refused for {e:?}"),
            },
            _ => assert!(
                matches!(decoded, Err(FrameError::Truncated { .. })),
                "{decoded:?}"
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// what a receiver checks in the messages

fn handshake_ack(ack: &pb::handshake::Ack, net: u64) {
    if let Some(address) = &ack.address {
        verified(address.verify(net), address, net);
    }
}

fn hive_address(m: &pb::hive::BzzAddress, net: u64) {
    let fields = pb::handshake::BzzAddress {
        underlay: m.underlay.clone(),
        signature: m.signature.clone(),
        overlay: m.overlay.clone(),
        nonce: m.nonce.clone(),
        timestamp: m.timestamp,
        chequebook_address: m.chequebook_address.clone(),
    };
    verified(m.verify(net), &fields, net);
}

/// Checks the verdict on a BzzAddress received on `net`: refusals in bee's order, and what an
/// accepted one must be.
fn verified(result: Result<VerifiedBzzAddress, BzzError>, m: &pb::handshake::BzzAddress, net: u64) {
    let v = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = e.to_string();
            if m.nonce.len() != 32 {
                assert!(matches!(e, BzzError::Nonce { .. }), "{e:?}");
            } else if !matches!(m.chequebook_address.len(), 0 | 20) {
                assert!(matches!(e, BzzError::Chequebook { .. }), "{e:?}");
            } else if m.timestamp <= 0 {
                assert_eq!(e, BzzError::Timestamp(m.timestamp));
            } else if m.signature.len() != 65 {
                assert!(matches!(e, BzzError::Signature { .. }), "{e:?}");
            }
            return;
        }
    };
    assert_eq!(m.signature.len(), 65);
    assert!(m.timestamp > 0);
    assert_eq!(
        v.address.overlay.0[..],
        m.overlay[..],
        "not the claimed overlay"
    );
    assert_eq!(
        overlay_address(&v.eth_address, net, &v.address.nonce),
        v.address.overlay
    );
    assert!(!v.underlays.is_empty() && v.underlays.len() <= MAX_UNDERLAYS);
    assert_eq!(
        deserialize_underlays(&m.underlay).as_ref(),
        Ok(&v.underlays)
    );
    assert_eq!(v.address.underlays().as_ref(), Ok(&v.underlays));
    // The record writes back as it came, an empty chequebook as the zero address.
    let mut expected = m.clone();
    if expected.chequebook_address.is_empty() {
        expected.chequebook_address = vec![0; 20];
    }
    let back = pb::handshake::BzzAddress::from(&v.address);
    assert_eq!(back, expected);
    assert_eq!(
        pb::hive::BzzAddress::from(&v.address).encode_to_vec(),
        back.encode_to_vec()
    );
    assert_eq!(v.address.verify_on(net).as_ref(), Ok(&v));
    for source in [TimestampSource::Handshake, TimestampSource::Gossip] {
        assert_eq!(
            check_timestamp(m.timestamp, None, source, m.timestamp),
            Ok(())
        );
    }
}

/// A pushed or pull-synced chunk: its address, its data and its stamp as the storer checks them.
fn delivery(address: &[u8], data: &[u8], stamp: &[u8]) {
    let Some(address) = Address::from_slice(address) else {
        return;
    };
    let _ = soc::is_valid_chunk(&address, data);
    if let Ok(stamp) = Stamp::from_bytes(stamp) {
        stamped(&stamp, &address);
    }
}

/// A retrieved chunk: valid at its content address, and its stamp.
fn retrieved(data: &[u8], stamp: &[u8]) {
    let Ok(address) = cac::address_of(data) else {
        return;
    };
    assert!(
        soc::is_valid_chunk(&address, data),
        "a chunk invalid at its own address"
    );
    if let Ok(stamp) = Stamp::from_bytes(stamp) {
        stamped(&stamp, &address);
    }
}

fn stamped(stamp: &Stamp, chunk: &Address) {
    match stamp.validate_for(chunk, &FIXED_BATCH) {
        Ok(()) => assert_eq!(stamp.batch_id, FIXED_BATCH.id),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn receipt(m: &pb::pushsync::Receipt, net: u64) {
    let Ok(storer) = recover(&m.signature, &m.address) else {
        return;
    };
    if let Ok(nonce) = <[u8; 32]>::try_from(m.nonce.as_slice()) {
        assert_eq!(
            storer.overlay(net, &nonce),
            overlay_address(&storer.eth_address(), net, &nonce)
        );
    }
}

fn offered(c: &pb::pullsync::Chunk) {
    if let Some(a) = Address::from_slice(&c.address) {
        assert_eq!(a.0[..], c.address[..]);
    }
}

// ---------------------------------------------------------------------------------------------
// identity

fn underlays(data: &[u8]) {
    let list = match deserialize_underlays(data) {
        Ok(list) => list,
        Err(e) => {
            let _ = e.to_string();
            if data.is_empty() {
                assert_eq!(e, BzzError::NoUnderlay);
            } else if data.len() > MAX_UNDERLAY_BYTES {
                assert_eq!(e, BzzError::UnderlaySize(data.len()));
            }
            return;
        }
    };
    assert!(!data.is_empty() && data.len() <= MAX_UNDERLAY_BYTES);
    assert!(list.len() <= MAX_UNDERLAYS);
    if data[0] != UNDERLAY_LIST_PREFIX {
        assert_eq!(list, vec![data.to_vec()]);
        assert_eq!(serialize_underlays(&list).as_deref(), Ok(data));
        return;
    }
    assert!(list.iter().all(|u| !u.is_empty()), "an empty underlay");
    let again = serialize_underlays(&list).expect("a list read writes back");
    // One underlay is written bare: bee's lists of one are read but not written.
    if list.len() == 1 {
        assert_eq!(again, list[0]);
    } else {
        assert_eq!(again, data, "a list does not write back as read");
    }
}

fn timestamps(data: &[u8]) {
    let mut input = Input::new(data);
    let timestamp = input.u64() as i64;
    let held = input.u64() as i64;
    let flags = input.u8();
    let now = input.u64() as i64;
    let existing = (flags & 1 == 1).then_some(held);
    let source = if flags & 2 == 0 {
        TimestampSource::Handshake
    } else {
        TimestampSource::Gossip
    };
    let verdict = check_timestamp(timestamp, existing, source, now);
    let ok = timestamp > 0
        && timestamp <= now.saturating_add(MAX_CLOCK_SKEW_SECS)
        && match existing {
            None | Some(0) => true,
            Some(held) => match source {
                TimestampSource::Handshake => timestamp >= held,
                TimestampSource::Gossip => {
                    timestamp > held.saturating_add(MIN_UPDATE_INTERVAL_SECS)
                }
            },
        };
    assert_eq!(
        verdict.is_ok(),
        ok,
        "{timestamp} {existing:?} {source:?} {now}: {verdict:?}"
    );
}

/// Input: the signature's length, the signature, then the signed data.
fn recover_op(data: &[u8]) {
    let mut input = Input::new(data);
    let len = usize::from(input.u8());
    let signature = input.bytes(len);
    let message = input.rest();
    match recover(signature, message) {
        Ok(public) => {
            assert_eq!(signature.len(), 65);
            let v = signature[64];
            assert!((27..=34).contains(&v));
            // The "compressed" flag (4) names the same key.
            let mut flagged = signature.to_vec();
            flagged[64] = if v < 31 { v + 4 } else { v - 4 };
            assert_eq!(recover(&flagged, message).as_ref(), Ok(&public));
            sec1_round_trip(&public);
        }
        Err(e) => {
            let _ = e.to_string();
            if signature.len() != 65 {
                assert!(matches!(e, IdentityError::SignatureLength { .. }), "{e:?}");
            }
        }
    }
    // The signature's first 32 bytes as a secret key: it signs as bee does and recovers.
    if let Ok(key) = OverlayKey::from_slice(signature.get(..32).unwrap_or_default()) {
        let signed = key.sign(message).expect("a valid key signs");
        assert!(matches!(signed.0[64], 27 | 28));
        assert!(is_low_s(&signed.0), "a high-s signature");
        assert_eq!(recover(&signed.0, message), Ok(key.public_key()));
    }
    // The data as a SEC1 public key.
    if let Ok(public) = PublicKey::from_sec1(message) {
        assert!(matches!(message.len(), 33 | 65));
        sec1_round_trip(&public);
    }
}

fn sec1_round_trip(public: &PublicKey) {
    assert_eq!(
        PublicKey::from_sec1(&public.to_compressed()).as_ref(),
        Ok(public)
    );
    assert_eq!(
        PublicKey::from_sec1(&public.to_uncompressed()).as_ref(),
        Ok(public)
    );
}

// ---------------------------------------------------------------------------------------------
// postage

/// Input: the chunk address (32 bytes), the batch depth, the bucket depth, then the stamp.
fn stamp_op(data: &[u8]) {
    let mut input = Input::new(data);
    let chunk = Address(input.array());
    let depth = input.u8();
    let bucket_depth = input.u8();
    let bytes = input.rest();
    let stamp = match Stamp::from_bytes(bytes) {
        Ok(stamp) => stamp,
        Err(e) => {
            assert!(matches!(e, PostageError::StampSize { len, .. } if len == bytes.len()));
            assert_ne!(bytes.len(), STAMP_SIZE);
            let _ = e.to_string();
            return;
        }
    };
    assert_eq!(bytes.len(), STAMP_SIZE);
    assert_eq!(stamp.to_bytes()[..], bytes[..]);
    assert_eq!(stamp.hash(), keccak256(bytes));
    let index = stamp.stamp_index();
    assert_eq!(index.to_bytes(), stamp.index);
    assert_eq!(
        (index.bucket, index.slot),
        (be32(&bytes[32..36]), be32(&bytes[36..40]))
    );
    assert_eq!(stamp.timestamp_u64().to_be_bytes()[..], bytes[40..48]);
    assert_eq!(
        stamp.digest(&chunk),
        keccak256_concat(&[&chunk.0, &bytes[..48]])
    );

    let signer = stamp.recover_owner(&chunk);
    let owner = FIXED_BATCH.owner;
    let verdict = stamp.validate(&chunk, &owner, depth, bucket_depth);
    assert_eq!(
        kind(&verdict),
        bee_verdict(&signer, index, &chunk, &owner, depth, bucket_depth),
        "{verdict:?}"
    );
    let fixed = stamp.validate_for(&chunk, &FIXED_BATCH);
    if stamp.batch_id == FIXED_BATCH.id {
        assert_eq!(
            kind(&fixed),
            bee_verdict(
                &signer,
                index,
                &chunk,
                &owner,
                FIXED_BATCH.depth,
                FIXED_BATCH.bucket_depth
            )
        );
    } else {
        assert!(matches!(fixed, Err(PostageError::BatchMismatch { .. })));
    }
    for r in [&verdict, &fixed] {
        if let Err(e) = r {
            let _ = e.to_string();
        }
    }

    // A batch of the input's depths: made when the postage contract would make it.
    let makes =
        0 < bucket_depth && bucket_depth < depth && bucket_depth <= 32 && depth - bucket_depth < 32;
    match Batch::with_bucket_depth(stamp.batch_id, owner, depth, bucket_depth, false) {
        Ok(batch) => {
            assert!(makes);
            assert_eq!(batch.slots_per_bucket(), 1u64 << (depth - bucket_depth));
            assert_eq!(batch.bucket_of(&chunk), go_bucket(bucket_depth, &chunk));
        }
        Err(e) => {
            assert!(!makes, "{e}");
        }
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn kind(r: &Result<(), PostageError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(PostageError::Signature { .. }) => "signature",
        Err(PostageError::BucketMismatch { .. }) => "bucket mismatch",
        Err(PostageError::InvalidIndex { .. }) => "invalid index",
        Err(PostageError::OwnerMismatch { .. }) => "owner mismatch",
        Err(PostageError::BatchMismatch { .. }) => "batch mismatch",
        Err(_) => "other",
    }
}

/// bee's `Stamp.Valid`: recover the signer, then bucket, index and owner, in that order.
fn bee_verdict(
    signer: &Result<EthAddress, PostageError>,
    index: StampIndex,
    chunk: &Address,
    owner: &EthAddress,
    depth: u8,
    bucket_depth: u8,
) -> &'static str {
    let Ok(signer) = signer else {
        return "signature";
    };
    if index.bucket != go_bucket(bucket_depth, chunk) {
        return "bucket mismatch";
    }
    // `index >= 1<<int(depth-bucketDepth)`: a uint8 difference, a uint32 shifted 1.
    let shift = depth.wrapping_sub(bucket_depth);
    if shift >= 32 || index.slot >= 1u32 << shift {
        return "invalid index";
    }
    if signer != owner {
        return "owner mismatch";
    }
    "ok"
}

/// bee's `toBucket`: `BigEndian.Uint32(addr[:4]) >> (32 - depth)`, a shift of 32 or more giving
/// 0. For a bucket depth over 32, where Go's uint8 `32 - depth` wraps (bucket 0), this crate takes
/// 32 (documented at [`crate::postage::bucket_of`]; no batch has such a depth).
fn go_bucket(bucket_depth: u8, chunk: &Address) -> u32 {
    let shift = 32 - u32::from(bucket_depth.min(32));
    be32(&chunk.0).checked_shr(shift).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// keystore

/// Input: the password's length, the password (UTF-8, lossily), then the key file.
fn keystore_op(data: &[u8]) {
    let mut input = Input::new(data);
    let len = usize::from(input.u8());
    let password = String::from_utf8_lossy(input.bytes(len)).into_owned();
    let file = input.rest();
    let Some(file) = cheap_key_file(file) else {
        return;
    };
    match decrypt_key_file(&file, &password) {
        Ok(key) => {
            let _ = key.eth_address();
        }
        Err(e) => {
            let text = e.to_string();
            // Errors quote the file, never the password. A password may also be a piece of the
            // message's own words ("key file version 4 is not 3"): then another password of the
            // same length gives the same text.
            if password.len() >= 8
                && !contains(&file, password.as_bytes())
                && text.contains(&password)
            {
                let other: String = password
                    .chars()
                    .map(|c| if c == 'x' { 'y' } else { 'x' })
                    .collect();
                let again = decrypt_key_file(&file, &other).err().map(|e| e.to_string());
                assert_eq!(
                    again.as_deref(),
                    Some(text.as_str()),
                    "the password is quoted"
                );
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The fields of a key file the KDF's cost depends on, read as the keystore reads the file (same
/// field names, alias and order, for the map and the sequence forms of JSON); everything else is
/// ignored, so that every file the keystore parses parses here.
#[derive(Deserialize)]
struct ProbeFile {
    #[serde(rename = "address", default)]
    _address: IgnoredAny,
    #[serde(alias = "Crypto")]
    crypto: ProbeCrypto,
    #[serde(rename = "version")]
    _version: IgnoredAny,
    #[serde(rename = "id", default)]
    _id: IgnoredAny,
}

#[derive(Deserialize)]
struct ProbeCrypto {
    #[serde(rename = "cipher")]
    _cipher: IgnoredAny,
    #[serde(rename = "ciphertext")]
    _ciphertext: IgnoredAny,
    #[serde(rename = "cipherparams")]
    _cipherparams: IgnoredAny,
    kdf: String,
    kdfparams: Value,
    #[serde(rename = "mac")]
    _mac: IgnoredAny,
}

/// `file` itself when the keystore would refuse it before the KDF or run a cheap one; a copy with
/// the KDF parameters scaled down when it would accept costly ones; `None` when it cannot be made
/// cheap.
fn cheap_key_file(file: &[u8]) -> Option<Cow<'_, [u8]>> {
    let Ok(probe) = serde_json::from_slice::<ProbeFile>(file) else {
        // The keystore cannot parse it either: no KDF runs.
        return Some(Cow::Borrowed(file));
    };
    if !costly(&probe.crypto.kdf, &probe.crypto.kdfparams) {
        return Some(Cow::Borrowed(file));
    }
    let scaled = scaled_down(file)?;
    match serde_json::from_slice::<ProbeFile>(&scaled) {
        Ok(p) if !costly(&p.crypto.kdf, &p.crypto.kdfparams) => Some(Cow::Owned(scaled)),
        _ => None,
    }
}

/// A KDF parameter by name (JSON object) or position (JSON array, in the keystore's field order).
fn kdf_param(params: &Value, name: &str, position: usize) -> Option<u64> {
    match params {
        Value::Object(m) => m.get(name),
        Value::Array(a) => a.get(position),
        _ => None,
    }
    .and_then(Value::as_u64)
}

/// Whether the keystore would accept these KDF parameters (as documented in its module) and they
/// cost more than [`MAX_FUZZ_KDF_COST`].
fn costly(kdf: &str, params: &Value) -> bool {
    match kdf {
        "scrypt" => {
            let (Some(n), Some(r), Some(p)) = (
                kdf_param(params, "n", 0),
                kdf_param(params, "r", 1),
                kdf_param(params, "p", 2),
            ) else {
                return false;
            };
            let memory = 128u64.saturating_mul(n).saturating_mul(r);
            let accepted = n >= 2
                && n.is_power_of_two()
                && n.trailing_zeros() <= MAX_SCRYPT_LOG_N
                && (1..=u64::from(u32::MAX)).contains(&r)
                && (1..=u64::from(MAX_SCRYPT_P)).contains(&p)
                && memory <= MAX_SCRYPT_MEMORY
                && memory.saturating_mul(p) <= MAX_SCRYPT_WORK;
            accepted && n.saturating_mul(r).saturating_mul(p) > MAX_FUZZ_KDF_COST
        }
        "pbkdf2" => kdf_param(params, "c", 0)
            .is_some_and(|c| c > MAX_FUZZ_KDF_COST && c <= u64::from(MAX_PBKDF2_ROUNDS)),
        _ => false,
    }
}

/// The file with scrypt N = 16, r = p = 1 or 2 PBKDF2 rounds, re-serialised.
fn scaled_down(file: &[u8]) -> Option<Vec<u8>> {
    let mut doc: Value = serde_json::from_slice(file).ok()?;
    let crypto = match &mut doc {
        Value::Object(m) if m.contains_key("crypto") => m.get_mut("crypto"),
        Value::Object(m) => m.get_mut("Crypto"),
        Value::Array(a) => a.get_mut(1),
        _ => None,
    }?;
    let (kdf, params) = match crypto {
        Value::Object(m) => {
            let kdf = m.get("kdf")?.as_str()?.to_owned();
            (kdf, m.get_mut("kdfparams")?)
        }
        Value::Array(a) => {
            let kdf = a.get(3)?.as_str()?.to_owned();
            (kdf, a.get_mut(4)?)
        }
        _ => return None,
    };
    let small: &[(&str, usize, u64)] = match kdf.as_str() {
        "scrypt" => &[("n", 0, 16), ("r", 1, 1), ("p", 2, 1)],
        "pbkdf2" => &[("c", 0, 2)],
        _ => return None,
    };
    for &(name, position, value) in small {
        match params {
            Value::Object(m) => {
                m.insert(name.into(), value.into());
            }
            Value::Array(a) => *a.get_mut(position)? = value.into(),
            _ => return None,
        }
    }
    serde_json::to_vec(&doc).ok()
}

// ---------------------------------------------------------------------------------------------
// seeds

const MESSAGES_JSON: &str = include_str!("../../fixtures/bee-wire/messages.json");
const BZZ_JSON: &str = include_str!("../../fixtures/bee-wire/bzz.json");
const POSTAGE_JSON: &str = include_str!("../../fixtures/bee-wire/postage.json");
const IDENTITY_JSON: &str = include_str!("../../fixtures/bee-wire/identity.json");
const KEYSTORE_JSON: &str = include_str!("../../fixtures/bee-wire/keystore.json");

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture JSON")
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_default()).expect("fixture hex")
}

fn number(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().expect("fixture number"),
        _ => v.as_u64().expect("fixture number"),
    }
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// An input: the selector (`op`, network index), then `body`.
fn input(op: usize, network: usize, body: &[u8]) -> Vec<u8> {
    let mut out = Output::new();
    out.u8((network as u8) << 6 | op as u8).bytes(body);
    out.finish()
}

/// The network indexes under which some address of `body` (message `op`) verifies; `[0]` when
/// none does or the message has none.
fn networks_of(op: usize, body: &[u8]) -> Vec<usize> {
    let addresses: Vec<pb::handshake::BzzAddress> = match op {
        3 => pb::handshake::SynAck::decode(body)
            .ok()
            .and_then(|m| m.ack)
            .and_then(|a| a.address)
            .into_iter()
            .collect(),
        4 => pb::handshake::Ack::decode(body)
            .ok()
            .and_then(|a| a.address)
            .into_iter()
            .collect(),
        5 => pb::handshake::BzzAddress::decode(body)
            .ok()
            .into_iter()
            .collect(),
        6 | 7 => {
            let peers = match op {
                6 => pb::hive::Peers::decode(body)
                    .map(|m| m.peers)
                    .unwrap_or_default(),
                _ => pb::hive::BzzAddress::decode(body)
                    .ok()
                    .into_iter()
                    .collect(),
            };
            peers
                .iter()
                .map(|p| pb::handshake::BzzAddress {
                    underlay: p.underlay.clone(),
                    signature: p.signature.clone(),
                    overlay: p.overlay.clone(),
                    nonce: p.nonce.clone(),
                    timestamp: p.timestamp,
                    chequebook_address: p.chequebook_address.clone(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let found: Vec<usize> = (0..NETWORK_IDS.len())
        .filter(|&n| {
            addresses
                .iter()
                .take(MAX_VERIFIED)
                .any(|a| a.verify(NETWORK_IDS[n]).is_ok())
        })
        .collect();
    if found.is_empty() {
        vec![0]
    } else {
        found
    }
}

/// Seed inputs: bee's encodings of every message (bare and framed, under the network their
/// addresses verify on), bee's underlays, signatures, stamps and key file (from
/// `fixtures/bee-wire/`), key files that open with cheap KDFs, and near misses.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    message_seeds(&mut seeds);
    frame_header_seeds(&mut seeds);
    identity_seeds(&mut seeds);
    stamp_seeds(&mut seeds);
    keystore_seeds(&mut seeds);
    seeds
}

fn message_seeds(seeds: &mut Vec<(String, Vec<u8>)>) {
    let messages = fixture(MESSAGES_JSON);
    let mut count = [0usize; OPS.len()];
    let mut streams: Vec<Vec<u8>> = vec![Vec::new(); OPS.len()];
    for m in items(&messages["messages"]) {
        let name = format!(
            "{}.{}",
            m["protocol"].as_str().unwrap_or_default(),
            m["message"].as_str().unwrap_or_default()
        );
        let op = OPS
            .iter()
            .position(|o| *o == name)
            .unwrap_or_else(|| panic!("no operation for message {name}"));
        let (body, frame) = (hex_of(&m["bytes"]), hex_of(&m["frame"]));
        let i = count[op];
        count[op] += 1;
        for network in networks_of(op, &body) {
            let net = if network == 0 {
                String::new()
            } else {
                format!("-net{}", NETWORK_IDS[network])
            };
            seeds.push((format!("{name}-{i}{net}"), input(op, network, &body)));
            seeds.push((format!("{name}-{i}{net}-frame"), input(op, network, &frame)));
        }
        streams[op].extend_from_slice(&frame);
    }
    for (op, stream) in streams.iter().enumerate() {
        if count[op] > 1 {
            seeds.push((format!("{}-stream", OPS[op]), input(op, 0, stream)));
        }
    }
    // Every message type, the one the fixtures lack included (a Header on its own).
    let header = pb::headers::Header {
        key: "tracing-span-context".into(),
        value: vec![1, 2, 3],
    };
    seeds.push((
        "headers.Header-0".into(),
        input(1, 0, &header.encode_to_vec()),
    ));
    seeds.push((
        "headers.Header-0-frame".into(),
        input(1, 0, &encode_frame(&header)),
    ));
    // Non-canonical encodings prost (like gogo) accepts: an unpacked repeated field, a
    // non-minimal varint, an unknown field, a field twice.
    seeds.push((
        "pullsync.Ack-unpacked".into(),
        input(20, 0, &[0x08, 0x01, 0x08, 0x02]),
    ));
    seeds.push((
        "pullsync.Get-nonminimal".into(),
        input(21, 0, &[0x08, 0x85, 0x00]),
    ));
    seeds.push((
        "pingpong.Ping-unknown".into(),
        input(8, 0, &[0x10, 0x07, 0x0a, 0x01, b'a']),
    ));
    seeds.push((
        "pingpong.Ping-twice".into(),
        input(8, 0, &[0x0a, 0x01, b'a', 0x0a, 0x01, b'b']),
    ));
    seeds.push((
        "pingpong.Ping-bad-utf8-frame".into(),
        input(8, 0, &[0x04, 0x0a, 0x02, 0xff, 0xfe]),
    ));
    // A frame announcing one byte over bee's 128 KiB, refused from its prefix.
    let mut limit = Vec::new();
    prost::encoding::encode_varint(MAX_FRAME_SIZE as u64 + 1, &mut limit);
    seeds.push(("pushsync.Delivery-over-limit".into(), input(13, 0, &limit)));
    // Every operation on one input.
    let ping = encode_frame(&pb::pingpong::Ping {
        greeting: "hey".into(),
    });
    seeds.push(("all-ping".into(), input(usize::from(ALL), 0, &ping)));
}

fn frame_header_seeds(seeds: &mut Vec<(String, Vec<u8>)>) {
    let mut add = |name: &str, which: u8, raw: u32, buf: &[u8]| {
        let mut body = Output::new();
        body.u8(which).u32(raw).bytes(buf);
        seeds.push((
            format!("frame-header-{name}"),
            input(FRAME_HEADER, 0, &body.finish()),
        ));
    };
    let varint = |v: u64| {
        let mut out = Vec::new();
        prost::encoding::encode_varint(v, &mut out);
        out
    };
    add("limit", 0, 0, &varint(MAX_FRAME_SIZE as u64));
    add("over-limit", 0, 0, &varint(MAX_FRAME_SIZE as u64 + 1));
    add("u64-max-no-limit", 1, 0, &varint(u64::MAX));
    add("u64-max", 0, 0, &varint(u64::MAX));
    add("overflow", 1, 0, &[0xff; 10]);
    add("incomplete", 0, 0, &[0x80, 0x80]);
    add("non-minimal", 2, 10, &[0x85, 0x00]);
    add("small-limit", 2, 2, &[0x03, 0x0a, 0x01, b'a']);
    add(
        "ping",
        3,
        0,
        &encode_frame(&pb::pingpong::Ping {
            greeting: "hey".into(),
        }),
    );
}

fn identity_seeds(seeds: &mut Vec<(String, Vec<u8>)>) {
    // Underlays and BzzAddresses of bzz.json.
    let bzz = fixture(BZZ_JSON);
    for (i, a) in items(&bzz["addresses"]).iter().enumerate() {
        let underlay = hex_of(&a["underlay_bytes"]);
        seeds.push((format!("underlays-{i}"), input(UNDERLAYS, 0, &underlay)));
        let address = pb::handshake::BzzAddress {
            underlay,
            signature: hex_of(&a["signature"]),
            overlay: hex_of(&a["overlay"]),
            nonce: hex_of(&a["nonce"]),
            timestamp: number(&a["timestamp"]) as i64,
            chequebook_address: hex_of(&a["chequebook_address"]),
        };
        let network = NETWORK_IDS
            .iter()
            .position(|&n| n == number(&a["network_id"]))
            .unwrap_or(0);
        let body = address.encode_to_vec();
        seeds.push((
            format!("handshake.BzzAddress-bzz-{i}"),
            input(5, network, &body),
        ));
        seeds.push((format!("hive.BzzAddress-bzz-{i}"), input(7, network, &body)));
    }
    let mut many = vec![UNDERLAY_LIST_PREFIX];
    for _ in 0..=MAX_UNDERLAYS {
        many.extend_from_slice(&[1, 4]);
    }
    for (name, bytes) in [
        ("empty-list", vec![UNDERLAY_LIST_PREFIX]),
        ("list-of-one", vec![UNDERLAY_LIST_PREFIX, 2, 4, 127]),
        ("empty-entry", vec![UNDERLAY_LIST_PREFIX, 0]),
        ("non-minimal", vec![UNDERLAY_LIST_PREFIX, 0x81, 0x00, 4]),
        ("past-the-end", vec![UNDERLAY_LIST_PREFIX, 5, 1, 2]),
        ("too-many", many),
    ] {
        seeds.push((format!("underlays-{name}"), input(UNDERLAYS, 0, &bytes)));
    }

    let mut add_times = |name: &str, timestamp: i64, held: i64, flags: u8, now: i64| {
        let mut body = Output::new();
        body.u64(timestamp as u64)
            .u64(held as u64)
            .u8(flags)
            .u64(now as u64);
        seeds.push((
            format!("timestamps-{name}"),
            input(TIMESTAMPS, 0, &body.finish()),
        ));
    };
    add_times("fresh", 1_000_000, 0, 0, 1_000_000);
    add_times("future", 1_000_061, 0, 0, 1_000_000);
    add_times("gossip-too-soon", 1_000_000, 999_800, 3, 1_000_000);
    add_times("handshake-stale", 999_999, 1_000_000, 1, 1_000_000);
    add_times("extremes", i64::MAX, i64::MAX - 100, 3, i64::MAX);

    // Signatures of identity.json and the receipt of messages.json.
    let identity = fixture(IDENTITY_JSON);
    let mut signed: Vec<(Vec<u8>, Vec<u8>)> = items(&identity["signatures"])
        .iter()
        .map(|s| (hex_of(&s["signature"]), hex_of(&s["data"])))
        .collect();
    let receipt = &fixture(MESSAGES_JSON)["receipt"];
    signed.push((
        hex_of(&receipt["signature"]),
        hex_of(&receipt["chunk_address"]),
    ));
    for (i, (signature, data)) in signed.iter().enumerate() {
        let mut body = vec![signature.len() as u8];
        body.extend_from_slice(signature);
        body.extend_from_slice(data);
        seeds.push((format!("recover-{i}"), input(RECOVER, 0, &body)));
    }
    if let Some((signature, data)) = signed.get(1) {
        // The same signature with a high s (n - s) and the other parity: btcec recovers it.
        if let Some(high) = flip_s(signature) {
            let mut body = vec![65];
            body.extend_from_slice(&high);
            body.extend_from_slice(data);
            seeds.push(("recover-high-s".into(), input(RECOVER, 0, &body)));
        }
        let mut short = vec![64];
        short.extend_from_slice(&signature[..64]);
        seeds.push(("recover-short".into(), input(RECOVER, 0, &short)));
    }
    if let Some(k) = items(&identity["keys"]).first() {
        // A compressed public key as the signed data: parsed as SEC1 too.
        let mut body = vec![0];
        body.extend_from_slice(&hex_of(&k["public_key_compressed"]));
        seeds.push(("recover-sec1".into(), input(RECOVER, 0, &body)));
    }
}

fn stamp_seeds(seeds: &mut Vec<(String, Vec<u8>)>) {
    let postage = fixture(POSTAGE_JSON);
    for s in items(&postage["stamps"]) {
        let name = s["name"].as_str().unwrap_or_default().replace(' ', "-");
        let stamp = hex_of(&s["stamp"]);
        let mut body = hex_of(&s["chunk_address"]);
        body.push(number(&s["batch_depth"]) as u8);
        body.push(number(&s["bucket_depth"]) as u8);
        body.extend_from_slice(&stamp);
        seeds.push((format!("stamp-{name}"), input(STAMP, 0, &body)));
        // The same stamp in a delivery, as a storer receives it.
        let delivery = pb::pushsync::Delivery {
            address: hex_of(&s["chunk_address"]),
            data: vec![3, 0, 0, 0, 0, 0, 0, 0, b'a', b'b', b'c'],
            stamp: stamp.clone(),
        };
        seeds.push((
            format!("pushsync.Delivery-stamp-{name}"),
            input(13, 0, &delivery.encode_to_vec()),
        ));
        if name == "first-slot" {
            // Depths that are no batch's: bucket depth beyond 32 and a depth below it.
            for (depth, bucket_depth) in [(50u8, 40u8), (10, 16), (255, 0)] {
                body[32] = depth;
                body[33] = bucket_depth;
                seeds.push((
                    format!("stamp-{name}-depth-{depth}-{bucket_depth}"),
                    input(STAMP, 0, &body),
                ));
            }
            body.pop();
            seeds.push((format!("stamp-{name}-short"), input(STAMP, 0, &body)));
        }
    }
}

fn keystore_seeds(seeds: &mut Vec<(String, Vec<u8>)>) {
    let mut add = |name: &str, password: &str, file: &[u8]| {
        let mut body = vec![password.len() as u8];
        body.extend_from_slice(password.as_bytes());
        body.extend_from_slice(file);
        seeds.push((format!("keystore-{name}"), input(KEYSTORE, 0, &body)));
    };
    let keystore = fixture(KEYSTORE_JSON);
    let bee_file = keystore["key_file"].as_str().unwrap_or_default();
    let password = keystore["password"].as_str().unwrap_or_default();
    add("bee", password, bee_file.as_bytes());
    let secret = hex_of(&keystore["private_key"]);
    let salt = [0x5a; 32];
    let iv = [0xa5; 16];
    if let Some(file) = cheap_file(&secret, "fuzz password", "scrypt", &salt, &iv) {
        add("scrypt-opens", "fuzz password", file.as_bytes());
        add("scrypt-wrong-password", "not the password", file.as_bytes());
        // The same file in JSON's sequence form, which serde reads too.
        if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(&file) {
            let c = &doc["crypto"];
            let seq = serde_json::json!([
                doc["address"],
                [
                    c["cipher"],
                    c["ciphertext"],
                    c["cipherparams"],
                    c["kdf"],
                    [16, 1, 1, 32, hex::encode(salt)],
                    c["mac"]
                ],
                3,
                doc["id"]
            ]);
            add(
                "scrypt-sequence",
                "fuzz password",
                seq.to_string().as_bytes(),
            );
        }
    }
    if let Some(file) = cheap_file(&secret, "fuzz password", "pbkdf2", &salt, &iv) {
        add("pbkdf2-opens", "fuzz password", file.as_bytes());
    }
    // Parameters the keystore refuses before any work, and files it cannot read.
    if let Ok(doc) = serde_json::from_str::<Value>(bee_file) {
        let with = |path: &[&str], value: Value| {
            let mut v = doc.clone();
            let mut at = &mut v;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = value;
            v.to_string()
        };
        for (name, path, value) in [
            (
                "n-2pow40",
                &["crypto", "kdfparams", "n"][..],
                Value::from(1u64 << 40),
            ),
            (
                "n-2pow21",
                &["crypto", "kdfparams", "n"],
                Value::from(1u64 << 21),
            ),
            ("n-1000", &["crypto", "kdfparams", "n"], Value::from(1000)),
            (
                "r-2pow20",
                &["crypto", "kdfparams", "r"],
                Value::from(1 << 20),
            ),
            ("p-17", &["crypto", "kdfparams", "p"], Value::from(17)),
            (
                "dklen-16",
                &["crypto", "kdfparams", "dklen"],
                Value::from(16),
            ),
            ("kdf-argon2", &["crypto", "kdf"], Value::from("argon2")),
            ("cipher", &["crypto", "cipher"], Value::from("aes-256-gcm")),
            ("version-4", &["version"], Value::from(4)),
            (
                "ciphertext-short",
                &["crypto", "ciphertext"],
                Value::from("00ff"),
            ),
            (
                "iv-not-hex",
                &["crypto", "cipherparams", "iv"],
                Value::from("zz"),
            ),
            (
                "iv-short",
                &["crypto", "cipherparams", "iv"],
                Value::from("0011223344556677"),
            ),
            ("mac-not-hex", &["crypto", "mac"], Value::from("0x00")),
        ] {
            add(name, password, with(path, value).as_bytes());
        }
    }
    add("not-json", "x", b"not json");
}

/// A key file of `secret` that opens with `password` through a KDF of [`MAX_FUZZ_KDF_COST`] or
/// less: scrypt N = 16, r = p = 1, or 2 rounds of PBKDF2.
fn cheap_file(
    secret: &[u8],
    password: &str,
    kdf: &str,
    salt: &[u8],
    iv: &[u8; 16],
) -> Option<String> {
    use aes::cipher::{KeyIvInit, StreamCipher};
    let mut derived = [0u8; 32];
    let params = match kdf {
        "scrypt" => {
            let p = scrypt::Params::new(4, 1, 1).ok()?;
            scrypt::scrypt(password.as_bytes(), salt, &p, &mut derived).ok()?;
            serde_json::json!({"n": 16, "r": 1, "p": 1, "dklen": 32, "salt": hex::encode(salt)})
        }
        _ => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, 2, &mut derived);
            serde_json::json!({"c": 2, "dklen": 32, "prf": "hmac-sha256", "salt": hex::encode(salt)})
        }
    };
    let mut data = secret.to_vec();
    let mut key = [0u8; 16];
    key.copy_from_slice(&derived[..16]);
    ctr::Ctr128BE::<aes::Aes128>::new(&key.into(), iv.into()).apply_keystream(&mut data);
    let mac = keccak256_concat(&[&derived[16..], &data]);
    let file = serde_json::json!({
        "address": OverlayKey::from_slice(secret).ok()?.eth_address().to_hex(),
        "crypto": {
            "cipher": "aes-128-ctr",
            "ciphertext": hex::encode(&data),
            "cipherparams": {"iv": hex::encode(iv)},
            "kdf": kdf,
            "kdfparams": params,
            "mac": hex::encode(mac),
        },
        "version": 3,
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    });
    Some(file.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheap_key_files_open_and_costly_ones_are_scaled_down() {
        let secret = [7u8; 32];
        for kdf in ["scrypt", "pbkdf2"] {
            let file = cheap_file(&secret, "pw", kdf, &[1; 32], &[2; 16]).expect("a file");
            let key = decrypt_key_file(file.as_bytes(), "pw").expect("opens");
            assert_eq!(key.secret_bytes(), secret);
            assert!(matches!(
                cheap_key_file(file.as_bytes()),
                Some(Cow::Borrowed(_))
            ));
        }
        let bee: Value = fixture(KEYSTORE_JSON);
        let bee_file = bee["key_file"].as_str().expect("key file").as_bytes();
        let scaled = cheap_key_file(bee_file).expect("scaled");
        assert!(matches!(scaled, Cow::Owned(_)));
        let probe: ProbeFile = serde_json::from_slice(&scaled).expect("probe");
        assert_eq!(kdf_param(&probe.crypto.kdfparams, "n", 0), Some(16));
        // What the keystore refuses runs as it is.
        let mut huge: Value = serde_json::from_slice(bee_file).expect("JSON");
        huge["crypto"]["kdfparams"]["n"] = Value::from(1u64 << 40);
        let huge = huge.to_string();
        assert!(matches!(
            cheap_key_file(huge.as_bytes()),
            Some(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn the_fixed_batch_is_the_fixtures() {
        let postage = fixture(POSTAGE_JSON);
        let s = &items(&postage["stamps"])[0];
        assert_eq!(FIXED_BATCH.id.to_vec(), hex_of(&s["batch_id"]));
        assert_eq!(FIXED_BATCH.owner.0.to_vec(), hex_of(&s["owner"]));
    }
}
