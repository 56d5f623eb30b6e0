//! Dispersed replicas of a root chunk (spec §5.9, §10.10; bee's `pkg/replicas`).
//!
//! A redundant upload (level ≥ 1) also stores 2/4/8/16 copies of its root chunk as single-owner chunks
//! under a fixed, publicly known owner ([`REPLICAS_OWNER`], whose secret key is `0x01 || 0x00×31`). A
//! replica's id is the root address with byte 0 replaced by a counter `i`, so a reader who knows only
//! the root address can derive every replica address; the counters are chosen so that the replica
//! addresses spread over as many distinct address prefixes (neighbourhoods) as possible, in bee's exact
//! order. Refused: root data longer than 4104 bytes or not hashing to the root address, which would make
//! replicas no reader accepts.

use std::sync::OnceLock;

use crate::address::Address;
use crate::cac::{self, Chunk, MAX_DATA};
use crate::redundancy::Level;
use crate::soc::{self, Signer, SocError, OWNER_SIZE};
use crate::span::SPAN_SIZE;

/// The owner of every dispersed replica: the Ethereum address of [`REPLICAS_SECRET_KEY`]
/// (`dc5b20847f43d67928f49cd4f85d696b5a7617b5`, bee's `swarm.ReplicasOwner`).
pub const REPLICAS_OWNER: [u8; OWNER_SIZE] = [
    0xdc, 0x5b, 0x20, 0x84, 0x7f, 0x43, 0xd6, 0x79, 0x28, 0xf4, 0x9c, 0xd4, 0xf8, 0x5d, 0x69, 0x6b,
    0x5a, 0x76, 0x17, 0xb5,
];

/// The replicas owner's secret key: byte `0x01` followed by 31 zero bytes (big-endian, i.e. 2^248).
/// Public by design: anyone may write replicas, and the replica rule in [`crate::soc::validate_soc`]
/// pins each one to the root it copies.
pub const REPLICAS_SECRET_KEY: [u8; 32] = {
    let mut k = [0u8; 32];
    k[0] = 1;
    k
};

/// Most counters tried (bee's `i < 255` with a `uint8` counter).
const MAX_COUNTER: u8 = 255;

/// Deepest neighbourhood depth (PARANOID) and the queue it needs.
const MAX_DEPTH: usize = 4;
const QUEUE_LEN: usize = 16;

/// First queue slot of the replicas placed at depth d (index d-1): depth 1 fills slots 0–1, depth 2
/// slots 2–3, depth 3 slots 4–7, depth 4 slots 8–15 (bee's `GetReplicaCounts` used as offsets).
const BAND_START: [usize; MAX_DEPTH] = [0, 2, 4, 8];

/// Why replicas cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplicaError {
    /// Root chunk data longer than a full chunk.
    #[error("root chunk data of {0} bytes is longer than {MAX_DATA} bytes")]
    RootTooLong(usize),
    /// Root chunk data that does not hash to the root address (or is shorter than a span).
    #[error("root chunk data hashes to {actual:?}, not to root {root}")]
    RootMismatch {
        /// The root address given.
        root: Address,
        /// What the data hashes to, if it is chunk data at all.
        actual: Option<Address>,
    },
    /// Signing a replica failed.
    #[error("replica signing: {0}")]
    Soc(#[from] SocError),
}

/// The signer of every replica (built once; the key is a constant).
pub fn replicas_signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        // A constant key in 1..n: cannot fail, and the tests check the resulting owner.
        Signer::from_bytes(&REPLICAS_SECRET_KEY).expect("replicas secret key is a valid scalar")
    })
}

/// The replica id for counter `i`: the root address with byte 0 replaced by `i`.
pub fn replica_id(root: &Address, i: u8) -> [u8; 32] {
    let mut id = root.0;
    id[0] = i;
    id
}

/// The replicas of `root` at `level` as `(counter, SOC address)`, in bee's emission order (the
/// order bee's getter fetches them and its putter writes them). Empty at level NONE.
///
/// Counter `i` (0..255) is accepted iff the top-L bits (L = level number) of its address's first byte
/// are a neighbourhood not seen yet; it is queued in the band of the shallowest depth whose
/// neighbourhood is new (marking every deeper one), and the queue is emitted in slot order as its
/// prefix fills, until `level.replica_count()` replicas are out.
pub fn replica_addresses(root: &Address, level: Level) -> Vec<(u8, Address)> {
    let depth = usize::from(level.as_u8()).min(MAX_DEPTH);
    let count = level.replica_count().min(QUEUE_LEN);
    let mut out = Vec::with_capacity(count);
    if depth == 0 {
        return out;
    }
    // seen[d-1][k]: neighbourhood k (top d bits of byte 0) already holds a replica.
    let mut seen = [[false; QUEUE_LEN]; MAX_DEPTH];
    let mut band_fill = [0usize; MAX_DEPTH];
    let mut queue: [Option<(u8, Address)>; QUEUE_LEN] = [None; QUEUE_LEN];
    let mut i: u8 = 0;
    while out.len() < count && i < MAX_COUNTER {
        let address = soc::soc_address(&replica_id(root, i), &REPLICAS_OWNER);
        let key = |d: usize| usize::from(address.0[0] >> (8 - d));
        // Walk from the level's depth towards depth 1 while the neighbourhood is new; the candidate belongs
        // to the shallowest such depth. Seen sets are prefix-closed, so this is also the shallowest
        // new depth overall.
        let mut placed = None;
        for d in (1..=depth).rev() {
            match seen[d - 1].get_mut(key(d)) {
                Some(slot) if !*slot => {
                    *slot = true;
                    placed = Some(d);
                }
                _ => break,
            }
        }
        if let Some(d) = placed {
            let slot = BAND_START[d - 1] + band_fill[d - 1];
            band_fill[d - 1] += 1;
            if let Some(q) = queue.get_mut(slot) {
                *q = Some((i, address));
            }
            while let Some(Some(next)) = queue.get(out.len()) {
                out.push(*next);
            }
        }
        i += 1;
    }
    out.truncate(count);
    out
}

/// The replica addresses of `root` at `level`, sorted ascending (as listed in `bee-trees.json`).
pub fn sorted_replica_addresses(root: &Address, level: Level) -> Vec<Address> {
    let mut v: Vec<Address> = replica_addresses(root, level)
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    v.sort();
    v
}

/// The replica SOCs of the root chunk `root` with stored data `root_data`, in emission order.
///
/// As bee does, the wrapped chunk is the root data zero-padded to 4104 bytes (so each replica is 4201
/// bytes); padding does not change the BMT address. Signed by [`replicas_signer`], deterministically.
pub fn make_replicas(
    root: &Address,
    root_data: &[u8],
    level: Level,
) -> Result<Vec<Chunk>, ReplicaError> {
    if root_data.len() > MAX_DATA {
        return Err(ReplicaError::RootTooLong(root_data.len()));
    }
    if root_data.len() < SPAN_SIZE {
        return Err(ReplicaError::RootMismatch {
            root: *root,
            actual: None,
        });
    }
    let mut padded = vec![0u8; MAX_DATA];
    padded[..root_data.len()].copy_from_slice(root_data);
    let actual = cac::address_of(&padded).ok();
    if actual != Some(*root) {
        return Err(ReplicaError::RootMismatch {
            root: *root,
            actual,
        });
    }
    let wrapped = Chunk {
        address: *root,
        data: padded,
    };
    let signer = replicas_signer();
    replica_addresses(root, level)
        .into_iter()
        .map(|(i, _)| Ok(soc::new_soc(signer, &replica_id(root, i), &wrapped)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soc::{validate_soc, SOC_MAX_SIZE};
    use proptest::prelude::*;

    fn addr(s: &str) -> Address {
        Address::from_hex(s).unwrap()
    }

    #[test]
    fn owner_is_address_of_secret_key() {
        assert_eq!(
            hex::encode(REPLICAS_OWNER),
            "dc5b20847f43d67928f49cd4f85d696b5a7617b5"
        );
        assert_eq!(
            hex::encode(REPLICAS_SECRET_KEY),
            format!("01{}", "00".repeat(31))
        );
        let fresh = Signer::from_bytes(&REPLICAS_SECRET_KEY).unwrap();
        assert_eq!(fresh.eth_address(), REPLICAS_OWNER);
        assert_eq!(replicas_signer().eth_address(), REPLICAS_OWNER);
        // Not the scalar 1 (whose address is 7e5f…5bdf).
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_ne!(
            Signer::from_bytes(&one).unwrap().eth_address(),
            REPLICAS_OWNER
        );
    }

    /// §10.10: G1 4097-byte roots (§10.9) at each level, emission order.
    /// (level, root, [(counter, replica address)] in emission order).
    type Emission = (Level, &'static str, &'static [(u8, &'static str)]);

    const EMISSION: [Emission; 4] = [
        (
            Level::Medium,
            "3f40cb428b07c4fc0d23a7489912204a5197d9d2c48ccc4b9a5b96d23ac079af",
            &[
                (
                    0,
                    "8e95c6fa3b5ec54e65db7b350182bbae619406f89c568035c05c406cd12d90ed",
                ),
                (
                    5,
                    "4a3cdf1dc8192fbbdc2f4fc1dadd971fc7b9df659a121aa6d281bc3d51f84c80",
                ),
            ],
        ),
        (
            Level::Strong,
            "a37219d245509bf26ef06b3e2d89fcd94048d6f7a9ee14cebacb0cf2b4c4afe2",
            &[
                (
                    0,
                    "084f696a39c5b2fe5224d77bba6e5cbdcacba4487004e76afff0d8be89a14f29",
                ),
                (
                    2,
                    "a5f983d17c17e5d03424064b83d50fc29b915e118d20fb6bf98cdc025770018c",
                ),
                (
                    1,
                    "77197b77cad8fffa5029f9192ba026217f88114200e469a504090487c555318f",
                ),
                (
                    5,
                    "d5a570ba084f39a30a7b6cf82ca14ea1e0dadfb8b9817ee3a4691eb39a4caaa2",
                ),
            ],
        ),
        (
            Level::Insane,
            "9d99d7eaeaf33dc8fdbdc56f96e22245872236c1fa5bfe3303beff7265c4a1c1",
            &[
                (
                    0,
                    "81171c146aecc856af2876f3de326db53859241c5a3218cb976d643be4376666",
                ),
                (
                    2,
                    "45548ed25e99e79c01b4f22d2909e13d38b8def9563fc66b33302993d222dc06",
                ),
                (
                    3,
                    "37ce3c4978b2f7957d1f20cac64086a759fe95a0f79ab94fd772e8fa409409f3",
                ),
                (
                    12,
                    "cdcd774fb1354acd1e0b36624a3bd2f60c43c9fb52798677fc8e569bd297b5fb",
                ),
                (
                    4,
                    "6309f1e11b6df0f6ef493695396f150dae5bcdc0a311f23d8cb54691a2493b52",
                ),
                (
                    9,
                    "be9f0ae7e39c0a1a006df2b6120606ab1b9fa47654a996cdadcdeaade482451f",
                ),
                (
                    10,
                    "09f12c66191a31592763f583431c40f3c083a7a90576419c8fed4b1cde019c6b",
                ),
                (
                    14,
                    "f79d6cd1b1c2ed066335259252e3de318d262324b465c0a1a8879d63b258ae14",
                ),
            ],
        ),
        (
            Level::Paranoid,
            "6cac21526320632a9e06c175be43b8d02348c4c070328b9f338c2c083bc70c74",
            &[
                (
                    0,
                    "2cffac79bbd8cdce709d2e1826b4a7755e81ab7681e778be6de6b80f307332cd",
                ),
                (
                    1,
                    "f26dd27527f16937c213408d5bdcb246dc52af104406c6e49d83dd6ed6575422",
                ),
                (
                    4,
                    "80d3db8f4674fe9e95a8280c751e748776d50d865bed555ae0178fadfc597ae4",
                ),
                (
                    5,
                    "69ed430d0e6906fbdb7d403e33b43df3229464d9a69cbda7410bf4c06c5caccd",
                ),
                (
                    6,
                    "a46e20f4fc57ba1ceb0f9022d04a201fd7ad617b7c0503576f3da1dc1a951fd8",
                ),
                (
                    7,
                    "d7920417069dc5d41c016efd08e21f760cb0f43f6f74e1dd90f549dd63cf85d8",
                ),
                (
                    11,
                    "0e0031418e2ee28a2adc86bc40ca2cac4b7663e6cbb29f183cd668c480337651",
                ),
                (
                    27,
                    "5211d9f469d958f4e0e695c7cd912f481475a4d7c13e20deeba52148e74e4b77",
                ),
                (
                    2,
                    "efa002522e2e6fa3997c6cead844daa09d1fb1c468837ff62137c5697ab28bff",
                ),
                (
                    8,
                    "b97c771c57555f2ac617953f89be2757938aa93f4f25c4ae0e07e146a41636fb",
                ),
                (
                    10,
                    "c7d5ad82e6782daf9ff8e20beb0694e517c09108225254cb08b279ed1ebd4eb9",
                ),
                (
                    16,
                    "9a98aa8b9beff623448ddf6997466342f1d8df9c49bb5b28cd7eb35e69a1689b",
                ),
                (
                    21,
                    "3f79a1716a9318eed91150f936ad7202665d9c46623188707ce1f6eac02df2a5",
                ),
                (
                    25,
                    "1589e8a86b2176a303271c9377e5a017015e285b9129d98f0a90fbbdffed6575",
                ),
                (
                    29,
                    "4c08f9bdaaa5afe2124202e5563b71ae32afb34edbaa85d67f05b6c5cb6661dc",
                ),
                (
                    39,
                    "71bee47a12697d355150886e30f5e6292c070bf7f76f8a7c9d98ad507a1c4b3f",
                ),
            ],
        ),
    ];

    #[test]
    fn emission_order_matches_spec() {
        for (level, root, want) in EMISSION {
            let got: Vec<(u8, String)> = replica_addresses(&addr(root), level)
                .into_iter()
                .map(|(i, a)| (i, a.to_hex()))
                .collect();
            let want: Vec<(u8, String)> = want.iter().map(|(i, a)| (*i, a.to_string())).collect();
            assert_eq!(got, want, "level {level:?}");
        }
    }

    #[test]
    fn level_none_has_no_replicas() {
        let root = addr("3f40cb428b07c4fc0d23a7489912204a5197d9d2c48ccc4b9a5b96d23ac079af");
        assert!(replica_addresses(&root, Level::None).is_empty());
        assert!(make_replicas(&root, &[], Level::None).is_err());
        let ch = Chunk::new(b"x").unwrap();
        assert!(make_replicas(&ch.address, &ch.data, Level::None)
            .unwrap()
            .is_empty());
    }

    struct Vector {
        size: usize,
        level: Level,
        encrypted: bool,
        root: Address,
        replicas: Vec<Address>,
    }

    fn fixture_vectors() -> Vec<Vector> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bee-trees.json");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        json["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let root_hex = v["root"].as_str().unwrap();
                let encrypted = v["encryption"].as_str().unwrap() != "none";
                assert_eq!(root_hex.len(), if encrypted { 128 } else { 64 });
                Vector {
                    size: v["size"].as_u64().unwrap() as usize,
                    level: Level::from_u8(v["level"].as_u64().unwrap() as u8).unwrap(),
                    encrypted,
                    root: addr(&root_hex[..64]),
                    replicas: v["replicas"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| addr(a.as_str().unwrap()))
                        .collect(),
                }
            })
            .collect()
    }

    #[test]
    fn fixture_replica_sets() {
        let vectors = fixture_vectors();
        let mut checked = [0usize; 2];
        for v in &vectors {
            assert_eq!(v.replicas.len(), v.level.replica_count());
            let got = sorted_replica_addresses(&v.root, v.level);
            assert_eq!(
                got, v.replicas,
                "size {} level {:?} encrypted {}",
                v.size, v.level, v.encrypted
            );
            if v.level != Level::None {
                checked[usize::from(v.encrypted)] += 1;
            }
        }
        // Every level ≥ 1 vector, plain and encrypted.
        assert_eq!(checked, [272, 264]);
    }

    /// Single-chunk plain files: the root chunk is the data chunk itself, so the full replica SOCs can
    /// be built and checked against bee's replica addresses.
    #[test]
    fn fixture_single_chunk_replicas_made_and_valid() {
        let mut n = 0;
        for v in fixture_vectors() {
            if v.encrypted || v.level == Level::None || v.size > 4096 {
                continue;
            }
            let payload: Vec<u8> = (0..v.size).map(|i| (i % 255) as u8).collect();
            let root = Chunk::new(&payload).unwrap();
            assert_eq!(root.address, v.root);
            let reps = make_replicas(&root.address, &root.data, v.level).unwrap();
            let mut addrs: Vec<Address> = reps.iter().map(|c| c.address).collect();
            addrs.sort();
            assert_eq!(addrs, v.replicas);
            for r in &reps {
                check_replica(&root, r);
            }
            n += 1;
        }
        assert_eq!(n, 40);
    }

    fn check_replica(root: &Chunk, r: &Chunk) {
        assert_eq!(r.data.len(), SOC_MAX_SIZE);
        let parsed = validate_soc(&r.address, &r.data).unwrap();
        assert_eq!(parsed.owner, REPLICAS_OWNER);
        assert_eq!(parsed.id[1..], root.address.0[1..]);
        assert_eq!(parsed.wrapped.address, root.address);
        assert!(cac::is_valid(&root.address, &parsed.wrapped.data));
        assert_eq!(parsed.wrapped.data[..root.data.len()], root.data[..]);
        assert!(parsed.wrapped.data[root.data.len()..]
            .iter()
            .all(|&b| b == 0));
        // Signed as bee's DefaultSigner: v is 27/28 and s is low.
        assert!(parsed.signature[64] == 27 || parsed.signature[64] == 28);
        assert!(crate::identity::key::is_low_s(&parsed.signature));
        let digest = soc::signed_digest(&parsed.id, &root.address);
        assert_eq!(
            replicas_signer().sign_digest(&digest).unwrap(),
            parsed.signature
        );
    }

    #[test]
    fn made_replicas_match_addresses_and_are_deterministic() {
        let root = Chunk::new(b"hello replicas").unwrap();
        for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
            let reps = make_replicas(&root.address, &root.data, level).unwrap();
            let want: Vec<Address> = replica_addresses(&root.address, level)
                .into_iter()
                .map(|(_, a)| a)
                .collect();
            let got: Vec<Address> = reps.iter().map(|c| c.address).collect();
            assert_eq!(got, want);
            for r in &reps {
                check_replica(&root, r);
            }
            assert_eq!(
                make_replicas(&root.address, &root.data, level).unwrap(),
                reps
            );
        }
    }

    #[test]
    fn bad_root_data_rejected() {
        let root = Chunk::new(b"foo").unwrap();
        let other = Chunk::new(b"bar").unwrap();
        assert_eq!(
            make_replicas(&root.address, &other.data, Level::Medium).unwrap_err(),
            ReplicaError::RootMismatch {
                root: root.address,
                actual: Some(other.address),
            }
        );
        assert_eq!(
            make_replicas(&root.address, &[0; 4105], Level::Medium).unwrap_err(),
            ReplicaError::RootTooLong(4105)
        );
        assert_eq!(
            make_replicas(&root.address, &[1, 2], Level::Medium).unwrap_err(),
            ReplicaError::RootMismatch {
                root: root.address,
                actual: None,
            }
        );
        // Already padded root data is accepted and gives the same replicas.
        let mut padded = root.data.clone();
        padded.resize(MAX_DATA, 0);
        assert_eq!(
            make_replicas(&root.address, &padded, Level::Strong).unwrap(),
            make_replicas(&root.address, &root.data, Level::Strong).unwrap()
        );
    }

    #[test]
    fn tampered_replica_rejected() {
        let root = Chunk::new(b"foo").unwrap();
        let reps = make_replicas(&root.address, &root.data, Level::Medium).unwrap();
        let mut data = reps[0].data.clone();
        data[40] ^= 0x80; // inside the signature
        assert!(!soc::is_valid_soc(&reps[0].address, &data));
        // A replica stored under another replica's address.
        assert!(matches!(
            validate_soc(&reps[1].address, &reps[0].data).unwrap_err(),
            SocError::AddressMismatch { .. }
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn dispersal_properties(root in any::<[u8; 32]>()) {
            let root = Address(root);
            let mut previous: Vec<(u8, Address)> = Vec::new();
            for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
                let reps = replica_addresses(&root, level);
                let depth = u32::from(level.as_u8());
                prop_assert_eq!(reps.len(), level.replica_count());
                // Each id is the root with byte 0 replaced, and the address follows from it.
                for (i, a) in &reps {
                    let id = replica_id(&root, *i);
                    prop_assert_eq!(&id[1..], &root.0[1..]);
                    prop_assert_eq!(*a, soc::soc_address(&id, &REPLICAS_OWNER));
                }
                // Every prefix of 2^d emitted replicas covers all d-bit neighbourhoods.
                for d in 1..=depth {
                    let n = 1usize << d;
                    let mut keys: Vec<u8> = reps[..n].iter().map(|(_, a)| a.0[0] >> (8 - d)).collect();
                    keys.sort();
                    keys.dedup();
                    prop_assert_eq!(keys.len(), n);
                }
                // Level L's replicas are a subset of level L+1's.
                for r in &previous {
                    prop_assert!(reps.contains(r));
                }
                // No counter is used twice.
                let mut counters: Vec<u8> = reps.iter().map(|(i, _)| *i).collect();
                counters.sort();
                counters.dedup();
                prop_assert_eq!(counters.len(), reps.len());
                previous = reps;
            }
        }
    }

    #[test]
    fn subset_chain_on_spec_roots() {
        for (_, root, _) in EMISSION {
            let root = addr(root);
            let mut previous = Vec::new();
            for level in [Level::Medium, Level::Strong, Level::Insane, Level::Paranoid] {
                let reps = sorted_replica_addresses(&root, level);
                assert!(previous.iter().all(|a| reps.contains(a)));
                previous = reps;
            }
        }
    }
}
