/**
 * Progress of an extraction on the terminal: on a TTY one line per playlist, rewritten in
 * place (pages, artists, albums); otherwise, with --verbose, plain lines at phase changes for
 * logs, and nothing without it (the day's summary says what landed).
 */
import type { ProgressEvent } from "../lib/extract/extractPlaylist";

interface Line {
  items?: string;
  artists?: string;
  albums?: string;
  phase: ProgressEvent["phase"];
}

const count = (e: ProgressEvent) => (e.total !== undefined ? `${e.done}/${e.total}` : `${e.done}`);

/** A terminal line is redrawn at most this often: thousands of calls would otherwise flood a slow terminal. */
const REDRAW_MS = 100;

export function createProgressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  clock: () => number = Date.now,
  verbose = true,
): (e: ProgressEvent) => void {
  const lines = new Map<string, Line>();
  let lastDraw = -Infinity;
  let current: string | undefined; // playlist whose line the cursor is on (TTY)

  const render = (id: string, line: Line) => {
    const parts = [`entries ${line.items ?? "…"}`, `artists ${line.artists ?? "…"}`, `albums ${line.albums ?? "…"}`];
    return `${id}: ${parts.join(", ")}${line.phase === "done" ? " — done" : ""}`;
  };

  return (e) => {
    const line = lines.get(e.playlistId) ?? { phase: e.phase };
    const phaseChanged = !lines.has(e.playlistId) || line.phase !== e.phase;
    line.phase = e.phase;
    if (e.phase === "items") line.items = count(e);
    if (e.phase === "artists") line.artists = count(e);
    if (e.phase === "albums") line.albums = count(e);
    lines.set(e.playlistId, line);

    if (stream.isTTY) {
      const now = clock();
      if (!phaseChanged && e.phase !== "done" && current === e.playlistId && now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      if (current !== undefined && current !== e.playlistId) stream.write("\n");
      current = e.playlistId;
      stream.write(`\r\x1b[2K${render(e.playlistId, line)}`);
      if (e.phase === "done") {
        stream.write("\n");
        current = undefined;
      }
      return;
    }
    // Not a terminal: one line when a phase starts and one when the playlist is done, never one per call.
    if (!verbose || !phaseChanged) return;
    if (e.phase === "done") stream.write(`${render(e.playlistId, line)}\n`);
    else if (e.phase === "playlist") stream.write(`${e.playlistId}: reading the playlist\n`);
    else stream.write(`${e.playlistId}: fetching ${e.phase}${e.total !== undefined ? ` (${e.total})` : ""}\n`);
  };
}
