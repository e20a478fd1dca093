/**
 * The HE-standard limits SEAL enforces when it builds a context (`hestdparms.h`,
 * classical attacks, ternary secret): the most modulus bits N can carry at each level.
 */
export type SecurityLevel = 128 | 192 | 256;

const MAX_BITS: Readonly<Record<SecurityLevel, Readonly<Record<number, number>>>> = {
  128: { 1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881 },
  192: { 1024: 19, 2048: 37, 4096: 75, 8192: 152, 16384: 305, 32768: 611 },
  256: { 1024: 14, 2048: 29, 4096: 58, 8192: 118, 16384: 237, 32768: 476 },
};

/** Most bits the key-level modulus may have; 0 when the standard lists no parameters for N (as SEAL). */
export const maxModulusBits = (ringDegree: number, security: SecurityLevel): number =>
  MAX_BITS[security][ringDegree] ?? 0;
