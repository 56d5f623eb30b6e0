//! The protobuf messages of bee's protocols, field for field as bee v2.8.1's `.proto` files
//! (proto3; field numbers and types exactly as there, fields declared in field-number order so
//! that encoding matches gogo/protobuf's byte for byte).
//!
//! Two differences from gogo/protobuf to know of, neither of which bee's messages meet in practice:
//! prost refuses `string` fields that are not UTF-8 (gogo does not check), and prost leaves out a
//! map entry's key or value when it is empty (gogo always writes both; both decode either form).

/// `pkg/p2p/libp2p/internal/headers/pb/headers.proto`: the exchange that opens every stream
/// except the handshake's (the opener writes its headers, the other side answers with its own).
pub mod headers {
    /// A list of headers.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Headers {
        /// The headers.
        #[prost(message, repeated, tag = "1")]
        pub headers: Vec<Header>,
    }

    /// One header.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Header {
        /// The name.
        #[prost(string, tag = "1")]
        pub key: String,
        /// The value.
        #[prost(bytes = "vec", tag = "2")]
        pub value: Vec<u8>,
    }
}

/// `pkg/p2p/libp2p/internal/handshake/pb/handshake.proto` (handshake 15.0.0).
pub mod handshake {
    /// The dialer's opening: the underlay it sees the listener at.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Syn {
        /// Serialised underlays (bee's underlay list format).
        #[prost(bytes = "vec", tag = "1")]
        pub observed_underlay: Vec<u8>,
    }

    /// A node's signed address and terms.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Ack {
        /// The signed BzzAddress.
        #[prost(message, optional, tag = "1")]
        pub address: Option<BzzAddress>,
        /// The network id.
        #[prost(uint64, tag = "2")]
        pub network_id: u64,
        /// Whether the node is a full node.
        #[prost(bool, tag = "3")]
        pub full_node: bool,
        /// A greeting of at most 140 bytes.
        #[prost(string, tag = "99")]
        pub welcome_message: String,
    }

    /// The listener's answer to a `Syn`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SynAck {
        /// The underlay the listener sees the dialer at.
        #[prost(message, optional, tag = "1")]
        pub syn: Option<Syn>,
        /// The listener's address.
        #[prost(message, optional, tag = "2")]
        pub ack: Option<Ack>,
    }

    /// A signed BzzAddress ([`crate::identity::BzzAddress`]).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BzzAddress {
        /// Serialised underlays.
        #[prost(bytes = "vec", tag = "1")]
        pub underlay: Vec<u8>,
        /// 65-byte signature.
        #[prost(bytes = "vec", tag = "2")]
        pub signature: Vec<u8>,
        /// 32-byte overlay.
        #[prost(bytes = "vec", tag = "3")]
        pub overlay: Vec<u8>,
        /// 32-byte nonce.
        #[prost(bytes = "vec", tag = "4")]
        pub nonce: Vec<u8>,
        /// Unix seconds when signed.
        #[prost(int64, tag = "5")]
        pub timestamp: i64,
        /// 20-byte chequebook address (zero when none), or empty.
        #[prost(bytes = "vec", tag = "6")]
        pub chequebook_address: Vec<u8>,
    }
}

/// `pkg/hive/pb/hive.proto` (hive 2.0.0, stream `peers`).
pub mod hive {
    /// Peers passed on.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Peers {
        /// Their signed addresses.
        #[prost(message, repeated, tag = "1")]
        pub peers: Vec<BzzAddress>,
    }

    /// A signed BzzAddress: the handshake's message (the same six fields and tags).
    pub use super::handshake::BzzAddress;
}

/// `pkg/pingpong/pb/pingpong.proto` (pingpong 1.0.0).
pub mod pingpong {
    /// A greeting.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Ping {
        /// The greeting.
        #[prost(string, tag = "1")]
        pub greeting: String,
    }

    /// The answer: bee sends `{greeting}`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Pong {
        /// The answer.
        #[prost(string, tag = "1")]
        pub response: String,
    }
}

/// `pkg/pricing/pb/pricing.proto` (pricing 1.0.0).
pub mod pricing {
    /// The payment threshold a node announces to a new peer.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AnnouncePaymentThreshold {
        /// The threshold, a big-endian unsigned integer (Go's `big.Int.Bytes`).
        #[prost(bytes = "vec", tag = "1")]
        pub payment_threshold: Vec<u8>,
    }
}

/// `pkg/settlement/pseudosettle/pb/pseudosettle.proto` (pseudosettle 1.0.0).
pub mod pseudosettle {
    /// A time-based settlement request.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Payment {
        /// The amount, a big-endian unsigned integer.
        #[prost(bytes = "vec", tag = "1")]
        pub amount: Vec<u8>,
    }

    /// The amount accepted and when.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PaymentAck {
        /// The accepted amount, a big-endian unsigned integer.
        #[prost(bytes = "vec", tag = "1")]
        pub amount: Vec<u8>,
        /// Unix seconds.
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
    }
}

/// `pkg/pushsync/pb/pushsync.proto` (pushsync 1.3.1).
pub mod pushsync {
    /// A chunk pushed toward its neighbourhood.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Delivery {
        /// The chunk address.
        #[prost(bytes = "vec", tag = "1")]
        pub address: Vec<u8>,
        /// Span and payload.
        #[prost(bytes = "vec", tag = "2")]
        pub data: Vec<u8>,
        /// The 113-byte postage stamp.
        #[prost(bytes = "vec", tag = "3")]
        pub stamp: Vec<u8>,
    }

    /// A storer's receipt, or an error.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Receipt {
        /// The chunk address.
        #[prost(bytes = "vec", tag = "1")]
        pub address: Vec<u8>,
        /// The storer's signature over the chunk address.
        #[prost(bytes = "vec", tag = "2")]
        pub signature: Vec<u8>,
        /// The storer's overlay nonce.
        #[prost(bytes = "vec", tag = "3")]
        pub nonce: Vec<u8>,
        /// An error, or empty.
        #[prost(string, tag = "4")]
        pub err: String,
        /// The storer's storage radius.
        #[prost(uint32, tag = "5")]
        pub storage_radius: u32,
    }
}

/// `pkg/retrieval/pb/retrieval.proto` (retrieval 1.4.0).
pub mod retrieval {
    /// A request for a chunk.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Request {
        /// The chunk address.
        #[prost(bytes = "vec", tag = "1")]
        pub addr: Vec<u8>,
    }

    /// The chunk, or an error.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Delivery {
        /// Span and payload.
        #[prost(bytes = "vec", tag = "1")]
        pub data: Vec<u8>,
        /// The 113-byte postage stamp.
        #[prost(bytes = "vec", tag = "2")]
        pub stamp: Vec<u8>,
        /// An error, or empty.
        #[prost(string, tag = "3")]
        pub err: String,
    }
}

/// `pkg/status/internal/pb/status.proto` (status 1.1.3).
pub mod status {
    use std::collections::BTreeMap;

    /// A request for a snapshot.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Get {}

    /// A node's state.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Snapshot {
        /// Chunks in the reserve.
        #[prost(uint64, tag = "1")]
        pub reserve_size: u64,
        /// Pull-sync rate.
        #[prost(double, tag = "2")]
        pub pullsync_rate: f64,
        /// Storage radius.
        #[prost(uint32, tag = "3")]
        pub storage_radius: u32,
        /// Connected peers.
        #[prost(uint64, tag = "4")]
        pub connected_peers: u64,
        /// Peers in the neighbourhood.
        #[prost(uint64, tag = "5")]
        pub neighborhood_size: u64,
        /// "full", "light" or "ultra-light".
        #[prost(string, tag = "6")]
        pub bee_mode: String,
        /// Batch commitment.
        #[prost(uint64, tag = "7")]
        pub batch_commitment: u64,
        /// Whether the node is reachable.
        #[prost(bool, tag = "8")]
        pub is_reachable: bool,
        /// Reserve chunks within the radius.
        #[prost(uint64, tag = "9")]
        pub reserve_size_within_radius: u64,
        /// Last synced block.
        #[prost(uint64, tag = "10")]
        pub last_synced_block: u64,
        /// Committed depth.
        #[prost(uint32, tag = "11")]
        pub committed_depth: u32,
        /// Metrics, by name (encoded in key order).
        #[prost(btree_map = "string, string", tag = "12")]
        pub metrics: BTreeMap<String, String>,
    }
}

/// `pkg/pullsync/pb/pullsync.proto` (pullsync 1.4.0).
pub mod pullsync {
    /// Opens the cursors stream.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Syn {}

    /// Cursors per bin.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Ack {
        /// One cursor per bin (packed).
        #[prost(uint64, repeated, tag = "1")]
        pub cursors: Vec<u64>,
        /// The reserve epoch.
        #[prost(uint64, tag = "2")]
        pub epoch: u64,
    }

    /// A request for a range of a bin.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Get {
        /// The bin.
        #[prost(int32, tag = "1")]
        pub bin: i32,
        /// The first bin id wanted.
        #[prost(uint64, tag = "2")]
        pub start: u64,
    }

    /// A chunk offered.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Chunk {
        /// The chunk address.
        #[prost(bytes = "vec", tag = "1")]
        pub address: Vec<u8>,
        /// Its batch.
        #[prost(bytes = "vec", tag = "2")]
        pub batch_id: Vec<u8>,
        /// Its stamp's hash.
        #[prost(bytes = "vec", tag = "3")]
        pub stamp_hash: Vec<u8>,
    }

    /// Chunks offered, up to a bin id.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Offer {
        /// The highest bin id covered.
        #[prost(uint64, tag = "1")]
        pub topmost: u64,
        /// The chunks.
        #[prost(message, repeated, tag = "2")]
        pub chunks: Vec<Chunk>,
    }

    /// Which offered chunks are wanted.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Want {
        /// One bit per offered chunk.
        #[prost(bytes = "vec", tag = "1")]
        pub bit_vector: Vec<u8>,
    }

    /// A chunk delivered.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Delivery {
        /// The chunk address.
        #[prost(bytes = "vec", tag = "1")]
        pub address: Vec<u8>,
        /// Span and payload.
        #[prost(bytes = "vec", tag = "2")]
        pub data: Vec<u8>,
        /// The 113-byte postage stamp.
        #[prost(bytes = "vec", tag = "3")]
        pub stamp: Vec<u8>,
        /// Ours, not bee's: the batch claim of the stamp's batch when it was made without a
        /// chain (`postage::BatchClaim::to_header`), so that the puller can learn the batch as a
        /// pushsync storer does from our claim header. Empty when not sent, and then encoded as
        /// nothing, so the bytes are bee's; bee skips the unknown field.
        #[prost(string, tag = "90")]
        pub swarmec_claim: String,
    }
}

use crate::identity::{BzzAddress, BzzError, VerifiedBzzAddress};

impl From<&BzzAddress> for handshake::BzzAddress {
    /// The wire form of a signed address, the chequebook as 20 bytes as bee sends it.
    fn from(a: &BzzAddress) -> Self {
        Self {
            underlay: a.underlay.clone(),
            signature: a.signature.0.to_vec(),
            overlay: a.overlay.0.to_vec(),
            nonce: a.nonce.to_vec(),
            timestamp: a.timestamp,
            chequebook_address: a.chequebook.0.to_vec(),
        }
    }
}

impl handshake::BzzAddress {
    /// Checks the address as received on `network_id` ([`BzzAddress::verify`]).
    pub fn verify(&self, network_id: u64) -> Result<VerifiedBzzAddress, BzzError> {
        BzzAddress::verify(
            &self.underlay,
            &self.overlay,
            &self.signature,
            &self.nonce,
            self.timestamp,
            network_id,
            &self.chequebook_address,
        )
    }
}
