//! Peers that misbehave in bee's protocols, one exchange at a time against a scripted peer
//! (`swarmec::fuzzing::scripted`), and two real nodes on different networks: every bad peer is
//! refused with an error that says why, and nothing panics or waits forever.

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use swarmec::cac::Chunk;
use swarmec::fuzzing::bee_streams::{local, peer_address, NETWORK_ID, NOW};
use swarmec::fuzzing::scripted::{AtEnd, Scripted};
use swarmec::identity::{BzzAddress, BzzError, EthAddress, OverlayKey};
use swarmec::net::bee::frame::{encode_frame, FrameError, MAX_FRAME_SIZE};
use swarmec::net::bee::handshake::{self, HandshakeError, Local};
use swarmec::net::bee::pb;
use swarmec::net::bee::retrieval::{self, RetrievalError};
use swarmec::net::bee::wire::WireError;
use swarmec::net::bee::{accounting, hive, status};
use swarmec::net::{Node, NodeConfig};
use swarmec::store::{ChunkStore, MemStore};

use crate::common::wait_for;

const UNDERLAY: &[u8] = b"\x04\x7f\x00\x00\x01\x06\x06\x82";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn syn() -> Vec<u8> {
    encode_frame(&pb::handshake::Syn {
        observed_underlay: UNDERLAY.to_vec(),
    })
}

fn ack_of(address: &BzzAddress, network_id: u64, welcome: &str) -> pb::handshake::Ack {
    pb::handshake::Ack {
        address: Some(pb::handshake::BzzAddress::from(address)),
        network_id,
        full_node: true,
        welcome_message: welcome.into(),
    }
}

fn listen(
    peer_bytes: Vec<u8>,
    local: &Local,
) -> (Result<handshake::Remote, HandshakeError>, Scripted) {
    let mut s = Scripted::new(peer_bytes, 7, AtEnd::Close);
    let r = rt().block_on(handshake::listen(
        &mut s,
        local,
        UNDERLAY,
        |_| vec![UNDERLAY.to_vec()],
        || NOW,
    ));
    (r, s)
}

#[test]
fn a_well_behaved_peer_completes_the_handshake_and_gets_our_signed_address() {
    let local = local();
    let peer = peer_address();
    let (r, s) = listen(
        [syn(), encode_frame(&ack_of(&peer, NETWORK_ID, "hi"))].concat(),
        &local,
    );
    let remote = r.unwrap();
    assert_eq!(remote.overlay, peer.overlay);
    assert_eq!(
        remote.overlay,
        OverlayKey::from_slice(&[2; 32])
            .unwrap()
            .overlay(NETWORK_ID, &[0; 32])
    );
    assert_eq!(remote.welcome, "hi");
    assert_eq!(remote.observed, vec![UNDERLAY.to_vec()]);
    // What we wrote: one SynAck whose Ack is our address, signed, on our network.
    let (answer, used) =
        swarmec::net::bee::frame::decode_frame::<pb::handshake::SynAck>(&s.written).unwrap();
    assert_eq!(used, s.written.len());
    assert_eq!(answer.syn.unwrap().observed_underlay, UNDERLAY);
    let ours = answer.ack.unwrap();
    assert_eq!(ours.network_id, NETWORK_ID);
    assert!(ours.full_node);
    let verified = ours.address.unwrap().verify(NETWORK_ID).unwrap();
    assert_eq!(verified.address.overlay, local.overlay());
    assert_eq!(verified.address.timestamp, NOW);
}

#[test]
fn handshakes_with_bad_records_are_refused_saying_why() {
    let local = local();
    let peer = peer_address();
    let refuse = |ack: pb::handshake::Ack| {
        listen([syn(), encode_frame(&ack)].concat(), &local)
            .0
            .unwrap_err()
    };

    let mut forged = ack_of(&peer, NETWORK_ID, "");
    forged.address.as_mut().unwrap().signature[10] ^= 1;
    assert!(
        matches!(
            refuse(forged),
            HandshakeError::Address(BzzError::Signature { .. } | BzzError::Overlay { .. })
        ),
        "a forged signature"
    );

    match refuse(ack_of(&peer, 10, "")) {
        HandshakeError::NetworkId { theirs: 10, ours } => assert_eq!(ours, NETWORK_ID),
        e => panic!("another network: {e}"),
    }

    // Signed for network 10, claimed on ours: the overlay does not follow.
    let other_net = BzzAddress::sign(
        &OverlayKey::from_slice(&[2; 32]).unwrap(),
        &[UNDERLAY],
        10,
        &[0; 32],
        NOW,
        EthAddress::default(),
    )
    .unwrap();
    assert!(matches!(
        refuse(ack_of(&other_net, NETWORK_ID, "")),
        HandshakeError::Address(BzzError::Overlay { .. })
    ));

    let future = BzzAddress::sign(
        &OverlayKey::from_slice(&[2; 32]).unwrap(),
        &[UNDERLAY],
        NETWORK_ID,
        &[0; 32],
        NOW + 3600,
        EthAddress::default(),
    )
    .unwrap();
    assert!(matches!(
        refuse(ack_of(&future, NETWORK_ID, "")),
        HandshakeError::Address(BzzError::TimestampInFuture { .. })
    ));

    assert!(matches!(
        refuse(ack_of(&peer, NETWORK_ID, &"w".repeat(141))),
        HandshakeError::Welcome(141)
    ));

    let ourselves = local.bzz_address(&[UNDERLAY.to_vec()], NOW).unwrap();
    assert!(matches!(
        refuse(ack_of(&ourselves, NETWORK_ID, "")),
        HandshakeError::SelfConnection(_)
    ));

    let mut no_address = ack_of(&peer, NETWORK_ID, "");
    no_address.address = None;
    assert!(matches!(
        refuse(no_address),
        HandshakeError::Missing("address")
    ));
}

#[test]
fn oversized_truncated_and_stalled_messages_are_refused() {
    let local = local();
    // A length prefix over bee's 128 KiB: refused from the prefix, the body is never read.
    let mut huge = Vec::new();
    prost::encoding::encode_varint((MAX_FRAME_SIZE + 1) as u64, &mut huge);
    huge.extend_from_slice(&[0; 64]);
    match listen(huge, &local).0.unwrap_err() {
        HandshakeError::Wire(WireError::Frame(FrameError::TooLarge { len, .. })) => {
            assert_eq!(len, (MAX_FRAME_SIZE + 1) as u64)
        }
        e => panic!("oversized: {e}"),
    }
    // Over the handshake's own limit, still under bee's.
    let mut big = Vec::new();
    prost::encoding::encode_varint(60_000, &mut big);
    assert!(matches!(
        listen(big, &local).0.unwrap_err(),
        HandshakeError::Wire(WireError::Frame(FrameError::TooLarge { len: 60_000, .. }))
    ));
    // The stream ends inside the Ack.
    let ack = encode_frame(&ack_of(&peer_address(), NETWORK_ID, ""));
    let cut = [syn(), ack[..ack.len() / 2].to_vec()].concat();
    assert!(matches!(
        listen(cut, &local).0.unwrap_err(),
        HandshakeError::Wire(WireError::Closed { message, .. }) if message.contains("Ack")
    ));
    // Not a protobuf message at all.
    let garbage = [syn(), vec![3, 0xff, 0xff, 0xff]].concat();
    assert!(matches!(
        listen(garbage, &local).0.unwrap_err(),
        HandshakeError::Wire(WireError::Frame(FrameError::Decode { .. }))
    ));
    // The peer stops answering after its Syn: the wait is bounded.
    let quick = Local {
        timeout: Duration::from_millis(200),
        ..local
    };
    let mut s = Scripted::new(syn(), 64, AtEnd::Stall);
    let r = rt().block_on(handshake::listen(
        &mut s,
        &quick,
        UNDERLAY,
        |_| vec![UNDERLAY.to_vec()],
        || NOW,
    ));
    assert!(matches!(
        r.unwrap_err(),
        HandshakeError::Wire(WireError::Timeout { .. })
    ));
}

fn headers() -> Vec<u8> {
    encode_frame(&pb::headers::Headers::default())
}

#[test]
fn a_delivery_that_is_not_the_chunk_asked_for_is_refused() {
    let chunk = Chunk::new(b"the chunk asked for").unwrap();
    let request = |delivery: pb::retrieval::Delivery| {
        let mut s = Scripted::new(
            [headers(), encode_frame(&delivery)].concat(),
            5,
            AtEnd::Close,
        );
        let r = rt().block_on(retrieval::request(
            &mut s,
            chunk.address,
            Duration::from_secs(5),
        ));
        // What we sent: our (empty) headers, then the request for the address.
        let mut expected = headers();
        expected.extend(encode_frame(&pb::retrieval::Request {
            addr: chunk.address.0.to_vec(),
        }));
        assert_eq!(s.written, expected);
        r
    };
    let good = pb::retrieval::Delivery {
        data: chunk.data.clone(),
        ..Default::default()
    };
    assert_eq!(request(good).unwrap(), chunk.data);
    let other = Chunk::new(b"another chunk").unwrap();
    match request(pb::retrieval::Delivery {
        data: other.data.clone(),
        ..Default::default()
    })
    .unwrap_err()
    {
        RetrievalError::Invalid { chunk: c, len } => {
            assert_eq!(c, chunk.address);
            assert_eq!(len, other.data.len());
        }
        e => panic!("{e}"),
    }
    match request(pb::retrieval::Delivery {
        err: "storage: not found".into(),
        ..Default::default()
    })
    .unwrap_err()
    {
        RetrievalError::Peer { chunk: c, message } => {
            assert_eq!(c, chunk.address);
            assert_eq!(message, "storage: not found");
        }
        e => panic!("{e}"),
    }
    // A request for something that is no address.
    let mut s = Scripted::new(
        [
            headers(),
            encode_frame(&pb::retrieval::Request { addr: vec![1; 31] }),
        ]
        .concat(),
        64,
        AtEnd::Close,
    );
    assert!(matches!(
        rt().block_on(retrieval::read_request(&mut s, Duration::from_secs(5)))
            .unwrap_err(),
        RetrievalError::BadRequest(_)
    ));
}

#[test]
fn hive_keeps_the_good_records_and_refuses_the_bad() {
    let good = peer_address();
    let mut bad = pb::hive::BzzAddress::from(&good);
    bad.overlay[0] ^= 1;
    let msg = pb::hive::Peers {
        peers: vec![bad, pb::hive::BzzAddress::from(&good)],
    };
    let mut s = Scripted::new([headers(), encode_frame(&msg)].concat(), 64, AtEnd::Close);
    let got = rt()
        .block_on(hive::receive(
            &mut s,
            NETWORK_ID,
            NOW,
            Duration::from_secs(5),
        ))
        .unwrap();
    assert_eq!(got.valid.len(), 1);
    assert_eq!(got.valid[0].address.overlay, good.overlay);
    assert_eq!(got.refused.len(), 1);
    assert!(matches!(
        got.refused[0],
        BzzError::Overlay { .. } | BzzError::Signature { .. }
    ));
}

#[test]
fn payments_are_acknowledged_in_full_with_a_clock_that_never_goes_back() {
    let clock = accounting::AckClock::default();
    let pay = |amount: u64, now: i64| {
        let payment = pb::pseudosettle::Payment {
            amount: accounting::encode_amount(amount),
        };
        let mut s = Scripted::new(
            [headers(), encode_frame(&payment)].concat(),
            3,
            AtEnd::Close,
        );
        rt().block_on(accounting::accept_payment(
            &mut s,
            &clock,
            now,
            Duration::from_secs(5),
        ))
        .unwrap();
        assert!(s.closed);
        let ack =
            pb::pseudosettle::PaymentAck::decode_length_delimited(&s.written[headers().len()..])
                .unwrap();
        (ack.amount, ack.timestamp)
    };
    assert_eq!(pay(900_000, NOW), (accounting::encode_amount(900_000), NOW));
    assert_eq!(
        pay(450_000, NOW - 5),
        (accounting::encode_amount(450_000), NOW)
    );
    // An amount longer than 32 bytes is refused.
    let payment = pb::pseudosettle::Payment {
        amount: vec![1; 33],
    };
    let mut s = Scripted::new(
        [headers(), encode_frame(&payment)].concat(),
        64,
        AtEnd::Close,
    );
    assert!(matches!(
        rt().block_on(accounting::accept_payment(
            &mut s,
            &clock,
            NOW,
            Duration::from_secs(5)
        ))
        .unwrap_err(),
        accounting::AccountingError::Amount { len: 33, .. }
    ));
}

#[test]
fn status_says_full_node_and_pings_are_answered() {
    let snapshot = pb::status::Snapshot {
        bee_mode: status::MODE_FULL.into(),
        connected_peers: 3,
        ..Default::default()
    };
    let mut s = Scripted::new(
        [headers(), encode_frame(&pb::status::Get {})].concat(),
        1,
        AtEnd::Close,
    );
    rt().block_on(status::serve_status(
        &mut s,
        &snapshot,
        Duration::from_secs(5),
    ))
    .unwrap();
    assert_eq!(s.written, [headers(), encode_frame(&snapshot)].concat());

    let ping = |g: &str| encode_frame(&pb::pingpong::Ping { greeting: g.into() });
    let mut s = Scripted::new(
        [headers(), ping("a"), ping("bee")].concat(),
        2,
        AtEnd::Close,
    );
    assert_eq!(
        rt().block_on(status::serve_pingpong(&mut s, Duration::from_secs(5)))
            .unwrap(),
        2
    );
    let pong = |r: &str| encode_frame(&pb::pingpong::Pong { response: r.into() });
    assert_eq!(s.written, [headers(), pong("{a}"), pong("{bee}")].concat());
}

/// Two real nodes over loopback: on one network they complete bee's handshake; a node on another
/// network is refused by both sides.
#[test]
fn nodes_on_another_network_are_refused() {
    let _g = crate::common::nodes::serial();
    let rt = swarmec::net::runtime().unwrap();
    let config = |network_id| NodeConfig {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
        network_id,
        ..NodeConfig::default()
    };
    let start = |network_id| {
        let store: Arc<dyn ChunkStore> = Arc::new(MemStore::new());
        rt.block_on(Node::start(libp2p_key(), store, config(network_id)))
            .unwrap()
    };
    let a = start(10);
    let b = start(10);
    let c = start(11);
    rt.block_on(a.client().dial(b.listen_addrs()[0].clone()))
        .unwrap();
    wait_for("a and b to complete the handshake", || {
        a.client()
            .bee_peers()
            .iter()
            .any(|p| p.overlay == b.client().overlay())
            && b.client()
                .bee_peers()
                .iter()
                .any(|p| p.overlay == a.client().overlay())
    });
    let refused = rt
        .block_on(a.client().dial(c.listen_addrs()[0].clone()))
        .unwrap_err();
    assert!(
        refused.to_string().contains("network 11"),
        "dialling names the refusal: {refused}"
    );
    wait_for("both sides to refuse the other network", || {
        a.client().refused_handshakes() >= 1 && c.client().refused_handshakes() >= 1
    });
    // As bee does, a refused peer is disconnected.
    wait_for("the refused connection to close", || {
        !a.client().is_connected(&c.peer_id()) && !c.client().is_connected(&a.peer_id())
    });
    assert!(a.client().is_connected(&b.peer_id()));
    assert!(a
        .client()
        .bee_peers()
        .iter()
        .all(|p| p.overlay != c.client().overlay()));
    assert!(c.client().bee_peers().is_empty());
    for n in [a, b, c] {
        rt.block_on(n.shutdown()).unwrap();
    }
}

fn libp2p_key() -> libp2p::identity::Keypair {
    libp2p::identity::Keypair::generate_ed25519()
}
