/**
 * FNV-1a over a string: turns a call's idempotency key into the index of the
 * engine's keyed random stream, so each call's fate depends only on (seed, key).
 */
export const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}
