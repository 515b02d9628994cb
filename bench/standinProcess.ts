/**
 * The Spotify stand-in in a process of its own, so the client under measurement does not
 * share its event loop (and CPU time) with the server, as with the real Spotify.
 * Started by bench/extract.ts with forkTs(); options arrive as JSON in argv[2]. Messages:
 * → {ready, apiUrl, accountsUrl}; ← "counts" → {counts, http429, neighbour, cpuS (CPU seconds used so far)}; ← "close" → exits.
 */
import { startSpotifyStandIn, type StandInOptions } from "../lib/standin/spotifyStandIn";
import { generateFleet, type FleetOptions } from "./generateFleet";
import { generatePlaylist } from "./generatePlaylist";

export interface StandInProcessOptions {
  items: number;
  /** Serve a fleet of playlists (bench/generateFleet.ts) instead of one playlist of `items`. */
  fleet?: FleetOptions;
  batchEndpoints: boolean;
  rateLimit?: StandInOptions["rateLimit"];
  credentials: { clientId: string; clientSecret: string };
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as StandInProcessOptions;
  const standIn = await startSpotifyStandIn({
    data: options.fleet ? generateFleet(options.fleet) : generatePlaylist({ items: options.items }),
    batchEndpoints: options.batchEndpoints,
    rateLimit: options.rateLimit,
    credentials: options.credentials,
  });
  process.on("message", (message) => {
    if (message === "counts") process.send!({ counts: standIn.counts(), http429: standIn.http429(), neighbour: standIn.neighbourRequests(), cpuS: cpuSeconds() });
    if (message === "close") void standIn.close().then(() => process.exit(0));
  });
  process.send!({ ready: true, apiUrl: standIn.apiUrl, accountsUrl: standIn.accountsUrl });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
