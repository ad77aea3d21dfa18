import { writeSync } from "node:fs";

/**
 * The few things that differ between the runtimes hanfs runs on: Bun (dist/hanfs, a `bun build
 * --compile` executable) and Node (tests, and the Node SEA kept for the benchmark). Code elsewhere
 * asks here instead of testing for a runtime itself.
 */
interface BunGlobal {
  main: string;
}
const bun = (globalThis as { Bun?: BunGlobal }).Bun;

/** "bun 1.4.5" or "node v22.23.3": what `hanfs version` reports. */
export const RUNTIME = bun ? `bun ${process.versions.bun}` : `node ${process.version}`;

/** True in the single-file build (Bun compiled executable or Node SEA), false under tsx/vitest. */
export function isSingleBinary(): boolean {
  // a compiled Bun executable runs its code from the embedded file system
  if (bun) return bun.main.startsWith("/$bunfs/");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("node:sea").isSea();
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Write all of `s` to a file descriptor, synchronously, before anything else happens. Not
 * process.stdout/stderr: under Bun the first touch of either loads node:stream and node:tty
 * (~20 ms and ~8 MB, as much as the rest of a monitor), and with both runtimes a write to a
 * non-blocking pipe that is full was cut short at process.exit (a reason behind a 64 KiB line
 * vanished that way). Here a partial write or EAGAIN (the reader is slow) waits and goes on, for
 * up to `ms` in all: a reader that stopped reading must not keep the action past its deadline.
 * EPIPE or EBADF (the reader is gone) drops the rest, since nobody is left to read it and the
 * exit code must still be the action's.
 */
function writeAll(fd: number, s: string, ms = 2000) {
  const buf = Buffer.from(s);
  const end = Date.now() + ms;
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > end) return;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

export const writeOut = (s: string) => writeAll(1, s);
export const writeErr = (s: string) => writeAll(2, s);
