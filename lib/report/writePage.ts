/** Writes the history page of a lake (lib/report/historyPage.ts) to a file, whole or not at all. */
import * as path from "node:path";
import type { LakeDb } from "../query/lakeDb";
import { LocalStore } from "../storage/localStore";
import { loadHistories, loadLatestCharts, type PlaylistChart } from "./chartData";
import { BUMP_TOP_N, historyPageHtml, renderPictures } from "./historyPage";

/** Where `npm start` writes the page: in the lake folder, beside raw_data/ and transformed_data/. */
export const PAGE_FILE_NAME = "history.html";

/** Builds the page from the lake (pass the charts when they were already read) and writes it to `file`. */
export async function writeHistoryPage(db: LakeDb, file: string, charts?: PlaylistChart[], now: Date = new Date()): Promise<string> {
  const latest = charts ?? (await loadLatestCharts(db));
  const histories = await loadHistories(db, latest, BUMP_TOP_N);
  const html = historyPageHtml(await renderPictures(latest, histories), histories, now.toISOString());
  const target = path.resolve(file);
  // Whole or not at all, and never through a link below the folder: LocalStore's write.
  await new LocalStore(path.dirname(target)).put(path.basename(target), html);
  return target;
}
