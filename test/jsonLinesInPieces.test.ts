/**
 * Raw snapshots written one array element per line, and read back in pieces: parseJsonLinesInPieces
 * gives JSON.parse's value for every valid document, and declines (undefined) whenever JSON.parse
 * would throw, so the caller can report JSON.parse's own error.
 */
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { stringifyInLines } from "../lib/snapshot/jsonInLines";
import { parseJsonLinesInPieces } from "../lib/snapshot/jsonLinesInPieces";
import { piecesOf } from "./support/pieces";

const jsonParse = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

const TRICKY = JSON.stringify({
  format: "x",
  entries: [{ a: 'q"uo\\te"s, ]}[{', b: [1, [2, [3]], { c: "}" }], n: -1.5e-3 }, null, true, false, 0, "str", [], {}],
  artists: [],
  albums: [{ name: "藝術家 😀 \u2028 \u0000 é", list: ["\\", '\\"', "]"] }],
  playlist: { id: "p", nested: { deep: [[[]]] } },
  number: 123456789012345,
  empty: "",
});

describe("raw snapshots with one array element per line (stringifyInLines)", () => {
  const LINES = stringifyInLines(JSON.parse(TRICKY) as object);

  it("writes JSON.stringify's value, each element of a top-level array on a line of its own", () => {
    const doc = { a: undefined, f: () => 1, d: new Date(Date.UTC(2026, 10, 26)), list: [1, undefined, "x\ny", { z: [1, 2] }], empty: [], n: null, s: "é\u2028" };
    const text = stringifyInLines(doc);
    expect(JSON.parse(text)).to.deep.equal(JSON.parse(JSON.stringify(doc)));
    expect(text.split("\n")).to.deep.equal(['{"d":"2026-11-26T00:00:00.000Z","list":[', "1,", "null,", '"x\\ny",', '{"z":[1,2]}', '],"empty":[],"n":null,"s":"é\u2028"}']);
    expect(JSON.parse(LINES)).to.deep.equal(JSON.parse(TRICKY));
  });
});

/** A document shaped like a raw snapshot (recorded responses as its array elements). */
function recordedLikeSnapshot(): object {
  const dir = path.join(__dirname, "..", "fixtures", "spotify");
  const responses = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as unknown);
  return { format: "x", playlist: { id: "p" }, entries: responses, artists: responses.slice(0, 2), albums: [], extraction: { calls: { token: 1 } } };
}

describe("parseJsonLinesInPieces: the line layout read in pieces", () => {
  const LINES = stringifyInLines(JSON.parse(TRICKY) as object);
  const RECORDED = stringifyInLines(recordedLikeSnapshot());

  it("gives JSON.parse's value whatever the piece size, the last line with or without a line break", async () => {
    for (const text of [LINES, RECORDED, `${LINES}\n`, stringifyInLines({ a: 1, list: [1, 2], b: [] })]) {
      for (const size of text.length < 5000 ? [1, 2, 7, 64, text.length + 1] : [7, 64, 1000, text.length + 1]) {
        expect(await parseJsonLinesInPieces(piecesOf(text, size)), `${size}: ${text.slice(0, 60)}`).to.deep.equal(JSON.parse(text));
      }
    }
  });

  it("declines other layouts, so the caller reads them whole: compact, pretty-printed, \\r\\n", async () => {
    const pretty = JSON.stringify(JSON.parse(TRICKY), null, 2);
    for (const text of [TRICKY, JSON.stringify(recordedLikeSnapshot()), pretty]) {
      const parsed = await parseJsonLinesInPieces(piecesOf(text, 16));
      // Compact text has no line to cut: it is then parsed as one skeleton, to the same value.
      if (parsed !== undefined) expect(parsed).to.deep.equal(JSON.parse(text));
    }
    expect(await parseJsonLinesInPieces(piecesOf(pretty, 16))).to.equal(undefined);
    // A compact document longer than any line of the layout is declined early, not gathered into a copy of itself.
    const longCompact = JSON.stringify({ format: "x", entries: Array.from({ length: 90_000 }, (_, i) => ({ id: `track-${i}`, name: "n".repeat(80) })) });
    expect(longCompact.length).to.be.greaterThan(8 * 1024 * 1024);
    expect(await parseJsonLinesInPieces(piecesOf(longCompact, 1 << 20))).to.equal(undefined);
    expect(await parseJsonLinesInPieces(piecesOf(LINES.replace(/\n/g, "\r\n"), 16))).to.deep.equal(JSON.parse(LINES));
  });

  it("never accepts what JSON.parse refuses: every truncation and many corruptions of the line layout", async () => {
    const agrees = async (text: string) => {
      const reference = jsonParse(Buffer.from(text, "utf8").toString("utf8"));
      const ours = await parseJsonLinesInPieces(piecesOf(text, 5));
      if (!reference.ok) expect(ours, `accepted what JSON.parse refuses: ${JSON.stringify(text.slice(0, 120))}`).to.equal(undefined);
      else if (ours !== undefined) expect(ours).to.deep.equal(reference.value);
    };
    for (let end = 0; end < LINES.length; end++) await agrees(LINES.slice(0, end));
    for (let at = 0; at < LINES.length; at++) for (const r of ['"', ",", "[", "]", "{", "}", "x", "\n"]) await agrees(LINES.slice(0, at) + r + LINES.slice(at + 1));
    for (const text of ['{"a":[\n1,\n]}', '{"a":[\n1\n2\n]}', '{"a":[\n1,\n2\n]', '{"a":{"b":[\n1\n]}}', '{"a":[\n1\n],"b":[\n]}']) await agrees(text);
  });
});
