import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collectStatus, renderStatus } from "../../src/status/collect";
import { statusFromEvents2, statusFromProc } from "../../src/status/drbd";
import { haproxyServers, parseShowStat } from "../../src/status/haproxy";
import { readNfsd } from "../../src/status/nfsd";

const dir = mkdtempSync(join(tmpdir(), "hanfs-status-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hanfs status readers", () => {
  it("DRBD 8.4 from /proc/drbd, including an unconfigured minor", () => {
    const s = statusFromProc(
      "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: X\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:0 nr:0 dw:0\n 1: cs:Unconfigured\n 2: cs:StandAlone ro:Secondary/Unknown ds:Outdated/DUnknown   r-----\n",
    );
    expect(s.version).toBe("8.4.11");
    expect(s.volumes).toEqual([
      { resource: "minor 0", minor: 0, role: "Primary", disk: "UpToDate", peers: [{ name: "peer", connection: "Connected", role: "Secondary", disk: "UpToDate" }] },
      { resource: "minor 1", minor: 1, role: "Unconfigured", disk: "Diskless", peers: [] },
      { resource: "minor 2", minor: 2, role: "Secondary", disk: "Outdated", peers: [{ name: "peer", connection: "StandAlone", role: "Unknown", disk: "DUnknown" }] },
    ]);
  });

  it("DRBD 9 from events2 records, in any order, unknown keys ignored", () => {
    const s = statusFromEvents2(
      [
        "exists device name:r0 volume:0 minor:0 backing_dev:/dev/vdb disk:UpToDate client:no open:yes quorum:yes new-key:1",
        "exists connection name:r0 peer-node-id:1 conn-name:delta connection:Connected role:Secondary",
        "exists resource name:r0 role:Primary suspended:no may_promote:no promotion_score:10102",
        "exists peer-device name:r0 peer-node-id:1 conn-name:delta volume:0 replication:Established peer-disk:UpToDate",
        "exists -",
      ].join("\n"),
    );
    expect(s.volumes).toEqual([{ resource: "r0", minor: 0, role: "Primary", disk: "UpToDate", peers: [{ name: "delta", connection: "Connected", role: "Secondary", disk: "UpToDate" }] }]);
  });

  it("nfsd: threads, grace/lease, grace state (v4_end_grace) and clients", () => {
    const d = join(dir, "nfsd");
    mkdirSync(join(d, "clients", "7"), { recursive: true });
    writeFileSync(join(d, "threads"), "8\n");
    writeFileSync(join(d, "nfsv4gracetime"), "20\n");
    writeFileSync(join(d, "nfsv4leasetime"), "15\n");
    writeFileSync(join(d, "v4_end_grace"), "N\n");
    writeFileSync(join(d, "clients", "7", "info"), 'clientid: 0xabc\naddress: "198.51.100.20:737"\nstatus: confirmed\nname: "Linux NFSv4.2 c1"\nminor version: 2\n');
    expect(readNfsd(d)).toEqual({ mounted: true, threads: 8, graceTime: 20, leaseTime: 15, inGrace: true, clients: [{ address: "198.51.100.20:737", name: "Linux NFSv4.2 c1", minorVersion: 2, status: "confirmed" }] });
    writeFileSync(join(d, "v4_end_grace"), "Y\n");
    expect(readNfsd(d).inGrace).toBe(false);
    expect(readNfsd(join(dir, "absent"))).toEqual({ mounted: false });
  });

  it("haproxy: show stat CSV over the admin socket, servers only; a dead socket is an error text, in time", async () => {
    const csv = "# pxname,svname,qcur,status,lastchg,check_status,check_desc\nnfs,FRONTEND,,OPEN,,,\nnfs_servers,alpha,0,UP,120,L7OK,Layer7 check passed\nnfs_servers,delta,0,DOWN,5,L7STS,\nnfs_servers,BACKEND,0,UP,120,,\n";
    expect(parseShowStat(csv)).toEqual([
      { backend: "nfs_servers", server: "alpha", status: "UP", check: "L7OK Layer7 check passed", lastChange: 120 },
      { backend: "nfs_servers", server: "delta", status: "DOWN", check: "L7STS", lastChange: 5 },
    ]);
    const sock = join(dir, "admin.sock");
    let asked = "";
    const srv = createServer((c) => c.on("data", (d) => ((asked += d), c.end(csv))));
    await new Promise<void>((r) => srv.listen(sock, r));
    try {
      expect(await haproxyServers(sock, 2000)).toHaveLength(2);
      expect(asked).toBe("show stat\n");
    } finally {
      srv.close();
    }
    const t = Date.now();
    expect(await haproxyServers(join(dir, "nope.sock"), 2000)).toMatch(/nope\.sock: ENOENT/);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it("collects everything within the timeout when nothing runs, and renders one screen", async () => {
    const t = Date.now();
    const s = await collectStatus({
      mount: join(dir, "not-mounted"),
      nfsHost: "127.0.0.1",
      nfsPort: 9,
      timeoutMs: 1500,
      nfsdDir: join(dir, "absent"),
      proc: join(dir, "absent"),
      drbd: { read: async () => ({ source: "none", volumes: [], note: "no /proc/drbd" }) },
    });
    expect(Date.now() - t).toBeLessThan(3000);
    expect(s.mount.mounted).toBe(false);
    expect(s.nfs.v4.ok).toBe(false);
    const text = renderStatus(s);
    expect(text).toMatch(/^DRBD +no \/proc\/drbd$/m);
    expect(text).toMatch(/^mount .*not mounted$/m);
    expect(text).toMatch(/^NFS +server none; 127\.0\.0\.1:9 v4 no \(/m);
    expect(text.split("\n").length).toBeLessThan(25);
  });
});
