import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeAtomic } from "../../src/os/files";
import type { FsCtx } from "./params";

/**
 * What start writes down BEFORE it calls mount(2): where it mounts (the canonical target) and what
 * (device number; the block device behind UUID=/LABEL= once known). A start that dies or fails
 * after mount(2) thus leaves a trail that stop and monitor follow even when the `directory` path no
 * longer leads there (a symlink changed). Lives in HA_RSCTMP: gone after a reboot, like the mounts.
 */
export interface MountRecord {
  /** canonical mount point start mounted on */
  target?: string;
  /** "major:minor" of the block device */
  dev?: string;
  /** block device path (for UUID=/LABEL= without udev links) */
  source?: string;
}

// the name is kept from when the file held only the device behind a UUID=/LABEL=
export const recordFile = (ctx: FsCtx) =>
  `${ctx.env.HA_RSCTMP || "/run/resource-agents"}/hanfs-Filesystem-${ctx.instance.replace(/[^A-Za-z0-9._:-]/g, "_")}.dev`;

export function readRecord(ctx: FsCtx): MountRecord {
  let text: string;
  try {
    text = readFileSync(recordFile(ctx), "utf8").trim();
  } catch {
    return {};
  }
  if (!text.startsWith("{")) return text ? { source: text } : {}; // older hanfs: the device path alone
  try {
    const r = JSON.parse(text) as Record<string, unknown>;
    const s = (k: string) => (typeof r[k] === "string" && r[k] ? (r[k] as string) : undefined);
    return { target: s("target"), dev: s("dev"), source: s("source") };
  } catch {
    return {};
  }
}

export function writeRecord(ctx: FsCtx, r: MountRecord) {
  const file = recordFile(ctx);
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(r) + "\n");
}

export const removeRecord = (ctx: FsCtx) => rmSync(recordFile(ctx), { force: true });
