export {
  encodingUnit, isPowerOfTwo, unitFor, type EncodingUnit, type Encrypted, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector,
} from './layout.js';
export { decryptColVector, decryptMatrix, decryptRowVector, encryptColVector, encryptMatrix, encryptRowVector } from './encrypt.js';
export {
  add, dropLevelTo, freeAll, hadamard, hadamardCols, hadamardRows, landAll, matrixTimesCol, mulPlain, negate, rescaleAll, rowTimesMatrix, scale, sub,
  type Relinearization,
  sumCols, sumColsMany, sumColsRotations, sumRows, sumRowsMany, sumRowsRotations,
} from './ops.js';
export { matrixProductColMajor, matrixProductRowMajor } from './matmul.js';
export { matrixProductRowMajorMixedUnit, matrixTimesColMixedUnit, mixedUnitRotations, rowTimesMatrixMixedUnit, transposedUnit, transposeUnit } from './mixed-unit.js';
export { cubicVector, fusedCubicCols, fusedCubicColsSummands, fusedCubicRows, fusedCubicRowsSummands } from './fused.js';
export { loadEncrypted, saveEncrypted } from './serialize.js';
