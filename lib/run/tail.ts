// A bounded ring of the last bytes a child wrote: the heartbeat keeps the end of the output,
// and a job that prints gigabytes must not cost more than `capacity` bytes of memory.

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

  /** The kept bytes as text: a character split by the cut is dropped, invalid bytes become U+FFFD. */
  text(): string {
    return decodeTail(this.bytes());
  }
}

/**
 * Decodes the end of a byte stream as UTF-8. The front was cut at an arbitrary byte, so up to
 * three continuation bytes there belong to a character we no longer have: drop them rather
 * than show a replacement character for our own cut.
 */
export function decodeTail(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length && start < 3 && (bytes[start] & 0xc0) === 0x80) start++;
  return bytes.toString('utf8', start);
}
