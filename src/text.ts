/**
 * A text echoed into a message (a parameter value, a command line, a log line): at most `max`
 * characters, with how long it really was. The one place values are capped: a 64 KiB parameter
 * must not turn every reason and log line into 64 KiB.
 */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** `message` with every occurrence of a long value in `values` clipped. */
export function clipValues(message: string, values: Iterable<unknown>, max = 200): string {
  let out = message;
  for (const v of values) if (typeof v === "string" && v.length > max && out.includes(v)) out = out.split(v).join(clip(v, max));
  return out;
}
