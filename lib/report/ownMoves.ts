/**
 * Which position changes are moves of their own, and which are knock-on shifts: when one song
 * enters, leaves or climbs, every song it passes moves by one without having moved at all.
 * The songs that kept their order relative to each other form an increasing run of previous
 * positions when read in today's order; the longest such run is what stayed in place, and every
 * song outside it changed order with others: its change is its own. Among runs of equal length
 * the one whose songs changed least is kept, so the songs listed are the ones that moved most
 * (A and B swapping lists the one that jumped further, or either when they moved as far).
 */

export interface Placement {
  position: number;
  /** Null when the song was not on the previous snapshot (an entry: not a move). */
  previous_position: number | null;
}

interface Best {
  length: number;
  /** Sum of |position change| over the run: smaller is better among equal lengths. */
  change: number;
  /** Index of the run's last song, or -1 for the empty run. */
  last: number;
}

const EMPTY: Best = { length: 0, change: 0, last: -1 };
const better = (a: Best, b: Best) => a.length > b.length || (a.length === b.length && a.change < b.change);

/** The placements that moved of their own accord, in today's order. */
export function ownMoves<T extends Placement>(today: T[]): T[] {
  const stayed = today.filter((p) => p.previous_position !== null).sort((a, b) => a.position - b.position);
  if (stayed.length === 0) return [];
  // Rank the previous positions 1..n, then a Fenwick tree over the ranks answers "the best run
  // ending below this previous position" in log n: the whole search is n log n, for 10,000-song playlists.
  const ranks = new Map([...new Set(stayed.map((p) => p.previous_position!))].sort((a, b) => a - b).map((v, i) => [v, i + 1]));
  const tree: Best[] = Array(ranks.size + 1).fill(EMPTY);
  const prefixBest = (rank: number) => {
    let best = EMPTY;
    for (let i = rank; i > 0; i -= i & -i) if (better(tree[i], best)) best = tree[i];
    return best;
  };
  const record = (rank: number, value: Best) => {
    for (let i = rank; i < tree.length; i += i & -i) if (better(value, tree[i])) tree[i] = value;
  };
  const before = new Array<number>(stayed.length);
  let overall = EMPTY;
  stayed.forEach((p, i) => {
    const rank = ranks.get(p.previous_position!)!;
    const prior = prefixBest(rank - 1);
    const here: Best = { length: prior.length + 1, change: prior.change + Math.abs(p.previous_position! - p.position), last: i };
    before[i] = prior.last;
    record(rank, here);
    if (better(here, overall)) overall = here;
  });
  const inPlace = new Set<number>();
  for (let i = overall.last; i >= 0; i = before[i]) inPlace.add(i);
  return stayed.filter((_, i) => !inPlace.has(i));
}
