/**
 * A fleet of playlists for the fleet benchmark: `playlists` playlists of 50 to 300 entries drawn
 * from one shared pool of tracks (and so of artists and albums), popular tracks more often, as on
 * real charts where most artists appear in several playlists. Deterministic (seeded).
 */
import type { Json, StandInData } from "../lib/standin/recordedData";
import { generatePlaylist, rng } from "./generatePlaylist";

export interface FleetOptions {
  playlists: number;
  /** Tracks in the shared pool (its artists and albums in generatePlaylist's proportions). */
  poolTracks: number;
  seed?: number;
}

export const FLEET_DEFAULTS: FleetOptions = { playlists: 200, poolTracks: 4000, seed: 7 };
export const MIN_ENTRIES = 50;
export const MAX_ENTRIES = 300;

export const fleetPlaylistId = (n: number) => `0fleet${String(n).padStart(16, "0")}`;

export function generateFleet(options: FleetOptions = FLEET_DEFAULTS): StandInData {
  const pool = generatePlaylist({ items: options.poolTracks, seed: options.seed, repeatShare: 0 });
  const [only] = Object.values(pool.playlists);
  const tracks = only.entries.map((e) => e.item as Json);
  const template = only.playlist;
  const random = rng((options.seed ?? 7) * 7919);
  const playlists: StandInData["playlists"] = {};
  for (let p = 0; p < options.playlists; p++) {
    const id = fleetPlaylistId(p);
    const size = MIN_ENTRIES + Math.floor(random() * (MAX_ENTRIES - MIN_ENTRIES + 1));
    const entries: Json[] = [];
    for (let i = 0; i < size; i++) {
      const track = tracks[Math.floor(random() ** 2 * tracks.length)];
      entries.push({ added_at: new Date(Date.UTC(2026, 0, 1) + (p * 400 + i) * 3_600_000).toISOString().replace(".000", ""), added_by: { id: "fleet-user", type: "user" }, is_local: false, item: track });
    }
    playlists[id] = { playlist: { ...template, id, name: `Fleet playlist ${p}`, uri: `spotify:playlist:${id}`, snapshot_id: `fleet-${p}` }, entries };
  }
  return { playlists, artists: pool.artists, albums: pool.albums };
}
