/**
 * One lane of the fleet benchmark (bench/fleet.ts) in a process of its own, as one Lambda container
 * of the extract queue has its own CPU: its own SpotifyClient and CatalogCache over the shared lake
 * folder (claims are files created exclusively, so they hold across processes as they do on S3).
 * Started with forkTs(); options arrive as JSON in argv[2]. It pulls playlists one at a time, as an
 * SQS consumer does: → ready; ← extract → extracted (the snapshot's counts, checked by the parent);
 * ← drained → done (with the CPU time it used since ready), then exits. Any error → failed, exit code 1.
 */
import { CatalogCache } from "../lib/extract/catalogCache";
import type { CacheSettings } from "../lib/extract/cacheSettings";
import { extractAndLand } from "../lib/extract/runExtraction";
import { SpotifyClient } from "../lib/spotify/client";
import { LocalStore } from "../lib/storage/localStore";

export interface FleetLaneOptions {
  apiUrl: string;
  accountsUrl: string;
  credentials: { clientId: string; clientSecret: string };
  rateWindowMs: number;
  lake: string;
  cacheSettings: CacheSettings;
  snapshotDate: string;
}

/** Parent to lane. */
export type ToLane = { type: "extract"; playlistId: string } | { type: "drained" };
/** Lane to parent. */
export type FromLane =
  | { type: "ready" }
  | { type: "extracted"; playlistId: string; entries: number; artists: number; albums: number }
  /** cpuS: CPU seconds (user + system) the lane used from ready to done. */
  | { type: "done"; cpuS: number }
  | { type: "failed"; message: string };

const send = (message: FromLane) => process.send!(message);
const sendAndExit = (message: FromLane, code: number) => process.send!(message, () => process.exit(code));

function main(): void {
  const options = JSON.parse(process.argv[2]) as FleetLaneOptions;
  const { credentials, apiUrl, accountsUrl, rateWindowMs, lake, cacheSettings, snapshotDate } = options;
  const client = new SpotifyClient({ ...credentials, apiUrl, accountsUrl, concurrency: 8, timeoutMs: 15_000, maxWaitS: 60, rateWindowMs });
  const store = new LocalStore(lake);
  const cache = new CatalogCache(store, cacheSettings);
  const now = () => new Date(`${snapshotDate}T06:00:00.000Z`);
  const atReady = process.cpuUsage();
  process.on("message", (message: ToLane) => {
    if (message.type === "drained") {
      const { user, system } = process.cpuUsage(atReady);
      sendAndExit({ type: "done", cpuS: (user + system) / 1e6 }, 0);
      return;
    }
    extractAndLand(client, store, message.playlistId, snapshotDate, { cache, now }).then(
      ({ snapshot }) => send({ type: "extracted", playlistId: message.playlistId, entries: snapshot.entries.length, artists: snapshot.artists.length, albums: snapshot.albums.length }),
      (err: unknown) => {
        sendAndExit({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 1);
      },
    );
  });
  send({ type: "ready" });
}

main();
