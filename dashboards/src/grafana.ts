/**
 * A small, typed builder for Grafana dashboard JSON (schemaVersion 39, Grafana 10/11). The dashboards are
 * generated from code so that every panel shares the same datasource reference, template variables and
 * layout rules, and so that their PromQL is built from the same fragments the alert rules use.
 */

export const SCHEMA_VERSION = 39;

/** Every panel and query points at the dashboard's `datasource` template variable, never at a fixed uid. */
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

export interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** Instant query (tables, stats of a single value). Default: range query. */
  readonly instant?: boolean;
}

export type PanelKind = "timeseries" | "stat" | "table" | "bargauge";

export interface PanelSpec {
  readonly title: string;
  /** Shown as the panel's (i) tooltip: what the panel means and what "bad" looks like. */
  readonly description: string;
  readonly kind?: PanelKind;
  /** Grafana unit id (e.g. "reqps", "s", "percentunit"). */
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Grid width out of 24. Default 12. */
  readonly width?: number;
  /** Grid height. Default 8. */
  readonly height?: number;
  /** Repeat the panel once per selected value of this variable, side by side (e.g. "track"). */
  readonly repeat?: string;
  /** [warning, critical] in the panel's unit: colours stats and draws dashed lines on time series. */
  readonly thresholds?: readonly [number, number];
  /** Axis/gauge bounds in the panel's unit. Default: Grafana's automatic range. */
  readonly min?: number;
  readonly max?: number;
}

export interface Section {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A query variable over a label of a metric; `dependsOn` restricts it by the variables before it. */
export interface LabelVariable {
  readonly name: string;
  readonly label: string;
  readonly metric: string;
  readonly labelName: string;
  readonly dependsOn?: readonly string[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly LabelVariable[];
  readonly sections: readonly Section[];
  /** Default time range, e.g. "now-6h". */
  readonly from?: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const GRID_WIDTH = 24;

function thresholdSteps(thresholds: readonly [number, number] | undefined): Json {
  const steps: Json[] = [{ color: "green", value: null }];
  if (thresholds) {
    steps.push({ color: "orange", value: thresholds[0] }, { color: "red", value: thresholds[1] });
  }
  return { mode: "absolute", steps };
}

function target(query: Query, index: number): Json {
  return {
    refId: String.fromCharCode("A".charCodeAt(0) + index),
    datasource: { ...DATASOURCE },
    expr: query.expr,
    legendFormat: query.legend ?? "__auto",
    range: !query.instant,
    instant: query.instant ?? false,
    ...(query.instant ? { format: "table" } : {}),
  };
}

function panelOptions(kind: PanelKind): Json {
  switch (kind) {
    case "timeseries":
      return {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["mean", "max", "lastNotNull"],
        },
        tooltip: { mode: "multi", sort: "desc" },
      };
    case "stat":
      return {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        colorMode: "value",
        graphMode: "area",
        textMode: "auto",
        justifyMode: "auto",
        orientation: "auto",
      };
    case "bargauge":
      return {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        displayMode: "gradient",
        orientation: "horizontal",
        showUnfilled: true,
      };
    case "table":
      return { showHeader: true, cellHeight: "sm", footer: { show: false, reducer: ["sum"], fields: "" } };
  }
}

function fieldDefaults(spec: PanelSpec, kind: PanelKind): Json {
  const defaults: { [key: string]: Json } = {
    unit: spec.unit,
    color: { mode: kind === "timeseries" ? "palette-classic" : "thresholds" },
    thresholds: thresholdSteps(spec.thresholds),
  };
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (kind === "timeseries") {
    defaults.custom = {
      drawStyle: "line",
      lineWidth: 1,
      fillOpacity: 10,
      showPoints: "never",
      spanNulls: false,
      thresholdsStyle: { mode: spec.thresholds ? "dashed" : "off" },
    };
  }
  return defaults;
}

/** Lays panels out left to right, wrapping at 24 columns, starting at row `y`; returns the next free row. */
function layoutSection(section: Section, y: number, nextId: () => number, out: Json[]): number {
  out.push({
    id: nextId(),
    type: "row",
    title: section.title,
    collapsed: false,
    gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
    panels: [],
  });
  let x = 0;
  let rowY = y + 1;
  let rowHeight = 0;
  for (const spec of section.panels) {
    const w = spec.width ?? 12;
    const h = spec.height ?? 8;
    if (w < 1 || w > GRID_WIDTH) throw new Error(`panel "${spec.title}": width ${w} is not within 1..24`);
    // A horizontally repeated panel owns its row: Grafana divides the row between the copies.
    if (spec.repeat && w !== GRID_WIDTH)
      throw new Error(`panel "${spec.title}": a repeated panel must be 24 wide`);
    if (x + w > GRID_WIDTH) {
      rowY += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const kind = spec.kind ?? "timeseries";
    out.push({
      id: nextId(),
      type: kind,
      title: spec.title,
      description: spec.description,
      datasource: { ...DATASOURCE },
      gridPos: { h, w, x, y: rowY },
      targets: spec.queries.map(target),
      fieldConfig: { defaults: fieldDefaults(spec, kind), overrides: [] },
      options: panelOptions(kind),
      ...(spec.repeat ? { repeat: spec.repeat, repeatDirection: "h", maxPerRow: 4 } : {}),
    });
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  return rowY + rowHeight;
}

function labelSelector(names: readonly string[]): string {
  return names.map((name) => `${name}=~"$${name}"`).join(", ");
}

function variableJson(variable: LabelVariable): Json {
  const matchers = variable.dependsOn?.length ? `{${labelSelector(variable.dependsOn)}}` : "";
  const query = `label_values(${variable.metric}${matchers}, ${variable.labelName})`;
  return {
    name: variable.name,
    label: variable.label,
    type: "query",
    datasource: { ...DATASOURCE },
    definition: query,
    query: { query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    // ".*" rather than Grafana's default "a|b|c" list: a new model or track appears without a reload.
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    options: [],
    hide: 0,
    regex: "",
    skipUrlSync: false,
  };
}

const DATASOURCE_VARIABLE: Json = {
  name: "datasource",
  label: "Data source",
  type: "datasource",
  query: "prometheus",
  current: {},
  options: [],
  hide: 0,
  refresh: 1,
  regex: "",
  includeAll: false,
  multi: false,
  skipUrlSync: false,
};

/** Renders a dashboard spec to Grafana's JSON model (ready for the sidecar or the import dialog). */
export function renderDashboard(spec: DashboardSpec): Record<string, Json> {
  let id = 0;
  const nextId = (): number => ++id;
  const panels: Json[] = [];
  let y = 0;
  for (const section of spec.sections) y = layoutSection(section, y, nextId, panels);
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: true,
    graphTooltip: 1,
    timezone: "browser",
    refresh: "30s",
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: spec.from ?? "now-6h", to: "now" },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: "",
    links: [
      {
        title: "GenAI dashboards",
        type: "dashboards",
        tags: ["genai"],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: "grafana", uid: "-- Grafana --" },
          enable: true,
          hide: true,
          iconColor: "rgba(0, 211, 255, 1)",
          name: "Annotations & Alerts",
          type: "dashboard",
        },
      ],
    },
    templating: { list: [DATASOURCE_VARIABLE, ...spec.variables.map(variableJson)] },
    panels,
  };
}
