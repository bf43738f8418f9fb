// Measures how far Natural Earth's 1:50m country outlines lie from its 1:10m ones, separately for land
// borders and coastlines: the figures behind JurisdictionResolver.BorderToleranceKm. Every 1:10m vertex
// is taken as the truth and its distance to the nearest 1:50m line measured, with the same flat-earth
// kilometres the resolver uses. Run with `node measure-precision.mjs` after `npm ci`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { mesh } from "topojson-client";

const require = createRequire(import.meta.url);
const topology = (file) => JSON.parse(readFileSync(require.resolve(file), "utf8"));

const KM_PER_DEGREE = (2 * Math.PI * 6371.0088) / 360;
// Polar outlines are mostly ice shelves and would swamp the figures for places that have charge points.
const MAX_LATITUDE = 72;
const THRESHOLDS_KM = [3, 5, 8, 10, 15];

const landBorders = (a, b) => a !== b;
const coastlines = (a, b) => a === b;
const lines = (world, filter) => mesh(world, world.objects.countries, filter).coordinates;

// Segments bucketed by whole degree; a vertex is compared with its own and the eight surrounding buckets,
// so distances beyond about a degree count as "no counterpart" rather than being searched for.
function bucketSegments(lineStrings) {
  const buckets = new Map();
  for (const line of lineStrings)
    for (let i = 0; i + 1 < line.length; i++) {
      const [a, b] = [line[i], line[i + 1]];
      for (let x = Math.floor(Math.min(a[0], b[0])); x <= Math.floor(Math.max(a[0], b[0])); x++)
        for (let y = Math.floor(Math.min(a[1], b[1])); y <= Math.floor(Math.max(a[1], b[1])); y++) {
          const key = `${x},${y}`;
          if (!buckets.has(key)) buckets.set(key, []);
          buckets.get(key).push([a, b]);
        }
    }
  return buckets;
}

function kmToNearest([lon, lat], buckets) {
  const kmPerDegreeLongitude = KM_PER_DEGREE * Math.cos((lat * Math.PI) / 180);
  const toKm = ([x, y]) => [(x - lon) * kmPerDegreeLongitude, (y - lat) * KM_PER_DEGREE];
  let nearest = Infinity;
  for (let dx = -1; dx <= 1; dx++)
    for (let dy = -1; dy <= 1; dy++)
      for (const [a, b] of buckets.get(`${Math.floor(lon) + dx},${Math.floor(lat) + dy}`) ?? []) {
        const [[ax, ay], [bx, by]] = [toKm(a), toKm(b)];
        const [vx, vy] = [bx - ax, by - ay];
        const lengthSquared = vx * vx + vy * vy;
        const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(ax * vx + ay * vy) / lengthSquared));
        nearest = Math.min(nearest, Math.hypot(ax + t * vx, ay + t * vy));
      }
  return nearest;
}

const fine = topology("world-atlas/countries-10m.json");
const coarse = topology("world-atlas/countries-50m.json");
for (const [label, filter] of [["land borders", landBorders], ["coastlines", coastlines]]) {
  const buckets = bucketSegments(lines(coarse, filter));
  const distances = lines(fine, filter)
    .flat()
    .filter(([, lat]) => Math.abs(lat) < MAX_LATITUDE)
    .map((vertex) => kmToNearest(vertex, buckets))
    .filter(Number.isFinite);
  const share = (km) => ((100 * distances.filter((d) => d <= km).length) / distances.length).toFixed(1);
  console.log(`${label} (${distances.length} vertices): ${THRESHOLDS_KM.map((km) => `${share(km)} % within ${km} km`).join(", ")}`);
}
