// Months and hours for the end-to-end files, counted from the real today in Brasília (the
// app's "current month" is Brasília's: brm-service's processes::brasilia), never written
// out: a file that names a month passes only while that month is recent (the Painel opens
// on the current month, due dates and "faltam N dias" are counted from today).
const BRASILIA = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo", year: "numeric", month: "2-digit" });

// "YYYY-MM" of the month `delta` months from this one (-1: last month).
export function monthFromToday(delta, now = new Date()) {
  const [y, m] = BRASILIA.format(now).split("-").map(Number);
  const index = y * 12 + (m - 1) + delta;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

// As the window shows a month: "MM/AAAA".
export const monthLabel = (month) => `${month.slice(5)}/${month.slice(0, 4)}`;

// The hour in Brasília `delta` hours from now, 0-23: a daily schedule set for 12 hours
// from now neither runs during the file nor moves its next run while the file looks.
export function brasiliaHourFromNow(delta, now = new Date()) {
  const hour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "America/Sao_Paulo", hour: "2-digit", hourCycle: "h23" }).format(now));
  return (((hour + delta) % 24) + 24) % 24;
}
