// Our own SVG charts: small, no dependency, and each with its data as a table beside it, which is both the text
// alternative for screen readers and what the end-to-end tests compare against the API.
import { h, s } from "./dom";

export interface Series {
  name: string;
  /** One value per x label, in the order of `xs`; null where there is no figure. */
  values: (number | null)[];
}

export interface Threshold {
  value: number;
  label: string;
}

export interface ChartOptions {
  /** Names the chart for people and tests (data-chart). */
  id: string;
  title: string;
  xs: string[];
  series: Series[];
  thresholds?: Threshold[];
  yLabel: string;
  /** Formats a value for the axis and the data table (format.ts). */
  format: (value: number) => string;
  yMin?: number;
  yMax?: number;
}

const width = 760;
const height = 300;
const margin = { top: 16, right: 16, bottom: 44, left: 64 };
const colours = ["var(--series-1)", "var(--series-2)", "var(--series-3)", "var(--series-4)", "var(--series-5)", "var(--series-6)"];

function colour(index: number): string {
  return colours[index % colours.length];
}

function scales(options: ChartOptions, stackedTop?: number[]) {
  const values = options.series.flatMap((series) => series.values).filter((v): v is number => v !== null);
  const thresholds = (options.thresholds ?? []).map((t) => t.value);
  const all = [...values, ...thresholds, ...(stackedTop ?? [])];
  let low = options.yMin ?? Math.min(0, ...all);
  let high = options.yMax ?? Math.max(1, ...all);
  if (high === low) high = low + 1;
  if (options.yMax === undefined) high += (high - low) * 0.05;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const step = options.xs.length > 1 ? plotWidth / (options.xs.length - 1) : 0;
  return {
    x: (index: number) => margin.left + (options.xs.length > 1 ? index * step : plotWidth / 2),
    y: (value: number) => margin.top + plotHeight - ((value - low) / (high - low)) * plotHeight,
    low, high, plotWidth, plotHeight,
  };
}

function axes(options: ChartOptions, scale: ReturnType<typeof scales>): SVGElement {
  const ticks = 5;
  const group = s("g", { class: "axis", "aria-hidden": "true" });
  for (let i = 0; i <= ticks; i++) {
    const value = scale.low + ((scale.high - scale.low) * i) / ticks;
    const y = scale.y(value);
    group.append(
      s("line", { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: "grid-line", stroke: "var(--line)" }),
      s("text", { x: margin.left - 6, y: y + 4, "text-anchor": "end" }, options.format(value)));
  }
  const every = Math.max(1, Math.ceil(options.xs.length / 8));
  options.xs.forEach((label, index) => {
    if (index % every !== 0 && index !== options.xs.length - 1) return;
    group.append(s("text", { x: scale.x(index), y: height - margin.bottom + 16, "text-anchor": "middle" }, label));
  });
  group.append(s("text", { x: 12, y: margin.top + scale.plotHeight / 2, transform: `rotate(-90 12 ${margin.top + scale.plotHeight / 2})`, "text-anchor": "middle" }, options.yLabel));
  return group;
}

function thresholdLines(options: ChartOptions, scale: ReturnType<typeof scales>): SVGElement[] {
  return (options.thresholds ?? []).map((threshold) => {
    const y = scale.y(threshold.value);
    return s("g", { "data-threshold": threshold.value },
      s("line", { class: "threshold", x1: margin.left, x2: width - margin.right, y1: y, y2: y }),
      s("text", { class: "threshold-label", x: width - margin.right - 4, y: y - 4, "text-anchor": "end" }, threshold.label));
  });
}

function legend(options: ChartOptions): HTMLElement {
  return h("ul", { class: "legend" },
    options.series.map((series, index) => h("li", {}, h("span", { class: "swatch", style: `background:${colour(index)}` }), series.name)),
    (options.thresholds ?? []).map((t) => h("li", {}, h("span", { class: "swatch", style: "background:var(--bad)" }), t.label)));
}

function dataTable(options: ChartOptions): HTMLElement {
  return h("details", {},
    h("summary", {}, `${options.title}: the figures`),
    h("div", { class: "table-wrap" },
      h("table", { "data-chart-table": options.id },
        h("caption", { class: "visually-hidden" }, options.title),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Series"), h("th", { scope: "col" }, "At"), h("th", { scope: "col", class: "num" }, options.yLabel))),
        h("tbody", {}, options.series.flatMap((series) => options.xs.map((x, index) => {
          const value = series.values[index];
          return value === null || value === undefined ? null : h("tr", { "data-series": series.name, "data-x": x },
            h("th", { scope: "row" }, series.name), h("td", {}, x),
            h("td", { class: "num", "data-value": String(value) }, options.format(value)));
        }).filter((row) => row !== null))))));
}

function frame(options: ChartOptions, plot: SVGElement[], scale: ReturnType<typeof scales>): HTMLElement {
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${options.title}. The figures are in the table below.` },
    axes(options, scale), ...plot, ...thresholdLines(options, scale));
  return h("figure", { class: "chart", "data-chart": options.id },
    h("figcaption", {}, h("strong", {}, options.title)), legend(options), svg, dataTable(options));
}

/** Lines over time (one per series) with dashed threshold lines. */
export function lineChart(options: ChartOptions): HTMLElement {
  const scale = scales(options);
  const plot = options.series.map((series, index) => {
    const segments: string[] = [];
    let pen = "M";
    series.values.forEach((value, i) => {
      if (value === null) { pen = "M"; return; }
      segments.push(`${pen}${scale.x(i).toFixed(1)},${scale.y(value).toFixed(1)}`);
      pen = "L";
    });
    const points = series.values.map((value, i) => value === null ? null
      : s("circle", { cx: scale.x(i).toFixed(1), cy: scale.y(value).toFixed(1), r: 2.5, fill: colour(index) }, s("title", {}, `${series.name}, ${options.xs[i]}: ${options.format(value)}`)));
    return s("g", { "data-series": series.name },
      s("path", { d: segments.join(" "), fill: "none", stroke: colour(index), "stroke-width": 2 }), ...points.filter((p): p is SVGElement => p !== null));
  });
  return frame(options, plot, scale);
}

/** Series stacked on each other (allocations per EVSE under a site's limit, say); thresholds drawn across. */
export function stackedAreaChart(options: ChartOptions): HTMLElement {
  const tops = options.xs.map((_, i) => options.series.reduce((sum, series) => sum + (series.values[i] ?? 0), 0));
  const scale = scales({ ...options, series: [] }, tops);
  const base = options.xs.map(() => 0);
  const plot = options.series.map((series, index) => {
    const lower = [...base];
    series.values.forEach((value, i) => { base[i] += value ?? 0; });
    const upperPath = base.map((value, i) => `${i === 0 ? "M" : "L"}${scale.x(i).toFixed(1)},${scale.y(value).toFixed(1)}`).join(" ");
    const lowerPath = lower.map((value, i) => `L${scale.x(i).toFixed(1)},${scale.y(value).toFixed(1)}`).reverse().join(" ");
    return s("path", { "data-series": series.name, d: `${upperPath} ${lowerPath} Z`, fill: colour(index), "fill-opacity": 0.75, stroke: colour(index) });
  });
  return frame(options, plot, scale);
}

/** One bar per x label and series, side by side. */
export function barChart(options: ChartOptions): HTMLElement {
  const scale = scales(options);
  const slot = options.xs.length > 1 ? scale.plotWidth / options.xs.length : scale.plotWidth / 2;
  const barWidth = Math.max(2, (slot * 0.8) / Math.max(1, options.series.length));
  const zero = scale.y(Math.max(scale.low, 0));
  const plot = options.series.map((series, index) => s("g", { "data-series": series.name },
    series.values.map((value, i) => {
      if (value === null) return null;
      const x = margin.left + i * slot + slot * 0.1 + index * barWidth;
      const y = scale.y(value);
      return s("rect", { x: x.toFixed(1), y: Math.min(y, zero).toFixed(1), width: barWidth.toFixed(1), height: Math.abs(zero - y).toFixed(1), fill: colour(index) },
        s("title", {}, `${series.name}, ${options.xs[i]}: ${options.format(value)}`));
    })));
  const bars = frame(options, plot, { ...scale, x: (i: number) => margin.left + i * slot + slot / 2 });
  return bars;
}
