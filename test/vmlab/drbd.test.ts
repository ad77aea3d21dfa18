import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTopology, EXAMPLE } from "../../src/config/topology";
import { renderDrbd } from "../../src/config/drbd-res";
import { parseEvents2, type DrbdResource } from "../../src/drbd/events2";
import { parseProcDrbd, resourceFromProc } from "../../src/drbd/proc";
import { until } from "../lib/sh";
import { say, VmLab } from "./lib/lab";

// ocf:hanfs:drbd on real DRBD 8.4.11 (Debian 12's kernel module, drbd-utils 9.22 re-executing
// drbdsetup-84): r0 on one backing disk per node, initial sync, then ocf-tester's full cycle
// (promote/demote included) on alpha against a connected delta, crm_resource --validate with the
// clone's meta attributes, and the meta-data as nobody against resource-agents' ra-api-1.dtd.
// No cluster: ocf-tester runs the agent directly, and the promotion score's crm_attribute only warns.

const AGENT = "/usr/lib/ocf/resource.d/hanfs/drbd";
/** ocf-tester runs this: the agent, then (as root) the action, its exit code, seconds and /proc/drbd appended to TRACE */
const TRACED = "/usr/local/sbin/hanfs-drbd-traced";
const TRACE = "/run/hanfs-drbd-trace.log";
const CLONE_META = { notify: "true", clone_max: "2", clone_node_max: "1", promoted_max: "1", promoted_node_max: "1" };
/** the lab's data disks: 64 MB keeps the initial sync short under emulation */
const DISK_MB = 64;

const secs = (ms: number) => Math.round(ms / 100) / 10;

/** The fields the agent's policy reads, as both sources give them. */
function essentials(r: DrbdResource | undefined) {
  if (!r) return undefined;
  return {
    role: r.role,
    disks: r.devices.map((d) => [d.minor, d.disk]),
    connections: r.connections.map((c) => [c.state, c.peerRole]),
    peerDevices: r.peerDevices.map((p) => [p.volume, p.replication, p.peerDisk]),
  };
}

describe("ocf:hanfs:drbd on real DRBD 8.4", () => {
  let lab: VmLab;
  const phases: Record<string, number> = {};
  const captures: Record<string, { proc: string; events2: string; rc: number; stderr: string }> = {};
  const t0 = Date.now();

  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await f();
    } finally {
      phases[name] = secs(Date.now() - t);
    }
  };
  const sh = (node: string, cmd: string, timeoutMs = 60_000) => lab.exec(node, cmd, { timeoutMs });

  /** /proc/drbd and `drbdsetup events2 --now r0` read together, kept under `label` (fixtures for the unit tests). */
  const capture = async (node: string, label: string) => {
    const r = await sh(node, "cat /proc/drbd; echo @@@; drbdsetup events2 --now r0 2>/tmp/events2.err; echo \"@@@$?\"; cat /tmp/events2.err", 30_000);
    const [proc, events2, tail] = r.stdout.split("@@@");
    const c = { proc, events2: events2.replace(/^\n/, ""), rc: Number(tail.split("\n")[0]), stderr: tail.split("\n").slice(1).join("\n") };
    captures[`${node}-${label}`] = c;
    return c;
  };
  const procOf = async (node: string) => (await sh(node, "cat /proc/drbd", 30_000)).stdout;

  beforeAll(async () => {
    lab = await VmLab.up({ client: false, dataDiskMb: DISK_MB });
  });
  afterAll(async () => {
    const dir = process.env.HANFS_VMLAB_LOGS;
    // kept next to the run's consoles: the unit fixtures in test/unit/fixtures/drbd-8.4.11 come from here
    if (dir && lab && Object.keys(captures).length) {
      const to = join(dir, lab.run.id, "drbd-captures");
      mkdirSync(to, { recursive: true });
      for (const [k, v] of Object.entries(captures)) {
        writeFileSync(join(to, `${k}.proc`), v.proc);
        writeFileSync(join(to, `${k}.events2`), v.events2);
        writeFileSync(join(to, `${k}.events2-exit`), `${v.rc}\n${v.stderr}`);
      }
    }
    await lab?.down();
    say(`drbd.test: ${secs(Date.now() - t0)} s; lab ${lab?.report()}; phases ${JSON.stringify(phases)}`);
  });

  it("r0 (crm-config's renderer, one backing disk per node): create-md, up, forced initial sync to UpToDate/UpToDate, down", async () => {
    const ex = buildTopology(EXAMPLE, {});
    expect(ex.nodes.map((n) => n.address)).toEqual(lab.nodes.map((v) => v.addr));
    const res = renderDrbd(ex);
    expect(res).toContain("fencing resource-only;");
    expect(res).toContain('fence-peer "/usr/lib/hanfs/drbd-fence-peer";');
    expect(res).toContain('after-resync-target "/usr/lib/hanfs/drbd-unfence-peer";');
    await timed("create", () =>
      Promise.all(
        lab.nodes.map(async (v) => {
          await v.writeFile("/etc/drbd.d/r0.res", res);
          // the lab's data disk is /dev/vdb on each node, its own file on the host
          await v.exec("test \"$(readlink -f /dev/disk/by-id/virtio-data)\" = /dev/vdb && modprobe drbd && drbdadm create-md --force r0 && drbdadm up r0", { timeoutMs: 120_000 });
        }),
      ),
    );
    // both Inconsistent until one side is forced to be the source
    await until("r0 connected Inconsistent/Inconsistent on alpha", 120_000, async () => /cs:Connected ro:Secondary\/Secondary ds:Inconsistent\/Inconsistent/.test(await procOf("alpha")), 1000);
    await capture("alpha", "connected-inconsistent");
    await timed("sync", async () => {
      await sh("alpha", "drbdadm primary --force r0");
      let sawSync = false;
      await until(
        "the initial sync to UpToDate/UpToDate",
        600_000,
        async () => {
          const p = await procOf("alpha");
          if (!sawSync && /cs:SyncSource/.test(p)) {
            sawSync = true;
            await capture("alpha", "syncsource-primary");
            await capture("delta", "synctarget");
          }
          return /cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/.test(p);
        },
        1000,
      );
    });
    await capture("alpha", "connected-primary");
    await capture("delta", "connected-secondary-peer-primary");
    await sh("alpha", "drbdadm secondary r0");
    await capture("alpha", "connected-secondary");
    await sh("delta", "drbdadm down r0");
    await until("alpha to notice delta is gone", 60_000, async () => /cs:WFConnection/.test(await procOf("alpha")), 500);
    await capture("alpha", "wfconnection");
    await sh("alpha", "drbdadm disconnect r0");
    await capture("alpha", "standalone");
    await sh("alpha", "drbdadm down r0");
    const after = await capture("alpha", "down");
    expect(after.proc).toMatch(/^version: 8\.4\.11 /m);
    expect(after.proc).not.toMatch(/^\s*0: cs:/m);
    expect(parseEvents2(after.events2, "r0").resources.get("r0")).toBeUndefined();
    say(`events2 --now for a resource the kernel does not know: exit ${after.rc}, stdout ${JSON.stringify(after.events2)}, stderr ${JSON.stringify(after.stderr)}`);
  }, 900_000);

  it("the monitor's two sources agree on real 8.4: /proc/drbd (no fork) and drbdsetup-84 events2", () => {
    const seen = Object.keys(captures);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    for (const [k, { proc, events2, rc }] of Object.entries(captures)) {
      if (k !== "alpha-down") expect(rc, k).toBe(0);
      const p = parseProcDrbd(proc);
      expect(p.version && `${p.version.major}.${p.version.minor}.${p.version.patch}`, k).toBe("8.4.11");
      const fromEvents = parseEvents2(events2, "r0").resources.get("r0");
      const fromProc = resourceFromProc(p, "r0", [0]);
      expect(essentials(fromProc), `${k}:\n${proc}\n${events2}`).toEqual(essentials(fromEvents));
    }
  });

  it("ocf-tester passes on alpha with promote/demote against a connected delta; each step's real state is as expected", async () => {
    await sh("delta", "drbdadm up r0");
    await lab.vm("alpha").writeFile(
      TRACED,
      [
        "#!/bin/sh",
        `t0=$(date +%s.%N); ${AGENT} "$@"; rc=$?`,
        `if [ "$(id -u)" = 0 ] && [ "$1" != meta-data ]; then { echo "=== $1 rc=$rc $t0 $(date +%s.%N)"; cat /proc/drbd; } >>${TRACE}; fi`,
        "exit $rc",
        "",
      ].join("\n"),
      "0755",
    );
    const opts = Object.entries(CLONE_META).flatMap(([k, v]) => ["-o", `CRM_meta_${k}=${v}`]);
    // ocf-tester's own default timeout is 20 s per action; the agent's advertised ones are 90 s (promote, demote) to 240 s (start)
    const argv = ["ocf-tester", "-v", "-n", "p_drbd_r0", "-o", "drbd_resource=r0", "-o", "CRM_meta_timeout=90000", ...opts, TRACED];
    const r = await timed("ocf-tester", () => lab.exec("alpha", argv, { timeoutMs: 900_000, check: false, env: ["OCF_ROOT=/usr/lib/ocf"] }));
    const trace = (await sh("alpha", `cat ${TRACE}`)).stdout;
    say(`ocf-tester (${r.ms ?? "?"} ms):\n${r.stdout}\n${r.stderr}`);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${trace}`).toBe(0);
    expect(r.stdout).toContain("passed all tests");

    // each traced call: action, exit code, seconds, and /proc/drbd right after it
    const steps = trace
      .split("=== ")
      .slice(1)
      .map((s) => {
        const [head, ...rest] = s.split("\n");
        const [action, rc, a, b] = head.split(" ");
        return { action, rc: Number(rc.slice(3)), s: Math.round((Number(b) - Number(a)) * 10) / 10, proc: rest.join("\n") };
      });
    say(`ocf-tester steps: ${steps.map((s) => `${s.action} ${s.rc} ${s.s}s`).join(", ")}`);
    const promotes = steps.filter((s) => s.action === "promote" && s.rc === 0);
    expect(promotes.length).toBeGreaterThanOrEqual(3);
    for (const p of promotes) expect(p.proc).toMatch(/^\s*0: cs:Connected ro:Primary\/Secondary ds:UpToDate\/UpToDate/m);
    for (const d of steps.filter((s) => s.action === "demote")) expect(d.proc).toMatch(/^\s*0: cs:Connected ro:Secondary\/Secondary ds:UpToDate\/UpToDate/m);
    const starts = steps.filter((s) => s.action === "start");
    expect(starts.length).toBeGreaterThanOrEqual(3);
    for (const s of starts) expect(s.rc).toBe(0);
    for (const s of steps.filter((s) => s.action === "stop")) {
      expect(s.rc).toBe(0);
      expect(s.proc).not.toMatch(/^\s*0: cs:/m);
    }
    // a monitor right after a start with the peer connected: running, not degraded
    const monitors = steps.filter((s) => s.action === "monitor").map((s) => s.rc);
    expect(monitors).toContain(0);
    expect(monitors).not.toContain(190);
    // ocf-tester ends stopped: r0 unconfigured on alpha, delta waiting for it
    expect(await procOf("alpha")).not.toMatch(/^\s*0: cs:/m);
    expect(await procOf("delta")).toMatch(/^\s*0: cs:WFConnection ro:Secondary\/Unknown ds:UpToDate\/DUnknown/m);
  }, 1_000_000);

  it("crm_resource --validate with the clone's meta attributes: 0; clone-node-max=2 refused with the reason", async () => {
    const base = ["crm_resource", "--validate", "--class", "ocf", "--provider", "hanfs", "--agent", "drbd", "--option", "drbd_resource=r0"];
    const meta = (m: Record<string, string>) => Object.entries(m).flatMap(([k, v]) => ["--option", `CRM_meta_${k}=${v}`]);
    const ok = await timed("validate", () => lab.exec("alpha", [...base, ...meta(CLONE_META)], { timeoutMs: 120_000, check: false }));
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const bad = await lab.exec("alpha", [...base, ...meta({ ...CLONE_META, clone_node_max: "2" })], { timeoutMs: 120_000, check: false });
    expect(bad.code, bad.stdout + bad.stderr).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/clone-node-max must be 1/);
  });

  it("meta-data as nobody is the same XML as root's and is valid against ra-api-1.dtd (xmllint in the guest)", async () => {
    const dtd = "cd /usr/share/resource-agents && test -r ra-api-1.dtd";
    const asNobody = `runuser -u nobody -- ${AGENT} meta-data`;
    const r = await sh("alpha", `${dtd} && ${asNobody} >/tmp/md-nobody.xml && ${AGENT} meta-data >/tmp/md-root.xml && cmp /tmp/md-nobody.xml /tmp/md-root.xml && xmllint --noout --valid - </tmp/md-nobody.xml && echo VALID`);
    expect(r.stdout).toContain("VALID");
    // the check can fail: the same XML without its <actions> is not valid
    const broken = await lab.exec("alpha", `${dtd} && sed '/<actions>/,/<\\/actions>/d' /tmp/md-nobody.xml | xmllint --noout --valid -`, { timeoutMs: 60_000, check: false });
    expect(broken.code).not.toBe(0);
  });
});
