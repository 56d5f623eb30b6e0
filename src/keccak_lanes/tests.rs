use super::*;
use crate::keccak::keccak256;
use proptest::prelude::*;

fn kernels() -> Vec<Kernel> {
    let k = available_kernels();
    assert!(k.contains(&Kernel::Scalar));
    k
}

#[test]
fn active_kernel_is_available_and_widest() {
    let active = active_kernel();
    assert!(active.is_available());
    assert_eq!(kernel_name(), active.name());
    for k in available_kernels() {
        assert!(k.lanes() <= active.lanes(), "{k:?} wider than {active:?}");
    }
}

#[test]
fn known_digests() {
    // keccak256 of 64 zero bytes is zerohash[1] of the BMT (spec §2.1).
    let zero = [[0u8; 64]; 11];
    for k in kernels() {
        let mut out = [[0u8; 32]; 11];
        keccak256_64_batch_with(k, &zero, &mut out).unwrap();
        for o in out {
            assert_eq!(
                hex::encode(o),
                "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5",
                "{k:?}"
            );
        }
    }
}

#[test]
fn refuses_mismatched_lengths() {
    let mut out = [[0u8; 32]; 2];
    assert_eq!(
        keccak256_64_batch_with(Kernel::Scalar, &[[0u8; 64]; 3], &mut out),
        Err(LanesError::LengthMismatch {
            inputs: 3,
            outputs: 2
        })
    );
    assert_eq!(
        keccak256_40_batch_with(Kernel::Scalar, &[[0u8; 40]; 1], &mut out),
        Err(LanesError::LengthMismatch {
            inputs: 1,
            outputs: 2
        })
    );
}

#[test]
fn refuses_unavailable_kernel() {
    for k in Kernel::ALL {
        let r = keccak256_64_batch_with(k, &[], &mut []);
        if k.is_available() {
            assert_eq!(r, Ok(()));
        } else {
            assert_eq!(r, Err(LanesError::Unavailable { kernel: k }));
        }
    }
}

fn arb_states() -> impl Strategy<Value = Vec<[u64; WORDS]>> {
    proptest::collection::vec(proptest::array::uniform25(any::<u64>()), 0..20)
}

proptest! {
    #[test]
    fn hash64_matches_tiny_keccak(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 64), 0..20)) {
        let msgs: Vec<[u8; 64]> = msgs.into_iter().map(|m| m.try_into().unwrap()).collect();
        let want: Vec<[u8; 32]> = msgs.iter().map(|m| keccak256(m)).collect();
        for k in kernels() {
            let mut out = vec![[0u8; 32]; msgs.len()];
            keccak256_64_batch_with(k, &msgs, &mut out).unwrap();
            prop_assert_eq!(&out, &want, "{:?}", k);
        }
        let mut out = vec![[0u8; 32]; msgs.len()];
        keccak256_64_batch(&msgs, &mut out);
        prop_assert_eq!(&out, &want);
    }

    #[test]
    fn hash40_matches_tiny_keccak(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 40), 0..20)) {
        let msgs: Vec<[u8; 40]> = msgs.into_iter().map(|m| m.try_into().unwrap()).collect();
        let want: Vec<[u8; 32]> = msgs.iter().map(|m| keccak256(m)).collect();
        for k in kernels() {
            let mut out = vec![[0u8; 32]; msgs.len()];
            keccak256_40_batch_with(k, &msgs, &mut out).unwrap();
            prop_assert_eq!(&out, &want, "{:?}", k);
        }
        let mut out = vec![[0u8; 32]; msgs.len()];
        keccak256_40_batch(&msgs, &mut out);
        prop_assert_eq!(&out, &want);
    }

    #[test]
    fn permutation_matches_tiny_keccak(states in arb_states(), times in 0u32..3) {
        let mut want = states.clone();
        for s in &mut want {
            for _ in 0..times {
                tiny_keccak::keccakf(s);
            }
        }
        for k in kernels() {
            let mut got = states.clone();
            permute_batch_with(k, &mut got, times).unwrap();
            prop_assert_eq!(&got, &want, "{:?}", k);
        }
    }
}

#[test]
fn keystream_equals_the_reference_on_every_kernel() {
    let key: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
    // Counts around the lane widths (4 and 8), a chunk's 128 blocks, the span's counter, and a
    // counter that wraps modulo 2^32 inside a lane group.
    for (first, count) in [
        (0, 0),
        (0, 1),
        (0, 3),
        (0, 4),
        (5, 7),
        (0, 8),
        (2, 15),
        (0, 17),
        (128, 1),
        (0, 128),
        (u32::MAX - 2, 9),
    ] {
        let want: Vec<[u8; 32]> = (0..count)
            .map(|j| keystream::block_reference(&key, first.wrapping_add(j)))
            .collect();
        for k in kernels() {
            let mut out = vec![[0u8; 32]; count as usize];
            keystream_with(k, &key, first, &mut out).unwrap();
            assert!(out == want, "{k:?} first {first} count {count}");
        }
        let mut out = vec![[0u8; 32]; count as usize];
        keystream(&key, first, &mut out);
        assert!(out == want, "active kernel, first {first} count {count}");
    }
}
