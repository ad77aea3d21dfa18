import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Node } from "./node";
import { PATH } from "../../lib/sh";

/** Write `kb` KiB of random data to `path` inside the node, flush it, return its sha256. */
export async function writeRandom(node: Node, path: string, kb: number): Promise<string> {
  const r = await node.exec(["sh", "-c", `head -c ${kb}K /dev/urandom >"$1" && sync "$1" && sha256sum "$1"`, "sh", path], { timeout: 30_000 });
  return r.stdout.split(" ")[0];
}

export async function sha256(node: Node, path: string): Promise<string> {
  return (await node.exec(["sha256sum", path], { timeout: 30_000 })).stdout.split(" ")[0];
}

/**
 * A process inside the node appending fixed-size numbered records to `path`, fsyncing each and only
 * then reporting its number on stdout: `acked` is what the writer knew to be durable.
 */
export class Writer {
  acked = 0;
  private buf = "";
  private ended: Promise<void>;

  constructor(node: Node, path: string, everyMs = 5) {
    const script = `use IO::Handle; $|=1; open(my $f, ">>", $ARGV[0]) or die "$ARGV[0]: $!";
      for (my $i = 1; ; $i++) { syswrite($f, sprintf("%09d %s\\n", $i, "x" x 53)) == 64 or die; $f->sync or die; print "$i\\n"; select(undef,undef,undef,${everyMs / 1000}); }`;
    const child = spawn("nsenter", ["-t", String(node.init!.pid), "-m", "-u", "-i", "-n", "-p", "--wd=/", "--", "perl", "-e", script, path], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { PATH },
    });
    child.stdout.on("data", (d: Buffer) => {
      this.buf += d.toString();
      const lines = this.buf.split("\n");
      this.buf = lines.pop()!;
      for (const l of lines) if (/^\d+$/.test(l)) this.acked = Number(l);
    });
    this.ended = new Promise((r) => child.once("close", () => r()));
  }

  /** Resolves when the writer is gone (its node was powered off). */
  gone() {
    return this.ended;
  }
}

/** Check a writer's file: records 1..n in order, every full record intact; returns n. */
export function checkRecords(text: string): number {
  const recs = text.split("\n");
  if (recs[recs.length - 1] !== "") recs.pop(); // a torn last record (not acked) is allowed
  else recs.pop();
  recs.forEach((r, i) => {
    const want = `${String(i + 1).padStart(9, "0")} ${"x".repeat(53)}`;
    if (r !== want) throw new Error(`record ${i + 1} is damaged: ${JSON.stringify(r.slice(0, 80))}`);
  });
  return recs.length;
}

/**
 * A process inside the node keeping `dir` busy (detached, own session, so nothing but the agent's
 * holder scan finds it) that ignores SIGTERM; SIGKILL works → the agent must escalate.
 */
export async function startHolder(node: Node, dir: string) {
  const hold = `chdir($ARGV[0]) or die "$ARGV[0]: $!"; open(my $f, "<", "."); $SIG{TERM} = "IGNORE"; sleep 1 while 1;`;
  await node.exec(["sh", "-c", `cd / && exec setsid -f perl -e '${hold.replaceAll("'", "'\\''")}' "$1" </dev/null >/dev/null 2>&1`, "sh", dir], { timeout: 10_000 });
}

/**
 * A holder the node's agents can neither see nor signal: this harness, outside the node's pid
 * namespace, opens `file` on the node's mount through /proc/<init>/root, as a process of another
 * container on the same host would. umount stays busy while the agent's /proc scan finds nobody, so
 * stop must fail (no race: a respawning holder inside the node is sometimes killed between respawns
 * and the umount wins). Returns the function that lets go.
 */
export function holdFromOutside(node: Node, file: string): () => void {
  let fd: number | undefined = openSync(`/proc/${node.init!.pid}/root${file}`, "r");
  return () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
}
