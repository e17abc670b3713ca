// Dependency-free SVG charts: a grid of grouped bar panels (one group per concurrency level, one bar per
// engine). The benchmark draws output tok/s and TTFT p99 per prompt kind.
import type { ResultRow } from "./report.js";
import type { EngineId } from "./settings.js";

export interface Series {
  name: string;
  color: string;
  /** One value per category; null (or not finite) draws no bar. */
  values: readonly (number | null)[];
}

export interface Panel {
  title: string;
  categories: readonly (string | number)[];
  xLabel: string;
  series: readonly Series[];
}

const PANEL_W = 460;
const PANEL_H = 300;
const PAD = { left: 56, right: 12, top: 34, bottom: 44 };

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A round tick step (1, 2 or 5 x 10^k) so that four steps cover `top`. */
export function tickStep(top: number): number {
  const raw = Math.max(top, 1e-9) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

function renderPanel(p: Panel, ox: number, oy: number): string[] {
  const plotW = PANEL_W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  // Headroom above the tallest bar for its label, then rounded up to the tick grid.
  const step = tickStep(Math.max(0, ...p.series.flatMap((s) => s.values.filter(finite))) * 1.08);
  const max = step * 4;
  const group = plotW / Math.max(1, p.categories.length);
  const bar = (group * 0.8) / Math.max(1, p.series.length);
  const baseY = oy + PAD.top + plotH;
  const y = (v: number) => baseY - (v / max) * plotH;
  const out = [
    `<text x="${ox + PANEL_W / 2}" y="${oy + 20}" text-anchor="middle" font-size="13">${escape(p.title)}</text>`,
    `<line x1="${ox + PAD.left}" y1="${baseY}" x2="${ox + PANEL_W - PAD.right}" y2="${baseY}" stroke="black"/>`,
    `<line x1="${ox + PAD.left}" y1="${oy + PAD.top}" x2="${ox + PAD.left}" y2="${baseY}" stroke="black"/>`,
  ];
  for (let i = 1; i <= 4; i++) {
    const v = step * i;
    out.push(
      `<line x1="${ox + PAD.left}" y1="${y(v).toFixed(1)}" x2="${ox + PANEL_W - PAD.right}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${ox + PAD.left - 5}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${fmt(v)}</text>`,
    );
  }
  p.categories.forEach((c, i) => {
    const x0 = ox + PAD.left + i * group + group * 0.1;
    p.series.forEach((s, j) => {
      const v = s.values[i] ?? null;
      if (!finite(v)) return;
      const x = x0 + j * bar;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(baseY - y(v)).toFixed(1)}" fill="${s.color}"><title>${escape(`${s.name} @ ${c}: ${fmt(v)}`)}</title></rect>`,
      );
      if (bar >= 16)
        out.push(
          `<text x="${(x + bar / 2).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="8">${fmt(v)}</text>`,
        );
    });
    out.push(
      `<text x="${(x0 + group * 0.4).toFixed(1)}" y="${baseY + 15}" text-anchor="middle" font-size="11">${escape(String(c))}</text>`,
    );
  });
  out.push(
    `<text x="${ox + PAD.left + plotW / 2}" y="${oy + PANEL_H - 14}" text-anchor="middle" font-size="11">${escape(p.xLabel)}</text>`,
  );
  return out;
}

/** Panels laid out `columns` per row, with one legend (from the first panel's series) on top. */
export function renderPanels(title: string, panels: readonly Panel[], columns = 2): string {
  const rows = Math.ceil(panels.length / columns);
  const legendH = 26;
  const width = PANEL_W * Math.min(columns, Math.max(1, panels.length));
  const height = 30 + legendH + rows * PANEL_H;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${escape(title)}</text>`,
  ];
  (panels[0]?.series ?? []).forEach((s, i) => {
    const x = 20 + i * 190;
    parts.push(
      `<rect x="${x}" y="32" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${x + 17}" y="42" font-size="12">${escape(s.name)}</text>`,
    );
  });
  panels.forEach((p, i) =>
    parts.push(...renderPanel(p, (i % columns) * PANEL_W, 30 + legendH + Math.floor(i / columns) * PANEL_H)),
  );
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

export const ENGINE_STYLE: Record<EngineId, { name: string; color: string }> = {
  server: { name: "our server (HTTP + SSE)", color: "#f28e2b" },
  "llama-server": { name: "llama-server (HTTP + SSE)", color: "#4e79a7" },
  direct: { name: "node-llama-cpp in-process", color: "#59a14f" },
};

/** The benchmark's chart: per prompt kind, output tok/s and TTFT p99 (ms) per concurrency, one bar per engine. */
export function servingChart(rows: readonly ResultRow[], subtitle: string): string {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const engines = (Object.keys(ENGINE_STYLE) as EngineId[]).filter((e) => rows.some((r) => r.engine === e));
  const panels: Panel[] = [];
  for (const kind of kinds) {
    const levels = [...new Set(rows.filter((r) => r.kind === kind).map((r) => r.concurrency))].sort(
      (a, b) => a - b,
    );
    const series = (metric: (r: ResultRow) => number) =>
      engines.map((e) => ({
        ...ENGINE_STYLE[e],
        values: levels.map((c) => {
          const row = rows.find((r) => r.kind === kind && r.concurrency === c && r.engine === e);
          return row === undefined ? null : metric(row);
        }),
      }));
    const label = kind === "shared" ? "shared system prompt" : "unique prompts";
    panels.push(
      {
        title: `output tok/s, ${label} (higher is better)`,
        categories: levels,
        xLabel: "concurrent requests",
        series: series((r) => r.tokPerS),
      },
      {
        title: `TTFT p99 ms, ${label} (lower is better)`,
        categories: levels,
        xLabel: "concurrent requests",
        series: series((r) => r.ttftP99 * 1000),
      },
    );
  }
  return renderPanels(`Serving benchmark: ${subtitle}`, panels);
}
