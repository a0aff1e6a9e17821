/**
 * A binary min-heap of integer ids (cell indices) keyed by an external Float64Array, with
 * decrease-key: the priority queue of Dijkstra and fast marching on grids. All storage is typed
 * arrays sized once, so a field computation allocates nothing per cell.
 */
export class MinHeap {
  private readonly heap: Int32Array;
  /** Position of each id in `heap`, -1 when absent. */
  private readonly pos: Int32Array;
  private n = 0;

  /** `keys[id]` is the priority of `id`; the heap reads it, the caller writes it. */
  constructor(
    capacity: number,
    private readonly keys: Float64Array,
  ) {
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.n;
  }

  has(id: number): boolean {
    return this.pos[id]! >= 0;
  }

  /** Insert `id`, or restore the order after its key decreased. */
  push(id: number): void {
    let i = this.pos[id]!;
    if (i < 0) {
      i = this.n++;
      this.heap[i] = id;
      this.pos[id] = i;
    }
    this.up(i);
  }

  /** Remove and return the id with the smallest key. */
  pop(): number {
    const top = this.heap[0]!;
    this.pos[top] = -1;
    this.n--;
    if (this.n > 0) {
      const last = this.heap[this.n]!;
      this.heap[0] = last;
      this.pos[last] = 0;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const { heap, pos, keys } = this;
    const id = heap[i]!;
    const k = keys[id]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pid = heap[parent]!;
      if (keys[pid]! <= k) break;
      heap[i] = pid;
      pos[pid] = i;
      i = parent;
    }
    heap[i] = id;
    pos[id] = i;
  }

  private down(i: number): void {
    const { heap, pos, keys, n } = this;
    const id = heap[i]!;
    const k = keys[id]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && keys[heap[r]!]! < keys[heap[l]!]! ? r : l;
      const cid = heap[child]!;
      if (keys[cid]! >= k) break;
      heap[i] = cid;
      pos[cid] = i;
      i = child;
    }
    heap[i] = id;
    pos[id] = i;
  }
}
