// Page-aligned memory for O_DIRECT I/O. The kernel refuses (EINVAL) direct reads and writes from
// memory not aligned to the device's blocks, and Node's Buffers are only 8- or 16-byte aligned;
// WebAssembly memory is mapped in whole pages, so views into it are page-aligned.

const wasmPageBytes = 64 * 1024;

/** The project's TypeScript lib (es2023, no DOM) has no WebAssembly value; Node 24 has it. */
type WasmMemory = new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemory } }).WebAssembly;

/** `count` buffers of `bytes` each (a multiple of 64 KiB), every one starting on a page boundary. */
export function alignedBuffers(bytes: number, count: number): Buffer[] {
  if (bytes % wasmPageBytes !== 0) throw new Error(`aligned buffers come in 64 KiB pages, not ${bytes} bytes`);
  const memory = new Memory({ initial: (bytes / wasmPageBytes) * count });
  return Array.from({ length: count }, (_, index) => Buffer.from(memory.buffer, index * bytes, bytes));
}
