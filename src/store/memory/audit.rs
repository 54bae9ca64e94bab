//! An account's audit trail in the memory store.

use std::collections::HashMap;

use crate::model::{AuditEntry, UserId};

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
    /// The sequence numbers of the entries about each user, ascending: a
    /// page of one user's history costs its own rows, not the trail's.
    by_target: HashMap<UserId, Vec<u64>>,
}

impl Trail {
    pub(super) fn push(&mut self, entry: AuditEntry) {
        if let Some(target) = entry.record.action.target() {
            self.by_target
                .entry(target)
                .or_default()
                .push(entry.sequence);
        }
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
        let Some(chunk) = self.chunks.last_mut() else {
            return;
        };
        let popped = chunk.pop();
        if chunk.is_empty() {
            self.chunks.pop();
        }
        if let Some(target) = popped.as_ref().and_then(|e| e.record.action.target()) {
            if let Some(sequences) = self.by_target.get_mut(&target) {
                sequences.pop();
                if sequences.is_empty() {
                    self.by_target.remove(&target);
                }
            }
        }
    }

    /// At most `limit` entries older than `before` (all if `None`), newest
    /// first, only those about `target` if given. Costs the page and a
    /// binary search, whatever the length of the trail.
    pub(super) fn page(
        &self,
        target: Option<UserId>,
        before: Option<u64>,
        limit: usize,
    ) -> Vec<AuditEntry> {
        let before = before.unwrap_or(u64::MAX);
        match target {
            None => {
                // Chunks, and entries in them, are in sequence order.
                let last_chunk = self
                    .chunks
                    .partition_point(|chunk| chunk.first().is_some_and(|e| e.sequence < before));
                self.chunks[..last_chunk]
                    .iter()
                    .rev()
                    .flat_map(|chunk| {
                        let end = chunk.partition_point(|e| e.sequence < before);
                        chunk[..end].iter().rev()
                    })
                    .take(limit)
                    .cloned()
                    .collect()
            }
            Some(target) => {
                let sequences = self.by_target.get(&target).map_or(&[][..], Vec::as_slice);
                let end = sequences.partition_point(|&sequence| sequence < before);
                sequences[..end]
                    .iter()
                    .rev()
                    .take(limit)
                    .filter_map(|&sequence| self.entry(sequence))
                    .cloned()
                    .collect()
            }
        }
    }

    /// The entry with this sequence number.
    fn entry(&self, sequence: u64) -> Option<&AuditEntry> {
        let chunk = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|e| e.sequence < sequence));
        let chunk = self.chunks.get(chunk)?;
        let at = chunk.binary_search_by_key(&sequence, |e| e.sequence).ok()?;
        chunk.get(at)
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
        let read: Vec<u64> = trail
            .page(None, None, usize::MAX)
            .iter()
            .map(|e| e.sequence)
            .collect();
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
            trail.page(None, None, 1).first().map(|e| e.sequence),
            Some(CHUNK as u64 * 2 - 1)
        );
    }
}
