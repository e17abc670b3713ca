// Percentiles and small formatting helpers shared by the load and bench scripts.

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export const ms = (seconds: number): string =>
  Number.isNaN(seconds) ? "-" : `${(seconds * 1000).toFixed(1)}`;
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length))) ?? [];
  return cells.map((r) => r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ")).join("\n");
}

export const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));
