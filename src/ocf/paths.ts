import { canonicalPath, childResolver, ResolveError } from "../os/canonical";
import type { Mount } from "../os/mountinfo";
import * as slowfs from "../os/slowfs";
import { OCF, fail } from "./codes";
import type { Deadline } from "./deadline";

/**
 * canonicalPath for an action: its lookups bounded by the deadline (and by `limitMs` altogether,
 * to leave time for what the action can do without the answer); one that cannot finish (a hung
 * filesystem on the way) throws OcfError 1 that says which path.
 */
export async function kernelPath(ctx: { deadline: Deadline }, path: string, mounts: Mount[], limitMs = Infinity): Promise<string> {
  const end = Date.now() + limitMs;
  try {
    return await canonicalPath(path, mounts, childResolver(() => ctx.deadline.cap(end - Date.now())));
  } catch (e) {
    return e instanceof ResolveError ? fail(OCF.ERR_GENERIC, e.message) : Promise.reject(e);
  }
}

type Bounded<F> = F extends (...a: [...infer A, number]) => Promise<infer R> ? (...a: A) => Promise<R> : never;

/**
 * os/slowfs.ts for an action, for storage that may hang (shared disk, exported directories, bind
 * sources): each call bounded by the deadline and by `capMs`, and a hang or failure is OcfError 1
 * with the reason. A caller that can do without the answer catches it.
 */
export function onDisk(ctx: { deadline: Deadline }, capMs = Infinity) {
  const bound =
    <A extends unknown[], R>(f: (...a: [...A, number]) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a, Math.max(1, ctx.deadline.cap(capMs)));
      } catch (e) {
        return e instanceof slowfs.SlowFsError ? fail(OCF.ERR_GENERIC, e.message) : Promise.reject(e);
      }
    };
  return {
    statPaths: bound(slowfs.statPaths) as Bounded<typeof slowfs.statPaths>,
    statPath: bound(slowfs.statPath) as Bounded<typeof slowfs.statPath>,
    readFileText: bound(slowfs.readFileText) as Bounded<typeof slowfs.readFileText>,
    writeFileText: bound(slowfs.writeFileText) as Bounded<typeof slowfs.writeFileText>,
    appendFileText: bound(slowfs.appendFileText) as Bounded<typeof slowfs.appendFileText>,
    createFile: bound(slowfs.createFile) as Bounded<typeof slowfs.createFile>,
    makeDirs: bound(slowfs.makeDirs) as Bounded<typeof slowfs.makeDirs>,
    chownPaths: bound(slowfs.chownPaths) as Bounded<typeof slowfs.chownPaths>,
  };
}
export type Disk = ReturnType<typeof onDisk>;
