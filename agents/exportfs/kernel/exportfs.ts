import { OCF, fail } from "../../../src/ocf/codes";
import type { Disk } from "../../../src/ocf/paths";
import { describe, run } from "../../../src/os/exec";
import type { ExCtx } from "../params";
import { readEtab } from "./etab";

/** exportfs's client:path argument (IPv6 addresses in brackets). */
export const specOf = (client: string, dir: string) => `${client.includes(":") && !client.startsWith("[") ? `[${client}]` : client}:${dir}`;

/** The paths of `dirs` that etab lists for our clientspec. */
export async function exportedOf(ctx: ExCtx, disk: Disk, dirs: string[]): Promise<string[]> {
  const etab = await readEtab(disk);
  return dirs.filter((d) => etab.some((e) => e.dir === d && e.client === ctx.params.clientspec));
}

export async function exportfs(ctx: ExCtx, args: string[], what: string) {
  const argv = ["exportfs", ...args];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(15_000) });
  if (r.code !== 0) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `${what} failed: ${describe(argv, r)}`);
}
