// The window cells of an AggregateBatch (counts.ts), by number: per cell the '*' counts (blocked,
// total) and, once it has a request of a security category, a block of per-category counts — all in
// typed arrays, off the V8 heap. An object per cell (its counts, an array of 9, a count object per
// category) cost ~250 bytes and the garbage collector's headroom on top (a worker's heap grew to 2–4×
// what was live); here a cell costs 24 bytes and a category block 144, their size exact. Blocked
// details (blocked.ts: BlockedCells) are kept the same way, for the cells that have them.
import { BlockedCells } from './blocked.js';
import { SECURITY_CATEGORIES } from './types.js';

const CATEGORIES = SECURITY_CATEGORIES.length;
/** Numbers per category block: blocked and total of each security category. */
const BLOCK = 2 * CATEGORIES;

function grown(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const bigger = new Float64Array(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}

export class WindowCells {
  /** blocked, total ('*') of cell c at 2c, 2c + 1. */
  all = new Float64Array(2 * 256);
  /** Category block of cell c + 1 (0: none yet), as a float so one growth rule serves both. */
  #block = new Float64Array(256);
  /** blocked, total of security category i of block b at b·BLOCK + 2i, + 1. */
  #categories = new Float64Array(BLOCK * 64);
  #cells = 0;
  #blocks = 0;
  /** Per cell with blocked security requests: its details per category (indexed like SECURITY_CATEGORIES). */
  readonly blocked = new BlockedCells(CATEGORIES);

  get size(): number {
    return this.#cells;
  }

  /** A new cell with no counts: its number. */
  add(): number {
    const c = this.#cells++;
    this.all = grown(this.all, 2 * this.#cells);
    this.#block = grown(this.#block, this.#cells);
    return c;
  }

  /** Adds to cell c's '*' counts. */
  countAll(c: number, blocked: number, total: number): void {
    const all = this.all;
    all[2 * c] = all[2 * c]! + blocked;
    all[2 * c + 1] = all[2 * c + 1]! + total;
  }

  allBlocked(c: number): number {
    return this.all[2 * c]!;
  }

  allTotal(c: number): number {
    return this.all[2 * c + 1]!;
  }

  /** Adds to security category i (position in SECURITY_CATEGORIES) of cell c. */
  countCategory(c: number, i: number, blocked: number, total: number): void {
    let b = this.#block[c]!;
    if (b === 0) {
      b = ++this.#blocks;
      this.#block[c] = b;
      this.#categories = grown(this.#categories, BLOCK * this.#blocks);
    }
    const at = (b - 1) * BLOCK + 2 * i;
    this.#categories[at] = this.#categories[at]! + blocked;
    this.#categories[at + 1] = this.#categories[at + 1]! + total;
  }

  /** Category i of cell c has a row: it counted a request (totals only grow). */
  hasCategory(c: number, i: number): boolean {
    const b = this.#block[c]!;
    return b !== 0 && this.#categories[(b - 1) * BLOCK + 2 * i + 1]! > 0;
  }

  categoryBlocked(c: number, i: number): number {
    const b = this.#block[c]!;
    return b === 0 ? 0 : this.#categories[(b - 1) * BLOCK + 2 * i]!;
  }

  categoryTotal(c: number, i: number): number {
    const b = this.#block[c]!;
    return b === 0 ? 0 : this.#categories[(b - 1) * BLOCK + 2 * i + 1]!;
  }

  /** Security categories of cell c that have a row. */
  categoryRows(c: number): number {
    let n = 0;
    for (let i = 0; i < CATEGORIES; i++) if (this.hasCategory(c, i)) n++;
    return n;
  }
}
