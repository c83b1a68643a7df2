// SHA-256 (FIPS 180-4) fed piece by piece, so a browser can hash a file of gigabytes in
// bounded memory: crypto.subtle.digest only hashes a whole buffer at once. No library.
// Usage: const h = new Sha256(); h.update(uint8array); ...; h.hex() -> 64 hex digits.
"use strict";
(function (global) {
  // The constants are the first 32 bits of the fractional parts of the square roots (H) and
  // cube roots (K) of the first primes, computed here rather than typed in.
  function primes(n) {
    const out = [];
    for (let c = 2; out.length < n; c++) {
      if (out.every(function (p) { return c % p !== 0; })) out.push(c);
    }
    return out;
  }
  function frac32(x) { return ((x - Math.floor(x)) * 4294967296) >>> 0; }
  const P = primes(64);
  const K = new Uint32Array(P.map(function (p) { return frac32(Math.cbrt(p)); }));
  const H0 = P.slice(0, 8).map(function (p) { return frac32(Math.sqrt(p)); });

  function Sha256() {
    this.h = new Uint32Array(H0);
    this.block = new Uint8Array(64);
    this.used = 0; // bytes waiting in this.block
    this.length = 0; // bytes hashed in all
    this.w = new Uint32Array(64);
  }

  Sha256.prototype.compress = function (bytes, at) {
    const w = this.w, h = this.h;
    for (let i = 0; i < 16; i++) {
      const j = at + 4 * i;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (k + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  };

  Sha256.prototype.update = function (bytes) {
    let i = 0;
    this.length += bytes.length;
    if (this.used) {
      while (this.used < 64 && i < bytes.length) this.block[this.used++] = bytes[i++];
      if (this.used < 64) return this;
      this.compress(this.block, 0);
      this.used = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.compress(bytes, i);
    while (i < bytes.length) this.block[this.used++] = bytes[i++];
    return this;
  };

  Sha256.prototype.hex = function () {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.used < 56 ? 56 : 120) - this.used) + 8);
    pad[0] = 0x80;
    const n = pad.length;
    const high = Math.floor(bits / 4294967296), low = bits >>> 0;
    for (let i = 0; i < 4; i++) {
      pad[n - 8 + i] = (high >>> (24 - 8 * i)) & 255;
      pad[n - 4 + i] = (low >>> (24 - 8 * i)) & 255;
    }
    const length = this.length;
    this.update(pad);
    this.length = length;
    let out = "";
    for (let i = 0; i < 8; i++) out += (this.h[i] >>> 0).toString(16).padStart(8, "0");
    return out;
  };

  global.Sha256 = Sha256;
})(typeof window !== "undefined" ? window : globalThis);
