// Float formatting with the results of Go's strconv.FormatFloat (formats e, E,
// f, g, G, b, x, X). Rounding works on the exact decimal expansion of the double,
// half to even, which is what Go does and what Number#toFixed does not.

interface Decimal {
  d: string; // significant digits, no leading or trailing zeros ('' for zero)
  dp: number; // decimal point position: value = 0.d × 10^dp
}

function decompose(v: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074; // subnormal
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

function trim(dec: Decimal): Decimal {
  let d = dec.d, dp = dec.dp;
  let i = 0;
  while (i < d.length && d[i] === '0') i++;
  d = d.slice(i);
  dp -= i;
  d = d.replace(/0+$/, '');
  return d === '' ? { d: '', dp: 0 } : { d, dp };
}

/** Exact decimal expansion of |v| (v finite). */
function exactDecimal(v: number): Decimal {
  const { mant, exp } = decompose(Math.abs(v));
  if (mant === 0n) return { d: '', dp: 0 };
  if (exp >= 0) {
    const s = (mant << BigInt(exp)).toString();
    return trim({ d: s, dp: s.length });
  }
  const s = (mant * 5n ** BigInt(-exp)).toString();
  return trim({ d: s, dp: s.length + exp });
}

/** Shortest digits that round-trip (JS and Go agree on these). */
function shortestDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  const [m = '', e = '0'] = Math.abs(v).toExponential().split('e');
  return trim({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** Round to nd significant digits, half to even on the exact value. */
function round(dec: Decimal, nd: number): Decimal {
  const { d, dp } = dec;
  if (nd < 0 || nd >= d.length) return dec;
  let up: boolean;
  if (d[nd] === '5' && nd + 1 === d.length) up = nd > 0 && (Number(d[nd - 1]) % 2 === 1);
  else up = d[nd]! >= '5';
  if (!up) return trim({ d: d.slice(0, nd), dp });
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  return { d: d.slice(0, i) + String(Number(d[i]) + 1), dp };
}

function digitAt(dec: Decimal, i: number): string {
  return i >= 0 && i < dec.d.length ? dec.d[i]! : '0';
}

function fmtE(dec: Decimal, prec: number, e: string): string {
  let s = digitAt(dec, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(dec, i);
  }
  const exp = dec.d === '' ? 0 : dec.dp - 1;
  const abs = Math.abs(exp);
  return s + e + (exp < 0 ? '-' : '+') + (abs < 10 ? '0' : '') + String(abs);
}

function fmtF(dec: Decimal, prec: number): string {
  let s = '';
  if (dec.dp > 0) {
    for (let i = 0; i < dec.dp; i++) s += digitAt(dec, i);
  } else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(dec, dec.dp + i - 1);
  }
  return s;
}

function fmtHex(v: number, prec: number, upper: boolean): string {
  let { mant, exp } = decompose(Math.abs(v));
  let out: string;
  if (mant === 0n) out = '0x0' + (prec > 0 ? '.' + '0'.repeat(prec) : '') + 'p+00';
  else {
    // Normalise so the leading 1 sits at bit 52, then print 52 fraction bits as 13 hex digits.
    while (mant < 1n << 52n) {
      mant <<= 1n;
      exp--;
    }
    exp += 52;
    let frac = mant & ((1n << 52n) - 1n);
    let lead = 1n;
    if (prec >= 0 && prec < 13) {
      const shift = BigInt(4 * (13 - prec));
      const half = 1n << (shift - 1n);
      const rem = frac & ((1n << shift) - 1n);
      frac >>= shift;
      if (rem > half || (rem === half && (frac & 1n) === 1n)) frac++;
      if (frac >> BigInt(4 * prec) > 0n) {
        frac = 0n;
        lead = 1n;
        exp++;
      }
    }
    let hex = frac.toString(16).padStart(prec >= 0 && prec < 13 ? prec : 13, '0');
    if (prec < 0) hex = hex.replace(/0+$/, '');
    else if (prec > 13) hex = hex.padEnd(prec, '0');
    if (prec === 0) hex = '';
    const e = Math.abs(exp);
    out = `0x${lead}${hex ? '.' + hex : ''}p${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return upper ? out.toUpperCase() : out;
}

/** Like Go's strconv.FormatFloat(v, fmt, prec, 64). */
export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0) ? '-' : '';
  switch (fmt) {
    case 'b': {
      const { mant, exp } = decompose(Math.abs(v));
      return `${neg}${mant}p${exp >= 0 ? '+' : ''}${exp}`;
    }
    case 'x':
    case 'X':
      return neg + fmtHex(v, prec, fmt === 'X');
  }
  const shortest = prec < 0;
  let dec: Decimal;
  if (shortest) {
    dec = shortestDecimal(v);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(dec.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(dec.d.length - dec.dp, 0);
        break;
      default:
        prec = dec.d.length;
    }
  } else {
    dec = exactDecimal(v);
    switch (fmt) {
      case 'e':
      case 'E':
        dec = round(dec, prec + 1);
        break;
      case 'f':
        dec = round(dec, dec.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        dec = round(dec, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return neg + fmtE(dec, prec, fmt);
    case 'f':
      return neg + fmtF(dec, prec);
  }
  // %g: exponent form when the exponent is < -4 or >= the precision.
  let eprec = prec;
  const nd = dec.d.length;
  if (eprec > nd && nd >= dec.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = dec.dp - 1;
  const e = fmt === 'G' ? 'E' : 'e';
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return neg + fmtE(dec, prec - 1, e);
  }
  if (prec > dec.dp) prec = nd;
  return neg + fmtF(dec, Math.max(prec - dec.dp, 0));
}
