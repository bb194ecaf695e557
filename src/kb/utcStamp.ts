/**
 * UTC date and time stamps used in KB names (DESIGN §3, reference §1): `YYYYMMDD` and `HHMM`.
 * Always UTC, so two hosts in different time zones name the same run the same way.
 */

/** `YYYYMMDD` of `instant` in UTC. */
export function utcDateStamp(instant: Date): string {
  return instant.toISOString().slice(0, 10).replaceAll('-', '');
}

/** `HHMM` of `instant` in UTC. */
export function utcTimeStamp(instant: Date): string {
  return instant.toISOString().slice(11, 16).replace(':', '');
}

/** Whether `stamp` is a real calendar date written as `YYYYMMDD`. */
export function isUtcDateStamp(stamp: string): boolean {
  if (!/^\d{8}$/.test(stamp)) return false;
  const instant = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T00:00:00Z`);
  return !Number.isNaN(instant.getTime()) && utcDateStamp(instant) === stamp;
}

/** Whether `stamp` is a wall-clock time written as `HHMM` (00:00–23:59). */
export function isUtcTimeStamp(stamp: string): boolean {
  const match = /^(\d{2})(\d{2})$/.exec(stamp);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60;
}
