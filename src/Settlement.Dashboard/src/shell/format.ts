// The one place numbers, money and dates are formatted: the pages show these strings, and the end-to-end tests call
// the same functions (window.settlementFormat) to check that what is shown is the API's figure at its precision.

const grouping = (decimals: number) => new Intl.NumberFormat("en-GB", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });

export function number(value: number | null | undefined, decimals = 0): string {
  return value === null || value === undefined || Number.isNaN(value) ? "–" : grouping(decimals).format(value);
}

/** A value already in percent (97.3 → "97.3 %"). */
export function percent(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined ? "–" : `${number(value, decimals)} %`;
}

/** A ratio between 0 and 1 shown in percent (0.973 → "97.3 %"). */
export function ratio(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined ? "–" : percent(value * 100, decimals);
}

export function money(amount: number | string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return "–";
  return `${number(Number(amount), 2)} ${currency}`;
}

export function kwh(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined ? "–" : `${number(value, decimals)} kWh`;
}

export function kw(value: number | null | undefined, decimals = 1): string {
  return value === null || value === undefined ? "–" : `${number(value, decimals)} kW`;
}

/** An instant (ISO 8601) in UTC, to the minute: "2026-10-05 14:03 UTC". */
export function instant(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** An instant in the site's own time zone, to the minute, with the zone named: "2026-10-05 16:03 Europe/Berlin". */
export function local(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
}

export function count(value: number | null | undefined): string {
  return number(value, 0);
}

/** Energy the API states in watt-hours, shown in kWh (68141 → "68.141 kWh"): the raw Wh stays in data-value. */
export function whAsKwh(value: number | null | undefined, decimals = 3): string {
  return value === null || value === undefined ? "–" : kwh(value / 1000, decimals);
}

/** A local date-time the API states without an offset ("2026-10-01T04:20:47"), with the zone it is in: "2026-10-01 04:20 Europe/Paris". */
export function localWallTime(text: string | null | undefined, timeZone: string): string {
  return text ? `${text.slice(0, 16).replace("T", " ")} ${timeZone}` : "–";
}
