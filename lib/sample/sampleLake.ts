/**
 * Sample mode writes sample snapshots of two real playlists: into a lake that holds real data
 * it would replace their real raw snapshots and mix sample rows into the tables. So it runs
 * only on a lake that is empty or holds nothing but sample output.
 */
import { COMPACTED_PREFIX, parseRawSnapshotKey, RAW_SNAPSHOT_PREFIX, TRANSFORMED_PREFIX } from "../lake/layout";
import type { ObjectStore } from "../storage/objectStore";
import { SAMPLE_PLAYLIST_IDS } from "./sampleDays";

export class LakeHoldsRealDataError extends Error {
  constructor(location: string, evidence: string) {
    super(
      `The lake ${location} holds real data (${evidence}). Sample mode never writes into such a lake: ` +
        `its sample snapshots would replace real ones and mix into the tables. Run the sample in another folder ` +
        `(npm start -- --lake sample-lake), or set SPOTIFY_CLIENT_ID and the other credentials to extract your playlists into this one ` +
        `(see "Run against real Spotify" in README.md).`,
    );
    this.name = "LakeHoldsRealDataError";
  }
}

/** The sample's own raw snapshots say `"auth_mode": "sample"`; anything else is someone's data. */
function authModeOf(body: Uint8Array): string | undefined {
  try {
    const doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8")) as { extraction?: { auth_mode?: unknown } };
    return typeof doc?.extraction?.auth_mode === "string" ? doc.extraction.auth_mode : undefined;
  } catch {
    return undefined;
  }
}

/** Throws LakeHoldsRealDataError unless every raw snapshot and table file in the lake is sample output. */
export async function assertSampleOnlyLake(store: ObjectStore): Promise<void> {
  for (const key of await store.list(TRANSFORMED_PREFIX)) {
    // A compacted day holds only the rows of the per-playlist files beside it, which are checked here.
    if (key.startsWith(COMPACTED_PREFIX)) continue;
    const playlistId = key.slice(key.lastIndexOf("/") + 1).replace(/\.[a-z]+$/, "");
    if (!SAMPLE_PLAYLIST_IDS.includes(playlistId)) throw new LakeHoldsRealDataError(store.location, `table file ${key} is of playlist ${playlistId}, not a sample playlist`);
  }
  for (const key of await store.list(RAW_SNAPSHOT_PREFIX)) {
    const ref = parseRawSnapshotKey(key);
    if (!ref || !SAMPLE_PLAYLIST_IDS.includes(ref.playlistId)) throw new LakeHoldsRealDataError(store.location, `${key} is not a sample snapshot`);
    const mode = authModeOf(await store.get(key));
    if (mode !== "sample") {
      throw new LakeHoldsRealDataError(store.location, `${key} was ${mode ? `extracted with ${mode}` : "not written by sample mode"}`);
    }
  }
}
