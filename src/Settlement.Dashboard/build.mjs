// Bundles the dashboard into dist/: one script, one stylesheet, the page. Everything the browser loads comes from
// the host itself, so the dashboard works on a network with no way out (no CDN, no tile server).
import { build } from "esbuild";
import { cp, mkdir, rm } from "node:fs/promises";

const out = "dist";
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  outfile: `${out}/app.js`,
  logLevel: "warning",
  legalComments: "linked",
});
await cp("static/index.html", `${out}/index.html`);
await cp("static/app.css", `${out}/app.css`);
