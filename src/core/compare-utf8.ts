/**
 * Byte order of UTF-8 (code point order), the same on every machine and locale, compared on
 * the strings' UTF-16 code units: a layer's 23,000 paths sorted through two `Buffer.from` per
 * comparison spent more time allocating than comparing. UTF-16 order is code point order but
 * for surrogates (code points from U+10000), which sort below U+E000–U+FFFF: `unitWeight`
 * moves them above.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitWeight(x) - unitWeight(y);
  }
  return a.length - b.length;
}

const unitWeight = (unit: number) =>
  unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
