import { os } from "./lazy";

let signals: Record<string, number> | undefined;
const SIGNALS = () => (signals ??= os().constants.signals as Record<string, number>);
/** Signals that stop or pause a process instead of ending it: useless to free a mount. */
const NOT_ENDING = new Set(["SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGCONT", "SIGCHLD", "SIGURG", "SIGWINCH"]);

/**
 * Parse a signal list like "TERM", "SIGTERM,SIGHUP" or "15 9" into signal names.
 * Returns an error text for anything that is not a real signal that can end a process.
 */
export function parseSignalList(text: string): { signals: NodeJS.Signals[] } | { error: string } {
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (!words.length) return { error: "is empty" };
  const out: NodeJS.Signals[] = [];
  for (const w of words) {
    let name: string | undefined;
    if (/^\d+$/.test(w)) name = Object.keys(SIGNALS()).find((k) => SIGNALS()[k] === Number(w));
    else {
      const up = w.toUpperCase();
      name = up.startsWith("SIG") ? up : `SIG${up}`;
    }
    if (!name || !(name in SIGNALS())) return { error: `has an unknown signal '${w}'` };
    if (NOT_ENDING.has(name)) return { error: `has ${name}, which does not end a process` };
    out.push(name as NodeJS.Signals);
  }
  return { signals: out };
}
