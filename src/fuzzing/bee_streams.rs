//! Target `bee_streams`: one side of each bee exchange the node runs ([`crate::net::bee`]'s
//! `handshake`, `hive`, `accounting`, `status`, `retrieval`, `pushsync`, `pullsync`), fed a peer's
//! bytes.
//!
//! Input: a selector byte, then the peer's bytes. The selector's low 4 bits pick the exchange
//! ([`EXCHANGES`]), its high 4 bits how many bytes each read returns (1–16: frames arrive split at
//! every point). The peer closes its side after its bytes. Beyond not panicking or hanging: a
//! handshake or a hive record that is accepted verifies again on its own; a retrieval that succeeds
//! delivered a valid chunk at the address asked for (the address is the input's first 32 bytes, also
//! for a push); a push that succeeds brought back a receipt for the chunk pushed; a delivery read
//! keeps its batch claim within [`crate::net::bee::pushsync::MAX_CLAIM_LEN`];
//! pingpong answers at most [`crate::net::bee::status::MAX_PINGS`] pings; nothing writes more than
//! [`MAX_WRITTEN`] bytes.

use std::cell::RefCell;
use std::time::Duration;

use prost::Message;

use super::scripted::{AtEnd, Scripted};
use crate::address::Address;
use crate::cac::Chunk;
use crate::identity::{BzzAddress, EthAddress, OverlayKey};
use crate::net::bee::handshake::{self, Local};
use crate::net::bee::pb;
use crate::net::bee::pullsync;
use crate::net::bee::pushsync::{self, Push};
use crate::net::bee::{accounting, hive, retrieval, status};
use crate::postage::{Stamp, STAMP_SIZE};

/// The exchanges, by selector.
pub const EXCHANGES: [&str; 16] = [
    "handshake-listen",
    "handshake-dial",
    "hive-receive",
    "pricing-accept",
    "pseudosettle-accept",
    "status-serve",
    "pingpong-serve",
    "retrieval-serve",
    "retrieval-request",
    "pushsync-serve",
    "pushsync-push",
    "pullsync-cursors",
    "pullsync-request",
    "pullsync-serve",
    "pullsync-cursors-serve",
    "status-request",
];

/// Most bytes an exchange may write in answer.
pub const MAX_WRITTEN: usize = 64 * 1024;
/// The network the harness's node is on.
pub const NETWORK_ID: u64 = 1;
/// The harness's clock (Unix seconds).
pub const NOW: i64 = 1_750_000_000;

const TIMEOUT: Duration = Duration::from_secs(5);

thread_local! {
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME.with(|rt| {
        let mut rt = rt.borrow_mut();
        let rt = rt.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("a current-thread runtime")
        });
        rt.block_on(f)
    })
}

fn key(byte: u8) -> OverlayKey {
    OverlayKey::from_slice(&[byte; 32]).expect("a valid fixed key")
}

/// The harness's node.
pub fn local() -> Local {
    Local {
        key: key(1),
        nonce: [0; 32],
        network_id: NETWORK_ID,
        full_node: true,
        welcome: "swarmec".into(),
        timeout: TIMEOUT,
    }
}

/// The peer's signed address (a fixed key, network 1).
pub fn peer_address() -> BzzAddress {
    let underlay = b"\x04\x7f\x00\x00\x01\x06\x06\x8a".to_vec(); // /ip4/127.0.0.1/tcp/1674
    BzzAddress::sign(
        &key(2),
        &[underlay],
        NETWORK_ID,
        &[0; 32],
        NOW - 100,
        EthAddress::default(),
    )
    .expect("signing a fixed record")
}

fn our_underlay() -> Vec<u8> {
    b"\x04\x7f\x00\x00\x01\x06\x06\x82".to_vec() // /ip4/127.0.0.1/tcp/1666
}

/// Runs one input; panics on a bug.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(selector >> 4) + 1;
    let which = usize::from(selector & 0x0f) % EXCHANGES.len();
    let (address, peer_bytes) = if which == 8 || which == 10 {
        if rest.len() < 32 {
            return;
        }
        let (a, b) = rest.split_at(32);
        (Some(Address(a.try_into().expect("32 bytes"))), b)
    } else {
        (None, rest)
    };
    let mut s = Scripted::new(peer_bytes.to_vec(), step, AtEnd::Close);
    let local = local();
    block_on(async {
        match which {
            0 => {
                let r = handshake::listen(
                    &mut s,
                    &local,
                    &our_underlay(),
                    |_| vec![our_underlay()],
                    || NOW,
                )
                .await;
                if let Ok(remote) = r {
                    check_remote(&remote);
                }
            }
            1 => {
                let r = handshake::dial(
                    &mut s,
                    &local,
                    &our_underlay(),
                    |_| vec![our_underlay()],
                    || NOW,
                )
                .await;
                if let Ok(remote) = r {
                    check_remote(&remote);
                }
            }
            2 => {
                if let Ok(received) = hive::receive(&mut s, NETWORK_ID, NOW, TIMEOUT).await {
                    for v in received.valid {
                        let again = v
                            .address
                            .verify_on(NETWORK_ID)
                            .expect("an accepted record verifies");
                        assert_eq!(again.address.overlay, v.address.overlay);
                    }
                }
            }
            3 => {
                if let Ok(t) = accounting::accept_announcement(&mut s, TIMEOUT).await {
                    assert!(t.len() <= accounting::MAX_AMOUNT_BYTES);
                }
            }
            4 => {
                let clock = accounting::AckClock::default();
                if let Ok(a) = accounting::accept_payment(&mut s, &clock, NOW, TIMEOUT).await {
                    assert!(a.len() <= accounting::MAX_AMOUNT_BYTES);
                }
            }
            5 => {
                let _ =
                    status::serve_status(&mut s, &pb::status::Snapshot::default(), TIMEOUT).await;
            }
            6 => {
                if let Ok(n) = status::serve_pingpong(&mut s, TIMEOUT).await {
                    assert!(n <= status::MAX_PINGS);
                }
            }
            7 => {
                if let Ok(chunk) = retrieval::read_request(&mut s, TIMEOUT).await {
                    let _ =
                        retrieval::answer(&mut s, chunk, Err(retrieval::NOT_FOUND.into()), TIMEOUT)
                            .await;
                }
            }
            9 => {
                if let Ok(incoming) = pushsync::read_delivery(&mut s, TIMEOUT).await {
                    assert!(
                        incoming.claim.as_ref().map_or(0, String::len) <= pushsync::MAX_CLAIM_LEN
                    );
                    let _ = incoming.stamp.recover_owner(&incoming.chunk);
                    let receipt =
                        pushsync::sign_receipt(&local.key, &local.nonce, &incoming.chunk, 0)
                            .map_err(|e| e.to_string());
                    let _ = pushsync::answer(&mut s, incoming.chunk, receipt, TIMEOUT).await;
                }
            }
            10 => {
                let chunk = address.expect("read above");
                let push = Push {
                    chunk,
                    data: Vec::new(),
                    stamp: fixed_stamp(),
                    claim: Some("claim".into()),
                    replicate: false,
                };
                if let Ok(receipt) = pushsync::push(&mut s, &push, TIMEOUT).await {
                    assert_eq!(
                        receipt.address,
                        chunk.0.to_vec(),
                        "receipt for another chunk"
                    );
                    let _ = pushsync::check_receipt(&receipt, &chunk, NETWORK_ID, 0);
                }
            }
            11 => {
                if let Ok((cursors, _)) = pullsync::get_cursors(&mut s, TIMEOUT).await {
                    assert_eq!(cursors.len(), crate::reserve::BINS, "cursors of every bin");
                }
            }
            12 => {
                if let Ok((_, offered)) = pullsync::request(&mut s, 3, 1, TIMEOUT, TIMEOUT).await {
                    assert!(offered.len() <= pullsync::MAX_OFFERED);
                    let wanted = vec![true; offered.len()];
                    if pullsync::want(&mut s, &wanted, TIMEOUT).await.is_ok() {
                        for _ in &offered {
                            if pullsync::read_delivery(&mut s, TIMEOUT).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
            13 => {
                if let Ok((bin, _)) = pullsync::read_get(&mut s, TIMEOUT).await {
                    assert!(usize::from(bin) < crate::reserve::BINS);
                    let offered = [pullsync::Offered {
                        address: Address([7; 32]),
                        batch: [1; 32],
                        stamp_hash: [2; 32],
                    }; 3];
                    if let Ok(wanted) = pullsync::offer(&mut s, 9, &offered, TIMEOUT).await {
                        assert_eq!(wanted.len(), offered.len());
                    }
                }
            }
            14 => {
                let _ = pullsync::serve_cursors(&mut s, vec![0; 32], 5, TIMEOUT).await;
            }
            15 => {
                let _ = status::get_status(&mut s, TIMEOUT).await;
            }
            _ => {
                let chunk = address.expect("read above");
                if let Ok(data) = retrieval::request(&mut s, chunk, TIMEOUT).await {
                    assert!(
                        crate::soc::is_valid_chunk(&chunk, &data),
                        "accepted an invalid delivery for {chunk}"
                    );
                }
            }
        }
    });
    assert!(
        s.written.len() <= MAX_WRITTEN,
        "wrote {} bytes",
        s.written.len()
    );
}

fn check_remote(remote: &handshake::Remote) {
    let again = remote
        .address
        .verify_on(NETWORK_ID)
        .expect("an accepted handshake address verifies");
    assert_eq!(again.address.overlay, remote.overlay);
    assert!(remote.welcome.len() <= crate::net::bee::MAX_WELCOME_MESSAGE_LEN);
}

/// A stamp for the pushes (its content is never checked by the pusher).
fn fixed_stamp() -> Stamp {
    Stamp::from_bytes(&[7u8; STAMP_SIZE]).expect("113 bytes parse")
}

fn frame<M: Message>(m: &M) -> Vec<u8> {
    crate::net::bee::frame::encode_frame(m)
}

/// A well-behaved peer's side of each exchange, and a few split differently.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let peer = peer_address();
    let ack = pb::handshake::Ack {
        address: Some(pb::handshake::BzzAddress::from(&peer)),
        network_id: NETWORK_ID,
        full_node: true,
        welcome_message: "hello".into(),
    };
    let headers = frame(&pb::headers::Headers::default());
    let chunk = Chunk::new(b"swarmec fuzz chunk").expect("a small chunk");
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, which: u8, bytes: Vec<u8>| {
        for step in [0u8, 3, 15] {
            let mut input = vec![(step << 4) | which];
            input.extend_from_slice(&bytes);
            out.push((format!("seed-{name}-step{}", step + 1), input));
        }
    };
    let syn = pb::handshake::Syn {
        observed_underlay: our_underlay(),
    };
    add("handshake-listen", 0, [frame(&syn), frame(&ack)].concat());
    let synack = pb::handshake::SynAck {
        syn: Some(syn.clone()),
        ack: Some(ack.clone()),
    };
    add("handshake-dial", 1, frame(&synack));
    let mut foreign = ack.clone();
    foreign.network_id = 10;
    add(
        "handshake-foreign-network",
        0,
        [frame(&syn), frame(&foreign)].concat(),
    );
    let peers = pb::hive::Peers {
        peers: vec![pb::hive::BzzAddress::from(&peer)],
    };
    add("hive", 2, [headers.clone(), frame(&peers)].concat());
    let announce = pb::pricing::AnnouncePaymentThreshold {
        payment_threshold: accounting::encode_amount(accounting::BEE_PAYMENT_THRESHOLD),
    };
    add("pricing", 3, [headers.clone(), frame(&announce)].concat());
    let payment = pb::pseudosettle::Payment {
        amount: accounting::encode_amount(450_000),
    };
    add(
        "pseudosettle",
        4,
        [headers.clone(), frame(&payment)].concat(),
    );
    add(
        "status",
        5,
        [headers.clone(), frame(&pb::status::Get {})].concat(),
    );
    let ping = pb::pingpong::Ping {
        greeting: "hey".into(),
    };
    add(
        "pingpong",
        6,
        [headers.clone(), frame(&ping), frame(&ping)].concat(),
    );
    let request = pb::retrieval::Request {
        addr: chunk.address.0.to_vec(),
    };
    add(
        "retrieval-serve",
        7,
        [headers.clone(), frame(&request)].concat(),
    );
    let delivery = pb::retrieval::Delivery {
        data: chunk.data.clone(),
        ..Default::default()
    };
    add(
        "retrieval-request",
        8,
        [chunk.address.0.to_vec(), headers.clone(), frame(&delivery)].concat(),
    );
    let mut wrong = delivery.clone();
    wrong.data[9] ^= 1;
    add(
        "retrieval-request-wrong-data",
        8,
        [chunk.address.0.to_vec(), headers.clone(), frame(&wrong)].concat(),
    );
    let push = pb::pushsync::Delivery {
        address: chunk.address.0.to_vec(),
        data: chunk.data.clone(),
        stamp: fixed_stamp().to_bytes().to_vec(),
    };
    let claim = frame(&pb::headers::Headers {
        headers: vec![pb::headers::Header {
            key: pushsync::BATCH_CLAIM_HEADER.into(),
            value: b"20,16,0,00".to_vec(),
        }],
    });
    add("pushsync-serve", 9, [claim, frame(&push)].concat());
    let receipt = pushsync::sign_receipt(&key(3), &[0; 32], &chunk.address, 0)
        .expect("signing a fixed receipt");
    add(
        "pushsync-push",
        10,
        [chunk.address.0.to_vec(), headers.clone(), frame(&receipt)].concat(),
    );
    let ack = pb::pullsync::Ack {
        cursors: (0..32).collect(),
        epoch: 7,
    };
    add(
        "pullsync-cursors",
        11,
        [headers.clone(), frame(&ack)].concat(),
    );
    let offer = pb::pullsync::Offer {
        topmost: 4,
        chunks: vec![pb::pullsync::Chunk {
            address: chunk.address.0.to_vec(),
            batch_id: vec![1; 32],
            stamp_hash: vec![2; 32],
        }],
    };
    let delivery = pb::pullsync::Delivery {
        address: chunk.address.0.to_vec(),
        data: chunk.data.clone(),
        stamp: fixed_stamp().to_bytes().to_vec(),
        swarmec_claim: "20,16,0,00".into(),
    };
    add(
        "pullsync-request",
        12,
        [headers.clone(), frame(&offer), frame(&delivery)].concat(),
    );
    let get = pb::pullsync::Get { bin: 3, start: 1 };
    let want = pb::pullsync::Want {
        bit_vector: vec![0b101],
    };
    add(
        "pullsync-serve",
        13,
        [headers.clone(), frame(&get), frame(&want)].concat(),
    );
    add(
        "pullsync-cursors-serve",
        14,
        [headers.clone(), frame(&pb::pullsync::Syn {})].concat(),
    );
    let snapshot = pb::status::Snapshot {
        reserve_size: 9,
        storage_radius: 2,
        bee_mode: status::MODE_FULL.into(),
        ..pb::status::Snapshot::default()
    };
    add("status-request", 15, [headers, frame(&snapshot)].concat());
    out
}
