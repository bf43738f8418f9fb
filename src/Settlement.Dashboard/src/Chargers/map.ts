// The sites on a map drawn from public boundaries bundled with the app (world-atlas countries, us-atlas states): no
// tiles, nothing fetched. Sites far apart (Munich and Lyon, Denver) get an inset each, so each inset is fitted to its
// own sites and stays legible on a phone rather than one world view with three dots.
import { geoMercator, geoPath, type GeoPermissibleObjects } from "d3-geo";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesTopology from "world-atlas/countries-110m.json";
import statesTopology from "us-atlas/states-10m.json";
import { h, s } from "../shell/dom";
import type { Site } from "./types";

const countries = feature(countriesTopology as unknown as Topology, (countriesTopology as unknown as Topology).objects.countries as GeometryCollection);
const states = mesh(statesTopology as unknown as Topology, (statesTopology as unknown as Topology).objects.states as GeometryCollection, (a, b) => a !== b);

/** Sites within this many degrees of a group's first site share its inset. */
const groupSpanDegrees = 20;
const width = 400;
const height = 280;

export type SiteState = "online" | "faulted" | "offline" | "none";

function groups(sites: Site[]): Site[][] {
  const result: Site[][] = [];
  for (const site of [...sites].sort((a, b) => b.longitude - a.longitude)) {
    const near = result.find((group) => Math.abs(group[0].longitude - site.longitude) < groupSpanDegrees && Math.abs(group[0].latitude - site.latitude) < groupSpanDegrees);
    if (near) near.push(site);
    else result.push([site]);
  }
  return result;
}

function inset(sites: Site[], stateOf: (siteId: string) => SiteState, describe: (siteId: string) => string): SVGElement {
  const lons = sites.map((site) => Number(site.longitude));
  const lats = sites.map((site) => Number(site.latitude));
  const padLon = Math.max(4, (Math.max(...lons) - Math.min(...lons)) * 0.4);
  const padLat = Math.max(3, (Math.max(...lats) - Math.min(...lats)) * 0.4);
  const extent: GeoPermissibleObjects = {
    type: "MultiPoint",
    coordinates: [[Math.min(...lons) - padLon, Math.min(...lats) - padLat], [Math.max(...lons) + padLon, Math.max(...lats) + padLat]],
  };
  const projection = geoMercator().fitExtent([[8, 8], [width - 8, height - 8]], extent);
  const path = geoPath(projection);
  const label = `Map of ${sites.map((site) => site.name).join(", ")}`;
  return s("svg", { viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": label },
    s("path", { class: "land", d: path(countries) ?? "" }),
    s("path", { class: "borders", d: path(states) ?? "" }),
    sites.map((site) => {
      const [x, y] = projection([Number(site.longitude), Number(site.latitude)]) ?? [0, 0];
      const state = stateOf(site.siteId);
      const anchor = x > width * 0.5 ? "end" : "start";
      return s("a", { href: `#/network?site=${encodeURIComponent(site.siteId)}`, "data-site": site.siteId, "data-status": state, class: `site-marker site-${state}`, "aria-label": describe(site.siteId) },
        s("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 8 }),
        s("text", { x: (x + (anchor === "end" ? -12 : 12)).toFixed(1), y: (y + 4).toFixed(1), "text-anchor": anchor }, site.name));
    }));
}

/** One inset per group of nearby sites, each marker coloured by its chargers' live state and linked to its filter. */
export function siteMap(sites: Site[], stateOf: (siteId: string) => SiteState, describe: (siteId: string) => string): HTMLElement {
  return h("div", { class: "map", "data-testid": "site-map" },
    groups(sites.filter((site) => Number.isFinite(Number(site.latitude)) && Number.isFinite(Number(site.longitude))))
      .map((group) => h("figure", { class: "inset" }, inset(group, stateOf, describe))));
}
