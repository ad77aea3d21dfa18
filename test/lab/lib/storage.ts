import { closeSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Node } from "./node";
import type { Run } from "./run";
import { sh, until } from "../../lib/sh";

/**
 * Shared storage stand-in until DRBD lands: one loop device on a sparse file of the run. /dev is
 * not private in the nodes, so every node sees it; which node mounts it is the cluster's business.
 */
export class SharedDisk {
  dev = "";
  /** "major:minor" as mountinfo shows it */
  majmin = "";

  constructor(private run: Run) {}

  async create(sizeMb = 64, fstype = "ext4") {
    const file = join(this.run.dir, "disk.img");
    const fd = openSync(file, "w", 0o600);
    ftruncateSync(fd, sizeMb * 1024 * 1024);
    closeSync(fd);
    this.dev = (await sh(["losetup", "--find", "--show", file], { timeout: 10_000 })).stdout.trim();
    this.run.trackLoop(this.dev);
    this.majmin = readFileSync(`/sys/block/${this.dev.replace("/dev/", "")}/dev`, "utf8").trim();
    await sh([`mkfs.${fstype}`, "-q", ...(fstype.startsWith("ext") ? ["-F", "-E", "nodiscard"] : []), this.dev], { timeout: 30_000 });
    return this.dev;
  }

  /** Detach once no namespace holds it any more (a dying mount namespace may keep it busy briefly). */
  async destroy() {
    if (!this.dev) return;
    const name = this.dev.replace("/dev/", "");
    const backing = () => {
      try {
        return readFileSync(`/sys/block/${name}/loop/backing_file`, "utf8").trim();
      } catch {
        return "";
      }
    };
    if (backing().startsWith(this.run.dir + "/")) {
      await sh(["losetup", "-d", this.dev], { timeout: 10_000, check: false });
      await until(`${this.dev} to detach`, 10_000, () => !backing().startsWith(this.run.dir + "/"), 50);
    }
    this.dev = "";
  }

  /** Lay out directories on the filesystem, like an admin before handing it to the cluster (mounted briefly in `node`). */
  async mkdirs(node: Node, dirs: string[]) {
    await node.exec(["sh", "-c", 'mount "$1" /srv && shift && cd /srv && mkdir -p "$@"; rc=$?; cd / && umount /srv && exit $rc', "sh", this.dev, ...dirs], { timeout: 30_000 });
  }

  /** Mount points of this device in a node's mount namespace. */
  mountsOn(node: Node): string[] {
    return node
      .mountinfo()
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f[2] === this.majmin)
      .map((f) => f[4]);
  }
}

/**
 * Samples every node's mountinfo from the host every few ms and remembers each instant at which
 * more than one node had the shared device mounted.
 */
export class MountWatch {
  samples = 0;
  doubles: { at: number; nodes: string[] }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private disk: SharedDisk,
    private nodes: Node[],
  ) {}

  start(everyMs = 5) {
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }

  sample(): string[] {
    const on = this.nodes.filter((n) => this.disk.mountsOn(n).length > 0).map((n) => n.name);
    this.samples++;
    if (on.length > 1) this.doubles.push({ at: Date.now(), nodes: on });
    return on;
  }

  stop() {
    clearInterval(this.timer);
    return this;
  }
}
