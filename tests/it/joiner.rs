//! The joiner: round trips, ranges, checked reads and malformed trees (spec §7, §10.11).

use base64::Engine;
use proptest::prelude::*;
use swarmec::cac::Chunk;
use swarmec::file::splitter::StoreSink;
use swarmec::file::{split_bytes, JoinError, JoinOptions, Joiner, SplitOptions};
use swarmec::keccak::keccak256;
use swarmec::reference::Reference;
use swarmec::store::{ChunkStore, MemStore};
use swarmec::{Address, Level};

fn upload(store: &MemStore, data: &[u8], level: Level) -> Reference {
    split_bytes(
        data,
        &mut StoreSink(store),
        SplitOptions {
            level,
            encrypt: false,
        },
        None,
    )
    .unwrap()
    .reference
}

fn read_all(store: &MemStore, r: &Reference) -> Result<Vec<u8>, JoinError> {
    let j = Joiner::open(store, r, JoinOptions::default())?;
    let mut out = Vec::new();
    j.read_all(&mut out)?;
    Ok(out)
}

#[test]
fn round_trip_boundary_sizes() {
    for size in [
        0usize, 1, 4095, 4096, 4097, 8192, 524288, 524289, 528383, 528385, 1_000_000,
    ] {
        let data = crate::common::mod255(size);
        let store = MemStore::new();
        let r = upload(&store, &data, Level::None);
        assert_eq!(read_all(&store, &r).unwrap(), data, "size {size}");
    }
}

#[test]
fn ranges_read_only_their_chunks() {
    let data = crate::common::mod255(600_000);
    let store = MemStore::new();
    let r = upload(&store, &data, Level::None);
    let j = Joiner::open(&store, &r, JoinOptions::default()).unwrap();
    let mut part = Vec::new();
    j.read_range(500_000, 100, &mut part).unwrap();
    assert_eq!(part, &data[500_000..500_100]);
    let mut out = Vec::new();
    assert_eq!(j.read_range(599_990, 1000, &mut out).unwrap(), 10);
    assert_eq!(out, &data[599_990..]);
    let mut out = Vec::new();
    assert_eq!(j.read_range(600_000, 5, &mut out).unwrap(), 0);
    assert!(matches!(
        j.read_range(600_001, 5, &mut out),
        Err(JoinError::OutOfRange {
            offset: 600_001,
            size: 600_000
        })
    ));
    // Chunk 0 is not needed for a read at 4096..8192: delete it and read.
    let first = swarmec::cac::Chunk::new(&data[..4096]).unwrap().address;
    assert!(store.remove(&first).unwrap());
    let mut out = Vec::new();
    j.read_range(4096, 4096, &mut out).unwrap();
    assert_eq!(out, &data[4096..8192]);
    let err = j.read_range(0, 10, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, JoinError::NotFound { address } if address == first),
        "{err}"
    );
}

#[test]
fn corrupt_chunk_is_named() {
    let data = crate::common::mod255(10_000);
    let store = MemStore::new();
    let r = upload(&store, &data, Level::None);
    let second = Chunk::new(&data[4096..8192]).unwrap().address;
    let mut bad = store.get(&second).unwrap().unwrap();
    bad[100] ^= 1;
    store
        .put(&Chunk {
            address: second,
            data: bad,
        })
        .unwrap();
    let err = read_all(&store, &r).unwrap_err();
    assert!(
        matches!(err, JoinError::NotFound { address } if address == second),
        "{err}"
    );
    assert!(err.to_string().contains(&second.to_hex()));
}

#[test]
fn missing_root_is_named() {
    let store = MemStore::new();
    let r = Reference::plain(Address([7; 32]));
    let err = read_all(&store, &r).unwrap_err();
    assert!(matches!(err, JoinError::NotFound { address } if address == r.address));
}

fn bounds_store() -> MemStore {
    let store = MemStore::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/joiner-bounds");
    // spec §10.11 integrity: keccak256 of each decoded chunk.
    let hashes = [
        (
            "147a4a13",
            "70cc8fbfe3dfcfa347509d0312dd82d1b82d6d7155917785256f3290614d876b",
        ),
        (
            "324881a5",
            "245867e90f4cb6379b2f06727ce5f111d4bced7a311b1d28c97338a6c123ac96",
        ),
        (
            "6650507776",
            "7b468da0954963b1827c94a1ce567e9484817c204af0b39540671b6fa278e1d9",
        ),
        (
            "7c512937",
            "08272d3e8bd7e4dd4543dd456f597a32a5836fef55037420c9ba3fbbeb6144eb",
        ),
        (
            "8504f2a1",
            "80d54bd8b6d156914697d2e608bb900018839dae94ffa0c4b4b7905423be76a9",
        ),
        (
            "95378adf",
            "56caf2a64e737cc14b2fb03b44c0a5e658564b434be157efe901e106f6a6d71f",
        ),
    ];
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let data = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .unwrap();
        let (_, want) = hashes.iter().find(|(p, _)| name.starts_with(p)).unwrap();
        assert_eq!(hex::encode(keccak256(&data)), *want, "{name}");
        let address = Address::from_hex(&name).unwrap();
        assert!(
            swarmec::cac::is_valid(&address, &data),
            "{name} is a valid chunk"
        );
        store.put(&Chunk { address, data }).unwrap();
        n += 1;
    }
    assert_eq!(n, 6);
    store
}

#[test]
fn bee_bounds_fixtures_are_malformed_not_panics() {
    let store = bounds_store();
    let options = JoinOptions {
        replica_level: Level::Paranoid,
        ..JoinOptions::default()
    };
    for root in [
        "7c512937c1aac8d772cff0d071cbdcda15748c9d422904007342a30dd58ef05d",
        "6650507776a544842c632ed1dde92f8a456a88495308349f147472de3c1620f8",
    ] {
        let r: Reference = root.parse().unwrap();
        // Opening, sequential reads at 4096 and random reads at 262144 all give the typed error.
        let result = Joiner::open(&store, &r, options).and_then(|j| {
            j.read_range(4096, 4096, &mut Vec::new())?;
            j.read_range(262144, 4096, &mut Vec::new())
        });
        match result {
            // 6650… is a well-formed root whose first child is the malformed 7c51….
            Err(JoinError::Malformed { address, .. }) => assert_eq!(
                address.to_hex(),
                "7c512937c1aac8d772cff0d071cbdcda15748c9d422904007342a30dd58ef05d"
            ),
            other => panic!("{root}: want Malformed, got {other:?}"),
        }
    }
    // The data chunk and the manifest nodes are plain leaves and read as their span's bytes.
    let leaf: Reference = "324881a5e0980e21eec6ab4348767a322260b4d477198aeb2500d9d492a99518"
        .parse()
        .unwrap();
    let bytes = read_all(&store, &leaf).unwrap();
    assert_eq!(bytes.len(), 4096);
    assert_eq!(&bytes[..4], b"RIFF");
    let manifest: Reference = "95378adf59567d5db28e970fc60d2dcf0568f11804fd8aa27d2ee7c9eac24100"
        .parse()
        .unwrap();
    assert_eq!(read_all(&store, &manifest).unwrap().len(), 352);
}

#[test]
fn child_with_wrong_span_is_malformed() {
    // bee TestJoinerMalformed: root LE64(8192) || addr(8086-byte file) || addr(random chunk).
    let store = MemStore::new();
    let mut first = vec![0u8; 8086];
    first[8085] = 1;
    let a = upload(&store, &first, Level::None);
    let second = Chunk::new(&[9u8; 4096]).unwrap();
    store.put(&second).unwrap();
    let mut root = 8192u64.to_le_bytes().to_vec();
    root.extend_from_slice(&a.address.0);
    root.extend_from_slice(&second.address.0);
    let root = Chunk::with_data_span(root).unwrap();
    store.put(&root).unwrap();
    let j = Joiner::open(
        &store,
        &Reference::plain(root.address),
        JoinOptions::default(),
    )
    .unwrap();
    let err = j.read_range(0, 4096, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, JoinError::Malformed { address, .. } if address == a.address),
        "{err}"
    );
}

#[test]
fn huge_spans_do_not_allocate_or_loop() {
    let store = MemStore::new();
    let leaf = Chunk::new(b"x").unwrap();
    store.put(&leaf).unwrap();
    for span in [u64::MAX, 1 << 55, (1 << 56) - 1, 4097] {
        let mut data = span.to_le_bytes().to_vec();
        data.extend_from_slice(&leaf.address.0);
        data.extend_from_slice(&leaf.address.0);
        let c = Chunk::with_data_span(data).unwrap();
        store.put(&c).unwrap();
        let r = Reference::plain(c.address);
        let result = Joiner::open(&store, &r, JoinOptions::default())
            .and_then(|j| j.read_all(&mut std::io::sink()));
        assert!(
            matches!(result, Err(JoinError::Malformed { .. })),
            "span {span}: {result:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_sizes_round_trip_and_ranges_match(size in 0usize..1_200_000, a in any::<u64>(), b in any::<u64>(), seed in any::<u8>()) {
        let data: Vec<u8> = (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let store = MemStore::new();
        let r = upload(&store, &data, Level::None);
        let j = Joiner::open(&store, &r, JoinOptions::default()).unwrap();
        prop_assert_eq!(j.size(), size as u64);
        let mut out = Vec::new();
        j.read_all(&mut out).unwrap();
        prop_assert!(out == data);
        let off = if size == 0 { 0 } else { a % (size as u64 + 1) };
        let len = b % 300_000;
        let mut part = Vec::new();
        j.read_range(off, len, &mut part).unwrap();
        let end = (off + len).min(size as u64) as usize;
        prop_assert!(part == data[off as usize..end]);
    }
}
