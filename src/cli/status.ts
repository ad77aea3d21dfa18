/** `hanfs status`: one screen (or --json) about this node's part of the NFS service. Exit 0 unless the flags are wrong. */
import type { Command } from "commander";
import { writeErr, writeOut } from "../os/runtime";

interface Flags {
  json?: boolean;
  mount: string;
  nfs: string;
  haproxySocket?: string;
  timeoutMs: string;
}

export function registerStatus(prog: Command, done: (code: number) => void): void {
  prog
    .command("status")
    .description("this node's DRBD role/disk/peer, the mount, whether the NFS server answers, grace, NFSv4 clients, haproxy's view")
    .option("--json", "machine-readable output")
    .option("--mount <dir>", "the service's mount point", "/srv")
    .option("--nfs <addr:port>", "where to send the RPC NULL calls", "127.0.0.1:2049")
    .option("--haproxy-socket <path>", "haproxy's admin socket (stats socket ... level admin), when reachable from here")
    .option("--timeout-ms <ms>", "bound for every probe (they run in parallel)", "2000")
    .action(async (o: Flags) => {
      const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(o.nfs);
      const t = Number(o.timeoutMs);
      if (!m || +m[2] < 1 || +m[2] > 65535 || !Number.isInteger(t) || t < 50 || t > 60_000) {
        writeErr(`hanfs status: --nfs must be ADDRESS:PORT and --timeout-ms 50..60000\n`);
        return done(2);
      }
      const { collectStatus, renderStatus } = await import("../status/collect");
      const s = await collectStatus({ mount: o.mount, nfsHost: m[1].replace(/^\[|\]$/g, ""), nfsPort: +m[2], haproxySocket: o.haproxySocket, timeoutMs: t });
      writeOut(o.json ? JSON.stringify(s, null, 2) + "\n" : renderStatus(s));
      done(0);
    });
}
