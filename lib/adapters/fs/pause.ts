// The one blocking wait of hb's synchronous file code: between attempts at a lock, or at a full pipe.

let cell: Int32Array | null = null;

/** Blocks this thread for `ms` without the event loop (Atomics.wait on a private cell, made on first use). */
export function pauseSync(ms: number): void {
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms);
}
