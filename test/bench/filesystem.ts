import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { shOut } from "../integration/fixture";
import { PATH, agentPath, dropCache, execsOf, install, options, timeInterleaved, type BaseRow, type Cmd, type Row } from "./lib";
import { EXES, NODE_BIN, breakdown, measureStartup, nodeLinks, type StartupRow } from "./startup";

const HB = "/usr/lib/ocf/resource.d/heartbeat/Filesystem";
const BIN = resolve(__dirname, "../../dist/hanfs");

/**
 * hanfs Filesystem vs heartbeat Filesystem on the same loop mount, same run: monitor at depth 0
 * (also against the Node SEA, with the start-up breakdown) and 20 (median wall ms, execs per
 * call), meta-data, and stop of a mount held by 50 processes.
 */
export async function benchFilesystem(rows: Row[], verdicts: string[], startup: StartupRow[], base: BaseRow[]) {
  const dir = mkdtempSync("/tmp/hanfs-bench-");
  const img = join(dir, "disk.img");
  let loop = "";
  try {
    const root = join(dir, "root");
    await install(BIN, root);
    const hanfs = agentPath(root, "Filesystem");
    const node = nodeLinks(dir, ["Filesystem"]).Filesystem;
    const baseline = options.baseline && agentPath(join(dir, "baseline"), "Filesystem");
    if (options.baseline) await install(options.baseline, join(dir, "baseline"));
    // every binary as read from disk, not as just written by the build or install (see dropCache)
    await dropCache(NODE_BIN);
    await shOut(["truncate", "-s", "300M", img]);
    await shOut(["mkfs.ext4", "-q", "-F", img]);
    loop = (await shOut(["losetup", "--find", "--show", img])).trim();
    const mp = join(dir, "srv");
    const env = (extra: Record<string, string> = {}) => ({
      PATH, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "bench", HA_LOGFACILITY: "none",
      OCF_RESKEY_device: loop, OCF_RESKEY_directory: mp, OCF_RESKEY_fstype: "ext4",
      OCF_RESKEY_CRM_meta_interval: "20000", OCF_RESKEY_CRM_meta_timeout: "20000", ...extra,
    });
    if (spawnSync(hanfs, ["start"], { env: env(), timeout: 60_000 }).status !== 0) throw new Error("hanfs start failed");

    const cmds = (depth: string): Cmd[] => [
      { name: `hanfs d${depth}`, argv: [hanfs, "monitor"], env: env({ OCF_CHECK_LEVEL: depth }), expect: 0 },
      { name: `heartbeat d${depth}`, argv: [HB, "monitor"], env: env({ OCF_CHECK_LEVEL: depth }), expect: 0 },
    ];
    const baseCmd = (depth: string): Cmd[] => (baseline ? [{ name: "baseline", argv: [baseline, "monitor"], env: env({ OCF_CHECK_LEVEL: depth }), expect: 0 }] : []);
    // depth 0: Bun, Node SEA and heartbeat in one run (the start-up table), and --baseline's build; depth 20: hanfs and heartbeat
    const d0 = measureStartup("Filesystem monitor depth 0", [
      ...[hanfs, node, HB].map((a, i) => ({ name: EXES[i], argv: [a, "monitor"], env: env({ OCF_CHECK_LEVEL: "0" }), expect: 0 })),
      ...baseCmd("0"),
    ]);
    startup.push(...d0);
    const [bun0, node0, hb0, base0] = d0;
    if (base0) base.push({ what: "Filesystem monitor depth 0", hanfs: bun0.ms, baseline: base0.ms });
    rows.push({ what: "Filesystem monitor depth 0 (median of 40)", hanfs: bun0.ms, anchor: hb0.ms, unit: "ms" });
    rows.push({ what: "Filesystem monitor depth 0: execs per call", hanfs: bun0.execs, anchor: hb0.execs, unit: "" });
    const [r0, rn] = [bun0.ms / hb0.ms, bun0.ms / node0.ms];
    verdicts.push(`${r0 <= 0.5 ? "PASS" : "FAIL"} monitor depth 0 median ratio to heartbeat ${r0.toFixed(2)} (goal <= 0.50; heartbeat ${hb0.ms.toFixed(1)} ms here)`);
    verdicts.push(`${rn <= 0.6 ? "PASS" : "FAIL"} monitor depth 0 median ratio to the Node SEA ${rn.toFixed(2)} (goal <= 0.60)`);
    verdicts.push(`${bun0.rssMb <= 30 ? "PASS" : "FAIL"} monitor depth 0 max RSS ${bun0.rssMb.toFixed(1)} MB (goal <= 30 MB; Node SEA ${node0.rssMb.toFixed(1)} MB)`);
    verdicts.push(`${bun0.execs === 1 ? "PASS" : "FAIL"} monitor depth 0 execs ${bun0.execs} (goal exactly 1)`);
    const t = timeInterleaved([...cmds("20"), ...baseCmd("20")]);
    if (baseline) base.push({ what: "Filesystem monitor depth 20", hanfs: t.get("hanfs d20")!, baseline: t.get("baseline")! });
    rows.push({ what: "Filesystem monitor depth 20 (median of 40)", hanfs: t.get("hanfs d20")!, anchor: t.get("heartbeat d20")!, unit: "ms" });
    const [he, ae] = cmds("20").map((c) => execsOf(c));
    rows.push({ what: "Filesystem monitor depth 20: execs per call", hanfs: he, anchor: ae, unit: "" });
    startup.push(...measureStartup("Filesystem meta-data", [hanfs, node, HB].map((a, i) => ({ name: EXES[i], argv: [a, "meta-data"], env: env(), expect: 0 }))));
    startup.push(...(await breakdown(dir, env(), [hanfs, "meta-data"], [hanfs, "monitor"])));

    // stop with 50 holders (cwd, open fd, mapped binary) that obey TERM; remount between runs
    for (const [name, agent] of [["hanfs", hanfs], ["heartbeat", HB]] as const) {
      if (spawnSync(hanfs, ["start"], { env: env(), timeout: 60_000 }).status !== 0) throw new Error("remount failed");
      const ms = await busyStop(agent, env({ OCF_RESKEY_CRM_meta_timeout: "60000" }), mp);
      rows.push({ what: `Filesystem stop, 50 holders obeying TERM (${name})`, hanfs: name === "hanfs" ? ms : NaN, anchor: name === "heartbeat" ? ms : NaN, unit: "ms" });
    }
    const [a, b] = rows.slice(-2);
    rows.splice(-2, 2, { what: "Filesystem stop, 50 holders obeying TERM", hanfs: a.hanfs, anchor: b.anchor, unit: "ms" });
    if (spawnSync(hanfs, ["start"], { env: env(), timeout: 60_000 }).status !== 0) throw new Error("remount failed");
    const ign = await busyStop(hanfs, env({ OCF_RESKEY_CRM_meta_timeout: "60000" }), mp, true);
    rows.push({ what: "Filesystem stop, 50 holders IGNORING TERM (anchor: 46.8 s, baselines)", hanfs: ign, anchor: 46_809, unit: "ms" });
  } finally {
    spawnSync("umount", ["-R", join(dir, "srv")], { timeout: 10_000 });
    if (loop) spawnSync("losetup", ["-d", loop], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function busyStop(agent: string, env: Record<string, string>, mp: string, ignoreTerm = false): Promise<number> {
  mkdirSync(`${mp}/work`, { recursive: true });
  writeFileSync(`${mp}/data`, "x");
  copyFileSync("/usr/bin/sleep", `${mp}/sleep`);
  const trap = ignoreTerm ? 'trap "" TERM; ' : "";
  const kids = Array.from({ length: 50 }, (_, i) => {
    const argv = [["bash", "-c", `${trap}exec sleep 600`], ["bash", "-c", `${trap}exec 3<${mp}/data; exec sleep 600`], ["bash", "-c", `${trap}exec ${mp}/sleep 600`]][i % 3];
    return spawn(argv[0], argv.slice(1), { cwd: i % 3 === 0 ? `${mp}/work` : "/", stdio: "ignore" });
  });
  try {
    const end = Date.now() + 10_000;
    while (spawnSync("umount", [mp], { timeout: 5000 }).status === 0 || kids.some((k) => !k.pid)) {
      if (Date.now() > end) throw new Error("holders did not start");
      spawnSync("mount", [env.OCF_RESKEY_device, mp], { timeout: 5000 });
    }
    const t0 = Date.now();
    const r = await new Promise<number | null>((res) => spawn(agent, ["stop"], { env, stdio: "ignore" }).on("close", res));
    if (r !== 0) throw new Error(`${agent} stop: exit ${r}`);
    return Date.now() - t0;
  } finally {
    for (const k of kids) k.kill("SIGKILL");
  }
}
