//! A cursor over fuzz bytes that never fails: reads past the end give zeros, so that every input,
//! however short, decodes to something and a mutation anywhere changes only what follows it.

/// Reads numbers and byte strings off the front of a fuzz input.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes not read yet.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// The next byte, 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }

    /// One bit of the next byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number below `n` (0 when `n` is 0), from one byte if `n` fits a byte, else two.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let x = if n <= 256 {
            usize::from(self.u8())
        } else {
            usize::from(self.u16())
        };
        x % n
    }

    /// Up to `n` bytes: fewer if the input ends first.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// Exactly `n` bytes: what is left of the input, then `fill` repeated.
    pub fn bytes_padded(&mut self, n: usize, fill: u8) -> Vec<u8> {
        let mut v = self.bytes(n).to_vec();
        v.resize(n, fill);
        v
    }

    /// An array of `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let b = self.bytes(N);
        out[..b.len()].copy_from_slice(b);
        out
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// Builds inputs that [`Input`] reads back as the values written (for seed corpora).
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// The bytes written so far.
    pub data: Vec<u8>,
}

impl Output {
    /// An empty input.
    pub fn new() -> Output {
        Output::default()
    }

    /// Writes a byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.data.push(v);
        self
    }

    /// Writes a little-endian `u16`.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Writes a little-endian `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Writes a little-endian `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Writes bytes verbatim.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.data.extend_from_slice(v);
        self
    }

    /// The finished input.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_zeros_past_the_end() {
        let data = Output::new()
            .u8(7)
            .u16(0x1234)
            .u32(0xdead_beef)
            .u64(u64::MAX - 1)
            .bytes(b"ab")
            .finish();
        let mut i = Input::new(&data);
        assert_eq!(i.u8(), 7);
        assert_eq!(i.u16(), 0x1234);
        assert_eq!(i.u32(), 0xdead_beef);
        assert_eq!(i.u64(), u64::MAX - 1);
        assert_eq!(i.bytes_padded(4, 9), b"ab\x09\x09");
        assert!(i.is_empty());
        assert_eq!(i.u64(), 0);
        assert_eq!(i.below(0), 0);
        assert_eq!(i.array::<3>(), [0; 3]);
    }
}
