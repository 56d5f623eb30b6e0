//! Pricing 1.0.0 and pseudosettle 1.0.0: what a node charges and how a peer settles, as far as
//! swarmec takes part in bee's accounting.
//!
//! bee prices a chunk by proximity (`pkg/pricer`): `(31 - min(po, 31) + 1) * 10 000`, and settles
//! light peers' debt with time-based payments (pseudosettle). swarmec announces a payment threshold
//! on every connection (bee disconnects a peer that does not take its own announcement, and one that
//! announces less than its minimum), accepts every payment in full, and does not enforce a debt
//! limit: it serves bee's light and ultra-light nodes without ever cutting them off. Charging and
//! disconnecting peers (bee's accounting proper, and SWAP) are not built.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures::{AsyncRead, AsyncWrite};

use super::pb::pricing::AnnouncePaymentThreshold;
use super::pb::pseudosettle::{Payment, PaymentAck};
use super::wire::{self, WireError};
use crate::address::{Address, MAX_PO};

/// bee's base price of a chunk (`basePrice`).
pub const BASE_PRICE: u64 = 10_000;
/// bee's default payment threshold (`--payment-threshold`).
pub const BEE_PAYMENT_THRESHOLD: u64 = 13_500_000;
/// The threshold swarmec announces: a hundred times bee's, so that a light node fetching many
/// chunks at once is not held back waiting to settle (bee has no upper bound; its minimum is
/// 9 000 000 for full nodes).
pub const PAYMENT_THRESHOLD: u64 = 100 * BEE_PAYMENT_THRESHOLD;
/// Largest amount read (a big-endian integer): 32 bytes.
pub const MAX_AMOUNT_BYTES: usize = 32;
/// Largest pricing or pseudosettle message read.
pub const MAX_MESSAGE: usize = 256;

/// bee's price of `chunk` when served by `peer` (`pricer.PeerPrice`).
pub fn price(peer: &Address, chunk: &Address) -> u64 {
    let po = peer.proximity(chunk);
    u64::from(MAX_PO - po + 1) * BASE_PRICE
}

/// A big-endian unsigned integer as Go's `big.Int.Bytes` writes it (no leading zeros; zero is empty).
pub fn encode_amount(amount: u64) -> Vec<u8> {
    let bytes = amount.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

/// Why a pricing or pseudosettle exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountingError {
    /// Reading or writing failed.
    #[error("{protocol}: {source}")]
    Wire {
        /// The protocol.
        protocol: &'static str,
        /// The error.
        source: WireError,
    },
    /// An amount longer than 32 bytes.
    #[error("{protocol}: amount of {len} bytes is over {MAX_AMOUNT_BYTES}")]
    Amount {
        /// The protocol.
        protocol: &'static str,
        /// Its length.
        len: usize,
    },
}

/// Refuses an amount longer than [`MAX_AMOUNT_BYTES`].
fn check_amount(protocol: &'static str, amount: &[u8]) -> Result<(), AccountingError> {
    if amount.len() > MAX_AMOUNT_BYTES {
        return Err(AccountingError::Amount {
            protocol,
            len: amount.len(),
        });
    }
    Ok(())
}

fn wire_err(protocol: &'static str) -> impl Fn(WireError) -> AccountingError {
    move |source| AccountingError::Wire { protocol, source }
}

/// Opens side of pricing: headers, then our threshold, then close.
pub async fn announce<S>(
    stream: &mut S,
    threshold: u64,
    timeout: Duration,
) -> Result<(), AccountingError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let err = wire_err("pricing");
    wire::open_headers(stream, timeout).await.map_err(&err)?;
    let msg = AnnouncePaymentThreshold {
        payment_threshold: encode_amount(threshold),
    };
    wire::write(stream, &msg, timeout).await.map_err(&err)?;
    wire::close(stream).await.map_err(&err)
}

/// Accepting side of pricing: the peer's threshold, as big-endian bytes (kept for the record; not
/// enforced).
pub async fn accept_announcement<S>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Vec<u8>, AccountingError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let err = wire_err("pricing");
    wire::accept_headers(stream, timeout).await.map_err(&err)?;
    let msg: AnnouncePaymentThreshold = wire::read(stream, MAX_MESSAGE, timeout)
        .await
        .map_err(&err)?;
    check_amount("pricing", &msg.payment_threshold)?;
    wire::close(stream).await.map_err(&err)?;
    Ok(msg.payment_threshold)
}

/// The clock of the acknowledgements this node sends: Unix seconds that never go back, so that a
/// payer's check `ack.timestamp - last ack.timestamp >= 0` holds even if the system clock steps back.
#[derive(Debug, Default)]
pub struct AckClock {
    last: AtomicI64,
}

impl AckClock {
    /// `now`, or the last value handed out if that is later.
    pub fn stamp(&self, now: i64) -> i64 {
        let previous = self.last.fetch_max(now, Ordering::AcqRel);
        previous.max(now)
    }
}

/// Accepting side of pseudosettle: reads the payment, accepts all of it (swarmec enforces no debt
/// limit), answers with the amount and the time. Returns the amount, big-endian.
pub async fn accept_payment<S>(
    stream: &mut S,
    clock: &AckClock,
    now: i64,
    timeout: Duration,
) -> Result<Vec<u8>, AccountingError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let err = wire_err("pseudosettle");
    wire::accept_headers(stream, timeout).await.map_err(&err)?;
    let payment: Payment = wire::read(stream, MAX_MESSAGE, timeout)
        .await
        .map_err(&err)?;
    check_amount("pseudosettle", &payment.amount)?;
    let ack = PaymentAck {
        amount: payment.amount.clone(),
        timestamp: clock.stamp(now),
    };
    wire::write(stream, &ack, timeout).await.map_err(&err)?;
    wire::close(stream).await.map_err(&err)?;
    Ok(payment.amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_amounts_are_bees() {
        let a = Address([0; 32]);
        let mut far = [0; 32];
        far[0] = 0x80;
        assert_eq!(price(&a, &Address(far)), 320_000);
        assert_eq!(price(&a, &a), 10_000);
        assert_eq!(encode_amount(0), Vec::<u8>::new());
        assert_eq!(encode_amount(13_500_000), vec![0xcd, 0xfe, 0x60]);
        let clock = AckClock::default();
        assert_eq!(clock.stamp(100), 100);
        assert_eq!(clock.stamp(90), 100);
        assert_eq!(clock.stamp(101), 101);
    }
}
