import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMES, loadAgent } from "../../agents/index";
import { shQuote } from "../../src/config/pcs";
import type { ParamDecls } from "../../src/ocf/declare";
import { shadowCib } from "../../src/config/validate";
import { run } from "../../src/os/exec";
import { chrootPackages } from "./packages";
import { ciBlocks } from "./readme";

/**
 * `apt install ./hanfs_*.deb` on a clean Debian 12 root (debootstrap, cached by content), then what
 * an admin does: crm ra info / pcs resource describe / pcs resource create for every agent, the
 * README's walkthrough commands as written, apt remove and purge with nothing left behind. All of
 * it in one offline session of private namespaces (run-in.sh); each step's exit code and output
 * land in a results directory that the tests below read.
 */
const REPO = resolve(__dirname, "../..");
const ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", HOME: process.env.HOME ?? "/root" };
const WALK = "/root/walk";
const NODES = ["alpha", "delta"];

interface Step {
  name: string;
  cmd: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutS?: number;
}
interface Result {
  rc: number;
  out: string;
  ms: number;
}

let share = "";
const results = new Map<string, Result>();
const res = (name: string): Result => {
  const r = results.get(name);
  if (!r) throw new Error(`step ${name} did not run`);
  return r;
};
const timings: Record<string, number> = {};

/** Sample values for required parameters: pcs checks names and presence, not the node. */
const SAMPLE: Record<string, string> = { device: "/dev/drbd0", directory: "/srv", fstype: "ext4", clientspec: "198.51.100.0/24", drbd_resource: "r0" };

function steps(readme: Map<string, string[]>, requiredParams: Record<string, string[]>): Step[] {
  const block = (name: string) => {
    const lines = readme.get(name);
    if (!lines?.length) throw new Error(`README has no <!-- ci:${name} --> block`);
    return lines;
  };
  const s: Step[] = [];
  block("install").forEach((cmd, i) => s.push({ name: `install-${i + 1}`, cmd, cwd: "/hanfs-test", timeoutS: 600 }));
  s.push({ name: "files", cmd: "dpkg -L hanfs" });
  s.push({ name: "agents", cmd: "ls /usr/lib/ocf/resource.d/hanfs" });
  s.push({ name: "version", cmd: "hanfs version" });
  for (const a of AGENT_NAMES) {
    s.push({ name: `ra-${a}`, cmd: `crm ra info ocf:hanfs:${a}` });
    s.push({ name: `describe-${a}`, cmd: `pcs resource describe ocf:hanfs:${a}` });
  }
  s.push({ name: "agents-cib", cmd: "cp /hanfs-test/nodes-cib.xml /root/agents.xml" });
  for (const a of AGENT_NAMES)
    s.push({ name: `create-${a}`, cmd: `pcs -f /root/agents.xml resource create t_${a} ocf:hanfs:${a} ${requiredParams[a].map((p) => `${p}=${SAMPLE[p] ?? "/srv"}`).join(" ")} --no-default-ops` });
  s.push({ name: "agents-cib-show", cmd: "cat /root/agents.xml" });
  s.push({ name: "walk", cmd: `mkdir -p ${WALK} && cp /hanfs-test/hanfs_*.deb ${WALK}/` });
  block("generate").forEach((cmd, i) => s.push({ name: `generate-${i + 1}`, cmd, cwd: WALK, timeoutS: 300 }));
  // crmsh talks to a shadow CIB instead of a cluster: same commands, CIB_shadow set
  const shadow = (name: string) => ({ CIB_shadow_dir: "/root/shadow", CIB_shadow: name });
  s.push({ name: "shadows", cmd: "mkdir -p /root/shadow && cp /hanfs-test/nodes-cib.xml /root/shadow/shadow.crm && cp /hanfs-test/nodes-cib.xml /root/shadow/shadow.pcs" });
  block("crm").forEach((cmd, i) => s.push({ name: `crm-${i + 1}`, cmd, cwd: WALK, env: shadow("crm"), timeoutS: 300 }));
  s.push({ name: "cib-crm", cmd: "cat /root/shadow/shadow.crm" });
  // pcs: hanfs.xml stands for `pcs cluster cib`'s copy; only the push goes to a (shadow) cluster,
  // since with CIB_shadow set pcs -f would write the shadow instead of the file
  s.push({ name: "pcs-cib", cmd: `cp /hanfs-test/nodes-cib.xml ${WALK}/hanfs.xml` });
  block("pcs").forEach((cmd, i) => s.push({ name: `pcs-${i + 1}`, cmd, cwd: WALK, env: /^pcs cluster cib-push /.test(cmd) ? shadow("pcs") : {}, timeoutS: 600 }));
  s.push({ name: "cib-pcs", cmd: "cat /root/shadow/shadow.pcs" });
  s.push({ name: "remove", cmd: "apt remove -y hanfs", timeoutS: 300 });
  s.push({ name: "left-after-remove", cmd: "sh /hanfs-test/left.sh" });
  // apt no longer knows a removed local package without conffiles; dpkg --purge is the check that nothing is left to purge
  s.push({ name: "state-after-remove", cmd: "dpkg-query -W -f='${db:Status-Abbrev}' hanfs" });
  s.push({ name: "purge", cmd: "dpkg --purge hanfs", timeoutS: 300 });
  s.push({ name: "left-after-purge", cmd: "sh /hanfs-test/left.sh" });
  s.push({ name: "status-after-purge", cmd: "dpkg -s hanfs" });
  return s;
}

/** Paths of the package that still exist, except directories another package owns. */
const LEFT_SH = `while read -r p; do
  [ "$p" = "/." ] && continue
  if [ -e "$p" ] || [ -L "$p" ]; then
    # directories of other packages stay, and so do the /lib -> usr/lib aliases of a merged /usr
    if [ -d "$p" ] && { [ -L "$p" ] || dpkg -S "$p" >/dev/null 2>&1; }; then continue; fi
    echo "$p"
  fi
done < /hanfs-test/results/files.out
`;

function script(list: Step[]): string {
  const lines = [
    "#!/bin/bash",
    "R=/hanfs-test/results",
    "mkdir -p $R",
    'step() { local name=$1 cwd=$2 t=$3; shift 3; local s; s=$(date +%s%N); (cd "$cwd" && timeout -k 5 "$t" "$@") > "$R/$name.out" 2>&1; echo $? > "$R/$name.rc"; echo $(( ($(date +%s%N) - s) / 1000000 )) > "$R/$name.ms"; }',
  ];
  for (const st of list) {
    const env = Object.entries(st.env ?? {}).map(([k, v]) => `${k}=${shQuote(v)}`);
    lines.push(`step ${st.name} ${shQuote(st.cwd ?? "/root")} ${st.timeoutS ?? 120} env ${env.join(" ")} sh -c ${shQuote(st.cmd)}`);
  }
  return lines.join("\n") + "\n";
}

/** The .deb of this tree: rebuilt (without lintian: test/run.sh runs `npm run package` for that) when older than its inputs. */
async function ensureDeb(): Promise<string> {
  const built = await run(["node", "build/ensure-built.mjs"], { timeoutMs: 600_000, cwd: REPO, env: { ...ENV, PATH: `${REPO}/node_modules/.bin:${ENV.PATH}` } });
  if (built.code !== 0) throw new Error(`build failed: ${built.stderr}`);
  const find = () => readdirSync(join(REPO, "dist")).find((f) => /^hanfs_.*_amd64\.deb$/.test(f));
  const inputs = [join(REPO, "dist/hanfs"), join(REPO, "build/package.ts"), join(REPO, "README.md"), ...readdirSync(join(REPO, "build/deb")).map((f) => join(REPO, "build/deb", f))];
  const deb = find();
  if (!deb || inputs.some((f) => statSync(f).mtimeMs > statSync(join(REPO, "dist", deb)).mtimeMs)) {
    const t = Date.now();
    const r = await run(["npx", "tsx", "build/package.ts", "--no-lintian"], { timeoutMs: 1_200_000, cwd: REPO, env: { ...ENV, PATH: `${REPO}/node_modules/.bin:${ENV.PATH}` } });
    if (r.code !== 0) throw new Error(`npm run package failed: ${r.stdout}${r.stderr}`);
    timings.packageMs = Date.now() - t;
  }
  return join(REPO, "dist", find()!);
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the package test needs root (namespaces, chroot)");
  let t = Date.now();
  const c = await run(["bash", "test/pkg/chroot.sh", "ensure", ...chrootPackages()], { timeoutMs: 1_800_000, cwd: REPO, env: { ...ENV, ...pick("HANFS_PKGTEST_CACHE", "HANFS_PKGTEST_MIRROR") } });
  if (c.code !== 0) throw new Error(`chroot.sh: ${c.stderr}`);
  const root = c.stdout.trim().split("\n").pop()!;
  timings[/built/.test(c.stderr) ? "chrootBuildMs" : "chrootCachedMs"] = Date.now() - t;

  const deb = await ensureDeb();
  share = mkdtempSync("/tmp/hanfs-pkgtest-");
  chmodSync(share, 0o755); // apt fetches local files as _apt
  copyFileSync(deb, join(share, deb.split("/").pop()!));
  const empty = await run(["cibadmin", "--empty"], { timeoutMs: 30_000, env: ENV });
  writeFileSync(join(share, "nodes-cib.xml"), shadowCib(empty.stdout, NODES));
  writeFileSync(join(share, "left.sh"), LEFT_SH);
  const required: Record<string, string[]> = {};
  for (const a of AGENT_NAMES) required[a] = Object.entries((await loadAgent(a)).params as ParamDecls).filter(([, d]) => d.required).map(([k]) => k);
  writeFileSync(join(share, "steps.sh"), script(steps(ciBlocks(), required)));

  t = Date.now();
  const r = await run(["bash", "test/pkg/run-in.sh", root, share, "bash", "/hanfs-test/steps.sh"], { timeoutMs: 2_400_000, cwd: REPO, env: ENV });
  timings.inRootMs = Date.now() - t;
  if (r.code !== 0) throw new Error(`run-in.sh: ${r.timedOut ? "timed out" : `exit ${r.code}`}: ${r.stderr}`);
  for (const f of readdirSync(join(share, "results")).filter((f) => f.endsWith(".rc"))) {
    const name = f.slice(0, -3);
    const read = (ext: string) => readFileSync(join(share, "results", `${name}.${ext}`), "utf8");
    results.set(name, { rc: Number(read("rc")), out: read("out"), ms: Number(read("ms")) });
  }
  const slow = [...results].sort((a, b) => b[1].ms - a[1].ms).slice(0, 5).map(([n, x]) => `${n} ${x.ms} ms`);
  console.log(`[pkg] ${Object.entries(timings).map(([k, v]) => `${k}=${v}`).join(" ")}; slowest steps: ${slow.join(", ")}`);
});
afterAll(() => {
  if (share && !process.env.HANFS_PKGTEST_KEEP) rmSync(share, { recursive: true, force: true });
  else if (share) console.log(`[pkg] kept ${share}`);
});

function pick(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => process.env[n]).map((n) => [n, process.env[n]!]));
}

const ok = (name: string) => {
  const r = res(name);
  expect(r.rc, `${name}:\n${r.out}`).toBe(0);
  return r.out;
};
/** no warning or error lines (apt's note about its unstable CLI aside) */
const clean = (out: string) => out.split("\n").filter((l) => /warning|error/i.test(l) && !/apt does not have a stable CLI interface/.test(l));

/** attributes of one XML start tag, whatever their order (crmsh and pcs write them differently) */
const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

/** primitive id -> class:provider:type + sorted instance parameters + ops, from CIB XML */
function primitives(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<primitive ([^>]*)>([\s\S]*?)<\/primitive>/g)) {
    const a = attrs(m[1]);
    const inst = /<instance_attributes[\s\S]*?<\/instance_attributes>/.exec(m[2])?.[0] ?? "";
    const params = [...inst.matchAll(/<nvpair ([^>]*)\/>/g)].map((n) => attrs(n[1])).map((n) => `${n.name}=${n.value}`).sort();
    const ops = [...m[2].matchAll(/<op ([^>]*)\/?>/g)].map((o) => attrs(o[1])).map((o) => `${o.name}@${o.interval}${o.role ? `/${o.role}` : ""}`).sort();
    out[a.id] = `${a.class}:${a.provider ?? ""}:${a.type} ${params.join(" ")} | ${ops.join(" ")}`;
  }
  return out;
}

describe("the Debian package on a clean Debian 12", () => {
  it("installs offline with apt from the local file (README step 1), dependencies already satisfied", () => {
    const out = ok("install-1");
    expect(out).toMatch(/Setting up hanfs \(/);
    expect(out).toMatch(/0 upgraded, 1 newly installed/);
    expect(ok("version")).toMatch(/^hanfs \d+\.\d+\.\d+ /);
    const files = ok("files").split("\n");
    for (const f of ["/usr/lib/hanfs/hanfs", "/usr/lib/hanfs/haproxy-check", "/usr/sbin/hanfs", "/lib/systemd/system/hanfs-haproxy-agent.service", "/usr/share/man/man8/hanfs.8.gz", "/usr/share/doc/hanfs/copyright", "/usr/share/doc/hanfs/examples/hanfs.crm", "/usr/share/doc/hanfs/examples/r0.res", "/usr/share/doc/hanfs/examples/haproxy.cfg"])
      expect(files, f).toContain(f);
    for (const a of AGENT_NAMES) {
      expect(files).toContain(`/usr/lib/ocf/resource.d/hanfs/${a}`);
      expect(files).toContain(`/usr/share/man/man7/ocf_hanfs_${a}.7.gz`);
    }
    expect(ok("agents").trim().split("\n").sort()).toEqual([...AGENT_NAMES].sort());
  });

  it.each(AGENT_NAMES)("crm ra info and pcs resource describe show ocf:hanfs:%s with every parameter", async (a) => {
    const decl = await loadAgent(a);
    const ra = ok(`ra-${a}`);
    const pcs = ok(`describe-${a}`);
    expect(ra).toContain(decl.shortdesc);
    expect(pcs).toMatch(new RegExp(`^ocf:hanfs:${a} - `, "m"));
    for (const p of Object.keys(decl.params)) {
      expect(ra, p).toMatch(new RegExp(`^${p}\\*? \\(`, "m"));
      expect(pcs, p).toMatch(new RegExp(`^  ${p}( \\(required\\))?:`, "m"));
    }
    expect(clean(pcs)).toEqual([]);
  });

  it.each(AGENT_NAMES)("pcs resource create ... ocf:hanfs:%s --no-default-ops works on a CIB file", (a) => {
    ok(`create-${a}`);
    expect(clean(res(`create-${a}`).out)).toEqual([]);
    expect(primitives(ok("agents-cib-show"))[`t_${a}`]).toMatch(new RegExp(`^ocf:hanfs:${a} `));
  });
});

describe("the README walkthrough, as written", () => {
  it("hanfs crm-config --validate: crmsh shadow CIB + crm_verify, drbdadm and haproxy -c all pass on the seed's topology", () => {
    for (const name of [...results.keys()].filter((n) => n.startsWith("generate-"))) ok(name);
    const out = [...results].filter(([n]) => n.startsWith("generate-")).map(([, r]) => r.out).join("\n");
    expect(out).toMatch(/checked: crm configure load update \(crmsh, shadow CIB\) \+ crm_verify: 6 primitives loaded, crm_verify clean/);
    expect(out).toMatch(/checked: drbdadm 8\.4 parse/);
    expect(out).toMatch(/checked: haproxy -c/);
    expect(out).not.toMatch(/FAILED|not checked/);
  });

  it("crm configure load update + crm_verify -L: no warning, the seed's resources on hanfs's agents", () => {
    for (const name of [...results.keys()].filter((n) => /^crm-\d+$/.test(n))) {
      ok(name);
      expect(clean(res(name).out), name).toEqual([]);
    }
    const cib = ok("cib-crm");
    const p = primitives(cib);
    expect(p.drbd_nfs).toMatch(/^ocf:hanfs:drbd drbd_resource=r0 \| .*monitor@10s\/Promoted monitor@20s\/Unpromoted/);
    expect(p.fs_nfs).toMatch(/^ocf:hanfs:Filesystem device=\/dev\/drbd0 directory=\/srv fstype=ext4 /);
    expect(p.nfs).toMatch(/^ocf:hanfs:nfsserver .*nfs_shared_infodir=\/srv\/nfs_shared nfsv4_grace_time=20 nfsv4_lease_time=15/);
    expect(p.fence_alpha).toMatch(/^stonith::fence_ipmilan /);
    expect(cib).toMatch(/<clone id="ms_drbd_nfs">[\s\S]*name="promotable" value="true"/);
    expect(cib).toMatch(/<group id="HA">\s*<meta_attributes[\s\S]*?<primitive id="fs_nfs"[\s\S]*<primitive id="nfs"[\s\S]*<primitive id="export1"/);
    expect(cib).toMatch(/<rsc_colocation id="nfs-on-drbd" score="INFINITY" rsc="HA" with-rsc="ms_drbd_nfs" with-rsc-role="Promoted"\/>/);
    expect(cib).toMatch(/<rsc_order id="fs-nfs-before-nfs" kind="Mandatory" first="ms_drbd_nfs" first-action="promote" then="HA" then-action="start"\/>/);
  });

  it("pcs: the generated commands, crm_verify and cib-push without a warning give the same resources as crmsh", () => {
    for (const name of [...results.keys()].filter((n) => /^pcs-\d+$/.test(n))) {
      ok(name);
      expect(clean(res(name).out), name).toEqual([]);
    }
    const crm = primitives(ok("cib-crm"));
    const pcs = primitives(ok("cib-pcs"));
    expect(Object.keys(pcs).sort()).toEqual(Object.keys(crm).sort());
    for (const id of Object.keys(crm)) expect(pcs[id], id).toBe(crm[id]);
    expect(ok("cib-pcs")).toMatch(/<rsc_colocation [^>]*rsc="HA"[^>]*with-rsc="ms_drbd_nfs"[^>]*with-rsc-role="Promoted"/);
  });
});

describe("removal", () => {
  it("apt remove, then apt purge, leave no file of the package behind", () => {
    ok("remove");
    expect(ok("left-after-remove")).toBe("");
    // "un": not installed, no configuration left either
    expect(res("state-after-remove").out).not.toMatch(/^[a-z]c/);
    ok("purge");
    expect(ok("left-after-purge")).toBe("");
    expect(res("status-after-purge").rc).not.toBe(0);
    expect(existsSync(share)).toBe(true);
  });
});
