import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../lib/sh";
import { startedOn, summarize, type Status } from "../lab/lib/status";
import { say, VmLab } from "./lib/lab";
import { chunkMd5, cibOps, criticalPath, graceEvents, haproxyChanges, longestGap, opsSince, Sampler, SEED_TOPOLOGY, setupSeed, replicationLink, fencePeerExits, Writer, type EventReport, type SeedSetup, type Write } from "./lib/seed";

// The seed tutorial end to end on real DRBD 8.4.11 and Debian's kernel nfsd, with hanfs's agents:
// `hanfs crm-config` renders the seed's topology (r0, the crm configuration with fencing, haproxy
// in front), crmsh loads it, and the client VM mounts NFSv4.2 through haproxy while a writer
// fsyncs 16 KiB chunks: standby of the serving node, its return, failback, then a power cut of
// the serving node mid-write (fenced through the host). Every fsynced byte is checked over NFS and
// on the Primary's disk; both nodes are sampled throughout for two Primaries or two mounts.

const MNT = "/mnt/nfs";
const secs = (ms: number) => Math.round(ms / 100) / 10;
const other = (n: string) => (n === "alpha" ? "delta" : "alpha");
const promotedOn = (s: Status) => s.resources.filter((r) => r.id === "drbd_nfs" && r.role === "Promoted").flatMap((r) => r.nodes);
const serving = (s: Status) => {
  const p = promotedOn(s);
  const on = startedOn(s, "export1");
  return p.length === 1 && on === p[0] && startedOn(s, "fs_nfs") === on && startedOn(s, "nfs") === on ? on : undefined;
};

describe("the seed's failover test on real DRBD 8.4 and kernel NFS, hanfs agents, kernel client through haproxy", () => {
  let lab: VmLab;
  let sampler: Sampler;
  let writer: Writer;
  const reports: EventReport[] = [];
  let setup: SeedSetup;
  const bigs: { file: string; md5: string }[] = [];
  const t0 = Date.now();
  const c = (cmd: string | string[], timeoutMs = 120_000) => lab.exec("client", cmd, { timeoutMs });
  const on = (node: string, cmd: string | string[], timeoutMs = 120_000) => lab.exec(node, cmd, { timeoutMs });

  beforeAll(async () => {
    lab = await VmLab.up({ client: true, cluster: true, dataDiskMb: 512 });
  }, 1_200_000);
  afterAll(async () => {
    await sampler?.stop();
    const dir = process.env.HANFS_VMLAB_LOGS;
    if (dir && lab) {
      mkdirSync(join(dir, lab.run.id), { recursive: true });
      writeFileSync(join(dir, lab.run.id, "seed-report.json"), JSON.stringify(reports, null, 2));
      // the guests' journals (volatile: gone with the VMs) next to their consoles
      for (const v of lab.vms.filter((x) => x.isOn())) {
        const j = await v.exec(["journalctl", "-o", "short-precise", "--no-pager"], { timeoutMs: 120_000, check: false }).catch(() => undefined);
        if (j) writeFileSync(join(dir, lab.run.id, `${v.name}-journal.txt`), j.stdout);
      }
    }
    await lab?.down();
    say(`seed.test: ${secs(Date.now() - t0)} s; lab ${lab?.report()}`);
  });

  it("hanfs crm-config renders the seed's topology for the lab; r0 made on both nodes; crmsh loads the configuration without a warning", async () => {
    setup = await setupSeed(lab, SEED_TOPOLOGY);
    expect(setup.files["hanfs.crm"]).toMatch(/^primitive drbd_nfs ocf:hanfs:drbd/m);
    expect(setup.files["r0.res"]).toContain('fence-peer "/usr/lib/hanfs/drbd-fence-peer";');
    say(`crm configure load update: ${setup.load.ms} ms; stdout ${JSON.stringify(setup.load.stdout)} stderr ${JSON.stringify(setup.load.stderr)}`);
    expect(setup.load.stderr).not.toMatch(/WARNING|ERROR/i);
    expect(setup.verify.code, setup.verify.stdout + setup.verify.stderr).toBe(0);
    expect(setup.verify.stderr).toBe("");

    const s = await lab.waitFor(serving, 900_000, "the group HA started with DRBD Promoted under it");
    say(`serving: ${serving(s)} (${summarize(s)})`);
    expect(promotedOn(s)).toEqual([serving(s)]);
    // the Unpromoted instance runs on the other node, connected
    expect(s.resources.filter((r) => r.id === "drbd_nfs" && r.role === "Unpromoted").flatMap((r) => r.nodes)).toEqual([other(serving(s)!)]);
  }, 1_800_000);

  it("the client mounts NFSv4.2 and NFSv3 through haproxy (crm-config's haproxy.cfg, hanfs's health check); 50 MB with fsync read back intact", async () => {
    const cl = lab.vm("client");
    await c(`mkdir -p ${MNT} /mnt/nfs3`);
    // until haproxy has a healthy server behind it
    const t = Date.now();
    await until("the NFSv4.2 mount through haproxy", 300_000, async () => (await lab.exec("client", `mount -t nfs -o vers=4.2,hard,timeo=100 ${cl.addr}:/srv/export ${MNT}`, { timeoutMs: 60_000, check: false })).code === 0, 1000);
    say(`NFSv4.2 mount through haproxy after ${Date.now() - t} ms`);
    const opts = (await c(["findmnt", "-rn", "-o", "FSTYPE,OPTIONS", MNT])).stdout;
    expect(opts).toMatch(/^nfs4 .*\bvers=4\.2\b/);
    // v3: MOUNT on the fixed mountd port through haproxy, no NLM (not recoverable behind a proxy)
    await until("the NFSv3 mount through haproxy", 120_000, async () => (await lab.exec("client", `mount -t nfs -o vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,hard ${cl.addr}:/srv/export /mnt/nfs3`, { timeoutMs: 60_000, check: false })).code === 0, 1000);
    await c("echo v3-through-haproxy >/mnt/nfs3/v3.txt && sync /mnt/nfs3/v3.txt && umount /mnt/nfs3");
    expect((await c(`cat ${MNT}/v3.txt`)).stdout).toBe("v3-through-haproxy\n");

    for (const [name, mb] of [["big50", 50], ["big100", 100], ["big50b", 50]] as const) {
      await c(`head -c ${mb}M /dev/urandom >/root/${name}`, 300_000);
      bigs.push({ file: name, md5: (await c(["md5sum", `/root/${name}`])).stdout.split(" ")[0] });
    }
    const d = Date.now();
    await c(`dd if=/root/big50 of=${MNT}/big50 bs=1M conv=fsync status=none`, 600_000);
    say(`dd 50 MB with fsync through haproxy: ${Date.now() - d} ms`);
    expect(await md5Over(`${MNT}/big50`)).toBe(bigs[0].md5);

    sampler = new Sampler(lab);
    sampler.start();
    writer = new Writer(cl, `${MNT}/w`);
    await writer.start();
  }, 1_800_000);

  it("standby of the serving node while writing (a 100 MB dd in flight): the group moves, no fencing, writes resume", async () => {
    const from = serving(await lab.status())!;
    const dd = c(`dd if=/root/big100 of=${MNT}/big100 bs=1M conv=fsync status=none`, 900_000);
    await waitWrites(3);
    const r = await move("standby", from, () => on(from, ["crm_attribute", "--node", from, "--name", "standby", "--update", "on"], 60_000));
    await dd;
    expect(await md5Over(`${MNT}/big100`)).toBe(bigs[1].md5);
    expect(r.fenced).toEqual([]);
    // back online: with resource-stickiness nothing moves; DRBD there resyncs and is Unpromoted
    await on(from, ["crm_attribute", "--node", from, "--name", "standby", "--update", "off"], 60_000);
    const s = await lab.waitFor((x: Status) => serving(x) === other(from) && x.resources.some((q) => q.id === "drbd_nfs" && q.role === "Unpromoted" && q.nodes.includes(from)), 600_000, `${from} back, Unpromoted`);
    expect(serving(s)).toBe(other(from));
    await c(`dd if=/root/big50b of=${MNT}/big50b bs=1M conv=fsync status=none`, 600_000);
    expect(await md5Over(`${MNT}/big50b`)).toBe(bigs[2].md5);
  }, 1_800_000);

  it("failback: standby of the other node moves the group back; no fencing", async () => {
    const from = serving(await lab.status())!;
    await waitWrites(3);
    const r = await move("failback", from, () => on(from, ["crm_attribute", "--node", from, "--name", "standby", "--update", "on"], 60_000));
    expect(r.fenced).toEqual([]);
    await on(from, ["crm_attribute", "--node", from, "--name", "standby", "--update", "off"], 60_000);
    await lab.waitFor((x: Status) => x.resources.some((q) => q.id === "drbd_nfs" && q.role === "Unpromoted" && q.nodes.includes(from)), 600_000, `${from} back, Unpromoted`);
  }, 1_800_000);

  it("power cut of the serving node mid-write: fenced, the group moves, the fence-peer constraint holds until the node is back and resynced", async () => {
    const from = serving(await lab.status())!;
    await waitWrites(3);
    const fencesBefore = lab.fence.events.length;
    const r = await move("crash", from, () => lab.vm(from).powerOff());
    expect(lab.fence.events.length).toBeGreaterThan(fencesBefore);
    // delta promoted with its peer unknown: DRBD called hanfs's fence-peer handler
    const id = "drbd-fence-by-handler-r0-ms_drbd_nfs";
    const cons = await on(r.to, ["cibadmin", "-Q", "--xpath", `//rsc_location[@id='${id}']`], 60_000);
    expect(cons.stdout).toContain(`id="${id}"`);
    // the fenced node boots, rejoins, resyncs as SyncTarget, and the unfence handler removes the constraint
    await lab.waitFor((x: Status) => x.resources.some((q) => q.id === "drbd_nfs" && q.role === "Unpromoted" && q.nodes.includes(from)), 900_000, `${from} back after fencing, Unpromoted`);
    await until("the fence constraint removed after resync", 600_000, async () => !(await lab.exec(r.to, ["cibadmin", "-Q", "--xpath", `//rsc_location[@id='${id}']`], { timeoutMs: 60_000, check: false })).stdout.includes(id), 1000);
    expect(await lab.exec(from, "cat /proc/drbd", { timeoutMs: 30_000 }).then((x) => x.stdout)).toMatch(/cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
  }, 2_400_000);

  it("replication link cut while writing: hanfs's fence-peer places its constraint and exits 4, the Unpromoted node is not promoted, the constraint goes after the link is back and resynced", async () => {
    const s0 = await lab.status();
    const primary = serving(s0)!;
    const peer = other(primary);
    const id = "drbd-fence-by-handler-r0-ms_drbd_nfs";
    const constraint = async () => (await lab.exec(primary, ["cibadmin", "-Q", "--xpath", `//rsc_location[@id='${id}']`], { timeoutMs: 60_000, check: false })).stdout;
    await waitWrites(3);
    const t = Date.now() / 1000;
    await replicationLink(lab, "cut");
    try {
      await until("the Primary to lose its peer and call fence-peer", 300_000, async () => (await fencePeerExits(lab.vm(primary), t)).length > 0, 1000);
      const exits = await fencePeerExits(lab.vm(primary), t);
      say(`link cut: fence-peer exit codes ${JSON.stringify(exits)} after ${secs(Date.now() - t * 1000)} s`);
      expect(exits[0]).toBe(4);
      const c = await constraint();
      expect(c).toContain(`id="${id}"`);
      // Promoted only where the data is: on the Primary (the CIB may say Master for Promoted)
      expect(c).toMatch(/role="(Promoted|Master)" score="-INFINITY"/);
      expect(c).toContain(`attribute="#uname" operation="ne" value="${primary}"`);
      await waitWrites(3); // the Primary writes on, alone
      const s1 = await lab.status();
      expect(serving(s1)).toBe(primary);
      expect(promotedOn(s1)).toEqual([primary]);
    } finally {
      await replicationLink(lab, "mend");
    }
    await until("the constraint removed after reconnect and resync", 600_000, async () => !(await constraint()).includes(id), 1000);
    expect((await lab.exec(peer, "cat /proc/drbd", { timeoutMs: 30_000 })).stdout).toMatch(/cs:Connected ro:Secondary\/Primary ds:UpToDate\/UpToDate/);
  }, 1_200_000);

  it("every fsynced byte intact over NFS and on the Primary's disk; never two Primaries, never two mounts", async () => {
    const ws = await writer.stop();
    await sampler.stop();
    expect(ws.length).toBeGreaterThan(20);
    await c("sync; echo 3 >/proc/sys/vm/drop_caches");
    const overNfs = await Writer.sums(lab.vm("client"), `${MNT}/w`);
    const primary = serving(await lab.status())!;
    const onDisk = await Writer.sums(lab.vm(primary), "/srv/export/w");
    const bad = ws.filter((w) => overNfs.get(w.i) !== chunkMd5(w.i) || onDisk.get(w.i) !== chunkMd5(w.i)).map((w) => w.i);
    expect(bad, `chunks differing (${ws.length} written)`).toEqual([]);
    for (const b of bigs) {
      expect(await md5Over(`${MNT}/${b.file}`)).toBe(b.md5);
      expect((await on(primary, ["md5sum", `/srv/export/${b.file}`])).stdout.split(" ")[0]).toBe(b.md5);
    }
    say(`sampler: ${sampler.rounds} rounds, violations ${JSON.stringify(sampler.violations)}`);
    expect(sampler.rounds).toBeGreaterThan(50);
    expect(sampler.violations).toEqual([]);
    say(`report:\n${reports.map(line).join("\n")}`);
  }, 900_000);

  // ---- helpers

  async function md5Over(path: string) {
    await c("sync; echo 3 >/proc/sys/vm/drop_caches");
    return (await c(["md5sum", path], 300_000)).stdout.split(" ")[0];
  }

  async function waitWrites(n: number) {
    const before = (await writer.writes()).length;
    await until(`${n} more writes`, 300_000, async () => (await writer.writes()).length >= before + n, 500);
  }

  /** Run `act` against the serving node `from`, wait for the group on the other node and for writes after it, and report. */
  async function move(event: string, from: string, act: () => Promise<unknown>): Promise<EventReport> {
    const to = other(from);
    const fences = lab.fence.events.length;
    const before: Write[] = await writer.writes();
    const tCmd = Date.now() / 1000;
    await act();
    const t1 = Date.now();
    await lab.waitFor((s) => serving(s) === to, 900_000, `the group on ${to} after ${event}`, to);
    const moveS = secs(Date.now() - t1);
    const upTo = Date.now() / 1000;
    let ws: Write[] = before;
    await until(`writes after ${event}`, 600_000, async () => (ws = await writer.writes()).some((w) => w.t > upTo), 500);
    const lastBefore = before.length ? before[before.length - 1].t : tCmd;
    const gap = longestGap(ws, lastBefore - 1);
    const ops = opsSince(await cibOps(lab, to), tCmd, ["drbd_nfs", "fs_nfs", "nfs", "export1"]);
    const cp = criticalPath(ops);
    const hx = await haproxyChanges(lab.vm("client"), tCmd - 5);
    const up = hx.find((h) => h.server === to && h.state === "UP");
    const firstAfterUp = up ? ws.find((w) => w.t > up.t) : undefined;
    const g = await graceEvents(lab.vm(to), tCmd - 5);
    const gs = g.find((x) => x.what === "start");
    const ge = g.find((x) => x.what !== "start");
    const r: EventReport = {
      event,
      from,
      to,
      moveS,
      stallS: Math.round(gap.gap * 10) / 10,
      ops: ops.map((o) => `${o.rsc}:${o.task}@${o.node} ${o.execMs}ms+q${o.queueMs}`),
      agentS: cp.agentS,
      queueS: cp.queueS,
      criticalPathS: cp.spanS,
      protocolS: Math.round((gap.gap - cp.spanS) * 10) / 10,
      haproxy: hx.map((h) => `${h.server} ${h.state} ${(h.t - lastBefore).toFixed(1)}s`),
      upToWriteS: up && firstAfterUp ? Math.round((firstAfterUp.t - up.t) * 10) / 10 : undefined,
      grace: ge ? `${ge.what}${gs ? ` ${(ge.t - gs.t).toFixed(1)}s after start` : ""}` : gs ? "ran to its end" : "no grace message",
      fenced: lab.fence.events.slice(fences).map((f) => `${f.action} ${f.target} (${f.from}'s request ${new Date(f.at).getTime() / 1000 - tCmd > 0 ? ((new Date(f.at).getTime() / 1000 - tCmd).toFixed(1) + " s after the event") : "before"}, host ${f.ms} ms)`),
    };
    reports.push(r);
    say(`event ${line(r)}`);
    return r;
  }
});

function line(r: EventReport) {
  return `${r.event} ${r.from}->${r.to}: stall ${r.stallS} s = critical path ${r.criticalPathS} s (agents ${r.agentS} s, queue ${r.queueS} s) + protocol ${r.protocolS} s; move ${r.moveS} s; haproxy [${r.haproxy.join(", ")}], UP->write ${r.upToWriteS} s; grace ${r.grace}; fenced [${r.fenced.join(", ")}]; ops [${r.ops.join(", ")}]`;
}
