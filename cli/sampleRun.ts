/**
 * Offline sample mode: the real extraction code, fed by a replay server on 127.0.0.1 that
 * serves the bundled recorded responses, one server per sample day.
 */
import type { ObjectStore } from "../lib/storage/objectStore";
import { startSpotifyStandIn } from "../lib/standin/spotifyStandIn";
import { loadRecordedData } from "../lib/standin/recordedData";
import { SAMPLE_DAYS, SAMPLE_PLAYLIST_IDS, sampleDates, sampleDayData } from "../lib/sample/sampleDays";
import { SPOTIFY_LAUNCH_DATE } from "../lib/lake/layout";
import { UsageError } from "./args";
import { SpotifyClient } from "../lib/spotify/client";
import { extractPlaylists, type PlaylistOutcome } from "../lib/extract/runExtraction";
import type { ProgressEvent } from "../lib/extract/extractPlaylist";

const SAMPLE_CREDENTIALS = { clientId: "sample-client", clientSecret: "sample-secret" };

export interface SampleDayOutcome {
  snapshotDate: string;
  outcomes: PlaylistOutcome[];
}

/** The sample lands several days ending at the run's date: none of them may fall before Spotify existed. */
export function assertSampleDates(lastDate: string): void {
  const first = sampleDates(lastDate)[0];
  if (first >= SPOTIFY_LAUNCH_DATE) return;
  const earliest = sampleDates(SPOTIFY_LAUNCH_DATE).length - 1;
  const earliestLast = new Date(Date.parse(`${SPOTIFY_LAUNCH_DATE}T00:00:00Z`) + earliest * 86_400_000).toISOString().slice(0, 10);
  throw new UsageError(
    `Sample mode writes ${SAMPLE_DAYS} days ending at --date ${lastDate}, so it would start at ${first}, before Spotify's launch (${SPOTIFY_LAUNCH_DATE}): use --date ${earliestLast} or later.`,
  );
}

export async function runSampleExtraction(store: ObjectStore, lastDate: string, onProgress?: (e: ProgressEvent) => void): Promise<SampleDayOutcome[]> {
  const recorded = loadRecordedData();
  const days: SampleDayOutcome[] = [];
  for (const [day, snapshotDate] of sampleDates(lastDate).entries()) {
    const standIn = await startSpotifyStandIn({
      data: sampleDayData(day, recorded),
      credentials: SAMPLE_CREDENTIALS,
      // The recorded playlist "The Core" is editorial; the replay serves it as it was recorded.
      editorial404: false,
    });
    try {
      const client = new SpotifyClient({
        ...SAMPLE_CREDENTIALS,
        apiUrl: standIn.apiUrl,
        accountsUrl: standIn.accountsUrl,
        concurrency: 8,
        timeoutMs: 10_000,
        maxWaitS: 5,
      });
      const outcomes = await extractPlaylists({ client, store, playlistIds: SAMPLE_PLAYLIST_IDS, snapshotDate, onProgress, authMode: "sample" });
      days.push({ snapshotDate, outcomes });
    } finally {
      await standIn.close();
    }
  }
  return days;
}
