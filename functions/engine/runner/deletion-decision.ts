/**
 * Whether deletion detection may mark the records a full pass did not see as deleted. An API
 * that answers with an empty or truncated list looks exactly like a mass deletion, so an
 * implausible one is refused — implausible by share AND by size, so that a small dataset that
 * really lost 3 of its 4 records is not stranded — or when the pass saw nothing at all. An
 * operator who knows the deletion is real accepts it once for one run.
 */
export interface DeletionGuard {
  /** Largest share of the live records a pass may delete without an operator. */
  maxDeleteShare: number;
  /** Deletions of at most this many records are never refused by share. */
  minGuardedDeletions: number;
}

export interface DeletionCounts {
  model: string;
  /** Live records before the deletion. */
  live: number;
  /** Live records the pass did not see: what would be deleted. */
  unseen: number;
  /** Records the pass saw. */
  seen: number;
  /** The operator accepted this run's deletions. */
  accepted: boolean;
}

export type DeletionDecision = { delete: true } | { delete: false; reason: string };

const HOW_TO_ACCEPT = 'if the deletion is real, trigger the sync once with opts.acceptMassDeletion = true';

export function decideDeletion(counts: DeletionCounts, guard: DeletionGuard): DeletionDecision {
  const { model, live, unseen, seen, accepted } = counts;
  if (unseen === 0 || accepted) return { delete: true };
  if (seen === 0) {
    return { delete: false, reason: `refused to delete all ${live} ${model} records: this run saw none (an empty or failed listing?); ${HOW_TO_ACCEPT}` };
  }
  const share = unseen / live;
  if (share > guard.maxDeleteShare && unseen > guard.minGuardedDeletions) {
    return {
      delete: false,
      reason: `refused to delete ${unseen} of ${live} ${model} records (${Math.round(share * 100)}%), more than the ${Math.round(guard.maxDeleteShare * 100)}% limit: a partial listing? ${HOW_TO_ACCEPT}`,
    };
  }
  return { delete: true };
}
