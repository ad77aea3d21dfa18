// npm run package → dist/hanfs_<version>_amd64.deb, with dpkg-deb only (no debhelper, no fakeroot:
// --root-owner-group). The tree is what `dist/hanfs install --root` lays down, so every agent and
// program the binary registers is packaged without a list here; plus the CLI link, the systemd
// unit, generated manual pages, the seed's configuration as examples, and the lintian overrides.
// Then lintian, when installed (`--no-lintian` skips it).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, lstatSync, lutimesSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { AGENT_NAMES, loadAgent } from "../agents/index";
import type { AgentDecl, ParamDecls } from "../src/ocf/declare";
import { copyrightFile } from "./deb/copyright";
import { type CommandHelp, agentManPage, cliManPage } from "./deb/man";
import { TOOLS, relations } from "./deb/tools";
import { LINTIAN_OVERRIDES } from "./deb/lintian";

const root = join(__dirname, "..");
const dist = join(root, "dist");
const BIN = join(dist, "hanfs");
const stage = join(dist, "deb-root");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; description: string };

const sh = (argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}) =>
  execFileSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20, ...opts });
const put = (rel: string, data: string | Buffer, mode = 0o644) => {
  const p = join(stage, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  chmodSync(p, mode);
};
/** gzip -9n equivalent: node's gzip header carries no name and mtime 0 */
const gz = (s: string | Buffer) => gzipSync(s, { level: 9 });

/** Debian control long description: lines of at most 79 characters, each indented by one space. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > 78) {
      lines.push(` ${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(` ${line}`);
  return lines;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

/** shlibs of the binary as dpkg-shlibdeps computes them (it wants a debian/control to read). */
function shlibDepends(file: string): string[] {
  const tmp = join(dist, "deb-shlibs");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "debian"), { recursive: true });
  writeFileSync(join(tmp, "debian/control"), "Source: hanfs\n\nPackage: hanfs\nArchitecture: any\n");
  // its warnings (useless libdl/libpthread links of the runtime, not a Debian build tree) are noise here
  const out = execFileSync("dpkg-shlibdeps", ["-O", `-e${file}`], { cwd: tmp, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"] });
  rmSync(tmp, { recursive: true, force: true });
  const m = /^shlibs:Depends=(.*)$/m.exec(out);
  return m ? m[1].split(",").map((s) => s.trim()).filter(Boolean) : [];
}

async function main() {
  const t0 = Date.now();
  const lintian = !process.argv.includes("--no-lintian");
  const version = pkg.version;
  // one date for every mtime and page: the last commit's, so two builds of one commit are the same
  const epoch = Number(process.env.SOURCE_DATE_EPOCH || sh(["git", "log", "-1", "--format=%ct"], { cwd: root }).trim() || Math.floor(Date.now() / 1000));
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  const runtime = /\((\w+) v?\d/.exec(sh([BIN, "version"], { env: {} }))?.[1] ?? "node";

  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  sh([BIN, "install", "--root", stage]);
  const agents = readdirSync(join(stage, "usr/lib/ocf/resource.d/hanfs")).sort();
  const programs = readdirSync(join(stage, "usr/lib/hanfs")).filter((p) => p !== "hanfs").sort();
  if (agents.join() !== [...AGENT_NAMES].sort().join()) throw new Error(`hanfs install linked ${agents.join(",")} but the source declares ${AGENT_NAMES.join(",")}: dist/hanfs is stale`);

  mkdirSync(join(stage, "usr/sbin"), { recursive: true });
  symlinkSync("../lib/hanfs/hanfs", join(stage, "usr/sbin/hanfs"));
  put("lib/systemd/system/hanfs-haproxy-agent.service", readFileSync(join(root, "build/hanfs-haproxy-agent.service")));

  // manual pages
  for (const a of agents) {
    const decl = (await loadAgent(a)) as AgentDecl<ParamDecls>;
    put(`usr/share/man/man7/ocf_hanfs_${a}.7.gz`, gz(agentManPage(decl, version, date)));
  }
  const top = sh([BIN, "--help"], { env: {} });
  const commands = top
    .slice(top.indexOf("Commands:"))
    .split("\n")
    .map((l) => /^ {2}([a-z][a-z-]*)\b/.exec(l)?.[1])
    .filter((c): c is string => !!c && c !== "help");
  const helps: CommandHelp[] = commands.map((c) => ({ command: c, help: sh([BIN, c, "--help"], { env: {} }) }));
  put("usr/share/man/man8/hanfs.8.gz", gz(cliManPage(top, helps, programs, agents, version, date)));

  // documentation and examples: the seed's configuration, generated by the binary being packaged
  const doc = "usr/share/doc/hanfs";
  put(`${doc}/copyright`, copyrightFile(root, runtime, date.slice(0, 4)));
  put(`${doc}/changelog.gz`, gz(`hanfs (${version}) unstable; urgency=medium\n\n  * Packaged from the hanfs repository.\n\n -- hanfs developers <hanfs-devel@example.org>  ${new Date(epoch * 1000).toUTCString().replace(/GMT$/, "+0000")}\n`));
  put(`${doc}/README.md.gz`, gz(readFileSync(join(root, "README.md"))));
  const ex = join(stage, doc, "examples");
  mkdirSync(ex, { recursive: true });
  writeFileSync(join(ex, "seed.json"), sh([BIN, "crm-config", "--example"], { env: {} }));
  sh([BIN, "crm-config", "--config", join(ex, "seed.json"), "--out-dir", ex], { env: {} });
  copyFileSync(join(root, "build/haproxy-hanfs.cfg"), join(ex, "haproxy-hanfs.cfg"));
  put("usr/share/lintian/overrides/hanfs", LINTIAN_OVERRIDES);

  // ownership comes from dpkg-deb; modes and times are ours
  for (const p of walk(stage)) {
    const st = lstatSync(p);
    if (st.isDirectory()) chmodSync(p, 0o755);
    else if (st.isFile()) chmodSync(p, p === join(stage, "usr/lib/hanfs/hanfs") ? 0o755 : 0o644);
  }

  const rel = relations(TOOLS.filter((r) => agents.includes(r.program) || programs.includes(r.program) || r.program.startsWith("hanfs")));
  const depends = [...shlibDepends(join(stage, "usr/lib/hanfs/hanfs")), ...rel.depends];
  const md5 = walk(stage)
    .filter((p) => lstatSync(p).isFile())
    .map((p) => `${createHash("md5").update(readFileSync(p)).digest("hex")}  ${relative(stage, p)}`)
    .join("\n");
  const kb = walk(stage).reduce((s, p) => s + Math.ceil(lstatSync(p).size / 1024), 0);
  const control = [
    "Package: hanfs",
    `Version: ${version}`,
    "Architecture: amd64",
    "Maintainer: hanfs developers <hanfs-devel@example.org>",
    `Installed-Size: ${kb}`,
    `Depends: ${depends.join(", ")}`,
    ...(rel.recommends.length ? [`Recommends: ${rel.recommends.join(", ")}`] : []),
    ...(rel.suggests.length ? [`Suggests: ${rel.suggests.join(", ")}`] : []),
    "Section: admin",
    "Priority: optional",
    "Description: highly available NFS for Pacemaker clusters",
    ...wrap(
      `OCF resource agents for an NFS service on DRBD (${agents.map((a) => `ocf:hanfs:${a}`).join(", ")}), parameter-compatible with the heartbeat and linbit agents of the same name, with bounded operations and monitors that send real NFS RPCs instead of forking tools.`,
    ),
    " .",
    ...wrap(
      "Also: an haproxy health check that speaks NFS, DRBD fence handlers where the binary has them, and `hanfs crm-config`, which prints the crm, pcs, DRBD and haproxy configuration of a two-node service. Everything is one self-contained executable with its JavaScript runtime embedded.",
    ),
    "",
  ].join("\n");
  put("DEBIAN/control", control);
  put("DEBIAN/md5sums", md5 + "\n");

  for (const p of [...walk(stage).reverse(), stage]) lutimesSync(p, epoch, epoch);
  const deb = join(dist, `hanfs_${version}_amd64.deb`);
  for (const old of readdirSync(dist).filter((f) => /^hanfs_.*\.deb$/.test(f))) rmSync(join(dist, old));
  const t1 = Date.now();
  // gzip -1: 11 s and 43 MB here against xz -6's 180 s and 26 MB (2 busy cores); zstd is faster
  // still but lintian rejects it (malformed-deb-archive). HANFS_DEB_COMPRESS=xz for the smallest file.
  const z = process.env.HANFS_DEB_COMPRESS === "xz" ? ["-Zxz", "-z6"] : ["-Zgzip", "-z1"];
  sh(["dpkg-deb", "--root-owner-group", ...z, "--build", stage, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) }, timeout: 1_200_000 });
  const t2 = Date.now();
  console.log(`built ${relative(root, deb)} (${(lstatSync(deb).size / 1e6).toFixed(1)} MB) in ${((t2 - t0) / 1000).toFixed(1)} s (dpkg-deb ${((t2 - t1) / 1000).toFixed(1)} s)`);
  console.log(`Depends: ${depends.join(", ")}\nRecommends: ${rel.recommends.join(", ")}\nSuggests: ${rel.suggests.join(", ")}`);
  if (!lintian) return;
  if (spawnSync("lintian", ["--version"], { timeout: 30_000 }).status !== 0) {
    console.log("lintian not installed (build/deps.sh installs it): not run");
    return;
  }
  const t3 = Date.now();
  // one run with the overrides shown; the verdict is ours: an E: or W: line that no override
  // covers fails (lintian's --fail-on counts shown overrides as findings)
  const r = spawnSync("lintian", ["--info", "--show-overrides", deb], { encoding: "utf8", timeout: 1_200_000, maxBuffer: 64 << 20 });
  const lines = (r.stdout ?? "").split("\n").filter((l) => /^[EWIPO]: /.test(l));
  for (const l of lines) console.log(l);
  const bad = lines.filter((l) => /^[EW]: /.test(l));
  if (r.status === null || bad.length) {
    console.error(r.status === null ? `lintian did not finish: ${r.error?.message}` : `lintian: ${bad.length} error(s)/warning(s) above`);
    process.exit(1);
  }
  console.log(`lintian: no errors or warnings, ${lines.filter((l) => l.startsWith("O: ")).length} overridden, ${lines.filter((l) => l.startsWith("I: ")).length} info (${((Date.now() - t3) / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  console.error(`npm run package: ${(e as Error).message}`);
  process.exit(1);
});
