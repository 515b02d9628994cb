import type { ChartRow } from "./chartData";

/** A chart row's change as trackers print it: NEW, RE, ▲n (climbed n places), ▼n (fell n) or = (same place). */
export function changeLabel(row: Pick<ChartRow, "is_new" | "is_reentry" | "position_change">): string {
  if (row.is_new) return "NEW";
  if (row.is_reentry) return "RE";
  const n = Number(row.position_change);
  return n > 0 ? `▲${n}` : n < 0 ? `▼${-n}` : "=";
}
