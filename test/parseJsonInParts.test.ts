/**
 * parseJsonInParts gives JSON.parse's value for every valid document, and declines (undefined)
 * whenever JSON.parse would throw, so the caller can report JSON.parse's own error.
 */
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parseJsonInParts } from "../lib/snapshot/parseJsonInParts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const jsonParse = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** Same value (and same key order) as JSON.parse, or undefined where JSON.parse throws or the top level is not an object. */
function expectAgrees(text: string): void {
  // The reference reads the same bytes (a lone surrogate in `text` is U+FFFD once encoded).
  const reference = jsonParse(Buffer.from(text, "utf8").toString("utf8"));
  const ours = parseJsonInParts(bytes(text));
  if (!reference.ok) {
    expect(ours, `accepted what JSON.parse refuses: ${JSON.stringify(text.slice(0, 200))}`).to.equal(undefined);
  } else if (ours !== undefined) {
    expect(JSON.stringify(ours), text.slice(0, 200)).to.equal(JSON.stringify(reference.value));
    expect(ours).to.deep.equal(reference.value);
  } else {
    expect(typeof reference.value === "object" && reference.value !== null && !Array.isArray(reference.value), `declined a valid object: ${text.slice(0, 200)}`).to.equal(false);
  }
}

const TRICKY = JSON.stringify({
  format: "x",
  entries: [{ a: 'q"uo\\te"s, ]}[{', b: [1, [2, [3]], { c: "}" }], n: -1.5e-3 }, null, true, false, 0, "str", [], {}],
  artists: [],
  albums: [{ name: "藝術家 😀 \u2028 \u0000 é", list: ["\\", '\\"', "]"] }],
  playlist: { id: "p", nested: { deep: [[[]]] } },
  number: 123456789012345,
  empty: "",
});

describe("parseJsonInParts", () => {
  it("gives JSON.parse's value on documents with tricky strings, nesting, unicode, numbers and whitespace", () => {
    for (const text of [TRICKY, JSON.stringify(JSON.parse(TRICKY), null, 2), ` \n\t${TRICKY}\r\n `, "{}", " { } ", '{"a":[]}', '{"a":[ ]}', '{"a":1,"a":[2]}', '{"__proto__":[1],"b":2}']) {
      expectAgrees(text);
      expect(parseJsonInParts(bytes(text)), text.slice(0, 80)).to.not.equal(undefined);
    }
  });

  it("gives JSON.parse's value on the recorded Spotify responses", () => {
    const dir = path.join(__dirname, "..", "fixtures", "spotify");
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".json"))) expectAgrees(readFileSync(path.join(dir, name), "utf8"));
  });

  it("declines every truncation and many single-byte corruptions of a valid document, as JSON.parse refuses them", () => {
    for (let end = 0; end < TRICKY.length; end++) expectAgrees(TRICKY.slice(0, end));
    const replacements = ['"', "\\", ",", ":", "[", "]", "{", "}", " ", "x", "1", "-"];
    for (let at = 0; at < TRICKY.length; at++) for (const r of replacements) expectAgrees(TRICKY.slice(0, at) + r + TRICKY.slice(at + 1));
  });

  it("declines what is not an object at the top level, and a byte order mark, so the caller reports them", () => {
    for (const text of ["[1,2]", '"x"', "1", "null", "\ufeff{}", "", "{} {}", '{"a":1,}', '{"a":[1,]}', '{"a" 1}']) expectAgrees(text);
    expect(parseJsonInParts(bytes("[1,2]"))).to.equal(undefined);
    expect(parseJsonInParts(bytes("\ufeff{}"))).to.equal(undefined);
  });
});
