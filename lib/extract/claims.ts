/**
 * Claims of work shared by extractions that run at the same time (two Lambda containers fed by
 * one queue, or two runs on one lake): before fetching an artist or album the cache lacks, an
 * extraction claims it for the day with the store's create-only write (ObjectStore.create), and
 * only the one that created the claim fetches it; the others wait for it to land in the cache.
 * A claim older than CLAIM_STALE_MS whose object never came (its extraction died) is taken over.
 * Claims live under cache/spotify/claims/<day>/, one tiny object each; a day's claims are of no
 * use after that day (an S3 lifecycle rule on the prefix can expire them).
 */
import { SPOTIFY_CACHE_PREFIX } from "../lake/layout";
import type { ObjectStore } from "../storage/objectStore";
import { CacheStorageError, readStoredJson } from "./storedJson";

/**
 * How long a claim holds before another extraction takes its work over: the longest a request can
 * take with all its retries (SPOTIFY_TIMEOUT_MS 15 s per attempt, 7 attempts, backoff up to 10 s
 * each) is under two minutes.
 */
export const CLAIM_STALE_MS = 120_000;
/** How soon a waiting extraction first looks again for the objects others claimed. */
export const CLAIM_POLL_MS = 25;
/** The longest it waits between two looks: each look that finds nothing new doubles the wait up to this. */
export const CLAIM_POLL_MAX_MS = 400;
/** How often it checks whether the claims it waits on went stale (they hold for CLAIM_STALE_MS, so every look would be waste). */
export const CLAIM_STALE_CHECK_MS = 1_000;

/**
 * The waits of one extraction that waits for others' claims: CLAIM_POLL_MS after a look that found
 * something, doubled after each look that found nothing (up to CLAIM_POLL_MAX_MS), so a long wait
 * costs a few reads a second instead of a read of every pending object every CLAIM_POLL_MS.
 * Claims are checked for staleness on the first look and then at most every CLAIM_STALE_CHECK_MS.
 */
export class ClaimWait {
  private delayMs = CLAIM_POLL_MS;
  private staleCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: () => number = Date.now) {}

  /** True when the claims waited on should be checked for staleness now (and records that they were). */
  staleCheckDue(): boolean {
    const now = this.clock();
    if (now - this.staleCheckedAt < CLAIM_STALE_CHECK_MS) return false;
    this.staleCheckedAt = now;
    return true;
  }

  /** Waits before the next look: short when the last look found something (`progressed`), longer each time it did not. */
  async next(progressed: boolean): Promise<void> {
    this.delayMs = progressed ? CLAIM_POLL_MS : Math.min(CLAIM_POLL_MAX_MS, this.delayMs * 2);
    await new Promise<void>((resolve) => setTimeout(resolve, progressed ? CLAIM_POLL_MS : this.delayMs));
  }
}

export const claimsPrefix = (day: string) => `${SPOTIFY_CACHE_PREFIX}claims/${day}/`;

export class Claims {
  /**
   * `owner` names the extraction (playlist and start time): a resumed attempt recognises its own
   * claims. Without a create-only store every claim is granted (one run at a time, as before).
   */
  constructor(
    private readonly store: ObjectStore,
    readonly day: string,
    private readonly owner: string,
    private readonly clock: () => number = Date.now,
  ) {}

  get coordinated(): boolean {
    return typeof this.store.create === "function";
  }

  /** True when this extraction holds the claim `name` (it created it, or did so in an earlier attempt). */
  async claim(name: string): Promise<boolean> {
    if (!this.store.create) return true;
    const key = `${claimsPrefix(this.day)}${name}.json`;
    let created: boolean;
    try {
      created = await this.store.create(key, JSON.stringify({ owner: this.owner, at: new Date(this.clock()).toISOString() }), "application/json");
    } catch (err) {
      throw new CacheStorageError("write", key, this.store, err);
    }
    if (created) return true;
    const held = (await readStoredJson(this.store, key)) as { owner?: unknown } | undefined;
    return held?.owner === this.owner;
  }

  /** True when the claim `name` is held by nobody alive: missing, unreadable, or older than CLAIM_STALE_MS. */
  async isStale(name: string): Promise<boolean> {
    const held = (await readStoredJson(this.store, `${claimsPrefix(this.day)}${name}.json`)) as { at?: unknown } | undefined;
    const at = typeof held?.at === "string" ? Date.parse(held.at) : NaN;
    return Number.isNaN(at) || this.clock() - at > CLAIM_STALE_MS;
  }

  /**
   * Up to `want` of the day's `allowance` numbered slots (claims "refresh/<n>"), shared by every
   * extraction of the day: how many this one got. Without a create-only store: `want`.
   */
  async slots(group: string, want: number, allowance: number): Promise<number> {
    if (!this.store.create || want <= 0) return this.store.create ? 0 : want;
    const taken = (await this.store.list(`${claimsPrefix(this.day)}${group}/`)).length;
    let got = 0;
    for (let n = taken; n < allowance && got < want; n++) if (await this.claim(`${group}/${n}`)) got++;
    return got;
  }
}
