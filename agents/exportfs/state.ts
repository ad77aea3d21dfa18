import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeAtomic } from "../../src/os/files";
import { dirsOf, safeName } from "./common";
import type { ExCtx } from "./params";

/** Proof that this boot exported it: lives in tmpfs (HA_RSCTMP), gone after a reboot (RA#821). */
export const stateFile = (ctx: ExCtx) => `${ctx.env.HA_RSCTMP || "/run/resource-agents"}/hanfs-exportfs-${safeName(ctx.instance)}.state`;

/**
 * Proof that this boot exported it, and how: per configured directory, the canonical path start
 * gave the server (a directory reached through a symlink is exported under its real path, which
 * is what etab and the kernel's export cache then show). Lines "<clientspec> <directory> <canonical>".
 */
export function writeState(ctx: ExCtx, canonical: string[]) {
  mkdirSync(dirname(stateFile(ctx)), { recursive: true });
  writeAtomic(stateFile(ctx), dirsOf(ctx).map((d, i) => `${ctx.params.clientspec} ${d} ${canonical[i] ?? d}\n`).join(""));
}

/** directory → canonical path; lines of older versions ("<clientspec> <directory>") map a directory to itself. */
export function parseState(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const f = line.split(" ").filter(Boolean);
    if (f.length >= 2) out.set(f[1], f[2] ?? f[1]);
  }
  return out;
}

/** The state of this boot's start, or undefined when there is none (not started since boot: RA#821). */
export function readState(ctx: ExCtx): Map<string, string> | undefined {
  try {
    return parseState(readFileSync(stateFile(ctx), "utf8"));
  } catch {
    return undefined;
  }
}

export const removeState = (ctx: ExCtx) => rmSync(stateFile(ctx), { force: true });

/** Let NFSv4 clients' state on the export expire before the filesystem goes (bounded by the deadline). */
export async function leaseWait(ctx: ExCtx, leaseFile = "/proc/fs/nfsd/nfsv4leasetime") {
  if (!ctx.params.wait_for_leasetime_on_stop) return;
  let lease = 90;
  try {
    const m = /(?:^|Lease_Lifetime\s*=\s*)(\d+)/.exec(readFileSync(leaseFile, "utf8").trim());
    lease = Number(m?.[1]) || 90;
  } catch {
    /* not readable: the NFSv4 default */
  }
  const ms = Math.min(lease * 1000, ctx.deadline.remaining() - 2000);
  ctx.log.info(`waiting ${Math.round(ms / 1000)} s for NFSv4 leases on the export to expire`);
  if (ms > 0) await ctx.deadline.sleep(ms);
}
