import { existsSync, readdirSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/index";
import { added, labProcesses, looksOurs, snapshot, type HostSnapshot } from "../lab/lib/leftovers";
import { ipIn } from "../lab/lib/net";
import { onlineNodes, rscOf, summarize } from "../lab/lib/status";
import { parseXml } from "../../src/xml";
import { ensureImage } from "./lib/image";
import { say, VmLab } from "./lib/lab";

// The VM lab itself: image from the cache (or built), three VMs on 198.51.100.0/24, real DRBD
// and kernel nfsd, hanfs installed by its installer, a Corosync/Pacemaker cluster whose fencing
// really resets a VM through QMP, bounded guest commands, and a teardown that leaves nothing.
describe("vm lab smoke", () => {
  let lab: VmLab;
  let before: HostSnapshot;

  beforeAll(async () => {
    before = snapshot();
    lab = await VmLab.up({ cluster: true, sharedDiskMb: 64 });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it("image: built from the recipe or reused from the cache; the next lookup reuses it", async () => {
    say(`image ${lab.image.key}: ${lab.image.built ? "built" : "reused"} in ${lab.image.ms} ms; build phases (s) ${JSON.stringify(lab.image.phases)}`);
    const again = await ensureImage();
    expect(again.key).toBe(lab.image.key);
    expect(again.built).toBe(false);
    expect(again.ms).toBeLessThan(5000);
    for (const f of [again.kernel, again.initrd, again.rootfs]) expect(statSync(f).size).toBeGreaterThan(1_000_000);
    expect(again.kver).toMatch(/^6\.1\.0-\d+-amd64$/);
  });

  it("alpha, delta and client boot and reach each other on a bridge with no host address", async () => {
    const addrs = lab.vms.map((v) => v.addr);
    expect(addrs).toEqual(["198.51.100.11", "198.51.100.12", "198.51.100.13"]);
    await Promise.all(
      lab.vms.map(async (v) => {
        const others = lab.vms.filter((x) => x !== v).map((x) => x.name);
        const r = await v.exec(others.map((n) => `ping -c1 -W5 ${n} >/dev/null && echo reached ${n}`).join(" && "), { timeoutMs: 60_000 });
        for (const n of others) expect(r.stdout).toContain(`reached ${n}`);
      }),
    );
    // the switch namespace (bridge, taps) has no address but loopback's
    const swAddrs = (await ipIn(lab.sw.proc.pid, ["addr show"])).stdout.split("\n").filter((l) => /^\s*inet6? /.test(l));
    expect(swAddrs.map((l) => l.trim().split(" ")[1])).toEqual(["127.0.0.1/8"]);
    const hostLinks = readdirSync("/sys/class/net");
    for (const v of lab.vms) expect(hostLinks).not.toContain(v.tap);
  });

  it("a guest loads DRBD 8.4.11 and the kernel NFS server", async () => {
    const r = await lab.exec("alpha", "modprobe drbd && cat /proc/drbd && modprobe nfsd && grep -w nfsd /proc/filesystems", { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/^version: 8\.4\.11 /m);
    expect(r.stdout).toMatch(/\bnfsd$/m);
  });

  it("the installed hanfs answers meta-data for every agent in every guest", async () => {
    await Promise.all(
      lab.vms.map(async (v) => {
        for (const a of AGENT_NAMES) {
          const r = await v.exec([`/usr/lib/ocf/resource.d/hanfs/${a}`, "meta-data"], { timeoutMs: 60_000 });
          const root = parseXml(r.stdout).children.find((c) => c.name === "resource-agent");
          expect(root?.attrs.name, `${v.name}: ${a} meta-data`).toBe(a);
        }
      }),
    );
  });

  it("corosync + pacemaker: both nodes online, fencing enabled with the VM fence device", async () => {
    const s = await lab.waitOnline(2, 60_000);
    expect(onlineNodes(s).sort()).toEqual(["alpha", "delta"]);
    expect(s.quorum).toBe(true);
    const fence = await lab.waitFor((st) => rscOf(st, "fence-lab")?.role === "Started", 120_000, "fence device started");
    expect(rscOf(fence, "fence-lab")?.agent).toBe("stonith:fence_hanfsvm");
    const prop = await lab.exec("alpha", ["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--query", "--quiet"], { timeoutMs: 30_000 });
    expect(prop.stdout.trim()).toBe("true");
  });

  it("fencing for real: stonith_admin --reboot delta resets delta through QMP and delta rejoins", async () => {
    const bootId = async () => (await lab.exec("delta", "cat /proc/sys/kernel/random/boot_id", { timeoutMs: 30_000 })).stdout.trim();
    const was = await bootId();
    const t0 = Date.now();
    await lab.exec("alpha", ["stonith_admin", "--reboot", "delta", "--timeout", "90"], { timeoutMs: 120_000 });
    const fencedMs = Date.now() - t0;
    const ev = lab.fence.events.find((e) => e.action === "reboot" && e.target === "delta");
    expect(ev, JSON.stringify(lab.fence.events)).toBeDefined();
    expect(ev!.ok).toBe(true);
    expect(["alpha", "delta"]).toContain(ev!.from);
    const s = await lab.waitOnline(2, 400_000).catch(async (e: Error) => {
      // say why delta did not rejoin: its cluster stack's journal of this boot and its config as found
      const why = await lab
        .exec("delta", "wc -c /etc/corosync/corosync.conf /etc/corosync/authkey; journalctl -b --no-pager -n 60 -u corosync -u pacemaker", { timeoutMs: 60_000, check: false })
        .then((r) => r.stdout + r.stderr, (x: Error) => `(delta did not answer: ${x.message})`);
      throw new Error(`${e.message}\n${why}`);
    });
    const rejoinMs = Date.now() - t0;
    expect(await bootId()).not.toBe(was);
    expect(s.fencing.some((f) => f.target === "delta" && f.action === "reboot" && f.status === "success")).toBe(true);
    say(`fence round trip (stonith_admin --reboot delta): ${fencedMs} ms (host side: ${ev!.ms} ms, asked by ${ev!.from}); delta back online after ${rejoinMs} ms; ${summarize(s)}`);
  });

  it("a guest command that hangs returns by its timeout, and the lab goes on", async () => {
    const t0 = Date.now();
    const r = await lab.exec("delta", "sleep 600", { timeoutMs: 3000, check: false });
    const took = Date.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(took).toBeLessThan(3000 + 6000);
    // killed in the guest too, not just abandoned by the host
    const ps = await lab.exec("delta", "pgrep -x sleep || true", { timeoutMs: 30_000 });
    expect(ps.stdout.trim()).toBe("");
    await expect(lab.exec("delta", "sleep 600", { timeoutMs: 2000 })).rejects.toThrow(/timed out after 2000 ms/);
    expect((await lab.exec("delta", "echo still here", { timeoutMs: 30_000 })).stdout).toBe("still here\n");
  });

  it("down() leaves no QEMU, namespace, tap, bridge, mount, loop device or file of the run", async () => {
    const procs = [...lab.run.procs];
    const dir = lab.run.dir;
    const taps = lab.vms.map((v) => v.tap);
    await lab.down();
    say(`down: ${lab.phases.down} s; phases ${lab.report()}`);
    expect(labProcesses(procs, [dir])).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const links = readdirSync("/sys/class/net");
    expect(taps.filter((t) => links.includes(t))).toEqual([]);
    const ours = Object.values(added(before, snapshot()))
      .flat()
      .filter((e) => looksOurs(e) && e.includes(lab.run.id));
    expect(ours).toEqual([]);
  });
});
