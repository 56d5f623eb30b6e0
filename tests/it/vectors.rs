//! Conformance: bee's own vectors (spec §10.2–10.5b, §10.9, §10.10, `fixtures/bee-trees.json`).

use crate::common::{mod255, mod255_pieces, tree_vectors, TreeVector};
use swarmec::encryption::BeeRand;
use swarmec::file::splitter::{Discard, SplitOptions, Splitter};
use swarmec::file::{split_bytes, SplitSummary};
use swarmec::keccak::{keccak256, keccak256_concat};
use swarmec::redundancy::Level;
use swarmec::store::MemStore;

fn hash(data: &[u8], level: Level) -> SplitSummary {
    split_bytes(
        data,
        &mut Discard,
        SplitOptions {
            level,
            encrypt: false,
        },
        None,
    )
    .unwrap()
}

#[test]
fn keccak_vectors() {
    // spec §1.1, §10.2 [BEE]
    assert_eq!(
        hex::encode(keccak256(b"")),
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
    assert_eq!(
        hex::encode(keccak256(b"Digital Freedom Now.")),
        "2b6c0df2b6106fb040ea01b4e7c737555995bc46366f9501bb4c4ae8fbc2c0be"
    );
    let eth = b"If Ethereum is the world's CPU, Swarm is the world's Hard Drive";
    assert_eq!(
        hex::encode(keccak256(eth)),
        "bd17acbffd89825efba15b6561e564ac7a2f98543f746cd800426f0af7550dd2"
    );
    // Prefix hasher: keccak(prefix || x).
    assert_eq!(
        hex::encode(keccak256_concat(&[b"swarm", b"Digital Freedom Now."])),
        "8f22346371decd659df2424012ec4f7fbb02a96dad6023262bfeda99bdb17773"
    );
    assert_eq!(
        hex::encode(keccak256_concat(&[b"swarm", eth])),
        "1bfd809e4a3f1bb2f5a97dbdb5255ea3969b10af05d73e5af94826504e772cce"
    );
}

#[test]
fn generator_self_checks() {
    // spec §10.1 G1
    assert_eq!(
        hex::encode(keccak256(&mod255(31))),
        "3e50547cf72e8583ee91462f9d99fe624f53282f78e1a5ec2347b1d0123d0d9b"
    );
    assert_eq!(
        hex::encode(keccak256(&mod255(4096))),
        "8ace4673563b86281778b943aa60481fc4ede9f238dd98f1b3a5df4cb54ee79b"
    );
    assert_eq!(
        hex::encode(keccak256(&mod255(524288))),
        "785ebc4bde6b149ea170ac7867eb8801327de7966294a4a6d7c69cc1b3cd5774"
    );
}

#[test]
fn pipeline_small_vectors() {
    // spec §10.3 [BEE]: pipeline("hello world"), pipeline(""), pipeline([0,1,2,3]); split boundaries.
    assert_eq!(
        hash(b"hello world", Level::None).reference.to_hex(),
        "92672a471f4419b255d7cb0cf313474a6f5856fb347c5ece85fb706d644b630f"
    );
    assert_eq!(
        hash(b"", Level::None).reference.to_hex(),
        "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526"
    );
    assert_eq!(
        hash(&[0, 1, 2, 3], Level::None).reference.to_hex(),
        "4f7e85bb4282fd468a9ce4e6e50b6c4b8e6a34aa33332b604c83fb9b2e55978a"
    );
    // "hello " + "world" ≡ "hello world"
    let mut sink = Discard;
    let mut s = Splitter::new(&mut sink, SplitOptions::default(), None);
    s.write(b"hello ").unwrap();
    s.write(b"world").unwrap();
    assert_eq!(
        s.finish().unwrap().reference.to_hex(),
        "92672a471f4419b255d7cb0cf313474a6f5856fb347c5ece85fb706d644b630f"
    );
}

/// spec §10.5 [BEE] file vectors (G1 data, level none).
const FILE_VECTORS: [(u64, &str); 21] = [
    (
        31,
        "ece86edb20669cc60d142789d464d57bdf5e33cb789d443f608cbd81cfa5697d",
    ),
    (
        32,
        "0be77f0bb7abc9cd0abed640ee29849a3072ccfd1020019fe03658c38f087e02",
    ),
    (
        33,
        "3463b46d4f9d5bfcbf9a23224d635e51896c1daef7d225b86679db17c5fd868e",
    ),
    (
        63,
        "95510c2ff18276ed94be2160aed4e69c9116573b6f69faaeed1b426fea6a3db8",
    ),
    (
        64,
        "490072cc55b8ad381335ff882ac51303cc069cbcb8d8d3f7aa152d9c617829fe",
    ),
    (
        65,
        "541552bae05e9a63a6cb561f69edf36ffe073e441667dbf7a0e9a3864bb744ea",
    ),
    (
        4096,
        "c10090961e7682a10890c334d759a28426647141213abda93b096b892824d2ef",
    ),
    (
        4127,
        "91699c83ed93a1f87e326a29ccd8cc775323f9e7260035a5f014c975c5f3cd28",
    ),
    (
        4128,
        "73759673a52c1f1707cbb61337645f4fcbd209cdc53d7e2cedaaa9f44df61285",
    ),
    (
        4159,
        "db1313a727ffc184ae52a70012fbbf7235f551b9f2d2da04bf476abe42a3cb42",
    ),
    (
        4160,
        "ade7af36ac0c7297dc1c11fd7b46981b629c6077bce75300f85b02a6153f161b",
    ),
    (
        8192,
        "29a5fb121ce96194ba8b7b823a1f9c6af87e1791f824940a53b5a7efe3f790d9",
    ),
    (
        8224,
        "61416726988f77b874435bdd89a419edc3861111884fd60e8adf54e2f299efd6",
    ),
    (
        524288,
        "3047d841077898c26bbe6be652a2ec590a5d9bd7cd45d290ea42511b48753c09",
    ),
    (
        524319,
        "e5c76afa931e33ac94bce2e754b1bb6407d07f738f67856783d93934ca8fc576",
    ),
    (
        524320,
        "485a526fc74c8a344c43a4545a5987d17af9ab401c0ef1ef63aefcc5c2c086df",
    ),
    (
        524352,
        "624b2abb7aefc0978f891b2a56b665513480e5dc195b4a66cd8def074a6d2e94",
    ),
    (
        528384,
        "b8e1804e37a064d28d161ab5f256cc482b1423d5cd0a6b30fde7b0f51ece9199",
    ),
    (
        532480,
        "59de730bf6c67a941f3b2ffa2f920acfaa1713695ad5deea12b4a121e5f23fa1",
    ),
    (
        67108864,
        "522194562123473dcfd7a457b18ee7dee8b7db70ed3cfa2b73f348a992fdfd3b",
    ),
    (
        67108896,
        "ed0cc44c93b14fef2d91ab3a3674eeb6352a42ac2f0bbe524711824aae1e7bcc",
    ),
];

#[test]
fn bee_file_vectors() {
    for (size, root) in FILE_VECTORS {
        let got = hash_stream(size, SplitOptions::default(), None);
        assert_eq!(got.reference.to_hex(), root, "size {size}");
        assert_eq!(got.size, size);
    }
    // [DERIVED] extra G1 sizes and the carry example of §4.2.
    assert_eq!(
        hash(&mod255(1), Level::None).reference.to_hex(),
        "fe60ba40b87599ddfb9e8947c1c872a4a1a5b56f7d1b80f0a646005b38db52a5"
    );
    assert_eq!(
        hash(&mod255(4095), Level::None).reference.to_hex(),
        "eca8bbd38ce5d9af8f11f4428b2b4720c4c7c445759d000eb307bd3f19e8672c"
    );
    assert_eq!(
        hash(&mod255(524289), Level::None).reference.to_hex(),
        "7b60895ec6007919b0a3a845ea2eedaf7c7cbd222071d1d2662f003973f021aa"
    );
}

#[test]
fn unaligned_writes_give_the_same_root() {
    // bee TestUnalignedSplit: vector #12 written as 4056 + 72 + 4096 bytes.
    let data = mod255(8224);
    let mut sink = Discard;
    let mut s = Splitter::new(&mut sink, SplitOptions::default(), None);
    s.write(&data[..4056]).unwrap();
    s.write(&data[4056..4128]).unwrap();
    s.write(&data[4128..]).unwrap();
    assert_eq!(
        s.finish().unwrap().reference.to_hex(),
        "61416726988f77b874435bdd89a419edc3861111884fd60e8adf54e2f299efd6"
    );
}

#[test]
fn traversal_vectors_and_carry_rule() {
    // spec §10.5b [BEE]: roots, and the tree's chunks (visits counts every reference).
    let cases: [(usize, &str, usize); 7] = [
        (
            16,
            "e94a5aadf259f008b7d5039420c65d692901846523f503d97d24e2f077786d9a",
            1,
        ),
        (
            4096,
            "f833c17be12d68aec95eca7f9d993f7d7aaa7a9c282eb2c3d79ab26a5aeaf384",
            1,
        ),
        (
            4097,
            "a1c4483d15167aeb406017942c9625464574cf70bf7e42f237094acbccdb6834",
            3,
        ),
        (
            524288,
            "5060cfd2a34df0269b47201e1f202eb2a165d787a0c5043ceb29bb85b7567c61",
            129,
        ),
        (
            528384,
            "150665dfbd81f80f5ba00a0caa2caa34f8b94e662e1dea769fe9ce7ea170bf25",
            131,
        ),
        (
            528383,
            "895610b2d795e7cc351a8336d46ba9ef37309d83267d272c6e257e46a78ecb7c",
            131,
        ),
        (
            528385,
            "023ee8b901702a999e9ef90ca2bc1c6db1daefb3f178b683a87b0fd613fd8e21",
            133,
        ),
    ];
    for (size, root, visits) in cases {
        let store = MemStore::new();
        let data = crate::common::hello_test_world(size);
        let s = split_bytes(
            &data,
            &mut swarmec::file::splitter::StoreSink(&store),
            SplitOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(s.reference.to_hex(), root, "size {size}");
        // Without redundancy every chunk written is one visit of a traversal that does not deduplicate.
        assert_eq!(s.chunks as usize, visits, "size {size}");
    }
    // The carried chunk is referenced directly by the root (129·4096−1 bytes).
    let store = MemStore::new();
    let data = crate::common::hello_test_world(528383);
    let s = split_bytes(
        &data,
        &mut swarmec::file::splitter::StoreSink(&store),
        SplitOptions::default(),
        None,
    )
    .unwrap();
    let root = swarmec::store::ChunkStore::get(&store, &s.reference.address)
        .unwrap()
        .unwrap();
    assert_eq!(root.len(), 8 + 64);
    assert_eq!(
        hex::encode(&root[8..40]),
        "5060cfd2a34df0269b47201e1f202eb2a165d787a0c5043ceb29bb85b7567c61"
    );
    assert_eq!(
        hex::encode(&root[40..72]),
        "d18f0d81b832086376684558978cfe6773ed773178f84961c8b750fe72033a26"
    );
}

fn hash_stream(size: u64, options: SplitOptions, rng: Option<&mut BeeRand>) -> SplitSummary {
    let mut sink = Discard;
    let rng = rng.map(|r| r as &mut dyn swarmec::encryption::RandomSource);
    let mut s = Splitter::new(&mut sink, options, rng);
    mod255_pieces(size, |piece| s.write(piece).unwrap());
    s.finish().unwrap()
}

fn check_vector(v: &TreeVector) {
    let level = Level::from_u8(v.level).unwrap();
    let encrypt = v.encryption != "none";
    let options = SplitOptions { level, encrypt };
    let mut rng = encrypt.then(|| v.encryption.parse::<BeeRand>().unwrap());
    let got = hash_stream(v.size, options, rng.as_mut());
    let what = format!("size {} level {} {}", v.size, v.level, v.encryption);
    assert_eq!(got.reference.to_hex(), v.root, "root, {what}");
    assert_eq!(got.chunks, v.chunk_count, "chunk count, {what}");
    let mut replicas: Vec<String> = got.replicas.iter().map(|a| a.to_hex()).collect();
    replicas.sort();
    assert_eq!(replicas, v.replicas, "replicas, {what}");
    if let (Some(r), Some(want)) = (&rng, v.rand_bytes_consumed) {
        assert_eq!(r.consumed(), want, "random bytes, {what}");
    }
}

fn check_all(level: u8, encrypted: bool) {
    let vectors: Vec<TreeVector> = tree_vectors()
        .into_iter()
        .filter(|v| v.level == level && (v.encryption != "none") == encrypted)
        .collect();
    assert!(
        vectors.len() >= 66,
        "level {level} encrypted {encrypted}: {} vectors",
        vectors.len()
    );
    for v in &vectors {
        check_vector(v);
    }
}

#[test]
fn bee_trees_plain_level_0() {
    check_all(0, false);
}

#[test]
fn bee_trees_plain_level_1() {
    check_all(1, false);
}

#[test]
fn bee_trees_plain_level_2() {
    check_all(2, false);
}

#[test]
fn bee_trees_plain_level_3() {
    check_all(3, false);
}

#[test]
fn bee_trees_plain_level_4() {
    check_all(4, false);
}

#[test]
fn bee_trees_encrypted_level_0() {
    check_all(0, true);
}

#[test]
fn bee_trees_encrypted_level_1() {
    check_all(1, true);
}

#[test]
fn bee_trees_encrypted_level_2() {
    check_all(2, true);
}

#[test]
fn bee_trees_encrypted_level_3() {
    check_all(3, true);
}

#[test]
fn bee_trees_encrypted_level_4() {
    check_all(4, true);
}

#[test]
fn redundancy_derived_examples() {
    // spec §5.6 / §10.9 [DERIVED]: MEDIUM 4097 bytes root chunk layout.
    let store = MemStore::new();
    let data = mod255(4097);
    let s = split_bytes(
        &data,
        &mut swarmec::file::splitter::StoreSink(&store),
        SplitOptions {
            level: Level::Medium,
            encrypt: false,
        },
        None,
    )
    .unwrap();
    assert_eq!(
        s.reference.to_hex(),
        "3f40cb428b07c4fc0d23a7489912204a5197d9d2c48ccc4b9a5b96d23ac079af"
    );
    let root = swarmec::store::ChunkStore::get(&store, &s.reference.address)
        .unwrap()
        .unwrap();
    assert_eq!(root.len(), 168);
    assert_eq!(hex::encode(&root[..8]), "0110000000000081");
    let parity0 = swarmec::Address::from_slice(&root[8 + 64..8 + 96]).unwrap();
    let p0 = swarmec::store::ChunkStore::get(&store, &parity0)
        .unwrap()
        .unwrap();
    assert_eq!(hex::encode(&p0[..8]), "0230000000000000");
    // Root chunk sizes at the other levels.
    for (level, len) in [
        (Level::Strong, 232),
        (Level::Insane, 264),
        (Level::Paranoid, 808),
    ] {
        let store = MemStore::new();
        let s = split_bytes(
            &data,
            &mut swarmec::file::splitter::StoreSink(&store),
            SplitOptions {
                level,
                encrypt: false,
            },
            None,
        )
        .unwrap();
        let root = swarmec::store::ChunkStore::get(&store, &s.reference.address)
            .unwrap()
            .unwrap();
        assert_eq!(root.len(), len, "{level}");
        assert_eq!(root[7], 0x80 | level.as_u8());
    }
    // §10.10 replica emission order, MEDIUM: index 0 then 5.
    assert_eq!(
        s.replicas.iter().map(|a| a.to_hex()).collect::<Vec<_>>(),
        vec![
            "8e95c6fa3b5ec54e65db7b350182bbae619406f89c568035c05c406cd12d90ed".to_string(),
            "4a3cdf1dc8192fbbdc2f4fc1dadd971fc7b9df659a121aa6d281bc3d51f84c80".to_string(),
        ]
    );
}
