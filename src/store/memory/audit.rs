//! An account's audit trail in the memory store.

use crate::model::AuditEntry;

/// The most entries a chunk of a trail holds.
const CHUNK: usize = 256;

/// The entries of a trail's first chunk.
const FIRST_CHUNK: usize = 4;

/// An account's audit entries, oldest first, in chunks that never move: a
/// trail that keeps growing does not copy what it holds (a single vector
/// would, at each doubling). Each new chunk is as big as the trail so far,
/// from [`FIRST_CHUNK`] up to [`CHUNK`] entries, so that the many accounts
/// with a short trail keep little room for it.
#[derive(Debug, Default)]
pub(super) struct Trail {
    chunks: Vec<Vec<AuditEntry>>,
}

impl Trail {
    pub(super) fn push(&mut self, entry: AuditEntry) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < chunk.capacity() => chunk.push(entry),
            _ => {
                let held: usize = self.chunks.iter().map(Vec::len).sum();
                let mut chunk = Vec::with_capacity(held.clamp(FIRST_CHUNK, CHUNK));
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
    }

    /// Takes back the newest entry.
    pub(super) fn pop(&mut self) {
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.pop();
            if chunk.is_empty() {
                self.chunks.pop();
            }
        }
    }

    /// The newest entries first.
    pub(super) fn newest_first(&self) -> impl Iterator<Item = &AuditEntry> {
        self.chunks
            .iter()
            .rev()
            .flat_map(|chunk| chunk.iter().rev())
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::model::{AccountNumber, Action, ActorRecord, AuditRecord};

    fn entry(sequence: u64) -> AuditEntry {
        AuditEntry {
            sequence,
            record: AuditRecord {
                at: DateTime::UNIX_EPOCH,
                actor: ActorRecord::Support,
                account: AccountNumber::new(1),
                action: Action::AccountCreated,
            },
        }
    }

    #[test]
    fn entries_read_back_newest_first_across_chunks() {
        let mut trail = Trail::default();
        for sequence in 1..=(CHUNK as u64 * 2 + 3) {
            trail.push(entry(sequence));
        }
        let read: Vec<u64> = trail.newest_first().map(|e| e.sequence).collect();
        assert_eq!(read, (1..=CHUNK as u64 * 2 + 3).rev().collect::<Vec<_>>());
        let capacities: Vec<usize> = trail.chunks.iter().map(Vec::capacity).collect();
        assert_eq!(capacities[..4], [4, 4, 8, 16], "chunks grow with the trail");
        assert!(capacities.iter().all(|&c| c <= CHUNK), "{capacities:?}");
        let chunks = trail.chunks.len();
        for _ in 0..4 {
            trail.pop();
        }
        assert_eq!(trail.chunks.len(), chunks - 1, "an emptied chunk goes");
        assert_eq!(
            trail.newest_first().next().map(|e| e.sequence),
            Some(CHUNK as u64 * 2 - 1)
        );
    }
}
