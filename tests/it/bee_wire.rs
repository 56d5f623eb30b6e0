//! bee's wire formats, checked byte for byte against vectors from bee v2.8.1's own code
//! (`fixtures/bee-wire/`, written by `tools/bee/vectors`), and the bad inputs a peer could send.

use std::fmt::Debug;

use prost::Message;
use serde_json::Value;

use swarmec::address::Address;
use swarmec::identity::bzz::{deserialize_underlays, serialize_underlays};
use swarmec::identity::{
    decrypt_key_file, encrypt_key_file, recover, BzzAddress, BzzError, EthAddress, KeystoreError,
    OverlayKey, Signature,
};
use swarmec::net::bee::frame::{
    decode_frame, decode_frame_limited, encode_frame, encode_frame_into, parse_header, FrameError,
    MAX_FRAME_SIZE,
};
use swarmec::net::bee::pb;
use swarmec::postage::{
    bucket_of, sign_digest, Batch, PostageError, Stamp, StampIndex, BUCKET_DEPTH, STAMP_SIZE,
};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/bee-wire/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    unhex(v).try_into().unwrap()
}

fn num(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        _ => v.as_u64().unwrap(),
    }
}

fn signed(v: &Value) -> i64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        _ => v.as_i64().unwrap(),
    }
}

fn key_of(v: &Value) -> OverlayKey {
    OverlayKey::from_slice(&unhex(v)).unwrap()
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

// ---------------------------------------------------------------------------------------------
// identity

#[test]
fn keys_addresses_and_overlays_match_bee() {
    let f = fixture("identity.json");
    for k in array(&f["keys"]) {
        let key = key_of(&k["private_key"]);
        let public = key.public_key();
        assert_eq!(public.to_uncompressed().to_vec(), unhex(&k["public_key"]));
        assert_eq!(
            public.to_compressed().to_vec(),
            unhex(&k["public_key_compressed"])
        );
        assert_eq!(
            key.eth_address().to_hex(),
            k["ethereum_address"].as_str().unwrap()
        );
        assert_eq!(key.secret_bytes().to_vec(), unhex(&k["private_key"]));
    }
    let overlays = array(&f["overlays"]);
    assert!(overlays.len() >= 12);
    for o in overlays {
        let key = key_of(&o["private_key"]);
        let nonce = arr::<32>(&o["nonce"]);
        assert_eq!(
            key.overlay(num(&o["network_id"]), &nonce).to_hex(),
            o["overlay"].as_str().unwrap(),
            "{o}"
        );
    }
}

#[test]
fn signatures_match_bee_and_recover() {
    let f = fixture("identity.json");
    for s in array(&f["signatures"]) {
        let key = key_of(&s["private_key"]);
        let data = unhex(&s["data"]);
        let sig = key.sign(&data).unwrap();
        assert_eq!(sig.0.to_vec(), unhex(&s["signature"]), "{s}");
        assert_eq!(recover(&sig.0, &data).unwrap(), key.public_key());
        // another message recovers another key (or none)
        let mut other = data.clone();
        other.push(0);
        assert_ne!(recover(&sig.0, &other).ok(), Some(key.public_key()));
        // bee's btcec accepts v + 4 (compressed flag) and high s; so do we
        let mut flagged = sig.0;
        flagged[64] += 4;
        assert_eq!(recover(&flagged, &data).unwrap(), key.public_key());
    }
    let sig = [0u8; 65];
    assert!(recover(&sig, b"x").is_err());
    assert!(recover(&sig[..64], b"x").is_err());
    let mut bad_v = [1u8; 65];
    bad_v[64] = 26;
    assert!(recover(&bad_v, b"x").is_err());
    bad_v[64] = 35;
    assert!(recover(&bad_v, b"x").is_err());
}

#[test]
fn high_s_signatures_recover_like_btcec() {
    // (r, n - s) with the other recovery parity is the same signature to btcec.
    let key = OverlayKey::from_slice(&[7u8; 32]).unwrap();
    let sig = key.sign(b"high s").unwrap();
    let n =
        hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").unwrap();
    let s = &sig.0[32..64];
    let mut high = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(n[i]) - i16::from(s[i]) - borrow;
        high[i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    let mut flipped = sig.0;
    flipped[32..64].copy_from_slice(&high);
    flipped[64] = 27 + ((sig.0[64] - 27) ^ 1);
    assert_eq!(recover(&flipped, b"high s").unwrap(), key.public_key());
}

#[test]
fn secret_keys_are_checked() {
    assert!(OverlayKey::from_slice(&[0u8; 32]).is_err());
    assert!(OverlayKey::from_slice(&[0xff; 32]).is_err());
    assert!(OverlayKey::from_slice(&[1u8; 31]).is_err());
    let a = OverlayKey::generate().unwrap();
    let b = OverlayKey::generate().unwrap();
    assert_ne!(a.eth_address(), b.eth_address());
    // Debug never prints the secret
    assert!(!format!("{a:?}").contains(&hex::encode(a.secret_bytes())));
}

// ---------------------------------------------------------------------------------------------
// bzz addresses

#[test]
fn bzz_addresses_match_bee() {
    let f = fixture("bzz.json");
    for a in array(&f["addresses"]) {
        let key = key_of(&a["private_key"]);
        let network_id = num(&a["network_id"]);
        let nonce = arr::<32>(&a["nonce"]);
        let timestamp = signed(&a["timestamp"]);
        let chequebook = EthAddress(arr::<20>(&a["chequebook_address"]));
        // libp2p's multiaddr bytes are bee's
        let underlays: Vec<Vec<u8>> = array(&a["underlays"])
            .iter()
            .map(|s| {
                s.as_str()
                    .unwrap()
                    .parse::<libp2p::Multiaddr>()
                    .unwrap()
                    .to_vec()
            })
            .collect();
        assert_eq!(
            serialize_underlays(&underlays).unwrap(),
            unhex(&a["underlay_bytes"])
        );
        assert_eq!(
            deserialize_underlays(&unhex(&a["underlay_bytes"])).unwrap(),
            underlays
        );

        let signed_addr =
            BzzAddress::sign(&key, &underlays, network_id, &nonce, timestamp, chequebook).unwrap();
        assert_eq!(signed_addr.overlay.to_hex(), a["overlay"].as_str().unwrap());
        assert_eq!(
            signed_addr.signature.0.to_vec(),
            unhex(&a["signature"]),
            "{a}"
        );

        let verified = signed_addr.verify_on(network_id).unwrap();
        assert_eq!(verified.underlays, underlays);
        assert_eq!(
            verified.eth_address.to_hex(),
            a["ethereum_address"].as_str().unwrap()
        );
        assert_eq!(verified.address, signed_addr);

        // Another network id: the recovered key's overlay is another one.
        assert!(matches!(
            signed_addr.verify_on(network_id.wrapping_add(1)),
            Err(BzzError::Overlay { .. })
        ));
        // Any altered field fails.
        let mut later = signed_addr.clone();
        later.timestamp += 1;
        assert!(later.verify_on(network_id).is_err());
        let mut moved = signed_addr.clone();
        moved.underlay = serialize_underlays(&[b"\x04\x7f\x00\x00\x02".to_vec()]).unwrap();
        assert!(moved.verify_on(network_id).is_err());
        let mut other_nonce = signed_addr.clone();
        other_nonce.nonce[0] ^= 1;
        assert!(other_nonce.verify_on(network_id).is_err());
        for i in [0, 31, 32, 63, 64] {
            let mut bad = signed_addr.clone();
            bad.signature.0[i] ^= 0x01;
            assert!(bad.verify_on(network_id).is_err(), "signature byte {i}");
        }

        // The wire form verifies, and an empty chequebook field means the zero address.
        let wire = pb::handshake::BzzAddress::from(&signed_addr);
        assert_eq!(wire.verify(network_id).unwrap(), verified);
        let mut empty = wire.clone();
        empty.chequebook_address.clear();
        assert_eq!(
            empty.verify(network_id).is_ok(),
            chequebook == EthAddress::default()
        );
        let mut short = wire.clone();
        short.chequebook_address.truncate(19);
        assert!(matches!(
            short.verify(network_id),
            Err(BzzError::Chequebook { .. })
        ));
        let mut short_nonce = wire.clone();
        short_nonce.nonce.pop();
        assert!(matches!(
            short_nonce.verify(network_id),
            Err(BzzError::Nonce { .. })
        ));
        let mut no_time = wire.clone();
        no_time.timestamp = 0;
        assert!(matches!(
            no_time.verify(network_id),
            Err(BzzError::Timestamp(0))
        ));
        let mut cut_sig = wire.clone();
        cut_sig.signature.truncate(64);
        assert!(matches!(
            cut_sig.verify(network_id),
            Err(BzzError::Signature { .. })
        ));
        let hive = pb::hive::BzzAddress::from(&signed_addr);
        assert_eq!(hive.encode_to_vec(), wire.encode_to_vec());
    }
}

#[test]
fn bzz_address_without_underlay_is_refused() {
    let key = OverlayKey::from_slice(&[9u8; 32]).unwrap();
    let nonce = [0u8; 32];
    let none = BzzAddress::sign::<Vec<u8>>(&key, &[], 1, &nonce, 5, EthAddress::default()).unwrap();
    assert_eq!(none.underlay, vec![0x99]);
    assert_eq!(none.verify_on(1), Err(BzzError::NoUnderlay));
    assert!(BzzAddress::sign(&key, &[vec![4u8]], 1, &nonce, 0, EthAddress::default()).is_err());
}

// ---------------------------------------------------------------------------------------------
// postage

#[test]
fn stamps_match_bee() {
    let f = fixture("postage.json");
    assert_eq!(num(&f["stamp_size"]) as usize, STAMP_SIZE);
    assert_eq!(num(&f["bucket_depth"]) as u8, BUCKET_DEPTH);
    for s in array(&f["stamps"]) {
        let key = key_of(&s["private_key"]);
        let chunk = Address(arr::<32>(&s["chunk_address"]));
        let batch_id = arr::<32>(&s["batch_id"]);
        let index = arr::<8>(&s["index"]);
        let timestamp = arr::<8>(&s["timestamp"]);
        let owner = EthAddress(arr::<20>(&s["owner"]));
        let depth = num(&s["batch_depth"]) as u8;
        let bucket_depth = num(&s["bucket_depth"]) as u8;

        assert_eq!(
            StampIndex::from_bytes(&index),
            StampIndex {
                bucket: num(&s["bucket"]) as u32,
                slot: num(&s["slot"]) as u32
            }
        );
        assert_eq!(
            sign_digest(&chunk, &batch_id, &index, &timestamp).to_vec(),
            unhex(&s["digest"])
        );
        let stamp = Stamp::sign_unchecked(&key, &batch_id, &chunk, index, timestamp).unwrap();
        assert_eq!(
            stamp.signature.0.to_vec(),
            unhex(&s["signature"]),
            "{}",
            s["name"]
        );
        assert_eq!(stamp.to_bytes().to_vec(), unhex(&s["stamp"]));
        assert_eq!(Stamp::from_bytes(&unhex(&s["stamp"])).unwrap(), stamp);
        assert_eq!(stamp.hash().to_vec(), unhex(&s["stamp_hash"]));
        assert_eq!(stamp.recover_owner(&chunk).unwrap(), key.eth_address());

        let verdict = stamp.validate(&chunk, &owner, depth, bucket_depth);
        match s["valid"].as_str().unwrap() {
            "ok" => {
                verdict.unwrap();
                let batch = Batch::new(batch_id, owner, depth, false).unwrap();
                stamp.validate_for(&chunk, &batch).unwrap();
                // the checked signer agrees
                assert_eq!(
                    Stamp::sign(
                        &key,
                        &batch,
                        &chunk,
                        stamp.stamp_index(),
                        stamp.timestamp_u64()
                    )
                    .unwrap(),
                    stamp
                );
                // a flipped signature bit is refused
                for i in [0, 40, 64] {
                    let mut bad = stamp;
                    bad.signature.0[i] ^= 1;
                    assert!(bad.validate(&chunk, &owner, depth, bucket_depth).is_err());
                }
                // another chunk in another bucket is refused
                let mut other = chunk;
                other.0[0] ^= 0x80;
                assert!(matches!(
                    stamp.validate(&other, &owner, depth, bucket_depth),
                    Err(PostageError::BucketMismatch { .. })
                ));
                // a batch of another id is refused
                let mut other_batch = batch;
                other_batch.id[0] ^= 1;
                assert!(matches!(
                    stamp.validate_for(&chunk, &other_batch),
                    Err(PostageError::BatchMismatch { .. })
                ));
            }
            "bucket mismatch" => assert!(
                matches!(verdict, Err(PostageError::BucketMismatch { .. })),
                "{verdict:?}"
            ),
            "invalid index" => assert!(
                matches!(verdict, Err(PostageError::InvalidIndex { .. })),
                "{verdict:?}"
            ),
            "owner mismatch" => assert!(
                matches!(verdict, Err(PostageError::OwnerMismatch { .. })),
                "{verdict:?}"
            ),
            other => panic!("unknown verdict {other}"),
        }
    }
}

#[test]
fn bad_stamps_are_refused() {
    let key = OverlayKey::from_slice(&[3u8; 32]).unwrap();
    let batch = Batch::new([5u8; 32], key.eth_address(), 18, true).unwrap();
    let chunk = Address([0xabu8; 32]);
    let bucket = bucket_of(BUCKET_DEPTH, &chunk);
    assert_eq!(bucket, 0xabab);
    let ok = Stamp::sign(&key, &batch, &chunk, StampIndex { bucket, slot: 3 }, 1).unwrap();
    ok.validate_for(&chunk, &batch).unwrap();
    // the signer refuses to issue out of range or in another bucket
    assert!(matches!(
        Stamp::sign(&key, &batch, &chunk, StampIndex { bucket, slot: 4 }, 1),
        Err(PostageError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        Stamp::sign(
            &key,
            &batch,
            &chunk,
            StampIndex {
                bucket: bucket + 1,
                slot: 0
            },
            1
        ),
        Err(PostageError::BucketMismatch { .. })
    ));
    // signed regardless, the storer refuses them
    let beyond = Stamp::sign_unchecked(
        &key,
        &batch.id,
        &chunk,
        StampIndex { bucket, slot: 4 }.to_bytes(),
        [0; 8],
    )
    .unwrap();
    assert!(matches!(
        beyond.validate_for(&chunk, &batch),
        Err(PostageError::InvalidIndex { slot: 4, .. })
    ));
    let wrong_bucket = Stamp::sign_unchecked(
        &key,
        &batch.id,
        &chunk,
        StampIndex { bucket: 0, slot: 0 }.to_bytes(),
        [0; 8],
    )
    .unwrap();
    assert!(matches!(
        wrong_bucket.validate_for(&chunk, &batch),
        Err(PostageError::BucketMismatch { bucket: 0, .. })
    ));
    // a stamp by someone else
    let other = OverlayKey::from_slice(&[4u8; 32]).unwrap();
    let forged = Stamp::sign(&other, &batch, &chunk, StampIndex { bucket, slot: 0 }, 1).unwrap();
    assert!(matches!(
        forged.validate_for(&chunk, &batch),
        Err(PostageError::OwnerMismatch { .. })
    ));
    // a garbage signature
    let mut garbage = ok;
    garbage.signature = Signature([0u8; 65]);
    assert!(matches!(
        garbage.validate_for(&chunk, &batch),
        Err(PostageError::Signature { .. })
    ));
    // wrong lengths
    let bytes = ok.to_bytes();
    assert!(Stamp::from_bytes(&bytes[..112]).is_err());
    assert!(Stamp::from_bytes(&[bytes.as_slice(), &[0]].concat()).is_err());
    assert!(Stamp::from_bytes(&[]).is_err());
    // batches the contract would not make
    assert!(Batch::new([0; 32], key.eth_address(), 16, false).is_err());
    assert!(Batch::new([0; 32], key.eth_address(), 48, false).is_err());
    assert_eq!(
        Batch::new([0; 32], key.eth_address(), 17, false)
            .unwrap()
            .slots_per_bucket(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// protobuf messages

fn field<'a>(f: &'a Value, name: &str) -> Option<&'a Value> {
    f.get(name).filter(|v| !v.is_null())
}

fn bytes(f: &Value, name: &str) -> Vec<u8> {
    field(f, name).map(unhex).unwrap_or_default()
}

fn string(f: &Value, name: &str) -> String {
    field(f, name)
        .map(|v| v.as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn unsigned(f: &Value, name: &str) -> u64 {
    field(f, name).map(num).unwrap_or_default()
}

fn int(f: &Value, name: &str) -> i64 {
    field(f, name).map(signed).unwrap_or_default()
}

fn boolean(f: &Value, name: &str) -> bool {
    field(f, name)
        .map(|v| v.as_bool().unwrap())
        .unwrap_or_default()
}

fn list<'a>(f: &'a Value, name: &str) -> Vec<&'a Value> {
    field(f, name)
        .map(|v| array(v).iter().collect())
        .unwrap_or_default()
}

fn handshake_bzz(f: &Value) -> pb::handshake::BzzAddress {
    pb::handshake::BzzAddress {
        underlay: bytes(f, "Underlay"),
        signature: bytes(f, "Signature"),
        overlay: bytes(f, "Overlay"),
        nonce: bytes(f, "Nonce"),
        timestamp: int(f, "Timestamp"),
        chequebook_address: bytes(f, "ChequebookAddress"),
    }
}

fn hive_bzz(f: &Value) -> pb::hive::BzzAddress {
    pb::hive::BzzAddress {
        underlay: bytes(f, "Underlay"),
        signature: bytes(f, "Signature"),
        overlay: bytes(f, "Overlay"),
        nonce: bytes(f, "Nonce"),
        timestamp: int(f, "Timestamp"),
        chequebook_address: bytes(f, "ChequebookAddress"),
    }
}

fn ack(f: &Value) -> pb::handshake::Ack {
    pb::handshake::Ack {
        address: field(f, "Address").map(handshake_bzz),
        network_id: unsigned(f, "NetworkID"),
        full_node: boolean(f, "FullNode"),
        welcome_message: string(f, "WelcomeMessage"),
    }
}

/// Our encoding of `msg` is bee's, frame included, and bee's bytes decode to `msg`.
fn check_message<M: Message + Default + PartialEq + Debug>(v: &Value, msg: M) {
    let name = format!("{} {}", v["protocol"], v["message"]);
    let want = unhex(&v["bytes"]);
    let frame = unhex(&v["frame"]);
    assert_eq!(
        hex::encode(msg.encode_to_vec()),
        hex::encode(&want),
        "{name}"
    );
    assert_eq!(encode_frame(&msg), frame, "{name}");
    let mut appended = vec![0xee];
    encode_frame_into(&msg, &mut appended);
    assert_eq!(appended[1..], frame[..], "{name}");
    assert_eq!(M::decode(want.as_slice()).unwrap(), msg, "{name}");
    let (decoded, used) = decode_frame::<M>(&frame).unwrap();
    assert_eq!(decoded, msg, "{name}");
    assert_eq!(used, frame.len(), "{name}");
    // Every proper prefix of the frame is truncated, never a panic or a wrong message.
    for cut in 0..frame.len() {
        assert!(
            matches!(
                decode_frame::<M>(&frame[..cut]),
                Err(FrameError::Truncated { .. })
            ),
            "{name} cut at {cut}"
        );
    }
}

#[test]
fn every_message_matches_bee() {
    let f = fixture("messages.json");
    let mut seen = std::collections::BTreeSet::new();
    for v in array(&f["messages"]) {
        let fields = &v["fields"];
        let protocol = v["protocol"].as_str().unwrap();
        let message = v["message"].as_str().unwrap();
        seen.insert(format!("{protocol}.{message}"));
        match (protocol, message) {
            ("headers", "Headers") => check_message(
                v,
                pb::headers::Headers {
                    headers: list(fields, "Headers")
                        .into_iter()
                        .map(|h| pb::headers::Header {
                            key: string(h, "Key"),
                            value: bytes(h, "Value"),
                        })
                        .collect(),
                },
            ),
            ("handshake", "Syn") => check_message(
                v,
                pb::handshake::Syn {
                    observed_underlay: bytes(fields, "ObservedUnderlay"),
                },
            ),
            ("handshake", "Ack") => {
                let msg = ack(fields);
                // a bee Ack's address verifies on its network
                msg.address
                    .as_ref()
                    .unwrap()
                    .verify(msg.network_id)
                    .unwrap();
                check_message(v, msg)
            }
            ("handshake", "SynAck") => check_message(
                v,
                pb::handshake::SynAck {
                    syn: field(fields, "Syn").map(|s| pb::handshake::Syn {
                        observed_underlay: bytes(s, "ObservedUnderlay"),
                    }),
                    ack: field(fields, "Ack").map(ack),
                },
            ),
            ("handshake", "BzzAddress") => check_message(v, handshake_bzz(fields)),
            ("hive", "Peers") => check_message(
                v,
                pb::hive::Peers {
                    peers: list(fields, "Peers").into_iter().map(hive_bzz).collect(),
                },
            ),
            ("pingpong", "Ping") => check_message(
                v,
                pb::pingpong::Ping {
                    greeting: string(fields, "Greeting"),
                },
            ),
            ("pingpong", "Pong") => check_message(
                v,
                pb::pingpong::Pong {
                    response: string(fields, "Response"),
                },
            ),
            ("pricing", "AnnouncePaymentThreshold") => check_message(
                v,
                pb::pricing::AnnouncePaymentThreshold {
                    payment_threshold: bytes(fields, "PaymentThreshold"),
                },
            ),
            ("pseudosettle", "Payment") => check_message(
                v,
                pb::pseudosettle::Payment {
                    amount: bytes(fields, "Amount"),
                },
            ),
            ("pseudosettle", "PaymentAck") => check_message(
                v,
                pb::pseudosettle::PaymentAck {
                    amount: bytes(fields, "Amount"),
                    timestamp: int(fields, "Timestamp"),
                },
            ),
            ("pushsync", "Delivery") => check_message(
                v,
                pb::pushsync::Delivery {
                    address: bytes(fields, "Address"),
                    data: bytes(fields, "Data"),
                    stamp: bytes(fields, "Stamp"),
                },
            ),
            ("pushsync", "Receipt") => check_message(
                v,
                pb::pushsync::Receipt {
                    address: bytes(fields, "Address"),
                    signature: bytes(fields, "Signature"),
                    nonce: bytes(fields, "Nonce"),
                    err: string(fields, "Err"),
                    storage_radius: unsigned(fields, "StorageRadius") as u32,
                },
            ),
            ("retrieval", "Request") => check_message(
                v,
                pb::retrieval::Request {
                    addr: bytes(fields, "Addr"),
                },
            ),
            ("retrieval", "Delivery") => check_message(
                v,
                pb::retrieval::Delivery {
                    data: bytes(fields, "Data"),
                    stamp: bytes(fields, "Stamp"),
                    err: string(fields, "Err"),
                },
            ),
            ("status", "Get") => check_message(v, pb::status::Get {}),
            ("status", "Snapshot") => check_message(
                v,
                pb::status::Snapshot {
                    reserve_size: unsigned(fields, "ReserveSize"),
                    pullsync_rate: fields["PullsyncRate"].as_f64().unwrap(),
                    storage_radius: unsigned(fields, "StorageRadius") as u32,
                    connected_peers: unsigned(fields, "ConnectedPeers"),
                    neighborhood_size: unsigned(fields, "NeighborhoodSize"),
                    bee_mode: string(fields, "BeeMode"),
                    batch_commitment: unsigned(fields, "BatchCommitment"),
                    is_reachable: boolean(fields, "IsReachable"),
                    reserve_size_within_radius: unsigned(fields, "ReserveSizeWithinRadius"),
                    last_synced_block: unsigned(fields, "LastSyncedBlock"),
                    committed_depth: unsigned(fields, "CommittedDepth") as u32,
                    metrics: fields["Metrics"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect(),
                },
            ),
            ("pullsync", "Syn") => check_message(v, pb::pullsync::Syn {}),
            ("pullsync", "Ack") => check_message(
                v,
                pb::pullsync::Ack {
                    cursors: list(fields, "Cursors").into_iter().map(num).collect(),
                    epoch: unsigned(fields, "Epoch"),
                },
            ),
            ("pullsync", "Get") => check_message(
                v,
                pb::pullsync::Get {
                    bin: int(fields, "Bin") as i32,
                    start: unsigned(fields, "Start"),
                },
            ),
            ("pullsync", "Offer") => check_message(
                v,
                pb::pullsync::Offer {
                    topmost: unsigned(fields, "Topmost"),
                    chunks: list(fields, "Chunks")
                        .into_iter()
                        .map(|c| pb::pullsync::Chunk {
                            address: bytes(c, "Address"),
                            batch_id: bytes(c, "BatchID"),
                            stamp_hash: bytes(c, "StampHash"),
                        })
                        .collect(),
                },
            ),
            ("pullsync", "Want") => check_message(
                v,
                pb::pullsync::Want {
                    bit_vector: bytes(fields, "BitVector"),
                },
            ),
            ("pullsync", "Delivery") => check_message(
                v,
                pb::pullsync::Delivery {
                    address: bytes(fields, "Address"),
                    data: bytes(fields, "Data"),
                    stamp: bytes(fields, "Stamp"),
                    swarmec_claim: String::new(),
                },
            ),
            other => panic!("no Rust message for {other:?}"),
        }
    }
    // every message of every protocol is covered
    assert_eq!(seen.len(), 23, "{seen:?}");
}

#[test]
fn stream_ids_match_bee() {
    use swarmec::net::bee::*;
    let f = fixture("messages.json");
    let ids: Vec<&str> = array(&f["protocols"])
        .iter()
        .map(|p| {
            let id = p["stream_id"].as_str().unwrap();
            assert_eq!(
                stream_id(
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap(),
                    p["stream"].as_str().unwrap()
                ),
                id
            );
            id
        })
        .collect();
    assert_eq!(
        ids,
        [
            HANDSHAKE,
            HIVE_PEERS,
            PINGPONG,
            PRICING,
            PSEUDOSETTLE,
            PUSHSYNC,
            RETRIEVAL,
            STATUS,
            PULLSYNC,
            PULLSYNC_CURSORS
        ]
    );
}

#[test]
fn receipt_recovers_the_storer_overlay() {
    let f = fixture("messages.json");
    let r = &f["receipt"];
    let key = key_of(&r["private_key"]);
    let chunk = unhex(&r["chunk_address"]);
    let nonce = arr::<32>(&r["nonce"]);
    let network_id = num(&r["network_id"]);
    assert_eq!(key.sign(&chunk).unwrap().0.to_vec(), unhex(&r["signature"]));
    let storer = recover(&unhex(&r["signature"]), &chunk).unwrap();
    assert_eq!(
        storer.overlay(network_id, &nonce).to_hex(),
        r["overlay"].as_str().unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// frames

#[test]
fn oversized_and_malformed_frames_are_refused() {
    // A prefix announcing 128 KiB + 1 is refused from the prefix alone (no body, no allocation).
    let mut over = Vec::new();
    prost::encoding::encode_varint(MAX_FRAME_SIZE as u64 + 1, &mut over);
    assert!(matches!(
        parse_header(&over, MAX_FRAME_SIZE),
        Err(FrameError::TooLarge { .. })
    ));
    assert!(matches!(
        decode_frame::<pb::pushsync::Delivery>(&over),
        Err(FrameError::TooLarge { .. })
    ));
    let mut huge = Vec::new();
    prost::encoding::encode_varint(u64::MAX, &mut huge);
    assert!(matches!(
        decode_frame::<pb::pushsync::Delivery>(&huge),
        Err(FrameError::TooLarge { .. })
    ));
    assert!(matches!(
        decode_frame::<pb::pushsync::Delivery>(&[0xff; 11]),
        Err(FrameError::VarintOverflow { .. })
    ));

    // Exactly 128 KiB is bee's limit and is accepted; a byte more is not.
    let mut delivery = pb::pushsync::Delivery {
        address: vec![1; 32],
        data: Vec::new(),
        stamp: vec![2; 113],
    };
    let overhead = delivery.encoded_len() + 4; // tag and a 3-byte length for data
    delivery.data = vec![7; MAX_FRAME_SIZE - overhead];
    assert_eq!(delivery.encoded_len(), MAX_FRAME_SIZE);
    let frame = encode_frame(&delivery);
    assert_eq!(
        decode_frame::<pb::pushsync::Delivery>(&frame).unwrap().0,
        delivery
    );
    delivery.data.push(7);
    let frame = encode_frame(&delivery);
    assert!(matches!(
        decode_frame::<pb::pushsync::Delivery>(&frame),
        Err(FrameError::TooLarge { .. })
    ));
    // a smaller limit of the caller's own
    let small = encode_frame(&pb::retrieval::Request { addr: vec![0; 32] });
    assert!(decode_frame_limited::<pb::retrieval::Request>(&small, 34).is_ok());
    assert!(decode_frame_limited::<pb::retrieval::Request>(&small, 33).is_err());

    // A body that is not the message: bad wire type, length past the end, bad UTF-8.
    for body in [&[0x0b][..], &[0x0a, 0x05, 0x01], &[0x0a, 0x02, 0xff, 0xfe]] {
        let mut frame = vec![body.len() as u8];
        frame.extend_from_slice(body);
        assert!(matches!(
            decode_frame::<pb::pingpong::Ping>(&frame),
            Err(FrameError::Decode { .. })
        ));
    }
    // Frames follow one another; the decoder takes one and says how much.
    let mut two = encode_frame(&pb::pingpong::Ping {
        greeting: "a".into(),
    });
    let first_len = two.len();
    encode_frame_into(
        &pb::pingpong::Ping {
            greeting: "b".into(),
        },
        &mut two,
    );
    let (first, used) = decode_frame::<pb::pingpong::Ping>(&two).unwrap();
    assert_eq!((first.greeting.as_str(), used), ("a", first_len));
}

// ---------------------------------------------------------------------------------------------
// keystore

#[test]
fn bee_key_file_opens_with_its_password() {
    let f = fixture("keystore.json");
    let file = f["key_file"].as_str().unwrap();
    let password = f["password"].as_str().unwrap();
    let key = decrypt_key_file(file.as_bytes(), password).unwrap();
    assert_eq!(key.secret_bytes().to_vec(), unhex(&f["private_key"]));
    assert_eq!(
        key.eth_address().to_hex(),
        f["ethereum_address"].as_str().unwrap()
    );
    assert_eq!(
        decrypt_key_file(file.as_bytes(), "wrong").unwrap_err(),
        KeystoreError::WrongPassword
    );

    // What we write opens again (bee reads the same format).
    let ours = encrypt_key_file(&key, "another password").unwrap();
    let back = decrypt_key_file(ours.as_bytes(), "another password").unwrap();
    assert_eq!(back.secret_bytes(), key.secret_bytes());
    let parsed: Value = serde_json::from_str(&ours).unwrap();
    assert_eq!(parsed["address"], f["ethereum_address"]);
    assert_eq!(parsed["crypto"]["kdfparams"]["n"], 32768);
}

/// The test vectors of Ethereum's Web3 Secret Storage Definition (password "testpassword"). The
/// scrypt one has N = 2^18 with r = 1, over RFC 7914's N < 2^(16 r) but accepted by Go's scrypt
/// (bee's and geth's), and by ours.
#[test]
fn ethereum_v3_key_files_open() {
    let secret = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
    let pbkdf2 = r#"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},
        "ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2",
        "kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
        "mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},
        "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}"#;
    let scrypt = r#"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"83dbcc02d8ccb40e466191a123791e0e"},
        "ciphertext":"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c","kdf":"scrypt",
        "kdfparams":{"dklen":32,"n":262144,"r":1,"p":8,"salt":"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
        "mac":"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"},
        "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}"#;
    for file in [pbkdf2, scrypt] {
        let key = decrypt_key_file(file.as_bytes(), "testpassword").unwrap();
        assert_eq!(hex::encode(key.secret_bytes()), secret);
    }
}

#[test]
fn hostile_key_files_are_refused_before_work() {
    let f = fixture("keystore.json");
    let file: Value = serde_json::from_str(f["key_file"].as_str().unwrap()).unwrap();
    let with = |path: &[&str], value: Value| {
        let mut v = file.clone();
        let mut at = &mut v;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        v.to_string()
    };
    let refused = |text: String| decrypt_key_file(text.as_bytes(), "x").unwrap_err();
    // scrypt cost that would take 2^40 work or terabytes
    assert!(matches!(
        refused(with(&["crypto", "kdfparams", "n"], Value::from(1u64 << 40))),
        KeystoreError::KdfParams { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "kdfparams", "n"], Value::from(1000))),
        KeystoreError::KdfParams { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "kdfparams", "r"], Value::from(1 << 20))),
        KeystoreError::KdfParams { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "kdfparams", "p"], Value::from(1000))),
        KeystoreError::KdfParams { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "kdfparams", "dklen"], Value::from(16))),
        KeystoreError::KdfParams { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "kdf"], Value::from("argon2"))),
        KeystoreError::Kdf(_)
    ));
    assert!(matches!(
        refused(with(&["crypto", "cipher"], Value::from("aes-256-gcm"))),
        KeystoreError::Cipher(_)
    ));
    assert!(matches!(
        refused(with(&["version"], Value::from(4))),
        KeystoreError::Version(4)
    ));
    assert!(matches!(
        refused(with(&["crypto", "ciphertext"], Value::from("00ff"))),
        KeystoreError::Field { .. }
    ));
    assert!(matches!(
        refused(with(&["crypto", "cipherparams", "iv"], Value::from("zz"))),
        KeystoreError::Field { .. }
    ));
    assert!(matches!(refused("not json".into()), KeystoreError::Json(_)));
    assert!(matches!(
        refused(" ".repeat(70_000)),
        KeystoreError::TooLarge(70_000)
    ));
}
