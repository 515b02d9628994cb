import { expect } from "chai";
import { addedAtMs } from "../lib/transform/addedAt";

const EXTRACTED = "2026-11-20T06:00:04.000Z";

describe("added_at: RFC 3339 only, from the Unix epoch to a day after the extraction", () => {
  it("accepts what Spotify sends, other zones and fractions, and the epoch it sends for unknown dates", () => {
    const ok = (value: string) => new Date(addedAtMs(value, EXTRACTED) as number).toISOString();
    expect(ok("2023-03-10T05:39:11Z")).to.equal("2023-03-10T05:39:11.000Z");
    expect(ok("2023-03-10t07:39:11.25+02:00")).to.equal("2023-03-10T05:39:11.250Z");
    expect(ok("1970-01-01T00:00:00Z")).to.equal("1970-01-01T00:00:00.000Z");
    expect(ok("2016-12-31T23:59:60Z")).to.equal("2017-01-01T00:00:00.000Z");
    expect(ok("2026-11-21T06:00:04Z")).to.equal("2026-11-21T06:00:04.000Z");
  });

  it("refuses anything else, saying why", () => {
    const why = (value: string) => addedAtMs(value, EXTRACTED);
    for (const value of ["March 7", "2026-03-07", "20260-03-07T00:00:00Z", "+020260-03-07T00:00:00Z", "2026-03-07 00:00:00Z", "2026-03-07T00:00:00", "1709769600000"]) {
      expect(why(value), value).to.equal(`"${value}" is not an RFC 3339 timestamp (like 2023-03-10T05:39:11Z)`);
    }
    for (const value of ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+25:00"]) {
      expect(why(value), value).to.equal(`"${value}" is not a real date and time`);
    }
    for (const value of ["1969-12-31T23:59:59Z", "2026-11-21T06:00:05Z", "9999-12-31T23:59:59Z"]) {
      expect(why(value), value).to.equal(`"${value}" is outside the accepted range 1970-01-01T00:00:00Z to one day after the extraction finished (${EXTRACTED})`);
    }
  });
});
