//! Self-certifying local batch ids and the claims that carry their parameters (see the module
//! docs of [`crate::postage`]).

use super::{Batch, BatchId, PostageError};
use crate::identity::key::EthAddress;
use crate::keccak::keccak256_concat;

/// The domain separator hashed before a local batch's parameters.
pub const LOCAL_BATCH_DOMAIN: &[u8] = b"swarmec-local-batch";

/// Longest claim text [`BatchClaim::parse`] reads: `255,255,1,` and 64 hex digits.
pub const MAX_CLAIM_LEN: usize = 3 + 1 + 3 + 1 + 1 + 1 + 64;

/// The id of a batch created without a chain: `keccak256("swarmec-local-batch" || owner(20) ||
/// depth || bucket_depth || immutable as u8 || nonce(32))`.
pub fn local_batch_id(
    owner: &EthAddress,
    depth: u8,
    bucket_depth: u8,
    immutable: bool,
    nonce: &[u8; 32],
) -> BatchId {
    keccak256_concat(&[
        LOCAL_BATCH_DOMAIN,
        &owner.0,
        &[depth, bucket_depth, u8::from(immutable)],
        nonce,
    ])
}

/// The parameters of a local batch, sent beside a stamp so that a storer that does not know the
/// batch can learn it. The owner is not in the claim: it is the stamp's signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchClaim {
    /// The batch depth.
    pub depth: u8,
    /// The bucket depth.
    pub bucket_depth: u8,
    /// Whether the batch is immutable.
    pub immutable: bool,
    /// The nonce the owner chose when creating the batch.
    pub nonce: [u8; 32],
}

impl BatchClaim {
    /// The text form: `<depth>,<bucket_depth>,<0|1>,<64 lowercase hex nonce>`, e.g.
    /// `20,16,1,00ab...`.
    pub fn to_header(&self) -> String {
        format!(
            "{},{},{},{}",
            self.depth,
            self.bucket_depth,
            u8::from(self.immutable),
            hex::encode(self.nonce)
        )
    }

    /// Reads the text form of [`BatchClaim::to_header`], and nothing else: decimal numbers without
    /// sign, spaces or leading zeros, `0` or `1`, exactly 64 lowercase hex digits, at most
    /// [`MAX_CLAIM_LEN`] bytes. What it accepts prints back to the same text.
    pub fn parse(text: &str) -> Result<BatchClaim, PostageError> {
        let fail = |reason: &'static str| PostageError::ClaimSyntax {
            claim: shorten(text),
            reason,
        };
        if text.len() > MAX_CLAIM_LEN {
            return Err(fail("longer than any claim"));
        }
        let mut fields = text.split(',');
        let (Some(depth), Some(bucket_depth), Some(immutable), Some(nonce), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(fail("want four comma-separated fields"));
        };
        let depth = parse_u8(depth).ok_or_else(|| fail("depth is not a number 0..=255"))?;
        let bucket_depth =
            parse_u8(bucket_depth).ok_or_else(|| fail("bucket depth is not a number 0..=255"))?;
        let immutable = match immutable {
            "0" => false,
            "1" => true,
            _ => return Err(fail("immutable flag is not 0 or 1")),
        };
        if nonce.len() != 64
            || !nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(fail("nonce is not 64 lowercase hex digits"));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(nonce, &mut bytes)
            .map_err(|_| fail("nonce is not 64 lowercase hex digits"))?;
        Ok(BatchClaim {
            depth,
            bucket_depth,
            immutable,
            nonce: bytes,
        })
    }

    /// The id these parameters give for `owner`.
    pub fn id_for(&self, owner: &EthAddress) -> BatchId {
        local_batch_id(
            owner,
            self.depth,
            self.bucket_depth,
            self.immutable,
            &self.nonce,
        )
    }

    /// The batch `id` of `owner` (the signer of the stamp the claim came with), when the claim's
    /// parameters give that id ([`PostageError::ClaimMismatch`] otherwise) and are parameters of a
    /// batch ([`PostageError::BatchDepth`] otherwise).
    pub fn batch(&self, id: &BatchId, owner: EthAddress) -> Result<Batch, PostageError> {
        let computed = self.id_for(&owner);
        if computed != *id {
            return Err(PostageError::ClaimMismatch {
                batch: hex::encode(id),
                owner,
                computed: hex::encode(computed),
            });
        }
        Batch::with_bucket_depth(*id, owner, self.depth, self.bucket_depth, self.immutable)
    }
}

/// A canonical decimal u8: digits only, no leading zero unless it is `0`.
fn parse_u8(s: &str) -> Option<u8> {
    let canonical = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if canonical {
        s.parse().ok()
    } else {
        None
    }
}

/// The text for an error: cut after [`MAX_CLAIM_LEN`] characters.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_CLAIM_LEN) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claim(depth: u8, bucket_depth: u8, immutable: bool, nonce: [u8; 32]) -> BatchClaim {
        BatchClaim {
            depth,
            bucket_depth,
            immutable,
            nonce,
        }
    }

    #[test]
    fn header_form_and_strict_parse() {
        let c = claim(20, 16, true, [0xab; 32]);
        let text = c.to_header();
        assert_eq!(text, format!("20,16,1,{}", "ab".repeat(32)));
        assert_eq!(BatchClaim::parse(&text), Ok(c));
        let nonce = "ab".repeat(32);
        for bad in [
            String::new(),
            "20,16,1".to_string(),
            format!("20,16,1,{nonce},"),
            format!("020,16,1,{nonce}"),
            format!("+20,16,1,{nonce}"),
            format!(" 20,16,1,{nonce}"),
            format!("256,16,1,{nonce}"),
            format!("20,16,2,{nonce}"),
            format!("20,16,true,{nonce}"),
            format!("20,16,1,{}", "AB".repeat(32)),
            format!("20,16,1,{}", &nonce[..62]),
            format!("20,16,1,{nonce}00"),
            format!("20,16,1,{}", "zz".repeat(32)),
            "9".repeat(10_000),
        ] {
            let e = BatchClaim::parse(&bad).unwrap_err();
            assert!(
                matches!(&e, PostageError::ClaimSyntax { claim, .. } if claim.len() <= MAX_CLAIM_LEN + 3),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn claim_gives_the_batch_of_its_owner_only() {
        let key = crate::identity::OverlayKey::from_slice(&[7; 32]).unwrap();
        let owner = key.eth_address();
        let c = claim(20, 16, false, [1; 32]);
        let id = local_batch_id(&owner, 20, 16, false, &[1; 32]);
        let b = c.batch(&id, owner).unwrap();
        assert_eq!(
            (b.id, b.owner, b.depth, b.bucket_depth),
            (id, owner, 20, 16)
        );
        assert!(!b.immutable);
        let other = EthAddress([9; 20]);
        assert!(matches!(
            c.batch(&id, other),
            Err(PostageError::ClaimMismatch { .. })
        ));
        let deeper = claim(21, 16, false, [1; 32]);
        assert!(matches!(
            deeper.batch(&id, owner),
            Err(PostageError::ClaimMismatch { .. })
        ));
        // Parameters that hash right but make no batch are still refused.
        let shallow = claim(16, 16, false, [1; 32]);
        let id = shallow.id_for(&owner);
        assert!(matches!(
            shallow.batch(&id, owner),
            Err(PostageError::BatchDepth { .. })
        ));
    }

    fn arb_claim() -> impl Strategy<Value = BatchClaim> {
        (any::<u8>(), any::<u8>(), any::<bool>(), any::<[u8; 32]>())
            .prop_map(|(d, b, i, n)| claim(d, b, i, n))
    }

    proptest! {
        #[test]
        fn parse_reads_back_to_header(c in arb_claim()) {
            prop_assert_eq!(BatchClaim::parse(&c.to_header()), Ok(c));
        }

        #[test]
        fn any_change_changes_the_id(
            c in arb_claim(),
            owner in any::<[u8; 20]>(),
            which in 0usize..5,
            delta in 1u8..=255,
            bit in 0usize..256,
        ) {
            let owner = EthAddress(owner);
            let mut c2 = c;
            let mut owner2 = owner;
            match which {
                0 => c2.depth = c.depth.wrapping_add(delta),
                1 => c2.bucket_depth = c.bucket_depth.wrapping_add(delta),
                2 => c2.immutable = !c.immutable,
                3 => c2.nonce[bit / 8] ^= 1 << (bit % 8),
                _ => owner2.0[bit % 20] ^= delta,
            }
            prop_assert_ne!(c.id_for(&owner), c2.id_for(&owner2));
        }

        #[test]
        fn parse_never_panics(s in ".{0,100}") {
            if let Ok(c) = BatchClaim::parse(&s) {
                prop_assert_eq!(c.to_header(), s);
            }
        }
    }
}
