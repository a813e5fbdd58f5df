// The tail of a child's output: a bounded ring keeps its last bytes for the heartbeat, so a job
// that prints gigabytes costs no more than the ring's capacity in memory, and the kept bytes
// are decoded once, when the run ends (lib/adapters/run/relay.ts feeds the ring).

/** Keeps the last `capacity` bytes pushed into it (0 keeps nothing). */
export class TailRing {
  readonly capacity: number;
  private readonly buf: Buffer;
  /** Where the next byte goes. */
  private pos = 0;
  /** Whether the ring has wrapped, i.e. holds exactly `capacity` bytes. */
  private full = false;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`tail size must be a whole number of bytes >= 0, got ${capacity}`);
    }
    this.capacity = capacity;
    this.buf = Buffer.alloc(capacity);
  }

  /** Appends a chunk, forgetting whatever falls off the front. */
  push(chunk: Uint8Array): void {
    const cap = this.capacity;
    if (cap === 0 || chunk.length === 0) return;
    if (chunk.length >= cap) {
      this.buf.set(chunk.subarray(chunk.length - cap));
      this.pos = 0;
      this.full = true;
      return;
    }
    const first = Math.min(chunk.length, cap - this.pos);
    this.buf.set(chunk.subarray(0, first), this.pos);
    const rest = chunk.length - first;
    if (rest > 0) {
      this.buf.set(chunk.subarray(first), 0);
      this.pos = rest;
      this.full = true;
    } else {
      this.pos += first;
      if (this.pos === cap) {
        this.pos = 0;
        this.full = true;
      }
    }
  }

  /** The kept bytes, oldest first (a copy). */
  bytes(): Buffer {
    if (!this.full) return Buffer.from(this.buf.subarray(0, this.pos));
    return Buffer.concat([this.buf.subarray(this.pos), this.buf.subarray(0, this.pos)]);
  }

  /**
   * The kept bytes as text, at most `capacity` bytes once encoded as UTF-8: a character split by
   * the cut is dropped, invalid bytes become U+FFFD.
   */
  text(): string {
    return decodeTail(this.bytes());
  }
}

/**
 * Decodes the end of a byte stream as UTF-8, at most `bytes.length` bytes once re-encoded. The
 * front was cut at an arbitrary byte, so up to three continuation bytes there belong to a
 * character we no longer have: drop them rather than show a replacement character for our own
 * cut. Each invalid byte becomes U+FFFD, three bytes in UTF-8: binary output would store up to
 * three times the tail it asked for, so its oldest characters are dropped until the text fits.
 */
export function decodeTail(bytes: Buffer): string {
  let start = 0;
  for (const byte of bytes.subarray(0, 3)) {
    if ((byte & 0xc0) !== 0x80) break;
    start++;
  }
  const text = bytes.toString('utf8', start);
  let over = Buffer.byteLength(text) - bytes.length;
  let cut = 0;
  while (over > 0 && cut < text.length) {
    const cp = text.codePointAt(cut)!;
    over -= cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    cut += cp > 0xffff ? 2 : 1;
  }
  return cut === 0 ? text : text.slice(cut);
}
