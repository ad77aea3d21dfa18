import { spawn, type ChildProcess } from "node:child_process";
import { readlinkSync } from "node:fs";
import { Run, type Proc } from "./run";
import { PATH, sh, until } from "../../lib/sh";

/** Refuse to touch a network namespace that is the host's own (the lab must never reach it). */
export function assertPrivateNet(pid: number) {
  const mine = readlinkSync("/proc/self/ns/net");
  const theirs = readlinkSync(`/proc/${pid}/ns/net`);
  if (mine === theirs) throw new Error(`refusing: pid ${pid} is in the host network namespace`);
}

/** Run `ip -batch -` inside the network namespace of `pid` (checked to be private first). */
export async function ipIn(pid: number, cmds: string[], check = true) {
  assertPrivateNet(pid);
  return sh(["nsenter", "-t", String(pid), "-n", "ip", ...(check ? [] : ["-force"]), "-batch", "-"], { input: cmds.join("\n") + "\n", timeout: 10_000, check });
}

/**
 * The switch: a bridge in a network namespace of its own, held by a sleeping process that dies
 * with the harness (pdeathsig). It has no address and no link to the host namespace.
 */
export class Switch {
  proc!: Proc;
  private child!: ChildProcess;

  constructor(private run: Run) {}

  async up() {
    this.child = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--", "sleep", "infinity"], {
      stdio: "ignore",
      detached: true,
      env: { PATH },
    });
    const pid = this.child.pid!;
    // in its own netns once unshare has exec'd sleep
    await until("switch namespace", 5000, () => {
      try {
        assertPrivateNet(pid);
        return readlinkSync(`/proc/${pid}/exe`).endsWith("/sleep");
      } catch {
        return false;
      }
    }, 10);
    this.proc = this.run.track(pid, "switch");
    // layer 2 only: IPv6 would give the bridge and its ports link-local addresses (the nodes' ends
    // of the cables are created in their own namespaces and keep IPv6)
    assertPrivateNet(pid);
    await sh(["nsenter", "-t", String(pid), "-n", "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], { timeout: 10_000 });
    await ipIn(pid, ["link set lo up", "link add br0 type bridge", "link set br0 up"]);
  }

  /** Plug a new cable: veth `port` on the bridge, `eth0` with `addr` inside the node (init pid). */
  async plug(port: string, nodePid: number, addr: string) {
    assertPrivateNet(nodePid);
    await ipIn(this.proc.pid, ["link del " + port], false); // a leftover from a previous boot
    await ipIn(this.proc.pid, [`link add ${port} type veth peer name eth0 netns ${nodePid}`, `link set ${port} master br0 up`]);
    await ipIn(nodePid, ["link set lo up", `addr add ${addr}/24 dev eth0`, "link set eth0 up"]);
  }

  /**
   * A tap on the bridge for a VM whose QEMU runs in this namespace (QEMU attaches to it by name).
   * It lives until the namespace dies: a VM restarted later finds its cable still plugged.
   */
  async tap(name: string) {
    await ipIn(this.proc.pid, [`tuntap add dev ${name} mode tap`, `link set ${name} master br0 up`]);
  }

  async setPort(port: string, up: boolean) {
    await ipIn(this.proc.pid, [`link set ${port} ${up ? "up" : "down"}`]);
  }

  kill() {
    try {
      process.kill(this.proc.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }

  exited(): Promise<void> {
    return new Promise((r) => (this.child.exitCode !== null || this.child.signalCode !== null ? r() : this.child.once("exit", () => r())));
  }
}
