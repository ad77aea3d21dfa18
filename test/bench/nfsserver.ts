import { chmodSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { agentIn, machine, runIn, switchOf } from "../integration/ganesha-fixture";
import { Scratch } from "../integration/fixture";
import { PATH, agentPath, dropCache, install, options, timeInterleaved, type BaseRow, type Row } from "./lib";
import { EXES, NODE_BIN, measureStartup, nodeLinks, type StartupRow } from "./startup";

const BIN = resolve(__dirname, "../../dist/hanfs");
const HB = "/usr/lib/ocf/resource.d/heartbeat/nfsserver";

/**
 * nfsserver monitor: hanfs (Bun and Node SEA) against a running nfs-ganesha (a real RPC NULL round
 * trip) and heartbeat nfsserver on a fake kernel interface (tmpfs on /proc/fs/nfsd: it has no real
 * server to look at, which is its cheapest path); haproxy-check of the same ganesha (Bun and Node
 * SEA; heartbeat has none). All run inside one test host's namespaces, timed by hyperfine there.
 * With --baseline, also the other build's nfsserver and exportfs monitors (an export in that ganesha).
 */
export async function benchNfsserver(rows: Row[], verdicts: string[], startup: StartupRow[], base: BaseRow[]) {
  const s = new Scratch();
  const root = s.mkdir("root");
  const info = s.mkdir("info");
  const exported = s.mkdir("export");
  const params = { server: "ganesha", nfs_shared_infodir: info, nfsv4_grace_time: "10", nfsv4_lease_time: "10", ganesha_run_dir: "/run/hanfs/ganesha" };
  const exParams = { server: "ganesha", clientspec: "198.51.100.0/24", directory: exported, fsid: "9", ganesha_run_dir: "/run/hanfs/ganesha" };
  const hanfs = agentPath(root, "nfsserver");
  try {
    const host = await machine(s, await switchOf(s), "bnfs", "198.51.100.30");
    await install(BIN, root);
    if (options.baseline) await install(options.baseline, s.path("baseline"));
    const st = await agentIn(host, hanfs, "start", params);
    if (st.code !== 0) throw new Error(`hanfs nfsserver start: ${st.stderr}`);
    for (const argv of [["mount", "-t", "tmpfs", "hanfs-bench-nfsd", "/proc/fs/nfsd"], ["sh", "-c", "echo 0 > /proc/fs/nfsd/threads"]]) {
      const r = await runIn(host, argv);
      if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
    }
    const env = (extra: Record<string, string>) => ({ PATH, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "nfs", HA_LOGFACILITY: "none", OCF_RESKEY_CRM_meta_interval: "10000", OCF_RESKEY_CRM_meta_timeout: "20000", ...extra });
    const reskeys = (p: Record<string, string>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [`OCF_RESKEY_${k}`, v]));
    // heartbeat needs an init script (no systemd here): a stand-in that says "not running"
    const init = s.path("nfs-kernel-server");
    writeFileSync(init, "#!/bin/sh\nexit 3\n");
    chmodSync(init, 0o755);
    const node = nodeLinks(s.dir, ["nfsserver", "haproxy-check"]);
    await dropCache(NODE_BIN);
    const hanfsEnv = env(reskeys(params));
    const within = ["nsenter", "-t", String(host.pid), "-n", "-m", "-u", "-p", "--"];
    const baseline = options.baseline ? [{ name: "baseline", argv: [agentPath(s.path("baseline"), "nfsserver"), "monitor"], env: hanfsEnv, expect: 0 }] : [];
    const mon = measureStartup("nfsserver monitor", [
      { name: EXES[0], argv: [hanfs, "monitor"], env: hanfsEnv, expect: 0 },
      { name: EXES[1], argv: [node.nfsserver, "monitor"], env: hanfsEnv, expect: 0 },
      { name: EXES[2], argv: [HB, "monitor"], env: env({ OCF_RESKEY_nfs_init_script: init }), expect: 7 },
      ...baseline,
    ], within);
    startup.push(...mon);
    rows.push({ what: "nfsserver monitor (hanfs: RPC NULL to ganesha; heartbeat: fake kernel, 7)", hanfs: mon[0].ms, anchor: mon[2].ms, unit: "ms" });
    rows.push({ what: "nfsserver monitor: execs per call", hanfs: mon[0].execs, anchor: mon[2].execs, unit: "" });
    verdicts.push(`${mon[0].execs === 1 ? "PASS" : "FAIL"} nfsserver monitor execs ${mon[0].execs} (goal exactly 1: it forks nothing)`);
    verdicts.push(`${mon[0].ms < mon[1].ms ? "PASS" : "FAIL"} nfsserver monitor ${mon[0].ms.toFixed(1)} ms on Bun, ${mon[1].ms.toFixed(1)} ms on the Node SEA (goal: faster)`);
    // haproxy-check as haproxy runs it: argv of addresses, environment replaced, default settings
    const checkEnv = { PATH: "/usr/bin:/bin", HANFS_CHECK_CONF: s.path("no-such.conf"), HAPROXY_PROXY_NAME: "nfs", HAPROXY_SERVER_NAME: "bnfs" };
    const args = ["198.51.100.100", "2049", "198.51.100.30", "2049"];
    const chk = measureStartup("haproxy-check (ganesha up)", [
      { name: EXES[0], argv: [join(root, "usr/lib/hanfs/haproxy-check"), ...args], env: checkEnv, expect: 0 },
      { name: EXES[1], argv: [node["haproxy-check"], ...args], env: checkEnv, expect: 0 },
    ], within);
    startup.push(...chk);
    verdicts.push(`${chk[0].ms < chk[1].ms ? "PASS" : "FAIL"} haproxy-check ${chk[0].ms.toFixed(1)} ms on Bun, ${chk[1].ms.toFixed(1)} ms on the Node SEA (goal: faster)`);
    if (options.baseline) {
      base.push({ what: "nfsserver monitor (ganesha)", hanfs: mon[0].ms, baseline: mon[3].ms });
      const ex = await agentIn(host, agentPath(root, "exportfs"), "start", exParams, { OCF_RESOURCE_INSTANCE: "exp" });
      if (ex.code !== 0) throw new Error(`hanfs exportfs start: ${ex.stderr}`);
      const exEnv = env({ ...reskeys(exParams), OCF_RESOURCE_INSTANCE: "exp" });
      const te = timeInterleaved(
        [
          { name: "hanfs", argv: [agentPath(root, "exportfs"), "monitor"], env: exEnv, expect: 0 },
          { name: "baseline", argv: [agentPath(s.path("baseline"), "exportfs"), "monitor"], env: exEnv, expect: 0 },
        ],
        40,
        3,
        within,
      );
      base.push({ what: "exportfs monitor (ganesha)", hanfs: te.get("hanfs")!, baseline: te.get("baseline")! });
      await agentIn(host, agentPath(root, "exportfs"), "stop", exParams, { OCF_RESOURCE_INSTANCE: "exp" });
    }
    await agentIn(host, hanfs, "stop", params);
  } finally {
    s.cleanup();
  }
}
