//! The stamp issuer's crash model: a crash can cut the lease log anywhere after the length it had
//! when the last stamp was returned. Reopened from any such cut, the issuer never gives out a slot
//! of a stamp returned before the cut.

use std::collections::HashSet;

use swarmec::address::Address;
use swarmec::identity::OverlayKey;
use swarmec::postage::Batch;
use swarmec::stamps::Issuer;

fn chunk(bucket: u16, n: u32) -> Address {
    let mut a = [0u8; 32];
    a[..2].copy_from_slice(&bucket.to_be_bytes());
    a[2..6].copy_from_slice(&n.to_be_bytes());
    Address(a)
}

#[test]
fn issuer_survives_a_crash_at_every_log_length() {
    let key = OverlayKey::from_slice(&[3; 32]).unwrap();
    let batch = Batch::new([9; 32], key.eth_address(), 24, true).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let issuer = Issuer::open(tmp.path(), &batch).unwrap();
    let log = issuer.path().to_path_buf();
    // (slot, log length when the stamp was returned), over three buckets and a group commit.
    let mut returned = Vec::new();
    for n in 0..40u32 {
        let s = issuer.issue(&key, &chunk((n % 3) as u16, n)).unwrap();
        returned.push((s.stamp_index(), std::fs::metadata(&log).unwrap().len()));
    }
    let group: Vec<_> = (0..20).map(|n| chunk(1, 100 + n)).collect();
    for s in issuer.issue_many(&key, &group).unwrap() {
        returned.push((s.stamp_index(), std::fs::metadata(&log).unwrap().len()));
    }
    drop(issuer);
    let full = std::fs::read(&log).unwrap();
    let header = 48;
    for cut in header..=full.len() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("issuers");
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::write(copy.join(log.file_name().unwrap()), &full[..cut]).unwrap();
        let issuer = Issuer::open(dir.path(), &batch).unwrap();
        let guaranteed: HashSet<_> = returned
            .iter()
            .filter(|(_, len)| *len as usize <= cut)
            .map(|(i, _)| *i)
            .collect();
        let more: Vec<_> = (0..60u32)
            .map(|n| chunk((n % 3) as u16, 1000 + n))
            .collect();
        for s in issuer.issue_many(&key, &more).unwrap() {
            assert!(
                !guaranteed.contains(&s.stamp_index()),
                "cut at {cut}: {:?} issued again",
                s.stamp_index()
            );
        }
    }
}
