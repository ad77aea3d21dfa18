import { mkdirSync, readlinkSync, renameSync, rmdirSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Deadline } from "../ocf/deadline";
import { startTime } from "../os/procs";
import type { GaneshaPaths } from "./ganesha";

/**
 * Serialises changes to exports.d and exports.conf between the agents of one node (every
 * exportfs resource, nfsserver at start). The lock is a symlink whose target names its holder,
 * "<pid>:<start time>", made atomically by symlink(2). A lock is taken over only when that
 * process is gone (a SIGKILLed agent), never by age: a slow live holder keeps it. Taking over
 * renames the dead holder's link away first and checks it is the one judged dead, so two agents
 * that find the same dead lock do not both remove a lock a third has taken meanwhile.
 */
export class ExportsLockError extends Error {}

const owner = () => `${process.pid}:${startTime(process.pid) ?? "?"}`;

function holderAlive(value: string): boolean {
  const [pid, start] = value.split(":");
  return /^\d+$/.test(pid) && startTime(Number(pid)) === start;
}

const readLink = (p: string) => {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
};

/** Earlier hanfs locked with mkdir and no owner: such a lock older than 30 s is taken as abandoned. */
function dropLegacy(lock: string): false {
  try {
    if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
  } catch {
    /* not a directory, or gone */
  }
  return false;
}

/** Take the lock once: true when ours. */
function tryTake(lock: string, me: string): boolean {
  try {
    symlinkSync(me, lock);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const held = readLink(lock);
  if (held === undefined) return dropLegacy(lock); // released meanwhile (retry), or an older hanfs's lock
  if (holderAlive(held)) return false;
  const aside = `${lock}.dead.${process.pid}`;
  try {
    renameSync(lock, aside);
  } catch {
    return false; // someone else moved it
  }
  const moved = readLink(aside);
  if (moved !== undefined && moved !== held) {
    // not the dead holder's link: put the live one back unless a newer one is there already
    try {
      symlinkSync(moved, lock);
    } catch {
      /* a newer holder: the one we moved lost its lock; it only rebuilds a list that is rebuilt again */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* gone */
  }
  return false; // try again on the next poll
}

/** Run `fn` holding the lock; waits for a live holder until `deadline` (then ExportsLockError). */
export async function withExportsLock<T>(p: GaneshaPaths, deadline: Deadline, fn: () => T): Promise<T> {
  const lock = join(p.runDir, "exports.lock");
  mkdirSync(p.runDir, { recursive: true });
  const me = owner();
  const got = await deadline.until(() => (tryTake(lock, me) ? true : undefined), 20);
  if (!got) throw new ExportsLockError(`${lock} is held by another agent (${readLink(lock) ?? "?"}) until the deadline`);
  try {
    return fn();
  } finally {
    // release only our own link; a release that fails leaves a lock whose holder is gone: taken over
    if (readLink(lock) === me) {
      try {
        unlinkSync(lock);
      } catch {
        /* gone */
      }
    }
  }
}
