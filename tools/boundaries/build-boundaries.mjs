// Converts the Natural Earth countries (world-atlas) and US Census states (us-atlas) TopoJSON into the
// GeoJSON that Settlement.Domain embeds: one feature per taxing jurisdiction, keyed by its ISO code, so
// the .NET side never needs to know about Natural Earth's ids or names.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { merge } from "topojson-client";
import countries from "i18n-iso-countries";

const require = createRequire(import.meta.url);
const output = new URL("../../src/Settlement.Domain/Invoicing/Jurisdictions/Data/boundaries.geojson.gz", import.meta.url);

// Five decimals is about 1 m, far below the 1:50m data's own precision, and keeps the file small.
const DECIMALS = 5;

const versionOf = (pkg) => require(`${pkg}/package.json`).version;
const topology = (file) => JSON.parse(readFileSync(require.resolve(file), "utf8"));

// Natural Earth leaves some units without an ISO numeric id (and some releases give France and Norway
// -99), so these are mapped by name. Names win over ids so such a release cannot silently misplace them.
const ALPHA2_BY_NAME = {
  France: "FR",
  Norway: "NO",
  Kosovo: "XK", // user-assigned code, as used by the European Commission
  "N. Cyprus": "CY", // de jure Cyprus
  Somaliland: "SO", // de jure Somalia
  "Siachen Glacier": "IN", // under Indian administration
};

// Christmas Island and the Cocos (Keeling) Islands are one Natural Earth unit but two ISO codes; they
// lie either side of 100°E.
const INDIAN_OCEAN_TERRITORIES = "Indian Ocean Ter.";
const splitIndianOceanTerritories = (polygons) => [
  { code: "CX", name: "Christmas Island", polygons: polygons.filter((p) => p[0][0][0] > 100) },
  { code: "CC", name: "Cocos (Keeling) Islands", polygons: polygons.filter((p) => p[0][0][0] <= 100) },
];

const USPS_BY_STATE_FIPS = {
  "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
  "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
  "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
  "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
  "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
  "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
  "54": "WV", "55": "WI", "56": "WY",
};
// us-atlas also carries the territories (FIPS 60 and up); Natural Earth has them as countries of their
// own (PR, GU, VI, AS, MP), which is also how their taxes work, so they are taken from there.
const isTerritory = (fips) => Number(fips) >= 60;

// Antarctica is left out: no one taxes a supply there, and its outline encloses the pole, which no
// planar polygon can.
const EXCLUDED = new Set(["AQ"]);

// world-atlas is spherical (made for d3-geo), so the rings of Chukotka, Wrangel Island and one Fijian
// islet run straight across the antimeridian. Read as planar, as the .NET side does, they would span
// the globe, so each such outline is cut in two along the antimeridian.
const crossesAntimeridian = (ring) => ring.some((point, i) => i > 0 && Math.abs(point[0] - ring[i - 1][0]) > 180);

// The same ring with longitudes made continuous, running east past 180 rather than jumping to -180.
function unwrap(ring) {
  const continuous = [ring[0]];
  for (const [lon, lat] of ring.slice(1)) {
    const previous = continuous[continuous.length - 1][0];
    continuous.push([lon + 360 * Math.round((previous - lon) / 360), lat]);
  }
  const westmost = Math.min(...continuous.map(([lon]) => lon));
  return westmost < -180 ? continuous.map(([lon, lat]) => [lon + 360, lat]) : continuous;
}

// Sutherland-Hodgman against one meridian: keeps the part of a closed ring on one side of it. A concave
// ring may come back joined by edges lying along the meridian, which changes neither what it contains
// nor where its real coastline is.
function clipAtMeridian(ring, meridian, keepEast) {
  const inside = ([lon]) => (keepEast ? lon >= meridian : lon <= meridian);
  const crossing = ([lon1, lat1], [lon2, lat2]) => [meridian, lat1 + ((meridian - lon1) / (lon2 - lon1)) * (lat2 - lat1)];
  const kept = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [from, to] = [ring[i], ring[i + 1]];
    if (inside(from) && inside(to)) kept.push(to);
    else if (inside(from)) kept.push(crossing(from, to));
    else if (inside(to)) kept.push(crossing(from, to), to);
  }
  return kept.length > 0 ? [...kept, kept[0]] : kept;
}

function cutAtAntimeridian(polygon) {
  const [outline, ...holes] = polygon;
  if (!crossesAntimeridian(outline)) return [polygon];
  if (holes.length > 0) throw new Error("An outline crossing the antimeridian has holes; cutting them is not implemented.");
  const continuous = unwrap(outline);
  const west = clipAtMeridian(continuous, 180, false);
  const east = clipAtMeridian(continuous, 180, true).map(([lon, lat]) => [lon - 360, lat]);
  return [[west], [east]];
}

const round = (value) => Number(value.toFixed(DECIMALS));

function roundRing(ring) {
  const rounded = [];
  for (const [lon, lat] of ring) {
    const point = [round(lon), round(lat)];
    const last = rounded[rounded.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) rounded.push(point);
  }
  return rounded;
}

// A ring needs three distinct corners plus its closing point; rounding can collapse tiny islets and
// lakes. A polygon whose outline collapsed is dropped whole, so none of its holes becomes an outline.
const isRing = (ring) => ring.length >= 4;
const roundPolygons = (polygons) =>
  polygons
    .flatMap(cutAtAntimeridian)
    .map((polygon) => polygon.map(roundRing))
    .filter(([outline]) => isRing(outline))
    .map(([outline, ...holes]) => [outline, ...holes.filter(isRing)]);

// As MultiPolygon coordinates; units sharing a code (Cyprus and N. Cyprus, Australia and Ashmore) are
// dissolved into one outline, so their shared edge does not count as a border.
const polygonsOf = (topology, units) => merge(topology, units).coordinates;

const feature = (jurisdiction, country, name, polygons) => ({
  type: "Feature",
  properties: { jurisdiction, country, name },
  geometry: { type: "MultiPolygon", coordinates: roundPolygons(polygons) },
});

function countryFeatures() {
  const world = topology("world-atlas/countries-50m.json");
  const byCode = new Map();
  const features = [];
  for (const unit of world.objects.countries.geometries) {
    const name = unit.properties.name;
    if (name === INDIAN_OCEAN_TERRITORIES) {
      for (const part of splitIndianOceanTerritories(polygonsOf(world, [unit])))
        features.push(feature(part.code, part.code, part.name, part.polygons));
      continue;
    }
    const code = ALPHA2_BY_NAME[name] ?? (unit.id === undefined ? undefined : countries.numericToAlpha2(unit.id));
    if (!code) throw new Error(`No ISO 3166-1 code for Natural Earth unit "${name}" (id ${unit.id})`);
    // The USA is replaced by its states below.
    if (code === "US" || EXCLUDED.has(code)) continue;
    const group = byCode.get(code) ?? { names: [], units: [] };
    group.names.push(name);
    group.units.push(unit);
    byCode.set(code, group);
  }
  for (const [code, group] of byCode)
    features.push(feature(code, code, group.names[0], polygonsOf(world, group.units)));
  return features;
}

function stateFeatures() {
  const us = topology("us-atlas/states-10m.json");
  return us.objects.states.geometries
    .filter((state) => !isTerritory(state.id))
    .map((state) => {
      const usps = USPS_BY_STATE_FIPS[state.id];
      if (!usps) throw new Error(`No USPS code for state FIPS ${state.id} (${state.properties.name})`);
      return feature(`US-${usps}`, "US", state.properties.name, polygonsOf(us, [state]));
    });
}

const features = [...countryFeatures(), ...stateFeatures()].sort((a, b) =>
  a.properties.jurisdiction.localeCompare(b.properties.jurisdiction));

const source =
  `Natural Earth 1:50m admin-0 (world-atlas ${versionOf("world-atlas")}); ` +
  `US Census states 1:10m (us-atlas ${versionOf("us-atlas")})`;

const collection = { type: "FeatureCollection", source, features };
// Node writes no timestamp into the gzip header, so regenerating from the same packages is byte-identical.
const json = JSON.stringify(collection);
writeFileSync(output, gzipSync(json, { level: 9 }));
console.log(`${features.length} jurisdictions, ${json.length} bytes of GeoJSON, written to ${output.pathname}`);
