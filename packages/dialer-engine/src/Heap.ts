/**
 * A binary min-heap with an explicit comparator, used by the contact queue and
 * the simulator's event calendar. Ties must be broken by the comparator (e.g. an
 * insertion sequence) so that pop order is fully deterministic.
 *
 * Ownership: mutable; owned by the structure that created it.
 */
export class Heap<T> {
  private readonly items: Array<T> = []
  private readonly less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less
  }

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(x: T): void {
    const a = this.items
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(x, a[p]!)) break
      a[i] = a[p]!
      i = p
    }
    a[i] = x
  }

  pop(): T | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      const n = a.length
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && this.less(a[r]!, a[l]!) ? r : l
        if (!this.less(a[c]!, last)) break
        a[i] = a[c]!
        i = c
      }
      a[i] = last
    }
    return top
  }

  /** Items in heap (not sorted) order. */
  toArray(): ReadonlyArray<T> {
    return this.items
  }
}
