// A list answer's bytes: the JSON array of records already serialised one by one, written into one
// buffer — what goes to the socket — instead of first building a string of the page's size: V8
// allocates and fills a large string (a 100-ticket page is ~160 kB) far more slowly than it copies
// small ones, and a string would be encoded to UTF-8 again on its way out.

/** The UTF-8 bytes of `[item,item,…]`, each item a JSON text. */
export function jsonArray(items: readonly string[]): Buffer {
  let size = 2 + Math.max(0, items.length - 1);
  for (const item of items) size += Buffer.byteLength(item, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = out.write('[', 0, 'latin1');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) at += out.write(',', at, 'latin1');
    at += out.write(items[i]!, at, 'utf8');
  }
  at += out.write(']', at, 'latin1');
  if (at !== size) throw new Error(`jsonArray wrote ${at} of ${size} bytes`);
  return out;
}
