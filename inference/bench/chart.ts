// A dependency-free SVG bar chart: output tokens/s per concurrency, direct vs server.

export interface ChartPoint {
  concurrency: number;
  direct: number;
  server: number;
}

export function renderChart(
  points: readonly ChartPoint[],
  title = "Output tokens/s: node-llama-cpp direct vs server over HTTP",
): string {
  const width = 640;
  const height = 360;
  const pad = { left: 60, right: 20, top: 40, bottom: 50 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.flatMap((p) => [p.direct, p.server])) * 1.1;
  const group = plotW / Math.max(1, points.length);
  const bar = group / 3;
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    parts.push(
      `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`,
      `<line x1="${pad.left}" y1="${y(v)}" x2="${width - pad.right}" y2="${y(v)}" stroke="#ddd"/>`,
    );
  }
  points.forEach((p, i) => {
    const x0 = pad.left + i * group + bar / 2;
    for (const [j, value, color] of [
      [0, p.direct, "#4e79a7"],
      [1, p.server, "#f28e2b"],
    ] as const) {
      const x = x0 + j * bar;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${bar.toFixed(1)}" height="${(pad.top + plotH - y(value)).toFixed(1)}" fill="${color}"/>`,
        `<text x="${(x + bar / 2).toFixed(1)}" y="${(y(value) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${value.toFixed(0)}</text>`,
      );
    }
    parts.push(
      `<text x="${(x0 + bar).toFixed(1)}" y="${pad.top + plotH + 18}" text-anchor="middle">${p.concurrency}</text>`,
    );
  });
  parts.push(
    `<text x="${pad.left + plotW / 2}" y="${height - 10}" text-anchor="middle">concurrent requests</text>`,
    `<rect x="${width - 170}" y="${pad.top}" width="12" height="12" fill="#4e79a7"/><text x="${width - 152}" y="${pad.top + 10}">direct (in-process)</text>`,
    `<rect x="${width - 170}" y="${pad.top + 18}" width="12" height="12" fill="#f28e2b"/><text x="${width - 152}" y="${pad.top + 28}">server (HTTP + SSE)</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
