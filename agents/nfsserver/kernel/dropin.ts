import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { run } from "../../../src/os/exec";
import { which, writeAtomic } from "../../../src/os/files";
import type { NfsCtx } from "../params";
import { systemctl } from "./daemons";
import { SCOPE_DROPIN } from "./paths";

/**
 * nfs-server.service's rpc.nfsd (which reads nfs.conf) in a UTS namespace named after the scope. The
 * shell here is systemd's to run (systemd 252 cannot set a service's host name); $$ is systemd's $.
 */
export const scopeDropin = (scope: string) =>
  `# ocf:hanfs:nfsserver: server scope ${scope}\n[Service]\nExecStart=\nExecStart=${which("unshare") ?? "/usr/bin/unshare"} --uts -- /bin/sh -c 'hostname "$$0" && exec "$$@"' ${scope} ${which("rpc.nfsd") ?? "/usr/sbin/rpc.nfsd"}\n`;

const read = (f: string) => {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * systemd runs nfs-server.service with this drop-in: DropInPaths lists it and nothing changed on
 * disk since it was loaded (a new drop-in file is not flagged by NeedDaemonReload in systemd 252).
 */
async function loaded(ctx: NfsCtx): Promise<boolean> {
  const r = await run(["systemctl", "show", "-p", "DropInPaths", "-p", "NeedDaemonReload", "nfs-server.service"], { timeoutMs: ctx.deadline.cap(15_000) });
  if (r.code !== 0) return false;
  const props = new Map(r.stdout.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const));
  return (props.get("DropInPaths") ?? "").split(" ").includes(SCOPE_DROPIN) && props.get("NeedDaemonReload") === "no";
}

/**
 * The scope drop-in in place and loaded. daemon-reload reruns every generator and reparses every
 * unit (seconds in an emulated guest): only when the drop-in is new or changed.
 */
export async function ensureScopeDropin(ctx: NfsCtx, scope: string) {
  const text = scopeDropin(scope);
  if (read(SCOPE_DROPIN) === text && (await loaded(ctx))) return;
  mkdirSync(dirname(SCOPE_DROPIN), { recursive: true });
  writeAtomic(SCOPE_DROPIN, text);
  await systemctl(ctx, "daemon-reload", []);
}
