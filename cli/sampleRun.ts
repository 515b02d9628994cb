/**
 * Offline sample mode: the real extraction code, fed by a replay server on 127.0.0.1 that
 * serves the bundled recorded responses, one server per sample day.
 */
import type { ObjectStore } from "../lib/storage/objectStore";
import { startSpotifyStandIn } from "../lib/standin/spotifyStandIn";
import { loadRecordedData } from "../lib/standin/recordedData";
import { SAMPLE_PLAYLIST_IDS, sampleDates, sampleDayData } from "../lib/sample/sampleDays";
import { SpotifyClient } from "../lib/spotify/client";
import { extractPlaylists, type PlaylistOutcome } from "../lib/extract/runExtraction";
import type { ProgressEvent } from "../lib/extract/extractPlaylist";

const SAMPLE_CREDENTIALS = { clientId: "sample-client", clientSecret: "sample-secret" };

export interface SampleDayOutcome {
  snapshotDate: string;
  outcomes: PlaylistOutcome[];
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
