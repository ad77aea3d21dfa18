import { readFileSync } from "node:fs";
import { describe, run } from "../os/exec";
import { parseEvents2, type DrbdResource } from "./events2";
import { parseProcDrbd, type ProcDrbd } from "./proc";
import { parseDrbdVersion, type DrbdVersion } from "./version";

/**
 * Reading DRBD's state from the kernel, for the agent and the fence handlers (the I/O next to the pure
 * parsers): /proc/drbd without a fork, `drbdsetup events2 --now <res>` (one fork, time-limited) where
 * /proc cannot answer. Every reader returns what it saw or why it could not see; policy stays in
 * policy.ts/fence.ts whatever the source.
 *
 * HANFS_PROC_DRBD replaces the path of /proc/drbd. It exists for the tests only (the fake DRBD in
 * test/fake-drbd.ts and the lab's handler tests, which have no DRBD module); nothing sets it in production.
 */
export const procDrbdPath = (env: NodeJS.ProcessEnv) => env.HANFS_PROC_DRBD || "/proc/drbd";

/** /proc/drbd parsed, or undefined when it is absent: the module is not loaded, nothing can run. */
export function readProc(env: NodeJS.ProcessEnv): ProcDrbd | undefined {
  try {
    return parseProcDrbd(readFileSync(procDrbdPath(env), "utf8"));
  } catch {
    return undefined;
  }
}

export type Events2Read = { ok: true; resource: DrbdResource | undefined } | { ok: false; reason: string; notInstalled: boolean };

/**
 * `drbdsetup events2 --now <res>`: the resource as the kernel has it, undefined when the kernel does not
 * know it. drbd-utils 9 re-executes drbdsetup-84 on an 8.4 module, which prints the same records. An
 * unknown resource is either an empty dump (real 8.4.11: exit 0, only `exists -`) or an error naming
 * it (9: "No such resource").
 */
export async function readEvents2(res: string, o: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<Events2Read> {
  const argv = ["drbdsetup", "events2", "--now", res];
  const r = await run(argv, { timeoutMs: o.timeoutMs, env: o.env });
  if (r.error || r.timedOut) return { ok: false, reason: describe(argv, r), notInstalled: r.error?.code === "ENOENT" };
  const resource = parseEvents2(r.stdout, res).resources.get(res);
  if (r.code === 0 || resource) return { ok: true, resource };
  if (/no such resource|unknown resource|not known|not found/i.test(r.stderr)) return { ok: true, resource: undefined };
  return { ok: false, reason: describe(argv, r), notInstalled: false };
}

export type ModuleVersion = { version: DrbdVersion; loaded: boolean } | { version: undefined; loaded: boolean; reason: string };

/**
 * The DRBD kernel module's version: from /proc/drbd when loaded (no fork), else what modprobe would
 * load (`modinfo -F version drbd`), as linbit's agent does when drbdadm reports no kernel version.
 */
export async function moduleVersion(o: { timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<ModuleVersion> {
  const proc = readProc(o.env);
  if (proc) return proc.version ? { version: proc.version, loaded: true } : { version: undefined, loaded: true, reason: `${procDrbdPath(o.env)} has no version line` };
  const argv = ["modinfo", "-F", "version", "drbd"];
  const r = await run(argv, { timeoutMs: o.timeoutMs, env: o.env });
  const v = r.code === 0 ? parseDrbdVersion(r.stdout.trim()) : undefined;
  return v ? { version: v, loaded: false } : { version: undefined, loaded: false, reason: `no DRBD kernel module (${describe(argv, r)})` };
}
