import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { PATH, sh } from "../../lib/sh";
import { cached, cacheRoot } from "./cache";

export const GUEST_DIR = join(__dirname, "../guest");

/**
 * What goes into the guest image. Any change here, in this file or in guest/ changes the content
 * key, so the next run builds a new image instead of reusing a stale one.
 */
export const RECIPE = {
  suite: "bookworm",
  variant: "minbase",
  packages: [
    "systemd-sysv", "udev", "kmod", "iproute2", "iputils-ping", "procps", "psmisc", "e2fsprogs", "util-linux",
    "drbd-utils", "nfs-kernel-server", "nfs-common", "pacemaker", "pacemaker-cli-utils", "corosync", "crmsh",
    "resource-agents", "libxml2-utils", "haproxy", "qemu-guest-agent",
  ],
  /** kernel module trees (under kernel/) copied into the rootfs; the rest of Debian's kernel is left out */
  moduleTrees: ["fs", "net", "lib", "crypto", "drivers/block", "drivers/virtio", "drivers/char", "drivers/md", "drivers/watchdog"],
  moduleFiles: ["drivers/net/virtio_net.ko", "drivers/net/net_failover.ko"],
  /** udev would load these for emulated hardware and CPU features, and each load costs seconds under emulation */
  moduleSkip: ["net/wireless", "net/mac80211", "net/rfkill", "net/bluetooth", "drivers/block/floppy.ko", "drivers/char/tpm", "drivers/char/hw_random", "drivers/char/ipmi"],
  /** what the initramfs loads to reach the root disk (ext4 needs crc32c and nothing asks for it) */
  initramfsModules: ["crc32c_generic", "virtio_pci", "virtio_blk", "ext4"],
  /** free space in the root filesystem (sparse: costs nothing until written) */
  headroomMb: 1024,
};

export interface Image {
  key: string;
  dir: string;
  kernel: string;
  initrd: string;
  rootfs: string;
  kver: string;
  /** built by this call (false: reused from the cache) */
  built: boolean;
  ms: number;
  /** seconds per build phase, from the build that made the entry */
  phases: Record<string, number>;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** Content key: the recipe, every guest file (path and bytes) and this build code. */
export function imageKey(): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(RECIPE));
  for (const f of files(GUEST_DIR)) h.update(`\0${relative(GUEST_DIR, f)}\0`).update(readFileSync(f));
  h.update(readFileSync(__filename));
  return `bookworm-${h.digest("hex").slice(0, 16)}`;
}

/** The host's configured Debian mirror for the suite (deb822 .sources or one-line sources.list). */
export function debianMirror(suite = RECIPE.suite): string {
  if (process.env.HANFS_VMLAB_MIRROR) return process.env.HANFS_VMLAB_MIRROR;
  const dir = "/etc/apt/sources.list.d";
  const texts = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sources") || f.endsWith(".list")).map((f) => readFileSync(join(dir, f), "utf8")) : [];
  if (existsSync("/etc/apt/sources.list")) texts.push(readFileSync("/etc/apt/sources.list", "utf8"));
  for (const t of texts) {
    for (const stanza of t.split(/\n\s*\n/)) {
      const field = (n: string) => stanza.match(new RegExp(`^${n}:\\s*(.+)$`, "mi"))?.[1].trim().split(/\s+/) ?? [];
      const uri = field("URIs").find((u) => /^https?:/.test(u));
      if (uri && field("Suites").includes(suite) && field("Types").includes("deb")) return uri;
    }
    for (const line of t.split("\n")) {
      const m = line.match(/^deb\s+(?:\[[^\]]*\]\s+)?(https?:\S+)\s+(\S+)/);
      if (m && m[2] === suite) return m[1];
    }
  }
  return "http://deb.debian.org/debian";
}

/** One deb822 stanza of `apt-cache show` (the candidate version only). */
async function aptShow(pkg: string): Promise<Record<string, string>> {
  const r = await sh(["apt-cache", "show", "--no-all-versions", pkg], { timeout: 60_000 });
  const out: Record<string, string> = {};
  for (const m of r.stdout.split(/\n\n/)[0].matchAll(/^([\w-]+):\s*(.*)$/gm)) out[m[1]] = m[2];
  return out;
}

/** Run argv in private network, mount and pid namespaces: a maintainer script that starts a daemon cannot reach the host's network, and every mount dies with it. */
const isolated = (argv: string[]) => ["setpriv", "--pdeathsig", "KILL", "--", "unshare", "--net", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--", ...argv];

/** The guest has no locales: keep perl and friends in maintainer scripts quiet. */
const CHROOT_ENV = { PATH, LANG: "C", DEBIAN_FRONTEND: "noninteractive" };

/** The current Debian kernel package, downloaded (kept in the cache's debs/) and unpacked into `into`. Never installed on the host. */
async function fetchKernel(debs: string, into: string): Promise<string> {
  const meta = await aptShow("linux-image-amd64");
  const pkg = (meta.Depends ?? "").split(",").map((d) => d.trim().split(/\s/)[0]).find((d) => /^linux-image-\d.*-amd64$/.test(d));
  if (!pkg) throw new Error(`cannot resolve the kernel package from linux-image-amd64 (Depends: ${meta.Depends}); run apt-get update`);
  const kver = pkg.replace(/^linux-image-/, "");
  const deb = join(debs, basename((await aptShow(pkg)).Filename ?? `${pkg}.deb`));
  if (!existsSync(deb)) {
    const dl = join(debs, `dl-${process.pid}`);
    mkdirSync(dl, { recursive: true });
    try {
      await sh(["sh", "-c", 'cd "$1" && exec apt-get download -q "$2"', "sh", dl, pkg], { timeout: 600_000 });
      const got = readdirSync(dl).find((f) => f.endsWith(".deb"));
      if (!got) throw new Error(`apt-get download ${pkg} left no .deb`);
      renameSync(join(dl, got), deb);
    } finally {
      rmSync(dl, { recursive: true, force: true });
    }
  }
  await sh(["dpkg-deb", "-x", deb, into], { timeout: 300_000 });
  await sh(["depmod", "-b", into, kver], { timeout: 120_000 });
  return kver;
}

/** Debootstrap: packages downloaded on the host's network (first stage), installed offline in private namespaces (second stage). */
async function debootstrap(root: string, debs: string, timings: Record<string, number>) {
  let t = Date.now();
  await sh(
    ["debootstrap", "--foreign", `--variant=${RECIPE.variant}`, `--include=${RECIPE.packages.join(",")}`, `--cache-dir=${debs}`, RECIPE.suite, root, debianMirror()],
    { timeout: 1200_000 },
  );
  timings.download = (Date.now() - t) / 1000;
  t = Date.now();
  // no fsync per unpacked file: a crash just means building again (removed again by setup.sh)
  writeFileSync(join(root, "etc/dpkg/dpkg.cfg.d/hanfs-vmlab-unsafe-io"), "force-unsafe-io\n");
  await sh(isolated(["chroot", root, "/debootstrap/debootstrap", "--second-stage"]), { timeout: 1200_000, env: CHROOT_ENV });
  timings.install = (Date.now() - t) / 1000;
}

/** Guest files, the kernel's modules (a subset), systemd settings. */
async function configure(root: string, kdir: string, kver: string) {
  cpSync(join(GUEST_DIR, "rootfs"), root, { recursive: true });
  const from = join(kdir, "lib/modules", kver);
  const to = join(root, "lib/modules", kver);
  for (const t of RECIPE.moduleTrees) if (existsSync(join(from, "kernel", t))) cpSync(join(from, "kernel", t), join(to, "kernel", t), { recursive: true });
  for (const f of RECIPE.moduleFiles) cpSync(join(from, "kernel", f), join(to, "kernel", f));
  for (const f of RECIPE.moduleSkip) rmSync(join(to, "kernel", f), { recursive: true, force: true });
  for (const f of ["modules.order", "modules.builtin", "modules.builtin.modinfo"]) cpSync(join(from, f), join(to, f));
  await sh(["depmod", "-b", root, kver], { timeout: 120_000 });
  cpSync(join(GUEST_DIR, "setup.sh"), join(root, "tmp/setup.sh"));
  await sh(isolated(["chroot", root, "/bin/sh", "/tmp/setup.sh"]), { timeout: 120_000, env: CHROOT_ENV });
  rmSync(join(root, "tmp/setup.sh"));
}

/** A busybox initramfs with just the modules that reach the root disk. */
async function initramfs(kdir: string, kver: string, out: string, stage: string) {
  for (const d of ["bin", "proc", "sys", "dev", "newroot", `lib/modules/${kver}`]) mkdirSync(join(stage, d), { recursive: true });
  cpSync("/bin/busybox", join(stage, "bin/busybox"));
  for (const a of (await sh(["/bin/busybox", "--list"])).stdout.split("\n").filter(Boolean)) {
    if (!existsSync(join(stage, "bin", a))) symlinkSync("busybox", join(stage, "bin", a));
  }
  const need = new Set<string>();
  for (const m of RECIPE.initramfsModules) {
    const r = await sh(["modprobe", "-d", kdir, "-S", kver, "--show-depends", m], { timeout: 20_000 });
    for (const l of r.stdout.split("\n")) if (l.startsWith("insmod ")) need.add(l.split(" ")[1]);
  }
  for (const f of need) cpSync(f, join(stage, relative(kdir, f)));
  for (const f of ["modules.order", "modules.builtin", "modules.builtin.modinfo"]) cpSync(join(kdir, "lib/modules", kver, f), join(stage, "lib/modules", kver, f));
  await sh(["depmod", "-b", stage, kver], { timeout: 60_000 });
  cpSync(join(GUEST_DIR, "init"), join(stage, "init"));
  chmodSync(join(stage, "init"), 0o755);
  await sh(["sh", "-c", 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"', "sh", stage, out], { timeout: 120_000 });
}

async function build(tmp: string, log: (l: string) => void): Promise<void> {
  const debs = join(cacheRoot(), "debs");
  mkdirSync(debs, { recursive: true });
  const timings: Record<string, number> = {};
  const phase = async (name: string, f: () => Promise<void>) => {
    const t = Date.now();
    await f();
    timings[name] ??= (Date.now() - t) / 1000;
    log(`image: ${name} ${(Date.now() - t) / 1000} s`);
  };
  const kdir = join(tmp, "kernel");
  const root = join(tmp, "rootfs");
  let kver = "";
  await phase("kernel", async () => {
    kver = await fetchKernel(debs, kdir);
  });
  await phase("debootstrap", () => debootstrap(root, debs, timings));
  await phase("configure", () => configure(root, kdir, kver));
  await phase("mkfs", async () => {
    const usedMb = Number((await sh(["du", "-sm", root], { timeout: 120_000 })).stdout.split(/\s/)[0]);
    await sh(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", root, join(tmp, "rootfs.img"), `${usedMb + RECIPE.headroomMb}M`], { timeout: 600_000 });
    chmodSync(join(tmp, "rootfs.img"), 0o444); // the pristine base of every VM's overlay
  });
  await phase("initramfs", () => initramfs(kdir, kver, join(tmp, "initrd.gz"), join(tmp, "initramfs")));
  cpSync(join(kdir, "boot", `vmlinuz-${kver}`), join(tmp, "vmlinuz"));
  const pkgs = await sh(["dpkg-query", `--admindir=${root}/var/lib/dpkg`, "-W", "-f", "${Package} ${Version}\n"], { timeout: 60_000 });
  writeFileSync(join(tmp, "packages.txt"), pkgs.stdout);
  writeFileSync(join(tmp, "manifest.json"), JSON.stringify({ kver, mirror: debianMirror(), recipe: RECIPE, seconds: timings, builtAt: new Date().toISOString() }, null, 2));
  for (const d of ["kernel", "rootfs", "initramfs"]) rmSync(join(tmp, d), { recursive: true, force: true });
}

/** The image for the current recipe: from the cache, or built now (about 2-4 minutes from scratch). */
export async function ensureImage(o: { log?: (l: string) => void } = {}): Promise<Image> {
  const key = imageKey();
  const log = o.log ?? (() => undefined);
  const e = await cached(cacheRoot(), key, (tmp) => build(tmp, log));
  const manifest = JSON.parse(readFileSync(join(e.dir, "manifest.json"), "utf8"));
  return {
    key,
    dir: e.dir,
    kernel: join(e.dir, "vmlinuz"),
    initrd: join(e.dir, "initrd.gz"),
    rootfs: join(e.dir, "rootfs.img"),
    kver: manifest.kver,
    built: e.built,
    ms: e.ms,
    phases: manifest.seconds,
  };
}
