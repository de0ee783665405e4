/**
 * Splits an inline command line (`SET a "b c"\r\n`) into arguments the way
 * Redis's `sdssplitargs` does, so `nc`/`telnet` users see Redis's behaviour:
 * - arguments are separated by spaces, tabs, `\r`, `\n` (and NUL);
 * - `"..."` understands `\n \r \t \b \a \\ \"` and `\xHH`; `'...'` only `\'`;
 * - a quote may open inside an argument (`a"b c"` is one argument, `ab c`);
 * - a closing quote must be followed by a separator or the end of the line,
 *   and every quote must close: otherwise the line is rejected.
 *
 * @module
 */

const SQ = 39; // '
const DQ = 34; // "
const BS = 92; // \

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

const ESCAPES: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 97: 7 }; // n r t b a

/**
 * The arguments of `line` (which holds no `\n`), or `undefined` when its
 * quotes do not balance. Unquoted arguments are views into `line`.
 */
export function splitInline(line: Uint8Array): Uint8Array[] | undefined {
  const args: Uint8Array[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i === n) return args;
    const start = i;
    while (i < n && !isSpace(line[i]) && line[i] !== DQ && line[i] !== SQ) i++;
    if (i === n || isSpace(line[i])) {
      args.push(line.subarray(start, i)); // the common case: no quotes, no copy
      continue;
    }
    // A quote: build this argument byte by byte.
    const out: number[] = Array.from(line.subarray(start, i));
    let done = false;
    while (!done) {
      if (i === n) {
        done = true;
      } else if (line[i] === DQ || line[i] === SQ) {
        const q = line[i++];
        for (;;) {
          if (i === n) return undefined; // unterminated quotes
          const c = line[i];
          if (
            q === DQ && c === BS && i + 3 < n && line[i + 1] === 120 /* x */ &&
            hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0
          ) {
            out.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
            i += 4;
          } else if (q === DQ && c === BS && i + 1 < n) {
            out.push(ESCAPES[line[i + 1]] ?? line[i + 1]);
            i += 2;
          } else if (q === SQ && c === BS && i + 1 < n && line[i + 1] === SQ) {
            out.push(SQ);
            i += 2;
          } else if (c === q) {
            i++;
            // The closing quote must end the argument.
            if (i < n && !isSpace(line[i])) return undefined;
            done = true;
            break;
          } else {
            out.push(c);
            i++;
          }
        }
      } else if (isSpace(line[i])) {
        done = true;
      } else {
        out.push(line[i++]);
      }
    }
    args.push(Uint8Array.from(out));
  }
}
