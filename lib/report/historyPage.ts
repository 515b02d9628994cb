/**
 * The history page: one self-contained HTML file (inline SVG and CSS, no script, nothing
 * fetched: its Content-Security-Policy forbids every load) with, per playlist, a bump chart of
 * the latest top entries' positions over the snapshot days, the entries and exits per day, the
 * share of today's songs that entered in the last 7, 28 and 90 days, and the latest chart from
 * the playlist_chart view. The pictures are Vega-Lite specs rendered to SVG by Vega in Node
 * (docs/report.md says why Vega-Lite and how it was measured against ECharts).
 */
import type { DayFlow, NewShare, PlaylistChart, PlaylistHistory, PositionPoint } from "./chartData";
import { changeLabel } from "./changeLabel";
import { loadVega } from "./loadVega";

/** Songs in the bump chart: the latest top entries (a legend of ten stays readable). */
export const BUMP_TOP_N = 10;
/** Rows of the latest chart shown in the page's table. */
export const TABLE_ROWS = 100;
const WIDTH = 900;
/** Up to this many days, each day's point is drawn on the lines; beyond, only the lines. */
const POINTS_UP_TO_DAYS = 60;

/** Up to a month, one tick a day (never two labels for one day); beyond, Vega's own (months for a year). */
const DAY_TICKS = (days: number) => (days <= 31 ? { tickCount: { interval: "day", step: 1 } } : {});

export interface PageSpecs {
  bump: object;
  flow: object;
}

/** The Vega-Lite spec of a playlist's bump chart: one line per song, position 1 at the top, broken on days it was absent. */
export function bumpSpec(positions: PositionPoint[], days: number): object {
  const labels = [...new Set(positions.map((p) => p.song_label))];
  const lowest = Math.max(1, ...positions.map((p) => p.position ?? 1));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: WIDTH,
    height: Math.max(160, Math.min(lowest, 40) * 22),
    background: "white",
    data: { values: positions },
    mark: { type: "line", point: days <= POINTS_UP_TO_DAYS, strokeWidth: 2 },
    encoding: {
      x: { field: "snapshot_date", type: "temporal", scale: { type: "utc" }, axis: { title: "snapshot date", format: "%Y-%m-%d", labelAngle: -30, ...DAY_TICKS(days) } },
      // At least positions 1 to 2: a domain of one value draws no axis worth reading.
      y: { field: "position", type: "quantitative", scale: { reverse: true, domain: [1, Math.max(lowest, 2)], nice: false, zero: false }, axis: { title: "position", tickMinStep: 1, format: "d" } },
      color: { field: "song_label", type: "nominal", sort: labels, legend: { title: "latest top entries", orient: "right", labelLimit: 260 } },
      tooltip: [{ field: "song_label" }, { field: "snapshot_date" }, { field: "position" }],
    },
  };
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The Vega-Lite spec of a playlist's entries (up) and exits (down) per snapshot day, one day wide each, over all its days. */
export function flowSpec(flow: DayFlow[], days: string[]): object {
  const values = flow.flatMap((d) => [
    { snapshot_date: d.snapshot_date, kind: "entries", songs: d.entries },
    { snapshot_date: d.snapshot_date, kind: "exits", songs: -d.exits },
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: WIDTH,
    height: 160,
    background: "white",
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "snapshot_date",
        type: "temporal",
        timeUnit: "utcyearmonthdate",
        scale: days.length ? { domain: [days[0], nextDay(days[days.length - 1])] } : {},
        axis: { title: "snapshot date", format: "%Y-%m-%d", labelAngle: -30 },
      },
      y: {
        field: "songs",
        type: "quantitative",
        // From -1 to 1 at least, so a playlist without entries or exits still gets a readable axis.
        scale: { domain: [Math.min(-1, ...flow.map((d) => -d.exits)), Math.max(1, ...flow.map((d) => d.entries))] },
        axis: { title: "songs (exits below 0)", tickMinStep: 1, format: "d" },
      },
      color: { field: "kind", type: "nominal", scale: { domain: ["entries", "exits"], range: ["#2e7d32", "#c62828"] }, legend: { title: null, orient: "top" } },
      tooltip: [{ field: "snapshot_date", type: "temporal", timeUnit: "utcyearmonthdate" }, { field: "kind" }, { field: "songs" }],
    },
  };
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function chartTable(p: PlaylistChart): string {
  const rows = p.chart.slice(0, TABLE_ROWS).map(
    (r) =>
      `<tr><td class="n">${r.position}</td><td class="change">${changeLabel(r)}</td><td>${escapeHtml(r.song_name)}</td><td>${escapeHtml(r.artist_names ?? "")}</td>` +
      `<td class="n">${r.peak_position}</td><td class="date">${r.peak_date}</td><td class="n">${r.days_on}</td></tr>`,
  );
  const more = p.chart.length > TABLE_ROWS ? `<p class="note">${p.chart.length - TABLE_ROWS} more songs are in the playlist_chart view.</p>` : "";
  return `<table class="chart"><thead><tr><th>pos</th><th>change</th><th>song</th><th>artists</th><th>peak</th><th>peak date</th><th>days on</th></tr></thead><tbody>${rows.join("")}</tbody></table>${more}`;
}

function shareTable(shares: NewShare[]): string {
  const cells = shares.map((s) =>
    s.share === undefined
      ? `<td>n/a: no snapshot ${s.windowDays} days before the latest</td>`
      : `<td><b>${Math.round(s.share * 100)} %</b> (not on the playlist on ${s.since})</td>`,
  );
  return `<table class="share"><thead><tr>${shares.map((s) => `<th>last ${s.windowDays} days</th>`).join("")}</tr></thead><tbody><tr>${cells.join("")}</tr></tbody></table>`;
}

export interface RenderedPlaylist {
  chart: PlaylistChart;
  specs: PageSpecs;
  svgs: { bump: string; flow: string };
}

/** Renders each playlist's two pictures to SVG with Vega (no browser, no network: data inline). */
export async function renderPictures(charts: PlaylistChart[], histories: Map<string, PlaylistHistory>): Promise<RenderedPlaylist[]> {
  const { vega, vegaLite } = await loadVega();
  const toSvg = async (spec: object) => {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  };
  const rendered: RenderedPlaylist[] = [];
  for (const chart of charts) {
    const history = histories.get(chart.playlistId) ?? { positions: [], flow: [], newShares: [] };
    const specs = { bump: bumpSpec(history.positions, chart.days.length), flow: flowSpec(history.flow, chart.days) };
    rendered.push({ chart, specs, svgs: { bump: await toSvg(specs.bump), flow: await toSvg(specs.flow) } });
  }
  return rendered;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right}td.n,td.date,th{white-space:nowrap}td.change{font-weight:bold}.note{color:#666}figure{margin:1rem 0}`;

/** The page's HTML. `generatedAt` is shown, so a reader knows how fresh it is. */
export function historyPageHtml(playlists: RenderedPlaylist[], histories: Map<string, PlaylistHistory>, generatedAt: string): string {
  const sections = playlists.map(({ chart: p, svgs }) => {
    const shares = histories.get(p.playlistId)?.newShares ?? [];
    return `<section class="playlist" data-playlist-id="${escapeHtml(p.playlistId)}">
<h2>${escapeHtml(p.playlistName)}</h2>
<p class="note">Playlist ${escapeHtml(p.playlistId)}: ${p.days.length} snapshot day(s), ${p.days[0]} to ${p.latest}.</p>
<h3>Positions of the latest top ${BUMP_TOP_N} over the snapshot days</h3>
<figure class="bump">${svgs.bump}</figure>
<h3>Entries and exits per snapshot day</h3>
<figure class="flow">${svgs.flow}</figure>
<h3>Share of today's songs that entered recently</h3>
${shareTable(shares)}
<h3>Chart on ${p.latest}</h3>
${chartTable(p)}
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Playlist history</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Playlist history</h1>
<p class="note">Written ${escapeHtml(generatedAt)} from the lake's playlist_chart and daily_changes views. NEW: on none of the playlist's earlier snapshots; RE: back after missing the previous one; ▲/▼: places climbed or fallen since the previous snapshot.</p>
${sections.length ? sections.join("\n") : `<p>No playlist in this lake yet: run <code>npm start</code> first.</p>`}
</body>
</html>
`;
}
