import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { crmConfig } from "../../src/cli/crm-config";
import { renderDrbd } from "../../src/config/drbd-res";
import { pcsCommands, shQuote } from "../../src/config/pcs";
import { makePlan } from "../../src/config/plan";
import { EXAMPLE, type TopologyFile, buildTopology, unsafeChoices } from "../../src/config/topology";

const seed = (): TopologyFile => JSON.parse(JSON.stringify(EXAMPLE));

/** crmConfig with stdout and stderr captured. */
async function run(flags: Record<string, unknown>, file?: TopologyFile) {
  const dir = mkdtempSync(join(tmpdir(), "hanfs-crm-config-test-"));
  let stdout = "";
  let stderr = "";
  {
    if (file) {
      const p = join(dir, "topo.json");
      require("node:fs").writeFileSync(p, JSON.stringify(file));
      flags = { config: p, ...flags };
    }
    const code = await crmConfig(flags, (s) => (stdout += s), (l) => (stderr += l + "\n"));
    return { code, stdout, stderr, dir };
  }
}
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("hanfs crm-config: the seed's topology", () => {
  it("prints the seed's crm configuration with hanfs providers, fencing and Promoted/Unpromoted monitors", async () => {
    const r = await run({ print: "crm" }, seed());
    dirs.push(r.dir);
    expect(r.code).toBe(0);
    const crm = r.stdout;
    expect(crm).toMatch(/^primitive drbd_nfs ocf:hanfs:drbd \\\n\tparams drbd_resource=r0/m);
    expect(crm).toMatch(/^clone ms_drbd_nfs drbd_nfs \\\n\tmeta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true$/m);
    expect(crm).toMatch(/^primitive fs_nfs ocf:hanfs:Filesystem \\\n\tparams device=\/dev\/drbd0 directory=\/srv fstype=ext4 /m);
    expect(crm).toMatch(/^primitive nfs ocf:hanfs:nfsserver \\\n\tparams server=kernel nfs_shared_infodir=\/srv\/nfs_shared nfsv4_grace_time=20 nfsv4_lease_time=15 mountd_port=20048/m);
    expect(crm).toMatch(/^group HA fs_nfs nfs export1 /m);
    expect(crm).toContain("order fs-nfs-before-nfs Mandatory: ms_drbd_nfs:promote HA:start\n");
    expect(crm).toContain("colocation nfs-on-drbd inf: HA ms_drbd_nfs:Promoted\n");
    expect(crm).toContain("property cib-bootstrap-options: stonith-enabled=true\n");
    expect(crm).toMatch(/^primitive fence_alpha stonith:fence_ipmilan \\\n\tparams username=admin password=secret lanplus=1 ip=198\.51\.100\.21 pcmk_host_list=alpha/m);
    expect(crm).toContain("location fence_alpha-avoids-alpha fence_alpha -inf: alpha\n");
    // no heartbeat/linbit provider, no init script, no hand-edited grace
    expect(crm).not.toMatch(/ocf:(heartbeat|linbit):|nfs_init_script|Master|Slave/);
    const monitors = [...crm.matchAll(/op monitor interval=(\d+)s timeout=(\d+)s role=(Promoted|Unpromoted)/g)];
    expect(monitors.map((m) => m[3])).toEqual(["Promoted", "Unpromoted"]);
    expect(monitors[0][1]).not.toBe(monitors[1][1]);
    for (const m of crm.matchAll(/timeout=(\d+)s/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(20);
  });

  it("pcs commands say the same: one promotable clone, a group, the two constraints", async () => {
    const plan = await makePlan(buildTopology(seed(), {}));
    const cmds = pcsCommands(plan).map((c) => c.join(" "));
    expect(cmds.every((c) => c.startsWith("-f CIB "))).toBe(true);
    expect(cmds).toContain("-f CIB property set stonith-enabled=true");
    expect(cmds.find((c) => c.includes("resource create drbd_nfs"))).toMatch(
      /ocf:hanfs:drbd drbd_resource=r0 op .*monitor interval=10s timeout=30s role=Promoted monitor interval=20s timeout=30s role=Unpromoted --no-default-ops promotable ms_drbd_nfs promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true$/,
    );
    expect(cmds.filter((c) => c.endsWith("--group HA")).map((c) => c.split(" ")[4])).toEqual(["fs_nfs", "nfs", "export1"]);
    expect(cmds).toContain("-f CIB constraint order promote ms_drbd_nfs then start HA id=fs-nfs-before-nfs");
    expect(cmds).toContain("-f CIB constraint colocation add HA with Promoted ms_drbd_nfs INFINITY id=nfs-on-drbd");
    expect(cmds).toContain("-f CIB constraint location fence_delta rule constraint-id=fence_delta-avoids-delta score=-INFINITY #uname eq delta");
    expect(shQuote("a b'c")).toBe(`'a b'\\''c'`);
  });

  it("DRBD file: protocol C, resource-only fencing and hanfs handlers, in the places 8.4 and 9 want them", () => {
    const r84 = renderDrbd(buildTopology(seed(), {}));
    expect(r84).toMatch(/disk \{\n    fencing resource-only;\n  \}/);
    expect(r84).toContain('fence-peer "/usr/lib/hanfs/drbd-fence-peer";');
    expect(r84).toContain('after-resync-target "/usr/lib/hanfs/drbd-unfence-peer";');
    expect(r84).toMatch(/on delta \{\n    device \/dev\/drbd0;\n    disk \/dev\/vdb;\n    address 198\.51\.100\.12:7788;/);
    const r9 = renderDrbd(buildTopology(seed(), { drbdVersion: "9", node: ["alpha=fd51::11", "delta=fd51::12"], drbdDisk: ["alpha=/dev/sdb", "delta=/dev/sdc"] }));
    expect(r9).toMatch(/net \{\n    protocol C;\n    fencing resource-only;\n  \}/);
    expect(r9).toContain('unfence-peer "/usr/lib/hanfs/drbd-unfence-peer";');
    expect(r9).toMatch(/on alpha \{\n    node-id 0;\n    device \/dev\/drbd0;\n    disk \/dev\/sdb;\n    address ipv6 \[fd51::11\]:7788;/);
    expect(r9).not.toContain("after-resync-target");
  });

  it("haproxy: alpha serves, delta is the backup, both checked by hanfs; NFSv3 adds the mountd port", async () => {
    const r = await run({ print: "haproxy" }, seed());
    dirs.push(r.dir);
    expect(r.stdout).toContain("external-check command /usr/lib/hanfs/haproxy-check\n");
    expect(r.stdout).toMatch(/server alpha 198\.51\.100\.11:2049 check .*\n    server delta 198\.51\.100\.12:2049 check backup\n/);
    expect(r.stdout).toContain("server delta 198.51.100.12:20048 track nfs_servers/delta backup");
    // found with a kernel client in the VM lab: a new connection waits for a server instead of a
    // reconnect storm, and an external check has `inter` (not fastinter) to finish
    expect(r.stdout).toMatch(/frontend nfs\n    bind [^\n]+\n    tcp-request inspect-delay 250ms\n    tcp-request content accept if \{ nbsrv\(nfs_servers\) gt 0 \}\n    tcp-request content accept if WAIT_END\n/);
    expect(r.stdout).toContain("default-server inter 3s fastinter 500ms downinter 500ms fall 2 rise 2 ");
    const v4 = await run({ print: "haproxy", nfsVersions: "4" }, seed());
    dirs.push(v4.dir);
    expect(v4.stdout).not.toContain("mountd");
  });

  it("a floating IP instead of haproxy goes last in the group and becomes nfs_ip", async () => {
    const r = await run({ print: "crm,haproxy", frontend: "ip", frontendAddress: "198.51.100.100/24", nfsVersions: "4" }, seed());
    dirs.push(r.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/primitive vip ocf:heartbeat:IPaddr2 \\\n\tparams ip=198\.51\.100\.100 cidr_netmask=24/);
    expect(r.stdout).toMatch(/group HA fs_nfs nfs export1 vip /);
    expect(r.stdout).toMatch(/nfs_ip=198\.51\.100\.100/);
    expect(r.stdout).toMatch(/nfsv4_only=true/);
    expect(r.stdout).not.toContain("haproxy.cfg"); // nothing to print for a proxy that is not there
  });

  it("flags alone describe a topology; --out-dir writes the four files", async () => {
    const r = await run({
      node: ["alpha=198.51.100.11", "delta=198.51.100.12"],
      drbdDisk: ["/dev/vdb"],
      export: ["/srv/a 198.51.100.0/24(rw,insecure)", "/srv/b *(ro,insecure,fsid=7)"],
      fenceAgent: "fence_virsh",
      fenceParam: ["ip=198.51.100.1", "pcmk_host_map=alpha:a;delta:d"],
      frontendAddress: "198.51.100.10",
      outDir: join(tmpdir(), `hanfs-out-${process.pid}`),
    });
    dirs.push(r.dir, join(tmpdir(), `hanfs-out-${process.pid}`));
    expect(r.code).toBe(0);
    const out = join(tmpdir(), `hanfs-out-${process.pid}`);
    expect(readdirSync(out).sort()).toEqual(["hanfs-pcs.sh", "hanfs.crm", "haproxy.cfg", "r0.res"]);
    const crm = readFileSync(join(out, "hanfs.crm"), "utf8");
    expect(crm).toMatch(/primitive fencing stonith:fence_virsh \\\n\tparams ip=198\.51\.100\.1 pcmk_host_map="alpha:a;delta:d" pcmk_host_list="alpha delta"/);
    expect(crm).toMatch(/export1 ocf:hanfs:exportfs \\\n\tparams clientspec=198\.51\.100\.0\/24 directory=\/srv\/a fsid=1 options=rw,insecure /);
    expect(crm).toMatch(/export2 ocf:hanfs:exportfs \\\n\tparams clientspec="\*" directory=\/srv\/b fsid=7 options=ro,insecure /);
    expect(readFileSync(join(out, "hanfs-pcs.sh"), "utf8")).toContain("'pcmk_host_map=alpha:a;delta:d'");
  });
});

describe("hanfs crm-config refuses unsafe choices with a reason", () => {
  it("stonith disabled: exit 3 without --i-know; with it, stonith-enabled=false and a warning in the output", async () => {
    const r = await run({ print: "crm", stonith: false }, seed());
    dirs.push(r.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/refused: stonith disabled: .*split brain/);
    const k = await run({ print: "crm", stonith: false, iKnow: true }, seed());
    dirs.push(k.dir);
    expect(k.code).toBe(0);
    expect(k.stdout).toContain("stonith-enabled=false");
    expect(k.stdout).toMatch(/# NOTE: STONITH IS DISABLED/);
    expect(k.stdout).not.toContain("stonith:");
  });

  it("grace shorter than lease and a cloned ext4 are refused even with --i-know", async () => {
    const g = await run({ grace: "10", lease: "30", iKnow: true }, seed());
    dirs.push(g.dir);
    expect(g.code).toBe(3);
    expect(g.stderr).toMatch(/refused: grace 10 s is shorter than the lease 30 s/);
    const c = await run({ cloneFilesystem: true, iKnow: true }, seed());
    dirs.push(c.dir);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/refused: cloning the filesystem: ext4 .*\(a single-node filesystem\)/);
    expect(unsafeChoices(buildTopology(seed(), {}), false)).toEqual([]);
  });

  it("an async export is refused; without 'insecure' behind haproxy the kernel server is refused, ganesha or a floating IP are not", async () => {
    const a = await run({ export: ["/srv/export 198.51.100.0/24(rw,async,insecure)"], iKnow: true }, seed());
    dirs.push(a.dir);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(/refused: export \/srv\/export: async acknowledges writes .* loses data .*; use sync/);
    const i = await run({ export: ["/srv/export 198.51.100.0/24(rw,sync)"] }, seed());
    dirs.push(i.dir);
    expect(i.code).toBe(3);
    expect(i.stderr).toMatch(/refused: export \/srv\/export: through haproxy .* without 'insecure' .*; add insecure/);
    const t = (f: Record<string, unknown>) => unsafeChoices(buildTopology(seed(), { export: ["/srv/export 198.51.100.0/24(rw,sync)"], ...f }), false);
    expect(t({ nfsServer: "ganesha" })).toEqual([]);
    expect(t({ frontend: "ip" })).toEqual([]);
    expect(t({})).toHaveLength(1);
  });

  it.each([
    [{ node: ["alpha=198.51.100.11"] }, /exactly two are needed/],
    [{ node: ["alpha=198.51.100.11", "delta=nowhere"] }, /delta: address 'nowhere' is not an IPv4 or IPv6 address/],
    [{ export: ["/home 198.51.100.0/24(rw)"] }, /export \/home is not on the replicated filesystem \/srv/],
    [{ export: ["/srv/x"] }, /expected "DIRECTORY CLIENT\(OPTIONS\)"/],
    [{ grace: "5" }, /grace '5': must be a whole number from 10 to 3600/],
    [{ nfsVersions: "3" }, /NFSv4 cannot be switched off/],
    [{ drbdDevice: "/dev/sdb" }, /expected \/dev\/drbdN/],
    [{ frontend: "dns" }, /front end 'dns': haproxy or ip/],
    [{ fenceNodeParam: ["gamma:ip=1.2.3.4"] }, /fencing parameters for 'gamma': no such node/],
    [{ print: "xml" }, /--print xml: choose from crm,pcs,drbd,haproxy/],
  ])("bad input %j: exit 2 with a reason", async (flags, msg) => {
    const r = await run(flags, seed());
    dirs.push(r.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe("");
  });

  it("an unreadable or malformed file is exit 2, not a stack trace", async () => {
    expect((await run({ config: "/nonexistent/topo.json" })).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "hanfs-bad-json-"));
    dirs.push(dir);
    require("node:fs").writeFileSync(join(dir, "t.json"), "{ nodes: ");
    const r = await run({ config: join(dir, "t.json") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t\.json: .*JSON/);
  });
});
