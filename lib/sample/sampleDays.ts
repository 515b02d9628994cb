/**
 * The bundled sample: three days of two real recorded playlists, so a newcomer sees the
 * pipeline (and its day-to-day views) work offline. Day 1 is the recording as it is; days 2
 * and 3 are the same recorded entries edited the way a curator edits a playlist (a few
 * tracks moved, removed and added, one added twice). Nothing is invented: every entry,
 * track, album and artist is a recorded response; only the order and the playlist's
 * snapshot_id change from day to day, as they do on Spotify.
 */
import { loadRecordedData, THE_CORE_ID, TO_FIND_ID, type Json, type StandInData } from "../standin/recordedData";

export const SAMPLE_PLAYLIST_IDS = [THE_CORE_ID, TO_FIND_ID];
export const SAMPLE_DAYS = 3;

/** The Core's entries shown on a day: recorded indexes, in playlist order. */
const THE_CORE_DAYS: number[][] = [
  // day 1: the first 70 recorded entries, in recorded order
  range(0, 70),
  // day 2: #6 and #41 leave, #12 and #13 swap, two new ones at the end
  [...range(0, 5), ...range(6, 11), 12, 11, ...range(13, 40), ...range(41, 70), 70, 71],
  // day 3: #30 climbs to #2, #21 leaves, #72 enters, and #71 is added a second time
  [0, 29, ...range(1, 5), ...range(6, 11), 12, 11, ...range(13, 20), ...range(21, 29), ...range(30, 40), ...range(41, 70), 70, 71, 72, 71],
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Stand-in data for sample day 0, 1 or 2. */
export function sampleDayData(day: number, recorded: StandInData = loadRecordedData()): StandInData {
  const order = THE_CORE_DAYS[day];
  if (!order) throw new Error(`The sample has days 0 to ${SAMPLE_DAYS - 1}, not ${day}.`);
  const core = recorded.playlists[THE_CORE_ID];
  const playlist: Json = { ...core.playlist, snapshot_id: `${String(core.playlist.snapshot_id)}~sample-day-${day + 1}` };
  return {
    ...recorded,
    playlists: {
      ...recorded.playlists,
      [THE_CORE_ID]: { playlist, entries: order.map((i) => core.entries[i]) },
    },
  };
}

/** The sample's snapshot dates: the run's date and the days before it, oldest first. */
export function sampleDates(lastDate: string): string[] {
  const last = Date.parse(`${lastDate}T00:00:00Z`);
  return range(0, SAMPLE_DAYS).map((i) => new Date(last - (SAMPLE_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}
