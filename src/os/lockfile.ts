import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Deadline } from "../ocf/deadline";
import { alive, procStat } from "./procs";

/**
 * An exclusive lock file (Node has no flock): created with O_EXCL and holding "<pid> <start time>",
 * so a lock whose holder died (crash, SIGKILL at a deadline) is recognised as stale and taken over
 * instead of blocking every later run. Waiting is polled and bounded.
 */
export interface Lock {
  path: string;
  release(): void;
}

const me = () => `${process.pid} ${procStat(process.pid)?.start ?? ""}\n`;

/** Why the lock at `path` is not stale (its holder), or undefined when its holder is gone. */
function holder(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // gone meanwhile: try again
  }
  const m = /^(\d+) (\d*)\n$/.exec(text);
  if (!m) {
    // a holder between creating and writing it; an unreadable file older than that is garbage
    try {
      return Date.now() - statSync(path).mtimeMs < 5000 ? "a process that is just taking it" : undefined;
    } catch {
      return undefined;
    }
  }
  const pid = Number(m[1]);
  const st = procStat(pid);
  return alive(pid) && (!m[2] || st?.start === m[2]) ? `pid ${pid}` : undefined;
}

function tryTake(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, me());
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Take the lock, waiting at most `waitMs` (and never past the deadline); `{ busy }` names the holder otherwise. */
export async function acquireLock(path: string, o: { deadline: Deadline; waitMs: number; pollMs?: number }): Promise<Lock | { busy: string }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const end = Math.min(o.deadline.at, Date.now() + o.waitMs);
  let who = "";
  for (;;) {
    if (tryTake(path)) return { path, release: () => release(path) };
    let h = holder(path);
    if (h === undefined) {
      // stale: remove it unless it changed under us (another waiter may have taken over already)
      try {
        const before = readFileSync(path, "utf8");
        if (holder(path) === undefined && readFileSync(path, "utf8") === before) unlinkSync(path);
        if (Date.now() < end) continue;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        h = `a stale lock that cannot be removed (${(e as NodeJS.ErrnoException).code})`;
      }
    }
    who = h ?? "a stale lock";
    const left = end - Date.now();
    if (left <= 0) return { busy: `${path} is held by ${who}` };
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 100, left)));
  }
}

function release(path: string) {
  try {
    if (readFileSync(path, "utf8") === me()) unlinkSync(path);
  } catch {
    /* gone */
  }
}
