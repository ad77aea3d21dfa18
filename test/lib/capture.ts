/** What an in-process agent or program run writes: stdout into `o`, stderr into `e`. */
export function capture() {
  const io = { o: "", e: "", out: (s: string) => void (io.o += s), err: (s: string) => void (io.e += s) };
  return io;
}
