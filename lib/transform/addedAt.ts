/**
 * `added_at` as the tables store it. Spotify's OpenAPI definition of the Web API types it
 * `type: string, format: date-time` ("The date and time the track or episode was added.",
 * PlaylistTrackObject; github.com/sonallux/spotify-web-api), and OpenAPI's date-time is RFC 3339
 * §5.6 date-time; the recorded responses carry UTC timestamps such as "2023-03-10T05:39:11Z".
 * Only that form is accepted: Date.parse would also take "March 7" (as 2001-03-07) or a
 * 5-digit year, and such a value written to CSV breaks every query on the table.
 */

/** RFC 3339 §5.6 date-time: full-date "T" full-time, with a zone ("Z" or ±hh:mm); T and Z may be lower case. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The earliest accepted: the Unix epoch, which Spotify sends for entries whose date it does
 * not know (chart playlists show 1970-01-01T00:00:00Z, e.g. github.com/nokazn/ravyd/issues/49).
 */
export const ADDED_AT_MIN = "1970-01-01T00:00:00Z";
/** The latest accepted, after the extraction finished: a day of slack for clocks that run ahead. */
export const ADDED_AT_MAX_AFTER_EXTRACTION_MS = 24 * 60 * 60 * 1000;

const MIN_MS = Date.parse(ADDED_AT_MIN);

/** Days of a month (1-12) of a year of the proleptic Gregorian calendar. */
function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The latest added_at accepted for a snapshot whose extraction finished at `extractedAt`, in ms. */
export const latestAcceptedMs = (extractedAt: string): number => Date.parse(extractedAt) + ADDED_AT_MAX_AFTER_EXTRACTION_MS;

/**
 * The instant, in milliseconds, of an RFC 3339 timestamp between ADDED_AT_MIN and one day after
 * `extractedAt`, or a sentence saying why the value is not one. Without `extractedAt` there is
 * no upper bound: a raw snapshot read as a stream has its extraction record at its end, after the
 * entries; the reader keeps the latest value and checks it once the record is known
 * (readSnapshot.ts).
 */
export function addedAtMs(value: string, extractedAt: string | undefined): number | string {
  const m = RFC3339.exec(value);
  if (!m) return `"${value}" is not an RFC 3339 timestamp (like 2023-03-10T05:39:11Z)`;
  const [, year, month, day, hour, minute, second, , zone] = m;
  // Date.parse rolls impossible fields over (Feb 30 → Mar 2): check each field is in its range.
  const daysInMonth = daysIn(Number(year), Number(month));
  const inRange =
    Number(month) >= 1 && Number(month) <= 12 && Number(day) >= 1 && Number(day) <= daysInMonth &&
    Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 60 &&
    (zone.length === 1 || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4, 6)) <= 59));
  if (!inRange) return `"${value}" is not a real date and time`;
  // A leap second (:60) is the instant after :59, as Date.parse cannot read it.
  const ms = Date.parse(second === "60" ? value.replace(/:60(?=[.Zz+-])/, ":59") : value) + (second === "60" ? 1000 : 0);
  if (ms < MIN_MS || (extractedAt !== undefined && ms > latestAcceptedMs(extractedAt))) {
    return `"${value}" is outside the accepted range ${ADDED_AT_MIN} to one day after the extraction finished (${extractedAt ?? "its extraction record"})`;
  }
  return ms;
}
