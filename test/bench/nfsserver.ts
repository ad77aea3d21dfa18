import { chmodSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { agentIn, machine, runIn, switchOf } from "../integration/ganesha-fixture";
import { Scratch, shOut } from "../integration/fixture";
import { PATH, agentPath, execsOf, options, timeInterleaved, type BaseRow, type Cmd, type Row } from "./lib";

const BIN = resolve(__dirname, "../../dist/hanfs");
const HB = "/usr/lib/ocf/resource.d/heartbeat/nfsserver";

/**
 * nfsserver monitor: hanfs against a running nfs-ganesha (a real RPC NULL round trip) and heartbeat
 * nfsserver on a fake kernel interface (tmpfs on /proc/fs/nfsd: it has no real server to look at,
 * which is its cheapest path). Both run inside one test host's namespaces, timed by hyperfine there.
 * With --baseline, also the other build's nfsserver and exportfs monitors (an export in that ganesha).
 */
export async function benchNfsserver(rows: Row[], verdicts: string[], base: BaseRow[]) {
  const s = new Scratch();
  const root = s.mkdir("root");
  const info = s.mkdir("info");
  const exported = s.mkdir("export");
  const params = { server: "ganesha", nfs_shared_infodir: info, nfsv4_grace_time: "10", nfsv4_lease_time: "10", ganesha_run_dir: "/run/hanfs/ganesha" };
  const exParams = { server: "ganesha", clientspec: "198.51.100.0/24", directory: exported, fsid: "9", ganesha_run_dir: "/run/hanfs/ganesha" };
  const hanfs = agentPath(root, "nfsserver");
  try {
    const host = await machine(s, await switchOf(s), "bnfs", "198.51.100.30");
    await shOut([BIN, "install", "--root", root]);
    if (options.baseline) await shOut([options.baseline, "install", "--root", s.path("baseline")]);
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
    const cmds: Cmd[] = [
      { name: "hanfs", argv: [hanfs, "monitor"], env: env(reskeys(params)), expect: 0 },
      { name: "heartbeat", argv: [HB, "monitor"], env: env({ OCF_RESKEY_nfs_init_script: init }), expect: 7 },
    ];
    const within = ["nsenter", "-t", String(host.pid), "-n", "-m", "-u", "-p", "--"];
    const baseline = options.baseline ? [{ name: "baseline", argv: [agentPath(s.path("baseline"), "nfsserver"), "monitor"], env: env(reskeys(params)), expect: 0 }] : [];
    const t = timeInterleaved([...cmds, ...baseline], 40, 3, within);
    const [he, ae] = cmds.map((c) => execsOf(c, within));
    rows.push({ what: "nfsserver monitor (hanfs: RPC NULL to ganesha; heartbeat: fake kernel, 7)", hanfs: t.get("hanfs")!, anchor: t.get("heartbeat")!, unit: "ms" });
    rows.push({ what: "nfsserver monitor: execs per call", hanfs: he, anchor: ae, unit: "" });
    verdicts.push(`${he === 1 ? "PASS" : "FAIL"} nfsserver monitor execs ${he} (goal exactly 1: it forks nothing)`);
    if (options.baseline) {
      base.push({ what: "nfsserver monitor (ganesha)", hanfs: t.get("hanfs")!, baseline: t.get("baseline")! });
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
