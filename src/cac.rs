//! Content-addressed chunks (spec §3): stored data `span(8) || payload(0..=4096)`, address = BMT hash.

use crate::address::Address;
use crate::bmt;
use crate::span::SPAN_SIZE;

/// Maximum payload of a chunk.
pub const MAX_PAYLOAD: usize = bmt::CHUNK_SIZE;
/// Maximum stored data of a content-addressed chunk: span + payload.
pub const MAX_DATA: usize = SPAN_SIZE + MAX_PAYLOAD;

/// A chunk as stored: its address and its data.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The address it is stored under.
    pub address: Address,
    /// Its stored bytes (`span || payload` for content-addressed chunks).
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chunk({}, {} bytes)", self.address, self.data.len())
    }
}

/// Why bytes are not a content-addressed chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacError {
    /// Payload over 4096 bytes.
    #[error("chunk payload of {0} bytes is over the 4096-byte limit")]
    PayloadTooLarge(usize),
    /// Data shorter than a span.
    #[error("chunk data of {0} bytes is shorter than the 8-byte span")]
    SpanShort(usize),
}

impl Chunk {
    /// A chunk of `payload` with span = payload length (bee's `cac.New`).
    pub fn new(payload: &[u8]) -> Result<Chunk, CacError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(CacError::PayloadTooLarge(payload.len()));
        }
        let mut data = Vec::with_capacity(SPAN_SIZE + payload.len());
        data.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        data.extend_from_slice(payload);
        Ok(Chunk {
            address: Address(bmt::data_address(&data)),
            data,
        })
    }

    /// A chunk whose first 8 bytes are taken verbatim as span (bee's `cac.NewWithDataSpan`).
    pub fn with_data_span(data: Vec<u8>) -> Result<Chunk, CacError> {
        check_len(&data)?;
        Ok(Chunk {
            address: Address(bmt::data_address(&data)),
            data,
        })
    }

    /// The span bytes.
    pub fn span(&self) -> [u8; SPAN_SIZE] {
        crate::span::of_data(&self.data)
    }

    /// The payload (data after the span).
    pub fn payload(&self) -> &[u8] {
        self.data.get(SPAN_SIZE..).unwrap_or(&[])
    }
}

fn check_len(data: &[u8]) -> Result<(), CacError> {
    if data.len() < SPAN_SIZE {
        return Err(CacError::SpanShort(data.len()));
    }
    if data.len() > MAX_DATA {
        return Err(CacError::PayloadTooLarge(data.len() - SPAN_SIZE));
    }
    Ok(())
}

/// The content address of `data` (`span || payload`), or why it cannot be one.
pub fn address_of(data: &[u8]) -> Result<Address, CacError> {
    check_len(data)?;
    Ok(Address(bmt::data_address(data)))
}

/// bee's `cac.Valid`: 8 ≤ len ≤ 4104 and the BMT hash equals `address`. The span is not checked.
pub fn is_valid(address: &Address, data: &[u8]) -> bool {
    address_of(data).is_ok_and(|a| a == *address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Address {
        Address::from_hex(s).unwrap()
    }

    #[test]
    fn bee_cac_vectors() {
        // spec §10.3 [BEE]
        let cases: [(&[u8], &str); 4] = [
            (
                b"foo",
                "2387e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48",
            ),
            (
                b"greaterthanspan",
                "27913f1bdb6e8e52cbd5a5fd4ab577c857287edf6969b41efe926b51de0f4f23",
            ),
            (
                b"hello world",
                "92672a471f4419b255d7cb0cf313474a6f5856fb347c5ece85fb706d644b630f",
            ),
            (
                b"",
                "b34ca8c22b9e982354f9c7f50b470d66db428d880c8a904d5fe4ec9713171526",
            ),
        ];
        for (payload, want) in cases {
            let c = Chunk::new(payload).unwrap();
            assert_eq!(c.address, addr(want));
            assert!(is_valid(&c.address, &c.data));
        }
        let c = Chunk::with_data_span(b"greaterthanspan".to_vec()).unwrap();
        assert_eq!(
            c.address,
            addr("95022e6af5c6d6a564ee55a67f8455a3e18c511b5697c932d9e44f07f2fb8c53")
        );
        let c = Chunk::new(b"Digital Freedom Now").unwrap();
        assert_eq!(
            c.address,
            addr("c95650fe0dad715762ac21fa2083b55a9a21546930c846923f95cecff1565c9b")
        );
    }

    #[test]
    fn bee_fixture_chunks_are_valid() {
        // spec §10.3 FixtureChunk [BEE]
        let cases = [
            ("0025737be11979e91654dffd2be817ac1e52a2dadb08c97a7cef12f937e707bc", "4800000000000000080000000000000095b31ff492f7817b84f8d74d2c2f5bf8e5d7599cd2f3036ecc4a6577353591bcc19982c55398248c96d1bfd6c1049079202dcddc3be31c2ba1336c0e6ab48702"),
            ("0033153ac8cfb0c343db1795f578c15ed8ef827f3e68ed3c58329900bf0d7276", "4800000000000000aa75000000000000159d3f562d11a6b82f7e3aacf24d99f961056bf41799dcfffe2fd1183f3a7e8e294fc9b6b2e3ebdf3f0bdc9b28b538cc5b2c33b95f9bf5ebbbfa67318bb82ec7"),
            ("02c2bd0db71efb7d245eafcc1c126189c1f598feb80e8f14e7ecef913c6a2ef5", "4800000000000000e20000000000000043eafce7e50b79a383ab296b39bfdd203ecc9f7c74571ef4638979f877384a668c49b20797162f7ead1e2b073dbb0dec3bc2f51219ed6a7d4ef12322749a69cd"),
            ("70002115a015d40a1f5ef68c29d072f06fae58854934c1cb399fcb63cf336127", "48000000000000007c3b0000000000002c4313652ad504d1d4bd6bf46f16e618f567e3a5584a320b8fc5dc76af18a9c10f28e1c4f697012d560724639c56531d2ecf73707e58658099711e1b32e84dd7"),
        ];
        for (a, d) in cases {
            assert!(is_valid(&addr(a), &hex::decode(d).unwrap()), "{a}");
        }
    }

    #[test]
    fn bee_invalid_cases() {
        // spec §10.3 TestInvalid [BEE]
        let foo = Chunk::new(b"foo").unwrap();
        assert!(!is_valid(
            &addr("0000e8e7d8a48c2a9339c97c1dc3461a9a7aa07e994c5cb8b38fd7c1b3e6ea48"),
            &foo.data
        ));
        assert!(!is_valid(&Address::ZERO, &foo.data));
        assert!(!is_valid(&foo.address, &[]));
        let small = addr("6251dbc53257832ae80d0e9f1cc41bd54d5b6c704c9c7349709c07fefef0aea6");
        assert!(!is_valid(&small, b"small"));
        assert!(!is_valid(&small, &[0u8; 8]));
        let big = vec![7u8; 4105];
        assert!(!is_valid(
            &addr("ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83"),
            &big
        ));
        assert_eq!(address_of(&big), Err(CacError::PayloadTooLarge(4097)));
        assert_eq!(address_of(b"small"), Err(CacError::SpanShort(5)));
        assert_eq!(
            Chunk::new(&[0u8; 4097]),
            Err(CacError::PayloadTooLarge(4097))
        );
    }
}
